// The rarer paths' module (shared/escalation/escalation-rare-paths.ts, loaded by import(): decision 333) made to fail to
// load as a missing bundle chunk does (review 20c R20-44), for the unit files that mock it (one failure per file: jest
// keeps a module once it loaded). A file mocks the module with loadRarePathsOrFail as the factory:
//   jest.mock('../../../shared/escalation/escalation-rare-paths', () =>
//     jest.requireActual<{ loadRarePathsOrFail: typeof loadRarePathsOrFail }>('../../support/rare-paths-load-failure').loadRarePathsOrFail());
// and sets rarePathsLoads.toFail before the invocation whose load should fail.
import type { EscalationHandler, EscalationHandlerOptions } from '../../shared/escalation/create-escalation-handlers';
import { invoke, type Invoked, type World } from './escalation-deadline-world';
import { writtenJsonLines } from './written-lines';

/** The chunk the failed load names, as the bundle's would. */
export const RARE_PATHS_CHUNK = '/var/task/chunks/escalation-rare-paths-7QX2KD4M.mjs';

/** How many loads of the module fail before one succeeds, and how many loads were attempted in the file. */
export const rarePathsLoads = { toFail: 0, attempted: 0 };

/** The mock factory: counts the load, throws ERR_MODULE_NOT_FOUND while loads are to fail, else the real module. */
export function loadRarePathsOrFail(): Record<string, unknown> {
  rarePathsLoads.attempted += 1;
  if (rarePathsLoads.toFail > 0) {
    rarePathsLoads.toFail -= 1;
    throw Object.assign(new Error(`Cannot find module '${RARE_PATHS_CHUNK}' imported from /var/task/index.mjs`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return jest.requireActual<Record<string, unknown>>('../../shared/escalation/escalation-rare-paths');
}

/** One invocation (escalation-deadline-world's invoke, warm `handler`) with what it logged (Powertools' JSON lines, parsed). */
export async function invokeLogged(
  w: World,
  create: (options: EscalationHandlerOptions) => EscalationHandler,
  event: unknown,
  handler: EscalationHandler,
): Promise<{ outcome: Invoked; lines: Array<Record<string, unknown>> }> {
  let outcome: Invoked | undefined;
  const lines = await writtenJsonLines(async () => {
    outcome = await invoke(w, create, event, handler);
  });
  if (!outcome) throw new Error('the invocation did not answer');
  return { outcome, lines: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/**
 * The failed invocation's evidence: the fault fired (one load attempted since `loadsBefore`, and failed), the invocation
 * threw the load's error naming the chunk, and logged exactly one ERROR line saying the event will be retried.
 */
export function expectLoadFailedOnce(failed: { outcome: Invoked; lines: Array<Record<string, unknown>> }, loadsBefore: number): void {
  expect(rarePathsLoads.attempted - loadsBefore).toBe(1);
  expect(rarePathsLoads.toFail).toBe(0);
  expect(failed.outcome.error).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND', message: expect.stringContaining(RARE_PATHS_CHUNK) });
  const errors = failed.lines.filter((line) => line.level === 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ message: 'escalation failed: the event will be retried, then kept by the failure destination', error: { message: expect.stringContaining(RARE_PATHS_CHUNK) } });
}
