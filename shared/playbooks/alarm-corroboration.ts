// Pure: does a changing playbook's own reading bear out the alarm before it changes anything (review 11b F3, decision 217)?
// An alarm in ALARM is a claim: CloudWatch's SetAlarmState ("for testing purposes") moves it there without its metric.
import { alarmSpecsOf, type AlarmSpec, type ComparisonOperator, type TreatMissingData } from '../config/alarm-specs';
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
  /** How the alarm treats missing data (PutMetricAlarm TreatMissingData): CloudWatch's evaluation depends on it. */
  treatMissingData: TreatMissingData;
  /** The alarm's single metric (namespace, name, dimensions, period, statistic); undefined for a metric-math alarm. */
  metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; periodSeconds: number; stat: string };
}

/** The configured alarm of that name in the handler's region, or undefined (not one this deployment defines). */
export function configuredAlarm(runtime: RuntimeConfig, alarmName: string): ConfiguredAlarm | undefined {
  const spec = alarmSpecsOf(runtime.config, runtime.environment, runtime.region).find((s) => s.name === alarmName);
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
    treatMissingData: spec.treatMissingData,
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
  /** The alarm's state change (CloudWatch's timestamp) the reading is about: CloudWatch evaluated up to it. */
  stateChangeAt: string;
  /** One value per period, oldest first, with its period's start. */
  points: Array<{ at: string; value: number }>;
  /** Other series read in the same request, over the same window and period, by id (readAlarmMetric's `alongside`). */
  alongside?: Record<string, Array<{ at: string; value: number }>>;
}

/** An alarm's metric read for corroboration, or why it could not be. */
export type AlarmMetricRead = { status: 'read'; reading: AlarmMetricReading } | { status: 'unread'; reason: string };

/**
 * The evaluation range's extra periods beyond the alarm's N: CloudWatch "attempts to retrieve a higher number of data
 * points than the number specified as Evaluation Periods" (the evaluation range) and does not publish how many; its
 * tables use 5 for an alarm of 3 (CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data"). A
 * project reading of that example: N + 2.
 */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;

/**
 * How many periods before its state change CloudWatch's newest evaluated period may lie: CloudWatch evaluates a period or
 * more behind its newest datapoint, and metrics arrive late (RDS and SQS publish each minute). A project default.
 */
export const ALARM_METRIC_SLACK_PERIODS = 3;

/** One evaluation of CloudWatch's: ALARM, OK, INSUFFICIENT_DATA, or the state kept (`ignore` with too little data). */
export type CloudWatchVerdict = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' | 'RETAIN';

/**
 * Pure: CloudWatch's evaluation of an M-of-N alarm over its evaluation range, as the CloudWatch User Guide documents it
 * ("Configuring how CloudWatch alarms treat missing data": "How alarm state is evaluated when data is missing" and
 * "Avoiding premature transitions to alarm state"). `range`: one entry per period, oldest first, true breaching, false
 * not, undefined missing. With at least N real datapoints in the range, the N most recent are judged and missing data
 * is not needed; with fewer, the missing ones are filled per `treatMissingData` (breaching, not breaching, or nothing)
 * and "all real data points in the evaluation range are included"; with none, `missing` gives INSUFFICIENT_DATA and
 * `ignore` keeps the state. The premature-transition rule: when "the oldest available breaching datapoint ... is at least
 * as old as the value of Datapoints to Alarm, and all other more recent data points are breaching or missing", ALARM
 * "even if the total number of datapoints available is lower than M" (`missing`; the guide's tables keep the state for
 * `ignore`, and a non-breaching real datapoint anywhere in the range keeps it off: the 2-of-3 row "0 - X - -" is OK).
 * The guide's M-of-N paragraph says "as old as the value of Evaluation Periods"; its 2-of-3 table ("- - - X -" -> ALARM)
 * follows M, and so does this.
 */
export function evaluateAlarmRange(range: ReadonlyArray<boolean | undefined>, evaluationPeriods: number, datapointsToAlarm: number, treat: TreatMissingData): { verdict: CloudWatchVerdict; premature: boolean } {
  const n = evaluationPeriods;
  const m = datapointsToAlarm;
  // Newest first, with its age in periods (1: the newest period of the range).
  const real = range.flatMap((breach, i) => (breach === undefined ? [] : [{ breach, age: range.length - i }])).reverse();
  const judge = (breaching: number): { verdict: CloudWatchVerdict; premature: boolean } => ({ verdict: breaching >= m ? 'ALARM' : 'OK', premature: false });
  if (real.length >= n) return judge(real.slice(0, n).filter((p) => p.breach).length);
  if (real.length === 0) {
    if (treat === 'missing') return { verdict: 'INSUFFICIENT_DATA', premature: false };
    if (treat === 'ignore') return { verdict: 'RETAIN', premature: false };
    return judge(treat === 'breaching' ? n : 0);
  }
  const breaching = real.filter((p) => p.breach).length + (treat === 'breaching' ? n - real.length : 0);
  if (breaching >= m) return judge(breaching);
  const oldest = real.at(-1);
  if ((treat === 'missing' || treat === 'ignore') && real.every((p) => p.breach) && oldest !== undefined && oldest.age >= m) {
    return { verdict: treat === 'ignore' ? 'RETAIN' : 'ALARM', premature: true };
  }
  return judge(breaching);
}

