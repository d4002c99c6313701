// `npm run bench -- --check`: the figures that do not depend on the machine, compared with bench/results/baseline.json.
// Bytes at init, calls per decision, sequential round trips and the storm's changes per incident are counts: the same
// code gives the same figure on any machine, so a rise beyond the tolerance is a regression, said aloud (exit 1). A drop
// beyond it in calls, sequential round trips or changes per incident fails too (a path that stops doing its work must not
// pass as "better"): if intended, the baseline is re-written with --write-figures. And every path's recorded outcome
// must be the one bench/paths.ts expects of it (checkOutcomes).

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
  /** Calls, sequential round trips or changes per incident lower than the baseline beyond the tolerance: a failure too. */
  drops: string[];
  /** Lower bytes at init (or a drop within the tolerance): reported, never a failure. */
  improvements: string[];
  /** In the baseline, not measured now (a handler skipped, a figure lost): a regression too, since nothing vouches for it. */
  missing: string[];
  /** Measured now, not in the baseline: reported, never a failure (commit a new baseline to hold it). */
  added: string[];
  compared: number;
}

export const DROP_ADVICE = 'lower than the baseline: if intended, re-write the baseline with --write-figures';

/** Figures whose drop is work no longer done (a call, a round trip, a change), not a saving: bytes at init may fall freely. */
export function dropFails(name: string): boolean {
  return !name.endsWith(': bytes at init');
}

/**
 * Higher is worse for every figure; beyond `tolerance` (a fraction of the baseline) is a regression. Lower beyond the
 * tolerance is a drop (a failure) for calls, sequential round trips and changes per incident, an improvement for bytes.
 */
export function compareFigures(current: Figures, baseline: Figures, tolerance = CHECK_TOLERANCE): Comparison {
  const result: Comparison = { regressions: [], drops: [], improvements: [], missing: [], added: [], compared: 0 };
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
    else if (change < -tolerance && dropFails(name)) result.drops.push(`${text}: ${DROP_ADVICE}`);
    else if (now < before) result.improvements.push(text);
  }
  for (const name of Object.keys(current)) if (!(name in baseline)) result.added.push(`${name}: ${current[name]}`);
  return result;
}

export function checkFailed(comparison: Comparison, outcomeFailures: readonly string[] = []): boolean {
  return comparison.regressions.length > 0 || comparison.drops.length > 0 || comparison.missing.length > 0 || outcomeFailures.length > 0;
}

/** What a path decided (the decision its recorded run returned), or why it was not measured. */
export type RecordedOutcome = { outcome: string; reason?: string } | { skipped: string };

export interface OutcomeExpectation {
  outcome: string;
  reasonIncludes?: readonly string[];
}

/**
 * Each measured path's outcome against the one expected of it: one line per path that decided otherwise (naming the path,
 * the expected and what it got), was skipped, or has no expectation (nothing would vouch for its figures).
 */
export function checkOutcomes(recorded: ReadonlyMap<string, RecordedOutcome>, expected: Readonly<Record<string, OutcomeExpectation>>): string[] {
  const failures: string[] = [];
  for (const [path, got] of recorded) {
    const want = expected[path];
    if (!want) {
      failures.push(`${path}: no expected outcome in bench/paths.ts, got ${'skipped' in got ? `skipped (${got.skipped})` : got.outcome}`);
      continue;
    }
    const wanted = `${want.outcome}${want.reasonIncludes?.length ? ` (the reason naming ${want.reasonIncludes.map((t) => JSON.stringify(t)).join(' and ')})` : ''}`;
    if ('skipped' in got) {
      failures.push(`${path}: expected ${wanted}, got no decision (skipped: ${got.skipped})`);
      continue;
    }
    const reason = got.reason ?? '';
    if (got.outcome !== want.outcome || (want.reasonIncludes ?? []).some((text) => !reason.includes(text))) {
      failures.push(`${path}: expected ${wanted}, got ${got.outcome}: ${reason || '(no reason recorded)'}`);
    }
  }
  return failures;
}

/** A path's decision as recorded against the emulator, and what its replays (answered from that recording) decided. */
export interface ReplayedOutcomes {
  recorded: string;
  /** outcome -> decisions, over every replayed decision (answered at once and after the fixed latency). */
  replayed: Readonly<Record<string, number>>;
}

/**
 * The figures are the replay's: a replayed decision that decides other than the recorded one (its answers mismatched, a
 * cache or clock the replay sees otherwise) measures another path, and its lower counts would read as a saving. One line
 * per path whose replays did not all decide as recorded.
 */
export function checkReplays(paths: ReadonlyMap<string, ReplayedOutcomes>): string[] {
  const failures: string[] = [];
  for (const [path, { recorded, replayed }] of paths) {
    const other = Object.entries(replayed).filter(([outcome, n]) => outcome !== recorded && n > 0);
    if (other.length === 0) continue;
    const total = Object.values(replayed).reduce((a, b) => a + b, 0);
    failures.push(`${path}: recorded ${recorded}, but ${other.map(([outcome, n]) => `${n} of ${total} replayed decisions ${outcome}`).join(', ')}: its figures measure another path`);
  }
  return failures;
}
