// Calls the escalation service makes at once (resolveIncident's timer deletes, afterNotified's level and next timer, a
// decision's claim and audit reads): a failure is acted on only once every other call has answered, so no call is left in
// flight when the invocation returns (review 20c R20-40; decision 330's rule, shared/settled.ts).
import type { EscalationService, EscalationServices, EscalationLog } from '../../../shared/escalation/escalation-service';
import { trustDecision } from '../../../shared/escalation/escalation-intake';
import type { DecisionEventDetail } from '../../../shared/escalation/escalation-events';
import type { Incident } from '../../../shared/escalation/incident';
import { tierAt } from '../../../shared/escalation/policy';
import type { TimerInput } from '../../../shared/escalation/plan-timer';
import { capReachedDecision, capReachedIncident, productionService } from './fixtures';

const NOW = new Date('2026-11-25T14:20:00.000Z');

/** A call's answer held until the test lets it go. */
interface Held {
  what: string;
  release(): void;
}

/** Lets every pending promise callback run (no timer: a held call answers only when released). */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const denied = (what: string): Error => Object.assign(new Error(`User is not authorized to perform: ${what}`), { name: 'AccessDeniedException' });

interface World {
  service: EscalationService;
  held: Held[];
  calls: string[];
  warnings: string[];
}

/**
 * The service over calls that either fail at once (`failing` names them) or are held until released; anything the case
 * does not expect throws.
 */
function world(failing: ReadonlySet<string>, incident: Incident): World {
  const held: Held[] = [];
  const calls: string[] = [];
  const warnings: string[] = [];
  const call = <T>(what: string, value: T): Promise<T> => {
    calls.push(what);
    if (failing.has(what)) return Promise.reject(denied(what));
    return new Promise((resolve) => held.push({ what, release: () => resolve(value) }));
  };
  const unexpected = (what: string) => (): never => {
    throw new Error(`unexpected ${what}`);
  };
  const services: EscalationServices = {
    store: {
      resolve: async () => ({ resolved: true, incident: { ...incident, status: 'RESOLVED', resolvedAt: NOW.toISOString() } }),
      // No tier was paged: no resolution message; the index entry goes.
      listSends: async () => [],
      forgetAlarmIncident: async () => undefined,
      recordTierNotified: (_id: string, level: number) => call(`record level ${level}`, undefined),
      recordNoticeDue: unexpected('recordNoticeDue'),
    } as unknown as EscalationServices['store'],
    notifier: { notify: unexpected('notify'), resolve: unexpected('resolve') },
    timers: {
      schedule: (input: TimerInput) => call(`schedule ${input.action}${'level' in input ? ` L${input.level}` : ''}`, { name: 'n', created: true }),
      cancel: (input: TimerInput) => call(`cancel ${input.action}${'level' in input ? ` L${input.level}` : ''}`, undefined),
    },
    alarms: { read: unexpected('alarms.read') },
    records: {
      claimsOf: () => call('claimsOf', []),
      auditsOf: () => call('auditsOf', []),
    },
  };
  const log: EscalationLog = { info: () => undefined, warn: (message) => void warnings.push(message), error: () => undefined };
  const service = productionService(services, { now: () => NOW, log });
  return { service, held, calls, warnings };
}

/** Where a promise stands, without waiting for it. */
function track(promise: Promise<unknown>): { outcome: 'pending' | 'resolved' | Error; done: Promise<void> } {
  const state: { outcome: 'pending' | 'resolved' | Error; done: Promise<void> } = { outcome: 'pending', done: Promise.resolve() };
  state.done = promise.then(
    () => void (state.outcome = 'resolved'),
    (error: Error) => void (state.outcome = error),
  );
  return state;
}

/** Releases the held calls one by one, checking the caller is still waiting before each. */
async function releaseOneByOne(w: World, state: { outcome: unknown }): Promise<void> {
  for (const h of [...w.held]) {
    await drain();
    expect(state.outcome).toBe('pending');
    h.release();
  }
}

describe('calls the escalation service makes at once all answer before it goes on (review 20c R20-40)', () => {
  it("resolveIncident: L1's check timer delete denied at once, L2-L4's deletes held: the warning and the rest wait until every delete answered", async () => {
    const w = world(new Set(['cancel check']), capReachedIncident({ level: 1, nextLevel: 2 }));
    const state = track(w.service.resolveIncident('inc-3f2a9c1b7d44', 'alarm is OK'));
    await drain();
    expect(w.calls).toEqual(['cancel check', 'cancel escalate L2', 'cancel escalate L3', 'cancel escalate L4']);
    expect(w.held.map((h) => h.what)).toEqual(['cancel escalate L2', 'cancel escalate L3', 'cancel escalate L4']);
    expect(w.warnings).toEqual([]);
    await releaseOneByOne(w, state);
    await state.done;
    // The denied delete is a warning (the timer finds the incident resolved), logged once every delete answered.
    expect(state.outcome).toBe('resolved');
    expect(w.warnings).toEqual(['could not delete a pending timer; it will find the incident resolved']);
  });

  it('afterNotified: the level write denied at once, the next tier\'s timer held: thrown only once the timer\'s create answered', async () => {
    const incident = capReachedIncident({ level: 1, nextLevel: 2 });
    const w = world(new Set(['record level 2']), incident);
    const l2 = tierAt(w.service.ctx.policy, 2);
    const l3 = tierAt(w.service.ctx.policy, 3);
    if (!l2 || !l3) throw new Error('production policy has L2 and L3');
    const state = track(w.service.afterNotified(incident, l2, { tier: l3, at: new Date('2026-11-25T14:50:00.000Z') }));
    await drain();
    expect(w.calls).toEqual(['record level 2', 'schedule escalate L3']);
    await releaseOneByOne(w, state);
    await state.done;
    expect(state.outcome).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('record level 2') });
  });

  it('afterNotified: the next tier\'s timer denied at once, the level write held: thrown only once the level write answered', async () => {
    const incident = capReachedIncident({ level: 1, nextLevel: 2 });
    const w = world(new Set(['schedule escalate L3']), incident);
    const l2 = tierAt(w.service.ctx.policy, 2);
    const l3 = tierAt(w.service.ctx.policy, 3);
    if (!l2 || !l3) throw new Error('production policy has L2 and L3');
    const state = track(w.service.afterNotified(incident, l2, { tier: l3, at: new Date('2026-11-25T14:50:00.000Z') }));
    await drain();
    expect(w.held.map((h) => h.what)).toEqual(['record level 2']);
    await releaseOneByOne(w, state);
    await state.done;
    expect(state.outcome).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('schedule escalate L3') });
  });

  it("trustDecision: the claim read denied at once, the audit read held: thrown only once the audit read answered", async () => {
    const w = world(new Set(['claimsOf']), capReachedIncident());
    const claimed: DecisionEventDetail = capReachedDecision();
    const state = track(trustDecision(w.service, claimed));
    await drain();
    expect(w.calls).toEqual(['claimsOf', 'auditsOf']);
    await releaseOneByOne(w, state);
    await state.done;
    expect(state.outcome).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('claimsOf') });
  });
});
