// scale-consumers' observe and plan against AWS's own answer shapes (mocked clients, sources per case): a mapping that was
// never scaled, a function with no reserved concurrency, and a consumer error rate CloudWatch could not give whole.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  type EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError, TransientError } from '../../../shared/errors';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { queueBackupPlaybook, type QueueBackupClients, type QueueTarget } from '../../../shared/playbooks/queue-backup';
import { ManualClock } from '../../support/manual-clock';

// Sources:
//  [E] AWS CLI examples, lambda list-event-source-mappings / get-event-source-mapping (aws-cli awscli/examples/lambda):
//      an SQS mapping as Lambda answers it: UUID, StateTransitionReason USER_INITIATED, LastModified, BatchSize 5, State
//      Enabled, FunctionArn, EventSourceArn, and no ScalingConfig (a mapping never given a maximum concurrency).
//  [C] Lambda API reference, GetFunctionConcurrency: ReservedConcurrentExecutions "Required: No" (absent when unset);
//      AWS CLI example get-function-concurrency: { "ReservedConcurrentExecutions": 250 }.
//  [R] CloudWatch API reference, MetricDataResult: StatusCode Complete | InternalError | PartialData | Forbidden.
//  [A] Lambda API reference, GetAccountSettings: AccountLimit.ConcurrentExecutions and UnreservedConcurrentExecutions.
//  [S] SQS API reference, GetQueueAttributes: Attributes is a map of string values (ApproximateNumberOfMessages "1500").

const region = 'us-east-1';
const account = '123456789012';
const queue = 'notification-service-queue';
const consumer = 'notification-service-consumer';
const queueArn = `arn:aws:sqs:${region}:${account}:${queue}`;
const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region });
const target: QueueTarget = { resource: { type: 'sqs-queue-consumers', id: queue, arn: queueArn }, queueName: queue, queueArn, account };

const lambdaMock = mockClient(LambdaClient);
const sqsMock = mockClient(SQSClient);
const cloudWatchMock = mockClient(CloudWatchClient);

function context(): PlaybookContext<QueueBackupClients> {
  return {
    clients: { lambda: new LambdaClient({ region }), sqs: new SQSClient({ region }), cloudWatch: new CloudWatchClient({ region }) },
    clock: new ManualClock(Date.parse('2024-03-05T10:00:30Z')),
    runtime,
  };
}

/** [E]: the CLI example's mapping, on this queue and consumer. */
const neverScaled: EventSourceMappingConfiguration = {
  UUID: 'a1b2c3d4-5678-90ab-cdef-11111EXAMPLE',
  StateTransitionReason: 'USER_INITIATED',
  LastModified: new Date(1569284520333),
  BatchSize: 5,
  State: 'Enabled',
  FunctionArn: `arn:aws:lambda:${region}:${account}:function:${consumer}`,
  EventSourceArn: queueArn,
};
const scaled: EventSourceMappingConfiguration = { ...neverScaled, ScalingConfig: { MaximumConcurrency: 10 } };

/** One result per query, as CloudWatch answers: `status` per metric name (Errors / Invocations), values newest first. */
function metrics(status: Partial<Record<'errors' | 'invocations', NonNullable<MetricDataResult['StatusCode']>>> = {}) {
  cloudWatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q): MetricDataResult => {
      const kind = q.Id?.startsWith('errors') ? 'errors' : 'invocations';
      const code = status[kind] ?? 'Complete';
      const values = code === 'Complete' ? (kind === 'errors' ? [0, 1] : [400, 600]) : [];
      return { Id: q.Id, Label: q.MetricStat?.Metric?.MetricName, Timestamps: values.map((_v, i) => new Date(Date.UTC(2024, 2, 5, 10, -i))), Values: values, StatusCode: code };
    }),
  }));
}

beforeEach(() => {
  lambdaMock.reset();
  sqsMock.reset();
  cloudWatchMock.reset();
  sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: `https://sqs.${region}.amazonaws.com/${account}/${queue}` });
  sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1500' } });
  lambdaMock.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 } });
  lambdaMock.on(GetFunctionConcurrencyCommand).resolves({});
  metrics();
});

// The queue's configured depth alarm (> 1000): the observed 1500 messages bear it out (decision 217).
const depthAlarmName = alarmSpecs(runtime.config, runtime.environment, region).find((s) => s.rowId === 'queue-backup' && !s.restoreSignal)?.name;
const planOf = (observation: Awaited<ReturnType<typeof queueBackupPlaybook.observe>>) =>
  queueBackupPlaybook.plan({ event: { alarmName: depthAlarmName, state: { value: 'ALARM' } } as Parameters<typeof queueBackupPlaybook.plan>[0]['event'], target, observation, runtime, resourceState: undefined });

