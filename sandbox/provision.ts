// Creates the sandbox topology in moto with the real SDK v3 clients and returns every id, ARN and URL it got.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudWatchLogsClient, CreateLogGroupCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type IpPermission,
  type ResourceType,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, CreateDBParameterGroupCommand, CreateDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateCacheSubnetGroupCommand, CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ZipFile } from 'yazl';
import { accountOfArn, partitionOf } from '../shared/aws/arn';
import { lambdaDefaultLogGroup } from '../shared/config/alarm-specs';
import type { AutomationConfig, EnvironmentName } from '../shared/config/schema';
import {
  sandboxTopology,
  type AlarmSpec,
  type ProvisionedQueue,
  type ProvisionedRoute,
  type RouteSpec,
  type SandboxTopologySpec,
  type SecurityGroupKey,
  type SecurityGroupRuleSpec,
  type Topology,
} from './topology';

/** Where and as whom the SDK clients talk: passed to every client explicitly, so process.env cannot redirect them. */
export interface SandboxClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface ProvisionSandboxOptions {
  clientConfig: SandboxClientConfig;
  config: AutomationConfig;
  environment: EnvironmentName;
}

/** One provisioning call failed; the message names the step, the cause is the SDK's error. */
export class SandboxProvisioningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxProvisioningError';
  }
}

/** The emulator already holds this topology: moto would otherwise duplicate the VPC and silently reuse queues. */
export class SandboxAlreadyProvisionedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxAlreadyProvisionedError';
  }
}

/** Only the loopback emulator: a sandbox must never create resources in a real account. */
function assertLoopback(endpoint: string): void {
  const host = new URL(endpoint).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new SandboxProvisioningError(`the sandbox provisions only a loopback emulator, got endpoint ${endpoint}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

async function step<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new SandboxProvisioningError(`sandbox provisioning failed at ${what}: ${describeError(error)}`, { cause: error });
  }
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new SandboxProvisioningError(`sandbox provisioning: ${what} missing from the response`);
  return value;
}

function nameTag(resourceType: ResourceType, name: string, environment: EnvironmentName): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: [{ Key: 'Name', Value: name }, { Key: 'Environment', Value: environment }] }];
}

/** A deployment package for the custom runtime: moto stores it and never runs it. */
function consumerZip(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('#!/bin/sh\n# Custom runtime bootstrap for PHP 8.2 (seed: runtime php-8.2).\nexec /opt/bin/php "$LAMBDA_TASK_ROOT/index.php"\n'), 'bootstrap', {
      mode: 0o100755,
    });
    zip.addBuffer(Buffer.from('<?php\n// Notification Service consumer (sandbox placeholder).\nreturn fn (array $event) => [\'batchItemFailures\' => []];\n'), 'index.php');
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.once('error', reject);
    zip.outputStream.once('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * What the AWS managed AWSLambdaSQSQueueExecutionRole and AWSLambdaVPCAccessExecutionRole grant, inline and scoped:
 * moto loads AWS managed policies only when its server runs with MOTO_IAM_LOAD_MANAGED_POLICIES=true.
 */
function consumerPolicy(queueArn: string, logGroupArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ConsumeQueue', Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: queueArn },
      { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` },
      {
        Sid: 'AttachToVpc',
        Effect: 'Allow',
        Action: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: '*',
      },
    ],
  });
}

/** Lets one EventBridge rule, and nothing else, send to a target queue (EventBridge SQS target permissions). */
function queuePolicyForRule(queueArn: string, ruleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowEventBridgeRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  });
}

/**
 * The input transformer of every rule target: the event exactly as EventBridge shapes it. Equivalent to no
 * transformer on AWS; moto 5.2.1's default target input drops "account", which the alarm event parser requires.
 * Object-valued fields come last: moto substitutes the placeholders in this order, so text inside an inserted
 * detail can never be taken for a placeholder.
 */
const FULL_EVENT_TRANSFORMER = {
  InputPathsMap: {
    id: '$.id',
    'detail-type': '$.detail-type',
    source: '$.source',
    account: '$.account',
    time: '$.time',
    region: '$.region',
    resources: '$.resources',
    detail: '$.detail',
  },
  InputTemplate:
    '{"version":"0","id":"<id>","detail-type":"<detail-type>","source":"<source>","account":"<account>","time":"<time>","region":"<region>","resources":<resources>,"detail":<detail>}',
};

