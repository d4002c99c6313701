// Which of AWS's own events reach which handler: every EventBridge rule a production stack deploys, its pattern as
// synthesized, matched against the samples (test/unit/events/aws-samples, test/fixtures/events) as EventBridge matches
// (sandbox/event-pattern-match.ts, what the sandbox answers for events:TestEventPattern), in single-account and
// cross-account mode, in both regions (decision 287). What each handler then does with what reaches it:
// test/unit/events/aws-samples.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { eventPatternMatches } from '../../sandbox/event-pattern-match';
import { resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const WORKLOAD = '123456789012'; // the samples' own account
const OPERATIONS = '111111111111';
const SAMPLES = join(__dirname, '../unit/events/aws-samples');
const FIXTURES = join(__dirname, '../fixtures/events');

type Event = Record<string, unknown>;

/** Every sample that is an event EventBridge could carry (JSON; the published text that is not JSON is left out), by file. */
function allSamples(): Array<[string, Event]> {
  const found: Array<[string, Event]> = [];
  for (const file of readdirSync(SAMPLES).filter((f) => f.endsWith('.json') && f !== 'fixtures-sources.json')) {
    const { event, text } = JSON.parse(readFileSync(join(SAMPLES, file), 'utf8')) as { event?: Event; text?: string };
    if (event) found.push([file, event]);
    else if (text !== undefined) {
      try {
        found.push([file, JSON.parse(text) as Event]);
      } catch {
        // configuration-change-update-with-suppressor-as-published.json: the page's text is not JSON, so no event.
      }
    }
  }
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) found.push([`fixtures/${file}`, JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Event]);
  return found;
}
const sampleNamed = (name: string): Event => {
  const found = allSamples().find(([file]) => file === `${name}.json` || file === `fixtures/${name}.json`);
  if (!found) throw new Error(`no sample ${name}`);
  return structuredClone(found[1]);
};

/** The event as alarm `name` of `account` in `region` would carry it: detail.alarmName, resources[0], region and account. */
function asAlarm(event: Event, name: string, region: string, account = WORKLOAD): Event {
  const copy = structuredClone(event) as Event & { detail?: { alarmName?: string }; resources?: string[]; alarmData?: { alarmName?: string } };
  if (copy.detail) copy.detail.alarmName = name;
  if (copy.alarmData) copy.alarmData.alarmName = name;
  if (copy.resources) copy.resources = [`arn:aws:cloudwatch:${region}:${account}:alarm:${name}`];
  if ('region' in copy) copy.region = region;
  if ('account' in copy) copy.account = account;
  return copy;
}

/** The account's default bus, where CloudWatch (and SSM) put their events: a rule there names it or no bus at all. */
const onDefaultBus = (bus: unknown): boolean => bus === undefined || bus === 'default';

/**
 * The handlers (or the bus a rule forwards to) whose rule in `template`, on a bus `onBus` accepts, matches `event`,
 * sorted. A rule on another bus never sees the event.
 */
