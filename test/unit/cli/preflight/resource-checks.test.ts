// Preflight's resource checks against mocked clients: each watched resource found (PASS), missing (FAIL naming it), and
// the document's matrix read back (drift named with the live and the expected value); a refused read is a FAIL naming
// the permission, and the other resource kinds are still checked.
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand, type EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { mockClient } from 'aws-sdk-client-mock';
import { checkResources, functionLogGroupCheck, judgeApi, redriveTypeMismatch } from '../../../../cli/preflight/resource-checks';
import type { CheckResult } from '../../../../cli/preflight/types';
import type { EnvironmentName } from '../../../../shared/config/schema';
import { ACCOUNT, awsError, clients, expectationsFor, expectationsIn, TARGET } from './support';

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const rds = mockClient(RDSClient);
const apiGateway = mockClient(APIGatewayClient);
const elastiCache = mockClient(ElastiCacheClient);

// The project's default names (shared/config/defaults.ts), written out here rather than read from the code under test.
const QUEUE = 'notification-service-queue';
const DLQ = 'notification-service-dlq';
const CONSUMER = 'notification-service-consumer';
const DB = 'notification-service-db';
const API = 'notification-service-api';
const CACHE = 'notification-service-cache';
const url = (q: string): string => `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${q}`;
const queueArn = (q: string): string => `arn:aws:sqs:us-east-1:${ACCOUNT}:${q}`;
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${CONSUMER}`;
const MAPPING_UUID = '55ac5773-cff2-42ee-86ed-099ec84aae6e';
const DB_ARN = `arn:aws:rds:us-east-1:${ACCOUNT}:db:${DB}`;

interface World {
  queues: Record<string, { RedrivePolicy?: string } | undefined>;
  consumer?: { MemorySize?: number; Timeout?: number; LoggingConfig?: { LogFormat?: 'Text' | 'JSON'; LogGroup?: string } };
  reserved?: number;
  mappings: EventSourceMappingConfiguration[];
  db?: Partial<DBInstance>;
  apis: Array<{ name: string; id: string }>;
  cache: boolean;
}

/** production's resources as deployed: the document's matrix (db.r6g.xlarge, Multi-AZ, 7 days; 512 MB, 30 s, 100). */
function production(): World {
  return {
    queues: { [QUEUE]: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(DLQ), maxReceiveCount: 5 }) }, [DLQ]: {} },
    consumer: { MemorySize: 512, Timeout: 30 },
    reserved: 100,
    mappings: [{ UUID: MAPPING_UUID, EventSourceArn: queueArn(QUEUE), State: 'Enabled', ScalingConfig: { MaximumConcurrency: 50 } }],
    db: { DBInstanceClass: 'db.r6g.xlarge', MultiAZ: true, BackupRetentionPeriod: 7 },
    apis: [{ name: API, id: 'jue1axba1m' }],
    cache: true,
  };
}

function deploy(world: World): void {
  for (const m of [sqs, lambda, rds, apiGateway, elastiCache]) m.reset();
  sqs.on(GetQueueUrlCommand).callsFake((input: { QueueName: string }) => {
    if (!world.queues[input.QueueName]) throw awsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    return { QueueUrl: url(input.QueueName) };
  });
  sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
    const name = input.QueueUrl.split('/').pop() ?? '';
    return { Attributes: { QueueArn: queueArn(name), ...world.queues[name] } };
  });
  lambda.on(GetFunctionConfigurationCommand).callsFake(() => {
    if (!world.consumer) throw awsError('ResourceNotFoundException', `Function not found: ${FUNCTION_ARN}`);
    return { FunctionName: CONSUMER, FunctionArn: FUNCTION_ARN, ...world.consumer };
  });
  lambda.on(GetFunctionConcurrencyCommand).callsFake(() => (world.reserved === undefined ? {} : { ReservedConcurrentExecutions: world.reserved }));
  lambda.on(ListEventSourceMappingsCommand).callsFake(() => ({ EventSourceMappings: world.mappings }));
  rds.on(DescribeDBInstancesCommand).callsFake(() => {
    if (!world.db) throw awsError('DBInstanceNotFoundFault', `DBInstance ${DB} not found.`);
    return {
      DBInstances: [
        {
          DBInstanceIdentifier: DB,
          DBInstanceArn: DB_ARN,
          Engine: 'postgres',
          EngineVersion: '14',
          DBInstanceStatus: 'available',
          DBParameterGroups: [{ DBParameterGroupName: 'notification-service-pg' }],
          DBSubnetGroup: { DBSubnetGroupName: 'notification-service-subnets' },
          ...world.db,
        },
      ],
    };
  });
  apiGateway.on(GetRestApisCommand).callsFake(() => ({ items: world.apis }));
  elastiCache.on(DescribeReplicationGroupsCommand).callsFake(() => {
    if (!world.cache) throw awsError('ReplicationGroupNotFoundFault', `ReplicationGroup ${CACHE} not found.`);
    return { ReplicationGroups: [{ ReplicationGroupId: CACHE, Status: 'available', MemberClusters: [`${CACHE}-001`, `${CACHE}-002`] }] };
  });
}

const run = (world: World, environment: EnvironmentName = 'production'): ReturnType<typeof checkResources> => {
  deploy(world);
  return checkResources(clients(), expectationsFor(environment), TARGET);
};
const line = (r: CheckResult): string => `${r.status} ${r.area} ${r.check} ${r.subject}: ${r.message}`;
const notPassing = (results: CheckResult[]): string[] => results.filter((r) => r.status !== 'PASS').map(line);

describe('every watched resource as deployed', () => {
  it('is one PASS per resource and matrix value, and the real ARNs are handed on to the role simulation', async () => {
    const { results, found } = await run(production());
    expect(results.map(line)).toEqual([
      `PASS resources queue ${QUEUE}: queue ${QUEUE} exists`,
      `PASS resources dead-letter-queue ${DLQ}: dead-letter queue ${DLQ} exists (${QUEUE} redrives after 5 receives)`,
      `PASS resources function ${CONSUMER}: consumer function ${CONSUMER} exists`,
      `PASS resources function-log-group ${CONSUMER}: ${CONSUMER} logs to /aws/lambda/${CONSUMER}, the log group its out-of-memory metric filter and the handlers' log read grants are on`,
      `PASS matrix memory-MB ${CONSUMER}: memory MB 512, as the document's matrix says`,
      `PASS matrix timeout-seconds ${CONSUMER}: timeout seconds 30, as the document's matrix says`,
      `PASS matrix reserved-concurrency ${CONSUMER}: reserved concurrency 100, as the document's matrix says`,
      `PASS resources event-source-mapping ${CONSUMER}: event source mapping ${MAPPING_UUID} feeds ${CONSUMER} from ${QUEUE} (MaximumConcurrency 50)`,
      `PASS resources database ${DB}: database ${DB} exists (postgres 14, available)`,
      `PASS matrix instance-class ${DB}: instance class db.r6g.xlarge, as the document's matrix says`,
      `PASS matrix Multi-AZ ${DB}: Multi-AZ true, as the document's matrix says`,
      `PASS matrix backup-retention-days ${DB}: backup retention days 7, as the document's matrix says`,
      `PASS resources api ${API}: API ${API} exists (jue1axba1m)`,
      `PASS resources cache ${CACHE}: cache ${CACHE} exists (available, 2 nodes)`,
    ]);
    expect(found).toEqual({
      queueArns: [queueArn(QUEUE)],
      functionArns: [FUNCTION_ARN],
      // No EventSourceMappingArn in the answer: built from the function's ARN and the mapping's UUID.
      mappingArns: [`arn:aws:lambda:us-east-1:${ACCOUNT}:event-source-mapping:${MAPPING_UUID}`],
      dbArns: [DB_ARN],
      drReplicaArns: [],
      dbParameterGroups: ['notification-service-pg'],
      dbSubnetGroups: ['notification-service-subnets'],
    });
  });

  it.each([
    // staging: db.r6g.large, no Multi-AZ, 3 days; development: db.t3.medium, no Multi-AZ, 1 day (the document's matrix).
    // production's db.r6g.xlarge is the step above large on staging's ladder (scale-up-database, automatic there): a WARN;
    // development's ladder is db.t3 and it never changes anything: a FAIL.
    [
      'staging',
      { DBInstanceClass: 'db.r6g.large', MultiAZ: false, BackupRetentionPeriod: 3 },
      `WARN matrix instance-class ${DB}: drift the automation made or recommends: instance class is db.r6g.xlarge, the document's matrix says db.r6g.large: ` +
        'a scale-up-database step on the staging ladder (db.r6g.large -> db.r6g.xlarge), made by the automation itself (decision 16)',
    ],
    ['development', { DBInstanceClass: 'db.t3.medium', MultiAZ: false, BackupRetentionPeriod: 1 }, `FAIL matrix instance-class ${DB}: drift: instance class is db.r6g.xlarge, the document's matrix says db.t3.medium`],
  ] as const)('%s: its own matrix passes, and production\'s is drift on all three values', async (environment, db, instanceClass) => {
    expect(notPassing((await run({ ...production(), db }, environment)).results)).toEqual([]);
    expect(notPassing((await run(production(), environment)).results)).toEqual([
      instanceClass,
      `FAIL matrix Multi-AZ ${DB}: drift: Multi-AZ is true, the document's matrix says false`,
      `FAIL matrix backup-retention-days ${DB}: drift: backup retention days is 7, the document's matrix says ${db.BackupRetentionPeriod}`,
    ]);
  });
});

