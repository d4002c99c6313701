// The escalation path through its real entry points (escalate, escalation-timer) and the real SDK, against the emulator:
// an SQS queue subscribed to each tier's SNS topic shows what each tier received; the Scheduler driver plays the clock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateCaseCommand, DescribeCasesCommand, ResolveCaseCommand, SupportClient } from '@aws-sdk/client-support';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parse as parseYaml } from 'yaml';
import { ackCommand } from '../../../cli/ack';
import { handlerOfFunctionArn } from '../../../shared/escalation/deployment';
import { incidentIdFor } from '../../../shared/escalation/incident';
import type { FaultRule } from '../../../sandbox/gap-proxy';
import type { InboxMessage } from '../../../sandbox/escalation-inbox';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, releaseProxyHolds, setProxyFaults } from '../../../sandbox/proxy-control';
import { createSandboxClock, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import { provisionAccount, putQueueDepth } from '../support/sandbox-account';
import { consumersAtCap, escalationHarness, NO_REGROUPING_ENV, type EscalationHarness } from '../support/escalation-harness';
import { handlerScheduleDriver } from '../support/handler-schedules';

const MINUTE_MS = 60_000;

interface Harness extends EscalationHarness {
  driver: SchedulerDriver;
  scheduler: SchedulerClient;
}

async function harness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const account = await provisionAccount('production', extraEnv);
  const parts = await escalationHarness(account);
  return { ...parts, scheduler: new SchedulerClient(account.clientConfig), driver: handlerScheduleDriver(account, 'escalation-timer', parts.timer) };
}

/** The "Runbook Decision" events scale-consumers put on the project's bus, as EventBridge delivered them to the queue. */
async function publishedDecisions(h: Harness): Promise<Array<Record<string, unknown> & { detail: Record<string, unknown> }>> {
  const received = await h.account.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: h.account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  for (const m of received.Messages ?? []) {
    await h.account.sqs.send(new DeleteMessageCommand({ QueueUrl: h.account.topology.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
  }
  return (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown> & { detail: Record<string, unknown> });
}

/** The queue alarm fires; scale-consumers decides; returns the decision event it published. */
async function alarmAndDecision(h: Harness): Promise<Record<string, unknown> & { detail: Record<string, unknown> }> {
  await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
  const event = await h.account.transition(h.alarmName, 'ALARM', 'Threshold Crossed: 1 out of the last 1 datapoints [1500.0 (25/11/26 14:00:00)] was greater than the threshold (1000.0)');
  await h.scaleConsumers(event);
  const [decision] = await publishedDecisions(h);
  if (!decision) throw new Error('scale-consumers published no decision');
  return decision;
}

function byTier(messages: readonly InboxMessage[]): Record<number, InboxMessage[]> {
  const grouped: Record<number, InboxMessage[]> = {};
  for (const m of messages) (grouped[m.level] ??= []).push(m);
  return grouped;
}

function channelsOf(messages: readonly InboxMessage[] | undefined): string[] {
  return (messages ?? []).map((m) => `${m.kind}:${m.channel}`).sort();
}

async function incidentItem(h: Harness, incidentId: string): Promise<Record<string, unknown> | undefined> {
  const result = await h.account.dynamo.send(
    new GetCommand({ TableName: h.account.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }),
  );
  return result.Item;
}

async function scheduleNames(h: Harness): Promise<string[]> {
  const listed = await h.scheduler.send(new ListSchedulesCommand({ GroupName: h.account.topology.escalationScheduleGroup.name }));
  return (listed.Schedules ?? []).map((s) => s.Name ?? '').sort();
}

/** The incident's next tier made due `agoMs` ago (the handlers run on the real clock, so the wait is written on the item); returns when. */
async function nextTierDueAgo(h: Harness, incidentId: string, agoMs: number): Promise<string> {
  const dueAt = new Date(Date.now() - agoMs).toISOString();
  await h.account.dynamo.send(
    new UpdateCommand({
      TableName: h.account.topology.stateTable.name,
      Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' },
      UpdateExpression: 'SET nextEscalationAt = :due, ladderDueAt = :due',
      ExpressionAttributeValues: { ':due': dueAt },
    }),
  );
  return dueAt;
}

/**
 * A Lambda context on the test's clock, which stands at `timeoutMs` left (review 20a R20-8): the handlers arm their deadline
 * from it, so every call is given the same budget (`timeoutMs` less the reserve) however long the calls before it took on a
 * loaded machine; on the wall clock, calls slower than ~7 s in all left the publishes no time and failed the case. Lambda's
 * clock running down across calls is the deadline unit cases' (jest's fake clock).
 */
function lambdaContext(timeoutMs: number): { getRemainingTimeInMillis: () => number } {
  return { getRemainingTimeInMillis: () => timeoutMs };
}

/** The incident's send record of a tier's notice (SEND#notify#L<level>), read consistently. */
async function sendItem(h: Harness, incidentId: string, level: number): Promise<Record<string, unknown> | undefined> {
  const key = { pk: `ESCALATION#${incidentId}`, sk: `SEND#notify#L${level}` };
  return (await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: key, ConsistentRead: true }))).Item;
}

