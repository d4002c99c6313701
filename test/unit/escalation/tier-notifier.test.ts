// What goes out to a tier: SNS publishes per channel (email with per-protocol bodies, Chatbot JSON for chat), and for the support tier a case too.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AddCommunicationToCaseCommand, CreateCaseCommand, DescribeCasesCommand, SupportClient } from '@aws-sdk/client-support';
import { mockClient } from 'aws-sdk-client-mock';
import { buildMessageView } from '../../../shared/escalation/message-view';
import { TierNotifier } from '../../../shared/escalation/tier-notifier';
import { capReachedIncident, policy, runtime } from './fixtures';

const sns = mockClient(SNSClient);
const support = mockClient(SupportClient);
const production = policy('production');
/** The send's case nonce, as its claim gives it (escalation-store.ts; review 20b R20-23). */
const NONCE = '7c0e5b1d9a2f4e68';
const staging = policy('staging');

function notifier(): TierNotifier {
  return new TierNotifier(new SNSClient({ region: 'us-east-1' }), new SupportClient({ region: 'us-east-1' }), async (tier) => `arn:aws:sns:us-east-1:123456789012:${tier.topicName}`);
}

function view(tierLevel: number, environment = production) {
  const tier = environment.tiers.find((t) => t.level === tierLevel);
  if (!tier) throw new Error('tier');
  return { tier, view: buildMessageView({ kind: 'opened', incident: capReachedIncident(), tier, sent: [], policy: environment, rows: runtime().config.troubleshooting, now: new Date('2026-11-25T14:00:06Z') }) };
}

beforeEach(() => {
  sns.reset();
  support.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  support.on(CreateCaseCommand).resolves({ caseId: 'case-123456789012-muen-2026-1234' });
  support.on(AddCommunicationToCaseCommand).resolves({ result: true });
  support.on(DescribeCasesCommand).resolves({ cases: [] });
});

