// The sandbox topology provisioned into a moto_server of this file's own, and the emulated queue-depth alarm evaluation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeNatGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetEventSourceMappingCommand, GetFunctionCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeDBParameterGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { defaultConfig } from '../../../shared/config/defaults';
import { parseAutomationConfig } from '../../../shared/config/load-config';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { createAlarmEvaluator, type AlarmEvaluator } from '../../../sandbox/alarm-evaluator';
import { startMotoServer, type MotoServer } from '../../../sandbox/moto-server';
import { MOTO_SPEEDUPS, MOTO_SPEEDUPS_LOG_PREFIX } from '../../../sandbox/moto-speedups';
import { provisionSandbox, SandboxAlreadyProvisionedError, type SandboxClientConfig } from '../../../sandbox/provision';
import { sandboxTopology, type Topology } from '../../../sandbox/topology';

// The project-level testTimeout in jest.config.js is not applied (Jest reads it as a global option): 1100 sends take seconds.
jest.setTimeout(60_000);

const config = parseAutomationConfig(defaultConfig);
const QUEUE_ALARM = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
const LOW_WATER_ALARM = 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)';
const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8'),
) as { detail: { state: Record<string, unknown> } } & Record<string, unknown>;

let moto: MotoServer;
let clientConfig: SandboxClientConfig;
let topology: Topology;
/** What this file's moto_server printed about sandbox/moto-speedups.ts at start. */
const speedupLines: string[] = [];

// Explicit endpoint, region and keys: this file talks to its own moto, whatever globalSetup put in the environment.
function client<T>(Client: new (config: SandboxClientConfig) => T): T {
  return new Client(clientConfig);
}

