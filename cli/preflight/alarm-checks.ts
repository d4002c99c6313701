// Preflight: every alarm exists with the expected metric, threshold and periods; each alarm's state change reaches its
// handler's EventBridge rule, proven with TestEventPattern on an event built from the real alarm.
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, ListTargetsByRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import type { AlarmSpec } from '../../shared/config/alarm-specs';
import { buildAlarmStateChangeEvent } from '../../sandbox/alarm-evaluator';
import type { PreflightExpectations } from './expectations';
import { awsErrorName, fail, noteTargets, pass, type CheckResult, type PreflightClients, type PreflightTarget, type RuleTargets } from './types';

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
  // A restore signal treating missing data as breaching would restore on a deleted queue's silence (decision 185).
  compare('missing data treated as', live.TreatMissingData ?? 'missing', spec.treatMissingData);
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
    if (!alarm) {
      // A restore signal missing detects nothing, but leaves every scale-up in place: the restore waits for it (decision 185).
      const missing = spec.restoreSignal
        ? `${spec.handler} waits for it to restore the baseline once the backlog has drained: without it, consumers scaled up for a backlog stay scaled up`
        : `${spec.rowId} goes undetected`;
      return fail('alarms', 'alarm-exists', spec.name, `alarm "${spec.name}" does not exist: ${missing}`, REDEPLOY);
    }
    const differences = alarmDifferences(alarm, spec);
    if (differences.length > 0) {
      return fail('alarms', 'alarm-definition', spec.name, `alarm "${spec.name}": ${differences.join('; ')}`, `${REDEPLOY}; a change made by hand in the console is overwritten there too`);
    }
    const periods = spec.metric.kind === 'single' ? spec.metric.metric.periodSeconds : spec.metric.periodSeconds;
    return pass('alarms', 'alarm-definition', spec.name, `alarm "${spec.name}": threshold ${spec.threshold}, ${spec.datapointsToAlarm} of ${spec.evaluationPeriods} periods of ${periods} s`);
  });
  return { results, live };
}

/**
 * Where the alarms' state changes arrive. Single account: the default bus of the account preflight runs in. Cross-account
 * mode: the workload's rule forwards them to the project's bus in the operations account (infra WorkloadStack), keeping
 * the workload's account in the event, and the handlers' rules there match that account (infra AlarmRouting).
 */
export interface AlarmRoute {
  /** The bus the handlers' rules are on; undefined: the default bus. */
  eventBusName?: string;
  /** The account the alarms live in (the event's `account`); undefined: the account preflight runs in. */
  eventAccount?: string;
}

/** Pure: the state-change event CloudWatch would send for this alarm going from one state to the other (a sample). */
export function sampleEvent(alarm: MetricAlarm, target: PreflightTarget, from: 'OK' | 'ALARM', to: 'OK' | 'ALARM', account = target.account): Record<string, unknown> {
  const now = new Date();
  return buildAlarmStateChangeEvent({
    alarm,
    account,
    region: target.region,
    previous: { value: from, reason: 'preflight sample', timestamp: now },
    current: { value: to, reason: `preflight sample: the ${to} state change this alarm would send`, reasonData: '{}', timestamp: now },
  });
}

/**
 * A rule as read (DescribeRule, ListTargetsByRule), once per rule: its pattern, its state, its targets' ARNs and the role
 * each target is invoked with (target ARN -> RoleArn), its own ARN; undefined when it does not exist.
 */
export type LiveRule = { pattern: string | undefined; state: string | undefined; targets: string[]; targetRoles: Record<string, string>; arn?: string } | undefined;

/**
 * Pure: why a rule delivers nothing whatever its pattern, or undefined when it delivers. "A disabled rule won't match any
 * events" (EventBridge API reference, DisableRule); ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS is enabled too. A
 * state AWS did not give (it always does) is not taken for enabled (review 11a, finding 3).
 */
export function ruleNotDelivering(rule: NonNullable<LiveRule>): string | undefined {
  if (rule.state !== undefined && rule.state.startsWith('ENABLED')) return undefined;
  return `its state is ${rule.state ?? 'unknown'}: a disabled rule matches no event`;
}

