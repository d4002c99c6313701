// The shape of a preflight check's answer, and the clients the checks read with (all read-only calls).
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SupportClient } from '@aws-sdk/client-support';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export type CheckArea = 'resources' | 'matrix' | 'alarms' | 'routing' | 'handlers' | 'permissions' | 'plumbing';

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
  elastiCache: ElastiCacheClient;
  cloudWatch: CloudWatchClient;
  events: EventBridgeClient;
  iam: IAMClient;
  ssm: SSMClient;
  sns: SNSClient;
  /** The AWS Support API is served from us-east-1 (aws partition). */
  support: SupportClient;
  scheduler: SchedulerClient;
}

/** Where the checks run: the caller's account (STS GetCallerIdentity) and region. */
export interface PreflightTarget {
  account: string;
  region: string;
  partition: string;
}

export const pass = (area: CheckArea, check: string, subject: string, message: string): CheckResult => ({ area, check, subject, status: 'PASS', message });
export const warn = (area: CheckArea, check: string, subject: string, message: string, fix: string): CheckResult => ({ area, check, subject, status: 'WARN', message, fix });
export const fail = (area: CheckArea, check: string, subject: string, message: string, fix: string): CheckResult => ({ area, check, subject, status: 'FAIL', message, fix });

/** The name of an AWS SDK error (its exception type), or undefined for anything else. */
export function awsErrorName(error: unknown): string | undefined {
  const e = error as { name?: unknown; Code?: unknown };
  return typeof e?.name === 'string' ? e.name : typeof e?.Code === 'string' ? e.Code : undefined;
}
