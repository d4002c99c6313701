// Review 22a, R22a-5: every metric filter's log group is made sure of before the filter is put. PutMetricFilter on a missing
// group fails (ResourceNotFoundException) and rolls the region's stack back; the DR standby consumer has no
// /aws/lambda/<fn> until it first runs. Each AWS::Logs::MetricFilter DependsOn the Custom::WatchedLogGroup of its group,
// in every stack that puts filters (single account: each region's runbook stack; cross-account: each workload stack),
// and the function serving them may create exactly those groups and nothing else (judged by the IAM simulator).
import { ENSURE_LOG_GROUPS_FUNCTION_NAME, WATCHED_LOG_GROUP_TYPE } from '../../infra/lib/constructs/watched-log-groups';
import { deployedRoles, type Deployed } from './support/cfn-policies';
import { simulate, type SimulatedCall, type SimulationPrincipal } from './support/iam-simulation';
import { filtersNotAfterTheirGroup } from './support/log-groups';
import { functionOf, resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const ACCOUNT = '123456789012';
const OPERATIONS = '111111111111';
const WORKLOAD = '222222222222';

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const logGroupArn = (region: string, account: string, name: string): string => `arn:aws:logs:${region}:${account}:log-group:${name}`;

function checkStack(synthesized: SynthesizedApp, stackName: string): void {
  const template = synthesized.json.get(stackName);
  if (!template) throw new Error(`no stack ${stackName}`);
  const filterGroups = [...new Set(resourcesOfType(template, 'AWS::Logs::MetricFilter').map(([, f]) => String(f.Properties?.LogGroupName)))].sort();
  expect(filterGroups).toEqual(['/aws/apigateway/notification-service-api/access', '/aws/lambda/notification-service-consumer']);
  // One custom resource per group, each served by the one function, and every filter after its group's.
  const ensures = resourcesOfType(template, WATCHED_LOG_GROUP_TYPE);
  expect(ensures.map(([, r]) => String(r.Properties?.LogGroupName)).sort()).toEqual(filterGroups);
  const fn = functionOf(template, ENSURE_LOG_GROUPS_FUNCTION_NAME);
  for (const [, r] of ensures) expect(r.Properties?.ServiceToken).toEqual({ 'Fn::GetAtt': [fn.id, 'Arn'] });
  expect(String((fn.resource.Properties?.Environment as { Variables: Record<string, string> }).Variables.LOG_GROUP_NAMES).split(',').sort()).toEqual(filterGroups);
  expect(filtersNotAfterTheirGroup(template)).toEqual([]);
  // A stack delete sends Delete, which deletes nothing (the function's answer); CloudFormation needs no Retain for that.
  for (const [, r] of ensures) expect(r.DeletionPolicy).toBe('Delete');
}

async function roleChecks(synthesized: SynthesizedApp, stackName: string, d: Deployed): Promise<{ allowed: string[]; refused: string[]; actions: string[] }> {
  const template = synthesized.json.get(stackName)!;
  const { roleId } = functionOf(template, ENSURE_LOG_GROUPS_FUNCTION_NAME);
  const role = deployedRoles(template, d).find((r) => r.logicalId === roleId)!;
  return judgeRole({ arn: role.arn, roleArn: role.arn, account: d.account, policies: role.policies }, template, d);
}

/** What the ensure role may and may not do, by the simulator: the watched groups' CreateLogGroup only. */
async function judgeRole(principal: SimulationPrincipal, template: CfnTemplate, d: Deployed): Promise<{ allowed: string[]; refused: string[]; actions: string[] }> {
  const groups = resourcesOfType(template, WATCHED_LOG_GROUP_TYPE).map(([, r]) => String(r.Properties?.LogGroupName));
  const call = (action: string, resource: string, why: string): SimulatedCall => ({ action, resource, resourceAccount: d.account, why });
  const needed = groups.map((g) => call('logs:CreateLogGroup', logGroupArn(d.region, d.account, g), `the watched group ${g}`));
  const dangerous = [
    call('logs:CreateLogGroup', logGroupArn(d.region, d.account, '/aws/lambda/another-function'), 'a group no filter watches'),
    call('logs:CreateLogGroup', logGroupArn(d.region === 'us-east-1' ? 'us-west-2' : 'us-east-1', d.account, groups[0] ?? ''), "the other region's group"),
    ...groups.flatMap((g) =>
      ['logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey', 'logs:PutMetricFilter', 'logs:DeleteMetricFilter', 'logs:TagResource', 'logs:PutSubscriptionFilter'].map((a) =>
        call(a, logGroupArn(d.region, d.account, g), `changes the service's group ${g}`),
      ),
    ),
  ];
  const allowed = (await Promise.all(dangerous.map((c) => simulate(principal, c, d.region)))).filter((o) => o.result === 'Allowed' || o.result.startsWith('error')).map((o) => `${o.call.action} ${o.call.resource}`);
  const refused = (await Promise.all(needed.map((c) => simulate(principal, c, d.region)))).filter((o) => o.result !== 'Allowed').map((o) => `${o.call.action} ${o.call.resource}: ${o.result}`);
  const actions = [...new Set(principal.policies.flatMap((p) => p.document.Statement.flatMap((s) => asArray(s.Action as string | string[] | undefined))))].sort();
  return { allowed, refused, actions };
}

describe('the metric filters\' log groups are made sure of before the filters (review 22a, R22a-5)', () => {
  describe('single account (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', account: ACCOUNT }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('%s: every AWS::Logs::MetricFilter DependsOn the Custom::WatchedLogGroup of its group', (region) => {
      checkStack(synthesized, `NotificationRunbooks-production-${region}`);
    });

    it.each(['us-east-1', 'us-west-2'])('%s: the function\'s role may create exactly the watched groups, in its region, and change none (IAM simulator)', async (region) => {
      const judged = await roleChecks(synthesized, `NotificationRunbooks-production-${region}`, { partition: 'aws', region, account: ACCOUNT });
      expect(judged).toEqual({ allowed: [], refused: [], actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'] });
    });

    it('catches a filter put without waiting for its group, and a role widened to every group', async () => {
      const stackName = 'NotificationRunbooks-production-us-west-2';
      const template = synthesized.json.get(stackName)!;
      const planted = structuredClone(template);
      const [oomId] = resourcesOfType(planted, 'AWS::Logs::MetricFilter').find(([, f]) => String(f.Properties?.LogGroupName).startsWith('/aws/lambda/'))!;
      delete planted.Resources[oomId]!.DependsOn;
      expect(filtersNotAfterTheirGroup(planted)).toEqual([`${oomId} (/aws/lambda/notification-service-consumer)`]);
      const d: Deployed = { partition: 'aws', region: 'us-west-2', account: ACCOUNT };
      const { roleId } = functionOf(template, ENSURE_LOG_GROUPS_FUNCTION_NAME);
      const role = deployedRoles(template, d).find((r) => r.logicalId === roleId)!;
      const widened = role.policies.map((p) => ({
        ...p,
        document: { ...p.document, Statement: p.document.Statement.map((s) => (asArray(s.Action as string | string[]).includes('logs:CreateLogGroup') ? { ...s, Resource: '*' } : s)) },
      }));
      const judged = await judgeRole({ arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: widened }, template, d);
      expect(judged.allowed).toEqual([
        `logs:CreateLogGroup ${logGroupArn('us-west-2', ACCOUNT, '/aws/lambda/another-function')}`,
        `logs:CreateLogGroup ${logGroupArn('us-east-1', ACCOUNT, '/aws/lambda/notification-service-consumer')}`,
      ]);
    });
  });

  describe('cross-account (production): in each workload stack', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: OPERATIONS }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('%s: the filters after their groups, the role creating exactly those', async (region) => {
      const stackName = [...synthesized.json.keys()].find((n) => n.startsWith('NotificationRunbooksWorkload-production') && n.endsWith(region));
      expect(stackName).toBeDefined();
      checkStack(synthesized, stackName!);
      const judged = await roleChecks(synthesized, stackName!, { partition: 'aws', region, account: WORKLOAD });
      expect(judged).toEqual({ allowed: [], refused: [], actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'] });
      // The operations account's runbook stacks put no filter (the alarms are the workload's).
      for (const name of [...synthesized.json.keys()].filter((n) => n.startsWith('NotificationRunbooks-production'))) {
        expect(resourcesOfType(synthesized.json.get(name)!, 'AWS::Logs::MetricFilter')).toEqual([]);
      }
    });
  });
});
