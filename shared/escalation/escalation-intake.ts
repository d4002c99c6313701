// The escalation service's intake (escalate's part, decision 333): a "Runbook Decision" or an alarm state change opens,
// watches, updates or resolves an incident. The escalate handler imports it at init; escalation-timer never reads it.
import { withinStateReason } from '../aws/alarm-state-reader';
import { partitionOf } from '../aws/arn';
import { lazy } from '../aws/lazy-client';
import { InvalidInputError, TransientError } from '../errors';
import { settledAll } from '../settled';
import type { AlarmStateChange } from '../events/alarm-event';
import { parseRecordedDecision, type DecisionEventDetail, type EscalateInput } from './escalation-events';
import { summarizeDecision, type EscalationResult, type EscalationService, type OpenFacts, type ReadAhead, type Delivered } from './escalation-service';
import { incidentIdFor, NOTICE_CAUSES, type DecisionSummary, type Incident } from './incident';
import { planAlarmIntake, planDecisionIntake } from './plan-intake';
import { planRegroup, resumeLadder, supersedeCause } from './plan-regroup';
import { alarmMovedOn, auditFrom, checkAlarm, matchRecordedDecision, parseAlarmArn, precheckDecision } from './trust-decision';

// The rarer paths (escalation-rare-paths.ts): here, what a re-fire that re-opens or joins its incident sends (decision 204).
const rarePathsModule = lazy(() => import('./escalation-rare-paths'));

/** What an incident opened from a trusted decision of this alarm says: the alarm, where it fired, why a person is needed. */
export function decisionFacts(
  svc: EscalationService,
  decision: DecisionEventDetail,
  alarm: { arn: string; name: string; account: string; region: string },
  summary: DecisionSummary,
  cause: OpenFacts['cause'],
  reason: string,
): OpenFacts {
  return {
    incidentKey: decision.incidentKey ?? '',
    alarmArn: alarm.arn,
    alarmName: alarm.name,
    alarmTime: decision.alarmTime ?? '',
    ...(decision.alarmState ? { alarmState: decision.alarmState } : {}),
    account: alarm.account,
    region: alarm.region,
    environment: svc.ctx.environment,
    cause,
    reason,
    decision: summary,
  };
}

/** The escalate handler: a "Runbook Decision" or an alarm state change. */
export async function handle(svc: EscalationService, input: EscalateInput): Promise<EscalationResult> {
  return input.kind === 'decision' ? handleDecision(svc, input.decision) : handleAlarm(svc, input.event);
}

export async function handleDecision(svc: EscalationService, claimed: DecisionEventDetail): Promise<EscalationResult> {
  const { store } = svc.ctx.services;
  const incidentId = claimed.incidentKey ? incidentIdFor(claimed.incidentKey) : undefined;
  const existing = incidentId ? await store.get(incidentId) : undefined;
  const firstLook = planDecisionIntake(claimed, existing?.status, svc.ctx.policy.stillFiringAfterMinutes, svc.ctx.restoreSignals);
  if (firstLook.kind === 'ignore') return { action: 'ignored', reason: firstLook.reason, ...(incidentId ? { incidentId } : {}), delivered: [] };

  // Anyone allowed to put events on the bus could have sent this: act only on what the pipeline recorded.
  const trusted = await trustDecision(svc, claimed);
  if (trusted.kind === 'refused') return svc.refuse(trusted.reason, incidentId, { playbook: claimed.playbook, outcome: claimed.outcome, incidentKey: claimed.incidentKey });
  const decision = trusted.decision;
  const plan = planDecisionIntake(decision, existing?.status, svc.ctx.policy.stillFiringAfterMinutes, svc.ctx.restoreSignals);
  const summary = summarizeDecision(decision);
  const alarm = trusted.alarm;
  switch (plan.kind) {
    case 'ignore':
      return { action: 'ignored', reason: plan.reason, ...(incidentId ? { incidentId } : {}), delivered: [] };
    case 'update': {
      const recorded = await store.appendUpdate(incidentId ?? '', summary);
      // An incident whose first notification was interrupted is finished by whatever event comes next.
      const first = svc.ctx.policy.tiers[0];
      const delivered = existing?.status === 'OPEN' && existing.level === 0 && first ? await svc.notifyTier(existing, first, 'opened') : [];
      return {
        action: 'updated',
        incidentId: incidentId ?? '',
        reason: recorded ? `${decision.playbook} ${decision.outcome} recorded on the incident` : 'this decision is already recorded',
        delivered,
      };
    }
    case 'resolve':
      return resolveAlarm(svc, alarm, plan.okTime, `${decision.playbook} reports the alarm OK: ${decision.reason}`);
    case 'defer':
      return defer(svc, decision, alarm, plan.alarmName, summary, existing);
    case 'watch':
    case 'open': {
      const facts = decisionFacts(svc, decision, alarm, summary, plan.kind === 'open' ? plan.cause : 'watching', plan.kind === 'open' ? plan.reason : decision.reason);
      return plan.kind === 'watch' ? watch(svc, facts, plan.checkAfterMinutes) : open(svc, facts, existing);
    }
  }
}

