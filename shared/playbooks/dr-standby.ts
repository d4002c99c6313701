// DR standby -> watch: the playbook module for handler watch-standby (the DR region's replica lag and replicated queue;
// observes, escalates to a person, never changes anything).
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient, type DBInstanceStatusInfo } from '@aws-sdk/client-rds';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { functionNameFromArn, partitionOf } from '../aws/arn';
import { callAws, classifyAwsError, errorName, isTransientAwsError } from '../aws/classify-error';
import { readMetricData } from '../aws/metric-data';
import { InvalidInputError, PermanentError } from '../errors';
import { primaryMetric } from '../events/primary-metric';
import type { Playbook, PlaybookContext, ResourceRef } from '../pipeline/types';
import { settle, settledAll, settledValue } from '../settled';
import { metricWindow } from './metric-window';
import { planStandbyWatch, type MetricFigures, type NoStandbyChange, type ReplicationStatus, type StandbyObservation, type StandbyTrigger } from './dr-standby-plan';

export interface StandbyClients {
  cloudWatch: CloudWatchClient;
  rds: RDSClient;
  sqs: SQSClient;
  lambda: LambdaClient;
}

export interface StandbyTarget {
  resource: ResourceRef;
  trigger: StandbyTrigger;
  replicaIdentifier: string;
  /** The replicated queues (the environment's queues, in this region). */
  queues: string[];
  account: string;
}

type Ctx = PlaybookContext<StandbyClients>;

const ROW = 'dr-standby';
const HANDLER = 'watch-standby';
const QUEUE_TRIGGERS: Readonly<Record<string, StandbyTrigger>> = {
  ApproximateNumberOfMessagesVisible: 'queue-depth',
  ApproximateAgeOfOldestMessage: 'queue-age',
};

