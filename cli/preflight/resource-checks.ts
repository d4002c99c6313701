// Preflight: the service's watched resources exist, and their live values match the document's environment matrix.
import { GetRestApisCommand, type RestApi } from '@aws-sdk/client-api-gateway';
import { GetApisCommand, type Api } from '@aws-sdk/client-apigatewayv2';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, ListEventSourceMappingsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { everyPage } from '../../shared/aws/every-page';
import { functionLogGroupName, lambdaDefaultLogGroup } from '../../shared/config/alarm-specs';
import type { PreflightExpectations } from './expectations';
import { checkNatZones, NETWORK_ACTIONS, type FunctionVpc } from './network-checks';
import { awsErrorName, fail, guardedCheck, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** What the resource checks found, for the checks that need real ARNs (the role simulation). */
export interface DiscoveredResources {
  queueArns: string[];
  functionArns: string[];
  mappingArns: string[];
  dbArns: string[];
  /** In a dr region: the cross-region replica found there (what the standby watch and the DR documents act on). */
  drReplicaArns?: string[];
  dbParameterGroups: string[];
  dbSubnetGroups: string[];
  /** The watched functions attached to a VPC (VpcConfig): the NAT zone check reads their subnets' routes. */
  functionVpcs?: FunctionVpc[];
}

const DEPLOY = 'deploy the service stack that owns it, or fix the name in the configuration (environments.<env>.resources)';

/**
 * Pure: the log group a watched function writes to (its LoggingConfig.LogGroup; none: Lambda's default) against the one
 * the automation watches for it (resources.functionLogGroups, else /aws/lambda/<name>): where infra put its OOM metric
 * filter and the handlers' log read grants. A function logging elsewhere leaves the filter counting nothing, its alarm
 * in OK whatever happens, and nobody told: a FAIL, never a WARN.
 */
export function functionLogGroupCheck(name: string, configuration: Pick<FunctionConfiguration, 'LoggingConfig'> | undefined, expected: Pick<PreflightExpectations, 'environment' | 'watched' | 'metricFilters' | 'alarms'>): CheckResult {
  const watched = functionLogGroupName(expected.watched, name);
  const live = configuration?.LoggingConfig?.LogGroup ?? lambdaDefaultLogGroup(name);
  const filtered = expected.metricFilters.some((f) => f.functionName === name);
  const watchers = filtered ? "its out-of-memory metric filter and the handlers' log read grants" : "the handlers' log read grants";
  if (live === watched) return pass('resources', 'function-log-group', name, `${name} logs to ${live}, the log group ${watchers} are on`);
  const alarms = filtered ? expected.alarms.filter((a) => a.rowId === 'memory-pressure' && a.name.endsWith(`(${name})`)).map((a) => `"${a.name}"`) : [];
  const silent = filtered
    ? `the filter counts nothing there, so ${alarms.join(', ') || 'its out-of-memory alarm'} stays OK whatever happens and nobody is told; the handlers may not read ${live}`
    : `the handlers may not read ${live}`;
  const key = `environments.${expected.environment}.resources.functionLogGroups`;
  const deploy = 'and deploy the runbook stack (its filter, the filter\'s log group and the grants move there)';
  const fix =
    live === lambdaDefaultLogGroup(name)
      ? `remove "${name}" from ${key} ${deploy}, or set the function's LoggingConfig.LogGroup back to ${watched}`
      : `set ${key}["${name}"] to "${live}" ${deploy}`;
  return fail('resources', 'function-log-group', name, `${name} logs to ${live} (its LoggingConfig.LogGroup), but ${watchers} are on ${watched}: ${silent}`, fix);
}

async function queueExists(clients: PreflightClients, name: string): Promise<string | undefined> {
  try {
    return (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (/QueueDoesNotExist|NonExistentQueue/.test(awsErrorName(error) ?? '')) return undefined;
    throw error;
  }
}

async function checkQueues(clients: PreflightClients, expected: PreflightExpectations, found: DiscoveredResources): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of expected.watched.queues) {
    const url = await queueExists(clients, name);
    if (!url) {
      results.push(fail('resources', 'queue', name, `queue ${name} does not exist`, DEPLOY));
      continue;
    }
    const attributes = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'RedrivePolicy'] }))).Attributes ?? {};
    if (attributes.QueueArn) found.queueArns.push(attributes.QueueArn);
    results.push(pass('resources', 'queue', name, `queue ${name} exists`));
    const redrive = attributes.RedrivePolicy ? (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string }) : undefined;
    const dlqName = redrive?.deadLetterTargetArn?.split(':').pop();
    if (!dlqName) {
      results.push(fail('resources', 'dead-letter-queue', name, `queue ${name} has no dead-letter queue (no RedrivePolicy)`, `set a RedrivePolicy on ${name} so poison messages leave the queue`));
    } else if (!(await queueExists(clients, dlqName))) {
      results.push(fail('resources', 'dead-letter-queue', dlqName, `the dead-letter queue ${dlqName} that ${name} redrives to does not exist`, `create ${dlqName} or fix ${name}'s RedrivePolicy`));
    } else if (redriveTypeMismatch(name, dlqName)) {
      results.push(fail('resources', 'dead-letter-queue', dlqName, redriveTypeMismatch(name, dlqName) ?? '', `point ${name}'s RedrivePolicy at a ${name.endsWith('.fifo') ? 'FIFO' : 'standard'} queue (aws sqs set-queue-attributes --queue-url ${url} --attributes RedrivePolicy=...; the service's stack owns it)`));
    } else {
      results.push(pass('resources', 'dead-letter-queue', dlqName, `dead-letter queue ${dlqName} exists (${name} redrives after ${String(redrive?.maxReceiveCount ?? '?')} receives)`));
    }
  }
  return results;
}

