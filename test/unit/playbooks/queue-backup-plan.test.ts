// Table-driven tests of the pure consumer-scaling planner.
import { planConsumerScaling, type QueueBackupObservation, type ConsumerScalingChange } from '../../../shared/playbooks/queue-backup-plan';
import type { ResourceState } from '../../../shared/state/incident-store';
import type { Plan } from '../../../shared/pipeline/types';

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

describe('planConsumerScaling on OK', () => {
  const scaledUp = observation({
    mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 150 }],
    functions: { consumer: { reservedConcurrency: 150 } },
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
