// The health check after a change, run by a Scheduler timer: re-read the row's signal, judge it, revert and escalate if worse.
import type { Logger } from '@aws-lambda-powertools/logger';
import { classifyAwsError, errorName } from '../aws/classify-error';
import type { Clock } from '../clock';
import type { RuntimeConfig } from '../config/load-config';
import { groupInOrder, runBounded, type SweepBudget } from '../bounded-sweep';
import { InvalidInputError, TransientError } from '../errors';
import { incidentKeyOfRun } from '../events/run-key';
import { StateRecordError } from '../state/state-records';
import type { KillSwitchState } from '../guard/kill-switch';
import type { RegionServing } from '../guard/region-serving';
import { metricWindow } from '../playbooks/metric-window';
import { regionDatabases } from '../playbooks/region-databases';
import type { DecisionReporter } from '../report/decision-reporter';
import { settledValue } from '../settled';
import type { AuditEntry } from '../state/incident-store';
import type { VerifyChangeStore } from '../state/verify-change-store';
import { runUnderClaim, type HeldClaim } from './incident-protocol';
import {
  checkDueAt,
  checkLatenessNote,
  checkMinutesLate,
  planVerifySweep,
  REFUSED_METRICS,
  SWEEP_CONCURRENCY,
  SWEEP_EVERY_MINUTES,
  SWEEP_GRACE_MINUTES,
  SWEEP_RESERVE_MS,
  VERIFY_SWEEP_LEFT_METRIC,
  type ListedCheck,
  type OverdueCheck,
  type RecordedClaim,
} from './plan-verify-sweep';
import type { Decision, HealthReading, Playbook, PlaybookContext, ResourceRef } from './types';
import {
  changeRecordedSince,
  decideHealthVerdict,
  describeReading,
  healthCheckOfRecord,
  notInPlaceReason,
  parseVerifyChangeInput,
  parseVerifyHandlerInput,
  revertIntentOf,
  unreadableFigures,
  verifyClaimName,
  VERIFY_HANDLER,
  type HealthCheckJob,
  type RevertIntent,
  type VerifyChangeInput,
} from './verify-change-plan';

/** A row that changes something, as verify-change holds it (method members are bivariant, so any playbook fits). */
export type VerifiablePlaybook = Playbook<unknown, { resource: ResourceRef }, unknown, unknown>;

export interface VerifyChangeServices {
  store: Pick<VerifyChangeStore, 'claim' | 'getClaim' | 'recordIntent' | 'complete' | 'release' | 'appendAudit' | 'getResourceState' | 'history' | 'verifyDue' | 'releaseVerifyDue'>;
  reporter: Pick<DecisionReporter, 'log' | 'count' | 'publish'>;
  killSwitch: { read(): Promise<KillSwitchState> };
  /** Tests: the DR region's serving signal for every account (else `servingIn`'s). */
  regionServing?: { read(account: string): Promise<RegionServing> };
}

export interface VerifyChangeDeps {
  playbooks: Readonly<Record<string, VerifiablePlaybook>>;
  /**
   * The playbooks' clients (by playbook name) that act in `account`: the handler's own, or in cross-account mode the
   * workload account's remediation role, so the signal is read and the revert made where the change was made.
   */
  clientsIn(account: string, incidentKey: string): Readonly<Record<string, unknown>>;
  /**
   * In a DR region: whether it serves now, read in `account` (shared/guard/region-serving-reader.ts). A revert there is a
   * change, made only while the region serves; unset or failing: not serving, the revert held (decision 123).
   */
  servingIn?(account: string, incidentKey: string): { read(account: string): Promise<RegionServing> } | undefined;
  services: VerifyChangeServices;
  runtime: RuntimeConfig;
  clock: Clock;
  logger: Logger;
  /** Counts `value` of a metric (the verify sweep's HealthChecksOverdue, HealthChecksLeftForNextSweep, VerifyDueRefused and HealthChecksRefused). */
  metric?(name: string, value: number): void;
  /**
   * Binds every AWS call of the clients and services above by the invocation's time left (decision 346): the sweep arms
   * it with its budget for its run and disarms it after (the function returned). Unset: the calls are not bound.
   */
  armDeadline?(remainingMs: () => number): () => void;
}

