// The gap proxy's resource-based policies of a function's published versions and aliases (review 20b R20-22, decision 331).
//
// moto 5.2.1 keeps one policy per function: PublishVersion makes a shallow copy of the function (copy.copy) that shares its
// Policy object, and an alias resolves to its version, so `add-permission --qualifier 3` wrote into the function's own
// policy and `get-policy --qualifier 3` read the function's. Lambda keeps one policy per version and per alias (Lambda
// Developer Guide, "Using resource-based policies": a permission on a qualifier applies to that version or alias only).
// AddPermission, GetPolicy and RemovePermission with a Qualifier other than $LATEST are answered here, one policy per
// (account, region, function, qualifier); the function's own (unqualified, or $LATEST) stays moto's. Deleting the
// version (DeleteFunction --qualifier) or the alias drops its policy.
import { functionNameOfPath } from './lambda-revisions';
import type { GapReply } from './preflight-gaps';

export interface QualifiedPolicyRequest {
  operation: string;
  accountId: string;
  region: string;
  partition?: string;
  pathname: string;
  qualifier: string | null;
  body: string;
}

type Statement = Record<string, unknown>;

const POLICY_OPERATIONS = new Set(['AddPermission', 'GetPolicy', 'RemovePermission']);

/** Pure: the statement Lambda writes for an AddPermission request (its Principal and Condition shapes, as get-policy returns them). */
export function permissionStatement(input: Record<string, unknown>, resourceArn: string): Statement {
  const principal = String(input.Principal ?? '');
  const partition = resourceArn.split(':')[1] ?? 'aws';
  const Principal = principal === '*' ? '*' : /\.amazonaws\.com$/.test(principal) ? { Service: principal } : /^\d{12}$/.test(principal) ? { AWS: `arn:${partition}:iam::${principal}:root` } : { AWS: principal };
  const condition: Record<string, Record<string, string>> = {};
  const put = (operator: string, key: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') condition[operator] = { ...(condition[operator] ?? {}), [key]: value };
  };
  put('StringEquals', 'AWS:SourceAccount', input.SourceAccount);
  put('ArnLike', 'AWS:SourceArn', input.SourceArn);
  put('StringEquals', 'aws:PrincipalOrgID', input.PrincipalOrgID);
  put('StringEquals', 'lambda:FunctionUrlAuthType', input.FunctionUrlAuthType);
  put('StringEquals', 'lambda:EventSourceToken', input.EventSourceToken);
  return { Sid: input.StatementId, Effect: 'Allow', Principal, Action: input.Action, Resource: resourceArn, ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}) };
}

const notFound: GapReply = { status: 404, error: { code: 'ResourceNotFoundException', message: 'The resource you requested does not exist.' } };

export class QualifiedPolicies {
  private readonly policies = new Map<string, Statement[]>();
  private readonly revisions = new Map<string, number>();

  /** The policy key of a request this class answers (a policy call naming a version or alias), else undefined. */
  keyOf(request: Omit<QualifiedPolicyRequest, 'body'>): string | undefined {
    if (!POLICY_OPERATIONS.has(request.operation) || !request.qualifier || request.qualifier === '$LATEST') return undefined;
    const name = functionNameOfPath(request.pathname);
    return name ? `${request.accountId}:${request.region}:${name}:${request.qualifier}` : undefined;
  }

  /** A version or alias is gone (DeleteFunction with a Qualifier, DeleteAlias): so is its policy. */
  forget(request: Omit<QualifiedPolicyRequest, 'body' | 'operation'>): void {
    const name = functionNameOfPath(request.pathname);
    if (name && request.qualifier) this.policies.delete(`${request.accountId}:${request.region}:${name}:${request.qualifier}`);
  }

  /** The answer to a qualified policy call; `exists` asks moto whether the version or alias exists. */
  async answer(request: QualifiedPolicyRequest, exists: () => Promise<boolean>): Promise<GapReply> {
    const key = this.keyOf(request);
    const name = functionNameOfPath(request.pathname);
    if (key === undefined || name === undefined || request.qualifier === null) return notFound;
    if (!(await exists())) return { status: 404, error: { code: 'ResourceNotFoundException', message: `Function not found: arn:${request.partition ?? 'aws'}:lambda:${request.region}:${request.accountId}:function:${name}:${request.qualifier}` } };
    const statements = this.policies.get(key) ?? [];
    const revision = (): string => `qualified-${this.revisions.get(key) ?? 0}`;
    if (request.operation === 'GetPolicy') {
      if (statements.length === 0) return notFound;
      return { status: 200, json: { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }), RevisionId: revision() } };
    }
    if (request.operation === 'RemovePermission') {
      const sid = decodeURIComponent(request.pathname.split('/policy/')[1] ?? '');
      if (!statements.some((s) => s.Sid === sid)) return { status: 404, error: { code: 'ResourceNotFoundException', message: `No policy is associated with the given resource (${sid}).` } };
      this.policies.set(key, statements.filter((s) => s.Sid !== sid));
      this.revisions.set(key, (this.revisions.get(key) ?? 0) + 1);
      return { status: 200, json: {} };
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(request.body || '{}') as Record<string, unknown>;
    } catch {
      return { status: 400, error: { code: 'InvalidParameterValueException', message: 'The request body is not JSON' } };
    }
    if (typeof input.StatementId !== 'string' || typeof input.Action !== 'string' || typeof input.Principal !== 'string') {
      return { status: 400, error: { code: 'InvalidParameterValueException', message: 'StatementId, Action and Principal are required' } };
    }
    if (statements.some((s) => s.Sid === input.StatementId)) {
      return { status: 409, error: { code: 'ResourceConflictException', message: `The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.` } };
    }
    const statement = permissionStatement(input, `arn:${request.partition ?? 'aws'}:lambda:${request.region}:${request.accountId}:function:${name}:${request.qualifier}`);
    this.policies.set(key, [...statements, statement]);
    this.revisions.set(key, (this.revisions.get(key) ?? 0) + 1);
    return { status: 200, json: { Statement: JSON.stringify(statement) } };
  }
}
