// The contracts of the playbook pipeline: playbooks, plans, decisions.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SdkClientConfig } from '../aws/client-config';
import type { AlarmStateChange, AlarmStateValue } from '../events/alarm-event';
import type { Clock } from '../clock';
import type { RuntimeConfig } from '../config/load-config';
import type { RegionServing } from '../guard/region-serving';
import type { ResourceState } from '../state/incident-store';

/** What happened to one alarm event. `escalate` means a human must look: the escalation path takes it from here. */
export type Outcome = 'applied' | 'dry-run' | 'skipped' | 'escalate' | 'rejected';

/**
 * Why a decision needs a person, one code each. A const list, so tests and tables can walk every cause: a table typed
 * `Record<EscalationCause, ...>` (the message's label and next step) fails to compile when a cause is added here alone.
 */
export const ESCALATION_CAUSES = [
  'guardrail',
  'failure',
  'cap-reached',
  'consumer-failing',
  'approval-required',
  'diagnosis',
  'not-applicable',
  /** The function runs as a published version (alias): a configuration change reaches it only through a publish. */
  'publish-required',
  /** Another playbook's finding forbids this change now (scale-consumers while the database's connections are saturated). */
  'cross-playbook',
  /** The health check after an applied change found the row's signal worse: the change was reverted (shared/pipeline/verify-change.ts). */
  'made-worse',
  /** The health check could not read the signal after a change (no datapoints): nothing judged, a person looks. */
  'unverifiable',
  /**
   * The alarm is in the event's state but CloudWatch answered no state timestamp: whether this state change is still
   * the current one cannot be told, so the planned change was not made (decisions 144, 167).
   */
  'alarm-time-unknown',
  /**
   * The alarm is in ALARM, but the playbook's own reading does not bear it out (the queue not above the threshold, no
   * out-of-memory line nor count, CPU not over the threshold in CloudWatch's metric): the change was not made (review 11b
   * F3, decision 217). A bare SetAlarmState, or a condition that passed before it was read.
   */
  'not-corroborated',
  /**
   * A DR region's standby watch fired while that region serves since a failover (the serving signal, decision 123): the
   * watch no longer applies there. A notice to the first tier, never climbing (NOTICE_CAUSES, decision 189).
   */
  'region-serving',
] as const;
export type EscalationCause = (typeof ESCALATION_CAUSES)[number];

/**
 * The reason a delivery of a state change the automation already handled answers with (decision 21), naming what it
 * decided then: `runbook rehearse` / `exec` read it to tell a run of an escalated state change from a success (decision 167).
 */
export function handledDuplicateReason(outcome: string): string {
  return `duplicate delivery: incident already handled (${outcome})`;
}

/** The SSM Automation document a person runs to make a change the automation may not make itself, parameters filled in. */
export interface ManualRunbook {
  documentName: string;
  /** As StartAutomationExecution takes them. */
  parameters: Record<string, string[]>;
}

export interface ResourceRef {
  type: string;
  id: string;
  arn: string;
}

export interface Decision {
  playbook: string;
  outcome: Outcome;
  reason: string;
  environment: string;
  region: string;
  account?: string;
  incidentKey?: string;
  alarmName?: string;
  alarmArn?: string;
  alarmState?: AlarmStateValue;
  alarmTime?: string;
  resource?: ResourceRef;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  blastRadius?: string;
  findings?: string[];
  escalation?: { cause: EscalationCause; guardrail?: string; error?: { name: string; message: string } };
  /** The document that makes the planned change behind approval. */
  runbook?: ManualRunbook;
  dryRun: boolean;
  decidedAt: string;
  /** Alarm state change -> change applied, for "time from alarm to change". */
  alarmToChangeMs?: number;
  /**
   * A decision left to another playbook's incident (outcome skipped): in a DR region that does not serve, the standby
   * watch's alarm on the same metric (shared/guard/standby-deferral.ts); the escalation records it on that incident.
   */
  deferredTo?: { playbook: string; alarmName: string };
  /** An applied change's scheduled health check (shared/pipeline/verify-change.ts). */
  healthCheck?: { schedule: string; dueAt: string; windowMinutes: number; signal: string; before: HealthReading };
}

