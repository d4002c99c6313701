// Pure: everything an escalation or resolution message says, as data; the email and chat renderers only lay it out.
import type { RunbookApproversConfig, TroubleshootingRow } from '../config/schema';
import { approvalTopicArnOf, principalArn } from '../config/names';
import { partitionOf } from '../aws/arn';
import { isProjectRunbook } from '../report/project-runbook';
import { bounded, oneLine, safeField } from '../report/safe-text';
import { causeLabel, NOTICE_CAUSES, type DecisionSummary, type Incident, type SentNotification } from './incident';
import { nextStepForCause } from './cause-next-step';
import { acknowledgerLabel } from './acknowledger';
import type { ConfiguredParameter } from './document-parameters';
import { acknowledgeCommand, acknowledgeStep, documentLocation, documentRun, isPrintable, runbookStep, type AutomationRun } from './next-step';
import type { EscalationPolicy, EscalationTier } from './policy';

/**
 * reopened: the short message of a re-fire grouped into a resolved incident (decision 204). cause-changed: the message to
 * a tier already paged when a later escalation grouped into the incident changed its cause (decision 272).
 */
export type MessageKind = 'opened' | 'escalated' | 'resolved' | 'reopened' | 'cause-changed';

export interface NotifiedEntry {
  level: number;
  name: string;
  at: string;
  via: string;
}

export interface MessageView {
  kind: MessageKind;
  incidentId: string;
  environment: string;
  account: string;
  region: string;
  /** The tier this message goes to. */
  tier: { level: number; name: string };
  /** One line: what is wrong and why a person is needed. */
  headline: string;
  alarm: { name: string; arn: string; state: string; reason?: string; since: string };
  /** The resource the automation acted on or looked at. */
  resource?: { id: string; arn: string };
  cause: { code: string; label: string; reason: string; guardrail?: string; error?: string };
  /** What the automation observed and did (before -> after) or why it did not. */
  automation:
    | { playbook?: string; outcome?: string; reason: string; summary: string; changes: string[]; blastRadius?: string; dryRun: boolean }
    | undefined;
  findings: string[];
  /** Later decisions about the same state change, one line each. */
  updates: string[];
  /**
   * Causes a later escalation of the alarm superseded (review 14 R14-15), oldest first, one line each: the incident
   * presents its current cause, these are its history.
   */
  earlier: string[];
  /** The cause changed at the incident's current state change: what it was (for the re-open message's one line). */
  causeWas?: { code: string; label: string };
  /** For "cause-changed": which of the incident's cause changes it tells (Incident.causeChange.count). */
  causeChange?: number;
  /**
   * What to do next, chosen by the cause (cause-next-step.ts): a title, a few lines, and the document to run only where
   * running it can change the outcome. `run.where`: the account and region to run it in (documentLocation).
   */
  nextStep?: { title: string; lines: string[]; run?: AutomationRun & { where: string } };
  acknowledge: AutomationRun & { cli: string; where: string };
  /** Who has been notified, this tier included. */
  notified: NotifiedEntry[];
  /** The next tier and when, or (none) a sentence: why there is none, or that it is paged now. */
  nextTier: { name: string; level: number; at: string; inMinutes: number } | { none: string };
  /** For "escalated": why this tier now. */
  escalatedBecause?: string;
  acknowledged?: { by: string; at: string };
  resolution?: { at: string; reason: string };
  /**
   * A flapping incident (decision 204): for "reopened", when it fired again and how often it has; for a held "resolved",
   * how it flapped and how long it stayed OK.
   */
  flapping?: string;
  /** The incident's cycle (its re-opens so far, decision 204); 0 for one never re-opened. */
  cycle: number;
  /**
   * The kill switch engaged (a value someone set) or unreadable, read just before this delivery: the message still goes
   * out and says so (shared/escalation/kill-switch-notice.ts; already masked, one line, bounded).
   */
  killSwitch?: { unread: boolean; text: string };
}

export interface MessageInput {
  kind: MessageKind;
  incident: Incident;
  tier: EscalationTier;
  /** Sent notifications of the incident so far (status SENT), this one not included. */
  sent: readonly SentNotification[];
  policy: EscalationPolicy;
  rows: readonly TroubleshootingRow[];
  now: Date;
  /** When the next tier's timer is due, if there is a next tier. */
  nextEscalation?: { tier: EscalationTier; at: Date };
  /** The next tier is paged at this moment, not by a timer (a re-open whose ladder was already due): who and why. */
  nextPagedNow?: { tier: EscalationTier; because: string };
  escalatedBecause?: string;
  /** The account the escalation handlers (and the incident-state documents) run in; unset: the incident's own (one account). */
  operationsAccount?: string;
  /** Document parameters the environment's configuration supplies (configuredParameters: the failover record pair). */
  configured?: Readonly<Record<string, ConfiguredParameter>>;
  /** The environment's runbookApprovers as configured (role/<name> in the account the documents run in, or ARNs). */
  approvers?: Pick<RunbookApproversConfig, 'principals' | 'minRequiredApprovals'>;
  /** The held resolution of a flapping incident: how it flapped (plan-timer planSettle). */
  flapping?: string;
}

