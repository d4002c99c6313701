// NotificationService-FailoverToDR and -FailbackToPrimary rehearsed on a two-region sandbox: the primary topology in
// us-east-1, the standby in us-west-2 (cross-region read replica, replicated queue, DR consumer with its mapping off,
// the endpoint parameter, the API's Route 53 failover pair). Assertions are on the emulator's state afterwards.
import { CloudWatchClient, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateAliasCommand, CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { AddTagsToResourceCommand, CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, PromoteReadReplicaCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { runRehearsal } from '../../cli/rehearse';
import type { Clock } from '../../shared/clock';
import { watchedResources } from '../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import type { FaultRule } from '../../sandbox/gap-proxy';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../sandbox/proxy-control';
import { provisionDrStandby, type DrStandby } from '../../sandbox/provision-dr';
import { createSimulatedConsumer } from '../../sandbox/simulated-consumer';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { expectSucceeded, rehearseDocument, stepOutputs, type Rehearsal } from './support/rehearse-cli';

const FAILOVER = 'NotificationService-FailoverToDR';
const FAILBACK = 'NotificationService-FailbackToPrimary';
const MUTATIONS = ['PromoteReadReplica', 'ModifyDBInstance', 'PutParameter', 'UpdateEventSourceMapping', 'ChangeResourceRecordSets'];
/** A KMS key of the region a cross-region replica is made in (its AWS managed key for RDS): the sources are encrypted. */
const DR_KEY = 'alias/aws/rds';

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
  const primaryMapping = await new LambdaClient(at(standby.primaryRegion)).send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return {
    replicaSource: replica?.ReadReplicaSourceDBInstanceIdentifier ?? null,
    replicaStatus: replica?.DBInstanceStatus,
    primaryDb: { status: primaryDb?.DBInstanceStatus, cls: primaryDb?.DBInstanceClass, endpoint: primaryDb?.Endpoint?.Address },
    primaryReplicas: primaryDb?.ReadReplicaDBInstanceIdentifiers ?? [],
    parameter: { [standby.primaryRegion]: await param(standby.primaryRegion), [standby.drRegion]: await param(standby.drRegion) },
    drMapping: drMapping.State,
    primaryMapping: primaryMapping.State,
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

const callCount = (): Promise<number> => getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');

/**
 * The consumers of `region` as Lambda would run them: they take messages only while their mapping is Enabled; `errorRate`
 * of their invocations end in a function error, `itemFailureRate` of each batch is named in batchItemFailures.
 */
function consumerIn(region: string, queueUrl: string, mappingUuid: string, { errorRate = 0, itemFailureRate = 0 } = {}) {
  return createSimulatedConsumer({
    sqs: new SQSClient(at(region)),
    lambda: new LambdaClient(at(region)),
    cloudWatch: new CloudWatchClient(at(region)),
    queueUrl,
    mappingUuid,
    functionName: standby.consumer.functionName,
    messagesPerConsumerPerTick: 1,
    errorRate,
    itemFailureRate,
  });
}

/**
 * Runs the consumer, paced, for as long as the rehearsal runs, then on until a tick takes nothing (the mapping as the
 * run left it decides whether it may); returns the rehearsal and the messages it processed. verifyTraffic waits for an
 * invocation after the enable, which only these ticks publish; draining after the run keeps the count independent of
 * how many ticks ran before the rehearsal ended (CI run of 9b4edbf: processed 0, expected 20).
 */
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
  const run = await finished;
  for (let ticks = 0; ticks < 100; ticks += 1) {
    const taken = (await consumer.tick()).processed;
    if (taken === 0) break;
    processed += taken;
  }
  return { run, processed };
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

/**
 * The steps of a failover up to the Route 53 record switch: the data path, all in the DR region (the primary region's
 * consumers stopped: their in-flight batches waited out before the replica is judged and promoted; review 16, R16-1).
 */
const DATA_PATH = [
  'describeReplica',
  'checkNotPromoted',
  'checkReplica',
  'whoRequested',
  'checkRequesterIsNotApprover',
  'approveFailover',
  'stopPrimaryConsumers',
  'checkPrimaryStopped',
  'waitInFlightBatches',
  'checkReplicaCaughtUp',
  'promoteReplica',
  'waitPromoted',
  'pointServiceAtDatabase',
  'verifyEndpointParameter',
  'findConsumerMapping',
  'enableConsumers',
  'waitConsumersEnabled',
];
/**
 * The instance the first failover promoted, renamed away before the standby is rebuilt under the configured name: the
 * automation role may promote only the configured replica (decision 69; test/infra/dr-runbooks-iam.test.ts), so a
 * standby under another name is one the deployed IAM would refuse to fail over (review 13, R13-13).
 */
const FIRST_PROMOTED_RETIRED = 'notification-service-db-dr-retired';
/** The instance the first failover promoted, renamed away before verifyTraffic's case rebuilds the standby (as above). */
const IDLE_CASE_RETIRED = 'notification-service-db-dr-retired-0';
/** The instance the idle case promoted, renamed away before the failing-consumers case rebuilds the standby. */
const FAILING_CASE_RETIRED = 'notification-service-db-dr-retired-1';
/** The instance the failing-consumers case promoted, renamed away before the batch-item-failures case rebuilds it. */
const ITEM_FAILURES_CASE_RETIRED = 'notification-service-db-dr-retired-2';
/** The instance the batch-item-failures case promoted, renamed away before the slow-primary case rebuilds it. */
const SLOW_PRIMARY_CASE_RETIRED = 'notification-service-db-dr-retired-3';
/** The instance the slow-primary case promoted, renamed away before the first trickle case rebuilds it; then the second's. */
const TRICKLE_UNCONFIRMED_CASE_RETIRED = 'notification-service-db-dr-retired-4';
const TRICKLE_STOPPED_CASE_RETIRED = 'notification-service-db-dr-retired-5';
/** The instance the second trickle case promoted, renamed away before the CloudWatch trickle case rebuilds the standby. */
const TRICKLE_READS_CASE_RETIRED = 'notification-service-db-dr-retired-6';
/** The failback replica a person creates in the primary region (FailbackToPrimary's default). */
const FAILBACK_REPLICA = 'notification-service-db-failback';
/** Tags that tell the instances apart after the renames (a rename keeps an instance's tags). */
const IS_FAILBACK = { Key: 'rehearsal-identity', Value: 'failback-replica' };
const IS_OLD_PRIMARY = { Key: 'rehearsal-identity', Value: 'old-primary' };
let rebuiltEndpoint = '';

const failoverParameters = () => ({ HostedZoneId: standby.hostedZoneId, RecordName: standby.recordName });

/** The failback's checks and approval, before anything changes. */
/**
 * The document rehearsed in this process (not the CLI's child), in `region`, approved, on `clock` (a clock that does not
 * sleep: the document's waits pass on it), its lines kept; AWS_REGION restored after. Fails when nothing ran.
 */
async function rehearseInProcess(document: string, region: string, clock: Clock, onLine: (line: string) => void = () => undefined, params: Record<string, string> = {}): Promise<{ run: Awaited<ReturnType<typeof runRehearsal>>; result: NonNullable<Awaited<ReturnType<typeof runRehearsal>>['result']> }> {
  const lines: string[] = [];
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  Object.assign(process.env, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  let run: Awaited<ReturnType<typeof runRehearsal>>;
  try {
    run = await runRehearsal(
      document,
      {
        param: Object.entries({ ...failoverParameters(), ...params }).map(([k, v]) => `${k}=${v}`),
        approve: true,
        approveAs: [approverOf()],
        clock,
        pollIntervalMs: 60_000,
      },
      {
        log: (line) => {
          lines.push(line);
          onLine(line);
        },
        error: (line) => lines.push(line),
      },
    );
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const result = run.result;
  if (!result) throw new Error(`the rehearsal did not run:\n${lines.join('\n')}`);
  return { run, result };
}

/** What a failover of a rebuilt standby in process left (failOverRebuiltStandby). */
interface RebuiltFailover extends FaultedRehearsal {
  /** Messages the DR consumers took from the queue, and those they deleted (processed). */
  received: number;
  processed: number;
  /** How far the clock moved (the document's waits and the scripts' sleeps and injected latencies). */
  advanced: number;
  /** The proxy's call count before the run (mutatingCallsSince). */
  since: number;
}

/**
 * A failover of the standby rebuilt under the configured name: the instance the case before promoted renamed to
 * `retiredAs` (the automation role may promote only the configured replica, decision 69), a new cross-region replica, the
 * DR consumers off, the DR parameter back on the primary, 20 messages in the DR queue. Then FailoverToDR rehearsed in
 * process, approved, on a clock that does not sleep, the DR consumers (the double, at `consumer`'s rates) run at each of
 * its sleeps (verifyTraffic's polls), so the document's waits pass on it; `faults` (this account's) in force during the
 * run only. The DR queue is the caller's to read and empty afterwards.
 */
async function failOverRebuiltStandby(retiredAs: string, consumer: { errorRate?: number; itemFailureRate?: number }, faults: FaultRule[] = []): Promise<RebuiltFailover> {
  const drRds = new RDSClient(at(standby.drRegion));
  await drRds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: standby.replica.identifier, NewDBInstanceIdentifier: retiredAs, ApplyImmediately: true }));
  await drRds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier, SourceDBInstanceIdentifier: account.topology.database.arn, KmsKeyId: DR_KEY }));
  await new LambdaClient(at(standby.drRegion)).send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: false }));
  await new SSMClient(at(standby.drRegion)).send(new PutParameterCommand({ Name: standby.endpointParameterName, Value: standby.primaryEndpointAddress, Type: 'String', Overwrite: true }));
  await sendMessages(standby.drRegion, standby.queue.url, 20);
  const double = consumerIn(standby.drRegion, standby.queue.url, standby.consumer.mappingUuid, consumer);
  let advanced = 0;
  let processed = 0;
  let received = 0;
  const clock: Clock = {
    now: () => new Date(Date.now() + advanced),
    sleep: async (ms) => {
      advanced += ms;
      const tick = await double.tick();
      processed += tick.processed;
      received += tick.received;
    },
  };
  const since = await callCount();
  const ran = await rehearseWithFaults(FAILOVER, standby.drRegion, clock, () => advanced, faults);
  return { ...ran, received, processed, advanced, since };
}

/** A rehearsal in process (rehearseInProcess) with `faults` (this account's) in force during the run only. */
interface FaultedRehearsal {
  run: Awaited<ReturnType<typeof runRehearsal>>;
  result: NonNullable<Awaited<ReturnType<typeof runRehearsal>>['result']>;
  /** Per fault rule given, how many calls it faulted (times - remaining), in the order given. */
  fired: number[];
  /**
   * How far the clock moved from a step's start to the next step's start, or to the run's end for the last step, in ms
   * (a script's: what it slept and its calls' latencies, trickles and limits, nothing else: the host's own time is not on
   * it, so the figures are exact but for botocore's random backoff before a retry).
   */
  stepClockMs: (step: string) => number;
}

