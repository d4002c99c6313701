// The incident an escalation is about: its record in the state table, what it keeps of decisions, and its id.
import { createHash, randomBytes } from 'node:crypto';
import { ESCALATION_CAUSES } from '../pipeline/types';

/**
 * Every cause an incident can carry: a decision's (ESCALATION_CAUSES), or one the escalation service gives itself:
 * `still-firing` (the alarm outlived the watch after a change or dry run), `alarm` (a row whose response is "alert and
 * escalate"), `restore-held` (a restore on a restore signal that the automation did not make: a guardrail held it or it
 * failed; the decision's own cause is kept in its summary). The message's label and next step are tables over this list
 * (plan-intake.ts, cause-next-step.ts).
 */
export const INCIDENT_CAUSES = [...ESCALATION_CAUSES, 'still-firing', 'alarm', 'restore-held'] as const;
export type IncidentCause = (typeof INCIDENT_CAUSES)[number];

/**
 * Causes that notify the first tier once and schedule no next tier (decision 189): what they report is not a problem a
 * later tier can act on. `region-serving`: the DR region serves since a failover, and its standby alarms stay in ALARM
 * until the stack is redeployed with the new region roles; climbing would page AWS Support and the Service Owner
 * mid-DR-event for the failover itself. `restore-held` (review 12 R12-4): consumers left scaled up on a drained queue
 * are a cost L1 fixes at leisure, not an outage for AWS Support or the Service Owner.
 */
export const NOTICE_CAUSES: ReadonlySet<string> = new Set<IncidentCause>(['region-serving', 'restore-held']);

/**
 * WATCHING: the automation acted and the alarm is given time to clear (nobody notified yet).
 * OPEN: people are being notified up the path. ACKNOWLEDGED: someone owns it; escalation stops.
 * RESOLVED: the alarm cleared (or the watch ended); everyone notified got one resolution message.
 */
export type IncidentStatus = 'WATCHING' | 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';

/** What an incident keeps of one "Runbook Decision". */
export interface DecisionSummary {
  /** Stable across redeliveries and replays of the same decision: duplicates are recognised by it. */
  key: string;
  playbook: string;
  outcome: string;
  reason: string;
  decidedAt: string;
  dryRun: boolean;
  cause?: string;
  guardrail?: string;
  error?: { name: string; message: string };
  resource?: { type: string; id: string; arn: string };
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  blastRadius?: string;
  findings?: string[];
  /** The SSM document that makes the change by hand, as the playbook named it. */
  runbook?: { documentName: string; parameters: Record<string, string[]> };
}

export interface Incident {
  incidentId: string;
  /** `${alarmArn}#${state timestamp}`: the alarm state change this incident is about (decisions carry the same key). */
  incidentKey: string;
  alarmArn: string;
  alarmName: string;
  /** The alarm state change's timestamp. */
  alarmTime: string;
  alarmState?: string;
  /** The alarm's own StateReason ("Threshold Crossed: ..."), read when the incident opened. */
  alarmReason?: string;
  account: string;
  region: string;
  environment: string;
  status: IncidentStatus;
  /** An EscalationCause of the decision, "still-firing" or "alarm" (a row whose response is "alert and escalate"). */
  cause: string;
  reason: string;
  /** The decision that opened the incident or started the watch. */
  decision?: DecisionSummary;
  /** Later decisions about the same alarm state change (bounded: escalation-store.ts UPDATES_KEPT, UPDATES_BUDGET_BYTES). */
  updates: DecisionSummary[];
  /** The latest later decision once `updates` is full, and how many were not kept in it (review 13 R13-16). */
  lastUpdate?: DecisionSummary;
  updatesOmitted?: number;
  createdAt: string;
  openedAt?: string;
  /** The highest tier level notified so far; 0 before the first. */
  level: number;
  nextLevel?: number;
  nextEscalationAt?: string;
  /**
   * The principal that acknowledged, as AWS verified it (decision 174): STS GetCallerIdentity's Arn for `runbook ack`,
   * the execution's ExecutedBy for the SSM document. Free text on an item written before then.
   */
  acknowledgedBy?: string;
  /** What the acknowledger said of themselves (`runbook ack --by`, the document's Note): self-declared, never verified. */
  acknowledgedNote?: string;
  acknowledgedAt?: string;
  acknowledgedVia?: string;
  resolvedAt?: string;
  resolution?: string;
  /**
   * How many times a later ALARM state change of the same alarm re-opened this incident (decision 204): a re-fire within
   * the grouping window after it resolved, instead of a new incident and a new full page. Unset: never re-opened.
   */
  reopens?: number;
  /** The alarm state change that first opened the incident, once a re-fire moved `alarmTime` on to its own. */
  firstAlarmTime?: string;
  /** When the last re-open happened (the escalation's clock). */
  reopenedAt?: string;
  /**
   * When the next tier is due by the ladder's clock (review 13 R13-1): set with `nextEscalationAt`, but kept when the
   * incident resolves, so a re-open resumes the clock instead of restarting it (plan-regroup.ts resumeLadder).
   */
  ladderDueAt?: string;
  /**
   * A standby-watch incident that became a region-serving notice when its next tier was due (review 12, R12-7): that
   * tier's level (its timer, delivered again, finishes the notice instead of climbing) and what the incident was before.
   */
  servingNotice?: { insteadOfLevel: number; previousCause: string; at: string };
  /**
   * A region-serving notice that a check found no longer serving turned back into the standby incident (review 14
   * R14-14): when, the tier its ladder resumed from, and which check (its cycle and round) did it, so that check
   * delivered again finishes the telling and the page.
   */
  servingEnded?: { at: string; fromLevel: number; cycle: number; round: number };
  /**
   * Causes a later escalation of the same alarm superseded (review 14 R14-15; plan-regroup.ts supersedeCause), oldest
   * first: the first one always, then the latest few (EARLIER_CAUSES_KEPT). `cause`, `reason` and `decision` above are
   * the current one's.
   */
  earlierCauses?: EarlierCause[];
  /**
   * The incident's latest change of cause (decision 272): how many it has had (the `cycle` of its `cause` messages, so
   * each change is told once per tier), the state change whose escalation made it, and whether that state change
   * re-opened the incident (its re-open message told the tiers it went to).
   */
  causeChange?: { count: number; at: string; reopened?: boolean };
  /**
   * A notice's next hourly re-check (review 12 R12-13, decision 243), as scheduled: its cycle and round and when it is
   * due. Recorded with its schedule, so the escalation sweep finds a check EventBridge Scheduler dropped, and a check of an
   * earlier round delivered after the sweep did it finds the round moved on (decision 281). Unset: not a notice, or one
   * scheduled before it existed.
   */
  noticeCheck?: { cycle: number; round: number; at: string };
}

