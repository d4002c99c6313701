// Connection Timeout: the HTTP API (API Gateway v2) in front of the consumer, read as the REST API is
// (./connection-timeout-api-read.ts): the API by id (GetApi) or name (GetApis, every page), its stages' access logs
// (GetStage(s): AccessLogSettings) and every integration that invokes the consumer (GetIntegrations, per API, with the
// routes that target each: GetRoutes). A module of its own, loaded on demand with the ApiGatewayV2 client. Read-only.
import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
  type Api,
  type Integration,
  type Route,
  type Stage,
} from '@aws-sdk/client-apigatewayv2';
import { HTTP_API_INTEGRATION_TIMEOUT_MS } from '../network/evaluate-dependency-state';
import { invokesFunction, readApiWith, type ApiReads, type ConfiguredApi, type FoundApi, type StageRead } from './connection-timeout-api-read';
import type { ApiIntegrationTimeout, ApiObservation } from './connection-timeout-plan';
import { everyPage, type ListedPage } from '../aws/every-page';
import { withCachedMiddleware, type SdkClientConfig } from '../aws/client-config';

/** A v2 list call's page (`Items`, `NextToken`) as the shared pager reads it. */
const v2Page = <T>(page: { Items?: T[]; NextToken?: string }): ListedPage<T> => ({ items: page.Items, next: page.NextToken });

export function apiGatewayV2Client(config: SdkClientConfig): ApiGatewayV2Client {
  return new ApiGatewayV2Client(withCachedMiddleware(config));
}

const foundApi = (api: Partial<Pick<Api, 'ApiId' | 'Name' | 'ProtocolType'>>): FoundApi => ({
  ...(api.ApiId ? { id: api.ApiId } : {}),
  ...(api.Name ? { name: api.Name } : {}),
  ...(api.ProtocolType ? { protocolType: api.ProtocolType } : {}),
});

const stageRead = (stage: Pick<Stage, 'AccessLogSettings'> & { StageName?: string }): StageRead => ({
  ...(stage.StageName ? { stageName: stage.StageName } : {}),
  ...(stage.AccessLogSettings?.DestinationArn ? { destinationArn: stage.AccessLogSettings.DestinationArn } : {}),
  ...(stage.AccessLogSettings?.Format ? { format: stage.AccessLogSettings.Format } : {}),
});

/**
 * The integrations that invoke the function, each named by the routes that target it ("integrations/<id>"). One that no
 * route targets serves no request, so it is not raced.
 */
function integrationTimeouts(integrations: readonly Integration[], routes: readonly Route[], functionName: string): ApiIntegrationTimeout[] {
  return integrations.flatMap((integration) => {
    if (!invokesFunction(integration.IntegrationUri, functionName)) return [];
    const keys = routes.filter((r) => integration.IntegrationId && r.Target === `integrations/${integration.IntegrationId}`).map((r) => r.RouteKey ?? '?');
    if (keys.length === 0) return [];
    const explicit = integration.TimeoutInMillis !== undefined && integration.TimeoutInMillis !== null;
    return [{ method: keys.join(', '), timeoutMs: integration.TimeoutInMillis ?? HTTP_API_INTEGRATION_TIMEOUT_MS, explicit }];
  });
}

/** An HTTP API's reads (API Gateway v2: /apis). */
export function httpApiReads(client: ApiGatewayV2Client): ApiReads {
  return {
    label: 'HTTP API',
    http: true,
    operations: { get: 'GetApi', list: 'GetApis', stages: 'GetStage', integrations: 'GetIntegrations' },
    getById: async (ApiId) => foundApi(await client.send(new GetApiCommand({ ApiId }))),
    async listNamed(name) {
      const apis = await everyPage(async (NextToken) => v2Page(await client.send(new GetApisCommand({ ...(NextToken ? { NextToken } : {}) }))));
      return apis.filter((a) => a.Name === name).map(foundApi);
    },
    async stages(ApiId, StageName) {
      if (StageName) return [stageRead(await client.send(new GetStageCommand({ ApiId, StageName })))];
      return (await everyPage(async (NextToken) => v2Page(await client.send(new GetStagesCommand({ ApiId, ...(NextToken ? { NextToken } : {}) }))))).map(stageRead);
    },
    async integrations(ApiId, functionName) {
      const [integrations, routes] = await Promise.all([
        everyPage(async (NextToken) => v2Page(await client.send(new GetIntegrationsCommand({ ApiId, ...(NextToken ? { NextToken } : {}) })))),
        everyPage(async (NextToken) => v2Page(await client.send(new GetRoutesCommand({ ApiId, ...(NextToken ? { NextToken } : {}) })))),
      ]);
      return integrationTimeouts(integrations, routes, functionName);
    },
    // GetApi(s) answers WebSocket APIs too: their integrations time out at 29 s and their 504s are not this row's.
    refuse: (found) =>
      found.protocolType !== undefined && found.protocolType !== 'HTTP'
        ? `API ${found.name ?? '?'} (${found.id ?? '?'}) is a ${found.protocolType} API, not an HTTP API (dependencies.apis[].type is "http"): not read as that API`
        : undefined,
  };
}

/**
 * The HTTP API as API Gateway has it. Never throws for a missing API, stage or permission: each is a finding; a
 * transient failure is thrown so the invocation is retried.
 */
export async function readHttpApi(client: ApiGatewayV2Client, api: ConfiguredApi, functionName: string): Promise<ApiObservation> {
  return readApiWith(httpApiReads(client), api, functionName);
}