/**
 * Review 18b R18-10's stall (decisions 306, 312): `invoke` runs with 15 s left while both of the account's SNS publishes are
 * held at the gap proxy until the test lets them go (a hold rule, review 20a R20-8: no answer can race the deadline's
 * abort at 7 s; the SDK's 10 s requestTimeout only warns; let go, they get a 503, never moto). Asserts both were held
 * when the invocation gave up and the stall fired exactly twice (the two channels, no publish retried), the invocation
 * failed with the deadline's TransientError, 2 Publish calls were made and nobody was paged. Returns a count of the
 * account's Publish calls since just before the stall.
 */
async function stalledPastDeadline(h: Harness, invoke: (context: { getRemainingTimeInMillis: () => number }) => Promise<unknown>): Promise<() => Promise<number>> {
  const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
  const scope = { accountId: h.account.accountId };
  const since = await getProxyCallCount(control);
  const publishes = async (): Promise<number> =>
    (await getProxyCalls(control, since)).filter((c) => c.accountId === h.account.accountId && c.service === 'sns' && c.operation === 'Publish').length;
  await setProxyFaults(control, [{ service: 'sns', operation: 'Publish', times: 2, hold: true, status: 503, code: 'ServiceUnavailable' }], scope);
  let cut: unknown;
  // A deadline that never aborts would wait on the held publishes for ever: a minute on (the abort is due at 7 s) they are
  // let go with the 503, the SDK retries them past the spent rule, and the case fails on what follows instead of hanging.
  const unstick = setTimeout(() => void releaseProxyHolds(control, scope).catch(() => undefined), 60_000);
  try {
    cut = await invoke(lambdaContext(15_000)).catch((error: unknown) => error);
    expect((await getProxyFaults(control, scope)).map((f) => [f.remaining, f.held])).toEqual([[0, 2]]);
  } finally {
    clearTimeout(unstick);
    await clearProxyFaults(control, scope);
  }
  expect(cut).toMatchObject({ name: 'TransientError', message: expect.stringMatching(/^SNS Publish \((chat|email)\) failed: CallDeadlineExceeded: SNS call did not answer within \d+\.\d s$/) });
  expect(await publishes()).toBe(2);
  expect(await h.inbox.read()).toEqual([]);
  return publishes;
}

/**
 * A fresh incident: the alarm back to OK (its resolutions read), then firing with the consumers at the cap, so
 * scale-consumers escalates and escalate opens the incident, L1 paged: the case does not lean on the cases before it
 * (review 19 R19-9: run alone, the consumers were below the cap, the change applied, escalate 'watching'). Returns its id.
 */
async function incidentOpenedAtCap(h: Harness): Promise<string> {
  await h.escalate(await h.account.transition(h.alarmName, 'OK'));
  await h.inbox.read();
  await consumersAtCap(h.account);
  const opened = await h.escalate(await alarmAndDecision(h));
  const incidentId = opened.incidentId ?? '';
  expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
  return incidentId;
}

/** L3 due: the incident opened (L1 paged), L2 paged by its timer, each tier made due a minute ago. Returns the incident's id. */
async function incidentWithL3Due(h: Harness): Promise<string> {
  const incidentId = await incidentOpenedAtCap(h);
  await nextTierDueAgo(h, incidentId, MINUTE_MS);
  expect(await h.timer({ action: 'escalate', incidentId, level: 2 }, lambdaContext(60_000))).toMatchObject({ action: 'escalated', delivered: [{ level: 2 }] });
  await h.inbox.read();
  await nextTierDueAgo(h, incidentId, MINUTE_MS);
  return incidentId;
}

interface SupportCase { caseId?: string; subject?: string; severityCode?: string }

/** The Support cases in moto whose subject names the incident, resolved ones included. */
async function supportCasesOf(support: SupportClient, incidentId: string): Promise<SupportCase[]> {
  return ((await support.send(new DescribeCasesCommand({ includeResolvedCases: true }))).cases ?? []).filter((c) => c.subject?.includes(incidentId));
}

/** The operations of the account's Support calls through the gap proxy since call number `since`. */
async function supportOperationsSince(h: Harness, since: number): Promise<string[]> {
  return (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === h.account.accountId && c.service === 'support').map((c) => c.operation);
}

/**
 * The escalation timer run once under one fault rule of the account's (times: 1) at the gap proxy: asserts the rule was
 * spent (it fired exactly once), clears the account's rules and returns what the timer returned or threw.
 */
async function timerUnderOneFault(h: Harness, event: unknown, context: ReturnType<typeof lambdaContext>, fault: FaultRule): Promise<unknown> {
  const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
  const scope = { accountId: h.account.accountId };
  await setProxyFaults(control, [fault], scope);
  try {
    const cut = await h.timer(event, context).catch((error: unknown) => error);
    expect((await getProxyFaults(control, scope)).map((f) => f.remaining)).toEqual([0]);
    return cut;
  } finally {
    await clearProxyFaults(control, scope);
  }
}

