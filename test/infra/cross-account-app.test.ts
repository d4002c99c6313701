// Cross-account mode: a central operations account runs the handlers; the workload account forwards its alarms and
// offers each playbook a remediation role. Synthesized once, offline, for production in both regions.
import { Match } from 'aws-cdk-lib/assertions';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { workloadRoleActionsOf } from '../../infra/lib/handler-catalog';
import { pipelineActionsOf } from '../../infra/lib/runbook-stack';
import { executionRoleNameOf, functionNameOf, remediationRoleNameOf } from '../../infra/lib/settings';
import { iamSimulationSuite } from './suites/iam-simulation';
import { nagSuite } from './suites/nag';
import { deployedHandlers, functionOf, grantedActions, resourcesOfType, statementsOfRole, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const OPERATIONS = '111111111111';
const WORKLOAD = '222222222222';

let synthesized: SynthesizedApp | undefined;
const app = (): SynthesizedApp =>
  (synthesized ??= synthesizeApp({ environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: OPERATIONS }, { cfnValidation: false }));
afterAll(() => synthesized?.dispose());

const template = (name: string): CfnTemplate => {
  const found = app().json.get(name);
  if (!found) throw new Error(`no stack ${name}: ${[...app().json.keys()].join(', ')}`);
  return found;
};
const playbooks = (): string[] => app().built.handlers.filter((h) => h.kind === 'playbook').map((h) => h.name);
/** Every handler that acts on the workload's resources: the playbooks, and escalate, escalation-timer, verify-change. */
const actingInWorkload = (): string[] => app().built.handlers.filter((h) => workloadRoleActionsOf(h) !== undefined).map((h) => h.name);
const SERVICE_HANDLERS_IN_WORKLOAD = ['escalate', 'escalation-timer', 'verify-change'];

describe('cross-account mode (production)', () => {
  it('puts the handlers in the operations account and the alarms and remediation roles in the workload account', () => {
    expect(app().built.plans.map((p) => [p.stackName, p.account])).toEqual([
      ['NotificationRunbooks-production-us-east-1', OPERATIONS],
      ['NotificationRunbooksWorkload-production-us-east-1', WORKLOAD],
      ['NotificationRunbooks-production-us-west-2', OPERATIONS],
      ['NotificationRunbooksWorkload-production-us-west-2', WORKLOAD],
      ['NotificationRunbooksRemediation-production', WORKLOAD],
    ]);
    expect(resourcesOfType(template('NotificationRunbooks-production-us-east-1'), 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties?.AlarmName)).not.toEqual(
      expect.arrayContaining([alarmSpecs(app().built.config, 'production')[0]?.name]),
    );
    const watched = alarmSpecs(app().built.config, 'production').map((a) => a.name);
    const inWorkload = resourcesOfType(template('NotificationRunbooksWorkload-production-us-east-1'), 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.Properties?.AlarmName));
    expect(inWorkload.filter((name) => watched.includes(name)).sort()).toEqual([...watched].sort());
  });

  it('lets only the workload account put alarm state changes on the central bus', () => {
    app().templates.get('NotificationRunbooks-production-us-east-1')!.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Effect: 'Allow',
        Principal: { AWS: Match.stringLikeRegexp(WORKLOAD) },
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'events:source': 'aws.cloudwatch', 'events:detail-type': 'CloudWatch Alarm State Change' } },
      }),
    });
  });

  it('forwards the workload alarms to the central bus in the same region, with a DLQ', () => {
    app().templates.get('NotificationRunbooksWorkload-production-us-west-2')!.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] }),
      Targets: [
        Match.objectLike({
          Arn: Match.stringLikeRegexp(`arn:.*:events:us-west-2:${OPERATIONS}:event-bus/notification-runbooks`),
          RoleArn: Match.anyValue(),
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('routes only the workload account\'s alarm events to the playbooks on the central bus', () => {
    const rules = resourcesOfType(template('NotificationRunbooks-production-us-east-1'), 'AWS::Events::Rule').filter(
      ([, r]) => (r.Properties?.EventPattern as { source?: string[] }).source?.includes('aws.cloudwatch'),
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const [, rule] of rules) {
      expect(rule.Properties?.EventBusName).toBeDefined();
      expect((rule.Properties?.EventPattern as { account?: string[] }).account).toEqual([WORKLOAD]);
    }
  });

  it.each(['us-east-1', 'us-west-2'])('gives each playbook in %s the pipeline and STS on its own remediation role, and nothing on the workload\'s resources', (region) => {
    const ops = template(`NotificationRunbooks-production-${region}`);
    const here = deployedHandlers(app(), `NotificationRunbooks-production-${region}`);
    // us-west-2 is the DR region: the standby watch and the diagnose-only rows, no row that changes something.
    expect(playbooks().filter((h) => here.includes(h)).includes('scale-consumers')).toBe(region === 'us-east-1');
    for (const handler of playbooks().filter((h) => here.includes(h))) {
      const { resource, roleId } = functionOf(ops, functionNameOf(handler));
      expect(resource.Properties?.Environment).toMatchObject({ Variables: { REMEDIATION_ROLE_NAME: remediationRoleNameOf(handler), RUNBOOK_ACCOUNT_ID: OPERATIONS } });
      const granted = grantedActions(ops, roleId);
      const spec = app().built.handlers.find((h) => h.name === handler)!;
      for (const action of pipelineActionsOf(spec)) expect(granted).toContain(action);
      // Only a playbook that schedules a health check may create schedules and pass a scheduler role.
      expect(granted.has('scheduler:CreateSchedule')).toBe(spec.schedulesHealthCheck === true);
      expect(granted.has('iam:PassRole')).toBe(spec.schedulesHealthCheck === true);
      const assume = statementsOfRole(ops, roleId).find((s) => [s.Action].flat().includes('sts:AssumeRole'));
      expect(assume).toMatchObject({
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
        Resource: `arn:aws:iam::${WORKLOAD}:role/${remediationRoleNameOf(handler)}`,
      });
      // The watched resources are reached only through the role: no statement here names them or the workload account.
      const elsewhere = statementsOfRole(ops, roleId).filter((s) => s !== assume);
      const { watched } = { watched: JSON.stringify(elsewhere.map((s) => s.Resource)) };
      expect(watched).not.toContain(WORKLOAD);
      expect(watched).not.toMatch(/notification-service-(queue|consumer|db)/);
    }
  });

  it.each(['us-east-1', 'us-west-2'])(
    'gives escalate, escalation-timer and verify-change in %s their own-account actions and STS on their own remediation role, and nothing on the workload\'s resources (issue 17 item 2)',
    (region) => {
      const ops = template(`NotificationRunbooks-production-${region}`);
      expect(actingInWorkload().filter((h) => !playbooks().includes(h)).sort()).toEqual(SERVICE_HANDLERS_IN_WORKLOAD);
      // verify-change only where a row changes something: not in the DR region.
      const here = deployedHandlers(app(), `NotificationRunbooks-production-${region}`);
      expect(SERVICE_HANDLERS_IN_WORKLOAD.filter((h) => here.includes(h))).toEqual(region === 'us-east-1' ? SERVICE_HANDLERS_IN_WORKLOAD : ['escalate', 'escalation-timer']);
      for (const handler of SERVICE_HANDLERS_IN_WORKLOAD.filter((h) => here.includes(h))) {
        const { resource, roleId } = functionOf(ops, functionNameOf(handler));
        expect(resource.Properties?.Environment).toMatchObject({ Variables: { REMEDIATION_ROLE_NAME: remediationRoleNameOf(handler), RUNBOOK_ACCOUNT_ID: OPERATIONS } });
        const spec = app().built.handlers.find((h) => h.name === handler)!;
        const granted = grantedActions(ops, roleId);
        for (const action of spec.crossAccount?.ownActions ?? ['(none declared)']) expect(granted).toContain(action);
        const assume = statementsOfRole(ops, roleId).find((s) => [s.Action].flat().includes('sts:AssumeRole'));
        expect(assume).toMatchObject({
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
          Resource: `arn:aws:iam::${WORKLOAD}:role/${remediationRoleNameOf(handler)}`,
        });
        const elsewhere = JSON.stringify(statementsOfRole(ops, roleId).filter((s) => s !== assume).map((s) => s.Resource));
        expect(elsewhere).not.toContain(WORKLOAD);
        expect(elsewhere).not.toMatch(/notification-service-(queue|consumer|db)/);
      }
    },
  );

  it('lets each remediation role be assumed only by its handler\'s execution roles, in sessions tagged with the incident and the handler as source identity, and grants it the handler\'s workload actions in both regions', () => {
    const roles = app().templates.get('NotificationRunbooksRemediation-production')!;
    const json = template('NotificationRunbooksRemediation-production');
    expect(actingInWorkload()).toEqual(expect.arrayContaining([...playbooks(), ...SERVICE_HANDLERS_IN_WORKLOAD]));
    expect(resourcesOfType(json, 'AWS::IAM::Role').map(([, r]) => r.Properties?.RoleName).sort()).toEqual(actingInWorkload().map(remediationRoleNameOf).sort());
    for (const handler of actingInWorkload()) {
      const callers = { 'aws:PrincipalArn': ['us-east-1', 'us-west-2'].map((r) => `arn:aws:iam::${OPERATIONS}:role/${executionRoleNameOf(handler, r)}`) };
      roles.hasResourceProperties('AWS::IAM::Role', {
        RoleName: remediationRoleNameOf(handler),
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({ Action: 'sts:AssumeRole', Principal: { AWS: Match.stringLikeRegexp(OPERATIONS) }, Condition: { ArnEquals: callers } }),
            Match.objectLike({
              Action: 'sts:TagSession',
              Principal: { AWS: Match.stringLikeRegexp(OPERATIONS) },
              Condition: {
                ArnEquals: callers,
                StringEquals: { 'aws:RequestTag/runbook-playbook': handler },
                'ForAllValues:StringEquals': { 'aws:TagKeys': ['runbook-playbook', 'runbook-incident'] },
              },
            }),
            Match.objectLike({
              Action: 'sts:SetSourceIdentity',
              Principal: { AWS: Match.stringLikeRegexp(OPERATIONS) },
              Condition: { ArnEquals: callers, StringEquals: { 'sts:SourceIdentity': `notification-runbooks-${handler}` } },
            }),
          ],
        },
      });
      const [roleId] = resourcesOfType(json, 'AWS::IAM::Role').find(([, r]) => r.Properties?.RoleName === remediationRoleNameOf(handler))!;
      const spec = app().built.handlers.find((h) => h.name === handler)!;
      const granted = grantedActions(json, roleId);
      const expected = workloadRoleActionsOf(spec) ?? [];
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.filter((a) => !granted.has(a))).toEqual([]);
      expect([...granted].filter((a) => !expected.includes(a))).toEqual([]);
      const resources = JSON.stringify(statementsOfRole(json, roleId).map((s) => s.Resource));
      if (resources.includes(':us-east-1:')) expect(resources).toContain(':us-west-2:');
      expect(resources).not.toContain(OPERATIONS);
    }
  });
});

describe('cdk-nag in cross-account mode', () => nagSuite(app));
describe('IAM simulation (cross-account)', () => iamSimulationSuite(app, { mode: 'cross-account' }));
