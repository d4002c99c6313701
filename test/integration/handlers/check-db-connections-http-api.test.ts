// High Latency on an HTTP API (API Gateway v2), through check-db-connections' real entry point and the real SDK against
// moto (one playbook). The sandbox provisions the service's API as an HTTP API (sandbox/provision-http-api.ts) and puts
// the High Latency alarm again on API Gateway's Latency by the API's ApiId (HTTP APIs publish no ApiName). A slow minute
// served by that API lands in exactly the series the alarm reads; the alarm's state change, put on the default bus, goes
// through the real EventBridge rule to check-db-connections, which finds the function behind the API by its ApiId
// (dependencies.apis) and names the database's saturation. The alarm's state is set by the test (moto evaluates no
// alarm, and the sandbox's evaluator plays one-period alarms only, not p99 over 3 of 5 minutes).
import { DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ApiGatewayV2Client, GetApiCommand, GetStageCommand } from '@aws-sdk/client-apigatewayv2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { windowEnd } from '../../../sandbox/metric-alarm-evaluator';
import { provisionHttpApi, type ProvisionedHttpApi } from '../../../sandbox/provision-http-api';
import { serveApiRequests } from '../../../sandbox/simulated-api';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { loadHandler } from '../../support/load-handler';
import { callsDuring, writes } from '../support/proxy-calls';
import { latencyAlarm, publishFunctionDuration, publishRdsMetrics } from '../support/rds-figures';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const API = 'notification-service-api';
const FN = 'notification-service-consumer';
const DB = 'notification-service-db';

