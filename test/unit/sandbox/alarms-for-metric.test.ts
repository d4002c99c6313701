// The gap proxy's DescribeAlarmsForMetric (sandbox/alarms-for-metric.ts): filtered as CloudWatch documents it, and
// read and answered in each protocol CloudWatch accepts, through the installed SDK's own serializers.
import { CloudWatchClient, DescribeAlarmsForMetricCommand, type DescribeAlarmsForMetricCommandInput, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { AwsJson1_0Protocol, AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { alarmsForMetric, alarmsForMetricAnswer, AlarmsForMetricRequestError, readAlarmsForMetricRequest, type AlarmsForMetricQuery, type CloudWatchProtocol } from '../../../sandbox/alarms-for-metric';

const UPDATED = new Date('2026-12-06T01:02:03.500Z');

function alarm(name: string, fields: Partial<MetricAlarm>): MetricAlarm {
  return { AlarmName: name, AlarmArn: `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${name}`, StateValue: 'ALARM', StateUpdatedTimestamp: UPDATED, ...fields };
}

const latency = { Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Period: 60 };
// What the sandbox and infra put (shared/config/alarm-specs.ts), plus neighbours on the same metric a filter must tell apart.
const ALARMS: MetricAlarm[] = [
  alarm('rest-p99', { ...latency, Dimensions: [{ Name: 'ApiName', Value: 'notification-service-api' }], ExtendedStatistic: 'p99' }),
  alarm('http-p99', { ...latency, Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], ExtendedStatistic: 'p99' }),
  alarm('http-stage-p99', { ...latency, Dimensions: [{ Name: 'Stage', Value: '$default' }, { Name: 'ApiId', Value: 'a1b2c3d4e5' }], ExtendedStatistic: 'p99' }),
  alarm('http-average-5m-ms', { ...latency, Period: 300, Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Statistic: 'Average', Unit: 'Milliseconds' }),
  alarm('http-4xx', { Namespace: 'AWS/ApiGateway', MetricName: '4xx', Period: 60, Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Statistic: 'Sum' }),
  alarm('oom', { Namespace: 'NotificationService', MetricName: 'OutOfMemoryErrors', Period: 60, Dimensions: [], Statistic: 'Sum' }),
  // Metric math over Latency: DescribeAlarmsForMetric returns standard alarms only.
  alarm('math-over-latency', {
    Metrics: [{ Id: 'm1', MetricStat: { Metric: { ...latency, Period: undefined, Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }] } as never, Period: 60, Stat: 'p99' }, ReturnData: true }],
  }),
];

const names = (alarms: readonly MetricAlarm[]): Array<string | undefined> => alarms.map((a) => a.AlarmName);
const byLatency = (fields: Partial<AlarmsForMetricQuery>): AlarmsForMetricQuery => ({ Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Dimensions: [], ...fields });

describe('alarmsForMetric: the alarms CloudWatch returns for a metric', () => {
  it.each<[string, AlarmsForMetricQuery, string[]]>([
    ['an HTTP API\'s Latency by its ApiId: its alarms on exactly that dimension set, not the stage\'s', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }] }), ['http-p99', 'http-average-5m-ms']],
    ['the same API asked by ApiName (the REST dimension), its id as the value: none', byLatency({ Dimensions: [{ Name: 'ApiName', Value: 'a1b2c3d4e5' }] }), []],
    ['a REST API\'s Latency by ApiName', byLatency({ Dimensions: [{ Name: 'ApiName', Value: 'notification-service-api' }] }), ['rest-p99']],
    ['another API\'s id: none', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'zzzzzzzz00' }] }), []],
    ['a value differing in case only: none', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'A1B2C3D4E5' }] }), []],
    ['a dimension name differing in case only: none', byLatency({ Dimensions: [{ Name: 'apiId', Value: 'a1b2c3d4e5' }] }), []],
    ['the stage\'s dimension set in the other order', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }, { Name: 'Stage', Value: '$default' }] }), ['http-stage-p99']],
    ['the stage alone, a subset of its alarm\'s set: none', byLatency({ Dimensions: [{ Name: 'Stage', Value: '$default' }] }), []],
    ['no dimensions: the dimensionless Latency, which no alarm watches', byLatency({}), []],
    ['by ExtendedStatistic p99', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], ExtendedStatistic: 'p99' }), ['http-p99']],
    ['by Statistic Average', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Statistic: 'Average' }), ['http-average-5m-ms']],
    ['by Statistic Maximum: none', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Statistic: 'Maximum' }), []],
    ['by Period 60', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Period: 60 }), ['http-p99']],
    ['by Period 300', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Period: 300 }), ['http-average-5m-ms']],
    ['by Unit Milliseconds: the alarm with that unit, not the one without', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Unit: 'Milliseconds' }), ['http-average-5m-ms']],
    ['by Unit Seconds: none', byLatency({ Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], Unit: 'Seconds' }), []],
    ['another metric of the namespace on the same dimension', { Namespace: 'AWS/ApiGateway', MetricName: '4xx', Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }] }, ['http-4xx']],
    ['the OOM count, a metric without dimensions, asked without any', { Namespace: 'NotificationService', MetricName: 'OutOfMemoryErrors', Dimensions: [] }, ['oom']],
    ['the OOM count asked with a dimension it does not have: none', { Namespace: 'NotificationService', MetricName: 'OutOfMemoryErrors', Dimensions: [{ Name: 'FunctionName', Value: 'consumer' }] }, []],
    ['the metric name in another namespace: none', { Namespace: 'NotificationService', MetricName: 'Latency', Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }] }, []],
  ])('%s', (_case, query, expected) => {
    expect(names(alarmsForMetric(ALARMS, query))).toEqual(expected);
  });
});

