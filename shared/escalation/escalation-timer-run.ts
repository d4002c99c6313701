// The escalation service's timer run (escalation-timer's part, decision 333): a due timer re-reads the incident and the
// alarm, then escalates, opens, resolves or stops. The escalation-timer handler imports it at init; escalate never reads it.
import { lazy } from '../aws/lazy-client';
import { foreignAccountProblem } from '../config/workload-account';
import type { RegionServing } from '../guard/region-serving';
import { StateRecordError } from '../state/state-records';
import type { AlarmObservation } from './alarm-lookup';
import type { EscalationResult, EscalationService, HeldOutcome } from './escalation-service';
import type { Incident } from './incident';
import { dueAtOf, latenessNote, lateVerb, minutesLate, type OverdueTimer } from './plan-sweep';
import { planServingRecheck, planTimer, type AlarmNow, type AlarmUnreadable, type TimerInput } from './plan-timer';
import { tierAfter } from './policy';

// The rarer paths (escalation-rare-paths.ts), loaded when one runs: here, the sweep's refusal bookkeeping and the
// region-serving notice (a DR region's standby watch).
const rarePathsModule = lazy(() => import('./escalation-rare-paths'));

/**
 * Said of the timer's work (a page, a check, a resolution told) when it is done past its time by more than the grace: by
 * the sweep (`swept`), or by the timer itself delivered late. Undefined when on time or when the incident's record does
 * not say when this timer was due (a person's EscalateToNextTier to a later tier, a notice check of another round).
 */
export function lateness(svc: EscalationService, input: TimerInput, incident: Incident | undefined, swept: OverdueTimer | undefined): string | undefined {
  if (swept) return `${lateVerb(input)} ${latenessNote(swept.dueAt, swept.lateMinutes, 'sweep')}`;
  const dueAt = incident ? dueAtOf(input, incident, svc.ctx.policy) : undefined;
  const late = dueAt ? minutesLate(dueAt, svc.now()) : undefined;
  return dueAt && late !== undefined ? `${lateVerb(input)} ${latenessNote(dueAt, late, 'timer')}` : undefined;
}

/**
 * The escalation-timer handler; `swept`: run by the sweep for a timer that is overdue. A settle timer takes its held
 * resolution off the sweep's list (decision 281) only once the resolution is settled (review 18 R18-2, decision 292): a
 * plan that tells nobody (re-opened, in ALARM again, incident gone or refused), or every resolution message of the
 * cycle read SENT or FAILED after this run's sends. A message claimed by another invocation and not final (the sweep
 * and the late timer at once: the loser sends nothing) is not settled: the entry stays, so if the holder fails and
 * gives the claim back, the next sweep (or the holder's retry) tells it. One that throws leaves it there too.
 */
export async function handleTimer(svc: EscalationService, input: TimerInput, swept?: OverdueTimer): Promise<EscalationResult> {
  const held: HeldOutcome = { settled: false };
  let result: EscalationResult;
  try {
    result = await runTimer(svc, input, swept, held);
  } catch (error) {
    if (input.action === 'settle' && swept && error instanceof StateRecordError) await (await rarePathsModule()).heldRefused(svc, input, swept, error);
    throw error;
  }
  if (input.action === 'settle') {
    if (held.settled) await svc.ctx.services.store.releaseHeld(input.incidentId, input.cycle);
    else svc.ctx.log.info('held resolution kept on the sweep\'s list: not settled by this run', { incidentId: input.incidentId, cycle: input.cycle, reason: result.reason });
  }
  return result;
}

