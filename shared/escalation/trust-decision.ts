// Pure: whether a "Runbook Decision" event is one the automation really made. An event is a claim; the state table is the record.
import { isAwsRegion, partitionOf } from '../aws/arn';
import { ALARM_TIMESTAMP_SLACK_MS } from '../aws/alarm-state-reader';
import { foreignAccountProblem, type WorkloadAccount } from '../config/workload-account';
import { incidentKeyOfRun } from '../events/run-key';

/** What the escalation knows without asking anyone: where it runs and which alarms it watches. */
export interface TrustFacts {
  environment: string;
  /** The region this handler runs in: the alarm is re-read here. */
  region: string;
  /** The environment's regions (configuration). */
  regions: readonly string[];
  /** The names of the alarms the environment watches (shared/config/alarm-specs.ts). */
  watchedAlarms: ReadonlySet<string>;
  /** The only account whose alarms this deployment acts on (shared/config/workload-account.ts); unset: unchecked. */
  workloadAccount?: WorkloadAccount;
  /**
   * Who checks, when it is not the escalation (which watches every alarm of the environment): an alarm handler, whose
   * `watchedAlarms` are its own playbook's alarms only (shared/pipeline/alarm-binding.ts, decision 184).
   */
  watcher?: string;
}

export interface ClaimedDecision {
  playbook: string;
  outcome: string;
  reason: string;
  decidedAt: string;
  environment: string;
  region: string;
  account?: string;
  incidentKey?: string;
  alarmName?: string;
  alarmArn?: string;
  alarmTime?: string;
  resource?: { arn: string };
}

/** A claim the pipeline wrote on the incident (INCIDENT#<incidentKey> / CLAIM#<name>): <playbook> or verify-change#<playbook>. */
export interface RecordedClaim {
  name: string;
  status?: string;
  outcome?: string;
}

/** An audit entry the pipeline wrote on the resource (RESOURCE#<arn> / AUDIT#<at>#<incidentKey>), its decision as stored. */
export interface RecordedAudit {
  incidentKey: string;
  decision: Record<string, unknown>;
}

export interface AlarmRef {
  arn: string;
  name: string;
  account: string;
  region: string;
  partition: string;
}

/** arn:<partition>:cloudwatch:<region>:<account>:alarm:<name> (alarm names may hold ":"), or undefined. */
export function parseAlarmArn(arn: string | undefined): AlarmRef | undefined {
  const parts = (arn ?? '').split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'cloudwatch' || parts[5] !== 'alarm') return undefined;
  const [, partition = '', , region = '', account = ''] = parts;
  const name = parts.slice(6).join(':');
  if (!isAwsRegion(region) || partition !== partitionOf(region) || !/^\d{12}$/.test(account) || !name) return undefined;
  return { arn: arn ?? '', name, account, region, partition };
}

/** Where a watched alarm of this environment's deployment may come from, or why not. */
export function checkAlarm(alarm: { arn?: string; name?: string; region?: string }, facts: TrustFacts): { kind: 'ok'; alarm: AlarmRef } | { kind: 'refused'; reason: string } {
  const ref = parseAlarmArn(alarm.arn);
  if (!ref) return { kind: 'refused', reason: `alarm ARN ${JSON.stringify(alarm.arn ?? null)} is not a CloudWatch alarm ARN` };
  if (alarm.name !== undefined && alarm.name !== ref.name) return { kind: 'refused', reason: `alarm name "${alarm.name}" is not the name in its ARN ("${ref.name}")` };
  if (!facts.watchedAlarms.has(ref.name)) {
    return { kind: 'refused', reason: `alarm "${ref.name}" is not one the ${facts.environment} environment watches${facts.watcher ? ` with ${facts.watcher} in ${facts.region}` : ''}` };
  }
  if (!facts.regions.includes(ref.region)) return { kind: 'refused', reason: `region ${ref.region} is not a region of the ${facts.environment} environment (${facts.regions.join(', ')})` };
  if (ref.region !== facts.region) return { kind: 'refused', reason: `alarm in ${ref.region} reached ${facts.watcher ?? 'the escalation'} of ${facts.region}, which re-reads alarms in its own region only` };
  if (alarm.region !== undefined && alarm.region !== ref.region) return { kind: 'refused', reason: `region ${alarm.region} is not the alarm's (${ref.region})` };
  const foreign = foreignAccountProblem(`alarm "${ref.name}"`, ref.account, facts.workloadAccount);
  if (foreign) return { kind: 'refused', reason: foreign };
  return { kind: 'ok', alarm: ref };
}

