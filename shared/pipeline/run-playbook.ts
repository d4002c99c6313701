// The playbook pipeline: parse -> re-read alarm (bind the event's metrics) -> claim -> observe -> plan -> guard -> apply -> verify -> record -> report.
import type { Logger } from '@aws-lambda-powertools/logger';
import { errorName } from '../aws/classify-error';
import { staleReason, unjudgedReason, type AlarmStateReader, type CurrentAlarmState } from '../aws/alarm-state-reader';
import type { Clock } from '../clock';
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError } from '../errors';
import { parseAlarmEvent, refuseForeignAccount, type AlarmStateChange } from '../events/alarm-event';
import { replayBeyondRecordsReason } from '../events/replay-age';
import { runbookRunKey } from '../events/run-key';
import { planningState } from '../guard/planning-state';
import type { KillSwitchState } from '../guard/kill-switch';
import type { RegionServing } from '../guard/region-serving';
import { mayDeferToStandby } from '../guard/standby-deferral-when';
import type { DecisionReporter } from '../report/decision-reporter';
import { isProjectRunbook } from '../report/project-runbook';
import type { IncidentStore } from '../state/incident-store';
import { claimKeyOf, parseChangeIntent } from '../state/state-records';
import { runUnderClaim, type HeldClaim } from './incident-protocol';
import { handlerTrustFacts, inDefinitionOrder, refuseUnwatchedAlarm, unboundMetrics, type UnboundMetrics } from './alarm-binding';
import { handledDuplicateReason, type Decision, type HealthReading, type ManualRunbook, type Plan, type Playbook, type PlaybookContext, type ResourceRef } from './types';
import { lazy } from '../aws/lazy-client';
import { settle, settledValue, settledValues } from '../settled';
import type { ChangeStep } from './change-step';
import type { HealthCheckScheduler } from './verify-scheduler';

export interface PipelineServices {
  store: Pick<IncidentStore, 'claim' | 'recordIntent' | 'complete' | 'release' | 'getResourceState' | 'reserveChange' | 'appendAudit' | 'recordVerifyDue'> &
    Partial<Pick<IncidentStore, 'remember'>>;
  reporter: Pick<DecisionReporter, 'log' | 'count' | 'publish'>;
  killSwitch: { read(): Promise<KillSwitchState> };
  alarms: Pick<AlarmStateReader, 'current'>;
  /** Schedules the health check after an applied change (playbooks with `health`); none: no check (tests, previews). */
  verifier?: HealthCheckScheduler;
  /**
   * A DR region's "this region serves now" (shared/guard/region-serving-reader.ts), read in the alarm's account with the
   * other reads. Unset in a DR region: not serving (the guard blocks). Not read in a primary region.
   */
  regionServing?: { read(account: string): Promise<RegionServing> };
}

export interface PipelineDeps<Clients, Target extends { resource: ResourceRef }, Observation, Change> {
  playbook: Playbook<Clients, Target, Observation, Change>;
  clients: Clients;
  services: PipelineServices;
  runtime: RuntimeConfig;
  clock: Clock;
  logger: Logger;
  /**
   * The alarms this handler acts on; default (every handler): those the configuration routes to the playbook in this
   * region (alarm-binding.ts). Given only where a test's playbook is no row of the configuration.
   */
  watchedAlarms?: ReadonlySet<string>;
  /**
   * The change step (change-step.ts): given by whoever runs a playbook that can plan a change (the changing rows'
   * handlers, the CLI, tests), so that a handler whose playbook only diagnoses does not bundle it (decision 352).
   */
  changes?: ChangeStep;
}

/** The DR standby deferral's comparison of the region's alarms (decision 158), loaded once on first use (decision 352). */
const standbyDeferralModule = lazy(() => import('../guard/standby-deferral'));

/** The change step given; a change planned without one is a wiring fault, thrown as such (nothing changed). */
function changeStepOf(deps: { playbook: { name: string }; changes?: ChangeStep }): ChangeStep {
  if (!deps.changes) throw new Error(`${deps.playbook.name} planned a change, but its pipeline was given no change step (createAlarmHandler's changes)`);
  return deps.changes;
}

