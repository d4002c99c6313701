// The error-rate playbook's observe against mocked clients: the log excerpt is optional enrichment. A Logs client that
// fails to load, or a FilterLogEvents that fails, leaves the metric reading and the alert intact, and says so by name.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError } from '../../../shared/errors';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { errorRatePlaybook, type ErrorRateClients } from '../../../shared/playbooks/error-rate';
import { ManualClock } from '../../support/manual-clock';

const fn = 'notification-service-consumer';
const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
const target = { functionName: fn, resource: { type: 'lambda-function', id: fn, arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}` } };
const cloudWatchMock = mockClient(CloudWatchClient);
const lambdaMock = mockClient(LambdaClient);
const logsMock = mockClient(CloudWatchLogsClient);

function context(logs: ErrorRateClients['logs']): PlaybookContext<ErrorRateClients> {
  return {
    clients: { cloudWatch: new CloudWatchClient({ region: 'us-east-1' }), lambda: new LambdaClient({ region: 'us-east-1' }), logs },
    clock: new ManualClock(Date.parse('2024-03-05T10:00:30Z')),
    runtime,
  };
}

const loadedLogs = (): ErrorRateClients['logs'] => async () => new CloudWatchLogsClient({ region: 'us-east-1' });
const throttling = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

function plan(observation: Awaited<ReturnType<typeof errorRatePlaybook.observe>>) {
  const event = { threshold: 1 } as Parameters<typeof errorRatePlaybook.plan>[0]['event'];
  return errorRatePlaybook.plan({ event, target, observation, runtime, resourceState: undefined });
}

beforeEach(() => {
  cloudWatchMock.reset();
  lambdaMock.reset();
  logsMock.reset();
  // 42 errors in 1000 invocations over the window: 4.20%. As CloudWatch answers: newest first, a timestamp per value,
  // StatusCode Complete (CloudWatch API reference, MetricDataResult).
  const minutes = [new Date('2024-03-05T10:00:00Z'), new Date('2024-03-05T09:59:00Z')];
  cloudWatchMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'errors', Timestamps: minutes, Values: [30, 12], StatusCode: 'Complete' },
      { Id: 'invocations', Timestamps: minutes, Values: [600, 400], StatusCode: 'Complete' },
    ],
  });
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ FunctionName: fn });
});

describe('alert-error-rate observe: the log excerpt is optional', () => {
  it.each<[string, () => ErrorRateClients['logs'], RegExp]>([
    [
      'the CloudWatch Logs module fails to load',
      () => () => Promise.reject(Object.assign(new Error("Cannot find module '@aws-sdk/client-cloudwatch-logs'"), { name: 'Error', code: 'MODULE_NOT_FOUND' })),
      /^could not be read: the CloudWatch Logs module failed \(Error: Cannot find module '@aws-sdk\/client-cloudwatch-logs'\)$/,
    ],
    [
      'FilterLogEvents is throttled past the SDK retries',
      () => {
        logsMock.on(FilterLogEventsCommand).rejects(throttling);
        return loadedLogs();
      },
      /^could not be read: CloudWatch Logs FilterLogEvents failed \(ThrottlingException: Rate exceeded\)$/,
    ],
  ])('alerts on the metric reading when %s, naming what could not be read', async (_situation, arrange, reason) => {
    const logs = arrange();

    const observation = await errorRatePlaybook.observe(context(logs), target);

    expect(observation).toMatchObject({ functionName: fn, errors: 42, invocations: 1000, logGroupName: `/aws/lambda/${fn}`, logs: { status: 'unavailable' } });
    expect(observation.logs.status === 'unavailable' && observation.logs.reason).toMatch(reason);
    const decided = plan(observation);
    expect(decided).toMatchObject({ kind: 'escalate', cause: 'diagnosis' });
    expect(decided.kind === 'escalate' && decided.reason).toMatch(
      new RegExp(`^error rate of ${fn} is 4\\.20% \\(42 errors / 1000 invocations .*\\); the log excerpt from /aws/lambda/${fn} could not be read: `),
    );
  });

  it('says a refused FilterLogEvents in the message too (AccessDenied)', async () => {
    logsMock.on(FilterLogEventsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const observation = await errorRatePlaybook.observe(context(loadedLogs()), target);
    const decided = plan(observation);
    expect(decided.kind === 'escalate' && decided.reason).toContain(`the log excerpt from /aws/lambda/${fn} could not be read (AccessDeniedException: not authorized)`);
  });

  it('reads the excerpt when Logs answers, and the message names the most frequent error', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [{ message: '{"level":"ERROR","message":"SMTP timeout"}' }, { message: '{"level":"ERROR","message":"SMTP timeout"}' }] });
    const observation = await errorRatePlaybook.observe(context(loadedLogs()), target);
    expect(observation.logs).toEqual({ status: 'read', eventsRead: 2, errorLines: 2, truncated: false, messages: [{ message: 'SMTP timeout', count: 2 }] });
    expect(plan(observation)).toMatchObject({ reason: expect.stringContaining('most frequent: "SMTP timeout" (2x)') });
  });

  it('reads the default log group at once with the configuration', async () => {
    const started: string[] = [];
    let answer: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake(async () => {
      started.push('configuration');
      await held;
      return { FunctionName: fn };
    });
    logsMock.on(FilterLogEventsCommand).callsFake(async (input: { logGroupName?: string }) => {
      started.push(`lines of ${input.logGroupName ?? '?'}`);
      return { events: [] };
    });
    const observed = errorRatePlaybook.observe(context(loadedLogs()), target);
    for (let i = 0; i < 5 && started.length < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
    // Both asked while the configuration has not answered yet.
    expect([...started].sort()).toEqual(['configuration', `lines of /aws/lambda/${fn}`]);
    answer();
    expect((await observed).logs).toMatchObject({ status: 'read', eventsRead: 0 });
  });

  it('for a function whose LoggingConfig names its own log group, reads the excerpt from that group: the default one, read ahead, is dropped', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ FunctionName: fn, LoggingConfig: { LogGroup: '/custom/consumer' } });
    logsMock.on(FilterLogEventsCommand, { logGroupName: `/aws/lambda/${fn}` }).resolves({ events: [{ message: '{"level":"ERROR","message":"stale default group"}' }] });
    logsMock.on(FilterLogEventsCommand, { logGroupName: '/custom/consumer' }).resolves({ events: [{ message: '{"level":"ERROR","message":"SMTP timeout"}' }] });
    const observation = await errorRatePlaybook.observe(context(loadedLogs()), target);
    expect(observation.logGroupName).toBe('/custom/consumer');
    expect(observation.logs).toEqual({ status: 'read', eventsRead: 1, errorLines: 1, truncated: false, messages: [{ message: 'SMTP timeout', count: 1 }] });
    expect(logsMock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.logGroupName)).toEqual([`/aws/lambda/${fn}`, '/custom/consumer']);
  });

  it('still fails the reading when the metric itself cannot be read: the rate is the alert', async () => {
    cloudWatchMock.on(GetMetricDataCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    await expect(errorRatePlaybook.observe(context(loadedLogs()), target)).rejects.toThrow(/GetMetricData/);
  });
});

describe('alert-error-rate observe: errors CloudWatch could not give whole are not "no errors" (decision 132)', () => {
  // CloudWatch API reference, MetricDataResult: StatusCode Complete | InternalError | PartialData | Forbidden; PartialData
  // without a NextToken is all there is. The invocations series is complete: only the errors are missing.
  it.each<[string, { StatusCode: 'Forbidden' | 'PartialData'; Timestamps: Date[]; Values: number[] }, RegExp]>([
    ['Errors answered Forbidden', { StatusCode: 'Forbidden', Timestamps: [], Values: [] }, /incomplete reading, not decided on: errors: Forbidden/],
    ['Errors answered PartialData with no NextToken', { StatusCode: 'PartialData', Timestamps: [new Date('2024-03-05T10:00:00Z')], Values: [3] }, /incomplete reading, not decided on: errors: PartialData/],
  ])('fails the reading when %s', async (_situation, errors, message) => {
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'errors', ...errors },
        { Id: 'invocations', Timestamps: [new Date('2024-03-05T10:00:00Z'), new Date('2024-03-05T09:59:00Z')], Values: [600, 400], StatusCode: 'Complete' },
      ],
    });
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    const observed = errorRatePlaybook.observe(context(loadedLogs()), target);
    await expect(observed).rejects.toBeInstanceOf(PermanentError);
    await expect(observed).rejects.toThrow(message);
  });
});
