// Pure planning for CPU Utilization > 70% -> scale the database up to the next instance class on the environment's ladder.
import type { RuntimeConfig } from '../config/load-config';
import type { ManualRunbook, Plan } from '../pipeline/types';
import { metricBearsOut, notCorroborated, type AlarmMetricRead, type ConfiguredAlarm } from './alarm-corroboration';

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
  /** The SSM document that changes the class behind approval (the row's runbook). */
  runbookName?: string;
  /**
   * The CPU alarm that changed state, as the configuration defines it (`configured`; undefined: not one this deployment
   * defines): a class change is made only when CloudWatch's own CPUUtilization bears it out (decision 217).
   */
  alarm: { alarmName: string; configured?: ConfiguredAlarm };
  /**
   * The alarm's metric (CPUUtilization of the instance) as CloudWatch holds it over the alarm's window, never the
   * event's StateReasonData, which whoever set the alarm's state wrote. Absent: not read.
   */
  cpuMetric?: AlarmMetricRead;
}

function describeCpu(points: number[] | undefined): string {
  if (!points?.length) return '';
  return ` (CPU ${points.map((p) => `${Number(p.toFixed(1))}%`).join(', ')} in CloudWatch)`;
}

/**
 * Why CloudWatch's CPUUtilization does not bear out the alarm, or undefined when it does: the alarm's own "M out of N"
 * on the datapoints CloudWatch holds for the instance the target names.
 */
function cpuNotCorroborated(id: string, alarm: DatabasePlanInput['alarm'], metric: AlarmMetricRead | undefined): Plan<DatabaseClassChange> | undefined {
  const configured = alarm.configured;
  if (!configured?.metric) return notCorroborated(alarm.alarmName, 'it is not a CPU alarm this deployment defines, so its metric and threshold are unknown');
  const watched = configured.metric.dimensions.DBInstanceIdentifier;
  if (watched !== id) return notCorroborated(alarm.alarmName, `the alarm watches ${watched ?? 'no instance'}, not ${id}`);
  if (metric === undefined) return notCorroborated(alarm.alarmName, `CPUUtilization of ${id} was not read`);
  if (metric.status === 'unread') return notCorroborated(alarm.alarmName, `CPUUtilization of ${id} could not be read (${metric.reason})`);
  const bears = metricBearsOut(metric.reading, configured);
  return bears.borne ? undefined : notCorroborated(alarm.alarmName, bears.text);
}

export function planDatabaseScaleUp({ observation, policy, environment, runbookName, alarm, cpuMetric }: DatabasePlanInput): Plan<DatabaseClassChange> {
  const id = observation.dbInstanceIdentifier;
  const current = observation.instanceClass;
  // CloudWatch's datapoints, for the text: the event's StateReasonData is whatever set the alarm's state wrote.
  const cpu = describeCpu(cpuMetric?.status === 'read' ? cpuMetric.reading.points.map((p) => p.value) : undefined);
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

  // Every reason not to change the class is above (each a page or a skip); CloudWatch's CPU must bear out the alarm.
  const uncorroborated = cpuNotCorroborated(id, alarm, cpuMetric);
  if (uncorroborated) return uncorroborated;

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