const MAX_FINDINGS = 20;
const MAX_CHANGE_LINES = 12;
const MAX_UPDATES = 10;

/**
 * Every field that can carry text from outside (an alarm's name and reason, a log line in a finding, an error message, a
 * resource name) is masked, made one line and bounded here, once, for every channel (shared/report/safe-text.ts); the
 * renderers then escape it for their markup. CloudWatch bounds alarm names at 255 and StateReason at 1023 characters.
 */
export const FIELD_LIMITS = {
  name: 255,
  alarmReason: 1023,
  reason: 1000,
  finding: 500,
  line: 300,
  arn: 512,
  short: 128,
} as const;
const safe = safeField;

/** SSM Automation's {{ global:DATE_TIME }} (yyyy-MM-dd_HH.mm.ss, UTC), written by the acknowledge document. */
const SSM_DATE_TIME = /^(\d{4}-\d\d-\d\d)_(\d\d)\.(\d\d)\.(\d\d)$/;

/** "2026-11-25 14:07 UTC": minutes are what a person acts on. */
export function formatTime(iso: string | Date): string {
  const ssm = typeof iso === 'string' ? SSM_DATE_TIME.exec(iso) : null;
  const text = ssm ? `${ssm[1]}T${ssm[2]}:${ssm[3]}:${ssm[4]}Z` : iso;
  const date = typeof text === 'string' ? new Date(Date.parse(text)) : text;
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** 2 -> "2nd", 11 -> "11th", 23 -> "23rd". */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** "DevOps Team (L1)" as configured, or "Service Owner (L4)" where the name does not say its level. */
export function tierLabel(name: string, level: number): string {
  return name.includes(`L${level}`) ? name : `${name} (L${level})`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, value);
  }
}

/**
 * before/after objects as "field: before -> after" lines (nested fields dotted); fields that did not change are left out,
 * and so are fields `after` does not state: a plan's `after` names only what it changes (the RDS plan's is its class),
 * so a field it leaves out is unchanged, never "-> none" (review 11a finding 12). A removal is stated as null.
 */
export function changeLines(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): string[] {
  const from = new Map<string, unknown>();
  const to = new Map<string, unknown>();
  if (before) flatten(before, '', from);
  if (after) flatten(after, '', to);
  const keys = [...new Set([...from.keys(), ...to.keys()])];
  const lines = keys.flatMap((key) => {
    if (!after) return [`${key}: ${formatValue(from.get(key))}`];
    if (!to.has(key)) return [];
    const a = formatValue(from.get(key));
    const b = formatValue(to.get(key));
    return a === b ? [] : [`${key}: ${a} -> ${b}`];
  });
  const shown = lines.map((line) => safe(line, FIELD_LIMITS.line));
  return shown.length > MAX_CHANGE_LINES ? [...shown.slice(0, MAX_CHANGE_LINES), `(${shown.length - MAX_CHANGE_LINES} more)`] : shown;
}

function automationOf(decision: DecisionSummary | undefined): MessageView['automation'] {
  if (!decision) return undefined;
  const verb: Record<string, string> = {
    applied: 'changed',
    'dry-run': 'planned (dry run, nothing changed)',
    skipped: 'did nothing',
    escalate: decision.before ? 'planned but did not change' : 'did not act',
  };
  const playbook = safe(decision.playbook, FIELD_LIMITS.short);
  const outcome = safe(decision.outcome, FIELD_LIMITS.short);
  const reason = safe(decision.reason, FIELD_LIMITS.reason);
  return {
    playbook,
    outcome,
    reason,
    summary: `${playbook} ${verb[decision.outcome] ?? outcome}: ${reason}`,
    changes: changeLines(decision.before, decision.after),
    ...(decision.blastRadius ? { blastRadius: safe(decision.blastRadius, FIELD_LIMITS.finding) } : {}),
    dryRun: decision.dryRun,
  };
}

function sentVia(sent: SentNotification): string {
  return safe(sent.caseId ? `AWS Support case ${sent.caseId}` : sent.channels.join(', '), FIELD_LIMITS.short);
}

function tierVia(tier: EscalationTier): string {
  return tier.supportCase ? `AWS Support case (severity ${tier.supportCase.severityCode})` : tier.channels.join(', ');
}

