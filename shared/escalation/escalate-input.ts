// Parses what reaches escalate: a "Runbook Decision", a "CloudWatch Alarm State Change" or the kill switch's "Parameter
// Store Change". Its own module, loaded by escalate only: escalation-timer parses no alarm event, so it does not build
// alarm-event.ts's schemas at its cold start.
import * as z from 'zod/mini';
import { InvalidInputError } from '../errors';
import { parseAlarmEvent } from '../events/alarm-event';
import { DECISION_DETAIL_TYPE, DECISION_SOURCE } from '../report/decision-reporter';
import { decisionSchema, issues, optionalText, toObject, type EscalateHandlerInput } from './escalation-events';
import { PARAMETER_STORE_CHANGE, parseKillSwitchChange } from './kill-switch-change';

const decisionEventSchema = z.looseObject({
  id: optionalText,
  source: z.literal(DECISION_SOURCE),
  'detail-type': z.literal(DECISION_DETAIL_TYPE),
  account: optionalText,
  region: optionalText,
  detail: decisionSchema,
});

/** A "Runbook Decision" from the project's bus, a "CloudWatch Alarm State Change", or SSM's "Parameter Store Change"; anything else is rejected. */
export function parseEscalateInput(raw: unknown): EscalateHandlerInput {
  const value = toObject(raw);
  const detailType = (value as { 'detail-type'?: unknown } | null)?.['detail-type'];
  if (detailType === DECISION_DETAIL_TYPE) {
    const parsed = decisionEventSchema.safeParse(value);
    if (!parsed.success) {
      const found = issues(parsed.error);
      throw new InvalidInputError(`invalid Runbook Decision event: ${found[0] ?? 'malformed'}`, found);
    }
    return { kind: 'decision', decision: parsed.data.detail, ...(parsed.data.account ? { eventAccount: parsed.data.account } : {}) };
  }
  if (detailType === 'CloudWatch Alarm State Change') return { kind: 'alarm', event: parseAlarmEvent(value) };
  if (detailType === PARAMETER_STORE_CHANGE) {
    const parsed = parseKillSwitchChange(value);
    if ('issues' in parsed) throw new InvalidInputError(`invalid Parameter Store Change event: ${parsed.issues[0] ?? 'malformed'}`, parsed.issues);
    return { kind: 'kill-switch-change', change: parsed.change };
  }
  throw new InvalidInputError(
    `the escalate handler takes "${DECISION_DETAIL_TYPE}", "CloudWatch Alarm State Change" and "${PARAMETER_STORE_CHANGE}" events, got detail-type ${JSON.stringify(detailType ?? null)}`,
  );
}
