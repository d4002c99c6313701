// Plays CloudWatch for the sandbox's SQS queue-depth alarms: samples the queue, sets the alarm state, emits the EventBridge
// state change and runs the new state's SNS actions (sandbox/alarm-actions.ts).
import { createHash } from 'node:crypto';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  paginateDescribeAlarms,
  type MetricAlarm,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { partitionOf } from '../shared/aws/arn';
import type { TreatMissingData } from '../shared/config/alarm-specs';
import { EVALUATION_RANGE_EXTRA_PERIODS, evaluateAlarmRange } from '../shared/playbooks/alarm-corroboration';
import type { AlarmStateValue } from '../shared/events/alarm-event';
import { alarmNotifications, runAlarmActions } from './alarm-actions';
import type { SandboxClientConfig } from './provision';
import type { ErrorOnceLog } from './sandbox-tick';
import type { Topology } from './topology';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';

export interface AlarmTransition {
  alarmName: string;
  from: string;
  to: AlarmStateValue;
  /** The queue depth this evaluation sampled; null when the queue could not be read (no datapoint). */
  value: number | null;
  /** The "CloudWatch Alarm State Change" event as put on the default bus, with the id EventBridge gave it. */
  event: Record<string, unknown>;
}

export interface AlarmEvaluator {
  /** One evaluation period for every queue-depth alarm: returns the alarms that changed state. */
  evaluateOnce(): Promise<AlarmTransition[]>;
}

export interface AlarmEvaluatorOptions {
  clientConfig: SandboxClientConfig;
  /** What the evaluator reads of the topology: the account, and the URLs of the queues it provisioned. */
  topology: Pick<Topology, 'accountId' | 'queue' | 'deadLetterQueue'>;
  now?: () => Date;
  /**
   * Each evaluateOnce is the next CloudWatch minute (review 14 R14-6): its samples are published, and its reasonData's
   * queryDate stamped, a minute after the previous evaluation's, whatever real time passed. The first is at the minute
   * after the next one of `now()` (plus 30 s), so no datapoint a caller put before it shares one of its minutes. For
   * callers that play a minute per evaluation (tests, the demo): scale-consumers corroborates a restore with the
   * low-water alarm's per-minute datapoints (decision 249), which evaluations seconds apart would put in one minute.
   * The state change itself is stamped by the emulator (real time), as CloudWatch stamps it.
   */
  minutePerEvaluation?: boolean;
  /**
   * Where one alarm's failure (an AWS error while sampling or setting it) goes. With it, the other alarms are still
   * evaluated; without it, evaluateOnce throws the first failure, as before.
   */
  errors?: ErrorOnceLog;
}

export interface AlarmStateSnapshot {
  value: string;
  reason: string;
  /** CloudWatch's StateReasonData: a JSON string. */
  reasonData?: string;
  timestamp: Date | string;
}

export interface BuildAlarmStateChangeEventArgs {
  /** The alarm as DescribeAlarms returns it. */
  alarm: MetricAlarm;
  account: string;
  region: string;
  previous: AlarmStateSnapshot;
  current: AlarmStateSnapshot & { reasonData: string };
  /** The event id; EventBridge assigns its own on PutEvents. Defaults to one derived from the alarm and the state's timestamp. */
  id?: string;
}

const SOURCE = 'aws.cloudwatch';
const DETAIL_TYPE = 'CloudWatch Alarm State Change';
const QUEUE_NAMESPACE = 'AWS/SQS';
const QUEUE_DEPTH_METRIC = 'ApproximateNumberOfMessagesVisible';

/** CloudWatch writes event timestamps with milliseconds and a "+0000" offset: 2019-10-02T17:04:40.989+0000. */
function cloudWatchTimestamp(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(Date.parse(at)) : at;
  // A string that is not a date is passed through for the event parser to reject, not silently replaced.
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString().replace('Z', '+0000');
}

