// CloudWatch's alarm actions, played for the sandbox (moto stores AlarmActions but never runs them): on a state change,
// each SNS topic among the new state's actions gets the alarm notification CloudWatch publishes: Subject
// 'ALARM: "<name>" in <region>' and the alarm's JSON as the message, with no message attributes (so a subscription
// whose filter names an attribute drops it, as SNS does). Field set as in aws-lambda-go's captured sample
// (events/testdata/cloudwatch-alarm-sns-payload-single-metric.json).
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** The region names CloudWatch writes in its notifications (the console's names). */
const REGION_NAMES: Record<string, string> = { 'us-east-1': 'US East (N. Virginia)', 'us-west-2': 'US West (Oregon)' };

const SNS_ARN = /^arn:[^:]+:sns:[^:]+:\d{12}:[^:]+$/;

export interface AlarmNotification {
  topicArn: string;
  subject: string;
  message: string;
}

/** What CloudWatch publishes to each SNS action of `alarm` (as read after the change) for its change from `from` to `to`. */
export function alarmNotifications(args: { alarm: MetricAlarm; account: string; region: string; from: string; to: string; reason: string; at: Date }): AlarmNotification[] {
  const { alarm, to } = args;
  const actions = (to === 'ALARM' ? alarm.AlarmActions : to === 'OK' ? alarm.OKActions : alarm.InsufficientDataActions) ?? [];
  const region = REGION_NAMES[args.region] ?? args.region;
  const message = JSON.stringify({
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription ?? null,
    AWSAccountId: args.account,
    NewStateValue: to,
    NewStateReason: args.reason,
    StateChangeTime: args.at.toISOString().replace('Z', '+0000'),
    Region: region,
    AlarmArn: alarm.AlarmArn,
    OldStateValue: args.from,
    Trigger: {
      MetricName: alarm.MetricName,
      Namespace: alarm.Namespace,
      StatisticType: 'Statistic',
      Statistic: (alarm.Statistic ?? '').toUpperCase(),
      Unit: alarm.Unit ?? null,
      Dimensions: (alarm.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
      Period: alarm.Period,
      EvaluationPeriods: alarm.EvaluationPeriods,
      ComparisonOperator: alarm.ComparisonOperator,
      Threshold: alarm.Threshold,
      TreatMissingData: alarm.TreatMissingData ?? 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
  });
  // SNS subjects are at most 100 characters.
  const subject = `${to}: "${alarm.AlarmName ?? ''}" in ${region}`.slice(0, 100);
  return actions.filter((arn) => SNS_ARN.test(arn)).map((topicArn) => ({ topicArn, subject, message }));
}

/** Publishes each notification as CloudWatch does: no message attributes. */
export async function runAlarmActions(sns: SNSClient, notifications: readonly AlarmNotification[]): Promise<void> {
  for (const n of notifications) await sns.send(new PublishCommand({ TopicArn: n.topicArn, Subject: n.subject, Message: n.message }));
}
