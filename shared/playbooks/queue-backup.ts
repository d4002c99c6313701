// Queue Backup (Messages > 1000) -> scale consumers: the playbook module for handler scale-consumers.
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetEventSourceMappingCommand,
  GetFunctionConcurrencyCommand,
  ListEventSourceMappingsCommand,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
  LambdaClient,
  type EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { functionNameFromArn, partitionOf } from '../aws/arn';
import { callAws, isTransientAwsError } from '../aws/classify-error';
import { readMetricData } from '../aws/metric-data';
import { alarmSpecsOf, restoreSignalNamed } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError, PermanentError } from '../errors';
import { primaryMetric } from '../events/primary-metric';
import type { Playbook, PlaybookContext, ResourceRef } from '../pipeline/types';
import { configuredAlarm, type ConfiguredAlarm } from './alarm-corroboration';
import { readAlarmMetricFor } from './alarm-metric-reading';
import { saturatedDatabase } from './consult-db-saturation';
import { readWindowMetrics } from './metric-window';
import { refuseAlarmOfAnotherRegion } from './region-target';
import { regionServingSource } from '../pipeline/region-serving-source';
import { CONSUMER_HEALTH_SIGNAL, consumerHealthMetrics, consumerHealthWorse, refuseConsumerRevert, revertConsumerScaling, consumerSettingNow } from './queue-backup-health';
import { planConsumerScaling, type ConsumerScalingChange, type QueueBackupObservation, type QueueLowWater } from './queue-backup-plan';

export interface QueueBackupClients {
  sqs: SQSClient;
  lambda: LambdaClient;
  cloudWatch: CloudWatchClient;
}

export interface QueueTarget {
  resource: ResourceRef;
  queueName: string;
  queueArn: string;
  account: string;
  /** The queue's URL as GetQueueUrl answered it with the claim (address, decision 216); absent: observe asks for it. */
  queueUrl?: string;
}

type Ctx = PlaybookContext<QueueBackupClients>;

/** The alarms deployed in the handler's region, as infra and the sandbox deploy them (pure configuration). */
const regionAlarms = (runtime: RuntimeConfig) => alarmSpecsOf(runtime.config, runtime.environment, runtime.region);

/** The queue's low watermark and its alarm in this region (decision 185), or undefined where no `lowWater` is configured. */
export function queueLowWater(runtime: RuntimeConfig, queueName: string): QueueLowWater | undefined {
  const spec = regionAlarms(runtime).find((s) => s.restoreSignal === true && s.metric.kind === 'single' && s.metric.metric.dimensions.QueueName === queueName);
  return spec ? { messages: spec.threshold, evaluationMinutes: spec.evaluationPeriods, alarmName: spec.name } : undefined;
}

const configuredField = (configured: ConfiguredAlarm | undefined): { configured?: ConfiguredAlarm } => (configured ? { configured } : {});

const SETTLE_POLLS = 20;
const SETTLE_INTERVAL_MS = 500;

async function listMappings(ctx: Ctx, queueArn: string): Promise<EventSourceMappingConfiguration[]> {
  const mappings: EventSourceMappingConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await callAws('Lambda ListEventSourceMappings', () =>
      ctx.clients.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queueArn, Marker: marker })),
    );
    mappings.push(...(page.EventSourceMappings ?? []));
    marker = page.NextMarker;
  } while (marker);
  return mappings;
}

type ErrorRates = Record<string, { errors?: number; invocations?: number }>;
/** No error rates read: a restore does not weigh them (decision 249). */
const NO_RATES: ErrorRates = {};

async function readErrorRates(ctx: Ctx, functionNames: string[]): Promise<ErrorRates> {
  if (functionNames.length === 0) return {};
  const windowMinutes = ctx.runtime.env.scaleConsumers.errorRateWindowMinutes;
  // Periods aligned to whole minutes, the window ending at the next boundary so the current minute counts.
  const end = new Date(Math.ceil((ctx.clock.now().getTime() + 1) / 60_000) * 60_000);
  const queries: MetricDataQuery[] = functionNames.flatMap((name, i) =>
    (['Errors', 'Invocations'] as const).map((metric) => ({
      Id: `${metric.toLowerCase()}${i}`,
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: name }] },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: true,
    })),
  );
  // Every page, and only a complete answer: a consumer's errors CloudWatch could not give whole are not "no errors".
  const series = await readMetricData(ctx.clients.cloudWatch, queries, { from: new Date(end.getTime() - windowMinutes * 60_000), to: end });
  const sums = new Map([...series].map(([id, points]) => [id, points.values.length ? points.values.reduce((a, b) => a + b, 0) : undefined]));
  return Object.fromEntries(functionNames.map((name, i) => [name, { errors: sums.get(`errors${i}`), invocations: sums.get(`invocations${i}`) }]));
}

