// Preflight: the automation's dead-letter queues are empty. A message there is an event the automation never acted on:
// an alarm (or decision, or timer) EventBridge could not deliver to its handler, or a handler invocation that failed
// every retry Lambda made. Each stays there until someone reads and redrives it, and is gone at the queue's retention
// (infra: 14 days, DELIVERY.dlqRetentionDays).
//
// The queues: the two every runbook stack deploys where the handlers run (shared/config/automation-health.ts
// DEAD_LETTER_QUEUES: failed invocations, undelivered events; infra/lib/runbook-stack.ts), and any other queue a live
// handler's on-failure destination names (read by handler-checks.ts); in cross-account mode also the workload's
// undelivered-alarm-events queue, read through its preflight role. The schedules carry no dead-letter queue
// (decision 239: their failures are the lane alarms'); one a live schedule names is judged by schedule-delivery-checks.ts.
//
// Verdicts (decision 265): a queue holding a visible message FAILs, naming the queue, the count and the commands that
// read and redrive it: the deployment is not doing its job for those events, the cause (decision 173: a kill switch
// it could not read) usually persists, and the records are lost at the retention. Messages only in flight (received by
// someone, not yet deleted) WARN: a reader is at them now. An expected queue missing FAILs (deploy). `sqs
// start-message-move-task` is not the redrive here: SQS moves messages only out of a dead-letter queue of other SQS
// queues ("Non-SQS queue sources of dead-letter queues, such as AWS Lambda or Amazon SNS topics, are currently not
// supported", SQS API Reference, StartMessageMoveTask); each message is handed back to its function instead.
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_QUEUES } from '../../shared/config/automation-health';
import type { LiveHandler } from './handler-checks';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const DEAD_LETTER_ACTIONS = ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'] as const;

/**
 * What a message in the queue is, which decides how it is handed back: a Lambda invocation record (an on-failure
 * destination: the function in requestContext.functionArn, the event in requestPayload; Lambda Developer Guide,
 * "Capturing records of Lambda asynchronous invocations"), or the undelivered event itself (an EventBridge target's
 * dead-letter queue: the function in the TARGET_ARN message attribute; EventBridge User Guide, "Using dead-letter queues
 * to process undelivered events").
 */
export type DeadLetterContent = 'invocation-record' | 'undelivered-event' | 'forwarded-alarm';

export interface WatchedDeadLetterQueue {
  queueName: string;
  account: string;
  content: DeadLetterContent;
  /** What ends up there, for the message: "Handler invocations that still failed after Lambda's retries". */
  holds: string;
  /** Where to look first for the cause. */
  firstLook: string;
  /** Deployed by the stack (its absence FAILs); a live destination that does not exist is handler-configuration's FAIL. */
  deployed: boolean;
}

/** Pure: the queues to read, the stack's first, then each other on-failure destination of the live handlers. */
export function deadLetterQueuesOf(target: PreflightTarget, live: readonly LiveHandler[]): WatchedDeadLetterQueue[] {
  const { failedInvocations, undeliveredEvents } = DEAD_LETTER_QUEUES;
  const queues: WatchedDeadLetterQueue[] = [
    { ...failedInvocations, account: target.account, content: 'invocation-record', deployed: true },
    { ...undeliveredEvents, account: target.account, content: 'undelivered-event', deployed: true },
  ];
  for (const { handler, failureDestination } of live) {
    const parts = failureDestination?.split(':') ?? [];
    if (parts[2] !== 'sqs' || parts.length !== 6) continue;
    const [, , , , account = '', queueName = ''] = parts;
    const known = queues.find((q) => q.queueName === queueName && q.account === account);
    if (known) continue;
    queues.push({
      queueName,
      account,
      content: 'invocation-record',
      holds: `Invocations of ${handler.functionName} that still failed after Lambda's retries (its on-failure destination, not the stack's ${failedInvocations.queueName})`,
      firstLook: failedInvocations.firstLook,
      deployed: false,
    });
  }
  return queues;
}

/**
 * Pure: cross-account mode, the workload's queue (WorkloadStack): the alarm events EventBridge could not forward to the
 * operations account's bus. Read through the workload's preflight role (its sqs:GetQueueAttributes on this queue only).
 */
export function workloadDeadLetterQueues(workloadAccount: string): WatchedDeadLetterQueue[] {
  return [{ ...DEAD_LETTER_QUEUES.undeliveredAlarmEvents, account: workloadAccount, content: 'forwarded-alarm', deployed: true }];
}

export interface QueueDepth {
  /** ApproximateNumberOfMessages: available to receive. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received by someone, not yet deleted. */
  inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  delayed: number;
  /** MessageRetentionPeriod, seconds. */
  retentionSeconds?: number;
}

