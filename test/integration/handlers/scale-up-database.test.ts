// scale-up-database through its real entry point and the real SDK, against the emulator: assertions on the emulator's state.
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { EnvironmentName } from '../../../shared/config/schema';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount, putDatabaseCpu, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

function cpuAlarm(account: SandboxAccount): string {
  const name = account.topology.alarmNamesByHandler['scale-up-database']?.[0];
  if (!name) throw new Error('the topology has no scale-up-database alarm');
  return name;
}

/**
 * The CPU alarm firing on five minutes over 70% that RDS published to CloudWatch (the playbook reads them there:
 * decision 217), with the datapoints the event would list (the sandbox's transition writes queue-depth ones).
 */
async function cpuAlarmFires(account: SandboxAccount, datapoints = [74.5, 79.3, 84.7, 86.1, 88.4]): Promise<Record<string, unknown>> {
  await putDatabaseCpu(account, datapoints);
  const event = await account.transition(cpuAlarm(account), 'ALARM');
  const state = (event as { detail: { state: { reasonData: string } } }).detail.state;
  state.reasonData = JSON.stringify({ version: '1.0', statistic: 'Average', period: 60, recentDatapoints: datapoints, threshold: 70 });
  return event;
}

async function instanceClass(account: SandboxAccount): Promise<string | undefined> {
  const result = await new RDSClient(account.clientConfig).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }));
  return result.DBInstances?.[0]?.DBInstanceClass;
}

async function fresh(environment: EnvironmentName): Promise<{ account: SandboxAccount; handler: AlarmHandler }> {
  const account = await provisionAccount(environment, { RUNBOOK_CONFIG_JSON: '' });
  return { account, handler: loadHandler('scale-up-database') };
}

describe('scale-up-database in staging (automatic)', () => {
  it('moves the database one class up the ladder, waits until it is available, and records it', async () => {
    const { account, handler } = await fresh('staging');
    expect(await instanceClass(account)).toBe('db.r6g.large');
    const event = await cpuAlarmFires(account);
    const decision = await handler(event);
    expect(decision).toMatchObject({
      outcome: 'applied',
      playbook: 'scale-up-database',
      reason: 'scale up notification-service-db: db.r6g.large -> db.r6g.xlarge (CPU 74.5%, 79.3%, 84.7%, 86.1%, 88.4% in CloudWatch): update your IaC (instance_class)',
      before: { instanceClass: 'db.r6g.large' },
      after: { instanceClass: 'db.r6g.xlarge', status: 'available' },
      blastRadius: expect.stringContaining('single-AZ'),
      resource: { type: 'rds-db-instance', id: 'notification-service-db' },
    });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');

    const again = await handler(event);
    expect(again).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate') });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('escalates at the top of the staging ladder instead of changing', async () => {
    const { account, handler } = await fresh('staging');
    await new RDSClient(account.clientConfig).send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: account.topology.database.identifier, DBInstanceClass: 'db.r6g.xlarge', ApplyImmediately: true }),
    );
    const decision = await handler(await cpuAlarmFires(account));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' }, reason: expect.stringContaining('top of the staging ladder') });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('escalates for a class someone set by hand, off the ladder', async () => {
    const { account, handler } = await fresh('staging');
    await new RDSClient(account.clientConfig).send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: account.topology.database.identifier, DBInstanceClass: 'db.m6g.large', ApplyImmediately: true }),
    );
    const decision = await handler(await cpuAlarmFires(account));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'not-applicable' } });
    expect(await instanceClass(account)).toBe('db.m6g.large');
  });
});

describe('scale-up-database guardrails', () => {
  it('only plans and reports under DRY_RUN, even where it is automatic', async () => {
    const account = await provisionAccount('staging', { RUNBOOK_CONFIG_JSON: '', DRY_RUN: 'true' });
    try {
      const decision = await loadHandler('scale-up-database')(await cpuAlarmFires(account));
      expect(decision).toMatchObject({ outcome: 'dry-run', reason: expect.stringContaining('DRY_RUN') });
      expect(await instanceClass(account)).toBe('db.r6g.large');
    } finally {
      delete process.env.DRY_RUN;
    }
  });

  it('makes one change when the same alarm event arrives ten times at once', async () => {
    const { account, handler } = await fresh('staging');
    const event = await cpuAlarmFires(account);
    const decisions = await Promise.all(Array.from({ length: 10 }, () => handler(event)));
    expect(decisions.filter((d) => d.outcome === 'applied')).toHaveLength(1);
    expect(decisions.filter((d) => d.outcome === 'skipped')).toHaveLength(9);
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });
});

describe('scale-up-database in production (approval only)', () => {
  it('never changes the class itself: escalates with the SSM document and its parameters filled in', async () => {
    const { account, handler } = await fresh('production');
    const decision = await handler(await cpuAlarmFires(account));
    expect(decision).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'approval-required', guardrail: 'approval-required' },
      reason: expect.stringContaining('db.r6g.xlarge -> db.r6g.2xlarge'),
      runbook: {
        documentName: 'NotificationService-ScaleUpDatabase',
        parameters: { DBInstanceIdentifier: ['notification-service-db'], TargetInstanceClass: ['db.r6g.2xlarge'] },
      },
      blastRadius: expect.stringContaining('Multi-AZ failover'),
    });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');

    const published = await account.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const details = (published.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { detail: Record<string, unknown> }).detail);
    expect(details).toEqual([
      expect.objectContaining({ outcome: 'escalate', runbook: expect.objectContaining({ documentName: 'NotificationService-ScaleUpDatabase' }) }),
    ]);
  });

  it('rejects malformed events and databases it does not own, making no AWS call', async () => {
    const { account, handler } = await fresh('production');
    const foreign = await cpuAlarmFires(account);
    const detail = (foreign as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> } } }).detail;
    const first = detail.configuration.metrics[0];
    if (first) first.metricStat.metric.dimensions = { DBInstanceIdentifier: 'reporting-db' };
    const since = await getProxyCallCount(control());
    const decisions = await Promise.all([
      handler({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', account: account.accountId }),
      handler({ ...foreign, source: 'aws.rds' }),
      handler(foreign),
    ]);
    for (const d of decisions) expect(d).toMatchObject({ outcome: 'rejected' });
    expect(decisions[2]?.reason).toContain('reporting-db is not one of');
    expect((await getProxyCalls(control(), since)).filter((c) => c.accountId === account.accountId)).toEqual([]);
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });
});

describe('scale-up-database in development (report only)', () => {
  it('plans the next class and reports it, never changing the database', async () => {
    const { account, handler } = await fresh('development');
    const decision = await handler(await cpuAlarmFires(account));
    expect(decision).toMatchObject({
      outcome: 'dry-run',
      dryRun: true,
      reason: expect.stringMatching(/db\.t3\.medium -> db\.t3\.large.*report-only/),
      runbook: { parameters: { TargetInstanceClass: ['db.t3.large'] } },
    });
    expect(await instanceClass(account)).toBe('db.t3.medium');
  });
});