describe('TierNotifier', () => {
  it('publishes one email (Subject, MessageStructure json with default and email) and one Chatbot notification to the tier topic', async () => {
    const { tier, view: message } = view(1);
    const delivery = await notifier().notify(tier, message);
    expect(delivery).toEqual({ channels: ['chat', 'email'], messageIds: ['msg-1', 'msg-1'] });

    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    const email = calls.find((c) => c.MessageAttributes?.channel?.StringValue === 'email');
    const chat = calls.find((c) => c.MessageAttributes?.channel?.StringValue === 'chat');
    expect(email).toMatchObject({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:notification-escalation-l1-devops', MessageStructure: 'json' });
    expect(email?.Subject).toBe('[ESCALATION L1][production] NotificationService Queue Depth > 1000 (notification-service-queue)');
    expect(email?.Subject?.length).toBe(95);
    const bodies = JSON.parse(email?.Message ?? '{}') as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email']);
    expect(bodies.email).toContain('WHAT FIRED');
    expect(chat?.MessageStructure).toBeUndefined();
    expect(JSON.parse(chat?.Message ?? '{}')).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    expect(chat?.MessageAttributes).toMatchObject({ incidentId: { DataType: 'String', StringValue: 'inc-3f2a9c1b7d44' }, tier: { StringValue: 'L1' } });
  });

  it('sends only the channels an interrupted earlier attempt did not, recording each as it goes out', async () => {
    const { tier, view: message } = view(1);
    const recorded: string[] = [];
    const delivery = await notifier().notify(tier, message, { delivered: { chat: 'earlier' }, record: (channel, id) => void recorded.push(`${channel}=${id}`) });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.channel?.StringValue)).toEqual(['email']);
    expect(recorded).toEqual(['email=msg-1']);
    expect(delivery).toEqual({ channels: ['chat', 'email'], messageIds: ['earlier', 'msg-1'] });
  });

  it('does not open a second support case when an earlier attempt opened one', async () => {
    const { tier, view: message } = view(3);
    const delivery = await notifier().notify(tier, message, { delivered: { 'support-case': 'case-earlier' }, record: () => undefined });
    expect(support.commandCalls(CreateCaseCommand)).toHaveLength(0);
    expect(delivery.caseId).toBe('case-earlier');
  });

  it.each([
    ['production', production, 'urgent'],
    ['staging', staging, 'normal'],
  ])('opens an AWS Support case in %s with severity %s and pages the tier\'s own topic, the people who own the case', async (_env, environment, severity) => {
    const { tier, view: message } = view(3, environment);
    const delivery = await notifier().notify(tier, message, undefined, { caseNonce: NONCE });
    expect(delivery).toEqual({ channels: ['support-case', 'email'], messageIds: ['msg-1'], caseId: 'case-123456789012-muen-2026-1234', caseLookup: 'none' });
    expect(sns.commandCalls(PublishCommand).map((c) => [c.args[0].input.TopicArn, c.args[0].input.MessageAttributes?.channel?.StringValue])).toEqual([
      ['arn:aws:sns:us-east-1:123456789012:notification-escalation-l3-aws-support', 'email'],
    ]);
    const input = support.commandCalls(CreateCaseCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ severityCode: severity, issueType: 'technical', language: 'en' });
    // The subject opens with the send's marker (R19-10: incident and tier; R20-23: the send's nonce), then the email's subject.
    expect(input?.subject).toMatch(/^\[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68\] \[ESCALATION L3\]/);
    // Support's limits (subject 99 here, body 8000), the exact figures: the subject cut at 96 with "...", the body whole.
    expect(input?.subject).toBe('[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68] [ESCALATION L3][production] NotificationService Queue Dep...');
    expect(input?.subject?.length).toBe(99);
    expect(input?.communicationBody?.length).toBeLessThanOrEqual(8000);
    expect(input?.communicationBody?.length).toBe(environment === production ? 2594 : 2591);
  });

  it.each([
    ['alert-error-rate', 'high'],
    ['scale-consumers', 'urgent'],
  ])('opens the production case of an incident %s escalated at that row\'s severity (%s)', async (playbook, severity) => {
    const { tier, view: message } = view(3);
    const automation = message.automation ? { ...message.automation, playbook } : undefined;
    expect(automation).toBeDefined();
    await notifier().notify(tier, { ...message, automation }, undefined, { caseNonce: NONCE });
    expect(support.commandCalls(CreateCaseCommand)[0]?.args[0].input.severityCode).toBe(severity);
  });

  describe('looks for the case an earlier attempt opened before it opens one (review 19 R19-10)', () => {
    const ours = `[inc-3f2a9c1b7d44 L3 ${NONCE}] [ESCALATION L3][production] NotificationService Queue Depth > 1000`;
    const since = new Date('2026-11-25T14:00:05.000Z');

    it('reads every case since 5 min before the incident was created, resolved ones included, without their communications', async () => {
      const { tier, view: message } = view(3);
      await notifier().notify(tier, message, undefined, { since, caseNonce: NONCE });
      expect(support.commandCalls(DescribeCasesCommand).map((c) => c.args[0].input)).toEqual([
        { includeResolvedCases: true, includeCommunications: false, maxResults: 100, language: 'en', afterTime: '2026-11-25T13:55:05.000Z' },
      ]);
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(1);
    });

    // Decision 334: the look is for a case an earlier attempt of the send opened; a claim that has just written the
    // send's nonce is the first attempt, and only it can open a case bearing that nonce.
    it('a first attempt (the claim wrote the nonce now) opens its case without a look: no DescribeCases, one CreateCase with the marker, no caseLookup', async () => {
      const { tier, view: message } = view(3);
      // A case bearing the nonce cannot exist yet; were one answered, the first attempt would not read it.
      support.on(DescribeCasesCommand).resolves({ cases: [{ caseId: 'case-earlier', subject: ours }] });
      const recorded: string[] = [];
      const delivery = await notifier().notify(tier, message, { delivered: {}, record: (channel, id) => void recorded.push(`${channel}=${id}`) }, { since, caseNonce: NONCE, caseNonceNew: true });
      expect(support.commandCalls(DescribeCasesCommand)).toHaveLength(0);
      expect(support.commandCalls(CreateCaseCommand).map((c) => c.args[0].input.subject?.slice(0, 38))).toEqual([`[inc-3f2a9c1b7d44 L3 ${NONCE}]`]);
      expect(recorded).toEqual(['email=msg-1', 'support-case=case-123456789012-muen-2026-1234']);
      expect(delivery).toEqual({ channels: ['support-case', 'email'], messageIds: ['msg-1'], caseId: 'case-123456789012-muen-2026-1234' });
    });

    it('a retry or takeover (the nonce carried over from an earlier claim) looks first, and takes the case bearing it', async () => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).resolves({ cases: [{ caseId: 'case-earlier', subject: ours }] });
      const delivery = await notifier().notify(tier, message, undefined, { since, caseNonce: NONCE, caseNonceNew: false });
      expect(support.commandCalls(DescribeCasesCommand)).toHaveLength(1);
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(0);
      expect(delivery).toMatchObject({ caseId: 'case-earlier', caseLookup: 'found' });
    });

    it('records the case an earlier attempt opened (its answer lost) as the delivery, and opens none', async () => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).resolves({ cases: [{ caseId: 'case-billing', subject: 'Billing question' }, { caseId: 'case-earlier', subject: ours, status: 'resolved' }] });
      const recorded: string[] = [];
      const delivery = await notifier().notify(tier, message, { delivered: {}, record: (channel, id) => void recorded.push(`${channel}=${id}`) }, { since, caseNonce: NONCE });
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(0);
      expect(recorded.sort()).toEqual(['email=msg-1', 'support-case=case-earlier']);
      expect(delivery).toEqual({ channels: ['support-case', 'email'], messageIds: ['msg-1'], caseId: 'case-earlier', caseLookup: 'found' });
    });

    it('opens ours beside a case a person opened about the same incident: only the exact marker is ours', async () => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).resolves({
        cases: [
          { caseId: 'case-person', subject: 'Re: [inc-3f2a9c1b7d44 L3] queue depth still high' },
          { caseId: 'case-l4', subject: '[inc-3f2a9c1b7d44 L4] [ESCALATED L4][production] NotificationService' },
        ],
      });
      const delivery = await notifier().notify(tier, message, undefined, { since, caseNonce: NONCE });
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(1);
      expect(delivery).toMatchObject({ caseId: 'case-123456789012-muen-2026-1234', caseLookup: 'none' });
    });

    // Review 20b R20-23: the incident id is printed in every L1/L2 message; anyone allowed support:CreateCase could open
    // (and resolve) a low-severity case with the incident's and tier's marker before L3 was due, and L3's case was never
    // opened. Only a case bearing this send's nonce is ours.
    it.each([
      ['the incident\'s and tier\'s marker without a nonce (planted, low, resolved, by anyone)', '[inc-3f2a9c1b7d44 L3] please ignore'],
      ['the marker with the nonce of another send', '[inc-3f2a9c1b7d44 L3 0123456789abcdef] [ESCALATION L3][production] NotificationService'],
      ['our nonce in capitals', `[inc-3f2a9c1b7d44 L3 ${NONCE.toUpperCase()}] [ESCALATION L3][production] NotificationService`],
    ])('opens ours beside a case with %s', async (_what, subject) => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).resolves({ cases: [{ caseId: 'case-planted', subject, severityCode: 'low', status: 'resolved', submittedBy: 'intern@example.com' }] });
      const recorded: string[] = [];
      const delivery = await notifier().notify(tier, message, { delivered: {}, record: (channel, id) => void recorded.push(`${channel}=${id}`) }, { since, caseNonce: NONCE });
      expect(support.commandCalls(CreateCaseCommand).map((c) => [c.args[0].input.severityCode, c.args[0].input.subject?.slice(0, 39)])).toEqual([['urgent', `[inc-3f2a9c1b7d44 L3 ${NONCE}] `]]);
      expect(recorded.sort()).toEqual(['email=msg-1', 'support-case=case-123456789012-muen-2026-1234']);
      expect(delivery).toMatchObject({ caseId: 'case-123456789012-muen-2026-1234', caseLookup: 'none' });
    });

    it('opens no case without the send\'s nonce (a caller that lost it): no look, no CreateCase, the topic still paged', async () => {
      const { tier, view: message } = view(3);
      const recorded: string[] = [];
      await expect(notifier().notify(tier, message, { delivered: {}, record: (channel, id) => void recorded.push(`${channel}=${id}`) }, { since })).rejects.toThrow(
        'support case for inc-3f2a9c1b7d44 L3 not opened: no case nonce from the send\'s claim',
      );
      expect(support.commandCalls(DescribeCasesCommand)).toHaveLength(0);
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(0);
      expect(recorded).toEqual(['email=msg-1']);
    });

    it('follows the pages: ours on the second is found in 2 reads', async () => {
      const { tier, view: message } = view(3);
      support
        .on(DescribeCasesCommand)
        .resolvesOnce({ cases: [{ caseId: 'case-a', subject: 'a' }], nextToken: 'page-2' })
        .resolvesOnce({ cases: [{ caseId: 'case-earlier', subject: ours }] });
      const delivery = await notifier().notify(tier, message, undefined, { since, caseNonce: NONCE });
      expect(support.commandCalls(DescribeCasesCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'page-2']);
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(0);
      expect(delivery).toMatchObject({ caseId: 'case-earlier', caseLookup: 'found' });
    });

    it('reads 3 pages at most, then opens the case all the same and says the look was not finished', async () => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).resolves({ cases: [{ caseId: 'case-a', subject: 'a' }], nextToken: 'more' });
      const delivery = await notifier().notify(tier, message, undefined, { since, caseNonce: NONCE });
      expect(support.commandCalls(DescribeCasesCommand)).toHaveLength(3);
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(1);
      expect(delivery).toMatchObject({ caseId: 'case-123456789012-muen-2026-1234', caseLookup: 'incomplete' });
    });

    it('a look that fails for now opens no case: the tier\'s topic is paged and recorded, the retry looks again and finds the case', async () => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).rejects(Object.assign(new Error('us-east-1 impaired'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));
      const recorded: Record<string, string> = {};
      const progress = { delivered: recorded, record: (channel: string, id: string) => void (recorded[channel] = id) };
      await expect(notifier().notify(tier, message, progress, { since, caseNonce: NONCE })).rejects.toMatchObject({ name: 'TransientError', message: expect.stringContaining('Support DescribeCases failed: ServiceUnavailable') });
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(0);
      expect(recorded).toEqual({ email: 'msg-1' });
      support.on(DescribeCasesCommand).resolves({ cases: [] });
      const delivery = await notifier().notify(tier, message, { delivered: { ...recorded }, record: (channel, id) => void (recorded[channel] = id) }, { since, caseNonce: NONCE });
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(1);
      expect(delivery).toMatchObject({ caseId: 'case-123456789012-muen-2026-1234', caseLookup: 'none' });
    });

    it('a look refused for good (access denied) still opens the case, saying why the look was not made', async () => {
      const { tier, view: message } = view(3);
      support.on(DescribeCasesCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: support:DescribeCases'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
      const delivery = await notifier().notify(tier, message, undefined, { since, caseNonce: NONCE });
      expect(support.commandCalls(CreateCaseCommand)).toHaveLength(1);
      expect(delivery).toMatchObject({ caseId: 'case-123456789012-muen-2026-1234', caseLookup: 'unread', caseLookupError: expect.stringContaining('(missing permission: support:DescribeCases)') });
    });
  });

  it('pages the L3 topic when AWS Support cannot be reached, and the retry opens only the case', async () => {
    const { tier, view: message } = view(3);
    support.on(CreateCaseCommand).rejects(Object.assign(new Error('us-east-1 impaired'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));
    const recorded: Record<string, string> = {};
    const progress = { delivered: recorded, record: (channel: string, id: string) => void (recorded[channel] = id) };
    await expect(notifier().notify(tier, message, progress, { caseNonce: NONCE })).rejects.toMatchObject({ name: 'TransientError' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(recorded).toEqual({ email: 'msg-1' });
    support.on(CreateCaseCommand).resolves({ caseId: 'case-2' });
    const delivery = await notifier().notify(tier, message, { delivered: { ...recorded }, record: (channel, id) => void (recorded[channel] = id) }, { caseNonce: NONCE });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(delivery).toEqual({ channels: ['support-case', 'email'], messageIds: ['msg-1'], caseId: 'case-2', caseLookup: 'none' });
  });

  it('tells the support case about the resolution as a communication on it, and the tier\'s channels that were paged', async () => {
    const { tier, view: message } = view(3);
    await notifier().resolve(tier, { ...message, kind: 'resolved' }, { kind: 'notify', level: 3, tierName: tier.name, status: 'SENT', channels: ['support-case', 'email'], messageIds: ['m'], caseId: 'case-1' });
    expect(support.commandCalls(AddCommunicationToCaseCommand)[0]?.args[0].input).toMatchObject({ caseId: 'case-1' });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.channel?.StringValue)).toEqual(['email']);
  });

  it('a case opened before the tier\'s topic was paged (channels: support-case only) is resolved on the case alone', async () => {
    const { tier, view: message } = view(3);
    await notifier().resolve(tier, { ...message, kind: 'resolved' }, { kind: 'notify', level: 3, tierName: tier.name, status: 'SENT', channels: ['support-case'], messageIds: [], caseId: 'case-1' });
    expect(support.commandCalls(AddCommunicationToCaseCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('sends the resolution through the channels the notification used', async () => {
    const { tier, view: message } = view(1);
    await notifier().resolve(tier, { ...message, kind: 'resolved' }, { kind: 'notify', level: 1, tierName: tier.name, status: 'SENT', channels: ['email'], messageIds: ['m'] });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.channel?.StringValue)).toEqual(['email']);
  });
});