/**
 * What the claim holder writes before applying, so a retry after a crash can finish instead of repeating. It is also
 * the record verify-change judges and reverts from (verify-change-plan.ts `healthCheckOfRecord`): the target and the
 * alarm, and, once the change is in place, the health check's starting point.
 */
export interface Intent<Change> {
  change: Change;
  direction: 'scale-up' | 'restore';
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  summary: string;
  blastRadius: string;
  target: { resource: ResourceRef };
  alarm: { account: string; region: string; name: string; arn: string; state: string; time: string };
  healthCheck?: { changedAt: string; before: HealthReading };
}

const MAX_LOGGED_EVENT_CHARS = 4000;

function describeRaw(raw: unknown): string {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  } catch {
    text = String(raw);
  }
  return text === undefined ? String(raw) : text.slice(0, MAX_LOGGED_EVENT_CHARS);
}

/** The first stage, shared by a real run and a preview: parse, then which events a playbook does not act on, then its target. */
type Admission<Target> =
  | { kind: 'rejected'; error: InvalidInputError }
  | { kind: 'skipped'; event: AlarmStateChange; reason: string; muted: boolean }
  | { kind: 'admitted'; event: AlarmStateChange; target: Target };

function admit<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: Pick<PipelineDeps<Clients, Target, Observation, Change>, 'playbook' | 'runtime' | 'watchedAlarms' | 'clock'>,
  raw: unknown,
  onParsed: (event: AlarmStateChange) => void = () => undefined,
): Admission<Target> {
  const { playbook, runtime } = deps;
  try {
    const event = parseAlarmEvent(raw);
    onParsed(event);
    refuseForeignAccount(event, runtime.workloadAccount);
    // The event's region, account and alarm name are the caller's words: bound here to this handler's region, the
    // deployment's account and the alarms routed to this playbook, so every key built from them (incident, resource
    // record, audit) is one the handler itself would build (decision 184).
    const facts = handlerTrustFacts(runtime, playbook.name);
    refuseUnwatchedAlarm(event, deps.watchedAlarms ? { ...facts, watchedAlarms: deps.watchedAlarms } : facts);
    // An archive's replay older than every claim is sure to be kept (decisions 274, 286): refused, nothing read.
    const replayTooOld = replayBeyondRecordsReason(event, deps.clock.now());
    if (replayTooOld !== undefined) throw new InvalidInputError(replayTooOld, [`replay-name: ${event.replayName ?? ''}`, `state.timestamp: ${event.state.timestamp}`]);
    if (event.muted) return { kind: 'skipped', event, reason: `alarm is muted: ${event.mutedReason ?? 'actions suppressed'}`, muted: true };
    if (!playbook.actsOn.includes(event.state.value)) {
      return { kind: 'skipped', event, reason: `${playbook.name} does not act on state ${event.state.value}`, muted: false };
    }
    const ignored = playbook.ignores?.(event, runtime);
    if (ignored !== undefined) return { kind: 'skipped', event, reason: ignored, muted: false };
    return { kind: 'admitted', event, target: playbook.resolveTarget(event, runtime) };
  } catch (error) {
    if (error instanceof InvalidInputError) return { kind: 'rejected', error };
    throw error;
  }
}

const rejectionFields = (error: InvalidInputError): Pick<Decision, 'reason' | 'findings'> => ({
  reason: error.message,
  ...(error.details.length ? { findings: [...error.details] } : {}),
});

