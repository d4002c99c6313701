// Which series of an alarm identifies the watched resource. Apart from alarm-event.ts, whose module builds the event's
// schemas, so that a bundle that only reads parsed alarms (verify-change's playbooks) does not construct them at init.
import type { AlarmMetricSeries, AlarmStateChange } from './alarm-event';

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/** Ids of the series an expression reads, directly or through other expressions; METRICS() reads them all. */
function referencedIds(roots: readonly AlarmMetricSeries[], all: readonly AlarmMetricSeries[]): Set<string> {
  const byId = new Map(all.map((series) => [series.id, series]));
  const seen = new Set<string>();
  const pending = [...roots];
  for (let series = pending.pop(); series !== undefined; series = pending.pop()) {
    const expression = series.expression ?? '';
    const ids = /\bMETRICS\s*\(/i.test(expression)
      ? all.map((other) => other.id).filter((id) => id !== series?.id)
      : (expression.match(IDENTIFIER) ?? []).filter((token) => byId.has(token));
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const next = byId.get(id);
      if (next?.expression !== undefined) pending.push(next);
    }
  }
  return seen;
}

/** The series whose dimensions identify the watched resource: single metric -> it; metric math / anomaly detection -> the metricStat series (prefer ones referenced by the returnData expression); composite -> undefined. */
export function primaryMetric(event: AlarmStateChange): AlarmMetricSeries | undefined {
  if (event.kind === 'composite') return undefined;
  if (event.kind === 'metric') return event.metrics[0];
  const stats = event.metrics.filter((series) => series.metricName !== undefined);
  const returned = event.metrics.filter((series) => series.expression !== undefined && series.returnData);
  const referenced = referencedIds(returned, event.metrics);
  return (
    stats.find((series) => referenced.has(series.id)) ??
    stats.find((series) => series.returnData) ??
    stats[0]
  );
}
