// Another alarm on the same metric as a document's alarm, listed before it (review 12, R12-1; decision 201's case for
// ScaleConsumers, here for every document that reads its alarm). DescribeAlarmsForMetric lists every standard alarm on a
// metric in an order AWS does not document (moto: creation order): the decoy is put first and the document's alarm
// re-created after it (what a redeploy that replaces the alarm does), so a document that took `MetricAlarms[0]` would
// read the decoy.
import { DeleteAlarmsCommand, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, PutMetricAlarmCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export interface Decoy {
  /** The decoy's name: anyone's alarm on the metric (not one the automation routes). */
  name: string;
  /** What DescribeAlarmsForMetric lists for the metric afterwards, in its order: the decoy first. */
  listed: string[];
  /** Deletes the decoy. */
  remove(): Promise<void>;
}

/** Puts `decoyName` on `alarmName`'s metric (same statistic and period, another threshold), listed before it. */
export async function decoyListedFirst(cw: CloudWatchClient, alarmName: string, decoyName: string): Promise<Decoy> {
  const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms ?? [];
  if (!alarm) throw new Error(`no alarm ${alarmName}`);
  const metric = { Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions ?? [] };
  const statistic = alarm.ExtendedStatistic !== undefined ? { ExtendedStatistic: alarm.ExtendedStatistic } : { Statistic: alarm.Statistic };
  await cw.send(
    new PutMetricAlarmCommand({
      ...metric,
      ...statistic,
      AlarmName: decoyName,
      AlarmDescription: 'Another team\'s alarm on the same metric (a test decoy)',
      Period: alarm.Period,
      EvaluationPeriods: 1,
      Threshold: (alarm.Threshold ?? 0) * 2 + 1,
      ComparisonOperator: alarm.ComparisonOperator,
    }),
  );
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName] }));
  await cw.send(
    new PutMetricAlarmCommand({
      ...metric,
      ...statistic,
      AlarmName: alarmName,
      AlarmDescription: alarm.AlarmDescription,
      Period: alarm.Period,
      EvaluationPeriods: alarm.EvaluationPeriods,
      DatapointsToAlarm: alarm.DatapointsToAlarm,
      Threshold: alarm.Threshold,
      ComparisonOperator: alarm.ComparisonOperator,
      TreatMissingData: alarm.TreatMissingData,
      AlarmActions: alarm.AlarmActions,
      OKActions: alarm.OKActions,
      InsufficientDataActions: alarm.InsufficientDataActions,
    }),
  );
  const listed = ((await cw.send(new DescribeAlarmsForMetricCommand(metric))).MetricAlarms ?? []).map((a) => a.AlarmName ?? '');
  return {
    name: decoyName,
    listed,
    remove: async () => {
      await cw.send(new DeleteAlarmsCommand({ AlarmNames: [decoyName] }));
    },
  };
}
