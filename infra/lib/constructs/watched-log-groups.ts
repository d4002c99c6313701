// The watched log groups made sure of before their metric filters (review 22a, R22a-5): PutMetricFilter on a group that
// does not exist fails (ResourceNotFoundException) and rolls the region's stack back, and Lambda creates
// /aws/lambda/<fn> only at the function's first log line (the DR standby consumer usually has none). One custom
// resource per group (Custom::WatchedLogGroup: CreateLogGroup, "already exists" taken as done, never deleted), each
// metric filter DependsOn its group's; served by one function whose role may create exactly those groups.
import { existsSync } from 'node:fs';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { HANDLER_RUNTIME } from './runbook-function';

export const ENSURE_LOG_GROUPS_FUNCTION_NAME = 'notification-runbooks-watched-log-groups';
export const ensureLogGroupsRoleNameOf = (region: string): string => `notification-runbooks-watched-log-groups-${region}`.slice(0, 64);
export const WATCHED_LOG_GROUP_TYPE = 'Custom::WatchedLogGroup';

export interface WatchedLogGroupsProps {
  /** The groups the stack's metric filters are put on. */
  logGroupNames: readonly string[];
  /** dist/custom-resources/ensure-log-groups/function.zip (npm run build). */
  bundleZip: string;
}

export class WatchedLogGroups extends Construct {
  readonly role: Role;
  readonly fn: LambdaFunction;
  /** group name -> the custom resource that makes sure of it: what its metric filters depend on. */
  readonly ensured = new Map<string, CustomResource>();

  constructor(scope: Construct, id: string, props: WatchedLogGroupsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!existsSync(props.bundleZip)) throw new Error(`${props.bundleZip} is missing: run \`npm run build\` before synthesizing (the stack deploys the built bundles)`);
    const names = [...new Set(props.logGroupNames)];
    const logGroup = new LogGroup(this, 'Logs', { logGroupName: `/aws/lambda/${ENSURE_LOG_GROUPS_FUNCTION_NAME}`, retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      roleName: ensureLogGroupsRoleNameOf(stack.region),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Creates the watched log groups the metric filters need, where they do not exist yet, at deploy: CreateLogGroup on those groups only',
    });
    const policy = new Policy(this, 'CreateWatchedLogGroups', {
      roles: [this.role],
      statements: [
        // CreateLogGroup only: no retention, key, tag or deletion (the groups are the service's).
        new PolicyStatement({
          sid: 'CreateTheWatchedLogGroups',
          actions: ['logs:CreateLogGroup'],
          resources: names.map((n) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${n}`),
        }),
        new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      ],
    });
    this.fn = new LambdaFunction(this, 'Function', {
      functionName: ENSURE_LOG_GROUPS_FUNCTION_NAME,
      description: 'Notification Service runbook automation: creates the watched log groups the metric filters need, at deploy (CloudFormation custom resource)',
      code: Code.fromAsset(props.bundleZip),
      handler: 'index.handler',
      runtime: HANDLER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      role: this.role,
      logGroup,
      environment: { LOG_GROUP_NAMES: names.join(',') },
    });
    this.fn.node.addDependency(policy);
    names.forEach((name, index) => {
      this.ensured.set(
        name,
        new CustomResource(this, `Group${index}`, { serviceToken: this.fn.functionArn, resourceType: WATCHED_LOG_GROUP_TYPE, properties: { LogGroupName: name } }),
      );
    });
    acknowledge(this.fn, 'Serverless-LambdaDLQ', 'invoked synchronously by CloudFormation only (a custom resource): a failure is the deployment\'s failure, reported to CloudFormation with its reason');
    acknowledge(this.fn, 'Serverless-LambdaTracing', 'runs once per watched log group per deploy for CloudFormation; its log names each group created');
    acknowledge(this.fn, 'AwsSolutions-L1', 'the bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
    acknowledge(this.fn, 'Serverless-LambdaLatestVersion', 'the bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
  }

  /** The custom resource making sure of `logGroupName`. */
  of(logGroupName: string): CustomResource {
    const found = this.ensured.get(logGroupName);
    if (!found) throw new Error(`no watched log group ${logGroupName} is made sure of here`);
    return found;
  }
}