export type Plan<Change> =
  | {
      kind: 'change';
      direction: 'scale-up' | 'restore';
      change: Change;
      summary: string;
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      blastRadius: string;
      /** Recorded on the resource the first time it leaves its baseline, restored when the alarm clears. */
      baseline?: Record<string, unknown>;
      /** The resource is back at its baseline after this change. */
      clearsBaseline?: boolean;
      /** How a person makes this change where the automation may not (approval-required). */
      runbook?: ManualRunbook;
      /** What the plan noted beside the change (memory: the kind of out-of-memory line not confirmed), into the decision's findings. */
      findings?: string[];
    }
  | { kind: 'none'; reason: string; findings?: string[] }
  | { kind: 'escalate'; cause: EscalationCause; reason: string; findings?: string[]; runbook?: ManualRunbook };

export interface PlanInput<Target, Observation> {
  event: AlarmStateChange;
  target: Target;
  observation: Observation;
  runtime: RuntimeConfig;
  resourceState: ResourceState | undefined;
}

export interface PlaybookContext<Clients> {
  clients: Clients;
  clock: Clock;
  runtime: RuntimeConfig;
  /** Records facts learned about the target (e.g. an account's memory ceiling) on its resource state, for later plans. */
  remember?(facts: Record<string, unknown>): Promise<void>;
  /** Reads the facts recorded (remembered) on any resource, e.g. another playbook's reading of a database. */
  recall?(resourceArn: string): Promise<Record<string, unknown> | undefined>;
}

/** What a changed setting reads now (Playbook.settingNow); `atBefore`: it reads the change's `from` again (restored). */
export interface SettingNow {
  reads: string;
  atBefore: boolean;
}

/** A row's health signal over one window, as figures (null: no datapoints). */
export interface HealthReading {
  /** Window start and end (ISO 8601), whole minutes. */
  from: string;
  to: string;
  figures: Record<string, number | null>;
}

export type VerifyChangePolicy = RuntimeConfig['env']['verifyChange'];

/**
 * What a changing row watches after its change (the "Verify" requirement). I/O in `read`, the judgement pure,
 * the revert is the row's own `apply` + `verify` of `revertOf(change)`, so it has the same safety as the change.
 */
export interface HealthSignal<Clients, Target, Change> {
  /** In a few words, for the decision: "consumer errors, invocations, throttles". */
  signal: string;
  /** The signal over [from, to). */
  read(ctx: PlaybookContext<Clients>, target: Target, change: Change, window: { from: Date; to: Date }): Promise<HealthReading>;
  /** Pure: why `after` is worse than `before` under the policy, or undefined when it is not. */
  worse(before: HealthReading, after: HealthReading, policy: VerifyChangePolicy): string | undefined;
  /** Pure: the change that puts the recorded starting point back. */
  revertOf(change: Change): Change;
  /**
   * Pure: why the revert must not be applied (a value read back from the state table below the environment's floor or
   * outside AWS's limits), or undefined when it may. Without it every revert is allowed.
   */
  refuseRevert?(revert: Change, runtime: RuntimeConfig): string | undefined;
}

