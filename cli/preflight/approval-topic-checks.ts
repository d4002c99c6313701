// Preflight: the approval topic the documents' aws:approve steps notify (NotificationArn, decision 202) reaches an
// approver (review 13 R13-5). An approval request nobody receives waits its hour and the run ends Failed: for
// FailoverToDR an hour lost in a regional outage, found only then.
//
// The topic is read from the documents as deployed (their NotificationArn, not the configuration), and read back by
// topic-reach.ts (the automation health topic is read by the same code). Lines:
// - approval-topic: the topic exists and has at least one confirmed subscription without a filter policy (infra writes
//   none: Automation's request carries no message attributes, so an attribute filter drops every one); else FAIL.
// - approval-subscriber: each configured approver address (environments.<env>.runbookApprovers.emails, the ones infra
//   subscribes): not subscribed FAIL; pending WARN (FAIL through approval-topic when nobody else is confirmed); confirmed
//   by the unsigned link (ConfirmationWasAuthenticated not true) WARN: its own footer link, in every request mail, then
//   unsubscribes it without credentials, and no topic policy can refuse Unsubscribe (decision 208). Any subscription with
//   a filter policy: FAIL with the call that removes it. An email subscriber the configuration does not name: WARN (it
//   receives every approval request).
import type { PreflightExpectations } from './expectations';
import type { ExpectedDocument } from './plumbing-checks';
import { checkTopicReach, TOPIC_REACH_ACTIONS } from './topic-reach';
import type { CheckResult, PreflightClients } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const APPROVAL_TOPIC_ACTIONS = TOPIC_REACH_ACTIONS;

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

/** The approval topics of the documents registered here, each read back (topic-reach.ts, in the approvers' words). */
export async function checkApprovalTopics(clients: PreflightClients, expected: PreflightExpectations, documents: readonly ExpectedDocument[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const field = `environments.${expected.environment}.runbookApprovers.emails`;
  for (const [topicArn, docs] of documentApprovalTopics(documents)) {
    results.push(
      ...(await checkTopicReach(clients, {
        topicArn,
        checks: { topic: 'approval-topic', subscriber: 'approval-subscriber' },
        noun: 'approval topic',
        subscriberNoun: 'approval subscriber',
        passLabel: `approval topic of ${docs.join(', ')}`,
        its: 'its requests',
        every: 'every approval request',
        plural: 'approval requests',
        mail: 'approval request mail',
        who: 'approver',
        impact: `an approval request of ${docs.join(', ')} reaches nobody: the run waits at its approval step for its hour and ends Failed`,
        filterDrops: "Automation's approval request carries no message attributes, so it drops every request",
        field,
        emails: expected.approverEmails,
        missingFix: 'deploy the runbook stack: it creates the topic wherever a document with an approval is registered',
        noneFix: `set ${field} to the approvers' addresses and deploy; each confirms with aws sns confirm-subscription --authenticate-on-unsubscribe true`,
      })),
    );
  }
  return results;
}
