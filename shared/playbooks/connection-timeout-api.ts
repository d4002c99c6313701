// Connection Timeout: the REST API in front of the consumer, read from API Gateway instead of taken from configuration
// alone: the API by id or name, its stage's access log (what the 504 metric filter reads) and the timeout of every
// integration that invokes the consumer. A module of its own, loaded on demand with the API Gateway client. Read-only.
// The finding, stage and error logic is shared with HTTP APIs (./connection-timeout-api-read.ts).
import {
  APIGatewayClient,
  GetIntegrationCommand,
  GetRestApiCommand,
  GetStageCommand,
  GetStagesCommand,
  paginateGetResources,
  paginateGetRestApis,
  type RestApi,
  type Stage,
} from '@aws-sdk/client-api-gateway';
import { errorName } from '../aws/classify-error';
import { withCachedMiddleware, type SdkClientConfig } from '../aws/client-config';
import { API_GATEWAY_INTEGRATION_TIMEOUT_MS } from '../network/evaluate-dependency-state';
import { invokesFunction, NOT_FOUND, readApiWith, type ApiReads, type ConfiguredApi, type StageRead } from './connection-timeout-api-read';
import type { ApiObservation, ApiIntegrationTimeout } from './connection-timeout-plan';

export type { ConfiguredApi } from './connection-timeout-api-read';

export function apiGatewayClient(config: SdkClientConfig): APIGatewayClient {
  return new APIGatewayClient(withCachedMiddleware(config));
}

/** GetRestApis / GetResources return at most 500 items a page (API Gateway API reference, limit). */
const PAGE_LIMIT = 500;

const stageRead = (stage: Stage): StageRead => ({
  ...(stage.stageName ? { stageName: stage.stageName } : {}),
  ...(stage.accessLogSettings?.destinationArn ? { destinationArn: stage.accessLogSettings.destinationArn } : {}),
  ...(stage.accessLogSettings?.format ? { format: stage.accessLogSettings.format } : {}),
});

async function readIntegrations(client: APIGatewayClient, restApiId: string, functionName: string): Promise<ApiIntegrationTimeout[]> {
  const found: ApiIntegrationTimeout[] = [];
  // embed=methods returns each method with its integration; a method without one is asked for it (GetIntegration).
  for await (const page of paginateGetResources({ client, pageSize: PAGE_LIMIT }, { restApiId, embed: ['methods'] })) {
    for (const resource of page.items ?? []) {
      for (const [httpMethod, method] of Object.entries(resource.resourceMethods ?? {})) {
        let integration = method.methodIntegration;
        if (!integration && resource.id) {
          try {
            integration = await client.send(new GetIntegrationCommand({ restApiId, resourceId: resource.id, httpMethod }));
          } catch (error) {
            if (NOT_FOUND.has(errorName(error))) continue;
            throw error;
          }
        }
        if (!integration || !invokesFunction(integration.uri, functionName)) continue;
        found.push({
          method: `${httpMethod} ${resource.path ?? '?'}`,
          // Unset: API Gateway's default, 29 s. Set: raced as read (50 ms to 29 s, or more for a Regional or private
          // REST API whose quota was raised: possible since June 2024).
          timeoutMs: integration.timeoutInMillis ?? API_GATEWAY_INTEGRATION_TIMEOUT_MS,
          explicit: integration.timeoutInMillis !== undefined && integration.timeoutInMillis !== null,
        });
      }
    }
  }
  return found;
}

/** A REST API's reads (API Gateway v1: /restapis). */
export function restApiReads(client: APIGatewayClient): ApiReads {
  return {
    label: 'REST API',
    operations: { get: 'GetRestApi', list: 'GetRestApis', stages: 'GetStage', integrations: 'GetResources' },
    getById: (restApiId) => client.send(new GetRestApiCommand({ restApiId })),
    async listNamed(name) {
      const named: RestApi[] = [];
      for await (const page of paginateGetRestApis({ client, pageSize: PAGE_LIMIT }, {})) named.push(...(page.items ?? []).filter((a) => a.name === name));
      return named;
    },
    async stages(restApiId, stageName) {
      if (stageName) return [stageRead(await client.send(new GetStageCommand({ restApiId, stageName })))];
      return ((await client.send(new GetStagesCommand({ restApiId }))).item ?? []).map(stageRead);
    },
    integrations: (restApiId, functionName) => readIntegrations(client, restApiId, functionName),
  };
}

/**
 * The REST API as API Gateway has it. Never throws for a missing API, stage or permission: each is a finding; a
 * transient failure is thrown so the invocation is retried.
 */
export async function readApi(client: APIGatewayClient, api: ConfiguredApi, functionName: string): Promise<ApiObservation> {
  return readApiWith(restApiReads(client), api, functionName);
}