function isQueueMissing(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

function toDimensions(dimensions: Record<string, string>): Array<{ Name: string; Value: string }> {
  return Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
}

/** The PutMetricAlarm call for one alarm spec: the same alarm infra declares (test/infra/alarm-definitions.test.ts). */
export function putMetricAlarmInput(alarm: AlarmSpec): PutMetricAlarmCommandInput {
  const common = {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description,
    ActionsEnabled: true,
    ComparisonOperator: alarm.comparisonOperator,
    Threshold: alarm.threshold,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    TreatMissingData: alarm.treatMissingData,
  };
  const { metric } = alarm;
  if (metric.kind === 'single') {
    return {
      ...common,
      Namespace: metric.metric.namespace,
      MetricName: metric.metric.metricName,
      Dimensions: toDimensions(metric.metric.dimensions),
      Period: metric.metric.periodSeconds,
      ...(metric.statistic !== undefined ? { Statistic: metric.statistic } : {}),
      ...(metric.extendedStatistic !== undefined ? { ExtendedStatistic: metric.extendedStatistic } : {}),
    };
  }
  const inputs: MetricDataQuery[] = metric.inputs.map((input) => ({
    Id: input.id,
    MetricStat: {
      Metric: { Namespace: input.metric.namespace, MetricName: input.metric.metricName, Dimensions: toDimensions(input.metric.dimensions) },
      Period: input.metric.periodSeconds,
      Stat: input.stat,
    },
    ReturnData: false,
  }));
  return { ...common, Metrics: [...inputs, { Id: metric.expressionId, Expression: metric.expression, Label: metric.label, ReturnData: true }] };
}

function ingressPermission(rule: SecurityGroupRuleSpec, groupIds: Record<SecurityGroupKey, string>): IpPermission {
  const peer =
    'cidr' in rule.peer
      ? { IpRanges: [{ CidrIp: rule.peer.cidr, Description: rule.description }] }
      : { UserIdGroupPairs: [{ GroupId: groupIds[rule.peer.securityGroup], Description: rule.description }] };
  return { IpProtocol: rule.protocol, FromPort: rule.port, ToPort: rule.port, ...peer };
}

/**
 * Provisions the seed's Notification Service topology for one environment into the emulator at
 * `clientConfig.endpoint`. Fails with SandboxAlreadyProvisionedError when the emulator already has it.
 */
export async function provisionSandbox(opts: ProvisionSandboxOptions): Promise<Topology> {
  const { clientConfig, config, environment } = opts;
  assertLoopback(clientConfig.endpoint);
  const spec = sandboxTopology(config, environment);
  const { region } = clientConfig;
  const sdk = { endpoint: clientConfig.endpoint, region, credentials: clientConfig.credentials };
  const ec2 = new EC2Client(sdk);
  const rds = new RDSClient(sdk);
  const sqs = new SQSClient(sdk);
  const iam = new IAMClient(sdk);
  const lambda = new LambdaClient(sdk);
  const logs = new CloudWatchLogsClient(sdk);
  const cloudWatch = new CloudWatchClient(sdk);
  const sns = new SNSClient(sdk);
  const dynamodb = new DynamoDBClient(sdk);
  const ssm = new SSMClient(sdk);
  const events = new EventBridgeClient(sdk);
  const scheduler = new SchedulerClient(sdk);
  const elastiCache = new ElastiCacheClient(sdk);
  const clients = [ec2, rds, sqs, iam, lambda, logs, cloudWatch, sns, dynamodb, ssm, events, scheduler, elastiCache];

  try {
    await assertNotProvisioned(sqs, spec);
    const network = await provisionNetwork(ec2, spec, region);
    const database = await provisionDatabase(rds, spec, network.privateSubnetIds, network.securityGroupIds.database);
    const cache = await provisionCache(elastiCache, spec, network.privateSubnetIds, network.securityGroupIds.cache);
    const queues = await provisionQueues(sqs, spec);
    const accountId = required(accountOfArn(queues.queue.arn), `account id in ${queues.queue.arn}`);
    const consumer = await provisionConsumer({ iam, lambda, logs, sqs }, region, spec, network, queues);
    const apiGateway = new APIGatewayClient(sdk);
    clients.push(apiGateway);
    const api = await provisionApi(apiGateway, logs, region, spec, consumer.functionArn, accountId);
    const alarms = await provisionAlarms(cloudWatch, spec.alarms);
    const escalationTopics = await Promise.all(
      spec.escalationTopics.map(async (tier) => {
        const created = await step(`SNS CreateTopic ${tier.topicName}`, () => sns.send(new CreateTopicCommand({ Name: tier.topicName })));
        return { ...tier, arn: required(created.TopicArn, 'TopicArn') };
      }),
    );
    const approvalTopic = await step(`SNS CreateTopic ${spec.approvalTopicName}`, () => sns.send(new CreateTopicCommand({ Name: spec.approvalTopicName })));
    const stateTable = await provisionStateTable(dynamodb, spec);
    await step(`SSM PutParameter ${spec.killSwitch.name}`, () =>
      ssm.send(
        new PutParameterCommand({
          Name: spec.killSwitch.name,
          Value: spec.killSwitch.value,
          Type: 'String',
          Description: 'Runbook automation kill switch: anything but exactly "off" turns every handler into dry run',
        }),
      ),
    );
    const bus = await step(`EventBridge CreateEventBus ${spec.eventBusName}`, () =>
      events.send(new CreateEventBusCommand({ Name: spec.eventBusName })),
    );
    const alarmRoutes: Record<string, ProvisionedRoute> = {};
    for (const route of spec.alarmRoutes) {
      alarmRoutes[route.handler] = await provisionRoute(events, sqs, route, undefined);
    }
    const decisionRoute = await provisionRoute(events, sqs, spec.decisionRoute, spec.decisionRoute.busName);
    const alarmClearedRoute = await provisionRoute(events, sqs, spec.alarmClearedRoute, undefined);
    const scheduleGroup = await step(`Scheduler CreateScheduleGroup ${spec.escalationScheduleGroup}`, () =>
      scheduler.send(new CreateScheduleGroupCommand({ Name: spec.escalationScheduleGroup })),
    );
    const verifyGroup = await step(`Scheduler CreateScheduleGroup ${spec.verifyScheduleGroup}`, () =>
      scheduler.send(new CreateScheduleGroupCommand({ Name: spec.verifyScheduleGroup })),
    );

    return {
      spec,
      environment,
      accountId,
      region,
      vpc: network,
      database,
      cache,
      queue: queues.queue,
      deadLetterQueue: queues.deadLetterQueue,
      consumer,
      api,
      oomMetricFilter: spec.oomMetricFilter,
      alarms,
      alarmNamesByHandler: Object.fromEntries(spec.alarmRoutes.map((route) => [route.handler, route.alarmNames])),
      escalationTopics,
      approvalTopic: { name: spec.approvalTopicName, arn: required(approvalTopic.TopicArn, 'TopicArn') },
      stateTable,
      eventBus: { name: spec.eventBusName, arn: required(bus.EventBusArn, 'EventBusArn') },
      killSwitch: spec.killSwitch,
      alarmRoutes,
      decisionRoute: { ...decisionRoute, busName: spec.decisionRoute.busName, source: spec.decisionRoute.source },
      alarmClearedRoute,
      escalationScheduleGroup: { name: spec.escalationScheduleGroup, arn: required(scheduleGroup.ScheduleGroupArn, 'ScheduleGroupArn') },
      verifyScheduleGroup: { name: spec.verifyScheduleGroup, arn: required(verifyGroup.ScheduleGroupArn, 'ScheduleGroupArn') },
    };
  } finally {
    for (const client of clients) client.destroy();
  }
}

async function assertNotProvisioned(sqs: SQSClient, spec: SandboxTopologySpec): Promise<void> {
  let existingUrl: string | undefined;
  try {
    existingUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: spec.queue.name }))).QueueUrl;
  } catch (error) {
    if (isQueueMissing(error)) return;
    throw new SandboxProvisioningError(`sandbox provisioning failed at SQS GetQueueUrl ${spec.queue.name}: ${describeError(error)}`, { cause: error });
  }
  throw new SandboxAlreadyProvisionedError(
    `the emulator already has the sandbox topology (queue ${spec.queue.name} exists at ${existingUrl ?? '?'}): ` +
      'provision a fresh emulator, or another account (access key) on it',
  );
}

