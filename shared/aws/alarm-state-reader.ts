// The one DescribeAlarms reader: the pipeline re-reads an alarm before acting, escalation before opening or resolving.
import { DescribeAlarmsCommand, type CloudWatchClient, type CompositeAlarm, type Dimension, type MetricAlarm, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AlarmStateValue } from '../events/alarm-event';
import { callAws } from './classify-error';

export interface CurrentAlarmState {
  value: AlarmStateValue;
  /**
   * When the alarm's StateValue last changed: StateTransitionedTimestamp ("the date and time that the alarm's StateValue
   * most recently changed"), else StateUpdatedTimestamp ("the last update to the value of either the StateValue or
   * EvaluationState parameters": later than the change once only the EvaluationState moved). Both optional (API
   * reference, MetricAlarm and CompositeAlarm, Required: No); with neither, undefined. Unknown is never read as "long
   * ago" (the epoch made every event look current): each reader decides what it cannot tell without it (decisions 144, 154).
   */
  updatedAt?: Date;
  /** Which answer `updatedAt` is: only StateTransitionedTimestamp is the time of the state change itself. */
  updatedAtFrom?: 'StateTransitionedTimestamp' | 'StateUpdatedTimestamp';
  /** The alarm's own StateReason ("Threshold Crossed: ..."): text from outside, escaped and bounded before it is shown. */
  reason?: string;
  /** What the alarm watches, from the same answer: the pipeline binds the event's metrics to it (decision 194). */
  definition?: AlarmDefinition;
}

/**
 * The instant of an alarm's last state change as DescribeAlarms answers it: StateTransitionedTimestamp, else
 * StateUpdatedTimestamp (see `updatedAt`). It is what CloudWatch's state change event carries as `state.timestamp`: the
 * user guide's events are stamped with the change of value they report (decisions 154, 171). Pure.
 */
export function stateChangedAt(alarm: { StateTransitionedTimestamp?: Date; StateUpdatedTimestamp?: Date }): Date | undefined {
  return alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
}

export class AlarmStateReader {
  constructor(private readonly cloudWatch: Pick<CloudWatchClient, 'send'>) {}

  /** The alarm's current state, or undefined when no alarm of that name exists where the client looks. AWS errors are thrown, classified. */
  async current(alarmName: string): Promise<CurrentAlarmState | undefined> {
    const result = await callAws('CloudWatch DescribeAlarms', () =>
      this.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
    );
    const alarm = result.MetricAlarms?.[0] ?? result.CompositeAlarms?.[0];
    if (!alarm?.StateValue) return undefined;
    // Every reader asks "has the StateValue changed since this event": StateTransitionedTimestamp answers it.
    // StateUpdatedTimestamp also moves when only the EvaluationState does (PARTIAL_DATA, EVALUATION_ERROR, ...), which
    // read as a newer state change and skipped a real event: it stands in only when the other is not answered.
    const updatedAtFrom = alarm.StateTransitionedTimestamp
      ? 'StateTransitionedTimestamp'
      : alarm.StateUpdatedTimestamp
        ? 'StateUpdatedTimestamp'
        : undefined;
    const updatedAt = stateChangedAt(alarm);
    return {
      value: alarm.StateValue as AlarmStateValue,
      ...(updatedAt && updatedAtFrom ? { updatedAt, updatedAtFrom } : {}),
      ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
      ...definitionField(alarmDefinitionOf(result.MetricAlarms?.[0], result.CompositeAlarms?.[0])),
    };
  }
}

const definitionField = (definition: AlarmDefinition | undefined): { definition?: AlarmDefinition } => (definition ? { definition } : {});

/**
 * Pure: why the alarm's answer cannot tell whether an event is still its current state change (undefined when it can).
 * The alarm is in the event's state, but with no StateUpdatedTimestamp a newer state change of the same value (ALARM,
 * OK, ALARM again) cannot be told from this one: the pipeline changes nothing and escalates with this reason.
 */
export function unjudgedReason(
  alarmName: string,
  event: { value: AlarmStateValue; timestamp: string },
  current: Pick<CurrentAlarmState, 'value' | 'updatedAt'> | undefined,
): string | undefined {
  if (!current || current.value !== event.value || current.updatedAt) return undefined;
  return `alarm "${alarmName}" is in ${current.value}, but CloudWatch DescribeAlarms answered no StateUpdatedTimestamp: whether this event's state change (${event.timestamp}) is still the current one cannot be told, so nothing was changed`;
}

/** CloudWatch and its events round state timestamps differently: one second of slack wherever they are compared. */
export const ALARM_TIMESTAMP_SLACK_MS = 1000;

