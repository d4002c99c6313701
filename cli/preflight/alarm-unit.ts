// Preflight: an alarm's Unit against the unit its metric is published with, one comparison for every check that reads
// it (the sweep metric alarms' Unit, decision 319; each Scheduler lane alarm query's MetricStat Unit, decision 325).
// CloudWatch gives an alarm (or a metric query) whose Unit is set only the datapoints published with that unit: set to
// another, it sees no data. Unset, it sees them whatever their unit, as infra and the sandbox deploy every alarm.

/** A metric and the unit its publisher writes it with. */
export interface PublishedUnit {
  metricName: string;
  /** Who writes the metric: the handler (through Powertools) or the AWS service. */
  writer: string;
  unit: string;
}

/**
 * Pure: the problem with `unit` as read back (undefined: unset), in words, or undefined when it matches what is
 * published. `subject` names whose unit it is ("its unit", "its TargetErrorCount's unit"); `consequence` what the
 * mismatch does to the alarm.
 */
export function unitProblem(subject: string, unit: string | undefined, published: PublishedUnit, consequence: string): string | undefined {
  if (unit === undefined || unit === published.unit) return undefined;
  return `${subject} is ${unit}, not ${published.unit}, the unit ${published.writer} writes ${published.metricName} with: ${consequence}`;
}
