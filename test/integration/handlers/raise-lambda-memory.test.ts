// raise-lambda-memory through its real entry point and the real SDK, against the emulator: assertions on the emulator's state.
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, DeleteMetricFilterCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults, clearProxyFaults } from '../../../sandbox/proxy-control';
import { faultsFired } from '../../support/fault-evidence';
import { lambdaLogStreamName, provisionAccount, putConsumerErrors, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

function oomAlarm(account: SandboxAccount): string {
  const name = account.topology.alarmNamesByHandler['raise-lambda-memory']?.[0];
  if (!name) throw new Error('the topology has no raise-lambda-memory alarm');
  return name;
}

async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
  const configuration = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }));
  return configuration.MemorySize;
}

async function callsInAccount(accountId: string, since: number): Promise<string[]> {
  const calls = await getProxyCalls(control(), since);
  return calls.filter((c) => c.accountId === accountId).map((c) => `${c.service}:${c.operation}`);
}

async function resourceState(account: SandboxAccount, arn: string | undefined): Promise<Record<string, unknown> | undefined> {
  const result = await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `RESOURCE#${arn}`, sk: 'STATE' } }));
  return result.Item;
}

/** Each test its own account: the cooldown of one raise must not hold back the next test's. */
async function freshAccount(environment: 'production' | 'staging' | 'development' = 'production', config?: object): Promise<{ account: SandboxAccount; handler: AlarmHandler }> {
  const account = await provisionAccount(environment, config ? { RUNBOOK_CONFIG_JSON: JSON.stringify(config) } : { RUNBOOK_CONFIG_JSON: '' });
  return { account, handler: loadHandler('raise-lambda-memory') };
}

/** Lines in the consumer's log group, as the function would print them just before the alarm. */
async function logLines(account: SandboxAccount, messages: readonly string[]): Promise<void> {
  const logs = new CloudWatchLogsClient(account.clientConfig);
  try {
    // Named as Lambda names the function's streams: lines of any other stream are not the function's (decision 253).
    const logStreamName = lambdaLogStreamName();
    await logs.send(new CreateLogStreamCommand({ logGroupName: account.topology.consumer.logGroupName, logStreamName }));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: account.topology.consumer.logGroupName,
        logStreamName,
        logEvents: messages.map((message, i) => ({ timestamp: now - (messages.length - i) * 1000, message })),
      }),
    );
  } finally {
    logs.destroy();
  }
}

/**
 * The OOM alarm firing on a real out-of-memory exit: a Runtime.OutOfMemory line in the consumer's log group and the
 * filter's count in CloudWatch, then the state change (the playbook reads both before a raise: decision 217).
 */
async function oomFires(account: SandboxAccount): Promise<Record<string, unknown>> {
  await writeOutOfMemoryLines(account);
  return account.transition(oomAlarm(account), 'ALARM');
}

const PHP_MEMORY_LIMIT = 'PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 4194304 bytes) in /var/task/src/Renderer.php on line 57';

