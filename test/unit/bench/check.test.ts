// bench --check's comparison (bench/check.ts) and its round-trip count (bench/round-trips.ts): pure, with figures made here.
import { checkFailed, compareFigures, figuresOf } from '../../../bench/check';
import { sequentialRoundTrips, type Span } from '../../../bench/round-trips';

describe('bench --check comparison', () => {
  const baseline = figuresOf(
    { 'scale-consumers': { initBytes: 600_000, callsPerDecision: 20, sequentialRoundTrips: 8 }, escalate: { initBytes: 500_000, callsPerDecision: 15, sequentialRoundTrips: 15 } },
    { changesPerIncident: 1 },
  );

  it('names every figure the baseline holds', () => {
    expect(Object.keys(baseline).sort()).toEqual([
      'escalate: bytes at init',
      'escalate: calls per decision',
      'escalate: sequential round trips',
      'scale-consumers: bytes at init',
      'scale-consumers: calls per decision',
      'scale-consumers: sequential round trips',
      'storm: changes per incident',
    ]);
  });

  it('passes on the same figures', () => {
    const result = compareFigures({ ...baseline }, baseline);
    expect(result).toEqual({ regressions: [], improvements: [], missing: [], added: [], compared: 7 });
    expect(checkFailed(result)).toBe(false);
  });

  it('fails on one more sequential round trip (8 -> 9 is +12.5%)', () => {
    const result = compareFigures({ ...baseline, 'scale-consumers: sequential round trips': 9 }, baseline);
    expect(result.regressions).toEqual(['scale-consumers: sequential round trips: 8 -> 9 (+12.5%)']);
    expect(checkFailed(result)).toBe(true);
  });

  it('holds bytes to 5%: 600,000 -> 630,000 passes, 630,001 fails', () => {
    expect(compareFigures({ ...baseline, 'scale-consumers: bytes at init': 630_000 }, baseline).regressions).toEqual([]);
    expect(compareFigures({ ...baseline, 'scale-consumers: bytes at init': 630_001 }, baseline).regressions).toEqual([
      'scale-consumers: bytes at init: 600000 -> 630001 (+5.0%)',
    ]);
  });

  it('fails when the storm makes a second change for one incident', () => {
    const result = compareFigures({ ...baseline, 'storm: changes per incident': 2 }, baseline);
    expect(result.regressions).toEqual(['storm: changes per incident: 1 -> 2 (+100.0%)']);
  });

  it('fails when a baseline figure is no longer measured, and only reports a new one', () => {
    const { 'escalate: calls per decision': _dropped, ...rest } = baseline;
    const result = compareFigures({ ...rest, 'verify-change: calls per decision': 6 }, baseline);
    expect(result.missing).toEqual(['escalate: calls per decision: 15 in the baseline, not measured now']);
    expect(result.added).toEqual(['verify-change: calls per decision: 6']);
    expect(checkFailed(result)).toBe(true);
  });

  it('reports fewer calls as an improvement, not a failure', () => {
    const result = compareFigures({ ...baseline, 'escalate: calls per decision': 12 }, baseline);
    expect(result.improvements).toEqual(['escalate: calls per decision: 15 -> 12 (-20.0%)']);
    expect(checkFailed(result)).toBe(false);
  });
});

describe('sequential round trips', () => {
  // Calls of 20 ms; "after" means it started once the other had answered.
  const call = (start: number): Span => [start, start + 20];

  it('counts a chain of calls one by one', () => {
    expect(sequentialRoundTrips([call(0), call(21), call(42), call(63)])).toBe(4);
  });

  it('counts overlapping calls once', () => {
    expect(sequentialRoundTrips([call(0), call(1), call(2), call(3)])).toBe(1);
  });

  it('follows the longest chain: claim, then three reads at once, then one read after the slowest', () => {
    const spans: Span[] = [call(0), call(21), call(22), [23, 60], [61, 81], call(45)];
    // claim (1) -> reads at 21, 22, 23-60 (2) -> the read at 45 started after 21's and 22's ended (3); 61 after all (3).
    expect(sequentialRoundTrips(spans)).toBe(3);
  });

  it('is 0 for a decision without AWS calls', () => {
    expect(sequentialRoundTrips([])).toBe(0);
  });
});
