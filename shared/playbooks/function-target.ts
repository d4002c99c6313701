// Which owned Lambda function an alarm is about, from its metric: shared by the function playbooks. Pure.
import { functionNameFromArn, partitionOf } from '../aws/arn';
import { outOfMemoryMetric } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import { primaryMetric } from '../events/primary-metric';
import type { ResourceRef } from '../pipeline/types';

export interface FunctionTarget {
  resource: ResourceRef;
  functionName: string;
  /** The alias or version the alarm's `Resource` dimension names ("fn:live"). */
  qualifier?: string;
  /** Set when the alarm watches a log metric filter's metric (no dimensions): observe confirms the filter is on this function's log group. */
  metricFilter?: { namespace: string; metricName: string };
}

/** "fn:qualifier" (the AWS/Lambda `Resource` dimension) -> its parts. */
function splitResource(resource: string): { functionName: string; qualifier?: string } {
  const at = resource.indexOf(':');
  return at < 0 ? { functionName: resource } : { functionName: resource.slice(0, at), qualifier: resource.slice(at + 1) };
}

/**
 * The owned function whose out-of-memory filter publishes that metric (infra's metricFilterSpecs: with several functions,
 * each its own metric, decision 359), or undefined: not one of those metrics.
 */
function outOfMemoryMetricOwner(runtime: RuntimeConfig, namespace: string, metricName: string): string | undefined {
  const owned = runtime.env.resources.functions;
  return owned.find((functionName) => {
    const metric = outOfMemoryMetric(runtime.config, { functionName, functions: owned });
    return metric.namespace === namespace && metric.metricName === metricName;
  });
}

/**
 * Which owned function an alarm is about: its FunctionName / Resource dimension, or (a log metric filter's metric) the
 * function whose out-of-memory filter publishes it, else the one owned function.
 */
export function resolveFunctionTarget(event: AlarmStateChange, runtime: RuntimeConfig, handler: string): FunctionTarget {
  const metric = primaryMetric(event);
  if (!metric) {
    throw new InvalidInputError(`alarm "${event.alarmName}" is a ${event.kind} alarm without a metric: ${handler} needs an alarm on one function's metric`);
  }
  const owned = runtime.env.resources.functions;
  const dimensions = metric.dimensions;
  let functionName: string | undefined;
  let qualifier: string | undefined;
  let metricFilter: FunctionTarget['metricFilter'];
  if (dimensions.FunctionName !== undefined || dimensions.Resource !== undefined) {
    const fromResource = dimensions.Resource !== undefined ? splitResource(dimensions.Resource) : undefined;
    // Custom metrics sometimes carry the function's ARN rather than its name.
    functionName = dimensions.FunctionName !== undefined ? functionNameFromArn(dimensions.FunctionName) : fromResource?.functionName;
    if (fromResource?.qualifier !== undefined && fromResource.functionName === functionName) qualifier = fromResource.qualifier;
  } else if (Object.keys(dimensions).length === 0 && metric.namespace && metric.metricName && !metric.namespace.startsWith('AWS/')) {
    // A metric filter on a text pattern publishes without dimensions (only JSON and space-delimited patterns can
    // extract them): the metric is one function's out-of-memory count, named after it where there are several
    // (decision 359), or a metric that names no function, which must then be the one function this environment owns.
    const owner = outOfMemoryMetricOwner(runtime, metric.namespace, metric.metricName);
    if (owner === undefined && owned.length !== 1) {
      throw new InvalidInputError(
        `alarm "${event.alarmName}" watches ${metric.namespace}/${metric.metricName} without dimensions and ${runtime.environment} owns ` +
          `${owned.length} functions (${owned.join(', ') || 'none'}): give the alarm a FunctionName dimension so ${handler} knows which`,
      );
    }
    functionName = owner ?? owned[0];
    metricFilter = { namespace: metric.namespace, metricName: metric.metricName };
  }
  if (!functionName) {
    throw new InvalidInputError(
      `alarm "${event.alarmName}" watches ${metric.namespace ?? '?'} ${metric.metricName ?? metric.expression ?? '?'} with dimensions ` +
        `${JSON.stringify(dimensions)}: ${handler} needs a FunctionName dimension or a log metric filter metric`,
    );
  }
  if (!owned.includes(functionName)) {
    throw new InvalidInputError(`function ${functionName} is not one of the ${runtime.environment} functions this automation owns (${owned.join(', ') || 'none'})`);
  }
  // The handler's region, which the pipeline has bound the event's to (decision 184): the record keys on what acts.
  const arn = `arn:${partitionOf(runtime.region)}:lambda:${runtime.region}:${event.account}:function:${functionName}`;
  return {
    resource: { type: 'lambda-function', id: functionName, arn },
    functionName,
    ...(qualifier !== undefined ? { qualifier } : {}),
    ...(metricFilter ? { metricFilter } : {}),
  };
}