// Closing note 22: a function whose LoggingConfig names a log group of its own writes nothing to /aws/lambda/<name>, where
// its OOM filter counted nothing and its alarm could never fire. The group it writes to against the one the automation
// watches (resources.functionLogGroups): a difference is a FAIL naming the function, both groups and the field to set.
describe("the log group a watched function writes to is the one its filter and the handlers' grants are on", () => {
  const OWN = '/notification-service/production/consumer';
  const OOM_ALARM = `"NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (${CONSUMER})"`;
  const configured = { environments: { production: { resources: { functionLogGroups: { [CONSUMER]: OWN } } } } };
  const runWith = async (world: World, overrides?: unknown): Promise<CheckResult[]> => {
    deploy(world);
    return (await checkResources(clients(), expectationsFor('production', 'single-account', overrides), TARGET)).results.filter((r) => r.check === 'function-log-group');
  };
  const consumerLogging = (LoggingConfig: NonNullable<World['consumer']>['LoggingConfig']): World => ({ ...production(), consumer: { MemorySize: 512, Timeout: 30, LoggingConfig } });

  it.each([
    ['no LoggingConfig in the answer (Lambda\'s default), nothing configured', undefined, undefined, `/aws/lambda/${CONSUMER}`],
    ['LoggingConfig naming the default group, JSON format, nothing configured', { LogFormat: 'JSON', LogGroup: `/aws/lambda/${CONSUMER}` }, undefined, `/aws/lambda/${CONSUMER}`],
    ['its own group, configured', { LogFormat: 'Text', LogGroup: OWN }, configured, OWN],
  ] as const)('%s: PASS, naming the group', async (_case, logging, overrides, group) => {
    expect((await runWith(consumerLogging(logging), overrides)).map(line)).toEqual([
      `PASS resources function-log-group ${CONSUMER}: ${CONSUMER} logs to ${group}, the log group its out-of-memory metric filter and the handlers' log read grants are on`,
    ]);
  });

  it('its own group, not configured: FAIL naming the function, both groups, the alarm that cannot fire, and the field to set', async () => {
    const [result, ...rest] = await runWith(consumerLogging({ LogFormat: 'JSON', LogGroup: OWN }));
    expect(rest).toEqual([]);
    expect(result).toEqual({
      area: 'resources',
      check: 'function-log-group',
      subject: CONSUMER,
      status: 'FAIL',
      message:
        `${CONSUMER} logs to ${OWN} (its LoggingConfig.LogGroup), but its out-of-memory metric filter and the handlers' log read grants are on /aws/lambda/${CONSUMER}: ` +
        `the filter counts nothing there, so ${OOM_ALARM} stays OK whatever happens and nobody is told; the handlers may not read ${OWN}`,
      fix: `set environments.production.resources.functionLogGroups["${CONSUMER}"] to "${OWN}" and deploy the runbook stack (its filter, the filter's log group and the grants move there)`,
    });
  });

  it("a configured group the function does not log to (back on Lambda's default): FAIL, the fix removes the entry or restores the LoggingConfig", async () => {
    expect((await runWith(consumerLogging(undefined), configured)).map((r) => [r.status, r.message, r.fix])).toEqual([
      [
        'FAIL',
        `${CONSUMER} logs to /aws/lambda/${CONSUMER} (its LoggingConfig.LogGroup), but its out-of-memory metric filter and the handlers' log read grants are on ${OWN}: ` +
          `the filter counts nothing there, so ${OOM_ALARM} stays OK whatever happens and nobody is told; the handlers may not read /aws/lambda/${CONSUMER}`,
        `remove "${CONSUMER}" from environments.production.resources.functionLogGroups and deploy the runbook stack (its filter, the filter's log group and the grants move there), or set the function's LoggingConfig.LogGroup back to ${OWN}`,
      ],
    ]);
  });

  it('where no OOM filter is on the function (Memory Pressure not watched), the FAIL names the grants only', () => {
    const expected = { ...expectationsFor('production'), metricFilters: [] };
    const result = functionLogGroupCheck(CONSUMER, { LoggingConfig: { LogGroup: OWN } }, expected);
    expect([result.status, result.message]).toEqual(['FAIL', `${CONSUMER} logs to ${OWN} (its LoggingConfig.LogGroup), but the handlers' log read grants are on /aws/lambda/${CONSUMER}: the handlers may not read ${OWN}`]);
  });
});