beforeAll(async () => {
  // moto_server inherits this worker's environment, where globalSetup's sandboxEnv set AWS_PROFILE="": botocore reads
  // that as a profile named "" and moto answers the first request of every service with a 500 (ProfileNotFound).
  const inheritedProfile = process.env.AWS_PROFILE;
  if (inheritedProfile === '') delete process.env.AWS_PROFILE;
  try {
    moto = await startMotoServer({ onLog: (line) => void (line.includes(MOTO_SPEEDUPS_LOG_PREFIX) && speedupLines.push(line)) });
  } finally {
    if (inheritedProfile !== undefined) process.env.AWS_PROFILE = inheritedProfile;
  }
  clientConfig = {
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sandbox-provision-test' },
  };
  topology = await provisionSandbox({ clientConfig, config, environment: 'production' });
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('sandboxTopology', () => {
  it.each([
    ['production', 'db.r6g.xlarge', true, 7],
    ['staging', 'db.r6g.large', false, 3],
    ['development', 'db.t3.medium', false, 1],
  ] as const)('sizes the %s database from the seed environment matrix: %s, Multi-AZ %s, %i days of backups', (environment, instanceClass, multiAz, days) => {
    const spec = sandboxTopology(config, environment);
    expect(spec.database).toMatchObject({ instanceClass, multiAz, backupRetentionDays: days, engineVersion: '14', parameterGroupFamily: 'postgres14' });
  });

  it('names every alarm after the service, the symptom, the seed threshold and the watched resource', () => {
    expect(sandboxTopology(config, 'production').alarms.map((alarm) => `${alarm.handler}: ${alarm.name}`)).toEqual([
      'scale-consumers: NotificationService Queue Depth > 1000 (notification-service-queue)',
      // Queue Backup's restore signal (decision 185): routed to scale-consumers too.
      'scale-consumers: NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)',
      'raise-lambda-memory: NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (notification-service-consumer)',
      'inspect-security-groups: NotificationService API 504 Errors > 0 (notification-service-api)',
      'check-db-connections: NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)',
      'scale-up-database: NotificationService RDS CPUUtilization > 70% (notification-service-db)',
      'alert-error-rate: NotificationService Lambda Error Rate > 1% (notification-service-consumer)',
    ]);
  });
});

describe('provisionSandbox', () => {
  it('builds the seed network: VPC 10.0.0.0/16, two private and two public /24s, NAT per zone, VPC endpoints', async () => {
    const ec2 = client(EC2Client);
    const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [topology.vpc.id] }));
    expect(vpcs.Vpcs?.[0]?.CidrBlock).toBe('10.0.0.0/16');

    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [topology.vpc.id] }] }));
    const cidrs = (subnets.Subnets ?? []).map((subnet) => subnet.CidrBlock).sort();
    expect(cidrs).toEqual(['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24', '10.0.4.0/24']);
    expect(topology.vpc.privateSubnetIds).toHaveLength(2);
    expect(topology.vpc.subnets.filter((s) => s.tier === 'private').map((s) => s.cidr)).toEqual(['10.0.1.0/24', '10.0.2.0/24']);

    const nats = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: topology.vpc.natGatewayIds }));
    expect((nats.NatGateways ?? []).map((nat) => nat.SubnetId).sort()).toEqual([...topology.vpc.publicSubnetIds].sort());

    const endpoints = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: Object.values(topology.vpc.vpcEndpointIds) }));
    expect((endpoints.VpcEndpoints ?? []).map((e) => e.ServiceName).sort()).toEqual(
      ['dynamodb', 'events', 'logs', 'monitoring', 'sqs', 'ssm'].map((service) => `com.amazonaws.us-east-1.${service}`),
    );
  });

  it.each([
    ['database', 5432],
    ['cache', 6379],
    ['vpcEndpoint', 443],
  ] as const)('opens the %s security group on port %i to the consumer security group only', async (key, port) => {
    const ec2 = client(EC2Client);
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [topology.vpc.securityGroupIds[key]] }));
    const ingress = groups.SecurityGroups?.[0]?.IpPermissions ?? [];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [] });
    expect(ingress[0]?.UserIdGroupPairs?.map((pair) => pair.GroupId)).toEqual([topology.vpc.securityGroupIds.lambda]);
  });

  it('lets the consumer security group out only to PostgreSQL, Redis and HTTPS', async () => {
    const ec2 = client(EC2Client);
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [topology.vpc.securityGroupIds.lambda] }));
    const egress = groups.SecurityGroups?.[0]?.IpPermissionsEgress ?? [];
    // DescribeSecurityGroups groups rules by protocol and port: both 443 rules come back as one permission.
    expect(egress.map((rule) => `${rule.IpProtocol}/${rule.FromPort}`).sort()).toEqual(['tcp/443', 'tcp/5432', 'tcp/6379']);
    const https = egress.find((rule) => rule.FromPort === 443);
    expect(https?.IpRanges?.map((range) => range.CidrIp)).toEqual(['0.0.0.0/0']);
    expect(https?.UserIdGroupPairs?.map((pair) => pair.GroupId)).toEqual([topology.vpc.securityGroupIds.vpcEndpoint]);
    expect(egress.find((rule) => rule.FromPort === 5432)?.UserIdGroupPairs?.map((pair) => pair.GroupId)).toEqual([topology.vpc.securityGroupIds.database]);
  });

  it('creates notification-service-db as PostgreSQL 14 at the production class, with its own parameter group, in the private subnets', async () => {
    const rds = client(RDSClient);
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'notification-service-db' }));
    const db = described.DBInstances?.[0];
    expect(db).toMatchObject({ Engine: 'postgres', DBInstanceClass: 'db.r6g.xlarge', MultiAZ: true, BackupRetentionPeriod: 7, AllocatedStorage: 100 });
    expect(db?.EngineVersion).toMatch(/^14/);
    expect(db?.DBParameterGroups?.map((group) => group.DBParameterGroupName)).toEqual([topology.database.parameterGroupName]);
    expect(db?.VpcSecurityGroups?.map((group) => group.VpcSecurityGroupId)).toEqual([topology.vpc.securityGroupIds.database]);
    expect(db?.DBSubnetGroup?.Subnets?.map((subnet) => subnet.SubnetIdentifier).sort()).toEqual([...topology.vpc.privateSubnetIds].sort());
    const groups = await rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: topology.database.parameterGroupName }));
    expect(groups.DBParameterGroups?.[0]?.DBParameterGroupFamily).toBe('postgres14');
  });

  it('redrives notification-service-queue to notification-service-dlq after 5 receives', async () => {
    const attributes = await client(SQSClient).send(
      new GetQueueAttributesCommand({ QueueUrl: topology.queue.url, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }),
    );
    expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: topology.deadLetterQueue.arn, maxReceiveCount: 5 });
    expect(topology.deadLetterQueue.name).toBe('notification-service-dlq');
  });

  it('deploys the consumer at 512 MB, 30 s and reserved concurrency 100, in the private subnets behind the lambda group', async () => {
    const lambda = client(LambdaClient);
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'notification-service-consumer' }));
    expect(fn.Configuration).toMatchObject({ Runtime: 'provided.al2023', MemorySize: 512, Timeout: 30, FunctionArn: topology.consumer.functionArn });
    expect([...(fn.Configuration?.VpcConfig?.SubnetIds ?? [])].sort()).toEqual([...topology.vpc.privateSubnetIds].sort());
    expect(fn.Configuration?.VpcConfig?.SecurityGroupIds).toEqual([topology.vpc.securityGroupIds.lambda]);
    const concurrency = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'notification-service-consumer' }));
    expect(concurrency.ReservedConcurrentExecutions).toBe(100);
  });

  it('maps the queue to the consumer in batches of 10 with MaximumConcurrency 50, enabled', async () => {
    const mapping = await client(LambdaClient).send(new GetEventSourceMappingCommand({ UUID: topology.consumer.mappingUuid }));
    expect(mapping).toMatchObject({
      EventSourceArn: topology.queue.arn,
      FunctionArn: topology.consumer.functionArn,
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 50 },
      State: 'Enabled',
    });
  });

  it.each([
    ['NotificationService Queue Depth > 1000 (notification-service-queue)', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'GreaterThanThreshold', 1000],
    ['NotificationService RDS CPUUtilization > 70% (notification-service-db)', 'AWS/RDS', 'CPUUtilization', 'GreaterThanThreshold', 70],
    ['NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)', 'AWS/ApiGateway', 'Latency', 'GreaterThanThreshold', 500],
    ['NotificationService API 504 Errors > 0 (notification-service-api)', 'NotificationService', 'Api504Errors', 'GreaterThanThreshold', 0],
    [
      'NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (notification-service-consumer)',
      'NotificationService',
      'OutOfMemoryErrors',
      'GreaterThanOrEqualToThreshold',
      1,
    ],
  ])('creates "%s" on %s %s %s %d, starting in INSUFFICIENT_DATA', async (name, namespace, metricName, comparison, threshold) => {
    const described = await client(CloudWatchClient).send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(described.MetricAlarms?.[0]).toMatchObject({
      Namespace: namespace,
      MetricName: metricName,
      ComparisonOperator: comparison,
      Threshold: threshold,
      StateValue: 'INSUFFICIENT_DATA',
    });
  });

  it('alarms on the consumer error rate above 1% as metric math, only the expression returning data', async () => {
    const name = 'NotificationService Lambda Error Rate > 1% (notification-service-consumer)';
    const alarm = (await client(CloudWatchClient).send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = alarm?.Metrics ?? [];
    expect(metrics.filter((m) => m.ReturnData).map((m) => m.Expression)).toEqual(['errors / invocations * 100']);
    expect(metrics.filter((m) => m.MetricStat).map((m) => `${m.Id}=${m.MetricStat?.Metric?.Namespace}/${m.MetricStat?.Metric?.MetricName}`)).toEqual([
      'errors=AWS/Lambda/Errors',
      'invocations=AWS/Lambda/Invocations',
    ]);
  });

  it('counts out-of-memory exits of Node and PHP with a metric filter on the consumer log group', async () => {
    const filters = await client(CloudWatchLogsClient).send(
      new DescribeMetricFiltersCommand({ logGroupName: '/aws/lambda/notification-service-consumer' }),
    );
    const filter = filters.metricFilters?.[0];
    for (const term of ['JavaScript heap out of memory', 'Runtime.OutOfMemory', 'signal: killed', 'Allowed memory size of']) {
      expect(filter?.filterPattern).toContain(`?"${term}"`);
    }
    expect(filter?.metricTransformations?.[0]).toMatchObject({ metricNamespace: 'NotificationService', metricName: 'OutOfMemoryErrors', metricValue: '1' });
  });

  it('creates one SNS topic per escalation tier', async () => {
    const topics = await client(SNSClient).send(new ListTopicsCommand({}));
    const arns = (topics.Topics ?? []).map((topic) => topic.TopicArn);
    expect(topology.escalationTopics.map((tier) => tier.level)).toEqual([1, 2, 3, 4]);
    for (const tier of config.escalationPath) {
      expect(arns).toContain(`arn:aws:sns:us-east-1:${topology.accountId}:${tier.topicName}`);
    }
  });

  it('creates the on-demand state table keyed pk/sk with TTL on expiresAt, and the kill switch off', async () => {
    const dynamodb = client(DynamoDBClient);
    const table = (await dynamodb.send(new DescribeTableCommand({ TableName: config.stateTableName }))).Table;
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: config.stateTableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    const killSwitch = await client(SSMClient).send(new GetParameterCommand({ Name: config.killSwitchParameterName }));
    expect(killSwitch.Parameter?.Value).toBe('off');
  });

  it.each(['scale-consumers', 'raise-lambda-memory', 'inspect-security-groups', 'check-db-connections', 'scale-up-database', 'alert-error-rate'])(
    'routes the alarm state changes of %s from the default bus to its own queue',
    async (handler) => {
      const route = topology.alarmRoutes[handler];
      expect(route?.name).toBe(`runbook-events-${handler}`);
      const events = client(EventBridgeClient);
      const rule = await events.send(new DescribeRuleCommand({ Name: route?.ruleName }));
      expect(rule.EventBusName).toBe('default');
      expect(JSON.parse(rule.EventPattern ?? '{}')).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: topology.alarmNamesByHandler[handler] },
      });
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: route?.ruleName }));
      expect(targets.Targets?.map((target) => target.Arn)).toEqual([route?.arn]);
      const policy = await client(SQSClient).send(new GetQueueAttributesCommand({ QueueUrl: route?.url, AttributeNames: ['Policy'] }));
      expect(JSON.parse(policy.Attributes?.Policy ?? '{}').Statement[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': route?.ruleArn } },
      });
    },
  );

  it('collects runbook decisions from the project bus into runbook-decisions', async () => {
    const rule = await client(EventBridgeClient).send(
      new DescribeRuleCommand({ Name: topology.decisionRoute.ruleName, EventBusName: config.eventBusName }),
    );
    expect(JSON.parse(rule.EventPattern ?? '{}')).toEqual({ source: ['notification-service.runbooks'] });
    expect(topology.decisionRoute.name).toBe('runbook-decisions');
  });

  it('refuses to provision an emulator that already has the topology', async () => {
    await expect(provisionSandbox({ clientConfig, config, environment: 'production' })).rejects.toThrow(SandboxAlreadyProvisionedError);
  });
});

