// Pure: an escalation or resolution message as an AWS Chatbot (Amazon Q Developer in chat applications) custom notification.
import { escapeChat, MEMO_MAX_CHARS, MEMO_TEXTS } from '../report/safe-text';
import { textMemo } from '../text-memo';
import { formatTime, tierLabel, type MessageView } from './message-view';

/**
 * The documented custom notification event ("Custom notifications", Chatbot administrator guide): version must be
 * "1.0", source must be "custom"; client-markdown is the only textType; threadId groups updates into one thread.
 */
export interface ChatbotCustomNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
  };
}

export const CHAT_EVENT_TYPE = 'NotificationServiceEscalation';
// Chat platforms cut long messages (a Slack section block holds 3000 characters): the description stays under that.
const MAX_DESCRIPTION_CHARS = 2800;
const MAX_TITLE_CHARS = 250;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Every field is already one line, masked and bounded (buildMessageView); here it is escaped for chat markup, so text
 * from outside cannot make a link, a mention or a new section.
 */
function inline(text: string): string {
  return text.length <= MEMO_MAX_CHARS ? inlineMemo(text) : inlineText(text);
}

function inlineText(text: string): string {
  return escapeChat(text.replace(/\s+/g, ' ').trim());
}

// Once per container per short text, as safeField's (shared/report/safe-text.ts): most fields repeat at every event.
const inlineMemo = textMemo(inlineText, MEMO_TEXTS);

/** The short message of a re-fire grouped into the incident (decision 204). */
function renderReopened(view: MessageView, tag: string): ChatbotCustomNotification {
  const lines: string[] = [];
  if (view.killSwitch) lines.push(`:octagonal_sign: *${view.killSwitch.unread ? 'Kill switch unreadable' : 'Kill switch engaged'}:* ${inline(view.killSwitch.text)}`);
  if (view.flapping) lines.push(inline(view.flapping));
  // The cause in one line; changed by this re-fire (review 14 R14-15): the new one, why, and its next step below.
  const was = view.causeWas;
  lines.push(
    was
      ? `*The cause is now:* ${inline(view.cause.label)} (${inline(view.cause.code)}): ${inline(view.cause.reason)} (it was ${inline(was.label)}, ${inline(was.code)})`
      : `*Cause:* ${inline(view.cause.label)} (${inline(view.cause.code)}), as in the first message`,
  );
  lines.push(`*Alarm:* \`${inline(view.alarm.name)}\` ${inline(view.alarm.state)} since ${inline(formatTime(view.alarm.since))}`);
  lines.push(nextTierLine(view));
  lines.push(`*Incident:* \`${inline(view.incidentId)}\``);
  return {
    version: '1.0',
    source: 'custom',
    id: `${view.incidentId}-reopened-${tag.toLowerCase()}-c${view.cycle}`,
    content: {
      textType: 'client-markdown',
      title: clip(`:repeat: [${inline(view.environment)}] Re-opened: ${inline(view.alarm.name)}`, MAX_TITLE_CHARS),
      description: clip(lines.join('\n'), MAX_DESCRIPTION_CHARS),
      nextSteps: [
        ...(was && view.nextStep ? [`*Next step:* ${inline(view.nextStep.title)}. ${view.nextStep.lines.map(inline).join(' ')}`] : []),
        `Acknowledge: \`${inline(view.acknowledge.cli)}\` or <${view.acknowledge.consoleUrl}|${inline(view.acknowledge.documentName)}>, in ${inline(view.acknowledge.where)}`,
      ],
      keywords: [view.environment, tag, 'reopened'],
    },
    metadata: {
      threadId: view.incidentId,
      summary: clip(`Re-opened: ${inline(view.alarm.name)} (${inline(view.environment)})`, MAX_TITLE_CHARS),
      eventType: CHAT_EVENT_TYPE,
      relatedResources: [view.alarm.arn],
      additionalContext: { incidentId: view.incidentId, environment: view.environment, account: view.account, region: view.region, tier: tag, kind: view.kind, cause: view.cause.code },
    },
  };
}

