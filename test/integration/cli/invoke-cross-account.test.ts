// `runbook invoke` in cross-account mode (REMEDIATION_ROLE_NAME set), as a person runs it, against the emulator: the CLI
// asks STS where the credentials are and acts there only as the run's own account (review 10b F1, decision 151).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount, uniqueAccountId, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';
import { sandboxRemediationTrust } from '../support/remediation-trust';
import { runCli } from '../../support/run-cli';

const ROLE = 'notification-runbooks-remediate-raise-lambda-memory';

function oomAlarm(account: SandboxAccount): string {
  const name = account.topology.alarmNamesByHandler['raise-lambda-memory']?.[0];
  if (!name) throw new Error('the topology has no raise-lambda-memory alarm');
  return name;
}

async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
  const configuration = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }));
  return configuration.MemorySize;
}

/** The OOM alarm's ALARM event of `account`, written to a file; `addressedTo` re-addresses it (account and ARNs) to another account. */
async function oomEventFile(account: SandboxAccount, addressedTo = account.accountId): Promise<string> {
  await writeOutOfMemoryLines(account); // the condition the alarm watches, made real (decision 217)
  const event = await account.transition(oomAlarm(account), 'ALARM');
  const file = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'event.json');
  writeFileSync(file, JSON.stringify(event).split(account.accountId).join(addressedTo));
  return file;
}

/** The roles `accountId`'s credentials asked STS to assume (the proxy's log; every test's accounts are its own). */
async function assumedRoles(accountId: string): Promise<string[]> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '');
  return calls.filter((c) => c.accountId === accountId && c.service === 'sts' && c.operation === 'AssumeRole').map((c) => c.parameters?.RoleArn ?? '');
}

describe('runbook invoke in cross-account mode', () => {
  it("refuses a leftover staging shell (REMEDIATION_ROLE_NAME, RUNBOOK_WORKLOAD_ACCOUNT_ID, RUNBOOK_ACCOUNT_ID) with production's credentials: exit 2, naming both accounts and RUNBOOK_ACCOUNT_ID, production's memory unchanged", async () => {
    // Review 10b F1's run: production's sandbox account and credentials; the shell last worked on staging.
    const production = await provisionAccount('production');
    const staging = uniqueAccountId();
    const file = await oomEventFile(production, staging);
    expect(await memoryMb(production)).toBe(512);

    const run = await runCli(['invoke', 'raise-lambda-memory', '--event', file], {
      ...production.env,
      RUNBOOK_CONFIG_JSON: '',
      RUNBOOK_ENVIRONMENT: 'staging',
      RUNBOOK_ACCOUNT_ID: staging,
      REMEDIATION_ROLE_NAME: 'notification-runbooks-remediate',
      RUNBOOK_WORKLOAD_ACCOUNT_ID: staging,
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`refused, nothing invoked or changed: your credentials are for account ${production.accountId}, but RUNBOOK_ACCOUNT_ID=${staging} says the runbooks run in account ${staging}`);
    expect(run.stderr).toContain(`unset RUNBOOK_ACCOUNT_ID (or set it to ${production.accountId}`);
    expect(run.stderr).not.toContain('applying under');
    // Read back: production's consumer is still 512 MB (was 768 MB, changed under staging's policy, before the fix).
    expect(await memoryMb(production)).toBe(512);
  });

  it("takes STS's account as the run's own, not the sandbox's fixed ARN hint: an event of 123456789012 with RUNBOOK_ACCOUNT_ID unset goes through that account's role, production's memory unchanged", async () => {
    // Without RUNBOOK_ACCOUNT_ID the handler took the invoked ARN's account (123456789012 under `runbook invoke`) for its
    // own: an event of that account was acted on with the caller's credentials, in the caller's account.
    const production = await provisionAccount('production');
    const hinted = '123456789012';
    const file = await oomEventFile(production, hinted);

    const run = await runCli(['invoke', 'raise-lambda-memory', '--event', file], {
      ...production.env,
      RUNBOOK_CONFIG_JSON: '',
      RUNBOOK_ENVIRONMENT: 'staging',
      RUNBOOK_ACCOUNT_ID: '',
      REMEDIATION_ROLE_NAME: 'notification-runbooks-remediate',
      RUNBOOK_WORKLOAD_ACCOUNT_ID: hinted,
    });
    expect(run.stderr).toContain(`reached through its remediation role from your account ${production.accountId} (STS)`);
    // The role of the event's account was asked for (the sandbox has none there: refused), never production's own clients:
    // twice, each refused, since decision 194 (the alarm's re-read before the claim asks for the session, then the
    // remediation's reads ask again; a refused session is not cached).
    const role = `arn:aws:iam::${hinted}:role/notification-runbooks-remediate`;
    expect(await assumedRoles(production.accountId)).toEqual([role, role]);
    expect(run.stdout).not.toMatch(/"outcome": "applied"/);
    expect(await memoryMb(production)).toBe(512);
  });

  it("still applies from the operations account through the workload's remediation role (RUNBOOK_ACCOUNT_ID unset): the workload's consumer raised, the operations account's untouched", async () => {
    const operations = await provisionAccount('staging');
    const workload = await provisionAccount('staging');
    await new IAMClient(workload.clientConfig).send(
      new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: sandboxRemediationTrust(operations.accountId, 'raise-lambda-memory', workload.clientConfig.region ?? '?') }),
    );
    const file = await oomEventFile(workload);

    const run = await runCli(['invoke', 'raise-lambda-memory', '--event', file], {
      ...operations.env,
      RUNBOOK_CONFIG_JSON: '',
      RUNBOOK_ENVIRONMENT: 'staging',
      RUNBOOK_ACCOUNT_ID: '',
      REMEDIATION_ROLE_NAME: ROLE,
      RUNBOOK_WORKLOAD_ACCOUNT_ID: workload.accountId,
    });
    expect(run.stderr).toContain(`applying under staging's policy: staging is account ${workload.accountId} (RUNBOOK_ENVIRONMENT=staging with RUNBOOK_WORKLOAD_ACCOUNT_ID), reached through its remediation role from your account ${operations.accountId} (STS)`);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'applied', playbook: 'raise-lambda-memory' });
    expect(await assumedRoles(operations.accountId)).toEqual([`arn:aws:iam::${workload.accountId}:role/${ROLE}`]);
    expect(await memoryMb(workload)).toBe(768);
    expect(await memoryMb(operations)).toBe(512);
  });
});
