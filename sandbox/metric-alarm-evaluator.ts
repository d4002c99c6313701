// Plays CloudWatch for one single-metric alarm of the sandbox (moto stores alarms but never evaluates them): reads the
// statistic over the alarm's last period, sets the state when it changes and puts the state change on the default bus.
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, SetAlarmStateCommand, type Statistic } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { buildAlarmStateChangeEvent } from './alarm-evaluator';
import type { SandboxClientConfig } from './provision';
import type { Topology } from './topology';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';

export interface MetricAlarmEvaluation {
  alarmName: string;
  from: string;
  to: 'ALARM' | 'OK';
  /** The statistic over the period; undefined when the metric had no datapoint (missing data). */
  value: number | undefined;
  /** The event put on the default bus, when the state changed. */
  event?: Record<string, unknown>;
}

const TESTS: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/**
 * The end of the window read at `now`: at least one second after it, on a whole second. moto's GetMetricStatistics drops the
 * milliseconds of EndTime (exclusive), so `now + 1 s` read at 995 ms past a second ended 5 ms after `now` and missed
 * requests logged in the milliseconds after it.
 */
export function windowEnd(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + 2000);
}

/** One evaluation at `now` of a single-metric alarm with EvaluationPeriods 1 (missing data: treated as TreatMissingData says). */
export async function evaluateMetricAlarm(opts: { clientConfig: SandboxClientConfig; topology: Pick<Topology, 'accountId'>; alarmName: string; now: Date }): Promise<MetricAlarmEvaluation> {
  const sdk = { endpoint: opts.clientConfig.endpoint, region: opts.clientConfig.region, credentials: opts.clientConfig.credentials };
  const cloudWatch = new CloudWatchClient(sdk);
  const events = new EventBridgeClient(sdk);
  try {
    const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [opts.alarmName], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.[0];
    const test = TESTS[alarm?.ComparisonOperator ?? ''];
    if (!alarm?.Namespace || !alarm.MetricName || !alarm.Statistic || !test || alarm.Threshold === undefined || (alarm.EvaluationPeriods ?? 1) !== 1) {
      throw new Error(`alarm "${opts.alarmName}" is not a single-metric, one-period alarm this evaluator plays`);
    }
    const period = alarm.Period ?? 60;
    const stats = await cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: alarm.Namespace,
        MetricName: alarm.MetricName,
        Dimensions: alarm.Dimensions,
        StartTime: new Date(opts.now.getTime() - period * 1000),
        EndTime: windowEnd(opts.now),
        Period: period,
        Statistics: [alarm.Statistic as Statistic],
      }),
    );
    const points = (stats.Datapoints ?? []).map((d) => d[alarm.Statistic as Statistic] as number | undefined).filter((v): v is number => v !== undefined);
    const value = points.length > 0 ? points.reduce((a, b) => (alarm.Statistic === 'Sum' ? a + b : Math.max(a, b)), alarm.Statistic === 'Sum' ? 0 : -Infinity) : undefined;
    const breaching = value === undefined ? alarm.TreatMissingData === 'breaching' : test(value, alarm.Threshold);
    const to = breaching ? 'ALARM' : 'OK';
    const from = alarm.StateValue ?? 'INSUFFICIENT_DATA';
    if (to === from) return { alarmName: opts.alarmName, from, to, value };
    const shown = value === undefined ? 'no datapoint (missing data)' : `[${value.toFixed(1)}]`;
    const reason = `Threshold Crossed: 1 datapoint ${shown} was ${breaching ? '' : 'not '}greater than the threshold (${alarm.Threshold.toFixed(1)}).`;
    const reasonData = JSON.stringify({ version: '1.0', queryDate: opts.now.toISOString(), statistic: alarm.Statistic, period, recentDatapoints: value === undefined ? [] : [value], threshold: alarm.Threshold });
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: opts.alarmName, StateValue: to, StateReason: reason, StateReasonData: reasonData }));
    const after = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [opts.alarmName], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.[0];
    // As CloudWatch stamps its event: the instant the value changed, StateTransitionedTimestamp where answered.
    const updatedAt = (after && stateChangedAt(after)) ?? opts.now;
    const event = buildAlarmStateChangeEvent({
      alarm: after ?? alarm,
      account: opts.topology.accountId,
      region: opts.clientConfig.region,
      previous: { value: from, reason: alarm.StateReason ?? '', timestamp: stateChangedAt(alarm) ?? updatedAt },
      current: { value: to, reason, reasonData, timestamp: updatedAt },
    });
    const detail = event.detail as Record<string, unknown>;
    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'aws.cloudwatch', DetailType: 'CloudWatch Alarm State Change', Resources: event.resources as string[], Detail: JSON.stringify(detail), Time: updatedAt }],
      }),
    );
    if ((put.FailedEntryCount ?? 0) > 0) throw new Error(`EventBridge PutEvents refused the state change of "${opts.alarmName}"`);
    return { alarmName: opts.alarmName, from, to, value, event: { ...event, id: put.Entries?.[0]?.EventId ?? event.id } };
  } finally {
    cloudWatch.destroy();
    events.destroy();
  }
}
