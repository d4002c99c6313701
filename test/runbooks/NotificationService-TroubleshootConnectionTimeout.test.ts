// NotificationService-TroubleshootConnectionTimeout rehearsed against the emulator: the real inspect-security-groups
// bundle names the missing rule, and the rule is added only after approval.
import { DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { alarmOf, decisionOf, expectSucceeded, rehearseDocument } from './support/rehearse-cli';

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

  beforeAll(async () => {
    account = await provisionAccount('production');
    ec2 = new EC2Client(account.clientConfig);
    await breakDatabaseIngress(ec2, account);
    await account.transition(alarmOf(account.topology, 'inspect-security-groups'), 'ALARM');
    const { database, lambda } = account.topology.vpc.securityGroupIds;
    fix = { SecurityGroupId: database, SourceSecurityGroupId: lambda, Port: POSTGRES_PORT, Approvers: ['arn:aws:iam::123456789012:role/NotificationServiceOnCall'] };
  });

  it('changes no rule when the approver rejects, after the inspection names the missing rule', async () => {
    expect(await databaseReachable(ec2, account)).toBe(false);

    const { status, result } = await rehearseDocument(DOCUMENT, fix, account.env, ['--reject']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'approveRuleChange', message: expect.stringContaining('rejected') });
    const inspection = decisionOf(result, 'inspectSecurityGroups');
    expect(inspection).toMatchObject({ playbook: 'inspect-security-groups', outcome: 'escalate' });
    expect(inspection.findings).toEqual(expect.arrayContaining([expect.stringMatching(/allows no ingress on tcp 5432/)]));
    expect(result.steps.map((s) => s.step)).not.toContain('authorizeIngress');
    expect(await databaseReachable(ec2, account)).toBe(false);
  });

  it('adds the named ingress rule once approved, and verifies it', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, fix, account.env, ['--approve']);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'checkAlarmExists:Success',
      'readAlarm:Success',
      'inspectSecurityGroups:Success',
      'describeTargetGroup:Success',
      'describeSourceGroup:Success',
      'approveRuleChange:Success',
      'authorizeIngress:Success',
      'verifyIngress:Success',
    ]);
    expect(result.outputs['authorizeIngress.SecurityGroupRuleId']).toMatch(/^sgr-/);
    expect(await databaseReachable(ec2, account)).toBe(true);
  });
});