async function rehearseWithFaults(document: string, region: string, clock: Clock, advanced: () => number, faults: FaultRule[], params: Record<string, string> = {}): Promise<FaultedRehearsal> {
  const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
  const scope = { accountId: account.accountId };
  if (faults.length > 0) await setProxyFaults(control, faults, scope);
  let ran: Awaited<ReturnType<typeof rehearseInProcess>>;
  let fired: number[] = [];
  // Where the clock was at each step's start line ("[n] name (action)...").
  const starts: Array<[string, number]> = [];
  const onLine = (line: string) => {
    const step = /^\[\d+\] (\w+) \(/.exec(line)?.[1];
    if (step) starts.push([step, advanced()]);
  };
  try {
    ran = await rehearseInProcess(document, region, clock, onLine, params);
  } finally {
    if (faults.length > 0) {
      fired = (await getProxyFaults(control, scope)).map((rule) => rule.times - rule.remaining);
      await clearProxyFaults(control, scope);
    }
  }
  const end = advanced();
  const stepClockMs = (step: string): number => {
    const at = starts.findIndex(([name]) => name === step);
    if (at < 0) throw new Error(`no start of ${step}: ${starts.map(([name]) => name).join(', ')}`);
    return (starts[at + 1]?.[1] ?? end) - (starts[at]?.[1] ?? 0);
  };
  return { ...ran, fired, stepClockMs };
}

/** A failback rehearsal called off afterwards (failbackCalledOff). */
interface CalledOffFailback extends FaultedRehearsal {
  /** The state the run left, read before the DR consumers were enabled again. */
  after: Awaited<ReturnType<typeof state>>;
  /** This account's mutating calls from just before the run to its end (the enable that calls it off not among them). */
  mutating: string[];
  /** How far the run moved the clock, in ms. */
  advancedMs: number;
}

/**
 * FAILBACK rehearsed from the primary region in process, on a clock that does not sleep, with `faults` (this account's)
 * in force during the run; then called off, as the description says, also when the run or the case fails: the DR
 * consumers enabled again, so the next cases fail back from a DR region that serves.
 */
async function failbackCalledOff(faults: FaultRule[] = [], params: Record<string, string> = {}): Promise<CalledOffFailback> {
  let advanced = 0;
  const clock: Clock = { now: () => new Date(Date.now() + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
  const since = await callCount();
  let ran: FaultedRehearsal | undefined;
  let after: Awaited<ReturnType<typeof state>>;
  let mutating: string[];
  try {
    ran = await rehearseWithFaults(FAILBACK, standby.primaryRegion, clock, () => advanced, faults, params);
  } finally {
    after = await state();
    mutating = await mutatingCallsSince(since);
    await new LambdaClient(at(standby.drRegion)).send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: true }));
  }
  return { ...ran, after, mutating, advancedMs: advanced };
}

const FAILBACK_CHECKS = [
  'describeReplica',
  'checkNotPromoted',
  'checkReplica',
  'checkFailbackPlacement',
  'readRecords',
  'checkRecordPair',
  'whoRequested',
  'checkRequesterIsNotApprover',
  'approveFailback',
];

let failbackMade: Promise<{ drArn: string; failbackResourceId: string; oldPrimaryResourceId: string }> | undefined;

/**
 * What a person does before failing back, once for the failback cases: a read replica of the DR database in the primary
 * region, the old primary told apart by a tag, the primary region's consumers off (FailoverToDR's Afterwards).
 */
function failbackReplica(): Promise<{ drArn: string; failbackResourceId: string; oldPrimaryResourceId: string }> {
  failbackMade ??= (async () => {
    const drArn = (await instance(standby.drRegion, standby.replica.identifier))?.DBInstanceArn ?? '';
    // The description's command, with the old primary's values (review 23b, R23b-1).
    const created = await new RDSClient(at(standby.primaryRegion)).send(new CreateDBInstanceReadReplicaCommand({ ...(await failbackPlacement()), DBInstanceIdentifier: FAILBACK_REPLICA, SourceDBInstanceIdentifier: drArn, Tags: [IS_FAILBACK] }));
    expect(created.DBInstance?.DBInstanceIdentifier).toBe(FAILBACK_REPLICA);
    // Which instance is which is told by a tag, which a rename keeps (RDS User Guide, "Renaming a DB instance"), and by
    // DbiResourceId, which the document's verifyServingIsFailback compares: unique and immutable on AWS; moto 5.2.1
    // answers one for every instance, the gap proxy gives each its own and keeps it through a rename (review 13, R13-13).
    const failbackResourceId = created.DBInstance?.DbiResourceId ?? '';
    const oldPrimaryResourceId = (await instance(standby.primaryRegion, account.topology.database.identifier))?.DbiResourceId ?? '';
    expect(failbackResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(oldPrimaryResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(failbackResourceId).not.toBe(oldPrimaryResourceId);
    await new RDSClient(at(standby.primaryRegion)).send(new AddTagsToResourceCommand({ ResourceName: account.topology.database.arn, Tags: [IS_OLD_PRIMARY] }));
    // FailoverToDR's Afterwards: the primary region's consumers were turned off, so no two writers ran.
    await new LambdaClient(at(standby.primaryRegion)).send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, Enabled: false }));
    return { drArn, failbackResourceId, oldPrimaryResourceId };
  })();
  return failbackMade;
}

/**
 * What FailbackToPrimary's description has the failback replica created with, from the old primary and the production
 * matrix: a key of this region, the old primary's DB subnet group and security groups, the class and Multi-AZ.
 */