/** Who is paged next, and when, unless someone acknowledges (or why nobody is). */
function nextTierLine(view: MessageView): string {
  return 'none' in view.nextTier
    ? `*Next tier:* ${inline(view.nextTier.none)}`
    : `*Next tier:* ${inline(tierLabel(view.nextTier.name, view.nextTier.level))} at ${formatTime(view.nextTier.at)} (in ${view.nextTier.inMinutes} min) unless acknowledged`;
}

/** The cause of the page this tier received is superseded by a later escalation of the alarm (decision 272). */
function renderCauseChanged(view: MessageView, tag: string): ChatbotCustomNotification {
  const lines: string[] = [];
  if (view.killSwitch) lines.push(`:octagonal_sign: *${view.killSwitch.unread ? 'Kill switch unreadable' : 'Kill switch engaged'}:* ${inline(view.killSwitch.text)}`);
  const was = view.causeWas;
  lines.push(`*The cause of your page is superseded:* it was ${was ? `${inline(was.label)} (${inline(was.code)})` : 'another cause'}; a later escalation of the alarm changed it`);
  lines.push(`*The cause is now:* ${inline(view.cause.label)} (${inline(view.cause.code)}): ${inline(view.cause.reason)}`);
  lines.push(`*Alarm:* \`${inline(view.alarm.name)}\` ${inline(view.alarm.state)} since ${inline(formatTime(view.alarm.since))}`);
  if (view.acknowledged) lines.push(`*Acknowledged* by ${inline(view.acknowledged.by)} at ${inline(formatTime(view.acknowledged.at))}`);
  lines.push(nextTierLine(view));
  lines.push(`*Incident:* \`${inline(view.incidentId)}\``);
  return {
    version: '1.0',
    source: 'custom',
    id: `${view.incidentId}-cause-changed-${tag.toLowerCase()}-n${view.causeChange ?? 0}`,
    content: {
      textType: 'client-markdown',
      title: clip(`:arrows_counterclockwise: [${inline(view.environment)}] Cause changed: ${inline(view.alarm.name)}: ${inline(view.cause.label)}`, MAX_TITLE_CHARS),
      description: clip(lines.join('\n'), MAX_DESCRIPTION_CHARS),
      nextSteps: [
        ...(view.nextStep ? [`*Next step:* ${inline(view.nextStep.title)}. ${view.nextStep.lines.map(inline).join(' ')}`] : []),
        ...(view.acknowledged ? [] : [`Acknowledge: \`${inline(view.acknowledge.cli)}\` or <${view.acknowledge.consoleUrl}|${inline(view.acknowledge.documentName)}>, in ${inline(view.acknowledge.where)}`]),
      ],
      keywords: [view.environment, tag, 'cause-changed', view.cause.code],
    },
    metadata: {
      threadId: view.incidentId,
      summary: clip(`Cause changed: ${inline(view.alarm.name)} (${inline(view.environment)})`, MAX_TITLE_CHARS),
      eventType: CHAT_EVENT_TYPE,
      relatedResources: [view.alarm.arn],
      additionalContext: { incidentId: view.incidentId, environment: view.environment, account: view.account, region: view.region, tier: tag, kind: view.kind, cause: view.cause.code },
    },
  };
}

