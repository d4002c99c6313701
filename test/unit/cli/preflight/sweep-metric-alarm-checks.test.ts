// Preflight reads back the sweep metric alarms (decisions 300, 311, 317): each sweep falling behind and each
// refused-record metric of the two sweeps. An alarm missing, on another metric or dimension set than the handler writes,
// with another threshold or evaluation, or not notifying the health topic, pages nobody: a FAIL naming each difference.
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { checkSweepMetricAlarms, expectedSweepMetricAlarms, sweepMetricAlarmProblems } from '../../../../cli/preflight/sweep-metric-alarm-checks';
import { sweepMetricAlarmInput } from '../../../../sandbox/automation-health';
import { REFUSED_ALARM_PERIODS, sweepMetricAlarmSpecs, type SweepMetricAlarmSpec } from '../../../../shared/config/automation-health';
import { awsError, clients, expectationsFor, TARGET } from './support';

const cloudWatch = mockClient(CloudWatchClient);
const HEALTH = 'arn:aws:sns:us-east-1:111122223333:notification-runbooks-automation-health';

/** The alarm as deployed (the PutMetricAlarm input the sandbox writes from infra's spec), as DescribeAlarms answers it. */
const deployed = (spec: SweepMetricAlarmSpec, actions: string[] = [HEALTH]): MetricAlarm => ({ ...(sweepMetricAlarmInput(spec, actions) as MetricAlarm), ActionsEnabled: true });

function wired(alarms: MetricAlarm[]): void {
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({ MetricAlarms: alarms.filter((a) => input.AlarmNames.includes(a.AlarmName ?? '')) }));
}

const production = expectationsFor('production');
const specs = expectedSweepMetricAlarms(production);
const spec = (metricName: string): SweepMetricAlarmSpec => {
  const found = specs.find((s) => s.metricName === metricName);
  if (!found) throw new Error(`no spec for ${metricName}`);
  return found;
};
const lines = (results: Array<{ status: string; check: string; subject: string }>): string[] => results.map((r) => `${r.status} ${r.check} ${r.subject}`);

describe('the sweep metric alarms a region deploys', () => {
  it("production us-east-1 (both sweep handlers): each sweep's backlog alarm and the five refused-record alarms, each on its handler's metric as Powertools writes it", () => {
    expect(specs.map((s) => [s.alarmName, s.metricName, s.dimensions, `${s.datapointsToAlarm} of ${s.evaluationPeriods}`])).toEqual([
      ['notification-runbooks escalation sweep leaving overdue timers', 'TimersLeftForNextSweep', { service: 'notification-runbooks', environment: 'production', handler: 'escalation-timer' }, '2 of 3'],
      ['notification-runbooks escalation sweep refusing a held resolution entry', 'HeldEntriesRefused', { service: 'notification-runbooks', environment: 'production', handler: 'escalation-timer' }, '1 of 3'],
      ['notification-runbooks escalation sweep setting a held resolution aside', 'HeldResolutionsSetAside', { service: 'notification-runbooks', environment: 'production', handler: 'escalation-timer' }, '1 of 3'],
      ['notification-runbooks escalation sweep refusing an unresolved incident record', 'UnresolvedRecordsRefused', { service: 'notification-runbooks', environment: 'production', handler: 'escalation-timer' }, '1 of 3'],
      // verify-change's Metrics name the handler `playbook`, as every playbook's (create-verify-change-handler.ts).
      // Its backlog: 2 of 3 sweeps, as escalation-timer's (decisions 317, 319).
      ['notification-runbooks verify sweep leaving overdue health checks', 'HealthChecksLeftForNextSweep', { service: 'notification-runbooks', environment: 'production', playbook: 'verify-change' }, '2 of 3'],
      ['notification-runbooks verify sweep refusing a listed health check', 'VerifyDueRefused', { service: 'notification-runbooks', environment: 'production', playbook: 'verify-change' }, '1 of 3'],
      ['notification-runbooks verify sweep unable to judge a health check', 'HealthChecksRefused', { service: 'notification-runbooks', environment: 'production', playbook: 'verify-change' }, '1 of 3'],
    ]);
    expect(REFUSED_ALARM_PERIODS).toBe(3);
    for (const s of specs) expect([s.namespace, s.statistic, s.periodSeconds, s.threshold, s.comparisonOperator, s.treatMissingData]).toEqual(['NotificationService/Runbooks', 'Sum', 300, 0, 'GreaterThanThreshold', 'notBreaching']);
  });

  it('each name is its own, and each description fits CloudWatch (AlarmDescription: at most 1024 characters) and says what a person does', () => {
    const all = sweepMetricAlarmSpecs('production');
    expect(new Set(all.map((s) => s.alarmName)).size).toBe(all.length);
    expect(new Set(all.map((s) => s.constructId)).size).toBe(all.length);
    for (const s of all) {
      expect(s.alarmDescription.length).toBeLessThanOrEqual(1024);
      expect(s.alarmDescription).toContain(s.metricName);
    }
  });

  it('a region without verify-change has only escalation-timer\'s; one without either has none', () => {
    const noVerify = { ...production, handlers: production.handlers.filter((h) => h.name !== 'verify-change') };
    expect(expectedSweepMetricAlarms(noVerify).map((s) => s.handler)).toEqual(['escalation-timer', 'escalation-timer', 'escalation-timer', 'escalation-timer']);
    const none = { ...production, handlers: production.handlers.filter((h) => h.name !== 'verify-change' && h.name !== 'escalation-timer') };
    expect(expectedSweepMetricAlarms(none)).toEqual([]);
  });

  it("staging's alarms carry staging's environment dimension", () => {
    expect(new Set(expectedSweepMetricAlarms(expectationsFor('staging')).map((s) => s.dimensions.environment))).toEqual(new Set(['staging']));
  });
});

