// Every name and setting of the sandbox's copy of the Notification Service (seed topology), derived from the configuration: pure data.
import {
  rowAlarmSpecs,
  rowsWatchedIn,
  api504MetricFilter,
  apiAccessLogFormat,
  OUT_OF_MEMORY_FILTER_PATTERN,
  outOfMemoryMetric,
  functionLogGroupName,
  watchedResources,
  pascalCase,
  type AlarmContext,
  type AlarmSpec,
} from '../shared/config/alarm-specs';
import type { AutomationConfig, EnvironmentName } from '../shared/config/schema';
import { ESCALATION_SCHEDULE_GROUP } from '../shared/escalation/deployment';
import { VERIFY_SCHEDULE_GROUP } from '../shared/pipeline/verify-change-plan';
import { DECISION_SOURCE } from '../shared/report/decision-reporter';
import { APPROVAL_TOPIC_NAME } from '../shared/config/names';

// The alarm data is shared with infra (shared/config/alarm-specs.ts): the sandbox watches what production deploys.
export type { AlarmMetricSpec, AlarmSpec, ComparisonOperator, MetricSpec, Statistic, TreatMissingData } from '../shared/config/alarm-specs';

export type SecurityGroupKey = 'lambda' | 'database' | 'cache' | 'vpcEndpoint';

export interface SecurityGroupRuleSpec {
  protocol: 'tcp';
  port: number;
  peer: { securityGroup: SecurityGroupKey } | { cidr: string };
  description: string;
}

export interface SecurityGroupSpec {
  key: SecurityGroupKey;
  name: string;
  description: string;
  ingress: SecurityGroupRuleSpec[];
  /** Undefined keeps AWS's default allow-all egress; a list replaces it. */
  egress?: SecurityGroupRuleSpec[];
}

export interface SubnetSpec {
  name: string;
  cidr: string;
  tier: 'private' | 'public';
  /** Appended to the region: "a" -> us-east-1a. */
  availabilityZoneSuffix: string;
}

export interface VpcEndpointSpec {
  /** The last part of the service name: com.amazonaws.<region>.<service>. */
  service: string;
  type: 'Interface' | 'Gateway';
}

export interface RouteSpec {
  ruleName: string;
  queueName: string;
  eventPattern: Record<string, unknown>;
}

/** Everything the sandbox creates, by name; provisioning fills in ids and ARNs (see Topology). */
export interface SandboxTopologySpec {
  environment: EnvironmentName;
  service: string;
  network: {
    vpcName: string;
    vpcCidr: string;
    subnets: SubnetSpec[];
    securityGroups: SecurityGroupSpec[];
    vpcEndpoints: VpcEndpointSpec[];
    /** Seed "NAT Gateway: Highly available": one per public subnet, each private subnet routed through its zone's. */
    natGatewayPerZone: boolean;
  };
  database: {
    identifier: string;
    engine: 'postgres';
    engineVersion: string;
    parameterGroupFamily: string;
    instanceClass: string;
    parameterGroupName: string;
    subnetGroupName: string;
    allocatedStorageGb: number;
    multiAz: boolean;
    backupRetentionDays: number;
    masterUsername: string;
    port: number;
  };
  cache: {
    replicationGroupId: string;
    subnetGroupName: string;
    engine: 'redis';
    engineVersion: string;
    nodeType: string;
    numCacheClusters: number;
    automaticFailover: boolean;
    port: number;
  };
  queue: { name: string; visibilityTimeoutSeconds: number };
  deadLetterQueue: { name: string; maxReceiveCount: number };
  consumer: {
    functionName: string;
    roleName: string;
    // PHP has no managed Lambda runtime: it runs on the OS-only one.
    runtime: 'provided.al2023';
    handler: string;
    memoryMb: number;
    timeoutSeconds: number;
    reservedConcurrency: number;
    logGroupName: string;
    mapping: { batchSize: number; maximumConcurrency: number };
  };
  apiName: string;
  /** The REST API in front of the consumer: one resource, a Lambda proxy integration, a stage with a JSON access log. */
  api: {
    name: string;
    stageName: string;
    pathPart: string;
    /** API Gateway's default (and, for most APIs, maximum) integration timeout. */
    integrationTimeoutMs: number;
    accessLogFormat: string;
    metricFilter: ReturnType<typeof api504MetricFilter>;
  };
  oomMetricFilter: { name: string; logGroupName: string; pattern: string; namespace: string; metricName: string };
  alarms: AlarmSpec[];
  escalationTopics: Array<{ level: number; name: string; topicName: string }>;
  /** Where the runbook documents' aws:approve steps send their requests (infra's approval topic, shared/config/names.ts). */
  approvalTopicName: string;
  stateTable: { name: string; partitionKey: string; sortKey: string; ttlAttribute: string };
  eventBusName: string;
  killSwitch: { name: string; value: string };
  /** Rules on the default bus, one per handler, delivering its alarms' state changes to a queue. */
  alarmRoutes: Array<RouteSpec & { handler: string; alarmNames: string[] }>;
  /** The rule on the project's bus that collects runbook decisions. */
  decisionRoute: RouteSpec & { busName: string; source: string };
  /** The rule on the default bus delivering every alarm's OK state change, which resolves its escalation incidents. */
  alarmClearedRoute: RouteSpec;
  /** The EventBridge Scheduler group holding the escalation timers. */
  escalationScheduleGroup: string;
  /** The group holding the health checks after a change (verify-change). */
  verifyScheduleGroup: string;
}

