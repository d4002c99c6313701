// The escalation sweep (review 15 R15-5, decision 264): a timer EventBridge Scheduler cannot deliver (dropped after its
// 15-min retry window) no longer stops the ladder; the sweep pages the due tier saying how late, and the sweep and a late
// timer never both page the same tier (the send's claim, as EscalationStore's conditional write keeps it).
import { TransientError } from '../../../shared/errors';
import { parseTimerHandlerInput, SWEEP_INPUT } from '../../../shared/escalation/timer-input';
import type { EscalationService, EscalationServices } from '../../../shared/escalation/escalation-service';
import type { AlarmObservation } from '../../../shared/escalation/alarm-lookup';
import type { Incident, SentNotification } from '../../../shared/escalation/incident';
import type { MessageView } from '../../../shared/escalation/message-view';
import { dueAtOf, dueTimer, HELD_REFUSED_RUNS_BEFORE_ASIDE, minutesLate, planSweep, SWEEP_CONCURRENCY, SWEEP_GRACE_MINUTES, SWEEP_RESERVE_MS, type HeldResolution } from '../../../shared/escalation/plan-sweep';
import type { TimerInput } from '../../../shared/escalation/plan-timer';
import type { EscalationTier } from '../../../shared/escalation/policy';
import { timerScheduleName } from '../../../shared/escalation/timer-scheduler';
import { InvalidInputError } from '../../../shared/errors';
import { StateRecordError } from '../../../shared/state/state-records';
import { ACCOUNT, ALARM_NAME, capReachedIncident, policy, productionService } from './fixtures';
import { sweep } from '../../../shared/escalation/escalation-sweep';
import { handleTimer } from '../../../shared/escalation/escalation-timer-run';

const MINUTE_MS = 60_000;
const L1_PAGED = new Date('2026-11-25T14:00:05.000Z');
/** L1 (DevOps) has 15 min to acknowledge: L2 is due at 14:15:05. */
const L2_DUE = new Date(L1_PAGED.getTime() + 15 * MINUTE_MS);
const ALARM = { name: ALARM_NAME, account: ACCOUNT };
const at = (minutesAfterDue: number): Date => new Date(L2_DUE.getTime() + minutesAfterDue * MINUTE_MS);

/** L1 paged, L2 due at L2_DUE. */
function l1Paged(overrides: Partial<Incident> = {}): Incident {
  return capReachedIncident({ level: 1, nextLevel: 2, nextEscalationAt: L2_DUE.toISOString(), ...overrides });
}

describe('planSweep: which unresolved incidents have an overdue timer', () => {
  const p = policy('production');
  const alarmOf = (): { name: string; account: string } => ALARM;

  it(`leaves a timer alone until it is ${SWEEP_GRACE_MINUTES} min past due, then takes it with its lateness`, () => {
    expect(planSweep([l1Paged()], p, at(4.9), alarmOf)).toEqual([]);
    expect(planSweep([l1Paged()], p, at(SWEEP_GRACE_MINUTES), alarmOf)).toEqual([
      { input: { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: ALARM }, dueAt: L2_DUE, lateMinutes: 5 },
    ]);
    expect(planSweep([l1Paged()], p, at(72.5), alarmOf)[0]?.lateMinutes).toBe(72);
  });

  it('a WATCHING incident is due for its still-firing check stillFiringAfterMinutes after it was created', () => {
    const watching = capReachedIncident({ status: 'WATCHING', level: 0, createdAt: '2026-11-25T14:00:05.000Z' });
    const due = new Date(Date.parse(watching.createdAt) + p.stillFiringAfterMinutes * MINUTE_MS);
    expect(dueTimer(watching, p, ALARM)).toEqual({ input: { action: 'check', incidentId: watching.incidentId, alarm: ALARM }, dueAt: due });
    expect(planSweep([watching], p, new Date(due.getTime() + 6 * MINUTE_MS), alarmOf)).toEqual([{ input: { action: 'check', incidentId: watching.incidentId, alarm: ALARM }, dueAt: due, lateMinutes: 6 }]);
  });

  it.each<[string, Partial<Incident>]>([
    ['acknowledged', { status: 'ACKNOWLEDGED' }],
    ['resolved', { status: 'RESOLVED' }],
    ['a notice (no ladder)', { cause: 'region-serving' }],
    ['at the end of its path (no next tier)', { level: 4, nextLevel: undefined, nextEscalationAt: undefined }],
    ['a next tier not above the one notified', { level: 2 }],
    ['a due time that does not parse', { nextEscalationAt: 'soon' }],
    ['OPEN with nobody notified yet (its first page is the opening event\'s, retried by Lambda)', { level: 0, nextLevel: undefined, nextEscalationAt: undefined }],
  ])('%s: nothing to sweep', (_what, overrides) => {
    expect(planSweep([l1Paged(overrides)], p, at(120), alarmOf)).toEqual([]);
  });

  it('oldest due first, each incident with its own timer', () => {
    const later = l1Paged({ incidentId: 'inc-aaaaaaaaaaaa', level: 2, nextLevel: 3, nextEscalationAt: at(10).toISOString() });
    expect(planSweep([later, l1Paged()], p, at(30), alarmOf).map((t) => [t.input.incidentId, t.input.action === 'escalate' ? t.input.level : 0, t.lateMinutes])).toEqual([
      ['inc-3f2a9c1b7d44', 2, 30],
      ['inc-aaaaaaaaaaaa', 3, 20],
    ]);
  });

  it('minutesLate: whole minutes, undefined within the grace', () => {
    expect(minutesLate(L2_DUE, at(4.99))).toBeUndefined();
    expect(minutesLate(L2_DUE, at(5.99))).toBe(5);
  });
});

describe('parseTimerHandlerInput: the sweep rule\'s constant Input, or one timer', () => {
  it('{"action":"sweep"} is the sweep, as an object or as JSON text', () => {
    expect(parseTimerHandlerInput(SWEEP_INPUT)).toEqual({ kind: 'sweep' });
    expect(parseTimerHandlerInput('{"action":"sweep"}')).toEqual({ kind: 'sweep' });
  });
  it('a sweep with anything more is rejected; a timer input is parsed as before', () => {
    expect(() => parseTimerHandlerInput({ action: 'sweep', incidentId: 'inc-3f2a9c1b7d44' })).toThrow(InvalidInputError);
    expect(parseTimerHandlerInput({ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: '2' })).toEqual({ kind: 'timer', input: { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 } });
    expect(() => parseTimerHandlerInput({ action: 'sweeps' })).toThrow(InvalidInputError);
  });
});

