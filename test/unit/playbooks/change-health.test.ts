// The rows' health comparisons after a change (pure): real situations, worse or not, and the reverts.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { databaseHealthWorse, databaseSettingNow, revertClassChange } from '../../../shared/playbooks/cpu-utilization-health';
import { memoryHealthWorse, memorySettingNow, revertMemoryRaise } from '../../../shared/playbooks/memory-pressure-health';
import { metricWindow } from '../../../shared/playbooks/metric-window';
import { consumerHealthWorse, consumerSettingNow, revertConsumerScaling } from '../../../shared/playbooks/queue-backup-health';
import type { HealthReading } from '../../../shared/pipeline/types';
import type { QueueBackupObservation } from '../../../shared/playbooks/queue-backup-plan';

const policy = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }).env.verifyChange;

function reading(figures: Record<string, number | null>, minutes = 10): HealthReading {
  const to = Date.parse('2026-03-05T10:10:00Z');
  return { from: new Date(to - minutes * 60_000).toISOString(), to: new Date(to).toISOString(), figures };
}

const fn = 'notification-service-consumer';
const consumer = (errors: number | null, invocations: number | null, throttles: number | null, minutes = 10): HealthReading =>
  reading({ [`${fn}.errors`]: errors, [`${fn}.invocations`]: invocations, [`${fn}.throttles`]: throttles }, minutes);

describe('consumerHealthWorse', () => {
  it.each([
    ['more consumers press on a struggling downstream: 0.4% -> 12.5% errors', consumer(2, 500, 0), consumer(50, 400, 0), /error rate 0.4% -> 12.5%/],
    ['the reserved concurrency no longer covers the consumers: throttles appear', consumer(2, 500, 0), consumer(2, 600, 35), /throttles appeared: 0 -> 35/],
    ['throttles that were there grow per minute after the change', consumer(0, 500, 10), consumer(0, 500, 9, 2), /throttles rose: 10 in 10 min -> 9 in 2 min/],
  ])('is worse when %s', (_situation, before, after, expected) => {
    expect(consumerHealthWorse(before, after, policy)).toMatch(expected);
  });

  it.each([
    ['the consumers drain faster with the same error rate', consumer(5, 1000, 0), consumer(10, 2000, 0)],
    ['a rise within the allowed point: 0.5% -> 1.2%', consumer(5, 1000, 0), consumer(12, 1000, 0)],
    ['too few invocations after the change to judge (3 of 10 failed)', consumer(0, 500, 0), consumer(3, 10, 0)],
    ['no datapoints at all after the change (the queue drained, nothing ran)', consumer(1, 500, 0), consumer(null, null, null)],
    ['fewer throttles per minute than before', consumer(0, 500, 40), consumer(0, 500, 2, 5)],
  ])('is not worse when %s', (_situation, before, after) => {
    expect(consumerHealthWorse(before, after, policy)).toBeUndefined();
  });

  it('reverts every step to where it started', () => {
    expect(
      revertConsumerScaling({
        mappings: [{ uuid: 'u-1', functionName: fn, from: 50, to: 100 }],
        reservedConcurrency: [{ functionName: fn, from: 100, to: 150 }],
      }),
    ).toEqual({ mappings: [{ uuid: 'u-1', functionName: fn, from: 100, to: 50 }], reservedConcurrency: [{ functionName: fn, from: 150, to: 100 }] });
  });
});

const memory = (errors: number | null, invocations: number | null, averageMs: number | null): HealthReading =>
  reading({ errors, invocations, durationSumMs: averageMs === null || invocations === null ? null : averageMs * invocations });

