// High Latency (response > 500 ms) -> check DB connections: the playbook module for handler check-db-connections.
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, RDSClient, paginateDescribeDBParameters, type DBInstance } from '@aws-sdk/client-rds';
import { callAws } from '../aws/classify-error';
import { InvalidInputError, PermanentError } from '../errors';
import type { Playbook, PlaybookContext, ResourceRef } from '../pipeline/types';
import { DB_CONNECTIONS_FACT, rdsInstanceArn } from './db-connections-reading';
import { connectionsReading, diagnoseDatabase, planDbConnectionsCheck, type DbConnectionsObservation, type MetricSeries } from './high-latency-plan';
import { alarmMetric, serviceFunctionOf } from './service-function';

export interface DbConnectionsClients {
  rds: RDSClient;
  cloudWatch: CloudWatchClient;
}

export interface DatabaseTarget {
  resource: ResourceRef;
  dbInstanceIdentifier: string;
  /** How the alarm led to the database, for the report. */
  via: string;
  /** The incident the reading recorded on the database belongs to. */
  incidentKey: string;
}

type Ctx = PlaybookContext<DbConnectionsClients>;

/** One datapoint a minute: RDS publishes its instance metrics every 60 s. */
const PERIOD_SECONDS = 60;

type SeriesName = Exclude<keyof DbConnectionsObservation['metrics'], 'replicaLagSeconds'>;

/** Each metric with the statistic that answers the question asked of it. */
const INSTANCE_METRICS: ReadonlyArray<{ id: string; name: SeriesName; metric: string; stat: string }> = [
  { id: 'connections', name: 'databaseConnections', metric: 'DatabaseConnections', stat: 'Maximum' },
  { id: 'cpu', name: 'cpuUtilizationPercent', metric: 'CPUUtilization', stat: 'Average' },
  { id: 'freeableMemory', name: 'freeableMemoryBytes', metric: 'FreeableMemory', stat: 'Minimum' },
  { id: 'readLatency', name: 'readLatencySeconds', metric: 'ReadLatency', stat: 'Average' },
  { id: 'writeLatency', name: 'writeLatencySeconds', metric: 'WriteLatency', stat: 'Average' },
];

function metricQuery(id: string, metric: string, instance: string, stat: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/RDS', MetricName: metric, Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instance }] },
      Period: PERIOD_SECONDS,
      Stat: stat,
    },
    ReturnData: true,
  };
}

function toSeries(result: MetricDataResult | undefined): MetricSeries {
  const timestamps = result?.Timestamps ?? [];
  const values = result?.Values ?? [];
  // GetMetricData answers newest first by default: oldest first here, so "latest" is the last element.
  const points = timestamps.map((t, i) => ({ at: t.getTime(), value: values[i] })).filter((p): p is { at: number; value: number } => p.value !== undefined);
  points.sort((a, b) => a.at - b.at);
  return { timestamps: points.map((p) => new Date(p.at).toISOString()), values: points.map((p) => p.value) };
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
  actions: ['rds:DescribeDBInstances', 'rds:DescribeDBParameters', 'cloudwatch:GetMetricData'],
  createClients: (config, shared) => ({ rds: new RDSClient(config), cloudWatch: shared.cloudWatch }),

  resolveTarget(event, runtime) {
    const metric = alarmMetric(event, 'check-db-connections');
    const owned = runtime.env.resources.databases;
    let identifier: string;
    let via: string;
    if (metric.namespace === 'AWS/RDS' && metric.dimensions.DBInstanceIdentifier) {
      identifier = metric.dimensions.DBInstanceIdentifier;
      via = 'database alarm';
      if (!owned.includes(identifier)) {
        throw new InvalidInputError(`database ${identifier} is not one of the ${runtime.environment} databases this automation owns (${owned.join(', ') || 'none'})`);
      }
    } else {
      const fn = serviceFunctionOf(event, runtime, 'check-db-connections');
      // The seed's service has one database; a function -> database mapping would be configuration if it had more.
      const [database] = owned;
      if (database === undefined) throw new InvalidInputError(`the ${runtime.environment} environment owns no database to check`);
      identifier = database;
      via = `${fn.functionName} ${fn.via}`;
    }
    return {
      resource: { type: 'rds-db-instance', id: identifier, arn: rdsInstanceArn(event.region, event.account, identifier) },
      dbInstanceIdentifier: identifier,
      via,
      incidentKey: event.incidentKey,
    };
  },

  async observe(ctx, target) {
    const instance = await describeInstance(ctx, target.dbInstanceIdentifier);
    const group = instance.DBParameterGroups?.[0];
    const maxConnections = group?.DBParameterGroupName ? await maxConnectionsParameter(ctx, group.DBParameterGroupName) : undefined;
    const replicas = instance.ReadReplicaDBInstanceIdentifiers ?? [];
    const lagInstances = [...(instance.ReadReplicaSourceDBInstanceIdentifier ? [target.dbInstanceIdentifier] : []), ...replicas];
    const windowMinutes = ctx.runtime.config.checkDbConnections.windowMinutes;
    // Whole minutes, ending at the next boundary so the current minute's datapoint is in.
    const now = ctx.clock.now();
    const end = new Date(Math.ceil((now.getTime() + 1) / 60_000) * 60_000);
    // Plain MetricStat queries only: moto answers metric math with empty values, and none is needed here.
    const queries = [
      ...INSTANCE_METRICS.map((m) => metricQuery(m.id, m.metric, target.dbInstanceIdentifier, m.stat)),
      ...lagInstances.map((instanceId, i) => metricQuery(`replicaLag${i}`, 'ReplicaLag', instanceId, 'Maximum')),
    ];
    const data = await callAws('CloudWatch GetMetricData', () =>
      ctx.clients.cloudWatch.send(
        new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(end.getTime() - windowMinutes * 60_000), EndTime: end }),
      ),
    );
    const byId = new Map((data.MetricDataResults ?? []).map((r) => [r.Id, r]));
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
        ...(instance.ReadReplicaSourceDBInstanceIdentifier ? { replicaSourceIdentifier: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
      },
      ...(maxConnections !== undefined ? { maxConnectionsParameter: maxConnections } : {}),
      windowMinutes,
      observedAt: now.toISOString(),
      metrics: { ...series, replicaLagSeconds: Object.fromEntries(lagInstances.map((id, i) => [id, toSeries(byId.get(`replicaLag${i}`))])) },
    };
    // The reading is a fact about the database other playbooks consult (scale-consumers holds back while it is
    // saturated): recorded whatever this run decides, dry run included, since it changes nothing in AWS.
    if (ctx.remember) {
      const policy = ctx.runtime.config.checkDbConnections;
      const reading = connectionsReading(observation, diagnoseDatabase(observation, policy), policy, target.incidentKey);
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