export async function runPlaybook<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  raw: unknown,
): Promise<Decision> {
  const { playbook, runtime, clock, logger, services } = deps;
  const base = {
    playbook: playbook.name,
    environment: runtime.environment,
    region: runtime.region,
    dryRun: runtime.dryRun,
  };
  const decide = (fields: Omit<Decision, keyof typeof base | 'decidedAt'> & Partial<Decision>): Decision => ({
    ...base,
    ...fields,
    decidedAt: clock.now().toISOString(),
  });

  // parse: bad input is rejected here, before any AWS call.
  const admission = admit(deps, raw, (parsed) =>
    logger.appendKeys({ alarmName: parsed.alarmName, incidentId: parsed.incidentKey, account: parsed.account, region: parsed.region, ...(parsed.replayName !== undefined ? { replayName: parsed.replayName } : {}) }),
  );
  if (admission.kind === 'rejected') {
    const decision = decide({ outcome: 'rejected', ...rejectionFields(admission.error) });
    logger.warn('event rejected', { reason: admission.error.message, details: admission.error.details, event: describeRaw(raw) });
    services.reporter.count(decision);
    return decision;
  }
  if (admission.kind === 'skipped') {
    const decision = decide({ ...eventFields(admission.event), outcome: 'skipped', reason: admission.reason });
    // A muted alarm is a decision worth recording; a state the playbook ignores is logged and counted only.
    if (admission.muted) await report(deps, decision, undefined);
    else reportLocally(deps, decision);
    return decision;
  }
  const { event: claimed, target: claimedTarget } = admission;

  // The alarm re-read, before the claim: the target came from the event's metrics, which are bound here to the alarm's
  // own definition in the same DescribeAlarms answer. An event that names another metric is refused before anything is
  // claimed, observed or changed, so it can neither act nor hold the genuine delivery's claim (decision 194).
  const alarmRead = await settle(services.alarms.current(claimed.alarmName));
  const unbound = unboundOf(claimed, alarmRead);
  if (unbound) {
    const decision = decide({ ...eventFields(claimed), resource: claimedTarget.resource, outcome: 'rejected', reason: unbound.reason, findings: unbound.details });
    logger.warn('event rejected', { reason: unbound.reason, details: unbound.details, event: describeRaw(raw) });
    services.reporter.count(decision);
    return decision;
  }
  // Bound: from here on the series are in the alarm's order, and the target is resolved from that order (R13-3).
  const bound = boundToDefinition(deps, claimed, claimedTarget, alarmRead);
  if ('rejected' in bound) {
    const decision = decide({ ...eventFields(claimed), outcome: 'rejected', ...rejectionFields(bound.rejected) });
    logger.warn('event rejected', { reason: bound.rejected.message, details: bound.rejected.details, event: describeRaw(raw) });
    services.reporter.count(decision);
    return decision;
  }
  const { event, target } = bound;
  const eventBase = { ...eventFields(event), resource: target.resource };
  // The reads that only address the bound target go with the claim (decision 216); the observation waits for the claim.
  const addressed = addressTarget(deps, target);
  // A document run (event.runbookExecution) is a person's explicit request: where the automation already decided this
  // state change (its claim completed), the run is decided afresh on the current state under a claim of its own, one per
  // execution; every other delivery is exactly-once per state change as before (decision 379).
  let decidedBefore = false;
  const underClaim = (runKey: string): Promise<Decision> =>
    runUnderClaim<Intent<Change>, Decision>({ store: services.store, clock, logger }, playbook.name, runKey, {
      what: 'incident claim',
      label: playbook.name,
      duplicate: (existing) => {
        if (runKey === event.incidentKey && event.runbookExecution !== undefined && existing?.status === 'COMPLETED') decidedBefore = true;
        // The next step the first delivery named, as it recorded it (checked: one of the project's runbooks, plain
        // parameters), so a runbook that re-runs the inspection on the same state change still learns the rule it named.
        const recorded = existing?.status === 'COMPLETED' ? existing.runbook : undefined;
        const runbook = recorded !== undefined && isProjectRunbook(recorded as ManualRunbook, runtime.config.troubleshooting) ? (recorded as ManualRunbook) : undefined;
        const decision = decide({
          ...eventBase,
          outcome: 'skipped',
          reason:
            existing?.status === 'COMPLETED'
              ? handledDuplicateReason(existing.outcome ?? 'done')
              : 'duplicate delivery: incident already being handled by another invocation',
          ...(runbook ? { runbook } : {}),
        });
        // The first delivery reports the incident; duplicates are logged and counted only (a run decided afresh is
        // reported by that run).
        if (!decidedBefore) reportLocally(deps, decision);
        return decision;
      },
      act: async (claim) => {
        // What the attempt before recorded it was about to do comes back from the state table: parsed before it is
        // finished; a forged or corrupted one throws and the incident escalates instead (decision 118).
        if (claim.previousIntent !== undefined) parseChangeIntent(claimKeyOf(playbook.name, runKey), claim.previousIntent);
        return decideAndAct(deps, event, target, alarmRead, claim, claim.previousIntent, await addressed);
      },
      failed: (classified) =>
        decide({
          ...eventBase,
          outcome: 'escalate',
          reason: `remediation failed: ${classified.message}`,
          escalation: { cause: 'failure', error: { name: errorName((classified as { cause?: unknown }).cause ?? classified), message: classified.message } },
        }),
      record: (decision) => report(deps, decision, event, runKey),
      outcome: (decision) => ({ outcome: decision.outcome, reason: decision.reason, ...(decision.runbook ? { runbook: decision.runbook } : {}) }),
    });
  try {
    const decision = await underClaim(event.incidentKey);
    return decidedBefore && event.runbookExecution !== undefined ? await underClaim(runbookRunKey(event.incidentKey, event.runbookExecution)) : decision;
  } finally {
    // A delivery that lost the claim (or failed to take it) returns once its addressing reads have answered: no read
    // outlives the invocation.
    await addressed;
  }
}

