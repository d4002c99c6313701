// In a DR region that does not serve, Queue Backup's alarm on the replicated queue defers to the standby watch's depth
// alarm on the same metric (decision 158): one backlog, one incident. Every other situation is handled as before.
import { loadRuntimeConfig, type RuntimeConfig } from '../../../shared/config/load-config';
import { parseAlarmEvent, type AlarmStateChange } from '../../../shared/events/alarm-event';
import type { RegionServing } from '../../../shared/guard/region-serving';
import { standbyDeferral, standbyDeferralTargets } from '../../../shared/guard/standby-deferral';

const ACCOUNT = '123456789012';
const QUEUE_ALARM = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
const STANDBY_DEPTH = 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)';
const STANDBY_AGE = 'NotificationService DR Replicated Queue Oldest Message > 3600 s (notification-service-queue)';
const dr = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-west-2' });
const primary = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
const NOT_SERVING: RegionServing = {
  serving: false,
  reason: "not serving: the replica notification-service-db-replica still replicates arn:aws:rds:us-east-1:123456789012:db:notification-service-db (not promoted); the DR consumers' mapping u-1 (notification-service-consumer on notification-service-queue) is Disabled",
};

/** A single-metric alarm's state change as CloudWatch emits it (AWS's "CloudWatch Alarm State Change" shape). */
function alarmEvent(options: { region?: string; name?: string; state?: 'ALARM' | 'OK'; namespace?: string; metricName?: string; dimensions?: Record<string, string> } = {}): AlarmStateChange {
  const { region = 'us-west-2', name = QUEUE_ALARM, state = 'ALARM', namespace = 'AWS/SQS', metricName = 'ApproximateNumberOfMessagesVisible', dimensions = { QueueName: 'notification-service-queue' } } = options;
  return parseAlarmEvent({
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: '2026-12-06T08:01:03Z',
    region,
    resources: [`arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`],
    detail: {
      alarmName: name,
      state: { value: state, reason: 'Threshold Crossed: 1 out of the last 1 datapoints [1500.0 (06/12/26 08:00:00)] was greater than the threshold (1000.0)', timestamp: '2026-12-06T08:01:03.120+0000' },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM', reason: 'earlier', timestamp: '2026-12-06T07:40:00.000+0000' },
      configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace, name: metricName, dimensions }, period: 60, stat: 'Maximum' }, returnData: true }] },
    },
  });
}

/** The production configuration without the standby watch in the DR region (its row not watched there). */
function withoutStandbyWatch(runtime: RuntimeConfig): RuntimeConfig {
  return { ...runtime, config: { ...runtime.config, troubleshooting: runtime.config.troubleshooting.map((r) => (r.id === 'dr-standby' ? { ...r, watchIn: ['primary' as const] } : r)) } };
}

/** The production configuration with the standby watch's depth threshold (disasterRecovery.standbyWatch.queueMessages) set to `queueMessages`. */
function withStandbyDepth(runtime: RuntimeConfig, queueMessages: number): RuntimeConfig {
  const production = runtime.config.environments.production;
  const disasterRecovery = production.disasterRecovery;
  if (!disasterRecovery) throw new Error('the production configuration has no disasterRecovery');
  return {
    ...runtime,
    config: {
      ...runtime.config,
      environments: { ...runtime.config.environments, production: { ...production, disasterRecovery: { ...disasterRecovery, standbyWatch: { ...disasterRecovery.standbyWatch, queueMessages } } } },
    },
  };
}

