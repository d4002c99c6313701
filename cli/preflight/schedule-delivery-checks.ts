// Preflight: a timer EventBridge Scheduler cannot deliver is not lost unheard (the escalation's timers, the health check
// after a change).
//
// What is real: no template declares the schedules. The handlers create them, one-time, in the lane's group
// (shared/escalation/one-time-schedule.ts), each with the lane's RetryPolicy (escalation 900 s, health checks 86400 s;
// decision 239) and no DeadLetterConfig; a schedule group has no delivery setting of its own. With no dead-letter queue
// Scheduler drops a timer once its retry policy runs out ("Configuring a schedule's dead-letter queue", EventBridge
// Scheduler User Guide): the only trace is the group's failure metrics, which the lane's alarm sums and sends to the
// automation health topic (decision 239; the topic's own subscribers are checked by health-topic-checks.ts). So:
// - schedule-lane-alarm (per group): that alarm exists and is the one infra deploys where it matters: the group's four
//   failure metrics (SCHEDULER_FAILURE_METRICS) with the ScheduleGroup dimension only, each summed over at most 5 min
//   with its Unit unset or Scheduler's (Count, decision 325), the alarmed expression their sum, one breaching datapoint
//   enough, above 0, actions enabled, notifying the health topic (review 16, R16-7); else FAIL: a failed delivery would
//   be lost, nobody told.
// - schedule-delivery (per live schedule that is not as the handlers create it, read with ListSchedules + GetSchedule):
//   a DeadLetterConfig whose queue its execution role may not send to (sqs:SendMessage, simulated; the User Guide's
//   execution-role permission for a DLQ) FAIL: the dead-letter event is lost; a RetryPolicy other than the lane's WARN
//   (still alarmed when dropped, but delivered later or dropped sooner than the lane decides), with the update-schedule
//   that restores it. A PASS per group counts the live schedules judged.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, paginateListSchedules, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { ESCALATION_TIMER_RETRY, SCHEDULER_FAILURE_METRICS, schedulerAlarmSpec, VERIFY_CHECK_RETRY, type TimerRetryPolicy } from '../../shared/config/automation-health';
import { unitProblem } from './alarm-unit';
import { TIMER_HANDLER, type PreflightExpectations } from './expectations';
import { simulateGroups } from './handler-checks';
import { fail, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const SCHEDULE_DELIVERY_ACTIONS = ['cloudwatch:DescribeAlarms', 'scheduler:ListSchedules', 'scheduler:GetSchedule', 'iam:SimulatePrincipalPolicy'] as const;

/** A lane: its group, the handler its schedules invoke, and the RetryPolicy the handlers give them. */
export interface ScheduleLane {
  groupName: string;
  target: string;
  retry: TimerRetryPolicy;
}

/** The lanes of the expected schedule groups (escalation-timer's, verify-change's). */
export function scheduleLanes(expected: PreflightExpectations): ScheduleLane[] {
  return expected.scheduleGroups.map((g) =>
    g.targetFunctionName.endsWith(`-${TIMER_HANDLER}`)
      ? { groupName: g.name, target: TIMER_HANDLER, retry: ESCALATION_TIMER_RETRY }
      : { groupName: g.name, target: 'verify-change', retry: VERIFY_CHECK_RETRY },
  );
}

/** The lane alarm's name (infra EscalationTimers.watchHealth, from schedulerAlarmSpec). */
export function laneAlarmName(lane: ScheduleLane): string {
  return schedulerAlarmSpec({ groupName: lane.groupName, target: lane.target, stops: '', retry: '' }).alarmName;
}

/** An expression with each query id replaced by the metric it names, spaces dropped: two sums of the same metrics compare equal. */
function expressionOfMetrics(expression: string, metricOf: Record<string, string>): string {
  // CloudWatch query ids start with a lower-case letter; the functions (SUM, FILL) are upper case.
  return expression.replace(/\b[a-z][A-Za-z0-9_]*\b/g, (id) => metricOf[id] ?? id).replace(/\s+/g, '');
}

/**
 * Pure: what keeps the lane's alarm from telling anyone that a schedule of its group failed or was dropped. Compared
 * with the alarm infra deploys (schedulerAlarmSpec): each failure metric of the group, with ScheduleGroup as its only
 * dimension (Scheduler publishes no other: a series with another matches nothing), its Sum over at most the spec's
 * period (a longer one hears a drop later than the ladder it is for), its Unit unset or Scheduler's (Count: another
 * matches none of the metric's datapoints; the same comparison as the sweep metric alarms', alarm-unit.ts); the
 * alarmed expression the spec's sum of the four;
 * one breaching datapoint enough (a single drop is one datapoint: "3 of 3" never alarms on it; review 16, R16-7);
 * above 0; actions enabled and the health topic among them.
 */
export function laneAlarmProblems(alarm: MetricAlarm | undefined, lane: ScheduleLane, healthTopicArn: string): string[] {
  if (!alarm) return ['it does not exist'];
  const spec = schedulerAlarmSpec({ groupName: lane.groupName, target: lane.target, stops: '', retry: '' });
  const problems: string[] = [];
  const queries = alarm.Metrics ?? [];
  let summedAll = true;
  for (const metricName of SCHEDULER_FAILURE_METRICS) {
    const watched = queries.find(
      (q) =>
        q.MetricStat?.Metric?.Namespace === 'AWS/Scheduler' &&
        q.MetricStat.Metric.MetricName === metricName &&
        (q.MetricStat.Metric.Dimensions ?? []).some((d) => d.Name === 'ScheduleGroup' && d.Value === lane.groupName),
    );
    if (!watched?.MetricStat) {
      problems.push(`it does not watch AWS/Scheduler ${metricName} of group ${lane.groupName}`);
      summedAll = false;
      continue;
    }
    if (!queries.some((q) => q.ReturnData !== false && q.Expression !== undefined && new RegExp(`\\b${watched.Id ?? '?'}\\b`).test(q.Expression))) {
      problems.push(`its alarmed expression does not include ${metricName} (${watched.Id ?? '?'})`);
      summedAll = false;
    }
    const { Metric: metric, Period: period, Stat: stat } = watched.MetricStat;
    const others = (metric?.Dimensions ?? []).filter((d) => d.Name !== 'ScheduleGroup');
    if (others.length > 0) problems.push(`its ${metricName} also names ${others.map((d) => `${d.Name ?? '?'}=${d.Value ?? '?'}`).join(', ')}: Scheduler publishes the metric with ScheduleGroup only, so that series has no data`);
    if (stat !== spec.statistic) problems.push(`its ${metricName} is the ${stat ?? '?'}, not the ${spec.statistic} of failures`);
    // A metric-math alarm has no Unit of its own: each query's MetricStat has one (unset: any unit, as infra deploys it).
    const unit = unitProblem(`its ${metricName}'s unit`, watched.MetricStat.Unit, { metricName, writer: 'Scheduler', unit: spec.unit }, 'that query matches no datapoint, so a failure counted there is never heard');
    if (unit) problems.push(unit);
    if ((period ?? 0) > spec.periodSeconds) problems.push(`its ${metricName} is summed over ${String(period)} s: a failure is heard up to that late, not within ${spec.periodSeconds} s`);
  }
  const alarmed = queries.filter((q) => q.ReturnData !== false && q.Expression !== undefined);
  if (summedAll && alarmed.length === 1 && alarmed[0]?.Expression) {
    const deployed = Object.fromEntries(queries.flatMap((q) => (q.Id && q.MetricStat?.Metric?.MetricName ? [[q.Id, q.MetricStat.Metric.MetricName]] : [])));
    if (expressionOfMetrics(alarmed[0].Expression, deployed) !== expressionOfMetrics(spec.expression, spec.metrics)) {
      problems.push(`its alarmed expression is ${alarmed[0].Expression}, not the sum of the four (${spec.expression})`);
    }
  }
  const needed = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods ?? 1;
  if (needed > 1) problems.push(`it alarms on ${needed} of ${String(alarm.EvaluationPeriods ?? '?')} periods: one failed or dropped timer is one datapoint and never alarms`);
  if (alarm.ComparisonOperator !== 'GreaterThanThreshold' || alarm.Threshold !== 0) problems.push(`it fires on ${alarm.ComparisonOperator ?? '?'} ${String(alarm.Threshold ?? '?')}, not on any failure (GreaterThanThreshold 0)`);
  if (alarm.ActionsEnabled === false) problems.push('its actions are disabled');
  if (!(alarm.AlarmActions ?? []).includes(healthTopicArn)) problems.push(`its ALARM actions (${(alarm.AlarmActions ?? []).join(', ') || 'none'}) do not notify the automation health topic ${healthTopicArn}`);
  return problems;
}

const describeRetry = (r: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number } | undefined): string =>
  r ? `${String(r.MaximumEventAgeInSeconds ?? '?')} s / ${String(r.MaximumRetryAttempts ?? '?')} attempts` : 'none';

