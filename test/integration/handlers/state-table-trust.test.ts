// Values read back from the state table are checked before they are applied, and restores count against the hourly
// budget: scale-consumers and verify-change through their real entry points against the emulator, with the table
// tampered as an attacker would.
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { createSandboxClock } from '../../../sandbox/scheduler-driver';
import { loadHandler } from '../../support/load-handler';
import { beyondStateTableReads, callsDuring, writes } from '../support/proxy-calls';
import { clearedByCloudWatch, provisionAccount, putLambdaMetrics, putQueueDepth, queueAlarmName, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';
import { handlerScheduleDriver } from '../support/handler-schedules';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }))).ReservedConcurrentExecutions;
}

/** An account no test provisions, named by a forged record. */
const FOREIGN = '999999999999';

/**
 * The writes an alarm handler or a health check makes when it refuses a value read back from the state table and
 * escalates: its claim (PutItem) and the claim's completion (UpdateItem), the audit entry (PutItem) and the escalation on
 * the bus (PutEvents). Nothing else: no change to the resource, no reservation of the hourly budget or cooldown (a
 * third PutItem), no health check scheduled (Scheduler), no revert intent recorded (a second UpdateItem).
 */
const REFUSED_AND_ESCALATED = ['dynamodb:PutItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'events:PutEvents'];
/**
 * A health check's: the same, and the check taken off the verify sweep's list once answered (a DeleteItem on its
 * VERIFY-DUE entry, decisions 293, 302; verify-change's delete is held to that partition, decision 301).
 */
const CHECK_REFUSED_AND_ESCALATED = ['dynamodb:DeleteItem', ...REFUSED_AND_ESCALATED];

/**
 * verify-change as the Scheduler driver delivers it, with the calls of each delivery (in the test's account and the
 * account a forged record names) kept apart from the driver's own Scheduler calls around it.
 */
function watchedHealthChecks(account: SandboxAccount, verify: VerifyChangeHandler): { driver: ReturnType<typeof handlerScheduleDriver>; calls: string[][] } {
  const calls: string[][] = [];
  const driver = handlerScheduleDriver(account, 'verify-change', async (input) => {
    const { result, calls: made } = await callsDuring([account.accountId, FOREIGN], () => verify(input));
    calls.push(made);
    return result;
  });
  return { driver, calls };
}

describe('scale-consumers does not trust the state table with destructive values (production)', () => {
  /** The automation's record of the resource (baseline, change times): a refused restore leaves it as it was. */
  async function resourceStateItem(account: SandboxAccount, stateKey: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    return (await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: stateKey, ConsistentRead: true }))).Item;
  }

  /** The queue alarm cleared as CloudWatch clears it (decision 263), and the event it emits (made before the calls are counted). */
  const okEvent = (account: SandboxAccount) => clearedByCloudWatch(account, queueAlarmName(account.topology));
  async function scaledUp(): Promise<{ account: SandboxAccount; handler: AlarmHandler; decision: Decision; stateKey: { pk: string; sk: string } }> {
    const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
    const handler = loadHandler('scale-consumers');
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const decision = await handler(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied' });
    expect(await maximumConcurrency(account)).toBe(100);
    const stateKey = { pk: `RESOURCE#${decision.resource?.arn}`, sk: 'STATE' };
    const state = await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: stateKey }));
    // What the pipeline recorded: the seed's reserved concurrency 100 and the sandbox's MaximumConcurrency 50.
    expect(state.Item?.baseline).toEqual({ mappings: { [account.topology.consumer.mappingUuid]: 50 }, reservedConcurrency: { [account.topology.consumer.functionName]: 100 } });
    return { account, handler, decision, stateKey };
  }

  it('refuses to restore a tampered baseline (MaximumConcurrency 2, reserved concurrency 0), escalates naming it, and changes nothing', async () => {
    const { account, handler, stateKey } = await scaledUp();
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: stateKey,
        UpdateExpression: 'SET baseline.mappings.#uuid = :two, baseline.reservedConcurrency.#fn = :zero',
        ExpressionAttributeNames: { '#uuid': account.topology.consumer.mappingUuid, '#fn': account.topology.consumer.functionName },
        ExpressionAttributeValues: { ':two': 2, ':zero': 0 },
      }),
    );
    const stateBefore = await resourceStateItem(account, stateKey);

    const ok = await okEvent(account);
    const { result: decision, calls } = await callsDuring([account.accountId], () => handler(ok));

    expect(decision).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'guardrail' },
      reason: expect.stringContaining('restore of the consumers of notification-service-queue refused'),
    });
    expect(decision.reason).toContain(`MaximumConcurrency 2 for mapping ${account.topology.consumer.mappingUuid} is outside 50..400`);
    expect(decision.reason).toContain(`reserved concurrency 0 for ${account.topology.consumer.functionName} is below the environment's floor of 100`);
    expect(writes(calls).sort()).toEqual(REFUSED_AND_ESCALATED);
    expect(await resourceStateItem(account, stateKey)).toEqual(stateBefore);
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await reservedConcurrency(account)).toBe(100);
  });

  it('refuses a baseline that names a function which is not a consumer of the queue', async () => {
    const { account, handler, stateKey } = await scaledUp();
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: stateKey,
        UpdateExpression: 'SET baseline.reservedConcurrency.#other = :hundred',
        ExpressionAttributeNames: { '#other': 'payments-api' },
        ExpressionAttributeValues: { ':hundred': 100 },
      }),
    );
    const stateBefore = await resourceStateItem(account, stateKey);
    const ok = await okEvent(account);
    const { result: decision, calls } = await callsDuring([account.accountId], () => handler(ok));
    expect(decision).toMatchObject({ outcome: 'escalate', reason: expect.stringContaining('function payments-api is not a consumer of this queue') });
    expect(writes(calls).sort()).toEqual(REFUSED_AND_ESCALATED);
    expect(await resourceStateItem(account, stateKey)).toEqual(stateBefore);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('counts a restore against the hourly budget: past it the restore is held back and escalated', async () => {
    const { account, handler, stateKey } = await scaledUp();
    const nowSeconds = Math.floor(Date.now() / 1000);
    // Four changes in the last hour (production's budget is 4), the scale-up among them; the baseline is genuine.
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: stateKey,
        UpdateExpression: 'SET changeTimesSeconds = :times',
        ExpressionAttributeValues: { ':times': [nowSeconds - 3000, nowSeconds - 2000, nowSeconds - 1000, nowSeconds - 5] },
      }),
    );
    const stateBefore = await resourceStateItem(account, stateKey);
    const ok = await okEvent(account);
    const { result: decision, calls } = await callsDuring([account.accountId], () => handler(ok));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'hourly-budget' } });
    expect(decision.reason).toContain('hourly budget: 4 changes to this resource in the last hour, limit is 4; this restore is not made');
    expect(writes(calls).sort()).toEqual(REFUSED_AND_ESCALATED);
    expect(await resourceStateItem(account, stateKey)).toEqual(stateBefore);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('restores a genuine baseline within the budget', async () => {
    const { account, handler } = await scaledUp();
    const decision = await handler(await okEvent(account));
    expect(decision).toMatchObject({ outcome: 'applied' });
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await reservedConcurrency(account)).toBe(100);
  });
});

