// The watched log groups made sure of before their metric filters (review 22a, R22a-5): PutMetricFilter on a group that
// does not exist fails (ResourceNotFoundException) and rolls the region's stack back, and Lambda creates
// /aws/lambda/<fn> only at the function's first log line (the DR standby consumer usually has none). One custom
// resource per group (Custom::WatchedLogGroup: CreateLogGroup, "already exists" taken as done, never deleted), each
// metric filter DependsOn its group's; served by one function whose role may create exactly those groups.
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { customResourceFunction } from './custom-resource-function';

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
    const names = [...new Set(props.logGroupNames)];
    ({ role: this.role, fn: this.fn } = customResourceFunction(this, {
      bundleZip: props.bundleZip,
      functionName: ENSURE_LOG_GROUPS_FUNCTION_NAME,
      functionDescription: 'Notification Service runbook automation: creates the watched log groups the metric filters need, at deploy (CloudFormation custom resource)',
      roleName: ensureLogGroupsRoleNameOf(stack.region),
      roleDescription: 'Creates the watched log groups the metric filters need, where they do not exist yet, at deploy: CreateLogGroup on those groups only',
      policyId: 'CreateWatchedLogGroups',
      statements: [
        // CreateLogGroup only: no retention, key, tag or deletion (the groups are the service's).
        new PolicyStatement({
          sid: 'CreateTheWatchedLogGroups',
          actions: ['logs:CreateLogGroup'],
          resources: names.map((n) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${n}`),
        }),
      ],
      timeout: Duration.minutes(1),
      environment: { LOG_GROUP_NAMES: names.join(',') },
      untracedBecause: 'runs once per watched log group per deploy for CloudFormation; its log names each group created',
    }));
    names.forEach((name, index) => {
      this.ensured.set(
        name,
        new CustomResource(this, `Group${index}`, { serviceToken: this.fn.functionArn, resourceType: WATCHED_LOG_GROUP_TYPE, properties: { LogGroupName: name } }),
      );
    });
  }

  /** The custom resource making sure of `logGroupName`. */
  of(logGroupName: string): CustomResource {
    const found = this.ensured.get(logGroupName);
    if (!found) throw new Error(`no watched log group ${logGroupName} is made sure of here`);
    return found;
  }
}