interface World {
  service: EscalationService;
  incidents: Map<string, Incident>;
  sends: Map<string, SentNotification & { owner: string }>;
  schedules: Map<string, { input: TimerInput; at: Date }>;
  /** The held resolutions listed for the sweep (ESCALATION-HELD), by incident and cycle. */
  held: Map<string, HeldResolution>;
  /** Every page that went out: incident, tier, and why it was escalated to that tier. */
  pages: Array<{ incidentId: string; tier: string; because?: string }>;
  /** Every message back to a tier already paged (a resolution): incident, tier, and what it said of the incident. */
  told: Array<{ incidentId: string; tier: string; said: string }>;
  /** What DescribeAlarms answers for the incident's alarm. */
  alarm: AlarmObservation;
  now: Date;
  failGet?: string;
  failHeld?: boolean;
  /** What the service counted (metric -> sum). */
  metrics: Map<string, number>;
  /** What the service warned of, with its fields. */
  warnings: Array<{ message: string; extra: Record<string, unknown> }>;
  /** store.get refuses this incident's record (StateRecordError: not as the automation writes it). */
  refuseGet?: string;
  /** Refused sweep runs counted on each held entry (countHeldRefusal), and the entries set aside (ESCALATION-HELD-ASIDE). */
  refusals: Map<string, number>;
  aside: Map<string, { held: HeldResolution; record: string; runs: number }>;
  /** listUnresolved rejects (a throttled Query). */
  failUnresolved?: boolean;
  /** Scheduler's CreateSchedule rejects. */
  failSchedule?: boolean;
  /** Held entries the store refused (not as it writes them), listed with the held ones. */
  refusedHeld: Array<{ key: { pk: string; sk: string }; issues: string[] }>;
  /** Records of the unresolved list the store refused (an index entry or its incident's record), listed with the others. */
  refusedOpen: Array<{ key: { pk: string; sk: string }; issues: string[] }>;
  /** The next notifier.resolve waits for this, once, before it sends (and throws what it throws). */
  resolveGate?: () => Promise<void>;
  /** Every error the service logged, with its fields. */
  errors: Array<{ message: string; extra: Record<string, unknown> }>;
}

/** A state table with EscalationStore's conditions: a send is claimed once while the incident is in an allowed status. */
function world(incidents: Incident[], held: HeldResolution[] = []): World {
  const w: World = {
    service: undefined as unknown as EscalationService,
    incidents: new Map(incidents.map((i) => [i.incidentId, i])),
    sends: new Map(),
    schedules: new Map(),
    held: new Map(held.map((h) => [`${h.incidentId}#C${h.cycle}`, h])),
    pages: [],
    told: [],
    alarm: { kind: 'found', value: 'ALARM', updatedAt: new Date('2026-11-25T14:00:03.120Z'), reason: 'Threshold Crossed' },
    now: at(0),
    metrics: new Map(),
    warnings: [],
    refusedHeld: [],
    refusedOpen: [],
    refusals: new Map(),
    aside: new Map(),
    errors: [],
  };
  let owners = 0;
  // As EscalationStore keys a send: SEND#<kind>#L<level>, with #C<cycle> for a later cycle's.
  const sendKey = (id: string, kind: string, level: number, cycle?: number): string => `${id}#${kind}#${level}${cycle ? `#C${cycle}` : ''}`;
  const services: EscalationServices = {
    store: {
      get: async (id: string) => {
        if (w.failGet === id) throw new TransientError('DynamoDB GetItem failed: ProvisionedThroughputExceededException');
        if (w.refuseGet === id) throw new StateRecordError({ pk: `ESCALATION#${id}`, sk: 'INCIDENT' }, ['status: Invalid option: expected one of "WATCHING"|"OPEN"|"ACKNOWLEDGED"|"RESOLVED"']);
        const found = w.incidents.get(id);
        return found ? { ...found } : undefined;
      },
      listUnresolved: async () => {
        if (w.failUnresolved) throw new TransientError('DynamoDB Query failed: ProvisionedThroughputExceededException');
        return { incidents: [...w.incidents.values()].filter((i) => i.status !== 'RESOLVED'), refused: w.refusedOpen };
      },
      heldResolutions: async () => {
        if (w.failHeld) throw new TransientError('DynamoDB Query failed: ProvisionedThroughputExceededException');
        return { held: [...w.held.values()], refused: w.refusedHeld };
      },
      releaseHeld: async (id: string, cycle: number) => void w.held.delete(`${id}#C${cycle}`),
      // As EscalationStore: counted only while the entry is listed; set aside = written aside, then released.
      countHeldRefusal: async (id: string, cycle: number) => {
        const key = `${id}#C${cycle}`;
        if (!w.held.has(key)) return undefined;
        w.refusals.set(key, (w.refusals.get(key) ?? 0) + 1);
        return w.refusals.get(key);
      },
      setHeldAside: async (held: HeldResolution, refused: { key: { pk: string; sk: string } }, runs: number) => {
        w.aside.set(`${held.incidentId}#C${held.cycle}`, { held, record: `${refused.key.pk} / ${refused.key.sk}`, runs });
        w.held.delete(`${held.incidentId}#C${held.cycle}`);
      },
      holdResolution: async (id: string, cycle: number, dueAt: Date) => void w.held.set(`${id}#C${cycle}`, { incidentId: id, cycle, dueAt: dueAt.toISOString() }),
      // EscalationStore's condition: unresolved, and only forward (a later cycle, or a later round of the same one).
      recordNoticeDue: async (id: string, check: { cycle: number; round: number; at: Date }) => {
        const i = w.incidents.get(id);
        const was = i?.noticeCheck;
        if (!i || (i.status !== 'OPEN' && i.status !== 'ACKNOWLEDGED')) return;
        if (was && !(was.cycle < check.cycle || (was.cycle === check.cycle && was.round < check.round))) return;
        w.incidents.set(id, { ...i, noticeCheck: { cycle: check.cycle, round: check.round, at: check.at.toISOString() } });
      },
      // Any unresolved status -> RESOLVED once, as EscalationStore's condition.
      resolve: async (id: string, reason: string, now: Date) => {
        const i = w.incidents.get(id);
        if (!i || i.status === 'RESOLVED') return { resolved: false, incident: i ? { ...i } : undefined };
        const resolved: Incident = { ...i, status: 'RESOLVED', resolvedAt: now.toISOString(), resolution: reason, nextLevel: undefined, nextEscalationAt: undefined };
        w.incidents.set(id, resolved);
        return { resolved: true, incident: { ...resolved } };
      },
      forgetAlarmIncident: async () => undefined,
      listSends: async (id: string) => [...w.sends.entries()].filter(([k]) => k.startsWith(`${id}#`)).map(([, { owner: _owner, ...send }]) => send),
      claimSend: async (id: string, kind: SentNotification['kind'], level: number, tierName: string, statuses: readonly string[], _now: Date, opts: { cycle?: number } = {}) => {
        const incident = w.incidents.get(id);
        if (!incident || !statuses.includes(incident.status)) return { claimed: false, reason: 'incident-status' };
        if (w.sends.has(sendKey(id, kind, level, opts.cycle))) return { claimed: false, reason: 'already-claimed' };
        const owner = `o${++owners}`;
        w.sends.set(sendKey(id, kind, level, opts.cycle), { kind, level, tierName, status: 'IN_PROGRESS', channels: [], messageIds: [], owner, ...(opts.cycle ? { cycle: opts.cycle } : {}) });
        return { claimed: true, owner, delivered: {} };
      },
      // WATCHING -> OPEN once, as EscalationStore's condition.
      promote: async (id: string, fields: { cause: string; reason: string }) => {
        const i = w.incidents.get(id);
        if (i?.status !== 'WATCHING') return false;
        w.incidents.set(id, { ...i, status: 'OPEN', cause: fields.cause, reason: fields.reason });
        return true;
      },
      recordDelivered: async () => undefined,
      completeSend: async (id: string, kind: string, level: number, owner: string, result: Pick<SentNotification, 'status' | 'channels' | 'messageIds'>, _now: Date, cycle?: number) => {
        const claim = w.sends.get(sendKey(id, kind, level, cycle));
        if (claim?.owner === owner) w.sends.set(sendKey(id, kind, level, cycle), { ...claim, ...result });
      },
      // As EscalationStore: the holder gives the claim back (deleted), so a retry can claim it again.
      releaseSend: async (id: string, kind: string, level: number, owner: string, cycle?: number) => {
        const claim = w.sends.get(sendKey(id, kind, level, cycle));
        if (claim?.owner === owner && claim.status === 'IN_PROGRESS') w.sends.delete(sendKey(id, kind, level, cycle));
      },
      recordTierNotified: async (id: string, level: number, next: { level: number; at: Date } | undefined) => {
        const i = w.incidents.get(id);
        if (i && i.level < level) w.incidents.set(id, { ...i, level, nextLevel: next?.level, nextEscalationAt: next?.at.toISOString() });
      },
    } as unknown as EscalationServices['store'],
    notifier: {
      notify: async (tier: EscalationTier, view: MessageView) => {
        w.pages.push({ incidentId: view.incidentId, tier: tier.name, ...(view.escalatedBecause ? { because: view.escalatedBecause } : {}) });
        return tier.supportCase ? { channels: ['support-case'], messageIds: [], caseId: 'case-1' } : { channels: ['email'], messageIds: ['m1'] };
      },
      resolve: async (tier: EscalationTier, view: MessageView, previous: SentNotification) => {
        const gate = w.resolveGate;
        if (gate) {
          w.resolveGate = undefined;
          await gate();
        }
        w.told.push({ incidentId: view.incidentId, tier: tier.name, said: JSON.stringify(view) });
        return { channels: previous.channels, messageIds: ['m2'] };
      },
    },
    timers: {
      schedule: async (input, due) => {
        if (w.failSchedule) throw new TransientError('Scheduler CreateSchedule failed: ThrottlingException');
        const name = timerScheduleName(input);
        if (w.schedules.has(name)) return { name, created: false };
        w.schedules.set(name, { input, at: due });
        return { name, created: true };
      },
      cancel: async () => undefined,
    },
    alarms: { read: async () => w.alarm },
    records: { claimsOf: async () => [], auditsOf: async () => [] },
  };
  w.service = productionService(services, {
    now: () => w.now,
    log: { info: () => undefined, warn: (message, ...extra) => void w.warnings.push({ message, extra: Object.assign({}, ...extra) as Record<string, unknown> }), error: (message, ...extra) => void w.errors.push({ message, extra: Object.assign({}, ...extra) as Record<string, unknown> }) },
    count: (metric, value = 1) => void w.metrics.set(metric, (w.metrics.get(metric) ?? 0) + value),
  });
  return w;
}

