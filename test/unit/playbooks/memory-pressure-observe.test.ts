// The memory playbook's observe against mocked clients: the metric filter is looked up on the function's own log group.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, ListAliasesCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { memoryPressurePlaybook, type MemoryPressureClients } from '../../../shared/playbooks/memory-pressure';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const fn = 'notification-service-consumer';
// The OOM alarm's own event (a text-pattern log metric filter's metric), state changed at 09:41:02.121.
const alarm = parseAlarmEvent(JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-log-metric-filter.json'), 'utf8')));
const lambdaMock = mockClient(LambdaClient);
const logsMock = mockClient(CloudWatchLogsClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const target = {
  functionName: fn,
  resource: { type: 'lambda-function', id: fn, arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}` },
  metricFilter: { namespace: 'NotificationService', metricName: 'OutOfMemoryErrors' },
};

const NOW = new Date('2024-03-05T10:00:00Z');

function context(): PlaybookContext<MemoryPressureClients> {
  return {
    clients: { lambda: new LambdaClient({ region: 'us-east-1' }), logs: new CloudWatchLogsClient({ region: 'us-east-1' }) },
    clock: new ManualClock(NOW.getTime()),
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
  cloudWatchMock.reset();
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
    logsMock.on(FilterLogEventsCommand).callsFake(async () => {
      started.push('lines');
      return { events: [] };
    });
    const observed = memoryPressurePlaybook.observe(context(), target, alarm);
    await new Promise((resolve) => setImmediate(resolve));
    // All four asked while the configuration has not answered yet.
    expect([...started].sort()).toEqual(['aliases', 'configuration', 'filters', 'lines']);
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

  it("reads the function's AWS/Lambda Errors in the alarm metric's own GetMetricData request, over its window (decision 253)", async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
    logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    const at = (minute: number) => new Date(Date.parse('2024-03-05T09:40:00Z') + minute * 60_000);
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'alarm', StatusCode: 'Complete', Timestamps: [at(0)], Values: [2] },
        { Id: 'errors', StatusCode: 'Complete', Timestamps: [at(0), at(1)], Values: [2, 1] },
      ],
    });
    const ctx = { ...context(), clients: { ...context().clients, cloudWatch: new CloudWatchClient({ region: 'us-east-1' }) } };
    const observation = await memoryPressurePlaybook.observe(ctx, target, alarm);
    const calls = cloudWatchMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.MetricDataQueries?.map((q) => [q.Id, q.MetricStat?.Metric?.Namespace, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Metric?.Dimensions, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['alarm', 'NotificationService', 'OutOfMemoryErrors', [], 'Sum', 60],
      ['errors', 'AWS/Lambda', 'Errors', [{ Name: 'FunctionName', Value: fn }], 'Sum', 60],
    ]);
    // Each minute's datapoint and when it was read (the clock's now): the kill's own minute may not be published yet (decision 267).
    expect(observation.functionErrors).toEqual({
      status: 'read',
      from: calls[0]?.StartTime?.toISOString(),
      to: calls[0]?.EndTime?.toISOString(),
      sum: 3,
      points: [
        { at: at(0).toISOString(), value: 2 },
        { at: at(1).toISOString(), value: 1 },
      ],
      readAt: NOW.toISOString(),
    });
    // Refused: said, and it bears out nothing (the plan pages); the alarm's metric is unread with it (one request).
    cloudWatchMock.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    expect((await memoryPressurePlaybook.observe(ctx, target, alarm)).functionErrors).toMatchObject({ status: 'unread', reason: expect.stringContaining('AccessDenied') });
  });

  describe('the OOM lines behind the alarm (review 10a, finding 4)', () => {
    const php = 'PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 4194304 bytes) in /var/task/src/Renderer.php on line 57';
    /** Streams as Lambda names the function's: its own group, and a custom group (the function's name first; isLambdaLogStream, decision 253). */
    const stream = '2024/03/05/[$LATEST]f7108dfca11d48d8ba7321a9b4fe4b02';
    const customStream = `2024/03/05/${fn}[$LATEST]f7108dfca11d48d8ba7321a9b4fe4b02`;

    it("reads them newest first from the function's log group with the metric filter's pattern, from 10 min before the alarm's state change to now, and sorts them by kind", async () => {
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
      logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
      logsMock.on(FilterLogEventsCommand).resolves({
        events: [
          { message: php, logStreamName: stream },
          { message: php, logStreamName: stream },
          { message: 'START RequestId: 1 Version: $LATEST', logStreamName: stream },
          { message: 'hello Runtime.OutOfMemory from a PowerUser', logStreamName: 'attacker' },
        ],
      });
      const observation = await memoryPressurePlaybook.observe(context(), target, alarm);
      expect(observation.oomLines).toEqual({
        status: 'read',
        logGroupName: `/aws/lambda/${fn}`,
        runtimeKills: 0,
        phpMemoryLimit: 2,
        phpLimitBytes: [536870912],
        truncated: false,
        lambdaReports: [],
        outsideLambdaStreams: 1,
      });
      expect(logsMock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input)).toEqual([
        {
          logGroupName: `/aws/lambda/${fn}`,
          startTime: Date.parse('2024-03-05T09:31:02.121Z'),
          endTime: Date.parse('2024-03-05T10:00:00Z'),
          // The metric filter's terms and the kill Error Types of Lambda's REPORT the filter does not count (decision 267).
          filterPattern: '?"JavaScript heap out of memory" ?"Runtime.OutOfMemory" ?"signal: killed" ?"Allowed memory size of" ?"Runtime.ExitError" ?"Extension.Crash"',
          limit: 200,
          startFromHead: false,
        },
      ]);
    });

    it('keeps reading newest first by the token: the next page asks for what is left of 200, with the token alone (review 10b F7)', async () => {
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
      logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
      logsMock
        .on(FilterLogEventsCommand)
        .resolvesOnce({ events: Array.from({ length: 150 }, () => ({ message: php, logStreamName: stream })), nextToken: 'older' })
        .resolvesOnce({ events: [{ message: 'Error: Runtime exited with error: signal: killed', logStreamName: stream }] });
      expect((await memoryPressurePlaybook.observe(context(), target, alarm)).oomLines).toMatchObject({ phpMemoryLimit: 150, runtimeKills: 1, truncated: false });
      const [first, second] = logsMock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
      expect([first?.startFromHead, first?.nextToken, first?.limit]).toEqual([false, undefined, 200]);
      expect([second?.startFromHead, second?.nextToken, second?.limit]).toEqual([undefined, 'older', 50]);
    });

    it('reads the lines of the log group LoggingConfig names, not the default one', async () => {
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, LoggingConfig: { LogGroup: '/custom/consumer' } });
      logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter('/custom/consumer')] });
      logsMock.on(FilterLogEventsCommand, { logGroupName: `/aws/lambda/${fn}` }).resolves({ events: [{ message: php, logStreamName: stream }] });
      const report = 'REPORT RequestId: 3f2c\tDuration: 1200.00 ms\tBilled Duration: 1201 ms\tMemory Size: 512 MB\tMax Memory Used: 512 MB\tStatus: error\tError Type: Runtime.OutOfMemory';
      logsMock.on(FilterLogEventsCommand, { logGroupName: '/custom/consumer' }).resolves({
        events: [
          { message: 'Error: Runtime exited with error: signal: killed', logStreamName: customStream },
          { message: report, logStreamName: customStream },
          // In a custom (shared) group Lambda puts the function's name in the stream: without it, not this function's.
          { message: report, logStreamName: stream },
        ],
      });
      const observation = await memoryPressurePlaybook.observe(context(), target, alarm);
      expect(observation.oomLines).toMatchObject({
        status: 'read',
        logGroupName: '/custom/consumer',
        runtimeKills: 2,
        phpMemoryLimit: 0,
        lambdaReports: [{ memorySizeMb: 512, maxMemoryUsedMb: 512 }],
        outsideLambdaStreams: 1,
      });
    });

    it('says a refused read so (the raise goes on, kind not confirmed), and throws a throttled one to be retried', async () => {
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
      logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
      logsMock.on(FilterLogEventsCommand).rejects(Object.assign(new Error('User is not authorized to perform: logs:FilterLogEvents'), { name: 'AccessDeniedException' }));
      expect((await memoryPressurePlaybook.observe(context(), target, alarm)).oomLines).toEqual({
        status: 'unavailable',
        logGroupName: `/aws/lambda/${fn}`,
        reason: 'could not be read (AccessDeniedException: User is not authorized to perform: logs:FilterLogEvents)',
      });
      logsMock.on(FilterLogEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      await expect(memoryPressurePlaybook.observe(context(), target, alarm)).rejects.toThrow(/Rate exceeded/);
    });

    it('stops at 200 lines, saying more matched', async () => {
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512 });
      logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
      logsMock.on(FilterLogEventsCommand).resolves({ events: Array.from({ length: 200 }, () => ({ message: php, logStreamName: stream })), nextToken: 'more' });
      expect((await memoryPressurePlaybook.observe(context(), target, alarm)).oomLines).toMatchObject({ phpMemoryLimit: 200, truncated: true });
      expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
    });

    it("reads no lines without an alarm (a health check's revert observes only to see the change still in place)", async () => {
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 768 });
      logsMock.on(DescribeMetricFiltersCommand).resolves({ metricFilters: [oomFilter(`/aws/lambda/${fn}`)] });
      const observation = await memoryPressurePlaybook.observe(context(), target);
      expect(observation.oomLines).toBeUndefined();
      expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
    });
  });
});
