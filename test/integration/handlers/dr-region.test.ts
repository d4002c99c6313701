// The DR region (production us-west-2) through the real handlers of the rows that change something and the real SDK:
// while the region does not serve, the standby is never scaled (the decision escalates with the DR cause, or for Queue
// Backup's alarm on the replicated queue defers to the standby watch's alarm on the same metric, decision 158, naming
// what the handler read, and the emulator is unchanged); once it serves as FailoverToDR leaves it, scale-consumers acts.
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { loadHandler } from '../../support/load-handler';
import { breach, provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

async function concurrency(account: SandboxAccount): Promise<{ maximum?: number; reserved?: number }> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  const reserved = await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }));
  return { maximum: mapping.ScalingConfig?.MaximumConcurrency, reserved: reserved.ReservedConcurrentExecutions };
}

const MUTATIONS = /^(Update|Put|Delete|Modify|Create|Publish)/;
const REPLICA = 'notification-service-db-replica';
// The guard's text after what the real reader read (decision 123): the sandbox provisions the primary's topology in
// us-west-2, so its consumer mapping is Enabled and no instance carries the replica's identifier.
const STANDBY_TAIL = ': its resources are the standby and serve no traffic, so the automation does not scale or resize them (report-only); a person decides';
const NO_REPLICA = `us-west-2 is the DR region of production and not serving: the replica ${REPLICA} does not exist here; the mapping is Enabled, but that alone is not a failover${STANDBY_TAIL}`;
// Queue Backup's alarm there watches the replicated queue's depth, as the standby watch's depth alarm does: its decision
// defers to that alarm while the region does not serve (decision 158), naming what the reader read.
const STANDBY_DEPTH = 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)';
const deferredBecause = (notServing: string) =>
  `deferred to watch-standby: us-west-2 is the DR region of production and not serving: ${notServing}; the standby watch's alarm "${STANDBY_DEPTH}" watches the same ` +
  'AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=notification-service-queue) and reports it (5 of 5 datapoints in 5 min above 1000): one incident for one cause, ' +
  'this decision is recorded on that incident; scale-consumers acts here again once the region serves';

