// A tier whose delivery fails does not stop the escalation path (review 11a finding 5): the next tier's timer is created
// with the delivery, so AWS Support unreachable from the DR region in a us-east-1 outage still leads to the Service Owner;
// a retry schedules nothing new and pages nobody twice.
import { TransientError } from '../../../shared/errors';
import type { EscalationService, EscalationServices } from '../../../shared/escalation/escalation-service';
import type { Incident, SentNotification } from '../../../shared/escalation/incident';
import { planTimer, unreachedTiers, type TimerInput } from '../../../shared/escalation/plan-timer';
import type { EscalationTier } from '../../../shared/escalation/policy';
import { timerScheduleName } from '../../../shared/escalation/timer-scheduler';
import { ACCOUNT, ALARM_NAME, capReachedIncident, policy, productionService } from './fixtures';
import { handleTimer } from '../../../shared/escalation/escalation-timer-run';

const INCIDENT = 'inc-3f2a9c1b7d44';
const L3_AT = new Date('2026-11-25T14:45:00.000Z');
const MINUTE_MS = 60_000;

interface World {
  service: EscalationService;
  incident: Incident;
  sends: Map<number, SentNotification & { owner: string; leaseOpen: boolean }>;
  /** Schedules by name, as Scheduler holds them: creating one that exists is a no-op. */
  schedules: Map<string, { input: TimerInput; at: Date }>;
  scheduleCalls: number;
  /** What each tier actually received. */
  pages: string[];
  now: Date;
  failing: { tier?: number; schedule?: boolean };
}

/** The store's claim rules as EscalationStore's conditions keep them: one owner at a time; SENT/FAILED are final. */
function world(level: number): World {
  const w: World = {
    service: undefined as unknown as EscalationService,
    incident: capReachedIncident({ level, nextLevel: level + 1, nextEscalationAt: L3_AT.toISOString() }),
    sends: new Map(),
    schedules: new Map(),
    scheduleCalls: 0,
    pages: [],
    now: L3_AT,
    failing: {},
  };
  let owners = 0;
  const services: EscalationServices = {
    store: {
      get: async () => ({ ...w.incident }),
      listSends: async () => [...w.sends.values()].map(({ owner: _owner, leaseOpen: _lease, ...send }) => send),
      claimSend: async (_id: string, _kind: string, tierLevel: number, tierName: string, statuses: readonly string[]) => {
        if (!statuses.includes(w.incident.status)) return { claimed: false, reason: 'incident-status' };
        const held = w.sends.get(tierLevel);
        if (held && (held.status !== 'IN_PROGRESS' || held.leaseOpen)) return { claimed: false, reason: 'already-claimed' };
        const owner = `o${++owners}`;
        w.sends.set(tierLevel, { kind: 'notify', level: tierLevel, tierName, status: 'IN_PROGRESS', channels: [], messageIds: [], owner, leaseOpen: true });
        return { claimed: true, owner, delivered: {} };
      },
      recordDelivered: async () => undefined,
      completeSend: async (_id: string, _kind: string, tierLevel: number, owner: string, result: Pick<SentNotification, 'status' | 'channels' | 'messageIds' | 'error'>) => {
        const held = w.sends.get(tierLevel);
        if (held?.owner === owner) w.sends.set(tierLevel, { ...held, ...result });
      },
      releaseSend: async (_id: string, _kind: string, tierLevel: number, owner: string) => {
        const held = w.sends.get(tierLevel);
        if (held?.owner === owner && held.status === 'IN_PROGRESS') held.leaseOpen = false;
      },
      // EscalationStore's condition: only while OPEN, below the failed tier, and expecting it next.
      recordNextDue: async (_id: string, failed: number, next: { level: number; at: Date }) => {
        const i = w.incident;
        if (i.status === 'OPEN' && i.level < failed && i.nextLevel === failed) w.incident = { ...i, nextLevel: next.level, nextEscalationAt: next.at.toISOString() };
      },
      recordTierNotified: async (_id: string, notified: number) => {
        w.incident = { ...w.incident, level: Math.max(w.incident.level, notified) };
      },
    } as unknown as EscalationServices['store'],
    notifier: {
      notify: async (tier: EscalationTier) => {
        if (w.failing.tier === tier.level) throw new TransientError('Support CreateCase failed: ServiceUnavailable: us-east-1 impaired');
        w.pages.push(tier.name);
        return tier.supportCase ? { channels: ['support-case'], messageIds: [], caseId: 'case-1' } : { channels: ['email'], messageIds: ['m1'] };
      },
      resolve: async () => {
        throw new Error('no resolution expected');
      },
    },
    timers: {
      schedule: async (input, at) => {
        w.scheduleCalls += 1;
        if (w.failing.schedule) throw new TransientError('Scheduler CreateSchedule failed: ThrottlingException: Rate exceeded');
        const name = timerScheduleName(input);
        if (w.schedules.has(name)) return { name, created: false };
        w.schedules.set(name, { input, at });
        return { name, created: true };
      },
      cancel: async () => {
        throw new Error('no cancel expected');
      },
    },
    alarms: { read: async () => ({ kind: 'found', value: 'ALARM', updatedAt: new Date('2026-11-25T14:00:03.120Z'), reason: 'Threshold Crossed' }) },
    records: { claimsOf: async () => [], auditsOf: async () => [] },
  };
  // Run in us-west-2, the trust us-east-1's, as this case always had it.
  w.service = productionService(services, { now: () => w.now, region: 'us-west-2' });
  return w;
}

