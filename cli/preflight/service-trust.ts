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
import type { ContextEntry } from '@aws-sdk/client-iam';
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
  | { kind: 'open'; principals: string[] }
  | (Exclude<ServiceTrustVerdict, { kind: 'foreign' }> & { others: string[] });

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
 * The context a call by a principal of `stranger` carries, as far as the stranger chooses it: its account and a role of
 * it (an IAM caller: `iam`), a resource of its account (a service acting for it: aws:SourceAccount / aws:SourceArn;
 * for anyone, `*` or NotPrincipal, both) and TLS (aws:SecureTransport, which anyone may use).
 */
function strangerContext(
  stranger: string,
  resourceArn: string,
  as: { service?: string; iam: boolean; source: boolean; roleArn?: string; sourceArn?: string; orgId?: string; sourceOrgId?: string; action?: string },
): ContextEntry[] {
  const { service, roleArn } = as;
  const [, partition = 'aws', , region = ''] = resourceArn.split(':');
  const prefix = service?.split('.')[0] ?? 'events';
  const entry = (name: string, value: string, type: ContextEntry['ContextKeyType'] = 'string'): ContextEntry => ({ ContextKeyName: name, ContextKeyType: type, ContextKeyValues: [value] });
  return [
    ...(!as.source ? [] : [entry('aws:SourceAccount', stranger), entry('aws:SourceArn', as.sourceArn ?? `arn:${partition}:${prefix}:${region}:${stranger}:${STRANGER_PROBE}`)]),
    ...(as.source && as.sourceOrgId !== undefined ? [entry('aws:SourceOrgID', as.sourceOrgId)] : []),
    ...(as.iam ? [entry('aws:PrincipalAccount', stranger), entry('aws:PrincipalArn', roleArn ?? `arn:${partition}:iam::${stranger}:role/${STRANGER_PROBE}`)] : []),
    ...(as.iam && as.orgId !== undefined ? [entry('aws:PrincipalOrgID', as.orgId)] : []),
    // A function URL anyone calls with AuthType NONE (add-permission --function-url-auth-type NONE writes this key).
    ...(as.action?.toLowerCase() === 'lambda:invokefunctionurl' ? [entry('lambda:FunctionUrlAuthType', 'NONE')] : []),
    entry('aws:SecureTransport', 'true', 'boolean'),
  ];
}

/** An account a statement's Condition names (review 19 R19-18, decision 321): a 12-digit value, or an ARN's account field. */
export interface NamedAccount {
  /** 12 digits, or undefined for an ARN whose account position is a wildcard ("*", "?"): any account. */
  account: string | undefined;
  /** The ARN value naming it, wildcards as written (an aws:SourceArn / aws:PrincipalArn pattern), if it was an ARN. */
  arn?: string;
  key: string;
}

/** Pure: every account the Condition of `statement` names, in any key (AWS:SourceAccount, AWS:SourceArn, aws:PrincipalArn, ...). */
export function conditionAccounts(statement: Record<string, unknown>): NamedAccount[] {
  const found: NamedAccount[] = [];
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return found;
  for (const keys of Object.values(condition as Record<string, unknown>)) {
    if (typeof keys !== 'object' || keys === null) continue;
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      for (const v of (Array.isArray(value) ? value : [value]).map(String)) {
        if (/^\d{12}$/.test(v)) found.push({ account: v, key });
        const arn = /^arn:[^:]*:[^:]*:[^:]*:([^:]*):/.exec(v);
        if (!arn) continue;
        const field = arn[1] ?? '';
        if (/^\d{12}$/.test(field)) found.push({ account: field, arn: v, key });
        else if (/[*?]/.test(field)) found.push({ account: undefined, arn: v, key });
      }
    }
  }
  return found;
}

