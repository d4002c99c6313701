// GetMetricData answers CloudWatch gives and moto never does, for the gap proxy's fault injection (decision 148).
// moto 5.2.1 answers every query `Complete`, on one page. CloudWatch's API reference (MetricDataResult.StatusCode:
// Complete | InternalError | PartialData | Forbidden) also answers PartialData, "an incomplete set of data points were
// returned. You can use the NextToken value that was returned and repeat your request to get more data points", and a
// series InternalError or Forbidden (the SDK's MessageData example: "Authentication too complex to retrieve cross region
// data"). A rule turns moto's whole answer into one of those, in AWS JSON 1.0 (the wire protocol of the installed SDK's
// CloudWatch client): the request still reaches moto, only its answer is rewritten.
import { z } from 'zod';

export const metricDataFaultSchema = z
  .object({
    /** Limit the rule to one account, so concurrent test files on the shared proxy do not see it. */
    accountId: z.string().regex(/^\d{12}$/).optional(),
    /**
     * PartialData: the named series' points split over two pages, the newer half first with `PartialData` and a
     * NextToken, the rest on the next page, `Complete`. Forbidden / InternalError: the named series answered with that
     * status, no points, and a message saying so.
     */
    status: z.enum(['PartialData', 'Forbidden', 'InternalError']),
    /** The query Ids (MetricDataQuery.Id) the rule rewrites; absent: every series of the answer. */
    ids: z.array(z.string().min(1)).min(1).optional(),
    /** Rewrite the first `times` answers with a series the rule names; later ones pass through. */
    times: z.number().int().min(1),
  })
  .strict();
export const metricDataFaultsSchema = z.array(metricDataFaultSchema);
export type MetricDataFault = z.infer<typeof metricDataFaultSchema>;

/** One series as AWS JSON 1.0 carries it (timestamps as moto writes them: epoch seconds or ISO strings). */
const resultSchema = z
  .object({
    Id: z.string(),
    Timestamps: z.array(z.union([z.number(), z.string()])).optional(),
    Values: z.array(z.number()).optional(),
    StatusCode: z.string().optional(),
  })
  .passthrough();
export type MetricDataResultJson = z.infer<typeof resultSchema>;
const answerSchema = z.object({ MetricDataResults: z.array(resultSchema).optional() }).passthrough();
export type MetricDataAnswerJson = z.infer<typeof answerSchema>;

/** Where a continuation token the proxy hands out starts: a request naming one is answered by the proxy, not moto. */
export const SANDBOX_TOKEN_PREFIX = 'sandbox-partial-data:';

/** The message CloudWatch gives with a series' status (MessageData: Code, Value). */
const STATUS_MESSAGE: Record<'Forbidden' | 'InternalError', string> = {
  Forbidden: 'Authentication too complex to retrieve cross region data',
  InternalError: 'An internal error occurred (injected by the sandbox gap proxy)',
};

function epochMs(t: number | string): number {
  return typeof t === 'number' ? t * 1000 : Date.parse(t);
}

export function parseMetricDataAnswer(body: string): MetricDataAnswerJson | undefined {
  try {
    const parsed = answerSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pure: `answer` rewritten by `rule`. Undefined when the answer holds no series the rule names (nothing to inject, the
 * rule is not used up). For PartialData, `rest` is the next page, to answer the request that names `token`.
 */
export function rewriteMetricData(
  answer: MetricDataAnswerJson,
  rule: Pick<MetricDataFault, 'status' | 'ids'>,
  token: string,
): { page: MetricDataAnswerJson; rest?: MetricDataAnswerJson } | undefined {
  const results = answer.MetricDataResults ?? [];
  const named = (r: MetricDataResultJson) => rule.ids === undefined || rule.ids.includes(r.Id);
  if (!results.some(named)) return undefined;
  const { status } = rule;
  if (status !== 'PartialData') {
    const message = { Code: status, Value: STATUS_MESSAGE[status] };
    return {
      page: {
        ...answer,
        MetricDataResults: results.map((r) => (named(r) ? { ...r, Timestamps: [], Values: [], StatusCode: status, Messages: [message] } : r)),
      },
    };
  }
  const first: MetricDataResultJson[] = [];
  const second: MetricDataResultJson[] = [];
  for (const r of results) {
    if (!named(r)) {
      first.push(r);
      continue;
    }
    // Newest first, as CloudWatch answers by default (ScanBy TimestampDescending): the newer half on the first page.
    const points = (r.Timestamps ?? [])
      .map((t, i) => ({ t, v: r.Values?.[i] }))
      .filter((p): p is { t: number | string; v: number } => p.v !== undefined)
      .sort((a, b) => epochMs(b.t) - epochMs(a.t));
    const cut = Math.ceil(points.length / 2);
    const head = points.slice(0, cut);
    const tail = points.slice(cut);
    first.push({ ...r, Timestamps: head.map((p) => p.t), Values: head.map((p) => p.v), StatusCode: 'PartialData' });
    second.push({ ...r, Timestamps: tail.map((p) => p.t), Values: tail.map((p) => p.v), StatusCode: 'Complete' });
  }
  return {
    page: { ...answer, MetricDataResults: first, NextToken: token },
    rest: { MetricDataResults: second, Messages: [] },
  };
}

/** A rule as the proxy holds it: how many rewrites it has left, how many it made and how many next pages it answered. */
export interface ActiveMetricDataFault extends MetricDataFault {
  remaining: number;
  injected: number;
  continued: number;
}
