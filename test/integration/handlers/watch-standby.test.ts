// The DR region's standby watch (production us-west-2) through the real watch-standby and escalate entry points and the
// real SDK, against the emulator: the primary topology in us-east-1, its cross-region read replica, the replicated queue
// and the DR consumer (mapping disabled) in us-west-2 (sandbox/provision-dr.ts), and the DR region's own state table,
// bus, tier topics and standby alarms. A lagging replica pages L1; nothing in either region is changed.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionDrAutomation, provisionDrStandby, type DrAutomation, type DrStandby } from '../../../sandbox/provision-dr';
import { loadHandler } from '../../support/load-handler';
import { fireAlarm } from '../support/fire-alarm';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const DR = 'us-west-2';
/** Any call that changes something, on the services whose resources are the standby or the primary. */
const MUTATION = /^(Update|Put|Delete|Modify|Create|Promote|Reboot|Start|Stop|Change|Set|Send|Purge|Publish|Add|Remove|Tag|Untag|Restore|Failover)/;
const STANDBY_SERVICES = new Set(['rds', 'lambda', 'sqs', 'ssm', 'route53']);

let account: SandboxAccount;
let standby: DrStandby;
let dr: DrAutomation;
let inbox: EscalationInbox;
const at = (region: string) => ({ ...account.clientConfig, region });

/** Everything the standby watch could change, as the emulator holds it, in both regions. */
async function standbyState() {
  const rds = new RDSClient(at(DR));
  const lambda = new LambdaClient(at(DR));
  const replica = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: standby.replica.identifier }))).DBInstances?.[0];
  const primaryDb = (await new RDSClient(at('us-east-1')).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }))).DBInstances?.[0];
  const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid }));
  const consumer = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: standby.consumer.functionName }));
  const parameter = (await new SSMClient(at(DR)).send(new GetParameterCommand({ Name: standby.endpointParameterName }))).Parameter?.Value;
  return {
    replica: { source: replica?.ReadReplicaSourceDBInstanceIdentifier, status: replica?.DBInstanceStatus, cls: replica?.DBInstanceClass },
    primaryDb: { cls: primaryDb?.DBInstanceClass, replicas: primaryDb?.ReadReplicaDBInstanceIdentifiers },
    mapping: { state: mapping.State, maximumConcurrency: mapping.ScalingConfig?.MaximumConcurrency },
    consumer: { memoryMb: consumer.MemorySize },
    parameter,
  };
}

/** Sets a DR alarm's state in the emulator and returns the event CloudWatch would emit. */
const fire = (alarmName: string, reasonData: Record<string, unknown>): Promise<Record<string, unknown>> =>
  fireAlarm({ clientConfig: account.clientConfig, accountId: account.accountId, region: DR, alarmName, reasonData });

const alarmNamed = (part: string): string => {
  const found = dr.alarms.find((a) => a.name.includes(part));
  if (!found) throw new Error(`no DR alarm with "${part}": ${dr.alarms.map((a) => a.name).join(', ')}`);
  return found.name;
};