const timer = (level: number): TimerInput => ({ action: 'escalate', incidentId: INCIDENT, level, alarm: { name: ALARM_NAME, account: ACCOUNT } });

describe('a tier that cannot be reached does not stop the escalation path', () => {
  it.each([
    // [situation, the tier whose timer fires, the level already notified, the next tier's schedule]
    ['AWS Support answers 503 (us-east-1 impaired, the DR region escalating)', 3, 2, `escalation-${INCIDENT}-l4`, 60],
    ['L2\'s SNS publishes are throttled on every attempt', 2, 1, `escalation-${INCIDENT}-l3`, 30],
  ])('%s: the next tier\'s timer exists after the first failed attempt and after every retry, created once', async (_situation, level, notified, nextSchedule, timeoutMinutes) => {
    const w = world(notified);
    w.failing.tier = level;
    // The first attempt and Lambda's two retries (escalation-timer's async config: MaximumRetryAttempts 2), a minute apart.
    for (const attempt of [0, 1, 2]) {
      w.now = new Date(L3_AT.getTime() + attempt * MINUTE_MS);
      await expect(handleTimer(w.service, timer(level))).rejects.toBeInstanceOf(TransientError);
      expect([...w.schedules.keys()]).toEqual([nextSchedule]);
    }
    // Due after the first attempt's timeout: a retry does not move it.
    expect(w.schedules.get(nextSchedule)?.at).toEqual(new Date(L3_AT.getTime() + timeoutMinutes * MINUTE_MS));
    expect(w.schedules.get(nextSchedule)?.input).toEqual(timer(level + 1));
    expect(w.pages).toEqual([]);
    // Not recorded as notified: the send is given back, the level stays; what comes next is the timer that exists
    // (review 12, R12-14: `runbook incidents` named the tier that could not be reached).
    expect(w.incident.level).toBe(notified);
    expect(w.incident).toMatchObject({ nextLevel: level + 1, nextEscalationAt: new Date(L3_AT.getTime() + timeoutMinutes * MINUTE_MS).toISOString() });
    expect(w.sends.get(level)).toMatchObject({ status: 'IN_PROGRESS', leaseOpen: false });
  });

  it('pages the Service Owner once when L4\'s timer fires after AWS Support was never reached, saying so', async () => {
    const w = world(2);
    w.failing.tier = 3;
    await expect(handleTimer(w.service, timer(3))).rejects.toBeInstanceOf(TransientError);
    w.now = new Date(L3_AT.getTime() + 60 * MINUTE_MS);
    const fired = await Promise.all([handleTimer(w.service, timer(4)), handleTimer(w.service, timer(4))]);
    expect(fired.flatMap((r) => r.delivered)).toEqual([{ kind: 'notify', level: 4, tier: 'Service Owner', via: 'email' }]);
    expect(w.pages).toEqual(['Service Owner']);
    const escalated = fired.find((r) => r.action === 'escalated');
    expect(escalated?.reason).toBe(
      'Service Owner notified: Cloud Infrastructure Team (L2) did not acknowledge, AWS Support (Enterprise) could not be reached (its delivery did not complete) and the alarm is still in ALARM',
    );
    expect(w.incident.level).toBe(4);
    // The end of the path: nothing further scheduled.
    expect([...w.schedules.keys()]).toEqual([`escalation-${INCIDENT}-l4`]);
  });

  it('a delivery that went out while the timer could not be created is finished by the retry without paging again', async () => {
    const w = world(2);
    w.failing.schedule = true;
    await expect(handleTimer(w.service, timer(3))).rejects.toBeInstanceOf(TransientError);
    expect(w.pages).toEqual(['AWS Support (Enterprise)']);
    expect(w.schedules.size).toBe(0);
    w.failing.schedule = false;
    const retried = await handleTimer(w.service, timer(3));
    expect(retried.delivered).toEqual([]);
    expect(w.pages).toEqual(['AWS Support (Enterprise)']);
    expect([...w.schedules.keys()]).toEqual([`escalation-${INCIDENT}-l4`]);
    expect(w.incident.level).toBe(3);
  });

  it('a delivery that succeeds schedules the next tier once and records the level once', async () => {
    const w = world(2);
    const result = await handleTimer(w.service, timer(3));
    expect(result.delivered).toEqual([{ kind: 'notify', level: 3, tier: 'AWS Support (Enterprise)', via: 'support case case-1' }]);
    expect(w.scheduleCalls).toBe(1);
    expect(w.incident.level).toBe(3);
    expect(await handleTimer(w.service, timer(3))).toMatchObject({ action: 'stopped', delivered: [] });
    expect(w.scheduleCalls).toBe(1);
  });
});

