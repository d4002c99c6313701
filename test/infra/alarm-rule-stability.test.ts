// Review 21c R21c-4, decision 364: a configuration change that adds or removes alarms moves no other alarm to another
// rule and changes no rule's logical id or name. CloudFormation updates a route's rules one by one (EventBridge's PutRule
// is eventually consistent too): an alarm moved from one rule to another could be in neither for a moment, its state
// change reaching no handler; and a rule whose logical id changed is a delete and a create of the same name. Synthesized:
// the four-channel production override, then the same with a queue inserted in the middle of the list (its alarms land
// mid-list), then with a consumer function removed (its alarms leave mid-list), both regions.
import { EVENT_PATTERN_MAX_CHARS } from '../../shared/config/alarm-rules';
import { FOUR_CHANNEL_OVERRIDES } from '../fixtures/four-channel-config';
import { resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const REGIONS = ['us-east-1', 'us-west-2'] as const;
const ADDED_QUEUE = 'notification-service-fax-queue';
const REMOVED_FUNCTION = 'notification-service-push-consumer';

/** The four-channel override with a queue inserted second (of five): its alarms land in the middle of every route's list. */
function withQueueInserted(): typeof FOUR_CHANNEL_OVERRIDES {
  const changed = structuredClone(FOUR_CHANNEL_OVERRIDES);
  changed.environments.production.resources.queues.splice(1, 0, ADDED_QUEUE);
  return changed;
}

/** The four-channel override without the push consumer: its alarms (out of memory, error rate) leave mid-list. */
function withFunctionRemoved(): typeof FOUR_CHANNEL_OVERRIDES {
  const changed = structuredClone(FOUR_CHANNEL_OVERRIDES);
  const resources = changed.environments.production.resources;
  resources.functions = resources.functions.filter((f) => f !== REMOVED_FUNCTION);
  return changed;
}

interface AlarmRule {
  logicalId: string;
  ruleName: string;
  alarmNames: string[];
  dependsOn: string[];
}

/** Every rule of the template that lists alarm names: logical id, name, names, DependsOn. */
function alarmRules(template: CfnTemplate): AlarmRule[] {
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap(([logicalId, r]) => {
    const names = (r.Properties?.EventPattern as { detail?: { alarmName?: unknown } } | undefined)?.detail?.alarmName;
    if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) return [];
    const dependsOn = r.DependsOn === undefined ? [] : ([] as string[]).concat(r.DependsOn as string | string[]);
    return [{ logicalId, ruleName: String(r.Properties?.Name), alarmNames: names, dependsOn }];
  });
}

/** "<alarm> @ <route>" -> the rule carrying it, a route being a rule name without its bucket suffix. */
function ruleOfEachAlarm(template: CfnTemplate): Map<string, { logicalId: string; ruleName: string }> {
  return new Map(alarmRules(template).flatMap((r) => r.alarmNames.map((n) => [`${n} @ ${r.ruleName.replace(/-\d+$/, '')}`, { logicalId: r.logicalId, ruleName: r.ruleName }] as const)));
}

// The four-channel override as it is, synthesized once for every case below.
let before: SynthesizedApp;
beforeAll(() => {
  before = synthesizeApp({ environment: 'production', account: '123456789012', config: JSON.stringify(FOUR_CHANNEL_OVERRIDES) }, { cfnValidation: false });
});
afterAll(() => before.dispose());

