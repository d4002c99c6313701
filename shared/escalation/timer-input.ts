// Parses an escalation timer's schedule input: escalation-timer's own input, in a module only it loads (escalate builds
// none of these schemas at its cold start; decisions 258, 270).
import * as z from 'zod/mini';
import { englishErrors } from '../config/zod-english';
import { InvalidInputError } from '../errors';
import { issues, text, toObject } from './escalation-events';
import { isIncidentId } from './incident';
import { SWEEP_INPUT } from './plan-sweep';
import type { TimerInput } from './plan-timer';

if (!z.config().localeError) z.config({ localeError: englishErrors });

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
