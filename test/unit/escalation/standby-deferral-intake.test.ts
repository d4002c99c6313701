// One replicated-queue backlog before a failover is one incident and one page (decision 158). In the DR region both the
// standby watch's depth alarm (5 of 5 min, watch-standby) and Queue Backup's (1 of 1 min, scale-consumers) fire on the
// replicated queue's depth; scale-consumers' decision is deferred to the standby watch's alarm, and the escalation records
// it on that alarm's incident, whichever arrives first. Nothing lost: the deferred decision is in the incident's history.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import type { DecisionEventDetail } from '../../../shared/escalation/escalation-events';
import { EscalationService, type EscalationContext, type EscalationServices } from '../../../shared/escalation/escalation-service';
import type { Incident, SentNotification } from '../../../shared/escalation/incident';
import type { MessageView } from '../../../shared/escalation/message-view';
import { resolveEscalationPolicy } from '../../../shared/escalation/policy';
import type { TimerInput } from '../../../shared/escalation/plan-timer';
import { timerScheduleName } from '../../../shared/escalation/timer-scheduler';
import type { RecordedAudit, RecordedClaim } from '../../../shared/escalation/trust-decision';
import { standbyDeferralTargets } from '../../../shared/guard/standby-deferral';
import { handleDecision } from '../../../shared/escalation/escalation-intake';
import { handleTimer } from '../../../shared/escalation/escalation-timer-run';

const ACCOUNT = '123456789012';
const DR = 'us-west-2';
const QUEUE_ALARM = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
const STANDBY_DEPTH = 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)';
const alarmArn = (name: string) => `arn:aws:cloudwatch:${DR}:${ACCOUNT}:alarm:${name}`;
const QUEUE_ARN = `arn:aws:sqs:${DR}:${ACCOUNT}:notification-service-queue`;
const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: DR });

/** scale-consumers' decision in the DR region before a failover (run-playbook.ts, standbyDeferral), as the pipeline records it. */
function deferredDecision(alarmTime = '2026-12-06T08:01:03.120+0000', alarmName = STANDBY_DEPTH): DecisionEventDetail {
  return {
    playbook: 'scale-consumers',
    outcome: 'skipped',
    reason: `deferred to watch-standby: us-west-2 is the DR region of production and not serving: the replica notification-service-db-replica still replicates ... (not promoted); ...; the standby watch's alarm "${alarmName}" watches the same ...`,
    environment: 'production',
    region: DR,
    account: ACCOUNT,
    incidentKey: `${alarmArn(QUEUE_ALARM)}#${alarmTime}`,
    alarmName: QUEUE_ALARM,
    alarmArn: alarmArn(QUEUE_ALARM),
    alarmState: 'ALARM',
    alarmTime,
    resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: QUEUE_ARN },
    findings: ['planned, not escalated on its own: queue notification-service-queue has no enabled event source mapping: no consumer to scale (not-applicable)'],
    deferredTo: { playbook: 'watch-standby', alarmName },
    dryRun: false,
    decidedAt: alarmTime.replace('.120+0000', '.900Z'),
  };
}

/** watch-standby's decision on its depth alarm, 4 minutes later (5 of 5 minutes above 1000). */
const standbyDecision: DecisionEventDetail = {
  playbook: 'watch-standby',
  outcome: 'escalate',
  reason: 'DR standby of production in us-west-2: the replicated queue notification-service-queue holds 1500 messages (pages above 1000): a failover would start with that backlog. Nothing was changed; ...',
  environment: 'production',
  region: DR,
  account: ACCOUNT,
  incidentKey: `${alarmArn(STANDBY_DEPTH)}#2026-12-06T08:05:03.120+0000`,
  alarmName: STANDBY_DEPTH,
  alarmArn: alarmArn(STANDBY_DEPTH),
  alarmState: 'ALARM',
  alarmTime: '2026-12-06T08:05:03.120+0000',
  resource: { type: 'sqs-queue', id: 'notification-service-queue', arn: QUEUE_ARN },
  escalation: { cause: 'diagnosis' },
  dryRun: false,
  decidedAt: '2026-12-06T08:05:04.000Z',
};

