// The Connection Timeout row fires on 504s only: access log lines of the sandbox's REST API go through the stage's log
// group, the 504 metric filter counts status 504 (played by the gap proxy, moto does not apply filters), CloudWatch's
// evaluation (played by the sandbox) moves the alarm, its state change reaches inspect-security-groups through the real
// EventBridge rule, and the handler diagnoses. Plain 500s light AWS/ApiGateway 5XXError but not the 504 row. The
// diagnosis reads the API from API Gateway: the integration timeout its owner set (10 s) is the one it names.
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { APIGatewayClient, GetIntegrationCommand, GetResourcesCommand, GetStageCommand, PutIntegrationCommand } from '@aws-sdk/client-api-gateway';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { evaluateMetricAlarm, windowEnd } from '../../../sandbox/metric-alarm-evaluator';
import { serveApiRequests } from '../../../sandbox/simulated-api';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { loadHandler } from '../../support/load-handler';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const API = 'notification-service-api';
// moto 5.2.1 drops the milliseconds of StartTime / EndTime (GetMetricStatistics): requests served at 995 ms past a second, logged
// at +0..+39 ms, cross into the next second: a window ending "now + 1 s" counted 5 of the 7 504s (an intermittent failure).
const lateInItsSecond = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000 + 995);

describe('Connection Timeout detects 504s, not every 5xx', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  let alarmName: string;

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('inspect-security-groups');
    alarmName = account.topology.alarmNamesByHandler['inspect-security-groups']?.[0] ?? '';
  });

  const sum = async (namespace: string, metricName: string, at: Date): Promise<number> => {
    const stats = await account.cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: metricName,
        Dimensions: [{ Name: 'ApiName', Value: API }],
        StartTime: new Date(at.getTime() - 60_000),
        EndTime: windowEnd(at),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    return (stats.Datapoints ?? []).reduce((total, d) => total + (d.Sum ?? 0), 0);
  };

  it('the sandbox API logs every request to its stage access log in the JSON format the metric filter reads', async () => {
    const api = new APIGatewayClient(account.clientConfig);
    const stage = await api.send(new GetStageCommand({ restApiId: account.topology.api.id, stageName: account.topology.api.stageName }));
    expect(stage.accessLogSettings?.destinationArn).toBe(account.topology.api.accessLogGroupArn);
    expect(stage.accessLogSettings?.format).toContain('"status":$context.status');
    expect(alarmName).toBe('NotificationService API 504 Errors > 0 (notification-service-api)');
    api.destroy();
  });

  it('plain 500s are 5XXErrors but never page as 504s; 504s are counted exactly and the row fires through EventBridge', async () => {
    // A minute of plain failures: the function throws, API Gateway answers 500.
    const first = lateInItsSecond(Date.now() - 5 * 60_000);
    await serveApiRequests(account.clientConfig, account.topology, [...Array<{ status: number }>(30).fill({ status: 500 }), ...Array<{ status: number }>(10).fill({ status: 200 })], first);
    expect(await sum('AWS/ApiGateway', '5XXError', first)).toBe(30);
    expect(await sum('NotificationService', 'Api504Errors', first)).toBe(0);
    const quiet = await evaluateMetricAlarm({ clientConfig: account.clientConfig, topology: account.topology, alarmName, now: first });
    expect(quiet).toMatchObject({ to: 'OK', value: undefined });

    // The next minute: 7 requests time out at the 29 s integration timeout.
    const second = lateInItsSecond(Date.now() - 60_000);
    await serveApiRequests(account.clientConfig, account.topology, [...Array<{ status: number }>(7).fill({ status: 504 }), ...Array<{ status: number }>(3).fill({ status: 200 })], second);
    expect(await sum('NotificationService', 'Api504Errors', second)).toBe(7);
    const fired = await evaluateMetricAlarm({ clientConfig: account.clientConfig, topology: account.topology, alarmName, now: second });
    expect(fired).toMatchObject({ from: 'OK', to: 'ALARM', value: 7 });

    // The API's owner had set the consumer's integration to give up after 10 s (PutIntegration replaces it as a whole).
    const api = new APIGatewayClient(account.clientConfig);
    const restApiId = account.topology.api.id;
    const resource = (await api.send(new GetResourcesCommand({ restApiId }))).items?.find((r) => r.path === '/notifications');
    const integration = await api.send(new GetIntegrationCommand({ restApiId, resourceId: resource?.id, httpMethod: 'POST' }));
    expect(integration.timeoutInMillis).toBe(29_000);
    await api.send(
      new PutIntegrationCommand({ restApiId, resourceId: resource?.id, httpMethod: 'POST', type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: integration.uri, timeoutInMillis: 10_000 }),
    );
    const { $metadata: _before, ...stageBefore } = await api.send(new GetStageCommand({ restApiId, stageName: account.topology.api.stageName }));

    // The real rule delivered the state change to the handler's queue; the handler diagnoses it.
    const route = account.topology.alarmRoutes['inspect-security-groups'];
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: route?.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    const delivered = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as { detail: { alarmName: string; state: { value: string } } });
    const alarmEvents = delivered.filter((e) => e.detail.alarmName === alarmName && e.detail.state.value === 'ALARM');
    expect(alarmEvents).toHaveLength(1);
    const decision = await handler(alarmEvents[0]);
    expect(decision).toMatchObject({ outcome: 'escalate', playbook: 'inspect-security-groups', escalation: { cause: 'diagnosis' }, resource: { id: 'notification-service-consumer' } });
    // The timeout race is judged against the integration read from the API (its id and method named), not a default.
    expect(decision.reason).toContain(`Lambda notification-service-consumer may run 30 s but API notification-service-api (${restApiId}) POST /notifications waits 10 s for it`);
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        'fix: UpdateFunctionConfiguration {"FunctionName":"notification-service-consumer","Timeout":9}',
        `API notification-service-api (${restApiId}) POST /notifications invokes Lambda notification-service-consumer with a 10 s integration timeout`,
        `API notification-service-api (${restApiId}) stage ${account.topology.api.stageName} logs every request to /aws/apigateway/notification-service-api/access (JSON with status): the 504 metric filter counts its 504s`,
      ]),
    );
    // A diagnosis only: the API, its stage and the consumer's timeout are as they were.
    expect((await api.send(new GetIntegrationCommand({ restApiId, resourceId: resource?.id, httpMethod: 'POST' }))).timeoutInMillis).toBe(10_000);
    const { $metadata: _after, ...stageAfter } = await api.send(new GetStageCommand({ restApiId, stageName: account.topology.api.stageName }));
    expect(stageAfter).toEqual(stageBefore);
    api.destroy();
  });
});
