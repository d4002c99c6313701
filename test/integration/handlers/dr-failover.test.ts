// The automation follows a failover (decision 123), through the real scale-consumers entry point (one playbook) and the
// real SDK against the emulator: the primary topology in us-east-1, its standby in us-west-2 (sandbox/provision-dr.ts:
// the cross-region read replica, the replicated queue, the DR consumer with its mapping disabled), and the DR region's
// own state table, bus, schedule groups and queue-backup alarm. Before the failover the DR region's queue-backup alarm
// is diagnosed and escalated (its consumers are off), nothing changed; once the emulator is in the state NotificationService-FailoverToDR leaves
// (replica promoted, DR mapping enabled, endpoint parameter pointed at the replica) the same alarm scales the DR
// consumers, and the primary's consumers are untouched throughout.
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { Decision } from '../../../shared/pipeline/types';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionDrAutomation, provisionDrStandby, type DrAutomation, type DrStandby } from '../../../sandbox/provision-dr';
import { loadHandler } from '../../support/load-handler';
import { fireAlarm } from '../support/fire-alarm';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const DR = 'us-west-2';
const PRIMARY = 'us-east-1';
const QUEUE_ALARM = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
const MUTATION = /^(Update|Put|Delete|Modify|Create|Promote|Reboot)/;

let account: SandboxAccount;
let standby: DrStandby;
let dr: DrAutomation;
const at = (region: string) => ({ ...account.clientConfig, region });

/** The consumers of both regions as the emulator holds them: mapping state and MaximumConcurrency, reserved concurrency. */
async function consumers() {
  const read = async (region: string, uuid: string, functionName: string) => {
    const lambda = new LambdaClient(at(region));
    try {
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      const reserved = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
      return { state: mapping.State, maximumConcurrency: mapping.ScalingConfig?.MaximumConcurrency, reserved: reserved.ReservedConcurrentExecutions };
    } finally {
      lambda.destroy();
    }
  };
  return {
    primary: await read(PRIMARY, account.topology.consumer.mappingUuid, account.topology.consumer.functionName),
    dr: await read(DR, standby.consumer.mappingUuid, standby.consumer.functionName),
  };
}

/** The DR queue-backup alarm to ALARM (from OK, so each firing is its own state change) and through the real handler. */
async function queueBackupInDr(): Promise<{ decision: Decision; calls: Array<{ service: string; operation: string; accountId?: string }> }> {
  const cloudWatch = new CloudWatchClient(at(DR));
  await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: QUEUE_ALARM, StateValue: 'OK', StateReason: 'test: reset before firing' }));
  cloudWatch.destroy();
  const event = await fireAlarm({ clientConfig: account.clientConfig, accountId: account.accountId, region: DR, alarmName: QUEUE_ALARM, reasonData: { statistic: 'Maximum', recentDatapoints: [1500] } });
  expect(event).toMatchObject({ region: DR });
  const since = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).length;
  const decision = (await loadHandler('scale-consumers')(event)) as Decision;
  const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
  return { decision, calls };
}

beforeAll(async () => {
  account = await provisionAccount('production');
  const runtime = loadRuntimeConfig(process.env);
  standby = await provisionDrStandby({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', primary: account.topology });
  // The DR region's stack: since decision 123 it watches queue-backup too, and has the health checks' schedule group.
  dr = await provisionDrAutomation({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', standby, alsoRows: ['queue-backup'] });
  // 1500 notifications on the replicated queue (the primary's is empty): the backlog the DR consumers would face.
  const sqs = new SQSClient(at(DR));
  for (let batch = 0; batch < 150; batch += 1) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: standby.queue.url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${batch * 10 + i}}` })) }));
  }
  sqs.destroy();
  // The handler below runs as the DR region's function does.
  Object.assign(process.env, { AWS_REGION: DR, AWS_DEFAULT_REGION: DR });
}, 300_000);

describe('scale-consumers follows a failover to the DR region (production us-west-2)', () => {
  it('has the queue-backup alarm and the health checks\' group in the DR region', () => {
    expect(dr.alarms.map((a) => a.name)).toContain(QUEUE_ALARM);
    expect(dr.verifyScheduleGroup?.name).toBe('notification-runbooks-verify');
  });

  it('before the failover: diagnoses and escalates (the DR consumers are off: nothing to scale), and changes nothing in either region', async () => {
    const before = await consumers();
    expect(before).toEqual({
      primary: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
      dr: { state: 'Disabled', maximumConcurrency: 50, reserved: 100 },
    });

    const { decision, calls } = await queueBackupInDr();

    // The standby's mapping waits disabled, so the plan itself finds no consumer to scale there and escalates; the guard
    // would block a change anyway (not serving: test/integration/handlers/dr-region.test.ts, with an enabled mapping).
    expect(decision).toMatchObject({
      outcome: 'escalate',
      region: DR,
      escalation: { cause: 'not-applicable' },
      reason: 'queue notification-service-queue has no enabled event source mapping: no consumer to scale',
    });
    expect(decision.findings).toBeUndefined();
    expect(await consumers()).toEqual(before);
    expect(calls.filter((c) => ['lambda', 'rds', 'ssm'].includes(c.service) && MUTATION.test(c.operation))).toEqual([]);
    // The signal was read in the DR region: the replica described, the mappings listed.
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings']));
  });

  it('after the failover (replica promoted, DR mapping enabled, as FailoverToDR leaves them): scales the DR consumers 50 -> 100, and the primary\'s stay as they were', async () => {
    // What FailoverToDR's steps leave in us-west-2 (steps 6-9), made here with the same calls.
    const rds = new RDSClient(at(DR));
    await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: standby.replica.identifier }));
    const promoted = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: standby.replica.identifier }))).DBInstances?.[0];
    rds.destroy();
    expect(promoted?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    await new SSMClient(at(DR)).send(new PutParameterCommand({ Name: standby.endpointParameterName, Value: standby.replica.endpointAddress, Type: 'String', Overwrite: true }));
    const lambda = new LambdaClient(at(DR));
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: standby.consumer.mappingUuid, Enabled: true }));
    lambda.destroy();
    const before = await consumers();
    expect(before).toEqual({
      primary: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
      dr: { state: 'Enabled', maximumConcurrency: 50, reserved: 100 },
    });

    const { decision, calls } = await queueBackupInDr();

    expect(decision).toMatchObject({ outcome: 'applied', region: DR, after: { maximumConcurrency: { [standby.consumer.mappingUuid]: 100 } } });
    expect(decision.findings).toEqual([
      `us-west-2 (DR region) serving since a failover: the replica ${standby.replica.identifier} is promoted (no replication source) and the DR consumers' mapping ${standby.consumer.mappingUuid} (notification-service-consumer on notification-service-queue) is Enabled`,
    ]);
    // The emulator: the DR consumers scaled, the primary's exactly as before.
    expect(await consumers()).toEqual({ primary: before.primary, dr: { state: 'Enabled', maximumConcurrency: 100, reserved: 100 } });
    // The one mapping written is the DR consumers' (the proxy's log names no region: the UUID does).
    const writes = calls.filter((c) => c.service === 'lambda' && MUTATION.test(c.operation));
    expect(writes.map((c) => c.operation)).toEqual(['UpdateEventSourceMapping']);
    // Its health check is scheduled in the DR region's own group.
    expect(decision.healthCheck?.schedule).toBeDefined();
  });
});
