// Pure: the states behind a 504 that are not rules or routes: a database or cache that is not available, and a function
// whose timeout outlasts API Gateway's integration timeout.

export interface DependencyState {
  kind: 'rds' | 'cache';
  /** "RDS notification-service-db", "ElastiCache notification-service-cache". */
  label: string;
  /** DBInstanceStatus / replication group Status as AWS reports it. */
  status: string;
  /** For RDS: MultiAZ, pending modified values, the secondary zone: what explains a status. */
  detail?: string;
}

/** RDS DBInstanceStatus values during which connections are refused or hang ("Viewing DB instance status", RDS User Guide). */
const RDS_WHY: Record<string, string> = {
  'rebooting': 'a reboot (or a Multi-AZ failover) is in progress: connections drop and reconnect',
  'modifying': 'a modification is being applied (a class change fails over a Multi-AZ instance)',
  'upgrading': 'an engine upgrade is in progress: the instance is unavailable during it',
  'maintenance': 'maintenance is being applied',
  'backing-up': 'a backup is being taken (single-AZ instances can pause I/O briefly)',
  'configuring-enhanced-monitoring': 'enhanced monitoring is being configured',
  'storage-full': 'its storage is full: writes hang',
  'storage-optimization': 'storage is being optimized (the instance stays usable)',
  'starting': 'it is starting',
  'stopping': 'it is stopping',
  'stopped': 'it is stopped: nothing answers',
  'failed': 'it has failed: RDS could not recover it',
  'incompatible-network': 'its network is incompatible (subnet or IP address exhaustion)',
  'incompatible-parameters': 'its parameter group is incompatible: it cannot start',
  'inaccessible-encryption-credentials': 'its KMS key is not accessible',
  'restore-error': 'a restore failed',
};

/** Statuses in which the instance keeps answering: worth saying, not the cause of a timeout. */
const USABLE = new Set(['available', 'backing-up', 'storage-optimization', 'configuring-enhanced-monitoring', 'configuring-log-exports']);

export interface DependencyStateFinding {
  label: string;
  finding: string;
  /** What a person runs next (read-only: what happened and when it ends). */
  next: string;
  /** The dependency cannot take connections now: a likely cause of the 504s. */
  blocking: boolean;
}

/** A finding for each dependency that is not `available`, naming what the status means and where to look. */
export function evaluateDependencyStates(states: readonly DependencyState[]): DependencyStateFinding[] {
  return states.flatMap((dependency): DependencyStateFinding[] => {
    const status = dependency.status.toLowerCase();
    if (status === 'available') return [];
    const detail = dependency.detail ? ` (${dependency.detail})` : '';
    if (dependency.kind === 'rds') {
      const identifier = dependency.label.replace(/^RDS /, '');
      return [
        {
          label: dependency.label,
          finding: `${dependency.label} is ${dependency.status}${detail}: ${RDS_WHY[status] ?? 'it is not available'}`,
          next: `aws rds describe-events --source-type db-instance --source-identifier ${identifier} --duration 60`,
          blocking: !USABLE.has(status),
        },
      ];
    }
    const id = dependency.label.replace(/^ElastiCache /, '');
    // ElastiCache replication group statuses: creating, available, modifying, deleting, create-failed, snapshotting.
    const why =
      status === 'modifying'
        ? 'a change (failover, scaling, engine upgrade) is being applied: connections may drop'
        : status === 'snapshotting'
          ? 'a snapshot is being taken (a replica keeps answering)'
          : status === 'deleting' || status === 'create-failed'
            ? 'it cannot serve connections'
            : 'it is not available';
    return [
      {
        label: dependency.label,
        finding: `${dependency.label} is ${dependency.status}${detail}: ${why}`,
        next: `aws elasticache describe-events --source-type replication-group --source-identifier ${id} --duration 60`,
        blocking: status !== 'snapshotting',
      },
    ];
  });
}

