// The verify sweep (decision 281's design, built in decision 293): a health check after a change is listed (VERIFY-DUE)
// with its record and schedule; every 5 minutes the sweep runs each listed check more than 5 min past due whose schedule
// has not answered, saying how late, and verify-change's claim on the change keeps it to one judgement with a late
// delivery of the schedule (after the sweep, or at once). The check's health read and revert are counted here.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { InvalidInputError, TransientError } from '../../../shared/errors';
import { checkDueAt, planVerifySweep, SWEEP_GRACE_MINUTES, SWEEP_INPUT, SWEEP_RESERVE_MS } from '../../../shared/pipeline/plan-verify-sweep';
import type { Decision, HealthReading, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { runVerifyHandler, runVerifySweep, type VerifyChangeDeps } from '../../../shared/pipeline/verify-change';
import { parseVerifyHandlerInput, verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import { verifyScheduleName } from '../../../shared/pipeline/verify-schedule-name';
import { parseVerifyDueItem, StateRecordError } from '../../../shared/state/state-records';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { ManualClock } from '../../support/manual-clock';

const MINUTE_MS = 60_000;
const ACCOUNT = '123456789012';
const FN = 'notification-service-consumer';
const RESOURCE: ResourceRef = { type: 'lambda-function', id: FN, arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FN}` };
const PLAYBOOK = 'test-playbook';
const CHANGED_AT = '2026-03-05T10:00:00.000Z';
/** production's verifyWindowMinutes is 10: the check is due at 10:10. */
const DUE = new Date(Date.parse(CHANGED_AT) + 10 * MINUTE_MS);
const incident = (n: number): string => `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:OOM#2026-03-05T10:00:0${n}.000+0000`;

interface Knob {
  value: number;
  healthReads: number;
  reverts: number;
  /** Errors after the change: 50 is worse than the 1 before (a revert), 0 is healthy. */
  errorsAfter: number;
  /** The health read throws (a throttle that outlasts the SDK's retries). */
  failing?: boolean;
}

const reading = (errors: number): HealthReading => ({ from: CHANGED_AT, to: '2026-03-05T10:10:00.000Z', figures: { errors } });

const playbook: Playbook<Knob, { resource: ResourceRef }, { value: number }, { from: number; to: number }> = {
  name: PLAYBOOK,
  row: 'test',
  actions: [],
  actsOn: ['ALARM'],
  resolveTarget: () => ({ resource: RESOURCE }),
  observe: async (ctx) => ({ value: ctx.clients.value }),
  plan: () => ({ kind: 'none', reason: 'not used' }),
  apply: async (ctx, _target, change) => {
    ctx.clients.reverts += 1;
    ctx.clients.value = change.to;
  },
  verify: async (ctx) => ({ value: ctx.clients.value }),
  isApplied: (observation, change) => observation.value === change.to,
  health: {
    signal: 'errors',
    read: async (ctx) => {
      ctx.clients.healthReads += 1;
      if (ctx.clients.failing) throw new TransientError('CloudWatch GetMetricData throttled');
      return reading(ctx.clients.errorsAfter);
    },
    worse: (before, after) => ((after.figures.errors ?? 0) > (before.figures.errors ?? 0) ? `errors ${before.figures.errors} -> ${after.figures.errors}` : undefined),
    revertOf: (change) => ({ from: change.to, to: change.from }),
  },
};

/** The alarm pipeline's record of an applied change (2 -> 3) on `key`, listed for the sweep as withHealthCheck lists it. */
async function applied(store: InMemoryIncidentStore, clock: ManualClock, key: string, list = true): Promise<void> {
  const claimed = await store.claim(PLAYBOOK, key, clock.now());
  if (!claimed.claimed) throw new Error('could not claim');
  await store.recordIntent(PLAYBOOK, key, claimed.owner, {
    direction: 'scale-up',
    summary: 'raise 2 -> 3',
    change: { from: 2, to: 3 },
    target: { resource: RESOURCE },
    alarm: { account: ACCOUNT, region: 'us-east-1', name: 'OOM', arn: key.split('#')[0], state: 'ALARM', time: '2026-03-05T10:00:00.000+0000' },
    healthCheck: { changedAt: CHANGED_AT, before: reading(1) },
  });
  await store.complete(PLAYBOOK, key, claimed.owner, 'applied', 'raise 2 -> 3');
  if (list) await store.recordVerifyDue(PLAYBOOK, key, DUE);
}

async function world(errorsAfter = 50, keys = [incident(1)]) {
  const knobs = new Map(keys.map((key) => [key, { value: 3, healthReads: 0, reverts: 0, errorsAfter } as Knob]));
  const store = new InMemoryIncidentStore(120);
  const clock = new ManualClock(Date.parse(CHANGED_AT));
  for (const key of keys) await applied(store, clock, key);
  const published: Decision[] = [];
  const metrics = new Map<string, number>();
  const deps: VerifyChangeDeps = {
    playbooks: { [PLAYBOOK]: playbook as unknown as VerifyChangeDeps['playbooks'][string] },
    clientsIn: (_account, key) => ({ [PLAYBOOK]: knobs.get(key) }),
    services: {
      store,
      reporter: { log: () => undefined, count: () => undefined, publish: async (decision: Decision) => void published.push(decision) },
      killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    },
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
    clock,
    logger: new Logger({ logLevel: 'SILENT' }),
    metric: (name, value) => void metrics.set(name, (metrics.get(name) ?? 0) + value),
  };
  const at = (minutesAfterDue: number): void => {
    clock.advanceSeconds((DUE.getTime() + minutesAfterDue * MINUTE_MS - clock.now().getTime()) / 1000);
  };
  const schedule = (key = incident(1)) => runVerifyHandler(deps, { action: 'verify-change', playbook: PLAYBOOK, incidentKey: key });
  return { knobs, knob: knobs.get(keys[0] ?? '') as Knob, store, clock, deps, published, metrics, at, schedule };
}

describe('parseVerifyHandlerInput: the verify sweep rule\'s constant Input, or one health check', () => {
  it('{"action":"sweep"} is the sweep, as an object or as JSON text; anything beside it is refused', () => {
    expect(parseVerifyHandlerInput(SWEEP_INPUT)).toEqual({ kind: 'sweep' });
    expect(parseVerifyHandlerInput('{"action":"sweep"}')).toEqual({ kind: 'sweep' });
    expect(() => parseVerifyHandlerInput({ action: 'sweep', playbook: PLAYBOOK })).toThrow(InvalidInputError);
    expect(parseVerifyHandlerInput({ action: 'verify-change', playbook: PLAYBOOK, incidentKey: 'k' })).toEqual({ kind: 'check', input: { action: 'verify-change', playbook: PLAYBOOK, incidentKey: 'k' } });
    expect(() => parseVerifyHandlerInput({ action: 'sweeps' })).toThrow(InvalidInputError);
  });
});

describe('planVerifySweep: which listed health checks are overdue, by their change\'s record (decision 304)', () => {
  const WINDOW = 10;
  /** A change's claim as the alarm pipeline completes it: applied, its health check recorded at `changedAt`. */
  const record = (changedAt = CHANGED_AT, status = 'COMPLETED', outcome = 'applied') => ({ status, outcome, intent: { healthCheck: { changedAt, before: reading(1) } } });
  const listed = (dueAt: string, key = 'k', rec: ReturnType<typeof record> | { status: string; outcome?: string; intent?: unknown } | undefined = record()) => ({
    entry: { playbook: PLAYBOOK, incidentKey: key, dueAt },
    record: rec,
  });
  const minutesAfterDue = (minutes: number): Date => new Date(DUE.getTime() + minutes * MINUTE_MS);

  it(`leaves a check alone until it is ${SWEEP_GRACE_MINUTES} min past its recorded due time, then takes it with its lateness, oldest first`, () => {
    expect(planVerifySweep([listed(DUE.toISOString())], minutesAfterDue(4.9), WINDOW)).toEqual({ overdue: [], unconfirmed: [], unjudgeable: [] });
    const laterChange = new Date(Date.parse(CHANGED_AT) + 3 * MINUTE_MS).toISOString();
    const later = new Date(DUE.getTime() + 3 * MINUTE_MS).toISOString();
    expect(planVerifySweep([listed(later, 'b', record(laterChange)), listed(DUE.toISOString(), 'a')], minutesAfterDue(12), WINDOW).overdue).toEqual([
      { playbook: PLAYBOOK, incidentKey: 'a', dueAt: DUE, lateMinutes: 12 },
      { playbook: PLAYBOOK, incidentKey: 'b', dueAt: new Date(later), lateMinutes: 9 },
    ]);
  });

  // The attacker writes the state table's list but not the change's record: the entry's dueAt decides nothing.
  it('an entry whose due time is earlier than its record\'s (forged, to have a settling change judged) is unconfirmed, not overdue', () => {
    const forged = new Date(DUE.getTime() - 60 * MINUTE_MS).toISOString();
    expect(planVerifySweep([listed(forged)], minutesAfterDue(-7), WINDOW)).toEqual({
      overdue: [],
      unconfirmed: [{ playbook: PLAYBOOK, incidentKey: 'k', issue: `dueAt ${forged} is not its change's due time ${DUE.toISOString()} (recorded change plus 10 min)` }],
      unjudgeable: [],
    });
  });
  it('an entry whose due time is later than its record\'s (forged or stale, hiding an overdue check) is unconfirmed and named, not silently waited for', () => {
    const hidden = new Date(DUE.getTime() + 24 * 60 * MINUTE_MS).toISOString();
    expect(planVerifySweep([listed(hidden)], minutesAfterDue(30), WINDOW)).toMatchObject({ overdue: [], unconfirmed: [{ incidentKey: 'k', issue: expect.stringContaining(`dueAt ${hidden} is not`) }] });
  });
  it('one millisecond off is unconfirmed: the record and the entry are written from one clock reading', () => {
    const off = new Date(DUE.getTime() + 1).toISOString();
    expect(planVerifySweep([listed(off)], minutesAfterDue(30), WINDOW).unconfirmed).toHaveLength(1);
    // The same instant written with an offset is the same time.
    expect(planVerifySweep([listed('2026-03-05T11:10:00.000+01:00')], minutesAfterDue(30), WINDOW).overdue).toHaveLength(1);
  });
  it('a record whose change time is not a time: unconfirmed, never run', () => {
    expect(planVerifySweep([listed(DUE.toISOString(), 'k', record('soon'))], minutesAfterDue(60), WINDOW)).toMatchObject({ overdue: [], unconfirmed: [{ issue: 'its change\'s recorded time "soon" is not a time' }] });
  });
  it('no change on record, or one completed without a health check: unjudgeable whatever the entry says; one still being made: nothing yet', () => {
    const farFuture = '2099-01-01T00:00:00.000Z';
    expect(planVerifySweep([{ entry: { playbook: PLAYBOOK, incidentKey: 'none', dueAt: farFuture }, record: undefined }, listed(farFuture, 'esc', { status: 'COMPLETED', outcome: 'escalate', intent: {} })], minutesAfterDue(-9), WINDOW)).toEqual({
      overdue: [],
      unconfirmed: [],
      unjudgeable: [
        { playbook: PLAYBOOK, incidentKey: 'none', why: 'no change on record' },
        { playbook: PLAYBOOK, incidentKey: 'esc', why: 'its change completed escalate with no health check recorded' },
      ],
    });
    expect(planVerifySweep([listed(DUE.toISOString(), 'k', { status: 'IN_PROGRESS', intent: { direction: 'scale-up' } })], minutesAfterDue(60), WINDOW)).toEqual({ overdue: [], unconfirmed: [], unjudgeable: [] });
  });
  // The operator's (or a function's) clock skewed: the record's time and the entry's come from one writer's clock, so a
  // skew never refuses an entry; the sweep's own clock ahead by less than the grace still never judges before the due time.
  it('a writer clock ahead of the sweep\'s: its change "in the future" is simply not due yet', () => {
    const ahead = new Date(Date.parse(CHANGED_AT) + 30 * MINUTE_MS).toISOString();
    const aheadDue = new Date(DUE.getTime() + 30 * MINUTE_MS).toISOString();
    expect(planVerifySweep([listed(aheadDue, 'k', record(ahead))], minutesAfterDue(20), WINDOW)).toEqual({ overdue: [], unconfirmed: [], unjudgeable: [] });
  });
  it('checkDueAt: the window after the recorded change', () => {
    expect(checkDueAt(CHANGED_AT, 10)).toEqual(DUE);
    expect(checkDueAt('soon', 10)).toBeUndefined();
  });
});

describe('runVerifySweep: a health check whose schedule Scheduler dropped is run once, saying how late', () => {
  it('the schedule dropped: the sweep judges the change once (reverted, worse), says how late, and unlists it; the late schedule and the next sweep do nothing', async () => {
    const w = await world();
    w.at(12);
    const swept = await runVerifyHandler(w.deps, SWEEP_INPUT);
    expect(swept).toMatchObject({ playbook: 'verify-change', outcome: 'skipped' });
    expect(swept.reason).toMatch(/^swept 1 health check: test-playbook on .* \(12 min late\): escalate$/);
    expect([w.knob.healthReads, w.knob.reverts, w.knob.value]).toEqual([1, 1, 2]);
    expect(w.published).toHaveLength(1);
    expect(w.published[0]?.reason).toMatch(/made things worse \(errors 1 -> 50\); reverted to the recorded value: value 2/);
    expect(w.published[0]?.reason).toContain(
      `; checked 12 min late: due at ${DUE.toISOString()}, its EventBridge Scheduler schedule had not run (Scheduler could not deliver it); the verify sweep did its work instead`,
    );
    expect(w.store.verifyList.size).toBe(0);
    expect(w.metrics.get('HealthChecksOverdue')).toBe(1);

    // Scheduler delivers the schedule after all (within its 24 h), and the sweep runs again: nothing judged or reverted again.
    w.at(20);
    expect(await w.schedule()).toMatchObject({ outcome: 'skipped', reason: 'duplicate delivery: the health check of this change is already done (escalate)' });
    expect(await runVerifySweep(w.deps)).toMatchObject({ reason: 'no health check more than 5 min past due' });
    expect([w.knob.healthReads, w.knob.reverts, w.published.length]).toEqual([1, 1, 1]);
  });

  it('the sweep and the late schedule at the same moment: one judgement between them', async () => {
    const w = await world(0);
    w.at(7);
    const [swept, scheduled] = await Promise.all([runVerifySweep(w.deps), w.schedule()]);
    expect(w.knob.healthReads).toBe(1);
    expect(w.published).toHaveLength(1);
    expect(w.published[0]?.reason).toMatch(/verified healthy, nothing worse after 10 min; checked 7 min late: due at .*, its EventBridge Scheduler schedule (had not run|ran only now)/);
    // The loser is a duplicate: the schedule's answer says so, or the sweep's finding for it is the duplicate's skip.
    expect(scheduled.reason.includes('duplicate delivery') || swept.findings?.[0]?.endsWith(': skipped')).toBe(true);
    expect(w.store.verifyList.size).toBe(0);
  });

  it('a schedule delivered on time is judged as before, says nothing of lateness, and unlists its check; the sweep then finds nothing', async () => {
    const w = await world(0);
    w.at(1);
    expect((await w.schedule()).reason).toBe('health check of "raise 2 -> 3" (errors): change still in place, verified healthy, nothing worse after 10 min');
    expect(w.store.verifyList.size).toBe(0);
    w.at(30);
    expect((await runVerifySweep(w.deps)).reason).toBe('no health check more than 5 min past due');
    expect(w.knob.healthReads).toBe(1);
  });

  it('a schedule Scheduler delivers late on its own says it ran late', async () => {
    const w = await world(0);
    w.at(40);
    expect((await w.schedule()).reason).toContain(`; checked 40 min late: due at ${DUE.toISOString()}, its EventBridge Scheduler schedule ran only now (Scheduler could not deliver it on time)`);
  });

  it('within the grace the sweep leaves a check to its schedule', async () => {
    const w = await world(0);
    w.at(4);
    expect((await runVerifySweep(w.deps)).reason).toBe('no health check more than 5 min past due');
    expect([w.knob.healthReads, w.store.verifyList.size]).toEqual([0, 1]);
  });

  it('a listed check with no applied change on record is refused once and unlisted, whatever its due time: no sweep runs it again', async () => {
    const w = await world(0, []);
    await w.store.recordVerifyDue(PLAYBOOK, incident(9), new Date('2099-01-01T00:00:00.000Z'));
    w.at(-9);
    expect((await runVerifySweep(w.deps)).reason).toMatch(/^swept 1 health check: test-playbook on .* \(no change on record\): rejected$/);
    expect(w.store.verifyList.size).toBe(0);
    expect((await runVerifySweep(w.deps)).reason).toBe('no health check more than 5 min past due');
  });

  // Decision 302: a refused delivery of a schedule (a forged input naming no applied change) changes nothing, not even
  // the list; the listed check is refused and unlisted by the sweep in turn.
  it('a schedule delivery naming no applied change is refused and leaves the list as it is; the sweep refuses and unlists it', async () => {
    const w = await world(0, []);
    await w.store.recordVerifyDue(PLAYBOOK, incident(9), DUE);
    const refused = await w.schedule(incident(9));
    expect(refused).toMatchObject({ outcome: 'rejected' });
    expect([...w.store.verifyList.values()].map((e) => e.incidentKey)).toEqual([incident(9)]);
    w.at(10);
    expect((await runVerifySweep(w.deps)).reason).toMatch(/: rejected$/);
    expect(w.store.verifyList.size).toBe(0);
  });

  it('one check that fails stays listed and does not keep the other from its judgement; the sweep then throws, to be retried', async () => {
    const w = await world(0, [incident(1), incident(2)]);
    const failing = w.knobs.get(incident(1)) as Knob;
    failing.failing = true;
    w.at(15);
    await expect(runVerifySweep(w.deps)).rejects.toThrow(/verify sweep: 1 failed of 2 listed health checks \(test-playbook on .*OOM#2026-03-05T10:00:01.*CloudWatch GetMetricData throttled\)/);
    expect(w.knobs.get(incident(2))?.healthReads).toBe(1);
    expect([...w.store.verifyList.values()].map((e) => e.incidentKey)).toEqual([incident(1)]);
    // Retried once the read works: the first is judged, the second not again.
    failing.failing = false;
    await runVerifySweep(w.deps);
    expect([failing.healthReads, w.knobs.get(incident(2))?.healthReads, w.store.verifyList.size]).toEqual([2, 1, 0]);
  });

  it('with the function\'s time at the reserve the sweep starts no check, counts them left, and the next sweep runs them', async () => {
    const w = await world(0, [incident(1), incident(2), incident(3)]);
    w.at(8);
    const swept = await runVerifySweep(w.deps, { remainingMs: () => SWEEP_RESERVE_MS });
    expect(swept.reason).toMatch(/^swept 0 of 3 health checks; 3 left for the next sweep \(5 min on\): the function had 20 s left/);
    expect(w.metrics.get('HealthChecksLeftForNextSweep')).toBe(3);
    expect([...w.knobs.values()].map((k) => k.healthReads)).toEqual([0, 0, 0]);
    w.at(13);
    await runVerifySweep(w.deps, { remainingMs: () => 60_000 });
    expect([...w.knobs.values()].map((k) => k.healthReads)).toEqual([1, 1, 1]);
    expect(w.published.every((d) => d.reason.includes('checked 13 min late'))).toBe(true);
  });
});

describe('runVerifySweep: entries and records not as the automation writes them (review 18c; decision 299)', () => {
  it('a listed entry the store refuses is logged, counted and named; the valid check beside it is run; the sweep does not throw', async () => {
    const w = await world(0);
    w.store.verifyRefused.push({ key: { pk: 'VERIFY-DUE', sk: 'verify-forged' }, issues: ['attempts: not a field the automation writes'] });
    w.at(10);
    const swept = await runVerifySweep(w.deps);
    expect(swept.reason).toMatch(/^swept 1 health check: test-playbook on .* \(10 min late\): skipped; 1 listed entry refused \(not as the automation writes them\): VERIFY-DUE \/ verify-forged \(attempts: not a field the automation writes\)$/);
    expect([w.knob.healthReads, w.store.verifyList.size]).toEqual([1, 0]);
    expect(w.metrics.get('VerifyDueRefused')).toBe(1);
    // With nothing overdue the refused entry is still named.
    expect((await runVerifySweep(w.deps)).reason).toMatch(/^no health check more than 5 min past due; 1 listed entry refused/);
  });

  it('a listed check whose record is refused is named and counted by each sweep, never thrown for; the other check is judged', async () => {
    const w = await world(0, [incident(1), incident(2)]);
    const real = w.store.getClaim.bind(w.store);
    w.store.getClaim = async (pb: string, key: string) => {
      if (key === incident(1)) throw new StateRecordError({ pk: `INCIDENT#${key}`, sk: `CLAIM#${pb}` }, ['intent: forged']);
      return real(pb, key);
    };
    w.at(10);
    for (let sweep = 0; sweep < 3; sweep += 1) {
      const swept = await runVerifySweep(w.deps);
      expect(swept.reason).toMatch(/; 1 not judged, a record not as the automation writes it \(judge by hand\): test-playbook on .*OOM#2026-03-05T10:00:01.*intent: forged$/);
    }
    expect(w.knobs.get(incident(2))?.healthReads).toBe(1);
    expect(w.metrics.get('HealthChecksRefused')).toBe(3);
    // Not deleted (bad input: no mutation): it stays listed, named by each sweep until its TTL.
    expect([...w.store.verifyList.values()].map((e) => e.incidentKey)).toEqual([incident(1)]);
    // Its schedule's own delivery still throws (retried, then the failure destination keeps it).
    await expect(w.schedule(incident(1))).rejects.toThrow(StateRecordError);
  });

  it('a duplicate that finds the check still running leaves it listed for its holder; once the holder is gone, a later sweep judges and unlists it', async () => {
    const w = await world(0);
    // The schedule holds the check's claim (IN_PROGRESS) while the sweep runs.
    w.at(10);
    const held = await w.store.claim(verifyClaimName(PLAYBOOK), incident(1), w.clock.now());
    expect(held.claimed).toBe(true);
    const swept = await runVerifySweep(w.deps);
    expect(swept.findings).toEqual([expect.stringMatching(/\(10 min late\): skipped$/)]);
    expect(w.knob.healthReads).toBe(0);
    expect(w.store.verifyList.size).toBe(1);
    // The holder died; its lease (120 s) has long run out: the next sweep takes the claim over, judges once and unlists.
    w.at(15);
    await runVerifySweep(w.deps);
    expect([w.knob.healthReads, w.store.verifyList.size]).toEqual([1, 0]);
  });
});

// Review 18 R18-15 (decision 304): an attacker who can write the state table's list (a PutItem on VERIFY-DUE / <schedule
// name>, the key the automation uses) but not the change's record. The entry names a real change; only its dueAt lies.
describe('runVerifySweep: a listed due time its change\'s record does not confirm is refused, counted and never acted upon', () => {
  it('an early dueAt forged on a settling change: refused and counted, nothing judged, reverted, claimed, published or deleted; the schedule later judges it as before', async () => {
    const w = await world(50);
    const forgedDue = new Date(DUE.getTime() - 60 * MINUTE_MS);
    await w.store.recordVerifyDue(PLAYBOOK, incident(1), forgedDue);
    const before = [...w.store.verifyList.values()];
    // 3 min after the change: the change is still settling (due at 10:10); the entry says it was due at 09:10.
    w.at(-7);
    const swept = await runVerifySweep(w.deps);
    expect(swept).toMatchObject({ outcome: 'skipped' });
    expect(swept.reason).toBe(
      `no health check more than 5 min past due; 1 listed entry refused, not run (a due time its change's record does not confirm): test-playbook on ${incident(1)} (dueAt ${forgedDue.toISOString()} is not its change's due time ${DUE.toISOString()} (recorded change plus 10 min))`,
    );
    expect(w.metrics.get('VerifyDueRefused')).toBe(1);
    expect(w.metrics.get('HealthChecksOverdue')).toBeUndefined();
    expect([w.knob.healthReads, w.knob.reverts, w.knob.value, w.published.length]).toEqual([0, 0, 3, 0]);
    expect(await w.store.getClaim(verifyClaimName(PLAYBOOK), incident(1))).toBeUndefined();
    expect([...w.store.verifyList.values()]).toEqual(before);
    // Still refused an hour on by the entry's clock (the record's due time now well past): never run on its strength.
    w.at(30);
    expect((await runVerifySweep(w.deps)).reason).toMatch(/^no health check more than 5 min past due; 1 listed entry refused, not run/);
    expect([w.knob.healthReads, w.knob.reverts, w.published.length]).toEqual([0, 0, 0]);
    // Its schedule, made for the record's time, judges the change as before (worse: reverted) and answers the entry.
    expect((await w.schedule()).outcome).toBe('escalate');
    expect([w.knob.healthReads, w.knob.reverts, w.store.verifyList.size]).toEqual([1, 1, 0]);
  });

  it('a late dueAt forged over a check whose schedule was dropped does not hide it: refused, counted and named by every sweep, not run', async () => {
    const w = await world(50);
    const hidden = new Date(DUE.getTime() + 7 * 24 * 60 * MINUTE_MS);
    await w.store.recordVerifyDue(PLAYBOOK, incident(1), hidden);
    w.at(20);
    for (let sweep = 1; sweep <= 2; sweep += 1) {
      expect((await runVerifySweep(w.deps)).reason).toContain(`test-playbook on ${incident(1)} (dueAt ${hidden.toISOString()} is not its change's due time ${DUE.toISOString()}`);
      expect(w.metrics.get('VerifyDueRefused')).toBe(sweep);
    }
    expect([w.knob.healthReads, w.knob.reverts, w.published.length, w.store.verifyList.size]).toEqual([0, 0, 0, 1]);
  });

  it('the forged entry beside a genuine overdue check: the genuine one is judged once and unlisted, the forged one refused; the sweep does not throw', async () => {
    const w = await world(0, [incident(1), incident(2)]);
    await w.store.recordVerifyDue(PLAYBOOK, incident(2), new Date(DUE.getTime() - 30 * MINUTE_MS));
    w.at(8);
    const swept = await runVerifySweep(w.deps);
    expect(swept.reason).toMatch(/^swept 1 health check: test-playbook on .*OOM#2026-03-05T10:00:01\.000\+0000 \(8 min late\): skipped; 1 listed entry refused, not run .*OOM#2026-03-05T10:00:02/);
    expect([w.knobs.get(incident(1))?.healthReads, w.knobs.get(incident(2))?.healthReads]).toEqual([1, 0]);
    expect([...w.store.verifyList.values()].map((e) => e.incidentKey)).toEqual([incident(2)]);
  });
});

describe('parseVerifyDueItem: a listed check read back from the state table is the automation\'s own', () => {
  const key = incident(1);
  const item = { pk: 'VERIFY-DUE', sk: verifyScheduleName(PLAYBOOK, key), playbook: PLAYBOOK, incidentKey: key, dueAt: DUE.toISOString(), expiresAt: 1_800_000_000 };
  it('read back as written', () => {
    expect(parseVerifyDueItem({ pk: item.pk, sk: item.sk }, item)).toEqual({ playbook: PLAYBOOK, incidentKey: key, dueAt: DUE.toISOString() });
  });
  it.each<[string, Record<string, unknown>, string]>([
    ['a key that is not its own check\'s schedule name', { sk: verifyScheduleName(PLAYBOOK, incident(2)) }, 'sk: must be verify-'],
    ['a due time not ISO 8601', { dueAt: 'soon' }, 'dueAt'],
    ['an unknown field', { revertTo: 1 }, 'revertTo: not a field the automation writes'],
    ['a playbook that is not a name', { playbook: 'Scale Consumers' }, 'playbook'],
  ])('%s: refused, naming it', (_what, overrides, named) => {
    const bad = { ...item, ...overrides };
    expect(() => parseVerifyDueItem({ pk: bad.pk, sk: String(bad.sk) }, bad)).toThrow(StateRecordError);
    expect(() => parseVerifyDueItem({ pk: bad.pk, sk: String(bad.sk) }, bad)).toThrow(named);
  });
});