/**
 * Pure: why an event of the alarm's current value is no state change (undefined when it may be one): it is stamped after
 * the alarm's StateValue last changed (StateTransitionedTimestamp). CloudWatch also sends "CloudWatch Alarm State Change"
 * when an alarm goes into an EvaluationState such as PARTIAL_DATA (User Guide, "How partial data is handled"), stamped
 * with that update: acted on, it would be a second incident (its own key) for a state change that had its own event.
 * StateUpdatedTimestamp cannot tell this: it moves with the EvaluationState too (decision 154).
 */
export function withinStateReason(
  event: { value: string; timestamp: string },
  current: Pick<CurrentAlarmState, 'value' | 'updatedAt' | 'updatedAtFrom'> | undefined,
): string | undefined {
  if (!current?.updatedAt || current.value !== event.value || current.updatedAtFrom !== 'StateTransitionedTimestamp') return undefined;
  const at = Date.parse(event.timestamp);
  if (Number.isNaN(at) || at <= current.updatedAt.getTime() + ALARM_TIMESTAMP_SLACK_MS) return undefined;
  return `not a state change: the alarm has been ${current.value} since ${current.updatedAt.toISOString()} (StateTransitionedTimestamp), before this event (${event.timestamp}); a later update within that state (such as an EvaluationState change) is not acted on again: the state change of ${current.updatedAt.toISOString()} is its own incident`;
}

/** Pure: why an event no longer describes the alarm (undefined when it still does). */
export function staleReason(
  event: { value: AlarmStateValue; timestamp: string },
  current: Pick<CurrentAlarmState, 'value' | 'updatedAt' | 'updatedAtFrom'> | undefined,
): string | undefined {
  if (!current) return 'the alarm no longer exists';
  if (current.value !== event.value) return `stale event: the alarm is now ${current.value}, the event says ${event.value}`;
  const within = withinStateReason(event, current);
  if (within) return within;
  if (current.updatedAt && current.updatedAt.getTime() > Date.parse(event.timestamp) + ALARM_TIMESTAMP_SLACK_MS) {
    return `stale event: a newer ${current.value} state change (${current.updatedAt.toISOString()}) supersedes this one (${event.timestamp})`;
  }
  return undefined;
}

/** One series of an alarm as DescribeAlarms defines it: a metric (namespace, name, dimensions) or an expression. */
export interface DefinedSeries {
  /** The MetricDataQuery Id; a single-metric alarm (MetricName, Namespace, Dimensions at the top) has none. */
  id?: string;
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
  expression?: string;
  accountId?: string;
  /** A metric data query's ReturnData (PutMetricAlarm: true when omitted); a single-metric alarm has none. */
  returnData?: boolean;
}

/** What an alarm watches, as DescribeAlarms answers it: one metric, metric data queries, or a composite's rule. */
export type AlarmDefinition =
  | { kind: 'single'; series: DefinedSeries }
  | { kind: 'queries'; series: DefinedSeries[]; thresholdMetricId?: string }
  | { kind: 'composite'; alarmRule: string };

const dimensionsOf = (dimensions: readonly Dimension[] | undefined): Record<string, string> =>
  Object.fromEntries((dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));

function queryOf(query: MetricDataQuery): DefinedSeries {
  const metric = query.MetricStat?.Metric;
  return {
    ...(query.Id !== undefined ? { id: query.Id } : {}),
    ...(metric?.Namespace !== undefined ? { namespace: metric.Namespace } : {}),
    ...(metric?.MetricName !== undefined ? { metricName: metric.MetricName } : {}),
    dimensions: dimensionsOf(metric?.Dimensions),
    ...(query.Expression !== undefined ? { expression: query.Expression } : {}),
    ...(query.AccountId !== undefined ? { accountId: query.AccountId } : {}),
    returnData: query.ReturnData ?? true,
  };
}

/**
 * Pure: what the alarm DescribeAlarms answered watches (PutMetricAlarm: either MetricName/Namespace/Dimensions or
 * Metrics; a composite alarm: AlarmRule), or undefined when the answer holds neither.
 */
export function alarmDefinitionOf(metric: MetricAlarm | undefined, composite: CompositeAlarm | undefined): AlarmDefinition | undefined {
  if (metric?.Metrics && metric.Metrics.length > 0) {
    return { kind: 'queries', series: metric.Metrics.map(queryOf), ...(metric.ThresholdMetricId !== undefined ? { thresholdMetricId: metric.ThresholdMetricId } : {}) };
  }
  if (metric?.MetricName !== undefined || metric?.Namespace !== undefined) {
    return {
      kind: 'single',
      series: {
        ...(metric.Namespace !== undefined ? { namespace: metric.Namespace } : {}),
        ...(metric.MetricName !== undefined ? { metricName: metric.MetricName } : {}),
        dimensions: dimensionsOf(metric.Dimensions),
      },
    };
  }
  if (!metric && composite?.AlarmRule !== undefined) return { kind: 'composite', alarmRule: composite.AlarmRule };
  return undefined;
}
