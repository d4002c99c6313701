// High Latency (response > 500 ms) -> check DB connections, the cache and the function: the playbook module for handler
// check-db-connections. One GetMetricData call reads the database, the cache's nodes and the function's Duration.
import { CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient, paginateDescribeDBParameters, type DBInstance } from '@aws-sdk/client-rds';
import { classifyAwsError, errorName } from '../aws/classify-error';
import { callAws } from '../aws/classify-error';
import { readMetricData, type MetricPoints } from '../aws/metric-data';
import { cacheReplicationGroupId } from '../config/cache-id';
import { InvalidInputError, PermanentError } from '../errors';
import type { Playbook, PlaybookContext, ResourceRef } from '../pipeline/types';
import { settledAll } from '../settled';
import { DB_CONNECTIONS_FACT, rdsInstanceArn } from './db-connections-reading';
import {
  connectionFigures,
  connectionsReading,
  planDbConnectionsCheck,
  type CacheNodeRole,
  type CacheObservation,
  type DbConnectionsObservation,
  type MetricSeries,
} from './high-latency-plan';
import { regionDatabases, regionDatabasesLabel } from './region-databases';
import { alarmMetric, serviceFunctionOf } from './service-function';

export interface DbConnectionsClients {
  rds: RDSClient;
  cloudWatch: CloudWatchClient;
  elastiCache: ElastiCacheClient;
}

export interface DatabaseTarget {
  resource: ResourceRef;
  dbInstanceIdentifier: string;
  /** How the alarm led to the database, for the report. */
  via: string;
  /** The incident the reading recorded on the database belongs to. */
  incidentKey: string;
  /** The service's function whose Duration is read: the alarm's, else the one the environment owns. */
  functionName?: string;
}

type Ctx = PlaybookContext<DbConnectionsClients>;

/** One datapoint a minute: RDS publishes its instance metrics every 60 s. */
const PERIOD_SECONDS = 60;

type SeriesName = Exclude<keyof DbConnectionsObservation['metrics'], 'replicaLagSeconds'>;
type CacheSeriesName = Exclude<keyof CacheObservation['nodes'][number], 'cacheClusterId' | 'role' | 'status'>;

/** Each metric with the statistic that answers the question asked of it. */
const INSTANCE_METRICS: ReadonlyArray<{ id: string; name: SeriesName; metric: string; stat: string }> = [
  { id: 'connections', name: 'databaseConnections', metric: 'DatabaseConnections', stat: 'Maximum' },
  { id: 'cpu', name: 'cpuUtilizationPercent', metric: 'CPUUtilization', stat: 'Average' },
  { id: 'freeableMemory', name: 'freeableMemoryBytes', metric: 'FreeableMemory', stat: 'Minimum' },
  { id: 'readLatency', name: 'readLatencySeconds', metric: 'ReadLatency', stat: 'Average' },
  { id: 'writeLatency', name: 'writeLatencySeconds', metric: 'WriteLatency', stat: 'Average' },
  { id: 'freeStorage', name: 'freeStorageSpaceBytes', metric: 'FreeStorageSpace', stat: 'Minimum' },
  { id: 'diskQueue', name: 'diskQueueDepth', metric: 'DiskQueueDepth', stat: 'Average' },
];

/** ElastiCache Redis node metrics (AWS/ElastiCache, dimensions CacheClusterId + CacheNodeId), each with its statistic. */
const CACHE_METRICS: ReadonlyArray<{ id: string; name: CacheSeriesName; metric: string; stat: string; replicasOnly?: true }> = [
  { id: 'engineCpu', name: 'engineCpuPercent', metric: 'EngineCPUUtilization', stat: 'Maximum' },
  { id: 'currConnections', name: 'currConnections', metric: 'CurrConnections', stat: 'Maximum' },
  { id: 'evictions', name: 'evictions', metric: 'Evictions', stat: 'Sum' },
  { id: 'hitRate', name: 'cacheHitRatePercent', metric: 'CacheHitRate', stat: 'Average' },
  // Published by replicas only.
  { id: 'replicationLag', name: 'replicationLagSeconds', metric: 'ReplicationLag', stat: 'Maximum', replicasOnly: true },
];

function statQuery(id: string, namespace: string, metric: string, dimensions: Record<string, string>, stat: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: PERIOD_SECONDS,
      Stat: stat,
    },
    ReturnData: true,
  };
}

function metricQuery(id: string, metric: string, instance: string, stat: string): MetricDataQuery {
  return statQuery(id, 'AWS/RDS', metric, { DBInstanceIdentifier: instance }, stat);
}

