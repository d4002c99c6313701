// An SQS dead-letter queue for events and invocations that could not be handled: encrypted at rest, TLS only, watched.
import { Aspects, Duration, Stack, type IAspect } from 'aws-cdk-lib';
import { Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnQueuePolicy, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
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

interface QueueStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statement CDK's rule targets add to a dead-letter queue's policy, one per rule: events may send, for that rule only. */
const isRuleStatement = (s: QueueStatement): boolean =>
  s.Effect === 'Allow' &&
  JSON.stringify(s.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }) &&
  s.Action === 'sqs:SendMessage' &&
  s.Condition !== undefined &&
  Object.keys(s.Condition).length === 1 &&
  Object.keys(s.Condition.ArnEquals ?? {}).length === 1 &&
  s.Condition.ArnEquals?.['aws:SourceArn'] !== undefined;

/**
 * Review 22a, R22a-9: CDK adds one such statement per rule, and SQS refuses a policy of more than 20 statements or 8,192
 * bytes (SQS quotas, "Policy"): at ~13-16 channels. Merged into one statement whose ArnEquals aws:SourceArn lists every
 * rule's ARN: the same principal, action, queue and rules, so no wider grant (a list in a condition is any of them).
 */
export function mergeRuleStatements(document: { Version?: string; Statement: QueueStatement[] }): { Version?: string; Statement: QueueStatement[] } {
  const rules = document.Statement.filter(isRuleStatement);
  const resources = new Set(rules.map((s) => JSON.stringify(s.Resource)));
  if (rules.length < 2 || resources.size !== 1) return document;
  const sources = rules.flatMap((s) => [s.Condition?.ArnEquals?.['aws:SourceArn']].flat());
  const merged: QueueStatement = { ...rules[0], Sid: 'AllowEventRules', Condition: { ArnEquals: { 'aws:SourceArn': sources } } };
  const at = document.Statement.indexOf(rules[0]!);
  const rest = document.Statement.filter((s) => !isRuleStatement(s));
  return { ...document, Statement: [...rest.slice(0, at), merged, ...rest.slice(at)] };
}

/** Rewrites the queue's policy once every rule has added its statement (aspects run at synthesis, after construction). */
class MergeRuleStatements implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnQueuePolicy)) return;
    const resolved = Stack.of(node).resolve(node.policyDocument) as { Version?: string; Statement: QueueStatement[] };
    const merged = mergeRuleStatements(resolved);
    if (merged !== resolved) node.addPropertyOverride('PolicyDocument', merged);
  }
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
    Aspects.of(this).add(new MergeRuleStatements());
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
