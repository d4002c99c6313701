// The cross-playbook constraint: while the database's connections are saturated, scale-consumers does not scale up.
import { activeSaturation, DB_CONNECTIONS_FACT, type DbConnectionsReading } from '../../../shared/playbooks/db-connections-reading';
import { planConsumerScaling as planScalingFor, type QueueBackupObservation, type QueueBackupPlanInput } from '../../../shared/playbooks/queue-backup-plan';
import type { ResourceState } from '../../../shared/state/incident-store';

import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** The queue's depth alarm as production's configuration defines it (> 1000): the plans here read depths above it unless a case says otherwise. */
const DEPTH_ALARM = { alarmName: rowAlarm('queue-backup').alarmName, configured: rowAlarm('queue-backup') };
const planConsumerScaling = (input: Omit<QueueBackupPlanInput, 'alarm'> & Partial<Pick<QueueBackupPlanInput, 'alarm'>>) => planScalingFor({ alarm: DEPTH_ALARM, ...input });

const policy = { stepConcurrency: 50, maxConcurrency: 400, consumerErrorRatePercent: 5, errorRateWindowMinutes: 5, minUnreservedConcurrency: 100 };

const saturated: DbConnectionsReading = {
  database: 'notification-service-db',
  observedAt: '2026-01-15T12:05:30.000Z',
  connections: 3000,
  maxConnections: 3505,
  percent: 85.6,
  thresholdPercent: 80,
  saturated: true,
  saturatedUntil: '2026-01-15T12:20:30.000Z',
  incidentKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:latency#2026-01-15T12:05:00.000+0000',
};

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

describe('planConsumerScaling with a saturated database', () => {
  it('escalates with cause cross-playbook instead of scaling up, naming the figures and the hold', () => {
    const plan = planConsumerScaling({ state: 'ALARM', observation: observation({ dbSaturation: saturated }), policy, resourceState: undefined });
    expect(plan).toEqual({
      kind: 'escalate',
      cause: 'cross-playbook',
      reason:
        'not scaling consumers of notification-service-queue: database notification-service-db is saturated (3000 connections of max_connections ≈3505 (85.6%), ' +
        'at or above 80%, read by check-db-connections at 2026-01-15T12:05:30.000Z); more consumers would open more connections',
      findings: ['scale-consumers holds back until 2026-01-15T12:20:30.000Z, or until check-db-connections reads notification-service-db below 80%'],
    });
  });

  it('still restores the baseline when the queue alarm clears: fewer consumers relieve the database', () => {
    const resourceState: ResourceState = { version: 1, baseline: { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } }, changeTimesSeconds: [] };
    const plan = planConsumerScaling({
      state: 'OK',
      // A genuine OK (decision 263): CloudWatch's newest minute under the depth alarm's threshold.
      observation: observation({ dbSaturation: saturated, alarmMetric: metricRead([1500, 400]), mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }] }),
      policy,
      resourceState,
    });
    expect(plan).toMatchObject({ kind: 'change', direction: 'restore', change: { mappings: [{ uuid: 'esm-1', from: 100, to: 50 }] } });
  });

  it('reports a failing consumer first: poison messages are the nearer cause', () => {
    const plan = planConsumerScaling({
      state: 'ALARM',
      observation: observation({ dbSaturation: saturated, functions: { consumer: { reservedConcurrency: 100, errors: 100, invocations: 200 } } }),
      policy,
      resourceState: undefined,
    });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'consumer-failing' });
  });

  it('scales as usual without a saturation reading', () => {
    expect(planConsumerScaling({ state: 'ALARM', observation: observation(), policy, resourceState: undefined })).toMatchObject({ kind: 'change', direction: 'scale-up' });
  });
});

describe('activeSaturation: whether a recorded reading still holds', () => {
  const at = (iso: string): number => Date.parse(iso);
  it.each<[string, Record<string, unknown> | undefined, number, boolean]>([
    ['a saturated reading within its hold', { [DB_CONNECTIONS_FACT]: saturated }, at('2026-01-15T12:10:00Z'), true],
    ['a saturated reading whose hold ran out', { [DB_CONNECTIONS_FACT]: saturated }, at('2026-01-15T12:20:31Z'), false],
    ['a later healthy reading (it replaced the saturated one)', { [DB_CONNECTIONS_FACT]: { ...saturated, saturated: false, saturatedUntil: undefined } }, at('2026-01-15T12:10:00Z'), false],
    ['no reading at all', undefined, at('2026-01-15T12:10:00Z'), false],
    ['other facts only', { memoryCeilingMb: 3008 }, at('2026-01-15T12:10:00Z'), false],
    ['a malformed reading', { [DB_CONNECTIONS_FACT]: { saturated: 'yes' } }, at('2026-01-15T12:10:00Z'), false],
  ])('%s -> %s', (_situation, facts, nowMs, expected) => {
    expect(activeSaturation(facts, nowMs) !== undefined).toBe(expected);
  });
});
