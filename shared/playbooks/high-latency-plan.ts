// Pure diagnosis for High Latency: the database (connections vs max_connections, CPU, replica lag, storage), the cache
// (ElastiCache Redis: engine CPU, hit rate, evictions, connections, replication lag, status) and the function itself
// (its Duration); names the likely cause with its figures.
import type { AutomationConfig } from '../config/schema';
import type { AlarmStateValue } from '../events/alarm-event';
import type { Plan } from '../pipeline/types';
import { effectiveMaxConnections, type EffectiveMaxConnections } from '../rds/effective-max-connections';
import { describeConnections, type DbConnectionsReading } from './db-connections-reading';

export type DbConnectionsPolicy = AutomationConfig['checkDbConnections'];

/** Datapoints of one metric, oldest first. */
export interface MetricSeries {
  timestamps: string[];
  values: number[];
}

/** A cache node's role as DescribeReplicationGroups names it; `unknown` where it names none (cluster mode enabled). */
export type CacheNodeRole = 'primary' | 'replica' | 'unknown';

export interface DbConnectionsObservation {
  database: {
    identifier: string;
    engine: string;
    instanceClass: string;
    status?: string;
    parameterGroupName?: string;
    /** DBParameterGroups[].ParameterApplyStatus: "pending-reboot" means the group's values are not all in effect yet. */
    parameterApplyStatus?: string;
    readReplicas: string[];
    /** Read replicas in other regions, by ARN (as RDS names them): their ReplicaLag is published there, not read here. */
    crossRegionReplicas?: string[];
    /** Set when the database is itself a read replica. */
    replicaSourceIdentifier?: string;
  };
  /** max_connections as the parameter group sets it; undefined when the group leaves it to the engine default. */
  maxConnectionsParameter?: string;
  windowMinutes: number;
  /** When the metrics were read (the clock's time). */
  observedAt: string;
  metrics: {
    databaseConnections: MetricSeries;
    cpuUtilizationPercent: MetricSeries;
    freeableMemoryBytes: MetricSeries;
    readLatencySeconds: MetricSeries;
    writeLatencySeconds: MetricSeries;
    /** Per instance (the database if it is a replica, and its read replicas): RDS publishes ReplicaLag on replicas only. */
    replicaLagSeconds: Record<string, MetricSeries>;
    /** RDS FreeStorageSpace (Minimum), bytes. */
    freeStorageSpaceBytes: MetricSeries;
    /** RDS DiskQueueDepth (Average): I/Os waiting for the volume. */
    diskQueueDepth: MetricSeries;
  };
  /** RDS AllocatedStorage (GiB), to judge FreeStorageSpace as a share. */
  allocatedStorageGiB?: number;
  /** The caches the service uses (dependencies.caches), each read through ElastiCache. */
  caches: CacheObservation[];
  /** The service's function and its Duration (AWS/Lambda, milliseconds), when the environment owns one. */
  function?: { functionName: string; durationAverageMs: MetricSeries; durationMaximumMs: MetricSeries };
  /** The row's latency threshold (ms): the document's "Response time > 500ms". */
  latencyThresholdMs: number;
}

/** One ElastiCache Redis replication group: its identity and status (Describe*), and each node's metrics. */
export interface CacheObservation {
  replicationGroupId: string;
  /** Set when the group could not be described (not found): the cache cannot be judged. */
  missing?: string;
  status?: string;
  nodeType?: string;
  automaticFailover?: string;
  nodes: Array<{
    cacheClusterId: string;
    role: CacheNodeRole;
    /** DescribeCacheClusters CacheClusterStatus. */
    status?: string;
    engineCpuPercent: MetricSeries;
    currConnections: MetricSeries;
    /** Sum per minute. */
    evictions: MetricSeries;
    cacheHitRatePercent: MetricSeries;
    /** Published on replicas only (seconds). */
    replicationLagSeconds: MetricSeries;
  }>;
}