/**
 * A decision event is a claim. It is acted on only when it names a watched alarm of this deployment and the state
 * table holds the incident's claim by its playbook and an audit entry with the same decision; what is acted on is
 * that recorded decision, so nothing the event adds (a link, a document, a finding) reaches anyone.
 */
export async function trustDecision(
  svc: EscalationService,
  claimed: DecisionEventDetail,
): Promise<{ kind: 'trusted'; decision: DecisionEventDetail; alarm: { arn: string; name: string; account: string; region: string } } | { kind: 'refused'; reason: string }> {
  const pre = precheckDecision(claimed, svc.ctx.trust);
  if (pre.kind === 'refused') return pre;
  const { records } = svc.ctx.services;
  const incidentKey = claimed.incidentKey ?? '';
  // Both reads answer before a failure is thrown (settledAll, decision 330's rule for calls made at once).
  const [claims, audits] = await settledAll(
    records.claimsOf(incidentKey),
    records.auditsOf(claimed.resource?.arn ?? '', incidentKey, auditFrom(claimed.alarmTime ?? '')),
  );
  const matched = matchRecordedDecision(claimed, claims, audits);
  if (matched.kind === 'refused') return matched;
  try {
    return { kind: 'trusted', decision: parseRecordedDecision(matched.recorded), alarm: pre.alarm };
  } catch (error) {
    if (error instanceof InvalidInputError) return { kind: 'refused', reason: error.message };
    throw error;
  }
}

export async function handleAlarm(svc: EscalationService, event: AlarmStateChange): Promise<EscalationResult> {
  const incidentId = incidentIdFor(event.incidentKey);
  const watched = checkAlarm({ arn: event.alarmArn, name: event.alarmName, region: event.region }, svc.ctx.trust);
  if (watched.kind === 'refused') return svc.refuse(watched.reason, incidentId, { alarmName: event.alarmName, state: event.state.value });
  // A state other than OK usually opens an incident: what opening reads (the alarm again, the incident's sends) is
  // read together with the incident, not after it. Reads only; whatever the plan, nothing is written before it.
  const ahead = event.state.value === 'OK' ? undefined : svc.readAhead(incidentId, { name: event.alarmName, account: watched.alarm.account }, event.alarmArn);
  const existing = event.state.value === 'OK' ? undefined : await svc.ctx.services.store.get(incidentId);
  const plan = planAlarmIntake({ alarmName: event.alarmName, state: event.state.value, muted: event.muted }, existing?.status, event.state.timestamp, svc.ctx.restoreSignals);
  if (plan.kind === 'resolve') return resolveAlarm(svc, watched.alarm, plan.okTime, `alarm "${event.alarmName}" is OK: ${event.state.reason}`);
  if (plan.kind !== 'open') return { action: 'ignored', reason: plan.kind === 'ignore' ? plan.reason : plan.kind, incidentId, delivered: [] };
  return open(svc, 
    {
      incidentKey: event.incidentKey,
      alarmArn: event.alarmArn,
      alarmName: event.alarmName,
      alarmTime: event.state.timestamp,
      alarmState: event.state.value,
      alarmReason: event.state.reason,
      account: watched.alarm.account,
      region: watched.alarm.region,
      environment: svc.ctx.environment,
      cause: plan.cause,
      reason: plan.reason,
    },
    existing,
    ahead,
  );
}

/**
 * A decision deferred to another alarm's incident (decision 158): recorded on that alarm's incident that is not resolved
 * (the latest), nobody notified. None yet (the deferring alarm usually fires first: 1 of 1 minute against the standby
 * watch's 5 of 5): nothing opened here; the decision is on the resource's audit trail, and that incident records it when
 * it opens (joinDeferred). A deferral to an alarm this deployment does not watch could never be reported: it opens its
 * own incident instead, saying so.
 */
