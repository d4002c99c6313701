// Connection Timeout: how the API in front of the consumer is read, whichever API Gateway API it is (a REST API through
// ./connection-timeout-api.ts, an HTTP API through ./connection-timeout-http-api.ts): find it by id or by name, read its
// stages' access logs and the integrations that invoke the consumer. No SDK import here, so neither chunk drags in the
// other's client. Read-only.
import { classifyAwsError, errorName, isTransientAwsError } from '../aws/classify-error';
import { apiAccessLogGroupName } from '../config/alarm-specs';
import { textMemo } from '../text-memo';
import type { ApiIntegrationTimeout, ApiObservation, ApiStageLog } from './connection-timeout-plan';

export interface ConfiguredApi {
  name: string;
  id?: string;
  stageName?: string;
}

/** An API as GetRestApi(s) / GetApi(s) return it, reduced to what identifies it. */
export interface FoundApi {
  id?: string;
  name?: string;
  /** HTTP or WEBSOCKET (API Gateway v2's ProtocolType); absent for a REST API. */
  protocolType?: string;
}

/** A stage and its access log settings, as GetStage(s) of either API returns them. */
export interface StageRead {
  stageName?: string;
  destinationArn?: string;
  format?: string;
}

/** One API Gateway API's reads: its calls, and the words the findings use for it. */
export interface ApiReads {
  /** "REST API" or "HTTP API". */
  label: string;
  http?: true;
  operations: { get: string; list: string; stages: string; integrations: string };
  getById(id: string): Promise<FoundApi>;
  /** Every API of the account and region whose name is `name` (every page read). */
  listNamed(name: string): Promise<FoundApi[]>;
  /** The configured stage, or every stage when none is configured. */
  stages(apiId: string, stageName: string | undefined): Promise<StageRead[]>;
  integrations(apiId: string, functionName: string): Promise<ApiIntegrationTimeout[]>;
  /** Why a found API is not one this reader may read as that API (a WebSocket API where an HTTP API is configured). */
  refuse?(found: FoundApi): string | undefined;
}

export const NOT_FOUND = new Set(['NotFoundException']);
const DENIED = /AccessDenied|UnauthorizedOperation|Forbidden/;

