// Loads handlers/<name>.ts fresh, as a new Lambda container would: module scope (configuration, clients) runs again with the current environment.
import type { AlarmHandler } from '../../shared/pipeline/create-alarm-handler';

export function loadHandler<T = AlarmHandler>(name: string): T {
  let handler: T | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module registry per container, as Lambda loads it
    handler = (require(`../../handlers/${name}`) as { handler: T }).handler;
  });
  if (!handler) throw new Error(`handlers/${name} did not load`);
  return handler;
}
