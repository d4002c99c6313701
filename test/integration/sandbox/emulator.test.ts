// The sandbox emulator through the gap proxy, with the real SDK v3 clients the handlers use.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ZipFile } from 'yazl';
import { accessKeyIdForAccount } from '../../../sandbox/credentials';
import { MOTO_ACCOUNT_HEADER } from '../../../sandbox/gap-proxy';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, setProxyFaults } from '../../../sandbox/proxy-control';

// This file's own accounts on the shared moto server; other test files use others.
const ACCOUNT = '200000000001';
const OTHER_ACCOUNT = '200000000002';

function proxyControl(): string {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run with the integration project (globalSetup)');
  return endpoint;
}

// No endpoint or region here: both come from the environment globalSetup set, as in the handlers.
function clientConfig(accountId = ACCOUNT, maxAttempts = 1): { credentials: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number } {
  return { credentials: { accessKeyId: accessKeyIdForAccount(accountId), secretAccessKey: 'sandbox' }, maxAttempts };
}

function zipOf(fileName: string, source: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from(source), fileName);
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

async function createFunction(lambda: LambdaClient, iam: IAMClient, name: string): Promise<void> {
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: `${name}-role`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: role.Role?.Arn,
      Handler: 'index.handler',
      Code: { ZipFile: await zipOf('index.js', 'exports.handler = async () => ({ ok: true });') },
      MemorySize: 512,
      Timeout: 30,
    }),
  );
}

async function rejectionOf(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}) };
  }
  throw new Error('expected the call to fail');
}

afterEach(async () => {
  await clearProxyFaults(proxyControl(), { accountId: ACCOUNT });
});

describe('the sandbox environment', () => {
  it('points SDK clients at the gap proxy on loopback, in the account the access key names', async () => {
    expect(process.env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.MOTO_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_REGION).toBe('us-east-1');
    const identity = await new STSClient(clientConfig()).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(ACCOUNT);
  });
});

describe('Lambda GetAccountSettings, which moto lacks', () => {
  const lambda = new LambdaClient(clientConfig());
  const iam = new IAMClient(clientConfig());

  it('reports the account quota, the function count and the unreserved concurrency left by PutFunctionConcurrency', async () => {
    const before = await lambda.send(new GetAccountSettingsCommand({}));
    await createFunction(lambda, iam, 'settings-consumer');
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'settings-consumer', ReservedConcurrentExecutions: 150 }));

    const after = await lambda.send(new GetAccountSettingsCommand({}));

    expect(after.AccountLimit?.ConcurrentExecutions).toBe(1000);
    expect(after.AccountLimit?.UnreservedConcurrentExecutions).toBe((before.AccountLimit?.UnreservedConcurrentExecutions ?? 0) - 150);
    expect(after.AccountUsage?.FunctionCount).toBe((before.AccountUsage?.FunctionCount ?? 0) + 1);
    expect(after.AccountUsage?.TotalCodeSize).toBeGreaterThan(0);
  });

  it('refuses a reservation that would leave fewer than 100 unreserved executions, as AWS does', async () => {
    await createFunction(lambda, iam, 'greedy-consumer');
    const failure = await rejectionOf(
      lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'greedy-consumer', ReservedConcurrentExecutions: 950 })),
    );
    expect(failure.name).toBe('InvalidParameterValueException');
  });

  it('answers each account from its own functions', async () => {
    const other = await new LambdaClient(clientConfig(OTHER_ACCOUNT)).send(new GetAccountSettingsCommand({}));
    expect(other.AccountLimit?.UnreservedConcurrentExecutions).toBe(1000);
    expect(other.AccountUsage?.FunctionCount).toBe(0);
  });
});

