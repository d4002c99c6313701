// The SSM documents that rebuild an alarm's state change event for a remediation Lambda send the alarm's own metric
// (decision 194): the Lambda refuses an event whose metrics are not its alarm's, as DescribeAlarms answers them. Read
// from the documents as infra deploys them (rendered per environment and API type) and checked against the alarms the
// configuration defines (alarmSpecs), so a document that names another metric, adds or drops a dimension, or stops
// reading the alarm it describes fails here, before the emulator's end-to-end cases (test/runbooks) run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alarmSpecs, type AlarmSpec } from '../../../shared/config/alarm-specs';
import { ENVIRONMENTS, type AutomationConfig, type EnvironmentName } from '../../../shared/config/schema';
import { readRunbook } from '../../../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';

const RUNBOOKS = join(__dirname, '../../../runbooks');
const WHERE = { account: '123456789012', partition: 'aws', region: 'us-east-1' };

interface Step {
  name: string;
  action: string;
  inputs?: Record<string, unknown>;
}
interface Doc {
  parameters?: Record<string, { default?: unknown }>;
  mainSteps: Step[];
}
interface Metric {
  namespace?: unknown;
  name?: unknown;
  dimensions?: Record<string, unknown>;
}
interface Payload {
  'detail-type'?: unknown;
  detail?: { alarmName?: unknown; configuration?: { metrics?: Array<{ id?: unknown; expression?: unknown; metricStat?: { metric?: Metric } }> } };
}

/** `{{ Name }}` -> the parameter's default, as a run with the defaults would pass it; anything else as written. */
function withDefaults(doc: Doc, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ref = /^\{\{\s*([A-Za-z0-9]+)\s*\}\}$/.exec(value);
  const name = ref?.[1];
  return name !== undefined && doc.parameters?.[name] ? doc.parameters[name].default : value;
}

/** Every `{{ Name }}` inside a text -> the parameter's default (an alarm name built from a parameter). */
function filledWithDefaults(doc: Doc, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(/\{\{\s*([A-Za-z0-9]+)\s*\}\}/g, (whole, name: string) => (doc.parameters?.[name] ? String(doc.parameters[name].default) : whole));
}

/** Every document's steps that hand a Lambda a rebuilt "CloudWatch Alarm State Change" event. */
function rebuildingSteps(doc: Doc): Step[] {
  return doc.mainSteps.filter((step) => step.action === 'aws:invokeLambdaFunction' && (step.inputs?.InputPayload as Payload | undefined)?.['detail-type'] === 'CloudWatch Alarm State Change');
}

function rendered(file: string, config: AutomationConfig, environment: EnvironmentName): Doc {
  return renderLoadedRunbook(readRunbook(join(RUNBOOKS, file)), config, environment, WHERE).content as Doc;
}

/**
 * A `{{ read.Output }}` the event takes from the alarm its read step described by name (RaiseLambdaMemory's Namespace and
 * MetricName, review 22b R22b-4): the alarm's own field, as that step's Selector picks it (`$.MetricAlarms[0].<field>`)
 * from the alarm infra deploys under that name. Anything else as written.
 */
function fromReadAlarm(value: unknown, read: (Step & { outputs?: Array<{ Name: string; Selector: string }> }) | undefined, named: AlarmSpec | undefined): unknown {
  const ref = typeof value === 'string' ? /^\{\{\s*(\w+)\.(\w+)\s*\}\}$/.exec(value) : null;
  if (!ref || !read || ref[1] !== read.name) return value;
  const selector = read.outputs?.find((o) => o.Name === ref[2])?.Selector;
  const metric = named?.metric.kind === 'single' ? named.metric.metric : undefined;
  if (selector === '$.MetricAlarms[0].Namespace') return metric?.namespace;
  if (selector === '$.MetricAlarms[0].MetricName') return metric?.metricName;
  return value;
}