/** The state table as the escalation uses it: incidents, sends, and what the pipeline recorded (claims, audit entries). */
function world(
  recorded: DecisionEventDetail[],
  alarmRead: { value: string; updatedAt: Date } = { value: 'ALARM', updatedAt: new Date('2026-12-06T08:05:03.120Z') },
  standby?: EscalationContext['standby'],
) {
  const incidents = new Map<string, Incident>();
  const sends = new Map<string, SentNotification[]>();
  const pages: Array<{ incidentId: string; level: number; view: MessageView }> = [];
  /** Messages that went back to a tier already paged (resolutions, re-opens, the region-serving notice), with the channels. */
  const toldAgain: Array<{ incidentId: string; level: number; channels: string[]; view: MessageView }> = [];
  const scheduled: Array<{ level?: number }> = [];
  const claims = (key: string): RecordedClaim[] => recorded.filter((d) => d.incidentKey === key).map((d) => ({ name: d.playbook, status: 'COMPLETED', outcome: d.outcome }));
  const audits = (arn: string): RecordedAudit[] => recorded.filter((d) => d.resource?.arn === arn).map((d) => ({ incidentKey: d.incidentKey ?? '', decision: { ...d } }));
  const services = {
    store: {
      get: async (id: string) => structuredClone(incidents.get(id)),
      create: async (incident: Incident) => {
        const existing = incidents.get(incident.incidentId);
        if (existing) return { created: false, incident: structuredClone(existing) };
        incidents.set(incident.incidentId, structuredClone(incident));
        return { created: true, incident };
      },
      promote: async () => false,
      appendUpdate: async (id: string, update: Incident['updates'][number]) => {
        const incident = incidents.get(id);
        if (!incident || incident.status === 'RESOLVED' || incident.updates.some((u) => u.key === update.key)) return false;
        incident.updates.push(structuredClone(update));
        return true;
      },
      listSends: async (id: string) => structuredClone(sends.get(id) ?? []),
      claimSend: async (id: string, kind: SentNotification['kind'], level: number, tierName: string) => {
        const list = sends.get(id) ?? [];
        if (list.some((s) => s.kind === kind && s.level === level)) return { claimed: false, reason: 'already-claimed' };
        sends.set(id, [...list, { kind, level, tierName, status: 'IN_PROGRESS', channels: [], messageIds: [] }]);
        return { claimed: true, owner: 'o', delivered: {} };
      },
      completeSend: async (id: string, kind: string, level: number, _owner: string, result: Partial<SentNotification>) => {
        const send = (sends.get(id) ?? []).find((s) => s.kind === kind && s.level === level);
        if (send) Object.assign(send, result);
      },
      recordDelivered: async () => undefined,
      releaseSend: async () => undefined,
      recordTierNotified: async (id: string, level: number, next?: { level: number; at: Date }) => {
        const incident = incidents.get(id);
        if (!incident) return;
        incident.level = Math.max(incident.level, level);
        if (next) Object.assign(incident, { nextLevel: next.level, nextEscalationAt: next.at.toISOString() });
      },
      // EscalationStore's condition: OPEN, at the level and cause read, not already a notice.
      becomeNotice: async (was: Incident, notice: { cause: string; reason: string; insteadOfLevel: number }, now: Date) => {
        const incident = incidents.get(was.incidentId);
        if (!incident || incident.status !== 'OPEN' || incident.cause !== was.cause || incident.level !== was.level || incident.servingNotice) return false;
        Object.assign(incident, { cause: notice.cause, reason: notice.reason, servingNotice: { insteadOfLevel: notice.insteadOfLevel, previousCause: was.cause, at: now.toISOString() } });
        delete incident.nextLevel;
        delete incident.nextEscalationAt;
        return true;
      },
      // EscalationStore's condition: still the notice as read (status, cause, level, state change).
      endNotice: async (was: Incident, change: { cause: string; reason: string; fromLevel: number; cycle: number; round: number }, now: Date) => {
        const incident = incidents.get(was.incidentId);
        if (!incident || incident.status !== was.status || incident.cause !== was.cause || incident.level !== was.level || incident.alarmTime !== was.alarmTime) return false;
        Object.assign(incident, { status: 'OPEN', cause: change.cause, reason: change.reason, servingEnded: { at: now.toISOString(), fromLevel: change.fromLevel, cycle: change.cycle, round: change.round } });
        for (const field of ['servingNotice', 'nextLevel', 'nextEscalationAt', 'noticeCheck', 'acknowledgedBy', 'acknowledgedNote', 'acknowledgedAt', 'acknowledgedVia'] as const) delete incident[field];
        return true;
      },
      // EscalationStore's condition (decision 281): unresolved, and only forward (a later cycle, or a later round).
      recordNoticeDue: async (id: string, check: { cycle: number; round: number; at: Date }) => {
        const incident = incidents.get(id);
        const was = incident?.noticeCheck;
        if (!incident || (incident.status !== 'OPEN' && incident.status !== 'ACKNOWLEDGED')) return;
        if (was && !(was.cycle < check.cycle || (was.cycle === check.cycle && was.round < check.round))) return;
        incident.noticeCheck = { cycle: check.cycle, round: check.round, at: check.at.toISOString() };
      },
      resolve: async () => ({ resolved: false, incident: undefined }),
      incidentsOfAlarm: async (arn: string) => [...incidents.values()].filter((i) => i.alarmArn === arn && i.status !== 'RESOLVED').map((i) => ({ incidentId: i.incidentId, alarmTime: i.alarmTime })),
      forgetAlarmIncident: async () => undefined,
      // The alarm's latest incident (decision 204): each alarm here opens once, so nothing is ever grouped into one.
      latestOfAlarm: async (arn: string) =>
        [...incidents.values()]
          .filter((i) => i.alarmArn === arn)
          .sort((a, b) => (a.alarmTime < b.alarmTime ? 1 : -1))
          .map((i) => ({ incidentId: i.incidentId, alarmTime: i.alarmTime }))[0],
      groupInto: async () => {
        throw new Error('no re-fire is grouped in these cases');
      },
    },
    notifier: {
      notify: async (tier: { level: number }, view: MessageView) => {
        pages.push({ incidentId: view.incidentId, level: tier.level, view });
        return { channels: ['email', 'chat'], messageIds: ['m-1', 'm-2'] };
      },
      resolve: async (tier: { level: number }, view: MessageView, previous: SentNotification) => {
        toldAgain.push({ incidentId: view.incidentId, level: tier.level, channels: previous.channels, view });
        return { channels: previous.channels, messageIds: ['m-3'] };
      },
    },
    timers: { schedule: async (step: { level?: number }) => void scheduled.push(step), cancel: async () => undefined },
    alarms: { read: async () => ({ kind: 'found', ...alarmRead }) },
    records: {
      claimsOf: async (key: string) => claims(key),
      auditsOf: async (arn: string, key: string) => audits(arn).filter((a) => a.incidentKey === key),
      deferredTo: async (arn: string, alarmName: string, fromIso: string) =>
        audits(arn).filter((a) => (a.decision.deferredTo as { alarmName?: string } | undefined)?.alarmName === alarmName && String(a.decision.alarmTime) >= fromIso.slice(0, 19)),
    },
  } as unknown as EscalationServices;
  const service = new EscalationService({
    services,
    policy: resolveEscalationPolicy(runtime.config, 'production'),
    rows: runtime.config.troubleshooting,
    environment: 'production',
    region: DR,
    trust: { environment: 'production', region: DR, regions: ['us-east-1', DR], watchedAlarms: new Set(alarmSpecs(runtime.config, 'production', DR).map((a) => a.name)) },
    deferrals: standbyDeferralTargets(runtime.config, 'production', DR),
    // As create-escalation-handlers.ts builds it: the restore signals among the region's alarms.
    restoreSignals: new Set(alarmSpecs(runtime.config, 'production', DR).filter((a) => a.restoreSignal).map((a) => a.name)),
    ...(standby ? { standby } : {}),
    clock: { now: () => new Date('2026-12-06T08:05:10.000Z'), sleep: async () => undefined },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { service, incidents, pages, scheduled, toldAgain };
}

describe('a replicated-queue backlog in the DR region before a failover', () => {
  it('Queue Backup first (1 of 1 min), then the standby watch (5 of 5): one incident, one page to L1, the deferred decision in its history and its first message', async () => {
    const deferred = deferredDecision();
    const { service, incidents, pages } = world([deferred, standbyDecision]);

    const first = await handleDecision(service, deferred);
    expect(first).toMatchObject({ action: 'ignored', delivered: [] });
    expect(first.reason).toContain(`scale-consumers deferred to alarm "${STANDBY_DEPTH}", which has no open incident yet: nobody notified`);
    expect(incidents.size).toBe(0);

    const second = await handleDecision(service, standbyDecision);
    expect(second).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    expect([...incidents.values()].map((i) => i.alarmName)).toEqual([STANDBY_DEPTH]);
    const incident = [...incidents.values()][0];
    expect(incident?.updates.map((u) => `${u.playbook} ${u.outcome}: ${u.reason}`)).toEqual([`scale-consumers skipped: ${deferred.reason}`]);
    expect(pages.map((p) => `${p.incidentId} L${p.level}`)).toEqual([`${incident?.incidentId} L1`]);
    // The page says what scale-consumers decided and why.
    expect(pages[0]?.view.updates).toEqual([expect.stringContaining('scale-consumers skipped: deferred to watch-standby')]);
  });

  it('the standby watch first, then Queue Backup (it fired again): recorded on the open incident, nobody paged again, a redelivery recorded once', async () => {
    const deferred = deferredDecision('2026-12-06T08:06:03.120+0000');
    const { service, incidents, pages } = world([deferred, standbyDecision]);

    await handleDecision(service, standbyDecision);
    const incidentId = [...incidents.keys()][0];
    const later = await handleDecision(service, deferred);
    expect(later).toMatchObject({ action: 'updated', incidentId, delivered: [] });
    const again = await handleDecision(service, deferred);
    expect(again).toMatchObject({ action: 'updated', incidentId, reason: 'this decision is already recorded', delivered: [] });

    expect(incidents.size).toBe(1);
    expect(incidents.get(incidentId ?? '')?.updates.map((u) => u.playbook)).toEqual(['scale-consumers']);
    expect(pages.map((p) => p.level)).toEqual([1]);
  });

  it('a deferral to an alarm this deployment does not watch is escalated on its own instead (it could never be reported)', async () => {
    const deferred = deferredDecision(undefined, 'NotificationService Some Alarm Nobody Deploys');
    const { service, incidents, pages } = world([deferred]);
    const result = await handleDecision(service, deferred);
    expect(result).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    expect([...incidents.values()].map((i) => [i.alarmName, i.cause])).toEqual([[QUEUE_ALARM, 'not-applicable']]);
    expect(pages).toHaveLength(1);
  });
});

describe('the standby watch after a failover (decision 189)', () => {
  const serving: DecisionEventDetail = {
    ...standbyDecision,
    reason: 'us-west-2 serves production since a failover: the standby watch no longer applies; switch regionRoles (us-west-2 primary) and redeploy. ...',
    escalation: { cause: 'region-serving' },
  };

  it('is one notice to L1 that schedules no next tier and never offers the failover', async () => {
    const { service, incidents, pages, scheduled } = world([serving]);
    const opened = await handleDecision(service, serving);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    expect([...incidents.values()].map((i) => i.cause)).toEqual(['region-serving']);
    expect(pages.map((p) => p.level)).toEqual([1]);
    // No next tier; only the notice's re-read of its alarm in an hour (review 12 R12-13: closed once the redeploy deletes it).
    expect(scheduled).toEqual([expect.objectContaining({ action: 'notice', cycle: 0, round: 1 })]);
    const view = pages[0]?.view;
    expect(view?.nextTier).toEqual({ none: 'a notice: no further tier is paged for it (decision 189)' });
    expect(view?.nextStep?.title).toBe('This region serves since a failover: the standby watch no longer applies; switch regionRoles and redeploy');
    expect(view?.nextStep?.run).toBeUndefined();
    expect(JSON.stringify(view?.nextStep)).not.toContain('start-automation-execution');
  });

  it('a diagnosis before the failover still climbs: L2 is scheduled', async () => {
    const { service, scheduled } = world([standbyDecision]);
    await handleDecision(service, standbyDecision);
    expect(scheduled).toEqual([expect.objectContaining({ level: 2 })]);
  });
});

describe('a standby incident opened before a failover, its next tier due after it (review 12, R12-7)', () => {
  // As create-escalation-handlers.ts builds it in the DR region: the standby watch's alarms, and the serving reader.
  const STANDBY_ALARMS = new Set(alarmSpecs(runtime.config, 'production', DR).filter((a) => a.handler === 'watch-standby').map((a) => a.name));
  const SERVING = 'serving since a failover: the replica notification-service-db-replica is promoted (no replication source) and the DR consumers\' mapping m-1 (notification-service-consumer on notification-service-queue) is Enabled';
  const reader = (answer: () => Promise<{ serving: boolean; reason: string; unread?: true }>) => {
    const asked: string[] = [];
    return { asked, standby: { alarms: STANDBY_ALARMS, serving: async (account: string) => (asked.push(account), answer()) } };
  };
  const l2Timer = (incidentId: string) => ({ action: 'escalate' as const, incidentId, level: 2, alarm: { name: STANDBY_DEPTH, account: ACCOUNT } });

  it('the region serves when L2 is due: the incident becomes the region-serving notice, L1 is told once on its channels, L2 is not paged, nothing more is scheduled', async () => {
    expect(STANDBY_ALARMS.has(STANDBY_DEPTH)).toBe(true);
    const { asked, standby } = reader(async () => ({ serving: true, reason: SERVING }));
    const { service, incidents, pages, scheduled, toldAgain } = world([standbyDecision], undefined, standby);
    const opened = await handleDecision(service, standbyDecision);
    const incidentId = opened.incidentId ?? '';
    expect(scheduled).toEqual([expect.objectContaining({ level: 2 })]);

    const fired = await handleTimer(service, l2Timer(incidentId));
    expect(fired).toMatchObject({ action: 'updated', incidentId, delivered: [{ kind: 'notice', level: 1, tier: 'DevOps Team (L1)', via: 'email+chat' }] });
    expect(asked).toEqual([ACCOUNT]);
    expect(pages.map((p) => p.level)).toEqual([1]);
    // Not L3: only the notice's re-read of its alarm (review 12 R12-13).
    expect(scheduled).toEqual([expect.objectContaining({ level: 2 }), expect.objectContaining({ action: 'notice', cycle: 0, round: 1 })]);
    expect(incidents.get(incidentId)).toMatchObject({ status: 'OPEN', level: 1, cause: 'region-serving', servingNotice: { insteadOfLevel: 2, previousCause: 'diagnosis' } });
    expect(incidents.get(incidentId)?.nextLevel).toBeUndefined();
    expect(toldAgain.map((t) => [t.level, t.channels])).toEqual([[1, ['email', 'chat']]]);
    const view = toldAgain[0]?.view;
    expect(view?.cause.reason).toMatch(/^us-west-2 serves production since a failover \(read when Cloud Infrastructure Team \(L2\) was due\): the standby watch no longer applies/);
    expect(view?.nextTier).toEqual({ none: 'a notice: no further tier is paged for it (decision 189)' });
    expect(view?.nextStep?.title).toBe('This region serves since a failover: the standby watch no longer applies; switch regionRoles and redeploy');
    expect(view?.nextStep?.run).toBeUndefined();
    expect(JSON.stringify(view?.nextStep)).not.toContain('start-automation-execution');

    // The same timer delivered again (Scheduler and Lambda deliver at least once): nobody told twice, nothing climbs.
    expect(await handleTimer(service, l2Timer(incidentId))).toMatchObject({ action: 'updated', delivered: [] });
    expect(toldAgain).toHaveLength(1);
    expect(pages.map((p) => p.level)).toEqual([1]);
    expect(asked).toEqual([ACCOUNT]);
    // The check asked for again is the same schedule (its name), a no-op on Scheduler.
    expect(new Set(scheduled.map((step) => timerScheduleName(step as TimerInput)))).toEqual(new Set([`escalation-${incidentId}-l2`, `escalation-${incidentId}-notice-c0-r1`]));
  });

  it.each([
    ['the region does not serve (the failover not run)', async () => ({ serving: false, reason: 'not serving: the replica notification-service-db-replica still replicates x (not promoted)' })],
    ['the serving signal could not be read', async () => ({ serving: false, reason: 'not serving: the replica could not be read (AccessDenied)', unread: true as const })],
    ['the serving reader throws (the workload role not assumable)', async (): Promise<never> => {
      throw new Error('AssumeRole refused');
    }],
  ])('%s: the ladder climbs to L2 as before (missing data is never "healthy")', async (_situation, answer) => {
    const { asked, standby } = reader(answer);
    const { service, incidents, pages, scheduled, toldAgain } = world([standbyDecision], undefined, standby);
    const opened = await handleDecision(service, standbyDecision);
    const fired = await handleTimer(service, l2Timer(opened.incidentId ?? ''));
    expect(fired).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 2 }] });
    expect(asked).toEqual([ACCOUNT]);
    expect(pages.map((p) => p.level)).toEqual([1, 2]);
    expect(scheduled.map((s) => s.level)).toEqual([2, 3]);
    expect(toldAgain).toEqual([]);
    expect(incidents.get(opened.incidentId ?? '')).toMatchObject({ cause: 'diagnosis', level: 2 });
  });

  it('an incident of another alarm than the standby watch\'s never reads the signal', async () => {
    const { asked, standby } = reader(async () => ({ serving: true, reason: SERVING }));
    const queueDecision: DecisionEventDetail = {
      ...standbyDecision,
      playbook: 'scale-consumers',
      incidentKey: `${alarmArn(QUEUE_ALARM)}#2026-12-06T08:05:03.120+0000`,
      alarmName: QUEUE_ALARM,
      alarmArn: alarmArn(QUEUE_ALARM),
      escalation: { cause: 'guardrail', guardrail: 'dr-region' },
    };
    const { service, pages } = world([queueDecision], undefined, standby);
    const opened = await handleDecision(service, queueDecision);
    const fired = await handleTimer(service, { action: 'escalate', incidentId: opened.incidentId ?? '', level: 2, alarm: { name: QUEUE_ALARM, account: ACCOUNT } });
    expect(fired).toMatchObject({ action: 'escalated' });
    expect(asked).toEqual([]);
    expect(pages.map((p) => p.level)).toEqual([1, 2]);
  });
});

