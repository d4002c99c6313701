// Table-driven tests of the High Latency diagnosis: which database, cache or function figure is the likely cause, and what it records.
import { connectionsReading, diagnoseDatabase, diagnoseLatency, planDbConnectionsCheck, type CacheObservation, type DbConnectionsObservation } from '../../../shared/playbooks/high-latency-plan';
import { cache, observation, policy, series } from '../../support/high-latency-observation';

describe('diagnoseDatabase names the likely cause', () => {
  it.each<[string, DbConnectionsObservation, string, boolean, RegExp]>([
    [
      'a connection storm on the production class (3000 of ≈3505)',
      observation({ connections: [2600, 2900, 3000] }),
      'connections',
      true,
      /connection saturation on notification-service-db — 3000 connections of max_connections ≈3505 \(85\.6%\)/,
    ],
    ['exactly 80% of a fixed max_connections of 1000', observation({ connections: [800] }, {}, '1000'), 'connections', true, /800 connections of max_connections 1000 \(80\.0%\)/],
    ['79.9% is not yet saturation', observation({ connections: [799] }, {}, '1000'), 'none', false, /no database cause found/],
    ['a development t3.medium with 350 of ≈414', observation({ connections: [350] }, { instanceClass: 'db.t3.medium' }), 'connections', true, /350 connections of max_connections ≈414/],
    ['a CPU-bound query plan (CPU 92%, few connections)', observation({ cpu: [60, 88, 92] }), 'cpu', false, /likely cause: CPU on notification-service-db — CPUUtilization 92\.0%/],
    [
      'a read replica 45 s behind',
      observation({ replicaLag: { 'notification-service-db-replica': [20, 45] } }, { readReplicas: ['notification-service-db-replica'] }),
      'replica-lag',
      false,
      /replica lag — notification-service-db-replica is 45 s behind notification-service-db/,
    ],
    ['healthy figures: the database is not the cause', observation(), 'none', false, /no database cause found on notification-service-db — 410 connections of max_connections ≈3505 \(11\.7%\), CPU 24\.0%, no replica lag/],
  ])('%s -> %s', (_situation, obs, cause, saturated, headline) => {
    const diagnosis = diagnoseDatabase(obs, policy);
    expect(diagnosis.cause).toBe(cause);
    expect(diagnosis.saturated).toBe(saturated);
    expect(diagnosis.headline).toMatch(headline);
  });

  it('names connections first and lists the other causes that hold too', () => {
    const diagnosis = diagnoseDatabase(observation({ connections: [3300], cpu: [95] }), policy);
    expect(diagnosis.causes).toEqual(['connections', 'cpu']);
    expect(diagnosis.headline).toContain('(also: cpu)');
  });

  it('uses the latest datapoint, not an earlier peak, to call saturation', () => {
    const diagnosis = diagnoseDatabase(observation({ connections: [3400, 3300, 1200] }), policy);
    expect(diagnosis.saturated).toBe(false);
    expect(diagnosis.findings[0]).toContain('DatabaseConnections: 1200 now, peak 3400 over 5 min');
  });

  it('says saturation cannot be judged without DatabaseConnections datapoints', () => {
    const diagnosis = diagnoseDatabase(observation({ connections: [] }), policy);
    expect(diagnosis).toMatchObject({ saturated: false, cause: 'none' });
    expect(diagnosis.findings[0]).toBe('DatabaseConnections: no datapoints in the last 5 min: saturation cannot be judged');
  });

  it('cannot call saturation when max_connections is an expression it does not evaluate', () => {
    const diagnosis = diagnoseDatabase(observation({ connections: [5000] }, {}, '{log(DBInstanceClassMemory/8187281418)*1000}'), policy);
    expect(diagnosis.saturated).toBe(false);
    expect(diagnosis.headline).toContain('5000 connections (max_connections unknown)');
  });

  it.each<[string, DbConnectionsObservation, string]>([
    ['the figures behind max_connections', observation(), 'engine default LEAST({DBInstanceClassMemory/9531392},5000) with DBInstanceClassMemory ≈'],
    ['a pending-reboot parameter group', observation({}, { parameterGroupName: 'pg', parameterApplyStatus: 'pending-reboot' }), 'parameter group pg is pending-reboot'],
    ['an instance being modified', observation({}, { status: 'modifying' }), 'notification-service-db is modifying, not available'],
    ['low freeable memory as a share of the class', observation({ freeableGiB: [1.6] }), 'FreeableMemory: lowest 1.60 GiB (5.0% of 32 GiB)'],
    ['read and write latency in milliseconds', observation(), 'ReadLatency 1.50 ms, WriteLatency 2.10 ms (latest)'],
    ['no replicas', observation(), 'ReplicaLag: no read replicas'],
    ['a replica without datapoints', observation({}, { readReplicas: ['r1'] }), 'ReplicaLag: no datapoints for r1'],
  ])('reports %s', (_what, obs, text) => {
    expect(diagnoseDatabase(obs, policy).findings.join('\n')).toContain(text);
  });
});

