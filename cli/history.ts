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
import { recordedResources, resolveResource, type ResourceCandidate } from './resolve-resource';

export interface HistoryOptions {
  environment?: string;
  limit: number;
  json?: boolean;
}

const listed = (candidates: readonly ResourceCandidate[]): string => candidates.map((c) => `  ${c.kind} ${c.name}: ${c.arn}`).join('\n');

export async function historyCommand(resource: string, options: HistoryOptions): Promise<number> {
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  try {
    const runtime = loadRuntimeConfig(process.env);
    let arn: string;
    if (resource.startsWith('arn:')) arn = resource;
    else {
      // The account a bare name's ARN is in: the one the credentials reach, where the state table is read.
      const identity = await new STSClient(clientConfig({ region: runtime.region })).send(new GetCallerIdentityCommand({}));
      const known = recordedResources(runtime.env, { partition: partitionOf(runtime.region), region: runtime.region, account: identity.Account ?? '' });
      const resolved = resolveResource(resource, known);
      if (resolved.kind === 'ambiguous') {
        console.error(`runbook history: "${resource}" names more than one ${runtime.environment} resource; give its ARN:\n${listed(resolved.candidates)}`);
        return EXIT.rejected;
      }
      if (resolved.kind === 'unknown') {
        console.error(
          `runbook history: "${resource}" is none of the ${runtime.environment} resources the automation acts on (give one of these, or an ARN):\n${listed(resolved.known)}`,
        );
        return EXIT.rejected;
      }
      arn = resolved.kind === 'arn' ? resolved.arn : resolved.candidate.arn;
    }
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
    const table = `state table ${runtime.config.stateTableName} in ${runtime.region}`;
    if (entries.length === 0) {
      console.log(`no automation history for ${arn} (${table})`);
      return EXIT.ok;
    }
    console.log(`history of ${arn} (most recent first; ${table})`);
    console.log(
      renderTable(
        ['WHEN', 'ENV', 'OUTCOME', 'PLAYBOOK', 'BEFORE -> AFTER', 'WHY'],
        entries.map((e) => {
          const d = e.decision as { outcome?: string; playbook?: string; reason?: string; environment?: string; before?: unknown; after?: unknown };
          const change = d.before || d.after ? `${JSON.stringify(d.before ?? {})} -> ${JSON.stringify(d.after ?? {})}` : '-';
          return [e.at, d.environment ?? '?', d.outcome ?? '?', d.playbook ?? '?', change, d.reason ?? ''];
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
