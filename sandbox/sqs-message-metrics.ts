// SQS's part moto 5.2.1 does not play: AWS/SQS NumberOfMessagesDeleted for the deletes it answered (decision 280) and
// NumberOfMessagesSent for the sends it answered (decision 297) (pure: request and answer in, the datapoint's queue and
// count out). The gap proxy publishes each before it answers the call.

/** The SQS Developer Guide ("Available CloudWatch metrics for Amazon SQS"): QueueName is its only dimension. */
export const SQS_DELETES_METRIC = { namespace: 'AWS/SQS', metricName: 'NumberOfMessagesDeleted' } as const;

/** The same namespace and dimension: "the number of messages added to a queue" (decision 297). */
export const SQS_SENT_METRIC = { namespace: 'AWS/SQS', metricName: 'NumberOfMessagesSent' } as const;

/** One SQS call moto answered, as the proxy saw it. */
export interface SqsCall {
  operation: string;
  protocol: string;
  /** The request's path (a query-protocol request may be posted to the queue's URL). */
  path: string;
  requestBody: string;
  status: number;
  responseBody: string;
}

/** The queue's name: the last path segment of its URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
function queueNameOfUrl(url: string): string | undefined {
  const name = url.split('?')[0]?.split('/').filter(Boolean).pop();
  return name && /^[\w-]{1,80}(\.fifo)?$/.test(name) ? name : undefined;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The messages one answered call (`single`) or batch (`batch`: its Successful entries) counted, and its queue. */
function messagesOf(call: SqsCall, single: string, batch: string): { queueName: string; count: number } | undefined {
  if (call.status !== 200 || (call.operation !== single && call.operation !== batch)) return undefined;
  let queueUrl: string | undefined;
  let count: number;
  if (call.protocol === 'json') {
    const request = jsonObject(call.requestBody);
    queueUrl = typeof request?.QueueUrl === 'string' ? request.QueueUrl : undefined;
    const successful = jsonObject(call.responseBody)?.Successful;
    count = call.operation === single ? 1 : Array.isArray(successful) ? successful.length : 0;
  } else if (call.protocol === 'query') {
    queueUrl = new URLSearchParams(call.requestBody).get('QueueUrl') ?? call.path;
    count = call.operation === single ? 1 : (call.responseBody.match(new RegExp(`<${batch}ResultEntry>`, 'g')) ?? []).length;
  } else return undefined;
  const queueName = queueUrl === undefined ? undefined : queueNameOfUrl(queueUrl);
  return queueName && count > 0 ? { queueName, count } : undefined;
}

/**
 * The messages an answered DeleteMessage / DeleteMessageBatch deleted, and from which queue: SQS emits
 * NumberOfMessagesDeleted "for every successful deletion operation that uses a valid receipt handle, including duplicate
 * deletions" (SQS Developer Guide), whoever deleted. A refused call (moto refuses an invalid receipt handle) and a
 * batch's Failed entries count nothing. Undefined when it deleted nothing or is not such a call.
 */
export function messagesDeleted(call: SqsCall): { queueName: string; count: number } | undefined {
  return messagesOf(call, 'DeleteMessage', 'DeleteMessageBatch');
}

/**
 * The messages an answered SendMessage / SendMessageBatch added, and to which queue: NumberOfMessagesSent, "the number of
 * messages added to a queue" (SQS Developer Guide), whoever sent (an operator, a test, or what plays Lambda's on-failure
 * destination here, sandbox/async-invocation.ts). A refused call and a batch's Failed entries count nothing. Not
 * played: a FIFO send SQS deduplicates (AWS counts it in NumberOfDeduplicatedSentMessages; moto answers it 200, so it is
 * counted here), and the messages moto delivers itself (an EventBridge rule's SQS target), which never pass the proxy.
 * Undefined when it added nothing or is not such a call.
 */
export function messagesSent(call: SqsCall): { queueName: string; count: number } | undefined {
  return messagesOf(call, 'SendMessage', 'SendMessageBatch');
}
