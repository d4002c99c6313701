// Preflight: a timer Scheduler cannot deliver is not lost unheard. The handlers' schedules carry no dead-letter queue
// (decision 239): the lane's alarm is what tells anyone; a live schedule with a dead-letter queue its role cannot send
// to, or another RetryPolicy than the lane's, is named with the call that fixes it.
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { checkScheduleDelivery, laneAlarmName, laneAlarmProblems, restoreRetryCommand, scheduleLanes } from '../../../../cli/preflight/schedule-delivery-checks';
import { schedulerAlarmInput } from '../../../../sandbox/automation-health';
import { ESCALATION_TIMER_RETRY, schedulerAlarmSpec, VERIFY_CHECK_RETRY } from '../../../../shared/config/automation-health';
import { clients, expectationsFor, TARGET } from './support';

const cloudWatch = mockClient(CloudWatchClient);
const scheduler = mockClient(SchedulerClient);
const iam = mockClient(IAMClient);

const HEALTH = 'arn:aws:sns:us-east-1:111122223333:notification-runbooks-automation-health';
const ESCALATION = 'notification-runbooks';
const VERIFY = 'notification-runbooks-verify';
const TIMER_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:notification-runbooks-escalation-timer';
const ROLE = 'arn:aws:iam::111122223333:role/notification-runbooks-escalation-scheduler-us-east-1';
const DLQ = 'arn:aws:sqs:us-east-1:111122223333:timers-dlq';

/** The lane's alarm as deployed (the PutMetricAlarm input the sandbox writes from infra's spec), as DescribeAlarms answers it. */
function deployedAlarm(groupName: string, target: string, actions: string[] = [HEALTH]): MetricAlarm {
  const input = schedulerAlarmInput(schedulerAlarmSpec({ groupName, target, stops: 'x', retry: 'y' }), actions);
  return { ...input, ActionsEnabled: true } as MetricAlarm;
}

/** A live schedule as createOneTimeSchedule leaves it, GetSchedule's answer. */
function timer(name: string, target: Partial<NonNullable<GetScheduleCommandOutput['Target']>> = {}): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Name: name,
    GroupName: ESCALATION,
    ScheduleExpression: 'at(2026-12-07T01:00:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: "escalate to L2 (it's due)",
    Target: { Arn: TIMER_ARN, RoleArn: ROLE, Input: '{"incident":"a"}', RetryPolicy: { ...ESCALATION_TIMER_RETRY }, ...target },
  };
}

function wired(alarms: Record<string, MetricAlarm | undefined>, schedules: GetScheduleCommandOutput[] = []): void {
  cloudWatch.reset();
  scheduler.reset();
  iam.reset();
  cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({ MetricAlarms: input.AlarmNames.flatMap((n) => (alarms[n] ? [alarms[n]] : [])) }));
  scheduler.on(ListSchedulesCommand).callsFake((input: { GroupName: string }) => ({ Schedules: schedules.filter((s) => s.GroupName === input.GroupName).map((s) => ({ Name: s.Name, GroupName: s.GroupName })) }));
  scheduler.on(GetScheduleCommand).callsFake((input: { Name: string }) => schedules.find((s) => s.Name === input.Name));
}

const lanes = scheduleLanes(expectationsFor('production'));
const [escalationLane, verifyLane] = lanes;
const asDeployed = (): Record<string, MetricAlarm> => ({
  [laneAlarmName(escalationLane!)]: deployedAlarm(ESCALATION, 'escalation-timer'),
  [laneAlarmName(verifyLane!)]: deployedAlarm(VERIFY, 'verify-change'),
});
const run = () => checkScheduleDelivery(clients(), expectationsFor('production'), TARGET);
const lines = (results: Array<{ status: string; check: string; subject: string }>) => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('the lanes', () => {
  it("are production's two groups, each with the RetryPolicy the handlers give its schedules", () => {
    expect(lanes).toEqual([
      { groupName: ESCALATION, target: 'escalation-timer', retry: ESCALATION_TIMER_RETRY },
      { groupName: VERIFY, target: 'verify-change', retry: VERIFY_CHECK_RETRY },
    ]);
    expect(laneAlarmName(escalationLane!)).toBe('notification-runbooks schedules failing to invoke escalation-timer');
  });
});

