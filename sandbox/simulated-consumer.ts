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
  /** Fraction of invocations that fail (for the failing-consumer scenario). */
  errorRate?: number;
}

export interface ConsumerTick {
  maximumConcurrency: number;
  processed: number;
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
      let processed = 0;
      while (processed < budget) {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: Math.min(10, budget - processed), WaitTimeSeconds: 0 }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) break;
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        processed += messages.length;
      }
      // What Lambda would publish for the consumer: invocations (batches of 10) and errors.
      const invocations = Math.ceil(processed / 10);
      if (invocations > 0) {
        const errors = Math.round(invocations * (options.errorRate ?? 0));
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
      return { maximumConcurrency, processed };
    },
  };
}
