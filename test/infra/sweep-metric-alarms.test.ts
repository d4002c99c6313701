// Decision 311: a sweep that refuses a record of its own (decisions 292, 299, 300) returns success and counts it; the
// health alarm on each count must be on exactly what the handler emits. Both sides are read, not copied (as decision
// 300's sweep-backlog-alarm.test.ts): each refusal is made to happen in the real handler (escalation-timer's or
// verify-change's factory, services handed in), the Embedded Metric Format lines Powertools writes are parsed, and the
// metric that refusal adds (against a control run that differs only in not refusing) must be watched by exactly one
// alarm of the synthesized production stack, the one named for it, with that namespace, name and dimensions, paging the
// health topic. Then preflight's own judgement (cli/preflight/sweep-metric-alarm-checks.ts) is run on the alarms infra
// synthesizes, in both regions: each heard as deployed. Decision 317: the verify sweep falling behind likewise, made to
// happen in verify-change's real handler (the function at its reserve, its listed checks left for the next sweep), its
// alarm 2 of 3 periods (decision 319) of the verify sweep rule's own rate, read from the synthesized rule.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { handlerDeclarations } from '../../cli/preflight/declarations';
import { preflightExpectations } from '../../cli/preflight/expectations';
import { expectedSweepMetricAlarms, sweepMetricAlarmProblems } from '../../cli/preflight/sweep-metric-alarm-checks';
import { AUTOMATION_HEALTH_TOPIC_NAME, SWEEP_RESERVE_MS, sweepMetricAlarmSpecs } from '../../shared/config/automation-health';
import { VERIFY_SWEEP_RULE } from '../../shared/config/names';
import { createEscalationTimerHandler } from '../../shared/escalation/create-escalation-timer-handler';
import type { EscalationServices } from '../../shared/escalation/escalation-service';
import { SWEEP_INPUT } from '../../shared/escalation/timer-input';
import { TransientError } from '../../shared/errors';
import { createVerifyChangeHandler } from '../../shared/pipeline/create-verify-change-handler';
import type { VerifyChangeServices } from '../../shared/pipeline/verify-change';
import { StateRecordError } from '../../shared/state/state-records';
import { resolveIntrinsics } from './support/cfn-policies';
import { emitted, type EmittedMetric } from './support/emf';
import { resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const ACCOUNT = '123456789012';
const ENV = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_ACCOUNT_ID: ACCOUNT };
const MINUTE_MS = 60_000;
const NOW = new Date('2026-11-25T15:00:00.000Z');
const clock = { now: () => NOW, sleep: async () => undefined };
const notExpected = (what: string): unknown => new Proxy({}, { get: (_t, name) => async () => Promise.reject(new Error(`${what}.${String(name)}: not expected`)) });
/** `calls` answered, any other call of the object rejected (so a refusal path that calls more than it should fails). */
function only<T extends object>(what: string, calls: T): T {
  return new Proxy(calls, { get: (target, name) => (name in target ? target[name as keyof T] : async () => Promise.reject(new Error(`${what}.${String(name)}: not expected`))) });
}

const FORGED_HELD = { key: { pk: 'ESCALATION-HELD', sk: 'inc-3f2a9c1b7d44#C9' }, issues: ['tellAll: not a field the automation writes'] };
const FORGED_OPEN = { key: { pk: 'ESCALATION-OPEN', sk: '2026-11-25T14:00:00.000+0000#x' }, issues: ['incidentId: must be an incident id (inc- and 12 hex digits)'] };
const HELD = { incidentId: 'inc-3f2a9c1b7d44', cycle: 1, dueAt: new Date(NOW.getTime() - 20 * MINUTE_MS).toISOString() };
const REFUSED_INCIDENT = new StateRecordError({ pk: 'ESCALATION#inc-3f2a9c1b7d44', sk: 'INCIDENT' }, ['status: Invalid option']);

