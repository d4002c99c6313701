// escalate and an ALARM event stamped after the alarm's last StateValue change (an EvaluationState update): nobody is
// paged a second time for the same ALARM, whose own state change had its own event (decision 154).
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { AlarmStateReader } from '../../../shared/aws/alarm-state-reader';
import type { WorkloadAccount } from '../../../shared/config/workload-account';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { AccountAlarmReader } from '../../../shared/escalation/alarm-lookup';
import { EscalationService, type EscalationServices } from '../../../shared/escalation/escalation-service';
import type { Incident } from '../../../shared/escalation/incident';
import type { TrustFacts } from '../../../shared/escalation/trust-decision';
import { ACCOUNT, capReachedIncident, policy, runtime } from './fixtures';
import { handleAlarm } from '../../../shared/escalation/escalation-intake';
import { handleTimer } from '../../../shared/escalation/escalation-timer-run';

// The User Guide's partial-data example ("How partial data is handled"): a Metrics Insights alarm in ALARM since
// 11:26:05.401, evaluated on partial data since 11:41:05.118 (that update's time is its StateUpdatedTimestamp).
const NAME = 'my-alarm-name';
const ARN = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${NAME}`;
const ALARM_TIME = '2022-11-08T11:26:05.401+0000';
const PARTIAL_DATA_TIME = '2022-11-08T11:41:05.118+0000';

const described: MetricAlarm = {
  AlarmName: NAME,
  AlarmArn: ARN,
  StateValue: 'ALARM',
  StateReason: 'Threshold Crossed: 3 out of the last 3 datapoints [20000.0 (08/11/22 11:40:00), 20000.0 (08/11/22 11:39:00), 20000.0 (08/11/22 11:38:00)] were greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
  StateUpdatedTimestamp: new Date('2022-11-08T11:41:05.118Z'),
  StateTransitionedTimestamp: new Date('2022-11-08T11:26:05.401Z'),
  EvaluationState: 'PARTIAL_DATA',
  Metrics: [{ Id: 'm2', Expression: 'SELECT SUM(PartialDataTestMetric) FROM partial_data_test', ReturnData: true, Period: 60 }],
  EvaluationPeriods: 3,
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
};

/** The event as the example shows it (state.evaluationState), stamped `timestamp`. */
function alarmEvent(timestamp: string) {
  return parseAlarmEvent({
    version: '0',
    id: '12345678-3bf9-6a09-dc46-12345EXAMPLE',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: timestamp.slice(0, 19) + 'Z',
    region: 'us-east-1',
    resources: [ARN],
    detail: {
      alarmName: NAME,
      state: { value: 'ALARM', reason: described.StateReason, timestamp, evaluationState: 'PARTIAL_DATA' },
      configuration: { metrics: [{ id: 'm2', expression: 'SELECT SUM(PartialDataTestMetric) FROM partial_data_test', returnData: true, period: 60 }] },
    },
  });
}

const known: WorkloadAccount = { kind: 'known', account: ACCOUNT, source: 'RUNBOOK_ACCOUNT_ID' };
const trust: TrustFacts = { environment: 'production', region: 'us-east-1', regions: ['us-east-1', 'us-west-2'], watchedAlarms: new Set([NAME]), workloadAccount: known };

function harness(alarm: MetricAlarm, incident?: Incident) {
  const calls: string[] = [];
  let stored = incident;
  const infos: string[] = [];
  const record =
    (name: string, answer: (...args: unknown[]) => unknown = () => undefined) =>
    async (...args: unknown[]) => {
      calls.push(name);
      return answer(...args);
    };
  const answers: Record<string, (...args: unknown[]) => unknown> = {
    get: () => stored,
    promote: () => {
      if (stored) stored = { ...stored, status: 'OPEN' };
      return stored !== undefined;
    },
    listSends: () => [],
    create: (incident) => ({ created: true, incident: incident as Incident }),
    claimSend: () => ({ claimed: false, reason: 'not-open' }),
  };
  const services = {
    store: new Proxy({}, { get: (_t, method: string) => record(`store.${method}`, answers[method]) }),
    notifier: { notify: record('notifier.notify'), resolve: record('notifier.resolve') },
    timers: { schedule: record('timers.schedule'), cancel: record('timers.cancel') },
    // The real reader over a DescribeAlarms answer, through the escalation's account lookup.
    alarms: new AccountAlarmReader(() => new AlarmStateReader({ send: async () => ({ $metadata: {}, MetricAlarms: [alarm], CompositeAlarms: [] }) })),
    records: { claimsOf: record('records.claimsOf', () => []), auditsOf: record('records.auditsOf', () => []) },
  } as unknown as EscalationServices;
  const service = new EscalationService({
    services,
    policy: policy(),
    rows: runtime().config.troubleshooting,
    environment: 'production',
    region: 'us-east-1',
    trust,
    clock: { now: () => new Date('2022-11-08T11:41:10.000Z'), sleep: async () => undefined },
    log: { info: (message) => void infos.push(message), warn: () => undefined, error: () => undefined },
  });
  return { service, calls, infos };
}

describe('escalate with an ALARM event of an alarm whose EvaluationState moved after its state change', () => {
  it('opens the incident of the state change itself (the EvaluationState update is not a newer state change)', async () => {
    const { service, calls } = harness(described);
    const result = await handleAlarm(service, alarmEvent(ALARM_TIME));
    expect(result).toMatchObject({ action: 'opened' });
    expect(calls).toContain('store.create');
  });

  it('opens nothing for the event stamped with the EvaluationState update: its own incident key, the same ALARM', async () => {
    const { service, calls, infos } = harness(described);
    const result = await handleAlarm(service, alarmEvent(PARTIAL_DATA_TIME));
    expect(result).toMatchObject({
      action: 'ignored',
      reason: expect.stringMatching(/^alarm "my-alarm-name": not a state change: the alarm has been ALARM since 2022-11-08T11:26:05.401Z \(StateTransitionedTimestamp\)/),
      delivered: [],
    });
    expect(calls).not.toContain('store.create');
    expect(calls).not.toContain('notifier.notify');
    expect(infos).toEqual(['incident not opened: not a state change']);
  });

  it('opens it when only StateUpdatedTimestamp is answered: a later update within the state cannot be told then (as before)', async () => {
    const { StateTransitionedTimestamp: _dropped, ...untransitioned } = described;
    const { service, calls } = harness(untransitioned);
    expect(await handleAlarm(service, alarmEvent(PARTIAL_DATA_TIME))).toMatchObject({ action: 'opened' });
    expect(calls).toContain('store.create');
  });
});

describe('escalation-timer checking a watch on an alarm whose EvaluationState moved after its state change', () => {
  // scale-style automatic response made for the 11:26:05.401 ALARM; the check timer finds the same ALARM, on partial data.
  const watching = capReachedIncident({
    incidentKey: `${ARN}#${ALARM_TIME}`,
    alarmArn: ARN,
    alarmName: NAME,
    alarmTime: ALARM_TIME,
    status: 'WATCHING',
    cause: 'watching',
  });

  it('opens the incident (still firing) instead of resolving it as superseded by a newer ALARM state change', async () => {
    const { service, calls } = harness(described, watching);
    const result = await handleTimer(service, { action: 'check', incidentId: watching.incidentId, alarm: { name: NAME, account: ACCOUNT } });
    expect(result).toMatchObject({ action: 'opened', reason: expect.stringContaining(`alarm "${NAME}" is still in ALARM`) });
    expect(calls).toContain('store.promote');
    expect(calls).not.toContain('store.resolve');
  });
});
