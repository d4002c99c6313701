// Pure: the escalation sweep (review 15 R15-5, decision 264). Every few minutes, independently of EventBridge Scheduler,
// the unresolved incidents are read and every one whose timer is past due by more than a grace is handled as its timer
// would have been, the page saying how late it is. A late timer says so too.
import { NOTICE_CAUSES, type Incident } from './incident';
import type { TimerAlarm, TimerInput } from './plan-timer';
import type { EscalationPolicy } from './policy';
import { SWEEP_GRACE_MINUTES } from '../config/automation-health';

export { SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_INPUT } from '../config/automation-health';

const MINUTE_MS = 60_000;

/** A timer the incident is waiting for, and when it was due. */
export interface DueTimer {
  input: Extract<TimerInput, { action: 'escalate' } | { action: 'check' }>;
  dueAt: Date;
}

/** One overdue timer the sweep runs now, and by how many whole minutes it is late. */
export interface OverdueTimer extends DueTimer {
  lateMinutes: number;
}

/**
 * The timer an unresolved incident waits for, read from its own record: an OPEN incident with a next tier (not a notice)
 * waits for that tier's escalation at `nextEscalationAt`; a WATCHING incident waits for its still-firing check
 * `stillFiringAfterMinutes` after it was created (escalation-service watch()). Anything else (ACKNOWLEDGED, RESOLVED, a
 * notice, the end of the path, a time that does not parse) waits for no escalation timer.
 */
export function dueTimer(incident: Incident, policy: EscalationPolicy, alarm: TimerAlarm): DueTimer | undefined {
  if (incident.status === 'WATCHING') {
    const created = Date.parse(incident.createdAt);
    if (Number.isNaN(created)) return undefined;
    return { input: { action: 'check', incidentId: incident.incidentId, alarm }, dueAt: new Date(created + policy.stillFiringAfterMinutes * MINUTE_MS) };
  }
  if (incident.status !== 'OPEN' || NOTICE_CAUSES.has(incident.cause) || incident.nextLevel === undefined || !incident.nextEscalationAt) return undefined;
  const due = Date.parse(incident.nextEscalationAt);
  if (Number.isNaN(due) || incident.nextLevel <= incident.level) return undefined;
  return { input: { action: 'escalate', incidentId: incident.incidentId, level: incident.nextLevel, alarm }, dueAt: new Date(due) };
}

/** Whole minutes `now` is past `dueAt` when that is at least the grace; undefined while the timer may still come. */
export function minutesLate(dueAt: Date, now: Date): number | undefined {
  const late = now.getTime() - dueAt.getTime();
  return late >= SWEEP_GRACE_MINUTES * MINUTE_MS ? Math.floor(late / MINUTE_MS) : undefined;
}

/** Every unresolved incident whose timer is overdue, oldest due first. */
export function planSweep(incidents: readonly Incident[], policy: EscalationPolicy, now: Date, alarmOf: (incident: Incident) => TimerAlarm): OverdueTimer[] {
  const overdue: OverdueTimer[] = [];
  for (const incident of incidents) {
    const due = dueTimer(incident, policy, alarmOf(incident));
    const lateMinutes = due ? minutesLate(due.dueAt, now) : undefined;
    if (due && lateMinutes !== undefined) overdue.push({ ...due, lateMinutes });
  }
  return overdue.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/**
 * What a late page (or a late still-firing check) says of its lateness: `sweep` when the sweep found the timer had not
 * run, `timer` when the timer itself ran late (Scheduler retried it, or Lambda held the event).
 */
export function latenessNote(dueAt: Date, lateMinutes: number, foundBy: 'sweep' | 'timer'): string {
  const due = dueAt.toISOString();
  return foundBy === 'sweep'
    ? `${lateMinutes} min late: due at ${due}, its EventBridge Scheduler timer had not run (Scheduler could not deliver it); the escalation sweep did its work instead`
    : `${lateMinutes} min late: due at ${due}, its EventBridge Scheduler timer ran only now (Scheduler could not deliver it on time)`;
}
