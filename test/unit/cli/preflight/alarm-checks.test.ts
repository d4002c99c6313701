// Preflight's alarm and routing checks against mocked CloudWatch and EventBridge: definitions, the ALARM route to each
// handler and the OK route to escalate, each proven by TestEventPattern on an event built from the alarm.
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms, checkRouting } from '../../../../cli/preflight/alarm-checks';
import { preflightCommand } from '../../../../cli/preflight';
import { EXIT } from '../../../../cli/exit-codes';
import { AREA_ACTIONS } from '../../../../cli/preflight/run-preflight';
import { couldNotCheck } from '../../../../cli/preflight/types';
import { putMetricAlarmInput } from '../../../../sandbox/provision';
import { preflightExpectations } from '../../../../cli/preflight/expectations';
import { handlerDeclarations } from '../../../../cli/preflight/declarations';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import { FOUR_CHANNEL_OVERRIDES } from '../../../fixtures/four-channel-config';
import { ACCOUNT, awsError, clients, expectationsFor, TARGET } from './support';

const cloudWatch = mockClient(CloudWatchClient);
const events = mockClient(EventBridgeClient);
const expected = expectationsFor('production');
const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

/** The alarms as infra defines them (the sandbox's PutMetricAlarm input from the same specs). */
function liveAlarms(): Map<string, MetricAlarm> {
  return new Map(expected.alarms.map((spec) => [spec.name, { ...(putMetricAlarmInput(spec) as MetricAlarm), AlarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${spec.name}` }]));
}

/** Patterns by rule; TestEventPattern answers by a real check of alarm name and state, independent of the code's events. */
function rules(patterns: Record<string, { alarms: string[]; states?: string[]; target: string; ruleState?: string } | undefined>): void {
  events.reset();
  events.on(DescribeRuleCommand).callsFake((input: { Name: string }) => {
    const rule = patterns[input.Name];
    if (!rule) throw awsError('ResourceNotFoundException');
    return { EventPattern: JSON.stringify({ alarms: rule.alarms, states: rule.states ?? null }), State: rule.ruleState ?? 'ENABLED' };
  });
  events.on(ListTargetsByRuleCommand).callsFake((input: { Rule: string }) => ({ Targets: [{ Id: 't', Arn: patterns[input.Rule]?.target }] }));
  events.on(TestEventPatternCommand).callsFake((input: { EventPattern: string; Event: string }) => {
    const p = JSON.parse(input.EventPattern) as { alarms: string[]; states: string[] | null };
    const e = JSON.parse(input.Event) as { detail: { alarmName: string; state: { value: string } } };
    return { Result: p.alarms.includes(e.detail.alarmName) && (p.states === null || p.states.includes(e.detail.state.value)) };
  });
}

function deployed(): Record<string, { alarms: string[]; states?: string[]; target: string }> {
  const out: Record<string, { alarms: string[]; states?: string[]; target: string }> = {};
  for (const h of expected.handlers) if (h.ruleName) out[h.ruleName] = { alarms: h.alarmNames, target: fnArn(h.functionName) };
  out['notification-runbooks-escalate-recoveries'] = { alarms: expected.alarms.map((a) => a.name), states: ['OK'], target: fnArn('notification-runbooks-escalate') };
  return out;
}

const run = async (): Promise<ReturnType<typeof checkRouting>> => checkRouting(clients(), expected, TARGET, liveAlarms(), new Map());

it('every alarm as defined, its ALARM reaching its handler and its OK reaching escalate: all PASS', async () => {
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [...liveAlarms().values()] });
  const alarms = await checkAlarms(clients(), expected);
  expect(alarms.results.map((r) => r.status)).toEqual(Array<string>(expected.alarms.length).fill('PASS'));
  rules(deployed());
  const results = await run();
  expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
  expect(results.filter((r) => r.check === 'alarm-reaches-rule')).toHaveLength(expected.alarms.length);
  expect(results.filter((r) => r.check === 'ok-reaches-escalate')).toHaveLength(expected.alarms.length);
  // The OK route is tested with an OK event: a pattern for ALARM only would not pass it.
  const okEvents = events.commandCalls(TestEventPatternCommand).map((c) => JSON.parse(c.args[0].input.Event ?? '{}') as { detail: { state: { value: string }; previousState: { value: string } } });
  expect(okEvents.filter((e) => e.detail.state.value === 'OK' && e.detail.previousState.value === 'ALARM')).toHaveLength(expected.alarms.length);
});

// Every alarm of the region: 7 since Queue Backup's low-water alarm (decision 185), whose OK reaches escalate like every alarm's
// (escalate ignores a restore signal's state changes since decision 205; the rule is the same one).
it.each([
  ['the recoveries rule misses the alarm', (r: ReturnType<typeof deployed>, name: string) => ({ ...r, 'notification-runbooks-escalate-recoveries': { ...r['notification-runbooks-escalate-recoveries']!, alarms: r['notification-runbooks-escalate-recoveries']!.alarms.filter((a) => a !== name) } }), 1, 'does not match rule notification-runbooks-escalate-recoveries\'s pattern'],
  ['the recoveries rule lets ALARM through only', (r: ReturnType<typeof deployed>) => ({ ...r, 'notification-runbooks-escalate-recoveries': { ...r['notification-runbooks-escalate-recoveries']!, states: ['ALARM'] } }), 7, 'does not match'],
  ['the recoveries rule does not exist', (r: ReturnType<typeof deployed>) => ({ ...r, 'notification-runbooks-escalate-recoveries': undefined }), 7, 'rule notification-runbooks-escalate-recoveries does not exist'],
  ['the recoveries rule targets another function', (r: ReturnType<typeof deployed>) => ({ ...r, 'notification-runbooks-escalate-recoveries': { ...r['notification-runbooks-escalate-recoveries']!, target: fnArn('other') } }), 7, 'does not target notification-runbooks-escalate'],
])('%s: ok-reaches-escalate FAILs', async (_case, plant, failing, text) => {
  const alarm = expected.alarms[0]?.name ?? '';
  rules(plant(deployed(), alarm));
  const failed = (await run()).filter((r) => r.status === 'FAIL');
  expect(failed).toHaveLength(failing);
  expect(failed.every((r) => r.check === 'ok-reaches-escalate' && r.message.includes(text) && r.message.includes('never resolves its incident'))).toBe(true);
  expect(failed.map((r) => r.subject)).toContain(alarm);
});

// Review 11a finding 3: routing was proven with TestEventPattern only, and a DISABLED rule matches no event (DisableRule).
describe('a rule whose pattern matches but which is not enabled delivers nothing: routing FAILs', () => {
  const scaleRule = 'notification-runbooks-scale-consumers';
  const recoveries = 'notification-runbooks-escalate-recoveries';

  it.each(['DISABLED', 'SOMETHING_NEW'])("the scale-consumers rule %s: each of its alarms' ALARM route FAILs, naming the state, and nothing else", async (state) => {
    const r = deployed();
    rules({ ...r, [scaleRule]: { ...r[scaleRule]!, ruleState: state } });
    const failed = (await run()).filter((x) => x.status !== 'PASS');
    const handler = expected.handlers.find((h) => h.ruleName === scaleRule);
    expect(failed.map((x) => `${x.check} ${x.subject}`)).toEqual((handler?.alarmNames ?? []).map((a) => `alarm-reaches-rule ${a}`));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]?.message).toContain(`matches rule ${scaleRule}'s pattern, but its state is ${state}: a disabled rule matches no event: scale-consumers never runs for it, and nobody is paged for it`);
    expect(failed[0]?.fix).toMatch(new RegExp(`^aws events enable-rule --name ${scaleRule} \\(after checking why it was disabled\\)`));
  });

  it('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS is enabled: all PASS', async () => {
    const r = deployed();
    rules({ ...r, [scaleRule]: { ...r[scaleRule]!, ruleState: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' } });
    expect((await run()).filter((x) => x.status !== 'PASS')).toEqual([]);
  });

  it('the recoveries rule DISABLED: every OK route FAILs (no incident would resolve)', async () => {
    const r = deployed();
    rules({ ...r, [recoveries]: { ...r[recoveries]!, ruleState: 'DISABLED' } });
    const failed = (await run()).filter((x) => x.status !== 'PASS');
    expect(failed.map((x) => x.check)).toEqual(Array<string>(expected.alarms.length).fill('ok-reaches-escalate'));
    expect(failed[0]?.message).toContain(`matches rule ${recoveries}'s pattern, but its state is DISABLED: a disabled rule matches no event: an OK of`);
  });
});

it('an alarm with another threshold is a FAIL with both figures; a missing one names its row', async () => {
  const live = [...liveAlarms().values()];
  cloudWatch.reset();
  // The third alarm (Memory Pressure's) missing: the second is Queue Backup's low-water alarm since decision 185 (below).
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ ...live[0], Threshold: 2000 }, ...live.slice(1, 2), ...live.slice(3)] });
  const { results } = await checkAlarms(clients(), expected);
  expect(results.filter((r) => r.status === 'FAIL').map((r) => r.check)).toEqual(['alarm-definition', 'alarm-exists']);
  expect(results[0]?.message).toBe(`alarm "${expected.alarms[0]?.name ?? ''}": threshold 2000, expected ${expected.alarms[0]?.threshold ?? ''}`);
  expect(expected.alarms[2]?.rowId).toBe('memory-pressure');
  expect(results[2]?.message).toContain(`does not exist: ${expected.alarms[2]?.rowId ?? ''} goes undetected`);
});

