// The one DescribeAlarms reader against answers shaped as CloudWatch gives them, with and without the optional
// StateTransitionedTimestamp and StateUpdatedTimestamp (API reference, MetricAlarm / CompositeAlarm: Required: No), and
// the pure judgements on it.
import type { DescribeAlarmsCommandOutput, MetricAlarm, CompositeAlarm } from '@aws-sdk/client-cloudwatch';
import { AlarmStateReader, staleReason, unjudgedReason, withinStateReason } from '../../../shared/aws/alarm-state-reader';

const EVENT_TIME = '2019-10-02T17:04:40.989+0000';

/** The single-metric fixture's alarm as DescribeAlarms answers it (API reference's MetricAlarm members, the CLI example's values). */
const metricAlarm: MetricAlarm = {
  AlarmName: 'ServerCpuTooHigh',
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
  AlarmDescription: 'Goes into alarm when server CPU utilization is too high!',
  AlarmConfigurationUpdatedTimestamp: new Date('2019-10-01T13:40:00.000Z'),
  ActionsEnabled: true,
  OKActions: [],
  AlarmActions: [],
  InsufficientDataActions: [],
  StateValue: 'ALARM',
  StateReason:
    'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
  StateReasonData:
    '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}',
  StateUpdatedTimestamp: new Date('2019-10-02T17:04:40.989Z'),
  MetricName: 'CPUUtilization',
  Namespace: 'AWS/EC2',
  Statistic: 'Average',
  Dimensions: [{ Name: 'InstanceId', Value: 'i-12345678901234567' }],
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 50,
  ComparisonOperator: 'GreaterThanThreshold',
  StateTransitionedTimestamp: new Date('2019-10-02T17:04:40.989Z'),
};

/** The composite fixture's alarm as DescribeAlarms answers it (API reference's CompositeAlarm members). */
const compositeAlarm: CompositeAlarm = {
  ActionsEnabled: true,
  AlarmActions: [],
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm',
  AlarmConfigurationUpdatedTimestamp: new Date('2022-07-14T16:28:50.000Z'),
  AlarmName: 'ServiceAggregatedAlarm',
  AlarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)',
  InsufficientDataActions: [],
  OKActions: [],
  StateReason: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC',
  StateValue: 'ALARM',
  StateUpdatedTimestamp: new Date('2022-07-22T15:57:45.394Z'),
  StateTransitionedTimestamp: new Date('2022-07-22T15:57:45.394Z'),
};

/**
 * A Metrics Insights alarm (User Guide, "How partial data is handled": the example's query, threshold and ALARM time)
 * as DescribeAlarms answers it a quarter of an hour later: still in the ALARM it entered at 11:26:05.401, but since
 * 11:41:05.118 evaluated on partial data. StateUpdatedTimestamp is "the last update to the value of either the
 * StateValue or EvaluationState parameters", StateTransitionedTimestamp "the date and time that the alarm's StateValue
 * most recently changed" (API reference, MetricAlarm).
 */
const PARTIAL_ALARM_TIME = '2022-11-08T11:26:05.401+0000';
const PARTIAL_DATA_TIME = '2022-11-08T11:41:05.118+0000';
const partialDataAlarm: MetricAlarm = {
  AlarmName: 'my-alarm-name',
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:my-alarm-name',
  AlarmConfigurationUpdatedTimestamp: new Date('2022-11-08T11:25:51.227Z'),
  ActionsEnabled: true,
  OKActions: [],
  AlarmActions: [],
  InsufficientDataActions: [],
  StateValue: 'ALARM',
  StateReason:
    'Threshold Crossed: 3 out of the last 3 datapoints [20000.0 (08/11/22 11:40:00), 20000.0 (08/11/22 11:39:00), 20000.0 (08/11/22 11:38:00)] were greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
  StateUpdatedTimestamp: new Date('2022-11-08T11:41:05.118Z'),
  StateTransitionedTimestamp: new Date('2022-11-08T11:26:05.401Z'),
  EvaluationState: 'PARTIAL_DATA',
  Metrics: [{ Id: 'm2', Expression: 'SELECT SUM(PartialDataTestMetric) FROM partial_data_test', ReturnData: true, Period: 60 }],
  EvaluationPeriods: 3,
  DatapointsToAlarm: 1,
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'missing',
};

function without<T extends object>(alarm: T, ...fields: Array<keyof T>): T {
  const copy = { ...alarm };
  for (const field of fields) delete copy[field];
  return copy;
}

function readerAnswering(answer: Partial<DescribeAlarmsCommandOutput>): AlarmStateReader {
  return new AlarmStateReader({ send: async () => ({ $metadata: {}, MetricAlarms: [], CompositeAlarms: [], ...answer }) });
}

