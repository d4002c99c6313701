// Before a CLI verb changes anything under an environment's policy: is the account the credentials reach that environment's?
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../shared/aws/client-config';
import { defaultConfig } from '../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../shared/config/load-config';
import { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV, WORKLOAD_ACCOUNT_ENV } from '../shared/config/names';
import type { EnvironmentName } from '../shared/config/schema';
import { ConfigurationError } from '../shared/errors';

/** The flag that applies anyway when nothing ties the account to the environment (said on every such run). */
export const UNVERIFIED_FLAG = '--unverified-account';

/**
 * Where the account an environment lives in is stated:
 * - `configured`: the configuration's `environments.<env>.accountId`;
 * - `stated`: the shell's own RUNBOOK_ENVIRONMENT with RUNBOOK_ACCOUNT_ID (RUNBOOK_WORKLOAD_ACCOUNT_ID in cross-account
 *   mode), the pair infra sets on every handler and `runbook sandbox` prints. The pair speaks for its environment only:
 *   with `-e` naming another, it says nothing.
 */
export interface TargetAccountInput {
  environment: EnvironmentName;
  configured?: string;
  stated?: { environment: string; account: string; variable: string };
  /** Cross-account mode (REMEDIATION_ROLE_NAME set): the handlers act in the workload account through its role. */
  crossAccount: boolean;
  /**
   * Cross-account mode only: RUNBOOK_ACCOUNT_ID as the shell has it. The handler takes an event of this account for its
   * own and acts on it with the run's own credentials, no role assumed (shared/aws/account-clients.ts forAccount).
   */
  ownAccount?: string;
  /** STS GetCallerIdentity's account: where a single-account run acts. Undefined when STS could not say. */
  callerAccount?: string;
  /** What STS said when it could not answer. */
  callerError?: string;
}

/**
 * `ownAccount` (cross-account mode, STS answered, the run not refused): the account the run's own credentials act in,
 * STS's answer. The CLI gives it to the handler as RUNBOOK_ACCOUNT_ID, so "is this event's account my own" is decided
 * by where the credentials really are, never by a leftover variable or the sandbox's fixed ARN hint.
 */
export type TargetAccountCheck =
  | { kind: 'verified'; account: string; text: string; ownAccount?: string }
  | { kind: 'mismatch'; text: string }
  | { kind: 'unverified'; text: string; ownAccount?: string }
  /** STS did not answer (network, endpoint, credentials): nothing can be verified, and nothing should run (review 23a R23a-9). */
  | { kind: 'unanswered'; text: string };

/** Pure: whether the run would act in the account stated for the environment, and the sentence that says so. */
export function checkTargetAccount(input: TargetAccountInput): TargetAccountCheck {
  const env = input.environment;
  const caller = input.callerAccount;
  // Cross-account mode: the run acts with its own credentials wherever the handler takes the event's account for its own
  // (RUNBOOK_ACCOUNT_ID), through the workload's remediation role everywhere else. RUNBOOK_ACCOUNT_ID must therefore be
  // where the credentials really are (review 10b F1: a leftover staging value with production's credentials changed
  // production under staging's policy).
  if (input.crossAccount && caller !== undefined && input.ownAccount !== undefined && input.ownAccount !== caller) {
    return {
      kind: 'mismatch',
      text:
        `your credentials are for account ${caller}, but ${OWN_ACCOUNT_ENV}=${input.ownAccount} says the runbooks run in account ${input.ownAccount}: ` +
        `in cross-account mode (${REMEDIATION_ROLE_ENV} is set) an event of account ${input.ownAccount} would be acted on with your own credentials, in account ${caller}, no remediation role assumed; ` +
        `unset ${OWN_ACCOUNT_ENV} (or set it to ${caller}, the operations account) and check --profile / AWS_PROFILE`,
    };
  }
  // STS silent: the run's own AWS calls would go the same way. Said first, whatever the configuration states, and never
  // answered with --unverified-account, which is for an account nobody stated, not for credentials or an endpoint that fail.
  if (caller === undefined && input.callerError !== undefined) {
    return { kind: 'unanswered', text: `STS GetCallerIdentity did not answer (${input.callerError}), so no account can be verified as ${env}'s` };
  }
  const own = input.crossAccount && caller !== undefined ? { ownAccount: caller } : {};
  const stated = input.stated && input.stated.environment === env ? input.stated : undefined;
  const expected = input.configured
    ? { account: input.configured, source: `environments.${env}.accountId` }
    : stated
      ? { account: stated.account, source: `RUNBOOK_ENVIRONMENT=${env} with ${stated.variable}` }
      : undefined;
  if (!expected) {
    const other = input.stated && input.stated.environment !== env ? `; RUNBOOK_ENVIRONMENT=${input.stated.environment} with ${input.stated.variable} speaks for ${input.stated.environment} only` : '';
    return {
      kind: 'unverified',
      text:
        `nothing states which account ${env} is in (no environments.${env}.accountId in the configuration${other}), so account ` +
        `${input.callerAccount ?? '(unknown)'} cannot be verified as ${env}'s`,
      ...own,
    };
  }
  if (input.callerAccount === undefined) {
    return { kind: 'unverified', text: `STS GetCallerIdentity did not answer (${input.callerError ?? 'no account'}), so the credentials cannot be verified as ${env}'s account ${expected.account}` };
  }
  if (input.crossAccount) {
    // The run's own account (STS) is never the workload's: it would act there with its own credentials, not the role's.
    if (input.callerAccount === expected.account) {
      return {
        kind: 'mismatch',
        text:
          `your credentials are for account ${input.callerAccount}, ${env}'s workload account itself (${expected.source}), but cross-account mode (${REMEDIATION_ROLE_ENV} is set) ` +
          `acts from the operations account through ${env}'s remediation role: use the operations account's credentials (--profile / AWS_PROFILE), or unset ${REMEDIATION_ROLE_ENV} for a single-account run`,
      };
    }
    // The handler refuses an event of any account but the workload's; the own account (STS's) is another one, so the
    // change is made through the workload's remediation role, in the workload account.
    return {
      kind: 'verified',
      account: expected.account,
      text: `${env} is account ${expected.account} (${expected.source}), reached through its remediation role from your account ${input.callerAccount} (STS)`,
      ownAccount: input.callerAccount,
    };
  }
  if (input.callerAccount !== expected.account) {
    return {
      kind: 'mismatch',
      text: `your credentials are for account ${input.callerAccount}, but ${env} is account ${expected.account} (${expected.source}): check -e / RUNBOOK_ENVIRONMENT and --profile / AWS_PROFILE`,
    };
  }
  return { kind: 'verified', account: expected.account, text: `account ${expected.account} is ${env}'s (${expected.source})` };
}

