// Preflight: every alarm exists with the expected metric, threshold and periods; each alarm's state change reaches its
// handler's EventBridge rule, proven with TestEventPattern on an event built from the real alarm.
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, ListTargetsByRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import type { AlarmSpec } from '../../shared/config/alarm-specs';
import { buildAlarmStateChangeEvent } from '../../sandbox/alarm-evaluator';
import type { PreflightExpectations } from './expectations';
import { awsErrorName, fail, pass, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

const REDEPLOY = 'deploy the runbook stack (npx cdk deploy -c environment=<env>): the alarms are generated from the configuration';

const sameDimensions = (live: Array<{ Name?: string; Value?: string }> | undefined, want: Record<string, string>): boolean => {
  const have = Object.fromEntries((live ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
  return Object.keys(have).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => have[k] === v);
};

/** Pure: the differences between a live alarm and its spec, each in words ("threshold 2000, expected 1000"). */
export function alarmDifferences(live: MetricAlarm, spec: AlarmSpec): string[] {
  const d: string[] = [];
  const compare = (what: string, have: unknown, want: unknown): void => {
    if (have !== want) d.push(`${what} ${have === undefined ? 'unset' : String(have)}, expected ${String(want)}`);
  };
  compare('threshold', live.Threshold, spec.threshold);
  compare('comparison', live.ComparisonOperator, spec.comparisonOperator);
  compare('evaluation periods', live.EvaluationPeriods, spec.evaluationPeriods);
  compare('datapoints to alarm', live.DatapointsToAlarm ?? live.EvaluationPeriods, spec.datapointsToAlarm);
  const { metric } = spec;
  if (metric.kind === 'single') {
    compare('metric', `${live.Namespace ?? '?'}/${live.MetricName ?? '?'}`, `${metric.metric.namespace}/${metric.metric.metricName}`);
    compare('period', live.Period, metric.metric.periodSeconds);
    if (metric.statistic) compare('statistic', live.Statistic, metric.statistic);
    if (metric.extendedStatistic) compare('statistic', live.ExtendedStatistic, metric.extendedStatistic);
    if (!sameDimensions(live.Dimensions, metric.metric.dimensions)) d.push(`dimensions ${JSON.stringify(live.Dimensions ?? [])}, expected ${JSON.stringify(metric.metric.dimensions)}`);
  } else {
    const queries = live.Metrics ?? [];
    const expression = queries.find((q) => q.ReturnData !== false && q.Expression);
    compare('expression', expression?.Expression, metric.expression);
    for (const input of metric.inputs) {
      const q = queries.find((x) => x.Id === input.id);
      const stat = q?.MetricStat;
      if (!stat) {
        d.push(`metric input ${input.id} missing, expected ${input.metric.namespace}/${input.metric.metricName}`);
        continue;
      }
      compare(`input ${input.id} metric`, `${stat.Metric?.Namespace ?? '?'}/${stat.Metric?.MetricName ?? '?'}`, `${input.metric.namespace}/${input.metric.metricName}`);
      compare(`input ${input.id} period`, stat.Period, input.metric.periodSeconds);
      compare(`input ${input.id} statistic`, stat.Stat, input.stat);
      if (!sameDimensions(stat.Metric?.Dimensions, input.metric.dimensions)) d.push(`input ${input.id} dimensions differ`);
    }
  }
  return d;
}

export async function checkAlarms(clients: PreflightClients, expected: PreflightExpectations): Promise<{ results: CheckResult[]; live: Map<string, MetricAlarm> }> {
  const live = new Map<string, MetricAlarm>();
  const names = expected.alarms.map((a) => a.name);
  // DescribeAlarms takes up to 100 names per call.
  for (let i = 0; i < names.length; i += 100) {
    const out = await clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm'] }));
    for (const alarm of out.MetricAlarms ?? []) if (alarm.AlarmName) live.set(alarm.AlarmName, alarm);
  }
  const results = expected.alarms.map((spec): CheckResult => {
    const alarm = live.get(spec.name);
    if (!alarm) return fail('alarms', 'alarm-exists', spec.name, `alarm "${spec.name}" does not exist: ${spec.rowId} goes undetected`, REDEPLOY);
    const differences = alarmDifferences(alarm, spec);
    if (differences.length > 0) {
      return fail('alarms', 'alarm-definition', spec.name, `alarm "${spec.name}": ${differences.join('; ')}`, `${REDEPLOY}; a change made by hand in the console is overwritten there too`);
    }
    const periods = spec.metric.kind === 'single' ? spec.metric.metric.periodSeconds : spec.metric.periodSeconds;
    return pass('alarms', 'alarm-definition', spec.name, `alarm "${spec.name}": threshold ${spec.threshold}, ${spec.datapointsToAlarm} of ${spec.evaluationPeriods} periods of ${periods} s`);
  });
  return { results, live };
}

export async function checkRouting(
  clients: PreflightClients,
  expected: PreflightExpectations,
  target: PreflightTarget,
  live: ReadonlyMap<string, MetricAlarm>,
  handlerFunctionArns: ReadonlyMap<string, string>,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const handler of expected.handlers) {
    if (!handler.ruleName) continue;
    let pattern: string | undefined;
    try {
      pattern = (await clients.events.send(new DescribeRuleCommand({ Name: handler.ruleName }))).EventPattern;
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      results.push(fail('routing', 'rule-exists', handler.ruleName, `rule ${handler.ruleName} does not exist: ${handler.name}'s alarms reach nobody`, REDEPLOY));
      continue;
    }
    const targets = (await clients.events.send(new ListTargetsByRuleCommand({ Rule: handler.ruleName }))).Targets ?? [];
    const functionArn = handlerFunctionArns.get(handler.name) ?? `arn:${target.partition}:lambda:${target.region}:${target.account}:function:${handler.functionName}`;
    if (!targets.some((t) => t.Arn === functionArn || t.Arn?.startsWith(`${functionArn}:`))) {
      results.push(fail('routing', 'rule-target', handler.ruleName, `rule ${handler.ruleName} does not target ${handler.functionName} (targets: ${targets.map((t) => t.Arn).join(', ') || 'none'})`, REDEPLOY));
    }
    for (const alarmName of handler.alarmNames) {
      const alarm = live.get(alarmName);
      if (!alarm) continue; // already a FAIL of the alarm checks
      const now = new Date();
      const event = buildAlarmStateChangeEvent({
        alarm,
        account: target.account,
        region: target.region,
        previous: { value: 'OK', reason: 'preflight sample', timestamp: now },
        current: { value: 'ALARM', reason: 'preflight sample: the state change this alarm would send', reasonData: '{}', timestamp: now },
      });
      const matched = pattern
        ? (await clients.events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(event) }))).Result === true
        : false;
      results.push(
        matched
          ? pass('routing', 'alarm-reaches-rule', alarmName, `an ALARM state change of "${alarmName}" matches rule ${handler.ruleName} -> ${handler.functionName}`)
          : fail('routing', 'alarm-reaches-rule', alarmName, `an ALARM state change of "${alarmName}" does not match rule ${handler.ruleName}'s pattern: ${handler.name} never runs for it`, REDEPLOY),
      );
    }
  }
  return results;
}
