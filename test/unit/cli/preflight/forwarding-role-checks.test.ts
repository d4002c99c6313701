// Preflight's judgement of the workload's forwarding role, its own side (cross-account mode, decision 114): EventBridge may
// assume it for the forwarding rule (and no other rule), and it may put events on the operations bus.
// The mocked simulators are answered by the sandbox's evaluator on what preflight sends (the trust's statements stripped of
// Principal, the role's own policy). Each case's expectation comes from another evaluator: @cloud-copilot/iam-simulate
// judging the WHOLE trust as the role's resource policy for the service principal events.amazonaws.com, and the role's
// cross-account events:PutEvents on the bus with infra's bus policy as the resource policy (so the role's own policy decides).
import { GetRoleCommand, IAMClient, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { mockClient } from 'aws-sdk-client-mock';
import { checkForwardingRole, foreignTrustPrincipals, principalNamesService, serviceTrustStatements } from '../../../../cli/preflight/forwarding-role-checks';
import { decisionPublishersStatement, forwardedAlarmsStatement, sourceAbsentStatement } from '../../../../infra/lib/iam/bus-policy';
import { forwardingRolePolicy, forwardingRoleTrust } from '../../../../infra/lib/iam/workload-roles';
import { simulatePolicies } from '../../../../sandbox/iam-policy-simulator';
import { ACCOUNT, awsError, clients, TARGET, WORKLOAD } from './support';
import { mayAssume } from '../../../support/trust-oracle';

const iam = mockClient(IAMClient);

const ROLE_NAME = 'notification-runbooks-forward-alarms-us-east-1';
const ROLE = `arn:aws:iam::${WORKLOAD}:role/${ROLE_NAME}`;
const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/notification-runbooks`;
const RULE = `arn:aws:events:us-east-1:${WORKLOAD}:rule/notification-runbooks-forward-alarms`;
/** The probe account preflight uses (neither configured account), and its rule of the same name. */
const PROBE = '999999999999';
const PROBE_RULE = `arn:aws:events:us-east-1:${PROBE}:rule/notification-runbooks-forward-alarms`;
/** Another rule of the workload. */
const OTHER_RULE = `arn:aws:events:us-east-1:${WORKLOAD}:rule/runbook-preflight-probe-not-the-forwarder`;
const forwarding = { environment: 'production', eventBusName: 'notification-runbooks', workloadAccount: WORKLOAD, target: TARGET };
const FIX = `deploy the workload's regional stack, which defines the forwarding role: npx cdk deploy NotificationRunbooksWorkload-production-us-east-1 -c operationsAccount=${ACCOUNT}`;

type Doc = { Version: string; Statement: Array<Record<string, unknown>> };
const doc = (...statements: Array<Record<string, unknown>>): Doc => ({ Version: '2012-10-17', Statement: statements });
/** infra's trust and policy for this region (written by infra's pure functions; the oracle judges them independently). */
const INFRA_TRUST = doc(...(forwardingRoleTrust('aws', WORKLOAD, 'us-east-1') as unknown as Array<Record<string, unknown>>));
const INFRA_POLICY = doc(...(forwardingRolePolicy('aws', 'us-east-1', ACCOUNT, 'notification-runbooks') as unknown as Array<Record<string, unknown>>));
const publisher = `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-scale-consumers-us-east-1`;
const BUS_POLICY = doc(
  forwardedAlarmsStatement('aws', WORKLOAD, BUS) as unknown as Record<string, unknown>,
  decisionPublishersStatement(BUS, [publisher]) as unknown as Record<string, unknown>,
  sourceAbsentStatement(BUS, [publisher]) as unknown as Record<string, unknown>,
);

/** The oracle, trust (test/support/trust-oracle.ts): may EventBridge assume the role for a rule of `account`? */
const eventBridgeMayAssume = (trust: Doc, account: string, ruleArn: string): Promise<boolean> =>
  mayAssume(trust, { principal: 'events.amazonaws.com', role: { arn: ROLE, account: WORKLOAD }, context: { 'aws:SourceAccount': account, 'aws:SourceArn': ruleArn } });

/** The oracle, another principal: may an attacker's role in `account` (its own policy allowing sts:AssumeRole on the role) assume it? */
const attackerMayAssume = (trust: Doc, account: string): Promise<boolean> =>
  mayAssume(trust, {
    principal: `arn:aws:iam::${account}:role/attacker`,
    role: { arn: ROLE, account: WORKLOAD },
    identityPolicies: [{ name: 'assume-anything', policy: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }],
  });

/** The oracle, permissions: the role's cross-account PutEvents of an alarm state change on the bus (infra's bus policy admits the workload). */
async function roleMayPut(policy: Doc | undefined): Promise<boolean> {
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${WORKLOAD}:assumed-role/${ROLE_NAME}/events`,
        action: 'events:PutEvents',
        resource: { resource: BUS, accountId: ACCOUNT },
        contextVariables: {
          'aws:PrincipalArn': ROLE,
          'aws:PrincipalAccount': WORKLOAD,
          'events:source': ['aws.cloudwatch'],
          'events:detail-type': ['CloudWatch Alarm State Change'],
        },
      },
      identityPolicies: policy ? [{ name: 'put-on-operations-bus', policy }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: BUS_POLICY,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`the oracle could not simulate: ${JSON.stringify(response.errors)}`);
  return response.overallResult === 'Allowed';
}

type Entry = { ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: string };
const contextOf = (entries: Entry[] | undefined) => ({
  context: Object.fromEntries((entries ?? []).map((e) => [e.ContextKeyName, e.ContextKeyValues])),
  multivalued: new Set((entries ?? []).filter((e) => e.ContextKeyType.endsWith('List')).map((e) => e.ContextKeyName.toLowerCase())),
});
const answer = (policies: Array<{ name: string; document: { Statement?: unknown } }>, input: { ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Entry[] }) => ({
  EvaluationResults: input.ActionNames.flatMap((action) =>
    (input.ResourceArns ?? ['*']).map((resource) => {
      const r = simulatePolicies(policies, { action, resource, ...contextOf(input.ContextEntries) });
      return { EvalActionName: action, EvalResourceName: resource, EvalDecision: r.decision, MissingContextValues: r.missingContextValues };
    }),
  ),
});

/** The workload as found: the role's trust and identity policy (or no role), and which reads are refused. */
function deployment(role: { trust: Doc; policy?: Doc } | undefined, refuse: { getRole?: boolean; simulatePrincipal?: boolean } = {}): void {
  iam.reset();
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => {
    if (refuse.getRole) throw awsError('AccessDenied', `User: preflight is not authorized to perform: iam:GetRole on resource: role ${input.RoleName}`);
    if (!role || input.RoleName !== ROLE_NAME) throw awsError('NoSuchEntityException', `The role with name ${input.RoleName} cannot be found.`);
    return { Role: { RoleName: ROLE_NAME, Arn: ROLE, Path: '/', RoleId: 'AROA', CreateDate: new Date(0), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.trust)) } };
  });
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { PolicySourceArn: string; ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Entry[] }) => {
    if (refuse.simulatePrincipal) throw awsError('AccessDenied', 'User: preflight is not authorized to perform: iam:SimulatePrincipalPolicy');
    if (input.PolicySourceArn !== ROLE) throw awsError('NoSuchEntity', `no ${input.PolicySourceArn}`);
    return answer(role?.policy ? [{ name: 'put-on-operations-bus', document: role.policy }] : [], input);
  });
  iam.on(SimulateCustomPolicyCommand).callsFake((input: { PolicyInputList: string[]; ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Entry[] }) =>
    answer(
      input.PolicyInputList.map((d, i) => ({ name: `input${i + 1}`, document: JSON.parse(d) as { Statement?: unknown } })),
      input,
    ),
  );
}

async function run() {
  const operations = clients();
  const workload = operations.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' });
  const results = await checkForwardingRole(workload, operations, forwarding);
  return { results, operations, workload };
}
const lines = (results: Array<{ status: string; check: string }>): string[] => results.map((r) => `${r.status} ${r.check}`);

const withTrust = (edit: (st: Record<string, unknown>) => Record<string, unknown>): Doc => ({ ...INFRA_TRUST, Statement: INFRA_TRUST.Statement.map(edit) });

describe('checkForwardingRole: EventBridge may assume the forwarding role for its rule only, and the role may put events on the operations bus', () => {
  it("infra's role: both PASS; the role read and simulated in the workload, the trust judged in operations for the rule, the probe account's rule and another rule", async () => {
    deployment({ trust: INFRA_TRUST, policy: INFRA_POLICY });
    expect(await eventBridgeMayAssume(INFRA_TRUST, WORKLOAD, RULE)).toBe(true);
    expect(await eventBridgeMayAssume(INFRA_TRUST, PROBE, PROBE_RULE)).toBe(false);
    expect(await eventBridgeMayAssume(INFRA_TRUST, WORKLOAD, OTHER_RULE)).toBe(false);
    expect(await roleMayPut(INFRA_POLICY)).toBe(true);
    const { results, operations, workload } = await run();
    expect(results).toEqual([
      {
        area: 'routing',
        check: 'forwarding-role-trust',
        subject: ROLE,
        status: 'PASS',
        message: `trust of forwarding role ${ROLE_NAME} in ${WORKLOAD} admits events.amazonaws.com for rule notification-runbooks-forward-alarms (aws:SourceAccount ${WORKLOAD}, aws:SourceArn the rule), and refuses it for rule notification-runbooks-forward-alarms of ${PROBE}, an account not configured and for rule runbook-preflight-probe-not-the-forwarder of ${WORKLOAD}, not the forwarding rule (iam:SimulateCustomPolicy)`,
      },
      {
        area: 'routing',
        check: 'forwarding-role-permissions',
        subject: ROLE,
        status: 'PASS',
        message: `forwarding role ${ROLE_NAME} in ${WORKLOAD} may events:PutEvents the workload's alarm state changes on ${BUS} (iam:SimulatePrincipalPolicy)`,
      },
    ]);
    expect(iam.commandCalls(GetRoleCommand).map((c) => [c.thisValue === workload.iam, c.args[0].input])).toEqual([[true, { RoleName: ROLE_NAME }]]);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => [c.thisValue === workload.iam, c.args[0].input])).toEqual([
      [
        true,
        {
          PolicySourceArn: ROLE,
          ActionNames: ['events:PutEvents'],
          ResourceArns: [BUS],
          ContextEntries: [
            { ContextKeyName: 'events:source', ContextKeyType: 'stringList', ContextKeyValues: ['aws.cloudwatch'] },
            { ContextKeyName: 'events:detail-type', ContextKeyType: 'stringList', ContextKeyValues: ['CloudWatch Alarm State Change'] },
          ],
        },
      ],
    ]);
    // The trust: for the rule, then the probe account's rule and another rule of the workload; all in operations.
    const custom = iam.commandCalls(SimulateCustomPolicyCommand);
    expect(custom.every((c) => c.thisValue === operations.iam)).toBe(true);
    expect(custom.map((c) => c.args[0].input.ContextEntries?.map((e) => e.ContextKeyValues?.[0]))).toEqual([
      [WORKLOAD, RULE],
      [PROBE, PROBE_RULE],
      [WORKLOAD, OTHER_RULE],
    ]);
    expect(custom.map((c) => [c.args[0].input.ActionNames, c.args[0].input.ResourceArns])).toEqual(Array(3).fill([['sts:AssumeRole'], [ROLE]]));
  });

  // Each case a fault of the role's identity policy; the oracle says PutEvents is refused, the check FAILs naming the decision.
  it.each([
    ['no policy at all', undefined, 'implicitDeny'],
    ['a policy with no events:PutEvents (events:DescribeEventBus on the bus)', doc({ Effect: 'Allow', Action: 'events:DescribeEventBus', Resource: BUS }), 'implicitDeny'],
    ['events:PutEvents on another bus only (the operations account\'s default bus)', doc({ Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` }), 'implicitDeny'],
    ['events:PutEvents on the other region\'s operations bus only', doc({ Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:us-west-2:${ACCOUNT}:event-bus/notification-runbooks` }), 'implicitDeny'],
    ["infra's grant and an explicit Deny of events:PutEvents", doc(...INFRA_POLICY.Statement, { Effect: 'Deny', Action: 'events:*', Resource: '*' }), 'explicitDeny'],
  ])('FAIL forwarding-role-permissions for %s, the trust still PASS', async (_case, policy, decision) => {
    deployment({ trust: INFRA_TRUST, ...(policy ? { policy } : {}) });
    expect(await roleMayPut(policy)).toBe(false);
    const { results } = await run();
    expect(lines(results)).toEqual(['PASS forwarding-role-trust', 'FAIL forwarding-role-permissions']);
    expect(results[1]).toEqual({
      area: 'routing',
      check: 'forwarding-role-permissions',
      subject: ROLE,
      status: 'FAIL',
      message: `forwarding role ${ROLE_NAME} in ${WORKLOAD} is not allowed events:PutEvents on the operations bus ${BUS} (${decision}, iam:SimulatePrincipalPolicy): EventBridge's delivery fails whatever the bus's policy says; the alarms go to the workload's undelivered-alarm-events queue and no handler runs`,
      fix: `${FIX} (its policy: events:PutEvents on ${BUS}); an explicit deny comes from an SCP or permission boundary: ask that account's administrators`,
    });
  });

  it('a policy granting events:PutEvents on every bus passes (the role may: what it may beyond the bus is not this check\'s)', async () => {
    const wide = doc({ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' });
    deployment({ trust: INFRA_TRUST, policy: wide });
    expect(await roleMayPut(wide)).toBe(true);
    expect(lines((await run()).results)).toEqual(['PASS forwarding-role-trust', 'PASS forwarding-role-permissions']);
  });

  it('FAIL forwarding-role-trust for a trust naming another service (Lambda), naming what it names', async () => {
    const lambda = withTrust((st) => ({ ...st, Principal: { Service: 'lambda.amazonaws.com' } }));
    deployment({ trust: lambda, policy: INFRA_POLICY });
    expect(await eventBridgeMayAssume(lambda, WORKLOAD, RULE)).toBe(false);
    const { results } = await run();
    expect(lines(results)).toEqual(['FAIL forwarding-role-trust', 'PASS forwarding-role-permissions']);
    expect(results[0]?.message).toBe(
      `trust of forwarding role ${ROLE_NAME} in ${WORKLOAD} names no events.amazonaws.com (it names {"Service":"lambda.amazonaws.com"}): EventBridge cannot assume it for rule notification-runbooks-forward-alarms: every forwarded alarm fails delivery (to the workload's undelivered-alarm-events queue) and no handler runs`,
    );
    expect(results[0]?.fix).toBe(FIX);
    // Nothing to simulate: no statement names EventBridge.
    expect(iam.commandCalls(SimulateCustomPolicyCommand)).toHaveLength(0);
  });

  it("FAIL forwarding-role-trust for a trust whose aws:SourceArn names another rule (the simulator's implicitDeny named)", async () => {
    const otherRule = withTrust((st) => ({ ...st, Condition: { StringEquals: { 'aws:SourceAccount': WORKLOAD }, ArnEquals: { 'aws:SourceArn': OTHER_RULE } } }));
    deployment({ trust: otherRule, policy: INFRA_POLICY });
    expect(await eventBridgeMayAssume(otherRule, WORKLOAD, RULE)).toBe(false);
    const { results } = await run();
    expect(lines(results)).toEqual(['FAIL forwarding-role-trust', 'PASS forwarding-role-permissions']);
    expect(results[0]?.message).toBe(
      `trust of forwarding role ${ROLE_NAME} in ${WORKLOAD} does not admit events.amazonaws.com for rule ${RULE} (sts:AssumeRole: implicitDeny, iam:SimulateCustomPolicy): EventBridge cannot assume it for rule notification-runbooks-forward-alarms: every forwarded alarm fails delivery (to the workload's undelivered-alarm-events queue) and no handler runs`,
    );
  });

  it('FAIL forwarding-role-trust for a trust that denies EventBridge outright beside its Allow', async () => {
    const denied = doc(...INFRA_TRUST.Statement, { Effect: 'Deny', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' });
    deployment({ trust: denied, policy: INFRA_POLICY });
    expect(await eventBridgeMayAssume(denied, WORKLOAD, RULE)).toBe(false);
    const { results } = await run();
    expect(results[0]?.message).toContain('(sts:AssumeRole: explicitDeny, iam:SimulateCustomPolicy)');
  });

  it.each([
    [
      'no condition (what CDK\'s default EventBus target role has)',
      withTrust(({ Condition: _c, ...st }) => st),
      `rule notification-runbooks-forward-alarms of ${PROBE}, an account not configured, and rule runbook-preflight-probe-not-the-forwarder of ${WORKLOAD}, not the forwarding rule (iam:SimulateCustomPolicy): it lacks infra's aws:SourceAccount and aws:SourceArn condition`,
      [true, true],
    ],
    [
      'aws:SourceAccount only',
      withTrust((st) => ({ ...st, Condition: { StringEquals: { 'aws:SourceAccount': WORKLOAD } } })),
      `rule runbook-preflight-probe-not-the-forwarder of ${WORKLOAD}, not the forwarding rule (iam:SimulateCustomPolicy): it lacks infra's aws:SourceArn condition`,
      [false, true],
    ],
    [
      'aws:SourceArn with a wildcard for the account (ArnLike arn:aws:events:us-east-1:*:rule/notification-runbooks-forward-alarms)',
      withTrust((st) => ({ ...st, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:*:rule/notification-runbooks-forward-alarms' } } })),
      `rule notification-runbooks-forward-alarms of ${PROBE}, an account not configured (iam:SimulateCustomPolicy): it lacks infra's aws:SourceAccount condition`,
      [true, false],
    ],
  ])('WARN forwarding-role-trust for a trust with %s: it admits the forwarding rule, and a rule it should not', async (_case, trust, admittedText, [probeAdmitted, otherAdmitted]) => {
    deployment({ trust, policy: INFRA_POLICY });
    expect(await eventBridgeMayAssume(trust, WORKLOAD, RULE)).toBe(true);
    expect(await eventBridgeMayAssume(trust, PROBE, PROBE_RULE)).toBe(probeAdmitted);
    expect(await eventBridgeMayAssume(trust, WORKLOAD, OTHER_RULE)).toBe(otherAdmitted);
    const { results } = await run();
    expect(lines(results)).toEqual(['WARN forwarding-role-trust', 'PASS forwarding-role-permissions']);
    expect(results[0]?.message).toBe(
      `trust of forwarding role ${ROLE_NAME} in ${WORKLOAD} admits events.amazonaws.com for rule notification-runbooks-forward-alarms, and also for ${admittedText}, so any rule given this role may put events on the operations bus with it`,
    );
    expect(results[0]?.fix).toBe(`${FIX} (its trust: events.amazonaws.com with StringEquals aws:SourceAccount ${WORKLOAD} and ArnEquals aws:SourceArn ${RULE})`);
  });

  // Reviewer's finding on decision 114: the statements not naming EventBridge were dropped unread, so infra's statement plus
  // one admitting anybody else PASSed (only infra's statement was simulated). Each trust below still admits EventBridge for
  // the forwarding rule (the oracle says so); the check FAILs on the extra principal, naming it, nothing simulated.
  it.each([
    ['AWS "*" (any AWS principal)', { Sid: 'Anyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }, 'statement Anyone: AWS *', PROBE],
    ["another account's root", { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROBE}:root` }, Action: 'sts:AssumeRole' }, `statement #2: AWS arn:aws:iam::${PROBE}:root`, PROBE],
    [
      'a Federated principal (an OIDC provider)',
      { Sid: 'Ci', Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${WORKLOAD}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity' },
      `statement Ci: Federated arn:aws:iam::${WORKLOAD}:oidc-provider/token.actions.githubusercontent.com`,
      undefined,
    ],
    [
      'an Allow with NotPrincipal (everyone but Lambda)',
      { Sid: 'AllBut', Effect: 'Allow', NotPrincipal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      'statement AllBut: NotPrincipal {"Service":"lambda.amazonaws.com"} (everyone it does not name)',
      PROBE,
    ],
  ])("FAIL forwarding-role-trust for infra's trust plus %s, naming it", async (_case, extra, named, attacker) => {
    const trust = doc(...INFRA_TRUST.Statement, extra);
    deployment({ trust, policy: INFRA_POLICY });
    expect(await eventBridgeMayAssume(trust, WORKLOAD, RULE)).toBe(true);
    // Where the other principal is an AWS role the oracle judges it may assume the role (a Federated one needs a web identity).
    if (attacker !== undefined) expect(await attackerMayAssume(trust, attacker)).toBe(true);
    const { results } = await run();
    expect(lines(results)).toEqual(['FAIL forwarding-role-trust', 'PASS forwarding-role-permissions']);
    expect(results[0]).toEqual({
      area: 'routing',
      check: 'forwarding-role-trust',
      subject: ROLE,
      status: 'FAIL',
      message: `trust of forwarding role ${ROLE_NAME} in ${WORKLOAD} admits principals other than events.amazonaws.com: ${named}: they may assume the role and put events on the operations bus as the workload's alarms`,
      fix: `${FIX} (its trust admits events.amazonaws.com only)`,
    });
    expect(iam.commandCalls(SimulateCustomPolicyCommand)).toHaveLength(0);
  });

  it("infra's trust admits no other principal; the oracle refuses an attacker's role (so the cases above differ from it only in the extra statement)", async () => {
    expect(foreignTrustPrincipals(JSON.stringify(INFRA_TRUST), 'events.amazonaws.com')).toEqual([]);
    expect(await attackerMayAssume(INFRA_TRUST, PROBE)).toBe(false);
  });

  it('FAIL forwarding-role-exists, and nothing simulated, when the role does not exist', async () => {
    deployment(undefined);
    const { results } = await run();
    expect(results).toEqual([
      {
        area: 'routing',
        check: 'forwarding-role-exists',
        subject: ROLE,
        status: 'FAIL',
        message: `forwarding role ${ROLE_NAME} does not exist in workload account ${WORKLOAD}: EventBridge cannot put the forwarded alarms on ${BUS}, and no handler runs`,
        fix: FIX,
      },
    ]);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(0);
    expect(iam.commandCalls(SimulateCustomPolicyCommand)).toHaveLength(0);
  });

  it('a refused read is a FAIL naming the permission: iam:GetRole refused (nothing else checked); iam:SimulatePrincipalPolicy refused (the trust still judged)', async () => {
    deployment({ trust: INFRA_TRUST, policy: INFRA_POLICY }, { getRole: true });
    const denied = (await run()).results;
    expect(denied.map((r) => `${r.status} ${r.check} ${r.message}`)).toEqual([
      `FAIL forwarding-role-exists could not check ${ROLE}: AccessDenied: preflight is not allowed iam:GetRole`,
    ]);
    deployment({ trust: INFRA_TRUST, policy: INFRA_POLICY }, { simulatePrincipal: true });
    const { results } = await run();
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual(['PASS forwarding-role-trust', 'FAIL could-not-check']);
    expect(results[1]?.message).toBe(`could not check permissions of ${ROLE}: AccessDenied: preflight is not allowed iam:SimulatePrincipalPolicy`);
  });
});

describe('serviceTrustStatements / principalNamesService', () => {
  it.each([
    [{ Service: 'events.amazonaws.com' }, true],
    [{ Service: ['lambda.amazonaws.com', 'events.amazonaws.com'] }, true],
    ['*', true],
    [{ Service: 'lambda.amazonaws.com' }, false],
    [{ AWS: `arn:aws:iam::${WORKLOAD}:root` }, false],
    [undefined, false],
  ])('Principal %j names events.amazonaws.com: %s', (principal, named) => {
    expect(principalNamesService(principal, 'events.amazonaws.com')).toBe(named);
  });

  it('keeps the statements naming the service (Principal stripped, Resource the role), a NotPrincipal leaving it out too, and lists what the trust names', () => {
    const trust = JSON.stringify(
      doc(
        { Sid: 'A', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Sid: 'B', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
        { Sid: 'C', Effect: 'Deny', NotPrincipal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ),
    );
    const { statements, named } = serviceTrustStatements(trust, ROLE, 'events.amazonaws.com');
    expect(statements).toEqual([
      { Sid: 'A', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE },
      { Sid: 'C', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ROLE },
    ]);
    expect(named).toEqual(['{"Service":"events.amazonaws.com"}', `{"AWS":"arn:aws:iam::${ACCOUNT}:root"}`, '{"Service":"lambda.amazonaws.com"}']);
  });

  it('foreignTrustPrincipals: every principal of an Allow but the service, every Allow NotPrincipal; Deny statements none', () => {
    const trust = JSON.stringify(
      doc(
        { Sid: 'A', Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
        { Sid: 'C', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' },
        { Sid: 'D', Effect: 'Deny', NotPrincipal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Sid: 'E', Effect: 'Allow', Principal: { CanonicalUser: 'abc' }, Action: 'sts:AssumeRole' },
      ),
    );
    expect(foreignTrustPrincipals(trust, 'events.amazonaws.com')).toEqual(['statement A: Service lambda.amazonaws.com', 'statement #2: Principal "*"', 'statement E: CanonicalUser abc']);
  });
});
