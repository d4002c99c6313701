// The alarms are defined once (shared/config/alarm-specs.ts) and translated twice: to CloudFormation by infra
// (infra/lib/constructs/watched-alarms.ts) and to PutMetricAlarm by the sandbox (sandbox/provision.ts). This proves both
// translations produce the same alarms, field for field, for every environment.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { join } from 'node:path';
import { logGroupsBundleZip, WatchedAlarms } from '../../infra/lib/constructs/watched-alarms';
import { loggingConfigOf, putMetricAlarmInput } from '../../sandbox/provision';
import { drAlarmSpecs } from '../../sandbox/provision-dr';
import { httpApiAlarmSpecs, withHttpApi } from '../../sandbox/provision-http-api';
import { sandboxTopology } from '../../sandbox/topology';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { alarmSpecs, rowsWatchedIn } from '../../shared/config/alarm-specs';
import { ENVIRONMENTS, type AutomationConfig, type EnvironmentName } from '../../shared/config/schema';

/** The built custom resource WatchedAlarms deploys beside the metric filters (npm run build). */
const BUNDLE = logGroupsBundleZip(join(__dirname, '..', '..', 'runbooks'));

/** The AWS::CloudWatch::Alarm resources infra synthesizes, by alarm name. CloudFormation's properties are PutMetricAlarm's fields. */
function infraAlarms(config: AutomationConfig, environment: EnvironmentName, region?: string): Map<string, Record<string, unknown>> {
  const stack = new Stack(new App(), 'Alarms');
  new WatchedAlarms(stack, 'Watched', { config, environment, logGroupsBundleZip: BUNDLE, ...(region ? { region } : {}) });
  const resources = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Record<string, unknown> }>;
  return new Map(Object.values(resources).map(({ Properties }) => [String(Properties.AlarmName), Properties]));
}

/** The PutMetricAlarm inputs the sandbox sends, by alarm name, as JSON (no undefined fields, like a template). */
function sandboxAlarms(config: AutomationConfig, environment: EnvironmentName): Map<string, Record<string, unknown>> {
  const inputs: PutMetricAlarmCommandInput[] = sandboxTopology(config, environment).alarms.map(putMetricAlarmInput);
  return new Map(inputs.map((input) => [String(input.AlarmName), JSON.parse(JSON.stringify(input)) as Record<string, unknown>]));
}

/** The fields that make an alarm fire when it should, compared one by one so a failure names the field. */
const DEFINING_FIELDS = ['Namespace', 'MetricName', 'Dimensions', 'Statistic', 'ExtendedStatistic', 'Period', 'Metrics', 'EvaluationPeriods', 'DatapointsToAlarm', 'Threshold', 'ComparisonOperator', 'TreatMissingData'];

const defaults = parseAutomationConfig(defaultConfig);

