// Infra-test support: the metrics a handler really emits, read from the Embedded Metric Format lines Powertools writes
// while it runs (decision 300's sweep backlog test; the sweep metric alarms of decision 311). The alarms are compared with
// what is read here, never with a copy of the names.
import { writtenJsonLines } from '../../support/written-lines';

export interface EmittedMetric {
  namespace: string;
  name: string;
  value: unknown;
  /** The Unit Powertools wrote for it (undefined when the directive names none). */
  unit: string | undefined;
  dimensions: Record<string, string>;
}

/** Every metric of every EMF line written while `act` runs, with its namespace and its dimensions' values. */
export async function emitted(act: () => Promise<unknown>): Promise<EmittedMetric[]> {
  const lines = await writtenJsonLines(act);
  const out: EmittedMetric[] = [];
  for (const line of lines.filter((l) => l.includes('"_aws"'))) {
    const emf = JSON.parse(line) as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }> } } & Record<string, unknown>;
    for (const directive of emf._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(emf[name])]));
        for (const metric of directive.Metrics) out.push({ namespace: directive.Namespace, name: metric.Name, value: emf[metric.Name], unit: metric.Unit, dimensions });
      }
    }
  }
  return out;
}

