// Region roles in the alarms: the DR region (production us-west-2) watches the standby - the replica's lag and the
// replicated queue - and, since decision 123, the rows that change something too (on the replica for the database),
// which act there only while the region serves; the primary region deploys no standby watch.
// Expected names and thresholds are written out from defaults.ts by hand.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { alarmSpecs, changingRowsUnguardedInDr, roleOfRegion, watchedResources } from '../../../shared/config/alarm-specs';
import { defaultConfig } from '../../../shared/config/defaults';
import { loadRuntimeConfig, mergeConfig, parseAutomationConfig } from '../../../shared/config/load-config';
import { InvalidInputError } from '../../../shared/errors';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { CHANGING_PLAYBOOKS } from '../../../shared/playbooks/changing-rows';
import { standbyPlaybook } from '../../../shared/playbooks/dr-standby';

const seed = parseAutomationConfig(defaultConfig);
const CHANGING = new Set<string>(CHANGING_PLAYBOOKS.map((p) => p.row));

describe('alarms per region role', () => {
  it('gives the DR region the standby alarms, the diagnose-only rows and the rows that change something (the database\'s on the replica)', () => {
    const dr = alarmSpecs(seed, 'production', 'us-west-2');
    expect(dr.map((a) => [a.rowId, a.name])).toEqual([
      ['queue-backup', 'NotificationService Queue Depth > 1000 (notification-service-queue)'],
      ['queue-backup', 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)'],
      ['memory-pressure', 'NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (notification-service-consumer)'],
      ['connection-timeout', 'NotificationService API 504 Errors > 0 (notification-service-api)'],
      ['high-latency', 'NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)'],
      ['cpu-utilization', 'NotificationService RDS CPUUtilization > 70% (notification-service-db-replica)'],
      ['error-rate', 'NotificationService Lambda Error Rate > 1% (notification-service-consumer)'],
      ['dr-standby', 'NotificationService DR Replica Lag > 300 s (notification-service-db-replica)'],
      ['dr-standby', 'NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)'],
      ['dr-standby', 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)'],
      ['dr-standby', 'NotificationService DR Replicated Queue Oldest Message > 3600 s (notification-service-queue)'],
    ]);
    // The CPU alarm watches the replica there, never the primary's database (which is not in that region).
    const cpu = dr.find((a) => a.rowId === 'cpu-utilization');
    expect(cpu?.metric).toMatchObject({ metric: { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: { DBInstanceIdentifier: 'notification-service-db-replica' } } });
    expect(watchedResources(seed, 'production', 'dr').databases).toEqual(['notification-service-db-replica']);
    expect(watchedResources(seed, 'production').databases).toEqual(['notification-service-db']);
    expect(dr.filter((a) => a.rowId === 'dr-standby').every((a) => a.handler === 'watch-standby')).toBe(true);
  });

  it('watches the replica lag on the replica (Maximum, 5 of 5 minutes, no data = breaching), its -1 (< 0, 5 of 5) and the queue by depth and age', () => {
    const standby = alarmSpecs(seed, 'production', 'us-west-2').filter((a) => a.rowId === 'dr-standby');
    expect(standby.map((a) => ({ t: a.threshold, op: a.comparisonOperator, n: [a.evaluationPeriods, a.datapointsToAlarm], missing: a.treatMissingData, metric: a.metric }))).toEqual([
      {
        t: 300,
        op: 'GreaterThanThreshold',
        n: [5, 5],
        missing: 'breaching',
        metric: { kind: 'single', statistic: 'Maximum', metric: { namespace: 'AWS/RDS', metricName: 'ReplicaLag', dimensions: { DBInstanceIdentifier: 'notification-service-db-replica' }, periodSeconds: 60 } },
      },
      // Decision 360 (R21-4): ReplicaLag -1 (MySQL/MariaDB: replication not active) on the same series, 5 of 5 minutes.
      {
        t: 0,
        op: 'LessThanThreshold',
        n: [5, 5],
        missing: 'notBreaching',
        metric: { kind: 'single', statistic: 'Maximum', metric: { namespace: 'AWS/RDS', metricName: 'ReplicaLag', dimensions: { DBInstanceIdentifier: 'notification-service-db-replica' }, periodSeconds: 60 } },
      },
      {
        t: 1000,
        op: 'GreaterThanThreshold',
        n: [5, 5],
        missing: 'missing',
        metric: { kind: 'single', statistic: 'Maximum', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'notification-service-queue' }, periodSeconds: 60 } },
      },
      {
        t: 3600,
        op: 'GreaterThanThreshold',
        n: [1, 1],
        missing: 'missing',
        metric: { kind: 'single', statistic: 'Maximum', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: 'notification-service-queue' }, periodSeconds: 60 } },
      },
    ]);
  });

  it('gives the primary region every row but the standby watch, as before (the default region is the primary)', () => {
    const primary = alarmSpecs(seed, 'production', 'us-east-1');
    expect(primary).toEqual(alarmSpecs(seed, 'production'));
    expect([...new Set(primary.map((a) => a.rowId))]).toEqual(['queue-backup', 'memory-pressure', 'connection-timeout', 'high-latency', 'cpu-utilization', 'error-rate']);
    expect(roleOfRegion(seed, 'staging', 'us-east-1')).toBe('primary');
    expect(alarmSpecs(seed, 'staging').some((a) => a.rowId === 'dr-standby')).toBe(false);
  });

  it('takes the standby thresholds from the configuration (row detection and disasterRecovery.standbyWatch)', () => {
    const config = parseAutomationConfig(
      mergeConfig(defaultConfig, {
        environments: { production: { disasterRecovery: { standbyWatch: { queueMessages: 5000, oldestMessageAgeSeconds: 7200, windowMinutes: 10 } } } },
        troubleshooting: seed.troubleshooting.map((r) => (r.id === 'dr-standby' ? { ...r, detection: { ...r.detection, threshold: 120 } } : r)),
      }),
    );
    expect(alarmSpecs(config, 'production', 'us-west-2').filter((a) => a.rowId === 'dr-standby').map((a) => [a.name, a.threshold])).toEqual([
      ['NotificationService DR Replica Lag > 120 s (notification-service-db-replica)', 120],
      ['NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)', 0],
      ['NotificationService DR Replicated Queue Depth > 5000 (notification-service-queue)', 5000],
      ['NotificationService DR Replicated Queue Oldest Message > 7200 s (notification-service-queue)', 7200],
    ]);
  });

  it('accepts the changing rows in the DR region only when their playbooks wait for it to serve, naming the rows it refuses', () => {
    const serving = new Set<string>(CHANGING_PLAYBOOKS.filter((p) => p.regionServing !== undefined).map((p) => p.row));
    // Every changing playbook declares the wait (decision 123), so the default table is accepted.
    expect([...serving].sort()).toEqual(['cpu-utilization', 'memory-pressure', 'queue-backup']);
    expect(changingRowsUnguardedInDr(seed, CHANGING, serving)).toBeUndefined();
    // A changing row whose playbook does not wait is refused.
    expect(changingRowsUnguardedInDr(seed, CHANGING, new Set(['memory-pressure']))).toBe(
      'troubleshooting rows queue-backup, cpu-utilization change something and list "dr" in watchIn, but their playbooks do not wait for the DR region to serve (no regionServing): the standby would be scaled or resized before a failover; remove "dr" or declare regionServing',
    );
    // Without "dr" in their watchIn nothing is refused, waiting or not.
    const primaryOnly = parseAutomationConfig(
      mergeConfig(defaultConfig, { troubleshooting: seed.troubleshooting.map((r) => (CHANGING.has(r.id) ? { ...r, watchIn: ['primary'] } : r)) }),
    );
    expect(changingRowsUnguardedInDr(primaryOnly, CHANGING, new Set())).toBeUndefined();
    expect(alarmSpecs(primaryOnly, 'production', 'us-west-2').filter((a) => CHANGING.has(a.rowId))).toEqual([]);
  });

  it('refuses a watchIn that lists a role twice or none', () => {
    const bad = (watchIn: string[]) => () =>
      parseAutomationConfig(mergeConfig(defaultConfig, { troubleshooting: seed.troubleshooting.map((r) => (r.id === 'error-rate' ? { ...r, watchIn } : r)) }));
    expect(bad(['dr', 'dr'])).toThrow('troubleshooting.5.watchIn: must not list a role twice');
    expect(bad([])).toThrow('troubleshooting.5.watchIn');
    expect(bad(['standby'])).toThrow('troubleshooting.5.watchIn.0');
  });
});

