// escalation-timer re-reads the alarm its timer names at once with the incident; the incident stays the authority.
import type { EscalationService, EscalationServices } from '../../../shared/escalation/escalation-service';
import type { AlarmLocation, AlarmObservation } from '../../../shared/escalation/alarm-lookup';
import type { Incident } from '../../../shared/escalation/incident';
import type { WorkloadAccount } from '../../../shared/config/workload-account';
import type { TimerInput } from '../../../shared/escalation/plan-timer';
import { ACCOUNT, ALARM_NAME, capReachedIncident, productionService } from './fixtures';
import { handleTimer } from '../../../shared/escalation/escalation-timer-run';

const NOW = new Date('2026-11-25T14:16:00.000Z');

interface Harness {
  service: EscalationService;
  /** Everything the service asked of its services, in order ("get" when the incident read started, "got" when it answered). */
  log: string[];
  alarmReads: AlarmLocation[];
  schedules: Array<{ input: TimerInput; at: Date }>;
  notified: string[];
  answerIncident(incident: Incident | undefined): void;
}

function harness(workloadAccount?: WorkloadAccount): Harness {
  const log: string[] = [];
  const alarmReads: AlarmLocation[] = [];
  const schedules: Array<{ input: TimerInput; at: Date }> = [];
  const notified: string[] = [];
  let answer: (incident: Incident | undefined) => void = () => undefined;
  const incidentRead = new Promise<Incident | undefined>((resolve) => {
    answer = resolve;
  });
  const found: AlarmObservation = { kind: 'found', value: 'ALARM', updatedAt: new Date('2026-11-25T14:00:03.120Z'), reason: 'Threshold Crossed' };
  const services: EscalationServices = {
    store: {
      get: async () => {
        log.push('get');
        const incident = await incidentRead;
        log.push('got');
        return incident;
      },
      listSends: async () => {
        log.push('listSends');
        return [{ kind: 'notify', level: 1, tierName: 'DevOps Team', status: 'SENT', channels: ['email'], messageIds: ['m1'] }];
      },
      claimSend: async () => {
        log.push('claimSend');
        return { claimed: true, owner: 'o1', delivered: {} };
      },
      completeSend: async () => {
        log.push('completeSend');
      },
      recordDelivered: async () => {
        log.push('recordDelivered');
      },
      recordTierNotified: async () => {
        log.push('recordTierNotified');
      },
    } as unknown as EscalationServices['store'],
    notifier: {
      notify: async (tier) => {
        notified.push(tier.name);
        return { channels: ['email'], messageIds: ['m2'] };
      },
      resolve: async () => {
        throw new Error('no resolution expected');
      },
    },
    timers: {
      schedule: async (input, at) => {
        schedules.push({ input, at });
        return { name: 'x', created: true };
      },
      cancel: async () => {
        throw new Error('no cancel expected');
      },
    },
    alarms: {
      read: async (alarm) => {
        log.push('alarm');
        alarmReads.push(alarm);
        return found;
      },
    },
    records: { claimsOf: async () => [], auditsOf: async () => [] },
  };
  const service = productionService(services, { now: () => NOW, ...(workloadAccount ? { workloadAccount } : {}) });
  return { service, log, alarmReads, schedules, notified, answerIncident: (incident) => answer(incident) };
}

/** Runs the timer, answering the incident read only after the service had its chance to start the other reads. */
async function run(h: Harness, input: TimerInput, incident: Incident | undefined) {
  const result = handleTimer(h.service, input);
  await new Promise((resolve) => setImmediate(resolve));
  const beforeIncident = [...h.log];
  h.answerIncident(incident);
  return { result: await result, beforeIncident };
}

const l1Notified = (): Incident => capReachedIncident({ level: 1 });

describe('escalation-timer and the alarm its timer names', () => {
  it('reads the named alarm at once with the incident, then escalates; the next timer names the alarm too', async () => {
    const h = harness();
    const { result, beforeIncident } = await run(h, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: ALARM_NAME, account: ACCOUNT } }, l1Notified());
    // Started before the incident answered: the alarm and the sends, with the incident.
    expect(beforeIncident.sort()).toEqual(['alarm', 'get', 'listSends']);
    expect(h.alarmReads).toEqual([{ name: ALARM_NAME, account: ACCOUNT }]);
    expect(result.action).toBe('escalated');
    expect(h.notified).toEqual(['Cloud Infrastructure Team (L2)']);
    expect(h.schedules.map((s) => s.input)).toEqual([{ action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 3, alarm: { name: ALARM_NAME, account: ACCOUNT } }]);
  });

  it('without a named alarm (a person asked for the tier) reads the alarm after the incident, where the incident says', async () => {
    const h = harness();
    const { result, beforeIncident } = await run(h, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 }, l1Notified());
    expect(beforeIncident.sort()).toEqual(['get', 'listSends']);
    expect(h.log.indexOf('alarm')).toBeGreaterThan(h.log.indexOf('got'));
    expect(h.alarmReads).toEqual([{ name: ALARM_NAME, account: ACCOUNT }]);
    expect(result.action).toBe('escalated');
  });

  it.each([
    ['another alarm', { name: 'NotificationService Error Rate > 1% (notification-service-consumer)', account: ACCOUNT }],
    ['the same alarm in another account', { name: ALARM_NAME, account: '210987654321' }],
    ['the same alarm with no account', { name: ALARM_NAME }],
  ])('refuses a timer that names %s than its incident: nobody notified, nothing written or scheduled', async (_what, alarm) => {
    const h = harness();
    const { result } = await run(h, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm }, l1Notified());
    expect(result.action).toBe('refused');
    expect(result.reason).toContain(`incident inc-3f2a9c1b7d44 is about alarm "${ALARM_NAME}" in account ${ACCOUNT}`);
    expect(h.notified).toEqual([]);
    expect(h.schedules).toEqual([]);
    expect(h.log.filter((call) => !['get', 'got', 'listSends', 'alarm'].includes(call))).toEqual([]);
  });

  it('reads ahead only in the workload account: a timer naming the alarm in another account calls nothing there and is refused', async () => {
    const workload: WorkloadAccount = { kind: 'known', account: ACCOUNT, source: 'environments.production.accountId' };
    const inWorkload = harness(workload);
    const ok = await run(inWorkload, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: ALARM_NAME, account: ACCOUNT } }, l1Notified());
    expect(ok.beforeIncident.sort()).toEqual(['alarm', 'get', 'listSends']);
    expect(ok.result.action).toBe('escalated');

    const elsewhere = harness(workload);
    const refused = await run(elsewhere, { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: ALARM_NAME, account: '210987654321' } }, l1Notified());
    expect(refused.beforeIncident.sort()).toEqual(['get', 'listSends']);
    expect(elsewhere.alarmReads).toEqual([]);
    expect(refused.result.action).toBe('refused');
    expect(elsewhere.notified).toEqual([]);
  });

  it('does not read ahead an alarm this deployment does not watch (and refuses the timer once the incident disagrees)', async () => {
    const h = harness();
    const { result, beforeIncident } = await run(h, { action: 'check', incidentId: 'inc-3f2a9c1b7d44', alarm: { name: 'someone else\'s alarm', account: ACCOUNT } }, l1Notified());
    expect(beforeIncident.sort()).toEqual(['get', 'listSends']);
    expect(h.alarmReads).toEqual([]);
    expect(result.action).toBe('refused');
  });
});
