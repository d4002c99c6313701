// Pure network-ACL proof: may a TCP connection and its replies cross the subnets' network ACLs, rule by rule?
//
// Network ACLs are stateless (VPC User Guide, "Control subnet traffic with network access control lists"): the request
// needs the source subnet's outbound rule and the destination subnet's inbound rule on the service port, and the reply
// needs the destination subnet's outbound rule and the source subnet's inbound rule on the client's ephemeral ports.
// Rules are evaluated in RuleNumber order, the first match decides, and the "*" rule (32767) denies what nothing
// matched. Traffic between two addresses of the same subnet never crosses its network ACL.
import { cidrContains, cidrOverlaps, parseCidr, type Cidr } from './cidr';

/** EC2's NetworkAclEntry, structurally. */
export interface NetworkAclEntryLike {
  RuleNumber?: number;
  /** "-1" (all), "6" (tcp), "17" (udp)...; names are accepted too. */
  Protocol?: string;
  RuleAction?: string;
  Egress?: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From?: number; To?: number };
}

/** EC2's NetworkAcl, structurally. */
export interface NetworkAclLike {
  NetworkAclId?: string;
  IsDefault?: boolean;
  VpcId?: string;
  Entries?: NetworkAclEntryLike[];
  Associations?: Array<{ SubnetId?: string; NetworkAclId?: string }>;
}

export interface PortRange {
  from: number;
  to: number;
}

/**
 * The ephemeral ports a reply goes back to. AWS Lambda functions use 1024-65535 ("Ephemeral ports", VPC User Guide),
 * as do NAT gateways, so the return rule has to cover the whole range.
 */
export const EPHEMERAL_PORTS: PortRange = { from: 1024, to: 65535 };

/** The "*" rule's number as EC2 reports it. */
export const DEFAULT_RULE_NUMBER = 32767;

/** One subnet end of a path: its id, its address ranges and, for messages, what lives in it. */
export interface SubnetEnd {
  subnetId: string;
  cidrs: string[];
  /** "Lambda notification-service-consumer", "RDS notification-service-db". */
  label: string;
}

/** One crossing of one network ACL in one direction. */
export interface AclCrossing {
  acl: NetworkAclLike;
  /** The subnet whose ACL this is. */
  subnet: SubnetEnd;
  direction: 'egress' | 'ingress';
  /** The other end: the destination (egress) or the source (ingress) of the packets. */
  peer: SubnetEnd;
  ports: PortRange;
  purpose: 'request' | 'return';
}

/** The exact EC2 call that would let the blocked traffic through: an allow rule numbered before whatever denied it. */
export interface NetworkAclFix {
  api: 'CreateNetworkAclEntry';
  input: {
    NetworkAclId: string;
    RuleNumber: number;
    Protocol: '6';
    RuleAction: 'allow';
    Egress: boolean;
    CidrBlock?: string;
    Ipv6CidrBlock?: string;
    PortRange: { From: number; To: number };
  };
  why: string;
}

export interface AclCrossingVerdict {
  crossing: AclCrossing;
  allowed: boolean;
  /** The rules that let it through, described. */
  via: string[];
  /** The rules that stop it ("rule 90 deny ...", "rule * deny all traffic"), described. */
  deniedBy: string[];
  finding?: string;
  fix?: NetworkAclFix;
  /** Why no fix could be written (no free rule number below the deny). */
  noFix?: string;
}

interface Rule {
  number: number;
  allow: boolean;
  cidr: Cidr;
  ports: PortRange;
  text: string;
}

function protocolMatchesTcp(protocol: string | undefined): boolean {
  const p = (protocol ?? '-1').toLowerCase();
  return p === '-1' || p === 'all' || p === '6' || p === 'tcp';
}

function isAllProtocols(protocol: string | undefined): boolean {
  const p = (protocol ?? '-1').toLowerCase();
  return p === '-1' || p === 'all';
}

function describePorts(ports: PortRange): string {
  return ports.from === ports.to ? `${ports.from}` : `${ports.from}-${ports.to}`;
}

export function aclLabel(acl: NetworkAclLike): string {
  const id = acl.NetworkAclId ?? '(unnamed network ACL)';
  return acl.IsDefault ? `${id} (the VPC's default network ACL)` : id;
}

