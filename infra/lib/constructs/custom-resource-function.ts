// The function that serves a project custom resource (the document-version cleanup, the watched log groups): one shape for
// each, so a new one gets the same log group, own role, least-privilege policy and nag acknowledgements.
import { existsSync } from 'node:fs';
import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { attachFittedPolicies } from '../iam/policy-size';
import { acknowledge } from '../nag';
import { HANDLER_RUNTIME } from './runbook-function';

export interface CustomResourceFunctionProps {
  /** dist/custom-resources/<name>/function.zip (npm run build). */
  bundleZip: string;
  functionName: string;
  functionDescription: string;
  roleName: string;
  roleDescription: string;
  /** The construct id of its policy, and the statements it grants besides writing its own logs (added last). */
  policyId: string;
  statements: readonly PolicyStatement[];
  timeout: Duration;
  environment: Record<string, string>;
  /** Why it needs no tracing (nag's Serverless-LambdaTracing acknowledgement). */
  untracedBecause: string;
}

/** Creates, in `scope` (ids Logs, Role, <policyId>, Function), the custom resource's function and its role. */
export function customResourceFunction(scope: Construct, props: CustomResourceFunctionProps): { role: Role; fn: LambdaFunction } {
  if (!existsSync(props.bundleZip)) throw new Error(`${props.bundleZip} is missing: run \`npm run build\` before synthesizing (the stack deploys the built bundles)`);
  const logGroup = new LogGroup(scope, 'Logs', { logGroupName: `/aws/lambda/${props.functionName}`, retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
  const role = new Role(scope, 'Role', { roleName: props.roleName, assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: props.roleDescription });
  // Grows with the configuration (the watched log groups, one per consumer): inline while it fits, else managed policies
  // (decision 383). The function waits for all of it: CloudFormation invokes it during the same deployment.
  const policy = attachFittedPolicies(scope, props.policyId, role, [
    ...props.statements,
    new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
  ]);
  const fn = new LambdaFunction(scope, 'Function', {
    functionName: props.functionName,
    description: props.functionDescription,
    code: Code.fromAsset(props.bundleZip),
    handler: 'index.handler',
    runtime: HANDLER_RUNTIME,
    architecture: Architecture.ARM_64,
    memorySize: 256,
    timeout: props.timeout,
    role,
    logGroup,
    environment: props.environment,
  });
  fn.node.addDependency(policy);
  acknowledge(fn, 'Serverless-LambdaDLQ', 'invoked synchronously by CloudFormation only (a custom resource): a failure is the deployment\'s failure, reported to CloudFormation with its reason');
  acknowledge(fn, 'Serverless-LambdaTracing', props.untracedBecause);
  acknowledge(fn, 'AwsSolutions-L1', 'the bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
  acknowledge(fn, 'Serverless-LambdaLatestVersion', 'the bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
  return { role, fn };
}

