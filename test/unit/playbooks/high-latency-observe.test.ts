// check-db-connections' observe against the shapes RDS and CloudWatch answer (mocked clients, sources per case): a
// primary whose read replica is in another region is named by ARN, and its ReplicaLag is not asked for with that ARN.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, DescribeDBParametersCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError } from '../../../shared/errors';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { highLatencyPlaybook, replicasByRegion } from '../../../shared/playbooks/high-latency';
import { diagnoseCache, diagnoseDatabase } from '../../../shared/playbooks/high-latency-plan';
import { ManualClock } from '../../support/manual-clock';

// Sources:
//  [X] getmoto/moto#5423 (from DescribeDBInstances on AWS): "for cross-region replication, AWS provides full arns for
//      ReadReplicaDBInstanceIdentifiers and SourceDBInstanceIdentifier"; same-region replicas are named by identifier.
//      moto 5.2.1's DBInstance.add_replica does the same (the ARN when the replica's region differs).
//  [A] RDS User Guide, "Amazon Resource Names (ARNs) in Amazon RDS": arn:aws:rds:<region>:<account>:db:<identifier>.
//  [R] CloudWatch API reference, MetricDataResult (one result per query, StatusCode Complete).
//  [N] ElastiCache API reference, NodeGroupMember.CurrentRole: "primary or replica. This member is only applicable for
//      Valkey or Redis OSS (cluster mode disabled) replication groups"; a recorded DescribeReplicationGroups answer of a
//      cluster-mode-enabled group (Checkmk's AWS agent test fixture, CLUSTERS_RESPONSE1: ClusterEnabled true,
//      NodeGroupMembers with CacheClusterId, CacheNodeId, PreferredAvailabilityZone and no CurrentRole); the AWS CLI
//      example describe-replication-groups (ClusterEnabled false, CurrentRole primary / replica).

const region = 'us-east-1';
const account = '123456789012';
const db = 'notification-service-db';
const drReplicaArn = `arn:aws:rds:us-west-2:${account}:db:${db}-replica`;
const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region });

const rdsMock = mockClient(RDSClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const elastiCacheMock = mockClient(ElastiCacheClient);

describe('replicasByRegion: RDS names a cross-region replica by ARN [X][A]', () => {
  it.each<[string, string[], { inRegion: string[]; otherRegions: string[] }]>([
    ['a same-region replica, by identifier', ['notification-service-db-ro'], { inRegion: ['notification-service-db-ro'], otherRegions: [] }],
    ['a cross-region replica, by ARN', [drReplicaArn], { inRegion: [], otherRegions: [drReplicaArn] }],
    ['an ARN of this region: its identifier', [`arn:aws:rds:${region}:${account}:db:ro-2`], { inRegion: ['ro-2'], otherRegions: [] }],
    ['both kinds', ['ro-1', drReplicaArn], { inRegion: ['ro-1'], otherRegions: [drReplicaArn] }],
  ])('%s', (_situation, identifiers, expected) => {
    expect(replicasByRegion(identifiers, region)).toEqual(expected);
  });
});

beforeEach(() => {
  rdsMock.reset();
  cloudWatchMock.reset();
  elastiCacheMock.reset();
  const primary: DBInstance = {
    DBInstanceIdentifier: db,
    DBInstanceClass: 'db.r6g.xlarge',
    Engine: 'postgres',
    DBInstanceStatus: 'available',
    AllocatedStorage: 100,
    DBParameterGroups: [{ DBParameterGroupName: 'notification-service-pg14', ParameterApplyStatus: 'in-sync' }],
    ReadReplicaDBInstanceIdentifiers: [drReplicaArn],
  };
  rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [primary] });
  rdsMock.on(DescribeDBParametersCommand).resolves({ Parameters: [] });
  elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(Object.assign(new Error('not found'), { name: 'ReplicationGroupNotFoundFault', $metadata: { httpStatusCode: 404 } }));
  cloudWatchMock
    .on(GetMetricDataCommand)
    .callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })) }));
});

