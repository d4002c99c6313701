// An alarm event is a claim (review 11b F2, decision 184): whoever may invoke a handler can relabel a genuine event's
// region or alarm. Through the real entry points against the emulator: each relabelled copy is rejected before any AWS
// call, the resource is as it was, nothing is published; the genuine event is still acted on once.
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { loadHandler } from '../../support/load-handler';
import { callsDuring } from '../support/proxy-calls';
import { provisionAccount, putLambdaMetrics, putQueueDepth, queueAlarmName, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';

type Event = Record<string, unknown>;

/** The genuine event as if CloudWatch of `region` had sent it: its region and every ARN's region replaced. */
function relabelled(event: Event, region: string): Event {
  const moved = JSON.parse(JSON.stringify(event).split(':us-east-1:').join(`:${region}:`)) as Event;
  moved.region = region;
  return moved;
}

/** The genuine event naming another alarm (name and ARN), as a caller may write it. */
function renamed(event: Event, alarmName: string): Event {
  const copy = structuredClone(event) as Event & { detail: { alarmName: string }; resources: string[] };
  copy.resources = copy.resources.map((arn) => arn.replace(`:alarm:${copy.detail.alarmName}`, `:alarm:${alarmName}`));
  copy.detail.alarmName = alarmName;
  return copy;
}

function alarmOf(account: SandboxAccount, handler: string): string {
  const name = account.topology.alarmNamesByHandler[handler]?.[0];
  if (!name) throw new Error(`the topology has no ${handler} alarm`);
  return name;
}

async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize;
}

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

/** The decisions published on the project's bus (its rule delivers them to the decision route's queue), consumed. */
async function publishedDecisions(account: SandboxAccount): Promise<Array<{ outcome?: string; region?: string; alarmArn?: string }>> {
  const decisions: Array<{ outcome?: string; region?: string; alarmArn?: string }> = [];
  for (;;) {
    const got = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!got.Messages?.length) return decisions;
    for (const message of got.Messages) {
      decisions.push((JSON.parse(message.Body ?? '{}') as { detail: { outcome?: string; region?: string; alarmArn?: string } }).detail);
      await account.sqs.send(new DeleteMessageCommand({ QueueUrl: account.topology.decisionRoute.url, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

describe('raise-lambda-memory given one genuine OOM state change relabelled with other regions (production)', () => {
  it('rejects every relabelled copy before any AWS call and raises memory once, for the genuine event only', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler<AlarmHandler>('raise-lambda-memory');
    await writeOutOfMemoryLines(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(alarmOf(account, 'raise-lambda-memory'), 'ALARM');

    // Before the genuine delivery and after it: the copies never become incidents of their own.
    for (const when of ['before', 'after']) {
      for (const region of ['us-west-2', 'eu-west-1', 'ap-south-1']) {
        const { result: decision, calls } = await callsDuring([account.accountId], () => handler(relabelled(event, region)));
        expect({ when, region, outcome: decision.outcome, calls }).toEqual({ when, region, outcome: 'rejected', calls: [] });
        expect(decision.reason).toMatch(region === 'us-west-2' ? /reached raise-lambda-memory of us-east-1/ : /is not a region of the production environment/);
      }
      expect(await memoryMb(account)).toBe(when === 'before' ? 512 : 768);
      if (when === 'before') expect(await handler(event)).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 } });
    }
    // One decision reached the escalation: the genuine one, of us-east-1.
    expect((await publishedDecisions(account)).map((d) => [d.outcome, d.region, d.alarmArn?.split(':')[3]])).toEqual([['applied', 'us-east-1', 'us-east-1']]);
  });

  it("rejects the queue-depth alarm's event given the OOM metric (the reviewer's forged metric): memory stays 512", async () => {
    const account = await provisionAccount('production');
    const fn = account.topology.consumer.functionName;
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = (await account.transition(queueAlarmName(account.topology), 'ALARM')) as Event & { detail: { configuration: unknown } };
    event.detail.configuration = {
      metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'NotificationService', name: 'OutOfMemoryErrors', dimensions: { FunctionName: fn } }, period: 60, stat: 'Sum' }, returnData: true }],
    };
    const { result: decision, calls } = await callsDuring([account.accountId], () => loadHandler<AlarmHandler>('raise-lambda-memory')(event));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('is not one the production environment watches with raise-lambda-memory in us-east-1') });
    expect(calls).toEqual([]);
    expect(await memoryMb(account)).toBe(512);
    expect(await publishedDecisions(account)).toEqual([]);
  });
});

