// Review 12, R12-9: the automation's own health alarms reach a person. Computed from each synthesized template, for every
// stack the app deploys (single account; cross-account operations and workload, both regions): each alarm that is not a
// watched service alarm has an alarm action whose topic has a subscriber that SNS delivers an attribute-less message to
// (a CloudWatch alarm action sets no message attributes; SNS filter semantics in support/sns-filter.ts), the topic's
// policy lets CloudWatch publish for that alarm (judged by @cloud-copilot/iam-simulate), and its key lets CloudWatch use it.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AutomationHealthTopic } from '../../infra/lib/constructs/automation-health-topic';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { AUTOMATION_HEALTH_TOPIC_NAME, DEAD_LETTER_QUEUES } from '../../shared/config/automation-health';
import { ESCALATION_SWEEP_RULE, VERIFY_SWEEP_RULE } from '../../shared/config/names';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { verifyClaimName } from '../../shared/pipeline/verify-change-plan';
import { VERIFY_DUE_PK } from '../../shared/state/incident-store';
import { auditKeyOf, claimKeyOf } from '../../shared/state/state-records';
import { deployedRoles, resolveIntrinsics, type Deployed, type PolicyDocument } from './support/cfn-policies';
import { filterAccepts } from './support/sns-filter';
import { functionOf, grantedActions, resourcesOfType, statementsOfRole, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const ONCALL = 'oncall@example.com';
const WORKSPACE = 'T012ABCDEFG';
const CHANNEL = 'C0123ABCDEF';

/** Production's tiers with L1's email and Slack channel configured (the deployment's, as environments.<env>.escalation). */
function productionOverrides(): Record<string, unknown> {
  const production = defaultConfig.environments.production?.escalation;
  if (!production) throw new Error('the default configuration has no production escalation');
  const tiers = production.tiers.map((tier) => (tier.level === 1 ? { ...tier, emails: [ONCALL], slack: [{ workspaceId: WORKSPACE, channelId: CHANNEL }] } : tier));
  return { environments: { production: { escalation: { ...production, tiers } } } };
}

interface Subscriber {
  via: string;
  filterPolicy?: unknown;
  scope?: unknown;
}

const refOf = (value: unknown): string | undefined => (value && typeof value === 'object' && 'Ref' in value ? String((value as { Ref: unknown }).Ref) : undefined);

/** Who a topic (logical id) reaches: its SNS subscriptions and the AWS Chatbot channels it is given to. */
function subscribersOf(template: CfnTemplate, topicId: string): Subscriber[] {
  const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription')
    .filter(([, s]) => refOf(s.Properties?.TopicArn) === topicId)
    .map(([, s]) => ({ via: `${String(s.Properties?.Protocol)}:${String(s.Properties?.Endpoint)}`, filterPolicy: s.Properties?.FilterPolicy, scope: s.Properties?.FilterPolicyScope ?? 'MessageAttributes' }));
  const chat = resourcesOfType(template, 'AWS::Chatbot::SlackChannelConfiguration')
    .filter(([, c]) => (c.Properties?.SnsTopicArns as unknown[] | undefined)?.some((arn) => refOf(arn) === topicId))
    .map(([, c]) => ({ via: `slack:${String(c.Properties?.SlackChannelId)}` }));
  return [...subscriptions, ...chat];
}

async function cloudWatchMayPublish(policy: PolicyDocument, topicArn: string, alarmArn: string, account: string, service = 'cloudwatch.amazonaws.com'): Promise<string> {
  const response = await runSimulation(
    {
      request: {
        principal: service,
        action: 'sns:Publish',
        resource: { resource: topicArn, accountId: account },
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalIsAWSService': 'true',
          'aws:PrincipalServiceName': service,
          'aws:SourceArn': alarmArn,
          'aws:SourceAccount': account,
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

interface Reach {
  alarm: string;
  topics: string[];
  /** Subscribers SNS delivers the alarm's (attribute-less) message to. */
  reached: string[];
  /** Subscribers that would drop it (their filter names an attribute the message lacks). */
  dropped: string[];
  publish: string[];
  keyAllowsCloudWatch: boolean[];
}

/** Every alarm of the stack that is not one of the watched service alarms, and whom its ALARM reaches. */
async function healthAlarmReach(synthesized: SynthesizedApp, stackName: string, d: Deployed): Promise<Reach[]> {
  const template = synthesized.json.get(stackName);
  if (!template) throw new Error(`no stack ${stackName}`);
  const plan = synthesized.built.plans.find((p) => p.stackName === stackName);
  if (!plan) throw new Error(`no plan for ${stackName}`);
  const watched = new Set(alarmSpecs(synthesized.built.config, plan.environment, plan.region).map((a) => a.name));
  const reaches: Reach[] = [];
  for (const [alarmId, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    const name = String(alarm.Properties?.AlarmName);
    if (watched.has(name)) continue;
    const alarmArn = String(resolveIntrinsics({ 'Fn::GetAtt': [alarmId, 'Arn'] }, template, d));
    const topicIds = ((alarm.Properties?.AlarmActions as unknown[] | undefined) ?? []).map(refOf).filter((id): id is string => id !== undefined && template.Resources[id]?.Type === 'AWS::SNS::Topic');
    const reach: Reach = { alarm: name, topics: [], reached: [], dropped: [], publish: [], keyAllowsCloudWatch: [] };
    for (const topicId of topicIds) {
      const topic = template.Resources[topicId];
      reach.topics.push(String(topic?.Properties?.TopicName));
      for (const subscriber of subscribersOf(template, topicId)) {
        // A CloudWatch alarm action publishes the alarm's JSON with no message attributes.
        (filterAccepts(subscriber.filterPolicy, {}, subscriber.scope) ? reach.reached : reach.dropped).push(subscriber.via);
      }
      const policies = resourcesOfType(template, 'AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]));
      expect(policies).toHaveLength(1);
      const policy = resolveIntrinsics(policies[0]?.[1].Properties?.PolicyDocument, template, d) as PolicyDocument;
      const topicArn = String(resolveIntrinsics({ Ref: topicId }, template, d));
      reach.publish.push(await cloudWatchMayPublish(policy, topicArn, alarmArn, d.account));
      // Someone else's alarm of the account is refused: the admission is this alarm's, not CloudWatch's at large.
      expect(await cloudWatchMayPublish(policy, topicArn, `arn:aws:cloudwatch:${d.region}:${d.account}:alarm:page-the-devops-team`, d.account)).toBe('ExplicitlyDenied');
      // Another service for the same source: only CloudWatch is admitted.
      expect(await cloudWatchMayPublish(policy, topicArn, alarmArn, d.account, 'events.amazonaws.com')).not.toBe('Allowed');
      // SSE with a customer-managed key: CloudWatch needs kms:GenerateDataKey and kms:Decrypt on it (the key's own policy).
      const keyId = (topic?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      const keyStatements = ((template.Resources[keyId ?? '']?.Properties?.KeyPolicy as { Statement?: Array<Record<string, unknown>> } | undefined)?.Statement ?? []);
      reach.keyAllowsCloudWatch.push(
        keyStatements.some((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }) && ['kms:Decrypt', 'kms:GenerateDataKey'].every((a) => (s.Action as string[]).includes(a))),
      );
    }
    reaches.push(reach);
  }
  return reaches.sort((a, b) => a.alarm.localeCompare(b.alarm));
}

/**
 * What @cloud-copilot/iam-simulate answers for one state-table request of a handler's deployed role in us-east-1, the
 * request naming `keys` (dynamodb:LeadingKeys: the partitions it reads or writes; none when empty).
 */
async function stateTableRequest(template: CfnTemplate, handler: string, action: string, keys: Record<string, string[]>): Promise<string> {
  const account = '123456789012';
  const role = deployedRoles(template, { partition: 'aws', region: 'us-east-1', account }).find((r) => r.name === `notification-runbooks-${handler}-us-east-1`);
  if (!role) throw new Error(`no ${handler} role`);
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${account}:assumed-role/${role.name}/${handler}`,
        action,
        resource: { resource: `arn:aws:dynamodb:us-east-1:${account}:table/notification-runbooks-state`, accountId: account },
        contextVariables: { 'aws:PrincipalArn': role.arn, 'aws:PrincipalAccount': account, 'aws:RequestedRegion': 'us-east-1', 'aws:ResourceAccount': account, ...keys },
      },
      identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

const DEAD_LETTER_HEALTH = ['notification-runbooks-failed-invocations not empty', 'notification-runbooks-undelivered-events not empty'];
const ESCALATION_TIMERS = 'notification-runbooks schedules failing to invoke escalation-timer';
const HEALTH_CHECKS = 'notification-runbooks-verify schedules failing to invoke verify-change';
/** Decision 300: the escalation sweep leaving overdue timers in two sweeps within 15 min (2 of 3 periods, decision 319), where escalation-timer is deployed. */
const SWEEP_BACKLOG = 'notification-runbooks escalation sweep leaving overdue timers';
/** Decision 317: the verify sweep leaving overdue health checks in two sweeps within 15 min (2 of 3 periods, decision 319), where verify-change is deployed. */
const VERIFY_SWEEP_BACKLOG = 'notification-runbooks verify sweep leaving overdue health checks';
/** Decision 311: each sweep refusing a record of its own (escalation-timer's three, verify-change's two). */
const REFUSED_RECORDS = [
  'notification-runbooks escalation sweep refusing a held resolution entry',
  'notification-runbooks escalation sweep setting a held resolution aside',
  'notification-runbooks escalation sweep refusing an unresolved incident record',
  'notification-runbooks verify sweep refusing a listed health check',
  'notification-runbooks verify sweep unable to judge a health check',
];
/** Both regions deploy both Scheduler lanes (escalation timers, health checks after a change). */
/** R14-7: each deployed handler's "events waiting" alarm (every handler is invoked asynchronously). */
const eventsWaiting = (...handlers: string[]): string[] => handlers.map((h) => `notification-runbooks-${h} events waiting over 2 min`);
const OPERATIONS_HEALTH: Record<string, string[]> = {
  'us-east-1': [
    ...DEAD_LETTER_HEALTH,
    ESCALATION_TIMERS,
    HEALTH_CHECKS,
    SWEEP_BACKLOG,
    VERIFY_SWEEP_BACKLOG,
    ...REFUSED_RECORDS,
    ...eventsWaiting('alert-error-rate', 'check-db-connections', 'escalate', 'escalation-timer', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change'),
  ],
  'us-west-2': [
    ...DEAD_LETTER_HEALTH,
    ESCALATION_TIMERS,
    HEALTH_CHECKS,
    SWEEP_BACKLOG,
    VERIFY_SWEEP_BACKLOG,
    ...REFUSED_RECORDS,
    ...eventsWaiting('alert-error-rate', 'check-db-connections', 'escalate', 'escalation-timer', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change', 'watch-standby'),
  ],
};
const WORKLOAD_HEALTH = ['notification-runbooks-undelivered-alarm-events not empty'];

function expectReachesPeople(reaches: Reach[], names: string[], people: string[]): void {
  expect(reaches.map((r) => r.alarm)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  for (const reach of reaches) {
    expect({ alarm: reach.alarm, topics: reach.topics, reached: reach.reached.sort(), dropped: reach.dropped, publish: reach.publish, key: reach.keyAllowsCloudWatch }).toEqual({
      alarm: reach.alarm,
      topics: [AUTOMATION_HEALTH_TOPIC_NAME],
      reached: [...people].sort(),
      dropped: [],
      publish: ['Allowed'],
      key: [true],
    });
  }
}

/**
 * Each "not empty" alarm of a stack's dead-letter queues, as synthesized: the definition deadLetterAlarmSpec gives, with
 * TreatMissingData 'ignore' (review 14, R14-12; decision 242): SQS stops publishing an inactive queue's metrics, and a
 * dead-letter queue is inactive until someone redrives it, so a gap must keep ALARM, not read as "empty".
 */
function expectDeadLetterAlarmsKeepState(template: CfnTemplate | undefined, names: string[]): void {
  if (!template) throw new Error('no stack');
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
    .map(([, a]) => a.Properties ?? {})
    .filter((p) => typeof p.AlarmName === 'string' && p.AlarmName.endsWith(' not empty'));
  expect(alarms.map((p) => p.AlarmName).sort()).toEqual([...names].sort());
  for (const alarm of alarms) {
    const queueName = String(alarm.AlarmName).replace(/ not empty$/, '');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: expect.anything() }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect({ queueName, TreatMissingData: alarm.TreatMissingData }).toEqual({ queueName, TreatMissingData: 'ignore' });
  }
}

describe('the SNS filter semantics the reach is computed with (SNS Developer Guide)', () => {
  it.each(([
    ['L1 email filter, a CloudWatch alarm action (no attributes)', { channel: ['email'] }, {}, false],
    ["L1 email filter, escalate's email publish", { channel: ['email'] }, { channel: 'email', kind: 'page' }, true],
    ["L1 email filter, escalate's chat publish", { channel: ['email'] }, { channel: 'chat' }, false],
    ['exists:false, no attributes at all ("only matches if at least one attribute is present")', { channel: [{ exists: false }] }, {}, false],
    ['exists:false, another attribute present', { channel: [{ exists: false }] }, { kind: 'page' }, true],
    ['no filter policy, no attributes', undefined, {}, true],
  ] as Array<[string, unknown, Record<string, string>, boolean]>).map(([c, policy, attributes, delivered]) => [c, delivered, policy, attributes] as const))('%s -> delivered: %s', (_case, delivered, policy, attributes) => {
    expect(filterAccepts(policy, attributes)).toBe(delivered);
  });
});

/**
 * Decision 264 (review 15 R15-5): the escalation sweep. One rule on the default bus, every 5 min, invoking escalation-timer
 * with {"action":"sweep"} through the function's resource policy (a Lambda permission for this rule; no role, so not the
 * scheduler role the timers use), undeliverable ticks kept in the undelivered-events queue (whose alarm pages L1).
 */
function expectSweepRule(template: CfnTemplate | undefined, ruleName = ESCALATION_SWEEP_RULE, functionName = 'notification-runbooks-escalation-timer'): void {
  if (!template) throw new Error('no stack');
  const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties?.Name === ruleName);
  expect(rules).toHaveLength(1);
  const [ruleId, rule] = rules[0] ?? ['', {}];
  const timerId = resourcesOfType(template, 'AWS::Lambda::Function').find(([, f]) => f.Properties?.FunctionName === functionName)?.[0];
  const undeliveredId = resourcesOfType(template, 'AWS::SQS::Queue').find(([, q]) => q.Properties?.QueueName === DEAD_LETTER_QUEUES.undeliveredEvents.queueName)?.[0];
  if (!timerId || !undeliveredId) throw new Error(`no ${functionName} function or undelivered-events queue`);
  expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
  expect(rule.Properties?.EventBusName).toBeUndefined();
  expect(rule.Properties?.EventPattern).toBeUndefined();
  expect(rule.Properties?.Targets).toEqual([
    {
      Id: expect.any(String),
      Arn: { 'Fn::GetAtt': [timerId, 'Arn'] },
      Input: '{"action":"sweep"}',
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [undeliveredId, 'Arn'] } },
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
    },
  ]);
  const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').map(([, p]) => p.Properties ?? {});
  expect(permissions.filter((p) => JSON.stringify(p.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [ruleId, 'Arn'] }))).toEqual([
    { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [timerId, 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } },
  ]);
}

describe('every automation health alarm reaches the first tier with no filter mismatch', () => {
  const config = JSON.stringify(productionOverrides());

  describe('single account (production, both regions)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', account: '123456789012', config }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('%s: failed-invocations, undelivered-events and the Scheduler lanes reach L1 by email and by its Slack channel', async (region) => {
      const reaches = await healthAlarmReach(synthesized, `NotificationRunbooks-production-${region}`, { partition: 'aws', region, account: '123456789012' });
      expectReachesPeople(reaches, OPERATIONS_HEALTH[region] ?? [], [`email:${ONCALL}`, `slack:${CHANNEL}`]);
    });

    it.each([
      [ESCALATION_TIMERS, 'notification-runbooks', 'retried for up to 15 min, then dropped'],
      [HEALTH_CHECKS, 'notification-runbooks-verify', 'retried for up to 24 h, then dropped'],
    ])('%s: sums every Scheduler failure metric of its group, FILLed with 0, in 5-minute Sums (decision 239)', (alarmName, group, retry) => {
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      if (!template) throw new Error('no stack');
      const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties?.AlarmName === alarmName)?.[1].Properties;
      if (!alarm) throw new Error(`no alarm ${alarmName}`);
      type Query = { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Period: number; Stat: string } };
      const queries = alarm.Metrics as Query[];
      expect(alarm.MetricName).toBeUndefined();
      const summed = queries.filter((q) => q.MetricStat).map((q) => ({ id: q.Id, ...q.MetricStat, ...q.MetricStat?.Metric, Metric: undefined }));
      expect(summed.map((q) => q.MetricName).sort()).toEqual(['InvocationDroppedCount', 'InvocationThrottleCount', 'TargetErrorCount', 'TargetErrorThrottledCount']);
      for (const q of summed) expect(q).toMatchObject({ Namespace: 'AWS/Scheduler', Dimensions: [{ Name: 'ScheduleGroup', Value: group }], Period: 300, Stat: 'Sum' });
      const expression = queries.find((q) => q.Expression !== undefined);
      expect(expression?.ReturnData).not.toBe(false);
      expect(expression?.Expression).toBe(`SUM([${summed.map((q) => `FILL(${q.id}, 0)`).join(', ')}])`);
      expect(queries.filter((q) => q.ReturnData !== false)).toHaveLength(1);
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
      expect(alarm.AlarmDescription).toContain(retry);
    });

    it.each(['us-east-1', 'us-west-2'])('%s: the dead-letter alarms keep their state through a gap in SQS metrics (TreatMissingData ignore)', (region) => {
      expectDeadLetterAlarmsKeepState(synthesized.json.get(`NotificationRunbooks-production-${region}`), DEAD_LETTER_HEALTH);
    });

    it.each(['us-east-1', 'us-west-2'])('%s: the escalation sweep: every 5 min on the default bus, escalation-timer invoked through its resource policy, not the scheduler role (decision 264)', (region) => {
      expectSweepRule(synthesized.json.get(`NotificationRunbooks-production-${region}`));
    });

    it.each(['us-east-1', 'us-west-2'])('%s: the verify sweep, where verify-change is deployed: every 5 min on the default bus, verify-change invoked through its resource policy, with Input {"action":"sweep"} (decision 293)', (region) => {
      expectSweepRule(synthesized.json.get(`NotificationRunbooks-production-${region}`), VERIFY_SWEEP_RULE, 'notification-runbooks-verify-change');
    });

    it('us-east-1: only verify-change may take a check off the verify sweep\'s list (dynamodb:DeleteItem); the alarm handlers list one with PutItem (decision 293)', () => {
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      if (!template) throw new Error('no stack');
      expect(grantedActions(template, functionOf(template, 'notification-runbooks-verify-change').roleId).has('dynamodb:DeleteItem')).toBe(true);
      for (const handler of ['scale-consumers', 'raise-lambda-memory', 'scale-up-database']) {
        const granted = grantedActions(template, functionOf(template, `notification-runbooks-${handler}`).roleId);
        expect([handler, granted.has('dynamodb:PutItem'), granted.has('dynamodb:DeleteItem')]).toEqual([handler, true, false]);
      }
    });

    it("us-east-1: verify-change's DeleteItem is held to the verify sweep's partition (dynamodb:LeadingKeys VERIFY-DUE): a list entry's delete allowed, a claim's, an audit entry's or a held resolution's denied (review 18c R18-16, decision 301)", async () => {
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      if (!template) throw new Error('no stack');
      const roleId = functionOf(template, 'notification-runbooks-verify-change').roleId;
      const deleting = statementsOfRole(template, roleId).filter((st) => [st.Action].flat().includes('dynamodb:DeleteItem'));
      expect(deleting).toHaveLength(1);
      expect(deleting[0]).toMatchObject({
        Action: 'dynamodb:DeleteItem',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [VERIFY_DUE_PK] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      });
      const deleteWith = (keys: Record<string, string[]>): Promise<string> => stateTableRequest(template, 'verify-change', 'dynamodb:DeleteItem', keys);
      expect(await deleteWith({ 'dynamodb:LeadingKeys': [VERIFY_DUE_PK] })).toBe('Allowed');
      expect(await deleteWith({ 'dynamodb:LeadingKeys': ['INCIDENT#arn:aws:cloudwatch:us-east-1:123456789012:alarm:A#1'] })).toBe('ImplicitlyDenied');
      expect(await deleteWith({ 'dynamodb:LeadingKeys': ['ESCALATION-HELD'] })).toBe('ImplicitlyDenied');
      expect(await deleteWith({ 'dynamodb:LeadingKeys': ['AUDIT#arn:aws:lambda:us-east-1:123456789012:function:f'] })).toBe('ImplicitlyDenied');
      expect(await deleteWith({})).toBe('ImplicitlyDenied');
      // The escalation handlers' deletes are not narrowed (their held resolutions and alarm indexes).
      const timerDeletes = statementsOfRole(template, functionOf(template, 'notification-runbooks-escalation-timer').roleId).filter((st) => [st.Action].flat().includes('dynamodb:DeleteItem'));
      expect(timerDeletes.map((st) => st.Condition)).toEqual([undefined]);
    });

    it("us-east-1: verify-change's PutItem and UpdateItem are held to the partitions it writes (dynamodb:LeadingKeys): its claim and its audit entry allowed; a held resolution, an escalation incident, a list entry, a resource's STATE by update, or no key denied (review 19 R19-3, decision 307)", async () => {
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      if (!template) throw new Error('no stack');
      const writing = statementsOfRole(template, functionOf(template, 'notification-runbooks-verify-change').roleId).filter((st) =>
        [st.Action].flat().some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:UpdateItem'),
      );
      expect(writing.map((st) => ({ Action: st.Action, Condition: st.Condition }))).toEqual([
        { Action: 'dynamodb:PutItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENT#*', 'RESOURCE#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } } },
        { Action: 'dynamodb:UpdateItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENT#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } } },
      ]);
      // The partitions as the code keys them: its claim (runUnderClaim on verify-change#<playbook>) and its audit entry.
      const incident = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:notification-service-queue-depth#2026-12-07T10:00:00.000+0000';
      const claim = claimKeyOf(verifyClaimName('scale-consumers'), incident).pk;
      const consumer = 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer';
      const audit = auditKeyOf(consumer, '2026-12-07T10:01:00.000Z', incident).pk;
      const put = (keys: Record<string, string[]>): Promise<string> => stateTableRequest(template, 'verify-change', 'dynamodb:PutItem', keys);
      const update = (keys: Record<string, string[]>): Promise<string> => stateTableRequest(template, 'verify-change', 'dynamodb:UpdateItem', keys);
      expect(await put({ 'dynamodb:LeadingKeys': [claim] })).toBe('Allowed');
      expect(await put({ 'dynamodb:LeadingKeys': [audit] })).toBe('Allowed');
      expect(await update({ 'dynamodb:LeadingKeys': [claim] })).toBe('Allowed');
      for (const partition of ['ESCALATION-HELD', 'ESCALATION#inc-3f2a9c1b7d44', VERIFY_DUE_PK, 'KILL-SWITCH-NOTICE#/notification-runbooks/kill-switch']) {
        expect([partition, await put({ 'dynamodb:LeadingKeys': [partition] }), await update({ 'dynamodb:LeadingKeys': [partition] })]).toEqual([partition, 'ImplicitlyDenied', 'ImplicitlyDenied']);
      }
      expect(await update({ 'dynamodb:LeadingKeys': [audit] })).toBe('ImplicitlyDenied');
      expect(await put({})).toBe('ImplicitlyDenied');
      expect(await update({})).toBe('ImplicitlyDenied');
      // Not narrowed for the alarm handlers: scale-consumers writes resource state, claims and the verify sweep's list.
      const consumerWrites = statementsOfRole(template, functionOf(template, 'notification-runbooks-scale-consumers').roleId).filter((st) =>
        [st.Action].flat().some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:UpdateItem'),
      );
      expect(consumerWrites.map((st) => st.Condition)).toEqual([undefined]);
      expect(await stateTableRequest(template, 'scale-consumers', 'dynamodb:PutItem', { 'dynamodb:LeadingKeys': [VERIFY_DUE_PK] })).toBe('Allowed');
    });

    it.each([
      ['escalation-timer', "the next tier's page"],
      ['escalate', "an incident's page"],
      ['scale-consumers', 'the automated response to its alarm (queue-backup)'],
      ['verify-change', 'the health check after an automated change'],
    ])('%s: its events waiting over 2 min (AWS/Lambda AsyncEventAge, Maximum per minute, of the deployed function) page L1 (R14-7)', (handler, carries) => {
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      if (!template) throw new Error('no stack');
      const functionName = `notification-runbooks-${handler}`;
      const fnId = resourcesOfType(template, 'AWS::Lambda::Function').find(([, f]) => f.Properties?.FunctionName === functionName)?.[0];
      if (!fnId) throw new Error(`no function ${functionName}`);
      const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties?.AlarmName === `${functionName} events waiting over 2 min`)?.[1].Properties;
      if (!alarm) throw new Error(`no events-waiting alarm for ${functionName}`);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'AsyncEventAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        // Milliseconds, the metric's unit: 2 min.
        Threshold: 120000,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.AlarmDescription).toContain(carries);
      expect(alarm.AlarmDescription).toContain('notification-runbooks-failed-invocations');
    });

    it("L1's own topic no longer carries them: its email subscription filters on the channel attribute an alarm action cannot set", () => {
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      if (!template) throw new Error('no stack');
      const l1 = resourcesOfType(template, 'AWS::SNS::Topic').find(([, t]) => t.Properties?.TopicName === defaultConfig.escalationPath[0]?.topicName);
      if (!l1) throw new Error('no L1 topic');
      const l1Email = subscribersOf(template, l1[0]).filter((s) => s.via === `email:${ONCALL}`);
      expect(l1Email).toHaveLength(1);
      // Why the alarms moved: an attribute-less publish to L1 would reach its Slack channel, never its email.
      expect(filterAccepts(l1Email[0]?.filterPolicy, {})).toBe(false);
      const actions = resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(([, a]) => ((a.Properties?.AlarmActions as unknown[] | undefined) ?? []).map(refOf));
      expect(actions).not.toContain(l1[0]);
    });
  });

  describe('cross-account mode (production): the operations account and the workload account, both regions', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', accounts: { production: '222222222222' }, operationsAccount: '111111111111', config }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('operations %s: failed-invocations, undelivered-events and the Scheduler lanes reach L1 by email and Slack', async (region) => {
      const reaches = await healthAlarmReach(synthesized, `NotificationRunbooks-production-${region}`, { partition: 'aws', region, account: '111111111111' });
      expectReachesPeople(reaches, OPERATIONS_HEALTH[region] ?? [], [`email:${ONCALL}`, `slack:${CHANNEL}`]);
    });

    it.each(['us-east-1', 'us-west-2'])("workload %s: the undelivered-alarm-events alarm (no action before) reaches L1's email through the workload account's own topic", async (region) => {
      const stackName = synthesized.built.plans.find((p) => p.kind === 'workload' && p.region === region)?.stackName ?? '';
      const reaches = await healthAlarmReach(synthesized, stackName, { partition: 'aws', region, account: '222222222222' });
      expectReachesPeople(reaches, WORKLOAD_HEALTH, [`email:${ONCALL}`]);
    });

    it.each(['us-east-1', 'us-west-2'])('operations and workload %s: the dead-letter alarms keep their state through a gap in SQS metrics (TreatMissingData ignore)', (region) => {
      expectDeadLetterAlarmsKeepState(synthesized.json.get(`NotificationRunbooks-production-${region}`), DEAD_LETTER_HEALTH);
      const workload = synthesized.built.plans.find((p) => p.kind === 'workload' && p.region === region)?.stackName ?? '';
      expectDeadLetterAlarmsKeepState(synthesized.json.get(workload), WORKLOAD_HEALTH);
    });

    it('operations us-east-1: the escalation sweep, where escalation-timer is deployed (decision 264)', () => {
      expectSweepRule(synthesized.json.get('NotificationRunbooks-production-us-east-1'));
    });

    it('operations us-east-1: the verify sweep, where verify-change is deployed (decision 293)', () => {
      expectSweepRule(synthesized.json.get('NotificationRunbooks-production-us-east-1'), VERIFY_SWEEP_RULE, 'notification-runbooks-verify-change');
    });

    it('no other stack of the app has an alarm outside the watched ones (the remediation roles stack has none)', () => {
      const others = synthesized.built.plans.filter((p) => p.kind === 'remediation-roles');
      expect(others.length).toBeGreaterThan(0);
      for (const plan of others) expect(resourcesOfType(synthesized.json.get(plan.stackName) ?? { Resources: {} }, 'AWS::CloudWatch::Alarm')).toEqual([]);
    });
  });
});

describe('a health topic nobody is subscribed to is a synth warning', () => {
  const synth = (emails: string[] | undefined, where: string): Stack => {
    const config = parseAutomationConfig(mergeConfig(defaultConfig, emails ? productionOverrides() : {}));
    const stack = new Stack(new App(), 'Health');
    new AutomationHealthTopic(stack, 'AutomationHealth', { config, environment: 'production', key: new Key(stack, 'Key'), where }).guard({ chatSubscribed: false });
    return stack;
  };

  it('warns in the default configuration (no endpoint), naming the field; not once L1 has an email endpoint', () => {
    const warnings = Annotations.fromStack(synth(undefined, 'the workload account 222222222222')).findWarning('*', Match.stringLikeRegexp('automation health topic .* has no subscriber'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.entry.data)).toContain('environments.production.escalation.tiers[].emails (level 1');
    expect(Annotations.fromStack(synth([ONCALL], 'the workload account 222222222222')).findWarning('*', Match.stringLikeRegexp('automation health topic'))).toHaveLength(0);
  });
});
