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

const planOf = (observation: Awaited<ReturnType<typeof queueBackupPlaybook.observe>>) =>
  queueBackupPlaybook.plan({ event: { state: { value: 'ALARM' } } as Parameters<typeof queueBackupPlaybook.plan>[0]['event'], target, observation, runtime, resourceState: undefined });

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