interface EscalationWorld {
  held?: (typeof HELD)[];
  refusedHeld?: (typeof FORGED_HELD)[];
  refusedOpen?: (typeof FORGED_OPEN)[];
  /** The held resolution's refused runs after this one is counted (3: set aside). */
  runs?: number;
}

/** One escalation sweep by escalation-timer's real handler, its store handed in: the metrics it emits. */
async function escalationSweep(world: EscalationWorld): Promise<EmittedMetric[]> {
  const store = only('store', {
    listUnresolved: async () => ({ incidents: [], refused: world.refusedOpen ?? [] }),
    heldResolutions: async () => ({ held: world.held ?? [], refused: world.refusedHeld ?? [] }),
    listSends: async () => [],
    get: async () => Promise.reject(REFUSED_INCIDENT),
    countHeldRefusal: async () => world.runs,
    setHeldAside: async () => undefined,
  });
  const services = { store, notifier: notExpected('notifier'), timers: notExpected('timers'), alarms: notExpected('alarms'), records: notExpected('records') } as unknown as Partial<EscalationServices>;
  const handler = createEscalationTimerHandler({ env: ENV, services, clock, killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } });
  return emitted(async () => {
    // A held resolution's refused run throws (that sweep's failed invocation is the page, decision 292); the others answer.
    await handler(SWEEP_INPUT, { getRemainingTimeInMillis: () => 60_000 }).catch((error: unknown) => {
      if (!(world.held?.length && error instanceof TransientError)) throw error;
    });
  });
}

