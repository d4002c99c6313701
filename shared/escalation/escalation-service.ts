// The escalation path at work: decisions and alarm changes open, update and resolve incidents; timers move them up the tiers.
import { createHash } from 'node:crypto';
import { accountOfArn } from '../aws/arn';
import { classifyAwsError } from '../aws/classify-error';
import type { Clock } from '../clock';
import { settledAll } from '../settled';
import type { RegionServing } from '../guard/region-serving';
import type { TroubleshootingRow } from '../config/schema';
import { TransientError } from '../errors';
import type { AlarmLocation, AlarmObservation, EscalationAlarms } from './alarm-lookup';
import type { DecisionRecords } from './decision-records';
import type { DecisionEventDetail } from './escalation-events';
import type { EscalationStore } from './escalation-store';
import { NOTICE_CAUSES, type DecisionSummary, type Incident, type SendKind, type SentNotification } from './incident';
import type { ConfiguredParameter } from './document-parameters';
import { buildMessageView, type MessageInput, type MessageKind } from './message-view';
import type { TimerInput } from './plan-timer';
import { NOTICE_CHECK_MINUTES, nextEscalation, tierAt, type EscalationPolicy, type EscalationTier } from './policy';
import type { DeliveryProgress, TierDelivery, TierNotifier } from './tier-notifier';
import type { TimerScheduler } from './timer-scheduler';
import type { TrustFacts } from './trust-decision';