export type DbCause = 'connections' | 'cpu' | 'replica-lag' | 'storage' | 'disk-queue' | 'none';

export interface DbDiagnosis {
  /** The likely cause: the first that holds of connections, CPU, replica lag. */
  cause: DbCause;
  /** Every cause that holds. */
  causes: DbCause[];
  saturated: boolean;
  connections?: number;
  maxConnections: EffectiveMaxConnections;
  connectionsPercent?: number;
  cpuPercent?: number;
  replicaLag?: { instance: string; seconds: number };
  /** "likely cause: connection saturation on db — ..." */
  headline: string;
  /** The headline of the likely cause alone, without "(also: ...)". */
  primaryHeadline: string;
  findings: string[];
}

const latest = (series: MetricSeries): number | undefined => series.values[series.values.length - 1];
const peak = (series: MetricSeries): number | undefined => (series.values.length ? Math.max(...series.values) : undefined);
const lowest = (series: MetricSeries): number | undefined => (series.values.length ? Math.min(...series.values) : undefined);
const fixed = (n: number, digits = 1): string => n.toFixed(digits);

function describeLatency(series: MetricSeries): string {
  const value = latest(series);
  // RDS publishes Read/WriteLatency in seconds per I/O.
  return value === undefined ? 'no data' : `${fixed(value * 1000, 2)} ms`;
}

/** The database's connections against its max_connections: what the diagnosis starts from and the reading records. */
export type ConnectionFigures = Pick<DbDiagnosis, 'connections' | 'maxConnections' | 'connectionsPercent' | 'saturated'>;

export function connectionFigures(observation: DbConnectionsObservation, policy: DbConnectionsPolicy): ConnectionFigures {
  const { database, metrics } = observation;
  const max = effectiveMaxConnections({
    engine: database.engine,
    instanceClass: database.instanceClass,
    ...(observation.maxConnectionsParameter !== undefined ? { parameterValue: observation.maxConnectionsParameter } : {}),
  });
  const connections = latest(metrics.databaseConnections);
  const percent = connections !== undefined && max.value ? (connections / max.value) * 100 : undefined;
  return {
    ...(connections !== undefined ? { connections } : {}),
    maxConnections: max,
    ...(percent !== undefined ? { connectionsPercent: percent } : {}),
    saturated: percent !== undefined && percent >= policy.saturationPercent,
  };
}

