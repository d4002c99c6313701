// Pure: when a durable timer fires, what the incident needs now (next tier, open, resolve, or stop), and when the next timer is due.
import { ALARM_TIMESTAMP_SLACK_MS } from '../aws/alarm-state-reader';
import type { RegionServing } from '../guard/region-serving';
import { acknowledgerLabel } from './acknowledger';
import { NOTICE_CAUSES, type Incident, type SentNotification } from './incident';
import { tierAfter, tierAt, type EscalationPolicy, type EscalationTier } from './policy';

/**
 * The Input of a timer's schedule: what the timer handler is asked to do. `alarm`, set where the timer is created, names
 * the incident's alarm so it can be re-read at once with the incident; the incident stays the authority (a timer whose
 * alarm is not the incident's is refused). A timer without it (one a person asks for through
 * NotificationService-EscalateToNextTier, or one created before it existed) reads the alarm after the incident.
 */
export type TimerInput =
  | { action: 'check'; incidentId: string; alarm?: TimerAlarm }
  | { action: 'escalate'; incidentId: string; level: number; alarm?: TimerAlarm }
  /** A re-opened incident resolved in cycle `cycle`: tell its resolution if it stayed resolved (decision 204). */
  | { action: 'settle'; incidentId: string; cycle: number; alarm?: TimerAlarm }
  /**
   * A notice (no next tier: NOTICE_CAUSES) re-reads its alarm every NOTICE_CHECK_MINUTES (review 12 R12-13): closed once
   * the alarm no longer exists (the redeploy 189 asks for deletes it) or is OK; `round` counts the checks of cycle `cycle`.
   */
  | { action: 'notice'; incidentId: string; cycle: number; round: number; alarm?: TimerAlarm };

// NOTICE_CHECK_MINUTES and nextEscalation live in policy.ts, which every page reads (the escalate handler without this
// planner, decision 333); re-exported here for the timer's readers.
export { NOTICE_CHECK_MINUTES, nextEscalation } from './policy';

/** Where the incident's alarm lives: its name and, from its ARN, its account (shared/escalation/alarm-lookup.ts). */
export interface TimerAlarm {
  name: string;
  account?: string;
}

export interface AlarmNow {
  value: string;
  /** Undefined when DescribeAlarms answered no StateUpdatedTimestamp: a later change of the same state cannot be told (decision 144). */
  updatedAt?: Date;
}

/** The alarm could not be read where it lives (role not assumable, access denied, not found there): never "OK" or "gone". */
export interface AlarmUnreadable {
  unreadable: string;
  /** DescribeAlarms answered, and the alarm is not there: deleted (never set for a refused or failed read). */
  gone?: true;
}

export type TimerPlan =
  | { kind: 'open-still-firing'; reason: string }
  | { kind: 'escalate'; tier: EscalationTier; reason: string }
  | { kind: 'resolve'; reason: string; quiet: boolean }
  /** Tell the tiers the resolution of cycle `cycle` of a flapping incident, held until the alarm settled (decision 204). */
  | { kind: 'announce'; cycle: number; reason: string }
  /** `paused`: the incident stays OPEN with its next tier due, and no timer will climb it (runbook incidents: OVERDUE). */
  | { kind: 'stop'; reason: string; paused?: true }
  /** A notice whose alarm still exists (or could not be read): read again in NOTICE_CHECK_MINUTES. */
  | { kind: 'recheck'; reason: string }
  /**
   * A region-serving notice whose alarm is still in ALARM (review 14 R14-14): whether the region still serves is read
   * again (where the alarm lives, a standby-watch alarm only) and judged by planServingRecheck.
   */
  | { kind: 'rejudge'; reason: string }
  /**
   * The notice turned back into the standby incident (planServingRecheck), or this same check delivered again after it
   * did: the tiers told the notice hear it is withdrawn, `tier` is paged, and the ladder goes on from it.
   */
  | { kind: 'resume'; tier: EscalationTier; reason: string; cause?: string };

// CloudWatch and its events round the state timestamp differently (same slack as the pipeline's staleness check).
const TIMESTAMP_SLACK_MS = ALARM_TIMESTAMP_SLACK_MS;

