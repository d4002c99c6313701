// NotificationService-ScaleUpDatabase rehearsed against the emulator, as deployed to each environment: the approvers are
// the configured ones (no parameter names them), approval comes from the deployment and the database's Environment tag
// (no parameter skips it), and the class only goes up the environment's ladder.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { onCallSession } from '../integration/support/on-call-session';
import { createEscalationInbox, type EscalationInbox } from '../../sandbox/escalation-inbox';
import { expectSucceeded, paramArgs, rehearseDocument, runCli } from './support/rehearse-cli';

const DOCUMENT = 'NotificationService-ScaleUpDatabase';

/** The configured approver (shared/config/defaults.ts: role/NotificationServiceRunbookApprover in the environment's account). */
function approverOf(account: SandboxAccount): string {
  return `arn:aws:iam::${account.accountId}:role/NotificationServiceRunbookApprover`;
}

/** A queue subscribed to the account's approval topic: what an approver subscribed to it receives (review 11a finding 8). */
function approvalInbox(account: SandboxAccount): Promise<EscalationInbox> {
  const topic = account.topology.approvalTopic;
  return createEscalationInbox(account.clientConfig, { escalationTopics: [{ level: 0, name: 'approvers', topicName: topic.name, arn: topic.arn }] }, 'approval-inbox');
}

async function instanceClass(account: SandboxAccount): Promise<string | undefined> {
  const described = await new RDSClient(account.clientConfig).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }));
  return described.DBInstances?.[0]?.DBInstanceClass;
}

describe(`${DOCUMENT} in production`, () => {
  let account: SandboxAccount;
  let approvals: EscalationInbox;
  const parameters = (): Record<string, string> => ({ DBInstanceIdentifier: account.topology.database.identifier, TargetInstanceClass: 'db.r6g.2xlarge' });

  beforeAll(async () => {
    account = await provisionAccount('production');
    approvals = await approvalInbox(account);
  });
  // Each case reads only the requests its own run sent.
  beforeEach(async () => {
    await approvals.read();
  });

  it.each([
    ['Environment=staging', { Environment: 'staging' }, 'Environment: the document has no such parameter'],
    ['Environment=development', { Environment: 'development' }, 'Environment: the document has no such parameter'],
    ['Approvers naming the requester', { Approvers: 'arn:aws:iam::123456789012:user/requester' }, 'Approvers: the document has no such parameter'],
  ])('refuses %s before any step: no parameter chooses the environment or the approvers', async (_trick, trick, message) => {
    const { status, stderr } = await runCli(['rehearse', DOCUMENT, '--json', '--approve', ...paramArgs({ ...parameters(), ...trick })], account.env);

    expect(status).toBe(64);
    expect(stderr).toContain(message);
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('stops at the approval of the configured approvers, and does not resize when one rejects', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, parameters(), account.env, ['--reject', '--approve-as', approverOf(account)]);

    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeDatabase', 'readEnvironmentTag', 'checkAvailable', 'checkUpTheLadder', 'chooseApproval', 'whoRequested', 'checkRequesterIsNotApprover', 'approveScaleUp']);
    expect(result.failure).toMatchObject({ step: 'approveScaleUp', message: expect.stringContaining(`rejected by ${approverOf(account)}`) });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
    // The approvers were asked: one request on the approval topic, naming the change, who started it and how to answer.
    const requested = await approvals.read();
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ topicArn: account.topology.approvalTopic.arn, subject: `Approval needed: approveScaleUp of automation ${result.executionId}` });
    expect(requested[0]?.message).toContain(`Resize the production database ${account.topology.database.identifier} from db.r6g.xlarge to db.r6g.2xlarge now`);
    expect(requested[0]?.message).toContain(`Approvers (1 of them must approve): ${approverOf(account)}.`);
    expect(requested[0]?.message).toMatch(new RegExp(`started by arn:aws:(iam|sts)::${account.accountId}:\\S+ \\(AWS verified the user or role; an assumed role's session name, the last part, is chosen by whoever assumed the role\\)`));
    expect(requested[0]?.message).toContain(`aws ssm send-automation-signal --automation-execution-id ${result.executionId} --signal-type Approve`);
  });

  it('cannot be approved by the requester: only the configured approvers count', async () => {
    // --approve without --approve-as answers as the caller (the sandbox's own identity), who is not a configured approver.
    const { status, result } = await rehearseDocument(DOCUMENT, parameters(), account.env, ['--approve']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'approveScaleUp', message: expect.stringMatching(/is not an approver of this step \(arn:aws:iam::\d{12}:role\/NotificationServiceRunbookApprover\)/) });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('refuses, before anyone is asked, an execution started by a session of the approver role: it cannot approve its own change (review 11b F9)', async () => {
    // alice starts it as the approver role and answers --approve as herself: the same session asks and would approve.
    const alice = await onCallSession(account, 'alice', 'NotificationServiceRunbookApprover');
    const { status, result } = await rehearseDocument(DOCUMENT, parameters(), alice.env, ['--approve']);

    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeDatabase', 'readEnvironmentTag', 'checkAvailable', 'checkUpTheLadder', 'chooseApproval', 'whoRequested', 'checkRequesterIsNotApprover', 'refuseRequesterIsApprover']);
    expect(alice.arn).toBe(`arn:aws:sts::${account.accountId}:assumed-role/NotificationServiceRunbookApprover/alice`);
    expect(result.failure).toEqual({ step: 'refuseRequesterIsApprover', message: `$.AutomationExecution.ExecutedBy is "${alice.arn}", expected "a principal that is not an approver of this document"` });
    expect(await approvals.read()).toEqual([]);
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('refuses a class that is not on the production ladder before any step', async () => {
    const { status, stderr } = await runCli(
      ['rehearse', DOCUMENT, '--json', '--approve-as', approverOf(account), '--approve', ...paramArgs({ ...parameters(), TargetInstanceClass: 'db.x2g.16xlarge' })],
      account.env,
    );

    expect(status).toBe(64);
    expect(stderr).toMatch(/TargetInstanceClass: "db\.x2g\.16xlarge" is not one of db\.r6g\.xlarge, db\.r6g\.2xlarge, db\.r6g\.4xlarge/);
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('refuses a downsize on the ladder at run time, before the approval, with nothing changed', async () => {
    // A ladder with a class below the database's: the target is allowed as a value, and refused as a downsize.
    const env = { ...account.env, RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge'] } } } }) };
    const { status, result } = await rehearseDocument(DOCUMENT, { ...parameters(), TargetInstanceClass: 'db.r6g.large' }, env, ['--approve-as', approverOf(account), '--approve']);

    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeDatabase', 'readEnvironmentTag', 'checkAvailable', 'checkUpTheLadder', 'refuseNotAnUpgrade']);
    expect(result.failure).toMatchObject({ step: 'refuseNotAnUpgrade', message: expect.stringContaining('"db.r6g.xlarge"') });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('resizes db.r6g.xlarge to db.r6g.2xlarge once a configured approver approves, and waits until it is available', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, parameters(), account.env, ['--approve-as', approverOf(account), '--approve']);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).toEqual([
      'describeDatabase',
      'readEnvironmentTag',
      'checkAvailable',
      'checkUpTheLadder',
      'chooseApproval',
      'whoRequested',
      'checkRequesterIsNotApprover',
      'approveScaleUp',
      'modifyInstanceClass',
      'waitForInstanceClass',
      'waitForAvailable',
      'readDatabase',
    ]);
    expect(result.steps.find((s) => s.step === 'approveScaleUp')?.outputs).toMatchObject({ ApprovalStatus: 'Approved', ApproverDecisions: [{ approver: approverOf(account), decision: 'Approve' }] });
    expect(result.outputs).toMatchObject({
      'describeDatabase.CurrentClass': 'db.r6g.xlarge',
      'readDatabase.DBInstanceClass': 'db.r6g.2xlarge',
      'readDatabase.DBInstanceStatus': 'available',
    });
    expect(await instanceClass(account)).toBe('db.r6g.2xlarge');
  });

  it('refuses going back down the ladder (db.r6g.2xlarge -> db.r6g.xlarge)', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, { ...parameters(), TargetInstanceClass: 'db.r6g.xlarge' }, account.env, ['--approve-as', approverOf(account), '--approve']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'refuseNotAnUpgrade' });
    expect(await instanceClass(account)).toBe('db.r6g.2xlarge');
  });

  it('changes nothing and asks no one when the database is already at the target class', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, parameters(), account.env);

    expect(status).toBe(0);
    expect(result.steps.map((s) => s.step)).toEqual(['describeDatabase', 'readEnvironmentTag', 'checkAvailable', 'checkUpTheLadder', 'readDatabase']);
    expect(await instanceClass(account)).toBe('db.r6g.2xlarge');
  });
});

