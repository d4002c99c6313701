// API operation -> IAM action: for SDK commands a handler calls and aws:executeAwsApi steps a runbook document calls.

/**
 * SDK v3 packages the project uses -> IAM service prefix (the prefix is not always the package's or signing name). The
 * IAM coverage scan (test/infra/support/sdk-calls.ts) reads the commands each bundle imports from these packages; every
 * SDK client package in package.json has its entry (test/infra/sdk-package-prefix.test.ts).
 */
export const SDK_PACKAGE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-api-gateway': 'apigateway',
  // API Gateway V2 (HTTP APIs) shares the prefix and its verbs (Service Authorization Reference, API Gateway Management V2).
  '@aws-sdk/client-apigatewayv2': 'apigateway',
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-elasticache': 'elasticache',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-rds': 'rds',
  // The CLI's and the sandbox's (preflight, the DR failover pair); no handler calls Route 53.
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-support': 'support',
};

/** SSM Automation `Service` names (the boto3 client names) whose IAM prefix differs; the others are their own prefix. */
const AUTOMATION_SERVICE_PREFIX: Readonly<Record<string, string>> = {
  eventbridge: 'events',
  'cloudwatch-logs': 'logs',
  monitoring: 'cloudwatch',
};

/** Operations authorized by an IAM action of another name (Service Authorization Reference, "API operations"). */
const RENAMED_ACTIONS: Readonly<Record<string, string>> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
  'lambda:InvokeWithResponseStream': 'lambda:InvokeFunction',
};

export function iamActionFor(prefix: string, operation: string): string {
  // API Gateway's management API is authorized by HTTP verb on the resource path: every Get* read is apigateway:GET
  // (Service Authorization Reference, Amazon API Gateway Management, and Management V2 for HTTP APIs).
  if (prefix === 'apigateway' && operation.startsWith('Get')) return 'apigateway:GET';
  const action = `${prefix}:${operation}`;
  return RENAMED_ACTIONS[action] ?? action;
}

/** The IAM action of an aws:executeAwsApi (or wait/assert) step's Service and Api. */
export function automationApiAction(service: string, api: string): string {
  const lower = service.toLowerCase();
  return iamActionFor(AUTOMATION_SERVICE_PREFIX[lower] ?? lower, api);
}
