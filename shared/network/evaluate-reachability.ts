// Pure reachability through security groups: may a source open TCP connections to a destination port, rule by rule?
//
// Security groups are stateful (EC2 "Security group rules"): a connection needs the source's egress and the
// destination's ingress; the reply is allowed without rules in the other direction. A rule matches by protocol
// (-1 = all, tcp / 6) and port range, and by peer: a security-group reference (UserIdGroupPairs: every interface
// carrying that group), or CIDR containment (IpRanges, Ipv6Ranges, the entries of a managed prefix list). The rules
// of all groups on an interface form one union (an interface with several groups is allowed what any one allows).
import { cidrCoveredBy, cidrOverlaps, isWholeFamily, parseCidr, type AddressFamily, type Cidr } from './cidr';

/** EC2's IpPermission, structurally: the SDK's own objects are accepted as they are. */
export interface IpPermissionLike {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: Array<{ CidrIp?: string; Description?: string }>;
  Ipv6Ranges?: Array<{ CidrIpv6?: string; Description?: string }>;
  PrefixListIds?: Array<{ PrefixListId?: string; Description?: string }>;
  UserIdGroupPairs?: Array<{ GroupId?: string; UserId?: string; Description?: string }>;
}

/** EC2's SecurityGroup, structurally. */
export interface SecurityGroupLike {
  GroupId?: string;
  GroupName?: string;
  IpPermissions?: IpPermissionLike[];
  IpPermissionsEgress?: IpPermissionLike[];
}

export interface NetworkEndpoint {
  /** For messages: "Lambda notification-service-consumer", "RDS notification-service-db". */
  label: string;
  /** The security groups on its network interfaces. */
  groupIds: string[];
  /** Where its interfaces' addresses come from (its subnets' IPv4 and IPv6 CIDRs); empty when unknown. */
  cidrs: string[];
}

export interface ReachabilityInput {
  source: NetworkEndpoint;
  destination: NetworkEndpoint & { port: number };
  /** Every group of the source and the destination, as DescribeSecurityGroups returns them. */
  securityGroups: readonly SecurityGroupLike[];
  /** Managed prefix list id -> its CIDRs (GetManagedPrefixListEntries). */
  prefixLists: Readonly<Record<string, readonly string[]>>;
}

export interface FamilyVerdict {
  allowed: boolean;
  /** The peer's CIDRs no rule covers (CIDR rules only; a group reference covers everything). */
  uncovered: string[];
}

export interface DirectionVerdict {
  direction: 'egress' | 'ingress';
  /** Every address family both ends use is allowed. */
  allowed: boolean;
  /** The rules can't be judged: a group of the rule holder was not found. */
  unknownGroups: string[];
  ipv4: FamilyVerdict;
  /** Present when both ends have IPv6 addresses. */
  ipv6?: FamilyVerdict;
  /** The rules that allow it, described. */
  via: string[];
  /** Rules that name the peer but another protocol or port: the usual typo. */
  nearMisses: string[];
}

export type SecurityGroupApi = 'AuthorizeSecurityGroupIngress' | 'AuthorizeSecurityGroupEgress' | 'RevokeSecurityGroupIngress';

/** One rule change, as the EC2 API takes it. */
export interface SecurityGroupFix {
  api: SecurityGroupApi;
  input: { GroupId: string; IpPermissions: IpPermissionLike[] };
  /** The finding it answers. */
  why: string;
}

export interface ReachabilityResult {
  /** IPv4 connections from source to destination are allowed both ways (egress and ingress). */
  reachable: boolean;
  /** Present when both ends have IPv6 addresses. */
  ipv6Reachable?: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  /** What is missing or too broad, each naming the exact group, port and peer. */
  findings: string[];
  /** The exact rule changes that would answer the findings, missing rules first. */
  fixes: SecurityGroupFix[];
}

const ALL_PORTS = { from: 0, to: 65535 };

function protocolOf(permission: IpPermissionLike): string {
  const protocol = (permission.IpProtocol ?? '-1').toLowerCase();
  // EC2 accepts names or IANA numbers; -1 (or "all" in some tools) is every protocol on every port.
  if (protocol === 'all') return '-1';
  if (protocol === '6') return 'tcp';
  if (protocol === '17') return 'udp';
  if (protocol === '1') return 'icmp';
  if (protocol === '58') return 'icmpv6';
  return protocol;
}

