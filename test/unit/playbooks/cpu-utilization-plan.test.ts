// Table-driven tests of the pure database scale-up planner: the per-environment ladder, its cap, states that forbid a change.
import { planDatabaseScaleUp as planFor, type DatabaseObservation, type DatabasePlanInput } from '../../../shared/playbooks/cpu-utilization-plan';
import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** Production's CPU alarm (> 70, 5 of 5 minutes) on notification-service-db, and five minutes over it in CloudWatch. */
const CPU_ALARM = rowAlarm('cpu-utilization');
const HOT = metricRead([82.4, 91.06, 88, 79.5, 85]);
const planDatabaseScaleUp = (input: Omit<DatabasePlanInput, 'alarm'> & Partial<Pick<DatabasePlanInput, 'alarm'>>) =>
  planFor({ alarm: { alarmName: CPU_ALARM.alarmName, configured: CPU_ALARM }, cpuMetric: HOT, ...input });

const ladders = {
  production: ['db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge'],
  staging: ['db.r6g.large', 'db.r6g.xlarge'],
  development: ['db.t3.medium', 'db.t3.large'],
};
const id = 'notification-service-db';

function db(instanceClass: string, overrides: Partial<DatabaseObservation> = {}): DatabaseObservation {
  return { dbInstanceIdentifier: id, instanceClass, status: 'available', multiAz: false, engine: 'postgres', readReplicas: [], ...overrides };
}

describe('planDatabaseScaleUp', () => {
  it.each<[string, keyof typeof ladders, string, string]>([
    ['production at its seed size', 'production', 'db.r6g.xlarge', 'db.r6g.2xlarge'],
    ['production one rung up already', 'production', 'db.r6g.2xlarge', 'db.r6g.4xlarge'],
    ['staging at its seed size', 'staging', 'db.r6g.large', 'db.r6g.xlarge'],
    ['development at its seed size', 'development', 'db.t3.medium', 'db.t3.large'],
  ])('takes %s to the next class on its ladder', (_situation, environment, current, next) => {
    const plan = planDatabaseScaleUp({ observation: db(current), policy: { ladder: ladders[environment] }, environment });
    expect(plan).toMatchObject({ kind: 'change', direction: 'scale-up', change: { dbInstanceIdentifier: id, fromClass: current, toClass: next } });
  });

  it('fills in the SSM document that makes the change behind approval, and names the drift and the CPU', () => {
    const plan = planDatabaseScaleUp({
      observation: db('db.r6g.xlarge', { multiAz: true }),
      policy: { ladder: ladders.production },
      environment: 'production',
      cpuMetric: metricRead([82.4, 91.06, 85, 88, 90]),
      runbookName: 'NotificationService-ScaleUpDatabase',
    });
    expect(plan).toMatchObject({
      kind: 'change',
      summary: `scale up ${id}: db.r6g.xlarge -> db.r6g.2xlarge (CPU 82.4%, 91.1%, 85%, 88%, 90% in CloudWatch): update your IaC (instance_class)`,
      runbook: { documentName: 'NotificationService-ScaleUpDatabase', parameters: { DBInstanceIdentifier: [id], TargetInstanceClass: ['db.r6g.2xlarge'] } },
      blastRadius: expect.stringContaining('Multi-AZ failover'),
    });
  });

  it('says a single-AZ instance is unavailable during the change and that replicas keep their class', () => {
    const plan = planDatabaseScaleUp({ observation: db('db.r6g.large', { readReplicas: ['notification-service-db-replica'] }), policy: { ladder: ladders.staging }, environment: 'staging' });
    expect(plan.kind === 'change' && plan.blastRadius).toMatch(/unavailable while the class changes.*notification-service-db-replica keep their class/);
  });

  it.each<[string, DatabaseObservation, keyof typeof ladders, object]>([
    ['at the top of the production ladder', db('db.r6g.4xlarge'), 'production', { kind: 'escalate', cause: 'cap-reached' }],
    ['at the top of the staging ladder', db('db.r6g.xlarge'), 'staging', { kind: 'escalate', cause: 'cap-reached' }],
    ['on a class someone chose by hand, off the ladder', db('db.m6g.2xlarge'), 'production', { kind: 'escalate', cause: 'not-applicable', reason: expect.stringContaining('not on the production ladder') }],
    ['while a backup runs', db('db.r6g.xlarge', { status: 'backing-up' }), 'production', { kind: 'escalate', cause: 'not-applicable', reason: expect.stringContaining('backing-up') }],
    ['while a class change is already pending', db('db.r6g.xlarge', { pendingInstanceClass: 'db.r6g.2xlarge' }), 'production', { kind: 'none', reason: expect.stringContaining('already has a class change pending') }],
    ['while the instance is being modified', db('db.r6g.xlarge', { status: 'modifying' }), 'production', { kind: 'none' }],
  ])('does not change the class %s', (_situation, observation, environment, expected) => {
    expect(planDatabaseScaleUp({ observation, policy: { ladder: ladders[environment] }, environment })).toMatchObject(expected);
  });
});