describe('High Latency on an HTTP API (dependencies.apis[].type http, by its ApiId)', () => {
  let account: SandboxAccount;
  let httpApi: ProvisionedHttpApi;
  let handler: AlarmHandler;
  let alarmName: string;
  let previousConfig: string | undefined;

  beforeAll(async () => {
    previousConfig = process.env.RUNBOOK_CONFIG_JSON;
    account = await provisionAccount('production');
    httpApi = await provisionHttpApi({ clientConfig: account.clientConfig, topology: account.topology, config: loadRuntimeConfig(process.env).config });
    // The deployment's configuration learns the id moto gave, as dependencies.apis[].id (the handlers read it at start).
    process.env.RUNBOOK_CONFIG_JSON = JSON.stringify({ dependencies: { apis: httpApi.config.dependencies.apis } });
    handler = loadHandler('check-db-connections');
    alarmName = latencyAlarm(account);
  });

  afterAll(() => {
    if (previousConfig === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
    else process.env.RUNBOOK_CONFIG_JSON = previousConfig;
  });

  const describeAlarm = async (name: string): Promise<MetricAlarm | undefined> =>
    (await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.[0];

  it('gives the HTTP API an id of 10 characters (the gap proxy widens moto\'s 8 letters) that reads it back, with its $default stage logging where the 504 filter reads', async () => {
    expect(httpApi.id).toMatch(/^[a-z0-9]{10}$/);
    const v2 = new ApiGatewayV2Client(account.clientConfig);
    try {
      const api = await v2.send(new GetApiCommand({ ApiId: httpApi.id }));
      expect({ id: api.ApiId, name: api.Name, protocol: api.ProtocolType }).toEqual({ id: httpApi.id, name: API, protocol: 'HTTP' });
      const stage = await v2.send(new GetStageCommand({ ApiId: httpApi.id, StageName: '$default' }));
      expect(stage.AccessLogSettings?.DestinationArn).toBe(account.topology.api.accessLogGroupArn);
      expect(stage.AccessLogSettings?.Format).toContain('"routeKey":"$context.routeKey"');
      expect(stage.AccessLogSettings?.Format).not.toContain('$context.resourcePath');
    } finally {
      v2.destroy();
    }
  });

  it('watches exactly AWS/ApiGateway Latency p99 by that ApiId, and only that alarm changed', async () => {
    expect(httpApi.alarms.map((a) => a.name)).toEqual([alarmName]);
    const alarm = await describeAlarm(alarmName);
    expect({ namespace: alarm?.Namespace, metric: alarm?.MetricName, dimensions: alarm?.Dimensions, statistic: alarm?.ExtendedStatistic }).toEqual({
      namespace: 'AWS/ApiGateway',
      metric: 'Latency',
      dimensions: [{ Name: 'ApiId', Value: httpApi.id }],
      statistic: 'p99',
    });
    // The 504 count stays the service's own metric, by the name the access log carries.
    const timeouts = await describeAlarm(account.topology.alarmNamesByHandler['inspect-security-groups']?.[0] ?? '');
    expect(timeouts?.Dimensions).toEqual([{ Name: 'ApiName', Value: API }]);
  });

  it('reads the slow minute the HTTP API served in the very series the alarm watches; none is published by ApiName', async () => {
    const at = new Date(Date.now() - 60_000);
    // 10 requests whose integration took 900 ms: API Gateway's Latency adds its own 5 ms (sandbox/simulated-api.ts).
    await serveApiRequests(account.clientConfig, account.topology, Array.from({ length: 10 }, () => ({ status: 200, integrationLatencyMs: 900 })), at, {
      httpApi: { id: httpApi.id, stageName: httpApi.stageName, routeKey: httpApi.routeKey },
    });
    const alarm = await describeAlarm(alarmName);
    const read = async (dimensions: MetricAlarm['Dimensions']) =>
      (
        await account.cloudWatch.send(
          new GetMetricStatisticsCommand({
            Namespace: alarm?.Namespace,
            MetricName: alarm?.MetricName,
            Dimensions: dimensions,
            StartTime: new Date(at.getTime() - 60_000),
            EndTime: windowEnd(at),
            Period: 60,
            Statistics: ['Maximum', 'SampleCount'],
          }),
        )
      ).Datapoints ?? [];
    // moto 5.2.1 answers a query by [ApiId] with every series that carries ApiId (the stage's as well), where CloudWatch
    // answers the API-wide series alone: the maximum is the same either way, the sample count is not, so it is read from
    // the stage's own series (ApiId + Stage), which no other series contains.
    expect((await read(alarm?.Dimensions)).map((d) => d.Maximum)).toEqual([905]);
    expect((await read([...(alarm?.Dimensions ?? []), { Name: 'Stage', Value: '$default' }])).map((d) => [d.Maximum, d.SampleCount])).toEqual([[905, 10]]);
    expect(await read([{ Name: 'ApiName', Value: API }])).toEqual([]);
  });

  it('its ALARM reaches check-db-connections, which finds the consumer behind the API by ApiId, names the saturation and changes nothing', async () => {
    await publishRdsMetrics(account, { connections: 3000, cpuPercent: 41 });
    await publishFunctionDuration(account, 640);
    await account.transition(alarmName, 'OK');
    const changed = await account.transition(alarmName, 'ALARM', 'Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (500.0)');
    // The state change goes on the default bus as CloudWatch puts it; the real rule delivers it to the handler's queue.
    const events = new EventBridgeClient(account.clientConfig);
    const put = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'aws.cloudwatch', DetailType: 'CloudWatch Alarm State Change', Resources: changed.resources as string[], Detail: JSON.stringify(changed.detail) }] }),
    );
    events.destroy();
    expect(put.FailedEntryCount ?? 0).toBe(0);
    const route = account.topology.alarmRoutes['check-db-connections'];
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: route?.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    type Delivered = { detail: { alarmName: string; state: { value: string }; configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> } } };
    const delivered = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Delivered);
    expect(delivered.map((e) => [e.detail.alarmName, e.detail.state.value])).toEqual([[alarmName, 'ALARM']]);
    const [event] = delivered;
    expect(event?.detail.configuration.metrics[0]?.metricStat.metric.dimensions).toEqual({
      ApiId: httpApi.id,
    });
    const { result: decision, calls } = await callsDuring([account.accountId], () => handler(event));
    expect(decision).toMatchObject({ outcome: 'escalate', playbook: 'check-db-connections', escalation: { cause: 'diagnosis' }, resource: { type: 'rds-db-instance', id: DB } });
    // The function judged is the one dependencies.apis maps the ApiId to: its Duration, over the row's 500 ms, is named too.
    expect(decision.reason).toBe(`likely cause: connection saturation on ${DB} — 3000 connections of max_connections ≈3505 (85.6%), at or above 80% (also: function ${FN} duration)`);
    expect(decision.findings).toContain(`Duration of ${FN}: 640 ms average now, maximum 640 ms over 5 min (latency threshold 500 ms)`);
    expect(writes(calls).filter((c) => /^(rds|lambda|apigateway|apigatewayv2):/.test(c))).toEqual([]);
  });

  it('rejects an alarm naming an ApiId the configuration does not hold, with no AWS call', async () => {
    // The watched alarm itself redefined on a stranger's ApiId: an alarm of another name is refused before this check, as
    // one not routed to check-db-connections (decision 184). Last in this file: it leaves the alarm redefined.
    const stranger = alarmName;
    const alarm = await describeAlarm(alarmName);
    await account.cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: stranger,
        Namespace: alarm?.Namespace,
        MetricName: alarm?.MetricName,
        Dimensions: [{ Name: 'ApiId', Value: 'zzzzzzzz00' }],
        ExtendedStatistic: 'p99',
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 500,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const event = await account.transition(stranger, 'ALARM');
    const { result: decision, calls } = await callsDuring([account.accountId], () => handler(event));
    expect(decision).toMatchObject({ outcome: 'rejected' });
    expect(decision.reason).toContain('API zzzzzzzz00 is not in dependencies.apis');
    expect(calls).toEqual([]);
  });
});
