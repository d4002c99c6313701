// Infra-test support: the metrics a handler really emits, read from the Embedded Metric Format lines Powertools writes
// while it runs (decision 300's sweep backlog test; the sweep metric alarms of decision 311). The alarms are compared with
// what is read here, never with a copy of the names.
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
  const lines: string[] = [];
  const capture = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
  const spies = [jest.spyOn(console, 'log'), jest.spyOn(console, 'error'), jest.spyOn(console, 'warn'), jest.spyOn(console, 'info')].map((spy) => spy.mockImplementation(capture));
  // Powertools writes through a Console of its own (stdout), outside POWERTOOLS_DEV.
  const writes = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)));
  try {
    await act();
  } finally {
    for (const spy of [...spies, ...writes]) spy.mockRestore();
  }
  const out: EmittedMetric[] = [];
  for (const line of lines.join('\n').split('\n').filter((l) => l.startsWith('{') && l.includes('"_aws"'))) {
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

