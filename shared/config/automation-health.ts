// Pure: the automation's own health alarms (its dead-letter queues "not empty") and who they reach (review 12, R12-9).
// Infra deploys them (infra/lib/constructs/dead-letter-queue.ts, automation-health-topic.ts); the sandbox provisions the
// same definitions (sandbox/automation-health.ts), so the emulator plays what the template deploys.
import type { AutomationConfig, EnvironmentName } from './schema';

/**
 * The SNS topic the health alarms publish to, one per account and region the stack deploys. Unlike the tier topics it
 * carries no message attribute filter: a CloudWatch alarm action publishes with no message attributes, and SNS delivers
 * nothing to a subscription whose attribute filter names an attribute the message lacks ("Amazon SNS subscription filter
 * policies"; "Key matching": `"exists": false` only matches when at least one attribute is present).
 */
export const AUTOMATION_HEALTH_TOPIC_NAME = 'notification-runbooks-automation-health';

/** The dead-letter queues the stacks deploy, by what ends up in them. */
export const DEAD_LETTER_QUEUES = {
  /** Operations (or single) account, each region: handler invocations that still failed after Lambda's retries. */
  failedInvocations: {
    queueName: 'notification-runbooks-failed-invocations',
    holds: "Handler invocations that still failed after Lambda's retries",
    // Decision 173: a remediating handler fails every attempt while the switch cannot be read, and changes nothing.
    firstLook: 'An alarm handler fails every attempt while the kill switch cannot be read (ssm:GetParameter denied or throttled): nothing is remediated automatically until it can.',
  },
  /** Operations (or single) account, each region: alarm and decision events EventBridge could not deliver to a handler. */
  undeliveredEvents: {
    queueName: 'notification-runbooks-undelivered-events',
    holds: 'Alarm and decision events EventBridge could not deliver to a handler',
    firstLook: "Look at the rules' FailedInvocations metric and the handler's resource policy and throttles.",
  },
  /** Workload account (cross-account mode), each region: alarm events EventBridge could not forward to the operations bus. */
  undeliveredAlarmEvents: {
    queueName: 'notification-runbooks-undelivered-alarm-events',
    holds: 'Alarm events EventBridge could not forward to the operations account',
    firstLook: "Look at the forwarding role's events:PutEvents and the operations bus's policy (runbook preflight checks both).",
  },
} as const;

/** A dead-letter queue's "not empty" alarm, as PutMetricAlarm takes it (project default: any message, one 1-minute Maximum). */
export interface DeadLetterAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  namespace: 'AWS/SQS';
  metricName: 'ApproximateNumberOfMessagesVisible';
  dimensions: { QueueName: string };
  statistic: 'Maximum';
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  treatMissingData: 'notBreaching';
}

/**
 * A schedule group's "target errors" alarm (project default: any error in 5 minutes). Scheduler's schedules carry no
 * dead-letter queue, and a one-time timer Scheduler cannot invoke its target with is retried for up to 24 hours
 * (shared/escalation/one-time-schedule.ts) and then dropped: the first failed attempt is the signal. AWS/Scheduler
 * TargetErrorCount with the ScheduleGroup dimension, as aws-cdk-lib's ScheduleGroup.metric() names it.
 */
export interface SchedulerAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  namespace: 'AWS/Scheduler';
  metricName: 'TargetErrorCount';
  dimensions: { ScheduleGroup: string };
  statistic: 'Sum';
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  treatMissingData: 'notBreaching';
}

export function schedulerAlarmSpec(lane: { groupName: string; target: string; stops: string }): SchedulerAlarmSpec {
  return {
    alarmName: `${lane.groupName} schedules failing to invoke ${lane.target}`,
    alarmDescription: `EventBridge Scheduler could not invoke ${lane.target} for a schedule of group ${lane.groupName} (it retries for up to 24 h, then drops the timer: ${lane.stops}). Look at the scheduler role's lambda:InvokeFunction and the function (runbook preflight checks both); runbook incidents shows an escalation past due as OVERDUE.`,
    namespace: 'AWS/Scheduler',
    metricName: 'TargetErrorCount',
    dimensions: { ScheduleGroup: lane.groupName },
    statistic: 'Sum',
    periodSeconds: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  };
}

export function deadLetterAlarmSpec(queue: { queueName: string; holds: string; firstLook: string }): DeadLetterAlarmSpec {
  return {
    alarmName: `${queue.queueName} not empty`,
    alarmDescription: `${queue.holds} landed in ${queue.queueName}: inspect and redrive (sqs start-message-move-task). ${queue.firstLook}`,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: queue.queueName },
    statistic: 'Maximum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  };
}

/** Who the health topic reaches: the first tier of the path (the tier that gets the automation's own alarms). */
export interface HealthSubscribers {
  level: number;
  /** The first tier's email endpoints, when its channels include email: subscribed with no filter policy. */
  emails: string[];
  /** The first tier has chat among its channels: its AWS Chatbot Slack channels (shared/config/slack-channels.ts) get the topic too. */
  chat: boolean;
}

export function healthSubscribers(config: AutomationConfig, environment: EnvironmentName): HealthSubscribers {
  const level = Math.min(...config.escalationPath.map((tier) => tier.level));
  const tier = (config.environments[environment]?.escalation?.tiers ?? []).find((t) => t.level === level);
  return {
    level,
    emails: tier && tier.channels.includes('email') ? [...(tier.emails ?? [])] : [],
    chat: tier !== undefined && tier.channels.includes('chat'),
  };
}