/**
 * A REST API integration's timeout when it sets none: 29 s ("Quotas for configuring and running a REST API"). Not a
 * maximum any more: since June 2024 a Regional or private REST API's integration timeout can be raised above 29 s by a
 * quota increase (edge-optimized ones cannot). The code assumes only the default: a timeoutInMillis read from the
 * integration is raced as it is, whatever its value.
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 29_000;
/**
 * An HTTP API's (API Gateway v2) integration timeout when the integration sets none, and its maximum: 30 s ("Quotas for
 * configuring and running an HTTP API": maximum integration timeout 30 seconds, not increasable; API Gateway v2 API
 * reference, Integration.TimeoutInMillis: "between 50 and 30,000 milliseconds for HTTP APIs. The default timeout is
 * [...] 30 seconds for HTTP APIs").
 */
export const HTTP_API_INTEGRATION_TIMEOUT_MS = 30_000;

export interface TimeoutInput {
  functionName: string;
  /** The function's configured Timeout. */
  functionTimeoutSeconds: number;
  /** The integration's timeoutInMillis (API Gateway GetIntegration), else the default: 29 s, or 30 s for an HTTP API. */
  integrationTimeoutMs?: number;
  apiLabel: string;
  /** The API is an HTTP API (API Gateway v2): its default is 30 s, not 29 s. */
  httpApi?: boolean;
}

export interface TimeoutFinding {
  finding: string;
  fix: { api: 'UpdateFunctionConfiguration'; input: { FunctionName: string; Timeout: number }; why: string };
}

/**
 * A function allowed to run longer than the integration waits answers a slow request after API Gateway has already
 * returned 504: the client sees a timeout and the function keeps its connections for nothing. Returns undefined when
 * the function gives up first.
 *
 * The fix (one second under the integration's timeout) moves the symptom, it does not remove it (review 23b R23b-4): a
 * function that times out is a function error, which a REST API's Lambda proxy integration answers with 502 (Knowledge
 * Center, "How do I resolve HTTP 502 errors from API Gateway REST APIs with Lambda proxy integration?") and an HTTP API
 * with 500 ("Troubleshooting issues with HTTP API Lambda integrations"); the 504 alarm counts only status 504 (decision
 * 66), and the timeout counts in AWS/Lambda Errors, which the Lambda Error Rate alarm watches. The finding says so.
 */
export function evaluateIntegrationTimeout(input: TimeoutInput): TimeoutFinding | undefined {
  const integrationMs = input.integrationTimeoutMs ?? (input.httpApi ? HTTP_API_INTEGRATION_TIMEOUT_MS : API_GATEWAY_INTEGRATION_TIMEOUT_MS);
  const functionMs = input.functionTimeoutSeconds * 1000;
  if (functionMs < integrationMs) return undefined;
  // One second under the integration timeout: the function stops (and lets go of its connections) before API Gateway
  // gives up on it.
  const timeout = Math.max(1, Math.ceil(integrationMs / 1000) - 1);
  const source = input.integrationTimeoutMs === undefined ? ` (API Gateway's default${input.httpApi ? ' for HTTP APIs' : ''})` : '';
  const status = input.httpApi ? '500 (an HTTP API answers a function error with 500 Internal Server Error)' : '502 (a REST API Lambda proxy integration answers a function error with 502)';
  const finding =
    `Lambda ${input.functionName} may run ${input.functionTimeoutSeconds} s but ${input.apiLabel} waits ${integrationMs / 1000} s for it${source}: ` +
    `any invocation slower than ${integrationMs / 1000} s reaches the client as a 504 while the function keeps running (and holding its connections) up to ${input.functionTimeoutSeconds} s. ` +
    `With Timeout ${timeout} s the same slow requests fail as ${status}, with "Task timed out" in the function's log: ` +
    `counted by the Lambda Error Rate alarm (AWS/Lambda Errors), no longer by this 504 alarm; the slowness itself is still to be found (High Latency, NotificationService-CheckDbConnections)`;
  return {
    finding,
    fix: { api: 'UpdateFunctionConfiguration', input: { FunctionName: input.functionName, Timeout: timeout }, why: finding },
  };
}
