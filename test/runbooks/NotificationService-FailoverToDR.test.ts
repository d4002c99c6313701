// NotificationService-FailoverToDR and -FailbackToPrimary rehearsed on a two-region sandbox: the primary topology in
// us-east-1, the standby in us-west-2 (cross-region read replica, replicated queue, DR consumer with its mapping off,
// the endpoint parameter, the API's Route 53 failover pair). Assertions are on the emulator's state afterwards.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, PromoteReadReplicaCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import { getProxyCalls } from '../../sandbox/proxy-control';
import { provisionDrStandby, type DrStandby } from '../../sandbox/provision-dr';
import { createSimulatedConsumer } from '../../sandbox/simulated-consumer';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { expectSucceeded, rehearseDocument, type Rehearsal } from './support/rehearse-cli';

const FAILOVER = 'NotificationService-FailoverToDR';
const FAILBACK = 'NotificationService-FailbackToPrimary';
const MUTATIONS = ['PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping', 'ChangeResourceRecordSets'];

let account: SandboxAccount;
let standby: DrStandby;
const at = (region: string) => ({ ...account.clientConfig, region });
const envIn = (region: string) => ({ ...account.env, AWS_REGION: region, AWS_DEFAULT_REGION: region });
const approverOf = () => `arn:aws:iam::${account.accountId}:role/NotificationServiceRunbookApprover`;

async function instance(region: string, id: string): Promise<DBInstance | undefined> {
  return (await new RDSClient(at(region)).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
}

interface RecordView {
  failover: string | undefined;
  value: string | undefined;
  ttl: number | undefined;
  healthCheck: string | undefined;
}

/** Everything a failover or failback may change, as the emulator holds it. */
async function state() {
  const replica = await instance(standby.drRegion, standby.replica.identifier);
  const primaryDb = await instance(standby.primaryRegion, account.topology.database.identifier);
  const param = async (region: string) => (await new SSMClient(at(region)).send(new GetParameterCommand({ Name: standby.endpointParameterName }))).Parameter?.Value;
  const records = (await new Route53Client(at(standby.primaryRegion)).send(new ListResourceRecordSetsCommand({ HostedZoneId: standby.hostedZoneId }))).ResourceRecordSets ?? [];
  const drMapping = await new LambdaClient(at(standby.drRegion)).send(new GetEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid }));
  return {
    replicaSource: replica?.ReadReplicaSourceDBInstanceIdentifier ?? null,
    replicaStatus: replica?.DBInstanceStatus,
    primaryDb: { status: primaryDb?.DBInstanceStatus, cls: primaryDb?.DBInstanceClass, endpoint: primaryDb?.Endpoint?.Address },
    primaryReplicas: primaryDb?.ReadReplicaDBInstanceIdentifiers ?? [],
    parameter: { [standby.primaryRegion]: await param(standby.primaryRegion), [standby.drRegion]: await param(standby.drRegion) },
    drMapping: drMapping.State,
    records: Object.fromEntries(
      records
        .filter((r) => r.Type === 'CNAME')
        .map((r): [string, RecordView] => [r.SetIdentifier ?? '-', { failover: r.Failover, value: r.ResourceRecords?.[0]?.Value, ttl: r.TTL, healthCheck: r.HealthCheckId }]),
    ),
  };
}

async function mutatingCallsSince(since: number): Promise<string[]> {
  return (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since))
    .filter((c) => c.accountId === account.accountId && MUTATIONS.includes(c.operation))
    .map((c) => c.operation);
}

const callCount = async () => (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).length;

/** The consumers of `region` as Lambda would run them: they take messages only while their mapping is Enabled. */
function consumerIn(region: string, queueUrl: string, mappingUuid: string) {
  return createSimulatedConsumer({
    sqs: new SQSClient(at(region)),
    lambda: new LambdaClient(at(region)),
    cloudWatch: new CloudWatchClient(at(region)),
    queueUrl,
    mappingUuid,
    functionName: standby.consumer.functionName,
    messagesPerConsumerPerTick: 1,
  });
}