const l2Timer: TimerInput = { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: ALARM };

describe('EscalationService.sweep: the ladder goes on when Scheduler does not deliver', () => {
  it('L2\'s timer dropped: the sweep pages L2 once, saying how late and why, and sets L3\'s timer from now', async () => {
    const w = world([l1Paged()]);
    w.now = at(17);
    const result = await sweep(w.service);
    expect(w.pages).toEqual([
      {
        incidentId: 'inc-3f2a9c1b7d44',
        tier: 'Cloud Infrastructure Team (L2)',
        because: expect.stringContaining(
          `; paged 17 min late: due at ${L2_DUE.toISOString()}, its EventBridge Scheduler timer had not run (Scheduler could not deliver it); the escalation sweep did its work instead`,
        ),
      },
    ]);
    expect(w.pages[0]?.because).toMatch(/^DevOps Team \(L1\) did not acknowledge within 15 min and the alarm is still in ALARM; /);
    expect(result).toMatchObject({ action: 'escalated', incidentIds: ['inc-3f2a9c1b7d44'], delivered: [{ kind: 'notify', level: 2 }] });
    // The ladder climbs on from the late page: L3 due L2's timeout after it.
    expect(w.schedules.get('escalation-inc-3f2a9c1b7d44-l3')?.at).toEqual(new Date(at(17).getTime() + 30 * MINUTE_MS));
    expect(w.incidents.get('inc-3f2a9c1b7d44')).toMatchObject({ level: 2, nextLevel: 3 });

    // The next sweep finds nothing due; the dropped timer, were it delivered after all, finds L2 notified.
    w.now = at(22);
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', delivered: [] });
    expect(await handleTimer(w.service, l2Timer)).toMatchObject({ action: 'stopped', reason: 'tier L2 was already notified' });
    expect(w.pages).toHaveLength(1);
  });

  it('the late timer and the sweep at the same moment: one page of L2 between them', async () => {
    const w = world([l1Paged()]);
    w.now = at(12);
    const [swept, timed] = await Promise.all([sweep(w.service), handleTimer(w.service, l2Timer)]);
    expect(w.pages.map((p) => p.tier)).toEqual(['Cloud Infrastructure Team (L2)']);
    expect([swept.delivered.length, timed.delivered.length].sort()).toEqual([0, 1]);
  });

  it('a timer delivered late by Scheduler (within its retry window) pages and says it ran late', async () => {
    const w = world([l1Paged()]);
    w.now = at(9);
    await handleTimer(w.service, l2Timer);
    expect(w.pages[0]?.because).toContain(`; paged 9 min late: due at ${L2_DUE.toISOString()}, its EventBridge Scheduler timer ran only now (Scheduler could not deliver it on time)`);
  });

  it('a timer on time says nothing of lateness, and the sweep leaves it alone', async () => {
    const w = world([l1Paged()]);
    w.now = at(1);
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', delivered: [] });
    await handleTimer(w.service, l2Timer);
    expect(w.pages).toEqual([{ incidentId: 'inc-3f2a9c1b7d44', tier: 'Cloud Infrastructure Team (L2)', because: 'DevOps Team (L1) did not acknowledge within 15 min and the alarm is still in ALARM' }]);
  });

  it('a WATCHING incident whose still-firing check was dropped is opened by the sweep, L1 paged once, the lateness on the incident', async () => {
    const p = policy('production');
    const watching = capReachedIncident({ status: 'WATCHING', level: 0, cause: 'watching', createdAt: L1_PAGED.toISOString(), openedAt: undefined });
    const w = world([watching]);
    const due = new Date(L1_PAGED.getTime() + p.stillFiringAfterMinutes * MINUTE_MS);
    w.now = new Date(due.getTime() + 8 * MINUTE_MS);
    const result = await sweep(w.service);
    expect(result.delivered).toEqual([expect.objectContaining({ kind: 'notify', level: 1 })]);
    expect(w.incidents.get(watching.incidentId)?.reason).toContain(`; checked 8 min late: due at ${due.toISOString()}, its EventBridge Scheduler timer had not run`);
    expect(w.pages.map((x) => x.tier)).toEqual(['DevOps Team (L1)']);
    expect(await sweep(w.service)).toMatchObject({ delivered: [] });
    expect(w.pages).toHaveLength(1);
  });

  it('one incident that cannot be read does not keep the other from its page; the sweep then throws, to be retried', async () => {
    const other = l1Paged({ incidentId: 'inc-bbbbbbbbbbbb', incidentKey: 'other' });
    const w = world([l1Paged(), other]);
    w.failGet = 'inc-3f2a9c1b7d44';
    w.now = at(20);
    await expect(sweep(w.service)).rejects.toThrow(TransientError);
    expect(w.pages.map((p) => [p.incidentId, p.tier])).toEqual([['inc-bbbbbbbbbbbb', 'Cloud Infrastructure Team (L2)']]);
    // Retried once the read works: the first is paged, the second is not paged again.
    w.failGet = undefined;
    await sweep(w.service);
    expect(w.pages.map((p) => p.incidentId).sort()).toEqual(['inc-3f2a9c1b7d44', 'inc-bbbbbbbbbbbb']);
  });
});

