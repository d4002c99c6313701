// Reads an alarm's own metric from CloudWatch over the alarm's evaluation window: what the alarm claims, checked against
// the datapoints CloudWatch holds (decision 217). SetAlarmState writes none.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { classifyAwsError } from '../aws/classify-error';
import { readMetricData } from '../aws/metric-data';
import type { RuntimeConfig } from '../config/load-config';
import { TransientError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import { configuredAlarm, type AlarmMetricRead, type AlarmMetricReading, type ConfiguredAlarm } from './alarm-corroboration';

/**
 * Periods read before the alarm's evaluation window: CloudWatch evaluates an alarm a period or more behind its newest
 * datapoint, and metrics arrive late (RDS and SQS publish each minute). A project default.
 */
export const ALARM_METRIC_SLACK_PERIODS = 3;

/**
 * Pure: the window read for an alarm that changed state at `alarmTime`: from `evaluationPeriods` + slack periods before
 * it, to the period boundary after the later of it and `now`, in whole periods (GetMetricData aligns to them).
 */
export function alarmMetricWindow(alarm: Pick<ConfiguredAlarm, 'evaluationPeriods'> & { periodSeconds: number }, alarmTime: string, now: Date): { from: Date; to: Date } {
  const periodMs = alarm.periodSeconds * 1000;
  const parsed = Date.parse(alarmTime);
  const at = Number.isFinite(parsed) ? parsed : now.getTime();
  const to = Math.ceil((Math.max(at, now.getTime()) + 1) / periodMs) * periodMs;
  const from = Math.floor(at / periodMs) * periodMs - (alarm.evaluationPeriods + ALARM_METRIC_SLACK_PERIODS) * periodMs;
  return { from: new Date(from), to: new Date(to) };
}

/**
 * The alarm's metric (its statistic at its period) over its window; undefined for an alarm with no single metric (a
 * metric-math alarm: nothing read, the caller decides without it). Failures are thrown (readMetricData classifies them).
 */
export async function readAlarmMetric(cloudWatch: Pick<CloudWatchClient, 'send'>, alarm: ConfiguredAlarm, alarmTime: string, now: Date): Promise<AlarmMetricReading | undefined> {
  const metric = alarm.metric;
  if (!metric) return undefined;
  const window = alarmMetricWindow({ evaluationPeriods: alarm.evaluationPeriods, periodSeconds: metric.periodSeconds }, alarmTime, now);
  const series = await readMetricData(
    cloudWatch,
    [
      {
        Id: 'alarm',
        MetricStat: {
          Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })) },
          Period: metric.periodSeconds,
          Stat: metric.stat,
        },
        ReturnData: true,
      },
    ],
    window,
  );
  const points = series.get('alarm');
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    points: (points?.values ?? []).map((value, i) => ({ at: points?.timestamps[i]?.toISOString() ?? '', value })),
  };
}

/**
 * The alarm of `event` (as the configuration defines it) read for corroboration; undefined without an event (a health
 * check's revert observes without one). Never thrown but for a retryable failure: a reading that cannot be had is said
 * so, and the plan decides without it (it bears out nothing).
 */
export async function readAlarmMetricFor(
  cloudWatch: Pick<CloudWatchClient, 'send'> | undefined,
  runtime: RuntimeConfig,
  event: Pick<AlarmStateChange, 'alarmName' | 'state'> | undefined,
  now: Date,
): Promise<AlarmMetricRead | undefined> {
  if (event === undefined) return undefined;
  const alarm = configuredAlarm(runtime, event.alarmName);
  if (!alarm?.metric) return { status: 'unread', reason: alarm ? 'the alarm has no single metric to read' : 'the alarm is not one this deployment defines' };
  if (!cloudWatch) return { status: 'unread', reason: 'the handler was built without a CloudWatch client' };
  try {
    const reading = await readAlarmMetric(cloudWatch, alarm, event.state.timestamp, now);
    return reading ? { status: 'read', reading } : { status: 'unread', reason: 'the alarm has no single metric to read' };
  } catch (error) {
    const classified = classifyAwsError(error, 'CloudWatch GetMetricData');
    if (classified instanceof TransientError) throw classified;
    return { status: 'unread', reason: classified.message.slice(0, 300) };
  }
}
