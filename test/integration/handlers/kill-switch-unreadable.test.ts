// A kill switch that says "off" but cannot be read for a moment (SSM throttling, injected by the gap proxy) is not a
// switch someone set (decision 173): through the real entry points against the emulator, the alarm handlers change
// nothing and record nothing final while it is unreadable, and the retry after the fault clears decides as usual; the
// escalation pages L1 anyway, live, saying the switch could not be read (decision 178), and exactly once. A switch that
// stays unreadable (a denied read) exhausts Lambda's retries; the failed-invocations queue's alarm then reaches L1's
// email through the unfiltered automation health topic (review 12, R12-9; decision 209).
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { DELIVERY } from '../../../infra/lib/settings';
import { createAlarmEvaluator } from '../../../sandbox/alarm-evaluator';
import { invokeAsynchronously } from '../../../sandbox/async-invocation';
import { deadLetterAlarmInput, provisionAutomationHealth, subscribeStandIn } from '../../../sandbox/automation-health';
import { createEscalationInbox } from '../../../sandbox/escalation-inbox';
import { DEAD_LETTER_QUEUES, deadLetterAlarmSpec } from '../../../shared/config/automation-health';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { loadHandler } from '../../support/load-handler';
import { breach, provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

const CONTROL = process.env.SANDBOX_PROXY_CONTROL ?? '';
/** More failures than the SDK's attempts at one read: the whole read fails, as under sustained throttling. */
const THROTTLED = 10;
/**
 * The throttled GetParameter calls of one read of the switch: the handlers' SDK clients make maxAttempts = 4 attempts
 * (shared/aws/client-config.ts, adaptive retry mode; ThrottlingException is retryable), and one invocation reads the
 * switch once (a failed read is not kept, so this is also the count of reads). Exact on purpose (review 12, R12-11): a
 * handler that read it per guardrail or per step, or looped on it, would add SSM load in exactly this throttling.
 */
const ATTEMPTS_PER_READ = 4;
/** Reads, by operation name. */
const READ = /^(Describe|Get|List|Query|Scan|BatchGet|Filter|Lookup)/;
/** The automation's own records: the state table, its decision events. */
const OWN_RECORDS = /^dynamodb:(PutItem|UpdateItem|DeleteItem|TransactWriteItems)$|^events:PutEvents$/;

async function throttleKillSwitch(account: SandboxAccount): Promise<void> {
  await setProxyFaults(CONTROL, [{ service: 'ssm', operation: 'GetParameter', times: THROTTLED, status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }], {
    accountId: account.accountId,
  });
}

/** How often the injected throttling fired, then the fault is cleared. */
async function clearThrottling(account: SandboxAccount): Promise<number> {
  const [fault] = await getProxyFaults(CONTROL, { accountId: account.accountId });
  await clearProxyFaults(CONTROL, { accountId: account.accountId });
  return THROTTLED - (fault?.remaining ?? THROTTLED);
}

async function callsSince(account: SandboxAccount, since: number): Promise<string[]> {
  return (await getProxyCalls(CONTROL, since)).filter((c) => c.accountId === account.accountId).map((c) => `${c.service}:${c.operation}`);
}

async function callCount(): Promise<number> {
  return await getProxyCallCount(CONTROL);
}

/** The decisions on the project's bus, as EventBridge delivered them to the sandbox's queue (consumed). */
async function publishedDecisions(account: SandboxAccount): Promise<Array<{ detail: Decision }>> {
  const decisions: Array<{ detail: Decision }> = [];
  for (;;) {
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!received.Messages?.length) return decisions;
    for (const m of received.Messages) {
      decisions.push(JSON.parse(m.Body ?? '{}') as { detail: Decision });
      await account.sqs.send(new DeleteMessageCommand({ QueueUrl: account.topology.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** What the three changing playbooks change. */
async function changeableState(account: SandboxAccount): Promise<Record<string, unknown>> {
  const { consumer, database } = account.topology;
  const rds = new RDSClient(account.clientConfig);
  const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: database.identifier }))).DBInstances?.[0];
  rds.destroy();
  return {
    maximumConcurrency: (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency,
    memoryMb: (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: consumer.functionName }))).MemorySize,
    dbInstanceClass: db?.DBInstanceClass,
    pendingDbClass: db?.PendingModifiedValues?.DBInstanceClass,
  };
}

