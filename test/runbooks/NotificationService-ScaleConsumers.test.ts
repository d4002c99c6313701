// NotificationService-ScaleConsumers rehearsed against the emulator: the document runs the real scale-consumers bundle.
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../integration/support/sandbox-account';
import { decisionOf, expectSucceeded, rehearseDocument } from './support/rehearse-cli';

const DOCUMENT = 'NotificationService-ScaleConsumers';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

describe(DOCUMENT, () => {
  let account: SandboxAccount;

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('scales the queue consumers one step through the scale-consumers Lambda while the queue alarm is in ALARM', async () => {
    expect(await maximumConcurrency(account)).toBe(50);
    await account.transition(queueAlarmName(account.topology), 'ALARM');

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expectSucceeded({ status, result, stderr });
    expect(result.status).toBe('Success');
    expect(decisionOf(result, 'runScaleConsumers')).toMatchObject({ playbook: 'scale-consumers', outcome: 'applied' });
    expect(result.outputs['readConsumers.MaximumConcurrency']).toBe(100);
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('restores the baseline through the same Lambda once the alarm is back to OK', async () => {
    await account.transition(queueAlarmName(account.topology), 'OK');

    const { status, result } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expect(status).toBe(0);
    expect(decisionOf(result, 'runScaleConsumers')).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('restore') });
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('stops at the first step, changing nothing, when the alarm has no data yet', async () => {
    await account.transition(queueAlarmName(account.topology), 'INSUFFICIENT_DATA');

    const { status, result } = await rehearseDocument(DOCUMENT, { QueueName: account.topology.queue.name }, account.env);

    expect(status).toBe(1);
    expect(result).toMatchObject({ status: 'Failed', failure: { step: 'checkAlarmState', message: expect.stringContaining('INSUFFICIENT_DATA') } });
    expect(result.steps.map((s) => s.step)).toEqual(['checkAlarmState']);
    expect(await maximumConcurrency(account)).toBe(50);
  });
});