/**
 * The playbook's addressing reads (Playbook.address), never rejected: a failure gives the target as resolved, and
 * observe makes the read itself, where a failure is thrown as before.
 */
async function addressTarget<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  target: Target,
): Promise<Target> {
  const { playbook, clients, clock, runtime } = deps;
  if (!playbook.address) return target;
  try {
    return await playbook.address({ clients, clock, runtime }, target);
  } catch {
    return target;
  }
}

/**
 * What the playbook would do with this event now, without claiming, changing, recording or reporting anything:
 * the same parse, re-read, observe, plan and guard as a real run (`runbook plan`).
 */
export async function previewPlaybook<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  raw: unknown,
): Promise<Decision> {
  const { playbook, runtime, clock } = deps;
  const base = { playbook: playbook.name, environment: runtime.environment, region: runtime.region, dryRun: true };
  const admission = admit(deps, raw);
  if (admission.kind === 'rejected') return { ...base, outcome: 'rejected', ...rejectionFields(admission.error), decidedAt: clock.now().toISOString() };
  if (admission.kind === 'skipped') {
    return { ...base, ...eventFields(admission.event), outcome: 'skipped', reason: admission.reason, decidedAt: clock.now().toISOString() };
  }
  const { event: claimed, target: claimedTarget } = admission;
  const alarmRead = await settle(deps.services.alarms.current(claimed.alarmName));
  const unbound = unboundOf(claimed, alarmRead);
  if (unbound) {
    return { ...base, ...eventFields(claimed), resource: claimedTarget.resource, outcome: 'rejected', reason: unbound.reason, findings: unbound.details, decidedAt: clock.now().toISOString() };
  }
  const bound = boundToDefinition(deps, claimed, claimedTarget, alarmRead);
  if ('rejected' in bound) return { ...base, ...eventFields(claimed), outcome: 'rejected', ...rejectionFields(bound.rejected), decidedAt: clock.now().toISOString() };
  return decideAndAct(deps, bound.event, bound.target, alarmRead, undefined, undefined);
}

/**
 * A bound event with its series in the alarm's own order (DescribeAlarms' Metrics) and the target resolved from them:
 * the binding compares a metric-math alarm's series as a set, and the target is named by one of them in list order
 * (primaryMetric), so the caller's order must not choose it (review 13, R13-3). Unchanged when the order already is the
 * alarm's (every genuine event as AWS writes it; a single metric; a composite).
 */
function boundToDefinition<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: Pick<PipelineDeps<Clients, Target, Observation, Change>, 'playbook' | 'runtime'>,
  claimed: AlarmStateChange,
  claimedTarget: Target,
  alarmRead: PromiseSettledResult<CurrentAlarmState | undefined>,
): { event: AlarmStateChange; target: Target } | { rejected: InvalidInputError } {
  const event = inDefinitionOrder(claimed, alarmRead.status === 'fulfilled' ? alarmRead.value?.definition : undefined);
  if (event === claimed) return { event, target: claimedTarget };
  try {
    return { event, target: deps.playbook.resolveTarget(event, deps.runtime) };
  } catch (error) {
    // The same refusal admission gives an event whose series name no target, in the order that names it.
    if (error instanceof InvalidInputError) return { rejected: error };
    throw error;
  }
}