describe('why a timer past the next tier fires', () => {
  const p = policy('production');
  const send = (level: number, status: SentNotification['status'], error?: string): SentNotification => ({
    kind: 'notify',
    level,
    tierName: p.tiers.find((t) => t.level === level)?.name ?? '',
    status,
    channels: [],
    messageIds: [],
    ...(error ? { error } : {}),
  });
  it.each([
    ['L3\'s case given back after transient failures', [send(3, 'IN_PROGRESS')], ['AWS Support (Enterprise) could not be reached (its delivery did not complete)']],
    ['L3 failed for good (no support plan)', [send(3, 'FAILED', 'SubscriptionRequiredException')], ['AWS Support (Enterprise) could not be reached (its delivery failed: SubscriptionRequiredException)']],
    ['L3 never attempted (a person asked for L4)', [], []],
    ['L3 was notified (cannot be skipped)', [send(3, 'SENT')], []],
  ])('%s', (_situation, sends, expected) => {
    expect(unreachedTiers(p, 2, 4, sends)).toEqual(expected);
  });

  it('a person asking for L4 from L2 is still said to be a request', () => {
    const plan = planTimer(timer(4), capReachedIncident({ level: 2 }), { value: 'ALARM', updatedAt: new Date('2026-11-25T14:00:03.120Z') }, p, []);
    expect(plan).toMatchObject({ kind: 'escalate', reason: 'it was escalated on request from L2 to L4, and the alarm is still in ALARM' });
  });
});
