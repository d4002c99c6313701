// Re-reads an alarm's current state: events arrive late and after retries, so the pipeline checks before acting.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmStateValue } from '../events/alarm-event';
import { callAws } from './classify-error';

export interface CurrentAlarmState {
  value: AlarmStateValue;
  updatedAt: Date;
}

export class AlarmStateReader {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async current(alarmName: string): Promise<CurrentAlarmState | undefined> {
    const result = await callAws('CloudWatch DescribeAlarms', () =>
      this.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
    );
    const alarm = result.MetricAlarms?.[0] ?? result.CompositeAlarms?.[0];
    if (!alarm?.StateValue) return undefined;
    return { value: alarm.StateValue as AlarmStateValue, updatedAt: alarm.StateUpdatedTimestamp ?? new Date(0) };
  }
}

/** Pure: why an event no longer describes the alarm (undefined when it still does). */
export function staleReason(
  event: { value: AlarmStateValue; timestamp: string },
  current: CurrentAlarmState | undefined,
): string | undefined {
  if (!current) return 'the alarm no longer exists';
  if (current.value !== event.value) return `stale event: the alarm is now ${current.value}, the event says ${event.value}`;
  // One second of slack: CloudWatch and its events round timestamps differently.
  if (current.updatedAt.getTime() > Date.parse(event.timestamp) + 1000) {
    return `stale event: a newer ${current.value} state change (${current.updatedAt.toISOString()}) supersedes this one (${event.timestamp})`;
  }
  return undefined;
}