/** The fix for a rule someone disabled: enable it (what deploying the stack does too). */
export function enableRuleFix(ruleName: string, eventBusName?: string, redeploy: string = REDEPLOY): string {
  return `aws events enable-rule --name ${ruleName}${eventBusName ? ` --event-bus-name ${eventBusName}` : ''} (after checking why it was disabled), or ${redeploy}`;
}

export async function readRule(clients: PreflightClients, name: string, cache: Map<string, LiveRule>, eventBusName?: string, seen?: RuleTargets): Promise<LiveRule> {
  if (cache.has(name)) return cache.get(name);
  let rule: LiveRule;
  const bus = eventBusName ? { EventBusName: eventBusName } : {};
  try {
    const described = await clients.events.send(new DescribeRuleCommand({ Name: name, ...bus }));
    const listed = (await clients.events.send(new ListTargetsByRuleCommand({ Rule: name, ...bus }))).Targets ?? [];
    const targets = listed.flatMap((t) => (t.Arn ? [t.Arn] : []));
    rule = { pattern: described.EventPattern, state: described.State, ...(described.Arn ? { arn: described.Arn } : {}), targets, targetRoles: Object.fromEntries(listed.flatMap((t) => (t.Arn && t.RoleArn ? [[t.Arn, t.RoleArn] as const] : []))) };
    noteTargets(seen, name, targets);
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    rule = undefined;
  }
  cache.set(name, rule);
  return rule;
}

export async function matches(clients: PreflightClients, pattern: string | undefined, event: Record<string, unknown>): Promise<boolean> {
  if (!pattern) return false;
  return (await clients.events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(event) }))).Result === true;
}

const targetsFunction = (targets: readonly string[], functionArn: string): boolean => targets.some((t) => t === functionArn || t.startsWith(`${functionArn}:`));

export async function checkRouting(
  clients: PreflightClients,
  expected: PreflightExpectations,
  target: PreflightTarget,
  live: ReadonlyMap<string, MetricAlarm>,
  handlerFunctionArns: ReadonlyMap<string, string>,
  route: AlarmRoute = {},
  seen?: RuleTargets,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const rules = new Map<string, LiveRule>();
  const onBus = route.eventBusName ? ` on bus ${route.eventBusName}` : '';
  const functionArnOf = (handler: string, functionName: string): string =>
    handlerFunctionArns.get(handler) ?? `arn:${target.partition}:lambda:${target.region}:${target.account}:function:${functionName}`;
  // Each rule of the handler's route (one, or several where its names exceed one pattern's size: decision 351), and
  // each alarm against the rule that names it.
  for (const handler of expected.handlers) {
    for (const { ruleName, alarmNames } of handler.rules) {
      const rule = await readRule(clients, ruleName, rules, route.eventBusName, seen);
      if (!rule) {
        results.push(fail('routing', 'rule-exists', ruleName, `rule ${ruleName} does not exist${onBus}: ${handler.name}'s alarms ${alarmNames.map((a) => `"${a}"`).join(', ')} reach nobody`, REDEPLOY));
        continue;
      }
      if (!targetsFunction(rule.targets, functionArnOf(handler.name, handler.functionName))) {
        results.push(fail('routing', 'rule-target', ruleName, `rule ${ruleName} does not target ${handler.functionName} (targets: ${rule.targets.join(', ') || 'none'})`, REDEPLOY));
      }
      const disabled = ruleNotDelivering(rule);
      for (const alarmName of alarmNames) {
        const alarm = live.get(alarmName);
        if (!alarm) continue; // already a FAIL of the alarm checks
        const matched = await matches(clients, rule.pattern, sampleEvent(alarm, target, 'OK', 'ALARM', route.eventAccount));
        if (matched && disabled) {
          results.push(
            fail('routing', 'alarm-reaches-rule', alarmName, `an ALARM state change of "${alarmName}" matches rule ${ruleName}${onBus}'s pattern, but ${disabled}: ${handler.name} never runs for it, and nobody is paged for it`, enableRuleFix(ruleName, route.eventBusName)),
          );
          continue;
        }
        results.push(
          matched
            ? pass('routing', 'alarm-reaches-rule', alarmName, `an ALARM state change of "${alarmName}"${route.eventAccount ? ` from ${route.eventAccount}` : ''} matches rule ${ruleName}${onBus} -> ${handler.functionName}`)
            : fail('routing', 'alarm-reaches-rule', alarmName, `an ALARM state change of "${alarmName}" does not match rule ${ruleName}'s pattern: ${handler.name} never runs for it`, REDEPLOY),
        );
      }
    }
  }
  results.push(...(await checkOkRoute(clients, expected, target, live, rules, functionArnOf(expected.okRoute.handler, expected.okRoute.functionName), route, seen)));
  return results;
}