// Decision 281 (amends 264): a notice's hourly re-check and a held resolution's settle timer were still lost when Scheduler
// dropped one. The notice's check is recorded on the incident with its schedule; a held resolution is listed (ESCALATION-HELD)
// until its settle timer answers. The sweep does either once overdue, saying how late, and the late timer finds it done.
const NOTICE_DUE = at(60);
/** A restore-held notice (no ladder) told to L1, its first hourly re-check due at NOTICE_DUE. */
function notice(overrides: Partial<Incident> = {}): Incident {
  return l1Paged({ cause: 'restore-held', nextLevel: undefined, nextEscalationAt: undefined, noticeCheck: { cycle: 0, round: 1, at: NOTICE_DUE.toISOString() }, ...overrides });
}
const RESOLVED_AT = at(30);
/** A flapping incident resolved in cycle 1 (re-opened once), its resolution held until RESOLVED_AT + 10 min. */
function heldResolution(overrides: Partial<Incident> = {}): Incident {
  return l1Paged({ status: 'RESOLVED', reopens: 1, resolvedAt: RESOLVED_AT.toISOString(), resolution: 'alarm is OK', nextLevel: undefined, nextEscalationAt: undefined, ...overrides });
}
const SETTLE_DUE = new Date(RESOLVED_AT.getTime() + 10 * MINUTE_MS);
const HELD: HeldResolution = { incidentId: 'inc-3f2a9c1b7d44', cycle: 1, dueAt: SETTLE_DUE.toISOString() };

describe('planSweep: a notice\'s re-check and a held resolution (decision 281)', () => {
  const p = policy('production');
  const alarmOf = (): { name: string; account: string } => ALARM;
  const noticeInput = { action: 'notice', incidentId: 'inc-3f2a9c1b7d44', cycle: 0, round: 1, alarm: ALARM };

  it('a notice, open or acknowledged, is due for the re-check its record names, once past the grace', () => {
    expect(planSweep([notice()], p, new Date(NOTICE_DUE.getTime() + 4 * MINUTE_MS), alarmOf)).toEqual([]);
    expect(planSweep([notice()], p, new Date(NOTICE_DUE.getTime() + 12 * MINUTE_MS), alarmOf)).toEqual([{ input: noticeInput, dueAt: NOTICE_DUE, lateMinutes: 12 }]);
    expect(planSweep([notice({ status: 'ACKNOWLEDGED', cause: 'region-serving' })], p, new Date(NOTICE_DUE.getTime() + 6 * MINUTE_MS), alarmOf)).toEqual([
      { input: noticeInput, dueAt: NOTICE_DUE, lateMinutes: 6 },
    ]);
  });

  it.each<[string, Partial<Incident>]>([
    ['a notice scheduled before its check was recorded', { noticeCheck: undefined }],
    ['a check of an earlier cycle (the notice re-opened since: that cycle\'s check is its own)', { reopens: 1 }],
    ['a notice resolved', { status: 'RESOLVED' }],
    ['no longer a notice (the standby watch applies again: its ladder is swept)', { cause: 'diagnosis', level: 2 }],
  ])('%s: no notice check to sweep', (_what, overrides) => {
    expect(planSweep([notice(overrides)], p, new Date(NOTICE_DUE.getTime() + 120 * MINUTE_MS), alarmOf)).toEqual([]);
  });

  it('a held resolution is due at its entry\'s time; within the grace, released or unparseable: nothing', () => {
    expect(planSweep([], p, new Date(SETTLE_DUE.getTime() + 7 * MINUTE_MS), alarmOf, [HELD])).toEqual([
      { input: { action: 'settle', incidentId: 'inc-3f2a9c1b7d44', cycle: 1 }, dueAt: SETTLE_DUE, lateMinutes: 7 },
    ]);
    expect(planSweep([], p, new Date(SETTLE_DUE.getTime() + 4 * MINUTE_MS), alarmOf, [HELD])).toEqual([]);
    expect(planSweep([], p, new Date(SETTLE_DUE.getTime() + 60 * MINUTE_MS), alarmOf, [])).toEqual([]);
    expect(planSweep([], p, new Date(SETTLE_DUE.getTime() + 60 * MINUTE_MS), alarmOf, [{ ...HELD, dueAt: 'soon' }])).toEqual([]);
  });

  it('dueAtOf: a late timer\'s due time from the record, only for the round or cycle it names', () => {
    expect(dueAtOf({ action: 'settle', incidentId: HELD.incidentId, cycle: 1 }, heldResolution(), p)).toEqual(SETTLE_DUE);
    expect(dueAtOf({ action: 'settle', incidentId: HELD.incidentId, cycle: 2 }, heldResolution(), p)).toBeUndefined();
    expect(dueAtOf({ action: 'notice', incidentId: HELD.incidentId, cycle: 0, round: 1 }, notice(), p)).toEqual(NOTICE_DUE);
    expect(dueAtOf({ action: 'notice', incidentId: HELD.incidentId, cycle: 0, round: 2 }, notice(), p)).toBeUndefined();
  });
});

