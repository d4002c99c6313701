// The game-day demo's Connection Timeout scenario, played by `runbook demo --only connection-timeout` (a real process, the
// built CLI and bundles) on this test run's emulator (--endpoint: its own account, the emulator left running). The missing
// rule comes back only through the runbook the escalation names, run by `runbook rehearse`'s own code with
// `--approve-as <configured approver> --approve` (decision 188): what the demo narrates is what the proxy saw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { accessKeyIdForAccount } from '../../../sandbox/credentials';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { runCli } from '../../support/run-cli';
import { uniqueAccountId } from '../support/sandbox-account';

const DEMO_TIMEOUT_MS = 300_000;
const DOCUMENT = 'NotificationService-TroubleshootConnectionTimeout';
// Project defaults (shared/config/defaults.ts), written out here rather than read from the code under test.
const DATABASE_GROUP = 'notification-service-db';
const LAMBDA_GROUP = 'notification-service-lambda';
const POSTGRES_PORT = 5432;

describe('runbook demo --only connection-timeout, on the emulator', () => {
  const accountId = uniqueAccountId();
  const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
  const approver = `arn:aws:iam::${accountId}:role/NotificationServiceRunbookApprover`;
  let workDir: string;
  let demo: { status: number | null; stdout: string; stderr: string };
  let calls: Awaited<ReturnType<typeof getProxyCalls>>;

  beforeAll(async () => {
    if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run integration tests through jest --selectProjects integration');
    workDir = mkdtempSync(join(tmpdir(), 'game-day-504-'));
    demo = await runCli(['demo', '--only', 'connection-timeout', '--endpoint', endpoint, '--account', accountId, '--log-dir', workDir], {}, DEMO_TIMEOUT_MS);
    calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).filter((c) => c.accountId === accountId);
  }, DEMO_TIMEOUT_MS + 30_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('passes, and says the approval came from a configured approver before the rule was added', () => {
    if (demo.status !== 0) throw new Error(`the demo exited ${demo.status}:\n${demo.stdout.slice(-4000)}\n${demo.stderr.slice(-2000)}`);
    expect(demo.stdout).toMatch(/^ {2}PASS {2}Connection Timeout \(504 errors\) -> inspect security groups$/m);
    expect(demo.stdout).not.toContain('(simulated)');
    expect(demo.stdout).toContain(`$ runbook rehearse ${DOCUMENT} -e production `);
    expect(demo.stdout).toContain(` --approve-as ${approver} --approve\n`);
    expect(demo.stdout).toMatch(new RegExp(`^ {8}approval {22}approved by ${approver.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} in step approveRuleChange`, 'm'));
    expect(demo.stdout).toMatch(/^ {8}rule added by the runbook {5}sgr-[0-9a-f]+ \(authorizeIngress, then verifyIngress: verified\); the rule is back$/m);
  });

  it('prints the exports that reach the account it played in, the emulator left running (review 23a R23a-15)', () => {
    expect(demo.stdout).toContain(`Done; the emulator at ${endpoint} keeps running (account ${accountId}).\n`);
    expect(demo.stdout).toContain(`  export AWS_ENDPOINT_URL='${endpoint}'\n`);
    expect(demo.stdout).toContain(`  export AWS_ACCESS_KEY_ID='${accessKeyIdForAccount(accountId)}'\n`);
    expect(demo.stdout).toContain(`  export RUNBOOK_ENVIRONMENT='production'\n  export RUNBOOK_ACCOUNT_ID='${accountId}'\n`);
  });

  it("narrates the rehearsal's own steps: the approval is answered before authorizeIngress runs, and the run succeeds", () => {
    const steps = [...demo.stdout.matchAll(/^ {4}\| \[\d+\] (\w+) \(aws:\w+\)/gm)].map((m) => m[1]);
    expect(steps.indexOf('inspectSecurityGroups')).toBeGreaterThan(-1);
    expect(steps.indexOf('approveRuleChange')).toBeGreaterThan(steps.indexOf('inspectSecurityGroups'));
    expect(steps.indexOf('authorizeIngress')).toBe(steps.indexOf('approveRuleChange') + 1);
    expect(steps.at(-1)).toBe('verifyIngress');
    expect(demo.stdout).toContain(`    |     ok: approved by ${approver}\n`);
    expect(demo.stdout).toContain('  runbook rehearse exited 0\n');
  });

  it("shows the document's calls around the one ingress rule added: the alarm read first, the rule verified after", () => {
    const names = calls.map((c) => `${c.service} ${c.operation}`);
    // After the sandbox's own provisioning: from the demo's "deploy" that drops the rule.
    const broken = names.indexOf('ec2 RevokeSecurityGroupIngress');
    expect(broken).toBeGreaterThan(-1);
    const added = names.flatMap((n, i) => (i > broken && n === 'ec2 AuthorizeSecurityGroupIngress' ? [i] : []));
    // One rule added since, by the document run as `runbook rehearse` runs it: the account checked with STS first
    // (decision 151), the 504 alarm read by name by checkAlarmExists and readAlarm, the two groups described for the approval,
    // the approval request published to the approval topic (review 11a finding 8), then the rule, then verifyIngressPort
    // and verifyIngress reading it back by its id. The demo itself adds nothing.
    expect(added).toHaveLength(1);
    const at = added[0] ?? -1;
    const before = names.slice(broken, at);
    // The escalation path's own calls (the page: STS, Scheduler, SNS; review 23a R23a-1) come between the inspection and
    // the rehearsal: the run starts at the last STS call before the rule.
    expect(before.lastIndexOf('sts GetCallerIdentity')).toBeGreaterThan(-1);
    const run = before.slice(before.lastIndexOf('sts GetCallerIdentity'));
    // The 504 alarm read by its name (review 12, R12-1), never by DescribeAlarmsForMetric: checkAlarmExists and readAlarm
    // are the run's first two calls; the inspection Lambda's own re-read of the alarm comes after.
    expect(run.slice(1, 3)).toEqual(['monitoring DescribeAlarms', 'monitoring DescribeAlarms']);
    expect(run).not.toContain('monitoring DescribeAlarmsForMetric');
    expect(names.slice(at - 3, at)).toEqual(['ec2 DescribeSecurityGroups', 'ec2 DescribeSecurityGroups', 'sns Publish']);
    // verifyIngressPort and verifyIngress read the rule by the id authorizeIngress answered (review 22b, R22b-2).
    expect(names.slice(at + 1, at + 3)).toEqual(['ec2 DescribeSecurityGroupRules', 'ec2 DescribeSecurityGroupRules']);
  });

  it('leaves the database group allowing PostgreSQL from the consumer group again, with the rule the runbook describes', async () => {
    const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: accessKeyIdForAccount(accountId), secretAccessKey: 'sandbox-secret-access-key' } });
    try {
      const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [DATABASE_GROUP, LAMBDA_GROUP] }] }))).SecurityGroups ?? [];
      const database = groups.find((g) => g.GroupName === DATABASE_GROUP);
      const lambda = groups.find((g) => g.GroupName === LAMBDA_GROUP);
      const pairs = (database?.IpPermissions ?? []).filter((p) => p.IpProtocol === 'tcp' && p.FromPort === POSTGRES_PORT).flatMap((p) => p.UserIdGroupPairs ?? []);
      expect(pairs.filter((pair) => pair.GroupId === lambda?.GroupId)).toEqual([expect.objectContaining({ Description: expect.stringMatching(new RegExp(`^${DOCUMENT}: `)) })]);
    } finally {
      ec2.destroy();
    }
  });
});