describe('scale-consumers observe: the shapes Lambda answers', () => {
  it.each<[string, EventSourceMappingConfiguration, Record<string, unknown>, Record<string, unknown>]>([
    [
      'a mapping never scaled has no ScalingConfig [E] and an unset reservation reads as none [C]: escalated, not scaled',
      neverScaled,
      {},
      { kind: 'escalate', cause: 'cap-reached' },
    ],
    [
      'a scaled mapping and a reservation of 250 [C]: one step up',
      scaled,
      { ReservedConcurrentExecutions: 250 },
      { kind: 'change' },
    ],
  ])('%s', async (_situation, mapping, concurrency, decided) => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [mapping] });
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves(concurrency);
    const observation = await queueBackupPlaybook.observe(context(), target);
    expect(observation.queueDepth).toBe(1500);
    expect(observation.mappings).toEqual([
      { uuid: mapping.UUID, functionName: consumer, state: 'Enabled', ...(mapping.ScalingConfig ? { maximumConcurrency: mapping.ScalingConfig.MaximumConcurrency } : {}) },
    ]);
    expect(observation.functions[consumer]).toEqual({ errors: 1, invocations: 1000, ...(concurrency.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: 250 } : {}) });
    expect(planOf(observation)).toMatchObject(decided);
  });
});

describe('scale-consumers observe: a consumer error rate CloudWatch could not give whole is no reason to scale', () => {
  it.each<[string, Parameters<typeof metrics>[0], typeof PermanentError | typeof TransientError, RegExp]>([
    ['Errors answered Forbidden [R]', { errors: 'Forbidden' }, PermanentError, /errors0: Forbidden/],
    ['Errors answered PartialData with no NextToken [R]', { errors: 'PartialData' }, PermanentError, /errors0: PartialData/],
    ['Invocations answered InternalError: retried, as CloudWatch advises [R]', { invocations: 'InternalError' }, TransientError, /invocations0: InternalError/],
  ])('%s', async (_situation, status, errorClass, message) => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled] });
    metrics(status);
    const observed = queueBackupPlaybook.observe(context(), target);
    await expect(observed).rejects.toBeInstanceOf(errorClass);
    await expect(observed).rejects.toThrow(message);
  });
});

