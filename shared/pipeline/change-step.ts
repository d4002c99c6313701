// The pipeline's change step: a planned change guarded, recorded, reserved, applied, read back and its health check
// scheduled; and a retry finishing a change an earlier attempt applied. Only a playbook whose plan can be a change runs
// it: whoever runs one gives it to the pipeline (the changing rows' handlers through createAlarmHandler's `changes`, the
// CLI, tests), so a handler whose playbook only diagnoses does not bundle it (decision 352).
import { classifyAwsError, errorName } from '../aws/classify-error';
import type { SdkClientConfig } from '../aws/client-config';
import { lazy } from '../aws/lazy-client';
import { PermanentError, TransientError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import { unjudgedReason, type CurrentAlarmState } from '../aws/alarm-state-reader';
import { evaluateGuardrails, nextResourceState } from '../guard/evaluate-guardrails';
import type { KillSwitchState } from '../guard/kill-switch';
import type { RegionServing } from '../guard/region-serving';
import { metricWindow } from '../playbooks/metric-window';
import { settle, settledValue, settledValues } from '../settled';
import type { ResourceState } from '../state/incident-store';
import type { HeldClaim } from './incident-protocol';
import type { Intent, PipelineDeps, PipelineServices } from './run-playbook';
import type { Decision, HealthReading, Plan, PlaybookContext, ResourceRef } from './types';
import type { VerifyChangeInput } from './verify-change-plan';
import { oneTimeScheduleModule, VerifyScheduler, type HealthCheckScheduler } from './verify-scheduler';

type Decide = (rest: Pick<Decision, 'outcome' | 'reason'> & Partial<Decision>) => Decision;

/** What decideAndAct (run-playbook.ts) hands the change step: its reads, settled, and the plan it made. */
export interface PlannedChange<Clients, Target extends { resource: ResourceRef }, Change> {
  ctx: PlaybookContext<Clients>;
  event: AlarmStateChange;
  /** The target as its addressing reads completed it: for the change and its read-back. */
  target: Target;
  /** The target as resolved from the bound event: what the intent records. */
  recorded: Target;
  alarm: CurrentAlarmState | undefined;
  claim: HeldClaim<Intent<Change>> | undefined;
  plan: Extract<Plan<Change>, { kind: 'change' }>;
  resourceState: ResourceState | undefined;
  plannedFrom: ResourceState | undefined;
  killSwitchRead: PromiseSettledResult<KillSwitchState>;
  servingRead: PromiseSettledResult<RegionServing | undefined>;
  decide: Decide;
}

/** A planned change, from the guardrails to the decision (a preview, claim undefined, stops before anything is written). */
async function applyPlannedChange<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  { ctx, event, target, recorded, alarm, claim, plan, resourceState, plannedFrom, killSwitchRead, servingRead, decide }: PlannedChange<Clients, Target, Change>,
): Promise<Decision> {
  const { playbook, runtime, clock, services } = deps;
  // A change, on an alarm in the event's state but with no answer to when it got there: it could be made for a state
  // change a newer one superseded, and skipping would be silent. Not made; a person is told why (decision 144), under a
  // cause of its own whose next step is the alarm's history, not a re-run (decision 167). A plan
  // that changes nothing (a diagnosis, an escalation, a skip) went out above as it was.
  const unjudged = unjudgedReason(event.alarmName, event.state, alarm);
  if (unjudged) return decide({ outcome: 'escalate', reason: `${unjudged} (planned: ${plan.summary})`, escalation: { cause: 'alarm-time-unknown' } });

  const planned = { before: plan.before, after: plan.after, blastRadius: plan.blastRadius };
  const manual = plan.runbook ? { runbook: plan.runbook } : {};
  const nowSeconds = Math.floor(clock.now().getTime() / 1000);
  const verdict = evaluateGuardrails({
    direction: plan.direction,
    row: playbook.row,
    runtime,
    resourceState,
    nowSeconds,
    killSwitch: settledValue(killSwitchRead),
    // The key this decision is claimed under: the state change's, or a document run's own (decision 379).
    incidentKey: claim?.incidentKey ?? event.incidentKey,
    ...(servingRead.status === 'fulfilled' && servingRead.value ? { regionServing: servingRead.value } : {}),
  });
  // What the plan noted, and in a DR region that serves, what said so go with the decision (a change there is the
  // failover's consequence).
  const servingFindings = runtime.regionRole === 'dr' && servingRead.status === 'fulfilled' && servingRead.value?.serving ? [`${runtime.region} (DR region) ${servingRead.value.reason}`] : [];
  const notedFindings = [...(plan.findings ?? []), ...servingFindings];
  const serving = notedFindings.length > 0 ? { findings: notedFindings } : {};
  if (verdict.action === 'retry') {
    // The kill switch could not be read (decision 173). Thrown before the intent and the reservation are written, so
    // nothing is changed or spent; runUnderClaim gives the incident's claim back and Lambda retries the event, which
    // decides once the switch answers. A preview says what a real run would do.
    if (claim === undefined) return decide({ outcome: 'dry-run', reason: `${plan.summary} — preview: ${verdict.reason}`, ...planned, ...serving, dryRun: true });
    throw new TransientError(`${playbook.name}: ${verdict.reason} (planned: ${plan.summary})`);
  }
  if (verdict.action === 'dry-run') {
    // The kill switch is a person's stop, not a configured dry run: the change the alarm calls for is not made, so a
    // person is told now (escalate opens the incident at once instead of watching; decision 379).
    const stopped = verdict.killSwitch ? { escalation: { cause: 'guardrail' as const, guardrail: 'kill-switch' } } : {};
    return decide({ outcome: 'dry-run', reason: `${plan.summary} — ${verdict.reason}`, ...planned, ...manual, ...serving, ...stopped, dryRun: true });
  }
  if (verdict.action === 'block') {
    return decide({
      outcome: 'escalate',
      reason: `${plan.summary} — blocked: ${verdict.reason}${plan.runbook ? ` (${plan.runbook.documentName})` : ''}`,
      // Approval is not a fault: the change is wanted, a person runs the document that makes it.
      escalation: { cause: verdict.guardrail === 'approval-required' ? 'approval-required' : 'guardrail', guardrail: verdict.guardrail },
      ...planned,
      ...manual,
      ...serving,
    });
  }

  if (claim === undefined) {
    return decide({ outcome: 'dry-run', reason: `${plan.summary} — preview: the automation would apply this now`, ...planned, ...serving, dryRun: true });
  }
  const intent: Intent<Change> = { change: plan.change, direction: plan.direction, summary: plan.summary, ...planned, target: recorded, alarm: alarmOf(event) };
  // Intent and reservation are independent conditional writes, both made before the change: either failing throws
  // and nothing is applied. An intent without its reservation, or a reservation without its intent, is what a crash
  // between the two always left; the retry re-plans, and a reservation this incident made does not hold it back.
  // The health signal's reading before the change goes with them (it is read now, settled after the change).
  const healthBefore = settle(readHealthBefore(deps, ctx, target, intent));
  settledValues(
    await Promise.allSettled([
      claim.recordIntent(intent),
      services.store.reserveChange(target.resource.arn, resourceState?.version, nextResourceState(resourceState, plan, nowSeconds, claim.incidentKey)),
    ]),
  );
  try {
    await playbook.apply(ctx, target, plan.change);
  } catch (error) {
    // A permanent failure leaves the resource as it was (apply undoes its own earlier steps): give the reservation
    // back, so no cooldown, budget or baseline is spent on a change that did not happen. What apply learned meanwhile
    // (ctx.remember) is kept; a reservation someone else has since replaced is left alone.
    if (classifyAwsError(error, `${playbook.name} apply`) instanceof PermanentError) {
      await giveBackReservation(services.store, target.resource.arn, plannedFrom, claim.incidentKey).catch((giveBackError: unknown) => {
        deps.logger.error('could not give back the reservation of a change that failed', { error: giveBackError });
      });
    }
    throw error;
  }
  const alarmToChangeMs = Math.max(0, clock.now().getTime() - Date.parse(event.state.timestamp));
  // The read-back and the health check at once. A health check scheduled for a change whose read-back then fails is
  // refused when it fires: verify-change acts only on a claim completed as applied (verify-change-plan.ts).
  const [verified, healthChecked] = await Promise.allSettled([playbook.verify(ctx, target, plan.change), withHealthCheck(deps, ctx, claim, target, intent, healthBefore)]);
  const after = settledValue(verified);
  const checked = settledValue(healthChecked);
  if ('failed' in checked) return decide({ ...planned, after, alarmToChangeMs, ...serving, ...checked.failed });
  return decide({ outcome: 'applied', reason: plan.summary, ...planned, after, alarmToChangeMs, ...serving, ...checked });
}

