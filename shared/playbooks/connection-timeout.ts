// Connection Timeout (504) -> inspect security groups: the playbook module for handler inspect-security-groups.
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { partitionOf } from '../aws/arn';
import { callAws, classifyAwsError, errorName } from '../aws/classify-error';
import { withCachedSigner } from '../aws/cached-signer';
import { withCachedMiddleware } from '../aws/client-config';
import { everyNextTokenPage } from '../aws/every-page';
import { TransientError } from '../errors';
import { lazy, resolveLazy, type Lazy } from '../aws/lazy-client';
import { parseCidr } from '../network/cidr';
import type { DependencyState } from '../network/evaluate-dependency-state';
import type { Playbook, PlaybookContext, ResourceRef } from '../pipeline/types';
import { settledAll } from '../settled';
import { collect, readCacheStates, readVpcNetwork, subnetInfos, type SubnetInfo, type VpcNetworkRead } from './connection-timeout-network';
import { regionDatabases } from './region-databases';
import { planConnectionTimeoutDiagnosis, type ApiObservation, type ConnectionTimeoutObservation, type DependencyEndpoint, type VpcNetwork } from './connection-timeout-plan';
import { serviceFunctionOf } from './service-function';

export interface ConnectionTimeoutClients {
  lambda: LambdaClient;
  ec2: EC2Client;
  rds: RDSClient;
  elastiCache: ElastiCacheClient;
  /** Loaded on first use (./connection-timeout-api.ts, a chunk of its own): only a REST API's alarm reads the API. */
  apiGateway: APIGatewayClient | Lazy<APIGatewayClient>;
  /** Loaded on first use (./connection-timeout-http-api.ts, a chunk of its own): only an HTTP API's alarm reads it. */
  apiGatewayV2: ApiGatewayV2Client | Lazy<ApiGatewayV2Client>;
}

export interface ServiceFunctionTarget {
  resource: ResourceRef;
  functionName: string;
  via: string;
  apiName?: string;
  /** The alarm named the API by ApiId (an HTTP or WebSocket API's metrics): read only if configured as an HTTP API. */
  httpApi?: true;
}

type Ctx = PlaybookContext<ConnectionTimeoutClients>;

/** Interface endpoints (PrivateLink) are reached over HTTPS. */
const HTTPS_PORT = 443;
/** VpcEndpoint State values of endpoints that carry no traffic. */
const GONE_ENDPOINT_STATES = new Set(['deleting', 'deleted', 'rejected', 'failed', 'expired']);

async function describeSubnets(ctx: Ctx, subnetIds: readonly string[]): Promise<Map<string, SubnetInfo>> {
  const ids = [...new Set(subnetIds)];
  if (ids.length === 0) return new Map();
  // A filter, not SubnetIds: a subnet that no longer exists is then left out instead of failing the whole read.
  const filters = [{ Name: 'subnet-id', Values: ids }];
  return subnetInfos(await collect('EC2 DescribeSubnets', (t) => ctx.clients.ec2.send(new DescribeSubnetsCommand({ Filters: filters, ...(t ? { NextToken: t } : {}) })), (p) => p.Subnets));
}

/** Pure: whether describeSubnets of `a` and of `b` send the same filter, subnet-id with the same set of ids (none: no request). */
export function sameSubnetFilter(a: readonly string[], b: readonly string[]): boolean {
  const [left, right] = [new Set(a), new Set(b)];
  return left.size > 0 && left.size === right.size && [...left].every((id) => right.has(id));
}

/**
 * Pure: whether a subnet-id read of `ids` would answer nothing but subnets `described` already holds, every one of them
 * (an answer read in this decision, e.g. the VPC's whole DescribeSubnets): a subnet's description is the same whatever
 * filter found it. None is not: no request would be made.
 */
export function everySubnetDescribed(ids: readonly string[], described: ReadonlyMap<string, unknown>): boolean {
  return ids.length > 0 && ids.every((id) => described.has(id));
}

function cidrsOf(subnets: Map<string, SubnetInfo>, ids: readonly string[], ipv6: boolean): string[] {
  return ids.flatMap((id) => {
    const subnet = subnets.get(id);
    return subnet ? [...subnet.ipv4, ...(ipv6 ? subnet.ipv6 : [])] : [];
  });
}

interface PendingDependency extends Omit<DependencyEndpoint, 'cidrs'> {
  subnetIds: string[];
  /** CIDRs given directly (cache configuration). */
  cidrs: string[];
  ipv6: boolean;
}

