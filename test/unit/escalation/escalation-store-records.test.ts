// Escalation items read back from the state table are parsed before anyone is notified on their word (decision 118): the
// real EscalationStore and DecisionRecords over a table held in memory; what the store writes reads back, and each item
// forged as anyone who can write the table would is refused, naming its key and field.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DecisionRecords } from '../../../shared/escalation/decision-records';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import { incidentIdFor, type Incident } from '../../../shared/escalation/incident';
import { documentCopy as copy, InMemoryDynamoTable } from '../../support/in-memory-dynamodb';
import { stateRecordRefusal as refused } from '../../support/state-record-refusal';
import { STORE_ALARM_ARN as ALARM_ARN, STORE_INCIDENT_ID as ID, STORE_INCIDENT_KEY as INCIDENT_KEY, STORE_NOW as NOW, storeIncident } from './fixtures';

const INCIDENT_ITEM_KEY = { pk: `ESCALATION#${ID}`, sk: 'INCIDENT' };

const storeOver = (table: InMemoryDynamoTable): EscalationStore =>
  new EscalationStore(table.client as unknown as DynamoDBDocumentClient, { tableName: 'state', retentionDays: 30, leaseSeconds: 120 });

/** The store files' incident with the alarm's reason and the decision that opened it. */
function incident(): Incident {
  return storeIncident({
    alarmReason: 'Threshold Crossed: 1 datapoint [1500.0] was greater than the threshold (1000.0).',
    decision: {
      key: 'scale-consumers#k',
      playbook: 'scale-consumers',
      outcome: 'escalate',
      reason: 'consumers at cap 400',
      decidedAt: '2026-12-05T22:00:30.000Z',
      dryRun: false,
      cause: 'cap-reached',
      resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: 'arn:aws:sqs:us-east-1:111111111111:notification-service-queue' },
      findings: ['MaximumConcurrency 400 (cap 400)'],
      runbook: { documentName: 'NotificationService-ScaleConsumers', parameters: { QueueName: ['notification-service-queue'] } },
    },
  });
}

