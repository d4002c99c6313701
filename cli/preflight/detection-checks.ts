// Preflight: the log metric filters Memory Pressure and Connection Timeout are detected through. Their alarms treat
// missing data as not breaching, so with a filter deleted or altered the alarm sits in OK forever and nobody is paged
// (review 11a, finding 3). Each filter infra creates (metricFilterSpecs) is read back with DescribeMetricFilters and
// compared: name, pattern, and the metric it publishes (namespace, name, value, dimensions).
import { DescribeMetricFiltersCommand, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import type { MetricFilterSpec } from '../../shared/config/alarm-specs';
import type { PreflightExpectations } from './expectations';
import { awsErrorName, fail, guardedCheck, pass, type CheckResult, type PreflightClients } from './types';

const REDEPLOY = 'deploy the runbook stack (npx cdk deploy -c environment=<env>): it creates the filter';

/** The read-only action the check calls (named in its FAIL when AWS refuses it). */
export const METRIC_FILTER_ACTIONS = ['logs:DescribeMetricFilters'] as const;

/** Pure: the differences between a live filter and its spec, each in words ("pattern ..., expected ..."). */
export function metricFilterDifferences(live: MetricFilter, spec: MetricFilterSpec): string[] {
  const d: string[] = [];
  const compare = (what: string, have: unknown, want: unknown): void => {
    if (have !== want) d.push(`${what} ${have === undefined ? 'unset' : JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
  };
  compare('pattern', live.filterPattern, spec.pattern);
  const transformations = live.metricTransformations ?? [];
  if (transformations.length !== 1) {
    d.push(`${transformations.length} metric transformations, expected 1 (${spec.namespace}/${spec.metricName})`);
    return d;
  }
  const [t] = transformations;
  compare('metric', `${t?.metricNamespace ?? '?'}/${t?.metricName ?? '?'}`, `${spec.namespace}/${spec.metricName}`);
  compare('metric value', t?.metricValue, spec.metricValue);
  const have = JSON.stringify(Object.entries(t?.dimensions ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  const want = JSON.stringify(Object.entries(spec.dimensions ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  if (have !== want) d.push(`dimensions ${JSON.stringify(t?.dimensions ?? {})}, expected ${JSON.stringify(spec.dimensions ?? {})}`);
  return d;
}

/** Every filter named `spec.filterName` on its log group (DescribeMetricFilters by prefix, every page), or the group is missing. */
async function readFilter(clients: PreflightClients, spec: MetricFilterSpec): Promise<{ filter?: MetricFilter; groupMissing: boolean }> {
  let nextToken: string | undefined;
  try {
    do {
      const page = await clients.logs.send(new DescribeMetricFiltersCommand({ logGroupName: spec.logGroupName, filterNamePrefix: spec.filterName, ...(nextToken ? { nextToken } : {}) }));
      const found = (page.metricFilters ?? []).find((f) => f.filterName === spec.filterName);
      if (found) return { filter: found, groupMissing: false };
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return { groupMissing: true };
    throw error;
  }
  return { groupMissing: false };
}

async function checkMetricFilter(clients: PreflightClients, spec: MetricFilterSpec, alarmNames: readonly string[]): Promise<CheckResult> {
  const subject = `${spec.logGroupName} ${spec.filterName}`;
  const what = spec.rowId === 'memory-pressure' ? 'out-of-memory errors' : '504s';
  const silent = `${spec.rowId} goes undetected: ${alarmNames.map((a) => `"${a}"`).join(', ') || 'its alarm'} counts ${what} only through this filter and treats missing data as not breaching, so it stays OK`;
  const { filter, groupMissing } = await readFilter(clients, spec);
  if (groupMissing) {
    return fail('alarms', 'metric-filter', subject, `log group ${spec.logGroupName} does not exist, so neither does metric filter ${spec.filterName}: ${silent}`, `create the log group (the service's stack owns it), then ${REDEPLOY}`);
  }
  if (!filter) return fail('alarms', 'metric-filter', subject, `metric filter ${spec.filterName} on ${spec.logGroupName} does not exist: ${silent}`, REDEPLOY);
  const differences = metricFilterDifferences(filter, spec);
  if (differences.length > 0) {
    return fail('alarms', 'metric-filter', subject, `metric filter ${spec.filterName} on ${spec.logGroupName}: ${differences.join('; ')}: ${silent}`, `${REDEPLOY}; a change made by hand is overwritten there too`);
  }
  return pass('alarms', 'metric-filter', subject, `metric filter ${spec.filterName} on ${spec.logGroupName} counts ${what} as ${spec.namespace}/${spec.metricName}, as deployed`);
}

/** Each filter guarded on its own: a read AWS refuses is a FAIL naming logs:DescribeMetricFilters, and the others still run. */
export async function checkMetricFilters(clients: PreflightClients, expected: PreflightExpectations): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const spec of expected.metricFilters) {
    const alarmNames = expected.alarms.filter((a) => a.rowId === spec.rowId).map((a) => a.name);
    results.push(...(await guardedCheck('alarms', `metric filter ${spec.filterName}`, METRIC_FILTER_ACTIONS, () => checkMetricFilter(clients, spec, alarmNames))));
  }
  return results;
}