describe('check-db-connections observe: a primary with a cross-region replica', () => {
  it('asks for no metric with an ARN as its dimension, and says the replica lag is read in its own region', async () => {
    const { observation } = await observe();
    const dimensions = cloudWatchMock
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
      .flatMap((q) => q.MetricStat?.Metric?.Dimensions ?? [])
      .map((d) => d.Value ?? '');
    expect(dimensions.filter((value) => value.startsWith('arn:'))).toEqual([]);
    expect(observation.database).toMatchObject({ readReplicas: [], crossRegionReplicas: [drReplicaArn] });
    expect(observation.metrics.replicaLagSeconds).toEqual({});
    const findings = diagnoseDatabase(observation, runtime.config.checkDbConnections).findings.join('\n');
    expect(findings).toContain(`ReplicaLag of ${drReplicaArn}: a replica in another region, its lag is published there and not read here`);
    expect(findings).not.toContain('ReplicaLag: no read replicas');
    expect(findings).not.toContain('no datapoints for arn:');
  });
});

describe('check-db-connections observe: a series CloudWatch could not give whole is no diagnosis (decision 132) [R]', () => {
  // [R]: StatusCode Complete | InternalError | PartialData | Forbidden; PartialData without a NextToken is all there is.
  // The database's DatabaseConnections is the one not whole: read as "no datapoints" it would clear the connections cause.
  it.each<[string, { StatusCode: 'Forbidden' | 'PartialData'; Timestamps: Date[]; Values: number[] }, RegExp]>([
    ['DatabaseConnections answered Forbidden', { StatusCode: 'Forbidden', Timestamps: [], Values: [] }, /incomplete reading, not decided on: connections: Forbidden/],
    ['DatabaseConnections answered PartialData with no NextToken', { StatusCode: 'PartialData', Timestamps: [new Date('2024-03-05T09:59:00Z')], Values: [80] }, /incomplete reading, not decided on: connections: PartialData/],
  ])('fails the observation when %s', async (_situation, connections, message) => {
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => (q.Id === 'connections' ? { Id: q.Id, ...connections } : { Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })),
    }));
    const observed = observe();
    await expect(observed).rejects.toBeInstanceOf(PermanentError);
    await expect(observed).rejects.toThrow(message);
  });
});

describe('check-db-connections observe: a cache node\'s role as DescribeReplicationGroups names it [N]', () => {
  const member = (id: string, role?: string) => ({ CacheClusterId: id, CacheNodeId: '0001', PreferredAvailabilityZone: 'us-east-1d', ...(role ? { CurrentRole: role } : {}) });
  it.each<[string, ReplicationGroup, string[], string]>([
    [
      'cluster mode enabled: no CurrentRole, the role is not named (not taken for a replica)',
      { ReplicationGroupId: 'notification-service-cache', Status: 'available', ClusterEnabled: true, NodeGroups: [{ NodeGroupId: '0001', Status: 'available', Slots: '0-5461', NodeGroupMembers: [member('c-0001-001'), member('c-0001-002')] }] },
      ['unknown', 'unknown'],
      'c-0001-001: role not named (cluster mode enabled)',
    ],
    [
      'cluster mode disabled: CurrentRole primary and replica, as named',
      { ReplicationGroupId: 'notification-service-cache', Status: 'available', ClusterEnabled: false, NodeGroups: [{ NodeGroupId: '0001', Status: 'available', NodeGroupMembers: [member('c-001', 'primary'), member('c-002', 'replica')] }] },
      ['primary', 'replica'],
      'c-002: replica, available',
    ],
  ])('%s', async (_situation, group, roles, finding) => {
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group] });
    elastiCacheMock.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ CacheClusterStatus: 'available' }] });
    const { observation } = await observe();
    expect(observation.caches[0]?.nodes.map((n) => n.role)).toEqual(roles);
    const cache = observation.caches[0];
    if (!cache) throw new Error('no cache observed');
    const findings = diagnoseCache(cache, runtime.config.checkDbConnections, observation.windowMinutes).findings;
    expect(findings.join('\n')).toContain(finding);
    // A node whose role is not named is not reported as a replica without replication data.
    if (roles.includes('unknown')) expect(findings.join('\n')).not.toContain('ReplicationLag no data');
  });
});

