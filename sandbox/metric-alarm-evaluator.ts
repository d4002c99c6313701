// Plays CloudWatch for one single-metric alarm of the sandbox (moto stores alarms but never evaluates them): reads the
// statistic over each period of the alarm's evaluation range, judges it as the CloudWatch User Guide documents (missing
// data included: alarm-evaluator.ts's evaluate), sets the state when it changes and puts the state change on the default bus.
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, SetAlarmStateCommand, type Statistic } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AlarmStateValue } from '../shared/events/alarm-event';
import { buildAlarmStateChangeEvent, evaluate, evaluationRangeSize, type Sample } from './alarm-evaluator';
import type { SandboxClientConfig } from './provision';
import type { Topology } from './topology';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';

export interface MetricAlarmEvaluation {
  alarmName: string;
  from: string;
  to: AlarmStateValue;
  /** The statistic over the latest period; undefined when the metric had no datapoint there (missing data). */
  value: number | undefined;
  /** The statistic over each of the last EvaluationPeriods periods, oldest first (undefined: missing). */
  values: Array<number | undefined>;
  /** The event put on the default bus, when the state changed. */
  event?: Record<string, unknown>;
}

/**
 * The end of the window read at `now`: at least one second after it, on a whole second. moto's GetMetricStatistics drops the
 * milliseconds of EndTime (exclusive), so `now + 1 s` read at 995 ms past a second ended 5 ms after `now` and missed
 * requests logged in the milliseconds after it.
 */
export function windowEnd(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + 2000);
}

/**
 * One evaluation at `now` of a single-metric alarm over its evaluation range (EvaluationPeriods and CloudWatch's extra
 * periods, evaluationRangeSize): period k (0 the latest) is [end - (k+1) x Period, end - k x Period) with end =
 * windowEnd(now), read on its own, so a burst logged at now - k minutes is period k's. Judged as CloudWatch documents it
 * (alarm-evaluator.ts's evaluate: the N most recent datapoints, missing data per TreatMissingData, the premature-transition
 * rule), not as a count of M of the last N.
 */
export async function evaluateMetricAlarm(opts: { clientConfig: SandboxClientConfig; topology: Pick<Topology, 'accountId'>; alarmName: string; now: Date }): Promise<MetricAlarmEvaluation> {
  const sdk = { endpoint: opts.clientConfig.endpoint, region: opts.clientConfig.region, credentials: opts.clientConfig.credentials };
  const cloudWatch = new CloudWatchClient(sdk);
  const events = new EventBridgeClient(sdk);
  try {
    const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [opts.alarmName], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.[0];
    const periods = alarm?.EvaluationPeriods ?? 1;
    const needed = alarm?.DatapointsToAlarm ?? periods;
    if (!alarm?.Namespace || !alarm.MetricName || !alarm.Statistic || alarm.Threshold === undefined || periods < 1 || needed < 1 || needed > periods) {
      throw new Error(`alarm "${opts.alarmName}" is not a single-metric alarm this evaluator plays`);
    }
    const statistic = alarm.Statistic as Statistic;
    const period = alarm.Period ?? 60;
    const end = windowEnd(opts.now).getTime();
    const readPeriod = async (k: number): Promise<number | undefined> => {
      const stats = await cloudWatch.send(
        new GetMetricStatisticsCommand({
          Namespace: alarm.Namespace,
          MetricName: alarm.MetricName,
          Dimensions: alarm.Dimensions,
          StartTime: new Date(end - (k + 1) * period * 1000),
          EndTime: new Date(end - k * period * 1000),
          Period: period,
          Statistics: [statistic],
        }),
      );
      const points = (stats.Datapoints ?? []).map((d) => d[statistic] as number | undefined).filter((v): v is number => v !== undefined);
      return points.length > 0 ? points.reduce((a, b) => (statistic === 'Sum' ? a + b : Math.max(a, b)), statistic === 'Sum' ? 0 : -Infinity) : undefined;
    };
    const size = evaluationRangeSize(alarm);
    const newestFirst = await Promise.all(Array.from({ length: size }, (_unused, k) => readPeriod(k)));
    const range: Array<Sample | undefined> = [...newestFirst].reverse().map((v, i) => (v === undefined ? undefined : { value: v, at: new Date(end - (size - i) * period * 1000) }));
    const values = [...newestFirst].slice(0, periods).reverse();
    const value = newestFirst[0];
    const judged = evaluate(alarm, range, opts.now);
    const from = alarm.StateValue ?? 'INSUFFICIENT_DATA';
    // TreatMissingData ignore without enough data: CloudWatch keeps the state.
    if (!judged) return { alarmName: opts.alarmName, from, to: from as AlarmStateValue, value, values };
    const { state: to, reason, reasonData } = judged;
    if (to === from) return { alarmName: opts.alarmName, from, to, value, values };
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
    return { alarmName: opts.alarmName, from, to, value, values, event: { ...event, id: put.Entries?.[0]?.EventId ?? event.id } };
  } finally {
    cloudWatch.destroy();
    events.destroy();
  }
}