/**
 * Pure (decision 291): a source queue and its dead-letter queue of different types. SQS Developer Guide ("Configure a
 * dead-letter queue using the Amazon SQS console"): "the queue type must match the source queue type—a FIFO queue can
 * only use a FIFO DLQ, and a standard queue can only use a standard DLQ". A FIFO queue's name ends with ".fifo".
 */
export function redriveTypeMismatch(queueName: string, dlqName: string): string | undefined {
  const kind = (n: string): string => (n.endsWith('.fifo') ? 'FIFO' : 'standard');
  if (kind(queueName) === kind(dlqName)) return undefined;
  return `queue ${queueName} (${kind(queueName)}) redrives to ${dlqName}, a ${kind(dlqName)} queue: SQS requires a dead-letter queue of the source queue's type (a FIFO queue only a FIFO one, a standard queue only a standard one), so its poison messages are not moved there as the redrive policy says`;
}

/**
 * Pure (decision 291): a mapping whose on-failure destination is an SQS FIFO queue. AWS documents the destination of a
 * DynamoDB Streams mapping as a "Standard Amazon SQS queue or standard Amazon SNS topic" (Lambda Developer Guide,
 * "Lambda parameters for Amazon DynamoDB event source mappings", DestinationConfig): a FAIL. For other sources (Kinesis,
 * Kafka) its parameter pages say "Amazon SQS queue" without the word, and an SQS source takes no destination (its
 * failures go to the queue's redrive policy): a WARN, naming what is and is not documented.
 */
export function mappingFifoDestination(functionName: string, mapping: { UUID?: string; EventSourceArn?: string; DestinationConfig?: { OnFailure?: { Destination?: string } } }): CheckResult | undefined {
  const destination = mapping.DestinationConfig?.OnFailure?.Destination;
  const parts = destination?.split(':') ?? [];
  if (!destination || parts[2] !== 'sqs' || !(parts[5] ?? '').endsWith('.fifo')) return undefined;
  const source = mapping.EventSourceArn ?? '?';
  const service = source.split(':')[2] ?? '?';
  const subject = `${functionName} ${mapping.UUID ?? '?'}`;
  const fix = `point the mapping's on-failure destination at a standard queue: aws lambda update-event-source-mapping --uuid ${mapping.UUID ?? '<uuid>'} --destination-config '{"OnFailure":{"Destination":"<a standard queue's ARN>"}}' (the service's stack owns the mapping)`;
  const what = `event source mapping ${mapping.UUID ?? '?'} of ${functionName} (from ${source.split(':').slice(5).join(':') || source}) sends the records it discards to ${destination}, an SQS FIFO queue`;
  if (service === 'dynamodb') {
    return fail('resources', 'mapping-failure-destination', subject, `${what}: AWS documents a DynamoDB Streams mapping's destination as a standard SQS queue or standard SNS topic, so a discarded batch's record is lost`, fix);
  }
  return warn(
    'resources',
    'mapping-failure-destination',
    subject,
    `${what}: ${service === 'sqs' ? "an SQS source takes no on-failure destination (its failed messages go to the queue's RedrivePolicy), so nothing reaches it" : `AWS documents a standard queue for DynamoDB Streams mappings and for asynchronous invocation, not for a ${service} source, and a FIFO queue accepts only messages carrying a MessageGroupId: a discarded batch's record may be lost`}`,
    fix,
  );
}