/** The rules of one direction that can match TCP, in evaluation order. */
function rulesOf(acl: NetworkAclLike, direction: 'egress' | 'ingress'): Rule[] {
  const toward = direction === 'egress' ? 'to' : 'from';
  const rules: Rule[] = [];
  for (const entry of acl.Entries ?? []) {
    if ((entry.Egress === true) !== (direction === 'egress')) continue;
    if (!protocolMatchesTcp(entry.Protocol)) continue;
    const cidrText = entry.CidrBlock ?? entry.Ipv6CidrBlock;
    const cidr = cidrText ? parseCidr(cidrText) : undefined;
    if (!cidr) continue;
    const number = entry.RuleNumber ?? DEFAULT_RULE_NUMBER;
    const all = isAllProtocols(entry.Protocol);
    const from = entry.PortRange?.From;
    const to = entry.PortRange?.To;
    const ports = all || from === undefined || to === undefined ? { from: 0, to: 65535 } : { from, to };
    const allow = (entry.RuleAction ?? 'deny').toLowerCase() === 'allow';
    const what = all ? 'all traffic' : `tcp ${describePorts(ports)}`;
    const shown = number === DEFAULT_RULE_NUMBER ? '*' : String(number);
    rules.push({ number, allow, cidr, ports, text: `rule ${shown} ${allow ? 'allow' : 'deny'} ${what} ${toward} ${cidr.text}` });
  }
  return rules.sort((a, b) => a.number - b.number);
}

/** Splits a block until every rule either holds a piece whole or misses it (first-match is then per piece). */
function addressPieces(block: Cidr, rules: readonly Rule[]): Cidr[] {
  const bits = block.family === 'ipv4' ? 32 : 128;
  const inside = rules.some((r) => r.cidr.family === block.family && r.cidr.prefixLength > block.prefixLength && cidrContains(block, r.cidr));
  if (!inside || block.prefixLength >= bits) return [block];
  const halfLength = block.prefixLength + 1;
  const upperBit = 1n << BigInt(bits - halfLength);
  return [
    ...addressPieces({ ...block, prefixLength: halfLength }, rules),
    ...addressPieces({ ...block, network: block.network | upperBit, prefixLength: halfLength }, rules),
  ];
}

/** Splits the port range at every rule boundary inside it. */
function portPieces(range: PortRange, rules: readonly Rule[]): readonly PortRange[] {
  let cuts: Set<number> | undefined;
  for (const rule of rules) {
    if (rule.ports.from > range.from && rule.ports.from <= range.to) (cuts ??= new Set([range.from, range.to + 1])).add(rule.ports.from);
    if (rule.ports.to >= range.from && rule.ports.to < range.to) (cuts ??= new Set([range.from, range.to + 1])).add(rule.ports.to + 1);
  }
  // No rule boundary inside the range (the usual: rules on the whole range or on exactly the port): one piece.
  if (!cuts) return [range];
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((from, i) => ({ from, to: (sorted[i + 1] ?? range.to + 1) - 1 }));
}

const IMPLICIT_DENY_TEXT = 'rule * deny all traffic (nothing else matched)';

/**
 * A free rule number for the allow rule, before `before` (the lowest rule number that denied part of the traffic):
 * after the last rule when the default "*" denied it, else just before the deny (a multiple of 10 when one is free).
 */
function freeRuleNumber(acl: NetworkAclLike, direction: 'egress' | 'ingress', before: number, taken: ReadonlySet<number>): number | undefined {
  const used = new Set([
    ...taken,
    ...(acl.Entries ?? []).filter((e) => (e.Egress === true) === (direction === 'egress')).map((e) => e.RuleNumber ?? DEFAULT_RULE_NUMBER),
  ]);
  if (before >= DEFAULT_RULE_NUMBER) {
    const highest = Math.max(0, ...[...used].filter((n) => n < DEFAULT_RULE_NUMBER));
    const next = Math.floor(highest / 10) * 10 + 10;
    if (next < DEFAULT_RULE_NUMBER && !used.has(next)) return next;
  }
  const limit = Math.min(before, DEFAULT_RULE_NUMBER) - 1;
  for (let n = Math.floor(limit / 10) * 10; n >= 10; n -= 10) if (!used.has(n)) return n;
  for (let n = limit; n >= 1; n -= 1) if (!used.has(n)) return n;
  return undefined;
}

/**
 * Judges one crossing: every address of the peer and every port of the range must be allowed by its first matching rule.
 * `taken`: rule numbers other fixes already claim in this ACL and direction, so two fixes never share one.
 */
