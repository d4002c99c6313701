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
  it('asks DescribeMetricFilters about the default log group only (a log-group-scoped grant allows it), never account-wide', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
    logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
    const observation = await memoryPressurePlaybook.observe(context(), target);
    expect(observation.memoryMb).toBe(512);
    expect(logsMock.commandCalls(DescribeMetricFiltersCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: `/aws/lambda/${fn}` }]);
  });

  it('for a function whose LoggingConfig names its own log group, judges by that group: the default group, read ahead, is dropped', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, LoggingConfig: { LogGroup: '/custom/consumer' } });
    logsMock.on(DescribeMetricFiltersCommand, { logGroupName: `/aws/lambda/${fn}` }).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
    logsMock.on(DescribeMetricFiltersCommand, { logGroupName: '/custom/consumer' }).resolves({ metricFilters: [oomFilter('/custom/consumer', 'Timeouts')] });
    await expect(memoryPressurePlaybook.observe(context(), target)).rejects.toThrow(
      `NotificationService/OutOfMemoryErrors is not counted from ${fn}'s log group /custom/consumer (metrics its filters publish: NotificationService/Timeouts)`,
    );
    // One log group per call, never account-wide: the default one (read with the configuration), then the named one.
    expect(logsMock.commandCalls(DescribeMetricFiltersCommand).map((c) => c.args[0].input.logGroupName)).toEqual([`/aws/lambda/${fn}`, '/custom/consumer']);
  });

  it('reads the configuration, the aliases and the default log group\'s filters at once', async () => {
    const started: string[] = [];
    let answer: () => void = () => undefined;
    const configurationHeld = new Promise<void>((resolve) => {
      answer = resolve;
    });
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake(async () => {
      started.push('configuration');
      await configurationHeld;
      return { MemorySize: 512 };
    });
    lambdaMock.on(ListAliasesCommand).callsFake(async () => {
      started.push('aliases');
      return { Aliases: [] };
    });
    logsMock.on(DescribeMetricFiltersCommand).callsFake(async () => {
      started.push('filters');
      return { metricFilters: [oomFilter(`/aws/lambda/${fn}`)] };
    });
    const observed = memoryPressurePlaybook.observe(context(), target);
    await new Promise((resolve) => setImmediate(resolve));
    // All three asked while the configuration has not answered yet.
    expect([...started].sort()).toEqual(['aliases', 'configuration', 'filters']);
    answer();
    expect((await observed).memoryMb).toBe(512);
  });

  it('refuses when the log group\'s filters publish other metrics only, naming what they publish', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
    logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`, 'Timeouts')] });
    await expect(memoryPressurePlaybook.observe(context(), target)).rejects.toThrow(
      `NotificationService/OutOfMemoryErrors is not counted from ${fn}'s log group /aws/lambda/${fn} (metrics its filters publish: NotificationService/Timeouts)`,
    );
  });
});
