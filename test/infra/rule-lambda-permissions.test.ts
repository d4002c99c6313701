// Decision 316: every EventBridge rule infra writes with a handler as its target comes with the Lambda permission CDK's
// LambdaFunction target synthesizes (AWS::Lambda::Permission: events.amazonaws.com, SourceArn Fn::GetAtt the rule's Arn,
// no SourceAccount), and those rules are exactly the ones preflight expects (expectations.ts invokingRules, plus the two
// sweeps). The permissions as AWS will hold them (resolved, ArnLike AWS:SourceArn as Lambda writes them) pass preflight's
// own rule-permission check: a deployed stack PASSes. Cross-account mode: the rules on the project's bus in the
// operations account (the workload forwards to that bus; its forwarding rule targets the bus, not a function), so each
// SourceArn is "rule/<bus>/<name>" of the operations account.
import { join } from 'node:path';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handlerDeclarations } from '../../cli/preflight/declarations';
import { preflightExpectations } from '../../cli/preflight/expectations';
import { deployedDocuments } from '../../cli/preflight/index';
import { checkInvokingRules } from '../../cli/preflight/rule-permission-checks';
import { withWorkloadInvocations } from '../../cli/preflight/run-preflight';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import { ESCALATION_SWEEP_RULE, VERIFY_SWEEP_RULE } from '../../shared/config/names';
import { FOUR_CHANNEL_OVERRIDES } from '../fixtures/four-channel-config';
import { clients, noVersionsOrAliases, simulateCustomPolicyAsAws } from '../unit/cli/preflight/support';
import { resolveIntrinsics, type Deployed } from './support/cfn-policies';
import { resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);
const iam = mockClient(IAMClient);
const WORKLOAD = '222222222222';

interface RuleToFunction {
  ruleName: string;
  bus: string | undefined;
  ruleArn: string;
  functionName: string;
}

/** Every rule of the template with a Lambda function of the template as a target, resolved as deployed. */
function rulesToFunctions(template: CfnTemplate, d: Deployed): Array<RuleToFunction & { ruleId: string; functionId: string }> {
  const functions = new Map(resourcesOfType(template, 'AWS::Lambda::Function').map(([id, r]) => [id, String(r.Properties?.FunctionName)]));
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap(([ruleId, rule]) => {
    const targets = (rule.Properties?.Targets as Array<{ Arn: { 'Fn::GetAtt'?: [string, string] } }> | undefined) ?? [];
    return targets.flatMap((t) => {
      const functionId = t.Arn['Fn::GetAtt']?.[0];
      if (!functionId || !functions.has(functionId)) return [];
      // EventBusName "default" (CDK's EventBus.fromEventBusName(..., 'default')) is the default bus, read without a bus name.
      const named = rule.Properties?.EventBusName === undefined ? undefined : String(resolveIntrinsics(rule.Properties.EventBusName, template, d));
      const bus = named === 'default' ? undefined : named;
      const ruleArn = String(resolveIntrinsics({ 'Fn::GetAtt': [ruleId, 'Arn'] }, template, d));
      return [{ ruleId, functionId, ruleName: String(rule.Properties?.Name), bus, ruleArn, functionName: functions.get(functionId) ?? '' }];
    });
  });
}

