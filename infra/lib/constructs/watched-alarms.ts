// The CloudWatch alarms on the service's resources at the seed's thresholds, and the log metric filters behind the OOM alarm.
import { CfnAlarm, type CfnAlarmProps } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, LogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { dirname, join } from 'node:path';
import { Construct } from 'constructs';
import { alarmSpecs, metricFilterSpecs, type AlarmSpec } from '../../../shared/config/alarm-specs';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';
import { WatchedLogGroups } from './watched-log-groups';

export interface WatchedAlarmsProps {
  config: AutomationConfig;
  environment: EnvironmentName;
  /** The region whose alarms these are (its role picks the rows: shared/config/alarm-specs.ts rowsWatchedIn). */
  region?: string;
  /** dist/custom-resources/ensure-log-groups/function.zip: the function that makes sure of the filters' log groups. */
  logGroupsBundleZip: string;
}

/** The built custom resource beside runbooks/ (npm run build): dist/custom-resources/ensure-log-groups/function.zip. */
export const logGroupsBundleZip = (runbooksDir: string): string => join(dirname(runbooksDir), 'dist', 'custom-resources', 'ensure-log-groups', 'function.zip');

const dimensions = (values: Record<string, string>): CfnAlarm.DimensionProperty[] => Object.entries(values).map(([name, value]) => ({ name, value }));

/** The same alarm the sandbox creates with PutMetricAlarm (sandbox/provision.ts), as CloudFormation. */
function alarmProperties(alarm: AlarmSpec): Omit<CfnAlarmProps, 'alarmName'> {
  const common = {
    alarmDescription: alarm.description,
    actionsEnabled: true,
    comparisonOperator: alarm.comparisonOperator,
    threshold: alarm.threshold,
    evaluationPeriods: alarm.evaluationPeriods,
    datapointsToAlarm: alarm.datapointsToAlarm,
    treatMissingData: alarm.treatMissingData,
  };
  const { metric } = alarm;
  if (metric.kind === 'single') {
    return {
      ...common,
      namespace: metric.metric.namespace,
      metricName: metric.metric.metricName,
      dimensions: dimensions(metric.metric.dimensions),
      period: metric.metric.periodSeconds,
      ...(metric.statistic !== undefined ? { statistic: metric.statistic } : {}),
      ...(metric.extendedStatistic !== undefined ? { extendedStatistic: metric.extendedStatistic } : {}),
    };
  }
  return {
    ...common,
    metrics: [
      ...metric.inputs.map((input) => ({
        id: input.id,
        metricStat: {
          metric: { namespace: input.metric.namespace, metricName: input.metric.metricName, dimensions: dimensions(input.metric.dimensions) },
          period: input.metric.periodSeconds,
          stat: input.stat,
        },
        returnData: false,
      })),
      { id: metric.expressionId, expression: metric.expression, label: metric.label, returnData: true },
    ],
  };
}

/**
 * The watched resources are imported by name: the Notification Service's own stack owns them. EventBridge receives
 * every alarm's state changes whatever its actions, so the alarms need none; the rules route them to the handlers.
 */
export class WatchedAlarms extends Construct {
  readonly specs: AlarmSpec[];

  constructor(scope: Construct, id: string, props: WatchedAlarmsProps) {
    super(scope, id);
    this.specs = alarmSpecs(props.config, props.environment, props.region);
    const perRow = new Map<string, number>();
    for (const spec of this.specs) {
      const index = perRow.get(spec.rowId) ?? 0;
      perRow.set(spec.rowId, index + 1);
      new CfnAlarm(this, `${spec.rowId}-${index}`, { alarmName: spec.name, ...alarmProperties(spec) });
    }
    // The OOM count on each watched function's log group, and the 504 count on each watched API's JSON access log (its
    // stage logs there: apiAccessLogFormat): metricFilterSpecs, which preflight compares with what is deployed. Each group
    // is made sure of first (WatchedLogGroups, review 22a R22a-5): Lambda creates a function's only at its first log line,
    // and PutMetricFilter on a missing group fails the stack.
    // Construct ids as before (OutOfMemory<i>/Logs<i> per function, Api504<i>/ApiAccessLogs<i> per API): a changed logical id
    // would replace a filter of the same name, and the old one's deletion would delete the new one.
    const filters = metricFilterSpecs(props.config, props.environment, props.region);
    const groups = filters.length > 0 ? new WatchedLogGroups(this, 'LogGroups', { logGroupNames: filters.map((f) => f.logGroupName), bundleZip: props.logGroupsBundleZip }) : undefined;
    const perKind = { 'memory-pressure': 0, 'connection-timeout': 0 };
    for (const filter of filters) {
      const index = perKind[filter.rowId]++;
      const [id, logsId] = filter.rowId === 'memory-pressure' ? [`OutOfMemory${index}`, `Logs${index}`] : [`Api504${index}`, `ApiAccessLogs${index}`];
      const metricFilter = new MetricFilter(this, id, {
        logGroup: LogGroup.fromLogGroupName(this, logsId, filter.logGroupName),
        filterName: filter.filterName,
        filterPattern: FilterPattern.literal(filter.pattern),
        metricNamespace: filter.namespace,
        metricName: filter.metricName,
        metricValue: filter.metricValue,
        ...(filter.dimensions ? { dimensions: filter.dimensions } : {}),
      });
      if (groups) metricFilter.node.addDependency(groups.of(filter.logGroupName));
    }
  }

  /** Names of the alarms whose troubleshooting row names this handler. */
  alarmNamesFor(handler: string): string[] {
    return this.specs.filter((s) => s.handler === handler).map((s) => s.name);
  }

  get alarmNames(): string[] {
    return this.specs.map((s) => s.name);
  }
}
