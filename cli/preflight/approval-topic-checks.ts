// Preflight: the approval topic the documents' aws:approve steps notify (NotificationArn, decision 202) reaches an
// approver (review 13 R13-5). An approval request nobody receives waits its hour and the run ends Failed: for
// FailoverToDR an hour lost in a regional outage, found only then.
//
// The topic is read from the documents as deployed (their NotificationArn, not the configuration). Lines:
// - approval-topic: the topic exists and has at least one confirmed subscription without a filter policy (infra writes
//   none: Automation's request carries no message attributes, so an attribute filter drops every one); else FAIL.
// - approval-subscriber: each configured approver address (environments.<env>.runbookApprovers.emails, the ones infra
//   subscribes): not subscribed FAIL; pending WARN (FAIL through approval-topic when nobody else is confirmed); confirmed
//   by the unsigned link (ConfirmationWasAuthenticated not true) WARN: its own footer link, in every request mail, then
//   unsubscribes it without credentials, and no topic policy can refuse Unsubscribe (decision 208). Any subscription with
//   a filter policy: FAIL with the call that removes it. An email subscriber the configuration does not name: WARN (it
//   receives every approval request).
import { GetSubscriptionAttributesCommand, paginateListSubscriptionsByTopic, type Subscription } from '@aws-sdk/client-sns';
import type { PreflightExpectations } from './expectations';
import type { ExpectedDocument } from './plumbing-checks';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const APPROVAL_TOPIC_ACTIONS = ['sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes'] as const;

/** Pure: each aws:approve step's NotificationArn in the documents as deployed, topic ARN -> the documents that name it. */
export function documentApprovalTopics(documents: readonly ExpectedDocument[]): Map<string, string[]> {
  const topics = new Map<string, string[]>();
  for (const doc of documents) {
    const steps = (doc.content as { mainSteps?: Array<{ action?: unknown; inputs?: { NotificationArn?: unknown } }> } | null)?.mainSteps ?? [];
    for (const step of steps) {
      const arn = step.action === 'aws:approve' ? step.inputs?.NotificationArn : undefined;
      if (typeof arn !== 'string') continue;
      const docs = topics.get(arn) ?? [];
      if (!docs.includes(doc.name)) docs.push(doc.name);
      topics.set(arn, docs);
    }
  }
  return topics;
}

const isConfirmed = (s: Subscription): boolean => s.SubscriptionArn?.startsWith('arn:') === true;
const isEmail = (s: Subscription): boolean => s.Protocol === 'email' || s.Protocol === 'email-json';

/** The approval topics of the documents registered here, each read back. */
export async function checkApprovalTopics(clients: PreflightClients, expected: PreflightExpectations, documents: readonly ExpectedDocument[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [topicArn, docs] of documentApprovalTopics(documents)) results.push(...(await checkApprovalTopic(clients, expected, topicArn, docs)));
  return results;
}

