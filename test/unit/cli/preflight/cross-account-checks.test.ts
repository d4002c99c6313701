// Preflight in cross-account mode against mocked STS and IAM: the session in the workload's read-only preflight role,
// each remediation role's trust judged for its handler's execution role (iam:SimulateCustomPolicy), its calls simulated
// in the workload (iam:SimulatePrincipalPolicy), and the pure pieces (which trust statements apply to a caller).
import { join } from 'node:path';
import { type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { simulatePolicies } from '../../../../sandbox/iam-policy-simulator';
import { GetRoleCommand, IAMClient, ListRoleTagsCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand, type EvaluationResult } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarmForwarding, checkRemediationRoles, openWorkloadSession, trustStatementsFor, type CrossAccountContext } from '../../../../cli/preflight/cross-account-checks';
import { deployedDocuments } from '../../../../cli/preflight/index';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import { preflightExpectations, type PreflightExpectations } from '../../../../cli/preflight/expectations';
import { handlerDeclarations } from '../../../../cli/preflight/declarations';
import { remediationRoleTrust, remediationRoleTrustByRegionTag } from '../../../../infra/lib/iam/workload-roles';
import { ACCOUNT, awsError, clients, expectationsFor, TARGET, WORKLOAD } from './support';

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const events = mockClient(EventBridgeClient);

const CREDENTIALS = { AccessKeyId: 'ASIAWORKLOAD', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-12-05T12:00:00Z') };
const PREFLIGHT_ROLE = `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-preflight`;
const roleArn = (handler: string): string => `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-${handler}`;
const executionRole = (handler: string, region = 'us-east-1'): string => `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-${handler}-${region}`;
/** infra's callers of a handler's role: its execution role of each region of production, with that region. */
const callersOf = (handler: string) => ['us-east-1', 'us-west-2'].map((region) => ({ region, roleArn: executionRole(handler, region) }));
/** infra's trust for a handler, as IAM returns it (URL-encoded). */
const infraTrust = (handler: string, callers = callersOf(handler)): string => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: remediationRoleTrust('aws', ACCOUNT, handler, callers) }));

const cross = expectationsFor('production', 'cross-account', { environments: { production: { accountId: WORKLOAD } } });
/**
 * Independently of the code: the handlers us-east-1 (production's primary) deploys that act in the workload through a
 * role (every playbook but watch-standby, which only the DR region deploys; escalate, escalation-timer, verify-change).
 */
const ACTING = ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'alert-error-rate', 'inspect-security-groups', 'check-db-connections', 'escalate', 'escalation-timer', 'verify-change'];

function context(expected: PreflightExpectations): CrossAccountContext {
  const none = { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], dbParameterGroups: [], dbSubnetGroups: [] };
  return {
    target: TARGET,
    expected,
    found: none,
    alarmArns: [],
    handlerFunctionArns: [],
    automationDocuments: [],
    workloadAccount: WORKLOAD,
    executionRoleArns: new Map(ACTING.map((h) => [h, executionRole(h)])),
    workloadFound: { ...none, queueArns: [`arn:aws:sqs:us-east-1:${WORKLOAD}:notification-service-queue`] },
    workloadAlarmArns: [],
  };
}

/** Every simulated (action, resource) pair of the given command answered with `decide` (given the request's context). */
function answer(
  command: typeof SimulatePrincipalPolicyCommand | typeof SimulateCustomPolicyCommand,
  decide: (action: string, resource: string, context: Record<string, string[] | undefined>) => EvaluationResult['EvalDecision'],
): void {
  iam.on(command as typeof SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Array<{ ContextKeyName?: string; ContextKeyValues?: string[] }> }) => {
    const context = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName ?? '', e.ContextKeyValues]));
    return {
      EvaluationResults: input.ActionNames.flatMap((action) => (input.ResourceArns ?? ['*']).map((resource) => ({ EvalActionName: action, EvalResourceName: resource, EvalDecision: decide(action, resource, context) }))),
    };
  });
}
/** As infra's roles since decision 147: a call only for the session tagged with the region the request is sent to (us-east-1 here). */
const sessionOfHere = (context: Record<string, string[] | undefined>): boolean =>
  context['aws:RequestedRegion']?.[0] === 'us-east-1' && context['aws:PrincipalTag/runbook-region']?.[0] === 'us-east-1';

/** SimulateCustomPolicy as AWS evaluates it: the documents given, under the context given (the sandbox's evaluator). */
function evaluateCustomPolicy(): void {
  iam.on(SimulateCustomPolicyCommand).callsFake((input: { PolicyInputList: string[]; ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Array<{ ContextKeyName: string; ContextKeyValues: string[] }> }) => {
    const policies = input.PolicyInputList.map((document, i) => ({ name: `input${i + 1}`, document: JSON.parse(document) as { Statement?: unknown } }));
    const context = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName, e.ContextKeyValues]));
    return {
      EvaluationResults: input.ActionNames.flatMap((action) =>
        (input.ResourceArns ?? ['*']).map((resource) => ({ EvalActionName: action, EvalResourceName: resource, EvalDecision: simulatePolicies(policies, { action, resource, context }).decision })),
      ),
    };
  });
}
const principalArnOf = (input: { ContextEntries?: Array<{ ContextKeyName?: string; ContextKeyValues?: string[] }> }): string | undefined =>
  input.ContextEntries?.find((e) => e.ContextKeyName === 'aws:PrincipalArn')?.ContextKeyValues?.[0];
const PROBE = `arn:aws:iam::${ACCOUNT}:role/runbook-preflight-probe-not-a-handler`;
/** The database production's DR region holds, named in us-east-1 (written out: disasterRecovery.replicaIdentifier's default). */
const OTHER_REGION_DB = `arn:aws:rds:us-east-1:${WORKLOAD}:db:notification-service-db-replica`;

