// Preflight's judgement of the operations bus's resource policy (cross-account mode): does it admit the workload's
// forwarded alarm events from the principal the forwarding rule uses, and refuse an account not configured?
// The mocked iam:SimulateCustomPolicy is answered by the sandbox's evaluator on what preflight sends it (statements
// stripped of Principal, the forwarded event's context). Each case's expectation comes from another evaluator:
// @cloud-copilot/iam-simulate judging the WHOLE bus policy as a resource policy (Principal included), for a
// cross-account request from the forwarding role, whose identity policy allows events:PutEvents on the bus (as
// CDK's EventBus target role does).
import { DescribeEventBusCommand, DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { mockClient } from 'aws-sdk-client-mock';
import { busStatementsFor, checkBusPolicy, forwardingPrincipal } from '../../../../cli/preflight/bus-policy-checks';
import type { LiveRule } from '../../../../cli/preflight/alarm-checks';
import { decisionPublishersStatement, forwardedAlarmsStatement, sourceAbsentStatement } from '../../../../infra/lib/iam/bus-policy';
import { ACCOUNT, awsError, clients, simulateCustomPolicyAsAws, TARGET, WORKLOAD } from './support';

const events = mockClient(EventBridgeClient);
const iam = mockClient(IAMClient);

const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/notification-runbooks`;
const RULE = `arn:aws:events:us-east-1:${WORKLOAD}:rule/notification-runbooks-forward-alarms`;
/** The role CDK creates for the forwarding rule's EventBus target (its name is CloudFormation's). */
const FORWARDING_ROLE = `arn:aws:iam::${WORKLOAD}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B3C`;
const OTHER = '777777777777';
/** The probe account preflight uses (written here independently: neither configured account). */
const PROBE = '999999999999';
/** The probe's role: the forwarding role's own name, in the probe account (decision 107); and the probe account's root. */
const PROBE_ROLE = `arn:aws:iam::${PROBE}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B3C`;
const PROBE_ROOT = `arn:aws:iam::${PROBE}:root`;
/** The probe before decision 107: a fixed role name, whatever the forwarding role's. */
const OLD_PROBE_ROLE = `arn:aws:iam::${PROBE}:role/runbook-preflight-probe-forwarder`;
const ORG = 'o-a1b2c3d4e5';
const forwarding = { environment: 'production', eventBusName: 'notification-runbooks', workloadAccount: WORKLOAD, target: TARGET };
const publisher = `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-scale-consumers-us-east-1`;

const policyOf = (...statements: unknown[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement: statements });
/** infra's policy: the workload's grant and the decision-source Deny with its fail-closed half (infra/lib/iam/bus-policy.ts). */
const INFRA = policyOf(forwardedAlarmsStatement('aws', WORKLOAD, BUS), decisionPublishersStatement(BUS, [publisher]), sourceAbsentStatement(BUS, [publisher]));
/** Alarm state changes only, with a set operator (events:source / events:detail-type are multivalued keys). */
const ALARM_EVENT = { 'ForAllValues:StringEquals': { 'events:source': 'aws.cloudwatch', 'events:detail-type': 'CloudWatch Alarm State Change' } };

/**
 * The oracle: AWS's cross-account evaluation of PutEvents from `principal` on the bus, the whole bus policy as the
 * resource policy, the forwarded alarm event's context (written out here, not taken from the code).
 */
async function awsWouldAllow(policy: Record<string, unknown> | undefined, principal: string, account: string, orgId?: string): Promise<boolean> {
  const response = await runSimulation(
    {
      request: {
        principal,
        action: 'events:PutEvents',
        resource: { resource: BUS, accountId: ACCOUNT },
        contextVariables: {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': account,
          'aws:SourceAccount': account,
          'aws:SourceArn': `arn:aws:events:us-east-1:${account}:rule/notification-runbooks-forward-alarms`,
          'events:source': ['aws.cloudwatch'],
          'events:detail-type': ['CloudWatch Alarm State Change'],
          ...(orgId ? { 'aws:PrincipalOrgID': orgId } : {}),
        },
      },
      identityPolicies: [{ name: 'forwarding-role', policy: policyOf({ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS }) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policy ? { resourcePolicy: policy } : {}),
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`the oracle could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult === 'Allowed';
}

