// Pure: the escalation sweep (review 15 R15-5, decisions 264, 281). Every few minutes, independently of EventBridge
// Scheduler, the unresolved incidents and the held resolutions are read and every one whose timer is past due by more
// than a grace is handled as its timer would have been, saying how late it is. A late timer says so too.
import { NOTICE_CAUSES, type Incident } from './incident';
import type { TimerAlarm, TimerInput } from './plan-timer';
import type { EscalationPolicy } from './policy';
import { SWEEP_GRACE_MINUTES } from '../config/automation-health';

export { REFUSED_METRICS, SWEEP_CONCURRENCY, SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_INPUT, SWEEP_LEFT_METRIC, SWEEP_RESERVE_MS } from '../config/automation-health';

const MINUTE_MS = 60_000;

/**
 * Project default (decision 292): a held resolution whose incident's records are refused (StateRecordError: no retry
 * makes them valid) is set aside on its 3rd refused sweep run: one sweep and its two Lambda retries (infra's
 * asyncRetryAttempts 2), so the failed-invocations queue receives that sweep once (one page), and later sweeps no longer
 * throw for it until its TTL.
 */
export const HELD_REFUSED_RUNS_BEFORE_ASIDE = 3;

/** A held resolution of a re-opened incident waiting for its settle timer (decision 204), as the store lists it (decision 281). */
export interface HeldResolution {
  incidentId: string;
  cycle: number;
  /** When its settle timer is due (ISO 8601). */
  dueAt: string;
}

/** A timer the incident is waiting for, and when it was due. */
export interface DueTimer {
  input: TimerInput;
  dueAt: Date;
}

/** One overdue timer the sweep runs now, and by how many whole minutes it is late. */
export interface OverdueTimer extends DueTimer {
  lateMinutes: number;
}

/**
 * The timer an unresolved incident waits for, read from its own record: an OPEN incident with a next tier (not a notice)
 * waits for that tier's escalation at `nextEscalationAt`; a WATCHING incident waits for its still-firing check
 * `stillFiringAfterMinutes` after it was created (escalation-service watch()); a notice, OPEN or ACKNOWLEDGED, waits for
 * its hourly re-check as recorded with its schedule (`noticeCheck`, of the incident's current cycle; decision 281).
 * Anything else (ACKNOWLEDGED with a ladder, RESOLVED, a notice scheduled before `noticeCheck` existed, the end of the
 * path, a time that does not parse) waits for no escalation timer.
 */
export function dueTimer(incident: Incident, policy: EscalationPolicy, alarm: TimerAlarm): DueTimer | undefined {
  if ((incident.status === 'OPEN' || incident.status === 'ACKNOWLEDGED') && NOTICE_CAUSES.has(incident.cause)) {
    const check = incident.noticeCheck;
    const due = check ? Date.parse(check.at) : Number.NaN;
    if (!check || Number.isNaN(due) || check.cycle !== (incident.reopens ?? 0)) return undefined;
    return { input: { action: 'notice', incidentId: incident.incidentId, cycle: check.cycle, round: check.round, alarm }, dueAt: new Date(due) };
  }
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

/**
 * A held resolution's settle timer as its list entry records it (decision 281): the incident resolved in cycle `cycle`
 * is told it resolved once it stayed so (decision 204). Its alarm is read after the incident (the entry does not name it).
 */
export function heldTimer(held: HeldResolution): DueTimer | undefined {
  const due = Date.parse(held.dueAt);
  return Number.isNaN(due) ? undefined : { input: { action: 'settle', incidentId: held.incidentId, cycle: held.cycle }, dueAt: new Date(due) };
}

/**
 * When the timer `input` was due by the incident's own record, if the record says (the lateness of a timer Scheduler
 * delivered late): the timer the incident waits for (dueTimer), or a held resolution of the incident's cycle,
 * `settleMinutes` after it resolved. Undefined for any other timer (a person's EscalateToNextTier to a later tier, a
 * notice check of another round).
 */
export function dueAtOf(input: TimerInput, incident: Incident, policy: EscalationPolicy): Date | undefined {
  if (input.action === 'settle') {
    const resolved = Date.parse(incident.resolvedAt ?? '');
    if (incident.status !== 'RESOLVED' || (incident.reopens ?? 0) !== input.cycle || Number.isNaN(resolved)) return undefined;
    return new Date(resolved + policy.flapping.settleMinutes * MINUTE_MS);
  }
  const due = dueTimer(incident, policy, { name: incident.alarmName });
  if (!due || due.input.action !== input.action) return undefined;
  if (due.input.action === 'escalate' && input.action === 'escalate' && due.input.level !== input.level) return undefined;
  if (due.input.action === 'notice' && input.action === 'notice' && (due.input.cycle !== input.cycle || due.input.round !== input.round)) return undefined;
  return due.dueAt;
}

/** Every unresolved incident and held resolution whose timer is overdue, oldest due first. */
export function planSweep(
  incidents: readonly Incident[],
  policy: EscalationPolicy,
  now: Date,
  alarmOf: (incident: Incident) => TimerAlarm,
  held: readonly HeldResolution[] = [],
): OverdueTimer[] {
  const overdue: OverdueTimer[] = [];
  const due = [...incidents.map((incident) => dueTimer(incident, policy, alarmOf(incident))), ...held.map(heldTimer)];
  for (const timer of due) {
    const lateMinutes = timer ? minutesLate(timer.dueAt, now) : undefined;
    if (timer && lateMinutes !== undefined) overdue.push({ ...timer, lateMinutes });
  }
  return overdue.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** What the late work is called in its message or log: a page, a check (still-firing, a notice's), a resolution told. */
export function lateVerb(input: TimerInput): 'paged' | 'checked' | 'told' {
  return input.action === 'escalate' ? 'paged' : input.action === 'settle' ? 'told' : 'checked';
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