describe('alarm definitions: infra and the sandbox create the same alarms', () => {
  it.each(ENVIRONMENTS)('%s: the same alarm names, each alarm with the same properties', (environment) => {
    const infra = infraAlarms(defaults, environment);
    const sandbox = sandboxAlarms(defaults, environment);
    // One alarm per troubleshooting row watched in the primary region (each environment watches one queue, function,
    // database and API by default; the DR standby watch is the DR region's), and Queue Backup's low-water alarm (decision 185).
    expect(infra.size).toBe(rowsWatchedIn(defaults, 'primary').length + 1);
    // No "less than" alarm (decision 205): 185's inverted low-water alarm was in ALARM whenever the service was healthy.
    expect([...infra.values()].filter((p) => p.ComparisonOperator === 'LessThanThreshold').map((p) => p.AlarmName)).toEqual([]);
    expect([...infra.values()].filter((p) => p.DatapointsToAlarm === 1 && p.EvaluationPeriods === 5).map((p) => [p.AlarmName, p.ComparisonOperator, p.Threshold])).toEqual([
      ['NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)', 'GreaterThanOrEqualToThreshold', 100],
    ]);
    // Decision 229: the 504 alarm as CDK deploys it wants 504s in 3 of the last 5 minutes (project default).
    expect([...infra.values()].filter((p) => p.MetricName === 'Api504Errors').map((p) => [p.EvaluationPeriods, p.DatapointsToAlarm, p.Threshold, p.TreatMissingData])).toEqual([[5, 3, 0, 'notBreaching']]);
    expect([...sandbox.keys()].sort()).toEqual([...infra.keys()].sort());
    for (const [name, properties] of infra) {
      const sent = sandbox.get(name) ?? {};
      for (const field of DEFINING_FIELDS) expect({ name, field, value: sent[field] }).toEqual({ name, field, value: properties[field] });
      expect(sent).toEqual(properties);
    }
  });

  it('production us-west-2 (dr): the sandbox\'s DR alarms (sandbox/provision-dr.ts: the standby\'s, and queue-backup\'s as alsoRows) are infra\'s, field for field; the CPU alarm watches the replica', () => {
    const infra = infraAlarms(defaults, 'production', 'us-west-2');
    // Exactly what provisionDrAutomation puts (its alarm list, drAlarmSpecs), as the DR tests call it with queue-backup.
    const sandbox = new Map(
      drAlarmSpecs(defaults, 'production', 'us-west-2', ['queue-backup'])
        .map(putMetricAlarmInput)
        .map((input) => [String(input.AlarmName), JSON.parse(JSON.stringify(input)) as Record<string, unknown>]),
    );
    // The standby's four (the replica's lag, its replication not active since decision 360, the replicated queue's depth
    // and oldest message), and queue-backup's depth alarm and its low-water alarm (decision 185): every dr-standby alarm
    // infra deploys there is among them.
    expect(sandbox.size).toBe(6);
    const infraStandby = alarmSpecs(defaults, 'production', 'us-west-2').filter((spec) => spec.rowId === 'dr-standby').map((spec) => spec.name);
    expect(infraStandby).toHaveLength(4);
    for (const name of infraStandby) expect(infra.has(name) && sandbox.has(name)).toBe(true);
    for (const [name, sent] of sandbox) expect(infra.get(name)).toEqual(sent);
    // Decision 360: the one "less than" alarm is the replica's ReplicaLag < 0, missing data not breaching (a healthy
    // replica reports lag >= 0: OK; decision 205's inverted alarm was in ALARM whenever the service was healthy).
    expect([...infra.values()].filter((p) => p.ComparisonOperator === 'LessThanThreshold').map((p) => [p.AlarmName, p.MetricName, p.Statistic, p.Threshold, p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData, p.Dimensions])).toEqual([
      ['NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)', 'ReplicaLag', 'Maximum', 0, 5, 5, 'notBreaching', [{ Name: 'DBInstanceIdentifier', Value: 'notification-service-db-replica' }]],
    ]);
    // Since decision 123 the rows that change something are watched there too, on the DR region's resources.
    const metrics = [...infra.values()].map((p) => `${String(p.Namespace)} ${String(p.MetricName)}`);
    for (const changing of ['AWS/RDS CPUUtilization', 'NotificationService OutOfMemoryErrors', 'AWS/SQS ApproximateNumberOfMessagesVisible']) expect(metrics).toContain(changing);
    const cpu = [...infra.values()].find((p) => p.MetricName === 'CPUUtilization');
    expect(cpu?.Dimensions).toEqual([{ Name: 'DBInstanceIdentifier', Value: 'notification-service-db-replica' }]);
  });

  it('covers a single-metric alarm, an extended statistic and a metric-math alarm', () => {
    const kinds = [...infraAlarms(defaults, 'production').values()].map((p) => (p.Metrics ? 'math' : p.ExtendedStatistic ? 'extended' : 'single'));
    expect(new Set(kinds)).toEqual(new Set(['single', 'extended', 'math']));
  });

  it('an HTTP API: the alarm the sandbox puts again for it (sandbox/provision-http-api.ts) is infra\'s for that id, field for field', () => {
    const id = 'a1b2c3d4e5';
    const config = withHttpApi(defaults, 'notification-service-api', id, 'notification-service-consumer');
    const infra = infraAlarms(config, 'production');
    const sandbox = httpApiAlarmSpecs(config, 'production', sandboxTopology(defaults, 'production').alarms).map(putMetricAlarmInput);
    expect(sandbox.map((input) => [input.AlarmName, input.Dimensions])).toEqual([['NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)', [{ Name: 'ApiId', Value: id }]]]);
    for (const input of sandbox) expect(infra.get(String(input.AlarmName))).toEqual(JSON.parse(JSON.stringify(input)));
  });

  it('with two watched queues, the sandbox alarms (first resource) are exactly infra alarms of the same names', () => {
    const config = parseAutomationConfig(
      mergeConfig(defaultConfig, { environments: { staging: { resources: { queues: ['notification-service-queue', 'notification-service-priority-queue'] } } } }),
    );
    const infra = infraAlarms(config, 'staging');
    const sandbox = sandboxAlarms(config, 'staging');
    // Infra: the second queue's depth alarm, and each queue's low-water alarm (decision 185); the sandbox: the first queue's.
    expect(infra.size).toBe(rowsWatchedIn(config, 'primary').length + 3);
    expect(sandbox.size).toBe(rowsWatchedIn(config, 'primary').length + 1);
    for (const [name, sent] of sandbox) expect(infra.get(name)).toEqual(sent);
  });

  // Review 21a R21-3 (decision 359): with several functions infra built ONE OOM alarm, named after the first function, on
  // one dimensionless metric every function's filter fed; raise-lambda-memory rejects such an event (decision 12). Now
  // each function has its filter publishing a metric named after it and its own alarm on that metric, in the template.
  it('with two watched functions, one out-of-memory alarm per function, each on the metric its own function\'s filter publishes; the sandbox\'s is the first\'s', () => {
    const functions = ['notification-service-email-consumer', 'notification-service-sms-consumer'];
    const config = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { production: { resources: { functions } } } }));
    const stack = new Stack(new App(), 'Alarms');
    new WatchedAlarms(stack, 'Watched', { config, environment: 'production', logGroupsBundleZip: BUNDLE });
    const template = Template.fromStack(stack);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Record<string, unknown> }>)
      .map(({ Properties: p }) => p)
      .filter((p) => String(p.AlarmName).includes('Out Of Memory'))
      .map((p) => [p.AlarmName, p.Namespace, p.MetricName, p.Dimensions ?? []]);
    const title = 'NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1';
    expect(alarms).toEqual(functions.map((fn) => [`${title} (${fn})`, 'NotificationService', `OutOfMemoryErrors-${fn}`, []]));
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter') as Record<string, { Properties: Record<string, unknown> }>)
      .map(({ Properties: p }) => p)
      .filter((p) => String(p.FilterName).endsWith('-out-of-memory'))
      .map((p) => [p.LogGroupName, p.MetricTransformations]);
    expect(filters).toEqual(
      functions.map((fn) => [`/aws/lambda/${fn}`, [{ MetricNamespace: 'NotificationService', MetricName: `OutOfMemoryErrors-${fn}`, MetricValue: '1' }]]),
    );
    // The sandbox provisions the first function: its alarm and filter are infra's first, field for field.
    const sandbox = sandboxAlarms(config, 'production');
    const infra = infraAlarms(config, 'production');
    const first = sandbox.get(`${title} (${functions[0] ?? ''})`);
    expect(first).toBeDefined();
    expect(infra.get(`${title} (${functions[0] ?? ''})`)).toEqual(first);
    expect(sandboxTopology(config, 'production').oomMetricFilter).toMatchObject({ logGroupName: `/aws/lambda/${functions[0] ?? ''}`, metricName: `OutOfMemoryErrors-${functions[0] ?? ''}` });
  });

  it("with the consumer's own log group configured (resources.functionLogGroups), the sandbox's consumer logs there and its OOM filter is infra's, on that group", () => {
    const own = '/notification-service/production/consumer';
    const consumer = 'notification-service-consumer';
    const config = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { production: { resources: { functionLogGroups: { [consumer]: own } } } } }));
    const stack = new Stack(new App(), 'Alarms');
    new WatchedAlarms(stack, 'Watched', { config, environment: 'production', logGroupsBundleZip: BUNDLE });
    const infra = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter') as Record<string, { Properties: Record<string, unknown> }>)
      .map(({ Properties: p }) => p)
      .find((p) => p.FilterName === `${consumer}-out-of-memory`);
    const sandbox = sandboxTopology(config, 'production');
    // The fields the sandbox's PutMetricFilter sends (sandbox/provision.ts), as CloudFormation names them.
    expect({
      LogGroupName: sandbox.oomMetricFilter.logGroupName,
      FilterName: sandbox.oomMetricFilter.name,
      FilterPattern: sandbox.oomMetricFilter.pattern,
      MetricTransformations: [{ MetricNamespace: sandbox.oomMetricFilter.namespace, MetricName: sandbox.oomMetricFilter.metricName, MetricValue: '1' }],
    }).toEqual({ LogGroupName: own, FilterName: infra?.FilterName, FilterPattern: infra?.FilterPattern, MetricTransformations: infra?.MetricTransformations });
    expect(infra?.LogGroupName).toBe(own);
    // The consumer writes there: the log group the sandbox creates and its CreateFunction's LoggingConfig.
    expect(sandbox.consumer.logGroupName).toBe(own);
    expect(loggingConfigOf(consumer, sandbox.consumer.logGroupName)).toEqual({ LoggingConfig: { LogGroup: own } });
    // The default: no LoggingConfig sent, the function logs to Lambda's default group.
    expect(loggingConfigOf(consumer, sandboxTopology(defaults, 'production').consumer.logGroupName)).toEqual({});
  });
});
