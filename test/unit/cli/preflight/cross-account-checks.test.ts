// Preflight in cross-account mode against mocked STS and IAM: each remediation role assumed in the workload account
// (session "preflight", tagged, restricted to the simulation) and simulated there on the workload's ARNs.
import { IAMClient, SimulatePrincipalPolicyCommand, type EvaluationResult } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checkRemediationRoles, preflightSessionPolicy, workloadArnContext, type CrossAccountContext } from '../../../../cli/preflight/cross-account-checks';
import type { PreflightExpectations } from '../../../../cli/preflight/expectations';
import { ACCOUNT, awsError, clients, expectationsFor, TARGET, WORKLOAD } from './support';

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);

const CREDENTIALS = { AccessKeyId: 'ASIAWORKLOAD', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-12-05T12:00:00Z') };
const roleArn = (handler: string): string => `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-${handler}`;

function context(expected: PreflightExpectations): CrossAccountContext {
  return { target: TARGET, expected, found: { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], dbParameterGroups: [], dbSubnetGroups: [] }, alarmArns: [], handlerFunctionArns: [], automationDocuments: [], caller: TARGET.caller ?? '' };
}

/** Every simulated (action, resource) pair is answered with `decide`. */
function simulateWith(decide: (action: string, resource: string) => EvaluationResult['EvalDecision']): void {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[]; ResourceArns?: string[] }) => ({
    EvaluationResults: input.ActionNames.flatMap((action) => (input.ResourceArns ?? ['*']).map((resource) => ({ EvalActionName: action, EvalResourceName: resource, EvalDecision: decide(action, resource) }))),
  }));
}

const cross = expectationsFor('production', 'cross-account', { environments: { production: { accountId: WORKLOAD } } });
/** Independently of the code: the handlers that act in the workload through a role (every playbook, watch-standby included, escalate, escalation-timer, verify-change). */
const ACTING = ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'alert-error-rate', 'inspect-security-groups', 'check-db-connections', 'watch-standby', 'escalate', 'escalation-timer', 'verify-change'];

beforeEach(() => {
  sts.reset();
  iam.reset();
  sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS });
  simulateWith(() => 'allowed');
});

it('is silent in single-account mode, and when the configured account is the one preflight runs in', async () => {
  expect(await checkRemediationRoles(clients(), context(expectationsFor('production')))).toEqual([]);
  const same = expectationsFor('production', 'cross-account', { environments: { production: { accountId: ACCOUNT } } });
  expect(await checkRemediationRoles(clients(), context(same))).toEqual([]);
  expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
});

it('assumes each role as "preflight" with the playbook tag and a session policy that allows the simulation only; all PASS', async () => {
  const c = clients();
  const results = await checkRemediationRoles(c, context(cross));
  expect([...new Set(results.map((r) => r.subject))].sort()).toEqual(ACTING.map(roleArn).sort());
  expect(results.map((r) => r.status)).toEqual(Array<string>(ACTING.length * 2).fill('PASS'));
  const calls = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
  expect(calls).toHaveLength(ACTING.length);
  const scale = calls.find((i) => i.RoleArn === roleArn('scale-consumers'));
  expect(scale).toEqual({
    RoleArn: roleArn('scale-consumers'),
    RoleSessionName: 'preflight',
    DurationSeconds: 900,
    Tags: [{ Key: 'runbook-playbook', Value: 'scale-consumers' }],
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PreflightSimulatesOnly', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: roleArn('scale-consumers') }] }),
  });
  expect(preflightSessionPolicy(roleArn('x'))).not.toMatch(/"Action":"\*"|Put|Update|Delete|Create/);
  // The simulation ran in the workload (the assumed credentials), on the role itself, one client per role, each destroyed.
  expect(c.created).toHaveLength(ACTING.length);
  const sims = iam.commandCalls(SimulatePrincipalPolicyCommand).map((call) => call.args[0].input);
  expect(new Set(sims.map((s) => s.PolicySourceArn))).toEqual(new Set(ACTING.map(roleArn)));
  // scale-consumers' calls are simulated on the workload's queue, function and mapping, never the operations account's.
  const scaleResources = sims.filter((s) => s.PolicySourceArn === roleArn('scale-consumers')).flatMap((s) => s.ResourceArns ?? []);
  expect(scaleResources.length).toBeGreaterThan(0);
  expect(scaleResources.every((arn) => arn.includes(`:${WORKLOAD}:`))).toBe(true);
  expect(scaleResources).toContain(`arn:aws:lambda:us-east-1:${WORKLOAD}:event-source-mapping:preflight-probe`);
});