export interface EscalationLog {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export interface EscalationServices {
  store: Pick<
    EscalationStore,
    | 'get'
    | 'create'
    | 'promote'
    | 'appendUpdate'
    | 'claimSend'
    | 'completeSend'
    | 'recordDelivered'
    | 'releaseSend'
    | 'listSends'
    | 'recordTierNotified'
    | 'recordNextDue'
    | 'becomeNotice'
    | 'endNotice'
    | 'resolve'
    | 'incidentsOfAlarm'
    | 'forgetAlarmIncident'
    | 'latestOfAlarm'
    | 'groupInto'
    | 'listUnresolved'
    | 'recordNoticeDue'
    | 'holdResolution'
    | 'releaseHeld'
    | 'heldResolutions'
    | 'countHeldRefusal'
    | 'setHeldAside'
  >;
  notifier: Pick<TierNotifier, 'notify' | 'resolve'>;
  timers: Pick<TimerScheduler, 'schedule' | 'cancel'>;
  /** Re-reads an alarm where it lives (the workload's role in cross-account mode). */
  alarms: EscalationAlarms;
  /**
   * What the pipeline recorded: a decision event is acted on only when it matches (trust-decision.ts); `deferredTo` finds
   * the decisions deferred to an alarm whose incident opens (decision 158; without it none are looked for).
   */
  records: Pick<DecisionRecords, 'claimsOf' | 'auditsOf'> & Partial<Pick<DecisionRecords, 'deferredTo'>>;
}

export interface EscalationContext {
  services: EscalationServices;
  policy: EscalationPolicy;
  rows: readonly TroubleshootingRow[];
  /** Where the handler runs: used when an event does not say. */
  environment: string;
  region: string;
  /** The environment's regions and watched alarms: what a decision or an alarm event must name to be acted on. */
  trust: TrustFacts;
  /** The account the escalation handlers run in (RUNBOOK_ACCOUNT_ID): messages name it for the incident-state documents. */
  operationsAccount?: string;
  /** Document parameters the environment's configuration supplies to the NEXT STEP's command (the failover record pair). */
  configured?: Readonly<Record<string, ConfiguredParameter>>;
  /** The environment's runbookApprovers: the NEXT STEP names who approves a document's change and where the request goes. */
  approvers?: MessageInput['approvers'];
  /**
   * The alarms other decisions may be deferred to (the standby watch's, shared/guard/standby-deferral.ts
   * standbyDeferralTargets), each with how many minutes before its state change the deferred decisions are looked for
   * when its incident opens. Unset or not listed: nothing is looked for.
   */
  deferrals?: ReadonlyMap<string, number>;
  /**
   * In a DR region: the standby watch's alarms and the reader of "this region serves" (decision 123's signal, read where
   * the alarm lives). A standby-watch incident's timer reads it before climbing (review 12, R12-7). Unset: never read.
   */
  standby?: { alarms: ReadonlySet<string>; serving(account: string): Promise<RegionServing> };
  /** The restore signals among the watched alarms (alarm-specs.ts `restoreSignal`): a held restore on one is a notice; its state changes resolve nothing. */
  restoreSignals?: ReadonlySet<string>;
  clock: Clock;
  log: EscalationLog;
  /** Counts `value` (1 when unset) of the metric. */
  count?(metric: string, value?: number): void;
}

/** What a settle timer's run says of its held resolution (decision 292): settled, so its ESCALATION-HELD entry goes. */
export interface HeldOutcome {
  settled: boolean;
}

export interface Delivered {
  kind: SendKind;
  level: number;
  tier: string;
  via: string;
}

/** What one invocation did, for the log, the caller and the demo. */
export interface EscalationResult {
  action: 'opened' | 'reopened' | 'watching' | 'updated' | 'escalated' | 'resolved' | 'stopped' | 'ignored' | 'rejected' | 'refused' | 'announced';
  reason: string;
  incidentId?: string;
  incidentIds?: string[];
  delivered: Delivered[];
}

/** A stable key for a decision: the same decision delivered again, or replayed, has the same one. */
export function decisionKey(decision: Pick<DecisionEventDetail, 'playbook' | 'incidentKey' | 'outcome' | 'decidedAt' | 'reason'>): string {
  return createHash('sha256')
    .update([decision.playbook, decision.incidentKey ?? '', decision.outcome, decision.decidedAt, decision.reason].join('\u0000'))
    .digest('hex')
    .slice(0, 24);
}

export function summarizeDecision(decision: DecisionEventDetail): DecisionSummary {
  return {
    key: decisionKey(decision),
    playbook: decision.playbook,
    outcome: decision.outcome,
    reason: decision.reason,
    decidedAt: decision.decidedAt,
    dryRun: decision.dryRun ?? false,
    ...(decision.escalation?.cause ? { cause: decision.escalation.cause } : {}),
    ...(decision.escalation?.guardrail ? { guardrail: decision.escalation.guardrail } : {}),
    ...(decision.escalation?.error ? { error: { name: decision.escalation.error.name, message: decision.escalation.error.message } } : {}),
    ...(decision.resource ? { resource: { type: decision.resource.type, id: decision.resource.id, arn: decision.resource.arn } } : {}),
    ...(decision.before ? { before: decision.before } : {}),
    ...(decision.after ? { after: decision.after } : {}),
    ...(decision.blastRadius ? { blastRadius: decision.blastRadius } : {}),
    ...(decision.findings?.length ? { findings: decision.findings } : {}),
    ...(decision.runbook ? { runbook: { documentName: decision.runbook.documentName, parameters: decision.runbook.parameters } } : {}),
  };
}

/** Reads started before the decision that needs them (EscalationService.readAhead). */
export interface ReadAhead {
  sends: Promise<SentNotification[]>;
  alarm?: Promise<AlarmObservation>;
  /** The alarm's latest incident (decision 204), for an ALARM that may re-open it. */
  latest?: Promise<{ incidentId: string; alarmTime: string } | undefined>;
}

/** What an incident is opened with: the alarm, where it fired, and why a person is needed. */
export type OpenFacts = Pick<
  Incident,
  'incidentKey' | 'alarmArn' | 'alarmName' | 'alarmTime' | 'alarmState' | 'alarmReason' | 'account' | 'region' | 'environment' | 'cause' | 'reason' | 'decision'
>;

export class EscalationService {
  constructor(readonly ctx: EscalationContext) {}

  /**
   * What every message view of this deployment carries: the policy, the rows, the operations account and the
   * configured settings, and (`withApprovers`) who approves the runbooks it offers. The re-opened message is built
   * without the approvers, as it always was.
   */
  deploymentView(withApprovers: boolean): Pick<MessageInput, 'policy' | 'rows' | 'operationsAccount' | 'configured' | 'approvers'> {
    return {
      policy: this.ctx.policy,
      rows: this.ctx.rows,
      ...(this.ctx.operationsAccount ? { operationsAccount: this.ctx.operationsAccount } : {}),
      ...(this.ctx.configured ? { configured: this.ctx.configured } : {}),
      ...(withApprovers && this.ctx.approvers ? { approvers: this.ctx.approvers } : {}),
    };
  }

  now(): Date {
    return this.ctx.clock.now();
  }

  /**
   * The service's shared steps (deliver, notifyTier, resolveIncident, ...). Its work is in parts, each a module of its own
   * so that a handler reads at init only the part its common path runs (decision 333): escalation-intake.ts (decisions
   * and alarm changes: escalate's, `handle`) and escalation-timer-run.ts (a due timer: escalation-timer's,
   * `handleTimer`), each imported by its handler; and, loaded on first use only, escalation-rare-paths.ts (the sweep, the
   * region-serving notice, a re-fire re-opening or joining its incident, a kill switch change's announcement).
   */

