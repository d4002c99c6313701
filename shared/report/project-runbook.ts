// Whether a next step is one of the project's own runbooks with plain parameters: for messages, and for a runbook read
// back from the state table (a duplicate delivery answers with the step its first delivery recorded).
import type { TroubleshootingRow } from '../config/schema';

// SSM parameter names are alphanumeric; values are resource names, ARNs, classes, sizes and rule descriptions (the
// characters NotificationService-TroubleshootConnectionTimeout's RuleDescription allows): no quote, backtick, < > or |.
const PARAMETER_NAME = /^[A-Za-z0-9]{1,64}$/;
const PARAMETER_VALUE = /^[\w .:/@+=,#()[\]&;{}!$*-]{0,512}$/;

/**
 * The next step is only ever one of the project's own documents (a troubleshooting row's runbook), with plain parameter
 * values: the command and the console link around it are built by the automation, never taken from a decision.
 */
export function isProjectRunbook(runbook: { documentName: string; parameters: Record<string, readonly string[]> }, rows: readonly Pick<TroubleshootingRow, 'runbook'>[]): boolean {
  if (typeof runbook !== 'object' || runbook === null || typeof runbook.parameters !== 'object' || runbook.parameters === null) return false;
  if (!rows.some((row) => row.runbook === runbook.documentName)) return false;
  return Object.entries(runbook.parameters).every(
    ([name, values]) => PARAMETER_NAME.test(name) && Array.isArray(values) && values.length <= 10 && values.every((v) => typeof v === 'string' && PARAMETER_VALUE.test(v)),
  );
}
