// The gap proxy's DynamoDB gate: a write runs alone per account (moto's rollback of a TransactWriteItems restores a copy of
// the table and would erase a concurrent write; its conditional PutItem/UpdateItem check and write without a lock);
// reads run alongside, first come first served.
import { DynamoTransactionGate, dynamoTransactionGates, runsAlone } from '../../../sandbox/dynamodb-gate';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('which DynamoDB requests run alone', () => {
  it('every write (the state table\'s claims and reservations are conditional PutItems and UpdateItems) and no read', () => {
    const writes = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction'];
    const reads = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems', 'DescribeTable', 'ListTables'];
    expect(Object.fromEntries([...writes, ...reads].map((op) => [op, runsAlone(op)]))).toEqual({
      ...Object.fromEntries(writes.map((op) => [op, true])),
      ...Object.fromEntries(reads.map((op) => [op, false])),
    });
  });
});

describe('DynamoTransactionGate', () => {
  it('runs plain requests together, a transaction alone, and what came after the transaction after it', async () => {
    const gate = new DynamoTransactionGate();
    const log: string[] = [];
    const held = { a: deferred(), b: deferred(), tx: deferred(), c: deferred() };
    const job = (name: keyof typeof held, exclusive: boolean) =>
      gate.run(exclusive, async () => {
        log.push(`start ${name}`);
        await held[name].promise;
        log.push(`end ${name}`);
      });
    const all = [job('a', false), job('b', false), job('tx', true), job('c', false)];
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(gate.state()).toEqual({ shared: 2, exclusive: false, waiting: 2 });
    held.a.resolve();
    await tick();
    // b still runs: the transaction waits, and c (queued after it) waits for it.
    expect(log).toEqual(['start a', 'start b', 'end a']);
    held.b.resolve();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end a', 'end b', 'start tx']);
    expect(gate.state()).toEqual({ shared: 0, exclusive: true, waiting: 1 });
    held.tx.resolve();
    await tick();
    expect(log.slice(-2)).toEqual(['end tx', 'start c']);
    held.c.resolve();
    await Promise.all(all);
    expect(gate.state()).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });

  it('releases the gate when the work fails', async () => {
    const gate = new DynamoTransactionGate();
    await expect(gate.run(true, () => Promise.reject(new Error('upstream failed')))).rejects.toThrow('upstream failed');
    expect(await gate.run(true, async () => 'next')).toBe('next');
    expect(gate.state()).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });

  it('keeps one gate per account: a transaction in one account does not hold another account back', async () => {
    const gates = dynamoTransactionGates();
    expect(gates('111111111111')).toBe(gates('111111111111'));
    const held = deferred();
    const tx = gates('111111111111').run(true, () => held.promise);
    await tick();
    expect(await gates('222222222222').run(true, async () => 'other account ran')).toBe('other account ran');
    held.resolve();
    await tx;
  });
});