function reached(template: CfnTemplate, event: Event, onBus: (bus: unknown) => boolean = onDefaultBus): string[] {
  const names: string[] = [];
  for (const [, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const pattern = rule.Properties?.EventPattern;
    if (pattern === undefined || !onBus(rule.Properties?.EventBusName) || !eventPatternMatches(pattern, event)) continue;
    for (const target of rule.Properties?.Targets as Array<{ Arn: unknown }>) {
      const ref = (target.Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
      const fn = ref === undefined ? undefined : template.Resources[ref];
      names.push(fn?.Type === 'AWS::Lambda::Function' ? String(fn.Properties?.FunctionName).replace(/^notification-runbooks-/, '') : `forwarded to ${JSON.stringify(target.Arn)}`);
    }
  }
  return names.sort();
}

const REGIONS = ['us-east-1', 'us-west-2'] as const;

describe('the alarm rules on AWS samples (single account, production)', () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthesizeApp({ environment: 'production', account: WORKLOAD }, { cfnValidation: false });
  });
  afterAll(() => synthesized.dispose());
  const specs = (region: string) => alarmSpecs(synthesized.built.config, 'production', region);

  /** What the event reaches where EventBridge delivers it: its own region's bus (no stack of ours in any other region). */
  const deliveredTo = (event: Event): string[] => {
    const stack = synthesized.json.get(`NotificationRunbooks-production-${String(event.region)}`);
    return stack ? reached(stack, event) : [];
  };

  // AWS's samples name alarms of their own (ServerCpuTooHigh, ServiceAggregatedAlarm, ...): no rule names them. The
  // project's own fixtures and one adapted sample are named for its alarms; the kill switch's change is escalate's. The
  // 5XXError fixture names an alarm this deployment no longer has (Connection Timeout's is the 504 log metric's): nothing.
  it('every sample as published reaches no handler, but those named for one of the project\'s alarms', () => {
    const reaching = allSamples()
      .map(([file, event]) => [file, deliveredTo(event)] as const)
      .filter(([, handlers]) => handlers.length > 0);
    expect(Object.fromEntries(reaching)).toEqual({
      'adapted-anomaly-band-over-queue-depth.json': ['scale-consumers'],
      'fixtures/alarm-state-change-api-gateway-latency-p99.json': ['check-db-connections'],
      'fixtures/alarm-state-change-lambda-error-rate.json': ['alert-error-rate'],
      'fixtures/alarm-state-change-log-metric-filter.json': ['raise-lambda-memory'],
      'fixtures/alarm-state-change-rds-cpu.json': ['scale-up-database'],
      'fixtures/parameter-store-change-update.json': ['escalate'],
    });
  });

  const stateChanges = (): Array<[string, Event]> => allSamples().filter(([, event]) => event['detail-type'] === 'CloudWatch Alarm State Change' && 'detail' in event);
  /** The single-metric example gone back to OK: its two states exchanged. */
  const backToOk = (): Event => {
    const event = sampleNamed('alarm-state-change-single-metric') as { detail: { state: unknown; previousState: unknown } };
    [event.detail.state, event.detail.previousState] = [event.detail.previousState, event.detail.state];
    return event as unknown as Event;
  };

  // Whatever kind of alarm it describes (single metric, metric math, anomaly band, composite, Metrics Insights), muted
  // or suppressed, replayed from an archive (replay-name: decision 274 keeps the rules open to replays), INSUFFICIENT_DATA
  // or ALARM: the rule routes by name, and the handler decides (test/unit/events/aws-samples.test.ts).
  it.each(REGIONS)('%s: every state change sample, as each of the region\'s alarms, reaches that alarm\'s handler and no other', (region) => {
    // 13 of test/fixtures/events, 14 adapted or captured samples: 27 exactly.
    expect(stateChanges()).toHaveLength(27);
    for (const spec of specs(region)) {
      for (const [file, event] of stateChanges()) {
        expect([spec.name, file, deliveredTo(asAlarm(event, spec.name, region))]).toEqual([spec.name, file, [spec.handler]]);
      }
    }
  });

  it.each(REGIONS)('%s: each alarm\'s OK also reaches escalate, which resolves its incident', (region) => {
    for (const spec of specs(region)) {
      expect([spec.name, deliveredTo(asAlarm(backToOk(), spec.name, region))]).toEqual([spec.name, ['escalate', spec.handler].sort()]);
    }
  });

  it.each(REGIONS)('%s: a configuration change, a contributor state change, an alarm action\'s payload or an envelope without detail, as each of the region\'s alarms, reaches nothing', (region) => {
    const others = [
      'configuration-change-create-composite',
      'configuration-change-create-composite-with-suppressor',
      'configuration-change-delete-metric-math',
      'configuration-change-delete-composite-with-suppressor',
      'alarm-configuration-change-update',
      'alarm-contributor-state-change',
      'lambda-alarm-action-metric',
      'lambda-alarm-action-composite-suppression-ended',
      'envelope-with-alarmdata-instead-of-detail',
    ];
    for (const spec of specs(region)) {
      for (const name of others) expect([name, deliveredTo(asAlarm(sampleNamed(name), spec.name, region))]).toEqual([name, []]);
    }
  });
});

describe('the alarm rules on AWS samples (cross-account mode, production)', () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthesizeApp({ environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: OPERATIONS }, { cfnValidation: false });
  });
  afterAll(() => synthesized.dispose());
  const stack = (name: string): CfnTemplate => {
    const found = synthesized.json.get(name);
    if (!found) throw new Error(`no stack ${name}`);
    return found;
  };

  // The workload account forwards its alarms' state changes, unchanged, from its default bus to the operations account's
  // bus (the runbook stack's project bus), where the handlers' rules take only the workload account's. An event with the account right and the ARN naming another passes
  // the rule: the parser refuses it (resources[0] ... does not match; test/unit/events/aws-samples.test.ts).
  it.each(REGIONS)('%s: a state change of the workload\'s alarm is forwarded and reaches its handler; another account\'s, with the same name, reaches none', (region) => {
    const operations = stack(`NotificationRunbooks-production-${region}`);
    const workload = stack(`NotificationRunbooksWorkload-production-${region}`);
    const bus = `forwarded to ${JSON.stringify(`arn:aws:events:${region}:${OPERATIONS}:event-bus/notification-runbooks`)}`;
    // The bus the workload forwards to, by its name: the rules on it are the ones that see what is forwarded.
    const [busId] = resourcesOfType(operations, 'AWS::Events::EventBus').find(([, b]) => b.Properties?.Name === 'notification-runbooks') ?? [];
    expect(busId).toBeDefined();
    const onProjectBus = (bus: unknown): boolean => (bus as { Ref?: string } | undefined)?.Ref === busId;
    const handlersOf = (event: Event): string[] => reached(operations, event, onProjectBus);
    for (const spec of alarmSpecs(synthesized.built.config, 'production', region)) {
      const ours = asAlarm(sampleNamed('alarm-state-change-single-metric'), spec.name, region);
      expect([spec.name, reached(workload, ours), handlersOf(ours)]).toEqual([spec.name, [bus], [spec.handler]]);
      const theirs = asAlarm(sampleNamed('alarm-state-change-single-metric'), spec.name, region, '444455556666');
      expect([spec.name, handlersOf(theirs)]).toEqual([spec.name, []]);
      const arnOfAnother = { ...ours, resources: [`arn:aws:cloudwatch:${region}:444455556666:alarm:${spec.name}`] };
      expect([spec.name, handlersOf(arnOfAnother)]).toEqual([spec.name, [spec.handler]]);
    }
  });
});
