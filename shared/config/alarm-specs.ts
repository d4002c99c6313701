// The CloudWatch alarms that detect each troubleshooting row, derived from the configuration: pure data shared by infra and the sandbox.
import { ConfigurationError } from '../errors';
import { cacheReplicationGroupId } from './cache-id';
import type { AutomationConfig, EnvironmentConfig, EnvironmentName, RegionRole, TroubleshootingRow } from './schema';

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
  /**
   * The row's restore signal, not a symptom (a row's `lowWater`): normal polarity (decision 205), in ALARM while the
   * metric reached the low watermark in any of the last N minutes (a backlog, or its tail), OK once it has stayed under
   * it for N minutes: its OK tells the row's playbook to restore the recorded baseline, and it sits OK in a quiet service.
   * Unset on every alarm that detects a row's issue.
   */
  restoreSignal?: true;
}

/**
 * Which API Gateway API an API alarm watches (dependencies.apis[].type, default rest). AWS/ApiGateway metrics of a REST API
 * carry ApiName; an HTTP API's carry ApiId (and ApiId + Stage), never ApiName (API Gateway developer guide, "Amazon API
 * Gateway dimensions and metrics" and "Monitor CloudWatch metrics for HTTP APIs"), so its alarm needs the id; `field` is
 * where the configuration says it (or must).
 */
export type WatchedApi = { type: 'rest' } | { type: 'http'; id?: string; field: string };

/** The service's own resources an alarm can watch, by name (the service's stack owns them; the automation only watches). */
export interface AlarmContext {
  queue: string;
  functionName: string;
  database: string;
  apiName: string;
  /** How the API named `apiName` is watched; unset: a REST API (the schema's default type). */
  api?: WatchedApi;
  /**
   * Every function the environment watches (unset: `functionName` alone). With more than one, each function's
   * out-of-memory count is a metric of its own (outOfMemoryMetricName): a text-pattern filter cannot publish a dimension.
   */
  functions?: readonly string[];
}

/** Which kind of watched resource a row's alarm is about: one alarm per resource of that kind. */
export type WatchedKind = 'queues' | 'functions' | 'databases' | 'apis' | 'shared';

