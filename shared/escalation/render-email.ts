// Pure: an escalation or resolution message as a plain-text email (SNS Subject + body) for a tier's email subscribers.
import { formatTime, tierLabel, type MessageView } from './message-view';

export interface EmailMessage {
  subject: string;
  text: string;
}

/** SNS Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long." */
export const MAX_SUBJECT_CHARS = 99;
/** SNS messages are at most 256 KB; the body is kept well below it so an email stays readable. */
const MAX_TEXT_CHARS = 60_000;

/**
 * A subject SNS accepts everywhere: printable ASCII only (SNS rewrites subjects with other characters for some
 * endpoints), one line, at most 99 characters, cut with "...".
 */
export function emailSubject(raw: string): string {
  const ascii = raw
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[^\x20-\x7E]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return ascii.length <= MAX_SUBJECT_CHARS ? ascii : `${ascii.slice(0, MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
}

/** The subject with its suffix (the cause) when both fit; the alarm name matters more, so the suffix goes first. */
function fittedSubject(head: string, suffix: string): string {
  const whole = emailSubject(`${head}${suffix}`);
  return whole.endsWith('...') ? emailSubject(head) : whole;
}

function section(title: string, lines: readonly string[]): string[] {
  return lines.length ? ['', title, ...lines.map((line) => `  ${line}`)] : [];
}

function nextTierLines(view: MessageView): string[] {
  return 'none' in view.nextTier
    ? [view.nextTier.none]
    : [`${tierLabel(view.nextTier.name, view.nextTier.level)} at ${formatTime(view.nextTier.at)} (in ${view.nextTier.inMinutes} min), unless acknowledged or the alarm clears.`];
}

function nextStepSection(view: MessageView): string[] {
  if (!view.nextStep) return [];
  const run = view.nextStep.run;
  return section(`NEXT STEP: ${view.nextStep.title}`, [
    ...view.nextStep.lines,
    ...(run ? [`Run ${run.documentName} in ${run.where}:`, run.command, `Console: ${run.consoleUrl}`] : []),
  ]);
}

/** The short message of a re-fire grouped into the incident (decision 204): what fired again, how to stop the climb. */
function renderReopened(view: MessageView, lines: string[]): EmailMessage {
  const subject = emailSubject(`[RE-OPENED L${view.tier.level}][${view.environment}] ${view.alarm.name}`);
  lines.push(`RE-OPENED: incident ${view.incidentId}, ${view.environment}`);
  if (view.flapping) lines.push(view.flapping);
  // One line on the cause; when this re-fire changed it (review 14 R14-15), what it is now and what to do replace the
  // first message's, which described the cause it had then.
  const was = view.causeWas;
  lines.push(
    was
      ? `The cause is now: ${view.cause.label} (${view.cause.code}); it was ${was.label} (${was.code}) until this re-fire.`
      : `Cause: ${view.cause.label} (${view.cause.code}), as in the first message.`,
  );
  if (was) lines.push(...section('WHY A PERSON IS NEEDED', [view.cause.reason]));
  lines.push(
    ...section('WHAT FIRED', [
      `Alarm:       ${view.alarm.name}`,
      `State:       ${view.alarm.state} since ${formatTime(view.alarm.since)}`,
      ...(view.alarm.reason ? [`Reason:      ${view.alarm.reason}`] : []),
    ]),
  );
  if (was) lines.push(...nextStepSection(view));
  lines.push(...section('ACKNOWLEDGE (stops the escalation)', [`Run in ${view.acknowledge.where}:`, view.acknowledge.cli]));
  lines.push(...section('NEXT TIER', nextTierLines(view)));
  lines.push('', `-- Notification Service runbook automation, incident ${view.incidentId} (${was ? 'the cause changed: this message has its details' : 'the first message has the details'})`);
  return { subject, text: lines.join('\n') };
}

/**
 * The message to a tier already paged when a later escalation of the alarm changed the incident's cause (decision 272):
 * the page it received described a cause that no longer stands; what the cause is now, why, and what to do.
 */
function renderCauseChanged(view: MessageView, lines: string[]): EmailMessage {
  const subject = fittedSubject(`[CAUSE CHANGED L${view.tier.level}][${view.environment}] ${view.alarm.name}`, `: ${view.cause.label}`);
  const was = view.causeWas;
  lines.push(`CAUSE CHANGED: incident ${view.incidentId}, ${view.environment}`);
  lines.push(
    `The cause of the page you (${tierLabel(view.tier.name, view.tier.level)}) received is superseded: it was ${was ? `${was.label} (${was.code})` : 'another cause'}; ` +
      `a later escalation of the alarm at ${formatTime(view.alarm.since)} changed it.`,
  );
  lines.push(`The cause is now: ${view.cause.label} (${view.cause.code}).`);
  lines.push(...section('WHY A PERSON IS NEEDED', [view.cause.reason, ...(view.cause.guardrail ? [`Guardrail: ${view.cause.guardrail}`] : []), ...(view.cause.error ? [`Error: ${view.cause.error}`] : [])]));
  lines.push(
    ...section('WHAT FIRED', [
      `Alarm:       ${view.alarm.name}`,
      `State:       ${view.alarm.state} since ${formatTime(view.alarm.since)}`,
      ...(view.alarm.reason ? [`Reason:      ${view.alarm.reason}`] : []),
    ]),
  );
  lines.push(...nextStepSection(view));
  if (view.acknowledged) lines.push(...section('ACKNOWLEDGED', [`by ${view.acknowledged.by} at ${formatTime(view.acknowledged.at)}`]));
  else lines.push(...section('ACKNOWLEDGE (stops the escalation)', [`Run in ${view.acknowledge.where}:`, view.acknowledge.cli]));
  lines.push(...section('EARLIER CAUSES (superseded by a later escalation of the alarm)', view.earlier.map((line) => `- ${line}`)));
  lines.push(...section('NEXT TIER', nextTierLines(view)));
  lines.push('', `-- Notification Service runbook automation, incident ${view.incidentId} (the cause changed: this message has its details)`);
  return { subject, text: lines.join('\n') };
}

export function renderEmail(view: MessageView): EmailMessage {
  const tag = `L${view.tier.level}`;
  const subject =
    view.kind === 'resolved'
      ? emailSubject(`[RESOLVED][${view.environment}] ${view.alarm.name}`)
      : fittedSubject(`[${view.kind === 'escalated' ? 'ESCALATED' : 'ESCALATION'} ${tag}][${view.environment}] ${view.alarm.name}`, `: ${view.cause.label}`);

  const lines: string[] = [];
  // First, so nobody reads the rest believing the automation is still acting.
  if (view.killSwitch) lines.push(`${view.killSwitch.unread ? 'KILL SWITCH UNREADABLE' : 'KILL SWITCH ENGAGED'}: ${view.killSwitch.text}`, '');
  if (view.kind === 'reopened') return renderReopened(view, lines);
  if (view.kind === 'cause-changed') return renderCauseChanged(view, lines);
  if (view.kind === 'resolved') {
    lines.push(`RESOLVED: incident ${view.incidentId}, ${view.environment}`);
    lines.push(`The alarm "${view.alarm.name}" cleared: ${view.resolution?.reason ?? 'OK'} (${formatTime(view.resolution?.at ?? '')}).`);
    if (view.flapping) lines.push(`It was flapping: ${view.flapping}.`);
    lines.push(`You (${tierLabel(view.tier.name, view.tier.level)}) were notified about it; nothing more is needed unless it fires again.`);
  } else {
    lines.push(`${view.kind === 'escalated' ? 'ESCALATED' : 'ESCALATION'} to ${tierLabel(view.tier.name, view.tier.level)}: incident ${view.incidentId}, ${view.environment}`);
    lines.push(view.headline);
    if (view.escalatedBecause) lines.push(`Escalated to you because ${view.escalatedBecause}.`);
  }

  lines.push(
    ...section('WHAT FIRED', [
      `Alarm:       ${view.alarm.name}`,
      `State:       ${view.alarm.state} since ${formatTime(view.alarm.since)}`,
      ...(view.alarm.reason ? [`Reason:      ${view.alarm.reason}`] : []),
      ...(view.resource ? [`Resource:    ${view.resource.id} (${view.resource.arn})`] : []),
      `Account:     ${view.account}`,
      `Region:      ${view.region}`,
      `Environment: ${view.environment}`,
      `Alarm ARN:   ${view.alarm.arn}`,
    ]),
  );
  if (view.kind !== 'resolved') {
    lines.push(
      ...section('WHY A PERSON IS NEEDED', [
        `${view.cause.label} (${view.cause.code})`,
        // The decision's own reason is printed with what the automation did, below.
        ...(view.automation?.reason === view.cause.reason ? [] : [view.cause.reason]),
        ...(view.cause.guardrail ? [`Guardrail: ${view.cause.guardrail}`] : []),
        ...(view.cause.error ? [`Error: ${view.cause.error}`] : []),
      ]),
    );
  }
  if (view.automation) {
    lines.push(
      ...section('WHAT THE AUTOMATION OBSERVED AND DID', [
        view.automation.summary,
        ...view.automation.changes.map((change) => `  ${change}`),
        ...(view.automation.blastRadius ? [`Blast radius: ${view.automation.blastRadius}`] : []),
        ...(view.automation.dryRun ? ['Dry run: nothing was changed.'] : []),
      ]),
    );
  }
  lines.push(...section('FINDINGS', view.findings.map((finding) => `- ${finding}`)));
  lines.push(...section('LATER UPDATES', view.updates.map((update) => `- ${update}`)));
  lines.push(...section('EARLIER CAUSES (superseded by a later escalation of the alarm)', view.earlier.map((line) => `- ${line}`)));
  if (view.kind !== 'resolved') {
    lines.push(...nextStepSection(view));
    lines.push(
      ...section('ACKNOWLEDGE (stops the escalation)', [
        `Run in ${view.acknowledge.where}:`,
        view.acknowledge.cli,
        `or: ${view.acknowledge.command}`,
        `Console: ${view.acknowledge.consoleUrl}`,
      ]),
    );
  }
  if (view.acknowledged) lines.push(...section('ACKNOWLEDGED', [`by ${view.acknowledged.by} at ${formatTime(view.acknowledged.at)}`]));
  lines.push(...section('NOTIFIED', view.notified.map((n) => `- ${tierLabel(n.name, n.level)} at ${formatTime(n.at)} via ${n.via}`)));
  lines.push(
    ...section(
      'NEXT TIER',
      'none' in view.nextTier
        ? [view.nextTier.none]
        : [`${tierLabel(view.nextTier.name, view.nextTier.level)} at ${formatTime(view.nextTier.at)} (in ${view.nextTier.inMinutes} min), unless acknowledged or the alarm clears.`],
    ),
  );
  lines.push('', `-- Notification Service runbook automation, incident ${view.incidentId}`);

  const text = lines.join('\n');
  return { subject, text: text.length <= MAX_TEXT_CHARS ? text : `${text.slice(0, MAX_TEXT_CHARS)}\n(truncated)` };
}
