// Preflight's read-back of the automation health topic (the automation's own failures page only through it): a topic
// nobody confirmed on, or whose only subscriber filters, pages nobody and FAILs; read by the approval topic's code
// (topic-reach.ts, decision 237) in the health topic's own words.
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { checkHealthTopic } from '../../../../cli/preflight/health-topic-checks';
import { clients, emailSubscription, expectationsFor, mockTopic, TARGET } from './support';

const sns = mockClient(SNSClient);

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:notification-runbooks-automation-health';
const ONCALL = 'oncall@example.com';
/** production with L1's address configured: infra subscribes it to the health topic with no filter. */
const L1_EMAIL = {
  environments: {
    production: {
      escalation: {
        tiers: [
          { level: 1, channels: ['chat', 'email'], emails: [ONCALL] },
          { level: 2, channels: ['chat', 'email'] },
          { level: 3, channels: ['email'] },
          { level: 4, channels: ['email'] },
        ],
      },
    },
  },
};

const email = (address: string, arn?: string): Subscription => emailSubscription(TOPIC, address, arn);

const topic = (subscriptions: Subscription[] | 'missing', attributes: Record<string, Record<string, string>> = {}) => mockTopic(sns, subscriptions, attributes);

const run = (overrides: unknown = L1_EMAIL) => checkHealthTopic(clients(), expectationsFor('production', 'single-account', overrides), TARGET);
const lines = (results: Array<{ status: string; check: string; subject: string }>) => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('checkHealthTopic', () => {
  it("the expectations name the topic and the first tier's addresses infra subscribes to it", () => {
    expect(expectationsFor('production', 'single-account', L1_EMAIL).health).toEqual({ topicName: 'notification-runbooks-automation-health', level: 1, emails: [ONCALL], chat: true });
    // staging's L1 is chat only: no address is subscribed to the health topic there.
    expect(expectationsFor('staging').health).toMatchObject({ level: 1, emails: [], chat: true });
  });

  it("the first tier's address confirmed signed, no filter: PASS, the topic of this account and region read", async () => {
    topic([email(ONCALL)]);
    const results = await run();
    expect(lines(results)).toEqual([`PASS health-topic ${TOPIC}`, `PASS health-subscriber ${TOPIC} ${ONCALL}`]);
    expect(results[0]?.message).toBe('automation health topic notification-runbooks-automation-health (L1): 1 confirmed subscription(s) without a filter (email)');
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand).map((c) => c.args[0].input.TopicArn)).toEqual([TOPIC]);
  });

  it('only PendingConfirmation: FAIL (it pages nobody), with the signed confirmation; the address a WARN', async () => {
    topic([email(ONCALL, 'PendingConfirmation')]);
    const results = await run();
    expect(lines(results)).toEqual([`FAIL health-topic ${TOPIC}`, `WARN health-subscriber ${TOPIC} ${ONCALL}`]);
    expect(results[0]?.message).toBe(
      `automation health topic ${TOPIC} has no confirmed subscription that receives its alarms (1 pending confirmation): the automation's own failures page nobody: a handler invocation that failed every retry, an event EventBridge could not deliver, an escalation timer Scheduler failed or dropped (their alarms publish only here)`,
    );
    expect(results[0]?.fix).toContain(`aws sns confirm-subscription --region us-east-1 --topic-arn ${TOPIC} --token <the token in its link> --authenticate-on-unsubscribe true`);
  });

  it('no subscription and no address (the defaults): FAIL, the fix the first tier\'s configuration and a deploy, never `aws sns subscribe`', async () => {
    topic([]);
    const results = await run({});
    expect(lines(results)).toEqual([`FAIL health-topic ${TOPIC}`]);
    expect(results[0]?.fix).toBe(
      'add its addresses to environments.production.escalation.tiers[] (level 1).emails (with "email" among its channels) or its Slack channels to .slack and deploy (cdk deploy); each address then confirms the email AWS sends it, signed: aws sns confirm-subscription --authenticate-on-unsubscribe true (`aws sns subscribe` is refused: only the deployment may subscribe to the topic)',
    );
  });

  it("a filter policy on the only subscriber (a CloudWatch alarm action carries no attributes): FAIL on the topic and the subscription, with the call that removes it", async () => {
    topic([email(ONCALL)], { [`${TOPIC}:${ONCALL}`]: { FilterPolicy: '{"channel":["email"]}' } });
    const results = await run();
    expect(lines(results)).toEqual([`FAIL health-topic ${TOPIC}`, `FAIL health-subscriber ${TOPIC} ${ONCALL}`]);
    expect(results[0]?.message).toContain('(every confirmed one has a filter policy)');
    expect(results[1]?.message).toContain('has the filter policy {"channel":["email"]}: a CloudWatch alarm action publishes no message attributes, so it drops every alarm');
    expect(results[1]?.fix).toBe(`aws sns set-subscription-attributes --region us-east-1 --subscription-arn ${TOPIC}:${ONCALL} --attribute-name FilterPolicy --attribute-value '' (the topic's policy cannot govern this call; who set it: CloudTrail SetSubscriptionAttributes)`);
  });

  it('an AWS Chatbot subscription confirmed, the configured address unsubscribed: the topic PASSes, the address FAILs', async () => {
    topic([{ SubscriptionArn: `${TOPIC}:chatbot`, Protocol: 'https', Endpoint: 'https://global.sns-api.chatbot.amazonaws.com', TopicArn: TOPIC }]);
    const results = await run();
    expect(lines(results)).toEqual([`PASS health-topic ${TOPIC}`, `FAIL health-subscriber ${TOPIC} ${ONCALL}`]);
    expect(results[1]?.message).toContain(`L1 address ${ONCALL} is configured but not subscribed to ${TOPIC}`);
  });

  it('the topic missing: FAIL naming the deployment', async () => {
    topic('missing');
    expect(await run()).toEqual([
      expect.objectContaining({ status: 'FAIL', check: 'health-topic', message: expect.stringContaining(`automation health topic ${TOPIC} does not exist: the automation's own failures page nobody`) as unknown }),
    ]);
  });
});