/** The deployment as found: the forwarding rule's target (with or without a role) and the bus's policy. */
function deployment(policy: Record<string, unknown> | undefined, opts: { role?: string | null; bus?: boolean } = {}): void {
  events.reset();
  iam.reset();
  events.on(DescribeRuleCommand).resolves({ EventPattern: '{"source":["aws.cloudwatch"]}', State: 'ENABLED' });
  const role = opts.role === undefined ? FORWARDING_ROLE : opts.role;
  events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'operations-bus', Arn: BUS, ...(role ? { RoleArn: role } : {}) }] });
  events.on(DescribeEventBusCommand).callsFake(() => {
    if (opts.bus === false) throw awsError('ResourceNotFoundException', 'Event bus notification-runbooks does not exist.');
    return { Name: 'notification-runbooks', Arn: BUS, ...(policy ? { Policy: JSON.stringify(policy) } : {}) };
  });
  simulateCustomPolicyAsAws(iam);
}

async function run() {
  const operations = clients();
  const workload = operations.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' });
  const result = await checkBusPolicy(workload, operations, forwarding, new Map());
  return { result, operations, workload };
}

/** Who each SimulateCustomPolicy was about: aws:PrincipalAccount of its context. */
const simulatedAccounts = (): Array<string | undefined> =>
  iam.commandCalls(SimulateCustomPolicyCommand).map((call) => call.args[0].input.ContextEntries?.find((e) => e.ContextKeyName === 'aws:PrincipalAccount')?.ContextKeyValues?.[0]);

const FIX_NAMES = `it writes statement ForwardedAlarms${WORKLOAD}: events:PutEvents from ${WORKLOAD}`;
const ROLE_WHO = `role NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B3C of ${WORKLOAD} (the forwarding rule's target role)`;

