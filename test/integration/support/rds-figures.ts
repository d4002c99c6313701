// Integration-test support: RDS, ElastiCache and Lambda figures as AWS would publish them, and the database reading check-db-connections records.
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SandboxAccount } from './sandbox-account';

const DB = 'notification-service-db';
const GIB = 1024 ** 3;

/** The high-latency alarm the sandbox routes to check-db-connections. */
export function latencyAlarm(account: SandboxAccount): string {
  const name = account.topology.alarmNamesByHandler['check-db-connections']?.[0];
  if (!name) throw new Error('the topology has no check-db-connections alarm');
  return name;
}

export interface RdsFigures {
  connections?: number;
  cpuPercent?: number;
  freeableGiB?: number;
  replicaLag?: Record<string, number>;
  freeStorageGiB?: number;
  diskQueueDepth?: number;
  at?: Date;
}

/** What RDS publishes every minute, written into the emulator's CloudWatch (moto accepts the AWS/ namespace). */
export async function publishRdsMetrics(account: Pick<SandboxAccount, 'cloudWatch'>, figures: RdsFigures, instance = DB): Promise<void> {
  const at = figures.at ?? new Date();
  const on = (id: string): Array<{ Name: string; Value: string }> => [{ Name: 'DBInstanceIdentifier', Value: id }];
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: [
        { MetricName: 'DatabaseConnections', Dimensions: on(instance), Value: figures.connections ?? 120, Unit: 'Count', Timestamp: at },
        { MetricName: 'CPUUtilization', Dimensions: on(instance), Value: figures.cpuPercent ?? 18, Unit: 'Percent', Timestamp: at },
        { MetricName: 'FreeableMemory', Dimensions: on(instance), Value: (figures.freeableGiB ?? 21) * GIB, Unit: 'Bytes', Timestamp: at },
        { MetricName: 'ReadLatency', Dimensions: on(instance), Value: 0.0014, Unit: 'Seconds', Timestamp: at },
        { MetricName: 'WriteLatency', Dimensions: on(instance), Value: 0.0022, Unit: 'Seconds', Timestamp: at },
        { MetricName: 'FreeStorageSpace', Dimensions: on(instance), Value: (figures.freeStorageGiB ?? 64) * GIB, Unit: 'Bytes', Timestamp: at },
        { MetricName: 'DiskQueueDepth', Dimensions: on(instance), Value: figures.diskQueueDepth ?? 0.5, Unit: 'Count', Timestamp: at },
        ...Object.entries(figures.replicaLag ?? {}).map(([replica, seconds]) => ({ MetricName: 'ReplicaLag', Dimensions: on(replica), Value: seconds, Unit: 'Seconds' as const, Timestamp: at })),
      ],
    }),
  );
}

/** The dbConnections fact on the database's resource state (RESOURCE#<db arn> / STATE, learned). */
export async function dbReading(account: SandboxAccount): Promise<Record<string, unknown> | undefined> {
  const arn = `arn:aws:rds:${account.clientConfig.region}:${account.accountId}:db:${DB}`;
  const item = await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `RESOURCE#${arn}`, sk: 'STATE' }, ConsistentRead: true }));
  return (item.Item?.learned as Record<string, unknown> | undefined)?.dbConnections as Record<string, unknown> | undefined;
}

export interface CacheNodeFigures {
  engineCpuPercent: number;
  currConnections: number;
  evictions: number;
  cacheHitRatePercent: number;
  /** Replicas only. */
  replicationLagSeconds?: number;
}

/** What ElastiCache publishes every minute for one node (AWS/ElastiCache, CacheClusterId + CacheNodeId). */
export async function publishCacheNodeMetrics(account: SandboxAccount, cacheClusterId: string, figures: CacheNodeFigures, at = new Date()): Promise<void> {
  const on = [
    { Name: 'CacheClusterId', Value: cacheClusterId },
    { Name: 'CacheNodeId', Value: '0001' },
  ];
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/ElastiCache',
      MetricData: [
        { MetricName: 'EngineCPUUtilization', Dimensions: on, Value: figures.engineCpuPercent, Unit: 'Percent', Timestamp: at },
        { MetricName: 'CurrConnections', Dimensions: on, Value: figures.currConnections, Unit: 'Count', Timestamp: at },
        { MetricName: 'Evictions', Dimensions: on, Value: figures.evictions, Unit: 'Count', Timestamp: at },
        { MetricName: 'CacheHitRate', Dimensions: on, Value: figures.cacheHitRatePercent, Unit: 'Percent', Timestamp: at },
        ...(figures.replicationLagSeconds !== undefined
          ? [{ MetricName: 'ReplicationLag', Dimensions: on, Value: figures.replicationLagSeconds, Unit: 'Seconds' as const, Timestamp: at }]
          : []),
      ],
    }),
  );
}

/** The consumer's Duration as Lambda publishes it (AWS/Lambda, FunctionName), in milliseconds. */
export async function publishFunctionDuration(account: SandboxAccount, durationMs: number, at = new Date()): Promise<void> {
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: [
        { MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }], Value: durationMs, Unit: 'Milliseconds', Timestamp: at },
      ],
    }),
  );
}
