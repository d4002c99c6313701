// check-db-connections through its real entry point and the real SDK, against the emulator: the cause named from the
// metrics moto holds, the reading recorded on the database's state, nothing changed in RDS.
import { CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, ModifyDBParameterGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { dbReading, latencyAlarm, publishCacheNodeMetrics, publishFunctionDuration, publishRdsMetrics } from '../support/rds-figures';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

const DB = 'notification-service-db';

async function fire(account: SandboxAccount, handler: AlarmHandler): Promise<Decision> {
  await account.transition(latencyAlarm(account), 'OK');
  return handler(await account.transition(latencyAlarm(account), 'ALARM', 'Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (500.0)'));
}

async function instanceClass(account: SandboxAccount): Promise<string | undefined> {
  const rds = new RDSClient(account.clientConfig);
  const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB }));
  rds.destroy();
  return described.DBInstances?.[0]?.DBInstanceClass;
}

describe('check-db-connections in production (db.r6g.xlarge)', () => {
  it('names connection saturation with the figures, records it on the database and changes nothing', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler('check-db-connections');
    await publishRdsMetrics(account, { connections: 3000, cpuPercent: 41 });
    const decision = await fire(account, handler);
    expect(decision).toMatchObject({
      outcome: 'escalate',
      playbook: 'check-db-connections',
      escalation: { cause: 'diagnosis' },
      resource: { type: 'rds-db-instance', id: DB },
    });
    expect(decision.reason).toBe(`likely cause: connection saturation on ${DB} — 3000 connections of max_connections ≈3505 (85.6%), at or above 80%`);
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('DatabaseConnections: 3000 now, peak 3000 over 5 min; max_connections ≈3505 (engine default LEAST({DBInstanceClassMemory/9531392},5000)'),
        'CPUUtilization: 41.0% now, peak 41.0% (cause at 70%)',
        'FreeableMemory: lowest 21.00 GiB (65.6% of 32 GiB)',
        'ReadLatency 1.40 ms, WriteLatency 2.20 ms (latest)',
        'ReplicaLag: no read replicas',
        expect.stringMatching(/^scale-consumers holds back until .*: more consumers would open more connections$/),
      ]),
    );
    const reading = await dbReading(account);
    expect(reading).toMatchObject({ database: DB, connections: 3000, maxConnections: 3505, percent: 85.6, saturated: true, thresholdPercent: 80 });
    // Held for the project default's 15 minutes (checkDbConnections.saturationHoldMinutes) from the reading's own time.
    expect(Date.parse(String(reading?.saturatedUntil)) - Date.parse(String(reading?.observedAt))).toBe(15 * 60_000);
    expect(decision.findings).toContain(`scale-consumers holds back until ${String(reading?.saturatedUntil)}: more consumers would open more connections`);
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('uses the parameter group max_connections when the DBA set one', async () => {
    const account = await provisionAccount('production');
    const rds = new RDSClient(account.clientConfig);
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: account.topology.database.parameterGroupName,
        Parameters: [{ ParameterName: 'max_connections', ParameterValue: '1000', ApplyMethod: 'pending-reboot' }],
      }),
    );
    rds.destroy();
    await publishRdsMetrics(account, { connections: 850 });
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision.reason).toBe(`likely cause: connection saturation on ${DB} — 850 connections of max_connections 1000 (85.0%), at or above 80%`);
    expect(decision.findings?.[0]).toContain('(parameter group value 1000)');
  });

  it('evaluates a formula the parameter group holds', async () => {
    const account = await provisionAccount('production');
    const rds = new RDSClient(account.clientConfig);
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: account.topology.database.parameterGroupName,
        Parameters: [{ ParameterName: 'max_connections', ParameterValue: 'LEAST({DBInstanceClassMemory/9531392},2000)', ApplyMethod: 'pending-reboot' }],
      }),
    );
    rds.destroy();
    await publishRdsMetrics(account, { connections: 1200 });
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision.reason).toContain('no cause found in the database, the cache or the function');
    expect(decision.reason).toContain('1200 connections of max_connections ≈2000 (60.0%)');
    expect(await dbReading(account)).toMatchObject({ saturated: false, maxConnections: 2000 });
  });

  it('names CPU when connections are fine and CPU is not', async () => {
    const account = await provisionAccount('production');
    await publishRdsMetrics(account, { connections: 300, cpuPercent: 93 });
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision.reason).toBe(`likely cause: CPU on ${DB} — CPUUtilization 93.0% at or above 70%`);
    expect(await dbReading(account)).toMatchObject({ saturated: false, connections: 300 });
  });

  it('names replica lag from the read replica, in the same single GetMetricData call', async () => {
    const account = await provisionAccount('production');
    const rds = new RDSClient(account.clientConfig);
    await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: `${DB}-replica`, SourceDBInstanceIdentifier: DB, DBInstanceClass: 'db.r6g.xlarge' }));
    rds.destroy();
    await publishRdsMetrics(account, { connections: 300, replicaLag: { [`${DB}-replica`]: 45 } });
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision.reason).toBe(`likely cause: replica lag — ${DB}-replica is 45 s behind ${DB} (at or above 30 s)`);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId && c.operation === 'GetMetricData');
    expect(calls).toHaveLength(1);
  });

  it('reports the figures on OK, and a healthy reading replaces a saturated one', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler('check-db-connections');
    // The saturated minute two minutes ago, a healthy one now: the latest datapoint is what counts.
    await publishRdsMetrics(account, { connections: 3300, at: new Date(Date.now() - 120_000) });
    expect(await fire(account, handler)).toMatchObject({ outcome: 'escalate', reason: expect.stringContaining('connection saturation') });
    expect(await dbReading(account)).toMatchObject({ saturated: true });
    await publishRdsMetrics(account, { connections: 400 });
    const ok = await handler(await account.transition(latencyAlarm(account), 'OK'));
    expect(ok).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('latency is back under its threshold; no cause found in the database') });
    const reading = await dbReading(account);
    expect(reading).toMatchObject({ saturated: false, connections: 400 });
    expect(reading?.saturatedUntil).toBeUndefined();
  });

  it('rejects an alarm on a database it does not own, and a malformed event, with no AWS call', async () => {
    const account = await provisionAccount('production');
    const handler = loadHandler('check-db-connections');
    const event = (await account.transition(latencyAlarm(account), 'ALARM')) as {
      detail: { configuration: { metrics: Array<{ metricStat: { metric: { namespace: string; name: string; dimensions: Record<string, string> } } }> } };
    };
    const metric = event.detail.configuration.metrics[0];
    if (metric) metric.metricStat.metric = { namespace: 'AWS/RDS', name: 'ReadLatency', dimensions: { DBInstanceIdentifier: 'billing-db' } };
    // After the test's own transition: every call from here on is the handler's, and none is expected.
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decisions = await Promise.all([handler(event), handler({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: {} }), handler(42)]);
    for (const d of decisions) expect(d).toMatchObject({ outcome: 'rejected' });
    expect(decisions[0]?.reason).toContain('database billing-db is not one of the production databases');
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual([]);
  });
});

