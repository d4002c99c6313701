// Delivers alarm events from the sandbox's EventBridge rule targets (SQS queues) to the handler bundles, with Lambda's retry semantics.
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface RouteResult {
  handler: string;
  result?: unknown;
  error?: Error;
}

export interface EventRouterOptions {
  sqs: SQSClient;
  /** handler name -> URL of the queue its EventBridge rule targets */
  routes: Record<string, string>;
  invoke(handler: string, event: unknown): Promise<unknown>;
  /** Handlers whose bundle exists; events for others stay queued. */
  isAvailable?(handler: string): boolean;
  /** How many messages to take from each queue per poll (SQS allows 1..10). */
  batchSize?: number;
}

export interface EventRouter {
  /** Receives what is waiting, invokes each handler, deletes the message only when the handler succeeded. */
  pollOnce(): Promise<RouteResult[]>;
}

export function createEventRouter(options: EventRouterOptions): EventRouter {
  return {
    async pollOnce() {
      const results: RouteResult[] = [];
      for (const [handler, queueUrl] of Object.entries(options.routes)) {
        if (options.isAvailable && !options.isAvailable(handler)) continue;
        const received = await options.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: options.batchSize ?? 10, WaitTimeSeconds: 0, VisibilityTimeout: 5 }),
        );
        // Messages of one queue are invoked concurrently, as Lambda's SQS poller would with several batches.
        const outcomes = await Promise.all(
          (received.Messages ?? []).map(async (message): Promise<RouteResult> => {
            let event: unknown;
            try {
              event = JSON.parse(message.Body ?? '');
            } catch {
              // EventBridge wrote something that is not JSON: hand it over as is, the handler rejects it.
              event = message.Body;
            }
            try {
              const result = await options.invoke(handler, event);
              await options.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
              return { handler, result };
            } catch (error) {
              // Left on the queue: it becomes visible again and is retried, like an asynchronous Lambda invocation.
              return { handler, error: error as Error };
            }
          }),
        );
        results.push(...outcomes);
      }
      return results;
    },
  };
}
