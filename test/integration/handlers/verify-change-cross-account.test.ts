// Cross-account mode on the emulator: scale-consumers changes a workload account's consumers through its remediation role,
// and verify-change, running in the operations account, reads the workload's metrics and reverts there through its own.
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV } from '../../../shared/aws/account-clients';
import { WORKLOAD_ACCOUNT_ENV } from '../../../shared/config/names';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { createSandboxClock, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import { loadHandler } from '../../support/load-handler';
import { provisionAccount, putLambdaMetrics, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { handlerScheduleDriver } from '../support/handler-schedules';
import { sandboxRemediationTrust } from '../support/remediation-trust';

const SCALE_ROLE = 'notification-runbooks-remediate-scale-consumers';
const VERIFY_ROLE = 'notification-runbooks-remediate-verify-change';

/** A handler's remediation role in the workload, with infra's trust (the gap proxy judges the session's tags against it; decision 147). */
async function createRemediationRole(workload: SandboxAccount, operations: SandboxAccount, roleName: string): Promise<void> {
  const handler = roleName.replace(/^notification-runbooks-remediate-/, '');
  await new IAMClient(workload.clientConfig).send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: sandboxRemediationTrust(operations.accountId, handler, operations.clientConfig.region ?? '?') }),
  );
}

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}


async function assumeRoleCalls(accountId: string, since: number): Promise<number> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since);
  return calls.filter((c) => c.accountId === accountId && c.service === 'sts' && c.operation === 'AssumeRole').length;
}

describe('verify-change in cross-account mode', () => {
  let operations: SandboxAccount;
  let scale: AlarmHandler;
  let verify: VerifyChangeHandler;

  beforeAll(async () => {
    operations = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
  });

  afterEach(() => {
    delete process.env[REMEDIATION_ROLE_ENV];
    delete process.env[OWN_ACCOUNT_ENV];
    delete process.env[WORKLOAD_ACCOUNT_ENV];
  });

  /** A fresh workload account with both roles; each handler's container configured as infra configures it. */
  async function workloadWithHandlers(): Promise<{ workload: SandboxAccount; driver: SchedulerDriver }> {
    const workload = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
    await createRemediationRole(workload, operations, SCALE_ROLE);
    await createRemediationRole(workload, operations, VERIFY_ROLE);
    // The handlers run with the operations account's credentials.
    Object.assign(process.env, operations.env, { [REMEDIATION_ROLE_ENV]: SCALE_ROLE, [OWN_ACCOUNT_ENV]: operations.accountId, [WORKLOAD_ACCOUNT_ENV]: workload.accountId });
    scale = loadHandler('scale-consumers');
    Object.assign(process.env, { [REMEDIATION_ROLE_ENV]: VERIFY_ROLE });
    verify = loadHandler<VerifyChangeHandler>('verify-change');
    const driver = handlerScheduleDriver(operations, 'verify-change', verify);
    return { workload, driver };
  }

  async function pastTheWindow(driver: SchedulerDriver): Promise<Decision[]> {
    const clock = createSandboxClock();
    clock.advance(11 * 60_000);
    const fired = await driver.runDue(clock);
    for (const f of fired) if (f.error) throw f.error;
    return fired.map((f) => f.result as Decision);
  }

  it("reads the workload's metrics through its role and reverts a made-worse change there", async () => {
    const { workload, driver } = await workloadWithHandlers();
    await putLambdaMetrics(workload, { Invocations: 500, Errors: 2, Throttles: 0 });
    await putQueueDepth(workload); // the condition the alarm watches, made real (decision 217)
    const applied = await scale(await workload.transition(queueAlarmName(workload.topology), 'ALARM'));
    expect(applied).toMatchObject({ outcome: 'applied', account: workload.accountId, healthCheck: { windowMinutes: 10 } });
    expect(await maximumConcurrency(workload)).toBe(100);
    // The schedule lives where the automation runs.
    expect(await driver.pending()).toHaveLength(1);

    await putLambdaMetrics(workload, { Invocations: 300, Errors: 100, Throttles: 40 });
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const [verdict] = await pastTheWindow(driver);

    expect(verdict).toMatchObject({
      outcome: 'escalate',
      account: workload.accountId,
      escalation: { cause: 'made-worse' },
      reason: expect.stringMatching(/throttles appeared.*reverted to the recorded value/),
    });
    expect(await maximumConcurrency(workload)).toBe(50);
    expect(await maximumConcurrency(operations)).toBe(50);
    // verify-change assumed its own role in the workload, once.
    expect(await assumeRoleCalls(operations.accountId, since)).toBe(1);
  });

  it('escalates naming the figures when the workload published no datapoints after the change, and reverts nothing', async () => {
    const { workload, driver } = await workloadWithHandlers();
    await putQueueDepth(workload); // the condition the alarm watches, made real (decision 217)
    const applied = await scale(await workload.transition(queueAlarmName(workload.topology), 'ALARM'));
    expect(applied).toMatchObject({ outcome: 'applied', account: workload.accountId });

    const [verdict] = await pastTheWindow(driver);

    const fn = workload.topology.consumer.functionName;
    expect(verdict).toMatchObject({
      outcome: 'escalate',
      account: workload.accountId,
      escalation: { cause: 'unverifiable' },
      reason: expect.stringContaining(`no datapoints after the change for ${fn}.errors, ${fn}.invocations, ${fn}.throttles in account ${workload.accountId}`),
    });
    expect(verdict?.reason).not.toContain('verified healthy');
    expect(await maximumConcurrency(workload)).toBe(100);
  });
});
