// A gap of moto's CloudWatch filled for the gap proxy: DescribeAlarmsForMetric filtered as CloudWatch filters it.
// moto 5.2.1 matches the namespace and metric name only, ignoring Dimensions, Statistic, ExtendedStatistic, Period and
// Unit, so a lookup by the wrong dimension (a REST API's ApiName for an alarm on an HTTP API's ApiId) still found the
// alarm. The request is read in each wire protocol CloudWatch accepts (AWS Query, AWS JSON 1.0, Smithy RPC v2 CBOR;
// "FAQs on CloudWatch supported protocols") and answered in the same one.
import { cbor, dateToTag } from '@smithy/core/cbor';
import { z } from 'zod';

/** The three wire protocols CloudWatch's API accepts. */
export type CloudWatchProtocol = 'query' | 'json' | 'rpcv2-cbor';

export interface MetricDimension {
  Name: string;
  Value: string;
}

/** DescribeAlarmsForMetric's parameters (CloudWatch API Reference, DescribeAlarmsForMetric). */
export interface AlarmsForMetricQuery {
  Namespace: string;
  MetricName: string;
  /** Absent and empty are the same metric: the one without dimensions. */
  Dimensions: MetricDimension[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  Unit?: string;
}

/** The fields of a MetricAlarm the filter reads (a DescribeAlarms / DescribeAlarmsForMetric answer's entry). */
export interface AlarmOnMetric {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Array<{ Name?: string; Value?: string }>;
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  Unit?: string;
}

export class AlarmsForMetricRequestError extends Error {
  override readonly name = 'AlarmsForMetricRequestError';
  /** MissingParameter or InvalidParameterValue: CloudWatch's common errors for a request it cannot take. */
  constructor(
    readonly code: 'MissingParameter' | 'InvalidParameterValue',
    message: string,
  ) {
    super(message);
  }
}

const text = z.string().min(1);
const structuredRequestSchema = z.object({
  Namespace: text,
  MetricName: text,
  Dimensions: z.array(z.object({ Name: text, Value: text })).optional(),
  Statistic: text.optional(),
  ExtendedStatistic: text.optional(),
  Period: z.number().int().min(1).optional(),
  Unit: text.optional(),
});

function validated(input: unknown): AlarmsForMetricQuery {
  if (input !== null && typeof input === 'object') {
    for (const required of ['Namespace', 'MetricName'] as const) {
      if ((input as Record<string, unknown>)[required] === undefined) {
        throw new AlarmsForMetricRequestError('MissingParameter', `The parameter ${required} is required.`);
      }
    }
  }
  const parsed = structuredRequestSchema.safeParse(input);
  if (!parsed.success) throw new AlarmsForMetricRequestError('InvalidParameterValue', z.prettifyError(parsed.error));
  const { Dimensions, ...rest } = parsed.data;
  return { ...rest, Dimensions: Dimensions ?? [] };
}

/** AWS Query's form: Dimensions.member.N.Name / .Value, every other parameter by its name, numbers as text. */
function fromQueryForm(form: URLSearchParams): unknown {
  const dimensions = new Map<number, Partial<MetricDimension>>();
  for (const [key, value] of form) {
    const member = /^Dimensions\.member\.(\d+)\.(Name|Value)$/.exec(key);
    if (!member) continue;
    const entry = dimensions.get(Number(member[1])) ?? {};
    entry[member[2] as 'Name' | 'Value'] = value;
    dimensions.set(Number(member[1]), entry);
  }
  const period = form.get('Period');
  const optional = (name: string): string | undefined => form.get(name) ?? undefined;
  return {
    Namespace: optional('Namespace'),
    MetricName: optional('MetricName'),
    ...(dimensions.size ? { Dimensions: [...dimensions.entries()].sort(([a], [b]) => a - b).map(([, d]) => d) } : {}),
    Statistic: optional('Statistic'),
    ExtendedStatistic: optional('ExtendedStatistic'),
    Period: period === null ? undefined : /^\d+$/.test(period) ? Number(period) : period,
    Unit: optional('Unit'),
  };
}

/**
 * The request's parameters, from the body in its protocol (an AWS Query request may carry them in the URL instead).
 * Throws AlarmsForMetricRequestError for a request CloudWatch would refuse: a required parameter missing, a value of
 * the wrong type.
 */
export function readAlarmsForMetricRequest(protocol: CloudWatchProtocol, body: Buffer, urlQuery?: URLSearchParams): AlarmsForMetricQuery {
  switch (protocol) {
    case 'query':
      return validated(fromQueryForm(urlQuery?.get('Action') ? urlQuery : new URLSearchParams(body.toString('utf8'))));
    case 'json': {
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8') || '{}');
      } catch (error) {
        throw new AlarmsForMetricRequestError('InvalidParameterValue', `the request body is not JSON: ${String(error)}`);
      }
      return validated(input);
    }
    case 'rpcv2-cbor': {
      let input: unknown;
      try {
        input = body.length ? cbor.deserialize(new Uint8Array(body)) : {};
      } catch (error) {
        throw new AlarmsForMetricRequestError('InvalidParameterValue', `the request body is not CBOR: ${String(error)}`);
      }
      return validated(input);
    }
  }
}

