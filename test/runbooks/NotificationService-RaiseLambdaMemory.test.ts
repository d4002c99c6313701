// NotificationService-RaiseLambdaMemory rehearsed against the emulator: the document runs the real raise-lambda-memory bundle;
// a memory named by hand is within the environment's sizes, above the memory now, and set only after a configured approver approves.
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { projectConfig } from '../../shared/runbooks/rendered-runbook';
import { provisionAnotherFunction, type AnotherFunction } from '../integration/support/another-function';
import { provisionAccount, writeOutOfMemoryLines, type SandboxAccount } from '../integration/support/sandbox-account';
import { alarmOf, decisionOf, expectSucceeded, paramArgs, rehearseDocument, runCli, stepOutputs } from './support/rehearse-cli';
import { decoyListedFirst } from './support/decoy-alarm';
import { loseStateChangeThenUpdate, lostEventAccount, stampedWithTransition } from './support/lost-alarm-event';

/** --approve-as the configured approver (shared/config/defaults.ts: role/NotificationServiceRunbookApprover in the account). */
const approveAs = (account: SandboxAccount): string[] => ['--approve-as', `arn:aws:iam::${account.accountId}:role/NotificationServiceRunbookApprover`];

const DOCUMENT = 'NotificationService-RaiseLambdaMemory';

async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
  const configuration = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }));
  return configuration.MemorySize;
}

describe(DOCUMENT, () => {
  let account: SandboxAccount;

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('leaves the memory alone when the out-of-memory alarm is not firing', async () => {
    await account.transition(alarmOf(account.topology, 'raise-lambda-memory'), 'OK');

    const { status, result } = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName }, account.env);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'checkAlarmState', message: expect.stringContaining('"OK"') });
    expect(await memoryMb(account)).toBe(512);
  });

  it('raises the consumer from 512 to 768 MB through the raise-lambda-memory Lambda while the alarm is in ALARM', async () => {
    // A real out-of-memory exit (a Runtime.OutOfMemory line and the filter's count): the Lambda's own reading must bear
    // out the alarm before it raises (decision 217).
    await writeOutOfMemoryLines(account);
    await account.transition(alarmOf(account.topology, 'raise-lambda-memory'), 'ALARM');

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName }, account.env);

    expectSucceeded({ status, result, stderr });
    expect(decisionOf(result, 'runRaiseLambdaMemory')).toMatchObject({
      playbook: 'raise-lambda-memory',
      outcome: 'applied',
      before: { memoryMb: 512 },
      after: expect.objectContaining({ memoryMb: 768 }),
    });
    expect(result.outputs['readFunction.MemorySize']).toBe(768);
    expect(await memoryMb(account)).toBe(768);
  });

  it('refuses a MemorySize below the memory now (128 MB would be an outage) at run time, before the approval, changing nothing', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName, MemorySize: 128 }, account.env, [...approveAs(account), '--approve']);

    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['chooseHow', 'readCurrentMemory', 'checkRaise', 'refuseNotARaise']);
    expect(result.failure).toMatchObject({ step: 'refuseNotARaise', message: expect.stringContaining('768') });
    expect(await memoryMb(account)).toBe(768);
  });

  it('refuses a MemorySize above the production cap (3008 MB) before any step', async () => {
    const { status, stderr } = await runCli(['rehearse', DOCUMENT, '--json', ...approveAs(account), '--approve', ...paramArgs({ FunctionName: account.topology.consumer.functionName, MemorySize: 4096 })], account.env);

    expect(status).toBe(64);
    expect(stderr).toMatch(/MemorySize: 4096 is not one of 0, 128, 192, .*, 2944, 3008/);
    expect(await memoryMb(account)).toBe(768);
  });

  it('cannot be approved by the requester: only the configured approvers count', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName, MemorySize: 1024 }, account.env, ['--approve']);

    expect(status).toBe(1);
    expect(result.failure).toMatchObject({ step: 'approveMemory', message: expect.stringContaining('is not an approver of this step') });
    expect(await memoryMb(account)).toBe(768);
  });

  it('sets exactly the memory the escalation named once a configured approver approves, without the Lambda', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName, MemorySize: 1024 }, account.env, [
      ...approveAs(account),
      '--approve',
    ]);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).toEqual(['chooseHow', 'readCurrentMemory', 'checkRaise', 'whoRequested', 'checkRequesterIsNotApprover', 'approveMemory', 'checkNoUpdateInProgress', 'setMemory', 'waitForUpdate', 'readFunction']);
    expect(result.outputs).toMatchObject({ 'readCurrentMemory.MemorySize': 768, 'readFunction.MemorySize': 1024, 'readFunction.LastUpdateStatus': 'Successful' });
    expect(await memoryMb(account)).toBe(1024);
  });
});

