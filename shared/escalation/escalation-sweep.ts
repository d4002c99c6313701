// The escalation service's sweep (decisions 264, 281, 333): every few minutes, every timer overdue beyond the grace done
// as it would have been. Loaded on the sweep's first run in a container (escalation-timer's scheduled invocation).
import { groupInOrder, runBounded, type SweepBudget } from '../bounded-sweep';
import { TransientError } from '../errors';
import type { StateRecordError } from '../state/state-records';
import type { Delivered, EscalationResult, EscalationService } from './escalation-service';
import { HELD_REFUSED_RUNS_BEFORE_ASIDE, planSweep, REFUSED_METRICS, SWEEP_CONCURRENCY, SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_LEFT_METRIC, SWEEP_RESERVE_MS, type OverdueTimer } from './plan-sweep';
import type { TimerInput } from './plan-timer';
import { handleTimer } from './escalation-timer-run';

/**
 * The escalation sweep (review 15 R15-5, decisions 264, 281): every timer past due by more than SWEEP_GRACE_MINUTES is
 * done as it would have been (handleTimer: the incident and the alarm re-read, every send claimed once), saying how late:
 * an unresolved incident's escalation, still-firing check or notice re-check (read from the incident), and a held
 * resolution's settle timer (its ESCALATION-HELD entry). A timer delivered late after the sweep finds its work done and
 * stops; one delivered at the same time loses the claim: one message either way. One incident (or one of the two
 * lists) that fails does not keep the others from being swept; the sweep then throws, so Lambda retries it and the
 * failure destination keeps it. A held entry that is not as the store writes it is refused alone (logged, counted
 * HeldEntriesRefused, named in the answer; not thrown), and one whose incident's records stay refused is set aside after
 * HELD_REFUSED_RUNS_BEFORE_ASIDE runs (heldRefused; decision 292). An unresolved incident's index entry or record refused
 * is the same: logged, counted UnresolvedRecordsRefused, named, the other ladders swept (decision 300). The timers run SWEEP_CONCURRENCY at once (one incident's in order), and none starts
 * once `budget.remainingMs()` is within SWEEP_RESERVE_MS (review 17 R17-6): those left are logged, counted
 * (TimersLeftForNextSweep) and named in the result, and the next sweep does them, said as late as they then are.
 */
export async function sweep(
  svc: EscalationService,
  budget: SweepBudget = {},
  // Each overdue timer's work: the timer handler hands in the timer run it loaded at init (the same module in a bundle).
  runTimer: (input: TimerInput, swept: OverdueTimer) => Promise<EscalationResult> = (input, swept) => handleTimer(svc, input, swept),
): Promise<EscalationResult> {
  const now = svc.now();
  const { store } = svc.ctx.services;
  const [unresolved, held] = await Promise.allSettled([store.listUnresolved(), store.heldResolutions()]);
  const failed: string[] = [];
  for (const [what, read] of [['the unresolved incidents', unresolved], ['the held resolutions', held]] as const) {
    if (read.status === 'fulfilled') continue;
    const message = read.reason instanceof Error ? read.reason.message : String(read.reason);
    svc.ctx.log.error(`escalation sweep: ${what} could not be read; the rest is swept`, { error: message });
    failed.push(`${what}: ${message}`);
  }
  // A held entry that is not as the store writes it is refused on its own (review 18 R18-3, decision 292): logged with
  // its key and fields, counted, said in the answer, and the others are swept. Not thrown: no retry makes it valid.
  const refused = held.status === 'fulfilled' ? held.value.refused : [];
  for (const entry of refused) {
    svc.ctx.log.error('escalation sweep: a held resolution entry is not one the automation writes, refused; the others are swept', { record: entry.key, issues: entry.issues });
    svc.ctx.count?.(REFUSED_METRICS.heldEntries);
  }
  // The same for the unresolved list (decision 300): an index entry, or the incident record it names, refused alone.
  const refusedOpen = unresolved.status === 'fulfilled' ? unresolved.value.refused : [];
  for (const record of refusedOpen) {
    svc.ctx.log.error('escalation sweep: an unresolved incident\'s record is not one the automation writes, refused; the others are swept', { record: record.key, issues: record.issues });
    svc.ctx.count?.(REFUSED_METRICS.unresolvedRecords);
  }
  const named = (records: ReadonlyArray<{ key: { pk: string; sk: string }; issues: readonly string[] }>): string =>
    records.map((r) => `${r.key.pk} / ${r.key.sk} (${r.issues.join('; ')})`).join(', ');
  const refusedNote =
    (refusedOpen.length
      ? `; ${refusedOpen.length} unresolved incident record${refusedOpen.length === 1 ? '' : 's'} refused (not as the automation writes them; that incident's ladder is not swept): ${named(refusedOpen)}`
      : '') +
    (refused.length ? `; ${refused.length} held resolution entr${refused.length === 1 ? 'y' : 'ies'} refused (not as the automation writes them): ${named(refused)}` : '');
  const overdue = planSweep(
    unresolved.status === 'fulfilled' ? unresolved.value.incidents : [],
    svc.ctx.policy,
    now,
    (incident) => svc.alarmLocation(incident),
    held.status === 'fulfilled' ? held.value.held : [],
  );
  if (overdue.length) svc.ctx.count?.('TimersOverdue', overdue.length);
  // A small pool, one incident's timers in order (never two of one incident at once), and no timer started once the
  // function's time left is within the reserve (review 17 R17-6): what is left is the next sweep's, 5 minutes on.
  const run = await runBounded(
    groupInOrder(overdue, (timer) => timer.input.incidentId),
    { concurrency: SWEEP_CONCURRENCY, reserveMs: SWEEP_RESERVE_MS, ...(budget.remainingMs ? { remainingMs: budget.remainingMs } : {}) },
    (timer) => {
      svc.ctx.log.warn('escalation timer overdue: the sweep handles it', { incidentId: timer.input.incidentId, timer: timer.input, dueAt: timer.dueAt.toISOString(), lateMinutes: timer.lateMinutes });
      return runTimer(timer.input, timer);
    },
  );
  const delivered: Delivered[] = [];
  const outcomes: string[] = [];
  for (const { item: timer, result } of run.settled) {
    const { incidentId } = timer.input;
    if (result.status === 'fulfilled') {
      delivered.push(...result.value.delivered);
      outcomes.push(`${incidentId} ${timerLabel(timer.input)} (${timer.lateMinutes} min late): ${result.value.action}`);
      continue;
    }
    const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
    svc.ctx.log.error('escalation sweep: an overdue timer failed; the others go on', { incidentId, timer: timer.input, error: message });
    failed.push(`${incidentId}: ${message}`);
  }
  const left = run.left.length
    ? `; ${run.left.length} left for the next sweep (${SWEEP_EVERY_MINUTES} min on): the function had ${Math.max(0, Math.round((run.stoppedWithMs ?? 0) / 1000))} s left, within the ${SWEEP_RESERVE_MS / 1000} s kept for the timers started to finish`
    : '';
  if (run.left.length) {
    svc.ctx.log.warn('escalation sweep: out of time, overdue timers left for the next sweep', {
      left: run.left.length,
      done: run.settled.length,
      overdue: overdue.length,
      remainingMs: run.stoppedWithMs,
      timers: run.left.map((timer) => `${timer.input.incidentId} ${timerLabel(timer.input)} (${timer.lateMinutes} min late)`),
    });
    svc.ctx.count?.(SWEEP_LEFT_METRIC, run.left.length);
  }
  if (failed.length) throw new TransientError(`escalation sweep: ${failed.length} failed of ${overdue.length} overdue timers and 2 lists (${failed.join('; ')})${left}${refusedNote}; retried`);
  const swept = run.left.length ? `${run.settled.length} of ${overdue.length}` : `${overdue.length}`;
  return {
    action: delivered.length ? 'escalated' : overdue.length ? 'stopped' : 'ignored',
    reason: `${overdue.length ? `swept ${swept} overdue timer${overdue.length === 1 ? '' : 's'}${outcomes.length ? `: ${outcomes.join('; ')}` : ''}${left}` : `no escalation timer more than ${SWEEP_GRACE_MINUTES} min past due`}${refusedNote}`,
    ...(overdue.length ? { incidentIds: [...new Set(overdue.map((t) => t.input.incidentId))] } : {}),
    delivered,
  };
}

