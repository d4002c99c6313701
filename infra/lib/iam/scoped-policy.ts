// Turns declared IAM actions into least-privilege policy statements scoped to the resources they act on.
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { functionLogGroupName, type WatchedResources } from '../../../shared/config/alarm-specs';
import type { EnvironmentName } from '../../../shared/config/schema';
import type { DisasterRecoveryScope } from '../../../shared/config/dr-scope';
import { scopeFor, type ConditionKind, type ResourceKind } from './action-scopes';

/** Everything a statement can be scoped to, in the account and regions the actions act in. */
export interface ScopeTargets {
  partition: string;
  /** The account that owns the watched resources (a token when the stack is account-agnostic). */
  account: string;
  /** Every region the actions act in (a remediation role serves all of an environment's regions). */
  regions: readonly string[];
  environment: EnvironmentName;
  watched: WatchedResources;
  alarmNames: readonly string[];
  stateTableArn?: string;
  eventBusArn?: string;
  killSwitchParameterArn?: string;
  escalationTopicArns?: readonly string[];
  /** The KMS key the escalation topics are encrypted with: publishers need it too (SNS SSE). */
  escalationKeyArn?: string;
  automationDocumentNames?: readonly string[];
  runbookFunctionArns?: readonly string[];
  /** The schedule group this handler's timers go in (escalation timers, or health checks): never both. */
  scheduleGroupName?: string;
  /** The role this handler may pass to Scheduler: its schedule group's. */
  schedulerRoleArn?: string;
  remediationRoleArns?: readonly string[];
  /** What this region's failover / failback documents act on (shared/config/dr-scope.ts); none: they are granted nothing. */
  disasterRecovery?: DisasterRecoveryScope;
  /**
   * A role that serves several regions holding different resources (a cross-account remediation role: IAM is global,
   * one role per handler, assumed from each region it runs in): what each region holds. Set, every regional resource is
   * named in a region from that region's entry alone (`watched`, `alarmNames` and `disasterRecovery` above are then
   * used only for what has no region: a Route 53 zone); a region of `regions` without an entry is an error. Unset, the
   * same names in every region of `regions` (a role of one region: the single-account stacks, an automation role).
   */
  regionScopes?: Readonly<Record<string, RegionScope>>;
}

/** What one region holds, for a role that serves several (ScopeTargets.regionScopes). */
export interface RegionScope {
  watched: WatchedResources;
  alarmNames: readonly string[];
  disasterRecovery?: DisasterRecoveryScope;
}

/** What `region` holds: its own entry where the targets give one per region, else the targets' names. */
function inRegion(t: ScopeTargets, region: string): RegionScope {
  if (!t.regionScopes) return { watched: t.watched, alarmNames: t.alarmNames, ...(t.disasterRecovery ? { disasterRecovery: t.disasterRecovery } : {}) };
  const scope = t.regionScopes[region];
  if (!scope) throw new Error(`the targets name what each region holds (regionScopes) but not for ${region}: nothing may be granted there by default`);
  return scope;
}

/** What StartAutomationExecution's DocumentVersion names for "the default version" (SSM API reference). */
export const DEFAULT_DOCUMENT_VERSION = '$DEFAULT';

export interface WildcardResource {
  resource: string;
  reason: string;
}

export interface ScopedGrant {
  statements: PolicyStatement[];
  /** Resources with a wildcard, each with why it cannot be narrower (for the cdk-nag acknowledgement). */
  wildcards: WildcardResource[];
  /** Declared actions with nothing to act on here (e.g. no queue watched in this environment): not granted. */
  ungranted: string[];
}

interface Resolved {
  arn: string;
  wildcardReason?: string;
}

function required<T>(value: T | undefined, kind: ResourceKind, declaredBy: string): T {
  if (value === undefined) throw new Error(`${declaredBy} needs ${kind}, which this stack does not provide`);
  return value;
}