/** A retry after a crash between apply and record: the change is already there (Playbook.isApplied); its recording is finished. */
async function finishAppliedChange<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  { ctx, event, target, recorded, claim, previousIntent, decide }: Pick<PlannedChange<Clients, Target, Change>, 'ctx' | 'event' | 'target' | 'recorded' | 'claim' | 'decide'> & { previousIntent: Intent<Change> },
): Promise<Decision> {
  const after = await deps.playbook.verify(ctx, target, previousIntent.change);
  const applied = { before: previousIntent.before, after, blastRadius: previousIntent.blastRadius };
  // The attempt that applied it may have died before scheduling its health check: scheduling again is a no-op.
  const checked = await withHealthCheck(deps, ctx, claim, target, { ...previousIntent, target: recorded, alarm: alarmOf(event) });
  if ('failed' in checked) return decide({ ...applied, ...checked.failed });
  return decide({ outcome: 'applied', reason: `${previousIntent.summary} (applied by an earlier attempt, recorded on retry)`, ...applied, ...checked });
}

/**
 * The health check's scheduler, for a playbook with a health signal (buildPipeline): Scheduler and its commands load on
 * the first change (a chunk of their own), not at init.
 */
function healthCheckScheduler(config: SdkClientConfig, env: Record<string, string | undefined>, region: string): HealthCheckScheduler {
  return new VerifyScheduler(lazy(async () => (await oneTimeScheduleModule()).schedulerClient(config)), env, region);
}

