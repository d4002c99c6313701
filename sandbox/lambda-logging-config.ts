// A gap of moto's Lambda filled for the gap proxy: moto 5.2.1 takes no LoggingConfig (Lambda's advanced logging controls:
// log format, levels, the log group the function writes to) on CreateFunction or UpdateFunctionConfiguration and answers
// none (awslambda/models.py has no logging_config). Kept here per function, and put back where Lambda answers it: the
// function's configuration in CreateFunction, GetFunctionConfiguration, GetFunction and UpdateFunctionConfiguration.
// A function never given one is answered as moto answers it (no LoggingConfig), which every reader here takes as
// Lambda's default (Text, /aws/lambda/<name>). The unqualified function only: a published version's answer is moto's.
import { functionNameOfPath, withFunctionConfiguration } from './lambda-revisions';

/** Lambda's LoggingConfig (API reference, LoggingConfig): every field optional in a request. */
export interface LoggingConfig {
  LogFormat?: string;
  ApplicationLogLevel?: string;
  SystemLogLevel?: string;
  LogGroup?: string;
}

export interface LoggingConfigRequest {
  operation: string;
  accountId?: string;
  region?: string;
  pathname: string;
  /** The request's Qualifier (GetFunction, GetFunctionConfiguration): a version or alias is answered as moto answers it. */
  qualifier?: string | null;
  /** The request's JSON body (CreateFunction, UpdateFunctionConfiguration). */
  body: string;
}

/** What the proxy does for one request: `sent` is the LoggingConfig a create or an update carries. */
export interface LoggingConfigAction {
  key: string;
  functionName: string;
  kind: 'create' | 'update' | 'read' | 'delete';
  sent?: LoggingConfig;
}

const READS = new Set(['GetFunctionConfiguration', 'GetFunction']);

function bodyOf(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body || '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The LoggingConfig fields a request sets (strings only), or undefined when it carries none. */
function sentLoggingConfig(body: Record<string, unknown>): LoggingConfig | undefined {
  const sent = body.LoggingConfig;
  if (typeof sent !== 'object' || sent === null || Array.isArray(sent)) return undefined;
  const fields = ['LogFormat', 'ApplicationLogLevel', 'SystemLogLevel', 'LogGroup'] as const;
  const config: LoggingConfig = {};
  for (const field of fields) {
    const value = (sent as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') config[field] = value;
  }
  return config;
}

/** The function's name from a name, a partial or a full ARN (CreateFunction's FunctionName is a name). */
function nameOf(named: string): string {
  const parts = named.split(':');
  const at = parts.indexOf('function');
  return at >= 0 ? (parts[at + 1] ?? named) : named;
}

/** Each function's LoggingConfig (account, region, name), as the requests that reached moto through the proxy set it. */
export class LambdaLoggingConfigs {
  private readonly configs = new Map<string, LoggingConfig>();

  /** What this request means for a function's LoggingConfig; undefined for any request that neither sets nor answers one. */
  actionOf(request: LoggingConfigRequest): LoggingConfigAction | undefined {
    if (!request.accountId) return undefined;
    const at = (functionName: string | undefined, kind: LoggingConfigAction['kind'], sent?: LoggingConfig): LoggingConfigAction | undefined =>
      functionName ? { key: `${request.accountId ?? ''}:${request.region ?? ''}:${functionName}`, functionName, kind, ...(sent ? { sent } : {}) } : undefined;
    if (request.operation === 'CreateFunction') {
      const body = bodyOf(request.body);
      return typeof body.FunctionName === 'string' ? at(nameOf(body.FunctionName), 'create', sentLoggingConfig(body)) : undefined;
    }
    const name = functionNameOfPath(request.pathname);
    if (request.operation === 'UpdateFunctionConfiguration') return at(name, 'update', sentLoggingConfig(bodyOf(request.body)));
    if (request.qualifier && request.qualifier !== '$LATEST') return undefined;
    if (READS.has(request.operation)) return at(name, 'read');
    return request.operation === 'DeleteFunction' ? at(name, 'delete') : undefined;
  }

  /** Moto accepted the request (2xx): a create sets the function's LoggingConfig afresh, an update sets the fields it sends. */
  accepted(action: LoggingConfigAction): void {
    if (action.kind === 'delete' || action.kind === 'create') this.configs.delete(action.key);
    if (action.sent && (action.kind === 'create' || action.kind === 'update')) this.configs.set(action.key, { ...this.configs.get(action.key), ...action.sent });
  }

  /**
   * The function's LoggingConfig as Lambda answers it: the fields set, Lambda's defaults for the others it always
   * answers (LogFormat Text, LogGroup /aws/lambda/<name>); undefined when none was ever set through the proxy.
   */
  answerOf(action: LoggingConfigAction): LoggingConfig | undefined {
    const set = this.configs.get(action.key);
    return set ? { LogFormat: 'Text', LogGroup: `/aws/lambda/${action.functionName}`, ...set } : undefined;
  }
}

/** A JSON answer of moto's with the function's LoggingConfig put where Lambda puts it (GetFunction: in Configuration). */
export function withLoggingConfig(operation: string, body: Buffer, loggingConfig: LoggingConfig | undefined): Buffer {
  return loggingConfig ? withFunctionConfiguration(operation, body, { LoggingConfig: loggingConfig }) : body;
}
