// The safety protocol (claim, lease, takeover, intent, late duplicates, complete, release) against the emulator's real
// DynamoDB conditional writes: the state table of a provisioned account, an injected clock, faults from the gap proxy.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../../../shared/errors';
import { runUnderClaim, LATE_DUPLICATE_SECONDS, type ClaimedWork, type HeldClaim, type IncidentProtocolDeps } from '../../../shared/pipeline/incident-protocol';
import { IncidentStore, type ClaimRecord } from '../../../shared/state/incident-store';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { ManualClock } from '../../support/manual-clock';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const LEASE_SECONDS = 120;
const CLAIM = 'scale-consumers';

interface Intent {
  add: number;
}

interface Result {
  outcome: 'applied' | 'duplicate' | 'escalate';
  reason: string;
  /** The intent this attempt found from an earlier one that died. */
  resumed?: Intent;
}

let account: SandboxAccount;
let store: IncidentStore;
let db: DynamoDBDocumentClient;
let incidentCounter = 0;

function proxyControl(): string {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set');
  return endpoint;
}

function newIncident(): string {
  incidentCounter += 1;
  return `arn:aws:cloudwatch:us-east-1:${account.accountId}:alarm:protocol-test#2026-12-05T05:00:0${incidentCounter % 10}.000Z-${incidentCounter}`;
}

function logger() {
  return { warn: jest.fn(), error: jest.fn() };
}

/** The effect the work makes: an atomic counter in the same table, so the emulator itself counts how often it was made. */
async function effect(incidentKey: string): Promise<number> {
  const item = await db.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `EFFECT#${incidentKey}`, sk: 'COUNT' }, ConsistentRead: true }));
  return (item.Item?.count as number | undefined) ?? 0;
}

async function makeEffect(incidentKey: string, add: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: account.topology.stateTable.name,
      Key: { pk: `EFFECT#${incidentKey}`, sk: 'COUNT' },
      UpdateExpression: 'ADD #count :add',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':add': add },
    }),
  );
}

async function claimRecord(incidentKey: string): Promise<ClaimRecord | undefined> {
  const item = await db.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `INCIDENT#${incidentKey}`, sk: `CLAIM#${CLAIM}` }, ConsistentRead: true }));
  return item.Item as ClaimRecord | undefined;
}

/**
 * A playbook's shape of work: a retry that took over a dead attempt's claim finishes the recorded intent when its
 * effect is already there, instead of making it again; otherwise it records the intent, then makes the effect.
 */
function work(incidentKey: string, options: { act?: (claim: HeldClaim<Intent>) => Promise<Result>; record?: () => Promise<void> } = {}): ClaimedWork<Intent, Result> & { acted: number } {
  const counters = { acted: 0 };
  return Object.assign(counters, {
    what: 'incident claim',
    label: CLAIM,
    duplicate: (existing: ClaimRecord | undefined): Result => ({ outcome: 'duplicate' as const, reason: existing?.status ?? 'none' }),
    act: async (claim: HeldClaim<Intent>): Promise<Result> => {
      counters.acted += 1;
      if (options.act) return options.act(claim);
      if (claim.previousIntent && (await effect(incidentKey)) === claim.previousIntent.add) {
        return { outcome: 'applied', reason: 'applied by an earlier attempt, recorded on retry', resumed: claim.previousIntent };
      }
      await claim.recordIntent({ add: 1 });
      await makeEffect(incidentKey, 1);
      return { outcome: 'applied', reason: 'applied' };
    },
    failed: (error: Error): Result => ({ outcome: 'escalate', reason: error.message }),
    record: options.record ?? (async () => undefined),
    outcome: (result: Result) => ({ outcome: result.outcome, reason: result.reason }),
  });
}

beforeAll(async () => {
  account = await provisionAccount('production');
  db = DynamoDBDocumentClient.from(new DynamoDBClient(account.clientConfig), { marshallOptions: { removeUndefinedValues: true } });
  store = new IncidentStore(db, { tableName: account.topology.stateTable.name, leaseSeconds: LEASE_SECONDS, retentionDays: 1 });
});

