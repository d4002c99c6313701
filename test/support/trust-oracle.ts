// Test support: the oracle for a role's trust. May `principal` assume the role, the WHOLE trust judged as the role's
// resource policy by @cloud-copilot/iam-simulate (independent of preflight's Principal handling and of the sandbox's
// evaluator)? Shared by the preflight tests that judge a service's or an attacker's access to a role; mayCall is the same
// oracle for any call on a resource with a resource policy (a Lambda function's: decision 328).
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate';

export type PolicyDoc = { Version: string; Statement: Array<Record<string, unknown>> };

export interface AssumeRequest {
  /** A service principal (scheduler.amazonaws.com) or an IAM ARN. */
  principal: string;
  role: { arn: string; account: string };
  /** Request context: aws:SourceAccount, aws:SourceArn, ... */
  context?: Record<string, string>;
  /** The caller's own policies: a principal of another account needs its own Allow as well as the trust's. */
  identityPolicies?: Array<{ name: string; policy: PolicyDoc }>;
}

export async function mayAssume(trust: PolicyDoc, request: AssumeRequest): Promise<boolean> {
  const response = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: 'sts:AssumeRole',
        resource: { resource: request.role.arn, accountId: request.role.account },
        contextVariables: request.context ?? {},
      },
      identityPolicies: request.identityPolicies ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`the oracle could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult === 'Allowed';
}

/** The principal of an unsigned request (a function URL of AuthType NONE): no AWS identity at all (decision 344). */
export const ANONYMOUS = 'anonymous';

export interface CallRequest {
  /** A service principal (sns.amazonaws.com), an IAM ARN (a role of the caller's account), or ANONYMOUS. */
  principal: string;
  action: string;
  resource: { arn: string; account: string };
  /** Request context as the caller's call carries it: aws:PrincipalAccount, aws:SourceArn, aws:PrincipalOrgPaths, ... */
  context?: Record<string, string | string[]>;
}

/**
 * May `principal` make the call, the WHOLE resource policy (a Lambda function's, as lambda:GetPolicy returns it: every
 * Allow and Deny, Principal included) judged by @cloud-copilot/iam-simulate? An IAM caller of another account is given an
 * identity policy allowing everything (an attacker grants itself what it likes); a service principal needs none, nor
 * does an anonymous caller (iam-simulate's anonymousPrincipal: an unsigned request, no identity policy possible).
 */
export async function mayCall(policy: PolicyDoc, request: CallRequest): Promise<boolean> {
  const iamCaller = request.principal.startsWith('arn:');
  const response = await runSimulation(
    {
      request: { principal: request.principal === ANONYMOUS ? anonymousPrincipal : request.principal, action: request.action, resource: { resource: request.resource.arn, accountId: request.resource.account }, contextVariables: request.context ?? {} },
      identityPolicies: iamCaller ? [{ name: 'attacker-own', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`the oracle could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult === 'Allowed';
}
