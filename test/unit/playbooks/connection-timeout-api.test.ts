// Connection Timeout reads the API in front of the consumer from API Gateway (mocked): resolved by name or id, the
// stage's access log, the integrations that invoke the consumer and their timeouts; a missing API or stage, an
// ambiguous name and a denied read are findings, a throttled read is retried; the planner names the read timeout.
import {
  APIGatewayClient,
  GetIntegrationCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetStagesCommand,
} from '@aws-sdk/client-api-gateway';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { TransientError } from '../../../shared/errors';
import { readApi } from '../../../shared/playbooks/connection-timeout-api';
import { planConnectionTimeoutDiagnosis, type ApiObservation } from '../../../shared/playbooks/connection-timeout-plan';
import { connectionTimeoutPlaybook, type ConnectionTimeoutClients } from '../../../shared/playbooks/connection-timeout';
import type { Plan, PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const API = 'notification-service-api';
const ID = 'a1b2c3d4e5';
const FN = 'notification-service-consumer';
const LOG_GROUP = `/aws/apigateway/${API}/access`;
const lambdaUri = (fn: string, qualifier = '') =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}${qualifier}/invocations`;
const apiGateway = mockClient(APIGatewayClient);
const lambda = mockClient(LambdaClient);
const client = () => new APIGatewayClient({ region: 'us-east-1' });

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? ('server' as const) : ('client' as const) });
}

const loggingStage = { stageName: 'prod', accessLogSettings: { destinationArn: `arn:aws:logs:us-east-1:123456789012:log-group:${LOG_GROUP}`, format: '{"status":$context.status}' } };

/** The API of the sandbox: POST /notifications invokes the consumer at 10 s; GET /health invokes another function. */
function serviceApi(): void {
  apiGateway.on(GetRestApisCommand).resolvesOnce({ items: [{ id: 'zz9y8x7w6v', name: 'billing-api' }], position: 'p2' }).resolvesOnce({ items: [{ id: ID, name: API }] });
  apiGateway.on(GetStageCommand).resolves(loggingStage);
  apiGateway.on(GetResourcesCommand).resolves({
    items: [
      { id: 'root', path: '/' },
      { id: 'res1', path: '/notifications', resourceMethods: { POST: { httpMethod: 'POST', methodIntegration: { type: 'AWS_PROXY', uri: lambdaUri(FN, ':live'), timeoutInMillis: 10_000 } } } },
      { id: 'res2', path: '/health', resourceMethods: { GET: { httpMethod: 'GET', methodIntegration: { type: 'AWS_PROXY', uri: lambdaUri(`${FN}-health`), timeoutInMillis: 3_000 } } } },
      // No integration embedded: asked for with GetIntegration (it sets no timeout: API Gateway's 29 s).
      { id: 'res3', path: '/notifications/{id}', resourceMethods: { GET: { httpMethod: 'GET' } } },
    ],
  });
  apiGateway.on(GetIntegrationCommand, { restApiId: ID, resourceId: 'res3', httpMethod: 'GET' }).resolves({ type: 'AWS_PROXY', uri: lambdaUri(FN) });
}

beforeEach(() => {
  apiGateway.reset();
  lambda.reset();
});

describe('readApi', () => {
  it('finds the API by name across pages, reads its configured stage and every integration that invokes the consumer', async () => {
    serviceApi();
    const api = await readApi(client(), { name: API, stageName: 'prod' }, FN);
    expect(api).toEqual({
      name: API,
      id: ID,
      problems: [],
      stages: [{ stageName: 'prod', destinationArn: loggingStage.accessLogSettings.destinationArn, readByMetricFilter: true, expectedLogGroup: LOG_GROUP }],
      integrations: [
        { method: 'POST /notifications', timeoutMs: 10_000, explicit: true },
        { method: 'GET /notifications/{id}', timeoutMs: 29_000, explicit: false },
      ],
    });
    expect(apiGateway.commandCalls(GetRestApisCommand)).toHaveLength(2);
    expect(apiGateway.commandCalls(GetResourcesCommand)[0]?.args[0].input).toMatchObject({ restApiId: ID, embed: ['methods'] });
    expect(apiGateway.commandCalls(GetStageCommand)[0]?.args[0].input).toEqual({ restApiId: ID, stageName: 'prod' });
    expect(apiGateway.commandCalls(GetIntegrationCommand).map((c) => c.args[0].input)).toEqual([{ restApiId: ID, resourceId: 'res3', httpMethod: 'GET' }]);
  });

  it('reads every stage when none is configured, and says which one the 504 metric filter cannot read', async () => {
    serviceApi();
    apiGateway.on(GetStagesCommand).resolves({ item: [loggingStage, { stageName: 'canary' }, { stageName: 'v2', accessLogSettings: { destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:other', format: 'CLF' } }] });
    const api = await readApi(client(), { name: API }, FN);
    expect(api.stages.map((s) => [s.stageName, s.readByMetricFilter])).toEqual([
      ['prod', true],
      ['canary', false],
      ['v2', false],
    ]);
    expect(apiGateway.commandCalls(GetStageCommand)).toHaveLength(0);
  });

  it('resolves by the configured id with GetRestApi (no listing) and refuses an id that now names another API', async () => {
    apiGateway.on(GetRestApiCommand).resolves({ id: ID, name: 'billing-api' });
    const api = await readApi(client(), { name: API, id: ID, stageName: 'prod' }, FN);
    expect(api).toEqual({ name: API, problems: [`REST API ${ID} is named "billing-api", not "${API}" (dependencies.apis): not read as that API`], stages: [], integrations: [] });
    expect(apiGateway.commandCalls(GetRestApisCommand)).toHaveLength(0);
    expect(apiGateway.commandCalls(GetStageCommand)).toHaveLength(0);
    expect(apiGateway.commandCalls(GetResourcesCommand)).toHaveLength(0);
  });

  it.each<[string, () => void, { name: string; id?: string }, string]>([
    ['an id that does not exist', () => apiGateway.on(GetRestApiCommand).rejects(sdkError('NotFoundException', 404)), { name: API, id: ID }, `REST API ${API} (${ID}) not found in this account and region: deleted, or dependencies.apis names the wrong id`],
    ['a name no API has', () => apiGateway.on(GetRestApisCommand).resolves({ items: [{ id: 'zz9y8x7w6v', name: 'billing-api' }] }), { name: API }, `REST API ${API} not found in this account and region: deleted or renamed (dependencies.apis)`],
    [
      'a name two APIs have',
      () => apiGateway.on(GetRestApisCommand).resolves({ items: [{ id: ID, name: API }, { id: 'f6e5d4c3b2', name: API }] }),
      { name: API },
      `2 REST APIs are named ${API} (${ID}, f6e5d4c3b2): set dependencies.apis[].id to say which one`,
    ],
    ['a listing that is denied', () => apiGateway.on(GetRestApisCommand).rejects(sdkError('AccessDeniedException', 403)), { name: API }, 'REST APIs not listable: AccessDeniedException (missing permission: apigateway:GET)'],
  ])('makes %s a finding, reads nothing further and throws nothing', async (_case, arrange, configured, problem) => {
    arrange();
    const api = await readApi(client(), configured, FN);
    expect(api).toEqual({ name: API, problems: [problem], stages: [], integrations: [] });
    expect(apiGateway.commandCalls(GetResourcesCommand)).toHaveLength(0);
  });

  it('makes a missing stage a finding and still reads the integrations', async () => {
    serviceApi();
    apiGateway.on(GetStageCommand).rejects(sdkError('NotFoundException', 404));
    const api = await readApi(client(), { name: API, stageName: 'prod' }, FN);
    expect(api.problems).toEqual([`stage prod of REST API ${API} (${ID}) not found: nothing is deployed there, so no request reaches the consumer through it`]);
    expect(api.integrations.map((i) => i.method)).toEqual(['POST /notifications', 'GET /notifications/{id}']);
  });

  it('throws a throttled read as transient, so Lambda retries the whole diagnosis', async () => {
    apiGateway.on(GetRestApisCommand).rejects(sdkError('TooManyRequestsException', 429));
    await expect(readApi(client(), { name: API }, FN)).rejects.toBeInstanceOf(TransientError);
  });
});

function escalation(plan: Plan<never>): Extract<Plan<never>, { kind: 'escalate' }> {
  if (plan.kind !== 'escalate') throw new Error(`expected an escalation, got ${plan.kind}`);
  return plan;
}

describe('the planner with the API read', () => {
  const outside = { functionName: FN, dependencies: [], securityGroups: [], prefixLists: {}, notes: [] };
  const timeout = { functionTimeoutSeconds: 30, apiLabel: `API ${API}` };
  const read = (overrides: Partial<ApiObservation> = {}): ApiObservation => ({
    name: API,
    id: ID,
    problems: [],
    stages: [{ stageName: 'prod', destinationArn: 'x', readByMetricFilter: true, expectedLogGroup: LOG_GROUP }],
    integrations: [
      { method: 'GET /notifications/{id}', timeoutMs: 29_000, explicit: false },
      { method: 'POST /notifications', timeoutMs: 10_000, explicit: true },
    ],
    ...overrides,
  });

  it('races the function against the shortest integration read from the API, naming it, its figure and the fix', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: read() } }));
    expect(plan.findings).toContain(
      `Lambda ${FN} may run 30 s but API ${API} (${ID}) POST /notifications waits 10 s for it: any invocation slower than 10 s reaches the client as a 504 while the function keeps running (and holding its connections) up to 30 s. ` +
        `With Timeout 9 s the same slow requests fail as 502 (a REST API Lambda proxy integration answers a function error with 502), with "Task timed out" in the function's log: ` +
        'counted by the Lambda Error Rate alarm (AWS/Lambda Errors), no longer by this 504 alarm; the slowness itself is still to be found (High Latency, NotificationService-CheckDbConnections)',
    );
    expect(plan.findings).toContain(`fix: UpdateFunctionConfiguration {"FunctionName":"${FN}","Timeout":9}`);
    expect(plan.findings).toContain(`API ${API} (${ID}) stage prod logs every request to ${LOG_GROUP} (JSON with status): the 504 metric filter counts its 504s`);
  });

  it("says the default when the integration sets no timeout, and API Gateway's default when the API could not be read", () => {
    const defaulted = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: read({ integrations: [{ method: 'POST /notifications', timeoutMs: 29_000, explicit: false }] }) } }));
    expect(defaulted.findings).toContainEqual(expect.stringContaining(`but API ${API} (${ID}) POST /notifications waits 29 s for it (API Gateway's default)`));
    const missing = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: { name: API, problems: ['REST API x not found'], stages: [], integrations: [] } } }));
    expect(missing.findings).toContain('REST API x not found');
    expect(missing.findings).toContainEqual(expect.stringContaining(`but API ${API} waits 29 s for it (API Gateway's default)`));
  });

  it('names a stage whose access log the 504 metric filter does not read, with the UpdateStage fix, and an API that does not invoke the function', () => {
    const plan = escalation(
      planConnectionTimeoutDiagnosis({ observation: { ...outside, timeout, api: read({ stages: [{ stageName: 'canary', readByMetricFilter: false, expectedLogGroup: LOG_GROUP }], integrations: [] }) } }),
    );
    expect(plan.findings).toContainEqual(expect.stringMatching(new RegExp(`^API ${API} \\(${ID}\\) stage canary has no access log: the 504 metric filter reads ${LOG_GROUP}.* — fix: UpdateStage \\{"restApiId":"${ID}","stageName":"canary"`)));
    expect(plan.findings).toContain(`no integration of API ${API} (${ID}) invokes Lambda ${FN}: dependencies.apis says it serves this API, API Gateway does not`);
  });
});

