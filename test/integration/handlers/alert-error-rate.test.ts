// alert-error-rate through its real entry point and the real SDK, against the emulator: it enriches and escalates, changing nothing.
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, DeleteLogGroupCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

function errorRateAlarm(account: SandboxAccount): string {
  const name = account.topology.alarmNamesByHandler['alert-error-rate']?.[0];
  if (!name) throw new Error('the topology has no alert-error-rate alarm');
  return name;
}

/** What Lambda publishes for the consumer: Errors and Invocations in AWS/Lambda. */
async function consumerMetrics(account: SandboxAccount, errors: number, invocations: number): Promise<void> {
  const dimensions = [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }];
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: [
        { MetricName: 'Errors', Dimensions: dimensions, Value: errors, Unit: 'Count' },
        { MetricName: 'Invocations', Dimensions: dimensions, Value: invocations, Unit: 'Count' },
      ],
    }),
  );
}

/** What the consumer's runtime writes to its log group: request lines, an INFO line and errors. */
async function consumerLogs(account: SandboxAccount): Promise<void> {
  const logs = new CloudWatchLogsClient(account.clientConfig);
  const logGroupName = account.topology.consumer.logGroupName;
  const logStreamName = '2024/03/05/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9';
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  const now = Date.now();
  const smtp = (id: string): string => `2024-03-05T10:15:02.123Z\t${id}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"SMTP timeout after 30000 ms"}`;
  const messages = [
    'START RequestId: 8f5d2c1e-4b6a-4a8e-9c1d-2e3f4a5b6c7d Version: $LATEST',
    smtp('8f5d2c1e-4b6a-4a8e-9c1d-2e3f4a5b6c7d'),
    smtp('79b4f56e-95b1-4643-9700-2807f4e68189'),
    '{"level":"ERROR","message":"recipient missing","service":"notification-service"}',
    '{"level":"INFO","message":"batch of 10 sent"}',
    smtp('0a1b2c3d-4b6a-4a8e-9c1d-2e3f4a5b6c7d'),
    'REPORT RequestId: 8f5d2c1e-4b6a-4a8e-9c1d-2e3f4a5b6c7d\tDuration: 30001.25 ms\tBilled Duration: 30002 ms',
  ];
  await logs.send(
    new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: messages.map((message, i) => ({ timestamp: now - (messages.length - i) * 1000, message })) }),
  );
}

async function fresh(environment: 'production' | 'development' = 'production'): Promise<{ account: SandboxAccount; handler: AlarmHandler }> {
  const account = await provisionAccount(environment, { RUNBOOK_CONFIG_JSON: '' });
  return { account, handler: loadHandler('alert-error-rate') };
}

describe('alert-error-rate', () => {
  it('escalates with the error rate computed from the raw series and the most frequent error messages, changing nothing', async () => {
    const { account, handler } = await fresh();
    await consumerMetrics(account, 42, 1000);
    await consumerLogs(account);
    const event = await account.transition(errorRateAlarm(account), 'ALARM');
    const since = await getProxyCallCount(control());
    const decision = await handler(event);
    expect(decision).toMatchObject({
      outcome: 'escalate',
      playbook: 'alert-error-rate',
      escalation: { cause: 'diagnosis' },
      reason: expect.stringContaining('error rate of notification-service-consumer is 4.20% (42 errors / 1000 invocations'),
      resource: { type: 'lambda-function', id: 'notification-service-consumer' },
    });
    expect(decision.findings).toEqual([
      'errors 42 / invocations 1000 = 4.20% over the last 15 min (threshold 1%)',
      `4 error line(s) among 7 log event(s) read from ${account.topology.consumer.logGroupName}`,
      '3x Error: SMTP timeout after # ms',
      '1x recipient missing',
    ]);
    // Read only towards the service: its only writes are the pipeline's own (incident state, the decision event).
    const calls = (await getProxyCalls(control(), since)).filter((c) => c.accountId === account.accountId);
    expect(calls.filter((c) => !['dynamodb', 'events'].includes(c.service) && !/^(Get|Describe|List|Filter)/.test(c.operation))).toEqual([]);
    const configuration = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }));
    expect(configuration.MemorySize).toBe(512);

    const published = await account.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const details = (published.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { detail: Record<string, unknown> }).detail);
    expect(details).toEqual([expect.objectContaining({ outcome: 'escalate', findings: expect.arrayContaining(['3x Error: SMTP timeout after # ms']) })]);
  });

  it('still escalates, saying so, when the function has no log group', async () => {
    const { account, handler } = await fresh();
    await consumerMetrics(account, 8, 200);
    await new CloudWatchLogsClient(account.clientConfig).send(new DeleteLogGroupCommand({ logGroupName: account.topology.consumer.logGroupName }));
    const decision = await handler(await account.transition(errorRateAlarm(account), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' }, reason: expect.stringContaining('4.00%') });
    expect(decision.findings).toContain(`log group ${account.topology.consumer.logGroupName}: does not exist (the function has not logged yet, or logs elsewhere)`);
  });

  it('escalates without a rate when nothing was invoked in the window', async () => {
    const { account, handler } = await fresh('development');
    const decision = await handler(await account.transition(errorRateAlarm(account), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' }, reason: expect.stringContaining('no invocations') });
  });

  it('acts on ALARM only: the alarm clearing is not alerted', async () => {
    const { account, handler } = await fresh();
    await account.transition(errorRateAlarm(account), 'ALARM');
    const decision = await handler(await account.transition(errorRateAlarm(account), 'OK'));
    expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('does not act on state OK') });
  });

  it('rejects malformed events and functions it does not own, making no AWS call', async () => {
    const { account, handler } = await fresh();
    const foreign = await account.transition(errorRateAlarm(account), 'ALARM');
    const detail = (foreign as { detail: { configuration: { metrics: Array<{ metricStat?: { metric: { dimensions: Record<string, string> } } }> } } }).detail;
    for (const metric of detail.configuration.metrics) if (metric.metricStat) metric.metricStat.metric.dimensions = { FunctionName: 'billing-worker' };
    const since = await getProxyCallCount(control());
    const decisions = await Promise.all([handler(foreign), handler(42), handler({ ...foreign, 'detail-type': 'CloudWatch Alarm Configuration Change' })]);
    for (const d of decisions) expect(d).toMatchObject({ outcome: 'rejected' });
    expect(decisions[0]?.reason).toContain('billing-worker is not one of');
    expect((await getProxyCalls(control(), since)).filter((c) => c.accountId === account.accountId)).toEqual([]);
  });
});