describe.each<[string, () => typeof FOUR_CHANNEL_OVERRIDES, string, string]>([
  ['a queue inserted in the middle', withQueueInserted, ADDED_QUEUE, 'added'],
  ['a consumer function removed', withFunctionRemoved, REMOVED_FUNCTION, 'removed'],
])('four channels, %s: no other alarm moves to another rule (both regions)', (_what, overrides, changedResource, direction) => {
  let after: SynthesizedApp;
  beforeAll(() => {
    // Synthesis runs the pattern-size aspect: the changed configuration (30 alarms in the DR region with the queue) fits too.
    after = synthesizeApp({ environment: 'production', account: '123456789012', config: JSON.stringify(overrides()) }, { cfnValidation: false });
  });
  afterAll(() => after.dispose());
  const stackOf = (app: SynthesizedApp, region: string): CfnTemplate => app.json.get(`NotificationRunbooks-production-${region}`)!;

  it.each(REGIONS)(`%s: every alarm in both keeps its rule (logical id and name) on every route; only the ${direction} resource's alarms differ`, (region) => {
    const was = ruleOfEachAlarm(stackOf(before, region));
    const now = ruleOfEachAlarm(stackOf(after, region));
    const kept = [...was.keys()].filter((k) => now.has(k));
    const differ = [...[...was.keys()].filter((k) => !now.has(k)), ...[...now.keys()].filter((k) => !was.has(k))];
    // The change is real: its alarms left or arrived, on their handler's route and on the recoveries'.
    expect(differ.length).toBeGreaterThanOrEqual(4);
    expect(differ.filter((k) => !k.includes(changedResource))).toEqual([]);
    expect(differ.some((k) => k.endsWith('@ notification-runbooks-escalate-recoveries'))).toBe(true);
    expect(kept.filter((k) => JSON.stringify(now.get(k)) !== JSON.stringify(was.get(k))).map((k) => [k, was.get(k), now.get(k)])).toEqual([]);
    expect(kept.length).toBeGreaterThanOrEqual(was.size - differ.length);
  });

  it.each(REGIONS)('%s: no rule changes logical id or name; a rule whose names changed gained or lost only the changed resource\'s', (region) => {
    const was = new Map(alarmRules(stackOf(before, region)).map((r) => [r.logicalId, r]));
    const now = new Map(alarmRules(stackOf(after, region)).map((r) => [r.logicalId, r]));
    const byName = (rules: Map<string, AlarmRule>) => new Map([...rules.values()].map((r) => [r.ruleName, r.logicalId]));
    expect([...now.keys()].filter((id) => was.has(id)).length).toBeGreaterThanOrEqual(was.size - 1);
    for (const [id, rule] of now) if (was.has(id)) expect([id, rule.ruleName]).toEqual([id, was.get(id)!.ruleName]);
    for (const [name, id] of byName(now)) if (byName(was).has(name)) expect([name, id]).toEqual([name, byName(was).get(name)]);
    for (const [id, rule] of now) {
      const old = was.get(id);
      if (!old) continue;
      const gained = rule.alarmNames.filter((n) => !old.alarmNames.includes(n));
      const lost = old.alarmNames.filter((n) => !rule.alarmNames.includes(n));
      expect([id, [...gained, ...lost].filter((n) => !n.includes(changedResource))]).toEqual([id, []]);
    }
  });

  it.each(REGIONS)('%s: the recoveries route keeps its two buckets; every pattern of the changed configuration is within the quota', (region) => {
    const recoveries = (app: SynthesizedApp) =>
      alarmRules(stackOf(app, region))
        .filter((r) => r.ruleName.startsWith('notification-runbooks-escalate-recoveries'))
        .map((r) => [r.logicalId, r.ruleName]);
    expect(recoveries(before)).toEqual([
      [expect.stringMatching(/^EscalationRoutingAlarmRecoveries[0-9A-F]{8}$/), 'notification-runbooks-escalate-recoveries'],
      [expect.stringMatching(/^EscalationRoutingAlarmRecoveries2[0-9A-F]{8}$/), 'notification-runbooks-escalate-recoveries-2'],
    ]);
    expect(recoveries(after)).toEqual(recoveries(before));
    for (const [, r] of resourcesOfType(stackOf(after, region), 'AWS::Events::Rule')) expect(JSON.stringify(r.Properties?.EventPattern ?? {}).length).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
  });
});

describe('the recoveries rules are chained', () => {
  it('a route\'s bucket 1 depends on bucket 2 and its Lambda permission: CloudFormation creates or updates the higher bucket first', () => {
    const template = before.json.get('NotificationRunbooks-production-us-west-2')!;
    const [first, second] = alarmRules(template).filter((r) => r.ruleName.startsWith('notification-runbooks-escalate-recoveries'));
    const [permission] = resourcesOfType(template, 'AWS::Lambda::Permission').find(([, p]) => JSON.stringify(p.Properties?.SourceArn).includes(second!.logicalId)) ?? [];
    expect(permission).toBeDefined();
    expect(first!.dependsOn).toEqual(expect.arrayContaining([second!.logicalId, permission]));
    expect(second!.dependsOn.filter((d) => d.startsWith('EscalationRoutingAlarmRecoveries'))).toEqual([]);
  });
});

// The refusal itself, at synthesis: a route whose bucket would overflow stops `cdk synth` naming the count to set.
describe('a route whose names overflow its buckets is refused at synthesis', () => {
  it('four channels with the recoveries left at one bucket: synthesis refuses, naming alarmRuleBuckets and 2', () => {
    const oneBucket = structuredClone(FOUR_CHANNEL_OVERRIDES) as { environments: { production: Record<string, unknown> } };
    delete oneBucket.environments.production.alarmRuleBuckets;
    expect(() => synthesizeApp({ environment: 'production', account: '123456789012', config: JSON.stringify(oneBucket) }, { cfnValidation: false })).toThrow(
      /alarm rule notification-runbooks-escalate-recoveries: its \d+ alarm names make a pattern of \d+ characters \(worst case\), over the 1900 .* set the environment's alarmRuleBuckets\["notification-runbooks-escalate-recoveries"\] to 2/,
    );
  });
});
