// Pure: IAM's evaluation of identity policies for one (action, resource, context), as iam:SimulatePrincipalPolicy answers it.
//
// moto has no SimulatePrincipalPolicy; the gap proxy answers it with this from the role's own policy documents in the
// emulator. It covers what the project's policies use: Effect, Action / NotAction, Resource / NotResource and the
// condition operators below (with IfExists). An operator it does not know is an error, never a silent allow.
import { BlockList, isIP } from 'node:net';
import { actionMatches } from '../shared/runbooks/lint/iam-policy';

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface SimulatedStatement {
  Sid?: string;
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

export interface SimulatedPolicy {
  /** The policy's name, for MatchedStatements. */
  name: string;
  document: { Statement?: unknown };
}

export interface SimulationInput {
  action: string;
  resource: string;
  /** Context keys (case-insensitive in IAM) and their values. */
  context: Readonly<Record<string, readonly string[]>>;
  /**
   * The keys given as multivalued (ContextKeyType `stringList` etc.; lower case). Such a key needs a set operator
   * (ForAllValues / ForAnyValue): a plain operator on it matches nothing (IAM User Guide, "Single-valued vs. multivalued
   * context keys": "Multivalued context keys require a condition set operator").
   */
  multivalued?: ReadonlySet<string>;
}

export interface SimulationResult {
  decision: EvalDecision;
  /** "policy name / statement id" of every statement that decided. */
  matchedStatements: string[];
  /** Condition keys a statement needed that the context did not have. */
  missingContextValues: string[];
}

export class UnsupportedPolicyError extends Error {
  override readonly name = 'UnsupportedPolicyError';
}

const strings = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** IAM resource and string-like matching: `*` any run, `?` one character; case-sensitive (ARNs are). */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** ARN matching compares the six colon-separated parts, each with wildcards (IAM "ARN condition operators"). */
function arnMatches(pattern: string, value: string): boolean {
  const p = pattern.split(':');
  const v = value.split(':');
  if (p.length < 6 || v.length < 6) return globMatches(pattern, value);
  const head = (parts: string[]): string[] => [...parts.slice(0, 5), parts.slice(5).join(':')];
  const [hp, hv] = [head(p), head(v)];
  return hp.every((part, i) => globMatches(part, hv[i] ?? ''));
}

type Comparator = (policyValue: string, requestValue: string) => boolean;

/**
 * IAM's IpAddress: the request's address inside the policy's CIDR (a bare address is /32 or /128), IPv4 or IPv6 (IAM
 * User Guide, "IP address condition operators"). A value that is no address or CIDR matches nothing. Decision 344:
 * preflight's simulations of a function policy carry statements with aws:SourceIp.
 */
export function ipInCidr(cidr: string, address: string): boolean {
  const [base = '', prefix, ...more] = cidr.trim().split('/');
  const family = isIP(base);
  if (family === 0 || more.length > 0 || isIP(address) !== family) return false;
  const max = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(bits >= 0 && bits <= max)) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(base, bits, type);
  return list.check(address, type);
}

const POSITIVE: Record<string, Comparator> = {
  StringEquals: (p, r) => p === r,
  StringEqualsIgnoreCase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  StringLike: (p, r) => globMatches(p, r),
  ArnEquals: (p, r) => arnMatches(p, r),
  ArnLike: (p, r) => arnMatches(p, r),
  Bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
  IpAddress: (p, r) => ipInCidr(p, r),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NotIpAddress: 'IpAddress',
};

function contextValues(context: SimulationInput['context'], key: string): readonly string[] | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : context[found];
}

/**
 * A condition value's policy variables (`${aws:RequestTag/runbook-region}`) replaced by the request's value of that key
 * (IAM User Guide, "IAM policy elements: Variables and tags"). A key the request lacks, or holds several values of, has
 * "no equal or like value" there (ibid., "Policy variables with no value"): the value matches nothing (undefined). The
 * default-value form and the `${*}` / `${?}` escapes are not read here: an error, never a guess.
 */
function withVariables(value: string, context: SimulationInput['context']): string | undefined {
  let unresolved = false;
  const replaced = value.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    if (name === '$') return '$';
    if (name === '*' || name === '?' || name.includes(',')) throw new UnsupportedPolicyError(`policy variable \${${name}} is not supported by the sandbox's IAM simulator`);
    const values = contextValues(context, name.trim());
    if (values?.length !== 1) {
      unresolved = true;
      return '';
    }
    return values[0] ?? '';
  });
  return unresolved ? undefined : replaced;
}

