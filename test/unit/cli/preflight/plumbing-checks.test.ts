// Preflight's plumbing checks against mocked clients: kill switch, tier subscriptions, the Support API (Business or
// Enterprise plan, per environment), SSM document hashes, Scheduler; an AWS refusal is a FAIL naming the permission.
import { GetRoleCommand, GetUserCommand, IAMClient, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetScheduleGroupCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetDocumentCommand, GetParameterCommand, ListDocumentVersionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DescribeSeverityLevelsCommand, SupportClient } from '@aws-sdk/client-support';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { automationProbeRegions, checkPlumbing, contentHash } from '../../../../cli/preflight/plumbing-checks';
import type { CheckResult } from '../../../../cli/preflight/types';
import { simulatePolicies } from '../../../../sandbox/iam-policy-simulator';
import { schedulerAlarmInput, sweepMetricAlarmInput } from '../../../../sandbox/automation-health';
import { expectedSweepMetricAlarms } from '../../../../cli/preflight/sweep-metric-alarm-checks';
import { schedulerAlarmSpec } from '../../../../shared/config/automation-health';
import { awsError, clients, expectationsFor, TARGET } from './support';
import type { EnvironmentName } from '../../../../shared/config/schema';
import { mayAssume } from '../../../support/trust-oracle';

const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);
const support = mockClient(SupportClient);
const scheduler = mockClient(SchedulerClient);
const iam = mockClient(IAMClient);
const cloudWatch = mockClient(CloudWatchClient);

const HEALTH_TOPIC = 'arn:aws:sns:us-east-1:111122223333:notification-runbooks-automation-health';
const HEALTH_SUBSCRIPTION = `${HEALTH_TOPIC}:1`;
const LEVELS = ['low', 'normal', 'high', 'urgent', 'critical'].map((code) => ({ code, name: code }));