async function provisionNetwork(ec2: EC2Client, spec: SandboxTopologySpec, region: string): Promise<Topology['vpc']> {
  const { network } = spec;
  const env = spec.environment;
  const vpc = await step(`EC2 CreateVpc ${network.vpcCidr}`, () =>
    ec2.send(new CreateVpcCommand({ CidrBlock: network.vpcCidr, TagSpecifications: nameTag('vpc', network.vpcName, env) })),
  );
  const vpcId = required(vpc.Vpc?.VpcId, 'VpcId');
  // Interface endpoints with private DNS need both (VPC endpoint docs).
  for (const attribute of ['EnableDnsSupport', 'EnableDnsHostnames'] as const) {
    await step(`EC2 ModifyVpcAttribute ${attribute}`, () =>
      ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, [attribute]: { Value: true } })),
    );
  }

  const subnets: Topology['vpc']['subnets'] = [];
  for (const subnet of network.subnets) {
    const availabilityZone = `${region}${subnet.availabilityZoneSuffix}`;
    const created = await step(`EC2 CreateSubnet ${subnet.cidr}`, () =>
      ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: subnet.cidr,
          AvailabilityZone: availabilityZone,
          TagSpecifications: nameTag('subnet', subnet.name, env),
        }),
      ),
    );
    subnets.push({ ...subnet, availabilityZone, id: required(created.Subnet?.SubnetId, 'SubnetId') });
  }
  const privateSubnets = subnets.filter((subnet) => subnet.tier === 'private');
  const publicSubnets = subnets.filter((subnet) => subnet.tier === 'public');

  const igw = await step('EC2 CreateInternetGateway', () =>
    ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: nameTag('internet-gateway', `${spec.service}-igw`, env) })),
  );
  const internetGatewayId = required(igw.InternetGateway?.InternetGatewayId, 'InternetGatewayId');
  await step('EC2 AttachInternetGateway', () => ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: internetGatewayId, VpcId: vpcId })));
  const publicRouteTableId = await createRouteTable(ec2, vpcId, `${spec.service}-public`, env, { GatewayId: internetGatewayId });
  for (const subnet of publicSubnets) {
    await step(`EC2 AssociateRouteTable ${subnet.name}`, () =>
      ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicRouteTableId, SubnetId: subnet.id })),
    );
  }

  const natByZone = new Map<string, string>();
  if (network.natGatewayPerZone) {
    for (const subnet of publicSubnets) {
      const address = await step(`EC2 AllocateAddress for ${subnet.name}`, () => ec2.send(new AllocateAddressCommand({ Domain: 'vpc' })));
      const nat = await step(`EC2 CreateNatGateway in ${subnet.name}`, () =>
        ec2.send(
          new CreateNatGatewayCommand({
            SubnetId: subnet.id,
            AllocationId: required(address.AllocationId, 'AllocationId'),
            TagSpecifications: nameTag('natgateway', `${spec.service}-nat-${subnet.availabilityZoneSuffix}`, env),
          }),
        ),
      );
      natByZone.set(subnet.availabilityZone, required(nat.NatGateway?.NatGatewayId, 'NatGatewayId'));
    }
  }
  const privateRouteTableIds: string[] = [];
  for (const subnet of privateSubnets) {
    const natGatewayId = natByZone.get(subnet.availabilityZone);
    const routeTableId = await createRouteTable(ec2, vpcId, subnet.name, env, natGatewayId ? { NatGatewayId: natGatewayId } : undefined);
    await step(`EC2 AssociateRouteTable ${subnet.name}`, () =>
      ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnet.id })),
    );
    privateRouteTableIds.push(routeTableId);
  }

  const securityGroupIds = {} as Record<SecurityGroupKey, string>;
  for (const group of network.securityGroups) {
    const created = await step(`EC2 CreateSecurityGroup ${group.name}`, () =>
      ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: vpcId,
          GroupName: group.name,
          Description: group.description,
          TagSpecifications: nameTag('security-group', group.name, env),
        }),
      ),
    );
    securityGroupIds[group.key] = required(created.GroupId, 'GroupId');
  }
  for (const group of network.securityGroups) {
    const groupId = securityGroupIds[group.key];
    if (group.ingress.length > 0) {
      await step(`EC2 AuthorizeSecurityGroupIngress ${group.name}`, () =>
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: group.ingress.map((rule) => ingressPermission(rule, securityGroupIds)),
          }),
        ),
      );
    }
    if (group.egress) {
      // A new group allows all egress; an explicit list replaces that rule, as Terraform does.
      await step(`EC2 RevokeSecurityGroupEgress ${group.name} (default allow-all)`, () =>
        ec2.send(
          new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
        ),
      );
      const egress = group.egress;
      await step(`EC2 AuthorizeSecurityGroupEgress ${group.name}`, () =>
        ec2.send(
          new AuthorizeSecurityGroupEgressCommand({
            GroupId: groupId,
            IpPermissions: egress.map((rule) => ingressPermission(rule, securityGroupIds)),
          }),
        ),
      );
    }
  }

  const vpcEndpointIds: Record<string, string> = {};
  for (const endpoint of network.vpcEndpoints) {
    const serviceName = `com.amazonaws.${region}.${endpoint.service}`;
    const placement =
      endpoint.type === 'Interface'
        ? {
            SubnetIds: privateSubnets.map((subnet) => subnet.id),
            SecurityGroupIds: [securityGroupIds.vpcEndpoint],
            PrivateDnsEnabled: true,
          }
        : { RouteTableIds: privateRouteTableIds };
    const created = await step(`EC2 CreateVpcEndpoint ${serviceName}`, () =>
      ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          ServiceName: serviceName,
          VpcEndpointType: endpoint.type,
          ...placement,
          TagSpecifications: nameTag('vpc-endpoint', `${spec.service}-${endpoint.service}`, env),
        }),
      ),
    );
    vpcEndpointIds[endpoint.service] = required(created.VpcEndpoint?.VpcEndpointId, 'VpcEndpointId');
  }

  return {
    id: vpcId,
    cidr: network.vpcCidr,
    internetGatewayId,
    subnets,
    privateSubnetIds: privateSubnets.map((subnet) => subnet.id),
    publicSubnetIds: publicSubnets.map((subnet) => subnet.id),
    natGatewayIds: [...natByZone.values()],
    privateRouteTableIds,
    securityGroupIds,
    vpcEndpointIds,
  };
}

