// An SQS dead-letter queue for events and invocations that could not be handled: encrypted at rest, TLS only, watched.
import { Duration } from 'aws-cdk-lib';
import { Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarmSpec } from '../../../shared/config/automation-health';
import type { AutomationHealthTopic } from './automation-health-topic';
import { acknowledge } from '../nag';
import { DELIVERY } from '../settings';

export interface DeadLetterQueueProps {
  /** One of shared/config/automation-health.ts DEAD_LETTER_QUEUES: its name, what ends up here, where to look first. */
  queue: { queueName: string; holds: string; firstLook: string };
  /** Told when anything lands here (review 12, R12-9): the stack's unfiltered health topic, which the first tier receives. */
  health: AutomationHealthTopic;
}

export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  /** "<queue> not empty": publishes to the health topic (whose policy admits it by its ARN, AutomationHealthTopic.watch). */
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queue.queueName,
      // SSE-SQS: the seed's "SQS: server-side, AWS managed"; EventBridge and Lambda destinations need no key grant for it.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DELIVERY.dlqRetentionDays),
    });
    const { queueName, holds } = props.queue;
    acknowledge(this.queue, 'AwsSolutions-SQS3', `${queueName} is itself a dead-letter queue (of EventBridge targets or Lambda async invocations), not a work queue`);
    acknowledge(this.queue, 'Serverless-SQSRedrivePolicy', `${queueName} is the end of the line for ${holds}: a redrive policy would drop them`);

    // The definition the sandbox provisions too (shared/config/automation-health.ts).
    const spec = deadLetterAlarmSpec(props.queue);
    // 'ignore' (decision 242): an inactive queue's missing datapoints keep ALARM until SQS publishes a 0 again.
    this.alarm = props.health.alarm(
      this,
      'NotEmpty',
      spec,
      new Metric({
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensionsMap: { QueueName: this.queue.queueName },
        period: Duration.seconds(spec.periodSeconds),
        statistic: spec.statistic,
      }),
    );
  }
}