/** What one document's rebuilt event says the alarm watches, and what its alarm read asked DescribeAlarmsForMetric for. */
function eventAndRead(doc: Doc, step: Step, specs: readonly AlarmSpec[]) {
  const payload = step.inputs?.InputPayload as Payload;
  const metrics = payload.detail?.configuration?.metrics ?? [];
  const readName = /^\{\{\s*(\w+)\.AlarmName\s*\}\}$/.exec(String(payload.detail?.alarmName))?.[1];
  const read = doc.mainSteps.find((s) => s.name === readName);
  const metric = metrics[0]?.metricStat?.metric;
  const dimensions = (list: unknown): Record<string, unknown> =>
    Object.fromEntries(((list as Array<{ Name: string; Value: unknown }> | undefined) ?? []).map((d) => [d.Name, withDefaults(doc, d.Value)]));
  const alarmNames = ((read?.inputs?.AlarmNames as unknown[] | undefined) ?? []).map((n) => filledWithDefaults(doc, n));
  const named = read?.inputs?.Api === 'DescribeAlarms' && alarmNames.length === 1 ? specs.find((alarm) => alarm.name === alarmNames[0]) : undefined;
  return {
    series: metrics.length,
    expression: metrics[0]?.expression,
    event: {
      namespace: fromReadAlarm(metric?.namespace, read, named),
      name: fromReadAlarm(metric?.name, read, named),
      dimensions: Object.fromEntries(Object.entries(metric?.dimensions ?? {}).map(([k, v]) => [k, withDefaults(doc, v)])),
    },
    read: read && {
      action: read.action,
      api: read.inputs?.Api,
      metric: { namespace: read.inputs?.Namespace, name: read.inputs?.MetricName, dimensions: dimensions(read.inputs?.Dimensions) },
      alarmNames,
    },
    invoked: String(withDefaults(doc, step.inputs?.FunctionName)),
  };
}

const CONFIGS: Array<[string, AutomationConfig]> = [
  ['the default configuration', projectConfig({})],
  [
    'an HTTP API watched by its id',
    projectConfig({ RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: 'notification-service-api', functionName: 'notification-service-consumer', type: 'http', id: 'a1b2c3d4e5' }] } }) }),
  ],
];
const FILES = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.yaml'));

describe('the SSM documents that rebuild an alarm event send the alarm\'s own metric', () => {
  it('are the four decision 171 lists, one rebuilt event each', () => {
    const rebuilding = FILES.filter((file) => rebuildingSteps(rendered(file, projectConfig({}), 'production')).length > 0);
    expect(rebuilding).toEqual([
      'NotificationService-CheckDbConnections.yaml',
      'NotificationService-RaiseLambdaMemory.yaml',
      'NotificationService-ScaleConsumers.yaml',
      'NotificationService-TroubleshootConnectionTimeout.yaml',
    ]);
  });

  describe.each(CONFIGS)('%s', (_label, config) => {
    const cases = ENVIRONMENTS.flatMap((environment) =>
      FILES.flatMap((file) => {
        const doc = rendered(file, config, environment);
        return rebuildingSteps(doc).map((step) => [`${environment} ${file}`, environment, doc, step] as const);
      }),
    );

    it.each(cases)('%s: the event names the metric its alarm read asked for, one series, no expression', (_name, environment, doc, step) => {
      const { series, expression, event, read } = eventAndRead(doc, step, alarmSpecs(config, environment, WHERE.region));
      expect({ series, expression }).toEqual({ series: 1, expression: undefined });
      if (read?.api === 'DescribeAlarms') {
        // Read by name (review 12, R12-1): exactly the alarm infra deploys on the event's metric for this handler, not
        // its restore signal (the low-water alarm) nor another alarm on the same metric (the DR standby watch's).
        const named = alarmSpecs(config, environment, WHERE.region).filter((alarm) => read.alarmNames.includes(alarm.name));
        expect(read.alarmNames).toHaveLength(1);
        expect(named.map((alarm) => ({ restoreSignal: alarm.restoreSignal === true, metric: alarm.metric.kind === 'single' ? { namespace: alarm.metric.metric.namespace, metricName: alarm.metric.metric.metricName, dimensions: alarm.metric.metric.dimensions } : undefined }))).toEqual([
          { restoreSignal: false, metric: { namespace: event.namespace, metricName: event.name, dimensions: event.dimensions } },
        ]);
        return;
      }
      // DescribeAlarmsForMetric answers only standard alarms on exactly this namespace, name and dimension set.
      expect(read).toEqual({ action: 'aws:executeAwsApi', api: 'DescribeAlarmsForMetric', metric: event, alarmNames: [] });
    });

    it.each(cases)("%s: that metric is the one the invoked handler's alarm watches (alarmSpecs), dimension for dimension", (_name, environment, doc, step) => {
      const { event, invoked } = eventAndRead(doc, step, alarmSpecs(config, environment, WHERE.region));
      const watching = alarmSpecs(config, environment, WHERE.region).filter(
        (alarm) =>
          alarm.restoreSignal !== true &&
          alarm.metric.kind === 'single' &&
          alarm.metric.metric.namespace === event.namespace &&
          alarm.metric.metric.metricName === event.name &&
          JSON.stringify(Object.entries(alarm.metric.metric.dimensions).sort()) === JSON.stringify(Object.entries(event.dimensions).sort()),
      );
      expect(watching.map((alarm) => `notification-runbooks-${alarm.handler}`)).toEqual([invoked.replace(/^.*:function:/, '')]);
    });
  });
});
