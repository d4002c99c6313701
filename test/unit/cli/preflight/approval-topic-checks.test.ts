// Preflight's read-back of the approval topic the documents' aws:approve steps notify (review 13 R13-5): an approval
// request must reach a confirmed approver, unfiltered; the configured addresses are compared with the live subscriptions.
import { join } from 'node:path';
import { GetSubscriptionAttributesCommand, SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { checkApprovalTopics, documentApprovalTopics } from '../../../../cli/preflight/approval-topic-checks';
import { deployedDocuments } from '../../../../cli/preflight/index';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import { clients, emailSubscription, expectationsFor, mockTopic, TARGET } from './support';

const sns = mockClient(SNSClient);

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:Automation-notification-runbooks-approvals';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const APPROVERS = { environments: { production: { runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1, emails: [ALICE, BOB] } } } };

/** The real documents as registered in production's us-east-1. */
const documents = () => {
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
  return deployedDocuments(join(__dirname, '../../../../runbooks'), config, 'production', TARGET);
};

const email = (address: string, arn?: string): Subscription => emailSubscription(TOPIC, address, arn);
const pending = (address: string): Subscription => email(address, 'PendingConfirmation');

/** The topic as found (support.ts mockTopic). */
const topic = (subscriptions: Subscription[] | 'missing', attributes: Record<string, Record<string, string>> = {}) => mockTopic(sns, subscriptions, attributes);

const run = (overrides: unknown = APPROVERS) => checkApprovalTopics(clients(), expectationsFor('production', 'single-account', overrides), documents());
const lines = (results: Array<{ status: string; check: string; subject: string }>) => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('documentApprovalTopics', () => {
  it("names the one approval topic of this account and region, with the five documents whose aws:approve steps notify it", () => {
    expect([...documentApprovalTopics(documents())]).toEqual([
      [
        TOPIC,
        ['NotificationService-FailbackToPrimary', 'NotificationService-FailoverToDR', 'NotificationService-RaiseLambdaMemory', 'NotificationService-ScaleUpDatabase', 'NotificationService-TroubleshootConnectionTimeout'],
      ],
    ]);
  });
});

describe('checkApprovalTopics', () => {
  it('both approvers subscribed, confirmed signed, no filter: PASS each, each confirmed one read', async () => {
    topic([email(ALICE), email(BOB)]);
    const results = await run();
    expect(lines(results)).toEqual([`PASS approval-topic ${TOPIC}`, `PASS approval-subscriber ${TOPIC} ${ALICE}`, `PASS approval-subscriber ${TOPIC} ${BOB}`]);
    expect(results[0]?.message).toMatch(/^approval topic of NotificationService-FailbackToPrimary, .*: 2 confirmed subscription\(s\) without a filter \(email\)$/);
    expect(sns.commandCalls(GetSubscriptionAttributesCommand).map((c) => c.args[0].input.SubscriptionArn)).toEqual([`${TOPIC}:${ALICE}`, `${TOPIC}:${BOB}`]);
  });

  it('nobody confirmed (both pending): FAIL, the run would wait its hour; each pending address a WARN with the signed confirmation', async () => {
    topic([pending(ALICE), pending(BOB)]);
    const results = await run();
    expect(lines(results)).toEqual([`FAIL approval-topic ${TOPIC}`, `WARN approval-subscriber ${TOPIC} ${ALICE}`, `WARN approval-subscriber ${TOPIC} ${BOB}`]);
    expect(results[0]?.message).toContain('has no confirmed subscription that receives its requests (2 pending confirmation): an approval request of NotificationService-FailbackToPrimary');
    expect(results[0]?.message).toContain('the run waits at its approval step for its hour and ends Failed');
    expect(results[1]?.fix).toContain(`aws sns confirm-subscription --region us-east-1 --topic-arn ${TOPIC} --token <the token in the email's link> --authenticate-on-unsubscribe true`);
  });

  it('one confirmed, one pending: the topic PASSes, the pending address is a WARN', async () => {
    topic([email(ALICE), pending(BOB)]);
    expect(lines(await run())).toEqual([`PASS approval-topic ${TOPIC}`, `PASS approval-subscriber ${TOPIC} ${ALICE}`, `WARN approval-subscriber ${TOPIC} ${BOB}`]);
  });

  it('a filter policy on the only subscriber (every request dropped): FAIL on the topic and on the subscription, with the call that removes it', async () => {
    topic([email(ALICE)], { [`${TOPIC}:${ALICE}`]: { FilterPolicy: '{"channel":["email"]}' } });
    const results = await run({ environments: { production: { runbookApprovers: { principals: ['role/A'], minRequiredApprovals: 1, emails: [ALICE] } } } });
    expect(lines(results)).toEqual([`FAIL approval-topic ${TOPIC}`, `FAIL approval-subscriber ${TOPIC} ${ALICE}`]);
    expect(results[0]?.message).toContain('(every confirmed one has a filter policy)');
    expect(results[1]?.message).toContain('has the filter policy {"channel":["email"]}: Automation\'s approval request carries no message attributes, so it drops every request');
    expect(results[1]?.fix).toBe(`aws sns set-subscription-attributes --region us-east-1 --subscription-arn ${TOPIC}:${ALICE} --attribute-name FilterPolicy --attribute-value '' (the topic's policy cannot govern this call; who set it: CloudTrail SetSubscriptionAttributes)`);
  });

  it('a configured approver unsubscribed: FAIL naming the two deploys; the other still reaches', async () => {
    topic([email(ALICE)]);
    const results = await run();
    expect(lines(results)).toEqual([`PASS approval-topic ${TOPIC}`, `PASS approval-subscriber ${TOPIC} ${ALICE}`, `FAIL approval-subscriber ${TOPIC} ${BOB}`]);
    expect(results[2]?.fix).toContain(`remove ${BOB} from environments.production.runbookApprovers.emails and deploy, then add it back and deploy`);
  });

  it('confirmed by the unsigned link (ConfirmationWasAuthenticated false): WARN, its footer link removes it without credentials', async () => {
    topic([email(ALICE), email(BOB)], { [`${TOPIC}:${BOB}`]: { ConfirmationWasAuthenticated: 'false' } });
    const results = await run();
    expect(lines(results)).toEqual([`PASS approval-topic ${TOPIC}`, `PASS approval-subscriber ${TOPIC} ${ALICE}`, `WARN approval-subscriber ${TOPIC} ${BOB}`]);
    expect(results[2]?.message).toContain('the unsubscribe link in every approval request mail removes it without credentials');
    expect(results[2]?.fix).toContain('--authenticate-on-unsubscribe true');
  });

  it('an email subscriber the configuration does not name: WARN (it receives every approval request)', async () => {
    topic([email(ALICE), email(BOB), email('mallory@example.com')]);
    const results = await run();
    expect(lines(results).at(-1)).toBe(`WARN approval-subscriber ${TOPIC} mallory@example.com`);
    expect(results.at(-1)?.fix).toContain(`aws sns unsubscribe --region us-east-1 --subscription-arn ${TOPIC}:mallory@example.com`);
  });

  it('no address configured and no subscription (the defaults as deployed): FAIL naming the setting', async () => {
    topic([]);
    const results = await run({});
    expect(lines(results)).toEqual([`FAIL approval-topic ${TOPIC}`]);
    expect(results[0]?.fix).toContain('set environments.production.runbookApprovers.emails');
  });

  it('the topic missing: FAIL naming the deployment', async () => {
    topic('missing');
    expect((await run())[0]).toMatchObject({ status: 'FAIL', check: 'approval-topic', message: expect.stringContaining(`approval topic ${TOPIC} does not exist`) as unknown });
  });

  it('no document with an approval registered here: nothing read', async () => {
    topic([]);
    expect(await checkApprovalTopics(clients(), expectationsFor('production'), documents().filter((d) => !documentApprovalTopics([d]).size))).toEqual([]);
    expect(sns.calls()).toHaveLength(0);
  });
});
