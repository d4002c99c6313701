// Preflight: does an SNS topic that must reach a person reach one? Read back as decision 237 first did for the approval
// topic, and now for the automation health topic too (one code, each topic's own words).
//
// Lines, for a topic whose messages carry no message attributes (Automation's approval request, a CloudWatch alarm
// action), so that an attribute filter on a subscription drops every message:
// - <topic>: the topic exists and has at least one confirmed subscription without a filter policy; else FAIL (no
//   subscriber, only pending ones, or every confirmed one filtered).
// - <subscriber>: any subscription with a filter policy: FAIL with the call that removes it. Each configured address:
//   not subscribed FAIL; pending WARN (FAIL through <topic> when nobody else is confirmed); confirmed by the unsigned
//   link (ConfirmationWasAuthenticated not true) WARN: its own footer link, in every mail, then unsubscribes it without
//   credentials, and no topic policy can refuse Unsubscribe (decision 208). An email subscriber the configuration does
//   not name: WARN (it receives every message).
import { GetSubscriptionAttributesCommand, paginateListSubscriptionsByTopic, type Subscription } from '@aws-sdk/client-sns';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const TOPIC_REACH_ACTIONS = ['sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes'] as const;

/** One topic to read back, in its own words. */
export interface ReachingTopic {
  topicArn: string;
  /** The check ids of its two kinds of line ("approval-topic", "approval-subscriber"). */
  checks: { topic: string; subscriber: string };
  /** What it and a subscription on it are called: "approval topic", "approval subscriber". */
  noun: string;
  subscriberNoun: string;
  /** What the PASS line calls it: "approval topic of <documents>". */
  passLabel: string;
  /** What its messages are, in "receives its requests", "every approval request", "approval requests do not reach it", "every approval request mail". */
  its: string;
  every: string;
  plural: string;
  mail: string;
  /** What a configured address is called: "approver". */
  who: string;
  /** What is lost when it reaches nobody. */
  impact: string;
  /** Why an attribute filter drops every message: "Automation's approval request carries no message attributes, so it drops every request". */
  filterDrops: string;
  /** The configuration field whose addresses infra subscribes, and those addresses. */
  field: string;
  emails: readonly string[];
  /** The fix when the topic does not exist. */
  missingFix: string;
  /** The fix when nobody is subscribed (none pending): the configuration and a deploy. */
  noneFix: string;
}

const isConfirmed = (s: Subscription): boolean => s.SubscriptionArn?.startsWith('arn:') === true;
const isEmail = (s: Subscription): boolean => s.Protocol === 'email' || s.Protocol === 'email-json';