/** An error that leaves the API unread: transient ones are thrown (Lambda retries), the rest are said in the finding. */
export function unreadable(error: unknown, operation: string): string {
  if (isTransientAwsError(error)) throw classifyAwsError(error, operation);
  const name = errorName(error);
  return DENIED.test(name) ? `${name} (missing permission: apigateway:GET)` : name;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether an integration URI invokes the function (any qualifier): a REST API's and an HTTP API's Lambda invoke URI
 * "…/functions/arn:aws:lambda:us-east-1:123456789012:function:NAME[:qualifier]/invocations", or the function's ARN
 * itself, which an HTTP API's AWS_PROXY integration may carry as its IntegrationUri.
 */
export function invokesFunction(uri: string | undefined, functionName: string): boolean {
  if (uri === undefined) return false;
  const { invokeUri, functionArn } = invokePatterns(functionName);
  return invokeUri.test(uri) || functionArn.test(uri);
}

/**
 * The two patterns of a function name, built once per container per name (every integration of every decision asked
 * for them again; decision 279). Neither has the g or y flag, so `test` keeps no state between calls.
 */
const invokePatterns = textMemo((functionName: string): Readonly<{ invokeUri: RegExp; functionArn: RegExp }> => {
  const fn = `:function:${escapeRegExp(functionName)}(:[^/:]+)?`;
  return Object.freeze({ invokeUri: new RegExp(`${fn}/invocations$`), functionArn: new RegExp(`^arn:[a-z-]+:lambda:[a-z0-9-]+:\\d{12}${fn}$`) });
}, 256);

/** Where the stage logs, and whether the 504 metric filter can read it (its log group, JSON with a numeric status). */
export function stageLog(stage: StageRead, apiName: string): ApiStageLog {
  const expectedGroup = apiAccessLogGroupName(apiName);
  return {
    stageName: stage.stageName ?? '?',
    ...(stage.destinationArn ? { destinationArn: stage.destinationArn } : {}),
    readByMetricFilter:
      stage.destinationArn !== undefined &&
      stage.destinationArn.replace(/:\*$/, '').endsWith(`:log-group:${expectedGroup}`) &&
      (stage.format ?? '').includes('"status":$context.status'),
    expectedLogGroup: expectedGroup,
  };
}

async function resolveApi(reads: ApiReads, api: ConfiguredApi): Promise<{ api?: FoundApi; problem?: string }> {
  const { label } = reads;
  if (api.id) {
    let found: FoundApi;
    try {
      found = await reads.getById(api.id);
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) return { problem: `${label} ${api.name} (${api.id}) not found in this account and region: deleted, or dependencies.apis names the wrong id` };
      return { problem: `${label} ${api.name} (${api.id}) not readable: ${unreadable(error, `API Gateway ${reads.operations.get}`)}` };
    }
    // Trust nothing: the configured id must still be the configured API, and of the configured type.
    if (found.name !== api.name) return { problem: `${label} ${api.id} is named "${found.name ?? '?'}", not "${api.name}" (dependencies.apis): not read as that API` };
    const refused = reads.refuse?.(found);
    if (refused) return { problem: refused };
    return { api: found };
  }
  let named: FoundApi[];
  try {
    named = await reads.listNamed(api.name);
  } catch (error) {
    return { problem: `${label}s not listable: ${unreadable(error, `API Gateway ${reads.operations.list}`)}` };
  }
  if (named.length === 0) return { problem: `${label} ${api.name} not found in this account and region: deleted or renamed (dependencies.apis)` };
  // API names are not unique (REST or HTTP): two of that name is a finding asking for the id, not a guess.
  if (named.length > 1) {
    return { problem: `${named.length} ${label}s are named ${api.name} (${named.map((a) => a.id ?? '?').join(', ')}): set dependencies.apis[].id to say which one` };
  }
  const [only] = named;
  const refused = only ? reads.refuse?.(only) : undefined;
  return refused ? { problem: refused } : { api: only };
}

async function readStages(reads: ApiReads, apiId: string, api: ConfiguredApi): Promise<{ stages: StageRead[]; problem?: string }> {
  try {
    return { stages: await reads.stages(apiId, api.stageName) };
  } catch (error) {
    if (NOT_FOUND.has(errorName(error))) {
      return { stages: [], problem: `stage ${api.stageName ?? '(any)'} of ${reads.label} ${api.name} (${apiId}) not found: nothing is deployed there, so no request reaches the consumer through it` };
    }
    return { stages: [], problem: `stages of ${reads.label} ${api.name} not readable: ${unreadable(error, `API Gateway ${reads.operations.stages}`)}` };
  }
}

/**
 * The API as API Gateway has it. Never throws for a missing API, stage or permission: each is a finding; a transient
 * failure is thrown so the invocation is retried.
 */
export async function readApiWith(reads: ApiReads, api: ConfiguredApi, functionName: string): Promise<ApiObservation> {
  const base = { name: api.name, ...(reads.http ? { http: true as const } : {}) };
  const resolved = await resolveApi(reads, api);
  if (!resolved.api?.id) return { ...base, problems: [resolved.problem ?? `${reads.label} ${api.name}: no id`], stages: [], integrations: [] };
  const apiId = resolved.api.id;
  let integrations: ApiIntegrationTimeout[] = [];
  const problems: string[] = [];
  const [stages] = await Promise.all([
    readStages(reads, apiId, api),
    reads.integrations(apiId, functionName).then(
      (read) => {
        integrations = read;
      },
      (error: unknown) => {
        problems.push(`integrations of ${reads.label} ${api.name} not readable: ${unreadable(error, `API Gateway ${reads.operations.integrations}`)}`);
      },
    ),
  ]);
  if (stages.problem) problems.push(stages.problem);
  return { ...base, id: apiId, problems, stages: stages.stages.map((s) => stageLog(s, api.name)), integrations };
}