function resolveKind(kind: ResourceKind, t: ScopeTargets, declaredBy: string): Resolved[] {
  const p = t.partition;
  const a = t.account;
  // Each region's ARNs name what that region holds (inRegion), never another region's names.
  const perRegion = (build: (region: string, held: RegionScope) => Resolved[]): Resolved[] => t.regions.flatMap((r) => build(r, inRegion(t, r)));
  switch (kind) {
    case 'queue':
      return perRegion((r, held) => held.watched.queues.map((q) => ({ arn: `arn:${p}:sqs:${r}:${a}:${q}` })));
    case 'function':
      return perRegion((r, held) =>
        held.watched.functions.flatMap((f) => [
          { arn: `arn:${p}:lambda:${r}:${a}:function:${f}` },
          { arn: `arn:${p}:lambda:${r}:${a}:function:${f}:*`, wildcardReason: `the versions and aliases (qualified ARNs) of the watched function ${f}` },
        ]),
      );
    case 'function-log-group':
      return perRegion((r, held) =>
        // The group the function writes to (resources.functionLogGroups, else /aws/lambda/<name>): its own only.
        held.watched.functions.flatMap((f) => {
          const group = functionLogGroupName(held.watched, f);
          return [
            { arn: `arn:${p}:logs:${r}:${a}:log-group:${group}` },
            { arn: `arn:${p}:logs:${r}:${a}:log-group:${group}:*`, wildcardReason: `the log streams of the watched function ${f}'s log group` },
          ];
        }),
      );
    case 'event-source-mapping':
      return perRegion((r) => [
        {
          arn: `arn:${p}:lambda:${r}:${a}:event-source-mapping:*`,
          wildcardReason:
            'event source mapping UUIDs are assigned by Lambda in the service\'s own stack; where the action supports it, the lambda:FunctionArn condition binds them to the watched functions',
        },
      ]);
    case 'db-instance':
      return perRegion((r, held) => held.watched.databases.map((d) => ({ arn: `arn:${p}:rds:${r}:${a}:db:${d}` })));
    case 'db-restore-target':
      return perRegion((r, held) =>
        held.watched.databases.map((d) => ({ arn: `arn:${p}:rds:${r}:${a}:db:${d}-restore-*`, wildcardReason: `new instances restored from ${d}, named <source>-restore-<suffix> by the RestoreDatabase document` })),
      );
    case 'db-subnet-group':
      return perRegion((r) => [
        { arn: `arn:${p}:rds:${r}:${a}:subgrp:*`, wildcardReason: 'the watched instance\'s subnet group is named by the service\'s stack; a restore goes into the source\'s group' },
      ]);
    case 'db-parameter-group':
      return perRegion((r) => [
        { arn: `arn:${p}:rds:${r}:${a}:pg:*`, wildcardReason: 'the watched instance\'s parameter group is named by the service\'s stack; read-only actions' },
      ]);
    case 'alarm':
      return perRegion((r, held) => held.alarmNames.map((n) => ({ arn: `arn:${p}:cloudwatch:${r}:${a}:alarm:${n}` })));
    case 'escalation-topic':
      return required(t.escalationTopicArns, kind, declaredBy).map((arn) => ({ arn }));
    case 'state-table':
      return [{ arn: required(t.stateTableArn, kind, declaredBy) }];
    case 'event-bus':
      return [{ arn: required(t.eventBusArn, kind, declaredBy) }];
    case 'kill-switch':
      return [{ arn: required(t.killSwitchParameterArn, kind, declaredBy) }];
    case 'automation-definition':
      // The default version only: an earlier version of a document may lack a later check (review 13 R13-15).
      return perRegion((r) => (t.automationDocumentNames ?? []).map((name) => ({ arn: `arn:${p}:ssm:${r}:${a}:automation-definition/${name}:$DEFAULT` })));
    case 'runbook-document':
      return perRegion((r) => (t.automationDocumentNames ?? []).map((name) => ({ arn: `arn:${p}:ssm:${r}:${a}:document/${name}` })));
    case 'automation-execution':
      return perRegion((r) => [{ arn: `arn:${p}:ssm:${r}:${a}:automation-execution/*`, wildcardReason: 'automation execution ids are assigned when a runbook starts' }]);
    case 'schedule': {
      const group = required(t.scheduleGroupName, kind, declaredBy);
      return perRegion((r) => [
        {
          arn: `arn:${p}:scheduler:${r}:${a}:schedule/${group}/*`,
          wildcardReason: `timers are named per incident at run time, inside this handler's own schedule group ${group}`,
        },
      ]);
    }
    case 'scheduler-role':
      return [{ arn: required(t.schedulerRoleArn, kind, declaredBy) }];
    case 'remediation-role':
      return required(t.remediationRoleArns, kind, declaredBy).map((arn) => ({ arn }));
    case 'runbook-function':
      return required(t.runbookFunctionArns, kind, declaredBy).map((arn) => ({ arn }));
    case 'security-group':
      return perRegion((r) => [
        {
          arn: `arn:${p}:ec2:${r}:${a}:security-group/*`,
          wildcardReason: `security group ids are the service stack's; the aws:ResourceTag/Environment=${t.environment} condition limits the groups`,
        },
      ]);
    case 'dr-replica':
      return perRegion((r, held) => (held.disasterRecovery?.promotableReplicas ?? []).map((d) => ({ arn: `arn:${p}:rds:${r}:${a}:db:${d}` })));
    case 'endpoint-parameter':
      return perRegion((r, held) =>
        held.disasterRecovery ? [{ arn: `arn:${p}:ssm:${r}:${a}:parameter/${held.disasterRecovery.endpointParameterName.replace(/^\//, '')}` }] : [],
      );
    case 'failover-hosted-zone': {
      const dr = t.disasterRecovery;
      // Both the record and its zone, or no Route 53 grant at all: never any zone of the account (issue 17). The documents'
      // construct warns at synth naming the missing field.
      if (!dr?.failoverRecordName || !dr.hostedZoneId) return [];
      return [{ arn: `arn:${p}:route53:::hostedzone/${dr.hostedZoneId}` }];
    }
    case 'rest-api':
      // API Gateway ARNs have no account: arn:<partition>:apigateway:<region>::/restapis/<id>[/...].
      return perRegion((r, held) =>
        (held.watched.restApis ?? []).flatMap((api) =>
          api.id
            ? [
                { arn: `arn:${p}:apigateway:${r}::/restapis/${api.id}` },
                { arn: `arn:${p}:apigateway:${r}::/restapis/${api.id}/*`, wildcardReason: `the stages, resources, methods and integrations of the API ${api.name} (${api.id}), read only` },
              ]
            : [
                { arn: `arn:${p}:apigateway:${r}::/restapis` },
                {
                  arn: `arn:${p}:apigateway:${r}::/restapis/*`,
                  wildcardReason: `dependencies.apis has no id for ${api.name}: it is found by name (GetRestApis), so any REST API of the account is readable; set the id to scope the grant to that API`,
                },
              ],
        ),
      );
    case 'http-api':
      // API Gateway v2 shares the apigateway service and its verbs: arn:<partition>:apigateway:<region>::/apis/<id>[/...].
      return perRegion((r, held) =>
        (held.watched.httpApis ?? []).flatMap((api) =>
          api.id
            ? [
                { arn: `arn:${p}:apigateway:${r}::/apis/${api.id}` },
                { arn: `arn:${p}:apigateway:${r}::/apis/${api.id}/*`, wildcardReason: `the stages, integrations and routes of the HTTP API ${api.name} (${api.id}), read only` },
              ]
            : [
                { arn: `arn:${p}:apigateway:${r}::/apis` },
                {
                  arn: `arn:${p}:apigateway:${r}::/apis/*`,
                  wildcardReason: `dependencies.apis has no id for the HTTP API ${api.name}: it is found by name (GetApis), so any HTTP API of the account is readable; set the id to scope the grant to that API`,
                },
              ],
        ),
      );
    case 'prefix-list':
      return perRegion((r) => [
        { arn: `arn:${p}:ec2:${r}:*:prefix-list/*`, wildcardReason: 'AWS-managed prefix lists are owned by AWS, not by the account; read only' },
      ]);
  }
}

