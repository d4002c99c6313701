// The escalation acts only on the workload account's alarms: an alarm event, a decision or an incident record naming
// another account is refused before anything is read where it points, nobody is notified, nothing is written.
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { EscalationService, type EscalationContext, type EscalationServices } from '../../../shared/escalation/escalation-service';
import { checkAlarm, precheckDecision, type TrustFacts } from '../../../shared/escalation/trust-decision';
import { handleAlarm } from '../../../shared/escalation/escalation-intake';
import { handleTimer } from '../../../shared/escalation/escalation-timer-run';
import type { WorkloadAccount } from '../../../shared/config/workload-account';
import { ACCOUNT, ALARM_ARN, ALARM_NAME, ALARM_TIME, QUEUE_ARN, capReachedIncident, policy, runtime } from './fixtures';

const OTHER = '999999999999';
const OTHER_ARN = ALARM_ARN.replace(ACCOUNT, OTHER);
const known: WorkloadAccount = { kind: 'known', account: ACCOUNT, source: 'RUNBOOK_ACCOUNT_ID' };
const facts: TrustFacts = { environment: 'production', region: 'us-east-1', regions: ['us-east-1', 'us-west-2'], watchedAlarms: new Set([ALARM_NAME]), workloadAccount: known };
const refusedReason = `alarm "${ALARM_NAME}" names account ${OTHER}, not this deployment's workload account ${ACCOUNT} (RUNBOOK_ACCOUNT_ID): refused, nothing read or changed there`;

describe('checkAlarm and precheckDecision with the workload account', () => {
  it("admits the workload account's alarm and refuses the same alarm in another account", () => {
    expect(checkAlarm({ arn: ALARM_ARN, name: ALARM_NAME }, facts)).toMatchObject({ kind: 'ok' });
    expect(checkAlarm({ arn: OTHER_ARN, name: ALARM_NAME }, facts)).toEqual({ kind: 'refused', reason: refusedReason });
    // Without a workload account to compare with, the other account passes: the check is what refuses it.
    expect(checkAlarm({ arn: OTHER_ARN, name: ALARM_NAME }, { ...facts, workloadAccount: { kind: 'unchecked' } })).toMatchObject({ kind: 'ok' });
  });

  it('refuses a decision about an alarm of another account, even one consistent with itself', () => {
    const decision = {
      playbook: 'scale-consumers',
      outcome: 'escalate',
      reason: 'at the cap',
      decidedAt: '2026-11-25T14:00:04.512Z',
      environment: 'production',
      region: 'us-east-1',
      account: OTHER,
      incidentKey: `${OTHER_ARN}#${ALARM_TIME}`,
      alarmName: ALARM_NAME,
      alarmArn: OTHER_ARN,
      alarmTime: ALARM_TIME,
      resource: { arn: QUEUE_ARN.replace(ACCOUNT, OTHER) },
    };
    expect(precheckDecision(decision, facts)).toEqual({ kind: 'refused', reason: refusedReason });
  });
});

/** Services that record every call: the tests assert which were made. */
function recordingServices(incident: ReturnType<typeof capReachedIncident> | undefined): { services: EscalationServices; calls: string[] } {
  const calls: string[] = [];
  const record = (name: string, answer: (...args: unknown[]) => unknown = () => undefined) =>
    async (...args: unknown[]) => {
      calls.push(name);
      return answer(...args);
    };
  const services = {
    store: new Proxy({}, {
      get: (_t, method: string) => (method === 'get' ? record('store.get', () => incident) : method === 'listSends' ? record('store.listSends', () => []) : method === 'claimSend' ? record('store.claimSend', () => ({ claimed: false, reason: 'not-open' })) : record(`store.${method}`)),
    }),
    notifier: { notify: record('notifier.notify'), resolve: record('notifier.resolve') },
    timers: { schedule: record('timers.schedule'), cancel: record('timers.cancel') },
    alarms: { read: record('alarms.read', () => ({ kind: 'found', value: 'ALARM', updatedAt: new Date(ALARM_TIME) })) },
    records: { claimsOf: record('records.claimsOf', () => []), auditsOf: record('records.auditsOf', () => []) },
  } as unknown as EscalationServices;
  return { services, calls };
}

function service(services: EscalationServices, warnings: Array<[string, Record<string, unknown>]>): EscalationService {
  const ctx: EscalationContext = {
    services,
    policy: policy(),
    rows: runtime().config.troubleshooting,
    environment: 'production',
    region: 'us-east-1',
    trust: facts,
    clock: { now: () => new Date('2026-11-25T14:20:00.000Z'), sleep: async () => undefined },
    log: { info: () => undefined, warn: (message, extra) => void warnings.push([message, extra ?? {}]), error: () => undefined },
  };
  return new EscalationService(ctx);
}

describe('escalation-timer with an incident record naming another account', () => {
  it('refuses the timer: no alarm read there, nobody notified, nothing written; logged with the incident and the timer', async () => {
    const { services, calls } = recordingServices(capReachedIncident({ alarmArn: OTHER_ARN, account: OTHER, incidentKey: `${OTHER_ARN}#${ALARM_TIME}` }));
    const warnings: Array<[string, Record<string, unknown>]> = [];
    const result = await handleTimer(service(services, warnings), { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 });
    expect(result).toEqual({
      action: 'refused',
      incidentId: 'inc-3f2a9c1b7d44',
      reason: `incident inc-3f2a9c1b7d44 (state table) names account ${OTHER}, not this deployment's workload account ${ACCOUNT} (RUNBOOK_ACCOUNT_ID): refused, nothing read or changed there`,
      delivered: [],
    });
    // Only the state table was read (the incident and, read ahead with it, its sends).
    expect(calls.sort()).toEqual(['store.get', 'store.listSends']);
    expect(warnings).toEqual([
      ['escalation timer refused: nobody notified, nothing changed', expect.objectContaining({ alarmArn: OTHER_ARN, timer: { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 } })],
    ]);
  });

  it("escalates the workload account's incident as before (the alarm re-read there)", async () => {
    const { services, calls } = recordingServices(capReachedIncident({ level: 1 }));
    const result = await handleTimer(service(services, []), { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 });
    expect(result.action).toBe('stopped');
    expect(calls).toEqual(expect.arrayContaining(['store.get', 'alarms.read', 'store.claimSend']));
  });
});

describe('escalate with an alarm state change from another account', () => {
  it('refuses it before any call', async () => {
    const event = parseAlarmEvent({
      version: '0',
      id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: OTHER,
      time: '2026-11-25T14:00:03Z',
      region: 'us-east-1',
      resources: [OTHER_ARN],
      detail: {
        alarmName: ALARM_NAME,
        state: { value: 'OK', reason: 'Threshold Crossed', timestamp: ALARM_TIME },
        configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'notification-service-queue' } }, period: 60, stat: 'Maximum' }, returnData: true }] },
      },
    });
    const { services, calls } = recordingServices(undefined);
    const warnings: Array<[string, Record<string, unknown>]> = [];
    const result = await handleAlarm(service(services, warnings), event);
    expect(result).toMatchObject({ action: 'refused', reason: refusedReason, delivered: [] });
    expect(calls).toEqual([]);
    expect(warnings.map(([message]) => message)).toEqual(['decision refused: nobody notified, nothing changed']);
  });
});
