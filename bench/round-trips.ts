// Sequential round trips of one decision: the longest chain of AWS calls each of which started after the one before it
// had answered. Calls that overlap in time ran concurrently and count once.

/** [start, end] of one call, in milliseconds on one clock. */
export type Span = readonly [number, number];

/**
 * The critical path's length in calls: a call's depth is one more than the deepest call that had ended before it
 * started. A stall of our own between two concurrent calls can only lengthen it (never shorten it), so the least
 * over several decisions is the code's figure; with a fixed latency far above our own work between calls, it is exact.
 */
export function sequentialRoundTrips(spans: readonly Span[]): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const depths: number[] = [];
  let deepest = 0;
  sorted.forEach(([start], i) => {
    let before = 0;
    for (let j = 0; j < i; j += 1) {
      const other = sorted[j] as Span;
      if (other[1] <= start) before = Math.max(before, depths[j] ?? 0);
    }
    depths[i] = before + 1;
    deepest = Math.max(deepest, before + 1);
  });
  return deepest;
}