function conditionFor(kind: ConditionKind, t: ScopeTargets): Record<string, Record<string, unknown>> {
  switch (kind) {
    case 'mapping-of-watched-function':
      return {
        ArnLike: {
          'lambda:FunctionArn': t.regions.flatMap((r) =>
            inRegion(t, r).watched.functions.flatMap((f) => [`arn:${t.partition}:lambda:${r}:${t.account}:function:${f}`, `arn:${t.partition}:lambda:${r}:${t.account}:function:${f}:*`]),
          ),
        },
      };
    case 'passed-to-scheduler':
      return { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } };
    case 'environment-tag':
      return { StringEquals: { 'aws:ResourceTag/Environment': t.environment } };
    case 'failover-record':
      // Route 53's normalized names are lowercase, without the final dot (Route 53 developer guide, "Using IAM policy
      // conditions for fine-grained access control").
      return {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': [(t.disasterRecovery?.failoverRecordName ?? '').replace(/\.$/, '').toLowerCase()],
          'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
        },
      };
    case 'default-document-version':
      // ForAllValues: a request that names no version (the key absent: the default runs) or names $DEFAULT; "1", "$LATEST"
      // or any number is refused. Whether SSM sets the key when no version is named is not documented (decision 221).
      return { 'ForAllValues:StringEquals': { 'ssm:DocumentVersion': [DEFAULT_DOCUMENT_VERSION] } };
    case 'verify-due-partition':
      // LeadingKeys is multivalued: ForAllValues, and Null false so a request without the key is not let through
      // vacuously (as document-table-writes.ts). VERIFY-DUE is the partition key (pk) of every entry of the list.
      // The literal is shared/state/incident-store.ts VERIFY_DUE_PK (infra does not import the store; the infra test
      // compares the two).
      return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['VERIFY-DUE'] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
    // The same, on partition prefixes: StringLike (IAM string operators take * and ? wildcards). The prefixes are
    // shared/state/state-records.ts claimKeyOf's and auditKeyOf's (the infra test derives its keys from those).
    case 'incident-or-resource-partition':
      return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENT#*', 'RESOURCE#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
    case 'incident-partition':
      return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENT#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
  }
}