describe('drift from the document\'s matrix names the live and the expected value', () => {
  it.each([
    ['memory off the raise steps', { consumer: { MemorySize: 800, Timeout: 30 } }, `FAIL matrix memory-MB ${CONSUMER}: drift: memory MB is 800, the document's matrix says 512`],
    ['memory below the document', { consumer: { MemorySize: 256, Timeout: 30 } }, `FAIL matrix memory-MB ${CONSUMER}: drift: memory MB is 256, the document's matrix says 512`],
    ['timeout', { consumer: { MemorySize: 512, Timeout: 60 } }, `FAIL matrix timeout-seconds ${CONSUMER}: drift: timeout seconds is 60, the document's matrix says 30`],
    ['timeout 29 (still not under the 29 s integration timeout)', { consumer: { MemorySize: 512, Timeout: 29 } }, `FAIL matrix timeout-seconds ${CONSUMER}: drift: timeout seconds is 29, the document's matrix says 30`],
    ['memory unset', { consumer: { Timeout: 30 } }, `FAIL matrix memory-MB ${CONSUMER}: drift: memory MB is unset, the document's matrix says 512`],
    ['reserved concurrency 50', { reserved: 50 }, `FAIL matrix reserved-concurrency ${CONSUMER}: drift: reserved concurrency is 50, the document's matrix says 100`],
    ['no reserved concurrency', { reserved: undefined }, `FAIL matrix reserved-concurrency ${CONSUMER}: drift: reserved concurrency is unset, the document's matrix says 100`],
    ['instance class below the document (never a scale-up)', { db: { DBInstanceClass: 'db.r6g.large', MultiAZ: true, BackupRetentionPeriod: 7 } }, `FAIL matrix instance-class ${DB}: drift: instance class is db.r6g.large, the document's matrix says db.r6g.xlarge`],
    ['instance class off the ladder', { db: { DBInstanceClass: 'db.m5.2xlarge', MultiAZ: true, BackupRetentionPeriod: 7 } }, `FAIL matrix instance-class ${DB}: drift: instance class is db.m5.2xlarge, the document's matrix says db.r6g.xlarge`],
    ['Multi-AZ off', { db: { DBInstanceClass: 'db.r6g.xlarge', MultiAZ: false, BackupRetentionPeriod: 7 } }, `FAIL matrix Multi-AZ ${DB}: drift: Multi-AZ is false, the document's matrix says true`],
    ['backup retention', { db: { DBInstanceClass: 'db.r6g.xlarge', MultiAZ: true, BackupRetentionPeriod: 1 } }, `FAIL matrix backup-retention-days ${DB}: drift: backup retention days is 1, the document's matrix says 7`],
  ] as const)('%s', async (_case, change, failure) => {
    const { results } = await run({ ...production(), ...change });
    expect(notPassing(results)).toEqual([failure]);
    expect(results.find((r) => r.status === 'FAIL')?.fix).toMatch(/IaC|modify notification-service-db/);
  });
});