/** The deployed escalation lane alarm with each of its metric queries edited. */
function withQueries(edit: (query: NonNullable<MetricAlarm['Metrics']>[number]) => NonNullable<MetricAlarm['Metrics']>[number]): MetricAlarm {
  const alarm = deployedAlarm(ESCALATION, 'escalation-timer');
  return { ...alarm, Metrics: (alarm.Metrics ?? []).map(edit) };
}

describe('laneAlarmProblems (pure)', () => {
  it.each([
    ['as deployed', deployedAlarm(ESCALATION, 'escalation-timer'), []],
    ['missing', undefined, ['it does not exist']],
    ["the other lane's group", deployedAlarm(VERIFY, 'escalation-timer'), ['TargetErrorCount', 'TargetErrorThrottledCount', 'InvocationThrottleCount', 'InvocationDroppedCount'].map((m) => `it does not watch AWS/Scheduler ${m} of group ${ESCALATION}`)],
    ['actions disabled', { ...deployedAlarm(ESCALATION, 'escalation-timer'), ActionsEnabled: false }, ['its actions are disabled']],
    ['another topic notified', deployedAlarm(ESCALATION, 'escalation-timer', ['arn:aws:sns:us-east-1:111122223333:other']), [`its ALARM actions (arn:aws:sns:us-east-1:111122223333:other) do not notify the automation health topic ${HEALTH}`]],
    ['InvocationDroppedCount left out of the sum', (() => { const a = deployedAlarm(ESCALATION, 'escalation-timer'); return { ...a, Metrics: (a.Metrics ?? []).map((q) => (q.Expression ? { ...q, Expression: 'SUM([FILL(m0, 0), FILL(m1, 0), FILL(m2, 0)])' } : q)) }; })(), ['its alarmed expression does not include InvocationDroppedCount (m3)']],
    ['fires only above 5', { ...deployedAlarm(ESCALATION, 'escalation-timer'), Threshold: 5 }, ['it fires on GreaterThanThreshold 5, not on any failure (GreaterThanThreshold 0)']],
    // Review 16, R16-7: edits that "de-noise" the alarm until one dropped timer never reaches it.
    ['3 of 3 periods', { ...deployedAlarm(ESCALATION, 'escalation-timer'), EvaluationPeriods: 3 }, ['it alarms on 3 of 3 periods: one failed or dropped timer is one datapoint and never alarms']],
    ['2 of 3 datapoints', { ...deployedAlarm(ESCALATION, 'escalation-timer'), EvaluationPeriods: 3, DatapointsToAlarm: 2 }, ['it alarms on 2 of 3 periods: one failed or dropped timer is one datapoint and never alarms']],
    ['1 of 3 datapoints (still one is enough)', { ...deployedAlarm(ESCALATION, 'escalation-timer'), EvaluationPeriods: 3, DatapointsToAlarm: 1 }, []],
    ['the expression multiplied by 0', withQueries((q) => (q.Expression ? { ...q, Expression: `${q.Expression} * 0` } : q)), [`its alarmed expression is SUM([FILL(m0, 0), FILL(m1, 0), FILL(m2, 0), FILL(m3, 0)]) * 0, not the sum of the four (SUM([FILL(m0, 0), FILL(m1, 0), FILL(m2, 0), FILL(m3, 0)]))`]],
    ['the same sum with other ids and spacing', withQueries((q) => (q.Expression ? { ...q, Expression: 'SUM([FILL(d,0),FILL(c,0),FILL(b,0),FILL(a,0)])' } : { ...q, Id: { m0: 'd', m1: 'c', m2: 'b', m3: 'a' }[q.Id ?? ''] ?? q.Id })), []],
    ['an extra dimension', withQueries((q) => (q.MetricStat?.Metric?.MetricName === 'InvocationDroppedCount' ? { ...q, MetricStat: { ...q.MetricStat, Metric: { ...q.MetricStat.Metric, Dimensions: [...(q.MetricStat.Metric.Dimensions ?? []), { Name: 'ScheduleName', Value: 'escalate-l2' }] } } } : q)), ['its InvocationDroppedCount also names ScheduleName=escalate-l2: Scheduler publishes the metric with ScheduleGroup only, so that series has no data']],
    ['a one-day period', withQueries((q) => (q.MetricStat ? { ...q, MetricStat: { ...q.MetricStat, Period: 86400 } } : q)), ['TargetErrorCount', 'TargetErrorThrottledCount', 'InvocationThrottleCount', 'InvocationDroppedCount'].map((m) => `its ${m} is summed over 86400 s: a failure is heard up to that late, not within 300 s`)],
    ['the Minimum, not the Sum', withQueries((q) => (q.MetricStat?.Metric?.MetricName === 'TargetErrorCount' ? { ...q, MetricStat: { ...q.MetricStat, Stat: 'Minimum' } } : q)), ['its TargetErrorCount is the Minimum, not the Sum of failures']],
    // Decision 325 (319's comparison, alarm-unit.ts): a query whose Unit is not the one Scheduler publishes sees no datapoint.
    ['every query on Unit Count (what Scheduler publishes)', withQueries((q) => (q.MetricStat ? { ...q, MetricStat: { ...q.MetricStat, Unit: 'Count' } } : q)), []],
    ['InvocationDroppedCount on Unit Seconds', withQueries((q) => (q.MetricStat?.Metric?.MetricName === 'InvocationDroppedCount' ? { ...q, MetricStat: { ...q.MetricStat, Unit: 'Seconds' } } : q)), ["its InvocationDroppedCount's unit is Seconds, not Count, the unit Scheduler writes InvocationDroppedCount with: that query matches no datapoint, so a failure counted there is never heard"]],
    ['every query on Unit Count/Second', withQueries((q) => (q.MetricStat ? { ...q, MetricStat: { ...q.MetricStat, Unit: 'Count/Second' } } : q)), ['TargetErrorCount', 'TargetErrorThrottledCount', 'InvocationThrottleCount', 'InvocationDroppedCount'].map((m) => `its ${m}'s unit is Count/Second, not Count, the unit Scheduler writes ${m} with: that query matches no datapoint, so a failure counted there is never heard`)],
  ] as Array<[string, MetricAlarm | undefined, string[]]>)('%s', (_case, alarm, problems) => {
    expect(laneAlarmProblems(alarm, escalationLane!, HEALTH)).toEqual(problems);
  });
});