/** "memoryMb 512, lastUpdateStatus Successful" from a verify() result. */
function describeState(state: Record<string, unknown>, prefix = ''): string {
  return Object.entries(state)
    .filter(([, value]) => !(typeof value === 'object' && value !== null && Object.keys(value).length === 0))
    .map(([key, value]) =>
      typeof value === 'object' && value !== null ? describeState(value as Record<string, unknown>, `${prefix}${key}.`) : `${prefix}${key} ${String(value)}`,
    )
    .join(', ');
}

function decisionOf(job: HealthCheckJob, runtime: RuntimeConfig, clock: Clock, rest: Pick<Decision, 'outcome' | 'reason'> & Partial<Decision>): Decision {
  const { alarm } = job;
  return {
    playbook: job.playbook,
    environment: runtime.environment,
    region: alarm.region,
    account: alarm.account,
    // The state change's key, also for the check of a document run's change (claimed under its run key): the incident
    // escalate files it under (decision 379).
    incidentKey: incidentKeyOfRun(job.incidentKey),
    ...(alarm.name ? { alarmName: alarm.name } : {}),
    ...(alarm.arn ? { alarmArn: alarm.arn } : {}),
    ...(alarm.state === 'ALARM' || alarm.state === 'OK' || alarm.state === 'INSUFFICIENT_DATA' ? { alarmState: alarm.state } : {}),
    ...(alarm.time ? { alarmTime: alarm.time } : {}),
    resource: { type: job.target.resource.type, id: job.target.resource.id, arn: job.target.resource.arn },
    dryRun: runtime.dryRun,
    ...rest,
    decidedAt: clock.now().toISOString(),
  };
}

function refusal(deps: VerifyChangeDeps, error: InvalidInputError): Decision {
  const { runtime, clock, services, logger } = deps;
  const rejected: Decision = {
    playbook: VERIFY_HANDLER,
    outcome: 'rejected',
    reason: error.message,
    environment: runtime.environment,
    region: runtime.region,
    dryRun: runtime.dryRun,
    decidedAt: clock.now().toISOString(),
    ...(error.details.length ? { findings: [...error.details] } : {}),
  };
  logger.warn('verify-change input rejected', { reason: error.message, details: error.details });
  services.reporter.count(rejected);
  return rejected;
}

/**
 * The schedule names a record (playbook + incident); the change, its target and its revert come from that record in
 * the state table. An input that is not just that key, or names no applied change, is refused: nothing is read or changed.
 */
