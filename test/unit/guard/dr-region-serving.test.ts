// "This DR region serves now" (decision 123): judged from the replica and the DR consumers' mapping, read in the region,
// failing closed; and the guard that lets the changing rows act there only while it serves.
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { evaluateGuardrails, type GuardInput } from '../../../shared/guard/evaluate-guardrails';
import { judgeRegionServing, type RegionServingReading } from '../../../shared/guard/region-serving';
import { createRegionServingReader, readRegionServing } from '../../../shared/guard/region-serving-reader';

const ACCOUNT = '123456789012';
const REPLICA = 'notification-service-db-replica';
const QUEUE_ARN = `arn:aws:sqs:us-west-2:${ACCOUNT}:notification-service-queue`;
const CONSUMER_ARN = `arn:aws:lambda:us-west-2:${ACCOUNT}:function:notification-service-consumer`;
const PRIMARY_ARN = `arn:aws:rds:us-east-1:${ACCOUNT}:db:notification-service-db`;

const runtimeIn = (region: string, overrides: unknown = {}) =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });

const promoted: RegionServingReading['replica'] = { read: 'found', status: 'available' };
const replicating: RegionServingReading['replica'] = { read: 'found', status: 'available', replicationSource: PRIMARY_ARN };
const mapping = (state: string, uuid = 'u-1', functionName = 'notification-service-consumer') => ({ uuid, functionName, queueName: 'notification-service-queue', state });
const mappings = (...list: Array<ReturnType<typeof mapping>>): RegionServingReading['mappings'] => ({ read: 'ok', list });

describe('judgeRegionServing', () => {
  // Each row: what FailoverToDR / FailbackToPrimary (or a fault) leaves in us-west-2, and what the judgement must say.
  it.each<[string, RegionServingReading['replica'], RegionServingReading['mappings'], boolean, string]>([
    ['after FailoverToDR: replica promoted, mapping Enabled', promoted, mappings(mapping('Enabled')), true, `the replica ${REPLICA} is promoted (no replication source) and the DR consumers' mapping u-1 (notification-service-consumer on notification-service-queue) is Enabled`],
    ['the standby as provisioned: replica replicating, mapping Disabled', replicating, mappings(mapping('Disabled')), false, `still replicates ${PRIMARY_ARN} (not promoted)`],
    ['FailoverToDR stopped after the promotion: mapping still Disabled', promoted, mappings(mapping('Disabled')), false, 'is Disabled; the replica notification-service-db-replica is promoted, but that alone is not a failover'],
    ['a mapping enabled by hand while the replica replicates', replicating, mappings(mapping('Enabled')), false, 'not promoted); the mapping is Enabled, but that alone is not a failover'],
    ['after the failback\'s by-hand step: mapping disabled again', promoted, mappings(mapping('Disabled')), false, 'is Disabled'],
    ['a mapping still Enabling', promoted, mappings(mapping('Enabling')), false, 'is Enabling'],
    ['a mapping Updating (says nothing certain)', promoted, mappings(mapping('Updating')), false, 'is Updating'],
    ['two mappings, one not Enabled', promoted, mappings(mapping('Enabled', 'u-1'), mapping('Disabled', 'u-2')), false, 'u-2 (notification-service-consumer on notification-service-queue) is Disabled'],
    ['no mapping of the consumers', promoted, mappings(), false, 'no event source mapping of the configured consumers reads the configured queues here'],
    ['the replica missing', { read: 'missing' }, mappings(mapping('Enabled')), false, `the replica ${REPLICA} does not exist here`],
    ['the replica unreadable', { read: 'failed', error: 'AccessDeniedException' }, mappings(mapping('Enabled')), false, `the replica ${REPLICA} could not be read (AccessDeniedException)`],
    ['the mappings unreadable', promoted, { read: 'failed', error: 'ThrottlingException' }, false, "mappings could not be read (ThrottlingException)"],
    ['nothing read', { read: 'not-read' }, { read: 'not-read' }, false, 'was not read'],
  ])('%s', (_case, replica, list, serving, reason) => {
    const judged = judgeRegionServing({ replicaIdentifier: REPLICA, replica, mappings: list });
    expect(judged.serving).toBe(serving);
    expect(judged.reason).toContain(reason);
    expect(judged.reason.startsWith(serving ? 'serving since a failover' : 'not serving: ')).toBe(true);
  });

  it('is not serving without a configured replica, whatever was read', () => {
    expect(judgeRegionServing({ replicaIdentifier: undefined, replica: promoted, mappings: mappings(mapping('Enabled')) })).toEqual({
      serving: false,
      reason: 'no disasterRecovery.replicaIdentifier is configured, so nothing says this region serves',
    });
  });
});

