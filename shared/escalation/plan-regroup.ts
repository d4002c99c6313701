// Pure: whether a new ALARM state change of an alarm is its own incident or the alarm's latest incident again (decision 204).
import { NOTICE_CAUSES, type DecisionSummary, type EarlierCause, type Incident } from './incident';
import { tierAfter, tierAt, type EscalationPolicy, type EscalationTier } from './policy';

export type RegroupPlan =
  /** Its own incident: no earlier one, a watch (nobody paged), grouping off, or resolved longer ago than the window. */
  | { kind: 'new'; reason: string }
  /** The latest incident is already about this state change (a redelivery, or a retry after a re-open). */
  | { kind: 'already'; reason: string }
  /** An older state change than the one the latest incident is about (delivered late): nothing to do. */
  | { kind: 'stale'; reason: string }
  /**
   * The latest incident is not resolved (its OK never came, or the alarm went through INSUFFICIENT_DATA) and still live:
   * its last ALARM state change within the window, or (OPEN) its ladder's next tier due after this state change. It moves on.
   */
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
  latest: Pick<Incident, 'incidentId' | 'status' | 'alarmTime' | 'resolvedAt' | 'openedAt' | 'nextEscalationAt'> | undefined,
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
    case 'ACKNOWLEDGED': {
      // Bounded (review 13 R13-7): an incident left unresolved (its OK lost, or the alarm went ALARM -> INSUFFICIENT_DATA,
      // which resolves nothing) must not swallow an ALARM days later with nobody paged. It is joined while it is live: its
      // last ALARM state change at most the window before this one, or (OPEN) its ladder still has a tier due after this
      // state change (that tier is paged on time either way). Otherwise this state change is its own incident, a full page.
      const since = at - previous;
      const ladderDue = latest.status === 'OPEN' && latest.nextEscalationAt ? Date.parse(latest.nextEscalationAt) : Number.NaN;
      if (since <= windowMinutes * MINUTE_MS) {
        return { kind: 'join', reason: `${latest.incidentId} of the same alarm is still ${latest.status} (since ${latest.alarmTime}, ${minutes(since)} min before this ALARM)` };
      }
      if (!Number.isNaN(ladderDue) && ladderDue > at) {
        return { kind: 'join', reason: `${latest.incidentId} of the same alarm is still OPEN (since ${latest.alarmTime}), its next tier due at ${latest.nextEscalationAt}` };
      }
      return {
        kind: 'new',
        reason: `${latest.incidentId} of the same alarm is still ${latest.status}, but its last ALARM state change (${latest.alarmTime}) was ${minutes(since)} min before this one, outside the ${windowMinutes}-min grouping window${latest.status === 'OPEN' ? ' and its ladder has no tier due' : ''}: not joined`,
      };
    }
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

/**
 * The ladder of a re-opened incident (review 13 R13-1, review 14 R14-8): the next tier and when it is due. The ladder is
 * charged with the time the incident was open, and with an OK spell shorter than the settle period (`flapping.settleMinutes`,
 * the project's own measure of "it has stopped": a re-opened incident's resolution is not even told before it): its next
 * tier is due when it was due before the incident resolved (`ladderDueAt`: the last unacknowledged page + that tier's
 * timeout), and is paged at once when that has passed. Restarting it at every re-open let an alarm whose OK comes within
 * L1's timeout (the sporadic 504 alarm, or anyone with cloudwatch:SetAlarmState) keep a real incident at L1 for ever
 * (R13-1). An OK that lasted the settle period or longer stops the clock for its length: the tier has what was left of its
 * timeout when the incident resolved, from the new ALARM state change (`alarmTime`, CloudWatch's, so every delivery
 * decides the same); wall-clock charging paged L2 at once "because L1 did not acknowledge" an incident that had been OK
 * for 28 of the last 29 minutes (R14-8). Only an acknowledgement restarts the clock: an incident acknowledged in the cycle
 * that resolved gets the reached tier's whole timeout from the re-open (the acknowledgement is cleared, so it climbs again
 * unless acknowledged again). Nothing: nobody paged yet (the re-open pages the first tier), a notice (its tier once, no
 * next), or the end of the path.
 */
export function resumeLadder(
  read: Pick<Incident, 'level' | 'cause' | 'acknowledgedBy' | 'ladderDueAt' | 'resolvedAt'>,
  policy: EscalationPolicy,
  now: Date,
  alarmTime: string = now.toISOString(),
): { tier: EscalationTier; at: Date; reason: string } | undefined {
  const current = tierAt(policy, read.level);
  const next = read.level > 0 && current && !NOTICE_CAUSES.has(read.cause) ? tierAfter(policy, read.level) : undefined;
  if (!current || !next) return undefined;
  const restarted = { tier: next, at: new Date(now.getTime() + current.timeoutMinutes * MINUTE_MS) };
  if (read.acknowledgedBy !== undefined) {
    return { ...restarted, reason: `acknowledged in the cycle that resolved: ${current.name} has its ${current.timeoutMinutes} min again from the re-open` };
  }
  const due = read.ladderDueAt ? Date.parse(read.ladderDueAt) : Number.NaN;
  // An incident recorded before the ladder's due time was kept: restarted, as it was then.
  if (Number.isNaN(due)) return { ...restarted, reason: `${current.name} has its ${current.timeoutMinutes} min from the re-open (no earlier due time recorded)` };
  const resolved = read.resolvedAt ? Date.parse(read.resolvedAt) : Number.NaN;
  const refired = Date.parse(alarmTime);
  const okMs = refired - resolved;
  const settleMs = policy.flapping.settleMinutes * MINUTE_MS;
  if (!Number.isNaN(okMs) && okMs >= settleMs) {
    const leftMs = due - resolved;
    return {
      tier: next,
      at: new Date(refired + leftMs),
      reason:
        leftMs > 0
          ? `the ladder's clock stopped while the alarm was OK (${minutes(okMs)} min, at least the ${policy.flapping.settleMinutes}-min settle period): ${current.name} has the ${minutes(leftMs)} min of its ${current.timeoutMinutes} left when it cleared, from this ALARM`
          : `${current.name}'s ${current.timeoutMinutes} min had run out while the incident was open, before it cleared: ${next.name} is due`,
    };
  }
  return {
    tier: next,
    at: new Date(due),
    reason: `the ladder's clock kept running${Number.isNaN(okMs) ? '' : ` through an OK of ${minutes(Math.max(0, okMs))} min (shorter than the ${policy.flapping.settleMinutes}-min settle period)`}: ${next.name} is due at ${new Date(due).toISOString()}, when ${current.name}'s ${current.timeoutMinutes} min since its unacknowledged page run out`,
  };
}