/**
 * The port an RDS instance listens on: Endpoint.Port. DescribeDBInstances gives no Endpoint while the instance is being
 * created, and DbInstancePort 0 on an instance outside a cluster (the SDK's own CreateDBInstance example, the AWS CLI's
 * describe-db-instances outputs): neither is a port. Undefined when nothing names one.
 */
function listeningPortOf(instance: { Endpoint?: { Port?: number | undefined } | undefined; DbInstancePort?: number | undefined }): number | undefined {
  return [instance.Endpoint?.Port, instance.DbInstancePort].find((port): port is number => port !== undefined && port > 0);
}

async function databaseDependencies(ctx: Ctx, states: DependencyState[], unjudged: string[]): Promise<PendingDependency[]> {
  const found: PendingDependency[] = [];
  for (const identifier of regionDatabases(ctx.runtime)) {
    let described;
    try {
      described = await ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    } catch (error) {
      if (errorName(error) !== 'DBInstanceNotFoundFault' && errorName(error) !== 'DBInstanceNotFound') throw classifyAwsError(error, 'RDS DescribeDBInstances');
      // A configured database that is gone is no path that is allowed: it keeps the diagnosis from an all-clear.
      unjudged.push(`RDS ${identifier}: not found in this account and region (${errorName(error)}): its security-group path is not judged`);
      continue;
    }
    const instance = described.DBInstances?.[0];
    if (!instance) {
      unjudged.push(`RDS ${identifier}: DescribeDBInstances answered no instance: its security-group path is not judged`);
      continue;
    }
    const pendingClass = instance.PendingModifiedValues?.DBInstanceClass;
    const detail = [instance.MultiAZ ? 'Multi-AZ' : 'single-AZ', ...(pendingClass ? [`pending DBInstanceClass ${pendingClass}`] : [])].join(', ');
    states.push({ kind: 'rds', label: `RDS ${identifier}`, status: instance.DBInstanceStatus ?? 'unknown', detail });
    const port = listeningPortOf(instance);
    if (port === undefined) {
      // Judged on a guessed port, a path could be "blocked" on a port nothing listens on, and a rule proposed for it.
      unjudged.push(
        `RDS ${identifier}: DescribeDBInstances names no port (${instance.Endpoint ? 'Endpoint without a Port' : 'no Endpoint'} while ${instance.DBInstanceStatus ?? 'of unknown status'}, ` +
          `DbInstancePort ${instance.DbInstancePort ?? 'absent'}): its security-group path is not judged`,
      );
      continue;
    }
    found.push({
      kind: 'rds',
      label: `RDS ${identifier}`,
      port,
      groupIds: (instance.VpcSecurityGroups ?? []).filter((g) => g.Status !== 'removing').flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
      subnetIds: (instance.DBSubnetGroup?.Subnets ?? []).flatMap((s) => (s.SubnetIdentifier ? [s.SubnetIdentifier] : [])),
      cidrs: [],
      // Dual-stack instances (NetworkType DUAL) also answer on IPv6.
      ipv6: instance.NetworkType === 'DUAL',
    });
  }
  return found;
}

/** Caches come from configuration (no ElastiCache client here): groups by id, or by name within the function's VPC. */
async function cacheDependencies(ctx: Ctx, vpcId: string | undefined, notes: string[]): Promise<PendingDependency[]> {
  const found: PendingDependency[] = [];
  for (const cache of ctx.runtime.config.dependencies.caches) {
    const ids = cache.securityGroups.filter((g) => /^sg-[0-9a-f]+$/.test(g));
    const names = cache.securityGroups.filter((g) => !ids.includes(g));
    const groupIds = [...ids];
    if (names.length > 0) {
      const filters = [{ Name: 'group-name', Values: names }, ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : [])];
      const named = await collect(
        'EC2 DescribeSecurityGroups',
        (t) => ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters, ...(t ? { NextToken: t } : {}) })),
        (p) => p.SecurityGroups,
      );
      const byName = new Map(named.map((g) => [g.GroupName, g.GroupId]));
      for (const name of names) {
        const id = byName.get(name);
        if (id) groupIds.push(id);
        else notes.push(`ElastiCache ${cache.name}: security group "${name}" not found${vpcId ? ` in ${vpcId}` : ''}`);
      }
    }
    const subnets = cache.subnets ?? [];
    found.push({
      kind: 'cache',
      label: `ElastiCache ${cache.name}`,
      port: cache.port,
      groupIds,
      subnetIds: subnets.filter((s) => s.startsWith('subnet-')),
      cidrs: subnets.filter((s) => parseCidr(s) !== undefined),
      ipv6: true,
    });
  }
  return found;
}

