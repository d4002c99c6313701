// Preflight: may an AWS service assume a role for the one resource it acts for, and for no other? (review 13 R13-8)
//
// A service that assumes a role on a customer's behalf names the resource it acts for in the request's context:
// aws:SourceAccount and aws:SourceArn (the Scheduler's schedule group, Automation's execution, an EventBridge rule). A
// trust that admits the service but whose conditions name another group, account or execution, or a Deny of the
// service, refuses the real AssumeRole; a check on the Principal alone passes it. The statements naming the service go,
// without Principal, to iam:SimulateCustomPolicy with the context the service sets (AWS evaluates every condition; the
// Principal match is preflight's, forwarding-role-checks.ts serviceTrustStatements), then with the context of resources
// the trust must refuse (a probe): admitted, the trust lacks the condition that confines it. A resource policy granting a
// service a call on the resource (a Lambda function's, for an EventBridge rule: decision 309) is judged the same way
// (judgeServiceGrant), with its own action and Resource.
import { isIP } from 'node:net';
import { paginateSimulateCustomPolicy, type ContextEntry } from '@aws-sdk/client-iam';
import { probeAccount } from './bus-policy-checks';
import { foreignPrincipals, foreignTrustPrincipals, type ForeignPrincipal, ruleTargetContext, serviceTrustStatements, simulateServiceAction } from './forwarding-role-checks';
import type { PreflightClients } from './types';

/** A resource the service may act for: its account and ARN, as the service names them in aws:SourceAccount / aws:SourceArn. */
export interface TrustSource {
  /** For messages: "schedule group notification-runbooks-verify", "group X of 999999999999, an account not configured". */
  what: string;
  account: string;
  sourceArn: string;
  /** For a probe: the condition infra's trust refuses it by (named in the WARN when it is admitted). */
  condition?: string;
  /**
   * For a probe: its account is one nobody configured. A resource policy admitting it lets a stranger invoke the
   * resource (judgeServiceGrant: 'open', a FAIL; review 19 R19-13, decision 320), not only another resource of ours.
   */
  stranger?: boolean;
}

export type ServiceTrustVerdict =
  /** No statement of the trust names the service. */
  | { kind: 'not-named'; named: string[] }
  /** An Allow statement admits another principal too (it may assume the role as the service would). */
  | { kind: 'foreign'; principals: string[] }
  /** AWS refuses the service for its own resource: the conditions name another, or a Deny applies. */
  | { kind: 'refused'; decision: string }
  /** Admitted for its own resource, and for these probes too. */
  | { kind: 'too-wide'; admitted: TrustSource[] }
  | { kind: 'admitted'; refused: TrustSource[] };

/** The context a service's AssumeRole carries for a source (the keys EventBridge, Scheduler and Automation set alike). */
export function sourceContext(source: TrustSource): ContextEntry[] {
  return ruleTargetContext(source.account, source.sourceArn);
}

/**
 * Judges `trust` (a role's AssumeRolePolicyDocument, as IAM returns it) for `service` acting for `own`, then for each of
 * `probes` (which must be refused). iam:SimulateCustomPolicy is asked with `clients` (read-only).
 */
export async function judgeServiceTrust(
  clients: PreflightClients,
  input: { trust: string | undefined; roleArn: string; service: string; own: TrustSource; probes: readonly TrustSource[] },
): Promise<ServiceTrustVerdict> {
  const { statements, named } = serviceTrustStatements(input.trust, input.roleArn, input.service);
  if (statements.length === 0) return { kind: 'not-named', named };
  const foreign = foreignTrustPrincipals(input.trust, input.service);
  if (foreign.length > 0) return { kind: 'foreign', principals: foreign };
  return judgeForSources(clients, statements, 'sts:AssumeRole', input.roleArn, input.own, input.probes);
}

/**
 * What a resource policy grants a service for a source: the trust's verdicts but 'foreign', each with the other
 * principals the policy lets call the action (`others`, reported: a WARN); or 'open' when a principal of an account
 * nobody configured may call it (a FAIL: review 19 R19-8, decision 311; R19-13, decision 320).
 */
export type ServiceGrantVerdict =
  /**
   * Allow statements a stranger passes: anyone (`*`, AWS `*`, NotPrincipal) or a principal of an account nobody
   * configured, with no condition or under one AWS judges admits a stranger; another service with no condition confining
   * it to our resources; the service itself for a resource of an account nobody configured (a stranger probe admitted).
   */
  | { kind: 'open'; principals: string[]; calls: string[] }
  /**
   * `others`: principals of our accounts granted the action, and strangers the simulation refuses; `otherCalls`: the
   * same granted other calls, and strangers granted calls that read the function's metadata only (decision 328).
   */
  | (Exclude<ServiceTrustVerdict, { kind: 'foreign' }> & { others: string[]; otherCalls?: string[]; /** Strangers admitted only from few addresses (WARNs here), with their ranges. */ confined?: ConfinedGrant[] });

/**
 * The aws:SourceIp entries confining a stranger's call (decision 356): its Allow's `IpAddress` entries, and the
 * `NotIpAddress` entries of each Deny fencing the caller for that call. The caller must be inside every one of them.
 */
export interface ConfiningRanges {
  allow: string[][];
  fences: string[][];
}

/**
 * A stranger an Allow statement of one policy admits only from the few addresses it names (decisions 344, 353; a WARN on
 * its own), kept for the union over the policy's statements (356) and over a function's policies (362).
 */
export interface ConfinedGrant {
  /** The statement and its principal, as its WARN names it ("statement A: Principal \"*\""). */
  text: string;
  /** The stranger: ANYONE, or a named account or service (counted with anyone's statements). */
  who: string;
  calls: string[];
  /** Per call admitted, the entries confining it. */
  ranges: Map<string, ConfiningRanges>;
}

/** Pure: does an IAM action pattern ("lambda:*", "*", "lambda:Invoke*") match `action` (case-insensitive, as IAM)? */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

/** Pure: does an Allow statement grant `action` (its Action matches it, or its NotAction does not)? */
export function statementGrants(statement: Record<string, unknown>, action: string): boolean {
  const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => actionMatches(p, action));
  return list(statement.Action).some((p) => actionMatches(p, action));
}

/** Pure: the account an AWS principal names ("123456789012", "arn:aws:iam::123456789012:root" or a role/user ARN). */
function principalAccount(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(value)?.[1];
}

/** The name a stranger's probe resources and roles take (an ARN preflight invents, in the stranger's account). */
const STRANGER_PROBE = 'runbook-preflight-probe-stranger';

/**
 * A caller a stranger's statement is simulated as (decision 328: an Allow for anyone is two callers, each judged with the
 * Deny statements that apply to it): an IAM principal of `account` (a role, `arn`), or a service acting for a resource of
 * `account` (`service` undefined: any service, for an Allow of anyone).
 */
export type StrangerCaller =
  | { kind: 'iam'; account: string; arn: string }
  | { kind: 'service'; account: string; service?: string; sourceArn: string }
  /**
   * An unsigned call of a function URL of AuthType NONE (decision 344): Lambda authenticates nobody, so the request
   * carries no AWS identity: no aws:Principal* key, no principal tag, no aws:Source* resource, no organisation.
   */
  | { kind: 'anonymous' };

const values = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Pure: a Principal element that surely names `caller` ("*", AWS "*", its account, its root, its ARN; its service). */
function surelyNames(principal: unknown, caller: StrangerCaller): boolean {
  if (principal === '*') return true;
  // An anonymous caller: only "*" surely names it (services differ on whether AWS "*" does: CDK's AnyPrincipal notes).
  if (caller.kind === 'anonymous' || typeof principal !== 'object' || principal === null) return false;
  const p = principal as { AWS?: unknown; Service?: unknown };
  if (caller.kind === 'iam') return values(p.AWS).some((v) => v === '*' || v === caller.arn || (principalAccount(v) === caller.account && (/^\d{12}$/.test(v) || v.endsWith(':root'))));
  return caller.service !== undefined && values(p.Service).includes(caller.service);
}

/** Pure: a Principal element that may name `caller` (any service entry may be the one an Allow of anyone's caller is). */
function mayName(principal: unknown, caller: StrangerCaller): boolean {
  if (surelyNames(principal, caller)) return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const p = principal as { AWS?: unknown; Service?: unknown };
  if (caller.kind !== 'service') return caller.kind === 'anonymous' && values(p.AWS).includes('*');
  return values(p.AWS).includes('*') || (caller.service === undefined && values(p.Service).length > 0);
}

/**
 * Pure: does a Deny statement apply to `caller` (IAM: an explicit Deny in the resource policy wins over any Allow; review
 * 19 / decision 320's "not done", decision 328)? Its Principal must surely name the caller, or its NotPrincipal surely not
 * name it: a Deny that might not apply is not applied, so the judgement can over-report a stranger, never miss one.
 */
