// The health check after a change, through the real entry points (scale-consumers, raise-lambda-memory, verify-change) and
// the real SDK against the emulator: the metrics are put with PutMetricData, the Scheduler driver plays the clock.
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { verifyScheduleName } from '../../../shared/pipeline/verify-schedule-name';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import { IncidentStore } from '../../../shared/state/incident-store';
import { claimKeyOf } from '../../../shared/state/state-records';
import { createSandboxClock, type SandboxClock, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import { loadHandler } from '../../support/load-handler';
import { callsDuring } from '../support/proxy-calls';
import { clearProxyFaults, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { clearedByCloudWatch, provisionAccount, putLambdaMetrics, putQueueDepth, queueAlarmName, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';
import { handlerScheduleDriver } from '../support/handler-schedules';

const MINUTE_MS = 60_000;

/** Text as a regular expression that matches exactly it. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An account no test provisions, named by a forged input. */
const FOREIGN = '123456789012';

interface Harness {
  account: SandboxAccount;
  verify: VerifyChangeHandler;
  driver: SchedulerDriver;
  clock: SandboxClock;
}

async function harness(): Promise<Harness> {
  const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
  const verify = loadHandler<VerifyChangeHandler>('verify-change');
  const driver = handlerScheduleDriver(account, 'verify-change', verify);
  return { account, verify, driver, clock: createSandboxClock() };
}

/** The consumer's AWS/Lambda figures for the current minute, as Lambda would publish them. */

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize;
}

/** The decisions on the project's bus, as EventBridge delivered them to the sandbox's queue (consumed). */
async function publishedDecisions(account: SandboxAccount): Promise<Decision[]> {
  const decisions: Decision[] = [];
  for (;;) {
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!received.Messages?.length) return decisions;
    for (const m of received.Messages) {
      decisions.push((JSON.parse(m.Body ?? '{}') as { detail: Decision }).detail);
      await account.sqs.send(new DeleteMessageCommand({ QueueUrl: account.topology.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** Past the production window (10 min): the due health checks run. */
async function pastTheWindow(h: Harness): Promise<Decision[]> {
  h.clock.advance(11 * MINUTE_MS);
  const fired = await h.driver.runDue(h.clock);
  for (const f of fired) if (f.error) throw f.error;
  return fired.map((f) => f.result as Decision);
}

/**
 * Ages scale-consumers' change on `incidentKey` by `lateMs` past its due time, as the alarm pipeline would have written it
 * that long ago: the record's `intent.healthCheck.changedAt` and the listed entry's `dueAt` (one clock reading apart by
 * the window). Answers the due time written.
 */
async function agedBy(account: SandboxAccount, incidentKey: string, lateMs: number): Promise<string> {
  const dueAt = new Date(Date.now() - lateMs);
  const changedAt = new Date(dueAt.getTime() - 10 * MINUTE_MS).toISOString();
  const table = account.topology.stateTable.name;
  await account.dynamo.send(
    new UpdateCommand({ TableName: table, Key: claimKeyOf('scale-consumers', incidentKey), UpdateExpression: 'SET intent.healthCheck.changedAt = :at', ExpressionAttributeValues: { ':at': changedAt } }),
  );
  await account.dynamo.send(
    new UpdateCommand({ TableName: table, Key: { pk: 'VERIFY-DUE', sk: verifyScheduleName('scale-consumers', incidentKey) }, UpdateExpression: 'SET dueAt = :due', ExpressionAttributeValues: { ':due': dueAt.toISOString() } }),
  );
  return dueAt.toISOString();
}

describe('verify-change after scale-consumers (production, 10 min window)', () => {
  async function scaledUp(): Promise<Harness & { scale: AlarmHandler; decision: Decision }> {
    const h = await harness();
    const scale = loadHandler('scale-consumers');
    // A healthy consumer before the change: 2 errors in 500 invocations, no throttles.
    await putLambdaMetrics(h.account, { Invocations: 500, Errors: 2, Throttles: 0 });
    await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
    const decision = await scale(await h.account.transition(queueAlarmName(h.account.topology), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', healthCheck: { windowMinutes: 10, before: { figures: expect.objectContaining({ [`${h.account.topology.consumer.functionName}.invocations`]: 500 }) } } });
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect(await h.driver.pending()).toHaveLength(1);
    return { ...h, scale, decision };
  }

  it('reverts the mapping to its recorded value and escalates with the figures when the error rate rose and throttles appeared', async () => {
    const h = await scaledUp();
    await publishedDecisions(h.account);
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });

    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({
      outcome: 'escalate',
      playbook: 'scale-consumers',
      escalation: { cause: 'made-worse' },
      reason: expect.stringMatching(/error rate 0\.4% -> \d+(\.\d)?%.*throttles appeared: 0 -> 40.*reverted to the recorded value/),
      incidentKey: h.decision.incidentKey,
    });
    expect(await maximumConcurrency(h.account)).toBe(50);
    const published = await publishedDecisions(h.account);
    expect(published).toEqual([expect.objectContaining({ outcome: 'escalate', escalation: { cause: 'made-worse' }, findings: [expect.stringContaining('before:'), expect.stringContaining('after:')] })]);
    expect(await h.driver.pending()).toEqual([]);
  });

  it('leaves a healthy change in place and reports it verified', async () => {
    const h = await scaledUp();
    await putLambdaMetrics(h.account, { Invocations: 900, Errors: 3, Throttles: 0 });
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('verified healthy') });
    expect(await maximumConcurrency(h.account)).toBe(100);
  });

  it('reverts once when the same schedule is delivered twice at once', async () => {
    const h = await scaledUp();
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100 });
    const [pending] = await h.driver.pending();
    const decisions = await Promise.all([h.verify(pending?.input), h.verify(pending?.input)]);
    expect(decisions.map((d) => d.outcome).sort()).toEqual(['escalate', 'skipped']);
    expect(decisions.find((d) => d.outcome === 'skipped')?.reason).toContain('duplicate');
    expect(await maximumConcurrency(h.account)).toBe(50);
    // A late redelivery finds it done and changes nothing.
    expect(await h.verify(pending?.input)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('already done (escalate)') });
  });

  // Decision 293 (designed in 281): Scheduler drops the health check's schedule (its 24 h retry spent); the verify sweep,
  // as its EventBridge rule invokes verify-change every 5 minutes, runs it once, saying how late; the schedule delivered
  // after all finds it done. The handlers run on the real clock, so the change is aged: its record's time and the listed
  // due time written back as the automation would have written them 27 min ago (decision 304: the record says when).
  it('a health check whose schedule Scheduler drops is run once by the verify sweep, saying how late; the late schedule after it changes nothing', async () => {
    const h = await scaledUp();
    await publishedDecisions(h.account);
    const [pending] = await h.driver.pending();
    const incidentKey = h.decision.incidentKey ?? '';
    const listedKey = { pk: 'VERIFY-DUE', sk: verifyScheduleName('scale-consumers', incidentKey) };
    // The alarm handler listed the check with its record and schedule.
    const listed = await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: listedKey, ConsistentRead: true }));
    expect(listed.Item).toMatchObject({ playbook: 'scale-consumers', incidentKey, dueAt: h.decision.healthCheck?.dueAt });
    await new SchedulerClient(h.account.clientConfig).send(new DeleteScheduleCommand({ Name: verifyScheduleName('scale-consumers', incidentKey), GroupName: h.account.topology.verifyScheduleGroup.name }));
    expect(await h.driver.pending()).toEqual([]);
    const dueAt = await agedBy(h.account, incidentKey, 17 * MINUTE_MS + 30_000);
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });
    // Beside it, an entry not as the automation writes it (a field a newer release might add; decision 299): refused and
    // named, and it keeps none of the others from the sweep; left in the table (bad input: no mutation).
    const forgedKey = { pk: 'VERIFY-DUE', sk: verifyScheduleName('scale-consumers', `${incidentKey}-forged`) };
    await h.account.dynamo.send(
      new PutCommand({ TableName: h.account.topology.stateTable.name, Item: { ...forgedKey, playbook: 'scale-consumers', incidentKey: `${incidentKey}-forged`, dueAt, attempts: 1 } }),
    );

    const swept = await h.verify({ action: 'sweep' });
    expect(swept).toMatchObject({ playbook: 'verify-change', outcome: 'skipped', reason: expect.stringMatching(new RegExp(`^swept 1 health check: scale-consumers on ${escape(incidentKey)} \\(17 min late\\): escalate; 1 listed entry refused \\(not as the automation writes them\\): VERIFY-DUE / ${escape(forgedKey.sk)} \\(.*attempts.*\\)$`)) });
    expect((await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: forgedKey, ConsistentRead: true }))).Item).toMatchObject({ attempts: 1 });
    await h.account.dynamo.send(new DeleteCommand({ TableName: h.account.topology.stateTable.name, Key: forgedKey }));
    expect(await maximumConcurrency(h.account)).toBe(50);
    const published = await publishedDecisions(h.account);
    expect(published).toEqual([expect.objectContaining({ outcome: 'escalate', playbook: 'scale-consumers', escalation: { cause: 'made-worse' } })]);
    expect(published[0]?.reason).toContain(
      `; checked 17 min late: due at ${dueAt}, its EventBridge Scheduler schedule had not run (Scheduler could not deliver it); the verify sweep did its work instead`,
    );
    expect((await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: listedKey, ConsistentRead: true }))).Item).toBeUndefined();

    // The dropped schedule delivered after all, and the next sweep: nothing judged, reverted or published again.
    expect(await h.verify(pending?.input)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('already done (escalate)') });
    expect(await h.verify({ action: 'sweep' })).toMatchObject({ outcome: 'skipped', reason: 'no health check more than 5 min past due' });
    expect(await maximumConcurrency(h.account)).toBe(50);
    expect(await publishedDecisions(h.account)).toEqual([]);
  });

  // Review 20d R20-64, decision 346: a read whose answer never comes takes about 41 s with the SDK's own bounds, more than
  // the sweep's 20 s reserve, so a check started with 21 s left ran to the function's timeout and held its claim until
  // the lease. The gap proxy holds the check's ListEventSourceMappings; the function's time is the Lambda context's (25 s
  // left at the sweep's start, counting down on the real clock): the call is given up with 8 s left, the claim given back; the next
  // sweep runs the check at once.
  it('a sweep\'s check whose read never answers is given up with 8 s of the function left: its claim given back, the next sweep runs it at once', async () => {
    const h = await scaledUp();
    await publishedDecisions(h.account);
    const incidentKey = h.decision.incidentKey ?? '';
    await new SchedulerClient(h.account.clientConfig).send(new DeleteScheduleCommand({ Name: verifyScheduleName('scale-consumers', incidentKey), GroupName: h.account.topology.verifyScheduleGroup.name }));
    await agedBy(h.account, incidentKey, 17 * MINUTE_MS + 30_000);
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });
    const scope = { accountId: h.account.accountId };
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    // More than the SDK's 4 attempts: an attempt after the first would be held too, and counted.
    await setProxyFaults(control, [{ service: 'lambda', operation: 'ListEventSourceMappings', times: 5, hold: true, status: 503, code: 'ServiceUnavailable' }], scope);
    let held: Array<{ held: number; remaining: number }>;
    let failed: unknown;
    try {
      const endsAt = Date.now() + 25_000;
      failed = await h.verify({ action: 'sweep' }, { getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()) }).then(
        () => undefined,
        (error: unknown) => error,
      );
      held = (await getProxyFaults(control, scope)).map((f) => ({ held: f.held, remaining: f.remaining }));
    } finally {
      await clearProxyFaults(control, scope);
    }
    // The fault fired twice: the first attempt failed by its 10 s request timer, the SDK's retry was held and given up at
    // the deadline (some 13 to 16 s after the call began), before a third; the SDK alone would have made all 4.
    expect(held).toEqual([{ held: 2, remaining: 3 }]);
    expect((failed as Error).name).toBe('TransientError');
    expect((failed as Error).message).toMatch(/^verify sweep: 1 failed of 1 listed health checks \(scale-consumers on .* \(17 min late\): Lambda ListEventSourceMappings failed: CallDeadlineExceeded: Lambda call did not answer within \d+\.\d s\)/);
    // Given back (its lease ended at once), nothing reverted or published, still listed.
    const claim = await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: claimKeyOf(verifyClaimName('scale-consumers'), incidentKey), ConsistentRead: true }));
    expect(claim.Item).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0 });
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect(await publishedDecisions(h.account)).toEqual([]);

    // The next sweep, the endpoint answering: the check runs at once (no lease to wait out), judged and reverted once.
    expect(await h.verify({ action: 'sweep' })).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^swept 1 health check: scale-consumers on .* \(17 min late\): escalate$/) });
    expect(await maximumConcurrency(h.account)).toBe(50);
    expect((await publishedDecisions(h.account)).map((d) => d.outcome)).toEqual(['escalate']);
  });

  // Review 18 R18-15, decision 304: an attacker who can write the state table's list but not the change's record forges
  // the listed check's due time early, to have the change judged (and reverted) while it still settles. The sweep reads
  // the record, finds the entry's time is not the record's, and refuses it: counted, named, nothing else read or written.
  it('a listed due time forged early on a settling change is refused by the sweep: nothing judged, reverted, written or published; its schedule judges it at its time', async () => {
    const h = await scaledUp();
    await publishedDecisions(h.account);
    const incidentKey = h.decision.incidentKey ?? '';
    const table = h.account.topology.stateTable.name;
    const listedKey = { pk: 'VERIFY-DUE', sk: verifyScheduleName('scale-consumers', incidentKey) };
    const recordedDue = h.decision.healthCheck?.dueAt ?? '';
    const forgedDue = new Date(Date.now() - 17 * MINUTE_MS).toISOString();
    await h.account.dynamo.send(new UpdateCommand({ TableName: table, Key: listedKey, UpdateExpression: 'SET dueAt = :due', ExpressionAttributeValues: { ':due': forgedDue } }));
    // The consumers get worse: a judgement now would revert.
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });

    const { result: swept, calls } = await callsDuring([h.account.accountId], () => h.verify({ action: 'sweep' }));
    expect(swept).toMatchObject({
      playbook: 'verify-change',
      outcome: 'skipped',
      reason:
        `no health check more than 5 min past due; 1 listed entry refused, not run (a due time its change's record does not confirm): ` +
        `scale-consumers on ${incidentKey} (dueAt ${forgedDue} is not its change's due time ${recordedDue} (recorded change plus 10 min))`,
    });
    // The list read and the record read: no health read, no claim, no revert, no delete, no event.
    expect(calls).toEqual(['dynamodb:Query', 'dynamodb:GetItem']);
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect((await h.account.dynamo.send(new GetCommand({ TableName: table, Key: listedKey, ConsistentRead: true }))).Item).toMatchObject({ dueAt: forgedDue });
    expect((await h.account.dynamo.send(new GetCommand({ TableName: table, Key: claimKeyOf(verifyClaimName('scale-consumers'), incidentKey), ConsistentRead: true }))).Item).toBeUndefined();
    expect(await publishedDecisions(h.account)).toEqual([]);

    // Its schedule, made for the record's time, judges as before (worse: reverted) and takes the entry off the list.
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(await maximumConcurrency(h.account)).toBe(50);
    expect((await h.account.dynamo.send(new GetCommand({ TableName: table, Key: listedKey, ConsistentRead: true }))).Item).toBeUndefined();
  });

  it('does not revert a change the automation already restored when the alarm cleared', async () => {
    const h = await scaledUp();
    const restored = await h.scale(await clearedByCloudWatch(h.account, queueAlarmName(h.account.topology)));
    expect(restored).toMatchObject({ outcome: 'applied' });
    expect(await maximumConcurrency(h.account)).toBe(50);
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100 });
    const verdicts = await pastTheWindow(h);
    expect(verdicts).toContainEqual(expect.objectContaining({ outcome: 'skipped', reason: expect.stringContaining('no longer in place') }));
    expect(await maximumConcurrency(h.account)).toBe(50);
  });

  // Decision 175: the restore at OK came before the check; the consumers are healthy, and the check used to answer
  // "verified healthy" of a scale-up that no longer stood. One playbook (scale-consumers) on the emulator.
  it('says a scale-up restored at the alarm\'s OK is no longer in place, names the restore, reverts nothing and records it on the incident', async () => {
    const h = await scaledUp();
    const restored = await h.scale(await clearedByCloudWatch(h.account, queueAlarmName(h.account.topology)));
    expect(restored).toMatchObject({ outcome: 'applied', alarmState: 'OK' });
    expect(await maximumConcurrency(h.account)).toBe(50);
    await publishedDecisions(h.account);
    await putLambdaMetrics(h.account, { Invocations: 900, Errors: 3, Throttles: 0 });

    const [verdict] = await pastTheWindow(h);

    expect(verdict).toMatchObject({ outcome: 'skipped', playbook: 'scale-consumers', incidentKey: h.decision.incidentKey });
    expect(verdict?.reason).toMatch(
      new RegExp(
        `: change no longer in place \\(restored by scale-consumers at ${restored.decidedAt.slice(11, 19)} UTC \\(restore consumers of .*; incident ${escape(restored.incidentKey ?? '')}\\)\\); ` +
          `now mapping ${h.account.topology.consumer.mappingUuid} \\(${h.account.topology.consumer.functionName}\\) MaximumConcurrency 50 \\(the change: 50 -> 100\\).*: nothing to verify, nothing reverted$`,
      ),
    );
    expect(verdict?.reason).not.toContain('verified healthy');
    // Nothing reverted or changed: the restored value stands.
    expect(await maximumConcurrency(h.account)).toBe(50);
    // The record says so: the health check's claim on the incident, the resource's audit trail, the decision event.
    const store = new IncidentStore(h.account.dynamo, { tableName: h.account.topology.stateTable.name, leaseSeconds: 300, retentionDays: 90 });
    expect(await store.getClaim(verifyClaimName('scale-consumers'), h.decision.incidentKey ?? '')).toMatchObject({ status: 'COMPLETED', outcome: 'skipped', reason: verdict?.reason });
    const trail = await store.history(h.decision.resource?.arn ?? '');
    expect(trail.filter((e) => e.incidentKey === h.decision.incidentKey && e.decision.playbook === 'scale-consumers').map((e) => e.decision.reason)).toContain(verdict?.reason);
    expect(await publishedDecisions(h.account)).toEqual([expect.objectContaining({ outcome: 'skipped', reason: verdict?.reason })]);
  });

  it('says a scale-up changed by hand since (MaximumConcurrency 80) is no longer in place and leaves the person\'s value, though the consumers got worse', async () => {
    const h = await scaledUp();
    await h.account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: h.account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 80 } }));
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });

    const [verdict] = await pastTheWindow(h);

    expect(verdict).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/: change no longer in place \(changed since, not by this automation: it recorded no change of it since \(by hand, a deploy or another tool\)\); now mapping \S+ \(\S+\) MaximumConcurrency 80 \(the change: 50 -> 100\)/),
    });
    expect(await maximumConcurrency(h.account)).toBe(80);
  });

  it('rejects an input that is not a health check, with a reason, and calls nothing in AWS', async () => {
    const h = await harness();
    const noKey = await callsDuring([h.account.accountId], () => h.verify({ action: 'verify-change', playbook: 'scale-consumers' }));
    expect(noKey.result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('incidentKey') });
    // Malformed: refused before the state table is even read.
    expect(noKey.calls).toEqual([]);
    const other = await callsDuring([h.account.accountId], () => h.verify({ ...{ action: 'check', incidentId: 'inc-1' } }));
    expect(other.result).toMatchObject({ outcome: 'rejected' });
    expect(other.calls).toEqual([]);
  });
});