export async function defer(
  svc: EscalationService,
  decision: DecisionEventDetail,
  alarm: { arn: string; name: string; account: string; region: string },
  alarmName: string,
  summary: DecisionSummary,
  existing: Incident | undefined,
): Promise<EscalationResult> {
  const { store } = svc.ctx.services;
  const targetArn = `arn:${partitionOf(alarm.region)}:cloudwatch:${alarm.region}:${alarm.account}:alarm:${alarmName}`;
  const target = checkAlarm({ arn: targetArn, name: alarmName, region: alarm.region }, svc.ctx.trust);
  if (target.kind === 'refused') {
    svc.ctx.log.warn('decision deferred to an alarm this deployment cannot report: escalated on its own', { reason: target.reason, alarmName, playbook: decision.playbook });
    return open(svc, decisionFacts(svc, decision, alarm, summary, 'not-applicable', `${decision.reason} — but ${target.reason}, so it is escalated here`), existing);
  }
  const incidents = [...(await store.incidentsOfAlarm(targetArn))].sort((a, b) => (a.alarmTime < b.alarmTime ? 1 : a.alarmTime > b.alarmTime ? -1 : 0));
  for (const { incidentId } of incidents) {
    if (await store.appendUpdate(incidentId, summary)) {
      svc.ctx.count?.('DecisionsDeferred');
      return { action: 'updated', incidentId, reason: `${decision.playbook} ${decision.outcome} recorded on incident ${incidentId} of alarm "${alarmName}": nobody notified again`, delivered: [] };
    }
    // Not appended: already recorded there (a redelivery), or that incident is resolved (try the one before it).
    const current = await store.get(incidentId);
    if (current && current.status !== 'RESOLVED') return { action: 'updated', incidentId, reason: 'this decision is already recorded', delivered: [] };
  }
  svc.ctx.count?.('DecisionsDeferred');
  const reason = `${decision.playbook} deferred to alarm "${alarmName}", which has no open incident yet: nobody notified; the incident it opens records this decision (audit trail of ${decision.resource?.arn ?? 'the resource'})`;
  svc.ctx.log.info('decision deferred: no incident opened for it', { reason, incidentKey: decision.incidentKey });
  return { action: 'ignored', reason, delivered: [] };
}

/**
 * An incident of an alarm other decisions may be deferred to (ctx.deferrals): the decisions deferred to it on the
 * same resource since its lookback before the state change, recorded on it (each once, by its key) before anyone is
 * notified, so the first message lists them. Read after the incident is written: a deferred decision whose intake ran
 * before that write found no incident, and its audit entry (written before it was published) is found here.
 */
export async function joinDeferred(svc: EscalationService, incident: Incident, resourceArn: string | undefined): Promise<Incident> {
  const lookbackMinutes = svc.ctx.deferrals?.get(incident.alarmName);
  const read = svc.ctx.services.records.deferredTo;
  const at = Date.parse(incident.alarmTime);
  if (lookbackMinutes === undefined || !read || !resourceArn || Number.isNaN(at)) return incident;
  const from = new Date(at - lookbackMinutes * 60_000).toISOString();
  const recorded = await read.call(svc.ctx.services.records, resourceArn, incident.alarmName, from);
  const joined: DecisionSummary[] = [];
  for (const audit of recorded) {
    const decision = parseRecordedDecision(audit.decision);
    // The same region and account as this incident's alarm, and a watched alarm of this deployment.
    const own = parseAlarmArn(decision.alarmArn);
    if (!own || own.region !== incident.region || own.account !== incident.account || checkAlarm({ arn: own.arn, name: own.name }, svc.ctx.trust).kind !== 'ok') continue;
    const summary = summarizeDecision(decision);
    if (incident.updates.some((u) => u.key === summary.key)) continue;
    if (await svc.ctx.services.store.appendUpdate(incident.incidentId, summary)) joined.push(summary);
  }
  if (joined.length) svc.ctx.log.info('deferred decisions recorded on the incident', { incidentId: incident.incidentId, decisions: joined.map((d) => `${d.playbook} ${d.decidedAt}`) });
  return joined.length ? { ...incident, updates: [...incident.updates, ...joined] } : incident;
}