describe('scale-consumers observe: the owned functions read ahead of the mappings, the queue addressed with the claim (decision 216)', () => {
  const other = 'another-consumer';
  const otherMapping: EventSourceMappingConfiguration = { ...scaled, UUID: 'b1b2c3d4-5678-90ab-cdef-22222EXAMPLE', FunctionArn: `arn:aws:lambda:${region}:${account}:function:${other}` };
  const concurrencyAsked = (): string[] => lambdaMock.commandCalls(GetFunctionConcurrencyCommand).map((c) => c.args[0].input.FunctionName ?? '?');

  it('reads the owned consumer before ListEventSourceMappings answers, and only once, when the mappings name it', async () => {
    let answer: () => void = () => undefined;
    lambdaMock.on(ListEventSourceMappingsCommand).callsFake(async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      return { EventSourceMappings: [scaled] };
    });
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 250 });
    const observing = queueBackupPlaybook.observe(context(), target);
    await new Promise((resolve) => setImmediate(resolve));
    // The mappings are still unanswered: the consumer's concurrency and error rate are already being read.
    expect(concurrencyAsked()).toEqual([consumer]);
    expect(cloudWatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    answer();
    const observation = await observing;
    expect(observation.functions).toEqual({ [consumer]: { errors: 1, invocations: 1000, reservedConcurrency: 250 } });
    expect(concurrencyAsked()).toEqual([consumer]);
    expect(cloudWatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });

  it('reads again the functions the mappings name when one is not owned: the mappings decide, the read made ahead is dropped', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled, otherMapping] });
    lambdaMock.on(GetFunctionConcurrencyCommand, { FunctionName: other }).resolves({ ReservedConcurrentExecutions: 7 });
    const observation = await queueBackupPlaybook.observe(context(), target);
    expect(Object.keys(observation.functions).sort()).toEqual([other, consumer].sort());
    expect(observation.functions[other]).toEqual({ errors: 1, invocations: 1000, reservedConcurrency: 7 });
    expect(concurrencyAsked()).toEqual([consumer, consumer, other]);
    expect(cloudWatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(2);
  });

  it('uses none of the read made ahead for a queue without mappings', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    expect((await queueBackupPlaybook.observe(context(), target)).functions).toEqual({});
  });

  it('a read made ahead that failed is thrown only when its figures are used; dropped when the mappings name another function', async () => {
    lambdaMock.on(GetFunctionConcurrencyCommand, { FunctionName: consumer }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled] });
    await expect(queueBackupPlaybook.observe(context(), target)).rejects.toThrow(/GetFunctionConcurrency/);
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [otherMapping] });
    expect(Object.keys((await queueBackupPlaybook.observe(context(), target)).functions)).toEqual([other]);
  });

  it('an owned function the mappings do not name, whose reads fail for good, does not fail the scale-up: the consumer\'s figures are used (R14-9)', async () => {
    // Review 14's probe (test/unit/zz/read-ahead-other-fn.test.ts): two owned functions, the mapping names the consumer,
    // the other's GetFunctionConcurrency denied, then gone, and its error-rate series answered Forbidden [R].
    const apiHandler = 'notification-service-api-handler';
    const twoOwned = loadRuntimeConfig({
      RUNBOOK_ENVIRONMENT: 'production',
      AWS_REGION: region,
      RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { resources: { functions: [consumer, apiHandler] } } } }),
    });
    expect(twoOwned.env.resources.functions).toEqual([consumer, apiHandler]);
    const ctx = { ...context(), runtime: twoOwned };
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled] });
    lambdaMock.on(GetFunctionConcurrencyCommand, { FunctionName: consumer }).resolves({ ReservedConcurrentExecutions: 100 });
    for (const [name, message] of [
      ['AccessDeniedException', 'User is not authorized to perform: lambda:GetFunctionConcurrency'],
      ['ResourceNotFoundException', `Function not found: arn:aws:lambda:${region}:${account}:function:${apiHandler}`],
    ] as const) {
      lambdaMock.on(GetFunctionConcurrencyCommand, { FunctionName: apiHandler }).rejects(Object.assign(new Error(message), { name, $metadata: { httpStatusCode: name === 'AccessDeniedException' ? 403 : 404 } }));
      lambdaMock.resetHistory();
      const observation = await queueBackupPlaybook.observe(ctx, target);
      expect(observation.functions).toEqual({ [consumer]: { errors: 1, invocations: 1000, reservedConcurrency: 100 } });
      // The fault fired: the other function was asked (read ahead), and refused.
      expect(concurrencyAsked()).toEqual([consumer, apiHandler]);
    }
    // The other function's series answered Forbidden: the one GetMetricData made ahead fails; the consumer's rates are read again alone.
    cloudWatchMock.reset();
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q): MetricDataResult => {
        const fn = q.MetricStat?.Metric?.Dimensions?.[0]?.Value;
        const kind = q.Id?.startsWith('errors') ? 'errors' : 'invocations';
        const values = fn === consumer ? (kind === 'errors' ? [0, 1] : [400, 600]) : [];
        return { Id: q.Id, Timestamps: values.map((_v, i) => new Date(Date.UTC(2024, 2, 5, 10, -i))), Values: values, StatusCode: fn === consumer ? 'Complete' : 'Forbidden' };
      }),
    }));
    const observation = await queueBackupPlaybook.observe(ctx, target);
    expect(observation.functions).toEqual({ [consumer]: { errors: 1, invocations: 1000, reservedConcurrency: 100 } });
    const asked = cloudWatchMock.commandCalls(GetMetricDataCommand).map((c) => (c.args[0].input.MetricDataQueries ?? []).map((q) => q.MetricStat?.Metric?.Dimensions?.[0]?.Value));
    expect(asked).toEqual([[consumer, consumer, apiHandler, apiHandler], [consumer, consumer]]);
    // A failure of the function the mappings name is still thrown.
    lambdaMock.on(GetFunctionConcurrencyCommand, { FunctionName: consumer }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await expect(queueBackupPlaybook.observe(ctx, target)).rejects.toThrow(/GetFunctionConcurrency failed: TooManyRequestsException/);
  });

  it('a failed ListEventSourceMappings is thrown once the read made ahead has answered', async () => {
    let answer: () => void = () => undefined;
    const order: string[] = [];
    lambdaMock.on(GetFunctionConcurrencyCommand).callsFake(async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      order.push('concurrency answered');
      return {};
    });
    lambdaMock.on(ListEventSourceMappingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const observing = queueBackupPlaybook.observe(context(), target).catch((error: Error) => order.push(`thrown: ${error.message}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    answer();
    await observing;
    expect(order[0]).toBe('concurrency answered');
    expect(order[1]).toMatch(/^thrown: .*ListEventSourceMappings/);
  });

  it('asks SQS for the queue URL when addressing, and observe then uses it without asking again; without it observe asks', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled] });
    const addressed = await queueBackupPlaybook.address?.(context(), target);
    expect(addressed).toEqual({ ...target, queueUrl: `https://sqs.${region}.amazonaws.com/${account}/${queue}` });
    expect(sqsMock.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([{ QueueName: queue, QueueOwnerAWSAccountId: account }]);
    await queueBackupPlaybook.observe(context(), addressed ?? target);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([addressed?.queueUrl]);
    await queueBackupPlaybook.observe(context(), target);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(2);
  });
});

// Decision 249 (review 14 R14-6): the low-water alarm's OK is corroborated by its own metric, read in the one
// GetMetricData observe makes (in place of the error rates a restore does not weigh), at once with the mappings.
describe('scale-consumers observe at an OK (the low-water alarm\'s, the depth alarm\'s): its own metric, no error rates, one GetMetricData', () => {
  const lowWater = alarmSpecs(runtime.config, runtime.environment, region).find((s) => s.rowId === 'queue-backup' && s.restoreSignal === true);
  const eventOf = (alarmName: string | undefined, value: 'OK' | 'ALARM') =>
    ({ alarmName, state: { value, timestamp: '2024-03-05T10:00:12.345+0000' } }) as Parameters<typeof queueBackupPlaybook.observe>[2];
  const queried = () =>
    cloudWatchMock.commandCalls(GetMetricDataCommand).map((c) => ({
      from: c.args[0].input.StartTime?.toISOString(),
      to: c.args[0].input.EndTime?.toISOString(),
      metrics: (c.args[0].input.MetricDataQueries ?? []).map((q) => `${q.MetricStat?.Metric?.Namespace} ${q.MetricStat?.Metric?.MetricName} ${q.MetricStat?.Stat} ${q.MetricStat?.Period}`),
    }));

  it('reads AWS/SQS ApproximateNumberOfMessagesVisible (Maximum) over the alarm\'s window before the mappings answer, and no error rate', async () => {
    expect(lowWater?.name).toMatch(/Low Water/);
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'alarm', Timestamps: [0, 1, 2, 3, 4].map((m) => new Date(Date.UTC(2024, 2, 5, 9, 56 + m))), Values: [0, 0, 3, 0, 0], StatusCode: 'Complete' }],
    });
    let answer: () => void = () => undefined;
    lambdaMock.on(ListEventSourceMappingsCommand).callsFake(async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      return { EventSourceMappings: [scaled] };
    });
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 100 });
    const observing = queueBackupPlaybook.observe(context(), target, eventOf(lowWater?.name, 'OK'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(queried()).toEqual([
      // The alarm's 5 periods and 3 of slack before its state change (10:00:12), to the minute after now (10:00:30).
      { from: '2024-03-05T09:52:00.000Z', to: '2024-03-05T10:01:00.000Z', metrics: ['AWS/SQS ApproximateNumberOfMessagesVisible Maximum 60'] },
    ]);
    answer();
    const observation = await observing;
    expect(observation.functions).toEqual({ [consumer]: { reservedConcurrency: 100 } });
    expect(observation.alarmMetric).toEqual({
      status: 'read',
      reading: {
        from: '2024-03-05T09:52:00.000Z',
        to: '2024-03-05T10:01:00.000Z',
        stateChangeAt: '2024-03-05T10:00:12.345+0000',
        points: [0, 1, 2, 3, 4].map((m, i) => ({ at: new Date(Date.UTC(2024, 2, 5, 9, 56 + m)).toISOString(), value: [0, 0, 3, 0, 0][i] })),
      },
    });
    expect(queried()).toHaveLength(1);
  });

  it('reads the error rates and no alarm metric at the low-water alarm\'s ALARM (ignored before observe in the pipeline)', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled] });
    cloudWatchMock.resetHistory();
    const observation = await queueBackupPlaybook.observe(context(), target, eventOf(lowWater?.name, 'ALARM'));
    expect(observation.alarmMetric).toBeUndefined();
    expect(queried().map((q) => q.metrics)).toEqual([['AWS/Lambda Errors Sum 60', 'AWS/Lambda Invocations Sum 60']]);
  });

  // Decision 263: the depth alarm's OK may restore too, so it is corroborated the same way, in the same one GetMetricData.
  it('reads the depth alarm\'s own metric at its OK, widened to the event\'s queryDate, and no error rate', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [scaled] });
    cloudWatchMock.resetHistory();
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 100 });
    const withQueryDate = {
      alarmName: depthAlarmName,
      state: { value: 'OK', timestamp: '2024-03-05T10:00:12.345+0000', reasonData: { queryDate: '2024-03-05T10:02:30.000+0000' } },
    } as Parameters<typeof queueBackupPlaybook.observe>[2];
    const observation = await queueBackupPlaybook.observe(context(), target, withQueryDate);
    // The depth alarm's 1 period and 3 of slack before its state change (10:00:12), to the minute after its queryDate.
    expect(queried()).toEqual([{ from: '2024-03-05T09:56:00.000Z', to: '2024-03-05T10:03:00.000Z', metrics: ['AWS/SQS ApproximateNumberOfMessagesVisible Maximum 60'] }]);
    expect(observation.alarmMetric).toMatchObject({ status: 'read', reading: { stateChangeAt: '2024-03-05T10:00:12.345+0000' } });
    expect(observation.functions).toEqual({ [consumer]: { reservedConcurrency: 100 } });
  });
});