/** The change step, as the pipeline takes it (PipelineDeps.changes, createAlarmHandler's `changes`). */
export const changeStep = { applyPlannedChange, finishAppliedChange, healthCheckScheduler };
export type ChangeStep = typeof changeStep;

/**
 * After an applied change (not a restore), for a row with a health signal: reads the signal over the window before the change and
 * schedules verify-change one window later (a Lambda cannot wait that long). A transient failure is thrown (the retry
 * finds the change applied and schedules again); any other failure escalates: a change nobody watches is not left silent.
 */
async function withHealthCheck<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  ctx: PlaybookContext<Clients>,
  claim: HeldClaim<Intent<Change>> | undefined,
  target: Target,
  intent: Intent<Change>,
  /** The reading taken just before the change was applied; without it (a retry finishing a change) it is read now. */
  readBefore?: Promise<PromiseSettledResult<HealthReading | undefined>>,
): Promise<Pick<Decision, 'healthCheck'> | { failed: Pick<Decision, 'outcome' | 'reason' | 'escalation'> }> {
  const { playbook, services, runtime, clock } = deps;
  const { summary } = intent;
  // A restore puts back the recorded baseline, the state the resource was healthy in: it is not second-guessed.
  if (!playbook.health || !services.verifier || !claim || intent.direction === 'restore') return {};
  try {
    const windowMinutes = runtime.env.verifyChange.verifyWindowMinutes;
    // A retry finishing a change whose earlier attempt recorded its health check keeps that attempt's time and reading
    // (review 19 R19-11, decision 314): its intent and its verify-sweep entry are rewritten with the times already there,
    // so the sweep (decision 304), reading the two apart, never finds one attempt's time beside another's. The reading
    // kept is also the one taken before the change; a retry could only read the signal after it.
    const recorded = intent.healthCheck && !Number.isNaN(Date.parse(intent.healthCheck.changedAt)) ? intent.healthCheck : undefined;
    const before = recorded?.before ?? settledValue(await (readBefore ?? settle(readHealthBefore(deps, ctx, target, intent))));
    if (!before) return {};
    const now = clock.now();
    const changedAt = recorded ? new Date(recorded.changedAt) : now;
    const dueAt = new Date(changedAt.getTime() + windowMinutes * 60_000);
    // The health check judges and reverts what is recorded here, on the claim; its schedule carries only the key, so
    // the two are made at once: a schedule that fires finds the record, or (a failed write, retried) refuses. The check
    // is listed for the verify sweep with them (decision 293): a schedule Scheduler drops is done by the sweep. A retry
    // past the recorded due time schedules it a minute on (the check then judges from the record's time, late).
    const scheduleAt = dueAt.getTime() > now.getTime() ? dueAt : new Date(now.getTime() + 60_000);
    const input: VerifyChangeInput = { action: 'verify-change', playbook: playbook.name, incidentKey: claim.incidentKey };
    const [, scheduled] = settledValues(
      await Promise.allSettled([
        claim.recordIntent({ ...intent, healthCheck: { changedAt: changedAt.toISOString(), before } }),
        services.verifier.schedule(input, scheduleAt, { account: intent.alarm.account, about: `${playbook.name}'s change on ${target.resource.id}` }),
        services.store.recordVerifyDue(playbook.name, claim.incidentKey, dueAt, now),
      ]),
    );
    return { healthCheck: { schedule: scheduled.name, dueAt: dueAt.toISOString(), windowMinutes, signal: playbook.health.signal, before } };
  } catch (error) {
    const classified = classifyAwsError(error, `${playbook.name} health check`);
    if (classified instanceof TransientError) throw classified;
    return {
      failed: {
        outcome: 'escalate',
        reason: `${summary} — applied, but its health check could not be scheduled: ${classified.message}`,
        escalation: { cause: 'failure', error: { name: errorName((classified as { cause?: unknown }).cause ?? classified), message: classified.message } },
      },
    };
  }
}

