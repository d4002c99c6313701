// Pure: in a DR region that does not serve, a changing row's alarm on the same metric as one of the standby watch's alarms
// defers to it, so one backlog is one incident and one page (decision 158). No SDK, no clock, no env. The pipeline loads it
// on first use, only where mayDeferToStandby (standby-deferral-when.ts) says a deferral is possible (decision 352).
import { alarmSpecsOf, restoreSignalNamed, type AlarmSpec } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import type { EnvironmentName } from '../config/schema';
import type { AlarmStateChange } from '../events/alarm-event';
import { primaryMetric } from '../events/primary-metric';
import type { RegionServing } from './region-serving';
import { mayDeferToStandby, STANDBY_ROW } from './standby-deferral-when';

export { STANDBY_ROW } from './standby-deferral-when';

export interface StandbyDeferral {
  /** The standby watch's handler, which reports the same signal. */
  playbook: string;
  /** Its alarm on the same metric, in the same region and account: the incident this decision is recorded on. */
  alarmName: string;
  reason: string;
}

export interface StandbyDeferralInput {
  runtime: Pick<RuntimeConfig, 'config' | 'environment' | 'region' | 'regionRole'>;
  event: AlarmStateChange;
  /** The row of the playbook that handled the event. */
  row: string;
  /** The handler of that row, named in the reason. */
  playbook: string;
  /** What the region's serving signal said (decision 123); undefined: not read. */
  serving: RegionServing | undefined;
}

const sameDimensions = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
};

/**
 * Whether `owner` (a standby watch alarm on the same metric) goes to ALARM on every datapoint that puts `alarm` there:
 * the same statistic and period, both "above" comparisons, and owner's threshold no higher (strictly lower when `alarm`
 * counts its threshold itself and owner does not). A standby watch raised above Queue Backup's threshold (its own
 * setting, disasterRecovery.standbyWatch.queueMessages) would otherwise leave a backlog between the two paging nobody.
 */
function alarmsWheneverItDoes(owner: AlarmSpec, alarm: AlarmSpec): boolean {
  if (owner.metric.kind !== 'single' || alarm.metric.kind !== 'single') return false;
  if (owner.metric.statistic !== alarm.metric.statistic || owner.metric.extendedStatistic !== alarm.metric.extendedStatistic) return false;
  if (owner.metric.metric.periodSeconds !== alarm.metric.metric.periodSeconds) return false;
  const above = ['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold'];
  if (!above.includes(owner.comparisonOperator) || !above.includes(alarm.comparisonOperator)) return false;
  const strictlyBelow = alarm.comparisonOperator === 'GreaterThanOrEqualToThreshold' && owner.comparisonOperator === 'GreaterThanThreshold';
  return strictlyBelow ? owner.threshold < alarm.threshold : owner.threshold <= alarm.threshold;
}

/** The standby watch's single-metric alarms of a region, and every other alarm there (what could shadow them). */
function standbyAndOthers(config: RuntimeConfig['config'], environment: EnvironmentName, region: string): { standby: AlarmSpec[]; others: AlarmSpec[] } {
  const specs = alarmSpecsOf(config, environment, region);
  return { standby: specs.filter((s) => s.rowId === STANDBY_ROW && s.metric.kind === 'single'), others: specs.filter((s) => s.rowId !== STANDBY_ROW) };
}

/**
 * The standby watch's alarm this event defers to, or undefined (the event is handled as before). It defers only when all
 * of these hold: the region is a `dr` region whose serving signal was read and says it does not serve (a read that failed
 * is `unread`: that escalates as before, naming the failure, decision 123); the event is an ALARM of another row than the
 * standby watch; and the standby watch is deployed there (its row watched in `dr`, alarmSpecs, as infra deploys it) with a
 * single-metric alarm on exactly the event's metric (namespace, name, dimensions). Today that is Queue Backup's
 * ApproximateNumberOfMessagesVisible on the replicated queue, watched by "DR Replicated Queue Depth". That alarm must
 * also go to ALARM whenever the event's (its configured definition, found by name) does: same statistic and period, a
 * threshold no higher (alarmsWheneverItDoes); otherwise the event is handled as before (review 10b F8). Never a restore
 * signal (the low-water alarm on the same metric, decision 185): a drained queue is nothing the standby watch reports.
 */
export function standbyDeferral({ runtime, event, row, playbook, serving }: StandbyDeferralInput): StandbyDeferral | undefined {
  if (!mayDeferToStandby(runtime, event, row, serving)) return undefined;
  const metric = primaryMetric(event);
  if (!metric?.namespace || !metric.metricName) return undefined;
  const { standby, others } = standbyAndOthers(runtime.config, runtime.environment, runtime.region);
  // A restore signal (Queue Backup's low-water alarm) is no backlog the standby watch reports (decision 185; since 205 its
  // ALARM is ignored at admission anyway, and its OK is a drain).
  if (restoreSignalNamed(others, event.alarmName)) return undefined;
  // The event's alarm as configured (its threshold, statistic, period): an alarm the configuration does not define is not deferred.
  const own = others.find((s) => s.name === event.alarmName);
  if (!own) return undefined;
  const owner = standby.find(
    (s) =>
      s.metric.kind === 'single' &&
      s.name !== event.alarmName &&
      s.metric.metric.namespace === metric.namespace &&
      s.metric.metric.metricName === metric.metricName &&
      sameDimensions(s.metric.metric.dimensions, metric.dimensions) &&
      alarmsWheneverItDoes(s, own),
  );
  if (!owner || owner.metric.kind !== 'single') return undefined;
  const minutes = (owner.metric.metric.periodSeconds * owner.evaluationPeriods) / 60;
  const watched = `${metric.namespace} ${metric.metricName} (${Object.entries(metric.dimensions).map(([k, v]) => `${k}=${v}`).join(', ')})`;
  return {
    playbook: owner.handler,
    alarmName: owner.name,
    reason:
      `deferred to ${owner.handler}: ${runtime.region} is the DR region of ${runtime.environment} and ${serving.reason}; ` +
      `the standby watch's alarm "${owner.name}" watches the same ${watched} and reports it ` +
      `(${owner.datapointsToAlarm} of ${owner.evaluationPeriods} datapoints in ${minutes} min above ${owner.threshold}): one incident for one cause, ` +
      `this decision is recorded on that incident; ${playbook} acts here again once the region serves`,
  };
}

/**
 * The standby watch's alarms that another row's alarm in the same region can defer to (standbyDeferral), each with how
 * far back (minutes) the escalation looks for decisions deferred to it when its incident opens: the standby watch's own
 * window (disasterRecovery.standbyWatch.windowMinutes), over which it reads the figures it reports.
 */
export function standbyDeferralTargets(config: RuntimeConfig['config'], environment: EnvironmentName, region: string): Map<string, number> {
  const { standby, others } = standbyAndOthers(config, environment, region);
  const lookbackMinutes = config.environments[environment].disasterRecovery?.standbyWatch.windowMinutes ?? 15;
  const targets = new Map<string, number>();
  for (const s of standby) {
    if (s.metric.kind !== 'single') continue;
    const own = s.metric.metric;
    const shadowed = others.some(
      (o) =>
        o.metric.kind === 'single' &&
        !o.restoreSignal &&
        o.metric.metric.namespace === own.namespace &&
        o.metric.metric.metricName === own.metricName &&
        sameDimensions(o.metric.metric.dimensions, own.dimensions) &&
        alarmsWheneverItDoes(s, o),
    );
    if (shadowed) targets.set(s.name, lookbackMinutes);
  }
  return targets;
}
