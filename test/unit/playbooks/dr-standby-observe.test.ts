// The standby playbook's observe against mocked clients: the replicated queue's event source mappings are read at once
// with the queue's URL, by the ARN its name, account and region give; SQS's answer stays the authority, nothing read
// ahead is left running, and failures are thrown in the order the reads were once made one after another.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError } from '../../../shared/errors';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { standbyPlaybook, type StandbyClients, type StandbyTarget } from '../../../shared/playbooks/dr-standby';
import { ManualClock } from '../../support/manual-clock';

const DR = 'us-west-2';
const account = '123456789012';
const queue = 'notification-service-queue';
const replica = 'notification-service-db-replica';
// Written out by hand (SQS's ARN form), not taken from the code under test.
const queueArn = `arn:aws:sqs:${DR}:${account}:${queue}`;
const queueUrl = `https://sqs.${DR}.amazonaws.com/${account}/${queue}`;
const consumerArn = `arn:aws:lambda:${DR}:${account}:function:notification-service-consumer`;

const cloudWatchMock = mockClient(CloudWatchClient);
const rdsMock = mockClient(RDSClient);
const sqsMock = mockClient(SQSClient);
const lambdaMock = mockClient(LambdaClient);

const target: StandbyTarget = {
  trigger: 'replica-lag',
  replicaIdentifier: replica,
  queues: [queue],
  account,
  resource: { type: 'rds-db-instance', id: replica, arn: `arn:aws:rds:${DR}:${account}:db:${replica}` },
};

function context(): PlaybookContext<StandbyClients> {
  return {
    clients: {
      cloudWatch: new CloudWatchClient({ region: DR }),
      rds: new RDSClient({ region: DR }),
      sqs: new SQSClient({ region: DR }),
      lambda: new LambdaClient({ region: DR }),
    },
    clock: new ManualClock(Date.parse('2024-03-05T10:00:00Z')),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: DR }),
  };
}

const sdkError = (name: string, status: number) => Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode: status } });
const throttled = () => sdkError('ThrottlingException', 400);
const denied = () => sdkError('AccessDeniedException', 403);

/** A promise the test answers by hand: the read it holds waits for it. */
function held() {
  let release: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { answered, release: () => release() };
}

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

const mappingsAsked = () => lambdaMock.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input.EventSourceArn);

beforeEach(() => {
  cloudWatchMock.reset();
  rdsMock.reset();
  sqsMock.reset();
  lambdaMock.reset();
  // One result per query, no datapoints, StatusCode Complete: CloudWatch's answer for a quiet window (API reference, MetricDataResult).
  cloudWatchMock
    .on(GetMetricDataCommand)
    .callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })) }));
  rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: 'notification-service-db' }] });
  sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl });
  sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '40', QueueArn: queueArn } });
  lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'm-1', FunctionArn: consumerArn, State: 'Disabled' }] });
});

describe('watch-standby observe: the replica\'s read replication as RDS reports it', () => {
  // RDS API reference, DBInstanceStatusInfo: StatusType "read replication", Normal, Status, Message (blank when not in
  // error). moto never answers StatusInfos, so only these mocked answers show it.
  it.each<[string, Record<string, unknown>[] | undefined, Record<string, unknown> | undefined]>([
    ['replicating normally', [{ StatusType: 'read replication', Normal: true, Status: 'replicating', Message: '' }], { status: 'replicating', normal: true }],
    ['in error', [{ StatusType: 'read replication', Normal: false, Status: 'error' }], { status: 'error', normal: false }],
    ['not reported', undefined, undefined],
  ])('reads StatusInfos %s', async (_situation, infos, replication) => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: 'notification-service-db', ...(infos ? { StatusInfos: infos } : {}) }],
    });
    const observation = await standbyPlaybook.observe(context(), target);
    expect(observation.replica.status === 'found' && observation.replica.replication).toEqual(replication);
  });
});