/** A dimension set as CloudWatch identifies a metric by it: unordered, each name with its value. */
function dimensionKey(dimensions: ReadonlyArray<{ Name?: string; Value?: string }>): string {
  return dimensions
    .map((d) => JSON.stringify([d.Name ?? '', d.Value ?? '']))
    .sort()
    .join(',');
}

/**
 * The alarms DescribeAlarmsForMetric returns for `query`, as the CloudWatch API Reference documents it ("Retrieves the
 * alarms for the specified metric. To filter the results, specify a statistic, period, or unit"; "only standard alarms
 * that are based on the specified metric", not metric math or composite alarms):
 * - Namespace and MetricName: equal to the alarm's own (an alarm on metric math has neither, so it never matches);
 * - Dimensions: the metric is identified by its whole dimension set ("If the metric has any associated dimensions, you
 *   must specify them"), so the request's set must equal the alarm's exactly, as a set: the same names each with the
 *   same value, in any order, none missing and none extra. No Dimensions asks for the metric without dimensions;
 * - Statistic, ExtendedStatistic, Period, Unit: each one given must equal the alarm's (an alarm without that field,
 *   say one on a percentile asked by Statistic, or one with no Unit asked by Unit, does not match); one not given does
 *   not filter.
 * Case-sensitive throughout, as CloudWatch's names and values are.
 */
export function alarmsForMetric<A extends AlarmOnMetric>(alarms: readonly A[], query: AlarmsForMetricQuery): A[] {
  const wanted = dimensionKey(query.Dimensions);
  return alarms.filter(
    (alarm) =>
      alarm.Namespace === query.Namespace &&
      alarm.MetricName === query.MetricName &&
      dimensionKey(alarm.Dimensions ?? []) === wanted &&
      (query.Statistic === undefined || alarm.Statistic === query.Statistic) &&
      (query.ExtendedStatistic === undefined || alarm.ExtendedStatistic === query.ExtendedStatistic) &&
      (query.Period === undefined || alarm.Period === query.Period) &&
      (query.Unit === undefined || alarm.Unit === query.Unit),
  );
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** AWS Query's XML for a value: a list's items as <member>, a timestamp in ISO 8601, a structure's fields by name. */
function toXml(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

/** A value with its timestamps as the protocol writes them (JSON: epoch seconds; CBOR: tag 1). */
function withTimestamps(value: unknown, timestamp: (d: Date) => unknown): unknown {
  if (value instanceof Date) return timestamp(value);
  if (Array.isArray(value)) return value.map((v) => withTimestamps(v, timestamp));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withTimestamps(v, timestamp)]));
  }
  return value;
}

/** DescribeAlarmsForMetric's answer ({ MetricAlarms }) in the request's protocol, as CloudWatch writes it. */
export function alarmsForMetricAnswer(protocol: CloudWatchProtocol, metricAlarms: readonly object[], requestId: string): { headers: Record<string, string>; body: Buffer } {
  switch (protocol) {
    case 'json':
      return {
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
        body: Buffer.from(JSON.stringify(withTimestamps({ MetricAlarms: metricAlarms }, (d) => d.getTime() / 1000))),
      };
    case 'rpcv2-cbor':
      return {
        headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', 'x-amzn-requestid': requestId },
        body: Buffer.from(cbor.serialize(withTimestamps({ MetricAlarms: metricAlarms }, dateToTag))),
      };
    case 'query':
      return {
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: Buffer.from(
          '<DescribeAlarmsForMetricResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmsForMetricResult>' +
            `<MetricAlarms>${toXml(metricAlarms)}</MetricAlarms></DescribeAlarmsForMetricResult>` +
            `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeAlarmsForMetricResponse>`,
        ),
      };
  }
}