describe('an incident read back (ESCALATION#<id> / INCIDENT)', () => {
  it('reads back what create wrote, and what an acknowledgement by the SSM document adds (its DATE_TIME is not ISO 8601)', async () => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).create(incident(), NOW);
    expect(await storeOver(table).get(ID)).toEqual(incident());
    table.forge({ ...table.get(INCIDENT_ITEM_KEY), status: 'ACKNOWLEDGED', acknowledgedBy: 'alice', acknowledgedAt: '2026-12-05_22.05.00', acknowledgedVia: 'ssm:abc' });
    expect(await storeOver(table).get(ID)).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedAt: '2026-12-05_22.05.00' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown status', { status: 'CLOSED' }, 'status: Invalid option: expected one of "WATCHING"|"OPEN"|"ACKNOWLEDGED"|"RESOLVED"'],
    ['a negative tier level', { level: -1 }, 'level: Too small: expected number to be >=0'],
    ['a fractional tier level', { level: 2.5 }, 'level: Invalid input: expected int, received number'],
    ['a tier level that is text (skipping to the service owner)', { level: 'L4' }, 'level: Invalid input: expected number, received string'],
    ['a tier level of 1000', { level: 1000 }, 'level: Too big: expected number to be <=100'],
    ['a next escalation that is not ISO 8601', { nextEscalationAt: 'never' }, 'nextEscalationAt: Invalid ISO datetime'],
    ['an account that is not 12 digits', { account: '12345' }, 'account: must be a 12-digit account id'],
    ['an incident id that is not one', { incidentId: '../inc' }, 'incidentId: must be an incident id (inc- and 12 hex digits)'],
    // Ids that hold a genuine one: only an anchored pattern refuses them.
    ['an incident id with a prefix before a genuine one', { incidentId: `x/${ID}` }, 'incidentId: must be an incident id (inc- and 12 hex digits)'],
    ['an incident id with a suffix after a genuine one', { incidentId: `${ID}/../x` }, 'incidentId: must be an incident id (inc- and 12 hex digits)'],
    ['updates that are not a list', { updates: 'none' }, 'updates: Invalid input: expected array, received string'],
    ['a decision without its key', { decision: { ...incident().decision, key: undefined } }, 'decision.key: Invalid input: expected string, received undefined'],
    ['a next step whose parameters are not lists', { decision: { ...incident().decision, runbook: { documentName: 'D', parameters: { QueueName: 'q' } } } }, 'decision.runbook.parameters.QueueName: Invalid input: expected array, received string'],
    ['a decision with a link of its own', { decision: { ...incident().decision, consoleUrl: 'https://evil.example' } }, 'decision.consoleUrl: not a field the automation writes'],
    ['a field no version writes', { pageNobody: true }, 'pageNobody: not a field the automation writes'],
  ])('get refuses %s, naming the key and field', async (_forgery, forged, issue) => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).create(incident(), NOW);
    table.forge(JSON.parse(JSON.stringify({ ...table.get(INCIDENT_ITEM_KEY), updateKeys: undefined, ...forged })) as Record<string, unknown>);
    const error = await refused(storeOver(table).get(ID));
    expect(error.key).toEqual(INCIDENT_ITEM_KEY);
    expect(error.issues).toEqual([issue]);
  });

  it('listUnresolved refuses an index entry naming something that is not an incident id, and still lists the valid incident beside it (decision 300)', async () => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).create(incident(), NOW);
    table.forge({ pk: 'ESCALATION-OPEN', sk: '2026-12-05T22:00:00.000+0000#x', incidentId: 'inc-../../x' });
    expect(await storeOver(table).listUnresolved()).toEqual({
      incidents: [incident()],
      refused: [{ key: { pk: 'ESCALATION-OPEN', sk: '2026-12-05T22:00:00.000+0000#x' }, issues: ['incidentId: must be an incident id (inc- and 12 hex digits)'] }],
    });
  });

  it.each([
    ['a prefix', `x/${ID}`],
    ['a suffix', `${ID}/../x`],
  ])('listUnresolved refuses an index entry whose incident id is a genuine one with %s, and still lists the valid incident', async (_what, forgedId) => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).create(incident(), NOW);
    table.forge({ pk: 'ESCALATION-OPEN', sk: '2026-12-05T22:00:00.000+0000#x', incidentId: forgedId });
    const list = await storeOver(table).listUnresolved();
    expect(list.incidents.map((i) => i.incidentId)).toEqual([ID]);
    expect(list.refused).toEqual([{ key: { pk: 'ESCALATION-OPEN', sk: '2026-12-05T22:00:00.000+0000#x' }, issues: ['incidentId: must be an incident id (inc- and 12 hex digits)'] }]);
  });

  it('listUnresolved refuses an incident record that is not as the store writes it, and still lists the valid incident beside it (decision 300)', async () => {
    const table = new InMemoryDynamoTable();
    const other = { ...incident(), incidentId: incidentIdFor(`${ALARM_ARN}#2026-12-05T23:00:00.000+0000`), incidentKey: `${ALARM_ARN}#2026-12-05T23:00:00.000+0000`, alarmTime: '2026-12-05T23:00:00.000+0000' };
    await storeOver(table).create(incident(), NOW);
    await storeOver(table).create(other, NOW);
    const otherKey = { pk: `ESCALATION#${other.incidentId}`, sk: 'INCIDENT' };
    table.forge(JSON.parse(JSON.stringify({ ...table.get(otherKey), updateKeys: undefined, status: 'CLOSED' })) as Record<string, unknown>);
    expect(await storeOver(table).listUnresolved()).toEqual({
      incidents: [incident()],
      refused: [{ key: otherKey, issues: ['status: Invalid option: expected one of "WATCHING"|"OPEN"|"ACKNOWLEDGED"|"RESOLVED"'] }],
    });
  });

  it('listUnresolved still rejects on a failure that is not a refusal (a throttled read): a retry may read it', async () => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).create(incident(), NOW);
    const store = new EscalationStore(
      { send: async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' })) } as unknown as DynamoDBDocumentClient,
      { tableName: 'state', retentionDays: 30, leaseSeconds: 120 },
    );
    await expect(store.listUnresolved()).rejects.toThrow('Rate exceeded');
  });

  it("incidentsOfAlarm reads the alarm's index as create wrote it, and refuses a forged entry", async () => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).create(incident(), NOW);
    expect(await storeOver(table).incidentsOfAlarm(ALARM_ARN)).toEqual([{ incidentId: ID, alarmTime: '2026-12-05T22:00:00.000+0000' }]);
    table.forge({ pk: `ESCALATION-ALARM#${ALARM_ARN}`, sk: `x#${ID}`, incidentId: ID, resolveAll: true });
    const error = await refused(storeOver(table).incidentsOfAlarm(ALARM_ARN));
    expect(error.issues).toEqual(['resolveAll: not a field the automation writes']);
  });
});

