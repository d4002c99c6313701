// Refuses to synthesize a Lambda function whose environment variables Lambda would refuse (review 22a R22a-4; decision 371).
//
// Lambda refuses, at CreateFunction / UpdateFunctionConfiguration, environment variables over 4 KB in aggregate (Lambda
// quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Function environment variables: 4 KB,
// for all environment variables associated with the function, in aggregate"); its error names the string it measured,
// the variables as one JSON object, which is what is counted here, in UTF-8 bytes. The handlers' configuration overrides
// travel in RUNBOOK_CONFIG_JSON, so a large override fails the deploy after the stacks before it deployed; moto checks
// nothing. Tokens count at their longest (infra/lib/iam/policy-size.ts valueChars), so a function that passes fits in
// any partition, region and account.
import { AspectPriority, Aspects, Stack, type IAspect } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { valueChars } from './iam/policy-size';

/** AWS: a function's environment variables in aggregate (Lambda quotas; not adjustable). */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4_096;

/** The bytes a non-ASCII literal adds beyond its characters (valueChars counts characters). */
function extraUtf8Bytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value) - value.length;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + extraUtf8Bytes(v), 0);
  if (value && typeof value === 'object') return Object.entries(value).reduce((n, [k, v]) => n + extraUtf8Bytes(k) + extraUtf8Bytes(v), 0);
  return 0;
}

/** A function's environment variables as Lambda measures them: one JSON object, UTF-8 bytes, tokens at their longest. */
export function lambdaEnvironmentBytes(fn: CfnFunction): number {
  const stack = Stack.of(fn);
  const environment = stack.resolve(fn.environment) as { variables?: unknown; Variables?: unknown } | undefined;
  const variables = environment?.Variables ?? environment?.variables;
  if (variables === undefined) return 0;
  return valueChars(stack, variables) + extraUtf8Bytes(variables);
}

class LambdaEnvironmentSizeGuard implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnFunction)) return;
    const bytes = lambdaEnvironmentBytes(node);
    if (bytes <= LAMBDA_ENVIRONMENT_MAX_BYTES) return;
    throw new Error(
      `Lambda function ${node.node.path} (${String(node.functionName ?? 'unnamed')}) has environment variables of ${bytes} bytes, over Lambda's ` +
        `${LAMBDA_ENVIRONMENT_MAX_BYTES} ("Function environment variables", in aggregate; the deploy would fail): shorten the configuration ` +
        'overrides given as the `config` context (they reach every handler as RUNBOOK_CONFIG_JSON, compacted, with only its own environment\'s section) or move defaults into shared/config',
    );
  }
}

/** Refuse, at synthesis, any Lambda function in `scope` whose environment variables exceed LAMBDA_ENVIRONMENT_MAX_BYTES. */
export function refuseOversizedLambdaEnvironments(scope: IConstruct): void {
  Aspects.of(scope).add(new LambdaEnvironmentSizeGuard(), { priority: AspectPriority.READONLY });
}