describe('verify-change does not trust the recorded change it reverts (production)', () => {

  /**
   * scale-consumers scales a healthy consumer up (its health check scheduled), `tamper` edits the recorded claim as someone
   * with write access to the table would, the consumer gets worse, and the health check is delivered past its window.
   */
  async function tamperedHealthCheck(tamper: { update: string; names: Record<string, string>; values: Record<string, unknown> }): Promise<{ account: SandboxAccount; verdict: Decision; calls: string[] }> {
    const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
    const verify = loadHandler<VerifyChangeHandler>('verify-change');
    const { driver, calls } = watchedHealthChecks(account, verify);
    await putLambdaMetrics(account, { Invocations: 500, Errors: 2, Throttles: 0 });
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const applied = await loadHandler('scale-consumers')(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(applied).toMatchObject({ outcome: 'applied' });
    expect(await maximumConcurrency(account)).toBe(100);
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: { pk: `INCIDENT#${applied.incidentKey}`, sk: 'CLAIM#scale-consumers' },
        UpdateExpression: tamper.update,
        ConditionExpression: 'attribute_exists(intent.healthCheck)',
        ExpressionAttributeNames: tamper.names,
        ExpressionAttributeValues: tamper.values,
      }),
    );
    await putLambdaMetrics(account, { Invocations: 300, Errors: 100, Throttles: 40 });
    const clock = createSandboxClock();
    clock.advance(11 * 60_000);
    const fired = await driver.runDue(clock);
    expect(fired).toHaveLength(1);
    if (fired[0]?.error) throw fired[0].error;
    expect(calls).toHaveLength(1);
    return { account, verdict: fired[0]?.result as Decision, calls: calls[0] ?? [] };
  }

  it('refuses to revert to a tampered recorded value (MaximumConcurrency 2): escalates made-worse "not reverted", naming it, and changes nothing', async () => {
    const { account, verdict, calls } = await tamperedHealthCheck({
      update: 'SET intent.#change.mappings[0].#from = :two',
      names: { '#change': 'change', '#from': 'from' },
      values: { ':two': 2 },
    });
    expect(verdict).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(verdict.reason).toContain('not reverted: the recorded value is refused');
    expect(verdict.reason).toContain(`MaximumConcurrency 2 for mapping ${account.topology.consumer.mappingUuid} is outside 50..400`);
    expect(writes(calls).sort()).toEqual(CHECK_REFUSED_AND_ESCALATED);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('refuses a recorded target that is not the environment\'s own (another queue, in another account): rejected, nothing read or changed', async () => {
    const { account, verdict, calls } = await tamperedHealthCheck({
      update: 'SET intent.target.#resource.id = :queue, intent.target.#resource.arn = :arn, intent.target.queueName = :queue, intent.target.queueArn = :arn',
      names: { '#resource': 'resource' },
      values: { ':queue': 'payments-queue', ':arn': `arn:aws:sqs:us-east-1:${FOREIGN}:payments-queue` },
    });
    expect(verdict).toMatchObject({ outcome: 'rejected', playbook: 'verify-change' });
    expect(verdict.reason).toContain("the recorded target of scale-consumers on incident");
    expect(verdict.reason).toContain("payments-queue is not one of this environment's queues");
    // The record's read, then nothing: no claim, no read of either queue or the metrics, no event, no schedule.
    expect(calls).toEqual(['dynamodb:GetItem']);
    expect(beyondStateTableReads(calls)).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(100);
  });
});

