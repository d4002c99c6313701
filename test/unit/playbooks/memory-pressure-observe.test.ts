// The memory playbook's observe against mocked clients: the metric filter is looked up on the function's own log group.
import { CloudWatchLogsClient, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, ListAliasesCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { memoryPressurePlaybook, type MemoryPressureClients } from '../../../shared/playbooks/memory-pressure';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const fn = 'notification-service-consumer';
const lambdaMock = mockClient(LambdaClient);
const logsMock = mockClient(CloudWatchLogsClient);
const target = {
  functionName: fn,
  resource: { type: 'lambda-function', id: fn, arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}` },
  metricFilter: { namespace: 'NotificationService', metricName: 'OutOfMemoryErrors' },
};

function context(): PlaybookContext<MemoryPressureClients> {
  return {
    clients: { lambda: new LambdaClient({ region: 'us-east-1' }), logs: new CloudWatchLogsClient({ region: 'us-east-1' }) },
    clock: new ManualClock(Date.parse('2024-03-05T10:00:00Z')),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
  };
}

const oomFilter = (logGroupName: string, metricName = 'OutOfMemoryErrors') => ({
  filterName: 'oom',
  logGroupName,
  metricTransformations: [{ metricNamespace: 'NotificationService', metricName, metricValue: '1' }],
});

beforeEach(() => {
  lambdaMock.reset();
  logsMock.reset();
  lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [] });
});

describe('raise-lambda-memory observe', () => {
  it.each([
    ['the default log group', undefined, `/aws/lambda/${fn}`],
    ['the log group its LoggingConfig names', '/custom/consumer', '/custom/consumer'],
  ])('asks DescribeMetricFilters about %s only (a log-group-scoped grant allows it), never account-wide', async (_case, configured, logGroup) => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, ...(configured ? { LoggingConfig: { LogGroup: configured } } : {}) });
    logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(logGroup)] });
    const observation = await memoryPressurePlaybook.observe(context(), target);
    expect(observation.memoryMb).toBe(512);
    expect(logsMock.commandCalls(DescribeMetricFiltersCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: logGroup }]);
  });

  it('refuses when the log group\'s filters publish other metrics only, naming what they publish', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
    logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`, 'Timeouts')] });
    await expect(memoryPressurePlaybook.observe(context(), target)).rejects.toThrow(
      `NotificationService/OutOfMemoryErrors is not counted from ${fn}'s log group /aws/lambda/${fn} (metrics its filters publish: NotificationService/Timeouts)`,
    );
  });
});
