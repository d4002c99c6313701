// `runbook ack <incident>`: acknowledges an escalation incident in the state table, which stops its escalation.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '../shared/aws/client-config';
import { systemClock, type Clock } from '../shared/clock';
import { defaultConfig } from '../shared/config/defaults';
import { loadRuntimeConfig, mergeConfig, parseAutomationConfig } from '../shared/config/load-config';
import type { AutomationConfig } from '../shared/config/schema';
import { acknowledgeIncident, type AcknowledgeOutcome } from '../shared/escalation/acknowledge';
import { checkAckNote, isPrincipalArn } from '../shared/escalation/acknowledger';
import { EscalationStore } from '../shared/escalation/escalation-store';
import { isIncidentId } from '../shared/escalation/incident';
import { readCallerIdentity } from './caller-identity';
import { EXIT } from './exit-codes';

export interface AckOptions {
  /** A display note (a name, a ticket): self-declared, shown beside the verified principal, never instead of it. */
  by?: string;
  environment?: string;
  json?: boolean;
  /** Injected by tests and the demo; the system clock otherwise. */
  clock?: Clock;
}

/**
 * Exit 0 only when the incident is acknowledged by the caller's own principal, now or by a replay (decision 174): a
 * script can tell "mine" from "someone else owns it" or "nothing to acknowledge", where nothing was recorded.
 */
export const EXIT_BY_OUTCOME: Record<AcknowledgeOutcome, number> = {
  acknowledged: EXIT.ok,
  'already-acknowledged': EXIT.ok,
  'acknowledged-by-another': EXIT.rejected,
  resolved: EXIT.rejected,
  'not-open': EXIT.rejected,
  'not-found': EXIT.rejected,
};

export function configuration(env: Record<string, string | undefined>): AutomationConfig {
  if (env.RUNBOOK_ENVIRONMENT) return loadRuntimeConfig(env).config;
  // Without an environment the table name is all that is needed: the defaults, overrides and STATE_TABLE_NAME.
  const overrides = env.RUNBOOK_CONFIG_JSON ? (JSON.parse(env.RUNBOOK_CONFIG_JSON) as unknown) : {};
  return parseAutomationConfig(mergeConfig(mergeConfig(defaultConfig, overrides), env.STATE_TABLE_NAME ? { stateTableName: env.STATE_TABLE_NAME } : {}));
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
  const note = checkAckNote(options.by);
  if ('refused' in note) {
    console.error(`runbook ack: --by is a display note: ${note.refused}`);
    return EXIT.usage;
  }
  // Who acknowledges is who the credentials are, as STS says: never a name typed here. No answer, no acknowledgement.
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const caller = await readCallerIdentity(region);
  if ('error' in caller || !isPrincipalArn(caller.arn)) {
    console.error(
      `runbook ack: cannot tell who you are (${'error' in caller ? caller.error : `STS answered "${caller.arn}", not a principal ARN`}): nothing acknowledged. ` +
        'The acknowledgement records the principal of your credentials; check --profile / AWS_PROFILE.',
    );
    return EXIT.failure;
  }
  const { db, store } = escalationStore(config);
  try {
    const result = await acknowledgeIncident(
      store,
      { incidentId, by: caller.arn, via: 'runbook ack', ...(note.note ? { note: note.note } : {}) },
      options.clock ?? systemClock,
    );
    if (options.json) {
      console.log(JSON.stringify({ outcome: result.outcome, incidentId, caller: caller.arn, message: result.message, incident: result.incident }, null, 2));
    } else if (result.outcome === 'not-found') {
      // Each region keeps its own table (review 11a, 12): say where this one looked, and how to look elsewhere.
      console.error(
        `runbook ack: ${result.message} (state table ${config.stateTableName}, account ${caller.account}, ${region ?? '(no region)'}); ` +
          'an incident of another region is in that region\'s table: --region, as the page\'s runbook ack line says',
      );
    } else if (EXIT_BY_OUTCOME[result.outcome] !== EXIT.ok) {
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
