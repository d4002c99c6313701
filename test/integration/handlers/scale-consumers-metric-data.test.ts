// scale-consumers on the emulator when CloudWatch's GetMetricData answer is not one Complete page (decisions 132, 148).
// moto answers every query Complete on one page; the gap proxy rewrites its answer as CloudWatch can give it
// (sandbox/metric-data-faults.ts): PartialData with a NextToken and the rest on the next page, or a series Forbidden or
// InternalError. Each test asserts the proxy's own count of what it injected, so a rule that did not fire fails.
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { clearMetricDataFaults, getMetricDataFaults, setMetricDataFaults } from '../../../sandbox/proxy-control';
import type { MetricDataFault } from '../../../sandbox/metric-data-faults';
import { callsDuring } from '../support/proxy-calls';
import { provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';
const SERIES = ['errors0', 'invocations0'];

interface World {
  account: SandboxAccount;
  handler: AlarmHandler;
}

/**
 * A production account whose consumer failed 40 of 400 invocations (10% > the 5% limit) over the last four minutes,
 * all of its errors in the two older minutes: the newer half of each series (a PartialData first page) alone reads 0%.
 */
async function failingConsumer(): Promise<World> {
  const account = await provisionAccount('production');
  const dimensions = [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }];
  const now = Date.now();
  // The handler reads the current minute of its own clock and the four before it: points 0-3 min old stay inside even
  // when a minute boundary passes before the handler reads (review 13, R13-11: with 1-4 min the oldest fell out, 6.7%).
  const minutesAgo = [0, 1, 2, 3];
  await account.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: minutesAgo.flatMap((k) => [
        { MetricName: 'Invocations', Dimensions: dimensions, Value: 100, Unit: 'Count', Timestamp: new Date(now - k * 60_000) },
        { MetricName: 'Errors', Dimensions: dimensions, Value: k >= 2 ? 20 : 0, Unit: 'Count', Timestamp: new Date(now - k * 60_000) },
      ]),
    }),
  );
  return { account, handler: loadHandler('scale-consumers') };
}

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

/** Fires the queue alarm, arms `rules` for this account only, runs the handler; the rules are removed afterwards. */
async function withRules<T>(world: World, rules: MetricDataFault[], act: (event: Record<string, unknown>) => Promise<T>): Promise<T> {
  await putQueueDepth(world.account); // the condition the alarm watches, made real (decision 217)
  const event = await world.account.transition(queueAlarmName(world.account.topology), 'ALARM');
  const scope = { accountId: world.account.accountId };
  await setMetricDataFaults(control(), rules, scope);
  try {
    return await act(event);
  } finally {
    await clearMetricDataFaults(control(), scope);
  }
}

const gets = (calls: string[]) => calls.filter((c) => c === 'monitoring:GetMetricData').length;

describe('scale-consumers when GetMetricData does not answer one Complete page', () => {
  let single: { decision: Decision; getMetricData: number };

  beforeAll(async () => {
    // The control: moto's own answer, one Complete page.
    const world = await failingConsumer();
    await putQueueDepth(world.account); // the condition the alarm watches, made real (decision 217)
    const event = await world.account.transition(queueAlarmName(world.account.topology), 'ALARM');
    const { result, calls } = await callsDuring([world.account.accountId], () => world.handler(event));
    single = { decision: result, getMetricData: gets(calls) };
    expect(single.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'consumer-failing' }, reason: expect.stringContaining('10.0%') });
    expect(await maximumConcurrency(world.account)).toBe(50);
  });

  it('joins PartialData pages: the same decision as the single page, one GetMetricData more, nothing changed', async () => {
    const world = await failingConsumer();
    const scope = { accountId: world.account.accountId };
    const { decision, calls, fired } = await withRules(world, [{ status: 'PartialData', ids: SERIES, times: 1 }], async (event) => {
      const { result, calls: made } = await callsDuring([world.account.accountId], () => world.handler(event));
      return { decision: result, calls: made, fired: await getMetricDataFaults(control(), scope) };
    });
    // The fault fired: one answer split, its next page answered by the proxy.
    expect(fired).toEqual([expect.objectContaining({ status: 'PartialData', injected: 1, continued: 1, remaining: 0 })]);
    expect(gets(calls)).toBe(single.getMetricData + 1);
    expect(decision).toMatchObject({ outcome: single.decision.outcome, escalation: single.decision.escalation, reason: single.decision.reason });
    expect(await maximumConcurrency(world.account)).toBe(50);
  });

  it('makes no change and escalates naming the series and why when CloudWatch answers its Errors Forbidden', async () => {
    const world = await failingConsumer();
    const scope = { accountId: world.account.accountId };
    const { decision, fired } = await withRules(world, [{ status: 'Forbidden', ids: ['errors0'], times: 1 }], async (event) => ({
      decision: await world.handler(event),
      fired: await getMetricDataFaults(control(), scope),
    }));
    expect(fired).toEqual([expect.objectContaining({ status: 'Forbidden', injected: 1, continued: 0, remaining: 0 })]);
    expect(decision).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'failure' },
      reason: expect.stringMatching(/CloudWatch GetMetricData gave an incomplete reading.*errors0: Forbidden \(Forbidden: Authentication too complex to retrieve cross region data\)/),
    });
    expect(await maximumConcurrency(world.account)).toBe(50);
  });

  it('throws on InternalError so Lambda retries, and the retry decides as the single page did', async () => {
    const world = await failingConsumer();
    const scope = { accountId: world.account.accountId };
    const { retried, fired } = await withRules(world, [{ status: 'InternalError', ids: ['invocations0'], times: 1 }], async (event) => {
      await expect(world.handler(event)).rejects.toThrow(/invocations0: InternalError/);
      const firedNow = await getMetricDataFaults(control(), scope);
      expect(await maximumConcurrency(world.account)).toBe(50);
      return { retried: await world.handler(event), fired: firedNow };
    });
    expect(fired).toEqual([expect.objectContaining({ status: 'InternalError', injected: 1, remaining: 0 })]);
    expect(retried).toMatchObject({ outcome: single.decision.outcome, escalation: single.decision.escalation, reason: single.decision.reason });
    expect(await maximumConcurrency(world.account)).toBe(50);
  });
});
