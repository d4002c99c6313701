// A health check's revert goes back exactly the step the change made, never further: the recorded `from` (read back
// from the state table) is checked against the change's `to` (which isApplied matched against the resource) by the
// playbook's own step rule. Production figures from shared/config/defaults.ts: memory x1.5 rounded up to 64 MB, floor
// 512, cap 3008; MaximumConcurrency +50, floor 50, cap 400, reserved floor 100; ladder r6g.xlarge -> 2xlarge -> 4xlarge.
import fc from 'fast-check';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { refuseClassRevert, revertClassChange } from '../../../shared/playbooks/cpu-utilization-health';
import { planDatabaseScaleUp } from '../../../shared/playbooks/cpu-utilization-plan';
import { refuseMemoryRevert, revertMemoryRaise } from '../../../shared/playbooks/memory-pressure-health';
import { planMemoryRaise } from '../../../shared/playbooks/memory-pressure-plan';
import { refuseConsumerRevert, revertConsumerScaling } from '../../../shared/playbooks/queue-backup-health';
import { planConsumerScaling as planScalingFor, type QueueBackupPlanInput } from '../../../shared/playbooks/queue-backup-plan';
import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** Production's OOM and CPU alarms, and readings of their metrics that bear them out (decision 217). */
const OOM_ALARM = rowAlarm('memory-pressure');
const CPU_ALARM = rowAlarm('cpu-utilization');
/** The queue's depth alarm as production's configuration defines it (> 1000): the plans here read depths above it unless a case says otherwise. */
const DEPTH_ALARM = { alarmName: rowAlarm('queue-backup').alarmName, configured: rowAlarm('queue-backup') };
const planConsumerScaling = (input: Omit<QueueBackupPlanInput, 'alarm'> & Partial<Pick<QueueBackupPlanInput, 'alarm'>>) => planScalingFor({ alarm: DEPTH_ALARM, ...input });

const production = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
const fn = 'notification-service-consumer';
const mapping = (from: number, to: number) => ({ uuid: 'esm-1', functionName: fn, from, to });

describe('a memory revert goes back one step of the raise (production: x1.5 rounded up to 64 MB)', () => {
  it.each([
    // The function was raised 512 -> 768 -> 1152 -> 1728; the last change's recorded fromMb forged to the floor.
    ['a forged fromMb at the floor (512) under a raise to 1728 MB (its step came from 1152)', 1728, 512, /memory 512 MB for notification-service-consumer is not one step below 1728 MB \(one step up from 512 MB is 768 MB\)/],
    ['two steps back: 1728 -> 768', 1728, 768, /not one step below 1728 MB/],
    ['below a raise held at the cap: 3008 -> 1728 (one step from 1728 is 2624)', 3008, 1728, /one step up from 1728 MB is 2624 MB/],
    ['a "revert" that raises: 768 -> 1152', 768, 1152, /memory 1152 MB .* is not one step below 768 MB/],
    ['a "revert" to the same size', 768, 768, /not one step below 768 MB/],
  ])('refuses %s', (_situation, currentMb, recordedFromMb, reason) => {
    expect(refuseMemoryRevert(revertMemoryRaise({ functionName: fn, fromMb: recordedFromMb, toMb: currentMb }), production)).toMatch(reason);
  });

  it.each([
    ['the genuine step 1152 -> 1728 back to 1152', 1728, 1152],
    ['the first raise 512 -> 768 back to 512', 768, 512],
    ['a raise held at the cap, 2048 -> 3008 (its step would be 3072), back to 2048', 3008, 2048],
  ])('allows %s', (_situation, currentMb, recordedFromMb) => {
    expect(refuseMemoryRevert(revertMemoryRaise({ functionName: fn, fromMb: recordedFromMb, toMb: currentMb }), production)).toBeUndefined();
  });
});

