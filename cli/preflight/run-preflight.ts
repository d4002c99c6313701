// Runs every preflight check against one account and region, read-only; a check that cannot read what it needs fails, naming why.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { checkAlarms, checkRouting } from './alarm-checks';
import type { PreflightExpectations } from './expectations';
import { checkHandlers, checkRolePermissions, type LiveHandler } from './handler-checks';
import { checkPlumbing, type ExpectedDocument } from './plumbing-checks';
import { checkResources, type DiscoveredResources } from './resource-checks';
import { awsErrorName, fail, type CheckArea, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

export interface PreflightReport {
  environment: string;
  account: string;
  region: string;
  summary: { pass: number; warn: number; fail: number };
  checks: CheckResult[];
}

/** An area whose reads failed (denied, throttled past retries, unreachable) is a FAIL naming the error: never a PASS. */
async function guarded<T>(area: CheckArea, fallback: T, run: () => Promise<T>, sink: CheckResult[]): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const name = awsErrorName(error) ?? 'Error';
    const denied = /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized/i.test(name);
    sink.push(
      fail(
        area,
        'could-not-check',
        area,
        `could not check ${area}: ${name}: ${(error as Error).message}`,
        denied ? 'preflight needs read access to it (Describe*/Get*/List*, iam:SimulatePrincipalPolicy, events:TestEventPattern)' : 'retry; if it persists, check the credentials and the region',
      ),
    );
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
  const count = (status: CheckResult['status']): number => checks.filter((c) => c.status === status).length;
  return {
    environment: expected.environment,
    account: target.account,
    region: target.region,
    summary: { pass: count('PASS'), warn: count('WARN'), fail: count('FAIL') },
    checks,
  };
}

/** One line per check (PASS / WARN / FAIL), what to do under each WARN and FAIL, and the totals. */
export function renderPreflight(report: PreflightReport): string {
  const lines = [`preflight ${report.environment} in account ${report.account}, ${report.region} (read-only)`];
  for (const c of report.checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.area.padEnd(11)}  ${c.message}`);
    if (c.fix) lines.push(`${' '.repeat(19)}-> ${c.fix}`);
  }
  const { pass, warn, fail: failed } = report.summary;
  lines.push(`${pass} passed, ${warn} warnings, ${failed} failed`);
  return lines.join('\n');
}