export function evaluateAclCrossing(
  crossing: AclCrossing,
  taken: ReadonlySet<number> = new Set(),
  rulesFor: (acl: NetworkAclLike, direction: 'egress' | 'ingress') => readonly Rule[] = rulesOf,
): AclCrossingVerdict {
  const { acl, direction, ports } = crossing;
  const rules = rulesFor(acl, direction);
  const via = new Set<string>();
  const deniedBy = new Map<string, number>();
  const blockedCidrs = new Set<string>();
  const peers = crossing.peer.cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  for (const block of peers) {
    const relevant = rules.filter((r) => r.cidr.family === block.family && cidrOverlaps(r.cidr, block) && r.ports.from <= ports.to && r.ports.to >= ports.from);
    // The port pieces depend on the rules, not on the address piece: split once per block.
    const ranges = portPieces(ports, relevant);
    for (const piece of addressPieces(block, relevant)) {
      for (const range of ranges) {
        const first = relevant.find((r) => cidrContains(r.cidr, piece) && r.ports.from <= range.from && r.ports.to >= range.to);
        if (first?.allow) {
          via.add(first.text);
          continue;
        }
        const text = first?.text ?? IMPLICIT_DENY_TEXT;
        deniedBy.set(text, first?.number ?? DEFAULT_RULE_NUMBER);
        blockedCidrs.add(block.text);
      }
    }
  }
  const allowed = peers.length > 0 && deniedBy.size === 0;
  const verdict: AclCrossingVerdict = { crossing, allowed, via: [...via], deniedBy: [...deniedBy.keys()] };
  if (allowed) return verdict;
  if (peers.length === 0) {
    return { ...verdict, finding: `${aclLabel(acl)} (${crossing.subnet.subnetId}): cannot judge ${direction}: the addresses of ${crossing.peer.label} are unknown` };
  }

  const toward = direction === 'egress' ? 'to' : 'from';
  const what =
    crossing.purpose === 'request'
      ? `${direction} on tcp ${describePorts(ports)} ${toward} ${crossing.peer.label} (${[...blockedCidrs].join(', ')})`
      : `${direction} of the replies on tcp ${describePorts(ports)} ${toward} ${crossing.peer.label} (${[...blockedCidrs].join(', ')})`;
  const stateless = crossing.purpose === 'return' ? ': network ACLs are stateless, the return traffic needs its own rule' : '';
  const finding = `${aclLabel(acl)} of ${crossing.subnet.subnetId} (${crossing.subnet.label}) denies ${what}: ${[...deniedBy.keys()].join('; ')}${stateless}`;
  const aclId = acl.NetworkAclId;
  const lowestDeny = Math.min(...deniedBy.values());
  const number = aclId ? freeRuleNumber(acl, direction, lowestDeny, taken) : undefined;
  const [blocked] = [...blockedCidrs];
  const parsed = blocked ? parseCidr(blocked) : undefined;
  if (!aclId || number === undefined || !parsed || blockedCidrs.size > 1) {
    // Several blocked ranges: one allow per range, each numbered by a person; the finding names them all.
    const noFix = !aclId
      ? 'the network ACL has no id'
      : number === undefined
        ? `no free rule number below ${lowestDeny}: renumber the rules`
        : `add one allow rule per blocked range (${[...blockedCidrs].join(', ')}) before rule ${lowestDeny === DEFAULT_RULE_NUMBER ? '*' : lowestDeny}`;
    return { ...verdict, finding, noFix };
  }
  const fix: NetworkAclFix = {
    api: 'CreateNetworkAclEntry',
    input: {
      NetworkAclId: aclId,
      RuleNumber: number,
      Protocol: '6',
      RuleAction: 'allow',
      Egress: direction === 'egress',
      ...(parsed.family === 'ipv4' ? { CidrBlock: parsed.text } : { Ipv6CidrBlock: parsed.text }),
      PortRange: { From: ports.from, To: ports.to },
    },
    why: finding,
  };
  return { ...verdict, finding, fix };
}

/** The network ACL a subnet is associated with (every subnet has exactly one: the VPC's default unless replaced). */
export function networkAclOf(subnetId: string, acls: readonly NetworkAclLike[], vpcId?: string): NetworkAclLike | undefined {
  return (
    acls.find((acl) => (acl.Associations ?? []).some((a) => a.SubnetId === subnetId)) ??
    acls.find((acl) => acl.IsDefault === true && (vpcId === undefined || acl.VpcId === undefined || acl.VpcId === vpcId))
  );
}

export interface AclPathInput {
  /** The subnets the connection may start from (a Lambda function's subnets). */
  sources: SubnetEnd[];
  /** The subnets it may end in (the dependency's subnets). */
  destinations: SubnetEnd[];
  port: number;
  acls: readonly NetworkAclLike[];
  vpcId?: string;
}

export interface AclPathResult {
  /** Every crossing of every subnet pair allows the request and its replies. */
  allowed: boolean;
  verdicts: AclCrossingVerdict[];
  findings: string[];
  fixes: NetworkAclFix[];
  /** What could not be judged (a subnet with no network ACL found). */
  notes: string[];
}

