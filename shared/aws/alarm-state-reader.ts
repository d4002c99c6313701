// The one DescribeAlarms reader: the pipeline re-reads an alarm before acting, escalation before opening or resolving.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmStateValue } from '../events/alarm-event';
import { callAws } from './classify-error';

export interface CurrentAlarmState {
  value: AlarmStateValue;
  /**
   * When the alarm entered its current state. Undefined when DescribeAlarms did not say: the API reference marks
   * StateUpdatedTimestamp optional (MetricAlarm and CompositeAlarm, Required: No). Unknown is never read as "long ago"
   * (the epoch made every event look current): each reader decides what it cannot tell without it (decision 144).
   */
  updatedAt?: Date;
  /** The alarm's own StateReason ("Threshold Crossed: ..."): text from outside, escaped and bounded before it is shown. */
  reason?: string;
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
    // StateTransitionedTimestamp ("the date and time that the alarm's StateValue most recently changed", optional too)
    // answers the same question when StateUpdatedTimestamp is missing; with neither, when is unknown.
    const updatedAt = alarm.StateUpdatedTimestamp ?? alarm.StateTransitionedTimestamp;
    return {
      value: alarm.StateValue as AlarmStateValue,
      ...(updatedAt ? { updatedAt } : {}),
      ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
    };
  }
}

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

/** Pure: why an event no longer describes the alarm (undefined when it still does). */
export function staleReason(
  event: { value: AlarmStateValue; timestamp: string },
  current: Pick<CurrentAlarmState, 'value' | 'updatedAt'> | undefined,
): string | undefined {
  if (!current) return 'the alarm no longer exists';
  if (current.value !== event.value) return `stale event: the alarm is now ${current.value}, the event says ${event.value}`;
  if (current.updatedAt && current.updatedAt.getTime() > Date.parse(event.timestamp) + ALARM_TIMESTAMP_SLACK_MS) {
    return `stale event: a newer ${current.value} state change (${current.updatedAt.toISOString()}) supersedes this one (${event.timestamp})`;
  }
  return undefined;
}
