// withCachedMiddleware through the real SDK against the emulator (decision 332): concurrent sends of one command class on a
// client whose stack is cached share one handler context, into which the SDK's middleware writes the resolved endpoint and
// the selected auth scheme while another send of the class is between its own reads of them. For every client built so on
// inspect-security-groups' path (its own, the alarm reader's CloudWatch, the kill switch's SSM), six sends of one class
// with six inputs are fired at once, twice, and each caller must get the answer to its own input; the handler must have
// been resolved once for the class (the cache in effect, not silently bypassed). A control shows the check can fail: a
// middleware that keeps its request in the shared context crosses the answers once the stack is cached, not before.
import { APIGatewayClient, CreateRestApiCommand, GetRestApiCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, CreateApiCommand, GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateSecurityGroupCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ZipFile } from 'yazl';
import { sandboxEnv } from '../../../sandbox/credentials';
import { clientConfig, withCachedMiddleware } from '../../../shared/aws/client-config';
import { apiGatewayClient } from '../../../shared/playbooks/connection-timeout-api';
import { apiGatewayV2Client } from '../../../shared/playbooks/connection-timeout-http-api';
import { connectionTimeoutPlaybook, type ConnectionTimeoutClients } from '../../../shared/playbooks/connection-timeout';
import { uniqueAccountId } from '../support/sandbox-account';

const REGION = 'us-east-1';
const SENDS = 6;
const keys = Array.from({ length: SENDS }, (_, i) => i);

/** The command classes whose handler a client has resolved and kept (the SDK's cacheMiddleware cache). */
function cachedHandlers(client: object): WeakMap<object, unknown> | undefined {
  return (client as { handlers?: WeakMap<object, unknown> }).handlers;
}

/**
 * Fires one send per key at once (each started before any answers) and returns the keys whose answer named anything but
 * their own resource: [] when every answer went to its own caller.
 */
async function crossedAnswers(send: (key: number) => Promise<string[]>, own: (key: number) => string): Promise<string[]> {
  const answers = await Promise.all(keys.map((key) => send(key)));
  return keys.flatMap((key) => {
    const answer = answers[key] ?? [];
    return answer.length === 1 && answer[0] === own(key) ? [] : [`${own(key)} answered with ${JSON.stringify(answer)}`];
  });
}