describe('sweepMetricAlarmProblems (pure)', () => {
  const held = spec('HeldEntriesRefused');
  const verifyDue = spec('VerifyDueRefused');
  const asDeployed = deployed(held);

  it('the alarm as the sandbox writes it from the spec (what infra synthesizes): no problem', () => {
    for (const s of specs) expect(sweepMetricAlarmProblems(deployed(s), s, HEALTH)).toEqual([]);
  });

  it('Unit unset (matches any unit, as infra deploys it) or Count (what the handlers write): no problem', () => {
    expect(asDeployed.Unit).toBeUndefined();
    expect(sweepMetricAlarmProblems({ ...asDeployed, Unit: 'Count' }, held, HEALTH)).toEqual([]);
  });

  it.each<[string, MetricAlarm | undefined, SweepMetricAlarmSpec, string[]]>([
    ['missing', undefined, held, ['it does not exist']],
    [
      "verify-change's alarm on a `handler` dimension (escalation-timer's key), which verify-change does not write",
      { ...deployed(verifyDue), Dimensions: [{ Name: 'service', Value: 'notification-runbooks' }, { Name: 'environment', Value: 'production' }, { Name: 'handler', Value: 'verify-change' }] },
      verifyDue,
      ['its dimensions are environment=production, handler=verify-change, service=notification-runbooks, not environment=production, playbook=verify-change, service=notification-runbooks (what Powertools writes for verify-change): that series has no data'],
    ],
    [
      'without the service dimension',
      { ...asDeployed, Dimensions: [{ Name: 'environment', Value: 'production' }, { Name: 'handler', Value: 'escalation-timer' }] },
      held,
      ['its dimensions are environment=production, handler=escalation-timer, not environment=production, handler=escalation-timer, service=notification-runbooks (what Powertools writes for escalation-timer): that series has no data'],
    ],
    [
      'another environment',
      { ...asDeployed, Dimensions: [{ Name: 'service', Value: 'notification-runbooks' }, { Name: 'environment', Value: 'staging' }, { Name: 'handler', Value: 'escalation-timer' }] },
      held,
      ['its dimensions are environment=staging, handler=escalation-timer, service=notification-runbooks, not environment=production, handler=escalation-timer, service=notification-runbooks (what Powertools writes for escalation-timer): that series has no data'],
    ],
    ['another metric name', { ...asDeployed, MetricName: 'HeldEntryRefused' }, held, ['it watches NotificationService/Runbooks HeldEntryRefused, not NotificationService/Runbooks HeldEntriesRefused, the metric escalation-timer counts']],
    ['another namespace', { ...asDeployed, Namespace: 'NotificationService' }, held, ['it watches NotificationService HeldEntriesRefused, not NotificationService/Runbooks HeldEntriesRefused, the metric escalation-timer counts']],
    ['the Average', { ...asDeployed, Statistic: 'Average' }, held, ['it is the Average, not the Sum of what the sweeps counted']],
    // Decision 319 (review 19 R19-15): the handlers write Count; an alarm on another unit matches no datapoint.
    ['Unit Seconds (never matches what the sweep writes)', { ...asDeployed, Unit: 'Seconds' }, held, ['its unit is Seconds, not Count, the unit escalation-timer writes HeldEntriesRefused with: it matches no datapoint and never fires']],
    ["the verify backlog's on Unit Percent", { ...deployed(spec('HealthChecksLeftForNextSweep')), Unit: 'Percent' }, spec('HealthChecksLeftForNextSweep'), ['its unit is Percent, not Count, the unit verify-change writes HealthChecksLeftForNextSweep with: it matches no datapoint and never fires']],
    ['over 1 hour', { ...asDeployed, Period: 3600 }, held, ["its period is 3600 s, not the sweep's 300 s"]],
    ['3 of 3 (a record named by one sweep only never alarms)', { ...asDeployed, DatapointsToAlarm: 3 }, held, ['it alarms on 3 of 3 periods, not 1 of 3']],
    ['DatapointsToAlarm unset on 1 of 1', { ...asDeployed, DatapointsToAlarm: undefined, EvaluationPeriods: 1 }, held, ['it alarms on 1 of 1 periods, not 1 of 3']],
    ['a threshold of 5', { ...asDeployed, Threshold: 5 }, held, ['it fires on GreaterThanThreshold 5, not GreaterThanThreshold 0']],
    ['>= 0 (always in ALARM)', { ...asDeployed, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }, held, ['it fires on GreaterThanOrEqualToThreshold 0, not GreaterThanThreshold 0']],
    ['missing data breaching', { ...asDeployed, TreatMissingData: 'breaching' }, held, ['it treats missing data as breaching, not notBreaching (a sweep that counted nothing publishes no point)']],
    ['missing data unset (CloudWatch: missing)', { ...asDeployed, TreatMissingData: undefined }, held, ['it treats missing data as missing, not notBreaching (a sweep that counted nothing publishes no point)']],
    ['actions disabled', { ...asDeployed, ActionsEnabled: false }, held, ['its actions are disabled']],
    ['notifying another topic only', deployed(held, ['arn:aws:sns:us-east-1:111122223333:notification-escalation-l1-devops']), held, [`its ALARM actions (arn:aws:sns:us-east-1:111122223333:notification-escalation-l1-devops) do not notify the automation health topic ${HEALTH}`]],
    ['no action', deployed(held, []), held, [`its ALARM actions (none) do not notify the automation health topic ${HEALTH}`]],
  ])('%s', (_case, alarm, expectedSpec, problems) => {
    expect(sweepMetricAlarmProblems(alarm, expectedSpec, HEALTH)).toEqual(problems);
  });
});