export interface ProvisionedQueue {
  name: string;
  url: string;
  arn: string;
}

export interface ProvisionedRoute extends ProvisionedQueue {
  ruleName: string;
  ruleArn: string;
}

/** The sandbox as provisioned: every name with the ids, ARNs and URLs moto gave it. */
export interface Topology {
  spec: SandboxTopologySpec;
  environment: EnvironmentName;
  accountId: string;
  region: string;
  vpc: {
    id: string;
    cidr: string;
    internetGatewayId: string;
    subnets: Array<SubnetSpec & { id: string; availabilityZone: string }>;
    privateSubnetIds: string[];
    publicSubnetIds: string[];
    natGatewayIds: string[];
    privateRouteTableIds: string[];
    securityGroupIds: Record<SecurityGroupKey, string>;
    /** service (sqs, ssm, dynamodb...) -> endpoint id */
    vpcEndpointIds: Record<string, string>;
  };
  database: { identifier: string; arn: string; instanceClass: string; parameterGroupName: string; subnetGroupName: string };
  /** The ElastiCache Redis replication group (seed "ElastiCache": cache.r6g.large, 2 nodes, automatic failover). */
  cache: {
    provisioned: true;
    replicationGroupId: string;
    arn: string;
    subnetGroupName: string;
    securityGroupId: string;
    /** The node clusters, primary first, with the node id CloudWatch's CacheNodeId dimension carries. */
    members: Array<{ cacheClusterId: string; cacheNodeId: string; role: 'primary' | 'replica' }>;
  };
  queue: ProvisionedQueue;
  deadLetterQueue: ProvisionedQueue;
  consumer: {
    functionName: string;
    functionArn: string;
    roleArn: string;
    logGroupName: string;
    memoryMb: number;
    timeoutSeconds: number;
    reservedConcurrency: number;
    mappingUuid: string;
    maximumConcurrency: number;
    batchSize: number;
  };
  /** The REST API and its stage (access log group and the 504 metric filter on it). */
  api: { id: string; name: string; stageName: string; accessLogGroupName: string; accessLogGroupArn: string };
  oomMetricFilter: SandboxTopologySpec['oomMetricFilter'];
  alarms: Array<AlarmSpec & { arn: string }>;
  /** handler -> names of the alarms whose state changes its rule delivers */
  alarmNamesByHandler: Record<string, string[]>;
  escalationTopics: Array<{ level: number; name: string; topicName: string; arn: string }>;
  approvalTopic: { name: string; arn: string };
  stateTable: { name: string; arn: string };
  eventBus: { name: string; arn: string };
  killSwitch: { name: string; value: string };
  /** handler -> the default-bus rule and the queue it delivers to */
  alarmRoutes: Record<string, ProvisionedRoute>;
  decisionRoute: ProvisionedRoute & { busName: string; source: string };
  alarmClearedRoute: ProvisionedRoute;
  escalationScheduleGroup: { name: string; arn: string };
  verifyScheduleGroup: { name: string; arn: string };
}

const ALARM_STATE_CHANGE_PATTERN = { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] } as const;

function firstResource(list: readonly string[], what: string, environment: EnvironmentName): string {
  const [first] = list;
  if (first === undefined) throw new Error(`environments.${environment}.resources.${what} is empty: the sandbox needs one to provision`);
  return first;
}