async function queueUrlOf(ctx: Pick<Ctx, 'clients'>, target: QueueTarget): Promise<string | undefined> {
  const { QueueUrl } = await callAws('SQS GetQueueUrl', () =>
    ctx.clients.sqs.send(new GetQueueUrlCommand({ QueueName: target.queueName, QueueOwnerAWSAccountId: target.account })),
  );
  return QueueUrl;
}

/** Each function's error rate (Errors, Invocations) and reserved concurrency: one GetMetricData and one call per function, at once. */
async function readFunctions(ctx: Ctx, functionNames: readonly string[], withRates: boolean): Promise<QueueBackupObservation['functions']> {
  const [rates, concurrencies] = await Promise.all([
    withRates ? readErrorRates(ctx, [...functionNames]) : Promise.resolve(NO_RATES),
    Promise.all(
      functionNames.map((name) =>
        callAws('Lambda GetFunctionConcurrency', () => ctx.clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))),
      ),
    ),
  ]);
  const functions: QueueBackupObservation['functions'] = {};
  functionNames.forEach((name, i) => {
    const reserved = concurrencies[i]?.ReservedConcurrentExecutions;
    functions[name] = { ...rates[name], ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}) };
  });
  return functions;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * The owned functions' figures, read before the mappings answer which functions consume the queue (decision 216). The
 * mappings stay the authority: when every function they name was read ahead, those figures are used (only the named
 * ones); otherwise the named functions are read again and the read made ahead is dropped, its failure included. Each
 * function's GetFunctionConcurrency settles on its own, and only the failure of a function the mappings name is thrown:
 * an owned function that does not consume this queue (deleted, not deployed in this region, denied) does not fail the
 * scale-up (R14-9). The error rates are one GetMetricData for all owned functions: when it failed and every owned
 * function is named, its failure is thrown as read; when it failed and some owned function is not named, the named
 * functions' rates are read again on their own, and that read's failure is thrown (decision 234). Either way the read made ahead
 * has settled before `use` answers or throws, so none is left running.
 */
function readAhead(
  ctx: Ctx,
  owned: readonly string[],
  withRates: boolean,
): { settled: Promise<unknown>; use(functionNames: readonly string[]): Promise<QueueBackupObservation['functions']> } {
  // Without rates (a restore: only a scale-up weighs the consumers' errors, decision 249) the GetMetricData is not made.
  const rates = withRates ? settle(readErrorRates(ctx, [...owned])) : Promise.resolve({ ok: true as const, value: NO_RATES });
  const concurrencies = owned.map((name) =>
    settle(callAws('Lambda GetFunctionConcurrency', () => ctx.clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })))),
  );
  const ahead = Promise.all([rates, Promise.all(concurrencies)]);
  return {
    settled: ahead,
    async use(functionNames) {
      const [readRates, readConcurrencies] = await ahead;
      if (functionNames.length === 0) return {};
      if (!functionNames.every((name) => owned.includes(name))) return readFunctions(ctx, functionNames, withRates);
      const reserved: Record<string, number | undefined> = {};
      for (const name of functionNames) {
        const concurrency = readConcurrencies[owned.indexOf(name)];
        if (concurrency === undefined) throw new PermanentError(`function ${name}: no concurrency read made ahead`);
        if (!concurrency.ok) throw concurrency.error;
        reserved[name] = concurrency.value.ReservedConcurrentExecutions;
      }
      // A failed read of every owned function's rates is a failure of the named ones' (they are all named): thrown as
      // read, so a transient error is retried by Lambda and a permanent one escalated naming the series, exactly as
      // without the read ahead. Only when owned functions the mappings do not name were in it is it read again for the
      // named ones alone (their failure thrown then).
      if (!readRates.ok && owned.every((name) => functionNames.includes(name))) throw readRates.error;
      const named = readRates.ok ? readRates.value : await readErrorRates(ctx, [...functionNames]);
      return Object.fromEntries(
        functionNames.map((name) => {
          const r = reserved[name];
          return [name, { ...named[name], ...(r !== undefined ? { reservedConcurrency: r } : {}) }];
        }),
      );
    },
  };
}