function endpointDependencies(network: VpcNetwork | undefined): PendingDependency[] {
  return (network?.endpoints ?? [])
    .filter((endpoint) => endpoint.VpcEndpointType === 'Interface' && !GONE_ENDPOINT_STATES.has((endpoint.State ?? '').toLowerCase()))
    .map((endpoint) => ({
      kind: 'vpc-endpoint',
      label: `VPC endpoint ${endpoint.ServiceName ?? endpoint.VpcEndpointId ?? '?'}`,
      port: HTTPS_PORT,
      groupIds: (endpoint.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      subnetIds: endpoint.SubnetIds ?? [],
      cidrs: [],
      ipv6: endpoint.IpAddressType === 'dualstack' || endpoint.IpAddressType === 'ipv6',
    }));
}

async function securityGroups(ctx: Ctx, groupIds: readonly string[]): Promise<SecurityGroup[]> {
  const ids = [...new Set(groupIds)];
  if (ids.length === 0) return [];
  // A filter, not GroupIds: a group that no longer exists is then missing from the answer instead of failing it.
  const filters = [{ Name: 'group-id', Values: ids }];
  return collect('EC2 DescribeSecurityGroups', (t) => ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters, ...(t ? { NextToken: t } : {}) })), (p) => p.SecurityGroups);
}

async function prefixLists(ctx: Ctx, groups: readonly SecurityGroup[], notes: string[]): Promise<Record<string, string[]>> {
  const ids = new Set(
    groups.flatMap((g) => [...(g.IpPermissions ?? []), ...(g.IpPermissionsEgress ?? [])]).flatMap((p) => (p.PrefixListIds ?? []).flatMap((l) => (l.PrefixListId ? [l.PrefixListId] : []))),
  );
  const lists: Record<string, string[]> = {};
  for (const id of ids) {
    try {
      const entries = await everyNextTokenPage(
        `EC2 GetManagedPrefixListEntries ${id}`,
        (t) => ctx.clients.ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id, ...(t ? { NextToken: t } : {}) })),
        (p) => p.Entries,
      );
      lists[id] = entries.flatMap((e) => (e.Cidr ? [e.Cidr] : []));
    } catch (error) {
      const classified = classifyAwsError(error, `EC2 GetManagedPrefixListEntries ${id}`);
      if (classified instanceof TransientError) throw classified;
      // A list we may not read (shared from another account) cannot prove anything: judged as allowing nothing.
      notes.push(`prefix list ${id}: entries not readable (${errorName(error)}): rules using it are judged as allowing nothing`);
    }
  }
  return lists;
}

const configuredApiOf = (ctx: Ctx, target: ServiceFunctionTarget) =>
  target.apiName === undefined ? undefined : ctx.runtime.config.dependencies.apis.find((a) => a.name === target.apiName);

/**
 * The API readers' modules, each loaded once per container on first use (chunks of their own): an import() of a module
 * already loaded still goes through the module loader at every call (about 28 us each, measured; decision 279).
 */
const restApiModule = lazy(() => import('./connection-timeout-api'));
const httpApiModule = lazy(() => import('./connection-timeout-http-api'));

/**
 * The API an API alarm is about, read from API Gateway (dependencies.apis gives its name, type, id and stage): a REST
 * API with the API Gateway client, an HTTP API with the ApiGatewayV2 client; each client and reader is a chunk loaded
 * only here.
 */
async function readTargetApi(ctx: Ctx, target: ServiceFunctionTarget): Promise<ApiObservation | undefined> {
  const configured = configuredApiOf(ctx, target);
  if (!configured) return undefined;
  if (configured.type === 'http') {
    const [{ readHttpApi }, client] = await Promise.all([httpApiModule(), resolveLazy(ctx.clients.apiGatewayV2)]);
    return readHttpApi(client, configured, target.functionName);
  }
  // REST APIs' metrics carry ApiName, HTTP and WebSocket APIs' ApiId: an ApiId alarm is not about a REST API.
  if (target.httpApi) {
    return {
      name: configured.name,
      problems: [
        `the alarm names API ${configured.name} by ApiId, a dimension only HTTP and WebSocket APIs' metrics carry, but dependencies.apis[].type is "rest": not read as a REST API; set type "http" if it is an HTTP API`,
      ],
      stages: [],
      integrations: [],
    };
  }
  const [{ readApi }, client] = await Promise.all([restApiModule(), resolveLazy(ctx.clients.apiGateway)]);
  return readApi(client, configured, target.functionName);
}

/** What is read once the VPC is known: its network (none without a VPC) and the caches' groups named within it. */
interface AroundVpc {
  read?: VpcNetworkRead;
  caches: PendingDependency[];
  cacheNotes: string[];
}