describe('memoryHealthWorse', () => {
  it.each([
    ['the function now times out (Errors include timeouts): 0.2% -> 15%', memory(1, 400, 120), memory(30, 200, 2900), /error rate 0.3% -> 15%/],
    ['invocations got slower: 120 ms -> 180 ms on average', memory(0, 400, 120), memory(0, 400, 180), /average duration 120 ms -> 180 ms \(\+50%/],
  ])('is worse when %s', (_situation, before, after, expected) => {
    expect(memoryHealthWorse(before, after, policy)).toMatch(expected);
  });

  it.each([
    ['more memory, more CPU: faster, no more errors', memory(1, 400, 120), memory(0, 400, 80)],
    ['a little slower, within 25%', memory(0, 400, 100), memory(0, 400, 120)],
    ['too few invocations before to compare durations', memory(0, 5, 100), memory(0, 400, 300)],
  ])('is not worse when %s', (_situation, before, after) => {
    expect(memoryHealthWorse(before, after, policy)).toBeUndefined();
  });

  it('reverts to the recorded memory size', () => {
    expect(revertMemoryRaise({ functionName: fn, fromMb: 512, toMb: 768 })).toEqual({ functionName: fn, fromMb: 768, toMb: 512 });
  });
});

const db = (cpuPercent: number | null, connections: number | null): HealthReading => reading({ cpuPercent, connections });

describe('databaseHealthWorse', () => {
  it.each([
    ['the bigger class did not bring CPU down (a runaway query, not the size)', db(82, 120), db(85, 118), /CPU 82% -> 85%: did not improve/],
    ['clients reconnected in a storm after the failover', db(82, 100), db(40, 180), /connections 100 -> 180/],
  ])('is worse when %s', (_situation, before, after, expected) => {
    expect(databaseHealthWorse(before, after, policy)).toMatch(expected);
  });

  it.each([
    ['CPU fell from 85% to 45% on db.r6g.xlarge', db(85, 120), db(45, 125)],
    ['no datapoints before the change', db(null, null), db(60, 100)],
  ])('is not worse when %s', (_situation, before, after) => {
    expect(databaseHealthWorse(before, after, policy)).toBeUndefined();
  });

  it('reverts to the recorded class', () => {
    expect(revertClassChange({ dbInstanceIdentifier: 'db', fromClass: 'db.r6g.large', toClass: 'db.r6g.xlarge' })).toEqual({
      dbInstanceIdentifier: 'db',
      fromClass: 'db.r6g.xlarge',
      toClass: 'db.r6g.large',
    });
  });
});

describe('metricWindow', () => {
  it.each([
    ['the 10 minutes before a change at 10:04:30', '2026-03-05T10:04:30Z', 10, undefined, ['2026-03-05T09:55:00.000Z', '2026-03-05T10:05:00.000Z']],
    ['the window after a change at 10:04:30, checked at 10:14:31', '2026-03-05T10:14:31Z', 10, '2026-03-05T10:04:30Z', ['2026-03-05T10:05:00.000Z', '2026-03-05T10:15:00.000Z']],
    ['a check delivered at once after the change still covers its minute', '2026-03-05T10:04:40Z', 10, '2026-03-05T10:04:30Z', ['2026-03-05T10:04:00.000Z', '2026-03-05T10:05:00.000Z']],
  ])('covers %s in whole minutes', (_situation, end, minutes, since, [from, to]) => {
    const window = metricWindow(new Date(end), minutes, since ? new Date(since) : undefined);
    expect([window.from.toISOString(), window.to.toISOString()]).toEqual([from, to]);
  });
});

// Decision 175: a health check that finds the change no longer in place says what the setting reads now.
describe('settingNow: what the changed setting reads when the health check comes', () => {
  const scaling = {
    mappings: [{ uuid: 'm-1', functionName: fn, from: 50, to: 100 }],
    reservedConcurrency: [{ functionName: fn, from: 100 as number | null, to: 150 as number | null }],
  };
  const consumers = (maximumConcurrency: number | undefined, reservedConcurrency: number | undefined, mapped = true): QueueBackupObservation => ({
    queueName: 'notification-service-queue',
    mappings: mapped ? [{ uuid: 'm-1', functionName: fn, state: 'Enabled', ...(maximumConcurrency === undefined ? {} : { maximumConcurrency }) }] : [],
    functions: mapped ? { [fn]: reservedConcurrency === undefined ? {} : { reservedConcurrency } } : {},
  });

  it.each<[string, ReturnType<typeof consumers>, string, boolean]>([
    ['Queue Backup: the baseline restored at the alarm\'s OK', consumers(50, 100), `mapping m-1 (${fn}) MaximumConcurrency 50 (the change: 50 -> 100); ${fn} reserved concurrency 100 (the change: 100 -> 150)`, true],
    ['Queue Backup: the mapping set to 80 by hand, the reservation still raised', consumers(80, 150), `mapping m-1 (${fn}) MaximumConcurrency 80 (the change: 50 -> 100); ${fn} reserved concurrency 150 (the change: 100 -> 150)`, false],
    ['Queue Backup: the reservation back at 100, the mapping at 80 (set by hand)', consumers(80, 100), `mapping m-1 (${fn}) MaximumConcurrency 80 (the change: 50 -> 100); ${fn} reserved concurrency 100 (the change: 100 -> 150)`, false],
    ['Queue Backup: the reservation removed by a deploy', consumers(50, undefined), `mapping m-1 (${fn}) MaximumConcurrency 50 (the change: 50 -> 100); ${fn} no reserved concurrency (the change: 100 -> 150)`, false],
    ['Queue Backup: the mapping deleted', consumers(undefined, undefined, false), `mapping m-1 (${fn}) gone (the change: 50 -> 100); ${fn} not a consumer of the queue any more (the change: 100 -> 150)`, false],
  ])('%s', (_situation, observation, reads, atBefore) => {
    expect(consumerSettingNow(observation, scaling)).toEqual({ reads, atBefore });
  });

  it.each<[string, number, boolean]>([
    ['Memory Pressure: a deploy put 512 MB back', 512, true],
    ['Memory Pressure: raised again to 1024 MB by a later incident', 1024, false],
  ])('%s', (_situation, memoryMb, atBefore) => {
    expect(memorySettingNow({ memoryMb }, { functionName: fn, fromMb: 512, toMb: 768 })).toEqual({ reads: `MemorySize of ${fn} ${memoryMb} MB (the change: 512 -> 768 MB)`, atBefore });
  });

  it.each<[string, { instanceClass: string; pendingInstanceClass?: string }, string, boolean]>([
    ['CPU Utilization: moved back to the class before by hand', { instanceClass: 'db.r6g.xlarge' }, 'runs db.r6g.xlarge', true],
    ['CPU Utilization: moved back, another change pending', { instanceClass: 'db.r6g.xlarge', pendingInstanceClass: 'db.r6g.4xlarge' }, 'runs db.r6g.xlarge, db.r6g.4xlarge pending', false],
    ['CPU Utilization: moved on to a bigger class', { instanceClass: 'db.r6g.4xlarge' }, 'runs db.r6g.4xlarge', false],
  ])('%s', (_situation, observation, reads, atBefore) => {
    const change = { dbInstanceIdentifier: 'notification-service-db', fromClass: 'db.r6g.xlarge', toClass: 'db.r6g.2xlarge' };
    expect(databaseSettingNow(observation, change)).toEqual({ reads: `notification-service-db ${reads} (the change: db.r6g.xlarge -> db.r6g.2xlarge)`, atBefore });
  });
});
