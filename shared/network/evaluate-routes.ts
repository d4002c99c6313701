// Pure route proof for a function's subnets: the way out to the internet (NAT gateway, then internet gateway), the
// gateway endpoints' routes (S3 / DynamoDB prefix lists) and the interface endpoints' private DNS and policies.
//
// A subnet uses the route table explicitly associated with it, else the VPC's main table (VPC User Guide, "Route
// tables"). A Lambda function's network interfaces get no public address, so its internet-bound calls need a route to
// a NAT gateway (Lambda "Enable internet access for VPC-connected Lambda functions"), a NAT gateway that is available,
// and a NAT subnet whose route table sends 0.0.0.0/0 to an internet gateway attached to the VPC. A route whose target
// is gone (a deleted or failed NAT gateway) is a blackhole: EC2 reports State "blackhole", and the NAT's own state says so.
import { parseCidr } from './cidr';
import { textMemo } from '../text-memo';

export interface RouteLike {
  DestinationCidrBlock?: string;
  DestinationIpv6CidrBlock?: string;
  DestinationPrefixListId?: string;
  GatewayId?: string;
  NatGatewayId?: string;
  TransitGatewayId?: string;
  VpcPeeringConnectionId?: string;
  NetworkInterfaceId?: string;
  InstanceId?: string;
  /** "active" or "blackhole". */
  State?: string;
}

export interface RouteTableLike {
  RouteTableId?: string;
  VpcId?: string;
  Routes?: RouteLike[];
  Associations?: Array<{ Main?: boolean; SubnetId?: string; AssociationState?: { State?: string } }>;
}

export interface NatGatewayLike {
  NatGatewayId?: string;
  /** pending | failed | available | deleting | deleted */
  State?: string;
  SubnetId?: string;
  VpcId?: string;
  FailureMessage?: string;
  ConnectivityType?: string;
}

export interface InternetGatewayLike {
  InternetGatewayId?: string;
  Attachments?: Array<{ VpcId?: string; State?: string }>;
}

export interface VpcEndpointLike {
  VpcEndpointId?: string;
  ServiceName?: string;
  VpcEndpointType?: string;
  State?: string;
  RouteTableIds?: string[];
  PrivateDnsEnabled?: boolean;
  PolicyDocument?: string;
}

export interface VpcSubnet {
  subnetId: string;
  availabilityZone?: string;
}

export interface RouteInput {
  vpcId: string;
  /** The function's subnets. */
  functionSubnets: VpcSubnet[];
  /** Every subnet of the VPC (to find public subnets for a new NAT gateway). */
  vpcSubnets: VpcSubnet[];
  routeTables: readonly RouteTableLike[];
  natGateways: readonly NatGatewayLike[];
  internetGateways: readonly InternetGatewayLike[];
  endpoints: readonly VpcEndpointLike[];
  /** For messages: "Lambda notification-service-consumer". */
  label: string;
}

export type RouteApi = 'CreateRoute' | 'ReplaceRoute' | 'CreateNatGateway' | 'AttachInternetGateway' | 'ModifyVpcEndpoint';

/** One exact EC2 call; values in angle brackets are what an earlier call of the same fix returns. */
export interface RouteFix {
  api: RouteApi;
  input: Record<string, unknown>;
  why: string;
}

export interface RouteResult {
  /** Internet-bound calls from every function subnet have a working way out. */
  internetReachable: boolean;
  /** What works, described ("subnet-a: 0.0.0.0/0 -> nat-a (available) -> igw-1"). */
  ok: string[];
  findings: string[];
  fixes: RouteFix[];
}

const DEFAULT_ROUTE = '0.0.0.0/0';
const NEW_NAT = '<NatGatewayId returned by CreateNatGateway>';
const NEW_ADDRESS = '<AllocationId returned by AllocateAddress {"Domain":"vpc"}>';