function portRangeOf(permission: IpPermissionLike): { from: number; to: number } {
  const from = permission.FromPort;
  const to = permission.ToPort;
  // -1 or absent ports on tcp/udp mean the whole range (EC2 stores all-ports rules of protocol numbers that way).
  if (from === undefined || to === undefined || from < 0 || to < 0) return ALL_PORTS;
  return { from, to };
}

function allowsTcpPort(permission: IpPermissionLike, port: number): boolean {
  const protocol = protocolOf(permission);
  if (protocol === '-1') return true;
  if (protocol !== 'tcp') return false;
  const range = portRangeOf(permission);
  return range.from <= port && port <= range.to;
}

export function describeProtocolPorts(permission: IpPermissionLike): string {
  const protocol = protocolOf(permission);
  if (protocol === '-1') return 'all traffic';
  const range = portRangeOf(permission);
  if (protocol !== 'tcp' && protocol !== 'udp') return `protocol ${protocol}`;
  if (range.from === ALL_PORTS.from && range.to === ALL_PORTS.to) return `${protocol} all ports`;
  return range.from === range.to ? `${protocol} ${range.from}` : `${protocol} ${range.from}-${range.to}`;
}

function familiesOf(cidrs: readonly Cidr[]): Set<AddressFamily> {
  return new Set(cidrs.map((c) => c.family));
}

function parseAll(texts: readonly string[]): Cidr[] {
  return texts.map(parseCidr).filter((c): c is Cidr => c !== undefined);
}

interface RuleHolder {
  direction: 'egress' | 'ingress';
  /** The end whose groups hold the rules. */
  own: NetworkEndpoint;
  /** The other end. */
  peer: NetworkEndpoint;
  port: number;
  ipv6: boolean;
}

function groupLabel(groups: ReadonlyMap<string, SecurityGroupLike>, id: string): string {
  const name = groups.get(id)?.GroupName;
  return name ? `${id} (${name})` : id;
}

function groupsLabel(groups: ReadonlyMap<string, SecurityGroupLike>, ids: readonly string[]): string {
  if (ids.length === 0) return '(no security group)';
  return ids.map((id) => groupLabel(groups, id)).join(', ');
}