describe("the sandbox's moto_server (sandbox/moto-speedups.ts, decision 196)", () => {
  it('starts with each of its speedups applied', () => {
    expect(speedupLines).toEqual([`${MOTO_SPEEDUPS_LOG_PREFIX} ${MOTO_SPEEDUPS.join(' ')}`]);
  });

  it('delivers each event put on the project bus with its own content, through the cached input paths', async () => {
    const events = client(EventBridgeClient);
    const sent = [1, 2, 3].map((n) => ({ decision: `speedups-${n}`, n }));
    for (const detail of sent) {
      await events.send(new PutEventsCommand({ Entries: [{ EventBusName: config.eventBusName, Source: 'notification-service.runbooks', DetailType: `Runbook Decision ${detail.n}`, Detail: JSON.stringify(detail) }] }));
    }
    const received = await client(SQSClient).send(new ReceiveMessageCommand({ QueueUrl: topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const delivered = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as { 'detail-type': string; source: string; account: string; detail: unknown });
    // Each event keeps its own detail-type and detail (a cache of the paths' results instead of the paths would repeat the first).
    expect(delivered.map((e) => ({ type: e['detail-type'], source: e.source, account: e.account, detail: e.detail })).sort((a, b) => a.type.localeCompare(b.type))).toEqual(
      sent.map((detail) => ({ type: `Runbook Decision ${detail.n}`, source: 'notification-service.runbooks', account: topology.accountId, detail })),
    );
  });
  it("counts a queue's visible, in-flight and delayed messages as SQS does, each count judged at one instant (sqs-count-one-clock, decision 310)", async () => {
    const sqs = client(SQSClient);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'speedups-counts' }));
    if (!QueueUrl) throw new Error('no queue');
    try {
      const entries = [0, 1, 2, 3, 4].map((n) => ({ Id: String(n), MessageBody: `message ${n}`, ...(n >= 3 ? { DelaySeconds: 600 } : {}) }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
      const counts = async (): Promise<Record<string, string | undefined>> =>
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }))).Attributes ?? {};
      expect(await counts()).toEqual({ ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '2' });
      // Two received and not deleted: in flight for 10 minutes; the delayed two are not handed out.
      const received = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 600, WaitTimeSeconds: 0 }))).Messages ?? [];
      expect(received.map((m) => m.Body).sort()).toEqual(expect.arrayContaining([expect.stringMatching(/^message [012]$/)]));
      expect(received).toHaveLength(2);
      expect(await counts()).toEqual({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '2', ApproximateNumberOfMessagesDelayed: '2' });
      // One handed back at once (visibility 0): visible again.
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: received[0]?.ReceiptHandle, VisibilityTimeout: 0 }));
      expect(await counts()).toEqual({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1', ApproximateNumberOfMessagesDelayed: '2' });
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });
});

