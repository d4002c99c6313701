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
import { foreignPrincipals, foreignTrustPrincipals, ruleTargetContext, serviceTrustStatements, simulateServiceAction } from './forwarding-role-checks';
import type { PreflightClients } from './types';

/** A resource the service may act for: its account and ARN, as the service names them in aws:SourceAccount / aws:SourceArn. */
export interface TrustSource {
  /** For messages: "schedule group notification-runbooks-verify", "group X of 999999999999, an account not configured". */
  what: string;
  account: string;
  sourceArn: string;
  /** For a probe: the condition infra's trust refuses it by (named in the WARN when it is admitted). */
  condition?: string;
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
 * principals the policy lets call the action (`others`, reported: a WARN); or 'open' when one of them is anyone, any
 * account's principal, or another account as a whole, with no condition (a FAIL: review 19 R19-8, decision 311).
 */
export type ServiceGrantVerdict =
  /** Allow statements granting the action to anyone (`*`, AWS `*`, NotPrincipal) or to another account, unconditionally. */
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

/** Pure: does an AWS principal name a whole account (its root, or the bare ID), not one role or user of it? */
function wholeAccount(value: string): boolean {
  return /^\d{12}$/.test(value) || /^arn:[^:]+:iam::\d{12}:root$/.test(value);
}

/**
 * Judges a resource policy (a Lambda function's, as lambda:GetPolicy returns it) for `service` calling `action` on
 * `resourceArn` for `own` (an EventBridge rule invoking its target: review 18c R18-18, decision 309), then for each of
 * `probes` (which must be refused), as judgeServiceTrust judges a role's trust. Every other principal an Allow statement
 * grants `action` to (decision 311, review 19 R19-8: foreignPrincipals, as a role's trust is read) is reported: anyone
 * (`*`, AWS `*`, NotPrincipal) or a whole other account with no Condition is 'open', nothing simulated; the rest
 * (another service, one role of another account, a principal of this account, any of them under a Condition preflight
 * does not judge) are `others`, unless `expected` names them (a principal the deployment grants on purpose).
 */
export async function judgeServiceGrant(
  clients: PreflightClients,
  input: { policy: string | undefined; resourceArn: string; service: string; action: string; own: TrustSource; probes: readonly TrustSource[]; expected?: readonly string[] },
): Promise<ServiceGrantVerdict> {
  const account = input.resourceArn.split(':')[4];
  const foreign = foreignPrincipals(input.policy, input.service, (s) => statementGrants(s, input.action)).filter((f) => !(f.kind === 'AWS' && input.expected?.includes(f.value)));
  const isOpen = (f: (typeof foreign)[number]): boolean =>
    !f.conditional && (f.kind === '*' || f.kind === 'NotPrincipal' || (f.kind === 'AWS' && (f.value === '*' || (wholeAccount(f.value) && principalAccount(f.value) !== account))));
  const open = foreign.filter(isOpen);
  if (open.length > 0) return { kind: 'open', principals: open.map((f) => f.text) };
  const others = foreign.map((f) => `${f.text}${f.conditional ? ' (under a Condition)' : ''}`);
  const { statements, named } = serviceTrustStatements(input.policy, input.resourceArn, input.service);
  if (statements.length === 0) return { kind: 'not-named', named, others };
  return { ...(await judgeForSources(clients, statements, input.action, input.resourceArn, input.own, input.probes)), others };
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