async function aroundVpc(ctx: Ctx, vpcId: string | undefined): Promise<AroundVpc> {
  const cacheNotes: string[] = [];
  const [read, caches] = await settledAll(vpcId ? readVpcNetwork(ctx.clients.ec2, vpcId) : Promise.resolve(undefined), cacheDependencies(ctx, vpcId, cacheNotes));
  return { ...(read ? { read } : {}), caches, cacheNotes };
}

async function observeNetwork(ctx: Ctx, target: ServiceFunctionTarget): Promise<ConnectionTimeoutObservation> {
  // Reads at once wherever one does not need another's answer: the function, its dependencies' descriptions and the
  // caches' states; then the VPC's network and the caches' groups by name (the function's subnets by id first, when
  // Lambda does not name its VPC or the VPC's answer lacks one of them); then the dependencies' subnets and every
  // security group. Notes and states keep the order of the reads made one by one.
  const dbStates: DependencyState[] = [];
  const unjudged: string[] = [];
  const cacheUnknown: string[] = [];
  const described = settledAll(
    databaseDependencies(ctx, dbStates, unjudged),
    readCacheStates(ctx.clients.elastiCache, ctx.runtime.config.dependencies.caches, cacheUnknown),
  );
  // Not needed for a function outside any VPC: then dropped, their failures with them (never left running).
  const settled = described.then(
    () => undefined,
    () => undefined,
  );
  const configuration = await callAws('Lambda GetFunctionConfiguration', () =>
    ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: target.functionName })),
  ).catch(async (error: unknown) => {
    await settled;
    throw error;
  });
  const vpcConfig = configuration.VpcConfig;
  const subnetIds = vpcConfig?.SubnetIds ?? [];
  const http = configuredApiOf(ctx, target)?.type === 'http' ? { httpApi: true as const } : {};
  const timeout =
    target.apiName && configuration.Timeout !== undefined ? { timeout: { functionTimeoutSeconds: configuration.Timeout, apiLabel: `API ${target.apiName}`, ...http } } : {};
  if (subnetIds.length === 0) {
    await settled;
    return { functionName: target.functionName, dependencies: [], securityGroups: [], prefixLists: {}, notes: [], ...timeout };
  }
  // Lambda names the function's VPC (VpcConfig.VpcId): its network is read at once, beside the databases' and caches'
  // reads, and the function's subnets are taken from the VPC's own DescribeSubnets when every one of them is there (a
  // subnet-id read would answer the same subnets: decision 350). Otherwise (no VpcId, or a subnet not in that VPC) the
  // function's subnets are read by id and say which VPC it is in, as before; a claimed VPC that turns out to be another's
  // read is not used.
  const claimedVpcId = vpcConfig?.VpcId;
  const [[databases, cacheStates], claimed] = await settledAll(described, claimedVpcId ? aroundVpc(ctx, claimedVpcId) : Promise.resolve(undefined));
  const fromClaimed = claimed?.read && everySubnetDescribed(subnetIds, claimed.read.subnets) ? claimed : undefined;
  const functionSubnets = fromClaimed?.read?.subnets ?? (await describeSubnets(ctx, subnetIds));
  // The subnets say which VPC the function is in (Lambda's VpcConfig.VpcId is not always filled in).
  const vpcId = fromClaimed ? claimedVpcId : ([...functionSubnets.values()].find((s) => s.vpcId)?.vpcId ?? claimedVpcId);
  const dualStack = vpcConfig?.Ipv6AllowedForDualStack === true;
  const around = fromClaimed ?? (claimed && vpcId === claimedVpcId ? claimed : await aroundVpc(ctx, vpcId));
  const network = around.read?.network;
  const notes = [...around.cacheNotes];
  const dependencyStates: DependencyState[] = [...dbStates, ...cacheStates];
  const pending = [...databases, ...around.caches, ...endpointDependencies(network)];
  const functionGroups = vpcConfig?.SecurityGroupIds ?? [];
  // The dependencies' subnets are often exactly the function's (the service's two private subnets), or others of its
  // VPC: then the request would answer subnets this decision already read (same subnet-id filter: EC2 ORs a filter's
  // values, so their order does not matter; or every one in the VPC's answer), and that answer is reused (decisions 336,
  // 350). Nothing is kept past this decision.
  const dependencySubnetIds = pending.flatMap((d) => d.subnetIds);
  const readAlready = sameSubnetFilter(dependencySubnetIds, subnetIds)
    ? functionSubnets
    : around.read && everySubnetDescribed(dependencySubnetIds, around.read.subnets)
      ? around.read.subnets
      : undefined;
  const [dependencySubnets, groups] = await settledAll(
    readAlready ? Promise.resolve(readAlready) : describeSubnets(ctx, dependencySubnetIds),
    securityGroups(ctx, [...functionGroups, ...pending.flatMap((d) => d.groupIds)]),
  );
  const dependencies: DependencyEndpoint[] = pending.map(({ subnetIds: ids, cidrs, ipv6, ...rest }) => ({
    ...rest,
    cidrs: [...cidrs, ...cidrsOf(dependencySubnets, ids, ipv6)],
    ...(ids.length > 0 ? { subnetIds: ids } : {}),
  }));
  return {
    functionName: target.functionName,
    vpc: {
      ...(vpcId ? { vpcId } : {}),
      subnetIds,
      securityGroupIds: functionGroups,
      cidrs: cidrsOf(functionSubnets, subnetIds, dualStack),
    },
    dependencies,
    securityGroups: groups,
    prefixLists: await prefixLists(ctx, groups, notes),
    notes,
    // The database's, then the caches' (each list in its own reads' order, whatever finished first).
    ...(unjudged.length + cacheUnknown.length > 0 ? { unjudged: [...unjudged, ...cacheUnknown] } : {}),
    ...(network ? { network } : {}),
    dependencyStates,
    ...timeout,
  };
}

