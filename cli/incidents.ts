// `runbook incidents`: open incidents with their tier, status, next escalation time and how often each re-opened.
import { acknowledgerLabel } from '../shared/escalation/acknowledger';
import { escalationStore, configuration } from './ack';
import { readCallerIdentity } from './caller-identity';
import { EXIT } from './exit-codes';
import { renderTable } from './render';
import type { Incident } from '../shared/escalation/incident';

export interface IncidentsOptions {
  environment?: string;
  json?: boolean;
}

/**
 * Past this, an OPEN incident's next tier was not notified at its time: Scheduler runs a one-time schedule (flexible
 * time window off) at its time, and the timer takes seconds. Its timer stopped (the alarm OK, but not known to be a later
 * state change) or failed; either way the climb is not going on by itself, and the list says so.
 */
const OVERDUE_AFTER_MS = 2 * 60_000;

/** An OPEN incident whose next escalation is past, by more than the timer's own delay. */
export function escalationOverdue(incident: Pick<Incident, 'status' | 'nextEscalationAt'>, now: Date): boolean {
  if (incident.status !== 'OPEN' || !incident.nextEscalationAt) return false;
  const due = Date.parse(incident.nextEscalationAt);
  return !Number.isNaN(due) && now.getTime() - due > OVERDUE_AFTER_MS;
}

/**
 * How often the incident's alarm came back (decision 204 groups a re-fire within the window into the same incident; 212
 * keeps its ladder running): "-" for an incident that never re-opened, else "<n> (fired <n+1>x since <first ALARM>)". A
 * flapping incident reads the same as a fresh one without it (level, next tier), and the count is what tells them apart.
 */
export function reopenedColumn(incident: Pick<Incident, 'reopens' | 'firstAlarmTime' | 'alarmTime'>): string {
  const reopens = incident.reopens ?? 0;
  if (reopens <= 0) return '-';
  return `${reopens} (fired ${reopens + 1}x since ${incident.firstAlarmTime ?? incident.alarmTime})`;
}

const OVERDUE_NOTE =
  'OVERDUE: that tier was not notified at its time; the escalation timer stopped or failed (the escalation-timer log says why). ' +
  'The escalation sweep pages a tier 5 min past due, every 5 min (decision 264): still listed after that, the sweep stopped or failed too. ' +
  'Acknowledge it (runbook ack <incident>) or notify the next tier now (NotificationService-EscalateToNextTier).';

/**
 * The unresolved list's records refused (decision 300): an index entry, or the incident record it names, that is not as
 * the automation writes it. Named with its key and fields; its incident, if it is one, is not in the list above and the
 * escalation sweep does not climb its ladder.
 */
export function refusedIncidentsNote(refused: ReadonlyArray<{ key: { pk: string; sk: string }; issues: readonly string[] }>): string {
  return [
    `REFUSED: ${refused.length} record${refused.length === 1 ? '' : 's'} of the open incidents ${refused.length === 1 ? 'is' : 'are'} not as the automation writes ${refused.length === 1 ? 'it' : 'them'} (forged, corrupted, or a newer release's); not listed, and the escalation sweep does not climb ${refused.length === 1 ? 'its' : 'their'} ladder:`,
    ...refused.map((r) => `  ${r.key.pk} / ${r.key.sk}: ${r.issues.join('; ')}`),
    'Read the record (aws dynamodb get-item) before trusting or deleting it.',
  ].join('\n');
}

export async function incidentsCommand(options: IncidentsOptions): Promise<number> {
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  let config;
  try {
    config = configuration(process.env);
  } catch (error) {
    console.error(`runbook incidents: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const { db, store } = escalationStore(config);
  try {
    // Each record parsed on its own (decision 300): one refused is named below, and the others are listed.
    const unresolved = await store.listUnresolved();
    const incidents = unresolved.incidents.filter((i) => !options.environment || i.environment === options.environment);
    const refused = unresolved.refused;
    // Which table was read, where: each region keeps its own (production's DR region too), so "none" names its place.
    const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '(no region)';
    // Naming the account is a courtesy: the table was read all the same.
    const caller = await readCallerIdentity(region);
    const account = 'account' in caller ? caller.account : undefined;
    const source = { table: config.stateTableName, account, region };
    const where = `state table ${source.table}, account ${account ?? '(unknown)'}, ${region}${options.environment ? `, environment ${options.environment}` : ''}`;
    const now = new Date();
    const overdue = new Set(incidents.filter((i) => escalationOverdue(i, now)).map((i) => i.incidentId));
    if (options.json) {
      console.log(
        JSON.stringify(
          {
            source,
            incidents: incidents.map((i) => ({ ...i, reopens: i.reopens ?? 0, ...(overdue.has(i.incidentId) ? { nextEscalationOverdue: true } : {}) })),
            ...(refused.length ? { refused: refused.map((r) => ({ record: r.key, issues: r.issues })) } : {}),
          },
          null,
          2,
        ),
      );
      if (refused.length) console.error(refusedIncidentsNote(refused));
      return EXIT.ok;
    }
    if (incidents.length === 0) {
      console.log(`no open incidents${refused.length ? ' that could be read' : ''} (${where})`);
      if (refused.length) console.log(`\n${refusedIncidentsNote(refused)}`);
      return EXIT.ok;
    }
    console.log(`open incidents (${where})`);
    const tierName = (level: number | undefined): string =>
      level === undefined || level === 0 ? '-' : (config.escalationPath.find((t) => t.level === level)?.name ?? `L${level}`);
    console.log(
      renderTable(
        ['INCIDENT', 'STATUS', 'TIER', 'NEXT ESCALATION', 'RE-OPENED', 'ENV', 'ALARM', 'WHY'],
        incidents.map((i) => [
          i.incidentId,
          i.status === 'ACKNOWLEDGED' ? `${i.status} by ${acknowledgerLabel(i)}` : i.status,
          tierName(i.level),
          i.status === 'OPEN' && i.nextEscalationAt ? `${tierName(i.nextLevel)} at ${i.nextEscalationAt}${overdue.has(i.incidentId) ? ' (OVERDUE)' : ''}` : '-',
          reopenedColumn(i),
          i.environment,
          i.alarmName,
          i.reason,
        ]),
      ),
    );
    if (overdue.size > 0) console.log(`\n${OVERDUE_NOTE}`);
    if (refused.length) console.log(`\n${refusedIncidentsNote(refused)}`);
    console.log(`\nAcknowledge one with: runbook ack <incident>`);
    return EXIT.ok;
  } catch (error) {
    const e = error as Error;
    console.error(`runbook incidents: could not read the state table ${config.stateTableName} (${e.name}: ${e.message})`);
    return EXIT.failure;
  } finally {
    db.destroy();
  }
}
