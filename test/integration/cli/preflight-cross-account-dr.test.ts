// `runbook preflight` in cross-account mode in production's DR region (us-west-2; decision 95 left it untested): an
// operator in the operations account (a real process, the real SDK) against two sandbox accounts, each with the DR
// region's side as infra deploys it there: in operations the region's handlers, their rules on the project's bus (the
// workload's account in their patterns) and that bus's policy (infra's statements); in the workload the standby
// (sandbox/provision-dr.ts: replica, queue, consumer), the region's alarms, the rule forwarding them to the operations
// bus of the same region (with a role), the region's documents, the remediation roles and the preflight role.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { APIGatewayClient, CreateRestApiCommand } from '@aws-sdk/client-api-gateway';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { handlerDeclarations } from '../../../cli/preflight/declarations';
import { preflightExpectations } from '../../../cli/preflight/expectations';
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { provisionAlarms } from '../../../sandbox/provision';
import { provisionDrAutomation, provisionDrStandby } from '../../../sandbox/provision-dr';
import { sandboxCallerArn } from '../../../sandbox/preflight-gaps';
import { notPassing, runPreflight } from '../support/run-preflight';
import { grantForwardedAlarmsToAnother, restoreBusPolicy } from '../support/bus-grant';
import { deployRunbookStack, deployWorkloadSide, type DeployedRunbookStack, type WorkloadSide } from '../support/deploy-runbook-stack';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

// Each run makes some 200 calls, in the test's process (decision 296; the bin is proven by preflight.test.ts and
// preflight-cross-account.test.ts); on a loaded machine one takes a minute.
jest.setTimeout(300_000);

const DR = 'us-west-2';
/** An account the configuration does not name. */
const OTHER_ACCOUNT = '777777777777';
/** infra's forwarding role of us-west-2 (infra/lib/iam/workload-roles.ts forwardingRoleNameOf), written out here. */
const FORWARDING_ROLE_NAME = 'notification-runbooks-forward-alarms-us-west-2';

