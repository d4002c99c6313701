// Pure: the next step of an incident as an SSM Automation run, both a ready-to-paste AWS CLI command and a console link.
import { OPERATIONS_DOCUMENTS } from '../config/names';
import type { TroubleshootingRow } from '../config/schema';
import { documentParameters, type ConfiguredParameter } from './document-parameters';

/** The SSM document that acknowledges an incident (runbooks/NotificationService-AcknowledgeIncident.yaml). */
export const ACKNOWLEDGE_DOCUMENT = 'NotificationService-AcknowledgeIncident';

/** Parameter values as StartAutomationExecution takes them (a list each); a single string stands for a list of one. */
export type AutomationParameters = Record<string, string | readonly string[]>;

function asLists(parameters: AutomationParameters): Record<string, string[]> {
  return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, typeof value === 'string' ? [value] : [...value]]));
}

export interface AutomationRun {
  documentName: string;
  parameters: Record<string, string[]>;
  /** `aws ssm start-automation-execution ...`, quoted for a POSIX shell. */
  command: string;
  /** The Systems Manager console's "Execute automation" page for the document, parameters filled in. */
  consoleUrl: string;
}

/** Single-quotes a word for a POSIX shell: 'it'\''s'. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The console host of a region's partition. */
function consoleOrigin(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

/**
 * The console page that starts an automation: /systems-manager/automation/execute/<document>?region=<region>, with the
 * parameters in the fragment (#Name=value&...), which the page reads to fill in its form.
 */
export function automationConsoleUrl(documentName: string, parameters: AutomationParameters, region: string): string {
  const fragment = Object.entries(asLists(parameters))
    .map(([name, values]) => `${encodeURIComponent(name)}=${encodeURIComponent(values.join(','))}`)
    .join('&');
  return `${consoleOrigin(region)}/systems-manager/automation/execute/${encodeURIComponent(documentName)}?region=${encodeURIComponent(region)}${fragment ? `#${fragment}` : ''}`;
}

/**
 * `aws ssm start-automation-execution`, with --parameters as JSON (a map of name to list of values, as the API takes
 * it): unlike the shorthand syntax, JSON needs no escaping of commas or equals signs in values.
 */
export function automationCommand(documentName: string, parameters: AutomationParameters, region: string): string {
  const json = JSON.stringify(asLists(parameters));
  return [
    'aws ssm start-automation-execution',
    `--region ${shellQuote(region)}`,
    `--document-name ${shellQuote(documentName)}`,
    ...(Object.keys(parameters).length ? [`--parameters ${shellQuote(json)}`] : []),
  ].join(' ');
}

export function automationRun(documentName: string, parameters: AutomationParameters, region: string): AutomationRun {
  return {
    documentName,
    parameters: asLists(parameters),
    command: automationCommand(documentName, parameters, region),
    consoleUrl: automationConsoleUrl(documentName, parameters, region),
  };
}

/** A document the message names but cannot print a command for: SSM would refuse the run (the reason says why). */
export interface UnprintableRun {
  documentName: string;
  why: string;
}

export function isPrintable(run: AutomationRun | UnprintableRun): run is AutomationRun {
  return 'command' in run;
}

/**
 * One run of a project document built from its declared parameters (document-parameters.ts): the resource under the
 * document's own name for it, the decision's named parameters, and what the configuration supplies. When a required
 * parameter is supplied by none of them, or a name is not the document's, no command is printed: the reason says what
 * is missing and where it is set, since a command SSM refuses is no next step.
 */
export function documentRun(
  documentName: string,
  sources: { resource?: { id: string; arn: string }; named?: Readonly<Record<string, readonly string[]>>; configured?: Readonly<Record<string, ConfiguredParameter>>; environment: string },
  region: string,
): AutomationRun | UnprintableRun {
  const built = documentParameters(documentName, sources);
  if (built.ok) return automationRun(documentName, built.parameters, region);
  const problems = [
    ...(built.missing.length ? [`it requires ${built.missing.join(' and ')}, which nothing here supplies`] : []),
    ...(built.unknown.length ? [`it has no parameter ${built.unknown.join(', ')}`] : []),
  ];
  return {
    documentName,
    why: `No command is printed for ${documentName}: ${problems.join('; ')} (SSM would refuse the run). Set what is missing and deploy, or start the document from the console and fill it in.`,
  };
}

/**
 * The manual runbook of the playbook's troubleshooting row, for its target, when the row has one. Used when the
 * decision does not name its runbook itself (Decision.runbook).
 */
export function runbookStep(
  rows: readonly TroubleshootingRow[],
  playbook: string | undefined,
  resource: { id: string; arn: string } | undefined,
  region: string,
  settings: { environment: string; configured?: Readonly<Record<string, ConfiguredParameter>> },
): AutomationRun | UnprintableRun | undefined {
  const row = rows.find((r) => r.handler === playbook);
  if (!row?.runbook) return undefined;
  return documentRun(row.runbook, { ...(resource ? { resource } : {}), ...settings }, region);
}

/**
 * `runbook ack` as a page prints it: with the incident's region, because each region keeps its own state table and a
 * shell's default region is often the primary's (review 11a, 12: a DR incident's ack pasted in us-east-1 found nothing).
 */
export function acknowledgeCommand(incidentId: string, region: string): string {
  return `runbook ack ${shellQuote(incidentId)} --region ${shellQuote(region)}`;
}

export function acknowledgeStep(incidentId: string, region: string): AutomationRun {
  return automationRun(ACKNOWLEDGE_DOCUMENT, { IncidentId: incidentId }, region);
}

/**
 * Where a document must be run (docs/decisions.md 86): with one account, that account; in cross-account mode the
 * documents on the incident state (OPERATIONS_DOCUMENTS) in the operations account, every other one in the workload
 * account, where it is registered with the role it runs as. The region is the incident's: documents are per region.
 */
export function documentLocation(documentName: string, accounts: { workload: string; operations: string }, region: string): string {
  if (accounts.workload === accounts.operations) return `account ${accounts.workload}, ${region}`;
  return OPERATIONS_DOCUMENTS.has(documentName)
    ? `the operations account ${accounts.operations}, ${region}, where the incident state is kept`
    : `the workload account ${accounts.workload}, ${region}, where the document is registered`;
}