async function waitForMapping(ctx: Ctx, uuid: string, expected: number): Promise<number | undefined> {
  let last: EventSourceMappingConfiguration | undefined;
  for (let poll = 0; poll < SETTLE_POLLS; poll += 1) {
    last = await callAws('Lambda GetEventSourceMapping', () => ctx.clients.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })));
    if (last.State !== 'Updating' && last.ScalingConfig?.MaximumConcurrency === expected) return expected;
    await ctx.clock.sleep(SETTLE_INTERVAL_MS);
  }
  throw new PermanentError(
    `event source mapping ${uuid} did not settle at MaximumConcurrency ${expected} (state ${last?.State}, MaximumConcurrency ${last?.ScalingConfig?.MaximumConcurrency})`,
  );
}

export const queueBackupPlaybook: Playbook<QueueBackupClients, QueueTarget, QueueBackupObservation, ConsumerScalingChange> = {
  name: 'scale-consumers',
  row: 'queue-backup',
  actsOn: ['ALARM', 'OK'],
  // The low-water alarm's ALARM (the queue reached the watermark in the last minutes: a backlog or its tail) is no signal:
  // only its OK (under the watermark for N minutes) restores (decisions 185, 205).
  ignores: (event, runtime) =>
    event.state.value !== 'OK' && restoreSignalNamed(regionAlarms(runtime), event.alarmName)
      ? `"${event.alarmName}" is the queue's low-water alarm: its ${event.state.value} (the queue at or above the watermark in its last minutes) restores nothing; scale-consumers acts on its OK only`
      : undefined,
  createClients: (config, shared) => ({ sqs: new SQSClient(config), lambda: shared.lambda ?? new LambdaClient(config), cloudWatch: shared.cloudWatch }),
  // A change in the DR region waits for that region to serve (FailoverToDR has run there: decision 123).
  regionServing: regionServingSource,
  actions: [
    'cloudwatch:DescribeAlarms',
    'cloudwatch:GetMetricData',
    'sqs:GetQueueUrl',
    'sqs:GetQueueAttributes',
    'lambda:ListEventSourceMappings',
    'lambda:GetEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
    'lambda:GetFunctionConcurrency',
    'lambda:PutFunctionConcurrency',
    'lambda:DeleteFunctionConcurrency',
    'lambda:GetAccountSettings',
  ],

  resolveTarget(event, runtime) {
    // In the DR region: that region's replicated queue and its DR consumers, by the configured names (decision 123).
    refuseAlarmOfAnotherRegion(event, runtime, 'scale-consumers');
    const metric = primaryMetric(event);
    if (!metric) {
      throw new InvalidInputError(
        `alarm "${event.alarmName}" is a ${event.kind} alarm without a metric: scale-consumers needs an AWS/SQS ApproximateNumberOfMessagesVisible alarm with a QueueName dimension`,
      );
    }
    const queueName = metric.dimensions.QueueName;
    if (metric.namespace !== 'AWS/SQS' || !queueName) {
      throw new InvalidInputError(
        `alarm "${event.alarmName}" watches ${metric.namespace ?? '?'} ${metric.metricName ?? metric.expression ?? '?'}: scale-consumers acts on AWS/SQS queue-depth alarms with a QueueName dimension`,
      );
    }
    if (!runtime.env.resources.queues.includes(queueName)) {
      throw new InvalidInputError(
        `queue ${queueName} is not one of the ${runtime.environment} queues this automation owns (${runtime.env.resources.queues.join(', ') || 'none'})`,
      );
    }
    const queueArn = `arn:${partitionOf(runtime.region)}:sqs:${runtime.region}:${event.account}:${queueName}`;
    return { resource: { type: 'sqs-queue-consumers', id: queueName, arn: queueArn }, queueName, queueArn, account: event.account };
  },

  // The queue's URL, asked for with the claim: GetQueueAttributes needs it, and SQS is the one to give it (decision 103).
  async address(ctx, target) {
    return { ...target, queueUrl: await queueUrlOf(ctx, target) };
  },

  async observe(ctx, target, event) {
    // Independent reads at once: the queue's depth, the mappings, the error rates and reserved concurrency of the
    // functions the environment owns (read ahead: the mappings say which functions consume the queue), the account's
    // concurrency and the database's saturation: one round trip when the URL was read with the claim and the mappings
    // name owned functions only (decision 216), else two.
    // An OK (the low-water alarm's, or the depth alarm's: either may restore) is corroborated by the alarm's own metric
    // (decisions 249, 263), which takes the place of the error rates in the one GetMetricData: a restore does not weigh the
    // consumers' errors (only a scale-up does).
    const restoreSignal = event !== undefined && restoreSignalNamed(regionAlarms(ctx.runtime), event.alarmName) !== undefined;
    const atOk = event?.state.value === 'OK';
    const consumers = readAhead(ctx, ctx.runtime.env.resources.functions, !atOk);
    const readDepth = async (): Promise<string | undefined> => {
      const QueueUrl = target.queueUrl ?? (await queueUrlOf(ctx, target));
      const attributes = await callAws('SQS GetQueueAttributes', () =>
        ctx.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })),
      );
      return attributes.Attributes?.ApproximateNumberOfMessages;
    };
    const readConsumers = async (): Promise<Pick<QueueBackupObservation, 'mappings' | 'functions'>> => {
      const listed = await listMappings(ctx, target.queueArn).catch(async (error: unknown) => {
        await consumers.settled;
        throw error;
      });
      const mappings = listed.map((m) => ({
        uuid: m.UUID ?? '',
        functionName: functionNameFromArn(m.FunctionArn ?? ''),
        state: m.State ?? 'Unknown',
        ...(m.ScalingConfig?.MaximumConcurrency !== undefined ? { maximumConcurrency: m.ScalingConfig.MaximumConcurrency } : {}),
      }));
      const functionNames = [...new Set(mappings.map((m) => m.functionName))];
      const functions = await consumers.use(functionNames);
      return { mappings, functions };
    };
    const readAccount = async (): Promise<QueueBackupObservation['account']> => {
      try {
        const settings = await ctx.clients.lambda.send(new GetAccountSettingsCommand({}));
        if (settings.AccountLimit?.ConcurrentExecutions !== undefined && settings.AccountLimit.UnreservedConcurrentExecutions !== undefined) {
          return {
            concurrentExecutions: settings.AccountLimit.ConcurrentExecutions,
            unreservedConcurrentExecutions: settings.AccountLimit.UnreservedConcurrentExecutions,
          };
        }
      } catch (error) {
        // Without account settings the plan never raises reserved concurrency; only a retryable failure stops the run.
        if (isTransientAwsError(error)) throw error;
      }
      return undefined;
    };
    // Cross-playbook: more consumers open more database connections; check-db-connections' reading says if that hurts.
    // The depth alarm's own metric goes with them (decision 217) for a scale-up (a depth alarm's ALARM), and the alarm's
    // own for a restore at its OK (decisions 249, 263).
    const scalingUp = event !== undefined && event.state.value === 'ALARM' && !restoreSignal;
    const [depth, { mappings, functions }, account, dbSaturation, alarmMetric] = await Promise.all([
      readDepth(),
      readConsumers(),
      readAccount(),
      saturatedDatabase(ctx, target.account),
      scalingUp || atOk ? readAlarmMetricFor(ctx.clients.cloudWatch, ctx.runtime, event, ctx.clock.now(), { toQueryDate: atOk }) : Promise.resolve(undefined),
    ]);
    return {
      queueName: target.queueName,
      ...(depth !== undefined ? { queueDepth: Number(depth) } : {}),
      mappings,
      functions,
      ...(account ? { account } : {}),
      ...(dbSaturation ? { dbSaturation } : {}),
      ...(alarmMetric ? { alarmMetric } : {}),
    };
  },

  plan({ event, target, observation, runtime, resourceState }) {
    const lowWater = queueLowWater(runtime, target.queueName);
    return planConsumerScaling({
      state: event.state.value,
      // The restore signal by its name among the alarms deployed here: any other alarm on the queue is a depth alarm.
      signal: restoreSignalNamed(regionAlarms(runtime), event.alarmName) ? 'low-water' : 'depth',
      observation,
      policy: runtime.env.scaleConsumers,
      resourceState,
      ...(lowWater ? { lowWater } : {}),
      // The depth alarm as the configuration defines it (decision 217): the depth now, or CloudWatch, must bear it out.
      alarm: { alarmName: event.alarmName, ...configuredField(configuredAlarm(runtime, event.alarmName)) },
    });
  },

  async apply(ctx, _target, change) {
    const raises = change.reservedConcurrency.filter((r) => r.to === null || r.from === null || r.to > r.from);
    const lowers = change.reservedConcurrency.filter((r) => !raises.includes(r));
    const setReserved = async (functionName: string, to: number | null): Promise<void> => {
      if (to === null) {
        await callAws('Lambda DeleteFunctionConcurrency', () => ctx.clients.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName })));
      } else {
        await callAws('Lambda PutFunctionConcurrency', () =>
          ctx.clients.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: to })),
        );
      }
    };
    const setMapping = (uuid: string, to: number): Promise<unknown> =>
      callAws('Lambda UpdateEventSourceMapping', () =>
        ctx.clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ScalingConfig: { MaximumConcurrency: to } })),
      );
    const reserved = (r: ConsumerScalingChange['reservedConcurrency'][number]) => ({
      what: `reserved concurrency of ${r.functionName} ${r.from ?? 'unreserved'} -> ${r.to ?? 'unreserved'}`,
      run: () => setReserved(r.functionName, r.to),
      undo: () => setReserved(r.functionName, r.from),
    });
    // Room first (reserved concurrency up), then consumers; on the way down the reverse, so no step throttles the consumer.
    const steps = [
      ...raises.map(reserved),
      ...change.mappings.map((m) => ({ what: `mapping ${m.uuid} ${m.from} -> ${m.to}`, run: () => setMapping(m.uuid, m.to), undo: () => setMapping(m.uuid, m.from) })),
      ...lowers.map(reserved),
    ];
    const done: typeof steps = [];
    try {
      for (const step of steps) {
        await step.run();
        done.push(step);
      }
    } catch (error) {
      // A transient failure is finished by the retry (the intent is recorded); a permanent one must not leave half a change.
      if (!(error instanceof PermanentError) || done.length === 0) throw error;
      const stuck: string[] = [];
      for (const step of done.reverse()) await step.undo().catch((undoError: unknown) => stuck.push(`${step.what} (${(undoError as Error).message})`));
      if (stuck.length === 0) throw new PermanentError(`${error.message}; the steps already made were undone`, { cause: error });
      throw new PermanentError(`${error.message}; could not undo, left changed: ${stuck.join('; ')}`, { cause: error });
    }
  },

  async verify(ctx, _target, change) {
    const maximumConcurrency: Record<string, number | undefined> = {};
    for (const m of change.mappings) maximumConcurrency[m.uuid] = await waitForMapping(ctx, m.uuid, m.to);
    const reservedConcurrency: Record<string, number | null> = {};
    for (const r of change.reservedConcurrency) {
      const read = await callAws('Lambda GetFunctionConcurrency', () =>
        ctx.clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: r.functionName })),
      );
      const value = read.ReservedConcurrentExecutions ?? null;
      if (value !== r.to) throw new PermanentError(`reserved concurrency of ${r.functionName} reads ${value}, expected ${r.to}`);
      reservedConcurrency[r.functionName] = value;
    }
    return { maximumConcurrency, reservedConcurrency };
  },

  isApplied(observation, change) {
    return (
      // Only this queue's consumers: a mapping as observed (same function), and reserved concurrency of a function whose
      // mapping reads this queue. A change naming anything else (read back from the state table) is not this queue's.
      change.mappings.every((c) => {
        const seen = observation.mappings.find((m) => m.uuid === c.uuid);
        return seen !== undefined && seen.functionName === c.functionName && seen.maximumConcurrency === c.to;
      }) &&
      change.reservedConcurrency.every((r) => Object.hasOwn(observation.functions, r.functionName) && (observation.functions[r.functionName]?.reservedConcurrency ?? null) === r.to)
    );
  },

  settingNow: consumerSettingNow,

  health: {
    signal: CONSUMER_HEALTH_SIGNAL,
    read: (ctx, _target, change, window) => readWindowMetrics(ctx.clients.cloudWatch, consumerHealthMetrics(change), window),
    worse: consumerHealthWorse,
    revertOf: revertConsumerScaling,
    refuseRevert: refuseConsumerRevert,
  },
};