describe('a held resolution read back (ESCALATION-HELD / <id>#C<cycle>, decision 281)', () => {
  it('reads back what holdResolution wrote (releaseHeld: the sweep tests and the emulator)', async () => {
    const table = new InMemoryDynamoTable();
    const due = new Date(NOW.getTime() + 10 * 60_000);
    await storeOver(table).holdResolution(ID, 2, due, NOW);
    expect(await storeOver(table).heldResolutions()).toEqual({ held: [{ incidentId: ID, cycle: 2, dueAt: due.toISOString() }], refused: [] });
  });

  it('counts refused sweep runs on the entry (still read back), sets it aside with what was refused, and counts nothing once it is gone (decision 292)', async () => {
    const table = new InMemoryDynamoTable();
    const due = new Date(NOW.getTime() + 10 * 60_000);
    const store = storeOver(table);
    await store.holdResolution(ID, 2, due, NOW);
    expect([await store.countHeldRefusal(ID, 2), await store.countHeldRefusal(ID, 2)]).toEqual([1, 2]);
    expect(await store.heldResolutions()).toEqual({ held: [{ incidentId: ID, cycle: 2, dueAt: due.toISOString() }], refused: [] });
    await store.setHeldAside({ incidentId: ID, cycle: 2, dueAt: due.toISOString() }, { key: INCIDENT_ITEM_KEY, issues: ['status: not a status'] }, 3, NOW);
    expect(await store.heldResolutions()).toEqual({ held: [], refused: [] });
    expect(table.get({ pk: 'ESCALATION-HELD-ASIDE', sk: `${ID}#C2` })).toEqual({
      pk: 'ESCALATION-HELD-ASIDE',
      sk: `${ID}#C2`,
      incidentId: ID,
      cycle: 2,
      dueAt: due.toISOString(),
      refusedRecord: `ESCALATION#${ID} / INCIDENT`,
      issues: ['status: not a status'],
      refusedRuns: 3,
      setAsideAt: NOW.toISOString(),
      expiresAt: expect.any(Number),
    });
    expect(await store.countHeldRefusal(ID, 2)).toBeUndefined();
    expect(table.get({ pk: 'ESCALATION-HELD', sk: `${ID}#C2` })).toBeUndefined();
  });

  it("counts a sweep run once when its write is repeated (the first answer lost, the SDK's retry refused by its own token: decision 340)", async () => {
    const table = new InMemoryDynamoTable();
    const store = storeOver(table);
    await store.holdResolution(ID, 2, new Date(NOW.getTime() + 10 * 60_000), NOW);
    // Each write reaches the table twice, the first answer dropped: what a request timeout and the SDK's retry do.
    const repeating = {
      send: async (command: Parameters<typeof table.client.send>[0]) => {
        await table.client.send(command).catch(() => undefined);
        return table.client.send(command);
      },
    };
    const retried = new EscalationStore(repeating as unknown as DynamoDBDocumentClient, { tableName: 'state', retentionDays: 30, leaseSeconds: 120 });
    expect([await retried.countHeldRefusal(ID, 2), await retried.countHeldRefusal(ID, 2)]).toEqual([1, 2]);
    expect(table.get({ pk: 'ESCALATION-HELD', sk: `${ID}#C2` })).toMatchObject({ refusals: 2 });
    expect(await store.heldResolutions()).toMatchObject({ held: [{ incidentId: ID, cycle: 2 }], refused: [] });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a key that is not its own incident and cycle', { pk: 'ESCALATION-HELD', sk: `${ID}#C1`, incidentId: ID, cycle: 3, dueAt: '2026-12-05T22:11:00.000Z' }, `sk: must be ${ID}#C3, the entry's own incident and cycle`],
    ['a due time that is not ISO 8601', { pk: 'ESCALATION-HELD', sk: `${ID}#C1`, incidentId: ID, cycle: 1, dueAt: 'soon' }, 'dueAt: Invalid ISO datetime'],
    ['a field the automation does not write', { pk: 'ESCALATION-HELD', sk: `${ID}#C1`, incidentId: ID, cycle: 1, dueAt: '2026-12-05T22:11:00.000Z', tellAll: true }, 'tellAll: not a field the automation writes'],
  ])('heldResolutions refuses an entry with %s, naming it, and still lists a valid one beside it (review 18 R18-3)', async (_what, item, issue) => {
    const table = new InMemoryDynamoTable();
    const due = new Date(NOW.getTime() + 10 * 60_000);
    const other = incidentIdFor(`${ALARM_ARN}#2026-12-05T23:00:00.000+0000`);
    await storeOver(table).holdResolution(other, 2, due, NOW);
    table.forge(item);
    expect(await storeOver(table).heldResolutions()).toEqual({
      held: [{ incidentId: other, cycle: 2, dueAt: due.toISOString() }],
      refused: [{ key: { pk: 'ESCALATION-HELD', sk: item.sk }, issues: [issue] }],
    });
  });
});