/** IAM statement ids are alphanumeric: "event-source-mapping mapping-of-watched-function" -> "EventSourceMappingMappingOfWatchedFunction". */
const pascal = (text: string): string =>
  text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * One statement per group of actions that share resources and condition, each scoped to those resources.
 * Actions whose resources this environment does not have (no watched queue, say) are left out and reported.
 */
export function scopedStatements(actions: readonly string[], targets: ScopeTargets, declaredBy: string, narrowed: Readonly<Record<string, ConditionKind>> = {}): ScopedGrant {
  const groups = new Map<string, { actions: string[]; kinds: ResourceKind[]; condition?: ConditionKind; anyReasons?: string[] }>();
  for (const action of [...new Set(actions)].sort()) {
    const scope = scopeFor(action, declaredBy, narrowed[action]);
    const key = 'anyResource' in scope ? '*' : `${[...scope.resources].sort().join('+')}|${scope.condition ?? ''}`;
    const group = groups.get(key) ?? {
      actions: [],
      kinds: 'anyResource' in scope ? [] : [...scope.resources],
      ...('anyResource' in scope ? { anyReasons: [] } : scope.condition ? { condition: scope.condition } : {}),
    };
    group.actions.push(action);
    if ('anyResource' in scope) group.anyReasons?.push(`${action}: ${scope.anyResource}`);
    groups.set(key, group);
  }

  const statements: PolicyStatement[] = [];
  const wildcards: WildcardResource[] = [];
  const ungranted: string[] = [];
  for (const [key, group] of groups) {
    if (key === '*') {
      // "*" names no region: a role that serves named regions (regionScopes) is held to them by the region the request
      // is sent to, so an action without a resource type does not reach a region the role does not serve.
      const heldToRegions = targets.regionScopes ? { conditions: { StringEquals: { 'aws:RequestedRegion': [...targets.regions] } } } : {};
      statements.push(new PolicyStatement({ sid: 'NoResourceLevelPermissions', actions: group.actions, resources: ['*'], ...heldToRegions }));
      wildcards.push({ resource: '*', reason: (group.anyReasons ?? []).join('; ') });
      continue;
    }
    const resolved = group.kinds.flatMap((kind) => resolveKind(kind, targets, declaredBy));
    if (resolved.length === 0) {
      ungranted.push(...group.actions);
      continue;
    }
    statements.push(
      new PolicyStatement({
        sid: pascal(`${group.kinds.join(' ')} ${group.condition ?? ''}`),
        actions: group.actions,
        resources: resolved.map((r) => r.arn),
        ...(group.condition ? { conditions: conditionFor(group.condition, targets) } : {}),
      }),
    );
    for (const r of resolved) if (r.wildcardReason) wildcards.push({ resource: r.arn, reason: r.wildcardReason });
  }

  // Publishing to a KMS-encrypted topic needs the key too (SNS server-side encryption: kms:GenerateDataKey and kms:Decrypt).
  if (targets.escalationKeyArn && actions.includes('sns:Publish') && targets.escalationTopicArns?.length) {
    statements.push(
      new PolicyStatement({ sid: 'EscalationTopicKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [targets.escalationKeyArn] }),
    );
  }
  return { statements, wildcards, ungranted };
}
