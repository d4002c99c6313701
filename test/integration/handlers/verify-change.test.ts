// The health check after a change, through the real entry points (scale-consumers, raise-lambda-memory, verify-change) and
// the real SDK against the emulator: the metrics are put with PutMetricData, the Scheduler driver plays the clock.
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { handlerOfFunctionArn } from '../../../shared/escalation/deployment';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { createSandboxClock, createSchedulerDriver, type SandboxClock, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import { loadHandler } from '../../support/load-handler';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

const MINUTE_MS = 60_000;

interface Harness {
  account: SandboxAccount;
  verify: VerifyChangeHandler;
  driver: SchedulerDriver;
  clock: SandboxClock;
}

async function harness(): Promise<Harness> {
  const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
  const verify = loadHandler<VerifyChangeHandler>('verify-change');
  const driver = createSchedulerDriver({
    scheduler: new SchedulerClient(account.clientConfig),
    groupName: account.topology.verifyScheduleGroup.name,
    invoke: (arn, input) => {
      if (handlerOfFunctionArn(arn) !== 'verify-change') throw new Error(`unexpected schedule target ${arn}`);
      return verify(input);
    },
  });
  return { account, verify, driver, clock: createSandboxClock() };
}

/** The consumer's AWS/Lambda figures for the current minute, as Lambda would publish them. */
async function putLambdaMetrics(account: SandboxAccount, figures: Record<string, number>): Promise<void> {
  const data: MetricDatum[] = Object.entries(figures).map(([MetricName, Value]) => ({
    MetricName,
    Value,
    Unit: MetricName === 'Duration' ? 'Milliseconds' : 'Count',
    Timestamp: new Date(),
    Dimensions: [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }],
  }));
  await account.cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: data }));
}

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

async function memoryMb(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize;
}