describe('check-db-connections observe: a node of unknown role still has its ReplicationLag asked for and counted (decision 138) [N][R]', () => {
  it('asks for ReplicationLag of every cluster-mode-enabled node, and reports and counts the one that publishes it', async () => {
    const member = (id: string) => ({ CacheClusterId: id, CacheNodeId: '0001', PreferredAvailabilityZone: 'us-east-1d' });
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        { ReplicationGroupId: 'notification-service-cache', Status: 'available', ClusterEnabled: true, NodeGroups: [{ NodeGroupId: '0001', Status: 'available', Slots: '0-5461', NodeGroupMembers: [member('c-0001-001'), member('c-0001-002')] }] },
      ],
    });
    elastiCacheMock.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ CacheClusterStatus: 'available' }] });
    // The shard's replica (c-0001-002) publishes ReplicationLag, 12 s behind; its primary publishes none (ElastiCache
    // User Guide, Valkey and Redis OSS metrics: ReplicationLag "is only applicable for a node running as a read replica").
    const lagQuery = (q: { MetricStat?: { Metric?: { MetricName?: string; Dimensions?: Array<{ Name?: string; Value?: string }> } } }) =>
      q.MetricStat?.Metric?.MetricName === 'ReplicationLag' ? q.MetricStat.Metric.Dimensions?.find((d) => d.Name === 'CacheClusterId')?.Value : undefined;
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) =>
        lagQuery(q) === 'c-0001-002'
          ? { Id: q.Id, Timestamps: [new Date('2024-03-05T09:59:00Z'), new Date('2024-03-05T09:58:00Z')], Values: [12, 3], StatusCode: 'Complete' }
          : { Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' },
      ),
    }));
    const { observation } = await observe();
    const asked = cloudWatchMock
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
      .map(lagQuery)
      .filter((node): node is string => node !== undefined);
    expect(asked.sort()).toEqual(['c-0001-001', 'c-0001-002']);
    const cache = observation.caches[0];
    if (!cache) throw new Error('no cache observed');
    expect(cache.nodes.map((n) => [n.cacheClusterId, n.role, n.replicationLagSeconds.values.length])).toEqual([
      ['c-0001-001', 'unknown', 0],
      ['c-0001-002', 'unknown', 2],
    ]);
    const diagnosis = diagnoseCache(cache, runtime.config.checkDbConnections, observation.windowMinutes);
    const findings = diagnosis.findings.join('\n');
    expect(findings).toContain('c-0001-002: role not named (cluster mode enabled), available');
    expect(findings).toMatch(/c-0001-002: [^\n]*, ReplicationLag 12\.0 s/);
    expect(findings).not.toContain('ReplicationLag no data');
    // Counted: 12 s is at or above the production threshold (5 s), so it is a cause, named by its node.
    expect(diagnosis.causes).toContain('replication-lag');
    expect(diagnosis.primaryHeadline).toBe('likely cause: the cache notification-service-cache — c-0001-002 replicates 12.0 s behind (at or above 5 s)');
  });
});

async function observe() {
  const ctx: PlaybookContext<Parameters<typeof highLatencyPlaybook.observe>[0]['clients']> = {
    clients: { rds: new RDSClient({ region }), cloudWatch: new CloudWatchClient({ region }), elastiCache: new ElastiCacheClient({ region }) },
    clock: new ManualClock(Date.parse('2024-03-05T10:00:30Z')),
    runtime,
  };
  const target = { resource: { type: 'rds-db-instance', id: db, arn: `arn:aws:rds:${region}:${account}:db:${db}` }, dbInstanceIdentifier: db, via: 'database alarm', incidentKey: 'i-1' };
  return { observation: await highLatencyPlaybook.observe(ctx, target) };
}