describe('a send read back (ESCALATION#<id> / SEND#<kind>#L<level>)', () => {
  const sendKey = { pk: `ESCALATION#${ID}`, sk: 'SEND#notify#L1' };

  async function claimed(table: InMemoryDynamoTable): Promise<Record<string, unknown>> {
    const store = storeOver(table);
    await store.create(incident(), NOW);
    const claim = await store.claimSend(ID, 'notify', 1, 'DevOps Team', ['OPEN'], NOW, { seenAbsent: true });
    // A new send: this claim wrote its case nonce (decision 334).
    expect(claim).toMatchObject({ claimed: true, caseNonceNew: true });
    const item = table.get(sendKey);
    if (!item) throw new Error('the claim wrote nothing');
    return item;
  }

  it('reads back what a claim wrote, and what its completion adds', async () => {
    const table = new InMemoryDynamoTable();
    const item = await claimed(table);
    expect(await storeOver(table).listSends(ID)).toEqual([{ kind: 'notify', level: 1, tierName: 'DevOps Team', status: 'IN_PROGRESS', channels: [], messageIds: [] }]);
    table.forge({ ...item, status: 'SENT', sentAt: '2026-12-05T22:01:02.000Z', channels: ['email'], messageIds: ['m-1'], delivered: { email: 'm-1' } });
    expect(await storeOver(table).listSends(ID)).toEqual([{ kind: 'notify', level: 1, tierName: 'DevOps Team', status: 'SENT', sentAt: '2026-12-05T22:01:02.000Z', channels: ['email'], messageIds: ['m-1'] }]);
  });

  it('reads every page: an incident whose sends fill more than one page of the Query (DynamoDB ends a page at 1 MB)', async () => {
    const table = new InMemoryDynamoTable();
    const store = storeOver(table);
    await store.create(incident(), NOW);
    for (const level of [1, 2, 3, 4]) {
      expect(await store.claimSend(ID, 'notify', level, `tier ${level}`, ['OPEN'], NOW, { seenAbsent: true })).toMatchObject({ claimed: true });
    }
    table.pageItems = 1;
    table.calls.length = 0;
    const sends = await store.listSends(ID);
    expect(sends.map((s) => s.level)).toEqual([1, 2, 3, 4]);
    // One page per send: the last page ends the partition (no LastEvaluatedKey), so exactly 4 Queries.
    expect(table.calls).toEqual(['Query', 'Query', 'Query', 'Query']);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown kind', { kind: 'page' }, 'kind: Invalid option: expected one of "notify"|"resolve"|"reopen"|"notice"|"resume"|"cause"'],
    ['an unknown status', { status: 'DONE' }, 'status: Invalid option: expected one of "IN_PROGRESS"|"SENT"|"FAILED"'],
    ['a level that is text', { level: 'one' }, 'level: Invalid input: expected number, received string'],
    ['channels that are a string', { channels: 'email' }, 'channels: Invalid input: expected array, received string'],
    ['a lease that is text', { leaseExpiresAtSeconds: 'soon' }, 'leaseExpiresAtSeconds: Invalid input: expected number, received string'],
    ['a delivered message id that is a number', { delivered: { email: 7 } }, 'delivered.email: Invalid input: expected string, received number'],
    ['a case nonce that is not 16 hex characters', { caseNonce: '[inc-3f2a9c1b7d44 L3]' }, 'caseNonce: must be 16 lowercase hex characters'],
  ])('listSends and a takeover refuse %s, naming the key and field', async (_forgery, forged, issue) => {
    const table = new InMemoryDynamoTable();
    const item = await claimed(table);
    table.forge({ ...item, leaseExpiresAtSeconds: 0, ...forged });
    const listed = await refused(storeOver(table).listSends(ID));
    expect(listed.key).toEqual(sendKey);
    expect(listed.issues).toEqual([issue]);
    // A takeover reads the send before it carries over what it delivered: refused, nothing written.
    const before = copy(table.get(sendKey));
    const takeover = await refused(storeOver(table).claimSend(ID, 'notify', 1, 'DevOps Team', ['OPEN'], NOW));
    expect(takeover.issues).toEqual([issue]);
    expect(table.get(sendKey)).toEqual(before);
  });

  it('a takeover of an expired claim carries over what its holder delivered: returned to the sender and kept on the send', async () => {
    const table = new InMemoryDynamoTable();
    const item = await claimed(table);
    table.forge({ ...item, owner: 'earlier-owner', leaseExpiresAtSeconds: 0, delivered: { email: 'm-1' } });
    const claim = await storeOver(table).claimSend(ID, 'notify', 1, 'DevOps Team', ['OPEN'], NOW);
    // Without it the sender would notify email a second time (a review's plant: `delivered: undefined` in parseSendItem).
    expect(claim).toMatchObject({ claimed: true, delivered: { email: 'm-1' } });
    expect(table.get(sendKey)).toMatchObject({ status: 'IN_PROGRESS', delivered: { email: 'm-1' } });
    expect(table.get(sendKey)?.owner).not.toBe('earlier-owner');
  });

  // Review 20b R20-23: the support case's marker carries the send's nonce; a retry finds its predecessor's case only if
  // the nonce survives the takeover. It is written with the first claim (before any CreateCase) and never leaves the store.
  it('a claim writes a new case nonce; a takeover carries it over; a send written before nonces gets a new one; listSends never shows it', async () => {
    const table = new InMemoryDynamoTable();
    const item = await claimed(table);
    const first = String(item.caseNonce);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    table.forge({ ...item, owner: 'earlier-owner', leaseExpiresAtSeconds: 0 });
    const takeover = await storeOver(table).claimSend(ID, 'notify', 1, 'DevOps Team', ['OPEN'], NOW);
    // Decision 334: the first claim wrote the nonce (`claimed`: caseNonceNew, no look); the takeover carried it over (looks).
    expect(takeover).toMatchObject({ claimed: true, caseNonce: first, caseNonceNew: false });
    expect(table.get(sendKey)?.caseNonce).toBe(first);
    expect(JSON.stringify(await storeOver(table).listSends(ID))).not.toContain(first);
    const { caseNonce: _none, ...older } = table.get(sendKey) ?? {};
    table.forge({ ...older, owner: 'older-owner', leaseExpiresAtSeconds: 0 });
    const legacy = await storeOver(table).claimSend(ID, 'notify', 1, 'DevOps Team', ['OPEN'], NOW);
    // A send written before nonces gets one now: new (its holder's case, if any, bears no nonce for a look to match).
    expect(legacy).toMatchObject({ claimed: true, caseNonce: expect.stringMatching(/^[0-9a-f]{16}$/), caseNonceNew: true });
    expect(legacy.claimed && legacy.caseNonce).not.toBe(first);
    const other = await storeOver(table).claimSend(ID, 'notify', 2, 'Cloud Infrastructure Team', ['OPEN'], NOW, { seenAbsent: true });
    expect(other.claimed && other.caseNonce).not.toBe(legacy.claimed && legacy.caseNonce);
    expect(other).toMatchObject({ claimed: true, caseNonceNew: true });
  });
});

