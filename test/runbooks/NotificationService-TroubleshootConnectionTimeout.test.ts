// NotificationService-TroubleshootConnectionTimeout rehearsed against the emulator: the real inspect-security-groups
// bundle names the missing rule; only that rule is added, only after a configured approver approves, and a refused rule
// fails the execution.
import { DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../sandbox/proxy-control';
import { createEscalationInbox } from '../../sandbox/escalation-inbox';
import type { AlarmHandler } from '../../shared/pipeline/create-alarm-handler';
import { loadHandler } from '../support/load-handler';
import { faultsFired } from '../support/fault-evidence';
import { alarmOf, decisionOf, expectSucceeded, rehearseDocument, stepOutputs } from './support/rehearse-cli';
import { decoyListedFirst } from './support/decoy-alarm';
import { loseStateChangeThenUpdate, lostEventAccount, stampedWithTransition } from './support/lost-alarm-event';

const DOCUMENT = 'NotificationService-TroubleshootConnectionTimeout';
const POSTGRES_PORT = 5432;

/** Does the database's group allow PostgreSQL from the consumer's group? */
async function databaseReachable(ec2: EC2Client, account: SandboxAccount): Promise<boolean> {
  const { database, lambda } = account.topology.vpc.securityGroupIds;
  const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [database] }));
  return (described.SecurityGroups?.[0]?.IpPermissions ?? []).some(
    (p) => p.IpProtocol === 'tcp' && p.FromPort === POSTGRES_PORT && (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === lambda),
  );
}

/** Every ingress rule of the Notification Service's groups, to show that nothing was added. */
async function ingressRules(ec2: EC2Client, account: SandboxAccount): Promise<unknown> {
  const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: Object.values(account.topology.vpc.securityGroupIds) }));
  return (described.SecurityGroups ?? []).map((g) => ({ id: g.GroupId, ingress: g.IpPermissions }));
}

/** The field situation: someone removed the database's ingress rule for the consumer, and the API returns 504s. */
async function breakDatabaseIngress(ec2: EC2Client, account: SandboxAccount): Promise<void> {
  const { database, lambda } = account.topology.vpc.securityGroupIds;
  const description = `from ${account.topology.consumer.functionName}`;
  await ec2.send(
    new RevokeSecurityGroupIngressCommand({
      GroupId: database,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: POSTGRES_PORT, ToPort: POSTGRES_PORT, UserIdGroupPairs: [{ GroupId: lambda, Description: description }] }],
    }),
  );
}

