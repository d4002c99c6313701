// The database-connections reading check-db-connections records on the database and scale-consumers consults: pure.
import { partitionOf } from '../aws/arn';

/** The key of the reading among the database's remembered facts (ResourceState.learned). */
export const DB_CONNECTIONS_FACT = 'dbConnections';

export interface DbConnectionsReading {
  database: string;
  observedAt: string;
  connections?: number;
  maxConnections?: number;
  percent?: number;
  thresholdPercent: number;
  saturated: boolean;
  /** Until when playbooks that open more connections hold back; only when saturated. */
  saturatedUntil?: string;
  /** The incident whose check recorded it. */
  incidentKey: string;
}

/** arn:aws:rds:<region>:<account>:db:<identifier>, the resource both playbooks key the reading by. */
export function rdsInstanceArn(region: string, account: string, identifier: string): string {
  return `arn:${partitionOf(region)}:rds:${region}:${account}:db:${identifier}`;
}

function isReading(value: unknown): value is DbConnectionsReading {
  const v = value as Partial<DbConnectionsReading> | undefined;
  return typeof v === 'object' && v !== null && typeof v.database === 'string' && typeof v.saturated === 'boolean' && typeof v.observedAt === 'string';
}

/** The reading in a database's facts when it says "saturated" and its hold has not run out at `nowMs`. */
export function activeSaturation(facts: Record<string, unknown> | undefined, nowMs: number): DbConnectionsReading | undefined {
  const reading = facts?.[DB_CONNECTIONS_FACT];
  if (!isReading(reading) || !reading.saturated || reading.saturatedUntil === undefined) return undefined;
  return Date.parse(reading.saturatedUntil) > nowMs ? reading : undefined;
}

/** "3000 connections of max_connections ≈3505 (85.6%)" */
export function describeConnections(reading: Pick<DbConnectionsReading, 'connections' | 'maxConnections' | 'percent'>, estimated = true): string {
  if (reading.connections === undefined) return 'connections unknown';
  if (reading.maxConnections === undefined) return `${reading.connections} connections (max_connections unknown)`;
  return `${reading.connections} connections of max_connections ${estimated ? '≈' : ''}${reading.maxConnections} (${(reading.percent ?? 0).toFixed(1)}%)`;
}
