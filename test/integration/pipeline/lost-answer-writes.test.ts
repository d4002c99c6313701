// Writes that are not repeats of themselves, against the emulator's DynamoDB (review 20d R20-63, decision 348): each one
// reaches DynamoDB and is applied, its answer is lost (the gap proxy's answerLost rule cuts the connection), and the SDK
// sends the same request again, as it does after a reset or, since decision 337, a request timeout. The retry must find
// the write already made and say so: not "changed by another incident" (reserveChange), not a second count
// (countHeldRefusal), not a second version bump (remember).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import { TransientError } from '../../../shared/errors';
import { IncidentStore } from '../../../shared/state/incident-store';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const NOW = new Date('2026-12-07T17:00:00.000Z');

let account: SandboxAccount;
let db: DynamoDBDocumentClient;
let store: IncidentStore;
let escalations: EscalationStore;
let resources = 0;

function control(): string {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
}

function newResource(): string {
  resources += 1;
  return `arn:aws:lambda:us-east-1:${account.accountId}:event-source-mapping:lost-answer-${resources}`;
}

async function resourceItem(arn: string): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `RESOURCE#${arn}`, sk: 'STATE' }, ConsistentRead: true }))).Item;
}

/**
 * Runs `write` with the account's `lostAt`-th call of `operation` applied and its answer lost (earlier ones pass through
 * a 1 ms rule that counts them); returns how often the rules fired and how many of the operation the SDK sent.
 */
async function withAnswerLost<T>(operation: string, lostAt: number, write: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; fired: number[]; sent: number }> {
  const scope = { accountId: account.accountId };
  const passed = lostAt > 1 ? [{ service: 'dynamodb', operation, times: lostAt - 1, latencyMs: 1 }] : [];
  const since = await getProxyCallCount(control());
  await setProxyFaults(control(), [...passed, { service: 'dynamodb', operation, times: 1, answerLost: true }], scope);
  try {
    const [result] = await Promise.allSettled([write()]);
    const fired = (await getProxyFaults(control(), scope)).map((f) => f.times - f.remaining);
    const sent = (await getProxyCalls(control(), since)).filter((c) => c.accountId === account.accountId && c.service === 'dynamodb' && c.operation === operation).length;
    return { result: result as PromiseSettledResult<T>, fired, sent };
  } finally {
    await clearProxyFaults(control(), scope);
  }
}

beforeAll(async () => {
  account = await provisionAccount('production');
  db = DynamoDBDocumentClient.from(new DynamoDBClient(account.clientConfig), { marshallOptions: { removeUndefinedValues: true } });
  store = new IncidentStore(db, { tableName: account.topology.stateTable.name, leaseSeconds: 120, retentionDays: 1 });
  escalations = new EscalationStore(db, { tableName: account.topology.stateTable.name, retentionDays: 30, leaseSeconds: 120 });
});

afterEach(async () => {
  await clearProxyFaults(control(), { accountId: account.accountId });
});

describe('reserveChange whose answer is lost', () => {
  it.each([
    ['the first reservation of a resource (attribute_not_exists)', false],
    ['a reservation over an earlier one (version condition)', true],
  ])("takes the SDK's retry refused by its own write as made: %s", async (_case, earlier) => {
    const arn = newResource();
    if (earlier) await store.reserveChange(arn, undefined, { changeTimesSeconds: [1_796_000_000], lastIncidentKey: 'an-earlier-incident' });
    const expected = earlier ? 1 : undefined;
    const next = { changeTimesSeconds: [1_796_000_100], lastIncidentKey: 'this-incident', baseline: { maximumConcurrency: 50 } };
    const { result, fired, sent } = await withAnswerLost('PutItem', 1, () => store.reserveChange(arn, expected, next));
    // The fault fired: the write was applied, its answer lost, the same PutItem sent again.
    expect({ fired, sent }).toEqual({ fired: [1], sent: 2 });
    expect(result).toEqual({ status: 'fulfilled', value: undefined });
    expect(await store.getResourceState(arn)).toEqual({ ...next, version: (expected ?? 0) + 1, lastScaleUpAtSeconds: undefined, lastRestoreAtSeconds: undefined });
  });

  it('still refuses a write another incident made in between, as a transient conflict', async () => {
    const arn = newResource();
    await store.reserveChange(arn, undefined, { changeTimesSeconds: [], lastIncidentKey: 'another-incident' });
    const refused = store.reserveChange(arn, undefined, { changeTimesSeconds: [], lastIncidentKey: 'this-incident' });
    await expect(refused).rejects.toBeInstanceOf(TransientError);
    await expect(refused).rejects.toThrow(`resource ${arn} was changed by another incident at the same time`);
    expect(await store.getResourceState(arn)).toMatchObject({ version: 1, lastIncidentKey: 'another-incident' });
  });
});

describe('remember whose answer is lost', () => {
  it("bumps the version once: the SDK's retry of its fact write is refused by its own token", async () => {
    const arn = newResource();
    // remember's second UpdateItem (the facts and the version; the first only creates the map) is applied, its answer lost.
    const { result, fired, sent } = await withAnswerLost('UpdateItem', 2, () => store.remember(arn, { memoryCeilingMb: 3008 }));
    expect({ fired, sent }).toEqual({ fired: [1, 1], sent: 3 });
    expect(result).toEqual({ status: 'fulfilled', value: undefined });
    expect(await resourceItem(arn)).toMatchObject({ version: 1, learned: { memoryCeilingMb: 3008 } });
    // A reservation made from that read (version 1) goes through: the version was not bumped behind it.
    await store.reserveChange(arn, 1, { changeTimesSeconds: [], lastIncidentKey: 'this-incident', learned: { memoryCeilingMb: 3008 } });
    expect(await store.getResourceState(arn)).toMatchObject({ version: 2, learned: { memoryCeilingMb: 3008 } });
  });

  it('bumps the version on each call (each its own token)', async () => {
    const arn = newResource();
    await store.remember(arn, { a: 1 });
    await store.remember(arn, { a: 1 });
    expect(await resourceItem(arn)).toMatchObject({ version: 2, learned: { a: 1 } });
  });
});

describe('countHeldRefusal whose answer is lost', () => {
  it("counts the sweep run once and answers that count: the SDK's retry is refused by its own token", async () => {
    const incidentId = `inc-${account.accountId}-held`;
    await escalations.holdResolution(incidentId, 1, new Date(NOW.getTime() + 600_000), NOW);
    const { result, fired, sent } = await withAnswerLost('UpdateItem', 1, () => escalations.countHeldRefusal(incidentId, 1));
    expect({ fired, sent }).toEqual({ fired: [1], sent: 2 });
    expect(result).toEqual({ status: 'fulfilled', value: 1 });
    // The next run counts on from there; a count once the entry is gone is none.
    expect(await escalations.countHeldRefusal(incidentId, 1)).toBe(2);
    await escalations.releaseHeld(incidentId, 1);
    expect(await escalations.countHeldRefusal(incidentId, 1)).toBeUndefined();
  });
});
