// The rarer paths' module (escalation-rare-paths.ts) is loaded on first use by import() (decision 333): a chunk file of
// the bundle. A load that fails (the chunk unreadable once: ERR_MODULE_NOT_FOUND) must not lose the sweep's work: the
// invocation throws (Lambda retries it), one ERROR line says so, and the next invocation in the same container loads the
// module again (lazy-client.ts forgets a failed load) and does the work (review 20c R20-44). The re-fire path:
// rare-paths-load-failure-refire.test.ts (one file each: jest keeps a module once it loaded, so one failure per file).
//
// The real escalation-timer handler, its real store, notifier and scheduler over the in-memory state table
// (test/support/escalation-deadline-world.ts); the module's import made to fail once by jest's module mock.
import { createEscalationTimerHandler } from '../../../shared/escalation/create-escalation-timer-handler';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import { SWEEP_INPUT } from '../../../shared/escalation/timer-input';
import { handlerOptions, twoMinutesOn, useDeadlineClock, world, type World } from '../../support/escalation-deadline-world';
import { expectLoadFailedOnce, invokeLogged, loadRarePathsOrFail, rarePathsLoads } from '../../support/rare-paths-load-failure';
import { capReachedIncident } from './fixtures';

jest.mock('../../../shared/escalation/escalation-rare-paths', () =>
  jest.requireActual<{ loadRarePathsOrFail: typeof loadRarePathsOrFail }>('../../support/rare-paths-load-failure').loadRarePathsOrFail(),
);

const L2_DUE = '2026-11-25T14:15:05.000Z';
const IDS = ['inc-aaaaaaaaaaa0', 'inc-aaaaaaaaaaa1'];

/** Incidents whose L1 was paged and whose L2 timer Scheduler dropped: the sweep's work. */
async function l1Paged(w: World): Promise<void> {
  const store = new EscalationStore(w.table.client as never, { tableName: 'state', retentionDays: 90, leaseSeconds: 120 });
  for (const [i, incidentId] of IDS.entries()) {
    await store.create(capReachedIncident({ incidentId, incidentKey: `key-${i}`, level: 1, nextLevel: 2, nextEscalationAt: L2_DUE, ladderDueAt: L2_DUE }), new Date('2026-11-25T14:00:05.000Z'));
  }
}

describe("escalation-timer's sweep when the rarer paths' chunk fails to load", () => {
  useDeadlineClock();

  it('throws and logs one ERROR line naming the chunk, pages nobody; the next invocation in the same container loads it and pages each overdue L2 once', async () => {
    const w = world();
    await l1Paged(w);
    const handler = createEscalationTimerHandler(handlerOptions(w));
    rarePathsLoads.toFail = 1;
    const loadsBefore = rarePathsLoads.attempted;

    const failed = await invokeLogged(w, createEscalationTimerHandler, SWEEP_INPUT, handler);
    // The fault fired: the module's load was attempted and failed; thrown, one ERROR line naming the chunk.
    expectLoadFailedOnce(failed, loadsBefore);
    // Nothing swept, nothing read or written: the retry has all of it to do.
    expect(w.calls).toEqual([]);
    expect(w.pages).toEqual([]);

    // Lambda's retry (or the next sweep), in the same warm container: the module is loaded again and the sweep runs.
    twoMinutesOn(w);
    const retried = await invokeLogged(w, createEscalationTimerHandler, SWEEP_INPUT, handler);
    expect(rarePathsLoads.attempted - loadsBefore).toBe(2);
    expect(retried.outcome.error).toBeUndefined();
    expect(retried.outcome.result).toMatchObject({ action: 'escalated' });
    expect(retried.lines.filter((line) => line.level === 'ERROR')).toEqual([]);
    expect(w.pages.map((p) => `${p.incidentId} ${p.tier} ${p.channel}`).sort()).toEqual(IDS.flatMap((id) => [`${id} L2 chat`, `${id} L2 email`]));
    for (const id of IDS) expect(w.table.get({ pk: `ESCALATION#${id}`, sk: 'SEND#notify#L2' })).toMatchObject({ status: 'SENT' });
  });
});
