// Connection Timeout on an HTTP API (API Gateway v2), through inspect-security-groups' real entry point and the real SDK
// against moto: dependencies.apis says the API is an HTTP API (type http, no id: found by name with GetApis). Its $default
// stage logs to the access log group the 504 metric filter reads; 504s are counted, the alarm fires through the real
// EventBridge rule and the diagnosis names the integration timeout the API's owner set (12 s), read with GetIntegrations.
// The bad cases (no such API, two of that name, a denied listing) are each a finding, and nothing is changed.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetStageCommand,
  UpdateIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { evaluateMetricAlarm, windowEnd } from '../../../sandbox/metric-alarm-evaluator';
import { getProxyFaults, setProxyFaults, clearProxyFaults } from '../../../sandbox/proxy-control';
import { serveApiRequests } from '../../../sandbox/simulated-api';
import { apiAccessLogFormat } from '../../../shared/config/alarm-specs';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { loadHandler } from '../../support/load-handler';
import { callsDuring, writes } from '../support/proxy-calls';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const API = 'notification-service-api';
const FN = 'notification-service-consumer';
const STAGE = '$default';
const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';
// As connection-timeout-504.test.ts: moto drops the milliseconds of GetMetricStatistics' window, so serve late in a second.
const lateInItsSecond = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000 + 995);

