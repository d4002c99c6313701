// Which alarms each handler takes (decision 184): the alarms the configuration routes to it, in its own region, of the
// deployment's account; the same check the escalation makes of a decision (trust-decision.ts), on the playbook's alarms.
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { alarmDefinitionOf } from '../../../shared/aws/alarm-state-reader';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { primaryMetric } from '../../../shared/events/primary-metric';
import { handlerTrustFacts, inDefinitionOrder, refuseUnwatchedAlarm, unboundMetrics } from '../../../shared/pipeline/alarm-binding';

const ACCOUNT = '123456789012';
const runtimeIn = (region: string, env: Record<string, string> = {}) =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_ACCOUNT_ID: ACCOUNT, RUNBOOK_CONFIG_JSON: '{}', ...env });
const alarmOf = (region: string, handler: string): string => {
  const name = alarmSpecs(runtimeIn(region).config, 'production', region).find((spec) => spec.handler === handler)?.name;
  if (!name) throw new Error(`no alarm of ${handler} in ${region}`);
  return name;
};
const claim = (region: string, name: string, account = ACCOUNT) => ({ region, alarmName: name, alarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${name}` });

const OOM = alarmOf('us-east-1', 'raise-lambda-memory');
const QUEUE = alarmOf('us-east-1', 'scale-consumers');
const DR_QUEUE = alarmOf('us-west-2', 'scale-consumers');
const DR_LAG = alarmOf('us-west-2', 'watch-standby');

describe('handlerTrustFacts', () => {
  it('watches only the alarms routed to the handler in its region', () => {
    expect([...handlerTrustFacts(runtimeIn('us-east-1'), 'raise-lambda-memory').watchedAlarms]).toEqual([OOM]);
    expect(handlerTrustFacts(runtimeIn('us-east-1'), 'scale-consumers').watchedAlarms.has(OOM)).toBe(false);
    expect(handlerTrustFacts(runtimeIn('us-west-2'), 'watch-standby').watchedAlarms.has(DR_LAG)).toBe(true);
    expect(handlerTrustFacts(runtimeIn('us-east-1'), 'watch-standby').watchedAlarms.size).toBe(0);
  });

  it("derives only the handler's own rows: an HTTP API watched without its id stops High Latency's alarm, not Connection Timeout's", () => {
    const runtime = runtimeIn('us-east-1', { RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: 'notification-service-api', type: 'http', functionName: 'notification-service-consumer' }] } }) });
    expect([...handlerTrustFacts(runtime, 'inspect-security-groups').watchedAlarms]).toEqual([alarmOf('us-east-1', 'inspect-security-groups')]);
    expect(() => handlerTrustFacts(runtime, 'check-db-connections')).toThrow(/set its id/);
  });
});

describe('refuseUnwatchedAlarm', () => {
  it.each([
    ['the OOM alarm, to raise-lambda-memory in us-east-1', 'us-east-1', 'raise-lambda-memory', claim('us-east-1', OOM)],
    ["the DR region's queue alarm, to scale-consumers there", 'us-west-2', 'scale-consumers', claim('us-west-2', DR_QUEUE)],
    ["the replica's lag alarm, to watch-standby in the DR region", 'us-west-2', 'watch-standby', claim('us-west-2', DR_LAG)],
  ])('takes %s', (_case, region, handler, event) => {
    expect(() => refuseUnwatchedAlarm(event, handlerTrustFacts(runtimeIn(region), handler))).not.toThrow();
  });

  it.each([
    ['the OOM alarm relabelled us-west-2, to the primary handler', 'us-east-1', 'raise-lambda-memory', claim('us-west-2', OOM), 'alarm in us-west-2 reached raise-lambda-memory of us-east-1, which re-reads alarms in its own region only'],
    ['the OOM alarm relabelled eu-west-1', 'us-east-1', 'raise-lambda-memory', claim('eu-west-1', OOM), 'region eu-west-1 is not a region of the production environment (us-east-1, us-west-2)'],
    ["the primary's queue alarm, to the DR region's scale-consumers", 'us-west-2', 'scale-consumers', claim('us-east-1', QUEUE), 'alarm in us-east-1 reached scale-consumers of us-west-2'],
    ['the queue alarm, to raise-lambda-memory', 'us-east-1', 'raise-lambda-memory', claim('us-east-1', QUEUE), `alarm "${QUEUE}" is not one the production environment watches with raise-lambda-memory in us-east-1`],
    ["the DR lag alarm, to a primary region's watch-standby", 'us-east-1', 'watch-standby', claim('us-east-1', DR_LAG), 'is not one the production environment watches with watch-standby in us-east-1'],
    ['an alarm of another account', 'us-east-1', 'raise-lambda-memory', claim('us-east-1', OOM, '999999999999'), "names account 999999999999, not this deployment's workload account 123456789012"],
    ['an alarm name that is not the one in its ARN', 'us-east-1', 'raise-lambda-memory', { ...claim('us-east-1', OOM), alarmName: QUEUE }, 'is not the name in its ARN'],
  ])('refuses %s as input', (_case, region, handler, event, reason) => {
    expect(() => refuseUnwatchedAlarm(event, handlerTrustFacts(runtimeIn(region), handler))).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(reason) }));
  });
});

describe("unboundMetrics: the event's metrics against the alarm's own, as the re-read (DescribeAlarms) answers it", () => {
  const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '../../fixtures/events', `alarm-state-change-${name}.json`), 'utf8')) as Record<string, unknown>;
  /** A fixture with `edit` applied to its raw configuration, parsed as the pipeline parses it. */
  const event = (name: string, edit: (configuration: Configuration) => void = () => undefined) => {
    const raw = fixture(name) as { detail: { configuration: Configuration } };
    edit(raw.detail.configuration);
    return parseAlarmEvent(raw);
  };
  type Series = { id?: string; expression?: string; accountId?: string; returnData?: boolean; metricStat?: { metric: { namespace: string; name: string; dimensions?: Record<string, string> } } };
  type Configuration = { metrics?: Series[]; alarmRule?: string };
  const series = (configuration: Configuration, id: string): Series => {
    const found = configuration.metrics?.find((s) => s.id === id);
    if (!found) throw new Error(`no series ${id}`);
    return found;
  };
  const first = (configuration: Configuration): Series => configuration.metrics?.[0] ?? {};
  const metricOf = (s: Series) => {
    if (!s.metricStat) throw new Error('no metricStat');
    return s.metricStat.metric;
  };

  const FN = [{ Name: 'FunctionName', Value: 'notification-service-consumer' }];
  // As DescribeAlarms answers the alarms the fixtures are events of (MetricAlarm / CompositeAlarm shapes).
  const OOM: MetricAlarm = { AlarmName: 'oom', Namespace: 'NotificationService', MetricName: 'OutOfMemoryErrors', Dimensions: [], Statistic: 'Sum', Period: 60 };
  const ERROR_RATE: MetricAlarm = {
    AlarmName: 'error rate',
    Metrics: [
      { Id: 'errors', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: FN }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      { Id: 'invocations', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: FN }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      { Id: 'errorRate', Expression: 'errors / invocations * 100', Label: 'Error rate (%)', ReturnData: true },
    ],
  };
  const INSTANCE = [{ Name: 'InstanceId', Value: 'i-12345678901234567' }];
  const NETWORK: MetricAlarm = {
    AlarmName: 'TotalNetworkTrafficTooHigh',
    Metrics: [
      { Id: 'e1', Expression: 'SUM(METRICS())', Label: 'Total Network Traffic', ReturnData: true },
      { Id: 'm1', MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'NetworkIn', Dimensions: INSTANCE }, Period: 300, Stat: 'Maximum' }, ReturnData: false },
      { Id: 'm2', MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'NetworkOut', Dimensions: INSTANCE }, Period: 300, Stat: 'Maximum' }, ReturnData: false },
    ],
  };
  const ANOMALY: MetricAlarm = {
    AlarmName: 'EC2 CPU Utilization Anomaly',
    Metrics: [
      { Id: 'm1', MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: INSTANCE }, Period: 60, Stat: 'Average' }, ReturnData: true },
      { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 0.8)', Label: 'CPUUtilization (expected)', ReturnData: true },
    ],
    ThresholdMetricId: 'ad1',
  };
  const INSIGHTS: MetricAlarm = {
    AlarmName: 'DynamoDBInsightsAlarm',
    Metrics: [{ Id: 'm1', Expression: 'SELECT AVG(ConsumedWriteCapacityUnits) FROM "AWS/DynamoDB" GROUP BY TableName ORDER BY MAX() DESC', Period: 60, ReturnData: true }],
  };
  const COMPOSITE: CompositeAlarm = { AlarmName: 'ServiceAggregatedAlarm', AlarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)' };
  const metricAlarm = (alarm: MetricAlarm) => alarmDefinitionOf(alarm, undefined);

  it.each([
    ['a single-metric alarm (our OOM count, a log metric filter metric without dimensions)', event('log-metric-filter'), metricAlarm(OOM)],
    ['a metric-math alarm (our error rate: two metrics and the expression over them)', event('lambda-error-rate'), metricAlarm(ERROR_RATE)],
    ["a metric-math alarm over METRICS() (AWS's example)", event('metric-math'), metricAlarm(NETWORK)],
    ["an anomaly-detection alarm (AWS's example, whose event carries no thresholdMetricId)", event('anomaly-detection'), metricAlarm(ANOMALY)],
    ["a composite alarm (AWS's example)", event('composite'), alarmDefinitionOf(undefined, COMPOSITE)],
    [
      'a single-metric alarm whose dimensions the event lists in another order than DescribeAlarms',
      event('single-metric', (c) => void (metricOf(first(c)).dimensions = { AutoScalingGroupName: 'web', InstanceId: 'i-12345678901234567' })),
      metricAlarm({ AlarmName: 'ServerCpuTooHigh', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [...INSTANCE, { Name: 'AutoScalingGroupName', Value: 'web' }] }),
    ],
    ["a Metrics Insights alarm (AWS's example: one query, an expression)", event('metrics-insights'), metricAlarm(INSIGHTS)],
    ['a metric-math alarm whose series the event lists in another order', event('lambda-error-rate', (c) => void c.metrics?.reverse()), metricAlarm(ERROR_RATE)],
  ])('binds the genuine event of %s', (_case, genuine, definition) => {
    expect(unboundMetrics(genuine, definition)).toBeUndefined();
  });

  it.each([
    ['another namespace', event('log-metric-filter', (c) => void (metricOf(first(c)).namespace = 'AWS/Lambda')), metricAlarm(OOM), 'metrics[0].namespace: the event says "AWS/Lambda", the alarm "NotificationService"'],
    ['another metric name', event('log-metric-filter', (c) => void (metricOf(first(c)).name = 'Errors')), metricAlarm(OOM), 'metrics[0].metricName: the event says "Errors", the alarm "OutOfMemoryErrors"'],
    ['a dimension added (naming a function the alarm does not watch)', event('log-metric-filter', (c) => void (metricOf(first(c)).dimensions = { FunctionName: 'notification-service-admin' })), metricAlarm(OOM), 'metrics[0].dimensions: the event says {"FunctionName":"notification-service-admin"}, the alarm {}'],
    ['a dimension changed in a metric-math input', event('lambda-error-rate', (c) => void (metricOf(series(c, 'errors')).dimensions = { FunctionName: 'other' })), metricAlarm(ERROR_RATE), 'metrics.errors.dimensions: the event says {"FunctionName":"other"}, the alarm {"FunctionName":"notification-service-consumer"}'],
    ['the expression changed', event('lambda-error-rate', (c) => void (series(c, 'errorRate').expression = 'errors / invocations * 100000')), metricAlarm(ERROR_RATE), 'metrics.errorRate.expression: the event says "errors / invocations * 100000", the alarm "errors / invocations * 100"'],
    ['a series renamed', event('lambda-error-rate', (c) => void (series(c, 'errors').id = 'errs')), metricAlarm(ERROR_RATE), 'metrics: the event lists ids ["errorRate","errs","invocations"], the alarm ["errorRate","errors","invocations"]'],
    ['a series dropped', event('metric-math', (c) => void (c.metrics = c.metrics?.filter((s) => s.id !== 'm2'))), metricAlarm(NETWORK), 'metrics: the event lists ids ["e1","m1"], the alarm ["e1","m1","m2"]'],
    ["another account's metric on an input", event('metric-math', (c) => void (series(c, 'm1').accountId = '444455556666')), metricAlarm(NETWORK), 'metrics.m1.accountId: the event says "444455556666", the alarm (none)'],
    ['a Metrics Insights query changed', event('metrics-insights', (c) => void (series(c, 'm1').expression = 'SELECT AVG(CPUUtilization) FROM "AWS/EC2"')), metricAlarm(INSIGHTS), 'metrics.m1.expression: the event says "SELECT AVG(CPUUtilization) FROM \\"AWS/EC2\\"", the alarm "SELECT AVG(ConsumedWriteCapacityUnits) FROM \\"AWS/DynamoDB\\" GROUP BY TableName ORDER BY MAX() DESC"'],
    ["a dimension dropped (the event's metric without the alarm's FunctionName)", event('lambda-error-rate', (c) => void delete metricOf(series(c, 'invocations')).dimensions), metricAlarm(ERROR_RATE), 'metrics.invocations.dimensions: the event says {}, the alarm {"FunctionName":"notification-service-consumer"}'],
    ['a series added', event('metric-math', (c) => void c.metrics?.push({ id: 'm3', metricStat: { metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: 'i-0other' } } }, returnData: false })), metricAlarm(NETWORK), 'metrics: the event lists ids ["e1","m1","m2","m3"], the alarm ["e1","m1","m2"]'],
    ["the returned series changed (which input names the target)", event('lambda-error-rate', (c) => void (series(c, 'errors').returnData = true)), metricAlarm(ERROR_RATE), 'metrics.errors.returnData: the event says true, the alarm false'],
    ['metric math sent for a single-metric alarm', event('lambda-error-rate'), metricAlarm(OOM), 'metrics: the event lists 3 series, the alarm watches one metric'],
    ['a single metric sent for a metric-math alarm', event('log-metric-filter'), metricAlarm(ERROR_RATE), 'metrics: the event lists ids ["1f6e2d8a-0c4b-49e7-b3a5-6d9f0e2c7b18"], the alarm ["errorRate","errors","invocations"]'],
    ['a composite shape for a metric alarm', event('composite'), metricAlarm(OOM), 'kind: the event describes a composite alarm, the alarm is a metric alarm'],
    ['a metric shape for a composite alarm', event('log-metric-filter'), alarmDefinitionOf(undefined, COMPOSITE), 'kind: the event describes a metric alarm, the alarm is a composite alarm'],
    ["a composite's rule changed", event('composite', (c) => void (c.alarmRule = 'ALARM(ServerCpuTooHigh)')), alarmDefinitionOf(undefined, COMPOSITE), 'alarmRule: the event says "ALARM(ServerCpuTooHigh)", the alarm "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)"'],
    ['an alarm DescribeAlarms answered with neither metric nor rule', event('log-metric-filter'), alarmDefinitionOf({ AlarmName: 'oom' }, undefined), 'definition: not answered'],
  ])('refuses %s', (_case, forged, definition, detail) => {
    const unbound = unboundMetrics(forged, definition);
    expect(unbound?.details[0]).toBe(detail);
    expect(unbound?.reason).toContain(`alarm "${forged.alarmName}"`);
  });

  // Review 13, R13-3 (the reviewer's probe): the series are bound as a set, but the target is named by one of them in
  // list order (primaryMetric). AWS's METRICS() example with m2 on another instance: a genuine event whose series a
  // caller reversed is still bound, and must still name m1, the alarm's first input, never m2.
  const OTHER_INSTANCE = [{ Name: 'InstanceId', Value: 'i-0bbbbbbbbbbbbbbbb' }];
  const TWO_INSTANCES: MetricAlarm = {
    ...NETWORK,
    Metrics: NETWORK.Metrics?.map((query) => (query.Id === 'm2' && query.MetricStat?.Metric ? { ...query, MetricStat: { ...query.MetricStat, Metric: { ...query.MetricStat.Metric, Dimensions: OTHER_INSTANCE } } } : query)),
  };
  const twoInstances = (edit: (configuration: Configuration) => void = () => undefined) =>
    event('metric-math', (c) => {
      metricOf(series(c, 'm2')).dimensions = { InstanceId: 'i-0bbbbbbbbbbbbbbbb' };
      edit(c);
    });
  const ERROR_RATE_FIRST_INVOCATIONS: MetricAlarm = { ...ERROR_RATE, Metrics: [...(ERROR_RATE.Metrics ?? [])].reverse() };

  it.each([
    ["AWS's METRICS() example with m2 on another instance, the event's series reversed", twoInstances((c) => void c.metrics?.reverse()), twoInstances(), metricAlarm(TWO_INSTANCES), 'm1'],
    ['the same, only m1 and m2 swapped', twoInstances((c) => void (c.metrics = [c.metrics?.[0] ?? {}, c.metrics?.[2] ?? {}, c.metrics?.[1] ?? {}])), twoInstances(), metricAlarm(TWO_INSTANCES), 'm1'],
    ['our error rate, reversed', event('lambda-error-rate', (c) => void c.metrics?.reverse()), event('lambda-error-rate'), metricAlarm(ERROR_RATE), 'errors'],
    // The alarm's order decides, whichever it is: here DescribeAlarms lists invocations first.
    ['our error rate, for an alarm that lists invocations first', event('lambda-error-rate'), event('lambda-error-rate', (c) => void c.metrics?.reverse()), metricAlarm(ERROR_RATE_FIRST_INVOCATIONS), 'invocations'],
  ])('names the target in the alarm\'s order, not the event\'s: %s', (_case, reordered, inAlarmOrder, definition, primaryId) => {
    // Both are bound (the set is the alarm's), so the order is the only thing a caller chose.
    expect([unboundMetrics(reordered, definition), unboundMetrics(inAlarmOrder, definition)]).toEqual([undefined, undefined]);
    expect(primaryMetric(inDefinitionOrder(reordered, definition))).toEqual(primaryMetric(inDefinitionOrder(inAlarmOrder, definition)));
    expect(primaryMetric(inDefinitionOrder(reordered, definition))?.id).toBe(primaryId);
    expect(inDefinitionOrder(reordered, definition).metrics.map((s) => s.id)).toEqual(definition?.kind === 'queries' ? definition.series.map((s) => s.id) : []);
  });

  it('leaves an event already in the alarm\'s order, a single metric and a composite as they are (the same object)', () => {
    const genuine = event('lambda-error-rate');
    expect(inDefinitionOrder(genuine, metricAlarm(ERROR_RATE))).toBe(genuine);
    const oom = event('log-metric-filter');
    expect(inDefinitionOrder(oom, metricAlarm(OOM))).toBe(oom);
    const composite = event('composite');
    expect(inDefinitionOrder(composite, alarmDefinitionOf(undefined, COMPOSITE))).toBe(composite);
  });
});