/**
 * A swept held resolution whose run refused one of its incident's records (decision 292, review 18 R18-3): no retry
 * makes the record valid, and the entry would fail every sweep until its TTL. Counted on the entry; on the
 * HELD_REFUSED_RUNS_BEFORE_ASIDE-th run it is set aside (ESCALATION-HELD-ASIDE, for a person to tell it), logged and
 * counted (HeldResolutionsSetAside). The run still throws: that sweep's failed invocation is the page, once.
 */
export async function heldRefused(svc: EscalationService, input: Extract<TimerInput, { action: 'settle' }>, swept: OverdueTimer, error: StateRecordError): Promise<void> {
  const { store } = svc.ctx.services;
  const { incidentId, cycle } = input;
  const fields = { incidentId, cycle, record: error.key, issues: error.issues };
  try {
    const runs = await store.countHeldRefusal(incidentId, cycle);
    if (runs === undefined || runs < HELD_REFUSED_RUNS_BEFORE_ASIDE) {
      svc.ctx.log.error(`held resolution: a record of its incident is refused (sweep run ${runs ?? '?'} of ${HELD_REFUSED_RUNS_BEFORE_ASIDE} before it is set aside)`, fields);
      return;
    }
    await store.setHeldAside({ incidentId, cycle, dueAt: swept.dueAt.toISOString() }, error, runs, svc.now());
    svc.ctx.count?.(REFUSED_METRICS.heldSetAside);
    svc.ctx.log.error(
      `held resolution set aside after ${runs} sweep runs refused a record of its incident: nobody was told it resolved; tell its tiers by hand (ESCALATION-HELD-ASIDE / ${incidentId}#C${cycle})`,
      fields,
    );
  } catch (countError) {
    // The refusal is what the sweep throws; a count or move that fails too is said, and the next run tries again.
    svc.ctx.log.error('held resolution: its refusal could not be counted or set aside; the next sweep run tries again', { ...fields, error: countError instanceof Error ? countError.message : String(countError) });
  }
}

/** How the sweep's result names one timer it did: the tier, or which check. */
function timerLabel(input: TimerInput): string {
  switch (input.action) {
    case 'escalate':
      return `L${input.level}`;
    case 'check':
      return 'check';
    case 'notice':
      return `notice check ${input.round} (cycle ${input.cycle})`;
    case 'settle':
      return `held resolution (cycle ${input.cycle})`;
  }
}