/** The decisions on the project's bus, as EventBridge delivered them to the sandbox's queue (consumed). */
async function publishedDecisions(account: SandboxAccount): Promise<Decision[]> {
  const decisions: Decision[] = [];
  for (;;) {
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!received.Messages?.length) return decisions;
    for (const m of received.Messages) {
      decisions.push((JSON.parse(m.Body ?? '{}') as { detail: Decision }).detail);
      await account.sqs.send(new DeleteMessageCommand({ QueueUrl: account.topology.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** Past the production window (10 min): the due health checks run. */
async function pastTheWindow(h: Harness): Promise<Decision[]> {
  h.clock.advance(11 * MINUTE_MS);
  const fired = await h.driver.runDue(h.clock);
  for (const f of fired) if (f.error) throw f.error;
  return fired.map((f) => f.result as Decision);
}

describe('verify-change after scale-consumers (production, 10 min window)', () => {
  async function scaledUp(): Promise<Harness & { scale: AlarmHandler; decision: Decision }> {
    const h = await harness();
    const scale = loadHandler('scale-consumers');
    // A healthy consumer before the change: 2 errors in 500 invocations, no throttles.
    await putLambdaMetrics(h.account, { Invocations: 500, Errors: 2, Throttles: 0 });
    const decision = await scale(await h.account.transition(queueAlarmName(h.account.topology), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', healthCheck: { windowMinutes: 10, before: { figures: expect.objectContaining({ [`${h.account.topology.consumer.functionName}.invocations`]: 500 }) } } });
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect(await h.driver.pending()).toHaveLength(1);
    return { ...h, scale, decision };
  }

  it('reverts the mapping to its recorded value and escalates with the figures when the error rate rose and throttles appeared', async () => {
    const h = await scaledUp();
    await publishedDecisions(h.account);
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100, Throttles: 40 });

    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({
      outcome: 'escalate',
      playbook: 'scale-consumers',
      escalation: { cause: 'made-worse' },
      reason: expect.stringMatching(/error rate 0\.4% -> \d+(\.\d)?%.*throttles appeared: 0 -> 40.*reverted to the recorded value/),
      incidentKey: h.decision.incidentKey,
    });
    expect(await maximumConcurrency(h.account)).toBe(50);
    const published = await publishedDecisions(h.account);
    expect(published).toEqual([expect.objectContaining({ outcome: 'escalate', escalation: { cause: 'made-worse' }, findings: [expect.stringContaining('before:'), expect.stringContaining('after:')] })]);
    expect(await h.driver.pending()).toEqual([]);
  });

  it('leaves a healthy change in place and reports it verified', async () => {
    const h = await scaledUp();
    await putLambdaMetrics(h.account, { Invocations: 900, Errors: 3, Throttles: 0 });
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('verified healthy') });
    expect(await maximumConcurrency(h.account)).toBe(100);
  });

  it('reverts once when the same schedule is delivered twice at once', async () => {
    const h = await scaledUp();
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100 });
    const [pending] = await h.driver.pending();
    const decisions = await Promise.all([h.verify(pending?.input), h.verify(pending?.input)]);
    expect(decisions.map((d) => d.outcome).sort()).toEqual(['escalate', 'skipped']);
    expect(decisions.find((d) => d.outcome === 'skipped')?.reason).toContain('duplicate');
    expect(await maximumConcurrency(h.account)).toBe(50);
    // A late redelivery finds it done and changes nothing.
    expect(await h.verify(pending?.input)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('already done (escalate)') });
  });

  it('does not revert a change the automation already restored when the alarm cleared', async () => {
    const h = await scaledUp();
    const restored = await h.scale(await h.account.transition(queueAlarmName(h.account.topology), 'OK'));
    expect(restored).toMatchObject({ outcome: 'applied' });
    expect(await maximumConcurrency(h.account)).toBe(50);
    await putLambdaMetrics(h.account, { Invocations: 300, Errors: 100 });
    const verdicts = await pastTheWindow(h);
    expect(verdicts).toContainEqual(expect.objectContaining({ outcome: 'skipped', reason: expect.stringContaining('no longer in place') }));
    expect(await maximumConcurrency(h.account)).toBe(50);
  });

  it('rejects an input that is not a health check, with a reason', async () => {
    const h = await harness();
    expect(await h.verify({ action: 'verify-change', playbook: 'scale-consumers' })).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('incidentKey') });
    expect(await h.verify({ ...{ action: 'check', incidentId: 'inc-1' } })).toMatchObject({ outcome: 'rejected' });
  });
});

describe('verify-change after raise-lambda-memory (production)', () => {
  async function raised(): Promise<Harness> {
    const h = await harness();
    const raise = loadHandler('raise-lambda-memory');
    await putLambdaMetrics(h.account, { Invocations: 400, Errors: 1, Duration: 400 * 120 });
    const alarm = h.account.topology.alarmNamesByHandler['raise-lambda-memory']?.[0] ?? '';
    const decision = await raise(await h.account.transition(alarm, 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', after: { memoryMb: 768 }, healthCheck: { windowMinutes: 10 } });
    return h;
  }

  it('puts the memory back to 512 MB and escalates when errors (timeouts) rose after the raise', async () => {
    const h = await raised();
    await putLambdaMetrics(h.account, { Invocations: 200, Errors: 60, Duration: 200 * 120 });
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'made-worse' },
      reason: expect.stringMatching(/function error rate 0\.3% -> \d+(\.\d)?%.*reverted to the recorded value: memoryMb 512/),
    });
    expect(await memoryMb(h.account)).toBe(512);
  });

  it('keeps the raised memory when the function is as healthy as before', async () => {
    const h = await raised();
    await putLambdaMetrics(h.account, { Invocations: 600, Errors: 1, Duration: 600 * 90 });
    const [verdict] = await pastTheWindow(h);
    expect(verdict).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('verified healthy') });
    expect(await memoryMb(h.account)).toBe(768);
  });
});
