// `runbook preflight` for the environments and the region the production test does not cover: staging and development
// (each in its own sandbox account, provisioned with its own matrix and tiers) and production's DR region, us-west-2
// (the standby of sandbox/provision-dr.ts and what the region's runbook stack deploys there). Each: the all-PASS run,
// exit 0, with the spread of checks figured from the configuration; then planted faults, each proven in the emulator
// first and each the only non-PASS line of its run.
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { EnvironmentName } from '../../../shared/config/schema';
import { putMetricAlarmInput } from '../../../sandbox/provision';
import { provisionDrAutomation, provisionDrStandby, type DrAutomation, type DrStandby } from '../../../sandbox/provision-dr';
import { clearProxyFaults, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { notPassing, runPreflight } from '../support/run-preflight';
import { deployRunbookStack, type DeployedRunbookStack } from '../support/deploy-runbook-stack';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { DR_REGION_HANDLERS, PRIMARY_REGION_HANDLERS } from '../../fixtures/deployed-handlers';

// Each run makes some 150 calls, in the test's process (decision 296; the bin is proven by preflight.test.ts); on a loaded
// machine one takes 40 s or more.
jest.setTimeout(300_000);

const preflight = async (environment: EnvironmentName, env: Record<string, string>): Promise<{ status: number | null; report: PreflightReport }> => {
  return runPreflight(environment, env, 180_000, { inProcess: true });
};
const subjects = (report: PreflightReport, check: string): string[] => report.checks.filter((c) => c.check === check).map((c) => c.subject);

const fn = (handler: string): string => `notification-runbooks-${handler}`;
const TIERS = ['DevOps Team (L1)', 'Cloud Infrastructure Team (L2)', 'AWS Support (Enterprise)', 'Service Owner'];

/** Ends by setting the database back, proven in the emulator. */
async function withDatabase(account: SandboxAccount, change: { DBInstanceClass?: string; BackupRetentionPeriod?: number }, run: () => Promise<void>): Promise<void> {
  const rds = new RDSClient(account.clientConfig);
  const id = account.topology.database.identifier;
  const before = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, ApplyImmediately: true, ...change }));
  const after = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  try {
    // The fault is planted: the emulator holds the changed value.
    if (change.DBInstanceClass) expect(after?.DBInstanceClass).toBe(change.DBInstanceClass);
    if (change.BackupRetentionPeriod !== undefined) expect(after?.BackupRetentionPeriod).toBe(change.BackupRetentionPeriod);
    await run();
  } finally {
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, ApplyImmediately: true, DBInstanceClass: before?.DBInstanceClass, BackupRetentionPeriod: before?.BackupRetentionPeriod }));
    rds.destroy();
  }
}

interface EnvironmentWant {
  tiers: readonly string[];
  support: string;
  backups: number;
}

/** One sandbox account for the environment: the all-PASS run, a drifted database, and the environment's own faults. */
function describeEnvironment(environment: 'staging' | 'development', want: EnvironmentWant, faults: (sandbox: () => SandboxAccount) => void): void {
  describe(`runbook preflight -e ${environment} on the sandbox`, () => {
    let account: SandboxAccount;
    let stack: DeployedRunbookStack;

    beforeAll(async () => {
      account = await provisionAccount(environment);
      stack = await deployRunbookStack(account);
    }, 300_000);
    afterAll(() => {
      stack.iam.destroy();
      stack.lambda.destroy();
    });

    it(`passes every check with ${environment}'s own matrix and tiers, and exits 0`, async () => {
      expect(account.topology.database.instanceClass).toBe(environment === 'staging' ? 'db.r6g.large' : 'db.t3.medium');
      const { status, report } = await preflight(environment, account.env);
      expect(notPassing(report)).toEqual([]);
      expect(status).toBe(0);
      expect(report).toMatchObject({ environment, region: 'us-east-1', mode: 'single-account', summary: { warn: 0, fail: 0 } });
      expect(report.checks.filter((c) => c.area === 'matrix').map((c) => c.message)).toEqual([
        "memory MB 512, as the document's matrix says",
        "timeout seconds 30, as the document's matrix says",
        "reserved concurrency 100, as the document's matrix says",
        `instance class ${account.topology.database.instanceClass}, as the document's matrix says`,
        "Multi-AZ false, as the document's matrix says",
        `backup retention days ${want.backups}, as the document's matrix says`,
      ]);
      expect(subjects(report, 'tier-subscription')).toEqual([...want.tiers]);
      expect(report.checks.find((c) => c.check === 'support-api')?.message).toContain(want.support);
      expect(subjects(report, 'handler-configuration').sort()).toEqual(PRIMARY_REGION_HANDLERS.map(fn));
      expect(subjects(report, 'role-permissions').sort()).toEqual(PRIMARY_REGION_HANDLERS.map(fn));
      // The 6 rows' alarms and Queue Backup's low-water alarm (decision 185).
      expect(report.checks.filter((c) => c.check === 'alarm-definition')).toHaveLength(7);
      expect(subjects(report, 'schedule-group')).toEqual(['notification-runbooks', 'notification-runbooks-verify']);
    });

    it(`names ${environment}'s database drifted from its matrix (production's 7 days of backups)`, async () => {
      await withDatabase(account, { BackupRetentionPeriod: 7 }, async () => {
        const { status, report } = await preflight(environment, account.env);
        expect(status).toBe(1);
        expect(notPassing(report)).toEqual([`FAIL backup-retention-days ${account.topology.database.identifier}`]);
        expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(`drift: backup retention days is 7, the document's matrix says ${want.backups}`);
      });
    });

    faults(() => account);
  });
}