describe('checkScheduleDelivery', () => {
  it('both lanes alarmed as deployed, a live timer as the handlers create it: PASS, no simulation', async () => {
    wired(asDeployed(), [timer('escalate-l2-a')]);
    const results = await run();
    expect(lines(results)).toEqual([
      `PASS schedule-lane-alarm ${laneAlarmName(escalationLane!)}`,
      `PASS schedule-delivery ${ESCALATION}`,
      `PASS schedule-lane-alarm ${laneAlarmName(verifyLane!)}`,
      `PASS schedule-delivery ${VERIFY}`,
    ]);
    expect(results[1]?.message).toBe(`group ${ESCALATION}: 1 live schedule(s) as the handlers create them (RetryPolicy 900 s / 185 attempts, no dead-letter queue: a drop is counted in InvocationDroppedCount, which the lane's alarm sums)`);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(0);
  });

  it("the escalation lane's alarm deleted: FAIL, a failed timer would be lost with nobody told; the fix the stack's deploy", async () => {
    wired({ ...asDeployed(), [laneAlarmName(escalationLane!)]: undefined });
    const results = await run();
    expect(lines(results).filter((l) => !l.startsWith('PASS'))).toEqual([`FAIL schedule-lane-alarm ${laneAlarmName(escalationLane!)}`]);
    expect(results[0]?.message).toBe(
      `alarm "${laneAlarmName(escalationLane!)}": it does not exist: the escalation-timer schedules carry no dead-letter queue, so one Scheduler cannot deliver is dropped after its retry policy (900 s / 185 attempts) and lost, nobody told`,
    );
    expect(results[0]?.fix).toBe(
      'npx cdk deploy -c environment=production -c region=us-east-1 NotificationRunbooks-production-us-east-1 (the runbook stack writes the alarm: infra EscalationTimers.watchHealth)',
    );
  });

  it("a timer with Scheduler's default RetryPolicy (24 h): WARN, with the update-schedule that restores the lane's, everything else as read", async () => {
    const old = timer('escalate-l3-b', { RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } });
    wired(asDeployed(), [old]);
    const results = await run();
    const warned = results.find((r) => r.status === 'WARN');
    expect(warned).toMatchObject({ check: 'schedule-delivery', subject: `${ESCALATION}/escalate-l3-b` });
    expect(warned?.message).toContain("has RetryPolicy 86400 s / 185 attempts, not the lane's 900 s / 185 attempts");
    expect(warned?.message).toContain('retried, and may arrive, later than the lane decides');
    expect(warned?.fix).toBe(
      `aws scheduler update-schedule --region us-east-1 --group-name ${ESCALATION} --name escalate-l3-b --schedule-expression 'at(2026-12-07T01:00:00)' --schedule-expression-timezone UTC --flexible-time-window '{"Mode":"OFF"}' --action-after-completion DELETE --description 'escalate to L2 (it'\\''s due)' --target '{"Arn":"${TIMER_ARN}","RoleArn":"${ROLE}","Input":"{\\"incident\\":\\"a\\"}","RetryPolicy":{"MaximumEventAgeInSeconds":900,"MaximumRetryAttempts":185}}'`,
    );
    expect(results.find((r) => r.subject === ESCALATION)?.message).toContain('1 live schedule(s), 0 as the handlers create them');
  });

  it('a dead-letter queue its execution role may not send to: FAIL (the dead-letter event is lost), simulated on the queue', async () => {
    wired(asDeployed(), [timer('escalate-l2-c', { DeadLetterConfig: { Arn: DLQ } })]);
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [{ EvalActionName: 'sqs:SendMessage', EvalResourceName: DLQ, EvalDecision: 'implicitDeny' }] });
    const results = await run();
    const failed = results.find((r) => r.status === 'FAIL');
    expect(failed?.message).toBe(`schedule ${ESCALATION}/escalate-l2-c names the dead-letter queue ${DLQ}, but its execution role is denied sqs:SendMessage on ${DLQ} (implicitDeny): a delivery that fails is lost there`);
    expect(failed?.fix).toContain(`aws iam put-role-policy --role-name notification-runbooks-escalation-scheduler-us-east-1 --policy-name scheduler-dead-letter --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"${DLQ}"}]}'`);
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input)).toEqual([{ PolicySourceArn: ROLE, ActionNames: ['sqs:SendMessage'], ResourceArns: [DLQ] }]);
  });

  it('a schedule deleted between the list and the read (it ran): skipped, not an error', async () => {
    wired(asDeployed(), [timer('escalate-l2-d')]);
    scheduler.on(GetScheduleCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    expect(lines(await run())).toEqual(lines(await (wired(asDeployed()), run())));
  });
});

describe('restoreRetryCommand', () => {
  it('keeps a schedule without a timezone or description as it is', () => {
    const bare = { ...timer('t'), ScheduleExpressionTimezone: undefined, Description: undefined, ActionAfterCompletion: undefined };
    expect(restoreRetryCommand(bare, verifyLane!, 'us-west-2')).toBe(
      `aws scheduler update-schedule --region us-west-2 --group-name ${VERIFY} --name t --schedule-expression 'at(2026-12-07T01:00:00)' --flexible-time-window '{"Mode":"OFF"}' --target '{"Arn":"${TIMER_ARN}","RoleArn":"${ROLE}","Input":"{\\"incident\\":\\"a\\"}","RetryPolicy":{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}}'`,
    );
  });
});