async function failbackPlacement() {
  const old = await instance(standby.primaryRegion, account.topology.database.identifier);
  const matrix = loadRuntimeConfig(process.env).config.environments.production;
  return {
    KmsKeyId: old?.KmsKeyId ?? DR_KEY,
    DBSubnetGroupName: old?.DBSubnetGroup?.DBSubnetGroupName,
    VpcSecurityGroupIds: (old?.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    DBInstanceClass: matrix?.dbInstanceClass,
    MultiAZ: matrix?.multiAz,
  };
}

/** A replica's ReplicaLag as RDS would publish it: [seconds from `minute`, lag in seconds] (default: the failback replica). */
async function publishReplicaLag(minute: number, points: Array<[number, number]>, region = standby.primaryRegion, replica = FAILBACK_REPLICA): Promise<void> {
  await new CloudWatchClient(at(region)).send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: points.map(([t, value]) => ({
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replica }],
        Timestamp: new Date(minute + t * 1000),
        Value: value,
        Unit: 'Seconds' as const,
      })),
    }),
  );
}

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
    expect(s.primaryMapping).toBe('Enabled');
    expect(Object.fromEntries(Object.entries(s.records).map(([id, r]) => [id, r.failover]))).toEqual({ 'us-east-1': 'PRIMARY', 'us-west-2': 'SECONDARY' });
  });

  it('stops at the approval when the approver rejects: nothing promoted, pointed, enabled or switched', async () => {
    const before = await state();
    const since = await callCount();
    const { status, result } = await rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--reject', '--approve-as', approverOf()]);
    expect(status).toBe(1);
    // Nothing of Route 53 is read before the approval: its control plane is the us-east-1 this document is for losing.
    expect(result.steps.map((s) => s.step)).toEqual(['describeReplica', 'checkNotPromoted', 'checkReplica', 'whoRequested', 'checkRequesterIsNotApprover', 'approveFailover']);
    expect(await mutatingCallsSince(since)).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it('fails over after approval: replica promoted, service pointed at it, DR consumers enabled and draining, record switched, traffic seen', async () => {
    const before = await state();
    await sendMessages(standby.drRegion, standby.queue.url, 40);
    const consumer = consumerIn(standby.drRegion, standby.queue.url, standby.consumer.mappingUuid);
    // While the mapping is off, the standby's consumers take nothing.
    expect((await consumer.tick()).processed).toBe(0);
    // Review 16, R16-5: a second primary mapping on the queue, bound to the consumer's alias. Listed under the consumer's
    // unqualified name it is not (moto keeps the name it was created with; AWS documents the alias ARN as the way to list
    // an alias's mappings); listed by the queue, as the document now does, it is.
    const primaryLambda = new LambdaClient(at(standby.primaryRegion));
    const alias = await primaryLambda.send(new CreateAliasCommand({ FunctionName: account.topology.consumer.functionName, Name: 'live', FunctionVersion: '$LATEST' }));
    const aliasMapping = await primaryLambda.send(new CreateEventSourceMappingCommand({ FunctionName: alias.AliasArn, EventSourceArn: account.topology.queue.arn, Enabled: true }));
    const aliasUuid = aliasMapping.UUID ?? '';
    const byName = await primaryLambda.send(new ListEventSourceMappingsCommand({ FunctionName: account.topology.consumer.functionName, EventSourceArn: account.topology.queue.arn }));
    expect(byName.EventSourceMappings?.map((m) => m.UUID)).toEqual([account.topology.consumer.mappingUuid]);
    // Review 16, R16-1: the primary consumers' Timeout lowered to 3 s (the document reads it from Lambda), so the wait for
    // their in-flight batches is 3 s of real time; the DR replica's ReplicaLag as RDS for PostgreSQL would publish it: a
    // -1 (replication not active: proves nothing) for minute 1, then a commit replayed at the start of minute 2, after
    // the primary consumers' last possible write (the run's stop, seconds from now, + 3 s).
    await primaryLambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName, Timeout: 3 }));
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await publishReplicaLag(minute, [[-60, 0], [60, -1], [120, 0], [150, 30]], standby.drRegion, standby.replica.identifier);

    let outcome: { run: Rehearsal; processed: number };
    let aliasState: string | undefined;
    try {
      outcome = await withConsumer(rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--approve', '--approve-as', approverOf()]), consumer);
    } finally {
      aliasState = (await primaryLambda.send(new GetEventSourceMappingCommand({ UUID: aliasUuid }))).State;
      await primaryLambda.send(new DeleteEventSourceMappingCommand({ UUID: aliasUuid }));
    }
    const { run, processed } = outcome;

    expectSucceeded(run);
    expect(run.result.steps.map((s) => s.step)).toEqual([...DATA_PATH, 'readRecords', 'checkRecordPair', 'switchRecord', 'verifyRecordSwitched', 'recordSwitched', 'verifyTraffic', 'verifyConsumersSucceed']);
    expect(run.result.steps.find((s) => s.step === 'recordSwitched')?.detail).toMatch(/^RecordSwitch = "switched: api\.notification\.sandbox\.test\. in \w+ - the us-west-2 record is PRIMARY \(change /);
    const after = await state();
    expect(after.replicaSource).toBeNull();
    expect(after.replicaStatus).toBe('available');
    expect(after.primaryReplicas).toEqual([]);
    // Promoted with the matrix's backups (production: 7 days), not PromoteReadReplica's default of 1 (review 23b, R23b-7;
    // the gap proxy gives the default as RDS does). Multi-AZ is the replica's, as the description's Afterwards says.
    const promotedDb = await instance(standby.drRegion, standby.replica.identifier);
    expect(promotedDb?.BackupRetentionPeriod).toBe(7);
    expect(promotedDb?.MultiAZ).toBe(false);
    expect(after.parameter).toEqual({ 'us-east-1': standby.primaryEndpointAddress, 'us-west-2': standby.replica.endpointAddress });
    expect(after.drMapping).toBe('Enabled');
    // Review 13 R13-2: the primary region's consumers stopped (best effort, before the promotion), said in the outputs.
    expect(before.primaryMapping).toBe('Enabled');
    expect(after.primaryMapping).toBe('Disabled');
    expect(aliasState).toBe('Disabled');
    expect(run.result.steps.find((s) => s.step === 'stopPrimaryConsumers')?.status).toBe('Success');
    const stopped = stepOutputs(run.result, 'stopPrimaryConsumers');
    const uuid = account.topology.consumer.mappingUuid;
    expect(run.result.outputs['stopPrimaryConsumers.PrimaryConsumers']).toBe(
      `stopped: ${uuid}, ${aliasUuid} in us-east-1 disabled (before: ${uuid} Enabled, ${aliasUuid} Enabled); a batch they took before may write until ${String(stopped.WritesEndBy)} (their Timeout, 3 s): the promotion waits for it`,
    );
    expect(run.result.outputs['stopPrimaryConsumers.MappingUuids']).toBe(`${uuid},${aliasUuid}`);
    // Review 16, R16-1: their Timeout read from Lambda (3 s), the promotion only after the sleep until WritesEndBy
    // (the steps run in order), and the replica judged by 248's rule: minute 2's commit, not minute 1's -1.
    expect(stopped.ConsumerTimeoutSeconds).toBe(3);
    const writesEndBy = Date.parse(String(stopped.WritesEndBy));
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeGreaterThanOrEqual(3_000);
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeLessThan(4_000);
    expect(run.result.steps.find((s) => s.step === 'checkPrimaryStopped')?.detail).toBe('choice 1 is true -> waitInFlightBatches');
    expect(run.result.steps.find((s) => s.step === 'waitInFlightBatches')?.detail).toMatch(/^[0-4] s$/);
    const minute2 = new Date(minute + 120_000).toISOString().replace('.000Z', '+00:00');
    expect(stepOutputs(run.result, 'checkReplicaCaughtUp').ReplayedCommitNotBefore).toBe(minute2);
    expect(run.result.outputs['checkReplicaCaughtUp.Verdict']).toBe(
      `caught up: ${standby.replica.identifier} replayed a commit made at or after ${minute2} (ReplicaLag, minute ${minute2}), after the us-east-1 consumers' last possible write at ${new Date(writesEndBy).toISOString().replace('.000Z', '+00:00')}: every write of theirs is in it`,
    );
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
        'verifyConsumersSucceed.Errors': 0,
      }),
    );
    // The consumer double fails nothing here: every invocation since the enable counted as one without a function error,
    // and the DR queue (read from the mapping's EventSourceArn) had its messages deleted since then, as SQS counts them
    // (NumberOfMessagesDeleted: published by the sandbox's gap proxy for the deletes moto answered; review 16, R16-4).
    expect(run.result.outputs['verifyConsumersSucceed.Invocations']).toBeGreaterThan(0);
    expect(run.result.outputs['verifyConsumersSucceed.QueueName']).toBe(standby.queue.name);
    expect(run.result.outputs['verifyConsumersSucceed.MessagesDeleted']).toBeGreaterThan(0);
    expect(run.result.outputs['verifyConsumersSucceed.MessagesDeleted']).toBeLessThanOrEqual(40);
  });

  it('refuses a second failover before asking anyone, saying the replica is ALREADY PROMOTED; the emulator refuses its promotion as RDS does', async () => {
    const before = await state();
    const since = await callCount();
    const { status, result } = await rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--approve', '--approve-as', approverOf()]);
    expect(status).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual(['describeReplica', 'checkNotPromoted', 'refuseAlreadyPromoted']);
    expect(result.failure).toEqual({
      step: 'refuseAlreadyPromoted',
      message: `$.DBInstances[0].DBInstanceIdentifier is "${standby.replica.identifier}", expected "a replica still replicating - this one is ALREADY PROMOTED (a failover ran): go on by hand from step 7, pointServiceAtDatabase"`,
    });
    expect(await mutatingCallsSince(since)).toEqual([]);
    expect(await state()).toEqual(before);
    // moto promotes a promoted instance again; the gap proxy answers as RDS does.
    await expect(new RDSClient(at(standby.drRegion)).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier }))).rejects.toMatchObject({
      name: 'InvalidDBInstanceStateFault',
    });
  });

  it('ends Failed at verifyTraffic when the DR consumer is not invoked after the enable, although it was in the last 3 hours (review 13, R13-4)', async () => {
    // The standby rebuilt under the configured name (the first promoted instance renamed away), its consumers off. The
    // first failover's consumer ran minutes ago, so the consumer's Invocations is recently active: the ListMetrics
    // RecentlyActive PT3H check verifyTraffic made before passed at once on it.
    const drRds = new RDSClient(at(standby.drRegion));
    await drRds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: standby.replica.identifier, NewDBInstanceIdentifier: IDLE_CASE_RETIRED, ApplyImmediately: true }));
    await drRds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier, SourceDBInstanceIdentifier: account.topology.database.arn, KmsKeyId: DR_KEY }));
    await new LambdaClient(at(standby.drRegion)).send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: false }));
    await new SSMClient(at(standby.drRegion)).send(new PutParameterCommand({ Name: standby.endpointParameterName, Value: standby.primaryEndpointAddress, Type: 'String', Overwrite: true }));
    const listed = await new CloudWatchClient(at(standby.drRegion)).send(
      new ListMetricsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: standby.consumer.functionName }], RecentlyActive: 'PT3H' }),
    );
    expect(listed.Metrics?.[0]?.MetricName).toBe('Invocations');
    const since = await callCount();
    // No consumer runs. In process, on a clock that does not sleep: the wait's 15 minutes pass in its polls alone.
    let advanced = 0;
    const clock: Clock = { now: () => new Date(Date.now() + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
    const { run, result } = await rehearseInProcess(FAILOVER, standby.drRegion, clock);
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    // The data path ran (the record pair is this region's already, since the first failover); only traffic is missing.
    expect(result.steps.map((s) => s.step)).toEqual([...DATA_PATH, 'readRecords', 'checkRecordPair', 'recordAlreadySwitched', 'verifyTraffic']);
    expect(result.failure).toEqual({ step: 'verifyTraffic', message: 'timed out after 900 s: $.Datapoints[0].Unit is absent, waiting for "Count"' });
    expect(result.steps.find((s) => s.step === 'verifyTraffic')?.detail).toMatch(/^cloudwatch GetMetricStatistics \$\.Datapoints\[0\]\.Unit = \(nothing\) after 15 poll\(s\)$/);
    expect(result.outputs['enableConsumers.EnabledAt']).toEqual(expect.any(String));
    // The primary consumers, stopped by the first failover, read Disabled: nothing changed there.
    expect(result.outputs['stopPrimaryConsumers.PrimaryConsumers']).toMatch(
      new RegExp(`^already stopped: ${account.topology.consumer.mappingUuid} in us-east-1 was Disabled \\(nothing changed\\); a batch they took before may write until \\S+Z \\(their Timeout, 3 s\\): the promotion waits for it$`),
    );
    expect((await state()).drMapping).toBe('Enabled');
    expect(await mutatingCallsSince(since)).toEqual(['PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it('ends Failed at verifyConsumersSucceed when every DR consumer invocation after the enable ends in a function error, although traffic was seen (review 15, R15-6)', async () => {
    // The likely failure after a failover: the DR consumers start but cannot use the promoted database, so every batch
    // ends in a function error (the double publishes Errors = Invocations). verifyConsumersSucceed's 9 minutes pass on
    // the helper's clock.
    const { run, result, received, processed, advanced, since } = await failOverRebuiltStandby(FAILING_CASE_RETIRED, { errorRate: 1 });
    // A function error returns the whole batch to the queue: the 20 are in flight (received, not deleted) until the
    // queue's visibility timeout; emptied so that no later case takes them.
    await new SQSClient(at(standby.drRegion)).send(new PurgeQueueCommand({ QueueUrl: standby.queue.url }));
    // Traffic was seen (what verifyTraffic proves), and every invocation of it failed: the run ends Failed, saying so.
    expect(received).toBeGreaterThan(0);
    expect(processed).toBe(0);
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.steps.map((s) => s.step)).toEqual([...DATA_PATH, 'readRecords', 'checkRecordPair', 'recordAlreadySwitched', 'verifyTraffic', 'verifyConsumersSucceed']);
    expect(result.steps.find((s) => s.step === 'verifyTraffic')?.status).toBe('Success');
    expect(result.failure?.step).toBe('verifyConsumersSucceed');
    expect(result.failure?.message).toMatch(
      new RegExp(
        `^ScriptFailedError: Exception: every invocation of ${standby.consumer.functionName} since \\S+ ended in a function error \\(Invocations ([1-9]\\d*), Errors \\1, NumberOfMessagesDeleted 0 on ${standby.queue.name}, after 9 minutes\\): the consumers run but fail, and their messages return to the queue\\. Read their logs: the database endpoint they read, its credentials, its security group\\. Nothing is undone$`,
      ),
    );
    expect(advanced).toBeGreaterThanOrEqual(540_000);
    expect((await state()).drMapping).toBe('Enabled');
    expect(await mutatingCallsSince(since)).toEqual(['PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it('ends Failed at verifyConsumersSucceed when the DR consumers name every message in batchItemFailures: no function error (Invocations > Errors), but nothing deleted from the queue (review 16, R16-4)', async () => {
    // The DR mapping reports batch item failures, as the primary's.
    expect((await new LambdaClient(at(standby.drRegion)).send(new GetEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid }))).FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    // The consumers start, cannot use the promoted database, and catch it per message: each batch returns every message
    // in batchItemFailures and no function error (Errors 0), so Lambda deletes none.
    const { run, result, received, processed, advanced, since } = await failOverRebuiltStandby(ITEM_FAILURES_CASE_RETIRED, { itemFailureRate: 1 });
    // Nothing lost and nothing processed: the 20 are in flight in the queue (received, not deleted) until its visibility
    // timeout. Then emptied, so that no later case takes them.
    const sqs = new SQSClient(at(standby.drRegion));
    const inFlight = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: standby.queue.url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: standby.queue.url }));
    expect(inFlight.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('20');
    expect(received).toBe(20);
    expect(processed).toBe(0);
    // Traffic was seen, and every invocation ended without a function error (what 252's Invocations > Errors passed on):
    // the queue had nothing deleted since the enable, and the run ends Failed, saying what it saw and why.
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.steps.map((s) => s.step)).toEqual([...DATA_PATH, 'readRecords', 'checkRecordPair', 'recordAlreadySwitched', 'verifyTraffic', 'verifyConsumersSucceed']);
    expect(result.steps.find((s) => s.step === 'verifyTraffic')?.status).toBe('Success');
    expect(result.failure?.step).toBe('verifyConsumersSucceed');
    const queue = standby.queue.name;
    expect(result.failure?.message).toMatch(
      new RegExp(
        `^ScriptFailedError: Exception: no message was deleted from ${queue} since \\S+ although ${standby.consumer.functionName} ran without a function error \\(Invocations ([1-9]\\d*), Errors 0, NumberOfMessagesDeleted 0 on ${queue}, after 9 minutes\\): its mapping reports batch item failures \\(ReportBatchItemFailures\\), and a batch whose every message is named in batchItemFailures ends without a function error but deletes nothing: the consumers run and process nothing, and their messages return to the queue\\. Read their logs: the database endpoint they read, its credentials, its security group\\. SQS publishes NumberOfMessagesDeleted every minute, sometimes minutes late: read it again before acting\\. Nothing is undone$`,
      ),
    );
    expect(advanced).toBeGreaterThanOrEqual(540_000);
    expect((await state()).drMapping).toBe('Enabled');
    expect(await mutatingCallsSince(since)).toEqual(['PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it("answers within its step timeout when the primary region is slow: the consumers stopped and read back, their Timeout not read there for lack of time and read in this region instead (not Lambda's 900 s), the promotion waiting for it (review 17, R17-3; review 18, R18-8)", async () => {
    // The primary consumers on again (a person re-enabled them after the first failover), with two more mappings on the
    // queue bound to aliases of the consumer (a blue/green deployment): three to disable and read back.
    const primaryLambda = new LambdaClient(at(standby.primaryRegion));
    const functionName = account.topology.consumer.functionName;
    await primaryLambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, Enabled: true }));
    const aliasUuids: string[] = [];
    for (const name of ['blue', 'green']) {
      const alias = await primaryLambda.send(new CreateAliasCommand({ FunctionName: functionName, Name: name, FunctionVersion: '$LATEST' }));
      aliasUuids.push((await primaryLambda.send(new CreateEventSourceMappingCommand({ FunctionName: alias.AliasArn, EventSourceArn: account.topology.queue.arn, Enabled: true }))).UUID ?? '');
    }
    // us-east-1's Lambda slow: every call's first attempt gets no answer within the script's 10 s read timeout (a 12 s
    // stall: botocore gives up at 10 s and retries), its second answers after 6.5 s. A call takes 16.5 s and standard
    // mode's backoff (random, under 1 s) on the rehearsal's clock (sandbox/rehearsal/script-runner.ts: the latency passes
    // on it, the step's 150 s are judged on it; the host's own time does not): the 7th starts before the script's 115 s
    // (at 6 x 16.5 = 99 s and under 6 s of backoffs), the 8th would not. main's script before R17-3 made 10 such calls (list, 3 Timeout reads,
    // 3 disables, 3 reads back), 165 s and more: stopped at 150 s, its outputs unset, the verdict "UNKNOWN: ... were not
    // stopped".
    const STALL: FaultRule = { service: 'lambda', region: 'us-east-1', times: 1, latencyMs: 12_000 };
    const SLOW: FaultRule = { service: 'lambda', region: 'us-east-1', times: 1, latencyMs: 6_500 };
    const faults = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? STALL : SLOW));
    let outcome: RebuiltFailover;
    let mappingStates: Array<string | undefined>;
    try {
      outcome = await failOverRebuiltStandby(SLOW_PRIMARY_CASE_RETIRED, {}, faults);
    } finally {
      mappingStates = [];
      for (const uuid of aliasUuids) {
        mappingStates.push((await primaryLambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State);
        await primaryLambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
      }
      await new SQSClient(at(standby.drRegion)).send(new PurgeQueueCommand({ QueueUrl: standby.queue.url }));
    }
    const { run, result, fired, since } = outcome;
    // The step answered (Success, not stopped at its timeout) with what it did.
    expect(result.steps.find((s) => s.step === 'stopPrimaryConsumers')).toMatchObject({ status: 'Success' });
    // The latency fired on every call the step made, and on nothing else: 7 calls (the list, 3 disables, 3 reads back),
    // each a stalled attempt and a slow one. No Timeout read was made.
    const stalls = fired.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
    const slowAnswers = fired.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0);
    expect([stalls, slowAnswers]).toEqual([7, 7]);
    // All three stopped and read back Disabled.
    expect((await state()).primaryMapping).toBe('Disabled');
    expect(mappingStates).toEqual(['Disabled', 'Disabled']);
    const stopped = stepOutputs(result, 'stopPrimaryConsumers');
    const uuids = String(stopped.MappingUuids).split(',');
    expect([...uuids].sort()).toEqual([account.topology.consumer.mappingUuid, ...aliasUuids].sort());
    // No time was left for us-east-1's Timeout: the same consumer's in this region (us-west-2, where the script runs),
    // read there and said so (review 18, R18-8: not Lambda's 900 s, a quarter of an hour before the promotion), and
    // WritesEndBy is the read back + that.
    const drTimeout = (await new LambdaClient(at(standby.drRegion)).send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).Timeout ?? 0;
    expect(drTimeout).toBeGreaterThan(0);
    expect(drTimeout).toBeLessThan(900);
    expect(stopped.ConsumerTimeoutSeconds).toBe(drTimeout);
    const writesEndBy = Date.parse(String(stopped.WritesEndBy));
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeGreaterThanOrEqual(drTimeout * 1000);
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeLessThan(drTimeout * 1000 + 1000);
    const consumerArn = `arn:aws:lambda:us-east-1:${account.accountId}:function:${functionName}`;
    expect(result.outputs['stopPrimaryConsumers.PrimaryConsumers']).toBe(
      `stopped: ${uuids.join(', ')} in us-east-1 disabled (before: ${uuids.map((u) => `${u} Enabled`).join(', ')}); a batch they took before may write until ${String(stopped.WritesEndBy)} ` +
        `(their Timeout, ${drTimeout} s, read in us-west-2 (us-east-1's could not be read, OutOfTime: no call starts later than 115 s into the step: reading the Timeout of ${consumerArn} not attempted; ` +
        'the same consumer, deployed to both regions from one stack: a Timeout changed in us-east-1 alone is not seen)): the promotion waits for it',
    );
    // The step's time on the clock: 7 calls of 10 + 6.5 s, 115.5 s, and botocore's 7 backoffs before their retries
    // (random, each under 1 s: standard mode's jitter, the only figure on the clock not fixed by the faults), so under
    // 122.5 s; within 146 s (115 + one call's 31).
    expect(outcome.stepClockMs('stopPrimaryConsumers')).toBeGreaterThanOrEqual(115_500);
    expect(outcome.stepClockMs('stopPrimaryConsumers')).toBeLessThan(122_500);
    // Stopped, so the promotion waited until WritesEndBy and the replica was judged against it: NOT CONFIRMED (no
    // ReplicaLag after it), never "UNKNOWN: ... not stopped".
    expect(result.steps.find((s) => s.step === 'checkPrimaryStopped')?.detail).toBe('choice 1 is true -> waitInFlightBatches');
    expect(result.steps.find((s) => s.step === 'waitInFlightBatches')?.status).toBe('Success');
    expect(result.outputs['checkReplicaCaughtUp.Verdict']).toMatch(
      new RegExp(
        `^NOT CONFIRMED: ${standby.replica.identifier} has not been seen to replay a commit made at or after ${new Date(writesEndBy).toISOString().replace('.000Z', '\\+00:00')} \\(the us-east-1 consumers' last possible write\\) in 3 minutes; `,
      ),
    );
    // The rest of the failover as always: promoted, pointed, the DR consumers enabled and working.
    expect(run.exitCode).toBe(0);
    expect(result.status).toBe('Success');
    expect(result.steps.map((s) => s.step)).toEqual([...DATA_PATH, 'readRecords', 'checkRecordPair', 'recordAlreadySwitched', 'verifyTraffic', 'verifyConsumersSucceed']);
    expect(await mutatingCallsSince(since)).toEqual(['UpdateEventSourceMapping', 'UpdateEventSourceMapping', 'UpdateEventSourceMapping', 'UpdateEventSourceMapping', 'UpdateEventSourceMapping', 'UpdateEventSourceMapping', 'PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  /**
   * The primary consumers' mapping on again, a failover of a rebuilt standby with `faults` on us-east-1's Lambda: the
   * outcome, the mapping's state in us-east-1 afterwards, and the DR queue emptied.
   */
  async function failOverWithPrimaryFaults(retiredAs: string, faults: FaultRule[]): Promise<{ outcome: RebuiltFailover; primaryMapping: string | undefined }> {
    const primaryLambda = new LambdaClient(at(standby.primaryRegion));
    await primaryLambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, Enabled: true }));
    try {
      const outcome = await failOverRebuiltStandby(retiredAs, {}, faults);
      return { outcome, primaryMapping: (await primaryLambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).State };
    } finally {
      await new SQSClient(at(standby.drRegion)).send(new PurgeQueueCommand({ QueueUrl: standby.queue.url }));
    }
  }

  /** us-east-1's Lambda answering `operation` by the byte: every piece well within botocore's 10 s read timeout, the whole `trickleMs`. */
  const trickled = (operation: string, times: number, trickleMs: number): FaultRule => ({ service: 'lambda', operation, region: 'us-east-1', times, trickleMs });
  /** What Deadline.call says of a call left behind (shared/config/dr-script-helpers.ts). */
  const notAnswered = (what: string) => `${what}: no answer in 31 s (a call is waited for 31 s at most; it may have reached AWS and taken effect, or not)`;
  /** CloudWatch of `region` (signed as monitoring) answering GetMetricStatistics by the byte: every piece within botocore's 10 s read timeout, the whole `trickleMs`. */
  const trickledMetrics = (region: string, times: number, trickleMs = 600_000): FaultRule => ({ service: 'monitoring', operation: 'GetMetricStatistics', region, times, trickleMs });
  /** Counts the calls it matches, passing them on after 1 ms (on a script's clock: 1 ms on it), so later rules fire on later calls. */
  const counted = (service: string, operation: string, region: string, times: number): FaultRule => ({ service, operation, region, times, latencyMs: 1 });

  it("answers within its step timeout when the primary region's answers trickle in past the old 31 s bound: a call is left behind at 31 s on the wall clock; the disable not answered is said to be possibly done (it was), the reads back not answered: NOT CONFIRMED, nothing waited for (review 18, R18-7)", async () => {
    // Each piece of an answer comes within the 10 s read timeout, so botocore never gives up: the list answered in 20 s,
    // the disable in 60 s, each read back in 75 s. Main's script before R18-7 waited for all of it: list 20 s, disable
    // until 80 s, the first read back until 155 s: stopped at 150 s, its outputs unset. Now: the disable left behind at
    // 51 s, the reads back at 82 and 115 s, then no wait past the 115 s deadline (decision 315; before it, 2 s more, at
    // 117 s, the next read not started): NOT CONFIRMED.
    const faults = [trickled('ListEventSourceMappings', 1, 20_000), trickled('UpdateEventSourceMapping', 1, 60_000), trickled('GetEventSourceMapping', 10, 75_000)];
    const { outcome, primaryMapping } = await failOverWithPrimaryFaults(TRICKLE_UNCONFIRMED_CASE_RETIRED, faults);
    const { run, result, fired, since, stepClockMs } = outcome;
    // The trickles fired: the list, the disable, two reads back.
    expect(fired).toEqual([1, 1, 2]);
    expect(result.steps.find((s) => s.step === 'stopPrimaryConsumers')).toMatchObject({ status: 'Success' });
    // 20 + 31 + 31 + 2 + 31 = 115 s exactly (the host's own time is not on the script's clock): within 115 + 31, and no
    // 2 s wait after the deadline (decision 315).
    expect(stepClockMs('stopPrimaryConsumers')).toBe(115_000);
    const uuid = account.topology.consumer.mappingUuid;
    const stopped = stepOutputs(result, 'stopPrimaryConsumers');
    expect(stopped.WritesEndBy).toBe('');
    expect(result.outputs['stopPrimaryConsumers.PrimaryConsumers']).toBe(
      `NOT CONFIRMED: asked us-east-1 to disable ${uuid} (before: ${uuid} Enabled), and when the step's time ran out (115 s) Lambda reported ${uuid} not read (NotAnswered: ${notAnswered(`reading ${uuid} back`)}). ` +
        `A disable not answered (${notAnswered(`disabling ${uuid}`)}) may still take effect: they may be found Disabled later. Check that they end Disabled: ` +
        `aws lambda list-event-source-mappings --region us-east-1 --event-source-arn ${account.topology.queue.arn} (those whose FunctionArn is ${account.topology.consumer.functionName}, any version or alias), ` +
        'then for each: aws lambda update-event-source-mapping --region us-east-1 --uuid <UUID> --no-enabled',
    );
    // The disable left behind had reached Lambda: the mapping is Disabled, as the words allow; nothing the script
    // reported came from it.
    expect(primaryMapping).toBe('Disabled');
    expect(result.steps.find((s) => s.step === 'checkPrimaryStopped')?.detail).toBe('no choice is true -> Default checkReplicaCaughtUp');
    expect(result.outputs['checkReplicaCaughtUp.Verdict']).toMatch(/^UNKNOWN: the us-east-1 consumers were not seen to stop \(stopPrimaryConsumers\.PrimaryConsumers\), so nothing bounds/);
    expect(run.exitCode).toBe(0);
    expect(result.status).toBe('Success');
    expect(await mutatingCallsSince(since)).toEqual(['UpdateEventSourceMapping', 'PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it("answers within its step timeout when the primary's answers trickle and this region cannot read the consumer's Timeout either: stopped (read back Disabled after a disable left behind), their Timeout left behind and not read here, Lambda's 900 s (review 18, R18-7, R18-8)", async () => {
    // The list answered in 20 s, the disable (60 s) and the first read back (75 s) left behind at 51 and 82 s, the second
    // read back answered at once (Disabled: the disable had reached Lambda), us-east-1's Timeout left behind at 115 s,
    // and us-west-2's read of it answered 503 twice (its 2 attempts). Main's script before R18-7: stopped at 150 s.
    const DR_TIMEOUT_UNREADABLE: FaultRule = { service: 'lambda', operation: 'GetFunctionConfiguration', region: 'us-west-2', times: 2, status: 503, code: 'ServiceUnavailable', message: 'injected: us-west-2 Lambda unavailable' };
    const faults = [trickled('ListEventSourceMappings', 1, 20_000), trickled('UpdateEventSourceMapping', 1, 60_000), trickled('GetEventSourceMapping', 1, 75_000), trickled('GetFunctionConfiguration', 1, 60_000), DR_TIMEOUT_UNREADABLE];
    const { outcome, primaryMapping } = await failOverWithPrimaryFaults(TRICKLE_STOPPED_CASE_RETIRED, faults);
    const { run, result, fired, since, stepClockMs } = outcome;
    expect(fired).toEqual([1, 1, 1, 1, 2]);
    expect(result.steps.find((s) => s.step === 'stopPrimaryConsumers')).toMatchObject({ status: 'Success' });
    // 20 + 31 + 31 + 2 + 31 s = 115 s, then the two 503s answered at once with botocore's backoff between them (random,
    // under 1 s): within 115 + 31.
    expect(stepClockMs('stopPrimaryConsumers')).toBeGreaterThanOrEqual(115_000);
    expect(stepClockMs('stopPrimaryConsumers')).toBeLessThan(116_000);
    expect(primaryMapping).toBe('Disabled');
    const uuid = account.topology.consumer.mappingUuid;
    const stopped = stepOutputs(result, 'stopPrimaryConsumers');
    expect(stopped.ConsumerTimeoutSeconds).toBe(900);
    const writesEndBy = Date.parse(String(stopped.WritesEndBy));
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeGreaterThanOrEqual(900_000);
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeLessThan(901_000);
    const consumerArn = `arn:aws:lambda:us-east-1:${account.accountId}:function:${account.topology.consumer.functionName}`;
    expect(result.outputs['stopPrimaryConsumers.PrimaryConsumers']).toMatch(
      new RegExp(
        `^stopped: ${uuid} in us-east-1 disabled \\(before: ${uuid} Enabled\\); a batch they took before may write until ${String(stopped.WritesEndBy)} ` +
          `\\(their Timeout, 900 s \\(Lambda's longest: us-east-1's could not be read, NotAnswered: reading the Timeout of ${consumerArn}: no answer in 31 s .*; ` +
          `nor us-west-2's, ClientError: An error occurred \\(ServiceUnavailable\\) .*\\)\\): the promotion waits for it$`,
      ),
    );
    expect(result.steps.find((s) => s.step === 'checkPrimaryStopped')?.detail).toBe('choice 1 is true -> waitInFlightBatches');
    expect(run.exitCode).toBe(0);
    expect(result.status).toBe('Success');
    expect(await mutatingCallsSince(since)).toEqual(['UpdateEventSourceMapping', 'PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it("answers within its step timeouts when CloudWatch here does not answer the scripts' reads: checkReplicaCaughtUp's Verdict says which read was not answered by its 211 s, and verifyConsumersSucceed ends the run Failed by its 571 s saying NOT CONFIRMED and how to read them by hand; everything else failed over (decision 313)", async () => {
    const dr = standby.drRegion;
    // The primary consumers read Disabled (the case above left them so): checkReplicaCaughtUp reads for 3 minutes. Every
    // read of CloudWatch in us-west-2 by the scripts answered by the byte over 10 minutes (botocore's per-read timeout never
    // fires; main's scripts, on boto3's default clients, waited past their steps' 300 and 600 s and were stopped there,
    // the Verdict and the message lost): checkReplicaCaughtUp's reads at 0, 51, 102, 153 s, each left behind at 31 s, the
    // 5th not before 204 s, past its 180 s; verifyTraffic's two polls (the SDK's, counted: the double first runs at the
    // sleep between them); then verifyConsumersSucceed's rounds at 0, 51, ..., 510 s, each ended by its first read left
    // behind (11), the 12th not before 561 s, past its 540 s.
    const faults = [trickledMetrics(dr, 4), counted('monitoring', 'GetMetricStatistics', dr, 2), trickledMetrics(dr, 100)];
    let outcome: RebuiltFailover;
    try {
      outcome = await failOverRebuiltStandby(TRICKLE_READS_CASE_RETIRED, {}, faults);
    } finally {
      await new SQSClient(at(dr)).send(new PurgeQueueCommand({ QueueUrl: standby.queue.url }));
    }
    const { run, result, fired, since, stepClockMs } = outcome;
    expect(fired).toEqual([4, 2, 11]);
    expect(result.steps.map((s) => s.step)).toEqual([...DATA_PATH, 'readRecords', 'checkRecordPair', 'recordAlreadySwitched', 'verifyTraffic', 'verifyConsumersSucceed']);
    // checkReplicaCaughtUp answered on the script's clock with its Verdict: 4 x 31 + 3 x 20 = 184 s exactly, within 180 + 31.
    expect(result.steps.find((s) => s.step === 'checkReplicaCaughtUp')?.status).toBe('Success');
    expect(stepClockMs('checkReplicaCaughtUp')).toBe(184_000);
    const stopped = stepOutputs(result, 'stopPrimaryConsumers');
    const writesEndBy = new Date(Date.parse(String(stopped.WritesEndBy))).toISOString().replace('.000Z', '+00:00');
    const replica = standby.replica.identifier;
    expect(result.outputs['checkReplicaCaughtUp.Verdict']).toBe(
      `NOT CONFIRMED: ${replica} has not been seen to replay a commit made at or after ${writesEndBy} (the us-east-1 consumers' last possible write) in 3 minutes; ` +
        `no ReplicaLag datapoint of it proves a replay (NotAnswered: ${notAnswered(`reading the ReplicaLag of ${replica}`)}). ` +
        'Writes committed on the us-east-1 primary after an unknown time may be missing from the promoted database: the old primary (not changed by this run) keeps them; compare and carry them over before it is retired',
    );
    // verifyConsumersSucceed answered by itself: 11 x 31 + 10 x 20 = 541 s exactly, within 540 + 31.
    expect(stepClockMs('verifyConsumersSucceed')).toBe(541_000);
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.failure?.step).toBe('verifyConsumersSucceed');
    const queue = standby.queue.name;
    expect(result.failure?.message).toMatch(
      new RegExp(
        `^ScriptFailedError: Exception: NOT CONFIRMED: the consumers of ${standby.consumer.functionName} since (\\S+) were not verified: CloudWatch did not answer their Invocations, Errors \\(AWS/Lambda\\) and ${queue}'s NumberOfMessagesDeleted \\(AWS/SQS\\) in one round in 9 minutes ` +
          `\\(the last read: NotAnswered: reading AWS/Lambda Invocations: no answer in 31 s \\(a call is waited for 31 s at most; it may have reached AWS and taken effect, or not\\)\\)\\. They may well work: ` +
          `read the three by hand \\(aws cloudwatch get-metric-statistics --region ${dr} --start-time \\1 --period 60 --statistics Sum\\); they work when Invocations > Errors and NumberOfMessagesDeleted > 0\\. Nothing is undone$`,
      ),
    );
    // The rest of the failover was done: promoted, pointed, the DR consumers enabled.
    expect((await state()).drMapping).toBe('Enabled');
    expect(await mutatingCallsSince(since)).toEqual(['PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it("fails over with Route 53's control plane down (the us-east-1 outage): database promoted, service pointed, consumers enabled and draining; the record not switched, said so, the execution Failed", async () => {
    // The standby rebuilt (FailbackToPrimary's Afterwards): the instance the first failover promoted renamed away, a new
    // cross-region replica under the configured name (the only one the automation role may promote), the DR consumers
    // off, the DR parameter back on the primary. The record pair stays as the failover above left it.
    const drRds = new RDSClient(at(standby.drRegion));
    const firstPromoted = await instance(standby.drRegion, standby.replica.identifier);
    await drRds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: standby.replica.identifier, NewDBInstanceIdentifier: FIRST_PROMOTED_RETIRED, ApplyImmediately: true }));
    const rebuilt = await drRds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier, SourceDBInstanceIdentifier: account.topology.database.arn, KmsKeyId: DR_KEY }));
    rebuiltEndpoint = rebuilt.DBInstance?.Endpoint?.Address ?? '';
    expect(rebuiltEndpoint).toMatch(/^notification-service-db-replica\./);
    // Two instances now, each its own (the gap proxy gives each its own DbiResourceId, kept by a rename, as RDS does).
    expect((await instance(standby.drRegion, FIRST_PROMOTED_RETIRED))?.DbiResourceId).toBe(firstPromoted?.DbiResourceId);
    expect(rebuilt.DBInstance?.DbiResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(rebuilt.DBInstance?.DbiResourceId).not.toBe(firstPromoted?.DbiResourceId);
    await new LambdaClient(at(standby.drRegion)).send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: false }));
    await new SSMClient(at(standby.drRegion)).send(new PutParameterCommand({ Name: standby.endpointParameterName, Value: standby.primaryEndpointAddress, Type: 'String', Overwrite: true }));
    // The primary consumers on again (a person re-enabled them after the first failover), so that what the outage
    // leaves them in shows: us-east-1's Lambda API answers nothing but errors below.
    await new LambdaClient(at(standby.primaryRegion)).send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, Enabled: true }));
    const before = await state();
    expect(before.drMapping).toBe('Disabled');
    expect(before.primaryMapping).toBe('Enabled');
    await sendMessages(standby.drRegion, standby.queue.url, 20);
    const consumer = consumerIn(standby.drRegion, standby.queue.url, standby.consumer.mappingUuid);
    const since = await callCount();
    const scope = { accountId: account.accountId };
    const ROUTE53_DOWN = { service: 'route53', times: 1000, status: 503, code: 'ServiceUnavailable', message: 'injected: Route 53 control plane (us-east-1) unavailable' };
    // The same outage takes us-east-1's Lambda API: every call signed for us-east-1 answers 503 (the DR region's answer).
    const PRIMARY_LAMBDA_DOWN = { service: 'lambda', region: 'us-east-1', times: 1000, status: 503, code: 'ServiceUnavailable', message: 'injected: Lambda (us-east-1) unavailable' };
    await setProxyFaults(process.env.SANDBOX_PROXY_CONTROL ?? '', [ROUTE53_DOWN, PRIMARY_LAMBDA_DOWN], scope);
    let fired: number;
    let firedPrimaryLambda: number;
    let outcome: { run: Rehearsal; processed: number };
    try {
      outcome = await withConsumer(rehearseDocument(FAILOVER, failoverParameters(), envIn('us-west-2'), ['--approve', '--approve-as', approverOf()]), consumer);
    } finally {
      const [left, leftLambda] = await getProxyFaults(process.env.SANDBOX_PROXY_CONTROL ?? '', scope);
      fired = ROUTE53_DOWN.times - (left?.remaining ?? ROUTE53_DOWN.times);
      firedPrimaryLambda = PRIMARY_LAMBDA_DOWN.times - (leftLambda?.remaining ?? PRIMARY_LAMBDA_DOWN.times);
      await clearProxyFaults(process.env.SANDBOX_PROXY_CONTROL ?? '', scope);
    }
    const { run, processed } = outcome;
    // The fault fired on every Route 53 call of the run: one readRecords call, made by its script with boto3, x boto3's
    // default 5 attempts (legacy retry mode; a 503 is retried; decision 375), and nothing else of Route 53 was asked (no
    // switch was tried).
    expect(fired).toBe(5);
    const route53Calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId && c.service === 'route53');
    expect(route53Calls.map((c) => c.operation)).toEqual(Array<string>(5).fill('ListResourceRecordSets'));
    expect(run.status).toBe(1);
    expect(run.result.status).toBe('Failed');
    expect(run.result.failure).toMatchObject({ step: 'readRecords', message: expect.stringContaining('ServiceUnavailable') });
    // Not stopped: no wait for in-flight batches (nothing bounds them), the replica's state said (review 16, R16-1).
    expect(run.result.steps.map((s) => s.step)).toEqual([...DATA_PATH.filter((s) => s !== 'waitInFlightBatches'), 'readRecords', 'recordNotSwitched', 'verifyTraffic', 'verifyConsumersSucceed']);
    expect(run.result.steps.find((s) => s.step === 'checkPrimaryStopped')?.detail).toBe('no choice is true -> Default checkReplicaCaughtUp');
    expect(run.result.outputs['checkReplicaCaughtUp.Verdict']).toMatch(
      /^UNKNOWN: the us-east-1 consumers were not seen to stop \(stopPrimaryConsumers\.PrimaryConsumers\), so nothing bounds what reaches the old primary; the last commit it is proven to have replayed was made at or after (\S+) \(ReplicaLag\)\. Writes committed on the us-east-1 primary after \1 are not in the promoted database, nor is anything its consumers write from now on: once us-east-1 answers, stop them and compare the old primary with the promoted one before it is retired$/,
    );
    expect(run.result.steps.find((s) => s.step === 'recordNotSwitched')?.detail).toBe(
      'RecordSwitch = "NOT SWITCHED: the us-east-1 record of api.notification.sandbox.test. is still PRIMARY; database, parameter and consumers are failed over. ' +
        'Stop the consumers in us-east-1 (stopPrimaryConsumers) and switch the pair by hand (description)."',
    );
    expect(run.result.steps.find((s) => s.step === 'verifyTraffic')?.status).toBe('Success');
    // Review 13 R13-2: us-east-1's Lambda answered nothing but errors. The best-effort stop of its consumers asked once
    // (ListEventSourceMappings, 2 attempts: the script's bounded botocore Config), said NOT STOPPED with the by-hand
    // command, and the failover went on to the promotion at once (the step Success, its status not the run's).
    expect(firedPrimaryLambda).toBe(2);
    expect(run.result.steps.find((s) => s.step === 'stopPrimaryConsumers')?.status).toBe('Success');
    expect(run.result.outputs['stopPrimaryConsumers.PrimaryConsumers']).toMatch(
      /^NOT STOPPED: their mappings could not be listed in us-east-1 \(ClientError: An error occurred \(ServiceUnavailable\) .*\)\. The us-east-1 consumers may still run, or run again when us-east-1 comes back, writing to the old primary: disable them before that, by hand: aws lambda list-event-source-mappings --region us-east-1 /,
    );
    // The data path is done: promoted, pointed at, consumers on and draining; Route 53 unchanged, no record write tried.
    const after = await state();
    const promoted = await instance(standby.drRegion, standby.replica.identifier);
    expect(promoted?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(promoted?.DBInstanceStatus).toBe('available');
    expect(after.parameter).toEqual({ 'us-east-1': standby.primaryEndpointAddress, 'us-west-2': rebuiltEndpoint });
    expect(after.drMapping).toBe('Enabled');
    // Not stopped (us-east-1 did not answer): left as it was, and said so above.
    expect(after.primaryMapping).toBe('Enabled');
    expect(after.records).toEqual(before.records);
    expect(processed).toBe(20);
    expect(await mutatingCallsSince(since)).toEqual(['PromoteReadReplica', 'PutParameter', 'UpdateEventSourceMapping']);
  });

  it("does not promote while the failback replica has replayed nothing the DR consumers could still have written: the zeros from before they stopped do not count, and waitReplicaCaughtUp fails after its 9 minutes (on a clock that does not sleep) with the by-hand check, nothing promoted (review 15, R15-2, R15-4)", async () => {
    const made = await failbackReplica();
    const before = await state();
    // The DR region serves: its consumers are on (the failover above left them Enabled).
    expect(before.drMapping).toBe('Enabled');
    // RDS for PostgreSQL's ReplicaLag is now() - pg_last_xact_replay_timestamp() on the replica: 0 while the DR database
    // took writes (the minutes before this run), then, with no write after the stop, the age of the last replayed
    // transaction (one minute before now), growing with the clock. Under 235's rule the zeros were what counted (had they
    // been read) and the failback was promoted on them (R15-4's plant).
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const replayedAt = minute - 60_000;
    await publishReplicaLag(minute, [
      [-180, 0],
      [-120, 0],
      [-60, 0],
      ...[60, 120, 180, 240].map((t): [number, number] => [t, (minute + t * 1000 - replayedAt) / 1000]),
    ]);
    // In process, on a clock that does not sleep: waitInFlightBatches' 30 s (the DR function's Timeout, the seed's) and
    // waitReplicaCaughtUp's 540 s pass on it (the script's own time.time()/time.sleep(): sandbox/rehearsal/script-runner.ts).
    // Called off after it, as the description says: the DR consumers enabled again (the next case fails back for real).
    const { run, result, after, mutating, advancedMs } = await failbackCalledOff();
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.steps.map((s) => s.step)).toEqual([...FAILBACK_CHECKS, 'stopDrConsumers', 'checkDrStopped', 'waitInFlightBatches', 'waitReplicaCaughtUp']);
    // The DR function's Timeout read from Lambda (the seed's 30 s): writes can end only that long after the disable.
    const stopped = stepOutputs(result, 'stopDrConsumers');
    expect(stopped.ConsumerTimeoutSeconds).toBe(30);
    const writesEndBy = Date.parse(String(stopped.WritesEndBy));
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeGreaterThanOrEqual(30_000);
    expect(writesEndBy - Date.parse(String(stopped.DisabledAt))).toBeLessThan(31_000);
    // The sleep is what is left of those 30 s when it starts (the run's own seconds since the disable come off it).
    const inFlightWait = Number(/^(\d+) s$/.exec(result.steps.find((s) => s.step === 'waitInFlightBatches')?.detail ?? '')?.[1]);
    expect(inFlightWait).toBeGreaterThan(0);
    expect(inFlightWait).toBeLessThanOrEqual(31);
    // Nothing proves a replay after the DR consumers' last possible write: the step's own failure, after 540 s.
    expect(result.failure?.step).toBe('waitReplicaCaughtUp');
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');
    expect(result.failure?.message).toContain(
      `Exception: ${FAILBACK_REPLICA} has not replayed a transaction committed on the us-west-2 database at or after ${iso(writesEndBy)} (the DR consumers' last possible write): ReplicaLag Minimum per minute since then: `,
    );
    expect(result.failure?.message).toContain(`${iso(minute + 240_000)} 300.0`);
    expect(result.failure?.message).not.toContain(`${iso(minute - 60_000)} `);
    expect(result.failure?.message).toContain("Nothing promoted; the DR consumers stay stopped.");
    expect(result.failure?.message).toContain("make one write there while this step waits (psql -h <DR database> -c 'SELECT txid_current();')");
    expect(result.failure?.message).toContain('SELECT pg_last_wal_replay_lsn() on the replica equals SELECT pg_current_wal_lsn() on the DR database');
    expect(advancedMs).toBeGreaterThanOrEqual(540_000 + inFlightWait * 1000 - 500);
    // Only the DR consumers were stopped: nothing promoted, renamed, switched, pointed or enabled here.
    expect(mutating).toEqual(['UpdateEventSourceMapping']);
    expect(after.drMapping).toBe('Disabled');
    expect({ ...after, drMapping: before.drMapping }).toEqual(before);
    expect((await instance(standby.primaryRegion, FAILBACK_REPLICA))?.ReadReplicaSourceDBInstanceIdentifier).toBe(made.drArn);
    expect((await instance(standby.primaryRegion, account.topology.database.identifier))?.DbiResourceId).toBe(made.oldPrimaryResourceId);
    expect(stopped.MappingUuid).toBe(standby.consumer.mappingUuid);
  });

  it("answers within its step timeout when the DR region is slow: the DR consumers disabled, their mapping not read back in the script's 560 s, the step's outputs say so with MappingUuid, and the run ends Failed at drConsumersNotStopped, nothing promoted (R17-3's root, decision 295)", async () => {
    const made = await failbackReplica();
    const before = await state();
    expect(before.drMapping).toBe('Enabled');
    // us-west-2's Lambda slow, on the rehearsal's clock (sandbox/rehearsal/script-runner.ts: the latency passes on it, the
    // step's 600 s are judged on it). A 61 s stall gets no answer within the script's 10 s read timeout (botocore gives
    // up, retries once; main's default client waited 60 s, 5 attempts, then failed the step with its outputs unset):
    // the list a stall and an 8 s answer (18-19 s), the disable an 8 s answer: the reads back start at 26-27 s. Every
    // attempt to read the mapping back stalls: a read is 20-21 s, then 10 s before the next: the 18th starts by
    // 27 + 17 x 31 = 554 s, before the script's 560 s, the 19th not before 26 + 18 x 30 = 566 s. No Timeout read.
    const dr = standby.drRegion;
    const faults: FaultRule[] = [
      { service: 'lambda', operation: 'ListEventSourceMappings', region: dr, times: 1, latencyMs: 61_000 },
      { service: 'lambda', operation: 'ListEventSourceMappings', region: dr, times: 1, latencyMs: 8_000 },
      { service: 'lambda', operation: 'UpdateEventSourceMapping', region: dr, times: 1, latencyMs: 8_000 },
      { service: 'lambda', operation: 'GetEventSourceMapping', region: dr, times: 100, latencyMs: 61_000 },
      { service: 'lambda', operation: 'GetFunctionConfiguration', region: dr, times: 1, latencyMs: 1 },
    ];
    // Called off after it, as the description says: the DR consumers enabled again.
    const { run, result, fired, after, mutating } = await failbackCalledOff(faults);
    // The latency fired on every call the step made, and on nothing else: the list's two attempts, the disable, 18 reads
    // back of two stalled attempts each; no Timeout read.
    expect(fired).toEqual([1, 1, 1, 36, 0]);
    // The step answered (Success, not stopped at its 600 s) with what it did and what is not confirmed.
    expect(result.steps.find((s) => s.step === 'stopDrConsumers')).toMatchObject({ status: 'Success' });
    const stopped = stepOutputs(result, 'stopDrConsumers');
    const uuid = standby.consumer.mappingUuid;
    expect(stopped).toMatchObject({ MappingUuid: uuid, StateBefore: 'Enabled', WritesEndBy: '', DisabledAt: '' });
    expect(String(stopped.DrConsumers)).toMatch(
      new RegExp(
        `^NOT CONFIRMED: asked ${dr} to disable the DR consumers mapping ${uuid} \\(before: Enabled\\), and when the step's time ran out \\(560 s\\) its last read back was not read \\(ReadTimeoutError: .*\\): it may still be consuming\\. Read it \\(aws lambda get-event-source-mapping --region ${dr} --uuid ${uuid}\\) until it is Disabled, .* Nothing promoted$`,
      ),
    );
    expect(result.outputs['stopDrConsumers.MappingUuid']).toBe(uuid);
    expect(result.outputs['stopDrConsumers.DrConsumers']).toBe(stopped.DrConsumers);
    // Not confirmed stopped: the run ends at drConsumersNotStopped with that message, before anything is promoted.
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.steps.map((s) => s.step)).toEqual([...FAILBACK_CHECKS, 'stopDrConsumers', 'checkDrStopped', 'drConsumersNotStopped']);
    expect(result.steps.find((s) => s.step === 'checkDrStopped')?.detail).toBe('no choice is true -> Default drConsumersNotStopped');
    expect(result.failure?.step).toBe('drConsumersNotStopped');
    expect(result.failure?.message).toContain(String(stopped.DrConsumers));
    // The disable reached Lambda (its answer came, late): the mapping is Disabled, only that changed.
    expect(mutating).toEqual(['UpdateEventSourceMapping']);
    expect(after.drMapping).toBe('Disabled');
    expect({ ...after, drMapping: before.drMapping }).toEqual(before);
    expect((await instance(standby.primaryRegion, FAILBACK_REPLICA))?.ReadReplicaSourceDBInstanceIdentifier).toBe(made.drArn);
  });


  it("answers within its step timeout when a read back of the DR mapping is left behind just before the script's 560 s: no wait after it, NOT CONFIRMED by 591 s on the clock, not stopped at 600 s with its outputs unset (decision 313)", async () => {
    await failbackReplica();
    const before = await state();
    expect(before.drMapping).toBe('Enabled');
    // us-west-2's Lambda answering by the byte (no jitter, no read timeout): the list in 26 s, the disable at once, every
    // read back over 10 minutes, each left behind at 31 s and made again 10 s later: reads start at 26.001 + 41k s (the
    // counted disable's 1 ms), the 14th at 559.001 s (before 560), left behind at 590.001 s. Before this decision the script
    // then waited its 10 s and was stopped at 600 s on its clock (the Python's start-up before it counts too), its
    // outputs unset; now it waits only while the deadline has not passed.
    const dr = standby.drRegion;
    const faults: FaultRule[] = [
      { service: 'lambda', operation: 'ListEventSourceMappings', region: dr, times: 1, trickleMs: 26_000 },
      counted('lambda', 'UpdateEventSourceMapping', dr, 1),
      { service: 'lambda', operation: 'GetEventSourceMapping', region: dr, times: 100, trickleMs: 600_000 },
      counted('lambda', 'GetFunctionConfiguration', dr, 1),
    ];
    // Called off after it, as the description says: the DR consumers enabled again (the next cases fail back).
    const { run, result, fired, stepClockMs, after, mutating } = await failbackCalledOff(faults);
    expect(fired).toEqual([1, 1, 14, 0]);
    expect(result.steps.find((s) => s.step === 'stopDrConsumers')).toMatchObject({ status: 'Success' });
    // 26 + 14 x 31 + 13 x 10 = 590 s on the clock and the counted disable's 1 ms, within 560 + 31. (To the microsecond:
    // the script's sleeps are differences of times near 1.8e9 s, whose float step is 0.24 us.)
    expect(stepClockMs('stopDrConsumers')).toBeCloseTo(590_001, 2);
    const uuid = standby.consumer.mappingUuid;
    const stopped = stepOutputs(result, 'stopDrConsumers');
    expect(stopped).toMatchObject({ MappingUuid: uuid, StateBefore: 'Enabled', WritesEndBy: '', DisabledAt: '' });
    expect(String(stopped.DrConsumers)).toContain(
      `NOT CONFIRMED: asked ${dr} to disable the DR consumers mapping ${uuid} (before: Enabled), and when the step's time ran out (560 s) its last read back was not read (NotAnswered: ${notAnswered(`reading ${uuid} back`)}): it may still be consuming.`,
    );
    expect(run.exitCode).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual([...FAILBACK_CHECKS, 'stopDrConsumers', 'checkDrStopped', 'drConsumersNotStopped']);
    expect(result.failure?.step).toBe('drConsumersNotStopped');
    // The disable reached Lambda: the mapping read Disabled after the run, the run's one mutating call.
    expect(after.drMapping).toBe('Disabled');
    expect(mutating).toEqual(['UpdateEventSourceMapping']);
  });

  it("sends no attempt of a call after its limit: the disable's first attempt a 500 trickled past the 31 s, botocore's retry is not sent from the thread left behind, the mapping stays Enabled and NOT STOPPED says an attempt already sent may still take effect (review 19, R19-2)", async () => {
    await failbackReplica();
    const before = await state();
    expect(before.drMapping).toBe('Enabled');
    // us-west-2's Lambda answering the disable's first attempt with a 500 (not applied: the proxy answers it without
    // passing it to moto) dribbled over 40 s, each piece within the read timeout: the call is left behind at 31 s. A 500
    // is retryable (standard mode, 2 attempts): before R19-2 the thread left behind sent the second attempt after its
    // backoff, past the limit, and it disabled the mapping after the script had said NOT STOPPED. The second rule counts
    // any attempt after the first (passed on to moto after 1 ms): it must not fire. On the rehearsal's clock the script's
    // wait for the left-behind thread ends when that thread has ended (sandbox/rehearsal/script-runner.ts: a Future is
    // waited for until answered, then judged on the clocks), and the Python process has exited when the run's steps go on:
    // the proxy's figures read after the run are every attempt the call will ever make.
    const dr = standby.drRegion;
    const faults: FaultRule[] = [
      { service: 'lambda', operation: 'UpdateEventSourceMapping', region: dr, times: 1, status: 500, code: 'ServiceException', message: 'slow failure', trickleMs: 40_000 },
      counted('lambda', 'UpdateEventSourceMapping', dr, 1),
    ];
    // Called off after it, as NOT STOPPED says: the DR consumers enabled, even if they read Enabled (the next cases fail back).
    const { run, result, fired, after, mutating } = await failbackCalledOff(faults);
    // The 500 fired on the first attempt; no second attempt reached the proxy.
    expect(fired).toEqual([1, 0]);
    expect(mutating).toEqual(['UpdateEventSourceMapping']);
    // Nothing disabled it later: the one attempt was refused by the proxy, the retry never sent.
    expect(after.drMapping).toBe('Enabled');
    expect(after).toEqual(before);
    const uuid = standby.consumer.mappingUuid;
    const stopped = stepOutputs(result, 'stopDrConsumers');
    expect(stopped).toMatchObject({ MappingUuid: uuid, StateBefore: 'Enabled', WritesEndBy: '', DisabledAt: '' });
    expect(stopped.DrConsumers).toBe(
      `NOT STOPPED: disabling the DR consumers mapping ${uuid} in ${dr} (before: Enabled) failed (NotAnswered: ${notAnswered(`disabling ${uuid}`)}); ` +
        'the call may have reached Lambda or not, and an attempt already sent may still take effect: it may be found Disabled later. ' +
        `Read it (aws lambda get-event-source-mapping --region ${dr} --uuid ${uuid}): disable it (--no-enabled) and read it back until Disabled, ` +
        'or, to call the failback off, enable it (--enabled) even if it reads Enabled and read it again a minute later, so a late disable does not ' +
        'leave the DR consumers stopped while DR serves. Nothing promoted',
    );
    expect(run.exitCode).toBe(1);
    expect(result.steps.map((s) => s.step)).toEqual([...FAILBACK_CHECKS, 'stopDrConsumers', 'checkDrStopped', 'drConsumersNotStopped']);
    expect(result.failure?.step).toBe('drConsumersNotStopped');
  });

  it("does not promote when CloudWatch does not answer the failback replica's ReplicaLag: every read trickles in past its 31 s and is left behind, and waitReplicaCaughtUp fails by its 571 s on the clock (inside its 600 s), saying NOT CONFIRMED and what was not read, nothing promoted (decision 313)", async () => {
    const made = await failbackReplica();
    const before = await state();
    expect(before.drMapping).toBe('Enabled');
    // Every read of the replica's ReplicaLag answered by the byte over 10 minutes: botocore never times out (each piece
    // within its 10 s); main's script, on boto3's default client with no wall-clock limit, waited for the first answer
    // past its step's 600 s and was stopped there, its message lost. Now each read is left behind at 31 s and made again
    // 20 s later: reads start at 0, 51, ..., 510 s (11), the 12th not before 561 s, past the script's 540 s.
    // Called off after it, as the description says: the DR consumers enabled again (the next case fails back for real).
    const { run, result, fired, stepClockMs, after, mutating } = await failbackCalledOff([trickledMetrics(standby.primaryRegion, 100)]);
    // The trickle fired on every read the step made, and nothing else of CloudWatch was asked.
    expect(fired).toEqual([11]);
    expect(result.steps.map((s) => s.step)).toEqual([...FAILBACK_CHECKS, 'stopDrConsumers', 'checkDrStopped', 'waitInFlightBatches', 'waitReplicaCaughtUp']);
    // The step answered by itself, on the script's clock: 11 reads of 31 s and 10 waits of 20 s, 541 s exactly, never past
    // 540 + 31 s; not stopped at its 600 s.
    expect(stepClockMs('waitReplicaCaughtUp')).toBe(541_000);
    expect(run.exitCode).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.failure?.step).toBe('waitReplicaCaughtUp');
    const stopped = stepOutputs(result, 'stopDrConsumers');
    const writesEndBy = new Date(Date.parse(String(stopped.WritesEndBy))).toISOString().replace('.000Z', '+00:00');
    expect(result.failure?.message).toBe(
      `ScriptFailedError: Exception: NOT CONFIRMED: whether ${FAILBACK_REPLICA} has replayed a transaction committed on the us-west-2 database at or after ${writesEndBy} (the DR consumers' last possible write) was not read: ` +
        `CloudWatch answered none of 11 reads of its ReplicaLag in 540 s (the last: NotAnswered: ${notAnswered(`reading the ReplicaLag of ${FAILBACK_REPLICA}`)}). Nothing promoted; the DR consumers stay stopped. ` +
        `Read it by hand (aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ReplicaLag --dimensions Name=DBInstanceIdentifier,Value=${FAILBACK_REPLICA} --start-time ${writesEndBy.replace(/:\d\d\+00:00$/, ':00+00:00')} ` +
        '--period 60 --statistics Minimum: a minute T with Minimum L proves a commit made at T - L replayed), or check by hand that SELECT pg_last_wal_replay_lsn() on the replica equals SELECT pg_current_wal_lsn() on the DR database and go on by hand (description, If a step fails)',
    );
    expect(stopped.MappingUuid).toBe(standby.consumer.mappingUuid);
    // Only the DR consumers were stopped (the disable): nothing promoted, renamed, switched, pointed or enabled here.
    expect(mutating).toEqual(['UpdateEventSourceMapping']);
    expect(after.drMapping).toBe('Disabled');
    expect({ ...after, drMapping: before.drMapping }).toEqual(before);
    expect((await instance(standby.primaryRegion, FAILBACK_REPLICA))?.ReadReplicaSourceDBInstanceIdentifier).toBe(made.drArn);
  });

  it("refuses, before asking anyone and with nothing changed, a failback replica not placed where the old primary is: created without a key (RDS refuses it), in the default VPC, behind another security group, or unencrypted; each difference named (review 23b, R23b-1)", async () => {
    const made = await failbackReplica();
    const rds = new RDSClient(at(standby.primaryRegion));
    const placement = await failbackPlacement();
    // The description's old command: the DR database is encrypted, so RDS wants a key of this region for its replica.
    await expect(rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'failback-no-key', SourceDBInstanceIdentifier: made.drArn }))).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: expect.stringContaining('needs KmsKeyId, a KMS key of that region'),
    });
    // With a key only: RDS puts it in the region's default VPC, behind that VPC's default group, single-AZ.
    await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'failback-default-vpc', SourceDBInstanceIdentifier: made.drArn, KmsKeyId: DR_KEY }));
    // As the description says, but behind a group of the old primary's VPC that the consumers' group is not allowed into.
    const vpcId = (await instance(standby.primaryRegion, account.topology.database.identifier))?.DBSubnetGroup?.VpcId;
    const other = await new EC2Client(at(standby.primaryRegion)).send(new CreateSecurityGroupCommand({ GroupName: 'failback-other-group', Description: 'not the database group', VpcId: vpcId }));
    await rds.send(new CreateDBInstanceReadReplicaCommand({ ...placement, VpcSecurityGroupIds: [other.GroupId ?? ''], DBInstanceIdentifier: 'failback-other-group', SourceDBInstanceIdentifier: made.drArn }));
    // A replica, placed as the description says, of an unencrypted database of the DR region.
    const plain = await new RDSClient(at(standby.drRegion)).send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: 'notification-service-db-plain', Engine: 'postgres', DBInstanceClass: placement.DBInstanceClass, AllocatedStorage: 20, MasterUsername: 'postgres', MasterUserPassword: 'sandbox-password', StorageEncrypted: false }),
    );
    const { KmsKeyId: _noKey, ...unkeyed } = placement;
    await rds.send(new CreateDBInstanceReadReplicaCommand({ ...unkeyed, DBInstanceIdentifier: 'failback-unencrypted', SourceDBInstanceIdentifier: plain.DBInstance?.DBInstanceArn }));
    const old = await instance(standby.primaryRegion, account.topology.database.identifier);
    const oldSubnets = `${old?.DBSubnetGroup?.DBSubnetGroupName} (${old?.DBSubnetGroup?.VpcId}: ${(old?.DBSubnetGroup?.Subnets ?? []).map((x) => x.SubnetIdentifier).sort().join(', ')})`;
    const oldGroups = (old?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).sort().join(', ');
    const cases: Array<[string, string[]]> = [
      ['failback-default-vpc', [`DB subnet group default (`, `not the old primary's ${oldSubnets}`, `not the old primary's [${oldGroups}]`, 'MultiAZ False, not True']],
      ['failback-other-group', [`VPC security groups [${other.GroupId}], not the old primary's [${oldGroups}]`]],
      ['failback-unencrypted', [`not encrypted (the old primary is, with ${old?.KmsKeyId})`]],
    ];
    for (const [replica, named] of cases) {
      const before = await state();
      const { run, result, after, mutating } = await failbackCalledOff([], { ReplicaDBInstanceIdentifier: replica });
      expect({ replica, exitCode: run.exitCode, status: result.status, step: result.failure?.step }).toEqual({ replica, exitCode: 1, status: 'Failed', step: 'checkFailbackPlacement' });
      expect(result.steps.map((s) => s.step)).toEqual(['describeReplica', 'checkNotPromoted', 'checkReplica', 'checkFailbackPlacement']);
      expect(result.failure?.message).toContain(`${replica} may not take the place of ${account.topology.database.identifier} (nothing changed): `);
      for (const text of named) expect({ replica, said: result.failure?.message }).toEqual({ replica, said: expect.stringContaining(text) });
      // Only what is wrong is named: the placement the other cases get right is not.
      if (replica !== 'failback-default-vpc') expect(result.failure?.message).not.toContain('DB subnet group');
      if (replica !== 'failback-unencrypted') expect(result.failure?.message).not.toContain('not encrypted');
      // Nothing changed: no stop, rename, promotion, switch or enable; the old primary keeps its name and is the same instance.
      expect(mutating).toEqual([]);
      expect(after).toEqual(before);
      expect((await instance(standby.primaryRegion, account.topology.database.identifier))?.DbiResourceId).toBe(made.oldPrimaryResourceId);
      expect((await instance(standby.primaryRegion, replica))?.ReadReplicaSourceDBInstanceIdentifier).toMatch(/^arn:aws:rds:us-west-2:/);
    }
  });

  it("fails back after approval with one writer: the DR consumers stopped and the replica caught up before the promotion, the old primary retired under its new name, the failback replica promoted and renamed, the record switched back, the service pointed at it, the DR queue's leftovers counted", async () => {
    const { failbackResourceId, oldPrimaryResourceId } = await failbackReplica();
    // The DR consumers' function timeout lowered to 3 s for this run, so waitInFlightBatches waits 3 s of real time,
    // not the seed's 30 (the case above waits those on its clock); the document reads it from Lambda.
    await new LambdaClient(at(standby.drRegion)).send(new UpdateFunctionConfigurationCommand({ FunctionName: standby.consumer.functionName, Timeout: 3 }));
    const before = await state();
    // The DR region serves: its consumers are on (the failover above left them Enabled) and its API still takes traffic.
    expect(before.drMapping).toBe('Enabled');
    await sendMessages(standby.primaryRegion, account.topology.queue.url, 20);
    // Accepted by the DR region's API and not yet consumed when the failback starts (no DR consumer runs here): the run
    // stops the DR consumers, so these are left for a person to move, and the run counts them.
    await sendMessages(standby.drRegion, standby.queue.url, 5);
    // RDS publishes the failback replica's ReplicaLag; moto publishes nothing, so the test publishes what RDS for
    // PostgreSQL would (now() - pg_last_xact_replay_timestamp()): 0 while the DR database took writes (before the run),
    // the age of a transaction replayed before the stop (90 s before the whole minute now) in minutes 1 and 2, then one
    // commit replayed at minute 3 (RDS's own write or a person's) and no write after it: 0, 30, 60, 90 s every 30 s,
    // growing with the clock. Under 235's rule (Maximum 0 in 3 minutes after the disable) this never passes. Minute 3
    // begins after the DR consumers' last possible write (the run's disable, seconds from now, + 3 s) whatever the
    // timing; the document's query ends 10 minutes ahead of its own now, so they are read at once.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await publishReplicaLag(minute, [
      [-180, 0],
      [-120, 0],
      [-60, 0],
      [60, 150],
      [120, 210],
      [180, 0],
      [210, 30],
      [240, 60],
      [270, 90],
    ]);
    const consumer = consumerIn(standby.primaryRegion, account.topology.queue.url, account.topology.consumer.mappingUuid);
    // While the mapping is off, this region's consumers take nothing: every message counted below is taken after the enable.
    expect((await consumer.tick()).processed).toBe(0);
    const since = await callCount();

    // In process, on a clock that does not sleep, this region's consumers (the double) run at each of its sleeps. The
    // scripts after the stop meet a slow answer each, on their first call, in the gap proxy: a 10-minute trickle
    // (botocore's per-read timeout never fires), left behind at 31 s on the clock and made again, so the failback goes
    // through as before (decision 313). Main's scripts (boto3's default clients, no wall-clock limit) waited for each
    // past the step's timeout and were stopped there. The reads of CloudWatch in this region, in order: waitReplicaCaughtUp's
    // first (trickled) and second (caught up), verifyTraffic's one poll (the double ran at countDrQueue's waits), then
    // verifyConsumersSucceed's first (trickled; its round is read again 20 s later, whole).
    let advanced = 0;
    let processedInRun = 0;
    const clock: Clock = {
      now: () => new Date(Date.now() + advanced),
      sleep: async (ms) => {
        advanced += ms;
        processedInRun += (await consumer.tick()).processed;
      },
    };
    const here = standby.primaryRegion;
    const faults: FaultRule[] = [
      trickledMetrics(here, 1),
      counted('monitoring', 'GetMetricStatistics', here, 2),
      trickledMetrics(here, 1),
      { service: 'sqs', operation: 'GetQueueUrl', region: standby.drRegion, times: 1, trickleMs: 600_000 },
    ];
    const { run: ran, result, fired, stepClockMs } = await rehearseWithFaults(FAILBACK, here, clock, () => advanced, faults);
    // Then on until a tick takes nothing (what the run left the mapping as decides whether it may).
    let processed = processedInRun;
    for (let ticks = 0; ticks < 100; ticks += 1) {
      const taken = (await consumer.tick()).processed;
      if (taken === 0) break;
      processed += taken;
    }
    expect({ exitCode: ran.exitCode, status: result.status, failure: result.failure }).toEqual({ exitCode: 0, status: 'Success', failure: undefined });
    // Each slow answer fired once, on the call it was meant for; nothing else of CloudWatch was asked.
    expect(fired).toEqual([1, 2, 1, 1]);
    // Each step answered on the script's clock after one call left behind (31 s) and the wait before the next, exactly (the
    // host's own time is not on it), not the 600 s of the answers: waitReplicaCaughtUp 31 + 20 s and its counted second
    // read's 1 ms, countDrQueue 31 + 5 s, verifyConsumersSucceed 31 + 20 s.
    expect(stepClockMs('waitReplicaCaughtUp')).toBeCloseTo(51_001, 2);
    expect(stepClockMs('countDrQueue')).toBe(36_000);
    expect(stepClockMs('verifyConsumersSucceed')).toBe(51_000);
    const run = { ...ran, result };
    expect(run.result.steps.map((s) => s.step)).toEqual([
      ...FAILBACK_CHECKS,
      'stopDrConsumers',
      'checkDrStopped',
      'waitInFlightBatches',
      'waitReplicaCaughtUp',
      'retireOldPrimary',
      'promoteReplica',
      'waitPromoted',
      'takeWatchedName',
      'waitRenamed',
      'describeServing',
      'verifyServingIsFailback',
      'switchRecord',
      'verifyRecordSwitched',
      'recordSwitched',
      'pointServiceAtDatabase',
      'verifyEndpointParameter',
      'findConsumerMapping',
      'enableConsumers',
      'waitConsumersEnabled',
      'countDrQueue',
      'verifyTraffic',
      'verifyConsumersSucceed',
    ]);
    // The DR consumers' own mapping was stopped (read back Disabled), their in-flight batches waited out (the Timeout as
    // Lambda has it now, 3 s), and the replica judged caught up on the first minute that proves a replay after that:
    // minute 3 (Minimum 0), not the zeros before the stop, not minutes 1-2.
    const stopped = stepOutputs(run.result, 'stopDrConsumers');
    expect(stopped.ConsumerTimeoutSeconds).toBe(3);
    expect(Date.parse(String(stopped.WritesEndBy)) - Date.parse(String(stopped.DisabledAt))).toBeGreaterThanOrEqual(3_000);
    expect(Date.parse(String(stopped.WritesEndBy)) - Date.parse(String(stopped.DisabledAt))).toBeLessThan(4_000);
    const minute3 = new Date(minute + 3 * 60_000).toISOString().replace('.000Z', '+00:00');
    expect(run.result.outputs).toEqual(
      expect.objectContaining({
        'stopDrConsumers.MappingUuid': standby.consumer.mappingUuid,
        'stopDrConsumers.StateBefore': 'Enabled',
        'stopDrConsumers.WritesEndBy': stopped.WritesEndBy,
        'waitReplicaCaughtUp.CaughtUpAt': minute3,
        'waitReplicaCaughtUp.ReplayedCommitNotBefore': minute3,
        'countDrQueue.DrQueueMessages': 5,
        'verifyConsumersSucceed.Errors': 0,
        'verifyConsumersSucceed.QueueName': account.topology.queue.name,
      }),
    );
    // This region's queue had its messages deleted since the enable (review 16, R16-4), as SQS counts them.
    expect(run.result.outputs['verifyConsumersSucceed.MessagesDeleted']).toBeGreaterThan(0);
    expect(run.result.outputs['countDrQueue.DrQueueWhatToDo']).toMatch(/^5 left in \S+notification-service-queue \(ApproximateNumberOfMessages 5, .*never enable the DR consumers for them$/);
    // The automation's configured database (resources.databases, what its alarms, grants and diagnoses name) is the one
    // serving: the promoted failback replica, under that name, and the endpoint the consumers read is its endpoint.
    const watched = watchedResources(loadRuntimeConfig(process.env).config, 'production').databases;
    expect(watched).toEqual([account.topology.database.identifier]);
    const serving = await instance(standby.primaryRegion, account.topology.database.identifier);
    expect(serving?.TagList).toEqual(expect.arrayContaining([IS_FAILBACK]));
    expect(serving?.DbiResourceId).toBe(failbackResourceId);
    expect(serving?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(serving?.DBInstanceStatus).toBe('available');
    // Placed where the old primary was, encrypted, the matrix's class and Multi-AZ (checkFailbackPlacement, R23b-1), and
    // promoted with the matrix's backups, not PromoteReadReplica's default of 1 day (R23b-7).
    expect({ backups: serving?.BackupRetentionPeriod, multiAz: serving?.MultiAZ, cls: serving?.DBInstanceClass, encrypted: serving?.StorageEncrypted }).toEqual({ backups: 7, multiAz: true, cls: 'db.r6g.xlarge', encrypted: true });
    const after = await state();
    expect(after.parameter).toEqual({ 'us-east-1': serving?.Endpoint?.Address, 'us-west-2': rebuiltEndpoint });
    // The old primary is kept, retired under its new name; no instance is left under the failback replica's name.
    const retired = await instance(standby.primaryRegion, 'notification-service-db-retired');
    expect(retired?.TagList).toEqual(expect.arrayContaining([IS_OLD_PRIMARY]));
    expect(retired?.TagList).not.toEqual(expect.arrayContaining([IS_FAILBACK]));
    expect(retired?.DbiResourceId).toBe(oldPrimaryResourceId);
    await expect(instance(standby.primaryRegion, FAILBACK_REPLICA)).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
    // One writer at every moment: the DR consumers stopped first, the record switched as soon as the database served
    // under its name, this region's consumers last.
    expect(await mutatingCallsSince(since)).toEqual(['UpdateEventSourceMapping', 'ModifyDBInstance', 'PromoteReadReplica', 'ModifyDBInstance', 'ChangeResourceRecordSets', 'PutParameter', 'UpdateEventSourceMapping']);
    expect(after.records).toEqual({
      'us-east-1': { ...before.records['us-east-1'], failover: 'PRIMARY' },
      'us-west-2': { ...before.records['us-west-2'], failover: 'SECONDARY' },
    });
    // Never two writers: the DR consumers are off (review 13, R13-2: this asserted 'Enabled' before), and what the DR
    // region accepted is still in its queue, for a person to move.
    expect(after.drMapping).toBe('Disabled');
    expect(await visible(standby.drRegion, standby.queue.url)).toBe(5);
    expect(processed).toBe(20);
  });
});