const NOT_FOUND = new Set(['DBInstanceNotFound', 'DBInstanceNotFoundFault', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

/**
 * A read whose "not found" is news for the decision (the standby is missing), any other failure the pipeline's
 * (classified as callAws does). The SDK's error is judged before it is classified: callAws's PermanentError carries the
 * name only in its cause, so a "not found" judged after it was never seen and the missing standby failed the run.
 */
async function orMissing<T>(operation: string, send: () => Promise<T>): Promise<{ value: T } | { missing: string }> {
  try {
    return { value: await send() };
  } catch (error) {
    if (!isTransientAwsError(error) && NOT_FOUND.has(errorName(error))) return { missing: `${operation}: ${errorName(error)}` };
    throw classifyAwsError(error, operation);
  }
}

interface SeriesQuery {
  key: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** Maximum per minute of each series over the window, in one GetMetricData call (paged): latest and highest. */
async function readMaxima(ctx: Ctx, series: readonly SeriesQuery[], window: { from: Date; to: Date }): Promise<Map<string, MetricFigures>> {
  const queries: MetricDataQuery[] = series.map((s, i) => ({
    Id: `s${i}`,
    MetricStat: {
      Metric: { Namespace: s.namespace, MetricName: s.metricName, Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: 60,
      Stat: 'Maximum',
    },
    ReturnData: true,
  }));
  // Every page, and only a complete answer: a series CloudWatch could not give whole fails the read (readMetricData).
  const read = await readMetricData(ctx.clients.cloudWatch, queries, window);
  const figures = new Map<string, MetricFigures>();
  series.forEach((s, i) => {
    const values = read.get(`s${i}`)?.values ?? [];
    const latest = values.at(-1);
    // Oldest first: the last value is the latest.
    figures.set(s.key, latest === undefined ? { datapoints: 0 } : { latest, max: Math.max(...values), datapoints: values.length });
  });
  return figures;
}

/**
 * The replica's read replication as RDS reports it (DBInstance.StatusInfos, StatusType "read replication"; RDS API
 * reference DBInstanceStatusInfo): DBInstanceStatus can read `available` while replication is in `error` or `stopped`.
 */
function replicationOf(infos: readonly DBInstanceStatusInfo[] | undefined): { replication?: ReplicationStatus } {
  const info = (infos ?? []).find((i) => i.StatusType === 'read replication');
  if (info === undefined) return {};
  return {
    replication: {
      status: info.Status ?? 'unknown',
      ...(info.Normal !== undefined ? { normal: info.Normal } : {}),
      ...(info.Message ? { message: info.Message.replace(/\s+/g, ' ').slice(0, 300) } : {}),
    },
  };
}

/** The event source mappings reading from one queue (paged). */
async function listMappings(ctx: Ctx, eventSourceArn: string): Promise<Array<{ uuid: string; functionName: string; state: string }>> {
  const mappings = [];
  let marker: string | undefined;
  do {
    const page = await callAws('Lambda ListEventSourceMappings', () =>
      ctx.clients.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: eventSourceArn, Marker: marker })),
    );
    for (const m of page.EventSourceMappings ?? []) mappings.push({ uuid: m.UUID ?? '', functionName: functionNameFromArn(m.FunctionArn ?? ''), state: m.State ?? 'Unknown' });
    marker = page.NextMarker;
  } while (marker);
  return mappings;
}

export const standbyPlaybook: Playbook<StandbyClients, StandbyTarget, StandbyObservation, NoStandbyChange> = {
  name: HANDLER,
  row: ROW,
  actsOn: ['ALARM'],
  actions: [
    'cloudwatch:DescribeAlarms',
    'cloudwatch:GetMetricData',
    'rds:DescribeDBInstances',
    'sqs:GetQueueUrl',
    'sqs:GetQueueAttributes',
    'lambda:ListEventSourceMappings',
  ],
  createClients: (config, shared) => ({ cloudWatch: shared.cloudWatch, rds: new RDSClient(config), sqs: new SQSClient(config), lambda: new LambdaClient(config) }),

  resolveTarget(event, runtime) {
    if (runtime.regionRole !== 'dr') {
      throw new InvalidInputError(`${HANDLER} watches the DR region's standby; ${runtime.region} is a primary region of ${runtime.environment}`);
    }
    const dr = runtime.env.disasterRecovery;
    if (!dr) throw new InvalidInputError(`${runtime.environment} has no disasterRecovery configuration: ${HANDLER} has no standby to watch`);
    const metric = primaryMetric(event);
    if (!metric) {
      throw new InvalidInputError(`alarm "${event.alarmName}" is a ${event.kind} alarm without a metric: ${HANDLER} needs the replica's ReplicaLag or the replicated queue's alarms`);
    }
    const partition = partitionOf(runtime.region);
    const base = { replicaIdentifier: dr.replicaIdentifier, queues: [...runtime.env.resources.queues], account: event.account };
    const db = metric.dimensions.DBInstanceIdentifier;
    if (metric.namespace === 'AWS/RDS' && metric.metricName === 'ReplicaLag' && db !== undefined) {
      if (db !== dr.replicaIdentifier) {
        throw new InvalidInputError(`alarm "${event.alarmName}" watches ${db}, not the ${runtime.environment} cross-region replica ${dr.replicaIdentifier}`);
      }
      return { ...base, trigger: 'replica-lag', resource: { type: 'rds-db-instance', id: db, arn: `arn:${partition}:rds:${runtime.region}:${event.account}:db:${db}` } };
    }
    const queue = metric.dimensions.QueueName;
    const trigger = metric.metricName !== undefined ? QUEUE_TRIGGERS[metric.metricName] : undefined;
    if (metric.namespace === 'AWS/SQS' && queue !== undefined && trigger !== undefined) {
      if (!base.queues.includes(queue)) {
        throw new InvalidInputError(`queue ${queue} is not one of the ${runtime.environment} queues this automation owns (${base.queues.join(', ') || 'none'})`);
      }
      return { ...base, trigger, resource: { type: 'sqs-queue', id: queue, arn: `arn:${partition}:sqs:${runtime.region}:${event.account}:${queue}` } };
    }
    throw new InvalidInputError(
      `alarm "${event.alarmName}" watches ${metric.namespace ?? '?'} ${metric.metricName ?? metric.expression ?? '?'} ${JSON.stringify(metric.dimensions)}: ` +
        `${HANDLER} handles the replica's AWS/RDS ReplicaLag and the replicated queue's ApproximateNumberOfMessagesVisible / ApproximateAgeOfOldestMessage`,
    );
  },

  async observe(ctx, target) {
    const windowMinutes = ctx.runtime.env.disasterRecovery?.standbyWatch.windowMinutes ?? 15;
    const window = metricWindow(ctx.clock.now(), windowMinutes);
    const series: SeriesQuery[] = [
      { key: 'lag', namespace: 'AWS/RDS', metricName: 'ReplicaLag', dimensions: { DBInstanceIdentifier: target.replicaIdentifier } },
      ...target.queues.flatMap((q) => [
        { key: `depth:${q}`, namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: q } },
        { key: `age:${q}`, namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: q } },
      ]),
    ];
    const readReplica = () =>
      orMissing('RDS DescribeDBInstances', () => ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.replicaIdentifier })));
    const readQueue = async (name: string) => {
      // The mappings' read needs only the queue's ARN, which its name, account and region give (SQS's own form, as
      // resolveTarget builds it): it starts with GetQueueUrl instead of after GetQueueAttributes (two round trips, not three). SQS's
      // answer stays the authority: a queue whose QueueArn is another has its mappings read again by that one (the read
      // made ahead dropped, failure included), and a missing queue drops it. Nothing is left running: the read made
      // ahead settles (it never throws) before anything is returned or thrown. Failures are thrown in the order the reads
      // were once made one after another: GetQueueUrl, GetQueueAttributes, ListEventSourceMappings.
      const builtArn = `arn:${partitionOf(ctx.runtime.region)}:sqs:${ctx.runtime.region}:${target.account}:${name}`;
      const ahead = settle(listMappings(ctx, builtArn));
      let arn: string;
      let visible: string | undefined;
      try {
        const url = await orMissing('SQS GetQueueUrl', () => ctx.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: target.account })));
        if ('missing' in url) return { name, missing: url.missing };
        const attributes = await callAws('SQS GetQueueAttributes', () =>
          ctx.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url.value.QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'] })),
        );
        const queueArn = attributes.Attributes?.QueueArn;
        if (!queueArn) throw new PermanentError(`SQS GetQueueAttributes returned no QueueArn for ${name}`);
        arn = queueArn;
        visible = attributes.Attributes?.ApproximateNumberOfMessages;
      } finally {
        await ahead;
      }
      const mappings = arn === builtArn ? settledValue(await ahead) : await listMappings(ctx, arn);
      return { name, ...(visible !== undefined ? { visibleNow: Number(visible) } : {}), mappings };
    };
    // Independent reads at once: the metrics, the replica, each queue (its URL, then its attributes) with its mappings.
    // All settle before anything is returned or thrown; the first failure in that order is thrown.
    const [maxima, replica, queues] = await settledAll(readMaxima(ctx, series, window), readReplica(), settledAll(...target.queues.map(readQueue)));
    const none: MetricFigures = { datapoints: 0 };
    const instance = 'value' in replica ? replica.value.DBInstances?.[0] : undefined;
    return {
      environment: ctx.runtime.environment,
      region: ctx.runtime.region,
      windowMinutes,
      replica: instance
        ? {
            status: 'found',
            identifier: target.replicaIdentifier,
            instanceStatus: instance.DBInstanceStatus ?? 'unknown',
            ...(instance.ReadReplicaSourceDBInstanceIdentifier ? { source: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
            ...replicationOf(instance.StatusInfos),
            lagSeconds: maxima.get('lag') ?? none,
          }
        : { status: 'missing', identifier: target.replicaIdentifier, reason: 'missing' in replica ? replica.missing : 'RDS DescribeDBInstances returned no instance' },
      queues: queues.map((q) => ({
        name: q.name,
        ...('missing' in q ? { missing: q.missing ?? '' } : {}),
        ...('visibleNow' in q && q.visibleNow !== undefined ? { visibleNow: q.visibleNow } : {}),
        depth: maxima.get(`depth:${q.name}`) ?? none,
        oldestAgeSeconds: maxima.get(`age:${q.name}`) ?? none,
        mappings: 'mappings' in q ? q.mappings : [],
      })),
    };
  },

  plan({ target, observation, runtime }) {
    const row = runtime.config.troubleshooting.find((r) => r.id === ROW);
    const watch = runtime.env.disasterRecovery?.standbyWatch;
    return planStandbyWatch({
      observation,
      trigger: target.trigger,
      thresholds: {
        replicaLagSeconds: row?.detection.threshold ?? 300,
        queueMessages: watch?.queueMessages ?? 1000,
        oldestMessageAgeSeconds: watch?.oldestMessageAgeSeconds ?? 3600,
      },
      ...(row?.runbook ? { runbookName: row.runbook } : {}),
      consumers: runtime.env.resources.functions,
    });
  },

  apply() {
    return Promise.reject(new PermanentError(`${HANDLER} never changes anything`));
  },

  verify() {
    return Promise.reject(new PermanentError(`${HANDLER} never changes anything`));
  },

  isApplied() {
    return false;
  },
};
