// Preflight: the automation health topic reaches a person (review 12 R12-9 made it; nothing read it back). Its alarms
// are the automation's own failures - a dead-letter queue not empty (handler invocations that failed every retry, events
// EventBridge could not deliver), a Scheduler lane failing to invoke or dropping a timer (decision 239) - and they page
// only through this topic: with nobody confirmed on it they page nobody. Read back by the approval topic's code
// (topic-reach.ts, decision 237), in its own words: the first tier's configured addresses (infra subscribes them with no
// filter) against the live subscriptions; a CloudWatch alarm action publishes no message attributes, so a filter drops
// every alarm.
import { checkTopicReach } from './topic-reach';
import type { PreflightExpectations } from './expectations';
import type { CheckResult, PreflightClients, PreflightTarget } from './types';

/** The health topic of the account and region preflight reads (each stack deploys its own). */
export async function checkHealthTopic(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  const { health, environment } = expected;
  const topicArn = `arn:${target.partition}:sns:${target.region}:${target.account}:${health.topicName}`;
  const field = `environments.${environment}.escalation.tiers[] (level ${health.level}).emails`;
  const channels = health.chat ? `its addresses to ${field} (with "email" among its channels) or its Slack channels to .slack` : `its addresses to ${field} (with "email" among its channels)`;
  return checkTopicReach(clients, {
    topicArn,
    checks: { topic: 'health-topic', subscriber: 'health-subscriber' },
    noun: 'automation health topic',
    subscriberNoun: 'health topic subscriber',
    passLabel: `automation health topic ${health.topicName} (L${health.level})`,
    its: 'its alarms',
    every: "every alarm of the automation's own health",
    plural: 'health alarms',
    mail: 'health alarm mail',
    who: `L${health.level} address`,
    impact:
      "the automation's own failures page nobody: a handler invocation that failed every retry, an event EventBridge could not deliver, an escalation timer Scheduler failed or dropped (their alarms publish only here)",
    filterDrops: 'a CloudWatch alarm action publishes no message attributes, so it drops every alarm',
    field,
    emails: health.emails,
    missingFix: 'deploy the runbook stack: it creates the topic and points the health alarms at it',
    noneFix: `add ${channels} and deploy (cdk deploy); each address then confirms the email AWS sends it, signed: aws sns confirm-subscription --authenticate-on-unsubscribe true (\`aws sns subscribe\` is refused: only the deployment may subscribe to the topic)`,
  });
}