export function denyApplies(statement: Record<string, unknown>, caller: StrangerCaller): boolean {
  if (statement.Effect !== 'Deny') return false;
  if (statement.NotPrincipal !== undefined) return !mayName(statement.NotPrincipal, caller);
  return surelyNames(statement.Principal, caller);
}

/** An organisation a stranger's call is simulated in: its id and, when a Condition names one, an organisational-unit path. */
interface OrgVariant {
  orgId?: string;
  path?: string;
  /** The stranger's own organisation (no Condition names it): a Deny keyed on being in one, any one, steps aside. */
  own?: boolean;
}

/** The organisation a stranger may create for itself (an organisation id and a root/OU path of the documented shapes). */
export const STRANGER_ORG: OrgVariant = { orgId: 'o-preflightprb', path: 'o-preflightprb/r-prb0/ou-prb0-preflight/', own: true };

/** Pure: an organisation path pattern made one path ("o-a/r-b/ou-c/*" -> "o-a/r-b/ou-c/"): what an account under it carries. */
export function concretePath(pattern: string): string {
  return pattern.replace(/\*/g, '').replace(/\?/g, 'x');
}

/**
 * Pure: the organisations a stranger's call is tried in, for `idKey` / `pathsKey` (aws:PrincipalOrgID and
 * aws:PrincipalOrgPaths, or aws:SourceOrgID and aws:SourceOrgPaths): none, then every id and every path the statements'
 * Conditions name (review 19 R19-21, decision 323, tried the first id only; decision 328 tries each, and each path in its
 * own organisation). An organisation nobody configured is always a stranger's: it holds accounts preflight cannot list.
 */
export function orgVariants(statements: ReadonlyArray<Record<string, unknown>>, idKey: string, pathsKey: string): OrgVariant[] {
  // Values of the string operators only: a Null operator's "true" is not an organisation (review 20b R20-21).
  const paths = [...new Set(statements.flatMap((s) => conditionValues(s, pathsKey, STRING_OPERATOR)))].map((p) => ({ orgId: p.split('/')[0] ?? p, path: concretePath(p) }));
  const ids = [...new Set(statements.flatMap((s) => conditionValues(s, idKey, STRING_OPERATOR)))].filter((id) => !paths.some((p) => p.orgId === id)).map((orgId) => ({ orgId }));
  // A Condition reading the keys at all (Null, a negated operator): the stranger may also be in an organisation of its own.
  const read = statements.some((s) => conditionKeys(s).some((k) => [idKey.toLowerCase(), pathsKey.toLowerCase()].includes(k.toLowerCase())));
  return [{}, ...ids, ...paths, ...(read ? [STRANGER_ORG] : [])];
}

/** A string condition operator (StringEquals, ForAnyValue:StringLike, StringNotEqualsIfExists...): its values are strings. */
const STRING_OPERATOR = (operator: string): boolean => /^(For(Any|All)Value:)?String/i.test(operator);

/**
 * The context a call by `caller` carries, as far as the stranger chooses it: its account and a role of it (an IAM
 * caller), or a resource of its account (a service acting for it: aws:SourceAccount, aws:SourceOwner, aws:SourceArn),
 * its organisation and organisational-unit path if tried, and TLS (aws:SecureTransport, which anyone may use); and the
 * keys AWS sets on every call to the function whoever makes it (aws:RequestedRegion, its region; aws:ResourceAccount,
 * its account; aws:PrincipalIsAWSService). `urlAuth`: a function URL call carries the URL's AuthType
 * (lambda:FunctionUrlAuthType: NONE, or AWS_IAM for a signed call; add-permission --function-url-auth-type writes it).
 */
function strangerContext(caller: StrangerCaller, org: OrgVariant, urlAuth: string | undefined, resourceArn: string): ContextEntry[] {
  const entry = (name: string, value: string, type: ContextEntry['ContextKeyType'] = 'string'): ContextEntry => ({ ContextKeyName: name, ContextKeyType: type, ContextKeyValues: [value] });
  const anywhere = [
    entry('aws:SecureTransport', 'true', 'boolean'),
    entry('aws:RequestedRegion', resourceArn.split(':')[3] ?? ''),
    entry('aws:ResourceAccount', resourceArn.split(':')[4] ?? ''),
  ];
  // An anonymous URL call (decision 344): the URL's AuthType and the keys about the request and the function only;
  // aws:PrincipalIsAWSService too is set on signed requests only (IAM User Guide, its availability).
  if (caller.kind === 'anonymous') return [...(urlAuth !== undefined ? [entry('lambda:FunctionUrlAuthType', urlAuth)] : []), ...anywhere];
  const iam = caller.kind === 'iam';
  return [
    ...(iam
      ? [entry('aws:PrincipalAccount', caller.account), entry('aws:PrincipalArn', caller.arn)]
      : [entry('aws:SourceAccount', caller.account), entry('aws:SourceOwner', caller.account), entry('aws:SourceArn', caller.sourceArn), ...(caller.service ? [entry('aws:PrincipalServiceName', caller.service)] : [])]),
    ...(org.orgId !== undefined ? [entry(iam ? 'aws:PrincipalOrgID' : 'aws:SourceOrgID', org.orgId)] : []),
    // Multivalued keys (IAM User Guide, aws:PrincipalOrgPaths / aws:SourceOrgPaths): a policy reads them with ForAnyValue.
    ...(org.path !== undefined ? [entry(iam ? 'aws:PrincipalOrgPaths' : 'aws:SourceOrgPaths', org.path, 'stringList')] : []),
    ...(urlAuth !== undefined ? [entry('lambda:FunctionUrlAuthType', urlAuth)] : []),
    ...anywhere,
    entry('aws:PrincipalIsAWSService', iam ? 'false' : 'true', 'boolean'),
  ];
}

/**
 * How a Condition key stands in a stranger's call (review 20b R20-20, decision 331): 'set', preflight puts in the
 * context what AWS would (strangerContext; the accounts, ARNs and organisations are tried in turn); 'absent', AWS never
 * puts it in this caller's call (a service's call carries no aws:Principal* identity, an IAM caller's no aws:Source*); 
 * 'chosen', any other key: the caller sets it (aws:PrincipalTag/*, aws:SourceIp, aws:UserAgent, a request's
 * lambda:Principal...), or it is the time (aws:CurrentTime, aws:EpochTime: a stranger may wait), or preflight cannot know
 * its value (the function's tags, its organisation): a stranger may meet any one such Condition.
 */
export type KeyStand = 'set' | 'absent' | 'chosen';

const ALWAYS_SET = ['aws:securetransport', 'aws:requestedregion', 'aws:resourceaccount', 'aws:principalisawsservice'];
const PRINCIPAL_KEYS = ['aws:principalaccount', 'aws:principalarn', 'aws:principalorgid', 'aws:principalorgpaths'];
const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceowner', 'aws:sourceorgid', 'aws:sourceorgpaths'];
/** The invocations that carry no lambda:FunctionUrlAuthType (InvokeFunctionUrl does; the URL's config calls name one). */
const NOT_URL_INVOCATIONS = ['lambda:invokefunction', 'lambda:invokeasync'];

/**
 * The keys an anonymous call never carries (decision 344): who signed it (aws:Principal*, principal tags, aws:userid,
 * aws:username, MFA, the session's), what service or resource it comes through (aws:Source* but the network's,
 * aws:ViaAWSService, aws:CalledVia*); the network keys (aws:SourceIp, aws:SourceVpc...) are the request's, not absent.
 */
function anonymousLacks(k: string): boolean {
  if (k.startsWith('aws:principal') || k.startsWith('aws:calledvia') || k.startsWith('aws:multifactorauth') || k.startsWith('aws:ec2instancesource')) return true;
  if (SOURCE_KEYS.includes(k) || k === 'aws:sourceidentity') return true;
  return ['aws:userid', 'aws:username', 'aws:tokenissuetime', 'aws:federatedprovider', 'aws:viaawsservice', 'aws:assumedroot'].includes(k);
}

/** Pure: how `key` stands in `caller`'s call of `action` (KeyStand). */
export function keyStand(key: string, caller: StrangerCaller, action: string): KeyStand {
  const k = key.toLowerCase();
  if (caller.kind === 'anonymous') {
    if (k === 'lambda:functionurlauthtype' || (ALWAYS_SET.includes(k) && k !== 'aws:principalisawsservice')) return 'set';
    return anonymousLacks(k) ? 'absent' : 'chosen';
  }
  if (ALWAYS_SET.includes(k)) return 'set';
  if (k === 'lambda:functionurlauthtype') return action.toLowerCase() === 'lambda:invokefunctionurl' ? 'set' : NOT_URL_INVOCATIONS.includes(action.toLowerCase()) ? 'absent' : 'chosen';
  if (caller.kind === 'iam') {
    if (PRINCIPAL_KEYS.includes(k)) return 'set';
    if (SOURCE_KEYS.includes(k) || k === 'aws:principalservicename' || k === 'aws:principalservicenameslist') return 'absent';
    return 'chosen';
  }
  if (SOURCE_KEYS.includes(k)) return 'set';
  if (k === 'aws:principalservicename') return caller.service !== undefined ? 'set' : 'chosen';
  if (PRINCIPAL_KEYS.includes(k) || k.startsWith('aws:principaltag/')) return 'absent';
  return 'chosen';
}

