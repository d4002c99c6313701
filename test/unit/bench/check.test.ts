// bench --check's comparison (bench/check.ts) and its round-trip count (bench/round-trips.ts): pure, with figures made here.
import { checkFailed, checkOutcomes, checkReplays, compareFigures, DROP_ADVICE, figuresOf, type RecordedOutcome, type ReplayedOutcomes } from '../../../bench/check';
import { expectedOutcomes, VERIFY_REVERT_SUBJECT, WATCH_STANDBY_HANDLER } from '../../../bench/paths';
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
    expect(result).toEqual({ regressions: [], drops: [], improvements: [], missing: [], added: [], compared: 7 });
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

  it('fails on fewer calls beyond 5% (a path that stops doing work), saying how to keep it if intended', () => {
    const result = compareFigures({ ...baseline, 'escalate: calls per decision': 12 }, baseline);
    expect(result.drops).toEqual([`escalate: calls per decision: 15 -> 12 (-20.0%): ${DROP_ADVICE}`]);
    expect(DROP_ADVICE).toBe('lower than the baseline: if intended, re-write the baseline with --write-figures');
    expect(result.improvements).toEqual([]);
    expect(checkFailed(result)).toBe(true);
  });

  it('fails on sequential round trips falling to 0 (the planted watch-standby rejection: 6 -> 0)', () => {
    const base = figuresOf({ 'watch-standby': { callsPerDecision: 11, sequentialRoundTrips: 6 } });
    const result = compareFigures(figuresOf({ 'watch-standby': { callsPerDecision: 0, sequentialRoundTrips: 0 } }), base);
    expect(result.drops).toEqual([
      `watch-standby: calls per decision: 11 -> 0 (-100.0%): ${DROP_ADVICE}`,
      `watch-standby: sequential round trips: 6 -> 0 (-100.0%): ${DROP_ADVICE}`,
    ]);
    expect(checkFailed(result)).toBe(true);
  });

  it('holds drops to 5% too: 20 -> 19 calls passes as an improvement, 8 -> 7 round trips fails', () => {
    const within = compareFigures({ ...baseline, 'scale-consumers: calls per decision': 19 }, baseline);
    expect(within.drops).toEqual([]);
    expect(within.improvements).toEqual(['scale-consumers: calls per decision: 20 -> 19 (-5.0%)']);
    expect(checkFailed(within)).toBe(false);
    const beyond = compareFigures({ ...baseline, 'scale-consumers: sequential round trips': 7 }, baseline);
    expect(beyond.drops).toEqual([`scale-consumers: sequential round trips: 8 -> 7 (-12.5%): ${DROP_ADVICE}`]);
  });

  it('fails when the storm makes fewer changes than incidents', () => {
    const result = compareFigures({ ...baseline, 'storm: changes per incident': 0.5 }, baseline);
    expect(result.drops).toEqual([`storm: changes per incident: 1 -> 0.5 (-50.0%): ${DROP_ADVICE}`]);
  });

  it('reports fewer bytes at init as an improvement, not a failure', () => {
    const result = compareFigures({ ...baseline, 'escalate: bytes at init': 400_000 }, baseline);
    expect(result.drops).toEqual([]);
    expect(result.improvements).toEqual(['escalate: bytes at init: 500000 -> 400000 (-20.0%)']);
    expect(checkFailed(result)).toBe(false);
  });
});

