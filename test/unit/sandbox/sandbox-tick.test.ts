// `runbook sandbox`'s loop: one resource's failure (the watched queue deleted, an AWS error for one alarm) neither stops the
// other duties of the tick nor the other alarms, and is reported once, not on every tick (review 10a, finding 7's side note).
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type DescribeAlarmsCommandInput,
  type MetricAlarm,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient, type GetQueueAttributesCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createAlarmEvaluator } from '../../../sandbox/alarm-evaluator';
import { createErrorOnceLog, runSandboxTick } from '../../../sandbox/sandbox-tick';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const queueUrl = (name: string): string => `http://localhost:5000/${ACCOUNT}/${name}`;
const topology = {
  accountId: ACCOUNT,
  queue: { name: 'notifications', url: queueUrl('notifications'), arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:notifications` },
  deadLetterQueue: { name: 'notifications-dlq', url: queueUrl('notifications-dlq'), arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:notifications-dlq` },
};
const clientConfig = { endpoint: 'http://localhost:5000', region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

function queueAlarm(name: string, queueName: string, stateValue: StateValue, treatMissingData = 'missing'): MetricAlarm {
  return {
    AlarmName: name,
    AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: queueName }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: queueName === 'notifications' ? 1000 : 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: treatMissingData,
    StateValue: stateValue,
    StateReason: 'earlier',
    StateUpdatedTimestamp: new Date('2026-12-06T07:00:00Z'),
  };
}

