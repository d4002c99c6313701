// Each stack's handlers are given the overrides with only their own environment's section (decision 372): a handler
// loading what its function was given gets the same RuntimeConfig as it would from the whole overrides, in every
// environment and region a synthesis produces (the DR region's handlers and the operations account's included).
import { loadRuntimeConfig, type RuntimeConfig } from '../../shared/config/load-config';
import { ENVIRONMENTS, type EnvironmentName } from '../../shared/config/schema';
import { ConfigurationError } from '../../shared/errors';
import { FOUR_CHANNEL_OVERRIDES } from '../fixtures/four-channel-config';
import { THREE_ENVIRONMENT_OVERRIDES } from '../fixtures/three-environment-config';
import { resourcesOfType, synthesizeApp } from './support/synth';

type Variables = Record<string, unknown>;
const WORKLOAD_ACCOUNTS = { production: '222222222222', staging: '333333333333', development: '444444444444' };
const OPERATIONS_ACCOUNTS = { production: '111111111111', staging: '555555555555', development: '666666666666' };

/** A handler's variables as Lambda gives them (the literal ones: a token's value is the deployed account's) and its region. */
const handlerEnv = (variables: Variables, region: string): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
  AWS_REGION: region,
});

/** What the handlers run at start (create-alarm-handler, create-verify-change-handler, create-escalation-handlers). */
const atStart = (env: Record<string, string>): RuntimeConfig => loadRuntimeConfig(env, { environments: 'running' });

const withoutEnvironments = (document: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(document).filter(([key]) => key !== 'environments'));

interface Checked {
  stack: string;
  environment: EnvironmentName;
  region: string;
  functions: number;
  /** The environments RUNBOOK_CONFIG_JSON names, or 'none' when the functions are given no overrides. */
  sections: string;
}

/** Synthesizes `context` with `overrides` and checks every handler of every runbooks stack; returns what it checked. */
function checkParity(context: Record<string, unknown>, overrides: Record<string, unknown>): Checked[] {
  const synthesized = synthesizeApp({ ...context, config: JSON.stringify(overrides, null, 2) }, { cfnValidation: false });
  try {
    const checked: Checked[] = [];
    for (const plan of synthesized.built.plans.filter((p) => p.kind === 'runbooks')) {
      const template = synthesized.json.get(plan.stackName)!;
      const handlers = resourcesOfType(template, 'AWS::Lambda::Function')
        .map(([, fn]) => (fn.Properties?.Environment as { Variables?: Variables } | undefined)?.Variables ?? {})
        .filter((variables) => variables.RUNBOOK_ENVIRONMENT !== undefined);
      const sections = new Set<string>();
      for (const variables of handlers) {
        expect(variables.RUNBOOK_ENVIRONMENT).toBe(plan.environment);
        const given = variables.RUNBOOK_CONFIG_JSON;
        const env = handlerEnv(variables, plan.region);
        const whole = atStart({ ...env, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });
        // The variable carries everything that is no environment's as given, and of `environments` this one's at most.
        if (given === undefined) {
          sections.add('none');
          expect(withoutEnvironments(overrides)).toEqual({});
        } else {
          const document = JSON.parse(given as string) as Record<string, unknown>;
          expect(withoutEnvironments(document)).toEqual(withoutEnvironments(overrides));
          sections.add(Object.keys((document.environments as Record<string, unknown> | undefined) ?? {}).join(',') || 'none');
        }
        const handler = atStart(env);
        expect(handler).toStrictEqual(whole);
        // The same environments readable, and the others refused the same way.
        expect(Object.getOwnPropertyNames(handler.config.environments)).toEqual(Object.getOwnPropertyNames(whole.config.environments));
        for (const other of ENVIRONMENTS.filter((e) => e !== plan.environment)) {
          expect(() => handler.config.environments[other]).toThrow(ConfigurationError);
        }
        // And the section the handler reads is the one synthesis validated in the whole document.
        expect(handler.env).toStrictEqual(loadRuntimeConfig({ ...env, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) }).config.environments[plan.environment]);
      }
      checked.push({ stack: plan.stackName, environment: plan.environment, region: plan.region, functions: handlers.length, sections: [...sections].join(' | ') });
    }
    return checked;
  } finally {
    synthesized.dispose();
  }
}

describe("each stack's handlers get only their own environment's overrides, and read the same configuration (decision 372)", () => {
  it('the default app with a three-environment override: every environment and region, the DR region included', () => {
    const checked = checkParity({}, THREE_ENVIRONMENT_OVERRIDES);
    expect(checked).toEqual([
      { stack: 'NotificationRunbooks-production-us-east-1', environment: 'production', region: 'us-east-1', functions: 9, sections: 'production' },
      { stack: 'NotificationRunbooks-production-us-west-2', environment: 'production', region: 'us-west-2', functions: 10, sections: 'production' },
      { stack: 'NotificationRunbooks-staging-us-east-1', environment: 'staging', region: 'us-east-1', functions: 9, sections: 'staging' },
      { stack: 'NotificationRunbooks-development-us-east-1', environment: 'development', region: 'us-east-1', functions: 9, sections: 'development' },
    ]);
  });

  it('the default app with a production-only override: the other environments\' handlers are given none and read the defaults, as before', () => {
    const checked = checkParity({}, FOUR_CHANNEL_OVERRIDES);
    expect(checked.map((c) => `${c.stack}: ${c.sections}`)).toEqual([
      'NotificationRunbooks-production-us-east-1: production',
      'NotificationRunbooks-production-us-west-2: production',
      'NotificationRunbooks-staging-us-east-1: none',
      'NotificationRunbooks-development-us-east-1: none',
    ]);
  });

  it('cross-account: the operations account\'s handlers of every environment, with the three-environment override', () => {
    const checked = checkParity({ accounts: WORKLOAD_ACCOUNTS, operationsAccount: OPERATIONS_ACCOUNTS }, THREE_ENVIRONMENT_OVERRIDES);
    expect(checked.map((c) => `${c.stack}: ${c.functions} ${c.sections}`)).toEqual([
      'NotificationRunbooks-production-us-east-1: 9 production',
      'NotificationRunbooks-production-us-west-2: 10 production',
      'NotificationRunbooks-staging-us-east-1: 9 staging',
      'NotificationRunbooks-development-us-east-1: 9 development',
    ]);
  });
});
