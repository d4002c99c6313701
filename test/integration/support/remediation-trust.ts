// Test support: a remediation role's trust as infra deploys it (RemediationRolesStack, decision 147), for the sandbox:
// the sandbox's caller (moto names every key's caller user/moto) stands for the handler's execution role of `region`.
// The gap proxy judges AssumeRole, its session tags and its source identity against it (sandbox/preflight-gaps.ts).
import { remediationRoleTrust } from '../../../infra/lib/iam/workload-roles';
import { sandboxCallerArn } from '../../../sandbox/preflight-gaps';

export function sandboxRemediationTrust(operationsAccount: string, handler: string, region: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: remediationRoleTrust('aws', operationsAccount, handler, [{ region, roleArn: sandboxCallerArn(operationsAccount) }]) });
}