/**
 * Every subnet pair of a path, four crossings each: the source's egress and the destination's ingress on the port,
 * the destination's egress and the source's ingress on the ephemeral ports. Same-subnet pairs cross no ACL.
 * Not judged here: a caller that judges several paths' crossings together (connection-timeout-plan.ts) judges each once.
 */
export function aclPathCrossings(input: AclPathInput): { crossings: AclCrossing[]; notes: string[] } {
  const crossings: AclCrossing[] = [];
  const notes: string[] = [];
  const aclFor = (end: SubnetEnd): NetworkAclLike | undefined => {
    const acl = networkAclOf(end.subnetId, input.acls, input.vpcId);
    if (!acl) notes.push(`${end.subnetId} (${end.label}): no network ACL found for it: not judged`);
    return acl;
  };
  const service = { from: input.port, to: input.port };
  for (const source of input.sources) {
    for (const destination of input.destinations) {
      if (source.subnetId === destination.subnetId) continue;
      const sourceAcl = aclFor(source);
      const destinationAcl = aclFor(destination);
      if (!sourceAcl || !destinationAcl) continue;
      crossings.push(
        { acl: sourceAcl, subnet: source, direction: 'egress', peer: destination, ports: service, purpose: 'request' },
        { acl: destinationAcl, subnet: destination, direction: 'ingress', peer: source, ports: service, purpose: 'request' },
        { acl: destinationAcl, subnet: destination, direction: 'egress', peer: source, ports: EPHEMERAL_PORTS, purpose: 'return' },
        { acl: sourceAcl, subnet: source, direction: 'ingress', peer: destination, ports: EPHEMERAL_PORTS, purpose: 'return' },
      );
    }
  }
  return { crossings, notes };
}

/** A path's crossings (aclPathCrossings), judged. */
export function evaluateNetworkAclPath(input: AclPathInput): AclPathResult {
  const { crossings, notes } = aclPathCrossings(input);
  const result = evaluateCrossings(crossings);
  return { ...result, notes: [...new Set([...notes, ...result.notes])] };
}

/**
 * Judges a list of crossings (one path's, or several paths' together), the findings deduplicated, and one fix per
 * finding whose rule numbers never collide within an ACL and direction.
 */
export function evaluateCrossings(crossings: readonly AclCrossing[]): AclPathResult {
  const verdicts: AclCrossingVerdict[] = [];
  const takenByAcl = new Map<string, Set<number>>();
  const numberByEntry = new Map<string, number>();
  // Each ACL's rules of a direction, parsed and sorted once for this call: every subnet pair crosses the same ACLs.
  const rulesByAcl = new Map<NetworkAclLike, Partial<Record<'egress' | 'ingress', readonly Rule[]>>>();
  const rulesFor = (acl: NetworkAclLike, direction: 'egress' | 'ingress'): readonly Rule[] => {
    const known = rulesByAcl.get(acl) ?? {};
    rulesByAcl.set(acl, known);
    return (known[direction] ??= rulesOf(acl, direction));
  };
  for (const crossing of crossings) {
    const key = `${crossing.acl.NetworkAclId ?? '?'}#${crossing.direction}`;
    const taken = takenByAcl.get(key) ?? new Set<number>();
    const verdict = evaluateAclCrossing(crossing, taken, rulesFor);
    if (verdict.fix) {
      // The same entry for another subnet of the same ACL (two subnets sharing it) is one entry, under one number.
      const { RuleNumber, ...rest } = verdict.fix.input;
      const same = JSON.stringify(rest);
      const earlier = numberByEntry.get(same);
      if (earlier !== undefined) verdict.fix = { ...verdict.fix, input: { ...verdict.fix.input, RuleNumber: earlier } };
      else {
        numberByEntry.set(same, RuleNumber);
        taken.add(RuleNumber);
      }
    }
    takenByAcl.set(key, taken);
    verdicts.push(verdict);
  }
  const findings: string[] = [];
  const fixes: NetworkAclFix[] = [];
  const seen = new Set<string>();
  for (const verdict of verdicts) {
    if (verdict.allowed || !verdict.finding || seen.has(verdict.finding)) continue;
    seen.add(verdict.finding);
    findings.push(verdict.noFix ? `${verdict.finding} (${verdict.noFix})` : verdict.finding);
    if (verdict.fix && !fixes.some((f) => JSON.stringify(f.input) === JSON.stringify(verdict.fix?.input))) fixes.push(verdict.fix);
  }
  return { allowed: verdicts.every((v) => v.allowed), verdicts, findings, fixes, notes: [] };
}
