// cdk-nag 3 (AwsSolutions + Serverless) on the whole app, and acknowledgements that always carry a written reason.
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
// cdk-nag names IAM5 findings by this flattening of the resolved ARN; acknowledging a finding needs the same string.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';
import type { WildcardResource } from './iam/scoped-policy';

/** Registers the rule packs: synthesis then stops on any finding that is not acknowledged. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

const MIN_REASON_CHARS = 20;

/** Acknowledges one cdk-nag rule (or one finding, `Rule[Finding]`) on a construct and its children, saying why. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < MIN_REASON_CHARS) throw new Error(`cdk-nag acknowledgement ${id} on ${scope.node.path} needs a written reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

/** The cdk-nag finding id of a wildcard resource in an IAM statement (AwsSolutions-IAM5). */
export function wildcardFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges each wildcard resource of a scoped policy with the reason it cannot be narrower. */
export function acknowledgeWildcards(scope: IConstruct, wildcards: readonly WildcardResource[]): void {
  const reasons = new Map<string, string[]>();
  for (const w of wildcards) {
    const id = wildcardFindingId(scope, w.resource);
    reasons.set(id, [...(reasons.get(id) ?? []), w.reason]);
  }
  for (const [id, why] of reasons) acknowledge(scope, id, [...new Set(why)].join('; '));
}
