// Pure: whether a new ALARM state change of an alarm is its own incident or the alarm's latest incident again (decision 204).
import type { Incident } from './incident';

export type RegroupPlan =
  /** Its own incident: no earlier one, a watch (nobody paged), grouping off, or resolved longer ago than the window. */
  | { kind: 'new'; reason: string }
  /** The latest incident is already about this state change (a redelivery, or a retry after a re-open). */
  | { kind: 'already'; reason: string }
  /** An older state change than the one the latest incident is about (delivered late): nothing to do. */
  | { kind: 'stale'; reason: string }
  /** The latest incident is not resolved (its OK never came, or the alarm went through INSUFFICIENT_DATA): it moves on. */
  | { kind: 'join'; reason: string }
  /** Resolved within the window: re-opened, its ladder resuming where it was. */
  | { kind: 'reopen'; reason: string; afterMinutes: number };

const MINUTE_MS = 60_000;

function minutes(ms: number): string {
  const m = ms / MINUTE_MS;
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}

/**
 * `latest`: the alarm's latest incident as read back; `alarmTime`: the new ALARM state change's timestamp (CloudWatch's,
 * the same for every delivery of it, so a redelivery or a retry decides the same). The window is measured from the
 * incident's resolution to the new state change: a re-fire at most `windowMinutes` after it resolved re-opens it (an ALARM
 * whose state change came before the resolution was even recorded, a late OK, is inside too).
 */
export function planRegroup(
  latest: Pick<Incident, 'incidentId' | 'status' | 'alarmTime' | 'resolvedAt' | 'openedAt'> | undefined,
  alarmTime: string,
  windowMinutes: number,
): RegroupPlan {
  if (windowMinutes <= 0) return { kind: 'new', reason: 'grouping of re-fires is off (flapping.regroupWithinMinutes 0)' };
  if (!latest) return { kind: 'new', reason: 'no earlier incident of this alarm' };
  const at = Date.parse(alarmTime);
  const previous = Date.parse(latest.alarmTime);
  if (Number.isNaN(at) || Number.isNaN(previous)) {
    return { kind: 'new', reason: `the state change times cannot be compared (${alarmTime}, ${latest.alarmTime})` };
  }
  if (at === previous) return { kind: 'already', reason: `${latest.incidentId} is already about the state change of ${alarmTime}` };
  if (at < previous) return { kind: 'stale', reason: `${latest.incidentId} is about a later state change (${latest.alarmTime}) than this one (${alarmTime})` };
  switch (latest.status) {
    case 'WATCHING':
      return { kind: 'new', reason: `${latest.incidentId} is a watch (nobody was paged for it)` };
    case 'OPEN':
    case 'ACKNOWLEDGED':
      return { kind: 'join', reason: `${latest.incidentId} of the same alarm is still ${latest.status} (since ${latest.alarmTime})` };
    case 'RESOLVED': {
      // A watch that resolved quietly (the automatic change worked) never paged anyone: there is nothing to re-open.
      if (!latest.openedAt) return { kind: 'new', reason: `${latest.incidentId} resolved without paging anyone (a watch that cleared)` };
      const resolved = latest.resolvedAt ? Date.parse(latest.resolvedAt) : Number.NaN;
      if (Number.isNaN(resolved)) return { kind: 'new', reason: `${latest.incidentId} resolved at an unknown time` };
      const gap = at - resolved;
      if (gap > windowMinutes * MINUTE_MS) {
        return { kind: 'new', reason: `${latest.incidentId} resolved ${minutes(gap)} min before this ALARM, outside the ${windowMinutes}-min grouping window` };
      }
      const afterMinutes = Math.max(0, gap) / MINUTE_MS;
      return { kind: 'reopen', afterMinutes, reason: `${latest.incidentId} resolved ${minutes(Math.max(0, gap))} min before this ALARM, within the ${windowMinutes}-min grouping window` };
    }
  }
}
