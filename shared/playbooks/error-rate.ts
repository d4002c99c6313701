// Error Rate > 1% -> alert: the playbook module for handler alert-error-rate (enrich, then escalate; never changes anything).
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { callAws, errorName, isTransientAwsError } from '../aws/classify-error';
import { PermanentError } from '../errors';
import type { Playbook, PlaybookContext } from '../pipeline/types';
import { resolveFunctionTarget, type FunctionTarget } from './function-target';
import { groupErrorMessages, planErrorRateAlert, type ErrorRateObservation, type NoChange } from './error-rate-plan';

export interface ErrorRateClients {
  cloudWatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  lambda: LambdaClient;
}

type Ctx = PlaybookContext<ErrorRateClients>;

const ROW = 'error-rate';
/** FilterLogEvents returns at most 10,000 events per page (CloudWatch Logs API reference, limit). */
const MAX_EVENTS_PER_PAGE = 10_000;
// CloudWatch Logs filter syntax: "?term" alternatives, terms case-sensitive. Narrows the read on AWS; the lines are
// classified again by errorMessageOf, which is the authority (moto ignores the pattern).
const ERROR_FILTER_PATTERN = '?ERROR ?Error ?error ?Exception ?exception ?FATAL ?Fatal ?"Task timed out" ?Traceback';

/** Period-aligned window ending at the next whole minute, so the current minute's datapoint is inside it. */
function windowOf(now: Date, minutes: number): { start: Date; end: Date } {
  const end = new Date(Math.ceil((now.getTime() + 1) / 60_000) * 60_000);
  return { start: new Date(end.getTime() - minutes * 60_000), end };
}

/**
 * Errors and Invocations (AWS/Lambda, Sum) over the window. The rate is computed here from the two raw series rather
 * than asked of CloudWatch as metric math: a sum over the window is the exact rate, and the emulator answers metric
 * math with no values.
 */
async function readCounts(ctx: Ctx, functionName: string, window: { start: Date; end: Date }): Promise<{ errors?: number; invocations?: number }> {
  const queries: MetricDataQuery[] = (['Errors', 'Invocations'] as const).map((metric) => ({
    Id: metric.toLowerCase(),
    MetricStat: {
      Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: functionName }] },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: true,
  }));
  const result = await callAws('CloudWatch GetMetricData', () =>
    ctx.clients.cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: window.start, EndTime: window.end })),
  );
  const sum = (id: string): number | undefined => {
    const values = result.MetricDataResults?.find((r) => r.Id === id)?.Values;
    return values?.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  const errors = sum('errors');
  const invocations = sum('invocations');
  return { ...(errors !== undefined ? { errors } : {}), ...(invocations !== undefined ? { invocations } : {}) };
}

/** The function's log group: its LoggingConfig.LogGroup where it has one, /aws/lambda/<name> otherwise. */
async function logGroupOf(ctx: Ctx, functionName: string): Promise<string> {
  try {
    const configuration = await ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return configuration.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`;
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    // The alert still goes out without it: the default log group is the likely one.
    return `/aws/lambda/${functionName}`;
  }
}

async function readErrorLines(ctx: Ctx, logGroupName: string, window: { start: Date; end: Date }): Promise<ErrorRateObservation['logs']> {
  const maxEvents = ctx.runtime.env.alertErrorRate.maxLogEvents;
  const lines: string[] = [];
  let nextToken: string | undefined;
  let truncated = false;
  try {
    do {
      const page = await ctx.clients.logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: window.start.getTime(),
          endTime: window.end.getTime(),
          filterPattern: ERROR_FILTER_PATTERN,
          limit: Math.min(MAX_EVENTS_PER_PAGE, maxEvents - lines.length),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const event of page.events ?? []) if (event.message !== undefined) lines.push(event.message);
      nextToken = page.nextToken;
      if (nextToken && lines.length >= maxEvents) truncated = true;
    } while (nextToken && !truncated);
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') return { status: 'missing', reason: 'does not exist (the function has not logged yet, or logs elsewhere)' };
    return { status: 'unavailable', reason: `could not be read (${name}: ${(error as { message?: string }).message ?? ''})` };
  }
  const grouped = groupErrorMessages(lines.slice(0, maxEvents));
  return { status: 'read', eventsRead: Math.min(lines.length, maxEvents), errorLines: grouped.errorLines, truncated, messages: grouped.messages };
}

export const errorRatePlaybook: Playbook<ErrorRateClients, FunctionTarget, ErrorRateObservation, NoChange> = {
  name: 'alert-error-rate',
  row: ROW,
  actsOn: ['ALARM'],
  actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'lambda:GetFunctionConfiguration', 'logs:FilterLogEvents'],
  createClients: (config, shared) => ({ cloudWatch: shared.cloudWatch, lambda: new LambdaClient(config), logs: new CloudWatchLogsClient(config) }),

  resolveTarget(event, runtime) {
    return resolveFunctionTarget(event, runtime, 'alert-error-rate');
  },

  async observe(ctx, target) {
    const windowMinutes = ctx.runtime.env.alertErrorRate.windowMinutes;
    const window = windowOf(ctx.clock.now(), windowMinutes);
    const counts = await readCounts(ctx, target.functionName, window);
    const logGroupName = await logGroupOf(ctx, target.functionName);
    return { functionName: target.functionName, windowMinutes, ...counts, logGroupName, logs: await readErrorLines(ctx, logGroupName, window) };
  },

  plan({ event, observation, runtime }) {
    const row = runtime.config.troubleshooting.find((r) => r.id === ROW);
    return planErrorRateAlert({
      observation,
      thresholdPercent: event.threshold ?? row?.detection.threshold ?? 1,
      topMessages: runtime.env.alertErrorRate.topMessages,
    });
  },

  apply() {
    return Promise.reject(new PermanentError('alert-error-rate never changes anything'));
  },

  verify() {
    return Promise.reject(new PermanentError('alert-error-rate never changes anything'));
  },

  isApplied() {
    return false;
  },
};
