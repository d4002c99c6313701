// The alarm rules' patterns within EventBridge's size quota (review 21a R21-2, decision 351): a route's names cut into
// as few rules as fit, in order, none lost or repeated; the workload's forwarding rule by the alarm-name prefix.
import { ALARM_RULE_PATTERN_BUDGET_CHARS, alarmRulesOf, EVENT_PATTERN_MAX_CHARS, forwardedAlarmsPattern, worstCasePatternChars } from '../../../shared/config/alarm-rules';
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

describe('alarmRulesOf', () => {
  it('keeps a route that fits in one rule of its own name (the default configuration: 11 recoveries in the DR region)', () => {
    const names = recovering({}, 'us-west-2');
    expect(names).toHaveLength(11);
    expect(alarmRulesOf('notification-runbooks-escalate-recoveries', names)).toEqual([{ ruleName: 'notification-runbooks-escalate-recoveries', alarmNames: names }]);
  });

  // Decision 359 (R21-3): one out-of-memory alarm per consumer, three more names than the 25 / 2,361 characters this was
  // written with (the sms, push and webhook consumers' OOM alarm names: 124 + 125 + 128 characters with quotes and comma).
  // Decision 360 (R21-4, redone): the DR Replication Not Active alarm, one more name (98 characters with quotes and comma).
  it('cuts the four-channel DR recoveries (29 alarms, 2,836 characters in one cross-account pattern) into 17 + 12, in order, each within the budget', () => {
    const names = recovering(FOUR_CHANNEL_OVERRIDES, 'us-west-2');
    expect(names).toHaveLength(29);
    expect(JSON.stringify(recoveriesPattern(names)).length).toBe(2361 + 124 + 125 + 128 + 98);
    const rules = alarmRulesOf('notification-runbooks-escalate-recoveries', names);
    expect(rules.map((r) => [r.ruleName, r.alarmNames.length])).toEqual([
      ['notification-runbooks-escalate-recoveries', 17],
      ['notification-runbooks-escalate-recoveries-2', 12],
    ]);
    expect(rules.flatMap((r) => r.alarmNames)).toEqual(names);
    expect(rules.map((r) => worstCasePatternChars(recoveriesPattern(r.alarmNames)))).toEqual([1815, 1320]);
    // The first rule is as full as the budget allows: one more name would not fit.
    expect(worstCasePatternChars(recoveriesPattern(names.slice(0, 18)))).toBeGreaterThan(ALARM_RULE_PATTERN_BUDGET_CHARS);
  });

  it('gives 255-character names (CloudWatch\'s longest) six to a rule, every rule under the quota, none lost or repeated', () => {
    const names = Array.from({ length: 10 }, (_, i) => `${'N'.repeat(250)} > ${String(i).padStart(2, '0')}`);
    expect(names.every((n) => n.length === 255)).toBe(true);
    const rules = alarmRulesOf('r', names);
    expect(rules.map((r) => r.alarmNames.length)).toEqual([6, 4]);
    expect(rules.map((r) => r.ruleName)).toEqual(['r', 'r-2']);
    expect(rules.flatMap((r) => r.alarmNames)).toEqual(names);
    for (const r of rules) expect(worstCasePatternChars(recoveriesPattern(r.alarmNames))).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
  });

  it('gives no rule for no names', () => {
    expect(alarmRulesOf('r', [])).toEqual([]);
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
