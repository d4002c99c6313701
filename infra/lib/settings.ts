// Infrastructure-only settings (log retention, sizing, delivery retries), per environment and per handler; the rest is shared config.
import type { EnvironmentName } from '../../shared/config/schema';
import { DEAD_LETTER_RETENTION_DAYS } from '../../shared/config/automation-health';
import { assertLeaseCoversTimeouts as assertLeaseCovers } from '../../shared/config/claim-lease';

/** Prefix of every function and role: the runbook documents invoke `notification-runbooks-<handler>` by name. */
export const NAME_PREFIX = 'notification-runbooks';

export function functionNameOf(handler: string): string {
  return `${NAME_PREFIX}-${handler}`;
}

/** The role a workload account offers one handler in cross-account mode (IAM is global: one per account, all regions). */
export function remediationRoleNameOf(handler: string): string {
  return `${NAME_PREFIX}-remediate-${handler}`.slice(0, 64);
}

/** The handler's execution role; named so a workload account's trust policy can name it (one per region: IAM is global). */
export function executionRoleNameOf(handler: string, region: string): string {
  return `${NAME_PREFIX}-${handler}-${region}`.slice(0, 64);
}

export interface EnvironmentInfraSettings {
  /** CloudWatch Logs retention of the handlers' logs (a value the RetentionInDays API accepts). */
  logRetentionDays: 7 | 14 | 30 | 90 | 180 | 365;
  powertoolsLogLevel: 'DEBUG' | 'INFO' | 'WARN';
  /**
   * Reserved concurrency per handler: during an incident the service itself may exhaust the account's concurrency,
   * exactly when the runbooks must run. Undefined: none (development accounts often keep the default low limit).
   */
  reservedConcurrency?: number;
  /** Keep the state table (audit trail) and log groups when the stack is deleted. */
  retainData: boolean;
}

export const ENVIRONMENT_INFRA: Record<EnvironmentName, EnvironmentInfraSettings> = {
  production: { logRetentionDays: 90, powertoolsLogLevel: 'INFO', reservedConcurrency: 5, retainData: true },
  staging: { logRetentionDays: 30, powertoolsLogLevel: 'INFO', reservedConcurrency: 2, retainData: false },
  development: { logRetentionDays: 7, powertoolsLogLevel: 'DEBUG', retainData: false },
};

export interface HandlerSizing {
  memoryMb: number;
  timeoutSeconds: number;
}

/**
 * 256 MB: the bundles are small ESM files of a few SDK clients; arm64 Lambda's CPU share grows with memory, so not the 128 MB
 * floor. 60 s: a playbook waits for its change to settle (scale-consumers polls up to 10 s) after a handful of API calls.
 */
export const DEFAULT_SIZING: HandlerSizing = { memoryMb: 256, timeoutSeconds: 60 };

/** Handlers that need more than the default. */
export const HANDLER_SIZING: Readonly<Record<string, Partial<HandlerSizing>>> = {
  // Reads every security group, endpoint and prefix list on the path and evaluates reachability rule by rule.
  'inspect-security-groups': { memoryMb: 512 },
  // Waits for a DB instance modification to be accepted.
  'scale-up-database': { timeoutSeconds: 120 },
};

export function sizingOf(handler: string): HandlerSizing {
  return { ...DEFAULT_SIZING, ...HANDLER_SIZING[handler] };
}

/**
 * Synth refuses a handler whose Lambda timeout, with the margin, passes the claim lease its configuration gives it
 * (decision 31; review 20b R20-24): the configuration's minimum is set for the longest timeout the sizing table had, and
 * this holds a timeout raised past it to the lease. `sizing`: the table's, unless a test hands in another.
 */
export function assertLeaseCoversTimeouts(leaseSeconds: number, handlers: readonly string[], sizing: (handler: string) => HandlerSizing = sizingOf): void {
  assertLeaseCovers(leaseSeconds, Object.fromEntries(handlers.map((handler) => [functionNameOf(handler), sizing(handler).timeoutSeconds])));
}

/** How alarm and decision events reach the handlers, and what happens when they cannot. */
export const DELIVERY = {
  /** EventBridge target retries (0-185); after them, or past the maximum age, the event goes to the target's DLQ. */
  ruleRetryAttempts: 8,
  /** EventBridge maximum event age (60 s - 24 h): an alarm event older than this is stale (the pipeline would skip it anyway). */
  ruleMaxEventAgeSeconds: 2 * 3600,
  /** Lambda asynchronous invocation retries (0-2); a failure after them goes to the on-failure destination. */
  asyncRetryAttempts: 2,
  /** Lambda asynchronous maximum event age (60 s - 6 h). */
  asyncMaxEventAgeSeconds: 2 * 3600,
  /** SQS DLQ retention (max 14 days): long enough to notice and redrive after a long weekend (shared with the sandbox). */
  dlqRetentionDays: DEAD_LETTER_RETENTION_DAYS,
} as const;

/** Which runbook documents stay in the operations account in cross-account mode (decided in shared/config/names.ts). */
export { OPERATIONS_DOCUMENTS } from '../../shared/config/names';
