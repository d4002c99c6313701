// The alarm rules' patterns within EventBridge's size quota (review 21a R21-2, decision 351): a route's names spread over
// its fixed bucket count by each name's hash, so adding or removing an alarm moves no other (review 21c R21c-4, decision
// 364), none lost or repeated, an overflowing bucket refused; the workload's forwarding rule by the alarm-name prefix.
import fc from 'fast-check';
import {
  ALARM_RULE_PATTERN_BUDGET_CHARS,
  AlarmRuleBucketOverflowError,
  alarmRuleBucketOf,
  alarmRulesOf,
  forwardedAlarmsPattern,
  jumpConsistentHash,
  MAX_ALARM_RULE_BUCKETS,
  worstCasePatternChars,
  type AlarmRuleSpec,
} from '../../../shared/config/alarm-rules';
import { alarmNamePrefix, alarmSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { FOUR_CHANNEL_OVERRIDES } from '../../fixtures/four-channel-config';

const configOf = (overrides: unknown, region = 'us-east-1') =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) }).config;
const recovering = (overrides: unknown, region: string): string[] =>
  alarmSpecs(configOf(overrides, region), 'production', region)
    .filter((a) => a.handler !== 'escalate')
    .map((a) => a.name);
/** The largest pattern a rule of these names is written with: state filter and the workload account (cross-account recoveries). */
const recoveriesPattern = (names: readonly string[]) => ({
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: { alarmName: names, state: { value: ['OK'] } },
  account: ['222222222222'],
});

describe('worstCasePatternChars', () => {
  it.each<[string, unknown, number]>([
    ['plain ASCII: the JSON text as is', { a: ['x'] }, 11],
    ['each of < > & counted as \\u003c (Go-style HTML escaping)', { a: ['<>&'] }, 13 + 15],
    ['a non-ASCII character counted as \\uXXXX', { a: ['é'] }, 11 + 5],
    ['a character outside the BMP counted as two \\uXXXX', { a: ['😀'] }, 12 + 10],
  ])('%s', (_what, pattern, chars) => {
    expect(worstCasePatternChars(pattern)).toBe(chars);
  });
});

