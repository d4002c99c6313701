// The DR standby of the sandbox's Notification Service, in the DR region of the same emulated account: the cross-region
// read replica of the primary database, the replicated queue (with its dead-letter queue, as the primary's), the DR
// consumer (the document's reserved concurrency) with its mapping disabled, the endpoint
// parameter each region's consumers read, and the API's Route 53 failover record pair (PRIMARY = primary region).
import { CreateFunctionCommand, CreateEventSourceMappingCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { CreateDBInstanceReadReplicaCommand, CreateDBParameterGroupCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, CreateHealthCheckCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ZipFile } from 'yazl';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { ensureLogGroup } from '../shared/aws/ensure-log-group';
import { alarmSpecs, rowsWatchedIn, type AlarmSpec } from '../shared/config/alarm-specs';
import { APPROVAL_TOPIC_NAME } from '../shared/config/names';
import { CHANGING_PLAYBOOKS } from '../shared/playbooks/changing-rows';
import type { AutomationConfig, EnvironmentName } from '../shared/config/schema';
import { loggingConfigOf, provisionAlarms, provisionRoute, provisionStateTable, type SandboxClientConfig } from './provision';
import { alarmRouteSpecs, sandboxTopology, type Topology } from './topology';

export interface DrStandby {
  primaryRegion: string;
  drRegion: string;
  replica: { identifier: string; arn: string; endpointAddress: string };
  primaryEndpointAddress: string;
  queue: { name: string; url: string; arn: string };
  consumer: { functionName: string; mappingUuid: string };
  endpointParameterName: string;
  hostedZoneId: string;
  /** Fully qualified, with the final dot. */
  recordName: string;
  /** What each region's record resolves to (its API's regional domain). */
  recordValues: Record<string, string>;
  /** The DR region's approval topic, where FailoverToDR's approval request goes (the DR region's stack deploys it). */
  approvalTopicArn: string;
}

export class DrProvisioningError extends Error {
  override readonly name = 'DrProvisioningError';
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new DrProvisioningError(`the emulator returned no ${what}`);
  return value;
}

/** A deployment package moto stores and never runs (the consumer's code is not the point here). */
function placeholderZip(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('#!/bin/sh\n# DR consumer (sandbox placeholder: moto does not run it).\n'), 'bootstrap', { mode: 0o100755 });
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.once('error', reject);
    zip.outputStream.once('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/**
 * Provisions the standby beside a primary topology. The domain is the sandbox's own (`notification.sandbox.test.`):
 * the configuration names no domain, and the documents take the record as a parameter.
 */
export async function provisionDrStandby(opts: {
  clientConfig: SandboxClientConfig;
  config: AutomationConfig;
  environment: EnvironmentName;
  primary: Topology;
}): Promise<DrStandby> {
  const { config, environment, primary } = opts;
  const env = config.environments[environment];
  const drRegion = Object.entries(env.regionRoles ?? {}).find(([, role]) => role === 'dr')?.[0];
  const dr = env.disasterRecovery;
  if (!drRegion || !dr) throw new DrProvisioningError(`${environment} has no dr region or no disasterRecovery configuration`);
  const at = (region: string) => ({ ...opts.clientConfig, region });
  const rdsPrimary = new RDSClient(at(primary.region));
  const rds = new RDSClient(at(drRegion));
  const sqs = new SQSClient(at(drRegion));
  const lambda = new LambdaClient(at(drRegion));
  const route53 = new Route53Client(at(primary.region));
  const sns = new SNSClient(at(drRegion));
  try {
    const source = required((await rdsPrimary.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: primary.database.identifier }))).DBInstances?.[0], 'primary database');
    // A parameter group is regional: the replica's region needs its own copy of the primary's.
    await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: primary.database.parameterGroupName,
        DBParameterGroupFamily: primary.spec.database.parameterGroupFamily,
        Description: `${primary.database.parameterGroupName}, in the DR region`,
      }),
    );
    const created = await rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBParameterGroupName: primary.database.parameterGroupName,
        DBInstanceIdentifier: dr.replicaIdentifier,
        SourceDBInstanceIdentifier: primary.database.arn,
        DBInstanceClass: primary.database.instanceClass,
        // The primary is encrypted (the seed: RDS, AES-256, KMS): a replica in another region needs a key of that region
        // (CreateDBInstanceReadReplica KmsKeyId; the gap proxy refuses it without one, as RDS does). The region's AWS
        // managed key for RDS; the DR region's sandbox has no VPC, so the replica is in its default VPC.
        KmsKeyId: 'alias/aws/rds',
      }),
    );
    const replica = required(created.DBInstance, 'replica');

    const queueName = primary.queue.name;
    // The replicated queue redrives to its own dead-letter queue, as the primary's does (it is the live queue after a failover).
    const dlqUrl = required((await sqs.send(new CreateQueueCommand({ QueueName: primary.spec.deadLetterQueue.name, Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) } }))).QueueUrl, 'QueueUrl');
    const dlqArn = required((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn, 'QueueArn');
    const queueAttributes = {
      VisibilityTimeout: String(primary.spec.queue.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: primary.spec.deadLetterQueue.maxReceiveCount }),
    };
    const makeQueue = async () => {
      const url = required((await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: queueAttributes }))).QueueUrl, 'QueueUrl');
      const arn = required((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn, 'QueueArn');
      return { url, arn };
    };
    const queue = await makeQueue();
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: primary.consumer.functionName,
        Runtime: 'provided.al2023',
        Handler: 'index.handler',
        Role: primary.consumer.roleArn,
        Code: { ZipFile: await placeholderZip() },
        MemorySize: primary.consumer.memoryMb,
        Timeout: primary.consumer.timeoutSeconds,
        Description: 'Notification Service SQS consumer, DR standby',
        // The primary's log group name (resources.functionLogGroups holds for every region, as infra's filters do).
        ...loggingConfigOf(primary.consumer.functionName, primary.consumer.logGroupName),
      }),
    );
    // The document's Lambda block (reserved concurrency 100) holds for the standby's consumer too: it takes the load at a failover.
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: primary.consumer.functionName, ReservedConcurrentExecutions: primary.consumer.reservedConcurrency }));
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: primary.consumer.functionName,
        EventSourceArn: queue.arn,
        BatchSize: primary.consumer.batchSize,
        ScalingConfig: { MaximumConcurrency: primary.consumer.maximumConcurrency },
        // As the primary's (sandbox/provision.ts): the consumer reports partial batch failures.
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Enabled: false,
      }),
    );
    // As for the primary (sandbox/provision.ts): a queue created again carries no mapping moto would poll, so messages
    // wait for the simulated consumer instead of moto's Docker runner.
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    const again = await makeQueue();
    if (again.arn !== queue.arn) throw new DrProvisioningError(`re-created queue ${queueName} changed identity: ${again.arn}`);

    // Each region's consumers read the database endpoint here; before a failover both name the primary.
    const primaryEndpointAddress = required(source.Endpoint?.Address, 'primary endpoint');
    for (const region of [primary.region, drRegion]) {
      await new SSMClient(at(region)).send(new PutParameterCommand({ Name: dr.endpointParameterName, Value: primaryEndpointAddress, Type: 'String', Overwrite: true }));
    }

    const { hostedZoneId, recordName, recordValues } = await provisionFailoverRecordPair(route53, { accountId: primary.accountId, apiName: primary.spec.apiName, primaryRegion: primary.region, drRegion });
    const approvalTopic = await sns.send(new CreateTopicCommand({ Name: APPROVAL_TOPIC_NAME }));

    return {
      primaryRegion: primary.region,
      drRegion,
      replica: { identifier: dr.replicaIdentifier, arn: required(replica.DBInstanceArn, 'replica ARN'), endpointAddress: required(replica.Endpoint?.Address, 'replica endpoint') },
      primaryEndpointAddress,
      queue: { name: queueName, ...again },
      consumer: { functionName: primary.consumer.functionName, mappingUuid: required(mapping.UUID, 'mapping UUID') },
      endpointParameterName: dr.endpointParameterName,
      hostedZoneId,
      recordName,
      recordValues,
      approvalTopicArn: required(approvalTopic.TopicArn, 'approval TopicArn'),
    };
  } finally {
    for (const client of [rdsPrimary, rds, sqs, lambda, route53, sns]) client.destroy();
  }
}

