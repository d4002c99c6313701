// Pure planning for CPU Utilization > 70% -> scale the database up to the next instance class on the environment's ladder.
import type { RuntimeConfig } from '../config/load-config';
import type { ManualRunbook, Plan } from '../pipeline/types';

export interface DatabaseObservation {
  dbInstanceIdentifier: string;
  instanceClass: string;
  /** DescribeDBInstances DBInstanceStatus: available, modifying, backing-up, ... */
  status: string;
  multiAz: boolean;
  engine?: string;
  /** A class change RDS has accepted but not finished (PendingModifiedValues.DBInstanceClass). */
  pendingInstanceClass?: string;
  readReplicas: string[];
  /** Set for an Aurora instance: its cluster. */
  clusterIdentifier?: string;
}

export interface DatabaseClassChange {
  dbInstanceIdentifier: string;
  fromClass: string;
  toClass: string;
}

export interface DatabasePlanInput {
  observation: DatabaseObservation;
  policy: RuntimeConfig['env']['scaleUpDatabase'];
  environment: string;
  /** The alarm's recent CPUUtilization datapoints (percent), oldest first, when the event carries them. */
  recentCpuPercent?: number[];
  /** The SSM document that changes the class behind approval (the row's runbook). */
  runbookName?: string;
}

/** The datapoints a CloudWatch alarm's reasonData lists ({"recentDatapoints":[72.5,81.0]}), if any. */
export function recentDatapoints(reasonData: unknown): number[] | undefined {
  if (typeof reasonData !== 'object' || reasonData === null) return undefined;
  const points = (reasonData as { recentDatapoints?: unknown }).recentDatapoints;
  if (!Array.isArray(points)) return undefined;
  const numbers = points.filter((p): p is number => typeof p === 'number' && Number.isFinite(p));
  return numbers.length > 0 ? numbers : undefined;
}

function describeCpu(points: number[] | undefined): string {
  if (!points?.length) return '';
  return ` (CPU ${points.map((p) => `${Number(p.toFixed(1))}%`).join(', ')})`;
}

export function planDatabaseScaleUp({ observation, policy, environment, recentCpuPercent, runbookName }: DatabasePlanInput): Plan<DatabaseClassChange> {
  const id = observation.dbInstanceIdentifier;
  const current = observation.instanceClass;
  const cpu = describeCpu(recentCpuPercent);
  const ladder = policy.ladder;

  if (observation.pendingInstanceClass !== undefined && observation.pendingInstanceClass !== current) {
    return { kind: 'none', reason: `${id} already has a class change pending (${current} -> ${observation.pendingInstanceClass}): not asking for another${cpu}` };
  }
  if (observation.status === 'modifying') {
    return { kind: 'none', reason: `${id} is being modified right now: its class is left alone until that finishes${cpu}` };
  }
  if (observation.status !== 'available') {
    return {
      kind: 'escalate',
      cause: 'not-applicable',
      reason: `${id} is ${observation.status}, not available: its class cannot be changed now${cpu}; a person decides when`,
    };
  }
  const rung = ladder.indexOf(current);
  if (rung < 0) {
    return {
      kind: 'escalate',
      cause: 'not-applicable',
      reason: `${id} runs ${current}, which is not on the ${environment} ladder (${ladder.join(' -> ')}): a person decides the next class${cpu}`,
    };
  }
  const next = ladder[rung + 1];
  if (next === undefined) {
    return {
      kind: 'escalate',
      cause: 'cap-reached',
      reason: `${id} is at the top of the ${environment} ladder (${current}): cannot scale up further automatically${cpu}; look at the queries, or raise the cap`,
    };
  }

  const runbook: ManualRunbook | undefined = runbookName
    ? { documentName: runbookName, parameters: { DBInstanceIdentifier: [id], TargetInstanceClass: [next] } }
    : undefined;
  // RDS User Guide, "Modifying an Amazon RDS DB instance": a class change restarts the instance; with Multi-AZ the
  // standby is changed first and RDS fails over to it ("Failover process for Amazon RDS": typically 60-120 seconds).
  const downtime = observation.multiAz
    ? 'applied to the standby first, then a Multi-AZ failover: connections drop for about 60-120 s'
    : 'single-AZ: the instance is unavailable while the class changes (several minutes)';
  const replicas = observation.readReplicas.length ? `; read replicas ${observation.readReplicas.join(', ')} keep their class` : '';
  return {
    kind: 'change',
    direction: 'scale-up',
    change: { dbInstanceIdentifier: id, fromClass: current, toClass: next },
    summary: `scale up ${id}: ${current} -> ${next}${cpu}: update your IaC (instance_class)`,
    before: { instanceClass: current, status: observation.status, multiAz: observation.multiAz },
    after: { instanceClass: next },
    blastRadius: `database ${id} and every client of it: ${downtime}${replicas}`,
    baseline: { instanceClass: current },
    ...(runbook ? { runbook } : {}),
  };
}