/** How each troubleshooting row is watched: its title in the alarm name, what it watches and how it is evaluated. */
interface AlarmShape {
  title: string;
  /**
   * The title of the row's restore signal (its `lowWater` alarm). It sorts after `title` (no longer relied on: since
   * decision 201 NotificationService-ScaleConsumers reads the depth alarm by its name).
   */
  lowWaterTitle?: string;
  watches: WatchedKind;
  target: (ctx: AlarmContext) => string;
  metric: (row: TroubleshootingRow, ctx: AlarmContext) => AlarmMetricSpec;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

/**
 * The dimensions of an API's AWS/ApiGateway metric, API-wide (every stage): ApiName for a REST API, ApiId for an HTTP
 * API. An HTTP API's id cannot be looked up at synth (CloudFormation has no lookup of an API by name), so an HTTP API
 * watched without a configured id is a configuration error naming the field.
 */
export function apiMetricDimensions(ctx: Pick<AlarmContext, 'apiName' | 'api'>): Record<string, string> {
  const api = ctx.api ?? { type: 'rest' };
  if (api.type === 'rest') return { ApiName: ctx.apiName };
  if (api.id === undefined) {
    throw new ConfigurationError(
      `Invalid runbook configuration: ${api.field}: HTTP API ${ctx.apiName} (type http) is watched by API Gateway's Latency, which HTTP APIs publish by ApiId only, never ApiName; set its id (CloudFormation cannot look an API up by name)`,
      [api.field],
    );
  }
  return { ApiId: api.id };
}

/** How the API of that name is watched: its dependencies.apis entry's type and id (no entry: a REST API, the default). */
export function watchedApiOf(config: AutomationConfig, apiName: string): WatchedApi {
  const index = config.dependencies.apis.findIndex((api) => api.name === apiName);
  const entry = config.dependencies.apis[index];
  if (!entry || entry.type !== 'http') return { type: 'rest' };
  return { type: 'http', field: `dependencies.apis.${index}.id`, ...(entry.id !== undefined ? { id: entry.id } : {}) };
}

/**
 * The metric one function's out-of-memory filter publishes and its alarm watches: the row's metric name where the
 * environment watches that one function (as before decision 359), "<name>-<function>" where it watches several, so that
 * each alarm, and the event it sends, names one function (raise-lambda-memory acts on one: decision 12). A Lambda
 * function name (64 characters at most, letters, digits, - and _) keeps it within CloudWatch's 255.
 */
export function outOfMemoryMetricName(metricName: string, functionName: string, functions: readonly string[]): string {
  return functions.length > 1 ? `${metricName}-${functionName}` : metricName;
}

/** "notification-service" -> "NotificationService", the prefix of every alarm name. */
export function pascalCase(name: string): string {
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

// One line per troubleshooting row; thresholds and comparisons come from the configuration. Statistics, periods and
// evaluation periods below are project defaults (the service document gives none).
const ALARM_SHAPES: Record<string, AlarmShape> = {
  // SQS publishes queue metrics every minute; the document acts at "Messages > 1000" (project default: the first minute over).
  'queue-backup': {
    title: 'Queue Depth',
    lowWaterTitle: 'Queue Over Low Water',
    watches: 'queues',
    target: (ctx) => ctx.queue,
    metric: (row, ctx) => single(row, { QueueName: ctx.queue }, 60, { statistic: 'Maximum' }),
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'missing',
  },
  // Counted by each function's log metric filter (metricFilterSpecs). A text pattern cannot carry dimensions (a metric
  // filter's dimensions are fields of JSON or space-delimited events), so the metric has none; one alarm per function,
  // each on its function's own metric where there are several (outOfMemoryMetricName; review 21a R21-3, decision 359).
  'memory-pressure': {
    title: 'Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit)',
    watches: 'functions',
    target: (ctx) => ctx.functionName,
    metric: (row, ctx) => ({
      ...single(row, {}, 60, { statistic: 'Sum' }),
      metric: { namespace: row.detection.namespace, metricName: outOfMemoryMetricName(row.detection.metricName, ctx.functionName, ctx.functions ?? [ctx.functionName]), dimensions: {}, periodSeconds: 60 },
    }),
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
  },
  // 504s only: counted by api504MetricFilter on the API's JSON access log (5XXError would page on every 5xx). The metric
  // is the service's own, dimensioned by the API's name the access log carries as a literal: the same for an HTTP API.
  // Project default (decision 229): 504s in 3 of the last 5 minutes - timeouts that persist, as a missing rule or a
  // saturated path gives, not one slow request; the High Latency alarm's M of N. One minute of 504s pages nobody.
  'connection-timeout': {
    title: 'API 504 Errors',
    watches: 'apis',
    target: (ctx) => ctx.apiName,
    metric: (row, ctx) => single(row, { ApiName: ctx.apiName }, 60, { statistic: 'Sum' }),
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  },
  // Project default: p99, 3 of 5 minutes - a sustained slowdown, not one slow minute. API Gateway's own metric: by
  // ApiName for a REST API, by ApiId for an HTTP API (apiMetricDimensions).
  'high-latency': {
    title: 'API Gateway Latency p99',
    watches: 'apis',
    target: (ctx) => ctx.apiName,
    metric: (row, ctx) => single(row, apiMetricDimensions(ctx), 60, { extendedStatistic: 'p99' }),
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
  },
  // Project default: 5 of 5 minutes - a class change is costly, so only sustained load counts.
  'cpu-utilization': {
    title: 'RDS CPUUtilization',
    watches: 'databases',
    target: (ctx) => ctx.database,
    metric: (row, ctx) => single(row, { DBInstanceIdentifier: ctx.database }, 60, { statistic: 'Average' }),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: 'missing',
  },
  // Lambda publishes no error-rate metric: metric math over Errors and Invocations, only the expression returns data.
  'error-rate': {
    title: 'Lambda Error Rate',
    watches: 'functions',
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

/**
 * The DR region's standby watch (row dr-standby): the row's detection (ReplicaLag) on the cross-region replica, and the
 * replicated queue's depth and age of its oldest message (disasterRecovery.standbyWatch). Project defaults: the lag's
 * Maximum over 5 of 5 minutes (a sustained lag, not one burst of writes), and missing lag data is breaching - a standby
 * that reports no lag is not known to be replicating (missing data is never "healthy"); the queue's Maximum over one
 * minute for the age (it only grows while nothing consumes) and 5 of 5 minutes for the depth.
 */
function standbyAlarmSpecs(row: TroubleshootingRow, config: AutomationConfig, environment: EnvironmentName, prefix: string): AlarmSpec[] {
  const dr = config.environments[environment].disasterRecovery;
  if (!dr) return [];
  const { comparison, threshold } = row.detection;
  const runbook = row.runbook ? ` Human step: ${row.runbook} (behind approval), if the primary region is lost.` : '';
  const base = {
    rowId: row.id,
    handler: row.handler,
  };
  const queueMetric = (queue: string, metricName: string): AlarmMetricSpec => ({
    kind: 'single',
    metric: { namespace: 'AWS/SQS', metricName, dimensions: { QueueName: queue }, periodSeconds: 60 },
    statistic: 'Maximum',
  });
  const lag: AlarmSpec = {
    ...base,
    name: `${prefix} DR Replica Lag ${COMPARISON_SYMBOL[comparison]} ${threshold} s (${dr.replicaIdentifier})`,
    description: `${row.issue}: the cross-region replica ${dr.replicaIdentifier} lags its source by more than ${threshold} s (or reports no lag). ${row.handler} reports and escalates; it changes nothing.${runbook}`,
    comparisonOperator: comparison,
    threshold,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: 'breaching',
    metric: {
      kind: 'single',
      metric: { namespace: row.detection.namespace, metricName: row.detection.metricName, dimensions: { DBInstanceIdentifier: dr.replicaIdentifier }, periodSeconds: 60 },
      statistic: 'Maximum',
    },
  };
  // ReplicaLag -1 is MySQL/MariaDB's "replication is not active" (RDS User Guide, "Monitoring MySQL read replicas"; RDS for
  // PostgreSQL's page defines ReplicaLag as now() - pg_last_xact_replay_timestamp() and documents no -1, so for the
  // document's engine this alarm is not known to fire: a stopped stream there grows the lag, review 23b R23b-15): a
  // datapoint, not missing data, and -1 > threshold is false, so the lag alarm stays OK. This second alarm on the same
  // series pages on it (review 21a R21-4, decision 360): Maximum < 0 over 5 of 5 minutes - every datapoint of five
  // minutes was -1 (a steady "not active", not one -1 during a replica restart); missing data is the lag alarm's
  // concern (breaching there), so not breaching here.
  const notReplicating: AlarmSpec = {
    ...base,
    name: `${prefix} DR Replication Not Active: ReplicaLag < 0 (${dr.replicaIdentifier})`,
    description: `${row.issue}: the cross-region replica ${dr.replicaIdentifier} reports ReplicaLag -1 (replication is not active, as RDS documents it for MySQL and MariaDB replicas; for PostgreSQL RDS documents no -1, and a stopped stream shows as a growing lag, which the lag alarm pages on). ${row.handler} reports and escalates; it changes nothing.${runbook}`,
    comparisonOperator: 'LessThanThreshold',
    threshold: 0,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: 'notBreaching',
    metric: lag.metric,
  };
  const queues = watchedResources(config, environment).queues.flatMap((queue): AlarmSpec[] => [
    {
      ...base,
      name: `${prefix} DR Replicated Queue Depth > ${dr.standbyWatch.queueMessages} (${queue})`,
      description: `${row.issue}: the replicated queue ${queue} holds more than ${dr.standbyWatch.queueMessages} messages its consumers (disabled until a failover) would start with. ${row.handler} reports and escalates; it changes nothing.${runbook}`,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: dr.standbyWatch.queueMessages,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: 'missing',
      metric: queueMetric(queue, 'ApproximateNumberOfMessagesVisible'),
    },
    {
      ...base,
      name: `${prefix} DR Replicated Queue Oldest Message > ${dr.standbyWatch.oldestMessageAgeSeconds} s (${queue})`,
      description: `${row.issue}: the oldest message of the replicated queue ${queue} is more than ${dr.standbyWatch.oldestMessageAgeSeconds} s old. ${row.handler} reports and escalates; it changes nothing.${runbook}`,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: dr.standbyWatch.oldestMessageAgeSeconds,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'missing',
      metric: queueMetric(queue, 'ApproximateAgeOfOldestMessage'),
    },
  ]);
  return [lag, notReplicating, ...queues];
}

/** The rows whose own alarm shapes are several alarms, derived from more than the row (the DR standby watch). */
const MULTI_ALARM_ROWS: Record<string, typeof standbyAlarmSpecs> = { 'dr-standby': standbyAlarmSpecs };

/** A row the table above does not know (a configuration extension): one alarm on its detection metric as written. */
const GENERIC_SHAPE: AlarmShape = {
  title: '',
  watches: 'shared',
  target: (ctx) => ctx.functionName,
  metric: (row) => single(row, {}, 60, { statistic: 'Average' }),
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'missing',
};

function shapeOf(row: TroubleshootingRow): AlarmShape {
  return ALARM_SHAPES[row.id] ?? { ...GENERIC_SHAPE, title: row.issue };
}

/** The alarm that detects one troubleshooting row on the resources named in `ctx`. */
export function alarmSpecFor(row: TroubleshootingRow, ctx: AlarmContext, prefix: string): AlarmSpec {
  const shape = shapeOf(row);
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

/**
 * A row's low watermark in the detection metric's units: `lowWater.thresholdPercent` of its threshold, a whole number
 * (1000 messages x 10% = 100). Undefined for a row without `lowWater` (its baseline is restored at the alarm's first OK).
 */
export function lowWaterThreshold(row: Pick<TroubleshootingRow, 'detection' | 'lowWater'>): number | undefined {
  if (!row.lowWater) return undefined;
  return Math.max(1, Math.round((row.detection.threshold * row.lowWater.thresholdPercent) / 100));
}

/**
 * The restore signal of a row with `lowWater` (Queue Backup): the same metric, statistic and period as its alarm, at or
 * above the low watermark on 1 of N minutes (decision 205, normal polarity; decision 185 had "under it on N of N", in
 * ALARM whenever the service was healthy). ALARM as soon as one minute of the last N reached the watermark; OK only once
 * all N minutes were under it: the same hysteresis, and the OK is the restore signal. Missing data stays `missing`: a
 * deleted queue publishes nothing and the alarm goes to INSUFFICIENT_DATA, which restores nothing.
 */
export function lowWaterAlarmSpecFor(row: TroubleshootingRow, ctx: AlarmContext, prefix: string): AlarmSpec | undefined {
  const threshold = lowWaterThreshold(row);
  if (threshold === undefined || !row.lowWater) return undefined;
  const shape = shapeOf(row);
  const minutes = row.lowWater.evaluationMinutes;
  const unit = UNIT_SUFFIX[row.detection.unit ?? ''] ?? '';
  return {
    name: `${prefix} ${shape.lowWaterTitle ?? `${shape.title} Over Low Water`} >= ${threshold}${unit} in ${minutes} min (${shape.target(ctx)})`,
    rowId: row.id,
    handler: row.handler,
    description:
      `${row.issue}'s restore signal, not a symptom: its state pages nobody. ALARM while the metric reached ${threshold}${unit} (${row.lowWater.thresholdPercent}% of the ` +
      `${row.detection.threshold} threshold: a project default) in any of the last ${minutes} min; OK once under it for ${minutes} min, the backlog drained: ` +
      `its OK tells ${row.handler} to restore the recorded baseline, once, if it scaled anything up. Quiet service: OK.`,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold,
    evaluationPeriods: minutes,
    datapointsToAlarm: 1,
    treatMissingData: 'missing',
    // The row's own metric: Queue Backup's is one-minute (SQS publishes every minute), so N periods are N minutes.
    metric: shape.metric(row, ctx),
    restoreSignal: true,
  };
}

/** A row's alarms on the resources named in `ctx`: the one that detects it, and its restore signal where it has one. */
export function rowAlarmSpecs(row: TroubleshootingRow, ctx: AlarmContext, prefix: string): AlarmSpec[] {
  const lowWater = lowWaterAlarmSpecFor(row, ctx, prefix);
  return [alarmSpecFor(row, ctx, prefix), ...(lowWater ? [lowWater] : [])];
}

/** The restore-signal alarm of that name among a region's alarms (`alarmSpecs`), or undefined: a symptom's alarm, or unknown. */
export function restoreSignalNamed(specs: readonly AlarmSpec[], alarmName: string): AlarmSpec | undefined {
  return specs.find((spec) => spec.restoreSignal === true && spec.name === alarmName);
}

export interface WatchedResources {
  queues: string[];
  functions: string[];
  /**
   * The functions whose log group is not Lambda's default (resources.functionLogGroups), by name; absent when none is
   * configured. Read through functionLogGroupName, never directly.
   */
  functionLogGroups?: Record<string, string>;
  databases: string[];
  apis: string[];
  /** The REST APIs in front of the functions (dependencies.apis), by name and, where configured, id: what Connection Timeout reads. */
  restApis?: Array<{ name: string; id?: string }>;
  /** The HTTP APIs (API Gateway v2) in front of the functions (dependencies.apis with type http), likewise. */
  httpApis?: Array<{ name: string; id?: string }>;
}

/**
 * The databases of an environment in a region of that role: the configured ones in a primary region; in the DR region
 * the cross-region replica (`disasterRecovery.replicaIdentifier`, the same identifier once FailoverToDR promotes it), or
 * none without a DR configuration (decisions 101, 123).
 */
export function databasesInRole(env: Pick<EnvironmentConfig, 'resources' | 'disasterRecovery'>, role: RegionRole): string[] {
  if (role !== 'dr') return [...env.resources.databases];
  const replica = env.disasterRecovery?.replicaIdentifier;
  return replica === undefined ? [] : [replica];
}

/**
 * The resources an environment's automation watches in a region of `role` (default primary): the configuration's lists
 * (the DR region's queue and functions carry the same names; its database is the replica), and the service's API.
 */
export function watchedResources(config: AutomationConfig, environment: EnvironmentName, role: RegionRole = 'primary'): WatchedResources {
  const env = config.environments[environment];
  const { resources } = env;
  return {
    queues: [...resources.queues],
    functions: [...resources.functions],
    ...(resources.functionLogGroups && Object.keys(resources.functionLogGroups).length > 0 ? { functionLogGroups: { ...resources.functionLogGroups } } : {}),
    databases: databasesInRole(env, role),
    apis: [`${config.service}-api`],
    restApis: config.dependencies.apis.filter((api) => api.type !== 'http').map((api) => ({ name: api.name, ...(api.id ? { id: api.id } : {}) })),
    httpApis: config.dependencies.apis.filter((api) => api.type === 'http').map((api) => ({ name: api.name, ...(api.id ? { id: api.id } : {}) })),
  };
}

/** The log group Lambda writes a function's logs to unless its LoggingConfig names another (Lambda Developer Guide). */
export function lambdaDefaultLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/**
 * The log group a watched function writes to, as the configuration says (resources.functionLogGroups, else Lambda's
 * default): where infra puts its OOM filter and the handlers' log read grants, and what preflight compares with the
 * function's LoggingConfig.LogGroup. The DR region's function carries the same name and the same log group.
 */
export function functionLogGroupName(watched: Pick<WatchedResources, 'functionLogGroups'>, functionName: string): string {
  const groups = watched.functionLogGroups;
  // Own keys only: a function named "constructor" must not read Object.prototype's.
  return groups && Object.hasOwn(groups, functionName) ? (groups[functionName] ?? lambdaDefaultLogGroup(functionName)) : lambdaDefaultLogGroup(functionName);
}

/**
 * The ElastiCache replication groups preflight reads and its role may read in a region of `role` (default primary), by
 * the id the handlers ask for (cacheReplicationGroupId, which high-latency and connection-timeout use too; decision 143).
 * None in the DR region: the document's DR region holds the replica and the replicated queue, and no alarm watches a cache there.
 */
export function cacheReplicationGroupIds(config: AutomationConfig, role: RegionRole = 'primary'): string[] {
  return role === 'dr' ? [] : config.dependencies.caches.map(cacheReplicationGroupId);
}

/** The role of `region` in an environment (unnamed or no roles: primary), without the load-time checks of regionRoleOf. */
export function roleOfRegion(config: AutomationConfig, environment: EnvironmentName, region: string | undefined): RegionRole {
  return (region !== undefined ? config.environments[environment].regionRoles?.[region] : undefined) ?? 'primary';
}

/** The rows watched in a region of that role (`watchIn`, default primary only). */
export function rowsWatchedIn(config: AutomationConfig, role: RegionRole): TroubleshootingRow[] {
  return config.troubleshooting.filter((row) => (row.watchIn ?? ['primary']).includes(role));
}

/**
 * The DR region's standby serves no traffic until a failover: a row that changes something (`changingRows`, from
 * shared/playbooks/changing-rows.ts) may be watched there only if its playbook waits for that region to serve (declares
 * `regionServing`: `servingRows`; decision 123), so that before a failover it escalates and changes nothing. Returns
 * why a table is refused, or undefined when it is fine.
 */
export function changingRowsUnguardedInDr(config: AutomationConfig, changingRows: ReadonlySet<string>, servingRows: ReadonlySet<string>): string | undefined {
  const refused = rowsWatchedIn(config, 'dr').filter((row) => changingRows.has(row.id) && !servingRows.has(row.id));
  if (refused.length === 0) return undefined;
  return (
    `troubleshooting rows ${refused.map((r) => r.id).join(', ')} change something and list "dr" in watchIn, but their playbooks do not wait ` +
    "for the DR region to serve (no regionServing): the standby would be scaled or resized before a failover; remove \"dr\" or declare regionServing"
  );
}

/**
 * The runbook documents a region of this role does not register: those of rows that change something (`changingRows`)
 * and are not watched there (no handler, alarm or resource of theirs is in that region: the DR region's standby is never
 * scaled or resized), unless another row watched there names the same document.
 */
export function runbooksNotRegisteredIn(config: AutomationConfig, role: RegionRole, changingRows: ReadonlySet<string>): Set<string> {
  const watched = new Set(rowsWatchedIn(config, role).map((row) => row.id));
  const kept = new Set(config.troubleshooting.filter((row) => watched.has(row.id) && row.runbook).map((row) => row.runbook));
  return new Set(
    config.troubleshooting
      .filter((row) => changingRows.has(row.id) && !watched.has(row.id) && row.runbook !== undefined && !kept.has(row.runbook))
      .map((row) => row.runbook ?? ''),
  );
}

/**
 * Every alarm of an environment in one region (default: its primary): each row watched in the region's role, on each
 * watched resource of the kind it watches, with the row's restore signal beside it where it has one (Queue Backup's
 * low-water alarm, decision 185). The OOM count is one alarm per function, each on its function's metric (decision 359).
 */
export function alarmSpecs(config: AutomationConfig, environment: EnvironmentName, region?: string): AlarmSpec[] {
  const role = roleOfRegion(config, environment, region);
  const watched = watchedResources(config, environment, role);
  const base: AlarmContext = {
    queue: watched.queues[0] ?? '-',
    functionName: watched.functions[0] ?? '-',
    database: watched.databases[0] ?? '-',
    apiName: watched.apis[0] ?? '-',
    functions: watched.functions,
  };
  const prefix = pascalCase(config.service);
  const slot: Record<Exclude<WatchedKind, 'shared'>, keyof AlarmContext> = {
    queues: 'queue',
    functions: 'functionName',
    databases: 'database',
    apis: 'apiName',
  };
  return rowsWatchedIn(config, role).flatMap((row) => {
    const multi = MULTI_ALARM_ROWS[row.id];
    if (multi) return multi(row, config, environment, prefix);
    const { watches } = shapeOf(row);
    if (watches === 'shared') return rowAlarmSpecs(row, base, prefix);
    if (watches === 'apis') return watched.apis.flatMap((apiName) => rowAlarmSpecs(row, { ...base, apiName, api: watchedApiOf(config, apiName) }, prefix));
    return watched[watches].flatMap((resource) => rowAlarmSpecs(row, { ...base, [slot[watches]]: resource }, prefix));
  });
}

const BUILT_SPECS = new WeakMap<AutomationConfig, Map<string, readonly AlarmSpec[]>>();

/** A frozen copy, to the leaves, of plain data (arrays, objects, primitives): the original is left as it was. */
function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map((item: unknown) => frozenCopy(item))) as T;
  if (typeof value === 'object' && value !== null) return Object.freeze(Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, frozenCopy(inner)]))) as T;
  return value;
}

