// Refuses to synthesize an IAM role IAM would refuse at deploy (review 22a R22a-1/2/3/8; decision 368): its inline
// policies together over 10,240 characters, a managed policy over 6,144, its trust over 2,048, or more than 10 managed
// policies attached. PutRolePolicy / CreatePolicy / CreateRole / AttachRolePolicy answer LimitExceeded and the stack
// rolls back after the stacks before it deployed; moto and the sandbox check none of it. Sizes are measured as IAM
// counts them, the stack's tokens at their longest (infra/lib/iam/policy-size.ts valueChars), so a role that passes
// here fits in any partition, region and account.
import { AspectPriority, Aspects, CfnResource, Stack, Token, type IAspect } from 'aws-cdk-lib';
import { CfnManagedPolicy, CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import {
  IAM_MANAGED_POLICIES_PER_ROLE,
  IAM_MANAGED_POLICY_MAX_CHARS,
  IAM_ROLE_INLINE_MAX_CHARS,
  IAM_TRUST_POLICY_MAX_CHARS,
  renderedResource,
  valueChars,
} from './iam/policy-size';

/** One role's IAM sizes, in characters as IAM counts them (worst case over the stack's tokens). */
export interface RolePolicySizes {
  stack: string;
  path: string;
  /** The role's name, or its path where CloudFormation names it. */
  roleName: string;
  /** Its inline policies (Policies) and every AWS::IAM::Policy naming it, together. */
  inlineChars: number;
  /** Each customer managed policy attached to it (AWS::IAM::ManagedPolicy naming it), by construct path. */
  managed: Array<{ path: string; chars: number }>;
  /** Managed policies attached: ManagedPolicyArns and the managed policies naming it. */
  managedCount: number;
  trustChars: number;
}

const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Whether a policy's Roles entry (resolved) names `role`: a Ref to it in its stack, or its literal name. */
function namesRole(entry: unknown, policyStack: Stack, role: { stack: Stack; logicalId: string; name?: string }): boolean {
  if (typeof entry === 'string') return role.name !== undefined && entry === role.name;
  const ref = (entry as { Ref?: unknown } | null)?.Ref;
  return policyStack === role.stack && ref === role.logicalId;
}

/** Every role of `root` (an app or a stack) with its sizes. */
export function measureRolePolicies(root: IConstruct): RolePolicySizes[] {
  const all = root.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  const rendered = new Map(all.map((r) => [r, renderedResource(r)]));
  const policies = all.filter((r) => r instanceof CfnPolicy || r instanceof CfnManagedPolicy);
  return all
    .filter((r): r is CfnRole => r instanceof CfnRole)
    .map((role) => {
      const stack = Stack.of(role);
      const props = rendered.get(role)?.Properties ?? {};
      const literalName = typeof props.RoleName === 'string' && !Token.isUnresolved(props.RoleName) ? props.RoleName : undefined;
      const key = { stack, logicalId: String(stack.resolve(role.logicalId)), ...(literalName ? { name: literalName } : {}) };
      const attached = policies.filter((p) => asArray(rendered.get(p)?.Properties?.Roles).some((entry) => namesRole(entry, Stack.of(p), key)));
      const inline =
        asArray(props.Policies).reduce<number>((n, p) => n + valueChars(stack, (p as { PolicyDocument?: unknown }).PolicyDocument), 0) +
        attached.filter((p) => p instanceof CfnPolicy).reduce((n, p) => n + valueChars(Stack.of(p), rendered.get(p)?.Properties?.PolicyDocument), 0);
      const managed = attached.filter((p) => p instanceof CfnManagedPolicy).map((p) => ({ path: p.node.path, chars: valueChars(Stack.of(p), rendered.get(p)?.Properties?.PolicyDocument) }));
      return {
        stack: stack.stackName,
        path: role.node.path,
        roleName: literalName ?? role.node.path,
        inlineChars: inline,
        managed,
        managedCount: asArray(props.ManagedPolicyArns).length + managed.length,
        trustChars: valueChars(stack, props.AssumeRolePolicyDocument),
      };
    });
}

/** What IAM would refuse of the roles measured, one line each (empty: every role fits). */
export function oversizedRolePolicies(sizes: readonly RolePolicySizes[]): string[] {
  return sizes.flatMap((r) => {
    const at = `IAM role ${r.roleName} (${r.path})`;
    return [
      ...(r.inlineChars > IAM_ROLE_INLINE_MAX_CHARS ? [`${at}: inline policies ${r.inlineChars} characters together, over IAM's ${IAM_ROLE_INLINE_MAX_CHARS} ("Role policy size")`] : []),
      ...r.managed.filter((m) => m.chars > IAM_MANAGED_POLICY_MAX_CHARS).map((m) => `${at}: managed policy ${m.path} ${m.chars} characters, over IAM's ${IAM_MANAGED_POLICY_MAX_CHARS} ("Managed policy size")`),
      ...(r.managedCount > IAM_MANAGED_POLICIES_PER_ROLE ? [`${at}: ${r.managedCount} managed policies attached, over IAM's default ${IAM_MANAGED_POLICIES_PER_ROLE} ("Managed policies attached to an IAM role")`] : []),
      ...(r.trustChars > IAM_TRUST_POLICY_MAX_CHARS ? [`${at}: trust policy ${r.trustChars} characters, over IAM's default ${IAM_TRUST_POLICY_MAX_CHARS} ("Role trust policy length")`] : []),
    ];
  });
}

class IamPolicySizeGuard implements IAspect {
  constructor(private readonly root: IConstruct) {}

  visit(node: IConstruct): void {
    // Once, from the root: a role's size depends on policies anywhere in its stack (and, by name, in others).
    if (node !== this.root) return;
    const refused = oversizedRolePolicies(measureRolePolicies(this.root));
    if (refused.length === 0) return;
    throw new Error(
      `${refused.join('; ')}. IAM would refuse ${refused.length === 1 ? 'it' : 'them'} at deploy (LimitExceeded; IAM quotas, ` +
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, sizes without whitespace, tokens at their longest): ' +
        'lay the grant out with infra/lib/iam/policy-size.ts attachFittedPolicies, or narrow the configuration',
    );
  }
}

/** Refuse, at synthesis, any IAM role in `root` whose policies IAM's size quotas would refuse. */
export function refuseOversizedIamPolicies(root: IConstruct): void {
  Aspects.of(root).add(new IamPolicySizeGuard(root), { priority: AspectPriority.READONLY });
}
