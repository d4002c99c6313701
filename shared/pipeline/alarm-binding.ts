// Pure: an alarm event is a claim; before anything is read for it, it must name an alarm this handler watches, in this
// handler's region and the deployment's account (decision 184). The escalation's own check (trust-decision.ts), applied
// to the playbook's alarms only.
import { alarmSpecs } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import { checkAlarm, type TrustFacts } from '../escalation/trust-decision';
import { InvalidInputError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';
import type { AlarmDefinition, DefinedSeries } from '../aws/alarm-state-reader';

const factsByRuntime = new WeakMap<RuntimeConfig, Map<string, TrustFacts>>();

/**
 * What an alarm handler running `handler` trusts an event against: its region, its environment's regions, the account,
 * and the names of the alarms the configuration routes to `handler` in this region (the alarms infra creates and
 * whose EventBridge rule targets it: shared/config/alarm-specs.ts). Built once per container.
 */
export function handlerTrustFacts(runtime: RuntimeConfig, handler: string): TrustFacts {
  const known = factsByRuntime.get(runtime) ?? new Map<string, TrustFacts>();
  factsByRuntime.set(runtime, known);
  const cached = known.get(handler);
  if (cached) return cached;
  const facts: TrustFacts = {
    environment: runtime.environment,
    region: runtime.region,
    regions: runtime.config.environments[runtime.environment].regions,
    // Only this handler's rows: another row's alarm may not be derivable from this configuration (an HTTP API watched
    // without its id: alarm-specs.ts refuses it, and infra would not deploy it), which is not this handler's concern.
    watchedAlarms: new Set(
      alarmSpecs({ ...runtime.config, troubleshooting: runtime.config.troubleshooting.filter((row) => row.handler === handler) }, runtime.environment, runtime.region)
        .filter((spec) => spec.handler === handler)
        .map((spec) => spec.name),
    ),
    ...(runtime.workloadAccount ? { workloadAccount: runtime.workloadAccount } : {}),
    watcher: handler,
  };
  known.set(handler, facts);
  return facts;
}

/**
 * Throws InvalidInputError unless the event's alarm is one `facts` watches, in the handler's own region (every region
 * role) and the deployment's account. The parser has already made the alarm ARN's region, account and name the
 * event's own, so the incident key (alarm ARN # state time) holds only values checked here.
 */
export function refuseUnwatchedAlarm(event: Pick<AlarmStateChange, 'alarmArn' | 'alarmName' | 'region'>, facts: TrustFacts): void {
  const checked = checkAlarm({ arn: event.alarmArn, name: event.alarmName, region: event.region }, facts);
  if (checked.kind === 'refused') throw new InvalidInputError(`${checked.reason}: refused, nothing read or changed`, [`alarm: ${event.alarmArn}`]);
}

/** Why an event's metrics are not the alarm's, as DescribeAlarms defines it: the reason and one line per difference. */
export interface UnboundMetrics {
  reason: string;
  details: string[];
}

type SeriesFields = Pick<DefinedSeries, 'namespace' | 'metricName' | 'dimensions' | 'expression' | 'accountId'>;

const FIELDS = ['namespace', 'metricName', 'expression', 'accountId'] as const;

const quoted = (value: string | undefined): string => (value === undefined ? '(none)' : JSON.stringify(value));
const dimensionsText = (dimensions: Record<string, string>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))));

/** The differences between the series an event claims and the one the alarm defines, one line each. */
function seriesDifferences(at: string, claimed: SeriesFields, defined: SeriesFields): string[] {
  const differences = FIELDS.filter((field) => claimed[field] !== defined[field]).map(
    (field) => `${at}.${field}: the event says ${quoted(claimed[field])}, the alarm ${quoted(defined[field])}`,
  );
  if (dimensionsText(claimed.dimensions) !== dimensionsText(defined.dimensions)) {
    differences.push(`${at}.dimensions: the event says ${dimensionsText(claimed.dimensions)}, the alarm ${dimensionsText(defined.dimensions)}`);
  }
  return differences;
}

