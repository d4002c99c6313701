// The AWS Support tier's two calls, in a module of their own: the tier notifier loads it (and the Support client) only
// when a tier opens or updates a support case, so the Support SDK is not read at every cold start.
import { AddCommunicationToCaseCommand, CreateCaseCommand, SupportClient, type SupportClientConfig } from '@aws-sdk/client-support';
import { callAws } from '../aws/classify-error';
import type { EscalationTier } from './policy';

/** CreateCase / AddCommunicationToCase: communicationBody is at most 8000 characters (AWS Support API reference). */
const MAX_CASE_BODY_CHARS = 8000;

export function supportClient(config: SupportClientConfig): SupportClient {
  return new SupportClient(config);
}

/** Opens the tier's case at `severityCode`: the escalated row's own severity (supportSeverityOf), else the tier's. */
export async function createSupportCase(
  support: Pick<SupportClient, 'send'>,
  tier: EscalationTier,
  email: { subject: string; text: string },
  severityCode: string,
): Promise<string | undefined> {
  const created = await callAws('Support CreateCase', () =>
    support.send(
      new CreateCaseCommand({
        subject: email.subject,
        communicationBody: email.text.slice(0, MAX_CASE_BODY_CHARS),
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
