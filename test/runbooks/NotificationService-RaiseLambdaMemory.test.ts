// NotificationService-RaiseLambdaMemory rehearsed against the emulator: the document runs the real raise-lambda-memory bundle.
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { alarmOf, decisionOf, expectSucceeded, rehearseDocument } from './support/rehearse-cli';

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

  it('sets exactly the memory the escalation named when MemorySize is given, without the Lambda', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { FunctionName: account.topology.consumer.functionName, MemorySize: 1024 }, account.env);

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).toEqual(['chooseHow', 'readCurrentMemory', 'checkNoUpdateInProgress', 'setMemory', 'waitForUpdate', 'readFunction']);
    expect(result.outputs).toMatchObject({ 'readCurrentMemory.MemorySize': 768, 'readFunction.MemorySize': 1024, 'readFunction.LastUpdateStatus': 'Successful' });
    expect(await memoryMb(account)).toBe(1024);
  });
});