describe('EscalationService.sweep: a notice\'s re-check and a held resolution Scheduler dropped (decision 281)', () => {
  const noticeTimer: TimerInput = { action: 'notice', incidentId: 'inc-3f2a9c1b7d44', cycle: 0, round: 1, alarm: ALARM };
  const settleTimer: TimerInput = { action: 'settle', incidentId: 'inc-3f2a9c1b7d44', cycle: 1, alarm: ALARM };
  const lateSweep = (minutes: number, due: Date): string =>
    `${minutes} min late: due at ${due.toISOString()}, its EventBridge Scheduler timer had not run (Scheduler could not deliver it); the escalation sweep did its work instead`;

  it('the notice\'s check dropped: the sweep checks it, saying how late, and records and schedules the next round; the late timer finds it done', async () => {
    const w = world([notice()]);
    w.now = new Date(NOTICE_DUE.getTime() + 12 * MINUTE_MS);
    const swept = await sweep(w.service);
    expect(swept).toMatchObject({ action: 'stopped', incidentIds: ['inc-3f2a9c1b7d44'], delivered: [] });
    expect(swept.reason).toContain(`notice check 1 (cycle 0) (12 min late): stopped`);
    const next = new Date(w.now.getTime() + 60 * MINUTE_MS);
    expect(w.incidents.get('inc-3f2a9c1b7d44')?.noticeCheck).toEqual({ cycle: 0, round: 2, at: next.toISOString() });
    expect(w.schedules.get('escalation-inc-3f2a9c1b7d44-notice-c0-r2')?.at).toEqual(next);

    // Scheduler delivers round 1 after all, and the sweep runs again: nothing more is done.
    w.now = new Date(w.now.getTime() + 3 * MINUTE_MS);
    expect(await handleTimer(w.service, noticeTimer)).toMatchObject({
      action: 'stopped',
      reason: `the notice's check 1 (cycle 0) was already done: check 2 is next, at ${next.toISOString()}`,
    });
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', delivered: [] });
    expect([...w.schedules.keys()]).toEqual(['escalation-inc-3f2a9c1b7d44-notice-c0-r2']);
    expect([w.pages, w.told]).toEqual([[], []]);
  });

  it('the check of a notice whose alarm was deleted, dropped: the sweep closes it, L1 told once how late; the late timer and the sweep at once tell nobody twice', async () => {
    const w = world([notice()]);
    w.sends.set('inc-3f2a9c1b7d44#notify#1', { kind: 'notify', level: 1, tierName: 'DevOps Team (L1)', status: 'SENT', channels: ['email', 'chat'], messageIds: ['m0'], owner: 'o0' });
    w.alarm = { kind: 'unreadable', what: `alarm "${ALARM_NAME}" not found in account ${ACCOUNT}`, gone: true };
    w.now = new Date(NOTICE_DUE.getTime() + 9 * MINUTE_MS);
    const [swept, timed] = await Promise.all([sweep(w.service), handleTimer(w.service, noticeTimer)]);
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect([swept.delivered.length, timed.delivered.length].sort()).toEqual([0, 1]);
    expect(w.incidents.get('inc-3f2a9c1b7d44')).toMatchObject({ status: 'RESOLVED' });
    // Whichever did it says how late: the sweep (due 9 min ago, not delivered) or the timer itself (ran only now).
    expect(w.incidents.get('inc-3f2a9c1b7d44')?.resolution).toMatch(/no longer exists .*; checked 9 min late: due at .*, its EventBridge Scheduler timer (had not run|ran only now)/);
    expect(w.told[0]?.said).toContain('checked 9 min late');
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', delivered: [] });
    expect(w.told).toHaveLength(1);
  });

  it('a held resolution\'s settle timer dropped: the sweep tells L1 it resolved, once, saying how late, and takes it off the list; the late timer tells nobody', async () => {
    const w = world([heldResolution()], [HELD]);
    w.sends.set('inc-3f2a9c1b7d44#notify#1', { kind: 'notify', level: 1, tierName: 'DevOps Team (L1)', status: 'SENT', channels: ['email', 'chat'], messageIds: ['m0'], owner: 'o0' });
    w.alarm = { kind: 'found', value: 'OK', updatedAt: RESOLVED_AT, reason: 'Threshold Crossed' };
    w.now = new Date(SETTLE_DUE.getTime() + 14 * MINUTE_MS);
    const swept = await sweep(w.service);
    expect(swept).toMatchObject({ action: 'escalated', incidentIds: ['inc-3f2a9c1b7d44'], delivered: [{ kind: 'resolve', level: 1 }] });
    expect(swept.reason).toContain('held resolution (cycle 1) (14 min late): resolved');
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect(w.told[0]?.said).toContain(`; told ${lateSweep(14, SETTLE_DUE)}`);
    expect(w.held.size).toBe(0);
    expect(await handleTimer(w.service, settleTimer)).toMatchObject({ delivered: [] });
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', delivered: [] });
    expect(w.told).toHaveLength(1);
  });

  it('a held resolution: the sweep and the late settle timer at the same moment tell L1 once between them', async () => {
    const w = world([heldResolution()], [HELD]);
    w.sends.set('inc-3f2a9c1b7d44#notify#1', { kind: 'notify', level: 1, tierName: 'DevOps Team (L1)', status: 'SENT', channels: ['email'], messageIds: ['m0'], owner: 'o0' });
    w.alarm = { kind: 'found', value: 'OK', updatedAt: RESOLVED_AT, reason: 'Threshold Crossed' };
    w.now = new Date(SETTLE_DUE.getTime() + 6 * MINUTE_MS);
    const [swept, timed] = await Promise.all([sweep(w.service), handleTimer(w.service, settleTimer)]);
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect([swept.delivered.length, timed.delivered.length].sort()).toEqual([0, 1]);
    expect(w.told[0]?.said).toContain('told 6 min late: due at');
    expect(w.held.size).toBe(0);
  });

  it('a held resolution re-opened since: the sweep tells nobody and takes it off the list', async () => {
    const w = world([heldResolution({ status: 'OPEN', reopens: 2, resolvedAt: undefined, level: 1 })], [HELD]);
    w.now = new Date(SETTLE_DUE.getTime() + 30 * MINUTE_MS);
    expect(await sweep(w.service)).toMatchObject({ delivered: [], reason: expect.stringContaining('held resolution (cycle 1) (30 min late): stopped') });
    expect([w.told, w.held.size]).toEqual([[], 0]);
  });

  it('a resolution held at the OK is listed for the sweep with its settle time, before its timer is scheduled', async () => {
    // A re-opened incident resolved through the timer's path that resolves (the alarm OK since a later state change).
    const w2 = world([l1Paged({ reopens: 1 })]);
    w2.alarm = { kind: 'found', value: 'OK', updatedAt: at(2), reason: 'Threshold Crossed' };
    w2.now = at(3);
    expect(await handleTimer(w2.service, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: ALARM })).toMatchObject({ action: 'resolved', delivered: [] });
    const settleAt = new Date(at(3).getTime() + 10 * MINUTE_MS).toISOString();
    expect([...w2.held.values()]).toEqual([{ incidentId: 'inc-3f2a9c1b7d44', cycle: 1, dueAt: settleAt }]);
    expect(w2.schedules.get('escalation-inc-3f2a9c1b7d44-settle-c1')?.at.toISOString()).toBe(settleAt);
  });

  it('the held list that cannot be read does not keep the ladder from its page; the sweep then throws, to be retried', async () => {
    const w = world([l1Paged()], [HELD]);
    w.failHeld = true;
    w.now = at(20);
    await expect(sweep(w.service)).rejects.toThrow(/the held resolutions: DynamoDB Query failed/);
    expect(w.pages.map((p) => p.tier)).toEqual(['Cloud Infrastructure Team (L2)']);
  });
});

