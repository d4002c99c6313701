// Test support: the oracle for a role's trust. May `principal` assume the role, the WHOLE trust judged as the role's
// resource policy by @cloud-copilot/iam-simulate (independent of preflight's Principal handling and of the sandbox's
// evaluator)? Shared by the preflight tests that judge a service's or an attacker's access to a role.
import { runSimulation } from '@cloud-copilot/iam-simulate';

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
