// The sandbox's ElastiCache Redis (seed "ElastiCache": cache.r6g.large, 2 nodes, automatic failover), provisioned
// through the gap proxy, which fills moto 5.2.1's two ElastiCache gaps (NumCacheClusters ignored, member clusters unknown).
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { provisionAccount } from '../support/sandbox-account';

describe('the sandbox cache', () => {
  it('is a 2-node cache.r6g.large Redis replication group with automatic failover', async () => {
    const account = await provisionAccount('production');
    const elastiCache = new ElastiCacheClient(account.clientConfig);
    const described = await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'notification-service-cache' }));
    const group = described.ReplicationGroups?.[0];
    expect(group).toMatchObject({ Status: 'available', CacheNodeType: 'cache.r6g.large', AutomaticFailover: 'enabled', MultiAZ: 'enabled', ClusterEnabled: false });
    // moto alone answers one member for NumCacheClusters 2: two here is the gap proxy's fill.
    expect(group?.MemberClusters).toEqual(['notification-service-cache-001', 'notification-service-cache-002']);
    expect(group?.NodeGroups?.[0]?.NodeGroupMembers?.map((m) => m.CurrentRole)).toEqual(['primary', 'replica']);
    expect(account.topology.cache.members).toEqual([
      { cacheClusterId: 'notification-service-cache-001', cacheNodeId: '0001', role: 'primary' },
      { cacheClusterId: 'notification-service-cache-002', cacheNodeId: '0001', role: 'replica' },
    ]);
    for (const id of group?.MemberClusters ?? []) {
      const cluster = (await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: id }))).CacheClusters?.[0];
      expect(cluster).toMatchObject({ CacheClusterId: id, ReplicationGroupId: 'notification-service-cache', CacheClusterStatus: 'available', CacheNodeType: 'cache.r6g.large', Engine: 'redis' });
    }
    elastiCache.destroy();
  });
});