describe('a class revert goes back to the rung immediately below (production ladder)', () => {
  it.each([
    ['a forged fromClass on the lowest rung under a change to the top rung', 'db.r6g.xlarge', 'db.r6g.4xlarge', /"db\.r6g\.xlarge" for db is not the rung immediately below "db\.r6g\.4xlarge"/],
    ['a "revert" that climbs: 2xlarge -> 4xlarge', 'db.r6g.4xlarge', 'db.r6g.2xlarge', /"db\.r6g\.4xlarge" for db is not the rung immediately below "db\.r6g\.2xlarge"/],
    ['a change to a class off the ladder', 'db.r6g.4xlarge', 'db.r6g.8xlarge', /not the rung immediately below "db\.r6g\.8xlarge"/],
    ['a "revert" from the lowest rung', 'db.r6g.xlarge', 'db.r6g.xlarge', /not the rung immediately below "db\.r6g\.xlarge"/],
  ])('refuses %s', (_situation, recordedFromClass, currentClass, reason) => {
    expect(refuseClassRevert(revertClassChange({ dbInstanceIdentifier: 'db', fromClass: recordedFromClass, toClass: currentClass }), production)).toMatch(reason);
  });

  it.each([
    ['4xlarge back to 2xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge'],
    ['2xlarge back to xlarge', 'db.r6g.xlarge', 'db.r6g.2xlarge'],
  ])('allows %s', (_situation, recordedFromClass, currentClass) => {
    expect(refuseClassRevert(revertClassChange({ dbInstanceIdentifier: 'db', fromClass: recordedFromClass, toClass: currentClass }), production)).toBeUndefined();
  });
});

describe('a consumer revert goes back one step of the scaling (production: +50 per step)', () => {
  it.each([
    ['a forged mapping from at the floor (50) under a scale-up to 200', [mapping(50, 200)], [], /MaximumConcurrency 50 for mapping esm-1 is not within one step \(50\) below 200/],
    ['a "revert" that raises the mapping to the cap: 100 -> 400', [mapping(400, 100)], [], /MaximumConcurrency 400 for mapping esm-1 is not within one step \(50\) below 100/],
    [
      'a reservation taken back further than its mappings were raised: 250 -> 100 under a mapping raised by 50',
      [mapping(150, 200)],
      [{ functionName: fn, from: 100, to: 250 }],
      /reserved concurrency 100 for notification-service-consumer is not within the 50 its mappings were raised below 250/,
    ],
    ['a reservation "reverted" to unreserved (the plan never reserves from unreserved)', [mapping(150, 200)], [{ functionName: fn, from: null, to: 200 }], /reserved concurrency null .* below 200/],
    [
      'one mapping line repeated six times to let the reservation drop 400 -> 100 (reviewer: each copy counted its step)',
      Array.from({ length: 6 }, () => mapping(150, 200)),
      [{ functionName: fn, from: 100, to: 400 }],
      /mapping "esm-1" appears more than once in the recorded change/,
    ],
    [
      'one reservation line repeated',
      [mapping(150, 200)],
      [{ functionName: fn, from: 200, to: 250 }, { functionName: fn, from: 200, to: 250 }],
      /reserved concurrency of "notification-service-consumer" appears more than once/,
    ],
  ])('refuses %s', (_situation, mappings, reservedConcurrency, reason) => {
    expect(refuseConsumerRevert(revertConsumerScaling({ mappings, reservedConcurrency }), production)).toMatch(reason);
  });

  it.each([
    ['the genuine step 150 -> 200, reservation 200 -> 250', [mapping(150, 200)], [{ functionName: fn, from: 200, to: 250 }]],
    ['a step held at the cap: 375 -> 400', [mapping(375, 400)], []],
  ])('allows %s', (_situation, mappings, reservedConcurrency) => {
    expect(refuseConsumerRevert(revertConsumerScaling({ mappings, reservedConcurrency }), production)).toBeUndefined();
  });
});

