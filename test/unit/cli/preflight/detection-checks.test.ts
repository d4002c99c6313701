// Preflight's metric filter checks against a mocked CloudWatch Logs: each filter infra creates read back and compared
// (review 11a finding 3: both filters deleted, and preflight was all PASS).
import { CloudWatchLogsClient, DescribeMetricFiltersCommand, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { checkMetricFilters, metricFilterDifferences } from '../../../../cli/preflight/detection-checks';
import { OUT_OF_MEMORY_FILTER_PATTERN } from '../../../../shared/config/alarm-specs';
import { awsError, clients, expectationsFor, expectationsIn } from './support';

const logs = mockClient(CloudWatchLogsClient);
const expected = expectationsFor('production');

/** The two filters as infra's WatchedAlarms deploys them (written out here, not from the code under test). */
const OOM: MetricFilter = {
  filterName: 'notification-service-consumer-out-of-memory',
  logGroupName: '/aws/lambda/notification-service-consumer',
  filterPattern: '?"JavaScript heap out of memory" ?"Runtime.OutOfMemory" ?"signal: killed" ?"Allowed memory size of"',
  metricTransformations: [{ metricNamespace: 'NotificationService', metricName: 'OutOfMemoryErrors', metricValue: '1' }],
};
const API_504: MetricFilter = {
  filterName: 'notification-service-api-504',
  logGroupName: '/aws/apigateway/notification-service-api/access',
  filterPattern: '{ $.status = 504 }',
  metricTransformations: [{ metricNamespace: 'NotificationService', metricName: 'Api504Errors', metricValue: '1', dimensions: { ApiName: '$.apiName' } }],
};

/** DescribeMetricFilters answering from `groups` (log group -> its filters; absent: no such group), by prefix as AWS does. */
function deployed(groups: Record<string, MetricFilter[]>): void {
  logs.reset();
  logs.on(DescribeMetricFiltersCommand).callsFake((input: { logGroupName: string; filterNamePrefix?: string }) => {
    const filters = groups[input.logGroupName];
    if (!filters) throw awsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return { metricFilters: filters.filter((f) => (f.filterName ?? '').startsWith(input.filterNamePrefix ?? '')) };
  });
}
const asDeployed = (): Record<string, MetricFilter[]> => ({ [OOM.logGroupName ?? '']: [OOM], [API_504.logGroupName ?? '']: [API_504] });
const run = async (): Promise<Array<[string, string, string]>> => (await checkMetricFilters(clients(), expected)).map((r) => [r.status, r.subject, r.message]);

it('expects the OOM filter on the consumer and the 504 filter on the API access log in production us-east-1, and in us-west-2 those of the rows watched there', () => {
  expect(expected.metricFilters.map((f) => [f.rowId, f.logGroupName, f.filterName])).toEqual([
    ['memory-pressure', '/aws/lambda/notification-service-consumer', 'notification-service-consumer-out-of-memory'],
    ['connection-timeout', '/aws/apigateway/notification-service-api/access', 'notification-service-api-504'],
  ]);
  expect(OOM.filterPattern).toBe(OUT_OF_MEMORY_FILTER_PATTERN);
  // The DR region's rows (its alarms) decide: the filters there are those of the rows it watches.
  const dr = expectationsIn('production', 'us-west-2');
  const drRows = new Set(dr.alarms.map((a) => a.rowId));
  expect(dr.metricFilters.map((f) => f.rowId)).toEqual(['memory-pressure', 'connection-timeout'].filter((row) => drRows.has(row)));
});

it('both filters as deployed: PASS, each read by its own log group and name', async () => {
  deployed(asDeployed());
  expect(await run()).toEqual([
    ['PASS', `${OOM.logGroupName} ${OOM.filterName}`, `metric filter ${OOM.filterName} on ${OOM.logGroupName} counts out-of-memory errors as NotificationService/OutOfMemoryErrors, as deployed`],
    ['PASS', `${API_504.logGroupName} ${API_504.filterName}`, `metric filter ${API_504.filterName} on ${API_504.logGroupName} counts 504s as NotificationService/Api504Errors, as deployed`],
  ]);
  expect(logs.commandCalls(DescribeMetricFiltersCommand).map((c) => c.args[0].input)).toEqual([
    { logGroupName: OOM.logGroupName, filterNamePrefix: OOM.filterName },
    { logGroupName: API_504.logGroupName, filterNamePrefix: API_504.filterName },
  ]);
});

it('a deleted filter is a FAIL naming the row that goes undetected and its alarm', async () => {
  deployed({ ...asDeployed(), [API_504.logGroupName ?? '']: [] });
  const failed = (await run()).filter(([status]) => status !== 'PASS');
  expect(failed).toEqual([
    [
      'FAIL',
      `${API_504.logGroupName} ${API_504.filterName}`,
      `metric filter ${API_504.filterName} on ${API_504.logGroupName} does not exist: connection-timeout goes undetected: "NotificationService API 504 Errors > 0 (notification-service-api)" counts 504s only through this filter and treats missing data as not breaching, so it stays OK`,
    ],
  ]);
});

it('a filter of a longer name sharing the prefix is not the filter', async () => {
  deployed({ ...asDeployed(), [OOM.logGroupName ?? '']: [{ ...OOM, filterName: `${OOM.filterName}-old` }] });
  expect((await run()).filter(([status]) => status !== 'PASS').map(([, subject, message]) => [subject, message.split(':')[0]])).toEqual([
    [`${OOM.logGroupName} ${OOM.filterName}`, `metric filter ${OOM.filterName} on ${OOM.logGroupName} does not exist`],
  ]);
});

it('a missing log group is a FAIL saying so', async () => {
  deployed({ [API_504.logGroupName ?? '']: [API_504] });
  const [first] = await run();
  expect(first?.[0]).toBe('FAIL');
  expect(first?.[2]).toMatch(/^log group \/aws\/lambda\/notification-service-consumer does not exist, so neither does metric filter notification-service-consumer-out-of-memory: memory-pressure goes undetected/);
});

it.each<[string, MetricFilter, string]>([
  ['another pattern', { ...API_504, filterPattern: '{ $.status = 502 }' }, 'pattern "{ $.status = 502 }", expected "{ $.status = 504 }"'],
  ['another metric', { ...API_504, metricTransformations: [{ ...API_504.metricTransformations![0]!, metricName: 'Api5xx' }] }, 'metric "NotificationService/Api5xx", expected "NotificationService/Api504Errors"'],
  ['another value', { ...API_504, metricTransformations: [{ ...API_504.metricTransformations![0]!, metricValue: '0' }] }, 'metric value "0", expected "1"'],
  ['no ApiName dimension (the alarm watches the metric by ApiName)', { ...API_504, metricTransformations: [{ ...API_504.metricTransformations![0]!, dimensions: {} }] }, 'dimensions {}, expected {"ApiName":"$.apiName"}'],
  ['no transformation', { ...API_504, metricTransformations: [] }, '0 metric transformations, expected 1 (NotificationService/Api504Errors)'],
])('an altered filter (%s) is a FAIL naming what differs', async (_case, altered, difference) => {
  deployed({ ...asDeployed(), [API_504.logGroupName ?? '']: [altered] });
  const failed = (await run()).filter(([status]) => status !== 'PASS');
  expect(failed).toHaveLength(1);
  expect(failed[0]?.[2]).toContain(`metric filter ${API_504.filterName} on ${API_504.logGroupName}: ${difference}: connection-timeout goes undetected`);
});

it('compares dimensions whatever their order, and the deployed filters have no difference', () => {
  const spec = expected.metricFilters[1]!;
  expect(metricFilterDifferences(API_504, spec)).toEqual([]);
  expect(metricFilterDifferences(OOM, expected.metricFilters[0]!)).toEqual([]);
});

it('AccessDenied on one filter is a FAIL naming logs:DescribeMetricFilters; the other still checked', async () => {
  deployed(asDeployed());
  logs.on(DescribeMetricFiltersCommand, { logGroupName: OOM.logGroupName }).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: logs:DescribeMetricFilters'));
  const results = await checkMetricFilters(clients(), expected);
  expect(results.map((r) => `${r.status} ${r.check} ${r.subject}`)).toEqual([
    `FAIL could-not-check metric filter ${OOM.filterName}`,
    `PASS metric-filter ${API_504.logGroupName} ${API_504.filterName}`,
  ]);
  expect(results[0]?.message).toBe(`could not check metric filter ${OOM.filterName}: AccessDeniedException: preflight is not allowed logs:DescribeMetricFilters`);
});