export async function runVerifyChange(deps: VerifyChangeDeps, raw: unknown, swept?: SweptCheck): Promise<Decision> {
  const { runtime, clock, services, logger } = deps;
  let job: HealthCheckJob;
  let playbook: VerifiablePlaybook | undefined;
  let input: VerifyChangeInput | undefined;
  let overdue: OverdueCheck | undefined;
  try {
    input = parseVerifyChangeInput(raw);
    playbook = deps.playbooks[input.playbook];
    if (!playbook?.health) {
      throw new InvalidInputError(`verify-change has no health check for playbook "${input.playbook}" (it knows ${Object.keys(deps.playbooks).join(', ')})`);
    }
    logger.appendKeys({ incidentId: input.incidentKey, checkedPlaybook: input.playbook });
    // The sweep read the record already, to take the check's due time from it (decision 304); a schedule reads it here.
    const record = swept
      ? swept.record
      : await services.store.getClaim(input.playbook, input.incidentKey).catch((error: unknown) => {
          throw classifyAwsError(error, 'DynamoDB GetItem (recorded change)');
        });
    // The databases owned where it runs: in the DR region the promoted replica, never the primary's (decision 123).
    job = healthCheckOfRecord(input, record, runtime.region, { ...runtime.env.resources, databases: regionDatabases(runtime) }, runtime.workloadAccount);
    overdue = swept?.overdue;
    // The sweep judges only a check whose record gave its due time (planVerifySweep); one it found unjudgeable that the
    // record's parse took as a change is still not judged.
    if (swept && !overdue) throw new InvalidInputError(`verify-change refused: the verify sweep found no due time on record for ${input.playbook} on incident ${input.incidentKey}`);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    // A check the sweep found listed that can never be judged is answered: off the list (decision 293), or every sweep
    // refuses it again. A refused delivery of a schedule (or a forged input) changes nothing, not even the list (house
    // rule: bad input, no AWS mutation; decision 302): if it is listed, the sweep refuses it in turn and unlists it then.
    if (input && swept) await releaseListed(deps, input);
    return refusal(deps, error);
  }
  const checked = playbook;
  // Said of a check done past its time by more than the grace (decision 293): by the sweep, or by a late schedule (due
  // the window after the recorded change). A duplicate says nothing: the check it duplicates said it.
  const dueAt = overdue?.dueAt ?? checkDueAt(job.changedAt, runtime.env.verifyChange.verifyWindowMinutes);
  const lateMinutes = overdue ? overdue.lateMinutes : dueAt ? checkMinutesLate(dueAt, clock.now()) : undefined;
  const late = dueAt && lateMinutes !== undefined ? checkLatenessNote(dueAt, lateMinutes, overdue ? 'sweep' : 'schedule') : undefined;
  const saidLate = (decision: Decision): Decision => (late ? { ...decision, reason: `${decision.reason}; ${late}` } : decision);
  // Whether the check is answered here (judged, or found judged): then it comes off the sweep's list. A duplicate that
  // finds the check still running leaves it to its holder.
  let answered = true;

  // The same schedule delivered twice (Scheduler and Lambda retry at least once), or the schedule and the verify sweep,
  // judge and revert once; the revert follows the pipeline's protocol on this claim: intent recorded, revert applied,
  // claim completed.
  const decision = await runUnderClaim<RevertIntent, Decision>({ store: services.store, clock, logger }, verifyClaimName(job.playbook), job.incidentKey, {
    what: 'health check claim',
    label: `${job.playbook} health check`,
    duplicate: (existing) => {
      answered = existing?.status === 'COMPLETED';
      const duplicate = decisionOf(job, runtime, clock, {
        outcome: 'skipped',
        reason: `duplicate delivery: the health check of this change is already ${existing?.status === 'COMPLETED' ? `done (${existing.outcome ?? 'done'})` : 'running'}`,
      });
      services.reporter.log(duplicate);
      services.reporter.count(duplicate);
      return duplicate;
    },
    act: async (claim) => saidLate(await judge(deps, checked, job, claim)),
    failed: (classified) =>
      saidLate(
        decisionOf(job, runtime, clock, {
          outcome: 'escalate',
          reason: `health check after "${job.summary}" failed: ${classified.message}`,
          escalation: { cause: 'failure', error: { name: errorName((classified as { cause?: unknown }).cause ?? classified), message: classified.message } },
        }),
      ),
    record: async (decision) => {
      services.reporter.log(decision);
      services.reporter.count(decision);
      // Keyed by the change, not the check's time: a retry overwrites its own entry; the change's own entry stays.
      // Audit and event at once; the claim completes after both (a failure of either is retried whole).
      const written = await Promise.allSettled([
        services.store.appendAudit({ resourceArn: job.target.resource.arn, at: job.changedAt, incidentKey: job.incidentKey, decision: { ...decision } }, clock.now()),
        services.reporter.publish(decision),
      ]);
      for (const result of written) if (result.status === 'rejected') throw result.reason;
    },
    outcome: (decision) => ({ outcome: decision.outcome, reason: decision.reason }),
  });
  if (answered) await releaseListed(deps, job);
  return decision;
}

/**
 * Takes an answered check off the verify sweep's list. A failure to is only logged: the check is answered (its claim
 * completed), and the next sweep finds it so (a duplicate, nothing judged twice) and takes it off then.
 */
async function releaseListed(deps: VerifyChangeDeps, check: Pick<VerifyChangeInput, 'playbook' | 'incidentKey'>): Promise<void> {
  await deps.services.store.releaseVerifyDue(check.playbook, check.incidentKey).catch((error: unknown) => {
    deps.logger.warn('the answered health check is still listed for the verify sweep; the next sweep finds it answered and unlists it', { error: errorName(error), playbook: check.playbook });
  });
}

/**
 * verify-change's entry: one health check (its schedule's input), or the verify sweep (the rule's {"action":"sweep"}).
 * Anything else is refused, nothing read or changed.
 */
