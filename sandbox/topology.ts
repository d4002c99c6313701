// Every name and setting of the sandbox's copy of the Notification Service (seed topology), derived from the configuration: pure data.
import type { AutomationConfig, EnvironmentName, TroubleshootingRow } from '../shared/config/schema';
import { DECISION_SOURCE } from '../shared/report/decision-reporter';

export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';
export type Statistic = 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount';

export interface MetricSpec {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  periodSeconds: number;
}

/** A single-metric alarm watches one statistic; a metric-math alarm returns one expression over its inputs. */
export type AlarmMetricSpec =
  | { kind: 'single'; metric: MetricSpec; statistic?: Statistic; extendedStatistic?: string }
  | {
      kind: 'math';
      expressionId: string;
      expression: string;
      label: string;
      periodSeconds: number;
      inputs: Array<{ id: string; metric: MetricSpec; stat: Statistic }>;
    };

export interface AlarmSpec {
  name: string;
  /** The troubleshooting row (config.troubleshooting[].id) this alarm detects. */
  rowId: string;
  handler: string;
  description: string;
  comparisonOperator: ComparisonOperator;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  metric: AlarmMetricSpec;
}

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
  oomMetricFilter: { name: string; logGroupName: string; pattern: string; namespace: string; metricName: string };
  alarms: AlarmSpec[];
  escalationTopics: Array<{ level: number; name: string; topicName: string }>;
  stateTable: { name: string; partitionKey: string; sortKey: string; ttlAttribute: string };
  eventBusName: string;
  killSwitch: { name: string; value: string };
  /** Rules on the default bus, one per handler, delivering its alarms' state changes to a queue. */
  alarmRoutes: Array<RouteSpec & { handler: string; alarmNames: string[] }>;
  /** The rule on the project's bus that collects runbook decisions. */
  decisionRoute: RouteSpec & { busName: string; source: string };
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
  /** Not created: see `reason`. The cache security group exists, so reachability to port 6379 can still be reasoned about. */
  cache: { provisioned: false; reason: string; replicationGroupId: string };
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
  oomMetricFilter: SandboxTopologySpec['oomMetricFilter'];
  alarms: Array<AlarmSpec & { arn: string }>;
  /** handler -> names of the alarms whose state changes its rule delivers */
  alarmNamesByHandler: Record<string, string[]>;
  escalationTopics: Array<{ level: number; name: string; topicName: string; arn: string }>;
  stateTable: { name: string; arn: string };
  eventBus: { name: string; arn: string };
  killSwitch: { name: string; value: string };
  /** handler -> the default-bus rule and the queue it delivers to */
  alarmRoutes: Record<string, ProvisionedRoute>;
  decisionRoute: ProvisionedRoute & { busName: string; source: string };
}

const ALARM_STATE_CHANGE_PATTERN = { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] } as const;

/** "notification-service" -> "NotificationService", the prefix of every alarm name. */
function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

const COMPARISON_SYMBOL: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

const UNIT_SUFFIX: Record<string, string> = { Percent: '%', Milliseconds: ' ms', Seconds: ' s' };

function firstResource(list: readonly string[], what: string, environment: EnvironmentName): string {
  const [first] = list;
  if (first === undefined) throw new Error(`environments.${environment}.resources.${what} is empty: the sandbox needs one to provision`);
  return first;
}

interface AlarmContext {
  queue: string;
  functionName: string;
  database: string;
  apiName: string;
}