/** EventBridge's envelope time has whole seconds: 2019-10-02T17:04:40Z. */
function envelopeTime(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(Date.parse(at)) : at;
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stable UUID-shaped id (CloudWatch and EventBridge ids are UUIDs) from a seed string. */
function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function dimensionsOf(dimensions: ReadonlyArray<{ Name?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((dimensions ?? []).flatMap((d) => (d.Name !== undefined && d.Value !== undefined ? [[d.Name, d.Value]] : [])));
}

function alarmArnOf(alarm: MetricAlarm, account: string, region: string): string {
  return alarm.AlarmArn ?? `arn:${partitionOf(region)}:cloudwatch:${region}:${account}:alarm:${alarm.AlarmName ?? ''}`;
}

function configurationMetric(query: MetricDataQuery): Record<string, unknown> {
  const stat = query.MetricStat;
  return {
    ...(query.Expression !== undefined ? { expression: query.Expression } : {}),
    id: query.Id,
    ...(query.Label !== undefined ? { label: query.Label } : {}),
    ...(stat
      ? {
          metricStat: {
            metric: { dimensions: dimensionsOf(stat.Metric?.Dimensions), name: stat.Metric?.MetricName, namespace: stat.Metric?.Namespace },
            period: stat.Period,
            stat: stat.Stat,
            ...(stat.Unit !== undefined ? { unit: stat.Unit } : {}),
          },
        }
      : {}),
    ...(stat === undefined && query.Period !== undefined ? { period: query.Period } : {}),
    // PutMetricAlarm: ReturnData defaults to true.
    returnData: query.ReturnData ?? true,
  };
}

/** detail.configuration of a metric alarm's event: its description and its metrics, as the documented examples show them. */
function configurationOf(alarm: MetricAlarm, alarmArn: string): Record<string, unknown> {
  const metrics =
    alarm.Metrics && alarm.Metrics.length > 0
      ? alarm.Metrics.map(configurationMetric)
      : [
          {
            // A single-metric alarm has no metric ids of its own: the events carry a generated UUID.
            id: uuidFrom(`${alarmArn}#metric`),
            metricStat: {
              metric: { dimensions: dimensionsOf(alarm.Dimensions), name: alarm.MetricName, namespace: alarm.Namespace },
              period: alarm.Period,
              stat: alarm.Statistic ?? alarm.ExtendedStatistic,
              ...(alarm.Unit !== undefined ? { unit: alarm.Unit } : {}),
            },
            returnData: true,
          },
        ];
  return { ...(alarm.AlarmDescription !== undefined ? { description: alarm.AlarmDescription } : {}), metrics };
}

function stateOf(snapshot: AlarmStateSnapshot): Record<string, unknown> {
  return {
    value: snapshot.value,
    reason: snapshot.reason,
    ...(snapshot.reasonData !== undefined ? { reasonData: snapshot.reasonData } : {}),
    timestamp: cloudWatchTimestamp(snapshot.timestamp),
  };
}

/**
 * The EventBridge event CloudWatch emits when a metric alarm changes state ("Alarm events and EventBridge",
 * CloudWatch User Guide): envelope, resources [alarm ARN], detail {alarmName, configuration, previousState, state}.
 */
export function buildAlarmStateChangeEvent(args: BuildAlarmStateChangeEventArgs): Record<string, unknown> {
  const { alarm, account, region, previous, current } = args;
  const alarmArn = alarmArnOf(alarm, account, region);
  const timestamp = cloudWatchTimestamp(current.timestamp);
  return {
    version: '0',
    id: args.id ?? uuidFrom(`${alarmArn}#${timestamp}`),
    'detail-type': DETAIL_TYPE,
    source: SOURCE,
    account,
    time: envelopeTime(current.timestamp),
    region,
    resources: [alarmArn],
    detail: {
      alarmName: alarm.AlarmName,
      configuration: configurationOf(alarm, alarmArn),
      previousState: stateOf(previous),
      state: stateOf(current),
    },
  };
}

export interface Sample {
  value: number;
  at: Date;
}

export interface Evaluation {
  state: AlarmStateValue;
  reason: string;
  reasonData: string;
}

const COMPARISONS: Record<string, { test: (value: number, threshold: number) => boolean; words: string }> = {
  GreaterThanThreshold: { test: (v, t) => v > t, words: 'greater than' },
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: 'greater than or equal to' },
  LessThanThreshold: { test: (v, t) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: 'less than or equal to' },
};

/** CloudWatch prints numbers as Java doubles: 1000 -> "1000.0". */
function javaDouble(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e7 ? value.toFixed(1) : String(value);
}

const pad = (n: number): string => String(n).padStart(2, '0');
/** The datapoint time in a reason: "(02/10/19 16:59:00)", UTC. */
function reasonTime(at: Date): string {
  return `${pad(at.getUTCDate())}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCFullYear() % 100)} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
}

/** Start of the period a sample falls in: CloudWatch aligns datapoints to the period. */
function periodStart(at: Date, periodSeconds: number): Date {
  const ms = periodSeconds * 1000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

/** reasonData as CloudWatch writes it (JSON text with Java-style doubles, key order of the documented examples). */
function reasonDataJson(fields: { queryDate: Date; startDate: Date; statistic: string; period: number; datapoints: number[]; threshold: number }): string {
  return (
    `{"version":"1.0","queryDate":${JSON.stringify(cloudWatchTimestamp(fields.queryDate))},` +
    `"startDate":${JSON.stringify(cloudWatchTimestamp(fields.startDate))},"statistic":${JSON.stringify(fields.statistic)},` +
    `"period":${fields.period},"recentDatapoints":[${fields.datapoints.map(javaDouble).join(',')}],"threshold":${javaDouble(fields.threshold)}}`
  );
}

const TREATMENTS: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

/** The alarm's TreatMissingData (PutMetricAlarm: `missing` when unset). */
function treatmentOf(alarm: MetricAlarm): TreatMissingData {
  return TREATMENTS.find((t) => t === (alarm.TreatMissingData ?? 'missing')) ?? 'missing';
}

/**
 * The periods of an alarm's evaluation range: its EvaluationPeriods and the extra periods CloudWatch retrieves beyond
 * them (EVALUATION_RANGE_EXTRA_PERIODS, the project's reading of the CloudWatch User Guide's tables, decision 256).
 */
export function evaluationRangeSize(alarm: Pick<MetricAlarm, 'EvaluationPeriods'>): number {
  return Math.max(1, alarm.EvaluationPeriods ?? 1) + EVALUATION_RANGE_EXTRA_PERIODS;
}

/**
 * CloudWatch's evaluation of a metric alarm over its evaluation range (`range`: one entry per period, oldest first,
 * undefined where the metric has no datapoint), as the CloudWatch User Guide documents it ("Configuring how CloudWatch
 * alarms treat missing data"): the rule the playbooks judge CloudWatch's data by (evaluateAlarmRange, decision 256), not a
 * count of M of the last N. With N real datapoints or more the N most recent are judged; with fewer, every real one, the
 * missing filled per TreatMissingData, and the premature-transition rule; with none, INSUFFICIENT_DATA (`missing`), ALARM
 * (`breaching`) or OK (`notBreaching`). Undefined: the state is kept (`ignore` without enough data). The reason is
 * CloudWatch's M-of-N wording over the datapoints judged.
 */
export function evaluate(alarm: MetricAlarm, range: ReadonlyArray<Sample | undefined>, queryDate: Date): Evaluation | undefined {
  const comparison = COMPARISONS[alarm.ComparisonOperator ?? ''];
  const threshold = alarm.Threshold;
  if (!comparison || threshold === undefined) {
    throw new Error(`alarm "${alarm.AlarmName ?? '?'}": cannot evaluate comparison ${alarm.ComparisonOperator ?? '(none)'} / threshold ${threshold ?? '(none)'}`);
  }
  const period = alarm.Period ?? 60;
  const periods = Math.max(1, alarm.EvaluationPeriods ?? 1);
  const needed = alarm.DatapointsToAlarm ?? periods;
  const treat = treatmentOf(alarm);
  const { verdict } = evaluateAlarmRange(range.map((sample) => (sample === undefined ? undefined : comparison.test(sample.value, threshold))), periods, needed, treat);
  if (verdict === 'RETAIN') return undefined;
  const real = range.filter((sample): sample is Sample => sample !== undefined);
  const statistic = alarm.Statistic ?? alarm.ExtendedStatistic ?? 'Maximum';
  if (real.length === 0 || verdict === 'INSUFFICIENT_DATA') {
    const reasonData = reasonDataJson({ queryDate, startDate: periodStart(queryDate, period), statistic, period, datapoints: [], threshold });
    const unknown = `${periods} datapoint${periods === 1 ? ' was' : 's were'}`;
    if (verdict === 'INSUFFICIENT_DATA') return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${unknown} unknown.`, reasonData };
    const reason = `Threshold Crossed: no datapoints were received for ${periods} period${periods === 1 ? '' : 's'} and ${unknown} missing treated as [${verdict === 'ALARM' ? 'Breaching' : 'NonBreaching'}].`;
    return { state: verdict, reason, reasonData };
  }
  const state = verdict;
  // The datapoints CloudWatch judged: the N most recent real ones, or every real one when there are fewer.
  const samples = real.length >= periods ? real.slice(-periods) : real;
  const filled = real.length < periods && treat === 'breaching' ? periods - real.length : 0;
  const breaching = samples.filter((sample) => comparison.test(sample.value, threshold));
  const shown = state === 'ALARM' ? breaching : samples.filter((sample) => !comparison.test(sample.value, threshold));
  const minimum = state === 'ALARM' ? needed : samples.length - needed + 1;
  const plural = shown.length === 1 ? 'was' : 'were';
  const list = shown.map((sample) => `${javaDouble(sample.value)} (${reasonTime(periodStart(sample.at, period))})`).join(', ');
  const reason =
    `Threshold Crossed: ${shown.length} out of the last ${samples.length} datapoints [${list}] ${plural} ` +
    `${state === 'ALARM' ? '' : 'not '}${comparison.words} the threshold (${javaDouble(threshold)})` +
    (filled > 0 ? ` and ${filled} missing datapoint${filled === 1 ? ' was' : 's were'} treated as [Breaching]` : '') +
    ` (minimum ${Math.max(1, minimum)} datapoint${Math.max(1, minimum) === 1 ? '' : 's'} for ${alarm.StateValue ?? 'INSUFFICIENT_DATA'} -> ${state} transition).`;
  const reasonData = reasonDataJson({
    queryDate,
    startDate: periodStart(samples[0]?.at ?? queryDate, period),
    statistic,
    period,
    datapoints: samples.map((sample) => sample.value),
    threshold,
  });
  return { state, reason, reasonData };
}

