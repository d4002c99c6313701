// Reads one GetMetricData request to its last page and gives its series only when CloudWatch says each is complete.
//
// CloudWatch API reference, MetricDataResult: StatusCode is optional and one of Complete | InternalError | PartialData |
// Forbidden. "Complete indicates that all data points in the requested time range were returned. PartialData means that
// an incomplete set of data points were returned. You can use the NextToken value that was returned and repeat your
// request to get more data points. [...] InternalError indicates that an error occurred. Retry your request using
// NextToken, if present." GetMetricData answers a page at a time (NextToken, MaxDatapoints 100,800 by default) and can
// carry Messages, on the answer and on each result. A series that is not Complete after the last page is no reading:
// its missing points would read as "no errors" or "no load", so the read fails (fail closed) instead of deciding on it.
import { GetMetricDataCommand, type CloudWatchClient, type MessageData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { PermanentError, TransientError } from '../errors';
import { callAws } from './classify-error';

/** One series, oldest point first. */
export interface MetricPoints {
  timestamps: Date[];
  values: number[];
}

/** Pages read at most: each page holds up to 100,800 datapoints, far beyond any window a playbook reads. */
export const MAX_METRIC_DATA_PAGES = 20;

function describeMessages(messages: readonly MessageData[] | undefined): string {
  const text = (messages ?? []).map((m) => [m.Code, m.Value].filter((part) => part !== undefined && part !== '').join(': ')).filter((t) => t !== '');
  return text.length > 0 ? ` (${text.join('; ').replace(/\s+/g, ' ').slice(0, 300)})` : '';
}

/**
 * Every page of one GetMetricData request; the series of each query whose data is returned (ReturnData not false), by Id.
 * Throws TransientError when CloudWatch answered InternalError for a series on any page (its own advice: retry),
 * PermanentError when a series is Forbidden on any page, still PartialData after the last page, has no StatusCode on
 * some page or no result at all, has two results on one page or a point answered twice, or the pages do not end;
 * CloudWatch's Messages are named in the error.
 */
export async function readMetricData(
  cloudWatch: Pick<CloudWatchClient, 'send'>,
  queries: readonly MetricDataQuery[],
  window: { from: Date; to: Date },
): Promise<Map<string, MetricPoints>> {
  const wanted = queries.filter((q) => q.ReturnData !== false).flatMap((q) => (q.Id !== undefined ? [q.Id] : []));
  const points = new Map<string, Array<{ at: number; value: number }>>();
  const times = new Map<string, Set<number>>();
  const status = new Map<string, { code: string | undefined; messages: MessageData[] | undefined }>();
  const answerMessages: MessageData[] = [];
  const malformed: string[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  let pages = 0;
  do {
    if (nextToken !== undefined) {
      if (seen.has(nextToken) || pages >= MAX_METRIC_DATA_PAGES) {
        throw new PermanentError(`CloudWatch GetMetricData did not come to an end (${seen.has(nextToken) ? 'a NextToken answered twice' : `more than ${MAX_METRIC_DATA_PAGES} pages`}): no reading`);
      }
      seen.add(nextToken);
    }
    const token = nextToken;
    const page = await callAws('CloudWatch GetMetricData', () =>
      cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: [...queries], StartTime: window.from, EndTime: window.to, ...(token !== undefined ? { NextToken: token } : {}) })),
    );
    pages += 1;
    answerMessages.push(...(page.Messages ?? []));
    const onThisPage = new Set<string>();
    for (const result of page.MetricDataResults ?? []) {
      const id = result.Id ?? '';
      // One result per query on a page: a second one would say two different things about one series.
      if (onThisPage.has(id)) malformed.push(`${id}: two results on one page`);
      onThisPage.add(id);
      const list = points.get(id) ?? [];
      const at = times.get(id) ?? new Set<number>();
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      values.forEach((value, i) => {
        const when = timestamps[i];
        if (when === undefined) return;
        // A point served twice would be counted twice (errors summed double): the answer is no reading.
        if (at.has(when.getTime())) malformed.push(`${id}: the point at ${when.toISOString()} answered twice`);
        at.add(when.getTime());
        list.push({ at: when.getTime(), value });
      });
      points.set(id, list);
      times.set(id, at);
      // "The number of timestamps always matches the number of values": an answer where it does not is no reading.
      if (timestamps.length !== values.length) malformed.push(`${id}: ${values.length} values for ${timestamps.length} timestamps`);
      // PartialData then Complete is complete (more points came with NextToken), and a later non-Complete status
      // overturns an earlier Complete. Forbidden, InternalError or no StatusCode, once seen, stay: nothing documents
      // that a later page re-serves the points such a page lacked, so a later Complete does not make the series whole.
      const before = status.get(id);
      if (before === undefined || before.code === 'PartialData' || before.code === 'Complete') {
        status.set(id, { code: result.StatusCode, messages: result.Messages });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== '');

  const failed: string[] = [...malformed];
  const retry: string[] = [];
  for (const id of wanted) {
    const read = status.get(id);
    if (read === undefined) {
      failed.push(`${id}: no result in the answer`);
    } else if (read.code === 'InternalError') {
      retry.push(`${id}: InternalError${describeMessages(read.messages)}`);
    } else if (read.code !== 'Complete') {
      failed.push(`${id}: ${read.code ?? 'no StatusCode'}${describeMessages(read.messages)}`);
    }
  }
  const context = `${describeMessages(answerMessages)}`;
  if (failed.length > 0) {
    throw new PermanentError(`CloudWatch GetMetricData gave an incomplete reading, not decided on: ${[...failed, ...retry].join('; ')}${context}`);
  }
  if (retry.length > 0) throw new TransientError(`CloudWatch GetMetricData answered InternalError (CloudWatch: retry the request): ${retry.join('; ')}${context}`);

  const series = new Map<string, MetricPoints>();
  for (const id of wanted) {
    const list = [...(points.get(id) ?? [])].sort((a, b) => a.at - b.at);
    series.set(id, { timestamps: list.map((p) => new Date(p.at)), values: list.map((p) => p.value) });
  }
  return series;
}
