// A watched function whose Lambda LoggingConfig.LogGroup names a log group of its own writes nothing to
// /aws/lambda/<name> (closing note 22, Not done): the configuration names that group (resources.functionLogGroups), and
// infra's OOM metric filter, the Custom::WatchedLogGroup making sure of it, the ensure function's CreateLogGroup grant,
// the handlers' log read grants and the preflight role's DescribeMetricFilters are all on it, and on nothing else. Proven
// two ways: every template of the configured app is the default app's with that one group name swapped (nothing else
// moved, no grant left on /aws/lambda/<name>), and the IAM simulator judges the handler roles that read logs.
import { ENSURE_LOG_GROUPS_FUNCTION_NAME, WATCHED_LOG_GROUP_TYPE } from '../../infra/lib/constructs/watched-log-groups';
import { deployedRoles, type Deployed, type DeployedRole } from './support/cfn-policies';
import { simulate } from './support/iam-simulation';
import { functionOf, resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';
import { filtersNotAfterTheirGroup } from './support/log-groups';

const ACCOUNT = '123456789012';
const OPERATIONS = '111111111111';
const WORKLOAD = '222222222222';
const CONSUMER = 'notification-service-consumer';
const DEFAULT_GROUP = `/aws/lambda/${CONSUMER}`;
/** A group of the service's own naming, as Lambda's advanced logging controls let a function write to. */
const OWN_GROUP = '/notification-service/production/consumer';
const OVERRIDE = { environments: { production: { resources: { functionLogGroups: { [CONSUMER]: OWN_GROUP } } } } };

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The template as text, with what the configuration override itself changes made alike: the handlers' RUNBOOK_CONFIG_JSON. */
function comparable(template: CfnTemplate): string {
  const copy = structuredClone(template);
  for (const [, fn] of resourcesOfType(copy, 'AWS::Lambda::Function')) {
    const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (variables) delete variables.RUNBOOK_CONFIG_JSON;
  }
  return JSON.stringify(copy, null, 1);
}

/** Every log-group ARN any role of the template is granted, as deployed. */
function grantedLogGroups(roles: readonly DeployedRole[]): string[] {
  return [
    ...new Set(
      roles.flatMap((r) => r.policies.flatMap((p) => p.document.Statement.flatMap((s) => asArray(s.Resource).filter((arn) => arn.includes(':log-group:') && !arn.includes(':log-group:/aws/lambda/notification-runbooks'))))),
    ),
  ].sort();
}

/** The roles of the template granted logs:FilterLogEvents anywhere: the handlers that read the watched function's lines. */
const logReaders = (roles: readonly DeployedRole[]): DeployedRole[] =>
  roles.filter((r) => r.policies.some((p) => p.document.Statement.some((s) => s.Effect === 'Allow' && asArray(s.Action).includes('logs:FilterLogEvents'))));

describe("a watched function's own log group (resources.functionLogGroups)", () => {
  // The roles granted logs:FilterLogEvents: the playbooks reading the consumer's lines (memory-pressure, error-rate) and
  // verify-change, which runs their observation again. Single account: each region's execution roles; cross-account: the
  // workload's remediation roles, each serving both regions.
  const handlersReading = ['alert-error-rate', 'raise-lambda-memory', 'verify-change'];
  describe.each([
    [
      'single account',
      { environment: 'production', account: ACCOUNT },
      ACCOUNT,
      ['us-east-1', 'us-west-2'].flatMap((r) => handlersReading.map((h) => `notification-runbooks-${h}-${r} in ${r}`)),
    ],
    [
      'cross-account',
      { environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: OPERATIONS },
      WORKLOAD,
      ['us-east-1', 'us-west-2'].flatMap((r) => handlersReading.map((h) => `notification-runbooks-remediate-${h} in ${r}`)),
    ],
  ] as const)('%s (production)', (_mode, context, account, expectedReaders) => {
    let defaults: SynthesizedApp;
    let configured: SynthesizedApp;
    beforeAll(() => {
      defaults = synthesizeApp(context, { cfnValidation: false });
      configured = synthesizeApp({ ...context, config: JSON.stringify(OVERRIDE) }, { cfnValidation: false });
    });
    afterAll(() => {
      defaults.dispose();
      configured.dispose();
    });

    it('changes every template in one way only: the consumer\'s log group name, wherever the default app had /aws/lambda/<name>', () => {
      expect([...configured.json.keys()]).toEqual([...defaults.json.keys()]);
      let swapped = 0;
      for (const [name, template] of defaults.json) {
        const before = comparable(template);
        swapped += before.split(DEFAULT_GROUP).length - 1;
        const after = comparable(configured.json.get(name)!);
        expect({ name, mentionsDefault: after.includes(DEFAULT_GROUP) }).toEqual({ name, mentionsDefault: false });
        expect({ name, template: after }).toEqual({ name, template: before.replaceAll(DEFAULT_GROUP, OWN_GROUP) });
      }
      // The default app names the group at all: the filter, its ensure resource, the grants (else the swap proves nothing).
      expect(swapped).toBe(20);
    });

    it("puts the OOM filter and the Custom::WatchedLogGroup on the configured group, the filter after it, and the ensure role's CreateLogGroup there", () => {
      const stacks = [...configured.json.entries()].filter(([, t]) => resourcesOfType(t, 'AWS::Logs::MetricFilter').length > 0);
      expect(stacks.length).toBeGreaterThan(0);
      for (const [name, template] of stacks) {
        const oom = resourcesOfType(template, 'AWS::Logs::MetricFilter').filter(([, f]) => f.Properties?.FilterName === `${CONSUMER}-out-of-memory`);
        expect({ name, groups: oom.map(([, f]) => f.Properties?.LogGroupName) }).toEqual({ name, groups: [OWN_GROUP] });
        expect(resourcesOfType(template, WATCHED_LOG_GROUP_TYPE).map(([, r]) => r.Properties?.LogGroupName)).toContain(OWN_GROUP);
        expect(filtersNotAfterTheirGroup(template)).toEqual([]);
        const region = (configured.built.plans.find((p) => p.stackName === name)?.region ?? '') as string;
        const { roleId } = functionOf(template, ENSURE_LOG_GROUPS_FUNCTION_NAME);
        const role = deployedRoles(template, { partition: 'aws', region, account }).find((r) => r.logicalId === roleId)!;
        expect(grantedLogGroups([role])).toEqual([`arn:aws:logs:${region}:${account}:log-group:${OWN_GROUP}`, `arn:aws:logs:${region}:${account}:log-group:/aws/apigateway/notification-service-api/access`].sort());
      }
    });

    it("lets the handlers that read the consumer's lines read the configured group and not /aws/lambda/<name> (IAM simulator)", async () => {
      const judged: string[] = [];
      const readers: string[] = [];
      for (const [name, template] of configured.json) {
        const plan = configured.built.plans.find((p) => p.stackName === name);
        if (!plan) throw new Error(`no plan for ${name}`);
        // A remediation role serves every region of the environment (IAM is global); a runbook stack's roles, its own.
        for (const region of plan.kind === 'remediation-roles' ? plan.regions : [plan.region]) {
          const d: Deployed = { partition: 'aws', region: plan.region, account: plan.account ?? account };
          for (const role of logReaders(deployedRoles(template, d))) {
            readers.push(`${role.name} in ${region}`);
            for (const [group, want] of [
              [OWN_GROUP, 'allowed'],
              [DEFAULT_GROUP, 'denied'],
            ] as const) {
              const outcome = await simulate(
                { arn: role.arn, roleArn: role.arn, account: d.account, policies: role.policies, context: { 'aws:PrincipalTag/runbook-region': region, 'aws:RequestTag/runbook-region': region } },
                { action: 'logs:FilterLogEvents', resource: `arn:aws:logs:${region}:${account}:log-group:${group}:*`, resourceAccount: account, why: `${group}'s lines` },
                region,
              );
              const got = outcome.result === 'Allowed' ? 'allowed' : outcome.result.startsWith('error') ? outcome.result : 'denied';
              if (got !== want) judged.push(`${role.name} in ${region}: logs:FilterLogEvents on ${group} ${got}, expected ${want}`);
            }
          }
        }
      }
      expect(readers).toEqual(expectedReaders);
      expect(judged).toEqual([]);
    });
  });
});
