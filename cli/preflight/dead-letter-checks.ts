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
//
// How long the oldest message has left (decision 277): SQS deletes a message at the queue's MessageRetentionPeriod
// (GetQueueAttributes), so the FAIL reads the queue's AWS/SQS ApproximateAgeOfOldestMessage (CloudWatch, Maximum) and
// says when SQS deletes the oldest, URGENT within DEAD_LETTER_URGENT_HOURS (a project default). No datapoint, a refused
// or failed read, or a queue of another account (its metrics are there) is said, never taken for "plenty of time".
// That figure leaves out a message received three times or more, so the age is bounded from above by the queue's sends
// since it was last seen empty (NumberOfMessagesSent, decision 297): the larger is taken.
//
// Which SQS queues redrive into it (decision 291): sqs:ListDeadLetterSourceQueues on the queue's own ARN. These queues
// are fed by Lambda and EventBridge only; an SQS queue naming one as its dead-letter queue puts its poison messages
// among the automation's records (the "not empty" alarm pages for them, the redrive commands here do not apply to them,
// and from a standard queue they expire sooner than their age says). A source is a WARN naming it; a refused or failed
// list is a FAIL naming the action and the exact ARN to grant it on, never read as "no source".
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand, paginateListDeadLetterSourceQueues } from '@aws-sdk/client-sqs';
import { readMetricData, type MetricPoints } from '../../shared/aws/metric-data';
import { DEAD_LETTER_QUEUES, DEAD_LETTER_URGENT_HOURS } from '../../shared/config/automation-health';
import type { LiveHandler } from './handler-checks';
import { awsErrorName, fail, isAccessDenied, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const DEAD_LETTER_ACTIONS = ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'] as const;

/** The oldest message's age: its refusal is said in the queue's FAIL (the count still stands), not a could-not-check. */
export const DEAD_LETTER_AGE_ACTION = 'cloudwatch:GetMetricData';

/** The SQS queues that name a queue as their dead-letter queue: its refusal is the queue's dead-letter-sources FAIL. */
export const DEAD_LETTER_SOURCES_ACTION = 'sqs:ListDeadLetterSourceQueues';

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

/**
 * The oldest message's age as CloudWatch last published it: the newest AWS/SQS ApproximateAgeOfOldestMessage Maximum
 * (`ageSeconds`) of the period starting `at`, with the bound its arrivals put on it (`arrivals`, decision 297);
 * `missing`: no age datapoint over the window read (`lookedBackSeconds`); `unread`: why it was not read (a refusal, a
 * failed read, a queue whose metrics are in another account).
 */
export type OldestMessage = { ageSeconds: number; at: Date; periodSeconds: number; arrivals: ArrivalBound } | { missing: true; lookedBackSeconds: number } | { unread: string };

/**
 * What the queue's arrivals say, independent of who received what (decision 297): every message in it now was sent at or
 * after `since` (the start of the earliest 5-minute period with AWS/SQS NumberOfMessagesSent > 0 at or after the last
 * period the queue was seen empty, `lastEmpty`, or within the window when it was not seen empty there); `none`: no
 * such datapoint, so nothing bounds the age.
 */
export type ArrivalBound = { since: Date; lastEmpty?: Date } | { none: true; lastEmpty?: Date };

/** Period of the age read: 5-minute Maximums keep a 14-day window to at most 4,032 points (one GetMetricData page). */
export const AGE_PERIOD_SECONDS = 300;

/** Pure: a span of seconds as an operator reads it ("1.5 days", "20 hours", "35 minutes"). */
export function spanOf(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s >= 2 * 86400) return `${(Math.round((s / 86400) * 10) / 10).toString()} days`;
  if (s >= 2 * 3600) return `${Math.round(s / 3600)} hours`;
  return `${Math.max(1, Math.round(s / 60))} minute(s)`;
}