/**
 * The alarm has changed state since the incident's state change (a newer timestamp), whatever its value now. No
 * timestamp answered: not known to have moved on, so the incident is kept and its path goes on (fail closed).
 */
function movedOn(incident: Pick<Incident, 'alarmTime'>, alarm: AlarmNow): boolean {
  const since = Date.parse(incident.alarmTime);
  return !Number.isNaN(since) && alarm.updatedAt !== undefined && alarm.updatedAt.getTime() > since + TIMESTAMP_SLACK_MS;
}

/** Said wherever an ALARM is taken for the incident's own state change without its time to prove it. */
function untimed(alarm: AlarmNow): string {
  return alarm.updatedAt ? '' : ' (CloudWatch answered no StateUpdatedTimestamp: taken for the same state change)';
}

/** Said of an alarm in INSUFFICIENT_DATA: its metric stopped (a deleted queue, a metric outage), never taken for cleared. */
function noData(incident: Pick<Incident, 'alarmName'>, alarm: AlarmNow): string {
  return `alarm "${incident.alarmName}" has no data (INSUFFICIENT_DATA${alarm.updatedAt ? ` since ${alarm.updatedAt.toISOString()}` : ''})`;
}

/**
 * The timer re-reads the incident and the alarm before doing anything: an acknowledged or resolved incident, or an
 * alarm back to OK, stops the escalation. Missing data is never "healthy": an alarm that cannot be read, or that has
 * no data (INSUFFICIENT_DATA), keeps the path climbing, the tier told why. A check timer (after an automatic change)
 * opens an incident if the same ALARM state is still there, or if whether it is cannot be told.
 */