/** One condition block: every operator, every key in it must hold (AND); values of one key are ORed. */
function conditionHolds(condition: unknown, context: SimulationInput['context'], missing: Set<string>, multivalued: ReadonlySet<string> = new Set()): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) throw new UnsupportedPolicyError('a Condition must be an object');
  return Object.entries(condition as Record<string, unknown>).every(([rawOperator, keys]) => {
    const setPrefix = /^(ForAnyValue|ForAllValues):/.exec(rawOperator)?.[1];
    let operator = setPrefix ? rawOperator.slice(setPrefix.length + 1) : rawOperator;
    const ifExists = operator.endsWith('IfExists');
    if (ifExists) operator = operator.slice(0, -'IfExists'.length);
    return Object.entries(keys as Record<string, unknown>).every(([key, policyValue]) => {
      const expected = strings(policyValue).flatMap((v) => withVariables(v, context) ?? []);
      const actual = contextValues(context, key);
      if (operator === 'Null') {
        const wantsAbsent = expected.some((v) => v.toLowerCase() === 'true');
        return wantsAbsent ? actual === undefined : actual !== undefined;
      }
      const negatedOf = NEGATED[operator];
      const compare = POSITIVE[negatedOf ?? operator];
      if (!compare) throw new UnsupportedPolicyError(`condition operator ${rawOperator} is not supported by the sandbox's IAM simulator`);
      if (actual === undefined || actual.length === 0) {
        // A set operator on a missing key decides before IfExists or negation (IAM User Guide, "Single-valued vs.
        // multivalued context keys": ForAllValues "also returns true if there are no context keys in the request";
        // ForAnyValue is false without the key), so ForAllValues:StringEquals on an absent key holds and
        // ForAnyValue:StringNotEquals does not (it used to: an allow, failing open). iam-simulate answers the same.
        if (setPrefix === 'ForAllValues') return true;
        if (setPrefix === 'ForAnyValue') {
          missing.add(key);
          return false;
        }
        if (ifExists) return true;
        if (negatedOf) return true;
        missing.add(key);
        return false;
      }
      if (!setPrefix && multivalued.has(key.toLowerCase())) return false;
      const anyMatch = (value: string): boolean => expected.some((e) => compare(e, value));
      const matched = setPrefix === 'ForAllValues' ? actual.every(anyMatch) : actual.some(anyMatch);
      return negatedOf ? !matched : matched;
    });
  });
}

function statementsOf(policy: SimulatedPolicy): SimulatedStatement[] {
  const s = policy.document.Statement;
  if (s === undefined) return [];
  return (Array.isArray(s) ? s : [s]) as SimulatedStatement[];
}

function applies(statement: SimulatedStatement, input: SimulationInput, missing: Set<string>): boolean {
  const actionOk =
    statement.Action !== undefined
      ? strings(statement.Action).some((p) => actionMatches(p, input.action))
      : statement.NotAction !== undefined && !strings(statement.NotAction).some((p) => actionMatches(p, input.action));
  if (!actionOk) return false;
  const resourceOk =
    statement.Resource !== undefined
      ? strings(statement.Resource).some((p) => globMatches(p, input.resource))
      : statement.NotResource !== undefined && !strings(statement.NotResource).some((p) => globMatches(p, input.resource));
  if (!resourceOk) return false;
  return conditionHolds(statement.Condition, input.context, missing, input.multivalued);
}

/** IAM's order: an explicit Deny wins, then any Allow, else the implicit deny. */
export function simulatePolicies(policies: readonly SimulatedPolicy[], input: SimulationInput): SimulationResult {
  const missing = new Set<string>();
  const denies: string[] = [];
  const allows: string[] = [];
  for (const policy of policies) {
    statementsOf(policy).forEach((statement, index) => {
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw new UnsupportedPolicyError(`${policy.name} Statement[${index}]: Effect must be Allow or Deny`);
      if (!applies(statement, input, missing)) return;
      (statement.Effect === 'Deny' ? denies : allows).push(`${policy.name}/${statement.Sid ?? `Statement[${index}]`}`);
    });
  }
  if (denies.length > 0) return { decision: 'explicitDeny', matchedStatements: denies, missingContextValues: [...missing] };
  if (allows.length > 0) return { decision: 'allowed', matchedStatements: allows, missingContextValues: [] };
  return { decision: 'implicitDeny', matchedStatements: [], missingContextValues: [...missing] };
}