const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:111122223333:function:${name}`;
const roleArnOf = (name: string): string => `arn:aws:iam::111122223333:role/${name}`;
/** A schedule group's ARN in the unit tests' account and region. */
const groupArnOf = (group: string, account = '111122223333'): string => `arn:aws:scheduler:us-east-1:${account}:schedule-group/${group}`;
type Doc = { Version: string; Statement: Array<Record<string, unknown>> };
/** infra's Scheduler trust (escalation-routing.ts EscalationTimers: this account's schedules of the lane's own group). */
const schedulerTrustDoc = (group: string): Doc => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnEquals: { 'aws:SourceArn': groupArnOf(group) } },
    },
  ],
});
/** Each lane's role and its group. */
const LANES: Record<string, string> = {
  'notification-runbooks-escalation-scheduler-us-east-1': 'notification-runbooks',
  'notification-runbooks-verify-scheduler-us-east-1': 'notification-runbooks-verify',
};
/** As IAM returns it: URL-encoded. */
const encoded = (trust: Doc): string => encodeURIComponent(JSON.stringify(trust));
const roleWithTrust = (trust: string) => ({ Role: { RoleName: 'r', Arn: 'arn', Path: '/', RoleId: 'id', CreateDate: new Date(), AssumeRolePolicyDocument: trust } });
/** The unused default trust for roles a case does not set (approvers): Scheduler's own lane trust is per role. */
const SCHEDULER_TRUST = encoded(schedulerTrustDoc('notification-runbooks'));
type Entry = { ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: string };
/** iam:SimulateCustomPolicy answered by the sandbox's evaluator on the statements preflight sends (Principal stripped). */
function simulateCustomFromEvaluator(): void {
  iam.on(SimulateCustomPolicyCommand).callsFake((input: { PolicyInputList: string[]; ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Entry[] }) => ({
    EvaluationResults: input.ActionNames.flatMap((action) =>
      (input.ResourceArns ?? ['*']).map((resource) => {
        const policies = input.PolicyInputList.map((d, i) => ({ name: `input${i + 1}`, document: JSON.parse(d) as { Statement?: unknown } }));
        const context = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName, e.ContextKeyValues]));
        const r = simulatePolicies(policies, { action, resource, context });
        return { EvalActionName: action, EvalResourceName: resource, EvalDecision: r.decision, MissingContextValues: r.missingContextValues };
      }),
    ),
  }));
}
/** The oracle (test/support/trust-oracle.ts): may `principal` (a service) assume the role (in 111122223333) for a source? */
const serviceMayAssume = (trust: Doc, principal: string, roleArn: string, account: string, sourceArn: string): Promise<boolean> =>
  mayAssume(trust, { principal, role: { arn: roleArn, account: '111122223333' }, context: { 'aws:SourceAccount': account, 'aws:SourceArn': sourceArn } });
/** infra's grants: each lane's role may invoke its one target (EscalationTimers.allowInvoke). */
const INFRA_INVOKE_GRANTS: Record<string, string[]> = {
  [roleArnOf('notification-runbooks-escalation-scheduler-us-east-1')]: [fnArn('notification-runbooks-escalation-timer')],
  [roleArnOf('notification-runbooks-verify-scheduler-us-east-1')]: [fnArn('notification-runbooks-verify-change')],
};
/** iam:SimulatePrincipalPolicy answering from `grants` (role ARN -> the function ARNs it may invoke), independently of the code. */
function simulateFrom(grants: Record<string, string[]>): void {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { PolicySourceArn: string; ActionNames: string[]; ResourceArns?: string[] }) => ({
    EvaluationResults: input.ActionNames.flatMap((action) =>
      (input.ResourceArns ?? ['*']).map((resource) => ({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: action === 'lambda:InvokeFunction' && (grants[input.PolicySourceArn] ?? []).includes(resource) ? 'allowed' : 'implicitDeny',
      })),
    ),
  }));
}

/** The automation health topic (read back by health-topic-checks.ts) with its own confirmed, unfiltered subscriber (after any catch-all mock). */
function healthWired(): void {
  sns.on(ListSubscriptionsByTopicCommand, { TopicArn: HEALTH_TOPIC }).resolves({ Subscriptions: [{ SubscriptionArn: HEALTH_SUBSCRIPTION, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:111122223333:health-inbox' }] });
  sns.on(GetSubscriptionAttributesCommand, { SubscriptionArn: HEALTH_SUBSCRIPTION }).resolves({ Attributes: { SubscriptionArn: HEALTH_SUBSCRIPTION, ConfirmationWasAuthenticated: 'true' } });
}

/** Everything wired as deployed: the kill switch off, one confirmed subscription per tier, Business support, groups and roles. */
function wiredCorrectly(): void {
  ssm.reset();
  sns.reset();
  support.reset();
  scheduler.reset();
  iam.reset();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'off' } });
  // As the deployment leaves each document (decision 233): its default version only.
  ssm.on(ListDocumentVersionsCommand).resolves({ DocumentVersions: [{ DocumentVersion: '3', IsDefaultVersion: true }] });
  // The defaults configure no address: a queue subscribed (as the sandbox's inboxes); an email subscriber the configuration
  // does not name would be warned about (tier people, below).
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:t:1', Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:111122223333:inbox' }] });
  healthWired();
  support.on(DescribeSeverityLevelsCommand).resolves({ severityLevels: LEVELS });
  scheduler.on(GetScheduleGroupCommand).resolves({ State: 'ACTIVE' });
  // No live schedule; each lane's "failing to invoke" alarm as deployed, notifying the health topic (decision 239).
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
  cloudWatch.reset();
  const laneAlarms: MetricAlarm[] = Object.values(LANES).map((groupName) => ({
    ...(schedulerAlarmInput(schedulerAlarmSpec({ groupName, target: groupName.endsWith('-verify') ? 'verify-change' : 'escalation-timer', stops: 's', retry: 'r' }), [HEALTH_TOPIC]) as MetricAlarm),
    ActionsEnabled: true,
  }));
  // ...and the sweep metric alarms as deployed (decisions 300, 311: sweep-metric-alarm-checks.test.ts judges them), production's.
  const sweepAlarms: MetricAlarm[] = expectedSweepMetricAlarms(expectationsFor('production')).map((spec) => ({ ...(sweepMetricAlarmInput(spec, [HEALTH_TOPIC]) as MetricAlarm), ActionsEnabled: true }));
  cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({ MetricAlarms: [...laneAlarms, ...sweepAlarms].filter((a) => input.AlarmNames.includes(a.AlarmName ?? '')) }));
  iam.on(GetRoleCommand).resolves(roleWithTrust(SCHEDULER_TRUST));
  for (const [roleName, group] of Object.entries(LANES)) iam.on(GetRoleCommand, { RoleName: roleName }).resolves(roleWithTrust(encoded(schedulerTrustDoc(group))));
  simulateFrom(INFRA_INVOKE_GRANTS);
  simulateCustomFromEvaluator();
}

const run = (environment: EnvironmentName = 'production', documents: Array<{ name: string; content: unknown }> = []): Promise<CheckResult[]> =>
  checkPlumbing(clients(), expectationsFor(environment), TARGET, documents);
const only = (results: CheckResult[], check: string): CheckResult[] => results.filter((r) => r.check === check);
/** The GetSubscriptionAttributes calls made for the tiers' subscriptions (the health topic's own read aside). */
const tierAttributeReads = (): Array<string | undefined> =>
  sns.commandCalls(GetSubscriptionAttributesCommand).map((c) => c.args[0].input.SubscriptionArn).filter((arn) => arn !== HEALTH_SUBSCRIPTION);

beforeEach(wiredCorrectly);

describe('kill switch', () => {
  it.each([
    ['"off"', { Parameter: { Value: 'off' } }, 'PASS', 'says "off": automation is on'],
    ['" off " (whitespace ignored)', { Parameter: { Value: ' off\n' } }, 'PASS', 'says "off"'],
    ['"on"', { Parameter: { Value: 'on' } }, 'FAIL', 'says "on": the automation changes nothing, it only plans, reports and pages'],
    ['"OFF" (case kept)', { Parameter: { Value: 'OFF' } }, 'FAIL', 'says "OFF"'],
    // The handlers' rule (decision 326): only ASCII whitespace around "off" is ignored; a no-break space or BOM engages it.
    ['"off" after a no-break space (engaged, as the handlers read it)', { Parameter: { Value: '\u00a0off' } }, 'FAIL', 'says "\u00a0off"'],
    ['"off" after a BOM', { Parameter: { Value: '\ufeffoff' } }, 'FAIL', 'says "\ufeffoff"'],
  ])('%s', async (_case, answer, status, text) => {
    ssm.on(GetParameterCommand).resolves(answer);
    const [check] = only(await run(), 'kill-switch');
    expect(check?.status).toBe(status);
    expect(check?.message).toContain(text);
  });

  // Review 12, R12-12: one switch per region; the fix names the region preflight checked.
  it('the fix of an engaged switch names the region checked (each region has its own switch)', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'stop' } });
    const [check] = only(await run(), 'kill-switch');
    expect(check?.fix).toBe(`aws ssm put-parameter --region ${expectationsFor('production').region} --name /notification-runbooks/kill-switch --value off --overwrite (after checking why it was engaged; each region has its own switch)`);
    expect(expectationsFor('production').region).toMatch(/^[a-z]+-[a-z]+-\d$/);
  });

  it('a missing parameter is a FAIL (a missing switch fails closed)', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const [check] = only(await run(), 'kill-switch');
    expect(check).toMatchObject({ status: 'FAIL', message: expect.stringContaining('does not exist: the automation changes nothing') as string });
  });

  it('AccessDenied is a FAIL naming the permission, and every other plumbing check still runs', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 'User: arn:aws:sts::111122223333:assumed-role/ReadOnly/x is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:111122223333:parameter/notification-runbooks/kill-switch'));
    const results = await run();
    const denied = results.filter((r) => r.check === 'could-not-check');
    expect(denied).toEqual([
      expect.objectContaining({ status: 'FAIL', area: 'plumbing', subject: 'kill switch /notification-runbooks/kill-switch', message: 'could not check kill switch /notification-runbooks/kill-switch: AccessDeniedException: preflight is not allowed ssm:GetParameter' }),
    ]);
    expect(denied[0]?.fix).toContain('grant the credentials preflight runs with ssm:GetParameter');
    // 4 tiers, the health topic, the Support API, 2 schedule groups + 2 roles and their invoke permission, each lane's
    // alarm and its (no) live schedules, the 7 sweep metric alarms (4 escalation-timer's, 3 verify-change's): still
    // checked and passing.
    expect(results.filter((r) => r.status === 'PASS')).toHaveLength(4 + 1 + 1 + 6 + 4 + 7);
  });
});

describe('tier subscriptions', () => {
  it.each([
    ['one confirmed', [{ SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:t:1', Protocol: 'email' }], 'PASS', '1 confirmed subscription(s) (email)'],
    ['one confirmed, one pending', [{ SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:t:1', Protocol: 'sqs' }, { SubscriptionArn: 'PendingConfirmation', Protocol: 'email' }], 'PASS', '1 confirmed subscription(s) (sqs), 1 pending'],
    ['only pending', [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email' }], 'FAIL', 'no confirmed subscription on notification-escalation-l1-devops (1 pending confirmation)'],
    ['none', [], 'FAIL', 'no confirmed subscription on notification-escalation-l1-devops: an escalation to this tier reaches nobody'],
  ])('%s', async (_case, subscriptions, status, text) => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: subscriptions });
    const tiers = only(await run(), 'tier-subscription');
    expect(tiers.map((t) => t.status)).toEqual([status, status, status, status]);
    expect(tiers[0]?.message).toContain(text);
  });

  // Review 12 R12-6: the topic's policy refuses `aws sns subscribe` to all but the deployment (decision 179), so the fix
  // names the configuration field and a deploy (test/infra/escalation-subscriptions.test.ts applies it and synthesizes).
  it.each([
    ['production', [], 1, "add its addresses to environments.production.escalation.tiers[] (level 1).emails or its Slack channels to .slack and deploy (cdk deploy); each address then confirms the email AWS sends it (`aws sns subscribe` is refused: only the deployment may subscribe to the tier's topic)"],
    ['production', [], 3, 'add its addresses to environments.production.escalation.tiers[] (level 3).emails and deploy (cdk deploy)'],
    // staging's L1 is chat only: addresses there would not be subscribed.
    ['staging', [], 1, 'add its Slack channels to environments.staging.escalation.tiers[] (level 1).slack (or "email" to its channels and its addresses to .emails) and deploy (cdk deploy)'],
    ['production', [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email' }], 2, 'the pending address(es) confirm by the link in the email AWS sent them; otherwise add its addresses to environments.production.escalation.tiers[] (level 2).emails'],
  ] as Array<[EnvironmentName, Array<Record<string, string>>, number, string]>)('%s, %j: the fix of L%i is the configuration and a deploy, never `aws sns subscribe`', async (environment, subscriptions, level, fix) => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: subscriptions });
    const tiers = only(await run(environment), 'tier-subscription');
    const tier = tiers[level - 1];
    expect(tier?.status).toBe('FAIL');
    expect(tier?.fix).toContain(fix);
    for (const t of tiers) expect(t.fix).not.toMatch(/aws sns subscribe --/);
  });

  it('a missing topic is a FAIL naming it', async () => {
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: 'arn:aws:sns:us-east-1:111122223333:notification-escalation-l2-cloud-infrastructure' }).rejects(awsError('NotFoundException'));
    const results = await run();
    expect(only(results, 'tier-topic')).toEqual([expect.objectContaining({ status: 'FAIL', subject: 'Cloud Infrastructure Team (L2)', message: 'L2 Cloud Infrastructure Team (L2): topic notification-escalation-l2-cloud-infrastructure does not exist' })]);
    expect(only(results, 'tier-subscription')).toHaveLength(3);
  });
});

// Review 12 R12-5: the topic's policy cannot refuse Unsubscribe or SetSubscriptionAttributes (decision 208), so preflight
// compares each configured address with the live subscription and its filter policy (the one infra writes).
describe('tier people: the configured addresses against the live subscriptions', () => {
  const L1 = 'arn:aws:sns:us-east-1:111122223333:notification-escalation-l1-devops';
  const L2 = 'arn:aws:sns:us-east-1:111122223333:notification-escalation-l2-cloud-infrastructure';
  const ONCALL = `${L1}:0b7e6f1c-1111-4a4a-9c9c-000000000001`;
  const INFRA = `${L2}:0b7e6f1c-2222-4a4a-9c9c-000000000002`;
  const INFRA_FILTER = '{"channel":["email"]}';
  /** production with L1's and L2's people configured, as the deployment subscribes them. */
  const configured = (): ReturnType<typeof expectationsFor> =>
    expectationsFor('production', 'single-account', {
      environments: {
        production: {
          escalation: {
            tiers: [
              { level: 1, channels: ['chat', 'email'], emails: ['oncall@example.com'] },
              { level: 2, channels: ['chat', 'email'], emails: ['infra@example.com'] },
              { level: 3, channels: ['email'] },
              { level: 4, channels: ['email'] },
            ],
          },
        },
      },
    });
  const runConfigured = (): Promise<CheckResult[]> => checkPlumbing(clients(), configured(), TARGET, []);
  /** As deployed: each address subscribed and confirmed with infra's filter; L3/L4 an SQS queue (as the sandbox's). */
  function deployed(l1: Array<Record<string, string>> = [{ SubscriptionArn: ONCALL, Protocol: 'email', Endpoint: 'oncall@example.com' }], onCallAttributes: Record<string, string> = { FilterPolicy: INFRA_FILTER }): void {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:t:1', Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:111122223333:q' }] });
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: L1 }).resolves({ Subscriptions: l1 });
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: L2 }).resolves({ Subscriptions: [{ SubscriptionArn: INFRA, Protocol: 'email', Endpoint: 'infra@example.com' }] });
    sns.on(GetSubscriptionAttributesCommand, { SubscriptionArn: ONCALL }).resolves({ Attributes: onCallAttributes });
    sns.on(GetSubscriptionAttributesCommand, { SubscriptionArn: INFRA }).resolves({ Attributes: { FilterPolicy: '{\n  "channel" : [ "email" ]\n}', FilterPolicyScope: 'MessageAttributes' } });
    healthWired();
  }
  const people = (results: CheckResult[]): string[] => only(results, 'tier-people').map((r) => `${r.status} ${r.subject}`);

  it('as deployed: each configured address PASSes (filter compared as JSON, not as text); the expectations carry the addresses', async () => {
    expect(configured().tiers.map((t) => t.emails)).toEqual([['oncall@example.com'], ['infra@example.com'], [], []]);
    deployed();
    const results = await runConfigured();
    expect(people(results)).toEqual(['PASS DevOps Team (L1) oncall@example.com', 'PASS Cloud Infrastructure Team (L2) infra@example.com']);
    expect(tierAttributeReads().sort()).toEqual([ONCALL, INFRA]);
  });

  it.each([
    ['a filter that matches nothing (the attacker of R12-5)', { FilterPolicy: '{"channel":["nobody"]}' }, 'FilterPolicy {"channel":["nobody"]}, infra writes {"channel":["email"]}', ''],
    ['the filter moved to the message body', { FilterPolicy: INFRA_FILTER, FilterPolicyScope: 'MessageBody' }, "FilterPolicyScope MessageBody, infra's filter is on MessageAttributes", `aws sns set-subscription-attributes --region us-east-1 --subscription-arn ${ONCALL} --attribute-name FilterPolicyScope --attribute-value MessageAttributes && `],
    ['the filter removed', {}, 'FilterPolicy (none), infra writes {"channel":["email"]}', ''],
  ])('%s: FAIL naming the difference, the fix the one call the topic policy cannot refuse', async (_case, attributes, problem, scopeFix) => {
    deployed(undefined, attributes);
    const results = await runConfigured();
    expect(people(results)).toEqual(['FAIL DevOps Team (L1) oncall@example.com', 'PASS Cloud Infrastructure Team (L2) infra@example.com']);
    const failed = only(results, 'tier-people')[0];
    expect(failed?.message).toBe(
      `L1 DevOps Team (L1): oncall@example.com's subscription ${ONCALL} is not as the deployment wrote it: ${problem}: what reaches it is no longer what the deployment decided (a filter can drop every page while escalate records it sent)`,
    );
    expect(failed?.fix).toBe(
      `${scopeFix}aws sns set-subscription-attributes --region us-east-1 --subscription-arn ${ONCALL} --attribute-name FilterPolicy --attribute-value '{"channel":["email"]}' (the topic's policy cannot govern this call; who changed it: CloudTrail SetSubscriptionAttributes)`,
    );
    // The tier still counts a confirmed subscription: only the comparison sees it.
    expect(only(results, 'tier-subscription').map((r) => r.status)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
  });

  it('an address unsubscribed outside the deployment: FAIL, fixed by the configuration and two deploys (CloudFormation does not re-create it)', async () => {
    deployed([{ SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:notification-escalation-l1-devops:chatbot', Protocol: 'https', Endpoint: 'https://global.sns-api.chatbot.amazonaws.com' }]);
    const results = await runConfigured();
    expect(people(results)).toEqual(['FAIL DevOps Team (L1) oncall@example.com', 'PASS Cloud Infrastructure Team (L2) infra@example.com']);
    const failed = only(results, 'tier-people')[0];
    expect(failed?.message).toContain('oncall@example.com is configured but not subscribed to notification-escalation-l1-devops');
    expect(failed?.fix).toContain('remove oncall@example.com from environments.production.escalation.tiers[] (level 1).emails and deploy, then add it back and deploy');
    expect(failed?.fix).not.toMatch(/aws sns subscribe/);
  });

  it('a configured address still pending: WARN; an address matched whatever its case', async () => {
    deployed([{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'OnCall@Example.com' }]);
    const results = await runConfigured();
    expect(people(results)).toEqual(['WARN DevOps Team (L1) oncall@example.com', 'PASS Cloud Infrastructure Team (L2) infra@example.com']);
  });

  it('an email subscriber the configuration does not name: WARN, with the unsubscribe the topic policy cannot refuse', async () => {
    deployed([
      { SubscriptionArn: ONCALL, Protocol: 'email', Endpoint: 'oncall@example.com' },
      { SubscriptionArn: `${L1}:outsider`, Protocol: 'email', Endpoint: 'someone@outside.example' },
    ]);
    const results = await runConfigured();
    expect(people(results)).toEqual(['PASS DevOps Team (L1) oncall@example.com', 'WARN DevOps Team (L1) someone@outside.example', 'PASS Cloud Infrastructure Team (L2) infra@example.com']);
    expect(only(results, 'tier-people')[1]?.fix).toBe(`add it to environments.production.escalation.tiers[] (level 1).emails and deploy if it belongs; otherwise aws sns unsubscribe --subscription-arn ${L1}:outsider`);
  });

  it('GetSubscriptionAttributes refused: a FAIL naming it for that address; every other check still runs', async () => {
    deployed();
    sns.on(GetSubscriptionAttributesCommand, { SubscriptionArn: ONCALL }).rejects(awsError('AuthorizationErrorException', 'User: arn:aws:sts::111122223333:assumed-role/ReadOnly/x is not authorized to perform: SNS:GetSubscriptionAttributes'));
    const results = await runConfigured();
    expect(people(results)).toEqual(['PASS Cloud Infrastructure Team (L2) infra@example.com']);
    const denied = results.filter((r) => r.check === 'could-not-check');
    expect(denied.map((r) => r.subject)).toEqual(["DevOps Team (L1) oncall@example.com's filter policy"]);
    expect(only(results, 'tier-subscription')).toHaveLength(4);
  });

  it('no address configured and no email subscriber (the defaults, the sandbox): nothing compared, no extra line', async () => {
    const results = await run();
    expect(only(results, 'tier-people')).toEqual([]);
    expect(tierAttributeReads()).toHaveLength(0);
  });
});

describe('the AWS Support API', () => {
  // production: L1-L4 with the AWS Support tier opening cases; staging: L1-L3, the AWS Support tier opening cases
  // (severity normal); development: L1-L2, no AWS Support tier (config defaults, shared/config/defaults.ts).
  it.each([
    ['production', 'PASS', 'the support tier can open a case of severity urgent'],
    ['staging', 'PASS', 'the support tier can open a case of severity normal'],
    ['development', 'PASS', 'no AWS Support case is opened in development'],
  ] as const)('%s on Business or Enterprise support -> %s', async (environment, status, text) => {
    const [check] = only(await run(environment), 'support-api');
    expect(check?.status).toBe(status);
    expect(check?.message).toContain(text);
  });

  it.each([
    ['production', 'FAIL', 'the AWS Support tier cannot open a case', 'or set environments.production.escalation.supportCase.enabled to false'],
    ['staging', 'FAIL', 'the AWS Support tier cannot open a case', 'or set environments.staging.escalation.supportCase.enabled to false'],
    ['development', 'WARN', "development's tiers do not include AWS Support, so nothing here needs it", 'before adding the AWS Support tier to development'],
  ] as const)('%s on Basic or Developer support (SubscriptionRequiredException) -> %s', async (environment, status, text, fix) => {
    support.on(DescribeSeverityLevelsCommand).rejects(awsError('SubscriptionRequiredException', 'AWS Premium Support Subscription is required to use this service.'));
    const [check] = only(await run(environment), 'support-api');
    expect(check?.status).toBe(status);
    expect(check?.message).toMatch(/^DescribeSeverityLevels is refused \(SubscriptionRequiredException\): the account is on Basic or Developer support/);
    expect(check?.message).toContain(text);
    expect(check?.fix).toContain(fix);
    expect(check?.fix).toContain('Business or Enterprise');
  });

  it('production without the AWS Support tier still FAILs without the plan (the document puts AWS Support on its path)', async () => {
    support.on(DescribeSeverityLevelsCommand).rejects(awsError('SubscriptionRequiredException'));
    const expected = expectationsFor('production', 'single-account', { environments: { production: { escalation: { tiers: [{ level: 1, channels: ['email'] }], supportCase: { enabled: false, severityCode: 'low' } } } } });
    expect(expected.support).toEqual({ enabled: false, severityCode: '', tierIncluded: false });
    const [check] = only(await checkPlumbing(clients(), expected, TARGET, []), 'support-api');
    expect(check).toMatchObject({ status: 'FAIL', message: expect.stringContaining('production has no AWS Support to escalate to') as string });
  });

  it('a severity the plan does not offer is a FAIL', async () => {
    support.on(DescribeSeverityLevelsCommand).resolves({ severityLevels: LEVELS.filter((l) => l.code !== 'urgent') });
    const [check] = only(await run('production'), 'support-api');
    expect(check).toMatchObject({ status: 'FAIL', message: 'severity urgent is not offered (low, normal, high, critical): "critical" needs Enterprise support' });
  });

  it('AccessDenied is a FAIL naming support:DescribeSeverityLevels, not a crash', async () => {
    support.on(DescribeSeverityLevelsCommand).rejects(awsError('AccessDeniedException', 'not allowed'));
    const results = await run('production');
    expect(only(results, 'could-not-check')).toEqual([expect.objectContaining({ status: 'FAIL', subject: 'AWS Support API', message: 'could not check AWS Support API: AccessDeniedException: preflight is not allowed support:DescribeSeverityLevels' })]);
  });
});

describe('SSM documents', () => {
  const content = { schemaVersion: '0.3', description: 'd', mainSteps: [{ name: 'a', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }] };
  // The hash, figured independently: SHA-256 of the JSON with keys sorted at every level.
  const sortedJson = '{"description":"d","mainSteps":[{"action":"aws:sleep","inputs":{"Duration":"PT1S"},"name":"a"}],"schemaVersion":"0.3"}';
  const want = createHash('sha256').update(sortedJson).digest('hex');

  it('hashes the canonical JSON, whatever the serialization', () => {
    expect(contentHash(content)).toBe(want);
    expect(contentHash(JSON.parse(JSON.stringify({ mainSteps: content.mainSteps, schemaVersion: '0.3', description: 'd' })) as unknown)).toBe(want);
  });

  it.each([
    ['the same content in YAML', { Content: 'schemaVersion: "0.3"\ndescription: d\nmainSteps:\n  - name: a\n    action: aws:sleep\n    inputs:\n      Duration: PT1S\n', DocumentFormat: 'YAML' as const, DocumentVersion: '3' }, 'PASS', `(version 3) at the expected content hash ${want.slice(0, 12)}`],
    ['another content', { Content: JSON.stringify({ ...content, description: 'edited by hand' }), DocumentFormat: 'JSON' as const, DocumentVersion: '4' }, 'FAIL', `expected ${want.slice(0, 12)}: it is not what runbooks/Doc.yaml deploys`],
  ])('%s', async (_case, answer, status, text) => {
    ssm.on(GetDocumentCommand).resolves(answer);
    const [check] = only(await run('production', [{ name: 'Doc', content }]), 'ssm-document');
    expect(check?.status).toBe(status);
    expect(check?.message).toContain(text);
  });

  it('an unregistered document is a FAIL', async () => {
    ssm.on(GetDocumentCommand).rejects(awsError('InvalidDocument'));
    const [check] = only(await run('production', [{ name: 'Doc', content }]), 'ssm-document');
    expect(check).toMatchObject({ status: 'FAIL', message: 'SSM document Doc is not registered' });
  });

  describe('its versions besides the default (review 13 R13-15, decision 233)', () => {
    const yaml = { Content: JSON.stringify(content), DocumentFormat: 'JSON' as const, DocumentVersion: '3' };
    const versions = (list: Array<[string, boolean]>) => list.map(([DocumentVersion, IsDefaultVersion]) => ({ Name: 'Doc', DocumentVersion, IsDefaultVersion }));

    it('the default version only: PASS', async () => {
      ssm.on(GetDocumentCommand).resolves(yaml);
      const [check] = only(await run('production', [{ name: 'Doc', content }]), 'ssm-document-versions');
      expect(check).toMatchObject({ status: 'PASS', message: 'SSM document Doc has its default version 3 only: no earlier version can be started' });
      expect(ssm.commandCalls(ListDocumentVersionsCommand)[0]?.args[0].input).toMatchObject({ Name: 'Doc' });
    });

    it('earlier versions left (over two pages): FAIL naming each and the delete command for each, never the default', async () => {
      ssm.on(GetDocumentCommand).resolves(yaml);
      ssm
        .on(ListDocumentVersionsCommand)
        .resolvesOnce({ DocumentVersions: versions([['3', true], ['2', false]]), NextToken: 'page-2' })
        .resolvesOnce({ DocumentVersions: versions([['1', false]]) });
      const [check] = only(await run('production', [{ name: 'Doc', content }]), 'ssm-document-versions');
      expect(check?.status).toBe('FAIL');
      expect(check?.message).toBe(
        'SSM document Doc has 2 version(s) besides its default 3: 1, 2; anyone who may start it can start one of them by number (--document-version), without the checks added since',
      );
      expect(check?.fix).toBe(
        'delete them (the default is kept): aws ssm delete-document --name Doc --document-version 1 --region us-east-1 ; aws ssm delete-document --name Doc --document-version 2 --region us-east-1; a deploy of the runbook stack that changes a runbook document deletes them too',
      );
      expect(ssm.commandCalls(ListDocumentVersionsCommand)[1]?.args[0].input).toMatchObject({ Name: 'Doc', NextToken: 'page-2' });
    });

    it('the default moved to another content, the deployed one kept as version 1 (review 15 R15-7): the fix makes 1 the default again and never deletes it', async () => {
      ssm.on(GetDocumentCommand).resolves({ Content: JSON.stringify({ ...content, description: 'before decision 202' }), DocumentFormat: 'JSON', DocumentVersion: '3' });
      ssm.on(GetDocumentCommand, { Name: 'Doc', DocumentVersion: '2' }).resolves({ Content: JSON.stringify({ ...content, description: 'by hand' }), DocumentFormat: 'JSON', DocumentVersion: '2' });
      ssm.on(GetDocumentCommand, { Name: 'Doc', DocumentVersion: '1' }).resolves({ Content: JSON.stringify(content), DocumentFormat: 'JSON', DocumentVersion: '1' });
      ssm.on(ListDocumentVersionsCommand).resolves({ DocumentVersions: versions([['3', true], ['2', false], ['1', false]]) });
      const results = await run('production', [{ name: 'Doc', content }]);
      const [doc] = only(results, 'ssm-document');
      expect(doc).toMatchObject({ status: 'FAIL', fix: 'make version 1 (the deployed content) the default again: aws ssm update-document-default-version --name Doc --document-version 1 --region us-east-1' });
      expect(doc?.message).toContain('; version 1 is');
      const [versionsCheck] = only(results, 'ssm-document-versions');
      expect(versionsCheck?.status).toBe('FAIL');
      expect(versionsCheck?.message).toContain('version 1 is the deployed content, the default is not');
      expect(versionsCheck?.fix).toBe(
        'first make version 1 the default again: aws ssm update-document-default-version --name Doc --document-version 1 --region us-east-1 ; then delete the others (never 1): aws ssm delete-document --name Doc --document-version 2 --region us-east-1 ; aws ssm delete-document --name Doc --document-version 3 --region us-east-1',
      );
    });

    it('the default moved and no version is the deployed content: nothing offered for deletion before it is registered', async () => {
      ssm.on(GetDocumentCommand).resolves({ Content: JSON.stringify({ ...content, description: 'by hand' }), DocumentFormat: 'JSON', DocumentVersion: '2' });
      ssm.on(ListDocumentVersionsCommand).resolves({ DocumentVersions: versions([['2', true], ['1', false]]) });
      const results = await run('production', [{ name: 'Doc', content }]);
      expect(only(results, 'ssm-document')[0]?.fix).toContain('CloudFormation updates a document only when its template content changes');
      expect(only(results, 'ssm-document-versions')[0]).toMatchObject({ status: 'FAIL', fix: 'first register the deployed content (the ssm-document line), then delete the others: aws ssm delete-document --name Doc --document-version 1 --region us-east-1' });
    });

    it('a refused ListDocumentVersions is a could-not-check FAIL naming the permission, never a PASS', async () => {
      ssm.on(GetDocumentCommand).resolves(yaml);
      ssm.on(ListDocumentVersionsCommand).rejects(awsError('AccessDeniedException', 'User: arn:aws:sts::111122223333:assumed-role/ReadOnly/x is not authorized to perform: ssm:ListDocumentVersions'));
      const results = await run('production', [{ name: 'Doc', content }]);
      expect(only(results, 'ssm-document-versions')).toEqual([]);
      // The content check of the default version stands.
      expect(only(results, 'ssm-document')[0]?.status).toBe('PASS');
      const denied = results.filter((r) => r.check === 'could-not-check');
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ status: 'FAIL' });
      expect(`${denied[0]?.message ?? ''} ${denied[0]?.fix ?? ''}`).toContain('ssm:ListDocumentVersions');
    });
  });
});