function checkStack(synthesized: SynthesizedApp, stack: string, d: Deployed, mode: 'single-account' | 'cross-account', overrides: { environments?: { production?: object } } = {}): Promise<void> {
  const template = synthesized.json.get(stack);
  if (!template) throw new Error(`no stack ${stack}`);
  const found = rulesToFunctions(template, d);
  // Cross-account: preflight runs with the configuration naming the workload (environments.production.accountId).
  const production = { ...overrides.environments?.production, ...(mode === 'cross-account' ? { accountId: WORKLOAD } : {}) };
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: d.region, RUNBOOK_CONFIG_JSON: JSON.stringify({ ...overrides, environments: { production } }) });
  const target = { account: d.account, region: d.region, partition: d.partition, caller: `arn:aws:iam::${d.account}:role/Operator` };
  // As preflight runs (runPreflight): in cross-account mode the handlers the workload's documents invoke, from the
  // documents it expects there, are the ones whose grant to the workload's automation role is the deployment's (decision 320).
  const where = { ...target, ...(mode === 'cross-account' ? { workloadAccount: WORKLOAD } : {}) };
  const expected = withWorkloadInvocations(preflightExpectations(config, 'production', d.region, handlerDeclarations(mode)), target, deployedDocuments(join(__dirname, '..', '..', 'runbooks'), config, 'production', where));
  const projectBus = expected.eventBusName;
  const busOf = (bus: 'alarms' | 'project' | 'default'): string | undefined => (bus === 'project' || (bus === 'alarms' && mode === 'cross-account') ? projectBus : undefined);
  // The rules that target a handler are exactly preflight's, each on the bus preflight reads it on, plus the sweeps.
  const sweeps = [ESCALATION_SWEEP_RULE, VERIFY_SWEEP_RULE].filter((r) => found.some((f) => f.ruleName === r));
  expect(sweeps).toHaveLength(2);
  expect(found.map((f) => `${f.ruleName} ${f.bus ?? 'default'} -> ${f.functionName}`).sort()).toEqual(
    [...expected.invokingRules.map((r) => `${r.ruleName} ${busOf(r.bus) ?? 'default'} -> ${r.functionName}`), ...found.filter((f) => sweeps.includes(f.ruleName)).map((f) => `${f.ruleName} default -> ${f.functionName}`)].sort(),
  );
  // Each with exactly CDK's permission: EventBridge, for that rule's ARN, no SourceAccount.
  const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').map(([, p]) => p.Properties ?? {});
  for (const f of found) {
    const matching = permissions.filter((p) => JSON.stringify(p.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [f.ruleId, 'Arn'] }));
    expect({ rule: f.ruleName, matching }).toEqual({
      rule: f.ruleName,
      matching: [{ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [f.functionId, 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [f.ruleId, 'Arn'] } }],
    });
    expect(f.ruleArn).toBe(`arn:${d.partition}:events:${d.region}:${d.account}:rule/${f.bus ? `${f.bus}/` : ''}${f.ruleName}`);
  }
  // The function policies as Lambda holds them (AddPermission's statement shape), judged by preflight's check: all PASS.
  events.reset();
  lambda.reset();
  iam.reset();
  for (const f of found) {
    events.on(DescribeRuleCommand, { Name: f.ruleName, ...(f.bus ? { EventBusName: f.bus } : {}) }).resolves({ Name: f.ruleName, Arn: f.ruleArn, State: 'ENABLED' });
    events.on(ListTargetsByRuleCommand, { Rule: f.ruleName, ...(f.bus ? { EventBusName: f.bus } : {}) }).resolves({ Targets: [{ Id: 'Target0', Arn: `arn:${d.partition}:lambda:${d.region}:${d.account}:function:${f.functionName}` }] });
  }
  // Every AWS::Lambda::Permission of the function (the rules', and in cross-account mode the workload automation role's
  // InvokedByWorkloadRunbooks), as Lambda's AddPermission writes it: the deployment's own grants are no WARN either.
  const functionIds = new Map(resourcesOfType(template, 'AWS::Lambda::Function').map(([id, r]) => [String(r.Properties?.FunctionName), id]));
  // As CDK deploys the handlers: no published version, no alias, so no qualified policy to read (decision 331).
  noVersionsOrAliases(lambda);
  lambda.on(GetPolicyCommand).callsFake((input: { FunctionName: string }) => ({
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Id: 'default',
      Statement: resourcesOfType(template, 'AWS::Lambda::Permission')
        .filter(([, p]) => JSON.stringify(p.Properties?.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [functionIds.get(input.FunctionName), 'Arn'] }))
        .map(([sid, p]) => {
          const principal = String(resolveIntrinsics(p.Properties?.Principal, template, d));
          const sourceArn = p.Properties?.SourceArn === undefined ? undefined : String(resolveIntrinsics(p.Properties.SourceArn, template, d));
          return {
            Sid: sid,
            Effect: 'Allow',
            Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
            Action: String(p.Properties?.Action),
            Resource: `arn:${d.partition}:lambda:${d.region}:${d.account}:function:${input.FunctionName}`,
            ...(sourceArn ? { Condition: { ArnLike: { 'AWS:SourceArn': sourceArn } } } : {}),
          };
        }),
    }),
  }));
  simulateCustomPolicyAsAws(iam);
  const workloadGrants = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, p]) => !String(resolveIntrinsics(p.Properties?.Principal, template, d)).endsWith('.amazonaws.com'));
  // Cross-account: the workload's automation role may invoke the handlers its documents run (some of them rule targets).
  expect(workloadGrants.length > 0).toBe(mode === 'cross-account');
  return checkInvokingRules(clients(), expected, target, new Map(), mode === 'cross-account' ? { eventBusName: projectBus } : {}).then((results) => {
    expect(results.map((r) => `${r.status} ${r.subject}`)).toEqual(expected.invokingRules.map((r) => `PASS ${r.ruleName}`));
    // The workload role's grants are exempt on the handlers infra grants it, and only there (review 19 R19-14).
    if (mode === 'cross-account') expect(expected.workloadInvokedFunctions?.length).toBe(workloadGrants.length);
  });
}