/** How each troubleshooting row is watched: its title in the alarm name, what it watches and how it is evaluated. */
interface AlarmShape {
  title: string;
  target: (ctx: AlarmContext) => string;
  metric: (row: TroubleshootingRow, ctx: AlarmContext) => AlarmMetricSpec;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

const single = (
  row: TroubleshootingRow,
  dimensions: Record<string, string>,
  periodSeconds: number,
  statistic: { statistic: Statistic } | { extendedStatistic: string },
): AlarmMetricSpec => ({
  kind: 'single',
  metric: { namespace: row.detection.namespace, metricName: row.detection.metricName, dimensions, periodSeconds },
  // No Unit on the alarm: CloudWatch would then ignore datapoints published in another unit (PutMetricAlarm Unit).
  ...statistic,
});

// One line per seed troubleshooting row; thresholds and comparisons come from the configuration.
const ALARM_SHAPES: Record<string, AlarmShape> = {
  // SQS publishes queue metrics every minute; the seed acts at "Messages > 1000".
  'queue-backup': {
    title: 'Queue Depth',
    target: (ctx) => ctx.queue,
    metric: (row, ctx) => single(row, { QueueName: ctx.queue }, 60, { statistic: 'Maximum' }),
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'missing',
  },
  // Counted by the log metric filter below; a text pattern cannot carry dimensions, so the metric has none.
  'memory-pressure': {
    title: 'Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit)',
    target: (ctx) => ctx.functionName,
    metric: (row) => single(row, {}, 60, { statistic: 'Sum' }),
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
  },
  'connection-timeout': {
    title: 'API Gateway 5XXError',
    target: (ctx) => ctx.apiName,
    metric: (row, ctx) => single(row, { ApiName: ctx.apiName }, 60, { statistic: 'Sum' }),
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
  },
  'high-latency': {
    title: 'API Gateway Latency p99',
    target: (ctx) => ctx.apiName,
    metric: (row, ctx) => single(row, { ApiName: ctx.apiName }, 60, { extendedStatistic: 'p99' }),
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
  },
  'cpu-utilization': {
    title: 'RDS CPUUtilization',
    target: (ctx) => ctx.database,
    metric: (row, ctx) => single(row, { DBInstanceIdentifier: ctx.database }, 60, { statistic: 'Average' }),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: 'missing',
  },
  // Lambda publishes no error-rate metric: metric math over Errors and Invocations, only the expression returns data.
  'error-rate': {
    title: 'Lambda Error Rate',
    target: (ctx) => ctx.functionName,
    metric: (_row, ctx) => {
      const metric = (metricName: string): MetricSpec => ({
        namespace: 'AWS/Lambda',
        metricName,
        dimensions: { FunctionName: ctx.functionName },
        periodSeconds: 60,
      });
      return {
        kind: 'math',
        expressionId: 'errorRate',
        expression: 'errors / invocations * 100',
        label: 'Error rate (%)',
        periodSeconds: 60,
        inputs: [
          { id: 'errors', metric: metric('Errors'), stat: 'Sum' },
          { id: 'invocations', metric: metric('Invocations'), stat: 'Sum' },
        ],
      };
    },
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  },
};

/** A row the table above does not know (a configuration extension): one alarm on its detection metric as written. */
const GENERIC_SHAPE: AlarmShape = {
  title: '',
  target: (ctx) => ctx.functionName,
  metric: (row) => single(row, {}, 60, { statistic: 'Average' }),
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'missing',
};

function alarmFor(row: TroubleshootingRow, ctx: AlarmContext, prefix: string): AlarmSpec {
  const shape = ALARM_SHAPES[row.id] ?? { ...GENERIC_SHAPE, title: row.issue };
  const { comparison, threshold, unit } = row.detection;
  const name = `${prefix} ${shape.title} ${COMPARISON_SYMBOL[comparison]} ${threshold}${UNIT_SUFFIX[unit ?? ''] ?? ''} (${shape.target(ctx)})`;
  return {
    name,
    rowId: row.id,
    handler: row.handler,
    description: `${row.issue}: ${row.symptom}. Automatic response (${row.handler}): ${row.response}.${row.runbook ? ` Manual runbook: ${row.runbook}.` : ''}`,
    comparisonOperator: comparison,
    threshold,
    evaluationPeriods: shape.evaluationPeriods,
    datapointsToAlarm: shape.datapointsToAlarm,
    treatMissingData: shape.treatMissingData,
    metric: shape.metric(row, ctx),
  };
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

/** The sandbox's copy of the seed topology for one environment of the configuration. */
export function sandboxTopology(config: AutomationConfig, environment: EnvironmentName): SandboxTopologySpec {
  const env = config.environments[environment];
  const service = config.service;
  const queue = firstResource(env.resources.queues, 'queues', environment);
  const functionName = firstResource(env.resources.functions, 'functions', environment);
  const database = firstResource(env.resources.databases, 'databases', environment);
  const apiName = `${service}-api`;
  const ctx: AlarmContext = { queue, functionName, database, apiName };
  const prefix = pascalCase(service);
  const logGroupName = `/aws/lambda/${functionName}`;

  const alarms = config.troubleshooting.map((row) => alarmFor(row, ctx, prefix));
  const handlers = [...new Set(config.troubleshooting.map((row) => row.handler))];
  const oomRow = config.troubleshooting.find((row) => row.id === 'memory-pressure');

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
    oomMetricFilter: {
      name: `${functionName}-out-of-memory`,
      logGroupName,
      // Any of the terms (CloudWatch Logs "?term" OR syntax; quoted because they hold spaces and punctuation):
      // Node's heap exhaustion, Lambda's runtime OOM error type, the kernel OOM kill, PHP's memory_limit fatal error.
      pattern: '?"JavaScript heap out of memory" ?"Runtime.OutOfMemory" ?"signal: killed" ?"Allowed memory size of"',
      namespace: oomRow?.detection.namespace ?? pascalCase(service),
      metricName: oomRow?.detection.metricName ?? 'OutOfMemoryErrors',
    },
    alarms,
    escalationTopics: config.escalationPath.map(({ level, name, topicName }) => ({ level, name, topicName })),
    stateTable: { name: config.stateTableName, partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
    eventBusName: config.eventBusName,
    killSwitch: { name: config.killSwitchParameterName, value: 'off' },
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
    decisionRoute: {
      busName: config.eventBusName,
      source: DECISION_SOURCE,
      ruleName: `${config.eventBusName}-decisions`,
      queueName: 'runbook-decisions',
      eventPattern: { source: [DECISION_SOURCE] },
    },
  };
}