function queueNameOf(alarm: MetricAlarm): string | undefined {
  return alarm.Dimensions?.find((dimension) => dimension.Name === 'QueueName')?.Value;
}

function isQueueMissing(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

/**
 * CloudWatch's part for the queue-depth alarms, which moto stores but never evaluates: each call samples every
 * watched queue's ApproximateNumberOfMessages, publishes it as AWS/SQS ApproximateNumberOfMessagesVisible, and for
 * an alarm whose state changes calls SetAlarmState, puts the state change event on the default bus and publishes to the
 * SNS topics among the new state's actions (the automation's health alarms have one: review 12, R12-9).
 */
export function createAlarmEvaluator(opts: AlarmEvaluatorOptions): AlarmEvaluator {
  const realNow = opts.now ?? ((): Date => new Date());
  // minutePerEvaluation: the minute of the evaluation under way (set at each evaluateOnce), else the caller's clock.
  let minuteAt: number | undefined;
  const now = (): Date => (minuteAt === undefined ? realNow() : new Date(minuteAt));
  const nextMinute = (): void => {
    if (!opts.minutePerEvaluation) return;
    minuteAt = minuteAt === undefined ? Math.floor(realNow().getTime() / 60_000) * 60_000 + 2 * 60_000 + 30_000 : minuteAt + 60_000;
  };
  const { topology } = opts;
  const { region } = opts.clientConfig;
  const sdk = { endpoint: opts.clientConfig.endpoint, region, credentials: opts.clientConfig.credentials };
  // Per alarm, its last evaluations (one period each), oldest first: a sample, or undefined where the queue gave none.
  const history = new Map<string, Array<Sample | undefined>>();
  const knownQueueUrls = new Map<string, string>([
    [topology.queue.name, topology.queue.url],
    [topology.deadLetterQueue.name, topology.deadLetterQueue.url],
  ]);

  async function queueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
    const known = knownQueueUrls.get(name);
    if (known) return known;
    try {
      return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    } catch (error) {
      if (isQueueMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    async evaluateOnce() {
      nextMinute();
      // Clients live for one evaluation: nothing stays open between calls.
      const cloudWatch = new CloudWatchClient(sdk);
      const sqs = new SQSClient(sdk);
      const eventBridge = new EventBridgeClient(sdk);
      const sns = new SNSClient(sdk);
      try {
        const alarms: MetricAlarm[] = [];
        for await (const page of paginateDescribeAlarms({ client: cloudWatch }, { AlarmTypes: ['MetricAlarm'] })) {
          for (const alarm of page.MetricAlarms ?? []) {
            if (alarm.Namespace === QUEUE_NAMESPACE && alarm.MetricName === QUEUE_DEPTH_METRIC && queueNameOf(alarm)) alarms.push(alarm);
          }
        }

        // Per queue, this evaluation's sample; null when the queue could not be read.
        const depths = new Map<string, Sample | null>();
        const sampleQueue = async (queueName: string): Promise<Sample | null> => {
          let attributes;
          try {
            const url = await queueUrl(sqs, queueName);
            if (url === undefined) return null;
            attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
          } catch (error) {
            // A deleted queue keeps its URL in the topology: SQS answers QueueDoesNotExist, and publishes no metric.
            if (isQueueMissing(error)) return null;
            throw error;
          }
          const sample = { value: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0'), at: now() };
          // What SQS publishes every minute; moto accepts the AWS/ namespace (CloudWatch itself refuses it to callers).
          await cloudWatch.send(
            new PutMetricDataCommand({
              Namespace: QUEUE_NAMESPACE,
              MetricData: [
                { MetricName: QUEUE_DEPTH_METRIC, Dimensions: [{ Name: 'QueueName', Value: queueName }], Value: sample.value, Timestamp: sample.at, Unit: 'Count' },
              ],
            }),
          );
          return sample;
        };
        const transitions: AlarmTransition[] = [];
        for (const alarm of alarms) {
          const alarmName = alarm.AlarmName ?? '';
          const queueName = queueNameOf(alarm) ?? '';
          try {
            const transition = await evaluateAlarm(alarm, alarmName, queueName);
            if (transition) transitions.push(transition);
            opts.errors?.succeeded(`alarm "${alarmName}"`);
          } catch (error) {
            if (!opts.errors) throw error;
            opts.errors.failed(`alarm "${alarmName}"`, error);
          }
        }
        return transitions;

        async function evaluateAlarm(alarm: MetricAlarm, alarmName: string, queueName: string): Promise<AlarmTransition | undefined> {
          let sample = depths.get(queueName);
          if (sample === undefined) {
            sample = await sampleQueue(queueName);
            depths.set(queueName, sample);
          }
          const queryDate = sample?.at ?? now();
          // The alarm's evaluation range: its last evaluations, a deleted queue's as missing data (SQS publishes nothing
          // for it), the periods before the first evaluation missing too.
          const size = evaluationRangeSize(alarm);
          const kept = [...(history.get(alarmName) ?? []), sample ?? undefined].slice(-size);
          history.set(alarmName, kept);
          const range = [...Array<undefined>(size - kept.length).fill(undefined), ...kept];
          const evaluation = evaluate(alarm, range, queryDate);
          if (!evaluation || evaluation.state === alarm.StateValue) return undefined;
          await cloudWatch.send(
            new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: evaluation.state, StateReason: evaluation.reason, StateReasonData: evaluation.reasonData }),
          );
          // The event carries the instant CloudWatch recorded, so a handler re-reading the alarm sees the same one.
          const after = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.[0];
          // As CloudWatch stamps its event: the instant the value changed, StateTransitionedTimestamp where answered.
          const updatedAt = after && stateChangedAt(after);
          if (!after || !updatedAt) throw new Error(`alarm "${alarmName}" has no StateTransitionedTimestamp nor StateUpdatedTimestamp after SetAlarmState`);
          const arn = alarmArnOf(after, topology.accountId, region);
          const account = arn.split(':')[4] ?? topology.accountId;
          const event = buildAlarmStateChangeEvent({
            alarm: after,
            account,
            region,
            previous: {
              value: alarm.StateValue ?? 'INSUFFICIENT_DATA',
              reason: alarm.StateReason ?? '',
              ...(alarm.StateReasonData !== undefined ? { reasonData: alarm.StateReasonData } : {}),
              timestamp: stateChangedAt(alarm) ?? updatedAt,
            },
            current: { value: evaluation.state, reason: evaluation.reason, reasonData: evaluation.reasonData, timestamp: updatedAt },
          });
          const put = await eventBridge.send(
            new PutEventsCommand({
              Entries: [{ Source: SOURCE, DetailType: DETAIL_TYPE, Resources: [arn], Detail: JSON.stringify(event.detail), Time: updatedAt }],
            }),
          );
          const entry = put.Entries?.[0];
          if ((put.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
            throw new Error(`EventBridge PutEvents refused the state change of "${alarmName}": ${entry?.ErrorCode ?? '?'} ${entry?.ErrorMessage ?? ''}`);
          }
          await runAlarmActions(sns, alarmNotifications({ alarm: after, account, region, from: alarm.StateValue ?? 'INSUFFICIENT_DATA', to: evaluation.state, reason: evaluation.reason, at: updatedAt }));
          return {
            alarmName,
            from: alarm.StateValue ?? 'INSUFFICIENT_DATA',
            to: evaluation.state,
            value: sample === null ? null : sample.value,
            event: { ...event, id: entry.EventId },
          };
        }
      } finally {
        cloudWatch.destroy();
        sqs.destroy();
        eventBridge.destroy();
        sns.destroy();
      }
    },
  };
}