  refuse(reason: string, incidentId: string | undefined, about: Record<string, unknown>): EscalationResult {
    this.ctx.log.warn('decision refused: nobody notified, nothing changed', { reason, ...about });
    this.ctx.count?.('DecisionsRefused');
    return { action: 'refused', reason, ...(incidentId ? { incidentId } : {}), delivered: [] };
  }

  /**
   * Starts reads a decision will probably need before it is known to need them: the alarm where it lives and the
   * incident's sends. A read not used is dropped (its failure with it); a used one fails where it is awaited.
   */
  readAhead(incidentId: string, alarm?: AlarmLocation, alarmArn?: string): ReadAhead {
    const { store, alarms } = this.ctx.services;
    const ahead: ReadAhead = {
      sends: store.listSends(incidentId),
      ...(alarm ? { alarm: alarms.read(alarm) } : {}),
      ...(alarmArn && this.ctx.policy.flapping.regroupWithinMinutes > 0 ? { latest: store.latestOfAlarm(alarmArn) } : {}),
    };
    for (const read of [ahead.sends, ahead.alarm, ahead.latest]) read?.catch(() => undefined);
    return ahead;
  }

  /**
   * Notifies one tier once: the send is claimed (conditional on the incident still being OPEN), delivered and recorded,
   * the next tier's timer scheduled together with the delivery (so a failed delivery still leaves it). A claim already
   * SENT by an earlier, crashed run is finished instead.
   */
  async notifyTier(incident: Incident, tier: EscalationTier, kind: MessageKind, because?: string, sendsRead?: Promise<SentNotification[]>): Promise<Delivered[]> {
    const { store, notifier } = this.ctx.services;
    const now = this.now();
    // One consistent read of the incident's sends (made earlier by the caller, or now): the message lists the tiers
    // already notified, and a send it does not hold is claimed as a new one without a read of its own (claimSend).
    const sent = await (sendsRead ?? store.listSends(incident.incidentId));
    const seenAbsent = !sent.some((s) => s.kind === 'notify' && s.level === tier.level);
    const claim = await store.claimSend(incident.incidentId, 'notify', tier.level, tier.name, ['OPEN'], now, { seenAbsent });
    // A notice (decision 189) goes to its tier once: no next tier, no timer.
    const next = NOTICE_CAUSES.has(incident.cause) ? undefined : nextEscalation(this.ctx.policy, tier, now);
    if (!claim.claimed) {
      // Acknowledged or resolved since it was read (review 20a R20-4): the claim's own status check is what stopped it.
      if (claim.reason === 'incident-status') this.ctx.log.info('tier not notified: the incident is no longer OPEN (checked in the claim\'s transaction)', { incidentId: incident.incidentId, tier: tier.name, tierLevel: tier.level, readAs: incident.status });
      if (claim.reason === 'already-claimed' && incident.level < tier.level) {
        const current = (await store.listSends(incident.incidentId)).find((s) => s.kind === 'notify' && s.level === tier.level);
        if (current && current.status !== 'IN_PROGRESS') await this.afterNotified(incident, tier, next);
      }
      return [];
    }
    const view = buildMessageView({
      kind,
      incident,
      tier,
      sent,
      now,
      ...(next ? { nextEscalation: next } : {}),
      ...(because ? { escalatedBecause: because } : {}),
      ...this.deploymentView(true),
    });
    // The next tier's timer is created with the delivery, not after it: a delivery that fails for long (AWS Support's one
    // endpoint is in us-east-1, so in a us-east-1 outage the DR region's L3 case fails on every retry) must not stop the
    // ladder (review 11a finding 5). Both are awaited before anything is thrown, so a failing delivery still leaves the
    // timer; a retry schedules the same step again, a no-op (the schedule's name is the step's).
    const [delivered, scheduled] = await Promise.allSettled([
      // A support tier's case is looked for before it is opened, among the cases since the incident was created (R19-10).
      // Only a case bearing the send's nonce (written with its claim) is taken for this send's (review 20b R20-23); a
      // claim that wrote the nonce just now (the send's first attempt) has no case to find: not looked for (decision 334).
      this.deliver(incident.incidentId, 'notify', tier, claim, (progress) =>
        notifier.notify(tier, view, progress, { since: new Date(incident.createdAt), caseNonce: claim.caseNonce, caseNonceNew: claim.caseNonceNew }),
      ),
      next ? this.scheduleNext(incident, next) : NOTICE_CAUSES.has(incident.cause) ? this.scheduleNoticeCheck(incident) : Promise.resolve(),
    ]);
    if (delivered.status === 'rejected') {
      // The tier was not reached, but its successor's timer exists: the incident names that one as what comes next.
      if (next && scheduled.status === 'fulfilled') {
        await this.ctx.services.store.recordNextDue(incident.incidentId, tier.level, { level: next.tier.level, at: next.at }).catch((error: unknown) => {
          this.ctx.log.warn('could not record the next tier on the incident; its timer exists', { incidentId: incident.incidentId, error: String(error) });
        });
      }
      throw delivered.reason;
    }
    if (scheduled.status === 'rejected') throw scheduled.reason;
    const delivery = delivered.value;
    await this.ctx.services.store.recordTierNotified(incident.incidentId, tier.level, next ? { level: next.tier.level, at: next.at } : undefined);
    this.ctx.count?.('TiersNotified');
    this.ctx.log.info('tier notified', { incidentId: incident.incidentId, tier: tier.name, tierLevel: tier.level, delivery, nextEscalation: next?.at.toISOString() });
    if (delivery.caseLookup === 'incomplete' || delivery.caseLookup === 'unread') {
      this.ctx.log.warn('support case opened without a finished look for an earlier attempt\'s case: a second case for this incident and tier is possible', {
        incidentId: incident.incidentId,
        tier: tier.name,
        caseId: delivery.caseId,
        caseLookup: delivery.caseLookup,
        ...(delivery.caseLookupError ? { error: delivery.caseLookupError } : {}),
      });
    }
    return [{ kind: 'notify', level: tier.level, tier: tier.name, via: delivery.caseId ? `support case ${delivery.caseId}` : delivery.channels.join('+') }];
  }