const CHECK = { playbook: 'scale-consumers', incidentKey: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:Queue#2026-11-25T14:30:00.000+0000`, dueAt: new Date(NOW.getTime() - 12 * MINUTE_MS).toISOString() };
const FORGED_DUE = { key: { pk: 'VERIFY-DUE', sk: 'verify-forged' }, issues: ['attempts: not a field the automation writes'] };

/**
 * One verify sweep by verify-change's real handler, its store handed in: the metrics it emits. `remainingMs`: what the
 * function has left whenever the sweep asks (60 s unless said; at SWEEP_RESERVE_MS it starts nothing, decision 293).
 */
async function verifySweep(world: { due?: (typeof CHECK)[]; refused?: (typeof FORGED_DUE)[]; claim?: Error; remainingMs?: number; answer?: RegExp }): Promise<EmittedMetric[]> {
  const store = only('store', {
    verifyDue: async () => ({ due: world.due ?? [], refused: world.refused ?? [] }),
    getClaim: async () => Promise.reject(world.claim),
  });
  const handler = createVerifyChangeHandler({ env: ENV, clock, services: { store } as unknown as Partial<VerifyChangeServices> });
  return emitted(async () => {
    // A check that failed for another reason than a refused record makes the sweep throw (retried); the refused one does not.
    const answer = await handler(SWEEP_INPUT, { getRemainingTimeInMillis: () => world.remainingMs ?? 60_000 }).then(
      (result) => result.reason,
      (error: unknown) => {
        if (world.claim instanceof StateRecordError || !(error instanceof TransientError)) throw error;
        return error.message;
      },
    );
    if (world.answer) expect(answer).toMatch(world.answer);
  });
}

/** The metrics of `run` that `control` (the same world without the refusal) does not emit. */
const added = (run: EmittedMetric[], control: EmittedMetric[]): EmittedMetric[] => run.filter((m) => !control.some((c) => c.name === m.name));

const THROTTLED = new TransientError('DynamoDB GetItem throttled');
/** Two listed checks 12 min overdue, both records' reads left for the next sweep (the function at its reserve) or throttled. */
const TWO_DUE = [CHECK, { ...CHECK, incidentKey: CHECK.incidentKey.replace('14:30', '14:31') }];

/** Each case, the world that makes it happen and its control, the alarm that must watch what it adds. */
const REFUSALS: Array<[string, string, () => Promise<EmittedMetric[]>, () => Promise<EmittedMetric[]>]> = [
  ['a held resolution entry refused (decision 292)', 'notification-runbooks escalation sweep refusing a held resolution entry', () => escalationSweep({ refusedHeld: [FORGED_HELD] }), () => escalationSweep({})],
  ['a held resolution set aside on its 3rd refused run (decision 292)', 'notification-runbooks escalation sweep setting a held resolution aside', () => escalationSweep({ held: [HELD], runs: 3 }), () => escalationSweep({ held: [HELD], runs: 1 })],
  ['an unresolved incident record refused (decision 300)', 'notification-runbooks escalation sweep refusing an unresolved incident record', () => escalationSweep({ refusedOpen: [FORGED_OPEN] }), () => escalationSweep({})],
  ['a listed health check entry refused (decision 299)', 'notification-runbooks verify sweep refusing a listed health check', () => verifySweep({ refused: [FORGED_DUE] }), () => verifySweep({})],
  [
    "a listed health check whose own record is refused (decision 299)",
    'notification-runbooks verify sweep unable to judge a health check',
    () => verifySweep({ due: [CHECK], claim: new StateRecordError({ pk: `INCIDENT#${CHECK.incidentKey}`, sk: 'CLAIM#scale-consumers' }, ['intent: forged']) }),
    () => verifySweep({ due: [CHECK], claim: THROTTLED }),
  ],
];

/**
 * A sweep falling behind (decisions 300, 317): 300's own test (sweep-backlog-alarm.test.ts) has the escalation sweep
 * leave timers; here the verify sweep leaves its listed checks: the function at its reserve, none is read, both counted
 * left for the next sweep. Control: the same two checks with time enough, their records' reads throttled (the sweep
 * throws to be retried, counting neither run nor left).
 */
const BACKLOGS: Array<[string, string, () => Promise<EmittedMetric[]>, () => Promise<EmittedMetric[]>]> = [
  [
    'the verify sweep leaving its listed checks for the next sweep (decision 293)',
    'notification-runbooks verify sweep leaving overdue health checks',
    () => verifySweep({ due: TWO_DUE, remainingMs: SWEEP_RESERVE_MS, answer: /^swept 0 of 2 health checks; 2 left for the next sweep \(5 min on\)/ }),
    () => verifySweep({ due: TWO_DUE, claim: THROTTLED, answer: /^verify sweep: 2 failed of 2 listed health checks/ }),
  ],
];

/** The alarm on what `metric` a handler emitted: exactly one, the one named, on its namespace, name and dimensions. */
function watching(template: CfnTemplate, metric: EmittedMetric, alarmName: string): Record<string, unknown> | undefined {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties?.MetricName === metric.name);
  expect(alarms.map(([, a]) => a.Properties?.AlarmName)).toEqual([alarmName]);
  const alarm = alarms[0]?.[1].Properties;
  expect({
    Namespace: alarm?.Namespace,
    MetricName: alarm?.MetricName,
    Dimensions: [...((alarm?.Dimensions as Array<{ Name: string; Value: string }> | undefined) ?? [])].sort((a, b) => a.Name.localeCompare(b.Name)),
  }).toEqual({
    Namespace: metric.namespace,
    MetricName: metric.name,
    Dimensions: Object.entries(metric.dimensions)
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => a.Name.localeCompare(b.Name)),
  });
  // Decision 319 (review 19 R19-15): the unit the handler really writes is the spec's (preflight FAILs an alarm whose
  // Unit is set otherwise), and the alarm leaves Unit unset or names that unit.
  const spec = sweepMetricAlarmSpecs('production').find((s) => s.alarmName === alarmName);
  expect(metric.unit).toBe(spec?.unit);
  expect(metric.unit).toBe('Count');
  expect([undefined, metric.unit]).toContain(alarm?.Unit);
  return alarm;
}

