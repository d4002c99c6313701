// `runbook prepare-rollback` as an operator runs it before or after rolling back past decision 348 (review 21c R21c-2,
// decision 357): a real process against the emulator's state table, whose items the real stores wrote. The tokens 348 adds
// are removed, every other attribute stays byte for byte, a token rewritten between the scan and its removal is skipped
// (held at the gap proxy while the test writes it), and the cleaned items parse under the reader before 348.
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import { IncidentStore } from '../../../shared/state/incident-store';
import { clearProxyFaults, getProxyFaults, releaseProxyHolds, setProxyFaults } from '../../../sandbox/proxy-control';
import { parseHeldItem as pre348ParseHeldItem } from '../../fixtures/pre-348/escalation-records';
import { parseResourceStateItem as pre348ParseResourceState } from '../../fixtures/pre-348/state-records';
import { runCli } from '../../support/run-cli';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const NOW = new Date('2026-12-07T17:00:00.000Z');
const INCIDENT = 'inc-0a1b2c3d4e5f';

let account: SandboxAccount;
let raw: DynamoDBClient;
let db: DynamoDBDocumentClient;
let store: IncidentStore;
let table: string;

// The ARNs are only the items' keys here: the table is the account's own.
const arn = (name: string): string => `arn:aws:sqs:us-east-1:111111111111:${name}`;
const stateKey = (name: string): { pk: string; sk: string } => ({ pk: `RESOURCE#${arn(name)}`, sk: 'STATE' });
const HELD = { pk: 'ESCALATION-HELD', sk: `${INCIDENT}#C1` };
const FORGED = { pk: 'ESCALATION-OPEN', sk: '2026-12-07T17:00:00.000+0000#forged' };

/** The item as DynamoDB stores it (attribute values, not unmarshalled): what "byte for byte" is judged on. */
async function rawItem(key: { pk: string; sk: string }): Promise<Record<string, AttributeValue> | undefined> {
  return (await raw.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;
}

async function item(key: { pk: string; sk: string }): Promise<Record<string, unknown>> {
  const found = (await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  if (!found) throw new Error(`no item ${key.pk} / ${key.sk}`);
  return found;
}

function without(itemValues: Record<string, AttributeValue> | undefined, attribute: string): Record<string, AttributeValue> {
  const rest = { ...(itemValues ?? {}) };
  delete rest[attribute];
  return rest;
}

const KEYS = { a: stateKey('queue-a'), b: stateKey('queue-b'), c: stateKey('queue-c'), plain: stateKey('queue-plain'), held: HELD, forged: FORGED };
type Name = keyof typeof KEYS;
let before: Record<Name, Record<string, AttributeValue> | undefined>;

async function snapshot(): Promise<Record<Name, Record<string, AttributeValue> | undefined>> {
  const entries = await Promise.all((Object.keys(KEYS) as Name[]).map(async (name) => [name, await rawItem(KEYS[name])] as const));
  return Object.fromEntries(entries) as Record<Name, Record<string, AttributeValue> | undefined>;
}

const next = { changeTimesSeconds: [1765126800], lastScaleUpAtSeconds: 1765126800, lastIncidentKey: 'arn:aws:cloudwatch:us-east-1:1:alarm:x#t', baseline: { consumers: 2 } };

beforeAll(async () => {
  account = await provisionAccount('production');
  table = account.topology.stateTable.name;
  raw = new DynamoDBClient(account.clientConfig);
  db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  store = new IncidentStore(db, { tableName: table, leaseSeconds: 120, retentionDays: 1 });
  const escalations = new EscalationStore(db, { tableName: table, retentionDays: 30, leaseSeconds: 120 });
  // Written by the 348 code itself: two reservations, a remembered fact, a held resolution's refusal count.
  await store.reserveChange(arn('queue-a'), undefined, next);
  await store.remember(arn('queue-b'), { maxConnections: 410 });
  await store.reserveChange(arn('queue-c'), undefined, next);
  await escalations.holdResolution(INCIDENT, 1, new Date(NOW.getTime() + 600_000), NOW);
  expect(await escalations.countHeldRefusal(INCIDENT, 1)).toBe(1);
  // Written before 348 (no token), and a token where 348 never writes one (not the automation's).
  await db.send(new PutCommand({ TableName: table, Item: { ...KEYS.plain, version: 1, changeTimesSeconds: [1765126800] } }));
  await db.send(new PutCommand({ TableName: table, Item: { ...FORGED, incidentId: INCIDENT, writeToken: 'planted-by-hand' } }));
  before = await snapshot();
  for (const name of ['a', 'b', 'c'] as const) expect(before[name]?.writeToken?.S).toMatch(/^[0-9a-f-]{36}$/);
  expect(before.held?.refusalToken?.S).toMatch(/^[0-9a-f-]{36}$/);
});

afterAll(() => {
  raw.destroy();
});

const line = (key: { pk: string; sk: string }, attribute: string): string => `  ${key.pk} / ${key.sk}: ${attribute}\n`;

it('refuses the 348 items under the reader before 348 (what a rollback meets), so the fixture is that strict reader', () => {
  expect(() => pre348ParseResourceState(KEYS.a, { ...KEYS.a, version: 1, ...next, writeToken: 'x' })).toThrow('writeToken: not a field the automation writes');
  expect(() => pre348ParseHeldItem(HELD, { ...HELD, incidentId: INCIDENT, cycle: 1, dueAt: NOW.toISOString(), refusals: 1, refusalToken: 'x' })).toThrow(
    'refusalToken: not a field the automation writes',
  );
});

it('dry run by default: counts and names the four tokens, lists the hand-made one apart, and changes nothing', async () => {
  const run = await runCli(['prepare-rollback'], account.env);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^dry run \(state table \S+, us-east-1, 1 page scanned\): 4 tokens of decision 348 to remove; nothing changed\.\n/);
  for (const [key, attribute] of [[KEYS.a, 'writeToken'], [KEYS.b, 'writeToken'], [KEYS.c, 'writeToken'], [HELD, 'refusalToken']] as const) expect(run.stdout).toContain(line(key, attribute));
  expect(run.stdout).toContain(`NOT TOUCHED 1: a token on an item decision 348 never writes it on (forged or hand-made); read it before deleting it:\n${line(FORGED, 'writeToken')}`);
  expect(await snapshot()).toEqual(before);
});

it('pages through the table (--page-size 1): the same four found, one item per page, still nothing changed', async () => {
  const run = await runCli(['prepare-rollback', '--page-size', '1', '--json'], account.env);
  expect(run.status).toBe(0);
  const report = JSON.parse(run.stdout) as { scannedPages: number; found: Array<{ key: { pk: string } }>; removed: unknown[]; applied: boolean };
  expect(report.applied).toBe(false);
  expect(report.found.map((t) => t.key.pk).sort()).toEqual([HELD.pk, KEYS.a.pk, KEYS.b.pk, KEYS.c.pk].sort());
  expect(report.removed).toEqual([]);
  // One item per page: the account's table holds the six items this file wrote, each read on a page of its own.
  expect(report.scannedPages).toBe(6);
  expect(await snapshot()).toEqual(before);
});

it('--apply removes each token only if unchanged: one rewritten by 348 code between the scan and its removal is skipped (exit 2), the rest removed, every other attribute byte-identical', async () => {
  const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
  const scope = { accountId: account.accountId };
  // The first removal is held at the proxy after the scan has read every token; meanwhile queue-c is reserved again by the
  // 348 code (a new token, version 2). Whichever removal was held, queue-c's now conditions on the token the scan read.
  await setProxyFaults(control, [{ service: 'dynamodb', operation: 'UpdateItem', times: 1, hold: true }], scope);
  const unstick = setTimeout(() => void releaseProxyHolds(control, scope).catch(() => undefined), 60_000);
  let rewritten: Record<string, AttributeValue> | undefined;
  try {
    const running = runCli(['prepare-rollback', '--apply'], account.env);
    while ((await getProxyFaults(control, scope))[0]?.held !== 1) await new Promise((resolve) => setTimeout(resolve, 50));
    await store.reserveChange(arn('queue-c'), 1, { ...next, changeTimesSeconds: [1765126800, 1765127400] });
    rewritten = await rawItem(KEYS.c);
    expect(rewritten?.writeToken?.S).not.toBe(before.c?.writeToken?.S);
    expect(await releaseProxyHolds(control, scope)).toBe(1);
    const run = await running;
    expect(run.stderr).toBe('');
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^applied \(state table \S+, us-east-1, 1 page scanned\): removed 3 of 4 tokens of decision 348\.\n/);
    expect(run.stdout).toContain(`SKIPPED 1: changed since the scan read it (a concurrent write: code at or after 348 still running?); left as it is. Run again once only the older code runs:\n${line(KEYS.c, 'writeToken')}`);
  } finally {
    clearTimeout(unstick);
    await clearProxyFaults(control, scope);
  }
  const after = await snapshot();
  expect(after.a).toEqual(without(before.a, 'writeToken'));
  expect(after.b).toEqual(without(before.b, 'writeToken'));
  expect(after.held).toEqual(without(before.held, 'refusalToken'));
  expect(after.a?.writeToken).toBeUndefined();
  expect(after.held?.refusalToken).toBeUndefined();
  // The concurrent write stands as written, token and all; the untouched items are as they were.
  expect(after.c).toEqual(rewritten);
  expect(after.plain).toEqual(before.plain);
  expect(after.forged).toEqual(before.forged);
});