describe("Queue Backup's low-water alarm, the restore signal (decisions 185, 205): preflight checks it exists as expected", () => {
  const name = 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)';
  const answer = (change: (alarm: MetricAlarm) => MetricAlarm | undefined): void => {
    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [...liveAlarms().values()].flatMap((alarm) => (alarm.AlarmName === name ? (change(alarm) ?? []) : [alarm])) });
  };
  const failures = async (): Promise<Array<[string, string]>> =>
    (await checkAlarms(clients(), expected)).results.filter((r) => r.status !== 'PASS').map((r) => [r.check, r.message]);

  it.each<[string, (alarm: MetricAlarm) => MetricAlarm | undefined, string, string]>([
    ['missing', () => undefined, 'alarm-exists', `alarm "${name}" does not exist: scale-consumers waits for it to restore the baseline once the backlog has drained: without it, consumers scaled up for a backlog stay scaled up`],
    ['at another watermark', (a) => ({ ...a, Threshold: 1000 }), 'alarm-definition', `alarm "${name}": threshold 1000, expected 100`],
    // Decision 185's inverted alarm (in ALARM whenever the service is healthy, review 12 R12-10), left by an older deploy.
    ['"less than" on 5 of 5 (decision 185\'s, in ALARM whenever the queue is quiet)', (a) => ({ ...a, ComparisonOperator: 'LessThanThreshold', DatapointsToAlarm: 5 }), 'alarm-definition', `alarm "${name}": comparison LessThanThreshold, expected GreaterThanOrEqualToThreshold; datapoints to alarm 5, expected 1`],
    ['"greater than" 100 (100 itself would count as drained)', (a) => ({ ...a, ComparisonOperator: 'GreaterThanThreshold' }), 'alarm-definition', `alarm "${name}": comparison GreaterThanThreshold, expected GreaterThanOrEqualToThreshold`],
    ['on one minute instead of five', (a) => ({ ...a, EvaluationPeriods: 1 }), 'alarm-definition', `alarm "${name}": evaluation periods 1, expected 5`],
    ['treating missing data as breaching (a deleted queue would restore)', (a) => ({ ...a, TreatMissingData: 'breaching' }), 'alarm-definition', `alarm "${name}": missing data treated as breaching, expected missing`],
  ])('FAILs it %s, naming what differs', async (_case, change, check, message) => {
    answer(change);
    expect(await failures()).toEqual([[check, message]]);
  });

  it('PASSes it as infra defines it', async () => {
    answer((alarm) => alarm);
    expect(await failures()).toEqual([]);
    expect(expected.alarms.filter((a) => a.restoreSignal).map((a) => a.name)).toEqual([name]);
  });
});

