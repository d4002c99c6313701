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
  Associations?: Array<{ Main?: boolean; SubnetId?: string; RouteTableAssociationId?: string; AssociationState?: { State?: string } }>;
}

export interface NatGatewayLike {
  NatGatewayId?: string;
  /** pending | failed | available | deleting | deleted */
  State?: string;
  SubnetId?: string;
  VpcId?: string;
  FailureMessage?: string;
  ConnectivityType?: string;
  /** "zonal" (in one subnet of one zone; absent on older answers) or "regional" (VPC-wide, no subnet). */
  AvailabilityMode?: string;
  /** Regional NAT gateways only: the route table AWS created for it, with its route to the internet gateway. */
  RouteTableId?: string;
}

/**
 * A regional NAT gateway is created at the VPC level, in no subnet, and follows the workloads across zones (VPC User
 * Guide, "Regional NAT gateways for automatic multi-AZ expansion"; EC2 NatGateway.AvailabilityMode).
 */
export function isRegional(nat: NatGatewayLike): boolean {
  return nat.AvailabilityMode === 'regional';
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

export type RouteApi =
  | 'CreateRoute'
  | 'ReplaceRoute'
  | 'CreateNatGateway'
  | 'AttachInternetGateway'
  | 'ModifyVpcEndpoint'
  | 'CreateRouteTable'
  | 'AssociateRouteTable'
  | 'ReplaceRouteTableAssociation';

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
  /** What was judged wrong or worth a look, each once per route table. */
  findings: string[];
  /** Those of `findings` that stop a way out (a blackhole, no route, a NAT with no way on). */
  blocking: string[];
  /** Those of `findings` naming subnets that leave through another zone's NAT gateway (not blocking). */
  crossZone: string[];
  /** What could not be judged (no route table, a NAT whose own way on cannot be read): no all-clear while any remains. */
  unjudged: string[];
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

/** Function subnets that use one route table: judged together, said once (review 23b R23b-2). */
interface TableGroup {
  found: { table: RouteTableLike; explicit: boolean } | undefined;
  /** The subnets that use it, with their zones where known. */
  subnets: string[];
  /** Those explicitly associated with it (the others use it as the VPC's main table). */
  explicit: string[];
}

function groupByTable(subnets: readonly VpcSubnet[], vpcId: string, tables: readonly RouteTableLike[]): TableGroup[] {
  const groups = new Map<RouteTableLike | undefined, TableGroup>();
  for (const subnet of subnets) {
    const found = routeTableOf(subnet.subnetId, vpcId, tables);
    const group = groups.get(found?.table) ?? { found, subnets: [], explicit: [] };
    group.subnets.push(subnet.subnetId);
    if (found?.explicit) group.explicit.push(subnet.subnetId);
    groups.set(found?.table, group);
  }
  return [...groups.values()];
}

function groupLabel(group: TableGroup & { found: { table: RouteTableLike } }): string {
  const implicit = group.subnets.filter((s) => !group.explicit.includes(s));
  const parts = [
    ...(group.explicit.length > 0 ? [`associated with ${group.explicit.join(', ')}`] : []),
    ...(implicit.length > 0 ? [`the VPC's main route table, used by ${implicit.join(', ')}`] : []),
  ];
  return `${group.found.table.RouteTableId ?? '?'} (${parts.join('; ')})`;
}

/** Judges the routes of every function subnet, once per route table they use. */
export function evaluateRoutes(input: RouteInput): RouteResult {
  const { vpcId } = input;
  let internetReachable = true;
  const groups = groupByTable(input.functionSubnets, vpcId, input.routeTables);
  const ok: string[] = [];
  const findings: string[] = [];
  const blocking: string[] = [];
  const crossZone: string[] = [];
  const unjudged: string[] = [];
  const fixes: RouteFix[] = [];
  const seenFix = new Set<string>();
  const addFix = (fix: RouteFix): void => {
    const key = `${fix.api}${JSON.stringify(fix.input)}`;
    if (seenFix.has(key)) return;
    seenFix.add(key);
    fixes.push(fix);
  };
  /** A finding that stops the way out: the internet path is not proven. */
  const block = (text: string): void => {
    internetReachable = false;
    findings.push(text);
    blocking.push(text);
  };
  /** What could not be judged: no all-clear (said once, whatever number of subnets share it). */
  const cannotJudge = (text: string): void => {
    internetReachable = false;
    if (!unjudged.includes(text)) unjudged.push(text);
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
  /** An available zonal NAT gateway of `zone`. */
  const zonalNatIn = (zone: string | undefined): NatGatewayLike | undefined =>
    zone === undefined ? undefined : available.find((n) => !isRegional(n) && n.SubnetId !== undefined && zoneOf.get(n.SubnetId) === zone);
  /**
   * The NAT to route through: an available one in the subnet's zone, else a regional one (it serves every zone), else
   * one in another zone (losing zone independence).
   */
  const replacementNat = (subnetId: string): { nat: NatGatewayLike; how: 'same zone' | 'regional' | 'other zone' } | undefined => {
    const sameZone = zonalNatIn(zoneOf.get(subnetId));
    if (sameZone) return { nat: sameZone, how: 'same zone' };
    const regional = available.find(isRegional);
    if (regional) return { nat: regional, how: 'regional' };
    const [other] = available;
    return other ? { nat: other, how: 'other zone' } : undefined;
  };
  /**
   * The calls that create a NAT gateway for `zone`: a zonal one in a public subnet of that zone (else of any zone), else,
   * with no public subnet but an internet gateway attached, a regional one (VPC User Guide, "Regional NAT gateways for
   * automatic multi-AZ expansion": it needs no public subnet). Returns what it did, or undefined when neither is possible.
   */
  const createNat = (zone: string | undefined, why: string): string | undefined => {
    const publicSubnet = input.vpcSubnets.find((s) => s.availabilityZone === zone && isPublic(s.subnetId)) ?? input.vpcSubnets.find((s) => isPublic(s.subnetId));
    if (publicSubnet) {
      addFix({ api: 'CreateNatGateway', input: { SubnetId: publicSubnet.subnetId, AllocationId: NEW_ADDRESS, ConnectivityType: 'public' }, why });
      return `create one in ${publicSubnet.subnetId}`;
    }
    if (!attachedIgw) return undefined;
    addFix({ api: 'CreateNatGateway', input: { AvailabilityMode: 'regional', VpcId: vpcId, ConnectivityType: 'public' }, why });
    return `create a regional one (no public subnet needed)`;
  };
  /** The calls that give the subnets' table a NAT route: through an available NAT, or a new one. */
  const natRouteFix = (subnetId: string, routeTableId: string, api: 'CreateRoute' | 'ReplaceRoute', why: string): string => {
    const replacement = replacementNat(subnetId);
    if (replacement?.nat.NatGatewayId) {
      addFix({ api, input: { RouteTableId: routeTableId, DestinationCidrBlock: DEFAULT_ROUTE, NatGatewayId: replacement.nat.NatGatewayId }, why });
      if (replacement.how === 'same zone') return `route through ${replacement.nat.NatGatewayId} (available, same zone)`;
      if (replacement.how === 'regional') return `route through ${replacement.nat.NatGatewayId} (available, regional: it serves every zone)`;
      return `route through ${replacement.nat.NatGatewayId} (available, in another zone: a zone outage there takes this subnet's internet access too; create one in ${zoneOf.get(subnetId) ?? 'its zone'} after)`;
    }
    const created = createNat(zoneOf.get(subnetId), why);
    if (!created) return 'no NAT gateway is available, and neither a public subnet to create one in nor an internet gateway for a regional one exists';
    addFix({ api, input: { RouteTableId: routeTableId, DestinationCidrBlock: DEFAULT_ROUTE, NatGatewayId: NEW_NAT }, why });
    return `no NAT gateway is available: ${created} and route through it`;
  };
  /** The NAT's own way on: its route table must send 0.0.0.0/0 to an internet gateway attached to the VPC. */
  const judgeNatTable = (natId: string, natTable: { table: RouteTableLike; label: string }, from: string): boolean => {
    const natRoute = defaultRouteOf(natTable.table);
    const natRtb = natTable.table.RouteTableId ?? '?';
    if (natRoute?.GatewayId !== undefined && natRoute.GatewayId === attachedIgw?.InternetGatewayId && natRoute.State !== 'blackhole') return true;
    const has = natRoute ? `sends ${DEFAULT_ROUTE} to ${targetOf(natRoute)}${natRoute.State === 'blackhole' ? ' (blackhole)' : ''}` : `has no route for ${DEFAULT_ROUTE}`;
    const why = `NAT gateway ${natId} ${natTable.label} ${has}, not an internet gateway attached to ${vpcId}: internet-bound calls from ${from} stop at the NAT`;
    if (attachedIgw?.InternetGatewayId) {
      addFix({ api: natRoute ? 'ReplaceRoute' : 'CreateRoute', input: { RouteTableId: natRtb, DestinationCidrBlock: DEFAULT_ROUTE, GatewayId: attachedIgw.InternetGatewayId }, why });
      block(`${why} — route it to ${attachedIgw.InternetGatewayId}`);
    } else {
      const detached = input.internetGateways.find((igw) => (igw.Attachments ?? []).length === 0)?.InternetGatewayId ?? '<InternetGatewayId returned by CreateInternetGateway>';
      addFix({ api: 'AttachInternetGateway', input: { InternetGatewayId: detached, VpcId: vpcId }, why });
      addFix({ api: natRoute ? 'ReplaceRoute' : 'CreateRoute', input: { RouteTableId: natRtb, DestinationCidrBlock: DEFAULT_ROUTE, GatewayId: detached }, why });
      block(`${why} — no internet gateway is attached to ${vpcId}: attach one and route to it`);
    }
    return false;
  };
  /**
   * Subnets of another zone than their zonal NAT gateway's. VPC User Guide, "NAT gateway basics": a NAT gateway is
   * redundant within its zone only; resources of other zones sharing it lose internet access when its zone is down: one
   * NAT gateway per zone, each zone's subnets routed to their own (review 23b R23b-3). Not blocking: the path works now.
   */
  const judgeZones = (group: TableGroup, rtb: string, natId: string, natZone: string | undefined): void => {
    if (natZone === undefined) return;
    const byZone = new Map<string, string[]>();
    for (const s of group.subnets) {
      const zone = zoneOf.get(s);
      if (zone !== undefined && zone !== natZone) byZone.set(zone, [...(byZone.get(zone) ?? []), s]);
    }
    for (const [zone, subnets] of byZone) {
      const what = `${subnets.join(', ')} (${zone}) ${subnets.length === 1 ? 'leaves' : 'leave'} through NAT gateway ${natId} in ${natZone}: a ${natZone} outage cuts ${subnets.length === 1 ? 'its' : 'their'} internet access too (AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone's subnets routed to their own)`;
      const own = zonalNatIn(zone)?.NatGatewayId;
      const created = own ? undefined : createNat(zone, what);
      const target = own ?? (created ? NEW_NAT : undefined);
      if (!target) {
        findings.push(`${what} — no NAT gateway in ${zone}, and neither a public subnet to create one in nor an internet gateway for a regional one`);
        crossZone.push(findings.at(-1) ?? what);
        continue;
      }
      const route = { DestinationCidrBlock: DEFAULT_ROUTE, NatGatewayId: target };
      const shared = group.subnets.length > subnets.length;
      let how: string;
      if (!shared) {
        addFix({ api: 'ReplaceRoute', input: { RouteTableId: rtb, ...route }, why: what });
        how = `route ${rtb} through ${own ?? `it`}`;
      } else {
        // The table also serves the NAT's own zone: the other zone's subnets get a table of their own.
        const newTable = `<RouteTableId returned by CreateRouteTable for ${zone}>`;
        addFix({ api: 'CreateRouteTable', input: { VpcId: vpcId }, why: what });
        addFix({ api: 'CreateRoute', input: { RouteTableId: newTable, ...route }, why: what });
        for (const s of subnets) {
          const association = group.found?.table.Associations?.find((a) => a.SubnetId === s && a.AssociationState?.State !== 'disassociated');
          if (association) {
            addFix({ api: 'ReplaceRouteTableAssociation', input: { AssociationId: association.RouteTableAssociationId ?? `<RouteTableAssociationId of ${s} in ${rtb}>`, RouteTableId: newTable }, why: what });
          } else {
            addFix({ api: 'AssociateRouteTable', input: { SubnetId: s, RouteTableId: newTable }, why: what });
          }
        }
        how = `give ${subnets.join(', ')} a route table of ${subnets.length === 1 ? 'its' : 'their'} own through ${own ?? 'it'} (${rtb} serves ${natZone} too)`;
      }
      const text = `${what} — ${own ? `${own} is available in ${zone}: ` : `${created ?? ''}, then `}${how}`;
      findings.push(text);
      crossZone.push(text);
    }
  };

  for (const group of groups) {
    const from = `${group.subnets.join(', ')} (${input.label})`;
    const [first = ''] = group.subnets;
    if (!group.found) {
      cannotJudge(`${from}: no route table found, not even the VPC's main one: cannot judge ${group.subnets.length === 1 ? 'its' : 'their'} routes`);
      continue;
    }
    const found = { ...group, found: group.found };
    const rtb = found.found.table.RouteTableId ?? '?';
    const where = groupLabel(found);
    const route = defaultRouteOf(found.found.table);
    if (!route) {
      const why = `${where} has no route for ${DEFAULT_ROUTE}: internet-bound calls from ${from} have no way out`;
      block(`${why} — ${natRouteFix(first, rtb, 'CreateRoute', why)}`);
      continue;
    }
    const target = targetOf(route);
    if (route.NatGatewayId) {
      const natId = route.NatGatewayId;
      const nat = natById.get(natId);
      const regional = nat !== undefined && isRegional(nat);
      const kind = regional ? 'regional NAT gateway' : 'NAT gateway';
      const state = nat?.State ?? 'not found';
      if (route.State === 'blackhole' || state !== 'available') {
        const natWhy = state === 'pending' ? `${kind} ${natId} is still pending` : `${kind} ${natId} is ${state}${nat?.FailureMessage ? ` (${nat.FailureMessage})` : ''}`;
        const why = `route ${DEFAULT_ROUTE} -> ${natId} in ${where} is a blackhole: ${natWhy}; internet-bound calls from ${from} time out`;
        block(state === 'pending' ? `${why} — wait until it is available` : `${why} — ${natRouteFix(first, rtb, 'ReplaceRoute', why)}`);
        continue;
      }
      if (regional) {
        // No NAT subnet to follow: AWS creates the regional NAT gateway's own route table, with a route to the internet
        // gateway (VPC User Guide, "Regional NAT gateways for automatic multi-AZ expansion"); DescribeNatGateways names it.
        const natTable = nat.RouteTableId ? input.routeTables.find((t) => t.RouteTableId === nat.RouteTableId) : undefined;
        if (!natTable) {
          cannotJudge(
            `regional NAT gateway ${natId}: its route table ${nat.RouteTableId ?? '(DescribeNatGateways named none)'} is not among ${vpcId}'s route tables read: cannot judge its way to the internet`,
          );
          continue;
        }
        if (!judgeNatTable(natId, { table: natTable, label: `(regional), whose route table ${natTable.RouteTableId ?? '?'}` }, from)) continue;
        ok.push(`${group.subnets.join(', ')}: ${DEFAULT_ROUTE} -> ${natId} (available, regional (multi-AZ), route table ${natTable.RouteTableId ?? '?'}) -> ${attachedIgw?.InternetGatewayId ?? '?'} (attached)`);
        continue;
      }
      // A zonal NAT's own subnet must send the traffic on to an internet gateway attached to the VPC.
      const natSubnet = nat?.SubnetId;
      const natTable = natSubnet ? routeTableOf(natSubnet, vpcId, input.routeTables) : undefined;
      if (!natSubnet || !natTable) {
        cannotJudge(
          natSubnet
            ? `NAT gateway ${natId}: its subnet ${natSubnet} has no route table, not even the VPC's main one: cannot judge its way to the internet`
            : `NAT gateway ${natId}: DescribeNatGateways names no subnet for it${nat?.AvailabilityMode ? '' : ' (nor an AvailabilityMode)'}: cannot judge its way to the internet`,
        );
        continue;
      }
      if (!judgeNatTable(natId, { table: natTable.table, label: `sits in ${natSubnet}, whose ${tableLabel(natSubnet, natTable)}` }, from)) continue;
      ok.push(`${group.subnets.join(', ')}: ${DEFAULT_ROUTE} -> ${natId} (available, in ${natSubnet}) -> ${attachedIgw?.InternetGatewayId ?? '?'} (attached)`);
      judgeZones(group, rtb, natId, zoneOf.get(natSubnet));
      continue;
    }
    if (route.GatewayId?.startsWith('igw-')) {
      const why = `${where} sends ${DEFAULT_ROUTE} straight to ${route.GatewayId}: ${input.label}'s network interfaces get no public address, so its internet-bound calls from ${group.subnets.join(', ')} time out`;
      block(`${why} — ${natRouteFix(first, rtb, 'ReplaceRoute', why)}`);
      continue;
    }
    if (route.State === 'blackhole') {
      const why = `route ${DEFAULT_ROUTE} -> ${target} in ${where} is a blackhole: its target is gone; internet-bound calls from ${from} time out`;
      block(`${why} — ${natRouteFix(first, rtb, 'ReplaceRoute', why)}`);
      continue;
    }
    ok.push(`${group.subnets.join(', ')}: ${DEFAULT_ROUTE} -> ${target} (beyond what this check follows)`);
  }

  // Gateway endpoints (S3, DynamoDB) work only for the route tables they are attached to (a route to their prefix list).
  const tables = new Map(groups.flatMap((g) => (g.found?.table.RouteTableId ? [[g.found.table.RouteTableId, { table: g.found.table, subnets: g.subnets }] as const] : [])));
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
        const text = `${why} — ModifyVpcEndpoint ${JSON.stringify({ VpcEndpointId: id, AddRouteTableIds: [rtb] })}`;
        findings.push(text);
        // A blackholed prefix-list route is more specific than 0.0.0.0/0: the service's calls are dropped, not detoured.
        if (blackholed) blocking.push(text);
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
  return { internetReachable, ok, findings, blocking, crossZone, unjudged, fixes };
}
