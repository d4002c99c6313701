// CPU Utilization > 70% -> scale up the database: the playbook module for handler scale-up-database.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { partitionOf } from '../aws/arn';
import { callAws, classifyAwsError, errorName } from '../aws/classify-error';
import { recordUnansweredAttempts, unansweredAttemptsBefore } from '../aws/unanswered-attempts';
import { InvalidInputError, PermanentError } from '../errors';
import { primaryMetric } from '../events/primary-metric';
import type { Playbook, PlaybookContext, ResourceRef } from '../pipeline/types';
import { DATABASE_HEALTH_SIGNAL, databaseHealthMetrics, databaseHealthWorse, refuseClassRevert, revertClassChange, databaseSettingNow } from './cpu-utilization-health';
import { readWindowMetrics } from './metric-window';
import { regionDatabases, regionDatabasesLabel } from './region-databases';
import { refuseAlarmOfAnotherRegion } from './region-target';
import { regionServingSource } from '../pipeline/region-serving-source';
import { planDatabaseScaleUp, type DatabaseClassChange, type DatabaseObservation } from './cpu-utilization-plan';
import { configuredAlarm, type AlarmMetricRead } from './alarm-corroboration';
import { readAlarmMetricFor } from './alarm-metric-reading';

export interface CpuUtilizationClients {
  rds: RDSClient;
  /** The alarm's CPUUtilization read with the instance (decision 217), and the health check's reading after a change. */
  cloudWatch?: CloudWatchClient;
}

/** The instance as RDS describes it, with the alarm's CPUUtilization as CloudWatch holds it (decision 217). */
export type DatabaseReading = DatabaseObservation & { cpuMetric?: AlarmMetricRead };

export interface DatabaseTarget {
  resource: ResourceRef;
  dbInstanceIdentifier: string;
}

type Ctx = PlaybookContext<CpuUtilizationClients>;

const ROW = 'cpu-utilization';
/**
 * How long verify watches the class change. A real one takes minutes to tens of minutes; past this bound the
 * decision reports the change as accepted and still in progress (RDS finishes it on its own) rather than failing.
 */
// 4 x 15 s keeps verify well inside the handler's 120 s Lambda timeout (infra/lib/settings.ts), itself under the 150 s
// claim lease (claimLeaseSeconds, shared/config/claim-lease.ts); the scheduled health check (verify-change) looks again
// once the window has passed.
const SETTLE_POLLS = 4;
const SETTLE_INTERVAL_MS = 15_000;

async function describe(ctx: Ctx, id: string): Promise<DBInstance> {
  const result = await callAws('RDS DescribeDBInstances', () => ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })));
  const instance = result.DBInstances?.[0];
  if (!instance) throw new PermanentError(`RDS DescribeDBInstances returned no instance ${id}`);
  return instance;
}

/** RDS's refusal of a modification while the instance is not `available` (API reference, ModifyDBInstance: InvalidDBInstanceState, 400). */
function isInstanceStateRefusal(error: unknown): boolean {
  const name = errorName(error);
  return name === 'InvalidDBInstanceStateFault' || name === 'InvalidDBInstanceState';
}

function observationOf(id: string, db: DBInstance): DatabaseObservation {
  return {
    dbInstanceIdentifier: id,
    instanceClass: db.DBInstanceClass ?? 'unknown',
    status: db.DBInstanceStatus ?? 'unknown',
    multiAz: db.MultiAZ ?? false,
    ...(db.Engine ? { engine: db.Engine } : {}),
    ...(db.PendingModifiedValues?.DBInstanceClass ? { pendingInstanceClass: db.PendingModifiedValues.DBInstanceClass } : {}),
    readReplicas: db.ReadReplicaDBInstanceIdentifiers ?? [],
    ...(db.DBClusterIdentifier ? { clusterIdentifier: db.DBClusterIdentifier } : {}),
  };
}