describe('escalation along the support path (production)', () => {
  let h: Harness;
  let incidentId: string;
  const clock = createSandboxClock();

  beforeAll(async () => {
    h = await harness();
    await consumersAtCap(h.account);
  });

  it('notifies L1 once, by email and chat, when a remediation cannot close the incident', async () => {
    const decision = await alarmAndDecision(h);
    expect(decision.detail).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' } });

    const result = await h.escalate(decision);
    expect(result).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1, tier: 'DevOps Team (L1)', via: 'chat+email' }] });
    incidentId = result.incidentId ?? '';
    expect(incidentId).toMatch(/^inc-[0-9a-f]{12}$/);

    const tiers = byTier(await h.inbox.read());
    expect(Object.keys(tiers)).toEqual(['1']);
    expect(channelsOf(tiers[1])).toEqual(['opened:chat', 'opened:email']);

    const email = tiers[1]?.find((m) => m.channel === 'email');
    expect(email?.subject).toMatch(/^\[ESCALATION L1\]\[production\] NotificationService Queue Depth > 1000/);
    expect(email?.subject?.length).toBeLessThanOrEqual(99);
    expect(email?.message).toContain(`Alarm:       ${h.alarmName}`);
    expect(email?.message).toContain('Reason:      Threshold Crossed');
    expect(email?.message).toContain(`Account:     ${h.account.accountId}`);
    expect(email?.message).toContain('Region:      us-east-1');
    expect(email?.message).toContain('Environment: production');
    expect(email?.message).toContain('a cap was reached (cap-reached)');
    // Cap reached: the next step is chosen by the cause (decision 149): where the cap lives and what to look at first, and
    // no run of ScaleConsumers, which invokes the same automation and stops at the same cap.
    expect(email?.message).toContain('NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change');
    expect(email?.message).toContain(
      '  The cap is environments.production.scaleConsumers.maxConcurrency in the runbook configuration (RUNBOOK_CONFIG_JSON, the JSON `cdk deploy -c config=...` takes), then deploy (AWS allows at most 1000).',
    );
    expect(email?.message).toContain('  Re-running NotificationService-ScaleConsumers will not help: it invokes the same automation, which stops at the same cap.');
    expect(email?.message).not.toContain('start-automation-execution --region us-east-1 --document-name NotificationService-ScaleConsumers');
    expect(email?.message).not.toContain('/systems-manager/automation/execute/NotificationService-ScaleConsumers');
    expect(email?.message).toContain(`runbook ack ${incidentId}`);
    expect(email?.message).toMatch(/- DevOps Team \(L1\) at .* via chat, email/);
    expect(email?.message).toMatch(/Cloud Infrastructure Team \(L2\) at .* \(in 15 min\)/);

    const chat = JSON.parse(tiers[1]?.find((m) => m.channel === 'chat')?.message ?? '{}') as Record<string, unknown>;
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: expect.stringContaining('DevOps Team (L1)'), description: expect.stringContaining('a cap was reached') },
      metadata: { threadId: incidentId, eventType: 'NotificationServiceEscalation' },
    });

    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'OPEN', level: 1, nextLevel: 2, cause: 'cap-reached' });
    const schedule = await h.scheduler.send(
      new GetScheduleCommand({ Name: `escalation-${incidentId}-l2`, GroupName: h.account.topology.escalationScheduleGroup.name }),
    );
    expect(schedule).toMatchObject({ ActionAfterCompletion: 'DELETE', FlexibleTimeWindow: { Mode: 'OFF' }, ScheduleExpressionTimezone: 'UTC' });
    expect(schedule.ScheduleExpression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/);
    // The timer names the incident's alarm, so escalation-timer re-reads it at once with the incident (decision 96).
    expect(JSON.parse(schedule.Target?.Input ?? '{}')).toEqual({ action: 'escalate', incidentId, level: 2, alarm: { name: h.alarmName, account: h.account.accountId } });
    expect(handlerOfFunctionArn(schedule.Target?.Arn ?? '')).toBe('escalation-timer');
    // Decision 239: a timer Scheduler cannot deliver within L1's 15 minutes is dropped (and alarmed), not paged hours late.
    expect(schedule.Target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 185 });
  });

  it('refuses a timer that names another alarm than its incident: nobody notified, the incident unchanged', async () => {
    const other = { name: 'NotificationService Error Rate > 1% (notification-service-consumer)', account: h.account.accountId };
    const result = await h.timer({ action: 'escalate', incidentId, level: 2, alarm: other });
    expect(result).toMatchObject({ action: 'refused', delivered: [] });
    expect(result.reason).toContain(`incident ${incidentId} is about alarm "${h.alarmName}" in account ${h.account.accountId}`);
    expect(await h.inbox.read()).toEqual([]);
    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'OPEN', level: 1, nextLevel: 2 });
    expect(await scheduleNames(h)).toEqual([`escalation-${incidentId}-l2`]);
  });

  it('escalates to L2 only once L1 has had its 15 minutes and the alarm is still in ALARM', async () => {
    clock.advance(14 * MINUTE_MS);
    expect(await h.driver.runDue(clock)).toEqual([]);
    expect(await h.inbox.read()).toEqual([]);

    clock.advance(2 * MINUTE_MS);
    const fired = await h.driver.runDue(clock);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.result).toMatchObject({ action: 'escalated', delivered: [{ level: 2, tier: 'Cloud Infrastructure Team (L2)' }] });

    const tiers = byTier(await h.inbox.read());
    expect(Object.keys(tiers)).toEqual(['2']);
    expect(channelsOf(tiers[2])).toEqual(['escalated:chat', 'escalated:email']);
    const email = tiers[2]?.find((m) => m.channel === 'email');
    expect(email?.subject).toMatch(/^\[ESCALATED L2\]\[production\]/);
    expect(email?.message).toContain('Escalated to you because DevOps Team (L1) did not acknowledge within 15 min and the alarm is still in ALARM.');
    expect(email?.message).toMatch(/- DevOps Team \(L1\) at .*\n {2}- Cloud Infrastructure Team \(L2\) at /);
    expect(await scheduleNames(h)).toEqual([`escalation-${incidentId}-l3`]);
  });

  it('opens an AWS Support case for the Enterprise tier and pages its topic, the people who own the case', async () => {
    clock.advance(31 * MINUTE_MS);
    const fired = await h.driver.runDue(clock);
    expect(fired[0]?.result).toMatchObject({ action: 'escalated', delivered: [{ level: 3, via: expect.stringMatching(/^support case /) }] });
    const tiers = byTier(await h.inbox.read());
    expect(Object.keys(tiers)).toEqual(['3']);
    expect(channelsOf(tiers[3])).toEqual(['escalated:email']);
    expect(tiers[3]?.[0]?.subject).toMatch(/^\[ESCALATED L3\]\[production\] NotificationService Queue Depth/);
    const cases = await new SupportClient({ ...h.account.clientConfig, region: 'us-east-1' }).send(new DescribeCasesCommand({ includeResolvedCases: true }));
    // The case's subject opens with the send's marker (incident, tier, the nonce its claim wrote: R19-10, R20-23), then the email's subject.
    const nonce = String((await sendItem(h, incidentId, 3))?.caseNonce);
    expect(cases.cases?.map((c) => c.subject)).toEqual([expect.stringMatching(new RegExp(`^\\[${incidentId} L3 ${nonce}\\] \\[ESCALATED L3\\]\\[production\\] NotificationService Queue`))]);
    expect(cases.cases?.[0]?.subject?.length).toBeLessThanOrEqual(99);
  });

  it('resolves on OK: every notified tier gets exactly one resolution message, even when the OK arrives twice', async () => {
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const ok = await h.account.transition(h.alarmName, 'OK', 'Threshold Crossed: no datapoints were breaching');
    const both = await Promise.all([h.escalate(ok), h.escalate(ok)]);
    expect(both.map((r) => r.action)).toContain('resolved');
    expect(both.flatMap((r) => r.delivered).map((d) => `L${d.level}`).sort()).toEqual(['L1', 'L2', 'L3']);

    const tiers = byTier(await h.inbox.read());
    expect(channelsOf(tiers[1])).toEqual(['resolved:chat', 'resolved:email']);
    expect(channelsOf(tiers[2])).toEqual(['resolved:chat', 'resolved:email']);
    expect(channelsOf(tiers[3])).toEqual(['resolved:email']);
    expect(tiers[4]).toBeUndefined();
    expect(tiers[1]?.find((m) => m.channel === 'email')?.subject).toBe(`[RESOLVED][production] ${h.alarmName}`);
    // The support case hears about it once, as a new communication on the case.
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === h.account.accountId);
    expect(calls.filter((c) => c.operation === 'AddCommunicationToCase')).toHaveLength(1);

    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'RESOLVED' });
    expect(await scheduleNames(h)).toEqual([]);
    clock.advance(240 * MINUTE_MS);
    expect(await h.driver.runDue(clock)).toEqual([]);
  });
});