describe("drift the automation made or its diagnosis recommends is a WARN naming why, not a FAIL (review 10a, finding 6)", () => {
  const warning = (check: string, subject: string, what: string, live: string, want: string, why: string): string =>
    `WARN matrix ${check} ${subject}: drift the automation made or recommends: ${what} is ${live}, the document's matrix says ${want}: ${why}`;

  it.each([
    [
      "raise-lambda-memory's first step, 768 MB",
      { consumer: { MemorySize: 768, Timeout: 30 } },
      warning('memory-MB', CONSUMER, 'memory MB', '768', '512', 'a raise-lambda-memory step (512 -> 768 MB: x1.5 rounded up to 64 MB, production cap 3008 MB), made by the automation itself: drift its decision names ("update your IaC"; decision 14)'),
    ],
    [
      "raise-lambda-memory held at production's cap, 3008 MB",
      { consumer: { MemorySize: 3008, Timeout: 30 } },
      warning('memory-MB', CONSUMER, 'memory MB', '3008', '512', 'a raise-lambda-memory step (2624 -> 3008 MB: x1.5 rounded up to 64 MB, production cap 3008 MB), made by the automation itself: drift its decision names ("update your IaC"; decision 14)'),
    ],
    [
      "the 504 diagnosis's timeout, 28 s (one under API Gateway's 29 s)",
      { consumer: { MemorySize: 512, Timeout: 28 } },
      warning(
        'timeout-seconds',
        CONSUMER,
        'timeout seconds',
        '28',
        '30',
        `the 504 diagnosis (inspect-security-groups) recommends it: Lambda ${CONSUMER} may run 30 s but API ${API} waits 29 s for it (API Gateway's default), so the function must give up first (decision 84)`,
      ),
    ],
    [
      "scale-up-database's step to db.r6g.2xlarge (production: behind approval)",
      { db: { DBInstanceClass: 'db.r6g.2xlarge', MultiAZ: true, BackupRetentionPeriod: 7 } },
      warning(
        'instance-class',
        DB,
        'instance class',
        'db.r6g.2xlarge',
        'db.r6g.xlarge',
        'a scale-up-database step on the production ladder (db.r6g.xlarge -> db.r6g.2xlarge -> db.r6g.4xlarge), made through NotificationService-ScaleUpDatabase behind approval, as the automation\'s escalation names it (decision 16)',
      ),
    ],
  ] as const)('%s', async (_case, change, expected) => {
    const { results } = await run({ ...production(), ...change });
    expect(notPassing(results)).toEqual([expected]);
    expect(results.filter((r) => r.status === 'FAIL')).toEqual([]);
  });

  it('development never changes anything, so its memory at a raise step is a FAIL, not the automation\'s', async () => {
    const development = { ...production(), consumer: { MemorySize: 768, Timeout: 30 }, db: { DBInstanceClass: 'db.t3.medium', MultiAZ: false, BackupRetentionPeriod: 1 } };
    expect(notPassing((await run(development, 'development')).results)).toEqual([`FAIL matrix memory-MB ${CONSUMER}: drift: memory MB is 768, the document's matrix says 512`]);
  });
});

