// Pure: the one account whose alarms and resources this deployment acts on, and why an event or a record naming another is refused.
import { ConfigurationError } from '../errors';
import { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV, WORKLOAD_ACCOUNT_ENV } from './names';

/**
 * - known: the configuration's `environments.<env>.accountId`, else RUNBOOK_WORKLOAD_ACCOUNT_ID (infra sets it in
 *   cross-account mode), else, with a single account, RUNBOOK_ACCOUNT_ID: the account the handler runs in (infra sets it).
 * - missing: cross-account mode with no workload account named anywhere: everything is refused (fail closed).
 * - unchecked: no deployment setting at all (an in-process run outside Lambda: the CLI's `plan`, `invoke
 *   --unverified-account`, unit tests); nothing to compare the event's account with. Before a bundle runs, `invoke` and
 *   `rehearse` check the credentials' account against the environment's themselves and say so (cli/target-account.ts,
 *   decision 151); `plan` prints a note when it is not verified.
 */
export type WorkloadAccount =
  | { kind: 'known'; account: string; source: string }
  | { kind: 'missing'; why: string }
  | { kind: 'unchecked' };

const ACCOUNT_ID = /^\d{12}$/;

function accountVariable(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name] || undefined;
  if (value !== undefined && !ACCOUNT_ID.test(value)) {
    throw new ConfigurationError(`Invalid runbook configuration: ${name} must be a 12-digit account id, got "${value}"`, [name]);
  }
  return value;
}

/** The workload account of `environment`, from its configured accountId and the variables infra sets. */
export function workloadAccountOf(environment: string, configured: string | undefined, env: Record<string, string | undefined>): WorkloadAccount {
  const crossAccount = Boolean(env[REMEDIATION_ROLE_ENV]);
  const given = accountVariable(env, WORKLOAD_ACCOUNT_ENV);
  const own = accountVariable(env, OWN_ACCOUNT_ENV);
  if (configured) return { kind: 'known', account: configured, source: `environments.${environment}.accountId` };
  if (given) return { kind: 'known', account: given, source: WORKLOAD_ACCOUNT_ENV };
  // In cross-account mode the handler's own account is the operations account, which is never the workload.
  if (crossAccount) {
    return { kind: 'missing', why: `cross-account mode (${REMEDIATION_ROLE_ENV} is set) names no workload account: set environments.${environment}.accountId or ${WORKLOAD_ACCOUNT_ENV}` };
  }
  return own ? { kind: 'known', account: own, source: OWN_ACCOUNT_ENV } : { kind: 'unchecked' };
}

/**
 * Why `what` (an alarm event, a record read back from the state table), which names `account`, is not this deployment's
 * to act on; undefined when it is (or when nothing is known to compare with: `unchecked`).
 */
export function foreignAccountProblem(what: string, account: string | undefined, workload: WorkloadAccount | undefined): string | undefined {
  if (workload === undefined || workload.kind === 'unchecked') return undefined;
  if (workload.kind === 'missing') return `${what} refused: ${workload.why}`;
  if (account === workload.account) return undefined;
  return `${what} names account ${account ?? '(none)'}, not this deployment's workload account ${workload.account} (${workload.source}): refused, nothing read or changed there`;
}