describe('an unreadable kill switch ("off", GetParameter throttled): the alarm handlers (production)', () => {
  let account: SandboxAccount;

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  // The three playbooks whose plan is a change; what the retry decides once the switch answers "off" (production
  // resizes a database only behind approval, so that retry escalates for it instead of applying).
  it.each([
    ['scale-consumers', 'applied', { maximumConcurrency: 100 }],
    ['raise-lambda-memory', 'applied', { memoryMb: 768 }],
    ['scale-up-database', 'escalate', {}],
  ] as const)('%s changes nothing and publishes nothing while the switch is unreadable; the retry after the fault clears decides (%s)', async (name, retried, changed) => {
    const alarmName = account.topology.alarmNamesByHandler[name]?.[0];
    if (!alarmName) throw new Error(`no alarm for ${name}`);
    const handler = loadHandler<AlarmHandler>(name);
    await breach(account, name); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(alarmName, 'ALARM');
    await publishedDecisions(account);
    const before = await changeableState(account);

    await throttleKillSwitch(account);
    const since = await callCount();
    const attempt = handler(event);
    // The handler's own module registry (a fresh container): its TransientError class, matched by name.
    await expect(attempt).rejects.toMatchObject({ name: 'TransientError', message: expect.stringContaining('could not be read (ThrottlingException): nothing is changed until it can be read') });
    expect(await clearThrottling(account)).toBe(ATTEMPTS_PER_READ);
    const calls = await callsSince(account, since);
    expect(calls.filter((c) => c === 'ssm:GetParameter')).toHaveLength(ATTEMPTS_PER_READ);
    // Nothing but reads and the claim's own writes (taken, then given back); no decision on the bus.
    expect(calls.filter((c) => !READ.test(c.slice(c.indexOf(':') + 1)) && !OWN_RECORDS.test(c))).toEqual([]);
    expect(calls).not.toContain('events:PutEvents');
    expect(await publishedDecisions(account)).toEqual([]);
    expect(await changeableState(account)).toEqual(before);

    // Lambda's retry of the same event, the switch readable again: decided as usual, not "duplicate (dry-run)".
    const decision = await handler(event);
    expect(decision).toMatchObject({ playbook: name, outcome: retried });
    expect(decision.reason).not.toContain('kill switch');
    if (name === 'scale-up-database') expect(decision).toMatchObject({ escalation: { cause: 'approval-required' } });
    expect(await changeableState(account)).toEqual({ ...before, ...changed });
    expect((await publishedDecisions(account)).map((d) => d.detail.outcome)).toEqual([retried]);
  });
});

describe('an unreadable kill switch ("off", GetParameter throttled): the escalation (production)', () => {
  it('pages L1 live while the read fails, saying so, records the page once, and a redelivery sends nothing again', async () => {
    const account = await provisionAccount('production');
    const inbox = await createEscalationInbox(account.clientConfig, account.topology, 'kill-switch-unread-inbox');
    // The consumers at the production cap: scale-consumers escalates (cap-reached), which opens an incident.
    await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
    await publishedDecisions(account);
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    await loadHandler<AlarmHandler>('scale-consumers')(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    const [decision] = await publishedDecisions(account);
    expect(decision?.detail).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' } });

    const escalate = loadHandler<EscalationHandler>('escalate');
    await throttleKillSwitch(account);
    const since = await callCount();
    const opened = await escalate(decision);
    // One read before L1's one delivery (withKillSwitchNotice), its four attempts all throttled.
    expect(await clearThrottling(account)).toBe(ATTEMPTS_PER_READ);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1, via: 'chat+email' }] });
    const calls = await callsSince(account, since);
    expect(calls.filter((c) => c === 'ssm:GetParameter')).toHaveLength(ATTEMPTS_PER_READ);
    expect(calls.filter((c) => c === 'sns:Publish')).toHaveLength(2);

    const messages = await inbox.read();
    expect(messages.map((m) => `L${m.level} ${m.channel}`).sort()).toEqual(['L1 chat', 'L1 email']);
    const email = messages.find((m) => m.channel === 'email');
    expect(email?.message.split('\n')[0]).toMatch(/^KILL SWITCH UNREADABLE: kill switch \/notification-runbooks\/kill-switch could not be read \(ThrottlingException\)/);

    // EventBridge's redelivery of the same decision, the switch readable again: the page was recorded as sent, and is not sent twice.
    const again = await escalate(decision);
    expect(again).toMatchObject({ delivered: [] });
    expect(await inbox.read()).toEqual([]);
  });
});