/** One row of the troubleshooting table (CONVENTIONS.md "Shape"). */
export interface Playbook<Clients, Target extends { resource: ResourceRef }, Observation, Change> {
  /** Handler name, e.g. scale-consumers. */
  name: string;
  /** Troubleshooting row id in the configuration, e.g. queue-backup. */
  row: string;
  /** Every AWS API action this playbook calls; infra derives IAM from this list. */
  actions: readonly string[];
  /**
   * Builds the SDK clients the playbook uses, and only those (so its handler bundle carries no others).
   * `shared` holds the clients the pipeline itself already built; `lambda` where several playbooks share one handler
   * (verify-change builds one Lambda client for all of theirs: decision 113).
   */
  createClients?(config: SdkClientConfig, shared: { cloudWatch: CloudWatchClient; lambda?: LambdaClient }): Clients;
  /**
   * A row that changes something: in a DR region its changes wait for that region to serve (decision 123). Builds, per
   * account, the reader of "this region serves now" (shared/pipeline/region-serving-source.ts; undefined outside a DR
   * region). Declared here, not in the pipeline, so only the changing rows' bundles carry the reader; infra grants its
   * calls (REGION_SERVING_ACTIONS) to their roles in a DR region only.
   */
  regionServing?(config: SdkClientConfig, runtime: RuntimeConfig): { read(account: string): Promise<RegionServing> } | undefined;
  /** Alarm states this playbook acts on; other states are skipped with a reason. */
  actsOn: readonly AlarmStateValue[];
  /**
   * Pure, optional: why this state change, in a state `actsOn` lists, is still none of the playbook's business (Queue
   * Backup's low-water alarm going to ALARM: decisions 185, 205). Skipped like a state it does not act on: before any read, logged
   * and counted only. Undefined: acted on.
   */
  ignores?(event: AlarmStateChange, runtime: RuntimeConfig): string | undefined;
  /** Pure: which resource the alarm is about; throws InvalidInputError for an alarm this playbook cannot handle. */
  resolveTarget(event: AlarmStateChange, runtime: RuntimeConfig): Target;
  /**
   * Optional: reads that only address the target (a queue's URL for its name), made with the incident's claim, after
   * the event is bound to its alarm but before the claim is known to be held (decision 216). They observe nothing and
   * write nothing; a delivery that loses the claim has made them and drops them. The target returned is the one
   * observed; a failure is none here: observe then makes the read itself, in its old place.
   */
  address?(ctx: Pick<PlaybookContext<Clients>, 'clients' | 'clock' | 'runtime'>, target: Target): Promise<Target>;
  /**
   * Reads the target's current state. `event`: the alarm state change being planned for, when there is one (a health
   * check's revert observes without it): a row whose evidence is read around the alarm's time (memory: the OOM lines).
   */
  observe(ctx: PlaybookContext<Clients>, target: Target, event?: AlarmStateChange): Promise<Observation>;
  /** Pure: observation + policy -> the change (or none, or escalate) and why. */
  plan(input: PlanInput<Target, Observation>): Plan<Change>;
  /**
   * Makes the change. `observed`, when given, is the observation the change was decided on, read moments before: a row
   * whose update is conditioned on a revision (RevisionId) may start from it instead of reading again, since a change
   * made since still fails the update.
   */
  apply(ctx: PlaybookContext<Clients>, target: Target, change: Change, observed?: Observation): Promise<void>;
  /** Reads back after apply, waits for the resource to settle; returns the state as seen. */
  verify(ctx: PlaybookContext<Clients>, target: Target, change: Change): Promise<Record<string, unknown>>;
  /** Pure: does the observation already show this change (a retry after a crash between apply and record)? */
  isApplied(observation: Observation, change: Change): boolean;
  /**
   * Pure, optional: why a change that isApplied accepts is still not what the resource runs now, so a health check must
   * not revert from it (an RDS class change still pending: a revert measured from the pending class would move the
   * running instance further than the change did). Undefined when the change is in effect.
   */
  notInEffect?(observation: Observation, change: Change): string | undefined;
  /**
   * Pure, rows with a health check: what the setting the change made reads now, beside the change, for a health check
   * that finds the change no longer in place (isApplied false): "MemorySize 512 MB (the change: 512 -> 768)".
   */
  settingNow?(observation: Observation, change: Change): SettingNow;
  /** Rows that change something: the signal watched for a window after the change, and reverted on when worse. */
  health?: HealthSignal<Clients, Target, Change>;
}