export function renderChatNotification(view: MessageView): ChatbotCustomNotification {
  const tag = `L${view.tier.level}`;
  if (view.kind === 'reopened') return renderReopened(view, tag);
  if (view.kind === 'cause-changed') return renderCauseChanged(view, tag);
  const title =
    view.kind === 'resolved'
      ? `:white_check_mark: [${inline(view.environment)}] Resolved: ${inline(view.alarm.name)}`
      : `:rotating_light: [${inline(view.environment)}] ${view.kind === 'escalated' ? 'Escalated' : 'Escalation'} to ${inline(tierLabel(view.tier.name, view.tier.level))}: ${inline(view.alarm.name)}`;

  const lines: string[] = [];
  if (view.killSwitch) lines.push(`:octagonal_sign: *${view.killSwitch.unread ? 'Kill switch unreadable' : 'Kill switch engaged'}:* ${inline(view.killSwitch.text)}`);
  if (view.kind === 'resolved') {
    lines.push(`*Resolved:* ${inline(view.resolution?.reason ?? 'the alarm cleared')} (${formatTime(view.resolution?.at ?? '')})`);
    if (view.flapping) lines.push(`*It was flapping:* ${inline(view.flapping)}`);
  } else {
    lines.push(`*Why a person is needed:* ${inline(view.cause.label)}: ${inline(view.cause.reason)}`);
    if (view.escalatedBecause) lines.push(`*Escalated because* ${inline(view.escalatedBecause)}`);
  }
  lines.push(`*Alarm:* \`${inline(view.alarm.name)}\` ${inline(view.alarm.state)} since ${inline(formatTime(view.alarm.since))}`);
  if (view.alarm.reason) lines.push(`*Reason:* ${inline(view.alarm.reason)}`);
  lines.push(`*Where:* account ${inline(view.account)}, ${inline(view.region)}, ${inline(view.environment)}`);
  if (view.automation) {
    // The decision's reason is already the "why" line: say only what the playbook did.
    const same = view.kind !== 'resolved' && view.automation.reason === view.cause.reason;
    lines.push(`*Automation:* ${inline(same ? `${view.automation.playbook ?? 'the automation'}: ${view.automation.outcome ?? 'did not act'}` : view.automation.summary)}`);
    for (const change of view.automation.changes) lines.push(`• \`${inline(change)}\``);
  }
  for (const finding of view.findings.slice(0, 5)) lines.push(`• ${inline(finding)}`);
  for (const line of view.earlier) lines.push(`*Earlier cause:* ${inline(line)}`);
  if (view.acknowledged) lines.push(`*Acknowledged* by ${inline(view.acknowledged.by)} at ${inline(formatTime(view.acknowledged.at))}`);
  lines.push(`*Notified:* ${view.notified.map((n) => inline(`${tierLabel(n.name, n.level)} (${formatTime(n.at)}, ${n.via})`)).join('; ')}`);
  lines.push(nextTierLine(view));
  lines.push(`*Incident:* \`${inline(view.incidentId)}\``);

  const nextSteps =
    view.kind === 'resolved'
      ? []
      : [
          // The links are ours (automationRun: the project's document, every parameter URL-encoded); only the text is escaped.
          // What to do first, then the document only where the cause makes running it useful (cause-next-step.ts).
          ...(view.nextStep ? [`*Next step:* ${inline(view.nextStep.title)}. ${view.nextStep.lines.map(inline).join(' ')}`] : []),
          ...(view.nextStep?.run
            ? [`<${view.nextStep.run.consoleUrl}|Run ${inline(view.nextStep.run.documentName)}> or run \`${inline(view.nextStep.run.command)}\`, in ${inline(view.nextStep.run.where)}`]
            : []),
          `Acknowledge: \`${inline(view.acknowledge.cli)}\` or <${view.acknowledge.consoleUrl}|${inline(view.acknowledge.documentName)}>, in ${inline(view.acknowledge.where)}`,
        ];

  return {
    version: '1.0',
    source: 'custom',
    id: `${view.incidentId}-${view.kind}-${tag.toLowerCase()}${view.cycle ? `-c${view.cycle}` : ''}`,
    content: {
      textType: 'client-markdown',
      title: clip(title, MAX_TITLE_CHARS),
      description: clip(lines.join('\n'), MAX_DESCRIPTION_CHARS),
      ...(nextSteps.length ? { nextSteps } : {}),
      keywords: [view.environment, tag, view.kind === 'resolved' ? 'resolved' : view.cause.code, ...(view.automation?.playbook ? [view.automation.playbook] : [])],
    },
    metadata: {
      threadId: view.incidentId,
      summary: clip(`${view.kind === 'resolved' ? 'Resolved' : `${tag} escalation`}: ${inline(view.alarm.name)} (${inline(view.environment)})`, MAX_TITLE_CHARS),
      eventType: CHAT_EVENT_TYPE,
      relatedResources: [view.alarm.arn, ...(view.resource ? [view.resource.arn] : [])],
      additionalContext: {
        incidentId: view.incidentId,
        environment: view.environment,
        account: view.account,
        region: view.region,
        tier: tag,
        kind: view.kind,
        cause: view.cause.code,
      },
    },
  };
}
