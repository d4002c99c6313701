// Pure: the EventBridge rules that route the alarms' state changes, each pattern within EventBridge's size quota. A route
// whose names exceed one pattern is spread over a fixed number of rules by a hash of each name (review 21a R21-2, 21c R21c-4).
import { createHash } from 'node:crypto';
import { alarmNamePrefix, type AlarmStatePattern } from './alarm-specs';
import type { AutomationConfig, EnvironmentName } from './schema';

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

/** One rule of a route: its name, its bucket (1-based: the route's name for 1, `<name>-<part>` after) and the alarms its pattern names. */
export interface AlarmRuleSpec {
  ruleName: string;
  part: number;
  alarmNames: string[];
}

/** The most buckets a route may be given (the configuration's alarmRuleBuckets): each is one more rule and one more Lambda permission. */
export const MAX_ALARM_RULE_BUCKETS = 10;

/** The worst pattern a chunk of names goes into: any route's fields (state filter, the workload account) all present. */
function largestPatternOf(alarmNames: readonly string[]): unknown {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: alarmNames, state: { value: ['OK'] } },
    account: ['123456789012'],
  };
}

const UINT64 = (1n << 64n) - 1n;

/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014, its C++ as
 * published): the bucket in [0, buckets) of a 64-bit key. Going from n to n + 1 buckets moves a key only into bucket n,
 * never between the buckets that were there.
 */
export function jumpConsistentHash(key: bigint, buckets: number): number {
  let k = key & UINT64;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & UINT64;
    j = Math.floor((b + 1) * (2 ** 31 / Number((k >> 33n) + 1n)));
  }
  return b;
}

/** The 0-based bucket of an alarm name among `buckets`: the first 8 bytes of its SHA-256 (UTF-8), jump-hashed. Depends on the name and the count only. */
export function alarmRuleBucketOf(alarmName: string, buckets: number): number {
  return jumpConsistentHash(createHash('sha256').update(alarmName, 'utf8').digest().readBigUInt64BE(0), buckets);
}

/** A route whose names do not fit its buckets: synthesis (and preflight's expectations) stop here, naming the count to set. */
export class AlarmRuleBucketOverflowError extends Error {
  override readonly name = 'AlarmRuleBucketOverflowError';
}

function bucketsOf(alarmNames: readonly string[], buckets: number): string[][] {
  const out: string[][] = Array.from({ length: buckets }, () => []);
  for (const name of alarmNames) out[alarmRuleBucketOf(name, buckets)]!.push(name);
  return out;
}

const fits = (names: readonly string[]): boolean => names.length === 0 || worstCasePatternChars(largestPatternOf(names)) <= ALARM_RULE_PATTERN_BUDGET_CHARS;

/**
 * The rules of one route (a handler's alarms, the recoveries, ...): each name goes to bucket
 * `alarmRuleBucketOf(name, buckets)`, a function of that name and the route's fixed bucket count only, so adding or
 * removing an alarm changes only the rule of that alarm and never moves another (review 21c R21c-4, decision 364). Bucket
 * 1 is the route's name (a route of one bucket keeps exactly the rule it had), bucket n `<name>-<n>`; an empty bucket
 * writes no rule (EventBridge refuses an empty list). Within a rule the names keep their order. A bucket whose largest
 * pattern would exceed ALARM_RULE_PATTERN_BUDGET_CHARS is refused, naming the smallest count that fits: raising the count
 * moves only the names the new buckets take (jump hash), which infra's rules, each depending on the next, create before
 * the others drop them. Infra, preflight and the test stacks all call this, so they agree on which rule carries which alarm.
 */
export function alarmRulesOf(ruleName: string, alarmNames: readonly string[], buckets = 1): AlarmRuleSpec[] {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_ALARM_RULE_BUCKETS) {
    throw new AlarmRuleBucketOverflowError(`alarm rule ${ruleName}: ${buckets} buckets, expected an integer from 1 to ${MAX_ALARM_RULE_BUCKETS}`);
  }
  const split = bucketsOf(alarmNames, buckets);
  const over = split.findIndex((names) => !fits(names));
  if (over >= 0) {
    let enough: number | undefined;
    for (let n = buckets + 1; n <= MAX_ALARM_RULE_BUCKETS && enough === undefined; n++) if (bucketsOf(alarmNames, n).every(fits)) enough = n;
    throw new AlarmRuleBucketOverflowError(
      `alarm rule ${ruleName}${over === 0 ? '' : `-${over + 1}`}: its ${split[over]!.length} alarm names make a pattern of ` +
        `${worstCasePatternChars(largestPatternOf(split[over]!))} characters (worst case), over the ${ALARM_RULE_PATTERN_BUDGET_CHARS} a rule is filled to ` +
        `(EventBridge's quota: ${EVENT_PATTERN_MAX_CHARS}); ${alarmNames.length} names in ${buckets} bucket(s): ` +
        (enough === undefined
          ? `no count up to ${MAX_ALARM_RULE_BUCKETS} fits, shorten the alarm names`
          : `set the environment's alarmRuleBuckets["${ruleName}"] to ${enough} (moves only the names the new buckets take; see decision 364)`),
    );
  }
  return split.flatMap((names, index) => (names.length === 0 ? [] : [{ ruleName: index === 0 ? ruleName : `${ruleName}-${index + 1}`, part: index + 1, alarmNames: names }]));
}

/** The bucket count the environment gives the route whose first rule is `ruleName` (alarmRuleBuckets; 1 unset). */
export function alarmRuleBucketCount(config: AutomationConfig, environment: EnvironmentName, ruleName: string): number {
  return config.environments[environment].alarmRuleBuckets?.[ruleName] ?? 1;
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