/** The API's Route 53 failover record pair, as the failover documents expect it (decision 69). */
export interface FailoverRecordPair {
  hostedZoneId: string;
  /** Fully qualified, with the final dot. */
  recordName: string;
  /** Each region's record value (its API's regional endpoint). */
  recordValues: Record<string, string>;
}

/**
 * A hosted zone and, in it, the pair FailoverToDR and FailbackToPrimary switch: two CNAMEs of one name, set identifier =
 * region, PRIMARY the primary region and SECONDARY the DR region, each with its own value, TTL 60 and an HTTPS health
 * check of its own.
 */
export async function provisionFailoverRecordPair(
  route53: Route53Client,
  inputs: { accountId: string; apiName: string; primaryRegion: string; drRegion: string },
): Promise<FailoverRecordPair> {
  const zoneName = 'notification.sandbox.test.';
  const recordName = `api.${zoneName}`;
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: zoneName, CallerReference: `sandbox-${inputs.accountId}` }));
  const hostedZoneId = required(zone.HostedZone?.Id, 'HostedZone.Id').replace(/^\/hostedzone\//, '');
  const recordValues: Record<string, string> = {
    [inputs.primaryRegion]: `${inputs.apiName}.execute-api.${inputs.primaryRegion}.amazonaws.com`,
    [inputs.drRegion]: `${inputs.apiName}.execute-api.${inputs.drRegion}.amazonaws.com`,
  };
  const changes = [];
  for (const [region, failover] of [
    [inputs.primaryRegion, 'PRIMARY'],
    [inputs.drRegion, 'SECONDARY'],
  ] as const) {
    const value = recordValues[region] ?? '';
    const check = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `sandbox-${inputs.accountId}-${region}`,
        HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: value, ResourcePath: '/health', RequestInterval: 30, FailureThreshold: 3 },
      }),
    );
    changes.push({
      Action: 'CREATE' as const,
      ResourceRecordSet: {
        Name: recordName,
        Type: 'CNAME' as const,
        SetIdentifier: region,
        Failover: failover,
        TTL: 60,
        HealthCheckId: required(check.HealthCheck?.Id, 'HealthCheck.Id'),
        ResourceRecords: [{ Value: value }],
      },
    });
  }
  await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Changes: changes } }));
  return { hostedZoneId, recordName, recordValues };
}

