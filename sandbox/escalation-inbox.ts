// An SQS queue subscribed to each escalation tier's SNS topic (raw delivery off), read back as the people on that tier would see it.
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SandboxClientConfig } from './provision';
import type { Topology } from './topology';

export interface InboxMessage {
  level: number;
  tierName: string;
  /** The "channel" message attribute: email or chat. */
  channel: string;
  kind: string;
  incidentId: string;
  subject?: string;
  /** The body as SNS delivered it to this (SQS) endpoint: for email publishes the "default" text. */
  message: string;
  /** The SNS envelope's MessageAttributes, values only. */
  attributes: Record<string, string>;
  topicArn: string;
}

export interface EscalationInbox {
  tiers: Array<{ level: number; name: string; topicArn: string; queueUrl: string }>;
  /** Everything that arrived since the last read, oldest first; the messages are removed from the queues. */
  read(): Promise<InboxMessage[]>;
}

interface SnsEnvelope {
  Type?: string;
  TopicArn?: string;
  Subject?: string;
  Message?: string;
  MessageAttributes?: Record<string, { Type?: string; Value?: string }>;
  Timestamp?: string;
}

/** Subscribes one queue per tier topic: SNS -> SQS, raw message delivery off, so each message is the SNS JSON envelope. */
export async function createEscalationInbox(clientConfig: SandboxClientConfig, topology: Pick<Topology, 'escalationTopics'>, prefix = 'escalation-inbox'): Promise<EscalationInbox> {
  const sqs = new SQSClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const tiers: EscalationInbox['tiers'] = [];
  try {
    for (const topic of topology.escalationTopics) {
      const queueName = `${prefix}-l${topic.level}`;
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl ?? '';
      const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
      // What SNS needs to deliver to a queue: the queue's policy lets that topic, and only it, send.
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrl,
          Attributes: {
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'sns.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: queueArn,
                  Condition: { ArnEquals: { 'aws:SourceArn': topic.arn } },
                },
              ],
            }),
          },
        }),
      );
      await sns.send(
        new SubscribeCommand({ TopicArn: topic.arn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'false' }, ReturnSubscriptionArn: true }),
      );
      tiers.push({ level: topic.level, name: topic.name, topicArn: topic.arn, queueUrl });
    }
  } finally {
    sns.destroy();
  }

  return {
    tiers,
    async read() {
      const messages: Array<InboxMessage & { at: string }> = [];
      for (const tier of tiers) {
        for (;;) {
          const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: tier.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
          const batch = received.Messages ?? [];
          if (batch.length === 0) break;
          for (const raw of batch) {
            const envelope = JSON.parse(raw.Body ?? '{}') as SnsEnvelope;
            const attributes = Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, value.Value ?? '']));
            messages.push({
              level: tier.level,
              tierName: tier.name,
              channel: attributes.channel ?? '',
              kind: attributes.kind ?? '',
              incidentId: attributes.incidentId ?? '',
              ...(envelope.Subject ? { subject: envelope.Subject } : {}),
              message: envelope.Message ?? '',
              attributes,
              topicArn: envelope.TopicArn ?? '',
              at: envelope.Timestamp ?? '',
            });
          }
          await sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: tier.queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
          );
        }
      }
      return messages.sort((a, b) => a.at.localeCompare(b.at)).map(({ at: _at, ...message }) => message);
    },
  };
}