// Review 17 R17-6: one sweep did every overdue timer in sequence inside escalation-timer's 60 s timeout; after a long
// Scheduler outage it could be cut off mid-way. Now a small pool, and no timer started once the function's time left
// (context.getRemainingTimeInMillis) is within SWEEP_RESERVE_MS: the rest is counted and done by the next sweep, once.
describe('EscalationService.sweep under the function\'s deadline (review 17 R17-6)', () => {
  const SECOND_MS = 1000;
  /** Twelve incidents whose L2 timers Scheduler dropped during an outage, all 17 min overdue. */
  const outage = (): Incident[] => Array.from({ length: 12 }, (_, i) => l1Paged({ incidentId: `inc-${String(i).padStart(12, 'a')}`, incidentKey: `key-${i}` }));

  /**
   * The latency fault: every alarm read and every page takes `latencyMs` (the world's clock moves on; concurrent calls add
   * up, which only makes the fault harsher). Counts how often it fired, and the most pages in flight at once.
   */
  function slow(w: World, latencyMs: number): { fired: number; inFlight: number; maxInFlight: number } {
    const fault = { fired: 0, inFlight: 0, maxInFlight: 0 };
    const services = (w.service as unknown as { ctx: { services: EscalationServices } }).ctx.services;
    const read = services.alarms.read.bind(services.alarms);
    const notify = services.notifier.notify.bind(services.notifier);
    services.alarms.read = async (location) => {
      fault.fired += 1;
      w.now = new Date(w.now.getTime() + latencyMs);
      return read(location);
    };
    services.notifier.notify = async (...args) => {
      fault.fired += 1;
      fault.inFlight += 1;
      fault.maxInFlight = Math.max(fault.maxInFlight, fault.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      w.now = new Date(w.now.getTime() + latencyMs);
      fault.inFlight -= 1;
      return notify(...args);
    };
    return fault;
  }

  /** A Lambda invocation's time left, read from the world's clock: `timeoutMs` from now. */
  const invocation = (w: World, timeoutMs = 60 * SECOND_MS): { remainingMs: () => number } => {
    const deadline = w.now.getTime() + timeoutMs;
    return { remainingMs: () => deadline - w.now.getTime() };
  };

  it('with every call slow, the sweep stops starting timers at the reserve, inside its time, and says how many are left; the next sweep pages the rest; each L2 paged once', async () => {
    const w = world(outage());
    w.now = at(17);
    const fault = slow(w, 4 * SECOND_MS);
    const first = invocation(w);
    const swept = await sweep(w.service, first);

    // The fault fired on every call the sweep made: one alarm read and one page for each of the 7 timers it finished.
    expect(fault.fired).toBe(14);
    const done = w.pages.length;
    // Stopped part-way, inside the function's time: the timers it started all finished (each paged its L2). The figures
    // pinned (review 18b R18-10): with 4 s per slow call and the 20 s reserve, 7 are done and the function ends with 4 s
    // left; another reserve (16 s, 24 s) changes them and fails here.
    expect(done).toBe(7);
    expect(first.remainingMs()).toBe(4 * SECOND_MS);
    expect(swept.delivered).toHaveLength(done);
    expect(swept.reason).toMatch(new RegExp(`^swept ${done} of 12 overdue timers: `));
    expect(swept.reason).toContain(`; ${12 - done} left for the next sweep (5 min on): the function had `);
    expect(w.metrics.get('TimersLeftForNextSweep')).toBe(12 - done);
    expect(w.metrics.get('TimersOverdue')).toBe(12);
    const stopped = w.warnings.find((x) => x.message === 'escalation sweep: out of time, overdue timers left for the next sweep');
    expect(stopped?.extra).toMatchObject({ left: 12 - done, done, overdue: 12 });
    expect(stopped?.extra.remainingMs).toBe(16 * SECOND_MS);
    expect(swept.reason).toContain('; 5 left for the next sweep (5 min on): the function had 16 s left, within the 20 s kept');

    // The next sweep, 5 minutes on, in a fresh invocation: the rest, said 22 min late; nobody paged twice.
    w.now = at(22);
    const next = await sweep(w.service, invocation(w));
    expect(next.delivered).toHaveLength(12 - done);
    expect(w.pages.filter((p) => p.because?.includes('paged 22 min late'))).toHaveLength(12 - done);
    expect(new Set(w.pages.map((p) => p.incidentId)).size).toBe(12);
    expect(w.pages).toHaveLength(12);
    expect(w.pages.every((p) => p.tier === 'Cloud Infrastructure Team (L2)')).toBe(true);
    w.now = at(27);
    expect(await sweep(w.service, invocation(w))).toMatchObject({ action: 'ignored', delivered: [] });
    expect(w.pages).toHaveLength(12);
  });

  it(`works on at most ${SWEEP_CONCURRENCY} timers at once, and without a deadline (no Lambda context) does them all in one sweep`, async () => {
    const w = world(outage());
    w.now = at(17);
    const fault = slow(w, 4 * SECOND_MS);
    const swept = await sweep(w.service);
    expect(fault.maxInFlight).toBe(SWEEP_CONCURRENCY);
    expect(swept.reason).toMatch(/^swept 12 overdue timers: /);
    expect(w.pages).toHaveLength(12);
    expect(w.metrics.get('TimersLeftForNextSweep')).toBeUndefined();
  });

  it('started inside the reserve, the sweep starts nothing, counts every overdue timer as left, and throws nothing', async () => {
    const w = world(outage().slice(0, 3));
    w.now = at(17);
    const swept = await sweep(w.service, invocation(w, SWEEP_RESERVE_MS));
    expect(swept).toMatchObject({ action: 'stopped', delivered: [] });
    expect(swept.reason).toMatch(/^swept 0 of 3 overdue timers; 3 left for the next sweep \(5 min on\): the function had 20 s left, within the 20 s kept/);
    expect(w.metrics.get('TimersLeftForNextSweep')).toBe(3);
    expect(w.pages).toEqual([]);
  });
});

// Review 18 (decision 292, amends 281). R18-2: a settle timer took its held resolution off the sweep's list whenever it
// answered, also when it had lost the resolution's claim to another invocation still sending: that sender failing
// transiently then left nobody to tell it. R18-4: two of 281's promises had no test that could fail.
describe('a held resolution leaves the sweep\'s list only once it is settled (review 18 R18-2, decision 292)', () => {
  const settleTimer: TimerInput = { action: 'settle', incidentId: 'inc-3f2a9c1b7d44', cycle: 1, alarm: ALARM };
  const L1_NOTIFIED = { kind: 'notify', level: 1, tierName: 'DevOps Team (L1)', status: 'SENT', channels: ['email'], messageIds: ['m0'], owner: 'o0' } as const;

  /** L1 paged in cycle 0, the incident resolved in cycle 1 and held, its settle timer `minutesLate` past due. */
  function heldWorld(minutesLate: number): World {
    const w = world([heldResolution()], [HELD]);
    w.sends.set('inc-3f2a9c1b7d44#notify#1', { ...L1_NOTIFIED, channels: [...L1_NOTIFIED.channels], messageIds: [...L1_NOTIFIED.messageIds] });
    w.alarm = { kind: 'found', value: 'OK', updatedAt: RESOLVED_AT, reason: 'Threshold Crossed' };
    w.now = new Date(SETTLE_DUE.getTime() + minutesLate * MINUTE_MS);
    return w;
  }

  /** The next resolution message is held at SNS: `entered` once its sender holds the claim and is sending; `fail()` then makes the publish fail transiently. */
  function gateNextResolve(w: World): { entered: Promise<void>; fail: () => void } {
    let enter!: () => void;
    const entered = new Promise<void>((resolve) => (enter = resolve));
    let fail!: () => void;
    const failed = new Promise<void>((resolve) => (fail = resolve));
    w.resolveGate = async () => {
      enter();
      await failed;
      throw new TransientError('SNS Publish failed: Throttling');
    };
    return { entered, fail };
  }

  it('the sweep holds the claim and is sending when the late settle timer comes: the timer tells nobody, says no lateness, keeps the entry; the sweep fails transiently, and its retry tells L1 once', async () => {
    const w = heldWorld(6);
    const gate = gateNextResolve(w);
    const sweeping = sweep(w.service).catch((error: unknown) => error);
    await gate.entered;
    const timed = await handleTimer(w.service, settleTimer);
    expect(timed).toMatchObject({ action: 'stopped', delivered: [] });
    expect(timed.reason).toContain('told nobody: a resolution message of this cycle is claimed by another invocation and not yet SENT or FAILED');
    expect(timed.reason).not.toContain('min late');
    expect([...w.held.keys()]).toEqual(['inc-3f2a9c1b7d44#C1']);

    gate.fail();
    expect(await sweeping).toBeInstanceOf(TransientError);
    expect(w.told).toEqual([]);
    expect([...w.held.keys()]).toEqual(['inc-3f2a9c1b7d44#C1']);
    // Lambda retries the sweep: the claim was given back, the entry is still listed.
    const retried = await sweep(w.service);
    expect(retried).toMatchObject({ action: 'escalated', delivered: [{ kind: 'resolve', level: 1 }] });
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect(w.told[0]?.said).toContain('told 6 min late');
    expect(w.held.size).toBe(0);
    w.now = new Date(w.now.getTime() + 10 * MINUTE_MS);
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', delivered: [] });
    expect(w.told).toHaveLength(1);
  });

  it('the mirror: the late settle timer holds the claim when the sweep comes; the sweep tells nobody and keeps the entry; the timer fails transiently, and the next sweep tells L1 once', async () => {
    const w = heldWorld(6);
    const gate = gateNextResolve(w);
    const timing = handleTimer(w.service, settleTimer).catch((error: unknown) => error);
    await gate.entered;
    const swept = await sweep(w.service);
    expect(swept).toMatchObject({ action: 'stopped', delivered: [] });
    expect(swept.reason).toContain('held resolution (cycle 1) (6 min late): stopped');
    expect([...w.held.keys()]).toEqual(['inc-3f2a9c1b7d44#C1']);

    gate.fail();
    expect(await timing).toBeInstanceOf(TransientError);
    expect([...w.held.keys()]).toEqual(['inc-3f2a9c1b7d44#C1']);
    // Scheduler's retry window spent (or the retry dropped): the next sweep, 5 min on, tells it.
    w.now = new Date(w.now.getTime() + 5 * MINUTE_MS);
    expect(await sweep(w.service)).toMatchObject({ delivered: [{ kind: 'resolve', level: 1 }] });
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect(w.told[0]?.said).toContain('told 11 min late');
    expect(w.held.size).toBe(0);
  });

  it('a late settle timer after the resolution was told: nobody told, "already told", no lateness, the entry (listed again) released', async () => {
    const w = heldWorld(6);
    await sweep(w.service);
    expect(w.told).toHaveLength(1);
    // The entry back (a retried OK's holdResolution ran after): settled all the same, so the timer takes it off.
    w.held.set('inc-3f2a9c1b7d44#C1', HELD);
    const timed = await handleTimer(w.service, settleTimer);
    expect(timed).toMatchObject({ action: 'stopped', delivered: [] });
    expect(timed.reason).toContain('told nobody: every tier notified was already told this resolution');
    expect(timed.reason).not.toContain('min late');
    expect([w.told.length, w.held.size]).toEqual([1, 0]);
  });

  it('the settle timer could not be scheduled: the resolution was listed before, so the OK\'s retry fails but a later sweep tells L1 (281\'s "listed before its timer is scheduled")', async () => {
    const w = world([l1Paged({ reopens: 1 })]);
    w.sends.set('inc-3f2a9c1b7d44#notify#1', { ...L1_NOTIFIED, channels: ['email'], messageIds: ['m0'] });
    w.alarm = { kind: 'found', value: 'OK', updatedAt: at(2), reason: 'Threshold Crossed' };
    w.now = at(3);
    w.failSchedule = true;
    await expect(handleTimer(w.service, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: ALARM })).rejects.toThrow(/CreateSchedule failed/);
    const settleAt = new Date(at(3).getTime() + 10 * MINUTE_MS);
    expect([...w.held.values()]).toEqual([{ incidentId: 'inc-3f2a9c1b7d44', cycle: 1, dueAt: settleAt.toISOString() }]);
    expect(w.schedules.size).toBe(0);
    // Scheduler stays unavailable; the sweep needs none of it for a resolution.
    w.now = new Date(settleAt.getTime() + 7 * MINUTE_MS);
    expect(await sweep(w.service)).toMatchObject({ delivered: [{ kind: 'resolve', level: 1 }] });
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect(w.told[0]?.said).toContain(`told 7 min late: due at ${settleAt.toISOString()}`);
    expect(w.held.size).toBe(0);
  });

  it('the unresolved incidents cannot be read while a held resolution is due: the held one is still told, then the sweep throws (281\'s "one failing does not stop the other\'s timers")', async () => {
    const w = heldWorld(8);
    w.failUnresolved = true;
    await expect(sweep(w.service)).rejects.toThrow(/the unresolved incidents: DynamoDB Query failed/);
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect(w.held.size).toBe(0);
  });
});

