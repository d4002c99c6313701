// Error Rate > 1% -> alert: the playbook module for handler alert-error-rate (enrich, then escalate; never changes anything).
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { errorName, isTransientAwsError } from '../aws/classify-error';
import { readMetricData } from '../aws/metric-data';
import { lazy, type Lazy } from '../aws/lazy-client';
import { PermanentError } from '../errors';
import type { Playbook, PlaybookContext } from '../pipeline/types';
import { resolveFunctionTarget, type FunctionTarget } from './function-target';
import { planErrorRateAlert, type ErrorRateObservation, type NoChange } from './error-rate-plan';

export interface ErrorRateClients {
  cloudWatch: CloudWatchClient;
  /** Loaded on first use: CloudWatch Logs serves only the enrichment (./error-rate-logs.ts, a chunk of its own). */
  logs: Lazy<CloudWatchLogsClient>;
  lambda: LambdaClient;
}

type Ctx = PlaybookContext<ErrorRateClients>;

const ROW = 'error-rate';
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
  // Every page, and only a complete answer: errors CloudWatch could not give whole are not "no errors" (readMetricData).
  const series = await readMetricData(ctx.clients.cloudWatch, queries, { from: window.start, to: window.end });
  const sum = (id: string): number | undefined => {
    const values = series.get(id)?.values;
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

/**
 * The log excerpt is enrichment: the alert goes out on the metric reading without it. Whatever keeps it from being read
 * (the Logs module or client failing to load, a throttled or refused FilterLogEvents, the log group lookup) is named in
 * the observation, never thrown, so it cannot hold back or fail the alert.
 * The lines of /aws/lambda/<name> are read at once with the lookup of the function's log group: it is where a function
 * logs unless its LoggingConfig names a group of its own, and then that group is read once the lookup says so (one more
 * round trip) and the first read is dropped.
 */
async function readLogExcerpt(ctx: Ctx, functionName: string, window: { start: Date; end: Date }): Promise<{ logGroupName: string; lines: ErrorRateObservation['logs'] }> {
  const defaultLogGroup = `/aws/lambda/${functionName}`;
  const ahead = readLogLines(ctx, defaultLogGroup, window);
  let logGroupName: string;
  try {
    logGroupName = await logGroupOf(ctx, functionName);
  } catch (error) {
    // Nothing is left running: the read made ahead settles (it never throws) before the excerpt is given up.
    await ahead;
    return { logGroupName: defaultLogGroup, lines: unavailable('the log group lookup', error) };
  }
  const lines = await ahead;
  return { logGroupName, lines: logGroupName === defaultLogGroup ? lines : await readLogLines(ctx, logGroupName, window) };
}

/**
 * The enrichment's module, loaded once per container on first use: an import() of a module already loaded still goes
 * through the module loader at every call (about 28 us each, measured; decision 279).
 */
const logsModule = lazy(() => import('./error-rate-logs'));

/** A log group's error lines, or what kept them from being read (never thrown). */
async function readLogLines(ctx: Ctx, logGroupName: string, window: { start: Date; end: Date }): Promise<ErrorRateObservation['logs']> {
  let step = 'the CloudWatch Logs module';
  try {
    const [{ readErrorLines }, client] = await Promise.all([logsModule(), ctx.clients.logs()]);
    step = 'CloudWatch Logs FilterLogEvents';
    return await readErrorLines(client, ctx.runtime.env.alertErrorRate.maxLogEvents, logGroupName, window);
  } catch (error) {
    return unavailable(step, error);
  }
}

function unavailable(step: string, error: unknown): ErrorRateObservation['logs'] {
  const message = oneLine((error as { message?: unknown }).message);
  return { status: 'unavailable', reason: `could not be read: ${step} failed (${errorName(error)}${message ? `: ${message}` : ''})` };
}

/** An error message on one line, bounded: it goes into the alert's findings. */
function oneLine(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim().slice(0, 200) : '';
}

export const errorRatePlaybook: Playbook<ErrorRateClients, FunctionTarget, ErrorRateObservation, NoChange> = {
  name: 'alert-error-rate',
  row: ROW,
  actsOn: ['ALARM'],
  actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'lambda:GetFunctionConfiguration', 'logs:FilterLogEvents'],
  createClients: (config, shared) => ({ cloudWatch: shared.cloudWatch, lambda: new LambdaClient(config), logs: lazy(async () => (await logsModule()).logsClient(config)) }),

  resolveTarget(event, runtime) {
    return resolveFunctionTarget(event, runtime, 'alert-error-rate');
  },

  async observe(ctx, target) {
    const windowMinutes = ctx.runtime.env.alertErrorRate.windowMinutes;
    const window = windowOf(ctx.clock.now(), windowMinutes);
    // Independent reads at once: the counts, and the log group whose error lines are then read (the enrichment, optional).
    const [counts, logs] = await Promise.all([readCounts(ctx, target.functionName, window), readLogExcerpt(ctx, target.functionName, window)]);
    return { functionName: target.functionName, windowMinutes, ...counts, logGroupName: logs.logGroupName, logs: logs.lines };
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