it.each([
  ['AccessDenied', 'AccessDenied'],
  ['AccessDeniedException', 'AccessDeniedException'],
])('a role that cannot be assumed (%s) is a FAIL naming role, account, caller and what to do; nothing is simulated on it', async (_case, name) => {
  sts.on(AssumeRoleCommand, { RoleArn: roleArn('verify-change') }).rejects(awsError(name, `User: ${TARGET.caller ?? ''} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('verify-change')}`));
  const results = await checkRemediationRoles(clients(), context(cross));
  const failed = results.filter((r) => r.status !== 'PASS');
  expect(failed).toEqual([
    expect.objectContaining({
      area: 'cross-account',
      check: 'remediation-role-assumable',
      subject: roleArn('verify-change'),
      message: `remediation role notification-runbooks-remediate-verify-change of verify-change in workload account ${WORKLOAD} cannot be assumed by ${TARGET.caller ?? ''} (${name}): it does not exist there, or its trust policy does not admit this caller; verify-change cannot act in ${WORKLOAD}`,
    }),
  ]);
  expect(failed[0]?.fix).toContain(`deploy the remediation roles in ${WORKLOAD} (npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${ACCOUNT})`);
  expect(results.filter((r) => r.subject === roleArn('verify-change'))).toHaveLength(1);
  expect(iam.commandCalls(SimulatePrincipalPolicyCommand).some((call) => call.args[0].input.PolicySourceArn === roleArn('verify-change'))).toBe(false);
});

it('an STS fault that is not a refusal is a could-not-check FAIL naming it, not a crash', async () => {
  sts.on(AssumeRoleCommand, { RoleArn: roleArn('escalate') }).rejects(awsError('RegionDisabledException', 'STS is not activated in this region'));
  const results = await checkRemediationRoles(clients(), context(cross));
  expect(results.filter((r) => r.status !== 'PASS')).toEqual([
    expect.objectContaining({ check: 'could-not-check', subject: roleArn('escalate'), message: `could not check ${roleArn('escalate')}: RegionDisabledException: STS is not activated in this region` }),
  ]);
});

it('a call the role is denied in the workload is a FAIL naming the action and the ARN', async () => {
  simulateWith((action) => (action === 'lambda:UpdateEventSourceMapping' ? 'implicitDeny' : 'allowed'));
  const results = await checkRemediationRoles(clients(), context(cross));
  const failed = results.filter((r) => r.status === 'FAIL');
  // Two roles declare it: scale-consumers', and verify-change's (it reverts the changing rows).
  expect(failed.map((r) => r.subject).sort()).toEqual([roleArn('scale-consumers'), roleArn('verify-change')].sort());
  expect(failed.find((r) => r.subject === roleArn('scale-consumers'))?.message).toBe(
    `remediation role notification-runbooks-remediate-scale-consumers in ${WORKLOAD} is denied 1 of scale-consumers's call(s) there: lambda:UpdateEventSourceMapping on arn:aws:lambda:us-east-1:${WORKLOAD}:event-source-mapping:preflight-probe (implicitDeny)`,
  );
});

it('the simulation refused inside the workload is a FAIL naming iam:SimulatePrincipalPolicy, after the role was assumed', async () => {
  iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('AccessDenied', 'User: arn:aws:sts::444455556666:assumed-role/notification-runbooks-remediate-escalate/preflight is not authorized to perform: iam:SimulatePrincipalPolicy'));
  const results = await checkRemediationRoles(clients(), context(cross));
  const escalate = results.filter((r) => r.message.includes('notification-runbooks-remediate-escalate'));
  expect(escalate.map((r) => [r.check, r.status])).toEqual([
    ['remediation-role-assumable', 'PASS'],
    ['could-not-check', 'FAIL'],
  ]);
  expect(escalate[1]?.message).toBe(`could not check remediation role notification-runbooks-remediate-escalate in ${WORKLOAD}: AccessDenied: preflight is not allowed iam:SimulatePrincipalPolicy`);
});

it('workloadArnContext names the workload account in every ARN it builds', () => {
  const w = workloadArnContext(context(cross), WORKLOAD);
  const arns = [...w.found.queueArns, ...w.found.functionArns, ...w.found.mappingArns, ...w.found.dbArns, ...w.alarmArns];
  expect(arns).toHaveLength(cross.watched.queues.length + cross.watched.functions.length + 1 + cross.watched.databases.length + cross.alarms.length);
  expect(arns.every((a) => a.split(':')[4] === WORKLOAD)).toBe(true);
  expect(w.target).toEqual({ ...TARGET, account: WORKLOAD });
});