// Review 14 R14-14: the notice 215 made is judged again at its hourly check. After FailbackToPrimary (the DR consumers'
// mapping Disabled) the standby replicates nothing until it is rebuilt, and its alarm stays in ALARM: the standby watch's
// ladder resumes where the notice replaced it.
describe('a region-serving notice at its hourly check, after a failback (review 14 R14-14)', () => {
  const STANDBY_ALARMS = new Set(alarmSpecs(runtime.config, 'production', DR).filter((a) => a.handler === 'watch-standby').map((a) => a.name));
  const SERVING = 'serving since a failover: the replica notification-service-db-replica is promoted (no replication source) and the DR consumers\' mapping m-1 (notification-service-consumer on notification-service-queue) is Enabled';
  const FAILED_BACK = "not serving: the DR consumers' mapping m-1 (notification-service-consumer on notification-service-queue) is Disabled; the replica notification-service-db-replica is promoted, but that alone is not a failover";
  const check = (incidentId: string, round: number) => ({ action: 'notice' as const, incidentId, cycle: 0, round, alarm: { name: STANDBY_DEPTH, account: ACCOUNT } });

  /** The standby incident opened before the failover, made the notice by its L2 timer (215); the signal then answers `now()`. */
  async function madeNotice() {
    let answer: { serving: boolean; reason: string; unread?: true } = { serving: true, reason: SERVING };
    const asked: string[] = [];
    const standby = { alarms: STANDBY_ALARMS, serving: async (account: string) => (asked.push(account), answer) };
    const w = world([standbyDecision], undefined, standby);
    const incidentId = (await handleDecision(w.service, standbyDecision)).incidentId ?? '';
    await handleTimer(w.service, { action: 'escalate', incidentId, level: 2, alarm: { name: STANDBY_DEPTH, account: ACCOUNT } });
    expect(w.incidents.get(incidentId)).toMatchObject({ cause: 'region-serving', servingNotice: { insteadOfLevel: 2 } });
    expect(w.toldAgain.map((t) => `${t.level} ${t.view.cause.reason.slice(0, 20)}`)).toEqual(['1 us-west-2 serves pro']);
    w.toldAgain.length = 0;
    w.scheduled.length = 0;
    return { ...w, incidentId, asked, answer: (next: typeof answer) => void (answer = next) };
  }

  it('still serving: the notice stands, the next check is scheduled, nobody is told', async () => {
    const { service, incidentId, asked, pages, toldAgain, scheduled, incidents } = await madeNotice();
    const result = await handleTimer(service, check(incidentId, 1));
    expect(result).toMatchObject({ action: 'stopped', delivered: [], reason: expect.stringContaining('us-west-2 still serves (serving since a failover') });
    expect(asked).toEqual([ACCOUNT, ACCOUNT]);
    expect(scheduled).toEqual([expect.objectContaining({ action: 'notice', cycle: 0, round: 2 })]);
    expect(pages.map((p) => p.level)).toEqual([1]);
    expect(toldAgain).toEqual([]);
    expect(incidents.get(incidentId)).toMatchObject({ cause: 'region-serving', level: 1 });
  });

  it('failed back: the standby incident again (diagnosis), L1 told the notice is withdrawn, L2 paged, L3 scheduled; the same check delivered again tells nobody twice', async () => {
    const { service, incidentId, answer, pages, toldAgain, scheduled, incidents } = await madeNotice();
    answer({ serving: false, reason: FAILED_BACK });
    const result = await handleTimer(service, check(incidentId, 1));
    expect(result).toMatchObject({
      action: 'escalated',
      incidentId,
      delivered: [
        { kind: 'resume', level: 1, tier: 'DevOps Team (L1)', via: 'email+chat' },
        { kind: 'notify', level: 2, tier: 'Cloud Infrastructure Team (L2)' },
      ],
    });
    const incident = incidents.get(incidentId);
    expect(incident).toMatchObject({ status: 'OPEN', cause: 'diagnosis', level: 2, nextLevel: 3, servingEnded: { fromLevel: 2, cycle: 0, round: 1 } });
    expect(incident?.servingNotice).toBeUndefined();
    expect(incident?.reason).toMatch(/^us-west-2 no longer serves production \(read at the notice's hourly check, round 1\): not serving: the DR consumers' mapping m-1 .* is Disabled/);
    expect(incident?.reason).toContain(`alarm "${STANDBY_DEPTH}" is still in ALARM, so the standby watch applies again`);
    expect(pages.map((p) => p.level)).toEqual([1, 2]);
    // L2's page: the standby watch's (the failover offered only "if the primary region is lost"), why L2 now.
    const l2 = pages[1]?.view;
    expect(l2?.escalatedBecause).toBe("us-west-2 no longer serves: the region-serving notice is withdrawn and the standby watch's ladder resumes at Cloud Infrastructure Team (L2)");
    expect(l2?.nextTier).toMatchObject({ level: 3 });
    expect(l2?.nextStep?.title).toBe('If the primary region is lost: run NotificationService-FailoverToDR (asks for approval)');
    // L1, told the notice, hears it is withdrawn and that L2 is paged now.
    expect(toldAgain.map((t) => [t.level, t.channels])).toEqual([[1, ['email', 'chat']]]);
    expect(toldAgain[0]?.view.cause.reason).toMatch(/^us-west-2 no longer serves production/);
    expect(toldAgain[0]?.view.nextTier).toMatchObject({ level: 2, inMinutes: 0 });
    expect(scheduled).toEqual([expect.objectContaining({ action: 'escalate', level: 3 })]);

    // Scheduler and Lambda deliver at least once: the same check again finishes nothing new.
    const again = await handleTimer(service, check(incidentId, 1));
    expect(again).toMatchObject({ action: 'updated', delivered: [] });
    expect(pages.map((p) => p.level)).toEqual([1, 2]);
    expect(toldAgain).toHaveLength(1);
    // A later check of the old chain (round 2) finds no notice: the checks end, the ladder watches it.
    expect(await handleTimer(service, check(incidentId, 2))).toMatchObject({ action: 'stopped', reason: expect.stringContaining('not a notice') });
  });

  it('failed back, the notice acknowledged (as 189 asks): re-opened with the acknowledgement cleared, L2 paged', async () => {
    const { service, incidentId, answer, pages, incidents } = await madeNotice();
    Object.assign(incidents.get(incidentId) ?? {}, { status: 'ACKNOWLEDGED', acknowledgedBy: 'arn:aws:sts::123456789012:assumed-role/OnCall/bob', acknowledgedAt: '2026-12-06T09:00:00.000Z', acknowledgedVia: 'runbook ack' });
    answer({ serving: false, reason: FAILED_BACK });
    const result = await handleTimer(service, check(incidentId, 1));
    expect(result).toMatchObject({ action: 'escalated', delivered: [{ kind: 'resume', level: 1 }, { kind: 'notify', level: 2 }] });
    const incident = incidents.get(incidentId);
    expect(incident).toMatchObject({ status: 'OPEN', cause: 'diagnosis', level: 2 });
    expect(incident?.acknowledgedBy).toBeUndefined();
    expect(incident?.reason).toContain('acknowledged as a notice by arn:aws:sts::123456789012:assumed-role/OnCall/bob');
    expect(pages.map((p) => p.level)).toEqual([1, 2]);
  });

  it('the signal unread: the ladder resumes, saying so; its L3 timer reads the signal again and, serving, makes it the notice again', async () => {
    const { service, incidentId, answer, pages, toldAgain, incidents } = await madeNotice();
    answer({ serving: false, reason: 'not serving: the replica notification-service-db-replica could not be read (ThrottlingException: Rate exceeded)', unread: true });
    expect(await handleTimer(service, check(incidentId, 1))).toMatchObject({ action: 'escalated' });
    expect(incidents.get(incidentId)?.reason).toContain('could not be read (ThrottlingException');
    answer({ serving: true, reason: SERVING });
    const l3 = await handleTimer(service, { action: 'escalate', incidentId, level: 3, alarm: { name: STANDBY_DEPTH, account: ACCOUNT } });
    expect(l3).toMatchObject({ action: 'updated', delivered: [{ kind: 'notice', level: 2 }] });
    expect(incidents.get(incidentId)).toMatchObject({ cause: 'region-serving', level: 2, servingNotice: { insteadOfLevel: 3, previousCause: 'diagnosis' } });
    expect(pages.map((p) => p.level)).toEqual([1, 2]);
    expect(toldAgain.map((t) => `${t.level}`)).toEqual(['1', '2']);
  });
});

describe('a restore the guardrails hold on the low-water alarm (review 12 R12-4; decision 205)', () => {
  const LOW_WATER = alarmSpecs(runtime.config, 'production', DR).find((a) => a.restoreSignal)?.name ?? '';
  const OK_TIME = '2026-12-06T08:04:03.120+0000';
  const held = (guardrail: string, reason: string): DecisionEventDetail => ({
    playbook: 'scale-consumers',
    outcome: 'escalate',
    reason,
    environment: 'production',
    region: DR,
    account: ACCOUNT,
    incidentKey: `${alarmArn(LOW_WATER)}#${OK_TIME}`,
    alarmName: LOW_WATER,
    alarmArn: alarmArn(LOW_WATER),
    alarmState: 'OK',
    alarmTime: OK_TIME,
    resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: QUEUE_ARN },
    escalation: { cause: 'guardrail', guardrail },
    dryRun: false,
    decidedAt: '2026-12-06T08:04:04.000Z',
  });
  // The signal reads OK since the drain (the queue under 100 for 5 min): the state the restore was decided on.
  const drained = { value: 'OK', updatedAt: new Date('2026-12-06T08:04:03.120Z') };

  it.each([
    ['the hourly budget', 'hourly-budget', 'hourly budget: 4 changes to this resource in the last hour, limit is 4; this restore is not made'],
    ['the DR region guard', 'dr-region', 'us-west-2 is the DR region of production and not serving: this restore is not made'],
  ])('held by %s: one notice to L1, no next tier scheduled, the NEXT STEP a restore by hand, never a document re-run', async (_by, guardrail, reason) => {
    const decision = held(guardrail, reason);
    expect(LOW_WATER).toBe('NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)');
    const { service, incidents, pages, scheduled } = world([decision], drained);
    const opened = await handleDecision(service, decision);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    expect([...incidents.values()].map((i) => [i.cause, i.decision?.cause, i.decision?.guardrail])).toEqual([['restore-held', 'guardrail', guardrail]]);
    // A redelivery of the same decision pages nobody again.
    await handleDecision(service, decision);
    expect(pages.map((p) => p.level)).toEqual([1]);
    expect(scheduled).toEqual([expect.objectContaining({ action: 'notice', cycle: 0, round: 1 })]);
    const view = pages[0]?.view;
    expect(view?.nextTier).toEqual({ none: 'a notice: no further tier is paged for it (decision 189)' });
    expect(view?.nextStep?.title).toBe('Not urgent: the queue drained but the consumers stay scaled up; restore them to their baseline when convenient');
    expect(view?.nextStep?.run).toBeUndefined();
    expect(view?.cause).toMatchObject({ code: 'restore-held', reason: expect.stringContaining(reason), guardrail });
  });
});
