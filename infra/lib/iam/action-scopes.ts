// Where each IAM action the code may declare is allowed to act: resource types from the Service Authorization Reference.

/**
 * The resources a statement can be scoped to. Each resolves to ARNs of the watched resources (named in the configuration,
 * owned by the service's stack) or of this app's own resources (infra/lib/iam/scoped-policy.ts).
 */
export type ResourceKind =
  | 'queue'
  | 'function'
  | 'function-log-group'
  | 'event-source-mapping'
  | 'db-instance'
  | 'db-parameter-group'
  /** A new instance restored from a watched one: <watched>-restore-* (runbooks/NotificationService-RestoreDatabase.yaml). */
  | 'db-restore-target'
  | 'db-subnet-group'
  /** The DR replica this region's FailoverToDR / FailbackToPrimary may promote (environments.<env>.disasterRecovery). */
  | 'dr-replica'
  /** The SSM parameter the consumers read their database endpoint from (disasterRecovery.endpointParameterName). */
  | 'endpoint-parameter'
  /** The hosted zone of the API's failover record (disasterRecovery.hostedZoneId; without it, no Route 53 grant at all). */
  | 'failover-hosted-zone'
  | 'alarm'
  | 'escalation-topic'
  | 'state-table'
  | 'event-bus'
  | 'kill-switch'
  /** An Automation runbook started by name and version (SAR: automation-definition/<name>:<VersionId>): its default only. */
  | 'automation-definition'
  /** The project's runbook documents by name (SAR: document/<name>, a resource StartAutomationExecution requires). */
  | 'runbook-document'
  | 'automation-execution'
  | 'schedule'
  | 'scheduler-role'
  | 'remediation-role'
  | 'runbook-function'
  | 'security-group'
  | 'prefix-list'
  /** The REST APIs of dependencies.apis: /restapis/<id> and its sub-paths (stages, resources, methods, integrations). */
  | 'rest-api'
  /** The HTTP APIs of dependencies.apis (type http): /apis/<id> and its sub-paths (stages, integrations, routes). */
  | 'http-api';

/** Conditions that narrow a statement where the resource ARN alone cannot (unknown ids, shared resource types). */
export type ConditionKind =
  /** lambda:FunctionArn: an event source mapping is reachable only through the watched functions. */
  | 'mapping-of-watched-function'
  /** iam:PassedToService: the scheduler role can be handed to EventBridge Scheduler only. */
  | 'passed-to-scheduler'
  /** aws:ResourceTag/Environment: only resources the service's stack tagged with this environment. */
  | 'environment-tag'
  /** route53:ChangeResourceRecordSets*: only UPSERTs of CNAMEs named disasterRecovery.failoverRecordName. */
  | 'failover-record'
  /**
   * ssm:DocumentVersion: a runbook is started at its default version only (no DocumentVersion, or $DEFAULT), never an
   * earlier version that lacks a later check (review 13 R13-15; AWS's Automation identity-based policy example 2).
   */
  | 'default-document-version'
  /**
   * dynamodb:LeadingKeys: only the items of the verify sweep's list (partition VERIFY-DUE, decision 293); given per
   * handler (verify-change's DeleteItem, review 18c R18-16), not per action: the escalation handlers' deletes are elsewhere.
   */
  | 'verify-due-partition'
  /**
   * dynamodb:LeadingKeys: only an incident's partition (INCIDENT#*, its claims) or a resource's (RESOURCE#*, its audit
   * entries and its STATE): where verify-change's PutItem writes its claim and its audit entry (review 19 R19-3).
   */
  | 'incident-or-resource-partition'
  /** dynamodb:LeadingKeys: only an incident's partition (INCIDENT#*): where verify-change's UpdateItem writes its claim. */
  | 'incident-partition';

export type ActionScope =
  | { resources: readonly ResourceKind[]; condition?: ConditionKind }
  /** The Service Authorization Reference lists no resource type for the action: "*" is the only valid Resource. */
  | { anyResource: string };