function zipOf(name: string, text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from(text), name);
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.once('error', reject);
    zip.outputStream.once('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

describe('a client with its middleware stack cached answers concurrent sends of one command class each to its own caller', () => {
  const suffix = uniqueAccountId().slice(-6);
  let clients: ConnectionTimeoutClients;
  let cloudWatch: CloudWatchClient;
  let ssm: SSMClient;
  let apiGateway: APIGatewayClient;
  let apiGatewayV2: ApiGatewayV2Client;
  /** Plain clients (no cache) that create what the cached ones read. */
  let setup: { ec2: EC2Client; rds: RDSClient; elastiCache: ElastiCacheClient; lambda: LambdaClient; iam: IAMClient; cloudWatch: CloudWatchClient; ssm: SSMClient; apiGateway: APIGatewayClient; apiGatewayV2: ApiGatewayV2Client };
  let vpcId: string;

  beforeAll(async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run integration tests through jest --selectProjects integration');
    // A fresh account of its own; the handler's clients take the endpoint and credentials from the environment, as in Lambda.
    Object.assign(process.env, sandboxEnv({ endpoint, accountId: uniqueAccountId(), region: REGION }));
    const config = clientConfig({ region: REGION });
    // Built as the handler builds them: the playbook's own clients, the API readers' factories, and the pipeline's
    // CloudWatch (create-alarm-handler.ts) and SSM (recording-services.ts) lines.
    clients = connectionTimeoutPlaybook.createClients?.(config, { cloudWatch: new CloudWatchClient(config) }) as ConnectionTimeoutClients;
    cloudWatch = new CloudWatchClient(withCachedMiddleware(config));
    ssm = new SSMClient(withCachedMiddleware(config));
    apiGateway = apiGatewayClient(config);
    apiGatewayV2 = apiGatewayV2Client(config);
    const plain = { region: REGION };
    setup = {
      ec2: new EC2Client(plain),
      rds: new RDSClient(plain),
      elastiCache: new ElastiCacheClient(plain),
      lambda: new LambdaClient(plain),
      iam: new IAMClient(plain),
      cloudWatch: new CloudWatchClient(plain),
      ssm: new SSMClient(plain),
      apiGateway: new APIGatewayClient(plain),
      apiGatewayV2: new ApiGatewayV2Client(plain),
    };
    vpcId = (await setup.ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc?.VpcId ?? '';
    expect(vpcId).toMatch(/^vpc-/);
  });

  afterAll(() => {
    for (const client of [clients.lambda, clients.ec2, clients.rds, clients.elastiCache, cloudWatch, ssm, apiGateway, apiGatewayV2, ...Object.values(setup)]) client.destroy();
  });

  it('EC2 DescribeSecurityGroups, six groups at once, twice', async () => {
    const groups = await Promise.all(
      keys.map(async (key) => (await setup.ec2.send(new CreateSecurityGroupCommand({ GroupName: `cached-${suffix}-${key}`, Description: 'cached stack', VpcId: vpcId }))).GroupId ?? ''),
    );
    const send = async (key: number) =>
      ((await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [groups[key] ?? ''] }] }))).SecurityGroups ?? []).map((g) => g.GroupId ?? '');
    expect(await crossedAnswers(send, (key) => groups[key] ?? '')).toEqual([]);
    const handler = cachedHandlers(clients.ec2)?.get(DescribeSecurityGroupsCommand);
    expect(handler).toBeInstanceOf(Function);
    expect(await crossedAnswers(send, (key) => groups[key] ?? '')).toEqual([]);
    expect(cachedHandlers(clients.ec2)?.get(DescribeSecurityGroupsCommand)).toBe(handler);
  });

  it('RDS DescribeDBInstances, six instances at once, twice', async () => {
    const ids = keys.map((key) => `cached-${suffix}-db-${key}`);
    for (const id of ids) {
      await setup.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: 'db.t3.micro', Engine: 'mysql', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: 'not-a-secret-1' }));
    }
    const send = async (key: number) => ((await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: ids[key] }))).DBInstances ?? []).map((d) => d.DBInstanceIdentifier ?? '');
    expect(await crossedAnswers(send, (key) => ids[key] ?? '')).toEqual([]);
    expect(await crossedAnswers(send, (key) => ids[key] ?? '')).toEqual([]);
    expect(cachedHandlers(clients.rds)?.has(DescribeDBInstancesCommand)).toBe(true);
  });

  it('ElastiCache DescribeCacheClusters, six clusters at once, twice', async () => {
    const ids = keys.map((key) => `c${suffix}-${key}`);
    for (const id of ids) await setup.elastiCache.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    const send = async (key: number) =>
      ((await clients.elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: ids[key] }))).CacheClusters ?? []).map((c) => c.CacheClusterId ?? '');
    expect(await crossedAnswers(send, (key) => ids[key] ?? '')).toEqual([]);
    expect(await crossedAnswers(send, (key) => ids[key] ?? '')).toEqual([]);
    expect(cachedHandlers(clients.elastiCache)?.has(DescribeCacheClustersCommand)).toBe(true);
  });

  it('Lambda GetFunctionConfiguration, six functions at once, twice', async () => {
    const role = await setup.iam.send(
      new CreateRoleCommand({
        RoleName: `cached-${suffix}`,
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const zip = await zipOf('index.py', 'def handler(event, context):\n    return None\n');
    const names = keys.map((key) => `cached-${suffix}-fn-${key}`);
    for (const name of names) {
      await setup.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.12', Handler: 'index.handler', Role: role.Role?.Arn, Code: { ZipFile: zip } }));
    }
    const send = async (key: number) => [(await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: names[key] }))).FunctionName ?? ''];
    expect(await crossedAnswers(send, (key) => names[key] ?? '')).toEqual([]);
    expect(await crossedAnswers(send, (key) => names[key] ?? '')).toEqual([]);
    expect(cachedHandlers(clients.lambda)?.has(GetFunctionConfigurationCommand)).toBe(true);
  });

  it('CloudWatch DescribeAlarms (the alarm re-read), six alarms at once, twice', async () => {
    const names = keys.map((key) => `cached-${suffix}-alarm-${key}`);
    for (const name of names) {
      await setup.cloudWatch.send(
        new PutMetricAlarmCommand({ AlarmName: name, Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
      );
    }
    const send = async (key: number) => ((await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [names[key] ?? ''] }))).MetricAlarms ?? []).map((a) => a.AlarmName ?? '');
    expect(await crossedAnswers(send, (key) => names[key] ?? '')).toEqual([]);
    expect(await crossedAnswers(send, (key) => names[key] ?? '')).toEqual([]);
    expect(cachedHandlers(cloudWatch)?.has(DescribeAlarmsCommand)).toBe(true);
  });

  it('SSM GetParameter (the kill switch read), six parameters at once, twice', async () => {
    const names = keys.map((key) => `/cached-${suffix}/kill-switch-${key}`);
    for (const name of names) await setup.ssm.send(new PutParameterCommand({ Name: name, Value: `value of ${name}`, Type: 'String' }));
    const send = async (key: number) => {
      const parameter = (await ssm.send(new GetParameterCommand({ Name: names[key] }))).Parameter;
      // The value too: the answer's body, not only its name, is the caller's own.
      return [`${parameter?.Name ?? ''}=${parameter?.Value ?? ''}`];
    };
    const own = (key: number) => `${names[key] ?? ''}=value of ${names[key] ?? ''}`;
    expect(await crossedAnswers(send, own)).toEqual([]);
    expect(await crossedAnswers(send, own)).toEqual([]);
    expect(cachedHandlers(ssm)?.has(GetParameterCommand)).toBe(true);
  });

  it('API Gateway GetRestApi and ApiGatewayV2 GetApi, six APIs each at once, twice', async () => {
    const restIds: string[] = [];
    const httpIds: string[] = [];
    for (const key of keys) {
      restIds.push((await setup.apiGateway.send(new CreateRestApiCommand({ name: `cached-${suffix}-rest-${key}` }))).id ?? '');
      httpIds.push((await setup.apiGatewayV2.send(new CreateApiCommand({ Name: `cached-${suffix}-http-${key}`, ProtocolType: 'HTTP' }))).ApiId ?? '');
    }
    const rest = async (key: number) => [(await apiGateway.send(new GetRestApiCommand({ restApiId: restIds[key] }))).id ?? ''];
    const http = async (key: number) => [(await apiGatewayV2.send(new GetApiCommand({ ApiId: httpIds[key] }))).ApiId ?? ''];
    for (let round = 0; round < 2; round += 1) {
      expect(await crossedAnswers(rest, (key) => restIds[key] ?? '')).toEqual([]);
      expect(await crossedAnswers(http, (key) => httpIds[key] ?? '')).toEqual([]);
    }
    expect(cachedHandlers(apiGateway)?.has(GetRestApiCommand)).toBe(true);
    expect(cachedHandlers(apiGatewayV2)?.has(GetApiCommand)).toBe(true);
  });

  it('control: a middleware keeping its request in the handler context crosses five of six answers once the stack is cached, none without', async () => {
    const groups = await Promise.all(
      keys.map(async (key) => (await setup.ec2.send(new CreateSecurityGroupCommand({ GroupName: `control-${suffix}-${key}`, Description: 'control', VpcId: vpcId }))).GroupId ?? ''),
    );
    // What no middleware of the SDK does on these clients: a request's own value kept in the context across an await.
    const keepsRequestInContext = (client: EC2Client): EC2Client => {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const shared = context as { kept?: unknown };
          shared.kept = args.input;
          await Promise.resolve();
          return next({ ...args, input: shared.kept as typeof args.input });
        },
        { step: 'initialize', name: 'keepsRequestInContext' },
      );
      return client;
    };
    const crossedWith = async (client: EC2Client): Promise<string[]> => {
      const send = async (key: number) =>
        ((await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [groups[key] ?? ''] }] }))).SecurityGroups ?? []).map((g) => g.GroupId ?? '');
      try {
        return await crossedAnswers(send, (key) => groups[key] ?? '');
      } finally {
        client.destroy();
      }
    };
    expect(await crossedWith(keepsRequestInContext(new EC2Client(clientConfig({ region: REGION }))))).toEqual([]);
    const crossed = await crossedWith(keepsRequestInContext(new EC2Client(withCachedMiddleware(clientConfig({ region: REGION })))));
    // Every send went out with the last caller's input: its own answer, and that one given to the five others.
    expect(crossed).toEqual(keys.slice(0, SENDS - 1).map((key) => `${groups[key] ?? ''} answered with ${JSON.stringify([groups[SENDS - 1]])}`));
  });
});
