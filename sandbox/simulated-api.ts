// Plays API Gateway for the sandbox's REST API: each request becomes an access log line in the stage's JSON format
// (where the 504 metric filter counts) and the AWS/ApiGateway metrics API Gateway publishes (Count, 4XXError, 5XXError,
// IntegrationLatency by ApiName). moto has no data plane for REST APIs. For an HTTP API (sandbox/provision-http-api.ts)
// the log line is an HTTP API's format and the metrics are an HTTP API's (Count, 4xx, 5xx, Latency, IntegrationLatency)
// by ApiId and by ApiId + Stage, never ApiName ("Monitor CloudWatch metrics for HTTP APIs").
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { apiAccessLogFormat } from '../shared/config/alarm-specs';
import type { SandboxClientConfig } from './provision';
import type { Topology } from './topology';

export interface ApiRequest {
  status: number;
  /** How long the integration took; a 504 is API Gateway giving up at the integration timeout. */
  integrationLatencyMs?: number;
}

/** One access log line, as the stage's format renders it (the format is JSON with $context placeholders). */
export function accessLogLine(format: string, values: Record<string, string | number>): string {
  return format.replace(/\$context\.[A-Za-z.]+/g, (variable) => {
    const value = values[variable.slice('$context.'.length)];
    return value === undefined ? '-' : String(value);
  });
}

/** The HTTP API that serves the requests in place of the topology's REST API: its id, stage and route. */
export interface ServingHttpApi {
  id: string;
  stageName: string;
  routeKey: string;
}

/** HTTP APIs' integration timeout when none is set (and their maximum): 30 s (AWS, "Quotas for HTTP APIs"). */
const HTTP_API_TIMEOUT_MS = 30_000;

/** Serves `requests` at `at`: access log lines in one new stream, and the minute's AWS/ApiGateway datapoints. */
export async function serveApiRequests(
  clientConfig: SandboxClientConfig,
  topology: Topology,
  requests: readonly ApiRequest[],
  at: Date,
  options: { httpApi?: ServingHttpApi } = {},
): Promise<void> {
  const sdk = { endpoint: clientConfig.endpoint, region: clientConfig.region, credentials: clientConfig.credentials };
  const logs = new CloudWatchLogsClient(sdk);
  const cloudWatch = new CloudWatchClient(sdk);
  const { httpApi } = options;
  const api = httpApi ? { ...topology.api, id: httpApi.id, stageName: httpApi.stageName } : topology.api;
  const timeoutMs = httpApi ? HTTP_API_TIMEOUT_MS : topology.spec.api.integrationTimeoutMs;
  const format = httpApi ? apiAccessLogFormat(api.name, 'http') : topology.spec.api.accessLogFormat;
  try {
    const stream = `${api.stageName}/${at.getTime()}-${Math.random().toString(16).slice(2, 8)}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: api.accessLogGroupName, logStreamName: stream }));
    const lines = requests.map((request, i) => {
      const integration = request.status === 504 ? timeoutMs : (request.integrationLatencyMs ?? 120);
      return {
        timestamp: at.getTime() + i,
        message: accessLogLine(format, {
          requestId: `req-${at.getTime()}-${i}`,
          apiId: api.id,
          stage: api.stageName,
          httpMethod: 'POST',
          resourcePath: `/${topology.spec.api.pathPart}`,
          ...(httpApi ? { routeKey: httpApi.routeKey } : {}),
          status: request.status,
          'integration.status': request.status === 504 ? '-' : request.status,
          'integration.latency': integration,
          responseLatency: integration + 5,
          'error.message': request.status === 504 ? 'Endpoint request timed out' : request.status >= 500 ? 'Internal server error' : '-',
        }),
      };
    });
    if (lines.length > 0) await logs.send(new PutLogEventsCommand({ logGroupName: api.accessLogGroupName, logStreamName: stream, logEvents: lines }));
    const count = (predicate: (r: ApiRequest) => boolean): number => requests.filter(predicate).length;
    const latencies = requests.map((r) => (r.status === 504 ? timeoutMs : (r.integrationLatencyMs ?? 120)));
    if (httpApi) {
      const byApi = [{ Name: 'ApiId', Value: httpApi.id }];
      const byStage = [...byApi, { Name: 'Stage', Value: httpApi.stageName }];
      const data = [byApi, byStage].flatMap((dimensions): MetricDatum[] => [
        { MetricName: 'Count', Dimensions: dimensions, Value: requests.length, Timestamp: at, Unit: 'Count' },
        { MetricName: '4xx', Dimensions: dimensions, Value: count((r) => r.status >= 400 && r.status < 500), Timestamp: at, Unit: 'Count' },
        { MetricName: '5xx', Dimensions: dimensions, Value: count((r) => r.status >= 500), Timestamp: at, Unit: 'Count' },
        ...latencies.map((value): MetricDatum => ({ MetricName: 'IntegrationLatency', Dimensions: dimensions, Value: value, Timestamp: at, Unit: 'Milliseconds' })),
        // Latency is the integration's plus API Gateway's own overhead (the 5 ms the access log's responseLatency says).
        ...latencies.map((value): MetricDatum => ({ MetricName: 'Latency', Dimensions: dimensions, Value: value + 5, Timestamp: at, Unit: 'Milliseconds' })),
      ]);
      await cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/ApiGateway', MetricData: data }));
      return;
    }
    const dimensions = [{ Name: 'ApiName', Value: api.name }];
    const data: MetricDatum[] = [
      { MetricName: 'Count', Dimensions: dimensions, Value: requests.length, Timestamp: at, Unit: 'Count' },
      { MetricName: '4XXError', Dimensions: dimensions, Value: count((r) => r.status >= 400 && r.status < 500), Timestamp: at, Unit: 'Count' },
      { MetricName: '5XXError', Dimensions: dimensions, Value: count((r) => r.status >= 500), Timestamp: at, Unit: 'Count' },
      ...latencies.map((value): MetricDatum => ({ MetricName: 'IntegrationLatency', Dimensions: dimensions, Value: value, Timestamp: at, Unit: 'Milliseconds' })),
    ];
    // What API Gateway publishes itself; moto accepts the AWS/ namespace.
    await cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/ApiGateway', MetricData: data }));
  } finally {
    logs.destroy();
    cloudWatch.destroy();
  }
}