async function createRouteTable(
  ec2: EC2Client,
  vpcId: string,
  name: string,
  environment: EnvironmentName,
  defaultRoute: { GatewayId: string } | { NatGatewayId: string } | undefined,
): Promise<string> {
  const table = await step(`EC2 CreateRouteTable ${name}`, () =>
    ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: nameTag('route-table', name, environment) })),
  );
  const routeTableId = required(table.RouteTable?.RouteTableId, 'RouteTableId');
  if (defaultRoute) {
    await step(`EC2 CreateRoute 0.0.0.0/0 in ${name}`, () =>
      ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0', ...defaultRoute })),
    );
  }
  return routeTableId;
}

async function provisionDatabase(
  rds: RDSClient,
  spec: SandboxTopologySpec,
  privateSubnetIds: string[],
  securityGroupId: string,
): Promise<Topology['database']> {
  const db = spec.database;
  await step(`RDS CreateDBSubnetGroup ${db.subnetGroupName}`, () =>
    rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: db.subnetGroupName,
        DBSubnetGroupDescription: `${db.identifier} in the private subnets`,
        SubnetIds: privateSubnetIds,
      }),
    ),
  );
  await step(`RDS CreateDBParameterGroup ${db.parameterGroupName}`, () =>
    rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: db.parameterGroupName,
        DBParameterGroupFamily: db.parameterGroupFamily,
        Description: `${db.identifier} parameters (PostgreSQL 14)`,
      }),
    ),
  );
  const created = await step(`RDS CreateDBInstance ${db.identifier}`, () =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: db.identifier,
        DBInstanceClass: db.instanceClass,
        Engine: db.engine,
        EngineVersion: db.engineVersion,
        AllocatedStorage: db.allocatedStorageGb,
        MultiAZ: db.multiAz,
        BackupRetentionPeriod: db.backupRetentionDays,
        DBParameterGroupName: db.parameterGroupName,
        DBSubnetGroupName: db.subnetGroupName,
        VpcSecurityGroupIds: [securityGroupId],
        MasterUsername: db.masterUsername,
        // Secrets Manager holds the password: none is written here.
        ManageMasterUserPassword: true,
        StorageEncrypted: true,
        PubliclyAccessible: false,
        // The service stack tags its resources with their environment; the scale-up runbook reads this tag.
        Tags: [{ Key: 'Environment', Value: spec.environment }],
        Port: db.port,
      }),
    ),
  );
  return {
    identifier: db.identifier,
    arn: required(created.DBInstance?.DBInstanceArn, 'DBInstanceArn'),
    instanceClass: db.instanceClass,
    parameterGroupName: db.parameterGroupName,
    subnetGroupName: db.subnetGroupName,
  };
}