describe('a missing resource is a FAIL naming it', () => {
  it.each([
    [
      'the queue (no dead-letter check then, and no mapping can read from it)',
      { queues: { [DLQ]: {} } },
      [`FAIL resources queue ${QUEUE}: queue ${QUEUE} does not exist`, `FAIL resources event-source-mapping ${CONSUMER}: no event source mapping from the watched queue to ${CONSUMER}`],
      13,
    ],
    ['the queue\'s RedrivePolicy', { queues: { [QUEUE]: {}, [DLQ]: {} } }, [`FAIL resources dead-letter-queue ${QUEUE}: queue ${QUEUE} has no dead-letter queue (no RedrivePolicy)`], 14],
    [
      'the dead-letter queue it redrives to',
      { queues: { [QUEUE]: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(DLQ), maxReceiveCount: 5 }) } } },
      [`FAIL resources dead-letter-queue ${DLQ}: the dead-letter queue ${DLQ} that ${QUEUE} redrives to does not exist`],
      14,
    ],
    ['the consumer (no matrix or mapping lines then)', { consumer: undefined }, [`FAIL resources function ${CONSUMER}: consumer function ${CONSUMER} does not exist`], 9],
    ['any mapping', { mappings: [] }, [`FAIL resources event-source-mapping ${CONSUMER}: no event source mapping from the watched queue to ${CONSUMER}`], 14],
    [
      'an enabled mapping (the one there is disabled)',
      { mappings: [{ UUID: MAPPING_UUID, EventSourceArn: queueArn(QUEUE), State: 'Disabled' }] },
      [`FAIL resources event-source-mapping ${CONSUMER}: no enabled event source mapping from the watched queue to ${CONSUMER} (${MAPPING_UUID} Disabled)`],
      14,
    ],
    [
      'a mapping from the watched queue (the enabled one reads another queue)',
      { mappings: [{ UUID: 'other', EventSourceArn: queueArn('another-queue'), State: 'Enabled' }] },
      [`FAIL resources event-source-mapping ${CONSUMER}: no event source mapping from the watched queue to ${CONSUMER}`],
      14,
    ],
    ['the database (no matrix lines then)', { db: undefined }, [`FAIL resources database ${DB}: database ${DB} does not exist`], 11],
    ['the API (another API of the account is not it)', { apis: [{ name: 'someone-elses-api', id: 'x1' }] }, [`FAIL resources api ${API}: no REST API named ${API}`], 14],
    ['the cache', { cache: false }, [`FAIL resources cache ${CACHE}: cache replication group ${CACHE} does not exist`], 14],
  ] as const)('%s', async (_case, change, failures, lines) => {
    const { results } = await run({ ...production(), ...change } as World);
    expect(notPassing(results)).toEqual(failures);
    expect(results).toHaveLength(lines);
  });

  it('a resource that is missing hands no ARN on: its actions are not simulated on a made-up one', async () => {
    const { found } = await run({ ...production(), db: undefined, mappings: [] });
    expect(found.dbArns).toEqual([]);
    expect(found.mappingArns).toEqual([]);
    expect(found.functionArns).toEqual([FUNCTION_ARN]);
  });
});

