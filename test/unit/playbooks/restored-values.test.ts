// Values read back from the state table (a recorded baseline, a health check's revert) are checked against the
// environment's floors, caps and ladder before they are applied: pure checks, table-driven.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { refuseClassRevert } from '../../../shared/playbooks/cpu-utilization-health';
import { refuseMemoryRevert } from '../../../shared/playbooks/memory-pressure-health';
import { refuseConsumerRevert } from '../../../shared/playbooks/queue-backup-health';
import { planConsumerScaling as planScalingFor, type QueueBackupObservation, type QueueBackupPlanInput } from '../../../shared/playbooks/queue-backup-plan';
import type { ResourceState } from '../../../shared/state/incident-store';

import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** The queue's depth alarm as production's configuration defines it (> 1000): the plans here read depths above it unless a case says otherwise. */
const DEPTH_ALARM = { alarmName: rowAlarm('queue-backup').alarmName, configured: rowAlarm('queue-backup') };
const planConsumerScaling = (input: Omit<QueueBackupPlanInput, 'alarm'> & Partial<Pick<QueueBackupPlanInput, 'alarm'>>) => planScalingFor({ alarm: DEPTH_ALARM, ...input });

const production = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
const policy = production.env.scaleConsumers;

const scaledUp: QueueBackupObservation = {
  queueName: 'notification-service-queue',
  mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 150 }],
  functions: { consumer: { reservedConcurrency: 150 } },
  // The depth alarm's OK as CloudWatch bears it out (decision 263): the backlog's minute, then one under the threshold.
  alarmMetric: metricRead([1500, 400]),
};
const state = (baseline: Record<string, unknown>): ResourceState => ({ version: 1, changeTimesSeconds: [], baseline });

describe('planConsumerScaling restores only a baseline within the environment (production floors 50 / 100, cap 400)', () => {
  it.each([
    ['MaximumConcurrency 2 (AWS allows it, the environment does not)', { mappings: { 'esm-1': 2 }, reservedConcurrency: { consumer: 100 } }, /MaximumConcurrency 2 for mapping esm-1 is outside 50\.\.400/],
    ['reserved concurrency 0 (stops the consumer)', { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 0 } }, /reserved concurrency 0 for consumer is below the environment's floor of 100/],
    ['MaximumConcurrency above the cap', { mappings: { 'esm-1': 900 }, reservedConcurrency: { consumer: 100 } }, /outside 50\.\.400/],
    ['a value that is not a whole number', { mappings: { 'esm-1': '50' }, reservedConcurrency: { consumer: 100 } }, /MaximumConcurrency "50"/],
    ['a function that does not consume the queue', { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100, 'payments-api': 100 } }, /payments-api is not a consumer/],
    ['a baseline of another shape', { memoryMb: 512 }, /not a consumer baseline/],
  ])('refuses %s and escalates naming it', (_situation, baseline, reason) => {
    const plan = planConsumerScaling({ state: 'OK', observation: scaledUp, policy, resourceState: state(baseline) });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'guardrail', reason: expect.stringMatching(reason) });
  });

  it.each([
    ['the seed baseline', { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } }, 50, 100],
    ['unreserved at baseline', { mappings: { 'esm-1': 60 }, reservedConcurrency: { consumer: null } }, 60, null],
  ])('restores %s', (_situation, baseline, mapping, reserved) => {
    const plan = planConsumerScaling({ state: 'OK', observation: scaledUp, policy, resourceState: state(baseline) });
    expect(plan).toMatchObject({ kind: 'change', direction: 'restore', change: { mappings: [{ to: mapping }], reservedConcurrency: [{ to: reserved }] } });
  });

  it('falls back to AWS minimums without configured floors: 2 for MaximumConcurrency, 1 reserved execution', () => {
    const { minMaximumConcurrency: _m, minReservedConcurrency: _r, ...unfloored } = policy;
    expect(planConsumerScaling({ state: 'OK', observation: scaledUp, policy: unfloored, resourceState: state({ mappings: { 'esm-1': 2 }, reservedConcurrency: { consumer: 1 } }) }).kind).toBe('change');
    expect(planConsumerScaling({ state: 'OK', observation: scaledUp, policy: unfloored, resourceState: state({ mappings: { 'esm-1': 2 }, reservedConcurrency: { consumer: 0 } }) }).kind).toBe('escalate');
  });
});

describe("health check reverts are checked like restores", () => {
  it.each([
    ['a consumer revert to MaximumConcurrency 2', refuseConsumerRevert({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 2 }], reservedConcurrency: [] }, production), /outside 50\.\.400/],
    ['a consumer revert to reserved concurrency 0', refuseConsumerRevert({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 50 }], reservedConcurrency: [{ functionName: 'consumer', from: 150, to: 0 }] }, production), /below the environment's floor of 100/],
    ['a reservation on a function the change did not scale', refuseConsumerRevert({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 50 }], reservedConcurrency: [{ functionName: 'payments-api', from: 150, to: 100 }] }, production), /payments-api is not a consumer/],
    ['a memory revert to 128 MB (production floor 512)', refuseMemoryRevert({ functionName: 'consumer', fromMb: 768, toMb: 128 }, production), /memory 128 MB for consumer is outside 512\.\.3008 MB/],
    ['a class revert off the ladder', refuseClassRevert({ dbInstanceIdentifier: 'db', fromClass: 'db.r6g.2xlarge', toClass: 'db.t3.micro' }, production), /"db\.t3\.micro" for db is not on the environment's ladder/],
  ])('refuses %s', (_situation, refusal, reason) => {
    expect(refusal).toMatch(reason);
  });

  it.each([
    ['the consumers back to 50 / 100', refuseConsumerRevert({ mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 100, to: 50 }], reservedConcurrency: [{ functionName: 'consumer', from: 150, to: 100 }] }, production)],
    ['the memory back to 512 MB', refuseMemoryRevert({ functionName: 'consumer', fromMb: 768, toMb: 512 }, production)],
    ['the class back to the first rung', refuseClassRevert({ dbInstanceIdentifier: 'db', fromClass: 'db.r6g.2xlarge', toClass: 'db.r6g.xlarge' }, production)],
  ])('allows %s', (_situation, refusal) => {
    expect(refusal).toBeUndefined();
  });
});
