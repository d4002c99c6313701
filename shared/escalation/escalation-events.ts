// The Decision contract both escalation handlers read ("Runbook Decision" events, recorded decisions). Each handler's
// own input has its own module, loaded by that handler only: escalate-input.ts (alarm state changes, decisions, the kill
// switch's changes) and timer-input.ts (a timer's schedule input), so neither builds the other's schemas at init.
// zod/mini, not classic zod: it tree-shakes, so the handler bundles carry only the validators used here.
import * as z from 'zod/mini';
import { englishErrors } from '../config/zod-english';
import { InvalidInputError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import type { KillSwitchChange } from './kill-switch-change';

if (!z.config().localeError) z.config({ localeError: englishErrors });

export const text = z.string();
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

/** A decision as the pipeline recorded it in an audit entry, held to the same contract as the event's detail. */
export function parseRecordedDecision(raw: unknown): DecisionEventDetail {
  const parsed = decisionSchema.safeParse(raw);
  if (!parsed.success) {
    const found = issues(parsed.error);
    throw new InvalidInputError(`the recorded decision does not hold to the Decision contract: ${found[0] ?? 'malformed'}`, found);
  }
  return parsed.data;
}