describe('FIFO where AWS wants a standard queue, and a dead-letter queue of the other type (decision 291)', () => {
  const STREAM = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/notification-audit/stream/2026-12-01T00:00:00.000`;
  const KINESIS = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/notification-events`;
  const FIFO_DLQ = 'notification-audit-failures.fifo';
  const withMapping = (mapping: EventSourceMappingConfiguration): World => ({ ...production(), mappings: [...production().mappings, mapping] });

  it.each([
    [
      'a standard queue redriving to a FIFO queue',
      { queues: { [QUEUE]: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(`${DLQ}.fifo`), maxReceiveCount: 5 }) }, [`${DLQ}.fifo`]: {} } },
      `FAIL resources dead-letter-queue ${DLQ}.fifo: queue ${QUEUE} (standard) redrives to ${DLQ}.fifo, a FIFO queue: SQS requires a dead-letter queue of the source queue's type (a FIFO queue only a FIFO one, a standard queue only a standard one), so its poison messages are not moved there as the redrive policy says`,
    ],
    [
      'a DynamoDB stream mapping of the consumer discarding batches to a FIFO queue',
      withMapping({ UUID: 'ddb-1', EventSourceArn: STREAM, State: 'Enabled', DestinationConfig: { OnFailure: { Destination: queueArn(FIFO_DLQ) } } }),
      `FAIL resources mapping-failure-destination ${CONSUMER} ddb-1: event source mapping ddb-1 of ${CONSUMER} (from table/notification-audit/stream/2026-12-01T00:00:00.000) sends the records it discards to ${queueArn(FIFO_DLQ)}, an SQS FIFO queue: AWS documents a DynamoDB Streams mapping's destination as a standard SQS queue or standard SNS topic, so a discarded batch's record is lost`,
    ],
    [
      'a Kinesis mapping discarding batches to a FIFO queue (not documented either way: a WARN)',
      withMapping({ UUID: 'kin-1', EventSourceArn: KINESIS, State: 'Enabled', DestinationConfig: { OnFailure: { Destination: queueArn(FIFO_DLQ) } } }),
      `WARN resources mapping-failure-destination ${CONSUMER} kin-1: event source mapping kin-1 of ${CONSUMER} (from stream/notification-events) sends the records it discards to ${queueArn(FIFO_DLQ)}, an SQS FIFO queue: AWS documents a standard queue for DynamoDB Streams mappings and for asynchronous invocation, not for a kinesis source, and a FIFO queue accepts only messages carrying a MessageGroupId: a discarded batch's record may be lost`,
    ],
    [
      "the watched SQS mapping itself given a FIFO destination (an SQS source takes none)",
      { mappings: [{ ...production().mappings[0], DestinationConfig: { OnFailure: { Destination: queueArn(FIFO_DLQ) } } }] },
      `WARN resources mapping-failure-destination ${CONSUMER} ${MAPPING_UUID}: event source mapping ${MAPPING_UUID} of ${CONSUMER} (from ${QUEUE}) sends the records it discards to ${queueArn(FIFO_DLQ)}, an SQS FIFO queue: an SQS source takes no on-failure destination (its failed messages go to the queue's RedrivePolicy), so nothing reaches it`,
    ],
  ] as const)('%s is named, with the queue and the mapping', async (_case, change, failure) => {
    const { results } = await run({ ...production(), ...change } as World);
    expect(notPassing(results)).toEqual([failure]);
    const judged = results.find((r) => r.status !== 'PASS');
    expect(judged?.fix).toMatch(judged?.check === 'dead-letter-queue' ? new RegExp(`^point ${QUEUE}'s RedrivePolicy at a standard queue`) : /^point the mapping's on-failure destination at a standard queue: aws lambda update-event-source-mapping --uuid /);
  });

  it('a standard destination is not named; a FIFO queue with a FIFO dead-letter queue matches, and with a standard one does not', async () => {
    const { results } = await run(withMapping({ UUID: 'ddb-2', EventSourceArn: STREAM, State: 'Enabled', DestinationConfig: { OnFailure: { Destination: queueArn('audit-failures') } } }));
    expect(notPassing(results)).toEqual([]);
    expect(redriveTypeMismatch('orders.fifo', 'orders-dlq.fifo')).toBeUndefined();
    expect(redriveTypeMismatch('orders', 'orders-dlq')).toBeUndefined();
    expect(redriveTypeMismatch('orders.fifo', 'orders-dlq')).toMatch(/^queue orders\.fifo \(FIFO\) redrives to orders-dlq, a standard queue: /);
  });
});