describe('bench --check outcomes (each path decides what bench/paths.ts expects of it)', () => {
  const expected = expectedOutcomes('us-west-2');
  // What each path recorded on main's code (bench --check's log), written out here, not computed by the bench.
  const asExpected = (): Map<string, RecordedOutcome> =>
    new Map<string, RecordedOutcome>([
      ['alert-error-rate', { outcome: 'escalate', reason: 'no invocations of notification-service-consumer recorded in the last 15 min' }],
      ['check-db-connections', { outcome: 'escalate', reason: 'no database cause found on notification-service-db' }],
      ['escalate', { outcome: 'opened', reason: 'opened: alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" is in ALARM' }],
      ['escalation-timer', { outcome: 'escalated', reason: 'Cloud Infrastructure Team (L2) notified: DevOps Team (L1) did not acknowledge within 15 min' }],
      ['inspect-security-groups', { outcome: 'escalate', reason: 'security groups, network ACLs and routes allow every path' }],
      ['raise-lambda-memory', { outcome: 'applied', reason: 'raise memory of notification-service-consumer after out-of-memory errors: memory 512 -> 768 MB' }],
      ['scale-consumers', { outcome: 'applied', reason: 'scale consumers of notification-service-queue: MaximumConcurrency 50 -> 100 (queue depth 0)' }],
      ['scale-up-database', { outcome: 'escalate', reason: 'scale up notification-service-db: blocked: cpu-utilization requires approval in production' }],
      ['verify-change', { outcome: 'skipped', reason: 'health check of "scale consumers ...": verified healthy, nothing worse after 15 min' }],
      [VERIFY_REVERT_SUBJECT, { outcome: 'escalate', reason: 'health check of "raise memory ...": made things worse (errors 0% -> 30%); reverted to the recorded value: memory 512 MB' }],
      [WATCH_STANDBY_HANDLER, { outcome: 'escalate', reason: 'DR standby of production in us-west-2: replica lag 420 s. Nothing was changed; a person decides' }],
    ]);

  it('passes when every path decides as expected, and names an expectation for each of the 11 paths', () => {
    expect(Object.keys(expected).sort()).toEqual([...asExpected().keys()].sort());
    expect(checkOutcomes(asExpected(), expected)).toEqual([]);
    expect(checkFailed(compareFigures({ a: 1 }, { a: 1 }), [])).toBe(false);
  });

  it('fails the planted watch-standby fault (run without the DR region: rejected), naming path, expected and got', () => {
    const recorded = asExpected();
    recorded.set(WATCH_STANDBY_HANDLER, { outcome: 'rejected', reason: 'the alarm is not one of this region\'s' });
    const failures = checkOutcomes(recorded, expected);
    expect(failures).toEqual([
      'watch-standby: expected escalate (the reason naming "DR standby of production in us-west-2:"), got rejected: the alarm is not one of this region\'s',
    ]);
    expect(checkFailed(compareFigures({ a: 1 }, { a: 1 }), failures)).toBe(true);
  });

  it('fails watch-standby escalating from the primary region, and a healthy check that no longer says healthy', () => {
    const recorded = asExpected();
    recorded.set(WATCH_STANDBY_HANDLER, { outcome: 'escalate', reason: 'DR standby of production in us-east-1: replica lag 420 s' });
    recorded.set('verify-change', { outcome: 'skipped', reason: 'health check of "...": worse (errors), but the change is no longer in place' });
    expect(checkOutcomes(recorded, expected)).toEqual([
      'verify-change: expected skipped (the reason naming "verified healthy"), got skipped: health check of "...": worse (errors), but the change is no longer in place',
      'watch-standby: expected escalate (the reason naming "DR standby of production in us-west-2:"), got escalate: DR standby of production in us-east-1: replica lag 420 s',
    ]);
  });

  it('fails a revert that did not revert, a skipped path and a path without an expectation', () => {
    const recorded = asExpected();
    recorded.set(VERIFY_REVERT_SUBJECT, { outcome: 'escalate', reason: 'made things worse (errors); not reverted: the change is gone' });
    recorded.set('scale-consumers', { skipped: 'scale-consumers was not built' });
    recorded.set('new-handler', { outcome: 'applied' });
    expect(checkOutcomes(recorded, expected)).toEqual([
      'scale-consumers: expected applied, got no decision (skipped: scale-consumers was not built)',
      'verify-change (revert): expected escalate (the reason naming "made things worse" and "reverted to the recorded value"), got escalate: made things worse (errors); not reverted: the change is gone',
      'new-handler: no expected outcome in bench/paths.ts, got applied',
    ]);
  });
});

describe('bench --check: replayed decisions', () => {
  it('passes when every replay decided as recorded', () => {
    expect(checkReplays(new Map([['scale-consumers', { recorded: 'applied', replayed: { applied: 7 } }]]))).toEqual([]);
  });

  it('fails a path whose replays decided otherwise (the figures would be of another path)', () => {
    // scale-consumers' replay answered its error-rate and alarm queries with each other's recorded series: it escalated.
    expect(
      checkReplays(
        new Map<string, ReplayedOutcomes>([
          ['scale-consumers', { recorded: 'applied', replayed: { applied: 1, escalate: 6 } }],
          ['escalate', { recorded: 'opened', replayed: { opened: 7 } }],
        ]),
      ),
    ).toEqual(['scale-consumers: recorded applied, but 6 of 7 replayed decisions escalate: its figures measure another path']);
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