/** Pure: the values the Condition of `statement` gives `key` (case-insensitive), under any operator. */
export function conditionValues(statement: Record<string, unknown>, key: string): string[] {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return [];
  return Object.values(condition as Record<string, unknown>).flatMap((keys) =>
    typeof keys !== 'object' || keys === null
      ? []
      : Object.entries(keys as Record<string, unknown>)
          .filter(([k]) => k.toLowerCase() === key.toLowerCase())
          .flatMap(([, v]) => (Array.isArray(v) ? v.map(String) : [String(v)])),
  );
}

/** Pure: an ARN pattern made a concrete ARN in `account` (its account field replaced, each wildcard filled with a probe name). */
export function concreteArn(pattern: string, account: string): string {
  const parts = pattern.split(':');
  parts[4] = account;
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
  for (const named of statements.flatMap(conditionAccounts)) {
    const account = named.account ?? strangerAccount;
    if (configured.has(account)) continue;
    const sourceArn = named.arn !== undefined ? concreteArn(named.arn, account) : concreteArn(own.sourceArn, account);
    const what = named.arn !== undefined ? `${sourceArn} of ${account}, an account nobody configured (its Condition names ${named.arn})` : `${own.what} of ${account}, an account nobody configured (its Condition names ${named.key} ${account})`;
    if (!probes.has(sourceArn)) probes.set(sourceArn, { what, account, sourceArn, condition: named.key, stranger: true });
  }
  return [...probes.values()];
}

