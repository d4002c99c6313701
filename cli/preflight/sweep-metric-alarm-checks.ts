// Preflight: the sweep metric alarms page (decisions 300, 311, 317). The sweeps return success when they fall behind or
// refuse a record of their own, and count it (escalation-timer: TimersLeftForNextSweep, HeldEntriesRefused,
// HeldResolutionsSetAside, UnresolvedRecordsRefused; verify-change: HealthChecksLeftForNextSweep, VerifyDueRefused,
// HealthChecksRefused); only the
// health alarm on each metric tells anyone. Nothing read those alarms back (300's "not done"), so:
// - sweep-metric-alarm (per alarm of sweepMetricAlarmSpecs whose handler this region deploys): the alarm exists and is
//   the one infra deploys (EscalationTimers.watchSweepMetrics): the spec's namespace and metric, exactly its dimensions
//   (service, environment and the handler as Powertools writes them: a series with one more or one less has no data), its
//   statistic, its Unit unset or the one the handler writes (Count: an alarm on another unit matches no datapoint and
//   never fires, decision 319), period, M of N, threshold and comparison, missing data as the spec says, actions enabled
//   and the health topic among them; else FAIL naming each difference, with the deploy that restores it.
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { sweepMetricAlarmSpecs, type SweepMetricAlarmSpec } from '../../shared/config/automation-health';
import { unitProblem } from './alarm-unit';
import type { PreflightExpectations } from './expectations';
import { fail, pass, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The calls this check makes: named in its could-not-check FAIL. */
export const SWEEP_METRIC_ALARM_ACTIONS = ['cloudwatch:DescribeAlarms'] as const;

/** The sweep metric alarms the region's runbook stack deploys: those whose handler it deploys (as infra's runbook-stack). */
export function expectedSweepMetricAlarms(expected: Pick<PreflightExpectations, 'environment' | 'handlers'>): SweepMetricAlarmSpec[] {
  return sweepMetricAlarmSpecs(expected.environment, (handler) => expected.handlers.some((h) => h.name === handler));
}

const dimensionsText = (dimensions: Record<string, string>): string =>
  Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(', ') || 'none';

/** Pure: what keeps the alarm from paging the health topic when its sweep counts the metric, compared with the spec. */
export function sweepMetricAlarmProblems(alarm: MetricAlarm | undefined, spec: SweepMetricAlarmSpec, healthTopicArn: string): string[] {
  if (!alarm) return ['it does not exist'];
  const problems: string[] = [];
  if (alarm.Namespace !== spec.namespace || alarm.MetricName !== spec.metricName) {
    problems.push(`it watches ${alarm.Namespace ?? 'no namespace'} ${alarm.MetricName ?? '(no single metric)'}, not ${spec.namespace} ${spec.metricName}, the metric ${spec.handler} counts`);
  }
  const live = Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name ?? '?', d.Value ?? '?']));
  const differs = Object.keys(spec.dimensions).length !== Object.keys(live).length || Object.entries(spec.dimensions).some(([name, value]) => live[name] !== value);
  if (differs) problems.push(`its dimensions are ${dimensionsText(live)}, not ${dimensionsText(spec.dimensions)} (what Powertools writes for ${spec.handler}): that series has no data`);
  if (alarm.Statistic !== spec.statistic) problems.push(`it is the ${alarm.Statistic ?? alarm.ExtendedStatistic ?? 'no statistic'}, not the ${spec.statistic} of what the sweeps counted`);
  // Unset matches the metric whatever its unit (infra leaves it unset); set, it must be the unit the handler writes.
  const unit = unitProblem('its unit', alarm.Unit, { metricName: spec.metricName, writer: spec.handler, unit: spec.unit }, 'it matches no datapoint and never fires');
  if (unit) problems.push(unit);
  if (alarm.Period !== spec.periodSeconds) problems.push(`its period is ${String(alarm.Period ?? '?')} s, not the sweep's ${spec.periodSeconds} s`);
  const needed = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods;
  if (alarm.EvaluationPeriods !== spec.evaluationPeriods || needed !== spec.datapointsToAlarm) {
    problems.push(`it alarms on ${String(needed ?? '?')} of ${String(alarm.EvaluationPeriods ?? '?')} periods, not ${spec.datapointsToAlarm} of ${spec.evaluationPeriods}`);
  }
  if (alarm.ComparisonOperator !== spec.comparisonOperator || alarm.Threshold !== spec.threshold) {
    problems.push(`it fires on ${alarm.ComparisonOperator ?? '?'} ${String(alarm.Threshold ?? '?')}, not ${spec.comparisonOperator} ${spec.threshold}`);
  }
  // CloudWatch's default is `missing`; the sweeps publish no point for a metric they did not count.
  const missing = alarm.TreatMissingData ?? 'missing';
  if (missing !== spec.treatMissingData) problems.push(`it treats missing data as ${missing}, not ${spec.treatMissingData} (a sweep that counted nothing publishes no point)`);
  if (alarm.ActionsEnabled === false) problems.push('its actions are disabled');
  if (!(alarm.AlarmActions ?? []).includes(healthTopicArn)) problems.push(`its ALARM actions (${(alarm.AlarmActions ?? []).join(', ') || 'none'}) do not notify the automation health topic ${healthTopicArn}`);
  return problems;
}

/** Each sweep metric alarm the region deploys, read in one DescribeAlarms. Its own function: the lanes' alarms are schedule-delivery-checks.ts. */
export async function checkSweepMetricAlarms(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  const specs = expectedSweepMetricAlarms(expected);
  if (specs.length === 0) return [];
  const healthTopicArn = `arn:${target.partition}:sns:${target.region}:${target.account}:${expected.health.topicName}`;
  const deploy = `npx cdk deploy -c environment=${expected.environment} -c region=${target.region} NotificationRunbooks-${expected.environment}-${target.region} (the runbook stack writes the alarm: infra EscalationTimers.watchSweepMetrics)`;
  const names = specs.map((s) => s.alarmName);
  const live = (await clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm'], MaxRecords: 100 }))).MetricAlarms ?? [];
  return specs.map((spec) => {
    const alarm = live.find((a) => a.AlarmName === spec.alarmName);
    const problems = sweepMetricAlarmProblems(alarm, spec, healthTopicArn);
    const watched = `${spec.namespace} ${spec.metricName} (${dimensionsText(spec.dimensions)})`;
    return problems.length === 0
      ? pass(
          'plumbing',
          'sweep-metric-alarm',
          spec.alarmName,
          `alarm "${spec.alarmName}" watches ${watched} as ${spec.handler} writes it, ${spec.statistic} > ${spec.threshold} in ${spec.datapointsToAlarm} of ${spec.evaluationPeriods} periods of ${spec.periodSeconds} s, and notifies ${healthTopicArn}`,
        )
      : fail(
          'plumbing',
          'sweep-metric-alarm',
          spec.alarmName,
          `alarm "${spec.alarmName}": ${problems.join('; ')}: ${spec.handler}'s sweep counts ${spec.metricName} and returns success, so nobody is paged for it (decisions 300, 311)`,
          deploy,
        );
  });
}