describe('verify-change trusts the state table, not its schedule input', () => {
  /** A schedule in the verify group, as anyone allowed to write there could create it, with an input of their choosing. */
  async function plantSchedule(h: Harness, name: string, input: Record<string, unknown>): Promise<void> {
    const scheduler = new SchedulerClient(h.account.clientConfig);
    const { Target: target } = await scheduler.send(new GetScheduleCommand({ Name: (await h.driver.pending())[0]?.name, GroupName: h.account.topology.verifyScheduleGroup.name }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: h.account.topology.verifyScheduleGroup.name,
        ScheduleExpression: `at(${new Date(Date.now() + 60_000).toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: target?.Arn ?? '', RoleArn: target?.RoleArn ?? '', Input: JSON.stringify(input) },
      }),
    );
  }

  it('refuses tampered inputs (another target, a revert value, a database class, a made-up incident) and changes nothing', async () => {
    const h = await harness();
    const scale = loadHandler('scale-consumers');
    await putLambdaMetrics(h.account, { Invocations: 500, Errors: 2, Throttles: 0 });
    await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
    const decision = await scale(await h.account.transition(queueAlarmName(h.account.topology), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied' });
    const [genuine] = await h.driver.pending();
    // The schedule the pipeline wrote carries the record's key and nothing else.
    expect(genuine?.input).toEqual({ action: 'verify-change', playbook: 'scale-consumers', incidentKey: decision.incidentKey });
    const key = { action: 'verify-change', playbook: 'scale-consumers', incidentKey: decision.incidentKey };
    const db = h.account.topology.database;
    // Each with what it may call before it is refused: a malformed input nothing at all, a well-formed one only the
    // state table's read of the record it names (no read of the service, no write, no schedule, no event).
    const tampered: Array<[string, Record<string, unknown>, RegExp, string[]]> = [
      ['another target', { ...key, target: { resource: { type: 'lambda-function', id: 'payments', arn: `arn:aws:lambda:us-east-1:${FOREIGN}:function:payments` } } }, /not a verify-change input/, []],
      ['a revert value', { ...key, change: { mappings: [{ uuid: h.account.topology.consumer.mappingUuid, functionName: 'x', from: 2, to: 100 }], reservedConcurrency: [] } }, /not a verify-change input/, []],
      ['a database class', { ...key, playbook: 'scale-up-database', change: { dbInstanceIdentifier: db.identifier, fromClass: 'db.t3.micro', toClass: db.instanceClass } }, /not a verify-change input/, []],
      ['a made-up incident', { ...key, incidentKey: `${decision.incidentKey}-forged` }, /verify-change refused: the state table records no change/, ['dynamodb:GetItem']],
      ['another playbook on the real incident', { ...key, playbook: 'raise-lambda-memory' }, /verify-change refused: the state table records no change/, ['dynamodb:GetItem']],
    ];
    for (const [what, input] of tampered) await plantSchedule(h, `forged-${what.replace(/\W+/g, '-')}`, input);
    // The consumers get worse, so a health check that believed its input would revert something.
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });
    const memoryBefore = await memoryMb(h.account);

    const results: Array<{ result: Decision; calls: string[] }> = [];
    for (const [, input] of tampered) results.push(await callsDuring([h.account.accountId, FOREIGN], () => h.verify(input)));

    tampered.forEach(([what, , reason, calls], i) => {
      expect({ what, ...results[i]?.result }).toMatchObject({ what, outcome: 'rejected', playbook: 'verify-change', reason: expect.stringMatching(reason) });
      expect({ what, calls: results[i]?.calls }).toEqual({ what, calls });
    });
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect(await memoryMb(h.account)).toBe(memoryBefore);
    expect(await publishedDecisions(h.account)).toEqual([expect.objectContaining({ outcome: 'applied', playbook: 'scale-consumers' })]);
  });
});

describe('verify-change after raise-lambda-memory (production)', () => {
  async function raised(): Promise<Harness> {
    const h = await harness();
    const raise = loadHandler('raise-lambda-memory');
    await putLambdaMetrics(h.account, { Invocations: 400, Errors: 1, Duration: 400 * 120 });
    const alarm = h.account.topology.alarmNamesByHandler['raise-lambda-memory']?.[0] ?? '';
    await writeOutOfMemoryLines(h.account); // the condition the alarm watches, made real (decision 217)
    const decision = await raise(await h.account.transition(alarm, 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 }, healthCheck: { windowMinutes: 10 } });
    return h;
  }

  it('puts the memory back to 512 MB and escalates when errors (timeouts) rose after the raise', async () => {
    const h = await raised();
    await putLambdaMetrics(h.account, { Invocations: 200, Errors: 60, Duration: 200 * 120 });
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'made-worse' },
      // Before: 1 error in 400 invocations and the kill's own error, which AWS/Lambda counts (writeOutOfMemoryLines
      // publishes it, as Lambda does; decision 253): 2/400.
      reason: expect.stringMatching(/function error rate 0\.5% -> \d+(\.\d)?%.*reverted to the recorded value: memoryMb 512/),
    });
    expect(await memoryMb(h.account)).toBe(512);
  });

  it('keeps the raised memory when the function is as healthy as before', async () => {
    const h = await raised();
    await putLambdaMetrics(h.account, { Invocations: 600, Errors: 1, Duration: 600 * 90 });
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('verified healthy') });
    expect(await memoryMb(h.account)).toBe(768);
  });
});