/**
 * `alarmSpecs` for the decision path, which asks for the same region's alarms several times per decision (Queue Backup
 * six: admission, observe, plan, the configured alarm twice): built once per configuration object, environment and
 * region. A container's configuration is parsed once at start and never changed (decision 108); the specs are frozen,
 * spec by spec, so no caller can change what the next one reads. A configuration changed in place would not be seen:
 * build-time callers (infra, the CLI, the sandbox) call `alarmSpecs`.
 */
export function alarmSpecsOf(config: AutomationConfig, environment: EnvironmentName, region?: string): readonly AlarmSpec[] {
  const byPlace = BUILT_SPECS.get(config) ?? new Map<string, readonly AlarmSpec[]>();
  BUILT_SPECS.set(config, byPlace);
  const place = `${environment}\n${region ?? ''}`;
  const known = byPlace.get(place);
  if (known) return known;
  // A copy is frozen: a spec may hold a part of the configuration itself, which is not this function's to freeze.
  const specs = frozenCopy(alarmSpecs(config, environment, region));
  byPlace.set(place, specs);
  return specs;
}

/**
 * What the out-of-memory log metric filter matches, as CloudWatch Logs "?term" OR syntax (quoted: the terms hold spaces
 * and punctuation): Node's heap exhaustion, Lambda's runtime OOM error type, the kernel OOM kill, PHP's memory_limit error.
 */
