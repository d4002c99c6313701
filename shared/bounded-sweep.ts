// Runs a sweep's overdue work in a small pool under the function's deadline (review 17 R17-6): the escalation sweep's
// timers and the verify sweep's health checks. No SDK, no clock: the time left is asked of the caller.

/** What a sweep is given of its invocation: the Lambda context's getRemainingTimeInMillis, when there is one. */
export interface SweepBudget {
  remainingMs?: () => number;
}

export interface BoundedRunOptions {
  /** How many items run at once (groups in parallel; a group's items one after the other). */
  concurrency: number;
  /** No item starts once `remainingMs()` is at or below this: the ones started finish inside it. */
  reserveMs: number;
  /** Unset: no deadline (an invocation without a Lambda context). */
  remainingMs?: () => number;
}

export interface BoundedRun<T, R> {
  /** Every item started, each with its outcome, in the order given (not the order they finished). */
  settled: Array<{ item: T; result: PromiseSettledResult<R> }>;
  /** The items never started because the deadline came first, in the order given: the next sweep's. */
  left: T[];
  /** What `remainingMs()` answered when the run stopped taking work (undefined: it never stopped early). */
  stoppedWithMs?: number;
}

/**
 * Runs `run` on every item, at most `concurrency` at once. The items of one group (one incident's timers, one change's
 * check) run in order, never two at once; groups are taken in the order given, so the oldest due is started first. Before
 * each item the time left is read: at or below the reserve, this worker and every other stops starting items, and what
 * was not started is returned as `left`. A failing item does not stop the others (its rejection is in `settled`).
 */
export async function runBounded<T, R>(groups: ReadonlyArray<readonly T[]>, options: BoundedRunOptions, run: (item: T) => Promise<R>): Promise<BoundedRun<T, R>> {
  const offsets: number[] = [];
  let total = 0;
  for (const group of groups) {
    offsets.push(total);
    total += group.length;
  }
  const slots: Array<{ item: T; result: PromiseSettledResult<R> } | undefined> = new Array<undefined>(total).fill(undefined);
  let nextGroup = 0;
  let stoppedWithMs: number | undefined;
  const outOfTime = (): boolean => {
    if (stoppedWithMs !== undefined) return true;
    const left = options.remainingMs?.();
    if (left === undefined || left > options.reserveMs) return false;
    stoppedWithMs = left;
    return true;
  };
  const worker = async (): Promise<void> => {
    while (nextGroup < groups.length) {
      const index = nextGroup++;
      const group = groups[index] ?? [];
      for (const [position, item] of group.entries()) {
        if (outOfTime()) return;
        let result: PromiseSettledResult<R>;
        try {
          result = { status: 'fulfilled', value: await run(item) };
        } catch (reason) {
          result = { status: 'rejected', reason };
        }
        slots[(offsets[index] ?? 0) + position] = { item, result };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, groups.length)) }, worker));
  const settled: BoundedRun<T, R>['settled'] = [];
  const left: T[] = [];
  groups.flat().forEach((item, i) => {
    const slot = slots[i];
    if (slot) settled.push(slot);
    else left.push(item as T);
  });
  return { settled, left, ...(stoppedWithMs !== undefined ? { stoppedWithMs } : {}) };
}

/** Items grouped by `key`, in the order each key first appears (the oldest due first), each group in its own order. */
export function groupInOrder<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return [...groups.values()];
}
