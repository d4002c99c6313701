// Pure: Queue Backup's health after scaling consumers: each consumer's error rate and throttles, and how to revert the change.
import { countAppeared, errorRateRise, figure, readingMinutes } from '../pipeline/health-figures';
import type { HealthReading, SettingNow, VerifyChangePolicy } from '../pipeline/types';
import type { WindowMetric } from './metric-window';
import type { RuntimeConfig } from '../config/load-config';
import { restoredValueProblems, type ConsumerScalingChange, type QueueBackupObservation } from './queue-backup-plan';

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

/**
 * What the consumers' settings the change made read now: each mapping's MaximumConcurrency and each function's reserved
 * concurrency, beside the change. `atBefore` when every one reads the change's `from` again (the baseline restored).
 */
export function consumerSettingNow(observation: QueueBackupObservation, change: ConsumerScalingChange): SettingNow {
  const parts: string[] = [];
  let atBefore = true;
  for (const m of change.mappings) {
    const seen = observation.mappings.find((o) => o.uuid === m.uuid);
    const now = seen === undefined ? undefined : (seen.maximumConcurrency ?? null);
    if (now !== m.from) atBefore = false;
    const reads = now === undefined ? 'gone' : now === null ? 'no MaximumConcurrency' : `MaximumConcurrency ${now}`;
    parts.push(`mapping ${m.uuid} (${m.functionName}) ${reads} (the change: ${m.from} -> ${m.to})`);
  }
  for (const r of change.reservedConcurrency) {
    const now = Object.hasOwn(observation.functions, r.functionName) ? (observation.functions[r.functionName]?.reservedConcurrency ?? null) : undefined;
    if (now !== r.from) atBefore = false;
    const reads = now === undefined ? 'not a consumer of the queue any more' : now === null ? 'no reserved concurrency' : `reserved concurrency ${now}`;
    parts.push(`${r.functionName} ${reads} (the change: ${r.from ?? 'none'} -> ${r.to ?? 'none'})`);
  }
  return { reads: parts.join('; ') || 'nothing the change named', atBefore: atBefore && parts.length > 0 };
}

/** Every step back to where it started: mappings and reserved concurrency to their recorded `from`. */
export function revertConsumerScaling(change: ConsumerScalingChange): ConsumerScalingChange {
  return {
    mappings: change.mappings.map((m) => ({ ...m, from: m.to, to: m.from })),
    reservedConcurrency: change.reservedConcurrency.map((r) => ({ ...r, from: r.to, to: r.from })),
  };
}

/**
 * Why a revert goes back further than the step the change made. `from` on each line of the revert is the change's
 * `to`, which isApplied has matched against the emulator or AWS; `to` is the change's recorded `from`. A scale-up raises
 * each mapping by at most stepConcurrency (less where a cap or reserved concurrency held it: planConsumerScaling), and
 * raises a function's reserved concurrency by at most what its mappings were raised, where the reservation covered its
 * mappings before (the plan raises it to what the mappings then need). A forged `from` at the floor fails this.
 */
export function consumerRevertStepProblems(revert: ConsumerScalingChange, policy: Pick<RuntimeConfig['env']['scaleConsumers'], 'stepConcurrency'>): string[] {
  const problems: string[] = [];
  // Each mapping and each reservation once: a repeated line would count its step twice towards what a reservation may drop.
  const repeated = (keys: unknown[]): unknown[] => keys.filter((k, i) => keys.indexOf(k) !== i);
  for (const uuid of new Set(repeated(revert.mappings.map((m) => m.uuid as unknown)))) {
    problems.push(`mapping ${JSON.stringify(uuid)} appears more than once in the recorded change: each mapping is scaled once`);
  }
  for (const fn of new Set(repeated(revert.reservedConcurrency.map((r) => r.functionName as unknown)))) {
    problems.push(`reserved concurrency of ${JSON.stringify(fn)} appears more than once in the recorded change: each function's is set once`);
  }
  if (problems.length > 0) return problems;
  const raisedBy = new Map<string, number>();
  for (const m of revert.mappings) {
    const current = m.from as unknown;
    const back = m.to as unknown;
    if (typeof current !== 'number' || typeof back !== 'number' || !(back < current && current - back <= policy.stepConcurrency)) {
      problems.push(
        `MaximumConcurrency ${JSON.stringify(back)} for mapping ${m.uuid} is not within one step (${policy.stepConcurrency}) below ${JSON.stringify(current)}: ` +
          'the change raised it one step, its revert goes back one',
      );
      continue;
    }
    raisedBy.set(m.functionName, (raisedBy.get(m.functionName) ?? 0) + current - back);
  }
  for (const r of revert.reservedConcurrency) {
    const current = r.from as unknown;
    const back = r.to as unknown;
    const step = raisedBy.get(r.functionName) ?? 0;
    if (typeof current !== 'number' || typeof back !== 'number' || !(back < current && current - back <= step)) {
      problems.push(
        `reserved concurrency ${JSON.stringify(back)} for ${r.functionName} is not within the ${step} its mappings were raised below ${JSON.stringify(current)}: ` +
          'the change raised it by what its consumers needed for one step, its revert goes back that much',
      );
    }
  }
  return problems;
}

/**
 * A revert puts back values read from the state table (the recorded change's `from`): each must pass the environment's
 * floors and caps, reserved concurrency only on a function whose mapping the change scaled, and no value further back
 * than the step the change made (consumerRevertStepProblems).
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
  if (problems.length > 0) return problems.join('; ');
  const steps = consumerRevertStepProblems(revert, runtime.env.scaleConsumers);
  return steps.length > 0 ? steps.join('; ') : undefined;
}