describe('watch-standby observe: a lag CloudWatch could not give whole is no "no lag" (decision 132)', () => {
  // CloudWatch API reference, MetricDataResult: StatusCode Complete | InternalError | PartialData | Forbidden; PartialData
  // without a NextToken is all there is. The replica's ReplicaLag (s0) is the one not whole; the queue series are complete.
  it.each<[string, { StatusCode: 'Forbidden' | 'PartialData'; Timestamps: Date[]; Values: number[] }, RegExp]>([
    ['ReplicaLag answered Forbidden', { StatusCode: 'Forbidden', Timestamps: [], Values: [] }, /incomplete reading, not decided on: s0: Forbidden/],
    ['ReplicaLag answered PartialData with no NextToken', { StatusCode: 'PartialData', Timestamps: [new Date('2024-03-05T09:59:00Z')], Values: [4] }, /incomplete reading, not decided on: s0: PartialData/],
  ])('fails the observation when %s', async (_situation, lag, message) => {
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => (q.Id === 's0' ? { Id: q.Id, ...lag } : { Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })),
    }));
    const observed = standbyPlaybook.observe(context(), target);
    await expect(observed).rejects.toBeInstanceOf(PermanentError);
    await expect(observed).rejects.toThrow(message);
  });
});

describe('watch-standby observe: the replicated queue and its mappings', () => {
  it('asks for the mappings, by the queue\'s ARN, while GetQueueUrl has not answered yet, and asks once when SQS names that ARN', async () => {
    const url = held();
    sqsMock.on(GetQueueUrlCommand).callsFake(async () => {
      await url.answered;
      return { QueueUrl: queueUrl };
    });
    const observed = standbyPlaybook.observe(context(), target);
    await ticks();
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    expect(mappingsAsked()).toEqual([queueArn]);
    // The attributes need the URL: not asked before it answers.
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(0);
    url.release();
    const observation = await observed;
    expect(observation.queues).toEqual([
      expect.objectContaining({ name: queue, visibleNow: 40, mappings: [{ uuid: 'm-1', functionName: 'notification-service-consumer', state: 'Disabled' }] }),
    ]);
    expect(sqsMock.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([queueUrl]);
    expect(mappingsAsked()).toEqual([queueArn]);
  });

  it('reads the mappings again by the ARN SQS answers when it is another, reports those, and drops the read made ahead with its failure', async () => {
    const otherArn = `arn:aws:sqs:${DR}:${account}:${queue}-renamed`;
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3', QueueArn: otherArn } });
    lambdaMock.on(ListEventSourceMappingsCommand, { EventSourceArn: queueArn }).rejects(denied());
    lambdaMock.on(ListEventSourceMappingsCommand, { EventSourceArn: otherArn }).resolves({ EventSourceMappings: [{ UUID: 'm-2', FunctionArn: consumerArn, State: 'Enabled' }] });
    const observation = await standbyPlaybook.observe(context(), target);
    expect(mappingsAsked()).toEqual([queueArn, otherArn]);
    expect(observation.queues).toEqual([
      expect.objectContaining({ name: queue, visibleNow: 3, mappings: [{ uuid: 'm-2', functionName: 'notification-service-consumer', state: 'Enabled' }] }),
    ]);
  });

  it('reports a missing queue as missing and drops the mappings read made ahead, failure included', async () => {
    sqsMock.on(GetQueueUrlCommand).rejects(sdkError('QueueDoesNotExist', 400));
    lambdaMock.on(ListEventSourceMappingsCommand).rejects(denied());
    const observation = await standbyPlaybook.observe(context(), target);
    // The fault fired: the read made ahead was asked, and failed.
    expect(mappingsAsked()).toEqual([queueArn]);
    expect(observation.queues).toEqual([expect.objectContaining({ name: queue, missing: 'SQS GetQueueUrl: QueueDoesNotExist', mappings: [] })]);
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(0);
  });

  it('reports a missing replica as missing (RDS\'s DBInstanceNotFound), for the plan to lead with, instead of failing the run', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(sdkError('DBInstanceNotFound', 404));
    const observation = await standbyPlaybook.observe(context(), target);
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(1);
    expect(observation.replica).toEqual({ status: 'missing', identifier: replica, reason: 'RDS DescribeDBInstances: DBInstanceNotFound' });
  });

  it('throws any other failure of the replica\'s read, classified and named (a refusal is not a missing replica)', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(denied());
    await expect(standbyPlaybook.observe(context(), target)).rejects.toThrow(
      /^RDS DescribeDBInstances failed: AccessDeniedException: AccessDeniedException from the mock \(missing permission: rds:DescribeDBInstances\)$/,
    );
  });

  it('reads the next page of mappings by the marker, under the same ARN', async () => {
    lambdaMock
      .on(ListEventSourceMappingsCommand)
      .resolvesOnce({ EventSourceMappings: [{ UUID: 'm-1', FunctionArn: consumerArn, State: 'Disabled' }], NextMarker: 'page-2' })
      .resolvesOnce({ EventSourceMappings: [{ UUID: 'm-3', FunctionArn: `${consumerArn}-b`, State: 'Disabled' }] });
    const observation = await standbyPlaybook.observe(context(), target);
    expect(lambdaMock.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input)).toEqual([
      { EventSourceArn: queueArn, Marker: undefined },
      { EventSourceArn: queueArn, Marker: 'page-2' },
    ]);
    expect(observation.queues[0]?.mappings.map((m) => m.uuid)).toEqual(['m-1', 'm-3']);
  });

  // Each failing read named with the one that fails after it; the later read fails first in time (at once), the
  // earlier one only once the test releases it, so the order thrown is the reads' order, not the clock's.
  it.each<[string, () => void, RegExp]>([
    [
      'GetQueueUrl throttled, the mappings refused',
      () => lambdaMock.on(ListEventSourceMappingsCommand).rejects(denied()),
      /^SQS GetQueueUrl failed: ThrottlingException/,
    ],
    [
      'GetQueueAttributes throttled, the mappings refused',
      () => {
        sqsMock.on(GetQueueAttributesCommand).rejects(throttled());
        lambdaMock.on(ListEventSourceMappingsCommand).rejects(denied());
      },
      /^SQS GetQueueAttributes failed: ThrottlingException/,
    ],
    [
      'GetQueueAttributes without a QueueArn, the mappings refused',
      () => {
        sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
        lambdaMock.on(ListEventSourceMappingsCommand).rejects(denied());
      },
      /^SQS GetQueueAttributes returned no QueueArn for notification-service-queue$/,
    ],
    ['the mappings refused alone', () => lambdaMock.on(ListEventSourceMappingsCommand).rejects(denied()), /^Lambda ListEventSourceMappings failed: AccessDeniedException/],
  ])('throws in the order the reads were once made: %s', async (label, arrange, expected) => {
    const url = held();
    arrange();
    const urlFails = label.startsWith('GetQueueUrl');
    sqsMock.on(GetQueueUrlCommand).callsFake(async () => {
      await url.answered;
      if (urlFails) throw throttled();
      return { QueueUrl: queueUrl };
    });
    const observed = standbyPlaybook.observe(context(), target).then(
      () => undefined,
      (error: unknown) => error,
    );
    await ticks();
    // The later read has already failed while the earlier one is held.
    expect(mappingsAsked()).toEqual([queueArn]);
    url.release();
    const error = await observed;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(expected);
  });

  it('leaves nothing running: a GetQueueUrl failure is thrown only once the mappings read made ahead has answered', async () => {
    const mappings = held();
    lambdaMock.on(ListEventSourceMappingsCommand).callsFake(async () => {
      await mappings.answered;
      return { EventSourceMappings: [] };
    });
    sqsMock.on(GetQueueUrlCommand).rejects(throttled());
    let settled = false;
    const observed = standbyPlaybook.observe(context(), target).then(
      () => undefined,
      (error: unknown) => error,
    );
    void observed.then(() => {
      settled = true;
    });
    await ticks();
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    expect(mappingsAsked()).toEqual([queueArn]);
    expect(settled).toBe(false);
    mappings.release();
    expect(((await observed) as Error).message).toMatch(/^SQS GetQueueUrl failed: ThrottlingException/);
    expect(settled).toBe(true);
  });

  it('throws the metrics\' failure before the queue\'s, though the queue\'s came first, once every read has settled', async () => {
    const metrics = held();
    cloudWatchMock.on(GetMetricDataCommand).callsFake(async () => {
      await metrics.answered;
      throw throttled();
    });
    sqsMock.on(GetQueueUrlCommand).rejects(denied());
    const observed = standbyPlaybook.observe(context(), target).then(
      () => undefined,
      (error: unknown) => error,
    );
    await ticks();
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    metrics.release();
    expect(((await observed) as Error).message).toMatch(/^CloudWatch GetMetricData failed: ThrottlingException/);
  });
});
