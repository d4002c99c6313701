// Delivers one message to one tier: SNS publishes per channel (email text, Chatbot JSON), and for a support tier an AWS Support case.
import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { SupportClient } from '@aws-sdk/client-support';
import { callAws } from '../aws/classify-error';
import { lazy, resolveLazy, type Lazy } from '../aws/lazy-client';
import type { SentNotification } from './incident';
import type { MessageView } from './message-view';
import { supportSeverityOf, type EscalationTier } from './policy';
import { renderChatNotification } from './render-chat';
import { renderEmail } from './render-email';
import { caseMarker, caseSubject } from './support-case-marker';

export interface TierDelivery {
  channels: string[];
  messageIds: string[];
  caseId?: string;
  /**
   * How the case was found before one was opened (review 19 R19-10): `found` an earlier attempt's case, recorded and
   * not opened again; `none` no such case; `incomplete` / `unread` the look could not be finished and a case was opened
   * all the same (a second one is possible: logged). Absent when no case was looked for in this attempt: none opened,
   * or the send's first attempt (its nonce new, so no earlier case can bear it: CaseOptions.caseNonceNew).
   */
  caseLookup?: 'found' | 'none' | 'incomplete' | 'unread';
  /** For `unread`: why DescribeCases was refused. */
  caseLookupError?: string;
}

/** What the support tier's case needs beyond the message: since when a case of this incident can exist, and whose it is. */
export interface CaseOptions {
  /** The incident's creation: no case of it is older (the look for an earlier attempt's case starts there). */
  since?: Date;
  /**
   * The send's case nonce, from its claim (escalation-store.ts SendClaim): carried in the case's subject marker, and the
   * look takes only a case bearing it (review 20b R20-23). Required to open a case: without it none is opened.
   */
  caseNonce?: string;
  /**
   * The send's claim wrote the nonce in this attempt (SendClaim.caseNonceNew): no case can bear it yet, so no look is
   * made (one DescribeCases fewer per first attempt, decision 334). Unset: looked for, as on every retry or takeover.
   */
  caseNonceNew?: boolean;
}

/**
 * What an earlier, interrupted attempt already delivered (channel -> message or case id), and where to report each
 * channel the moment it went out: the caller records it under its claim (and waits for that record before it gives the
 * claim back), so a retry sends only what is missing and nobody gets the same message twice.
 */
export interface DeliveryProgress {
  delivered: Readonly<Record<string, string>>;
  record(channel: string, id: string): void;
}

/**
 * The support tier's module (and the Support client's), loaded once per container when a tier first opens or updates a
 * case: a chunk of its own; an import() of a module already loaded still goes through the module loader at every call
 * (about 28 us each, measured; decision 279).
 */
export const supportCaseModule = lazy(() => import('./support-case'));

const NO_PROGRESS: DeliveryProgress = { delivered: {}, record: () => undefined };

function attributes(view: MessageView, channel: string): Record<string, MessageAttributeValue> {
  // Subscriptions filter on "channel" (email subscribers {"channel":["email"]}, the Chatbot one {"channel":["chat"]}).
  return {
    channel: { DataType: 'String', StringValue: channel },
    incidentId: { DataType: 'String', StringValue: view.incidentId },
    kind: { DataType: 'String', StringValue: view.kind },
    tier: { DataType: 'String', StringValue: `L${view.tier.level}` },
    environment: { DataType: 'String', StringValue: view.environment },
  };
}

export class TierNotifier {
  constructor(
    private readonly sns: Pick<SNSClient, 'send'>,
    /** Given lazily by the handlers: only a support tier loads the Support SDK (./support-case.ts, a chunk of its own). */
    private readonly support: Pick<SupportClient, 'send'> | Lazy<Pick<SupportClient, 'send'>>,
    private readonly topicArn: (tier: EscalationTier) => Promise<string>,
  ) {}

