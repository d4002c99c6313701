// Lambda's asynchronous invocation, played for the sandbox (moto runs no Lambda code): the event is handed to the
// function, and on an error tried again up to MaximumRetryAttempts more times ("How Lambda handles errors and retries
// with asynchronous invocation": two more by default, one and two minutes apart; no wait here, nothing in the sandbox
// depends on it); when every attempt failed, the invocation record goes to the on-failure destination, an SQS queue
// ("Capturing records of Lambda asynchronous invocations": requestContext with condition RetriesExhausted, the
// request payload, responseContext with functionError Unhandled, the error as responsePayload).
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface AsyncInvocationResult {
  attempts: number;
  /** What each failed attempt threw. */
  errors: unknown[];
  /** The invocation record sent to the on-failure destination, when every attempt failed. */
  failureRecord?: Record<string, unknown>;
}

export async function invokeAsynchronously(opts: {
  handler: (event: unknown) => Promise<unknown>;
  event: unknown;
  /** The function's ARN, as Lambda names it in the record (…:function:<name>:$LATEST). */
  functionArn: string;
  /** The function's MaximumRetryAttempts (0-2). */
  maximumRetryAttempts: number;
  onFailure: { sqs: SQSClient; queueUrl: string };
  now?: () => Date;
}): Promise<AsyncInvocationResult> {
  const errors: unknown[] = [];
  const requestId = randomUUID();
  for (let attempt = 1; attempt <= 1 + opts.maximumRetryAttempts; attempt += 1) {
    try {
      await opts.handler(opts.event);
      return { attempts: attempt, errors };
    } catch (error) {
      errors.push(error);
    }
  }
  const last = errors[errors.length - 1];
  const failureRecord = {
    version: '1.0',
    timestamp: (opts.now?.() ?? new Date()).toISOString(),
    requestContext: { requestId, functionArn: `${opts.functionArn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: errors.length },
    requestPayload: opts.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: last instanceof Error ? last.name : 'Error',
      errorMessage: last instanceof Error ? last.message : String(last),
    },
  };
  await opts.onFailure.sqs.send(new SendMessageCommand({ QueueUrl: opts.onFailure.queueUrl, MessageBody: JSON.stringify(failureRecord) }));
  return { attempts: errors.length, errors, failureRecord };
}