function evaluateDirection(
  holder: RuleHolder,
  groups: ReadonlyMap<string, SecurityGroupLike>,
  prefixLists: Readonly<Record<string, readonly string[]>>,
): DirectionVerdict {
  const { direction, own, peer, port } = holder;
  const toward = direction === 'egress' ? 'to' : 'from';
  const viaReference: string[] = [];
  const viaCidr: Array<{ cidr: Cidr; text: string }> = [];
  const nearMisses: string[] = [];
  const unknownGroups: string[] = [];
  const allowedCidrs: Cidr[] = [];
  let byReference = false;

  for (const groupId of own.groupIds) {
    const group = groups.get(groupId);
    if (!group) {
      unknownGroups.push(groupId);
      continue;
    }
    const permissions = (direction === 'egress' ? group.IpPermissionsEgress : group.IpPermissions) ?? [];
    for (const permission of permissions) {
      const matches = allowsTcpPort(permission, port);
      // A rule's text only for a rule that is named (every rule of every group is read for each path and direction).
      const rule = (peerText: string): string => `${groupLabel(groups, groupId)} ${direction} ${describeProtocolPorts(permission)} ${toward} ${peerText}`;
      for (const pair of permission.UserIdGroupPairs ?? []) {
        if (!pair.GroupId || !peer.groupIds.includes(pair.GroupId)) continue;
        if (matches) {
          byReference = true;
          viaReference.push(rule(groupLabel(groups, pair.GroupId)));
        } else {
          nearMisses.push(rule(groupLabel(groups, pair.GroupId)));
        }
      }
      // Only a rule on the port allows any CIDR: the others' ranges are not read.
      if (!matches) continue;
      const allow = (text: string, origin: string): void => {
        const cidr = parseCidr(text);
        if (!cidr) return;
        allowedCidrs.push(cidr);
        viaCidr.push({ cidr, text: rule(origin) });
      };
      for (const range of permission.IpRanges ?? []) if (range.CidrIp) allow(range.CidrIp, range.CidrIp);
      for (const range of permission.Ipv6Ranges ?? []) if (range.CidrIpv6) allow(range.CidrIpv6, range.CidrIpv6);
      for (const list of permission.PrefixListIds ?? []) {
        if (!list.PrefixListId) continue;
        for (const text of prefixLists[list.PrefixListId] ?? []) allow(text, `${list.PrefixListId} (prefix list: ${text})`);
      }
    }
  }

  const peerCidrs = parseAll(peer.cidrs);
  const verdictFor = (family: AddressFamily): FamilyVerdict => {
    if (byReference) return { allowed: true, uncovered: [] };
    const mine = peerCidrs.filter((c) => c.family === family);
    if (mine.length === 0) {
      // The peer's addresses are unknown: only a rule open to the whole family can be proven to allow them.
      const allowed = allowedCidrs.some((c) => c.family === family && isWholeFamily(c));
      return { allowed, uncovered: allowed ? [] : [`(${peer.label}: addresses unknown)`] };
    }
    const uncovered = mine.filter((c) => !cidrCoveredBy(c, allowedCidrs)).map((c) => c.text);
    return { allowed: uncovered.length === 0, uncovered };
  };
  const ipv4 = verdictFor('ipv4');
  const ipv6 = holder.ipv6 ? verdictFor('ipv6') : undefined;
  return {
    direction,
    allowed: unknownGroups.length === 0 && ipv4.allowed && (ipv6?.allowed ?? true),
    unknownGroups,
    ipv4,
    ...(ipv6 ? { ipv6 } : {}),
    // A group reference carries every family, so CIDR rules are only listed when they are what allows it.
    via: byReference
      ? viaReference
      : viaCidr.filter((v) => isWholeFamily(v.cidr) || peerCidrs.some((p) => cidrOverlaps(p, v.cidr))).map((v) => v.text),
    nearMisses,
  };
}

/** The permission that would allow the peer on the port: by group reference when it has groups, else its CIDRs. */
function permissionFor(peer: NetworkEndpoint, port: number, uncovered: readonly string[], description: string): IpPermissionLike {
  const base: IpPermissionLike = { IpProtocol: 'tcp', FromPort: port, ToPort: port };
  const [group] = peer.groupIds;
  if (group !== undefined) return { ...base, UserIdGroupPairs: [{ GroupId: group, Description: description }] };
  const cidrs = parseAll(uncovered);
  const v4 = cidrs.filter((c) => c.family === 'ipv4').map((c) => ({ CidrIp: c.text, Description: description }));
  const v6 = cidrs.filter((c) => c.family === 'ipv6').map((c) => ({ CidrIpv6: c.text, Description: description }));
  return { ...base, ...(v4.length ? { IpRanges: v4 } : {}), ...(v6.length ? { Ipv6Ranges: v6 } : {}) };
}

/** Ingress rules of the destination that open the port to every address (0.0.0.0/0, ::/0, or a prefix list holding one). */
function worldOpenRules(
  destination: NetworkEndpoint & { port: number },
  groups: ReadonlyMap<string, SecurityGroupLike>,
  prefixLists: Readonly<Record<string, readonly string[]>>,
): Array<{ groupId: string; permission: IpPermissionLike; cidr: string; via?: string }> {
  const found: Array<{ groupId: string; permission: IpPermissionLike; cidr: string; via?: string }> = [];
  for (const groupId of destination.groupIds) {
    for (const permission of groups.get(groupId)?.IpPermissions ?? []) {
      if (!allowsTcpPort(permission, destination.port)) continue;
      const scope: IpPermissionLike = {
        ...(permission.IpProtocol !== undefined ? { IpProtocol: permission.IpProtocol } : {}),
        ...(permission.FromPort !== undefined ? { FromPort: permission.FromPort } : {}),
        ...(permission.ToPort !== undefined ? { ToPort: permission.ToPort } : {}),
      };
      for (const range of permission.IpRanges ?? []) {
        const cidr = range.CidrIp ? parseCidr(range.CidrIp) : undefined;
        if (cidr && isWholeFamily(cidr)) found.push({ groupId, permission: { ...scope, IpRanges: [{ CidrIp: range.CidrIp }] }, cidr: cidr.text });
      }
      for (const range of permission.Ipv6Ranges ?? []) {
        const cidr = range.CidrIpv6 ? parseCidr(range.CidrIpv6) : undefined;
        if (cidr && isWholeFamily(cidr)) found.push({ groupId, permission: { ...scope, Ipv6Ranges: [{ CidrIpv6: range.CidrIpv6 }] }, cidr: cidr.text });
      }
      for (const list of permission.PrefixListIds ?? []) {
        const whole = (list.PrefixListId ? prefixLists[list.PrefixListId] : undefined)?.map(parseCidr).find((c) => c && isWholeFamily(c));
        if (whole && list.PrefixListId) {
          found.push({ groupId, permission: { ...scope, PrefixListIds: [{ PrefixListId: list.PrefixListId }] }, cidr: whole.text, via: list.PrefixListId });
        }
      }
    }
  }
  return found;
}