export const OUT_OF_MEMORY_TERMS = ['JavaScript heap out of memory', 'Runtime.OutOfMemory', 'signal: killed', 'Allowed memory size of'] as const;
export const OUT_OF_MEMORY_FILTER_PATTERN = OUT_OF_MEMORY_TERMS.map((term) => `?"${term}"`).join(' ');

/**
 * The metric an OOM filter publishes (the memory-pressure row's detection metric) and that its alarm watches: with
 * `functions` (the environment's watched functions), the one of `functionName` (outOfMemoryMetricName).
 */
export function outOfMemoryMetric(
  config: AutomationConfig,
  of?: { functionName: string; functions: readonly string[] },
): { namespace: string; metricName: string } {
  const row = config.troubleshooting.find((r) => r.id === 'memory-pressure');
  const metricName = row?.detection.metricName ?? 'OutOfMemoryErrors';
  return {
    namespace: row?.detection.namespace ?? pascalCase(config.service),
    metricName: of ? outOfMemoryMetricName(metricName, of.functionName, of.functions) : metricName,
  };
}

/**
 * The API stage's access log format (JSON, one object per request). `apiName` is a literal: $context has no API name, and
 * the 504 metric's ApiName dimension is read from it. The variables differ by API type: a REST API's ("$context variables
 * for data models, authorizers, mapping templates, and access logging") have $context.resourcePath; an HTTP API's
 * ("Customize HTTP API access logs") have no resourcePath but $context.routeKey ("POST /notifications"). Every other
 * variable here is in both lists.
 */
