// Review 10a finding 11, the CLI's first hour: an unreadable event file is usage (64) for `plan` as for `invoke`, an
// unknown alarm lists the environment's alarms, no region says --region, and `runbook --version` answers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { planCommand } from '../../../cli/plan';
import { buildProgram, main } from '../../../cli/runbook';
import { scenarios } from '../../../cli/demo/scenarios';
import { readBackLines } from '../../../cli/demo/index';
import { sandboxEnv } from '../../../sandbox/credentials';
import { version } from '../../../package.json';

describe('runbook CLI rough edges', () => {
  const saved = { ...process.env };
  let dir: string;
  let errors: jest.SpyInstance;
  let logs: jest.SpyInstance;
  let writes: jest.SpyInstance;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rough-'));
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    writes = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    process.env.AWS_REGION = 'us-east-1';
    process.env.RUNBOOK_ENVIRONMENT = 'production';
  });
  afterEach(() => {
    errors.mockRestore();
    logs.mockRestore();
    writes.mockRestore();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });
  const said = (): string => errors.mock.calls.map((c) => c.map(String).join(' ')).join('\n');

  it('answers an event file it cannot read with the usage code (64), not "AWS failure" (1)', async () => {
    await expect(planCommand({ event: join(dir, 'missing.json') })).resolves.toBe(64);
    expect(said()).toMatch(/runbook plan: cannot read event file .*missing\.json: ENOENT/);
  });

  it("lists the environment's alarms for an alarm name CloudWatch does not know (exit 2)", async () => {
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    try {
      await expect(planCommand({ alarm: 'nope', environment: 'production' })).resolves.toBe(2);
    } finally {
      cloudWatch.restore();
    }
    expect(said()).toMatch(/no metric alarm named "nope" in us-east-1; production's alarms there \(runbook list shows them too\):/);
    expect(said()).toContain('  NotificationService Queue Depth > 1000 (notification-service-queue)');
    expect(said()).toContain('  NotificationService RDS CPUUtilization > 70% (notification-service-db)');
  });

  it('says to pass --region when no region is set anywhere, with the usage code', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_PROFILE;
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    writeFileSync(process.env.AWS_CONFIG_FILE, '[default]\noutput = json\n');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials-none');
    await expect(main(['node', 'runbook', 'plan', '--alarm', 'x', '-e', 'production'])).resolves.toBe(64);
    expect(said()).toMatch(/no AWS region: pass --region \(e\.g\. --region us-east-1\), or set AWS_REGION/);
  });

  it('prints its version with --version and exits 0', async () => {
    await expect(main(['node', 'runbook', '--version'])).resolves.toBe(0);
    expect(writes.mock.calls.map((c) => String(c[0])).join('')).toBe(`${version}\n`);
  });

  it("names every demo scenario in demo --help, as --only takes them", () => {
    const demo = buildProgram(() => undefined).commands.find((c) => c.name() === 'demo');
    let help = '';
    demo?.configureOutput({ writeOut: (text) => (help += text), writeErr: () => undefined });
    demo?.outputHelp();
    for (const scenario of scenarios) expect(help).toContain(`  ${scenario.name.padEnd(20)} ${scenario.title}`);
    expect(scenarios.map((sc) => sc.name)).toEqual(expect.arrayContaining(['queue-backup', 'escalation', 'dr-standby']));
  });

  // Review 23a R23a-10 and R23a-3: the examples on call copies must be ones that can work.
  const helpOf = (verb: string): string => {
    const command = buildProgram(() => undefined).commands.find((c) => c.name() === verb);
    let help = '';
    command?.configureOutput({ writeOut: (text) => (help += text), writeErr: () => undefined });
    command?.outputHelp();
    return help;
  };

  it("exec --help never shows the requester approving a gated project document (decision 202 refuses it)", () => {
    const help = helpOf('exec');
    const examples = help.split('\n').filter((line) => line.trimStart().startsWith('runbook exec NotificationService-'));
    expect(examples).toEqual([
      '  runbook exec NotificationService-ScaleConsumers --param QueueName=notification-service-queue',
      '  runbook exec NotificationService-ScaleUpDatabase -p DBInstanceIdentifier=notification-service-db -p TargetInstanceClass=db.r6g.2xlarge',
      // withAwsTargetOptions' own example lines (the profile's, the region's)
      expect.stringContaining('runbook exec NotificationService-ScaleConsumers -p QueueName=notification-service-queue'),
      '  runbook exec NotificationService-ScaleConsumers -p QueueName=notification-service-queue --region us-west-2',
    ]);
    expect(examples.join('\n')).not.toContain('--approve');
    expect(help).toContain('the requester does not approve it, the document refuses that (decision 202)');
  });

  it('invoke --help takes the alarm by name, the example the README gives', () => {
    const help = helpOf('invoke');
    expect(help).toContain('--alarm <name>');
    expect(help).toContain('runbook invoke scale-consumers --alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" -e production');
    expect(help).not.toContain('--event alarm.json');
  });

  it('demo --endpoint prints the exports that reach the account it played in (review 23a R23a-15)', () => {
    // The environment attachSandbox gives the session (sandbox/session.ts): the sandbox's variables for the account, with
    // RUNBOOK_ENVIRONMENT and RUNBOOK_ACCOUNT_ID.
    const env: Record<string, string> = { ...sandboxEnv({ endpoint: 'http://127.0.0.1:44251', accountId: '868565066488', region: 'us-east-1', inherited: {} }), RUNBOOK_ENVIRONMENT: 'production', RUNBOOK_ACCOUNT_ID: '868565066488' };
    const lines = readBackLines(env);
    expect(lines).toEqual([
      'To read what the demo did there (runbook history, runbook incidents, the aws CLI), in a shell:',
      "  export AWS_ENDPOINT_URL='http://127.0.0.1:44251'",
      "  export AWS_REGION='us-east-1'",
      "  export AWS_DEFAULT_REGION='us-east-1'",
      "  export AWS_ACCESS_KEY_ID='AKIA868565066488MOTO'",
      `  export AWS_SECRET_ACCESS_KEY='${env.AWS_SECRET_ACCESS_KEY ?? ''}'`,
      "  export RUNBOOK_ENVIRONMENT='production'",
      "  export RUNBOOK_ACCOUNT_ID='868565066488'",
    ]);
    // Pasted into a shell, they reach a child process (the CLI): moto's key for that account, not the default account's.
    const printed = execFileSync('/bin/sh', ['-c', `${lines.slice(1).join('\n')}\nexec env`], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(printed).toContain('AWS_ACCESS_KEY_ID=AKIA868565066488MOTO\n');
    expect(printed).toContain('RUNBOOK_ACCOUNT_ID=868565066488\n');
  });
});