export function planTimer(
  input: TimerInput,
  incident: Incident | undefined,
  read: AlarmNow | AlarmUnreadable | undefined,
  policy: EscalationPolicy,
  sends?: readonly SentNotification[],
): TimerPlan {
  if (!incident) return { kind: 'stop', reason: `incident ${input.incidentId} not found` };
  if (input.action === 'settle') return planSettle(input, incident, read, policy);
  if (incident.status === 'RESOLVED') return { kind: 'stop', reason: `incident ${incident.incidentId} is already resolved` };
  if (input.action === 'notice') return planNoticeCheck(input, incident, read, policy);

  if (input.action === 'check') {
    // OPEN with nobody notified: this timer opened it and died before the first notification went out; finish it.
    if (incident.status === 'OPEN' && incident.level === 0 && incident.cause === 'still-firing') {
      return { kind: 'open-still-firing', reason: incident.reason };
    }
    if (incident.status !== 'WATCHING') return { kind: 'stop', reason: `incident ${incident.incidentId} is already ${incident.status}` };
    // Missing data is never "healthy": a watch whose alarm cannot be read opens, naming what could not be read.
    if (!read || 'unreadable' in read) {
      return {
        kind: 'open-still-firing',
        reason: `${read ? read.unreadable : `alarm "${incident.alarmName}" was not read`}: whether the automatic response worked cannot be told (${incident.decision?.reason ?? incident.reason})`,
      };
    }
    const alarm = read;
    if (alarm.value === 'INSUFFICIENT_DATA') {
      return {
        kind: 'open-still-firing',
        reason: `${noData(incident, alarm)} ${policy.stillFiringAfterMinutes} min after the automatic response: whether it worked cannot be told (${incident.decision?.reason ?? incident.reason})`,
      };
    }
    if (alarm.value === 'ALARM' && !movedOn(incident, alarm)) {
      return {
        kind: 'open-still-firing',
        reason: `alarm "${incident.alarmName}" is still in ALARM${untimed(alarm)} ${policy.stillFiringAfterMinutes} min after the automatic response (${incident.decision?.reason ?? incident.reason})`,
      };
    }
    return {
      kind: 'resolve',
      quiet: true,
      reason: alarm.value === 'ALARM' ? 'a newer state change of the alarm superseded this one' : `the alarm is ${alarm.value} after the automatic response`,
    };
  }

  if (incident.status === 'ACKNOWLEDGED') {
    return { kind: 'stop', reason: `acknowledged by ${acknowledgerLabel(incident)} at ${incident.acknowledgedAt ?? '?'}: escalation stopped` };
  }
  if (incident.status !== 'OPEN') return { kind: 'stop', reason: `incident ${incident.incidentId} is ${incident.status}, not open` };
  if (incident.level >= input.level) return { kind: 'stop', reason: `tier L${input.level} was already notified` };
  const tierAsked = tierAt(policy, input.level);
  if (!read || 'unreadable' in read) {
    // An alarm that cannot be read is never taken as cleared: nobody acknowledged, so the path goes on, saying why.
    if (!tierAsked) return { kind: 'stop', reason: `the ${policy.environment} escalation path has no tier L${input.level}` };
    return { kind: 'escalate', tier: tierAsked, reason: `not acknowledged, and ${read ? read.unreadable : `alarm "${incident.alarmName}" was not read`}` };
  }
  const alarm = read;
  if (alarm.value === 'OK' && movedOn(incident, alarm)) {
    return { kind: 'resolve', quiet: false, reason: `alarm "${incident.alarmName}" is OK since ${alarm.updatedAt?.toISOString() ?? '?'}` };
  }
  const previous = policy.tiers.find((t) => t.level === incident.level);
  // The timer asks for the tier after the one notified; anything else was asked by a person (EscalateToNextTier).
  const onSchedule = tierAfter(policy, incident.level)?.level === input.level;
  // Tiers between the one notified and this one whose delivery was attempted and never went out: their attempt set this
  // timer before it failed (escalation-service notifyTier), so this is the path going on, not a person's request.
  const unreached = onSchedule ? [] : unreachedTiers(policy, incident.level, input.level, sends);
  const why = (alarmSays: string): string =>
    onSchedule
      ? `${previous ? `${previous.name} did not acknowledge within ${previous.timeoutMinutes} min` : 'not acknowledged'} and ${alarmSays}`
      : unreached.length
        ? `${previous ? `${previous.name} did not acknowledge` : 'not acknowledged'}, ${unreached.join(', ')} and ${alarmSays}`
        : `it was escalated on request from L${incident.level} to L${input.level}, and ${alarmSays}`;
  if (alarm.value === 'INSUFFICIENT_DATA') {
    // Not OK: nobody acknowledged and nothing says it cleared, so the path goes on, the tier told the alarm has no data
    // (review 10a finding 7; decision 161). Its own state change opens no incident (plan-intake), so this one carries on.
    if (!tierAsked) return { kind: 'stop', reason: `the ${policy.environment} escalation path has no tier L${input.level}` };
    return { kind: 'escalate', tier: tierAsked, reason: why(`${noData(incident, alarm)}: whether it still fires cannot be told`) };
  }
  // OK, but not known to be a later state change than the incident's (no state timestamp answered, decisions 144, 154): not
  // resolved on that word, not climbed either; the OK event resolves it, a person can acknowledge or escalate it.
  if (alarm.value !== 'ALARM') return { kind: 'stop', reason: `alarm "${incident.alarmName}" is ${alarm.value}: escalation paused`, paused: true };
  if (movedOn(incident, alarm)) {
    return { kind: 'resolve', quiet: false, reason: `superseded by a newer ALARM state change (${alarm.updatedAt?.toISOString() ?? '?'}), which is its own incident` };
  }
  if (!tierAsked) return { kind: 'stop', reason: `the ${policy.environment} escalation path has no tier L${input.level}` };
  return { kind: 'escalate', tier: tierAsked, reason: why(`the alarm is still in ALARM${untimed(alarm)}`) };
}

/**
 * A notice's periodic re-read of its alarm (review 12 R12-13). Decision 189 said a region-serving notice stays open "until
 * acknowledged or the stack is redeployed (its alarm then no longer exists)", but a deleted alarm emits no state change
 * and a notice has no timer: after the redeploy it stayed OPEN (or ACKNOWLEDGED) until the 90-day retention. Now: the
 * alarm gone (DescribeAlarms answered without it) -> resolved, the tiers told why; anything else, an unreadable alarm
 * included (never taken for gone) -> again later. An OK is not judged here: its own state change resolves what it should
 * (a restore signal's OK resolves nothing, decision 205).
 */
