// Which stacks the app synthesizes, from CDK context: every environment and region by default, or the one context selects.
import { ENVIRONMENTS, type AutomationConfig, type EnvironmentName } from '../../shared/config/schema';

/**
 * Context keys (`-c key=value`, or cdk.json "context"):
 *   environment        production | staging | development (default: all)
 *   region             one of the environment's regions (default: all of them)
 *   accounts           {"production":"111111111111",...}: the account each environment deploys to (else config accountId,
 *                      else account-agnostic: the account of the credentials `cdk deploy` runs with)
 *   account            the account of the selected environment (with environment=...)
 *   operationsAccount  cross-account mode: the central operations account that runs the handlers (one id, or
 *                      {"production":"...",...} per environment); each environment's account is then its workload account
 *   config             JSON overrides of the automation configuration (as RUNBOOK_CONFIG_JSON; each stack's handlers get
 *                      them with only their own environment's section: shared/config/overrides-for-environment.ts)
 */
export interface DeploymentContext {
  environment?: string;
  region?: string;
  accounts?: Record<string, string>;
  account?: string;
  operationsAccount?: string | Record<string, string>;
}

export type StackKind = 'runbooks' | 'workload' | 'remediation-roles';

export interface StackPlan {
  kind: StackKind;
  stackName: string;
  environment: EnvironmentName;
  /** The stack's region; for remediation roles (IAM is global) the environment's primary region. */
  region: string;
  /** Every region of the environment. */
  regions: string[];
  /** Undefined: account-agnostic (resolved at deploy time from the credentials in use). */
  account?: string;
  crossAccount?: { operationsAccount: string; workloadAccount: string };
}

export class DeploymentContextError extends Error {
  override readonly name = 'DeploymentContextError';
}

const ACCOUNT_ID = /^\d{12}$/;

/** Context values come as strings from `-c` and as JSON from cdk.json: accept both. */
export function readContextRecord(value: unknown, key: string): Record<string, string> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    if (!value.trim().startsWith('{')) return undefined;
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      throw new DeploymentContextError(`context ${key} is not valid JSON: ${value}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DeploymentContextError(`context ${key} must be a JSON object`);
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

function checkAccount(account: string | undefined, what: string): string | undefined {
  if (account === undefined || account === '') return undefined;
  if (!ACCOUNT_ID.test(account)) throw new DeploymentContextError(`${what} must be a 12-digit AWS account id, got "${account}"`);
  return account;
}

/** The stacks to synthesize for the context, validated: unknown names and impossible combinations fail naming the key. */
export function planDeployment(config: AutomationConfig, context: DeploymentContext): StackPlan[] {
  const selected = context.environment || undefined;
  if (selected !== undefined && !(ENVIRONMENTS as readonly string[]).includes(selected)) {
    throw new DeploymentContextError(`context environment must be one of ${ENVIRONMENTS.join(', ')}, got "${selected}"`);
  }
  if (context.account && !selected) throw new DeploymentContextError('context account needs context environment: which environment is it the account of?');
  if (context.region && !selected) throw new DeploymentContextError('context region needs context environment: regions differ per environment');
  const environments = (selected ? [selected] : [...ENVIRONMENTS]) as EnvironmentName[];

  const plans: StackPlan[] = [];
  for (const environment of environments) {
    const env = config.environments[environment];
    if (context.region && !env.regions.includes(context.region)) {
      throw new DeploymentContextError(`context region ${context.region} is not one of ${environment}'s regions (${env.regions.join(', ')})`);
    }
    const regions = context.region ? [context.region] : [...env.regions];
    const account = checkAccount(
      (selected ? context.account : undefined) || context.accounts?.[environment] || env.accountId,
      `the account of ${environment}`,
    );
    // The handlers act only on events and records of the configured account (shared/config/workload-account.ts): a
    // deployment to another account would refuse every alarm, so synth refuses it first.
    if (env.accountId && account && account !== env.accountId) {
      throw new DeploymentContextError(
        `${environment}'s account ${account} (context) is not environments.${environment}.accountId ${env.accountId}: the handlers act only on the configured account's alarms; make them agree`,
      );
    }
    const operations =
      typeof context.operationsAccount === 'string' ? context.operationsAccount || undefined : context.operationsAccount?.[environment];
    const operationsAccount = checkAccount(operations, `operationsAccount (${environment})`);

    if (!operationsAccount) {
      for (const region of regions) {
        plans.push({ kind: 'runbooks', stackName: `NotificationRunbooks-${environment}-${region}`, environment, region, regions, ...(account ? { account } : {}) });
      }
      continue;
    }
    if (!account) {
      throw new DeploymentContextError(
        `cross-account mode needs ${environment}'s workload account: set context accounts={"${environment}":"<id>"} or environments.${environment}.accountId`,
      );
    }
    if (account === operationsAccount) {
      throw new DeploymentContextError(`${environment}'s account ${account} is the operations account itself: omit operationsAccount for a single-account deployment`);
    }
    const crossAccount = { operationsAccount, workloadAccount: account };
    for (const region of regions) {
      plans.push({ kind: 'runbooks', stackName: `NotificationRunbooks-${environment}-${region}`, environment, region, regions, account: operationsAccount, crossAccount });
      plans.push({ kind: 'workload', stackName: `NotificationRunbooksWorkload-${environment}-${region}`, environment, region, regions, account, crossAccount });
    }
    // IAM is global: the remediation roles are one stack per workload account, in the environment's primary region.
    const primary = env.regions[0] ?? regions[0] ?? 'us-east-1';
    plans.push({ kind: 'remediation-roles', stackName: `NotificationRunbooksRemediation-${environment}`, environment, region: primary, regions: [...env.regions], account, crossAccount });
  }

  // Function, table, bus and parameter names are fixed per account and region: two environments cannot share one.
  const seen = new Map<string, string>();
  for (const plan of plans.filter((p) => p.kind === 'runbooks' && p.account)) {
    const key = `${plan.account}/${plan.region}`;
    const other = seen.get(key);
    if (other && other !== plan.environment) {
      throw new DeploymentContextError(
        `${other} and ${plan.environment} would both deploy the runbook handlers to account ${plan.account} in ${plan.region}: ` +
          'their names (notification-runbooks-*) are fixed per account and region; give each environment its own account',
      );
    }
    seen.set(key, plan.environment);
  }
  return plans;
}