describe('jumpConsistentHash', () => {
  // The published algorithm's answers: ClickHouse's test of its jumpConsistentHash (tests/queries/0_stateless/00580_...,
  // the paper's C++) and the Rust crate jump-consistent-hash's documented examples.
  it.each<[bigint, number, number]>([
    [1n, 1, 0],
    [42n, 57, 43],
    [256n, 1024, 520],
    [3735883980n, 1, 0],
    [3735883980n, 666, 361],
    [16045690984833335023n, 255, 237],
    [0n, 60, 0],
    [1n, 60, 55],
    [2n, 60, 46],
  ])('key %p in %p buckets is bucket %p, as the published implementations answer', (key, buckets, bucket) => {
    expect(jumpConsistentHash(key, buckets)).toBe(bucket);
  });

  it('going from n to n + 1 buckets moves a name only into the new bucket n, never between the old ones', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 255 }), fc.integer({ min: 1, max: MAX_ALARM_RULE_BUCKETS - 1 }), (name, n) => {
        const before = alarmRuleBucketOf(name, n);
        const after = alarmRuleBucketOf(name, n + 1);
        expect(after === before || after === n).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('alarmRulesOf', () => {
  it('keeps a route of one bucket in one rule of its own name (the default configuration: 11 recoveries in the DR region)', () => {
    const names = recovering({}, 'us-west-2');
    expect(names).toHaveLength(11);
    expect(alarmRulesOf('notification-runbooks-escalate-recoveries', names)).toEqual([{ ruleName: 'notification-runbooks-escalate-recoveries', part: 1, alarmNames: names }]);
  });

  // Decision 359 (R21-3): one out-of-memory alarm per consumer (124 + 125 + 128 characters with quotes and comma); decision
  // 360 (R21-4): the DR Replication Not Active alarm (98).
  it('refuses the four-channel DR recoveries in one bucket (29 alarms, 2,836 characters in one cross-account pattern), naming the count that fits', () => {
    const names = recovering(FOUR_CHANNEL_OVERRIDES, 'us-west-2');
    expect(names).toHaveLength(29);
    expect(JSON.stringify(recoveriesPattern(names)).length).toBe(2361 + 124 + 125 + 128 + 98);
    expect(() => alarmRulesOf('notification-runbooks-escalate-recoveries', names, 1)).toThrow(
      'alarm rule notification-runbooks-escalate-recoveries: its 29 alarm names make a pattern of 2981 characters (worst case), over the 1900 a rule is filled to ' +
        '(EventBridge\'s quota: 2048); 29 names in 1 bucket(s): set the environment\'s alarmRuleBuckets["notification-runbooks-escalate-recoveries"] to 2',
    );
  });

  it('spreads the four-channel DR recoveries over the fixture\'s two buckets by each name\'s hash: 16 + 13, none lost or repeated, each within the budget', () => {
    const names = recovering(FOUR_CHANNEL_OVERRIDES, 'us-west-2');
    const rules = alarmRulesOf('notification-runbooks-escalate-recoveries', names, 2);
    expect(rules.map((r) => [r.ruleName, r.part, r.alarmNames.length])).toEqual([
      ['notification-runbooks-escalate-recoveries', 1, 16],
      ['notification-runbooks-escalate-recoveries-2', 2, 13],
    ]);
    expect(rules.flatMap((r) => r.alarmNames).sort()).toEqual([...names].sort());
    for (const r of rules) expect(r.alarmNames).toEqual(names.filter((n) => alarmRuleBucketOf(n, 2) === r.part - 1));
    expect(rules.map((r) => worstCasePatternChars(recoveriesPattern(r.alarmNames)))).toEqual([1709, 1426]);
  });

  // Review 21c R21c-4: CloudFormation updates a route's rules one by one; an alarm that moved from one to another could
  // be in neither for a moment, its state change reaching no handler. A name's rule depends on that name only.
  describe('adding or removing an alarm moves no other alarm to another rule', () => {
    const ruleOfEach = (rules: readonly AlarmRuleSpec[]): Map<string, string> => new Map(rules.flatMap((r) => r.alarmNames.map((n) => [n, r.ruleName] as const)));
    const names = recovering(FOUR_CHANNEL_OVERRIDES, 'us-west-2');

    it('the four-channel DR recoveries: a new alarm inserted at the front, one in the middle, one removed: every other name keeps its rule', () => {
      const before = ruleOfEach(alarmRulesOf('r', names, 2));
      const added = ['NotificationService Queue Depth > 1000 (notification-service-fax-queue)', 'NotificationService Age Of Oldest Message > 600 s (notification-service-fax-queue)'];
      const changed = [added[0]!, ...names.slice(0, 14), added[1]!, ...names.slice(14)].filter((n) => n !== names[20]);
      const after = ruleOfEach(alarmRulesOf('r', changed, 2));
      const moved = names.filter((n) => n !== names[20] && after.get(n) !== before.get(n));
      expect(moved).toEqual([]);
      expect([...after.keys()].sort()).toEqual([...changed].sort());
      expect(after.has(names[20]!)).toBe(false);
    });

    it('for any list of long names, any insertion and any removal, over the buckets they need, no other name changes rule', () => {
      // Names of 80-130 characters, 12-60 of them: lists one pattern cannot hold, so a cut in list order would shift names.
      const alarmName = fc.string({ minLength: 60, maxLength: 110 }).map((s) => `NotificationService ${s}`);
      fc.assert(
        fc.property(fc.uniqueArray(alarmName, { minLength: 12, maxLength: 60 }), alarmName, fc.nat(), fc.nat(), (list, extra, at, drop) => {
          fc.pre(!list.includes(extra));
          // About 8 names a bucket (a rule holds about 16 of these): an overflowing bucket, which is refused, stays rare.
          const buckets = Math.min(MAX_ALARM_RULE_BUCKETS, Math.ceil((list.length + 1) / 8));
          const removed = list[drop % list.length]!;
          const changed = [...list.slice(0, at % (list.length + 1)), extra, ...list.slice(at % (list.length + 1))].filter((n) => n !== removed);
          let before: Map<string, string>;
          let after: Map<string, string>;
          try {
            before = ruleOfEach(alarmRulesOf('r', list, buckets));
            after = ruleOfEach(alarmRulesOf('r', changed, buckets));
          } catch (error) {
            expect(error).toBeInstanceOf(AlarmRuleBucketOverflowError);
            return;
          }
          for (const n of list) if (n !== removed) expect([n, after.get(n)]).toEqual([n, before.get(n)]);
        }),
        { numRuns: 300, endOnFailure: true },
      );
    });
  });

  it('refuses 255-character names (CloudWatch\'s longest) that overflow a bucket, naming the count that fits; with it every rule is under the quota, none lost or repeated', () => {
    const names = Array.from({ length: 10 }, (_, i) => `${'N'.repeat(250)} > ${String(i).padStart(2, '0')}`);
    expect(names.every((n) => n.length === 255)).toBe(true);
    expect(() => alarmRulesOf('r', names, 1)).toThrow(/^alarm rule r: its 10 alarm names make a pattern of 2\d{3} characters \(worst case\).*set the environment's alarmRuleBuckets\["r"\] to 2 /);
    const rules = alarmRulesOf('r', names, 2);
    expect(rules.map((r) => [r.ruleName, r.alarmNames.length])).toEqual([
      ['r', names.filter((n) => alarmRuleBucketOf(n, 2) === 0).length],
      ['r-2', names.filter((n) => alarmRuleBucketOf(n, 2) === 1).length],
    ]);
    expect(rules.flatMap((r) => r.alarmNames).sort()).toEqual(names);
    for (const r of rules) expect(worstCasePatternChars(recoveriesPattern(r.alarmNames))).toBeLessThanOrEqual(ALARM_RULE_PATTERN_BUDGET_CHARS);
  });

  it('writes no rule for an empty bucket, and keeps each bucket\'s name and part whatever the others hold', () => {
    const names = recovering({}, 'us-west-2');
    const rules = alarmRulesOf('r', names, 4);
    const filled = [0, 1, 2, 3].filter((b) => names.some((n) => alarmRuleBucketOf(n, 4) === b));
    expect(rules.map((r) => [r.ruleName, r.part])).toEqual(filled.map((b) => [b === 0 ? 'r' : `r-${b + 1}`, b + 1]));
    expect(filled.length).toBeLessThan(4);
  });

  it('gives no rule for no names, and refuses a bucket count outside 1-10', () => {
    expect(alarmRulesOf('r', [])).toEqual([]);
    expect(() => alarmRulesOf('r', ['a'], 0)).toThrow('alarm rule r: 0 buckets, expected an integer from 1 to 10');
    expect(() => alarmRulesOf('r', ['a'], 11)).toThrow('alarm rule r: 11 buckets, expected an integer from 1 to 10');
  });
});

describe('forwardedAlarmsPattern', () => {
  it('matches state changes by the configuration\'s alarm-name prefix, with its space', () => {
    expect(forwardedAlarmsPattern(configOf({}))).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: 'NotificationService ' }] },
    });
  });

  it.each(['us-east-1', 'us-west-2'])('%s: every alarm of the four-channel configuration is named with that prefix', (region) => {
    const config = configOf(FOUR_CHANNEL_OVERRIDES, region);
    const names = alarmSpecs(config, 'production', region).map((a) => a.name);
    expect(names.length).toBe(region === 'us-west-2' ? 29 : 19);
    expect(names.filter((n) => !n.startsWith(alarmNamePrefix(config)))).toEqual([]);
  });
});