type Env = Record<string, string | undefined>;

/** The configured accountId of `environment` (defaults plus RUNBOOK_CONFIG_JSON), validated as the handlers validate it. */
function configuredAccount(environment: EnvironmentName, env: Env): string | undefined {
  let overrides: unknown;
  try {
    overrides = env.RUNBOOK_CONFIG_JSON ? (JSON.parse(env.RUNBOOK_CONFIG_JSON) as unknown) : {};
  } catch (error) {
    throw new ConfigurationError(`Invalid runbook configuration: RUNBOOK_CONFIG_JSON is not valid JSON (${(error as Error).message})`, ['RUNBOOK_CONFIG_JSON']);
  }
  return parseAutomationConfig(mergeConfig(defaultConfig, overrides)).environments[environment].accountId;
}

/**
 * What `checkTargetAccount` needs but the caller's account: the configuration and the shell's pair (`shellEnvironment`
 * is RUNBOOK_ENVIRONMENT as the shell had it, before `-e` replaced it).
 */
export function statedTargetAccount(environment: EnvironmentName, shellEnvironment: string | undefined, env: Env = process.env): TargetAccountInput {
  const crossAccount = Boolean(env[REMEDIATION_ROLE_ENV]);
  const variable = crossAccount ? WORKLOAD_ACCOUNT_ENV : OWN_ACCOUNT_ENV;
  const account = env[variable];
  const configured = configuredAccount(environment, env);
  const ownAccount = crossAccount ? env[OWN_ACCOUNT_ENV] || undefined : undefined;
  if (ownAccount !== undefined && !/^\d{12}$/.test(ownAccount)) {
    throw new ConfigurationError(`Invalid runbook configuration: ${OWN_ACCOUNT_ENV} must be a 12-digit account id, got "${ownAccount}"`, [OWN_ACCOUNT_ENV]);
  }
  return {
    environment,
    crossAccount,
    ...(ownAccount ? { ownAccount } : {}),
    ...(configured ? { configured } : {}),
    ...(shellEnvironment && account && /^\d{12}$/.test(account) ? { stated: { environment: shellEnvironment, account, variable } } : {}),
  };
}

/** `statedTargetAccount` plus STS GetCallerIdentity with the credentials the run will use, checked. */
export async function readTargetAccount(environment: EnvironmentName, shellEnvironment: string | undefined, env: Env = process.env): Promise<TargetAccountCheck> {
  const input = statedTargetAccount(environment, shellEnvironment, env);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const sts = new STSClient(clientConfig({ ...(region ? { region } : {}), maxAttempts: 2 }));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account) input.callerAccount = identity.Account;
  } catch (error) {
    const endpoint = env.AWS_ENDPOINT_URL ? ` at ${env.AWS_ENDPOINT_URL}` : '';
    input.callerError = `${(error as Error).name}: ${(error as Error).message}${endpoint}`;
  } finally {
    sts.destroy();
  }
  return checkTargetAccount(input);
}
