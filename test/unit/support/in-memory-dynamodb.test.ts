// The in-memory state table the store tests run over (test/support/in-memory-dynamodb.ts) answers as DynamoDB and the
// document client do for what those tests use: copies, sets, undefined attributes, ALL_OLD, key conditions, order,
// Limit and paging, filters, an injected refusal, and a loud refusal of what it does not read.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InMemoryDynamoTable } from '../../support/in-memory-dynamodb';

type Item = Record<string, unknown>;
const TABLE = 'state';
const PK = 'RESOURCE#arn:aws:sqs:us-east-1:111111111111:q';

async function send<T>(table: InMemoryDynamoTable, command: unknown): Promise<T> {
  return (await table.client.send(command)) as T;
}

/** The partition as history() and auditsOf() see it: the resource's state and three audit entries, written out of order. */
function auditedResource(): InMemoryDynamoTable {
  const table = new InMemoryDynamoTable();
  for (const [sk, incidentKey] of [
    ['AUDIT#2026-12-05T22:10:00.000Z#b', 'b'],
    ['STATE', undefined],
    ['AUDIT#2026-12-05T22:00:00.000Z#a', 'a'],
    ['AUDIT#2026-12-05T22:20:00.000Z#a', 'a'],
  ] as const) {
    table.forge({ pk: PK, sk, ...(incidentKey ? { incidentKey } : {}) });
  }
  table.forge({ pk: 'RESOURCE#another', sk: 'AUDIT#2026-12-05T22:05:00.000Z#a', incidentKey: 'a' });
  return table;
}

const sks = (out: { Items?: Item[] }): unknown[] => (out.Items ?? []).map((item) => item.sk);