// staging: db.r6g.large, no Multi-AZ, 3 days; L1-L3, the AWS Support tier opening "normal" cases.
describeEnvironment('staging', { tiers: TIERS.slice(0, 3), support: 'the support tier can open a case of severity normal', backups: 3 }, () => undefined);

// development: db.t3.medium, no Multi-AZ, 1 day; L1-L2, no AWS Support tier.
describeEnvironment('development', { tiers: TIERS.slice(0, 2), support: 'no AWS Support case is opened in development (supportCase disabled or no AWS Support tier)', backups: 1 }, (sandbox) => {
  it('a support plan without the Support API is a WARN, not a FAIL (no AWS Support tier in development), and exits 0', async () => {
    const account = sandbox();
    const endpoint = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const scope = { accountId: account.accountId };
    await setProxyFaults(endpoint, [{ service: 'support', operation: 'DescribeSeverityLevels', times: 1, status: 400, code: 'SubscriptionRequiredException', message: 'AWS Premium Support Subscription is required to use this service.' }], scope);
    try {
      const { status, report } = await preflight('development', account.env);
      // The planted refusal was answered, once.
      expect((await getProxyFaults(endpoint, scope)).map((f) => f.remaining)).toEqual([0]);
      expect(notPassing(report)).toEqual(['WARN support-api AWS Support API']);
      expect(status).toBe(0);
      expect(report.checks.find((c) => c.status === 'WARN')?.message).toMatch(
        /^DescribeSeverityLevels is refused \(SubscriptionRequiredException\): the account is on Basic or Developer support.*; development's tiers do not include AWS Support, so nothing here needs it$/,
      );
    } finally {
      await clearProxyFaults(endpoint, scope);
    }
  });

  it('names the database scaled a rung up its ladder as drift (db.t3.large, the matrix says db.t3.medium)', async () => {
    const account = sandbox();
    await withDatabase(account, { DBInstanceClass: 'db.t3.large' }, async () => {
      const { status, report } = await preflight('development', account.env);
      expect(status).toBe(1);
      expect(notPassing(report)).toEqual([`FAIL instance-class ${account.topology.database.identifier}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe("drift: instance class is db.t3.large, the document's matrix says db.t3.medium");
    });
  });
});

describe('runbook preflight -e production in the DR region (us-west-2) on the sandbox', () => {
  const DR = 'us-west-2';
  let account: SandboxAccount;
  let standby: DrStandby;
  let dr: DrAutomation;
  let stack: DeployedRunbookStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    account = await provisionAccount('production');
    const { config } = loadRuntimeConfig(process.env);
    standby = await provisionDrStandby({ clientConfig: account.clientConfig, config, environment: 'production', primary: account.topology });
    dr = await provisionDrAutomation({ clientConfig: account.clientConfig, config, environment: 'production', standby });
    stack = await deployRunbookStack(account, { dr });
    // The failover record pair provision-dr created, as the deployment configures it (review 13 R13-12: preflight reads it).
    const drConfig = { environments: { production: { disasterRecovery: { failoverRecordName: standby.recordName, hostedZoneId: standby.hostedZoneId } } } };
    env = { ...account.env, AWS_REGION: DR, AWS_DEFAULT_REGION: DR, RUNBOOK_CONFIG_JSON: JSON.stringify(drConfig) };
  }, 300_000);
  afterAll(() => {
    stack.iam.destroy();
    stack.lambda.destroy();
  });

  it("passes every check against exactly what the region deploys, its alarms and its standby, and exits 0", async () => {
    const { status, report } = await preflight('production', env);
    expect(notPassing(report)).toEqual([]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ environment: 'production', region: DR, mode: 'single-account' });
    expect(stack.handlers.map((h) => h.name).sort()).toEqual(DR_REGION_HANDLERS);
    expect(subjects(report, 'handler-configuration').sort()).toEqual(DR_REGION_HANDLERS.map(fn));
    expect(subjects(report, 'role-permissions').sort()).toEqual(DR_REGION_HANDLERS.map(fn));
    // The standby alarms (provision-dr) and every row's, each reaching its handler's rule; the CPU alarm on the replica.
    const alarms = subjects(report, 'alarm-definition');
    // 9, the replicated queue's low-water alarm (decision 185) and the replica's Replication Not Active (decision 360).
    expect(alarms).toHaveLength(11);
    expect(alarms).toContain('NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)');
    expect(alarms).toContain('NotificationService RDS CPUUtilization > 70% (notification-service-db-replica)');
    expect(alarms).toEqual(expect.arrayContaining(dr.alarms.map((a) => a.name)));
    expect(report.checks.filter((c) => c.check === 'alarm-reaches-rule' && c.message.endsWith('-> notification-runbooks-watch-standby'))).toHaveLength(4);
    // The standby in place of the primary's database; its consumers' mapping waits; no cache is looked for.
    const resources = report.checks.filter((c) => c.area === 'resources').map((c) => c.message);
    expect(report.checks.find((c) => c.check === 'database')?.message).toMatch(
      new RegExp(`^cross-region replica ${standby.replica.identifier} exists \\(postgres [^,]*, available\\), replicating ${account.topology.database.arn}$`),
    );
    expect(resources).toContain(`event source mapping ${standby.consumer.mappingUuid} of notification-service-consumer from notification-service-queue waits for a failover (Disabled, MaximumConcurrency ${account.topology.consumer.maximumConcurrency})`);
    expect(report.checks.filter((c) => c.check === 'cache')).toEqual([]);
    // Both lanes: the changing rows schedule their health checks here too (decision 123).
    expect(subjects(report, 'schedule-group')).toEqual(['notification-runbooks', 'notification-runbooks-verify']);
    expect(subjects(report, 'scheduler-role')).toEqual([`notification-runbooks-escalation-scheduler-${DR}`, `notification-runbooks-verify-scheduler-${DR}`]);
    expect(subjects(report, 'tier-subscription')).toEqual(TIERS);
    expect(report.checks.filter((c) => c.check === 'failover-record-pair').map((c) => `${c.status} ${c.subject}`)).toEqual([`PASS ${standby.recordName} in ${standby.hostedZoneId}`]);
    // Every rule that targets a handler here has the function's Lambda permission for it alone (decisions 309, 316, as
    // preflight.test.ts asserts for us-east-1; decision 328 for this region): the 7 alarm routes (the standby watch's
    // too), escalate's decisions, kill-switch and recoveries rules, and both sweeps, each on the bus the region puts it.
    const routed = stack.handlers.filter((h) => h.ruleName);
    expect(routed.map((h) => h.name).sort()).toEqual(DR_REGION_HANDLERS.filter((h) => !['escalate', 'escalation-timer', 'verify-change'].includes(h)));
    expect(report.checks.filter((c) => c.check === 'rule-permission').map((c) => `${c.status} ${c.message.split(';')[0]}`)).toEqual([
      ...routed.map((h) => `PASS rule ${h.ruleName ?? ''} on the default bus targets ${h.functionName}`),
      `PASS rule notification-runbooks-escalate-decisions on bus notification-runbooks targets ${fn('escalate')}`,
      `PASS rule notification-runbooks-kill-switch-changes on the default bus targets ${fn('escalate')}`,
      `PASS rule notification-runbooks-escalate-recoveries on the default bus targets ${fn('escalate')}`,
    ]);
    expect(report.checks.filter((c) => c.check === 'rule-permission').every((c) => c.message.endsWith('; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)'))).toBe(true);
    expect(report.checks.filter((c) => c.check === 'escalation-sweep' || c.check === 'verify-sweep').map((c) => `${c.status} ${c.check} ${c.message.split(': ')[0]}`)).toEqual([
      `PASS escalation-sweep rule notification-runbooks-escalation-sweep invokes ${fn('escalation-timer')} rate(5 minutes) with {"action":"sweep"}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)`,
      `PASS verify-sweep rule notification-runbooks-verify-sweep invokes ${fn('verify-change')} rate(5 minutes) with {"action":"sweep"}; its resource-based policy allows events.amazonaws.com to invoke it for this rule only (AWS:SourceArn)`,
    ]);
  });

  it('names a standby alarm with the wrong threshold (the replica lag at 600 s, expected 300)', async () => {
    const alarm = dr.alarms.find((a) => a.metric.kind === 'single' && a.metric.metric.metricName === 'ReplicaLag');
    if (!alarm) throw new Error('no ReplicaLag alarm in the DR region');
    const cw = new CloudWatchClient({ ...account.clientConfig, region: DR });
    await cw.send(new PutMetricAlarmCommand({ ...putMetricAlarmInput(alarm), Threshold: 600 }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.name] }))).MetricAlarms?.[0]?.Threshold).toBe(600);
    try {
      const { status, report } = await preflight('production', env);
      expect(status).toBe(1);
      expect(notPassing(report)).toEqual([`FAIL alarm-definition ${alarm.name}`]);
      expect(report.checks.find((c) => c.status === 'FAIL')?.message).toBe(`alarm "${alarm.name}": threshold 600, expected 300`);
    } finally {
      await cw.send(new PutMetricAlarmCommand(putMetricAlarmInput(alarm)));
      cw.destroy();
    }
  });
});
