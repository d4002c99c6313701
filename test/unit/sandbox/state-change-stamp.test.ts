// The sandbox's alarm evaluators stamp the state change event as CloudWatch does (decision 171): `state.timestamp` and
// `previousState.timestamp` are the instants the values changed, StateTransitionedTimestamp where DescribeAlarms answers
// it, not StateUpdatedTimestamp, which an EvaluationState-only update moves later (decision 154).
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type DescribeAlarmsCommandInput,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createAlarmEvaluator } from '../../../sandbox/alarm-evaluator';
import { evaluateMetricAlarm } from '../../../sandbox/metric-alarm-evaluator';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const clientConfig = { endpoint: 'http://localhost:5000', region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const queueUrl = (name: string): string => `http://localhost:5000/${ACCOUNT}/${name}`;
const topology = {
  accountId: ACCOUNT,
  queue: { name: 'notifications', url: queueUrl('notifications'), arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:notifications` },
  deadLetterQueue: { name: 'notifications-dlq', url: queueUrl('notifications-dlq'), arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:notifications-dlq` },
};

// OK since 07:00:00.125 (its transition); a PARTIAL_DATA update at 07:30 moved StateUpdatedTimestamp only. The ALARM the
// evaluator sets is answered at 08:00:00.250, both instants equal, as right after a change of value.
const OK_SINCE = new Date('2026-12-06T07:00:00.125Z');
const PARTIAL_DATA_AT = new Date('2026-12-06T07:30:00.500Z');
const ALARM_AT = new Date('2026-12-06T08:00:00.250Z');

const depthAlarm: MetricAlarm = {
  AlarmName: 'queue-depth',
  AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:queue-depth`,
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: 'notifications' }],
  Statistic: 'Maximum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1000,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'missing',
  StateValue: 'OK',
  StateReason: 'earlier',
  StateTransitionedTimestamp: OK_SINCE,
  StateUpdatedTimestamp: PARTIAL_DATA_AT,
};
const afterAlarm: MetricAlarm = { ...depthAlarm, StateValue: 'ALARM', StateTransitionedTimestamp: ALARM_AT, StateUpdatedTimestamp: ALARM_AT };

interface PutDetail {
  state: { timestamp: string };
  previousState: { timestamp: string };
}

describe('the sandbox stamps a state change as CloudWatch does', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  const sqs = mockClient(SQSClient);
  const eventBridge = mockClient(EventBridgeClient);

  beforeEach(() => {
    cloudWatch.reset();
    sqs.reset();
    eventBridge.reset();
    // Before SetAlarmState the alarm is OK; after it, ALARM.
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => {
      const set = cloudWatch.commandCalls(SetAlarmStateCommand).length > 0;
      const alarm = set ? afterAlarm : depthAlarm;
      return { MetricAlarms: !input.AlarmNames || input.AlarmNames.includes('queue-depth') ? [alarm] : [] };
    });
    cloudWatch.on(PutMetricDataCommand).resolves({});
    cloudWatch.on(SetAlarmStateCommand).resolves({});
    cloudWatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Maximum: 1500 }] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1500' } });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  });

  function putEvent(): { detail: PutDetail; time: Date | undefined } {
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    if (!entry) throw new Error('no event was put');
    return { detail: JSON.parse(entry.Detail ?? '{}') as PutDetail, time: entry.Time };
  }

  it.each([
    ['the queue evaluator of runbook sandbox', () => createAlarmEvaluator({ clientConfig, topology }).evaluateOnce()],
    ['the single-metric evaluator', () => evaluateMetricAlarm({ clientConfig, topology, alarmName: 'queue-depth', now: ALARM_AT })],
  ])('%s: state.timestamp is the ALARM, previousState.timestamp the OK transition, not the later PARTIAL_DATA update', async (_evaluator, evaluate) => {
    await evaluate();

    const { detail, time } = putEvent();
    expect(detail.state.timestamp).toBe('2026-12-06T08:00:00.250+0000');
    expect(detail.previousState.timestamp).toBe('2026-12-06T07:00:00.125+0000');
    expect(time).toEqual(ALARM_AT);
  });
});