describe('InMemoryDynamoTable', () => {
  it('hands out a copy on every read and keeps a copy of every write, as the document client does', async () => {
    const table = new InMemoryDynamoTable();
    const written: Item = { pk: 'p', sk: 's', nested: { n: 1 }, list: [1] };
    await send(table, new PutCommand({ TableName: TABLE, Item: written }));
    (written.nested as Item).n = 2;
    (written.list as number[]).push(2);

    const read = (await send<{ Item: Item }>(table, new GetCommand({ TableName: TABLE, Key: { pk: 'p', sk: 's' } }))).Item;
    expect(read).toEqual({ pk: 'p', sk: 's', nested: { n: 1 }, list: [1] });
    (read.nested as Item).n = 3;
    const queried = (await send<{ Items: Item[] }>(table, new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'p' } }))).Items;
    expect(queried).toEqual([{ pk: 'p', sk: 's', nested: { n: 1 }, list: [1] }]);
    (queried[0]?.list as number[]).push(9);
    expect(table.get({ pk: 'p', sk: 's' })).toEqual({ pk: 'p', sk: 's', nested: { n: 1 }, list: [1] });
  });

  it('keeps a string set a Set and drops undefined attributes (removeUndefinedValues)', async () => {
    const table = new InMemoryDynamoTable();
    await send(table, new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 's', updateKeys: new Set(['k1']), gone: undefined, deep: { gone: undefined, kept: 0 } } }));
    const read = (await send<{ Item: Item }>(table, new GetCommand({ TableName: TABLE, Key: { pk: 'p', sk: 's' } }))).Item;
    expect(read.updateKeys).toEqual(new Set(['k1']));
    expect(read.updateKeys).not.toBe(table.get({ pk: 'p', sk: 's' })?.updateKeys);
    expect(Object.keys(read)).toEqual(['pk', 'sk', 'updateKeys', 'deep']);
    expect(read.deep).toEqual({ kept: 0 });
  });

  it('answers a PutItem with the item it replaced for ALL_OLD, and with nothing when there was none or it was not asked', async () => {
    const table = new InMemoryDynamoTable();
    expect(await send(table, new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 's', v: 1 }, ReturnValues: 'ALL_OLD' }))).toEqual({});
    expect(await send(table, new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 's', v: 2 }, ReturnValues: 'ALL_OLD' }))).toEqual({ Attributes: { pk: 'p', sk: 's', v: 1 } });
    expect(await send(table, new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 's', v: 3 } }))).toEqual({});
    expect(table.get({ pk: 'p', sk: 's' })).toEqual({ pk: 'p', sk: 's', v: 3 });
  });

  it.each<[string, QueryCommand['input'], unknown[]]>([
    ['the partition, ordered by sort key', { TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PK } }, ['AUDIT#2026-12-05T22:00:00.000Z#a', 'AUDIT#2026-12-05T22:10:00.000Z#b', 'AUDIT#2026-12-05T22:20:00.000Z#a', 'STATE']],
    [
      'begins_with, most recent first (history)',
      { TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)', ExpressionAttributeValues: { ':pk': PK, ':audit': 'AUDIT#' }, ScanIndexForward: false },
      ['AUDIT#2026-12-05T22:20:00.000Z#a', 'AUDIT#2026-12-05T22:10:00.000Z#b', 'AUDIT#2026-12-05T22:00:00.000Z#a'],
    ],
    [
      'BETWEEN, bounds included, and a filter on another attribute (auditsOf)',
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: 'incidentKey = :incidentKey',
        ExpressionAttributeValues: { ':pk': PK, ':from': 'AUDIT#2026-12-05T22:00:00.000Z#a', ':to': 'AUDIT#\uffff', ':incidentKey': 'a' },
      },
      ['AUDIT#2026-12-05T22:00:00.000Z#a', 'AUDIT#2026-12-05T22:20:00.000Z#a'],
    ],
    ['a comparison, through attribute names', { TableName: TABLE, KeyConditionExpression: '#p = :pk AND #s > :after', ExpressionAttributeNames: { '#p': 'pk', '#s': 'sk' }, ExpressionAttributeValues: { ':pk': PK, ':after': 'AUDIT#2026-12-05T22:10:00.000Z#b' } }, ['AUDIT#2026-12-05T22:20:00.000Z#a', 'STATE']],
    ['a prefix nothing has', { TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :claim)', ExpressionAttributeValues: { ':pk': PK, ':claim': 'CLAIM#' } }, []],
  ])('a Query selects %s', async (_case, input, expected) => {
    expect(sks(await send(auditedResource(), new QueryCommand(input)))).toEqual(expected);
  });

  // DynamoDB evaluates Limit items, then filters (a page can come back empty yet carry LastEvaluatedKey). Where the page
  // ends the partition this table returns no key; DynamoDB may return one and an empty last page: a caller that pages
  // until no key handles both.
  it('counts Limit before the filter and pages on with LastEvaluatedKey', async () => {
    const table = auditedResource();
    const input = { TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)', FilterExpression: 'incidentKey = :b', ExpressionAttributeValues: { ':pk': PK, ':audit': 'AUDIT#', ':b': 'b' }, Limit: 1 };
    const pages: Array<{ Items?: Item[]; LastEvaluatedKey?: Item }> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Record<string, unknown> } = await send(table, new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      pages.push(page);
      start = page.LastEvaluatedKey;
    } while (start);
    expect(pages.map(sks)).toEqual([[], ['AUDIT#2026-12-05T22:10:00.000Z#b'], []]);
    expect(pages.map((p) => p.LastEvaluatedKey)).toEqual([{ pk: PK, sk: 'AUDIT#2026-12-05T22:00:00.000Z#a' }, { pk: PK, sk: 'AUDIT#2026-12-05T22:10:00.000Z#b' }, undefined]);
  });

  it('refuses a conditional write with the refusal a test set, and applies an unconditional one', async () => {
    const table = new InMemoryDynamoTable();
    table.refusal = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    await expect(send(table, new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 'claim' }, ConditionExpression: 'attribute_not_exists(pk)' }))).rejects.toBe(table.refusal);
    await expect(
      send(table, new TransactWriteCommand({ TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: { pk: 'p', sk: 'i' }, ConditionExpression: 'attribute_exists(pk)' } }, { Put: { TableName: TABLE, Item: { pk: 'p', sk: 'send' } } }] })),
    ).rejects.toBe(table.refusal);
    await send(table, new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 'plain' } }));
    expect([...table.items.keys()]).toEqual(['p|plain']);
    expect(table.calls).toEqual(['PutItem', 'TransactWriteItems', 'PutItem']);
  });

  it('applies the Puts of a transaction', async () => {
    const table = new InMemoryDynamoTable();
    await send(table, new TransactWriteCommand({ TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: { pk: 'p', sk: 'i' }, ConditionExpression: 'attribute_exists(pk)' } }, { Put: { TableName: TABLE, Item: { pk: 'p', sk: 'send', level: 1 } } }] }));
    expect(table.get({ pk: 'p', sk: 'send' })).toEqual({ pk: 'p', sk: 'send', level: 1 });
  });

  it('deletes on a DeleteItem; adds a number on an UpdateItem ADD (answering UPDATED_NEW), refused as DynamoDB does when attribute_exists(pk) finds nothing (decision 292)', async () => {
    const table = new InMemoryDynamoTable();
    const add = (sk: string): UpdateCommand =>
      new UpdateCommand({ TableName: TABLE, Key: { pk: 'p', sk }, UpdateExpression: 'ADD #n :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' });
    table.forge({ pk: 'p', sk: 'held', dueAt: 'x' });
    expect([await send(table, add('held')), await send(table, add('held'))]).toEqual([{ Attributes: { n: 1 } }, { Attributes: { n: 2 } }]);
    expect(table.get({ pk: 'p', sk: 'held' })).toEqual({ pk: 'p', sk: 'held', dueAt: 'x', n: 2 });
    await expect(send(table, add('absent'))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await send(table, new DeleteCommand({ TableName: TABLE, Key: { pk: 'p', sk: 'held' } }));
    expect([table.get({ pk: 'p', sk: 'held' }), table.get({ pk: 'p', sk: 'absent' })]).toEqual([undefined, undefined]);
    expect(table.calls).toEqual(['UpdateItem', 'UpdateItem', 'UpdateItem', 'DeleteItem']);
  });

  it.each<[string, unknown, string]>([
    ['an UpdateItem other than ADD', new UpdateCommand({ TableName: TABLE, Key: { pk: 'p', sk: 's' }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 1 } }), 'the test table does not answer the UpdateItem SET v = :v'],
    ['an UpdateItem with another condition', new UpdateCommand({ TableName: TABLE, Key: { pk: 'p', sk: 's' }, UpdateExpression: 'ADD #n :one', ConditionExpression: '#n < :one', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':one': 1 } }), 'the test table does not answer the UpdateItem ADD #n :one / #n < :one'],
    ['an Update in a transaction', new TransactWriteCommand({ TransactItems: [{ Update: { TableName: TABLE, Key: { pk: 'p', sk: 's' }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 1 } } }] }), 'the test table does not answer a TransactWriteItems Update'],
    ['a key condition on another attribute', new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'gsi = :v', ExpressionAttributeValues: { ':v': 1 } }), 'the test table does not read the KeyConditionExpression "gsi = :v"'],
    ['a filter it does not read', new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', FilterExpression: 'attribute_exists(x)', ExpressionAttributeValues: { ':pk': PK } }), 'the test table does not read the FilterExpression "attribute_exists(x)"'],
    ['a value the expression names but does not give', new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: {} }), 'pk = :pk: :pk is not in ExpressionAttributeValues'],
  ])('throws on %s rather than answer it wrongly', async (_case, command, message) => {
    await expect(auditedResource().client.send(command)).rejects.toThrow(message);
  });
});