export async function runVerifyHandler(deps: VerifyChangeDeps, raw: unknown, budget: SweepBudget = {}): Promise<Decision> {
  let kind: ReturnType<typeof parseVerifyHandlerInput>['kind'];
  try {
    kind = parseVerifyHandlerInput(raw).kind;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return refusal(deps, error);
  }
  return kind === 'sweep' ? runVerifySweep(deps, budget) : runVerifyChange(deps, raw);
}

/**
 * What the sweep hands runVerifyChange for a listed check: the change's record it read (the check's due time came from
 * it, decision 304), and the check as overdue by that time; without `overdue` the record can never be judged (refused
 * and unlisted).
 */
export interface SweptCheck {
  record: RecordedClaim;
  overdue?: OverdueCheck;
}

/** One listed check the sweep runs: overdue by its record's time, or unjudgeable on its record (refused, unlisted). */
interface SweepItem {
  playbook: string;
  incidentKey: string;
  swept: SweptCheck;
  /** "(12 min late)", "(no change on record)". */
  note: string;
}

/**
 * The verify sweep (decision 281's design, built in decision 293): every health check listed (VERIFY-DUE) more than
 * SWEEP_GRACE_MINUTES past due is run as its schedule would have run it (runVerifyChange: the claim, the judgement and
 * any revert), its decision saying how late. The due time is its change's record's, read for every listed entry before
 * anything is decided; an entry whose `dueAt` the record does not confirm is refused, counted and left, never run
 * (review 18 R18-15, decision 304). verify-change's claim on the change keeps it to one judgement with the schedule
 * delivered late, before, after or at once. SWEEP_CONCURRENCY at once, none started once `budget.remainingMs()` is
 * within SWEEP_RESERVE_MS (what is left is logged, counted and the next sweep's). One check that fails does not stop the
 * others; the sweep then throws, so Lambda retries it and the failure destination keeps it. The sweep's own answer is a
 * summary (outcome skipped, never published): each check's decision is recorded and published as the schedule's would be.
 */
export async function runVerifySweep(deps: VerifyChangeDeps, budget: SweepBudget = {}): Promise<Decision> {
  // Every call of the checks it runs ends before the function's timeout (review 20d R20-64, decision 346): one cut short
  // fails the check as transient, and its claim is given back in the time kept after.
  const disarm = budget.remainingMs ? deps.armDeadline?.(budget.remainingMs) : undefined;
  try {
    return await sweepListed(deps, budget);
  } finally {
    disarm?.();
  }
}

