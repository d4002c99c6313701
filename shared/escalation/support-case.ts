// The AWS Support tier's calls, in a module of their own: the tier notifier loads it (and the Support client) only
// when a tier opens or updates a support case, so the Support SDK is not read at every cold start.
import { AddCommunicationToCaseCommand, CreateCaseCommand, DescribeCasesCommand, SupportClient } from '@aws-sdk/client-support';
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { callAws } from '../aws/classify-error';
import type { SdkClientConfig } from '../aws/client-config';
import { PermanentError } from '../errors';
import type { EscalationTier } from './policy';
import { caseWithMarker } from './support-case-marker';

/** CreateCase / AddCommunicationToCase: communicationBody is at most 8000 characters (AWS Support API reference). */
const MAX_CASE_BODY_CHARS = 8000;

/** DescribeCases: maxResults is 10 to 100 (AWS Support API reference). */
const CASES_PER_PAGE = 100;

/**
 * Pages of DescribeCases read before the look gives up and the case is opened anyway (a second case is then possible,
 * and said): 300 cases opened in the account since the incident was, far more than an operations account opens.
 */
export const CASE_LOOKUP_MAX_PAGES = 3;

/**
 * The look starts this long before the incident was created: the incident's time is this function's clock, a case's
 * creation AWS Support's. Lambda's clock is kept by Amazon Time Sync; 5 min is far above any skew it allows.
 */
export const CASE_LOOKUP_SKEW_MS = 5 * 60_000;

/**
 * Retries only a call AWS refused for throttling: it did nothing. CreateCase and AddCommunicationToCase take no
 * idempotency token, and a 5xx, a request timeout or a reset connection may come after Support made the case: the
 * SDK's own retry would open a second one with nobody looking first (review 19 R19-10; @smithy/types says as much of
 * "TRANSIENT" errors: never to be retried for non-idempotent requests). Those go back to the delivery, whose retry looks
 * for the case (findMarkedCase) before it opens one. DescribeCases, a read, shares the client and its rule: its
 * failure is retried with the delivery.
 */
class ThrottlingOnlyRetry implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private readonly inner: AdaptiveRetryStrategy;

  constructor(maxAttempts: number) {
    this.inner = new AdaptiveRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: Parameters<AdaptiveRetryStrategy['refreshRetryTokenForRetry']>[0], errorInfo: RetryErrorInfo): Promise<RetryToken> {
    // Refused: the retry middleware then throws the call's own error.
    if (errorInfo.errorType !== 'THROTTLING') return Promise.reject(new Error(`not retried: ${errorInfo.errorType}`));
    return this.inner.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: Parameters<AdaptiveRetryStrategy['recordSuccess']>[0]): void {
    this.inner.recordSuccess(token);
  }
}

/** The Support client's retry strategy: throttling only (above). */
export function supportRetryStrategy(maxAttempts: number): RetryStrategyV2 {
  return new ThrottlingOnlyRetry(maxAttempts);
}

export function supportClient(config: SdkClientConfig): SupportClient {
  return new SupportClient({ ...config, retryStrategy: supportRetryStrategy(config.maxAttempts) });
}

/**
 * What the look for an earlier attempt's case found: `found` (its id), `none` (every case since the incident read),
 * `incomplete` (CASE_LOOKUP_MAX_PAGES read, more left) or `unread` (DescribeCases refused for good: `error`).
 */
export type CaseLookup = { outcome: 'found'; caseId: string } | { outcome: 'none' } | { outcome: 'incomplete' } | { outcome: 'unread'; error: string };

/**
 * Looks for the case an earlier attempt of this send opened (its subject opens with `marker`): every case created
 * since `since` less CASE_LOOKUP_SKEW_MS, resolved ones included (a case someone resolved is still this tier's case),
 * CASE_LOOKUP_MAX_PAGES pages at most. A transient failure is thrown: the delivery releases its claim and its retry
 * looks again (the tier's topic is paged meanwhile, its own channel). A permanent one (access denied, a request
 * Support rejects) would fail every retry alike, so it is returned as `unread` and the case is opened all the same:
 * a second case is possible then, a case never opened is not.
 */
export async function findMarkedCase(support: Pick<SupportClient, 'send'>, marker: string, since: Date | undefined): Promise<CaseLookup> {
  const afterTime = since && !Number.isNaN(since.getTime()) ? new Date(since.getTime() - CASE_LOOKUP_SKEW_MS).toISOString() : undefined;
  let nextToken: string | undefined;
  try {
    for (let page = 1; page <= CASE_LOOKUP_MAX_PAGES; page += 1) {
      const answer = await callAws('Support DescribeCases', () =>
        support.send(
          new DescribeCasesCommand({
            includeResolvedCases: true,
            includeCommunications: false,
            maxResults: CASES_PER_PAGE,
            language: 'en',
            ...(afterTime ? { afterTime } : {}),
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      const caseId = caseWithMarker(answer.cases ?? [], marker);
      if (caseId) return { outcome: 'found', caseId };
      if (!answer.nextToken) return { outcome: 'none' };
      nextToken = answer.nextToken;
    }
  } catch (error) {
    if (error instanceof PermanentError) return { outcome: 'unread', error: error.message };
    throw error;
  }
  return { outcome: 'incomplete' };
}

/** Opens the tier's case at `severityCode`: the escalated row's own severity (supportSeverityOf), else the tier's. */
export async function createSupportCase(
  support: Pick<SupportClient, 'send'>,
  tier: EscalationTier,
  message: { subject: string; text: string },
  severityCode: string,
): Promise<string | undefined> {
  const created = await callAws('Support CreateCase', () =>
    support.send(
      new CreateCaseCommand({
        subject: message.subject,
        communicationBody: message.text.slice(0, MAX_CASE_BODY_CHARS),
        severityCode,
        issueType: 'technical',
        language: 'en',
        ...(tier.supportCase?.serviceCode ? { serviceCode: tier.supportCase.serviceCode } : {}),
        ...(tier.supportCase?.categoryCode ? { categoryCode: tier.supportCase.categoryCode } : {}),
        ...(tier.supportCase?.ccEmailAddresses ? { ccEmailAddresses: tier.supportCase.ccEmailAddresses } : {}),
      }),
    ),
  );
  return created.caseId;
}

export async function addCaseCommunication(support: Pick<SupportClient, 'send'>, caseId: string, text: string): Promise<void> {
  await callAws('Support AddCommunicationToCase', () =>
    support.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: text.slice(0, MAX_CASE_BODY_CHARS) })),
  );
}
