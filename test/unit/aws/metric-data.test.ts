// GetMetricData read to its end, and used only when complete: each answer below is a shape CloudWatch's own reference
// gives (sources per case). A series that is not Complete after the last page must never read as "no errors".
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_METRIC_DATA_PAGES, readMetricData } from '../../../shared/aws/metric-data';
import { PermanentError, TransientError } from '../../../shared/errors';

// Sources:
//  [R] CloudWatch API reference, MetricDataResult (docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html):
//      StatusCode Complete | InternalError | PartialData | Forbidden, Required: No; PartialData -> "use the NextToken value
//      that was returned and repeat your request"; "NextToken is not returned if you are performing a math expression";
//      InternalError -> "Retry your request using NextToken, if present"; the number of timestamps matches the values.
//  [G] CloudWatch API reference, GetMetricData (API_GetMetricData.html) and @aws-sdk/client-cloudwatch GetMetricDataInput:
//      ScanBy defaults to TimestampDescending ("returns the newest data first and paginates when the MaxDatapoints limit
//      is reached"); the output has NextToken and Messages.
//  [M] @aws-sdk/client-cloudwatch MessageData: "If a cross-Region GetMetricData operation fails with a code of Forbidden
//      and a value of Authentication too complex to retrieve cross region data ...".

const cloudWatch = mockClient(CloudWatchClient);
const window = { from: new Date('2024-03-05T09:45:00Z'), to: new Date('2024-03-05T10:01:00Z') };
const query = (Id: string, MetricName: string, ReturnData = true): MetricDataQuery => ({
  Id,
  MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName, Dimensions: [{ Name: 'FunctionName', Value: 'notification-service-consumer' }] }, Period: 60, Stat: 'Sum' },
  ReturnData,
});
const queries = [query('errors', 'Errors'), query('invocations', 'Invocations')];
const at = (minute: number) => new Date(Date.UTC(2024, 2, 5, 9, minute));
type Page = Partial<GetMetricDataCommandOutput>;

function answer(...pages: Page[]): void {
  cloudWatch.reset();
  const chain = cloudWatch.on(GetMetricDataCommand);
  pages.forEach((page) => chain.resolvesOnce(page));
}

beforeEach(() => cloudWatch.reset());

describe('readMetricData: a complete answer', () => {
  it.each<[string, Page[], Record<string, number[]>]>([
    [
      'one page, every series Complete, newest first as ScanBy TimestampDescending answers [R][G]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Label: 'Errors', Timestamps: [at(59), at(58)], Values: [3, 1], StatusCode: 'Complete' },
            { Id: 'invocations', Label: 'Invocations', Timestamps: [at(59), at(58)], Values: [300, 100], StatusCode: 'Complete' },
          ],
        },
      ],
      { errors: [1, 3], invocations: [100, 300] },
    ],
    [
      'PartialData with a NextToken, then the rest Complete: both pages read [R]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [at(59)], Values: [3], StatusCode: 'PartialData' },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'PartialData' },
          ],
          NextToken: 'page-2',
        },
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [at(58)], Values: [1], StatusCode: 'Complete' },
            { Id: 'invocations', Timestamps: [at(58)], Values: [100], StatusCode: 'Complete' },
          ],
        },
      ],
      { errors: [1, 3], invocations: [100, 300] },
    ],
    [
      'a series with no datapoints in the window, Complete: an empty series, not a failure [R]',
      [{ MetricDataResults: [{ Id: 'errors', Timestamps: [], Values: [], StatusCode: 'Complete' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'Complete' }] }],
      { errors: [], invocations: [] },
    ],
  ])('%s', async (_situation, pages, expected) => {
    answer(...pages);
    const read = await readMetricData(new CloudWatchClient({ region: 'us-east-1' }), queries, window);
    expect(Object.fromEntries([...read].map(([id, points]) => [id, points.values]))).toEqual(expected);
    expect(cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken)).toEqual(pages.map((_p, i) => (i === 0 ? undefined : pages[i - 1]?.NextToken)));
  });

  it('does not wait for a query whose data is not returned (ReturnData false)', async () => {
    answer({ MetricDataResults: [{ Id: 'errors', Timestamps: [at(59)], Values: [2], StatusCode: 'Complete' }] });
    const read = await readMetricData(new CloudWatchClient({ region: 'us-east-1' }), [query('errors', 'Errors'), query('invocations', 'Invocations', false)], window);
    expect([...read.keys()]).toEqual(['errors']);
  });
});