beforeEach(() => {
  sts.reset();
  iam.reset();
  sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS, AssumedRoleUser: { Arn: `arn:aws:sts::${WORKLOAD}:assumed-role/notification-runbooks-preflight/preflight`, AssumedRoleId: 'AROA:preflight' } });
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({ Role: { RoleName: input.RoleName, AssumeRolePolicyDocument: infraTrust(input.RoleName.replace('notification-runbooks-remediate-', '')) } }));
  // As infra's roles since decision 131: the other region's database (the DR replica's name, here in us-east-1) refused;
  // since decision 147, every call refused to a session of another region.
  answer(SimulatePrincipalPolicyCommand, (_action, resource, context) => (resource === OTHER_REGION_DB || !sessionOfHere(context) ? 'implicitDeny' : 'allowed'));
  evaluateCustomPolicy();
  // The roles as infra deploys them: the stack's own tags, no session tag key (decision 168).
  iam.on(ListRoleTagsCommand).resolves({ Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'NotificationRunbooksRemediation-production' }], IsTruncated: false });
});

describe('openWorkloadSession', () => {
  it('assumes the workload\'s preflight role as "preflight" for 15 minutes, with no tag, source identity or session policy, and hands back that session\'s clients', async () => {
    const c = clients();
    const { result, workload } = await openWorkloadSession(c, 'production', WORKLOAD, TARGET);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleArn: PREFLIGHT_ROLE, RoleSessionName: 'preflight', DurationSeconds: 900 }]);
    expect(result).toEqual({
      area: 'cross-account',
      check: 'preflight-role',
      subject: PREFLIGHT_ROLE,
      status: 'PASS',
      message: `preflight role notification-runbooks-preflight in workload account ${WORKLOAD}: assumed by ${TARGET.caller ?? ''} (session "preflight", read-only)`,
    });
    expect(c.created).toHaveLength(1);
    expect(await workload?.iam.config.credentials()).toMatchObject({ accessKeyId: 'ASIAWORKLOAD', secretAccessKey: 's', sessionToken: 't' });
  });

  it('a refusal is one FAIL naming role, account, caller, what was not checked and what to do', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', `User: ${TARGET.caller ?? ''} is not authorized to perform: sts:AssumeRole on resource: ${PREFLIGHT_ROLE}`));
    const { result, workload } = await openWorkloadSession(clients(), 'production', WORKLOAD, TARGET);
    expect(workload).toBeUndefined();
    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      `preflight role notification-runbooks-preflight in workload account ${WORKLOAD} cannot be assumed by ${TARGET.caller ?? ''} (AccessDenied): it does not exist there, or its trust does not name this caller; not checked in ${WORKLOAD}: the service's resources and matrix, the alarms and their forwarding, the remediation roles, the workload's SSM documents`,
    );
    expect(result.fix).toBe(
      `deploy the workload's roles in ${WORKLOAD}: npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT}; set environments.production.preflightPrincipals to the role(s) or user(s) of ${ACCOUNT} that run preflight (unset, no preflight role is deployed) and run preflight as one of them, allowed sts:AssumeRole on ${PREFLIGHT_ROLE}`,
    );
  });

  it('refuses credentials STS answers for another account or role, and an STS fault is a could-not-check FAIL', async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS, AssumedRoleUser: { Arn: `arn:aws:sts::999999999999:assumed-role/notification-runbooks-preflight/preflight`, AssumedRoleId: 'x' } });
    const c = clients();
    const other = await openWorkloadSession(c, 'production', WORKLOAD, TARGET);
    expect(other.workload).toBeUndefined();
    expect(c.created).toHaveLength(0);
    expect(other.result.message).toMatch(/^STS answered credentials for arn:aws:sts::999999999999:assumed-role\/notification-runbooks-preflight\/preflight, not for /);
    sts.on(AssumeRoleCommand).rejects(awsError('RegionDisabledException', 'STS is not activated in this region'));
    const fault = await openWorkloadSession(clients(), 'production', WORKLOAD, TARGET);
    expect(fault.result).toMatchObject({ status: 'FAIL', check: 'preflight-role', message: `could not check ${PREFLIGHT_ROLE}: RegionDisabledException: STS is not activated in this region` });
  });
});

describe('trustStatementsFor (pure)', () => {
  const caller = { account: ACCOUNT, arn: executionRole('scale-consumers'), partition: 'aws' };
  it("keeps the statements whose Principal is the caller's account, its ARN or anyone, without Principal and on the role", () => {
    const { statements } = trustStatementsFor(infraTrust('scale-consumers'), roleArn('scale-consumers'), caller);
    expect(statements.map((s) => [s.Sid, s.Action, s.Resource, 'Principal' in s])).toEqual([
      ['TheHandlersSessionInUsEast1', ['sts:AssumeRole', 'sts:TagSession'], roleArn('scale-consumers'), false],
      ['TheHandlersSessionInUsWest2', ['sts:AssumeRole', 'sts:TagSession'], roleArn('scale-consumers'), false],
      ['SourceIdentityIsTheHandler', ['sts:SetSourceIdentity'], roleArn('scale-consumers'), false],
    ]);
    const doc = (principal: unknown, key = 'Principal') => JSON.stringify({ Statement: [{ Effect: 'Allow', [key]: principal, Action: 'sts:AssumeRole' }] });
    expect(trustStatementsFor(doc('*'), 'r', caller).statements).toHaveLength(1);
    expect(trustStatementsFor(doc({ AWS: ACCOUNT }), 'r', caller).statements).toHaveLength(1);
    expect(trustStatementsFor(doc({ AWS: [caller.arn] }), 'r', caller).statements).toHaveLength(1);
    expect(trustStatementsFor(doc({ AWS: 'arn:aws:iam::999999999999:root' }), 'r', caller)).toEqual({ statements: [], named: ['{"AWS":"arn:aws:iam::999999999999:root"}'] });
    expect(trustStatementsFor(doc({ Service: 'lambda.amazonaws.com' }), 'r', caller).statements).toEqual([]);
    // IAM shows a deleted principal by its unique id: it names nobody.
    expect(trustStatementsFor(doc({ AWS: 'AROAEXAMPLEID' }), 'r', caller).statements).toEqual([]);
    expect(trustStatementsFor(doc({ AWS: caller.arn }, 'NotPrincipal'), 'r', caller).statements).toEqual([]);
    expect(trustStatementsFor(doc({ AWS: 'arn:aws:iam::999999999999:root' }, 'NotPrincipal'), 'r', caller).statements).toHaveLength(1);
  });
});

