// Table-driven tests of the pure consumer-scaling planner.
import { planConsumerScaling as planScalingFor, type QueueBackupObservation, type ConsumerScalingChange, type QueueBackupPlanInput } from '../../../shared/playbooks/queue-backup-plan';
import type { ResourceState } from '../../../shared/state/incident-store';
import type { Plan } from '../../../shared/pipeline/types';

import { metricRead, restoreSignalAlarm, rowAlarm } from '../../support/corroborating-readings';

/** The queue's depth alarm as production's configuration defines it (> 1000): the plans here read depths above it unless a case says otherwise. */
const DEPTH_ALARM = { alarmName: rowAlarm('queue-backup').alarmName, configured: rowAlarm('queue-backup') };
const planConsumerScaling = (input: Omit<QueueBackupPlanInput, 'alarm'> & Partial<Pick<QueueBackupPlanInput, 'alarm'>>) => planScalingFor({ alarm: DEPTH_ALARM, ...input });

/** The queue's low-water alarm as production's configuration defines it (>= 100, 1 of 5 one-minute periods: decision 205). */
const LOW_WATER_ALARM = { alarmName: restoreSignalAlarm().alarmName, configured: restoreSignalAlarm() };

const policy = { stepConcurrency: 50, maxConcurrency: 400, consumerErrorRatePercent: 5, errorRateWindowMinutes: 5, minUnreservedConcurrency: 100 };

function observation(overrides: Partial<QueueBackupObservation> = {}): QueueBackupObservation {
  return {
    queueName: 'notification-service-queue',
    queueDepth: 1500,
    mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 50 }],
    functions: { consumer: { reservedConcurrency: 100, errors: 1, invocations: 1000 } },
    account: { concurrentExecutions: 1000, unreservedConcurrentExecutions: 900 },
    ...overrides,
  };
}

function change(plan: Plan<ConsumerScalingChange>): ConsumerScalingChange {
  if (plan.kind !== 'change') throw new Error(`expected a change, got ${plan.kind}: ${plan.reason}`);
  return plan.change;
}

describe('planConsumerScaling on ALARM', () => {
  it('raises MaximumConcurrency by one step when reserved concurrency leaves room', () => {
    const plan = planConsumerScaling({ state: 'ALARM', observation: observation(), policy, resourceState: undefined });
    expect(change(plan)).toEqual({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 50, to: 100 }], reservedConcurrency: [] });
    expect(plan.kind === 'change' && plan.baseline).toEqual({ mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } });
  });

  it('raises reserved concurrency too when it binds, keeping the account unreserved pool at or above 100', () => {
    const obs = observation({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }] });
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined });
    expect(change(plan)).toEqual({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 150 }],
      reservedConcurrency: [{ functionName: 'consumer', from: 100, to: 150 }],
    });
  });

  it('grants only what the account can spare above its 100 unreserved executions', () => {
    const obs = observation({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }],
      account: { concurrentExecutions: 1000, unreservedConcurrentExecutions: 120 },
    });
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined });
    expect(change(plan)).toEqual({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 120 }],
      reservedConcurrency: [{ functionName: 'consumer', from: 100, to: 120 }],
    });
  });

  it('escalates instead of scaling when the account has no concurrency to spare and reserved concurrency binds', () => {
    const obs = observation({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }],
      account: { concurrentExecutions: 1000, unreservedConcurrentExecutions: 100 },
    });
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'cap-reached' });
  });

  it('does not raise reserved concurrency when the account settings could not be read', () => {
    const obs = observation({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 80 }], account: undefined });
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined });
    expect(change(plan)).toEqual({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 80, to: 100 }], reservedConcurrency: [] });
  });

  it.each([
    ['the environment cap', 400, 380, 400],
    ['AWS maximum of 1000', 1000, 990, 1000],
  ])('never plans past %s', (_label, cap, current, expected) => {
    const obs = observation({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: current }],
      functions: { consumer: {} },
    });
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy: { ...policy, maxConcurrency: cap }, resourceState: undefined });
    expect(change(plan).mappings[0]?.to).toBe(expected);
  });

  it('escalates when the consumers are already at the environment cap', () => {
    const obs = observation({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 400 }], functions: { consumer: {} } });
    expect(planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined })).toMatchObject({
      kind: 'escalate',
      cause: 'cap-reached',
    });
  });

  it('does not scale a consumer whose error rate is above 5%', () => {
    const obs = observation({ functions: { consumer: { reservedConcurrency: 100, errors: 60, invocations: 1000 } } });
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'consumer-failing' });
    expect(plan.kind === 'escalate' && plan.reason).toContain('6.0%');
  });

  it('scales a consumer with no invocations yet (error rate unknown)', () => {
    const obs = observation({ functions: { consumer: { reservedConcurrency: 100 } } });
    expect(planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined }).kind).toBe('change');
  });

  it('escalates when the queue has no enabled consumer', () => {
    const obs = observation({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Disabled', maximumConcurrency: 50 }] });
    expect(planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined })).toMatchObject({ kind: 'escalate' });
  });

  it('escalates when the mapping has no MaximumConcurrency to raise', () => {
    const obs = observation({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled' }] });
    expect(planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined })).toMatchObject({
      kind: 'escalate',
      cause: 'cap-reached',
    });
  });
});