/** Pure: the keys a statement's Condition uses (as written), under any operator. */
function conditionKeys(statement: Record<string, unknown>): string[] {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return [];
  return Object.values(condition as Record<string, unknown>).flatMap((keys) => (typeof keys === 'object' && keys !== null ? Object.keys(keys) : []));
}

/** The keys naming the network a call comes from (decision 344): the caller's public address, its VPC, its VPC endpoint. */
const NETWORK_KEYS = ['aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce'];

/** Pure: the address family and prefix length of a CIDR or a bare address ("203.0.113.7" is /32), or undefined if it is none. */
export function cidrPrefix(value: string): { family: 4 | 6; prefix: number } | undefined {
  const [address = '', prefix, ...more] = value.trim().split('/');
  const family = isIP(address);
  // A zone index (fe80::1%eth0) names an interface of the host, no address a call carries: none.
  if ((family !== 4 && family !== 6) || more.length > 0 || address.includes('%')) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefix === undefined) return { family, prefix: max };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return undefined;
  return { family, prefix: Number(prefix) };
}

/** Pure: an IPv4 address's 32 bits. */
function ipv4Bits(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Pure: an IPv6 address's 128 bits ("::" expanded, a dotted IPv4 tail read as its two groups). */
function ipv6Bits(address: string): bigint {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const v4 = ipv4Bits(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const before = head === '' ? [] : head.split(':');
  const after = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** An inclusive range of addresses in one 128-bit space, IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d). */
interface Span {
  lo: bigint;
  hi: bigint;
}

/** Pure: the addresses a CIDR or bare address covers (host bits masked off, as a network), or undefined if it is none. */
export function cidrSpan(value: string): Span | undefined {
  const cidr = cidrPrefix(value);
  if (cidr === undefined) return undefined;
  const address = value.trim().split('/')[0] ?? '';
  const bits = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
  const base = cidr.family === 4 ? MAPPED.lo | ipv4Bits(address) : ipv6Bits(address);
  const host = (1n << bits) - 1n;
  return { lo: base & ~host, hi: (base & ~host) | host };
}

const spanOf = (cidr: string): Span => cidrSpan(cidr) ?? { lo: 0n, hi: -1n };
/** IPv4 itself, as IPv4-mapped IPv6 (::ffff:0:0/96). */
const MAPPED: Span = { lo: 0xffff00000000n, hi: 0xffffffffffffn };
/**
 * IPv6 prefixes standing for the IPv4 address in their last 32 bits (decision 353): IPv4-compatible (::/96, deprecated)
 * and NAT64's well-known prefix (64:ff9b::/96). A range in them is judged as the IPv4 addresses it stands for.
 */
const EMBEDS_IPV4: readonly Span[] = [{ lo: 0n, hi: 0xffffffffn }, spanOf('64:ff9b::/96')];
/**
 * IPv6 prefixes whose addresses anyone may hold, however narrow the range (decision 353): Teredo (2001::/32, a tunnel
 * any IPv4 host opens through a public relay) and NAT64's local-use prefix (64:ff9b:1::/48, IPv4 embedded where each
 * operator chooses). A range overlapping one confines no one.
 */
const ANYONES: readonly Span[] = [spanOf('2001::/32'), spanOf('64:ff9b:1::/48')];
/**
 * Addresses no call carries as aws:SourceIp (decision 353): it is the caller's public address, and absent for a call
 * through a VPC endpoint (IAM: aws:SourceIp availability; "only public IP addresses or ranges are supported"). RFC 1918,
 * shared address space (100.64.0.0/10, a carrier's side of its NAT), loopback, link-local, IPv6 loopback, link-local
 * and unique local (fc00::/7).
 */
const NOT_PUBLIC: readonly Span[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7'].map(spanOf);

/** At most this many public addresses confine a stranger (decision 353): one IPv4 /24, one IPv6 /56 (what AWS gives a VPC). */
export const CONFINING_IPV4 = 256n;
export const CONFINING_IPV6 = 1n << 72n;

/** Pure: `spans` merged (sorted, overlapping or adjacent ones joined). */
function merged(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0))) {
    const last = out[out.length - 1];
    if (last !== undefined && s.lo <= last.hi + 1n) last.hi = s.hi > last.hi ? s.hi : last.hi;
    else out.push({ ...s });
  }
  return out;
}

/** Pure: how many addresses of `spans` (merged) lie inside `within`. */
function countWithin(spans: readonly Span[], within: Span): bigint {
  return spans.reduce((n, s) => {
    const lo = s.lo > within.lo ? s.lo : within.lo;
    const hi = s.hi < within.hi ? s.hi : within.hi;
    return hi >= lo ? n + hi - lo + 1n : n;
  }, 0n);
}

/** Pure: `spans` less every address of `cut`. */
function without(spans: readonly Span[], cut: readonly Span[]): Span[] {
  let left = merged(spans);
  for (const c of cut) {
    left = left.flatMap((s) => {
      if (c.hi < s.lo || c.lo > s.hi) return [s];
      return [...(c.lo > s.lo ? [{ lo: s.lo, hi: c.lo - 1n }] : []), ...(c.hi < s.hi ? [{ lo: c.hi + 1n, hi: s.hi }] : [])];
    });
  }
  return left;
}

/**
 * What a list of aws:SourceIp values reaches, judged on their UNION (decision 353; 344 judged each CIDR alone, so
 * 512 /9s or two /9s of 10/8 passed as narrow): the public IPv4 and IPv6 addresses it covers (overlaps merged; an IPv6
 * form of IPv4 counted as IPv4; private ranges left out), or `anyone` when a value is no CIDR (fail closed) or a range
 * overlaps a prefix anyone may hold (Teredo, NAT64 local-use).
 */
export interface SourceIpReach {
  anyone: boolean;
  publicIpv4: bigint;
  publicIpv6: bigint;
}

/** Pure: SourceIpReach of `cidrs`. */
export function sourceIpReach(cidrs: readonly string[]): SourceIpReach {
  const reach = publicSpans(cidrs);
  return reach === 'anyone' ? { anyone: true, publicIpv4: 0n, publicIpv6: 0n } : { anyone: false, ...countSpans(reach) };
}

/** Pure: how many IPv4 (as ::ffff:0:0/96) and other IPv6 addresses merged `spans` cover. */
function countSpans(spans: readonly Span[]): { publicIpv4: bigint; publicIpv6: bigint } {
  const publicIpv4 = countWithin(spans, MAPPED);
  return { publicIpv4, publicIpv6: countWithin(spans, { lo: 0n, hi: (1n << 128n) - 1n }) - publicIpv4 };
}

/**
 * Pure: the public addresses `cidrs` reach, merged (an IPv6 form of IPv4 also as the IPv4 it stands for, private ranges
 * left out), or 'anyone' when a value is no CIDR or a range overlaps a prefix anyone may hold (decision 353).
 */
function publicSpans(cidrs: readonly string[]): Span[] | 'anyone' {
  const spans = cidrs.map(cidrSpan);
  if (spans.some((s) => s === undefined) || spans.length === 0) return 'anyone';
  const given = spans.filter((s): s is Span => s !== undefined);
  if (given.some((s) => ANYONES.some((a) => s.lo <= a.hi && s.hi >= a.lo))) return 'anyone';
  // An IPv6 form of IPv4 (IPv4-compatible, NAT64) also counted as the IPv4 addresses it stands for (IPv6 loopback, ::1,
  // left out first: it is no IPv4-compatible address).
  const asIpv4 = without(given, NOT_PUBLIC).flatMap((s) =>
    EMBEDS_IPV4.flatMap((e) => {
      const lo = s.lo > e.lo ? s.lo : e.lo;
      const hi = s.hi < e.hi ? s.hi : e.hi;
      return hi >= lo ? [{ lo: MAPPED.lo + (lo - e.lo), hi: MAPPED.lo + (hi - e.lo) }] : [];
    }),
  );
  return without([...given, ...asIpv4], NOT_PUBLIC);
}

/** Pure: the addresses both merged `a` and merged `b` cover. */
function intersection(a: readonly Span[], b: readonly Span[]): Span[] {
  return merged(a.flatMap((x) => b.flatMap((y) => {
    const lo = x.lo > y.lo ? x.lo : y.lo;
    const hi = x.hi < y.hi ? x.hi : y.hi;
    return hi >= lo ? [{ lo, hi }] : [];
  })));
}

