// Cross-account remediation roles: every statement held to the region the session was opened from (decision 147).
//
// One role per handler serves the handler's sessions of every region it runs in (IAM is global). The session carries
// the region its handler runs in as the `runbook-region` tag, which the trust binds to that region's execution role
// (workload-roles.ts remediationRoleTrust). Here each statement is split per region: that region's ARNs only, allowed
// only to a session tagged with that region and only for requests sent to that region. A session of the DR region thus
// reaches nothing of the primary's, though the role and the resource names are the same, and a session without the tag
// reaches nothing at all (a policy condition on a key the request lacks does not match).
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SESSION_TAG_KEYS } from '../../../shared/config/names';
import { regionSid } from './workload-roles';

/** The condition key a statement of a remediation role is held to: the session's region tag. */
export const SESSION_REGION_KEY = `aws:PrincipalTag/${SESSION_TAG_KEYS.region}`;

type Condition = Record<string, Record<string, unknown>>;

const strings = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** arn:aws:lambda:us-east-1:… -> us-east-1; "" for a global resource (IAM, Route 53) or anything not an ARN. */
const regionOfArn = (arn: string): string => (arn.startsWith('arn:') ? (arn.split(':')[3] ?? '') : '');

/**
 * The operators whose values are read here as "allowed" lists (review 10b F6). A negated operator (StringNotEquals,
 * ArnNotLike), an ...IfExists one (true when the key is absent) or a ForAllValues: one (true for an empty set) means
 * something else: narrowing its list to one region would invert or widen it, so it is refused, not guessed at.
 * ForAnyValue: on a single-valued key matches as the plain operator does.
 */
const REGION_OPERATORS: ReadonlySet<string> = new Set(['StringEquals', 'ForAnyValue:StringEquals']);
const ARN_OPERATORS: ReadonlySet<string> = new Set(['ArnEquals', 'ArnLike', 'ForAnyValue:ArnEquals', 'ForAnyValue:ArnLike']);

/**
 * A statement's condition in one region: ARN-valued conditions (the mapping condition's function ARNs) keep that
 * region's ARNs only, a request-region condition must name the region (else the statement has nothing there), and the
 * session's region and the request's region must both be that region. Condition keys are case-insensitive in IAM.
 */
function conditionIn(condition: Condition | undefined, region: string, where: string): Condition | undefined {
  const out: Condition = {};
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(keys)) {
      if (key.toLowerCase() === 'aws:requestedregion') {
        if (!REGION_OPERATORS.has(operator)) throw new Error(`${where}: ${operator} on ${key} is not read here (only ${[...REGION_OPERATORS].join(', ')}): it cannot be held to one region without changing its meaning`);
        if (!strings(value).includes(region)) return undefined;
        continue; // set below, to exactly this region
      }
      if (key.toLowerCase() === SESSION_REGION_KEY.toLowerCase()) throw new Error(`${where} already names the session's region: it is set here, once`);
      if (/Arn/.test(operator)) {
        if (!ARN_OPERATORS.has(operator)) throw new Error(`${where}: ${operator} on ${key} is not read here (only ${[...ARN_OPERATORS].join(', ')}): its ARNs cannot be split per region without changing its meaning`);
        const here = strings(value).filter((arn) => regionOfArn(arn) === region || regionOfArn(arn) === '');
        if (here.length === 0) return undefined;
        kept[key] = here.length === 1 ? here[0] : here;
      } else kept[key] = value;
    }
    if (Object.keys(kept).length > 0) out[operator] = kept;
  }
  return { ...out, StringEquals: { ...(out.StringEquals ?? {}), [SESSION_REGION_KEY]: region, 'aws:RequestedRegion': region } };
}

/**
 * Each statement of a role that serves sessions of `regions`, split into one statement per region it reaches there:
 * its ARNs of that region (a "*" resource: every region it was held to, or all of `regions`), conditioned on the
 * session's region tag and the requested region being that region. A resource of no region (IAM, Route 53) or of a
 * region the role does not serve is an error: such a grant would be the same for every region's session.
 */
export function holdToSessionRegion(statements: readonly PolicyStatement[], regions: readonly string[], declaredBy: string): PolicyStatement[] {
  return statements.flatMap((statement) => {
    const json = statement.toStatementJson() as { Sid?: string; Effect?: string; Action?: unknown; Resource?: unknown; Condition?: Condition };
    const where = `${declaredBy} statement ${json.Sid ?? '(no Sid)'}`;
    if (json.Effect !== 'Allow' || json.Action === undefined || json.Resource === undefined) {
      throw new Error(`${where}: only Allow statements with Action and Resource are held to a session's region`);
    }
    const resources = strings(json.Resource);
    const anyResource = resources.includes('*');
    if (anyResource && resources.length > 1) throw new Error(`${where}: "*" beside other resources`);
    for (const r of anyResource ? [] : resources) {
      const region = regionOfArn(r);
      if (!regions.includes(region)) throw new Error(`${where}: ${r} is ${region ? `in ${region}, a region this role does not serve` : 'of no region'}: a grant every region's session would hold alike`);
    }
    return regions.flatMap((region) => {
      const here = anyResource ? ['*'] : resources.filter((r) => regionOfArn(r) === region);
      if (here.length === 0) return [];
      const condition = conditionIn(json.Condition, region, where);
      if (!condition) return [];
      return [
        PolicyStatement.fromJson({
          Sid: `${json.Sid ?? 'Statement'}In${regionSid(region)}`,
          Effect: 'Allow',
          Action: json.Action,
          Resource: here.length === 1 ? here[0] : here,
          Condition: condition,
        }),
      ];
    });
  });
}