describe('AlarmStateReader', () => {
  it.each([
    ['a metric alarm', { MetricAlarms: [metricAlarm] }, '2019-10-02T17:04:40.989Z'],
    ['a composite alarm', { CompositeAlarms: [compositeAlarm] }, '2022-07-22T15:57:45.394Z'],
    ['a metric alarm with only StateTransitionedTimestamp', { MetricAlarms: [without(metricAlarm, 'StateUpdatedTimestamp')] }, '2019-10-02T17:04:40.989Z'],
    ['a Metrics Insights alarm whose EvaluationState moved since (PARTIAL_DATA)', { MetricAlarms: [partialDataAlarm] }, '2022-11-08T11:26:05.401Z'],
  ] as Array<[string, Partial<DescribeAlarmsCommandOutput>, string]>)('reads when %s entered its state (StateTransitionedTimestamp)', async (_case, answer, when) => {
    const current = await readerAnswering(answer).current('any');
    expect(current?.value).toBe('ALARM');
    expect(current?.updatedAt?.toISOString()).toBe(when);
    expect(current?.updatedAtFrom).toBe('StateTransitionedTimestamp');
  });

  it('falls back on StateUpdatedTimestamp when StateTransitionedTimestamp is not answered (as moto 5.2.1 answers)', async () => {
    const current = await readerAnswering({ MetricAlarms: [without(partialDataAlarm, 'StateTransitionedTimestamp')] }).current('any');
    expect(current?.updatedAt?.toISOString()).toBe('2022-11-08T11:41:05.118Z');
    expect(current?.updatedAtFrom).toBe('StateUpdatedTimestamp');
  });

  it.each([
    ['a metric alarm', { MetricAlarms: [without(metricAlarm, 'StateUpdatedTimestamp', 'StateTransitionedTimestamp')] }],
    ['a composite alarm', { CompositeAlarms: [without(compositeAlarm, 'StateUpdatedTimestamp', 'StateTransitionedTimestamp')] }],
  ] as Array<[string, Partial<DescribeAlarmsCommandOutput>]>)('leaves the time unknown, not 1970, when %s comes without StateUpdatedTimestamp', async (_case, answer) => {
    const current = await readerAnswering(answer).current('any');
    expect(current).toBeDefined();
    expect(current?.value).toBe('ALARM');
    expect(current?.updatedAt).toBeUndefined();
    expect(current?.reason).toMatch(/ALARM/);
  });
});

describe('staleReason and unjudgedReason', () => {
  const event = { value: 'ALARM' as const, timestamp: EVENT_TIME };
  it.each([
    ['the same state change', { value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z') }, undefined, undefined],
    ['a newer ALARM state change', { value: 'ALARM', updatedAt: new Date('2019-10-02T17:30:00.000Z') }, /supersedes/, undefined],
    ['back to OK (no time needed to tell)', { value: 'OK' }, /now OK/, undefined],
    ['in ALARM, when not answered', { value: 'ALARM' }, undefined, /no StateUpdatedTimestamp.*cannot be told/],
  ] as const)('%s', (_case, current, stale, unjudged) => {
    expect(staleReason(event, current)).toEqual(stale ? expect.stringMatching(stale) : undefined);
    expect(unjudgedReason('ServerCpuTooHigh', event, current)).toEqual(unjudged ? expect.stringMatching(unjudged) : undefined);
  });
});

describe('an alarm whose EvaluationState moved after its state change (decision 154)', () => {
  const read = async (alarm: MetricAlarm) => readerAnswering({ MetricAlarms: [alarm] }).current('my-alarm-name');

  it('does not take the EvaluationState update for a newer state change: the event of the ALARM is current', async () => {
    const current = await read(partialDataAlarm);
    expect(staleReason({ value: 'ALARM', timestamp: PARTIAL_ALARM_TIME }, current)).toBeUndefined();
    expect(unjudgedReason('my-alarm-name', { value: 'ALARM', timestamp: PARTIAL_ALARM_TIME }, current)).toBeUndefined();
  });

  it('skips an event a real newer ALARM state change superseded', async () => {
    const newer = new Date('2022-11-08T12:05:00.000Z');
    const current = await read({ ...partialDataAlarm, StateTransitionedTimestamp: newer, StateUpdatedTimestamp: newer });
    expect(staleReason({ value: 'ALARM', timestamp: PARTIAL_ALARM_TIME }, current)).toMatch(/newer ALARM state change \(2022-11-08T12:05:00.000Z\) supersedes/);
  });

  it('takes an ALARM event stamped with the EvaluationState update for no state change (its own incident key, the same ALARM)', async () => {
    const current = await read(partialDataAlarm);
    const reason = staleReason({ value: 'ALARM', timestamp: PARTIAL_DATA_TIME }, current);
    expect(reason).toMatch(/^not a state change: the alarm has been ALARM since 2022-11-08T11:26:05.401Z \(StateTransitionedTimestamp\)/);
    expect(withinStateReason({ value: 'ALARM', timestamp: PARTIAL_DATA_TIME }, current)).toBe(reason);
  });

  it.each([
    ['within the slack CloudWatch and its events round by', '2022-11-08T11:26:06.000+0000', true],
    ['of another value (told by staleReason)', PARTIAL_DATA_TIME, false],
  ] as const)('does not call an event %s a later update', async (_case, timestamp, sameValue) => {
    const current = await read(partialDataAlarm);
    expect(withinStateReason({ value: sameValue ? 'ALARM' : 'OK', timestamp }, current)).toBeUndefined();
  });

  it('cannot tell it from StateUpdatedTimestamp alone, which moves with the EvaluationState: no judgement then', async () => {
    const current = await read(without(partialDataAlarm, 'StateTransitionedTimestamp'));
    expect(withinStateReason({ value: 'ALARM', timestamp: PARTIAL_DATA_TIME }, current)).toBeUndefined();
    expect(staleReason({ value: 'ALARM', timestamp: PARTIAL_DATA_TIME }, current)).toBeUndefined();
  });
});