describe('acknowledging an incident', () => {
  let h: Harness;
  const clock = createSandboxClock();

  beforeAll(async () => {
    // Each case is about a fresh incident's acknowledgement: with decision 204's grouping, the second case's ALARM,
    // seconds after the first case's incident resolved, re-opened that incident, whose next tier (decision 212) was due
    // by a clock the driver had advanced, so whether its L2 timer fired depended on timing (fresh-clone run of main +
    // 216/217: 'stopped' expected, nothing fired). Grouping is off here, as in the duplicates describe below.
    h = await harness(NO_REGROUPING_ENV);
    await consumersAtCap(h.account);
  });

  it('stops the escalation: the timer finds it acknowledged and L2 is never notified', async () => {
    const opened = await h.escalate(await alarmAndDecision(h));
    const incidentId = opened.incidentId ?? '';
    expect(channelsOf(byTier(await h.inbox.read())[1])).toEqual(['opened:chat', 'opened:email']);

    // The acknowledger is who the credentials are (decision 174), as STS says; --by is a self-declared note beside it.
    const caller = (await new STSClient(h.account.clientConfig).send(new GetCallerIdentityCommand({}))).Arn ?? '';
    const acknowledger = `${caller} (self-declared: "alice@example.com")`;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await ackCommand(incidentId, { by: 'alice@example.com' })).toBe(0);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(`${incidentId} acknowledged by ${acknowledger}: escalation stopped. L2`));
      // The same principal again (a replay) is fine for a script: it says the incident is already its own.
      expect(await ackCommand(incidentId, { by: 'bob' })).toBe(0);
      expect(log).toHaveBeenLastCalledWith(expect.stringContaining(`was already acknowledged by you (${acknowledger})`));
    } finally {
      log.mockRestore();
    }
    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: caller, acknowledgedNote: 'alice@example.com', acknowledgedVia: 'runbook ack' });

    clock.advance(16 * MINUTE_MS);
    const fired = await h.driver.runDue(clock);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.result).toMatchObject({ action: 'stopped', reason: expect.stringContaining(`acknowledged by ${acknowledger} at `) });
    expect(await h.inbox.read()).toEqual([]);
    expect(await scheduleNames(h)).toEqual([]);

    // Acknowledged is not resolved: the OK still tells L1, once.
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    const tiers = byTier(await h.inbox.read());
    expect(Object.keys(tiers)).toEqual(['1']);
    expect(channelsOf(tiers[1])).toEqual(['resolved:chat', 'resolved:email']);
  });

  it('does the same through the SSM document NotificationService-AcknowledgeIncident (its UpdateItem, as written)', async () => {
    const opened = await h.escalate(await alarmAndDecision(h));
    const incidentId = opened.incidentId ?? '';
    await h.inbox.read();

    const document = parseYaml(readFileSync(join(__dirname, '../../../runbooks/NotificationService-AcknowledgeIncident.yaml'), 'utf8')) as {
      parameters: Record<string, { default?: string; allowedPattern: string }>;
      mainSteps: Array<{ name: string; action: string; inputs: Record<string, unknown>; outputs?: Array<{ Name: string; Selector: string }> }>;
    };
    const params: Record<string, string> = { IncidentId: incidentId, Note: 'dave', StateTableName: h.account.topology.stateTable.name };
    for (const [name, value] of Object.entries(params)) expect(value).toMatch(new RegExp(document.parameters[name]?.allowedPattern ?? '$^'));
    // Who acknowledges is who started the execution (decision 174): its first step reads ExecutedBy, which SSM sets.
    const [whoStarted, step] = document.mainSteps;
    expect(whoStarted).toMatchObject({
      action: 'aws:executeAwsApi',
      inputs: { Service: 'ssm', Api: 'GetAutomationExecution', AutomationExecutionId: '{{ automation:EXECUTION_ID }}' },
      outputs: [{ Name: 'ExecutedBy', Selector: '$.AutomationExecution.ExecutedBy' }],
    });
    const carol = `arn:aws:sts::${h.account.accountId}:assumed-role/OnCall/carol`;
    const variables: Record<string, string> = {
      ...params,
      'whoStarted.ExecutedBy': carol,
      'global:DATE_TIME': '2026-11-25_14.31.07',
      'automation:EXECUTION_ID': '4105a4fc-f944-11e6-9d32-0a1b2EXAMPLE',
    };
    expect(step?.action).toBe('aws:executeAwsApi');
    const { Service, Api, ...inputs } = JSON.parse(
      JSON.stringify(step?.inputs).replace(/\{\{\s*([\w:.]+)\s*\}\}/g, (_m, name: string) => variables[name] ?? `{{${name}}}`),
    ) as Record<string, unknown>;
    expect([Service, Api]).toEqual(['dynamodb', 'UpdateItem']);
    const dynamodb = new DynamoDBClient(h.account.clientConfig);
    const updated = await dynamodb.send(new UpdateItemCommand(inputs as unknown as UpdateItemCommandInput));
    expect(updated.Attributes?.status?.S).toBe('ACKNOWLEDGED');
    // Run a second time, the condition fails: the document never overwrites who acknowledged.
    await expect(dynamodb.send(new UpdateItemCommand(inputs as unknown as UpdateItemCommandInput))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });

    clock.advance(60 * MINUTE_MS);
    const fired = await h.driver.runDue(clock);
    expect(fired.map((f) => f.result)).toEqual([expect.objectContaining({ action: 'stopped', reason: expect.stringContaining(`acknowledged by ${carol} (role OnCall verified; its session name "carol" is chosen by whoever assumed the role) (self-declared: "dave")`) })]);
    expect(await h.inbox.read()).toEqual([]);
  });
});

