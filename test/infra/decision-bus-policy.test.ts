// Forged "Runbook Decision" events (issue 17 item 3): the project's bus admits the decision source only from the roles of
// the handlers that publish decisions. moto enforces no resource policy, so the synthesized policy itself is checked,
// and then judged as AWS would judge a PutEvents against it by @cloud-copilot/iam-simulate (decision 107).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { DECISION_SOURCE } from '../../shared/config/names';
import { DECISION_PUBLISHERS_SID, SOURCE_ABSENT_SID } from '../../infra/lib/constructs/escalation-routing';
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

function decisionPolicies(template: CfnTemplate, sid = DECISION_PUBLISHERS_SID): CfnResource[] {
  return resourcesOfType(template, 'AWS::Events::EventBusPolicy')
    .map(([, r]) => r)
    .filter((r) => r.Properties?.StatementId === sid);
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

  // Its fail-closed half: a request without events:source is refused to the same principals (ForAnyValue on an absent
  // key is false, so the Deny above would not apply to it).
  const [absent, ...moreAbsent] = decisionPolicies(template, SOURCE_ABSENT_SID);
  expect(moreAbsent).toEqual([]);
  expect(absent?.Properties?.EventBusName).toEqual({ Ref: busId });
  expect(resolve(absent?.Properties?.Statement, account)).toEqual({
    Sid: SOURCE_ABSENT_SID,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'events:PutEvents',
    Resource: statement.Resource,
    Condition: { Null: { 'events:source': 'true' }, ArnNotEquals: { 'aws:PrincipalArn': allowed } },
  });
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

    describe("infra's bus policy, as synthesized, judged by @cloud-copilot/iam-simulate for a PutEvents on the operations bus", () => {
      const OPS = '111111111111';
      const WL = '222222222222';
      const STRANGER = '999999999999';
      let busArn: string;
      let statements: Array<Record<string, unknown>>;
      let publisher: string;
      let nonPublisher: string;
      beforeAll(() => {
        const template = synthesized.json.get('NotificationRunbooks-production-us-east-1');
        if (!template) throw new Error('no operations stack');
        const [[busId, bus] = []] = resourcesOfType(template, 'AWS::Events::EventBus');
        busArn = `arn:aws:events:us-east-1:${OPS}:event-bus/${String(bus?.Properties?.Name)}`;
        const getAtt = JSON.stringify({ 'Fn::GetAtt': [busId, 'Arn'] });
        // Every statement of the bus's policy (one per AWS::Events::EventBusPolicy), the bus's ARN in place of its GetAtt.
        statements = resourcesOfType(template, 'AWS::Events::EventBusPolicy').map(([, r]) => JSON.parse(JSON.stringify(resolve(r.Properties?.Statement, OPS)).split(getAtt).join(JSON.stringify(busArn))) as Record<string, unknown>);
        const { publishers, others } = publishersInTemplate(template, deployedHandlers(synthesized, 'NotificationRunbooks-production-us-east-1'));
        publisher = `arn:aws:iam::${OPS}:role/${publishers.find((n) => n.includes('scale-consumers')) ?? '?'}`;
        nonPublisher = `arn:aws:iam::${OPS}:role/${others.find((n) => n.includes('notification-runbooks-escalate-')) ?? '?'}`;
      });

      /** AWS's answer for `principal` (whose own identity policy allows events:PutEvents on the bus) with these event keys. */
      async function judge(principal: string, keys: Record<string, string[]>, without?: string): Promise<string> {
        const account = principal.split(':')[4] ?? '';
        const response = await runSimulation(
          {
            request: { principal, action: 'events:PutEvents', resource: { resource: busArn, accountId: OPS }, contextVariables: { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account, ...keys } },
            identityPolicies: [{ name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }] } }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: { Version: '2012-10-17', Statement: statements.filter((st) => st.Sid !== without) },
          },
          {},
        );
        if (response.resultType === 'error') throw new Error(`iam-simulate could not simulate: ${JSON.stringify(response.errors)}`);
        return response.overallResult;
      }
      const ALARM = { source: 'aws.cloudwatch', type: 'CloudWatch Alarm State Change' };
      const entries = (...list: Array<[string, string]>): Record<string, string[]> => ({ 'events:source': list.map(([src]) => src), 'events:detail-type': list.map(([, t]) => t) });

      it('the policy judged is the three statements infra writes', () => {
        expect(statements.map((st) => st.Sid).sort()).toEqual([DECISION_PUBLISHERS_SID, `ForwardedAlarms${WL}`, SOURCE_ABSENT_SID].sort());
        expect(publisher).toContain('notification-runbooks-scale-consumers-');
        expect(nonPublisher).toContain('notification-runbooks-escalate-');
      });

      it.each(([
        ['a non-publisher of the operations account, one decision entry', 'nonPublisher', entries([DECISION_SOURCE, 'Runbook Decision']), 'ExplicitlyDenied'],
        ['a non-publisher, a decision entry and another in one batch', 'nonPublisher', entries([DECISION_SOURCE, 'Runbook Decision'], ['x', 'y']), 'ExplicitlyDenied'],
        ["a publishing handler's role, a decision", 'publisher', entries([DECISION_SOURCE, 'Runbook Decision']), 'Allowed'],
        ["the workload's forwarding role, an alarm state change", `arn:aws:iam::${WL}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B`, entries([ALARM.source, ALARM.type]), 'Allowed'],
        ["the workload's role, an alarm and a decision in one batch", `arn:aws:iam::${WL}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B`, entries([ALARM.source, ALARM.type], [DECISION_SOURCE, 'Runbook Decision']), 'ExplicitlyDenied'],
        ["the workload's role, the decision source with an alarm's detail-type", `arn:aws:iam::${WL}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B`, entries([DECISION_SOURCE, ALARM.type]), 'ExplicitlyDenied'],
        ["the workload's role, no events: keys", `arn:aws:iam::${WL}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B`, {}, 'ExplicitlyDenied'],
        ["the workload account's root, a decision", `arn:aws:iam::${WL}:root`, entries([DECISION_SOURCE, 'Runbook Decision']), 'ExplicitlyDenied'],
        ['a role of an account not configured, an alarm state change', `arn:aws:iam::${STRANGER}:role/forwarder`, entries([ALARM.source, ALARM.type]), 'ImplicitlyDenied'],
        ['a non-publisher, events:source absent (detail-type "Runbook Decision")', 'nonPublisher', { 'events:detail-type': ['Runbook Decision'] }, 'ExplicitlyDenied'],
      ] as Array<[string, string, Record<string, string[]>, string]>).map(([c, who, keys, expected]) => [c, expected, who, keys] as const))('%s -> %s', async (_case, expected, who, keys) => {
        const principal = who === 'publisher' ? publisher : who === 'nonPublisher' ? nonPublisher : who;
        expect(await judge(principal, keys)).toBe(expected);
      });

      it(`without ${SOURCE_ABSENT_SID}, a non-publisher with no events:source is Allowed (why the statement exists); a workload request without keys only ImplicitlyDenied`, async () => {
        expect(await judge(nonPublisher, { 'events:detail-type': ['Runbook Decision'] }, SOURCE_ABSENT_SID)).toBe('Allowed');
        expect(await judge(`arn:aws:iam::${WL}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B`, {}, SOURCE_ABSENT_SID)).toBe('ImplicitlyDenied');
      });
    });
  });
});