async function decisionsOnTheBus(): Promise<Array<Record<string, unknown>>> {
  const sqs = new SQSClient(at(DR));
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dr.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  for (const m of received.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: dr.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
  return (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
}

beforeAll(async () => {
  account = await provisionAccount('production');
  const runtime = loadRuntimeConfig(process.env);
  standby = await provisionDrStandby({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', primary: account.topology });
  dr = await provisionDrAutomation({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', standby });
  inbox = await createEscalationInbox(at(DR), dr, 'dr-escalation-inbox');
  // The handlers below run as the DR region's functions do.
  Object.assign(process.env, { AWS_REGION: DR, AWS_DEFAULT_REGION: DR });
}, 180_000);

describe('watch-standby in the DR region (production us-west-2)', () => {
  it('has exactly the standby alarms in the DR region: replica lag, replicated queue depth and age, none of a row that changes something', () => {
    expect(dr.alarms.map((a) => a.name)).toEqual([
      'NotificationService DR Replica Lag > 300 s (notification-service-db-replica)',
      'NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)',
      'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)',
      'NotificationService DR Replicated Queue Oldest Message > 3600 s (notification-service-queue)',
    ]);
    expect(standby.replica.identifier).toBe('notification-service-db-replica');
  });

  it('pages L1 for a replica 420 s behind, with what it observed and FailoverToDR as the human step, and changes nothing in either region', async () => {
    // The replica's lag as RDS publishes it (AWS/RDS ReplicaLag, seconds), and 40 messages on the replicated queue.
    const now = Date.now();
    await new CloudWatchClient(at(DR)).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [380, 400, 420].map((Value, i) => ({
          MetricName: 'ReplicaLag',
          Value,
          Unit: 'Seconds',
          // 12 to 10 minutes ago: the replication-not-active case below puts its -1s in the last 3 minutes, other buckets.
          Timestamp: new Date(now - (12 - i) * 60_000),
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.replica.identifier }],
        })),
      }),
    );
    const sqs = new SQSClient(at(DR));
    for (let batch = 0; batch < 4; batch += 1) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: standby.queue.url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${batch * 10 + i}}` })) }));
    }
    const before = await standbyState();
    expect(before).toMatchObject({ replica: { status: 'available' }, mapping: { state: 'Disabled' } });
    expect(before.replica.source).toBeTruthy();

    const event = await fire(alarmNamed('Replica Lag'), { statistic: 'Maximum', recentDatapoints: [380, 400, 420] });
    const watchStandby = loadHandler('watch-standby');
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await watchStandby(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);

    expect(decision).toMatchObject({
      playbook: 'watch-standby',
      outcome: 'escalate',
      environment: 'production',
      region: DR,
      dryRun: false,
      escalation: { cause: 'diagnosis' },
      resource: { type: 'rds-db-instance', id: 'notification-service-db-replica' },
    });
    expect(decision.reason).toBe(
      'DR standby of production in us-west-2: the replica notification-service-db-replica is 420 s behind its source (pages above 300 s): ' +
        'a failover now would lose about that much of the latest writes. Nothing was changed; a person decides: if the primary region is lost, ' +
        'NotificationService-FailoverToDR (behind approval) promotes the replica and moves traffic here',
    );
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^replica notification-service-db-replica \(available, replica of .*notification-service-db\): ReplicaLag over the last 15 min latest 420 s, highest 420 s \(3 datapoint\(s\)\); pages above 300 s$/),
        expect.stringMatching(/^replicated queue notification-service-queue: 40 message\(s\) visible now;/),
        `DR consumer notification-service-consumer (mapping ${standby.consumer.mappingUuid}): Disabled - as expected on the standby, until a failover enables it`,
      ]),
    );

    // It read the replica, the queue, the mapping and the metrics; it called nothing that changes them.
    const reads = calls.filter((c) => STANDBY_SERVICES.has(c.service)).map((c) => `${c.service}:${c.operation}`);
    expect(reads).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'sqs:GetQueueAttributes', 'lambda:ListEventSourceMappings']));
    // The mappings were read once, ahead of the queue's attributes, by the ARN the queue's name, account and region give:
    // the QueueArn SQS answered was that one (another would have been read again), and the mapping above was found by it.
    expect(reads.filter((r) => r === 'lambda:ListEventSourceMappings')).toHaveLength(1);
    expect(calls.filter((c) => STANDBY_SERVICES.has(c.service) && MUTATION.test(c.operation))).toEqual([]);
    expect(await standbyState()).toEqual(before);

    // The decision went to the DR region's project bus; escalate takes it from there and pages L1 (DevOps), only L1.
    const published = await decisionsOnTheBus();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ 'detail-type': 'Runbook Decision', region: DR, detail: { playbook: 'watch-standby', outcome: 'escalate' } });
    const escalate = loadHandler<EscalationHandler>('escalate');
    await escalate(published[0]);
    const pages = await inbox.read();
    // Production's L1 is reached by chat and email (defaults.ts); no other tier yet.
    expect(pages.map((m) => `${m.level} ${m.channel}`).sort()).toEqual(['1 chat', '1 email']);
    const email = pages.find((m) => m.channel === 'email');
    expect(email?.message).toContain('420 s behind');
    expect(email?.message).toContain('NotificationService-FailoverToDR');
    expect(email?.message).toContain('notification-service-db-replica');
    expect(await standbyState()).toEqual(before);
  });

  // Decision 360 (R21-4): MySQL/MariaDB report ReplicaLag -1 while replication is not active; the lag alarm (> 300)
  // stays OK on it, the second alarm on the same series (Maximum < 0, 5 of 5) fires, and watch-standby escalates.
  it('escalates "replication is not active" for ReplicaLag -1 from the Replication Not Active alarm, and changes nothing', async () => {
    const now = Date.now();
    await new CloudWatchClient(at(DR)).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [0, 1, 2].map((i) => ({
          MetricName: 'ReplicaLag',
          Value: -1,
          Unit: 'Seconds',
          Timestamp: new Date(now - (2 - i) * 60_000),
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.replica.identifier }],
        })),
      }),
    );
    const before = await standbyState();
    const event = await fire(alarmNamed('Replication Not Active'), { statistic: 'Maximum', recentDatapoints: [-1, -1, -1, -1, -1] });
    expect(event).toMatchObject({ detail: { configuration: { metrics: [{ metricStat: { metric: { name: 'ReplicaLag' }, stat: 'Maximum' } }] } } });
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await loadHandler('watch-standby')(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
    expect(decision).toMatchObject({ playbook: 'watch-standby', outcome: 'escalate', region: DR, resource: { type: 'rds-db-instance', id: 'notification-service-db-replica' } });
    expect(decision.reason).toContain('notification-service-db-replica reports ReplicaLag -1: replication is not active');
    expect(calls.filter((c) => STANDBY_SERVICES.has(c.service) && MUTATION.test(c.operation))).toEqual([]);
    expect(await standbyState()).toEqual(before);
    const published = await decisionsOnTheBus();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ detail: { playbook: 'watch-standby', outcome: 'escalate' } });
  });

  it('refuses an alarm of the primary region: no standby there, nothing read from the standby, nothing changed', async () => {
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' });
    try {
      const watchStandby = loadHandler('watch-standby');
      const queueAlarm = account.topology.alarmNamesByHandler['scale-consumers']?.[0] ?? '';
      const event = await account.transition(queueAlarm, 'ALARM');
      const before = await standbyState();
      const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
      const decision = await watchStandby(event);
      const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
      // No alarm is routed to watch-standby in a primary region: refused as one it does not watch (decision 184).
      expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('is not one the production environment watches with watch-standby in us-east-1') });
      expect(calls.filter((c) => STANDBY_SERVICES.has(c.service))).toEqual([]);
      expect(await standbyState()).toEqual(before);
    } finally {
      Object.assign(process.env, { AWS_REGION: DR, AWS_DEFAULT_REGION: DR });
    }
  });
});