describe('a read AWS refuses', () => {
  it('AccessDenied on RDS is a FAIL naming rds:DescribeDBInstances, and the queue, consumer, API and cache are still checked', async () => {
    const world = production();
    deploy(world);
    rds.on(DescribeDBInstancesCommand).rejects(awsError('AccessDenied', `User: arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/op is not authorized to perform: rds:DescribeDBInstances on resource: ${DB_ARN}`));
    const { results, found } = await checkResources(clients(), expectationsFor('production'), TARGET);
    expect(notPassing(results)).toEqual([`FAIL resources could-not-check databases ${DB}: could not check databases ${DB}: AccessDenied: preflight is not allowed rds:DescribeDBInstances`]);
    expect(results.find((r) => r.status === 'FAIL')?.fix).toBe('grant the credentials preflight runs with rds:DescribeDBInstances (read-only); an explicit deny comes from an SCP or permission boundary');
    expect(results.filter((r) => r.status === 'PASS').map((r) => r.check)).toEqual(['queue', 'dead-letter-queue', 'function', 'function-log-group', 'memory-MB', 'timeout-seconds', 'reserved-concurrency', 'event-source-mapping', 'api', 'cache']);
    expect(found.dbArns).toEqual([]);
  });

  it('a refusal whose message names no action names every read of that kind', async () => {
    deploy(production());
    lambda.on(GetFunctionConcurrencyCommand).rejects(awsError('AccessDeniedException', 'denied'));
    const { results } = await checkResources(clients(), expectationsFor('production'), TARGET);
    expect(notPassing(results)).toEqual([
      `FAIL resources could-not-check consumer functions ${CONSUMER}: could not check consumer functions ${CONSUMER}: AccessDeniedException: preflight is not allowed lambda:GetFunctionConfiguration, lambda:GetFunctionConcurrency, lambda:ListEventSourceMappings`,
    ]);
  });

  it('a fault other than a refusal is a FAIL naming it (never a PASS), and the other kinds still run', async () => {
    deploy(production());
    apiGateway.on(GetRestApisCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded'));
    const { results } = await checkResources(clients(), expectationsFor('production'), TARGET);
    expect(notPassing(results)).toEqual([`FAIL resources could-not-check APIs ${API}: could not check APIs ${API}: TooManyRequestsException: Rate exceeded`]);
    expect(results.filter((r) => r.status === 'PASS')).toHaveLength(13);
  });
});

describe("production's DR region (us-west-2): the standby in place of the primary's database", () => {
  const REPLICA = 'notification-service-db-replica';
  const REPLICA_ARN = `arn:aws:rds:us-west-2:${ACCOUNT}:db:${REPLICA}`;
  const PRIMARY_ARN = `arn:aws:rds:us-east-1:${ACCOUNT}:db:${DB}`;
  const DR_TARGET = { ...TARGET, region: 'us-west-2' };
  /** The standby as the service's DR stack holds it: the replicated queue and its DLQ, the consumer waiting, the replica. */
  function standby(): World {
    return {
      ...production(),
      mappings: [{ UUID: MAPPING_UUID, EventSourceArn: queueArn(QUEUE), State: 'Disabled', ScalingConfig: { MaximumConcurrency: 50 } }],
      db: { DBInstanceIdentifier: REPLICA, DBInstanceArn: REPLICA_ARN, ReadReplicaSourceDBInstanceIdentifier: PRIMARY_ARN, DBInstanceClass: 'db.r6g.xlarge', MultiAZ: false, BackupRetentionPeriod: 0 },
      apis: [{ name: API, id: 'drapi12345' }],
      cache: false,
    };
  }
  const runDr = (world: World): ReturnType<typeof checkResources> => {
    deploy(world);
    return checkResources(clients(), expectationsIn('production', 'us-west-2'), DR_TARGET);
  };

  it('all PASS: the replica of the primary at the matrix class (Multi-AZ and backups not asked of a replica), the mapping disabled, no cache', async () => {
    const { results, found } = await runDr(standby());
    expect(results.map(line)).toEqual([
      `PASS resources queue ${QUEUE}: queue ${QUEUE} exists`,
      `PASS resources dead-letter-queue ${DLQ}: dead-letter queue ${DLQ} exists (${QUEUE} redrives after 5 receives)`,
      `PASS resources function ${CONSUMER}: consumer function ${CONSUMER} exists`,
      `PASS resources function-log-group ${CONSUMER}: ${CONSUMER} logs to /aws/lambda/${CONSUMER}, the log group its out-of-memory metric filter and the handlers' log read grants are on`,
      `PASS matrix memory-MB ${CONSUMER}: memory MB 512, as the document's matrix says`,
      `PASS matrix timeout-seconds ${CONSUMER}: timeout seconds 30, as the document's matrix says`,
      `PASS matrix reserved-concurrency ${CONSUMER}: reserved concurrency 100, as the document's matrix says`,
      `PASS resources event-source-mapping ${CONSUMER}: event source mapping ${MAPPING_UUID} of ${CONSUMER} from ${QUEUE} waits for a failover (Disabled, MaximumConcurrency 50)`,
      `PASS resources database ${REPLICA}: cross-region replica ${REPLICA} exists (postgres 14, available), replicating ${PRIMARY_ARN}`,
      `PASS matrix instance-class ${REPLICA}: instance class db.r6g.xlarge, as the document's matrix says`,
      `PASS resources api ${API}: API ${API} exists (drapi12345)`,
    ]);
    // The replica is asked for by its name; no cache is looked for in the DR region.
    expect(rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input.DBInstanceIdentifier)).toEqual([REPLICA]);
    expect(elastiCache.commandCalls(DescribeReplicationGroupsCommand)).toEqual([]);
    expect(found.drReplicaArns).toEqual([REPLICA_ARN]);
    // The replica is the region's database too: the changing rows' grants there are judged on it (decision 123).
    expect(found.dbArns).toEqual([REPLICA_ARN]);
  });

  it.each([
    ['the replica missing', { db: undefined }, [`FAIL resources database ${REPLICA}: cross-region replica ${REPLICA} does not exist in us-west-2: a failover has no database to promote`]],
    [
      'an instance that replicates nothing',
      { db: { DBInstanceIdentifier: REPLICA, DBInstanceArn: REPLICA_ARN, DBInstanceClass: 'db.r6g.xlarge' } },
      [`FAIL resources database ${REPLICA}: ${REPLICA} is not a read replica of ${DB} (source: none): a failover would promote the wrong data`],
    ],
    [
      'a replica of another database',
      { db: { DBInstanceIdentifier: REPLICA, DBInstanceArn: REPLICA_ARN, ReadReplicaSourceDBInstanceIdentifier: `arn:aws:rds:us-east-1:${ACCOUNT}:db:other-db`, DBInstanceClass: 'db.r6g.xlarge' } },
      [`FAIL resources database ${REPLICA}: ${REPLICA} is not a read replica of ${DB} (source: arn:aws:rds:us-east-1:${ACCOUNT}:db:other-db): a failover would promote the wrong data`],
    ],
    [
      'a replica smaller than the matrix',
      { db: { DBInstanceIdentifier: REPLICA, DBInstanceArn: REPLICA_ARN, ReadReplicaSourceDBInstanceIdentifier: PRIMARY_ARN, DBInstanceClass: 'db.r6g.large' } },
      [`FAIL matrix instance-class ${REPLICA}: drift: instance class is db.r6g.large, the document's matrix says db.r6g.xlarge`],
    ],
    ['no mapping from the replicated queue', { mappings: [] }, [`FAIL resources event-source-mapping ${CONSUMER}: no event source mapping from the replicated queue to ${CONSUMER}: after a failover nothing would consume it`]],
    [
      'the standby consuming (mapping enabled)',
      { mappings: [{ UUID: MAPPING_UUID, EventSourceArn: queueArn(QUEUE), State: 'Enabled' }] },
      [`WARN resources event-source-mapping ${CONSUMER}: ${MAPPING_UUID}: the standby's consumers are consuming the replicated queue (Enabled): right after a failover, otherwise they process what the primary processes`],
    ],
  ] as const)('%s', async (_case, change, failures) => {
    const { results } = await runDr({ ...standby(), ...change } as World);
    expect(notPassing(results)).toEqual(failures);
  });
});

