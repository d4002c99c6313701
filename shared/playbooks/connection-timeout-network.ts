// Connection Timeout: the reads behind the network-ACL and route proofs (one VPC-wide Describe* of each kind) and the
// dependencies' states (RDS instance status, ElastiCache replication group status). Read-only.
import {
  EC2Client,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeNetworkAcls,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
} from '@aws-sdk/client-ec2';
import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { callAws, classifyAwsError, errorName } from '../aws/classify-error';
import { cacheReplicationGroupId } from '../config/cache-id';
import type { DependencyState } from '../network/evaluate-dependency-state';
import { settledAll } from '../settled';
import type { VpcNetwork } from './connection-timeout-plan';

async function collect<P, T>(what: string, pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  return callAws(what, async () => {
    const items: T[] = [];
    for await (const page of pages) items.push(...(pick(page) ?? []));
    return items;
  });
}

/** One paginated read per kind, filtered to the VPC. */
export async function readVpcNetwork(ec2: EC2Client, vpcId: string): Promise<VpcNetwork> {
  const inVpc = [{ Name: 'vpc-id', Values: [vpcId] }];
  const client = { client: ec2 };
  // Six independent reads at once (one round trip, not six).
  const [subnets, acls, routeTables, natGateways, internetGateways, endpoints] = await settledAll(
    collect('EC2 DescribeSubnets', paginateDescribeSubnets(client, { Filters: inVpc }), (p) => p.Subnets),
    collect('EC2 DescribeNetworkAcls', paginateDescribeNetworkAcls(client, { Filters: inVpc }), (p) => p.NetworkAcls),
    collect('EC2 DescribeRouteTables', paginateDescribeRouteTables(client, { Filters: inVpc }), (p) => p.RouteTables),
    collect('EC2 DescribeNatGateways', paginateDescribeNatGateways(client, { Filter: inVpc }), (p) => p.NatGateways),
    // Attached to this VPC; a detached gateway is listed too, as the one to attach back.
    collect('EC2 DescribeInternetGateways', paginateDescribeInternetGateways(client, {}), (p) => p.InternetGateways),
    collect('EC2 DescribeVpcEndpoints', paginateDescribeVpcEndpoints(client, { Filters: inVpc }), (p) => p.VpcEndpoints),
  );
  return {
    subnets: subnets.map((s) => ({
      subnetId: s.SubnetId ?? '',
      ...(s.AvailabilityZone ? { availabilityZone: s.AvailabilityZone } : {}),
      cidrs: [
        ...(s.CidrBlock ? [s.CidrBlock] : []),
        ...(s.Ipv6CidrBlockAssociationSet ?? []).filter((a) => a.Ipv6CidrBlockState?.State === 'associated' && a.Ipv6CidrBlock).map((a) => a.Ipv6CidrBlock ?? ''),
      ],
    })),
    acls,
    routeTables,
    natGateways,
    internetGateways: internetGateways.filter((igw) => (igw.Attachments ?? []).length === 0 || (igw.Attachments ?? []).some((a) => a.VpcId === vpcId)),
    endpoints,
  };
}

/**
 * The replication group's status, by its id (dependencies.caches[].replicationGroupId, default its name: the id High
 * Latency reads too). A group ElastiCache does not know (ReplicationGroupNotFoundFault, or an answer without it) is not a
 * failure of the run but goes to `unknown`: a cache whose status is not known keeps the diagnosis from an all-clear.
 */
export async function readCacheStates(
  elastiCache: ElastiCacheClient,
  caches: ReadonlyArray<{ name: string; replicationGroupId?: string | undefined }>,
  unknown: string[],
): Promise<DependencyState[]> {
  const states: DependencyState[] = [];
  for (const cache of caches) {
    const { name } = cache;
    const id = cacheReplicationGroupId(cache);
    try {
      const result = await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
      const group = result.ReplicationGroups?.[0];
      if (!group) {
        unknown.push(`ElastiCache ${name}: DescribeReplicationGroups answered no replication group ${id}: its status is not known`);
        continue;
      }
      const failover = group.AutomaticFailover ? `automatic failover ${group.AutomaticFailover}` : undefined;
      states.push({ kind: 'cache', label: `ElastiCache ${name}`, status: group.Status ?? 'unknown', ...(failover ? { detail: failover } : {}) });
    } catch (error) {
      if (errorName(error) !== 'ReplicationGroupNotFoundFault') throw classifyAwsError(error, 'ElastiCache DescribeReplicationGroups');
      unknown.push(`ElastiCache ${name}: replication group ${id} not found in this account and region: its status is not known`);
    }
  }
  return states;
}
