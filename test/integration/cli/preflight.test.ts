// `runbook preflight` as an operator runs it (the CLI's main() in this process, the all-PASS text run a real process; the
// real SDK) against a sandbox account with the runbook stack deployed: all PASS, then one planted fault at a time, each
// proven in the emulator and named by exactly one FAIL.
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchLogsClient, DeleteMetricFilterCommand, DescribeMetricFiltersCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateAliasCommand, CreateEventSourceMappingCommand, DeleteAliasCommand, DeleteFunctionCommand, PublishVersionCommand, DeleteEventSourceMappingCommand, DeleteFunctionEventInvokeConfigCommand, GetEventSourceMappingCommand, GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand, PutFunctionEventInvokeConfigCommand, RemovePermissionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ChangeResourceRecordSetsCommand, CreateHealthCheckCommand, DeleteHealthCheckCommand, GetHealthCheckCommand, ListResourceRecordSetsCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient, UpdateScheduleCommand, type Target } from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, PurgeQueueCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteDocumentCommand, GetDocumentCommand, ListDocumentVersionsCommand, SSMClient, UpdateDocumentCommand, UpdateDocumentDefaultVersionCommand } from '@aws-sdk/client-ssm';
import { EC2Client, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { DEPLOYED_CONTENTS_ENV, DOCUMENT_HASHES_ENV, DOCUMENT_NAMES_ENV, PHYSICAL_RESOURCE_ID, pruneSupersededVersions, STACK_ID_ENV } from '../../../custom-resources/prune-document-versions';
import { stackStatusReader } from '../../../shared/aws/stack-status';
import { contentHash } from '../../../shared/config/content-hash';
import { putMetricAlarmInput } from '../../../sandbox/provision';
import { schedulerAlarmInput, sweepMetricAlarmInput } from '../../../sandbox/automation-health';
import { ESCALATION_TIMER_RETRY, REFUSED_METRICS, schedulerAlarmSpec, sweepMetricAlarmSpecs } from '../../../shared/config/automation-health';
import { atExpression, createOneTimeSchedule } from '../../../shared/escalation/one-time-schedule';
import { provisionFailoverRecordPair, type FailoverRecordPair } from '../../../sandbox/provision-dr';
import { clearProxyFaults, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { runCli } from '../../support/run-cli';
import { mayAssume, type PolicyDoc } from '../../support/trust-oracle';
import { notPassing, runPreflight } from '../support/run-preflight';
import { deployRunbookStack, SANDBOX_SCHEDULER_LANES, SCHEDULER_INVOKE_POLICY, schedulerInvokePolicy, type DeployedRunbookStack } from '../support/deploy-runbook-stack';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

/**
 * The README's all-PASS transcript (the block from `$ runbook preflight -e production` to its closing fence): its PASS
 * lines and its summary line, with what the emulator generates per run made alike (decision 319, review 19 R19-17):
 * 12-digit account ids, UUIDs (event source mapping, health checks), the API id, SSM documents' content hashes.
 */
function readmeTranscript(): { pass: string[]; summary: string } {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8').split('\n');
  const start = readme.indexOf('$ runbook preflight -e production');
  const end = readme.indexOf('```', start);
  if (start < 0 || end < 0) throw new Error('no preflight transcript block in README.md');
  const block = readme.slice(start + 1, end);
  return { pass: block.filter((l) => l.startsWith('PASS ')), summary: block.at(-1) ?? '' };
}

/** A transcript line with the emulator's per-run ids made alike (readmeTranscript). */
const normalised = (line: string): string =>
  line
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b\d{12}\b/g, '<account>')
    .replace(/content hash [0-9a-f]{12}\b/g, 'content hash <hash>')
    .replace(/^(PASS +resources +API \S+ exists) \([a-z0-9]+\)$/, '$1 (<api-id>)');

/** The sweep metric alarms production deploys in a region with both sweep handlers (decisions 300, 311). */
const SWEEP_ALARMS = sweepMetricAlarmSpecs('production');

// Each run makes some 150 calls (in the test's process, decision 296; the text form as a whole CLI process); on a loaded
// machine one takes 40 s or more.
jest.setTimeout(300_000);

describe('runbook preflight -e production on the sandbox', () => {
  let account: SandboxAccount;
  let stack: DeployedRunbookStack;
  let sns: SNSClient;

  /** In the test's process (decision 296); the all-PASS case's text form runs the built CLI as a process (runCli). */
  const preflight = async (flags: string[] = []): Promise<{ status: number | null; report: PreflightReport }> => {
    return runPreflight('production', account.env, 180_000, { inProcess: true, flags });
  };
  const failures = notPassing;

  let route53: Route53Client;
  let pair: FailoverRecordPair;
  /** The configuration the runs use: the failover record pair the failover documents switch, as provisioned here. */
  let drConfig: { environments: { production: { disasterRecovery: { failoverRecordName: string; hostedZoneId: string } } } };

  beforeAll(async () => {
    account = await provisionAccount('production');
    stack = await deployRunbookStack(account);
    sns = new SNSClient(account.clientConfig);
    // Review 13 R13-12: preflight reads the pair FailoverToDR and FailbackToPrimary switch (both registered here).
    route53 = new Route53Client(account.clientConfig);
    pair = await provisionFailoverRecordPair(route53, { accountId: account.accountId, apiName: account.topology.spec.apiName, primaryRegion: 'us-east-1', drRegion: 'us-west-2' });
    drConfig = { environments: { production: { disasterRecovery: { failoverRecordName: pair.recordName, hostedZoneId: pair.hostedZoneId } } } };
    account.env.RUNBOOK_CONFIG_JSON = JSON.stringify(drConfig);
  }, 300_000);

  afterAll(() => {
    route53.destroy();
    sns.destroy();
    stack.iam.destroy();
    stack.lambda.destroy();
  });

  it('passes every check on a correctly deployed environment, and exits 0', async () => {
    const { status, report } = await preflight();
    expect(failures(report)).toEqual([]);
    expect(status).toBe(0);
    // Every area ran: the spread of checks, figured from the configuration (7 alarms: the 6 rows' and Queue Backup's
    // low-water alarm, decision 185; 9 handlers, 4 tiers, 8 documents).
    const areas = new Map<string, number>();
    for (const c of report.checks) areas.set(c.area, (areas.get(c.area) ?? 0) + 1);
    expect(report.checks.filter((c) => c.check === 'alarm-definition')).toHaveLength(7);
    expect(report.checks.filter((c) => c.check === 'alarm-reaches-rule')).toHaveLength(7);
    // Each alarm's OK reaches escalate through the recoveries rule (no alarm of the defaults is escalate's own).
    expect(report.checks.filter((c) => c.check === 'ok-reaches-escalate').map((c) => c.message)).toEqual(
      account.topology.alarms.map((a) => `an OK state change of "${a.name}" matches rule notification-runbooks-escalate-recoveries -> notification-runbooks-escalate`),
    );
    expect(report.checks.filter((c) => c.check === 'role-permissions')).toHaveLength(stack.handlers.length);
    expect(report.checks.filter((c) => c.check === 'tier-subscription')).toHaveLength(4);
    expect(report.checks.filter((c) => c.check === 'ssm-document').length).toBeGreaterThanOrEqual(8);
    expect(report.checks.filter((c) => c.check === 'failover-record-pair').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${pair.recordName} in ${pair.hostedZoneId}`]);
    // Each deployed document has its default version only (decision 233): read through the gap proxy's ListDocumentVersions.
    expect(report.checks.filter((c) => c.check === 'ssm-document-versions').map((c) => c.message)).toEqual(
      report.checks.filter((c) => c.check === 'ssm-document').map((c) => `SSM document ${c.subject} has its default version 1 only: no earlier version can be started`),
    );
    // The approval topic the documents notify, read back: the approvers' stand-in subscribed, unfiltered (review 13 R13-5).
    expect(report.checks.filter((c) => c.check === 'approval-topic').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${account.topology.approvalTopic.arn}`]);
    // Each Scheduler lane's alarm notifies the health topic (its schedules have no dead-letter queue); no live schedule yet.
    expect(report.checks.filter((c) => c.check === 'schedule-lane-alarm' || c.check === 'schedule-delivery').map((c) => `${c.status} ${c.check} ${c.subject}`)).toEqual([
      'PASS schedule-lane-alarm notification-runbooks schedules failing to invoke escalation-timer',
      'PASS schedule-delivery notification-runbooks',
      'PASS schedule-lane-alarm notification-runbooks-verify schedules failing to invoke verify-change',
      'PASS schedule-delivery notification-runbooks-verify',
    ]);
    // The sweep metric alarms (decisions 300, 311): the escalation sweep's backlog and each refused-record count of both sweeps.
    expect(report.checks.filter((c) => c.check === 'sweep-metric-alarm').map((c) => `${c.status} ${c.subject}`)).toEqual(SWEEP_ALARMS.map((s) => `PASS ${s.alarmName}`));
    // The automation health topic, read back by the same code: the first tier's stand-in subscribed, unfiltered.
    expect(report.checks.filter((c) => c.check === 'health-topic').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${stack.health.tiers[0]?.topicArn ?? '?'}`]);
    // The region's two dead-letter queues (infra's names; the handlers' on-failure destination is the first): empty.
    expect(report.checks.filter((c) => c.check === 'dead-letter-queue-empty').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${stack.deadLetters.failedInvocations.queueName}`, `PASS ${stack.deadLetters.undeliveredEvents.queueName}`]);
    // ...and no SQS queue names either as its dead-letter queue (ListDeadLetterSourceQueues, decision 291).
    expect(report.checks.filter((c) => c.check === 'dead-letter-sources').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${stack.deadLetters.failedInvocations.queueName}`, `PASS ${stack.deadLetters.undeliveredEvents.queueName}`]);
    // Each role may deliver its failed invocations to the stack's queue (decision 291), named in its PASS.
    expect(report.checks.filter((c) => c.check === 'role-permissions').every((c) => c.message.endsWith(`; sqs:SendMessage to its on-failure destination ${stack.deadLetters.failedInvocations.queueName} allowed`))).toBe(true);
    // Both sweep rules invoke their function, which EventBridge may invoke for that rule only (decision 309: GetPolicy).
    expect(report.checks.filter((c) => c.check === 'escalation-sweep' || c.check === 'verify-sweep').map((c) => `${c.status} ${c.check} ${c.message.split(': ')[0]}`)).toEqual([
      'PASS escalation-sweep rule notification-runbooks-escalation-sweep invokes notification-runbooks-escalation-timer rate(5 minutes) with {"action":"sweep"}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)',
      'PASS verify-sweep rule notification-runbooks-verify-sweep invokes notification-runbooks-verify-change rate(5 minutes) with {"action":"sweep"}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)',
    ]);
    // Every other rule that targets a handler (6 alarm routes, decisions, kill switch, recoveries): EventBridge may invoke
    // the function for that rule only (decision 316), each function's policy read once (escalate's serves 3 rules).
    expect(report.checks.filter((c) => c.check === 'rule-permission').map((c) => `${c.status} ${c.message.split(';')[0]}`)).toEqual([
      ...stack.handlers.filter((h) => h.ruleName).map((h) => `PASS rule ${h.ruleName ?? ''} on the default bus targets ${h.functionName}`),
      'PASS rule notification-runbooks-escalate-decisions on bus notification-runbooks targets notification-runbooks-escalate',
      'PASS rule notification-runbooks-kill-switch-changes on the default bus targets notification-runbooks-escalate',
      'PASS rule notification-runbooks-escalate-recoveries on the default bus targets notification-runbooks-escalate',
    ]);
    expect(stack.handlers.filter((h) => h.ruleName)).toHaveLength(6);
    expect([...areas.keys()].sort()).toEqual(['alarms', 'handlers', 'matrix', 'permissions', 'plumbing', 'resources', 'routing']);
    // The text form an operator reads: one line per check, and the totals. As a gate would run it (--strict, decision
    // 362): a clean environment still exits 0.
    const text = await runCli(['preflight', '-e', 'production', '--strict'], account.env, 180_000);
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.filter((l) => /^PASS /.test(l))).toHaveLength(report.summary.pass);
    expect(lines.at(-1)).toBe(`${report.summary.pass} passed, 0 warnings, 0 failed`);
    // The README's transcript stays this run's (review 19 R19-17): the same summary line and the same PASS lines, the
    // emulator's per-run ids aside; a check added, removed or reworded without re-taking the README fails here.
    const readme = readmeTranscript();
    expect(readme.summary).toBe(lines.at(-1));
    expect(readme.pass.map(normalised).sort()).toEqual(lines.filter((l) => /^PASS /.test(l)).map(normalised).sort());
    console.log(`preflight transcript (sandbox, all PASS):\n$ runbook preflight -e production\n${text.stdout}`);
  });

  it('names a missing alarm', async () => {
    const alarm = account.topology.alarms.find((a) => a.rowId === 'error-rate');
    if (!alarm) throw new Error('no error-rate alarm in the topology');
    await account.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarm.name] }));
    expect((await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.name] }))).MetricAlarms).toEqual([]);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL alarm-exists ${alarm.name}`]);
      expect(report.checks.find((c) => c.check === 'alarm-exists')?.message).toContain(`alarm "${alarm.name}" does not exist`);
    } finally {
      await account.cloudWatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(alarm)));
    }
  });

  it('names a wrong threshold with the live and expected figures', async () => {
    const alarm = account.topology.alarms.find((a) => a.rowId === 'queue-backup');
    if (!alarm) throw new Error('no queue-backup alarm in the topology');
    await account.cloudWatch.send(new PutMetricAlarmCommand({ ...putMetricAlarmInput(alarm), Threshold: 2000 }));
    expect((await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.name] }))).MetricAlarms?.[0]?.Threshold).toBe(2000);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL alarm-definition ${alarm.name}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(`alarm "${alarm.name}": threshold 2000, expected 1000`);
    } finally {
      await account.cloudWatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(alarm)));
    }
  });

  it('names a tier nobody is subscribed to', async () => {
    const tier = account.topology.escalationTopics.find((t) => t.level === 2);
    if (!tier) throw new Error('no L2 topic');
    const subscriptions = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: tier.arn }))).Subscriptions ?? [];
    expect(subscriptions.length).toBeGreaterThan(0);
    for (const s of subscriptions) await sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: tier.arn }))).Subscriptions).toEqual([]);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL tier-subscription ${tier.name}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toContain(`L2 ${tier.name}: no confirmed subscription on ${tier.topicName}`);
    } finally {
      for (const s of subscriptions) await sns.send(new SubscribeCommand({ TopicArn: tier.arn, Protocol: s.Protocol, Endpoint: s.Endpoint }));
    }
  });

  // Review 12 R12-5 (decision 208): SNS accepts no Deny of SetSubscriptionAttributes in a topic policy, so a role with
  // sns:* may re-filter a configured address until every page is dropped while escalate records it sent. Preflight
  // compares the subscription with the configuration, and its fix, run as written, restores it.
  it("names a configured address whose subscription was re-filtered, and its fix brings it back", async () => {
    const tier = account.topology.escalationTopics.find((t) => t.level === 1);
    if (!tier) throw new Error('no L1 topic');
    const address = 'oncall@example.com';
    const tiers = [
      { level: 1, channels: ['chat', 'email'], emails: [address] },
      { level: 2, channels: ['chat', 'email'] },
      { level: 3, channels: ['email'] },
      { level: 4, channels: ['email'] },
    ];
    const env = { ...account.env, RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { ...drConfig.environments.production, escalation: { tiers } } } }) };
    // As the deployment subscribes it (infra's filter policy).
    const subscribed = await sns.send(new SubscribeCommand({ TopicArn: tier.arn, Protocol: 'email', Endpoint: address, Attributes: { FilterPolicy: '{"channel":["email"]}' }, ReturnSubscriptionArn: true }));
    const subscriptionArn = subscribed.SubscriptionArn ?? '';
    expect(subscriptionArn).toMatch(/^arn:aws:sns:/);
    // ...and, being L1's, to the automation health topic, with no filter (infra's AutomationHealthTopic).
    const health = await sns.send(new SubscribeCommand({ TopicArn: stack.health.tiers[0]?.topicArn, Protocol: 'email', Endpoint: address, ReturnSubscriptionArn: true }));
    try {
      await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"channel":["nobody"]}' }));
      const refiltered = await runPreflight('production', env, 180_000, { inProcess: true });
      expect(refiltered.status).toBe(1);
      expect(failures(refiltered.report)).toEqual([`FAIL tier-people ${tier.name} ${address}`]);
      const failed = refiltered.report.checks.find((c) => c.status === 'FAIL');
      expect(failed?.message).toContain('FilterPolicy {"channel":["nobody"]}, infra writes {"channel":["email"]}');
      const fix = /^aws sns set-subscription-attributes --region (\S+) --subscription-arn (\S+) --attribute-name (\S+) --attribute-value '([^']+)' \(/.exec(failed?.fix ?? '');
      if (!fix) throw new Error(`not the expected fix: ${failed?.fix ?? ''}`);
      expect([fix[1], fix[2]]).toEqual(['us-east-1', subscriptionArn]);
      // The fix as written (the CLI's call through the SDK).
      await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: fix[2], AttributeName: fix[3], AttributeValue: fix[4] }));
      const fixed = await runPreflight('production', env, 180_000, { inProcess: true });
      expect(failures(fixed.report)).toEqual([]);
      expect(fixed.status).toBe(0);
      expect(fixed.report.checks.filter((c) => c.check === 'tier-people').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${tier.name} ${address}`]);
    } finally {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: health.SubscriptionArn }));
    }
  });

  it('names the versions of a document besides its default (an earlier one still startable by number), and its fix deletes exactly those (review 13 R13-15)', async () => {
    const ssm = new SSMClient(account.clientConfig);
    const name = 'NotificationService-ScaleUpDatabase';
    try {
      const deployed = (await ssm.send(new GetDocumentCommand({ Name: name }))).Content ?? '';
      const content = JSON.parse(deployed) as { description?: string };
      // As two deploys with UpdateMethod NewVersion leave it: version 2 an earlier content ("before decision 202"), then
      // version 3 what infra deploys now (the same document, serialized apart: moto refuses identical content), the default.
      await ssm.send(new UpdateDocumentCommand({ Name: name, DocumentVersion: '$LATEST', DocumentFormat: 'JSON', Content: JSON.stringify({ ...content, description: `${content.description ?? ''} (before decision 202)` }) }));
      await ssm.send(new UpdateDocumentCommand({ Name: name, DocumentVersion: '$LATEST', DocumentFormat: 'JSON', Content: JSON.stringify(content, null, 1) }));
      await ssm.send(new UpdateDocumentDefaultVersionCommand({ Name: name, DocumentVersion: '3' }));
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL ssm-document-versions ${name}`]);
      const failed = report.checks.find((c) => c.status === 'FAIL');
      expect(failed?.message).toBe(`SSM document ${name} has 2 version(s) besides its default 3: 1, 2; anyone who may start it can start one of them by number (--document-version), without the checks added since`);
      // The default's content is what infra deploys: that check passes.
      expect(report.checks.find((c) => c.check === 'ssm-document' && c.subject === name)?.status).toBe('PASS');
      // The fix as written (the CLI's call through the SDK), each command once.
      const commands = [...(failed?.fix ?? '').matchAll(/aws ssm delete-document --name (\S+) --document-version (\d+) --region us-east-1/g)];
      expect(commands.map((c) => `${c[1] ?? ''}:${c[2] ?? ''}`)).toEqual([`${name}:1`, `${name}:2`]);
      for (const c of commands) await ssm.send(new DeleteDocumentCommand({ Name: c[1], DocumentVersion: c[2] }));
      const left = (await ssm.send(new ListDocumentVersionsCommand({ Name: name }))).DocumentVersions ?? [];
      expect(left.map((v) => `${v.DocumentVersion ?? '?'}${v.IsDefaultVersion ? ' (default)' : ''}`)).toEqual(['3 (default)']);
    } finally {
      // Back to one version as deployed: the later cases count the documents' checks.
      const versions = (await ssm.send(new ListDocumentVersionsCommand({ Name: name }))).DocumentVersions ?? [];
      for (const v of versions.filter((x) => !x.IsDefaultVersion)) await ssm.send(new DeleteDocumentCommand({ Name: name, DocumentVersion: v.DocumentVersion }));
      ssm.destroy();
    }
  });

  it("the deployment's cleanup (the custom resource) deletes every version of each document but its default, and tells CloudFormation (decision 240)", async () => {
    const ssm = new SSMClient(account.clientConfig);
    const names = ['NotificationService-ScaleConsumers', 'NotificationService-FailoverToDR'];
    const saved = process.env[DOCUMENT_NAMES_ENV];
    const savedHashes = process.env[DOCUMENT_HASHES_ENV];
    const savedContents = process.env[DEPLOYED_CONTENTS_ENV];
    const savedRegion = process.env.AWS_REGION;
    const savedStack = process.env[STACK_ID_ENV];
    // The deployed content's hash, as synth computes it: here read from each default before the versions are added.
    const hashes: string[] = [];
    for (const name of names) {
      const got = await ssm.send(new GetDocumentCommand({ Name: name }));
      hashes.push(`${name}=${contentHash(JSON.parse(got.Content ?? '{}'))}`);
    }
    process.env[DOCUMENT_HASHES_ENV] = hashes.join(',');
    // The custom resource's DeployedContents, carried by the function too (decision 262); a rollback's Update carries another.
    const deployedContents = createHash('sha256').update(hashes.join(',')).digest('hex');
    process.env[DEPLOYED_CONTENTS_ENV] = deployedContents;
    process.env.AWS_REGION = 'us-east-1';
    const sent: Array<Record<string, unknown>> = [];
    // The stack's status, read from a stack on the emulator by the reader the function builds (the SDK's CloudFormation
    // client, pointed at the sandbox by AWS_ENDPOINT_URL; decisions 262, 276): not rolling back, so a failure below is
    // answered FAILED.
    const cfn = new CloudFormationClient(account.clientConfig);
    const created = await cfn.send(new CreateStackCommand({ StackName: 'cleanup-status', TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) }));
    const stackId = created.StackId ?? '';
    const stackStatus = stackStatusReader(stackId, 'us-east-1');
    expect(await stackStatus()).toBe('CREATE_COMPLETE');
    // The function's own stack, as infra sets it (AWS::StackId), validated before any call (decision 283).
    process.env[STACK_ID_ENV] = stackId;
    const deps = {
      stackStatus,
      ssm,
      put: (_url: string, body: string): Promise<number> => {
        sent.push(JSON.parse(body) as Record<string, unknown>);
        return Promise.resolve(200);
      },
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    const event = (requestType: 'Create' | 'Update' | 'Delete', contents = deployedContents) => ({
      RequestType: requestType,
      ResourceProperties: { Documents: names, DeployedContents: contents },
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation?X-Amz-Signature=0',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/NotificationRunbooks-production-us-east-1/0',
      RequestId: `request-${sent.length}`,
      LogicalResourceId: 'SupersededVersionsCleanup',
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
    });
    const versionsOf = async (name: string): Promise<string[]> =>
      ((await ssm.send(new ListDocumentVersionsCommand({ Name: name }))).DocumentVersions ?? []).map((v) => `${v.DocumentVersion ?? '?'}${v.IsDefaultVersion ? ' (default)' : ''}`);
    try {
      // As two deploys with UpdateMethod NewVersion leave each: an earlier content, then the deployed one made default.
      for (const name of names) {
        const content = JSON.parse((await ssm.send(new GetDocumentCommand({ Name: name }))).Content ?? '{}') as { description?: string };
        await ssm.send(new UpdateDocumentCommand({ Name: name, DocumentVersion: '$LATEST', DocumentFormat: 'JSON', Content: JSON.stringify({ ...content, description: `${content.description ?? ''} (earlier)` }) }));
        await ssm.send(new UpdateDocumentCommand({ Name: name, DocumentVersion: '$LATEST', DocumentFormat: 'JSON', Content: JSON.stringify(content, null, 1) }));
        await ssm.send(new UpdateDocumentDefaultVersionCommand({ Name: name, DocumentVersion: '3' }));
        expect(await versionsOf(name)).toEqual(['1', '2', '3 (default)']);
      }
      process.env[DOCUMENT_NAMES_ENV] = names.join(',');
      // The rollback of a failed update (review 15, R15-9): its Update carries the previous template's DeployedContents
      // while the function still has the failed one's: nothing deleted, SUCCESS (a FAILED would stop the stack in
      // UPDATE_ROLLBACK_FAILED), what is left named.
      await pruneSupersededVersions(event('Update', createHash('sha256').update('the previous template').digest('hex')), deps);
      expect(sent.pop()).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringContaining(`nothing deleted: this Update's DeployedContents`) as string, Data: { Deleted: '0', Left: '4' } });
      for (const name of names) expect(await versionsOf(name)).toEqual(['1', '2', '3 (default)']);
      await pruneSupersededVersions(event('Update'), deps);
      expect(sent[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: PHYSICAL_RESOURCE_ID, Reason: `deleted 4 superseded version(s): ${names[0]}:1, ${names[0]}:2, ${names[1]}:1, ${names[1]}:2` });
      for (const name of names) expect(await versionsOf(name)).toEqual(['3 (default)']);
      // The next deploy with nothing superseded, and the stack's deletion: nothing deleted, SUCCESS.
      await pruneSupersededVersions(event('Update'), deps);
      expect(sent[1]).toMatchObject({ Status: 'SUCCESS', Reason: 'every document has its default version only' });
      await pruneSupersededVersions(event('Delete'), deps);
      expect(sent[2]).toMatchObject({ Status: 'SUCCESS' });
      for (const name of names) expect(await versionsOf(name)).toEqual(['3 (default)']);
      // A document it cannot read fails the deployment, naming why (never a silent success).
      process.env[DOCUMENT_NAMES_ENV] = 'NotificationService-NotDeployed';
      await pruneSupersededVersions(event('Update'), deps);
      expect(sent[3]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/InvalidDocument.*\(the stack is CREATE_COMPLETE\)$/) as string });
      // A response URL that is not CloudFormation's gets nothing, and nothing is deleted: an invoker's own S3 bucket too (R15-8).
      await expect(pruneSupersededVersions({ ...event('Update'), ResponseURL: 'http://127.0.0.1:9/steal' }, deps)).rejects.toThrow('not a CloudFormation pre-signed S3 URL');
      await expect(pruneSupersededVersions({ ...event('Update'), ResponseURL: 'https://attacker-bucket.s3.amazonaws.com/x?sig=1' }, deps)).rejects.toThrow('not a CloudFormation pre-signed S3 URL');
      expect(sent).toHaveLength(4);
      // Someone moves the default to another content (review 15, R15-7): the cleanup deletes nothing, fails naming the
      // reviewed version, and that version is still there to be made the default again.
      process.env[DOCUMENT_NAMES_ENV] = names.join(',');
      const flipped = 'NotificationService-ScaleConsumers';
      const reviewed = JSON.parse((await ssm.send(new GetDocumentCommand({ Name: flipped }))).Content ?? '{}') as { description?: string };
      await ssm.send(new UpdateDocumentCommand({ Name: flipped, DocumentVersion: '$LATEST', DocumentFormat: 'JSON', Content: JSON.stringify({ ...reviewed, description: `${reviewed.description ?? ''} (before decision 202)` }) }));
      await ssm.send(new UpdateDocumentDefaultVersionCommand({ Name: flipped, DocumentVersion: '4' }));
      await pruneSupersededVersions(event('Update'), deps);
      expect(sent[4]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`the default version 4 of ${flipped} is not the deployed content; version 3 is`) as string });
      expect(await versionsOf(flipped)).toEqual(['3', '4 (default)']);
      await ssm.send(new UpdateDocumentDefaultVersionCommand({ Name: flipped, DocumentVersion: '3' }));
    } finally {
      if (saved === undefined) delete process.env[DOCUMENT_NAMES_ENV];
      else process.env[DOCUMENT_NAMES_ENV] = saved;
      if (savedHashes === undefined) delete process.env[DOCUMENT_HASHES_ENV];
      else process.env[DOCUMENT_HASHES_ENV] = savedHashes;
      await cfn.send(new DeleteStackCommand({ StackName: 'cleanup-status' }));
      cfn.destroy();
      if (savedContents === undefined) delete process.env[DEPLOYED_CONTENTS_ENV];
      else process.env[DEPLOYED_CONTENTS_ENV] = savedContents;
      if (savedRegion === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = savedRegion;
      if (savedStack === undefined) delete process.env[STACK_ID_ENV];
      else process.env[STACK_ID_ENV] = savedStack;
      for (const name of names) {
        const versions = (await ssm.send(new ListDocumentVersionsCommand({ Name: name }))).DocumentVersions ?? [];
        for (const v of versions.filter((x) => !x.IsDefaultVersion)) await ssm.send(new DeleteDocumentCommand({ Name: name, DocumentVersion: v.DocumentVersion }));
      }
      ssm.destroy();
    }
  });

  it("names the handler role's missing permission, with the action and the real ARN it was simulated on", async () => {
    const handler = stack.handlers.find((h) => h.name === 'scale-consumers');
    const policy = stack.policies.get('scale-consumers');
    if (!handler || !policy) throw new Error('scale-consumers not deployed');
    const without = {
      ...policy,
      Statement: policy.Statement.map((s) => ({ ...s, Action: ([] as string[]).concat(s.Action as string | string[]).filter((a) => a !== 'lambda:UpdateEventSourceMapping') })).filter(
        (s) => s.Action.length > 0,
      ),
    };
    await stack.iam.send(new PutRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions', PolicyDocument: JSON.stringify(without) }));
    const stored = (await stack.iam.send(new GetRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions' }))).PolicyDocument ?? '';
    expect(JSON.stringify(policy)).toContain('lambda:UpdateEventSourceMapping');
    expect(decodeURIComponent(stored)).not.toContain('lambda:UpdateEventSourceMapping');
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL role-permissions ${handler.functionName}`]);
      const message = report.checks.find((c) => c.status === 'FAIL')?.message ?? '';
      expect(message).toMatch(
        new RegExp(`denied 1 declared call\\(s\\): lambda:UpdateEventSourceMapping on arn:aws:lambda:us-east-1:${account.accountId}:event-source-mapping:${account.topology.consumer.mappingUuid} \\(implicitDeny\\)`),
      );
    } finally {
      await stack.iam.send(new PutRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions', PolicyDocument: JSON.stringify(policy) }));
    }
  });

  it("names the consumer's drifted memory size as drift from the document's matrix", async () => {
    const name = account.topology.consumer.functionName;
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 800 }));
    expect((await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).MemorySize).toBe(800);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL memory-MB ${name}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe("drift: memory MB is 800, the document's matrix says 512");
    } finally {
      await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 512 }));
    }
  });

  // Closing note 22: a consumer whose LoggingConfig names a log group of its own writes nothing where its OOM filter is.
  it("names a consumer that logs to a log group of its own (LoggingConfig.LogGroup) while its OOM filter watches /aws/lambda/<name>: one FAIL, with the field to set", async () => {
    const name = account.topology.consumer.functionName;
    const own = `/notification-service/production/${name}`;
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig: { LogFormat: 'JSON', LogGroup: own } }));
    expect((await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LoggingConfig?.LogGroup).toBe(own);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL function-log-group ${name}`]);
      const failed = report.checks.find((c) => c.status === 'FAIL');
      expect(failed?.message).toMatch(new RegExp(`^${name} logs to ${own} \\(its LoggingConfig\\.LogGroup\\), but its out-of-memory metric filter and the handlers' log read grants are on /aws/lambda/${name}: the filter counts nothing there`));
      expect(failed?.fix).toBe(`set environments.production.resources.functionLogGroups["${name}"] to "${own}" and deploy the runbook stack (its filter, the filter's log group and the grants move there)`);
    } finally {
      await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` } }));
    }
  });

  it("reports raise-lambda-memory's own step (768 MB) as a WARN naming it, not a FAIL (review 10a, finding 6)", async () => {
    const name = account.topology.consumer.functionName;
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 768 }));
    expect((await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).MemorySize).toBe(768);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(0);
      expect(failures(report)).toEqual([`WARN memory-MB ${name}`]);
      // A gate that stops on warnings too (--strict, decision 362): the same single WARN, exit 4 (not a FAIL's 1).
      const strict = await preflight(['--strict']);
      expect(failures(strict.report)).toEqual([`WARN memory-MB ${name}`]);
      expect(strict.status).toBe(4);
      expect(report.checks.filter((c) => c.status === 'WARN').map((c) => `${c.check} ${c.subject}: ${c.message}`)).toEqual([
        `memory-MB ${name}: drift the automation made or recommends: memory MB is 768, the document's matrix says 512: ` +
          'a raise-lambda-memory step (512 -> 768 MB: x1.5 rounded up to 64 MB, production cap 3008 MB), made by the automation itself: drift its decision names ("update your IaC"; decision 14)',
      ]);
    } finally {
      await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 512 }));
    }
  });
  it("names a private subnet routed to the other zone's NAT gateway as a WARN naming both zones and the fix (review 23b R23b-3)", async () => {
    const vpc = account.topology.vpc;
    const [, privateB] = vpc.privateSubnetIds;
    const [natA, natB] = vpc.natGatewayIds;
    const [, tableB] = vpc.privateRouteTableIds;
    const zoneOf = (id: string | undefined): string => vpc.subnets.find((s) => s.id === id)?.availabilityZone ?? '?';
    const ec2 = new EC2Client(account.clientConfig);
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: tableB, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natA }));
    try {
      const { status, report } = await preflight();
      // A WARN, not a FAIL: the way out works today.
      expect(status).toBe(0);
      const name = account.topology.consumer.functionName;
      expect(failures(report)).toEqual([`WARN nat-zone ${name}`]);
      const [warning] = report.checks.filter((c) => c.status === 'WARN');
      expect(warning?.message).toBe(
        `${name}: ${privateB} (${zoneOf(privateB)}) leaves through NAT gateway ${natA} in ${zoneOf(vpc.publicSubnetIds[0])}: a ${zoneOf(vpc.publicSubnetIds[0])} outage cuts its internet access too ` +
          `(AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone's subnets routed to their own)`,
      );
      expect(warning?.fix).toBe(`${natB} is available in ${zoneOf(privateB)}: route ${tableB} through ${natB} (EC2: ReplaceRoute {"RouteTableId":"${tableB}","DestinationCidrBlock":"0.0.0.0/0","NatGatewayId":"${natB}"})`);
    } finally {
      await ec2.send(new ReplaceRouteCommand({ RouteTableId: tableB, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natB }));
      ec2.destroy();
    }
    // Back to one NAT per zone: the check passes again.
    const { report } = await preflight();
    expect(report.checks.filter((c) => c.check === 'nat-zone').map((c) => c.status)).toEqual(['PASS']);
  });

  it("names an alarm whose OK would not reach escalate (the recoveries rule no longer lists it)", async () => {
    const events = new EventBridgeClient(account.clientConfig);
    const rule = 'notification-runbooks-escalate-recoveries';
    const alarm = account.topology.alarms.find((a) => a.rowId === 'cpu-utilization');
    if (!alarm) throw new Error('no cpu-utilization alarm in the topology');
    const original = (await events.send(new DescribeRuleCommand({ Name: rule }))).EventPattern ?? '';
    const pattern = JSON.parse(original) as { detail: { alarmName: string[] } };
    expect(pattern.detail.alarmName).toContain(alarm.name);
    pattern.detail.alarmName = pattern.detail.alarmName.filter((n) => n !== alarm.name);
    await events.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
    expect((await events.send(new DescribeRuleCommand({ Name: rule }))).EventPattern).not.toContain(alarm.name);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL ok-reaches-escalate ${alarm.name}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `an OK state change of "${alarm.name}" does not match rule ${rule}'s pattern: an OK of "${alarm.name}" never resolves its incident: the tiers already paged are not told and the escalation timers keep climbing`,
      );
    } finally {
      await events.send(new PutRuleCommand({ Name: rule, EventPattern: original, State: 'ENABLED' }));
      events.destroy();
    }
  });

  // Review 11a finding 3: routing was proven by the rule's pattern alone; "a disabled rule won't match any events" (DisableRule).
  it('names a disabled alarm rule (its pattern still matches): each of its alarms reaches nobody', async () => {
    const events = new EventBridgeClient(account.clientConfig);
    const rule = 'notification-runbooks-scale-consumers';
    const handler = stack.handlers.find((h) => h.ruleName === rule);
    if (!handler) throw new Error('scale-consumers has no rule');
    await events.send(new DisableRuleCommand({ Name: rule }));
    expect((await events.send(new DescribeRuleCommand({ Name: rule }))).State).toBe('DISABLED');
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual(handler.alarmNames.map((a) => `FAIL alarm-reaches-rule ${a}`));
      expect(handler.alarmNames.length).toBeGreaterThan(0);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `an ALARM state change of "${handler.alarmNames[0] ?? ''}" matches rule ${rule}'s pattern, but its state is DISABLED: a disabled rule matches no event: scale-consumers never runs for it, and nobody is paged for it`,
      );
    } finally {
      await events.send(new EnableRuleCommand({ Name: rule }));
      events.destroy();
    }
  });

  // Review 18c R18-18, decision 309: the verify sweep's rule read back right (exists, ENABLED, rate, target, Input) said
  // PASS though verify-change's resource-based policy did not let EventBridge invoke it for the rule: the sweep never ran.
  it("names a sweep rule whose function's permission for it is gone (FAIL), admits any account's rule (FAIL), or any rule of this account (WARN)", async () => {
    const fn = 'notification-runbooks-verify-change';
    const rule = 'notification-runbooks-verify-sweep';
    const ruleArn = `arn:aws:events:us-east-1:${account.accountId}:rule/${rule}`;
    const statements = async (): Promise<Array<{ Sid?: string; Condition?: unknown }>> =>
      (JSON.parse((await stack.lambda.send(new GetPolicyCommand({ FunctionName: fn }))).Policy ?? '{}') as { Statement: Array<{ Sid?: string; Condition?: unknown }> }).Statement;
    // As the sandbox's deploy wrote it (CDK's LambdaFunction target): events.amazonaws.com for the rule's ARN.
    expect(await statements()).toEqual([expect.objectContaining({ Sid: 'VerifySweep', Condition: { ArnLike: { 'AWS:SourceArn': ruleArn } } })]);
    await stack.lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: 'VerifySweep' }));
    await expect(stack.lambda.send(new GetPolicyCommand({ FunctionName: fn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    try {
      const gone = await preflight();
      expect(gone.status).toBe(1);
      expect(failures(gone.report)).toEqual([`FAIL verify-sweep ${rule}`]);
      expect(gone.report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `rule ${rule}: ${fn} has no resource-based policy (lambda:GetPolicy: none), so EventBridge may not invoke it for the rule: a health check after a change whose schedule Scheduler cannot deliver (dropped after its 24 h retry) is then never run: a change that made things worse stays`,
      );

      // A permission with no SourceArn (AWS allows it): the sweep runs, but any rule, of any account, may invoke
      // verify-change: a FAIL since review 19 R19-13 (decision 320; it was a WARN).
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: fn, StatementId: 'AnyRule', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' }));
      const open = await preflight();
      expect(open.status).toBe(1);
      expect(failures(open.report)).toEqual([`FAIL verify-sweep ${rule}`]);
      expect(open.report.checks.find((c) => c.status === 'FAIL')?.message).toContain(
        `the resource-based policy of ${fn} lets anyone, or a principal of an account nobody configured, invoke it (Service events.amazonaws.com for rule ${rule} of 999999999999, an account nobody configured (iam:SimulateCustomPolicy: admitted))`,
      );
      // Any rule of this account only (a wildcard SourceArn): broader within our account, a WARN.
      await stack.lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: 'AnyRule' }));
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: fn, StatementId: 'AnyRule', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: `arn:aws:events:us-east-1:${account.accountId}:rule/*` }));
      const broad = await preflight();
      expect(broad.status).toBe(0);
      expect(failures(broad.report)).toEqual([`WARN verify-sweep ${rule}`]);
      expect(broad.report.checks.find((c) => c.status === 'WARN')?.message).toContain(
        `the resource-based policy of ${fn} allows events.amazonaws.com to invoke it for this rule, but for rule runbook-preflight-probe-another-rule of this account too`,
      );
    } finally {
      if ((await statements().catch(() => [])).some((st) => st.Sid === 'AnyRule')) await stack.lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: 'AnyRule' }));
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: fn, StatementId: 'VerifySweep', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: ruleArn }));
    }
    expect(await statements()).toEqual([expect.objectContaining({ Sid: 'VerifySweep' })]);
  });

  // Review 20b R20-22, decision 331: `add-permission --qualifier` writes a version's own policy, which the function's
  // GetPolicy never shows; invoking the version runs its code with the handler's role. (moto shares one policy between a
  // function and its versions: the gap proxy keeps each version's and alias's, sandbox/lambda-qualified-policies.ts.)
  it("names a published version of verify-change whose own policy lets anyone invoke it (FAIL), and passes once it is gone", async () => {
    const fn = 'notification-runbooks-verify-change';
    const rule = 'notification-runbooks-verify-sweep';
    const { Version: version } = await stack.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    if (version === undefined) throw new Error('PublishVersion answered no Version');
    const statementsOf = async (qualifier?: string): Promise<string[]> =>
      (JSON.parse((await stack.lambda.send(new GetPolicyCommand({ FunctionName: fn, ...(qualifier ? { Qualifier: qualifier } : {}) }))).Policy ?? '{}') as { Statement: Array<{ Sid?: string }> }).Statement.map((st) => String(st.Sid));
    // The first failure is the one reported: the version's removal after it must not hide it.
    let failure: unknown;
    try {
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: fn, Qualifier: version, StatementId: 'AnyoneOnVersion', Action: 'lambda:InvokeFunction', Principal: '*' }));
      // Two policies, as Lambda keeps them: the function's (CDK's statement for the rule only) and the version's.
      expect(await statementsOf()).toEqual(['VerifySweep']);
      expect(await statementsOf(version)).toEqual(['AnyoneOnVersion']);
      const open = await preflight();
      expect(open.status).toBe(1);
      expect(failures(open.report)).toEqual([`FAIL verify-sweep ${rule}`]);
      const line = open.report.checks.find((c) => c.status === 'FAIL');
      expect(line?.message).toBe(
        `rule ${rule} invokes ${fn} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of version ${version} of ${fn} (${fn}:${version}) lets anyone, or a principal of an account nobody configured, invoke it (statement AnyoneOnVersion: Principal "*"): they may invoke ${fn} with an input of their choosing`,
      );
      expect(line?.fix).toContain(`aws lambda remove-permission --function-name ${fn} --qualifier ${version} --statement-id <its Sid>`);
    } catch (error) {
      failure = error;
    }
    await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: fn, Qualifier: version })).catch((error: unknown) => {
      if (failure === undefined) throw error;
    });
    if (failure !== undefined) throw failure;
    // The version gone, its policy with it; the function's untouched.
    expect(await statementsOf()).toEqual(['VerifySweep']);
    const again = await preflight();
    expect(failures(again.report)).toEqual([]);
  });

  // Decision 316: an alarm route that exists, is ENABLED, matches its alarms and targets its handler still never invokes
  // it without the handler's Lambda permission for that rule; and one of escalate's three rules losing its statement is
  // named alone (one policy read, each rule judged against it).
  it("names an alarm route whose handler's permission for it is gone, and an escalate rule whose statement is gone, each alone (FAIL)", async () => {
    const route = stack.handlers.find((h) => h.name === 'scale-consumers');
    if (!route?.ruleName) throw new Error('scale-consumers has no rule');
    const escalate = 'notification-runbooks-escalate';
    const routeArn = `arn:aws:events:us-east-1:${account.accountId}:rule/${route.ruleName}`;
    const decisionsArn = `arn:aws:events:us-east-1:${account.accountId}:rule/notification-runbooks/notification-runbooks-escalate-decisions`;
    const sids = async (fn: string): Promise<Array<string | undefined>> =>
      (JSON.parse((await stack.lambda.send(new GetPolicyCommand({ FunctionName: fn }))).Policy ?? '{}') as { Statement: Array<{ Sid?: string }> }).Statement.map((st) => st.Sid);
    expect(await sids(route.functionName)).toEqual(['AlarmRoute-scale-consumers']);
    expect((await sids(escalate)).sort()).toEqual(['AlarmRecoveries', 'Decisions', 'KillSwitchChanges']);
    await stack.lambda.send(new RemovePermissionCommand({ FunctionName: route.functionName, StatementId: 'AlarmRoute-scale-consumers' }));
    await expect(stack.lambda.send(new GetPolicyCommand({ FunctionName: route.functionName }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    try {
      const gone = await preflight();
      expect(gone.status).toBe(1);
      expect(failures(gone.report)).toEqual([`FAIL rule-permission ${route.ruleName}`]);
      expect(gone.report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `rule ${route.ruleName} on the default bus targets ${route.functionName}, but ${route.functionName} has no resource-based policy (lambda:GetPolicy: none), so EventBridge may not invoke it for the rule: scale-consumers never runs for the state changes of ${route.alarmNames.map((a) => `"${a}"`).join(', ')}, and nobody is paged for them`,
      );
    } finally {
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: route.functionName, StatementId: 'AlarmRoute-scale-consumers', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: routeArn }));
    }
    await stack.lambda.send(new RemovePermissionCommand({ FunctionName: escalate, StatementId: 'Decisions' }));
    try {
      const decisions = await preflight();
      expect(decisions.status).toBe(1);
      expect(failures(decisions.report)).toEqual(['FAIL rule-permission notification-runbooks-escalate-decisions']);
      expect(decisions.report.checks.find((c) => c.status === 'FAIL')?.message).toContain(
        `the resource-based policy of ${escalate} does not allow events.amazonaws.com lambda:InvokeFunction for this rule (AWS:SourceArn ${decisionsArn}; iam:SimulateCustomPolicy: implicitDeny)`,
      );
    } finally {
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: escalate, StatementId: 'Decisions', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: decisionsArn }));
    }
    expect(await sids(route.functionName)).toEqual(['AlarmRoute-scale-consumers']);
    expect((await sids(escalate)).sort()).toEqual(['AlarmRecoveries', 'Decisions', 'KillSwitchChanges']);
  });

  // Review 11a finding 3: the escalation's Scheduler role existed with no policy, and preflight said "exists".
  it("names a Scheduler role that may not invoke its lane's target (its policy deleted): the escalation timers all fail", async () => {
    const role = 'notification-runbooks-escalation-scheduler-us-east-1';
    const timer = `arn:aws:lambda:us-east-1:${account.accountId}:function:notification-runbooks-escalation-timer`;
    await stack.iam.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: SCHEDULER_INVOKE_POLICY }));
    expect((await stack.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames).toEqual([]);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL scheduler-role-permissions ${role}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `Scheduler role ${role} is denied lambda:InvokeFunction on ${timer} (implicitDeny): every escalation timer fails: the ladder stops at the first tier, and nobody is told`,
      );
    } finally {
      await stack.iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: SCHEDULER_INVOKE_POLICY, PolicyDocument: schedulerInvokePolicy(timer) }));
    }
  });

  // Review 13 R13-8: the trust was judged by its Principal alone ("conditions aside"): a trust naming the other lane's group
  // or another account PASSed while Scheduler's real AssumeRole (aws:SourceArn = this group) is refused.
  it("names a Scheduler role whose trust names the other lane's group, and one whose trust names another account", async () => {
    const region = String(account.clientConfig.region);
    const escalationRole = `notification-runbooks-escalation-scheduler-${region}`;
    const verifyRole = `notification-runbooks-verify-scheduler-${region}`;
    const groupArn = (acct: string, group: string): string => `arn:aws:scheduler:${region}:${acct}:schedule-group/${group}`;
    const trustFor = (acct: string, group: string): string =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': acct }, ArnEquals: { 'aws:SourceArn': groupArn(acct, group) } } }],
      });
    const before = new Map<string, string>();
    for (const role of [escalationRole, verifyRole]) before.set(role, (await stack.iam.send(new GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument ?? '');
    await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: escalationRole, PolicyDocument: trustFor(account.accountId, 'notification-runbooks-verify') }));
    await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: verifyRole, PolicyDocument: trustFor('444455556666', 'notification-runbooks-verify') }));
    expect(decodeURIComponent((await stack.iam.send(new GetRoleCommand({ RoleName: escalationRole }))).Role?.AssumeRolePolicyDocument ?? '')).toContain('schedule-group/notification-runbooks-verify');
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL scheduler-role ${escalationRole}`, `FAIL scheduler-role ${verifyRole}`]);
      const [escalation, verify] = report.checks.filter((c) => c.status === 'FAIL');
      expect(escalation?.message).toBe(
        `Scheduler role ${escalationRole} exists, but its trust does not admit EventBridge Scheduler (scheduler.amazonaws.com) for schedules of group notification-runbooks (aws:SourceAccount ${account.accountId}, aws:SourceArn ${groupArn(account.accountId, 'notification-runbooks')}; sts:AssumeRole: implicitDeny, iam:SimulateCustomPolicy): every escalation timer fails: the ladder stops at the first tier, and nobody is told`,
      );
      expect(verify?.message).toContain('for schedules of group notification-runbooks-verify');
      expect(verify?.fix).toContain(`its trust: scheduler.amazonaws.com with StringEquals aws:SourceAccount ${account.accountId} and ArnEquals aws:SourceArn ${groupArn(account.accountId, 'notification-runbooks-verify')}`);
    } finally {
      for (const [role, trust] of before) await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: decodeURIComponent(trust) }));
    }
  });

  // Review 13 R13-12: a failover record without a health check (or with set identifiers other than the regions) ends
  // FailoverToDR / FailbackToPrimary at a failed switchRecord / refuseRecordPair, during the outage: preflight says so now.
  // Review 15 R15-3, in the same run: the PRIMARY's health check inverted (UpdateHealthCheck, read back by GetHealthCheck's
  // HealthCheckConfig) sends the API's traffic to the DR region while the primary is up: named in the same FAIL.
  it("names a failover record pair the documents cannot switch (the SECONDARY's health check removed) and one DNS fails over backwards (the PRIMARY's inverted), and passes again once both are back", async () => {
    const read = async () =>
      (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, StartRecordName: pair.recordName, StartRecordType: 'CNAME', MaxItems: 2 }))).ResourceRecordSets ?? [];
    const records = await read();
    const secondary = records.find((r) => r.Failover === 'SECONDARY');
    const primaryCheck = records.find((r) => r.Failover === 'PRIMARY')?.HealthCheckId;
    if (!secondary?.HealthCheckId || !primaryCheck) throw new Error('the provisioned pair has a record without a health check');
    const inverted = async () => (await route53.send(new GetHealthCheckCommand({ HealthCheckId: primaryCheck }))).HealthCheck?.HealthCheckConfig?.Inverted;
    const { HealthCheckId: healthCheckId, ...withoutCheck } = secondary;
    await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: withoutCheck }] } }));
    await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: primaryCheck, Inverted: true }));
    expect((await read()).find((r) => r.Failover === 'SECONDARY')?.HealthCheckId).toBeUndefined();
    expect(await inverted()).toBe(true);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL failover-record-pair ${pair.recordName} in ${pair.hostedZoneId}`]);
      const failed = report.checks.find((c) => c.status === 'FAIL');
      expect(failed?.message).toContain('the SECONDARY record (set identifier us-west-2) has no health check');
      expect(failed?.message).toContain('NotificationService-FailbackToPrimary and NotificationService-FailoverToDR');
      expect(failed?.message).toContain(`and DNS would not fail over with it: the PRIMARY's health check ${primaryCheck} is inverted: Route 53 considers it "unhealthy when it otherwise would be considered healthy"`);
    } finally {
      await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...withoutCheck, HealthCheckId: healthCheckId } }] } }));
      // The fix as the FAIL prints it.
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: primaryCheck, Inverted: false, Disabled: false }));
    }
    expect((await read()).find((r) => r.Failover === 'SECONDARY')?.HealthCheckId).toBe(healthCheckId);
    expect(await inverted()).toBe(false);
  });

  // Review 17 R17-1: the PRIMARY's check "simplified" into a calculated one with HealthThreshold 0 (Route 53 "always
  // considers this health check to be healthy") over the PRIMARY's own endpoint check: DNS never fails away from
  // us-east-1. moto 5.2.1 keeps and answers a CALCULATED check's HealthThreshold and ChildHealthChecks (read back here);
  // it keeps no AlarmIdentifier or InsufficientDataHealthStatus, so the CLOUDWATCH_METRIC cases are unit cases only.
  it("names a PRIMARY health check Route 53 always counts healthy (calculated, HealthThreshold 0, over the PRIMARY's own check), and passes again once the record has its own check back", async () => {
    const read = async () =>
      (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, StartRecordName: pair.recordName, StartRecordType: 'CNAME', MaxItems: 2 }))).ResourceRecordSets ?? [];
    const primary = (await read()).find((r) => r.Failover === 'PRIMARY');
    if (!primary?.HealthCheckId) throw new Error('the provisioned pair has no PRIMARY record with a health check');
    const ownCheck = primary.HealthCheckId;
    const created = await route53.send(
      new CreateHealthCheckCommand({ CallerReference: `r17-calculated-${Date.now()}`, HealthCheckConfig: { Type: 'CALCULATED', HealthThreshold: 0, ChildHealthChecks: [ownCheck] } }),
    );
    const calculatedId = created.HealthCheck?.Id;
    if (!calculatedId) throw new Error('CreateHealthCheck answered no id');
    const config = (await route53.send(new GetHealthCheckCommand({ HealthCheckId: calculatedId }))).HealthCheck?.HealthCheckConfig;
    expect({ type: config?.Type, threshold: config?.HealthThreshold, children: config?.ChildHealthChecks }).toEqual({ type: 'CALCULATED', threshold: 0, children: [ownCheck] });
    await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...primary, HealthCheckId: calculatedId } }] } }));
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL failover-record-pair ${pair.recordName} in ${pair.hostedZoneId}`]);
      const failed = report.checks.find((c) => c.status === 'FAIL');
      expect(failed?.message).toContain(
        `the PRIMARY's health check ${calculatedId} is a calculated check with HealthThreshold 0 of 1 child check: "If you specify 0, Route 53 always considers this health check to be healthy" (API reference, HealthCheckConfig.HealthThreshold), so DNS keeps answering with the PRIMARY record (us-east-1) when its API is down`,
      );
      expect(failed?.fix).toContain(`aws route53 update-health-check --health-check-id ${calculatedId} --health-threshold <1 to 1>`);
    } finally {
      await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: primary }] } }));
      await route53.send(new DeleteHealthCheckCommand({ HealthCheckId: calculatedId }));
    }
    expect((await read()).find((r) => r.Failover === 'PRIMARY')?.HealthCheckId).toBe(ownCheck);
  });

  // Review 13 R13-5: nothing read the approval topic back. A filter policy on its only subscriber (the tiers' filter, copied
  // by mistake or set by anyone with sns:SetSubscriptionAttributes, which no topic policy refuses) drops every approval
  // request; then, with the subscriber gone, nobody is subscribed at all. Each is named, and the fix, run as written, clears it.
  it('names an approval topic whose only subscriber filters every request, then one nobody is subscribed to', async () => {
    const topicArn = account.topology.approvalTopic.arn;
    const [subscription] = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    if (!subscription?.SubscriptionArn) throw new Error('the deployment subscribed no approver to the approval topic');
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"channel":["email"]}' }));
    const filtered = await preflight();
    expect(filtered.status).toBe(1);
    expect(failures(filtered.report)).toEqual([`FAIL approval-topic ${topicArn}`, `FAIL approval-subscriber ${topicArn} ${subscription.Endpoint ?? ''}`]);
    expect(filtered.report.checks.find((c) => c.check === 'approval-topic')?.message).toContain('has no confirmed subscription that receives its requests (every confirmed one has a filter policy)');
    // The fix as printed: an empty FilterPolicy, which the emulator takes as no filter (not tried against AWS).
    const fix = filtered.report.checks.find((c) => c.check === 'approval-subscriber')?.fix ?? '';
    expect(fix).toContain("--attribute-name FilterPolicy --attribute-value ''");
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '' }));
    const fixed = await preflight();
    expect(failures(fixed.report)).toEqual([]);
    expect(fixed.status).toBe(0);
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn }));
    try {
      const nobody = await preflight();
      expect(nobody.status).toBe(1);
      expect(failures(nobody.report)).toEqual([`FAIL approval-topic ${topicArn}`]);
      expect(nobody.report.checks.find((c) => c.check === 'approval-topic')?.message).toContain('reaches nobody: the run waits at its approval step for its hour and ends Failed');
    } finally {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: subscription.Protocol, Endpoint: subscription.Endpoint }));
    }
  });

  // The automation's own failures (dead-letter queues, Scheduler lanes) page only through the health topic, which nothing
  // read back: a filter on its only subscriber (no topic policy refuses SetSubscriptionAttributes) drops every alarm, and
  // with the subscriber gone nobody is paged at all. Each is named, by the approval topic's code.
  it('names an automation health topic whose only subscriber filters every alarm, then one nobody is subscribed to', async () => {
    const topicArn = stack.health.tiers[0]?.topicArn ?? '';
    const [subscription] = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    if (!subscription?.SubscriptionArn) throw new Error('the deployment subscribed nobody to the health topic');
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"channel":["email"]}' }));
    try {
      const filtered = await preflight();
      expect(filtered.status).toBe(1);
      expect(failures(filtered.report)).toEqual([`FAIL health-topic ${topicArn}`, `FAIL health-subscriber ${topicArn} ${subscription.Endpoint ?? ''}`]);
      expect(filtered.report.checks.find((c) => c.check === 'health-topic')?.message).toContain("has no confirmed subscription that receives its alarms (every confirmed one has a filter policy): the automation's own failures page nobody");
      expect(filtered.report.checks.find((c) => c.check === 'health-subscriber')?.fix).toContain(`--subscription-arn ${subscription.SubscriptionArn} --attribute-name FilterPolicy --attribute-value ''`);
    } finally {
      await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '' }));
    }
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn }));
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions).toEqual([]);
    try {
      const nobody = await preflight();
      expect(nobody.status).toBe(1);
      expect(failures(nobody.report)).toEqual([`FAIL health-topic ${topicArn}`]);
      expect(nobody.report.checks.find((c) => c.check === 'health-topic')?.message).toBe(
        `automation health topic ${topicArn} has no confirmed subscription that receives its alarms: the automation's own failures page nobody: a handler invocation that failed every retry, an event EventBridge could not deliver, an escalation timer Scheduler failed or dropped (their alarms publish only here)`,
      );
    } finally {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: subscription.Protocol, Endpoint: subscription.Endpoint }));
    }
  });

  // The escalation timers and health checks carry no dead-letter queue (decision 239): a timer Scheduler drops is heard
  // only through its lane's alarm. With that alarm gone, a live timer with Scheduler's 24 h default retry, and one whose
  // dead-letter queue its role may not send to, preflight names each; the fixes it prints, run as written, clear them.
  it("names a Scheduler lane whose failures nobody would hear, a timer with another retry policy, and one whose dead-letter queue is lost; the fixes clear them", async () => {
    const scheduler = new SchedulerClient(account.clientConfig);
    const region = String(account.clientConfig.region);
    const lane = SANDBOX_SCHEDULER_LANES[0];
    const alarmName = schedulerAlarmSpec(lane).alarmName;
    const roleName = `notification-runbooks-escalation-scheduler-${region}`;
    const timerArn = `arn:aws:lambda:${region}:${account.accountId}:function:notification-runbooks-escalation-timer`;
    const roleArn = `arn:aws:iam::${account.accountId}:role/${roleName}`;
    const deadLetter = `arn:aws:sqs:${region}:${account.accountId}:timers-dead-letter`;
    const at = new Date('2027-01-01T00:00:00Z');
    const healthTopicArn = stack.health.tiers[0]?.topicArn ?? '';
    // One timer as escalate creates it (the real code), one as an older or hand-made one (no RetryPolicy: Scheduler's default), one with a dead-letter queue.
    await createOneTimeSchedule(scheduler, { name: 'preflight-as-created', groupName: lane.groupName, at, description: 'as created', functionArn: timerArn, schedulerRoleArn: roleArn, input: { kind: 'probe' }, retryPolicy: ESCALATION_TIMER_RETRY });
    await scheduler.send(new CreateScheduleCommand({ Name: 'preflight-default-retry', GroupName: lane.groupName, ScheduleExpression: atExpression(at), FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: timerArn, RoleArn: roleArn, Input: '{"kind":"probe"}' } }));
    await scheduler.send(new CreateScheduleCommand({ Name: 'preflight-dead-letter', GroupName: lane.groupName, ScheduleExpression: atExpression(at), FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: timerArn, RoleArn: roleArn, Input: '{"kind":"probe"}', RetryPolicy: { ...ESCALATION_TIMER_RETRY }, DeadLetterConfig: { Arn: deadLetter } } }));
    await account.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName] }));
    expect((await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms).toEqual([]);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL schedule-lane-alarm ${alarmName}`, `FAIL schedule-delivery ${lane.groupName}/preflight-dead-letter`, `WARN schedule-delivery ${lane.groupName}/preflight-default-retry`]);
      const [alarm, lost, retry] = report.checks.filter((c) => c.status !== 'PASS');
      expect(alarm?.message).toBe(`alarm "${alarmName}": it does not exist: the escalation-timer schedules carry no dead-letter queue, so one Scheduler cannot deliver is dropped after its retry policy (900 s / 185 attempts) and lost, nobody told`);
      expect(lost?.message).toBe(`schedule ${lane.groupName}/preflight-dead-letter names the dead-letter queue ${deadLetter}, but its execution role is denied sqs:SendMessage on ${deadLetter} (implicitDeny): a delivery that fails is lost there`);
      expect(retry?.message).toContain("has RetryPolicy 86400 s / 185 attempts, not the lane's 900 s / 185 attempts");
      expect(report.checks.find((c) => c.check === 'schedule-delivery' && c.subject === lane.groupName)?.message).toContain('3 live schedule(s), 1 as the handlers create them');
      // The fixes as printed: the stack's alarm (what cdk deploy writes), the role's grant, the lane's RetryPolicy.
      await account.cloudWatch.send(new PutMetricAlarmCommand(schedulerAlarmInput(schedulerAlarmSpec(lane), [healthTopicArn])));
      const grant = /^aws iam put-role-policy --role-name (\S+) --policy-name (\S+) --policy-document '([^']+)'$/.exec(lost?.fix ?? '');
      if (!grant) throw new Error(`not the expected fix: ${lost?.fix ?? ''}`);
      await stack.iam.send(new PutRolePolicyCommand({ RoleName: grant[1], PolicyName: grant[2], PolicyDocument: grant[3] }));
      const update = /--target '([^']+)'$/.exec(retry?.fix ?? '');
      if (!update?.[1] || !(retry?.fix ?? '').startsWith(`aws scheduler update-schedule --region ${region} --group-name ${lane.groupName} --name preflight-default-retry --schedule-expression 'at(2027-01-01T00:00:00)'`)) throw new Error(`not the expected fix: ${retry?.fix ?? ''}`);
      await scheduler.send(new UpdateScheduleCommand({ Name: 'preflight-default-retry', GroupName: lane.groupName, ScheduleExpression: atExpression(at), FlexibleTimeWindow: { Mode: 'OFF' }, Target: JSON.parse(update[1]) as Target }));
      const fixed = await preflight();
      expect(failures(fixed.report)).toEqual([]);
      expect(fixed.status).toBe(0);
      expect(fixed.report.checks.filter((c) => c.check === 'schedule-delivery').map((c) => `${c.status} ${c.subject}`)).toEqual([
        `PASS ${lane.groupName}/preflight-dead-letter`,
        `PASS ${lane.groupName}`,
        'PASS notification-runbooks-verify',
      ]);
    } finally {
      await account.cloudWatch.send(new PutMetricAlarmCommand(schedulerAlarmInput(schedulerAlarmSpec(lane), [healthTopicArn])));
      await stack.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'scheduler-dead-letter' })).catch(() => undefined);
      for (const name of ['preflight-as-created', 'preflight-default-retry', 'preflight-dead-letter']) await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: lane.groupName }));
      scheduler.destroy();
    }
  });

  // Decision 311 (300's "not done"): the sweeps count what they leave and refuse and return success; only these alarms
  // page. One deleted, and verify-change's put back on escalation-timer's `handler` dimension (verify-change writes
  // `playbook`: that series has no data): exactly those two FAIL; the alarms as the deploy writes them clear both.
  it('names a sweep metric alarm that is missing and one on a dimension its handler does not write; the deployed alarms clear them', async () => {
    const healthTopicArn = stack.health.tiers[0]?.topicArn ?? '';
    const missing = SWEEP_ALARMS.find((s) => s.metricName === REFUSED_METRICS.unresolvedRecords);
    const misdimensioned = SWEEP_ALARMS.find((s) => s.metricName === REFUSED_METRICS.healthChecks);
    if (!missing || !misdimensioned) throw new Error('no such sweep metric alarm');
    await account.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [missing.alarmName] }));
    const wrong = sweepMetricAlarmInput({ ...misdimensioned, dimensions: { service: 'notification-runbooks', environment: 'production', handler: 'verify-change' } }, [healthTopicArn]);
    await account.cloudWatch.send(new PutMetricAlarmCommand(wrong));
    // Both faults are in the emulator.
    expect((await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [missing.alarmName] }))).MetricAlarms).toEqual([]);
    expect((await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [misdimensioned.alarmName] }))).MetricAlarms?.[0]?.Dimensions?.map((d) => d.Name).sort()).toEqual(['environment', 'handler', 'service']);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL sweep-metric-alarm ${missing.alarmName}`, `FAIL sweep-metric-alarm ${misdimensioned.alarmName}`]);
      expect(report.checks.filter((c) => c.status === 'FAIL').map((c) => c.message)).toEqual([
        `alarm "${missing.alarmName}": it does not exist: escalation-timer's sweep counts UnresolvedRecordsRefused and returns success, so nobody is paged for it (decisions 300, 311)`,
        `alarm "${misdimensioned.alarmName}": its dimensions are environment=production, handler=verify-change, service=notification-runbooks, not environment=production, playbook=verify-change, service=notification-runbooks (what Powertools writes for verify-change): that series has no data: verify-change's sweep counts HealthChecksRefused and returns success, so nobody is paged for it (decisions 300, 311)`,
      ]);
    } finally {
      // As the deploy writes them (a PutMetricAlarm replaces the alarm of that name whole).
      for (const spec of [missing, misdimensioned]) await account.cloudWatch.send(new PutMetricAlarmCommand(sweepMetricAlarmInput(spec, [healthTopicArn])));
    }
    const fixed = await preflight();
    expect(failures(fixed.report)).toEqual([]);
    expect(fixed.report.checks.filter((c) => c.check === 'sweep-metric-alarm').map((c) => c.status)).toEqual(SWEEP_ALARMS.map(() => 'PASS'));
  });

  // Review 11a finding 3 / decision 200's "not done": the role the documents run as, and their approvers, were read by nothing.
  it('names an automation role Systems Manager may not assume and an approver role that does not exist, with the documents they stop', async () => {
    const automation = `notification-runbooks-automation-${String(account.clientConfig.region)}`;
    const approver = 'NotificationServiceRunbookApprover';
    const before = (await stack.iam.send(new GetRoleCommand({ RoleName: automation }))).Role?.AssumeRolePolicyDocument ?? '';
    const approverTrust = (await stack.iam.send(new GetRoleCommand({ RoleName: approver }))).Role?.AssumeRolePolicyDocument ?? '';
    const lambdaTrust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: automation, PolicyDocument: lambdaTrust }));
    await stack.iam.send(new DeleteRoleCommand({ RoleName: approver }));
    await expect(stack.iam.send(new GetRoleCommand({ RoleName: approver }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      const approverArn = `arn:aws:iam::${account.accountId}:role/${approver}`;
      expect(failures(report)).toEqual([`FAIL automation-role ${automation}`, `FAIL approver ${approverArn}`]);
      expect(report.checks.filter((c) => c.status === 'FAIL').map((c) => c.message)).toEqual([
        expect.stringMatching(new RegExp(`^automation role ${automation} exists, but its trust does not let Systems Manager \\(ssm\\.amazonaws\\.com\\) assume it: .*NotificationService-FailoverToDR.* run as it and no other role: they fail at the first step$`)),
        expect.stringMatching(new RegExp(`^approver role ${approver} does not exist: nobody can answer their approval steps: a run waits there until it times out \\(it approves .*NotificationService-ScaleUpDatabase.*\\)$`)),
      ]);
    } finally {
      await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: automation, PolicyDocument: decodeURIComponent(before) }));
      await stack.iam.send(new CreateRoleCommand({ RoleName: approver, AssumeRolePolicyDocument: decodeURIComponent(approverTrust) }));
    }
  });

  // Decision 291: the call Lambda makes with the execution role when an asynchronous invocation fails every retry
  // (sqs:SendMessage on the on-failure queue), simulated on the queue's exact ARN as GetFunctionEventInvokeConfig reads it.
  it("names a handler role that may not send to its on-failure queue (infra's SqsDestination grant removed), on the queue's ARN", async () => {
    const handler = stack.handlers.find((h) => h.name === 'scale-consumers');
    const policy = stack.policies.get('scale-consumers');
    if (!handler || !policy) throw new Error('scale-consumers not deployed');
    const failedArn = stack.deadLetters.failedInvocations.arn;
    const without = { ...policy, Statement: policy.Statement.filter((st) => !([] as string[]).concat(st.Action as string | string[]).includes('sqs:SendMessage')) };
    expect(without.Statement).toHaveLength(policy.Statement.length - 1);
    await stack.iam.send(new PutRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions', PolicyDocument: JSON.stringify(without) }));
    expect(decodeURIComponent((await stack.iam.send(new GetRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions' }))).PolicyDocument ?? '')).not.toContain('sqs:SendMessage');
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL role-permissions ${handler.functionName}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `role ${handler.roleName} of ${handler.functionName} may not deliver a failed invocation's record to its on-failure destination: sqs:SendMessage on ${failedArn} (implicitDeny) (Lambda sends it with the function's execution role, so the record is lost, counted only in DestinationDeliveryFailures)`,
      );
    } finally {
      await stack.iam.send(new PutRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions', PolicyDocument: JSON.stringify(policy) }));
    }
  });

  // Decision 291: moto keeps any queue as a function's on-failure destination (PutFunctionEventInvokeConfig checks only the
  // ARN's pattern), as AWS's API may; Lambda then never delivers to it.
  it('names a handler whose on-failure destination is an SQS FIFO queue, with the queue', async () => {
    const handler = stack.handlers.find((h) => h.name === 'escalate');
    if (!handler) throw new Error('escalate not deployed');
    const sqs = new SQSClient(account.clientConfig);
    const fifo = await sqs.send(new CreateQueueCommand({ QueueName: 'preflight-failed-invocations.fifo', Attributes: { FifoQueue: 'true' } }));
    const fifoArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: fifo.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    expect(fifoArn).toBe(`arn:aws:sqs:us-east-1:${account.accountId}:preflight-failed-invocations.fifo`);
    // moto 5.2.1 appends a second configuration on Put and answers Get with the first: deleted first, as AWS replaces it.
    await stack.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName }));
    await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: fifoArn } } }));
    expect((await stack.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName }))).DestinationConfig?.OnFailure?.Destination).toBe(fifoArn);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      // Its role may send to the stack's queue only (infra grants the destination it sets), so the delivery is named too.
      expect(failures(report)).toEqual([`FAIL handler-configuration ${handler.functionName}`, `FAIL role-permissions ${handler.functionName}`]);
      expect(report.checks.find((c) => c.check === 'handler-configuration' && c.status === 'FAIL')?.message).toBe(
        `handler ${handler.functionName}: its on-failure destination ${fifoArn} is an SQS FIFO queue, which Lambda does not deliver to (Lambda Developer Guide: a standard SQS queue only; a FIFO queue is "an unsupported destination type"): a failed asynchronous invocation's record is lost, counted only in its DestinationDeliveryFailures metric`,
      );
      expect(report.checks.find((c) => c.check === 'role-permissions' && c.status === 'FAIL')?.message).toContain(`sqs:SendMessage on ${fifoArn} (implicitDeny)`);
    } finally {
      await stack.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName }));
      await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: stack.deadLetters.failedInvocations.arn } } }));
      expect((await stack.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName }))).DestinationConfig?.OnFailure?.Destination).toBe(stack.deadLetters.failedInvocations.arn);
      await sqs.send(new DeleteQueueCommand({ QueueUrl: fifo.QueueUrl }));
      sqs.destroy();
    }
  });

  // Decision 335 (31, 330): synth checks infra's timeouts against the claim lease; a timeout raised after deployment (the
  // console, another stack) is seen here, from the deployed function's configuration against the configured lease.
  it("names a handler whose deployed timeout with the margin passes the claim lease, with both figures and the fix", async () => {
    const handler = stack.handlers.find((h) => h.name === 'scale-up-database');
    if (!handler) throw new Error('scale-up-database not deployed');
    const timeout = async (): Promise<number | undefined> => (await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: handler.functionName }))).Timeout;
    expect(await timeout()).toBe(120);
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: handler.functionName, Timeout: 141 }));
    expect(await timeout()).toBe(141);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL handler-configuration ${handler.functionName}`]);
      const failure = report.checks.find((c) => c.check === 'handler-configuration' && c.status === 'FAIL');
      expect(failure?.message).toBe(
        `handler ${handler.functionName}: Lambda timeout 141 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
      );
      expect(failure?.fix).toBe(
        "set its timeout to at most 140 s (deploy the runbook stack (npx cdk deploy -c environment=<env>) restores infra's, which synth checks against the lease), or raise claimLeaseSeconds past the timeout by 10 s and deploy",
      );
    } finally {
      await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: handler.functionName, Timeout: 120 }));
      expect(await timeout()).toBe(120);
    }
  });

  /**
   * Decision 344: scale-up-database's alarm route aimed at its alias live too. A version is published at each of
   * `timeouts` ($LATEST restored to infra's 120 s after), alias live made on the last one (sending 10% to the first when
   * `weighted`), then `check` runs; the target, the alias and the versions are removed after, whatever happened.
   */
  async function withLiveAliasOnRoute(timeouts: number[], weighted: boolean, check: (run: { fn: string; ruleName: string; versions: string[] }) => Promise<void>): Promise<void> {
    const handler = stack.handlers.find((h) => h.name === 'scale-up-database');
    if (!handler?.ruleName) throw new Error('scale-up-database not deployed with its rule');
    const { functionName: fn, ruleName } = handler;
    const events = new EventBridgeClient(account.clientConfig);
    const versions: string[] = [];
    let failure: unknown;
    try {
      let functionArn = '';
      for (const Timeout of timeouts) {
        await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Timeout }));
        const published = await stack.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
        if (published.Version === undefined || published.FunctionArn === undefined) throw new Error('PublishVersion answered no Version');
        versions.push(published.Version);
        functionArn = published.FunctionArn.slice(0, published.FunctionArn.lastIndexOf(':'));
      }
      await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Timeout: 120 }));
      const [first = '', last = ''] = [versions[0], versions[versions.length - 1]];
      await stack.lambda.send(new CreateAliasCommand({ FunctionName: fn, Name: 'live', FunctionVersion: last, ...(weighted ? { RoutingConfig: { AdditionalVersionWeights: { [first]: 0.1 } } } : {}) }));
      await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'LiveAlias', Arn: `${functionArn}:live` }] }));
      await check({ fn, ruleName, versions });
    } catch (error) {
      failure = error;
    }
    const cleanups = [
      () => events.send(new RemoveTargetsCommand({ Rule: ruleName, Ids: ['LiveAlias'] })),
      () => stack.lambda.send(new DeleteAliasCommand({ FunctionName: fn, Name: 'live' })),
      ...versions.map((Qualifier) => () => stack.lambda.send(new DeleteFunctionCommand({ FunctionName: fn, Qualifier }))),
    ];
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => (failure ??= error));
    events.destroy();
    if (failure !== undefined) throw failure;
  }
  const LEASE_PASSED = 'Lambda timeout 141 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)';

  // A rule aimed at an alias invokes the alias's version with that version's configuration. moto copies the
  // configuration at PublishVersion (the version keeps 141 s after $LATEST is restored to infra's 120 s: read back).
  it("names an alias an alarm route targets whose version's timeout passes the claim lease, though the function's own fits (FAIL)", async () => {
    await withLiveAliasOnRoute([141], false, async ({ fn, ruleName, versions: [version] }) => {
      const timeout = async (qualifier?: string): Promise<number | undefined> => (await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn, ...(qualifier ? { Qualifier: qualifier } : {}) }))).Timeout;
      expect([await timeout(), await timeout(version), await timeout('live')]).toEqual([120, 141, 141]);
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL handler-configuration ${fn}:live`]);
      const line = report.checks.find((c) => c.subject === `${fn}:live`);
      expect(line?.message).toBe(`handler ${fn}:live (version ${version ?? '?'}, which rule ${ruleName} invokes): ${LEASE_PASSED}`);
      expect(line?.fix).toContain(`aim the rule at ${fn} itself`);
      // The function's own line still passes: its configuration is infra's.
      expect(report.checks.find((c) => c.subject === fn && c.check === 'handler-configuration')?.status).toBe('PASS');
    });
  });

  // An alias may send a share of its invocations to a second version (RoutingConfig); that version runs with its own
  // timeout too. moto keeps the alias's RoutingConfig and answers it in ListAliases.
  it("names an alias an alarm route targets whose weighted second version's timeout passes the claim lease (FAIL)", async () => {
    await withLiveAliasOnRoute([141, 120], true, async ({ fn, ruleName, versions: [long = '', short = ''] }) => {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL handler-configuration ${fn}:live`]);
      expect(report.checks.find((c) => c.subject === `${fn}:live`)?.message).toBe(
        `handler ${fn}:live (versions ${short} and ${long} (10% of its invocations), which rule ${ruleName} invokes): version ${long}: ${LEASE_PASSED}`,
      );
    });
  });

  // Decision 344: a version's own policy is judged for every grant, as the function's: our own account granted the
  // invocation there is a WARN naming the version (331 reported strangers only). The gap proxy keeps one policy per version.
  it("names our own account's grant on a version's own policy (WARN), and an anonymous function URL grant there (FAIL)", async () => {
    const fn = 'notification-runbooks-verify-change';
    const rule = 'notification-runbooks-verify-sweep';
    const { Version: version } = await stack.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    if (version === undefined) throw new Error('PublishVersion answered no Version');
    let failure: unknown;
    try {
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: fn, Qualifier: version, StatementId: 'OursOnVersion', Action: 'lambda:InvokeFunction', Principal: account.accountId }));
      const ours = await preflight();
      expect(failures(ours.report)).toEqual([`WARN verify-sweep ${rule}`]);
      expect(ours.report.checks.find((c) => c.status === 'WARN')?.message).toBe(
        `rule ${rule} invokes ${fn} rate(5 minutes) with {"action":"sweep"}, and the resource-based policy of ${fn} allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn), but it also grants lambda:InvokeFunction to statement OursOnVersion: AWS arn:aws:iam::${account.accountId}:root on version ${version} (${fn}:${version}): each may invoke ${fn} with an input of its choosing`,
      );
      // Anyone's URL call of AuthType NONE there: simulated as an unsigned caller (decision 344), still a FAIL.
      await stack.lambda.send(new AddPermissionCommand({ FunctionName: fn, Qualifier: version, StatementId: 'PublicUrl', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
      const open = await preflight();
      expect(failures(open.report)).toEqual([`FAIL verify-sweep ${rule}`]);
      expect(open.report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `rule ${rule} invokes ${fn} rate(5 minutes) with {"action":"sweep"}, but the resource-based policy of version ${version} of ${fn} (${fn}:${version}) lets anyone, or a principal of an account nobody configured, invoke it (statement PublicUrl: Principal "*" (its Condition admits an anonymous caller of its function URL (AuthType NONE: the call carries no AWS identity, so no account, organisation or tag confines it), for lambda:InvokeFunctionUrl; iam:SimulateCustomPolicy)): they may invoke ${fn} with an input of their choosing`,
      );
    } catch (error) {
      failure = error;
    }
    await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: fn, Qualifier: version })).catch((error: unknown) => (failure ??= error));
    if (failure !== undefined) throw failure;
  });

  // Decision 291: moto answers ListDeadLetterSourceQueues from its queues' RedrivePolicy, and (unlike for a FIFO source)
  // accepts a standard queue redriving to a FIFO queue; each fault is proven here by reading it back.
  // moto keeps an event source mapping's DestinationConfig, of any source, without judging it.
  it("names an SQS queue redriving into the handlers' failure queue (WARN), a watched queue whose dead-letter queue is FIFO and a DynamoDB stream mapping of the consumer discarding to a FIFO queue (FAIL)", async () => {
    const sqs = new SQSClient(account.clientConfig);
    const dynamo = new DynamoDBClient(account.clientConfig);
    const consumer = account.topology.consumer.functionName;
    const table = await dynamo.send(
      new CreateTableCommand({ TableName: 'notification-audit', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    );
    const streamArn = table.TableDescription?.LatestStreamArn ?? '';
    const auditFailures = `arn:aws:sqs:us-east-1:${account.accountId}:notification-audit-failures.fifo`;
    const mapping = await stack.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: consumer, EventSourceArn: streamArn, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: auditFailures } } }));
    expect((await stack.lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).DestinationConfig?.OnFailure?.Destination).toBe(auditFailures);
    const failed = stack.deadLetters.failedInvocations;
    const watched = account.topology.queue;
    const before = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: watched.url, AttributeNames: ['RedrivePolicy'] }))).Attributes?.RedrivePolicy ?? '';
    const source = await sqs.send(new CreateQueueCommand({ QueueName: 'billing-queue', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: failed.arn, maxReceiveCount: 3 }) } }));
    const fifoDlq = await sqs.send(new CreateQueueCommand({ QueueName: 'notification-service-dlq.fifo', Attributes: { FifoQueue: 'true' } }));
    const fifoDlqArn = `arn:aws:sqs:us-east-1:${account.accountId}:notification-service-dlq.fifo`;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: watched.url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fifoDlqArn, maxReceiveCount: 5 }) } }));
    try {
      expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: failed.url }))).queueUrls).toEqual([source.QueueUrl]);
      expect(JSON.parse((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: watched.url, AttributeNames: ['RedrivePolicy'] }))).Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: fifoDlqArn });
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual(['FAIL dead-letter-queue notification-service-dlq.fifo', `FAIL mapping-failure-destination ${consumer} ${mapping.UUID ?? '?'}`, `WARN dead-letter-sources ${failed.queueName}`]);
      const [mismatch, fifoDestination, sources] = report.checks.filter((c) => c.status !== 'PASS');
      expect(fifoDestination?.message).toBe(
        `event source mapping ${mapping.UUID ?? '?'} of ${consumer} (from ${streamArn.split(':').slice(5).join(':')}) sends the records it discards to ${auditFailures}, an SQS FIFO queue: AWS documents a DynamoDB Streams mapping's destination as a standard SQS queue or standard SNS topic, so a discarded batch's record is lost`,
      );
      expect(mismatch?.message).toBe(
        `queue ${watched.name} (standard) redrives to notification-service-dlq.fifo, a FIFO queue: SQS requires a dead-letter queue of the source queue's type (a FIFO queue only a FIFO one, a standard queue only a standard one), so its poison messages are not moved there as the redrive policy says`,
      );
      expect(sources?.message).toMatch(new RegExp(`^SQS queue\\(s\\) billing-queue name ${failed.queueName} as their dead-letter queue \\(RedrivePolicy\\): `));
      expect(sources?.fix).toContain(`--queue-url ${source.QueueUrl ?? '?'} `);
      // The other queue's sources were listed too, and it has none.
      expect(report.checks.filter((c) => c.check === 'dead-letter-sources').map((c) => `${c.status} ${c.subject}`)).toEqual([`WARN ${failed.queueName}`, `PASS ${stack.deadLetters.undeliveredEvents.queueName}`]);
    } finally {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: watched.url, Attributes: { RedrivePolicy: before } }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: source.QueueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: fifoDlq.QueueUrl }));
      await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
      await dynamo.send(new DeleteTableCommand({ TableName: 'notification-audit' }));
      sqs.destroy();
      dynamo.destroy();
    }
  });

  // Decision 265: what the automation never acted on, and a trust deployed before decision 250. One run, each fault
  // proven in the emulator (the record in the queue) or by the oracle (the old trust admits us-west-2's executions).
  it("names a dead-letter queue holding a failed invocation and an automation role whose trust admits another region's executions", async () => {
    const automation = `notification-runbooks-automation-${String(account.clientConfig.region)}`;
    const failed = stack.deadLetters.failedInvocations;
    const sqs = new SQSClient(account.clientConfig);
    const before = decodeURIComponent((await stack.iam.send(new GetRoleCommand({ RoleName: automation }))).Role?.AssumeRolePolicyDocument ?? '');
    const before250 = before.replace(`arn:aws:ssm:${String(account.clientConfig.region)}:`, 'arn:aws:ssm:*:');
    const inDr = `arn:aws:ssm:us-west-2:${account.accountId}:automation-execution/probe`;
    const admits = (trust: string): Promise<boolean> =>
      mayAssume(JSON.parse(trust) as PolicyDoc, { principal: 'ssm.amazonaws.com', role: { arn: `arn:aws:iam::${account.accountId}:role/${automation}`, account: account.accountId }, context: { 'aws:SourceAccount': account.accountId, 'aws:SourceArn': inDr } });
    expect([await admits(before), await admits(before250)]).toEqual([false, true]);
    // A record as Lambda's on-failure destination writes it (Lambda Developer Guide, asynchronous invocation records).
    const record = { version: '1.0', timestamp: '2026-12-07T01:00:00.000Z', requestContext: { requestId: 'r1', functionArn: `arn:aws:lambda:us-east-1:${account.accountId}:function:notification-runbooks-scale-consumers:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: { source: 'aws.cloudwatch' }, responseContext: { statusCode: 200, functionError: 'Unhandled' }, responsePayload: { errorMessage: 'kill switch unreadable' } };
    await sqs.send(new SendMessageCommand({ QueueUrl: failed.url, MessageBody: JSON.stringify(record) }));
    // Decision 277: the age SQS would publish for it (moto's CloudWatch has no SQS metrics, and the sandbox publishes only
    // the queues' depth): put here, 12.5 days, so with the stack's 14-day retention SQS deletes it in about 36 hours.
    const cloudWatch = new CloudWatchClient(account.clientConfig);
    await cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/SQS', MetricData: [{ MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: failed.queueName }], Value: 12.5 * 86400, Unit: 'Seconds', Timestamp: new Date() }] }));
    cloudWatch.destroy();
    await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: automation, PolicyDocument: before250 }));
    try {
      expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: failed.url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages).toBe('1');
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL automation-role ${automation}`, `FAIL dead-letter-queue-empty ${failed.queueName}`]);
      const [trust, queue] = report.checks.filter((c) => c.status === 'FAIL');
      expect(trust?.message).toContain(`admits Systems Manager for an execution of ${account.accountId} in us-west-2 (iam:SimulateCustomPolicy): its trust is not pinned to us-east-1 as decision 250 requires`);
      expect(trust?.fix).toMatch(/^redeploy the runbook stack of us-east-1 /);
      expect(queue?.message).toMatch(new RegExp(`^dead-letter queue ${failed.queueName} holds 1 message\\(s\\): Handler invocations that still failed after Lambda's retries: events the automation never acted on`));
      expect(queue?.message).toMatch(/its oldest message is about 12\.5 days old and SQS deletes it in about 3\d hours \(by \S+; retention 14 days\): URGENT: under 72 hours left \(the project's default threshold\)/);
      expect(queue?.fix).toMatch(/^URGENT, before SQS deletes them: /);
      expect(queue?.fix).toContain(`aws sqs receive-message --region us-east-1 --queue-url ${failed.url} `);
    } finally {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: failed.url }));
      await stack.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: automation, PolicyDocument: before }));
      sqs.destroy();
    }
  });

  // Review 18, R18-5 (decision 297): an operator who read the oldest record three times (receive-message, the console's
  // poll) leaves it out of SQS's ApproximateAgeOfOldestMessage, which then reads a younger message. moto publishes no
  // age: the test puts 1 hour, what SQS would then say, and the queue's past (empty 13 days ago, a send 12.5 days ago).
  // The send it makes itself goes through the gap proxy, which publishes its NumberOfMessagesSent as SQS does.
  it("bounds a dead-letter record's age by the sends since the queue was last empty, not SQS's age figure alone", async () => {
    const undelivered = stack.deadLetters.undeliveredEvents;
    const sqs = new SQSClient(account.clientConfig);
    const cloudWatch = new CloudWatchClient(account.clientConfig);
    const put = (MetricName: string, Value: number, daysAgo: number) =>
      cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/SQS',
          MetricData: [{ MetricName, Dimensions: [{ Name: 'QueueName', Value: undelivered.queueName }], Value, Unit: MetricName === 'ApproximateAgeOfOldestMessage' ? 'Seconds' : 'Count', Timestamp: new Date(Date.now() - daysAgo * 86_400_000) }],
        }),
      );
    const line = async () => (await preflight()).report.checks.find((c) => c.check === 'dead-letter-queue-empty' && c.subject === undelivered.queueName);
    await put('ApproximateNumberOfMessagesVisible', 0, 13);
    await put('NumberOfMessagesSent', 1, 12.5);
    await sqs.send(new SendMessageCommand({ QueueUrl: undelivered.url, MessageBody: JSON.stringify({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change' }) }));
    await put('ApproximateAgeOfOldestMessage', 3600, 0);
    try {
      const old = await line();
      expect(old?.status).toBe('FAIL');
      expect(old?.message).toMatch(/its oldest message is about 12\.5 days old and SQS deletes it in about 3\d hours \(by \S+; retention 14 days\): URGENT: under 72 hours left/);
      expect(old?.message).toContain('AWS/SQS ApproximateAgeOfOldestMessage 60 minute(s) in the 5 minutes from ');
      expect(old?.fix).toMatch(/^URGENT, before SQS deletes them: /);
      // Seen empty a day ago: the send 12.5 days ago no longer counts; the one the proxy counted bounds the age.
      await put('ApproximateNumberOfMessagesVisible', 0, 1);
      const fresh = await line();
      expect(fresh?.status).toBe('FAIL');
      expect(fresh?.message).toMatch(/its oldest message is about \d+ minute\(s\) old and SQS deletes it in about 14 days \(by \S+; retention 14 days\): not yet urgent/);
      expect(fresh?.message).toMatch(/AWS\/SQS NumberOfMessagesSent, Sum, first above 0 since the queue was last seen empty \(in the 5 minutes from \S+: ApproximateNumberOfMessagesVisible 0, none in flight or delayed\) in the 5 minutes from \S+, so nothing in it is older than \d+ minute\(s\)/);
      expect(fresh?.fix).not.toMatch(/^URGENT/);
    } finally {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: undelivered.url }));
      sqs.destroy();
      cloudWatch.destroy();
    }
  });

  // Review 11a finding 3: both filters deleted (Memory Pressure and Connection Timeout detected only through them), all PASS.
  it('names each deleted metric filter, the row that goes undetected and its alarm', async () => {
    const logs = new CloudWatchLogsClient(account.clientConfig);
    const groups = [account.topology.consumer.logGroupName, account.topology.api.accessLogGroupName];
    const saved = [];
    for (const logGroupName of groups) {
      const filters = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters ?? [];
      expect(filters).toHaveLength(1);
      saved.push(...filters);
      for (const f of filters) await logs.send(new DeleteMetricFilterCommand({ logGroupName, filterName: f.filterName }));
      expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters).toEqual([]);
    }
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual(saved.map((f) => `FAIL metric-filter ${f.logGroupName ?? ''} ${f.filterName ?? ''}`));
      expect(report.checks.filter((c) => c.status === 'FAIL').map((c) => c.message)).toEqual([
        expect.stringMatching(/^metric filter notification-service-consumer-out-of-memory on \/aws\/lambda\/notification-service-consumer does not exist: memory-pressure goes undetected: "NotificationService Lambda Out Of Memory .*" counts out-of-memory errors only through this filter and treats missing data as not breaching, so it stays OK$/),
        expect.stringMatching(/^metric filter notification-service-api-504 on \/aws\/apigateway\/notification-service-api\/access does not exist: connection-timeout goes undetected/),
      ]);
    } finally {
      for (const f of saved) {
        await logs.send(
          new PutMetricFilterCommand({ logGroupName: f.logGroupName, filterName: f.filterName, filterPattern: f.filterPattern, metricTransformations: f.metricTransformations }),
        );
      }
      logs.destroy();
    }
  });

  it('names a metric filter altered by hand (another pattern), with the live and expected patterns', async () => {
    const logs = new CloudWatchLogsClient(account.clientConfig);
    const logGroupName = account.topology.api.accessLogGroupName;
    const [filter] = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters ?? [];
    if (!filter) throw new Error('no 504 filter');
    // Delete, then put: moto 5.2.1's PutMetricFilter keeps an existing filter of that name (AWS "creates or updates" it).
    const replace = async (filterPattern: string | undefined): Promise<void> => {
      await logs.send(new DeleteMetricFilterCommand({ logGroupName, filterName: filter.filterName }));
      await logs.send(new PutMetricFilterCommand({ logGroupName, filterName: filter.filterName, filterPattern, metricTransformations: filter.metricTransformations }));
    };
    await replace('{ $.status = 502 }');
    expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters?.[0]?.filterPattern).toBe('{ $.status = 502 }');
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL metric-filter ${logGroupName} ${filter.filterName ?? ''}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toContain(`metric filter ${filter.filterName ?? ''} on ${logGroupName}: pattern "{ $.status = 502 }", expected "{ $.status = 504 }": connection-timeout goes undetected`);
    } finally {
      await replace(filter.filterPattern);
      expect((await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters?.[0]?.filterPattern).toBe(filter.filterPattern);
      logs.destroy();
    }
  });

  it('names a support plan without the Support API (SubscriptionRequiredException) as a FAIL in production', async () => {
    const endpoint = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const scope = { accountId: account.accountId };
    await setProxyFaults(endpoint, [{ service: 'support', operation: 'DescribeSeverityLevels', times: 1, status: 400, code: 'SubscriptionRequiredException', message: 'AWS Premium Support Subscription is required to use this service.' }], scope);
    try {
      const { status, report } = await preflight();
      // The planted refusal was answered (and only once).
      expect((await getProxyFaults(endpoint, scope)).map((f) => f.remaining)).toEqual([0]);
      expect(status).toBe(1);
      expect(failures(report)).toEqual(['FAIL support-api AWS Support API']);
      const check = report.checks.find((c) => c.status === 'FAIL');
      expect(check?.message).toMatch(/^DescribeSeverityLevels is refused \(SubscriptionRequiredException\): the account is on Basic or Developer support.*: the AWS Support tier cannot open a case$/);
      expect(check?.fix).toContain('upgrade the account\'s support plan to Business or Enterprise');
    } finally {
      await clearProxyFaults(endpoint, scope);
    }
  });
});
