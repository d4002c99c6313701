// Pure diagnosis for High Latency -> check DB connections: connections vs max_connections, CPU, replica lag; name the cause.
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
  };
}

export type DbCause = 'connections' | 'cpu' | 'replica-lag' | 'none';

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

export function diagnoseDatabase(observation: DbConnectionsObservation, policy: DbConnectionsPolicy): DbDiagnosis {
  const { database, metrics, windowMinutes } = observation;
  const db = database.identifier;
  const max = effectiveMaxConnections({
    engine: database.engine,
    instanceClass: database.instanceClass,
    ...(observation.maxConnectionsParameter !== undefined ? { parameterValue: observation.maxConnectionsParameter } : {}),
  });
  const approx = max.estimated ? '≈' : '';
  const findings: string[] = [];
  const causes: DbCause[] = [];

  const connections = latest(metrics.databaseConnections);
  const percent = connections !== undefined && max.value ? (connections / max.value) * 100 : undefined;
  const saturated = percent !== undefined && percent >= policy.saturationPercent;
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
  if (replicas.length === 0) findings.push('ReplicaLag: no read replicas');
  else if (lags.length === 0) findings.push(`ReplicaLag: no datapoints for ${replicas.join(', ')}`);
  else findings.push(`ReplicaLag: ${lags.map((l) => `${l.instance} ${fixed(l.seconds, 0)} s`).join(', ')} (cause at ${policy.replicaLagSeconds} s)`);
  if (worstLag && worstLag.seconds >= policy.replicaLagSeconds) causes.push('replica-lag');

  const figures = describeConnections({ ...(connections !== undefined ? { connections } : {}), ...(max.value !== undefined ? { maxConnections: max.value } : {}), ...(percent !== undefined ? { percent } : {}) }, max.estimated);
  const cause = causes[0] ?? 'none';
  const headlines: Record<DbCause, string> = {
    connections: `likely cause: connection saturation on ${db} — ${figures}, at or above ${policy.saturationPercent}%`,
    cpu: `likely cause: CPU on ${db} — CPUUtilization ${fixed(cpu ?? 0)}% at or above ${policy.cpuPercent}%`,
    'replica-lag': `likely cause: replica lag — ${worstLag?.instance ?? '?'} is ${fixed(worstLag?.seconds ?? 0, 0)} s behind ${db} (at or above ${policy.replicaLagSeconds} s)`,
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
    findings,
  };
}

/** What check-db-connections records on the database for other playbooks: the figures and, when saturated, until when. */
export function connectionsReading(
  observation: DbConnectionsObservation,
  diagnosis: DbDiagnosis,
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
  const diagnosis = diagnoseDatabase(observation, policy);
  const hold = diagnosis.saturated
    ? [`scale-consumers holds back until ${connectionsReading(observation, diagnosis, policy, '').saturatedUntil ?? '?'}: more consumers would open more connections`]
    : [];
  if (input.state === 'OK') {
    return { kind: 'none', reason: `latency is back under its threshold; ${diagnosis.headline}`, findings: [...diagnosis.findings, ...hold] };
  }
  return { kind: 'escalate', cause: 'diagnosis', reason: diagnosis.headline, findings: [...diagnosis.findings, ...hold] };
}