// Review 18 R18-3 (decision 292): one held entry that is not as the store writes it no longer keeps the others from the
// sweep (EscalationStore.heldResolutions parses each on its own: escalation-store-records.test.ts); the sweep names it.
describe('a refused held entry keeps none of the others from the sweep (review 18 R18-3, decision 292)', () => {
  const FORGED = { key: { pk: 'ESCALATION-HELD', sk: 'inc-3f2a9c1b7d44#C9' }, issues: ['tellAll: not a field the automation writes'] };

  it('the valid held resolution is told; the refused one is logged with its key and fields, counted, and named in the answer; the sweep does not throw', async () => {
    const w = world([heldResolution()], [HELD]);
    w.sends.set('inc-3f2a9c1b7d44#notify#1', { kind: 'notify', level: 1, tierName: 'DevOps Team (L1)', status: 'SENT', channels: ['email'], messageIds: ['m0'], owner: 'o0' });
    w.alarm = { kind: 'found', value: 'OK', updatedAt: RESOLVED_AT, reason: 'Threshold Crossed' };
    w.refusedHeld = [FORGED];
    w.now = new Date(SETTLE_DUE.getTime() + 6 * MINUTE_MS);
    const swept = await sweep(w.service);
    expect(swept).toMatchObject({ action: 'escalated', delivered: [{ kind: 'resolve', level: 1 }] });
    expect(swept.reason).toContain('; 1 held resolution entry refused (not as the automation writes them): ESCALATION-HELD / inc-3f2a9c1b7d44#C9 (tellAll: not a field the automation writes)');
    expect(w.told.map((t) => t.tier)).toEqual(['DevOps Team (L1)']);
    expect(w.errors).toEqual([{ message: expect.stringContaining('held resolution entry is not one the automation writes, refused'), extra: { record: FORGED.key, issues: FORGED.issues } }]);
    expect(w.metrics.get('HeldEntriesRefused')).toBe(1);
    // Nothing else due: the next sweep still names it, and still does not throw.
    expect(await sweep(w.service)).toMatchObject({ action: 'ignored', reason: expect.stringContaining('1 held resolution entry refused') });
  });

  it(`a held resolution whose incident record stays refused: each sweep run throws and counts it on the entry; the ${HELD_REFUSED_RUNS_BEFORE_ASIDE}rd sets it aside (logged, counted) and throws once more; later sweeps neither throw nor run it; the ladder beside it is paged throughout`, async () => {
    expect(HELD_REFUSED_RUNS_BEFORE_ASIDE).toBe(3);
    const ladder = l1Paged({ incidentId: 'inc-bbbbbbbbbbbb', incidentKey: 'other', nextEscalationAt: new Date(SETTLE_DUE.getTime() - 20 * MINUTE_MS).toISOString() });
    const w = world([heldResolution(), ladder], [HELD]);
    w.refuseGet = 'inc-3f2a9c1b7d44';
    w.now = new Date(SETTLE_DUE.getTime() + 6 * MINUTE_MS);
    // One sweep and its two Lambda retries.
    for (const run of [1, 2]) {
      await expect(sweep(w.service)).rejects.toThrow(/state table record ESCALATION#inc-3f2a9c1b7d44 \/ INCIDENT is not one the automation writes/);
      expect([w.refusals.get('inc-3f2a9c1b7d44#C1'), w.held.size, w.aside.size]).toEqual([run, 1, 0]);
    }
    expect(w.pages.map((p) => p.incidentId)).toEqual(['inc-bbbbbbbbbbbb']);
    await expect(sweep(w.service)).rejects.toThrow(/is not one the automation writes/);
    expect([w.held.size, [...w.aside.values()]]).toEqual([0, [{ held: HELD, record: 'ESCALATION#inc-3f2a9c1b7d44 / INCIDENT', runs: 3 }]]);
    expect(w.metrics.get('HeldResolutionsSetAside')).toBe(1);
    expect(w.errors.map((e) => e.message)).toContainEqual(expect.stringContaining('held resolution set aside after 3 sweep runs refused a record of its incident: nobody was told it resolved; tell its tiers by hand'));
    // The next sweep, 5 min on: nothing thrown, nothing run for it.
    w.now = new Date(w.now.getTime() + 5 * MINUTE_MS);
    expect(await sweep(w.service)).toMatchObject({ reason: expect.not.stringContaining('held resolution') });
    expect(w.metrics.get('HeldResolutionsSetAside')).toBe(1);
    expect(w.pages.map((p) => p.incidentId)).toEqual(['inc-bbbbbbbbbbbb']);
  });

  it('a transient failure of the held resolution\'s incident read counts nothing and sets nothing aside', async () => {
    const w = world([heldResolution()], [HELD]);
    w.failGet = 'inc-3f2a9c1b7d44';
    w.now = new Date(SETTLE_DUE.getTime() + 6 * MINUTE_MS);
    for (let run = 0; run < 4; run += 1) await expect(sweep(w.service)).rejects.toThrow(TransientError);
    expect([w.refusals.size, w.held.size, w.aside.size]).toEqual([0, 1, 0]);
  });
});

describe('a refused record of the unresolved list keeps none of the others from the sweep (decision 300, 292\'s "not done")', () => {
  const FORGED = { key: { pk: 'ESCALATION-OPEN', sk: '2026-11-25T14:00:00.000+0000#x' }, issues: ['incidentId: must be an incident id (inc- and 12 hex digits)'] };

  it('the valid due ladder is paged; the refused record is logged with its key and fields, counted, and named in the answer; the sweep does not throw', async () => {
    const ladder = l1Paged({ incidentId: 'inc-bbbbbbbbbbbb', incidentKey: 'other', nextEscalationAt: new Date(at(0).getTime() - 20 * MINUTE_MS).toISOString() });
    const w = world([ladder]);
    w.refusedOpen = [FORGED];
    const swept = await sweep(w.service);
    expect(swept).toMatchObject({ action: 'escalated', incidentIds: ['inc-bbbbbbbbbbbb'] });
    expect(w.pages.map((p) => p.incidentId)).toEqual(['inc-bbbbbbbbbbbb']);
    expect(swept.reason).toContain(
      "; 1 unresolved incident record refused (not as the automation writes them; that incident's ladder is not swept): ESCALATION-OPEN / 2026-11-25T14:00:00.000+0000#x (incidentId: must be an incident id (inc- and 12 hex digits))",
    );
    expect(w.errors).toEqual([{ message: expect.stringContaining("unresolved incident's record is not one the automation writes, refused"), extra: { record: FORGED.key, issues: FORGED.issues } }]);
    expect(w.metrics.get('UnresolvedRecordsRefused')).toBe(1);
    // The next sweep: the ladder already paged, the record still named, still no throw.
    expect(await sweep(w.service)).toMatchObject({ reason: expect.stringContaining('1 unresolved incident record refused') });
    expect(w.pages.map((p) => p.incidentId)).toEqual(['inc-bbbbbbbbbbbb']);
  });
});
