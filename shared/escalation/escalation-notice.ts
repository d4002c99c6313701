// The escalation service's region-serving notice (review 12 R12-7, review 14 R14-14; decision 333): a DR region's
// standby-watch incident that finds its region serving, the notice's re-checks and its withdrawal. Loaded when one runs.
import type { RegionServing } from '../guard/region-serving';
import { buildMessageView } from './message-view';
import { pageOf, type Delivered, type EscalationResult, type EscalationService } from './escalation-service';
import { NOTICE_CAUSES, type Incident } from './incident';
import { NOTICE_CHECK_MINUTES, type TimerInput, type TimerPlan } from './plan-timer';
import { tierAt, type EscalationTier } from './policy';

/**
 * A standby-watch incident whose next tier is due, in a DR region (review 12, R12-7): decision 189 judges "this region
 * serves" only for a state change after the failover, but the outage that causes a failover usually fires the standby
 * watch's alarms before it, and they stay in ALARM through it (no new state change). So before climbing, the timer
 * reads the serving signal where the alarm lives; serving, the incident becomes the region-serving notice (cause,
 * reason, no next tier: one conditional write), the tier is not paged, and every tier already paged is told once, on the
 * channels it was paged on (never a support case: AWS Support is not told about the failover). Not serving, or the
 * signal unread: undefined, and the ladder climbs as before (missing data is never "healthy"). The same timer delivered
 * again finds the notice made and finishes telling it.
 */
export async function standbyServes(svc: EscalationService, incident: Incident, tier: EscalationTier, level: number): Promise<EscalationResult | undefined> {
  const standby = svc.ctx.standby;
  if (!standby || !standby.alarms.has(incident.alarmName)) return undefined;
  const { store } = svc.ctx.services;
  const { incidentId } = incident;
  let current = incident;
  if (!incident.servingNotice) {
    if (NOTICE_CAUSES.has(incident.cause)) return undefined;
    const account = svc.alarmLocation(incident).account ?? incident.account;
    let serving: RegionServing;
    try {
      serving = await standby.serving(account);
    } catch (error) {
      serving = { serving: false, reason: `not serving: the serving signal could not be read (${error instanceof Error ? error.message : String(error)})`, unread: true };
    }
    if (!serving.serving) {
      svc.ctx.log.info('standby incident climbs: the region does not serve', { incidentId, tier: tier.name, serving: serving.reason });
      return undefined;
    }
    const reason =
      `${incident.region} serves ${incident.environment} since a failover (read when ${tier.name} was due): the standby watch no longer applies; ` +
      `switch regionRoles (${incident.region} primary) and redeploy. ${serving.reason.replace(/^serving since a failover: /, 'Read: ')}. ` +
      `Opened before the failover as ${incident.cause}: ${incident.reason}`;
    const made = await store.becomeNotice(incident, { cause: 'region-serving', reason, insteadOfLevel: level }, svc.now());
    const read = await store.get(incidentId);
    if (!read || read.status !== 'OPEN' || !read.servingNotice) {
      return { action: 'stopped', incidentId, reason: `incident is ${read?.status ?? 'gone'}${made ? '' : ' (changed while the serving signal was read)'}`, delivered: [] };
    }
    if (made) {
      svc.ctx.count?.('StandbyIncidentsServing');
      svc.ctx.log.warn('standby incident turned into the region-serving notice: not escalated', { incidentId, tier: tier.name, reason });
    }
    current = read;
  } else if (incident.servingNotice.insteadOfLevel !== level || incident.status !== 'OPEN') {
    return undefined;
  }
  const delivered = await tellServing(svc, current);
  await svc.scheduleNoticeCheck(current);
  return { action: 'updated', incidentId, reason: `${tier.name} not notified: ${current.reason}`, delivered };
}

/** The notice's next check, NOTICE_CHECK_MINUTES from now; nobody is told. */
export async function checkNoticeLater(svc: EscalationService, input: Extract<TimerInput, { action: 'notice' }>, incident: Incident, reason: string): Promise<EscalationResult> {
  const { incidentId } = incident;
  const at = new Date(svc.now().getTime() + NOTICE_CHECK_MINUTES * 60_000);
  await svc.noticeDue({ action: 'notice', incidentId, cycle: input.cycle, round: input.round + 1, alarm: svc.alarmLocation(incident) }, at);
  svc.ctx.log.info('notice check: the notice stands, checked again later', { incidentId, reason, next: at.toISOString() });
  return { action: 'stopped', incidentId, reason: `${reason}; checked again at ${at.toISOString()}`, delivered: [] };
}