describe("every rule that targets a handler has CDK's Lambda permission for it, and preflight PASSes it (decision 316)", () => {
  describe('single account (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', account: '123456789012' }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('%s: the alarm routes, recoveries and kill-switch rules on the default bus, decisions on the project bus', async (region) => {
      await checkStack(synthesized, `NotificationRunbooks-production-${region}`, { partition: 'aws', region, account: '123456789012' }, 'single-account');
    });
  });

  // Decision 342: four channels give the DR region two recoveries rules; infra's rules are still exactly preflight's.
  describe('four channels (4 queues, 4 consumers), single account and cross-account', () => {
    let single: SynthesizedApp;
    let cross: SynthesizedApp;
    beforeAll(() => {
      single = synthesizeApp({ environment: 'production', account: '123456789012', config: JSON.stringify(FOUR_CHANNEL_OVERRIDES) }, { cfnValidation: false });
      cross = synthesizeApp({ environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: '111111111111', config: JSON.stringify(FOUR_CHANNEL_OVERRIDES) }, { cfnValidation: false });
    });
    afterAll(() => {
      single.dispose();
      cross.dispose();
    });

    it.each(['us-east-1', 'us-west-2'])('%s: every rule, the split recoveries included, as preflight expects it, and PASSed', async (region) => {
      await checkStack(single, `NotificationRunbooks-production-${region}`, { partition: 'aws', region, account: '123456789012' }, 'single-account', FOUR_CHANNEL_OVERRIDES);
      await checkStack(cross, `NotificationRunbooks-production-${region}`, { partition: 'aws', region, account: '111111111111' }, 'cross-account', FOUR_CHANNEL_OVERRIDES);
      const recoveries = resourcesOfType(single.json.get(`NotificationRunbooks-production-${region}`)!, 'AWS::Events::Rule').filter(([, r]) => String(r.Properties?.Name).includes('recoveries'));
      // Decision 359: four OOM alarms (was one), so us-east-1's 19 recoveries are two rules too (18 + 1).
      expect(recoveries).toHaveLength(2);
    });
  });

  describe('cross-account mode (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: '111111111111' }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it('us-east-1: the alarm routes and recoveries on the project bus of the operations account (SourceArn rule/<bus>/<name>), the kill-switch rule on its default bus', async () => {
      await checkStack(synthesized, 'NotificationRunbooks-production-us-east-1', { partition: 'aws', region: 'us-east-1', account: '111111111111' }, 'cross-account');
      // The workload's forwarding rule targets the operations bus, not a function: no Lambda permission there.
      const workload = synthesized.json.get('NotificationRunbooksWorkload-production-us-east-1');
      expect(workload && resourcesOfType(workload, 'AWS::Lambda::Permission')).toEqual([]);
    });
  });
});
