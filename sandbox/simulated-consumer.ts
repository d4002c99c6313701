// Stands in for the consumer Lambda (moto does not run function code): drains the queue at a rate set by the real mapping's MaximumConcurrency.
import { PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface SimulatedConsumerOptions {
  sqs: SQSClient;
  lambda: LambdaClient;
  cloudWatch: CloudWatchClient;
  queueUrl: string;
  mappingUuid: string;
  functionName: string;
  /** Messages one concurrent consumer finishes per tick. */
  messagesPerConsumerPerTick: number;
  /** Fraction of invocations that end in a function error (for the failing-consumer scenario): their batch is not deleted. */
  errorRate?: number;
  /**
   * Fraction of each batch the function names in its response's batchItemFailures, returning without a function error
   * (review 16, R16-4: 1 = every message). Honoured only when the mapping has ReportBatchItemFailures, as Lambda does.
   */
  itemFailureRate?: number;
}

export interface ConsumerTick {
  maximumConcurrency: number;
  /** Messages processed: deleted from the queue after their invocation succeeded. */
  processed: number;
  /** Messages handed to the function, processed or not. */
  received: number;
}

export interface SimulatedConsumer {
  tick(): Promise<ConsumerTick>;
}

export function createSimulatedConsumer(options: SimulatedConsumerOptions): SimulatedConsumer {
  return {
    async tick() {
      const mapping = await options.lambda.send(new GetEventSourceMappingCommand({ UUID: options.mappingUuid }));
      const maximumConcurrency = mapping.ScalingConfig?.MaximumConcurrency ?? 0;
      const budget = mapping.State === 'Enabled' ? Math.floor(maximumConcurrency * options.messagesPerConsumerPerTick) : 0;
      // Lambda Developer Guide ("Handling errors for an SQS event source"): without ReportBatchItemFailures the response's
      // batchItemFailures is ignored and a batch that ends without a function error is deleted whole.
      const reportsItemFailures = mapping.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false;
      let received = 0;
      let processed = 0;
      let invocations = 0;
      let errors = 0;
      while (received < budget) {
        const answer = await options.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: Math.min(10, budget - received), WaitTimeSeconds: 0 }),
        );
        const messages = answer.Messages ?? [];
        if (messages.length === 0) break;
        received += messages.length;
        // One batch, one invocation; the errors kept at round(invocations x errorRate). A function error returns the
        // whole batch to the queue (nothing deleted).
        invocations += 1;
        if (Math.round(invocations * (options.errorRate ?? 0)) > errors) {
          errors += 1;
          continue;
        }
        const named = reportsItemFailures ? Math.round(messages.length * (options.itemFailureRate ?? 0)) : 0;
        const done = messages.slice(named);
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
        processed += done.length;
      }
      // What Lambda would publish for the consumer: invocations (one per batch) and errors.
      if (invocations > 0) {
        const dimensions = [{ Name: 'FunctionName', Value: options.functionName }];
        await options.cloudWatch.send(
          new PutMetricDataCommand({
            Namespace: 'AWS/Lambda',
            MetricData: [
              { MetricName: 'Invocations', Dimensions: dimensions, Value: invocations, Unit: 'Count' },
              { MetricName: 'Errors', Dimensions: dimensions, Value: errors, Unit: 'Count' },
            ],
          }),
        );
      }
      return { maximumConcurrency, processed, received };
    },
  };
}
