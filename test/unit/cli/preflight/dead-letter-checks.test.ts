// Preflight's read of the automation's dead-letter queues: a message there is an event the automation never acted on
// (decision 265): visible messages FAIL with the commands that read and hand them back, messages only in flight WARN,
// an empty queue PASSes, a missing stack queue FAILs; a handler's own on-failure destination is read too.
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { checkDeadLetterQueues, deadLetterQueuesOf, workloadDeadLetterQueues } from '../../../../cli/preflight/dead-letter-checks';
import type { LiveHandler } from '../../../../cli/preflight/handler-checks';
import { ACCOUNT, awsError, clients, expectationsFor, REGION, TARGET } from './support';

const sqs = mockClient(SQSClient);

const FAILED = 'notification-runbooks-failed-invocations';
const UNDELIVERED = 'notification-runbooks-undelivered-events';
const urlOf = (name: string, account = ACCOUNT): string => `https://sqs.${REGION}.amazonaws.com/${account}/${name}`;

/** The account's queues: name -> [visible, in flight, delayed]; a name absent does not exist. */
function queues(depths: Record<string, [number, number, number]>): void {
  sqs.reset();
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
const run = (l: LiveHandler[] = live(stackDestination)) => checkDeadLetterQueues(clients(), TARGET, l);
const lines = (results: Array<{ status: string; check: string; subject: string }>) => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('checkDeadLetterQueues', () => {
  it("reads the stack's two queues (infra's names) and PASSes them empty", async () => {
    queues({ [FAILED]: [0, 0, 0], [UNDELIVERED]: [0, 0, 0] });
    const results = await run();
    expect(lines(results)).toEqual([`PASS dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`]);
    expect(results[0]?.message).toBe(`dead-letter queue ${FAILED} is empty (0 messages, 0 in flight): no event the automation failed to act on is waiting there`);
    expect(sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.AttributeNames)).toEqual([
      ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'MessageRetentionPeriod'],
      ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'MessageRetentionPeriod'],
    ]);
  });

  it('FAILs a queue holding messages, naming the count and the commands that read them and hand each back to its function', async () => {
    queues({ [FAILED]: [3, 1, 0], [UNDELIVERED]: [0, 0, 0] });
    const results = await run();
    expect(lines(results)).toEqual([`FAIL dead-letter-queue-empty ${FAILED}`, `PASS dead-letter-queue-empty ${UNDELIVERED}`]);
    const [failed] = results;
    expect(failed?.message).toBe(
      `dead-letter queue ${FAILED} holds 3 message(s) (and 1 in flight): Handler invocations that still failed after Lambda's retries: events the automation never acted on, each kept 14 day(s) from its arrival and then deleted by SQS. An alarm handler fails every attempt while the kill switch cannot be read (ssm:GetParameter denied or throttled): nothing is remediated automatically until it can.`,
    );
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
    const results = await checkDeadLetterQueues(clients(), { ...TARGET, account: WORKLOAD_ACCOUNT }, [], queuesThere);
    expect(lines(results)).toEqual(['FAIL dead-letter-queue-empty notification-runbooks-undelivered-alarm-events']);
    expect(results[0]?.message).toMatch(/^dead-letter queue notification-runbooks-undelivered-alarm-events holds 2 message\(s\): Alarm events EventBridge could not forward to the operations account: events the automation never acted on/);
    expect(results[0]?.fix).toContain("with credentials of the operations account, aws lambda invoke --region us-east-1 --function-name <the handler whose rule matches its detail.alarmName");
    expect(sqs.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([{ QueueName: 'notification-runbooks-undelivered-alarm-events' }]);
  });

  it('a refused read is thrown for the guard to name (no PASS)', async () => {
    sqs.reset();
    sqs.on(GetQueueUrlCommand).rejects(awsError('AccessDenied', 'not authorized to perform: sqs:GetQueueUrl'));
    await expect(run()).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
