// readWindowMetrics: every row's health reading, before and after a change, for verify-change. A series CloudWatch could
// not give whole must fail the reading: a figure read as null finds no rise, and verify-change would keep the change as
// "verified healthy" on missing data (review-9 F2, decision 132).
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { PermanentError } from '../../../shared/errors';
import { readWindowMetrics, type WindowMetric } from '../../../shared/playbooks/metric-window';

// Source: [R] CloudWatch API reference, MetricDataResult: StatusCode Complete | InternalError | PartialData | Forbidden;
// PartialData without a NextToken (as for a math expression) is all there is; the SDK's MessageData documents Forbidden
// with "Authentication too complex to retrieve cross region data".

const cloudWatch = mockClient(CloudWatchClient);
const window = { from: new Date('2024-03-05T09:50:00Z'), to: new Date('2024-03-05T10:00:00Z') };
const dimensions = { FunctionName: 'notification-service-consumer' };
const metrics: WindowMetric[] = [
  { figure: 'errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, stat: 'Sum' },
  { figure: 'invocations', namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions, stat: 'Sum' },
];
const at = (minute: number) => new Date(Date.UTC(2024, 2, 5, 9, minute));
const invocations: MetricDataResult = { Id: 'm1', Timestamps: [at(59), at(58)], Values: [300, 100], StatusCode: 'Complete' };

beforeEach(() => cloudWatch.reset());

describe('readWindowMetrics', () => {
  it('sums each complete series over the window, and a complete series with no points is null (no traffic)', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Complete' }, invocations] });
    const reading = await readWindowMetrics(new CloudWatchClient({ region: 'us-east-1' }), metrics, window);
    expect(reading).toEqual({ from: '2024-03-05T09:50:00.000Z', to: '2024-03-05T10:00:00.000Z', figures: { errors: null, invocations: 400 } });
  });

  it.each<[string, MetricDataResult, RegExp]>([
    [
      'Errors answered Forbidden, with the cross-Region message [R]',
      { Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'Authentication too complex to retrieve cross region data' }] },
      /incomplete reading, not decided on: m0: Forbidden \(Forbidden: Authentication too complex/,
    ],
    ['Errors answered PartialData with no NextToken [R]', { Id: 'm0', Timestamps: [at(59)], Values: [1], StatusCode: 'PartialData' }, /incomplete reading, not decided on: m0: PartialData/],
  ])('fails the reading, never a null "no errors" figure, when %s', async (_situation, errors, message) => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [errors, invocations] });
    const reading = readWindowMetrics(new CloudWatchClient({ region: 'us-east-1' }), metrics, window);
    await expect(reading).rejects.toBeInstanceOf(PermanentError);
    await expect(reading).rejects.toThrow(message);
  });
});
