// Pure: Queue Backup's health after scaling consumers: each consumer's error rate and throttles, and how to revert the change.
import { countAppeared, errorRateRise, figure, readingMinutes } from '../pipeline/health-figures';
import type { HealthReading, VerifyChangePolicy } from '../pipeline/types';
import type { WindowMetric } from './metric-window';
import type { RuntimeConfig } from '../config/load-config';
import { restoredValueProblems, type ConsumerScalingChange } from './queue-backup-plan';

export const CONSUMER_HEALTH_SIGNAL = 'consumer Errors / Invocations and Throttles (AWS/Lambda, per function)';

/** The functions whose consumers the change touched. */
function consumersOf(change: ConsumerScalingChange): string[] {
  return [...new Set([...change.mappings.map((m) => m.functionName), ...change.reservedConcurrency.map((r) => r.functionName)])].sort();
}

/** AWS/Lambda Errors, Invocations and Throttles (Sum) of each consumer: more consumers must not mean more failures. */
export function consumerHealthMetrics(change: ConsumerScalingChange): WindowMetric[] {
  return consumersOf(change).flatMap((fn) =>
    (['Errors', 'Invocations', 'Throttles'] as const).map((metricName) => ({
      figure: `${fn}.${metricName.toLowerCase()}`,
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: fn },
      stat: 'Sum' as const,
    })),
  );
}

/**
 * Worse after scaling up: a consumer's error rate rose (more concurrency pressing on a struggling dependency) or
 * throttles appeared (the function's reserved or the account's concurrency no longer covers its consumers).
 */
export function consumerHealthWorse(before: HealthReading, after: HealthReading, policy: VerifyChangePolicy): string | undefined {
  const functions = [...new Set(Object.keys(after.figures).map((name) => name.slice(0, name.lastIndexOf('.'))))].sort();
  const reasons: string[] = [];
  for (const fn of functions) {
    const rise = errorRateRise(
      fn,
      { errors: figure(before, `${fn}.errors`), invocations: figure(before, `${fn}.invocations`) },
      { errors: figure(after, `${fn}.errors`), invocations: figure(after, `${fn}.invocations`) },
      policy,
    );
    if (rise) reasons.push(rise);
    const throttles = countAppeared(`${fn} throttles`, figure(before, `${fn}.throttles`), readingMinutes(before), figure(after, `${fn}.throttles`), readingMinutes(after));
    if (throttles) reasons.push(throttles);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** Every step back to where it started: mappings and reserved concurrency to their recorded `from`. */
export function revertConsumerScaling(change: ConsumerScalingChange): ConsumerScalingChange {
  return {
    mappings: change.mappings.map((m) => ({ ...m, from: m.to, to: m.from })),
    reservedConcurrency: change.reservedConcurrency.map((r) => ({ ...r, from: r.to, to: r.from })),
  };
}

/**
 * A revert puts back values read from the state table (the recorded change's `from`): each must pass the environment's
 * floors and caps, and reserved concurrency only on a function whose mapping the change scaled.
 */
export function refuseConsumerRevert(revert: ConsumerScalingChange, runtime: Pick<RuntimeConfig, 'env'>): string | undefined {
  const consumers = new Set(revert.mappings.map((m) => m.functionName));
  const problems = restoredValueProblems(
    {
      mappings: Object.fromEntries(revert.mappings.map((m) => [m.uuid, m.to])),
      reservedConcurrency: Object.fromEntries(revert.reservedConcurrency.map((r) => [r.functionName, r.to])),
    },
    runtime.env.scaleConsumers,
    consumers,
  );
  return problems.length > 0 ? problems.join('; ') : undefined;
}