/** Seed "Networking" table: two private and two public /24s in two zones. */
const SUBNETS: ReadonlyArray<Omit<SubnetSpec, 'name'> & { suffix: string }> = [
  { cidr: '10.0.1.0/24', tier: 'private', availabilityZoneSuffix: 'a', suffix: 'private-a' },
  { cidr: '10.0.2.0/24', tier: 'private', availabilityZoneSuffix: 'b', suffix: 'private-b' },
  { cidr: '10.0.3.0/24', tier: 'public', availabilityZoneSuffix: 'a', suffix: 'public-a' },
  { cidr: '10.0.4.0/24', tier: 'public', availabilityZoneSuffix: 'b', suffix: 'public-b' },
];

/** PostgreSQL's and Redis's default ports; 443 for interface endpoints (PrivateLink is HTTPS). */
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
const HTTPS_PORT = 443;

/**
 * The default-bus rules of one region's alarms, as infra deploys them: one per handler delivering its alarms' state
 * changes, and one delivering their OK state changes to the escalation (the primary's, and the DR region's standby).
 */
export function alarmRouteSpecs(config: AutomationConfig, alarms: ReadonlyArray<Pick<AlarmSpec, 'name' | 'handler'>>): Pick<SandboxTopologySpec, 'alarmRoutes' | 'alarmClearedRoute'> {
  const handlers = [...new Set(alarms.map((alarm) => alarm.handler))];
  return {
    alarmRoutes: handlers.map((handler) => {
      const alarmNames = alarms.filter((alarm) => alarm.handler === handler).map((alarm) => alarm.name);
      return {
        handler,
        ruleName: `${config.eventBusName}-${handler}`,
        queueName: `runbook-events-${handler}`,
        alarmNames,
        eventPattern: { ...ALARM_STATE_CHANGE_PATTERN, detail: { alarmName: alarmNames } },
      };
    }),
    alarmClearedRoute: {
      ruleName: `${config.eventBusName}-alarm-cleared`,
      queueName: 'runbook-events-alarm-cleared',
      eventPattern: { ...ALARM_STATE_CHANGE_PATTERN, detail: { alarmName: alarms.map((alarm) => alarm.name), state: { value: ['OK'] } } },
    },
  };
}