export function apiAccessLogFormat(apiName: string, type: 'rest' | 'http' = 'rest'): string {
  return JSON.stringify({
    requestId: '$context.requestId',
    apiName,
    apiId: '$context.apiId',
    stage: '$context.stage',
    httpMethod: '$context.httpMethod',
    ...(type === 'http' ? { routeKey: '$context.routeKey' } : { resourcePath: '$context.resourcePath' }),
    status: '$context.status',
    integrationStatus: '$context.integration.status',
    integrationLatency: '$context.integration.latency',
    responseLatency: '$context.responseLatency',
    errorMessage: '$context.error.message',
  }).replace('"status":"$context.status"', '"status":$context.status');
}

/** Where the API's stage writes its access log (the service's stack creates it; the sandbox does likewise). */
export function apiAccessLogGroupName(apiName: string): string {
  return `/aws/apigateway/${apiName}/access`;
}

/** The metric filter counting 504s on an API's access log: the connection-timeout row's detection metric, by ApiName. */
export function api504MetricFilter(
  config: AutomationConfig,
  apiName: string,
): { filterName: string; logGroupName: string; pattern: string; namespace: string; metricName: string; dimensions: Record<string, string> } {
  const row = config.troubleshooting.find((r) => r.id === 'connection-timeout');
  return {
    filterName: `${apiName}-504`,
    logGroupName: apiAccessLogGroupName(apiName),
    pattern: '{ $.status = 504 }',
    namespace: row?.detection.namespace ?? pascalCase(config.service),
    metricName: row?.detection.metricName ?? 'Api504Errors',
    // A metric filter with dimensions may not have a default value (PutMetricFilter): no 504 means no datapoint.
    dimensions: { ApiName: '$.apiName' },
  };
}