export const connectionTimeoutPlaybook: Playbook<ConnectionTimeoutClients, ServiceFunctionTarget, ConnectionTimeoutObservation, never> = {
  name: 'inspect-security-groups',
  row: 'connection-timeout',
  actsOn: ['ALARM'],
  actions: [
    'lambda:GetFunctionConfiguration',
    'ec2:DescribeSubnets',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeVpcEndpoints',
    'ec2:GetManagedPrefixListEntries',
    'rds:DescribeDBInstances',
    // The rest of the path a person checks: network ACLs, routes, NAT and internet gateways, the cache's status.
    'ec2:DescribeNetworkAcls',
    'ec2:DescribeRouteTables',
    'ec2:DescribeNatGateways',
    'ec2:DescribeInternetGateways',
    'elasticache:DescribeReplicationGroups',
    // The API in front of the function: its stage's access log and its integrations' timeouts. A REST API's GetRestApi(s),
    // GetStage(s), GetResources, GetIntegration and an HTTP API's GetApi(s), GetStage(s), GetIntegrations, GetRoutes are
    // all apigateway:GET (on /restapis/... and /apis/... respectively).
    'apigateway:GET',
  ],
  createClients: (config) => ({
    // Each command class's middleware stack resolved once per client (decision 332: 22 calls a decision), and one SigV4
    // signer per client (decision 350: 11 of its 20 calls a decision go through these four).
    lambda: withCachedSigner(new LambdaClient(withCachedMiddleware(config))),
    ec2: withCachedSigner(new EC2Client(withCachedMiddleware(config))),
    rds: withCachedSigner(new RDSClient(withCachedMiddleware(config))),
    elastiCache: withCachedSigner(new ElastiCacheClient(withCachedMiddleware(config))),
    apiGateway: lazy(async () => (await restApiModule()).apiGatewayClient(config)),
    apiGatewayV2: lazy(async () => (await httpApiModule()).apiGatewayV2Client(config)),
  }),

  resolveTarget(event, runtime) {
    const fn = serviceFunctionOf(event, runtime, 'inspect-security-groups');
    return {
      resource: { type: 'lambda-function', id: fn.functionName, arn: `arn:${partitionOf(runtime.region)}:lambda:${runtime.region}:${event.account}:function:${fn.functionName}` },
      functionName: fn.functionName,
      via: fn.via,
      ...(fn.apiName ? { apiName: fn.apiName } : {}),
      ...(fn.httpApi ? { httpApi: true as const } : {}),
    };
  },

  async observe(ctx, target) {
    // The API (an API alarm's) is read beside the function and its network: nothing of one waits for the other.
    const [api, observation] = await settledAll(readTargetApi(ctx, target), observeNetwork(ctx, target));
    return api ? { ...observation, api } : observation;
  },

  plan({ observation, runtime, target }) {
    const runbookName = runtime.config.troubleshooting.find((row) => row.id === 'connection-timeout')?.runbook;
    return planConnectionTimeoutDiagnosis({ observation, ...(runbookName ? { runbookName } : {}), ...(target.apiName ? { apiName: target.apiName } : {}) });
  },

  // Diagnosis only: widening network access is never automatic, so the plan never proposes a change.
  async apply() {
    throw new Error('inspect-security-groups changes no rule: its fix runs through the SSM document behind approval');
  },
  async verify() {
    return {};
  },
  isApplied() {
    return false;
  },
};
