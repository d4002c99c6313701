// Review 22a, R22a-5: the DR region's metric filters on the emulator, where the standby consumer never ran and has no
// /aws/lambda/<fn> log group. CloudWatch Logs refuses PutMetricFilter on a missing group (the gap proxy answers it so, where
// moto stores the filter); the filters deployed as infra deploys them now, each group made sure of first by the
// Custom::WatchedLogGroup function's own code, go through; the group is never changed or deleted.
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeMetricFiltersCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ensureWatchedLogGroup, LOG_GROUP_NAME_PROPERTY, LOG_GROUP_NAMES_ENV } from '../../../custom-resources/ensure-log-groups';
import { sandboxEnv } from '../../../sandbox/credentials';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import type { SandboxClientConfig } from '../../../sandbox/provision';
import { metricFilterSpecs } from '../../../shared/config/alarm-specs';
import { defaultConfig } from '../../../shared/config/defaults';
import { parseAutomationConfig } from '../../../shared/config/load-config';
import { deployMetricFilters } from '../support/deploy-runbook-stack';
import { uniqueAccountId } from '../support/sandbox-account';

jest.setTimeout(120_000);

const DR = 'us-west-2';
const config = parseAutomationConfig(defaultConfig);
const filters = metricFilterSpecs(config, 'production', DR);
const control = (): string => {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
};

function drAccount(): { accountId: string; clientConfig: SandboxClientConfig } {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run through jest --selectProjects integration');
  const accountId = uniqueAccountId();
  const env = sandboxEnv({ endpoint, accountId, region: DR });
  return { accountId, clientConfig: { endpoint, region: DR, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' } } };
}

async function groupsAndFilters(logs: CloudWatchLogsClient): Promise<Record<string, { retentionInDays?: number; filters: string[] }>> {
  const found: Record<string, { retentionInDays?: number; filters: string[] }> = {};
  for (const group of (await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []) {
    const name = group.logGroupName ?? '';
    const described = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: name }))).metricFilters ?? [];
    found[name] = { ...(group.retentionInDays !== undefined ? { retentionInDays: group.retentionInDays } : {}), filters: described.map((f) => f.filterName ?? '').sort() };
  }
  return found;
}

describe("the DR region's metric filters on log groups that do not exist yet (review 22a, R22a-5)", () => {
  it('production us-west-2 puts filters on two groups: the consumer\'s (never run there) and the API\'s access log', () => {
    expect(filters.map((f) => [f.logGroupName, f.filterName])).toEqual([
      ['/aws/lambda/notification-service-consumer', 'notification-service-consumer-out-of-memory'],
      ['/aws/apigateway/notification-service-api/access', 'notification-service-api-504'],
    ]);
  });

  it('as infra deployed them before (no ensure step), the first PutMetricFilter is refused "The specified log group does not exist." and nothing is stored', async () => {
    const { accountId, clientConfig } = drAccount();
    const logs = new CloudWatchLogsClient(clientConfig);
    try {
      const since = await getProxyCallCount(control());
      await expect(deployMetricFilters(clientConfig, { metricFilters: filters }, { ensureLogGroups: false })).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
        $metadata: { httpStatusCode: 400 },
      });
      // The gap proxy answered it (moto alone stores the filter on no group).
      const calls = (await getProxyCalls(control(), since)).filter((c) => c.accountId === accountId && c.service === 'logs');
      expect(calls.map((c) => c.operation)).toEqual(['DescribeMetricFilters', 'PutMetricFilter']);
      expect(await groupsAndFilters(logs)).toEqual({});
    } finally {
      logs.destroy();
    }
  });

  it('with each group made sure of first by the custom resource\'s code, every filter is put; the group is created bare (no retention)', async () => {
    const { accountId, clientConfig } = drAccount();
    const logs = new CloudWatchLogsClient(clientConfig);
    try {
      const since = await getProxyCallCount(control());
      await deployMetricFilters(clientConfig, { metricFilters: filters });
      const calls = (await getProxyCalls(control(), since)).filter((c) => c.accountId === accountId && c.service === 'logs');
      expect(calls.map((c) => c.operation)).toEqual(['CreateLogGroup', 'CreateLogGroup', 'DescribeMetricFilters', 'PutMetricFilter', 'DescribeMetricFilters', 'PutMetricFilter']);
      expect(await groupsAndFilters(logs)).toEqual({
        '/aws/lambda/notification-service-consumer': { filters: ['notification-service-consumer-out-of-memory'] },
        '/aws/apigateway/notification-service-api/access': { filters: ['notification-service-api-504'] },
      });
    } finally {
      logs.destroy();
    }
  });

  it('a group that exists (the consumer ran, the service\'s stack made it) is taken as done and left as it was; Delete deletes nothing', async () => {
    const { clientConfig } = drAccount();
    const logs = new CloudWatchLogsClient(clientConfig);
    try {
      await deployMetricFilters(clientConfig, { metricFilters: filters });
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/notification-service-consumer', retentionInDays: 30 }));
      const before = await groupsAndFilters(logs);
      expect(before['/aws/lambda/notification-service-consumer']).toEqual({ retentionInDays: 30, filters: ['notification-service-consumer-out-of-memory'] });
      // A second deploy: each group's custom resource answers SUCCESS "already exists".
      await deployMetricFilters(clientConfig, { metricFilters: filters });
      expect(await groupsAndFilters(logs)).toEqual(before);
      // The stack deleted (or a group's resource replaced): CloudFormation's Delete, answered SUCCESS, the group kept.
      const answers: Array<Record<string, unknown>> = [];
      await ensureWatchedLogGroup(
        {
          RequestType: 'Delete',
          ResponseURL: 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/sandbox?X-Amz-Signature=0',
          StackId: `arn:aws:cloudformation:${DR}:000000000000:stack/sandbox/00000000-0000-0000-0000-000000000000`,
          RequestId: 'delete-0',
          LogicalResourceId: 'WatchedAlarmsLogGroupsGroup0',
          PhysicalResourceId: '/aws/lambda/notification-service-consumer',
          ResourceProperties: { [LOG_GROUP_NAME_PROPERTY]: '/aws/lambda/notification-service-consumer' },
        },
        {
          logs,
          put: (_url, body) => {
            answers.push(JSON.parse(body) as Record<string, unknown>);
            return Promise.resolve(200);
          },
          logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
          env: { [LOG_GROUP_NAMES_ENV]: filters.map((f) => f.logGroupName).join(','), AWS_REGION: DR },
        },
      );
      expect(answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: '/aws/lambda/notification-service-consumer' })]);
      expect(await groupsAndFilters(logs)).toEqual(before);
    } finally {
      logs.destroy();
    }
  });
});