describe('checkRemediationRoles', () => {
  it('per role: the trust judged for its handler\'s execution role with the session\'s context, the calls simulated in the workload, its own tags read there; all PASS', async () => {
    const c = clients();
    const session = c.withCredentials({ accessKeyId: 'ASIAWORKLOAD', secretAccessKey: 's' });
    const results = await checkRemediationRoles(c, session, context(cross));
    expect(results.map((r) => `${r.status} ${r.check} ${r.subject}`)).toEqual(
      cross.handlers
        .filter((h) => ACTING.includes(h.name))
        .flatMap((h) => [`PASS remediation-role-trust ${roleArn(h.name)}`, `PASS remediation-role-permissions ${roleArn(h.name)}`, `PASS remediation-role-tags ${roleArn(h.name)}`]),
    );
    // The tags of each role read in the workload (the session's client), by its name.
    expect(iam.commandCalls(ListRoleTagsCommand).map((call) => [call.thisValue === session.iam, call.args[0].input.RoleName])).toEqual(ACTING.map((h) => [true, `notification-runbooks-remediate-${h}`]));
    expect(results.find((r) => r.check === 'remediation-role-tags' && r.subject === roleArn('escalate'))?.message).toBe(
      `remediation role notification-runbooks-remediate-escalate in ${WORKLOAD}: none of its 1 IAM tag(s) is a session tag key (runbook-incident, runbook-playbook, runbook-region, any case; iam:ListRoleTags)`,
    );
    expect(cross.handlers.filter((h) => ACTING.includes(h.name))).toHaveLength(ACTING.length);
    // GetRole and SimulatePrincipalPolicy in the workload (the session's client); SimulateCustomPolicy in operations.
    expect(iam.commandCalls(GetRoleCommand).every((call) => call.thisValue === session.iam)).toBe(true);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand).every((call) => call.thisValue === session.iam && call.args[0].input.PolicySourceArn?.startsWith(`arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-`))).toBe(true);
    const custom = iam.commandCalls(SimulateCustomPolicyCommand);
    // Per role: its handler's execution role (admitted), another role of the operations account (refused), the execution
    // role again with the DR region's tag (refused: decision 147), and with no tag at all (refused: decision 176).
    expect(custom.map((call) => principalArnOf(call.args[0].input))).toEqual(ACTING.flatMap((h) => [executionRole(h), PROBE, executionRole(h), executionRole(h)]));
    const regionTag = (i: { ContextEntries?: Array<{ ContextKeyName?: string; ContextKeyValues?: string[] }> }): string | undefined =>
      i.ContextEntries?.find((e) => e.ContextKeyName === 'aws:RequestTag/runbook-region')?.ContextKeyValues?.[0];
    expect(custom.map((call) => regionTag(call.args[0].input))).toEqual(ACTING.flatMap(() => ['us-east-1', 'us-east-1', 'us-west-2', undefined]));
    // The plain AssumeRole: the caller and its account, nothing the request does not carry.
    expect(custom[3]?.args[0].input.ContextEntries?.map((e) => e.ContextKeyName)).toEqual(['aws:PrincipalArn', 'aws:PrincipalAccount']);
    expect(custom.every((call) => call.thisValue === c.iam)).toBe(true);
    const scale = custom.map((call) => call.args[0].input).find((i) => i.ResourceArns?.[0] === roleArn('scale-consumers'));
    expect(scale?.ActionNames).toEqual(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);
    expect(JSON.parse(scale?.PolicyInputList?.[0] ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: remediationRoleTrust('aws', ACCOUNT, 'scale-consumers', callersOf('scale-consumers')).map(({ Principal: _p, ...st }) => ({ ...st, Resource: roleArn('scale-consumers') })),
    });
    expect(scale?.ContextEntries).toEqual([
      { ContextKeyName: 'aws:PrincipalArn', ContextKeyType: 'string', ContextKeyValues: [executionRole('scale-consumers')] },
      { ContextKeyName: 'aws:PrincipalAccount', ContextKeyType: 'string', ContextKeyValues: [ACCOUNT] },
      { ContextKeyName: 'aws:RequestTag/runbook-playbook', ContextKeyType: 'string', ContextKeyValues: ['scale-consumers'] },
      { ContextKeyName: 'aws:RequestTag/runbook-incident', ContextKeyType: 'string', ContextKeyValues: ['inc-preflight-probe'] },
      { ContextKeyName: 'aws:RequestTag/runbook-region', ContextKeyType: 'string', ContextKeyValues: ['us-east-1'] },
      { ContextKeyName: 'aws:TagKeys', ContextKeyType: 'stringList', ContextKeyValues: ['runbook-playbook', 'runbook-incident', 'runbook-region'] },
      { ContextKeyName: 'sts:SourceIdentity', ContextKeyType: 'string', ContextKeyValues: ['notification-runbooks-scale-consumers'] },
    ]);
    // The queue the resource checks found in the workload is what the role is simulated on.
    const onQueue = iam.commandCalls(SimulatePrincipalPolicyCommand).map((call) => call.args[0].input).filter((i) => i.ResourceArns?.some((r) => r.includes(':sqs:')));
    expect(onQueue.flatMap((i) => i.ResourceArns ?? [])).toEqual(expect.arrayContaining([`arn:aws:sqs:us-east-1:${WORKLOAD}:notification-service-queue`]));
    // Each call as the handler's session asks it (tagged us-east-1, sent to us-east-1), then as the DR region's session
    // would (tagged us-west-2): the role's statements are held to the session's region (decision 147).
    const sessions = (i: { ContextEntries?: Array<{ ContextKeyName?: string; ContextKeyValues?: string[] }> }): string =>
      ['aws:RequestedRegion', 'aws:PrincipalTag/runbook-region'].map((k) => i.ContextEntries?.find((e) => e.ContextKeyName === k)?.ContextKeyValues?.join(',')).join(' ');
    expect([...new Set(onQueue.map(sessions))]).toEqual(['us-east-1 us-east-1', 'us-east-1 us-west-2']);
    expect(results.find((r) => r.subject === roleArn('scale-consumers') && r.check === 'remediation-role-permissions')?.message).toMatch(/to its session of us-east-1, none to a session of us-west-2$/);
    expect(results.find((r) => r.subject === roleArn('scale-consumers') && r.check === 'remediation-role-trust')?.message).toContain("refuses it another region's tag (us-west-2) and a session without tags");
  });

  it('a missing role is one FAIL, nothing simulated on it; an unreadable one names iam:GetRole; the others still run', async () => {
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-escalate' }).rejects(awsError('NoSuchEntityException', 'The role with name notification-runbooks-remediate-escalate cannot be found.'));
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-verify-change' }).rejects(awsError('AccessDenied', 'not authorized to perform: iam:GetRole'));
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    expect(results.filter((r) => r.status === 'FAIL').map((r) => `${r.check} ${r.subject}: ${r.message}`)).toEqual([
      `remediation-role-exists ${roleArn('escalate')}: remediation role notification-runbooks-remediate-escalate of escalate does not exist in workload account ${WORKLOAD}: escalate cannot act there`,
      `remediation-role-exists ${roleArn('verify-change')}: could not check ${roleArn('verify-change')}: AccessDenied: preflight is not allowed iam:GetRole`,
    ]);
    expect(results.filter((r) => r.subject === roleArn('escalate'))).toHaveLength(1);
    expect(results.filter((r) => r.status === 'PASS')).toHaveLength((ACTING.length - 2) * 3);
  });

  it("a trust that does not admit the handler's execution role names the denied actions; one naming nobody of the account says whom it names", async () => {
    answer(SimulateCustomPolicyCommand, (action) => (action === 'sts:TagSession' ? 'implicitDeny' : 'allowed'));
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-alert-error-rate' }).resolves({
      Role: { RoleName: 'x', Path: '/', RoleId: 'x', Arn: 'x', CreateDate: new Date(0), AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] }) },
    });
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const trust = results.filter((r) => r.check === 'remediation-role-trust');
    expect(trust.every((r) => r.status === 'FAIL')).toBe(true);
    expect(trust.find((r) => r.subject === roleArn('scale-consumers'))?.message).toBe(
      `trust of notification-runbooks-remediate-scale-consumers in ${WORKLOAD} does not admit notification-runbooks-scale-consumers-us-east-1 (scale-consumers's execution role) for sts:TagSession (implicitDeny), its session tagged with its playbook, incident and region (runbook-region=us-east-1): scale-consumers cannot act in ${WORKLOAD} (a role deployed before decision 147 does not admit the region tag)`,
    );
    expect(trust.find((r) => r.subject === roleArn('alert-error-rate'))?.message).toBe(
      `trust of notification-runbooks-remediate-alert-error-rate in ${WORKLOAD} names no principal that is notification-runbooks-alert-error-rate-us-east-1 (alert-error-rate's execution role in ${ACCOUNT}) or its account (it names {"AWS":"arn:aws:iam::999999999999:root"}): alert-error-rate cannot act in ${WORKLOAD}`,
    );
    // Simulated for every role but the one whose trust names nobody here.
    expect(iam.commandCalls(SimulateCustomPolicyCommand)).toHaveLength(ACTING.length - 1);
  });

  it('a trust widened to the whole operations account admits the handler but another role too: FAIL naming what it admits', async () => {
    // Planted fault: scale-consumers' trust without its aws:PrincipalArn conditions (any role of the account, with the tags and source identity).
    const widened = remediationRoleTrust('aws', ACCOUNT, 'scale-consumers', callersOf('scale-consumers')).map((st) => {
      const { ArnEquals: _callers, ...rest } = st.Condition ?? {};
      return { ...st, Condition: rest };
    });
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' }).resolves({
      Role: { RoleName: 'x', Path: '/', RoleId: 'x', Arn: 'x', CreateDate: new Date(0), AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: widened }) },
    });
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    expect(results.filter((r) => r.status === 'FAIL').map((r) => `${r.check} ${r.subject}: ${r.message}`)).toEqual([
      `remediation-role-trust ${roleArn('scale-consumers')}: trust of notification-runbooks-remediate-scale-consumers in ${WORKLOAD} also admits runbook-preflight-probe-not-a-handler, a role of ${ACCOUNT} that is not scale-consumers's execution role, for sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity (iam:SimulateCustomPolicy): any principal there allowed sts:AssumeRole can act as scale-consumers in ${WORKLOAD}`,
    ]);
    // Every other role's trust (infra's, naming its handler's execution roles) refuses the same probe: PASS.
    expect(results.filter((r) => r.check === 'remediation-role-trust' && r.status === 'PASS')).toHaveLength(ACTING.length - 1);
  });

  it('judges a trust by region tag (three regions, decision 383) as the per-region one: PASS; its caller widened to a prefix wildcard: FAIL, the region tag not bound', async () => {
    const callers = ['us-east-1', 'us-west-2', 'eu-west-1'].map((region) => ({ region, roleArn: executionRole('scale-consumers', region) }));
    const byTag = remediationRoleTrustByRegionTag('aws', ACCOUNT, 'scale-consumers', callers);
    const serve = (statements: unknown[]): void =>
      void iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' }).resolves({
        Role: { RoleName: 'x', Path: '/', RoleId: 'x', Arn: 'x', CreateDate: new Date(0), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statements })) },
      });
    const trustOf = async (): Promise<string | undefined> => {
      const c = clients();
      const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
      const found = results.find((r) => r.check === 'remediation-role-trust' && r.subject === roleArn('scale-consumers'));
      return found && `${found.status}: ${found.message}`;
    };
    serve(byTag);
    expect(await trustOf()).toBe(
      `PASS: trust of notification-runbooks-remediate-scale-consumers in ${WORKLOAD} admits notification-runbooks-scale-consumers-us-east-1 (scale-consumers's execution role): sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity with its playbook, incident and region (runbook-region=us-east-1) tags and source identity notification-runbooks-scale-consumers; refuses it another region's tag (us-west-2) and a session without tags, and another role of ${ACCOUNT} with the same tags (iam:SimulateCustomPolicy)`,
    );
    // Planted: the caller named by a prefix wildcard instead of the region it tags.
    serve(byTag.map((st) => (st.Condition?.ArnEquals && !st.Sid.startsWith('SourceIdentity') ? { ...st, Condition: { ...st.Condition, ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-scale-consumers-*` } } } : st)));
    expect(await trustOf()).toMatch(/^FAIL: trust of notification-runbooks-remediate-scale-consumers in \d+ lets notification-runbooks-scale-consumers-us-east-1 \(scale-consumers's execution role in us-east-1\) tag its session runbook-region=us-west-2/);
  });

  it("probes each role's database actions on the database this region does not hold (the DR replica's name in us-east-1): refused, PASS saying so (decision 131)", async () => {
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    expect(cross.otherRegionDatabases).toEqual(['notification-service-db-replica']);
    const probes = iam.commandCalls(SimulatePrincipalPolicyCommand).map((call) => call.args[0].input).filter((i) => i.ResourceArns?.includes(OTHER_REGION_DB));
    // Exactly the roles with a database action in us-east-1, each probed with those actions on that one ARN only.
    expect(probes.map((i) => [i.PolicySourceArn, i.ActionNames, i.ResourceArns])).toEqual([
      [roleArn('scale-up-database'), ['rds:DescribeDBInstances', 'rds:ModifyDBInstance'], [OTHER_REGION_DB]],
      [roleArn('inspect-security-groups'), ['rds:DescribeDBInstances'], [OTHER_REGION_DB]],
      [roleArn('check-db-connections'), ['rds:DescribeDBInstances'], [OTHER_REGION_DB]],
      [roleArn('verify-change'), ['rds:DescribeDBInstances', 'rds:ModifyDBInstance'], [OTHER_REGION_DB]],
    ]);
    expect(results.find((r) => r.check === 'remediation-role-permissions' && r.subject === roleArn('scale-up-database'))?.message).toMatch(
      /\(\d+ actions\) to its session of us-east-1, none to a session of us-west-2; refused on notification-service-db-replica, which us-east-1 does not hold$/,
    );
    expect(results.find((r) => r.check === 'remediation-role-permissions' && r.subject === roleArn('escalate'))?.message).not.toContain('refused on');
    // The DR region's expectations name the primary's database instead.
    const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-west-2', RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { accountId: WORKLOAD } } }) });
    expect(preflightExpectations(config, 'production', 'us-west-2', handlerDeclarations('cross-account')).otherRegionDatabases).toEqual(['notification-service-db']);
  });

  it("a role still naming the other region's database here (deployed before decision 131) is a FAIL naming each call allowed, with the redeploy", async () => {
    // Planted fault: the roles allowed on the replica's name in us-east-1 too, as the every-region naming allowed (held to
    // the session's region, as since decision 147).
    answer(SimulatePrincipalPolicyCommand, (_action, _resource, context) => (sessionOfHere(context) ? 'allowed' : 'implicitDeny'));
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const failed = results.filter((r) => r.status === 'FAIL');
    expect(failed.map((r) => r.subject)).toEqual(['scale-up-database', 'inspect-security-groups', 'check-db-connections', 'verify-change'].map(roleArn));
    expect(failed[0]?.message).toBe(
      `remediation role notification-runbooks-remediate-scale-up-database in ${WORKLOAD} is also allowed 2 call(s) on databases us-east-1 does not hold: rds:DescribeDBInstances on ${OTHER_REGION_DB}; rds:ModifyDBInstance on ${OTHER_REGION_DB} (its grants name the other region's database here: a role deployed before decision 131, or widened)`,
    );
    expect(failed[0]?.fix).toBe(`deploy the workload's roles in ${WORKLOAD}: npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT} (infra derives their policies from the declared actions)`);
  });

  it("a trust deployed before decision 147 (no region tag) does not admit the handler's session tagged with its region: FAIL naming sts:TagSession and the redeploy", async () => {
    // The trust as infra wrote it before decision 147: one TagSession statement for every caller, two tag keys only.
    const before = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'TheHandlersExecutionRoles', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['sts:AssumeRole'], Condition: { ArnEquals: { 'aws:PrincipalArn': [executionRole('scale-consumers')] } } },
        {
          Sid: 'TagSessionWithTheIncident',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['sts:TagSession'],
          Condition: {
            ArnEquals: { 'aws:PrincipalArn': [executionRole('scale-consumers')] },
            StringEquals: { 'aws:RequestTag/runbook-playbook': 'scale-consumers' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['runbook-playbook', 'runbook-incident'] },
          },
        },
        {
          Sid: 'SourceIdentityIsTheHandler',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['sts:SetSourceIdentity'],
          Condition: { ArnEquals: { 'aws:PrincipalArn': [executionRole('scale-consumers')] }, StringEquals: { 'sts:SourceIdentity': 'notification-runbooks-scale-consumers' } },
        },
      ],
    };
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' }).resolves({
      Role: { RoleName: 'x', Path: '/', RoleId: 'x', Arn: 'x', CreateDate: new Date(0), AssumeRolePolicyDocument: JSON.stringify(before) },
    });
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const failed = results.filter((r) => r.status === 'FAIL');
    expect(failed.map((r) => `${r.check} ${r.subject}`)).toEqual([`remediation-role-trust ${roleArn('scale-consumers')}`]);
    expect(failed[0]?.message).toContain('for sts:TagSession (implicitDeny), its session tagged with its playbook, incident and region (runbook-region=us-east-1)');
    expect(failed[0]?.message).toContain('a role deployed before decision 147');
    expect(failed[0]?.fix).toBe(`deploy the workload's roles in ${WORKLOAD}: npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT}: infra's trust names each handler's execution roles`);
  });

  it('a trust deployed before decision 176 (its AssumeRole a statement of its own, no tag required) admits a session without tags: FAIL naming it and the redeploy', async () => {
    // Planted fault: infra's trust as decision 147 wrote it: AssumeRole for the callers, the tags on TagSession only.
    const statements = remediationRoleTrust('aws', ACCOUNT, 'scale-consumers', callersOf('scale-consumers'));
    const before = [
      { Sid: 'TheHandlersExecutionRoles', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['sts:AssumeRole'], Condition: { ArnEquals: { 'aws:PrincipalArn': callersOf('scale-consumers').map((r) => r.roleArn) } } },
      ...statements.map((st) => ({ ...st, Action: st.Action.filter((a) => a !== 'sts:AssumeRole') })),
    ];
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' }).resolves({
      Role: { RoleName: 'x', Path: '/', RoleId: 'x', Arn: 'x', CreateDate: new Date(0), AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: before }) },
    });
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const failed = results.filter((r) => r.status === 'FAIL');
    expect(failed.map((r) => `${r.check} ${r.subject}: ${r.message}`)).toEqual([
      `remediation-role-trust ${roleArn('scale-consumers')}: trust of notification-runbooks-remediate-scale-consumers in ${WORKLOAD} admits notification-runbooks-scale-consumers-us-east-1 (scale-consumers's execution role) to a session with no tags, a plain sts:AssumeRole (iam:SimulateCustomPolicy): such a session's principal tags are the role's own IAM tags, so a runbook-region tag added to the role would give it that region's grants (a role deployed before decision 176)`,
    ]);
    expect(failed[0]?.fix).toBe(`deploy the workload's roles in ${WORKLOAD}: npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT}: infra's trust names each handler's execution roles`);
  });

  it("a role carrying a session tag key as an IAM tag, in any case and on any page of ListRoleTags: FAIL naming role, key and the fix; another role's other tags PASS (decisions 168, 177)", async () => {
    // scale-consumers: a tag policy's Runbook-Region on the second page; escalate: a hand's runbook-incident on the only one.
    iam.on(ListRoleTagsCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' }).resolves({ Tags: [{ Key: 'owner', Value: 'platform' }], IsTruncated: true, Marker: 'page-2' });
    iam.on(ListRoleTagsCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers', Marker: 'page-2' }).resolves({ Tags: [{ Key: 'Runbook-Region', Value: 'us-east-1' }], IsTruncated: false });
    iam.on(ListRoleTagsCommand, { RoleName: 'notification-runbooks-remediate-escalate' }).resolves({ Tags: [{ Key: 'runbook-incident', Value: 'inc-000000000000' }, { Key: 'cost-center', Value: '42' }], IsTruncated: false });
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const failed = results.filter((r) => r.status === 'FAIL');
    expect(failed.map((r) => `${r.check} ${r.subject}`)).toEqual([`remediation-role-tags ${roleArn('scale-consumers')}`, `remediation-role-tags ${roleArn('escalate')}`]);
    expect(failed[0]?.message).toBe(
      `remediation role notification-runbooks-remediate-scale-consumers in ${WORKLOAD} carries the IAM tag Runbook-Region="us-east-1", a session tag key (runbook-incident, runbook-playbook, runbook-region; IAM tag keys compare case-insensitively): every session of the role that does not set that key itself takes the role's value as its principal tag, so a runbook-region tag gives an untagged session that region's grants and a runbook-incident tag names an incident the session is not about`,
    );
    expect(failed[0]?.fix).toBe(
      'remove it: aws iam untag-role --role-name notification-runbooks-remediate-scale-consumers --tag-keys Runbook-Region; then keep whatever added it (a tag policy, an account-wide tagging tool, a hand) off the remediation roles: infra refuses such a tag at synth (decision 168)',
    );
    expect(failed[1]?.message).toContain('carries the IAM tag runbook-incident="inc-000000000000", a session tag key');
    // Every page was read: two calls, the key found only on the page answered to the first's Marker (the paginator
    // reuses one input object, so the recorded inputs both show the last Marker).
    expect(iam.commandCalls(ListRoleTagsCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' })).toHaveLength(2);
    expect(results.filter((r) => r.check === 'remediation-role-tags' && r.status === 'PASS')).toHaveLength(ACTING.length - 2);
  });

  it('a preflight role that may not read the tags (deployed before decision 177) is a FAIL naming iam:ListRoleTags and the redeploy, the role\'s other checks still run', async () => {
    iam.on(ListRoleTagsCommand).rejects(awsError('AccessDenied', `User: arn:aws:sts::${WORKLOAD}:assumed-role/notification-runbooks-preflight/preflight is not authorized to perform: iam:ListRoleTags`));
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const tags = results.filter((r) => r.check === 'remediation-role-tags');
    expect(tags.map((r) => r.status)).toEqual(ACTING.map(() => 'FAIL'));
    expect(tags[0]?.message).toBe(
      `could not read the IAM tags of notification-runbooks-remediate-scale-consumers in ${WORKLOAD} (AccessDenied: iam:ListRoleTags refused): whether the role carries a session tag key is not checked (a preflight role deployed before decision 177)`,
    );
    expect(tags[0]?.fix).toBe(`deploy the workload's roles in ${WORKLOAD}: npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT}`);
    expect(results.filter((r) => r.status === 'PASS')).toHaveLength(ACTING.length * 2);
    // Another fault is a could-not-check FAIL naming it.
    iam.on(ListRoleTagsCommand).rejects(awsError('ServiceFailure', 'try again'));
    const fault = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    expect(fault.find((r) => r.subject === `tags of ${roleArn('scale-consumers')}`)).toMatchObject({ status: 'FAIL', check: 'could-not-check', message: `could not check tags of ${roleArn('scale-consumers')}: ServiceFailure: try again` });
  });

  it('a trust that admits any region tag value lets the handler tag its session with another region: FAIL naming the region (decision 147)', async () => {
    // Planted fault: infra's trust with the region condition dropped from its TagSession statements (any value admitted).
    const anyRegion = remediationRoleTrust('aws', ACCOUNT, 'scale-consumers', callersOf('scale-consumers')).map((st) => {
      const { ['aws:RequestTag/runbook-region']: _region, ...equals } = (st.Condition?.StringEquals ?? {}) as Record<string, string>;
      return st.Condition?.StringEquals ? { ...st, Condition: { ...st.Condition, StringEquals: equals } } : st;
    });
    iam.on(GetRoleCommand, { RoleName: 'notification-runbooks-remediate-scale-consumers' }).resolves({
      Role: { RoleName: 'x', Path: '/', RoleId: 'x', Arn: 'x', CreateDate: new Date(0), AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: anyRegion }) },
    });
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    expect(results.filter((r) => r.status === 'FAIL').map((r) => `${r.check} ${r.subject}: ${r.message}`)).toEqual([
      `remediation-role-trust ${roleArn('scale-consumers')}: trust of notification-runbooks-remediate-scale-consumers in ${WORKLOAD} lets notification-runbooks-scale-consumers-us-east-1 (scale-consumers's execution role in us-east-1) tag its session runbook-region=us-west-2 (iam:SimulateCustomPolicy): the region tag is not bound to the caller, so us-east-1's handler could act in us-west-2 (a role deployed before decision 147, or widened)`,
    ]);
  });

  it("a role not held to its session's region (deployed before decision 147) is a FAIL naming the calls another region's session is allowed, with the redeploy", async () => {
    // Planted fault: every call allowed whatever the session's region (the other region's database still refused).
    answer(SimulatePrincipalPolicyCommand, (_action, resource) => (resource === OTHER_REGION_DB ? 'implicitDeny' : 'allowed'));
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const failed = results.filter((r) => r.status === 'FAIL');
    expect(failed.map((r) => `${r.check} ${r.subject}`)).toEqual(ACTING.map((h) => `remediation-role-permissions ${roleArn(h)}`));
    const escalate = failed.find((r) => r.subject === roleArn('escalate'));
    expect(escalate?.message).toBe(
      `remediation role notification-runbooks-remediate-escalate in ${WORKLOAD} is not held to its session's region: a session tagged runbook-region=us-west-2 is allowed 1 of escalate's call(s) in us-east-1: cloudwatch:DescribeAlarms on * (us-west-2's session) (a role deployed before decision 147, or widened)`,
    );
    expect(escalate?.fix).toBe(`deploy the workload's roles in ${WORKLOAD}: npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT} (infra derives their policies from the declared actions)`);
  });

  it('a role denied a call in the workload is a FAIL naming the action, the ARN and the decision', async () => {
    answer(SimulatePrincipalPolicyCommand, (action, resource, context) => (action === 'sqs:GetQueueAttributes' && resource.includes(WORKLOAD) ? 'explicitDeny' : sessionOfHere(context) ? 'allowed' : 'implicitDeny'));
    const c = clients();
    const results = await checkRemediationRoles(c, c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' }), context(cross));
    const scale = results.find((r) => r.check === 'remediation-role-permissions' && r.subject === roleArn('scale-consumers'));
    expect(scale?.status).toBe('FAIL');
    expect(scale?.message).toBe(
      `remediation role notification-runbooks-remediate-scale-consumers in ${WORKLOAD} is denied 1 of scale-consumers's call(s) there: sqs:GetQueueAttributes on arn:aws:sqs:us-east-1:${WORKLOAD}:notification-service-queue (explicitDeny)`,
    );
  });
});

describe('checkAlarmForwarding', () => {
  const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/notification-runbooks`;
  const RULE = `arn:aws:events:us-east-1:${WORKLOAD}:rule/notification-runbooks-forward-alarms`;
  const alarms = new Map<string, MetricAlarm>(cross.alarms.map((a) => [a.name, { AlarmName: a.name, AlarmArn: `arn:aws:cloudwatch:us-east-1:${WORKLOAD}:alarm:${a.name}` }]));
  const forwarding = { environment: 'production', eventBusName: 'notification-runbooks', workloadAccount: WORKLOAD, target: TARGET };
  /** infra's forwarding role of us-east-1 (written out here). */
  const ROLE = `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-us-east-1`;
  /** The rule as deployed: its alarms, its target and the target's role; TestEventPattern answers by alarm name and the event's account, independently of the code. */
  function rule(found: { alarms: string[]; target: string; role?: string | null; state?: string } | undefined): void {
    events.reset();
    events.on(DescribeRuleCommand).callsFake(() => {
      if (!found) throw awsError('ResourceNotFoundException', 'Rule notification-runbooks-forward-alarms does not exist.');
      return { EventPattern: JSON.stringify({ alarms: found.alarms }), State: found.state ?? 'ENABLED' };
    });
    const role = found?.role === undefined ? ROLE : found.role;
    events.on(ListTargetsByRuleCommand).resolves({ Targets: found ? [{ Id: 'operations-bus', Arn: found.target, ...(role ? { RoleArn: role } : {}) }] : [] });
    events.on(TestEventPatternCommand).callsFake((input: { EventPattern: string; Event: string }) => {
      const e = JSON.parse(input.Event) as { account: string; detail: { alarmName: string } };
      return { Result: e.account === WORKLOAD && (JSON.parse(input.EventPattern) as { alarms: string[] }).alarms.includes(e.detail.alarmName) };
    });
  }
  const run = async () => {
    const c = clients();
    const session = c.withCredentials({ accessKeyId: 'k', secretAccessKey: 's' });
    const results = await checkAlarmForwarding(session, c, forwarding, alarms);
    return { results, c, session };
  };

  it("PASS when the rule targets the operations bus with the forwarding role and matches every alarm's ALARM and OK, read in the workload, tested in operations", async () => {
    rule({ alarms: [...alarms.keys()], target: BUS });
    const { results, c, session } = await run();
    expect(results).toEqual([
      {
        area: 'routing',
        check: 'alarms-forwarded',
        subject: RULE,
        status: 'PASS',
        message: `rule notification-runbooks-forward-alarms in workload account ${WORKLOAD} forwards the ALARM and OK state changes of all ${alarms.size} alarms to ${BUS} with role notification-runbooks-forward-alarms-us-east-1`,
      },
    ]);
    expect(events.commandCalls(DescribeRuleCommand).map((call) => [call.thisValue === session.events, call.args[0].input])).toEqual([[true, { Name: 'notification-runbooks-forward-alarms' }]]);
    expect(events.commandCalls(TestEventPatternCommand)).toHaveLength(alarms.size * 2);
    expect(events.commandCalls(TestEventPatternCommand).every((call) => call.thisValue === c.events)).toBe(true);
    // The primary's 6 rows' alarms and Queue Backup's low-water alarm (decision 185).
    expect(alarms.size).toBe(7);
  });

  it('FAIL for a missing rule, a rule that targets another bus, the bus with another role or none, and an alarm the pattern leaves out (both its state changes named)', async () => {
    rule(undefined);
    expect((await run()).results.map((r) => `${r.status} ${r.message}`)).toEqual([
      `FAIL rule notification-runbooks-forward-alarms does not exist in workload account ${WORKLOAD}: the workload's alarms never reach the handlers in ${ACCOUNT}`,
    ]);
    rule({ alarms: [...alarms.keys()], target: 'arn:aws:events:us-east-1:999999999999:event-bus/elsewhere' });
    expect((await run()).results[0]?.message).toBe(
      `rule notification-runbooks-forward-alarms in ${WORKLOAD} does not target the operations bus ${BUS} (targets: arn:aws:events:us-east-1:999999999999:event-bus/elsewhere): the workload's alarms never reach the handlers in ${ACCOUNT}`,
    );
    // The operations bus with another role of the workload, or with none: infra's role is the one preflight judges.
    const other = `arn:aws:iam::${WORKLOAD}:role/NotificationRunbooksWorkload-ForwardAlarmsEventsRole-1A2B3C`;
    rule({ alarms: [...alarms.keys()], target: BUS, role: other });
    expect((await run()).results.map((r) => `${r.status} ${r.message}`)).toEqual([
      `FAIL rule notification-runbooks-forward-alarms in ${WORKLOAD} targets the operations bus ${BUS} with role ${other}, not with the forwarding role ${ROLE}; whether that role may put events on the bus preflight does not judge (it reads the forwarding role only): the alarms may never reach the handlers in ${ACCOUNT}`,
    ]);
    rule({ alarms: [...alarms.keys()], target: BUS, role: null });
    expect((await run()).results.map((r) => `${r.status} ${r.message}`)).toEqual([
      `FAIL rule notification-runbooks-forward-alarms in ${WORKLOAD} targets the operations bus ${BUS} with no role, not with the forwarding role ${ROLE}; EventBridge needs a role to put events on a bus in another account: the workload's alarms never reach the handlers in ${ACCOUNT}`,
    ]);
    // Disabled in the workload (review 11a finding 3): its pattern still matches, but it forwards nothing.
    rule({ alarms: [...alarms.keys()], target: BUS, state: 'DISABLED' });
    expect((await run()).results.map((r) => `${r.status} ${r.message}`)).toEqual([
      `FAIL rule notification-runbooks-forward-alarms in ${WORKLOAD}: its state is DISABLED: a disabled rule matches no event: the workload's alarms never reach the handlers in ${ACCOUNT}`,
    ]);
    // The forwarding role of the other region is not this region's.
    rule({ alarms: [...alarms.keys()], target: BUS, role: `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-us-west-2` });
    expect((await run()).results.map((r) => r.status)).toEqual(['FAIL']);
    const [left, ...kept] = [...alarms.keys()];
    rule({ alarms: kept, target: BUS });
    const { results } = await run();
    expect(results[0]?.status).toBe('FAIL');
    expect(results[0]?.message).toBe(`rule notification-runbooks-forward-alarms in ${WORKLOAD} does not forward: ALARM of "${left ?? ''}", OK of "${left ?? ''}": those state changes never reach the operations account`);
  });
});