  /**
   * The tier's channels, one publish each; for a support tier where cases are enabled, a new support case as well. The
   * people who own the case are the tier's subscribers (synth warns and preflight checks that topic): they hear what AWS
   * Support is asked, and a case that cannot be opened (Support's one endpoint is us-east-1) still leaves them paged.
   */
  async notify(tier: EscalationTier, view: MessageView, progress: DeliveryProgress = NO_PROGRESS, options: CaseOptions = {}): Promise<TierDelivery> {
    if (!tier.supportCase) return this.publish(tier, view, tier.channels, progress);
    // Both at once, each recorded as it goes out; a failed one throws once the other answered, so a retry sends only it.
    const [published, opened] = await Promise.allSettled([this.publish(tier, view, tier.channels, progress), this.openCase(tier, tier.supportCase, view, progress, options)]);
    if (published.status === 'rejected') throw published.reason;
    if (opened.status === 'rejected') throw opened.reason;
    const { caseId, lookup, lookupError } = opened.value;
    return {
      channels: ['support-case', ...published.value.channels],
      messageIds: published.value.messageIds,
      ...(caseId ? { caseId } : {}),
      ...(lookup ? { caseLookup: lookup } : {}),
      ...(lookupError ? { caseLookupError: lookupError } : {}),
    };
  }

  /**
   * CreateCase takes no idempotency token (review 19 R19-10): an attempt aborted by the deadline, or whose answer was
   * lost, after Support made the case released its claim with no case recorded. So before it opens one, the attempt
   * looks for a case whose subject opens with this send's marker (incident, tier and the send's nonce: support-case.ts
   * findMarkedCase) and, found, records that one as the delivery. A case someone else opened with the incident's id and
   * tier is not taken for ours (review 20b R20-23): it does not bear the nonce. The send's first attempt, whose claim has
   * just written the nonce, does not look (decision 334): only this attempt can open a case bearing it, and has not yet.
   */
  private async openCase(
    tier: EscalationTier,
    supportCase: NonNullable<EscalationTier['supportCase']>,
    view: MessageView,
    progress: DeliveryProgress,
    options: CaseOptions,
  ): Promise<{ caseId?: string; lookup?: TierDelivery['caseLookup']; lookupError?: string }> {
    const opened = progress.delivered['support-case'];
    if (opened) return { caseId: opened };
    if (options.caseNonce === undefined) throw new Error(`support case for ${view.incidentId} L${view.tier.level} not opened: no case nonce from the send's claim`);
    const [cases, support] = await Promise.all([supportCaseModule(), resolveLazy(this.support)]);
    const marker = caseMarker(view.incidentId, view.tier.level, options.caseNonce);
    const lookup = options.caseNonceNew ? undefined : await cases.findMarkedCase(support, marker, options.since);
    if (lookup?.outcome === 'found') {
      progress.record('support-case', lookup.caseId);
      return { caseId: lookup.caseId, lookup: 'found' };
    }
    const email = renderEmail(view);
    const caseId = await cases.createSupportCase(support, tier, { subject: caseSubject(marker, email.subject), text: email.text }, supportSeverityOf(supportCase, view.automation?.playbook));
    if (caseId) progress.record('support-case', caseId);
    return { ...(caseId ? { caseId } : {}), ...(lookup ? { lookup: lookup.outcome } : {}), ...(lookup?.outcome === 'unread' ? { lookupError: lookup.error } : {}) };
  }

  /** The resolution goes where the notification went: the same channels, and the support case as a new communication. */
  async resolve(tier: EscalationTier, view: MessageView, notified: SentNotification, progress: DeliveryProgress = NO_PROGRESS): Promise<TierDelivery> {
    const channels = notified.channels.filter((c): c is 'email' | 'chat' => c === 'email' || c === 'chat');
    if (notified.caseId) {
      const caseId = notified.caseId;
      const told = async (): Promise<void> => {
        if (progress.delivered['support-case']) return;
        const [cases, support] = await Promise.all([supportCaseModule(), resolveLazy(this.support)]);
        await cases.addCaseCommunication(support, caseId, renderEmail(view).text);
        progress.record('support-case', caseId);
      };
      const [published, communicated] = await Promise.allSettled([channels.length ? this.publish(tier, view, channels, progress) : Promise.resolve(undefined), told()]);
      if (published.status === 'rejected') throw published.reason;
      if (communicated.status === 'rejected') throw communicated.reason;
      return { channels: ['support-case', ...(published.value?.channels ?? [])], messageIds: published.value?.messageIds ?? [], caseId };
    }
    return this.publish(tier, view, channels.length ? channels : tier.channels, progress);
  }