describe('readMetricData: an answer that is not complete is no reading', () => {
  it.each<[string, Page[], typeof PermanentError | typeof TransientError, RegExp]>([
    [
      'InternalError on a series, no NextToken: retried, never read as no errors [R]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [], Values: [], StatusCode: 'InternalError' },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
        },
      ],
      TransientError,
      /InternalError .*errors: InternalError/,
    ],
    [
      'Forbidden, with the Message CloudWatch documents for a cross-Region read [R][M]',
      [
        {
          MetricDataResults: [
            {
              Id: 'errors',
              Timestamps: [],
              Values: [],
              StatusCode: 'Forbidden',
              Messages: [{ Code: 'Forbidden', Value: 'Authentication too complex to retrieve cross region data' }],
            },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
        },
      ],
      PermanentError,
      /incomplete reading, not decided on: errors: Forbidden \(Forbidden: Authentication too complex to retrieve cross region data\)/,
    ],
    [
      'PartialData and no NextToken (as for a math expression) [R]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [at(59)], Values: [3], StatusCode: 'PartialData' },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
        },
      ],
      PermanentError,
      /errors: PartialData/,
    ],
    [
      'a series with no StatusCode (optional in the model) [R]',
      [{ MetricDataResults: [{ Id: 'errors', Timestamps: [at(59)], Values: [3] }, { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' }] }],
      PermanentError,
      /errors: no StatusCode/,
    ],
    [
      'a query with no result in the answer [G]',
      [{ MetricDataResults: [{ Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' }] }],
      PermanentError,
      /errors: no result in the answer/,
    ],
    [
      'more values than timestamps, which the reference says never happens [R]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [at(59)], Values: [3, 4], StatusCode: 'Complete' },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
        },
      ],
      PermanentError,
      /errors: 2 values for 1 timestamps/,
    ],
    [
      'a NextToken answered twice: the pages do not end [G]',
      [
        { MetricDataResults: [{ Id: 'errors', Timestamps: [], Values: [], StatusCode: 'PartialData' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'PartialData' }], NextToken: 'same' },
        { MetricDataResults: [{ Id: 'errors', Timestamps: [], Values: [], StatusCode: 'PartialData' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'PartialData' }], NextToken: 'same' },
      ],
      PermanentError,
      /did not come to an end \(a NextToken answered twice\)/,
    ],
    [
      'Complete on page 1, Forbidden on the last page: the later, worse status holds [R]',
      [
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(59)], Values: [1], StatusCode: 'Complete' }, { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' }], NextToken: 'page-2' },
        { MetricDataResults: [{ Id: 'errors', Timestamps: [], Values: [], StatusCode: 'Forbidden' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'Complete' }] },
      ],
      PermanentError,
      /incomplete reading, not decided on: errors: Forbidden/,
    ],
    [
      'Forbidden on page 1, Complete on the last page: Forbidden, once seen, stays [R][M]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [], Values: [], StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'Authentication too complex to retrieve cross region data' }] },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
          NextToken: 'page-2',
        },
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(58)], Values: [0], StatusCode: 'Complete' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'Complete' }] },
      ],
      PermanentError,
      /incomplete reading, not decided on: errors: Forbidden \(Forbidden: Authentication too complex/,
    ],
    [
      'InternalError on page 1 (with a NextToken), Complete on the last page: nothing says page 2 re-serves the lost points, retried [R]',
      [
        { MetricDataResults: [{ Id: 'errors', Timestamps: [], Values: [], StatusCode: 'InternalError' }, { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' }], NextToken: 'page-2' },
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(58)], Values: [2], StatusCode: 'Complete' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'Complete' }] },
      ],
      TransientError,
      /answered InternalError .*errors: InternalError/,
    ],
    [
      'no StatusCode on page 1, Complete on the last page: the unknown status stays [R]',
      [
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(59)], Values: [3] }, { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' }], NextToken: 'page-2' },
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(58)], Values: [1], StatusCode: 'Complete' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'Complete' }] },
      ],
      PermanentError,
      /errors: no StatusCode/,
    ],
    [
      'one page holding the same Id twice, Forbidden then Complete: refused, not read as the Complete one [R]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [], Values: [], StatusCode: 'Forbidden' },
            { Id: 'errors', Timestamps: [at(59)], Values: [0], StatusCode: 'Complete' },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
        },
      ],
      PermanentError,
      /errors: two results on one page/,
    ],
    [
      'one page holding the same Id twice, both Complete: refused, the points would be summed twice [R]',
      [
        {
          MetricDataResults: [
            { Id: 'errors', Timestamps: [at(59)], Values: [3], StatusCode: 'Complete' },
            { Id: 'errors', Timestamps: [at(58)], Values: [1], StatusCode: 'Complete' },
            { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'Complete' },
          ],
        },
      ],
      PermanentError,
      /errors: two results on one page/,
    ],
    [
      'the same timestamp of a series on two pages: refused, not summed twice [R]',
      [
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(59)], Values: [3], StatusCode: 'PartialData' }, { Id: 'invocations', Timestamps: [at(59)], Values: [300], StatusCode: 'PartialData' }], NextToken: 'page-2' },
        { MetricDataResults: [{ Id: 'errors', Timestamps: [at(59)], Values: [3], StatusCode: 'Complete' }, { Id: 'invocations', Timestamps: [at(58)], Values: [100], StatusCode: 'Complete' }] },
      ],
      PermanentError,
      /errors: the point at 2024-03-05T09:59:00.000Z answered twice/,
    ],
  ])('%s', async (_situation, pages, errorClass, message) => {
    answer(...pages);
    const read = readMetricData(new CloudWatchClient({ region: 'us-east-1' }), queries, window);
    await expect(read).rejects.toBeInstanceOf(errorClass);
    await expect(read).rejects.toThrow(message);
  });

  it('stops after exactly 20 pages when every page carries a fresh NextToken: the pages do not end [G]', async () => {
    let page = 0;
    cloudWatch.on(GetMetricDataCommand).callsFake(() => {
      page += 1;
      return {
        MetricDataResults: [
          { Id: 'errors', Timestamps: [], Values: [], StatusCode: 'PartialData' },
          { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'PartialData' },
        ],
        // A fresh token every time; the fake itself stops at 50 so a reader without the bound fails instead of hanging.
        ...(page < 50 ? { NextToken: `page-${page + 1}` } : {}),
      };
    });
    const read = readMetricData(new CloudWatchClient({ region: 'us-east-1' }), queries, window);
    await expect(read).rejects.toBeInstanceOf(PermanentError);
    await expect(read).rejects.toThrow(/did not come to an end \(more than 20 pages\)/);
    expect(MAX_METRIC_DATA_PAGES).toBe(20);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(20);
  });

  it('names the Messages of the answer itself too [G]', async () => {
    answer({
      MetricDataResults: [{ Id: 'errors', Timestamps: [], Values: [], StatusCode: 'Forbidden' }, { Id: 'invocations', Timestamps: [], Values: [], StatusCode: 'Complete' }],
      Messages: [{ Code: 'Forbidden', Value: 'Authentication too complex to retrieve cross region data' }],
    });
    await expect(readMetricData(new CloudWatchClient({ region: 'us-east-1' }), queries, window)).rejects.toThrow(/errors: Forbidden \(Forbidden: Authentication too complex/);
  });
});
