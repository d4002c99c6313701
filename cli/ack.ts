// `runbook ack <incident>`: acknowledges an escalation incident in the state table, which stops its escalation.
import { userInfo } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '../shared/aws/client-config';
import { systemClock, type Clock } from '../shared/clock';
import { defaultConfig } from '../shared/config/defaults';
import { loadRuntimeConfig, mergeConfig, parseAutomationConfig } from '../shared/config/load-config';
import type { AutomationConfig } from '../shared/config/schema';
import { acknowledgeIncident, type AcknowledgeOutcome } from '../shared/escalation/acknowledge';
import { EscalationStore } from '../shared/escalation/escalation-store';
import { isIncidentId } from '../shared/escalation/incident';
import { EXIT } from './exit-codes';

export interface AckOptions {
  by?: string;
  environment?: string;
  json?: boolean;
  /** Injected by tests and the demo; the system clock otherwise. */
  clock?: Clock;
}

const EXIT_BY_OUTCOME: Record<AcknowledgeOutcome, number> = {
  acknowledged: EXIT.ok,
  // Acknowledging twice is not an error for a script: the incident is owned either way.
  'already-acknowledged': EXIT.ok,
  resolved: EXIT.ok,
  'not-open': EXIT.rejected,
  'not-found': EXIT.rejected,
};

export function configuration(env: Record<string, string | undefined>): AutomationConfig {
  if (env.RUNBOOK_ENVIRONMENT) return loadRuntimeConfig(env).config;
  // Without an environment the table name is all that is needed: the defaults, overrides and STATE_TABLE_NAME.
  const overrides = env.RUNBOOK_CONFIG_JSON ? (JSON.parse(env.RUNBOOK_CONFIG_JSON) as unknown) : {};
  return parseAutomationConfig(mergeConfig(mergeConfig(defaultConfig, overrides), env.STATE_TABLE_NAME ? { stateTableName: env.STATE_TABLE_NAME } : {}));
}

function whoAmI(): string {
  try {
    return process.env.USER || userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The escalation store in the state table named by the configuration, through the SDK's ordinary settings. */
export function escalationStore(config: AutomationConfig): { db: DynamoDBDocumentClient; store: EscalationStore } {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION })), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { db, store: new EscalationStore(db, { tableName: config.stateTableName, retentionDays: config.recordRetentionDays, leaseSeconds: config.claimLeaseSeconds }) };
}

export async function ackCommand(incidentId: string, options: AckOptions): Promise<number> {
  if (!isIncidentId(incidentId)) {
    console.error(`runbook ack: "${incidentId}" is not an incident id (they look like inc-3f2a9c1b7d44, as in the notification)`);
    return EXIT.usage;
  }
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  let config: AutomationConfig;
  try {
    config = configuration(process.env);
  } catch (error) {
    console.error(`runbook ack: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const by = options.by ?? whoAmI();
  const { db, store } = escalationStore(config);
  try {
    const result = await acknowledgeIncident(store, { incidentId, by, via: 'runbook ack' }, options.clock ?? systemClock);
    if (options.json) {
      console.log(JSON.stringify({ outcome: result.outcome, incidentId, message: result.message, incident: result.incident }, null, 2));
    } else if (result.outcome === 'not-open' || result.outcome === 'not-found') {
      console.error(`runbook ack: ${result.message}`);
    } else {
      console.log(result.message);
    }
    return EXIT_BY_OUTCOME[result.outcome];
  } catch (error) {
    const e = error as Error;
    console.error(`runbook ack: could not reach the state table ${config.stateTableName} (${e.name}: ${e.message})`);
    return EXIT.failure;
  } finally {
    db.destroy();
  }
}
