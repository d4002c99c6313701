// Which function (or database) an alarm names, from real alarm event shapes: the pure resolveTarget of the new playbooks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmSpecs, metricFilterSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { InvalidInputError } from '../../../shared/errors';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { cpuUtilizationPlaybook } from '../../../shared/playbooks/cpu-utilization';
import { resolveFunctionTarget } from '../../../shared/playbooks/function-target';

type Json = Record<string, unknown>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '../../fixtures/events', `${name}.json`), 'utf8')) as Json;
const runtime = (overrides: Json = {}) =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });

/** The single-metric fixture with its one metric replaced. */
function singleMetric(namespace: string, name: string, dimensions: Record<string, string>): Json {
  const event = fixture('alarm-state-change-single-metric');
  const detail = event.detail as { configuration: { metrics: Array<{ metricStat: { metric: Json } }> } };
  const first = detail.configuration.metrics[0];
  if (first) first.metricStat.metric = { namespace, name, dimensions };
  return event;
}

describe('resolveFunctionTarget', () => {
  it.each<[string, Json, { functionName: string; qualifier?: string; metricFilter?: object }]>([
    [
      'the OOM count of a text-pattern log metric filter (no dimensions): the one function the environment owns, confirmed later',
      fixture('alarm-state-change-log-metric-filter'),
      { functionName: 'notification-service-consumer', metricFilter: { namespace: 'NotificationService', metricName: 'OutOfMemoryErrors' } },
    ],
    ['the Lambda error-rate metric math alarm (FunctionName on its inputs)', fixture('alarm-state-change-lambda-error-rate'), { functionName: 'notification-service-consumer' }],
    [
      'an AWS/Lambda alarm on an alias (Resource dimension "function:alias")',
      singleMetric('AWS/Lambda', 'Errors', { FunctionName: 'notification-service-consumer', Resource: 'notification-service-consumer:live' }),
      { functionName: 'notification-service-consumer', qualifier: 'live' },
    ],
    [
      'a custom metric that carries the function ARN',
      singleMetric('NotificationService', 'OutOfMemoryErrors', { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer' }),
      { functionName: 'notification-service-consumer' },
    ],
  ])('finds %s', (_situation, raw, expected) => {
    const target = resolveFunctionTarget(parseAlarmEvent(raw), runtime(), 'raise-lambda-memory');
    expect(target).toEqual({
      ...expected,
      resource: { type: 'lambda-function', id: expected.functionName, arn: `arn:aws:lambda:us-east-1:123456789012:function:${expected.functionName}` },
    });
  });

  it.each<[string, Json, Json, string]>([
    ['a function the automation does not own', singleMetric('AWS/Lambda', 'Errors', { FunctionName: 'billing-worker' }), {}, 'billing-worker is not one of'],
    ['an alarm on an EC2 instance', fixture('alarm-state-change-single-metric'), {}, 'needs a FunctionName dimension'],
    ['a composite alarm', fixture('alarm-state-change-composite'), {}, 'composite alarm without a metric'],
    [
      'a dimensionless metric while the environment owns two functions',
      fixture('alarm-state-change-log-metric-filter'),
      { environments: { production: { resources: { functions: ['notification-service-consumer', 'notification-service-api'] } } } },
      'owns 2 functions',
    ],
  ])('rejects %s', (_situation, raw, overrides, message) => {
    expect(() => resolveFunctionTarget(parseAlarmEvent(raw), runtime(overrides), 'raise-lambda-memory')).toThrow(InvalidInputError);
    expect(() => resolveFunctionTarget(parseAlarmEvent(raw), runtime(overrides), 'raise-lambda-memory')).toThrow(message);
  });
});

// Review 21a R21-3, decision 359: with several functions each has its own out-of-memory metric and alarm; the event of
// each alarm infra builds (alarmSpecs, as CloudWatch sends it: the log-metric-filter fixture with the alarm's name and
// metric) resolves to that alarm's function, never the first's, and its filter reads that function's log group.
describe('resolveFunctionTarget on the out-of-memory alarms of an environment with several functions', () => {
  const functions = ['notification-service-email-consumer', 'notification-service-sms-consumer', 'notification-service-push-consumer'];
  const overrides = { environments: { production: { resources: { functions } } } };
  const config = runtime(overrides).config;
  const oom = alarmSpecs(config, 'production', 'us-east-1').filter((spec) => spec.rowId === 'memory-pressure');

  it('builds one alarm per function, each on a metric of its own named after it, fed by that function\'s filter only', () => {
    const metrics = oom.map((spec) => (spec.metric.kind === 'single' ? [spec.name, spec.metric.metric.metricName, spec.metric.metric.dimensions] : []));
    const title = 'NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1';
    expect(metrics).toEqual(functions.map((fn) => [`${title} (${fn})`, `OutOfMemoryErrors-${fn}`, {}]));
    const filters = metricFilterSpecs(config, 'production', 'us-east-1').filter((f) => f.rowId === 'memory-pressure');
    expect(filters.map((f) => [f.logGroupName, f.namespace, f.metricName])).toEqual(functions.map((fn) => [`/aws/lambda/${fn}`, 'NotificationService', `OutOfMemoryErrors-${fn}`]));
  });

  it.each(functions.map((fn, i) => [fn, i]))("resolves the alarm of %s to that function", (fn, i) => {
    const spec = oom[i as number];
    if (spec?.metric.kind !== 'single') throw new Error('no single-metric OOM alarm');
    const raw = fixture('alarm-state-change-log-metric-filter');
    const detail = raw.detail as { alarmName: string; configuration: { metrics: Array<{ metricStat: { metric: Json } }> } };
    detail.alarmName = spec.name;
    raw.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${spec.name}`];
    const first = detail.configuration.metrics[0];
    if (first) first.metricStat.metric = { namespace: spec.metric.metric.namespace, name: spec.metric.metric.metricName, dimensions: {} };
    expect(resolveFunctionTarget(parseAlarmEvent(raw), runtime(overrides), 'raise-lambda-memory')).toEqual({
      functionName: fn,
      metricFilter: { namespace: 'NotificationService', metricName: `OutOfMemoryErrors-${fn as string}` },
      resource: { type: 'lambda-function', id: fn, arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn as string}` },
    });
  });
});

describe('scale-up-database resolveTarget', () => {
  it('finds the owned instance of an AWS/RDS CPUUtilization alarm', () => {
    expect(cpuUtilizationPlaybook.resolveTarget(parseAlarmEvent(fixture('alarm-state-change-rds-cpu')), runtime())).toEqual({
      dbInstanceIdentifier: 'notification-service-db',
      resource: { type: 'rds-db-instance', id: 'notification-service-db', arn: 'arn:aws:rds:us-east-1:123456789012:db:notification-service-db' },
    });
  });

  it.each<[string, Json, string]>([
    ['an Aurora cluster alarm, which names no instance', singleMetric('AWS/RDS', 'CPUUtilization', { DBClusterIdentifier: 'notification-cluster' }), 'Aurora cluster'],
    ['a database the automation does not own', singleMetric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'reporting-db' }), 'reporting-db is not one of'],
    ['an EC2 CPU alarm', fixture('alarm-state-change-single-metric'), 'AWS/RDS alarms'],
  ])('rejects %s', (_situation, raw, message) => {
    expect(() => cpuUtilizationPlaybook.resolveTarget(parseAlarmEvent(raw), runtime())).toThrow(message);
  });
});