/**
 * Pure: what a stranger confined by aws:SourceIp through several Allow statements reaches (decision 356, review 21c
 * R21c-1): each element is one statement's confining entries for a call (its Allow's IpAddress aws:SourceIp, the
 * NotIpAddress of each Deny fencing it), a caller admitted only from an address inside every one of them (their
 * intersection); the statements' reaches are then joined (their union): a stranger may use whichever statement its
 * address meets. 'anyone' if an entry is no confinement at all (never the case for an entry networkConfinement accepts).
 */
export function unionReach(statements: ReadonlyArray<readonly (readonly string[])[]>): SourceIpReach {
  const reached: Span[] = [];
  for (const entries of statements) {
    let inside: Span[] | undefined;
    for (const entry of entries) {
      const spans = publicSpans(entry);
      if (spans === 'anyone') continue; // no narrowing: the other entries (or none) decide
      inside = inside === undefined ? spans : intersection(inside, spans);
    }
    if (inside === undefined) return { anyone: true, publicIpv4: 0n, publicIpv6: 0n };
    reached.push(...inside);
  }
  return { anyone: false, ...countSpans(merged(reached)) };
}

/** Pure: the values of each Condition entry of `statement` that confines a stranger to named addresses (networkConfinement). */
export function confiningRanges(statement: Record<string, unknown>, effect: 'Allow' | 'Deny'): string[][] {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return [];
  return Object.entries(condition as Record<string, unknown>).flatMap(([operator, keys]) =>
    typeof keys !== 'object' || keys === null
      ? []
      : Object.entries(keys as Record<string, unknown>).flatMap(([key, value]) => (networkConfinement(operator, key, value, effect) !== undefined ? [values(value)] : [])),
  );
}

/**
 * Pure: the words a confining aws:SourceIp list is named with in a WARN, or undefined when it confines no stranger
 * (decision 353): its public addresses, merged, at most CONFINING_IPV4 IPv4 and CONFINING_IPV6 IPv6, each a host
 * anyone who holds it may call from (a cloud provider rents its addresses to anyone); private ranges alone admit no one.
 */
export function sourceIpConfinement(cidrs: readonly string[]): string | undefined {
  const reach = sourceIpReach(cidrs);
  if (reach.anyone || reach.publicIpv4 > CONFINING_IPV4 || reach.publicIpv6 > CONFINING_IPV6) return undefined;
  if (reach.publicIpv4 === 0n && reach.publicIpv6 === 0n) {
    return 'private addresses only: aws:SourceIp is the public address a call comes from, and absent from a call through a VPC endpoint, so it admits no caller';
  }
  const counted = [
    ...(reach.publicIpv4 > 0n ? [`${reach.publicIpv4} IPv4`] : []),
    ...(reach.publicIpv6 > 0n ? [`${powerText(reach.publicIpv6)} IPv6`] : []),
  ].join(' and ');
  return `${counted} public address${reach.publicIpv4 + reach.publicIpv6 === 1n ? '' : 'es'}: anyone who holds one is admitted, and a cloud provider's are rented to anyone`;
}

/** Pure: a count as 2^n when it is a power of two past 2^16, else its digits. */
function powerText(n: bigint): string {
  const bits = n.toString(2);
  return n > 1n << 16n && /^10*$/.test(bits) ? `2^${bits.length - 1}` : n.toString();
}


/**
 * Pure: the networks a Condition entry confines a stranger to, in words ("aws:SourceIp 203.0.113.0/24 (256 IPv4 public
 * addresses: ...)"), or undefined when it confines no one (decision 344, amended by 353). A stranger cannot choose its
 * public address, only hold one: in an Allow, IpAddress aws:SourceIp whose values' union (sourceIpConfinement) is private
 * ranges only (no call carries one: it admits no caller) or at most 256 public IPv4 and a /56 of IPv6 addresses (whoever
 * holds one is admitted: a cloud provider rents its ranges to anyone, and preflight cannot know every provider's ranges
 * offline); in a Deny (the stranger outside refused), NotIpAddress aws:SourceIp of such a union, with or without
 * IfExists (a missing key then holds: refused too). Not confining: IfExists in an Allow (a call through a VPC endpoint
 * carries no aws:SourceIp, so it passes), a negation in an Allow, a union past those bounds, a value that is no CIDR, a
 * policy variable, aws:VpcSourceIp alone (a VPC's addresses: any account may build a VPC with that range), and, since
 * decision 353, aws:SourceVpc / aws:SourceVpce of any id: nothing in an id says whose VPC or endpoint it is, preflight
 * reads no VPC (no ec2 permission), and a stranger's VPC, or one shared with a stranger through RAM, admits its hosts.
 */
export function networkConfinement(operator: string, key: string, value: unknown, effect: 'Allow' | 'Deny'): string | undefined {
  const list = values(value);
  if (key.toLowerCase() !== 'aws:sourceip' || list.length === 0 || list.some((v) => v.includes('${'))) return undefined;
  const confining = effect === 'Allow' ? operator === 'IpAddress' : operator === 'NotIpAddress' || operator === 'NotIpAddressIfExists';
  const reach = confining ? sourceIpConfinement(list) : undefined;
  return reach === undefined ? undefined : `${key} ${list.join(', ')} (${reach})`;
}

/** Pure: does a chosen key name a network (aws:SourceIp, aws:VpcSourceIp, ...) without confining it (the FAIL says how to)? */
const networkKey = (key: string): boolean => [...NETWORK_KEYS, 'aws:vpcsourceip'].includes(key.toLowerCase());

/**
 * Pure: an Allow statement as the stranger may meet it: each Condition entry on a key the caller chooses (keyStand
 * 'chosen') removed, as if met; `chosen` names them. Each entry confining the caller to named networks
 * (networkConfinement) removed too, as met from there; `networks` names them (decision 344). The simulator judges the
 * rest with the context preflight sets.
 */
export function asStrangerMeetsIt(statement: Record<string, unknown>, caller: StrangerCaller, action: string): { statement: Record<string, unknown>; chosen: string[]; networks: string[] } {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return { statement, chosen: [], networks: [] };
  const chosen: string[] = [];
  const networks: string[] = [];
  const kept: Record<string, Record<string, unknown>> = {};
  for (const [operator, keys] of Object.entries(condition as Record<string, unknown>)) {
    if (typeof keys !== 'object' || keys === null) continue;
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      const network = networkConfinement(operator, key, value, 'Allow');
      if (network !== undefined) networks.push(network);
      else if (keyStand(key, caller, action) === 'chosen') chosen.push(key);
      else kept[operator] = { ...(kept[operator] ?? {}), [key]: value };
    }
  }
  const { Condition: _c, ...rest } = statement;
  return { statement: Object.keys(kept).length > 0 ? { ...rest, Condition: kept } : rest, chosen: [...new Set(chosen)], networks };
}

/**
 * Pure: a Deny that refuses the caller outside named networks (decision 344): each Condition entry confines it to a
 * network in the Deny's sense (networkConfinement) or is on a key the caller does not choose, at least one the former.
 * `outside`: the Deny as it applies to a caller outside the networks (those entries hold, so removed); inside them it
 * does not apply. Undefined for any other Deny.
 */
export function denyFences(deny: Record<string, unknown>, caller: StrangerCaller, action: string): { networks: string[]; outside: Record<string, unknown> } | undefined {
  const condition = deny.Condition;
  if (typeof condition !== 'object' || condition === null || JSON.stringify(condition).includes('${')) return undefined;
  const networks: string[] = [];
  const kept: Record<string, Record<string, unknown>> = {};
  for (const [operator, keys] of Object.entries(condition as Record<string, unknown>)) {
    if (typeof keys !== 'object' || keys === null) return undefined;
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      const network = networkConfinement(operator, key, value, 'Deny');
      if (network !== undefined) networks.push(network);
      else if (keyStand(key, caller, action) === 'chosen') return undefined;
      else kept[operator] = { ...(kept[operator] ?? {}), [key]: value };
    }
  }
  if (networks.length === 0) return undefined;
  const { Condition: _c, ...rest } = deny;
  return { networks, outside: Object.keys(kept).length > 0 ? { ...rest, Condition: kept } : rest };
}

/** Pure: may a Deny that applies to `caller` be counted on for `action`: no Condition key the caller meets or steps outside? */
export function denyCovers(deny: Record<string, unknown>, caller: StrangerCaller, action: string): boolean {
  if (deny.Condition !== undefined && JSON.stringify(deny.Condition).includes('${')) return false;
  return conditionKeys(deny).every((k) => keyStand(k, caller, action) !== 'chosen');
}

/** Pure: an account a 12-digit pattern ("1234*", "11112222333?") matches, not one of `avoid`; undefined for "*" alone (any). */
export function fillAccount(pattern: string, avoid: ReadonlySet<string> = new Set()): string | undefined {
  if (!/^[\d*?]+$/.test(pattern) || !/\d/.test(pattern)) return undefined;
  const fixed = pattern.replace(/\*/g, '').length;
  if (fixed > 12 || (!pattern.includes('*') && fixed !== 12)) return undefined;
  for (const d of '0123456789') {
    let first = true;
    const filled = pattern.replace(/\?/g, d).replace(/\*/g, () => (first ? ((first = false), d.repeat(12 - fixed)) : ''));
    if (!avoid.has(filled)) return filled;
  }
  return undefined;
}

