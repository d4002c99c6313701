// Integration-test support: RDS figures as RDS would publish them, and the database reading check-db-connections records.
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
  at?: Date;
}

/** What RDS publishes every minute, written into the emulator's CloudWatch (moto accepts the AWS/ namespace). */
export async function publishRdsMetrics(account: SandboxAccount, figures: RdsFigures, instance = DB): Promise<void> {
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