export function diagnoseDatabase(observation: DbConnectionsObservation, policy: DbConnectionsPolicy): DbDiagnosis {
  const { database, metrics, windowMinutes } = observation;
  const db = database.identifier;
  const { connections, maxConnections: max, connectionsPercent: percent, saturated } = connectionFigures(observation, policy);
  const approx = max.estimated ? '≈' : '';
  const findings: string[] = [];
  const causes: DbCause[] = [];
  if (connections === undefined) {
    findings.push(`DatabaseConnections: no datapoints in the last ${windowMinutes} min: saturation cannot be judged`);
  } else {
    findings.push(
      `DatabaseConnections: ${connections} now, peak ${peak(metrics.databaseConnections)} over ${windowMinutes} min; ` +
        `max_connections ${max.value !== undefined ? `${approx}${max.value}` : 'unknown'} (${max.explanation})` +
        (percent !== undefined ? `: ${fixed(percent)}% in use (saturation at ${policy.saturationPercent}%)` : ''),
    );
  }
  if (database.status !== undefined && database.status !== 'available') {
    findings.push(`${db} is ${database.status}, not available: its metrics may reflect the change in progress`);
  }
  if (database.parameterApplyStatus === 'pending-reboot') {
    findings.push(`parameter group ${database.parameterGroupName ?? '?'} is pending-reboot: its max_connections may not be in effect yet`);
  }
  if (saturated) causes.push('connections');

  const cpu = latest(metrics.cpuUtilizationPercent);
  if (cpu === undefined) findings.push(`CPUUtilization: no datapoints in the last ${windowMinutes} min`);
  else findings.push(`CPUUtilization: ${fixed(cpu)}% now, peak ${fixed(peak(metrics.cpuUtilizationPercent) ?? cpu)}% (cause at ${policy.cpuPercent}%)`);
  if (cpu !== undefined && cpu >= policy.cpuPercent) causes.push('cpu');

  const freeable = lowest(metrics.freeableMemoryBytes);
  if (freeable !== undefined) {
    const share = max.classMemoryGiB ? ` (${fixed((freeable / (max.classMemoryGiB * 1024 ** 3)) * 100)}% of ${max.classMemoryGiB} GiB)` : '';
    findings.push(`FreeableMemory: lowest ${fixed(freeable / 1024 ** 3, 2)} GiB${share}`);
  }
  findings.push(`ReadLatency ${describeLatency(metrics.readLatencySeconds)}, WriteLatency ${describeLatency(metrics.writeLatencySeconds)} (latest)`);

  const lags = Object.entries(metrics.replicaLagSeconds)
    .map(([instance, series]) => ({ instance, seconds: latest(series) }))
    .filter((lag): lag is { instance: string; seconds: number } => lag.seconds !== undefined);
  const worstLag = lags.reduce<{ instance: string; seconds: number } | undefined>((worst, lag) => (worst && worst.seconds >= lag.seconds ? worst : lag), undefined);
  const replicas = [...database.readReplicas, ...(database.replicaSourceIdentifier ? [db] : [])];
  const elsewhere = database.crossRegionReplicas ?? [];
  if (elsewhere.length > 0) {
    findings.push(`ReplicaLag of ${elsewhere.join(', ')}: a replica in another region, its lag is published there and not read here (watch-standby watches it)`);
  }
  if (replicas.length === 0) {
    if (elsewhere.length === 0) findings.push('ReplicaLag: no read replicas');
  } else if (lags.length === 0) findings.push(`ReplicaLag: no datapoints for ${replicas.join(', ')}`);
  else findings.push(`ReplicaLag: ${lags.map((l) => `${l.instance} ${fixed(l.seconds, 0)} s`).join(', ')} (cause at ${policy.replicaLagSeconds} s)`);
  if (worstLag && worstLag.seconds >= policy.replicaLagSeconds) causes.push('replica-lag');

  const GIB = 1024 ** 3;
  const freeStorage = lowest(metrics.freeStorageSpaceBytes);
  const allocated = observation.allocatedStorageGiB;
  const freePercent = freeStorage !== undefined && allocated ? (freeStorage / (allocated * GIB)) * 100 : undefined;
  if (freeStorage === undefined) findings.push(`FreeStorageSpace: no datapoints in the last ${windowMinutes} min`);
  else {
    findings.push(
      `FreeStorageSpace: lowest ${fixed(freeStorage / GIB)} GiB` +
        (freePercent !== undefined ? ` (${fixed(freePercent)}% of ${allocated} GiB allocated; cause at ${policy.freeStoragePercent}% or less)` : ''),
    );
  }
  if (freePercent !== undefined && freePercent <= policy.freeStoragePercent) causes.push('storage');
  const queueDepth = latest(metrics.diskQueueDepth);
  if (queueDepth === undefined) findings.push(`DiskQueueDepth: no datapoints in the last ${windowMinutes} min`);
  else findings.push(`DiskQueueDepth: ${fixed(queueDepth)} now, peak ${fixed(peak(metrics.diskQueueDepth) ?? queueDepth)} (cause at ${policy.diskQueueDepth})`);
  if (queueDepth !== undefined && queueDepth >= policy.diskQueueDepth) causes.push('disk-queue');

  const figures = describeConnections({ ...(connections !== undefined ? { connections } : {}), ...(max.value !== undefined ? { maxConnections: max.value } : {}), ...(percent !== undefined ? { percent } : {}) }, max.estimated);
  const cause = causes[0] ?? 'none';
  const headlines: Record<DbCause, string> = {
    connections: `likely cause: connection saturation on ${db} — ${figures}, at or above ${policy.saturationPercent}%`,
    cpu: `likely cause: CPU on ${db} — CPUUtilization ${fixed(cpu ?? 0)}% at or above ${policy.cpuPercent}%`,
    'replica-lag': `likely cause: replica lag — ${worstLag?.instance ?? '?'} is ${fixed(worstLag?.seconds ?? 0, 0)} s behind ${db} (at or above ${policy.replicaLagSeconds} s)`,
    storage: `likely cause: storage on ${db} — FreeStorageSpace ${fixed((freeStorage ?? 0) / GIB)} GiB, ${fixed(freePercent ?? 0)}% of ${allocated ?? '?'} GiB (at or below ${policy.freeStoragePercent}%)`,
    'disk-queue': `likely cause: storage I/O on ${db} — DiskQueueDepth ${fixed(queueDepth ?? 0)} (at or above ${policy.diskQueueDepth})`,
    none:
      `no database cause found on ${db} — ${figures}, CPU ${cpu !== undefined ? `${fixed(cpu)}%` : 'unknown'}, ` +
      `${worstLag ? `replica lag ${fixed(worstLag.seconds, 0)} s` : 'no replica lag'}: look at the function and the API integration`,
  };
  const also = causes.slice(1);
  return {
    cause,
    causes,
    saturated,
    ...(connections !== undefined ? { connections } : {}),
    maxConnections: max,
    ...(percent !== undefined ? { connectionsPercent: percent } : {}),
    ...(cpu !== undefined ? { cpuPercent: cpu } : {}),
    ...(worstLag ? { replicaLag: worstLag } : {}),
    headline: `${headlines[cause]}${also.length ? ` (also: ${also.join(', ')})` : ''}`,
    primaryHeadline: headlines[cause],
    findings,
  };
}

