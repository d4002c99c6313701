// The automation's own health wiring as the stacks deploy it in one account and region (infra/lib/runbook-stack.ts):
// the failed-invocations and undelivered-events queues, their "not empty" alarms (shared/config/automation-health.ts,
// the definitions infra synthesizes) with the unfiltered health topic as their ALARM action. Provisioned on request
// (tests of review 12, R12-9), not by every sandbox; the Scheduler lanes' and the sweep metric alarms' inputs for what
// `cdk deploy` of the runbook stack adds (test/integration/support/deploy-runbook-stack.ts).
import { PutMetricAlarmCommand, CloudWatchClient, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AUTOMATION_HEALTH_TOPIC_NAME, DEAD_LETTER_QUEUES, DEAD_LETTER_RETENTION_DAYS, deadLetterAlarmSpec, type SchedulerAlarmSpec, type SweepMetricAlarmSpec } from '../shared/config/automation-health';
import type { SandboxClientConfig } from './provision';

export interface ProvisionedQueue {
  queueName: string;
  url: string;
  arn: string;
  alarmName: string;
}

export interface AutomationHealth {
  topicArn: string;
  failedInvocations: ProvisionedQueue;
  undeliveredEvents: ProvisionedQueue;
}

/** The PutMetricAlarm input of a dead-letter queue's alarm (decision 209), its actions given: the sandbox's wiring. */
export function deadLetterAlarmInput(spec: ReturnType<typeof deadLetterAlarmSpec>, alarmActions: string[]): PutMetricAlarmCommandInput {
  return {
    AlarmName: spec.alarmName,
    AlarmDescription: spec.alarmDescription,
    Namespace: spec.namespace,
    MetricName: spec.metricName,
    Dimensions: [{ Name: 'QueueName', Value: spec.dimensions.QueueName }],
    Statistic: spec.statistic,
    Period: spec.periodSeconds,
    EvaluationPeriods: spec.evaluationPeriods,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparisonOperator,
    TreatMissingData: spec.treatMissingData,
    AlarmActions: alarmActions,
  };
}

/**
 * The PutMetricAlarm input of a Scheduler lane's alarm (decision 239: the metric-math sum of the group's failure
 * metrics, each a Sum over the period with the ScheduleGroup dimension; only the sum returns data), as infra's
 * EscalationTimers.watchHealth synthesizes it, its actions given: the sandbox's wiring.
 */
export function schedulerAlarmInput(spec: SchedulerAlarmSpec, alarmActions: string[]): PutMetricAlarmCommandInput {
  return {
    AlarmName: spec.alarmName,
    AlarmDescription: spec.alarmDescription,
    Metrics: [
      ...Object.entries(spec.metrics).map(([id, metricName]) => ({
        Id: id,
        MetricStat: { Metric: { Namespace: spec.namespace, MetricName: metricName, Dimensions: [{ Name: 'ScheduleGroup', Value: spec.dimensions.ScheduleGroup }] }, Period: spec.periodSeconds, Stat: spec.statistic },
        ReturnData: false,
      })),
      { Id: 'expr_1', Expression: spec.expression, ReturnData: true },
    ],
    EvaluationPeriods: spec.evaluationPeriods,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparisonOperator,
    TreatMissingData: spec.treatMissingData,
    AlarmActions: alarmActions,
  };
}

/**
 * The PutMetricAlarm input of a sweep metric alarm (the escalation sweep's backlog, decision 300; a sweep's refused
 * records, decision 311): a Sum of the handler's own metric with the dimensions Powertools writes, as infra's
 * EscalationTimers.watchSweepMetrics synthesizes it, its actions given: the sandbox's wiring.
 */
export function sweepMetricAlarmInput(spec: SweepMetricAlarmSpec, alarmActions: string[]): PutMetricAlarmCommandInput {
  return {
    AlarmName: spec.alarmName,
    AlarmDescription: spec.alarmDescription,
    Namespace: spec.namespace,
    MetricName: spec.metricName,
    Dimensions: Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Statistic: spec.statistic,
    Period: spec.periodSeconds,
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparisonOperator,
    TreatMissingData: spec.treatMissingData,
    AlarmActions: alarmActions,
  };
}

export async function provisionAutomationHealth(clientConfig: SandboxClientConfig): Promise<AutomationHealth> {
  const sns = new SNSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const cloudWatch = new CloudWatchClient(clientConfig);
  try {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: AUTOMATION_HEALTH_TOPIC_NAME }))).TopicArn ?? '';
    const queue = async (definition: (typeof DEAD_LETTER_QUEUES)[keyof typeof DEAD_LETTER_QUEUES]): Promise<ProvisionedQueue> => {
      // The stacks' retention (infra's DELIVERY.dlqRetentionDays), not SQS's default 4 days: preflight says when SQS deletes a message.
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: definition.queueName, Attributes: { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_DAYS * 86400) } }))).QueueUrl ?? '';
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
      const spec = deadLetterAlarmSpec(definition);
      await cloudWatch.send(new PutMetricAlarmCommand(deadLetterAlarmInput(spec, [topicArn])));
      return { queueName: definition.queueName, url, arn, alarmName: spec.alarmName };
    };
    return { topicArn, failedInvocations: await queue(DEAD_LETTER_QUEUES.failedInvocations), undeliveredEvents: await queue(DEAD_LETTER_QUEUES.undeliveredEvents) };
  } finally {
    sns.destroy();
    sqs.destroy();
    cloudWatch.destroy();
  }
}

export interface DeliveredMessage {
  subject?: string;
  message: string;
  /** The SNS envelope's MessageAttributes, values only (empty for a CloudWatch alarm action). */
  attributes: Record<string, string>;
  topicArn: string;
}

/**
 * A stand-in for one subscriber (an email address): an SQS queue subscribed to `topicArn` with the same filter policy
 * the deployment gives that subscriber, so SNS's filtering decides what it gets, as it would for the address.
 */
export async function subscribeStandIn(
  clientConfig: SandboxClientConfig,
  topicArn: string,
  queueName: string,
  filterPolicy?: Record<string, unknown>,
): Promise<{ read(): Promise<DeliveredMessage[]> }> {
  const sqs = new SQSClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  try {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl ?? '';
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: arn,
        Attributes: { RawMessageDelivery: 'false', ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy), FilterPolicyScope: 'MessageAttributes' } : {}) },
      }),
    );
    return {
      async read() {
        const reader = new SQSClient(clientConfig);
        const messages: DeliveredMessage[] = [];
        try {
          for (;;) {
            const batch = (await reader.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];
            if (batch.length === 0) return messages;
            for (const raw of batch) {
              const envelope = JSON.parse(raw.Body ?? '{}') as { Subject?: string; Message?: string; TopicArn?: string; MessageAttributes?: Record<string, { Value?: string }> };
              messages.push({
                ...(envelope.Subject ? { subject: envelope.Subject } : {}),
                message: envelope.Message ?? '',
                attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value ?? ''])),
                topicArn: envelope.TopicArn ?? '',
              });
              await reader.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: raw.ReceiptHandle }));
            }
          }
        } finally {
          reader.destroy();
        }
      },
    };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
}
