// Runs every preflight check against one account and region, read-only; a check that cannot read what it needs fails, naming why.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { checkAlarms, checkRouting } from './alarm-checks';
import { checkRemediationRoles } from './cross-account-checks';
import type { PreflightExpectations } from './expectations';
import { checkHandlers, checkRolePermissions, type LiveHandler } from './handler-checks';
import { checkPlumbing, type ExpectedDocument } from './plumbing-checks';
import { checkResources, type DiscoveredResources } from './resource-checks';
import { couldNotCheck, type CheckArea, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

export interface PreflightReport {
  environment: string;
  account: string;
  region: string;
  /** single-account, or cross-account when the configuration's accountId (the workload) is another account. */
  mode: 'single-account' | 'cross-account';
  workloadAccount?: string;
  summary: { pass: number; warn: number; fail: number };
  checks: CheckResult[];
}

/** The read-only actions each area calls: named in its FAIL when AWS refuses one without naming it. */
export const AREA_ACTIONS: Readonly<Record<CheckArea, readonly string[]>> = {
  resources: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'lambda:GetFunction', 'lambda:GetFunctionConcurrency', 'lambda:ListEventSourceMappings', 'rds:DescribeDBInstances', 'apigateway:GET', 'elasticache:DescribeReplicationGroups'],
  matrix: ['lambda:GetFunction', 'lambda:GetFunctionConcurrency', 'rds:DescribeDBInstances'],
  alarms: ['cloudwatch:DescribeAlarms'],
  routing: ['events:DescribeRule', 'events:ListTargetsByRule', 'events:TestEventPattern'],
  handlers: ['lambda:GetFunction', 'lambda:GetFunctionEventInvokeConfig', 'sqs:GetQueueUrl'],
  permissions: ['iam:SimulatePrincipalPolicy'],
  plumbing: ['ssm:GetParameter', 'sns:ListSubscriptionsByTopic', 'support:DescribeSeverityLevels', 'ssm:GetDocument', 'scheduler:GetScheduleGroup', 'iam:GetRole'],
  'cross-account': ['sts:AssumeRole', 'iam:SimulatePrincipalPolicy'],
};

/** An area whose reads failed (denied, throttled past retries, unreachable) is a FAIL naming the error: never a PASS. */
async function guarded<T>(area: CheckArea, fallback: T, run: () => Promise<T>, sink: CheckResult[]): Promise<T> {
  try {
    return await run();
  } catch (error) {
    sink.push(couldNotCheck(area, area, error, AREA_ACTIONS[area]));
    return fallback;
  }
}

export async function runPreflight(
  clients: PreflightClients,
  expected: PreflightExpectations,
  target: PreflightTarget,
  documents: readonly ExpectedDocument[],
): Promise<PreflightReport> {
  const checks: CheckResult[] = [];
  const emptyFound: DiscoveredResources = { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], dbParameterGroups: [], dbSubnetGroups: [] };
  const resources = await guarded('resources', { results: [], found: emptyFound }, () => checkResources(clients, expected, target), checks);
  checks.push(...resources.results);
  const alarms = await guarded('alarms', { results: [], live: new Map<string, MetricAlarm>() }, () => checkAlarms(clients, expected), checks);
  checks.push(...alarms.results);
  const handlers = await guarded('handlers', { results: [], live: [] as LiveHandler[] }, () => checkHandlers(clients, expected), checks);
  const functionArns = new Map(handlers.live.flatMap((h) => (h.configuration.FunctionArn ? [[h.handler.name, h.configuration.FunctionArn] as const] : [])));
  checks.push(...(await guarded('routing', [], () => checkRouting(clients, expected, target, alarms.live, functionArns), checks)));
  checks.push(...handlers.results);
  const arnContext = {
    target,
    expected,
    found: resources.found,
    alarmArns: [...alarms.live.values()].flatMap((a) => (a.AlarmArn ? [a.AlarmArn] : [])),
    handlerFunctionArns: [...functionArns.values()],
    automationDocuments: documents.map((d) => d.name),
  };
  checks.push(...(await guarded('permissions', [], () => checkRolePermissions(clients, handlers.live, arnContext), checks)));
  checks.push(...(await guarded('plumbing', [], () => checkPlumbing(clients, expected, target, documents), checks)));
  checks.push(...(await guarded('cross-account', [], () => checkRemediationRoles(clients, { ...arnContext, caller: target.caller ?? `account ${target.account}` }), checks)));
  const crossAccount = expected.workloadAccount !== undefined && expected.workloadAccount !== target.account;
  const count = (status: CheckResult['status']): number => checks.filter((c) => c.status === status).length;
  return {
    environment: expected.environment,
    account: target.account,
    region: target.region,
    mode: crossAccount ? 'cross-account' : 'single-account',
    ...(crossAccount ? { workloadAccount: expected.workloadAccount } : {}),
    summary: { pass: count('PASS'), warn: count('WARN'), fail: count('FAIL') },
    checks,
  };
}

/** One line per check (PASS / WARN / FAIL), what to do under each WARN and FAIL, and the totals. */
export function renderPreflight(report: PreflightReport): string {
  const where = report.workloadAccount ? `, cross-account: workload ${report.workloadAccount}` : '';
  const lines = [`preflight ${report.environment} in account ${report.account}, ${report.region}${where} (read-only${report.workloadAccount ? ', plus sts:AssumeRole' : ''})`];
  for (const c of report.checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.area.padEnd(11)}  ${c.message}`);
    if (c.fix) lines.push(`${' '.repeat(19)}-> ${c.fix}`);
  }
  const { pass, warn, fail: failed } = report.summary;
  lines.push(`${pass} passed, ${warn} warnings, ${failed} failed`);
  return lines.join('\n');
}
