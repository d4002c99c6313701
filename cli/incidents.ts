// `runbook incidents`: open incidents with their tier, status and next escalation time.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../shared/aws/client-config';
import { escalationStore, configuration } from './ack';
import { EXIT } from './exit-codes';
import { renderTable } from './render';

export interface IncidentsOptions {
  environment?: string;
  json?: boolean;
}

/** The account the credentials reach (the state table's); undefined when STS does not say. */
async function callerAccount(region: string): Promise<string | undefined> {
  const sts = new STSClient(clientConfig({ region, maxAttempts: 2 }));
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch {
    // Naming the account is a courtesy: the table was read all the same.
    return undefined;
  } finally {
    sts.destroy();
  }
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
    const incidents = (await store.listUnresolved()).filter((i) => !options.environment || i.environment === options.environment);
    // Which table was read, where: each region keeps its own (production's DR region too), so "none" names its place.
    const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '(no region)';
    const account = await callerAccount(region);
    const source = { table: config.stateTableName, account, region };
    const where = `state table ${source.table}, account ${account ?? '(unknown)'}, ${region}${options.environment ? `, environment ${options.environment}` : ''}`;
    if (options.json) {
      console.log(JSON.stringify({ source, incidents }, null, 2));
      return EXIT.ok;
    }
    if (incidents.length === 0) {
      console.log(`no open incidents (${where})`);
      return EXIT.ok;
    }
    console.log(`open incidents (${where})`);
    const tierName = (level: number | undefined): string =>
      level === undefined || level === 0 ? '-' : (config.escalationPath.find((t) => t.level === level)?.name ?? `L${level}`);
    console.log(
      renderTable(
        ['INCIDENT', 'STATUS', 'TIER', 'NEXT ESCALATION', 'ENV', 'ALARM', 'WHY'],
        incidents.map((i) => [
          i.incidentId,
          i.status + (i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''),
          tierName(i.level),
          i.status === 'OPEN' && i.nextEscalationAt ? `${tierName(i.nextLevel)} at ${i.nextEscalationAt}` : '-',
          i.environment,
          i.alarmName,
          i.reason,
        ]),
      ),
    );
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