describe('Scheduler', () => {
  it('a missing group and a missing role are each a FAIL naming them', async () => {
    scheduler.on(GetScheduleGroupCommand, { Name: 'notification-runbooks-verify' }).rejects(awsError('ResourceNotFoundException'));
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-escalation-scheduler-us-east-1' }).rejects(awsError('NoSuchEntityException'));
    const results = await run();
    expect(results.filter((r) => (r.check === 'schedule-group' || r.check === 'scheduler-role') && r.status === 'FAIL').map((r) => r.subject)).toEqual([
      'notification-runbooks-escalation-scheduler-us-east-1',
      'notification-runbooks-verify',
    ]);
    expect(results.filter((r) => (r.check === 'schedule-group' || r.check === 'scheduler-role') && r.status === 'PASS').map((r) => r.subject)).toEqual([
      'notification-runbooks',
      'notification-runbooks-verify-scheduler-us-east-1',
    ]);
  });

  it('each role that exists, trusts Scheduler and may invoke its own target PASSes, simulated on the target\'s real ARN', async () => {
    const results = await run();
    expect(only(results, 'scheduler-role-permissions').map((r) => `${r.status} ${r.message}`)).toEqual([
      `PASS Scheduler role notification-runbooks-escalation-scheduler-us-east-1 may invoke notification-runbooks-escalation-timer (lambda:InvokeFunction on ${fnArn('notification-runbooks-escalation-timer')})`,
      `PASS Scheduler role notification-runbooks-verify-scheduler-us-east-1 may invoke notification-runbooks-verify-change (lambda:InvokeFunction on ${fnArn('notification-runbooks-verify-change')})`,
    ]);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => [c.args[0].input.PolicySourceArn, c.args[0].input.ActionNames, c.args[0].input.ResourceArns])).toEqual([
      [roleArnOf('notification-runbooks-escalation-scheduler-us-east-1'), ['lambda:InvokeFunction'], [fnArn('notification-runbooks-escalation-timer')]],
      [roleArnOf('notification-runbooks-verify-scheduler-us-east-1'), ['lambda:InvokeFunction'], [fnArn('notification-runbooks-verify-change')]],
    ]);
  });

  // Review 11a finding 3: both roles existed with no policy at all, and preflight said "exists".
  it.each([
    ['no policy at all', {}],
    ['the lanes crossed (each may invoke the other lane\'s target only)', {
      [roleArnOf('notification-runbooks-escalation-scheduler-us-east-1')]: [fnArn('notification-runbooks-verify-change')],
      [roleArnOf('notification-runbooks-verify-scheduler-us-east-1')]: [fnArn('notification-runbooks-escalation-timer')],
    }],
  ])('a role that may not invoke its target is a FAIL naming the call and what stops (%s)', async (_case, grants) => {
    simulateFrom(grants);
    const failed = (await run()).filter((r) => r.status !== 'PASS');
    expect(failed.map((r) => `${r.check} ${r.subject}`)).toEqual([
      'scheduler-role-permissions notification-runbooks-escalation-scheduler-us-east-1',
      'scheduler-role-permissions notification-runbooks-verify-scheduler-us-east-1',
    ]);
    expect(failed[0]?.message).toBe(
      `Scheduler role notification-runbooks-escalation-scheduler-us-east-1 is denied lambda:InvokeFunction on ${fnArn('notification-runbooks-escalation-timer')} (implicitDeny): every escalation timer fails: the ladder stops at the first tier, and nobody is told`,
    );
    expect(failed[1]?.message).toContain('no health check runs after a change');
  });

  it('a role whose trust does not admit EventBridge Scheduler is a FAIL, before any simulation', async () => {
    const lambdaTrust = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-escalation-scheduler-us-east-1' }).resolves({ Role: { RoleName: 'r', Arn: 'arn', Path: '/', RoleId: 'id', CreateDate: new Date(), AssumeRolePolicyDocument: lambdaTrust } });
    const results = await run();
    expect(results.filter((r) => r.status !== 'PASS').map((r) => `${r.check} ${r.subject}: ${r.message}`)).toEqual([
      'scheduler-role notification-runbooks-escalation-scheduler-us-east-1: Scheduler role notification-runbooks-escalation-scheduler-us-east-1 exists, but its trust does not let EventBridge Scheduler (scheduler.amazonaws.com) assume it: every escalation timer fails: the ladder stops at the first tier, and nobody is told',
    ]);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input.PolicySourceArn)).toEqual([roleArnOf('notification-runbooks-verify-scheduler-us-east-1')]);
  });

  // Review 13 R13-8: the trust's conditions were ignored ("conditions aside"), so a trust naming another group or account,
  // or denying Scheduler, PASSed while every timer of the lane would fail. Each case's expectation is the oracle's (the
  // whole trust as the role's resource policy), not preflight's.
  const ESCALATION_ROLE = 'notification-runbooks-escalation-scheduler-us-east-1';
  const withStatement = (edit: (st: Record<string, unknown>) => Record<string, unknown>, extra: Array<Record<string, unknown>> = []): Doc => {
    const infra = schedulerTrustDoc('notification-runbooks');
    return { ...infra, Statement: [...infra.Statement.map(edit), ...extra] };
  };
  const cond = (condition: Record<string, unknown>) => (st: Record<string, unknown>) => ({ ...st, Condition: condition });
  it.each([
    [
      "the other lane's group (the lanes crossed in the trust)",
      withStatement(cond({ StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnEquals: { 'aws:SourceArn': groupArnOf('notification-runbooks-verify') } })),
      'FAIL',
      'its trust does not admit EventBridge Scheduler (scheduler.amazonaws.com) for schedules of group notification-runbooks (aws:SourceAccount 111122223333, aws:SourceArn arn:aws:scheduler:us-east-1:111122223333:schedule-group/notification-runbooks; sts:AssumeRole: implicitDeny, iam:SimulateCustomPolicy): every escalation timer fails',
    ],
    [
      'another account',
      withStatement(cond({ StringEquals: { 'aws:SourceAccount': '444455556666' }, ArnEquals: { 'aws:SourceArn': groupArnOf('notification-runbooks', '444455556666') } })),
      'FAIL',
      'its trust does not admit EventBridge Scheduler (scheduler.amazonaws.com) for schedules of group notification-runbooks',
    ],
    [
      'a Deny of Scheduler added',
      withStatement((st) => st, [{ Effect: 'Deny', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
      'FAIL',
      'sts:AssumeRole: explicitDeny, iam:SimulateCustomPolicy',
    ],
    [
      'no condition at all',
      withStatement(({ Condition: _c, ...st }) => st),
      'WARN',
      'admits EventBridge Scheduler (scheduler.amazonaws.com) for schedules of group notification-runbooks, and also for group notification-runbooks-verify (the other lane), and group notification-runbooks of 999999999999, an account not configured (iam:SimulateCustomPolicy): its trust lacks infra\'s aws:SourceArn and aws:SourceAccount condition',
    ],
    [
      'another principal admitted besides Scheduler',
      withStatement((st) => st, [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }]),
      'FAIL',
      'its trust admits principals other than EventBridge Scheduler (scheduler.amazonaws.com): statement #2: AWS arn:aws:iam::111122223333:root: they may assume it and invoke notification-runbooks-escalation-timer as the timers do',
    ],
  ] as const)('a trust naming %s is judged by its conditions (%#)', async (_case, trust, status, text) => {
    const own = await serviceMayAssume(trust, 'scheduler.amazonaws.com', roleArnOf(ESCALATION_ROLE), '111122223333', groupArnOf('notification-runbooks'));
    // The oracle: refused for its own group exactly where preflight must FAIL (the foreign-principal case aside: admitted, but open to another).
    if (_case !== 'another principal admitted besides Scheduler') expect(own).toBe(status !== 'FAIL');
    iam.on(GetRoleCommand, { RoleName: ESCALATION_ROLE }).resolves(roleWithTrust(encoded(trust)));
    const results = await run();
    expect(results.filter((r) => r.status !== 'PASS').map((r) => `${r.status} ${r.check} ${r.subject}`)).toEqual([`${status} scheduler-role ${ESCALATION_ROLE}`]);
    expect(only(results, 'scheduler-role').find((r) => r.subject === ESCALATION_ROLE)?.message).toContain(text);
    // A FAILed trust: the grant is not simulated for that role (every timer fails anyway); a WARN goes on.
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input.PolicySourceArn)).toEqual(
      status === 'FAIL' ? [roleArnOf('notification-runbooks-verify-scheduler-us-east-1')] : [roleArnOf(ESCALATION_ROLE), roleArnOf('notification-runbooks-verify-scheduler-us-east-1')],
    );
  });

  it("infra's trusts PASS naming what was refused; the simulations carry Scheduler's context for the group, the other lane's and another account's", async () => {
    for (const [roleName, group] of Object.entries(LANES)) {
      const other = group === 'notification-runbooks' ? 'notification-runbooks-verify' : 'notification-runbooks';
      expect(await serviceMayAssume(schedulerTrustDoc(group), 'scheduler.amazonaws.com', roleArnOf(roleName), '111122223333', groupArnOf(group))).toBe(true);
      expect(await serviceMayAssume(schedulerTrustDoc(group), 'scheduler.amazonaws.com', roleArnOf(roleName), '111122223333', groupArnOf(other))).toBe(false);
      expect(await serviceMayAssume(schedulerTrustDoc(group), 'scheduler.amazonaws.com', roleArnOf(roleName), '999999999999', groupArnOf(group, '999999999999'))).toBe(false);
    }
    const results = await run();
    expect(only(results, 'scheduler-role').map((r) => `${r.status} ${r.message}`)).toEqual([
      'PASS Scheduler role notification-runbooks-escalation-scheduler-us-east-1 exists and EventBridge Scheduler (scheduler.amazonaws.com) may assume it for schedules of group notification-runbooks, and not for group notification-runbooks-verify (the other lane) nor for group notification-runbooks of 999999999999, an account not configured (iam:SimulateCustomPolicy)',
      'PASS Scheduler role notification-runbooks-verify-scheduler-us-east-1 exists and EventBridge Scheduler (scheduler.amazonaws.com) may assume it for schedules of group notification-runbooks-verify, and not for group notification-runbooks (the other lane) nor for group notification-runbooks-verify of 999999999999, an account not configured (iam:SimulateCustomPolicy)',
    ]);
    const custom = iam.commandCalls(SimulateCustomPolicyCommand).map((c) => [c.args[0].input.ActionNames, c.args[0].input.ResourceArns, c.args[0].input.ContextEntries?.map((e) => e.ContextKeyValues?.[0])]);
    expect(custom.slice(0, 3)).toEqual([
      [['sts:AssumeRole'], [roleArnOf(ESCALATION_ROLE)], ['111122223333', groupArnOf('notification-runbooks')]],
      [['sts:AssumeRole'], [roleArnOf(ESCALATION_ROLE)], ['111122223333', groupArnOf('notification-runbooks-verify')]],
      [['sts:AssumeRole'], [roleArnOf(ESCALATION_ROLE)], ['999999999999', groupArnOf('notification-runbooks', '999999999999')]],
    ]);
  });

  it('the trust simulation refused: a FAIL naming iam:SimulateCustomPolicy, and the grant still simulated', async () => {
    iam.on(SimulateCustomPolicyCommand).rejects(awsError('AccessDenied', 'not authorized to perform: iam:SimulateCustomPolicy'));
    const results = await run();
    expect(results.filter((r) => r.status !== 'PASS' && r.subject.includes('Scheduler')).map((r) => `${r.check} ${r.subject}`)).toEqual([
      `could-not-check trust of Scheduler role ${ESCALATION_ROLE}`,
      'could-not-check trust of Scheduler role notification-runbooks-verify-scheduler-us-east-1',
    ]);
    expect(only(results, 'scheduler-role-permissions').map((r) => r.status)).toEqual(['PASS', 'PASS']);
  });

  it('a simulation AWS refuses is a FAIL naming iam:SimulatePrincipalPolicy for that role; the other still checked', async () => {
    iam.on(SimulatePrincipalPolicyCommand, { PolicySourceArn: roleArnOf('notification-runbooks-escalation-scheduler-us-east-1') }).rejects(awsError('AccessDenied', 'not authorized to perform: iam:SimulatePrincipalPolicy'));
    const results = await run();
    expect(results.filter((r) => r.status !== 'PASS').map((r) => `${r.check} ${r.subject}`)).toEqual(['could-not-check Scheduler role notification-runbooks-escalation-scheduler-us-east-1']);
    expect(only(results, 'scheduler-role-permissions').map((r) => `${r.status} ${r.subject}`)).toEqual(['PASS notification-runbooks-verify-scheduler-us-east-1']);
  });
});