interface CacheIdentity {
  replicationGroupId: string;
  missing?: string;
  status?: string;
  nodeType?: string;
  automaticFailover?: string;
  nodes: Array<{ cacheClusterId: string; cacheNodeId: string; role: CacheNodeRole; status?: string }>;
}

/**
 * The replication group (DescribeReplicationGroups): its nodes, enough to read their metrics; `statuses` reads each
 * node cluster's status (DescribeCacheClusters), which nothing else waits for.
 */
async function describeCache(ctx: Ctx, replicationGroupId: string): Promise<CacheIdentity & { statuses(): Promise<CacheIdentity> }> {
  let group;
  try {
    const described = await ctx.clients.elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }));
    group = described.ReplicationGroups?.[0];
  } catch (error) {
    // A cache that is gone is a finding, not a failure: the database and the function can still be judged.
    if (errorName(error) === 'ReplicationGroupNotFoundFault') return missingCache(replicationGroupId);
    throw classifyAwsError(error, `ElastiCache DescribeReplicationGroups ${replicationGroupId}`);
  }
  if (!group) return missingCache(replicationGroupId);
  const members = (group.NodeGroups ?? []).flatMap((g) => g.NodeGroupMembers ?? []).filter((m): m is typeof m & { CacheClusterId: string } => typeof m.CacheClusterId === 'string');
  const identity: CacheIdentity = {
    replicationGroupId,
    ...(group.Status ? { status: group.Status } : {}),
    ...(group.CacheNodeType ? { nodeType: group.CacheNodeType } : {}),
    ...(group.AutomaticFailover ? { automaticFailover: group.AutomaticFailover } : {}),
    nodes: members.map((m) => ({
      cacheClusterId: m.CacheClusterId,
      // Cluster mode disabled: each node cluster holds one node, "0001".
      cacheNodeId: m.CacheNodeId ?? '0001',
      // CurrentRole is "only applicable for ... (cluster mode disabled) replication groups" (ElastiCache API reference,
      // NodeGroupMember): absent, the node's role is not known, and it is not taken for a replica.
      role: m.CurrentRole === 'primary' || m.CurrentRole === 'replica' ? m.CurrentRole : ('unknown' as const),
    })),
  };
  const statuses = async (): Promise<CacheIdentity> => ({
    ...identity,
    nodes: await Promise.all(
      identity.nodes.map(async (node) => {
        const cluster = await callAws(`ElastiCache DescribeCacheClusters ${node.cacheClusterId}`, () =>
          ctx.clients.elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: node.cacheClusterId })),
        );
        const status = cluster.CacheClusters?.[0]?.CacheClusterStatus;
        return { ...node, ...(status ? { status } : {}) };
      }),
    ),
  });
  return { ...identity, statuses };
}

function missingCache(replicationGroupId: string): CacheIdentity & { statuses(): Promise<CacheIdentity> } {
  const identity: CacheIdentity = { replicationGroupId, missing: 'replication group not found', nodes: [] };
  return { ...identity, statuses: async () => identity };
}

function toSeries(points: MetricPoints | undefined): MetricSeries {
  // readMetricData gives each series oldest first, so "latest" is the last element.
  return { timestamps: (points?.timestamps ?? []).map((t) => t.toISOString()), values: [...(points?.values ?? [])] };
}

/**
 * RDS names a read replica in another region by its ARN in ReadReplicaDBInstanceIdentifiers (same-region replicas by
 * identifier; getmoto/moto#5423, which moto 5 follows). ReplicaLag is published where the replica is, under its
 * identifier: a cross-region one is not asked for here with its ARN as the dimension (that reads as "no datapoints"). An
 * ARN of this region gives its identifier.
 */
export function replicasByRegion(identifiers: readonly string[], region: string): { inRegion: string[]; otherRegions: string[] } {
  const inRegion: string[] = [];
  const otherRegions: string[] = [];
  for (const identifier of identifiers) {
    // arn:<partition>:rds:<region>:<account>:db:<identifier>
    const arn = /^arn:[^:]+:rds:([^:]*):\d{12}:db:([^:]+)$/.exec(identifier);
    if (!arn) inRegion.push(identifier);
    else if (arn[1] === region && arn[2] !== undefined) inRegion.push(arn[2]);
    else otherRegions.push(identifier);
  }
  return { inRegion, otherRegions };
}

/** The High Latency row's threshold (the document's "Response time > 500ms"); 500 ms if the row is configured away. */
function latencyThresholdOf(rows: ReadonlyArray<{ id: string; detection: { threshold: number } }>): number {
  return rows.find((row) => row.id === 'high-latency')?.detection.threshold ?? 500;
}

async function describeInstance(ctx: Ctx, identifier: string): Promise<DBInstance> {
  const result = await callAws('RDS DescribeDBInstances', () => ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })));
  const instance = result.DBInstances?.[0];
  if (!instance) throw new PermanentError(`RDS instance ${identifier} was not found`);
  return instance;
}

