// Connection Timeout reads an HTTP API (API Gateway v2, mocked) as it reads a REST API: by name (GetApis, every page) or
// id (GetApi), its stages' AccessLogSettings, every integration that invokes the consumer (GetIntegrations, named by
// the routes that target it) and its TimeoutInMillis; a missing API or stage, an ambiguous name, a WebSocket API and a
// denied read are findings, a throttled read is retried; the planner races against 30 s, HTTP APIs' default.
import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { defaultConfig } from '../../../shared/config/defaults';
import { loadRuntimeConfig, mergeConfig, parseAutomationConfig } from '../../../shared/config/load-config';
import { TransientError } from '../../../shared/errors';
import { invokesFunction } from '../../../shared/playbooks/connection-timeout-api-read';
import { readHttpApi } from '../../../shared/playbooks/connection-timeout-http-api';
import { planConnectionTimeoutDiagnosis, type ApiObservation } from '../../../shared/playbooks/connection-timeout-plan';
import { connectionTimeoutPlaybook, type ConnectionTimeoutClients } from '../../../shared/playbooks/connection-timeout';
import type { Plan, PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const API = 'notification-service-api';
const ID = 'h1t2t3p4a5';
const FN = 'notification-service-consumer';
const LOG_GROUP = `/aws/apigateway/${API}/access`;
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FN}`;
const invokeUri = (arn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`;
const v2 = mockClient(ApiGatewayV2Client);
const v1 = mockClient(APIGatewayClient);
const lambda = mockClient(LambdaClient);
const client = () => new ApiGatewayV2Client({ region: 'us-east-1' });

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? ('server' as const) : ('client' as const) });
}

const loggingStage = { StageName: '$default', AccessLogSettings: { DestinationArn: `arn:aws:logs:us-east-1:123456789012:log-group:${LOG_GROUP}`, Format: '{"status":$context.status}' } };

/**
 * The service's HTTP API, on the second page of GetApis: POST /notifications invokes the consumer (its ARN, alias live)
 * at 12 s; GET /notifications/{id} invokes it through the invoke URI and sets no timeout; GET /health invokes another
 * function at 3 s; an integration of the consumer at 1 s that no route targets serves nothing.
 */
function serviceApi(): void {
  v2.on(GetApisCommand)
    .resolvesOnce({ Items: [{ ApiId: 'b1l2l3i4n5', Name: 'billing-api', ProtocolType: 'HTTP', RouteSelectionExpression: '$request.method $request.path' }], NextToken: 'p2' })
    .resolvesOnce({ Items: [{ ApiId: ID, Name: API, ProtocolType: 'HTTP', RouteSelectionExpression: '$request.method $request.path' }] });
  v2.on(GetStageCommand).resolves(loggingStage);
  v2.on(GetIntegrationsCommand).resolves({
    Items: [
      { IntegrationId: 'int1', IntegrationType: 'AWS_PROXY', IntegrationUri: `${FUNCTION_ARN}:live`, TimeoutInMillis: 12_000 },
      { IntegrationId: 'int2', IntegrationType: 'AWS_PROXY', IntegrationUri: invokeUri(FUNCTION_ARN) },
      { IntegrationId: 'int3', IntegrationType: 'AWS_PROXY', IntegrationUri: `${FUNCTION_ARN}-health`, TimeoutInMillis: 3_000 },
      { IntegrationId: 'int4', IntegrationType: 'AWS_PROXY', IntegrationUri: FUNCTION_ARN, TimeoutInMillis: 1_000 },
    ],
  });
  v2.on(GetRoutesCommand).resolves({
    Items: [
      { RouteKey: 'POST /notifications', Target: 'integrations/int1' },
      { RouteKey: 'GET /notifications/{id}', Target: 'integrations/int2' },
      { RouteKey: 'GET /health', Target: 'integrations/int3' },
    ],
  });
}

beforeEach(() => {
  v2.reset();
  v1.reset();
  lambda.reset();
});