export async function watch(svc: EscalationService, facts: OpenFacts, checkAfterMinutes: number): Promise<EscalationResult> {
  const { store, timers } = svc.ctx.services;
  const now = svc.now();
  const incidentId = incidentIdFor(facts.incidentKey);
  const { created, incident } = await store.create(newIncident(svc, incidentId, facts, 'WATCHING', now), now);
  if (!created && incident.status !== 'WATCHING') {
    const recorded = facts.decision ? await store.appendUpdate(incidentId, facts.decision) : false;
    return { action: 'updated', incidentId, reason: recorded ? 'decision recorded on the incident' : 'already recorded', delivered: [] };
  }
  // Scheduling again after a crash between create and schedule is a no-op: the schedule's name is the step's.
  const at = new Date(now.getTime() + checkAfterMinutes * 60_000);
  await timers.schedule({ action: 'check', incidentId, alarm: svc.alarmLocation(incident) }, at);
  return {
    action: 'watching',
    incidentId,
    reason: `${facts.decision?.playbook ?? 'the automation'} ${facts.decision?.outcome ?? 'acted'}: the alarm is checked again at ${at.toISOString()}`,
    delivered: [],
  };
}

export async function open(svc: EscalationService, facts: OpenFacts, existing: Incident | undefined, ahead?: ReadAhead): Promise<EscalationResult> {
  const { store, alarms } = svc.ctx.services;
  const now = svc.now();
  const incidentId = incidentIdFor(facts.incidentKey);
  // The alarm's latest incident, read with the alarm: a re-fire within the window re-opens it instead (decision 204).
  const groupable = !existing && svc.ctx.policy.flapping.regroupWithinMinutes > 0;
  const latest = groupable ? (ahead?.latest ?? store.latestOfAlarm(facts.alarmArn)) : undefined;
  latest?.catch(() => undefined);
  // The alarm is re-read before anyone is paged: its state change must still be the one this incident is about.
  const alarm = await (ahead?.alarm ?? alarms.read({ name: facts.alarmName, account: facts.account }));
  if (alarm.kind === 'found' && alarm.value === 'OK' && facts.alarmState !== 'OK' && alarmMovedOn(alarm, { time: facts.alarmTime })) {
    const reason = `alarm "${facts.alarmName}" is OK since ${alarm.updatedAt?.toISOString() ?? '?'}: the state change of ${facts.alarmTime} cleared before anyone was paged`;
    svc.ctx.log.info('incident not opened: the alarm already cleared', { incidentId, reason });
    return { action: 'ignored', incidentId, reason, delivered: [] };
  }
  // An event stamped after the alarm's last StateValue change (an EvaluationState update) pages nobody a second time.
  const within = alarm.kind === 'found' && facts.alarmState ? withinStateReason({ value: facts.alarmState, timestamp: facts.alarmTime }, alarm) : undefined;
  if (within) {
    svc.ctx.log.info('incident not opened: not a state change', { incidentId, reason: within });
    return { action: 'ignored', incidentId, reason: `alarm "${facts.alarmName}": ${within}`, delivered: [] };
  }
  // An alarm that cannot be read does not stop an escalation: it is named in the incident.
  const unreadable = alarm.kind === 'unreadable' ? ` (re-reading the alarm: ${alarm.what})` : '';
  const alarmReason = alarm.kind === 'found' ? (alarm.reason ?? facts.alarmReason) : facts.alarmReason;
  const withReason = { ...facts, reason: `${facts.reason}${unreadable}`, ...(alarmReason ? { alarmReason } : {}) };
  if (latest) {
    const grouped = await regroup(svc, withReason, incidentId, await latest);
    if (grouped) return grouped;
  }

  let incident: Incident | undefined;
  let opened: boolean;
  if (existing?.status === 'WATCHING') {
    opened = await store.promote(
      incidentId,
      {
        cause: facts.cause,
        reason: withReason.reason,
        ...(alarmReason ? { alarmReason } : {}),
        ...(facts.decision ? { decision: facts.decision } : {}),
        ...(existing.decision ? { previous: existing.decision } : {}),
      },
      now,
    );
    incident = await store.get(incidentId);
  } else {
    const result = await store.create(newIncident(svc, incidentId, withReason, 'OPEN', now), now);
    opened = result.created;
    incident = result.incident;
    if (!opened && incident.status === 'WATCHING') {
      opened = await store.promote(incidentId, { cause: facts.cause, reason: withReason.reason, ...(facts.decision ? { decision: facts.decision } : {}) }, now);
      incident = await store.get(incidentId);
    } else if (!opened && facts.decision && incident.decision?.key !== facts.decision.key) {
      await store.appendUpdate(incidentId, facts.decision);
    }
  }
  if (opened) svc.ctx.count?.('IncidentsOpened');
  if (!incident || incident.status !== 'OPEN') {
    return { action: 'ignored', incidentId, reason: `incident is ${incident?.status ?? 'gone'}`, delivered: [] };
  }
  incident = await joinDeferred(svc, incident, facts.decision?.resource?.arn);
  const first = svc.ctx.policy.tiers[0];
  // Every delivery tries the first tier: the send claim lets exactly one through, and finishes a crashed one.
  const delivered = first ? await svc.notifyTier(incident, first, 'opened', undefined, ahead?.sends) : [];
  return {
    action: 'opened',
    incidentId,
    reason: `${opened ? 'opened' : 'already open'}: ${withReason.reason}`,
    delivered,
  };
}