describe('the records a decision is trusted on (DecisionRecords: claims and audit entries)', () => {
  const resourceArn = 'arn:aws:sqs:us-east-1:111111111111:notification-service-queue';
  const claimItem = { pk: `INCIDENT#${INCIDENT_KEY}`, sk: 'CLAIM#scale-consumers', status: 'COMPLETED', owner: 'o-1', leaseExpiresAtSeconds: 1, outcome: 'escalate', reason: 'r' };
  const auditItem = {
    pk: `RESOURCE#${resourceArn}`,
    sk: `AUDIT#2026-12-05T22:00:00.000Z#${INCIDENT_KEY}`,
    resourceArn,
    at: '2026-12-05T22:00:00.000Z',
    incidentKey: INCIDENT_KEY,
    decision: { outcome: 'escalate' },
  };
  const records = (table: InMemoryDynamoTable): DecisionRecords => new DecisionRecords(table.client as unknown as DynamoDBDocumentClient, 'state');

  it('reads back a genuine claim and audit entry', async () => {
    const table = new InMemoryDynamoTable();
    table.forge(claimItem);
    table.forge(auditItem);
    expect(await records(table).claimsOf(INCIDENT_KEY)).toEqual([{ name: 'scale-consumers', status: 'COMPLETED', outcome: 'escalate' }]);
    expect(await records(table).auditsOf(resourceArn, INCIDENT_KEY, '2026-12-05T22:00:00.000Z')).toEqual([{ incidentKey: INCIDENT_KEY, decision: { outcome: 'escalate' } }]);
  });

  it('refuses a claim with an unknown status, naming it', async () => {
    const table = new InMemoryDynamoTable();
    table.forge({ ...claimItem, status: 'APPROVED' });
    const error = await refused(records(table).claimsOf(INCIDENT_KEY));
    expect(error.key).toEqual({ pk: claimItem.pk, sk: claimItem.sk });
    expect(error.issues).toEqual(['status: Invalid option: expected one of "IN_PROGRESS"|"COMPLETED"']);
  });

  it('refuses an audit entry whose decision is a string, naming it', async () => {
    const table = new InMemoryDynamoTable();
    table.forge({ ...auditItem, decision: 'escalate to nobody' });
    const error = await refused(records(table).auditsOf(resourceArn, INCIDENT_KEY, '2026-12-05T22:00:00.000Z'));
    expect(error.key).toEqual({ pk: auditItem.pk, sk: auditItem.sk });
    expect(error.issues).toEqual(['decision: Invalid input: expected record, received string']);
  });
});
