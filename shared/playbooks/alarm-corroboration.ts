// Pure: does a changing playbook's own reading bear out the alarm before it changes anything (review 11b F3, decision 217)?
// An alarm in ALARM is a claim: CloudWatch's SetAlarmState ("for testing purposes") moves it there without its metric.
import { alarmSpecs, type AlarmSpec, type ComparisonOperator } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import type { Plan } from '../pipeline/types';

/**
 * What the alarm compares, as this deployment's configuration defines it (alarm-specs.ts, the alarms infra and the
 * sandbox create). The configuration, not DescribeAlarms' answer: a threshold lowered on the live alarm (the console, a
 * test) must not lower the bar for an automatic change; preflight reports such drift (cli/preflight/alarm-checks.ts).
 */
export interface ConfiguredAlarm {
  alarmName: string;
  comparison: ComparisonOperator;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** The alarm's single metric (namespace, name, dimensions, period, statistic); undefined for a metric-math alarm. */
  metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; periodSeconds: number; stat: string };
}

/** The configured alarm of that name in the handler's region, or undefined (not one this deployment defines). */
export function configuredAlarm(runtime: RuntimeConfig, alarmName: string): ConfiguredAlarm | undefined {
  const spec = alarmSpecs(runtime.config, runtime.environment, runtime.region).find((s) => s.name === alarmName);
  return spec ? configuredAlarmOf(spec) : undefined;
}

export function configuredAlarmOf(spec: AlarmSpec): ConfiguredAlarm {
  const m = spec.metric;
  const stat = m.kind === 'single' ? (m.statistic ?? m.extendedStatistic) : undefined;
  return {
    alarmName: spec.name,
    comparison: spec.comparisonOperator,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    ...(m.kind === 'single' && stat !== undefined ? { metric: { ...m.metric, stat } } : {}),
  };
}

const SYMBOL: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** The alarm's own comparison of `value` with its threshold (PutMetricAlarm ComparisonOperator). */
export function breaches(value: number, alarm: Pick<ConfiguredAlarm, 'comparison' | 'threshold'>): boolean {
  switch (alarm.comparison) {
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= alarm.threshold;
  }
}

/** "> 1000", as the alarm's name says it. */
export function comparisonText(alarm: Pick<ConfiguredAlarm, 'comparison' | 'threshold'>): string {
  return `${SYMBOL[alarm.comparison]} ${alarm.threshold}`;
}

/** The alarm's own metric as CloudWatch answered it over the alarm's window (alarm-metric-reading.ts). */
export interface AlarmMetricReading {
  /** [from, to), ISO 8601. */
  from: string;
  to: string;
  /** One value per period, oldest first, with its period's start. */
  points: Array<{ at: string; value: number }>;
  /** Other series read in the same request, over the same window and period, by id (readAlarmMetric's `alongside`). */
  alongside?: Record<string, Array<{ at: string; value: number }>>;
}

/** An alarm's metric read for corroboration, or why it could not be. */
export type AlarmMetricRead = { status: 'read'; reading: AlarmMetricReading } | { status: 'unread'; reason: string };

/**
 * Pure: does the metric bear out the alarm: at least `datapointsToAlarm` of its datapoints in the window breach the
 * threshold, the alarm's own "M out of N" on CloudWatch's data rather than on the state the alarm was put in.
 */
export function metricBearsOut(reading: AlarmMetricReading | undefined, alarm: ConfiguredAlarm): { borne: boolean; breaching: number[]; text: string } {
  if (!reading) return { borne: false, breaching: [], text: 'its metric was not read' };
  const breaching = reading.points.filter((p) => breaches(p.value, alarm)).map((p) => p.value);
  const values = reading.points.map((p) => Number(p.value.toFixed(1)));
  const metric = alarm.metric ? `${alarm.metric.namespace} ${alarm.metric.metricName}` : 'its metric';
  const text =
    `${metric} (${alarm.metric?.stat ?? '?'}) in CloudWatch from ${reading.from} to ${reading.to}: ` +
    (values.length === 0 ? 'no datapoints' : `${values.join(', ')} (${breaching.length} ${comparisonText(alarm)}, ${alarm.datapointsToAlarm} needed)`);
  return { borne: breaching.length >= alarm.datapointsToAlarm, breaching, text };
}

