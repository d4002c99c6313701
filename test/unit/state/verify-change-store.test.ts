// verify-change's store over the in-memory DynamoDB table (the real VerifyChangeStore code): the verify sweep's list is
// read whole (every page) and parsed entry by entry, so one entry not as the automation writes it hides none of the
// others (review 18c R18-13, R18-17; decision 299).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { verifyDueKey } from '../../../shared/state/incident-store';
import { clientConfig } from '../../../shared/aws/client-config';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { createVerifyChangeStore, VerifyChangeStore } from '../../../shared/state/verify-change-store';
import { InMemoryDynamoTable } from '../../support/in-memory-dynamodb';

const storeOver = (table: InMemoryDynamoTable): VerifyChangeStore =>
  new VerifyChangeStore(table.client as unknown as DynamoDBDocumentClient, { tableName: 'state', retentionDays: 30, leaseSeconds: 120 });
const NOW = new Date('2026-12-05T22:01:00.000Z');
const alarm = (name: string): string => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${name}#1`;

describe('VerifyChangeStore.verifyDue: the verify sweep\'s list, read whole and parsed entry by entry', () => {
  it('one entry not as the automation writes it (a newer release\'s field) is refused by key and fields; the valid one is listed', async () => {
    const table = new InMemoryDynamoTable();
    const store = storeOver(table);
    await store.recordVerifyDue('scale-consumers', alarm('A'), NOW, NOW);
    await store.recordVerifyDue('scale-consumers', alarm('B'), NOW, NOW);
    const key = verifyDueKey('scale-consumers', alarm('A'));
    table.forge({ ...table.get(key), attempts: 1 });
    const listed = await store.verifyDue();
    expect(listed.due).toHaveLength(1);
    expect(listed.due[0]?.incidentKey).toBe(alarm('B'));
    expect(listed.refused).toEqual([{ key, issues: [expect.stringMatching(/attempts/)] }]);
  });

  it('every page is read: 3 entries over pages of 1, all listed', async () => {
    const table = new InMemoryDynamoTable();
    table.pageItems = 1;
    const store = storeOver(table);
    for (const name of ['A', 'B', 'C']) await store.recordVerifyDue('scale-consumers', alarm(name), NOW, NOW);
    const listed = await store.verifyDue();
    expect(listed.due.map((entry) => entry.incidentKey).sort()).toEqual([alarm('A'), alarm('B'), alarm('C')]);
    expect(listed.refused).toEqual([]);
  });
});


// Decision 346: verify-change's sweep gives the writes that end a claim (complete, release) a later deadline than its
// other calls, so a check cut short at its calls' deadline can still give its claim back. The store sends them through
// the binding's `record` client, everything else through `work`.
describe('createVerifyChangeStore: the writes that end a claim go through their own client', () => {
  it('claim, intent and unlist through `work`; complete and release through `record`', async () => {
    const seen: string[] = [];
    // Each write answered as DynamoDB answers a write that passed its condition (no old item): the routing is what counts.
    const through = (name: string): DynamoDBDocumentClient =>
      ({ send: async (command: { constructor: { name: string } }) => (seen.push(`${name} ${command.constructor.name}`), {}) }) as unknown as DynamoDBDocumentClient;
    const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
    const store = createVerifyChangeStore(runtime, clientConfig({ region: 'us-east-1' }), { work: () => through('work'), record: () => through('record') });
    const first = await store.claim('verify-change#scale-consumers', alarm('A'), NOW);
    if (!first.claimed) throw new Error('not claimed');
    await store.recordIntent('verify-change#scale-consumers', alarm('A'), first.owner, { kind: 'revert' });
    await store.complete('verify-change#scale-consumers', alarm('A'), first.owner, 'skipped', 'healthy');
    await store.release('verify-change#scale-consumers', alarm('B'), first.owner);
    await store.releaseVerifyDue('scale-consumers', alarm('A'));
    expect(seen).toEqual(['work PutCommand', 'work UpdateCommand', 'record UpdateCommand', 'record UpdateCommand', 'work DeleteCommand']);
  });
});