/**
 * Each alarm's OK state change reaches escalate, which resolves its incident: through escalate's own alarm rule for an
 * alarm escalate handles (every state change), else through the recoveries rule. Proven with TestEventPattern on an
 * ALARM -> OK event built from the real alarm, and the rule must target escalate.
 */
async function checkOkRoute(
  clients: PreflightClients,
  expected: PreflightExpectations,
  target: PreflightTarget,
  live: ReadonlyMap<string, MetricAlarm>,
  rules: Map<string, LiveRule>,
  escalateArn: string,
  route: AlarmRoute,
  seen?: RuleTargets,
): Promise<CheckResult[]> {
  const { okRoute } = expected;
  const onBus = route.eventBusName ? ` on bus ${route.eventBusName}` : '';
  const results: CheckResult[] = [];
  for (const spec of expected.alarms) {
    const alarm = live.get(spec.name);
    if (!alarm) continue; // already a FAIL of the alarm checks
    // The rule whose pattern names the alarm: escalate's own route's for an alarm escalate handles, else the recoveries'.
    const candidates = spec.handler === okRoute.handler ? (expected.handlers.find((h) => h.name === okRoute.handler)?.rules ?? []) : okRoute.recoveriesRules;
    const ruleName = candidates.find((r) => r.alarmNames.includes(spec.name))?.ruleName ?? okRoute.recoveriesRule;
    const rule = await readRule(clients, ruleName, rules, route.eventBusName, seen);
    const unresolved = `an OK of "${spec.name}" never resolves its incident: the tiers already paged are not told and the escalation timers keep climbing`;
    if (!rule) {
      results.push(fail('routing', 'ok-reaches-escalate', spec.name, `rule ${ruleName} does not exist${onBus}: ${unresolved}`, REDEPLOY));
    } else if (!targetsFunction(rule.targets, escalateArn)) {
      results.push(fail('routing', 'ok-reaches-escalate', spec.name, `rule ${ruleName} does not target ${okRoute.functionName} (targets: ${rule.targets.join(', ') || 'none'}): ${unresolved}`, REDEPLOY));
    } else if (!(await matches(clients, rule.pattern, sampleEvent(alarm, target, 'ALARM', 'OK', route.eventAccount)))) {
      results.push(fail('routing', 'ok-reaches-escalate', spec.name, `an OK state change of "${spec.name}" does not match rule ${ruleName}'s pattern: ${unresolved}`, REDEPLOY));
    } else if (ruleNotDelivering(rule)) {
      results.push(fail('routing', 'ok-reaches-escalate', spec.name, `an OK state change of "${spec.name}" matches rule ${ruleName}${onBus}'s pattern, but ${ruleNotDelivering(rule) ?? ''}: ${unresolved}`, enableRuleFix(ruleName, route.eventBusName)));
    } else {
      results.push(pass('routing', 'ok-reaches-escalate', spec.name, `an OK state change of "${spec.name}"${route.eventAccount ? ` from ${route.eventAccount}` : ''} matches rule ${ruleName}${onBus} -> ${okRoute.functionName}`));
    }
  }
  return results;
}