describe('duplicates and the alarm still firing after a remediation', () => {
  let h: Harness;
  const clock = createSandboxClock();

  beforeAll(async () => {
    // Each case fires the queue alarm again seconds after the last case's incident resolved. With the default 30-min
    // grouping window (decision 204) each would re-open that incident; these cases are about a fresh incident's first
    // page, so grouping is off here (a re-fire re-opening is connection-timeout-504.test.ts's flapping case).
    h = await harness(NO_REGROUPING_ENV);
  });

  it('opens an incident when the alarm is still in ALARM after the automatic change, checked by a durable timer', async () => {
    const decision = await alarmAndDecision(h);
    expect(decision.detail).toMatchObject({ outcome: 'applied' });
    const watching = await h.escalate(decision);
    expect(watching).toMatchObject({ action: 'watching', delivered: [] });
    expect(await h.inbox.read()).toEqual([]);

    clock.advance(11 * MINUTE_MS);
    const fired = await h.driver.runDue(clock);
    expect(fired[0]?.result).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    const email = (await h.inbox.read()).find((m) => m.channel === 'email');
    expect(email?.message).toContain('the alarm is still firing after the automatic change (still-firing)');
    expect(email?.message).toContain('scale-consumers changed: scale consumers of notification-service-queue: MaximumConcurrency 50 -> 100');
    expect(email?.message).toMatch(/maximumConcurrency\.[0-9a-f-]+: 50 -> 100/);
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    await h.inbox.read();
  });

  it('notifies L1 once when the same decision event arrives 10 times at once', async () => {
    await consumersAtCap(h.account);
    const decision = await alarmAndDecision(h);
    const results = await Promise.all(Array.from({ length: 10 }, () => h.escalate(decision)));
    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
    expect(results.flatMap((r) => r.delivered)).toHaveLength(1);

    const tiers = byTier(await h.inbox.read());
    expect(Object.keys(tiers)).toEqual(['1']);
    expect(channelsOf(tiers[1])).toEqual(['opened:chat', 'opened:email']);
    const incidentId = results[0]?.incidentId ?? '';
    expect(await scheduleNames(h)).toEqual([`escalation-${incidentId}-l2`]);
    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'OPEN', level: 1, updates: [] });

    // And the timer delivered twice (Scheduler is at-least-once) escalates once.
    clock.advance(16 * MINUTE_MS);
    const twice = await Promise.all([h.timer({ action: 'escalate', incidentId, level: 2 }), h.timer({ action: 'escalate', incidentId, level: 2 })]);
    expect(twice.flatMap((r) => r.delivered)).toHaveLength(1);
    expect(channelsOf(byTier(await h.inbox.read())[2])).toEqual(['escalated:chat', 'escalated:email']);
  });

  it('retries a throttled notification without sending any channel twice', async () => {
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    await h.inbox.read();
    const decision = await alarmAndDecision(h);
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const scope = { accountId: h.account.accountId };
    // Every attempt the SDK makes (4 each) at the tier's two publishes, which go out at once, is throttled: the delivery
    // fails and the event is retried.
    await setProxyFaults(control, [{ service: 'sns', operation: 'Publish', times: 8, status: 400, code: 'Throttling', message: 'Rate exceeded' }], scope);
    try {
      await expect(h.escalate(decision)).rejects.toMatchObject({ name: 'TransientError' });
    } finally {
      await clearProxyFaults(control, scope);
    }
    expect(await h.inbox.read()).toEqual([]);
    const incidentId = incidentIdFor(String(decision.detail.incidentKey));
    const sendKey = { pk: `ESCALATION#${incidentId}`, sk: 'SEND#notify#L1' };
    expect((await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: sendKey }))).Item).toMatchObject({
      status: 'IN_PROGRESS',
      leaseExpiresAtSeconds: 0,
    });
    // As if the chat message of an earlier attempt had gone out before that attempt died: the retry sends the email only.
    await h.account.dynamo.send(
      new UpdateCommand({ TableName: h.account.topology.stateTable.name, Key: sendKey, UpdateExpression: 'SET delivered.chat = :id', ExpressionAttributeValues: { ':id': 'earlier-message' } }),
    );
    const retried = await h.escalate(decision);
    expect(retried).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    expect(channelsOf(byTier(await h.inbox.read())[1])).toEqual(['opened:email']);
    expect((await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: sendKey }))).Item).toMatchObject({
      status: 'SENT',
      delivered: { chat: 'earlier-message', email: expect.any(String) },
    });
  });

  it('a timer Scheduler drops does not stop the ladder: the sweep pages L2 once, saying how late, and L3 is scheduled (review 15 R15-5)', async () => {
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    await h.inbox.read();
    const opened = await h.escalate(await alarmAndDecision(h));
    const incidentId = opened.incidentId ?? '';
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    await h.inbox.read();
    // Scheduler dropped L2's timer (its 15-min retry window spent: the role lost lambda:InvokeFunction, say): the schedule
    // is gone. The handlers run on the real clock, so L1's 15 minutes having passed (and 17 more) is written on the item.
    await h.scheduler.send(new DeleteScheduleCommand({ Name: `escalation-${incidentId}-l2`, GroupName: h.account.topology.escalationScheduleGroup.name }));
    const dueAt = await nextTierDueAgo(h, incidentId, 17 * MINUTE_MS + 30_000);
    expect(await scheduleNames(h)).not.toContain(`escalation-${incidentId}-l2`);

    // The sweep, as its EventBridge rule invokes escalation-timer every 5 minutes.
    const swept = await h.timer({ action: 'sweep' });
    expect(swept).toMatchObject({ action: 'escalated', incidentIds: [incidentId], delivered: [{ kind: 'notify', level: 2, tier: 'Cloud Infrastructure Team (L2)' }] });
    const tiers = byTier(await h.inbox.read());
    expect(Object.keys(tiers)).toEqual(['2']);
    expect(channelsOf(tiers[2])).toEqual(['escalated:chat', 'escalated:email']);
    expect(tiers[2]?.find((m) => m.channel === 'email')?.message).toContain(
      `Escalated to you because DevOps Team (L1) did not acknowledge within 15 min and the alarm is still in ALARM; paged 17 min late: due at ${dueAt}, its EventBridge Scheduler timer had not run (Scheduler could not deliver it); the escalation sweep did its work instead.`,
    );
    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'OPEN', level: 2, nextLevel: 3 });
    expect((await scheduleNames(h)).filter((name) => name.startsWith(`escalation-${incidentId}-`))).toEqual([`escalation-${incidentId}-l3`]);

    // Swept again, and the dropped timer delivered after all: nobody is paged twice.
    expect(await h.timer({ action: 'sweep' })).toMatchObject({ action: 'ignored', delivered: [] });
    expect(await h.timer({ action: 'escalate', incidentId, level: 2 })).toMatchObject({ action: 'stopped', delivered: [] });
    expect(await h.inbox.read()).toEqual([]);
  });

  // Review 18b R18-10: a timer cut off by the function's timeout after its publish and before its record paged the tier
  // again after the claim's lease. Every call of the timer is now aborted with ESCALATION_CALL_RESERVE_MS (8 s) of
  // the invocation left, and the claim given back in the time kept after it. Here the invocation has 15 s on the test's
  // clock (stalledPastDeadline): both publishes are held at the proxy and aborted at 7 s.
  it('a publish stalled past the function\'s deadline is aborted, its claim given back and nothing recorded sent; the retry pages L2 once (review 18b R18-10)', async () => {
    // At the cap, so scale-consumers escalates and escalate opens the incident (incidentOpenedAtCap).
    const incidentId = await incidentOpenedAtCap(h);
    await h.inbox.read();
    await nextTierDueAgo(h, incidentId, 17 * MINUTE_MS);
    const timer = { action: 'escalate', incidentId, level: 2 };
    const publishes = await stalledPastDeadline(h, (context) => h.timer(timer, context));
    expect(await sendItem(h, incidentId, 2)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });

    // Lambda's retry, SNS answering: L2 paged once, by chat and email.
    expect(await h.timer(timer, lambdaContext(60_000))).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 2, tier: 'Cloud Infrastructure Team (L2)' }] });
    expect(channelsOf(byTier(await h.inbox.read())[2])).toEqual(['escalated:chat', 'escalated:email']);
    expect(await publishes()).toBe(4);
    expect(await sendItem(h, incidentId, 2)).toMatchObject({ status: 'SENT' });
  });

  // Decision 312 (amends 306): escalate arms the same deadline from its own context, so its first page has the timer's
  // guarantee. The incident is new; both L1 publishes are held at the proxy and aborted at 7 s of the 15 s given.
  it('escalate\'s first page stalled past the function\'s deadline is aborted, L1\'s claim given back and nothing recorded sent; the retry pages L1 once (decision 312)', async () => {
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    await h.inbox.read();
    // At the cap, so scale-consumers escalates (this case does not lean on the cases before it).
    await consumersAtCap(h.account);
    const decision = await alarmAndDecision(h);
    expect(decision.detail).toMatchObject({ outcome: 'escalate' });
    const publishes = await stalledPastDeadline(h, (context) => h.escalate(decision, context));
    const incidentId = incidentIdFor(String(decision.detail.incidentKey));
    expect(await sendItem(h, incidentId, 1)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });

    // Lambda's retry of the event, SNS answering: the claim taken over at once, L1 paged once, by chat and email.
    expect(await h.escalate(decision, lambdaContext(60_000))).toMatchObject({ incidentId, delivered: [{ kind: 'notify', level: 1, tier: 'DevOps Team (L1)' }] });
    expect(channelsOf(byTier(await h.inbox.read())[1])).toEqual(['opened:chat', 'opened:email']);
    expect(await publishes()).toBe(4);
    expect(await sendItem(h, incidentId, 1)).toMatchObject({ status: 'SENT' });
  });

  // Review 19 R19-10: CreateCase takes no idempotency token. Support opens L3's case (the proxy lets CreateCase reach
  // moto), then its answer is held 9 s and the call aborted by the deadline at 7 s of the 15 s given: the claim is given
  // back with no case recorded. The retry looks (DescribeCases since the incident was created, through the proxy's
  // afterTime filter and pages) for the case whose subject opens with the incident's and tier's marker, and records it:
  // exactly one case in moto, one CreateCase made in all.
  it('a support case opened by an attempt whose CreateCase answer was lost is found by the retry and recorded, not opened twice (review 19 R19-10)', async () => {
    const incidentId = await incidentWithL3Due(h);
    const support = new SupportClient({ ...h.account.clientConfig, region: 'us-east-1' });
    // The send's marker: the incident, the tier and the nonce its first claim wrote (review 20b R20-23).
    const marker = async (): Promise<string> => `[${incidentId} L3 ${String((await sendItem(h, incidentId, 3))?.caseNonce)}]`;
    const casesOfIncident = (): Promise<SupportCase[]> => supportCasesOf(support, incidentId);
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const supportCalls = (since: number): Promise<string[]> => supportOperationsSince(h, since);
    const publishes = async (since: number): Promise<number> =>
      (await getProxyCalls(control, since)).filter((c) => c.accountId === h.account.accountId && c.service === 'sns' && c.operation === 'Publish').length;
    const since = await getProxyCallCount(control);
    const timer = { action: 'escalate', incidentId, level: 3 };

    // The fault fires exactly once: the one CreateCase, which moto applies.
    const cut = await timerUnderOneFault(h, timer, lambdaContext(15_000), { service: 'support', operation: 'CreateCase', times: 1, answerLost: true, latencyMs: 9000, status: 503, code: 'ServiceUnavailable' });
    expect(cut).toMatchObject({ name: 'TransientError', message: expect.stringMatching(/^Support CreateCase failed: CallDeadlineExceeded: Support call did not answer within \d+\.\d s$/) });
    // The CreateCase moto applied, with no look before it: the send's first attempt, whose claim wrote the nonce just now
    // (decision 334; this test's own reads of moto's cases come after).
    expect(await supportCalls(since)).toEqual(['CreateCase']);
    const made = await casesOfIncident();
    expect(made).toEqual([expect.objectContaining({ subject: expect.stringMatching(/^\[inc-[0-9a-f]{12} L3 [0-9a-f]{16}\] \[ESCALATED L3\]\[production\] NotificationService Queue/) })]);
    expect(made[0]?.subject?.startsWith(`${await marker()} `)).toBe(true);
    // L3's own topic was paged and recorded; the case was not recorded, and the claim was given back.
    expect(channelsOf(byTier(await h.inbox.read())[3])).toEqual(['escalated:email']);
    expect(await sendItem(h, incidentId, 3)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: { email: expect.any(String) } });
    expect(((await sendItem(h, incidentId, 3))?.delivered as Record<string, unknown>)['support-case']).toBeUndefined();

    // Lambda's retry: the case found and recorded; no CreateCase, no second page of L3.
    const caseId = made[0]?.caseId ?? '';
    const beforeRetry = await getProxyCallCount(control);
    const retried = await h.timer(timer, lambdaContext(60_000));
    const retryCalls = await supportCalls(beforeRetry);
    // Exactly one case of the incident in moto (two with the look skipped), and one CreateCase in all.
    expect((await casesOfIncident()).map((c) => c.caseId)).toEqual([caseId]);
    expect(retryCalls).toEqual(['DescribeCases']);
    expect((await supportCalls(since)).filter((operation) => operation === 'CreateCase')).toHaveLength(1);
    expect(retried).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 3, via: `support case ${caseId}` }] });
    expect(await publishes(since)).toBe(1);
    expect(await h.inbox.read()).toEqual([]);
    expect(await sendItem(h, incidentId, 3)).toMatchObject({ status: 'SENT', caseId, delivered: { email: expect.any(String), 'support-case': caseId } });
  });

  // Review 20b R20-23: the incident id is printed in every L1/L2 message, and the marker of 329 was the incident and the
  // tier alone. Anyone allowed support:CreateCase in the account opens (and resolves) a low-severity case with that bare
  // marker before L3 is due; L3's look reads it among the cases since the incident was created and does not take it for
  // ours: only a case bearing the send's nonce is. L3's urgent case is opened beside it and recorded. The look is made by
  // a retry or takeover (decision 334: a first attempt's nonce is new, so it does not look): here the first attempt's
  // CreateCase fails once (503, not applied), and Lambda's retry looks.
  it('a case someone opened with the incident\'s and tier\'s bare marker (low severity, resolved) does not stop L3\'s own case (review 20b R20-23)', async () => {
    const incidentId = await incidentWithL3Due(h);
    const support = new SupportClient({ ...h.account.clientConfig, region: 'us-east-1' });
    const planted =
      (await support.send(new CreateCaseCommand({ subject: `[${incidentId} L3] please ignore`, communicationBody: 'nothing to see', severityCode: 'low', issueType: 'technical', language: 'en' }))).caseId ?? '';
    await support.send(new ResolveCaseCommand({ caseId: planted }));
    const casesOfIncident = (): Promise<SupportCase[]> => supportCasesOf(support, incidentId);
    expect((await casesOfIncident()).map((c) => c.caseId)).toEqual([planted]);
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const supportCalls = (since: number): Promise<string[]> => supportOperationsSince(h, since);
    const timer = { action: 'escalate', incidentId, level: 3 };

    // The first attempt: no look (its claim wrote the nonce), its CreateCase refused once; the claim given back.
    const first = await getProxyCallCount(control);
    // The fault fires exactly once: the one CreateCase, not applied.
    const cut = await timerUnderOneFault(h, timer, lambdaContext(60_000), { service: 'support', operation: 'CreateCase', times: 1, status: 503, code: 'ServiceUnavailable' });
    expect(cut).toMatchObject({ name: 'TransientError', message: expect.stringContaining('Support CreateCase failed: ServiceUnavailable') });
    expect(await supportCalls(first)).toEqual(['CreateCase']);
    expect((await casesOfIncident()).map((c) => c.caseId)).toEqual([planted]);

    // Lambda's retry, a takeover carrying the nonce: it looks, reads the planted case (made after the incident) and opens ours all the same.
    const since = await getProxyCallCount(control);
    const result = await h.timer(timer, lambdaContext(60_000));
    expect(await supportCalls(since)).toEqual(['DescribeCases', 'CreateCase']);
    const cases = await casesOfIncident();
    const ours = cases.find((c) => c.caseId !== planted);
    expect(cases.map((c) => c.caseId).sort()).toEqual([planted, ours?.caseId].sort());
    const nonce = String((await sendItem(h, incidentId, 3))?.caseNonce);
    expect(nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(ours).toMatchObject({ severityCode: 'critical', subject: expect.stringMatching(new RegExp(`^\\[${incidentId} L3 ${nonce}\\] \\[ESCALATED L3\\]\\[production\\]`)) });
    expect(result).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 3, via: `support case ${ours?.caseId}` }] });
    expect(await sendItem(h, incidentId, 3)).toMatchObject({ status: 'SENT', caseId: ours?.caseId, caseNonce: nonce, delivered: { email: expect.any(String), 'support-case': ours?.caseId } });
    expect(channelsOf(byTier(await h.inbox.read())[3])).toEqual(['escalated:email']);
  });

  it('rejects an event that is neither a decision nor an alarm state change, without an AWS call', async () => {
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    expect(await h.escalate({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toMatchObject({ action: 'rejected' });
    expect(await h.timer({ action: 'escalate', incidentId: '../../etc', level: 2 })).toMatchObject({ action: 'rejected' });
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === h.account.accountId);
    expect(calls).toEqual([]);
  });
});