/** An account a statement's Condition names (review 19 R19-18, decision 321): a 12-digit value, or an ARN's account field. */
export interface NamedAccount {
  /** 12 digits, or undefined for an ARN whose account position is a wildcard ("*", "?"): any account. */
  account: string | undefined;
  /** The ARN value naming it, wildcards as written (an aws:SourceArn / aws:PrincipalArn pattern), if it was an ARN. */
  arn?: string;
  key: string;
  /**
   * The ARN names no account at all (an S3 bucket's, arn:aws:s3:::name: review 20b R20-25): a bucket of that name may be
   * anyone's (names are global; one deleted or mistyped can be created by a stranger), so it is tried in a stranger's
   * account; only an aws:SourceAccount of ours beside it refuses that (AWS's confused-deputy guidance).
   */
  accountless?: boolean;
}

/** Pure: every account the Condition of `statement` names, in any key (AWS:SourceAccount, AWS:SourceArn, aws:PrincipalArn, ...). */
export function conditionAccounts(statement: Record<string, unknown>, avoid: ReadonlySet<string> = new Set()): NamedAccount[] {
  const found: NamedAccount[] = [];
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return found;
  for (const keys of Object.values(condition as Record<string, unknown>)) {
    if (typeof keys !== 'object' || keys === null) continue;
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      for (const v of (Array.isArray(value) ? value : [value]).map(String)) {
        // A wildcard pattern (StringLike "1234*", an ARN's "1*") is filled, not replaced: a stranger's account it matches.
        if (/^\d{12}$/.test(v)) found.push({ account: v, key });
        else if (/^[\d*?]+$/.test(v)) {
          const filled = fillAccount(v, avoid);
          if (filled !== undefined) found.push({ account: filled, key });
        }
        const arn = /^arn:[^:]*:[^:]*:[^:]*:([^:]*):/.exec(v);
        if (!arn) continue;
        const field = arn[1] ?? '';
        if (/^\d{12}$/.test(field)) found.push({ account: field, arn: v, key });
        else if (/[*?]/.test(field)) found.push({ account: fillAccount(field, avoid), arn: v, key });
        else if (field === '' && /SourceArn$/i.test(key)) found.push({ account: undefined, arn: v, key, accountless: true });
      }
    }
  }
  return found;
}

/** Pure: the values the Condition of `statement` gives `key` (case-insensitive), under any operator or those `operatorIs` accepts. */
export function conditionValues(statement: Record<string, unknown>, key: string, operatorIs: (operator: string) => boolean = () => true): string[] {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return [];
  return Object.entries(condition as Record<string, unknown>).flatMap(([operator, keys]) =>
    typeof keys !== 'object' || keys === null || !operatorIs(operator)
      ? []
      : Object.entries(keys as Record<string, unknown>)
          .filter(([k]) => k.toLowerCase() === key.toLowerCase())
          .flatMap(([, v]) => (Array.isArray(v) ? v.map(String) : [String(v)])),
  );
}

/** Pure: an ARN pattern made a concrete ARN in `account` (its account field replaced, each wildcard filled with a probe name). */
export function concreteArn(pattern: string, account: string): string {
  const parts = pattern.split(':');
  // An ARN with no account field (an S3 bucket's) keeps none: AWS names the bucket so whoever owns it.
  if (parts[4] !== '') parts[4] = account;
  return parts.join(':').replace(/\*/g, STRANGER_PROBE).replace(/\?/g, 'x');
}

/**
 * The stranger probes the service's own statements must refuse besides `probes`: for each account a Condition names that
 * nobody configured (and each ARN whose account position is a wildcard, in `strangerAccount`), a resource of that account
 * as the Condition names it (review 19 R19-18, decision 321: a probe of one invented account never tests a statement
 * admitting another real one).
 */
function namedStrangerProbes(statements: ReadonlyArray<Record<string, unknown>>, own: TrustSource, configured: ReadonlySet<string>, strangerAccount: string): TrustSource[] {
  const probes = new Map<string, TrustSource>();
  for (const named of statements.flatMap((st) => conditionAccounts(st, configured))) {
    const account = named.account ?? strangerAccount;
    if (configured.has(account)) continue;
    const sourceArn = named.arn !== undefined ? concreteArn(named.arn, account) : concreteArn(own.sourceArn, account);
    const what = named.arn !== undefined ? `${sourceArn} of ${account}, an account nobody configured (its Condition names ${named.arn})` : `${own.what} of ${account}, an account nobody configured (its Condition names ${named.key} ${account})`;
    if (!probes.has(sourceArn)) probes.set(sourceArn, { what, account, sourceArn, condition: named.key, stranger: true });
  }
  return [...probes.values()];
}

/** What a call on the resource lets its caller do (LambdaCallClass: judgeServiceGrant's caller classes them). */
export type CallClass = 'invoke' | 'permissions' | 'write' | 'code' | 'read';

/** Pure: at most `max` calls named, then how many more ("lambda:A, lambda:B and 12 more"). */
export function callList(calls: readonly string[], max = 4): string {
  return calls.length <= max ? calls.join(', ') : `${calls.slice(0, max).join(', ')} and ${calls.length - max} more`;
}

/** The statement as an identity policy's, for iam:SimulateCustomPolicy: no Principal, the resource asked for if it names none. */
function asIdentityStatement(statement: Record<string, unknown>, resourceArn: string): Record<string, unknown> {
  const { Principal: _p, NotPrincipal: _n, ...rest } = statement;
  return rest.Resource === undefined && rest.NotResource === undefined ? { ...rest, Resource: resourceArn } : rest;
}

/**
 * iam:SimulateCustomPolicy of each of `actions` on `resourceArn` (paginated): the actions AWS allows, and for each other
 * the context keys AWS says it lacked (MissingContextValues: on the result, or per resource when ResourceArns is given).
 */
async function simulateActions(
  clients: PreflightClients,
  statements: Array<Record<string, unknown>>,
  actions: readonly string[],
  resourceArn: string,
  context: ContextEntry[],
): Promise<{ allowed: string[]; missing: Map<string, string[]> }> {
  const missing = new Map<string, string[]>();
  if (actions.length === 0 || !statements.some((st) => st.Effect === 'Allow')) return { allowed: [], missing };
  const allowed: string[] = [];
  const pages = paginateSimulateCustomPolicy(
    { client: clients.iam },
    { PolicyInputList: [JSON.stringify({ Version: '2012-10-17', Statement: statements })], ActionNames: [...actions], ResourceArns: [resourceArn], ContextEntries: context },
  );
  for await (const page of pages) {
    for (const r of page.EvaluationResults ?? []) {
      if (!r.EvalActionName) continue;
      if (r.EvalDecision === 'allowed') allowed.push(r.EvalActionName);
      else missing.set(r.EvalActionName, [...(r.MissingContextValues ?? []), ...(r.ResourceSpecificResults ?? []).flatMap((x) => x.MissingContextValues ?? [])]);
    }
  }
  return { allowed: actions.filter((a) => allowed.some((b) => b.toLowerCase() === a.toLowerCase())), missing };
}

/** What a stranger's call of the granted actions comes to, for one caller in one organisation. */
interface StrangerOutcome {
  allowed: string[];
  /** The Condition keys of the Allow the caller meets itself (keyStand 'chosen'), for the calls allowed. */
  chosen: string[];
  /** lambda:InvokeFunctionUrl allowed with this AuthType, when a Condition names the key or the caller is anonymous. */
  urlAuth?: string;
  /** The Denies that apply to the caller but that it steps outside (denyCovers: false), for the calls allowed. */
  outside: string[];
  /** Refused calls' keys AWS lacked that preflight cannot set (a policy variable, a key of the Denies): not judged. */
  unjudged: string[];
  /** Some call is confined to named networks (the Allow's, or a Deny refusing the caller outside them): decision 344. */
  fenced: boolean;
  /** 'inside' only: the networks the calls allowed were confined to. */
  networks: string[];
  /** 'inside' only: for each call allowed, the values of each aws:SourceIp entry confining it (decision 356: unionReach). */
  ranges: Map<string, ConfiningRanges>;
}

/**
 * Where the stranger calls from, against the networks the policy names (decision 344): 'outside' every one of them (an
 * Allow confined to networks admits nothing; a Deny refusing callers outside them applies), or 'inside' (the Allow's
 * network entries met; those Denies do not apply).
 */
type Place = 'outside' | 'inside';

/**
 * The stranger's calls of `granted` simulated (iam:SimulateCustomPolicy): the Allow as the caller meets it
 * (asStrangerMeetsIt, per call: lambda:FunctionUrlAuthType stands differently for each), with `denies` (already those
 * that apply to the caller), from `place`. lambda:InvokeFunctionUrl is asked with AuthType AWS_IAM for a signed caller
 * (an IAM principal, a service) and NONE for an anonymous one, which makes no other call (decision 344; review 20b
 * R20-20 asked NONE with a principal's keys, which an unsigned call does not carry).
 */