/** The depth alarm's OK as CloudWatch evaluated it: the backlog's minute, then its first minute under 1000 (decision 263). */
const DRAINED_UNDER_THRESHOLD = metricRead([1500, 400]);

describe('planConsumerScaling on OK', () => {
  const scaledUp = observation({
    mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 150 }],
    functions: { consumer: { reservedConcurrency: 150 } },
    alarmMetric: DRAINED_UNDER_THRESHOLD,
  });
  const state = (baseline?: Record<string, unknown>): ResourceState => ({ version: 1, changeTimesSeconds: [], ...(baseline ? { baseline } : {}) });

  it('restores the recorded baseline of the mapping and the reserved concurrency', () => {
    const plan = planConsumerScaling({
      state: 'OK',
      observation: scaledUp,
      policy,
      resourceState: state({ mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } }),
    });
    expect(change(plan)).toEqual({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 150, to: 50 }],
      reservedConcurrency: [{ functionName: 'consumer', from: 150, to: 100 }],
    });
    expect(plan.kind === 'change' && plan.clearsBaseline).toBe(true);
  });

  it('removes reserved concurrency that did not exist at baseline', () => {
    const plan = planConsumerScaling({
      state: 'OK',
      observation: scaledUp,
      policy,
      resourceState: state({ mappings: { 'esm-1': 150 }, reservedConcurrency: { consumer: null } }),
    });
    expect(change(plan).reservedConcurrency).toEqual([{ functionName: 'consumer', from: 150, to: null }]);
  });

  it('does nothing when the automation never scaled the queue', () => {
    expect(planConsumerScaling({ state: 'OK', observation: scaledUp, policy, resourceState: undefined }).kind).toBe('none');
  });

  it('does nothing when the consumers are already back at baseline', () => {
    const plan = planConsumerScaling({
      state: 'OK',
      observation: scaledUp,
      policy,
      resourceState: state({ mappings: { 'esm-1': 150 }, reservedConcurrency: { consumer: 150 } }),
    });
    expect(plan.kind).toBe('none');
  });
});