/** Seed "ElastiCache": Redis, cache.r6g.large, 2 nodes (a primary and a replica), automatic failover, in the private subnets. */
async function provisionCache(
  elastiCache: ElastiCacheClient,
  spec: SandboxTopologySpec,
  privateSubnetIds: string[],
  securityGroupId: string,
): Promise<Topology['cache']> {
  const cache = spec.cache;
  await step(`ElastiCache CreateCacheSubnetGroup ${cache.subnetGroupName}`, () =>
    elastiCache.send(
      new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: cache.subnetGroupName,
        CacheSubnetGroupDescription: `${cache.replicationGroupId} in the private subnets`,
        SubnetIds: privateSubnetIds,
      }),
    ),
  );
  const created = await step(`ElastiCache CreateReplicationGroup ${cache.replicationGroupId}`, () =>
    elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: cache.replicationGroupId,
        ReplicationGroupDescription: 'Notification Service cache (seed: cache.r6g.large, 2 nodes, automatic failover)',
        Engine: cache.engine,
        EngineVersion: cache.engineVersion,
        CacheNodeType: cache.nodeType,
        NumCacheClusters: cache.numCacheClusters,
        AutomaticFailoverEnabled: cache.automaticFailover,
        MultiAZEnabled: cache.automaticFailover,
        CacheSubnetGroupName: cache.subnetGroupName,
        SecurityGroupIds: [securityGroupId],
        Port: cache.port,
      }),
    ),
  );
  const group = created.ReplicationGroup;
  const members = (group?.NodeGroups ?? []).flatMap((nodeGroup) =>
    (nodeGroup.NodeGroupMembers ?? []).map((member) => ({
      cacheClusterId: required(member.CacheClusterId, 'CacheClusterId'),
      cacheNodeId: required(member.CacheNodeId, 'CacheNodeId'),
      role: member.CurrentRole === 'primary' ? ('primary' as const) : ('replica' as const),
    })),
  );
  return {
    provisioned: true,
    replicationGroupId: cache.replicationGroupId,
    arn: required(group?.ARN, 'ReplicationGroup ARN'),
    subnetGroupName: cache.subnetGroupName,
    securityGroupId,
    members,
  };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<ProvisionedQueue> {
  const created = await step(`SQS CreateQueue ${name}`, () => sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })));
  const url = required(created.QueueUrl, 'QueueUrl');
  const read = await step(`SQS GetQueueAttributes ${name}`, () =>
    sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })),
  );
  return { name, url, arn: required(read.Attributes?.QueueArn, 'QueueArn') };
}