describe('staging and development: what differs from production is the configuration', () => {
  it.each([
    ['production', { dbInstanceClass: 'db.r6g.xlarge', multiAz: true, backupRetentionDays: 7 }, 4, { enabled: true, severityCode: 'urgent', tierIncluded: true }],
    ['staging', { dbInstanceClass: 'db.r6g.large', multiAz: false, backupRetentionDays: 3 }, 3, { enabled: true, severityCode: 'normal', tierIncluded: true }],
    ['development', { dbInstanceClass: 'db.t3.medium', multiAz: false, backupRetentionDays: 1 }, 2, { enabled: false, severityCode: '', tierIncluded: false }],
  ] as const)('%s', async (environment, matrix, tiers, supportExpected) => {
    const expected = expectationsFor(environment);
    expect(expected.matrix).toEqual({ ...matrix, memoryMb: 512, timeoutSeconds: 30, reservedConcurrency: 100 });
    expect(expected.support).toEqual(supportExpected);
    expect(only(await run(environment), 'tier-subscription')).toHaveLength(tiers);
  });
});

describe('the automation role and the approvers the documents name (review 11a finding 3; decision 200 not done)', () => {
  const AUTOMATION = 'notification-runbooks-automation-us-east-1';
  /** infra addAutomationRole's trust (runbook-documents.ts: this account's executions of the role's region, decision 250). */
  const ssmTrust = (account: string): Doc => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ssm.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:ssm:us-east-1:${account}:automation-execution/*` } },
      },
    ],
  });
  const SSM_TRUST = encoded(ssmTrust('111122223333'));
  const approve = (approvers: string[]) => ({ name: 'approve', action: 'aws:approve', inputs: { Approvers: approvers, MinRequiredApprovals: 1 } });
  const pinned = { name: 'Failover', content: { parameters: { AutomationAssumeRole: { allowedValues: [roleArnOf(AUTOMATION)] } }, mainSteps: [approve([roleArnOf('Approver'), 'arn:aws:iam::111122223333:user/ops/alice'])] } };
  const plain = { name: 'Resize', content: { mainSteps: [{ name: 'read', action: 'aws:executeAwsApi' }, approve([roleArnOf('Approver'), 'arn:aws:iam::444455556666:role/Elsewhere'])] } };
  const role = (trust: string) => ({ Role: { RoleName: 'r', Arn: 'arn', Path: '/', RoleId: 'id', CreateDate: new Date(), AssumeRolePolicyDocument: trust } });
  const checks = (results: CheckResult[]): string[] =>
    results.filter((r) => r.check === 'automation-role' || r.check === 'approver').map((r) => `${r.status} ${r.check} ${r.subject}: ${r.message}`);

  beforeEach(() => {
    ssm.on(GetDocumentCommand).rejects(awsError('InvalidDocument'));
    iam.on(GetRoleCommand, { RoleName: AUTOMATION }).resolves(role(SSM_TRUST));
    iam.on(GetUserCommand).resolves({ User: { UserName: 'alice', Arn: 'arn:aws:iam::111122223333:user/ops/alice', Path: '/ops/', UserId: 'id', CreateDate: new Date() } });
    iam.on(GetRoleCommand, { RoleName: 'Approver' }).resolves({ Role: { RoleName: 'Approver', Arn: roleArnOf('Approver'), Path: '/', RoleId: 'id', CreateDate: new Date() } });
  });

  it('no document registered here: nothing read', async () => {
    expect(checks(await run('production', []))).toEqual([]);
    expect(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input.RoleName)).not.toContain(AUTOMATION);
  });

  it('all there: the role trusts Systems Manager, each approver of this account read once (a role, a user by its name without the path), another account\'s a WARN', async () => {
    expect(checks(await run('production', [pinned, plain]))).toEqual([
      `PASS automation-role ${AUTOMATION}: automation role ${AUTOMATION} exists and Systems Manager (ssm.amazonaws.com) may assume it for an Automation execution of 111122223333, and not for an execution of 999999999999, an account not configured nor for an execution of 111122223333 in us-west-2 (iam:SimulateCustomPolicy)`,
      `PASS approver ${roleArnOf('Approver')}: approver role Approver exists (it approves Failover, Resize)`,
      'PASS approver arn:aws:iam::111122223333:user/ops/alice: approver user alice exists (it approves Failover)',
      'WARN approver arn:aws:iam::444455556666:role/Elsewhere: approver arn:aws:iam::444455556666:role/Elsewhere is in account 444455556666: not read from 111122223333 (it approves Resize)',
    ]);
    expect(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input.RoleName).filter((n) => n === 'Approver' || n === 'Elsewhere')).toEqual(['Approver']);
    expect(iam.commandCalls(GetUserCommand).map((c) => c.args[0].input.UserName)).toEqual(['alice']);
  });

  it('a missing automation role is a FAIL naming the documents that run as it and no other', async () => {
    iam.on(GetRoleCommand, { RoleName: AUTOMATION }).rejects(awsError('NoSuchEntityException'));
    expect(checks(await run('production', [pinned, plain]))[0]).toBe(
      `FAIL automation-role ${AUTOMATION}: automation role ${AUTOMATION} does not exist: Failover runs as it and no other role: it fails at the first step`,
    );
  });

  it('a role whose trust admits another service is a FAIL', async () => {
    iam.on(GetRoleCommand, { RoleName: AUTOMATION }).resolves(role(SCHEDULER_TRUST));
    expect(checks(await run('production', [plain]))[0]).toBe(
      `FAIL automation-role ${AUTOMATION}: automation role ${AUTOMATION} exists, but its trust does not let Systems Manager (ssm.amazonaws.com) assume it: a run given it as AutomationAssumeRole fails at its first step`,
    );
  });

  // Review 13 R13-8 (the same gap as the Scheduler roles'): a trust whose conditions name another account.
  it("a trust for another account's executions is a FAIL (the oracle: Systems Manager refused for this account's)", async () => {
    const execution = 'arn:aws:ssm:us-east-1:111122223333:automation-execution/runbook-preflight-probe';
    expect(await serviceMayAssume(ssmTrust('444455556666'), 'ssm.amazonaws.com', roleArnOf(AUTOMATION), '111122223333', execution)).toBe(false);
    expect(await serviceMayAssume(ssmTrust('111122223333'), 'ssm.amazonaws.com', roleArnOf(AUTOMATION), '111122223333', execution)).toBe(true);
    iam.on(GetRoleCommand, { RoleName: AUTOMATION }).resolves(role(encoded(ssmTrust('444455556666'))));
    expect(checks(await run('production', [pinned]))[0]).toBe(
      `FAIL automation-role ${AUTOMATION}: automation role ${AUTOMATION} exists, but its trust does not admit Systems Manager (ssm.amazonaws.com) for an Automation execution of 111122223333 (aws:SourceAccount 111122223333, aws:SourceArn ${execution}; sts:AssumeRole: implicitDeny, iam:SimulateCustomPolicy): Failover runs as it and no other role: it fails at the first step`,
    );
  });

  // Decision 250 (review 15 R15-1): the trust pinned to the role's own region; a stack deployed before it admits every region.
  it("a trust that admits this account's executions of another region (as before decision 250) is a FAIL saying to redeploy", async () => {
    const before250: Doc = JSON.parse(JSON.stringify(ssmTrust('111122223333')).replace('arn:aws:ssm:us-east-1:', 'arn:aws:ssm:*:')) as Doc;
    const inDr = 'arn:aws:ssm:us-west-2:111122223333:automation-execution/runbook-preflight-probe';
    // The oracle: the old trust admits Systems Manager for us-west-2's execution, infra's does not.
    expect(await serviceMayAssume(before250, 'ssm.amazonaws.com', roleArnOf(AUTOMATION), '111122223333', inDr)).toBe(true);
    expect(await serviceMayAssume(ssmTrust('111122223333'), 'ssm.amazonaws.com', roleArnOf(AUTOMATION), '111122223333', inDr)).toBe(false);
    iam.on(GetRoleCommand, { RoleName: AUTOMATION }).resolves(role(encoded(before250)));
    const [result] = (await run('production', [pinned])).filter((r) => r.check === 'automation-role');
    expect(`${result?.status ?? '?'} ${result?.message ?? ''}`).toBe(
      `FAIL automation role ${AUTOMATION} admits Systems Manager for an execution of 111122223333 in us-west-2 (iam:SimulateCustomPolicy): its trust is not pinned to us-east-1 as decision 250 requires (a stack deployed before it): an Automation execution there, of any document given this role as AutomationAssumeRole, gets every grant of the documents that run as it, without their approval steps`,
    );
    expect(result?.fix).toBe(
      'redeploy the runbook stack of us-east-1 (npx cdk deploy -c environment=production -c region=us-east-1 NotificationRunbooks-production-us-east-1): it writes the trust ssm.amazonaws.com with StringEquals aws:SourceAccount 111122223333 and ArnLike aws:SourceArn arn:aws:ssm:us-east-1:111122223333:automation-execution/*',
    );
  });

  it.each([
    ['production (us-west-2 configured)', ['us-west-2'], ['us-west-2']],
    ['an environment of one region', [], ['us-west-2']],
  ])('the regions probed: %s', (_, others, probed) => {
    expect(automationProbeRegions(TARGET, others)).toEqual(probed);
  });
  it('the spare region is never the target region', () => {
    expect(automationProbeRegions({ ...TARGET, region: 'us-west-2' }, [])).toEqual(['us-east-1']);
    expect(automationProbeRegions({ ...TARGET, region: 'us-gov-west-1', partition: 'aws-us-gov' }, [])).toEqual(['us-gov-east-1']);
  });

  // Review 13 R13-10: IAM finds a role or user whatever the case of the name asked, and a user by its name alone; the
  // documents compare IAM's own ARN byte for byte, so only the exact ARN is a PASS.
  it('an approver configured in another case than IAM names it, or a user without its path, is a FAIL naming the ARN to configure', async () => {
    iam.on(GetRoleCommand, { RoleName: 'notificationservicerunbookapprover' }).resolves({
      Role: { RoleName: 'NotificationServiceRunbookApprover', Arn: roleArnOf('NotificationServiceRunbookApprover'), Path: '/', RoleId: 'id', CreateDate: new Date() },
    });
    const lowerCase = roleArnOf('notificationservicerunbookapprover');
    const pathless = 'arn:aws:iam::111122223333:user/alice';
    const doc = { name: 'Resize', content: { mainSteps: [approve([lowerCase, pathless])] } };
    expect(checks(await run('production', [doc])).slice(1)).toEqual([
      `FAIL approver ${lowerCase}: approver role notificationservicerunbookapprover exists, but IAM names it ${roleArnOf('NotificationServiceRunbookApprover')}, which differs in case: the documents compare the ARN byte for byte, so a session of that role starting a change is not refused as its own approver, and whether Automation takes its answer is not documented (it approves Resize)`,
      `FAIL approver ${pathless}: approver user alice exists, but IAM names it arn:aws:iam::111122223333:user/ops/alice, which differs in its path or name: the documents compare the ARN byte for byte, so that user starting a change is not refused as its own approver, and whether Automation takes its answer is not documented (it approves Resize)`,
    ]);
    const [, first] = (await run('production', [doc])).filter((r) => r.check === 'approver' || r.check === 'automation-role');
    expect(first?.fix).toBe(`set environments.<env>.runbookApprovers.principals to ${roleArnOf('NotificationServiceRunbookApprover')} exactly and deploy`);
  });

  it('a missing approver role or user is a FAIL each, naming the documents it approves', async () => {
    iam.on(GetRoleCommand, { RoleName: 'Approver' }).rejects(awsError('NoSuchEntityException'));
    iam.on(GetUserCommand).rejects(awsError('NoSuchEntity'));
    expect(checks(await run('production', [pinned])).filter((c) => c.startsWith('FAIL'))).toEqual([
      `FAIL approver ${roleArnOf('Approver')}: approver role Approver does not exist: it cannot answer their approval steps (it approves Failover)`,
      'FAIL approver arn:aws:iam::111122223333:user/ops/alice: approver user alice does not exist: it cannot answer their approval steps (it approves Failover)',
    ]);
  });

  it('the only approver missing: nobody can answer, said so', async () => {
    iam.on(GetRoleCommand, { RoleName: 'Approver' }).rejects(awsError('NoSuchEntityException'));
    const only1 = { name: 'Resize', content: { mainSteps: [approve([roleArnOf('Approver')])] } };
    expect(checks(await run('production', [only1]))[1]).toBe(
      `FAIL approver ${roleArnOf('Approver')}: approver role Approver does not exist: nobody can answer their approval steps: a run waits there until it times out (it approves Resize)`,
    );
  });

  it('a refused read is a FAIL naming the permissions, not a PASS', async () => {
    iam.on(GetRoleCommand, { RoleName: AUTOMATION }).rejects(awsError('AccessDenied'));
    const results = (await run('production', [pinned])).filter((r) => r.subject === 'automation role and approvers');
    expect(results.map((r) => r.status)).toEqual(['FAIL']);
    expect(results[0]?.message).toContain('iam:GetRole');
  });
});