describe('createAlarmEvaluator', () => {
  let evaluator: AlarmEvaluator;
  let sqs: SQSClient;

  async function receiveAll(queueUrl: string): Promise<Message[]> {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    return received.Messages ?? [];
  }

  async function queueAlarm(): Promise<{ StateValue?: string; StateUpdatedTimestamp?: Date }> {
    const described = await client(CloudWatchClient).send(new DescribeAlarmsCommand({ AlarmNames: [QUEUE_ALARM] }));
    return described.MetricAlarms?.[0] ?? {};
  }

  beforeAll(() => {
    evaluator = createAlarmEvaluator({ clientConfig, topology });
    sqs = client(SQSClient);
  });

  // moto 5.2.1's SendMessage reads queue.attributes (for ContentBasedDeduplication), which counts every message in the
  // queue: each send costs O(depth), so filling the queue past the seed's 1000 is quadratic (measured: 35 s at load 3 on this
  // 2-core machine, 57 s at load 13, against the file's 60 s). The seed's threshold stays; the test gets the time.
  it('moves the queue alarm to ALARM when 1100 messages wait, and delivers the state change to scale-consumers only', async () => {
    for (let batch = 0; batch < 110; batch++) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: topology.queue.url,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ notification: batch * 10 + i }) })),
        }),
      );
    }

    const transitions = await evaluator.evaluateOnce();

    // The low-water alarm's first datapoint (1100, at or above 100 on 1 of 5) takes it to ALARM too: a backlog (decision 205).
    expect(transitions.map(({ alarmName, from, to, value }) => ({ alarmName, from, to, value }))).toEqual([
      { alarmName: QUEUE_ALARM, from: 'INSUFFICIENT_DATA', to: 'ALARM', value: 1100 },
      { alarmName: LOW_WATER_ALARM, from: 'INSUFFICIENT_DATA', to: 'ALARM', value: 1100 },
    ]);
    const alarm = await queueAlarm();
    expect(alarm.StateValue).toBe('ALARM');

    const metric = await client(CloudWatchClient).send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 10 * 60_000),
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [
          {
            Id: 'depth',
            MetricStat: {
              Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: topology.queue.name }] },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(metric.MetricDataResults?.[0]?.Values).toContain(1100);

    const routed = await receiveAll(topology.alarmRoutes['scale-consumers']?.url ?? '');
    const nameOf = (m: Message): string => (JSON.parse(m.Body ?? '{}') as { detail: { alarmName: string } }).detail.alarmName;
    expect(routed.map(nameOf).sort()).toEqual([QUEUE_ALARM, LOW_WATER_ALARM].sort());
    const messages = routed.filter((m) => nameOf(m) === QUEUE_ALARM);
    const event = JSON.parse(messages[0]?.Body ?? '{}') as Record<string, unknown> & {
      detail: {
        state: Record<string, string>;
        previousState: Record<string, string>;
        configuration: { description?: string; metrics: Array<Record<string, unknown>> };
      };
    };
    // The envelope, detail and state have exactly the fields of AWS's documented single-metric example.
    expect(Object.keys(event).sort()).toEqual(Object.keys(fixture).sort());
    expect(Object.keys(event.detail).sort()).toEqual(Object.keys(fixture.detail).sort());
    expect(Object.keys(event.detail.state).sort()).toEqual(Object.keys(fixture.detail.state).sort());
    expect(event).toMatchObject({
      version: '0',
      id: transitions[0]?.event.id,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: topology.accountId,
      region: 'us-east-1',
      resources: [`arn:aws:cloudwatch:us-east-1:${topology.accountId}:alarm:${QUEUE_ALARM}`],
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(event.detail.previousState).toMatchObject({ value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' });
    expect(event.detail.state.value).toBe('ALARM');
    expect(event.detail.state.reason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[1100\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than the threshold \(1000\.0\) \(minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition\)\.$/,
    );
    expect(JSON.parse(event.detail.state.reasonData ?? '')).toMatchObject({ version: '1.0', statistic: 'Maximum', period: 60, recentDatapoints: [1100], threshold: 1000 });
    // state.timestamp is the instant DescribeAlarms reports, so a handler re-reading the alarm agrees with the event.
    expect(Date.parse(event.detail.state.timestamp ?? '')).toBe(alarm.StateUpdatedTimestamp?.getTime());
    expect(event.detail.state.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(event.detail.configuration.metrics).toEqual([
      {
        id: expect.any(String),
        metricStat: {
          metric: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'notification-service-queue' } },
          period: 60,
          stat: 'Maximum',
        },
        returnData: true,
      },
    ]);
    expect(event.detail.configuration.description).toContain('Queue Backup');

    // The handlers' own parser accepts what EventBridge delivered.
    const parsed = parseAlarmEvent(messages[0]?.Body);
    expect(parsed).toMatchObject({ alarmName: QUEUE_ALARM, kind: 'metric', state: { value: 'ALARM' }, previousState: { value: 'INSUFFICIENT_DATA' } });

    for (const handler of ['raise-lambda-memory', 'inspect-security-groups', 'check-db-connections', 'scale-up-database', 'alert-error-rate']) {
      expect(await receiveAll(topology.alarmRoutes[handler]?.url ?? '')).toEqual([]);
    }
    await sqs.send(new PurgeQueueCommand({ QueueUrl: topology.alarmRoutes['scale-consumers']?.url }));
  }, 240_000);

  it('emits nothing while the queue stays above the threshold', async () => {
    expect(await evaluator.evaluateOnce()).toEqual([]);
    expect(await receiveAll(topology.alarmRoutes['scale-consumers']?.url ?? '')).toEqual([]);
  });

  it('moves the alarm back to OK once the queue is drained, and delivers a second event', async () => {
    const alarmBefore = await queueAlarm();
    await sqs.send(new PurgeQueueCommand({ QueueUrl: topology.queue.url }));

    const transitions = await evaluator.evaluateOnce();

    expect(transitions.map(({ alarmName, from, to, value }) => ({ alarmName, from, to, value }))).toEqual([
      { alarmName: QUEUE_ALARM, from: 'ALARM', to: 'OK', value: 0 },
    ]);
    const messages = await receiveAll(topology.alarmRoutes['scale-consumers']?.url ?? '');
    expect(messages).toHaveLength(1);
    const parsed = parseAlarmEvent(messages[0]?.Body);
    expect(parsed.state.value).toBe('OK');
    expect(parsed.state.reason).toMatch(/was not greater than the threshold \(1000\.0\) \(minimum 1 datapoint for ALARM -> OK transition\)\.$/);
    expect(parsed.previousState?.value).toBe('ALARM');
    expect(Date.parse(parsed.previousState?.timestamp ?? '')).toBe(alarmBefore.StateUpdatedTimestamp?.getTime());
    expect((await queueAlarm()).StateValue).toBe('OK');
  });

  it('moves the low-water alarm to OK only after 5 minutes under 100, and delivers that state change (the restore signal) to scale-consumers', async () => {
    // The drained sample above was the first of five under 100: three more leave 1100 in the window (ALARM, 1 of 5), the
    // fifth moves it to OK (5 of 5 under 100, decision 205).
    for (let minute = 2; minute <= 4; minute++) expect(await evaluator.evaluateOnce()).toEqual([]);
    const transitions = await evaluator.evaluateOnce();
    expect(transitions.map(({ alarmName, from, to, value }) => ({ alarmName, from, to, value }))).toEqual([{ alarmName: LOW_WATER_ALARM, from: 'ALARM', to: 'OK', value: 0 }]);
    const messages = await receiveAll(topology.alarmRoutes['scale-consumers']?.url ?? '');
    expect(messages).toHaveLength(1);
    const parsed = parseAlarmEvent(messages[0]?.Body);
    expect(parsed).toMatchObject({ alarmName: LOW_WATER_ALARM, state: { value: 'OK' }, previousState: { value: 'ALARM' } });
    expect(parsed.state.reason).toMatch(
      /^Threshold Crossed: 5 out of the last 5 datapoints \[0\.0 .*\] were not greater than or equal to the threshold \(100\.0\) \(minimum 5 datapoints for ALARM -> OK transition\)\.$/,
    );
  });
});