export const cpuUtilizationPlaybook: Playbook<CpuUtilizationClients, DatabaseTarget, DatabaseReading, DatabaseClassChange> = {
  name: 'scale-up-database',
  row: ROW,
  // Only on ALARM: scaling back down is downtime too, so a person decides when.
  actsOn: ['ALARM'],
  // The RDS client marks a failed call with its earlier attempts that had no answer (apply's refused retry, R21b-3).
  createClients: (config, shared) => {
    const rds = new RDSClient(config);
    recordUnansweredAttempts(rds.middlewareStack);
    return { rds, cloudWatch: shared.cloudWatch };
  },
  // A change in the DR region waits for that region to serve (FailoverToDR has run there: decision 123).
  regionServing: regionServingSource,
  actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance'],

  resolveTarget(event, runtime) {
    refuseAlarmOfAnotherRegion(event, runtime, 'scale-up-database');
    const metric = primaryMetric(event);
    if (!metric) {
      throw new InvalidInputError(
        `alarm "${event.alarmName}" is a ${event.kind} alarm without a metric: scale-up-database needs an AWS/RDS CPUUtilization alarm with a DBInstanceIdentifier dimension`,
      );
    }
    const id = metric.dimensions.DBInstanceIdentifier;
    if (metric.namespace !== 'AWS/RDS' || !id) {
      throw new InvalidInputError(
        `alarm "${event.alarmName}" watches ${metric.namespace ?? '?'} ${metric.metricName ?? metric.expression ?? '?'} ` +
          `${JSON.stringify(metric.dimensions)}: scale-up-database acts on AWS/RDS alarms with a DBInstanceIdentifier dimension` +
          (metric.dimensions.DBClusterIdentifier ? ' (an Aurora cluster alarm names no instance to resize)' : ''),
      );
    }
    // In the DR region the database there is the promoted replica (regionDatabases, decision 101), never the primary's.
    const owned = regionDatabases(runtime);
    if (!owned.includes(id)) {
      throw new InvalidInputError(`database ${id} is not one of ${regionDatabasesLabel(runtime)} this automation owns (${owned.join(', ') || 'none'})`);
    }
    return {
      resource: { type: 'rds-db-instance', id, arn: `arn:${partitionOf(runtime.region)}:rds:${runtime.region}:${event.account}:db:${id}` },
      dbInstanceIdentifier: id,
    };
  },

  async observe(ctx, target, event) {
    // The instance and the alarm's CPUUtilization at once (one round trip): CloudWatch's datapoints, not the event's.
    const [instance, cpuMetric] = await Promise.all([
      describe(ctx, target.dbInstanceIdentifier),
      readAlarmMetricFor(ctx.clients.cloudWatch, ctx.runtime, event, ctx.clock.now()),
    ]);
    return { ...observationOf(target.dbInstanceIdentifier, instance), ...(cpuMetric ? { cpuMetric } : {}) };
  },

  plan({ event, observation, runtime }) {
    const runbookName = runtime.config.troubleshooting.find((row) => row.id === ROW)?.runbook;
    const configured = configuredAlarm(runtime, event.alarmName);
    const { cpuMetric, ...instance } = observation;
    return planDatabaseScaleUp({
      observation: instance,
      policy: runtime.env.scaleUpDatabase,
      environment: runtime.environment,
      ...(runbookName ? { runbookName } : {}),
      alarm: { alarmName: event.alarmName, ...(configured ? { configured } : {}) },
      ...(cpuMetric ? { cpuMetric } : {}),
    });
  },

  async apply(ctx, _target, change) {
    const id = change.dbInstanceIdentifier;
    try {
      await ctx.clients.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: change.toClass, ApplyImmediately: true }));
    } catch (error) {
      // RDS refuses a modification of an instance that is not `available` (InvalidDBInstanceState, 400). When an earlier
      // attempt of this call ended with NO answer (timed out, reset: the SDK retries it since decision 337), the refusal
      // can be RDS's answer to this very change: that attempt was applied, its answer lost, and the instance is now
      // `modifying`. So the instance is read again: the class planned, running or pending, is this change made (review
      // 20d R20-61). An earlier attempt that was answered (a throttle, a 5xx) applied nothing: a refusal after it is
      // someone else's modification under way, even one to the same class (review 21b R21b-3), and is never read back
      // as ours. The count of unanswered attempts is the RDS client's middleware's (shared/aws/unanswered-attempts.ts).
      if (!isInstanceStateRefusal(error)) throw classifyAwsError(error, 'RDS ModifyDBInstance');
      const attempts = (error as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1;
      const unanswered = unansweredAttemptsBefore(error);
      if (attempts < 2) throw classifyAwsError(error, 'RDS ModifyDBInstance');
      if (!unanswered) {
        throw new PermanentError(
          `RDS ModifyDBInstance of ${id} to ${change.toClass} refused after ${attempts} attempts (${errorName(error)}: ${(error as { message?: string }).message ?? ''}): ` +
            (unanswered === undefined
              ? 'what the earlier attempts met was not recorded (a client without the attempt record), so none is taken as applied: '
              : 'every earlier attempt was answered (throttled or failed: nothing applied), so none of this change was taken: ') +
            'another modification is under way',
          { cause: error },
        );
      }
      const seen = observationOf(id, await describe(ctx, id));
      if (seen.instanceClass === change.toClass || seen.pendingInstanceClass === change.toClass) return;
      throw new PermanentError(
        `RDS ModifyDBInstance of ${id} to ${change.toClass} refused after ${attempts} attempts (${errorName(error)}: ${(error as { message?: string }).message ?? ''}): ` +
          `the instance reads ${seen.instanceClass} (${seen.status})${seen.pendingInstanceClass ? ` with ${seen.pendingInstanceClass} pending` : ', no class change pending'}, ` +
          `so no attempt of this change was taken: another modification is under way`,
        { cause: error },
      );
    }
  },

  async verify(ctx, _target, change) {
    let seen = observationOf(change.dbInstanceIdentifier, await describe(ctx, change.dbInstanceIdentifier));
    for (let poll = 1; poll < SETTLE_POLLS; poll += 1) {
      if (seen.status === 'available' && seen.instanceClass === change.toClass && seen.pendingInstanceClass === undefined) break;
      await ctx.clock.sleep(SETTLE_INTERVAL_MS);
      seen = observationOf(change.dbInstanceIdentifier, await describe(ctx, change.dbInstanceIdentifier));
    }
    const settled = seen.status === 'available' && seen.instanceClass === change.toClass;
    if (!settled && seen.instanceClass !== change.toClass && seen.pendingInstanceClass !== change.toClass && seen.status === 'available') {
      throw new PermanentError(`${change.dbInstanceIdentifier} reads ${seen.instanceClass} (available) with no change pending: RDS did not take ${change.toClass}`);
    }
    return {
      instanceClass: seen.instanceClass,
      status: seen.status,
      ...(settled ? {} : { pendingInstanceClass: change.toClass, note: `still ${seen.status} after ${(SETTLE_POLLS * SETTLE_INTERVAL_MS) / 60_000} min: RDS finishes the change on its own` }),
    };
  },

  isApplied(observation, change) {
    return observation.instanceClass === change.toClass || observation.pendingInstanceClass === change.toClass;
  },

  settingNow: databaseSettingNow,

  notInEffect(observation, change) {
    if (observation.instanceClass !== change.toClass) {
      return `${change.dbInstanceIdentifier} runs ${observation.instanceClass}, not ${change.toClass} (still pending): a revert is measured from the class the instance runs`;
    }
    if (observation.pendingInstanceClass !== undefined) {
      return `${change.dbInstanceIdentifier} has another class change pending (${observation.pendingInstanceClass}): a person decides`;
    }
    return undefined;
  },

  health: {
    signal: DATABASE_HEALTH_SIGNAL,
    read(ctx, _target, change, window) {
      if (!ctx.clients.cloudWatch) throw new PermanentError('scale-up-database was built without a CloudWatch client: its health cannot be read');
      return readWindowMetrics(ctx.clients.cloudWatch, databaseHealthMetrics(change), window);
    },
    worse: databaseHealthWorse,
    revertOf: revertClassChange,
    refuseRevert: refuseClassRevert,
  },
};