interface Queues {
  queue: ProvisionedQueue;
  deadLetterQueue: ProvisionedQueue;
  /** The main queue's attributes, to create it again identically (see provisionConsumer). */
  queueAttributes: Record<string, string>;
}

async function provisionQueues(sqs: SQSClient, spec: SandboxTopologySpec): Promise<Queues> {
  // Failed messages are kept the longest SQS allows (14 days) for inspection.
  const deadLetterQueue = await createQueue(sqs, spec.deadLetterQueue.name, { MessageRetentionPeriod: String(14 * 24 * 3600) });
  const queueAttributes = {
    VisibilityTimeout: String(spec.queue.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: spec.deadLetterQueue.maxReceiveCount }),
  };
  const queue = await createQueue(sqs, spec.queue.name, queueAttributes);
  return { queue, deadLetterQueue, queueAttributes };
}

/** CreateFunction's LoggingConfig for a function logging to `logGroupName`: none for Lambda's default group. */
export function loggingConfigOf(functionName: string, logGroupName: string): { LoggingConfig?: { LogGroup: string } } {
  return logGroupName === lambdaDefaultLogGroup(functionName) ? {} : { LoggingConfig: { LogGroup: logGroupName } };
}

async function provisionConsumer(
  clients: { iam: IAMClient; lambda: LambdaClient; logs: CloudWatchLogsClient; sqs: SQSClient },
  region: string,
  spec: SandboxTopologySpec,
  network: Topology['vpc'],
  queues: Queues,
): Promise<Topology['consumer']> {
  const { iam, lambda, logs, sqs } = clients;
  const consumer = spec.consumer;
  const role = await step(`IAM CreateRole ${consumer.roleName}`, () =>
    iam.send(new CreateRoleCommand({ RoleName: consumer.roleName, AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY })),
  );
  const roleArn = required(role.Role?.Arn, 'Role.Arn');
  const accountId = required(accountOfArn(queues.queue.arn), `account id in ${queues.queue.arn}`);
  const logGroupArn = `arn:${partitionOf(region)}:logs:${region}:${accountId}:log-group:${consumer.logGroupName}`;
  await step(`IAM PutRolePolicy ${consumer.roleName}`, () =>
    iam.send(
      new PutRolePolicyCommand({ RoleName: consumer.roleName, PolicyName: 'consumer', PolicyDocument: consumerPolicy(queues.queue.arn, logGroupArn) }),
    ),
  );

  // Created before the function so the metric filter has its log group, as Terraform does to own its retention.
  await step(`Logs CreateLogGroup ${consumer.logGroupName}`, () => logs.send(new CreateLogGroupCommand({ logGroupName: consumer.logGroupName })));
  const filter = spec.oomMetricFilter;
  await step(`Logs PutMetricFilter ${filter.name}`, () =>
    logs.send(
      new PutMetricFilterCommand({
        logGroupName: filter.logGroupName,
        filterName: filter.name,
        filterPattern: filter.pattern,
        metricTransformations: [{ metricNamespace: filter.namespace, metricName: filter.metricName, metricValue: '1', defaultValue: 0, unit: 'Count' }],
      }),
    ),
  );

  const zipFile = await consumerZip();
  const fn = await step(`Lambda CreateFunction ${consumer.functionName}`, () =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName: consumer.functionName,
        Runtime: consumer.runtime,
        Handler: consumer.handler,
        Role: roleArn,
        Code: { ZipFile: zipFile },
        MemorySize: consumer.memoryMb,
        Timeout: consumer.timeoutSeconds,
        VpcConfig: { SubnetIds: network.privateSubnetIds, SecurityGroupIds: [network.securityGroupIds.lambda] },
        Description: 'Notification Service SQS consumer (PHP 8.2 on a custom runtime)',
        // A log group of its own where the configuration names one (resources.functionLogGroups): as the service's stack
        // would set it. moto 5.2.1 drops LoggingConfig; the gap proxy keeps it (sandbox/lambda-logging-config.ts).
        ...loggingConfigOf(consumer.functionName, consumer.logGroupName),
      }),
    ),
  );
  const functionArn = required(fn.FunctionArn, 'FunctionArn');
  await step(`Lambda PutFunctionConcurrency ${consumer.functionName}`, () =>
    lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: consumer.functionName, ReservedConcurrentExecutions: consumer.reservedConcurrency })),
  );
  const mapping = await step(`Lambda CreateEventSourceMapping ${queues.queue.name} -> ${consumer.functionName}`, () =>
    lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: consumer.functionName,
        EventSourceArn: queues.queue.arn,
        BatchSize: consumer.mapping.batchSize,
        ScalingConfig: { MaximumConcurrency: consumer.mapping.maximumConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Enabled: true,
      }),
    ),
  );

  // moto "polls" a queue through every enabled mapping attached to it on each SendMessage, tries to run the function
  // in Docker, fails, and after maxReceiveCount receives moves every message to the DLQ: the queue could never back
  // up. The mapping stays (Enabled, same EventSourceArn), but a queue created again under the same name carries no
  // attached mapping, so messages accumulate as behind consumers that cannot keep up (sandbox/simulated-consumer.ts
  // plays the consumers).
  await step(`SQS DeleteQueue ${queues.queue.name} (detaching moto's in-process poller)`, () =>
    sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queue.url })),
  );
  const again = await createQueue(sqs, queues.queue.name, queues.queueAttributes);
  if (again.url !== queues.queue.url || again.arn !== queues.queue.arn) {
    throw new SandboxProvisioningError(`re-created queue ${queues.queue.name} changed identity: ${again.arn} (was ${queues.queue.arn})`);
  }

  return {
    functionName: consumer.functionName,
    functionArn,
    roleArn,
    logGroupName: consumer.logGroupName,
    memoryMb: consumer.memoryMb,
    timeoutSeconds: consumer.timeoutSeconds,
    reservedConcurrency: consumer.reservedConcurrency,
    mappingUuid: required(mapping.UUID, 'UUID'),
    maximumConcurrency: consumer.mapping.maximumConcurrency,
    batchSize: consumer.mapping.batchSize,
  };
}