describe('watch-standby resolves only the DR standby alarms, in the DR region', () => {
  const fixture = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as Record<string, unknown>;
  const eventFor = (region: string, namespace: string, metricName: string, dimensions: Record<string, string>) => {
    const detail = fixture.detail as { configuration: { metrics: Array<{ metricStat: { metric: Record<string, unknown> } }> } };
    const metric = { ...detail.configuration.metrics[0], metricStat: { ...detail.configuration.metrics[0]?.metricStat, metric: { namespace, name: metricName, dimensions } } };
    return parseAlarmEvent({ ...fixture, region, resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:ServerCpuTooHigh`], detail: { ...detail, configuration: { ...detail.configuration, metrics: [metric] } } });
  };
  const runtimeIn = (region: string) => loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region });

  it.each([
    ['the replica lag alarm', 'AWS/RDS', 'ReplicaLag', { DBInstanceIdentifier: 'notification-service-db-replica' }, 'replica-lag', 'rds-db-instance'],
    ['the replicated queue depth alarm', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'notification-service-queue' }, 'queue-depth', 'sqs-queue'],
    ['the replicated queue age alarm', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: 'notification-service-queue' }, 'queue-age', 'sqs-queue'],
  ])('takes %s', (_name, namespace, metricName, dimensions, trigger, type) => {
    const target = standbyPlaybook.resolveTarget(eventFor('us-west-2', namespace, metricName, dimensions), runtimeIn('us-west-2'));
    expect(target).toMatchObject({ trigger, replicaIdentifier: 'notification-service-db-replica', queues: ['notification-service-queue'], resource: { type } });
  });

  it.each([
    ['in the primary region', 'us-east-1', 'AWS/RDS', 'ReplicaLag', { DBInstanceIdentifier: 'notification-service-db-replica' }, 'us-east-1 is a primary region of production'],
    ['for another instance', 'us-west-2', 'AWS/RDS', 'ReplicaLag', { DBInstanceIdentifier: 'someone-elses-db' }, 'watches someone-elses-db, not the production cross-region replica notification-service-db-replica'],
    ['for a queue it does not own', 'us-west-2', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: 'other-queue' }, 'queue other-queue is not one of the production queues'],
    ['for a metric it does not watch', 'us-west-2', 'AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'notification-service-db-replica' }, 'watch-standby handles the replica\'s AWS/RDS ReplicaLag'],
  ])('refuses an alarm %s as invalid input', (_name, region, namespace, metricName, dimensions, message) => {
    const resolve = () => standbyPlaybook.resolveTarget(eventFor(region, namespace, metricName, dimensions), runtimeIn(region));
    expect(resolve).toThrow(InvalidInputError);
    expect(resolve).toThrow(message);
  });

  it('declares only reads: its IAM can grant it nothing that changes the standby', () => {
    expect(standbyPlaybook.actions.filter((a) => !/^[a-z0-9]+:(Describe|Get|List)/.test(a))).toEqual([]);
  });
});
