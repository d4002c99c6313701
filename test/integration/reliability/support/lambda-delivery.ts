// How EventBridge hands an alarm event to a Lambda target (an asynchronous invocation), and how Lambda retries it.
import type { AlarmHandler } from '../../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../../shared/pipeline/types';
import type { ManualClock } from '../../../support/manual-clock';

/**
 * Lambda, "How Lambda handles errors and retries with asynchronous invocation": a function error is retried twice,
 * one minute after the first attempt and two minutes after the second. Then the event goes to the on-failure
 * destination or dead-letter queue, if any.
 */
export const LAMBDA_ASYNC_RETRY_DELAYS_SECONDS: readonly number[] = [60, 120];

export interface DeliveryResult {
  /** The decision of the attempt that returned; undefined when every attempt threw. */
  decision?: Decision;
  attempts: number;
  errors: Error[];
}

export interface DeliveryOptions {
  /** Advanced by each retry delay; without it the retries come at once (the claim is released on a transient failure). */
  clock?: ManualClock;
  delaysSeconds?: readonly number[];
  /** Runs before each retry (attempt 2, 3...): e.g. the emulator comes back. */
  beforeRetry?(attempt: number): Promise<void> | void;
}

/** Invokes the handler as Lambda's asynchronous invocation would: retried on a thrown error, a returned decision ends it. */
export async function deliverAsynchronously(handler: AlarmHandler, event: unknown, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const delays = options.delaysSeconds ?? LAMBDA_ASYNC_RETRY_DELAYS_SECONDS;
  const errors: Error[] = [];
  for (let attempt = 1; attempt <= delays.length + 1; attempt += 1) {
    if (attempt > 1) {
      options.clock?.advanceSeconds(delays[attempt - 2] ?? 0);
      await options.beforeRetry?.(attempt);
    }
    try {
      return { decision: await handler(event), attempts: attempt, errors };
    } catch (error) {
      errors.push(error as Error);
    }
  }
  return { attempts: delays.length + 1, errors };
}
