// Loads and validates the configuration at start: defaults, optional JSON overrides, the environment and region to act in.
import * as z from 'zod/mini';
import { ConfigurationError } from '../errors';
import { defaultConfig } from './defaults';
import { workloadAccountOf, type WorkloadAccount } from './workload-account';
import {
  automationConfigSchema,
  environmentNameSchema,
  type AutomationConfig,
  environmentSchema,
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

function invalid(issues: readonly z.core.$ZodIssue[]): ConfigurationError {
  const lines = formatZodIssues({ issues } as z.core.$ZodError);
  return new ConfigurationError(`Invalid runbook configuration: ${lines.join('; ')}`, lines);
}

/** Validates a whole configuration document, every environment; a bad one fails with messages naming each field. */
export function parseAutomationConfig(input: unknown): AutomationConfig {
  const result = automationConfigSchema.safeParse(input);
  if (!result.success) throw invalid(result.error.issues);
  return result.data;
}

/**
 * The document with `environments` checked as a record of the three names (a missing one, an unknown one, a non-object)
 * but its sections not parsed: everything else is the full schema's own field schemas, so their issues are the same.
 */
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** zod's util.isPlainObject, the test its record applies (z.util costs 8.8 KB at init where it is imported whole). */
function isZodPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const ctor: unknown = value.constructor;
  if (typeof ctor !== 'function') return true;
  const prototype: unknown = ctor.prototype;
  return isObject(prototype) && Object.prototype.hasOwnProperty.call(prototype, 'isPrototypeOf');
}

let documentButEnvironments: z.ZodMiniType | undefined;
const ENVIRONMENTS_KEY = 'environments';

/**
 * What a handler validates at start (decision 108): the whole document but the sections of the environments it does not
 * run in. The result and the error are exactly parseAutomationConfig's for every document whose other environments are
 * valid (the same field schemas, the issues in the same order: test/unit/config/scoped-config.test.ts); a broken section
 * of another environment is not reported here but at synth (infra/lib/app.ts parses the whole document the handlers are
 * deployed with), by the CLI and by the tests. The other environments are left out of the result: reading one throws.
 */
export function parseAutomationConfigFor(input: unknown, environment: EnvironmentName): AutomationConfig {
  const shape = automationConfigSchema.def.shape;
  documentButEnvironments ??= z.strictObject({ ...shape, [ENVIRONMENTS_KEY]: z.record(environmentNameSchema, z.unknown()) });
  const rest = documentButEnvironments.safeParse(input);
  // The full schema parses the environment's section where its record reaches it: in an object, in a plain object.
  const sections = isObject(input) ? input[ENVIRONMENTS_KEY] : undefined;
  const own = isZodPlainObject(sections) ? environmentSchema.safeParse(sections[environment]) : undefined;
  if (!rest.success || (own && !own.success)) {
    const restIssues = rest.success ? [] : rest.error.issues;
    const ownIssues = own && !own.success ? own.error.issues.map((issue) => ({ ...issue, path: [ENVIRONMENTS_KEY, environment, ...issue.path] })) : [];
    // zod reports a strict object's issues field by field in the schema's order (its unknown keys last, at the root)
    // and a record's key by key in the enum's order, its unknown keys after: the section's issues go before the first
    // issue of `environments` itself or of a field after it.
    const keys = Object.keys(shape);
    const at = keys.indexOf(ENVIRONMENTS_KEY);
    const before = (issue: z.core.$ZodIssue) => issue.path.length > 0 && keys.indexOf(String(issue.path[0])) < at;
    const split = restIssues.findIndex((issue) => !before(issue));
    const cut = split === -1 ? restIssues.length : split;
    throw invalid([...restIssues.slice(0, cut), ...ownIssues, ...restIssues.slice(cut)]);
  }
  const config = rest.data as AutomationConfig;
  const environments = { [environment]: (own as { data: EnvironmentConfig }).data } as Record<EnvironmentName, EnvironmentConfig>;
  for (const other of environmentNameSchema.options) {
    if (other === environment) continue;
    Object.defineProperty(environments, other, {
      enumerable: false,
      get() {
        throw new ConfigurationError(`environments.${other} is not validated by a handler running in ${environment}: it is not this container's to read`, [
          `environments.${other}`,
        ]);
      },
    });
  }
  return { ...config, environments };
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new ConfigurationError(`Invalid runbook configuration: ${name}: expected true or false, got "${value}"`, [name]);
}

export interface LoadOptions {
  /**
   * 'all' (the default: CLI, synth, tests): every environment's section is validated. 'running' (the handlers): only the
   * section of RUNBOOK_ENVIRONMENT, with everything that is not an environment's (parseAutomationConfigFor, decision 108).
   */
  environments?: 'all' | 'running';
}

/**
 * Reads RUNBOOK_ENVIRONMENT, AWS_REGION, DRY_RUN, RUNBOOK_CONFIG_JSON (overrides merged onto the seed defaults),
 * STATE_TABLE_NAME and EVENT_BUS_NAME (set by infra), and validates the result.
 */
export function loadRuntimeConfig(env: Env = process.env, options: LoadOptions = {}): RuntimeConfig {
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
  const document = mergeConfig(mergeConfig(defaultConfig, overrides), named);
  const environmentResult = environmentNameSchema.safeParse(env.RUNBOOK_ENVIRONMENT);
  // An unknown RUNBOOK_ENVIRONMENT names no section to narrow to: the whole document is validated first, as always.
  const config =
    options.environments === 'running' && environmentResult.success
      ? parseAutomationConfigFor(document, environmentResult.data)
      : parseAutomationConfig(document);
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