describe('planConsumerScaling with a low watermark: the baseline comes back only once the backlog has drained (decision 185)', () => {
  const lowWater = { messages: 100, evaluationMinutes: 5, alarmName: 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)' };
  const baseline = { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } };
  const recorded: ResourceState = { version: 3, changeTimesSeconds: [1000], lastScaleUpAtSeconds: 1000, baseline };
  const scaledUp = (queueDepth: number | undefined): QueueBackupObservation => {
    const { queueDepth: _depth, ...rest } = observation({
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }],
      functions: { consumer: { reservedConcurrency: 100 } },
    });
    return queueDepth === undefined ? rest : { ...rest, queueDepth };
  };
  const restore = { mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 50 }], reservedConcurrency: [] };

  it.each<[string, 'depth' | 'low-water', 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', number | undefined, ResourceState | undefined, 'restore' | RegExp]>([
    // The field's case: 1500 queued, the alarm's first minute under 1000 is an OK at 980; halving the drain rate then is wrong.
    ['waits at the depth alarm\'s first OK with the backlog still 980 deep, keeping the baseline', 'depth', 'OK', 980, recorded, /^restore waits for the low-water alarm ".*Queue Over Low Water >= 100 in 5 min.*" to go OK \(the queue under 100 messages for 5 min\): the queue still holds 980 messages at this OK, at or above the low watermark of 100; nothing changed, the recorded baseline is kept$/],
    ['waits at an OK exactly at the watermark (100 is not under 100)', 'depth', 'OK', 100, recorded, /still holds 100 messages at this OK, at or above the low watermark of 100/],
    ['waits at an OK whose depth could not be read: not known to have drained', 'depth', 'OK', undefined, recorded, /the queue's depth could not be read at this OK, so it is not known to have drained/],
    ['restores at an OK when a short burst already drained under the watermark', 'depth', 'OK', 40, recorded, 'restore'],
    // Decision 205: the low-water alarm's OK (under the watermark for 5 min) is the restore signal, its ALARM nothing.
    ['restores the recorded baseline at the low-water alarm\'s OK (queue empty)', 'low-water', 'OK', 0, recorded, 'restore'],
    ['restores at the low-water OK with the queue at 99', 'low-water', 'OK', 99, recorded, 'restore'],
    ['restores at the low-water OK on the alarm\'s word when the depth is not answered', 'low-water', 'OK', undefined, recorded, 'restore'],
    ['does nothing at a low-water OK with no scale-up recorded (the usual drain of a queue nobody scaled, and a quiet service)', 'low-water', 'OK', 0, undefined, /^nothing to restore: the queue notification-service-queue has drained and the automation has not scaled its consumers$/],
    ['does nothing at a low-water OK whose scale-up was already restored (the baseline cleared)', 'low-water', 'OK', 0, { version: 4, changeTimesSeconds: [1000, 1400], lastRestoreAtSeconds: 1400 }, /^nothing to restore/],
    ['waits when a new burst came between the low-water OK and the read: 350 queued again', 'low-water', 'OK', 350, recorded, /^restore waits: the low-water alarm went OK, but the queue holds 350 messages again, at or above the low watermark of 100; .* kept for the low-water alarm's next OK$/],
    ['waits at a low-water OK exactly at the watermark (100 is not under 100)', 'low-water', 'OK', 100, recorded, /^restore waits: the low-water alarm went OK, but the queue holds 100 messages again/],
    ['does nothing at the low-water alarm\'s ALARM (the queue at or above the watermark: a backlog or its tail)', 'low-water', 'ALARM', 0, recorded, /only its OK \(the queue drained\) restores/],
    ['does nothing at the low-water alarm\'s INSUFFICIENT_DATA (a deleted queue publishes nothing)', 'low-water', 'INSUFFICIENT_DATA', 0, recorded, /is INSUFFICIENT_DATA: only its OK \(the queue drained\) restores/],
    ['does nothing at the depth alarm\'s OK when nothing was scaled', 'depth', 'OK', 980, undefined, /^nothing to restore: the automation has not scaled the consumers of notification-service-queue$/],
  ])('%s', (_case, signal, state, depth, resourceState, expected) => {
    // The low-water alarm's OK as CloudWatch bears it out: five minutes under 100 (decision 249, its own cases below).
    // The depth alarm's OK as CloudWatch bears it out: its newest minute under 1000 (decision 263, its own cases below).
    const signalled =
      signal === 'low-water'
        ? { alarm: LOW_WATER_ALARM, observation: { ...scaledUp(depth), alarmMetric: metricRead([0, 0, 0, 0, 0]) } }
        : { observation: { ...scaledUp(depth), alarmMetric: DRAINED_UNDER_THRESHOLD } };
    const plan = planConsumerScaling({ state, signal, policy, resourceState, lowWater, ...signalled });
    if (expected === 'restore') {
      expect(plan).toMatchObject({ kind: 'change', direction: 'restore', clearsBaseline: true, change: restore });
      return;
    }
    expect(plan.kind).toBe('none');
    expect(plan.kind === 'none' && plan.reason).toMatch(expected);
    // Waiting keeps what it waits with in view: the recorded baseline is named, never dropped.
    if (plan.kind === 'none' && /waits/.test(plan.reason)) expect(plan.findings).toEqual([`recorded baseline: ${JSON.stringify(baseline)}`]);
  });

  it('scales up on the depth alarm\'s ALARM while a baseline is recorded (a flap back over 1000), keeping the first baseline', () => {
    const plan = planConsumerScaling({ state: 'ALARM', signal: 'depth', observation: { ...scaledUp(1200), functions: { consumer: { reservedConcurrency: 200 } } }, policy, resourceState: recorded, lowWater });
    expect(plan).toMatchObject({ kind: 'change', direction: 'scale-up', change: { mappings: [{ uuid: 'esm-1', from: 100, to: 150 }] } });
  });

  it('refuses a recorded baseline below the floor at the low-water OK, as at the depth OK: escalated, nothing restored', () => {
    const forged: ResourceState = { ...recorded, baseline: { mappings: { 'esm-1': 1 }, reservedConcurrency: { consumer: 100 } } };
    const plan = planConsumerScaling({
      state: 'OK',
      signal: 'low-water',
      alarm: LOW_WATER_ALARM,
      observation: { ...scaledUp(0), alarmMetric: metricRead([0, 0, 0, 0, 0]) },
      policy: { ...policy, minMaximumConcurrency: 50 },
      resourceState: forged,
      lowWater,
    });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'guardrail' });
  });

  it('restores at the first OK, whatever the depth, where no watermark is configured (a table without lowWater)', () => {
    const plan = planConsumerScaling({ state: 'OK', observation: { ...scaledUp(980), alarmMetric: DRAINED_UNDER_THRESHOLD }, policy, resourceState: recorded });
    expect(plan).toMatchObject({ kind: 'change', direction: 'restore', change: restore });
  });
});