/**
 * A log metric filter the automation's stack creates (infra WatchedAlarms): Memory Pressure and Connection Timeout are
 * detected only through these, their alarms treating missing data as not breaching, so without the filter the alarm
 * sits in OK forever (review 11a, finding 3; preflight compares each with what is deployed).
 */
export interface MetricFilterSpec {
  /** The row whose alarm reads the filter's metric. */
  rowId: 'memory-pressure' | 'connection-timeout';
  logGroupName: string;
  filterName: string;
  pattern: string;
  namespace: string;
  metricName: string;
  metricValue: string;
  /** Published dimensions (JSON selectors); none for the OOM count. */
  dimensions?: Record<string, string>;
  /** The function whose log group an OOM filter reads (memory-pressure only): the function its metric is about. */
  functionName?: string;
}

/**
 * The metric filters of the region's stack: the OOM count on each watched function's log group where Memory Pressure is
 * watched, the 504 count on each watched API's access log where Connection Timeout is. Resource names as infra names
 * them: the primary's watched functions and APIs (the same names in every region).
 */
export function metricFilterSpecs(config: AutomationConfig, environment: EnvironmentName, region?: string): MetricFilterSpec[] {
  const rows = new Set(alarmSpecs(config, environment, region).map((s) => s.rowId));
  const watched = watchedResources(config, environment);
  return [
    ...(rows.has('memory-pressure')
      ? watched.functions.map((functionName): MetricFilterSpec => {
          const oom = outOfMemoryMetric(config, { functionName, functions: watched.functions });
          return {
            rowId: 'memory-pressure',
            logGroupName: functionLogGroupName(watched, functionName),
            filterName: `${functionName}-out-of-memory`,
            pattern: OUT_OF_MEMORY_FILTER_PATTERN,
            namespace: oom.namespace,
            metricName: oom.metricName,
            metricValue: '1',
            functionName,
          };
        })
      : []),
    ...(rows.has('connection-timeout')
      ? watched.apis.map((apiName): MetricFilterSpec => {
          const filter = api504MetricFilter(config, apiName);
          return {
            rowId: 'connection-timeout',
            logGroupName: filter.logGroupName,
            filterName: filter.filterName,
            pattern: filter.pattern,
            namespace: filter.namespace,
            metricName: filter.metricName,
            metricValue: '1',
            dimensions: filter.dimensions,
          };
        })
      : []),
  ];
}

/** An EventBridge pattern on CloudWatch's "CloudWatch Alarm State Change" events, as EventBridge reads it (JSON). */
export interface AlarmStatePattern {
  source: string[];
  'detail-type': string[];
  /** Alarm names matched exactly, or (the workload's forwarding rule only) by prefix. */
  detail: { alarmName: Array<string | { prefix: string }>; state?: { value: string[] } };
  account?: string[];
}

/** The EventBridge pattern that matches state changes of the named alarms (CloudWatch's "CloudWatch Alarm State Change" events). */
export function alarmStateChangePattern(alarmNames: readonly string[]): AlarmStatePattern {
  return { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: [...alarmNames] } };
}

/** What every alarm name alarmSpecs gives starts with: the service's name in PascalCase and a space ("NotificationService "). */
export function alarmNamePrefix(config: AutomationConfig): string {
  return `${pascalCase(config.service)} `;
}