afterEach(async () => {
  await clearProxyFaults(proxyControl(), { accountId: account.accountId });
});

describe('the incident protocol on real DynamoDB conditional writes', () => {
  it('lets exactly one of 20 concurrent deliveries act; the other 19 are duplicates', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const deps: IncidentProtocolDeps = { store, clock, logger: logger() };
    const works = Array.from({ length: 20 }, () => work(incidentKey));

    const results = await Promise.all(works.map((w) => runUnderClaim(deps, CLAIM, incidentKey, w)));

    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(19);
    expect(works.reduce((sum, w) => sum + w.acted, 0)).toBe(1);
    expect(await effect(incidentKey)).toBe(1);
    expect(await claimRecord(incidentKey)).toMatchObject({ status: 'COMPLETED', outcome: 'applied', intent: { add: 1 } });
    // Once completed, a later delivery is a duplicate too, whatever the time.
    clock.advanceSeconds(LEASE_SECONDS * 10);
    expect(await runUnderClaim(deps, CLAIM, incidentKey, work(incidentKey))).toEqual({ outcome: 'duplicate', reason: 'COMPLETED' });
    expect(await effect(incidentKey)).toBe(1);
  });

  it('finishes the intent of an attempt that crashed after making its change, instead of making it again', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const deps: IncidentProtocolDeps = { store, clock, logger: logger() };
    // Attempt 1 records its intent, makes the change, and dies there (a Lambda timeout): nothing released or completed.
    let crashed!: () => void;
    const reachedCrash = new Promise<void>((resolve) => (crashed = resolve));
    const first = work(incidentKey, {
      act: async (claim) => {
        await claim.recordIntent({ add: 1 });
        await makeEffect(incidentKey, 1);
        crashed();
        return new Promise<Result>(() => undefined);
      },
    });
    void runUnderClaim(deps, CLAIM, incidentKey, first);
    await reachedCrash;
    expect(await claimRecord(incidentKey)).toMatchObject({ status: 'IN_PROGRESS', intent: { add: 1 } });

    // A concurrent copy seconds later is a duplicate; a retry 30 s on is told to come back (it throws, Lambda retries).
    clock.advanceSeconds(5);
    expect(await runUnderClaim(deps, CLAIM, incidentKey, work(incidentKey))).toEqual({ outcome: 'duplicate', reason: 'IN_PROGRESS' });
    clock.advanceSeconds(LATE_DUPLICATE_SECONDS);
    const late = work(incidentKey);
    await expect(runUnderClaim(deps, CLAIM, incidentKey, late)).rejects.toBeInstanceOf(TransientError);
    expect(late.acted).toBe(0);

    // Past the lease (Lambda's last retry), the retry takes the claim over, sees the intent and the change, and records it.
    clock.advanceSeconds(LEASE_SECONDS);
    const retry = work(incidentKey);
    const result = await runUnderClaim(deps, CLAIM, incidentKey, retry);

    expect(result).toEqual({ outcome: 'applied', reason: 'applied by an earlier attempt, recorded on retry', resumed: { add: 1 } });
    expect(await effect(incidentKey)).toBe(1);
    expect(await claimRecord(incidentKey)).toMatchObject({ status: 'COMPLETED', outcome: 'applied' });
  });

  it('does not take over a claim whose lease has not expired, and does take over one whose lease has (injected clock)', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const held = await store.claim(CLAIM, incidentKey, clock.now());
    expect(held).toMatchObject({ claimed: true, takenOver: false });

    clock.advanceSeconds(LEASE_SECONDS);
    expect(await store.claim(CLAIM, incidentKey, clock.now())).toMatchObject({ claimed: false, existing: { status: 'IN_PROGRESS' } });
    clock.advanceSeconds(1);
    const takenOver = await store.claim(CLAIM, incidentKey, clock.now());
    expect(takenOver).toMatchObject({ claimed: true, takenOver: true });
    // The first holder lost it: its intent and completion are refused by the owner condition.
    if (!held.claimed || !takenOver.claimed) throw new Error('unreachable');
    await expect(store.recordIntent(CLAIM, incidentKey, held.owner, { add: 9 })).rejects.toBeInstanceOf(TransientError);
    await expect(store.complete(CLAIM, incidentKey, held.owner, 'applied', 'late')).rejects.toBeInstanceOf(TransientError);
    expect(await claimRecord(incidentKey)).toMatchObject({ status: 'IN_PROGRESS', owner: takenOver.owner });
  });

  it('gives the claim back after a transient failure, so the next delivery takes it over at once and sees the intent', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const deps: IncidentProtocolDeps = { store, clock, logger: logger() };
    const failing = work(incidentKey, {
      act: async (claim) => {
        await claim.recordIntent({ add: 1 });
        throw new TransientError('throttled after the intent');
      },
    });
    await expect(runUnderClaim(deps, CLAIM, incidentKey, failing)).rejects.toThrow('throttled after the intent');
    expect(await claimRecord(incidentKey)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, intent: { add: 1 } });

    clock.advanceSeconds(1);
    const retry = work(incidentKey);
    // The intent is there but its effect is not: the retry makes it, once.
    expect(await runUnderClaim(deps, CLAIM, incidentKey, retry)).toEqual({ outcome: 'applied', reason: 'applied' });
    expect(retry.acted).toBe(1);
    expect(await effect(incidentKey)).toBe(1);
  });

  it('logs a release that fails, with its error, and still throws the failure that caused it', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const log = logger();
    const deps: IncidentProtocolDeps = { store, clock, logger: log };
    const failing = work(incidentKey, {
      act: async () => {
        // The release is the next UpdateItem this account makes: it is refused.
        await setProxyFaults(proxyControl(), [{ service: 'dynamodb', operation: 'UpdateItem', times: 1, status: 400, code: 'AccessDeniedException', message: 'not authorized to perform: dynamodb:UpdateItem' }], {
          accountId: account.accountId,
        });
        throw new TransientError('the original failure');
      },
    });

    await expect(runUnderClaim(deps, CLAIM, incidentKey, failing)).rejects.toThrow('the original failure');

    const releaseLogs = log.error.mock.calls.filter(([message]) => String(message).includes('could not release'));
    expect(releaseLogs).toHaveLength(1);
    expect(releaseLogs[0]?.[1]).toMatchObject({ error: expect.objectContaining({ name: 'AccessDeniedException' }), incidentKey });
    // Not released: the lease still stands, so the retry waits for it rather than racing a live holder.
    expect((await claimRecord(incidentKey))?.leaseExpiresAtSeconds).toBeGreaterThan(Math.floor(clock.now().getTime() / 1000));
  });

  it('releases and retries when the decision cannot be recorded, logging a release failure there too', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const log = logger();
    const deps: IncidentProtocolDeps = { store, clock, logger: log };
    const recordFails = work(incidentKey, {
      record: async () => {
        await setProxyFaults(proxyControl(), [{ service: 'dynamodb', operation: 'UpdateItem', times: 1, status: 400, code: 'AccessDeniedException', message: 'denied' }], {
          accountId: account.accountId,
        });
        throw new Error('the bus is unreachable');
      },
    });

    await expect(runUnderClaim(deps, CLAIM, incidentKey, recordFails)).rejects.toBeInstanceOf(TransientError);
    expect(log.error.mock.calls.map(([message]) => String(message))).toEqual(['could not record the decision: the event will be retried', 'could not release the claim: the retry will wait for its lease to expire']);
    expect(await effect(incidentKey)).toBe(1);

    // Past the lease the retry takes over, finds its own change made, and records it without making it again.
    clock.advanceSeconds(LEASE_SECONDS + 1);
    const retry = work(incidentKey);
    expect(await runUnderClaim(deps, CLAIM, incidentKey, retry)).toMatchObject({ outcome: 'applied', resumed: { add: 1 } });
    expect(await effect(incidentKey)).toBe(1);
    expect(await claimRecord(incidentKey)).toMatchObject({ status: 'COMPLETED' });
  });
});

