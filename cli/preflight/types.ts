// The shape of a preflight check's answer, and the clients the checks read with (all read-only calls).
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { SupportClient } from '@aws-sdk/client-support';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export type CheckArea = 'resources' | 'matrix' | 'alarms' | 'routing' | 'handlers' | 'permissions' | 'plumbing' | 'cross-account';

export interface CheckResult {
  area: CheckArea;
  /** A stable id for scripts and tests: "alarm-threshold", "tier-subscription", "role-permissions", ... */
  check: string;
  /** What was checked: a resource name, an alarm, a handler. */
  subject: string;
  status: CheckStatus;
  message: string;
  /** What to do about a WARN or FAIL. */
  fix?: string;
}

export interface PreflightClients {
  sqs: SQSClient;
  lambda: LambdaClient;
  rds: RDSClient;
  apiGateway: APIGatewayClient;
  /** API Gateway v2: the HTTP APIs of dependencies.apis (type http). */
  apiGatewayV2: ApiGatewayV2Client;
  elastiCache: ElastiCacheClient;
  /** EC2: the watched functions' subnets, route tables, NAT and internet gateways (the NAT zone check). */
  ec2: EC2Client;
  cloudWatch: CloudWatchClient;
  /** CloudWatch Logs: the metric filters Memory Pressure and Connection Timeout are detected through. */
  logs: CloudWatchLogsClient;
  events: EventBridgeClient;
  iam: IAMClient;
  ssm: SSMClient;
  sns: SNSClient;
  /** The AWS Support API is served from us-east-1 (aws partition). */
  support: SupportClient;
  scheduler: SchedulerClient;
  /** Route 53 (global): the failover record pair the failover documents switch. */
  route53: Route53Client;
  /** Cross-account mode: AssumeRole into the workload's read-only preflight role (the one call that is not a read). */
  sts: STSClient;
  /** The same clients acting with other credentials (the workload's preflight role session); the caller destroys them. */
  withCredentials(credentials: AwsCredentialIdentity): PreflightClients & { destroy(): void };
}

/** Where the checks run: the caller's account (STS GetCallerIdentity) and region. */
export interface PreflightTarget {
  account: string;
  region: string;
  partition: string;
  /** Who preflight runs as (STS GetCallerIdentity Arn), when known. */
  caller?: string;
}

export const pass = (area: CheckArea, check: string, subject: string, message: string): CheckResult => ({ area, check, subject, status: 'PASS', message });
export const warn = (area: CheckArea, check: string, subject: string, message: string, fix: string): CheckResult => ({ area, check, subject, status: 'WARN', message, fix });
export const fail = (area: CheckArea, check: string, subject: string, message: string, fix: string): CheckResult => ({ area, check, subject, status: 'FAIL', message, fix });

/** The name of an AWS SDK error (its exception type), or undefined for anything else. */
/**
 * The targets of the EventBridge rules this run read (each target's ARN, and the rules naming it): a handler's version or
 * alias a rule targets is what EventBridge invokes, with that version's configuration (decision 344).
 */
export type RuleTargets = Map<string, Set<string>>;

/** Notes `rule`'s targets in `seen` (when the caller keeps one). */
export function noteTargets(seen: RuleTargets | undefined, rule: string, targets: readonly string[]): void {
  if (!seen) return;
  for (const arn of targets) seen.set(arn, (seen.get(arn) ?? new Set<string>()).add(rule));
}

export function awsErrorName(error: unknown): string | undefined {
  const e = error as { name?: unknown; Code?: unknown };
  return typeof e?.name === 'string' ? e.name : typeof e?.Code === 'string' ? e.Code : undefined;
}

/** An AWS refusal for want of permission (IAM, an SCP, a resource policy), as opposed to a missing resource or a fault. */
export function isAccessDenied(error: unknown): boolean {
  return /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized/i.test(awsErrorName(error) ?? '');
}

/**
 * A check that could not read what it needs is a FAIL naming why, never a PASS and never a crash. For a refusal it
 * names the permission: the one AWS's message names ("not authorized to perform: sns:ListSubscriptionsByTopic"), else
 * the read-only actions the check calls.
 */
export function couldNotCheck(area: CheckArea, subject: string, error: unknown, actions: readonly string[]): CheckResult {
  const name = awsErrorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (isAccessDenied(error)) {
    const named = /perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    const missing = named ? [named] : [...actions];
    return fail(
      area,
      'could-not-check',
      subject,
      `could not check ${subject}: ${name}: preflight is not allowed ${missing.join(', ')}`,
      `grant the credentials preflight runs with ${missing.join(', ')} (read-only); an explicit deny comes from an SCP or permission boundary`,
    );
  }
  return fail(area, 'could-not-check', subject, `could not check ${subject}: ${name}: ${message}`, 'retry; if it persists, check the credentials, the region and the network');
}

/** Runs one check; an AWS error becomes its could-not-check FAIL (the other checks still run). */
export async function guardedCheck<T extends CheckResult | CheckResult[]>(area: CheckArea, subject: string, actions: readonly string[], run: () => Promise<T>): Promise<CheckResult[]> {
  try {
    const out = await run();
    return Array.isArray(out) ? out : [out];
  } catch (error) {
    return [couldNotCheck(area, subject, error, actions)];
  }
}
