// Pure: the comparisons the rows' health checks share (error rate, a count per minute, a relative rise), with their wording.
import type { HealthReading, VerifyChangePolicy } from './types';

const fixed = (n: number): string => String(Number(n.toFixed(1)));

export function figure(reading: HealthReading, name: string): number | null {
  return reading.figures[name] ?? null;
}

/** Whole minutes the reading covers (at least 1). */
export function readingMinutes(reading: HealthReading): number {
  return Math.max(1, Math.round((Date.parse(reading.to) - Date.parse(reading.from)) / 60_000));
}

/** Errors / Invocations in percent; undefined without invocations. */
export function errorRatePercent(errors: number | null, invocations: number | null): number | undefined {
  if (invocations === null || invocations <= 0) return undefined;
  return ((errors ?? 0) / invocations) * 100;
}

/**
 * The error rate rose by more than the policy allows. A window with no invocations before counts as 0%; after, at least
 * `minInvocations` are needed to say anything. Lambda's Errors include timeouts (the runtime's own errors), so a change
 * that makes the function time out shows here too.
 */
export function errorRateRise(label: string, before: { errors: number | null; invocations: number | null }, after: { errors: number | null; invocations: number | null }, policy: VerifyChangePolicy): string | undefined {
  if ((after.invocations ?? 0) < policy.minInvocations) return undefined;
  const afterRate = errorRatePercent(after.errors, after.invocations) ?? 0;
  const beforeRate = errorRatePercent(before.errors, before.invocations) ?? 0;
  if (afterRate - beforeRate <= policy.errorRateRisePercentPoints) return undefined;
  return (
    `${label} error rate ${fixed(beforeRate)}% -> ${fixed(afterRate)}% ` +
    `(errors/invocations ${before.errors ?? 0}/${before.invocations ?? 0} -> ${after.errors ?? 0}/${after.invocations ?? 0}), ` +
    `more than +${policy.errorRateRisePercentPoints} points`
  );
}

/** A count that should stay at zero (throttles) appeared, or grew per minute. */
export function countAppeared(label: string, before: number | null, beforeMinutes: number, after: number | null, afterMinutes: number): string | undefined {
  const afterCount = after ?? 0;
  if (afterCount <= 0) return undefined;
  const beforeCount = before ?? 0;
  if (afterCount / afterMinutes <= beforeCount / beforeMinutes) return undefined;
  return beforeCount === 0
    ? `${label} appeared: 0 -> ${afterCount} in ${afterMinutes} min`
    : `${label} rose: ${beforeCount} in ${beforeMinutes} min -> ${afterCount} in ${afterMinutes} min`;
}

/** `after` is more than `percent`% above `before` (both known, before positive). */
export function relativeRise(label: string, unit: string, before: number | undefined, after: number | undefined, percent: number): string | undefined {
  if (before === undefined || after === undefined || before <= 0) return undefined;
  if (after <= before * (1 + percent / 100)) return undefined;
  return `${label} ${fixed(before)}${unit} -> ${fixed(after)}${unit} (+${fixed(((after - before) / before) * 100)}%, more than +${percent}%)`;
}