describe('checkBusPolicy: the operations bus admits the forwarded alarms, and only them', () => {
  it("infra's policy: the forwarding role's PutEvents admitted, an account not configured refused; PASS, the policy read in operations and the rule in the workload", async () => {
    deployment(INFRA);
    expect(await awsWouldAllow(INFRA, FORWARDING_ROLE, WORKLOAD)).toBe(true);
    expect(await awsWouldAllow(INFRA, PROBE_ROLE, PROBE)).toBe(false);
    const { result, operations, workload } = await run();
    expect(result).toEqual({
      area: 'routing',
      check: 'bus-policy',
      subject: BUS,
      status: 'PASS',
      message: `policy of bus notification-runbooks in ${ACCOUNT} admits events:PutEvents of the workload's alarm state changes from ${ROLE_WHO}, and refuses the same from ${PROBE}, an account not configured (iam:SimulateCustomPolicy)`,
    });
    expect(events.commandCalls(DescribeEventBusCommand).map((c) => [c.thisValue === operations.events, c.args[0].input])).toEqual([[true, { Name: 'notification-runbooks' }]]);
    expect(events.commandCalls(ListTargetsByRuleCommand).every((c) => c.thisValue === workload.events)).toBe(true);
    // The workload's forwarding role, with the forwarded event's context, in the operations account. The probe: only the
    // decision-source Deny names it, no Allow, so it is refused without a simulation.
    expect(simulatedAccounts()).toEqual([WORKLOAD]);
    expect(iam.commandCalls(SimulateCustomPolicyCommand).every((c) => c.thisValue === operations.iam)).toBe(true);
    const first = iam.commandCalls(SimulateCustomPolicyCommand)[0]?.args[0].input;
    expect(first?.ActionNames).toEqual(['events:PutEvents']);
    expect(first?.ResourceArns).toEqual([BUS]);
    expect(Object.fromEntries((first?.ContextEntries ?? []).map((e) => [e.ContextKeyName, e.ContextKeyValues]))).toEqual({
      'aws:PrincipalArn': [FORWARDING_ROLE],
      'aws:PrincipalAccount': [WORKLOAD],
      'aws:SourceAccount': [WORKLOAD],
      'aws:SourceArn': [RULE],
      'events:source': ['aws.cloudwatch'],
      'events:detail-type': ['CloudWatch Alarm State Change'],
    });
    // The event keys are multivalued (ArrayOfString): given as lists, so a plain operator on them matches nothing, as in AWS.
    expect((first?.ContextEntries ?? []).filter((e) => e.ContextKeyType === 'stringList').map((e) => e.ContextKeyName)).toEqual(['events:source', 'events:detail-type']);
    // No Principal reaches the simulator: the match is preflight's, the conditions AWS's.
    const sent = JSON.parse(first?.PolicyInputList?.[0] ?? '{}') as { Statement: Array<Record<string, unknown>> };
    expect(sent.Statement.map((st) => [st.Sid, 'Principal' in st || 'NotPrincipal' in st])).toEqual([
      [`ForwardedAlarms${WORKLOAD}`, false],
      ['OnlyRunbookHandlersPublishDecisions', false],
      ['NoSourcelessEventsButRunbookPublishers', false],
    ]);
  });

  it('a policy naming another account: FAIL naming whom it names and what to deploy; the probe is not asked', async () => {
    const wrong = policyOf(forwardedAlarmsStatement('aws', OTHER, BUS), decisionPublishersStatement(BUS, [publisher]));
    expect(await awsWouldAllow(wrong, FORWARDING_ROLE, WORKLOAD)).toBe(false);
    deployment(wrong);
    const { result } = await run();
    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      `policy of bus notification-runbooks in ${ACCOUNT} names no principal that is ${ROLE_WHO} or its account (it names {"AWS":"arn:aws:iam::${OTHER}:root"}, {"AWS":"*"}): EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${WORKLOAD}`,
    );
    expect(result.fix).toContain(FIX_NAMES);
    expect(result.fix).toContain(`npx cdk deploy NotificationRunbooks-production-us-east-1 -c operationsAccount=${ACCOUNT}`);
    // The decision-source Deny names anyone, but no Allow names the workload: nothing to simulate.
    expect(simulatedAccounts()).toEqual([]);
  });

  it('no policy on the bus: FAIL, nothing simulated; a missing bus: FAIL', async () => {
    expect(await awsWouldAllow(undefined, FORWARDING_ROLE, WORKLOAD)).toBe(false);
    deployment(undefined);
    const { result } = await run();
    expect([result.status, result.message]).toEqual([
      'FAIL',
      `bus notification-runbooks in ${ACCOUNT} has no resource policy: events:PutEvents from ${ROLE_WHO} is refused; EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${WORKLOAD}`,
    ]);
    expect(result.fix).toContain(FIX_NAMES);
    expect(iam.commandCalls(SimulateCustomPolicyCommand)).toHaveLength(0);
    deployment(INFRA, { bus: false });
    expect((await run()).result).toMatchObject({ status: 'FAIL', message: expect.stringContaining(`bus notification-runbooks in ${ACCOUNT} does not exist`) });
  });

  it('a wildcard principal with no account condition admits the workload and anyone: FAIL naming the probe account', async () => {
    const open = policyOf({ Sid: 'AnyoneForwards', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: BUS, Condition: ALARM_EVENT });
    expect(await awsWouldAllow(open, FORWARDING_ROLE, WORKLOAD)).toBe(true);
    expect(await awsWouldAllow(open, PROBE_ROLE, PROBE)).toBe(true);
    deployment(open);
    const { result } = await run();
    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      `policy of bus notification-runbooks in ${ACCOUNT} also admits events:PutEvents of an alarm state change from role NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B3C of ${PROBE}, an account not configured (iam:SimulateCustomPolicy): any account can put alarm events on the handlers' bus`,
    );
    expect(result.fix).toContain(`a Principal of ${WORKLOAD} (or its forwarding role), not "*" or another account`);
    expect(simulatedAccounts()).toEqual([WORKLOAD, PROBE]);
  });

  it("a wildcard principal admitting any account's role named like the forwarding role (ArnLike aws:PrincipalArn arn:aws:iam::*:role/NotificationRunbooksWorkload-*): FAIL, the probe is a role of that name in the probe account", async () => {
    const byName = policyOf({ Sid: 'ForwardingRolesByName', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: BUS, Condition: { ...ALARM_EVENT, ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/NotificationRunbooksWorkload-*' } } });
    expect(await awsWouldAllow(byName, FORWARDING_ROLE, WORKLOAD)).toBe(true);
    // AWS admits the same name in any account; the old fixed-name probe was refused, so preflight said PASS.
    expect(await awsWouldAllow(byName, `arn:aws:iam::${PROBE}:role/NotificationRunbooksWorkload-evil`, PROBE)).toBe(true);
    expect(await awsWouldAllow(byName, OLD_PROBE_ROLE, PROBE)).toBe(false);
    expect(await awsWouldAllow(byName, PROBE_ROLE, PROBE)).toBe(true);
    deployment(byName);
    const { result } = await run();
    expect([result.status, result.message]).toEqual([
      'FAIL',
      `policy of bus notification-runbooks in ${ACCOUNT} also admits events:PutEvents of an alarm state change from role NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B3C of ${PROBE}, an account not configured (iam:SimulateCustomPolicy): any account can put alarm events on the handlers' bus`,
    ]);
    const principals = iam.commandCalls(SimulateCustomPolicyCommand).map((call) => call.args[0].input.ContextEntries?.find((e) => e.ContextKeyName === 'aws:PrincipalArn')?.ContextKeyValues?.[0]);
    expect(principals).toEqual([FORWARDING_ROLE, PROBE_ROLE]);
  });

  it("a policy admitting any account but no role (and the workload's forwarding role): FAIL, the probe account itself (its root, no role) is probed too", async () => {
    const roots = policyOf(
      { Sid: 'ForwardingRole', Effect: 'Allow', Principal: { AWS: FORWARDING_ROLE }, Action: 'events:PutEvents', Resource: BUS, Condition: ALARM_EVENT },
      { Sid: 'AnyAccountNoRole', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: BUS, Condition: { ...ALARM_EVENT, ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } } },
    );
    expect(await awsWouldAllow(roots, FORWARDING_ROLE, WORKLOAD)).toBe(true);
    expect(await awsWouldAllow(roots, PROBE_ROLE, PROBE)).toBe(false);
    expect(await awsWouldAllow(roots, PROBE_ROOT, PROBE)).toBe(true);
    deployment(roots);
    const { result } = await run();
    expect([result.status, result.message]).toEqual([
      'FAIL',
      `policy of bus notification-runbooks in ${ACCOUNT} also admits events:PutEvents of an alarm state change from the root of ${PROBE}, an account not configured (iam:SimulateCustomPolicy): any account can put alarm events on the handlers' bus`,
    ]);
    expect(simulatedAccounts()).toEqual([WORKLOAD, PROBE, PROBE]);
  });

  it('a wildcard principal under aws:PrincipalOrgID refuses the probe and admits the workload only as a member: WARN naming the organization, never PASS', async () => {
    const org = policyOf({ Sid: 'OrganizationForwards', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'events:PutEvents', Resource: BUS, Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } });
    // AWS: admitted only when the workload's organization is that one; the probe (no organization known) refused.
    expect(await awsWouldAllow(org, FORWARDING_ROLE, WORKLOAD, ORG)).toBe(true);
    expect(await awsWouldAllow(org, FORWARDING_ROLE, WORKLOAD, 'o-zzzzzzzzzz')).toBe(false);
    expect(await awsWouldAllow(org, PROBE_ROLE, PROBE)).toBe(false);
    deployment(org);
    const { result } = await run();
    expect(result.status).toBe('WARN');
    expect(result.message).toBe(
      `policy of bus notification-runbooks in ${ACCOUNT} admits events:PutEvents from ${ROLE_WHO} only as a member of organization ${ORG} (aws:PrincipalOrgID), which preflight cannot read in ${WORKLOAD}; it refuses the same from ${PROBE}, an account not configured`,
    );
    expect(result.fix).toContain(`aws organizations describe-account --account-id ${WORKLOAD}`);
    // Without a role on the rule's target, an organization grant does not deliver (PutPermission): said too.
    deployment(org, { role: null });
    expect((await run()).result.message).toContain("an organization grant also needs the forwarding rule's target to use a role");
  });

  it('the right account, but for another event source, or denied explicitly: FAIL with the simulator\'s decision', async () => {
    const otherSource = policyOf({ ...forwardedAlarmsStatement('aws', WORKLOAD, BUS), Condition: { 'ForAllValues:StringEquals': { 'events:source': 'aws.ec2' } } });
    expect(await awsWouldAllow(otherSource, FORWARDING_ROLE, WORKLOAD)).toBe(false);
    deployment(otherSource);
    expect((await run()).result.message).toBe(
      `policy of bus notification-runbooks in ${ACCOUNT} does not admit events:PutEvents of an alarm state change from ${ROLE_WHO} (implicitDeny, iam:SimulateCustomPolicy): EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${WORKLOAD}`,
    );
    const denied = policyOf(forwardedAlarmsStatement('aws', WORKLOAD, BUS), { Sid: 'NoAlarms', Effect: 'Deny', Principal: '*', Action: 'events:PutEvents', Resource: BUS, Condition: { StringEquals: { 'aws:PrincipalAccount': WORKLOAD } } });
    expect(await awsWouldAllow(denied, FORWARDING_ROLE, WORKLOAD)).toBe(false);
    deployment(denied);
    expect((await run()).result).toMatchObject({ status: 'FAIL', message: expect.stringContaining(`from ${ROLE_WHO} (explicitDeny, iam:SimulateCustomPolicy)`) });
  });

  it("the workload's grant with a plain StringEquals on events:source / events:detail-type (infra's form before decision 102): multivalued keys without a set operator, so AWS admits no forwarded alarm: FAIL", async () => {
    const plain = policyOf({ ...forwardedAlarmsStatement('aws', WORKLOAD, BUS), Condition: { StringEquals: { 'events:source': 'aws.cloudwatch', 'events:detail-type': 'CloudWatch Alarm State Change' } } });
    expect(await awsWouldAllow(plain, FORWARDING_ROLE, WORKLOAD)).toBe(false);
    deployment(plain);
    const { result } = await run();
    expect([result.status, result.message]).toEqual([
      'FAIL',
      `policy of bus notification-runbooks in ${ACCOUNT} does not admit events:PutEvents of an alarm state change from ${ROLE_WHO} (implicitDeny, iam:SimulateCustomPolicy): EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${WORKLOAD}`,
    ]);
  });

  it('a policy naming the forwarding role itself admits it; a rule target without a role is judged as the account, which that policy does not name', async () => {
    const roleOnly = policyOf({ Sid: 'ForwardingRole', Effect: 'Allow', Principal: { AWS: FORWARDING_ROLE }, Action: 'events:PutEvents', Resource: BUS, Condition: ALARM_EVENT });
    expect(await awsWouldAllow(roleOnly, FORWARDING_ROLE, WORKLOAD)).toBe(true);
    expect(await awsWouldAllow(roleOnly, PROBE_ROLE, PROBE)).toBe(false);
    deployment(roleOnly);
    expect((await run()).result.status).toBe('PASS');
    deployment(roleOnly, { role: null });
    const { result } = await run();
    expect(result.status).toBe('FAIL');
    expect(result.message).toContain(`names no principal that is account ${WORKLOAD} (the forwarding rule's target names no role) or its account`);
  });
});