describe(`${DOCUMENT} as deployed to staging`, () => {
  it('resizes a database tagged Environment=staging without an approval step', async () => {
    const account = await provisionAccount('staging');
    expect(await instanceClass(account)).toBe('db.r6g.large');

    // No --approve: an approval step would fail for want of an answer.
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { DBInstanceIdentifier: account.topology.database.identifier, TargetInstanceClass: 'db.r6g.xlarge' }, account.env);

    expectSucceeded({ status, result, stderr });
    expect(result.outputs['describeDatabase.CurrentClass']).toBe('db.r6g.large');
    expect(result.steps.map((s) => s.step)).not.toContain('approveScaleUp');
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('still stops at approval on the production database (tagged Environment=production)', async () => {
    const production = await provisionAccount('production');
    // The staging document, with a ladder that lets the production class go up, run against the production database.
    const env = {
      ...production.env,
      RUNBOOK_ENVIRONMENT: 'staging',
      RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { staging: { scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge'] } } } }),
    };
    const { status, result } = await rehearseDocument(DOCUMENT, { DBInstanceIdentifier: production.topology.database.identifier, TargetInstanceClass: 'db.r6g.2xlarge' }, env);

    expect(status).toBe(1);
    expect(result.steps.find((s) => s.step === 'chooseApproval')).toMatchObject({ status: 'Success', next: 'whoRequested' });
    expect(result.failure).toMatchObject({ step: 'approveScaleUp', message: expect.stringContaining('needs an approval') });
    expect(await instanceClass(production)).toBe('db.r6g.xlarge');
  });
});
