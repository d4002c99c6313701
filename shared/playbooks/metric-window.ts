// Reads a few metrics over one window with one GetMetricData call: the sums (or averages) the health checks compare.
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { readMetricData } from '../aws/metric-data';
import type { HealthReading } from '../pipeline/types';

export interface WindowMetric {
  /** The figure's name in the reading, e.g. "errors" or "consumer.errors". */
  figure: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Sum: the counts add up over the window. Average: the per-minute averages are averaged (CPU, connections). */
  stat: 'Sum' | 'Average';
}

/**
 * Pure: [from, to) in whole minutes. `to` is the next minute boundary after `end`, so the current minute counts (and the
 * emulator, like CloudWatch, wants EndTime after the datapoint); `from` is at most `minutes` earlier and never before `since`.
 */
export function metricWindow(end: Date, minutes: number, since?: Date): { from: Date; to: Date } {
  const to = new Date(Math.ceil((end.getTime() + 1) / 60_000) * 60_000);
  const earliest = to.getTime() - minutes * 60_000;
  const start = since ? Math.max(earliest, Math.floor(since.getTime() / 60_000) * 60_000) : earliest;
  return { from: new Date(Math.min(start, to.getTime() - 60_000)), to };
}

/**
 * Plain MetricStat queries at a 60 s period, combined client-side: the emulator answers metric-math expressions with no
 * values, and summing raw counts gives the exact rate over the window (Errors / Invocations) rather than a mean of rates.
 */
export async function readWindowMetrics(cloudWatch: CloudWatchClient, metrics: readonly WindowMetric[], window: { from: Date; to: Date }): Promise<HealthReading> {
  const queries: MetricDataQuery[] = metrics.map((m, i) => ({
    Id: `m${i}`,
    MetricStat: {
      Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: 60,
      Stat: m.stat,
    },
    ReturnData: true,
  }));
  // Every page, and only a complete answer (readMetricData): a series CloudWatch could not give whole fails the read.
  const series = await readMetricData(cloudWatch, queries, window);
  const figures: Record<string, number | null> = {};
  metrics.forEach((m, i) => {
    const points = series.get(`m${i}`)?.values ?? [];
    const sum = points.reduce((a, b) => a + b, 0);
    figures[m.figure] = points.length === 0 ? null : m.stat === 'Sum' ? sum : sum / points.length;
  });
  return { from: window.from.toISOString(), to: window.to.toISOString(), figures };
}
