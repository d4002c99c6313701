// Parses what reaches the escalation handlers: "Runbook Decision" events and timer inputs (escalate's whole input,
// alarm state changes and the kill switch's changes included, is parsed by escalate-input.ts, which escalation-timer
// does not load: it parses no alarm event, so it builds none of alarm-event.ts's schemas).
// zod/mini, not classic zod: it tree-shakes, so the handler bundles carry only the validators used here.
import * as z from 'zod/mini';
import { englishErrors } from '../config/zod-english';
import { InvalidInputError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import { isIncidentId } from './incident';
import type { KillSwitchChange } from './kill-switch-change';
import { SWEEP_INPUT } from './plan-sweep';
import type { TimerInput } from './plan-timer';

if (!z.config().localeError) z.config({ localeError: englishErrors });

const text = z.string();
// One optional string for every optional text field: built once per cold start, not once per field (decision 106).
export const optionalText = z.optional(text);
const resourceSchema = z.looseObject({ type: text, id: text, arn: text });

/** The Decision contract (shared/pipeline/types.ts), loosely: other playbooks may add fields and causes. */
export const decisionSchema = z.looseObject({
  playbook: text.check(z.minLength(1)),
  outcome: z.enum(['applied', 'dry-run', 'skipped', 'escalate', 'rejected']),
  reason: text,
  environment: text,
  region: text,
  account: optionalText,
  incidentKey: optionalText,
  alarmName: optionalText,
  alarmArn: optionalText,
  alarmState: optionalText,
  alarmTime: optionalText,
  resource: z.optional(resourceSchema),
  before: z.optional(z.record(z.string(), z.unknown())),
  after: z.optional(z.record(z.string(), z.unknown())),
  blastRadius: optionalText,
  findings: z.optional(z.array(text)),
  escalation: z.optional(
    z.looseObject({
      cause: text,
      guardrail: optionalText,
      error: z.optional(z.looseObject({ name: text, message: text })),
    }),
  ),
  runbook: z.optional(z.looseObject({ documentName: text.check(z.minLength(1)), parameters: z.record(z.string(), z.array(text)) })),
  dryRun: z.optional(z.boolean()),
  decidedAt: text,
  // Left to another playbook's incident (shared/guard/standby-deferral.ts): the alarm whose incident records it.
  deferredTo: z.optional(z.looseObject({ playbook: text.check(z.minLength(1)), alarmName: text.check(z.minLength(1), z.maxLength(255)) })),
});
export type DecisionEventDetail = z.infer<typeof decisionSchema>;

// The incident's alarm, as the timer's creator wrote it: a CloudWatch alarm name (1-255 characters) and a 12-digit account.
const timerAlarmSchema = z.strictObject({ name: text.check(z.minLength(1), z.maxLength(255)), account: z.optional(text.check(z.regex(/^\d{12}$/))) });

const timerInputSchema = z.union([
  z.strictObject({ action: z.literal('check'), incidentId: text, alarm: z.optional(timerAlarmSchema) }),
  // The level may come as text: SSM Automation's InputPayload (NotificationService-EscalateToNextTier) substitutes "{{ Level }}".
  z.strictObject({
    action: z.literal('escalate'),
    incidentId: text,
    alarm: z.optional(timerAlarmSchema),
    level: z.union([z.number().check(z.int(), z.minimum(1)), text.check(z.regex(/^[1-9]\d{0,2}$/))]),
  }),
  // Written only by the escalation itself (decision 204): a held resolution of a re-opened incident.
  z.strictObject({ action: z.literal('settle'), incidentId: text, alarm: z.optional(timerAlarmSchema), cycle: z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)) }),
  // Written only by the escalation itself (review 12 R12-13): a notice's periodic re-read of its alarm.
  z.strictObject({
    action: z.literal('notice'),
    incidentId: text,
    alarm: z.optional(timerAlarmSchema),
    cycle: z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000)),
    round: z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)),
  }),
]);

export type EscalateInput = { kind: 'decision'; decision: DecisionEventDetail; eventAccount?: string } | { kind: 'alarm'; event: AlarmStateChange };
/** What the escalate handler takes: an incident's input, or a change of the kill switch (told to L1: decision 178). */
export type EscalateHandlerInput = EscalateInput | { kind: 'kill-switch-change'; change: KillSwitchChange };

export function toObject(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new InvalidInputError(`event is not valid JSON: ${(error as Error).message}`, [], { cause: error });
  }
}

export function issues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

/** The Input of an escalation timer's schedule. */
export function parseTimerInput(raw: unknown): TimerInput {
  const parsed = timerInputSchema.safeParse(toObject(raw));
  if (!parsed.success) {
    const found = issues(parsed.error);
    throw new InvalidInputError(`invalid escalation timer input: ${found[0] ?? 'malformed'}`, found);
  }
  if (!isIncidentId(parsed.data.incidentId)) throw new InvalidInputError(`invalid incident id ${JSON.stringify(parsed.data.incidentId)}`);
  return parsed.data.action === 'escalate' ? { ...parsed.data, level: Number(parsed.data.level) } : parsed.data;
}

export { SWEEP_INPUT } from './plan-sweep';

/** What escalation-timer takes: one timer, or the sweep of every overdue one. */
export type TimerHandlerInput = { kind: 'timer'; input: TimerInput } | { kind: 'sweep' };

export function parseTimerHandlerInput(raw: unknown): TimerHandlerInput {
  const value = toObject(raw);
  if (typeof value === 'object' && value !== null && (value as { action?: unknown }).action === SWEEP_INPUT.action) {
    if (Object.keys(value).length !== 1) throw new InvalidInputError('invalid escalation sweep input: {"action":"sweep"} takes no other field');
    return { kind: 'sweep' };
  }
  return { kind: 'timer', input: parseTimerInput(raw) };
}

/** A decision as the pipeline recorded it in an audit entry, held to the same contract as the event's detail. */
export function parseRecordedDecision(raw: unknown): DecisionEventDetail {
  const parsed = decisionSchema.safeParse(raw);
  if (!parsed.success) {
    const found = issues(parsed.error);
    throw new InvalidInputError(`the recorded decision does not hold to the Decision contract: ${found[0] ?? 'malformed'}`, found);
  }
  return parsed.data;
}
