// Someone changed the kill switch (SSM's "Parameter Store Change" event): parsed here; told to L1 as an email and a chat
// notification by render-kill-switch-change.ts, loaded only with such an event (decisions 178, 333). Pure but for zod.
import * as z from 'zod/mini';
import { KILL_SWITCH_CHANGE_DETAIL_TYPE } from '../config/names';

/**
 * The event's documented shape (Systems Manager user guide, "Parameter Store events"; EventBridge events reference).
 * Only EventBridge delivers a genuine one (PutEvents refuses an `aws.` source), but anyone who may invoke escalate can
 * hand it any JSON (review 12, R12-3): every field that reaches the message is held to the form AWS writes it in, and
 * the handler compares account and region with its own before anything is sent.
 */
const changeEventSchema = z.looseObject({
  id: z.optional(z.string()),
  source: z.literal('aws.ssm'),
  'detail-type': z.literal(KILL_SWITCH_CHANGE_DETAIL_TYPE),
  account: z.string().check(z.regex(/^\d{12}$/)),
  // A region code (us-east-1, us-gov-west-1, cn-north-1, ap-southeast-5): letters, hyphens, one number.
  region: z.string().check(z.regex(/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/)),
  // EventBridge's event time: ISO 8601 in UTC, to the second ("2026-12-06T10:44:48Z").
  time: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/)),
  detail: z.looseObject({
    name: z.string().check(z.minLength(1), z.maxLength(2048)),
    // Bounded here; which of SSM's operations it is (or none) is decided by operationOf, never printed as given.
    operation: z.string().check(z.minLength(1), z.maxLength(64)),
    type: z.optional(z.string()),
  }),
});

/**
 * The operations SSM documents for "Parameter Store Change" (user guide, "Parameter Store events": a parameter or a
 * parameter label version created, updated or deleted). Another value is still a change worth telling, as "unknown".
 */
export const PARAMETER_STORE_OPERATIONS = ['Create', 'Update', 'Delete', 'LabelParameterVersion'] as const;
export type ParameterStoreOperation = (typeof PARAMETER_STORE_OPERATIONS)[number] | 'unknown operation';

/** The documented operation the event names, else "unknown operation" (the event's own text never reaches a page). */
export function operationOf(operation: string): ParameterStoreOperation {
  return PARAMETER_STORE_OPERATIONS.find((known) => known === operation) ?? 'unknown operation';
}

export const PARAMETER_STORE_CHANGE = KILL_SWITCH_CHANGE_DETAIL_TYPE;

export interface KillSwitchChange {
  /** EventBridge's id of the event (unique per event; the same on a redelivery). */
  id?: string;
  name: string;
  operation: ParameterStoreOperation;
  time: string;
  account: string;
  region: string;
}

/** The change, or the zod issues (the caller rejects the event with them). */
export function parseKillSwitchChange(raw: unknown): { change: KillSwitchChange } | { issues: string[] } {
  const parsed = changeEventSchema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`) };
  const { id, account, region, time, detail } = parsed.data;
  return { change: { ...(id ? { id } : {}), name: detail.name, operation: operationOf(detail.operation), time, account, region } };
}
