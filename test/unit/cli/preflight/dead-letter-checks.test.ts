// Preflight's read of the automation's dead-letter queues: a message there is an event the automation never acted on
// (decision 265): visible messages FAIL with the commands that read and hand them back, messages only in flight WARN,
// an empty queue PASSes, a missing stack queue FAILs; a handler's own on-failure destination is read too. A queue holding
// messages also says when SQS deletes the oldest (decision 277): its AWS/SQS ApproximateAgeOfOldestMessage against the
// queue's MessageRetentionPeriod, URGENT within the project's 72 hours, and an age it could not read said as such.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListDeadLetterSourceQueuesCommand, SQSClient, type ListDeadLetterSourceQueuesCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { checkDeadLetterQueues as checkAll, deadLetterQueuesOf, expiryOf, workloadDeadLetterQueues, type OldestMessage } from '../../../../cli/preflight/dead-letter-checks';
import type { LiveHandler } from '../../../../cli/preflight/handler-checks';
import type { CheckResult } from '../../../../cli/preflight/types';
import { ACCOUNT, awsError, clients, expectationsFor, REGION, TARGET } from './support';

const sqs = mockClient(SQSClient);
const cloudWatch = mockClient(CloudWatchClient);

const NOW = new Date('2026-12-07T05:00:00.000Z');
const DAY = 86400;
const RETENTION = 14 * DAY;
/** One series: [value, minutes before NOW its period began]. */
type Points = Array<[number, number]>;
/** A queue's metrics as CloudWatch holds them (decision 297 reads the four besides the age in the same call). */
interface QueueMetrics {
  age?: [number, number];
  sent?: Points;
  visible?: Points;
  inFlight?: Points;
  delayed?: Points;
}
/** CloudWatch's answer for each queue, each query by its Id; a series absent: no datapoint. */
function metrics(byQueue: Record<string, QueueMetrics>): void {
  cloudWatch.reset();
  cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
      const queue = query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'QueueName')?.Value ?? '';
      const held = byQueue[queue] ?? {};
      const points: Points = query.Id === 'age' ? (held.age ? [held.age] : []) : (held[query.Id as 'sent' | 'visible' | 'inFlight' | 'delayed'] ?? []);
      return { Id: query.Id, StatusCode: 'Complete', Timestamps: points.map(([, minutes]) => new Date(NOW.getTime() - minutes * 60_000)), Values: points.map(([value]) => value) };
    }),
  }));
}
/**
 * Each queue's age [seconds, minutes before NOW its 5-minute period began], and its one message's send no earlier than
 * that age says (so the age datapoint decides, as before decision 297); absent: no datapoint.
 */
function ages(byQueue: Record<string, [number, number]>): void {
  metrics(Object.fromEntries(Object.entries(byQueue).map(([queue, [age, minutes]]) => [queue, { age: [age, minutes] as [number, number], sent: [[1, minutes + Math.floor(age) / 60]] as Points }])));
}

const FAILED = 'notification-runbooks-failed-invocations';
const UNDELIVERED = 'notification-runbooks-undelivered-events';
const urlOf = (name: string, account = ACCOUNT): string => `https://sqs.${REGION}.amazonaws.com/${account}/${name}`;

/** The account's queues: name -> [visible, in flight, delayed]; a name absent does not exist. `sources`: the queues that name one as their DLQ. */
function queues(depths: Record<string, [number, number, number]>, sources: Record<string, string[]> = {}): void {
  sqs.reset();
  sqs.on(ListDeadLetterSourceQueuesCommand).callsFake((input: ListDeadLetterSourceQueuesCommandInput) => ({ queueUrls: (sources[input.QueueUrl?.split('/').pop() ?? ''] ?? []).map((n) => urlOf(n)) }));
  sqs.on(GetQueueUrlCommand).callsFake((input: { QueueName: string; QueueOwnerAWSAccountId?: string }) => {
    if (!(input.QueueName in depths)) throw awsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return { QueueUrl: urlOf(input.QueueName, input.QueueOwnerAWSAccountId) };
  });
  sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
    const [visible, inFlight, delayed] = depths[input.QueueUrl.split('/').pop() ?? ''] ?? [0, 0, 0];
    return { Attributes: { ApproximateNumberOfMessages: String(visible), ApproximateNumberOfMessagesNotVisible: String(inFlight), ApproximateNumberOfMessagesDelayed: String(delayed), MessageRetentionPeriod: '1209600' } };
  });
}