describe(DOCUMENT, () => {
  let account: SandboxAccount;
  let ec2: EC2Client;
  let fix: Record<string, string | number | string[]>;
  let approveAs: string[];

  beforeAll(async () => {
    account = await provisionAccount('production');
    ec2 = new EC2Client(account.clientConfig);
    await breakDatabaseIngress(ec2, account);
    await account.transition(alarmOf(account.topology, 'inspect-security-groups'), 'ALARM');
    const { database, lambda } = account.topology.vpc.securityGroupIds;
    fix = { SecurityGroupId: database, SourceSecurityGroupId: lambda, Port: POSTGRES_PORT };
    approveAs = ['--approve-as', `arn:aws:iam::${account.accountId}:role/NotificationServiceRunbookApprover`];
  });

  // Each run inspects a state change of its own (a document run of a state change already decided is decided afresh,
  // decision 379: see the last test).
  beforeEach(async () => {
    await account.transition(alarmOf(account.topology, 'inspect-security-groups'), 'OK');
    await account.transition(alarmOf(account.topology, 'inspect-security-groups'), 'ALARM');
  });

  // Review 12, R12-1's remainder: DescribeAlarmsForMetric lists every alarm on the API's 504 count, in an order AWS does
  // not document. The document reads the 504 alarm by its name; here another alarm on the same metric is listed first.
  it('reads the 504 alarm by its name when another alarm on the same metric is listed first, and inspects its state change', async () => {
    const alarm = alarmOf(account.topology, 'inspect-security-groups');
    const decoy = await decoyListedFirst(account.cloudWatch, alarm, `Edge team 504s (${account.topology.api.name})`);
    try {
      expect(decoy.listed).toEqual([decoy.name, alarm]);
      await account.transition(decoy.name, 'ALARM');
      await account.transition(alarm, 'ALARM');

      const { status, result } = await rehearseDocument(DOCUMENT, fix, account.env, [...approveAs, '--reject']);

      expect(status).toBe(1);
      expect(stepOutputs(result, 'readAlarm')).toMatchObject({ AlarmName: alarm, StateValue: 'ALARM' });
      const inspection = decisionOf(result, 'inspectSecurityGroups');
      expect(inspection).toMatchObject({ playbook: 'inspect-security-groups', outcome: 'escalate', alarmName: alarm });
      expect(inspection.findings).toEqual(expect.arrayContaining([expect.stringMatching(/allows no ingress on tcp 5432/)]));
      // It reached the approval with the rule its inspection named; rejected there, nothing changed.
      expect(result.failure).toMatchObject({ step: 'approveRuleChange', message: expect.stringContaining('rejected') });
      expect(await databaseReachable(ec2, account)).toBe(false);
    } finally {
      await decoy.remove();
    }
  });

  it.each([
    ['another source group (the cache\'s)', () => ({ SourceSecurityGroupId: account.topology.vpc.securityGroupIds.cache })],
    ['another destination (the cache\'s group)', () => ({ SecurityGroupId: account.topology.vpc.securityGroupIds.cache })],
    ['another port (6379)', () => ({ Port: 6379 })],
  ])('refuses a rule the inspection did not name: %s, before anyone is asked, adding nothing', async (_what, change) => {
    const before = await ingressRules(ec2, account);

    const { status, result } = await rehearseDocument(DOCUMENT, { ...fix, ...change() }, account.env, [...approveAs, '--approve']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'refuseUnnamedRule', message: expect.stringContaining('not the named rule') });
    expect(result.steps.map((s) => s.step)).toEqual(['checkAlarmExists', 'readAlarm', 'chooseStateChangeTime', 'stampWithUpdateTime', 'inspectSecurityGroups', 'checkInspectionNamedRule', 'readNamedRule', 'checkRuleMatchesFinding', 'refuseUnnamedRule']);
    expect(await ingressRules(ec2, account)).toEqual(before);
    expect(await databaseReachable(ec2, account)).toBe(false);
  });

  it('changes no rule when the approver rejects, after the inspection names the missing rule', async () => {
    expect(await databaseReachable(ec2, account)).toBe(false);

    const { status, result } = await rehearseDocument(DOCUMENT, fix, account.env, [...approveAs, '--reject']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'approveRuleChange', message: expect.stringContaining('rejected') });
    const inspection = decisionOf(result, 'inspectSecurityGroups');
    expect(inspection).toMatchObject({ playbook: 'inspect-security-groups', outcome: 'escalate' });
    expect(inspection.findings).toEqual(expect.arrayContaining([expect.stringMatching(/allows no ingress on tcp 5432/)]));
    expect(result.steps.map((s) => s.step)).not.toContain('authorizeIngress');
    expect(await databaseReachable(ec2, account)).toBe(false);
  });

  it('fails the execution when EC2 refuses the rule, instead of reporting success', async () => {
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const refusal = { service: 'ec2', operation: 'AuthorizeSecurityGroupIngress', times: 1, status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' };
    await setProxyFaults(control, [refusal], { accountId: account.accountId });
    try {
      const { status, result } = await rehearseDocument(DOCUMENT, fix, account.env, [...approveAs, '--approve']);

      // The injected refusal is what failed the step, not something else with the same words.
      expect(faultsFired([refusal], await getProxyFaults(control, { accountId: account.accountId }))).toEqual([{ rule: refusal, fired: 1 }]);
      expect(status).toBe(1);
      expect(result.status).toBe('Failed');
      expect(result.failure).toMatchObject({ step: 'authorizeIngress', message: expect.stringContaining('UnauthorizedOperation') });
      expect(result.steps.map((s) => s.step)).not.toContain('verifyIngress');
      expect(await databaseReachable(ec2, account)).toBe(false);
    } finally {
      await clearProxyFaults(control, { accountId: account.accountId });
    }
  });

  it('adds the named ingress rule once a configured approver approves, and verifies it', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, fix, account.env, [...approveAs, '--approve']);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'checkAlarmExists:Success',
      'readAlarm:Success',
      // moto answers no StateTransitionedTimestamp: the branch takes its Default, the update time (decision 171).
      'chooseStateChangeTime:Success',
      'stampWithUpdateTime:Success',
      'inspectSecurityGroups:Success',
      'checkInspectionNamedRule:Success',
      // The rule the inspection named, read from its Payload text by a script (review 22b: no selector into a Lambda's Payload).
      'readNamedRule:Success',
      'checkRuleMatchesFinding:Success',
      'describeTargetGroup:Success',
      'describeSourceGroup:Success',
      'whoRequested:Success',
      'checkRequesterIsNotApprover:Success',
      'approveRuleChange:Success',
      'authorizeIngress:Success',
      // The rule verified by the id authorizeIngress answered: its port, then its source (review 22b, R22b-2).
      'verifyIngressPort:Success',
      'verifyIngress:Success',
    ]);
    expect(result.outputs['authorizeIngress.SecurityGroupRuleId']).toMatch(/^sgr-/);
    expect(await databaseReachable(ec2, account)).toBe(true);
  });

  // Decision 211: with the rule back, the inspection names no rule to add. The document fails itself at
  // inspectionNamedNoRule with the inspection's answer, before anyone is asked (on real Automation its next steps read
  // outputs that answer does not have).
  it('fails, with the inspection\'s answer in its message, when the inspection names no missing rule: nothing asked, nothing added', async () => {
    expect(await databaseReachable(ec2, account)).toBe(true);
    const before = await ingressRules(ec2, account);

    const { status, result } = await rehearseDocument(DOCUMENT, fix, account.env, [...approveAs, '--approve']);

    const answer = decisionOf(result, 'inspectSecurityGroups');
    expect(answer).not.toHaveProperty('runbook');
    expect(status).toBe(1);
    expect(result.failure).toEqual({
      step: 'inspectionNamedNoRule',
      message: `$.MetricAlarms[0].StateValue is "ALARM", expected ${JSON.stringify(`the inspection to name a rule this runbook may add; it did not, inspect-security-groups answered ${JSON.stringify(answer)}`)}`,
    });
    expect(result.steps.map((s) => s.step).slice(-3)).toEqual(['inspectSecurityGroups', 'checkInspectionNamedRule', 'inspectionNamedNoRule']);
    expect(await ingressRules(ec2, account)).toEqual(before);
  });

  // Review 23a R23a-2, decision 379: after the automation escalated this state change, the document's inspection was a
  // duplicate delivery (no findings, the network not read), yet the approver was asked to read its findings. A document
  // run is decided afresh: its own inspection reads the network now, and the approval request carries what it found.
  it('on a state change the automation already inspected and escalated, inspects afresh: its findings in the step output and in the approval request; another rule refused, the named one added after approval', async () => {
    // The rule missing (removed again if an earlier test added it, with the document's description).
    const { database, lambda } = account.topology.vpc.securityGroupIds;
    const [group] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [database] }))).SecurityGroups ?? [];
    const added = (group?.IpPermissions ?? []).filter((p) => p.FromPort === POSTGRES_PORT && (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === lambda));
    if (added.length > 0) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: database, IpPermissions: added }));
    expect(await databaseReachable(ec2, account)).toBe(false);
    // The automation inspects the alarm's state change first, as EventBridge delivers it, and escalates it.
    const alarm = alarmOf(account.topology, 'inspect-security-groups');
    await account.transition(alarm, 'OK');
    const automatic = await loadHandler<AlarmHandler>('inspect-security-groups')(await account.transition(alarm, 'ALARM'));
    expect(automatic).toMatchObject({ playbook: 'inspect-security-groups', outcome: 'escalate', escalation: { cause: 'diagnosis' } });
    const approvals = await createEscalationInbox(
      account.clientConfig,
      { escalationTopics: [{ level: 0, name: 'approvers', topicName: account.topology.approvalTopic.name, arn: account.topology.approvalTopic.arn }] },
      'tct-approval-inbox',
    );
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const before = await ingressRules(ec2, account);

    // Another rule: the run's own inspection names 5432, so 6379 is refused before anyone is asked.
    const other = await rehearseDocument(DOCUMENT, { ...fix, Port: 6379 }, account.env, [...approveAs, '--approve']);
    expect(decisionOf(other.result, 'inspectSecurityGroups')).toMatchObject({ outcome: 'escalate', incidentKey: automatic.incidentKey });
    expect(other.status).toBe(1);
    expect(other.result.failure).toMatchObject({ step: 'refuseUnnamedRule', message: expect.stringContaining('not the named rule') });
    expect(await ingressRules(ec2, account)).toEqual(before);

    const since = await getProxyCallCount(control);
    const named = await rehearseDocument(DOCUMENT, fix, account.env, [...approveAs, '--approve']);
    const inspection = decisionOf(named.result, 'inspectSecurityGroups');
    // Decided afresh on the same state change (its incident), not "skipped: duplicate delivery": findings, the rule named.
    expect(inspection).toMatchObject({
      playbook: 'inspect-security-groups',
      outcome: 'escalate',
      incidentKey: automatic.incidentKey,
      runbook: { documentName: DOCUMENT, parameters: { SecurityGroupId: [fix.SecurityGroupId], SourceSecurityGroupId: [fix.SourceSecurityGroupId], Port: ['5432'] } },
    });
    const findings = inspection.findings as string[];
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/allows no ingress on tcp 5432/)]));
    // The network was read by this run: EC2's security groups described in the account during it.
    const calls = (await getProxyCalls(control, since)).filter((c) => c.accountId === account.accountId).map((c) => `${c.service}:${c.operation}`);
    expect(calls).toContain('ec2:DescribeSecurityGroups');
    // The approver is asked with this run's findings in front of them.
    const requests = (await approvals.read()).filter((m) => m.subject === `Approval needed: approveRuleChange of automation ${named.result.executionId}`);
    expect(requests).toHaveLength(1);
    const missing = findings.find((f) => /allows no ingress on tcp 5432/.test(f)) ?? '(none)';
    expect(requests[0]?.message).toContain("This run's own inspection, made just now, answered:");
    expect(requests[0]?.message).toContain(JSON.stringify(missing).slice(1, -1));
    expect(requests[0]?.message).not.toContain('duplicate delivery');
    expectSucceeded(named);
    expect(named.result.steps.map((s) => s.step)).toContain('authorizeIngress');
    expect(await databaseReachable(ec2, account)).toBe(true);
  });
});

