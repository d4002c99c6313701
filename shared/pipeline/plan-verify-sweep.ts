// Pure: the verify sweep (decision 281's design, built in decision 293). A health check after a change is listed
// (VERIFY-DUE) when its schedule is made; every few minutes, independently of EventBridge Scheduler, the list is read and
// each check more than a grace past due is run as its schedule would have run it, saying how late. verify-change's own
// claim on the change keeps it to one judgement with a late delivery of the schedule.
import { SWEEP_GRACE_MINUTES } from '../config/automation-health';

export { SWEEP_CONCURRENCY, SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_INPUT, SWEEP_RESERVE_MS } from '../config/automation-health';

const MINUTE_MS = 60_000;

/** A health check listed for the sweep, as the store reads it back (VERIFY-DUE / <schedule name>). */
export interface VerifyDue {
  playbook: string;
  incidentKey: string;
  /** When its schedule fires (ISO 8601): the change's time plus verifyWindowMinutes. */
  dueAt: string;
}

/** One listed check the sweep runs now, and by how many whole minutes it is late. */
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

/** Every listed check more than SWEEP_GRACE_MINUTES past due, oldest due first; an entry whose time does not parse is left out. */
export function planVerifySweep(listed: readonly VerifyDue[], now: Date): OverdueCheck[] {
  const overdue: OverdueCheck[] = [];
  for (const entry of listed) {
    const due = Date.parse(entry.dueAt);
    const lateMinutes = Number.isNaN(due) ? undefined : checkMinutesLate(new Date(due), now);
    if (lateMinutes !== undefined) overdue.push({ playbook: entry.playbook, incidentKey: entry.incidentKey, dueAt: new Date(due), lateMinutes });
  }
  return overdue.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
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
