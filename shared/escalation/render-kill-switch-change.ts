// What L1 is told when someone changed the kill switch (decision 178): the change, what the switch says now and where
// CloudTrail names who. Apart from the event's parser (kill-switch-change.ts) so that it loads only with such an event
// (kill-switch-announce.ts, decision 333). Pure.
import type { KillSwitchState } from '../guard/kill-switch';
import { escapeChat, safeField } from '../report/safe-text';
import { operationOf, type KillSwitchChange } from './kill-switch-change';
import { shellQuote } from './next-step';
import type { EscalationTier } from './policy';
import type { ChatbotCustomNotification } from './render-chat';
import { emailSubject } from './render-email';

/**
 * The state of the switch a notice tells of (review 12 R12-3, review 13 R13-9): the version Parameter Store answered with
 * (and its LastModifiedDate, since a deleted and re-created parameter starts again at version 1), or that it does not
 * exist. L1 is told each state once, so an event handed to escalate again (a redelivery, or anyone who may invoke it)
 * repeats nothing. A switch that could not be read has no state to compare: that notice is keyed by the event's id.
 */
export function killSwitchToldKey(change: Pick<KillSwitchChange, 'id' | 'time'>, now: KillSwitchState): string {
  if (now.absent) return 'absent';
  if (now.unread || now.version === undefined) return `unread event ${change.id ?? change.time}`;
  return `version ${now.version} of ${now.modifiedAt ?? 'an unknown time'}`;
}

/** SSM's parameter names: letters, digits and _.-/ (PutParameter's Name). Only such a name is put inside the query. */
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]+$/;

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The CloudTrail lookup that names who changed the switch (review 13 R13-9): the operation's event name, a window of 5
 * minutes around the change (the parameter's LastModifiedDate for a put; else from the event's time, or an hour before
 * the notice if that time is later than it, to 5 minutes after the notice), and a --query keeping only events whose record
 * carries the switch's name as a whole JSON string (requestParameters.name, or DeleteParameters' names): the region's
 * other PutParameter calls are left out. Run in the switch's account and region.
 */
export function whoChangedCommand(change: KillSwitchChange, now: KillSwitchState, context: { region: string; name: string; at: Date }): string {
  const operation = operationOf(change.operation);
  const lookup =
    operation === 'unknown operation'
      ? 'AttributeKey=ReadOnly,AttributeValue=false'
      : `AttributeKey=EventName,AttributeValue=${operation === 'Delete' ? 'DeleteParameter' : operation === 'LabelParameterVersion' ? 'LabelParameterVersion' : 'PutParameter'}`;
  const fiveMinutes = 5 * 60_000;
  const atMs = context.at.getTime();
  const modifiedMs = now.modifiedAt && (operation === 'Create' || operation === 'Update') ? Date.parse(now.modifiedAt) : Number.NaN;
  const eventMs = Date.parse(change.time);
  const [startMs, endMs] = !Number.isNaN(modifiedMs)
    ? [modifiedMs - fiveMinutes, modifiedMs + fiveMinutes]
    : [(!Number.isNaN(eventMs) && eventMs <= atMs ? eventMs : atMs - 12 * fiveMinutes) - fiveMinutes, atMs + fiveMinutes];
  // Inside shell double quotes: the name holds none of $ ` \ " !, so only the JSON quotes around it need a backslash.
  const query = PARAMETER_NAME.test(context.name) ? ` --query "Events[?contains(CloudTrailEvent, '\\"${context.name}\\"')]"` : '';
  return `aws cloudtrail lookup-events --region ${shellQuote(context.region)} --lookup-attributes ${lookup} --start-time ${isoSeconds(startMs)} --end-time ${isoSeconds(endMs)}${query}`;
}

export interface KillSwitchChangeNotice {
  subject: string;
  text: string;
  chat: ChatbotCustomNotification;
}

/**
 * What L1 is told: the change, what the switch says now (read after the event, uncached), what that means, who did it.
 * `context.account` and `context.region` are the deployment's (the handler refuses a change from anywhere else): the
 * message and its CloudTrail command are built from them, not from the event.
 */
export function renderKillSwitchChange(
  change: KillSwitchChange,
  now: KillSwitchState,
  context: { environment: string; account: string; region: string; tier: Pick<EscalationTier, 'level' | 'name'>; at: Date },
): KillSwitchChangeNotice {
  const name = safeField(change.name, 256);
  const operation = operationOf(change.operation);
  const where = `account ${safeField(context.account, 16)}, ${safeField(context.region, 32)}, ${safeField(context.environment, 32)}`;
  const state = safeField(now.reason, 400);
  const meaning = now.unread
    ? 'What it says now could not be read: while it cannot, the alarm handlers make no change (they retry). Check it.'
    : now.engaged
      ? 'The automation is stopped: nothing is changed automatically until it says exactly "off" again. Escalation still pages. If nobody on the team meant to stop it, treat this as an incident.'
      : 'The automation acts again: the alarm handlers make changes within their guardrails.';
  const who = `Who: the event does not say; CloudTrail does (this account's event history): ${whoChangedCommand(change, now, { region: context.region, name: change.name, at: context.at })}`;
  // When: what Parameter Store says of the value read (its version and LastModifiedDate), not the event's claim.
  const when = now.absent
    ? `the parameter no longer exists (event time ${safeField(change.time, 64)})`
    : now.version !== undefined
      ? `version ${now.version}, written ${now.modifiedAt ?? 'at a time Parameter Store did not give'}`
      : `event time ${safeField(change.time, 64)}; the parameter could not be read`;
  const lines = [`KILL SWITCH CHANGED (${operation}): ${when}, ${where}.`, `Now: ${state}.`, meaning, who];
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