describe('invokesFunction', () => {
  it.each<[string, string | undefined, boolean]>([
    ["an HTTP API's AWS_PROXY integration carrying the function's ARN", FUNCTION_ARN, true],
    ['the ARN with an alias', `${FUNCTION_ARN}:live`, true],
    ['the ARN with a version', `${FUNCTION_ARN}:7`, true],
    ['the Lambda invoke URI (REST APIs, and HTTP APIs created from OpenAPI)', invokeUri(FUNCTION_ARN), true],
    ['the invoke URI with an alias', invokeUri(`${FUNCTION_ARN}:live`), true],
    ['another function whose name starts with the same words', `${FUNCTION_ARN}-health`, false],
    ['the invoke URI of that other function', invokeUri(`${FUNCTION_ARN}-health`), false],
    ['an HTTP_PROXY integration to a URL', 'https://notifications.example.com/send', false],
    ['a private integration (a load balancer listener ARN)', 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/notify/50dc6c495c0c9188/0467ef3c8400ae65', false],
    ['no URI (a MOCK integration)', undefined, false],
  ])('%s: %s', (_case, uri, expected) => {
    expect(invokesFunction(uri, FN)).toBe(expected);
  });
});

describe('readHttpApi', () => {
  it('finds the API by name across pages, reads its configured stage and every routed integration that invokes the consumer', async () => {
    serviceApi();
    const api = await readHttpApi(client(), { name: API, stageName: '$default' }, FN);
    expect(api).toEqual({
      name: API,
      http: true,
      id: ID,
      problems: [],
      stages: [{ stageName: '$default', destinationArn: loggingStage.AccessLogSettings.DestinationArn, readByMetricFilter: true, expectedLogGroup: LOG_GROUP }],
      integrations: [
        { method: 'POST /notifications', timeoutMs: 12_000, explicit: true },
        { method: 'GET /notifications/{id}', timeoutMs: 30_000, explicit: false },
      ],
    });
    expect(v2.commandCalls(GetApisCommand).map((c) => c.args[0].input)).toEqual([{}, { NextToken: 'p2' }]);
    expect(v2.commandCalls(GetStageCommand).map((c) => c.args[0].input)).toEqual([{ ApiId: ID, StageName: '$default' }]);
    expect(v2.commandCalls(GetIntegrationsCommand).map((c) => c.args[0].input)).toEqual([{ ApiId: ID }]);
    expect(v1.calls()).toHaveLength(0);
  });

  it('reads every stage (every page) when none is configured, and says which one the 504 metric filter cannot read', async () => {
    serviceApi();
    v2.on(GetStagesCommand)
      .resolvesOnce({ Items: [loggingStage, { StageName: 'canary' }], NextToken: 's2' })
      .resolvesOnce({ Items: [{ StageName: 'v2', AccessLogSettings: { DestinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:other', Format: '$context.requestId' } }] });
    const api = await readHttpApi(client(), { name: API }, FN);
    expect(api.stages.map((s) => [s.stageName, s.readByMetricFilter])).toEqual([
      ['$default', true],
      ['canary', false],
      ['v2', false],
    ]);
    expect(v2.commandCalls(GetStageCommand)).toHaveLength(0);
  });

  it('resolves by the configured id with GetApi (no listing)', async () => {
    serviceApi();
    v2.on(GetApiCommand, { ApiId: ID }).resolves({ ApiId: ID, Name: API, ProtocolType: 'HTTP' });
    const api = await readHttpApi(client(), { name: API, id: ID, stageName: '$default' }, FN);
    expect(api.id).toBe(ID);
    expect(api.integrations.map((i) => i.timeoutMs)).toEqual([12_000, 30_000]);
    expect(v2.commandCalls(GetApisCommand)).toHaveLength(0);
  });

  it.each<[string, () => void, { name: string; id?: string }, string]>([
    ['an id that does not exist', () => v2.on(GetApiCommand).rejects(sdkError('NotFoundException', 404)), { name: API, id: ID }, `HTTP API ${API} (${ID}) not found in this account and region: deleted, or dependencies.apis names the wrong id`],
    ['an id that now names another API', () => v2.on(GetApiCommand).resolves({ ApiId: ID, Name: 'billing-api', ProtocolType: 'HTTP' }), { name: API, id: ID }, `HTTP API ${ID} is named "billing-api", not "${API}" (dependencies.apis): not read as that API`],
    [
      'an id of a WebSocket API',
      () => v2.on(GetApiCommand).resolves({ ApiId: ID, Name: API, ProtocolType: 'WEBSOCKET' }),
      { name: API, id: ID },
      `API ${API} (${ID}) is a WEBSOCKET API, not an HTTP API (dependencies.apis[].type is "http"): not read as that API`,
    ],
    [
      'a name that is a WebSocket API',
      () => v2.on(GetApisCommand).resolves({ Items: [{ ApiId: ID, Name: API, ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }] }),
      { name: API },
      `API ${API} (${ID}) is a WEBSOCKET API, not an HTTP API (dependencies.apis[].type is "http"): not read as that API`,
    ],
    ['a GetApi that is denied', () => v2.on(GetApiCommand).rejects(sdkError('AccessDeniedException', 403)), { name: API, id: ID }, `HTTP API ${API} (${ID}) not readable: AccessDeniedException (missing permission: apigateway:GET)`],
    ['a name no API has', () => v2.on(GetApisCommand).resolves({ Items: [{ ApiId: 'b1l2l3i4n5', Name: 'billing-api', ProtocolType: 'HTTP', RouteSelectionExpression: 'x' }] }), { name: API }, `HTTP API ${API} not found in this account and region: deleted or renamed (dependencies.apis)`],
    [
      'a name two APIs have',
      () =>
        v2.on(GetApisCommand).resolves({
          Items: [
            { ApiId: ID, Name: API, ProtocolType: 'HTTP', RouteSelectionExpression: 'x' },
            { ApiId: 'f6e5d4c3b2', Name: API, ProtocolType: 'HTTP', RouteSelectionExpression: 'x' },
          ],
        }),
      { name: API },
      `2 HTTP APIs are named ${API} (${ID}, f6e5d4c3b2): set dependencies.apis[].id to say which one`,
    ],
    ['a listing that is denied', () => v2.on(GetApisCommand).rejects(sdkError('AccessDeniedException', 403)), { name: API }, 'HTTP APIs not listable: AccessDeniedException (missing permission: apigateway:GET)'],
  ])('makes %s a finding, reads nothing further and throws nothing', async (_case, arrange, configured, problem) => {
    arrange();
    const api = await readHttpApi(client(), configured, FN);
    expect(api).toEqual({ name: API, http: true, problems: [problem], stages: [], integrations: [] });
    expect(v2.commandCalls(GetIntegrationsCommand)).toHaveLength(0);
    expect(v2.commandCalls(GetStageCommand)).toHaveLength(0);
  });

  it('makes a missing stage a finding and still reads the integrations', async () => {
    serviceApi();
    v2.on(GetStageCommand).rejects(sdkError('NotFoundException', 404));
    const api = await readHttpApi(client(), { name: API, stageName: 'prod' }, FN);
    expect(api.problems).toEqual([`stage prod of HTTP API ${API} (${ID}) not found: nothing is deployed there, so no request reaches the consumer through it`]);
    expect(api.integrations.map((i) => i.method)).toEqual(['POST /notifications', 'GET /notifications/{id}']);
  });

  it('makes denied integrations a finding and still reads the stage', async () => {
    serviceApi();
    v2.on(GetIntegrationsCommand).rejects(sdkError('AccessDeniedException', 403));
    const api = await readHttpApi(client(), { name: API, stageName: '$default' }, FN);
    expect(api.problems).toEqual([`integrations of HTTP API ${API} not readable: AccessDeniedException (missing permission: apigateway:GET)`]);
    expect(api.integrations).toEqual([]);
    expect(api.stages.map((s) => s.stageName)).toEqual(['$default']);
  });

  it('throws a throttled read as transient, so Lambda retries the whole diagnosis', async () => {
    v2.on(GetApisCommand).rejects(sdkError('TooManyRequestsException', 429));
    await expect(readHttpApi(client(), { name: API }, FN)).rejects.toBeInstanceOf(TransientError);
  });
});

function escalation(plan: Plan<never>): Extract<Plan<never>, { kind: 'escalate' }> {
  if (plan.kind !== 'escalate') throw new Error(`expected an escalation, got ${plan.kind}`);
  return plan;
}

describe('the planner with an HTTP API read', () => {
  const outside = { functionName: FN, dependencies: [], securityGroups: [], prefixLists: {}, notes: [] };
  const timeout = { functionTimeoutSeconds: 30, apiLabel: `API ${API}`, httpApi: true as const };
  const read = (overrides: Partial<ApiObservation> = {}): ApiObservation => ({
    name: API,
    http: true,
    id: ID,
    problems: [],
    stages: [{ stageName: '$default', destinationArn: 'x', readByMetricFilter: true, expectedLogGroup: LOG_GROUP }],
    integrations: [
      { method: 'GET /notifications/{id}', timeoutMs: 30_000, explicit: false },
      { method: 'POST /notifications', timeoutMs: 12_000, explicit: true },
    ],
    ...overrides,
  });

  it('races the function against the shortest routed integration, naming the API id, the route, its figure and the fix', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: read() } }));
    expect(plan.findings).toContain(
      `Lambda ${FN} may run 30 s but API ${API} (${ID}) POST /notifications waits 12 s for it: any invocation slower than 12 s reaches the client as a 504 while the function keeps running (and holding its connections) up to 30 s. ` +
        `With Timeout 11 s the same slow requests fail as 500 (an HTTP API answers a function error with 500 Internal Server Error), with "Task timed out" in the function's log: ` +
        'counted by the Lambda Error Rate alarm (AWS/Lambda Errors), no longer by this 504 alarm; the slowness itself is still to be found (High Latency, NotificationService-CheckDbConnections)',
    );
    expect(plan.findings).toContain(`fix: UpdateFunctionConfiguration {"FunctionName":"${FN}","Timeout":11}`);
    expect(plan.findings).toContain(`API ${API} (${ID}) GET /notifications/{id} invokes Lambda ${FN} with a 30 s integration timeout (API Gateway's default for HTTP APIs)`);
  });

  it.each<[string, number, string | undefined]>([
    // 30 s against an unset timeout: the function may run as long as API Gateway waits, so a slow one still races it.
    ['a 30 s function against an integration that sets none', 30, `Lambda ${FN} may run 30 s but API ${API} (${ID}) POST /notifications waits 30 s for it (API Gateway's default for HTTP APIs)`],
    // 29 s would race a REST API's default (29 s) but not an HTTP API's (30 s): no finding.
    ['a 29 s function, under the 30 s default', 29, undefined],
  ])('says the 30 s default for %s', (_case, functionTimeoutSeconds, finding) => {
    const plan = escalation(
      planConnectionTimeoutDiagnosis({
        observation: { ...outside, timeout: { ...timeout, functionTimeoutSeconds }, api: read({ integrations: [{ method: 'POST /notifications', timeoutMs: 30_000, explicit: false }] }) },
      }),
    );
    const race = (plan.findings ?? []).filter((f) => f.includes(' waits '));
    expect(race).toEqual(finding ? [expect.stringContaining(finding)] : []);
  });

  it("races an HTTP API that could not be read against its 30 s default, said as HTTP APIs' default", () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: { name: API, http: true, problems: ['HTTP API x not found'], stages: [], integrations: [] } } }));
    expect(plan.findings).toContain('HTTP API x not found');
    expect(plan.findings).toContainEqual(expect.stringContaining(`but API ${API} waits 30 s for it (API Gateway's default for HTTP APIs)`));
  });

  it("names a stage whose access log the 504 metric filter does not read, with an HTTP API's UpdateStage fix", () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: read({ stages: [{ stageName: '$default', readByMetricFilter: false, expectedLogGroup: LOG_GROUP }] }) } }));
    const finding = (plan.findings ?? []).find((f) => f.startsWith(`API ${API} (${ID}) stage $default has no access log`));
    const fix = JSON.parse(finding?.split(' — fix: UpdateStage ')[1] ?? 'null') as { ApiId: string; StageName: string; AccessLogSettings: { DestinationArn: string; Format: string } };
    expect(fix.ApiId).toBe(ID);
    expect(fix.StageName).toBe('$default');
    expect(fix.AccessLogSettings.DestinationArn).toBe(`arn:<partition>:logs:<region>:<account>:log-group:${LOG_GROUP}`);
    expect(fix.AccessLogSettings.Format).toContain('"status":$context.status');
    expect(fix.AccessLogSettings.Format).toContain(`"apiName":"${API}"`);
    // An HTTP API's variables ("Customize HTTP API access logs"): the route key, never a REST API's resource path.
    expect(fix.AccessLogSettings.Format).toContain('"routeKey":"$context.routeKey"');
    expect(fix.AccessLogSettings.Format).not.toContain('$context.resourcePath');
  });
});

