// The escalation service's re-open (decisions 204, 272, 333): what a re-fire grouped into its incident sends and
// schedules, and the cause change told to the tiers already paged. Loaded when a re-fire re-opens or joins an incident.
import { classifyAwsError } from '../aws/classify-error';
import { TransientError } from '../errors';
import { pageOf, type Delivered, type EscalationResult, type EscalationService, type OpenFacts } from './escalation-service';
import { NOTICE_CAUSES, type Incident, type SentNotification } from './incident';
import { buildMessageView, type MessageInput } from './message-view';
import { causeChangeAudience } from './plan-regroup';
import { tierAt, type EscalationPolicy } from './policy';

/**
 * What a re-open sends and schedules, done by whichever delivery gets there (each step idempotent): the decision
 * recorded on the incident, one short message to each tier that was told the last cycle resolved (a re-open during a
 * held resolution tells nobody: nobody heard it resolved), and the ladder: the first page if none went out yet, else
 * the next tier's timer at the time the re-open set.
 */
export async function afterRegroup(svc: EscalationService, incident: Incident, facts: OpenFacts, reason: string): Promise<EscalationResult> {
  const { store, notifier } = svc.ctx.services;
  const { incidentId } = incident;
  if (facts.decision && incident.decision?.key !== facts.decision.key && !incident.updates.some((u) => u.key === facts.decision?.key)) {
    // The record of the re-fire's decision must not stop the ladder (review 13 R13-16): a failure that a retry cannot
    // mend is logged and counted, and the re-open's messages and timer go on.
    await store.appendUpdate(incidentId, facts.decision).catch((error: unknown) => {
      const classified = classifyAwsError(error, 'record the decision on the incident');
      if (classified instanceof TransientError) throw classified;
      svc.ctx.log.error('could not record the re-fire\'s decision on the incident: its messages and timers go on', { incidentId, error: classified.message });
      svc.ctx.count?.('IncidentUpdateNotRecorded');
      return false;
    });
  }
  if (incident.status !== 'OPEN' && incident.status !== 'ACKNOWLEDGED') {
    return { action: 'ignored', incidentId, reason: `${reason}; incident is ${incident.status} again`, delivered: [] };
  }
  const cycle = incident.reopens ?? 0;
  const sends = await store.listSends(incidentId);
  const delivered: Delivered[] = [];
  const toldResolved = cycle > 0 ? sends.filter((s) => s.kind === 'resolve' && (s.cycle ?? 0) === cycle - 1 && s.status !== 'FAILED') : [];
  if (cycle > 0) {
    for (const told of toldResolved) {
      const tier = tierAt(svc.ctx.policy, told.level);
      const page = sends.filter((s) => s.level === told.level).map(pageOf).find((p) => p !== undefined);
      if (!tier || !page) continue;
      const claim = await store.claimSend(incidentId, 'reopen', tier.level, tier.name, ['OPEN', 'ACKNOWLEDGED'], svc.now(), { cycle });
      if (!claim.claimed) continue;
      // Due already (the ladder's clock ran on, R13-1): the next tier is paged just below, and the message says so (not
      // "at <now> (in 0 min), unless acknowledged", review 14 R14-8).
      const nextAt = incident.nextLevel !== undefined && incident.nextEscalationAt ? Date.parse(incident.nextEscalationAt) : Number.NaN;
      const nextTier = incident.nextLevel !== undefined ? tierAt(svc.ctx.policy, incident.nextLevel) : undefined;
      const reached = tierAt(svc.ctx.policy, incident.level);
      const pagedNow = nextTier && !Number.isNaN(nextAt) && nextAt <= svc.now().getTime();
      const view = buildMessageView({
        kind: 'reopened',
        incident,
        tier,
        sent: sends,
        now: svc.now(),
        ...(nextTier && pagedNow
          ? { nextPagedNow: { tier: nextTier, because: `${reached ? `${reached.name} has not acknowledged within its ${reached.timeoutMinutes} min` : 'not acknowledged'}` } }
          : nextTier && !Number.isNaN(nextAt)
            ? { nextEscalation: { tier: nextTier, at: new Date(nextAt) } }
            : {}),
        ...svc.deploymentView(false),
      });
      const delivery = await svc.deliver(incidentId, 'reopen', tier, claim, (progress) => notifier.resolve(tier, view, page, progress), cycle);
      delivered.push({ kind: 'reopen', level: tier.level, tier: tier.name, via: delivery.caseId ? `support case ${delivery.caseId}` : delivery.channels.join('+') });
    }
  }
  // The cause changed at this state change (decision 272): every tier already paged is told once, unless this re-open's
  // message (which names the change) went to it.
  delivered.push(...(await tellCauseChanged(svc, incident, sends, toldResolved.map((s) => s.level))));
  // A notice re-opened: its checks of the earlier cycle stop (they name that cycle), so this cycle gets its own.
  if (incident.status === 'OPEN' && cycle > 0 && incident.level > 0 && NOTICE_CAUSES.has(incident.cause)) await svc.scheduleNoticeCheck(incident);
  if (incident.status === 'OPEN') {
    const first = svc.ctx.policy.tiers[0];
    if (incident.level === 0 && first) {
      delivered.push(...(await svc.notifyTier(incident, first, 'opened', undefined, Promise.resolve(sends))));
    } else if (incident.nextLevel !== undefined && incident.nextEscalationAt) {
      const tier = tierAt(svc.ctx.policy, incident.nextLevel);
      const at = new Date(Date.parse(incident.nextEscalationAt));
      if (tier && !Number.isNaN(at.getTime())) {
        // The next tier was due before this re-fire (its timer deleted by the OK, or paused): paged now, as its timer
        // would have done had the alarm not cleared in between (R13-1). Not yet due: its timer (a join's is still there).
        if (at.getTime() <= svc.now().getTime()) {
          const previous = tierAt(svc.ctx.policy, incident.level);
          // True by the ladder's rule (resumeLadder, R14-8): the time counted since that page is the incident's time open
          // and OK spells shorter than the settle period; an OK as long as that stopped the clock.
          const settle = svc.ctx.policy.flapping.settleMinutes;
          const because = `${previous ? `${previous.name} did not acknowledge within ${previous.timeoutMinutes} min of its page` : 'not acknowledged'} and the alarm keeps firing: it fired again at ${facts.alarmTime}${cycle > 0 ? ` (re-opened ${cycle} time${cycle === 1 ? '' : 's'})` : ''}; counted: the time it was open and any OK shorter than the ${settle}-min settle period (a longer OK stops the clock)`;
          delivered.push(...(await svc.notifyTier(incident, tier, 'escalated', because)));
        } else if (cycle > 0 || supersededNoticeNow(incident)) {
          await svc.scheduleNext(incident, { tier, at });
        }
      }
    }
  }
  return {
    action: cycle > 0 ? 'reopened' : 'updated',
    incidentId,
    reason: `${cycle > 0 ? `re-opened (cycle ${cycle})` : 'joined'}: ${reason}`,
    delivered,
  };
}

