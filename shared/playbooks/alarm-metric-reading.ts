// Reads an alarm's own metric from CloudWatch over the alarm's evaluation window: what the alarm claims, checked against
// the datapoints CloudWatch holds (decision 217). SetAlarmState writes none.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { classifyAwsError } from '../aws/classify-error';
import { readMetricData } from '../aws/metric-data';
import type { RuntimeConfig } from '../config/load-config';
import { TransientError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import { ALARM_METRIC_SLACK_PERIODS, configuredAlarm, type AlarmMetricRead, type AlarmMetricReading, type ConfiguredAlarm } from './alarm-corroboration';

/** How far past its state change an event's queryDate may widen the read (decision 249). A project default. */
export const EVALUATED_AT_REACH_MS = 24 * 60 * 60_000;

/**
 * Pure: the queryDate of CloudWatch's StateReasonData ("the time CloudWatch queried the metric", as its events show it:
 * "2019-10-02T17:04:40.985+0000"), or undefined where the event has none or it is not a date. Text from outside: it is
 * used only to widen a read (alarmMetricWindow), never to narrow one.
 */
export function queryDateOf(reasonData: unknown): Date | undefined {
  if (typeof reasonData !== 'object' || reasonData === null || !('queryDate' in reasonData)) return undefined;
  const { queryDate } = reasonData as { queryDate: unknown };
  if (typeof queryDate !== 'string') return undefined;
  const parsed = Date.parse(queryDate);
  return Number.isFinite(parsed) ? new Date(parsed) : undefined;
}

/**
 * Pure: the window read for an alarm that changed state at `alarmTime`: from `evaluationPeriods` + slack periods before
 * it (metricBearsOut judges the evaluation ranges of N + EVALUATION_RANGE_EXTRA_PERIODS periods that lie whole in it:
 * ending at the state change's period or up to 2 before it), to the period boundary after the later of it and `now`, in
 * whole periods (GetMetricData aligns to them).
 */
export function alarmMetricWindow(
  alarm: Pick<ConfiguredAlarm, 'evaluationPeriods'> & { periodSeconds: number },
  alarmTime: string,
  now: Date,
  evaluatedAt?: Date,
): { from: Date; to: Date } {
  const periodMs = alarm.periodSeconds * 1000;
  const parsed = Date.parse(alarmTime);
  const at = Number.isFinite(parsed) ? parsed : now.getTime();
  // `evaluatedAt` (the event's queryDate, for a restore signal's OK: decision 249) may only widen the window, and by at
  // most a day: in AWS it precedes the state change; a later one points the read at a future where AWS/SQS holds nothing.
  const until = evaluatedAt && Number.isFinite(evaluatedAt.getTime()) ? Math.min(evaluatedAt.getTime(), at + EVALUATED_AT_REACH_MS) : at;
  const to = Math.ceil((Math.max(at, now.getTime(), until) + 1) / periodMs) * periodMs;
  const from = Math.floor(at / periodMs) * periodMs - (alarm.evaluationPeriods + ALARM_METRIC_SLACK_PERIODS) * periodMs;
  return { from: new Date(from), to: new Date(to) };
}

/** A metric a playbook reads beside the alarm's own, in the same GetMetricData request (no round trip added). */
export interface AlongsideMetric {
  /** The query's Id (lowercase letter first, as GetMetricData requires); not 'alarm'. */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
}

/**
 * The alarm's metric (its statistic at its period) over its window, and each `alongside` metric over the same window at
 * the same period; undefined for an alarm with no single metric (a metric-math alarm: nothing read, the caller decides
 * without it). Failures are thrown (readMetricData classifies them; an alongside series that is not complete fails the
 * whole reading, like the alarm's own).
 */
export async function readAlarmMetric(
  cloudWatch: Pick<CloudWatchClient, 'send'>,
  alarm: ConfiguredAlarm,
  alarmTime: string,
  now: Date,
  evaluatedAt?: Date,
  alongside: readonly AlongsideMetric[] = [],
): Promise<AlarmMetricReading | undefined> {
  const metric = alarm.metric;
  if (!metric) return undefined;
  const window = alarmMetricWindow({ evaluationPeriods: alarm.evaluationPeriods, periodSeconds: metric.periodSeconds }, alarmTime, now, evaluatedAt);
  const query = (id: string, m: Omit<AlongsideMetric, 'id'>) => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: metric.periodSeconds,
      Stat: m.stat,
    },
    ReturnData: true,
  });
  const series = await readMetricData(cloudWatch, [query('alarm', metric), ...alongside.map((a) => query(a.id, a))], window);
  const pointsOf = (id: string) => {
    const points = series.get(id);
    return (points?.values ?? []).map((value, i) => ({ at: points?.timestamps[i]?.toISOString() ?? '', value }));
  };
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    stateChangeAt: alarmTime,
    points: pointsOf('alarm'),
    ...(alongside.length > 0 ? { alongside: Object.fromEntries(alongside.map((a) => [a.id, pointsOf(a.id)])) } : {}),
  };
}

/**
 * The alarm of `event` (as the configuration defines it) read for corroboration; undefined without an event (a health
 * check's revert observes without one). Never thrown but for a retryable failure: a reading that cannot be had is said
 * so, and the plan decides without it (it bears out nothing). `toQueryDate` (a restore signal's OK, decision 249): the
 * event's queryDate may widen the window's end (alarmMetricWindow). `alongside`: other metrics read in the same request
 * (readAlarmMetric; raise-lambda-memory's AWS/Lambda Errors, decision 253).
 */
export async function readAlarmMetricFor(
  cloudWatch: Pick<CloudWatchClient, 'send'> | undefined,
  runtime: RuntimeConfig,
  event: Pick<AlarmStateChange, 'alarmName' | 'state'> | undefined,
  now: Date,
  options: { toQueryDate?: boolean; alongside?: readonly AlongsideMetric[] } = {},
): Promise<AlarmMetricRead | undefined> {
  if (event === undefined) return undefined;
  const alarm = configuredAlarm(runtime, event.alarmName);
  if (!alarm?.metric) return { status: 'unread', reason: alarm ? 'the alarm has no single metric to read' : 'the alarm is not one this deployment defines' };
  if (!cloudWatch) return { status: 'unread', reason: 'the handler was built without a CloudWatch client' };
  try {
    const evaluatedAt = options.toQueryDate ? queryDateOf(event.state.reasonData) : undefined;
    const reading = await readAlarmMetric(cloudWatch, alarm, event.state.timestamp, now, evaluatedAt, options.alongside);
    return reading ? { status: 'read', reading } : { status: 'unread', reason: 'the alarm has no single metric to read' };
  } catch (error) {
    const classified = classifyAwsError(error, 'CloudWatch GetMetricData');
    if (classified instanceof TransientError) throw classified;
    return { status: 'unread', reason: classified.message.slice(0, 300) };
  }
}