describe('inspect-security-groups observe', () => {
  it('reads the API of an API alarm beside the function, and the planner names the 10 s read from it', async () => {
    serviceApi();
    lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FN, Timeout: 30 });
    const ctx: PlaybookContext<ConnectionTimeoutClients> = {
      clients: { lambda: new LambdaClient({ region: 'us-east-1' }), apiGateway: client() } as unknown as ConnectionTimeoutClients,
      clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
      runtime: loadRuntimeConfig({
        RUNBOOK_ENVIRONMENT: 'production',
        AWS_REGION: 'us-east-1',
        RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: API, stageName: 'prod', functionName: FN }] } }),
      }),
    };
    const target = { resource: { type: 'lambda-function', id: FN, arn: `arn:aws:lambda:us-east-1:123456789012:function:${FN}` }, functionName: FN, via: `behind API ${API}`, apiName: API };
    const observation = await connectionTimeoutPlaybook.observe(ctx, target);
    expect(observation.api?.integrations[0]).toEqual({ method: 'POST /notifications', timeoutMs: 10_000, explicit: true });
    expect(observation.timeout).toEqual({ functionTimeoutSeconds: 30, apiLabel: `API ${API}` });
    const plan = escalation(connectionTimeoutPlaybook.plan({ observation, runtime: ctx.runtime, target } as Parameters<typeof connectionTimeoutPlaybook.plan>[0]));
    expect(plan.findings).toContainEqual(expect.stringContaining(`may run 30 s but API ${API} (${ID}) POST /notifications waits 10 s for it`));
  });

  it('reads no API for a function alarm, and no REST API for an alarm naming the API by ApiId (a finding instead)', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FN, Timeout: 30 });
    const ctx = {
      clients: { lambda: new LambdaClient({ region: 'us-east-1' }), apiGateway: client() },
      clock: new ManualClock(0),
      runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
    } as unknown as PlaybookContext<ConnectionTimeoutClients>;
    const observation = await connectionTimeoutPlaybook.observe(ctx, { resource: { type: 'lambda-function', id: FN, arn: 'arn' }, functionName: FN, via: 'function alarm' });
    expect(observation.api).toBeUndefined();
    // An ApiId alarm is about an HTTP or WebSocket API, while the configuration (type defaulted to rest) says REST: not
    // looked up as a REST API; the contradiction is a finding (before decision 111 it was silently not read).
    const http = await connectionTimeoutPlaybook.observe(ctx, { resource: { type: 'lambda-function', id: FN, arn: 'arn' }, functionName: FN, via: `behind API ${API}`, apiName: API, httpApi: true });
    expect(http.api).toEqual({
      name: API,
      problems: [`the alarm names API ${API} by ApiId, a dimension only HTTP and WebSocket APIs' metrics carry, but dependencies.apis[].type is "rest": not read as a REST API; set type "http" if it is an HTTP API`],
      stages: [],
      integrations: [],
    });
    expect(http.timeout).toEqual({ functionTimeoutSeconds: 30, apiLabel: `API ${API}` });
    expect(apiGateway.calls()).toHaveLength(0);
  });
});