function queueError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('the sandbox loop with one resource failing', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  const sqs = mockClient(SQSClient);
  const eventBridge = mockClient(EventBridgeClient);
  const depthAlarm = queueAlarm('queue-depth', 'notifications', 'ALARM');
  const dlqAlarm = queueAlarm('dlq-not-empty', 'notifications-dlq', 'OK', 'notBreaching');

  beforeEach(() => {
    cloudWatch.reset();
    sqs.reset();
    eventBridge.reset();
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => {
      const all = [depthAlarm, dlqAlarm];
      if (!input.AlarmNames) return { MetricAlarms: all };
      return { MetricAlarms: all.filter((a) => input.AlarmNames?.includes(a.AlarmName ?? '')).map((a) => ({ ...a, StateUpdatedTimestamp: new Date('2026-12-06T08:00:00Z') })) };
    });
    cloudWatch.on(PutMetricDataCommand).resolves({});
    cloudWatch.on(SetAlarmStateCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  });

  it('takes the alarm of a deleted queue to INSUFFICIENT_DATA (treatMissingData missing) and still evaluates the other alarm', async () => {
    sqs.on(GetQueueAttributesCommand).callsFake((input: GetQueueAttributesCommandInput) => {
      if (input.QueueUrl === topology.queue.url) throw queueError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { Attributes: { ApproximateNumberOfMessages: '3' } };
    });
    const lines: string[] = [];
    const evaluator = createAlarmEvaluator({ clientConfig, topology, errors: createErrorOnceLog((line) => lines.push(line)) });

    const transitions = await evaluator.evaluateOnce();

    expect(transitions.map(({ alarmName, from, to, value }) => ({ alarmName, from, to, value }))).toEqual([
      { alarmName: 'queue-depth', from: 'ALARM', to: 'INSUFFICIENT_DATA', value: null },
      { alarmName: 'dlq-not-empty', from: 'OK', to: 'ALARM', value: 3 },
    ]);
    expect(cloudWatch.commandCalls(SetAlarmStateCommand).map((c) => [c.args[0].input.AlarmName, c.args[0].input.StateValue, c.args[0].input.StateReason])).toEqual([
      ['queue-depth', 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.'],
      ['dlq-not-empty', 'ALARM', expect.stringContaining('Threshold Crossed') as unknown],
    ]);
    // The deleted queue publishes no datapoint; the other queue does.
    expect(cloudWatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.[0]?.Dimensions?.[0]?.Value)).toEqual(['notifications-dlq']);
    // A missing queue is missing data, not an error.
    expect(lines).toEqual([]);
  });

  // Decision 263: the evaluation range (N + 2 periods) still holds the queue's last datapoint for two more evaluations, and
  // CloudWatch judges the most recent real datapoint of the range; the alarm stays ALARM until the range is all missing.
  it('keeps the alarm of a queue deleted after a datapoint in its state while its evaluation range holds that datapoint', async () => {
    let deleted = false;
    sqs.on(GetQueueAttributesCommand).callsFake((input: GetQueueAttributesCommandInput) => {
      if (input.QueueUrl === topology.queue.url && deleted) throw queueError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { Attributes: { ApproximateNumberOfMessages: input.QueueUrl === topology.queue.url ? '1500' : '0' } };
    });
    const evaluator = createAlarmEvaluator({ clientConfig, topology });
    const depthMoves = async (): Promise<string[]> => (await evaluator.evaluateOnce()).filter((t) => t.alarmName === 'queue-depth').map((t) => `${t.from} -> ${t.to}`);
    expect(await depthMoves()).toEqual([]);
    deleted = true;
    expect(await depthMoves()).toEqual([]);
    expect(await depthMoves()).toEqual([]);
    expect(await depthMoves()).toEqual(['ALARM -> INSUFFICIENT_DATA']);
  });

  it('reports an AWS error for one queue once over several ticks, and evaluates the other alarm every tick', async () => {
    sqs.on(GetQueueAttributesCommand).callsFake((input: GetQueueAttributesCommandInput) => {
      if (input.QueueUrl === topology.queue.url) throw queueError('ThrottlingException', 'Rate exceeded');
      return { Attributes: { ApproximateNumberOfMessages: '3' } };
    });
    const lines: string[] = [];
    const evaluator = createAlarmEvaluator({ clientConfig, topology, errors: createErrorOnceLog((line) => lines.push(line)) });

    for (let tick = 0; tick < 3; tick += 1) expect((await evaluator.evaluateOnce()).map((t) => t.alarmName)).toEqual(['dlq-not-empty']);

    expect(lines).toEqual(['sandbox loop: alarm "queue-depth": Rate exceeded (reported once; the other duties go on)']);
    expect(cloudWatch.commandCalls(SetAlarmStateCommand).map((c) => c.args[0].input.AlarmName)).toEqual(['dlq-not-empty', 'dlq-not-empty', 'dlq-not-empty']);
  });

  it('runs routing, escalation and the due timers on every tick while the alarm duty fails, and reports the failure once', async () => {
    const lines: string[] = [];
    const errors = createErrorOnceLog((line) => lines.push(line));
    const ran: string[] = [];
    const duties = [
      {
        name: 'alarm evaluation',
        run: (): Promise<void> => Promise.reject(queueError('QueueDoesNotExist', 'The specified queue does not exist.')),
      },
      ...['alarm routing', 'decision routing', 'escalation timers'].map((name) => ({
        name,
        run: (): Promise<void> => {
          ran.push(name);
          return Promise.resolve();
        },
      })),
    ];

    await runSandboxTick(duties, errors);
    await runSandboxTick(duties, errors);

    expect(ran).toEqual(['alarm routing', 'decision routing', 'escalation timers', 'alarm routing', 'decision routing', 'escalation timers']);
    expect(lines).toEqual(['sandbox loop: alarm evaluation: The specified queue does not exist. (reported once; the other duties go on)']);

    // A different error for the same duty is reported; so is the same error again once the duty has worked in between.
    await runSandboxTick([{ name: 'alarm evaluation', run: () => Promise.reject(new Error('Rate exceeded')) }], errors);
    await runSandboxTick([{ name: 'alarm evaluation', run: () => Promise.resolve() }], errors);
    await runSandboxTick([{ name: 'alarm evaluation', run: () => Promise.reject(new Error('Rate exceeded')) }], errors);
    expect(lines.slice(1)).toEqual([
      'sandbox loop: alarm evaluation: Rate exceeded (reported once; the other duties go on)',
      'sandbox loop: alarm evaluation: working again',
      'sandbox loop: alarm evaluation: Rate exceeded (reported once; the other duties go on)',
    ]);
  });
});