function planNoticeCheck(
  input: Extract<TimerInput, { action: 'notice' }>,
  incident: Incident,
  read: AlarmNow | AlarmUnreadable | undefined,
  policy: EscalationPolicy,
): TimerPlan {
  if (!NOTICE_CAUSES.has(incident.cause)) {
    // This very check turned the notice back into the standby incident and is delivered again (at least once): finish it
    // (every send is claimed once, so nobody is told twice).
    const ended = incident.servingEnded;
    const tier = ended && ended.cycle === input.cycle && ended.round === input.round && incident.status === 'OPEN' ? tierAt(policy, ended.fromLevel) : undefined;
    if (tier) return { kind: 'resume', tier, reason: incident.reason };
    return { kind: 'stop', reason: `incident ${incident.incidentId} is not a notice (cause ${incident.cause}): its ladder watches it` };
  }
  if ((incident.reopens ?? 0) !== input.cycle) return { kind: 'stop', reason: `incident ${incident.incidentId} re-opened since (cycle ${incident.reopens ?? 0}): that cycle's check watches it` };
  if (incident.status === 'WATCHING') return { kind: 'stop', reason: `incident ${incident.incidentId} is WATCHING, not a notice yet` };
  // Done already (decision 281): the sweep did this round when Scheduler had not delivered it, or this is a redelivery
  // after the round was done; the next round is recorded, and its timer scheduled, by whoever did it.
  const recorded = incident.noticeCheck;
  if (recorded && recorded.cycle === input.cycle && recorded.round > input.round) {
    return { kind: 'stop', reason: `the notice's check ${input.round} (cycle ${input.cycle}) was already done: check ${recorded.round} is next, at ${recorded.at}` };
  }
  if (!read) return { kind: 'recheck', reason: `alarm "${incident.alarmName}" was not read` };
  if ('unreadable' in read) {
    if (read.gone) {
      return {
        kind: 'resolve',
        quiet: false,
        reason: `alarm "${incident.alarmName}" no longer exists (${read.unreadable}): deleted, as the redeploy after a failover deletes the standby watch's alarms; nothing is left to watch, so the notice is closed`,
      };
    }
    return { kind: 'recheck', reason: `${read.unreadable}: not taken for deleted` };
  }
  // "This region serves" is what made the notice: a failback ends it while the standby alarm stays in ALARM (review 14
  // R14-14), so it is read again while the alarm fires. Any other state is left to its own state change.
  if (incident.cause === 'region-serving' && read.value === 'ALARM') {
    return { kind: 'rejudge', reason: `alarm "${incident.alarmName}" is still in ALARM: whether ${incident.region} still serves is read again` };
  }
  // An OK is left to its own state change (the escalate path): a restore signal's OK resolves nothing (decision 205).
  return { kind: 'recheck', reason: `alarm "${incident.alarmName}" still exists (${read.value}): the notice stays ${incident.status}` };
}

/** How much of the notice's reason the resumed incident quotes: a notice made again later quotes this one in turn. */
const QUOTED_REASON_CHARS = 1000;

/**
 * A region-serving notice's check found its alarm still in ALARM and read the serving signal again (review 14 R14-14).
 * The notice stands while the region serves. Otherwise the standby watch applies again: after FailbackToPrimary the DR
 * consumers are disabled and the standby replicates nothing until someone rebuilds it, which is what the standby watch
 * pages. The incident goes back to what it was (215's `servingNotice`: its cause, the tier whose timer found the region
 * serving; a notice 189 opened as one: the standby watch's `diagnosis`, the tier after the one told) and that tier is
 * paged. A signal that could not be read is not "serving" (missing data is never healthy, as for 215's climb): the ladder
 * resumes, the reason says the signal was not read, and its next timer reads it again before it climbs (215), so a
 * region still serving turns it back into the notice there.
 */
