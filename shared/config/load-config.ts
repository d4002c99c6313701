// Loads and validates the configuration at start: defaults, optional JSON overrides, the environment and region to act in.
import type * as z from 'zod/mini';
import { ConfigurationError } from '../errors';
import { defaultConfig } from './defaults';
import { workloadAccountOf, type WorkloadAccount } from './workload-account';
import {
  automationConfigSchema,
  environmentNameSchema,
  type AutomationConfig,
  type EnvironmentConfig,
  type EnvironmentName,
  type MutationMode,
  type RegionRole,
} from './schema';

/** Everything a handler needs to know about where it runs and what it may do. */
export interface RuntimeConfig {
  config: AutomationConfig;
  environment: EnvironmentName;
  region: string;
  /** The region's role in this environment: in `dr` the automation never changes the standby (report-only, escalated). */
  regionRole: RegionRole;
  env: EnvironmentConfig;
  mutationMode: MutationMode;
  /** Set by DRY_RUN=true: every playbook runs everything but apply. */
  dryRun: boolean;
  /** The only account whose alarm events and recorded changes are acted on (shared/config/workload-account.ts); unset: unchecked. */
  workloadAccount?: WorkloadAccount;
}

type Env = Record<string, string | undefined>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of JSON overrides onto defaults: objects merge, arrays and scalars replace. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeConfig(base[key], value);
  return merged;
}

export function formatZodIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

/** Validates a whole configuration document; a bad one fails with messages naming each field. */
export function parseAutomationConfig(input: unknown): AutomationConfig {
  const result = automationConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = formatZodIssues(result.error);
    throw new ConfigurationError(`Invalid runbook configuration: ${issues.join('; ')}`, issues);
  }
  return result.data;
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new ConfigurationError(`Invalid runbook configuration: ${name}: expected true or false, got "${value}"`, [name]);
}

/**
 * Reads RUNBOOK_ENVIRONMENT, AWS_REGION, DRY_RUN, RUNBOOK_CONFIG_JSON (overrides merged onto the seed defaults),
 * STATE_TABLE_NAME and EVENT_BUS_NAME (set by infra), and validates the result.
 */
export function loadRuntimeConfig(env: Env = process.env): RuntimeConfig {
  let overrides: unknown = {};
  if (env.RUNBOOK_CONFIG_JSON) {
    try {
      overrides = JSON.parse(env.RUNBOOK_CONFIG_JSON) as unknown;
    } catch (error) {
      throw new ConfigurationError(`Invalid runbook configuration: RUNBOOK_CONFIG_JSON is not valid JSON (${(error as Error).message})`, [
        'RUNBOOK_CONFIG_JSON',
      ]);
    }
  }
  const named: Record<string, unknown> = {};
  if (env.STATE_TABLE_NAME) named.stateTableName = env.STATE_TABLE_NAME;
  if (env.EVENT_BUS_NAME) named.eventBusName = env.EVENT_BUS_NAME;
  if (env.KILL_SWITCH_PARAMETER) named.killSwitchParameterName = env.KILL_SWITCH_PARAMETER;
  const config = parseAutomationConfig(mergeConfig(mergeConfig(defaultConfig, overrides), named));

  const environmentResult = environmentNameSchema.safeParse(env.RUNBOOK_ENVIRONMENT);
  if (!environmentResult.success) {
    throw new ConfigurationError(
      `Invalid runbook configuration: RUNBOOK_ENVIRONMENT must be one of ${environmentNameSchema.options.join(', ')}, got "${env.RUNBOOK_ENVIRONMENT ?? ''}"`,
      ['RUNBOOK_ENVIRONMENT'],
    );
  }
  const environment = environmentResult.data;
  const envConfig = config.environments[environment];
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigurationError('Invalid runbook configuration: AWS_REGION is not set', ['AWS_REGION']);
  if (!envConfig.regions.includes(region)) {
    throw new ConfigurationError(
      `Invalid runbook configuration: environments.${environment}.regions: region ${region} is not one of ${envConfig.regions.join(', ')}`,
      [`environments.${environment}.regions`],
    );
  }
  return {
    config,
    environment,
    region,
    regionRole: regionRoleOf(environment, envConfig, region),
    env: envConfig,
    mutationMode: envConfig.mutationMode ?? (envConfig.autoScaling ? 'automatic' : 'report-only'),
    dryRun: parseBoolean('DRY_RUN', env.DRY_RUN),
    workloadAccount: workloadAccountOf(environment, envConfig.accountId, env),
  };
}

/**
 * The role of `region` in an environment. Without regionRoles every region is primary (one region, or several active);
 * with it, a region it does not name is a configuration error rather than a silent primary, and so is a role for a region
 * the environment does not run in, or a set without exactly one primary.
 */
export function regionRoleOf(environment: string, envConfig: Pick<EnvironmentConfig, 'regions' | 'regionRoles'>, region: string): RegionRole {
  const roles = envConfig.regionRoles;
  if (roles === undefined) return 'primary';
  const field = `environments.${environment}.regionRoles`;
  const strays = Object.keys(roles).filter((named) => !envConfig.regions.includes(named));
  if (strays.length > 0) {
    throw new ConfigurationError(`Invalid runbook configuration: ${field}: ${strays.join(', ')} not in regions (${envConfig.regions.join(', ')})`, [field]);
  }
  const primaries = Object.entries(roles).filter(([, role]) => role === 'primary').map(([named]) => named);
  if (primaries.length !== 1) {
    throw new ConfigurationError(`Invalid runbook configuration: ${field}: exactly one region must be primary, found ${primaries.length}`, [field]);
  }
  const role = roles[region];
  if (role === undefined) {
    throw new ConfigurationError(`Invalid runbook configuration: ${field}: region ${region} has no role (primary or dr)`, [field]);
  }
  return role;
}