describe('checkSweepMetricAlarms', () => {
  it('every alarm as deployed: one PASS each, from one DescribeAlarms naming the seven', async () => {
    expect(specs).toHaveLength(7);
    wired(specs.map((s) => deployed(s)));
    const results = await checkSweepMetricAlarms(clients(), production, TARGET);
    expect(lines(results)).toEqual(specs.map((s) => `PASS sweep-metric-alarm ${s.alarmName}`));
    expect(results[1]?.message).toBe(
      `alarm "notification-runbooks escalation sweep refusing a held resolution entry" watches NotificationService/Runbooks HeldEntriesRefused (environment=production, handler=escalation-timer, service=notification-runbooks) as escalation-timer writes it, Sum > 0 in 1 of 3 periods of 300 s, and notifies ${HEALTH}`,
    );
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames)).toEqual([specs.map((s) => s.alarmName)]);
  });

  it('one missing and one on the wrong dimension: exactly those two FAIL, with the deploy that writes them', async () => {
    const wrongDimension = { ...deployed(spec('HealthChecksRefused')), Dimensions: [{ Name: 'service', Value: 'notification-runbooks' }, { Name: 'environment', Value: 'production' }, { Name: 'handler', Value: 'verify-change' }] };
    wired([...specs.filter((s) => s.metricName !== 'UnresolvedRecordsRefused' && s.metricName !== 'HealthChecksRefused').map((s) => deployed(s)), wrongDimension]);
    const results = await checkSweepMetricAlarms(clients(), production, TARGET);
    expect(results.filter((r) => r.status === 'FAIL').map((r) => [r.subject, r.message, r.fix])).toEqual([
      [
        'notification-runbooks escalation sweep refusing an unresolved incident record',
        "alarm \"notification-runbooks escalation sweep refusing an unresolved incident record\": it does not exist: escalation-timer's sweep counts UnresolvedRecordsRefused and returns success, so nobody is paged for it (decisions 300, 311)",
        'npx cdk deploy -c environment=production -c region=us-east-1 NotificationRunbooks-production-us-east-1 (the runbook stack writes the alarm: infra EscalationTimers.watchSweepMetrics)',
      ],
      [
        'notification-runbooks verify sweep unable to judge a health check',
        expect.stringContaining('its dimensions are environment=production, handler=verify-change, service=notification-runbooks, not environment=production, playbook=verify-change, service=notification-runbooks'),
        expect.stringContaining('npx cdk deploy'),
      ],
    ]);
    expect(results.filter((r) => r.status === 'PASS')).toHaveLength(5);
  });

  it('a region deploying neither sweep handler asks for nothing', async () => {
    wired([]);
    const none = { ...production, handlers: production.handlers.filter((h) => h.name !== 'verify-change' && h.name !== 'escalation-timer') };
    expect(await checkSweepMetricAlarms(clients(), none, TARGET)).toEqual([]);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  it('DescribeAlarms refused: the check throws, for its guard to name cloudwatch:DescribeAlarms', async () => {
    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).rejects(awsError('AccessDenied'));
    await expect(checkSweepMetricAlarms(clients(), production, TARGET)).rejects.toThrow('AccessDenied');
  });
});