/** ElastiCache (Redis OSS) maxclients: 65000, not modifiable (ElastiCache "Redis OSS-specific parameters"). */
export const REDIS_MAX_CLIENTS = 65000;

export type CacheCause = 'status' | 'engine-cpu' | 'hit-rate' | 'connections' | 'replication-lag';

export interface CacheDiagnosis {
  replicationGroupId: string;
  /** Every cause that holds, in the order status, engine-cpu, hit-rate, connections, replication-lag. */
  causes: CacheCause[];
  /** The likely cause's headline, when there is one. */
  primaryHeadline?: string;
  /** False when the cache could not be described or reported no datapoints: "healthy" is never assumed. */
  judged: boolean;
  /** "hit rate 97.0%, engine CPU 12.0%" for the no-cause headline. */
  summary: string;
  findings: string[];
}

const sum = (series: MetricSeries): number => series.values.reduce((total, v) => total + v, 0);

export function diagnoseCache(cache: CacheObservation, policy: DbConnectionsPolicy, windowMinutes: number): CacheDiagnosis {
  const id = cache.replicationGroupId;
  const label = `cache ${id}`;
  if (cache.missing !== undefined) {
    return { replicationGroupId: id, causes: [], judged: false, summary: `${label} not judged (${cache.missing})`, findings: [`ElastiCache ${id}: ${cache.missing}: the cache cannot be judged`] };
  }
  const findings: string[] = [
    `ElastiCache ${id}: ${cache.status ?? 'status unknown'}, ${cache.nodeType ?? '?'}, ${cache.nodes.length} node(s), automatic failover ${cache.automaticFailover ?? 'unknown'}`,
  ];
  const headlines = new Map<CacheCause, string>();
  const notAvailable = [
    ...(cache.status !== undefined && cache.status !== 'available' ? [`the replication group is ${cache.status}`] : []),
    ...cache.nodes.filter((n) => n.status !== undefined && n.status !== 'available').map((n) => `${n.cacheClusterId} is ${n.status ?? '?'}`),
  ];
  if (notAvailable.length) headlines.set('status', `likely cause: the cache ${id} — ${notAvailable.join(', ')}, not available (a failover, modification or maintenance in progress)`);

  const worst = <T extends { value: number }>(items: T[], higher: boolean): T | undefined =>
    items.reduce<T | undefined>((w, item) => (w === undefined || (higher ? item.value > w.value : item.value < w.value) ? item : w), undefined);
  const perNode = (pick: (n: CacheObservation['nodes'][number]) => MetricSeries) =>
    cache.nodes.flatMap((n) => {
      const value = latest(pick(n));
      return value === undefined ? [] : [{ node: n.cacheClusterId, value }];
    });

  const cpu = perNode((n) => n.engineCpuPercent);
  const hit = perNode((n) => n.cacheHitRatePercent);
  const conns = perNode((n) => n.currConnections);
  // A node of unknown role publishes ReplicationLag only if it is a replica: its figure counts where there is one.
  const lag = cache.nodes.filter((n) => n.role !== 'primary').flatMap((n) => {
    const value = latest(n.replicationLagSeconds);
    return value === undefined ? [] : [{ node: n.cacheClusterId, value }];
  });
  const evictions = cache.nodes.map((n) => ({ node: n.cacheClusterId, value: sum(n.evictions), points: n.evictions.values.length }));
  const evictedTotal = evictions.reduce((total, e) => total + e.value, 0);
  const anyData = cpu.length + hit.length + conns.length + lag.length + evictions.filter((e) => e.points > 0).length > 0;

  for (const n of cache.nodes) {
    const parts = [
      n.role === 'unknown' ? 'role not named (cluster mode enabled)' : n.role,
      n.status ? n.status : undefined,
      latest(n.engineCpuPercent) !== undefined ? `EngineCPUUtilization ${fixed(latest(n.engineCpuPercent) ?? 0)}%` : 'EngineCPUUtilization no data',
      latest(n.cacheHitRatePercent) !== undefined ? `CacheHitRate ${fixed(latest(n.cacheHitRatePercent) ?? 0)}%` : 'CacheHitRate no data',
      n.evictions.values.length ? `Evictions ${sum(n.evictions)} in ${windowMinutes} min` : 'Evictions no data',
      latest(n.currConnections) !== undefined ? `CurrConnections ${latest(n.currConnections) ?? 0}` : 'CurrConnections no data',
      ...(n.role === 'replica' || (n.role === 'unknown' && latest(n.replicationLagSeconds) !== undefined)
        ? [latest(n.replicationLagSeconds) !== undefined ? `ReplicationLag ${fixed(latest(n.replicationLagSeconds) ?? 0)} s` : 'ReplicationLag no data']
        : []),
    ].filter((p): p is string => p !== undefined);
    findings.push(`  ${n.cacheClusterId}: ${parts.join(', ')}`);
  }
  if (!anyData) findings.push(`ElastiCache ${id}: no datapoints in the last ${windowMinutes} min: the cache cannot be judged from its metrics`);

  const hotCpu = worst(cpu, true);
  if (hotCpu && hotCpu.value >= policy.cacheEngineCpuPercent) {
    headlines.set('engine-cpu', `likely cause: the cache ${id} — EngineCPUUtilization ${fixed(hotCpu.value)}% on ${hotCpu.node} (at or above ${policy.cacheEngineCpuPercent}%)`);
  }
  const lowHit = worst(hit, false);
  if (lowHit && lowHit.value < policy.cacheHitRatePercent) {
    headlines.set(
      'hit-rate',
      `likely cause: the cache ${id} — CacheHitRate ${fixed(lowHit.value)}% on ${lowHit.node} (below ${policy.cacheHitRatePercent}%), ` +
        `${evictedTotal} evictions in ${windowMinutes} min: misses go to the database`,
    );
  }
  const busy = worst(conns, true);
  const busyPercent = busy ? (busy.value / REDIS_MAX_CLIENTS) * 100 : undefined;
  if (busy && busyPercent !== undefined && busyPercent >= policy.cacheConnectionsPercent) {
    headlines.set(
      'connections',
      `likely cause: the cache ${id} — CurrConnections ${busy.value} on ${busy.node}, ${fixed(busyPercent)}% of maxclients ${REDIS_MAX_CLIENTS} (at or above ${policy.cacheConnectionsPercent}%)`,
    );
  }
  const behind = worst(lag, true);
  if (behind && behind.value >= policy.cacheReplicationLagSeconds) {
    headlines.set('replication-lag', `likely cause: the cache ${id} — ${behind.node} replicates ${fixed(behind.value)} s behind (at or above ${policy.cacheReplicationLagSeconds} s)`);
  }
  const order: CacheCause[] = ['status', 'engine-cpu', 'hit-rate', 'connections', 'replication-lag'];
  const causes = order.filter((c) => headlines.has(c));
  const summary = anyData
    ? `cache ${id} CacheHitRate ${lowHit ? `${fixed(lowHit.value)}%` : 'unknown'}, EngineCPUUtilization ${hotCpu ? `${fixed(hotCpu.value)}%` : 'unknown'}, ${evictedTotal} evictions`
    : `cache ${id} not judged (no datapoints)`;
  const primary = causes[0];
  return {
    replicationGroupId: id,
    causes,
    ...(primary ? { primaryHeadline: headlines.get(primary) ?? '' } : {}),
    judged: anyData || causes.includes('status'),
    summary,
    findings,
  };
}