/** max_connections as the group sets it; DescribeDBParameters has no working filter, so the group is paged through. */
async function maxConnectionsParameter(ctx: Ctx, parameterGroupName: string): Promise<string | undefined> {
  return callAws(`RDS DescribeDBParameters ${parameterGroupName}`, async () => {
    for await (const page of paginateDescribeDBParameters({ client: ctx.clients.rds }, { DBParameterGroupName: parameterGroupName })) {
      const found = page.Parameters?.find((p) => p.ParameterName === 'max_connections');
      if (found) return found.ParameterValue;
    }
    return undefined;
  });
}

export const highLatencyPlaybook: Playbook<DbConnectionsClients, DatabaseTarget, DbConnectionsObservation, never> = {
  name: 'check-db-connections',
  row: 'high-latency',
  actsOn: ['ALARM', 'OK'],
  actions: [
    'rds:DescribeDBInstances',
    'rds:DescribeDBParameters',
    'cloudwatch:GetMetricData',
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeCacheClusters',
  ],
  createClients: (config, shared) => ({ rds: new RDSClient(config), cloudWatch: shared.cloudWatch, elastiCache: new ElastiCacheClient(config) }),

  resolveTarget(event, runtime) {
    const metric = alarmMetric(event, 'check-db-connections');
    const owned = regionDatabases(runtime);
    let identifier: string;
    let via: string;
    let functionName = runtime.env.resources.functions[0];
    if (metric.namespace === 'AWS/RDS' && metric.dimensions.DBInstanceIdentifier) {
      identifier = metric.dimensions.DBInstanceIdentifier;
      via = 'database alarm';
      if (!owned.includes(identifier)) {
        throw new InvalidInputError(`database ${identifier} is not one of ${regionDatabasesLabel(runtime)} this automation owns (${owned.join(', ') || 'none'})`);
      }
    } else {
      const fn = serviceFunctionOf(event, runtime, 'check-db-connections');
      // The seed's service has one database; a function -> database mapping would be configuration if it had more.
      const [database] = owned;
      if (database === undefined) {
        throw new InvalidInputError(
          runtime.regionRole === 'dr'
            ? `${regionDatabasesLabel(runtime)}: none configured, so the ${runtime.environment} environment owns no database to check here`
            : `the ${runtime.environment} environment owns no database to check`,
        );
      }
      identifier = database;
      via = `${fn.functionName} ${fn.via}`;
      functionName = fn.functionName;
    }
    return {
      resource: { type: 'rds-db-instance', id: identifier, arn: rdsInstanceArn(runtime.region, event.account, identifier) },
      dbInstanceIdentifier: identifier,
      via,
      incidentKey: event.incidentKey,
      ...(functionName !== undefined ? { functionName } : {}),
    };
  },

  async observe(ctx, target) {
    // Two round trips before the metrics: the instance and the caches' groups at once; then, at once, the parameter
    // group's max_connections, the cache nodes' statuses and the metrics (which need only the first two answers).
    const [instance, groups] = await settledAll(
      describeInstance(ctx, target.dbInstanceIdentifier),
      Promise.all(ctx.runtime.config.dependencies.caches.map((c) => describeCache(ctx, cacheReplicationGroupId(c)))),
    );
    const group = instance.DBParameterGroups?.[0];
    const { inRegion: replicas, otherRegions: crossRegionReplicas } = replicasByRegion(instance.ReadReplicaDBInstanceIdentifiers ?? [], ctx.runtime.region);
    const lagInstances = [...(instance.ReadReplicaSourceDBInstanceIdentifier ? [target.dbInstanceIdentifier] : []), ...replicas];
    const windowMinutes = ctx.runtime.config.checkDbConnections.windowMinutes;
    // Whole minutes, ending at the next boundary so the current minute's datapoint is in.
    const now = ctx.clock.now();
    const end = new Date(Math.ceil((now.getTime() + 1) / 60_000) * 60_000);
    const caches: CacheIdentity[] = groups;
    // Plain MetricStat queries only: moto answers metric math with empty values, and none is needed here.
    const queries = [
      ...INSTANCE_METRICS.map((m) => metricQuery(m.id, m.metric, target.dbInstanceIdentifier, m.stat)),
      ...lagInstances.map((instanceId, i) => metricQuery(`replicaLag${i}`, 'ReplicaLag', instanceId, 'Maximum')),
      ...caches.flatMap((cache, c) =>
        cache.nodes.flatMap((node, n) =>
          CACHE_METRICS.filter((m) => !m.replicasOnly || node.role !== 'primary').map((m) =>
            statQuery(`${m.id}C${c}N${n}`, 'AWS/ElastiCache', m.metric, { CacheClusterId: node.cacheClusterId, CacheNodeId: node.cacheNodeId }, m.stat),
          ),
        ),
      ),
      ...(target.functionName
        ? [
            statQuery('durationAverage', 'AWS/Lambda', 'Duration', { FunctionName: target.functionName }, 'Average'),
            statQuery('durationMaximum', 'AWS/Lambda', 'Duration', { FunctionName: target.functionName }, 'Maximum'),
          ]
        : []),
    ];
    const [data, maxConnections, described] = await settledAll(
      // Every page, and only a complete answer: a series CloudWatch could not give whole is no diagnosis (readMetricData).
      readMetricData(ctx.clients.cloudWatch, queries, { from: new Date(end.getTime() - windowMinutes * 60_000), to: end }),
      group?.DBParameterGroupName ? maxConnectionsParameter(ctx, group.DBParameterGroupName) : Promise.resolve(undefined),
      Promise.all(groups.map((g) => g.statuses())),
    );
    const byId = data;
    const series = Object.fromEntries(INSTANCE_METRICS.map((m) => [m.name, toSeries(byId.get(m.id))])) as Record<SeriesName, MetricSeries>;
    const observation: DbConnectionsObservation = {
      database: {
        identifier: target.dbInstanceIdentifier,
        engine: instance.Engine ?? 'unknown',
        instanceClass: instance.DBInstanceClass ?? 'unknown',
        ...(instance.DBInstanceStatus ? { status: instance.DBInstanceStatus } : {}),
        ...(group?.DBParameterGroupName ? { parameterGroupName: group.DBParameterGroupName } : {}),
        ...(group?.ParameterApplyStatus ? { parameterApplyStatus: group.ParameterApplyStatus } : {}),
        readReplicas: replicas,
        ...(crossRegionReplicas.length > 0 ? { crossRegionReplicas } : {}),
        ...(instance.ReadReplicaSourceDBInstanceIdentifier ? { replicaSourceIdentifier: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
      },
      ...(maxConnections !== undefined ? { maxConnectionsParameter: maxConnections } : {}),
      windowMinutes,
      observedAt: now.toISOString(),
      metrics: { ...series, replicaLagSeconds: Object.fromEntries(lagInstances.map((id, i) => [id, toSeries(byId.get(`replicaLag${i}`))])) },
      ...(instance.AllocatedStorage !== undefined ? { allocatedStorageGiB: instance.AllocatedStorage } : {}),
      caches: described.map((cache, c) => ({
        replicationGroupId: cache.replicationGroupId,
        ...(cache.missing !== undefined ? { missing: cache.missing } : {}),
        ...(cache.status !== undefined ? { status: cache.status } : {}),
        ...(cache.nodeType !== undefined ? { nodeType: cache.nodeType } : {}),
        ...(cache.automaticFailover !== undefined ? { automaticFailover: cache.automaticFailover } : {}),
        nodes: cache.nodes.map((node, n) => ({
          cacheClusterId: node.cacheClusterId,
          role: node.role,
          ...(node.status !== undefined ? { status: node.status } : {}),
          ...(Object.fromEntries(CACHE_METRICS.map((m) => [m.name, toSeries(byId.get(`${m.id}C${c}N${n}`))])) as Record<CacheSeriesName, MetricSeries>),
        })),
      })),
      ...(target.functionName
        ? { function: { functionName: target.functionName, durationAverageMs: toSeries(byId.get('durationAverage')), durationMaximumMs: toSeries(byId.get('durationMaximum')) } }
        : {}),
      latencyThresholdMs: latencyThresholdOf(ctx.runtime.config.troubleshooting),
    };
    // The reading is a fact about the database other playbooks consult (scale-consumers holds back while it is
    // saturated): recorded whatever this run decides, dry run included, since it changes nothing in AWS.
    if (ctx.remember) {
      const policy = ctx.runtime.config.checkDbConnections;
      // The connection figures alone: the whole diagnosis (every finding and headline) is the plan's, made once there.
      const reading = connectionsReading(observation, connectionFigures(observation, policy), policy, target.incidentKey);
      await ctx.remember({ [DB_CONNECTIONS_FACT]: reading });
    }
    return observation;
  },

  plan({ event, observation, runtime }) {
    return planDbConnectionsCheck({ state: event.state.value, observation, policy: runtime.config.checkDbConnections });
  },

  // Diagnosis only: the plan never proposes a change, so the pipeline never calls these.
  async apply() {
    throw new PermanentError('check-db-connections changes nothing');
  },
  async verify() {
    return {};
  },
  isApplied() {
    return false;
  },
};
