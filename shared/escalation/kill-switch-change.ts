// Someone changed the kill switch (SSM's "Parameter Store Change" event): parsed, and told to L1 as an email and a chat
// notification, with what the switch says now and where CloudTrail names who (decision 178). Pure but for zod.
import * as z from 'zod/mini';
import { KILL_SWITCH_CHANGE_DETAIL_TYPE } from '../config/names';
import type { KillSwitchState } from '../guard/kill-switch';
import { escapeChat, safeField } from '../report/safe-text';
import type { ChatbotCustomNotification } from './render-chat';
import { emailSubject } from './render-email';
import type { EscalationTier } from './policy';

/** The event's documented shape (Systems Manager user guide, "Parameter Store events"; EventBridge events reference). */
const changeEventSchema = z.looseObject({
  id: z.optional(z.string()),
  source: z.literal('aws.ssm'),
  'detail-type': z.literal(KILL_SWITCH_CHANGE_DETAIL_TYPE),
  account: z.string().check(z.regex(/^\d{12}$/)),
  region: z.string().check(z.minLength(1), z.maxLength(32)),
  time: z.string().check(z.minLength(1), z.maxLength(64)),
  detail: z.looseObject({
    name: z.string().check(z.minLength(1), z.maxLength(2048)),
    // Create, Update, Delete, LabelParameterVersion: kept as text, a new operation is still a change worth telling.
    operation: z.string().check(z.minLength(1), z.maxLength(64)),
    type: z.optional(z.string()),
  }),
});

export const PARAMETER_STORE_CHANGE = KILL_SWITCH_CHANGE_DETAIL_TYPE;

export interface KillSwitchChange {
  name: string;
  operation: string;
  time: string;
  account: string;
  region: string;
}

/** The change, or the zod issues (the caller rejects the event with them). */
export function parseKillSwitchChange(raw: unknown): { change: KillSwitchChange } | { issues: string[] } {
  const parsed = changeEventSchema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`) };
  const { account, region, time, detail } = parsed.data;
  return { change: { name: detail.name, operation: detail.operation, time, account, region } };
}

export interface KillSwitchChangeNotice {
  subject: string;
  text: string;
  chat: ChatbotCustomNotification;
}

/** What L1 is told: the change, what the switch says now (read after the event, uncached), what that means, who did it. */
export function renderKillSwitchChange(change: KillSwitchChange, now: KillSwitchState, context: { environment: string; tier: Pick<EscalationTier, 'level' | 'name'> }): KillSwitchChangeNotice {
  const name = safeField(change.name, 256);
  const operation = safeField(change.operation, 64);
  const where = `account ${safeField(change.account, 16)}, ${safeField(change.region, 32)}, ${safeField(context.environment, 32)}`;
  const state = safeField(now.reason, 400);
  const meaning = now.unread
    ? 'What it says now could not be read: while it cannot, the alarm handlers make no change (they retry). Check it.'
    : now.engaged
      ? 'The automation is stopped: nothing is changed automatically until it says exactly "off" again. Escalation still pages. If nobody on the team meant to stop it, treat this as an incident.'
      : 'The automation acts again: the alarm handlers make changes within their guardrails.';
  const event = operation === 'Delete' ? 'DeleteParameter' : 'PutParameter';
  const who = `Who: the event does not say; CloudTrail does: aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=${event} --region ${safeField(change.region, 32)}`;
  const lines = [`KILL SWITCH CHANGED (${operation}) at ${safeField(change.time, 64)}, ${where}.`, `Now: ${state}.`, meaning, who];
  const subject = emailSubject(`[KILL SWITCH][${context.environment}] ${change.name} ${operation}: ${now.unread ? 'unreadable' : now.engaged ? 'automation stopped' : 'automation on'}`);
  const chat: ChatbotCustomNotification = {
    version: '1.0',
    source: 'custom',
    id: `kill-switch-${safeField(change.time, 64)}`,
    content: {
      textType: 'client-markdown',
      title: `:octagonal_sign: [${escapeChat(context.environment)}] Kill switch ${escapeChat(name)}: ${escapeChat(operation)}`,
      description: lines.map((line) => escapeChat(line)).join('\n'),
      keywords: [context.environment, `L${context.tier.level}`, 'kill-switch'],
    },
    metadata: { summary: subject, eventType: 'NotificationServiceKillSwitch', additionalContext: { environment: context.environment, tier: `L${context.tier.level}`, kind: 'kill-switch' } },
  };
  return { subject, text: [...lines, '', `-- Notification Service runbook automation, to ${context.tier.name}`].join('\n'), chat };
}
