// Connection Timeout: the reads behind the network-ACL and route proofs (one VPC-wide Describe* of each kind) and the
// dependencies' states (RDS instance status, ElastiCache replication group status). Read-only.
import {
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { everyNextTokenPage } from '../aws/every-page';
import { callAws, classifyAwsError, errorName } from '../aws/classify-error';
import { cacheReplicationGroupId } from '../config/cache-id';
import type { DependencyState } from '../network/evaluate-dependency-state';
import { settledAll } from '../settled';
import type { VpcNetwork } from './connection-timeout-plan';

/** Every page of one EC2 Describe* (decision 146): a one-page answer is one call; a NextToken is followed, bounded. */
export function collect<Page extends { NextToken?: string | undefined }, T>(
  what: string,
  send: (token: string | undefined) => Promise<Page>,
  pick: (page: Page) => T[] | undefined,
): Promise<T[]> {
  return callAws(what, () => everyNextTokenPage(what, send, pick));
}

const next = (token: string | undefined) => (token ? { NextToken: token } : {});

/** A subnet as the security-group proof uses it: its VPC, its IPv4 CIDR and its associated IPv6 CIDRs. */
export interface SubnetInfo {
  vpcId?: string;
  ipv4: string[];
  ipv6: string[];
}

/** Each subnet DescribeSubnets answered, by id (whatever the filter: a subnet's description is the same in any answer). */
export function subnetInfos(found: readonly Subnet[]): Map<string, SubnetInfo> {
  return new Map(
    found.map((subnet) => [
      subnet.SubnetId ?? '',
      {
        ...(subnet.VpcId ? { vpcId: subnet.VpcId } : {}),
        ipv4: subnet.CidrBlock ? [subnet.CidrBlock] : [],
        ipv6: (subnet.Ipv6CidrBlockAssociationSet ?? []).filter((a) => a.Ipv6CidrBlockState?.State === 'associated' && a.Ipv6CidrBlock).map((a) => a.Ipv6CidrBlock ?? ''),
      },
    ]),
  );
}

/** The VPC's network, and each of its subnets as DescribeSubnets answered it (by id). */
export interface VpcNetworkRead {
  network: VpcNetwork;
  subnets: Map<string, SubnetInfo>;
}

/** One read per kind, filtered to the VPC, every page. */
export async function readVpcNetwork(ec2: Pick<EC2Client, 'send'>, vpcId: string): Promise<VpcNetworkRead> {
  const inVpc = [{ Name: 'vpc-id', Values: [vpcId] }];
  // Six independent reads at once (one round trip, not six).
  const [subnets, acls, routeTables, natGateways, internetGateways, endpoints] = await settledAll(
    collect('EC2 DescribeSubnets', (t) => ec2.send(new DescribeSubnetsCommand({ Filters: inVpc, ...next(t) })), (p) => p.Subnets),
    collect('EC2 DescribeNetworkAcls', (t) => ec2.send(new DescribeNetworkAclsCommand({ Filters: inVpc, ...next(t) })), (p) => p.NetworkAcls),
    collect('EC2 DescribeRouteTables', (t) => ec2.send(new DescribeRouteTablesCommand({ Filters: inVpc, ...next(t) })), (p) => p.RouteTables),
    collect('EC2 DescribeNatGateways', (t) => ec2.send(new DescribeNatGatewaysCommand({ Filter: inVpc, ...next(t) })), (p) => p.NatGateways),
    // Attached to this VPC; a detached gateway is listed too, as the one to attach back.
    collect('EC2 DescribeInternetGateways', (t) => ec2.send(new DescribeInternetGatewaysCommand({ ...next(t) })), (p) => p.InternetGateways),
    collect('EC2 DescribeVpcEndpoints', (t) => ec2.send(new DescribeVpcEndpointsCommand({ Filters: inVpc, ...next(t) })), (p) => p.VpcEndpoints),
  );
  const network: VpcNetwork = {
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
  return { network, subnets: subnetInfos(subnets) };
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
