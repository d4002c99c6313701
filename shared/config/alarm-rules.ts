// Pure: the EventBridge rules that route the alarms' state changes, each pattern within EventBridge's size quota. A rule
// that lists more alarm names than one pattern holds becomes several rules of the same route (review 21a R21-2).
import { alarmNamePrefix, type AlarmStatePattern } from './alarm-specs';
import type { AutomationConfig } from './schema';

/**
 * EventBridge quota "Event pattern size": "Maximum size of an event pattern in characters", 2,048 by default in every
 * Region (adjustable to 4,096 on request; EventBridge User Guide, eb-quota). PutRule (and so CloudFormation) refuses a
 * longer pattern; moto does not check it.
 */
export const EVENT_PATTERN_MAX_CHARS = 2048;

/**
 * What one rule's pattern is filled to, measured as `worstCasePatternChars` counts it: below the quota by room for a
 * serializer on the way to EventBridge that writes a space after each separator (one a name).
 */
export const ALARM_RULE_PATTERN_BUDGET_CHARS = 1900;

/**
 * The pattern's length in characters as a serializer that escapes every character JSON.stringify leaves as is but HTML
 * (`<`, `>`, `&`: Go's encoding/json) or ASCII (any non-ASCII) escaping would write as \uXXXX: the longest text any
 * JSON writer between the template and EventBridge could send. Alarm names carry `>`, `>=`, `<`, `<=`.
 */
export function worstCasePatternChars(pattern: unknown): number {
  const text = JSON.stringify(pattern);
  let escaped = 0;
  for (const char of text) if (char === '<' || char === '>' || char === '&' || char.codePointAt(0)! > 0x7e) escaped += char.length === 2 ? 2 : 1;
  return text.length + escaped * 5;
}

/** One rule of a route: its name and the alarms its pattern names. */
export interface AlarmRuleSpec {
  ruleName: string;
  alarmNames: string[];
}

/** The worst pattern a chunk of names goes into: any route's fields (state filter, the workload account) all present. */
function largestPatternOf(alarmNames: readonly string[]): unknown {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: alarmNames, state: { value: ['OK'] } },
    account: ['123456789012'],
  };
}

/**
 * The rules of one route (a handler's alarms, the recoveries, ...): the names in their order, cut into as few runs as
 * keep each run's largest pattern within ALARM_RULE_PATTERN_BUDGET_CHARS. The first rule keeps the route's name (a
 * configuration that fits keeps exactly the rule it had); the next are `<name>-2`, `<name>-3`, ... The cut depends on
 * the names only, so infra, preflight and the test stacks, each calling this, agree on which rule carries which alarm.
 */
export function alarmRulesOf(ruleName: string, alarmNames: readonly string[]): AlarmRuleSpec[] {
  const runs: string[][] = [];
  let run: string[] = [];
  for (const name of alarmNames) {
    if (run.length > 0 && worstCasePatternChars(largestPatternOf([...run, name])) > ALARM_RULE_PATTERN_BUDGET_CHARS) {
      runs.push(run);
      run = [];
    }
    run.push(name);
  }
  if (run.length > 0) runs.push(run);
  return runs.map((names, index) => ({ ruleName: index === 0 ? ruleName : `${ruleName}-${index + 1}`, alarmNames: names }));
}

/**
 * The workload account's forwarding rule (cross-account mode): every state change of an alarm named with the
 * configuration's alarm-name prefix, whatever the number of alarms (decision 351). It invokes no function: the
 * operations account's rules, each listing its alarms by exact name and taking the workload account's only, decide
 * what reaches a handler; a forwarded state change of any other alarm matches none of them there.
 */
export function forwardedAlarmsPattern(config: AutomationConfig): AlarmStatePattern {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: [{ prefix: alarmNamePrefix(config) }] },
  };
}