/** Runs the consumer, paced, for as long as the rehearsal runs; returns the rehearsal and the messages it processed. */
async function withConsumer(rehearsal: Promise<Rehearsal>, consumer: ReturnType<typeof consumerIn>): Promise<{ run: Rehearsal; processed: number }> {
  let done = false;
  const finished = rehearsal.finally(() => {
    done = true;
  });
  let processed = 0;
  while (!done) {
    processed += (await consumer.tick()).processed;
    // Pacing only: the rehearsal's own wait polls CloudWatch; nothing here waits on a timer for a result.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { run: await finished, processed };
}

async function sendMessages(region: string, queueUrl: string, count: number): Promise<void> {
  const sqs = new SQSClient(at(region));
  for (let i = 0; i < count; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => ({ Id: String(j), MessageBody: JSON.stringify({ notification: i + j }) })),
      }),
    );
  }
}

async function visible(region: string, queueUrl: string): Promise<number> {
  const attrs = await new SQSClient(at(region)).send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(attrs.Attributes?.ApproximateNumberOfMessages ?? NaN);
}

const failoverParameters = () => ({ HostedZoneId: standby.hostedZoneId, RecordName: standby.recordName });

describe(`${FAILOVER} and ${FAILBACK} in production, on two regions`, () => {
  beforeAll(async () => {
    account = await provisionAccount('production');
    standby = await provisionDrStandby({ clientConfig: account.clientConfig, config: loadRuntimeConfig(process.env).config, environment: 'production', primary: account.topology });
  });

  it('starts from a standby: the replica replicates the primary, both regions read the primary endpoint, the DR consumers are off, PRIMARY is us-east-1', async () => {
    const s = await state();
    expect(s.replicaSource).toBe(account.topology.database.arn);
    expect(s.primaryReplicas).toEqual([standby.replica.arn]);
    expect(s.parameter).toEqual({ 'us-east-1': standby.primaryEndpointAddress, 'us-west-2': standby.primaryEndpointAddress });
    expect(s.drMapping).toBe('Disabled');
    expect(Object.fromEntries(Object.entries(s.records).map(([id, r]) => [id, r.failover]))).toEqual({ 'us-east-1': 'PRIMARY', 'us-west-2': 'SECONDARY' });
  });

  it('refuses, before asking anyone, a record pair whose PRIMARY is not the given primary region: nothing changed', async () => {
    const before = await state();
    const since = await callCount();
    const { status, result } = await rehearseDocument(FAILOVER, { ...failoverParameters(), PrimaryRegion: 'eu-west-1' }, envIn('us-west-2'), ['--approve', '--approve-as', approverOf()]);
    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeReplica', 'checkReplica', 'readRecords', 'checkRecordPair', 'refuseRecordPair']);
    expect(result.failure).toMatchObject({ step: 'refuseRecordPair' });
    expect(await mutatingCallsSince(since)).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it('stops at the approval when the approver rejects: nothing promoted, pointed, enabled or switched', async () => {
    const before = await state();
    const since = await callCount();
    const { status, result } = await rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--reject', '--approve-as', approverOf()]);
    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeReplica', 'checkReplica', 'readRecords', 'checkRecordPair', 'approveFailover']);
    expect(await mutatingCallsSince(since)).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it('fails over after approval: replica promoted, service pointed at it, DR consumers enabled and draining, record switched, traffic seen', async () => {
    const before = await state();
    await sendMessages(standby.drRegion, standby.queue.url, 40);
    const consumer = consumerIn(standby.drRegion, standby.queue.url, standby.consumer.mappingUuid);
    // While the mapping is off, the standby's consumers take nothing.
    expect((await consumer.tick()).processed).toBe(0);

    const { run, processed } = await withConsumer(rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--approve', '--approve-as', approverOf()]), consumer);

    expectSucceeded(run);
    expect(run.result.steps.map((s) => s.step)).toEqual([
      'describeReplica',
      'checkReplica',
      'readRecords',
      'checkRecordPair',
      'approveFailover',
      'promoteReplica',
      'waitPromoted',
      'pointServiceAtDatabase',
      'verifyEndpointParameter',
      'findConsumerMapping',
      'enableConsumers',
      'waitConsumersEnabled',
      'switchRecord',
      'verifyRecordSwitched',
      'verifyTraffic',
    ]);
    const after = await state();
    expect(after.replicaSource).toBeNull();
    expect(after.replicaStatus).toBe('available');
    expect(after.primaryReplicas).toEqual([]);
    expect(after.parameter).toEqual({ 'us-east-1': standby.primaryEndpointAddress, 'us-west-2': standby.replica.endpointAddress });
    expect(after.drMapping).toBe('Enabled');
    // The roles swapped; each record kept its own value, TTL and health check.
    expect(after.records).toEqual({
      'us-east-1': { ...before.records['us-east-1'], failover: 'SECONDARY' },
      'us-west-2': { ...before.records['us-west-2'], failover: 'PRIMARY' },
    });
    expect(after.primaryDb).toEqual(before.primaryDb);
    expect(processed).toBe(40);
    expect(await visible(standby.drRegion, standby.queue.url)).toBe(0);
    expect(run.result.outputs).toEqual(
      expect.objectContaining({
        'describeReplica.EndpointAddress': standby.replica.endpointAddress,
        'readRecords.PrimaryValue': standby.recordValues['us-east-1'],
        'readRecords.SecondaryValue': standby.recordValues['us-west-2'],
        'findConsumerMapping.StateBefore': 'Disabled',
      }),
    );
  });

  it('refuses a second failover before asking anyone (the replica is promoted already); the emulator refuses its promotion as RDS does', async () => {
    const before = await state();
    const since = await callCount();
    const { status, result } = await rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--approve', '--approve-as', approverOf()]);
    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeReplica', 'checkReplica']);
    expect(await mutatingCallsSince(since)).toEqual([]);
    expect(await state()).toEqual(before);
    // moto promotes a promoted instance again; the gap proxy answers as RDS does.
    await expect(new RDSClient(at(standby.drRegion)).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier }))).rejects.toMatchObject({
      name: 'InvalidDBInstanceStateFault',
    });
  });

  it('fails back after approval, in the primary region: the failback replica promoted, the service pointed at it, the record switched back', async () => {
    // What a person does first: a read replica of the DR database in the primary region.
    const created = await new RDSClient(at(standby.primaryRegion)).send(
      new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'notification-service-db-failback', SourceDBInstanceIdentifier: standby.replica.arn }),
    );
    const failbackEndpoint = created.DBInstance?.Endpoint?.Address;
    expect(failbackEndpoint).toEqual(expect.any(String));
    const before = await state();
    await sendMessages(standby.primaryRegion, account.topology.queue.url, 20);
    const consumer = consumerIn(standby.primaryRegion, account.topology.queue.url, account.topology.consumer.mappingUuid);

    const { run, processed } = await withConsumer(rehearseDocument(FAILBACK, failoverParameters(), envIn('us-east-1'), ['--approve', '--approve-as', approverOf()]), consumer);

    expectSucceeded(run);
    expect(run.result.steps.map((s) => s.step)).toContain('verifyTraffic');
    const failback = await instance(standby.primaryRegion, 'notification-service-db-failback');
    expect(failback?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(failback?.DBInstanceStatus).toBe('available');
    const after = await state();
    expect(after.parameter).toEqual({ 'us-east-1': failbackEndpoint, 'us-west-2': standby.replica.endpointAddress });
    expect(after.records).toEqual({
      'us-east-1': { ...before.records['us-east-1'], failover: 'PRIMARY' },
      'us-west-2': { ...before.records['us-west-2'], failover: 'SECONDARY' },
    });
    // The DR region is this execution's to leave alone: its consumers stay on until a person turns them off.
    expect(after.drMapping).toBe('Enabled');
    expect(processed).toBe(20);
  });
});