describe('a kill switch that stays unreadable (a denied read): the failed invocations reach L1 by email (review 12, R12-9)', () => {
  /** The L1 email endpoints' filter policy, as infra subscribes them (infra/lib/constructs/escalation-topics.ts). */
  const L1_EMAIL_FILTER = { channel: ['email'] };
  /** More denials than the run makes: the read stays denied for every attempt. */
  const DENIED = 100;

  it("scale-consumers fails its three attempts, the record lands in the failed-invocations queue, and its alarm's page arrives at L1's email through the health topic (L1's own topic would have dropped it)", async () => {
    const account = await provisionAccount('production');
    const health = await provisionAutomationHealth(account.clientConfig);
    const l1 = account.topology.escalationTopics.find((t) => t.level === 1);
    if (!l1) throw new Error('no L1 topic');
    // The deployment's subscribers: L1's address on the health topic (no filter) and on L1's topic (channel = email).
    const healthEmail = await subscribeStandIn(account.clientConfig, health.topicArn, 'r12-9-health-email');
    const l1Email = await subscribeStandIn(account.clientConfig, l1.arn, 'r12-9-l1-email', L1_EMAIL_FILTER);
    // A chat subscriber of L1 (Chatbot subscribes without a filter): shows that a publish to L1 did happen below.
    const l1Chat = await subscribeStandIn(account.clientConfig, l1.arn, 'r12-9-l1-chat');

    const alarmName = account.topology.alarmNamesByHandler['scale-consumers']?.[0];
    if (!alarmName) throw new Error('no alarm for scale-consumers');
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217): a scale-up reads the switch
    const event = await account.transition(alarmName, 'ALARM');
    await publishedDecisions(account);
    const before = await changeableState(account);

    // An SCP or permissions boundary denying ssm:GetParameter on the switch: the SDK does not retry AccessDenied.
    await setProxyFaults(
      CONTROL,
      [{ service: 'ssm', operation: 'GetParameter', times: DENIED, status: 400, code: 'AccessDeniedException', message: 'not authorized to perform: ssm:GetParameter with an explicit deny in a service control policy' }],
      { accountId: account.accountId },
    );
    const handler = loadHandler<AlarmHandler>('scale-consumers');
    const run = await invokeAsynchronously({
      handler: (e) => handler(e as Parameters<AlarmHandler>[0]),
      event,
      functionArn: `arn:aws:lambda:us-east-1:${account.accountId}:function:notification-runbooks-scale-consumers`,
      maximumRetryAttempts: DELIVERY.asyncRetryAttempts,
      onFailure: { sqs: account.sqs, queueUrl: health.failedInvocations.url },
    });
    const [fault] = await getProxyFaults(CONTROL, { accountId: account.accountId });
    await clearProxyFaults(CONTROL, { accountId: account.accountId });
    // 1 + MaximumRetryAttempts (2) attempts, each reading the switch once, one denied call each.
    expect(run.attempts).toBe(3);
    expect(DENIED - (fault?.remaining ?? DENIED)).toBe(3);
    for (const error of run.errors) expect(error).toMatchObject({ name: 'TransientError', message: expect.stringContaining('could not be read (AccessDeniedException)') });
    expect(run.failureRecord).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: event });
    expect(await changeableState(account)).toEqual(before);
    expect(await publishedDecisions(account)).toEqual([]);

    // CloudWatch's next evaluation: the queue holds the record, the alarm goes to ALARM and publishes its notification.
    const evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology });
    const transitions = await evaluator.evaluateOnce();
    // (moto creates an alarm in OK, CloudWatch in INSUFFICIENT_DATA: the state it leaves is what matters.)
    expect(transitions.filter((t) => t.alarmName === health.failedInvocations.alarmName).map((t) => `-> ${t.to} (${String(t.value)} message)`)).toEqual(['-> ALARM (1 message)']);

    const received = await healthEmail.read();
    expect(received).toHaveLength(1);
    expect(received[0]?.subject).toBe('ALARM: "notification-runbooks-failed-invocations not empty" in US East (N. Virginia)');
    expect(received[0]?.attributes).toEqual({});
    const notification = JSON.parse(received[0]?.message ?? '{}') as Record<string, unknown>;
    expect(notification).toMatchObject({ AlarmName: health.failedInvocations.alarmName, NewStateValue: 'ALARM', AWSAccountId: account.accountId });
    expect(String(notification.AlarmDescription)).toContain('while the kill switch cannot be read');
    expect(await l1Email.read()).toEqual([]);

    // The wiring before R12-9 (the alarm's action L1's topic), replayed: L1's chat subscriber gets the notification, the
    // email subscriber does not (the message carries no channel attribute), so nobody on email would have heard.
    const spec = deadLetterAlarmSpec(DEAD_LETTER_QUEUES.failedInvocations);
    await account.cloudWatch.send(new PutMetricAlarmCommand({ ...deadLetterAlarmInput(spec, [l1.arn]), AlarmDescription: undefined }));
    await account.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: spec.alarmName, StateValue: 'OK', StateReason: 'replaying the old wiring' }));
    await evaluator.evaluateOnce();
    expect((await l1Chat.read()).map((m) => m.subject)).toEqual(['ALARM: "notification-runbooks-failed-invocations not empty" in US East (N. Virginia)']);
    expect(await l1Email.read()).toEqual([]);
    expect(await healthEmail.read()).toEqual([]);
  });
});
