// Pure: the function an API Gateway or Lambda alarm is about, through the configured API -> function mapping.
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError } from '../errors';
import type { AlarmMetricSeries, AlarmStateChange } from '../events/alarm-event';
import { primaryMetric } from '../events/primary-metric';

export interface ServiceFunction {
  functionName: string;
  /** How the alarm led to it: "behind API notification-service-api" or "function alarm". */
  via: string;
  /** The API (its configured name) when the alarm is an API Gateway one. */
  apiName?: string;
  /** The alarm named the API by ApiId only: an HTTP or WebSocket API (API Gateway v2), not a REST API. */
  httpApi?: true;
}

/**
 * API Gateway metrics carry ApiName (REST APIs) or ApiId (HTTP and WebSocket APIs); Lambda metrics carry FunctionName.
 * The API's function comes from configuration (dependencies.apis), and it must be one the environment owns.
 */
export function serviceFunctionOf(event: AlarmStateChange, runtime: RuntimeConfig, playbook: string): ServiceFunction {
  const metric = alarmMetric(event, playbook);
  const owned = runtime.env.resources.functions;
  const requireOwned = (functionName: string, via: string): ServiceFunction => {
    if (!owned.includes(functionName)) {
      throw new InvalidInputError(
        `function ${functionName} (${via}) is not one of the ${runtime.environment} functions this automation owns (${owned.join(', ') || 'none'})`,
      );
    }
    return { functionName, via };
  };
  if (metric.namespace === 'AWS/Lambda' && metric.dimensions.FunctionName) {
    return requireOwned(metric.dimensions.FunctionName.split(':')[0] ?? metric.dimensions.FunctionName, 'function alarm');
  }
  const apiName = metric.dimensions.ApiName;
  const apiId = metric.dimensions.ApiId;
  // The 504 count is the service's own metric (a metric filter on the API's access log), dimensioned by ApiName too.
  const apiNamespace = metric.namespace === 'AWS/ApiGateway' || metric.namespace === connectionTimeoutNamespace(runtime);
  if (!apiNamespace || (!apiName && !apiId)) {
    throw new InvalidInputError(
      `alarm "${event.alarmName}" watches ${metric.namespace ?? '?'} ${metric.metricName ?? metric.expression ?? '?'}: ${playbook} acts on AWS/ApiGateway alarms with an ApiName or ApiId dimension, or AWS/Lambda alarms with FunctionName`,
    );
  }
  const apis = runtime.config.dependencies.apis;
  const byName = apiName !== undefined ? apis.find((a) => a.name === apiName) : undefined;
  const byId = apiId !== undefined ? apis.find((a) => a.id === apiId) : undefined;
  // Both dimensions must name the same configured entry: else the first entry matching either would win, and an alarm on
  // one API could reach another API's function.
  if (apiName !== undefined && apiId !== undefined && (byName === undefined || byId === undefined || byName !== byId)) {
    const named = (entry: typeof byName) => (entry ? `dependencies.apis entry ${entry.name}` : 'no dependencies.apis entry');
    throw new InvalidInputError(
      `alarm "${event.alarmName}" names ApiName ${apiName} (${named(byName)}) and ApiId ${apiId} (${named(byId)}): both must name the same configured API`,
    );
  }
  const api = byName ?? byId;
  if (!api) {
    throw new InvalidInputError(
      `API ${apiName ?? apiId} is not in dependencies.apis (${apis.map((a) => a.name).join(', ') || 'none'}): which function serves it is unknown`,
    );
  }
  return { ...requireOwned(api.functionName, `behind API ${api.name}`), apiName: api.name, ...(apiName === undefined ? { httpApi: true as const } : {}) };
}

function connectionTimeoutNamespace(runtime: RuntimeConfig): string | undefined {
  return runtime.config.troubleshooting.find((row) => row.id === 'connection-timeout')?.detection.namespace;
}

export function alarmMetric(event: AlarmStateChange, playbook: string): AlarmMetricSeries {
  const metric = primaryMetric(event);
  if (!metric) {
    throw new InvalidInputError(`alarm "${event.alarmName}" is a ${event.kind} alarm without a metric: ${playbook} needs a metric alarm naming its resource`);
  }
  return metric;
}
