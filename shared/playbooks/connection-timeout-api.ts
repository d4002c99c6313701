// Connection Timeout: the REST API in front of the consumer, read from API Gateway instead of taken from configuration
// alone: the API by id or name, its stage's access log (what the 504 metric filter reads) and the timeout of every
// integration that invokes the consumer. A module of its own, loaded on demand with the API Gateway client. Read-only.
import {
  APIGatewayClient,
  GetIntegrationCommand,
  GetRestApiCommand,
  GetStageCommand,
  GetStagesCommand,
  paginateGetResources,
  paginateGetRestApis,
  type APIGatewayClientConfig,
  type RestApi,
  type Stage,
} from '@aws-sdk/client-api-gateway';
import { classifyAwsError, errorName, isTransientAwsError } from '../aws/classify-error';
import { apiAccessLogGroupName } from '../config/alarm-specs';
import type { ApiObservation, ApiIntegrationTimeout, ApiStageLog } from './connection-timeout-plan';

export function apiGatewayClient(config: APIGatewayClientConfig): APIGatewayClient {
  return new APIGatewayClient(config);
}

export interface ConfiguredApi {
  name: string;
  id?: string;
  stageName?: string;
}

/** GetRestApis / GetResources return at most 500 items a page (API Gateway API reference, limit). */
const PAGE_LIMIT = 500;
const NOT_FOUND = new Set(['NotFoundException']);
const DENIED = /AccessDenied|UnauthorizedOperation|Forbidden/;

/** An error that leaves the API unread: transient ones are thrown (Lambda retries), the rest are said in the finding. */
function unreadable(error: unknown, operation: string): string {
  if (isTransientAwsError(error)) throw classifyAwsError(error, operation);
  const name = errorName(error);
  return DENIED.test(name) ? `${name} (missing permission: apigateway:GET)` : name;
}

async function resolveApi(client: APIGatewayClient, api: ConfiguredApi): Promise<{ api?: RestApi; problem?: string }> {
  if (api.id) {
    try {
      const found = await client.send(new GetRestApiCommand({ restApiId: api.id }));
      // Trust nothing: the configured id must still be the configured API.
      if (found.name !== api.name) return { problem: `REST API ${api.id} is named "${found.name ?? '?'}", not "${api.name}" (dependencies.apis): not read as that API` };
      return { api: found };
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) return { problem: `REST API ${api.name} (${api.id}) not found in this account and region: deleted, or dependencies.apis names the wrong id` };
      return { problem: `REST API ${api.name} (${api.id}) not readable: ${unreadable(error, 'API Gateway GetRestApi')}` };
    }
  }
  const named: RestApi[] = [];
  try {
    for await (const page of paginateGetRestApis({ client, pageSize: PAGE_LIMIT }, {})) named.push(...(page.items ?? []).filter((a) => a.name === api.name));
  } catch (error) {
    return { problem: `REST APIs not listable: ${unreadable(error, 'API Gateway GetRestApis')}` };
  }
  if (named.length === 0) return { problem: `REST API ${api.name} not found in this account and region: deleted or renamed (dependencies.apis)` };
  if (named.length > 1) {
    return { problem: `${named.length} REST APIs are named ${api.name} (${named.map((a) => a.id ?? '?').join(', ')}): set dependencies.apis[].id to say which one` };
  }
  return { api: named[0] };
}

async function readStages(client: APIGatewayClient, restApiId: string, api: ConfiguredApi): Promise<{ stages: Stage[]; problem?: string }> {
  try {
    if (api.stageName) return { stages: [await client.send(new GetStageCommand({ restApiId, stageName: api.stageName }))] };
    return { stages: (await client.send(new GetStagesCommand({ restApiId }))).item ?? [] };
  } catch (error) {
    if (NOT_FOUND.has(errorName(error))) return { stages: [], problem: `stage ${api.stageName ?? '(any)'} of REST API ${api.name} (${restApiId}) not found: nothing is deployed there, so no request reaches the consumer through it` };
    return { stages: [], problem: `stages of REST API ${api.name} not readable: ${unreadable(error, 'API Gateway GetStage')}` };
  }
}

/** Where the stage logs, and whether the 504 metric filter can read it (its log group, JSON with a numeric status). */
function stageLog(stage: Stage, apiName: string): ApiStageLog {
  const settings = stage.accessLogSettings;
  const expectedGroup = apiAccessLogGroupName(apiName);
  return {
    stageName: stage.stageName ?? '?',
    ...(settings?.destinationArn ? { destinationArn: settings.destinationArn } : {}),
    readByMetricFilter:
      settings?.destinationArn !== undefined &&
      settings.destinationArn.replace(/:\*$/, '').endsWith(`:log-group:${expectedGroup}`) &&
      (settings.format ?? '').includes('"status":$context.status'),
    expectedLogGroup: expectedGroup,
  };
}

/** "…/functions/arn:aws:lambda:us-east-1:123456789012:function:NAME[:qualifier]/invocations" invokes NAME. */
function invokes(uri: string | undefined, functionName: string): boolean {
  return uri !== undefined && new RegExp(`:function:${functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:[^/]+)?/invocations$`).test(uri);
}

/** API Gateway's default integration timeout (API Gateway quotas: 50 ms to 29 s, 29 s when unset). */
const DEFAULT_TIMEOUT_MS = 29_000;

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
        if (!integration || !invokes(integration.uri, functionName)) continue;
        found.push({
          method: `${httpMethod} ${resource.path ?? '?'}`,
          timeoutMs: integration.timeoutInMillis ?? DEFAULT_TIMEOUT_MS,
          explicit: integration.timeoutInMillis !== undefined && integration.timeoutInMillis !== null,
        });
      }
    }
  }
  return found;
}

/**
 * The API as API Gateway has it. Never throws for a missing API, stage or permission: each is a finding; a transient
 * failure is thrown so the invocation is retried.
 */
export async function readApi(client: APIGatewayClient, api: ConfiguredApi, functionName: string): Promise<ApiObservation> {
  const base = { name: api.name } as const;
  const resolved = await resolveApi(client, api);
  if (!resolved.api?.id) return { ...base, problems: [resolved.problem ?? `REST API ${api.name}: no id`], stages: [], integrations: [] };
  const restApiId = resolved.api.id;
  let integrations: ApiIntegrationTimeout[] = [];
  const problems: string[] = [];
  const [stages] = await Promise.all([
    readStages(client, restApiId, api),
    readIntegrations(client, restApiId, functionName).then(
      (read) => {
        integrations = read;
      },
      (error: unknown) => {
        problems.push(`integrations of REST API ${api.name} not readable: ${unreadable(error, 'API Gateway GetResources')}`);
      },
    ),
  ]);
  if (stages.problem) problems.push(stages.problem);
  return { ...base, id: restApiId, problems, stages: stages.stages.map((s) => stageLog(s, api.name)), integrations };
}