/**
 * Judges a resource policy (a Lambda function's, as lambda:GetPolicy returns it) for `service` calling `action` on
 * `resourceArn` for `own` (an EventBridge rule invoking its target: review 18c R18-18, decision 309), then for each of
 * `probes` (which must be refused), as judgeServiceTrust judges a role's trust. Every other principal an Allow statement
 * grants `action` to (decision 311, review 19 R19-8: foreignPrincipals, as a role's trust is read) is reported. A
 * stranger (review 19 R19-13, decision 320): anyone (`*`, AWS `*`, NotPrincipal), a principal of an account not in
 * `accounts` (the resource's, `own`'s and `expected`'s are added), or another service: with no condition anyone or such
 * an account's principal is 'open', nothing simulated; otherwise its statement alone is simulated
 * (iam:SimulateCustomPolicy) with the context a stranger's call carries (strangerContext), whatever its Condition says,
 * and admitted it is 'open'. The rest (a principal of our accounts, a stranger the simulation refuses) are `others`
 * (a WARN), unless `expected` names them (a principal the deployment grants on purpose, exactly as it writes it).
 * Then the service's own statements: a probe with `stranger` admitted is 'open' too.
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
    /** Other actions a stranger must not be granted either (lambda:InvokeFunctionUrl: review 19 R19-20, decision 323). */
    alsoActions?: readonly string[];
  },
): Promise<ServiceGrantVerdict> {
  const actions = [input.action, ...(input.alsoActions ?? [])];
  const account = input.resourceArn.split(':')[4] ?? '';
  const deployed = (f: ForeignPrincipal): boolean => f.kind === 'AWS' && (input.expected?.includes(f.value) ?? false) && (input.expectedShape?.(f.statement) ?? true);
  const foreign = foreignPrincipals(input.policy, input.service, (s) => actions.some((a) => statementGrants(s, a))).filter((f) => !deployed(f));
  const configured = new Set([account, input.own.account, ...(input.accounts ?? []), ...(input.expected ?? []).map(principalAccount).filter((a): a is string => a !== undefined)]);
  const strangerAccount = input.probes.find((p) => p.stranger)?.account ?? probeAccount(...configured);
  const open: string[] = [];
  const others: string[] = [];
  const judged: Array<{ f: ForeignPrincipal; stranger: string }> = [];
  for (const f of foreign) {
    const of = f.kind === 'AWS' ? principalAccount(f.value) : undefined;
    const anyone = f.kind === '*' || f.kind === 'NotPrincipal' || (f.kind === 'AWS' && f.value === '*');
    const stranger = anyone || f.kind === 'Service' || (of !== undefined && !configured.has(of));
    if (!stranger) others.push(`${f.text}${f.conditional ? ' (under a Condition)' : ''}`);
    else if (!f.conditional && f.kind !== 'Service') open.push(f.text);
    else judged.push({ f, stranger: of ?? strangerAccount });
  }
  if (open.length > 0) return { kind: 'open', principals: open };
  for (const { f, stranger } of judged) {
    const { Principal: _p, NotPrincipal: _n, ...statement } = f.statement;
    const asked = statement.Resource === undefined && statement.NotResource === undefined ? { ...statement, Resource: input.resourceArn } : statement;
    const service = f.kind === 'Service' ? f.value : undefined;
    const role = f.kind === 'AWS' && /:role\//.test(f.value) ? f.value : undefined;
    // The invented stranger, then each account the Condition names that nobody configured, as the Condition names it
    // (review 19 R19-19, decision 323), in the organisation it names if any (R19-21).
    const tries: Array<{ account: string; arn?: string; key?: string }> = [
      { account: stranger },
      ...conditionAccounts(f.statement)
        .map((n) => ({ ...n, account: n.account ?? strangerAccount }))
        .filter((n) => !configured.has(n.account)),
    ];
    const orgId = conditionValues(f.statement, 'aws:PrincipalOrgID')[0];
    const sourceOrgId = conditionValues(f.statement, 'aws:SourceOrgID')[0];
    let admitted: string | undefined;
    for (const t of tries) {
      for (const action of actions.filter((a) => statementGrants(f.statement, a))) {
        const arnFor = (pattern: RegExp): string | undefined => (t.arn !== undefined && t.key !== undefined && pattern.test(t.key) ? concreteArn(t.arn, t.account) : undefined);
        const roleArn = role ?? arnFor(/PrincipalArn$/i);
        const sourceArn = arnFor(/SourceArn$/i);
        const context = strangerContext(t.account, input.resourceArn, {
          ...(service ? { service } : {}),
          iam: f.kind !== 'Service',
          source: f.kind !== 'AWS' || f.value === '*',
          ...(roleArn ? { roleArn } : {}),
          ...(sourceArn ? { sourceArn } : {}),
          ...(orgId !== undefined ? { orgId } : {}),
          ...(sourceOrgId !== undefined ? { sourceOrgId } : {}),
          action,
        });
        if (!(await simulateServiceAction(clients, [asked], action, input.resourceArn, context)).startsWith('allowed')) continue;
        const org = f.kind !== 'Service' && orgId !== undefined ? ` in organisation ${orgId} (it admits every account of the organisation, configured or not)` : service && sourceOrgId !== undefined ? ` in organisation ${sourceOrgId} (it admits every account of the organisation, configured or not)` : '';
        admitted = `${f.text} (${f.conditional ? 'its Condition admits' : 'no condition confines it to our resources: admitted for'} ${service ? `a resource of ${t.account}` : `a principal of ${t.account}`}${org}, an account nobody configured${action === input.action ? '' : `, for ${action}`}; iam:SimulateCustomPolicy)`;
        break;
      }
      if (admitted !== undefined) break;
    }
    if (admitted !== undefined) open.push(admitted);
    else others.push(`${f.text}${f.conditional ? ' (under a Condition)' : ''}`);
  }
  if (open.length > 0) return { kind: 'open', principals: open };
  const { statements, named } = serviceTrustStatements(input.policy, input.resourceArn, input.service);
  if (statements.length === 0) return { kind: 'not-named', named, others };
  const conditionProbes = namedStrangerProbes(statements, input.own, configured, strangerAccount).filter((p) => !input.probes.some((q) => q.sourceArn === p.sourceArn));
  const verdict = await judgeForSources(clients, statements, input.action, input.resourceArn, input.own, [...input.probes, ...conditionProbes]);
  const strangers = verdict.kind === 'too-wide' ? verdict.admitted.filter((p) => p.stranger) : [];
  if (strangers.length > 0) return { kind: 'open', principals: strangers.map((p) => `Service ${input.service} for ${p.what} (iam:SimulateCustomPolicy: admitted)`) };
  return { ...verdict, others };
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