it('AccessDenied on DescribeAlarms propagates to the area guard (run-preflight), which names the permission', async () => {
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).rejects(awsError('AccessDenied', 'User: x is not authorized to perform: cloudwatch:DescribeAlarms'));
  const error = await checkAlarms(clients(), expected).then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ name: 'AccessDenied' });
  expect(couldNotCheck('alarms', 'alarms', error, AREA_ACTIONS.alarms)).toMatchObject({ status: 'FAIL', check: 'could-not-check', message: 'could not check alarms: AccessDenied: preflight is not allowed cloudwatch:DescribeAlarms' });
});

describe('an HTTP API configured (dependencies.apis[].type http): the High Latency alarm expected by ApiId', () => {
  const ID = 'a1b2c3d4e5';
  const http = expectationsFor('production', 'single-account', { dependencies: { apis: [{ name: 'notification-service-api', type: 'http', id: ID, functionName: 'notification-service-consumer' }] } });
  const latencyName = 'NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)';
  const latency = http.alarms.find((a) => a.name === latencyName);

  it('PASSes the alarm on Latency by ApiId, and FAILs one still watching ApiName (a metric an HTTP API never publishes)', async () => {
    expect(latency?.metric).toMatchObject({ metric: { namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: { ApiId: ID } } });
    const live = http.alarms.map((spec) => putMetricAlarmInput(spec) as MetricAlarm);
    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: live });
    expect((await checkAlarms(clients(), http)).results.filter((r) => r.status !== 'PASS')).toEqual([]);
    const restShaped = live.map((alarm) => (alarm.AlarmName === latencyName ? { ...alarm, Dimensions: [{ Name: 'ApiName', Value: 'notification-service-api' }] } : alarm));
    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: restShaped });
    const failed = (await checkAlarms(clients(), http)).results.filter((r) => r.status === 'FAIL');
    expect(failed.map((r) => [r.subject, r.message])).toEqual([
      [latencyName, `alarm "${latencyName}": dimensions [{"Name":"ApiName","Value":"notification-service-api"}], expected {"ApiId":"${ID}"}`],
    ]);
  });

  it('refuses to start without the HTTP API\'s id, naming the field, before any AWS call', async () => {
    const saved = { ...process.env };
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((message: string) => void errors.push(message));
    cloudWatch.reset();
    try {
      process.env.RUNBOOK_CONFIG_JSON = JSON.stringify({ dependencies: { apis: [{ name: 'notification-service-api', type: 'http', functionName: 'notification-service-consumer' }] } });
      process.env.AWS_REGION = 'us-east-1';
      expect(await preflightCommand({ environment: 'production' })).toBe(EXIT.usage);
    } finally {
      spy.mockRestore();
      process.env = saved;
    }
    expect(errors).toEqual([expect.stringContaining('runbook preflight: Invalid runbook configuration: dependencies.apis.0.id: HTTP API notification-service-api (type http)')]);
    expect(cloudWatch.calls()).toHaveLength(0);
  });
});