describe('raise-lambda-memory by the kind of out-of-memory line (review 10a, finding 4)', () => {
  it("leaves MemorySize alone for PHP memory_limit errors and escalates a diagnosis naming memory_limit's 536870912 bytes and MemorySize 512 MB", async () => {
    const { account, handler } = await freshAccount();
    await logLines(account, [PHP_MEMORY_LIMIT, PHP_MEMORY_LIMIT, PHP_MEMORY_LIMIT]);
    const decision = await handler(await account.transition(oomAlarm(account), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' }, reason: expect.stringContaining("hits PHP's memory_limit (3 lines") });
    expect(decision.reason).toContain('MemorySize is 512 MB and raising it would not change the limit');
    expect(decision.findings).toContain('memory_limit: 536870912 bytes (512 MiB) (from the PHP fatal error)');
    expect(await memoryMb(account)).toBe(512);
  });

  it('raises MemorySize when Lambda killed the function at it (Runtime.OutOfMemory), naming no memory_limit', async () => {
    const { account, handler } = await freshAccount();
    await logLines(account, [
      'RequestId: 3f2c Error: Runtime exited with error: signal: killed',
      'REPORT RequestId: 3f2c Duration: 1200.00 ms Billed Duration: 1201 ms Memory Size: 512 MB Max Memory Used: 512 MB Status: error Error Type: Runtime.OutOfMemory',
    ]);
    // The filter's count only, no line of its own (review 14, R14-3): the lines classified are this case's two, so the
    // finding counts 2; without them the raise would rest on the count alone ("kind not confirmed").
    const { namespace, metricName } = account.topology.oomMetricFilter;
    await account.cloudWatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: metricName, Value: 2, Unit: 'Count', Timestamp: new Date() }] }));
    // The kill is a function error: AWS counts it in AWS/Lambda Errors, which the raise also requires (decision 253).
    await putConsumerErrors(account, 1);
    const decision = await handler(await account.transition(oomAlarm(account), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('memory 512 -> 768 MB: update your IaC') });
    expect(decision.findings).toContain(
      `2 lines of the function out of its MemorySize (Runtime.OutOfMemory, signal: killed, heap, Lambda's error REPORT at it) in ${account.topology.consumer.logGroupName}`,
    );
    expect(JSON.stringify([decision.reason, decision.findings])).not.toContain('memory_limit');
    expect(JSON.stringify([decision.reason, decision.findings])).not.toContain('kind not confirmed');
    expect(await memoryMb(account)).toBe(768);
  });
});

// Decision 267 (review 16, R16-2): Lambda sends its metrics at 1-minute intervals, and the alarm (fed by the filter's count
// of the kill's line) changes state before the kill's AWS/Lambda Errors may be in CloudWatch.
describe("raise-lambda-memory when the kill's AWS/Lambda Errors arrive after the alarm", () => {
  it("throws for Lambda's retry while the kill's minute is not in CloudWatch, changing nothing, and raises on the retry once it is", async () => {
    const { account, handler } = await freshAccount();
    // The PHP consumer's kill (an OS-only runtime: its exit line and Lambda's Runtime.ExitError REPORT at 512 MB) and
    // the filter's count; no AWS/Lambda Errors yet.
    const { killedAt } = await writeOutOfMemoryLines(account, 1, { errors: 'later' });
    const event = await account.transition(oomAlarm(account), 'ALARM');
    const since = await getProxyCallCount(control());
    // The handler's own module registry (a fresh container): its TransientError class, matched by name.
    await expect(handler(event)).rejects.toMatchObject({ name: 'TransientError', message: expect.stringContaining("no datapoint for the kill's period (from ") });
    expect((await callsInAccount(account.accountId, since)).filter((c) => c.startsWith('lambda:Update'))).toEqual([]);
    expect(await memoryMb(account)).toBe(512);

    // Lambda publishes the kill's error; its retry of the same event takes the claim back and decides.
    await putConsumerErrors(account, 1, killedAt);
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 } });
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`1 REPORT line of Lambda's (Error Type Runtime.ExitError) at ${account.topology.consumer.functionName}'s MemorySize 512 MB, Max Memory Used 512 MB`),
        expect.stringMatching(/^AWS\/Lambda Errors \(Sum\) of .*: 1 \(> 0, published by AWS\)$/),
      ]),
    );
    expect(await memoryMb(account)).toBe(768);
  });
});

