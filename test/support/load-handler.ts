// Loads handlers/<name>.ts fresh, as a new Lambda container would: module scope (configuration, clients) runs again with the current environment.
import type { AlarmHandler } from '../../shared/pipeline/create-alarm-handler';

/**
 * shared/errors.ts, one copy for every registry this file makes and for the chunks their handlers import() later.
 * esbuild's bundle has one copy of it per handler, shared by its lazily loaded chunks (the Support case module among
 * them), and the pipeline tells its error classes apart by `instanceof`. Under jest, an `import()` made after
 * isolateModules returned (a chunk loaded on first use, in the middle of an invocation) is required in jest's main
 * registry, not the handler's: a TransientError thrown there was another class than the handler's and was judged an
 * unknown error, permanent (decision 329's first emulator run). The module holds classes and no state, so sharing it
 * between "containers" changes nothing else (review 20b R20-27: no by-name fallback in production code for this).
 */
const ERRORS_MODULE = require.resolve('../../shared/errors');

export function loadHandler<T = AlarmHandler>(name: string): T {
  const errors: unknown = jest.requireActual(ERRORS_MODULE);
  jest.doMock(ERRORS_MODULE, () => errors);
  let handler: T | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module registry per container, as Lambda loads it
    handler = (require(`../../handlers/${name}`) as { handler: T }).handler;
  });
  if (!handler) throw new Error(`handlers/${name} did not load`);
  return handler;
}