// Review 12, R12-1's remainder: DescribeAlarmsForMetric lists every alarm on the out-of-memory count, in an order AWS does
// not document. The document reads its alarm by name; here another alarm on the same metric, OK, is listed first.
describe(`${DOCUMENT} with another alarm on the out-of-memory metric listed before its alarm`, () => {
  let account: SandboxAccount;

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('reads the out-of-memory alarm by its name and raises the memory', async () => {
    const oom = alarmOf(account.topology, 'raise-lambda-memory');
    const decoy = await decoyListedFirst(account.cloudWatch, oom, 'Payments OutOfMemoryErrors (any function)');
    try {
      expect(decoy.listed).toEqual([decoy.name, oom]);
      await account.transition(decoy.name, 'OK');
      await writeOutOfMemoryLines(account); // the out-of-memory exit the alarm counted (decision 217)
      await account.transition(oom, 'ALARM');

      const run = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName }, account.env);

      expectSucceeded(run);
      expect(stepOutputs(run.result, 'readAlarm')).toMatchObject({ AlarmName: oom, StateValue: 'ALARM' });
      expect(decisionOf(run.result, 'runRaiseLambdaMemory')).toMatchObject({ playbook: 'raise-lambda-memory', outcome: 'applied', alarmName: oom, before: { memoryMb: 512 } });
      expect(await memoryMb(account)).toBe(768);
    } finally {
      await decoy.remove();
    }
  });

  // Decision 211: on real Automation a `rejected` answer ended the execution Success. Here the document is pointed at
  // another automation Lambda (scale-consumers), which refuses the out-of-memory alarm's event: nothing is changed, and
  // the document fails itself with that answer, then still reads the function back.
  it('fails, with the answer in its message, when the Lambda it runs rejects the event: the memory unchanged', async () => {
    const oom = alarmOf(account.topology, 'raise-lambda-memory');
    await account.transition(oom, 'OK');
    await account.transition(oom, 'ALARM');
    const before = await memoryMb(account);

    const { status, result, stderr } = await rehearseDocument(
      DOCUMENT,
      { FunctionName: account.topology.consumer.functionName, RemediationFunctionName: 'notification-runbooks-scale-consumers' },
      account.env,
    );

    const answer = decisionOf(result, 'runRaiseLambdaMemory');
    expect(answer).toMatchObject({ playbook: 'scale-consumers', outcome: 'rejected' });
    expect(status).toBe(1);
    expect(stderr).not.toContain('WARNING');
    expect(result.failure).toEqual({
      step: 'automationDidNotAct',
      message: `$.MetricAlarms[0].StateValue is "ALARM", expected ${JSON.stringify(`the automation to have raised the memory; it did not, raise-lambda-memory answered ${JSON.stringify(answer)}`)}`,
    });
    expect(result.steps.map((s) => `${s.step}:${s.status}`).slice(-4)).toEqual(['runRaiseLambdaMemory:Success', 'checkAutomationActed:Success', 'automationDidNotAct:Failed', 'readFunction:Success']);
    expect(result.outputs['readFunction.MemorySize']).toBe(before);
    expect(await memoryMb(account)).toBe(before);
  });
});

// Decision 21's lost event after an EvaluationState-only update (decisions 154, 171; support/lost-alarm-event.ts).
describe(`${DOCUMENT} after an EvaluationState-only update of the alarm whose ALARM event was lost`, () => {
  const sandbox = lostEventAccount();

  it('raises the memory on the ALARM, its event stamped with StateTransitionedTimestamp, not the later update', async () => {
    const { account, control } = sandbox;
    await writeOutOfMemoryLines(account); // the out-of-memory exit the alarm counted (decision 217)
    const lost = await loseStateChangeThenUpdate(account, alarmOf(account.topology, 'raise-lambda-memory'), 'ALARM', control);

    const run = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName }, account.env);

    expectSucceeded(run);
    expect(stampedWithTransition(run.result, 'runRaiseLambdaMemory', lost)).toMatchObject({ playbook: 'raise-lambda-memory', outcome: 'applied', before: { memoryMb: 512 } });
    expect(await memoryMb(account)).toBe(768);
  });
});

// Review 22b, R22b-4 (decision 367): with several functions each has its own out-of-memory metric, OutOfMemoryErrors-<fn>,
// and alarm (decision 359). The document reads the metric from the alarm it reads (readAlarm's Namespace and MetricName),
// so the event it hands the Lambda names the second function's metric, which the Lambda maps to that function. With the
// metric written as literals (OutOfMemoryErrors, no dimensions) every such run was rejected: production owns 2 functions.
describe(`${DOCUMENT} in an environment that owns two functions`, () => {
  const SECOND = 'notification-service-sms-consumer';
  let account: SandboxAccount;
  let second: AnotherFunction;

  beforeAll(async () => {
    const functions = ['notification-service-consumer', SECOND];
    account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { resources: { functions } } } }) });
    expect(account.topology.consumer.functionName).toBe(functions[0]);
    // The sandbox provisions the first function; the second with its own alarm and filter from infra's specs (decision 363).
    second = await provisionAnotherFunction(account, projectConfig(account.env), SECOND);
    expect(second.oomMetric).toEqual({ namespace: 'NotificationService', metricName: `OutOfMemoryErrors-${SECOND}` });
  });

  it('raises the second function from 512 to 768 MB on its own alarm, the event naming its own metric; the first is untouched', async () => {
    await writeOutOfMemoryLines(second.asConsumer); // its kill, its filter's count, its AWS/Lambda Errors (decisions 217, 253)
    await account.transition(second.alarmName, 'ALARM');

    const run = await rehearseDocument(DOCUMENT, { FunctionName: SECOND }, account.env);

    expectSucceeded(run);
    expect(stepOutputs(run.result, 'readAlarm')).toMatchObject({ AlarmName: second.alarmName, Namespace: 'NotificationService', MetricName: `OutOfMemoryErrors-${SECOND}` });
    expect(decisionOf(run.result, 'runRaiseLambdaMemory')).toMatchObject({ playbook: 'raise-lambda-memory', outcome: 'applied', alarmName: second.alarmName, before: { memoryMb: 512 }, after: expect.objectContaining({ memoryMb: 768 }) });
    expect((await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: SECOND }))).MemorySize).toBe(768);
    expect(await memoryMb(account)).toBe(512);
  });
});