describe('raise-lambda-memory in production', () => {
  it('raises the consumer from 512 to 768 MB on the OOM alarm, names the drift, records and publishes the decision', async () => {
    const { account, handler } = await freshAccount();
    const event = await oomFires(account);
    const decision = await handler(event);
    expect(decision).toMatchObject({
      outcome: 'applied',
      playbook: 'raise-lambda-memory',
      reason: expect.stringContaining('memory 512 -> 768 MB: update your IaC'),
      before: { memoryMb: 512 },
      after: { memoryMb: 768, lastUpdateStatus: 'Successful' },
      resource: { type: 'lambda-function', id: account.topology.consumer.functionName },
    });
    expect(await memoryMb(account)).toBe(768);
    expect(await resourceState(account, decision.resource?.arn)).toMatchObject({ baseline: { memoryMb: 512 }, lastIncidentKey: decision.incidentKey });
    const published = await account.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const details = (published.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { detail: Record<string, unknown> }).detail);
    expect(details).toEqual([expect.objectContaining({ outcome: 'applied', playbook: 'raise-lambda-memory', after: expect.objectContaining({ memoryMb: 768 }) })]);

    const again = await handler(event);
    expect(again).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate') });
    expect(await memoryMb(account)).toBe(768);
  });

  it('does not act on the alarm returning to OK (memory is not lowered automatically)', async () => {
    const { account, handler } = await freshAccount();
    await oomFires(account);
    const decision = await handler(await account.transition(oomAlarm(account), 'OK'));
    expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('does not act on state OK') });
    expect(await memoryMb(account)).toBe(512);
  });

  it('re-reads and retries when a concurrent deploy changed the function (RevisionId conflict), never clobbering it', async () => {
    const { account, handler } = await freshAccount();
    const since = await getProxyCallCount(control());
    await setProxyFaults(
      control(),
      [
        {
          service: 'lambda',
          operation: 'UpdateFunctionConfiguration',
          times: 1,
          status: 412,
          code: 'PreconditionFailedException',
          message: 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        },
      ],
      { accountId: account.accountId },
    );
    try {
      const decision = await handler(await oomFires(account));
      expect(decision).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 } });
    } finally {
      await clearProxyFaults(control(), { accountId: account.accountId });
    }
    expect(await memoryMb(account)).toBe(768);
    const calls = await callsInAccount(account.accountId, since);
    expect(calls.filter((c) => c === 'lambda:UpdateFunctionConfiguration')).toHaveLength(2);
    // Each attempt reads the function (and its RevisionId) again before updating.
    const updates = calls.map((c, i) => [c, i] as const).filter(([c]) => c === 'lambda:UpdateFunctionConfiguration');
    expect(calls[(updates[1]?.[1] ?? 0) - 1]).toBe('lambda:GetFunctionConfiguration');
  });

  it('waits and retries when an update is already in progress (ResourceConflictException, which the SDK does not retry)', async () => {
    const { account, handler } = await freshAccount();
    const conflict = {
      service: 'lambda',
      operation: 'UpdateFunctionConfiguration',
      times: 2,
      status: 409,
      code: 'ResourceConflictException',
      message: 'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer',
    };
    const since = await getProxyCallCount(control());
    await setProxyFaults(control(), [conflict], { accountId: account.accountId });
    let reported;
    try {
      expect(await handler(await oomFires(account))).toMatchObject({ outcome: 'applied' });
      reported = await getProxyFaults(control(), { accountId: account.accountId });
    } finally {
      await clearProxyFaults(control(), { accountId: account.accountId });
    }
    // Both conflicts were injected, then the third update went through.
    expect(faultsFired([conflict], reported)).toEqual([{ rule: conflict, fired: 2 }]);
    expect((await callsInAccount(account.accountId, since)).filter((c) => c === 'lambda:UpdateFunctionConfiguration')).toHaveLength(3);
    expect(await memoryMb(account)).toBe(768);
  });

  it('escalates at the environment cap instead of raising', async () => {
    const { account, handler } = await freshAccount();
    await account.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName, MemorySize: 3008 }));
    const decision = await handler(await oomFires(account));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' }, reason: expect.stringContaining('environment cap (3008 MB)') });
    expect(await memoryMb(account)).toBe(3008);
  });

  it('learns the account ceiling AWS enforces, escalates, and plans within it next time', async () => {
    const { account, handler } = await freshAccount('production', { environments: { production: { guardrails: { cooldownSeconds: 0 } } } });
    await setProxyFaults(
      control(),
      [
        {
          service: 'lambda',
          operation: 'UpdateFunctionConfiguration',
          times: 1,
          status: 400,
          code: 'InvalidParameterValueException',
          message: "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 640",
        },
      ],
      { accountId: account.accountId },
    );
    const refused = await handler(await oomFires(account)).finally(() =>
      clearProxyFaults(control(), { accountId: account.accountId }),
    );
    expect(refused).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' }, reason: expect.stringContaining("this account's ceiling is 640 MB") });
    expect(await memoryMb(account)).toBe(512);
    expect(await resourceState(account, refused.resource?.arn)).toMatchObject({ learned: { memoryCeilingMb: 640 } });

    await account.transition(oomAlarm(account), 'OK');
    const next = await handler(await oomFires(account));
    expect(next).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('memory 512 -> 640 MB') });
    expect(await memoryMb(account)).toBe(640);
    // The ceiling survives the change's own reservation.
    expect(await resourceState(account, next.resource?.arn)).toMatchObject({ learned: { memoryCeilingMb: 640 } });
  });

  it('says a publish is needed instead of claiming success when the queue invokes an alias on a published version', async () => {
    const { account, handler } = await freshAccount();
    const fn = account.topology.consumer.functionName;
    const version = await account.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    const alias = await account.lambda.send(new CreateAliasCommand({ FunctionName: fn, Name: 'live', FunctionVersion: version.Version }));
    // Disabled: an enabled mapping makes the emulator try to run the function in Docker.
    await account.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: alias.AliasArn, EventSourceArn: account.topology.deadLetterQueue.arn, Enabled: false }));
    const decision = await handler(await oomFires(account));
    expect(decision).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'publish-required' },
      reason: expect.stringContaining('memory 512 -> 768 MB: update your IaC, publish a new version'),
      findings: [expect.stringContaining(`alias live (version ${version.Version})`)],
      runbook: { documentName: 'NotificationService-RaiseLambdaMemory', parameters: { FunctionName: [fn], MemorySize: ['768'] } },
    });
    expect(await memoryMb(account)).toBe(512);
  });

  it('escalates as a failure, touching nothing, when the alarm metric is not counted from the function log group', async () => {
    const { account, handler } = await freshAccount();
    await new CloudWatchLogsClient(account.clientConfig).send(
      new DeleteMetricFilterCommand({ logGroupName: account.topology.oomMetricFilter.logGroupName, filterName: account.topology.oomMetricFilter.name }),
    );
    const decision = await handler(await oomFires(account));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' }, reason: expect.stringContaining('is not counted from') });
    expect(await memoryMb(account)).toBe(512);
  });

  it('rejects malformed events and alarms on functions it does not own, making no AWS call', async () => {
    const { account, handler } = await freshAccount();
    const alarmName = oomAlarm(account);
    const foreign = await account.transition(alarmName, 'ALARM');
    const detail = (foreign as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> } } }).detail;
    const first = detail.configuration.metrics[0];
    if (first) first.metricStat.metric.dimensions = { FunctionName: 'billing-worker' };
    const since = await getProxyCallCount(control());
    const decisions = await Promise.all([
      handler({ 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', detail: { alarmName } }),
      handler('{"not": "an alarm"'),
      handler(foreign),
    ]);
    for (const d of decisions) expect(d).toMatchObject({ outcome: 'rejected', reason: expect.any(String) });
    expect(decisions[2]?.reason).toContain('billing-worker is not one of');
    expect(await callsInAccount(account.accountId, since)).toEqual([]);
    expect(await memoryMb(account)).toBe(512);
  });
});

describe('raise-lambda-memory elsewhere', () => {
  it('plans and reports in development but never changes memory', async () => {
    const { account, handler } = await freshAccount('development');
    const decision = await handler(await oomFires(account));
    expect(decision).toMatchObject({ outcome: 'dry-run', dryRun: true, reason: expect.stringMatching(/memory 512 -> 768 MB.*report-only/) });
    expect(await memoryMb(account)).toBe(512);
  });

  it('holds the lower staging cap', async () => {
    const { account, handler } = await freshAccount('staging');
    await account.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName, MemorySize: 1536 }));
    const decision = await handler(await oomFires(account));
    expect(decision).toMatchObject({ outcome: 'applied', after: { memoryMb: 2048 }, reason: expect.stringContaining('held at the environment cap') });
    expect(await memoryMb(account)).toBe(2048);
  });
});
