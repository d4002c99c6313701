// NotificationService-ScaleUpDatabase rehearsed against the emulator: approval in production, then ModifyDBInstance
// and the waits until the new class is in place.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { expectSucceeded, rehearseDocument } from './support/rehearse-cli';

const DOCUMENT = 'NotificationService-ScaleUpDatabase';
const APPROVER = 'arn:aws:iam::123456789012:role/NotificationServiceOnCall';

async function instanceClass(account: SandboxAccount): Promise<string | undefined> {
  const described = await new RDSClient(account.clientConfig).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }));
  return described.DBInstances?.[0]?.DBInstanceClass;
}

describe(`${DOCUMENT} in production`, () => {
  let account: SandboxAccount;
  const parameters = (): Record<string, string> => ({
    DBInstanceIdentifier: account.topology.database.identifier,
    TargetInstanceClass: 'db.r6g.2xlarge',
    Environment: 'production',
    Approvers: APPROVER,
  });

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('asks for approval when no environment is given, and does not resize when the approver rejects', async () => {
    const { Environment: _omitted, ...withoutEnvironment } = parameters();
    const { status, result } = await rehearseDocument(DOCUMENT, withoutEnvironment, account.env, ['--reject']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'approveScaleUp', message: expect.stringContaining('rejected') });
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });

  it('resizes db.r6g.xlarge to db.r6g.2xlarge after approval and waits until it is available', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, parameters(), account.env, ['--approve']);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).toEqual([
      'describeDatabase',
      'checkAvailable',
      'chooseApproval',
      'approveScaleUp',
      'modifyInstanceClass',
      'waitForInstanceClass',
      'waitForAvailable',
      'readDatabase',
    ]);
    expect(result.outputs).toMatchObject({
      'describeDatabase.CurrentClass': 'db.r6g.xlarge',
      'readDatabase.DBInstanceClass': 'db.r6g.2xlarge',
      'readDatabase.DBInstanceStatus': 'available',
    });
    expect(await instanceClass(account)).toBe('db.r6g.2xlarge');
  });

  it('changes nothing and asks no one when the database is already at the target class', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, parameters(), account.env);

    expect(status).toBe(0);
    expect(result.steps.map((s) => s.step)).toEqual(['describeDatabase', 'checkAvailable', 'chooseApproval', 'readDatabase']);
    expect(await instanceClass(account)).toBe('db.r6g.2xlarge');
  });
});

describe(`${DOCUMENT} in staging`, () => {
  it('resizes without an approval step', async () => {
    const account = await provisionAccount('staging');
    expect(await instanceClass(account)).toBe('db.r6g.large');

    // No --approve: an approval step would fail for want of an answer.
    const { status, result, stderr } = await rehearseDocument(
      DOCUMENT,
      { DBInstanceIdentifier: account.topology.database.identifier, TargetInstanceClass: 'db.r6g.xlarge', Environment: 'staging' },
      account.env,
    );

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).not.toContain('approveScaleUp');
    expect(await instanceClass(account)).toBe('db.r6g.xlarge');
  });
});