describe('each configured API is looked for in its own listing (REST: GetRestApis; HTTP, type http: API Gateway v2 GetApis)', () => {
  const apiGatewayV2 = mockClient(ApiGatewayV2Client);
  afterEach(() => apiGatewayV2.reset());
  const line = (r: CheckResult): string => `${r.status} ${r.message}`;

  it.each([
    ['a REST API found by name', { name: API, http: false }, [{ id: 'r1', name: API }], `PASS API ${API} exists (r1)`],
    ['a REST API missing', { name: API, http: false }, [{ id: 'r1', name: 'other' }], `FAIL no REST API named ${API}`],
    ['two REST APIs of that name (names are not unique)', { name: API, http: false }, [{ id: 'r1', name: API }, { id: 'r2', name: API }], `FAIL 2 REST APIs are named ${API} (r1, r2)`],
    ['an HTTP API found by its configured id', { name: API, id: 'h1', http: true }, [{ id: 'h0', name: API, protocolType: 'HTTP' }, { id: 'h1', name: API, protocolType: 'HTTP' }], `PASS HTTP API ${API} exists (h1)`],
    ['a configured id that is another API', { name: API, id: 'h1', http: true }, [{ id: 'h1', name: 'renamed', protocolType: 'HTTP' }], `FAIL HTTP API h1 is named "renamed", not "${API}"`],
    ['a configured id that is not there', { name: API, id: 'h9', http: true }, [{ id: 'h1', name: API, protocolType: 'HTTP' }], `FAIL no HTTP API with id h9 (dependencies.apis names ${API})`],
    ['a WebSocket API where an HTTP API is configured (by id)', { name: API, id: 'w1', http: true }, [{ id: 'w1', name: API, protocolType: 'WEBSOCKET' }], `FAIL API ${API} (w1) is a WEBSOCKET API, not an HTTP API`],
    ['a WebSocket API of that name is not the HTTP API (by name)', { name: API, http: true }, [{ id: 'w1', name: API, protocolType: 'WEBSOCKET' }], `FAIL no HTTP API named ${API}`],
    ['two HTTP APIs of that name', { name: API, http: true }, [{ id: 'h1', name: API, protocolType: 'HTTP' }, { id: 'h2', name: API, protocolType: 'HTTP' }], `FAIL 2 HTTP APIs are named ${API} (h1, h2)`],
  ] as const)('%s', (_case, api, listed, expected) => {
    expect(line(judgeApi(api, listed))).toBe(expected);
  });

  it('an HTTP API in dependencies.apis is found through every page of GetApis, and no REST listing is read for it', async () => {
    const world = production();
    deploy(world);
    const expected = expectationsFor('production');
    const withHttp = { ...expected, watched: { ...expected.watched, restApis: [], httpApis: [{ name: API }] } };
    apiGatewayV2.on(GetApisCommand, {}).resolves({ Items: [{ ApiId: 'h0', Name: 'another-api', ProtocolType: 'HTTP', RouteSelectionExpression: '$request.method $request.path' }], NextToken: 'page2' });
    apiGatewayV2.on(GetApisCommand, { NextToken: 'page2' }).resolves({ Items: [{ ApiId: 'h1', Name: API, ProtocolType: 'HTTP', RouteSelectionExpression: '$request.method $request.path' }] });
    const { results } = await checkResources(clients(), withHttp, TARGET);
    expect(results.filter((r) => r.check === 'api').map(line)).toEqual([`PASS HTTP API ${API} exists (h1)`]);
    expect(apiGatewayV2.commandCalls(GetApisCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page2']);
    expect(apiGateway.commandCalls(GetRestApisCommand)).toHaveLength(0);
  });

  it('a REST API on the second page of GetRestApis is found (the listing is read to its end)', async () => {
    const world = production();
    deploy(world);
    apiGateway.reset();
    apiGateway.on(GetRestApisCommand, {}).resolves({ items: [{ id: 'r0', name: 'another-api' }], position: 'p2' });
    apiGateway.on(GetRestApisCommand, { position: 'p2' }).resolves({ items: [{ id: 'r1', name: API }] });
    const { results } = await checkResources(clients(), expectationsFor('production'), TARGET);
    expect(results.filter((r) => r.check === 'api').map(line)).toEqual([`PASS API ${API} exists (r1)`]);
    expect(apiGateway.commandCalls(GetRestApisCommand).map((c) => c.args[0].input.position)).toEqual([undefined, 'p2']);
    expect(apiGatewayV2.commandCalls(GetApisCommand)).toHaveLength(0);
  });
});