const NO_RESOURCE_TYPE = 'the Service Authorization Reference lists no resource type for this action, so "*" is the only valid Resource';
const anyResource = (why = NO_RESOURCE_TYPE): ActionScope => ({ anyResource: why });
const on = (...resources: ResourceKind[]): ActionScope => ({ resources });

/**
 * Every action a playbook, the pipeline or a service handler may declare. An action missing here fails synth with a
 * message naming it: add the resource types the Service Authorization Reference lists for it (or anyResource with why).
 */
export const ACTION_SCOPES: Readonly<Record<string, ActionScope>> = {
  // CloudWatch
  // Composite alarms are returned only to a DescribeAlarms permission scoped to "*" (CloudWatch DescribeAlarms API reference).
  'cloudwatch:DescribeAlarms': anyResource('composite alarms are returned only when cloudwatch:DescribeAlarms is scoped to "*" (CloudWatch API reference, DescribeAlarms)'),
  'cloudwatch:DescribeAlarmHistory': anyResource('composite alarm history is returned only when cloudwatch:DescribeAlarmHistory is scoped to "*" (CloudWatch permissions reference)'),
  'cloudwatch:DescribeAlarmsForMetric': anyResource(),
  'cloudwatch:GetMetricData': anyResource(),
  'cloudwatch:GetMetricStatistics': anyResource(),
  'cloudwatch:ListMetrics': anyResource(),
  'cloudwatch:SetAlarmState': on('alarm'),
  // CloudWatch Logs
  'logs:FilterLogEvents': on('function-log-group'),
  'logs:GetLogEvents': on('function-log-group'),
  'logs:DescribeLogStreams': on('function-log-group'),
  'logs:DescribeMetricFilters': on('function-log-group'),
  'logs:StartQuery': on('function-log-group'),
  'logs:GetQueryResults': anyResource(),
  'logs:StopQuery': anyResource(),
  'logs:DescribeLogGroups': anyResource(),
  // SQS
  'sqs:GetQueueUrl': on('queue'),
  'sqs:GetQueueAttributes': on('queue'),
  'sqs:ListQueueTags': on('queue'),
  'sqs:ListDeadLetterSourceQueues': on('queue'),
  'sqs:ListQueues': anyResource(),
  // Lambda
  'lambda:GetAccountSettings': anyResource(),
  'lambda:ListFunctions': anyResource(),
  'lambda:ListEventSourceMappings': anyResource(),
  'lambda:GetEventSourceMapping': on('event-source-mapping'),
  'lambda:UpdateEventSourceMapping': { resources: ['event-source-mapping'], condition: 'mapping-of-watched-function' },
  'lambda:GetFunction': on('function'),
  'lambda:GetFunctionConfiguration': on('function'),
  'lambda:UpdateFunctionConfiguration': on('function'),
  'lambda:GetFunctionConcurrency': on('function'),
  'lambda:PutFunctionConcurrency': on('function'),
  'lambda:DeleteFunctionConcurrency': on('function'),
  'lambda:GetAlias': on('function'),
  'lambda:ListAliases': on('function'),
  'lambda:ListVersionsByFunction': on('function'),
  'lambda:GetPolicy': on('function'),
  'lambda:ListTags': on('function'),
  'lambda:GetFunctionEventInvokeConfig': on('function'),
  'lambda:GetProvisionedConcurrencyConfig': on('function'),
  'lambda:InvokeFunction': on('runbook-function'),
  // RDS
  // The watched instances, and new ones restored from them (RestoreDatabase reads its new instance back).
  'rds:DescribeDBInstances': on('db-instance', 'db-restore-target', 'dr-replica'),
  // Failover and failback promote the configured replica only (Service Authorization Reference: db).
  'rds:PromoteReadReplica': on('dr-replica'),
  // The watched instances (ScaleUpDatabase's resize; FailbackToPrimary renames the old primary), and the failback replica,
  // which FailbackToPrimary renames to the watched name after promoting it (decision 199).
  'rds:ModifyDBInstance': on('db-instance', 'dr-replica'),
  // Source and target instance, and the subnet group it is restored into (Service Authorization Reference: db, subgrp).
  'rds:RestoreDBInstanceToPointInTime': on('db-instance', 'db-restore-target', 'db-subnet-group'),
  'rds:RebootDBInstance': on('db-instance'),
  'rds:DescribeDBLogFiles': on('db-instance'),
  'rds:ListTagsForResource': on('db-instance'),
  'rds:DescribeDBParameters': on('db-parameter-group'),
  'rds:DescribeDBParameterGroups': on('db-parameter-group'),
  'rds:DescribeOrderableDBInstanceOptions': anyResource(),
  'rds:DescribeDBEngineVersions': anyResource(),
  'rds:DescribeEvents': anyResource(),
  'rds:DescribePendingMaintenanceActions': anyResource(),
  // EC2: Describe* actions support no resource-level permissions.
  // High Latency reads the cache's node clusters' status; the Reference lists the cluster resource type, but the scope
  // table has no ElastiCache kind yet (ids come from dependencies.caches): read-only, "*" until it has one.
  'elasticache:DescribeCacheClusters': anyResource('read-only describe of the configured cache\'s node clusters; no ElastiCache resource kind in the scope table yet'),
  'ec2:DescribeSecurityGroups': anyResource(),
  'ec2:DescribeSecurityGroupRules': anyResource(),
  'ec2:DescribeVpcEndpoints': anyResource(),
  'ec2:DescribeManagedPrefixLists': anyResource(),
  'ec2:DescribeNetworkInterfaces': anyResource(),
  'ec2:DescribeSubnets': anyResource(),
  'ec2:DescribeVpcs': anyResource(),
  'ec2:DescribeRouteTables': anyResource(),
  'ec2:DescribeNetworkAcls': anyResource(),
  'ec2:DescribePrefixLists': anyResource(),
  'ec2:GetManagedPrefixListEntries': on('prefix-list'),
  'ec2:DescribeNatGateways': anyResource(),
  'ec2:DescribeInternetGateways': anyResource(),
  // Connection Timeout and High Latency read the cache's status only; the replication group is named in dependencies.caches, which
  // infra does not turn into ARNs (the service's stack owns the cache).
  'elasticache:DescribeReplicationGroups': anyResource('read-only status of the caches named in dependencies.caches, whose ARNs the app does not know at synth'),
  // Connection Timeout reads the API in front of the consumer (GetRestApi(s), GetStage(s), GetResources, GetIntegration):
  // all apigateway:GET on the API's resource paths, never a write verb.
  'apigateway:GET': on('rest-api', 'http-api'),
  // Only the SSM documents change rules, behind approval; the tag condition keeps them to the service's groups.
  'ec2:AuthorizeSecurityGroupIngress': { resources: ['security-group'], condition: 'environment-tag' },
  'ec2:AuthorizeSecurityGroupEgress': { resources: ['security-group'], condition: 'environment-tag' },
  'ec2:RevokeSecurityGroupIngress': { resources: ['security-group'], condition: 'environment-tag' },
  'ec2:RevokeSecurityGroupEgress': { resources: ['security-group'], condition: 'environment-tag' },
  // The automation's own resources
  'dynamodb:GetItem': on('state-table'),
  'dynamodb:PutItem': on('state-table'),
  'dynamodb:UpdateItem': on('state-table'),
  'dynamodb:DeleteItem': on('state-table'),
  'dynamodb:Query': on('state-table'),
  'dynamodb:ConditionCheckItem': on('state-table'),
  'dynamodb:BatchGetItem': on('state-table'),
  'dynamodb:BatchWriteItem': on('state-table'),
  'events:PutEvents': on('event-bus'),
  'ssm:GetParameter': on('kill-switch'),
  // Only the runbooks write a parameter: the consumers' database endpoint, at failover / failback. Nothing writes the
  // kill switch (people do, by hand).
  'ssm:PutParameter': on('endpoint-parameter'),
  'ssm:GetParameters': on('endpoint-parameter'),
  // Route 53 is global: hosted zones have no region or account in their ARN.
  'route53:ListResourceRecordSets': on('failover-hosted-zone'),
  'route53:ChangeResourceRecordSets': { resources: ['failover-hosted-zone'], condition: 'failover-record' },
  // Starting a runbook: the SAR requires document/<name> and automation-execution/<id> (AWS's Automation policy example 1
  // grants exactly those); automation-definition/<name>:<VersionId> is optional there and granted at :$DEFAULT only. The
  // version a request names is held to the default by ssm:DocumentVersion (example 2 restricts a version that way).
  'ssm:StartAutomationExecution': { resources: ['automation-definition', 'runbook-document', 'automation-execution'], condition: 'default-document-version' },
  'ssm:GetAutomationExecution': on('automation-execution'),
  'ssm:DescribeAutomationExecutions': anyResource(),
  'sns:Publish': on('escalation-topic'),
  'sns:GetTopicAttributes': on('escalation-topic'),
  'sns:ListSubscriptionsByTopic': on('escalation-topic'),
  // EventBridge Scheduler: escalation timers and health checks, each handler in its own schedule group only (the
  // group is part of the schedule's ARN); the scheduler role it may pass is that group's.
  'scheduler:CreateSchedule': on('schedule'),
  'scheduler:UpdateSchedule': on('schedule'),
  'scheduler:DeleteSchedule': on('schedule'),
  'scheduler:GetSchedule': on('schedule'),
  'iam:PassRole': { resources: ['scheduler-role'], condition: 'passed-to-scheduler' },
  // AWS Support supports no resource-level permissions (Service Authorization Reference, AWS Support).
  'support:CreateCase': anyResource(),
  'support:DescribeCases': anyResource(),
  'support:AddCommunicationToCase': anyResource(),
  'support:ResolveCase': anyResource(),
  'support:DescribeSeverityLevels': anyResource(),
  'support:DescribeServices': anyResource(),
  // STS
  'sts:AssumeRole': on('remediation-role'),
  // The session carries the incident: tags (incident, playbook) and the handler as source identity (attribution).
  'sts:TagSession': on('remediation-role'),
  'sts:SetSourceIdentity': on('remediation-role'),
  'sts:GetCallerIdentity': anyResource(),
};

