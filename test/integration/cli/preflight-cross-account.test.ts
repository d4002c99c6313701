// `runbook preflight` in cross-account mode, as an operator runs it in the operations account (a real process, the real
// SDK) against two sandbox accounts: each remediation role is assumed in the workload account (the gap proxy judges
// AssumeRole as AWS does: the role must exist and its trust admit the caller; moto does neither) and, from inside the
// workload, iam:SimulatePrincipalPolicy on the role's ARN says it can make its playbook's calls there.
import { DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand, CreateRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { runCli } from '../../support/run-cli';
import { deployRemediationRoles, deployRunbookStack, type DeployedRunbookStack } from '../support/deploy-runbook-stack';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

// Each run is a whole CLI process making some 200 calls; on a loaded machine one takes a minute.
jest.setTimeout(300_000);

/** The handlers that act in the workload through a role there (infra workloadRoleActionsOf): every playbook, and the three service handlers that declare it. */
const ACTING_IN_WORKLOAD = ['alert-error-rate', 'check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'watch-standby', 'escalate', 'escalation-timer', 'verify-change'];

describe('runbook preflight -e production in cross-account mode on the sandbox', () => {
  let workload: SandboxAccount;
  let operations: SandboxAccount;
  let stack: DeployedRunbookStack;
  let roles: Map<string, { roleName: string; policy: Record<string, unknown> }>;
  let workloadIam: IAMClient;
  const roleArn = (handler: string): string => `arn:aws:iam::${workload.accountId}:role/notification-runbooks-remediate-${handler}`;

  const preflight = async (): Promise<{ status: number | null; report: PreflightReport; since: number }> => {
    const since = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).length;
    const run = await runCli(['preflight', '-e', 'production', '--json'], operations.env, 240_000);
    if (!run.stdout.trim().startsWith('{')) throw new Error(`preflight printed no report (exit ${String(run.status)}): ${run.stderr}`);
    return { status: run.status, report: JSON.parse(run.stdout) as PreflightReport, since };
  };
  const failures = (report: PreflightReport): string[] => report.checks.filter((c) => c.status !== 'PASS').map((c) => `${c.status} ${c.check} ${c.subject}`);

  beforeAll(async () => {
    workload = await provisionAccount('production');
    // The operations account's configuration names the workload: environments.production.accountId.
    operations = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { accountId: workload.accountId } } }) });
    stack = await deployRunbookStack(operations, { workloadAccount: workload.accountId });
    roles = await deployRemediationRoles(workload, operations.accountId);
    workloadIam = new IAMClient(workload.clientConfig);
  }, 600_000);

  afterAll(() => {
    workloadIam.destroy();
    stack.iam.destroy();
    stack.lambda.destroy();
  });

  it('assumes every remediation role in the workload and simulates its calls there; all PASS, exit 0, and nothing but reads and AssumeRole', async () => {
    expect([...roles.keys()].sort()).toEqual([...ACTING_IN_WORKLOAD].sort());
    const { status, report, since } = await preflight();
    expect(failures(report)).toEqual([]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ account: operations.accountId, mode: 'cross-account', workloadAccount: workload.accountId });
    const assumable = report.checks.filter((c) => c.check === 'remediation-role-assumable');
    expect(assumable.map((c) => c.subject).sort()).toEqual(ACTING_IN_WORKLOAD.map(roleArn).sort());
    expect(assumable.every((c) => c.message.includes(`assumed by arn:aws:sts::${operations.accountId}:user/moto (session "preflight"`))).toBe(true);
    const simulated = report.checks.filter((c) => c.check === 'remediation-role-permissions');
    expect(simulated.map((c) => c.subject).sort()).toEqual(ACTING_IN_WORKLOAD.map(roleArn).sort());
    // scale-consumers' role: its playbook's calls plus the alarm re-read, each on the workload's ARNs.
    const scale = simulated.find((c) => c.subject === roleArn('scale-consumers'));
    const scaleActions = new Set((roles.get('scale-consumers')?.policy.Statement as Array<{ Action: string | string[] }>).flatMap((st) => ([] as string[]).concat(st.Action)));
    expect(scale?.message).toMatch(new RegExp(`in ${workload.accountId}: all \\d+ of scale-consumers's calls there allowed on the workload's ARNs \\(${scaleActions.size} actions\\)`));
    // The execution roles at home may assume them: sts:AssumeRole simulated on each remediation role's ARN.
    expect(report.checks.filter((c) => c.check === 'role-permissions' && c.status === 'PASS')).toHaveLength(stack.handlers.length);

    // As the proxy saw them: one AssumeRole per role, from the operations account, named "preflight", tagged with the
    // handler, restricted to the simulation by its session policy.
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === operations.accountId);
    const assumed = calls.filter((c) => c.service === 'sts' && c.operation === 'AssumeRole').map((c) => c.parameters ?? {});
    expect(assumed.map((p) => p.RoleArn).sort()).toEqual(ACTING_IN_WORKLOAD.map(roleArn).sort());
    for (const p of assumed) {
      expect(p).toMatchObject({ RoleSessionName: 'preflight', DurationSeconds: '900', 'Tags.member.1.Key': 'runbook-playbook' });
      expect(JSON.parse(p.Policy ?? '{}')).toEqual({ Version: '2012-10-17', Statement: [{ Sid: 'PreflightSimulatesOnly', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: p.RoleArn }] });
    }
    // Read-only apart from AssumeRole: the proxy names every call preflight makes (REST calls of Lambda and API Gateway
    // included), and each is a read.
    expect(calls.filter((c) => c.operation === 'unknown')).toEqual([]);
    const notReads = calls.filter((c) => !/^(Get|List|Describe|Simulate|Test)/.test(c.operation) && c.operation !== 'AssumeRole');
    expect(notReads).toEqual([]);
    expect([...new Set(calls.map((c) => c.service))]).toEqual(expect.arrayContaining(['sts', 'iam', 'events', 'support', 'lambda', 'apigateway']));
  });

  it('names a remediation role that does not exist in the workload account, with the account and what to do', async () => {
    const role = roles.get('scale-consumers');
    if (!role) throw new Error('no scale-consumers role');
    await workloadIam.send(new DeleteRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions' }));
    await workloadIam.send(new DeleteRoleCommand({ RoleName: role.roleName }));
    await expect(workloadIam.send(new GetRoleCommand({ RoleName: role.roleName }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL remediation-role-assumable ${roleArn('scale-consumers')}`]);
      const check = report.checks.find((c) => c.status === 'FAIL');
      expect(check?.message).toBe(
        `remediation role ${role.roleName} of scale-consumers in workload account ${workload.accountId} cannot be assumed by arn:aws:sts::${operations.accountId}:user/moto (AccessDenied): it does not exist there, or its trust policy does not admit this caller; scale-consumers cannot act in ${workload.accountId}`,
      );
      expect(check?.fix).toContain(`deploy the remediation roles in ${workload.accountId}`);
      // Nothing was simulated on a role that could not be assumed.
      expect(report.checks.filter((c) => c.subject === roleArn('scale-consumers')).map((c) => c.check)).toEqual(['remediation-role-assumable']);
    } finally {
      await workloadIam.send(new CreateRoleCommand({ RoleName: role.roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${operations.accountId}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] }) }));
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions', PolicyDocument: JSON.stringify(role.policy) }));
    }
  });

  it("names a role whose trust does not admit preflight's caller: infra's trust, which admits the handler's execution role only", async () => {
    const role = roles.get('verify-change');
    if (!role) throw new Error('no verify-change role');
    const before = (await workloadIam.send(new GetRoleCommand({ RoleName: role.roleName }))).Role?.AssumeRolePolicyDocument ?? '';
    const executionRole = `arn:aws:iam::${operations.accountId}:role/notification-runbooks-verify-change-us-east-1`;
    const infraTrust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${operations.accountId}:root` }, Action: 'sts:AssumeRole', Condition: { ArnEquals: { 'aws:PrincipalArn': [executionRole] } } }],
    };
    await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: JSON.stringify(infraTrust) }));
    expect(decodeURIComponent((await workloadIam.send(new GetRoleCommand({ RoleName: role.roleName }))).Role?.AssumeRolePolicyDocument ?? '')).toContain(executionRole);
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL remediation-role-assumable ${roleArn('verify-change')}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toContain(`cannot be assumed by arn:aws:sts::${operations.accountId}:user/moto (AccessDenied)`);
    } finally {
      await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: decodeURIComponent(before) }));
    }
  });
});