describe("a watched alarm's genuine ALARM given another metric than the alarm's own (decision 194)", () => {
  type Metric = { namespace: string; name: string; dimensions?: Record<string, string> };
  /** The genuine event with its one metric replaced, as a caller may write it. */
  function withMetric(event: Event, metric: Metric): Event {
    const forged = structuredClone(event) as Event & { detail: { configuration: { metrics: Array<{ metricStat: { metric: Metric } }> } } };
    const [series] = forged.detail.configuration.metrics;
    if (!series) throw new Error('the genuine event has no metric');
    series.metricStat.metric = metric;
    return forged;
  }

  it("raise-lambda-memory: the OOM alarm's event naming the reviewer's metric (with a FunctionName) or AWS/Lambda Errors is rejected after the one DescribeAlarms, memory 512; the genuine event then raises it once", async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler<AlarmHandler>('raise-lambda-memory');
    const fn = account.topology.consumer.functionName;
    await writeOutOfMemoryLines(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(alarmOf(account, 'raise-lambda-memory'), 'ALARM');
    const forgeries: Array<[Metric, string]> = [
      [{ namespace: 'NotificationService', name: 'OutOfMemoryErrors', dimensions: { FunctionName: fn } }, `metrics[0].dimensions: the event says {"FunctionName":"${fn}"}, the alarm {}`],
      [{ namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: fn } }, 'metrics[0].namespace: the event says "AWS/Lambda", the alarm "NotificationService"'],
    ];
    for (const [metric, first] of forgeries) {
      const { result: decision, calls } = await callsDuring([account.accountId], () => handler(withMetric(event, metric)));
      expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^the event's metrics are not what alarm ".+" watches \(CloudWatch DescribeAlarms\)/) });
      expect(decision.findings?.[0]).toBe(first);
      // The re-read and nothing else: no claim taken, nothing observed or changed.
      expect(calls).toEqual(['monitoring:DescribeAlarms']);
    }
    expect(await memoryMb(account)).toBe(512);
    expect(await publishedDecisions(account)).toEqual([]);
    expect(await handler(event)).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 } });
    expect(await memoryMb(account)).toBe(768);
  });

  it("scale-consumers: the queue alarm's event naming the queue's age metric (the one queue this environment owns) is rejected after the one DescribeAlarms, MaximumConcurrency 50, nothing published", async () => {
    const account = await provisionAccount('production');
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const queue = account.topology.queue.name;
    const forged = withMetric(event, { namespace: 'AWS/SQS', name: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: queue } });
    const { result: decision, calls } = await callsDuring([account.accountId], () => loadHandler<AlarmHandler>('scale-consumers')(forged));
    expect(decision).toMatchObject({ outcome: 'rejected', findings: ['metrics[0].metricName: the event says "ApproximateAgeOfOldestMessage", the alarm "ApproximateNumberOfMessagesVisible"'] });
    expect(calls).toEqual(['monitoring:DescribeAlarms']);
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await publishedDecisions(account)).toEqual([]);
  });
});

describe('scale-consumers given a us-west-2 copy of the queue ALARM (production, us-east-1)', () => {
  it('rejects it before any AWS call: no escalation for a region it does not watch, MaximumConcurrency unchanged', async () => {
    const account = await provisionAccount('production');
    await putLambdaMetrics(account, { Invocations: 500, Errors: 2, Throttles: 0 });
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const { result: decision, calls } = await callsDuring([account.accountId], () => loadHandler<AlarmHandler>('scale-consumers')(relabelled(event, 'us-west-2')));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('alarm in us-west-2 reached scale-consumers of us-east-1') });
    expect(calls).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await publishedDecisions(account)).toEqual([]);
  });
});

describe('every alarm handler of the primary region refuses a relabelled copy of its own alarm (production)', () => {
  // The six handlers whose alarms are in us-east-1 (watch-standby's are the DR region's: test/unit/pipeline/alarm-binding.test.ts).
  it.each(['scale-consumers', 'raise-lambda-memory', 'inspect-security-groups', 'check-db-connections', 'scale-up-database', 'alert-error-rate'])(
    '%s: its alarm relabelled us-west-2, then renamed as another handler\'s alarm, is rejected with no AWS call',
    async (name) => {
      const account = await provisionAccount('production');
      const handler = loadHandler<AlarmHandler>(name);
      const event = await account.transition(alarmOf(account, name), 'ALARM');
      const other = alarmOf(account, name === 'scale-consumers' ? 'raise-lambda-memory' : 'scale-consumers');
      for (const forged of [relabelled(event, 'us-west-2'), renamed(event, other)]) {
        const { result: decision, calls } = await callsDuring([account.accountId], () => handler(forged));
        expect({ outcome: decision.outcome, calls }).toEqual({ outcome: 'rejected', calls: [] });
      }
      expect(await publishedDecisions(account)).toEqual([]);
    },
  );
});
