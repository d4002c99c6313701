// Builds the CDK app from context: the configuration the handlers read, the handlers in handlers/, the stacks the plan names.
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { loadRuntimeConfig, mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { defaultConfig } from '../../shared/config/defaults';
import { overridesForEnvironment } from '../../shared/config/overrides-for-environment';
import type { AutomationConfig, EnvironmentName } from '../../shared/config/schema';
import { refuseOversizedEventPatterns } from './event-pattern-size';
import { refuseOversizedIamPolicies } from './iam-policy-size';
import { refuseOversizedLambdaEnvironments } from './lambda-environment-size';
import { planDeployment, readContextRecord, type DeploymentContext, type StackPlan } from './deployment-plan';
import { handlerCatalog, type HandlerSpec } from './handler-catalog';
import { addNagChecks } from './nag';
import { RemediationRolesStack } from './remediation-roles-stack';
import { RunbookStack } from './runbook-stack';
import { assertLeaseCoversTimeouts } from './settings';
import { WorkloadStack } from './workload-stack';

export interface RunbookAppOptions {
  /** The repository root (handlers/, dist/, runbooks/). */
  rootDir: string;
  /** Run cdk-nag on synthesis (default true). Tests run the packs themselves to report every finding at once. */
  nag?: boolean;
  /** Replace the handler catalog (tests). */
  handlers?: HandlerSpec[];
}

export interface RunbookApp {
  config: AutomationConfig;
  plans: StackPlan[];
  handlers: HandlerSpec[];
  stacks: Map<string, RunbookStack | WorkloadStack | RemediationRolesStack>;
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Reads the context, validates the configuration exactly as a handler would, and adds every planned stack to `app`. */
export function buildRunbookApp(app: App, options: RunbookAppOptions): RunbookApp {
  const overridesJson = contextString(app, 'config');
  const overrides: unknown = overridesJson ? JSON.parse(overridesJson) : {};
  // The whole document, every environment's section, whichever environment is deployed (decision 108).
  const config = parseAutomationConfig(mergeConfig(defaultConfig, overrides));
  // The overrides reach a stack's handlers as RUNBOOK_CONFIG_JSON, inside Lambda's 4 KB for all of a function's
  // variables: compacted, so a pretty-printed file costs no more than its content (review 22a R22a-4: 4,686 -> 4,006
  // bytes), and of `environments` only the stack's own section, the one its handlers read (overridesForEnvironment).
  // Nothing left (another environment's overrides only): no variable, the defaults, as without overrides.
  const handlersOverridesJson = (environment: EnvironmentName): string | undefined => {
    if (!overridesJson) return undefined;
    const narrowed = JSON.stringify(overridesForEnvironment(overrides, environment));
    return narrowed === '{}' ? undefined : narrowed;
  };
  const operations = contextString(app, 'operationsAccount');
  const context: DeploymentContext = {
    ...(contextString(app, 'environment') ? { environment: contextString(app, 'environment') } : {}),
    ...(contextString(app, 'region') ? { region: contextString(app, 'region') } : {}),
    ...(contextString(app, 'account') ? { account: contextString(app, 'account') } : {}),
    ...(readContextRecord(app.node.tryGetContext('accounts'), 'accounts') ? { accounts: readContextRecord(app.node.tryGetContext('accounts'), 'accounts') } : {}),
    ...(operations ? { operationsAccount: readContextRecord(operations, 'operationsAccount') ?? operations } : {}),
  };
  const plans = planDeployment(config, context);
  const handlers = options.handlers ?? handlerCatalog({ rootDir: options.rootDir });
  assertLeaseCoversTimeouts(config.claimLeaseSeconds, handlers.map((handler) => handler.name));

  const stacks = new Map<string, RunbookStack | WorkloadStack | RemediationRolesStack>();
  for (const plan of plans) {
    // Each environment's handlers must accept their region: the check they make at start, here on the whole overrides
    // (their own narrowed ones give the same RuntimeConfig: test/infra/handler-config-parity.test.ts).
    loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: plan.environment, AWS_REGION: plan.region, ...(overridesJson ? { RUNBOOK_CONFIG_JSON: overridesJson } : {}) });
    const env = { region: plan.region, ...(plan.account ? { account: plan.account } : {}) };
    const common = { env, deployment: plan, config, stackName: plan.stackName };
    if (plan.kind === 'runbooks') {
      const configOverridesJson = handlersOverridesJson(plan.environment);
      stacks.set(
        plan.stackName,
        new RunbookStack(app, plan.stackName, {
          ...common,
          handlers,
          runbooksDir: join(options.rootDir, 'runbooks'),
          ...(configOverridesJson ? { configOverridesJson } : {}),
        }),
      );
    } else if (plan.kind === 'workload') {
      stacks.set(plan.stackName, new WorkloadStack(app, plan.stackName, { ...common, handlers, runbooksDir: join(options.rootDir, 'runbooks') }));
    } else {
      stacks.set(plan.stackName, new RemediationRolesStack(app, plan.stackName, { ...common, handlers, runbooksDir: join(options.rootDir, 'runbooks') }));
    }
  }
  // Cross-account deploy order (`cdk deploy --all`): the workload's IAM first (the operations functions' policies name its
  // automation roles, and IAM refuses a principal that does not exist), then operations, then the workload's regions.
  for (const plan of plans.filter((p) => p.kind === 'runbooks' && p.crossAccount)) {
    const operations = stacks.get(plan.stackName);
    const roles = plans.find((p) => p.kind === 'remediation-roles' && p.environment === plan.environment);
    const workload = plans.find((p) => p.kind === 'workload' && p.environment === plan.environment && p.region === plan.region);
    if (roles) operations?.addStackDependency(stacks.get(roles.stackName)!, 'its functions admit the workload automation roles');
    if (workload && operations) stacks.get(workload.stackName)?.addStackDependency(operations, 'its alarms and documents reach the operations bus and functions');
  }
  // Review 21a R21-2: a rule over EventBridge's pattern size would fail only at deploy.
  refuseOversizedEventPatterns(app);
  // Review 22a R22a-1/2/3/8: a role over IAM's policy size quotas would fail only at deploy (decision 368).
  refuseOversizedIamPolicies(app);
  // Review 22a R22a-4: a function's variables over Lambda's 4 KB would fail only at deploy (decision 371).
  refuseOversizedLambdaEnvironments(app);
  if (options.nag ?? true) addNagChecks(app);
  return { config, plans, handlers, stacks };
}
