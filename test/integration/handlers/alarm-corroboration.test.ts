// Review 11b F3 (decision 217): an alarm put in ALARM with SetAlarmState (CloudWatch's testing call, what the sandbox's
// transition() makes) changes nothing unless the playbook's own reading bears it out; the real condition still changes.
// One production account, the three rows that change something, each first without the condition, then with it.
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import type { Decision } from '../../../shared/pipeline/types';
import { loadHandler } from '../../support/load-handler';
import { callsDuring, writes } from '../support/proxy-calls';
import { provisionAccount, putDatabaseCpu, putQueueDepth, queueAlarmName, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';

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

  it('raise-lambda-memory: no out-of-memory line nor count raises nothing and pages why; a Runtime.OutOfMemory line raises one step', async () => {
    const memory = async (): Promise<number | undefined> =>
      (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize;
    const alarmName = alarmOf('raise-lambda-memory');
    const bare = await onBareAlarm('raise-lambda-memory', alarmName);
    expect(bare.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(bare.decision.reason).toMatch(new RegExp(`not corroborated: no line of ${account.topology.consumer.functionName} out of its MemorySize .*: no datapoints`));
    expect(bare.changes).toEqual([]);
    expect(await memory()).toBe(512);

    await writeOutOfMemoryLines(account, 2);
    const real = await onRealAlarm('raise-lambda-memory', alarmName);
    expect(real).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 }, findings: [expect.stringContaining('2 lines of the function out of its MemorySize')] });
    expect(await memory()).toBe(768);
  });

  it('scale-up-database: no CPU datapoint in CloudWatch plans no class change; five minutes over 70% plans it (behind approval in production)', async () => {
    const rds = new RDSClient(account.clientConfig);
    const instanceClass = async (): Promise<string | undefined> =>
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }))).DBInstances?.[0]?.DBInstanceClass;
    const alarmName = alarmOf('scale-up-database');
    // The event's StateReasonData claims 1500 (the sandbox writes queue-like datapoints): CloudWatch holds none.
    const bare = await onBareAlarm('scale-up-database', alarmName);
    expect(bare.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-corroborated' } });
    expect(bare.decision.reason).toContain('AWS/RDS CPUUtilization (Average) in CloudWatch');
    expect(bare.decision.reason).toContain('no datapoints');
    expect(bare.decision.runbook).toBeUndefined();
    expect(bare.changes).toEqual([]);

    await putDatabaseCpu(account);
    const real = await onRealAlarm('scale-up-database', alarmName);
    expect(real).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'approval-required' },
      reason: expect.stringContaining('db.r6g.xlarge -> db.r6g.2xlarge (CPU 74.5%, 79.3%, 84.7%, 86.1%, 88.4% in CloudWatch)'),
      runbook: { documentName: 'NotificationService-ScaleUpDatabase' },
    });
    expect(await instanceClass()).toBe('db.r6g.xlarge');
    rds.destroy();
  });
});