/** The sandbox's copy of the seed topology for one environment of the configuration. */
export function sandboxTopology(config: AutomationConfig, environment: EnvironmentName): SandboxTopologySpec {
  const env = config.environments[environment];
  const service = config.service;
  const queue = firstResource(env.resources.queues, 'queues', environment);
  const functionName = firstResource(env.resources.functions, 'functions', environment);
  const database = firstResource(env.resources.databases, 'databases', environment);
  const apiName = `${service}-api`;
  // Every function the environment lists: with several, each OOM alarm and filter has its function's own metric (decision 359).
  const ctx: AlarmContext = { queue, functionName, database, apiName, functions: env.resources.functions };
  const prefix = pascalCase(service);
  // Where the consumer logs: resources.functionLogGroups names it when its LoggingConfig.LogGroup is its own (provision.ts
  // creates the function so), else /aws/lambda/<name>; infra's filter and grants are on the same group (metricFilterSpecs).
  const logGroupName = functionLogGroupName(watchedResources(config, environment), functionName);

  // The primary region's rows (watchIn): the DR region's standby watch is provisioned by sandbox/provision-dr.ts.
  const rows = rowsWatchedIn(config, 'primary');
  // Each row's alarm, and its restore signal where it has one (Queue Backup's low-water alarm, decision 185).
  const alarms = rows.flatMap((row) => rowAlarmSpecs(row, ctx, prefix));

  return {
    environment,
    service,
    network: {
      vpcName: `${service}-vpc`,
      vpcCidr: '10.0.0.0/16',
      subnets: SUBNETS.map(({ suffix, ...subnet }) => ({ ...subnet, name: `${service}-${suffix}` })),
      securityGroups: [
        {
          key: 'lambda',
          name: `${service}-lambda`,
          description: `${functionName} in the private subnets`,
          ingress: [],
          egress: [
            { protocol: 'tcp', port: POSTGRES_PORT, peer: { securityGroup: 'database' }, description: 'PostgreSQL' },
            { protocol: 'tcp', port: REDIS_PORT, peer: { securityGroup: 'cache' }, description: 'Redis' },
            { protocol: 'tcp', port: HTTPS_PORT, peer: { securityGroup: 'vpcEndpoint' }, description: 'AWS APIs through VPC endpoints' },
            { protocol: 'tcp', port: HTTPS_PORT, peer: { cidr: '0.0.0.0/0' }, description: 'Notification providers through the NAT gateways' },
          ],
        },
        {
          key: 'database',
          name: `${service}-db`,
          description: `${database} (PostgreSQL)`,
          ingress: [{ protocol: 'tcp', port: POSTGRES_PORT, peer: { securityGroup: 'lambda' }, description: `from ${functionName}` }],
        },
        {
          key: 'cache',
          name: `${service}-cache`,
          description: `${service} ElastiCache Redis`,
          ingress: [{ protocol: 'tcp', port: REDIS_PORT, peer: { securityGroup: 'lambda' }, description: `from ${functionName}` }],
        },
        {
          key: 'vpcEndpoint',
          name: `${service}-vpc-endpoints`,
          description: 'Interface VPC endpoints for AWS APIs',
          ingress: [{ protocol: 'tcp', port: HTTPS_PORT, peer: { securityGroup: 'lambda' }, description: `HTTPS from ${functionName}` }],
        },
      ],
      // What the consumer and the runbook handlers call from inside the VPC.
      vpcEndpoints: [
        { service: 'sqs', type: 'Interface' },
        { service: 'ssm', type: 'Interface' },
        { service: 'events', type: 'Interface' },
        { service: 'monitoring', type: 'Interface' },
        { service: 'logs', type: 'Interface' },
        { service: 'dynamodb', type: 'Gateway' },
      ],
      natGatewayPerZone: true,
    },
    // Seed "RDS Cluster" block and environment matrix.
    database: {
      identifier: database,
      engine: 'postgres',
      engineVersion: '14',
      parameterGroupFamily: 'postgres14',
      instanceClass: env.dbInstanceClass,
      // moto has no default.postgres14 group, and a custom group is what lets max_connections be tuned anyway.
      parameterGroupName: `${database}-postgres14`,
      subnetGroupName: `${database}-subnets`,
      allocatedStorageGb: 100,
      multiAz: env.multiAz,
      backupRetentionDays: env.backupRetentionDays,
      masterUsername: 'notification_admin',
      port: POSTGRES_PORT,
    },
    // Seed "ElastiCache" block.
    cache: {
      replicationGroupId: `${service}-cache`,
      subnetGroupName: `${service}-cache-subnets`,
      engine: 'redis',
      engineVersion: '7.1',
      nodeType: 'cache.r6g.large',
      numCacheClusters: 2,
      automaticFailover: true,
      port: REDIS_PORT,
    },
    // Lambda's SQS guidance: visibility timeout at least six times the function timeout.
    queue: { name: queue, visibilityTimeoutSeconds: 6 * 30 },
    deadLetterQueue: { name: `${queue.replace(/-queue$/, '')}-dlq`, maxReceiveCount: 5 },
    // Seed "Lambda Functions" block: php-8.2 runs on a custom runtime (bootstrap), 512 MB, 30 s, concurrency 100.
    consumer: {
      functionName,
      roleName: `${functionName}-role`,
      runtime: 'provided.al2023',
      handler: 'index.php',
      memoryMb: 512,
      timeoutSeconds: 30,
      reservedConcurrency: 100,
      logGroupName,
      mapping: { batchSize: 10, maximumConcurrency: 50 },
    },
    apiName,
    api: {
      name: apiName,
      stageName: 'prod',
      pathPart: 'notifications',
      integrationTimeoutMs: 29_000,
      accessLogFormat: apiAccessLogFormat(apiName),
      metricFilter: api504MetricFilter(config, apiName),
    },
    oomMetricFilter: {
      name: `${functionName}-out-of-memory`,
      logGroupName,
      // Node's heap exhaustion, Lambda's runtime OOM error type, the kernel OOM kill, PHP's memory_limit fatal error.
      pattern: OUT_OF_MEMORY_FILTER_PATTERN,
      ...outOfMemoryMetric(config, { functionName, functions: env.resources.functions }),
    },
    alarms,
    escalationTopics: config.escalationPath.map(({ level, name, topicName }) => ({ level, name, topicName })),
    approvalTopicName: APPROVAL_TOPIC_NAME,
    stateTable: { name: config.stateTableName, partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
    eventBusName: config.eventBusName,
    killSwitch: { name: config.killSwitchParameterName, value: 'off' },
    ...alarmRouteSpecs(config, alarms),
    decisionRoute: {
      busName: config.eventBusName,
      source: DECISION_SOURCE,
      ruleName: `${config.eventBusName}-decisions`,
      queueName: 'runbook-decisions',
      eventPattern: { source: [DECISION_SOURCE] },
    },
    escalationScheduleGroup: ESCALATION_SCHEDULE_GROUP,
    verifyScheduleGroup: VERIFY_SCHEDULE_GROUP,
  };
}