describe('fault injection', () => {
  it('fails the first matching Lambda UpdateEventSourceMapping with TooManyRequestsException, then passes through', async () => {
    const lambda = new LambdaClient(clientConfig());
    const sqs = new SQSClient(clientConfig());
    await createFunction(lambda, new IAMClient(clientConfig()), 'faulty-consumer');
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'faulty-queue' }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'faulty-consumer', EventSourceArn: attributes.Attributes?.QueueArn, ScalingConfig: { MaximumConcurrency: 5 } }),
    );
    await setProxyFaults(
      proxyControl(),
      [{ service: 'lambda', operation: 'UpdateEventSourceMapping', times: 1, status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' }],
      { accountId: ACCOUNT },
    );
    const update = new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, ScalingConfig: { MaximumConcurrency: 10 } });

    const failure = await rejectionOf(lambda.send(update));
    const updated = await lambda.send(update);

    expect(failure).toEqual({ name: 'TooManyRequestsException', status: 429 });
    expect(updated.ScalingConfig?.MaximumConcurrency).toBe(10);
  });

  it.each([
    ['CloudWatch (JSON, query-compatible)', 'monitoring', 'ThrottlingException', () => new CloudWatchClient(clientConfig()).send(new DescribeAlarmsCommand({}))],
    ['SQS (JSON, query-compatible)', 'sqs', 'RequestThrottled', () => new SQSClient(clientConfig()).send(new ListQueuesCommand({}))],
    ['IAM (query)', 'iam', 'Throttling', () => new IAMClient(clientConfig()).send(new ListRolesCommand({}))],
    ['EC2 (EC2 query)', 'ec2', 'RequestLimitExceeded', () => new EC2Client(clientConfig()).send(new DescribeSecurityGroupsCommand({}))],
  ])('surfaces an injected fault in %s under its AWS error name, then passes through', async (_protocol, service, code, call) => {
    await setProxyFaults(proxyControl(), [{ service, times: 1, status: 400, code }], { accountId: ACCOUNT });

    const failure = await rejectionOf(call());
    await call();

    expect(failure).toEqual({ name: code, status: 400 });
  });

  it('surfaces ThrottlingException from DynamoDB PutItem and lets the next attempt write', async () => {
    const dynamodb = new DynamoDBClient(clientConfig());
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'fault-state',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await setProxyFaults(proxyControl(), [{ service: 'dynamodb', operation: 'PutItem', times: 1, status: 400, code: 'ThrottlingException' }], {
      accountId: ACCOUNT,
    });
    const put = new PutItemCommand({ TableName: 'fault-state', Item: { pk: { S: 'incident-1' } }, ConditionExpression: 'attribute_not_exists(pk)' });

    expect(await rejectionOf(dynamodb.send(put))).toEqual({ name: 'ThrottlingException', status: 400 });
    await dynamodb.send(put);
    expect(await rejectionOf(dynamodb.send(put))).toEqual({ name: 'ConditionalCheckFailedException', status: 400 });
  });

  it('is absorbed by the SDK retry when the client retries, at the cost of one more recorded call', async () => {
    const control = proxyControl();
    const since = await getProxyCallCount(control);
    await setProxyFaults(control, [{ service: 'monitoring', operation: 'DescribeAlarms', times: 1, status: 400, code: 'ThrottlingException' }], {
      accountId: ACCOUNT,
    });

    await new CloudWatchClient(clientConfig(ACCOUNT, 3)).send(new DescribeAlarmsCommand({}));

    const calls = (await getProxyCalls(control, since)).filter((c) => c.accountId === ACCOUNT);
    expect(calls).toEqual([
      { service: 'monitoring', operation: 'DescribeAlarms', accountId: ACCOUNT },
      { service: 'monitoring', operation: 'DescribeAlarms', accountId: ACCOUNT },
    ]);
  });

  it('does not fail calls of another account', async () => {
    await setProxyFaults(proxyControl(), [{ service: 'sqs', times: 5, status: 400, code: 'RequestThrottled' }], { accountId: ACCOUNT });
    await expect(new SQSClient(clientConfig(OTHER_ACCOUNT)).send(new ListQueuesCommand({}))).resolves.toBeDefined();
  });

  it('rejects a fault rule whose status is not an error status', async () => {
    await expect(setProxyFaults(proxyControl(), [{ times: 1, status: 200, code: 'Nope' }], { accountId: ACCOUNT })).rejects.toThrow(/400/);
  });
});

describe('accounts', () => {
  it('keeps resources of two access keys apart on the one moto server', async () => {
    const mine = new SQSClient(clientConfig(ACCOUNT));
    const theirs = new SQSClient(clientConfig(OTHER_ACCOUNT));

    const created = await mine.send(new CreateQueueCommand({ QueueName: 'only-in-mine' }));

    expect(created.QueueUrl).toContain(`/${ACCOUNT}/only-in-mine`);
    expect((await mine.send(new ListQueuesCommand({ QueueNamePrefix: 'only-in' }))).QueueUrls).toEqual([created.QueueUrl]);
    expect((await theirs.send(new ListQueuesCommand({ QueueNamePrefix: 'only-in' }))).QueueUrls ?? []).toEqual([]);
  });
});

describe('call recording', () => {
  it('records each AWS call with its service, operation and account', async () => {
    const control = proxyControl();
    const since = await getProxyCallCount(control);

    await new SQSClient(clientConfig()).send(new CreateQueueCommand({ QueueName: 'recorded' }));
    await new LambdaClient(clientConfig()).send(new GetAccountSettingsCommand({}));

    const calls = (await getProxyCalls(control, since)).filter((c) => c.accountId === ACCOUNT);
    expect(calls).toEqual([
      { service: 'sqs', operation: 'CreateQueue', accountId: ACCOUNT },
      { service: 'lambda', operation: 'GetAccountSettings', accountId: ACCOUNT },
    ]);
  });

  it('does not record or forward control requests', async () => {
    const control = proxyControl();
    const since = await getProxyCallCount(control);
    // Attributed to this file's account, as a signed call would be, so that other files' calls on other jest workers
    // (each in its own account) do not count; a recorded control request would show up here as ACCOUNT's.
    const response = await fetch(new URL('/__sandbox/nothing-here', control), { headers: { [MOTO_ACCOUNT_HEADER]: ACCOUNT } });
    expect(response.status).toBe(404);
    expect((await getProxyCalls(control, since)).filter((c) => c.accountId === ACCOUNT)).toEqual([]);
  });
});
