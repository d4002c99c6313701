// Every change of the kill switch is told to L1 (decision 178): each runbook stack has an EventBridge rule on the
// account's default bus matching SSM's "Parameter Store Change" for exactly the switch's name, aimed at the escalate
// handler (with its dead-letter queue), in single-account and cross-account mode.
import { KILL_SWITCH_CHANGE_DETAIL_TYPE } from '../../shared/config/names';
import { functionNameOf } from '../../infra/lib/settings';
import { functionOf, resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

/** The project default (shared/config/defaults.ts), which the default app deploys. */
const SWITCH = '/notification-runbooks/kill-switch';

function killSwitchRules(template: CfnTemplate): Array<Record<string, unknown>> {
  return resourcesOfType(template, 'AWS::Events::Rule')
    .map(([, rule]) => rule.Properties ?? {})
    .filter((p) => (p.EventPattern as { source?: string[] } | undefined)?.source?.includes('aws.ssm'));
}

function checkStack(synthesized: SynthesizedApp, stackName: string): void {
  const template = synthesized.json.get(stackName);
  if (!template) throw new Error(`no stack ${stackName}`);
  const rules = killSwitchRules(template);
  expect(rules).toHaveLength(1);
  const [rule] = rules;
  // The account's default bus (no EventBusName): where SSM puts its events. Exactly the switch, every operation.
  expect(rule?.EventBusName).toBeUndefined();
  expect(rule?.EventPattern).toEqual({ source: ['aws.ssm'], 'detail-type': [KILL_SWITCH_CHANGE_DETAIL_TYPE], detail: { name: [SWITCH] } });
  expect(rule?.State).toBe('ENABLED');
  // The switch the stack creates is the one the rule watches.
  const parameters = resourcesOfType(template, 'AWS::SSM::Parameter').map(([, p]) => p.Properties?.Name);
  expect(parameters).toContain(SWITCH);
  // One target: the escalate handler, undeliverable events kept in a dead-letter queue.
  const { id: escalateId } = functionOf(template, functionNameOf('escalate'));
  const targets = rule?.Targets as Array<{ Arn: unknown; DeadLetterConfig?: { Arn: unknown } }>;
  expect(targets).toHaveLength(1);
  expect(targets[0]?.Arn).toEqual({ 'Fn::GetAtt': [escalateId, 'Arn'] });
  expect(targets[0]?.DeadLetterConfig?.Arn).toBeDefined();
  // EventBridge may invoke it for this rule.
  const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').map(([, p]) => p.Properties ?? {});
  expect(permissions).toContainEqual(expect.objectContaining({ Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [escalateId, 'Arn'] }, SourceArn: expect.anything() }));
}

describe('a change of the kill switch reaches the first tier: the Parameter Store Change rule', () => {
  describe('single account (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', account: '123456789012' }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('%s: one rule on the default bus for exactly the switch, aimed at escalate', (region) => {
      checkStack(synthesized, `NotificationRunbooks-production-${region}`);
    });
  });

  describe('cross-account mode (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', accounts: { production: '222222222222' }, operationsAccount: '111111111111' }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it('the operations account, where the switch lives, has the rule on its default bus (not the project bus the workload forwards to)', () => {
      checkStack(synthesized, 'NotificationRunbooks-production-us-east-1');
    });
  });
});