/**
 * Pure: what the FAIL says about the oldest message's expiry, and whether it is urgent (decisions 277, 297).
 * The age now is the larger of two: the age datapoint's value plus the time since its period began (the same message has
 * aged since, and if it was deleted meanwhile the estimate errs early, never late), and the time since `arrivals.since`
 * (nothing now in the queue arrived before it). SQS leaves out of its figure a message received three times or more and
 * not deleted, so the first alone can read a younger message than the oldest; the second does not depend on receives.
 * No bound from the arrivals is said and taken as urgent. Where the age comes from (SQS Developer Guide): for a message
 * SQS moved from a standard source queue, the metric counts from the move but the expiry from the original enqueue ("For
 * standard queues, the expiration of a message is always based on its original enqueue timestamp"); for a FIFO queue
 * "the enqueue timestamp resets when the message is moved to a dead-letter queue". Lambda and EventBridge send each
 * record here as a new message, so here both count from its arrival.
 */
export function expiryOf(queue: WatchedDeadLetterQueue, retentionSeconds: number | undefined, oldest: OldestMessage, now: Date): { text: string; urgent: boolean } {
  const urgentSeconds = DEAD_LETTER_URGENT_HOURS * 3600;
  const fifo = queue.queueName.endsWith('.fifo');
  const counted = fifo
    ? 'a FIFO queue: SQS resets the enqueue time when it moves a message to a dead-letter queue, so the age and the expiry count from the same moment'
    : 'counted from its arrival here (Lambda and EventBridge send each record as a new message; one SQS moved here from a standard queue would expire sooner: its expiry counts from its original enqueue)';
  if (retentionSeconds === undefined) return { text: `SQS did not say the queue's MessageRetentionPeriod, so when its oldest message is deleted is unknown: treat it as urgent`, urgent: true };
  const retention = `retention ${spanOf(retentionSeconds)}`;
  if ('unread' in oldest) {
    return { text: `its oldest message's age was not read (${oldest.unread}), so when SQS deletes it (${retention}) is unknown: treat it as urgent`, urgent: true };
  }
  if ('missing' in oldest) {
    return {
      text: `CloudWatch holds no AWS/SQS ApproximateAgeOfOldestMessage datapoint for it over the last ${spanOf(oldest.lookedBackSeconds)} (SQS publishes a queue's metrics only while it is active, and this read makes it active: run preflight again in a few minutes), so when SQS deletes its oldest message (${retention}) is unknown: treat it as urgent`,
      urgent: true,
    };
  }
  const period = (at: Date): string => `the ${oldest.periodSeconds / 60} minutes from ${at.toISOString()}`;
  const ageSeen = `AWS/SQS ApproximateAgeOfOldestMessage ${spanOf(oldest.ageSeconds)} in ${period(oldest.at)}, Maximum, which leaves out a message received three times or more and not deleted (receive-message and the console's poll each receive it)`;
  const emptied = (lastEmpty: Date | undefined): string =>
    lastEmpty ? `since the queue was last seen empty (in ${period(lastEmpty)}: ApproximateNumberOfMessagesVisible 0, none in flight or delayed)` : 'over the window read (the queue was not seen empty there)';
  const { arrivals } = oldest;
  if ('none' in arrivals) {
    return {
      text: `${ageSeen}; CloudWatch holds no AWS/SQS NumberOfMessagesSent above 0 for it ${emptied(arrivals.lastEmpty)} (SQS does not count a message its redrive moved here as sent; a datapoint can come minutes late: run preflight again in a few minutes), so nothing bounds how old its oldest message is and when SQS deletes it (${retention}) is unknown: treat it as urgent`,
      urgent: true,
    };
  }
  const byAge = oldest.ageSeconds + Math.max(0, (now.getTime() - oldest.at.getTime()) / 1000);
  const byArrivals = Math.max(0, (now.getTime() - arrivals.since.getTime()) / 1000);
  const ageNow = Math.max(byAge, byArrivals);
  const left = retentionSeconds - ageNow;
  const seen = `${ageSeen}; AWS/SQS NumberOfMessagesSent, Sum, first above 0 ${emptied(arrivals.lastEmpty)} in ${period(arrivals.since)}, so nothing in it is older than ${spanOf(byArrivals)}; the larger age is taken; ${counted}`;
  if (left <= 0) {
    return {
      text: `its oldest message is about ${spanOf(ageNow)} old and SQS deletes at ${retention}: unless someone handed it back, it is deleted already and others may follow at any time (${seen}): URGENT`,
      urgent: true,
    };
  }
  const when = new Date(now.getTime() + left * 1000).toISOString();
  const urgent = left < urgentSeconds;
  return {
    text: `its oldest message is about ${spanOf(ageNow)} old and SQS deletes it in about ${spanOf(left)} (by ${when}; ${retention}): ${urgent ? `URGENT: under ${DEAD_LETTER_URGENT_HOURS} hours left (the project's default threshold)` : `not yet urgent (the project's default: URGENT under ${DEAD_LETTER_URGENT_HOURS} hours left)`} (${seen})`,
    urgent,
  };
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

/** Pure: one queue's line from its depth (and, when it holds messages, its oldest message's age at `now`). */
export function deadLetterResult(queue: WatchedDeadLetterQueue, url: string, depth: QueueDepth, region: string, oldest?: OldestMessage, now: Date = new Date()): CheckResult {
  const subject = queue.queueName;
  const retention = depth.retentionSeconds !== undefined ? `, each kept ${Math.round(depth.retentionSeconds / 86400)} day(s) from its arrival and then deleted by SQS` : '';
  const others = [depth.inFlight > 0 ? `${depth.inFlight} in flight` : '', depth.delayed > 0 ? `${depth.delayed} delayed` : ''].filter(Boolean).join(', ');
  if (depth.visible > 0) {
    const expiry = expiryOf(queue, depth.retentionSeconds, oldest ?? { unread: 'not asked' }, now);
    return fail(
      'plumbing',
      'dead-letter-queue-empty',
      subject,
      `dead-letter queue ${queue.queueName} holds ${depth.visible} message(s)${others ? ` (and ${others})` : ''}: ${queue.holds}: events the automation never acted on${retention}; ${expiry.text}. ${queue.firstLook}`,
      `${expiry.urgent ? 'URGENT, before SQS deletes them: ' : ''}${redriveCommands(queue, url, region)}`,
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

/** The period starts of a series whose value is 0 (a series absent: none). */
function zeroAt(points: MetricPoints | undefined): Set<number> {
  return new Set((points?.timestamps ?? []).filter((_, i) => points?.values[i] === 0).map((t) => t.getTime()));
}

/**
 * Pure (decision 297): the earliest period with NumberOfMessagesSent (Sum) above 0 at or after the last period the queue
 * was seen empty: its ApproximateNumberOfMessagesVisible Maximum 0, and its ApproximateNumberOfMessagesNotVisible and
 * ApproximateNumberOfMessagesDelayed Maximums 0 or not published (SQS publishes those only while such messages exist).
 * A period with no Visible datapoint is not taken as empty (an inactive queue publishes nothing, messages or not).
 * The empty period itself counts: a message sent after its samples is counted in it. Every message in the queue now was
 * sent after a sample at which it was empty, so no earlier than that period's start.
 */
export function arrivalBoundOf(series: { sent?: MetricPoints; visible?: MetricPoints; inFlight?: MetricPoints; delayed?: MetricPoints }): ArrivalBound {
  const nonZero = (points: MetricPoints | undefined): Set<number> => new Set((points?.timestamps ?? []).filter((_, i) => (points?.values[i] ?? 0) !== 0).map((t) => t.getTime()));
  const busy = new Set([...nonZero(series.inFlight), ...nonZero(series.delayed)]);
  const empty = [...zeroAt(series.visible)].filter((t) => !busy.has(t));
  const lastEmptyMs = empty.length > 0 ? Math.max(...empty) : undefined;
  const lastEmpty = lastEmptyMs === undefined ? {} : { lastEmpty: new Date(lastEmptyMs) };
  const sends = (series.sent?.timestamps ?? []).filter((t, i) => (series.sent?.values[i] ?? 0) > 0 && (lastEmptyMs === undefined || t.getTime() >= lastEmptyMs)).map((t) => t.getTime());
  return sends.length > 0 ? { since: new Date(Math.min(...sends)), ...lastEmpty } : { none: true, ...lastEmpty };
}

/**
 * The queue's oldest message's age, over the retention window (a message cannot be older): the newest 5-minute Maximum,
 * and in the same GetMetricData call what bounds it from above (decision 297): NumberOfMessagesSent (Sum) and the three
 * depth metrics (Maximum), 5-minute periods. A queue of another account is not read (CloudWatch metrics stay in the
 * account that owns the queue). A failed read is returned, not thrown: the queue's count still stands.
 */
export async function readOldestMessage(cloudWatch: Pick<CloudWatchClient, 'send'>, queue: WatchedDeadLetterQueue, target: PreflightTarget, retentionSeconds: number | undefined, now: Date): Promise<OldestMessage> {
  if (queue.account !== target.account) return { unread: `its metrics are in account ${queue.account}, which preflight does not read` };
  // SQS's maximum retention, 14 days, when the queue did not say its own.
  const lookedBackSeconds = Math.min(retentionSeconds ?? 1_209_600, 1_209_600) + AGE_PERIOD_SECONDS;
  const query = (id: string, metricName: string, stat: 'Maximum' | 'Sum'): MetricDataQuery => ({
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: metricName, Dimensions: [{ Name: 'QueueName', Value: queue.queueName }] }, Period: AGE_PERIOD_SECONDS, Stat: stat },
  });
  try {
    const series = await readMetricData(
      cloudWatch,
      [
        query('age', 'ApproximateAgeOfOldestMessage', 'Maximum'),
        query('sent', 'NumberOfMessagesSent', 'Sum'),
        query('visible', 'ApproximateNumberOfMessagesVisible', 'Maximum'),
        query('inFlight', 'ApproximateNumberOfMessagesNotVisible', 'Maximum'),
        query('delayed', 'ApproximateNumberOfMessagesDelayed', 'Maximum'),
      ],
      { from: new Date(now.getTime() - lookedBackSeconds * 1000), to: now },
    );
    const points = series.get('age');
    const last = points ? points.values.length - 1 : -1;
    const at = points?.timestamps[last];
    const value = points?.values[last];
    if (at === undefined || value === undefined) return { missing: true, lookedBackSeconds };
    const arrivals = arrivalBoundOf({ sent: series.get('sent'), visible: series.get('visible'), inFlight: series.get('inFlight'), delayed: series.get('delayed') });
    return { ageSeconds: value, at, periodSeconds: AGE_PERIOD_SECONDS, arrivals };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const name = awsErrorName((error as { cause?: unknown }).cause) ?? awsErrorName(error);
    const refused = /AccessDenied|not authorized/i.test(`${name ?? ''} ${text}`);
    return { unread: refused ? `${DEAD_LETTER_AGE_ACTION} refused: grant it to the credentials preflight runs with` : `${DEAD_LETTER_AGE_ACTION} failed: ${text.slice(0, 200)}` };
  }
}

/** The queue's ARN, as IAM authorizes sqs:ListDeadLetterSourceQueues on it (the call names the queue by its URL). */
export function queueArnOf(queue: WatchedDeadLetterQueue, target: PreflightTarget): string {
  return `arn:${target.partition}:sqs:${target.region}:${queue.account}:${queue.queueName}`;
}

/** What ListDeadLetterSourceQueues answered: the source queues' URLs (every page), or why they were not read. */
export type RedriveSources = { sourceUrls: string[] } | { unread: string; refused: boolean };

/** Every page of ListDeadLetterSourceQueues for one queue; a refusal or failure is returned, not thrown. */
export async function readRedriveSources(sqs: PreflightClients['sqs'], url: string): Promise<RedriveSources> {
  const sourceUrls: string[] = [];
  try {
    for await (const page of paginateListDeadLetterSourceQueues({ client: sqs }, { QueueUrl: url })) sourceUrls.push(...(page.queueUrls ?? []));
    return { sourceUrls };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const name = awsErrorName(error) ?? 'Error';
    return { unread: `${name}: ${text.slice(0, 200)}`, refused: isAccessDenied(error) || /not authorized/i.test(text) };
  }
}

/**
 * Pure: the queue's dead-letter-sources line. No source PASSes; a source WARNs naming it (the automation still works,
 * but the queue holds someone else's messages); a list that was not read FAILs naming the action and the queue's ARN.
 * `grantFix`: where the grant lives (the caller's own policy, or the workload's preflight role, which infra deploys).
 */
export function redriveSourcesResult(queue: WatchedDeadLetterQueue, arn: string, sources: RedriveSources, region: string, grantFix?: string): CheckResult {
  const subject = queue.queueName;
  if ('unread' in sources) {
    const grant = grantFix ?? `grant the credentials preflight runs with ${DEAD_LETTER_SOURCES_ACTION} on ${arn} (read-only: it lists queue URLs)`;
    return fail(
      'plumbing',
      'dead-letter-sources',
      subject,
      `could not list the SQS queues that redrive into dead-letter queue ${queue.queueName} (${DEAD_LETTER_SOURCES_ACTION} on ${arn}: ${sources.unread}): a queue whose poison messages land among ${queue.holds.charAt(0).toLowerCase()}${queue.holds.slice(1)} would go unseen`,
      sources.refused ? grant : `retry; if it persists, check the credentials, the region and the network (${DEAD_LETTER_SOURCES_ACTION} on ${arn})`,
    );
  }
  if (sources.sourceUrls.length === 0) {
    return pass('plumbing', 'dead-letter-sources', subject, `no SQS queue names ${queue.queueName} as its dead-letter queue (${DEAD_LETTER_SOURCES_ACTION}): only ${queue.content === 'invocation-record' ? 'Lambda' : 'EventBridge'} puts messages there`);
  }
  const names = sources.sourceUrls.map((u) => u.split('/').pop() ?? u);
  const standard = !queue.queueName.endsWith('.fifo');
  return warn(
    'plumbing',
    'dead-letter-sources',
    subject,
    `SQS queue(s) ${names.join(', ')} name ${queue.queueName} as their dead-letter queue (RedrivePolicy): their poison messages land among ${queue.holds.charAt(0).toLowerCase()}${queue.holds.slice(1)}, its "not empty" alarm pages the automation's people for them, and preflight's commands to hand a record back to its handler do not apply to them${standard ? "; SQS deletes each at this queue's retention counted from its first enqueue in the source queue, sooner than its age here says" : ''}`,
    `give ${names.join(', ')} a dead-letter queue of ${names.length > 1 ? 'their' : 'its'} own: ${sources.sourceUrls.map((u) => `aws sqs set-queue-attributes --region ${region} --queue-url ${u} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"<its own dead-letter queue's ARN>\\",\\"maxReceiveCount\\":\\"<its maxReceiveCount>\\"}"}'`).join('; ')}; then move what they left in ${queue.queueName} there (aws sqs start-message-move-task --source-arn ${arn} --destination-arn <that queue's ARN> moves every message, the automation's records too: read and sort them first)`,
  );
}

/** Each queue read (GetQueueUrl, GetQueueAttributes; and the age of the oldest message of one holding any) and judged. */
export async function checkDeadLetterQueues(
  clients: PreflightClients,
  target: PreflightTarget,
  live: readonly LiveHandler[],
  queues: readonly WatchedDeadLetterQueue[] = deadLetterQueuesOf(target, live),
  now: () => Date = () => new Date(),
  /** Where a refused ListDeadLetterSourceQueues is granted, when not in the caller's own policy (the workload's role). */
  sourcesGrantFix?: (arn: string) => string,
): Promise<CheckResult[]> {
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
    const at = now();
    const oldest = depth.visible > 0 ? await readOldestMessage(clients.cloudWatch, queue, target, depth.retentionSeconds, at) : undefined;
    results.push(deadLetterResult(queue, url, depth, target.region, oldest, at));
    const arn = queueArnOf(queue, target);
    results.push(redriveSourcesResult(queue, arn, await readRedriveSources(clients.sqs, url), target.region, sourcesGrantFix?.(arn)));
  }
  return results;
}
