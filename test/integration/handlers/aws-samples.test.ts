// AWS-published event shapes (test/unit/events/aws-samples/) through scale-consumers' real entry point and the real SDK,
// against the emulator: a composite alarm and an INSUFFICIENT_DATA state change change nothing; a metric-math alarm over
// the queue, in the documented shape, is acted on as the queue-depth alarm is. Assertions on the emulator's state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAlarmsCommand, PutMetricAlarmCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { handledDuplicateReason } from '../../../shared/pipeline/types';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

type Event = Record<string, unknown> & { detail: Record<string, unknown> & { alarmName: string; state: { value: string; timestamp: string } } };

/** The sample's event (a fresh copy). */
function sampleEvent(name: string): Event {
  return (JSON.parse(readFileSync(join(__dirname, '../../unit/events/aws-samples', `${name}.json`), 'utf8')) as { event: Event }).event;
}

/** The sample as CloudWatch would send it from the test's account: account, region and ARN are the emulator's. */
function inAccount(event: Event, account: SandboxAccount, alarmName = event.detail.alarmName): Event {
  const region = account.clientConfig.region;
  return {
    ...event,
    account: account.accountId,
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account.accountId}:alarm:${alarmName}`],
    detail: { ...event.detail, alarmName },
  };
}

/** CloudWatch's own timestamp form, as the samples have it: 2019-10-02T17:04:40.989+0000. */
const cloudWatchTime = (date: Date): string => date.toISOString().replace('Z', '+0000');

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

/** Every call made in the test's account since call number `since`. */
async function callsSince(account: SandboxAccount, since: number): Promise<string[]> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since);
  return calls.filter((c) => c.accountId === account.accountId).map((c) => `${c.service}:${c.operation}`);
}

/** How many calls the gap proxy has recorded so far: the start of a window for changesSince. */
async function callIndex(): Promise<number> {
  return await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
}

/** Calls that change something, made in the test's account since call number `since` (as the gap proxy forwarded them). */
async function changesSince(account: SandboxAccount, since: number): Promise<string[]> {
  return (await callsSince(account, since)).filter((call) => /:(Update|Put|Create|Delete|Modify|Set)/.test(call) && !call.startsWith('dynamodb:') && !call.startsWith('events:PutEvents') && !call.startsWith('monitoring:PutMetricData'));
}

/** The alarm in the emulator as the metric-math sample describes it, over the test's queue, set to ALARM; as described after. */
async function putMetricMathAlarm(account: SandboxAccount, alarmName: string, sample: Event): Promise<MetricAlarm | undefined> {
  const queueName = account.topology.queue.name;
  const metrics = (sample.detail.configuration as { metrics: Array<{ id: string; expression?: string; label?: string; returnData: boolean; metricStat?: { metric: { name: string; namespace: string }; period: number; stat: string } }> }).metrics;
  await account.cloudWatch.send(
    new PutMetricAlarmCommand({
      AlarmName: alarmName,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      Threshold: 1000,
      Metrics: metrics.map((m) => ({
        Id: m.id,
        ReturnData: m.returnData,
        ...(m.expression ? { Expression: m.expression, Label: m.label } : {}),
        ...(m.metricStat
          ? { MetricStat: { Metric: { Namespace: m.metricStat.metric.namespace, MetricName: m.metricStat.metric.name, Dimensions: [{ Name: 'QueueName', Value: queueName }] }, Period: m.metricStat.period, Stat: m.metricStat.stat } }
          : {}),
      })),
    }),
  );
  await account.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: (sample.detail.state as unknown as { reason: string }).reason }));
  const described = (await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0];
  return described;
}

describe('scale-consumers on AWS-published event shapes (production)', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  /** The metric-math event the "scales the consumers one step" case had applied: the next case replays it. */
  let applied: Event | undefined;

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('scale-consumers');
  });

  it('rejects the documented composite alarm shape over our alarms and changes nothing', async () => {
    expect(await maximumConcurrency(account)).toBe(50);
    const since = await callIndex();
    // Under the queue alarm's name: an alarm of another name is not one routed to scale-consumers and is refused for
    // that first (decision 184), so the composite shape is sent as the alarm the handler watches.
    const alarmName = queueAlarmName(account.topology);
    const decision = await handler(inAccount(sampleEvent('adapted-composite-over-our-alarms'), account, alarmName));
    expect(decision).toMatchObject({
      outcome: 'rejected',
      reason: `alarm "${alarmName}" is a composite alarm without a metric: scale-consumers needs an AWS/SQS ApproximateNumberOfMessagesVisible alarm with a QueueName dimension`,
    });
    // Refused before any AWS call: not a read, not a write (the reads below come after this one).
    expect(await callsSince(account, since)).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('does not act on the queue alarm going to INSUFFICIENT_DATA (the captured delivery, adapted), and changes nothing', async () => {
    const since = await callIndex();
    const alarmName = queueAlarmName(account.topology);
    const event = inAccount(sampleEvent('adapted-insufficient-data-now'), account, alarmName);
    expect(event.detail.state.value).toBe('INSUFFICIENT_DATA');
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'skipped', reason: 'scale-consumers does not act on state INSUFFICIENT_DATA' });
    // Refused before any AWS call: not a read, not a write (the reads below come after this one).
    expect(await callsSince(account, since)).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(50);
  });

  // Not a published sample: the metric-math shape over the queue with MetricDataQuery's AccountId on m1 naming another
  // account (a cross-account alarm). Before decision 116 the playbook took it and acted on the queue in its own account.
  it('refuses a metric-math alarm whose queue metric is another account\'s, before any AWS call', async () => {
    const queueName = account.topology.queue.name;
    // The queue alarm redefined as the sample's metric math: scale-consumers takes only the alarms routed to it (decision 184).
    const alarmName = queueAlarmName(account.topology);
    // The alarm exists and fires, so only the refusal stands between this event and a change.
    const described = await putMetricMathAlarm(account, alarmName, sampleEvent('adapted-queue-depth-metric-math'));
    const event = inAccount(sampleEvent('adapted-queue-depth-metric-math'), account, alarmName);
    event.detail.state = { ...event.detail.state, timestamp: cloudWatchTime(described?.StateUpdatedTimestamp ?? new Date()) };
    const metrics = (event.detail.configuration as { metrics: Array<Record<string, unknown> & { metricStat?: { metric: { dimensions: Record<string, string> } } }> }).metrics;
    for (const m of metrics) if (m.metricStat) m.metricStat.metric.dimensions = { QueueName: queueName };
    (metrics[1] as Record<string, unknown>).accountId = '444455556666';
    expect(await maximumConcurrency(account)).toBe(50);
    const since = await callIndex();
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining("reads another account's metrics (m1: 444455556666)") });
    expect(await callsSince(account, since)).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('scales the consumers one step for a metric-math alarm over the queue, delivered in the documented shape', async () => {
    const queueName = account.topology.queue.name;
    // The queue alarm redefined as the sample's metric math: scale-consumers takes only the alarms routed to it (decision 184).
    const alarmName = queueAlarmName(account.topology);
    const sample = sampleEvent('adapted-queue-depth-metric-math');
    const described = await putMetricMathAlarm(account, alarmName, sample);
    expect(described?.Metrics?.map((m) => m.Id)).toEqual(['e1', 'm1', 'm2']);

    const event = inAccount(sample, account, alarmName);
    for (const m of (event.detail.configuration as { metrics: Array<{ metricStat?: { metric: { dimensions: Record<string, string> } } }> }).metrics) {
      if (m.metricStat) m.metricStat.metric.dimensions = { QueueName: queueName };
    }
    event.detail.state = { ...event.detail.state, timestamp: cloudWatchTime(described?.StateUpdatedTimestamp ?? new Date()) };

    // The backlog as SQS publishes it (decision 217): the configured alarm's metric bears the state out.
    await putQueueDepth(account);
    expect(await maximumConcurrency(account)).toBe(50);
    const since = await callIndex();
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'applied', playbook: 'scale-consumers', alarmName });
    expect(await maximumConcurrency(account)).toBe(100);
    // The same filter that saw nothing above sees this change (and the health check scheduled after it).
    expect(await changesSince(account, since)).toEqual(['lambda:UpdateEventSourceMapping', 'scheduler:CreateSchedule']);
    applied = event;
  });

  // Decision 274: EventBridge re-sends an archived event as it was, plus replay-name (test/unit/events/aws-samples/
  // adapted-replayed-from-archive.json). The alarm is still in the ALARM of that state change, so only the claim the
  // first delivery took stands between the replay and a second step up.
  it('takes a replay of that state change from an EventBridge archive as the same incident: skipped as handled, nothing changed', async () => {
    if (!applied) throw new Error('the case before this one applies the change this one replays');
    const replay = { ...structuredClone(applied), 'replay-name': 'replay_archive' };
    expect(await maximumConcurrency(account)).toBe(100);
    const since = await callIndex();
    const decision = await handler(replay);
    expect(decision).toMatchObject({ outcome: 'skipped', reason: handledDuplicateReason('applied'), alarmName: applied.detail.alarmName });
    expect(await changesSince(account, since)).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(100);
  });
});

// Decision 287: an alarm of ours set to ALARM with SetAlarmState (how the User Guide has an alarm tested), with the
// longest reason (1023 characters) and reason data (4000) CloudWatch accepts, in Japanese: 11,892 bytes of reasonData.
// The parser's 10 KiB string bound refused the genuine event before any call: no scale-up for a real backlog.
describe('scale-consumers on its own alarm set by SetAlarmState with the longest Japanese reason (production)', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('scale-consumers');
  });

  it('scales the consumers one step, the reason data kept whole by CloudWatch and taken by the handler', async () => {
    const alarmName = queueAlarmName(account.topology);
    const sample = sampleEvent('adapted-set-alarm-state-longest-unicode-reason');
    const state = sample.detail.state as unknown as { reason: string; reasonData: string };
    await account.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: state.reason, StateReasonData: state.reasonData }));
    const described = (await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0];
    expect([described?.StateValue, described?.StateReasonData?.length, described?.StateReason?.length]).toEqual(['ALARM', 4000, 1023]);

    // The event CloudWatch sends for it: the documented single-metric shape, the alarm's own metric, its state as set.
    const event = inAccount(sample, account, alarmName);
    event.detail.configuration = {
      metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: account.topology.queue.name } }, period: 60, stat: 'Maximum' }, returnData: true }],
    };
    event.detail.state = { ...event.detail.state, timestamp: cloudWatchTime(described?.StateUpdatedTimestamp ?? new Date()) };

    await putQueueDepth(account);
    expect(await maximumConcurrency(account)).toBe(50);
    const since = await callIndex();
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'applied', playbook: 'scale-consumers', alarmName });
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await changesSince(account, since)).toEqual(['lambda:UpdateEventSourceMapping', 'scheduler:CreateSchedule']);
  });
});
