// The High Latency playbook's observation as the diagnosis reads it, shared by its tests (high-latency-plan.test.ts,
// connection-figures.test.ts): the production database (db.r6g.xlarge, PostgreSQL) and the seed's cache, healthy unless a
// case says otherwise, one datapoint a minute ending at 12:05; and the policy at the project's defaults (shared/config/
// defaults.ts checkDbConnections, the schema's defaults for the rest).
import type { CacheObservation, DbConnectionsObservation, MetricSeries } from '../../shared/playbooks/high-latency-plan';

export const policy = {
  saturationPercent: 80,
  cpuPercent: 70,
  replicaLagSeconds: 30,
  windowMinutes: 5,
  saturationHoldMinutes: 15,
  diskQueueDepth: 10,
  freeStoragePercent: 10,
  cacheEngineCpuPercent: 90,
  cacheHitRatePercent: 80,
  cacheConnectionsPercent: 80,
  cacheReplicationLagSeconds: 5,
};
export const GIB = 1024 ** 3;

/** One datapoint a minute ending at 12:05, oldest first, as the playbook hands them over. */
export function series(...values: number[]): MetricSeries {
  return { timestamps: values.map((_, i) => new Date(Date.UTC(2026, 0, 15, 12, 5 - values.length + 1 + i)).toISOString()), values };
}

export interface Figures {
  connections?: number[];
  cpu?: number[];
  freeableGiB?: number[];
  replicaLag?: Record<string, number[]>;
  freeStorageGiB?: number[];
  diskQueue?: number[];
  durationMs?: number[];
  cache?: CacheObservation[];
}

export interface NodeFigures {
  status?: string;
  engineCpu?: number[];
  connections?: number[];
  evictions?: number[];
  hitRate?: number[];
  lag?: number[];
}

/** The seed's cache: a primary and a replica (cache.r6g.large, automatic failover), healthy unless told otherwise. */
export function cache(primary: NodeFigures = {}, replica: NodeFigures = {}, group: Partial<CacheObservation> = {}): CacheObservation {
  const node = (id: string, role: 'primary' | 'replica', f: NodeFigures): CacheObservation['nodes'][number] => ({
    cacheClusterId: id,
    role,
    status: f.status ?? 'available',
    engineCpuPercent: series(...(f.engineCpu ?? [18, 21])),
    currConnections: series(...(f.connections ?? [1400, 1450])),
    evictions: series(...(f.evictions ?? [0, 0])),
    cacheHitRatePercent: series(...(f.hitRate ?? [96.5, 97.2])),
    replicationLagSeconds: role === 'replica' ? series(...(f.lag ?? [0.02, 0.03])) : series(),
  });
  return {
    replicationGroupId: 'notification-service-cache',
    status: 'available',
    nodeType: 'cache.r6g.large',
    automaticFailover: 'enabled',
    nodes: [node('notification-service-cache-001', 'primary', primary), node('notification-service-cache-002', 'replica', replica)],
    ...group,
  };
}

export function observation(figures: Figures = {}, database: Partial<DbConnectionsObservation['database']> = {}, maxConnectionsParameter?: string): DbConnectionsObservation {
  return {
    database: { identifier: 'notification-service-db', engine: 'postgres', instanceClass: 'db.r6g.xlarge', status: 'available', readReplicas: [], ...database },
    ...(maxConnectionsParameter !== undefined ? { maxConnectionsParameter } : {}),
    windowMinutes: 5,
    observedAt: '2026-01-15T12:05:30.000Z',
    metrics: {
      databaseConnections: series(...(figures.connections ?? [400, 420, 410])),
      cpuUtilizationPercent: series(...(figures.cpu ?? [22, 25, 24])),
      freeableMemoryBytes: series(...(figures.freeableGiB ?? [20, 19.5]).map((g) => g * GIB)),
      readLatencySeconds: series(0.0012, 0.0015),
      writeLatencySeconds: series(0.002, 0.0021),
      replicaLagSeconds: Object.fromEntries(Object.entries(figures.replicaLag ?? {}).map(([id, values]) => [id, series(...values)])),
      freeStorageSpaceBytes: series(...(figures.freeStorageGiB ?? [61.2, 61.1]).map((g) => g * GIB)),
      diskQueueDepth: series(...(figures.diskQueue ?? [0.4, 0.6])),
    },
    allocatedStorageGiB: 100,
    caches: figures.cache ?? [cache()],
    function: {
      functionName: 'notification-service-consumer',
      durationAverageMs: series(...(figures.durationMs ?? [140, 150])),
      durationMaximumMs: series(...(figures.durationMs ?? [140, 150]).map((d) => d * 2)),
    },
    latencyThresholdMs: 500,
  };
}