export function newIncident(svc: EscalationService, incidentId: string, facts: OpenFacts, status: 'OPEN' | 'WATCHING', now: Date): Incident {
  return {
    incidentId,
    incidentKey: facts.incidentKey,
    alarmArn: facts.alarmArn,
    alarmName: facts.alarmName,
    alarmTime: facts.alarmTime,
    ...(facts.alarmState ? { alarmState: facts.alarmState } : {}),
    ...(facts.alarmReason ? { alarmReason: facts.alarmReason } : {}),
    account: facts.account,
    region: facts.region,
    environment: facts.environment,
    status,
    cause: facts.cause,
    reason: facts.reason,
    ...(facts.decision ? { decision: facts.decision } : {}),
    updates: [],
    createdAt: now.toISOString(),
    ...(status === 'OPEN' ? { openedAt: now.toISOString() } : {}),
    level: 0,
  };
}

/**
 * Resolves every incident of the alarm whose state change came before the OK, once the alarm, re-read where it lives,
 * confirms that state change is over. An alarm that cannot be read resolves nothing: its timers go on and say why.
 */
export async function resolveAlarm(svc: EscalationService, alarm: { arn: string; name: string; account: string }, okTime: string, reason: string): Promise<EscalationResult> {
  const okMs = Date.parse(okTime);
  const incidents = (await svc.ctx.services.store.incidentsOfAlarm(alarm.arn)).filter((i) => {
    const at = Date.parse(i.alarmTime);
    return Number.isNaN(at) || Number.isNaN(okMs) ? i.alarmTime < okTime : at < okMs;
  });
  if (!incidents.length) return { action: 'ignored', reason: 'no incident of this alarm to resolve', delivered: [] };
  const current = await svc.ctx.services.alarms.read({ name: alarm.name, account: alarm.account });
  const delivered: Delivered[] = [];
  const resolved: string[] = [];
  const kept: string[] = [];
  for (const { incidentId, alarmTime } of incidents) {
    // Incidents are about ALARM state changes (an OK resolves): the alarm has moved on once it is in another state
    // or in a later state change than the incident's.
    if (current.kind === 'unreadable' || !alarmMovedOn(current, { state: 'ALARM', time: alarmTime })) {
      const why =
        current.kind === 'unreadable'
          ? current.what
          : current.updatedAt
            ? `the alarm is still in ${current.value} since ${alarmTime}`
            : `the alarm is in ${current.value} and CloudWatch DescribeAlarms answered no StateUpdatedTimestamp: whether that is a later state change than ${alarmTime} cannot be told`;
      svc.ctx.log.warn('incident not resolved: the OK is not confirmed by the alarm', { incidentId, reason: why });
      kept.push(`${incidentId}: ${why}`);
      continue;
    }
    const outcome = await svc.resolveIncident(incidentId, reason, alarmTime);
    if (outcome.resolvedNow || outcome.delivered.length) resolved.push(incidentId);
    delivered.push(...outcome.delivered);
  }
  if (!resolved.length && kept.length) return { action: 'ignored', reason: `not resolved: ${kept.join('; ')}`, delivered };
  return {
    action: resolved.length ? 'resolved' : 'ignored',
    reason: resolved.length ? reason : 'already resolved',
    ...(resolved.length ? { incidentIds: resolved } : {}),
    delivered,
  };
}