describe('Connection Timeout on an HTTP API (dependencies.apis[].type http)', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  let alarmName: string;
  let v2: ApiGatewayV2Client;
  let previousConfig: string | undefined;

  beforeAll(async () => {
    previousConfig = process.env.RUNBOOK_CONFIG_JSON;
    account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: API, type: 'http', functionName: FN }] } }) });
    handler = loadHandler('inspect-security-groups');
    alarmName = account.topology.alarmNamesByHandler['inspect-security-groups']?.[0] ?? '';
    v2 = new ApiGatewayV2Client(account.clientConfig);
  });

  afterAll(async () => {
    await clearProxyFaults(control(), { accountId: account.accountId });
    v2.destroy();
    // provisionAccount wrote the override into this worker's environment: the next test file must not inherit it.
    if (previousConfig === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
    else process.env.RUNBOOK_CONFIG_JSON = previousConfig;
  });

  /** A fresh ALARM state change (OK first, so each case is its own incident), handled, with the calls it made. */
  const fire = async (): Promise<{ decision: Decision; calls: string[] }> => {
    await account.transition(alarmName, 'OK');
    const event = await account.transition(alarmName, 'ALARM', 'Threshold Crossed: 7 504s in the last minute');
    const { result, calls } = await callsDuring([account.accountId], () => handler(event));
    return { decision: result, calls };
  };
  /** What a diagnosis may never do: write to API Gateway (either version), Lambda or EC2. */
  const serviceWrites = (calls: readonly string[]): string[] => writes(calls).filter((c) => /^(apigateway|apigatewayv2|lambda|ec2):/.test(c));
  const httpApis = async () => ((await v2.send(new GetApisCommand({}))).Items ?? []).filter((a) => a.Name === API).map((a) => a.ApiId);

  /** The API as its owner deploys it: POST /notifications -> the consumer, the $default stage logging where the filter reads. */
  const createHttpApi = async (): Promise<{ apiId: string; integrationId: string }> => {
    const api = await v2.send(new CreateApiCommand({ Name: API, ProtocolType: 'HTTP' }));
    const apiId = api.ApiId ?? '';
    const functionArn = (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }))).FunctionArn;
    const integration = await v2.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: functionArn, PayloadFormatVersion: '2.0' }));
    const integrationId = integration.IntegrationId ?? '';
    await v2.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /notifications', Target: `integrations/${integrationId}` }));
    await v2.send(
      new CreateStageCommand({ ApiId: apiId, StageName: STAGE, AutoDeploy: true, AccessLogSettings: { DestinationArn: account.topology.api.accessLogGroupArn, Format: apiAccessLogFormat(API, 'http') } }),
    );
    return { apiId, integrationId };
  };

  it('with no HTTP API of that name (only the sandbox REST API has it): a finding, no REST API read, nothing changed', async () => {
    const { decision, calls } = await fire();
    expect(decision).toMatchObject({ outcome: 'escalate', playbook: 'inspect-security-groups', escalation: { cause: 'diagnosis' } });
    expect(decision.findings).toContain(`HTTP API ${API} not found in this account and region: deleted or renamed (dependencies.apis)`);
    // Unread, the race is judged against HTTP APIs' default: the consumer's 30 s meets API Gateway's 30 s.
    expect(decision.findings).toContainEqual(expect.stringContaining(`Lambda ${FN} may run 30 s but API ${API} waits 30 s for it (API Gateway's default for HTTP APIs)`));
    expect(calls).toContain('apigatewayv2:GetApis');
    expect(calls.filter((c) => c.startsWith('apigateway:'))).toEqual([]);
    expect(serviceWrites(calls)).toEqual([]);
  });

  it('with a denied GetApis: a finding naming the missing permission, and the fault fired', async () => {
    await setProxyFaults(control(), [{ service: 'apigatewayv2', operation: 'GetApis', times: 1, status: 403, code: 'AccessDeniedException', message: 'not authorized to perform apigateway:GET' }], {
      accountId: account.accountId,
    });
    const { decision, calls } = await fire();
    expect((await getProxyFaults(control(), { accountId: account.accountId })).map((f) => [f.operation, f.remaining])).toEqual([['GetApis', 0]]);
    expect(decision.findings).toContain('HTTP APIs not listable: AccessDeniedException (missing permission: apigateway:GET)');
    expect(calls.filter((c) => c.startsWith('apigatewayv2:'))).toEqual(['apigatewayv2:GetApis']);
    expect(serviceWrites(calls)).toEqual([]);
    await clearProxyFaults(control(), { accountId: account.accountId });
  });

  it('with two HTTP APIs of that name: a finding asking for the id, neither read further, both left as they were', async () => {
    const first = await createHttpApi();
    const second = await v2.send(new CreateApiCommand({ Name: API, ProtocolType: 'HTTP' }));
    const { decision, calls } = await fire();
    expect(decision.findings).toContain(`2 HTTP APIs are named ${API} (${first.apiId}, ${second.ApiId}): set dependencies.apis[].id to say which one`);
    expect(calls.filter((c) => c.startsWith('apigatewayv2:'))).toEqual(['apigatewayv2:GetApis']);
    expect(serviceWrites(calls)).toEqual([]);
    expect((await httpApis()).sort()).toEqual([first.apiId, second.ApiId].sort());
    // The owner removes the duplicate: one API of that name is left for the 504 case.
    await v2.send(new DeleteApiCommand({ ApiId: second.ApiId }));
    expect(await httpApis()).toEqual([first.apiId]);
  });

  it('counts the HTTP API stage\'s 504s, fires through EventBridge, and names the 12 s integration timeout its owner set', async () => {
    const [apiId] = await httpApis();
    if (!apiId) throw new Error('the previous case left no HTTP API');
    const integration = (await v2.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items?.[0];
    // Unset, moto answers 30000 (HTTP APIs' default); the API's owner sets 12 s.
    expect(integration?.TimeoutInMillis).toBe(30_000);
    await v2.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: integration?.IntegrationId, TimeoutInMillis: 12_000 }));
    const { $metadata: _before, ...stageBefore } = await v2.send(new GetStageCommand({ ApiId: apiId, StageName: STAGE }));

    // The HTTP API's $default stage serves three minutes with timeouts (decision 229: 504s in 3 of the last 5 minutes), the
    // last with 7: its access log lines go where the 504 filter reads.
    const at = lateInItsSecond(Date.now() - 60_000);
    // Served as an HTTP API serves them: its access log format (route key, no resource path), its metrics by ApiId.
    for (const [minutesBefore, timeouts] of [[2, 3], [1, 2], [0, 7]] as const) {
      await serveApiRequests(account.clientConfig, account.topology, [...Array<{ status: number }>(timeouts).fill({ status: 504 }), ...Array<{ status: number }>(3).fill({ status: 200 })], new Date(at.getTime() - minutesBefore * 60_000), {
        httpApi: { id: apiId, stageName: STAGE, routeKey: 'POST /notifications' },
      });
    }
    const stats = await account.cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'NotificationService',
        MetricName: 'Api504Errors',
        Dimensions: [{ Name: 'ApiName', Value: API }],
        StartTime: new Date(windowEnd(at).getTime() - 60_000), // the evaluator's latest period: the minute before is its own
        EndTime: windowEnd(at),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    expect((stats.Datapoints ?? []).reduce((total, d) => total + (d.Sum ?? 0), 0)).toBe(7);
    await account.transition(alarmName, 'OK');
    const fired = await evaluateMetricAlarm({ clientConfig: account.clientConfig, topology: account.topology, alarmName, now: at });
    expect(fired).toMatchObject({ to: 'ALARM', value: 7, values: [undefined, undefined, 3, 2, 7] });

    // The real rule delivered the ALARM state change to the handler's queue; the handler diagnoses it.
    const route = account.topology.alarmRoutes['inspect-security-groups'];
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: route?.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    const delivered = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as { detail: { alarmName: string; state: { value: string } } });
    // The cases above handed their events to the handler directly (account.transition puts none on the bus).
    const alarmEvents = delivered.filter((e) => e.detail.alarmName === alarmName && e.detail.state.value === 'ALARM');
    expect(alarmEvents).toHaveLength(1);
    const { result: decision, calls } = await callsDuring([account.accountId], () => handler(alarmEvents[0]));

    expect(decision).toMatchObject({ outcome: 'escalate', playbook: 'inspect-security-groups', escalation: { cause: 'diagnosis' }, resource: { id: FN } });
    expect(decision.reason).toContain(`Lambda ${FN} may run 30 s but API ${API} (${apiId}) POST /notifications waits 12 s for it`);
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        `fix: UpdateFunctionConfiguration {"FunctionName":"${FN}","Timeout":11}`,
        `API ${API} (${apiId}) POST /notifications invokes Lambda ${FN} with a 12 s integration timeout`,
        `API ${API} (${apiId}) stage ${STAGE} logs every request to /aws/apigateway/${API}/access (JSON with status): the 504 metric filter counts its 504s`,
      ]),
    );
    // Read with API Gateway v2 only (the sandbox's REST API of the same name is not the configured one).
    expect(calls.filter((c) => c.startsWith('apigatewayv2:')).sort()).toEqual(['apigatewayv2:GetApis', 'apigatewayv2:GetIntegrations', 'apigatewayv2:GetRoutes', 'apigatewayv2:GetStages']);
    expect(calls.filter((c) => c.startsWith('apigateway:'))).toEqual([]);
    // A diagnosis only: the integration, the stage and the consumer's timeout are as they were.
    expect(serviceWrites(calls)).toEqual([]);
    expect((await v2.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items?.map((i) => i.TimeoutInMillis)).toEqual([12_000]);
    const { $metadata: _after, ...stageAfter } = await v2.send(new GetStageCommand({ ApiId: apiId, StageName: STAGE }));
    expect(stageAfter).toEqual(stageBefore);
    expect((await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }))).Timeout).toBe(30);
  });
});