/** The automation's own resources in the DR region, and the standby alarms it watches there. */
export interface DrAutomation {
  region: string;
  /** The DR region's standby alarms (row dr-standby), and those of `alsoRows`, as infra declares them (shared/config/alarm-specs.ts). */
  alarms: Topology['alarms'];
  escalationTopics: Topology['escalationTopics'];
  stateTable: Topology['stateTable'];
  eventBus: { name: string; arn: string };
  /** The project bus's decisions, delivered by a real EventBridge rule to a queue (what the escalate handler's rule gets). */
  decisionRoute: Topology['decisionRoute'];
  escalationScheduleGroup: { name: string; arn: string };
  /** The health checks' group, where the DR region deploys verify-change (a row that changes something is watched there: decision 123). */
  verifyScheduleGroup?: { name: string; arn: string };
}

/**
 * The alarms provisionDrAutomation puts in the DR region, as infra declares them (shared/config/alarm-specs.ts): every
 * standby alarm (row dr-standby: the replica's lag, its replication not active (ReplicaLag -1, decision 360), the
 * replicated queue's depth and oldest message), then those of `alsoRows`. Pure, so test/infra/alarm-definitions.test.ts
 * compares exactly what the sandbox creates with infra's template.
 */
export function drAlarmSpecs(config: AutomationConfig, environment: EnvironmentName, drRegion: string, alsoRows: readonly string[] = []): AlarmSpec[] {
  const regionAlarms = alarmSpecs(config, environment, drRegion);
  const standbyAlarms = regionAlarms.filter((alarm) => alarm.rowId === 'dr-standby');
  if (standbyAlarms.length === 0) throw new DrProvisioningError(`${environment} ${drRegion} has no standby alarms (row dr-standby)`);
  const alsoAlarms = regionAlarms.filter((alarm) => alsoRows.includes(alarm.rowId));
  const missingRows = alsoRows.filter((row) => !alsoAlarms.some((alarm) => alarm.rowId === row));
  if (missingRows.length > 0) throw new DrProvisioningError(`${environment} ${drRegion} watches no alarm of row(s) ${missingRows.join(', ')}`);
  return [...standbyAlarms, ...alsoAlarms];
}

/**
 * What the DR region's stack deploys besides its handlers, for the standby watch to run there against the emulator: the
 * state table, the kill switch (off), the project bus, one topic per escalation tier, the escalation schedule group (and
 * the health checks' where a row that changes something is watched there, decision 123), and the standby alarms
 * (drAlarmSpecs). The other rows' alarms (`alsoRows`, e.g.
 * high-latency, queue-backup) only when asked: the DR sandbox has no API, so only what a playbook reads without one can
 * run on them. With memory-pressure's alarm comes what infra deploys beside it (WatchedAlarms): the OOM metric filter
 * on the DR consumer's log group.
 */