/**
 * A new ALARM state change of an alarm whose latest incident is another one (decision 204): re-opened (resolved within
 * the window), joined (still unresolved), or nothing (an older state change); undefined when it is its own incident.
 * The move is one conditional write on the incident as read; of concurrent deliveries one makes it, the others re-read
 * and find it done ('already'), then each finishes what the re-open sends (claimed sends) and schedules (idempotent).
 */
export async function regroup(svc: EscalationService, facts: OpenFacts, incidentId: string, latest: { incidentId: string; alarmTime: string } | undefined): Promise<EscalationResult | undefined> {
  const { store } = svc.ctx.services;
  const window = svc.ctx.policy.flapping.regroupWithinMinutes;
  let pointer = latest;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (!pointer || pointer.incidentId === incidentId) return undefined;
    const read = await store.get(pointer.incidentId);
    // Only an incident of the same alarm, environment and account is grouped into (the pointer is keyed by the ARN).
    if (!read || read.alarmArn !== facts.alarmArn) return undefined;
    const plan = planRegroup(read, facts.alarmTime, window);
    switch (plan.kind) {
      case 'new':
        svc.ctx.log.info('a new incident: the re-fire is not grouped', { incidentId, reason: plan.reason });
        return undefined;
      case 'stale':
        svc.ctx.log.info('state change not grouped: the incident is about a later one', { incidentId: read.incidentId, reason: plan.reason });
        return { action: 'ignored', incidentId: read.incidentId, reason: plan.reason, delivered: [] };
      case 'already':
        return (await rarePathsModule()).afterRegroup(svc, read, facts, plan.reason);
      case 'join':
      case 'reopen': {
        const now = svc.now();
        // A later escalation whose cause says more supersedes the recorded cause (review 14 R14-15): the incident, the
        // re-open message and the next tier's page present it; the one it replaces is kept as an earlier cause.
        const cause = supersedeCause(read, { cause: facts.cause, reason: facts.reason, ...(facts.decision ? { decision: facts.decision } : {}) }, facts.alarmTime);
        // The ladder resumes on its own clock (R13-1): the next tier due when it was, paged at once if that has passed.
        // A notice superseded by a cause with a ladder starts one: its tier has the whole timeout from now (a notice's
        // tier was told "not urgent", so no clock ran for it).
        const wasNotice = cause !== undefined && NOTICE_CAUSES.has(read.cause);
        const ladderOf = { ...read, cause: cause?.cause ?? read.cause, ...(wasNotice ? { ladderDueAt: undefined } : {}) };
        const next = plan.kind === 'reopen' || (wasNotice && read.status === 'OPEN') ? resumeLadder(ladderOf, svc.ctx.policy, now, facts.alarmTime) : undefined;
        const change = {
          incidentKey: facts.incidentKey,
          alarmTime: facts.alarmTime,
          ...(facts.alarmState ? { alarmState: facts.alarmState } : {}),
          ...(facts.alarmReason ? { alarmReason: facts.alarmReason } : {}),
        };
        const nextDue = next ? { next: { level: next.tier.level, at: next.at } } : {};
        const moved = await store.groupInto(read, change, plan.kind === 'reopen' ? nextDue : undefined, now, cause ? { ...cause, ...nextDue } : undefined);
        if (!moved) {
          pointer = await store.latestOfAlarm(facts.alarmArn);
          continue;
        }
        if (plan.kind === 'reopen') svc.ctx.count?.('IncidentsReopened');
        svc.ctx.log.info(plan.kind === 'reopen' ? 'incident re-opened by a re-fire of its alarm' : 'a new state change of the alarm joined its open incident', {
          incidentId: read.incidentId,
          stateChange: facts.alarmTime,
          reason: plan.reason,
          // Why the next tier is due when it is (R14-8: what of the OK was charged to the ladder).
          ...(next ? { ladder: next.reason, nextEscalationAt: next.at.toISOString() } : {}),
          ...(cause ? { cause: cause.cause, supersededCause: read.cause } : {}),
        });
        const after = await store.get(read.incidentId);
        if (!after) return { action: 'ignored', incidentId: read.incidentId, reason: 'incident gone', delivered: [] };
        return (await rarePathsModule()).afterRegroup(svc, after, facts, plan.reason);
      }
    }
  }
  throw new TransientError(`incident of alarm ${facts.alarmName} changed under three attempts to group the state change of ${facts.alarmTime} into it: retried`);
}