/**
 * A region-serving notice whose region no longer serves while its standby alarm still fires (review 14 R14-14; the
 * judgement is planServingRecheck's): the incident becomes the standby incident again (one conditional write, unless
 * this check already made it: `plan.cause` unset), every tier told the notice hears once that it is withdrawn (a
 * claimed `resume` send, on the channels it was paged on), and `plan.tier` is paged as the standby watch's ladder
 * would page it, its next tier scheduled. Delivered again, the same check finishes what is left; nobody is told twice.
 */
export async function resumeStandby(svc: EscalationService, input: Extract<TimerInput, { action: 'notice' }>, incident: Incident, plan: Extract<TimerPlan, { kind: 'resume' }>): Promise<EscalationResult> {
  const { store } = svc.ctx.services;
  const { incidentId } = incident;
  let current = incident;
  if (plan.cause !== undefined) {
    const made = await store.endNotice(incident, { cause: plan.cause, reason: plan.reason, fromLevel: plan.tier.level, cycle: input.cycle, round: input.round }, svc.now());
    const read = await store.get(incidentId);
    const ended = read?.servingEnded;
    if (!read || read.status !== 'OPEN' || !ended || ended.cycle !== input.cycle || ended.round !== input.round) {
      return { action: 'stopped', incidentId, reason: `incident is ${read?.status ?? 'gone'}${made ? '' : ' (changed while the serving signal was read)'}`, delivered: [] };
    }
    if (made) {
      svc.ctx.count?.('ServingNoticesEnded');
      svc.ctx.log.warn('region-serving notice withdrawn: the region no longer serves and the standby alarm still fires; the ladder resumes', { incidentId, tier: plan.tier.name, reason: plan.reason });
    }
    current = read;
  }
  // The tiers told the notice hear it is withdrawn, and that the tier paged next is paged now.
  const told = await tellPaged(svc, current, 'resume', { below: plan.tier.level, next: { tier: plan.tier, at: svc.now() } });
  const paged = await svc.notifyTier(current, plan.tier, 'escalated', `${current.region} no longer serves: the region-serving notice is withdrawn and the standby watch's ladder resumes at ${plan.tier.name}`);
  return {
    action: paged.length ? 'escalated' : 'updated',
    incidentId,
    reason: `${paged.length ? `${plan.tier.name} notified` : `${plan.tier.name} was already notified`}: ${current.reason}`,
    delivered: [...told, ...paged],
  };
}

/** The region-serving notice to every tier already paged, once each (a claimed send), on the channels it was paged on. */
export async function tellServing(svc: EscalationService, incident: Incident): Promise<Delivered[]> {
  return tellPaged(svc, incident, 'notice');
}

/**
 * One message of `kind` to every tier paged below `only.below` (all of them when unset), once each (a claimed send), on
 * the email and chat channels it was paged on: the region-serving notice, or its withdrawal (`resume`, `only.next` the
 * tier paged with it).
 */
export async function tellPaged(svc: EscalationService, incident: Incident, kind: 'notice' | 'resume', only?: { below: number; next: { tier: EscalationTier; at: Date } }): Promise<Delivered[]> {
  const { store, notifier } = svc.ctx.services;
  const { incidentId } = incident;
  const sends = await store.listSends(incidentId);
  const delivered: Delivered[] = [];
  for (const send of sends) {
    const page = pageOf(send);
    const tier = page ? tierAt(svc.ctx.policy, page.level) : undefined;
    if (!page || !tier || (only && tier.level >= only.below)) continue;
    // The people, not the case: AWS Support hears about the incident through its resolution, not the failover.
    const { caseId: _case, ...published } = page;
    const channels = published.channels.filter((c) => c === 'email' || c === 'chat');
    if (!channels.length) continue;
    const claim = await store.claimSend(incidentId, kind, tier.level, tier.name, ['OPEN'], svc.now());
    if (!claim.claimed) continue;
    const view = buildMessageView({
      kind: 'opened',
      incident,
      tier,
      sent: sends,
      now: svc.now(),
      ...(only ? { nextEscalation: only.next } : {}),
      ...svc.deploymentView(true),
    });
    const delivery = await svc.deliver(incidentId, kind, tier, claim, (progress) => notifier.resolve(tier, view, { ...published, channels }, progress));
    delivered.push({ kind, level: tier.level, tier: tier.name, via: delivery.channels.join('+') });
  }
  return delivered;
}
