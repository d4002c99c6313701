// `npm run bench -- --check`: the figures that do not depend on the machine, compared with bench/results/baseline.json.
// Bytes at init, calls per decision, sequential round trips and the storm's changes per incident are counts: the same
// code gives the same figure on any machine, so a rise beyond the tolerance is a regression, said aloud (exit 1).

/** name -> value, e.g. "scale-consumers: sequential round trips" -> 8. */
export type Figures = Record<string, number>;

export const CHECK_TOLERANCE = 0.05;

export interface HandlerCounts {
  initBytes?: number;
  callsPerDecision?: number;
  sequentialRoundTrips?: number;
}

export function figuresOf(handlers: Record<string, HandlerCounts>, storm?: { changesPerIncident: number }): Figures {
  const figures: Figures = {};
  for (const [name, h] of Object.entries(handlers)) {
    if (h.initBytes !== undefined) figures[`${name}: bytes at init`] = h.initBytes;
    if (h.callsPerDecision !== undefined) figures[`${name}: calls per decision`] = h.callsPerDecision;
    if (h.sequentialRoundTrips !== undefined) figures[`${name}: sequential round trips`] = h.sequentialRoundTrips;
  }
  if (storm) figures['storm: changes per incident'] = storm.changesPerIncident;
  return figures;
}

export interface Comparison {
  regressions: string[];
  improvements: string[];
  /** In the baseline, not measured now (a handler skipped, a figure lost): a regression too, since nothing vouches for it. */
  missing: string[];
  /** Measured now, not in the baseline: reported, never a failure (commit a new baseline to hold it). */
  added: string[];
  compared: number;
}

/** Higher is worse for every figure; beyond `tolerance` (a fraction of the baseline) is a regression. */
export function compareFigures(current: Figures, baseline: Figures, tolerance = CHECK_TOLERANCE): Comparison {
  const result: Comparison = { regressions: [], improvements: [], missing: [], added: [], compared: 0 };
  for (const [name, before] of Object.entries(baseline)) {
    const now = current[name];
    if (now === undefined) {
      result.missing.push(`${name}: ${before} in the baseline, not measured now`);
      continue;
    }
    result.compared += 1;
    const change = before === 0 ? (now === 0 ? 0 : Infinity) : (now - before) / before;
    const text = `${name}: ${before} -> ${now} (${change === Infinity ? 'new' : `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`})`;
    if (change > tolerance) result.regressions.push(text);
    else if (now < before) result.improvements.push(text);
  }
  for (const name of Object.keys(current)) if (!(name in baseline)) result.added.push(`${name}: ${current[name]}`);
  return result;
}

export function checkFailed(comparison: Comparison): boolean {
  return comparison.regressions.length > 0 || comparison.missing.length > 0;
}
