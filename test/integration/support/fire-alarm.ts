// Integration-test support: an alarm set to ALARM in the emulator (moto does not evaluate alarms) in any region, and the
// state-change event CloudWatch would emit for it, built from the alarm as the emulator holds it before and after.
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { buildAlarmStateChangeEvent } from '../../../sandbox/alarm-evaluator';
import type { SandboxClientConfig } from '../../../sandbox/provision';

export async function fireAlarm(opts: {
  clientConfig: SandboxClientConfig;
  accountId: string;
  region: string;
  alarmName: string;
  /** Merged into StateReasonData (statistic, recentDatapoints, ...). */
  reasonData: Record<string, unknown>;
}): Promise<Record<string, unknown>> {
  const cloudWatch = new CloudWatchClient({ ...opts.clientConfig, region: opts.region });
  try {
    const read = async (): Promise<MetricAlarm> => (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [opts.alarmName] }))).MetricAlarms?.[0] as MetricAlarm;
    const before = await read();
    const reason = `Threshold Crossed: 5 out of the last 5 datapoints were greater than the threshold (${String(before.Threshold)})`;
    const data = JSON.stringify({ version: '1.0', queryDate: new Date().toISOString(), period: 60, threshold: before.Threshold, ...opts.reasonData });
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: opts.alarmName, StateValue: 'ALARM', StateReason: reason, StateReasonData: data }));
    const alarm = await read();
    return buildAlarmStateChangeEvent({
      alarm,
      account: opts.accountId,
      region: opts.region,
      previous: { value: before.StateValue ?? 'INSUFFICIENT_DATA', reason: before.StateReason ?? '', timestamp: before.StateUpdatedTimestamp ?? new Date() },
      current: { value: 'ALARM', reason, reasonData: data, timestamp: alarm.StateUpdatedTimestamp ?? new Date() },
    });
  } finally {
    cloudWatch.destroy();
  }
}
