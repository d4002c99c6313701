// Table-driven tests of the pure database scale-up planner: the per-environment ladder, its cap, states that forbid a change.
import { planDatabaseScaleUp, recentDatapoints, type DatabaseObservation } from '../../../shared/playbooks/cpu-utilization-plan';

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
      recentCpuPercent: [82.4, 91.06],
      runbookName: 'NotificationService-ScaleUpDatabase',
    });
    expect(plan).toMatchObject({
      kind: 'change',
      summary: `scale up ${id}: db.r6g.xlarge -> db.r6g.2xlarge (CPU 82.4%, 91.1%): update your IaC (instance_class)`,
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

describe('recentDatapoints', () => {
  it.each<[string, unknown, number[] | undefined]>([
    ['a CloudWatch reasonData with datapoints', { version: '1.0', statistic: 'Average', period: 60, recentDatapoints: [71.2, 88.0], threshold: 70 }, [71.2, 88.0]],
    ['reasonData that was not JSON (kept as text by the parser)', 'not json', undefined],
    ['a state change with no datapoints (INSUFFICIENT_DATA)', { version: '1.0', recentDatapoints: [] }, undefined],
    ['no reasonData at all', undefined, undefined],
  ])('reads %s', (_situation, reasonData, expected) => {
    expect(recentDatapoints(reasonData)).toEqual(expected);
  });
});
