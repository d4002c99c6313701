// The escalation path at work: decisions and alarm changes open, update and resolve incidents; timers move them up the tiers.
import { createHash } from 'node:crypto';
import { withinStateReason } from '../aws/alarm-state-reader';
import { accountOfArn, partitionOf } from '../aws/arn';
import { classifyAwsError } from '../aws/classify-error';
import type { Clock } from '../clock';
import type { RegionServing } from '../guard/region-serving';
import type { TroubleshootingRow } from '../config/schema';
import { foreignAccountProblem } from '../config/workload-account';
import { InvalidInputError, TransientError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import { StateRecordError } from '../state/state-records';
import type { AlarmLocation, AlarmObservation, EscalationAlarms } from './alarm-lookup';
import type { DecisionRecords } from './decision-records';
import { parseRecordedDecision, type DecisionEventDetail, type EscalateInput } from './escalation-events';
import type { EscalationStore } from './escalation-store';
import { incidentIdFor, NOTICE_CAUSES, type DecisionSummary, type Incident, type SendKind, type SentNotification } from './incident';
import type { ConfiguredParameter } from './document-parameters';
import { buildMessageView, type MessageInput, type MessageKind } from './message-view';
import { planAlarmIntake, planDecisionIntake } from './plan-intake';
import { causeChangeAudience, planRegroup, resumeLadder, supersedeCause } from './plan-regroup';
import { dueAtOf, HELD_REFUSED_RUNS_BEFORE_ASIDE, latenessNote, lateVerb, minutesLate, planSweep, REFUSED_METRICS, SWEEP_CONCURRENCY, SWEEP_EVERY_MINUTES, SWEEP_GRACE_MINUTES, SWEEP_LEFT_METRIC, SWEEP_RESERVE_MS, type OverdueTimer } from './plan-sweep';
import { groupInOrder, runBounded, type SweepBudget } from '../bounded-sweep';
import { NOTICE_CHECK_MINUTES, nextEscalation, planServingRecheck, planTimer, type AlarmNow, type AlarmUnreadable, type TimerInput, type TimerPlan } from './plan-timer';
import { tierAfter, tierAt, type EscalationPolicy, type EscalationTier } from './policy';
import type { DeliveryProgress, TierDelivery, TierNotifier } from './tier-notifier';
import type { TimerScheduler } from './timer-scheduler';
import { alarmMovedOn, auditFrom, checkAlarm, matchRecordedDecision, parseAlarmArn, precheckDecision, type TrustFacts } from './trust-decision';

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
interface HeldOutcome {
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
interface ReadAhead {
  sends: Promise<SentNotification[]>;
  alarm?: Promise<AlarmObservation>;
  /** The alarm's latest incident (decision 204), for an ALARM that may re-open it. */
  latest?: Promise<{ incidentId: string; alarmTime: string } | undefined>;
}

/** What an incident is opened with: the alarm, where it fired, and why a person is needed. */
type OpenFacts = Pick<
  Incident,
  'incidentKey' | 'alarmArn' | 'alarmName' | 'alarmTime' | 'alarmState' | 'alarmReason' | 'account' | 'region' | 'environment' | 'cause' | 'reason' | 'decision'
>;

export class EscalationService {
  constructor(private readonly ctx: EscalationContext) {}

  /**
   * What every message view of this deployment carries: the policy, the rows, the operations account and the
   * configured settings, and (`withApprovers`) who approves the runbooks it offers. The re-opened message is built
   * without the approvers, as it always was.
   */
  private deploymentView(withApprovers: boolean): Pick<MessageInput, 'policy' | 'rows' | 'operationsAccount' | 'configured' | 'approvers'> {
    return {
      policy: this.ctx.policy,
      rows: this.ctx.rows,
      ...(this.ctx.operationsAccount ? { operationsAccount: this.ctx.operationsAccount } : {}),
      ...(this.ctx.configured ? { configured: this.ctx.configured } : {}),
      ...(withApprovers && this.ctx.approvers ? { approvers: this.ctx.approvers } : {}),
    };
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  /** What an incident opened from a trusted decision of this alarm says: the alarm, where it fired, why a person is needed. */
  private decisionFacts(
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
      environment: this.ctx.environment,
      cause,
      reason,
      decision: summary,
    };
  }

  /** The escalate handler: a "Runbook Decision" or an alarm state change. */
  async handle(input: EscalateInput): Promise<EscalationResult> {
    return input.kind === 'decision' ? this.handleDecision(input.decision) : this.handleAlarm(input.event);
  }

  async handleDecision(claimed: DecisionEventDetail): Promise<EscalationResult> {
    const { store } = this.ctx.services;
    const incidentId = claimed.incidentKey ? incidentIdFor(claimed.incidentKey) : undefined;
    const existing = incidentId ? await store.get(incidentId) : undefined;
    const firstLook = planDecisionIntake(claimed, existing?.status, this.ctx.policy.stillFiringAfterMinutes, this.ctx.restoreSignals);
    if (firstLook.kind === 'ignore') return { action: 'ignored', reason: firstLook.reason, ...(incidentId ? { incidentId } : {}), delivered: [] };

    // Anyone allowed to put events on the bus could have sent this: act only on what the pipeline recorded.
    const trusted = await this.trustDecision(claimed);
    if (trusted.kind === 'refused') return this.refuse(trusted.reason, incidentId, { playbook: claimed.playbook, outcome: claimed.outcome, incidentKey: claimed.incidentKey });
    const decision = trusted.decision;
    const plan = planDecisionIntake(decision, existing?.status, this.ctx.policy.stillFiringAfterMinutes, this.ctx.restoreSignals);
    const summary = summarizeDecision(decision);
    const alarm = trusted.alarm;
    switch (plan.kind) {
      case 'ignore':
        return { action: 'ignored', reason: plan.reason, ...(incidentId ? { incidentId } : {}), delivered: [] };
      case 'update': {
        const recorded = await store.appendUpdate(incidentId ?? '', summary);
        // An incident whose first notification was interrupted is finished by whatever event comes next.
        const first = this.ctx.policy.tiers[0];
        const delivered = existing?.status === 'OPEN' && existing.level === 0 && first ? await this.notifyTier(existing, first, 'opened') : [];
        return {
          action: 'updated',
          incidentId: incidentId ?? '',
          reason: recorded ? `${decision.playbook} ${decision.outcome} recorded on the incident` : 'this decision is already recorded',
          delivered,
        };
      }
      case 'resolve':
        return this.resolveAlarm(alarm, plan.okTime, `${decision.playbook} reports the alarm OK: ${decision.reason}`);
      case 'defer':
        return this.defer(decision, alarm, plan.alarmName, summary, existing);
      case 'watch':
      case 'open': {
        const facts = this.decisionFacts(decision, alarm, summary, plan.kind === 'open' ? plan.cause : 'watching', plan.kind === 'open' ? plan.reason : decision.reason);
        return plan.kind === 'watch' ? this.watch(facts, plan.checkAfterMinutes) : this.open(facts, existing);
      }
    }
  }

  /**
   * A decision event is a claim. It is acted on only when it names a watched alarm of this deployment and the state
   * table holds the incident's claim by its playbook and an audit entry with the same decision; what is acted on is
   * that recorded decision, so nothing the event adds (a link, a document, a finding) reaches anyone.
   */
  private async trustDecision(
    claimed: DecisionEventDetail,
  ): Promise<{ kind: 'trusted'; decision: DecisionEventDetail; alarm: { arn: string; name: string; account: string; region: string } } | { kind: 'refused'; reason: string }> {
    const pre = precheckDecision(claimed, this.ctx.trust);
    if (pre.kind === 'refused') return pre;
    const { records } = this.ctx.services;
    const incidentKey = claimed.incidentKey ?? '';
    const [claims, audits] = await Promise.all([
      records.claimsOf(incidentKey),
      records.auditsOf(claimed.resource?.arn ?? '', incidentKey, auditFrom(claimed.alarmTime ?? '')),
    ]);
    const matched = matchRecordedDecision(claimed, claims, audits);
    if (matched.kind === 'refused') return matched;
    try {
      return { kind: 'trusted', decision: parseRecordedDecision(matched.recorded), alarm: pre.alarm };
    } catch (error) {
      if (error instanceof InvalidInputError) return { kind: 'refused', reason: error.message };
      throw error;
    }
  }

  private refuse(reason: string, incidentId: string | undefined, about: Record<string, unknown>): EscalationResult {
    this.ctx.log.warn('decision refused: nobody notified, nothing changed', { reason, ...about });
    this.ctx.count?.('DecisionsRefused');
    return { action: 'refused', reason, ...(incidentId ? { incidentId } : {}), delivered: [] };
  }

  async handleAlarm(event: AlarmStateChange): Promise<EscalationResult> {
    const incidentId = incidentIdFor(event.incidentKey);
    const watched = checkAlarm({ arn: event.alarmArn, name: event.alarmName, region: event.region }, this.ctx.trust);
    if (watched.kind === 'refused') return this.refuse(watched.reason, incidentId, { alarmName: event.alarmName, state: event.state.value });
    // A state other than OK usually opens an incident: what opening reads (the alarm again, the incident's sends) is
    // read together with the incident, not after it. Reads only; whatever the plan, nothing is written before it.
    const ahead = event.state.value === 'OK' ? undefined : this.readAhead(incidentId, { name: event.alarmName, account: watched.alarm.account }, event.alarmArn);
    const existing = event.state.value === 'OK' ? undefined : await this.ctx.services.store.get(incidentId);
    const plan = planAlarmIntake({ alarmName: event.alarmName, state: event.state.value, muted: event.muted }, existing?.status, event.state.timestamp, this.ctx.restoreSignals);
    if (plan.kind === 'resolve') return this.resolveAlarm(watched.alarm, plan.okTime, `alarm "${event.alarmName}" is OK: ${event.state.reason}`);
    if (plan.kind !== 'open') return { action: 'ignored', reason: plan.kind === 'ignore' ? plan.reason : plan.kind, incidentId, delivered: [] };
    return this.open(
      {
        incidentKey: event.incidentKey,
        alarmArn: event.alarmArn,
        alarmName: event.alarmName,
        alarmTime: event.state.timestamp,
        alarmState: event.state.value,
        alarmReason: event.state.reason,
        account: watched.alarm.account,
        region: watched.alarm.region,
        environment: this.ctx.environment,
        cause: plan.cause,
        reason: plan.reason,
      },
      existing,
      ahead,
    );
  }

  /**
   * Starts reads a decision will probably need before it is known to need them: the alarm where it lives and the
   * incident's sends. A read not used is dropped (its failure with it); a used one fails where it is awaited.
   */
  private readAhead(incidentId: string, alarm?: AlarmLocation, alarmArn?: string): ReadAhead {
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
   * The escalation sweep (review 15 R15-5, decisions 264, 281): every timer past due by more than SWEEP_GRACE_MINUTES is
   * done as it would have been (handleTimer: the incident and the alarm re-read, every send claimed once), saying how late:
   * an unresolved incident's escalation, still-firing check or notice re-check (read from the incident), and a held
   * resolution's settle timer (its ESCALATION-HELD entry). A timer delivered late after the sweep finds its work done and
   * stops; one delivered at the same time loses the claim: one message either way. One incident (or one of the two
   * lists) that fails does not keep the others from being swept; the sweep then throws, so Lambda retries it and the
   * failure destination keeps it. A held entry that is not as the store writes it is refused alone (logged, counted
   * HeldEntriesRefused, named in the answer; not thrown), and one whose incident's records stay refused is set aside after
   * HELD_REFUSED_RUNS_BEFORE_ASIDE runs (heldRefused; decision 292). An unresolved incident's index entry or record refused
   * is the same: logged, counted UnresolvedRecordsRefused, named, the other ladders swept (decision 300). The timers run SWEEP_CONCURRENCY at once (one incident's in order), and none starts
   * once `budget.remainingMs()` is within SWEEP_RESERVE_MS (review 17 R17-6): those left are logged, counted
   * (TimersLeftForNextSweep) and named in the result, and the next sweep does them, said as late as they then are.
   */
  async sweep(budget: SweepBudget = {}): Promise<EscalationResult> {
    const now = this.now();
    const { store } = this.ctx.services;
    const [unresolved, held] = await Promise.allSettled([store.listUnresolved(), store.heldResolutions()]);
    const failed: string[] = [];
    for (const [what, read] of [['the unresolved incidents', unresolved], ['the held resolutions', held]] as const) {
      if (read.status === 'fulfilled') continue;
      const message = read.reason instanceof Error ? read.reason.message : String(read.reason);
      this.ctx.log.error(`escalation sweep: ${what} could not be read; the rest is swept`, { error: message });
      failed.push(`${what}: ${message}`);
    }
    // A held entry that is not as the store writes it is refused on its own (review 18 R18-3, decision 292): logged with
    // its key and fields, counted, said in the answer, and the others are swept. Not thrown: no retry makes it valid.
    const refused = held.status === 'fulfilled' ? held.value.refused : [];
    for (const entry of refused) {
      this.ctx.log.error('escalation sweep: a held resolution entry is not one the automation writes, refused; the others are swept', { record: entry.key, issues: entry.issues });
      this.ctx.count?.(REFUSED_METRICS.heldEntries);
    }
    // The same for the unresolved list (decision 300): an index entry, or the incident record it names, refused alone.
    const refusedOpen = unresolved.status === 'fulfilled' ? unresolved.value.refused : [];
    for (const record of refusedOpen) {
      this.ctx.log.error('escalation sweep: an unresolved incident\'s record is not one the automation writes, refused; the others are swept', { record: record.key, issues: record.issues });
      this.ctx.count?.(REFUSED_METRICS.unresolvedRecords);
    }
    const named = (records: ReadonlyArray<{ key: { pk: string; sk: string }; issues: readonly string[] }>): string =>
      records.map((r) => `${r.key.pk} / ${r.key.sk} (${r.issues.join('; ')})`).join(', ');
    const refusedNote =
      (refusedOpen.length
        ? `; ${refusedOpen.length} unresolved incident record${refusedOpen.length === 1 ? '' : 's'} refused (not as the automation writes them; that incident's ladder is not swept): ${named(refusedOpen)}`
        : '') +
      (refused.length ? `; ${refused.length} held resolution entr${refused.length === 1 ? 'y' : 'ies'} refused (not as the automation writes them): ${named(refused)}` : '');
    const overdue = planSweep(
      unresolved.status === 'fulfilled' ? unresolved.value.incidents : [],
      this.ctx.policy,
      now,
      (incident) => this.alarmLocation(incident),
      held.status === 'fulfilled' ? held.value.held : [],
    );
    if (overdue.length) this.ctx.count?.('TimersOverdue', overdue.length);
    // A small pool, one incident's timers in order (never two of one incident at once), and no timer started once the
    // function's time left is within the reserve (review 17 R17-6): what is left is the next sweep's, 5 minutes on.
    const run = await runBounded(
      groupInOrder(overdue, (timer) => timer.input.incidentId),
      { concurrency: SWEEP_CONCURRENCY, reserveMs: SWEEP_RESERVE_MS, ...(budget.remainingMs ? { remainingMs: budget.remainingMs } : {}) },
      (timer) => {
        this.ctx.log.warn('escalation timer overdue: the sweep handles it', { incidentId: timer.input.incidentId, timer: timer.input, dueAt: timer.dueAt.toISOString(), lateMinutes: timer.lateMinutes });
        return this.handleTimer(timer.input, timer);
      },
    );
    const delivered: Delivered[] = [];
    const outcomes: string[] = [];
    for (const { item: timer, result } of run.settled) {
      const { incidentId } = timer.input;
      if (result.status === 'fulfilled') {
        delivered.push(...result.value.delivered);
        outcomes.push(`${incidentId} ${timerLabel(timer.input)} (${timer.lateMinutes} min late): ${result.value.action}`);
        continue;
      }
      const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
      this.ctx.log.error('escalation sweep: an overdue timer failed; the others go on', { incidentId, timer: timer.input, error: message });
      failed.push(`${incidentId}: ${message}`);
    }
    const left = run.left.length
      ? `; ${run.left.length} left for the next sweep (${SWEEP_EVERY_MINUTES} min on): the function had ${Math.max(0, Math.round((run.stoppedWithMs ?? 0) / 1000))} s left, within the ${SWEEP_RESERVE_MS / 1000} s kept for the timers started to finish`
      : '';
    if (run.left.length) {
      this.ctx.log.warn('escalation sweep: out of time, overdue timers left for the next sweep', {
        left: run.left.length,
        done: run.settled.length,
        overdue: overdue.length,
        remainingMs: run.stoppedWithMs,
        timers: run.left.map((timer) => `${timer.input.incidentId} ${timerLabel(timer.input)} (${timer.lateMinutes} min late)`),
      });
      this.ctx.count?.(SWEEP_LEFT_METRIC, run.left.length);
    }
    if (failed.length) throw new TransientError(`escalation sweep: ${failed.length} failed of ${overdue.length} overdue timers and 2 lists (${failed.join('; ')})${left}${refusedNote}; retried`);
    const swept = run.left.length ? `${run.settled.length} of ${overdue.length}` : `${overdue.length}`;
    return {
      action: delivered.length ? 'escalated' : overdue.length ? 'stopped' : 'ignored',
      reason: `${overdue.length ? `swept ${swept} overdue timer${overdue.length === 1 ? '' : 's'}${outcomes.length ? `: ${outcomes.join('; ')}` : ''}${left}` : `no escalation timer more than ${SWEEP_GRACE_MINUTES} min past due`}${refusedNote}`,
      ...(overdue.length ? { incidentIds: [...new Set(overdue.map((t) => t.input.incidentId))] } : {}),
      delivered,
    };
  }

  /**
   * Said of the timer's work (a page, a check, a resolution told) when it is done past its time by more than the grace: by
   * the sweep (`swept`), or by the timer itself delivered late. Undefined when on time or when the incident's record does
   * not say when this timer was due (a person's EscalateToNextTier to a later tier, a notice check of another round).
   */
  private lateness(input: TimerInput, incident: Incident | undefined, swept: OverdueTimer | undefined): string | undefined {
    if (swept) return `${lateVerb(input)} ${latenessNote(swept.dueAt, swept.lateMinutes, 'sweep')}`;
    const dueAt = incident ? dueAtOf(input, incident, this.ctx.policy) : undefined;
    const late = dueAt ? minutesLate(dueAt, this.now()) : undefined;
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
  async handleTimer(input: TimerInput, swept?: OverdueTimer): Promise<EscalationResult> {
    const held: HeldOutcome = { settled: false };
    let result: EscalationResult;
    try {
      result = await this.runTimer(input, swept, held);
    } catch (error) {
      if (input.action === 'settle' && swept && error instanceof StateRecordError) await this.heldRefused(input, swept, error);
      throw error;
    }
    if (input.action === 'settle') {
      if (held.settled) await this.ctx.services.store.releaseHeld(input.incidentId, input.cycle);
      else this.ctx.log.info('held resolution kept on the sweep\'s list: not settled by this run', { incidentId: input.incidentId, cycle: input.cycle, reason: result.reason });
    }
    return result;
  }

  /**
   * A swept held resolution whose run refused one of its incident's records (decision 292, review 18 R18-3): no retry
   * makes the record valid, and the entry would fail every sweep until its TTL. Counted on the entry; on the
   * HELD_REFUSED_RUNS_BEFORE_ASIDE-th run it is set aside (ESCALATION-HELD-ASIDE, for a person to tell it), logged and
   * counted (HeldResolutionsSetAside). The run still throws: that sweep's failed invocation is the page, once.
   */
  private async heldRefused(input: Extract<TimerInput, { action: 'settle' }>, swept: OverdueTimer, error: StateRecordError): Promise<void> {
    const { store } = this.ctx.services;
    const { incidentId, cycle } = input;
    const fields = { incidentId, cycle, record: error.key, issues: error.issues };
    try {
      const runs = await store.countHeldRefusal(incidentId, cycle);
      if (runs === undefined || runs < HELD_REFUSED_RUNS_BEFORE_ASIDE) {
        this.ctx.log.error(`held resolution: a record of its incident is refused (sweep run ${runs ?? '?'} of ${HELD_REFUSED_RUNS_BEFORE_ASIDE} before it is set aside)`, fields);
        return;
      }
      await store.setHeldAside({ incidentId, cycle, dueAt: swept.dueAt.toISOString() }, error, runs, this.now());
      this.ctx.count?.(REFUSED_METRICS.heldSetAside);
      this.ctx.log.error(
        `held resolution set aside after ${runs} sweep runs refused a record of its incident: nobody was told it resolved; tell its tiers by hand (ESCALATION-HELD-ASIDE / ${incidentId}#C${cycle})`,
        fields,
      );
    } catch (countError) {
      // The refusal is what the sweep throws; a count or move that fails too is said, and the next run tries again.
      this.ctx.log.error('held resolution: its refusal could not be counted or set aside; the next sweep run tries again', { ...fields, error: countError instanceof Error ? countError.message : String(countError) });
    }
  }

  private async runTimer(input: TimerInput, swept: OverdueTimer | undefined, held: HeldOutcome): Promise<EscalationResult> {
    const { store, alarms } = this.ctx.services;
    // The incident's sends are read with the incident: escalating (or opening) claims a send, and the claim needs them.
    // So is the alarm the timer names, when it is one this deployment watches in its workload account (the check the
    // incident's own record gets below, so nothing is called into an account before it is checked): the incident is
    // still the authority, and a timer whose alarm is not the incident's is refused below (the read made ahead dropped).
    const named = input.alarm;
    const readAhead = named && this.ctx.trust.watchedAlarms.has(named.name) && !foreignAccountProblem('the timer', named.account, this.ctx.trust.workloadAccount) ? named : undefined;
    const ahead = this.readAhead(input.incidentId, readAhead);
    const incident = await store.get(input.incidentId);
    const incidentId = input.incidentId;
    // The incident is read back from the state table: the account it names is where the alarm would be re-read (through
    // that account's role), so a record naming any account but the workload's is refused before anything else is called.
    const location = incident ? this.alarmLocation(incident) : undefined;
    const foreign = incident && location ? foreignAccountProblem(`incident ${input.incidentId} (state table)`, location.account, this.ctx.trust.workloadAccount) : undefined;
    if (foreign) {
      this.ctx.log.warn('escalation timer refused: nobody notified, nothing changed', { incidentId: input.incidentId, reason: foreign, alarmArn: incident?.alarmArn, timer: input });
      this.ctx.count?.('TimersRefused');
      // The incident's own record refuses it: nothing will ever be told from it (a held resolution is settled).
      held.settled = true;
      return { action: 'refused', incidentId: input.incidentId, reason: foreign, delivered: [] };
    }
    if (location && named && (location.name !== named.name || (location.account ?? '') !== (named.account ?? ''))) {
      return this.refuse(
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
    const pastNext = incident?.status === 'OPEN' && input.action === 'escalate' && tierAfter(this.ctx.policy, incident.level)?.level !== input.level;
    const plan = planTimer(input, incident, alarm && alarmNow(alarm), this.ctx.policy, pastNext ? await ahead.sends : undefined);
    // Every timer's work says how late it is done (decisions 264, 281): a page, a still-firing or notice check, a held
    // resolution told. A stop does nothing late (the sweep's own log names the lateness), nor does an escalation that finds
    // the alarm OK, nor a redelivered check finishing what it did (`resume`).
    const late = plan.kind === 'stop' || plan.kind === 'resume' || (plan.kind === 'resolve' && input.action === 'escalate') ? undefined : this.lateness(input, incident, swept);
    const saidLate = (reason: string): string => (late ? `${reason}; ${late}` : reason);
    switch (plan.kind) {
      case 'stop':
        // Nothing to tell (a held resolution re-opened since, in ALARM again, or its incident gone): settled.
        held.settled = true;
        if (plan.paused) this.ctx.log.warn('escalation timer: escalation paused, the incident stays OPEN with its next tier due', { incidentId, reason: plan.reason, nextLevel: input.action === 'escalate' ? input.level : undefined });
        else this.ctx.log.info('escalation timer: nothing to do', { incidentId, reason: plan.reason });
        return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
      case 'recheck':
        if (input.action !== 'notice' || !incident) return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
        return this.checkNoticeLater(input, incident, saidLate(plan.reason));
      case 'rejudge': {
        if (input.action !== 'notice' || !incident) return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
        const standby = this.ctx.standby;
        // Only the standby watch's alarms in a DR region have a serving signal to read (as for 215's climb).
        if (!standby || !standby.alarms.has(incident.alarmName)) return this.checkNoticeLater(input, incident, saidLate(`${plan.reason}, but not a standby-watch alarm of a DR region: the notice stays`));
        let serving: RegionServing;
        try {
          serving = await standby.serving(location?.account ?? incident.account);
        } catch (error) {
          serving = { serving: false, reason: `not serving: the serving signal could not be read (${error instanceof Error ? error.message : String(error)})`, unread: true };
        }
        const judged = planServingRecheck(incident, serving, this.ctx.policy, input.round);
        if (judged.kind === 'recheck') return this.checkNoticeLater(input, incident, saidLate(judged.reason));
        return this.resumeStandby(input, incident, { ...judged, reason: saidLate(judged.reason) });
      }
      case 'resume':
        if (input.action !== 'notice' || !incident) return { action: 'stopped', incidentId, reason: plan.reason, delivered: [] };
        return this.resumeStandby(input, incident, plan);
      case 'resolve': {
        // Resolved only while the incident is still about the state change this plan was made on (decision 204).
        const reason = saidLate(plan.reason);
        const { delivered } = await this.resolveIncident(incidentId, reason, incident?.alarmTime);
        return { action: 'resolved', incidentId, reason, delivered };
      }
      case 'announce': {
        if (!incident) {
          held.settled = true;
          return { action: 'stopped', incidentId, reason: 'incident not found', delivered: [] };
        }
        const { delivered, settled } = await this.sendResolutions(incident, plan.cycle, saidLate(plan.reason));
        held.settled = settled;
        if (!delivered.length) {
          // Told nobody: no lateness is said (review 18 R18-2); why nothing went out, and whether the entry stays.
          const reason = `${plan.reason}; told nobody: ${
            settled
              ? 'every tier notified was already told this resolution'
              : 'a resolution message of this cycle is claimed by another invocation and not yet SENT or FAILED: the held resolution stays on the sweep\'s list until it is'
          }`;
          this.ctx.log.info('held resolution: nothing told by this run', { incidentId, cycle: plan.cycle, reason, settled });
          return { action: 'stopped', incidentId, reason, delivered };
        }
        const reason = saidLate(plan.reason);
        this.ctx.log.info('held resolution told', { incidentId, cycle: plan.cycle, reason, resolutionMessages: delivered.length, settled, ...(late ? { late } : {}) });
        return { action: 'resolved', incidentId, reason, delivered };
      }
      case 'open-still-firing': {
        const promoted = await store.promote(
          incidentId,
          { cause: 'still-firing', reason: saidLate(plan.reason), ...(alarm?.kind === 'found' && alarm.reason ? { alarmReason: alarm.reason } : {}) },
          this.now(),
        );
        const current = await store.get(incidentId);
        if (!current || current.status !== 'OPEN') {
          return { action: 'stopped', incidentId, reason: `incident is ${current?.status ?? 'gone'}`, delivered: [] };
        }
        if (promoted) this.ctx.count?.('IncidentsOpened');
        const first = this.ctx.policy.tiers[0];
        const delivered = first && current.level === 0 ? await this.notifyTier(current, first, 'opened', undefined, ahead.sends) : [];
        return { action: 'opened', incidentId, reason: saidLate(plan.reason), delivered };
      }
      case 'escalate': {
        if (!incident) return { action: 'stopped', incidentId, reason: 'incident not found', delivered: [] };
        const served = await this.standbyServes(incident, plan.tier, input.action === 'escalate' ? input.level : plan.tier.level);
        if (served) return served;
        const because = saidLate(plan.reason);
        const delivered = await this.notifyTier(incident, plan.tier, 'escalated', because, ahead.sends);
        return {
          action: delivered.length ? 'escalated' : 'stopped',
          incidentId,
          reason: delivered.length ? `${plan.tier.name} notified: ${because}` : `${plan.tier.name} was already notified or the incident changed`,
          delivered,
        };
      }
    }
  }

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
  private async standbyServes(incident: Incident, tier: EscalationTier, level: number): Promise<EscalationResult | undefined> {
    const standby = this.ctx.standby;
    if (!standby || !standby.alarms.has(incident.alarmName)) return undefined;
    const { store } = this.ctx.services;
    const { incidentId } = incident;
    let current = incident;
    if (!incident.servingNotice) {
      if (NOTICE_CAUSES.has(incident.cause)) return undefined;
      const account = this.alarmLocation(incident).account ?? incident.account;
      let serving: RegionServing;
      try {
        serving = await standby.serving(account);
      } catch (error) {
        serving = { serving: false, reason: `not serving: the serving signal could not be read (${error instanceof Error ? error.message : String(error)})`, unread: true };
      }
      if (!serving.serving) {
        this.ctx.log.info('standby incident climbs: the region does not serve', { incidentId, tier: tier.name, serving: serving.reason });
        return undefined;
      }
      const reason =
        `${incident.region} serves ${incident.environment} since a failover (read when ${tier.name} was due): the standby watch no longer applies; ` +
        `switch regionRoles (${incident.region} primary) and redeploy. ${serving.reason.replace(/^serving since a failover: /, 'Read: ')}. ` +
        `Opened before the failover as ${incident.cause}: ${incident.reason}`;
      const made = await store.becomeNotice(incident, { cause: 'region-serving', reason, insteadOfLevel: level }, this.now());
      const read = await store.get(incidentId);
      if (!read || read.status !== 'OPEN' || !read.servingNotice) {
        return { action: 'stopped', incidentId, reason: `incident is ${read?.status ?? 'gone'}${made ? '' : ' (changed while the serving signal was read)'}`, delivered: [] };
      }
      if (made) {
        this.ctx.count?.('StandbyIncidentsServing');
        this.ctx.log.warn('standby incident turned into the region-serving notice: not escalated', { incidentId, tier: tier.name, reason });
      }
      current = read;
    } else if (incident.servingNotice.insteadOfLevel !== level || incident.status !== 'OPEN') {
      return undefined;
    }
    const delivered = await this.tellServing(current);
    await this.scheduleNoticeCheck(current);
    return { action: 'updated', incidentId, reason: `${tier.name} not notified: ${current.reason}`, delivered };
  }

  /** The notice's next check, NOTICE_CHECK_MINUTES from now; nobody is told. */
  private async checkNoticeLater(input: Extract<TimerInput, { action: 'notice' }>, incident: Incident, reason: string): Promise<EscalationResult> {
    const { incidentId } = incident;
    const at = new Date(this.now().getTime() + NOTICE_CHECK_MINUTES * 60_000);
    await this.noticeDue({ action: 'notice', incidentId, cycle: input.cycle, round: input.round + 1, alarm: this.alarmLocation(incident) }, at);
    this.ctx.log.info('notice check: the notice stands, checked again later', { incidentId, reason, next: at.toISOString() });
    return { action: 'stopped', incidentId, reason: `${reason}; checked again at ${at.toISOString()}`, delivered: [] };
  }

  /**
   * A region-serving notice whose region no longer serves while its standby alarm still fires (review 14 R14-14; the
   * judgement is planServingRecheck's): the incident becomes the standby incident again (one conditional write, unless
   * this check already made it: `plan.cause` unset), every tier told the notice hears once that it is withdrawn (a
   * claimed `resume` send, on the channels it was paged on), and `plan.tier` is paged as the standby watch's ladder
   * would page it, its next tier scheduled. Delivered again, the same check finishes what is left; nobody is told twice.
   */
  private async resumeStandby(input: Extract<TimerInput, { action: 'notice' }>, incident: Incident, plan: Extract<TimerPlan, { kind: 'resume' }>): Promise<EscalationResult> {
    const { store } = this.ctx.services;
    const { incidentId } = incident;
    let current = incident;
    if (plan.cause !== undefined) {
      const made = await store.endNotice(incident, { cause: plan.cause, reason: plan.reason, fromLevel: plan.tier.level, cycle: input.cycle, round: input.round }, this.now());
      const read = await store.get(incidentId);
      const ended = read?.servingEnded;
      if (!read || read.status !== 'OPEN' || !ended || ended.cycle !== input.cycle || ended.round !== input.round) {
        return { action: 'stopped', incidentId, reason: `incident is ${read?.status ?? 'gone'}${made ? '' : ' (changed while the serving signal was read)'}`, delivered: [] };
      }
      if (made) {
        this.ctx.count?.('ServingNoticesEnded');
        this.ctx.log.warn('region-serving notice withdrawn: the region no longer serves and the standby alarm still fires; the ladder resumes', { incidentId, tier: plan.tier.name, reason: plan.reason });
      }
      current = read;
    }
    // The tiers told the notice hear it is withdrawn, and that the tier paged next is paged now.
    const told = await this.tellPaged(current, 'resume', { below: plan.tier.level, next: { tier: plan.tier, at: this.now() } });
    const paged = await this.notifyTier(current, plan.tier, 'escalated', `${current.region} no longer serves: the region-serving notice is withdrawn and the standby watch's ladder resumes at ${plan.tier.name}`);
    return {
      action: paged.length ? 'escalated' : 'updated',
      incidentId,
      reason: `${paged.length ? `${plan.tier.name} notified` : `${plan.tier.name} was already notified`}: ${current.reason}`,
      delivered: [...told, ...paged],
    };
  }

  /** The region-serving notice to every tier already paged, once each (a claimed send), on the channels it was paged on. */
  private async tellServing(incident: Incident): Promise<Delivered[]> {
    return this.tellPaged(incident, 'notice');
  }

  /**
   * One message of `kind` to every tier paged below `only.below` (all of them when unset), once each (a claimed send), on
   * the email and chat channels it was paged on: the region-serving notice, or its withdrawal (`resume`, `only.next` the
   * tier paged with it).
   */
  private async tellPaged(incident: Incident, kind: 'notice' | 'resume', only?: { below: number; next: { tier: EscalationTier; at: Date } }): Promise<Delivered[]> {
    const { store, notifier } = this.ctx.services;
    const { incidentId } = incident;
    const sends = await store.listSends(incidentId);
    const delivered: Delivered[] = [];
    for (const send of sends) {
      const page = pageOf(send);
      const tier = page ? tierAt(this.ctx.policy, page.level) : undefined;
      if (!page || !tier || (only && tier.level >= only.below)) continue;
      // The people, not the case: AWS Support hears about the incident through its resolution, not the failover.
      const { caseId: _case, ...published } = page;
      const channels = published.channels.filter((c) => c === 'email' || c === 'chat');
      if (!channels.length) continue;
      const claim = await store.claimSend(incidentId, kind, tier.level, tier.name, ['OPEN'], this.now());
      if (!claim.claimed) continue;
      const view = buildMessageView({
        kind: 'opened',
        incident,
        tier,
        sent: sends,
        now: this.now(),
        ...(only ? { nextEscalation: only.next } : {}),
        ...this.deploymentView(true),
      });
      const delivery = await this.deliver(incidentId, kind, tier, claim, (progress) => notifier.resolve(tier, view, { ...published, channels }, progress));
      delivered.push({ kind, level: tier.level, tier: tier.name, via: delivery.channels.join('+') });
    }
    return delivered;
  }

  /**
   * A decision deferred to another alarm's incident (decision 158): recorded on that alarm's incident that is not resolved
   * (the latest), nobody notified. None yet (the deferring alarm usually fires first: 1 of 1 minute against the standby
   * watch's 5 of 5): nothing opened here; the decision is on the resource's audit trail, and that incident records it when
   * it opens (joinDeferred). A deferral to an alarm this deployment does not watch could never be reported: it opens its
   * own incident instead, saying so.
   */
  private async defer(
    decision: DecisionEventDetail,
    alarm: { arn: string; name: string; account: string; region: string },
    alarmName: string,
    summary: DecisionSummary,
    existing: Incident | undefined,
  ): Promise<EscalationResult> {
    const { store } = this.ctx.services;
    const targetArn = `arn:${partitionOf(alarm.region)}:cloudwatch:${alarm.region}:${alarm.account}:alarm:${alarmName}`;
    const target = checkAlarm({ arn: targetArn, name: alarmName, region: alarm.region }, this.ctx.trust);
    if (target.kind === 'refused') {
      this.ctx.log.warn('decision deferred to an alarm this deployment cannot report: escalated on its own', { reason: target.reason, alarmName, playbook: decision.playbook });
      return this.open(this.decisionFacts(decision, alarm, summary, 'not-applicable', `${decision.reason} — but ${target.reason}, so it is escalated here`), existing);
    }
    const incidents = [...(await store.incidentsOfAlarm(targetArn))].sort((a, b) => (a.alarmTime < b.alarmTime ? 1 : a.alarmTime > b.alarmTime ? -1 : 0));
    for (const { incidentId } of incidents) {
      if (await store.appendUpdate(incidentId, summary)) {
        this.ctx.count?.('DecisionsDeferred');
        return { action: 'updated', incidentId, reason: `${decision.playbook} ${decision.outcome} recorded on incident ${incidentId} of alarm "${alarmName}": nobody notified again`, delivered: [] };
      }
      // Not appended: already recorded there (a redelivery), or that incident is resolved (try the one before it).
      const current = await store.get(incidentId);
      if (current && current.status !== 'RESOLVED') return { action: 'updated', incidentId, reason: 'this decision is already recorded', delivered: [] };
    }
    this.ctx.count?.('DecisionsDeferred');
    const reason = `${decision.playbook} deferred to alarm "${alarmName}", which has no open incident yet: nobody notified; the incident it opens records this decision (audit trail of ${decision.resource?.arn ?? 'the resource'})`;
    this.ctx.log.info('decision deferred: no incident opened for it', { reason, incidentKey: decision.incidentKey });
    return { action: 'ignored', reason, delivered: [] };
  }

  /**
   * An incident of an alarm other decisions may be deferred to (ctx.deferrals): the decisions deferred to it on the
   * same resource since its lookback before the state change, recorded on it (each once, by its key) before anyone is
   * notified, so the first message lists them. Read after the incident is written: a deferred decision whose intake ran
   * before that write found no incident, and its audit entry (written before it was published) is found here.
   */
  private async joinDeferred(incident: Incident, resourceArn: string | undefined): Promise<Incident> {
    const lookbackMinutes = this.ctx.deferrals?.get(incident.alarmName);
    const read = this.ctx.services.records.deferredTo;
    const at = Date.parse(incident.alarmTime);
    if (lookbackMinutes === undefined || !read || !resourceArn || Number.isNaN(at)) return incident;
    const from = new Date(at - lookbackMinutes * 60_000).toISOString();
    const recorded = await read.call(this.ctx.services.records, resourceArn, incident.alarmName, from);
    const joined: DecisionSummary[] = [];
    for (const audit of recorded) {
      const decision = parseRecordedDecision(audit.decision);
      // The same region and account as this incident's alarm, and a watched alarm of this deployment.
      const own = parseAlarmArn(decision.alarmArn);
      if (!own || own.region !== incident.region || own.account !== incident.account || checkAlarm({ arn: own.arn, name: own.name }, this.ctx.trust).kind !== 'ok') continue;
      const summary = summarizeDecision(decision);
      if (incident.updates.some((u) => u.key === summary.key)) continue;
      if (await this.ctx.services.store.appendUpdate(incident.incidentId, summary)) joined.push(summary);
    }
    if (joined.length) this.ctx.log.info('deferred decisions recorded on the incident', { incidentId: incident.incidentId, decisions: joined.map((d) => `${d.playbook} ${d.decidedAt}`) });
    return joined.length ? { ...incident, updates: [...incident.updates, ...joined] } : incident;
  }

  private async watch(facts: OpenFacts, checkAfterMinutes: number): Promise<EscalationResult> {
    const { store, timers } = this.ctx.services;
    const now = this.now();
    const incidentId = incidentIdFor(facts.incidentKey);
    const { created, incident } = await store.create(this.newIncident(incidentId, facts, 'WATCHING', now), now);
    if (!created && incident.status !== 'WATCHING') {
      const recorded = facts.decision ? await store.appendUpdate(incidentId, facts.decision) : false;
      return { action: 'updated', incidentId, reason: recorded ? 'decision recorded on the incident' : 'already recorded', delivered: [] };
    }
    // Scheduling again after a crash between create and schedule is a no-op: the schedule's name is the step's.
    const at = new Date(now.getTime() + checkAfterMinutes * 60_000);
    await timers.schedule({ action: 'check', incidentId, alarm: this.alarmLocation(incident) }, at);
    return {
      action: 'watching',
      incidentId,
      reason: `${facts.decision?.playbook ?? 'the automation'} ${facts.decision?.outcome ?? 'acted'}: the alarm is checked again at ${at.toISOString()}`,
      delivered: [],
    };
  }

  private async open(facts: OpenFacts, existing: Incident | undefined, ahead?: ReadAhead): Promise<EscalationResult> {
    const { store, alarms } = this.ctx.services;
    const now = this.now();
    const incidentId = incidentIdFor(facts.incidentKey);
    // The alarm's latest incident, read with the alarm: a re-fire within the window re-opens it instead (decision 204).
    const groupable = !existing && this.ctx.policy.flapping.regroupWithinMinutes > 0;
    const latest = groupable ? (ahead?.latest ?? store.latestOfAlarm(facts.alarmArn)) : undefined;
    latest?.catch(() => undefined);
    // The alarm is re-read before anyone is paged: its state change must still be the one this incident is about.
    const alarm = await (ahead?.alarm ?? alarms.read({ name: facts.alarmName, account: facts.account }));
    if (alarm.kind === 'found' && alarm.value === 'OK' && facts.alarmState !== 'OK' && alarmMovedOn(alarm, { time: facts.alarmTime })) {
      const reason = `alarm "${facts.alarmName}" is OK since ${alarm.updatedAt?.toISOString() ?? '?'}: the state change of ${facts.alarmTime} cleared before anyone was paged`;
      this.ctx.log.info('incident not opened: the alarm already cleared', { incidentId, reason });
      return { action: 'ignored', incidentId, reason, delivered: [] };
    }
    // An event stamped after the alarm's last StateValue change (an EvaluationState update) pages nobody a second time.
    const within = alarm.kind === 'found' && facts.alarmState ? withinStateReason({ value: facts.alarmState, timestamp: facts.alarmTime }, alarm) : undefined;
    if (within) {
      this.ctx.log.info('incident not opened: not a state change', { incidentId, reason: within });
      return { action: 'ignored', incidentId, reason: `alarm "${facts.alarmName}": ${within}`, delivered: [] };
    }
    // An alarm that cannot be read does not stop an escalation: it is named in the incident.
    const unreadable = alarm.kind === 'unreadable' ? ` (re-reading the alarm: ${alarm.what})` : '';
    const alarmReason = alarm.kind === 'found' ? (alarm.reason ?? facts.alarmReason) : facts.alarmReason;
    const withReason = { ...facts, reason: `${facts.reason}${unreadable}`, ...(alarmReason ? { alarmReason } : {}) };
    if (latest) {
      const grouped = await this.regroup(withReason, incidentId, await latest);
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
      const result = await store.create(this.newIncident(incidentId, withReason, 'OPEN', now), now);
      opened = result.created;
      incident = result.incident;
      if (!opened && incident.status === 'WATCHING') {
        opened = await store.promote(incidentId, { cause: facts.cause, reason: withReason.reason, ...(facts.decision ? { decision: facts.decision } : {}) }, now);
        incident = await store.get(incidentId);
      } else if (!opened && facts.decision && incident.decision?.key !== facts.decision.key) {
        await store.appendUpdate(incidentId, facts.decision);
      }
    }
    if (opened) this.ctx.count?.('IncidentsOpened');
    if (!incident || incident.status !== 'OPEN') {
      return { action: 'ignored', incidentId, reason: `incident is ${incident?.status ?? 'gone'}`, delivered: [] };
    }
    incident = await this.joinDeferred(incident, facts.decision?.resource?.arn);
    const first = this.ctx.policy.tiers[0];
    // Every delivery tries the first tier: the send claim lets exactly one through, and finishes a crashed one.
    const delivered = first ? await this.notifyTier(incident, first, 'opened', undefined, ahead?.sends) : [];
    return {
      action: 'opened',
      incidentId,
      reason: `${opened ? 'opened' : 'already open'}: ${withReason.reason}`,
      delivered,
    };
  }

  private newIncident(incidentId: string, facts: OpenFacts, status: 'OPEN' | 'WATCHING', now: Date): Incident {
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
   * Notifies one tier once: the send is claimed (conditional on the incident still being OPEN), delivered and recorded,
   * the next tier's timer scheduled together with the delivery (so a failed delivery still leaves it). A claim already
   * SENT by an earlier, crashed run is finished instead.
   */
  private async notifyTier(incident: Incident, tier: EscalationTier, kind: MessageKind, because?: string, sendsRead?: Promise<SentNotification[]>): Promise<Delivered[]> {
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
      this.deliver(incident.incidentId, 'notify', tier, claim, (progress) => notifier.notify(tier, view, progress, { since: new Date(incident.createdAt) })),
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

  private async afterNotified(incident: Incident, tier: EscalationTier, next: { tier: EscalationTier; at: Date } | undefined): Promise<void> {
    const { incidentId } = incident;
    // The level and the next tier's timer at once: either failing throws, and the retry (the send being SENT) does both
    // again, each idempotent (a level is never lowered; a schedule of the same step is a no-op). The timer names the
    // incident's alarm, so it can re-read the alarm with the incident (handleTimer).
    await Promise.all([
      this.ctx.services.store.recordTierNotified(incidentId, tier.level, next ? { level: next.tier.level, at: next.at } : undefined),
      next ? this.scheduleNext(incident, next) : NOTICE_CAUSES.has(incident.cause) ? this.scheduleNoticeCheck(incident) : undefined,
    ]);
  }

  /**
   * A notice's first re-read of its alarm, NOTICE_CHECK_MINUTES from now (review 12 R12-13): nothing else would close a
   * notice whose alarm is deleted. One per cycle (the schedule's name), so a retry or a second tier told schedules nothing more.
   */
  private async scheduleNoticeCheck(incident: Incident): Promise<void> {
    const at = new Date(this.now().getTime() + NOTICE_CHECK_MINUTES * 60_000);
    await this.noticeDue({ action: 'notice', incidentId: incident.incidentId, cycle: incident.reopens ?? 0, round: 1, alarm: this.alarmLocation(incident) }, at);
  }

  /**
   * A notice's re-check: recorded on the incident first (only forward: a later round or cycle), then scheduled (decision
   * 281). The record is what the sweep reads: a check Scheduler drops, or one whose schedule could not be created (the
   * error is thrown), is done by the sweep once overdue; a redelivery of the round before finds the round moved on.
   */
  private async noticeDue(input: Extract<TimerInput, { action: 'notice' }>, at: Date): Promise<void> {
    await this.ctx.services.store.recordNoticeDue(input.incidentId, { cycle: input.cycle, round: input.round, at });
    await this.ctx.services.timers.schedule(input, at);
  }

  private async scheduleNext(incident: Incident, next: { tier: EscalationTier; at: Date }): Promise<void> {
    await this.ctx.services.timers.schedule({ action: 'escalate', incidentId: incident.incidentId, level: next.tier.level, alarm: this.alarmLocation(incident) }, next.at);
  }


  /**
   * Runs one delivery under its claim. Transient failure: the claim is released and the error thrown, so Lambda retries.
   * Permanent failure (topic gone, no support plan): recorded as FAILED and logged; the path goes on to the next tier.
   */
  private async deliver(
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
  private alarmLocation(incident: Pick<Incident, 'alarmName' | 'alarmArn' | 'account'>): { name: string; account?: string } {
    const account = accountOfArn(incident.alarmArn) ?? (incident.account || undefined);
    return { name: incident.alarmName, ...(account ? { account } : {}) };
  }

  /**
   * Resolves every incident of the alarm whose state change came before the OK, once the alarm, re-read where it lives,
   * confirms that state change is over. An alarm that cannot be read resolves nothing: its timers go on and say why.
   */
  private async resolveAlarm(alarm: { arn: string; name: string; account: string }, okTime: string, reason: string): Promise<EscalationResult> {
    const okMs = Date.parse(okTime);
    const incidents = (await this.ctx.services.store.incidentsOfAlarm(alarm.arn)).filter((i) => {
      const at = Date.parse(i.alarmTime);
      return Number.isNaN(at) || Number.isNaN(okMs) ? i.alarmTime < okTime : at < okMs;
    });
    if (!incidents.length) return { action: 'ignored', reason: 'no incident of this alarm to resolve', delivered: [] };
    const current = await this.ctx.services.alarms.read({ name: alarm.name, account: alarm.account });
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
        this.ctx.log.warn('incident not resolved: the OK is not confirmed by the alarm', { incidentId, reason: why });
        kept.push(`${incidentId}: ${why}`);
        continue;
      }
      const outcome = await this.resolveIncident(incidentId, reason, alarmTime);
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
   * RESOLVED once (a conditional write, on the state change `alarmTime` when given), then one resolution message to every
   * tier that was notified: each is its own claimed send, so a duplicate OK, a retry or the timer racing the OK event
   * never sends a second one. An incident that has re-opened (a flapping alarm, decision 204) is resolved at once too (its
   * ladder stops) but its resolution is told only once the alarm stayed OK for the settle period: a timer does it.
   */
  private async resolveIncident(incidentId: string, reason: string, alarmTime?: string): Promise<{ resolvedNow: boolean; delivered: Delivered[] }> {
    const { store, timers } = this.ctx.services;
    const result = await store.resolve(incidentId, reason, this.now(), alarmTime);
    const incident = result.incident;
    if (!incident || incident.status !== 'RESOLVED') return { resolvedNow: false, delivered: [] };
    if (result.resolved) {
      this.ctx.count?.('IncidentsResolved');
      const pending = this.ctx.policy.tiers.filter((t) => t.level > incident.level);
      await Promise.all([
        timers.cancel({ action: 'check', incidentId }),
        ...pending.map((t) => timers.cancel({ action: 'escalate', incidentId, level: t.level })),
      ]).catch((error: unknown) => this.ctx.log.warn('could not delete a pending timer; it will find the incident resolved', { incidentId, error: String(error) }));
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
  private async sendResolutions(incident: Incident, cycle: number, flapping?: string): Promise<{ delivered: Delivered[]; settled: boolean }> {
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

  /**
   * A new ALARM state change of an alarm whose latest incident is another one (decision 204): re-opened (resolved within
   * the window), joined (still unresolved), or nothing (an older state change); undefined when it is its own incident.
   * The move is one conditional write on the incident as read; of concurrent deliveries one makes it, the others re-read
   * and find it done ('already'), then each finishes what the re-open sends (claimed sends) and schedules (idempotent).
   */
  private async regroup(facts: OpenFacts, incidentId: string, latest: { incidentId: string; alarmTime: string } | undefined): Promise<EscalationResult | undefined> {
    const { store } = this.ctx.services;
    const window = this.ctx.policy.flapping.regroupWithinMinutes;
    let pointer = latest;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (!pointer || pointer.incidentId === incidentId) return undefined;
      const read = await store.get(pointer.incidentId);
      // Only an incident of the same alarm, environment and account is grouped into (the pointer is keyed by the ARN).
      if (!read || read.alarmArn !== facts.alarmArn) return undefined;
      const plan = planRegroup(read, facts.alarmTime, window);
      switch (plan.kind) {
        case 'new':
          this.ctx.log.info('a new incident: the re-fire is not grouped', { incidentId, reason: plan.reason });
          return undefined;
        case 'stale':
          this.ctx.log.info('state change not grouped: the incident is about a later one', { incidentId: read.incidentId, reason: plan.reason });
          return { action: 'ignored', incidentId: read.incidentId, reason: plan.reason, delivered: [] };
        case 'already':
          return this.afterRegroup(read, facts, plan.reason);
        case 'join':
        case 'reopen': {
          const now = this.now();
          // A later escalation whose cause says more supersedes the recorded cause (review 14 R14-15): the incident, the
          // re-open message and the next tier's page present it; the one it replaces is kept as an earlier cause.
          const cause = supersedeCause(read, { cause: facts.cause, reason: facts.reason, ...(facts.decision ? { decision: facts.decision } : {}) }, facts.alarmTime);
          // The ladder resumes on its own clock (R13-1): the next tier due when it was, paged at once if that has passed.
          // A notice superseded by a cause with a ladder starts one: its tier has the whole timeout from now (a notice's
          // tier was told "not urgent", so no clock ran for it).
          const wasNotice = cause !== undefined && NOTICE_CAUSES.has(read.cause);
          const ladderOf = { ...read, cause: cause?.cause ?? read.cause, ...(wasNotice ? { ladderDueAt: undefined } : {}) };
          const next = plan.kind === 'reopen' || (wasNotice && read.status === 'OPEN') ? resumeLadder(ladderOf, this.ctx.policy, now, facts.alarmTime) : undefined;
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
          if (plan.kind === 'reopen') this.ctx.count?.('IncidentsReopened');
          this.ctx.log.info(plan.kind === 'reopen' ? 'incident re-opened by a re-fire of its alarm' : 'a new state change of the alarm joined its open incident', {
            incidentId: read.incidentId,
            stateChange: facts.alarmTime,
            reason: plan.reason,
            // Why the next tier is due when it is (R14-8: what of the OK was charged to the ladder).
            ...(next ? { ladder: next.reason, nextEscalationAt: next.at.toISOString() } : {}),
            ...(cause ? { cause: cause.cause, supersededCause: read.cause } : {}),
          });
          const after = await store.get(read.incidentId);
          if (!after) return { action: 'ignored', incidentId: read.incidentId, reason: 'incident gone', delivered: [] };
          return this.afterRegroup(after, facts, plan.reason);
        }
      }
    }
    throw new TransientError(`incident of alarm ${facts.alarmName} changed under three attempts to group the state change of ${facts.alarmTime} into it: retried`);
  }

  /**
   * What a re-open sends and schedules, done by whichever delivery gets there (each step idempotent): the decision
   * recorded on the incident, one short message to each tier that was told the last cycle resolved (a re-open during a
   * held resolution tells nobody: nobody heard it resolved), and the ladder: the first page if none went out yet, else
   * the next tier's timer at the time the re-open set.
   */
  private async afterRegroup(incident: Incident, facts: OpenFacts, reason: string): Promise<EscalationResult> {
    const { store, notifier } = this.ctx.services;
    const { incidentId } = incident;
    if (facts.decision && incident.decision?.key !== facts.decision.key && !incident.updates.some((u) => u.key === facts.decision?.key)) {
      // The record of the re-fire's decision must not stop the ladder (review 13 R13-16): a failure that a retry cannot
      // mend is logged and counted, and the re-open's messages and timer go on.
      await store.appendUpdate(incidentId, facts.decision).catch((error: unknown) => {
        const classified = classifyAwsError(error, 'record the decision on the incident');
        if (classified instanceof TransientError) throw classified;
        this.ctx.log.error('could not record the re-fire\'s decision on the incident: its messages and timers go on', { incidentId, error: classified.message });
        this.ctx.count?.('IncidentUpdateNotRecorded');
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
        const tier = tierAt(this.ctx.policy, told.level);
        const page = sends.filter((s) => s.level === told.level).map(pageOf).find((p) => p !== undefined);
        if (!tier || !page) continue;
        const claim = await store.claimSend(incidentId, 'reopen', tier.level, tier.name, ['OPEN', 'ACKNOWLEDGED'], this.now(), { cycle });
        if (!claim.claimed) continue;
        // Due already (the ladder's clock ran on, R13-1): the next tier is paged just below, and the message says so (not
        // "at <now> (in 0 min), unless acknowledged", review 14 R14-8).
        const nextAt = incident.nextLevel !== undefined && incident.nextEscalationAt ? Date.parse(incident.nextEscalationAt) : Number.NaN;
        const nextTier = incident.nextLevel !== undefined ? tierAt(this.ctx.policy, incident.nextLevel) : undefined;
        const reached = tierAt(this.ctx.policy, incident.level);
        const pagedNow = nextTier && !Number.isNaN(nextAt) && nextAt <= this.now().getTime();
        const view = buildMessageView({
          kind: 'reopened',
          incident,
          tier,
          sent: sends,
          now: this.now(),
          ...(nextTier && pagedNow
            ? { nextPagedNow: { tier: nextTier, because: `${reached ? `${reached.name} has not acknowledged within its ${reached.timeoutMinutes} min` : 'not acknowledged'}` } }
            : nextTier && !Number.isNaN(nextAt)
              ? { nextEscalation: { tier: nextTier, at: new Date(nextAt) } }
              : {}),
          ...this.deploymentView(false),
        });
        const delivery = await this.deliver(incidentId, 'reopen', tier, claim, (progress) => notifier.resolve(tier, view, page, progress), cycle);
        delivered.push({ kind: 'reopen', level: tier.level, tier: tier.name, via: delivery.caseId ? `support case ${delivery.caseId}` : delivery.channels.join('+') });
      }
    }
    // The cause changed at this state change (decision 272): every tier already paged is told once, unless this re-open's
    // message (which names the change) went to it.
    delivered.push(...(await this.tellCauseChanged(incident, sends, toldResolved.map((s) => s.level))));
    // A notice re-opened: its checks of the earlier cycle stop (they name that cycle), so this cycle gets its own.
    if (incident.status === 'OPEN' && cycle > 0 && incident.level > 0 && NOTICE_CAUSES.has(incident.cause)) await this.scheduleNoticeCheck(incident);
    if (incident.status === 'OPEN') {
      const first = this.ctx.policy.tiers[0];
      if (incident.level === 0 && first) {
        delivered.push(...(await this.notifyTier(incident, first, 'opened', undefined, Promise.resolve(sends))));
      } else if (incident.nextLevel !== undefined && incident.nextEscalationAt) {
        const tier = tierAt(this.ctx.policy, incident.nextLevel);
        const at = new Date(Date.parse(incident.nextEscalationAt));
        if (tier && !Number.isNaN(at.getTime())) {
          // The next tier was due before this re-fire (its timer deleted by the OK, or paused): paged now, as its timer
          // would have done had the alarm not cleared in between (R13-1). Not yet due: its timer (a join's is still there).
          if (at.getTime() <= this.now().getTime()) {
            const previous = tierAt(this.ctx.policy, incident.level);
            // True by the ladder's rule (resumeLadder, R14-8): the time counted since that page is the incident's time open
            // and OK spells shorter than the settle period; an OK as long as that stopped the clock.
            const settle = this.ctx.policy.flapping.settleMinutes;
            const because = `${previous ? `${previous.name} did not acknowledge within ${previous.timeoutMinutes} min of its page` : 'not acknowledged'} and the alarm keeps firing: it fired again at ${facts.alarmTime}${cycle > 0 ? ` (re-opened ${cycle} time${cycle === 1 ? '' : 's'})` : ''}; counted: the time it was open and any OK shorter than the ${settle}-min settle period (a longer OK stops the clock)`;
            delivered.push(...(await this.notifyTier(incident, tier, 'escalated', because)));
          } else if (cycle > 0 || supersededNoticeNow(incident)) {
            await this.scheduleNext(incident, { tier, at });
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
  private async tellCauseChanged(incident: Incident, sends: readonly SentNotification[], reopenedTo: readonly number[]): Promise<Delivered[]> {
    const { store, notifier } = this.ctx.services;
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
      const tier = tierAt(this.ctx.policy, level);
      const page = pages.find((p) => p.level === level);
      if (!tier || !page) continue;
      const claim = await store.claimSend(incidentId, 'cause', tier.level, tier.name, ['OPEN', 'ACKNOWLEDGED'], this.now(), { cycle: audience.count });
      if (!claim.claimed) continue;
      const view = buildMessageView({
        kind: 'cause-changed',
        incident,
        tier,
        sent: sends,
        now: this.now(),
        ...ladderView(incident, this.ctx.policy, this.now()),
        ...this.deploymentView(true),
      });
      const delivery = await this.deliver(incidentId, 'cause', tier, claim, (progress) => notifier.resolve(tier, view, page, progress), audience.count);
      delivered.push({ kind: 'cause', level: tier.level, tier: tier.name, via: delivery.caseId ? `support case ${delivery.caseId}` : delivery.channels.join('+') });
    }
    if (delivered.length > 0) this.ctx.log.info('the cause change told to the tiers already paged', { incidentId, cause: incident.cause, change: audience.count, tiers: delivered.map((d) => d.tier) });
    return delivered;
  }
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

/**
 * The page a tier received, as a resolution (or re-open) goes back to it: a SENT notification, or one that did not complete
 * but went out on some channel, reduced to what was recorded as delivered; undefined when nobody was paged by it.
 */
function pageOf(send: SentNotification): SentNotification | undefined {
  if (send.kind !== 'notify') return undefined;
  if (send.status === 'SENT') return send;
  const went = send.delivered ?? {};
  const channels = Object.keys(went).filter((c) => c === 'email' || c === 'chat');
  const caseId = went['support-case'];
  if (!channels.length && !caseId) return undefined;
  return { ...send, channels: [...(caseId ? ['support-case'] : []), ...channels], ...(caseId ? { caseId } : {}) };
}

/** The timer's view of an alarm: its state, or what could not be read. */
function alarmNow(alarm: AlarmObservation): AlarmNow | AlarmUnreadable {
  if (alarm.kind !== 'found') return { unreadable: alarm.what, ...(alarm.gone ? { gone: true as const } : {}) };
  return { value: alarm.value, ...(alarm.updatedAt ? { updatedAt: alarm.updatedAt } : {}) };
}

/** How the sweep's result names one timer it did: the tier, or which check. */
function timerLabel(input: TimerInput): string {
  switch (input.action) {
    case 'escalate':
      return `L${input.level}`;
    case 'check':
      return 'check';
    case 'notice':
      return `notice check ${input.round} (cycle ${input.cycle})`;
    case 'settle':
      return `held resolution (cycle ${input.cycle})`;
  }
}
