// Pure: Memory Pressure's health after raising memory: the function's error rate (timeouts included) and its average duration.
import { errorRateRise, figure, relativeRise } from '../pipeline/health-figures';
import type { HealthReading, SettingNow, VerifyChangePolicy } from '../pipeline/types';
import type { RuntimeConfig } from '../config/load-config';
import { AWS_MAX_MEMORY_MB, AWS_MIN_MEMORY_MB, nextMemoryStepMb, type MemoryChange, type MemoryObservation } from './memory-pressure-plan';
import type { WindowMetric } from './metric-window';

export const MEMORY_HEALTH_SIGNAL = 'function Errors / Invocations (timeouts included) and average Duration (AWS/Lambda)';

/** What the function's MemorySize reads now, beside the raise; `atBefore` when it is the size before the raise again. */
export function memorySettingNow(observation: Pick<MemoryObservation, 'memoryMb'>, change: MemoryChange): SettingNow {
  return { reads: `MemorySize of ${change.functionName} ${observation.memoryMb} MB (the change: ${change.fromMb} -> ${change.toMb} MB)`, atBefore: observation.memoryMb === change.fromMb };
}

/** Errors, Invocations and Duration (Sum): Duration's sum over Invocations' is the exact average over the window. */
export function memoryHealthMetrics(change: MemoryChange): WindowMetric[] {
  const dimensions = { FunctionName: change.functionName };
  return (['Errors', 'Invocations', 'Duration'] as const).map((metricName) => ({
    figure: metricName === 'Duration' ? 'durationSumMs' : metricName.toLowerCase(),
    namespace: 'AWS/Lambda',
    metricName,
    dimensions,
    stat: 'Sum' as const,
  }));
}

function averageDurationMs(reading: HealthReading, minInvocations: number): number | undefined {
  const invocations = figure(reading, 'invocations');
  const sum = figure(reading, 'durationSumMs');
  if (invocations === null || sum === null || invocations < minInvocations) return undefined;
  return sum / invocations;
}

/**
 * Worse after raising memory: more errors or timeouts (Lambda counts a timeout in Errors), or slower invocations.
 * More memory also means more CPU, so a healthy raise keeps or lowers the duration; a rise points at something else.
 */
export function memoryHealthWorse(before: HealthReading, after: HealthReading, policy: VerifyChangePolicy): string | undefined {
  const reasons = [
    errorRateRise(
      'function',
      { errors: figure(before, 'errors'), invocations: figure(before, 'invocations') },
      { errors: figure(after, 'errors'), invocations: figure(after, 'invocations') },
      policy,
    ),
    // The average of a handful of invocations says little: both windows need minInvocations.
    relativeRise('average duration', ' ms', averageDurationMs(before, policy.minInvocations), averageDurationMs(after, policy.minInvocations), policy.durationRisePercent),
  ].filter((r): r is string => r !== undefined);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

export function revertMemoryRaise(change: MemoryChange): MemoryChange {
  return { functionName: change.functionName, fromMb: change.toMb, toMb: change.fromMb };
}

/**
 * The memory a revert puts back comes from the state table: never below the environment's floor or above its cap, and
 * never more than the one step the change made. `revert.fromMb` is the change's `toMb`, which isApplied has matched
 * against the function; the change raised it one step from `toMb` here (planMemoryRaise: current x stepFactor, rounded
 * up, or less where a cap held it), so `toMb` < `fromMb` <= nextMemoryStepMb(`toMb`). A forged `fromMb` at the floor
 * under a function raised several times fails this.
 */
export function refuseMemoryRevert(revert: MemoryChange, runtime: Pick<RuntimeConfig, 'env'>): string | undefined {
  const policy = runtime.env.raiseLambdaMemory;
  const floor = Math.max(AWS_MIN_MEMORY_MB, policy.minMemoryMb ?? AWS_MIN_MEMORY_MB);
  const cap = Math.min(AWS_MAX_MEMORY_MB, policy.maxMemoryMb);
  const mb = revert.toMb as unknown;
  if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < floor || mb > cap) {
    return `memory ${JSON.stringify(mb)} MB for ${revert.functionName} is outside ${floor}..${cap} MB (the environment's floor and cap)`;
  }
  const current = revert.fromMb as unknown;
  const stepUp = nextMemoryStepMb(mb, policy);
  if (typeof current !== 'number' || !(mb < current && current <= stepUp)) {
    return (
      `memory ${mb} MB for ${revert.functionName} is not one step below ${JSON.stringify(current)} MB (one step up from ${mb} MB is ${stepUp} MB): ` +
      'the change raised memory one step, its revert goes back one'
    );
  }
  return undefined;
}