/**
 * The REST API in front of the consumer (seed: API Gateway -> Lambda): POST /notifications as a Lambda proxy integration,
 * deployed to a stage whose JSON access log goes to its log group, where the 504 metric filter counts status 504.
 */
async function provisionApi(
  apiGateway: APIGatewayClient,
  logs: CloudWatchLogsClient,
  region: string,
  spec: SandboxTopologySpec,
  functionArn: string,
  accountId: string,
): Promise<Topology['api']> {
  const { api } = spec;
  const filter = api.metricFilter;
  await step(`Logs CreateLogGroup ${filter.logGroupName}`, () => logs.send(new CreateLogGroupCommand({ logGroupName: filter.logGroupName })));
  await step(`Logs PutMetricFilter ${filter.filterName}`, () =>
    logs.send(
      new PutMetricFilterCommand({
        logGroupName: filter.logGroupName,
        filterName: filter.filterName,
        filterPattern: filter.pattern,
        metricTransformations: [{ metricNamespace: filter.namespace, metricName: filter.metricName, metricValue: '1', dimensions: filter.dimensions, unit: 'Count' }],
      }),
    ),
  );
  const created = await step(`API Gateway CreateRestApi ${api.name}`, () =>
    apiGateway.send(new CreateRestApiCommand({ name: api.name, description: 'Notification Service API (sandbox)', endpointConfiguration: { types: ['REGIONAL'] } })),
  );
  const restApiId = required(created.id, 'RestApi id');
  const resources = await step('API Gateway GetResources', () => apiGateway.send(new GetResourcesCommand({ restApiId })));
  const rootId = required(resources.items?.find((r) => r.path === '/')?.id, 'root resource id');
  const resource = await step(`API Gateway CreateResource /${api.pathPart}`, () =>
    apiGateway.send(new CreateResourceCommand({ restApiId, parentId: rootId, pathPart: api.pathPart })),
  );
  const resourceId = required(resource.id, 'resource id');
  await step('API Gateway PutMethod POST', () =>
    apiGateway.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: 'POST', authorizationType: 'AWS_IAM' })),
  );
  await step('API Gateway PutIntegration AWS_PROXY', () =>
    apiGateway.send(
      new PutIntegrationCommand({
        restApiId,
        resourceId,
        httpMethod: 'POST',
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: `arn:${partitionOf(region)}:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
        timeoutInMillis: api.integrationTimeoutMs,
      }),
    ),
  );
  await step(`API Gateway CreateDeployment ${api.stageName}`, () => apiGateway.send(new CreateDeploymentCommand({ restApiId, stageName: api.stageName })));
  const logGroupArn = `arn:${partitionOf(region)}:logs:${region}:${accountId}:log-group:${filter.logGroupName}`;
  await step(`API Gateway UpdateStage ${api.stageName} access log`, () =>
    apiGateway.send(
      new UpdateStageCommand({
        restApiId,
        stageName: api.stageName,
        patchOperations: [
          { op: 'replace', path: '/accessLogSettings/destinationArn', value: logGroupArn },
          { op: 'replace', path: '/accessLogSettings/format', value: api.accessLogFormat },
        ],
      }),
    ),
  );
  return { id: restApiId, name: api.name, stageName: api.stageName, accessLogGroupName: filter.logGroupName, accessLogGroupArn: logGroupArn };
}

export async function provisionAlarms(cloudWatch: CloudWatchClient, alarms: AlarmSpec[]): Promise<Topology['alarms']> {
  for (const alarm of alarms) {
    await step(`CloudWatch PutMetricAlarm "${alarm.name}"`, () => cloudWatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(alarm))));
    // CloudWatch starts a new alarm in INSUFFICIENT_DATA; moto starts it in OK.
    await step(`CloudWatch SetAlarmState "${alarm.name}" INSUFFICIENT_DATA`, () =>
      cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarm.name, StateValue: 'INSUFFICIENT_DATA', StateReason: 'Unchecked: Initial alarm creation' })),
    );
  }
  const described = await step('CloudWatch DescribeAlarms', () =>
    cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: alarms.map((alarm) => alarm.name), AlarmTypes: ['MetricAlarm'] })),
  );
  const arnByName = new Map((described.MetricAlarms ?? []).map((alarm) => [alarm.AlarmName, alarm.AlarmArn]));
  return alarms.map((alarm) => ({ ...alarm, arn: required(arnByName.get(alarm.name), `AlarmArn of "${alarm.name}"`) }));
}

export async function provisionStateTable(dynamodb: DynamoDBClient, spec: Pick<SandboxTopologySpec, 'stateTable'>): Promise<Topology['stateTable']> {
  const table = spec.stateTable;
  const created = await step(`DynamoDB CreateTable ${table.name}`, () =>
    dynamodb.send(
      new CreateTableCommand({
        TableName: table.name,
        AttributeDefinitions: [
          { AttributeName: table.partitionKey, AttributeType: 'S' },
          { AttributeName: table.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    ),
  );
  await step(`DynamoDB UpdateTimeToLive ${table.name}`, () =>
    dynamodb.send(
      new UpdateTimeToLiveCommand({ TableName: table.name, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }),
    ),
  );
  return { name: table.name, arn: required(created.TableDescription?.TableArn, 'TableArn') };
}

/** A rule (on the default bus when busName is undefined) delivering to its own queue, which only that rule may write. */
export async function provisionRoute(events: EventBridgeClient, sqs: SQSClient, route: RouteSpec, busName: string | undefined): Promise<ProvisionedRoute> {
  const queue = await createQueue(sqs, route.queueName, {});
  const rule = await step(`EventBridge PutRule ${route.ruleName}`, () =>
    events.send(
      new PutRuleCommand({
        Name: route.ruleName,
        ...(busName !== undefined ? { EventBusName: busName } : {}),
        EventPattern: JSON.stringify(route.eventPattern),
        State: 'ENABLED',
      }),
    ),
  );
  const ruleArn = required(rule.RuleArn, 'RuleArn');
  await step(`SQS SetQueueAttributes ${route.queueName} Policy`, () =>
    sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { Policy: queuePolicyForRule(queue.arn, ruleArn) } })),
  );
  const targets = await step(`EventBridge PutTargets ${route.ruleName}`, () =>
    events.send(
      new PutTargetsCommand({
        Rule: route.ruleName,
        ...(busName !== undefined ? { EventBusName: busName } : {}),
        Targets: [{ Id: route.queueName, Arn: queue.arn, InputTransformer: FULL_EVENT_TRANSFORMER }],
      }),
    ),
  );
  if ((targets.FailedEntryCount ?? 0) > 0) {
    const failure = targets.FailedEntries?.[0];
    throw new SandboxProvisioningError(`EventBridge PutTargets ${route.ruleName} failed: ${failure?.ErrorCode ?? '?'} ${failure?.ErrorMessage ?? ''}`);
  }
  return { ...queue, ruleName: route.ruleName, ruleArn };
}