describe('standbyDeferral', () => {
  it("defers Queue Backup's alarm on the replicated queue to the standby watch's depth alarm while the DR region does not serve, saying why", () => {
    expect(standbyDeferral({ runtime: dr, event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING })).toEqual({
      playbook: 'watch-standby',
      alarmName: STANDBY_DEPTH,
      reason:
        `deferred to watch-standby: us-west-2 is the DR region of production and ${NOT_SERVING.reason}; the standby watch's alarm "${STANDBY_DEPTH}" ` +
        'watches the same AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=notification-service-queue) and reports it (5 of 5 datapoints in 5 min above 1000): ' +
        'one incident for one cause, this decision is recorded on that incident; scale-consumers acts here again once the region serves',
    });
  });

  it("defers to a standby depth alarm whose threshold is lower than Queue Backup's (it alarms on every backlog Queue Backup does)", () => {
    const lower = withStandbyDepth(dr, 500);
    expect(standbyDeferral({ runtime: lower, event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING })).toMatchObject({
      alarmName: 'NotificationService DR Replicated Queue Depth > 500 (notification-service-queue)',
      reason: expect.stringContaining('(5 of 5 datapoints in 5 min above 500)'),
    });
  });

  it.each<[string, Parameters<typeof standbyDeferral>[0]]>([
    [
      "the standby watch's depth threshold is above Queue Backup's (20000 > 1000: a backlog between the two would page nobody)",
      { runtime: withStandbyDepth(dr, 20000), event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING },
    ],
    ['the event names an alarm the configuration does not define (its threshold unknown)', { runtime: dr, event: alarmEvent({ name: 'Someone else\'s alarm on the replicated queue' }), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
    ['the region serves (after a failover: Queue Backup acts, decision 123)', { runtime: dr, event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: { serving: true, reason: 'serving since a failover: ...' } }],
    ['whether it serves could not be read (escalated as dr-region, naming the failure)', { runtime: dr, event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: { serving: false, reason: 'not serving: whether this region serves could not be read (ThrottlingException)', unread: true } }],
    ['the signal was not read at all', { runtime: dr, event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: undefined }],
    ['the primary region (no standby there)', { runtime: primary, event: alarmEvent({ region: 'us-east-1' }), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
    ['the alarm is OK (a restore, not a backlog)', { runtime: dr, event: alarmEvent({ state: 'OK' }), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
    ["the standby watch's own depth alarm", { runtime: dr, event: alarmEvent({ name: STANDBY_DEPTH }), row: 'dr-standby', playbook: 'watch-standby', serving: NOT_SERVING }],
    ['an alarm on another queue', { runtime: dr, event: alarmEvent({ dimensions: { QueueName: 'another-queue' } }), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
    ['an alarm on another metric of the queue', { runtime: dr, event: alarmEvent({ metricName: 'NumberOfMessagesSent' }), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
    [
      "the replica's CPU (CPU Utilization: no standby alarm on it)",
      { runtime: dr, event: alarmEvent({ name: 'NotificationService RDS CPUUtilization > 70% (notification-service-db-replica)', namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: { DBInstanceIdentifier: 'notification-service-db-replica' } }), row: 'cpu-utilization', playbook: 'scale-up-database', serving: NOT_SERVING },
    ],
    ['a configuration whose standby watch is not deployed in the DR region (nobody would report it)', { runtime: withoutStandbyWatch(dr), event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
    [
      "the replicated queue's low-water alarm, Queue Backup's restore signal (decision 185): a drained queue is no backlog the standby watch reports",
      { runtime: dr, event: alarmEvent({ name: 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)' }), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING },
    ],
    ['an environment without disasterRecovery', { runtime: { ...dr, config: { ...dr.config, environments: { ...dr.config.environments, production: { ...dr.config.environments.production, disasterRecovery: undefined } } } }, event: alarmEvent(), row: 'queue-backup', playbook: 'scale-consumers', serving: NOT_SERVING }],
  ])('does not defer when %s', (_case, input) => {
    expect(standbyDeferral(input)).toBeUndefined();
  });
});

describe('standbyDeferralTargets', () => {
  it("names the standby watch's depth alarm in production's DR region, with the standby watch's window (15 min) to look back over", () => {
    expect([...standbyDeferralTargets(dr.config, 'production', 'us-west-2')]).toEqual([[STANDBY_DEPTH, 15]]);
    // The age of the oldest message and the replica's lag: no other row's alarm watches them.
    expect(standbyDeferralTargets(dr.config, 'production', 'us-west-2').has(STANDBY_AGE)).toBe(false);
  });

  it.each<[string, RuntimeConfig['config'], 'production' | 'staging', string]>([
    ['the primary region', dr.config, 'production', 'us-east-1'],
    ['staging (no DR region)', dr.config, 'staging', 'us-east-1'],
    ['the DR region without the standby watch', withoutStandbyWatch(dr).config, 'production', 'us-west-2'],
    ["the DR region whose standby depth threshold is above Queue Backup's (nothing is deferred to it)", withStandbyDepth(dr, 20000).config, 'production', 'us-west-2'],
  ])('names none in %s', (_case, config, environment, region) => {
    expect(standbyDeferralTargets(config, environment, region).size).toBe(0);
  });
});