async function sweepListed(deps: VerifyChangeDeps, budget: SweepBudget): Promise<Decision> {
  const { runtime, clock, services, logger } = deps;
  const now = clock.now();
  const listed = await services.store.verifyDue();
  // An entry not as the automation writes it is refused on its own (review 18c R18-13, decision 299, as 292 for held
  // resolutions): logged with its key and issues, counted, named in the answer; not thrown (no retry makes it valid) and
  // not deleted (bad input: no mutation). The others are swept.
  for (const entry of listed.refused) {
    logger.error('verify sweep: a listed health check entry is not one the automation writes, refused; the others are swept', { record: entry.key, issues: entry.issues });
  }
  const bounded = { concurrency: SWEEP_CONCURRENCY, reserveMs: SWEEP_RESERVE_MS, ...(budget.remainingMs ? { remainingMs: budget.remainingMs } : {}) };
  const label = (check: { playbook: string; incidentKey: string }, note: string): string => `${check.playbook} on ${check.incidentKey} ${note}`;
  const failed: string[] = [];
  const unjudgeable: string[] = [];
  /** A check's own record is not as the automation writes it (review 18c R18-14, decision 299): judged by hand, never thrown for. */
  const settleFailure = (check: { playbook: string; incidentKey: string }, note: string, reason: unknown): void => {
    const message = reason instanceof Error ? reason.message : String(reason);
    if (reason instanceof StateRecordError) {
      // No retry makes it valid, so the sweep does not throw for it; it is logged, counted and named, and stays listed
      // (no mutation on bad input), named again by each sweep until its TTL. Its schedule's own delivery still throws.
      logger.error('verify sweep: a listed health check cannot be judged, its record is not one the automation writes; judge it by hand', { checkedPlaybook: check.playbook, incidentId: check.incidentKey, record: reason.key, issues: reason.issues });
      unjudgeable.push(`${label(check, note)}: ${message}`);
      return;
    }
    logger.error('verify sweep: a listed health check failed; the others go on', { checkedPlaybook: check.playbook, incidentId: check.incidentKey, error: message });
    failed.push(`${label(check, note)}: ${message}`);
  };

  // Each listed check's record first (decision 304): the entry says which change, never when; the record says when.
  const reads = await runBounded(
    listed.due.map((entry) => [entry]),
    bounded,
    (entry) =>
      services.store.getClaim(entry.playbook, entry.incidentKey).catch((error: unknown) => {
        throw classifyAwsError(error, 'DynamoDB GetItem (recorded change)');
      }),
  );
  const withRecords: ListedCheck[] = [];
  for (const { item: entry, result } of reads.settled) {
    if (result.status === 'fulfilled') withRecords.push({ entry, record: result.value });
    else settleFailure(entry, '(its record unread)', result.reason);
  }
  const plan = planVerifySweep(withRecords, now, runtime.env.verifyChange.verifyWindowMinutes);
  // An entry whose due time its record does not confirm (forged, or stale): refused like an entry not as the automation
  // writes it (decision 299's skip and count): logged, counted VerifyDueRefused, named; never run, never thrown for, never
  // deleted. Its schedule, if there is one, still comes at the record's time and unlists it once answered.
  for (const entry of plan.unconfirmed) {
    logger.error('verify sweep: a listed health check\'s due time is not its change\'s recorded one, refused; it is not run', { checkedPlaybook: entry.playbook, incidentId: entry.incidentKey, issue: entry.issue });
  }
  const refusedEntries = listed.refused.length + plan.unconfirmed.length;
  if (refusedEntries) deps.metric?.(REFUSED_METRICS.verifyDue, refusedEntries);
  if (plan.overdue.length) deps.metric?.('HealthChecksOverdue', plan.overdue.length);

  const items: SweepItem[] = [];
  const recordOf = new Map(withRecords.map(({ entry, record }) => [`${entry.playbook}\u0000${entry.incidentKey}`, record]));
  const record = (check: { playbook: string; incidentKey: string }): RecordedClaim => recordOf.get(`${check.playbook}\u0000${check.incidentKey}`);
  for (const check of plan.overdue) items.push({ playbook: check.playbook, incidentKey: check.incidentKey, swept: { record: record(check), overdue: check }, note: `(${check.lateMinutes} min late)` });
  for (const check of plan.unjudgeable) items.push({ playbook: check.playbook, incidentKey: check.incidentKey, swept: { record: record(check) }, note: `(${check.why})` });
  const run = await runBounded(groupInOrder(items, (item) => `${item.playbook}\u0000${item.incidentKey}`), bounded, (item) => {
    const { overdue } = item.swept;
    if (overdue) logger.warn('health check overdue: the verify sweep runs it', { checkedPlaybook: item.playbook, incidentId: item.incidentKey, dueAt: overdue.dueAt.toISOString(), lateMinutes: overdue.lateMinutes });
    // Its own logger: the check appends its incident to its log keys, and checks run side by side.
    const input: VerifyChangeInput = { action: 'verify-change', playbook: item.playbook, incidentKey: item.incidentKey };
    return runVerifyChange({ ...deps, logger: logger.createChild() }, input, item.swept);
  });
  const outcomes: string[] = [];
  for (const { item, result } of run.settled) {
    if (result.status === 'fulfilled') outcomes.push(`${label(item, item.note)}: ${result.value.outcome}`);
    else settleFailure(item, item.note, result.reason);
  }
  const leftCount = reads.left.length + run.left.length;
  const stoppedWithMs = reads.stoppedWithMs ?? run.stoppedWithMs;
  const left = leftCount
    ? `; ${leftCount} left for the next sweep (${SWEEP_EVERY_MINUTES} min on): the function had ${Math.max(0, Math.round((stoppedWithMs ?? 0) / 1000))} s left, within the ${SWEEP_RESERVE_MS / 1000} s kept for the checks started to finish`
    : '';
  if (leftCount) {
    logger.warn('verify sweep: out of time, listed health checks left for the next sweep', {
      left: leftCount,
      unread: reads.left.length,
      done: run.settled.length,
      overdue: plan.overdue.length,
      remainingMs: stoppedWithMs,
      checks: [...reads.left.map((entry) => label(entry, '(its record unread)')), ...run.left.map((item) => label(item, item.note))],
    });
    deps.metric?.(VERIFY_SWEEP_LEFT_METRIC, leftCount);
  }
  if (unjudgeable.length) deps.metric?.(REFUSED_METRICS.healthChecks, unjudgeable.length);
  const refusedNote = `${
    listed.refused.length
      ? `; ${listed.refused.length} listed entr${listed.refused.length === 1 ? 'y' : 'ies'} refused (not as the automation writes them): ${listed.refused.map((r) => `${r.key.pk} / ${r.key.sk} (${r.issues.join('; ')})`).join(', ')}`
      : ''
  }${
    plan.unconfirmed.length
      ? `; ${plan.unconfirmed.length} listed entr${plan.unconfirmed.length === 1 ? 'y' : 'ies'} refused, not run (a due time its change's record does not confirm): ${plan.unconfirmed.map((u) => `${label(u, `(${u.issue})`)}`).join(', ')}`
      : ''
  }${unjudgeable.length ? `; ${unjudgeable.length} not judged, a record not as the automation writes it (judge by hand): ${unjudgeable.join('; ')}` : ''}`;
  const total = items.length + reads.left.length;
  if (failed.length) throw new TransientError(`verify sweep: ${failed.length} failed of ${listed.due.length} listed health checks (${failed.join('; ')})${left}${refusedNote}; retried`);
  const swept = leftCount ? `${run.settled.length} of ${total}` : `${items.length}`;
  return {
    playbook: VERIFY_HANDLER,
    outcome: 'skipped',
    reason: `${total
      ? `swept ${swept} health check${total === 1 ? '' : 's'}${outcomes.length ? `: ${outcomes.join('; ')}` : ''}${left}`
      : `no health check more than ${SWEEP_GRACE_MINUTES} min past due`}${refusedNote}`,
    environment: runtime.environment,
    region: runtime.region,
    dryRun: runtime.dryRun,
    decidedAt: clock.now().toISOString(),
    ...(outcomes.length ? { findings: outcomes } : {}),
  };
}

async function judge(deps: VerifyChangeDeps, playbook: VerifiablePlaybook, job: HealthCheckJob, claim: HeldClaim<RevertIntent>): Promise<Decision> {
  const { runtime, clock, services } = deps;
  const health = playbook.health;
  if (!health) throw new InvalidInputError(`${playbook.name} has no health check`);
  // Where the change was made: the recorded alarm's account (never the input's), through that account's role.
  const ctx: PlaybookContext<unknown> = {
    clients: deps.clientsIn(job.alarm.account, job.incidentKey)[playbook.name],
    clock,
    runtime,
    recall: async (resourceArn: string) => (await services.store.getResourceState(resourceArn))?.learned,
  };
  const { target, change } = job;
  const policy = runtime.env.verifyChange;
  // An earlier attempt judged worse and recorded its intent to revert, then died: its judgement is finished, not redone
  // (the change it reverted is gone by now, so judging again would report "no longer in place" and lose the escalation).
  const previous = claim.takenOver ? revertIntentOf(claim.previousIntent) : undefined;
  // The change's place before any judgement (decision 175): the resource is read with the health signal, at once, and a
  // change it no longer shows (restored at OK, changed by a later change, by a person or a deploy) is not judged at all.
  // The observation's failure is thrown first: without it nothing can be said of the change, healthy or not.
  const [observed, read] = await Promise.allSettled([
    playbook.observe(ctx, target),
    previous ? Promise.resolve(previous.after) : health.read(ctx, target, change, metricWindow(clock.now(), policy.verifyWindowMinutes, new Date(job.changedAt))),
  ]);
  const observation = settledValue(observed);
  const stillApplied = playbook.isApplied(observation, change);
  const revert = health.revertOf(change);
  const before = { health: job.before.figures, window: `${job.before.from}/${job.before.to}` };
  const about = `health check of "${job.summary}" (${health.signal})`;

  // A revert taken: the resource reads the revert's value, and no longer the change's, or reads both because the change
  // is what it runs and the revert's value is PENDING (RDS takes a class change as PendingModifiedValues and keeps running
  // the old class for minutes: the change isApplied running, the revert isApplied pending, and notInEffect says the change
  // is not all the resource has). Judged as "still applied", a revert whose answer was lost would be refused as "another
  // class change pending" and paged "not reverted" while it runs (review 21b R21b-4). A pending value that is not the
  // revert's (someone else's change to another class) is not the revert's and is judged below as before.
  const revertPending = stillApplied && playbook.isApplied(observation, revert) && playbook.notInEffect?.(observation, change) !== undefined;
  const revertTaken = (!stillApplied && playbook.isApplied(observation, revert)) || revertPending;
  // The revert an earlier attempt recorded reached AWS before it died: read it back and record it, nothing applied again.
  if (previous && revertTaken) {
    return revertedDecision(
      deps,
      job,
      about,
      previous.worse,
      { before, after: { health: previous.after.figures, window: `${previous.after.from}/${previous.after.to}` } },
      previous.after,
      await playbook.verify(ctx, target, revert),
      revertPending ? ' (taken by an earlier attempt and still pending, recorded on retry)' : ' (applied by an earlier attempt, recorded on retry)',
    );
  }
  if (!stillApplied) return notInPlace(deps, playbook, job, observation, about, before);

  const after = settledValue(read);
  const unreadable = previous ? [] : unreadableFigures(after);
  const worse = previous ? previous.worse : unreadable.length > 0 ? undefined : health.worse(job.before, after, policy);
  const figures = { before, after: { health: after.figures, window: `${after.from}/${after.to}` } };
  const findings = [`before: ${describeReading(job.before)}`, `after: ${describeReading(after)}`];
  const decide = (rest: Pick<Decision, 'outcome' | 'reason'> & Partial<Decision>): Decision => decisionOf(job, runtime, clock, { ...figures, findings, ...rest });
  // The value put back comes from the state table: it is checked against the configuration like any input (decision 62),
  // and a change isApplied accepts but the resource does not run yet is not reverted from (notInEffect).
  const refused = worse !== undefined ? (playbook.notInEffect?.(observation, change) ?? health.refuseRevert?.(revert, runtime)) : undefined;
  // Intent before the revert (the pipeline's protocol): a retry after a crash from here on finishes this revert instead
  // of judging again. It is written with the kill switch's read (one round trip), wherever a revert can still follow:
  // not under dry run, not for a refused value, not when an earlier attempt's intent is being finished. Should the kill
  // switch or the DR region hold the revert, the claim completes with that outcome over it.
  const intending = worse !== undefined && !previous && !runtime.dryRun && refused === undefined;
  const [killSwitchRead, intentWritten, servingRead] =
    worse === undefined
      ? []
      : await Promise.allSettled([
          services.killSwitch.read(),
          intending ? claim.recordIntent({ kind: 'revert', worse, after }) : Promise.resolve(),
          runtime.regionRole === 'dr' ? servingOf(deps, job) : Promise.resolve(undefined),
        ]);
  // Never rejected (servingOf fails closed); undefined in a primary region.
  const serving = servingRead?.status === 'fulfilled' ? servingRead.value : undefined;
  const killSwitch = worse !== undefined && killSwitchRead ? settledValue(killSwitchRead) : undefined;
  const held = runtime.dryRun
    ? 'DRY_RUN is set'
    : killSwitch?.engaged
      ? `kill switch: ${killSwitch.reason}`
      : refused !== undefined
        ? `the recorded value is refused: ${refused}`
        : runtime.regionRole === 'dr' && worse !== undefined && serving?.serving !== true
          ? `${runtime.region} is the DR region of ${runtime.environment} and ${serving?.reason ?? 'not serving: whether it serves was not read'}`
          : undefined;
  const verdict = decideHealthVerdict({ worse, stillApplied, unreadable, ...(held ? { held } : {}) });
  if (verdict.kind !== 'revert' && intentWritten?.status === 'rejected') {
    // Written ahead for a revert that is not made: its failure changes nothing (the completion is owner-conditioned too).
    deps.logger.warn('the revert intent written ahead was not recorded; nothing is reverted, so it is not needed', { error: intentWritten.reason as unknown });
  }

  switch (verdict.kind) {
    case 'not-in-place':
      // Decided above, before the signal was used; kept so the verdict's every kind has its words here.
      return notInPlace(deps, playbook, job, observation, about, before);
    case 'unreadable':
      return decide({
        outcome: 'escalate',
        reason: `${about}: could not be judged, no datapoints after the change for ${verdict.figures.join(', ')} in account ${job.alarm.account}; missing data is not "healthy": nothing reverted, a person looks`,
        escalation: { cause: 'unverifiable' },
      });
    case 'healthy':
      return decide({ outcome: 'skipped', reason: `${about}: change still in place, verified healthy, nothing worse after ${policy.verifyWindowMinutes} min` });
    case 'held':
      return decide({
        outcome: 'escalate',
        reason: `${about}: made things worse (${verdict.worse}); not reverted: ${verdict.why}`,
        escalation: { cause: 'made-worse' },
      });
    case 'revert': {
      // The intent is on the claim before the revert is sent: written with the kill switch's read above (its failure is
      // thrown here, nothing reverted), or by the earlier attempt being finished. A revert verdict implies `intending`;
      // the write below only keeps that true should the conditions above ever part.
      if (!previous) {
        if (intending && intentWritten) settledValue(intentWritten);
        else await claim.recordIntent({ kind: 'revert', worse: verdict.worse, after });
      }
      // The row's own apply and verify, on the inverse change: RevisionId, settle waits and "not overriding a deploy" hold.
      // apply may start from the observation read above (a row conditioned on a revision: a change since still fails it).
      await playbook.apply(ctx, target, revert, observation);
      return revertedDecision(deps, job, about, verdict.worse, figures, after, await playbook.verify(ctx, target, revert));
    }
  }
}

/** The change made things worse and was reverted: the recorded value is back, escalated with the figures. */
function revertedDecision(
  deps: VerifyChangeDeps,
  job: HealthCheckJob,
  about: string,
  worse: string,
  figures: { before: Record<string, unknown>; after: Record<string, unknown> },
  after: HealthReading,
  state: Record<string, unknown>,
  note = '',
): Decision {
  return decisionOf(job, deps.runtime, deps.clock, {
    ...figures,
    findings: [`before: ${describeReading(job.before)}`, `after: ${describeReading(after)}`],
    outcome: 'escalate',
    reason: `${about}: made things worse (${worse}); reverted to the recorded value: ${describeState(state)}${note}`,
    escalation: { cause: 'made-worse' },
    after: { ...figures.after, reverted: state },
  });
}

/** How many of the resource's newest audit entries are read to find who changed it since (one Query page). */
const SINCE_ENTRIES = 25;

/** The resource's newest audit entries, or why they could not be read (never thrown: only who, never whether). */
async function trailOf(deps: VerifyChangeDeps, job: HealthCheckJob): Promise<AuditEntry[] | { unread: string }> {
  return deps.services.store.history(job.target.resource.arn, SINCE_ENTRIES).catch((error: unknown) => ({ unread: errorName(error) }));
}

/**
 * The change is no longer in place: nothing to verify, nothing reverted (not even someone else's value). Says what the
 * setting reads now and who changed it, as far as the automation's own audit trail of the resource knows.
 */
async function notInPlace(
  deps: VerifyChangeDeps,
  playbook: VerifiablePlaybook,
  job: HealthCheckJob,
  observation: unknown,
  about: string,
  before: Record<string, unknown>,
): Promise<Decision> {
  const setting = playbook.settingNow?.(observation, job.change) ?? { reads: `a value other than the change made (${job.summary})`, atBefore: false };
  // Only who, never whether: a failure to read the trail is said in the reason, the verdict stands on the observation.
  const trail = await trailOf(deps, job);
  const since = 'unread' in trail ? trail : changeRecordedSince(trail, job);
  return decisionOf(job, deps.runtime, deps.clock, {
    outcome: 'skipped',
    reason: notInPlaceReason(about, setting, since),
    before,
    findings: [`before: ${describeReading(job.before)}`, `now: ${setting.reads}`],
  });
}

/** The DR region's serving signal where the change was made (the recorded alarm's account); fails closed, never rejected. */
async function servingOf(deps: VerifyChangeDeps, job: HealthCheckJob): Promise<RegionServing> {
  const source = deps.services.regionServing ?? deps.servingIn?.(job.alarm.account, job.incidentKey);
  if (!source) return { serving: false, reason: 'not serving: this handler has no reader of whether its region serves' };
  try {
    return await source.read(job.alarm.account);
  } catch (error) {
    return { serving: false, reason: `not serving: whether this region serves could not be read (${errorName(error)})` };
  }
}
