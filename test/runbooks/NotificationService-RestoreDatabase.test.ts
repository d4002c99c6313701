// NotificationService-RestoreDatabase rehearsed against the emulator: a point-in-time restore creates a NEW instance,
// waits for it, reads it back and hands over its endpoint; the source instance is left exactly as it was.
import { DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { getProxyCallCount, getProxyCalls } from '../../sandbox/proxy-control';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { expectSucceeded, paramArgs, rehearseDocument, runCli } from './support/rehearse-cli';

const DOCUMENT = 'NotificationService-RestoreDatabase';

async function instances(account: SandboxAccount): Promise<DBInstance[]> {
  return (await new RDSClient(account.clientConfig).send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
}

/** The fields a restore must never change on the source. */
const essentials = (db: DBInstance | undefined) => ({
  id: db?.DBInstanceIdentifier,
  cls: db?.DBInstanceClass,
  status: db?.DBInstanceStatus,
  engine: db?.Engine,
  multiAz: db?.MultiAZ,
  endpoint: db?.Endpoint?.Address,
  storage: db?.AllocatedStorage,
});

describe(`${DOCUMENT} in production`, () => {
  let account: SandboxAccount;
  let source: string;

  beforeAll(async () => {
    account = await provisionAccount('production');
    source = account.topology.database.identifier;
  });

  it('restores to a new instance, waits until available, verifies it and outputs its endpoint; the source is unchanged', async () => {
    const before = await instances(account);
    expect(before.map((db) => db.DBInstanceIdentifier)).toEqual([source]);
    const target = `${source}-restore-20261205`;

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { SourceDBInstanceIdentifier: source, TargetDBInstanceIdentifier: target }, account.env);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).toEqual(['describeSource', 'checkNewIdentifier', 'restoreToPointInTime', 'waitForAvailable', 'verifyRestored']);
    const after = await instances(account);
    const restored = after.find((db) => db.DBInstanceIdentifier === target);
    expect(after.map((db) => db.DBInstanceIdentifier).sort()).toEqual([source, target].sort());
    expect(restored?.Endpoint?.Address).toEqual(expect.any(String));
    expect(result.outputs).toEqual(
      expect.objectContaining({
        'describeSource.Engine': 'postgres',
        'describeSource.DBInstanceClass': 'db.r6g.xlarge',
        'verifyRestored.Engine': 'postgres',
        'verifyRestored.DBInstanceClass': 'db.r6g.xlarge',
        'verifyRestored.DBInstanceStatus': 'available',
        'verifyRestored.EndpointAddress': restored?.Endpoint?.Address,
      }),
    );
    expect(result.outputs['verifyRestored.EndpointAddress']).not.toBe(before[0]?.Endpoint?.Address);
    expect(essentials(after.find((db) => db.DBInstanceIdentifier === source))).toEqual(essentials(before[0]));
  });

  it('refuses a target equal to the source before any restore call, and changes nothing', async () => {
    const before = await instances(account);
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    // The instance the first test restored, as source and target: an existing instance whose name the parameter
    // pattern accepts, so the assert step is what refuses it.
    const restored = `${source}-restore-20261205`;
    expect(before.map((db) => db.DBInstanceIdentifier)).toContain(restored);
    const { status, result } = await rehearseDocument(DOCUMENT, { SourceDBInstanceIdentifier: restored, TargetDBInstanceIdentifier: restored }, account.env);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);

    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeSource', 'checkNewIdentifier', 'refuseSameIdentifier']);
    expect(result.failure).toMatchObject({ step: 'refuseSameIdentifier' });
    expect(calls.filter((c) => c.operation === 'RestoreDBInstanceToPointInTime')).toEqual([]);
    expect((await instances(account)).map(essentials)).toEqual(before.map(essentials));
  });

  it('refuses, by its parameter pattern, a target that is not named <source>-restore-<suffix>', async () => {
    const { status, stderr } = await runCli(['rehearse', DOCUMENT, '--json', ...paramArgs({ SourceDBInstanceIdentifier: source, TargetDBInstanceIdentifier: source })], account.env);
    expect(status).toBe(64);
    expect(stderr).toContain(`TargetDBInstanceIdentifier: "${source}" does not match`);
    expect((await instances(account)).map((db) => db.DBInstanceIdentifier)).toHaveLength(2);
  });
});