/**
 * How much a cause says about the alarm, for which cause a grouped incident presents (review 14 R14-15): 0
 * `not-corroborated` (what the automation read does not show the condition: a test of the alarm, or a condition that
 * passed), 1 `alarm-time-unknown` (nothing judged: the state change's time was unknown), 2 a notice (NOTICE_CAUSES: real,
 * but climbs no ladder), 3 every other cause (a condition the automation saw or acted on, and an unknown newer cause).
 */
export function causeRank(cause: string): number {
  if (cause === 'not-corroborated') return 0;
  if (cause === 'alarm-time-unknown') return 1;
  return NOTICE_CAUSES.has(cause) ? 2 : 3;
}

/** The first superseded cause and the latest ones (the item stays bounded however often the cause changes). */
export const EARLIER_CAUSES_KEPT = 4;

export interface CauseChange {
  cause: string;
  reason: string;
  decision?: DecisionSummary;
  earlierCauses: EarlierCause[];
  /** The incident's cause changes with this one (Incident.causeChange.count, decision 272). */
  count: number;
}

/**
 * The cause a grouped incident presents once a later ALARM state change of its alarm is grouped into it (re-open or
 * join, decision 204), or undefined when the recorded one stays. The precedence rule (review 14 R14-15): a later
 * escalation's cause supersedes the recorded cause when it differs and ranks at least as high (causeRank); so
 * `not-corroborated` never outranks a cause, and is outranked by every other one; a notice never supersedes a cause with a
 * ladder (the standby timer reads the serving signal itself, decision 215), and a cause with a ladder supersedes a
 * notice. Between two causes of the same rank the later one wins: the incident's state change, alarm state and reason
 * already move to the later state change (204), and the cause must describe the same one. The same cause again keeps the
 * recorded reason (the later decision is an update). The superseded cause, its reason and its decision are kept in
 * `earlierCauses` (the first always, then the latest: EARLIER_CAUSES_KEPT).
 */
export function supersedeCause(
  read: Pick<Incident, 'cause' | 'reason' | 'decision' | 'alarmTime' | 'firstAlarmTime' | 'earlierCauses' | 'causeChange'>,
  later: { cause: string; reason: string; decision?: DecisionSummary },
  alarmTime: string,
): CauseChange | undefined {
  if (later.cause === read.cause || causeRank(later.cause) < causeRank(read.cause)) return undefined;
  const before = read.earlierCauses ?? [];
  const since = before.at(-1)?.until ?? read.firstAlarmTime ?? read.alarmTime;
  const entry: EarlierCause = { cause: read.cause, reason: read.reason, since, until: alarmTime, ...(read.decision ? { decision: read.decision } : {}) };
  const all = [...before, entry];
  const kept = all.length > EARLIER_CAUSES_KEPT ? [all[0] as EarlierCause, ...all.slice(-(EARLIER_CAUSES_KEPT - 1))] : all;
  return { cause: later.cause, reason: later.reason, ...(later.decision ? { decision: later.decision } : {}), earlierCauses: kept, count: (read.causeChange?.count ?? 0) + 1 };
}

/**
 * The tiers to tell that the incident's cause changed, and which change (decision 272; review 14 R14-15's second half): when
 * its latest cause change came with its current state change and it is OPEN or ACKNOWLEDGED, every tier a page went to
 * (`paged`, their levels) believes the cause that page gave, and is told once (a claimed send per tier and change).
 * Except, when that state change re-opened the incident, the tiers its re-open message went to (`reopenedTo`: those told
 * the last cycle resolved): that message already says what the cause is now and what it was. Undefined: nobody to tell.
 */
export function causeChangeAudience(
  incident: Pick<Incident, 'status' | 'alarmTime' | 'causeChange'>,
  paged: readonly number[],
  reopenedTo: readonly number[],
): { count: number; levels: number[] } | undefined {
  const change = incident.causeChange;
  if (!change || change.at !== incident.alarmTime || (incident.status !== 'OPEN' && incident.status !== 'ACKNOWLEDGED')) return undefined;
  const levels = [...new Set(paged)].filter((level) => !(change.reopened && reopenedTo.includes(level))).sort((a, b) => a - b);
  return levels.length > 0 ? { count: change.count, levels } : undefined;
}
