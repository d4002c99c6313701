// The honest floor, declared in one place: per handler, the AWS SDK clients its main path uses and how the handler
// constructs each (at init, or on first use through a dynamic import). bench/bundles.ts builds each floor bundle from
// this table with the handlers' own client settings (shared/aws/client-config.ts) and esbuild options; `npm run bench`
// checks the table against the built bundle, so a floor cannot silently drift from its handler.

export interface FloorClient {
  /** e.g. @aws-sdk/client-sqs */
  packageName: string;
  /** e.g. SQSClient */
  className: string;
  /** The handler loads it with import() on first use (a chunk of its own): the floor does the same. */
  lazy?: true;
  /** Why it is on the main path (and, when lazy, when it loads). */
  why: string;
}

const client = (name: string, packageSuffix: string, why: string, lazy?: true): FloorClient => ({
  packageName: `@aws-sdk/client-${packageSuffix}`,
  className: `${name}Client`,
  why,
  ...(lazy ? { lazy } : {}),
});

/** What every alarm handler's pipeline calls: claim/audit (DynamoDB), alarm re-read (CloudWatch), decision event (EventBridge), kill switch (SSM). */
const PIPELINE: FloorClient[] = [
  client('CloudWatch', 'cloudwatch', 'alarm re-read, metrics'),
  client('DynamoDB', 'dynamodb', 'claim, resource state, audit'),
  client('EventBridge', 'eventbridge', 'the decision event'),
  client('SSM', 'ssm', 'the kill switch'),
];
const AFTER_A_CHANGE = client('Scheduler', 'scheduler', 'the health check, scheduled only after a change', true);

/** The escalation handlers: incidents (DynamoDB), alarm re-read (CloudWatch), tiers (SNS), timers (Scheduler), own account (STS), kill switch (SSM). */
const ESCALATION: FloorClient[] = [
  client('CloudWatch', 'cloudwatch', 'alarm re-read'),
  client('DynamoDB', 'dynamodb', 'incident, decision records'),
  client('Scheduler', 'scheduler', 'the next tier\'s timer'),
  client('SNS', 'sns', 'tier notifications'),
  client('SSM', 'ssm', 'the kill switch'),
  client('STS', 'sts', 'GetCallerIdentity: the account the topics and timers live in'),
  client('Support', 'support', 'only at an AWS Support tier', true),
];

export const HANDLER_FLOORS: Readonly<Record<string, readonly FloorClient[]>> = {
  'alert-error-rate': [...PIPELINE, client('Lambda', 'lambda', 'the function\'s log group'), client('CloudWatchLogs', 'cloudwatch-logs', 'the error-rate enrichment (error lines)', true)],
  'check-db-connections': [
    ...PIPELINE,
    client('RDS', 'rds', 'instance and parameters'),
    client('ElastiCache', 'elasticache', 'the cache\'s identity and status'),
  ],
  escalate: ESCALATION,
  'escalation-timer': ESCALATION,
  'inspect-security-groups': [
    ...PIPELINE,
    client('Lambda', 'lambda', 'the function\'s VPC configuration'),
    client('EC2', 'ec2', 'subnets, security groups, endpoints, routes'),
    client('RDS', 'rds', 'the database\'s reachability'),
    client('ElastiCache', 'elasticache', 'the cache\'s state'),
    client('APIGateway', 'api-gateway', 'the REST API\'s stage and integration timeouts, loaded when a REST API\'s alarm is diagnosed', true),
    client('ApiGatewayV2', 'apigatewayv2', 'the HTTP API\'s stages and integration timeouts, loaded when an HTTP API\'s alarm is diagnosed', true),
  ],
  'raise-lambda-memory': [...PIPELINE, client('Lambda', 'lambda', 'memory configuration'), client('CloudWatchLogs', 'cloudwatch-logs', 'the memory metric filter'), AFTER_A_CHANGE],
  'scale-consumers': [...PIPELINE, client('Lambda', 'lambda', 'mappings, concurrency'), client('SQS', 'sqs', 'queue depth'), AFTER_A_CHANGE],
  'scale-up-database': [...PIPELINE, client('RDS', 'rds', 'instance class'), AFTER_A_CHANGE],
  'watch-standby': [...PIPELINE, client('RDS', 'rds', 'the DR replica'), client('SQS', 'sqs', 'the replicated queue'), client('Lambda', 'lambda', 'the DR consumers\' mappings')],
  // verify-change reverts any changing row's change, so every changing playbook's clients are on its path.
  'verify-change': [
    ...PIPELINE,
    client('Lambda', 'lambda', 'consumer and memory reverts'),
    client('SQS', 'sqs', 'queue-backup playbook clients'),
    client('RDS', 'rds', 'instance class revert'),
    client('CloudWatchLogs', 'cloudwatch-logs', 'memory-pressure playbook clients'),
  ],
};

export function floorOf(handler: string): readonly FloorClient[] {
  const floor = HANDLER_FLOORS[handler];
  if (!floor) throw new Error(`bench/floors.ts declares no floor for handler ${handler}: add its main path's clients`);
  return floor;
}