/**
 * The live value against the document's matrix. Off the matrix: a FAIL, unless `explained` names it as a value the
 * automation itself sets or its diagnosis recommends (automation-drift.ts): then a WARN saying why (review 10a, finding 6).
 */
function drift<V extends string | number | boolean>(
  subject: string,
  what: string,
  live: V | undefined,
  want: V,
  fix: string,
  explained: ReadonlyArray<{ value: V; why: string }> = [],
): CheckResult {
  const liveText = live === undefined ? 'unset' : String(live);
  if (live === want) return pass('matrix', what.replace(/ /g, '-'), subject, `${what} ${liveText}, as the document's matrix says`);
  const why = explained.find((e) => e.value === live)?.why;
  return why !== undefined
    ? warn('matrix', what.replace(/ /g, '-'), subject, `drift the automation made or recommends: ${what} is ${liveText}, the document's matrix says ${String(want)}: ${why}`, fix)
    : fail('matrix', what.replace(/ /g, '-'), subject, `drift: ${what} is ${liveText}, the document's matrix says ${String(want)}`, fix);
}

async function checkFunctions(clients: PreflightClients, expected: PreflightExpectations, found: DiscoveredResources): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { matrix } = expected;
  for (const name of expected.watched.functions) {
    let configuration;
    try {
      // GetFunctionConfiguration, not GetFunction: that one also returns a pre-signed URL to the code package.
      configuration = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      results.push(fail('resources', 'function', name, `consumer function ${name} does not exist`, DEPLOY));
      continue;
    }
    if (configuration?.FunctionArn) found.functionArns.push(configuration.FunctionArn);
    const vpc = configuration?.VpcConfig;
    if (vpc?.VpcId && (vpc.SubnetIds ?? []).length > 0) (found.functionVpcs ??= []).push({ functionName: name, vpcId: vpc.VpcId, subnetIds: vpc.SubnetIds ?? [] });
    results.push(pass('resources', 'function', name, `consumer function ${name} exists`));
    results.push(functionLogGroupCheck(name, configuration, expected));
    const iac = `put it back in the service's IaC and deploy, or update the document if the change was meant (a memory raise by raise-lambda-memory is drift the automation named)`;
    const explained = expected.automationDrift;
    results.push(drift<number>(name, 'memory MB', configuration?.MemorySize, matrix.memoryMb, iac, explained.memoryMb[name]));
    results.push(drift<number>(name, 'timeout seconds', configuration?.Timeout, matrix.timeoutSeconds, iac, explained.timeoutSeconds[name]));
    const concurrency = await clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));
    results.push(drift(name, 'reserved concurrency', concurrency.ReservedConcurrentExecutions, matrix.reservedConcurrency, iac));

    const mappings = (await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name }))).EventSourceMappings ?? [];
    // Every mapping of the function, whatever its source: a FIFO on-failure destination (decision 291).
    for (const mapping of mappings) {
      const fifo = mappingFifoDestination(name, mapping);
      if (fifo) results.push(fifo);
    }
    const fromQueues = mappings.filter((m) => m.EventSourceArn && found.queueArns.includes(m.EventSourceArn));
    for (const mapping of fromQueues) {
      const arn = mapping.EventSourceMappingArn ?? (mapping.UUID && configuration?.FunctionArn ? `${configuration.FunctionArn.split(':function:')[0]}:event-source-mapping:${mapping.UUID}` : undefined);
      if (arn) found.mappingArns.push(arn);
    }
    const enabled = fromQueues.find((m) => m.State === 'Enabled');
    if (expected.standby && fromQueues.length > 0) {
      // The DR region's consumers wait: their mapping exists, disabled, until a person fails over (FailoverToDR).
      const [mapping] = fromQueues;
      const feeds = `event source mapping ${mapping?.UUID ?? '?'} of ${name} from ${mapping?.EventSourceArn?.split(':').pop() ?? '?'}`;
      results.push(
        enabled
          ? warn(
              'resources',
              'event-source-mapping',
              name,
              `${enabled.UUID ?? '?'}: the standby's consumers are consuming the replicated queue (Enabled): right after a failover, otherwise they process what the primary processes`,
              `if no failover is under way, disable the mapping (aws lambda update-event-source-mapping --uuid ${enabled.UUID ?? '<uuid>'} --no-enabled --region ${expected.region})`,
            )
          : pass('resources', 'event-source-mapping', name, `${feeds} waits for a failover (${mapping?.State ?? '?'}, MaximumConcurrency ${mapping?.ScalingConfig?.MaximumConcurrency ?? 'unset'})`),
      );
    } else if (enabled) {
      results.push(pass('resources', 'event-source-mapping', name, `event source mapping ${enabled.UUID ?? '?'} feeds ${name} from ${enabled.EventSourceArn?.split(':').pop() ?? '?'} (MaximumConcurrency ${enabled.ScalingConfig?.MaximumConcurrency ?? 'unset'})`));
    } else {
      const states = fromQueues.map((m) => `${m.UUID ?? '?'} ${m.State ?? '?'}`).join(', ');
      results.push(
        expected.standby
          ? fail('resources', 'event-source-mapping', name, `no event source mapping from the replicated queue to ${name}: after a failover nothing would consume it`, `create the SQS event source mapping of ${name} in ${expected.region}, disabled until a failover`)
          : fail('resources', 'event-source-mapping', name, fromQueues.length ? `no enabled event source mapping from the watched queue to ${name} (${states})` : `no event source mapping from the watched queue to ${name}`, `create or enable the SQS event source mapping of ${name}: scale-consumers acts on it`),
      );
    }
  }
  return results;
}

