// `runbook prepare-rollback`: removes the per-call tokens decision 348 added to state-table items, which code before 348 refuses.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AutomationConfig } from '../shared/config/schema';
import { configuration, escalationStore } from './ack';
import { EXIT } from './exit-codes';

/**
 * The attributes a release added to items an older release parses strictly, and where that release writes them. Code
 * before decision 348 refuses either as "not a field the automation writes" (review 21c R21c-2): every later alarm on the
 * resource is escalated as a forged record and nothing is changed. A later release that adds a stored field ships its
 * reader first (decision 357), so this list should not grow.
 */
export const ROLLBACK_FIELDS = [
  { attribute: 'writeToken', where: 'RESOURCE#<arn> / STATE', holds: (key: ItemKey): boolean => key.pk.startsWith('RESOURCE#') && key.sk === 'STATE' },
  { attribute: 'refusalToken', where: 'ESCALATION-HELD / <incident>#C<cycle>', holds: (key: ItemKey): boolean => key.pk === 'ESCALATION-HELD' },
] as const;

export type RollbackAttribute = (typeof ROLLBACK_FIELDS)[number]['attribute'];

export interface ItemKey {
  pk: string;
  sk: string;
}

/** One token found by the scan: the item, the attribute and the value read (the removal is conditioned on it). */
export interface FoundToken {
  key: ItemKey;
  attribute: RollbackAttribute;
  seen: unknown;
}

export interface RollbackSweep {
  scannedPages: number;
  /** Tokens where 348 writes them: removed with --apply. */
  found: FoundToken[];
  /** Tokens on items 348 never writes them on (not the automation's: forged or hand-made): reported, never touched. */
  elsewhere: FoundToken[];
  removed: FoundToken[];
  /** The token was changed or removed between the scan and the removal (a concurrent write): left as it is now. */
  skipped: FoundToken[];
}

function itemKey(item: Record<string, unknown>): ItemKey | undefined {
  return typeof item.pk === 'string' && typeof item.sk === 'string' ? { pk: item.pk, sk: item.sk } : undefined;
}

/** Removes one token only if the item still holds the value read: a write made since then is not clobbered. */
export async function removeToken(db: DynamoDBDocumentClient, tableName: string, token: FoundToken): Promise<'removed' | 'skipped'> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: token.key,
        UpdateExpression: 'REMOVE #token',
        ConditionExpression: '#token = :seen',
        ExpressionAttributeNames: { '#token': token.attribute },
        ExpressionAttributeValues: { ':seen': token.seen },
      }),
    );
    return 'removed';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return 'skipped';
    throw error;
  }
}

/**
 * Scans the whole table page by page (consistent reads, only the keys and the two attributes), and with `apply` removes
 * each page's tokens before reading the next. `pageSize` bounds a page (DynamoDB's own 1 MB page otherwise).
 */
export async function sweepRollbackTokens(db: DynamoDBDocumentClient, tableName: string, options: { apply: boolean; pageSize?: number }): Promise<RollbackSweep> {
  const sweep: RollbackSweep = { scannedPages: 0, found: [], elsewhere: [], removed: [], skipped: [] };
  const names = Object.fromEntries(ROLLBACK_FIELDS.map((f, i) => [`#t${i}`, f.attribute]));
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ProjectionExpression: ['#pk', '#sk', ...Object.keys(names)].join(', '),
        FilterExpression: Object.keys(names).map((n) => `attribute_exists(${n})`).join(' OR '),
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', ...names },
        ExclusiveStartKey: startKey,
        Limit: options.pageSize,
      }),
    );
    sweep.scannedPages += 1;
    for (const item of page.Items ?? []) {
      const key = itemKey(item);
      if (!key) continue;
      for (const field of ROLLBACK_FIELDS) {
        if (!(field.attribute in item)) continue;
        const token: FoundToken = { key, attribute: field.attribute, seen: item[field.attribute] };
        if (!field.holds(key)) {
          sweep.elsewhere.push(token);
          continue;
        }
        sweep.found.push(token);
        if (options.apply) ((await removeToken(db, tableName, token)) === 'removed' ? sweep.removed : sweep.skipped).push(token);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return sweep;
}

export interface PrepareRollbackOptions {
  apply?: boolean;
  pageSize?: number;
  environment?: string;
  json?: boolean;
}

const line = (t: FoundToken): string => `  ${t.key.pk} / ${t.key.sk}: ${t.attribute}`;

export async function prepareRollbackCommand(options: PrepareRollbackOptions): Promise<number> {
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  let config: AutomationConfig;
  try {
    config = configuration(process.env);
  } catch (error) {
    console.error(`runbook prepare-rollback: ${(error as Error).message}`);
    return EXIT.usage;
  }
  // The incident store and the escalation store share the one state table the configuration names.
  const { db } = escalationStore(config);
  const table = config.stateTableName;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '(no region)';
  try {
    const sweep = await sweepRollbackTokens(db, table, { apply: options.apply === true, pageSize: options.pageSize });
    if (options.json) {
      console.log(JSON.stringify({ table, region, applied: options.apply === true, ...sweep }, null, 2));
    } else {
      const where = `state table ${table}, ${region}, ${sweep.scannedPages} page${sweep.scannedPages === 1 ? '' : 's'} scanned`;
      if (!options.apply) {
        console.log(`dry run (${where}): ${sweep.found.length} token${sweep.found.length === 1 ? '' : 's'} of decision 348 to remove; nothing changed.`);
        for (const t of sweep.found) console.log(line(t));
        if (sweep.found.length) console.log('Run again with --apply to remove them.');
      } else {
        console.log(`applied (${where}): removed ${sweep.removed.length} of ${sweep.found.length} token${sweep.found.length === 1 ? '' : 's'} of decision 348.`);
        for (const t of sweep.removed) console.log(line(t));
        if (sweep.skipped.length) {
          console.log(`SKIPPED ${sweep.skipped.length}: changed since the scan read ${sweep.skipped.length === 1 ? 'it' : 'them'} (a concurrent write: code at or after 348 still running?); left as ${sweep.skipped.length === 1 ? 'it is' : 'they are'}. Run again once only the older code runs:`);
          for (const t of sweep.skipped) console.log(line(t));
        }
      }
      if (sweep.elsewhere.length) {
        console.log(`NOT TOUCHED ${sweep.elsewhere.length}: a token on an item decision 348 never writes it on (forged or hand-made); read it before deleting it:`);
        for (const t of sweep.elsewhere) console.log(line(t));
      }
    }
    return sweep.skipped.length ? EXIT.rejected : EXIT.ok;
  } catch (error) {
    const e = error as Error;
    console.error(`runbook prepare-rollback: could not scan or update the state table ${table} (${e.name}: ${e.message})`);
    return EXIT.failure;
  } finally {
    db.destroy();
  }
}
