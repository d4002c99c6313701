// Pure: CPU Utilization's health after a class change: the instance's CPU must fall, its connections must not climb.
import { figure, relativeRise } from '../pipeline/health-figures';
import type { HealthReading, SettingNow, VerifyChangePolicy } from '../pipeline/types';
import type { RuntimeConfig } from '../config/load-config';
import type { DatabaseClassChange, DatabaseObservation } from './cpu-utilization-plan';
import type { WindowMetric } from './metric-window';

export const DATABASE_HEALTH_SIGNAL = 'CPUUtilization and DatabaseConnections (AWS/RDS, average)';

/** The instance's class now (and any class pending), beside the change; `atBefore` when it runs the class before it, nothing pending. */
export function databaseSettingNow(observation: Pick<DatabaseObservation, 'instanceClass' | 'pendingInstanceClass'>, change: DatabaseClassChange): SettingNow {
  const pending = observation.pendingInstanceClass === undefined ? '' : `, ${observation.pendingInstanceClass} pending`;
  return {
    reads: `${change.dbInstanceIdentifier} runs ${observation.instanceClass}${pending} (the change: ${change.fromClass} -> ${change.toClass})`,
    atBefore: observation.instanceClass === change.fromClass && observation.pendingInstanceClass === undefined,
  };
}

export function databaseHealthMetrics(change: DatabaseClassChange): WindowMetric[] {
  const dimensions = { DBInstanceIdentifier: change.dbInstanceIdentifier };
  return [
    { figure: 'cpuPercent', namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions, stat: 'Average' },
    { figure: 'connections', namespace: 'AWS/RDS', metricName: 'DatabaseConnections', dimensions, stat: 'Average' },
  ];
}

/**
 * Worse after moving to a bigger class: CPU did not come down by the policy's points (the class was not the bottleneck),
 * or connections climbed (clients reconnecting in a storm after the failover). Without datapoints in either window
 * nothing is judged.
 */
export function databaseHealthWorse(before: HealthReading, after: HealthReading, policy: VerifyChangePolicy): string | undefined {
  const reasons: string[] = [];
  const cpuBefore = figure(before, 'cpuPercent');
  const cpuAfter = figure(after, 'cpuPercent');
  if (cpuBefore !== null && cpuAfter !== null && cpuAfter > cpuBefore - policy.cpuImprovementPercentPoints) {
    reasons.push(
      `CPU ${Number(cpuBefore.toFixed(1))}% -> ${Number(cpuAfter.toFixed(1))}%: did not improve` +
        (policy.cpuImprovementPercentPoints > 0 ? ` by ${policy.cpuImprovementPercentPoints} points` : ''),
    );
  }
  const connections = relativeRise('connections', '', figure(before, 'connections') ?? undefined, figure(after, 'connections') ?? undefined, policy.connectionsRisePercent);
  if (connections) reasons.push(connections);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

export function revertClassChange(change: DatabaseClassChange): DatabaseClassChange {
  return { dbInstanceIdentifier: change.dbInstanceIdentifier, fromClass: change.toClass, toClass: change.fromClass };
}

/**
 * The class a revert puts back comes from the state table: only a class on the environment's ladder, and only the rung
 * immediately below the class the change moved to (a change climbs one rung: planDatabaseScaleUp). `revert.fromClass`
 * is the change's `toClass`, which isApplied has matched against the instance; a forged `fromClass` further down the
 * ladder would otherwise drop the database several rungs at once.
 */
export function refuseClassRevert(revert: DatabaseClassChange, runtime: Pick<RuntimeConfig, 'env'>): string | undefined {
  const { ladder } = runtime.env.scaleUpDatabase;
  if (!ladder.includes(revert.toClass)) return `class ${JSON.stringify(revert.toClass)} for ${revert.dbInstanceIdentifier} is not on the environment's ladder (${ladder.join(', ')})`;
  const below = ladder[ladder.indexOf(revert.fromClass) - 1];
  if (below === undefined || revert.toClass !== below) {
    return (
      `class ${JSON.stringify(revert.toClass)} for ${revert.dbInstanceIdentifier} is not the rung immediately below ${JSON.stringify(revert.fromClass)} ` +
      `on the environment's ladder (${ladder.join(', ')}): the change climbed one rung, its revert goes back one`
    );
  }
  return undefined;
}