/** One DB instance by identifier, or undefined when RDS says it does not exist; any other error is the caller's. */
async function describeDbInstance(clients: PreflightClients, id: string): Promise<DBInstance | undefined> {
  try {
    return (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (error) {
    if (awsErrorName(error) !== 'DBInstanceNotFoundFault' && awsErrorName(error) !== 'DBInstanceNotFound') throw error;
    return undefined;
  }
}

/**
 * The DR region's database is the cross-region read replica of the watched one: it must exist, replicate that database,
 * and be of the matrix's class (a failover promotes it to carry the primary's load). Multi-AZ and backup retention are
 * the primary's until a promotion, so they are not asked of the replica.
 */
async function checkReplica(clients: PreflightClients, expected: PreflightExpectations, standby: NonNullable<PreflightExpectations['standby']>, found: DiscoveredResources): Promise<CheckResult[]> {
  const id = standby.replicaIdentifier;
  const sources = standby.sourceDatabases.join(', ');
  const instance = await describeDbInstance(clients, id);
  if (!instance) {
    return [
      fail(
        'resources',
        'database',
        id,
        `cross-region replica ${id} does not exist in ${expected.region}: a failover has no database to promote`,
        `create the cross-region read replica of ${sources} in ${expected.region} (the service's DR stack), or fix environments.${expected.environment}.disasterRecovery.replicaIdentifier`,
      ),
    ];
  }
  if (instance.DBInstanceArn) {
    (found.drReplicaArns ??= []).push(instance.DBInstanceArn);
    // It is also the region's database, which the changing rows there act on after a failover (decision 123): their
    // grants on it (scale-up-database's resize) are judged on its ARN.
    found.dbArns.push(instance.DBInstanceArn);
  }
  for (const group of instance.DBParameterGroups ?? []) if (group.DBParameterGroupName) found.dbParameterGroups.push(group.DBParameterGroupName);
  if (instance.DBSubnetGroup?.DBSubnetGroupName) found.dbSubnetGroups.push(instance.DBSubnetGroup.DBSubnetGroupName);
  const source = instance.ReadReplicaSourceDBInstanceIdentifier;
  const replicates = source !== undefined && standby.sourceDatabases.some((d) => source === d || source.endsWith(`:db:${d}`));
  const results = [
    replicates
      ? pass('resources', 'database', id, `cross-region replica ${id} exists (${instance.Engine ?? '?'} ${instance.EngineVersion ?? ''}, ${instance.DBInstanceStatus ?? '?'}), replicating ${source}`)
      : fail('resources', 'database', id, `${id} is not a read replica of ${sources} (source: ${source ?? 'none'}): a failover would promote the wrong data`, `re-create ${id} as a cross-region read replica of ${sources}`),
  ];
  results.push(drift(id, 'instance class', instance.DBInstanceClass, expected.matrix.dbInstanceClass, `modify ${id} to the matrix class: a failover promotes it to carry the primary's load`));
  return results;
}

async function checkDatabases(clients: PreflightClients, expected: PreflightExpectations, found: DiscoveredResources): Promise<CheckResult[]> {
  if (expected.standby) return checkReplica(clients, expected, expected.standby, found);
  const results: CheckResult[] = [];
  const { matrix } = expected;
  for (const id of expected.watched.databases) {
    const instance = await describeDbInstance(clients, id);
    if (!instance) {
      results.push(fail('resources', 'database', id, `database ${id} does not exist`, DEPLOY));
      continue;
    }
    if (instance.DBInstanceArn) found.dbArns.push(instance.DBInstanceArn);
    for (const group of instance.DBParameterGroups ?? []) if (group.DBParameterGroupName) found.dbParameterGroups.push(group.DBParameterGroupName);
    if (instance.DBSubnetGroup?.DBSubnetGroupName) found.dbSubnetGroups.push(instance.DBSubnetGroup.DBSubnetGroupName);
    results.push(pass('resources', 'database', id, `database ${id} exists (${instance.Engine ?? '?'} ${instance.EngineVersion ?? ''}, ${instance.DBInstanceStatus ?? '?'})`));
    const fix = `modify ${id} (or its IaC) to the matrix value, or update the document`;
    results.push(drift<string>(id, 'instance class', instance.DBInstanceClass, matrix.dbInstanceClass, fix, expected.automationDrift.dbInstanceClass));
    results.push(drift(id, 'Multi-AZ', instance.MultiAZ, matrix.multiAz, fix));
    results.push(drift(id, 'backup retention days', instance.BackupRetentionPeriod, matrix.backupRetentionDays, fix));
  }
  return results;
}

/** An API preflight looks for: a configured one (dependencies.apis, with its type and id) or an alarm's API name (REST). */
interface ApiToFind {
  name: string;
  id?: string;
  http: boolean;
}

/**
 * Each API is looked for in its own listing: a REST API in GetRestApis, an HTTP API (dependencies.apis[].type http) in
 * API Gateway v2's GetApis, every page of either. A configured id must be an API of that name; without one the name
 * must be one API's (names are not unique). Only the listings are read (the preflight role's grant is /restapis and,
 * with an HTTP API configured, /apis).
 */
export function judgeApi(api: ApiToFind, listed: ReadonlyArray<{ id?: string; name?: string; protocolType?: string }>): CheckResult {
  const label = api.http ? 'HTTP API' : 'REST API';
  const fix = 'deploy the API, or fix dependencies.apis (name, id, type) in the configuration';
  const ofType = listed.filter((a) => !api.http || a.protocolType === undefined || a.protocolType === 'HTTP');
  if (api.id) {
    const byId = listed.find((a) => a.id === api.id);
    if (!byId) return fail('resources', 'api', api.name, `no ${label} with id ${api.id} (dependencies.apis names ${api.name})`, fix);
    if (byId.name !== api.name) return fail('resources', 'api', api.name, `${label} ${api.id} is named "${byId.name ?? '?'}", not "${api.name}"`, fix);
    if (!ofType.includes(byId)) return fail('resources', 'api', api.name, `API ${api.name} (${api.id}) is a ${byId.protocolType ?? '?'} API, not an HTTP API`, fix);
    return pass('resources', 'api', api.name, `${api.http ? 'HTTP API' : 'API'} ${api.name} exists (${api.id})`);
  }
  const named = ofType.filter((a) => a.name === api.name);
  if (named.length === 0) return fail('resources', 'api', api.name, `no ${label} named ${api.name}`, fix);
  if (named.length > 1) {
    return fail('resources', 'api', api.name, `${named.length} ${label}s are named ${api.name} (${named.map((a) => a.id ?? '?').join(', ')})`, 'set dependencies.apis[].id to say which one');
  }
  return pass('resources', 'api', api.name, `${api.http ? 'HTTP API' : 'API'} ${api.name} exists (${named[0]?.id ?? '?'})`);
}

async function checkApis(clients: PreflightClients, expected: PreflightExpectations): Promise<CheckResult[]> {
  const { watched } = expected;
  const configured: ApiToFind[] = [
    ...(watched.restApis ?? []).map((api) => ({ ...api, http: false })),
    ...(watched.httpApis ?? []).map((api) => ({ ...api, http: true })),
  ];
  // The alarms' API names that no dependencies.apis entry describes are looked for as REST APIs, by name.
  const toFind = [...configured, ...watched.apis.filter((name) => !configured.some((api) => api.name === name)).map((name) => ({ name, http: false }))];
  const rest = toFind.some((api) => !api.http)
    ? await everyPage(async (position) => {
        const page = await clients.apiGateway.send(new GetRestApisCommand({ limit: 500, ...(position ? { position } : {}) }));
        return { items: (page.items ?? []).map((a: RestApi) => ({ id: a.id, name: a.name })), next: page.position };
      })
    : [];
  const http = toFind.some((api) => api.http)
    ? await everyPage(async (NextToken) => {
        const page = await clients.apiGatewayV2.send(new GetApisCommand({ ...(NextToken ? { NextToken } : {}) }));
        return { items: (page.Items ?? []).map((a: Api) => ({ id: a.ApiId, name: a.Name, protocolType: a.ProtocolType })), next: page.NextToken };
      })
    : [];
  return toFind.map((api) => judgeApi(api, api.http ? http : rest));
}

async function checkCaches(clients: PreflightClients, expected: PreflightExpectations): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const id of expected.caches) {
    try {
      const group = (await clients.elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
      results.push(pass('resources', 'cache', id, `cache ${id} exists (${group?.Status ?? '?'}, ${group?.MemberClusters?.length ?? 0} nodes)`));
    } catch (error) {
      if (awsErrorName(error) !== 'ReplicationGroupNotFoundFault') throw error;
      results.push(fail('resources', 'cache', id, `cache replication group ${id} does not exist`, 'deploy the cache, or fix dependencies.caches in the configuration'));
    }
  }
  return results;
}

/**
 * Every watched resource, in the order a person reads the architecture: queue, consumer, database, API, cache. Each
 * kind is guarded on its own: a read AWS refuses (denied, throttled) is a FAIL naming it, and the other kinds still run.
 */
export async function checkResources(clients: PreflightClients, expected: PreflightExpectations, _target: PreflightTarget): Promise<{ results: CheckResult[]; found: DiscoveredResources }> {
  const found: DiscoveredResources = { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], drReplicaArns: [], dbParameterGroups: [], dbSubnetGroups: [] };
  const { queues, functions } = expected.watched;
  const databases = expected.standby ? [expected.standby.replicaIdentifier] : expected.watched.databases;
  const results = [
    ...(await guardedCheck('resources', `queues ${queues.join(', ')}`, RESOURCE_ACTIONS.queues, () => checkQueues(clients, expected, found))),
    ...(await guardedCheck('resources', `consumer functions ${functions.join(', ')}`, RESOURCE_ACTIONS.functions, () => checkFunctions(clients, expected, found))),
    ...(await guardedCheck('resources', `databases ${databases.join(', ')}`, RESOURCE_ACTIONS.databases, () => checkDatabases(clients, expected, found))),
    ...(await guardedCheck('resources', `APIs ${expected.watched.apis.join(', ')}`, RESOURCE_ACTIONS.apis, () => checkApis(clients, expected))),
    ...(expected.caches.length > 0 ? await guardedCheck('resources', `caches ${expected.caches.join(', ')}`, RESOURCE_ACTIONS.caches, () => checkCaches(clients, expected)) : []),
    // Before an incident (review 23b R23b-3): each consumer's subnets leave through their own zone's NAT gateway.
    ...(found.functionVpcs?.length
      ? await guardedCheck('resources', `NAT gateway zones of ${found.functionVpcs.map((f) => f.functionName).join(', ')}`, RESOURCE_ACTIONS.network, () => checkNatZones(clients.ec2, found.functionVpcs ?? []))
      : []),
  ];
  return { results, found };
}

/** The read-only actions each resource kind's check calls: named in its FAIL when AWS refuses one without naming it. */
export const RESOURCE_ACTIONS = {
  queues: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
  functions: ['lambda:GetFunctionConfiguration', 'lambda:GetFunctionConcurrency', 'lambda:ListEventSourceMappings'],
  databases: ['rds:DescribeDBInstances'],
  apis: ['apigateway:GET'],
  caches: ['elasticache:DescribeReplicationGroups'],
  network: NETWORK_ACTIONS,
} as const;