/** The topic read back: its lines, as the module header says. */
export async function checkTopicReach(clients: PreflightClients, t: ReachingTopic): Promise<CheckResult[]> {
  const { topicArn, field } = t;
  const region = topicArn.split(':')[3] ?? '';
  const subscriptions: Subscription[] = [];
  try {
    for await (const page of paginateListSubscriptionsByTopic({ client: clients.sns }, { TopicArn: topicArn })) subscriptions.push(...(page.Subscriptions ?? []));
  } catch (error) {
    if (awsErrorName(error) !== 'NotFoundException' && awsErrorName(error) !== 'NotFound') throw error;
    return [fail('plumbing', t.checks.topic, topicArn, `${t.noun} ${topicArn} does not exist: ${t.impact}`, t.missingFix)];
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
      ? pass('plumbing', t.checks.topic, topicArn, `${t.passLabel}: ${reaching.length} confirmed subscription(s) without a filter (${[...new Set(reaching.map((s) => s.Protocol ?? '?'))].sort().join(', ')})${pending ? `, ${pending} pending` : ''}`)
      : fail(
          'plumbing',
          t.checks.topic,
          topicArn,
          `${t.noun} ${topicArn} has no confirmed subscription that receives ${t.its}${pending ? ` (${pending} pending confirmation)` : ''}${subscriptions.some((s) => filtered(s) !== undefined) ? ' (every confirmed one has a filter policy)' : ''}: ${t.impact}`,
          pending
            ? `each ${t.who} confirms the email AWS sent: aws sns confirm-subscription --region ${region} --topic-arn ${topicArn} --token <the token in its link> --authenticate-on-unsubscribe true (the link itself leaves the subscription removable by anyone holding one of its mails)`
            : t.noneFix,
        ),
  );
  for (const s of subscriptions) {
    const policy = filtered(s);
    if (policy === undefined) continue;
    results.push(
      fail(
        'plumbing',
        t.checks.subscriber,
        `${topicArn} ${s.Endpoint ?? '?'}`,
        `${t.subscriberNoun} ${s.Endpoint ?? '?'} (${s.Protocol ?? '?'}) has the filter policy ${policy}: ${t.filterDrops} (infra writes no filter on this topic)`,
        `aws sns set-subscription-attributes --region ${region} --subscription-arn ${s.SubscriptionArn ?? ''} --attribute-name FilterPolicy --attribute-value '' (the topic's policy cannot govern this call; who set it: CloudTrail SetSubscriptionAttributes)`,
      ),
    );
  }
  const configured = new Set(t.emails.map((e) => e.toLowerCase()));
  for (const address of t.emails) {
    const mine = subscriptions.filter((s) => s.Protocol === 'email' && (s.Endpoint ?? '').toLowerCase() === address.toLowerCase());
    const live = mine.filter(isConfirmed);
    const subject = `${topicArn} ${address}`;
    if (live.length === 0) {
      results.push(
        mine.length > 0
          ? warn(
              'plumbing',
              t.checks.subscriber,
              subject,
              `${t.who} ${address} has not confirmed its subscription to ${topicArn}: ${t.plural} do not reach it`,
              `${address} confirms it, signed: aws sns confirm-subscription --region ${region} --topic-arn ${topicArn} --token <the token in the email's link> --authenticate-on-unsubscribe true (valid for 3 days; after that remove it from ${field} and deploy, then add it back and deploy)`,
            )
          : fail(
              'plumbing',
              t.checks.subscriber,
              subject,
              `${t.who} ${address} is configured but not subscribed to ${topicArn} (unsubscribed outside the deployment, by its footer link or a role with sns:Unsubscribe, or the deployment not run since it was added): ${t.plural} do not reach it`,
              `if the deployment has not run since ${address} was added: deploy. Otherwise CloudFormation does not re-create a subscription removed outside it: remove ${address} from ${field} and deploy, then add it back and deploy; it confirms with aws sns confirm-subscription --authenticate-on-unsubscribe true`,
            ),
      );
      continue;
    }
    for (const s of live) {
      // A filtered subscription is named above (FAIL): nothing more to say of it.
      if (filtered(s) !== undefined) continue;
      if (attributes.get(s.SubscriptionArn ?? '')?.ConfirmationWasAuthenticated === 'true') {
        results.push(pass('plumbing', t.checks.subscriber, subject, `${t.who} ${address} is subscribed to ${topicArn}, confirmed by a signed request`));
        continue;
      }
      results.push(
        warn(
          'plumbing',
          t.checks.subscriber,
          subject,
          `${t.who} ${address} confirmed its subscription to ${topicArn} by the email's link (ConfirmationWasAuthenticated is not true): the unsubscribe link in every ${t.mail} removes it without credentials, and no topic policy can refuse that (decision 208)`,
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
        t.checks.subscriber,
        `${topicArn} ${s.Endpoint ?? '?'}`,
        `${s.Protocol ?? 'email'} subscriber ${s.Endpoint ?? '?'} on ${topicArn} is not in the configuration (${field}): it receives ${t.every}${isConfirmed(s) ? '' : ' once confirmed'}`,
        `add it to ${field} and deploy if it belongs; otherwise ${isConfirmed(s) ? `aws sns unsubscribe --region ${region} --subscription-arn ${s.SubscriptionArn ?? ''}` : 'nobody follows its confirmation link (valid for 3 days)'}`,
      ),
    );
  }
  return results;
}