export { isProjectRunbook } from '../report/project-runbook';

export function buildMessageView(input: MessageInput): MessageView {
  const { incident, tier, now, kind } = input;
  const decision = incident.decision;
  const cause = {
    code: safe(incident.cause, FIELD_LIMITS.short),
    label: safe(causeLabel(incident.cause), FIELD_LIMITS.line),
    reason: safe(incident.reason, FIELD_LIMITS.reason),
    ...(decision?.guardrail ? { guardrail: safe(decision.guardrail, FIELD_LIMITS.short) } : {}),
    ...(decision?.error ? { error: safe(`${decision.error.name}: ${decision.error.message}`, FIELD_LIMITS.finding) } : {}),
  };
  const notified: NotifiedEntry[] = input.sent
    .filter((s) => s.kind === 'notify' && s.status === 'SENT')
    .sort((a, b) => a.level - b.level)
    .map((s) => ({ level: s.level, name: safe(s.tierName, FIELD_LIMITS.short), at: s.sentAt ?? '', via: sentVia(s) }));
  if (kind !== 'resolved' && !notified.some((n) => n.level === tier.level)) {
    notified.push({ level: tier.level, name: tier.name, at: now.toISOString(), via: tierVia(tier) });
  }
  const next = input.nextEscalation;
  const nextTier: MessageView['nextTier'] =
    kind === 'resolved'
      ? { none: 'resolved: no further escalation' }
      : input.nextPagedNow
        ? { none: safe(`${tierLabel(input.nextPagedNow.tier.name, input.nextPagedNow.tier.level)} is paged now: ${input.nextPagedNow.because}.`, FIELD_LIMITS.line) }
        : next
        ? { name: next.tier.name, level: next.tier.level, at: next.at.toISOString(), inMinutes: Math.round((next.at.getTime() - now.getTime()) / 60_000) }
        : NOTICE_CAUSES.has(incident.cause)
          ? { none: 'a notice: no further tier is paged for it (decision 189)' }
          : { none: `${tierLabel(tier.name, tier.level)} is the last tier of the ${input.policy.environment} escalation path` };
  // The runbook the playbook named for this situation (checked: the project's own), else maybe its row's runbook: the
  // cause decides whether either is offered (a re-run that would refuse the same way is not a next step).
  const named = [decision, ...[...incident.updates].reverse()].find((d) => d?.runbook)?.runbook;
  const own = named && isProjectRunbook(named, input.rows) ? named : undefined;
  const step = nextStepForCause({
    cause: incident.cause,
    environment: incident.environment,
    alarmName: incident.alarmName,
    region: incident.region,
    ...(decision ? { playbook: decision.playbook, outcome: decision.outcome } : {}),
    ...(decision?.guardrail ? { guardrail: decision.guardrail } : {}),
    ...(decision?.resource ? { resourceId: decision.resource.id } : {}),
    ...(own ? { named: own.documentName } : {}),
    // The documents run in the incident's (workload) account and region: their approvers and approval topic are there.
    ...(input.approvers
      ? {
          approvals: {
            approvers: input.approvers.principals.map((p) => principalArn(p, { account: incident.account, partition: partitionOf(incident.region) })),
            minRequiredApprovals: input.approvers.minRequiredApprovals,
            topicArn: approvalTopicArnOf(partitionOf(incident.region), incident.region, incident.account),
          },
        }
      : {}),
    ...(() => {
      const rowRunbook = input.rows.find((r) => r.handler === decision?.playbook)?.runbook;
      return rowRunbook ? { rowRunbook } : {};
    })(),
  });
  // Either document is built from its declared parameters; one SSM would refuse is not printed, and the step says why.
  const settings = { environment: incident.environment, ...(input.configured ? { configured: input.configured } : {}) };
  const offered =
    step.run === 'named' && own
      ? documentRun(own.documentName, { ...(decision?.resource ? { resource: decision.resource } : {}), named: own.parameters, ...settings }, incident.region)
      : step.run === 'row'
        ? runbookStep(input.rows, decision?.playbook, decision?.resource, incident.region, settings)
        : undefined;
  const run = offered && isPrintable(offered) ? offered : undefined;
  const stepLines = offered && !isPrintable(offered) ? [...step.lines, offered.why] : step.lines;
  // The workload account is the alarm's (only the workload's alarms are acted on, docs/decisions.md 90).
  const accounts = { workload: safe(incident.account, FIELD_LIMITS.short), operations: safe(input.operationsAccount ?? incident.account, FIELD_LIMITS.short) };
  const region = safe(incident.region, FIELD_LIMITS.short);
  const findings = [...new Set([...(decision?.findings ?? []), ...incident.updates.flatMap((u) => u.findings ?? [])].map((f) => safe(f, FIELD_LIMITS.finding)))]
    .filter(Boolean)
    .slice(0, MAX_FINDINGS);
  const alarmName = safe(incident.alarmName, FIELD_LIMITS.name);
  const resolution = safe(incident.resolution ?? 'the alarm cleared', FIELD_LIMITS.finding);
  const headline =
    kind === 'resolved'
      ? `Resolved: ${alarmName} (${resolution})`
      : kind === 'reopened'
        ? `Re-opened: ${alarmName} fired again`
        : kind === 'cause-changed'
          ? `Cause changed: ${alarmName}: ${cause.label}`
          : `${alarmName}: ${cause.label}`;
  const earlier = (incident.earlierCauses ?? []).map((e) => safe(`${formatTime(e.since)} to ${formatTime(e.until)}: ${causeLabel(e.cause)} (${e.cause}): ${e.reason}`, FIELD_LIMITS.finding));
  const lastEarlier = incident.earlierCauses?.at(-1);
  const causeWas = lastEarlier && lastEarlier.until === incident.alarmTime ? { code: safe(lastEarlier.cause, FIELD_LIMITS.short), label: safe(causeLabel(lastEarlier.cause), FIELD_LIMITS.line) } : undefined;
  const cycles = incident.reopens ?? 0;
  const flapping =
    kind === 'reopened'
      ? `It fired again at ${formatTime(incident.alarmTime)}, after it had cleared: the ${ordinal(cycles + 1)} time since ${formatTime(incident.firstAlarmTime ?? incident.alarmTime)}. The same incident, not a new page; the escalation resumes unless acknowledged.`
      : input.flapping;
  return {
    kind,
    incidentId: incident.incidentId,
    environment: safe(incident.environment, FIELD_LIMITS.short),
    account: safe(incident.account, FIELD_LIMITS.short),
    region: safe(incident.region, FIELD_LIMITS.short),
    tier: { level: tier.level, name: safe(tier.name, FIELD_LIMITS.short) },
    headline,
    alarm: {
      name: alarmName,
      arn: safe(incident.alarmArn, FIELD_LIMITS.arn),
      state: safe(incident.alarmState ?? 'ALARM', FIELD_LIMITS.short),
      ...(incident.alarmReason ? { reason: safe(incident.alarmReason, FIELD_LIMITS.alarmReason) } : {}),
      since: safe(incident.alarmTime, FIELD_LIMITS.short),
    },
    ...(decision?.resource ? { resource: { id: safe(decision.resource.id, FIELD_LIMITS.name), arn: safe(decision.resource.arn, FIELD_LIMITS.arn) } } : {}),
    cause,
    automation: automationOf(decision),
    findings,
    updates: incident.updates.slice(-MAX_UPDATES).map((u) => safe(`${formatTime(u.decidedAt)} ${u.playbook} ${u.outcome}: ${u.reason}`, FIELD_LIMITS.line)),
    earlier,
    ...(causeWas ? { causeWas } : {}),
    ...(kind === 'cause-changed' && incident.causeChange ? { causeChange: incident.causeChange.count } : {}),
    ...(kind === 'resolved'
      ? {}
      : {
          nextStep: {
            title: safe(step.title, FIELD_LIMITS.line),
            lines: stepLines.map((line) => safe(line, FIELD_LIMITS.finding)),
            ...(run ? { run: { ...run, where: documentLocation(run.documentName, accounts, region) } } : {}),
          },
        }),
    acknowledge: (() => {
      const step = acknowledgeStep(incident.incidentId, incident.region);
      return { ...step, cli: acknowledgeCommand(incident.incidentId, incident.region), where: documentLocation(step.documentName, accounts, region) };
    })(),
    notified,
    nextTier,
    ...(input.escalatedBecause ? { escalatedBecause: safe(input.escalatedBecause, FIELD_LIMITS.finding) } : {}),
    // Who acknowledged: the verified principal and the self-declared note (decision 174), not log data: one line and
    // bounded, not masked.
    ...(incident.acknowledgedBy && incident.acknowledgedAt
      ? { acknowledged: { by: bounded(oneLine(acknowledgerLabel(incident)), FIELD_LIMITS.arn), at: safe(incident.acknowledgedAt, FIELD_LIMITS.short) } }
      : {}),
    ...(kind === 'resolved' ? { resolution: { at: incident.resolvedAt ?? now.toISOString(), reason: resolution } } : {}),
    ...(flapping ? { flapping: safe(flapping, FIELD_LIMITS.finding) } : {}),
    cycle: cycles,
  };
}