describe('scale-consumers in the DR region (production, us-west-2)', () => {
  it('does not scale the standby consumers: defers to the standby watch, naming why the region does not serve, and changes nothing in the emulator', async () => {
    const account = await provisionAccount('production', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    expect(account.clientConfig.region).toBe('us-west-2');
    const handler = loadHandler('scale-consumers');
    const before = await concurrency(account);
    expect(before).toEqual({ maximum: 50, reserved: 100 });

    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await handler(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);

    // What the handler's own reader read, exactly: a reader that failed to load or read would say something else.
    expect((await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).State).toBe('Enabled');
    expect(decision).toMatchObject({
      outcome: 'skipped',
      region: 'us-west-2',
      dryRun: false,
      deferredTo: { playbook: 'watch-standby', alarmName: STANDBY_DEPTH },
      reason: deferredBecause(`the replica ${REPLICA} does not exist here; the mapping is Enabled, but that alone is not a failover`),
      findings: ['planned, not applied: scale consumers of notification-service-queue: MaximumConcurrency 50 -> 100 (queue depth 0)'],
    });
    expect(decision.escalation).toBeUndefined();
    // The plan was made (the figures a person needs), and not applied.
    expect(decision.before).toMatchObject({ maximumConcurrency: { [account.topology.consumer.mappingUuid]: 50 } });
    expect(decision.after).toMatchObject({ maximumConcurrency: { [account.topology.consumer.mappingUuid]: 100 } });
    expect(await concurrency(account)).toEqual(before);
    // The handler read Lambda, SQS and CloudWatch but called no Lambda write (the state table and the decision bus are its own records).
    const lambdaWrites = calls.filter((c) => c.service === 'lambda' && MUTATIONS.test(c.operation));
    expect(calls.some((c) => c.service === 'lambda')).toBe(true);
    expect(lambdaWrites).toEqual([]);
  });

  // The other two rows that change something, each through its real handler in us-west-2: an alarm of theirs there (the
  // topology below is the primary's, provisioned in the DR region: its consumer mapping is Enabled, but no instance is
  // the replica, so the region does not serve, decision 123) changes nothing. raise-lambda-memory escalates with the DR
  // cause and what was read; scale-up-database's CPU alarm is not one the configuration routes to it in the DR region
  // (CPU Utilization is watched in the primary only), so it is refused as input before any AWS call (decision 184; before
  // that, it was refused for naming the primary's database identifier, whose DR counterpart is the replica: decision 123).
  it.each([
    [
      'raise-lambda-memory',
      'the consumer\'s memory',
      {
        outcome: 'escalate',
        escalation: { cause: 'guardrail', guardrail: 'dr-region' },
        reason: `raise memory of notification-service-consumer after out-of-memory errors: memory 512 -> 768 MB: update your IaC (changed outside infrastructure code) — blocked: ${NO_REPLICA} (NotificationService-RaiseLambdaMemory)`,
      },
    ],
    ['scale-up-database', 'the database\'s class', { outcome: 'rejected', reason: expect.stringContaining('is not one the production environment watches with scale-up-database in us-west-2') }],
  ])('%s does not change %s in the DR region, and the emulator is unchanged', async (handlerName, _what, expected) => {
    const account = await provisionAccount('production', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    const handler = loadHandler(handlerName);
    const rds = new RDSClient(account.clientConfig);
    const state = async () => ({
      memoryMb: (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize,
      instanceClass: (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }))).DBInstances?.[0]?.DBInstanceClass,
    });
    const before = await state();
    const alarm = account.topology.alarmNamesByHandler[handlerName]?.[0] ?? '';
    await breach(account, handlerName); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(alarm, 'ALARM');
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await handler(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
    expect(decision).toMatchObject({ region: 'us-west-2', dryRun: false, ...expected });
    expect(calls.filter((c) => ['lambda', 'rds'].includes(c.service) && MUTATIONS.test(c.operation))).toEqual([]);
    expect(await state()).toEqual(before);
  });

  // As FailoverToDR leaves the region: the replica's identifier on a standalone instance (moto's CreateDBInstance: no
  // replication source, `available`), the consumer mapping Enabled. The real bundle's reader reads both and the row
  // acts, naming the signal; the same instance stopped (a promoted instance retired or stopped after a failback, review
  // F1) is not serving and nothing changes.
  it.each([
    ['available', true],
    ['stopped', false],
  ])('scale-consumers with the promoted replica %s and the mapping Enabled: serving=%s, seen in the emulator', async (status, serving) => {
    const account = await provisionAccount('production', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    const rds = new RDSClient(account.clientConfig);
    await rds.send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: REPLICA, DBInstanceClass: 'db.r6g.large', Engine: 'postgres', MasterUsername: 'dr', MasterUserPassword: 'sandbox-password-1', AllocatedStorage: 20 }),
    );
    if (status === 'stopped') await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: REPLICA }));
    const [instance] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: REPLICA }))).DBInstances ?? [];
    expect(instance).toMatchObject({ DBInstanceStatus: status });
    expect(instance?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    const uuid = account.topology.consumer.mappingUuid;
    expect((await account.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Enabled');
    const before = await concurrency(account);
    expect(before).toEqual({ maximum: 50, reserved: 100 });
    const handler = loadHandler('scale-consumers');

    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const decision = await handler(await account.transition(queueAlarmName(account.topology), 'ALARM'));

    const signal = `the replica ${REPLICA} is promoted (no replication source) and the DR consumers' mapping ${uuid} (notification-service-consumer on notification-service-queue) is Enabled`;
    if (serving) {
      expect(decision).toMatchObject({
        outcome: 'applied',
        region: 'us-west-2',
        // The replicated queue is empty here; SQS's metric bears out the alarm (decision 217), said first.
        findings: [expect.stringContaining('queue depth 0 is not > 1000 (the alarm\'s threshold, from the configuration) now, but CloudWatch bears out the alarm'), `us-west-2 (DR region) serving since a failover: ${signal}`],
      });
      expect(await concurrency(account)).toEqual({ maximum: 100, reserved: 100 });
    } else {
      // Not serving, judged from what was read: Queue Backup's alarm defers to the standby watch's (decision 158).
      expect(decision).toMatchObject({
        outcome: 'skipped',
        deferredTo: { playbook: 'watch-standby', alarmName: STANDBY_DEPTH },
        reason: deferredBecause(
          `the replica ${REPLICA} has no replication source but is stopped, not one of the statuses a serving database has (available, backing-up, modifying, storage-optimization, configuring-enhanced-monitoring, configuring-iam-database-auth, configuring-log-exports); the mapping is Enabled, but that alone is not a failover`,
        ),
      });
      expect(await concurrency(account)).toEqual(before);
    }
  });
});