/** A shell word: single-quoted, a quote inside written '\''. */
const shellQuote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** The update-schedule that gives a live schedule the lane's RetryPolicy, everything else as read (UpdateSchedule replaces the whole schedule). */
export function restoreRetryCommand(schedule: GetScheduleCommandOutput, lane: ScheduleLane, region: string): string {
  const target = { ...schedule.Target, RetryPolicy: { ...lane.retry } };
  return [
    `aws scheduler update-schedule --region ${region} --group-name ${lane.groupName} --name ${schedule.Name ?? '?'}`,
    `--schedule-expression ${shellQuote(schedule.ScheduleExpression ?? '')}`,
    ...(schedule.ScheduleExpressionTimezone ? [`--schedule-expression-timezone ${schedule.ScheduleExpressionTimezone}`] : []),
    `--flexible-time-window ${shellQuote(JSON.stringify(schedule.FlexibleTimeWindow ?? { Mode: 'OFF' }))}`,
    ...(schedule.ActionAfterCompletion ? [`--action-after-completion ${schedule.ActionAfterCompletion}`] : []),
    ...(schedule.Description ? [`--description ${shellQuote(schedule.Description)}`] : []),
    `--target ${shellQuote(JSON.stringify(target))}`,
  ].join(' ');
}

/** Each lane: its alarm, then its live schedules. */
export async function checkScheduleDelivery(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const healthTopicArn = `arn:${target.partition}:sns:${target.region}:${target.account}:${expected.health.topicName}`;
  const deploy = `npx cdk deploy -c environment=${expected.environment} -c region=${target.region} NotificationRunbooks-${expected.environment}-${target.region} (the runbook stack writes the alarm: infra EscalationTimers.watchHealth)`;
  for (const lane of scheduleLanes(expected)) {
    const name = laneAlarmName(lane);
    const alarm = (await clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.find((a) => a.AlarmName === name);
    const problems = laneAlarmProblems(alarm, lane, healthTopicArn);
    results.push(
      problems.length === 0
        ? pass('plumbing', 'schedule-lane-alarm', name, `alarm "${name}" sums ${SCHEDULER_FAILURE_METRICS.join(', ')} of group ${lane.groupName} and notifies ${healthTopicArn}: a ${lane.target} schedule Scheduler fails or drops (no dead-letter queue, decision 239) is heard`)
        : fail(
            'plumbing',
            'schedule-lane-alarm',
            name,
            `alarm "${name}": ${problems.join('; ')}: the ${lane.target} schedules carry no dead-letter queue, so one Scheduler cannot deliver is dropped after its retry policy (${describeRetry(lane.retry)}) and lost, nobody told`,
            deploy,
          ),
    );
    results.push(...(await checkLiveSchedules(clients, lane, target)));
  }
  return results;
}

async function checkLiveSchedules(clients: PreflightClients, lane: ScheduleLane, target: PreflightTarget): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const names: string[] = [];
  for await (const page of paginateListSchedules({ client: clients.scheduler }, { GroupName: lane.groupName })) names.push(...(page.Schedules ?? []).flatMap((s) => (s.Name ? [s.Name] : [])));
  let asCreated = 0;
  for (const scheduleName of names) {
    let schedule: GetScheduleCommandOutput;
    try {
      schedule = await clients.scheduler.send(new GetScheduleCommand({ GroupName: lane.groupName, Name: scheduleName }));
    } catch (error) {
      // Run and deleted (ActionAfterCompletion DELETE) between the list and the read: nothing left to judge.
      if ((error as { name?: string }).name === 'ResourceNotFoundException') continue;
      throw error;
    }
    const subject = `${lane.groupName}/${scheduleName}`;
    const retry = schedule.Target?.RetryPolicy;
    const deadLetter = schedule.Target?.DeadLetterConfig?.Arn;
    let judged = false;
    if (deadLetter) {
      judged = true;
      const role = schedule.Target?.RoleArn ?? '';
      const { denied } = role ? await simulateGroups(clients.iam, role, [{ actions: ['sqs:SendMessage'], resources: [deadLetter], context: [] }]) : { denied: ['sqs:SendMessage (the schedule names no execution role)'] };
      results.push(
        denied.length === 0
          ? pass('plumbing', 'schedule-delivery', subject, `schedule ${subject}: a failed delivery goes to its dead-letter queue ${deadLetter}, which its role ${role} may send to (sqs:SendMessage)`)
          : fail(
              'plumbing',
              'schedule-delivery',
              subject,
              `schedule ${subject} names the dead-letter queue ${deadLetter}, but its execution role is denied ${denied.join('; ')}: a delivery that fails is lost there`,
              `aws iam put-role-policy --role-name ${role.split('/').pop() ?? '?'} --policy-name scheduler-dead-letter --policy-document ${shellQuote(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: deadLetter }] }))}`,
            ),
      );
    }
    if (retry?.MaximumEventAgeInSeconds !== lane.retry.MaximumEventAgeInSeconds || retry.MaximumRetryAttempts !== lane.retry.MaximumRetryAttempts) {
      judged = true;
      results.push(
        warn(
          'plumbing',
          'schedule-delivery',
          subject,
          `schedule ${subject} has RetryPolicy ${describeRetry(retry)}, not the lane's ${describeRetry(lane.retry)} (the handlers' since decision 239): a ${lane.target} invocation Scheduler cannot deliver is ${(retry?.MaximumEventAgeInSeconds ?? 86400) > lane.retry.MaximumEventAgeInSeconds ? 'retried, and may arrive, later' : 'dropped sooner'} than the lane decides (a drop is still counted in the lane's alarm)`,
          restoreRetryCommand(schedule, lane, target.region),
        ),
      );
    }
    if (!judged) asCreated += 1;
  }
  results.push(
    pass(
      'plumbing',
      'schedule-delivery',
      lane.groupName,
      `group ${lane.groupName}: ${names.length} live schedule(s)${asCreated === names.length ? '' : `, ${asCreated}`} as the handlers create them (RetryPolicy ${describeRetry(lane.retry)}, no dead-letter queue: a drop is counted in InvocationDroppedCount, which the lane's alarm sums)`,
    ),
  );
  return results;
}