export type LatencyComponent = 'database' | 'cache' | 'function' | 'none';

export interface LatencyDiagnosis {
  /** Where the latency most likely comes from: the database first (the document's "Check DB connections"), then the cache, then the function itself. */
  component: LatencyComponent;
  headline: string;
  findings: string[];
  database: DbDiagnosis;
  caches: CacheDiagnosis[];
  /** The function's latest average Duration (ms), when read. */
  functionDurationMs?: number;
}

/** Names the likely cause of High Latency among the database, the cache and the function, with its figures. */
export function diagnoseLatency(observation: DbConnectionsObservation, policy: DbConnectionsPolicy): LatencyDiagnosis {
  const database = diagnoseDatabase(observation, policy);
  const caches = observation.caches.map((cache) => diagnoseCache(cache, policy, observation.windowMinutes));
  const findings = [...database.findings, ...caches.flatMap((c) => c.findings)];

  const fn = observation.function;
  const durationMs = fn ? latest(fn.durationAverageMs) : undefined;
  const slowFunction = durationMs !== undefined && durationMs >= observation.latencyThresholdMs;
  if (fn) {
    findings.push(
      durationMs === undefined
        ? `Duration of ${fn.functionName}: no datapoints in the last ${observation.windowMinutes} min`
        : `Duration of ${fn.functionName}: ${fixed(durationMs, 0)} ms average now, maximum ${fixed(peak(fn.durationMaximumMs) ?? durationMs, 0)} ms over ${observation.windowMinutes} min ` +
            `(latency threshold ${observation.latencyThresholdMs} ms)`,
    );
  } else {
    findings.push('Duration: the environment owns no function to read');
  }

  const cacheCauses = caches.flatMap((c) => c.causes.map((cause) => ({ cache: c, cause })));
  const others: string[] = [
    ...database.causes.filter((c) => c !== 'none').map((c) => `database ${c}`),
    ...cacheCauses.map(({ cache, cause }) => `cache ${cache.replicationGroupId} ${cause}`),
    ...(slowFunction && fn ? [`function ${fn.functionName} duration`] : []),
  ];
  let component: LatencyComponent;
  let primary: string;
  if (database.cause !== 'none') {
    component = 'database';
    primary = database.primaryHeadline;
  } else if (cacheCauses[0]) {
    component = 'cache';
    primary = cacheCauses[0].cache.primaryHeadline ?? '';
  } else if (slowFunction && fn) {
    component = 'function';
    primary =
      `likely cause: the function itself — ${fn.functionName} Duration ${fixed(durationMs ?? 0, 0)} ms average, at or above the ${observation.latencyThresholdMs} ms ` +
      `latency threshold, while the database and the cache show no cause`;
  } else {
    component = 'none';
    const unjudged = caches.filter((c) => !c.judged).map((c) => c.replicationGroupId);
    primary =
      `no cause found in the database, the cache or the function — ${describeConnections(
        {
          ...(database.connections !== undefined ? { connections: database.connections } : {}),
          ...(database.maxConnections.value !== undefined ? { maxConnections: database.maxConnections.value } : {}),
          ...(database.connectionsPercent !== undefined ? { percent: database.connectionsPercent } : {}),
        },
        database.maxConnections.estimated,
      )}, CPU ${database.cpuPercent !== undefined ? `${fixed(database.cpuPercent)}%` : 'unknown'}` +
      `${caches.map((c) => `, ${c.summary}`).join('')}` +
      `${fn ? `, ${fn.functionName} Duration ${durationMs !== undefined ? `${fixed(durationMs, 0)} ms` : 'unknown'}` : ''}` +
      `${unjudged.length ? ` (not judged: ${unjudged.join(', ')})` : ''}: look at the API Gateway integration`;
  }
  // The database's own other causes keep their short names ("also: cpu"); the first "other" is the likely cause itself.
  const alsoText: string[] =
    component === 'database' ? [...database.causes.slice(1), ...others.filter((o) => !o.startsWith('database '))] : others.slice(1);
  return {
    component,
    headline: `${primary}${alsoText.length ? ` (also: ${alsoText.join(', ')})` : ''}`,
    findings,
    database,
    caches,
    ...(durationMs !== undefined ? { functionDurationMs: durationMs } : {}),
  };
}

