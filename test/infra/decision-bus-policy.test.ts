// Forged "Runbook Decision" events (issue 17 item 3): the project's bus admits the decision source only from the roles of
// the handlers that publish decisions. moto enforces no resource policy, so the synthesized policy itself is checked.
import { DECISION_SOURCE } from '../../shared/config/names';
import { DECISION_PUBLISHERS_SID } from '../../infra/lib/constructs/escalation-routing';
import { functionNameOf } from '../../infra/lib/settings';
import { deployedHandlers, functionOf, grantedActions, resourcesOfType, synthesizeApp, type CfnResource, type CfnTemplate, type SynthesizedApp } from './support/synth';

/** CloudFormation's Fn::Join / Ref of the pseudo parameters, resolved as a deployment in `account` would resolve them. */
function resolve(value: unknown, account: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, account));
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (node.Ref === 'AWS::Partition') return 'aws';
    if (node.Ref === 'AWS::AccountId') return account;
    if (node.Ref === 'AWS::Region') return 'us-east-1';
    const join = node['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return (join[1].map((part) => resolve(part, account)) as string[]).join(join[0]);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v, account)]));
  }
  return value;
}

interface BusStatement {
  Sid: string;
  Effect: string;
  Principal: unknown;
  Action: unknown;
  Resource: unknown;
  Condition: { 'ForAnyValue:StringEquals': Record<string, string>; ArnNotEquals: Record<string, string[]> } & Record<string, unknown>;
}

function decisionPolicies(template: CfnTemplate): CfnResource[] {
  return resourcesOfType(template, 'AWS::Events::EventBusPolicy')
    .map(([, r]) => r)
    .filter((r) => r.Properties?.StatementId === DECISION_PUBLISHERS_SID);
}

/** The execution role name of every function whose own policy grants events:PutEvents, read from the template. */
function publishersInTemplate(template: CfnTemplate, handlers: readonly string[]): { publishers: string[]; others: string[] } {
  const publishers: string[] = [];
  const others: string[] = [];
  for (const handler of handlers) {
    const { roleId } = functionOf(template, functionNameOf(handler));
    const roleName = String(template.Resources[roleId]?.Properties?.RoleName);
    (grantedActions(template, roleId).has('events:PutEvents') ? publishers : others).push(roleName);
  }
  return { publishers: publishers.sort(), others: others.sort() };
}

function checkStack(synthesized: SynthesizedApp, stackName: string, account: string): void {
  const template = synthesized.json.get(stackName);
  if (!template) throw new Error(`no stack ${stackName}`);
  const [policy, ...more] = decisionPolicies(template);
  expect(more).toEqual([]);
  const statement = resolve(policy?.Properties?.Statement, account) as BusStatement;
  const bus = resourcesOfType(template, 'AWS::Events::EventBus');
  expect(bus).toHaveLength(1);
  const [busId] = bus[0] ?? [];

  // Denied to everyone: PutEvents of the decision source on this bus...
  expect(statement).toMatchObject({ Sid: DECISION_PUBLISHERS_SID, Effect: 'Deny', Principal: { AWS: '*' }, Action: 'events:PutEvents' });
  expect(policy?.Properties?.EventBusName).toEqual({ Ref: busId });
  expect(statement.Resource).toEqual(resolve({ 'Fn::GetAtt': [busId, 'Arn'] }, account));
  // events:source is multivalued (one value per PutEvents entry): a set operator, or the Deny never applies (decision 102).
  expect(statement.Condition['ForAnyValue:StringEquals']).toEqual({ 'events:source': DECISION_SOURCE });
  expect(Object.keys(statement.Condition).sort()).toEqual(['ArnNotEquals', 'ForAnyValue:StringEquals']);
  // ...unless the caller is the execution role of a handler that publishes decisions: exactly those, nothing else.
  const deployed = deployedHandlers(synthesized, stackName);
  const { publishers, others } = publishersInTemplate(template, deployed);
  const allowed = statement.Condition.ArnNotEquals['aws:PrincipalArn'] ?? [];
  expect([...allowed].sort()).toEqual(publishers.map((name) => `arn:aws:iam::${account}:role/${name}`));
  // The handlers that act on decisions are not among them: escalate cannot page by publishing a decision to itself.
  expect(others).toEqual(expect.arrayContaining([expect.stringContaining('notification-runbooks-escalate-'), expect.stringContaining('notification-runbooks-escalation-timer-')]));
  // Where rows change something (the primary region) scale-consumers and verify-change publish; in the DR region the standby watch.
  const expectedPublishers = deployed.includes('scale-consumers') ? ['scale-consumers', 'verify-change'] : ['watch-standby', 'alert-error-rate'];
  expect(publishers).toEqual(expect.arrayContaining(expectedPublishers.map((h) => expect.stringContaining(`notification-runbooks-${h}-`))));
  for (const name of others) expect(allowed).not.toContain(`arn:aws:iam::${account}:role/${name}`);
}

describe('the project bus admits "Runbook Decision" events only from the handlers that publish them', () => {
  describe('single account (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', account: '123456789012' }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it.each(['us-east-1', 'us-west-2'])('%s: a Deny on the decision source for every other principal', (region) => {
      checkStack(synthesized, `NotificationRunbooks-production-${region}`, '123456789012');
    });
  });

  describe('cross-account mode (production)', () => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp({ environment: 'production', accounts: { production: '222222222222' }, operationsAccount: '111111111111' }, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it('the operations bus keeps the decision source to its own publishing roles; the workload may forward alarm state changes only', () => {
      checkStack(synthesized, 'NotificationRunbooks-production-us-east-1', '111111111111');
      const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
      const forwarded = resourcesOfType(template ?? { Resources: {} }, 'AWS::Events::EventBusPolicy')
        .map(([, r]) => resolve(r.Properties?.Statement, '111111111111') as BusStatement)
        .filter((s) => s.Effect === 'Allow');
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]?.Condition).toEqual({
        'ForAllValues:StringEquals': { 'events:source': 'aws.cloudwatch', 'events:detail-type': 'CloudWatch Alarm State Change' },
        Null: { 'events:source': 'false', 'events:detail-type': 'false' },
      });
    });
  });
});
