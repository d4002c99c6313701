// `runbook history <resource>`: what the automation decided and changed on a resource — before -> after, when, why.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { partitionOf } from '../shared/aws/arn';
import { clientConfig } from '../shared/aws/client-config';
import { loadRuntimeConfig } from '../shared/config/load-config';
import { IncidentStore } from '../shared/state/incident-store';
import { EXIT } from './exit-codes';
import { renderTable } from './render';

export interface HistoryOptions {
  environment?: string;
  limit: number;
  json?: boolean;
}

/** An ARN as is; a bare queue name becomes the ARN the scale-consumers playbook records under. */
async function resourceArn(resource: string, region: string): Promise<string> {
  if (resource.startsWith('arn:')) return resource;
  const identity = await new STSClient(clientConfig({ region })).send(new GetCallerIdentityCommand({}));
  return `arn:${partitionOf(region)}:sqs:${region}:${identity.Account ?? ''}:${resource}`;
}

export async function historyCommand(resource: string, options: HistoryOptions): Promise<number> {
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  try {
    const runtime = loadRuntimeConfig(process.env);
    const arn = await resourceArn(resource, runtime.region);
    const store = new IncidentStore(DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig({ region: runtime.region }))), {
      tableName: runtime.config.stateTableName,
      leaseSeconds: runtime.config.claimLeaseSeconds,
      retentionDays: runtime.config.recordRetentionDays,
    });
    const entries = await store.history(arn, options.limit);
    if (options.json) {
      console.log(JSON.stringify({ resource: arn, entries }, null, 2));
      return EXIT.ok;
    }
    if (entries.length === 0) {
      console.log(`no automation history for ${arn}`);
      return EXIT.ok;
    }
    console.log(`history of ${arn} (most recent first)`);
    console.log(
      renderTable(
        ['WHEN', 'OUTCOME', 'PLAYBOOK', 'BEFORE -> AFTER', 'WHY'],
        entries.map((e) => {
          const d = e.decision as { outcome?: string; playbook?: string; reason?: string; before?: unknown; after?: unknown };
          const change = d.before || d.after ? `${JSON.stringify(d.before ?? {})} -> ${JSON.stringify(d.after ?? {})}` : '-';
          return [e.at, d.outcome ?? '?', d.playbook ?? '?', change, d.reason ?? ''];
        }),
      ),
    );
    return EXIT.ok;
  } catch (error) {
    const e = error as Error;
    console.error(`runbook history: ${e.name}: ${e.message}`);
    return e.name === 'ConfigurationError' ? EXIT.usage : EXIT.failure;
  }
}