describe('planConsumerScaling corroborates the depth alarm before a scale-up (decision 217)', () => {
  const bar = 'ApproximateNumberOfMessagesVisible (Maximum) in CloudWatch';
  it.each<[string, Partial<QueueBackupObservation>, string]>([
    // The finding (review 11b F3): SetAlarmState ALARM on the depth alarm of an empty queue scaled 50 -> 100.
    ['an empty queue and no datapoint (the alarm set by hand: SetAlarmState)', { queueDepth: 0, alarmMetric: metricRead([]) }, `queue depth 0 is not > 1000 (the alarm's threshold, from the configuration), and AWS/SQS ${bar}`],
    ['a depth at the threshold of a > alarm, CloudWatch under it', { queueDepth: 1000, alarmMetric: metricRead([900, 1000]) }, '900, 1000 (0 > 1000, 1 needed)'],
    ['a depth SQS did not answer, no datapoint', { queueDepth: undefined, alarmMetric: metricRead([]) }, 'could not be read (SQS answered no ApproximateNumberOfMessages)'],
    ['a low depth, the metric unreadable', { queueDepth: 3, alarmMetric: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } }, "the alarm's metric could not be read (CloudWatch GetMetricData failed: AccessDenied)"],
    ['a low depth, the metric not read', { queueDepth: 3 }, "the alarm's metric was not read"],
  ])('scales nothing and pages: %s', (_situation, overrides, said) => {
    const obs = observation(overrides);
    if ('queueDepth' in overrides && overrides.queueDepth === undefined) delete obs.queueDepth;
    const plan = planConsumerScaling({ state: 'ALARM', observation: obs, policy, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated' });
    expect(plan.kind === 'escalate' && plan.reason).toContain(`alarm "${DEPTH_ALARM.alarmName}" not corroborated`);
    expect(plan.kind === 'escalate' && plan.reason).toContain(said);
    expect(plan.kind === 'escalate' && plan.reason).toContain('nothing changed');
  });

  it('scales nothing for an alarm this deployment does not define, whatever the depth', () => {
    const plan = planConsumerScaling({ state: 'ALARM', observation: observation({ queueDepth: 5000 }), policy, resourceState: undefined, alarm: { alarmName: 'not ours' } });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated', reason: expect.stringContaining('threshold is unknown') });
  });

  it('scales up on one message over a > 1000 alarm, without needing the metric', () => {
    const plan = planConsumerScaling({ state: 'ALARM', observation: observation({ queueDepth: 1001 }), policy, resourceState: undefined });
    expect(change(plan).mappings).toEqual([{ uuid: 'esm-1', functionName: 'consumer', from: 50, to: 100 }]);
    expect(plan.kind === 'change' && plan.findings).toBeFalsy();
  });

  it('scales up on a backlog drained since its datapoint, saying CloudWatch bore the alarm out', () => {
    const plan = planConsumerScaling({ state: 'ALARM', observation: observation({ queueDepth: 40, alarmMetric: metricRead([1500]) }), policy, resourceState: undefined });
    expect(change(plan).mappings).toEqual([{ uuid: 'esm-1', functionName: 'consumer', from: 50, to: 100 }]);
    expect(plan.kind === 'change' && plan.findings).toEqual([expect.stringMatching(/^queue depth 40 is not > 1000 .* now, but CloudWatch bears out the alarm: AWS\/SQS ApproximateNumberOfMessagesVisible .*: 1500 \(1 > 1000, 1 needed\)$/)]);
  });

  it('pages for the consumer first when it fails: every other reason not to scale still comes before the depth', () => {
    const plan = planConsumerScaling({ state: 'ALARM', observation: observation({ queueDepth: 0, functions: { consumer: { reservedConcurrency: 100, errors: 200, invocations: 1000 } } }), policy, resourceState: undefined });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'consumer-failing' });
  });

  it('restores nothing at the OK of a depth alarm this deployment does not define: its threshold and window are unknown (decision 263)', () => {
    const resourceState: ResourceState = { version: 2, changeTimesSeconds: [], baseline: { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } } };
    const plan = planConsumerScaling({
      state: 'OK',
      observation: observation({ queueDepth: 0, alarmMetric: DRAINED_UNDER_THRESHOLD, mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }] }),
      policy,
      resourceState,
      alarm: { alarmName: DEPTH_ALARM.alarmName },
    });
    expect(plan).toMatchObject({ kind: 'none', reason: expect.stringContaining("it is not an alarm this deployment's configuration defines, so its threshold and window are unknown") });
  });
});

