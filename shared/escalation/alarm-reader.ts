// Reads an alarm's current state and reason: the timer re-reads it before escalating, an incident quotes its reason.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { callAws } from '../aws/classify-error';

export interface AlarmSnapshot {
  value: string;
  updatedAt: Date;
  reason?: string;
}

export class AlarmReader {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async read(alarmName: string): Promise<AlarmSnapshot | undefined> {
    const result = await callAws('CloudWatch DescribeAlarms', () =>
      this.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
    );
    const alarm = result.MetricAlarms?.[0] ?? result.CompositeAlarms?.[0];
    if (!alarm?.StateValue) return undefined;
    return {
      value: alarm.StateValue,
      updatedAt: alarm.StateUpdatedTimestamp ?? new Date(0),
      ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
    };
  }
}