describe('the sweeps\' refused-record and backlog alarms watch what the handlers emit (decisions 311, 317)', () => {
  let synthesized: SynthesizedApp;
  let template: CfnTemplate;
  let healthTopicId: string;
  beforeAll(() => {
    synthesized = synthesizeApp({ environment: 'production', account: ACCOUNT }, { cfnValidation: false });
    const found = synthesized.json.get('NotificationRunbooks-production-us-east-1');
    if (!found) throw new Error(`no us-east-1 stack among ${[...synthesized.json.keys()].join(', ')}`);
    template = found;
    healthTopicId = resourcesOfType(template, 'AWS::SNS::Topic').find(([, t]) => t.Properties?.TopicName === AUTOMATION_HEALTH_TOPIC_NAME)?.[0] ?? '';
  });
  afterAll(() => synthesized.dispose());

  it.each(REFUSALS)('%s: the one metric it adds is watched by exactly one alarm, "%s", on its namespace and dimensions: Sum over 5 min, > 0 in 1 of 3, missing data not breaching, paging the health topic', async (_case, alarmName, refuse, control) => {
    const metrics = added(await refuse(), await control());
    expect(metrics).toHaveLength(1);
    const metric = metrics[0] as EmittedMetric;
    expect(Object.keys(metric.dimensions).length).toBeGreaterThan(0);
    const alarm = watching(template, metric, alarmName);
    expect(alarm).toMatchObject({ Statistic: 'Sum', Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm?.AlarmActions).toEqual([{ Ref: healthTopicId }]);
  });

  it.each(BACKLOGS)('%s: the one metric it adds, the number left, is watched by exactly one alarm, "%s", on its namespace and dimensions: Sum over 5 min (the sweep rule\'s rate), > 0 in 2 of 3 (decision 319), missing data not breaching, paging the health topic', async (_case, alarmName, leave, control) => {
    const metrics = added(await leave(), await control());
    expect(metrics.map((m) => m.value)).toEqual([2]);
    const metric = metrics[0] as EmittedMetric;
    expect(metric.dimensions).toMatchObject({ playbook: 'verify-change' });
    const alarm = watching(template, metric, alarmName);
    const rule = resourcesOfType(template, 'AWS::Events::Rule').find(([, r]) => r.Properties?.Name === VERIFY_SWEEP_RULE)?.[1].Properties;
    expect(rule?.ScheduleExpression).toBe(`rate(${Number(alarm?.Period) / 60} minutes)`);
    expect(alarm).toMatchObject({ Statistic: 'Sum', Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm?.AlarmActions).toEqual([{ Ref: healthTopicId }]);
  });

  it.each(['us-east-1', 'us-west-2'])("%s: preflight judges each sweep metric alarm infra synthesizes heard as deployed; without the health topic action, named", (region) => {
    const stack = synthesized.json.get(`NotificationRunbooks-production-${region}`);
    if (!stack) throw new Error('no stack');
    const d = { partition: 'aws', region, account: ACCOUNT };
    const specs = expectedSweepMetricAlarms(preflightExpectations(synthesized.built.config, 'production', region, handlerDeclarations()));
    expect(specs).toHaveLength(7);
    const healthArn = `arn:aws:sns:${region}:${ACCOUNT}:${AUTOMATION_HEALTH_TOPIC_NAME}`;
    for (const spec of specs) {
      const found = resourcesOfType(stack, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties?.AlarmName === spec.alarmName);
      if (!found) throw new Error(`no alarm ${spec.alarmName} in ${region}`);
      // CloudFormation's properties are DescribeAlarms' fields (ActionsEnabled defaults to true).
      const alarm = { ActionsEnabled: true, ...(resolveIntrinsics(found[1].Properties, stack, d) as MetricAlarm) };
      expect(alarm.AlarmActions).toEqual([healthArn]);
      expect({ alarm: spec.alarmName, problems: sweepMetricAlarmProblems(alarm, spec, healthArn) }).toEqual({ alarm: spec.alarmName, problems: [] });
      expect(sweepMetricAlarmProblems({ ...alarm, AlarmActions: [] }, spec, healthArn)).toEqual([`its ALARM actions (none) do not notify the automation health topic ${healthArn}`]);
    }
  });
});