// Decision 342: where a route's names exceed one event pattern, infra writes several rules; each alarm is checked
// against the rule that names it. Four channels in the DR region: 29 alarms, the recoveries in the two buckets the fixture
// gives them (16 + 13 by each name's hash; decisions 359, 360, 364): decision 360's Replication Not Active alarm hashes to
// the second bucket and joins that rule; the first rule's 16 names are unchanged (worst case 1709 of the 1900 budget).
describe('four channels in the DR region: the recoveries in two rules', () => {
  const region = 'us-west-2';
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_CONFIG_JSON: JSON.stringify(FOUR_CHANNEL_OVERRIDES) });
  const dr = preflightExpectations(config, 'production', region, handlerDeclarations('single-account'));
  const target = { ...TARGET, region };
  const arnIn = (name: string): string => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
  const live = (): Map<string, MetricAlarm> =>
    new Map(dr.alarms.map((spec) => [spec.name, { ...(putMetricAlarmInput(spec) as MetricAlarm), AlarmArn: `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${spec.name}` }]));
  /** Every rule as infra writes it: each handler's, each recoveries rule with its own alarms. */
  const deployedDr = (): Record<string, { alarms: string[]; states?: string[]; target: string }> => ({
    ...Object.fromEntries(dr.handlers.flatMap((h) => h.rules.map((r) => [r.ruleName, { alarms: r.alarmNames, target: arnIn(h.functionName) }]))),
    ...Object.fromEntries(dr.okRoute.recoveriesRules.map((r) => [r.ruleName, { alarms: r.alarmNames, states: ['OK'], target: arnIn('notification-runbooks-escalate') }])),
  });
  const runDr = () => checkRouting(clients(), dr, target, live(), new Map());

  it('expects two recoveries rules of 16 and 13 alarms, and every route PASSes against them', async () => {
    expect(dr.alarms).toHaveLength(29);
    expect(dr.okRoute.recoveriesRules.map((r) => [r.ruleName, r.alarmNames.length])).toEqual([
      ['notification-runbooks-escalate-recoveries', 16],
      ['notification-runbooks-escalate-recoveries-2', 13],
    ]);
    expect(dr.okRoute.recoveriesRules[1]!.alarmNames).toContain('NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)');
    rules(deployedDr());
    const results = await runDr();
    expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
    expect(results.filter((r) => r.check === 'ok-reaches-escalate')).toHaveLength(29);
    expect(results.filter((r) => r.check === 'ok-reaches-escalate' && r.message.includes('rule notification-runbooks-escalate-recoveries-2 '))).toHaveLength(13);
  });

  it('the second recoveries rule missing: exactly its 13 alarms FAIL, naming it', async () => {
    const { 'notification-runbooks-escalate-recoveries-2': _second, ...others } = deployedDr();
    rules(others);
    const failed = (await runDr()).filter((r) => r.status !== 'PASS');
    expect(failed.map((r) => `${r.check} ${r.subject}`)).toEqual(dr.okRoute.recoveriesRules[1]!.alarmNames.map((a) => `ok-reaches-escalate ${a}`));
    expect(failed[0]?.message).toMatch(/^rule notification-runbooks-escalate-recoveries-2 does not exist: an OK of ".+" never resolves its incident/);
  });

  it('one deployed recoveries rule listing all 29 (what EventBridge would refuse) does not pass for the second', async () => {
    const all = { alarms: dr.okRoute.recoveriesRules.flatMap((r) => r.alarmNames), states: ['OK'], target: arnIn('notification-runbooks-escalate') };
    const { 'notification-runbooks-escalate-recoveries-2': _second, ...others } = deployedDr();
    rules({ ...others, 'notification-runbooks-escalate-recoveries': all });
    expect((await runDr()).filter((r) => r.status !== 'PASS').map((r) => r.subject)).toEqual(dr.okRoute.recoveriesRules[1]!.alarmNames);
  });
});