/**
 * Pure: does CloudWatch's metric bear out the alarm: CloudWatch's own evaluation (evaluateAlarmRange, with the alarm's
 * M of N and missing-data treatment) over the evaluation range ending at the period of the state change, or at one of the
 * ALARM_METRIC_SLACK_PERIODS before it whose range lies whole in the window read (CloudWatch evaluates behind its newest
 * datapoint), goes to ALARM on the datapoints CloudWatch holds. Data after the state change's period is not what CloudWatch evaluated and bears out nothing; a range
 * reaching before the window read is not judged (its periods were not read, not missing).
 */
export function metricBearsOut(reading: AlarmMetricReading | undefined, alarm: ConfiguredAlarm): { borne: boolean; breaching: number[]; text: string } {
  if (!reading) return { borne: false, breaching: [], text: 'its metric was not read' };
  const breaching = reading.points.filter((p) => breaches(p.value, alarm)).map((p) => p.value);
  const values = reading.points.map((p) => Number(p.value.toFixed(1)));
  const metric = alarm.metric ? `${alarm.metric.namespace} ${alarm.metric.metricName}` : 'its metric';
  const read =
    `${metric} (${alarm.metric?.stat ?? '?'}) in CloudWatch from ${reading.from} to ${reading.to}: ` +
    (values.length === 0 ? 'no datapoints' : `${values.join(', ')} (${breaching.length} ${comparisonText(alarm)}, ${alarm.datapointsToAlarm} needed)`);
  const periodMs = (alarm.metric?.periodSeconds ?? 60) * 1000;
  const bySlot = new Map<number, boolean>();
  for (const p of reading.points) {
    const at = Date.parse(p.at);
    if (Number.isFinite(at)) bySlot.set(Math.floor(at / periodMs) * periodMs, breaches(p.value, alarm));
  }
  const changedAt = Date.parse(reading.stateChangeAt);
  const from = Date.parse(reading.from);
  const size = alarm.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
  const last = Math.floor((Number.isFinite(changedAt) ? changedAt : Date.parse(reading.to) - periodMs) / periodMs) * periodMs;
  let gaps: number | undefined;
  for (let k = 0; k <= ALARM_METRIC_SLACK_PERIODS; k += 1) {
    const end = last - k * periodMs;
    const start = end - (size - 1) * periodMs;
    if (Number.isFinite(from) && start < from) break;
    const range = Array.from({ length: size }, (_unused, i) => bySlot.get(start + i * periodMs));
    const { verdict, premature } = evaluateAlarmRange(range, alarm.evaluationPeriods, alarm.datapointsToAlarm, alarm.treatMissingData);
    const missing = range.filter((r) => r === undefined).length;
    gaps ??= missing;
    if (verdict === 'ALARM') {
      const why = premature
        ? `; CloudWatch's metric had a gap (${missing} of the ${size} periods up to ${new Date(end).toISOString()} missing), and with missing data treated as ${alarm.treatMissingData} CloudWatch goes to ALARM on it: its oldest datapoint breaches, at least ${alarm.datapointsToAlarm} periods old, and every later one breaches or is missing ("Avoiding premature transitions to alarm state")`
        : '';
      return { borne: true, breaching, text: `${read}${why}` };
    }
  }
  const gapText =
    values.length > 0 && gaps !== undefined && gaps > 0
      ? `; CloudWatch's metric had a gap (${gaps} of the ${size} periods up to ${new Date(last).toISOString()} missing): with missing data treated as ${alarm.treatMissingData}, CloudWatch's evaluation does not go to ALARM on it`
      : '';
  return { borne: false, breaching, text: `${read}${gapText}` };
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
 * Pure: does the metric bear out the OK of an alarm whose OK restores (decision 249: the low-water alarm; decision 263:
 * the depth alarm's OK, which restores a burst drained within the minute): the alarm's `evaluationPeriods` periods ending
 * at the newest datapoint CloudWatch holds in the window (CloudWatch evaluates the most recent datapoints, so a metric a
 * period or two late still corroborates; a newer datapoint than the state change, a new burst, counts against it), judged
 * by CloudWatch's own evaluation (evaluateAlarmRange) on the restore's stricter terms: one breaching period refuses
 * (M = 1) and a missing period counts as breaching (not read as under the threshold). Stricter than CloudWatch's OK where
 * the alarm needs more than one breaching period or has fewer datapoints than periods; for an alarm of 1 of 1 with
 * missing data treated as missing (the depth alarm) it is CloudWatch's evaluation exactly, its newest period holding the
 * anchor's datapoint.
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
  const slots = starts.map((start) => (missing.includes(new Date(start).toISOString()) ? undefined : breaching.some((p) => Math.floor(Date.parse(p.at) / periodMs) * periodMs === start)));
  const { verdict } = evaluateAlarmRange(slots, slots.length, 1, 'breaching');
  const range = `its ${starts.length} period${starts.length === 1 ? '' : 's'} from ${new Date(starts[0] ?? last).toISOString()} to ${new Date(last + periodMs).toISOString()}`;
  const values = inRange.map((p) => Number(p.value.toFixed(1))).join(', ');
  if (verdict === 'OK') return { borne: true, breaching, missing, text: `${metricName} in CloudWatch is not ${comparisonText(alarm)} in any of ${range}: ${values}` };
  if (breaching.length > 0) {
    return {
      borne: false,
      breaching,
      missing,
      text: `${metricName} in CloudWatch shows ${breaching.map((p) => `${Number(p.value.toFixed(1))} at ${p.at}`).join(', ')} (${comparisonText(alarm)}, the alarm's threshold) in ${range}: ${values}`,
    };
  }
  return { borne: false, breaching, missing, text: `${metricName} in CloudWatch has no datapoint for ${missing.join(', ')} in ${range}${values ? ` (${values} in the others)` : ''}` };
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