// Review 21c R21c-3: a claim creates only (attribute_not_exists); only an expired claim, read from that refusal and
// judged, is taken over, by a second PutItem conditioned on exactly what was read (owner, status, intent; the lease still
// expired). Between the two, another writer may act: its record must never be replaced by a takeover that did not read
// it. `between` runs once the first PutItem has been answered, on the emulator's real conditions.
describe('a takeover on real DynamoDB conditions: only the record it read is replaced', () => {
  /** A store whose client runs `between` right after its first PutItem is answered (the refusal that shows the record). */
  function storeWithGap(between: () => Promise<void>): IncidentStore {
    let puts = 0;
    const gapped = {
      send: async (command: unknown) => {
        try {
          return await (db.send as (c: unknown) => Promise<unknown>)(command);
        } finally {
          if (command instanceof PutCommand && ++puts === 1) await between();
        }
      },
    };
    return new IncidentStore(gapped as unknown as DynamoDBDocumentClient, { tableName: account.topology.stateTable.name, leaseSeconds: LEASE_SECONDS, retentionDays: 1 });
  }

  /** An attempt that claimed, recorded its intent and died: its lease runs out `LEASE_SECONDS` + 1 s later on `clock`. */
  async function deadAttempt(incidentKey: string, clock: ManualClock, intent: Intent | undefined): Promise<string> {
    const held = await store.claim(CLAIM, incidentKey, clock.now());
    if (!held.claimed) throw new Error('the first attempt did not claim');
    if (intent) await store.recordIntent(CLAIM, incidentKey, held.owner, intent);
    clock.advanceSeconds(LEASE_SECONDS + 1);
    return held.owner;
  }

  it("does not replace another delivery's newer takeover made after it read the expired claim: it reads as a duplicate", async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    await deadAttempt(incidentKey, clock, { add: 1 });
    let other: Awaited<ReturnType<IncidentStore['claim']>> | undefined;
    const late = storeWithGap(async () => {
      other = await store.claim(CLAIM, incidentKey, clock.now());
    });

    const result = await late.claim(CLAIM, incidentKey, clock.now());

    // The other delivery took the claim over (it read the same expired record) and holds it; this one did not replace it.
    expect(other).toMatchObject({ claimed: true, takenOver: true, previousIntent: { add: 1 } });
    const otherOwner = other?.claimed ? other.owner : 'none';
    expect(result).toMatchObject({ claimed: false, existing: { owner: otherOwner, status: 'IN_PROGRESS' } });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: otherOwner, status: 'IN_PROGRESS' });
    // The holder's writes still go through: nobody replaced its claim.
    if (!other?.claimed) throw new Error('unreachable');
    await store.recordIntent(CLAIM, incidentKey, other.owner, { add: 2 });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: other.owner, intent: { add: 2 } });
  });

  it("does not replace another delivery's takeover given back after it read the expired claim (the same status, no intent, lease 0): only the owner tells them apart", async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    await deadAttempt(incidentKey, clock, undefined);
    let other = '';
    const late = storeWithGap(async () => {
      const taken = await store.claim(CLAIM, incidentKey, clock.now());
      if (!taken.claimed) throw new Error('the other delivery did not take the claim over');
      other = taken.owner;
      await store.release(CLAIM, incidentKey, other);
    });

    const result = await late.claim(CLAIM, incidentKey, clock.now());

    expect(result).toMatchObject({ claimed: false, existing: { owner: other, status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0 } });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: other, leaseExpiresAtSeconds: 0 });
  });

  it.each<[string, Intent | undefined, (holder: string, incidentKey: string) => Promise<void>, Partial<ClaimRecord>]>([
    ['an intent its holder wrote after it was read', { add: 1 }, (holder, key) => store.recordIntent(CLAIM, key, holder, { add: 5 }), { status: 'IN_PROGRESS', intent: { add: 5 } }],
    ['a first intent its holder wrote after it was read', undefined, (holder, key) => store.recordIntent(CLAIM, key, holder, { add: 5 }), { status: 'IN_PROGRESS', intent: { add: 5 } }],
    ['its holder completing it after it was read', { add: 1 }, (holder, key) => store.complete(CLAIM, key, holder, 'applied', 'applied'), { status: 'COMPLETED', outcome: 'applied' }],
  ])('does not replace %s: the takeover is refused and reads the record as it now is', async (_case, intent, write, expected) => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const holder = await deadAttempt(incidentKey, clock, intent);
    const late = storeWithGap(() => write(holder, incidentKey));

    const result = await late.claim(CLAIM, incidentKey, clock.now());

    expect(result).toMatchObject({ claimed: false, existing: { owner: holder, ...expected } });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: holder, ...expected });
  });

  it('takes over a claim given back after it was read (its lease 0): what it judged, the intent, is unchanged', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    const holder = await deadAttempt(incidentKey, clock, { add: 1 });
    const late = storeWithGap(() => store.release(CLAIM, incidentKey, holder));

    const result = await late.claim(CLAIM, incidentKey, clock.now());

    expect(result).toMatchObject({ claimed: true, takenOver: true, previousIntent: { add: 1 } });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: result.claimed ? result.owner : 'none', status: 'IN_PROGRESS' });
    expect((await claimRecord(incidentKey))?.intent).toBeUndefined();
  });

  it('lets exactly one of 10 concurrent retries take over an expired claim, each handed its intent once', async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    await deadAttempt(incidentKey, clock, { add: 1 });

    const results = await Promise.all(Array.from({ length: 10 }, () => store.claim(CLAIM, incidentKey, clock.now())));

    const holders = results.filter((r) => r.claimed);
    expect(holders).toHaveLength(1);
    expect(holders[0]).toMatchObject({ takenOver: true, previousIntent: { add: 1 } });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: holders[0]?.claimed ? holders[0].owner : 'none' });
  });

  it("takes its own takeover whose answer was lost (the SDK's retry refused by it) as made, with the intent it read", async () => {
    const incidentKey = newIncident();
    const clock = new ManualClock();
    await deadAttempt(incidentKey, clock, { add: 1 });
    const scope = { accountId: account.accountId };
    const since = await getProxyCallCount(proxyControl());
    // The first PutItem passes (counted by a 1 ms rule); the second, the takeover, is applied and its connection cut.
    await setProxyFaults(proxyControl(), [{ service: 'dynamodb', operation: 'PutItem', times: 1, latencyMs: 1 }, { service: 'dynamodb', operation: 'PutItem', times: 1, answerLost: true }], scope);

    const result = await store.claim(CLAIM, incidentKey, clock.now());

    const fired = (await getProxyFaults(proxyControl(), scope)).map((f) => f.times - f.remaining);
    const sent = (await getProxyCalls(proxyControl(), since)).filter((c) => c.accountId === account.accountId && c.service === 'dynamodb' && c.operation === 'PutItem').length;
    // The takeover was applied, its answer lost, and sent again by the SDK: 3 PutItems (claim, takeover, its retry).
    expect({ fired, sent }).toEqual({ fired: [1, 1], sent: 3 });
    expect(result).toEqual({ claimed: true, owner: expect.any(String), takenOver: true, previousIntent: { add: 1 } });
    expect(await claimRecord(incidentKey)).toMatchObject({ owner: result.claimed ? result.owner : 'none', status: 'IN_PROGRESS' });
  });
});
