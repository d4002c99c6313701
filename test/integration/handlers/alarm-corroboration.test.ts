// Review 11b F3 (decision 217): an alarm put in ALARM with SetAlarmState (CloudWatch's testing call, what the sandbox's
// transition() makes) changes nothing unless the playbook's own reading bears it out; the real condition still changes.
// One production account, the three rows that change something, each first without the condition, then with it.
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { createSandboxClock } from '../../../sandbox/scheduler-driver';
import type { Decision } from '../../../shared/pipeline/types';
import { loadHandler } from '../../support/load-handler';
import { handlerScheduleDriver } from '../support/handler-schedules';
import { callsDuring, writes } from '../support/proxy-calls';
import { lambdaLogStreamName, provisionAccount, putConsumerErrors, putDatabaseCpu, putQueueDepth, queueAlarmName, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';

let account: SandboxAccount;
let inbox: EscalationInbox;

beforeAll(async () => {
  account = await provisionAccount('production');
  inbox = await createEscalationInbox(account.clientConfig, account.topology);
});

/** Every decision the handlers published since the last call, as the deployment's rule routes it, handed to escalate. */
async function routeDecisions(): Promise<Array<Awaited<ReturnType<EscalationHandler>>>> {
  const escalate = loadHandler<EscalationHandler>('escalate');
  const queueUrl = account.topology.decisionRoute.url;
  const answers = [];
  for (;;) {
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const batch = received.Messages ?? [];
    if (batch.length === 0) return answers;
    for (const message of batch) {
      await account.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      answers.push(await escalate(JSON.parse(message.Body ?? '{}')));
    }
  }
}

/** Drops the decisions the handlers published since the last call, unrouted. */
async function drainDecisions(): Promise<void> {
  const queueUrl = account.topology.decisionRoute.url;
  for (;;) {
    const batch = (await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
    if (batch.length === 0) return;
    for (const message of batch) await account.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }
}

const alarmOf = (handler: string): string => {
  const name = account.topology.alarmNamesByHandler[handler]?.[0];
  if (!name) throw new Error(`the topology has no ${handler} alarm`);
  return name;
};

/** The handler run on a bare SetAlarmState ALARM, with the calls it made beyond the state table and the decision bus. */
async function onBareAlarm(handler: string, alarmName: string): Promise<{ decision: Decision; changes: string[] }> {
  const event = await account.transition(alarmName, 'ALARM', 'Threshold Crossed: testing purposes (SetAlarmState)');
  const { result, calls } = await callsDuring([account.accountId], () => loadHandler<AlarmHandler>(handler)(event));
  return { decision: result, changes: writes(calls).filter((c) => !c.startsWith('dynamodb:') && !c.startsWith('events:')) };
}

/** The same alarm again, as a new state change (OK, then ALARM): its condition is now real. */
async function onRealAlarm(handler: string, alarmName: string): Promise<Decision> {
  await account.transition(alarmName, 'OK');
  return loadHandler<AlarmHandler>(handler)(await account.transition(alarmName, 'ALARM'));
}

describe('a bare ALARM does not change production; the real condition does (review 11b F3)', () => {
  it('scale-consumers: an empty queue is not scaled and pages why; a real backlog is scaled', async () => {
    const mapping = async (): Promise<number | undefined> =>
      (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
    const alarmName = queueAlarmName(account.topology);
    const bare = await onBareAlarm('scale-consumers', alarmName);
    expect(bare.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(bare.decision.reason).toContain(`alarm "${alarmName}" not corroborated: queue depth 0 is not > 1000`);
    expect(bare.decision.reason).toContain('AWS/SQS ApproximateNumberOfMessagesVisible (Maximum) in CloudWatch');
    expect(bare.changes).toEqual([]);
    expect(await mapping()).toBe(50);
    // Not silence: the published decision opens an incident and pages L1 (chat and email) with why nothing was changed.
    expect(await routeDecisions()).toEqual([expect.objectContaining({ action: 'opened' })]);
    const paged = await inbox.read();
    expect(paged.map((m) => `L${m.level}:${m.kind}:${m.channel}`).sort()).toEqual(['L1:opened:chat', 'L1:opened:email']);
    for (const page of paged) {
      expect(page.message).toContain('the alarm is not borne out by what the automation read: nothing was changed');
      expect(page.message).toContain(`not corroborated: queue depth 0 is not`);
      expect(page.message).toContain('Find out why the alarm fired: a test of the alarm, or a condition that passed before it was read');
    }

    // The backlog as SQS publishes it to CloudWatch (filling moto's queue past 1000 takes 35 s; the demo does it for real).
    await putQueueDepth(account, 1500);
    const real = await onRealAlarm('scale-consumers', alarmName);
    expect(real).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('MaximumConcurrency 50 -> 100 (queue depth 0)') });
    expect(real.findings).toEqual([expect.stringContaining('now, but CloudWatch bears out the alarm: AWS/SQS ApproximateNumberOfMessagesVisible (Maximum)')]);
    expect(await mapping()).toBe(100);
  });

  // Review 14 R14-15: a re-fire grouped into the alarm's incident (decision 204) kept its first cause, so a real backlog at
  // the cap that re-opened the bare ALARM's not-corroborated incident was paged "not borne out ... look at CloudTrail", the
  // cap only under LATER UPDATES. The review's probe, continuing from the case above: its bare ALARM's incident (paged to
  // L1, not-corroborated), the alarm's OK, then the consumers at the production cap and a real backlog, ALARM again.
  it('a real backlog at the cap that re-opens the not-corroborated incident is presented as the cap: the re-open message and L2\'s page (R14-15)', async () => {
    const escalate = loadHandler<EscalationHandler>('escalate');
    const alarmName = queueAlarmName(account.topology);
    const table = account.topology.stateTable.name;
    const stored = async (key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> =>
      (await account.dynamo.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    const latest = await stored({ pk: `ESCALATION-LATEST#arn:aws:cloudwatch:us-east-1:${account.accountId}:alarm:${alarmName}`, sk: 'INCIDENT' });
    const incidentId = String(latest?.incidentId);
    const incident = async (): Promise<Record<string, unknown> | undefined> => stored({ pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' });
    expect(await incident()).toMatchObject({ status: 'OPEN', level: 1, cause: 'not-corroborated' });
    // The case above's scale-up decision is that case's (its watch of the change): dropped, so what escalate sees here is
    // the probe's sequence, bare ALARM, OK, real ALARM.
    await drainDecisions();
    await inbox.read();
    expect(await escalate(await account.transition(alarmName, 'OK'))).toMatchObject({ action: 'resolved', incidentIds: [incidentId] });
    expect((await inbox.read()).map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort()).toEqual(['resolved:L1:chat', 'resolved:L1:email']);

    await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
    await putQueueDepth(account, 2500);
    const real = await loadHandler<AlarmHandler>('scale-consumers')(await account.transition(alarmName, 'ALARM'));
    expect(real).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' }, reason: expect.stringContaining('at the environment cap (MaximumConcurrency 400)') });
    expect(await routeDecisions()).toEqual([expect.objectContaining({ action: 'reopened', incidentId, delivered: [{ kind: 'reopen', level: 1, tier: 'DevOps Team (L1)', via: 'chat+email' }] })]);

    // The incident presents the cap: cause, reason and decision; the not-corroborated cause is its history.
    const item = await incident();
    expect(item).toMatchObject({ status: 'OPEN', reopens: 1, level: 1, nextLevel: 2, cause: 'cap-reached', reason: real.reason, decision: { cause: 'cap-reached', outcome: 'escalate' } });
    expect(item?.earlierCauses).toEqual([
      expect.objectContaining({ cause: 'not-corroborated', reason: expect.stringContaining('not corroborated: queue depth 0 is not > 1000'), decision: expect.objectContaining({ cause: 'not-corroborated' }) }),
    ]);
    expect(item?.updates ?? []).toEqual([]);

    // L1's re-open message names the cap, why, and what to do (was: "RE-OPENED ... (the first message has the details)").
    const reopened = await inbox.read();
    expect(reopened.map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort()).toEqual(['reopened:L1:chat', 'reopened:L1:email']);
    const reopenEmail = reopened.find((m) => m.channel === 'email')?.message ?? '';
    expect(reopenEmail).toContain('The cause is now: a cap was reached (cap-reached); it was the alarm is not borne out by what the automation read: nothing was changed (not-corroborated) until this re-fire.');
    expect(reopenEmail).toContain('NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change');
    expect(reopenEmail).not.toContain('CloudTrail');
    expect(reopened.find((m) => m.channel === 'chat')?.message).toContain('The cause is now:* a cap was reached (cap-reached)');

    // L2's timer delivered (the Scheduler driver plays the clock): L2 is paged with the cap and its next step.
    const driver = handlerScheduleDriver(account, 'escalation-timer', loadHandler<EscalationHandler>('escalation-timer'));
    const clock = createSandboxClock();
    clock.advance(16 * 60_000);
    const fired = await driver.runDue(clock);
    expect(fired.map((f) => f.result)).toEqual([expect.objectContaining({ action: 'escalated', incidentId, delivered: [expect.objectContaining({ kind: 'notify', level: 2 })] })]);
    const l2 = await inbox.read();
    expect(l2.map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort()).toEqual(['escalated:L2:chat', 'escalated:L2:email']);
    const page = l2.find((m) => m.channel === 'email')?.message ?? '';
    expect(page).toContain(`${alarmName}: a cap was reached`);
    expect(page).toContain('WHY A PERSON IS NEEDED\n  a cap was reached (cap-reached)');
    expect(page).toContain('NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change');
    expect(page).not.toContain('NEXT STEP: Find out why the alarm fired');
    expect(page).not.toContain('LATER UPDATES');
    expect(page).toMatch(/EARLIER CAUSES \(superseded by a later escalation of the alarm\)\n {2}- .* UTC to .* UTC: the alarm is not borne out by what the automation read: nothing was changed \(not-corroborated\): alarm ".*" not corroborated: queue depth 0 is not > 1000/);
    expect(l2.find((m) => m.channel === 'chat')?.message).toContain('a cap was reached');

    // The episode ends: the OK resolves it (held: it re-opened), so the cases below start from a quiet alarm.
    expect(await escalate(await account.transition(alarmName, 'OK'))).toMatchObject({ action: 'resolved', incidentIds: [incidentId] });
  });

  it("raise-lambda-memory: no out-of-memory line nor count raises nothing and pages why; nor does a line anyone may write (review 14 R14-1's probe); Lambda's REPORT with its errors raises one step", async () => {
    const fn = account.topology.consumer.functionName;
    const memory = async (): Promise<number | undefined> => (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).MemorySize;
    const alarmName = alarmOf('raise-lambda-memory');
    const bare = await onBareAlarm('raise-lambda-memory', alarmName);
    expect(bare.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(bare.decision.reason).toMatch(new RegExp(`not corroborated: no REPORT line of Lambda's failed invocation \\(Runtime\\.OutOfMemory, Runtime\\.ExitError, Extension\\.Crash\\) at ${fn}'s MemorySize 512 MB .*: no datapoints`));
    expect(bare.changes).toEqual([]);
    expect(await memory()).toBe(512);

    // The review's probe (decision 253): a principal with logs:PutLogEvents on the group (PowerUserAccess; any Lambda
    // with AWSLambdaBasicExecutionRole) writes a stream named "attacker" with one line the filter counts. On AWS the
    // filter then counts it (the count below) and the alarm fires for real; errors of the function are counted too
    // (anyone who may invoke it can cause some). Nothing is raised: the line is in no stream Lambda names.
    const logs = new CloudWatchLogsClient(account.clientConfig);
    const forge = async (logStreamName: string): Promise<Decision> => {
      await logs.send(new CreateLogStreamCommand({ logGroupName: account.topology.consumer.logGroupName, logStreamName }));
      await logs.send(new PutLogEventsCommand({ logGroupName: account.topology.consumer.logGroupName, logStreamName, logEvents: [{ timestamp: Date.now() - 1000, message: 'hello Runtime.OutOfMemory from a PowerUser' }] }));
      const { namespace, metricName } = account.topology.oomMetricFilter;
      await account.cloudWatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: metricName, Value: 1, Unit: 'Count', Timestamp: new Date() }] }));
      await putConsumerErrors(account, 1);
      const { result, calls } = await callsDuring([account.accountId], () => onRealAlarm('raise-lambda-memory', alarmName));
      expect(writes(calls).filter((c) => c.startsWith('lambda:'))).toEqual([]);
      return result;
    };
    const forged = await forge('attacker');
    expect(forged).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(forged.reason).toContain('1 line in streams Lambda does not name so (anyone with logs:PutLogEvents on the group can write those)');
    expect(forged.reason).toContain("not taken for a line: the lines it counts were read and none is Lambda's REPORT at this MemorySize");
    expect(await memory()).toBe(512);
    // The same line in a stream named as Lambda names them: stream names are the writer's choice, but it is no REPORT.
    const shaped = await forge(lambdaLogStreamName());
    expect(shaped).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(shaped.reason).toContain('0 Lambda error REPORTs; 1 kill line and 0 PHP memory_limit lines in streams Lambda names');
    expect(await memory()).toBe(512);
    logs.destroy();

    // What AWS records for two real kills of the PHP consumer (an OS-only runtime: decision 267): each the runtime's exit
    // line (signal: killed) and Lambda's Runtime.ExitError REPORT at 512 MB, the filter's count, AWS/Lambda Errors.
    await writeOutOfMemoryLines(account, 2);
    const real = await onRealAlarm('raise-lambda-memory', alarmName);
    expect(real).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 } });
    expect(real.findings).toEqual([
      // The shaped forged line above, and each kill's exit line and REPORT at the MemorySize.
      expect.stringContaining('5 lines of the function out of its MemorySize'),
      expect.stringContaining(`2 REPORT lines of Lambda's (Error Type Runtime.ExitError) at ${fn}'s MemorySize 512 MB, Max Memory Used 512 MB`),
      expect.stringMatching(new RegExp(`^AWS/Lambda Errors \\(Sum\\) of ${fn} in CloudWatch from .*: [1-9]\\d* \\(> 0, published by AWS\\)$`)),
    ]);
    expect(await memory()).toBe(768);
  });

  it('scale-up-database: no CPU datapoint in CloudWatch plans no class change; five minutes over 70% plans it (behind approval in production), and L1, paged for the bare ALARM, is told once that the cause changed', async () => {
    const rds = new RDSClient(account.clientConfig);
    const instanceClass = async (): Promise<string | undefined> =>
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }))).DBInstances?.[0]?.DBInstanceClass;
    const alarmName = alarmOf('scale-up-database');
    // This case's decisions go to escalate (decision 272, below); the cases above left theirs unrouted: dropped.
    await drainDecisions();
    await inbox.read();
    // The event's StateReasonData claims 1500 (the sandbox writes queue-like datapoints): CloudWatch holds none.
    const bare = await onBareAlarm('scale-up-database', alarmName);
    expect(bare.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(bare.decision.reason).toContain('AWS/RDS CPUUtilization (Average) in CloudWatch');
    expect(bare.decision.reason).toContain('no datapoints');
    expect(bare.decision.runbook).toBeUndefined();
    expect(bare.changes).toEqual([]);
    const [opened] = await routeDecisions();
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1 }] });
    expect((await inbox.read()).map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort()).toEqual(['opened:L1:chat', 'opened:L1:email']);

    // RDS published nothing for a while (INSUFFICIENT_DATA, which resolves nothing), then five minutes over 70%: ALARM.
    await account.transition(alarmName, 'INSUFFICIENT_DATA');
    await putDatabaseCpu(account);
    const real = await loadHandler<AlarmHandler>('scale-up-database')(await account.transition(alarmName, 'ALARM'));
    expect(real).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'approval-required' },
      reason: expect.stringContaining('db.r6g.xlarge -> db.r6g.2xlarge (CPU 74.5%, 79.3%, 84.7%, 86.1%, 88.4% in CloudWatch)'),
      runbook: { documentName: 'NotificationService-ScaleUpDatabase' },
    });
    expect(await instanceClass()).toBe('db.r6g.xlarge');
    rds.destroy();

    // Decision 272 (review 14 R14-15's second half): the real ALARM's escalation joins the open incident and supersedes its
    // not-corroborated cause. L1, paged "not borne out ... CloudTrail", is told at that moment, once: delivered twice
    // (Lambda's retry of the same event), one message on each channel it was paged on.
    const [message] = (await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
    await account.sqs.send(new DeleteMessageCommand({ QueueUrl: account.topology.decisionRoute.url, ReceiptHandle: message?.ReceiptHandle }));
    const published: unknown = JSON.parse(message?.Body ?? '{}');
    const escalate = loadHandler<EscalationHandler>('escalate');
    const joined = await escalate(published);
    expect(joined).toMatchObject({ action: 'updated', incidentId: opened?.incidentId, delivered: [{ kind: 'cause', level: 1, tier: 'DevOps Team (L1)', via: 'chat+email' }] });
    expect(await escalate(published)).toMatchObject({ action: 'updated', incidentId: opened?.incidentId, delivered: [] });
    const item = (await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `ESCALATION#${opened?.incidentId ?? ''}`, sk: 'INCIDENT' }, ConsistentRead: true }))).Item;
    expect(item).toMatchObject({ status: 'OPEN', level: 1, cause: 'approval-required', causeChange: { count: 1 }, earlierCauses: [expect.objectContaining({ cause: 'not-corroborated' })] });
    const told = await inbox.read();
    expect(told.map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort()).toEqual(['cause-changed:L1:chat', 'cause-changed:L1:email']);
    const email = told.find((m) => m.channel === 'email')?.message ?? '';
    expect(email).toContain('The cause of the page you (DevOps Team (L1)) received is superseded: it was the alarm is not borne out by what the automation read: nothing was changed (not-corroborated)');
    expect(email).toContain('The cause is now: the change needs approval (approval-required).');
    expect(email).toContain('db.r6g.xlarge -> db.r6g.2xlarge (CPU 74.5%, 79.3%, 84.7%, 86.1%, 88.4% in CloudWatch)');
    expect(email).toContain('NotificationService-ScaleUpDatabase');
    expect(email).not.toContain('CloudTrail');
    expect(told.find((m) => m.channel === 'chat')?.message).toContain('The cause is now:* the change needs approval (approval-required)');
    expect(await inbox.read()).toEqual([]);
  });
});