/** What CloudWatch's data says of a restore signal's OK (decision 249): borne out, or why not (`breaching` or `missing`). */
export interface OkBorneOut {
  borne: boolean;
  /** The datapoints of the alarm's range at or past its threshold, oldest first. */
  breaching: Array<{ at: string; value: number }>;
  /** The starts of the range's periods CloudWatch holds no datapoint for. */
  missing: string[];
  text: string;
}

/**
 * Pure: does the metric bear out an OK of a restore signal (decision 249): the alarm's `evaluationPeriods` periods ending
 * at the newest datapoint CloudWatch holds in the window (as CloudWatch evaluates the most recent datapoints, so a metric
 * a period or two late still corroborates), every one present and none breaching the threshold. Stricter than
 * CloudWatch's own OK (fewer than `datapointsToAlarm` breaching) where the alarm needs more than one: a restore wants the
 * whole range under the watermark. A missing period is not read as under it.
 */
export function metricBearsOutOk(reading: AlarmMetricReading | undefined, alarm: ConfiguredAlarm): OkBorneOut {
  const metricName = alarm.metric ? `${alarm.metric.namespace} ${alarm.metric.metricName} (${alarm.metric.stat})` : 'its metric';
  if (!reading) return { borne: false, breaching: [], missing: [], text: 'its metric was not read' };
  if (!alarm.metric) return { borne: false, breaching: [], missing: [], text: 'the alarm has no single metric to read' };
  const periodMs = alarm.metric.periodSeconds * 1000;
  const points = reading.points.filter((p) => Number.isFinite(Date.parse(p.at))).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const newest = points[points.length - 1];
  if (!newest) return { borne: false, breaching: [], missing: [], text: `${metricName} in CloudWatch from ${reading.from} to ${reading.to}: no datapoints` };
  const last = Math.floor(Date.parse(newest.at) / periodMs) * periodMs;
  const starts = Array.from({ length: Math.max(1, alarm.evaluationPeriods) }, (_, i) => last - (alarm.evaluationPeriods - 1 - i) * periodMs);
  const inRange = points.filter((p) => Date.parse(p.at) >= (starts[0] ?? last));
  const missing = starts.filter((start) => !inRange.some((p) => Math.floor(Date.parse(p.at) / periodMs) * periodMs === start)).map((start) => new Date(start).toISOString());
  const breaching = inRange.filter((p) => breaches(p.value, alarm));
  const range = `its ${starts.length} period${starts.length === 1 ? '' : 's'} from ${new Date(starts[0] ?? last).toISOString()} to ${new Date(last + periodMs).toISOString()}`;
  const values = inRange.map((p) => Number(p.value.toFixed(1))).join(', ');
  if (breaching.length > 0) {
    return {
      borne: false,
      breaching,
      missing,
      text: `${metricName} in CloudWatch shows ${breaching.map((p) => `${Number(p.value.toFixed(1))} at ${p.at}`).join(', ')} (${comparisonText(alarm)}, the alarm's threshold) in ${range}: ${values}`,
    };
  }
  if (missing.length > 0) {
    return { borne: false, breaching, missing, text: `${metricName} in CloudWatch has no datapoint for ${missing.join(', ')} in ${range}${values ? ` (${values} in the others)` : ''}` };
  }
  return { borne: true, breaching, missing, text: `${metricName} in CloudWatch is not ${comparisonText(alarm)} in any of ${range}: ${values}` };
}

/**
 * The plan when the reading does not bear the alarm out: nothing changed, a person told why. A page, not silence: a real
 * condition whose reading lagged must still reach someone.
 */
export function notCorroborated<Change>(alarmName: string, what: string, findings: string[] = []): Plan<Change> {
  return {
    kind: 'escalate',
    cause: 'not-corroborated',
    reason:
      `alarm "${alarmName}" not corroborated: ${what}; nothing changed. Either the condition passed before it was read, or the alarm was ` +
      'put in ALARM without its metric (SetAlarmState, CloudWatch\'s testing call): see the alarm\'s history and CloudTrail',
    ...(findings.length > 0 ? { findings } : {}),
  };
}