/** The group with every rule that opens it to the whole of IPv4 or IPv6 taken out (what a revoke would leave). */
function withoutWorldOpen(group: SecurityGroupLike, prefixLists: Readonly<Record<string, readonly string[]>>): SecurityGroupLike {
  const notWhole = (text: string | undefined): boolean => {
    const cidr = text ? parseCidr(text) : undefined;
    return !(cidr && isWholeFamily(cidr));
  };
  return {
    ...group,
    IpPermissions: (group.IpPermissions ?? []).map((permission) => ({
      ...permission,
      IpRanges: (permission.IpRanges ?? []).filter((r) => notWhole(r.CidrIp)),
      Ipv6Ranges: (permission.Ipv6Ranges ?? []).filter((r) => notWhole(r.CidrIpv6)),
      PrefixListIds: (permission.PrefixListIds ?? []).filter((p) => (p.PrefixListId ? prefixLists[p.PrefixListId] ?? [] : []).every(notWhole)),
    })),
  };
}

/**
 * Decides whether `source` may open TCP connections to `destination.port`, and names what is missing or too broad
 * with the exact EC2 call that fixes it. Never looks at network ACLs or routes: security groups only.
 */
export function evaluateReachability(input: ReachabilityInput): ReachabilityResult {
  const { source, destination } = input;
  const groups = new Map(input.securityGroups.flatMap((g) => (g.GroupId ? [[g.GroupId, g] as const] : [])));
  const ipv6 =
    familiesOf(parseAll(source.cidrs)).has('ipv6') && familiesOf(parseAll(destination.cidrs)).has('ipv6');
  const port = destination.port;
  const egress = evaluateDirection({ direction: 'egress', own: source, peer: destination, port, ipv6 }, groups, input.prefixLists);
  const ingress = evaluateDirection({ direction: 'ingress', own: destination, peer: source, port, ipv6 }, groups, input.prefixLists);
  const findings: string[] = [];
  const fixes: SecurityGroupFix[] = [];
  const path = `${source.label} -> ${destination.label} on tcp ${port}`;
  const sourceGroups = groupsLabel(groups, source.groupIds);
  const destinationGroups = groupsLabel(groups, destination.groupIds);
  const description = `${source.label} to ${destination.label}`;

  const explain = (verdict: DirectionVerdict): void => {
    if (verdict.unknownGroups.length > 0) {
      findings.push(`${path}: cannot judge ${verdict.direction}: security group ${verdict.unknownGroups.join(', ')} was not found`);
      return;
    }
    if (verdict.allowed) return;
    const own = verdict.direction === 'egress' ? source : destination;
    const peer = verdict.direction === 'egress' ? destination : source;
    const ownGroups = verdict.direction === 'egress' ? sourceGroups : destinationGroups;
    const peerGroups = verdict.direction === 'egress' ? destinationGroups : sourceGroups;
    if (own.groupIds.length === 0) return;
    const toward = verdict.direction === 'egress' ? 'to' : 'from';
    const peerText = peer.groupIds.length > 0 ? `${peerGroups} (${peer.label})` : peer.label;
    const blocked: string[] = [];
    if (!verdict.ipv4.allowed) {
      const partial = verdict.via.length > 0 && verdict.ipv4.uncovered.length < parseAll(peer.cidrs).filter((c) => c.family === 'ipv4').length;
      blocked.push(partial ? `IPv4 only partly: not ${toward} ${verdict.ipv4.uncovered.join(', ')}` : 'IPv4');
    }
    if (verdict.ipv6 && !verdict.ipv6.allowed) blocked.push(`IPv6 (not ${toward} ${verdict.ipv6.uncovered.join(', ')})`);
    const whoAllows = own.groupIds.length > 1 ? `none of ${ownGroups} allows` : `${ownGroups} allows no`;
    const near = verdict.nearMisses.length > 0 ? `; rules naming it on other ports: ${verdict.nearMisses.join('; ')}` : '';
    const finding =
      blocked.length === 1 && blocked[0] === 'IPv4'
        ? `${whoAllows} ${verdict.direction} on tcp ${port} ${toward} ${peerText}${near}`
        : `${ownGroups}: ${verdict.direction} on tcp ${port} ${toward} ${peerText} is blocked for ${blocked.join(' and ')}${near}`;
    findings.push(finding);
    const [holder] = own.groupIds;
    if (holder === undefined) return;
    const uncovered = [...verdict.ipv4.uncovered, ...(verdict.ipv6?.uncovered ?? [])].filter((text) => parseCidr(text) !== undefined);
    fixes.push({
      api: verdict.direction === 'egress' ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress',
      input: { GroupId: holder, IpPermissions: [permissionFor(peer, port, uncovered, description)] },
      why: finding,
    });
  };
  explain(egress);
  explain(ingress);

  // Over-broad: reachable or not, a database or cache port open to the world is a finding of its own.
  const worldOpen = worldOpenRules(destination, groups, input.prefixLists);
  for (const open of worldOpen) {
    const finding = `${open.cidr} open on ${describeProtocolPorts(open.permission)} in ${groupLabel(groups, open.groupId)} (${destination.label})${open.via ? ` through prefix list ${open.via}` : ''}: only ${sourceGroups} needs it`;
    findings.push(finding);
    fixes.push({ api: 'RevokeSecurityGroupIngress', input: { GroupId: open.groupId, IpPermissions: [open.permission] }, why: finding });
  }
  // Revoking the world-open rules must leave the source allowed: if nothing narrower does, authorize it first.
  const [ingressHolder] = destination.groupIds;
  if (worldOpen.length > 0 && ingressHolder !== undefined && !fixes.some((f) => f.api === 'AuthorizeSecurityGroupIngress')) {
    const narrowed = new Map([...groups].map(([id, group]) => [id, destination.groupIds.includes(id) ? withoutWorldOpen(group, input.prefixLists) : group]));
    const after = evaluateDirection({ direction: 'ingress', own: destination, peer: source, port, ipv6 }, narrowed, input.prefixLists);
    if (!after.allowed) {
      const uncovered = [...after.ipv4.uncovered, ...(after.ipv6?.uncovered ?? [])].filter((text) => parseCidr(text) !== undefined);
      fixes.push({
        api: 'AuthorizeSecurityGroupIngress',
        input: { GroupId: ingressHolder, IpPermissions: [permissionFor(source, port, uncovered, description)] },
        why: `without the world-open rule nothing else allows ${source.label} on tcp ${port}: allow it narrowly first`,
      });
    }
  }

  const reachable = egress.unknownGroups.length === 0 && ingress.unknownGroups.length === 0 && egress.ipv4.allowed && ingress.ipv4.allowed;
  const ipv6Reachable = ipv6 ? Boolean(egress.ipv6?.allowed && ingress.ipv6?.allowed) : undefined;
  // Authorizations first: a revoke of a world-open rule must not cut the path before the narrow rule exists.
  fixes.sort((a, b) => Number(a.api === 'RevokeSecurityGroupIngress') - Number(b.api === 'RevokeSecurityGroupIngress'));
  return { reachable, ...(ipv6Reachable !== undefined ? { ipv6Reachable } : {}), egress, ingress, findings, fixes };
}
