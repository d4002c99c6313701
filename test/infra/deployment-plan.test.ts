// Which stacks the app builds from CDK context: all environments by default, one by selection, cross-account on request.
import { defaultConfig } from '../../shared/config/defaults';
import { parseAutomationConfig } from '../../shared/config/load-config';
import { planDeployment, readContextRecord, type DeploymentContext } from '../../infra/lib/deployment-plan';

const config = parseAutomationConfig(defaultConfig);
const names = (context: DeploymentContext): string[] => planDeployment(config, context).map((p) => `${p.stackName}@${p.account ?? 'any'}`);

describe('planDeployment', () => {
  it.each<[string, DeploymentContext, string[]]>([
    [
      'no context: every environment in each of its regions, account-agnostic',
      {},
      [
        'NotificationRunbooks-production-us-east-1@any',
        'NotificationRunbooks-production-us-west-2@any',
        'NotificationRunbooks-staging-us-east-1@any',
        'NotificationRunbooks-development-us-east-1@any',
      ],
    ],
    ['staging selected', { environment: 'staging' }, ['NotificationRunbooks-staging-us-east-1@any']],
    ['production DR region selected, with its account', { environment: 'production', region: 'us-west-2', account: '123456789012' }, ['NotificationRunbooks-production-us-west-2@123456789012']],
    [
      'accounts per environment',
      { accounts: { production: '111111111111', development: '333333333333' } },
      [
        'NotificationRunbooks-production-us-east-1@111111111111',
        'NotificationRunbooks-production-us-west-2@111111111111',
        'NotificationRunbooks-staging-us-east-1@any',
        'NotificationRunbooks-development-us-east-1@333333333333',
      ],
    ],
    [
      'cross-account staging: handlers in operations, alarms and roles in the workload account',
      { environment: 'staging', accounts: { staging: '222222222222' }, operationsAccount: '999999999999' },
      [
        'NotificationRunbooks-staging-us-east-1@999999999999',
        'NotificationRunbooksWorkload-staging-us-east-1@222222222222',
        'NotificationRunbooksRemediation-staging@222222222222',
      ],
    ],
  ])('plans %s', (_name, context, expected) => {
    expect(names(context)).toEqual(expected);
  });

  it.each<[string, DeploymentContext, RegExp]>([
    ['an unknown environment', { environment: 'prod' }, /environment must be one of production, staging, development/],
    ['a region the environment does not run in', { environment: 'staging', region: 'us-west-2' }, /us-west-2 is not one of staging's regions/],
    ['a region without an environment', { region: 'us-west-2' }, /region needs context environment/],
    ['a malformed account', { environment: 'staging', account: '12345' }, /12-digit/],
    ['cross-account without a workload account', { environment: 'production', operationsAccount: '999999999999' }, /workload account/],
    ['the operations account as its own workload', { environment: 'production', account: '999999999999', operationsAccount: '999999999999' }, /operations account itself/],
    [
      'two environments in one account and region (fixed function names)',
      { accounts: { staging: '111111111111', development: '111111111111' } },
      /staging and development would both deploy the runbook handlers to account 111111111111 in us-east-1/,
    ],
  ])('refuses %s, naming the problem', (_name, context, message) => {
    expect(() => planDeployment(config, context)).toThrow(message);
  });

  it("refuses a context account that is not the configuration's accountId: the handlers would refuse every alarm of it", () => {
    const named = parseAutomationConfig({ ...defaultConfig, environments: { ...defaultConfig.environments, staging: { ...defaultConfig.environments.staging, accountId: '222222222222' } } });
    expect(planDeployment(named, { environment: 'staging' }).map((p) => p.account)).toEqual(['222222222222']);
    expect(planDeployment(named, { environment: 'staging', account: '222222222222' }).map((p) => p.account)).toEqual(['222222222222']);
    expect(() => planDeployment(named, { environment: 'staging', account: '333333333333' })).toThrow(
      "staging's account 333333333333 (context) is not environments.staging.accountId 222222222222: the handlers act only on the configured account's alarms; make them agree",
    );
    expect(() => planDeployment(named, { environment: 'staging', accounts: { staging: '333333333333' }, operationsAccount: '999999999999' })).toThrow(/is not environments\.staging\.accountId/);
  });

  it('reads JSON context given on the command line as a string, and ignores an empty value', () => {
    expect(readContextRecord('{"production":"111111111111"}', 'accounts')).toEqual({ production: '111111111111' });
    expect(readContextRecord({ staging: 222222222222 }, 'accounts')).toEqual({ staging: '222222222222' });
    expect(readContextRecord('', 'accounts')).toBeUndefined();
    expect(() => readContextRecord('{oops', 'accounts')).toThrow(/accounts is not valid JSON/);
  });
});
