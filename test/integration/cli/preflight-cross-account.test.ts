// `runbook preflight` in cross-account mode, as an operator runs it in the operations account (a real process, the real
// SDK) against two sandbox accounts deployed as infra deploys them: the handlers, their rules on the project's bus and
// the incident-state documents in operations; the alarms, the forwarding rule, the other documents, the remediation
// roles (infra's trust: the handler's execution role only) and the read-only preflight role (trusting the operator
// only) in the workload. Preflight assumes the preflight role (the gap proxy judges AssumeRole: moto does not), reads
// the service there, judges each remediation role's trust with iam:SimulateCustomPolicy and simulates its calls on the
// workload's ARNs (the gap proxy answers both simulators: moto has neither).
import { DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, CreateRoleCommand, ListRolePoliciesCommand, PutRolePolicyCommand, TagRoleCommand, UntagRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { DescribeEventBusCommand, EventBridgeClient, ListTargetsByRuleCommand, PutPermissionCommand, PutTargetsCommand, RemovePermissionCommand } from '@aws-sdk/client-eventbridge';
import { ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { remediationRoleTrust } from '../../../infra/lib/iam/workload-roles';
import { sandboxCallerArn } from '../../../sandbox/preflight-gaps';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { notPassing, runPreflight } from '../support/run-preflight';
import { grantForwardedAlarmsToAnother, restoreBusPolicy } from '../support/bus-grant';
import { deployRunbookStack, deployWorkloadSide, type DeployedRunbookStack, type WorkloadSide } from '../support/deploy-runbook-stack';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

// Each run makes some 250 calls; on a loaded machine one takes a minute. In the test's process (decision 296), but the
// all-PASS case's: a whole bin/runbook.mjs process, so cross-account mode is proven through the built CLI too.
jest.setTimeout(300_000);

/**
 * The handlers that act in the workload through a role there (infra workloadRoleActionsOf): every playbook us-east-1
 * deploys (production's primary: watch-standby only in the DR region, infra handlersForRegion), and the three service
 * handlers that declare it.
 */
const ACTING_IN_WORKLOAD = ['alert-error-rate', 'check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'escalate', 'escalation-timer', 'verify-change'];
/** The documents that stay with the handlers (decision 86); every other one is registered in the workload. */
const OPERATIONS_DOCUMENTS = ['NotificationService-AcknowledgeIncident', 'NotificationService-EscalateToNextTier'];
/** An account the configuration does not name. */
const OTHER_ACCOUNT = '777777777777';
/** infra's forwarding role of us-east-1 (infra/lib/iam/workload-roles.ts forwardingRoleNameOf), written out here. */
const FORWARDING_ROLE_NAME = 'notification-runbooks-forward-alarms-us-east-1';

describe('runbook preflight -e production in cross-account mode on the sandbox', () => {
  let workload: SandboxAccount;
  let operations: SandboxAccount;
  let stack: DeployedRunbookStack;
  let side: WorkloadSide;
  let workloadIam: IAMClient;
  const roleArn = (handler: string): string => `arn:aws:iam::${workload.accountId}:role/notification-runbooks-remediate-${handler}`;
  const preflightRoleArn = (): string => `arn:aws:iam::${workload.accountId}:role/notification-runbooks-preflight`;
  const executionRole = (handler: string): string => `arn:aws:iam::${operations.accountId}:role/notification-runbooks-${handler}-us-east-1`;
  const BUS = (): string => `arn:aws:events:us-east-1:${operations.accountId}:event-bus/notification-runbooks`;
  let operationsEvents: EventBridgeClient;

  const preflight = async (how: { inProcess: boolean } = { inProcess: true }): Promise<{ status: number | null; report: PreflightReport; since: number }> => {
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    return { ...(await runPreflight('production', operations.env, 240_000, how)), since };
  };
  const failures = notPassing;

  beforeAll(async () => {
    workload = await provisionAccount('production');
    // The operations account's configuration names the workload: environments.production.accountId.
    operations = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { accountId: workload.accountId } } }) });
    stack = await deployRunbookStack(operations, { workloadAccount: workload.accountId });
    side = await deployWorkloadSide(workload, operations.accountId, sandboxCallerArn(operations.accountId));
    workloadIam = new IAMClient(workload.clientConfig);
    operationsEvents = new EventBridgeClient(operations.clientConfig);
    // The sandbox provisions the service in every account; in cross-account mode the operations account has no alarm of
    // the service. Deleting its copy of one proves preflight reads the alarms in the workload.
    await operations.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [queueAlarmName(operations.topology)] }));
    expect((await operations.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [queueAlarmName(operations.topology)] }))).MetricAlarms).toEqual([]);
  }, 600_000);

  afterAll(() => {
    operationsEvents.destroy();
    workloadIam.destroy();
    stack.iam.destroy();
    stack.lambda.destroy();
  });

  it('reads the workload through its preflight role, judges every remediation role there; all PASS, exit 0, and nothing but reads and one AssumeRole in the operations account', async () => {
    expect([...side.roles.keys()].sort()).toEqual([...ACTING_IN_WORKLOAD].sort());
    const { status, report, since } = await preflight({ inProcess: false });
    expect(failures(report)).toEqual([]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ account: operations.accountId, mode: 'cross-account', workloadAccount: workload.accountId });
    const of = (check: string) => report.checks.filter((c) => c.check === check);
    expect(of('preflight-role').map((c) => c.message)).toEqual([
      `preflight role notification-runbooks-preflight in workload account ${workload.accountId}: assumed by ${sandboxCallerArn(operations.accountId)} (session "preflight", read-only)`,
    ]);
    // The service, its alarms (the operations account's copy of the queue alarm is gone) and their forwarding, in the workload.
    expect(of('queue').map((c) => c.status)).toEqual(['PASS']);
    // The 6 rows' alarms and Queue Backup's low-water alarm (decision 185).
    expect(of('alarm-definition')).toHaveLength(7);
    expect(of('alarms-forwarded').map((c) => c.message)).toEqual([
      `rule notification-runbooks-forward-alarms in workload account ${workload.accountId} forwards the ALARM and OK state changes of all 7 alarms to arn:aws:events:us-east-1:${operations.accountId}:event-bus/notification-runbooks with role ${FORWARDING_ROLE_NAME}`,
    ]);
    // Routing in the operations account: the workload's events, on the project's bus.
    expect(of('alarm-reaches-rule').every((c) => c.message.includes(`from ${workload.accountId} matches rule`) && c.message.includes('on bus notification-runbooks ->'))).toBe(true);
    expect(of('ok-reaches-escalate')).toHaveLength(7);
    // The dead-letter queues: the operations account's two, and the workload's, read through its preflight role (decision 265).
    expect(of('dead-letter-queue-empty').map((c) => `${c.status} ${c.subject}`)).toEqual([
      'PASS notification-runbooks-failed-invocations',
      'PASS notification-runbooks-undelivered-events',
      'PASS notification-runbooks-undelivered-alarm-events',
    ]);
    // Every remediation role: its trust admits its handler's execution role, and it may make the handler's calls there.
    expect(of('remediation-role-trust').map((c) => c.subject).sort()).toEqual(ACTING_IN_WORKLOAD.map(roleArn).sort());
    expect(of('remediation-role-trust').find((c) => c.subject === roleArn('scale-consumers'))?.message).toBe(
      `trust of notification-runbooks-remediate-scale-consumers in ${workload.accountId} admits notification-runbooks-scale-consumers-us-east-1 (scale-consumers's execution role): sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity with its playbook, incident and region (runbook-region=us-east-1) tags and source identity notification-runbooks-scale-consumers; refuses it another region's tag (us-west-2) and a session without tags, and another role of ${operations.accountId} with the same tags (iam:SimulateCustomPolicy)`,
    );
    // Every remediation role's own IAM tags, read in the workload (iam:ListRoleTags: moto answers it, no gap): none a
    // session tag key (decisions 168, 177).
    expect(of('remediation-role-tags').map((c) => `${c.status} ${c.subject}`).sort()).toEqual(ACTING_IN_WORKLOAD.map((h) => `PASS ${roleArn(h)}`).sort());
    expect(of('remediation-role-tags').find((c) => c.subject === roleArn('scale-consumers'))?.message).toBe(
      `remediation role notification-runbooks-remediate-scale-consumers in ${workload.accountId}: none of its 0 IAM tag(s) is a session tag key (runbook-incident, runbook-playbook, runbook-region, any case; iam:ListRoleTags)`,
    );
    expect(of('remediation-role-permissions').map((c) => c.subject).sort()).toEqual(ACTING_IN_WORKLOAD.map(roleArn).sort());
    const scaleActions = new Set((side.roles.get('scale-consumers')?.policy.Statement as Array<{ Action: string | string[] }>).flatMap((st) => ([] as string[]).concat(st.Action)));
    expect(of('remediation-role-permissions').find((c) => c.subject === roleArn('scale-consumers'))?.message).toMatch(
      new RegExp(`in ${workload.accountId}: all \\d+ of scale-consumers's calls there allowed on the workload's ARNs \\(${scaleActions.size} actions\\) to its session of us-east-1, none to a session of us-west-2`),
    );
    // A role with database actions is also probed on the database this region does not hold, the DR replica's name here,
    // and refused: the roles name each region's own (decision 131).
    expect(of('remediation-role-permissions').find((c) => c.subject === roleArn('scale-up-database'))?.message).toMatch(/; refused on [a-z0-9-]+, which us-east-1 does not hold$/);
    // The documents where infra registers them: two in operations, the rest in the workload, rendered for it.
    const documents = of('ssm-document');
    expect(documents.filter((c) => !c.message.includes(`in account ${workload.accountId}`)).map((c) => c.subject).sort()).toEqual(OPERATIONS_DOCUMENTS);
    expect(documents.filter((c) => c.message.includes(`in account ${workload.accountId}`)).length).toBe(documents.length - 2);
    expect(documents.length).toBeGreaterThan(8);
    // The execution roles at home may assume their remediation role: sts:AssumeRole etc. simulated on its ARN.
    expect(of('role-permissions').filter((c) => c.status === 'PASS')).toHaveLength(stack.handlers.length);

    // As the proxy saw the operations account's calls: one AssumeRole, into the preflight role, named "preflight".
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === operations.accountId);
    const assumed = calls.filter((c) => c.service === 'sts' && c.operation === 'AssumeRole').map((c) => c.parameters ?? {});
    expect(assumed).toEqual([expect.objectContaining({ RoleArn: preflightRoleArn(), RoleSessionName: 'preflight', DurationSeconds: '900' })]);
    expect(Object.keys(assumed[0] ?? {}).filter((k) => /^Tags|^Policy|^SourceIdentity/.test(k))).toEqual([]);
    expect(calls.filter((c) => c.operation === 'unknown')).toEqual([]);
    expect(calls.filter((c) => !/^(Get|List|Describe|Simulate|Test)/.test(c.operation) && c.operation !== 'AssumeRole')).toEqual([]);
    // Per remediation role: its handler's execution role, then another role of the operations account (decision 94), then
    // the execution role with the other region's tag, us-west-2 (decision 147), then with no tag (decision 176); the bus
    // policy for the workload's forwarding role (the probe account: only the decision-source Deny names it); the
    // forwarding role's trust for EventBridge acting for its rule, for the probe account's and for another rule (decision 114);
    // the two Scheduler lanes' roles, each for its own group, the other lane's and the probe account's, and the automation
    // role for an execution of this account, of the probe account and of this account in us-west-2 (decisions 220, 265:
    // these roles live in the operations account); and the two sweep rules' functions' resource policies, each for its
    // rule, another rule of the account and the probe account's (decision 309); and the same three for each other rule that
    // targets a handler (decision 316): each handler's alarm route and escalate's decisions, kill-switch and recoveries
    // rules, 6 + 3 = 9 here (27 calls).
    const invoking = stack.handlers.filter((h) => h.ruleName).length + 3;
    expect(invoking).toBe(9);
    expect(calls.filter((c) => c.operation === 'SimulateCustomPolicy')).toHaveLength(4 * ACTING_IN_WORKLOAD.length + 1 + 3 + 2 * 3 + 3 + 2 * 3 + invoking * 3);
    // The tags read through the preflight role (keys moto issued: the proxy names no account for them, nor an IAM
    // request's parameters; another test file's preflight may run beside this one): at least one ListRoleTags per
    // remediation role (each named in its PASS above), none with the operations account's own keys.
    const sessionCalls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === undefined && c.operation === 'ListRoleTags');
    expect(sessionCalls.length).toBeGreaterThanOrEqual(ACTING_IN_WORKLOAD.length);
    expect(calls.filter((c) => c.operation === 'ListRoleTags')).toEqual([]);
    expect(calls.filter((c) => c.operation === 'DescribeEventBus')).toHaveLength(1);
    // The operations bus admits the workload's forwarded alarms: infra's policy, as moto holds it (DescribeEventBus
    // returns what PutPermission put: no gap there), judged for the role the forwarding rule's target uses.
    const held = JSON.parse((await operationsEvents.send(new DescribeEventBusCommand({ Name: 'notification-runbooks' }))).Policy ?? '{}') as { Statement?: Array<{ Sid?: string }> };
    expect(held.Statement?.map((st) => st.Sid)).toEqual([`ForwardedAlarms${workload.accountId}`, 'OnlyRunbookHandlersPublishDecisions', 'NoSourcelessEventsButRunbookPublishers']);
    expect(of('bus-policy').map((c) => `${c.status} ${c.subject} ${c.message}`)).toEqual([
      `PASS ${BUS()} policy of bus notification-runbooks in ${operations.accountId} admits events:PutEvents of the workload's alarm state changes from role ${FORWARDING_ROLE_NAME} of ${workload.accountId} (the forwarding rule's target role), and refuses the same from 999999999999, an account not configured (iam:SimulateCustomPolicy)`,
    ]);
    expect(side.forwardingRoleArn).toBe(`arn:aws:iam::${workload.accountId}:role/${FORWARDING_ROLE_NAME}`);
    // The forwarding role's own side (decision 114): EventBridge may assume it for the forwarding rule only, and it may put
    // the alarm events on the operations bus. Read and simulated in the workload through the preflight role.
    expect(of('forwarding-role-trust').map((c) => `${c.status} ${c.subject} ${c.message}`)).toEqual([
      `PASS ${side.forwardingRoleArn} trust of forwarding role ${FORWARDING_ROLE_NAME} in ${workload.accountId} admits events.amazonaws.com for rule notification-runbooks-forward-alarms (aws:SourceAccount ${workload.accountId}, aws:SourceArn the rule), and refuses it for rule notification-runbooks-forward-alarms of 999999999999, an account not configured and for rule runbook-preflight-probe-not-the-forwarder of ${workload.accountId}, not the forwarding rule (iam:SimulateCustomPolicy)`,
    ]);
    expect(of('forwarding-role-permissions').map((c) => `${c.status} ${c.subject} ${c.message}`)).toEqual([
      `PASS ${side.forwardingRoleArn} forwarding role ${FORWARDING_ROLE_NAME} in ${workload.accountId} may events:PutEvents the workload's alarm state changes on ${BUS()} (iam:SimulatePrincipalPolicy)`,
    ]);
    expect(of('forwarding-role-exists')).toEqual([]);
  });

  it("names a remediation role whose trust no longer names its handler's execution role", async () => {
    const role = side.roles.get('verify-change');
    if (!role) throw new Error('no verify-change role');
    // infra's trust, but naming scale-consumers' execution role instead of verify-change's.
    const wrong = { Version: '2012-10-17', Statement: remediationRoleTrust('aws', operations.accountId, 'verify-change', [{ region: 'us-east-1', roleArn: executionRole('scale-consumers') }]) };
    await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: JSON.stringify(wrong) }));
    const held = decodeURIComponent((await workloadIam.send(new GetRoleCommand({ RoleName: role.roleName }))).Role?.AssumeRolePolicyDocument ?? '');
    expect(held).toContain(executionRole('scale-consumers'));
    expect(held).not.toContain(executionRole('verify-change'));
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL remediation-role-trust ${roleArn('verify-change')}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `trust of notification-runbooks-remediate-verify-change in ${workload.accountId} does not admit notification-runbooks-verify-change-us-east-1 (verify-change's execution role) for sts:AssumeRole (implicitDeny); sts:TagSession (implicitDeny); sts:SetSourceIdentity (implicitDeny), its session tagged with its playbook, incident and region (runbook-region=us-east-1): verify-change cannot act in ${workload.accountId}`,
      );
    } finally {
      await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: JSON.stringify(role.trust) }));
    }
  });

  it('names a remediation role deployed before decision 147: its trust admits no region tag and its policy is not held to the session\'s region; both FAIL with the redeploy', async () => {
    const role = side.roles.get('scale-up-database');
    if (!role) throw new Error('no scale-up-database role');
    type Statement = { Sid?: string; Condition?: Record<string, Record<string, unknown>> } & Record<string, unknown>;
    // The role as infra deployed it before: AssumeRole for its callers, one TagSession statement with two tag keys;
    // statements with no session region.
    const session = (role.trust.Statement as Statement[]).find((st) => String(st.Sid).startsWith('TheHandlersSessionIn'));
    if (!session) throw new Error('no session statement in infra\'s trust');
    const trust = {
      ...role.trust,
      Statement: [
        { ...session, Sid: 'TheHandlersExecutionRoles', Action: ['sts:AssumeRole'], Condition: { ArnEquals: session.Condition?.ArnEquals } },
        {
          ...session,
          Sid: 'TagSessionWithTheIncident',
          Action: ['sts:TagSession'],
          Condition: {
            ArnEquals: session.Condition?.ArnEquals,
            StringEquals: { 'aws:RequestTag/runbook-playbook': 'scale-up-database' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['runbook-playbook', 'runbook-incident'] },
          },
        },
        ...(role.trust.Statement as Statement[]).filter((st) => st !== session),
      ],
    };
    const policy = {
      ...role.policy,
      Statement: (role.policy.Statement as Statement[]).map((st) => {
        const { ['aws:PrincipalTag/runbook-region']: _tag, ['aws:RequestedRegion']: _requested, ...equals } = st.Condition?.StringEquals ?? {};
        const { StringEquals: _equals, ...others } = st.Condition ?? {};
        const condition = { ...others, ...(Object.keys(equals).length > 0 ? { StringEquals: equals } : {}) };
        return { ...st, Sid: String(st.Sid).replace(/InUsEast1$/, ''), ...(Object.keys(condition).length > 0 ? { Condition: condition } : { Condition: undefined }) };
      }),
    };
    expect(JSON.stringify(policy)).not.toContain('runbook-region');
    await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: JSON.stringify(trust) }));
    await workloadIam.send(new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions', PolicyDocument: JSON.stringify(policy) }));
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL remediation-role-trust ${roleArn('scale-up-database')}`, `FAIL remediation-role-permissions ${roleArn('scale-up-database')}`]);
      const failed = report.checks.filter((c) => c.status === 'FAIL');
      expect(failed[0]?.message).toBe(
        `trust of notification-runbooks-remediate-scale-up-database in ${workload.accountId} does not admit notification-runbooks-scale-up-database-us-east-1 (scale-up-database's execution role) for sts:TagSession (implicitDeny), its session tagged with its playbook, incident and region (runbook-region=us-east-1): scale-up-database cannot act in ${workload.accountId} (a role deployed before decision 147 does not admit the region tag)`,
      );
      expect(failed[1]?.message).toMatch(
        new RegExp(`^remediation role notification-runbooks-remediate-scale-up-database in ${workload.accountId} is not held to its session's region: a session tagged runbook-region=us-west-2 is allowed \\d+ of scale-up-database's call\\(s\\) in us-east-1: .*rds:ModifyDBInstance on arn:aws:rds:us-east-1:${workload.accountId}:db:[a-z0-9-]+ \\(us-west-2's session\\).* \\(a role deployed before decision 147, or widened\\)$`),
      );
      for (const f of failed) expect(f.fix).toContain(`npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${operations.accountId}`);
    } finally {
      await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: JSON.stringify(role.trust) }));
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions', PolicyDocument: JSON.stringify(role.policy) }));
    }
  });

  it('names a remediation role deployed before decision 176 (its trust opens a session without tags) and one tagged after deployment with a session tag key: each FAIL with its fix', async () => {
    const old = side.roles.get('escalate');
    const tagged = side.roles.get('scale-consumers');
    if (!old || !tagged) throw new Error('no escalate or scale-consumers role');
    type Statement = { Sid?: string; Action?: string[]; Condition?: Record<string, Record<string, unknown>> } & Record<string, unknown>;
    // escalate's trust as decision 147 wrote it: AssumeRole a statement of its own, naming the caller and no tag.
    const statements = old.trust.Statement as Statement[];
    const session = statements.find((st) => String(st.Sid).startsWith('TheHandlersSessionIn'));
    if (!session) throw new Error('no session statement in infra\'s trust');
    const before = {
      ...old.trust,
      Statement: [
        { ...session, Sid: 'TheHandlersExecutionRoles', Action: ['sts:AssumeRole'], Condition: { ArnEquals: session.Condition?.ArnEquals } },
        ...statements.map((st) => (st === session ? { ...st, Action: ['sts:TagSession'] } : st)),
      ],
    };
    await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: old.roleName, PolicyDocument: JSON.stringify(before) }));
    // scale-consumers tagged after deployment, as a tag policy or a hand would: a session tag key, another case.
    await workloadIam.send(new TagRoleCommand({ RoleName: tagged.roleName, Tags: [{ Key: 'cost-center', Value: '42' }, { Key: 'Runbook-Region', Value: 'us-east-1' }] }));
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL remediation-role-tags ${roleArn('scale-consumers')}`, `FAIL remediation-role-trust ${roleArn('escalate')}`]);
      const failed = ['remediation-role-trust', 'remediation-role-tags'].map((check) => report.checks.find((c) => c.status === 'FAIL' && c.check === check));
      expect(failed[0]?.message).toBe(
        `trust of notification-runbooks-remediate-escalate in ${workload.accountId} admits notification-runbooks-escalate-us-east-1 (escalate's execution role) to a session with no tags, a plain sts:AssumeRole (iam:SimulateCustomPolicy): such a session's principal tags are the role's own IAM tags, so a runbook-region tag added to the role would give it that region's grants (a role deployed before decision 176)`,
      );
      expect(failed[0]?.fix).toContain(`npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${operations.accountId}`);
      expect(failed[1]?.message).toBe(
        `remediation role notification-runbooks-remediate-scale-consumers in ${workload.accountId} carries the IAM tag Runbook-Region="us-east-1", a session tag key (runbook-incident, runbook-playbook, runbook-region; IAM tag keys compare case-insensitively): every session of the role that does not set that key itself takes the role's value as its principal tag, so a runbook-region tag gives an untagged session that region's grants and a runbook-incident tag names an incident the session is not about`,
      );
      expect(failed[1]?.fix).toContain('aws iam untag-role --role-name notification-runbooks-remediate-scale-consumers --tag-keys Runbook-Region;');
    } finally {
      await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: old.roleName, PolicyDocument: JSON.stringify(old.trust) }));
      await workloadIam.send(new UntagRoleCommand({ RoleName: tagged.roleName, TagKeys: ['cost-center', 'Runbook-Region'] }));
    }
  });

  it('names a remediation role missing a permission, with the action and the workload ARN it is denied on', async () => {
    const role = side.roles.get('scale-consumers');
    if (!role) throw new Error('no scale-consumers role');
    const statements = role.policy.Statement as Array<{ Action: string | string[] } & Record<string, unknown>>;
    const without = {
      ...role.policy,
      Statement: statements.map((st) => ({ ...st, Action: ([] as string[]).concat(st.Action).filter((a) => a !== 'lambda:UpdateEventSourceMapping') })).filter((st) => st.Action.length > 0),
    };
    await workloadIam.send(new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions', PolicyDocument: JSON.stringify(without) }));
    const held = decodeURIComponent((await workloadIam.send(new GetRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions' }))).PolicyDocument ?? '');
    expect(held).not.toContain('lambda:UpdateEventSourceMapping');
    const mapping = (await workload.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: workload.topology.consumer.functionName }))).EventSourceMappings?.[0];
    const mappingArn = `arn:aws:lambda:us-east-1:${workload.accountId}:event-source-mapping:${mapping?.UUID ?? '?'}`;
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL remediation-role-permissions ${roleArn('scale-consumers')}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `remediation role notification-runbooks-remediate-scale-consumers in ${workload.accountId} is denied 1 of scale-consumers's call(s) there: lambda:UpdateEventSourceMapping on ${mappingArn} (implicitDeny)`,
      );
    } finally {
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'workload-actions', PolicyDocument: JSON.stringify(role.policy) }));
    }
  });

  it('names a missing preflight role, with the account, the caller and what was not checked', async () => {
    const { roleName, policy, trust } = side.preflightRole;
    await workloadIam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'preflight-reads' }));
    await workloadIam.send(new DeleteRoleCommand({ RoleName: roleName }));
    await expect(workloadIam.send(new GetRoleCommand({ RoleName: roleName }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL preflight-role ${preflightRoleArn()}`]);
      const check = report.checks.find((c) => c.status === 'FAIL');
      expect(check?.message).toBe(
        `preflight role notification-runbooks-preflight in workload account ${workload.accountId} cannot be assumed by ${sandboxCallerArn(operations.accountId)} (AccessDenied): it does not exist there, or its trust does not name this caller; not checked in ${workload.accountId}: the service's resources and matrix, the alarms and their forwarding, the remediation roles, the workload's SSM documents`,
      );
      expect(check?.fix).toContain(`npx cdk deploy NotificationRunbooksRemediation-production -c operationsAccount=${operations.accountId}`);
      // Nothing of the workload was read: no resource, alarm or remediation line at all.
      expect(report.checks.filter((c) => ['resources', 'matrix', 'alarms'].includes(c.area) || c.check.startsWith('remediation-role'))).toEqual([]);
    } finally {
      await workloadIam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'preflight-reads', PolicyDocument: JSON.stringify(policy) }));
    }
  });

  it("names an operations bus whose policy admits another account's forwarded alarms, not the workload's", async () => {
    const policy = stack.busPolicy;
    if (!policy) throw new Error('no bus policy deployed');
    const ours = `ForwardedAlarms${workload.accountId}`;
    // infra's statement, for another account, in place of the workload's.
    await grantForwardedAlarmsToAnother(operationsEvents, { busName: 'notification-runbooks', busArn: BUS(), workloadAccount: workload.accountId, otherAccount: OTHER_ACCOUNT });
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL bus-policy ${BUS()}`]);
      const check = report.checks.find((c) => c.status === 'FAIL');
      expect(check?.message).toBe(
        `policy of bus notification-runbooks in ${operations.accountId} names no principal that is role ${FORWARDING_ROLE_NAME} of ${workload.accountId} (the forwarding rule's target role) or its account (it names {"AWS":"*"}, {"AWS":"arn:aws:iam::${OTHER_ACCOUNT}:root"}): EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${workload.accountId}`,
      );
      expect(check?.fix).toContain(`it writes statement ${ours}: events:PutEvents from ${workload.accountId}`);
    } finally {
      await restoreBusPolicy(operationsEvents, 'notification-runbooks', policy);
    }
  });

  it('names an operations bus with no policy at all', async () => {
    const policy = stack.busPolicy;
    if (!policy) throw new Error('no bus policy deployed');
    await operationsEvents.send(new RemovePermissionCommand({ EventBusName: 'notification-runbooks', RemoveAllPermissions: true }));
    expect((await operationsEvents.send(new DescribeEventBusCommand({ Name: 'notification-runbooks' }))).Policy).toBeUndefined();
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL bus-policy ${BUS()}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
        `bus notification-runbooks in ${operations.accountId} has no resource policy: events:PutEvents from role ${FORWARDING_ROLE_NAME} of ${workload.accountId} (the forwarding rule's target role) is refused; EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${workload.accountId}`,
      );
    } finally {
      await operationsEvents.send(new PutPermissionCommand({ EventBusName: 'notification-runbooks', Policy: JSON.stringify(policy) }));
    }
  });

  describe("the forwarding role's own side (decision 114): each planted fault the only FAIL", () => {
    const workloadEvents = (): EventBridgeClient => new EventBridgeClient(workload.clientConfig);
    /** The role's inline policy as the emulator holds it now. */
    const heldPolicy = async (): Promise<string> => {
      const names = (await workloadIam.send(new ListRolePoliciesCommand({ RoleName: FORWARDING_ROLE_NAME }))).PolicyNames ?? [];
      const documents = await Promise.all(names.map(async (n) => decodeURIComponent((await workloadIam.send(new GetRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: n }))).PolicyDocument ?? '')));
      return documents.join('\n');
    };
    const restorePolicy = async (): Promise<void> => {
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: 'put-on-operations-bus', PolicyDocument: JSON.stringify(side.forwardingRole.policy) }));
    };
    /** The forwarding rule's targets as the emulator holds them: "<bus> <role>". */
    const heldTargets = async (events: EventBridgeClient): Promise<string[]> =>
      ((await events.send(new ListTargetsByRuleCommand({ Rule: 'notification-runbooks-forward-alarms' }))).Targets ?? []).map((t) => `${t.Arn ?? '?'} ${t.RoleArn ?? 'no role'}`);

    it('names a forwarding role whose identity policy allows no events:PutEvents at all (its policy deleted)', async () => {
      await workloadIam.send(new DeleteRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: 'put-on-operations-bus' }));
      expect(await heldPolicy()).toBe('');
      try {
        const { status, report } = await preflight();
        expect(status).toBe(1);
        expect(failures(report)).toEqual([`FAIL forwarding-role-permissions ${side.forwardingRoleArn}`]);
        const check = report.checks.find((c) => c.status === 'FAIL');
        expect(check?.message).toBe(
          `forwarding role ${FORWARDING_ROLE_NAME} in ${workload.accountId} is not allowed events:PutEvents on the operations bus ${BUS()} (implicitDeny, iam:SimulatePrincipalPolicy): EventBridge's delivery fails whatever the bus's policy says; the alarms go to the workload's undelivered-alarm-events queue and no handler runs`,
        );
        expect(check?.fix).toContain(`npx cdk deploy NotificationRunbooksWorkload-production-us-east-1 -c operationsAccount=${operations.accountId} (its policy: events:PutEvents on ${BUS()})`);
      } finally {
        await restorePolicy();
      }
    });

    it('names a forwarding role allowed events:PutEvents on another bus only (the operations account\'s default bus)', async () => {
      const elsewhere = `arn:aws:events:us-east-1:${operations.accountId}:event-bus/default`;
      const wrong = { Version: '2012-10-17', Statement: [{ Sid: 'PutOnTheOperationsBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [elsewhere] }] };
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: 'put-on-operations-bus', PolicyDocument: JSON.stringify(wrong) }));
      const held = await heldPolicy();
      expect(held).toContain(elsewhere);
      expect(held).not.toContain(BUS());
      try {
        const { status, report } = await preflight();
        expect(status).toBe(1);
        expect(failures(report)).toEqual([`FAIL forwarding-role-permissions ${side.forwardingRoleArn}`]);
        expect(report.checks.find((c) => c.status === 'FAIL')?.message).toContain(`is not allowed events:PutEvents on the operations bus ${BUS()} (implicitDeny, iam:SimulatePrincipalPolicy)`);
      } finally {
        await restorePolicy();
      }
    });

    it('names a forwarding role whose trust does not name events.amazonaws.com (Lambda in its place, infra\'s conditions kept)', async () => {
      const statements = side.forwardingRole.trust.Statement as Array<Record<string, unknown>>;
      const wrong = { ...side.forwardingRole.trust, Statement: statements.map((st) => ({ ...st, Principal: { Service: 'lambda.amazonaws.com' } })) };
      await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyDocument: JSON.stringify(wrong) }));
      const held = decodeURIComponent((await workloadIam.send(new GetRoleCommand({ RoleName: FORWARDING_ROLE_NAME }))).Role?.AssumeRolePolicyDocument ?? '');
      expect(held).toContain('lambda.amazonaws.com');
      expect(held).not.toContain('events.amazonaws.com');
      try {
        const { status, report } = await preflight();
        expect(status).toBe(1);
        expect(failures(report)).toEqual([`FAIL forwarding-role-trust ${side.forwardingRoleArn}`]);
        expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
          `trust of forwarding role ${FORWARDING_ROLE_NAME} in ${workload.accountId} names no events.amazonaws.com (it names {"Service":"lambda.amazonaws.com"}): EventBridge cannot assume it for rule notification-runbooks-forward-alarms: every forwarded alarm fails delivery (to the workload's undelivered-alarm-events queue) and no handler runs`,
        );
      } finally {
        await workloadIam.send(new UpdateAssumeRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyDocument: JSON.stringify(side.forwardingRole.trust) }));
      }
    });

    it('names a forwarding rule that targets the operations bus with another role of the workload (one with the same trust and policy)', async () => {
      const events = workloadEvents();
      const copy = 'notification-runbooks-forward-alarms-copy';
      const created = await workloadIam.send(new CreateRoleCommand({ RoleName: copy, AssumeRolePolicyDocument: JSON.stringify(side.forwardingRole.trust) }));
      await workloadIam.send(new PutRolePolicyCommand({ RoleName: copy, PolicyName: 'put-on-operations-bus', PolicyDocument: JSON.stringify(side.forwardingRole.policy) }));
      const copyArn = created.Role?.Arn ?? '';
      await events.send(new PutTargetsCommand({ Rule: 'notification-runbooks-forward-alarms', Targets: [{ Id: 'operations-bus', Arn: BUS(), RoleArn: copyArn }] }));
      expect(await heldTargets(events)).toEqual([`${BUS()} ${copyArn}`]);
      try {
        const { status, report } = await preflight();
        expect(status).toBe(1);
        expect(failures(report)).toEqual([`FAIL alarms-forwarded arn:aws:events:us-east-1:${workload.accountId}:rule/notification-runbooks-forward-alarms`]);
        expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
          `rule notification-runbooks-forward-alarms in ${workload.accountId} targets the operations bus ${BUS()} with role ${copyArn}, not with the forwarding role ${side.forwardingRoleArn}; whether that role may put events on the bus preflight does not judge (it reads the forwarding role only): the alarms may never reach the handlers in ${operations.accountId}`,
        );
      } finally {
        await events.send(new PutTargetsCommand({ Rule: 'notification-runbooks-forward-alarms', Targets: [{ Id: 'operations-bus', Arn: BUS(), RoleArn: side.forwardingRoleArn }] }));
        await workloadIam.send(new DeleteRolePolicyCommand({ RoleName: copy, PolicyName: 'put-on-operations-bus' }));
        await workloadIam.send(new DeleteRoleCommand({ RoleName: copy }));
        events.destroy();
      }
    });

    it("names a forwarding rule that targets another bus (the operations account's default bus), with the forwarding role", async () => {
      const events = workloadEvents();
      const elsewhere = `arn:aws:events:us-east-1:${operations.accountId}:event-bus/default`;
      await events.send(new PutTargetsCommand({ Rule: 'notification-runbooks-forward-alarms', Targets: [{ Id: 'operations-bus', Arn: elsewhere, RoleArn: side.forwardingRoleArn }] }));
      expect(await heldTargets(events)).toEqual([`${elsewhere} ${side.forwardingRoleArn}`]);
      try {
        const { status, report } = await preflight();
        expect(status).toBe(1);
        expect(failures(report)).toEqual([`FAIL alarms-forwarded arn:aws:events:us-east-1:${workload.accountId}:rule/notification-runbooks-forward-alarms`]);
        expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(
          `rule notification-runbooks-forward-alarms in ${workload.accountId} does not target the operations bus ${BUS()} (targets: ${elsewhere}): the workload's alarms never reach the handlers in ${operations.accountId}`,
        );
      } finally {
        await events.send(new PutTargetsCommand({ Rule: 'notification-runbooks-forward-alarms', Targets: [{ Id: 'operations-bus', Arn: BUS(), RoleArn: side.forwardingRoleArn }] }));
        expect(await heldTargets(events)).toEqual([`${BUS()} ${side.forwardingRoleArn}`]);
        events.destroy();
      }
    });
  });

  // Last: the alarm is not put back.
  it("names a workload alarm that is missing, though the operations account's copy of the sandbox has it", async () => {
    const name = workload.topology.alarmNamesByHandler['raise-lambda-memory']?.[0] ?? '';
    expect((await operations.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms).toHaveLength(1);
    await workload.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
    expect((await workload.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms).toEqual([]);
    const { status, report } = await preflight();
    expect(status).toBe(1);
    expect(failures(report)).toEqual([`FAIL alarm-exists ${name}`]);
  });
});