describe('check-db-connections looks at the cache and the function too', () => {
  const CACHE = 'notification-service-cache';

  it('names the cache when its Redis thread is saturated and the database is healthy, from one GetMetricData call, changing nothing', async () => {
    const account = await provisionAccount('production');
    await publishRdsMetrics(account, { connections: 310, cpuPercent: 28 });
    // A hot key: the primary's Redis thread at 97%, misses climbing, the replica keeping up.
    await publishCacheNodeMetrics(account, `${CACHE}-001`, { engineCpuPercent: 97, currConnections: 1850, evictions: 0, cacheHitRatePercent: 91.5 });
    await publishCacheNodeMetrics(account, `${CACHE}-002`, { engineCpuPercent: 22, currConnections: 420, evictions: 0, cacheHitRatePercent: 95.1, replicationLagSeconds: 0.04 });
    await publishFunctionDuration(account, 1650);
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' }, resource: { type: 'rds-db-instance', id: DB } });
    expect(decision.reason).toBe(
      `likely cause: the cache ${CACHE} — EngineCPUUtilization 97.0% on ${CACHE}-001 (at or above 90%) (also: function notification-service-consumer duration)`,
    );
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        `ElastiCache ${CACHE}: available, cache.r6g.large, 2 node(s), automatic failover enabled`,
        `  ${CACHE}-001: primary, available, EngineCPUUtilization 97.0%, CacheHitRate 91.5%, Evictions 0 in 5 min, CurrConnections 1850`,
        `  ${CACHE}-002: replica, available, EngineCPUUtilization 22.0%, CacheHitRate 95.1%, Evictions 0 in 5 min, CurrConnections 420, ReplicationLag 0.0 s`,
        'Duration of notification-service-consumer: 1650 ms average now, maximum 1650 ms over 5 min (latency threshold 500 ms)',
        'FreeStorageSpace: lowest 64.0 GiB (64.0% of 100 GiB allocated; cause at 10% or less)',
        'DiskQueueDepth: 0.5 now, peak 0.5 (cause at 10)',
      ]),
    );
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
    expect(calls.filter((c) => c.operation === 'GetMetricData')).toHaveLength(1);
    expect(calls.filter((c) => c.service === 'elasticache').map((c) => c.operation).sort()).toEqual(['DescribeCacheClusters', 'DescribeCacheClusters', 'DescribeReplicationGroups']);
    // Diagnosis only: the cache is as provisioned.
    const elastiCache = new ElastiCacheClient(account.clientConfig);
    const group = (await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: CACHE }))).ReplicationGroups?.[0];
    elastiCache.destroy();
    expect(group).toMatchObject({ Status: 'available', CacheNodeType: 'cache.r6g.large', MemberClusters: [`${CACHE}-001`, `${CACHE}-002`] });
    expect(await dbReading(account)).toMatchObject({ saturated: false, connections: 310 });
  });

  it('names the function itself when the database and the cache are healthy and its Duration is over the threshold', async () => {
    const account = await provisionAccount('production');
    await publishRdsMetrics(account, { connections: 300, cpuPercent: 25 });
    await publishCacheNodeMetrics(account, `${CACHE}-001`, { engineCpuPercent: 18, currConnections: 900, evictions: 0, cacheHitRatePercent: 97.4 });
    await publishCacheNodeMetrics(account, `${CACHE}-002`, { engineCpuPercent: 12, currConnections: 300, evictions: 0, cacheHitRatePercent: 96.8, replicationLagSeconds: 0.02 });
    await publishFunctionDuration(account, 2400);
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision.reason).toBe(
      'likely cause: the function itself — notification-service-consumer Duration 2400 ms average, at or above the 500 ms latency threshold, while the database and the cache show no cause',
    );
  });
});