/**
 * Decision 272 (review 14 R14-15's second half): a later escalation grouped into the incident changed its cause (a join,
 * or a re-open nobody was told of): each tier already paged believes the cause its page gave ("a test of the alarm"),
 * so each is told, once (a claimed send per tier and change: `cause`, its cycle the change's number), on the channels
 * it was paged on and its support case, what the cause is now, why, and what to do. Tiers the re-open message of the
 * same state change went to are left out (causeChangeAudience): that message says it.
 */
export async function tellCauseChanged(svc: EscalationService, incident: Incident, sends: readonly SentNotification[], reopenedTo: readonly number[]): Promise<Delivered[]> {
  const { store, notifier } = svc.ctx.services;
  const { incidentId } = incident;
  const pages = sends.flatMap((s) => pageOf(s) ?? []);
  const audience = causeChangeAudience(
    incident,
    pages.map((p) => p.level),
    reopenedTo,
  );
  if (!audience) return [];
  const delivered: Delivered[] = [];
  for (const level of audience.levels) {
    const tier = tierAt(svc.ctx.policy, level);
    const page = pages.find((p) => p.level === level);
    if (!tier || !page) continue;
    const claim = await store.claimSend(incidentId, 'cause', tier.level, tier.name, ['OPEN', 'ACKNOWLEDGED'], svc.now(), { cycle: audience.count });
    if (!claim.claimed) continue;
    const view = buildMessageView({
      kind: 'cause-changed',
      incident,
      tier,
      sent: sends,
      now: svc.now(),
      ...ladderView(incident, svc.ctx.policy, svc.now()),
      ...svc.deploymentView(true),
    });
    const delivery = await svc.deliver(incidentId, 'cause', tier, claim, (progress) => notifier.resolve(tier, view, page, progress), audience.count);
    delivered.push({ kind: 'cause', level: tier.level, tier: tier.name, via: delivery.caseId ? `support case ${delivery.caseId}` : delivery.channels.join('+') });
  }
  if (delivered.length > 0) svc.ctx.log.info('the cause change told to the tiers already paged', { incidentId, cause: incident.cause, change: audience.count, tiers: delivered.map((d) => d.tier) });
  return delivered;
}

/**
 * Where the incident's ladder stands for a message that is not a page: the next tier paged now (due already: the caller
 * pages it), or its time.
 */
function ladderView(incident: Incident, policy: EscalationPolicy, now: Date): Pick<MessageInput, 'nextEscalation' | 'nextPagedNow'> {
  const nextAt = incident.nextLevel !== undefined && incident.nextEscalationAt ? Date.parse(incident.nextEscalationAt) : Number.NaN;
  const nextTier = incident.nextLevel !== undefined ? tierAt(policy, incident.nextLevel) : undefined;
  if (!nextTier || Number.isNaN(nextAt)) return {};
  if (nextAt > now.getTime()) return { nextEscalation: { tier: nextTier, at: new Date(nextAt) } };
  const reached = tierAt(policy, incident.level);
  return { nextPagedNow: { tier: nextTier, because: `${reached ? `${reached.name} has not acknowledged within its ${reached.timeoutMinutes} min` : 'not acknowledged'}` } };
}

/**
 * A notice superseded by a cause with a ladder at the incident's current state change (review 14 R14-15): a join started
 * its ladder, whose first timer is set here (a re-open sets its timer as every re-open does).
 */
function supersededNoticeNow(incident: Incident): boolean {
  const last = incident.earlierCauses?.at(-1);
  return last !== undefined && last.until === incident.alarmTime && NOTICE_CAUSES.has(last.cause) && !NOTICE_CAUSES.has(incident.cause);
}