function eventFields(event: AlarmStateChange): Pick<Decision, 'incidentKey' | 'alarmName' | 'alarmArn' | 'alarmState' | 'alarmTime' | 'account'> {
  return {
    incidentKey: event.incidentKey,
    alarmName: event.alarmName,
    alarmArn: event.alarmArn,
    alarmState: event.state.value,
    alarmTime: event.state.timestamp,
    account: event.account,
  };
}

async function decideAndAct<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  deps: PipelineDeps<Clients, Target, Observation, Change>,
  event: AlarmStateChange,
  target: Target,
  /** The alarm re-read (DescribeAlarms), made before the claim and already bound to the event's metrics. */
  alarmAnswer: PromiseSettledResult<CurrentAlarmState | undefined>,
  /** The claim held; undefined for a preview, which stops before anything is written or changed. */
  claim: HeldClaim<Intent<Change>> | undefined,
  previousIntent: Intent<Change> | undefined,
  /**
   * The target as its addressing reads completed it (Playbook.address), for the reads, the change and its read-back.
   * What is recorded (the intent verify-change judges from) is `target`, as resolved from the bound event: an address
   * answered by AWS is asked again, never taken back from the state table.
   */
  addressed: Target = target,
): Promise<Decision> {
  const { playbook, runtime, clock, services } = deps;
  const recorded = target;
  target = addressed;
  // The alarm re-read was made before the claim (runPlaybook); its answer is decided on with the other independent
  // reads (below), a failure thrown in its place. Nothing is written before it says the incident is current: learned
  // facts wait for it.
  const alarmRead = alarmAnswer.status === 'fulfilled' ? Promise.resolve(alarmAnswer.value) : Promise.reject(alarmAnswer.reason);
  const current = alarmRead.then(
    (alarm) => !staleReason(event.state, alarm) && !unjudgedReason(event.alarmName, event.state, alarm),
    () => false,
  );
  // A preview records nothing, learned facts included.
  const remember = claim !== undefined ? services.store.remember?.bind(services.store) : undefined;
  const ctx: PlaybookContext<Clients> = {
    clients: deps.clients,
    clock,
    runtime,
    ...(remember
      ? {
          remember: async (facts: Record<string, unknown>) => {
            if (await current) await remember(target.resource.arn, facts);
          },
        }
      : {}),
    recall: async (resourceArn: string) => (await services.store.getResourceState(resourceArn))?.learned,
  };
  const fields = { ...eventFields(event), resource: target.resource };
  const decide = (rest: Pick<Decision, 'outcome' | 'reason'> & Partial<Decision>): Decision => ({
    playbook: playbook.name,
    environment: runtime.environment,
    region: runtime.region,
    dryRun: runtime.dryRun,
    ...fields,
    ...rest,
    decidedAt: clock.now().toISOString(),
  });

  // Independent reads at once (one round trip instead of three): the playbook's observation, the resource's state and
  // the kill switch, with the alarm's answer read before the claim. All settle before anything is decided, so no read is
  // left running; a stale alarm skips whatever the others found, and a failure is thrown in the order the reads were
  // once made (the alarm's first).
  // A DR region also reads whether it serves now (decision 123): with the others, never thrown (fails closed).
  const [alarmNow, observed, stateRead, killSwitchRead, servingRead] = await Promise.allSettled([
    alarmRead,
    playbook.observe(ctx, target, event),
    services.store.getResourceState(target.resource.arn),
    services.killSwitch.read(),
    runtime.regionRole === 'dr' ? readRegionServing(services, event.account) : Promise.resolve(undefined),
  ]);
  const alarm = settledValue(alarmNow);
  const stale = staleReason(event.state, alarm);
  if (stale) return decide({ outcome: 'skipped', reason: stale });

  const observation = settledValue(observed);

  // A retry after a crash between apply and record: the change is already there; finish recording it.
  if (previousIntent && playbook.isApplied(observation, previousIntent.change)) {
    return changeStepOf(deps).finishAppliedChange(deps, { ctx, event, target, recorded, claim, previousIntent, decide });
  }

  const resourceState = settledValue(stateRead);
  // A retry whose earlier attempt reserved the change plans from what that attempt planned from (decision 110).
  const plannedFrom = planningState(resourceState, claim?.incidentKey ?? event.incidentKey);
  const plan: Plan<Change> = playbook.plan({ event, target, observation, runtime, resourceState: plannedFrom });
  if (plan.kind === 'none') return decide({ outcome: 'skipped', reason: plan.reason, ...(plan.findings ? { findings: plan.findings } : {}) });
  // A DR region that does not serve: an alarm the standby watch also watches (the replicated queue's depth) is its to
  // report, so one backlog is one incident and one page (decision 158). Recorded and reported like any decision, with
  // what was planned; the escalation records it on the standby watch's incident.
  // Its module is loaded only where a deferral is possible (a DR region that does not serve, another row's ALARM).
  const serving = servingRead.status === 'fulfilled' ? servingRead.value : undefined;
  const deferral = mayDeferToStandby(runtime, event, playbook.row, serving)
    ? (await standbyDeferralModule()).standbyDeferral({ runtime, event, row: playbook.row, playbook: playbook.name, serving })
    : undefined;
  if (deferral) {
    return decide({
      outcome: 'skipped',
      reason: deferral.reason,
      deferredTo: { playbook: deferral.playbook, alarmName: deferral.alarmName },
      findings: [
        ...(plan.kind === 'change' ? [`planned, not applied: ${plan.summary}`] : [`planned, not escalated on its own: ${plan.reason} (${plan.cause})`, ...(plan.findings ?? [])]),
      ],
      ...(plan.kind === 'change' ? { before: plan.before, after: plan.after, blastRadius: plan.blastRadius } : {}),
    });
  }
  if (plan.kind === 'escalate') {
    return decide({
      outcome: 'escalate',
      reason: plan.reason,
      escalation: { cause: plan.cause },
      ...(plan.findings ? { findings: plan.findings } : {}),
      ...(plan.runbook ? { runbook: plan.runbook } : {}),
    });
  }

  return changeStepOf(deps).applyPlannedChange(deps, { ctx, event, target, recorded, alarm, claim, plan, resourceState, plannedFrom, killSwitchRead, servingRead, decide });
}