/** A cause the incident carried before a later escalation superseded it, with the decision it was recorded with. */
export interface EarlierCause {
  cause: string;
  reason: string;
  /** The alarm state change from which the incident carried it, and the one whose escalation superseded it. */
  since: string;
  until: string;
  decision?: DecisionSummary;
}

/**
 * notify: the tier's page (once per incident); resolve: the resolution message; reopen: the short "fired again"
 * message to a tier that had been told the incident resolved (decision 204). resolve and reopen are per cycle (the
 * incident's `reopens` at the time), so each re-open and each resolution after it is its own claimed send. notice: the
 * one "this region serves" message to a tier already paged, when a standby-watch incident opened before a failover turns
 * into decision 189's notice at its next tier's time (review 12, R12-7). resume: the one "the notice is withdrawn, the
 * standby watch applies again" message to a tier told the notice, when the region no longer serves (review 14 R14-14).
 * cause: the "the cause of the page you received is superseded" message to a tier already paged, when a later escalation
 * of the alarm grouped into the incident changes its cause (decision 272); its `cycle` is the incident's cause change
 * (`causeChange.count`), so each change is its own claimed send.
 */
export type SendKind = 'notify' | 'resolve' | 'reopen' | 'notice' | 'resume' | 'cause';

/** One message (or support case) to one tier, as recorded once it went out. */
export interface SentNotification {
  kind: SendKind;
  level: number;
  tierName: string;
  status: 'IN_PROGRESS' | 'SENT' | 'FAILED';
  sentAt?: string;
  /** "email", "chat", or "support-case". */
  channels: string[];
  messageIds: string[];
  caseId?: string;
  error?: string;
  /**
   * The incident's cycle (its `reopens` when this send was made); unset for cycle 0 and for every notify. For a `cause`
   * send: the cause change it tells (the incident's `causeChange.count`).
   */
  cycle?: number;
  /**
   * A send that did not complete (IN_PROGRESS given back, or FAILED): what went out under it all the same (channel ->
   * message or case id). AWS Support unreachable leaves L3's page published to its topic this way (decisions 186, 190),
   * and those people are told the resolution too. Unset on a SENT send (its channels say it) and when nothing went out.
   */
  delivered?: Record<string, string>;
}

const INCIDENT_ID = /^inc-[0-9a-f]{12}$/;

/**
 * A send's case nonce: 16 lowercase hex characters (64 random bits, escalation-store.ts writeClaim), written to the send
 * item with its first claim, before any CreateCase, carried over by a takeover, and put in its support case's subject
 * marker (support-case-marker.ts; review 20b R20-23).
 */
export const CASE_NONCE = /^[0-9a-f]{16}$/;

/** A new send's case nonce. */
export function newCaseNonce(): string {
  return randomBytes(8).toString('hex');
}

/** A short id a person can type (`runbook ack inc-3f2a9c1b7d44`), the same for every delivery of one state change. */
export function incidentIdFor(incidentKey: string): string {
  return `inc-${createHash('sha256').update(incidentKey).digest('hex').slice(0, 12)}`;
}

export function isIncidentId(value: string): boolean {
  return INCIDENT_ID.test(value);
}

/** One per cause (typed over INCIDENT_CAUSES: a cause without a label does not compile); read in subjects and titles. */
const CAUSE_LABELS: Record<IncidentCause, string> = {
  guardrail: 'blocked by a guardrail',
  failure: 'the remediation failed',
  'cap-reached': 'a cap was reached',
  'consumer-failing': 'the consumer is failing',
  'approval-required': 'the change needs approval',
  diagnosis: 'diagnosis only: a person decides',
  'not-applicable': 'the automatic response does not apply',
  'publish-required': 'the function runs a published version: the change needs a publish',
  'cross-playbook': "held back: another row's finding forbids the change (e.g. the database is saturated)",
  'made-worse': 'the automatic change made health worse: the automation reverted it (unless the reason says why not)',
  unverifiable: 'the change could not be verified: its health signal had no data',
  'alarm-time-unknown': "the alarm's state-change time is unknown: nothing was changed",
  'not-corroborated': 'the alarm is not borne out by what the automation read: nothing was changed',
  'region-serving': 'this region serves since a failover: the standby watch no longer applies (a notice, not escalated)',
  'still-firing': 'the alarm is still firing after the automatic change',
  alarm: 'the troubleshooting table says: alert and escalate',
  'restore-held': 'the backlog drained but the consumers were not restored to their baseline (a notice, not escalated)',
};

/** A few words for an escalation cause, for subjects and titles. */
export function causeLabel(cause: string): string {
  return Object.hasOwn(CAUSE_LABELS, cause) ? CAUSE_LABELS[cause as IncidentCause] : cause;
}
