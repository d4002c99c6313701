// Pure: the verify sweep (decision 281's design, built in decision 293). A health check after a change is listed
// (VERIFY-DUE) when its schedule is made; every few minutes, independently of EventBridge Scheduler, the list is read and
// each check more than a grace past due (the due time its change's record gives, never the entry's alone: decision 304)
// is run as its schedule would have run it, saying how late. verify-change's own claim on the change keeps it to one
// judgement with a late delivery of the schedule.
import { SWEEP_GRACE_MINUTES } from '../config/automation-health';

export { REFUSED_METRICS, SWEEP_CONCURRENCY, SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_INPUT, SWEEP_RESERVE_MS, VERIFY_SWEEP_LEFT_METRIC } from '../config/automation-health';

const MINUTE_MS = 60_000;

/** A health check listed for the sweep, as the store reads it back (VERIFY-DUE / <schedule name>). */
export interface VerifyDue {
  playbook: string;
  incidentKey: string;
  /**
   * When its schedule fires (ISO 8601): the change's time plus verifyWindowMinutes, as the entry says. Only compared with
   * the record's (planVerifySweep): it decides nothing on its own.
   */
  dueAt: string;
}

/** One listed check the sweep runs now: its due time from its change's record, and by how many whole minutes it is late. */
export interface OverdueCheck {
  playbook: string;
  incidentKey: string;
  dueAt: Date;
  lateMinutes: number;
}

/** Whole minutes `now` is past `dueAt` when that is at least the grace; undefined while the schedule may still come. */
export function checkMinutesLate(dueAt: Date, now: Date): number | undefined {
  const late = now.getTime() - dueAt.getTime();
  return late >= SWEEP_GRACE_MINUTES * MINUTE_MS ? Math.floor(late / MINUTE_MS) : undefined;
}

/**
 * The change's claim as the store reads it back (INCIDENT#<incident> / CLAIM#<playbook>): the authoritative record of the
 * change, written by the alarm pipeline alone. Undefined: nothing recorded.
 */
export type RecordedClaim = { status?: unknown; outcome?: unknown; intent?: unknown } | undefined;

/** A listed check with its change's record, read by the sweep before it decides anything about the entry. */
export interface ListedCheck {
  entry: VerifyDue;
  record: RecordedClaim;
}

/** A listed entry whose due time its change's record does not confirm: refused, counted, never acted upon (decision 304). */
export interface UnconfirmedEntry {
  playbook: string;
  incidentKey: string;
  issue: string;
}

/** A listed check its record says can never be judged: refused by verify-change and unlisted (decisions 293, 302). */
export interface UnjudgeableCheck {
  playbook: string;
  incidentKey: string;
  why: string;
}

export interface VerifySweepPlan {
  /** Confirmed by their record and more than SWEEP_GRACE_MINUTES past its due time, oldest due first. */
  overdue: OverdueCheck[];
  /** Their `dueAt` is not their record's: a forged or stale entry. */
  unconfirmed: UnconfirmedEntry[];
  /** No change on record, or one completed without a health check: nothing to wait for. */
  unjudgeable: UnjudgeableCheck[];
}

/** The change's recorded time (`intent.healthCheck.changedAt`, written with the intent by run-playbook.ts withHealthCheck); undefined: none recorded (or not yet). */
function recordedChangedAt(record: RecordedClaim): string | undefined {
  const intent = record?.intent;
  const healthCheck = typeof intent === 'object' && intent !== null ? (intent as { healthCheck?: unknown }).healthCheck : undefined;
  const changedAt = typeof healthCheck === 'object' && healthCheck !== null ? (healthCheck as { changedAt?: unknown }).changedAt : undefined;
  return typeof changedAt === 'string' ? changedAt : undefined;
}

/**
 * Which listed checks the sweep runs (review 18 R18-15, decision 304). The entry is a pointer and a claim: whoever can
 * write the state table can write one, so its `dueAt` decides nothing. The due time is the record's: its change's
 * recorded `changedAt` plus `verifyWindowMinutes`, the instant its schedule was made for. The entry's must be that very
 * instant (withHealthCheck writes both from one clock reading), else the entry is unconfirmed: an early one would have a
 * change judged (and reverted) while still settling, a late one would hide an overdue check. A record with no health
 * check's time: nothing recorded, or completed without one, can never be judged (unjudgeable, whatever the entry says);
 * still in progress, the change is being made (nothing yet).
 */
export function planVerifySweep(listed: readonly ListedCheck[], now: Date, verifyWindowMinutes: number): VerifySweepPlan {
  const plan: VerifySweepPlan = { overdue: [], unconfirmed: [], unjudgeable: [] };
  for (const { entry, record } of listed) {
    const { playbook, incidentKey } = entry;
    const changedAt = recordedChangedAt(record);
    const dueAt = changedAt === undefined ? undefined : checkDueAt(changedAt, verifyWindowMinutes);
    if (changedAt !== undefined && !dueAt) {
      plan.unconfirmed.push({ playbook, incidentKey, issue: `its change's recorded time ${JSON.stringify(changedAt)} is not a time` });
      continue;
    }
    if (!dueAt) {
      if (!record) plan.unjudgeable.push({ playbook, incidentKey, why: 'no change on record' });
      else if (record.status === 'COMPLETED') plan.unjudgeable.push({ playbook, incidentKey, why: `its change completed ${String(record.outcome ?? 'with no outcome')} with no health check recorded` });
      continue;
    }
    const listedAt = Date.parse(entry.dueAt);
    if (listedAt !== dueAt.getTime()) {
      plan.unconfirmed.push({
        playbook,
        incidentKey,
        issue: `dueAt ${entry.dueAt} is not its change's due time ${dueAt.toISOString()} (recorded change plus ${verifyWindowMinutes} min)`,
      });
      continue;
    }
    const lateMinutes = checkMinutesLate(dueAt, now);
    if (lateMinutes !== undefined) plan.overdue.push({ playbook, incidentKey, dueAt, lateMinutes });
  }
  plan.overdue.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  return plan;
}

/** When the health check of a change made at `changedAt` was due: `verifyWindowMinutes` later (run-playbook.ts withHealthCheck). */
export function checkDueAt(changedAt: string, verifyWindowMinutes: number): Date | undefined {
  const changed = Date.parse(changedAt);
  return Number.isNaN(changed) ? undefined : new Date(changed + verifyWindowMinutes * MINUTE_MS);
}

/**
 * What a late health check says of its lateness: `sweep` when the sweep found its schedule had not run, `schedule` when
 * Scheduler delivered the schedule itself late (retrying within its 24 h).
 */
export function checkLatenessNote(dueAt: Date, lateMinutes: number, foundBy: 'sweep' | 'schedule'): string {
  const due = dueAt.toISOString();
  return foundBy === 'sweep'
    ? `checked ${lateMinutes} min late: due at ${due}, its EventBridge Scheduler schedule had not run (Scheduler could not deliver it); the verify sweep did its work instead`
    : `checked ${lateMinutes} min late: due at ${due}, its EventBridge Scheduler schedule ran only now (Scheduler could not deliver it on time)`;
}
