// An SQS dead-letter queue for events and invocations that could not be handled: encrypted at rest, TLS only, watched.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { DELIVERY } from '../settings';

export interface DeadLetterQueueProps {
  queueName: string;
  /** What ends up here, for the alarm's description. */
  holds: string;
  /** Told when anything lands here: nothing fails silently (the alarm alone, in an account without the topics). */
  alarmTopic?: ITopic;
}

export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  /** "<queue> not empty": publishes to alarmTopic (the topic admits it by its ARN, EscalationTopics.admitServicePublisher). */
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      // SSE-SQS: the seed's "SQS: server-side, AWS managed"; EventBridge and Lambda destinations need no key grant for it.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DELIVERY.dlqRetentionDays),
    });
    acknowledge(this.queue, 'AwsSolutions-SQS3', `${props.queueName} is itself a dead-letter queue (of EventBridge targets or Lambda async invocations), not a work queue`);
    acknowledge(this.queue, 'Serverless-SQSRedrivePolicy', `${props.queueName} is the end of the line for ${props.holds}: a redrive policy would drop them`);

    const alarm = (this.alarm = new Alarm(this, 'NotEmpty', {
      alarmName: `${props.queueName} not empty`,
      alarmDescription: `${props.holds} landed in ${props.queueName}: inspect and redrive (sqs start-message-move-task).`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }));
    if (props.alarmTopic) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}