async function checkApprovalTopic(clients: PreflightClients, expected: PreflightExpectations, topicArn: string, docs: string[]): Promise<CheckResult[]> {
  const field = `environments.${expected.environment}.runbookApprovers.emails`;
  const region = topicArn.split(':')[3] ?? '';
  const impact = `an approval request of ${docs.join(', ')} reaches nobody: the run waits at its approval step for its hour and ends Failed`;
  const subscriptions: Subscription[] = [];
  try {
    for await (const page of paginateListSubscriptionsByTopic({ client: clients.sns }, { TopicArn: topicArn })) subscriptions.push(...(page.Subscriptions ?? []));
  } catch (error) {
    if (awsErrorName(error) !== 'NotFoundException' && awsErrorName(error) !== 'NotFound') throw error;
    return [fail('plumbing', 'approval-topic', topicArn, `approval topic ${topicArn} does not exist: ${impact}`, 'deploy the runbook stack: it creates the topic wherever a document with an approval is registered')];
  }
  const results: CheckResult[] = [];
  const attributes = new Map<string, Record<string, string>>();
  for (const s of subscriptions.filter(isConfirmed)) {
    const arn = s.SubscriptionArn ?? '';
    attributes.set(arn, (await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes ?? {});
  }
  const filtered = (s: Subscription): string | undefined => {
    const policy = attributes.get(s.SubscriptionArn ?? '')?.FilterPolicy;
    return policy !== undefined && policy.trim() !== '' ? policy : undefined;
  };
  const reaching = subscriptions.filter((s) => isConfirmed(s) && filtered(s) === undefined);
  const pending = subscriptions.filter((s) => !isConfirmed(s)).length;
  results.push(
    reaching.length > 0
      ? pass('plumbing', 'approval-topic', topicArn, `approval topic of ${docs.join(', ')}: ${reaching.length} confirmed subscription(s) without a filter (${[...new Set(reaching.map((s) => s.Protocol ?? '?'))].sort().join(', ')})${pending ? `, ${pending} pending` : ''}`)
      : fail(
          'plumbing',
          'approval-topic',
          topicArn,
          `approval topic ${topicArn} has no confirmed subscription that receives its requests${pending ? ` (${pending} pending confirmation)` : ''}${subscriptions.some((s) => filtered(s) !== undefined) ? ' (every confirmed one has a filter policy)' : ''}: ${impact}`,
          pending
            ? `each approver confirms the email AWS sent: aws sns confirm-subscription --region ${region} --topic-arn ${topicArn} --token <the token in its link> --authenticate-on-unsubscribe true (the link itself leaves the subscription removable by anyone holding a request mail)`
            : `set ${field} to the approvers' addresses and deploy; each confirms with aws sns confirm-subscription --authenticate-on-unsubscribe true`,
        ),
  );
  for (const s of subscriptions) {
    const policy = filtered(s);
    if (policy === undefined) continue;
    results.push(
      fail(
        'plumbing',
        'approval-subscriber',
        `${topicArn} ${s.Endpoint ?? '?'}`,
        `approval subscriber ${s.Endpoint ?? '?'} (${s.Protocol ?? '?'}) has the filter policy ${policy}: Automation's approval request carries no message attributes, so it drops every request (infra writes no filter on this topic)`,
        `aws sns set-subscription-attributes --region ${region} --subscription-arn ${s.SubscriptionArn ?? ''} --attribute-name FilterPolicy --attribute-value '' (the topic's policy cannot govern this call; who set it: CloudTrail SetSubscriptionAttributes)`,
      ),
    );
  }
  const configured = new Set(expected.approverEmails.map((e) => e.toLowerCase()));
  for (const address of expected.approverEmails) {
    const mine = subscriptions.filter((s) => s.Protocol === 'email' && (s.Endpoint ?? '').toLowerCase() === address.toLowerCase());
    const live = mine.filter(isConfirmed);
    const subject = `${topicArn} ${address}`;
    if (live.length === 0) {
      results.push(
        mine.length > 0
          ? warn(
              'plumbing',
              'approval-subscriber',
              subject,
              `approver ${address} has not confirmed its subscription to ${topicArn}: approval requests do not reach it`,
              `${address} confirms it, signed: aws sns confirm-subscription --region ${region} --topic-arn ${topicArn} --token <the token in the email's link> --authenticate-on-unsubscribe true (valid for 3 days; after that remove it from ${field} and deploy, then add it back and deploy)`,
            )
          : fail(
              'plumbing',
              'approval-subscriber',
              subject,
              `approver ${address} is configured but not subscribed to ${topicArn} (unsubscribed outside the deployment, by its footer link or a role with sns:Unsubscribe, or the deployment not run since it was added): approval requests do not reach it`,
              `if the deployment has not run since ${address} was added: deploy. Otherwise CloudFormation does not re-create a subscription removed outside it: remove ${address} from ${field} and deploy, then add it back and deploy; it confirms with aws sns confirm-subscription --authenticate-on-unsubscribe true`,
            ),
      );
      continue;
    }
    for (const s of live) {
      // A filtered subscription is named above (FAIL): nothing more to say of it.
      if (filtered(s) !== undefined) continue;
      if (attributes.get(s.SubscriptionArn ?? '')?.ConfirmationWasAuthenticated === 'true') {
        results.push(pass('plumbing', 'approval-subscriber', subject, `approver ${address} is subscribed to ${topicArn}, confirmed by a signed request`));
        continue;
      }
      results.push(
        warn(
          'plumbing',
          'approval-subscriber',
          subject,
          `approver ${address} confirmed its subscription to ${topicArn} by the email's link (ConfirmationWasAuthenticated is not true): the unsubscribe link in every approval request mail removes it without credentials, and no topic policy can refuse that (decision 208)`,
          `remove ${address} from ${field} and deploy, add it back and deploy, and confirm the new email signed: aws sns confirm-subscription --region ${region} --topic-arn ${topicArn} --token <the token in its link> --authenticate-on-unsubscribe true`,
        ),
      );
    }
  }
  for (const s of subscriptions.filter(isEmail)) {
    if (s.Protocol === 'email' && configured.has((s.Endpoint ?? '').toLowerCase())) continue;
    results.push(
      warn(
        'plumbing',
        'approval-subscriber',
        `${topicArn} ${s.Endpoint ?? '?'}`,
        `${s.Protocol ?? 'email'} subscriber ${s.Endpoint ?? '?'} on ${topicArn} is not in the configuration (${field}): it receives every approval request${isConfirmed(s) ? '' : ' once confirmed'}`,
        `add it to ${field} and deploy if it belongs; otherwise ${isConfirmed(s) ? `aws sns unsubscribe --region ${region} --subscription-arn ${s.SubscriptionArn ?? ''}` : 'nobody follows its confirmation link (valid for 3 days)'}`,
      ),
    );
  }
  return results;
}