/** What check-db-connections records on the database for other playbooks: the figures and, when saturated, until when. */
export function connectionsReading(
  observation: DbConnectionsObservation,
  diagnosis: ConnectionFigures,
  policy: DbConnectionsPolicy,
  incidentKey: string,
): DbConnectionsReading {
  const until = new Date(Date.parse(observation.observedAt) + policy.saturationHoldMinutes * 60_000).toISOString();
  return {
    database: observation.database.identifier,
    observedAt: observation.observedAt,
    ...(diagnosis.connections !== undefined ? { connections: diagnosis.connections } : {}),
    ...(diagnosis.maxConnections.value !== undefined ? { maxConnections: diagnosis.maxConnections.value } : {}),
    ...(diagnosis.connectionsPercent !== undefined ? { percent: Math.round(diagnosis.connectionsPercent * 10) / 10 } : {}),
    thresholdPercent: policy.saturationPercent,
    saturated: diagnosis.saturated,
    ...(diagnosis.saturated ? { saturatedUntil: until } : {}),
    incidentKey,
  };
}

export interface DbConnectionsPlanInput {
  state: AlarmStateValue;
  observation: DbConnectionsObservation;
  policy: DbConnectionsPolicy;
}

/** ALARM: name the cause and escalate (cause "diagnosis"); OK: nothing to do, the figures are reported. It never changes anything. */
export function planDbConnectionsCheck(input: DbConnectionsPlanInput): Plan<never> {
  const { observation, policy } = input;
  const latency = diagnoseLatency(observation, policy);
  const diagnosis = { ...latency.database, headline: latency.headline, findings: latency.findings };
  const hold = diagnosis.saturated
    ? [`scale-consumers holds back until ${connectionsReading(observation, diagnosis, policy, '').saturatedUntil ?? '?'}: more consumers would open more connections`]
    : [];
  if (input.state === 'OK') {
    return { kind: 'none', reason: `latency is back under its threshold; ${diagnosis.headline}`, findings: [...diagnosis.findings, ...hold] };
  }
  return { kind: 'escalate', cause: 'diagnosis', reason: diagnosis.headline, findings: [...diagnosis.findings, ...hold] };
}
