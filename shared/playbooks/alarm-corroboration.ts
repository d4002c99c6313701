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