describe('check-db-connections under DRY_RUN and the kill switch', () => {
  afterAll(() => {
    // provisionAccount put DRY_RUN into this process's environment: later handlers must not inherit it.
    delete process.env.DRY_RUN;
  });

  it('still diagnoses and records its reading: neither changes anything in AWS', async () => {
    const account = await provisionAccount('production', { DRY_RUN: 'true' });
    const { SSMClient, PutParameterCommand } = await import('@aws-sdk/client-ssm');
    const ssm = new SSMClient(account.clientConfig);
    await ssm.send(new PutParameterCommand({ Name: account.topology.killSwitch.name, Value: 'on', Type: 'String', Overwrite: true }));
    ssm.destroy();
    await publishRdsMetrics(account, { connections: 3100 });
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision).toMatchObject({ outcome: 'escalate', dryRun: true, escalation: { cause: 'diagnosis' }, reason: expect.stringContaining('connection saturation') });
    expect(await dbReading(account)).toMatchObject({ saturated: true, connections: 3100 });
  });
});

describe('check-db-connections in development (db.t3.medium)', () => {
  it('diagnoses against the smaller class: 350 connections of ≈414 is saturation', async () => {
    const account = await provisionAccount('development');
    await publishRdsMetrics(account, { connections: 350, freeableGiB: 0.6 });
    const decision = await fire(account, loadHandler('check-db-connections'));
    expect(decision).toMatchObject({ outcome: 'escalate', environment: 'development', escalation: { cause: 'diagnosis' } });
    expect(decision.reason).toBe(`likely cause: connection saturation on ${DB} — 350 connections of max_connections ≈414 (84.5%), at or above 80%`);
    expect(decision.findings).toEqual(expect.arrayContaining(['FreeableMemory: lowest 0.60 GiB (15.0% of 4 GiB)']));
  });
});
