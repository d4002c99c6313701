// Pure: the key one decision is claimed, reserved and audited under: the alarm's state change, or one SSM document run of it.

/**
 * An SSM Automation execution id as the documents write it (`{{ automation:EXECUTION_ID }}`, a UUID): bounded, and only
 * characters that cannot be mistaken for the key's own separators.
 */
export const RUNBOOK_EXECUTION_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

const RUN_SUFFIX = /#runbook:[A-Za-z0-9-]{1,64}$/;

/**
 * The key of a document run of a state change the automation already decided: `<incidentKey>#runbook:<execution id>`, so
 * that run is decided afresh, once per execution (decision 379). An alarm delivery's key is its incident key.
 */
export function runbookRunKey(incidentKey: string, runbookExecution: string): string {
  return `${incidentKey}#runbook:${runbookExecution}`;
}

/** The alarm state change a run key is about: the incident key itself, or a document run's key without its suffix. */
export function incidentKeyOfRun(runKey: string): string {
  return runKey.replace(RUN_SUFFIX, '');
}