// Round trip: the revert of any change the planners make is allowed, so the bound never refuses a genuine revert.
describe('the revert of every change the planners make is allowed', () => {
  it('memory: every size from the floor to below the cap, raised once, reverts', () => {
    const policy = production.env.raiseLambdaMemory;
    const seen = { plain: 0, heldAtCap: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 512, max: 3007 }), (currentMb) => {
        const plan = planMemoryRaise({
          // The alarm's count and AWS's count of the function's errors bear the alarm out (decisions 217, 253).
          observation: { functionName: fn, memoryMb: currentMb, invokedVia: [], alarmMetric: metricRead([2]), functionErrors: { status: 'read', from: '2026-12-06T11:56:00.000Z', to: '2026-12-06T12:06:00.000Z', sum: 2 } },
          policy,
          resourceState: undefined,
          alarm: { alarmName: OOM_ALARM.alarmName, configured: OOM_ALARM },
        });
        if (plan.kind !== 'change') throw new Error(`no change planned from ${currentMb} MB`);
        // Independently of the planner: x1.5 rounded up to 64 MB, held at 3008.
        const expected = Math.min(Math.ceil((currentMb * 1.5) / 64) * 64, 3008);
        expect(plan.change.toMb).toBe(expected);
        if (expected === 3008 && Math.ceil((currentMb * 1.5) / 64) * 64 > 3008) seen.heldAtCap += 1;
        else seen.plain += 1;
        expect(refuseMemoryRevert(revertMemoryRaise(plan.change), production)).toBeUndefined();
      }),
      { numRuns: 300, seed: 17 },
    );
    // Both kinds of step were generated: whole steps and steps held at the cap.
    expect(seen.plain).toBeGreaterThan(50);
    expect(seen.heldAtCap).toBeGreaterThan(10);
    // The exact tallies of the fixed seed (17): 188 whole steps, 112 held at the cap, of 300 runs.
    expect(seen).toEqual({ plain: 188, heldAtCap: 112 });
  });

  it('consumers: every MaximumConcurrency and reservation that covers it, scaled once, reverts', () => {
    const policy = production.env.scaleConsumers;
    const seen = { reservedRaised: 0, reservedUntouched: 0, heldAtCap: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 399 }), fc.integer({ min: 0, max: 120 }), (current, headroom) => {
        // A reservation that covers the mapping, at or above production's reserved floor (100).
        const reserved = Math.max(current, 100) + headroom;
        const plan = planConsumerScaling({
          state: 'ALARM',
          observation: {
            queueName: 'q',
            queueDepth: 1500,
            mappings: [{ uuid: 'esm-1', functionName: fn, state: 'Enabled', maximumConcurrency: current }],
            functions: { [fn]: { reservedConcurrency: reserved } },
            account: { concurrentExecutions: 10_000, unreservedConcurrentExecutions: 5_000 },
          },
          policy,
          resourceState: undefined,
        });
        if (plan.kind !== 'change') throw new Error(`no change planned from ${current}`);
        const target = Math.min(current + 50, 400);
        expect(plan.change.mappings).toEqual([mapping(current, target)]);
        if (target < current + 50) seen.heldAtCap += 1;
        if (target > reserved) {
          seen.reservedRaised += 1;
          expect(plan.change.reservedConcurrency).toEqual([{ functionName: fn, from: reserved, to: target }]);
        } else {
          seen.reservedUntouched += 1;
          expect(plan.change.reservedConcurrency).toEqual([]);
        }
        expect(refuseConsumerRevert(revertConsumerScaling(plan.change), production)).toBeUndefined();
      }),
      { numRuns: 300, seed: 17 },
    );
    expect(seen.reservedRaised).toBeGreaterThan(20);
    expect(seen.reservedUntouched).toBeGreaterThan(20);
    expect(seen.heldAtCap).toBeGreaterThan(2);
    // The exact tallies of the fixed seed (17), of 300 runs.
    expect(seen).toEqual({ reservedRaised: 111, reservedUntouched: 189, heldAtCap: 57 });
  });

  it('database: every rung below the top, scaled once, reverts', () => {
    const ladder = production.env.scaleUpDatabase.ladder;
    expect(ladder).toEqual(['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge']);
    for (const [rung, current] of ladder.slice(0, -1).entries()) {
      const plan = planDatabaseScaleUp({
        observation: { dbInstanceIdentifier: CPU_ALARM.metric?.dimensions.DBInstanceIdentifier ?? '', instanceClass: current, status: 'available', multiAz: true, readReplicas: [] },
        policy: production.env.scaleUpDatabase,
        environment: 'production',
        alarm: { alarmName: CPU_ALARM.alarmName, configured: CPU_ALARM },
        cpuMetric: metricRead([80, 80, 80, 80, 80]),
      });
      if (plan.kind !== 'change') throw new Error(`no change planned from ${current}`);
      expect(plan.change.toClass).toBe(ladder[rung + 1]);
      expect(refuseClassRevert(revertClassChange(plan.change), production)).toBeUndefined();
    }
  });
});