  async afterNotified(incident: Incident, tier: EscalationTier, next: { tier: EscalationTier; at: Date } | undefined): Promise<void> {
    const { incidentId } = incident;
    // The level and the next tier's timer at once: either failing throws, once both have answered (settledAll: no write
    // left in flight after the invocation returns), and the retry (the send being SENT) does both again, each idempotent
    // (a level is never lowered; a schedule of the same step is a no-op). The timer names the incident's alarm, so it can
    // re-read the alarm with the incident (handleTimer).
    await settledAll(
      this.ctx.services.store.recordTierNotified(incidentId, tier.level, next ? { level: next.tier.level, at: next.at } : undefined),
      next ? this.scheduleNext(incident, next) : NOTICE_CAUSES.has(incident.cause) ? this.scheduleNoticeCheck(incident) : Promise.resolve(),
    );
  }

  /**
   * A notice's first re-read of its alarm, NOTICE_CHECK_MINUTES from now (review 12 R12-13): nothing else would close a
   * notice whose alarm is deleted. One per cycle (the schedule's name), so a retry or a second tier told schedules nothing more.
   */
  async scheduleNoticeCheck(incident: Incident): Promise<void> {
    const at = new Date(this.now().getTime() + NOTICE_CHECK_MINUTES * 60_000);
    await this.noticeDue({ action: 'notice', incidentId: incident.incidentId, cycle: incident.reopens ?? 0, round: 1, alarm: this.alarmLocation(incident) }, at);
  }

  /**
   * A notice's re-check: recorded on the incident first (only forward: a later round or cycle), then scheduled (decision
   * 281). The record is what the sweep reads: a check Scheduler drops, or one whose schedule could not be created (the
   * error is thrown), is done by the sweep once overdue; a redelivery of the round before finds the round moved on.
   */
  async noticeDue(input: Extract<TimerInput, { action: 'notice' }>, at: Date): Promise<void> {
    await this.ctx.services.store.recordNoticeDue(input.incidentId, { cycle: input.cycle, round: input.round, at });
    await this.ctx.services.timers.schedule(input, at);
  }

  async scheduleNext(incident: Incident, next: { tier: EscalationTier; at: Date }): Promise<void> {
    await this.ctx.services.timers.schedule({ action: 'escalate', incidentId: incident.incidentId, level: next.tier.level, alarm: this.alarmLocation(incident) }, next.at);
  }