describe('runbook preflight -e production in cross-account mode in the DR region (us-west-2) on the sandbox', () => {
  let workload: SandboxAccount;
  let operations: SandboxAccount;
  let stack: DeployedRunbookStack;
  let side: WorkloadSide;
  let operationsEvents: EventBridgeClient;
  /** The alarms provisionDrAutomation put in the workload (the rest, other rows' alarms there, beforeAll puts). */
  let putByDrAutomation: string[] = [];
  const BUS = (): string => `arn:aws:events:${DR}:${operations.accountId}:event-bus/notification-runbooks`;

  const preflight = async (): Promise<{ status: number | null; report: PreflightReport }> => {
    return runPreflight('production', { ...operations.env, AWS_REGION: DR, AWS_DEFAULT_REGION: DR }, 240_000, { inProcess: true });
  };
  const failures = notPassing;

  beforeAll(async () => {
    workload = await provisionAccount('production');
    const { config } = loadRuntimeConfig({ ...process.env, AWS_REGION: DR });
    // The workload's standby and the region's alarms on it (WorkloadStack's WatchedAlarms), and the API there.
    const standby = await provisionDrStandby({ clientConfig: workload.clientConfig, config, environment: 'production', primary: workload.topology });
    await provisionDrAutomation({ clientConfig: workload.clientConfig, config, environment: 'production', standby });
    const expected = preflightExpectations(config, 'production', DR, handlerDeclarations('cross-account'));
    const cloudWatch = new CloudWatchClient({ ...workload.clientConfig, region: DR });
    const apiGateway = new APIGatewayClient({ ...workload.clientConfig, region: DR });
    try {
      const present = new Set(((await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: expected.alarms.map((a) => a.name) }))).MetricAlarms ?? []).map((a) => a.AlarmName));
      putByDrAutomation = expected.alarms.filter((a) => present.has(a.name)).map((a) => a.name);
      await provisionAlarms(cloudWatch, expected.alarms.filter((a) => !present.has(a.name)));
      await apiGateway.send(new CreateRestApiCommand({ name: expected.watched.apis[0] ?? `${config.service}-api` }));
    } finally {
      cloudWatch.destroy();
      apiGateway.destroy();
    }
    // The operations account names the workload (environments.production.accountId); its DR region's shared resources.
    operations = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { accountId: workload.accountId } } }) });
    const opsStandby = await provisionDrStandby({ clientConfig: operations.clientConfig, config, environment: 'production', primary: operations.topology });
    const dr = await provisionDrAutomation({ clientConfig: operations.clientConfig, config, environment: 'production', standby: opsStandby });
    stack = await deployRunbookStack(operations, { dr, workloadAccount: workload.accountId });
    side = await deployWorkloadSide(workload, operations.accountId, sandboxCallerArn(operations.accountId), { region: DR });
    operationsEvents = new EventBridgeClient({ ...operations.clientConfig, region: DR });
  }, 600_000);

  afterAll(() => {
    operationsEvents.destroy();
    stack.iam.destroy();
    stack.lambda.destroy();
  });

  it("passes every check in us-west-2, the workload's standby read through the preflight role and the bus there admitting its forwarded alarms; exit 0", async () => {
    const { status, report } = await preflight();
    expect(failures(report)).toEqual([]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ account: operations.accountId, region: DR, mode: 'cross-account', workloadAccount: workload.accountId });
    const of = (check: string) => report.checks.filter((c) => c.check === check);
    // The region's 11 alarms (every row's since decision 123, the standby's four (its Replication Not Active since
    // decision 360, which provisionDrAutomation puts), and Queue Backup's low-water alarm since decision 185) read in the
    // workload through the preflight role, forwarded to the operations bus of the same region.
    expect(of('alarm-definition')).toHaveLength(11);
    expect(putByDrAutomation.filter((name) => name.startsWith('NotificationService DR '))).toHaveLength(4);
    expect(of('alarm-definition').filter((c) => c.subject.startsWith('NotificationService DR ')).map((c) => `${c.status} ${c.message}`)).toEqual([
      'PASS alarm "NotificationService DR Replica Lag > 300 s (notification-service-db-replica)": threshold 300, 5 of 5 periods of 60 s',
      'PASS alarm "NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)": threshold 0, 5 of 5 periods of 60 s',
      'PASS alarm "NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)": threshold 1000, 5 of 5 periods of 60 s',
      'PASS alarm "NotificationService DR Replicated Queue Oldest Message > 3600 s (notification-service-queue)": threshold 3600, 1 of 1 periods of 60 s',
    ]);
    expect(of('alarms-forwarded').map((c) => c.message)).toEqual([
      `rule notification-runbooks-forward-alarms in workload account ${workload.accountId} forwards the ALARM and OK state changes of all 11 alarms to ${BUS()} with role ${FORWARDING_ROLE_NAME}`,
    ]);
    expect(of('bus-policy').map((c) => `${c.status} ${c.subject} ${c.message}`)).toEqual([
      `PASS ${BUS()} policy of bus notification-runbooks in ${operations.accountId} admits events:PutEvents of the workload's alarm state changes from role ${FORWARDING_ROLE_NAME} of ${workload.accountId} (the forwarding rule's target role), and refuses the same from 999999999999, an account not configured (iam:SimulateCustomPolicy)`,
    ]);
    // The standby in the workload: the replica in place of the primary's database.
    expect(of('database').map((c) => c.message)).toEqual([expect.stringMatching(new RegExp(`^cross-region replica \\S+ exists .*replicating arn:aws:rds:us-east-1:${workload.accountId}:db:`))]);
    // Each remediation role the region's handlers use, judged in the workload.
    const roleArns = [...side.roles.values()].map((r) => `arn:aws:iam::${workload.accountId}:role/${r.roleName}`).sort();
    expect(roleArns.length).toBeGreaterThan(0);
    expect(of('remediation-role-trust').map((c) => c.subject).sort()).toEqual(roleArns);
    expect(of('remediation-role-permissions').map((c) => c.subject).sort()).toEqual(roleArns);
    // Each role with database actions probed on the primary's database named here, and refused (decision 131).
    const probed = of('remediation-role-permissions').filter((c) => c.message.includes('refused on'));
    expect(probed.map((c) => c.subject.split('/').pop()).sort()).toEqual(
      ['check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change', 'watch-standby'].map((h) => `notification-runbooks-remediate-${h}`),
    );
    for (const c of probed) expect(c.message).toMatch(/; refused on [a-z0-9-]+, which us-west-2 does not hold$/);
    expect(of('preflight-role').map((c) => c.status)).toEqual(['PASS']);
    // The region's forwarding role, its own side (decision 114): trusted by EventBridge for this region's rule, allowed
    // events:PutEvents on this region's operations bus.
    const roleArn = `arn:aws:iam::${workload.accountId}:role/${FORWARDING_ROLE_NAME}`;
    expect(side.forwardingRoleArn).toBe(roleArn);
    expect(of('forwarding-role-trust').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${roleArn}`]);
    expect(of('forwarding-role-trust')[0]?.message).toContain(`admits events.amazonaws.com for rule notification-runbooks-forward-alarms (aws:SourceAccount ${workload.accountId}, aws:SourceArn the rule), and refuses it for`);
    expect(of('forwarding-role-permissions').map((c) => `${c.status} ${c.subject} ${c.message}`)).toEqual([
      `PASS ${roleArn} forwarding role ${FORWARDING_ROLE_NAME} in ${workload.accountId} may events:PutEvents the workload's alarm state changes on ${BUS()} (iam:SimulatePrincipalPolicy)`,
    ]);
    // Every rule that targets a handler in the operations account has the function's Lambda permission for it alone
    // (decisions 309, 316, 328): the alarm routes and the recoveries rule on the project's bus (cross-account mode, their
    // SourceArn rule/<bus>/<name>), the decisions rule there too, the kill-switch rule on the default bus; both sweeps.
    // The workload's automation role's grants on the handlers its documents run are the deployment's (decision 320).
    const routed = stack.handlers.filter((h) => h.ruleName);
    expect(routed.map((h) => h.name).sort()).toEqual(['alert-error-rate', 'check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'watch-standby']);
    expect(of('rule-permission').map((c) => `${c.status} ${c.message.split(';')[0]}`)).toEqual([
      ...routed.map((h) => `PASS rule ${h.ruleName ?? ''} on bus notification-runbooks targets ${h.functionName}`),
      'PASS rule notification-runbooks-escalate-decisions on bus notification-runbooks targets notification-runbooks-escalate',
      'PASS rule notification-runbooks-kill-switch-changes on the default bus targets notification-runbooks-escalate',
      'PASS rule notification-runbooks-escalate-recoveries on bus notification-runbooks targets notification-runbooks-escalate',
    ]);
    expect(of('rule-permission').every((c) => c.message.endsWith('; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)'))).toBe(true);
    expect(of('escalation-sweep').concat(of('verify-sweep')).map((c) => `${c.status} ${c.check} ${c.message.split(': ')[0]}`)).toEqual([
      'PASS escalation-sweep rule notification-runbooks-escalation-sweep invokes notification-runbooks-escalation-timer rate(5 minutes) with {"action":"sweep"}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)',
      'PASS verify-sweep rule notification-runbooks-verify-sweep invokes notification-runbooks-verify-change rate(5 minutes) with {"action":"sweep"}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)',
    ]);
  });

  it("names the DR region's forwarding role when it may put events on the primary region's bus only (us-east-1's, not us-west-2's): the only FAIL", async () => {
    const iam = new IAMClient({ ...workload.clientConfig, region: DR });
    const primaryBus = `arn:aws:events:us-east-1:${operations.accountId}:event-bus/notification-runbooks`;
    const wrong = { Version: '2012-10-17', Statement: [{ Sid: 'PutOnTheOperationsBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [primaryBus] }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: 'put-on-operations-bus', PolicyDocument: JSON.stringify(wrong) }));
    const held = decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: 'put-on-operations-bus' }))).PolicyDocument ?? '');
    expect(held).toContain(primaryBus);
    expect(held).not.toContain(BUS());
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL forwarding-role-permissions arn:aws:iam::${workload.accountId}:role/${FORWARDING_ROLE_NAME}`]);
      const check = report.checks.find((c) => c.status === 'FAIL');
      expect(check?.message).toContain(`forwarding role ${FORWARDING_ROLE_NAME} in ${workload.accountId} is not allowed events:PutEvents on the operations bus ${BUS()} (implicitDeny, iam:SimulatePrincipalPolicy)`);
      expect(check?.fix).toContain(`npx cdk deploy NotificationRunbooksWorkload-production-${DR} -c operationsAccount=${operations.accountId}`);
    } finally {
      await iam.send(new PutRolePolicyCommand({ RoleName: FORWARDING_ROLE_NAME, PolicyName: 'put-on-operations-bus', PolicyDocument: JSON.stringify(side.forwardingRole.policy) }));
      iam.destroy();
    }
  });

  it("names the DR region's bus when its policy admits another account's forwarded alarms, not the workload's: the only FAIL", async () => {
    const policy = stack.busPolicy;
    if (!policy) throw new Error('no bus policy deployed');
    await grantForwardedAlarmsToAnother(operationsEvents, { busName: 'notification-runbooks', busArn: BUS(), workloadAccount: workload.accountId, otherAccount: OTHER_ACCOUNT });
    try {
      const { status, report } = await preflight();
      expect(status).toBe(1);
      expect(failures(report)).toEqual([`FAIL bus-policy ${BUS()}`]);
      const check = report.checks.find((c) => c.status === 'FAIL');
      expect(check?.message).toContain(`policy of bus notification-runbooks in ${operations.accountId} names no principal that is role ${FORWARDING_ROLE_NAME} of ${workload.accountId}`);
      expect(check?.fix).toContain(`npx cdk deploy NotificationRunbooks-production-${DR} -c operationsAccount=${operations.accountId}`);
    } finally {
      await restoreBusPolicy(operationsEvents, 'notification-runbooks', policy);
    }
  });
});
