// The gap proxy's GetMetricData rewrites (sandbox/metric-data-faults.ts) on moto's own answer, read back through the
// project's one GetMetricData reader (shared/aws/metric-data.ts) as the handlers read it.
import type { GetMetricDataCommandOutput, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { readMetricData } from '../../../shared/aws/metric-data';
import { PermanentError, TransientError } from '../../../shared/errors';
import { metricDataFaultSchema, rewriteMetricData, SANDBOX_TOKEN_PREFIX, type MetricDataAnswerJson } from '../../../sandbox/metric-data-faults';

// moto 5.2.1's AWS JSON 1.0 answer to the scale-consumers query, as the proxy receives it (newest first, one page).
const moto: MetricDataAnswerJson = {
  MetricDataResults: [
    { Id: 'errors0', Label: 'Errors Sum', Timestamps: ['2026-12-06T07:28:00.000Z', '2026-12-06T07:27:00.000Z', '2026-12-06T07:26:00.000Z', '2026-12-06T07:25:00.000Z'], Values: [0, 0, 60, 40], StatusCode: 'Complete' },
    { Id: 'invocations0', Label: 'Invocations Sum', Timestamps: ['2026-12-06T07:28:00.000Z', '2026-12-06T07:27:00.000Z', '2026-12-06T07:26:00.000Z'], Values: [100, 100, 100], StatusCode: 'Complete' },
  ],
  Messages: [],
};
const queries: MetricDataQuery[] = ['errors0', 'invocations0'].map((Id) => ({ Id, MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: Id }, Period: 60, Stat: 'Sum' }, ReturnData: true }));
const window = { from: new Date('2026-12-06T07:24:00.000Z'), to: new Date('2026-12-06T07:29:00.000Z') };
const TOKEN = `${SANDBOX_TOKEN_PREFIX}t1`;

/** An answer page as the SDK hands it over: JSON timestamps read into Dates. */
function asSdk(page: MetricDataAnswerJson): GetMetricDataCommandOutput {
  const results = (page.MetricDataResults ?? []).map((r) => ({ ...r, Timestamps: (r.Timestamps ?? []).map((t) => new Date(t)) }) as MetricDataResult);
  return { $metadata: {}, MetricDataResults: results, ...(typeof page.NextToken === 'string' ? { NextToken: page.NextToken } : {}) };
}

/** readMetricData against pages by token: `first` for the first request, `byToken` for the ones naming a token. */
function read(first: MetricDataAnswerJson, byToken: Record<string, MetricDataAnswerJson> = {}) {
  const tokens: Array<string | undefined> = [];
  const cloudWatch = {
    send: async (command: { input: { NextToken?: string } }) => {
      tokens.push(command.input.NextToken);
      const page = command.input.NextToken === undefined ? first : byToken[command.input.NextToken];
      if (!page) throw new Error(`no page for ${command.input.NextToken}`);
      return asSdk(page);
    },
  } as unknown as Parameters<typeof readMetricData>[0];
  return { result: readMetricData(cloudWatch, queries, window), tokens };
}

describe('rewriteMetricData', () => {
  it('splits the named series over two pages: the newer half PartialData with a NextToken, the rest Complete', () => {
    const rewritten = rewriteMetricData(moto, { status: 'PartialData', ids: ['errors0'] }, TOKEN);
    expect(rewritten?.page.NextToken).toBe(TOKEN);
    expect(rewritten?.page.MetricDataResults).toEqual([
      expect.objectContaining({ Id: 'errors0', StatusCode: 'PartialData', Timestamps: ['2026-12-06T07:28:00.000Z', '2026-12-06T07:27:00.000Z'], Values: [0, 0] }),
      moto.MetricDataResults?.[1],
    ]);
    expect(rewritten?.rest?.MetricDataResults).toEqual([
      expect.objectContaining({ Id: 'errors0', StatusCode: 'Complete', Timestamps: ['2026-12-06T07:26:00.000Z', '2026-12-06T07:25:00.000Z'], Values: [60, 40] }),
    ]);
  });

  it('gives, read over both pages, the same series as the single page moto answered', async () => {
    const rewritten = rewriteMetricData(moto, { status: 'PartialData' }, TOKEN);
    if (!rewritten?.rest) throw new Error('expected two pages');
    const paged = read(rewritten.page, { [TOKEN]: rewritten.rest });
    const whole = read(moto);
    expect(await paged.result).toEqual(await whole.result);
    expect(paged.tokens).toEqual([undefined, TOKEN]);
    expect(whole.tokens).toEqual([undefined]);
  });

  it('is no reading when the next page is not read: the first page alone stays PartialData', async () => {
    const rewritten = rewriteMetricData(moto, { status: 'PartialData', ids: ['errors0'] }, TOKEN);
    if (!rewritten) throw new Error('expected a rewrite');
    await expect(read({ ...rewritten.page, NextToken: undefined }).result).rejects.toThrow(/errors0: PartialData/);
  });

  it.each([
    ['Forbidden', PermanentError, /errors0: Forbidden \(Forbidden: Authentication too complex to retrieve cross region data\)/],
    ['InternalError', TransientError, /errors0: InternalError/],
  ] as const)('answers the named series %s with no points, which the reader refuses', async (status, kind, message) => {
    const rewritten = rewriteMetricData(moto, { status, ids: ['errors0'] }, TOKEN);
    expect(rewritten?.rest).toBeUndefined();
    expect(rewritten?.page.NextToken).toBeUndefined();
    expect(rewritten?.page.MetricDataResults?.[0]).toMatchObject({ Id: 'errors0', StatusCode: status, Values: [], Timestamps: [] });
    expect(rewritten?.page.MetricDataResults?.[1]).toEqual(moto.MetricDataResults?.[1]);
    const outcome = read(rewritten?.page ?? moto).result;
    await expect(outcome).rejects.toBeInstanceOf(kind);
    await expect(outcome).rejects.toThrow(message);
  });

  it('leaves an answer alone when the rule names none of its series (the rule is not used up)', () => {
    expect(rewriteMetricData(moto, { status: 'Forbidden', ids: ['throttles0'] }, TOKEN)).toBeUndefined();
  });

  it('takes only rules it can apply', () => {
    expect(metricDataFaultSchema.safeParse({ status: 'PartialData', times: 1 }).success).toBe(true);
    expect(metricDataFaultSchema.safeParse({ status: 'Complete', times: 1 }).success).toBe(false);
    expect(metricDataFaultSchema.safeParse({ status: 'Forbidden', times: 0 }).success).toBe(false);
    expect(metricDataFaultSchema.safeParse({ status: 'Forbidden', times: 1, ids: [] }).success).toBe(false);
  });
});
