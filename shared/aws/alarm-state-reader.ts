// The one DescribeAlarms reader: the pipeline re-reads an alarm before acting, escalation before opening or resolving.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmStateValue } from '../events/alarm-event';
import { callAws } from './classify-error';

export interface CurrentAlarmState {
  value: AlarmStateValue;
  updatedAt: Date;
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
    return {
      value: alarm.StateValue as AlarmStateValue,
      updatedAt: alarm.StateUpdatedTimestamp ?? new Date(0),
      ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
    };
  }
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
  if (current.updatedAt.getTime() > Date.parse(event.timestamp) + ALARM_TIMESTAMP_SLACK_MS) {
    return `stale event: a newer ${current.value} state change (${current.updatedAt.toISOString()}) supersedes this one (${event.timestamp})`;
  }
  return undefined;
}