describe('verify-change reverts no further than the step the change made (production)', () => {
  async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
    return (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize;
  }

  it('refuses a forged fromMb at the floor under a raise from 1152 to 1728 MB: escalates naming it, and changes nothing', async () => {
    const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
    const verify = loadHandler<VerifyChangeHandler>('verify-change');
    const { driver, calls } = watchedHealthChecks(account, verify);
    const functionName = account.topology.consumer.functionName;
    // Raised twice already (512 -> 768 -> 1152): the next raise's genuine step starts at 1152.
    await account.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: 1152 }));
    await putLambdaMetrics(account, { Invocations: 400, Errors: 1, Duration: 400 * 120 });
    const alarm = account.topology.alarmNamesByHandler['raise-lambda-memory']?.[0] ?? '';
    await writeOutOfMemoryLines(account); // the condition the alarm watches, made real (decision 217)
    const applied = await loadHandler('raise-lambda-memory')(await account.transition(alarm, 'ALARM'));
    expect(applied).toMatchObject({ outcome: 'applied', before: { memoryMb: 1152 }, after: { memoryMb: 1728 } });
    // The recorded starting point forged to production's floor (512 MB, within floor and cap, so only the step bound stands).
    const claimKey = { pk: `INCIDENT#${applied.incidentKey}`, sk: 'CLAIM#raise-lambda-memory' };
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: claimKey,
        UpdateExpression: 'SET intent.#change.fromMb = :floor',
        ConditionExpression: 'intent.#change.fromMb = :genuine AND attribute_exists(intent.healthCheck)',
        ExpressionAttributeNames: { '#change': 'change' },
        ExpressionAttributeValues: { ':floor': 512, ':genuine': 1152 },
      }),
    );
    expect((await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: claimKey }))).Item?.intent?.change?.fromMb).toBe(512);
    // Worse after the raise: errors (timeouts) rose, so a revert is due.
    await putLambdaMetrics(account, { Invocations: 200, Errors: 60, Duration: 200 * 120 });
    const clock = createSandboxClock();
    clock.advance(11 * 60_000);

    const fired = await driver.runDue(clock);

    expect(fired).toHaveLength(1);
    if (fired[0]?.error) throw fired[0].error;
    const verdict = fired[0]?.result as Decision;
    expect(verdict).toMatchObject({ outcome: 'escalate', playbook: 'raise-lambda-memory', escalation: { cause: 'made-worse' } });
    expect(verdict.reason).toContain('not reverted: the recorded value is refused');
    expect(verdict.reason).toContain(`memory 512 MB for ${functionName} is not one step below 1728 MB (one step up from 512 MB is 768 MB)`);
    expect(calls).toHaveLength(1);
    expect(writes(calls[0] ?? []).sort()).toEqual(CHECK_REFUSED_AND_ESCALATED);
    expect(await memoryMb(account)).toBe(1728);
  });
});