/** The route table a subnet uses: its explicit association, else the VPC's main table. */
export function routeTableOf(subnetId: string, vpcId: string, tables: readonly RouteTableLike[]): { table: RouteTableLike; explicit: boolean } | undefined {
  const explicit = tables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnetId && a.AssociationState?.State !== 'disassociated'));
  if (explicit) return { table: explicit, explicit: true };
  const main = tables.find((t) => (t.VpcId === undefined || t.VpcId === vpcId) && (t.Associations ?? []).some((a) => a.Main === true));
  return main ? { table: main, explicit: false } : undefined;
}

function defaultRouteOf(table: RouteTableLike): RouteLike | undefined {
  return (table.Routes ?? []).find((r) => r.DestinationCidrBlock !== undefined && parseCidr(r.DestinationCidrBlock)?.text === DEFAULT_ROUTE);
}

function targetOf(route: RouteLike): string {
  return route.NatGatewayId ?? route.GatewayId ?? route.TransitGatewayId ?? route.VpcPeeringConnectionId ?? route.NetworkInterfaceId ?? route.InstanceId ?? '(no target)';
}

function tableLabel(subnetId: string, found: { table: RouteTableLike; explicit: boolean }): string {
  return `${found.table.RouteTableId ?? '?'} (${found.explicit ? `associated with ${subnetId}` : `the VPC's main route table, used by ${subnetId}`})`;
}

function isAttached(igw: InternetGatewayLike, vpcId: string): boolean {
  return (igw.Attachments ?? []).some((a) => a.VpcId === vpcId && (a.State === 'available' || a.State === 'attached'));
}

function serviceOf(endpoint: VpcEndpointLike): string {
  return endpoint.ServiceName?.split('.').pop() ?? endpoint.ServiceName ?? '?';
}

/**
 * Full access is the default endpoint policy: Allow, Principal "*", Action "*", Resource "*", no condition, and no Deny.
 * Anything else limits what may be called through the endpoint; an unparsable document is reported as such.
 */
export function endpointPolicyLimits(policyDocument: string | undefined): string | undefined {
  if (policyDocument === undefined || policyDocument.trim() === '') return undefined;
  return policyLimitsOf(policyDocument);
}

/**
 * Judged once per container per document text: every decision read the same endpoints' policies and parsed each again
 * (decision 279). The answer is a string, which nothing can change.
 */
const policyLimitsOf = textMemo((policyDocument: string): string | undefined => {
  let policy: unknown;
  try {
    policy = JSON.parse(policyDocument);
  } catch {
    return 'its policy document is not valid JSON';
  }
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  const statements = list((policy as { Statement?: unknown }).Statement).filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  const everyone = (principal: unknown): boolean =>
    principal === '*' || (typeof principal === 'object' && principal !== null && list((principal as { AWS?: unknown }).AWS).includes('*'));
  const denies = statements.filter((s) => s.Effect === 'Deny');
  const fullAllow = statements.some(
    (s) => s.Effect === 'Allow' && everyone(s.Principal) && list(s.Action).includes('*') && list(s.Resource).includes('*') && s.Condition === undefined,
  );
  if (fullAllow && denies.length === 0) return undefined;
  const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action).map(String));
  const denied = denies.flatMap((s) => list(s.Action).map(String));
  const parts = [
    allowed.length > 0 ? `allows only ${[...new Set(allowed)].join(', ')}${fullAllow ? '' : ' (or with conditions)'}` : 'allows nothing',
    ...(denied.length > 0 ? [`denies ${[...new Set(denied)].join(', ')}`] : []),
  ];
  return `its policy ${parts.join(' and ')}: calls outside it are refused through the endpoint`;
}, 128);

