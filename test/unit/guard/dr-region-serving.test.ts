// "This DR region serves now" (decision 123): judged from the replica and the DR consumers' mapping, read in the region,
// failing closed; and the guard that lets the changing rows act there only while it serves.
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { clientConfig } from '../../../shared/aws/client-config';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { evaluateGuardrails, type GuardInput } from '../../../shared/guard/evaluate-guardrails';
import { judgeRegionServing, type RegionServingReading } from '../../../shared/guard/region-serving';
import { createRegionServingReader, MAX_MAPPING_PAGES, readRegionServing } from '../../../shared/guard/region-serving-reader';

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
const QUEUES = ['notification-service-queue'];

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
    ['FailbackToPrimary\'s by-hand step under way: mapping Disabling', promoted, mappings(mapping('Disabling')), false, 'u-1 (notification-service-consumer on notification-service-queue) is Disabling'],
    ['a mapping being Created (not consuming yet)', promoted, mappings(mapping('Creating')), false, 'u-1 (notification-service-consumer on notification-service-queue) is Creating'],
    ['a mapping being Deleted', promoted, mappings(mapping('Deleting')), false, 'u-1 (notification-service-consumer on notification-service-queue) is Deleting'],
    ['a mapping Lambda answered with no State (the reader\'s "unknown")', promoted, mappings(mapping('unknown')), false, 'u-1 (notification-service-consumer on notification-service-queue) is unknown'],
    ['an Aurora cluster member under the replica\'s name (its replication is per cluster)', { read: 'found', status: 'available', cluster: 'notification-aurora' }, mappings(mapping('Enabled')), false, `the replica ${REPLICA} is a member of the Aurora cluster notification-aurora`],
    ['two mappings, one not Enabled', promoted, mappings(mapping('Enabled', 'u-1'), mapping('Disabled', 'u-2')), false, 'u-2 (notification-service-consumer on notification-service-queue) is Disabled'],
    ['no mapping of the consumers', promoted, mappings(), false, 'no event source mapping of the configured consumers reads the configured queues here'],
    ['the replica missing', { read: 'missing' }, mappings(mapping('Enabled')), false, `the replica ${REPLICA} does not exist here`],
    ['the replica unreadable', { read: 'failed', error: 'AccessDeniedException' }, mappings(mapping('Enabled')), false, `the replica ${REPLICA} could not be read (AccessDeniedException)`],
    ['the mappings unreadable', promoted, { read: 'failed', error: 'ThrottlingException' }, false, "mappings could not be read (ThrottlingException)"],
    ['nothing read', { read: 'not-read' }, { read: 'not-read' }, false, 'was not read'],
  ])('%s', (_case, replica, list, serving, reason) => {
    const judged = judgeRegionServing({ replicaIdentifier: REPLICA, queues: QUEUES, replica, mappings: list });
    expect(judged.serving).toBe(serving);
    expect(judged.reason).toContain(reason);
    expect(judged.reason.startsWith(serving ? 'serving since a failover' : 'not serving: ')).toBe(true);
    // Only a read that failed or was not made leaves the region's state unknown (nothing deferred on it: decision 158);
    // a replica missing or replicating, a mapping Disabled are read and judged.
    const failedRead = [replica.read, list.read].some((read) => read === 'failed' || read === 'not-read');
    expect(judged.unread).toBe(failedRead ? true : undefined);
  });

  // The promoted replica's DBInstanceStatus (AWS's documented values), the mapping Enabled. FailoverToDR's waitPromoted
  // waits for `available`; a live database also passes through its daily backup and modifications (this automation's
  // own scale-up-database among them) while it keeps taking connections: those serve. The rest do not: the instance
  // retired after a failback (deleting), stopped, mid-promotion (rebooting), broken or being created.
  const SERVING_STATUSES = ['available', 'backing-up', 'modifying', 'storage-optimization', 'configuring-enhanced-monitoring', 'configuring-iam-database-auth', 'configuring-log-exports'];
  const NOT_SERVING_STATUSES = [
    'rebooting', 'maintenance', 'upgrading', 'stopping', 'stopped', 'starting', 'deleting', 'delete-precheck', 'creating', 'failed', 'storage-full',
    'incompatible-parameters', 'incompatible-network', 'incompatible-option-group', 'incompatible-restore', 'inaccessible-encryption-credentials',
    'inaccessible-encryption-credentials-recoverable', 'insufficient-capacity', 'restore-error', 'renaming', 'resetting-master-credentials',
    'converting-to-vpc', 'moving-to-vpc', 'storage-initializing', 'storage-config-upgrade', 'a-status-aws-adds-later',
  ];
  it.each(SERVING_STATUSES)('serves with the promoted replica %s and the mapping Enabled', (status) => {
    expect(judgeRegionServing({ replicaIdentifier: REPLICA, queues: QUEUES, replica: { read: 'found', status }, mappings: mappings(mapping('Enabled')) })).toMatchObject({ serving: true });
  });
  it.each(NOT_SERVING_STATUSES)('does not serve with the promoted replica %s, even with the mapping Enabled', (status) => {
    expect(judgeRegionServing({ replicaIdentifier: REPLICA, queues: QUEUES, replica: { read: 'found', status }, mappings: mappings(mapping('Enabled')) })).toEqual({
      serving: false,
      reason: `not serving: the replica ${REPLICA} has no replication source but is ${status}, not one of the statuses a serving database has (${SERVING_STATUSES.join(', ')}); the mapping is Enabled, but that alone is not a failover`,
    });
  });
  it('does not serve when RDS answered no status', () => {
    expect(judgeRegionServing({ replicaIdentifier: REPLICA, queues: QUEUES, replica: { read: 'found' }, mappings: mappings(mapping('Enabled')) }).reason).toContain(`the replica ${REPLICA} has no replication source but is of no status`);
  });

  // Every configured queue must be consumed here: one queue's Enabled mapping says nothing of the other queue's consumers.
  it.each<[string, Array<ReturnType<typeof mapping>>, boolean, string]>([
    ['both queues consumed, every mapping Enabled', [mapping('Enabled', 'u-1'), { ...mapping('Enabled', 'u-2'), queueName: 'notification-service-retry-queue' }], true, 'u-1 (notification-service-consumer on notification-service-queue), u-2 (notification-service-consumer on notification-service-retry-queue) is Enabled'],
    ['the second queue has no mapping of the consumers', [mapping('Enabled', 'u-1')], false, 'no event source mapping of the configured consumers reads the queue notification-service-retry-queue here'],
    ['the second queue\'s mapping Disabled', [mapping('Enabled', 'u-1'), { ...mapping('Disabled', 'u-2'), queueName: 'notification-service-retry-queue' }], false, 'u-2 (notification-service-consumer on notification-service-retry-queue) is Disabled'],
  ])('with two configured queues: %s', (_case, list, serving, reason) => {
    const judged = judgeRegionServing({ replicaIdentifier: REPLICA, queues: [...QUEUES, 'notification-service-retry-queue'], replica: promoted, mappings: mappings(...list) });
    expect(judged.serving).toBe(serving);
    expect(judged.reason).toContain(reason);
  });

  it('is not serving without a configured replica, whatever was read', () => {
    expect(judgeRegionServing({ replicaIdentifier: undefined, queues: QUEUES, replica: promoted, mappings: mappings(mapping('Enabled')) })).toEqual({
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
  const reader = () => createRegionServingReader({ ...clientConfig({ region: 'us-west-2', maxAttempts: 1, connectionTimeoutMs: 100, requestTimeoutMs: 100 }), retryMode: 'standard' }, dr);

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

  it('reads the promoted replica\'s status: stopped is not serving, even with the mapping Enabled (review F1)', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'stopped' }] });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain(`the replica ${REPLICA} has no replication source but is stopped`);
  });

  // RDS filters by identifier, so these answers come only from a misbehaving endpoint or proxy: still, an instance that is
  // not the configured replica says nothing about it.
  it.each<[string, Array<{ DBInstanceIdentifier: string; DBInstanceStatus: string }>, string]>([
    ['another instance', [{ DBInstanceIdentifier: 'notification-service-db', DBInstanceStatus: 'available' }], `the replica ${REPLICA} could not be read (DescribeDBInstances answered notification-service-db for ${REPLICA})`],
    ['two instances, the replica among them', [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }, { DBInstanceIdentifier: 'notification-service-db', DBInstanceStatus: 'available' }], `the replica ${REPLICA} could not be read (DescribeDBInstances answered ${REPLICA}, notification-service-db for ${REPLICA})`],
  ])('is not serving when DescribeDBInstances answers %s', async (_case, answer, reason) => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: answer });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain(reason);
  });

  it('compares the replica\'s identifier as RDS does (not case-sensitive; RDS answers it lower-case)', async () => {
    const mixed = { ...dr, env: { ...dr.env, disasterRecovery: { ...dr.env.disasterRecovery!, replicaIdentifier: 'Notification-Service-DB-Replica' } } };
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }] });
    await expect(readRegionServing({ rds: new RDSClient({}), lambda: new LambdaClient({}) }, mixed, ACCOUNT)).resolves.toMatchObject({ serving: true });
    expect(rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: 'Notification-Service-DB-Replica' }]);
  });

  it('reads every page: a Disabled consumer mapping on page 2 makes it not serving', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    lambda
      .on(ListEventSourceMappingsCommand, { EventSourceArn: QUEUE_ARN, Marker: undefined })
      .resolves({ EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }], NextMarker: 'p2' })
      .on(ListEventSourceMappingsCommand, { EventSourceArn: QUEUE_ARN, Marker: 'p2' })
      .resolves({ EventSourceMappings: [{ UUID: 'u-2', FunctionArn: CONSUMER_ARN, State: 'Disabled' }] });
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain('u-2 (notification-service-consumer on notification-service-queue) is Disabled');
    expect(lambda.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'p2']);
  });

  it('fails closed on a marker answered twice instead of paging until the Lambda times out', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    // The fake stops answering after 100 pages, so a reader without the bound fails this test instead of hanging it.
    let calls = 0;
    lambda.on(ListEventSourceMappingsCommand).callsFake(() => {
      if ((calls += 1) > 100) throw new Error('the test stopped a reader that pages forever');
      return { EventSourceMappings: [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Enabled' }], NextMarker: 'same' };
    });
    const judged = await reader().read(ACCOUNT);
    expect(judged).toEqual({
      serving: false,
      reason: `not serving: the DR consumers' event source mappings could not be read (Error: ListEventSourceMappings on notification-service-queue answered the marker same twice); the replica ${REPLICA} is promoted, but that alone is not a failover`,
      // A read that failed: the region's state is not known, so nothing is deferred on it (decision 158).
      unread: true,
    });
    // The first page, then the marker's page, which answered the same marker again: read no further.
    expect(lambda.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'same']);
  });

  it(`fails closed after ${MAX_MAPPING_PAGES} pages of one queue (a marker that never ends)`, async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    let page = 0;
    lambda.on(ListEventSourceMappingsCommand).callsFake(() => {
      if (page >= 100) throw new Error('the test stopped a reader that pages forever');
      return { EventSourceMappings: [{ UUID: `u-${page}`, FunctionArn: CONSUMER_ARN, State: 'Enabled' }], NextMarker: `m-${(page += 1)}` };
    });
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain('ListEventSourceMappings on notification-service-queue had more than 20 pages');
    expect(lambda.commandCalls(ListEventSourceMappingsCommand)).toHaveLength(20);
  });

  // Another function's mapping is not the consumer's, in the unsafe direction too: the consumer's own says.
  it.each<[string, Array<{ UUID: string; FunctionArn: string; State: string }>, string]>([
    ['the consumer Disabled, another function\'s mapping Enabled', [{ UUID: 'u-1', FunctionArn: CONSUMER_ARN, State: 'Disabled' }, { UUID: 'tap', FunctionArn: CONSUMER_ARN.replace('notification-service-consumer', 'audit-tap'), State: 'Enabled' }], 'u-1 (notification-service-consumer on notification-service-queue) is Disabled'],
    ['no mapping of the consumer, a look-alike\'s (<consumer>-canary) Enabled', [{ UUID: 'canary', FunctionArn: `${CONSUMER_ARN}-canary`, State: 'Enabled' }], 'no event source mapping of the configured consumers reads the configured queues here'],
    ['no mapping of the consumer, a function\'s whose name is a prefix of the consumer\'s Enabled', [{ UUID: 'short', FunctionArn: CONSUMER_ARN.replace('notification-service-consumer', 'notification-service'), State: 'Enabled' }], 'no event source mapping of the configured consumers reads the configured queues here'],
  ])('is not serving with %s', async (_case, list, reason) => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: REPLICA, DBInstanceStatus: 'available' }] });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: list });
    const judged = await reader().read(ACCOUNT);
    expect(judged.serving).toBe(false);
    expect(judged.reason).toContain(reason);
    expect(judged.reason).not.toMatch(/canary|tap|short/);
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
    expect(judged.unread).toBe(true);
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
