// Queue Backup's hysteresis on the emulator (decision 185): scale-consumers through its real entry point, the queue's
// alarms evaluated by the sandbox's CloudWatch stand-in on the real queue depth, assertions on the emulator's state.
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { createAlarmEvaluator, type AlarmEvaluator, type AlarmTransition } from '../../../sandbox/alarm-evaluator';
import { loadHandler } from '../../support/load-handler';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

const LOW_WATER = 'NotificationService Queue Drained < 100 for 5 min (notification-service-queue)';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }))).ReservedConcurrentExecutions;
}

/** The baseline the automation recorded on the queue's resource state, as the state table holds it (undefined: none). */
async function recordedBaseline(account: SandboxAccount, resourceArn: string): Promise<unknown> {
  const item = await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `RESOURCE#${resourceArn}`, sk: 'STATE' } }));
  return (item.Item as { baseline?: unknown } | undefined)?.baseline;
}

/** `count` messages on the queue, 10 per SendMessageBatch. */
async function enqueue(account: SandboxAccount, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 10) {
    await account.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: account.topology.queue.url,
        Entries: Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ notification: sent + i }) })),
      }),
    );
  }
}

async function setKillSwitch(account: SandboxAccount, value: string): Promise<void> {
  const ssm = new SSMClient(account.clientConfig);
  await ssm.send(new PutParameterCommand({ Name: account.topology.killSwitch.name, Value: value, Type: 'String', Overwrite: true }));
  ssm.destroy();
}

const moved = (transitions: readonly AlarmTransition[]): Array<[string, string, string]> => transitions.map((t) => [t.alarmName, t.from, t.to]);

describe('scale-consumers with a low watermark: the baseline comes back when the backlog has drained, not at the first OK', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  let evaluator: AlarmEvaluator;
  let depthAlarm: string;
  let resourceArn: string;

  /** One minute of the sandbox's CloudWatch: each state change delivered to the handler as its rule would. */
  async function minute(): Promise<{ transitions: AlarmTransition[]; decisions: Decision[] }> {
    const transitions = await evaluator.evaluateOnce();
    const decisions: Decision[] = [];
    for (const t of transitions) decisions.push(await handler(t.event));
    return { transitions, decisions };
  }

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('scale-consumers');
    evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology });
    depthAlarm = queueAlarmName(account.topology);
  });

  it('scales up on the depth alarm, waits at its first OK with 150 still queued, and restores only at the low-water alarm, once', async () => {
    // The depth alarm's ALARM is set directly: filling moto's queue past 1000 costs O(depth) per send (test/integration/sandbox/provision.test.ts).
    const fired = await handler(await account.transition(depthAlarm, 'ALARM'));
    expect(fired).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('MaximumConcurrency 50 -> 100') });
    resourceArn = fired.resource?.arn ?? '';
    const baseline = { mappings: { [account.topology.consumer.mappingUuid]: 50 }, reservedConcurrency: { [account.topology.consumer.functionName]: 100 } };
    expect(await recordedBaseline(account, resourceArn)).toEqual(baseline);

    // The first minute under 1000: the depth alarm goes OK with 150 queued (above the watermark); the low-water alarm leaves INSUFFICIENT_DATA for OK.
    await enqueue(account, 150);
    const firstOk = await minute();
    expect(moved(firstOk.transitions)).toEqual([
      [depthAlarm, 'ALARM', 'OK'],
      [LOW_WATER, 'INSUFFICIENT_DATA', 'OK'],
    ]);
    expect(firstOk.decisions.map((d) => [d.alarmName, d.outcome, d.reason])).toEqual([
      [
        depthAlarm,
        'skipped',
        `restore waits for the low-water alarm "${LOW_WATER}" (the queue under 100 messages for 5 min): the queue still holds 150 messages at this OK, at or above the low watermark of 100; nothing changed, the recorded baseline is kept`,
      ],
      [LOW_WATER, 'skipped', `"${LOW_WATER}" is the queue's low-water alarm: its OK (the queue above the watermark again) restores nothing; scale-consumers acts on its ALARM only`],
    ]);
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, resourceArn)).toEqual(baseline);

    // The queue drains: four minutes under 100 are not five, nothing moves and the consumers stay scaled up.
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    for (let m = 1; m <= 4; m++) {
      expect(moved((await minute()).transitions)).toEqual([]);
      expect(await maximumConcurrency(account)).toBe(100);
    }

    // The fifth: the low-water alarm fires. Delivered ten times at once, as a retried rule may: one restore.
    const drained = await evaluator.evaluateOnce();
    expect(moved(drained)).toEqual([[LOW_WATER, 'OK', 'ALARM']]);
    const event = drained[0]?.event ?? {};
    const decisions = await Promise.all(Array.from({ length: 10 }, () => handler(event)));
    expect(decisions.filter((d) => d.outcome === 'applied').map((d) => d.reason)).toEqual([
      `restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50`,
    ]);
    expect(decisions.filter((d) => d.outcome === 'skipped' && d.reason.startsWith('duplicate delivery'))).toHaveLength(9);
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await reservedConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, resourceArn)).toBeUndefined();
  });

  it('does nothing at the next drain, with no scale-up to undo', async () => {
    await enqueue(account, 150);
    expect(moved((await minute()).transitions)).toEqual([[LOW_WATER, 'ALARM', 'OK']]);
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    for (let m = 1; m <= 4; m++) expect((await minute()).transitions).toEqual([]);
    const { transitions, decisions } = await minute();
    expect(moved(transitions)).toEqual([[LOW_WATER, 'OK', 'ALARM']]);
    expect(decisions).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'nothing to restore: the queue notification-service-queue has drained and the automation has not scaled its consumers' }),
    ]);
    expect(await maximumConcurrency(account)).toBe(50);
  });
});

describe('scale-consumers at the low-water alarm under the kill switch', () => {
  it('plans the restore but changes nothing and keeps the baseline; with the switch off, the next drain restores', async () => {
    const account = await provisionAccount('production');
    const evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology });
    const scaled = await loadHandler('scale-consumers')(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(scaled).toMatchObject({ outcome: 'applied' });
    await account.transition(queueAlarmName(account.topology), 'OK');

    const drain = async (handler: AlarmHandler): Promise<Decision[]> => {
      const decisions: Decision[] = [];
      for (let m = 1; m <= 5; m++) for (const t of await evaluator.evaluateOnce()) if (t.alarmName === LOW_WATER && t.to === 'ALARM') decisions.push(await handler(t.event));
      return decisions;
    };
    await setKillSwitch(account, 'stop');
    const held = await drain(loadHandler('scale-consumers'));
    expect(held).toEqual([expect.objectContaining({ outcome: 'dry-run', reason: expect.stringMatching(/^restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50 — /) })]);
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, scaled.resource?.arn ?? '')).toBeDefined();

    await setKillSwitch(account, 'off');
    await enqueue(account, 150);
    await evaluator.evaluateOnce();
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    const restored = await drain(loadHandler('scale-consumers'));
    expect(restored).toEqual([expect.objectContaining({ outcome: 'applied', reason: 'restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50' })]);
    expect(await maximumConcurrency(account)).toBe(50);
  });
});