export function planServingRecheck(incident: Incident, serving: RegionServing, policy: EscalationPolicy, round: number): TimerPlan & { kind: 'recheck' | 'resume' } {
  if (serving.serving) return { kind: 'recheck', reason: `${incident.region} still serves (${serving.reason}): the notice stays ${incident.status}` };
  const notice = incident.servingNotice;
  const tier = notice ? tierAt(policy, notice.insteadOfLevel) : tierAfter(policy, incident.level);
  if (!tier) {
    return { kind: 'recheck', reason: `${incident.region} no longer serves (${serving.reason}), but the ${policy.environment} escalation path has no tier after L${incident.level}: the notice stays` };
  }
  const acknowledged = incident.status === 'ACKNOWLEDGED' ? `, acknowledged as a notice by ${acknowledgerLabel(incident)} at ${incident.acknowledgedAt ?? '?'}` : '';
  const was = notice ? `before it, ${notice.previousCause}` : 'opened as one by the standby watch after the failover';
  const said = incident.reason.length > QUOTED_REASON_CHARS ? `${incident.reason.slice(0, QUOTED_REASON_CHARS)}...` : incident.reason;
  return {
    kind: 'resume',
    tier,
    cause: notice?.previousCause ?? 'diagnosis',
    reason:
      `${incident.region} no longer serves ${incident.environment} (read at the notice's hourly check, round ${round}): ${serving.reason}; ` +
      `alarm "${incident.alarmName}" is still in ALARM, so the standby watch applies again: after a failback the standby replicates nothing until it is ` +
      `rebuilt (a new cross-region read replica of the primary, the DR consumers' mapping Disabled). ` +
      `It was a region-serving notice since ${notice?.at ?? incident.openedAt ?? '?'}${acknowledged} (${was}); the notice said: ${said}`,
  };
}

/**
 * A re-opened incident's resolution, held since its OK (decision 204): told once the incident is still resolved in the
 * same cycle (not re-opened since) and the alarm is not in ALARM again. An alarm that cannot be read does not hold it
 * back: the OK that resolved it was confirmed by re-reading the alarm then, and the message says it could not be read now.
 */
function planSettle(input: Extract<TimerInput, { action: 'settle' }>, incident: Incident, read: AlarmNow | AlarmUnreadable | undefined, policy: EscalationPolicy): TimerPlan {
  const cycle = incident.reopens ?? 0;
  if (incident.status !== 'RESOLVED' || cycle !== input.cycle) {
    return { kind: 'stop', reason: `incident ${incident.incidentId} re-opened since (now ${incident.status}, cycle ${cycle}): the resolution of cycle ${input.cycle} is not told` };
  }
  if (read && !('unreadable' in read) && read.value === 'ALARM') {
    return { kind: 'stop', reason: `alarm "${incident.alarmName}" is in ALARM again: its state change re-opens the incident, the resolution is not told` };
  }
  const first = incident.firstAlarmTime ?? incident.alarmTime;
  const okFor = `OK since ${incident.resolvedAt ?? '?'} (${policy.flapping.settleMinutes} min settle)`;
  const noRead = !read ? ' (the alarm was not re-read)' : 'unreadable' in read ? ` (the alarm could not be re-read: ${read.unreadable})` : '';
  return { kind: 'announce', cycle, reason: `it fired ${cycle + 1} times between ${first} and ${incident.alarmTime}; ${okFor}${noRead}` };
}

/**
 * Every tier strictly between `fromLevel` and `toLevel` whose notification was attempted and did not go out (FAILED, or
 * IN_PROGRESS: given back after a transient failure, its retries spent), each said as "<tier> could not be reached (...)";
 * empty unless every tier in between is such a one.
 */
export function unreachedTiers(policy: EscalationPolicy, fromLevel: number, toLevel: number, sends: readonly SentNotification[] | undefined): string[] {
  const between = policy.tiers.filter((t) => t.level > fromLevel && t.level < toLevel);
  const said = between.map((tier) => {
    const send = sends?.find((s) => s.kind === 'notify' && s.level === tier.level);
    if (!send || send.status === 'SENT') return undefined;
    return `${tier.name} could not be reached (${send.status === 'FAILED' ? `its delivery failed${send.error ? `: ${send.error}` : ''}` : 'its delivery did not complete'})`;
  });
  return said.length && said.every((s) => s !== undefined) ? (said as string[]) : [];
}
