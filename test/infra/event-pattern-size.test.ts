// Review 21a R21-2, decision 351: every EventBridge rule the app synthesizes has an event pattern within EventBridge's
// "Event pattern size" quota (2,048 characters by default; PutRule refuses more, moto does not check), in the default
// configuration and in a four-channel one (4 queues, 4 consumers: 29 alarms in the DR region (28 before decision 360's Replication Not Active alarm), 19 in the primary, with one
// out-of-memory alarm per consumer since decision 359), single-account and
// cross-account, both regions; and the alarm rules, cut into several where their names need it, still route exactly
// the alarms they did: each alarm's state change reaches its handler, its OK escalate, once each; the workload forwards
// it; an alarm the configuration does not name reaches no handler, forwarded or not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { EVENT_PATTERN_MAX_CHARS, worstCasePatternChars } from '../../shared/config/alarm-rules';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { eventPatternMatches } from '../../sandbox/event-pattern-match';
import { refuseOversizedEventPatterns } from '../../infra/lib/event-pattern-size';
import { FOUR_CHANNEL_OVERRIDES } from '../fixtures/four-channel-config';
import { resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const WORKLOAD = '222222222222';
const OPERATIONS = '111111111111';
const REGIONS = ['us-east-1', 'us-west-2'] as const;
const FOUR_CHANNELS = { config: JSON.stringify(FOUR_CHANNEL_OVERRIDES) };
const CROSS_ACCOUNT = { accounts: { production: WORKLOAD }, operationsAccount: OPERATIONS };

/** Every rule's pattern in the app, as the template hands it to CloudFormation: stack, rule name, JSON length, worst case. */
function patternSizes(synthesized: SynthesizedApp): Array<{ stack: string; rule: string; chars: number; worstCase: number }> {
  return [...synthesized.json].flatMap(([stack, template]) =>
    resourcesOfType(template, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties?.EventPattern !== undefined)
      .map(([id, r]) => ({ stack, rule: String(r.Properties?.Name ?? id), chars: JSON.stringify(r.Properties?.EventPattern).length, worstCase: worstCasePatternChars(r.Properties?.EventPattern) })),
  );
}

describe('every EventBridge rule pattern is within the 2,048-character quota', () => {
  it.each<[string, Record<string, unknown>, number, string]>([
    // Decision 360: the DR region's recoveries name the Replication Not Active alarm too: 1021 -> 1124, 1048 -> 1151
    // (its name, 98 characters with quotes and comma, and 5 of worst-case escaping).
    ['default configuration, single account', {}, 1124, 'notification-runbooks-escalate-recoveries'],
    ['default configuration, cross-account', CROSS_ACCOUNT, 1151, 'notification-runbooks-escalate-recoveries'],
    // Decision 364: the recoveries spread over the fixture's two buckets by each name's hash (was a greedy cut filling the
    // first rule to the budget: 1867 / 1894): the largest is the DR region's bucket 1, 16 of 29 names, 1682 characters
    // worst case (the cross-account pattern 27 more, its account); decision 360's alarm hashes to bucket 2 (13 names).
    ['four channels, single account', FOUR_CHANNELS, 1682, 'notification-runbooks-escalate-recoveries'],
    ['four channels, cross-account', { ...FOUR_CHANNELS, ...CROSS_ACCOUNT }, 1709, 'notification-runbooks-escalate-recoveries'],
  ])('%s: both regions, the largest pattern exactly as expected', (what, context, largestWorstCase, largestRule) => {
    const synthesized = synthesizeApp({ environment: 'production', account: '123456789012', ...context }, { cfnValidation: false });
    try {
      const sizes = patternSizes(synthesized);
      // Both regions' stacks; cross-account, each region's workload stack too.
      const regions = ['us-east-1', 'us-west-2'];
      const stacks = regions.flatMap((r) => [`NotificationRunbooks-production-${r}`, ...(what.includes('cross-account') ? [`NotificationRunbooksWorkload-production-${r}`] : [])]);
      expect([...new Set(sizes.map((s) => s.stack))]).toEqual(stacks);
      expect(sizes.filter((s) => s.chars > EVENT_PATTERN_MAX_CHARS || s.worstCase > EVENT_PATTERN_MAX_CHARS)).toEqual([]);
      const largest = sizes.reduce((a, b) => (b.worstCase > a.worstCase ? b : a));
      expect([largest.rule, largest.worstCase]).toEqual([largestRule, largestWorstCase]);
    } finally {
      synthesized.dispose();
    }
  });

  it('refuses to synthesize a rule whose pattern is over the quota, and takes one exactly at it', () => {
    const ruleOf = (chars: number): App => {
      const app = new App();
      const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
      // {"source":["…"]}: 15 characters around the value.
      new Rule(stack, 'R', { ruleName: 'r', eventPattern: { source: ['x'.repeat(chars - 15)] } });
      refuseOversizedEventPatterns(app);
      return app;
    };
    expect(() => ruleOf(EVENT_PATTERN_MAX_CHARS).synth()).not.toThrow();
    expect(() => ruleOf(EVENT_PATTERN_MAX_CHARS + 1).synth()).toThrow(
      'EventBridge rule S/R/Resource (r) has an event pattern of 2049 characters, over EventBridge\'s "Event pattern size" quota of 2048',
    );
  });
});

type Event = Record<string, unknown>;
const SAMPLE = JSON.parse(readFileSync(join(__dirname, '../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as Event;

/** The fixture as alarm `name` of `account` in `region`, in state `state` (from the other). */
function stateChange(name: string, region: string, state: 'ALARM' | 'OK', account = WORKLOAD): Event {
  const event = structuredClone(SAMPLE) as Event & { detail: { alarmName: string; state: { value: string }; previousState: { value: string } } };
  event.detail.alarmName = name;
  event.detail.state.value = state;
  event.detail.previousState.value = state === 'OK' ? 'ALARM' : 'OK';
  return { ...event, account, region, resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${name}`] };
}

/** What an event reaches in `template`: each rule (on a bus `onBus` accepts) whose pattern matches, as "rule -> target". */
function reached(template: CfnTemplate, event: Event, onBus: (bus: unknown) => boolean): string[] {
  return resourcesOfType(template, 'AWS::Events::Rule')
    .filter(([, r]) => r.Properties?.EventPattern !== undefined && onBus(r.Properties?.EventBusName) && eventPatternMatches(r.Properties.EventPattern, event))
    .flatMap(([, r]) =>
      (r.Properties?.Targets as Array<{ Arn: unknown }>).map((t) => {
        const ref = (t.Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
        const fn = ref === undefined ? undefined : template.Resources[ref];
        return fn?.Type === 'AWS::Lambda::Function' ? String(fn.Properties?.FunctionName).replace(/^notification-runbooks-/, '') : 'forwarded';
      }),
    )
    .sort();
}
const defaultBus = (bus: unknown): boolean => bus === undefined || bus === 'default';

describe('four channels: the alarm rules, several where the names need it, route exactly the alarms they did', () => {
  describe('single account', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', account: WORKLOAD, ...FOUR_CHANNELS }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    // Decision 359: four OOM alarms (was one) - the primary's 19 recoveries no longer fit one rule either; decision 364: the
    // fixture gives the recoveries two buckets (us-east-1 10 + 9, us-west-2 16 + 13 by each name's hash).
    it('each region writes two recoveries rules', () => {
      const names = (region: string): string[] =>
        resourcesOfType(synthesized.json.get(`NotificationRunbooks-production-${region}`)!, 'AWS::Events::Rule')
          .map(([, r]) => String(r.Properties?.Name))
          .filter((n) => n.includes('recoveries'));
      expect(names('us-west-2').sort()).toEqual(['notification-runbooks-escalate-recoveries', 'notification-runbooks-escalate-recoveries-2']);
      expect(names('us-east-1').sort()).toEqual(['notification-runbooks-escalate-recoveries', 'notification-runbooks-escalate-recoveries-2']);
    });

    it.each(REGIONS)('%s: each alarm\'s ALARM reaches its handler only, its OK escalate and its handler, once each', (region) => {
      const template = synthesized.json.get(`NotificationRunbooks-production-${region}`)!;
      const specs = alarmSpecs(synthesized.built.config, 'production', region);
      expect(specs.length).toBe(region === 'us-west-2' ? 29 : 19);
      for (const spec of specs) {
        expect([spec.name, reached(template, stateChange(spec.name, region, 'ALARM'), defaultBus)]).toEqual([spec.name, [spec.handler]]);
        expect([spec.name, reached(template, stateChange(spec.name, region, 'OK'), defaultBus)]).toEqual([spec.name, ['escalate', spec.handler].sort()]);
      }
      // An alarm named like ours that the configuration does not name reaches nothing.
      expect(reached(template, stateChange('NotificationService Queue Depth > 1000 (someone-elses-queue)', region, 'ALARM'), defaultBus)).toEqual([]);
      expect(reached(template, stateChange('NotificationService Queue Depth > 1000 (someone-elses-queue)', region, 'OK'), defaultBus)).toEqual([]);
    });
  });

  describe('cross-account', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', ...CROSS_ACCOUNT, ...FOUR_CHANNELS }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(REGIONS)('%s: the workload forwards each alarm, which reaches its handler (and on OK escalate) on the operations bus; what else it forwards reaches nothing', (region) => {
      const operations = synthesized.json.get(`NotificationRunbooks-production-${region}`)!;
      const workload = synthesized.json.get(`NotificationRunbooksWorkload-production-${region}`)!;
      const [busId] = resourcesOfType(operations, 'AWS::Events::EventBus').find(([, b]) => b.Properties?.Name === 'notification-runbooks') ?? [];
      expect(busId).toBeDefined();
      const projectBus = (bus: unknown): boolean => (bus as { Ref?: string } | undefined)?.Ref === busId;
      const specs = alarmSpecs(synthesized.built.config, 'production', region);
      expect(specs.length).toBe(region === 'us-west-2' ? 29 : 19);
      for (const spec of specs) {
        for (const state of ['ALARM', 'OK'] as const) {
          const event = stateChange(spec.name, region, state);
          expect([spec.name, state, reached(workload, event, defaultBus)]).toEqual([spec.name, state, ['forwarded']]);
          expect([spec.name, state, reached(operations, event, projectBus)]).toEqual([spec.name, state, state === 'OK' ? ['escalate', spec.handler].sort() : [spec.handler]]);
          // The same alarm of another account, put on the bus: nothing.
          expect(reached(operations, stateChange(spec.name, region, state, '444455556666'), projectBus)).toEqual([]);
        }
      }
      // Forwarded by the prefix, refused by every rule on the operations bus: an alarm the configuration does not name.
      const stranger = 'NotificationService Queue Depth > 1000 (someone-elses-queue)';
      for (const state of ['ALARM', 'OK'] as const) {
        expect(reached(workload, stateChange(stranger, region, state), defaultBus)).toEqual(['forwarded']);
        expect(reached(operations, stateChange(stranger, region, state), projectBus)).toEqual([]);
      }
      // Another service's alarm (no "NotificationService " prefix, nor one that only starts like it) is not forwarded.
      for (const other of ['OrderService Queue Depth > 1000 (orders)', 'NotificationServiceV2 Queue Depth > 1000 (x)']) {
        expect(reached(workload, stateChange(other, region, 'ALARM'), defaultBus)).toEqual([]);
      }
    });
  });
});