// R14-6's twin (decision 263): SetAlarmState OK on the depth alarm right after a genuine scale-up restored whenever the
// visible depth was under the watermark at that instant (in-flight messages are not visible). Its OK is a claim too.
describe('planConsumerScaling corroborates the depth alarm\'s OK before a restore (decision 263)', () => {
  const baseline = { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } };
  const recorded: ResourceState = { version: 3, changeTimesSeconds: [1000], lastScaleUpAtSeconds: 1000, baseline };
  const lowWater = { messages: 100, evaluationMinutes: 5, alarmName: LOW_WATER_ALARM.alarmName };
  const scaledUp = (overrides: Partial<QueueBackupObservation>): QueueBackupObservation =>
    observation({ queueDepth: 0, mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }], functions: { consumer: { reservedConcurrency: 100 } }, ...overrides });
  const planAt = (overrides: Partial<QueueBackupObservation>, watermark: typeof lowWater | null = lowWater) =>
    planConsumerScaling({ state: 'OK', signal: 'depth', observation: scaledUp(overrides), policy, resourceState: recorded, ...(watermark ? { lowWater: watermark } : {}) });
  const metric = 'AWS/SQS ApproximateNumberOfMessagesVisible (Maximum) in CloudWatch';

  it.each<[string, Partial<QueueBackupObservation>, string]>([
    // The finding's twin: the backlog's 1500 in the newest minute, the depth alarm put in OK by hand after the scale-up.
    ['the backlog\'s datapoint in the newest minute (the OK set by hand after a scale-up)', { alarmMetric: metricRead([1500]) }, `${metric} shows 1500 at 2026-12-06T12:05:00.000Z (> 1000, the alarm's threshold) in its 1 period from 2026-12-06T12:05:00.000Z to 2026-12-06T12:06:00.000Z: 1500: the backlog is still over the alarm's threshold in CloudWatch`],
    ['a minute under 1000 before the backlog\'s newest one', { alarmMetric: metricRead([400, 1500]) }, 'shows 1500 at 2026-12-06T12:05:00.000Z (> 1000'],
    ['one message over the threshold in the newest minute', { alarmMetric: metricRead([400, 1001]) }, 'shows 1001 at 2026-12-06T12:05:00.000Z (> 1000'],
    ['no datapoint at all (CloudWatch would be INSUFFICIENT_DATA, not OK)', { alarmMetric: metricRead([]) }, `${metric} from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: no datapoints: the queue is not known to have drained`],
    ['the metric unreadable', { alarmMetric: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } }, 'its metric could not be read (CloudWatch GetMetricData failed: AccessDenied), so the queue is not known to have drained'],
    ['the metric not read', {}, 'its metric was not read, so the queue is not known to have drained'],
  ])('waits, nothing changed and the baseline kept: %s', (_situation, overrides, said) => {
    const plan = planAt(overrides);
    expect(plan.kind).toBe('none');
    expect(plan.kind === 'none' && plan.reason).toContain(`restore waits for the low-water alarm "${LOW_WATER_ALARM.alarmName}" to go OK (the queue under 100 messages for 5 min): the depth alarm "${DEPTH_ALARM.alarmName}" went OK, but `);
    expect(plan.kind === 'none' && plan.reason).toContain(said);
    expect(plan.kind === 'none' && plan.reason).toMatch(/; nothing changed, the recorded baseline is kept$/);
    expect(plan.kind === 'none' && plan.findings).toEqual([`recorded baseline: ${JSON.stringify(baseline)}`]);
  });

  it('waits where no watermark is configured too: the first OK restores only when CloudWatch bears it out', () => {
    const plan = planAt({ queueDepth: 980, alarmMetric: metricRead([1500]) }, null);
    expect(plan).toMatchObject({ kind: 'none', reason: expect.stringMatching(/^restore waits for the depth alarm's next OK: the depth alarm ".*" went OK, but .* shows 1500 at /) });
    expect(planAt({ queueDepth: 980, alarmMetric: metricRead([1500, 980]) }, null)).toMatchObject({ kind: 'change', direction: 'restore' });
  });

  it('checks the depth now first: a queue still at the watermark waits for the low-water alarm whatever CloudWatch says', () => {
    expect(planAt({ queueDepth: 150, alarmMetric: metricRead([1500, 400]) })).toMatchObject({ kind: 'none', reason: expect.stringContaining('the queue still holds 150 messages at this OK') });
  });

  it.each<[string, QueueBackupObservation['alarmMetric']]>([
    ['the backlog\'s minute, then its first minute under 1000 (the OK CloudWatch evaluated)', metricRead([1500, 400])],
    ['exactly the threshold in the newest minute (1000 is not > 1000)', metricRead([1500, 1000])],
    ['a gap before the newest minute: the newest datapoint is the one judged', metricRead([1500, undefined, 30])],
  ])('restores when the queue is under the watermark now and CloudWatch bears the OK out: %s', (_situation, alarmMetric) => {
    expect(planAt({ alarmMetric })).toMatchObject({ kind: 'change', direction: 'restore', clearsBaseline: true, change: { mappings: [{ uuid: 'esm-1', from: 100, to: 50 }] } });
  });
});

// Review 14 R14-6: SetAlarmState ALARM then OK on the low-water alarm restored (scaled down) a second after a genuine
// scale-up, on one instantaneous depth read under 100. The OK is a claim like any state: its own metric must bear it out.
describe('planConsumerScaling corroborates the low-water alarm\'s OK before a restore (decision 249)', () => {
  const baseline = { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } };
  const recorded: ResourceState = { version: 3, changeTimesSeconds: [1000], lastScaleUpAtSeconds: 1000, baseline };
  const lowWater = { messages: 100, evaluationMinutes: 5, alarmName: LOW_WATER_ALARM.alarmName };
  const scaledUp = (overrides: Partial<QueueBackupObservation>): QueueBackupObservation =>
    observation({ queueDepth: 0, mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }], functions: { consumer: { reservedConcurrency: 100 } }, ...overrides });
  const planAt = (overrides: Partial<QueueBackupObservation>, alarm: QueueBackupPlanInput['alarm'] = LOW_WATER_ALARM) =>
    planConsumerScaling({ state: 'OK', signal: 'low-water', observation: scaledUp(overrides), policy, resourceState: recorded, lowWater, alarm });
  /** Datapoints at the given minutes past 12:00 on 2026-12-06, in the order given (CloudWatch's answer order is not relied on). */
  const at = (points: ReadonlyArray<[number, number]>): QueueBackupObservation['alarmMetric'] => ({
    status: 'read',
    reading: {
      from: '2026-12-06T11:52:00.000Z',
      to: '2026-12-06T12:10:00.000Z',
      stateChangeAt: '2026-12-06T12:09:30.000Z',
      points: points.map(([minute, value]) => ({ at: new Date(Date.parse('2026-12-06T12:00:00Z') + minute * 60_000).toISOString(), value })),
    },
  });
  const metric = 'AWS/SQS ApproximateNumberOfMessagesVisible (Maximum) in CloudWatch';

  it.each<[string, Partial<QueueBackupObservation>, string]>([
    // The finding: the backlog's 1500 in the current minute, the alarm put in OK by hand a second after the scale-up.
    ['the backlog\'s datapoint in the newest minute (the OK set by hand after a scale-up)', { alarmMetric: metricRead([1500]) }, `${metric} shows 1500 at 2026-12-06T12:05:00.000Z (>= 100, the alarm's threshold) in its 5 periods from 2026-12-06T12:01:00.000Z to 2026-12-06T12:06:00.000Z: 1500: the queue has not been under the watermark for the alarm's window`],
    ['the backlog\'s tail four minutes ago: 150 among the last five', { alarmMetric: metricRead([150, 20, 0, 0, 0]) }, 'shows 150 at 2026-12-06T12:01:00.000Z (>= 100'],
    ['exactly the watermark in one minute (100 is not under 100)', { alarmMetric: metricRead([0, 0, 100, 0, 0]) }, 'shows 100 at 2026-12-06T12:03:00.000Z (>= 100'],
    ['only four of the five minutes in CloudWatch', { alarmMetric: metricRead([0, 0, 0, 0]) }, `${metric} has no datapoint for 2026-12-06T12:01:00.000Z in its 5 periods from 2026-12-06T12:01:00.000Z to 2026-12-06T12:06:00.000Z (0, 0, 0, 0 in the others): the queue is not known to have drained`],
    ['a minute missing in the middle', { alarmMetric: at([[1, 0], [2, 0], [4, 0], [5, 0]]) }, 'has no datapoint for 2026-12-06T12:03:00.000Z'],
    ['no datapoint at all', { alarmMetric: metricRead([]) }, `${metric} from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: no datapoints: the queue is not known to have drained`],
    ['the metric unreadable', { alarmMetric: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } }, 'its metric could not be read (CloudWatch GetMetricData failed: AccessDenied), so the queue is not known to have drained'],
    ['the metric not read', {}, 'its metric was not read, so the queue is not known to have drained'],
  ])('waits, nothing changed and the baseline kept: %s', (_situation, overrides, said) => {
    const plan = planAt(overrides);
    expect(plan.kind).toBe('none');
    expect(plan.kind === 'none' && plan.reason).toContain(`restore waits: the low-water alarm "${LOW_WATER_ALARM.alarmName}" went OK, but `);
    expect(plan.kind === 'none' && plan.reason).toContain(said);
    expect(plan.kind === 'none' && plan.reason).toMatch(/; nothing changed, the recorded baseline is kept for the low-water alarm's next OK$/);
    expect(plan.kind === 'none' && plan.findings).toEqual([`recorded baseline: ${JSON.stringify(baseline)}`]);
  });

  it('waits for an alarm the configuration does not define: its watermark and window are unknown', () => {
    const plan = planAt({ alarmMetric: metricRead([0, 0, 0, 0, 0]) }, { alarmName: LOW_WATER_ALARM.alarmName });
    expect(plan).toMatchObject({ kind: 'none', reason: expect.stringContaining("it is not an alarm this deployment's configuration defines") });
  });

  it.each<[string, QueueBackupObservation['alarmMetric']]>([
    ['five minutes under 100 (the drain the alarm saw)', metricRead([0, 12, 99, 0, 0])],
    ['the backlog six minutes back, outside the alarm\'s five', metricRead([1500, 150, 0, 0, 0, 0, 0])],
    ['the newest minutes not yet published: the five ending at the newest datapoint CloudWatch holds', at([[-3, 0], [-2, 0], [-1, 0], [0, 0], [1, 0]])],
    ['the datapoints answered newest first', at([[5, 0], [4, 0], [3, 0], [2, 0], [1, 0]])],
  ])('restores when CloudWatch bears the OK out: %s', (_situation, alarmMetric) => {
    const plan = planAt({ alarmMetric });
    expect(plan).toMatchObject({ kind: 'change', direction: 'restore', clearsBaseline: true, change: { mappings: [{ uuid: 'esm-1', from: 100, to: 50 }] } });
  });

  it('judges the alarm\'s own window: one period under the watermark of a 1-period alarm is enough, a 5-period one wants five', () => {
    const onePeriod = { ...LOW_WATER_ALARM, configured: { ...LOW_WATER_ALARM.configured, evaluationPeriods: 1 } };
    expect(planAt({ alarmMetric: metricRead([0]) }, onePeriod)).toMatchObject({ kind: 'change', direction: 'restore' });
    expect(planAt({ alarmMetric: metricRead([0]) })).toMatchObject({ kind: 'none', reason: expect.stringContaining('has no datapoint for') });
  });
});
