// Memory Pressure (OOM errors) -> raise Lambda memory: the playbook module for handler raise-lambda-memory.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, paginateDescribeMetricFilters } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetFunctionConfigurationCommand,
  paginateListAliases,
  paginateListEventSourceMappings,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { callAws, classifyAwsError, errorName } from '../aws/classify-error';
import { PermanentError, TransientError } from '../errors';
import { settledAll, settledValue } from '../settled';
import type { AlarmStateChange } from '../events/alarm-event';
import type { Playbook, PlaybookContext } from '../pipeline/types';
import { resolveFunctionTarget, type FunctionTarget } from './function-target';
import { refuseAlarmOfAnotherRegion } from './region-target';
import { regionServingSource } from '../pipeline/region-serving-source';
import { MEMORY_HEALTH_SIGNAL, memoryHealthMetrics, memoryHealthWorse, refuseMemoryRevert, revertMemoryRaise, memorySettingNow } from './memory-pressure-health';
import { readWindowMetrics } from './metric-window';
import { outOfMemoryWindow, readOutOfMemoryLines } from './memory-pressure-logs';
import { configuredAlarm, type AlarmMetricRead } from './alarm-corroboration';
import { readAlarmMetricFor } from './alarm-metric-reading';
import {
  MEMORY_CEILING_FACT,
  memoryCeilingFromRefusal,
  planMemoryRaise,
  type FunctionErrorsRead,
  type MemoryChange,
  type MemoryObservation,
  type OutOfMemoryLines,
  type PublishedInvocation,
} from './memory-pressure-plan';

export interface MemoryPressureClients {
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  /** The health check's reading after a change; observe, plan and apply do not need it. */
  cloudWatch?: CloudWatchClient;
}

type Ctx = PlaybookContext<MemoryPressureClients>;

/** Bounds on waiting for a function update in progress: LastUpdateStatus InProgress usually clears within seconds. */
const SETTLE_POLLS = 30;
const SETTLE_INTERVAL_MS = 1000;
/** Re-read-and-retry rounds after a concurrent update (PreconditionFailedException / ResourceConflictException). */
const MAX_UPDATE_ATTEMPTS = 4;

const ROW = 'memory-pressure';

async function readConfiguration(ctx: Ctx, functionName: string): Promise<FunctionConfiguration> {
  return callAws('Lambda GetFunctionConfiguration', () => ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })));
}

/** Reads the configuration until no update is in progress (the SDK does not wait on ResourceConflictException). */
async function settledConfiguration(ctx: Ctx, functionName: string): Promise<FunctionConfiguration> {
  let configuration = await readConfiguration(ctx, functionName);
  for (let poll = 1; configuration.LastUpdateStatus === 'InProgress'; poll += 1) {
    if (poll >= SETTLE_POLLS) {
      throw new TransientError(`${functionName} still has an update in progress after ${(SETTLE_POLLS * SETTLE_INTERVAL_MS) / 1000} s`);
    }
    await ctx.clock.sleep(SETTLE_INTERVAL_MS);
    configuration = await readConfiguration(ctx, functionName);
  }
  return configuration;
}

/** The function's aliases (ListAliases needs only its name, so it is read with the configuration). */
async function listAliases(ctx: Ctx, functionName: string): Promise<AliasConfiguration[]> {
  return callAws('Lambda ListAliases', async () => {
    const all: AliasConfiguration[] = [];
    for await (const page of paginateListAliases({ client: ctx.clients.lambda }, { FunctionName: functionName })) all.push(...(page.Aliases ?? []));
    return all;
  });
}

