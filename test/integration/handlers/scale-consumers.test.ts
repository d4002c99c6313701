// scale-consumers through its real entry point and the real SDK, against the emulator: assertions on the emulator's state.
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { clearedByCloudWatch, putQueueDepth, provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const result = await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }));
  return result.ReservedConcurrentExecutions;
}

async function callsInAccount(accountId: string, since: number): Promise<string[]> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since);
  return calls.filter((c) => c.accountId === accountId).map((c) => `${c.service}:${c.operation}`);
}

describe('scale-consumers in production', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  let alarmName: string;

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('scale-consumers');
    alarmName = queueAlarmName(account.topology);
  });

  it('scales the consumers one step on ALARM, records the audit entry and publishes the decision', async () => {
    expect(await maximumConcurrency(account)).toBe(50);
    // A real backlog, as SQS published it: the playbook's reading must bear out the alarm (decision 217).
    await putQueueDepth(account);
    const event = await account.transition(alarmName, 'ALARM');
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'applied', playbook: 'scale-consumers', alarmName });
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await reservedConcurrency(account)).toBe(100);

    const audit = await account.dynamo.send(
      new QueryCommand({
        TableName: account.topology.stateTable.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': `RESOURCE#${decision.resource?.arn}`, ':audit': 'AUDIT#' },
      }),
    );
    expect(audit.Items).toHaveLength(1);
    const published = await account.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const details = (published.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { detail: { outcome: string } }).detail);
    expect(details).toEqual([expect.objectContaining({ outcome: 'applied', before: expect.any(Object), after: expect.any(Object) })]);

    // The same event delivered again changes nothing.
    const again = await handler(event);
    expect(again).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate') });
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('restores the baseline when the alarm returns to OK', async () => {
    const ok = await clearedByCloudWatch(account, alarmName);
    const decision = await handler(ok);
    expect(decision).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('restore') });
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await reservedConcurrency(account)).toBe(100);
  });

  it('does nothing for a stale ALARM event whose alarm is already OK', async () => {
    const alarm = await account.transition(alarmName, 'ALARM');
    await account.transition(alarmName, 'OK');
    const decision = await handler(alarm);
    expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('stale') });
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('rejects a malformed event with a reason and makes no AWS call at all', async () => {
    // The test's own transition (SetAlarmState, DescribeAlarms) comes before the mark: every call after it is the handler's.
    const configurationChange = { ...(await account.transition(alarmName, 'OK')), 'detail-type': 'CloudWatch Alarm Configuration Change' };
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decisions = await Promise.all([
      handler({ 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', detail: { alarmName } }),
      handler('not json'),
      handler(configurationChange),
    ]);
    for (const d of decisions) expect(d).toMatchObject({ outcome: 'rejected', reason: expect.any(String) });
    // Every call counted, DescribeAlarms (the handler's first call for a valid event) included.
    expect(await callsInAccount(account.accountId, since)).toEqual([]);
  });

  it('rejects an alarm on a queue the automation does not own, without touching it', async () => {
    const event = await account.transition(alarmName, 'ALARM');
    const detail = (event as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> } } }).detail;
    const first = detail.configuration.metrics[0];
    if (first) first.metricStat.metric.dimensions.QueueName = 'somebody-elses-queue';
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('somebody-elses-queue') });
    await account.transition(alarmName, 'OK');
  });
});

describe('scale-consumers under concurrency and guardrails', () => {
  it('scales once when the same ALARM event arrives 20 times at once', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler('scale-consumers');
    await putQueueDepth(account);
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const decisions = await Promise.all(Array.from({ length: 20 }, () => handler(event)));
    expect(decisions.filter((d) => d.outcome === 'applied')).toHaveLength(1);
    expect(decisions.filter((d) => d.outcome === 'skipped')).toHaveLength(19);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('plans and reports in development but never mutates', async () => {
    const account = await provisionAccount('development');
    const handler = loadHandler('scale-consumers');
    await putQueueDepth(account);
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'dry-run', dryRun: true, reason: expect.stringContaining('report-only') });
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('holds the environment cap: at the cap it escalates instead of changing', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler('scale-consumers');
    await account.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }),
    );
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' } });
    expect(await maximumConcurrency(account)).toBe(400);
  });

  it('escalates instead of scaling a consumer that is failing', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler('scale-consumers');
    const dimensions = [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }];
    await account.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [
          { MetricName: 'Invocations', Dimensions: dimensions, Value: 200, Unit: 'Count' },
          { MetricName: 'Errors', Dimensions: dimensions, Value: 40, Unit: 'Count' },
        ],
      }),
    );
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'consumer-failing' }, reason: expect.stringContaining('20.0%') });
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('turns into a dry run when the kill switch is on', async () => {
    const account = await provisionAccount('production');
    const { SSMClient, PutParameterCommand } = await import('@aws-sdk/client-ssm');
    await new SSMClient(account.clientConfig).send(
      new PutParameterCommand({ Name: account.topology.killSwitch.name, Value: 'on', Type: 'String', Overwrite: true }),
    );
    const handler = loadHandler('scale-consumers');
    await putQueueDepth(account);
    const decision = await handler(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'dry-run', reason: expect.stringContaining('kill switch') });
    expect(await maximumConcurrency(account)).toBe(50);
  });
});