describe('dependencies.apis[].type', () => {
  const parse = (api: Record<string, unknown>) => parseAutomationConfig(mergeConfig(defaultConfig, { dependencies: { apis: [{ name: API, functionName: FN, ...api }] } }));

  it('defaults to rest (what decision 84 assumed) and takes http', () => {
    expect(parse({}).dependencies.apis[0]?.type).toBe('rest');
    expect(parse({ type: 'http', stageName: '$default' }).dependencies.apis[0]).toEqual({ name: API, functionName: FN, type: 'http', stageName: '$default' });
  });

  it('refuses a type API Gateway has not (a WebSocket API is not what a 504 row reads)', () => {
    expect(() => parse({ type: 'websocket' })).toThrow(/dependencies\.apis\.0\.type/);
  });
});

describe('inspect-security-groups observe', () => {
  it('reads an API configured as HTTP with the ApiGatewayV2 client, never the REST client, and the planner names the 12 s read', async () => {
    serviceApi();
    lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FN, Timeout: 30 });
    const ctx: PlaybookContext<ConnectionTimeoutClients> = {
      clients: { lambda: new LambdaClient({ region: 'us-east-1' }), apiGateway: new APIGatewayClient({ region: 'us-east-1' }), apiGatewayV2: client() } as unknown as ConnectionTimeoutClients,
      clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
      runtime: loadRuntimeConfig({
        RUNBOOK_ENVIRONMENT: 'production',
        AWS_REGION: 'us-east-1',
        RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: API, type: 'http', stageName: '$default', functionName: FN }] } }),
      }),
    };
    const target = { resource: { type: 'lambda-function', id: FN, arn: FUNCTION_ARN }, functionName: FN, via: `behind API ${API}`, apiName: API };
    const observation = await connectionTimeoutPlaybook.observe(ctx, target);
    expect(observation.api?.http).toBe(true);
    expect(observation.timeout).toEqual({ functionTimeoutSeconds: 30, apiLabel: `API ${API}`, httpApi: true });
    expect(v1.calls()).toHaveLength(0);
    const plan = escalation(connectionTimeoutPlaybook.plan({ observation, runtime: ctx.runtime, target } as Parameters<typeof connectionTimeoutPlaybook.plan>[0]));
    expect(plan.findings).toContainEqual(expect.stringContaining(`may run 30 s but API ${API} (${ID}) POST /notifications waits 12 s for it`));
  });
});