const handlers = expectationsFor('production').handlers;
const live = (destination?: string): LiveHandler[] =>
  handlers.map((handler, i) => ({ handler, configuration: { FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${handler.functionName}` }, ...(destination && i === 0 ? { failureDestination: destination } : {}) }));
const stackDestination = `arn:aws:sqs:${REGION}:${ACCOUNT}:${FAILED}`;
/** The depth lines only (decision 265, 277); each queue's dead-letter-sources line (decision 291) is tested below. */
const depthOnly = async (results: Promise<CheckResult[]>): Promise<CheckResult[]> => (await results).filter((r) => r.check === 'dead-letter-queue-empty');
const checkDeadLetterQueues = (...args: Parameters<typeof checkAll>): Promise<CheckResult[]> => depthOnly(checkAll(...args));
const run = (l: LiveHandler[] = live(stackDestination)) => checkDeadLetterQueues(clients(), TARGET, l, deadLetterQueuesOf(TARGET, l), () => NOW);
const lines = (results: Array<{ status: string; check: string; subject: string }>) => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('checkDeadLetterQueues', () => {
  beforeEach(() => ages({}));

  it("reads the stack's two queues (infra's names) and PASSes them empty, without reading any age", async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    const results = await run();
    expect(lines(results)).toEqual([`PASS dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[0]?.message).toBe(`dead-letter queue ${FAILED} is empty (0 messages, 0 in flight): no event the automation failed to act on is waiting there`);
    expect(sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.AttributeNames)).toEqual([
      ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'MessageRetentionPeriod'],
      ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'MessageRetentionPeriod'],
    ]);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('FAILs a queue holding messages, naming the count, when SQS deletes the oldest, and the commands that read them and hand each back to its function', async () => {
    queues({ [FAILED]: [3, 1, 0], [UNDELIVERED]: [0, 0, 0] });
    // The oldest: 1 day old in the period that began 10 minutes ago, so about 1 day and 10 minutes now.
    ages({ [FAILED]: [DAY, 10] });
    const results = await run();
    expect(lines(results)).toEqual([`FAIL dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`]);
    const [failed] = results;
    const left = RETENTION - DAY - 600;
    expect(failed?.message).toBe(
      `dead-letter queue ${FAILED} holds 3 message(s) (and 1 in flight): Handler invocations that still failed after Lambda's retries: events the automation never acted on, each kept 14 day(s) from its arrival and then deleted by SQS; its oldest message is about 24 hours old and SQS deletes it in about 13 days (by ${new Date(NOW.getTime() + left * 1000).toISOString()}; retention 14 days): not yet urgent (the project's default: URGENT under 72 hours left) (AWS/SQS ApproximateAgeOfOldestMessage 24 hours in the 5 minutes from 2026-12-07T04:50:00.000Z, Maximum, which leaves out a message received three times or more and not deleted (receive-message and the console's poll each receive it); AWS/SQS NumberOfMessagesSent, Sum, first above 0 over the window read (the queue was not seen empty there) in the 5 minutes from 2026-12-06T04:50:00.000Z, so nothing in it is older than 24 hours; the larger age is taken; counted from its arrival here (Lambda and EventBridge send each record as a new message; one SQS moved here from a standard queue would expire sooner: its expiry counts from its original enqueue)). An alarm handler fails every attempt while the kill switch cannot be read (ssm:GetParameter denied or throttled): nothing is remediated automatically until it can.`,
    );
    // One read of the queue's own metrics, 5-minute periods over the retention (a message cannot be older), up to now:
    // the age, and in the same call what bounds it from above (decision 297): the sends and the queue's depth.
    const stat = (Id: string, MetricName: string, Stat: string) => ({ Id, MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName, Dimensions: [{ Name: 'QueueName', Value: FAILED }] }, Period: 300, Stat } });
    expect(cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input)).toEqual([
      {
        MetricDataQueries: [
          stat('age', 'ApproximateAgeOfOldestMessage', 'Maximum'),
          stat('sent', 'NumberOfMessagesSent', 'Sum'),
          stat('visible', 'ApproximateNumberOfMessagesVisible', 'Maximum'),
          stat('inFlight', 'ApproximateNumberOfMessagesNotVisible', 'Maximum'),
          stat('delayed', 'ApproximateNumberOfMessagesDelayed', 'Maximum'),
        ],
        StartTime: new Date(NOW.getTime() - (RETENTION + 300) * 1000),
        EndTime: NOW,
      },
    ]);
    expect(failed?.fix).not.toMatch(/^URGENT/);
    expect(failed?.fix).toContain(`aws sqs receive-message --region ${REGION} --queue-url ${urlOf(FAILED)} --max-number-of-messages 10`);
    expect(failed?.fix).toContain("--function-name <the record's requestContext.functionArn> --invocation-type Event");
    expect(failed?.fix).toContain("--payload '<the record's requestPayload>'");
    expect(failed?.fix).toContain(`aws sqs delete-message --region ${REGION} --queue-url ${urlOf(FAILED)} --receipt-handle`);
    expect(failed?.fix).toContain('start-message-move-task does not apply');
  });

  it("an EventBridge target's queue is handed back by its TARGET_ARN, with the event as the payload", async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [1, 0, 0] });
    const results = await run();
    expect(lines(results)).toEqual([`PASS dead-letter-queue-empty ${FAILED}`, `FAIL dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[1]?.message).toMatch(/^dead-letter queue notification-runbooks-undelivered-events holds 1 message\(s\): Alarm and decision events EventBridge could not deliver to a handler: events the automation never acted on/);
    expect(results[1]?.fix).toContain("--function-name <its TARGET_ARN message attribute> --invocation-type Event --cli-binary-format raw-in-base64-out --payload '<the message body: the event>'");
    expect(results[1]?.fix).toContain('its ERROR_CODE and ERROR_MESSAGE attributes say why');
  });

  it.each([
    ['in flight only', [0, 2, 0] as [number, number, number], 'has no message to receive yet, but 2 in flight: someone is reading (or moving) them now; until'],
    ['delayed only', [0, 0, 1] as [number, number, number], 'has no message to receive yet, but 1 delayed: until they are handed back'],
  ])('WARNs a queue with messages %s (they reappear if not deleted, or when their delay ends)', async (_, depth, text) => {
    queues({ [FAILED]: depth, [UNDELIVERED]: [0, 0, 0] });
    const results = await run();
    expect(lines(results)).toEqual([`WARN dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[0]?.message).toContain(text);
  });

  it("FAILs a stack queue that does not exist; a handler's own missing destination is handler-configuration's FAIL, not this one's", async () => {
    queues({ [FAILED]: [0, 0, 0] });
    const results = await run(live(`arn:aws:sqs:${REGION}:${ACCOUNT}:gone`));
    expect(lines(results)).toEqual([`PASS dead-letter-queue-empty ${FAILED}`, `FAIL dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[1]?.message).toBe(`dead-letter queue ${UNDELIVERED} does not exist: Alarm and decision events EventBridge could not deliver to a handler have nowhere to go and are lost`);
  });

  it("reads a handler's on-failure destination that is not the stack's queue (another account's by its owner), once", async () => {
    const other = `arn:aws:sqs:${REGION}:999988887777:team-failures`;
    const twice: LiveHandler[] = live(other).map((h, i) => (i === 1 ? { ...h, failureDestination: other } : h));
    expect(deadLetterQueuesOf(TARGET, twice).map((q) => `${q.account}/${q.queueName} ${q.content} ${String(q.deployed)}`)).toEqual([
      `${ACCOUNT}/${FAILED} invocation-record true`,
      `${ACCOUNT}/${UNDELIVERED} undelivered-event true`,
      '999988887777/team-failures invocation-record false',
    ]);
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0], 'team-failures': [5, 0, 0] });
    const results = await checkDeadLetterQueues(clients(), TARGET, twice);
    expect(lines(results)).toEqual([`PASS dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`, 'FAIL dead-letter-queue-empty team-failures']);
    expect(results[2]?.message).toContain(`holds 5 message(s): Invocations of ${handlers[0]?.functionName ?? '?'} that still failed after Lambda's retries (its on-failure destination, not the stack's ${FAILED})`);
    expect(sqs.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([{ QueueName: FAILED }, { QueueName: UNDELIVERED }, { QueueName: 'team-failures', QueueOwnerAWSAccountId: '999988887777' }]);
  });

  it("cross-account mode: the workload's undelivered-alarm-events queue, read by its owner; a forwarded alarm goes back to its handler in the operations account", async () => {
    const WORKLOAD_ACCOUNT = '444455556666';
    const queuesThere = workloadDeadLetterQueues(WORKLOAD_ACCOUNT);
    expect(queuesThere.map((q) => `${q.account}/${q.queueName} ${q.content} ${String(q.deployed)}`)).toEqual([`${WORKLOAD_ACCOUNT}/notification-runbooks-undelivered-alarm-events forwarded-alarm true`]);
    queues({ 'notification-runbooks-undelivered-alarm-events': [2, 0, 0] });
    ages({ 'notification-runbooks-undelivered-alarm-events': [12 * DAY, 0] });
    const results = await checkDeadLetterQueues(clients(), { ...TARGET, account: WORKLOAD_ACCOUNT }, [], queuesThere, () => NOW);
    expect(lines(results)).toEqual(['FAIL dead-letter-queue-empty notification-runbooks-undelivered-alarm-events']);
    expect(results[0]?.message).toMatch(/^dead-letter queue notification-runbooks-undelivered-alarm-events holds 2 message\(s\): Alarm events EventBridge could not forward to the operations account: events the automation never acted on/);
    expect(results[0]?.fix).toContain("with credentials of the operations account, aws lambda invoke --region us-east-1 --function-name <the handler whose rule matches its detail.alarmName");
    expect(sqs.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([{ QueueName: 'notification-runbooks-undelivered-alarm-events' }]);
    // Its age is the workload's metric, read with the same (workload session's) clients: the role grants cloudwatch:GetMetricData.
    expect(results[0]?.message).toContain('SQS deletes it in about 2 days (by 2026-12-09T05:00:00.000Z; retention 14 days): URGENT');
    expect(cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions)).toEqual([[{ Name: 'QueueName', Value: 'notification-runbooks-undelivered-alarm-events' }]]);
  });

  it.each([
    ['12.5 days old 10 minutes ago: URGENT, about 36 hours left', [12.5 * DAY, 10] as [number, number], /its oldest message is about 12\.5 days old and SQS deletes it in about 36 hours \(by 2026-12-08T16:50:00\.000Z; retention 14 days\): URGENT: under 72 hours left \(the project's default threshold\)/, true],
    ['11 days old: exactly 3 days left is not yet urgent', [11 * DAY, 0] as [number, number], /SQS deletes it in about 3 days \(by 2026-12-10T05:00:00\.000Z; retention 14 days\): not yet urgent/, false],
    ['13.9 days old an hour ago: deleted already, others may follow', [13.9 * DAY, 160] as [number, number], /its oldest message is about 14 days old and SQS deletes at retention 14 days: unless someone handed it back, it is deleted already and others may follow at any time \(AWS\/SQS ApproximateAgeOfOldestMessage 13\.9 days in the 5 minutes from 2026-12-07T02:20:00\.000Z.*: URGENT/, true],
  ])('says when SQS deletes the oldest message: %s', async (_, age, text, urgent) => {
    queues({ [FAILED]: [2, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    ages({ [FAILED]: age });
    const [failed] = await run();
    expect(failed?.status).toBe('FAIL');
    expect(failed?.message).toMatch(text);
    expect(failed?.fix?.startsWith('URGENT, before SQS deletes them: read them first')).toBe(urgent);
  });

  it('no datapoint (SQS publishes only while a queue is active) is said and taken as urgent, never as time to spare', async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [4, 0, 0] });
    ages({});
    const results = await run();
    expect(lines(results)).toEqual([`PASS dead-letter-queue-empty ${FAILED}`, `FAIL dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[1]?.message).toContain(
      "; CloudWatch holds no AWS/SQS ApproximateAgeOfOldestMessage datapoint for it over the last 14 days (SQS publishes a queue's metrics only while it is active, and this read makes it active: run preflight again in a few minutes), so when SQS deletes its oldest message (retention 14 days) is unknown: treat it as urgent.",
    );
    expect(results[1]?.fix).toMatch(/^URGENT, before SQS deletes them: /);
  });

  it("a refused age read keeps the queue's FAIL, naming cloudwatch:GetMetricData (not a could-not-check)", async () => {
    queues({ [FAILED]: [1, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    cloudWatch.reset();
    cloudWatch.on(GetMetricDataCommand).rejects(awsError('AccessDenied', 'User: x is not authorized to perform: cloudwatch:GetMetricData'));
    const results = await run();
    expect(lines(results)).toEqual([`FAIL dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[0]?.message).toContain(
      "holds 1 message(s): Handler invocations that still failed after Lambda's retries: events the automation never acted on, each kept 14 day(s) from its arrival and then deleted by SQS; its oldest message's age was not read (cloudwatch:GetMetricData refused: grant it to the credentials preflight runs with), so when SQS deletes it (retention 14 days) is unknown: treat it as urgent.",
    );
  });

  it("another account's queue: its age is not read here (its metrics are in its own account), and that is said", async () => {
    const other = `arn:aws:sqs:${REGION}:999988887777:team-failures`;
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0], 'team-failures': [5, 0, 0] });
    const results = await run(live(other));
    expect(results[2]?.message).toContain("its oldest message's age was not read (its metrics are in account 999988887777, which preflight does not read)");
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('a FIFO dead-letter queue: the age and the expiry count from the same moment (SQS resets the enqueue time on the move)', async () => {
    const fifo = `arn:aws:sqs:${REGION}:${ACCOUNT}:team-failures.fifo`;
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0], 'team-failures.fifo': [1, 0, 0] });
    ages({ 'team-failures.fifo': [2 * DAY, 0] });
    const results = await run(live(fifo));
    expect(results[2]?.message).toContain('SQS deletes it in about 12 days');
    expect(results[2]?.message).toContain('a FIFO queue: SQS resets the enqueue time when it moves a message to a dead-letter queue, so the age and the expiry count from the same moment');
    expect(results[2]?.message).not.toContain('from a standard queue');
  });

  it.each([
    ["SQS's default retention, 4 days, and a message 2 days old: URGENT", 4 * DAY, { ageSeconds: 2 * DAY, at: NOW, periodSeconds: 300, arrivals: { since: new Date(NOW.getTime() - 2 * DAY * 1000) } } as OldestMessage, /deletes it in about 2 days .*: URGENT/, true],
    ['retention not said', undefined, { ageSeconds: 60, at: NOW, periodSeconds: 300, arrivals: { since: NOW } } as OldestMessage, /^SQS did not say the queue's MessageRetentionPeriod/, true],
    ['a fresh message in a 14-day queue', 14 * DAY, { ageSeconds: 120, at: NOW, periodSeconds: 300, arrivals: { since: new Date(NOW.getTime() - 120_000) } } as OldestMessage, /about 2 minute\(s\) old and SQS deletes it in about 14 days/, false],
  ])('expiryOf: %s', (_, retention, oldest, text, urgent) => {
    const queue = deadLetterQueuesOf(TARGET, [])[0];
    if (!queue) throw new Error('no stack queue');
    const expiry = expiryOf(queue, retention, oldest, NOW);
    expect(expiry.text).toMatch(text);
    expect(expiry.urgent).toBe(urgent);
  });

  // Review 18, R18-5 (decision 297): SQS leaves out of ApproximateAgeOfOldestMessage a message received three times or
  // more and not deleted; preflight's own receive-message and the console's poll receive. The sends since the queue was
  // last empty bound the age from above, whoever received what.
  describe('the age bounded by the sends since the queue was last empty (NumberOfMessagesSent, decision 297)', () => {
    const oldestOf = async (held: QueueMetrics) => {
      queues({ [FAILED]: [1, 0, 0], [UNDELIVERED]: [0, 0, 0] });
      metrics({ [FAILED]: held });
      const [failed] = await run();
      expect(failed?.status).toBe('FAIL');
      return failed;
    };
    // The message 12.5 days old, read three times: SQS's figure says an hour (a younger one's), the sends say 12.5 days.
    const looked3Times: QueueMetrics = { age: [3600, 5], sent: [[1, 12.5 * 24 * 60], [1, 65]] };

    it('a young age datapoint and a send 12.5 days back on a 14-day queue: URGENT, about 36 hours left, from the sends', async () => {
      const failed = await oldestOf(looked3Times);
      expect(failed?.message).toContain(
        "its oldest message is about 12.5 days old and SQS deletes it in about 36 hours (by 2026-12-08T17:00:00.000Z; retention 14 days): URGENT: under 72 hours left (the project's default threshold) (AWS/SQS ApproximateAgeOfOldestMessage 60 minute(s) in the 5 minutes from 2026-12-07T04:55:00.000Z, Maximum, which leaves out a message received three times or more and not deleted (receive-message and the console's poll each receive it); AWS/SQS NumberOfMessagesSent, Sum, first above 0 over the window read (the queue was not seen empty there) in the 5 minutes from 2026-11-24T17:00:00.000Z, so nothing in it is older than 12.5 days; the larger age is taken;",
      );
      expect(failed?.fix).toMatch(/^URGENT, before SQS deletes them: /);
    });

    it('a send before the last empty period does not count: the first send after it does (not yet urgent)', async () => {
      const failed = await oldestOf({ ...looked3Times, sent: [[1, 12.5 * 24 * 60], [1, 24 * 60], [2, 65]], visible: [[0, 2 * 24 * 60], [1, 24 * 60 - 5], [0, 3 * 24 * 60]], inFlight: [[0, 2 * 24 * 60]] });
      expect(failed?.message).toContain(
        'its oldest message is about 24 hours old and SQS deletes it in about 13 days (by 2026-12-20T05:00:00.000Z; retention 14 days): not yet urgent',
      );
      expect(failed?.message).toContain(
        'AWS/SQS NumberOfMessagesSent, Sum, first above 0 since the queue was last seen empty (in the 5 minutes from 2026-12-05T05:00:00.000Z: ApproximateNumberOfMessagesVisible 0, none in flight or delayed) in the 5 minutes from 2026-12-06T05:00:00.000Z, so nothing in it is older than 24 hours',
      );
      expect(failed?.fix).not.toMatch(/^URGENT/);
    });

    it.each([
      ['a message in flight (someone receiving it: ApproximateNumberOfMessagesNotVisible 1)', { visible: [[0, 2 * 24 * 60]], inFlight: [[1, 2 * 24 * 60]] }],
      ['a delayed message', { visible: [[0, 2 * 24 * 60]], delayed: [[1, 2 * 24 * 60]] }],
      ['no ApproximateNumberOfMessagesVisible datapoint (an inactive queue publishes nothing, messages or not)', { inFlight: [[0, 2 * 24 * 60]], delayed: [[0, 2 * 24 * 60]] }],
    ] as Array<[string, QueueMetrics]>)('a period with %s is not empty: the send 12.5 days back still counts (URGENT)', async (_, depth) => {
      const failed = await oldestOf({ ...looked3Times, ...depth });
      expect(failed?.message).toContain('its oldest message is about 12.5 days old and SQS deletes it in about 36 hours');
      expect(failed?.fix).toMatch(/^URGENT, before SQS deletes them: /);
    });

    it('no send since the queue was last empty (a message SQS redrive moved here is not counted as sent): said, and urgent', async () => {
      const failed = await oldestOf({ age: [3600, 5], sent: [[1, 3 * 24 * 60]], visible: [[0, 2 * 24 * 60]] });
      expect(failed?.message).toContain(
        "; CloudWatch holds no AWS/SQS NumberOfMessagesSent above 0 for it since the queue was last seen empty (in the 5 minutes from 2026-12-05T05:00:00.000Z: ApproximateNumberOfMessagesVisible 0, none in flight or delayed) (SQS does not count a message its redrive moved here as sent; a datapoint can come minutes late: run preflight again in a few minutes), so nothing bounds how old its oldest message is and when SQS deletes it (retention 14 days) is unknown: treat it as urgent.",
      );
      expect(failed?.fix).toMatch(/^URGENT, before SQS deletes them: /);
    });

    it('the sends series not read in full (Forbidden) fails the whole read: said, and urgent, never the age alone', async () => {
      queues({ [FAILED]: [1, 0, 0], [UNDELIVERED]: [0, 0, 0] });
      cloudWatch.reset();
      cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
        MetricDataResults: (input.MetricDataQueries ?? []).map((q) =>
          q.Id === 'sent' ? { Id: q.Id, StatusCode: 'Forbidden', Timestamps: [], Values: [] } : { Id: q.Id, StatusCode: 'Complete', Timestamps: q.Id === 'age' ? [NOW] : [], Values: q.Id === 'age' ? [3600] : [] },
        ),
      }));
      const [failed] = await run();
      expect(failed?.message).toContain("its oldest message's age was not read (cloudwatch:GetMetricData failed: CloudWatch GetMetricData gave an incomplete reading, not decided on: sent: Forbidden)");
      expect(failed?.message).toContain('is unknown: treat it as urgent');
      expect(failed?.fix).toMatch(/^URGENT, before SQS deletes them: /);
    });
  });

  it('a refused read is thrown for the guard to name (no PASS)', async () => {
    sqs.reset();
    sqs.on(GetQueueUrlCommand).rejects(awsError('AccessDenied', 'not authorized to perform: sqs:GetQueueUrl'));
    await expect(run()).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('checkDeadLetterQueues: the SQS queues that redrive into each one (sqs:ListDeadLetterSourceQueues, decision 291)', () => {
  beforeEach(() => ages({}));
  const sourceLines = async (results: Promise<CheckResult[]>): Promise<CheckResult[]> => (await results).filter((r) => r.check === 'dead-letter-sources');
  const all = (l: LiveHandler[] = live(stackDestination)) => checkAll(clients(), TARGET, l, deadLetterQueuesOf(TARGET, l), () => NOW);
  const FAILED_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${FAILED}`;

  it("asks each queue by its own URL and PASSes one no SQS queue redrives into, after that queue's depth line", async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    const results = await all();
    expect(results.map((r) => `${r.status} ${r.check} ${r.subject}`)).toEqual([
      `PASS dead-letter-queue-empty ${FAILED}`,
      `PASS dead-letter-sources ${FAILED}`,
      `PASS dead-letter-queue-empty ${UNDELIVERED}`,
      `PASS dead-letter-sources ${UNDELIVERED}`,
    ]);
    expect(results[1]?.message).toBe(`no SQS queue names ${FAILED} as its dead-letter queue (sqs:ListDeadLetterSourceQueues): only Lambda puts messages there`);
    expect(results[3]?.message).toBe(`no SQS queue names ${UNDELIVERED} as its dead-letter queue (sqs:ListDeadLetterSourceQueues): only EventBridge puts messages there`);
    expect(sqs.commandCalls(ListDeadLetterSourceQueuesCommand).map((c) => c.args[0].input)).toEqual([{ QueueUrl: urlOf(FAILED) }, { QueueUrl: urlOf(UNDELIVERED) }]);
  });

  it("WARNs a standard queue that names the handlers' failure queue as its dead-letter queue: its messages are not the automation's and expire sooner", async () => {
    queues({ [FAILED]: [2, 0, 0], [UNDELIVERED]: [0, 0, 0] }, { [FAILED]: ['billing-queue'] });
    const [sources] = await sourceLines(all());
    expect(sources?.status).toBe('WARN');
    expect(sources?.subject).toBe(FAILED);
    expect(sources?.message).toBe(
      `SQS queue(s) billing-queue name ${FAILED} as their dead-letter queue (RedrivePolicy): their poison messages land among handler invocations that still failed after Lambda's retries, its "not empty" alarm pages the automation's people for them, and preflight's commands to hand a record back to its handler do not apply to them; SQS deletes each at this queue's retention counted from its first enqueue in the source queue, sooner than its age here says`,
    );
    expect(sources?.fix).toContain(`aws sqs set-queue-attributes --region ${REGION} --queue-url ${urlOf('billing-queue')} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"<its own dead-letter queue's ARN>\\"`);
    expect(sources?.fix).toContain(`aws sqs start-message-move-task --source-arn ${FAILED_ARN}`);
  });

  it('reads every page of the list', async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    sqs
      .on(ListDeadLetterSourceQueuesCommand, { QueueUrl: urlOf(UNDELIVERED) })
      .resolvesOnce({ queueUrls: [urlOf('a-queue')], NextToken: 'page-2' })
      .resolves({ queueUrls: [urlOf('b-queue')] });
    const [, undelivered] = await sourceLines(all());
    expect(undelivered?.message).toMatch(/^SQS queue\(s\) a-queue, b-queue name notification-runbooks-undelivered-events as their dead-letter queue/);
  });

  // The attacker's (or a narrowed policy's) case: the grant missing. Never read as "no source": a FAIL naming the action
  // and the exact ARN IAM authorizes it on; the queue's depth line still stands.
  it('a refused list is a FAIL naming sqs:ListDeadLetterSourceQueues and the exact queue ARN to grant it on, never a PASS', async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    sqs
      .on(ListDeadLetterSourceQueuesCommand, { QueueUrl: urlOf(FAILED) })
      .rejects(awsError('AccessDenied', `User: arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/op is not authorized to perform: sqs:listdeadlettersourcequeues on resource: ${FAILED_ARN}`));
    const results = await all();
    expect(results.map((r) => `${r.status} ${r.check} ${r.subject}`)).toEqual([
      `PASS dead-letter-queue-empty ${FAILED}`,
      `FAIL dead-letter-sources ${FAILED}`,
      `PASS dead-letter-queue-empty ${UNDELIVERED}`,
      `PASS dead-letter-sources ${UNDELIVERED}`,
    ]);
    expect(results[1]?.message).toMatch(new RegExp(`^could not list the SQS queues that redrive into dead-letter queue ${FAILED} \\(sqs:ListDeadLetterSourceQueues on ${FAILED_ARN}: AccessDenied: User: `));
    expect(results[1]?.fix).toBe(`grant the credentials preflight runs with sqs:ListDeadLetterSourceQueues on ${FAILED_ARN} (read-only: it lists queue URLs)`);
  });

  it("cross-account mode: a refusal through the workload's preflight role names that role's deployment, on the workload queue's ARN", async () => {
    const WORKLOAD_ACCOUNT = '444455556666';
    const name = 'notification-runbooks-undelivered-alarm-events';
    queues({ [name]: [0, 0, 0] });
    sqs.on(ListDeadLetterSourceQueuesCommand).rejects(awsError('AccessDenied', 'not authorized to perform: sqs:ListDeadLetterSourceQueues'));
    const grant = (arn: string): string => `deploy the workload's remediation roles stack: its notification-runbooks-preflight role grants sqs:ListDeadLetterSourceQueues on ${arn}`;
    const [sources] = await sourceLines(checkAll(clients(), { ...TARGET, account: WORKLOAD_ACCOUNT }, [], workloadDeadLetterQueues(WORKLOAD_ACCOUNT), () => NOW, grant));
    expect(sources?.status).toBe('FAIL');
    expect(sources?.fix).toBe(`deploy the workload's remediation roles stack: its notification-runbooks-preflight role grants sqs:ListDeadLetterSourceQueues on arn:aws:sqs:${REGION}:${WORKLOAD_ACCOUNT}:${name}`);
  });

  it('a list that failed otherwise (throttled past the retries) is a FAIL saying to retry, naming the call', async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    sqs.on(ListDeadLetterSourceQueuesCommand).rejects(awsError('RequestThrottled', 'Rate exceeded'));
    const results = await sourceLines(all());
    expect(results.map((r) => r.status)).toEqual(['FAIL', 'FAIL']);
    expect(results[0]?.fix).toBe(`retry; if it persists, check the credentials, the region and the network (sqs:ListDeadLetterSourceQueues on ${FAILED_ARN})`);
  });
});