export async function provisionDrAutomation(opts: {
  clientConfig: SandboxClientConfig;
  config: AutomationConfig;
  environment: EnvironmentName;
  standby: DrStandby;
  /** Rows watched in the DR region whose alarms are created too, beside the standby's. */
  alsoRows?: readonly string[];
}): Promise<DrAutomation> {
  const { config, environment, standby } = opts;
  const at = { ...opts.clientConfig, region: standby.drRegion };
  const spec = sandboxTopology(config, environment);
  const cloudWatch = new CloudWatchClient(at);
  const dynamodb = new DynamoDBClient(at);
  const ssm = new SSMClient(at);
  const events = new EventBridgeClient(at);
  const sns = new SNSClient(at);
  const scheduler = new SchedulerClient(at);
  const logs = new CloudWatchLogsClient(at);
  try {
    const drAlarms = drAlarmSpecs(config, environment, standby.drRegion, opts.alsoRows);
    const alarms = await provisionAlarms(cloudWatch, drAlarms);
    if (drAlarms.some((alarm) => alarm.rowId === 'memory-pressure')) {
      // As infra's WatchedAlarms where memory-pressure is watched: the OOM count's filter on the consumer's log group, made
      // sure of first as infra's WatchedLogGroups does (the standby that never ran has none: review 22a, R22a-5);
      // raise-lambda-memory confirms its alarm by it.
      const filter = spec.oomMetricFilter;
      await ensureLogGroup(logs, filter.logGroupName);
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: filter.logGroupName,
          filterName: filter.name,
          filterPattern: filter.pattern,
          metricTransformations: [{ metricNamespace: filter.namespace, metricName: filter.metricName, metricValue: '1', defaultValue: 0, unit: 'Count' }],
        }),
      );
    }
    const stateTable = await provisionStateTable(dynamodb, spec);
    await ssm.send(new PutParameterCommand({ Name: spec.killSwitch.name, Value: spec.killSwitch.value, Type: 'String', Overwrite: true }));
    const bus = await events.send(new CreateEventBusCommand({ Name: spec.eventBusName }));
    const escalationTopics = await Promise.all(
      spec.escalationTopics.map(async (tier) => ({ ...tier, arn: required((await sns.send(new CreateTopicCommand({ Name: tier.topicName }))).TopicArn, 'TopicArn') })),
    );
    const group = await scheduler.send(new CreateScheduleGroupCommand({ Name: spec.escalationScheduleGroup }));
    // As infra: verify-change and its group where a row that changes something is watched (decision 123).
    const changingRows = new Set(CHANGING_PLAYBOOKS.map((p) => p.row));
    const verifyGroup = rowsWatchedIn(config, 'dr').some((row) => changingRows.has(row.id))
      ? await scheduler.send(new CreateScheduleGroupCommand({ Name: spec.verifyScheduleGroup }))
      : undefined;
    const sqs = new SQSClient(at);
    const decisionRoute = await provisionRoute(events, sqs, spec.decisionRoute, spec.decisionRoute.busName).finally(() => sqs.destroy());
    return {
      region: standby.drRegion,
      alarms,
      escalationTopics,
      stateTable,
      eventBus: { name: spec.eventBusName, arn: required(bus.EventBusArn, 'EventBusArn') },
      decisionRoute: { ...decisionRoute, busName: spec.decisionRoute.busName, source: spec.decisionRoute.source },
      escalationScheduleGroup: { name: spec.escalationScheduleGroup, arn: required(group.ScheduleGroupArn, 'ScheduleGroupArn') },
      ...(verifyGroup ? { verifyScheduleGroup: { name: spec.verifyScheduleGroup, arn: required(verifyGroup.ScheduleGroupArn, 'ScheduleGroupArn') } } : {}),
    };
  } finally {
    for (const client of [cloudWatch, dynamodb, ssm, events, sns, scheduler, logs]) client.destroy();
  }
}

/** The DR region's default-bus rules for its alarms, each delivering to a queue: what the DR stack's alarm rules feed. */
export interface DrAlarmRoutes {
  /** handler -> the rule and the queue it delivers to (watch-standby; the `alsoRows` handlers when their alarms exist). */
  alarmRoutes: Topology['alarmRoutes'];
  /** Their OK state changes, for the escalation (an incident resolves when its alarm clears). */
  alarmClearedRoute: Topology['alarmClearedRoute'];
}

/**
 * The rules that carry the DR region's alarm state changes (rule per handler, and OK to the escalation), built from the
 * same specs as the primary's (sandbox/topology.ts alarmRouteSpecs): the game-day demo fires the standby's alarm through
 * them. Separate from provisionDrAutomation, whose callers invoke the handlers directly.
 */
export async function provisionDrAlarmRoutes(opts: { clientConfig: SandboxClientConfig; config: AutomationConfig; automation: DrAutomation }): Promise<DrAlarmRoutes> {
  const at = { ...opts.clientConfig, region: opts.automation.region };
  const events = new EventBridgeClient(at);
  const sqs = new SQSClient(at);
  try {
    const specs = alarmRouteSpecs(opts.config, opts.automation.alarms);
    const alarmRoutes: DrAlarmRoutes['alarmRoutes'] = {};
    for (const route of specs.alarmRoutes) alarmRoutes[route.handler] = await provisionRoute(events, sqs, route, undefined);
    const alarmClearedRoute = await provisionRoute(events, sqs, specs.alarmClearedRoute, undefined);
    return { alarmRoutes, alarmClearedRoute };
  } finally {
    events.destroy();
    sqs.destroy();
  }
}