describe('deployedDocuments', () => {
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
  const runbooks = join(__dirname, '../../../../runbooks');
  const where = { partition: 'aws', region: 'us-east-1', account: ACCOUNT };
  const defaults = (content: unknown): Record<string, unknown> =>
    Object.fromEntries(Object.entries((content as { parameters?: Record<string, { default?: unknown }> }).parameters ?? {}).map(([k, v]) => [k, v.default]));

  it('cross-account: the incident-state documents in operations, every other one in the workload, invoking the handlers in operations and run as the workload\'s automation role', () => {
    const docs = deployedDocuments(runbooks, config, 'production', { ...where, workloadAccount: WORKLOAD });
    expect(docs.filter((d) => d.account === ACCOUNT).map((d) => d.name)).toEqual(['NotificationService-AcknowledgeIncident', 'NotificationService-EscalateToNextTier']);
    expect(docs.filter((d) => d.account === WORKLOAD).length).toBe(docs.length - 2);
    const scale = docs.find((d) => d.name === 'NotificationService-ScaleConsumers');
    expect(scale?.account).toBe(WORKLOAD);
    expect(defaults(scale?.content).RemediationFunctionName).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:notification-runbooks-scale-consumers`);
    const failover = docs.find((d) => d.name === 'NotificationService-FailoverToDR');
    expect(defaults(failover?.content).AutomationAssumeRole).toBe(`arn:aws:iam::${WORKLOAD}:role/notification-runbooks-automation-us-east-1`);
  });

  it('single account: every document in the account, no account named, the handlers there', () => {
    const docs = deployedDocuments(runbooks, config, 'production', where);
    expect(docs.every((d) => d.account === undefined)).toBe(true);
    expect(defaults(docs.find((d) => d.name === 'NotificationService-ScaleConsumers')?.content).RemediationFunctionName).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:notification-runbooks-scale-consumers`);
  });
});