describe('connectionsReading: what scale-consumers will see', () => {
  it('records the figures and a hold of saturationHoldMinutes when saturated', () => {
    const obs = observation({ connections: [3000] });
    expect(connectionsReading(obs, diagnoseDatabase(obs, policy), policy, 'incident-1')).toEqual({
      database: 'notification-service-db',
      observedAt: '2026-01-15T12:05:30.000Z',
      connections: 3000,
      maxConnections: 3505,
      percent: 85.6,
      thresholdPercent: 80,
      saturated: true,
      saturatedUntil: '2026-01-15T12:20:30.000Z',
      incidentKey: 'incident-1',
    });
  });

  it('records a healthy reading without a hold, which lifts an earlier one', () => {
    const obs = observation();
    const reading = connectionsReading(obs, diagnoseDatabase(obs, policy), policy, 'incident-2');
    expect(reading).toMatchObject({ saturated: false, connections: 410 });
    expect(reading.saturatedUntil).toBeUndefined();
  });
});

describe('planDbConnectionsCheck', () => {
  it('escalates a diagnosis on ALARM, naming the cause and the hold it puts on scale-consumers', () => {
    const plan = planDbConnectionsCheck({ state: 'ALARM', observation: observation({ connections: [3000] }), policy });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'diagnosis', reason: expect.stringContaining('connection saturation') });
    expect(plan.kind === 'escalate' && plan.findings).toEqual(expect.arrayContaining([expect.stringContaining('scale-consumers holds back until 2026-01-15T12:20:30.000Z')]));
  });

  it('escalates on ALARM even when the database is healthy: the latency still needs a person', () => {
    expect(planDbConnectionsCheck({ state: 'ALARM', observation: observation(), policy })).toMatchObject({
      kind: 'escalate',
      cause: 'diagnosis',
      reason: expect.stringContaining('look at the API Gateway integration'),
    });
  });

  it('reports the figures and changes nothing when the latency alarm returns to OK', () => {
    expect(planDbConnectionsCheck({ state: 'OK', observation: observation(), policy })).toMatchObject({ kind: 'none', reason: expect.stringContaining('latency is back under its threshold') });
  });
});