  /**
   * Runs one delivery under its claim. Transient failure: the claim is released and the error thrown, so Lambda retries.
   * Permanent failure (topic gone, no support plan): recorded as FAILED and logged; the path goes on to the next tier.
   */
  async deliver(
    incidentId: string,
    kind: SendKind,
    tier: EscalationTier,
    claim: { owner: string; delivered: Record<string, string> },
    send: (progress: DeliveryProgress) => Promise<TierDelivery>,
    cycle?: number,
  ): Promise<TierDelivery> {
    const { store } = this.ctx.services;
    const { owner } = claim;
    // Each channel is recorded under the claim as soon as it went out, so a retry never sends it again. Those records
    // and the send's completion go out together: either one says durably what went out.
    const records: Array<Promise<void>> = [];
    const progress: DeliveryProgress = {
      delivered: claim.delivered,
      record: (channel, id) => {
        const written = store.recordDelivered(incidentId, kind, tier.level, owner, channel, id, cycle);
        written.catch(() => undefined);
        records.push(written);
      },
    };
    try {
      const delivery = await send(progress);
      await Promise.all([store.completeSend(incidentId, kind, tier.level, owner, { status: 'SENT', ...delivery }, this.now(), cycle), Promise.allSettled(records)]);
      return delivery;
    } catch (error) {
      // What went out is on record before the claim is given back: the retry sends only the rest.
      await Promise.allSettled(records);
      const classified = classifyAwsError(error, `${kind} ${tier.name}`);
      if (classified instanceof TransientError) {
        // The transient failure is what Lambda retries on; a release that fails too is logged, and its lease frees the claim.
        await store.releaseSend(incidentId, kind, tier.level, owner, cycle).catch((releaseError: unknown) => {
          this.ctx.log.error('could not release the send claim after a transient failure: the retry waits for its lease', {
            incidentId,
            tier: tier.name,
            kind,
            error: releaseError instanceof Error ? releaseError.message : String(releaseError),
          });
        });
        throw classified;
      }
      this.ctx.log.error('could not reach a tier', { incidentId, tier: tier.name, kind, error: classified.message });
      this.ctx.count?.('TierDeliveryFailed');
      await store.completeSend(incidentId, kind, tier.level, owner, { status: 'FAILED', channels: [], messageIds: [], error: classified.message }, this.now(), cycle);
      return { channels: [], messageIds: [] };
    }
  }

  /** Where an incident's alarm lives: the account of its ARN (the incident's own record as a fallback). */
  alarmLocation(incident: Pick<Incident, 'alarmName' | 'alarmArn' | 'account'>): { name: string; account?: string } {
    const account = accountOfArn(incident.alarmArn) ?? (incident.account || undefined);
    return { name: incident.alarmName, ...(account ? { account } : {}) };
  }

  /**
   * RESOLVED once (a conditional write, on the state change `alarmTime` when given), then one resolution message to every
   * tier that was notified: each is its own claimed send, so a duplicate OK, a retry or the timer racing the OK event
   * never sends a second one. An incident that has re-opened (a flapping alarm, decision 204) is resolved at once too (its
   * ladder stops) but its resolution is told only once the alarm stayed OK for the settle period: a timer does it.
   */
  async resolveIncident(incidentId: string, reason: string, alarmTime?: string): Promise<{ resolvedNow: boolean; delivered: Delivered[] }> {
    const { store, timers } = this.ctx.services;
    const result = await store.resolve(incidentId, reason, this.now(), alarmTime);
    const incident = result.incident;
    if (!incident || incident.status !== 'RESOLVED') return { resolvedNow: false, delivered: [] };
    if (result.resolved) {
      this.ctx.count?.('IncidentsResolved');
      const pending = this.ctx.policy.tiers.filter((t) => t.level > incident.level);
      // Every delete answers before the warning (settledAll): none is left in flight when the invocation returns.
      await settledAll(
        timers.cancel({ action: 'check', incidentId }),
        ...pending.map((t) => timers.cancel({ action: 'escalate', incidentId, level: t.level })),
      ).catch((error: unknown) => this.ctx.log.warn('could not delete a pending timer; it will find the incident resolved', { incidentId, error: String(error) }));
    }
    const cycle = incident.reopens ?? 0;
    if (cycle > 0) {
      // Held: the settle timer (named for the cycle, so a duplicate OK schedules nothing twice) tells it if the incident
      // is still resolved in this cycle then. The alarm's index need not name it any longer: its OK has come.
      const resolvedAt = Date.parse(incident.resolvedAt ?? '');
      const at = new Date((Number.isNaN(resolvedAt) ? this.now().getTime() : resolvedAt) + this.ctx.policy.flapping.settleMinutes * 60_000);
      // Listed for the sweep before it is scheduled (decision 281): a settle timer Scheduler drops is told by the sweep.
      await this.ctx.services.store.holdResolution(incidentId, cycle, at, this.now());
      await timers.schedule({ action: 'settle', incidentId, cycle, alarm: this.alarmLocation(incident) }, at);
      await this.ctx.services.store.forgetAlarmIncident(incident);
      if (result.resolved) {
        this.ctx.log.info('incident resolved; its resolution is held while the alarm settles', { incidentId, reason, cycle, tellAt: at.toISOString() });
        this.ctx.count?.('ResolutionsHeld');
      }
      return { resolvedNow: result.resolved, delivered: [] };
    }
    const { delivered } = await this.sendResolutions(incident, 0);
    if (result.resolved || delivered.length) this.ctx.log.info('incident resolved', { incidentId, reason, resolutionMessages: delivered.length });
    return { resolvedNow: result.resolved, delivered };
  }