describe('readRegionServing reads the region itself (RDS and Lambda mocked)', () => {
  const rds = mockClient(RDSClient);
  const lambda = mockClient(LambdaClient);
  const dr = runtimeIn('us-west-2');
  beforeEach(() => {
    rds.reset();
    lambda.reset();
  });
  const reader = () => createRegionServingReader({ region: 'us-west-2', maxAttempts: 1, retryMode: 'standard', requestHandler: { connectionTimeout: 100, requestTimeout: 100 } }, dr);

  it('serves after a failover: the replica described has no source, the consumer mapping on the queue is Enabled', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, EventSourceArn: QUEUE_ARN, State: 'Enabled' }] });
    await expect(reader().read(ACCOUNT)).resolves.toMatchObject({ serving: true });
    // It asked about the configured replica, and the mappings of this region's queue in this account: nothing else.
    expect(rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: REPLICA }]);
    expect(lambda.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input)).toEqual([{ EventSourceArn: QUEUE_ARN }]);
  });

  it('is not serving before a failover (the standby as provisioned)', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: PRIMARY_ARN }] });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Disabled' }] });
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain('still replicates');
  });

  it('ignores another function\'s mapping on the queue, and reads every page', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    lambda
      .on(ListEventSourceMappingsCommand, { EventSourceArn: QUEUE_ARN, Marker: undefined })
      .resolves({ EventSourceMappings: [{ UUID: 'other', FunctionArn: CONSUMER_ARN.replace('notification-service-consumer', 'audit-tap'), State: 'Disabled' }], NextMarker: 'p2' })
      .on(ListEventSourceMappingsCommand, { EventSourceArn: QUEUE_ARN, Marker: 'p2' })
      .resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    const judged = await reader().read(ACCOUNT);
    expect(judged).toMatchObject({ serving: true });
    expect(judged.reason).not.toContain('other');
    expect(lambda.commandCalls(ListEventSourceMappingsCommand)).toHaveLength(2);
  });

  it.each([
    ['RDS denied', 'rds', 'AccessDenied', 'the replica notification-service-db-replica could not be read (AccessDenied'],
    ['RDS throttled', 'rds', 'Throttling', 'the replica notification-service-db-replica could not be read (Throttling'],
    ['Lambda denied', 'lambda', 'AccessDeniedException', "the DR consumers' event source mappings could not be read (AccessDeniedException"],
    ['Lambda throttled', 'lambda', 'TooManyRequestsException', "mappings could not be read (TooManyRequestsException"],
  ])('fails closed when %s: not serving, naming the error, never thrown', async (_case, service, name, reason) => {
    const fault = Object.assign(new Error(`${name} from the test`), { name });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    if (service === 'rds') rds.on(DescribeDBInstancesCommand).rejects(fault);
    else lambda.on(ListEventSourceMappingsCommand).rejects(fault);
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain(reason);
    // The fault fired: the failing service was called.
    expect((service === 'rds' ? rds.commandCalls(DescribeDBInstancesCommand) : lambda.commandCalls(ListEventSourceMappingsCommand)).length).toBeGreaterThan(0);
  });

  it('reads a missing replica as missing, not as a failure', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' }));
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    await expect(readRegionServing({ rds: new RDSClient({}), lambda: new LambdaClient({}) }, dr, ACCOUNT)).resolves.toMatchObject({
      serving: false,
      reason: expect.stringContaining(`the replica ${REPLICA} does not exist here`),
    });
  });

  it('reads nothing of RDS without a DR configuration, and is not serving', async () => {
    const noDr = { ...dr, env: { ...dr.env, disasterRecovery: undefined } };
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    await expect(readRegionServing({ rds: new RDSClient({}), lambda: new LambdaClient({}) }, noDr, ACCOUNT)).resolves.toMatchObject({ serving: false });
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });
});

describe('evaluateGuardrails with the serving signal', () => {
  const dr = runtimeIn('us-west-2');
  const primary = runtimeIn('us-east-1');
  const base = { resourceState: undefined, nowSeconds: 1_800_000_000, killSwitch: { engaged: false, reason: 'off' }, incidentKey: 'a#1', direction: 'scale-up' as const };
  const serving = { serving: true, reason: 'serving since a failover: test' };
  const notServing = { serving: false, reason: 'not serving: the replica is still a replica' };

  it.each<[string, Partial<GuardInput>, object]>([
    ['serving: an automatic row applies', { row: 'queue-backup', regionServing: serving }, { action: 'apply' }],
    ['serving: production\'s approval row asks for approval, as in the primary', { row: 'cpu-utilization', regionServing: serving }, { action: 'block', guardrail: 'approval-required' }],
    ['serving: the kill switch still makes it a dry run', { row: 'queue-backup', regionServing: serving, killSwitch: { engaged: true, reason: 'kill switch on' } }, { action: 'dry-run', reason: 'kill switch on' }],
    ['serving: the cooldown still holds', { row: 'queue-backup', regionServing: serving, resourceState: { version: 1, changeTimesSeconds: [1_800_000_000 - 10], lastScaleUpAtSeconds: 1_800_000_000 - 10 } }, { action: 'block', guardrail: 'cooldown' }],
    ['not serving: blocked with the DR cause and why', { row: 'queue-backup', regionServing: notServing }, { action: 'block', guardrail: 'dr-region' }],
    ['not read: blocked (fails closed)', { row: 'queue-backup' }, { action: 'block', guardrail: 'dr-region' }],
    ['not serving: a restore is blocked too', { row: 'queue-backup', direction: 'restore', regionServing: notServing }, { action: 'block', guardrail: 'dr-region' }],
  ])('in the DR region, %s', (_case, fields, expected) => {
    expect(evaluateGuardrails({ ...base, runtime: dr, ...fields })).toMatchObject(expected);
  });

  it('names why the DR region does not serve in the block', () => {
    const verdict = evaluateGuardrails({ ...base, row: 'queue-backup', runtime: dr, regionServing: notServing });
    expect('reason' in verdict && verdict.reason).toBe(
      'us-west-2 is the DR region of production and not serving: the replica is still a replica: its resources are the standby and serve no traffic, so the automation does not scale or resize them (report-only); a person decides',
    );
  });

  it('leaves the primary region as it was: the signal is ignored there, serving or not', () => {
    expect(evaluateGuardrails({ ...base, row: 'queue-backup', runtime: primary, regionServing: notServing })).toEqual({ action: 'apply' });
    expect(evaluateGuardrails({ ...base, row: 'queue-backup', runtime: primary })).toEqual({ action: 'apply' });
  });
});