/** The DR region's serving signal, never rejected: no reader, or a reader that throws, is "not serving" (fails closed). */
async function readRegionServing(services: PipelineServices, account: string): Promise<RegionServing> {
  if (!services.regionServing) return { serving: false, reason: 'not serving: this handler has no reader of whether its region serves', unread: true };
  try {
    return await services.regionServing.read(account);
  } catch (error) {
    return { serving: false, reason: `not serving: whether this region serves could not be read (${errorName(error)})`, unread: true };
  }
}

/**
 * Why the event's metrics are not those of its alarm as re-read; none when the read failed (thrown later, under the
 * claim, as before) or found no alarm (staleReason says "no longer exists").
 */
function unboundOf(event: AlarmStateChange, alarmRead: PromiseSettledResult<CurrentAlarmState | undefined>): UnboundMetrics | undefined {
  return alarmRead.status === 'fulfilled' && alarmRead.value ? unboundMetrics(event, alarmRead.value.definition) : undefined;
}

/** Log and metrics only: for rejections and duplicates, which must not cost AWS calls. */
function reportLocally(deps: { services: PipelineServices }, decision: Decision): void {
  deps.services.reporter.log(decision);
  deps.services.reporter.count(decision);
}

/** Log, metrics, audit trail on the resource, and the decision event on the bus. */
async function report(
  deps: { services: PipelineServices; clock: Clock },
  decision: Decision,
  event: AlarmStateChange | undefined,
  /** The key the decision was claimed under (shared/events/run-key.ts): its audit entry's, so a document run keeps its own. */
  runKey: string | undefined = event?.incidentKey,
): Promise<void> {
  reportLocally(deps, decision);
  // Audit entry and decision event at once; the claim completes only after both (runUnderClaim), so a failure of
  // either is retried whole: the audit entry is overwritten, the event sent again (events were always at least once).
  settledValues(
    await Promise.allSettled([
      decision.resource && event
        ? deps.services.store.appendAudit(
            // Keyed by the state change, not the decision time: a retry overwrites its own entry instead of adding one.
            { resourceArn: decision.resource.arn, at: new Date(Date.parse(event.state.timestamp)).toISOString(), incidentKey: runKey ?? event.incidentKey, decision: { ...decision } },
            deps.clock.now(),
          )
        : Promise.resolve(),
      deps.services.reporter.publish(decision),
    ]),
  );
}
