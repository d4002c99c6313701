// moto's TransactWriteItems is not atomic against concurrent requests: it deep-copies each table it touches before it
// starts and, when a condition fails, puts those copies back, undoing every write another request made to those tables
// in the meantime (moto/dynamodb/models/__init__.py transact_write_items). Two send claims racing on the state table
// (escalation-store.ts claimSend) then both "win": the loser's rollback erases the winner's claim. Real DynamoDB
// cancels the loser and keeps the winner. Nor is a single-item conditional write atomic: moto serves requests on threads
// and its PutItem reads the item, evaluates the condition, then writes, with no lock (moto/dynamodb/models/table.py
// put_item; UpdateItem likewise), so two concurrent `attribute_not_exists` claims on one key can both succeed (measured:
// 14 of 300 rounds of 5 concurrent claims at load ~18; both deliveries of one incident then held its claim, decision
// 110). DynamoDB applies each write to an item atomically. The gap proxy closes both gaps per account: every DynamoDB
// write runs alone (runsAlone), reads run alongside each other (a readers-writer gate, first come first served).

type Waiter = { exclusive: boolean; go: () => void };

/** DynamoDB operations that write (or may, PartiQL): each runs alone in its account; every other operation reads. */
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);

export function runsAlone(operation: string): boolean {
  return WRITES.has(operation);
}

export class DynamoTransactionGate {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: Waiter[] = [];

  /** Runs `work` alone (`exclusive`) or alongside other non-exclusive work, once everything queued before it has had its turn. */
  async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.waiting.push({ exclusive, go });
      this.pump();
    });
    try {
      return await work();
    } finally {
      if (exclusive) this.exclusive = false;
      else this.shared -= 1;
      this.pump();
    }
  }

  /** How many are running and waiting (tests). */
  state(): { shared: number; exclusive: boolean; waiting: number } {
    return { shared: this.shared, exclusive: this.exclusive, waiting: this.waiting.length };
  }

  private pump(): void {
    while (this.waiting.length > 0 && !this.exclusive) {
      const next = this.waiting[0] as Waiter;
      if (next.exclusive) {
        if (this.shared > 0) return;
        this.exclusive = true;
      } else {
        this.shared += 1;
      }
      this.waiting.shift();
      next.go();
    }
  }
}

/** One gate per emulated account (moto keeps one backend, and one set of tables, per account). */
export function dynamoTransactionGates(): (accountId: string | undefined) => DynamoTransactionGate {
  const gates = new Map<string, DynamoTransactionGate>();
  return (accountId) => {
    const key = accountId ?? '';
    let gate = gates.get(key);
    if (!gate) {
      gate = new DynamoTransactionGate();
      gates.set(key, gate);
    }
    return gate;
  };
}