describe('the pure pieces', () => {
  it("forwardingPrincipal: the role of the target on the bus, else the account's root", () => {
    const rule = (targetRoles: Record<string, string>): LiveRule => ({ pattern: '{}', state: 'ENABLED', targets: [BUS], targetRoles });
    expect(forwardingPrincipal(rule({ [BUS]: FORWARDING_ROLE }), BUS, WORKLOAD, TARGET)).toEqual({ arn: FORWARDING_ROLE, account: WORKLOAD, viaRole: true, ruleArn: RULE });
    expect(forwardingPrincipal(rule({ 'arn:aws:events:us-east-1:1:event-bus/x': FORWARDING_ROLE }), BUS, WORKLOAD, TARGET)).toEqual({ arn: `arn:aws:iam::${WORKLOAD}:root`, account: WORKLOAD, viaRole: false, ruleArn: RULE });
    expect(forwardingPrincipal(undefined, BUS, WORKLOAD, TARGET).viaRole).toBe(false);
  });

  it("busStatementsFor keeps the statements naming the forwarder, its account or anyone, without Principal, and the organizations they name", () => {
    const forwarder = { arn: FORWARDING_ROLE, account: WORKLOAD, viaRole: true, ruleArn: RULE };
    const policy = JSON.stringify(
      policyOf(
        { Sid: 'Account', Effect: 'Allow', Principal: { AWS: WORKLOAD }, Action: 'events:PutEvents' },
        { Sid: 'Other', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'events:PutEvents', Resource: BUS },
        { Sid: 'Org', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: BUS, Condition: { StringEquals: { 'aws:PrincipalOrgID': [ORG] } } },
        { Sid: 'NotOther', Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'events:PutEvents', Resource: BUS },
      ),
    );
    const { statements, organizations } = busStatementsFor(encodeURIComponent(policy), BUS, forwarder, 'aws');
    expect(statements.map((s) => s.Sid)).toEqual(['Account', 'Org', 'NotOther']);
    expect(statements.every((s) => !('Principal' in s) && !('NotPrincipal' in s))).toBe(true);
    expect(statements[0]?.Resource).toBe(BUS);
    expect(organizations).toEqual([ORG]);
  });
});