/** Aliases on published versions that an event source mapping invokes: a memory change on $LATEST would not reach them. */
async function publishedInvocations(ctx: Ctx, target: FunctionTarget, aliases: readonly AliasConfiguration[], functionArn: string): Promise<PublishedInvocation[]> {
  const onVersions = aliases.filter((alias) => alias.Name && alias.FunctionVersion && alias.FunctionVersion !== '$LATEST');
  // Each alias's mappings at once (independent reads); the findings keep the aliases' order.
  const mappings = await settledAll(
    ...onVersions.map((alias) =>
      callAws('Lambda ListEventSourceMappings', async () => {
        const all: string[] = [];
        for await (const page of paginateListEventSourceMappings({ client: ctx.clients.lambda }, { FunctionName: alias.AliasArn ?? `${functionArn}:${alias.Name}` })) {
          all.push(...(page.EventSourceMappings ?? []).map((m) => m.UUID ?? '?'));
        }
        return all;
      }),
    ),
  );
  const found: PublishedInvocation[] = [];
  onVersions.forEach((alias, i) => {
    for (const uuid of mappings[i] ?? []) found.push({ qualifier: alias.Name ?? '', version: alias.FunctionVersion ?? '', source: `event source mapping ${uuid}` });
  });
  const qualifier = target.qualifier;
  if (qualifier !== undefined && qualifier !== '$LATEST') {
    const alias = aliases.find((a) => a.Name === qualifier);
    if (alias?.FunctionVersion !== '$LATEST') {
      found.push({ qualifier, version: alias?.FunctionVersion ?? qualifier, source: 'the alarm (dimension Resource)' });
    }
  }
  return found;
}

/**
 * The metrics a log group's filters publish (namespace/name). DescribeMetricFilters is asked about that one log group
 * (`logGroupName`): IAM authorizes it on the log group's ARN, which is what the role is granted. Asked by metric name
 * and namespace alone it is an account-wide listing, which a log-group-scoped grant refuses (AccessDenied in real AWS,
 * invisible on the emulator). The metric is matched by confirmMetricFilter.
 */
async function metricsCountedFrom(ctx: Ctx, logGroup: string): Promise<string[]> {
  return callAws(`CloudWatch Logs DescribeMetricFilters ${logGroup}`, async () => {
    const all: string[] = [];
    for await (const page of paginateDescribeMetricFilters({ client: ctx.clients.logs }, { logGroupName: logGroup })) {
      for (const metricFilter of page.metricFilters ?? []) {
        for (const t of metricFilter.metricTransformations ?? []) all.push(`${t.metricNamespace ?? '?'}/${t.metricName ?? '?'}`);
      }
    }
    return all;
  });
}

/** The alarm's metric must come from a filter on this function's log group, or the target was guessed wrong. */
function confirmMetricFilter(target: FunctionTarget, logGroup: string, published: readonly string[]): void {
  const filter = target.metricFilter;
  if (!filter) return;
  if (!published.includes(`${filter.namespace}/${filter.metricName}`)) {
    throw new PermanentError(
      `${filter.namespace}/${filter.metricName} is not counted from ${target.functionName}'s log group ${logGroup} ` +
        `(metrics its filters publish: ${[...new Set(published)].join(', ') || 'none'}): not raising memory of a function the alarm may not be about`,
    );
  }
}

function isMemoryRefusal(error: unknown): boolean {
  const name = errorName(error);
  const message = (error as { message?: string }).message ?? '';
  return (name === 'InvalidParameterValueException' || name === 'ValidationException') && /memory/i.test(message);
}

/** The OOM lines of a log group around the alarm's state change, by kind; none read without an alarm (a health check's revert). */
function outOfMemoryLines(ctx: Ctx, event: AlarmStateChange | undefined, functionName: string, logGroupName: string): Promise<OutOfMemoryLines | undefined> {
  if (event === undefined) return Promise.resolve(undefined);
  return callAws(`CloudWatch Logs FilterLogEvents ${logGroupName}`, () =>
    readOutOfMemoryLines(ctx.clients.logs, functionName, logGroupName, outOfMemoryWindow(event.state.timestamp, ctx.clock.now())),
  );
}

/** The id of the function's AWS/Lambda Errors beside the alarm's metric in one GetMetricData request. */
const ERRORS_ID = 'errors';

/**
 * The function's errors out of the alarm's reading (read with it: one request), with each period's datapoint and when
 * they were read (the kill's own period may not be published yet: decision 267), or why they were not read.
 */
function functionErrorsOf(read: AlarmMetricRead | undefined, readAt: Date): FunctionErrorsRead | undefined {
  if (read === undefined) return undefined;
  if (read.status === 'unread') return { status: 'unread', reason: read.reason };
  const points = read.reading.alongside?.[ERRORS_ID];
  if (points === undefined) return { status: 'unread', reason: 'not in the answer' };
  return { status: 'read', from: read.reading.from, to: read.reading.to, sum: points.reduce((sum, p) => sum + p.value, 0), points, readAt: readAt.toISOString() };
}

