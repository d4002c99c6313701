// The runbook command as a person runs it: a real process, against the emulator.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { provisionAccount, putDatabaseCpu, putQueueDepth, queueAlarmName } from '../support/sandbox-account';
import { runCli } from '../../support/run-cli';

const root = join(__dirname, '../../..');
const bin = join(root, 'bin/runbook.mjs');

describe('runbook invoke', () => {
  it('runs the built bundle against AWS_ENDPOINT_URL and prints the decision', async () => {
    const account = await provisionAccount('production');
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    writeFileSync(file, JSON.stringify(event));
    const { status, stdout } = await runCli(['invoke', 'scale-consumers', '--event', file], account.env);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'applied', playbook: 'scale-consumers' });
    const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
    expect(mapping.ScalingConfig?.MaximumConcurrency).toBe(100);
  });

  it('takes the alarm by name, as the README example does (review 23a R23a-3): its current state, as CloudWatch would send it', async () => {
    const account = await provisionAccount('production');
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const alarmName = queueAlarmName(account.topology);
    await account.transition(alarmName, 'ALARM');

    const unknown = await runCli(['invoke', 'scale-consumers', '--alarm', 'NotificationService Queue Depth > 1000 (no-such-queue)'], account.env);
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('runbook invoke: no metric alarm named "NotificationService Queue Depth > 1000 (no-such-queue)"');
    expect(unknown.stderr).toContain(`  ${alarmName}\n`);
    const both = await runCli(['invoke', 'scale-consumers', '--alarm', alarmName, '--event', '-'], account.env);
    expect(both.status).toBe(64);
    expect(both.stderr).toContain('give exactly one of --event FILE or --alarm NAME');
    let mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
    expect(mapping.ScalingConfig?.MaximumConcurrency).toBe(50);

    const { status, stdout, stderr } = await runCli(['invoke', 'scale-consumers', '--alarm', alarmName], account.env);
    expect(stderr).toContain("runbook invoke: applying under production's policy");
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'applied', playbook: 'scale-consumers' });
    mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
    expect(mapping.ScalingConfig?.MaximumConcurrency).toBe(100);
  });

  it("refuses to apply under staging's policy with production's credentials: exit 2, says which account, the consumers and the records untouched", async () => {
    const account = await provisionAccount('production');
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    writeFileSync(file, JSON.stringify(event));

    // Review 10a finding 2's run: the sandbox's production pair exported, -e staging.
    const unstated = await runCli(['invoke', 'scale-consumers', '--event', file, '-e', 'staging'], account.env);
    expect(unstated.status).toBe(2);
    expect(unstated.stdout).toBe('');
    expect(unstated.stderr).toMatch(/refused, nothing invoked or changed: nothing states which account staging is in/);
    expect(unstated.stderr).toContain(`account ${account.accountId} cannot be verified as staging's`);
    expect(unstated.stderr).toMatch(/--unverified-account applies anyway/);
    // plan previews under staging's policy all the same, and says the account is not staging's as far as anyone stated.
    const planned = await runCli(['plan', '--event', file, '-e', 'staging'], account.env);
    expect(planned.status).toBe(0);
    expect(planned.stderr).toContain(`runbook plan: note: nothing states which account staging is in`);
    expect(planned.stderr).toMatch(/runbook invoke would refuse to apply here\n$/);

    // Staging's account configured: the credentials are named as another account's.
    const staging = account.accountId === '222222222222' ? '333333333333' : '222222222222';
    const configured = await runCli(['invoke', 'scale-consumers', '--event', file, '-e', 'staging', '--unverified-account'], {
      ...account.env,
      RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { staging: { accountId: staging } } }),
    });
    expect(configured.status).toBe(2);
    expect(configured.stderr).toContain(`your credentials are for account ${account.accountId}, but staging is account ${staging} (environments.staging.accountId)`);

    const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
    expect(mapping.ScalingConfig?.MaximumConcurrency).toBe(50);
    const history = await runCli(['history', account.topology.queue.name, '--json'], account.env);
    expect((JSON.parse(history.stdout) as { entries: unknown[] }).entries).toEqual([]);
  });

  it.each([
    ['not JSON at all', 'this is not an event'],
    ['a configuration-change event', JSON.stringify({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm Configuration Change', detail: {} })],
  ])('rejects %s with a clean message and exit code 2, never a stack trace', async (_name, body) => {
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    writeFileSync(file, body);
    // A dry run: the handler's parser is the same, and no account check stands before it (this test provisions no account).
    const { status, stderr } = await runCli(['invoke', 'scale-consumers', '--event', file, '-e', 'production', '--dry-run'], {});
    expect(status).toBe(2);
    expect(stderr).toMatch(/event rejected: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says what to do when the environment is not given', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    writeFileSync(file, '{}');
    const { status, stderr } = await runCli(['invoke', 'scale-consumers', '--event', file], { RUNBOOK_ENVIRONMENT: '' });
    expect(status).toBe(64);
    expect(stderr).toMatch(/--environment/);
  });
});

describe('runbook plan and history', () => {
  it('previews the change without making or claiming it, then history shows what the handler really did', async () => {
    const account = await provisionAccount('production');
    const alarmName = queueAlarmName(account.topology);
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(alarmName, 'ALARM');
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    writeFileSync(file, JSON.stringify(event));

    const byAlarm = await runCli(['plan', '--alarm', alarmName, '--json'], account.env);
    expect(byAlarm.status).toBe(0);
    expect(JSON.parse(byAlarm.stdout)).toMatchObject({ outcome: 'dry-run', playbook: 'scale-consumers', after: { maximumConcurrency: expect.any(Object) } });
    const byEvent = await runCli(['plan', '--event', file], account.env);
    expect(byEvent.status).toBe(0);
    expect(byEvent.stdout).toMatch(/MaximumConcurrency 50 -> 100/);
    expect(byEvent.stderr).not.toMatch(/note:/);
    const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
    expect(mapping.ScalingConfig?.MaximumConcurrency).toBe(50);

    // The preview claimed nothing: the real delivery still acts.
    const invoked = await runCli(['invoke', 'scale-consumers', '--event', file], account.env);
    expect(JSON.parse(invoked.stdout)).toMatchObject({ outcome: 'applied' });

    const history = await runCli(['history', account.topology.queue.name, '--json'], account.env);
    expect(history.status).toBe(0);
    const entries = (JSON.parse(history.stdout) as { entries: Array<{ decision: { outcome: string; before: unknown; after: unknown } }> }).entries;
    expect(entries).toEqual([expect.objectContaining({ decision: expect.objectContaining({ outcome: 'applied' }) })]);
  });

  it("finds a database by its name: the decision scale-up-database recorded on it, with the environment; a name it does not know lists the candidates, exit 2", async () => {
    const account = await provisionAccount('production');
    const cpuAlarm = account.topology.alarms.find((a) => a.rowId === 'cpu-utilization')?.name ?? '';
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    await putDatabaseCpu(account); // the condition the alarm watches, made real (decision 217)
    writeFileSync(file, JSON.stringify(await account.transition(cpuAlarm, 'ALARM')));
    const invoked = await runCli(['invoke', 'scale-up-database', '--event', file], account.env);
    expect(invoked.status).toBe(0);
    const decision = JSON.parse(invoked.stdout) as { outcome: string; resource: { arn: string } };
    expect(decision.resource.arn).toBe(account.topology.database.arn);

    const byName = await runCli(['history', account.topology.database.identifier], account.env);
    expect(byName.status).toBe(0);
    expect(byName.stdout).toContain(`history of ${account.topology.database.arn} (most recent first; state table `);
    expect(byName.stdout).toMatch(new RegExp(`\\n\\S+Z\\s+production\\s+${decision.outcome}\\s+scale-up-database\\s`));

    const unknown = await runCli(['history', 'notification-service'], account.env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/"notification-service" is none of the production resources the automation acts on/);
    expect(unknown.stderr).toContain(`database ${account.topology.database.identifier}: ${account.topology.database.arn}`);
    expect(unknown.stderr).toContain(`queue ${account.topology.queue.name}: `);
  });

  it('rejects an alarm no playbook handles, saying why each declined', async () => {
    const account = await provisionAccount('production');
    const cpuAlarm = account.topology.alarms.find((a) => a.rowId === 'cpu-utilization')?.name ?? '';
    const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
    await putDatabaseCpu(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(cpuAlarm, 'ALARM');
    (event as { detail: { configuration: { metrics: Array<{ metricStat?: { metric: { namespace: string } } }> } } }).detail.configuration.metrics.forEach((m) => {
      if (m.metricStat) m.metricStat.metric.namespace = 'Custom/Unknown';
    });
    writeFileSync(file, JSON.stringify(event));
    const { status, stderr } = await runCli(['plan', '--event', file], account.env);
    expect(status).toBe(2);
    expect(stderr).toMatch(/no playbook handles alarm/);
  });
});

describe('runbook sandbox', () => {
  it('prints AWS_ENDPOINT_URL, stays in the foreground, and leaves no emulator behind on Ctrl-C', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'runbook-'));
    const child = spawn(process.execPath, [bin, 'sandbox', '--log-dir', logDir], {
      cwd: root,
      env: { ...process.env, AWS_ENDPOINT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      // A guard against a sandbox that never says it is ready, not a bound on how fast it starts (its own moto and an
      // account provisioned: seconds on an idle machine, over 50 s at load 20); the Ctrl-C below is then sent all the same.
      const timer = setTimeout(() => {
        child.kill('SIGINT');
        reject(new Error(`no AWS_ENDPOINT_URL line in: ${out}`));
      }, 240_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /^export AWS_ENDPOINT_URL='(http:\/\/127\.0\.0\.1:\d+)'$/m.exec(out);
        if (match?.[1] && out.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const answered = await fetch(`${endpoint}/moto-api/`).then((r) => r.status).catch(() => 0);
    expect(answered).toBeGreaterThan(0);
    // Review 23a R23a-17: the lines a shell can source, also in <log dir>/env, with the region the aws CLI v1 reads.
    const envFile = readFileSync(join(logDir, 'env'), 'utf8');
    expect(envFile).toContain(`export AWS_ENDPOINT_URL='${endpoint}'\n`);
    expect(envFile).toMatch(/^export AWS_DEFAULT_REGION='us-east-1'$/m);
    expect(out).toContain(envFile);
    const exitCode = await new Promise<number | null>((resolve) => {
      child.on('exit', (code) => resolve(code));
      child.kill('SIGINT');
    });
    expect(exitCode).toBe(0);
    const after = await fetch(`${endpoint}/moto-api/`).then((r) => r.status).catch(() => 'refused');
    expect(after).toBe('refused');
  });
});

describe('runbook demo without moto', () => {
  it('says how to install moto and exits 69', async () => {
    const { status, stderr } = await runCli(['demo'], { PATH: dirname(process.execPath) });
    expect(status).toBe(69);
    expect(stderr).toContain('pip install "moto[server]"');
  });
});