export class UnscopedActionError extends Error {
  override readonly name = 'UnscopedActionError';
}

/** A wildcard action ("*" or "service:*") is never granted, whatever declares it. */
export function isWildcardAction(action: string): boolean {
  return action.includes('*') || action.includes('?');
}

/** The scope of one declared action; fails with a message naming it and who declared it when none is known. */
export function scopeOf(action: string, declaredBy: string): ActionScope {
  if (isWildcardAction(action)) {
    throw new UnscopedActionError(`${declaredBy} declares the wildcard action "${action}": declare each API it calls instead`);
  }
  const scope = ACTION_SCOPES[action];
  if (!scope) {
    throw new UnscopedActionError(
      `${declaredBy} declares ${action}, for which no IAM scope is known: add it to infra/lib/iam/action-scopes.ts with the ` +
        'resource types the Service Authorization Reference lists for it (or anyResource, saying why)',
    );
  }
  return scope;
}

/**
 * An action's scope for one handler: scopeOf's, with the handler's own narrower condition where its declaration gives one
 * (ServiceHandlerDeclaration.narrowed: the same resources, that condition). Infra grants it, preflight simulates it.
 */
export function scopeFor(action: string, declaredBy: string, narrowing: ConditionKind | undefined): ActionScope {
  const declared = scopeOf(action, declaredBy);
  return narrowing && !('anyResource' in declared) ? { resources: declared.resources, condition: narrowing } : declared;
}