describe('diagnoseLatency names the component: the database, the cache or the function itself', () => {
  const C = 'notification-service-cache';
  it.each<[string, DbConnectionsObservation, string, string]>([
    [
      'a hot Redis thread (EngineCPUUtilization 97% on the primary) while the database idles',
      observation({ cache: [cache({ engineCpu: [88, 97] })], durationMs: [1500, 1900] }),
      'cache',
      `likely cause: the cache ${C} — EngineCPUUtilization 97.0% on ${C}-001 (at or above 90%) (also: function notification-service-consumer duration)`,
    ],
    [
      'a cache that lost its working set: hit rate 41% after 5200 evictions',
      observation({ cache: [cache({ hitRate: [63, 41], evictions: [2400, 2800] }, { hitRate: [70, 44] })] }),
      'cache',
      `likely cause: the cache ${C} — CacheHitRate 41.0% on ${C}-001 (below 80%), 5200 evictions in 5 min: misses go to the database`,
    ],
    [
      'a failover in progress (the replica node is modifying)',
      observation({ cache: [cache({}, { status: 'modifying' }, { status: 'modifying' })] }),
      'cache',
      `likely cause: the cache ${C} — the replication group is modifying, ${C}-002 is modifying, not available (a failover, modification or maintenance in progress)`,
    ],
    [
      'a connection leak: 60000 clients of maxclients 65000',
      observation({ cache: [cache({ connections: [58000, 60000] })] }),
      'cache',
      `likely cause: the cache ${C} — CurrConnections 60000 on ${C}-001, 92.3% of maxclients 65000 (at or above 80%)`,
    ],
    [
      'a replica 12 s behind its primary',
      observation({ cache: [cache({}, { lag: [3, 12] })] }),
      'cache',
      `likely cause: the cache ${C} — ${C}-002 replicates 12.0 s behind (at or above 5 s)`,
    ],
    [
      'a slow function (1840 ms average) with a healthy database and cache',
      observation({ durationMs: [1700, 1840] }),
      'function',
      'likely cause: the function itself — notification-service-consumer Duration 1840 ms average, at or above the 500 ms latency threshold, while the database and the cache show no cause',
    ],
    [
      'nothing wrong anywhere: the API integration is left',
      observation(),
      'none',
      `no cause found in the database, the cache or the function — 410 connections of max_connections ≈3505 (11.7%), CPU 24.0%, cache ${C} CacheHitRate 97.2%, EngineCPUUtilization 21.0%, 0 evictions, notification-service-consumer Duration 150 ms: look at the API Gateway integration`,
    ],
    [
      'a saturated database and a hot cache: the database first, the cache named too',
      observation({ connections: [3000], cache: [cache({ engineCpu: [95] })] }),
      'database',
      `likely cause: connection saturation on notification-service-db — 3000 connections of max_connections ≈3505 (85.6%), at or above 80% (also: cache ${C} engine-cpu)`,
    ],
    [
      'a full disk queue (DiskQueueDepth 24)',
      observation({ diskQueue: [18, 24] }),
      'database',
      'likely cause: storage I/O on notification-service-db — DiskQueueDepth 24.0 (at or above 10)',
    ],
    [
      'storage nearly full (6.5 GiB of 100 GiB free)',
      observation({ freeStorageGiB: [7.1, 6.5] }),
      'database',
      'likely cause: storage on notification-service-db — FreeStorageSpace 6.5 GiB, 6.5% of 100 GiB (at or below 10%)',
    ],
  ])('%s -> %s', (_situation, obs, component, headline) => {
    const diagnosis = diagnoseLatency(obs, policy);
    expect(diagnosis.component).toBe(component);
    expect(diagnosis.headline).toBe(headline);
  });

  it('lists every node of the cache with its figures, and the database storage and function duration', () => {
    const findings = diagnoseLatency(observation({ cache: [cache({ evictions: [10, 30] })] }), policy).findings;
    expect(findings).toEqual(
      expect.arrayContaining([
        `ElastiCache ${C}: available, cache.r6g.large, 2 node(s), automatic failover enabled`,
        `  ${C}-001: primary, available, EngineCPUUtilization 21.0%, CacheHitRate 97.2%, Evictions 40 in 5 min, CurrConnections 1450`,
        `  ${C}-002: replica, available, EngineCPUUtilization 21.0%, CacheHitRate 97.2%, Evictions 0 in 5 min, CurrConnections 1450, ReplicationLag 0.0 s`,
        'Duration of notification-service-consumer: 150 ms average now, maximum 300 ms over 5 min (latency threshold 500 ms)',
        'FreeStorageSpace: lowest 61.1 GiB (61.1% of 100 GiB allocated; cause at 10% or less)',
        'DiskQueueDepth: 0.6 now, peak 0.6 (cause at 10)',
      ]),
    );
  });

  it('never calls a cache healthy that it could not read: not found, or no datapoints', () => {
    const missing = diagnoseLatency(observation({ cache: [{ replicationGroupId: C, missing: 'replication group not found', nodes: [] }] }), policy);
    expect(missing.component).toBe('none');
    expect(missing.headline).toContain(`cache ${C} not judged (replication group not found)`);
    expect(missing.headline).toContain(`(not judged: ${C})`);
    expect(missing.findings).toContain(`ElastiCache ${C}: replication group not found: the cache cannot be judged`);
    const healthy = cache();
    const empty: CacheObservation = {
      ...healthy,
      nodes: healthy.nodes.map((n) => ({ ...n, engineCpuPercent: series(), currConnections: series(), evictions: series(), cacheHitRatePercent: series(), replicationLagSeconds: series() })),
    };
    const silent = diagnoseLatency(observation({ cache: [empty] }), policy);
    expect(silent.caches[0]?.judged).toBe(false);
    expect(silent.headline).toContain(`(not judged: ${C})`);
  });

  it('plans an escalation naming the cache as the cause on ALARM', () => {
    const plan = planDbConnectionsCheck({ state: 'ALARM', observation: observation({ cache: [cache({ engineCpu: [97] })] }), policy });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'diagnosis', reason: `likely cause: the cache ${C} — EngineCPUUtilization 97.0% on ${C}-001 (at or above 90%)` });
  });
});