/**
 * Before any record is read: the decision must name one alarm state change of a watched alarm in this deployment
 * (incidentKey = alarm ARN # state timestamp, as the pipeline builds it), and the resource whose audit trail holds it.
 */
export function precheckDecision(decision: ClaimedDecision, facts: TrustFacts): { kind: 'ok'; alarm: AlarmRef } | { kind: 'refused'; reason: string } {
  if (!decision.incidentKey || !decision.alarmArn || !decision.alarmTime) return { kind: 'refused', reason: 'the decision names no alarm state change' };
  if (decision.incidentKey !== `${decision.alarmArn}#${decision.alarmTime}`) {
    return { kind: 'refused', reason: 'the incident key is not the alarm ARN and state timestamp the pipeline keys incidents by' };
  }
  if (Number.isNaN(Date.parse(decision.alarmTime))) return { kind: 'refused', reason: `alarm time ${JSON.stringify(decision.alarmTime)} is not a timestamp` };
  if (decision.environment !== facts.environment) return { kind: 'refused', reason: `environment "${decision.environment}" is not this deployment's (${facts.environment})` };
  const checked = checkAlarm({ arn: decision.alarmArn, name: decision.alarmName ?? '', region: decision.region }, facts);
  if (checked.kind === 'refused') return checked;
  if (decision.account !== undefined && decision.account !== checked.alarm.account) {
    return { kind: 'refused', reason: `account ${decision.account} is not the alarm's (${checked.alarm.account})` };
  }
  if (!decision.resource?.arn) return { kind: 'refused', reason: 'the decision names no resource, so no audit record can hold it' };
  return checked;
}

/** Where the audit entries of this state change start: the pipeline keys them by the state timestamp, verify-change by the later change time. */
export function auditFrom(alarmTime: string): string {
  return new Date(Date.parse(alarmTime)).toISOString();
}

const SAME_FIELDS = ['playbook', 'outcome', 'reason', 'decidedAt', 'incidentKey', 'alarmArn'] as const;

/**
 * The decision as the automation recorded it, when a claim of its playbook is on the incident and an audit entry of the
 * resource holds the same decision (playbook, outcome, reason, time, incident, alarm). The escalation then acts on the
 * recorded decision, not the event: nothing the event adds (a runbook, a link, findings) reaches a message.
 */
export function matchRecordedDecision(
  decision: ClaimedDecision,
  claims: readonly RecordedClaim[],
  audits: readonly RecordedAudit[],
): { kind: 'accepted'; recorded: Record<string, unknown> } | { kind: 'refused'; reason: string } {
  const claim = claims.find((c) => c.name === decision.playbook || c.name.endsWith(`#${decision.playbook}`));
  if (!claim) return { kind: 'refused', reason: `no claim of ${decision.playbook} on incident ${decision.incidentKey ?? '?'} in the state table` };
  const recorded = audits.find(
    // A document run's entry is keyed by its run (run-key.ts), its decision by the state change (decision 379).
    (a) => (a.incidentKey === decision.incidentKey || incidentKeyOfRun(a.incidentKey) === decision.incidentKey) && SAME_FIELDS.every((field) => a.decision[field] === decision[field]),
  )?.decision;
  if (!recorded) {
    return { kind: 'refused', reason: `no audit record of ${decision.resource?.arn ?? 'the resource'} holds this ${decision.outcome} decision of ${decision.playbook} (${decision.decidedAt})` };
  }
  return { kind: 'accepted', recorded };
}

/**
 * The alarm's current state change is a later one than `since` (or another state): an incident of `since` has cleared or
 * been superseded. With no StateUpdatedTimestamp answered, a later change of the same state cannot be told: not moved on
 * (the incident stays, its path goes on; decision 144).
 */
export function alarmMovedOn(current: { value: string; updatedAt?: Date | undefined }, since: { state?: string; time: string }): boolean {
  const at = Date.parse(since.time);
  if (since.state !== undefined && current.value !== since.state) return true;
  return !Number.isNaN(at) && current.updatedAt !== undefined && current.updatedAt.getTime() > at + ALARM_TIMESTAMP_SLACK_MS;
}