describe('planDatabaseScaleUp corroborates the alarm with CloudWatch before a class change (decision 217)', () => {
  const staging = { policy: { ladder: ladders.staging }, environment: 'staging' } as const;
  it.each<[string, Partial<DatabasePlanInput>, string]>([
    // SetAlarmState ALARM writes no datapoint: CloudWatch holds none, whatever StateReasonData said.
    ['the alarm set by hand with no datapoints (SetAlarmState)', { cpuMetric: metricRead([]) }, 'AWS/RDS CPUUtilization (Average) in CloudWatch from 2026-12-06T11:56:00.000Z to 2026-12-06T12:06:00.000Z: no datapoints'],
    ['CPU under the threshold every minute', { cpuMetric: metricRead([12, 15, 11, 14, 13]) }, '12, 15, 11, 14, 13 (0 > 70, 5 needed)'],
    ['four of the five minutes over (the alarm needs 5 of 5)', { cpuMetric: metricRead([88, 91, 85, 40, 90]) }, '(4 > 70, 5 needed)'],
    ['exactly at the threshold (the alarm is > 70)', { cpuMetric: metricRead([70, 70, 70, 70, 70]) }, '(0 > 70, 5 needed)'],
    ['the metric not read', { cpuMetric: { status: 'unread', reason: 'CloudWatch GetMetricData failed: AccessDenied' } }, 'could not be read (CloudWatch GetMetricData failed: AccessDenied)'],
    ['an alarm this deployment does not define', { alarm: { alarmName: 'someone else\'s alarm' } }, 'not a CPU alarm this deployment defines'],
    ['an alarm on another instance', { alarm: { alarmName: 'x', configured: { ...CPU_ALARM, metric: { ...CPU_ALARM.metric!, dimensions: { DBInstanceIdentifier: 'other-db' } } } } }, 'watches other-db, not notification-service-db'],
  ])('does not change the class: %s', (_situation, input, said) => {
    const plan = planDatabaseScaleUp({ observation: db('db.r6g.large'), ...staging, ...input });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'not-corroborated', reason: expect.stringContaining('not corroborated') });
    expect(plan.kind === 'escalate' && plan.reason).toContain(said);
    expect(plan.kind === 'escalate' && plan.reason).toContain('nothing changed');
  });

  // Review 14 R14-2: CloudWatch puts the 5-of-5 alarm (missing data `missing`) in ALARM on 4 real datapoints when the
  // oldest is 5 minutes old and the one missing minute is in between ("Avoiding premature transitions to alarm state").
  it('changes the class on 82, 85, 88, -, 90 with nothing earlier, as CloudWatch alarmed on them', () => {
    const plan = planDatabaseScaleUp({ observation: db('db.r6g.large'), ...staging, cpuMetric: metricRead([82, 85, 88, undefined, 90]) });
    expect(plan).toMatchObject({ kind: 'change', summary: expect.stringContaining('(CPU 82%, 85%, 88%, 90% in CloudWatch)') });
  });

  it('changes the class when five minutes in CloudWatch are over the threshold, and cites them', () => {
    const plan = planDatabaseScaleUp({ observation: db('db.r6g.large'), ...staging, cpuMetric: metricRead([71, 75.25, 80, 90, 99]) });
    expect(plan).toMatchObject({ kind: 'change', summary: expect.stringContaining('(CPU 71%, 75.3%, 80%, 90%, 99% in CloudWatch)') });
  });

  it('still skips or escalates for the instance first: a pending change is not a page about the alarm', () => {
    const plan = planDatabaseScaleUp({ observation: db('db.r6g.large', { status: 'modifying' }), ...staging, cpuMetric: metricRead([]) });
    expect(plan).toMatchObject({ kind: 'none', reason: expect.stringContaining('being modified') });
  });
});