/** The commands that read a queue's messages and hand each back to its function (there is no move task for these). */
export function redriveCommands(queue: WatchedDeadLetterQueue, url: string, region: string): string {
  const read = `aws sqs receive-message --region ${region} --queue-url ${url} --max-number-of-messages 10 --visibility-timeout 600 --attribute-names All --message-attribute-names All`;
  const payload = "--invocation-type Event --cli-binary-format raw-in-base64-out --payload '<the message body: the event>' /dev/null";
  const reinvoke =
    queue.content === 'invocation-record'
      ? `aws lambda invoke --region ${region} --function-name <the record's requestContext.functionArn> --invocation-type Event --cli-binary-format raw-in-base64-out --payload '<the record's requestPayload>' /dev/null`
      : queue.content === 'undelivered-event'
        ? `aws lambda invoke --region ${region} --function-name <its TARGET_ARN message attribute> ${payload}`
        : `with credentials of the operations account, aws lambda invoke --region ${region} --function-name <the handler whose rule matches its detail.alarmName: preflight's alarm-reaches-rule line names it> ${payload}`;
  const why = queue.content === 'invocation-record' ? "the record's responsePayload says why it failed" : 'its ERROR_CODE and ERROR_MESSAGE attributes say why it was not delivered';
  return [
    `read them first (${why}): ${read}`,
    `once the cause is fixed, hand each back to its handler (it re-reads the alarm before acting): ${reinvoke}`,
    `then delete it: aws sqs delete-message --region ${region} --queue-url ${url} --receipt-handle <its ReceiptHandle>`,
    '(aws sqs start-message-move-task does not apply: SQS redrives only dead-letter queues of other SQS queues)',
  ].join('; ');
}

/** Pure: one queue's line from its depth. */
export function deadLetterResult(queue: WatchedDeadLetterQueue, url: string, depth: QueueDepth, region: string): CheckResult {
  const subject = queue.queueName;
  const retention = depth.retentionSeconds !== undefined ? `, each kept ${Math.round(depth.retentionSeconds / 86400)} day(s) from its arrival and then deleted by SQS` : '';
  const others = [depth.inFlight > 0 ? `${depth.inFlight} in flight` : '', depth.delayed > 0 ? `${depth.delayed} delayed` : ''].filter(Boolean).join(', ');
  if (depth.visible > 0) {
    return fail(
      'plumbing',
      'dead-letter-queue-empty',
      subject,
      `dead-letter queue ${queue.queueName} holds ${depth.visible} message(s)${others ? ` (and ${others})` : ''}: ${queue.holds}: events the automation never acted on${retention}. ${queue.firstLook}`,
      redriveCommands(queue, url, region),
    );
  }
  if (depth.inFlight > 0 || depth.delayed > 0) {
    return warn(
      'plumbing',
      'dead-letter-queue-empty',
      subject,
      `dead-letter queue ${queue.queueName} has no message to receive yet, but ${others}: ${depth.inFlight > 0 ? 'someone is reading (or moving) them now; ' : ''}until they are handed back they are events the automation never acted on (${queue.holds})`,
      `run preflight again once whoever reads them is done (a received message not deleted reappears after its visibility timeout; a delayed one when its delay ends). ${redriveCommands(queue, url, region)}`,
    );
  }
  return pass('plumbing', 'dead-letter-queue-empty', subject, `dead-letter queue ${queue.queueName} is empty (0 messages, 0 in flight): no event the automation failed to act on is waiting there`);
}

const count = (value: string | undefined): number => {
  const n = Number(value ?? '0');
  return Number.isFinite(n) ? n : 0;
};

/** Each queue read (GetQueueUrl, GetQueueAttributes) and judged. */
export async function checkDeadLetterQueues(clients: PreflightClients, target: PreflightTarget, live: readonly LiveHandler[], queues: readonly WatchedDeadLetterQueue[] = deadLetterQueuesOf(target, live)): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const queue of queues) {
    let url: string | undefined;
    try {
      url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queue.queueName, ...(queue.account !== target.account ? { QueueOwnerAWSAccountId: queue.account } : {}) }))).QueueUrl;
    } catch (error) {
      if (!/QueueDoesNotExist|NonExistentQueue/.test(awsErrorName(error) ?? '')) throw error;
    }
    if (!url) {
      if (queue.deployed) {
        results.push(fail('plumbing', 'dead-letter-queue-empty', queue.queueName, `dead-letter queue ${queue.queueName} does not exist: ${queue.holds} have nowhere to go and are lost`, 'deploy the runbook stack: it creates the queue'));
      }
      continue;
    }
    const attributes =
      (
        await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'MessageRetentionPeriod'] }),
        )
      ).Attributes ?? {};
    const depth: QueueDepth = {
      visible: count(attributes.ApproximateNumberOfMessages),
      inFlight: count(attributes.ApproximateNumberOfMessagesNotVisible),
      delayed: count(attributes.ApproximateNumberOfMessagesDelayed),
      ...(attributes.MessageRetentionPeriod !== undefined ? { retentionSeconds: count(attributes.MessageRetentionPeriod) } : {}),
    };
    results.push(deadLetterResult(queue, url, depth, target.region));
  }
  return results;
}