/** Judges the routes of every function subnet. */
export function evaluateRoutes(input: RouteInput): RouteResult {
  const { vpcId } = input;
  const ok: string[] = [];
  const findings: string[] = [];
  const fixes: RouteFix[] = [];
  const seenFix = new Set<string>();
  const addFix = (fix: RouteFix): void => {
    const key = `${fix.api}${JSON.stringify(fix.input)}`;
    if (seenFix.has(key)) return;
    seenFix.add(key);
    fixes.push(fix);
  };
  const zoneOf = new Map(input.vpcSubnets.map((s) => [s.subnetId, s.availabilityZone]));
  const attachedIgw = input.internetGateways.find((igw) => isAttached(igw, vpcId));
  const natById = new Map(input.natGateways.flatMap((n) => (n.NatGatewayId ? [[n.NatGatewayId, n] as const] : [])));
  const available = input.natGateways.filter((n) => n.State === 'available' && (n.VpcId === undefined || n.VpcId === vpcId) && n.ConnectivityType !== 'private');
  /** A subnet whose route table sends 0.0.0.0/0 to the attached internet gateway. */
  const isPublic = (subnetId: string): boolean => {
    const found = routeTableOf(subnetId, vpcId, input.routeTables);
    const route = found ? defaultRouteOf(found.table) : undefined;
    return Boolean(route?.GatewayId && route.GatewayId === attachedIgw?.InternetGatewayId && route.State !== 'blackhole');
  };
  /** The NAT to route through: an available one in the subnet's zone, else in another zone (losing zone independence). */
  const replacementNat = (subnetId: string): { nat: NatGatewayLike; sameZone: boolean } | undefined => {
    const zone = zoneOf.get(subnetId);
    const sameZone = available.find((n) => n.SubnetId !== undefined && zoneOf.get(n.SubnetId) === zone);
    if (sameZone) return { nat: sameZone, sameZone: true };
    const [other] = available;
    return other ? { nat: other, sameZone: false } : undefined;
  };
  /** The calls that give the subnet a NAT route: through an available NAT, or a new one in a public subnet of its zone. */
  const natRouteFix = (subnetId: string, routeTableId: string, api: 'CreateRoute' | 'ReplaceRoute', why: string): string => {
    // Subnets sharing a route table share its fix.
    if (fixes.some((f) => (f.api === 'CreateRoute' || f.api === 'ReplaceRoute') && f.input.RouteTableId === routeTableId)) return `the same fix as above for ${routeTableId}`;
    const replacement = replacementNat(subnetId);
    if (replacement?.nat.NatGatewayId) {
      addFix({ api, input: { RouteTableId: routeTableId, DestinationCidrBlock: DEFAULT_ROUTE, NatGatewayId: replacement.nat.NatGatewayId }, why });
      return replacement.sameZone
        ? `route through ${replacement.nat.NatGatewayId} (available, same zone)`
        : `route through ${replacement.nat.NatGatewayId} (available, in another zone: a zone outage there takes this subnet's internet access too; create one in ${zoneOf.get(subnetId) ?? 'its zone'} after)`;
    }
    const zone = zoneOf.get(subnetId);
    const publicSubnet =
      input.vpcSubnets.find((s) => s.availabilityZone === zone && isPublic(s.subnetId)) ?? input.vpcSubnets.find((s) => isPublic(s.subnetId));
    if (!publicSubnet) return 'no NAT gateway is available and no public subnet exists to create one in';
    addFix({ api: 'CreateNatGateway', input: { SubnetId: publicSubnet.subnetId, AllocationId: NEW_ADDRESS, ConnectivityType: 'public' }, why });
    addFix({ api, input: { RouteTableId: routeTableId, DestinationCidrBlock: DEFAULT_ROUTE, NatGatewayId: NEW_NAT }, why });
    return `no NAT gateway is available: create one in ${publicSubnet.subnetId} and route through it`;
  };

  let internetReachable = true;
  for (const subnet of input.functionSubnets) {
    const found = routeTableOf(subnet.subnetId, vpcId, input.routeTables);
    if (!found) {
      internetReachable = false;
      findings.push(`${subnet.subnetId} (${input.label}): no route table found, not even the VPC's main one: cannot judge its routes`);
      continue;
    }
    const rtb = found.table.RouteTableId ?? '?';
    const where = tableLabel(subnet.subnetId, found);
    const route = defaultRouteOf(found.table);
    if (!route) {
      internetReachable = false;
      const why = `${where} has no route for ${DEFAULT_ROUTE}: internet-bound calls from ${subnet.subnetId} (${input.label}) have no way out`;
      findings.push(`${why} — ${natRouteFix(subnet.subnetId, rtb, 'CreateRoute', why)}`);
      continue;
    }
    const target = targetOf(route);
    if (route.NatGatewayId) {
      const nat = natById.get(route.NatGatewayId);
      const state = nat?.State ?? 'not found';
      if (route.State === 'blackhole' || state !== 'available') {
        internetReachable = false;
        const natWhy =
          state === 'pending'
            ? `NAT gateway ${route.NatGatewayId} is still pending`
            : `NAT gateway ${route.NatGatewayId} is ${state}${nat?.FailureMessage ? ` (${nat.FailureMessage})` : ''}`;
        const why = `route ${DEFAULT_ROUTE} -> ${route.NatGatewayId} in ${where} is a blackhole: ${natWhy}; internet-bound calls from ${subnet.subnetId} (${input.label}) time out`;
        findings.push(state === 'pending' ? `${why} — wait until it is available` : `${why} — ${natRouteFix(subnet.subnetId, rtb, 'ReplaceRoute', why)}`);
        continue;
      }
      // The NAT's own subnet must send the traffic on to an internet gateway attached to the VPC.
      const natSubnet = nat?.SubnetId;
      const natTable = natSubnet ? routeTableOf(natSubnet, vpcId, input.routeTables) : undefined;
      const natRoute = natTable ? defaultRouteOf(natTable.table) : undefined;
      if (!natSubnet || !natTable) {
        internetReachable = false;
        findings.push(`NAT gateway ${route.NatGatewayId}: its subnet ${natSubnet ?? '?'} has no route table: cannot judge its way to the internet`);
        continue;
      }
      const natWhere = tableLabel(natSubnet, natTable);
      const natRtb = natTable.table.RouteTableId ?? '?';
      const igwOk = natRoute?.GatewayId !== undefined && natRoute.GatewayId === attachedIgw?.InternetGatewayId && natRoute.State !== 'blackhole';
      if (!igwOk) {
        internetReachable = false;
        const has = natRoute ? `sends ${DEFAULT_ROUTE} to ${targetOf(natRoute)}${natRoute.State === 'blackhole' ? ' (blackhole)' : ''}` : `has no route for ${DEFAULT_ROUTE}`;
        const why = `NAT gateway ${route.NatGatewayId} sits in ${natSubnet}, whose ${natWhere} ${has}, not an internet gateway attached to ${vpcId}: internet-bound calls from ${subnet.subnetId} stop at the NAT`;
        if (attachedIgw?.InternetGatewayId) {
          addFix({ api: natRoute ? 'ReplaceRoute' : 'CreateRoute', input: { RouteTableId: natRtb, DestinationCidrBlock: DEFAULT_ROUTE, GatewayId: attachedIgw.InternetGatewayId }, why });
          findings.push(`${why} — route it to ${attachedIgw.InternetGatewayId}`);
        } else {
          const detached = input.internetGateways.find((igw) => (igw.Attachments ?? []).length === 0)?.InternetGatewayId ?? '<InternetGatewayId returned by CreateInternetGateway>';
          addFix({ api: 'AttachInternetGateway', input: { InternetGatewayId: detached, VpcId: vpcId }, why });
          addFix({ api: natRoute ? 'ReplaceRoute' : 'CreateRoute', input: { RouteTableId: natRtb, DestinationCidrBlock: DEFAULT_ROUTE, GatewayId: detached }, why });
          findings.push(`${why} — no internet gateway is attached to ${vpcId}: attach one and route to it`);
        }
        continue;
      }
      ok.push(`${subnet.subnetId}: ${DEFAULT_ROUTE} -> ${route.NatGatewayId} (available, in ${natSubnet}) -> ${natRoute.GatewayId ?? '?'} (attached)`);
      continue;
    }
    if (route.GatewayId?.startsWith('igw-')) {
      internetReachable = false;
      const why = `${where} sends ${DEFAULT_ROUTE} straight to ${route.GatewayId}: ${input.label}'s network interfaces get no public address, so its internet-bound calls from ${subnet.subnetId} time out`;
      findings.push(`${why} — ${natRouteFix(subnet.subnetId, rtb, 'ReplaceRoute', why)}`);
      continue;
    }
    if (route.State === 'blackhole') {
      internetReachable = false;
      const why = `route ${DEFAULT_ROUTE} -> ${target} in ${where} is a blackhole: its target is gone; internet-bound calls from ${subnet.subnetId} (${input.label}) time out`;
      findings.push(`${why} — ${natRouteFix(subnet.subnetId, rtb, 'ReplaceRoute', why)}`);
      continue;
    }
    ok.push(`${subnet.subnetId}: ${DEFAULT_ROUTE} -> ${target} (beyond what this check follows)`);
  }

  // Gateway endpoints (S3, DynamoDB) work only for the route tables they are attached to (a route to their prefix list).
  const tables = new Map<string, { table: RouteTableLike; subnets: string[] }>();
  for (const subnet of input.functionSubnets) {
    const found = routeTableOf(subnet.subnetId, vpcId, input.routeTables);
    const id = found?.table.RouteTableId;
    if (!found || !id) continue;
    tables.set(id, { table: found.table, subnets: [...(tables.get(id)?.subnets ?? []), subnet.subnetId] });
  }
  for (const endpoint of input.endpoints) {
    const id = endpoint.VpcEndpointId ?? '?';
    const service = serviceOf(endpoint);
    const state = (endpoint.State ?? '').toLowerCase();
    if (endpoint.VpcEndpointType === 'Gateway') {
      if (state !== '' && state !== 'available') {
        findings.push(`gateway endpoint ${id} (${endpoint.ServiceName ?? service}) is ${endpoint.State ?? '?'}: ${service} calls fall back to the NAT gateway`);
        continue;
      }
      for (const [rtb, { table, subnets }] of tables) {
        const attached = (endpoint.RouteTableIds ?? []).includes(rtb);
        const blackholed = (table.Routes ?? []).find((r) => r.GatewayId === id && r.State === 'blackhole');
        if (attached && !blackholed) {
          ok.push(`${rtb}: ${service} through gateway endpoint ${id}`);
          continue;
        }
        const why = blackholed
          ? `route ${blackholed.DestinationPrefixListId ?? '?'} -> ${id} in ${rtb} is a blackhole`
          : `${rtb} (used by ${subnets.join(', ')}) has no route to gateway endpoint ${id} (${endpoint.ServiceName ?? service}): ${input.label}'s ${service} calls leave through the NAT gateway instead${internetReachable ? '' : ', which is broken too'}`;
        addFix({ api: 'ModifyVpcEndpoint', input: { VpcEndpointId: id, AddRouteTableIds: [rtb] }, why });
        findings.push(`${why} — ModifyVpcEndpoint ${JSON.stringify({ VpcEndpointId: id, AddRouteTableIds: [rtb] })}`);
      }
      continue;
    }
    if (endpoint.VpcEndpointType !== 'Interface') continue;
    if (state !== '' && state !== 'available') {
      findings.push(`interface endpoint ${id} (${endpoint.ServiceName ?? service}) is ${endpoint.State ?? '?'}: it carries no traffic`);
      continue;
    }
    if (endpoint.PrivateDnsEnabled === false) {
      const why = `interface endpoint ${id} (${endpoint.ServiceName ?? service}) has private DNS disabled: ${service}'s public name resolves to public addresses, so ${input.label}'s calls bypass the endpoint and need the NAT gateway`;
      addFix({ api: 'ModifyVpcEndpoint', input: { VpcEndpointId: id, PrivateDnsEnabled: true }, why });
      findings.push(`${why} — ModifyVpcEndpoint ${JSON.stringify({ VpcEndpointId: id, PrivateDnsEnabled: true })}`);
    }
    const limits = endpointPolicyLimits(endpoint.PolicyDocument);
    if (limits) {
      findings.push(`interface endpoint ${id} (${endpoint.ServiceName ?? service}): ${limits} (a person decides whether to widen it: ModifyVpcEndpoint {"VpcEndpointId":"${id}","ResetPolicy":true})`);
    }
  }
  return { internetReachable, ok, findings, fixes };
}