/** The health signal over the window before the change; undefined where no health check follows (no signal, a restore, a preview). */
async function readHealthBefore<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  ctx: PlaybookContext<Clients>,
  target: Target,
  intent: Intent<Change>,
): Promise<HealthReading | undefined> {
  const { playbook, services, runtime, clock } = deps;
  if (!playbook.health || !services.verifier || intent.direction === 'restore') return undefined;
  return playbook.health.read(ctx, target, intent.change, metricWindow(clock.now(), runtime.env.verifyChange.verifyWindowMinutes));
}

function alarmOf(event: AlarmStateChange): Intent<unknown>['alarm'] {
  return { account: event.account, region: event.region, name: event.alarmName, arn: event.alarmArn, state: event.state.value, time: event.state.timestamp };
}

async function giveBackReservation(
  store: PipelineServices['store'],
  resourceArn: string,
  before: ResourceState | undefined,
  incidentKey: string,
): Promise<void> {
  const now = await store.getResourceState(resourceArn);
  if (!now || now.lastIncidentKey !== incidentKey) return;
  const { version: _version, ...previous } = before ?? { version: 0, changeTimesSeconds: [] };
  await store.reserveChange(resourceArn, now.version, { ...previous, ...(now.learned ? { learned: now.learned } : {}) });
}