  /**
   * One resolution message of cycle `cycle` to every tier notified, each its own claimed send (conditional on the
   * incident being RESOLVED). `flapping`: what the held resolution of a re-opened incident says about its flapping.
   * `settled`: read back after the sends, every tier to be told has this cycle's resolution message SENT or FAILED (a
   * claim another invocation holds, or one given back after a transient failure, is not settled).
   */
  async sendResolutions(incident: Incident, cycle: number, flapping?: string): Promise<{ delivered: Delivered[]; settled: boolean }> {
    const { store, notifier } = this.ctx.services;
    const { incidentId } = incident;
    const sends = await store.listSends(incidentId);
    // Every tier someone was paged at: a SENT page, and a page that did not complete but went out on some channel (AWS
    // Support unreachable: L3's topic was published to, the case never opened; review 12, R12-14). The resolution goes
    // where that page went: only the channels (and case) recorded as delivered.
    const notified = sends.flatMap((s) => pageOf(s) ?? []);
    const delivered: Delivered[] = [];
    // The tiers told: a tier no longer in the path is never told, so it is not waited for.
    const toTell: SentNotification[] = [];
    for (const previous of notified) {
      const tier = tierAt(this.ctx.policy, previous.level);
      if (!tier) {
        this.ctx.log.warn('a notified tier is no longer in the escalation path: no resolution message', { incidentId, tier: previous.tierName });
        continue;
      }
      toTell.push(previous);
      const claim = await store.claimSend(incidentId, 'resolve', previous.level, previous.tierName, ['RESOLVED'], this.now(), cycle ? { cycle } : {});
      if (!claim.claimed) continue;
      const view = buildMessageView({
        kind: 'resolved',
        incident,
        tier,
        sent: sends,
        now: this.now(),
        ...(flapping ? { flapping } : {}),
        ...this.deploymentView(true),
      });
      const delivery = await this.deliver(incidentId, 'resolve', tier, claim, (progress) => notifier.resolve(tier, view, previous, progress), cycle);
      delivered.push({ kind: 'resolve', level: tier.level, tier: tier.name, via: delivery.caseId ? `support case ${delivery.caseId}` : delivery.channels.join('+') });
    }
    // Once every resolution message is out, later OKs of this alarm need not look at this incident again, and a held
    // resolution leaves the sweep's list; while one is still in flight elsewhere, the index entry (or the held entry)
    // stays, so a retry of that sender's event, or the next sweep, can finish it.
    const after = await store.listSends(incidentId);
    const settled = toTell.every((n) => after.some((s) => s.kind === 'resolve' && (s.cycle ?? 0) === cycle && s.level === n.level && s.status !== 'IN_PROGRESS'));
    if (cycle === 0 && settled) await store.forgetAlarmIncident(incident);
    return { delivered, settled };
  }

}

/**
 * The page a tier received, as a resolution (or re-open) goes back to it: a SENT notification, or one that did not complete
 * but went out on some channel, reduced to what was recorded as delivered; undefined when nobody was paged by it.
 */
export function pageOf(send: SentNotification): SentNotification | undefined {
  if (send.kind !== 'notify') return undefined;
  if (send.status === 'SENT') return send;
  const went = send.delivered ?? {};
  const channels = Object.keys(went).filter((c) => c === 'email' || c === 'chat');
  const caseId = went['support-case'];
  if (!channels.length && !caseId) return undefined;
  return { ...send, channels: [...(caseId ? ['support-case'] : []), ...channels], ...(caseId ? { caseId } : {}) };
}

