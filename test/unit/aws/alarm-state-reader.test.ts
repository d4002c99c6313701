// The one DescribeAlarms reader against answers shaped as CloudWatch gives them, with and without the optional
// StateUpdatedTimestamp (API reference, MetricAlarm / CompositeAlarm: Required: No), and the pure judgements on it.
import type { DescribeAlarmsCommandOutput, MetricAlarm, CompositeAlarm } from '@aws-sdk/client-cloudwatch';
import { AlarmStateReader, staleReason, unjudgedReason } from '../../../shared/aws/alarm-state-reader';

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
  ] as Array<[string, Partial<DescribeAlarmsCommandOutput>, string]>)('reads when %s entered its state', async (_case, answer, when) => {
    const current = await readerAnswering(answer).current('any');
    expect(current?.value).toBe('ALARM');
    expect(current?.updatedAt?.toISOString()).toBe(when);
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