export const memoryPressurePlaybook: Playbook<MemoryPressureClients, FunctionTarget, MemoryObservation, MemoryChange> = {
  name: 'raise-lambda-memory',
  row: ROW,
  actsOn: ['ALARM'],
  createClients: (config, shared) => ({ lambda: shared.lambda ?? new LambdaClient(config), logs: new CloudWatchLogsClient(config), cloudWatch: shared.cloudWatch }),
  // A change in the DR region waits for that region to serve (FailoverToDR has run there: decision 123).
  regionServing: regionServingSource,
  actions: [
    'cloudwatch:DescribeAlarms',
    'cloudwatch:GetMetricData',
    'logs:DescribeMetricFilters',
    'logs:FilterLogEvents',
    'lambda:GetFunctionConfiguration',
    'lambda:UpdateFunctionConfiguration',
    'lambda:ListAliases',
    'lambda:ListEventSourceMappings',
  ],

  resolveTarget(event, runtime) {
    // In the DR region: the DR consumer, by its configured name there (decision 123).
    refuseAlarmOfAnotherRegion(event, runtime, 'raise-lambda-memory');
    return resolveFunctionTarget(event, runtime, 'raise-lambda-memory');
  },

  async observe(ctx, target, event) {
    // Independent reads at once: the configuration, the aliases, and the metric filters and OOM lines of
    // /aws/lambda/<name>, the log group a function logs to unless its configuration names one of its own
    // (LoggingConfig.LogGroup): then that group's filters and lines are read once the configuration says so, and the
    // first reads are dropped. Failures are thrown in the order the reads were once made one after another:
    // configuration, metric filter, aliases, lines.
    const defaultLogGroup = `/aws/lambda/${target.functionName}`;
    const readAt = ctx.clock.now();
    // The alarm's own metric goes with them (decision 217): it bears out an alarm whose lines are not searchable yet.
    const [configured, defaultFilters, aliasesRead, defaultLines, metricRead] = await Promise.allSettled([
      readConfiguration(ctx, target.functionName),
      target.metricFilter ? metricsCountedFrom(ctx, defaultLogGroup) : Promise.resolve([]),
      listAliases(ctx, target.functionName),
      outOfMemoryLines(ctx, event, target.functionName, defaultLogGroup),
      // AWS/Lambda Errors of the function in the same request, over the same window (decision 253).
      readAlarmMetricFor(ctx.clients.cloudWatch, ctx.runtime, event, readAt, {
        alongside: [{ id: ERRORS_ID, namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: target.functionName }, stat: 'Sum' }],
      }),
    ]);
    const configuration = settledValue(configured);
    const logGroup = configuration.LoggingConfig?.LogGroup ?? defaultLogGroup;
    // The named group's filters and lines at once (independent); the filter is confirmed before the lines are used.
    const named =
      logGroup === defaultLogGroup
        ? undefined
        : await Promise.allSettled([target.metricFilter ? metricsCountedFrom(ctx, logGroup) : Promise.resolve([]), outOfMemoryLines(ctx, event, target.functionName, logGroup)]);
    if (target.metricFilter) confirmMetricFilter(target, logGroup, settledValue(named ? named[0] : defaultFilters));
    const memoryMb = configuration.MemorySize;
    if (memoryMb === undefined) throw new PermanentError(`GetFunctionConfiguration of ${target.functionName} returned no MemorySize`);
    const invokedVia = await publishedInvocations(ctx, target, settledValue(aliasesRead), configuration.FunctionArn ?? target.resource.arn);
    const oomLines = settledValue(named ? named[1] : defaultLines);
    const alarmMetric = settledValue(metricRead);
    const functionErrors = functionErrorsOf(alarmMetric, readAt);
    return {
      functionName: target.functionName,
      memoryMb,
      ...(configuration.LastUpdateStatus ? { lastUpdateStatus: configuration.LastUpdateStatus } : {}),
      ...(configuration.RevisionId ? { revisionId: configuration.RevisionId } : {}),
      invokedVia,
      ...(oomLines ? { oomLines } : {}),
      ...(alarmMetric ? { alarmMetric } : {}),
      ...(functionErrors ? { functionErrors } : {}),
    };
  },

  plan({ event, observation, runtime, resourceState }) {
    const runbookName = runtime.config.troubleshooting.find((row) => row.id === ROW)?.runbook;
    const configured = configuredAlarm(runtime, event.alarmName);
    return planMemoryRaise({
      observation,
      policy: runtime.env.raiseLambdaMemory,
      resourceState,
      ...(runbookName ? { runbookName } : {}),
      alarm: { alarmName: event.alarmName, ...(configured ? { configured } : {}) },
    });
  },

  async apply(ctx, target, change, observed) {
    // The configuration just observed stands in for the first read when it names a revision and no update in progress:
    // the update is conditioned on that RevisionId, so anything changed since fails it and is re-read below.
    let first: FunctionConfiguration | undefined =
      observed?.functionName === change.functionName && observed.revisionId !== undefined && observed.lastUpdateStatus !== 'InProgress'
        ? { MemorySize: observed.memoryMb, RevisionId: observed.revisionId }
        : undefined;
    for (let attempt = 1; ; attempt += 1) {
      const current = first ?? (await settledConfiguration(ctx, change.functionName));
      first = undefined;
      if (current.MemorySize === change.toMb) return;
      if (current.MemorySize !== change.fromMb) {
        throw new PermanentError(
          `MemorySize of ${change.functionName} changed from ${change.fromMb} to ${current.MemorySize ?? '?'} MB while the automation decided (a deploy?): not overriding it`,
        );
      }
      try {
        // RevisionId: the update fails (PreconditionFailedException) if anything changed the function since this read.
        await ctx.clients.lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: change.functionName,
            MemorySize: change.toMb,
            ...(current.RevisionId ? { RevisionId: current.RevisionId } : {}),
          }),
        );
        return;
      } catch (error) {
        const name = errorName(error);
        if (name === 'PreconditionFailedException' || name === 'ResourceConflictException') {
          // Someone updated the function (a deploy) or an update is still running: re-read, wait, try again, bounded.
          if (attempt < MAX_UPDATE_ATTEMPTS) continue;
          throw new TransientError(`${change.functionName} kept changing under the update (${name} ${attempt} times): retry later`, { cause: error });
        }
        if (isMemoryRefusal(error)) {
          const message = (error as { message?: string }).message ?? '';
          const ceilingMb = memoryCeilingFromRefusal(change.toMb, message, ctx.runtime.env.raiseLambdaMemory.roundUpToMb);
          await ctx.remember?.({ [MEMORY_CEILING_FACT]: ceilingMb, memoryCeilingReason: `${name}: ${message}`.slice(0, 500) });
          throw new PermanentError(
            `AWS refused MemorySize ${change.toMb} MB for ${target.functionName} (${name}: ${message}): this account's ceiling is ${ceilingMb} MB; ` +
              'recorded, the next raise plans within it',
            { cause: error },
          );
        }
        throw classifyAwsError(error, 'Lambda UpdateFunctionConfiguration');
      }
    }
  },

  async verify(ctx, _target, change) {
    const configuration = await settledConfiguration(ctx, change.functionName);
    if (configuration.LastUpdateStatus === 'Failed') {
      throw new PermanentError(`the memory update of ${change.functionName} failed: ${configuration.LastUpdateStatusReason ?? 'no reason given'}`);
    }
    if (configuration.MemorySize !== change.toMb) {
      throw new PermanentError(`MemorySize of ${change.functionName} reads ${configuration.MemorySize ?? '?'} MB, expected ${change.toMb}`);
    }
    return { memoryMb: configuration.MemorySize, lastUpdateStatus: configuration.LastUpdateStatus ?? 'unknown' };
  },

  isApplied(observation, change) {
    return observation.memoryMb === change.toMb;
  },

  settingNow: memorySettingNow,

  health: {
    signal: MEMORY_HEALTH_SIGNAL,
    read(ctx, _target, change, window) {
      if (!ctx.clients.cloudWatch) throw new PermanentError('raise-lambda-memory was built without a CloudWatch client: its health cannot be read');
      return readWindowMetrics(ctx.clients.cloudWatch, memoryHealthMetrics(change), window);
    },
    worse: memoryHealthWorse,
    revertOf: revertMemoryRaise,
    refuseRevert: refuseMemoryRevert,
  },
};