it('the cleaned items parse under the reader before 348, with exactly its fields; the skipped one is still refused by it', async () => {
  const a = await item(KEYS.a);
  expect(Object.keys(a).sort()).toEqual(['baseline', 'changeTimesSeconds', 'lastIncidentKey', 'lastScaleUpAtSeconds', 'pk', 'sk', 'version']);
  expect(pre348ParseResourceState(KEYS.a, a)).toMatchObject({ version: 1, ...next });
  expect(pre348ParseResourceState(KEYS.b, await item(KEYS.b))).toMatchObject({ learned: { maxConnections: 410 } });
  expect(pre348ParseHeldItem(HELD, await item(HELD))).toMatchObject({ incidentId: INCIDENT, cycle: 1 });
  const c = await item(KEYS.c);
  expect(() => pre348ParseResourceState(KEYS.c, c)).toThrow('writeToken: not a field the automation writes');
});

it('run again once the 348 code is gone: the skipped token is removed (exit 0), and a dry run then finds none', async () => {
  const c = await rawItem(KEYS.c);
  const again = await runCli(['prepare-rollback', '--apply'], account.env);
  expect(again.status).toBe(0);
  expect(again.stdout).toMatch(/^applied \(state table \S+, us-east-1, 1 page scanned\): removed 1 of 1 token of decision 348\.\n/);
  expect(await rawItem(KEYS.c)).toEqual(without(c, 'writeToken'));
  expect(pre348ParseResourceState(KEYS.c, await item(KEYS.c))).toMatchObject({ version: 2 });
  const none = await runCli(['prepare-rollback'], account.env);
  expect(none.status).toBe(0);
  expect(none.stdout).toMatch(/: 0 tokens of decision 348 to remove; nothing changed\.\n/);
});