export async function runTimer(svc: EscalationService, input: TimerInput, swept: OverdueTimer | undefined, held: HeldOutcome): Promise<EscalationResult> {
  const { store, alarms } = svc.ctx.services;
  // The incident's sends are read with the incident: escalating (or opening) claims a send, and the claim needs them.
  // So is the alarm the timer names, when it is one this deployment watches in its workload account (the check the
  // incident's own record gets below, so nothing is called into an account before it is checked): the incident is
  // still the authority, and a timer whose alarm is not the incident's is refused below (the read made ahead dropped).
  const named = input.alarm;
  const readAhead = named && svc.ctx.trust.watchedAlarms.has(named.name) && !foreignAccountProblem('the timer', named.account, svc.ctx.trust.workloadAccount) ? named : undefined;
  const ahead = svc.readAhead(input.incidentId, readAhead);
  const incident = await store.get(input.incidentId);
  const incidentId = input.incidentId;
  // The incident is read back from the state table: the account it names is where the alarm would be re-read (through
  // that account's role), so a record naming any account but the workload's is refused before anything else is called.
  const location = incident ? svc.alarmLocation(incident) : undefined;
  const foreign = incident && location ? foreignAccountProblem(`incident ${input.incidentId} (state table)`, location.account, svc.ctx.trust.workloadAccount) : undefined;
  if (foreign) {
    svc.ctx.log.warn('escalation timer refused: nobody notified, nothing changed', { incidentId: input.incidentId, reason: foreign, alarmArn: incident?.alarmArn, timer: input });
    svc.ctx.count?.('TimersRefused');
    // The incident's own record refuses it: nothing will ever be told from it (a held resolution is settled).
    held.settled = true;
    return { action: 'refused', incidentId: input.incidentId, reason: foreign, delivered: [] };
  }
  if (location && named && (location.name !== named.name || (location.account ?? '') !== (named.account ?? ''))) {
    return svc.refuse(
      `the timer names alarm "${named.name}"${named.account ? ` in account ${named.account}` : ''}, but incident ${incidentId} is about alarm "${location.name}"${location.account ? ` in account ${location.account}` : ''}: nothing done`,
      incidentId,
      { action: input.action },
    );
  }
  // Read where the alarm lives: in cross-account mode the operations account has no such alarm, and "not found"
  // there must not stop the escalation or close a watch (trust-decision / alarm-lookup). The read made ahead is of
  // this same alarm (checked just above).
  const alarm = incident && location && (incident.status !== 'RESOLVED' || input.action === 'settle') ? await (ahead.alarm ?? alarms.read(location)) : undefined;
  // A timer for a tier past the next one reads the sends first (read ahead already): a tier in between that could not be
  // reached is why it fires, not a person's request.
  const pastNext = incident?.status === 'OPEN' && input.action === 'escalate' && tierAfter(svc.ctx.policy, incident.level)?.level !== input.level;
  const plan = planTimer(input, incident, alarm && alarmNow(alarm), svc.ctx.policy, pastNext ? await ahead.sends : undefined);
  // Every timer's work says how late it is done (decisions 264, 281): a page, a still-firing or notice check, a held
  // resolution told. A stop does nothing late (the sweep's own log names the lateness), nor does an escalation that finds
  // the alarm OK, nor a redelivered check finishing what it did (`resume`).
  const late = plan.kind === 'stop' || plan.kind === 'resume' || (plan.kind === 'resolve' && input.action === 'escalate') ? undefined : lateness(svc, input, incident, swept);
  const saidLate = (reason: string): string => (late ? `${reason}; ${late}` : reason);
  switch (plan.kind) {
    case 'stop':
      // Nothing to tell (a held resolution re-opened since, in ALARM again, or its incident gone): settled.
      held.settled = true;
      if (plan.paused) svc.ctx.log.warn('escalation timer: escalation paused, the incident stays OPEN with its next tier due', { incidentId, reason: plan.reason, nextLevel: input.action === 'escalate' ? input.level : undefined });
      else svc.ctx.log.info('escalation timer: nothing to do', { incidentId, reason: plan.reason });
      return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
    case 'recheck':
      if (input.action !== 'notice' || !incident) return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
      return (await rarePathsModule()).checkNoticeLater(svc, input, incident, saidLate(plan.reason));
    case 'rejudge': {
      if (input.action !== 'notice' || !incident) return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
      const standby = svc.ctx.standby;
      // Only the standby watch's alarms in a DR region have a serving signal to read (as for 215's climb).
      if (!standby || !standby.alarms.has(incident.alarmName)) return (await rarePathsModule()).checkNoticeLater(svc, input, incident, saidLate(`${plan.reason}, but not a standby-watch alarm of a DR region: the notice stays`));
      let serving: RegionServing;
      try {
        serving = await standby.serving(location?.account ?? incident.account);
      } catch (error) {
        serving = { serving: false, reason: `not serving: the serving signal could not be read (${error instanceof Error ? error.message : String(error)})`, unread: true };
      }
      const judged = planServingRecheck(incident, serving, svc.ctx.policy, input.round);
      if (judged.kind === 'recheck') return (await rarePathsModule()).checkNoticeLater(svc, input, incident, saidLate(judged.reason));
      return (await rarePathsModule()).resumeStandby(svc, input, incident, { ...judged, reason: saidLate(judged.reason) });
    }
    case 'resume':
      if (input.action !== 'notice' || !incident) return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
      return (await rarePathsModule()).resumeStandby(svc, input, incident, plan);
    case 'resolve': {
      // Resolved only while the incident is still about the state change this plan was made on (decision 204).
      const reason = saidLate(plan.reason);
      const { delivered } = await svc.resolveIncident(incidentId, reason, incident?.alarmTime);
      return { action: 'resolved', incidentId, reason, delivered };
    }
    case 'announce': {
      if (!incident) {
        held.settled = true;
        return { action: 'stopped', incidentId, reason: 'incident not found', delivered: [] };
      }
      const { delivered, settled } = await svc.sendResolutions(incident, plan.cycle, saidLate(plan.reason));
      held.settled = settled;
      if (!delivered.length) {
        // Told nobody: no lateness is said (review 18 R18-2); why nothing went out, and whether the entry stays.
        const reason = `${plan.reason}; told nobody: ${
          settled
            ? 'every tier notified was already told this resolution'
            : 'a resolution message of this cycle is claimed by another invocation and not yet SENT or FAILED: the held resolution stays on the sweep\'s list until it is'
        }`;
        svc.ctx.log.info('held resolution: nothing told by this run', { incidentId, cycle: plan.cycle, reason, settled });
        return { action: 'stopped', incidentId, reason, delivered };
      }
      const reason = saidLate(plan.reason);
      svc.ctx.log.info('held resolution told', { incidentId, cycle: plan.cycle, reason, resolutionMessages: delivered.length, settled, ...(late ? { late } : {}) });
      return { action: 'resolved', incidentId, reason, delivered };
    }
    case 'open-still-firing': {
      const promoted = await store.promote(
        incidentId,
        { cause: 'still-firing', reason: saidLate(plan.reason), ...(alarm?.kind === 'found' && alarm.reason ? { alarmReason: alarm.reason } : {}) },
        svc.now(),
      );
      const current = await store.get(incidentId);
      if (!current || current.status !== 'OPEN') {
        return { action: 'stopped', incidentId, reason: `incident is ${current?.status ?? 'gone'}`, delivered: [] };
      }
      if (promoted) svc.ctx.count?.('IncidentsOpened');
      const first = svc.ctx.policy.tiers[0];
      const delivered = first && current.level === 0 ? await svc.notifyTier(current, first, 'opened', undefined, ahead.sends) : [];
      return { action: 'opened', incidentId, reason: saidLate(plan.reason), delivered };
    }
    case 'escalate': {
      if (!incident) return { action: 'stopped', incidentId, reason: 'incident not found', delivered: [] };
      // Only a DR region's standby-watch incident reads whether its region serves (the notice's module, loaded then).
      const served = svc.ctx.standby?.alarms.has(incident.alarmName)
        ? await (await rarePathsModule()).standbyServes(svc, incident, plan.tier, input.action === 'escalate' ? input.level : plan.tier.level)
        : undefined;
      if (served) return served;
      const because = saidLate(plan.reason);
      const delivered = await svc.notifyTier(incident, plan.tier, 'escalated', because, ahead.sends);
      return {
        action: delivered.length ? 'escalated' : 'stopped',
        incidentId,
        reason: delivered.length ? `${plan.tier.name} notified: ${because}` : `${plan.tier.name} was already notified or the incident changed`,
        delivered,
      };
    }
  }
}

/** The timer's view of an alarm: its state, or what could not be read. */
function alarmNow(alarm: AlarmObservation): AlarmNow | AlarmUnreadable {
  if (alarm.kind !== 'found') return { unreadable: alarm.what, ...(alarm.gone ? { gone: true as const } : {}) };
  return { value: alarm.value, ...(alarm.updatedAt ? { updatedAt: alarm.updatedAt } : {}) };
}