describe(`${DOCUMENT} after an EvaluationState-only update of the alarm whose ALARM event was lost`, () => {
  const sandbox = lostEventAccount();
  let ec2: EC2Client;

  beforeAll(async () => {
    ec2 = new EC2Client(sandbox.account.clientConfig);
    await breakDatabaseIngress(ec2, sandbox.account);
  });

  it('inspects the ALARM and names the missing rule, its event stamped with StateTransitionedTimestamp, not the later update', async () => {
    const { account, control } = sandbox;
    const lost = await loseStateChangeThenUpdate(account, alarmOf(account.topology, 'inspect-security-groups'), 'ALARM', control);
    const { database, lambda } = account.topology.vpc.securityGroupIds;
    const approver = ['--approve-as', `arn:aws:iam::${account.accountId}:role/NotificationServiceRunbookApprover`, '--reject'];

    const run = await rehearseDocument(DOCUMENT, { SecurityGroupId: database, SourceSecurityGroupId: lambda, Port: POSTGRES_PORT }, account.env, approver);

    expect(run.result.failure).toMatchObject({ step: 'approveRuleChange', message: expect.stringContaining('rejected') });
    const inspection = stampedWithTransition(run.result, 'inspectSecurityGroups', lost);
    expect(inspection).toMatchObject({ playbook: 'inspect-security-groups', outcome: 'escalate' });
    expect(inspection.findings).toEqual(expect.arrayContaining([expect.stringMatching(/allows no ingress on tcp 5432/)]));
    expect(await databaseReachable(ec2, account)).toBe(false);
  });
});