async function simulateStranger(
  clients: PreflightClients,
  allowStatement: Record<string, unknown>,
  denies: ReadonlyArray<Record<string, unknown>>,
  granted: readonly string[],
  caller: StrangerCaller,
  org: OrgVariant,
  resourceArn: string,
  place: Place = 'outside',
): Promise<StrangerOutcome> {
  const namesUrlAuth = [allowStatement, ...denies].some((st) => conditionKeys(st).some((k) => k.toLowerCase() === 'lambda:functionurlauthtype'));
  const isUrl = (a: string): boolean => a.toLowerCase() === 'lambda:invokefunctionurl';
  // Every call of the Lambda API but the URL's is signed: an anonymous caller makes that one only.
  const calls = caller.kind === 'anonymous' ? granted.filter(isUrl) : granted;
  type Group = { statements: Array<Record<string, unknown>>; urlAuth: string | undefined; actions: string[]; chosen: Map<string, string[]>; outside: Map<string, string[]>; networks: Map<string, string[]>; ranges: Map<string, ConfiningRanges> };
  const groups = new Map<string, Group>();
  let fenced = false;
  for (const action of calls) {
    const met = asStrangerMeetsIt(allowStatement, caller, action);
    // A Deny counts only if the stranger cannot step outside it (review 20b R20-21): none of its Condition keys is one the
    // caller sets (or the time, or unknown), and no value names another key (a policy variable); or it refuses the caller
    // outside named networks (decision 344: it applies outside them, not inside).
    const covering = denies.filter((d) => denyCovers(d, caller, action));
    const fences = denies.filter((d) => !covering.includes(d)).flatMap((d) => {
      const f = denyFences(d, caller, action);
      return f ? [{ deny: d, ...f }] : [];
    });
    if (met.networks.length > 0 || fences.length > 0) fenced = true;
    // From outside the networks an Allow confined to them admits nothing.
    if (place === 'outside' && met.networks.length > 0) continue;
    const outside = denies
      .filter((d) => !covering.includes(d) && !fences.some((f) => f.deny === d))
      .map((d) => `Deny ${typeof d.Sid === 'string' ? `${d.Sid} ` : ''}(its Condition on ${conditionKeys(d).filter((k) => keyStand(k, caller, action) === 'chosen' || JSON.stringify(d.Condition).includes('${')).join(', ')}, which the caller sets, or the time)`);
    const applied = place === 'outside' ? [...covering, ...fences.map((f) => f.outside)] : covering;
    const networks = place === 'inside' ? [...met.networks, ...fences.flatMap((f) => f.networks)] : [];
    const ranges: ConfiningRanges = place === 'inside' ? { allow: confiningRanges(allowStatement, 'Allow'), fences: fences.flatMap((f) => confiningRanges(f.deny, 'Deny')) } : { allow: [], fences: [] };
    const statements = [asIdentityStatement(met.statement, resourceArn), ...applied.map((d) => asIdentityStatement(d, resourceArn))];
    const auths = isUrl(action) ? [caller.kind === 'anonymous' ? 'NONE' : 'AWS_IAM'] : [undefined];
    for (const urlAuth of auths) {
      const key = `${JSON.stringify(statements)}|${urlAuth ?? ''}`;
      const group = groups.get(key) ?? { statements, urlAuth, actions: [], chosen: new Map<string, string[]>(), outside: new Map<string, string[]>(), networks: new Map<string, string[]>(), ranges: new Map<string, ConfiningRanges>() };
      group.actions.push(action);
      group.chosen.set(action, met.chosen);
      group.outside.set(action, outside);
      group.networks.set(action, networks);
      group.ranges.set(action, ranges);
      groups.set(key, group);
    }
  }
  const allowed = new Set<string>();
  const chosen = new Set<string>();
  const outside = new Set<string>();
  const unjudged = new Set<string>();
  const networks = new Set<string>();
  const ranges = new Map<string, ConfiningRanges>();
  let urlAuth: string | undefined;
  for (const group of groups.values()) {
    const actions = group.actions.filter((a) => !allowed.has(a));
    const result = await simulateActions(clients, group.statements, actions, resourceArn, strangerContext(caller, org, group.urlAuth, resourceArn));
    for (const a of result.allowed) {
      allowed.add(a);
      for (const k of group.chosen.get(a) ?? []) chosen.add(k);
      for (const d of group.outside.get(a) ?? []) outside.add(d);
      for (const n of group.networks.get(a) ?? []) networks.add(n);
      ranges.set(a, group.ranges.get(a) ?? { allow: [], fences: [] });
      // The AuthType is worth naming when a Condition keys on it, or the caller is anonymous (NONE).
      if (group.urlAuth !== undefined && (namesUrlAuth || caller.kind === 'anonymous')) urlAuth ??= group.urlAuth;
    }
    for (const [a, keys] of result.missing) for (const k of keys) if (keyStand(k, caller, a) === 'chosen') unjudged.add(k);
  }
  return {
    allowed: calls.filter((a) => allowed.has(a)),
    chosen: [...chosen],
    outside: [...outside],
    ...(urlAuth !== undefined ? { urlAuth } : {}),
    unjudged: [...unjudged],
    fenced,
    networks: [...networks],
    ranges,
  };
}

/**
 * Judges a resource policy (a Lambda function's, as lambda:GetPolicy returns it) for `service` calling `action` on
 * `resourceArn` for `own` (an EventBridge rule invoking its target: review 18c R18-18, decision 309), then for each of
 * `probes` (which must be refused), as judgeServiceTrust judges a role's trust. Every other principal an Allow statement
 * grants a call of `action` / `alsoActions` to (decision 311, review 19 R19-8: foreignPrincipals, as a role's trust is
 * read; every call on the function: decision 328) is judged. A stranger (review 19 R19-13, decision 320): anyone (`*`,
 * AWS `*`, NotPrincipal), a principal of an account not in `accounts` (the resource's, `own`'s and `expected`'s are
 * added), or another service. Granted a call `classOf` says is not a 'read', it is 'open' when AWS admits it: with no
 * condition and no Deny in the policy, anyone or such an account's principal is, nothing simulated; otherwise its
 * statement and every Deny of the policy that applies to the caller (denyApplies) are simulated
 * (iam:SimulateCustomPolicy) with the context a stranger's call carries (strangerContext), whatever the Condition says,
 * for the invented stranger and each account, organisation and organisational unit the Conditions name. The rest are
 * reported (a WARN): a principal of our accounts granted `action` (`others`) or another call but a 'read'
 * (`otherCalls`), a stranger the simulation refuses, a stranger granted 'read' calls only (`otherCalls`); unless
 * `expected` names them (a principal the deployment grants on purpose, exactly as it writes it). Then the service's own
 * statements: a probe with `stranger` admitted is 'open' too.
 */
