// Cross-account mode, the workload account's roles for the operations account (RemediationRolesStack): each remediation
// role's trust, and the read-only role `runbook preflight` assumes there, its trust and its reads. Pure and CDK-free:
// the stack, the CLI and the sandbox tests build from the same statements.
import type { WatchedResources } from '../../../shared/config/alarm-specs';
import { remediationSourceIdentity, SESSION_TAG_KEYS } from '../../../shared/config/names';
import { DEAD_LETTER_QUEUES } from '../../../shared/config/automation-health';
import { NAME_PREFIX, remediationRoleNameOf } from '../settings';

/** The role preflight assumes in each workload account (IAM is global: one per account, every region). */
export const PREFLIGHT_ROLE_NAME = `${NAME_PREFIX}-preflight`;
/** The RoleSessionName of preflight's session there: CloudTrail in the workload account shows it. */
export const PREFLIGHT_SESSION_NAME = 'preflight';
/** The workload's rule forwarding its alarms' state changes to the operations account's bus (WorkloadStack). */
export const FORWARD_ALARMS_RULE = `${NAME_PREFIX}-forward-alarms`;
/**
 * The role that rule's target puts the events on the operations bus with (EventBridge needs one for a bus in another
 * account), one per region (IAM names are global, the rule and bus regional). Named, not CloudFormation's name, so the
 * preflight role's reads of it name exactly this role (decision 114).
 */
export const forwardingRoleNameOf = (region: string): string => `${NAME_PREFIX}-forward-alarms-${region}`;

export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource?: string[];
  Principal?: { AWS: string } | { Service: string };
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A handler's execution role in the operations account and the region it runs in (one per region). */
export interface RegionCaller {
  region: string;
  roleArn: string;
}

/** IAM statement ids are alphanumeric: us-west-2 -> UsWest2. */
export const regionSid = (region: string): string =>
  region
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * A remediation role's trust: the handler's own execution roles (one per region) and nothing else in the operations
 * account may assume it (decision 25), tag the session with the incident and this playbook, and set the handler as
 * source identity (decision 47). The session's region tag is bound to the caller (decision 147): one statement per
 * region admits that region's execution role only with `runbook-region` = that region. A tag value is the caller's to
 * choose; its principal ARN is not, so the DR region's handler cannot tag itself with the primary region.
 * That statement allows sts:AssumeRole and sts:TagSession alike (decision 176): AWS evaluates sts:AssumeRole with the
 * request's session tags as `aws:RequestTag/<key>` (IAM User Guide, "Passing session tags in AWS STS": its trust example
 * requires tags on the AssumeRole statement; the Service Authorization Reference lists the key for sts:AssumeRole), so a
 * session without the playbook and region tags (a plain AssumeRole) is refused outright, rather than admitted with
 * nothing but what an IAM tag on the role would give it (decision 168). One statement for both actions, not one each: a
 * trust is limited to 2,048 characters (IAM quotas, "Role trust policy length"), and a second set of per-region
 * statements would pass it (inspect-security-groups, two regions: 1,860 before, 2,181 so, 1,519 in this shape).
 * Statement order: the session (per region, in the callers' order), then SetSourceIdentity.
 */
export function remediationRoleTrust(partition: string, operationsAccount: string, handler: string, callers: readonly RegionCaller[]): PolicyStatementJson[] {
  const principal = { AWS: `arn:${partition}:iam::${operationsAccount}:root` };
  if (callers.length === 0) throw new Error(`the remediation role of ${handler} needs at least one caller`);
  if (new Set(callers.map((c) => c.region)).size !== callers.length) throw new Error(`the remediation role of ${handler} names a region twice among its callers: one execution role per region`);
  return [
    ...callers.map(
      (c): PolicyStatementJson => ({
        Sid: `TheHandlersSessionIn${regionSid(c.region)}`,
        Effect: 'Allow',
        Principal: principal,
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': [c.roleArn] },
          StringEquals: { [`aws:RequestTag/${SESSION_TAG_KEYS.playbook}`]: handler, [`aws:RequestTag/${SESSION_TAG_KEYS.region}`]: c.region },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [SESSION_TAG_KEYS.playbook, SESSION_TAG_KEYS.incident, SESSION_TAG_KEYS.region] },
        },
      }),
    ),
    {
      Sid: 'SourceIdentityIsTheHandler',
      Effect: 'Allow',
      Principal: principal,
      Action: ['sts:SetSourceIdentity'],
      Condition: { ArnEquals: { 'aws:PrincipalArn': callers.map((c) => c.roleArn) }, StringEquals: { 'sts:SourceIdentity': remediationSourceIdentity(handler) } },
    },
  ];
}

