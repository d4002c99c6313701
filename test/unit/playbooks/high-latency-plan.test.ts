// Table-driven tests of the High Latency diagnosis: which database figure is the likely cause, and what it records.
import {
  connectionsReading,
  diagnoseDatabase,
  planDbConnectionsCheck,
  type DbConnectionsObservation,
  type MetricSeries,
} from '../../../shared/playbooks/high-latency-plan';

const policy = { saturationPercent: 80, cpuPercent: 70, replicaLagSeconds: 30, windowMinutes: 5, saturationHoldMinutes: 15 };
const GIB = 1024 ** 3;

/** One datapoint a minute ending at 12:05, oldest first, as the playbook hands them over. */
function series(...values: number[]): MetricSeries {
  return { timestamps: values.map((_, i) => new Date(Date.UTC(2026, 0, 15, 12, 5 - values.length + 1 + i)).toISOString()), values };
}

interface Figures {
  connections?: number[];
  cpu?: number[];
  freeableGiB?: number[];
  replicaLag?: Record<string, number[]>;
}

function observation(figures: Figures = {}, database: Partial<DbConnectionsObservation['database']> = {}, maxConnectionsParameter?: string): DbConnectionsObservation {
  return {
    database: { identifier: 'notification-service-db', engine: 'postgres', instanceClass: 'db.r6g.xlarge', status: 'available', readReplicas: [], ...database },
    ...(maxConnectionsParameter !== undefined ? { maxConnectionsParameter } : {}),
    windowMinutes: 5,
    observedAt: '2026-01-15T12:05:30.000Z',
    metrics: {
      databaseConnections: series(...(figures.connections ?? [400, 420, 410])),
      cpuUtilizationPercent: series(...(figures.cpu ?? [22, 25, 24])),
      freeableMemoryBytes: series(...(figures.freeableGiB ?? [20, 19.5]).map((g) => g * GIB)),
      readLatencySeconds: series(0.0012, 0.0015),
      writeLatencySeconds: series(0.002, 0.0021),
      replicaLagSeconds: Object.fromEntries(Object.entries(figures.replicaLag ?? {}).map(([id, values]) => [id, series(...values)])),
    },
  };
}

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
    expect(planDbConnectionsCheck({ state: 'ALARM', observation: observation(), policy })).toMatchObject({ kind: 'escalate', cause: 'diagnosis', reason: expect.stringContaining('look at the function') });
  });

  it('reports the figures and changes nothing when the latency alarm returns to OK', () => {
    expect(planDbConnectionsCheck({ state: 'OK', observation: observation(), policy })).toMatchObject({ kind: 'none', reason: expect.stringContaining('latency is back under its threshold') });
  });
});