export async function judgeServiceGrant(
  clients: PreflightClients,
  input: {
    policy: string | undefined;
    resourceArn: string;
    service: string;
    action: string;
    own: TrustSource;
    probes: readonly TrustSource[];
    expected?: readonly string[];
    /** Whether a statement naming an expected principal is exactly the one the deployment writes (else it is judged). */
    expectedShape?: (statement: Record<string, unknown>) => boolean;
    accounts?: readonly string[];
    /**
     * Every other call a stranger must not be granted either (lambda:InvokeFunctionUrl: review 19 R19-20, decision 323;
     * every call on the function: decision 328), most harmful first.
     */
    alsoActions?: readonly string[];
    /** What each call lets its caller do (default: invoke): a stranger granted 'read' calls only is a WARN, not 'open'. */
    classOf?: (action: string) => CallClass | undefined;
  },
): Promise<ServiceGrantVerdict> {
  const actions = [input.action, ...(input.alsoActions ?? [])];
  const classOf = (a: string): CallClass => input.classOf?.(a) ?? 'invoke';
  const account = input.resourceArn.split(':')[4] ?? '';
  const partition = input.resourceArn.split(':')[1] ?? 'aws';
  const region = input.resourceArn.split(':')[3] ?? '';
  const deployed = (f: ForeignPrincipal): boolean => f.kind === 'AWS' && (input.expected?.includes(f.value) ?? false) && (input.expectedShape?.(f.statement) ?? true);
  const foreign = foreignPrincipals(input.policy, input.service, (s) => actions.some((a) => statementGrants(s, a))).filter((f) => !deployed(f));
  const configured = new Set([account, input.own.account, ...(input.accounts ?? []), ...(input.expected ?? []).map(principalAccount).filter((a): a is string => a !== undefined)]);
  const strangerAccount = input.probes.find((p) => p.stranger)?.account ?? probeAccount(...configured);
  const denies = policyStatements(input.policy).filter((s) => s.Effect === 'Deny');
  const open: Array<{ text: string; calls: string[] }> = [];
  const others: string[] = [];
  const otherCalls: string[] = [];
  const report = (f: ForeignPrincipal, granted: readonly string[], why: string): void => {
    if (granted.includes(input.action)) others.push(`${f.text}${why}`);
    const rest = granted.filter((a) => a !== input.action);
    if (rest.length > 0) otherCalls.push(`${callList(rest)} to ${f.text}${why}`);
  };
  const judged: Array<{ f: ForeignPrincipal; stranger: string; granted: string[] }> = [];
  /** Strangers admitted only from the addresses a statement names (decision 344), for the union across statements (356). */
  const confined: ConfinedGrant[] = [];
  for (const f of foreign) {
    const granted = actions.filter((a) => statementGrants(f.statement, a));
    const harmful = granted.filter((a) => classOf(a) !== 'read');
    const of = f.kind === 'AWS' ? principalAccount(f.value) : undefined;
    const anyone = f.kind === '*' || f.kind === 'NotPrincipal' || (f.kind === 'AWS' && f.value === '*');
    const stranger = anyone || f.kind === 'Service' || (of !== undefined && !configured.has(of));
    const conditional = f.conditional ? ' (under a Condition)' : '';
    // Our own accounts' principals: reported for the calls that change or read the function, not for its metadata.
    if (!stranger) report(f, harmful, conditional);
    else if (harmful.length === 0) report(f, granted, ` (reads its metadata only, not its code or environment${f.conditional ? '; under a Condition' : ''})`);
    else if (!f.conditional && f.kind !== 'Service' && denies.length === 0) open.push({ text: `${f.text}${sameCalls(harmful, input.action) ? '' : ` (${actionElement(f.statement)})`}`, calls: harmful });
    else judged.push({ f, stranger: of ?? strangerAccount, granted: harmful });
  }
  if (open.length > 0) return openVerdict(open);
  for (const { f, stranger, granted } of judged) {
    const service = f.kind === 'Service' ? f.value : undefined;
    const anyone = f.kind === '*' || f.kind === 'NotPrincipal' || (f.kind === 'AWS' && f.value === '*');
    const role = f.kind === 'AWS' && /:role\//.test(f.value) ? f.value : undefined;
    // The invented stranger, then each account the Conditions (the statement's, and the policy's Denies') name that nobody
    // configured, as they name it (review 19 R19-19, decision 323).
    const tries: Array<{ account: string; arn?: string; key?: string; callerArn?: string; accountless?: boolean }> = [
      { account: stranger },
      ...[f.statement, ...denies]
        .flatMap((st) => conditionAccounts(st, configured))
        .map((n) => ({ ...n, account: n.account ?? strangerAccount }))
        .filter((n) => !configured.has(n.account)),
      // The principals a Deny's NotPrincipal exempts, as themselves (review 20b R20-21: "deny all but the attacker role").
      ...denies
        .flatMap((d) => values((d.NotPrincipal as { AWS?: unknown } | undefined)?.AWS))
        .flatMap((v) => {
          const of = principalAccount(v);
          return of === undefined || configured.has(of) ? [] : [{ account: of, ...(/^arn:[^:]+:iam::\d{12}:(role|user)\//.test(v) ? { callerArn: v } : {}) }];
        }),
    ];
    const principalOrgs = orgVariants([f.statement, ...denies], 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths');
    const sourceOrgs = orgVariants([f.statement, ...denies], 'aws:SourceOrgID', 'aws:SourceOrgPaths');
    /** Pure: who the outcome admits, and how, in words (the FAIL's parenthesis, or what a network-confined WARN admits). */
    const describe = (caller: StrangerCaller, t: (typeof tries)[number], org: OrgVariant, outcome: StrangerOutcome): string => {
      const inOrg = org.own
        ? ` in an organisation of its own (${org.orgId ?? '?'})`
        : org.path !== undefined
          ? ` in organisational unit ${org.path} of organisation ${org.orgId ?? '?'} (it admits every account under it, configured or not)`
          : org.orgId !== undefined
            ? ` in organisation ${org.orgId} (it admits every account of the organisation, configured or not)`
            : '';
      const ordered = granted.filter((a) => outcome.allowed.includes(a));
      const wide = outcome.chosen.some(networkKey)
        ? `; a network confines it only as IpAddress aws:SourceIp of private ranges, or of public ones covering at most ${CONFINING_IPV4} IPv4 and a /56 of IPv6 addresses in all (still a WARN: whoever holds such an address, rented from a cloud provider, is admitted); aws:SourceVpc and aws:SourceVpce name no account, so they confine no stranger: name the principals instead`
        : '';
      const meets = outcome.chosen.length > 0 ? `, meeting its Condition on ${outcome.chosen.join(', ')} itself (a key the caller sets, or the time${wide})` : '';
      const outside = outcome.outside.length > 0 ? `, stepping outside ${outcome.outside.join(' and ')}` : '';
      const auth = outcome.urlAuth !== undefined && outcome.urlAuth !== 'NONE' ? ` (a function URL of AuthType ${outcome.urlAuth})` : '';
      const noAccount =
        t.accountless && caller.kind === 'service'
          ? ` (its aws:SourceArn ${t.arn ?? ''} names no account: a bucket of that name may be anyone's, and no aws:SourceAccount of ours confines it, as AWS's confused-deputy guidance asks)`
          : '';
      const whom =
        caller.kind === 'anonymous'
          ? 'an anonymous caller of its function URL (AuthType NONE: the call carries no AWS identity, so no account, organisation or tag confines it)'
          : `${caller.kind === 'service' ? `a resource of ${t.account}` : `a principal of ${t.account}`}${inOrg}, an account nobody configured${noAccount}`;
      return `${f.conditional ? 'its Condition admits' : 'no condition confines it to our resources: admitted for'} ${whom}${meets}${outside}${sameCalls(ordered, input.action) ? '' : `, for ${callList(ordered)}`}${auth}; iam:SimulateCustomPolicy`;
    };
    let admitted: string | undefined;
    let admittedCalls: string[] = [];
    /** Admitted only from inside the networks the policy names (decision 344): a WARN naming them, unless a FAIL is found. */
    let fencedIn: { text: string; calls: string[]; networks: string[]; ranges: Map<string, ConfiningRanges> } | undefined;
    const unjudged = new Set<string>();
    search: for (const t of tries) {
      const arnFor = (pattern: RegExp): string | undefined => (t.arn !== undefined && t.key !== undefined && pattern.test(t.key) ? concreteArn(t.arn, t.account) : undefined);
      const callers: StrangerCaller[] = [
        ...(f.kind !== 'Service' ? [{ kind: 'iam' as const, account: t.account, arn: role ?? t.callerArn ?? arnFor(/PrincipalArn$/i) ?? `arn:${partition}:iam::${t.account}:role/${STRANGER_PROBE}` }] : []),
        ...(f.kind === 'Service' || anyone
          ? [{ kind: 'service' as const, account: t.account, ...(service ? { service } : {}), sourceArn: arnFor(/SourceArn$/i) ?? `arn:${partition}:${service?.split('.')[0] ?? 'events'}:${region}:${t.account}:${STRANGER_PROBE}` }]
          : []),
        // Anyone's grant of the function URL's call: an unsigned call of a URL of AuthType NONE too, once (it has no account).
        ...(anyone && t === tries[0] && granted.includes('lambda:InvokeFunctionUrl') ? [{ kind: 'anonymous' as const }] : []),
      ];
      for (const caller of callers) {
        const applying = denies.filter((d) => denyApplies(d, caller));
        for (const org of caller.kind === 'iam' ? principalOrgs : caller.kind === 'service' ? sourceOrgs : [{}]) {
          const outcome = await simulateStranger(clients, f.statement, applying, granted, caller, org, input.resourceArn);
          for (const k of outcome.unjudged) unjudged.add(k);
          if (outcome.allowed.length > 0) {
            admitted = `${f.text} (${describe(caller, t, org, outcome)})`;
            admittedCalls = granted.filter((a) => outcome.allowed.includes(a));
            break search;
          }
          // Refused from outside the networks the policy names: from inside them (decision 344)?
          if (fencedIn !== undefined || !outcome.fenced) continue;
          const inside = await simulateStranger(clients, f.statement, applying, granted, caller, org, input.resourceArn, 'inside');
          for (const k of inside.unjudged) unjudged.add(k);
          if (inside.allowed.length > 0) fencedIn = { text: describe(caller, t, org, inside), calls: granted.filter((a) => inside.allowed.includes(a)), networks: inside.networks, ranges: inside.ranges };
        }
      }
    }
    if (admitted !== undefined) open.push({ text: admitted, calls: admittedCalls });
    // Refused only because AWS lacked a key preflight cannot set: not judged, so not passed (fail closed: R20-20).
    else if (unjudged.size > 0) open.push({ text: `${f.text} (a Condition on ${[...unjudged].join(', ')}, which preflight cannot judge for a stranger: iam:SimulateCustomPolicy lacked it)`, calls: granted });
    // Admitted only from the networks the policy names (decision 344): reachable by whoever holds a host there, a WARN.
    else if (fencedIn !== undefined) {
      report(f, fencedIn.calls, ` (reachable only from the networks it names, ${fencedIn.networks.join(' and ')}: from there ${fencedIn.text})`);
      const of = f.kind === 'AWS' ? principalAccount(f.value) : undefined;
      confined.push({ text: f.text, who: anyone ? ANYONE : f.kind === 'Service' ? `${f.value} for a resource of an account nobody configured` : `a principal of ${of ?? f.value}, an account nobody configured`, calls: fencedIn.calls, ranges: fencedIn.ranges });
    }
    else report(f, granted, f.conditional ? ' (under a Condition)' : ' (refused for every stranger tried: a Deny of the policy applies)');
  }
  open.push(...confinedTogether(confined.map((c) => ({ ...c, where: undefined })), classOf));
  if (open.length > 0) return openVerdict(open);
  // What the strangers confined to few addresses reach here, for a union across the function's policies (decision 362).
  const extra = { ...(otherCalls.length > 0 ? { otherCalls } : {}), ...(confined.length > 0 ? { confined } : {}) };
  const { statements, named } = serviceTrustStatements(input.policy, input.resourceArn, input.service);
  if (statements.length === 0) return { kind: 'not-named', named, others, ...extra };
  const conditionProbes = namedStrangerProbes(statements, input.own, configured, strangerAccount).filter((p) => !input.probes.some((q) => q.sourceArn === p.sourceArn));
  const verdict = await judgeForSources(clients, statements, input.action, input.resourceArn, input.own, [...input.probes, ...conditionProbes]);
  const strangers = verdict.kind === 'too-wide' ? verdict.admitted.filter((p) => p.stranger) : [];
  if (strangers.length > 0) return { kind: 'open', principals: strangers.map((p) => `Service ${input.service} for ${p.what} (iam:SimulateCustomPolicy: admitted)`), calls: [input.action] };
  return { ...verdict, others, ...extra };
}

/** A stranger any statement of anyone (`*`, AWS `*`, NotPrincipal) admits: every stranger is one. */
const ANYONE = 'anyone';

/** Pure: a reach in words ("512 IPv4", "2^73 IPv6", "256 IPv4 and 2^72 IPv6"), or "any" when a value confines no one. */
function reachText(reach: SourceIpReach): string {
  if (reach.anyone) return 'any';
  const counted = [...(reach.publicIpv4 > 0n ? [`${reach.publicIpv4} IPv4`] : []), ...(reach.publicIpv6 > 0n ? [`${powerText(reach.publicIpv6)} IPv6`] : [])];
  return counted.length > 0 ? counted.join(' and ') : 'no';
}

/** Pure: is a reach past what confines a stranger (more than CONFINING_IPV4 IPv4 or CONFINING_IPV6 IPv6 public addresses)? */
const pastBound = (reach: SourceIpReach): boolean => reach.anyone || reach.publicIpv4 > CONFINING_IPV4 || reach.publicIpv6 > CONFINING_IPV6;

/** A stranger's union past the bound (confinedTogether): the words, the calls, and the policies its statements are in. */
export interface ConfinedUnion {
  text: string;
  calls: string[];
  /** The policies its statements are in, as `where` named them, in order (undefined: the one policy judged). */
  where: Array<string | undefined>;
}

/**
 * Pure: the strangers several Allow statements admit, each confined to few addresses (decision 344, 353), whose
 * addresses together are past the bound (decision 356, review 21c R21c-1: 40 statements of one /24 each passed one by
 * one). The statements may be in several policies of one function (decision 362: its own, each version's and alias's;
 * `where` names each, and each statement is named with its policy and its own share). For each stranger (anyone's
 * statements count for every stranger; a named account's or service's for itself only) and each class of call (classOf:
 * invoke, permissions, write, code), the union of what each statement's calls of that class admit it from (unionReach);
 * past 256 IPv4 or a /56 of IPv6 public addresses, an entry naming them.
 */
export function confinedTogether(
  confined: ReadonlyArray<ConfinedGrant & { where: string | undefined }>,
  classOf: (action: string) => CallClass,
): ConfinedUnion[] {
  const found: ConfinedUnion[] = [];
  const strangers = [...new Set(confined.map((c) => c.who))];
  const entries = (c: ConfinedGrant, a: string): string[][] => {
    const r = c.ranges.get(a);
    return r === undefined ? [] : [...r.allow, ...r.fences];
  };
  for (const who of strangers.length > 1 ? strangers.filter((w) => w !== ANYONE) : strangers) {
    const members = confined.filter((c) => c.who === who || c.who === ANYONE);
    for (const callClass of [...new Set(members.flatMap((c) => c.calls.map(classOf)))]) {
      const by = members.map((c) => ({ c, calls: c.calls.filter((a) => classOf(a) === callClass) })).filter((m) => m.calls.length > 0);
      const reach = unionReach(by.flatMap((m) => m.calls.map((a) => entries(m.c, a))));
      if (!pastBound(reach)) continue;
      const calls = [...new Set(by.flatMap((m) => m.calls))];
      const where = [...new Set(by.map((m) => m.c.where))];
      const several = where.length > 1;
      // The Allows' own ranges are what is joined; a fencing Deny's only cuts its statement's share (named apart).
      const cidrs = [...new Set(by.flatMap((m) => m.calls.flatMap((a) => (m.c.ranges.get(a)?.allow ?? []).flat())))];
      const fences = [...new Set(by.flatMap((m) => m.calls.flatMap((a) => (m.c.ranges.get(a)?.fences ?? []).flat())))];
      // Over several policies each statement says where it is and what it admits alone: each policy alone is a WARN.
      const texts = by.map((m) => (several ? `${m.c.text} on ${m.c.where ?? '?'} (${reachText(unionReach(m.calls.map((a) => entries(m.c, a))))} public addresses)` : m.c.text));
      const over = several ? `${by.length} Allow statements of ${where.length} policies (AWS judges each policy for its own ARN, but every version and alias runs the function with its role)` : `${by.length} Allow statements`;
      const fenced = fences.length > 0 ? `, each statement's share inside the Deny fencing it (NotIpAddress aws:SourceIp ${callList(fences, 3)})` : '';
      found.push({
        text: `${callList(texts, 3)} (each confined by aws:SourceIp, together they admit ${who} for ${callList(calls)} from ${reachText(reach)} public addresses, the union of aws:SourceIp ${callList(cidrs, 3)}${fenced} over ${over}: more than ${CONFINING_IPV4} IPv4 and a /56 of IPv6 addresses in all, so no network confines it)`,
        calls,
        where,
      });
    }
  }
  return found;
}

/** Pure: a statement's Action or NotAction as written ("Action lambda:*", "NotAction lambda:Invoke*"), naming what it grants. */
function actionElement(statement: Record<string, unknown>): string {
  return statement.NotAction !== undefined ? `NotAction ${values(statement.NotAction).join(', ')}` : `Action ${values(statement.Action).join(', ')}`;
}

/** Pure: are `calls` just `action` (the texts name the calls only when they are others)? */
const sameCalls = (calls: readonly string[], action: string): boolean => calls.length === 1 && calls[0] === action;

/** The 'open' verdict: the principals admitted, and every call they were admitted for, in the order tried. */
function openVerdict(open: ReadonlyArray<{ text: string; calls: string[] }>): ServiceGrantVerdict {
  return { kind: 'open', principals: open.map((o) => o.text), calls: [...new Set(open.flatMap((o) => o.calls))] };
}

/** Pure: a policy document's statements (as lambda:GetPolicy returns it, or URL-encoded as IAM does). */
function policyStatements(document: string | undefined): Array<Record<string, unknown>> {
  const text = document ?? '{}';
  const parsed = JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as { Statement?: unknown };
  return (parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]) as Array<Record<string, unknown>>;
}


/** `own` must be allowed, each probe refused: AWS judges every condition and Deny (iam:SimulateCustomPolicy). */
async function judgeForSources(
  clients: PreflightClients,
  statements: Array<Record<string, unknown>>,
  action: string,
  resourceArn: string,
  own: TrustSource,
  probes: readonly TrustSource[],
): Promise<Exclude<ServiceTrustVerdict, { kind: 'foreign' | 'not-named' }>> {
  const ownDecision = await simulateServiceAction(clients, statements, action, resourceArn, sourceContext(own));
  if (!ownDecision.startsWith('allowed')) return { kind: 'refused', decision: ownDecision };
  const admitted: TrustSource[] = [];
  for (const probe of probes) if ((await simulateServiceAction(clients, statements, action, resourceArn, sourceContext(probe))).startsWith('allowed')) admitted.push(probe);
  return admitted.length > 0 ? { kind: 'too-wide', admitted } : { kind: 'admitted', refused: [...probes] };
}