function differencesFrom(event: Pick<AlarmStateChange, 'kind' | 'metrics' | 'alarmRule' | 'thresholdMetricId'>, definition: AlarmDefinition): string[] {
  if (definition.kind === 'composite') {
    if (event.kind !== 'composite') return [`kind: the event describes a ${event.kind} alarm, the alarm is a composite alarm`];
    return event.alarmRule === definition.alarmRule ? [] : [`alarmRule: the event says ${quoted(event.alarmRule)}, the alarm ${quoted(definition.alarmRule)}`];
  }
  if (event.kind === 'composite') return ['kind: the event describes a composite alarm, the alarm is a metric alarm'];
  if (definition.kind === 'single') {
    // A single-metric alarm has no metric ids: the event's one series carries a generated id, not compared.
    const [only, ...more] = event.metrics;
    if (!only || more.length > 0) return [`metrics: the event lists ${event.metrics.length} series, the alarm watches one metric`];
    return seriesDifferences('metrics[0]', only, definition.series);
  }
  const differences: string[] = [];
  const claimedIds = event.metrics.map((series) => series.id).sort();
  const definedIds = definition.series.map((series) => series.id ?? '').sort();
  if (claimedIds.join('\n') !== definedIds.join('\n')) {
    differences.push(`metrics: the event lists ids ${JSON.stringify(claimedIds)}, the alarm ${JSON.stringify(definedIds)}`);
  }
  for (const claimed of event.metrics) {
    const defined = definition.series.find((series) => series.id === claimed.id);
    if (!defined) continue;
    differences.push(...seriesDifferences(`metrics.${claimed.id}`, claimed, defined));
    // Which series the alarm returns decides which metric names the target (primaryMetric): the alarm's, not the caller's.
    if (defined.returnData !== undefined && claimed.returnData !== defined.returnData) {
      differences.push(`metrics.${claimed.id}.returnData: the event says ${String(claimed.returnData)}, the alarm ${String(defined.returnData)}`);
    }
  }
  // AWS's documented anomaly-detection event carries no thresholdMetricId: compared only when the event states one.
  if (event.thresholdMetricId !== undefined && event.thresholdMetricId !== definition.thresholdMetricId) {
    differences.push(`thresholdMetricId: the event says ${quoted(event.thresholdMetricId)}, the alarm ${quoted(definition.thresholdMetricId)}`);
  }
  return differences;
}

/**
 * Pure: why the metrics an event says its alarm watches (namespace, metric name, dimensions; metric-math ids and
 * expressions; a composite's rule) are not the alarm's own, as the pipeline's re-read (DescribeAlarms) answered them;
 * undefined when they are. The playbook's target comes from the event's metrics, so a claim not bound here would let
 * a caller name the resource. No definition answered: nothing to bind to, refused (fails closed).
 */
export function unboundMetrics(
  event: Pick<AlarmStateChange, 'alarmName' | 'kind' | 'metrics' | 'alarmRule' | 'thresholdMetricId'>,
  definition: AlarmDefinition | undefined,
): UnboundMetrics | undefined {
  if (!definition) {
    return {
      reason: `CloudWatch DescribeAlarms answered no metric or rule for alarm "${event.alarmName}": what the event says it watches cannot be checked, so it is refused and nothing was changed`,
      details: ['definition: not answered'],
    };
  }
  const details = differencesFrom(event, definition);
  if (details.length === 0) return undefined;
  return {
    reason: `the event's metrics are not what alarm "${event.alarmName}" watches (CloudWatch DescribeAlarms): ${details[0]}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}; refused, nothing changed`,
    details,
  };
}

/**
 * Pure: the event with its metric-math series in the alarm's own order, as DescribeAlarms answers its `Metrics`. The
 * binding compares the series as a set (unboundMetrics), but the playbook's target is named by one of them
 * (primaryMetric: the first metricStat series the returned expression reads, in list order), so a genuine event whose
 * series a caller reordered would name another input (review 13, R13-3). Called on a bound event only, the target is
 * resolved from the definition's order, never the caller's. Any other kind of alarm is returned as it is: a single
 * metric has one series, a composite none.
 */
export function inDefinitionOrder<Event extends Pick<AlarmStateChange, 'metrics'>>(event: Event, definition: AlarmDefinition | undefined): Event {
  if (definition?.kind !== 'queries') return event;
  const position = new Map(definition.series.map((series, index) => [series.id, index]));
  const at = (id: string): number => position.get(id) ?? definition.series.length;
  const metrics = [...event.metrics].sort((a, b) => at(a.id) - at(b.id));
  return metrics.every((series, index) => series === event.metrics[index]) ? event : { ...event, metrics };
}