  /**
   * A notice that is not about an incident (the kill switch changed: decision 178), on the tier's email and chat
   * channels, with the same "channel" attribute the subscriptions filter on. At least once: a retry after one channel
   * failed sends both again.
   */
  /**
   * A notice (no incident): one publish per channel of email and chat, all at once; a channel in `progress.delivered`
   * went out before and is not sent again, and each one that goes out is reported before the call returns. A failed one
   * throws once the others have answered (and been reported), so the retry sends only it.
   */
  async publishNotice(
    tier: EscalationTier,
    notice: { subject: string; text: string; chat: unknown },
    kind: string,
    environment: string,
    progress: { delivered?: Record<string, string>; onDelivered?: (channel: string, messageId: string) => Promise<void> } = {},
  ): Promise<TierDelivery> {
    const topicArn = await this.topicArn(tier);
    const channels = tier.channels.filter((c) => c === 'email' || c === 'chat');
    const noticeAttributes = (channel: string): Record<string, MessageAttributeValue> => ({
      channel: { DataType: 'String', StringValue: channel },
      kind: { DataType: 'String', StringValue: kind },
      tier: { DataType: 'String', StringValue: `L${tier.level}` },
      environment: { DataType: 'String', StringValue: environment },
    });
    const sent = await Promise.allSettled(
      channels.map(async (channel) => {
        const earlier = progress.delivered?.[channel];
        if (earlier !== undefined) return earlier;
        const command =
          channel === 'email'
            ? new PublishCommand({ TopicArn: topicArn, Subject: notice.subject, MessageStructure: 'json', Message: JSON.stringify({ default: notice.text, email: notice.text }), MessageAttributes: noticeAttributes('email') })
            : new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(notice.chat), MessageAttributes: noticeAttributes('chat') });
        const answer = await callAws(`SNS Publish (${channel})`, () => this.sns.send(command));
        const messageId = answer.MessageId ?? '';
        await progress.onDelivered?.(channel, messageId);
        return messageId;
      }),
    );
    const failed = sent.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    const messageIds = sent.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    return { channels: [...channels], messageIds };
  }

  private async publish(tier: EscalationTier, view: MessageView, channels: readonly string[], progress: DeliveryProgress): Promise<TierDelivery> {
    const topicArn = await this.topicArn(tier);
    // One publish per channel, all at once (a channel does not wait for another's answer); each is reported the moment
    // it went out. A failed one throws once the others have answered (and been reported), so the retry sends only it.
    const sent = await Promise.allSettled(channels.map(async (channel) => this.publishOne(topicArn, view, channel, progress)));
    const failed = sent.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    const messageIds = sent.flatMap((result) => (result.status === 'fulfilled' && result.value !== undefined ? [result.value] : []));
    return { channels: [...channels], messageIds };
  }

  /** One channel's message: its id (an earlier attempt's, if that one already went out); undefined for a channel not known here. */
  private async publishOne(topicArn: string, view: MessageView, channel: string, progress: DeliveryProgress): Promise<string | undefined> {
    const earlier = progress.delivered[channel];
    if (earlier) return earlier;
    if (channel === 'email') {
      const email = renderEmail(view);
      const sent = await callAws('SNS Publish (email)', () =>
        this.sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: email.subject,
            // Per-protocol bodies: "default" is required and serves every protocol without its own key.
            MessageStructure: 'json',
            Message: JSON.stringify({ default: email.text, email: email.text }),
            MessageAttributes: attributes(view, 'email'),
          }),
        ),
      );
      progress.record(channel, sent.MessageId ?? 'sent');
      return sent.MessageId ?? '';
    }
    if (channel === 'chat') {
      const chat = renderChatNotification(view);
      const sent = await callAws('SNS Publish (chat)', () =>
        this.sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(chat), MessageAttributes: attributes(view, 'chat') })),
      );
      progress.record(channel, sent.MessageId ?? 'sent');
      return sent.MessageId ?? '';
    }
    return undefined;
  }
}