/**
 * The same trust in one session statement for every region (review 22a R22a-8, decision 383), for a role whose
 * per-region statements pass IAM's 2,048 characters (three regions: 2,051-2,121). The caller's ARN is built from the
 * region tag it asks for, `<prefix>${aws:RequestTag/runbook-region}`, and the tag must be one of the callers' regions: a
 * request is admitted exactly when its principal is the execution role of the region it tags, the pairs the per-region
 * statements admit, no other (the tag's value is pinned to the listed regions, so the ARN it builds holds no wildcard).
 * Every caller's ARN must be `<prefix><region>` with one prefix (infra's execution role names are; a truncated name is
 * not, and throws; so does a prefix holding a wildcard or a policy variable, a CDK token aside). SetSourceIdentity as remediationRoleTrust's. The policy variable is resolved by IAM from the
 * request's context (IAM User Guide, "IAM policy elements: Variables and tags": global condition keys, aws:RequestTag/
 * among them, may be used as variables in resource-based policies, which a trust is).
 */
export function remediationRoleTrustByRegionTag(partition: string, operationsAccount: string, handler: string, callers: readonly RegionCaller[]): PolicyStatementJson[] {
  const [perRegionFirst, ...rest] = remediationRoleTrust(partition, operationsAccount, handler, callers);
  const sourceIdentity = rest[rest.length - 1];
  if (!perRegionFirst || !sourceIdentity) throw new Error(`the remediation role of ${handler} needs at least one caller`);
  const unnamed = callers.filter((c) => !c.roleArn.endsWith(c.region)).map((c) => `${c.roleArn} (not ending in ${c.region})`);
  const prefixes = new Set(callers.map((c) => c.roleArn.slice(0, -c.region.length)));
  const [prefix] = prefixes;
  if (unnamed.length > 0 || prefixes.size !== 1 || prefix === undefined || /[*?]|\$\{(?!Token\[)/.test(prefix)) {
    throw new Error(`the remediation role of ${handler}: its callers' ARNs are not one prefix followed by their region (${unnamed.length > 0 ? unnamed.join(', ') : [...prefixes].join(', ')}): the trust cannot name them by the region tag`);
  }
  return [
    {
      Sid: 'TheHandlersSessionInTheRegionItTags',
      Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${operationsAccount}:root` },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': `${prefix}\${aws:RequestTag/${SESSION_TAG_KEYS.region}}` },
        StringEquals: { [`aws:RequestTag/${SESSION_TAG_KEYS.playbook}`]: handler, [`aws:RequestTag/${SESSION_TAG_KEYS.region}`]: callers.map((c) => c.region) },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [SESSION_TAG_KEYS.playbook, SESSION_TAG_KEYS.incident, SESSION_TAG_KEYS.region] },
      },
    },
    sourceIdentity,
  ];
}

/** The forwarding rule's ARN in one region of the workload (a rule on the default bus: no bus name in it). */
export const forwardingRuleArn = (partition: string, account: string, region: string): string => `arn:${partition}:events:${region}:${account}:rule/${FORWARD_ALARMS_RULE}`;

/**
 * The forwarding role's trust: EventBridge, for this account's forwarding rule in this region only. aws:SourceArn and
 * aws:SourceAccount are what EventBridge sets when it acts for a rule's target ("For EventBridge event bus rule targets,
 * the value of aws:SourceArn must be the rule ARN": EventBridge User Guide, "Cross-service confused deputy prevention").
 */
export function forwardingRoleTrust(partition: string, account: string, region: string): PolicyStatementJson[] {
  return [
    {
      Sid: 'EventBridgeForTheForwardingRule',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['sts:AssumeRole'],
      Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnEquals: { 'aws:SourceArn': forwardingRuleArn(partition, account, region) } },
    },
  ];
}

/** The forwarding role's identity policy: events:PutEvents on the operations account's bus of the same region, nothing else. */
export function forwardingRolePolicy(partition: string, region: string, operationsAccount: string, eventBusName: string): PolicyStatementJson[] {
  return [{ Sid: 'PutOnTheOperationsBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [`arn:${partition}:events:${region}:${operationsAccount}:event-bus/${eventBusName}`] }];
}

/**
 * "role/<name>" / "user/<name>" are the operations account's; a full ARN must be of that account (else throws). A "*" or
 * "?" throws too: the trust's ArnEquals honours them as wildcards (`role/*` would admit every role there), and this is
 * the last gate before the trust whatever validated the configuration.
 */
export function preflightPrincipalArns(principals: readonly string[], partition: string, operationsAccount: string): string[] {
  return principals.map((p) => {
    if (/[*?]/.test(p)) {
      throw new Error(`preflightPrincipals names ${p}, a wildcard: ArnEquals would admit every principal it matches; name each role or user of the operations account`);
    }
    if (!p.startsWith('arn:')) return `arn:${partition}:iam::${operationsAccount}:${p}`;
    const account = p.split(':')[4];
    if (account !== operationsAccount) {
      throw new Error(`preflightPrincipals names ${p}, which is not in the operations account ${operationsAccount}: only the operations account's principals may run preflight against a workload`);
    }
    return p;
  });
}

/**
 * The preflight role's trust: the operations account, narrowed by aws:PrincipalArn to exactly the configured principals
 * (a condition rather than the ARNs as Principal, so the stack deploys before those roles exist, as the remediation
 * roles' trust does). AssumeRole only: no session tags, no source identity.
 */
export function preflightTrust(partition: string, operationsAccount: string, principalArns: readonly string[]): PolicyStatementJson[] {
  if (principalArns.length === 0) throw new Error('the preflight role needs at least one principal');
  return [
    {
      Sid: 'OperationsPreflightPrincipals',
      Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${operationsAccount}:root` },
      Action: ['sts:AssumeRole'],
      Condition: { ArnEquals: { 'aws:PrincipalArn': [...principalArns] } },
    },
  ];
}

/** What preflight reads in one workload account: every name comes from the configuration and infra's naming rules. */
export interface PreflightReadTargets {
  partition: string;
  account: string;
  regions: readonly string[];
  watched: WatchedResources;
  caches: readonly string[];
  /** Every watched alarm of every region. */
  alarmNames: readonly string[];
  /** The log groups holding the metric filters of every region (shared/config/alarm-specs.ts metricFilterSpecs). */
  metricFilterLogGroups: readonly string[];
  /** The handlers that have a remediation role here. */
  remediationHandlers: readonly string[];
  /** The runbook documents registered here (every one but OPERATIONS_DOCUMENTS). */
  documentNames: readonly string[];
  /**
   * What preflight reads in each region, where the regions differ (the deployed role serves every region of the
   * environment; in the DR region its database is the replica and no cache is read: decision 131). Set, the watched
   * resources, caches and alarms are named in a region from that region's entry only (a region without one is an
   * error); unset, `watched`, `caches` and `alarmNames` in every region (one region: the sandbox's workload side).
   */
  regionTargets?: Readonly<Record<string, PreflightRegionTargets>>;
}

/** What preflight reads in one region of the workload (PreflightReadTargets.regionTargets). */
export interface PreflightRegionTargets {
  watched: WatchedResources;
  caches: readonly string[];
  alarmNames: readonly string[];
  /** The log groups of the region's metric filters (metricFilterSpecs): preflight reads the filters there. */
  metricFilterLogGroups: readonly string[];
}

export interface PreflightReads {
  statements: PolicyStatementJson[];
  /** Wildcard resources, each with why it cannot be narrower (cdk-nag acknowledgements). */
  wildcards: Array<{ resource: string; reason: string }>;
}

/**
 * The preflight role's identity policy: only Get/Describe/List reads and the IAM simulator, each on the resources the
 * checks name (cli/preflight: resource-checks, alarm-checks, cross-account-checks, forwarding-role-checks, the workload's
 * SSM documents).
 */
export function preflightReads(t: PreflightReadTargets): PreflightReads {
  const { partition: p, account: a } = t;
  const per = <T>(build: (region: string) => T[]): T[] => t.regions.flatMap(build);
  const at = (region: string): PreflightRegionTargets => {
    if (!t.regionTargets) return { watched: t.watched, caches: t.caches, alarmNames: t.alarmNames, metricFilterLogGroups: t.metricFilterLogGroups };
    const targets = t.regionTargets[region];
    if (!targets) throw new Error(`the preflight reads name what each region holds (regionTargets) but not for ${region}`);
    return targets;
  };
  const statements: PolicyStatementJson[] = [
    {
      Sid: 'RemediationRolesTrustAndSimulation',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:SimulatePrincipalPolicy'],
      Resource: t.remediationHandlers.map((h) => `arn:${p}:iam::${a}:role/${remediationRoleNameOf(h)}`),
    },
    // Their own IAM tags: a session tag key there would be every untagged session's (decision 168; read by decision 177's check).
    { Sid: 'RemediationRolesTags', Effect: 'Allow', Action: ['iam:ListRoleTags'], Resource: t.remediationHandlers.map((h) => `arn:${p}:iam::${a}:role/${remediationRoleNameOf(h)}`) },
    { Sid: 'WatchedQueues', Effect: 'Allow', Action: ['sqs:GetQueueAttributes'], Resource: per((r) => at(r).watched.queues.map((q) => `arn:${p}:sqs:${r}:${a}:${q}`)) },
    { Sid: 'QueueUrls', Effect: 'Allow', Action: ['sqs:GetQueueUrl'], Resource: per((r) => [`arn:${p}:sqs:${r}:${a}:*`]) },
    // Its own dead-letter queue's depth: alarm events EventBridge could not forward (decision 265), never its messages;
    // and the SQS queues that name it as their dead-letter queue (ListDeadLetterSourceQueues: their URLs only, decision 291).
    { Sid: 'UndeliveredAlarmEvents', Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:ListDeadLetterSourceQueues'], Resource: per((r) => [`arn:${p}:sqs:${r}:${a}:${DEAD_LETTER_QUEUES.undeliveredAlarmEvents.queueName}`]) },
    // GetFunctionConfiguration, never GetFunction: that one also hands out a pre-signed URL to the code package.
    { Sid: 'WatchedFunctions', Effect: 'Allow', Action: ['lambda:GetFunctionConcurrency', 'lambda:GetFunctionConfiguration'], Resource: per((r) => at(r).watched.functions.map((f) => `arn:${p}:lambda:${r}:${a}:function:${f}`)) },
    // cloudwatch:GetMetricData: the age of the oldest message in the undelivered-alarm-events queue (decision 277). The
    // EC2 Describe* reads: the consumers' subnets, route tables, NAT and internet gateways, for the NAT zone check
    // (cli/preflight/network-checks.ts, review 23b R23b-3).
    {
      Sid: 'NoResourceLevelPermissions',
      Effect: 'Allow',
      Action: ['lambda:ListEventSourceMappings', 'cloudwatch:GetMetricData', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeNatGateways', 'ec2:DescribeInternetGateways'],
      Resource: ['*'],
    },
    { Sid: 'WatchedDatabases', Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: per((r) => at(r).watched.databases.map((d) => `arn:${p}:rds:${r}:${a}:db:${d}`)) },
    // GetRestApis is GET /restapis: the list only, never an API's stages or integrations.
    { Sid: 'RestApiList', Effect: 'Allow', Action: ['apigateway:GET'], Resource: per((r) => [`arn:${p}:apigateway:${r}::/restapis`]) },
    // GetApis (API Gateway v2) is GET /apis: the list only, and only where dependencies.apis has an HTTP API.
    ...(t.regions.some((r) => (at(r).watched.httpApis ?? []).length > 0)
      ? [{ Sid: 'HttpApiList', Effect: 'Allow', Action: ['apigateway:GET'], Resource: per((r) => ((at(r).watched.httpApis ?? []).length > 0 ? [`arn:${p}:apigateway:${r}::/apis`] : [])) }]
      : []),
    {
      Sid: 'WatchedCaches',
      Effect: 'Allow',
      Action: ['elasticache:DescribeReplicationGroups'],
      Resource: per((r) => at(r).caches.map((c) => `arn:${p}:elasticache:${r}:${a}:replicationgroup:${c}`)),
    },
    { Sid: 'WatchedAlarms', Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: per((r) => at(r).alarmNames.map((n) => `arn:${p}:cloudwatch:${r}:${a}:alarm:${n}`)) },
    // The metric filters Memory Pressure and Connection Timeout are detected through (review 11a finding 3): the filters
    // of those log groups, never their log events (DescribeMetricFilters names the group; the Service Authorization
    // Reference's log-group resource, with and without the ":*" CloudWatch Logs ARNs carry).
    {
      Sid: 'MetricFilters',
      Effect: 'Allow',
      Action: ['logs:DescribeMetricFilters'],
      Resource: per((r) => at(r).metricFilterLogGroups.flatMap((g) => [`arn:${p}:logs:${r}:${a}:log-group:${g}`, `arn:${p}:logs:${r}:${a}:log-group:${g}:*`])),
    },
    { Sid: 'AlarmForwardingRule', Effect: 'Allow', Action: ['events:DescribeRule', 'events:ListTargetsByRule'], Resource: per((r) => [forwardingRuleArn(p, a, r)]) },
    // The forwarding role of each region: its trust (GetRole) and its events:PutEvents on the operations bus (simulated).
    { Sid: 'AlarmForwardingRole', Effect: 'Allow', Action: ['iam:GetRole', 'iam:SimulatePrincipalPolicy'], Resource: per((r) => [`arn:${p}:iam::${a}:role/${forwardingRoleNameOf(r)}`]) },
    { Sid: 'RunbookDocuments', Effect: 'Allow', Action: ['ssm:GetDocument', 'ssm:ListDocumentVersions'], Resource: per((r) => t.documentNames.map((d) => `arn:${p}:ssm:${r}:${a}:document/${d}`)) },
  ].filter((s) => (s.Resource?.length ?? 0) > 0) as PolicyStatementJson[];
  const wildcards = [
    {
      resource: '*',
      reason:
        'lambda:ListEventSourceMappings, cloudwatch:GetMetricData and the EC2 Describe* reads (subnets, route tables, NAT and internet gateways): the Service Authorization Reference lists no resource type for any of them, so "*" is the only valid Resource (read-only; GetMetricData reads metric values, for the dead-letter queue\'s ApproximateAgeOfOldestMessage; the Describe* reads the consumers\' routes for the NAT zone check)',
    },
    ...per((r) =>
      at(r).metricFilterLogGroups.map((g) => ({
        resource: `arn:${p}:logs:${r}:${a}:log-group:${g}:*`,
        reason: `logs:DescribeMetricFilters only, on the named log group ${g}: CloudWatch Logs gives a log group's ARN with ":*", so the grant names both forms; its metric filters, never its log events`,
      })),
    ),
    ...per((r) => [
      {
        resource: `arn:${p}:sqs:${r}:${a}:*`,
        reason: "sqs:GetQueueUrl only: the watched queue's dead-letter queue is named in its RedrivePolicy by the service's stack, so preflight looks it up by that name; GetQueueUrl returns the URL and nothing else",
      },
    ]),
  ];
  return { statements, wildcards };
}