/** A CloudWatch client speaking `protocol` whose every call is answered by the gap's own read, filter and answer. */
function clientAnsweredByTheGap(protocol: CloudWatchProtocol, seen: CloudWatchProtocol[]): CloudWatchClient {
  const protocolClass = { json: AwsJson1_0Protocol, query: AwsQueryProtocol, 'rpcv2-cbor': AwsSmithyRpcV2CborProtocol }[protocol];
  return new CloudWatchClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIA111122223333MOTO', secretAccessKey: 'sandbox' },
    endpoint: 'http://127.0.0.1:1',
    maxAttempts: 1,
    protocol: protocolClass as never,
    requestHandler: {
      handle: async (request: { path: string; headers: Record<string, string>; body?: unknown; query?: Record<string, string> }) => {
        // What the gap proxy tells the protocols by (sandbox/gap-proxy.ts describeRequest).
        const wire: CloudWatchProtocol =
          request.headers['smithy-protocol'] === 'rpc-v2-cbor' ? 'rpcv2-cbor' : request.headers['x-amz-target'] ? 'json' : 'query';
        seen.push(wire);
        // The bytes on the wire (the JSON codec hands a Uint8Array that warns when read as text).
        const body = request.body instanceof Uint8Array ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : Buffer.from(String(request.body));
        const query = readAlarmsForMetricRequest(wire, body);
        const answer = alarmsForMetricAnswer(wire, alarmsForMetric(ALARMS, query), 'req-1');
        return { response: { statusCode: 200, headers: answer.headers, body: answer.body } };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    } as never,
  });
}

describe('DescribeAlarmsForMetric through the SDK in each protocol CloudWatch accepts', () => {
  const right: DescribeAlarmsForMetricCommandInput = { Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }], ExtendedStatistic: 'p99' };
  const wrong: DescribeAlarmsForMetricCommandInput = { ...right, Dimensions: [{ Name: 'ApiName', Value: 'a1b2c3d4e5' }] };

  it.each<CloudWatchProtocol>(['json', 'query', 'rpcv2-cbor'])('%s: the right dimension finds the alarm, whole; the wrong one finds none', async (protocol) => {
    const seen: CloudWatchProtocol[] = [];
    const client = clientAnsweredByTheGap(protocol, seen);
    const found = await client.send(new DescribeAlarmsForMetricCommand(right));
    const none = await client.send(new DescribeAlarmsForMetricCommand(wrong));
    client.destroy();

    expect(seen).toEqual([protocol, protocol]);
    expect(found.MetricAlarms).toEqual([
      {
        AlarmName: 'http-p99',
        AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:http-p99',
        StateValue: 'ALARM',
        StateUpdatedTimestamp: UPDATED,
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        Period: 60,
        Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }],
        ExtendedStatistic: 'p99',
      },
    ]);
    expect(none.MetricAlarms ?? []).toEqual([]);
  });

  it('our SDK speaks AWS JSON 1.0 to CloudWatch by default (what the handlers and the rehearsal send)', async () => {
    const seen: CloudWatchProtocol[] = [];
    const client = clientAnsweredByTheGap('json', seen);
    const sdkDefault = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIA111122223333MOTO', secretAccessKey: 'sandbox' }, endpoint: 'http://127.0.0.1:1', maxAttempts: 1, requestHandler: client.config.requestHandler });
    await sdkDefault.send(new DescribeAlarmsForMetricCommand(right));
    sdkDefault.destroy();
    client.destroy();
    expect(seen).toEqual(['json']);
  });
});

describe('readAlarmsForMetricRequest', () => {
  it('reads an AWS Query request sent as a GET, its parameters in the URL', () => {
    const url = new URLSearchParams('Action=DescribeAlarmsForMetric&Version=2010-08-01&Namespace=AWS%2FApiGateway&MetricName=Latency&Dimensions.member.2.Name=Stage&Dimensions.member.2.Value=%24default&Dimensions.member.1.Name=ApiId&Dimensions.member.1.Value=a1b2c3d4e5&Period=60');
    expect(readAlarmsForMetricRequest('query', Buffer.alloc(0), url)).toEqual({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }, { Name: 'Stage', Value: '$default' }],
      Period: 60,
    });
  });

  it.each<[string, CloudWatchProtocol, string, string]>([
    ['no Namespace (JSON)', 'json', '{"MetricName":"Latency"}', 'MissingParameter'],
    ['no MetricName (Query)', 'query', 'Action=DescribeAlarmsForMetric&Namespace=AWS%2FApiGateway', 'MissingParameter'],
    ['a dimension without its value (Query)', 'query', 'Action=DescribeAlarmsForMetric&Namespace=N&MetricName=M&Dimensions.member.1.Name=ApiId', 'InvalidParameterValue'],
    ['a Period that is not a number (Query)', 'query', 'Action=DescribeAlarmsForMetric&Namespace=N&MetricName=M&Period=sixty', 'InvalidParameterValue'],
    ['a Period given as text (JSON)', 'json', '{"Namespace":"N","MetricName":"M","Period":"60"}', 'InvalidParameterValue'],
    ['a body that is not JSON', 'json', '{"Namespace":', 'InvalidParameterValue'],
  ])('refuses %s as CloudWatch does', (_case, protocol, body, code) => {
    let thrown: unknown;
    try {
      readAlarmsForMetricRequest(protocol, Buffer.from(body));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AlarmsForMetricRequestError);
    expect((thrown as AlarmsForMetricRequestError).code).toBe(code);
  });
});
