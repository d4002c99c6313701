// Records read back from the state table are parsed before anything is planned from them (decision 118). Each record kind
// is written by the real IncidentStore into a table held in memory, then forged as anyone who can write the table would,
// and read back through the store's real read: a forged record is refused, naming its key and field, with no write.
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError } from '../../../shared/errors';
import { nextResourceState } from '../../../shared/guard/evaluate-guardrails';
import { planningState } from '../../../shared/guard/planning-state';
import { runUnderClaim } from '../../../shared/pipeline/incident-protocol';
import { planConsumerScaling as planScalingFor, type QueueBackupObservation, type QueueBackupPlanInput } from '../../../shared/playbooks/queue-backup-plan';
import { IncidentStore, type ClaimResult } from '../../../shared/state/incident-store';
import { parseChangeIntent, StateRecordError } from '../../../shared/state/state-records';
import { documentCopy as copy, InMemoryDynamoTable } from '../../support/in-memory-dynamodb';
import { stateRecordRefusal as refusal } from '../../support/state-record-refusal';

import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** The queue's depth alarm as production's configuration defines it (> 1000): the plans here read depths above it unless a case says otherwise. */
const DEPTH_ALARM = { alarmName: rowAlarm('queue-backup').alarmName, configured: rowAlarm('queue-backup') };
const planConsumerScaling = (input: Omit<QueueBackupPlanInput, 'alarm'> & Partial<Pick<QueueBackupPlanInput, 'alarm'>>) => planScalingFor({ alarm: DEPTH_ALARM, ...input });

const TABLE = 'state';
const ARN = 'arn:aws:sqs:us-east-1:111111111111:notification-service-queue';
const ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:notification-service-queue-backup';
const INCIDENT = `${ALARM_ARN}#2026-12-05T22:00:00.000+0000`;
const STATE_KEY = { pk: `RESOURCE#${ARN}`, sk: 'STATE' };
const CLAIM_KEY = { pk: `INCIDENT#${INCIDENT}`, sk: 'CLAIM#scale-consumers' };
const NOW = new Date('2026-12-05T22:00:05.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

function storeOver(table: InMemoryDynamoTable): IncidentStore {
  return new IncidentStore(table.client as unknown as DynamoDBDocumentClient, { tableName: TABLE, leaseSeconds: 300, retentionDays: 30 });
}

/** The state the pipeline's reservation writes after one scale-up (nextResourceState), through the store's own PutItem. */
async function reservedAfterScaleUp(table: InMemoryDynamoTable): Promise<Record<string, unknown>> {
  const store = storeOver(table);
  const baseline = { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } };
  await store.reserveChange(ARN, undefined, nextResourceState(undefined, { direction: 'scale-up', baseline }, NOW_SECONDS - 600, `${ALARM_ARN}#earlier`));
  const genuine = table.get(STATE_KEY);
  if (!genuine) throw new Error('the reservation wrote nothing');
  return genuine;
}

describe('a resource state read back (RESOURCE#<arn> / STATE)', () => {
  it('reads back what the reservation wrote, reservedFrom included', async () => {
    const table = new InMemoryDynamoTable();
    await reservedAfterScaleUp(table);
    // A second change by another incident: reservedFrom now holds the first reservation's state.
    const store = storeOver(table);
    const first = await store.getResourceState(ARN);
    await store.reserveChange(ARN, first?.version, nextResourceState(first, { direction: 'restore', clearsBaseline: true }, NOW_SECONDS, INCIDENT));
    const state = await store.getResourceState(ARN);
    expect(state).toMatchObject({ version: 2, lastIncidentKey: INCIDENT, changeTimesSeconds: [NOW_SECONDS - 600, NOW_SECONDS] });
    expect(state?.reservedFrom).toEqual({
      baseline: { mappings: { 'esm-1': 50 }, reservedConcurrency: { consumer: 100 } },
      lastScaleUpAtSeconds: NOW_SECONDS - 600,
      changeTimesSeconds: [NOW_SECONDS - 600],
      lastIncidentKey: `${ALARM_ARN}#earlier`,
    });
    expect(state?.baseline).toBeUndefined();
  });

  it('reads back an item remember() created before any change (no version, no change times)', async () => {
    const table = new InMemoryDynamoTable();
    table.forge({ ...STATE_KEY, learned: { memoryCeilingMb: 3008 }, changeTimesSeconds: [] });
    expect(await storeOver(table).getResourceState(ARN)).toEqual({ version: 0, changeTimesSeconds: [], learned: { memoryCeilingMb: 3008 } });
  });

  // Each field as the attacker would write it; the field named in the refusal, dotted from the item's top.
  it.each<[string, (genuine: Record<string, unknown>) => Record<string, unknown>, string]>([
    ['a version that is text', (g) => ({ ...g, version: '2' }), 'version: Invalid input: expected number, received string'],
    ['a negative version', (g) => ({ ...g, version: -1 }), 'version: Too small: expected number to be >=0'],
    ['a fractional version', (g) => ({ ...g, version: 1.5 }), 'version: Invalid input: expected int, received number'],
    ['a baseline that is a string', (g) => ({ ...g, baseline: 'all' }), 'baseline: Invalid input: expected record, received string'],
    ['a baseline that is a list', (g) => ({ ...g, baseline: [50] }), 'baseline: Invalid input: expected record, received array'],
    ['a scale-up time that is text', (g) => ({ ...g, lastScaleUpAtSeconds: 'yesterday' }), 'lastScaleUpAtSeconds: Invalid input: expected number, received string'],
    ['a restore time before 1970', (g) => ({ ...g, lastRestoreAtSeconds: -5 }), 'lastRestoreAtSeconds: Too small: expected number to be >=0'],
    ['a change time past the year 9999', (g) => ({ ...g, changeTimesSeconds: [NOW_SECONDS, 1e15] }), 'changeTimesSeconds[1]: Too big: expected number to be <=253402300799'],
    ['change times that are not a list', (g) => ({ ...g, changeTimesSeconds: { 0: NOW_SECONDS } }), 'changeTimesSeconds: Invalid input: expected array, received object'],
    ['1001 change times', (g) => ({ ...g, changeTimesSeconds: Array.from({ length: 1001 }, () => NOW_SECONDS) }), 'changeTimesSeconds: Too big: expected array to have <=1000 items'],
    ['an empty incident key', (g) => ({ ...g, lastIncidentKey: '' }), 'lastIncidentKey: Too small: expected string to have >=1 characters'],
    ['learned facts that are a number', (g) => ({ ...g, learned: 3008 }), 'learned: Invalid input: expected record, received number'],
    ['a field no version writes', (g) => ({ ...g, approvedBy: 'ops' }), 'approvedBy: not a field the automation writes'],
    // reservedFrom: the state a retry plans from (decision 110), the gap this closes.
    ['a reservedFrom that is a string', (g) => ({ ...g, reservedFrom: 'the baseline' }), 'reservedFrom: Invalid input: expected object, received string'],
    ['a reservedFrom with a version', (g) => ({ ...g, reservedFrom: { changeTimesSeconds: [], version: 9 } }), 'reservedFrom.version: not a field the automation writes'],
    ['a reservedFrom nested in reservedFrom', (g) => ({ ...g, reservedFrom: { changeTimesSeconds: [], reservedFrom: { changeTimesSeconds: [] } } }), 'reservedFrom.reservedFrom: not a field the automation writes'],
    ['a reservedFrom without change times', (g) => ({ ...g, reservedFrom: { baseline: {} } }), 'reservedFrom.changeTimesSeconds: Invalid input: expected array, received undefined'],
    ['a reservedFrom whose baseline is a number', (g) => ({ ...g, reservedFrom: { changeTimesSeconds: [], baseline: 1000 } }), 'reservedFrom.baseline: Invalid input: expected record, received number'],
    ['a reservedFrom whose change time is text', (g) => ({ ...g, reservedFrom: { changeTimesSeconds: ['now'] } }), 'reservedFrom.changeTimesSeconds[0]: Invalid input: expected number, received string'],
    ['a reservedFrom whose scale-up time is fractional', (g) => ({ ...g, reservedFrom: { changeTimesSeconds: [], lastScaleUpAtSeconds: 1.25 } }), 'reservedFrom.lastScaleUpAtSeconds: Invalid input: expected int, received number'],
  ])('refuses %s, naming the key and field, and writes nothing', async (_forgery, forge, issue) => {
    const table = new InMemoryDynamoTable();
    table.forge(forge(await reservedAfterScaleUp(table)));
    table.calls.length = 0;
    const error = await refusal(storeOver(table).getResourceState(ARN));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.key).toEqual(STATE_KEY);
    expect(error.issues).toEqual([issue]);
    expect(error.message).toBe(`state table record RESOURCE#${ARN} / STATE is not one the automation writes, refused: ${issue}`);
    expect(table.calls).toEqual(['GetItem']);
  });

  it('a reservedFrom of the right shape whose baseline exceeds the environment is refused where it is used: the restore escalates (production cap 400)', async () => {
    const table = new InMemoryDynamoTable();
    const genuine = await reservedAfterScaleUp(table);
    // A retry of INCIDENT's restore plans from reservedFrom: forged to a baseline of MaximumConcurrency 1000 (AWS's max).
    table.forge({ ...genuine, lastIncidentKey: INCIDENT, reservedFrom: { changeTimesSeconds: [], baseline: { mappings: { 'esm-1': 1000 }, reservedConcurrency: { consumer: 100 } } } });
    const state = await storeOver(table).getResourceState(ARN);
    const plannedFrom = planningState(state, INCIDENT);
    expect(plannedFrom?.baseline).toEqual({ mappings: { 'esm-1': 1000 }, reservedConcurrency: { consumer: 100 } });
    const production = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' });
    const observation: QueueBackupObservation = {
      queueName: 'notification-service-queue',
      mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }],
      functions: { consumer: { reservedConcurrency: 100 } },
      // A genuine OK (decision 263): CloudWatch's newest minute under the depth alarm's threshold.
      alarmMetric: metricRead([1500, 400]),
    };
    const plan = planConsumerScaling({ state: 'OK', observation, policy: production.env.scaleConsumers, resourceState: plannedFrom });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'guardrail', reason: expect.stringContaining('MaximumConcurrency 1000 for mapping esm-1 is outside 50..400') });
  });
});

/** A claim as run-playbook records it: claimed, its intent written, then completed. */
function genuineClaim(): Record<string, unknown> {
  return {
    ...CLAIM_KEY,
    status: 'IN_PROGRESS',
    owner: '0f8e2a0c-5b7d-4c1e-9a55-3f0f5c9d2b11',
    leaseExpiresAtSeconds: NOW_SECONDS - 1,
    claimedAt: '2026-12-05T21:55:00.000Z',
    expiresAt: NOW_SECONDS + 30 * 86400,
    intent: {
      change: { mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 50, to: 100 }], reservedConcurrency: [] },
      direction: 'scale-up',
      summary: 'scale consumers of notification-service-queue: MaximumConcurrency 50 -> 100',
      before: { maximumConcurrency: { 'esm-1': 50 } },
      after: { maximumConcurrency: { 'esm-1': 100 } },
      blastRadius: 'one queue',
      target: { resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: ARN }, queueName: 'notification-service-queue' },
      alarm: { account: '111111111111', region: 'us-east-1', name: 'notification-service-queue-backup', arn: ALARM_ARN, state: 'ALARM', time: '2026-12-05T22:00:00.000+0000' },
      healthCheck: { changedAt: '2026-12-05T21:55:03.000Z', before: { from: 'a', to: 'b', figures: { errors: 1 } } },
    },
  };
}

const CLAIM_FORGERIES: Array<[string, (genuine: Record<string, unknown>) => Record<string, unknown>, string]> = [
  ['an unknown status', (g) => ({ ...g, status: 'DONE' }), 'status: Invalid option: expected one of "IN_PROGRESS"|"COMPLETED"'],
  ['an owner that is a number', (g) => ({ ...g, owner: 7 }), 'owner: Invalid input: expected string, received number'],
  ['a lease that is text', (g) => ({ ...g, leaseExpiresAtSeconds: 'soon' }), 'leaseExpiresAtSeconds: Invalid input: expected number, received string'],
  ['a negative lease', (g) => ({ ...g, leaseExpiresAtSeconds: -1 }), 'leaseExpiresAtSeconds: Too small: expected number to be >=0'],
  ['a claim time that is not ISO 8601', (g) => ({ ...g, claimedAt: 'yesterday' }), 'claimedAt: Invalid ISO datetime'],
  ['an outcome that is a map', (g) => ({ ...g, outcome: { applied: true } }), 'outcome: Invalid input: expected string, received object'],
  ['a field no version writes', (g) => ({ ...g, approved: 'yes' }), 'approved: not a field the automation writes'],
  ['an intent that is a string', (g) => ({ ...g, intent: 'scale to 1000' }), 'intent: Invalid input: expected record, received string'],
];

/** An alarm handler's intent as run-playbook records it, forged; what a retry that took the claim over would finish. */
const INTENT_FORGERIES: Array<[string, (genuine: Record<string, unknown>) => unknown, string]> = [
  ['an unknown direction', (g) => ({ ...g, direction: 'sideways' }), 'intent.direction: Invalid option: expected one of "scale-up"|"restore"'],
  ['a change that is a string', (g) => ({ ...g, change: 'to 1000' }), 'intent.change: Invalid input: expected record, received string'],
  ['no target', (g) => ({ ...g, target: undefined }), 'intent.target: Invalid input: expected object, received undefined'],
  ['a target resource naming no ARN', (g) => ({ ...g, target: { resource: { type: 'sqs-queue-consumers', id: 'q' } } }), 'intent.target.resource.arn: Invalid input: expected string, received undefined'],
  ['a target resource with a field of its own', (g) => ({ ...g, target: { resource: { type: 't', id: 'q', arn: ARN, account: '999999999999' } } }), 'intent.target.resource.account: not a field the automation writes'],
  ['a summary that is a number', (g) => ({ ...g, summary: 5 }), 'intent.summary: Invalid input: expected string, received number'],
  ['a before that is a list', (g) => ({ ...g, before: [50] }), 'intent.before: Invalid input: expected record, received array'],
  ['a toy intent of another handler', () => ({ add: 1 }), 'intent.change: Invalid input: expected record, received undefined'],
];

describe("an alarm handler's intent taken over (parseChangeIntent, run-playbook's act)", () => {
  it('accepts the intent run-playbook records', () => {
    expect(() => parseChangeIntent(CLAIM_KEY, genuineClaim().intent)).not.toThrow();
  });

  it.each(INTENT_FORGERIES)('refuses %s, naming the claim and the field', (_forgery, forge, issue) => {
    const intent = copy(forge(genuineClaim().intent as Record<string, unknown>));
    let error: unknown;
    try {
      parseChangeIntent(CLAIM_KEY, intent);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateRecordError);
    expect((error as StateRecordError).key).toEqual(CLAIM_KEY);
    expect((error as StateRecordError).issues[0]).toBe(issue);
  });
});

describe('a claim read back (INCIDENT#<key> / CLAIM#<name>)', () => {
  it('reads back a genuine claim, and one holding verify-change\'s revert intent (its own schema, revertIntentOf, checks it)', async () => {
    const table = new InMemoryDynamoTable();
    table.forge(genuineClaim());
    expect(await storeOver(table).getClaim('scale-consumers', INCIDENT)).toMatchObject({ status: 'IN_PROGRESS', intent: { direction: 'scale-up' } });
    table.forge({ ...genuineClaim(), intent: { kind: 'revert', worse: 'errors rose', after: { from: 'a', to: 'b', figures: { errors: 9 } } } });
    expect(await storeOver(table).getClaim('scale-consumers', INCIDENT)).toMatchObject({ intent: { kind: 'revert' } });
  });

  it.each(CLAIM_FORGERIES)('getClaim (what verify-change judges) refuses %s, naming the key and field', async (_forgery, forge, issue) => {
    const table = new InMemoryDynamoTable();
    table.forge(forge(genuineClaim()));
    const error = await refusal(storeOver(table).getClaim('scale-consumers', INCIDENT));
    expect(error.key).toEqual(CLAIM_KEY);
    expect(error.issues).toEqual([issue]);
    expect(table.calls).toEqual(['GetItem']);
  });

  // What DynamoDB's takeover condition would see: a status other than IN_PROGRESS, or a lease that is not a number, is
  // no expired claim in progress, so nothing takes it over and the refusal's record is read as a duplicate's (thrown).
  const NOT_TAKEN_OVER = ['an unknown status', 'a lease that is text'];

  it.each(CLAIM_FORGERIES.filter(([forgery]) => !NOT_TAKEN_OVER.includes(forgery)))(
    'a claim that takes it over holds it but refuses %s: no previous intent is handed on, the refusal is',
    async (_forgery, forge, issue) => {
      const table = new InMemoryDynamoTable();
      table.forge(forge(genuineClaim()));
      const result = await storeOver(table).claim('scale-consumers', INCIDENT, NOW);
      expect(result).toMatchObject({ claimed: true, takenOver: true });
      const held = result as Extract<ClaimResult, { claimed: true }>;
      expect(held.previousIntent).toBeUndefined();
      expect(held.refusedRecord?.issues).toEqual([issue]);
      expect(held.refusedRecord?.key).toEqual(CLAIM_KEY);
      // Read from the first PutItem's refusal, judged, then replaced by the second.
      expect(table.calls).toEqual(['PutItem', 'PutItem']);
      expect(table.get(CLAIM_KEY)).toMatchObject({ owner: held.owner, status: 'IN_PROGRESS' });
    },
  );

  it.each(CLAIM_FORGERIES.filter(([forgery]) => NOT_TAKEN_OVER.includes(forgery)))(
    'a claim refused by %s (not an expired claim in progress) is refused, replacing nothing',
    async (_forgery, forge, issue) => {
      const table = new InMemoryDynamoTable();
      const forged = forge(genuineClaim());
      table.forge(forged);
      const error = await refusal(storeOver(table).claim('scale-consumers', INCIDENT, NOW));
      expect(error.issues).toEqual([issue]);
      expect(table.calls).toEqual(['PutItem']);
      expect(table.get(CLAIM_KEY)).toEqual(forged);
    },
  );

  it('a duplicate refused by a forged claim (DynamoDB answers the refusal with the item) is refused, not counted as a duplicate', async () => {
    const table = new InMemoryDynamoTable();
    const refused = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
      Item: { ...{ pk: { S: CLAIM_KEY.pk }, sk: { S: CLAIM_KEY.sk } }, status: { S: 'COMPLETED' }, owner: { S: 'o' }, leaseExpiresAtSeconds: { N: 'soon' } },
    });
    table.refusal = refused;
    const error = await refusal(storeOver(table).claim('scale-consumers', INCIDENT, NOW));
    expect(error.issues).toEqual(['leaseExpiresAtSeconds: Invalid input: expected number, received NaN']);
    expect(table.calls).toEqual(['PutItem']);
  });

  it('a duplicate refused by a genuine claim learns it from the refusal, BOOL and NULL included', async () => {
    const table = new InMemoryDynamoTable();
    table.refusal = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
      Item: {
        pk: { S: CLAIM_KEY.pk },
        sk: { S: CLAIM_KEY.sk },
        status: { S: 'COMPLETED' },
        owner: { S: 'o' },
        leaseExpiresAtSeconds: { N: String(NOW_SECONDS) },
        outcome: { S: 'applied' },
        intent: { M: { direction: { S: 'scale-up' }, change: { M: { dryRun: { BOOL: false }, to: { NULL: true } } } } },
      },
    });
    expect(await storeOver(table).claim('scale-consumers', INCIDENT, NOW)).toMatchObject({ claimed: false, existing: { status: 'COMPLETED', outcome: 'applied', intent: { change: { dryRun: false, to: null } } } });
  });
});

describe('the bounds on the text a claim holds (2048 characters for a key text, 400 KiB for a text)', () => {
  // The bounds as state-records.ts sets them (MAX_KEY_CHARS: DynamoDB's partition key limit; MAX_TEXT_CHARS: its item limit).
  const KEY_CHARS = 2048;
  const TEXT_CHARS = 400 * 1024;

  it.each<[string, number, (length: number) => Record<string, unknown>]>([
    ['an owner (key text)', KEY_CHARS, (n) => ({ ...genuineClaim(), owner: 'o'.repeat(n) })],
    ['a reason (text)', TEXT_CHARS, (n) => ({ ...genuineClaim(), status: 'COMPLETED', outcome: 'applied', reason: 'r'.repeat(n) })],
    ['an outcome (text)', TEXT_CHARS, (n) => ({ ...genuineClaim(), status: 'COMPLETED', outcome: 'o'.repeat(n) })],
  ])('getClaim accepts %s at its bound and refuses it one character over', async (_field, bound, forge) => {
    const table = new InMemoryDynamoTable();
    table.forge(forge(bound));
    const read = (await storeOver(table).getClaim('scale-consumers', INCIDENT)) as Record<string, unknown> | undefined;
    expect(Object.values(read ?? {}).filter((value) => typeof value === 'string' && value.length === bound)).toHaveLength(1);
    table.forge(forge(bound + 1));
    const error = await refusal(storeOver(table).getClaim('scale-consumers', INCIDENT));
    expect(error.key).toEqual(CLAIM_KEY);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(new RegExp(`^(owner|reason|outcome): Too big: expected string to have <=${bound} characters$`));
  });

  it.each<[string, number, (intent: Record<string, unknown>, length: number) => unknown]>([
    ["an intent's summary (text)", TEXT_CHARS, (g, n) => ({ ...g, summary: 's'.repeat(n) })],
    ["an intent's target resource id (key text)", KEY_CHARS, (g, n) => ({ ...g, target: { resource: { type: 'sqs-queue-consumers', id: 'q'.repeat(n), arn: ARN } } })],
  ])('parseChangeIntent accepts %s at its bound and refuses it one character over', (_field, bound, forge) => {
    const genuine = genuineClaim().intent as Record<string, unknown>;
    expect(() => parseChangeIntent(CLAIM_KEY, forge(genuine, bound))).not.toThrow();
    let error: unknown;
    try {
      parseChangeIntent(CLAIM_KEY, forge(genuine, bound + 1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateRecordError);
    expect((error as StateRecordError).issues).toHaveLength(1);
    expect((error as StateRecordError).issues[0]).toMatch(new RegExp(`^intent\\.(summary|target\\.resource\\.id): Too big: expected string to have <=${bound} characters$`));
  });
});

describe('the protocol escalates a claim it took over from a forged record instead of acting', () => {
  it('does not act, records the refusal as the result and completes the claim', async () => {
    const refused = new StateRecordError(CLAIM_KEY, ['intent.direction: Invalid option: expected one of "scale-up"|"restore"']);
    const calls: string[] = [];
    const store = {
      claim: async (): Promise<ClaimResult> => ({ claimed: true, owner: 'me', takenOver: true, refusedRecord: refused }),
      recordIntent: async () => void calls.push('recordIntent'),
      complete: async (_p: string, _k: string, _o: string, outcome: string) => void calls.push(`complete ${outcome}`),
      release: async () => void calls.push('release'),
    };
    const result = await runUnderClaim<unknown, string>(
      { store, clock: { now: () => NOW, sleep: async () => undefined }, logger: { warn: () => undefined, error: () => undefined } },
      'scale-consumers',
      INCIDENT,
      {
        what: 'incident claim',
        label: 'scale-consumers',
        duplicate: () => 'duplicate',
        act: async () => {
          calls.push('act');
          return 'applied';
        },
        failed: (error) => `escalate: ${error.message}`,
        record: async (r) => void calls.push(`record ${r.slice(0, 8)}`),
        outcome: (r) => ({ outcome: r.split(':')[0] ?? r, reason: r }),
      },
    );
    expect(result).toBe(`escalate: ${refused.message}`);
    expect(calls).toEqual(['record escalate', 'complete escalate']);
  });
});

// Review 21c R21c-3: the claim creates only; only an expired claim, read from that refusal and judged, is taken over, by
// a second PutItem conditioned on the record read. No claim write replaces a record it did not read, so an answer lost
// on either write loses nothing (decision 354's unseen record, 338's unknown intent).
describe('a claim in two steps: it creates only, and takes over only the expired record it read', () => {
  type Client = { send(command: unknown): Promise<unknown> };
  const over = (client: Client): IncidentStore => new IncidentStore(client as unknown as DynamoDBDocumentClient, { tableName: TABLE, leaseSeconds: 300, retentionDays: 30 });

  /** The table's client with `between` run once the first PutItem has been answered: another writer, between the two steps. */
  function interleaved(table: InMemoryDynamoTable, between: () => void): Client {
    let puts = 0;
    return {
      send: async (command) => {
        try {
          return await table.client.send(command);
        } finally {
          if (command instanceof PutCommand && ++puts === 1) between();
        }
      },
    };
  }

  /** The table's client with the `lost`-th PutItem applied and its answer lost: the SDK sends it again and answers that. */
  function answerLostOn(table: InMemoryDynamoTable, lost: number): Client & { fired: number } {
    let puts = 0;
    const client = {
      fired: 0,
      send: async (command: unknown) => {
        if (command instanceof PutCommand && ++puts === lost) {
          client.fired += 1;
          await table.client.send(command).catch(() => undefined);
        }
        return table.client.send(command);
      },
    };
    return client;
  }

  it('a fresh claim is one PutItem that creates only', async () => {
    const table = new InMemoryDynamoTable();
    const result = await storeOver(table).claim('scale-consumers', INCIDENT, NOW);
    expect(result).toEqual({ claimed: true, owner: expect.any(String), takenOver: false });
    expect(table.calls).toEqual(['PutItem']);
    expect(table.get(CLAIM_KEY)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: NOW_SECONDS + 300 });
  });

  it('a duplicate of a live claim is one PutItem: the holder read from its refusal, nothing replaced', async () => {
    const table = new InMemoryDynamoTable();
    const live = { ...genuineClaim(), leaseExpiresAtSeconds: NOW_SECONDS + 60 };
    table.forge(live);
    expect(await storeOver(table).claim('scale-consumers', INCIDENT, NOW)).toMatchObject({ claimed: false, existing: { owner: genuineClaim().owner, intent: { direction: 'scale-up' } } });
    expect(table.calls).toEqual(['PutItem']);
    expect(table.get(CLAIM_KEY)).toEqual(live);
  });

  it.each<[string, (genuine: Record<string, unknown>) => Record<string, unknown>]>([
    ['expired with its intent', (g) => g],
    ['given back (lease 0) with its intent', (g) => ({ ...g, leaseExpiresAtSeconds: 0 })],
    ['expired without an intent', ({ intent: _intent, ...g }) => g],
  ])('a claim %s is read from the refusal and taken over by a second PutItem: its intent handed on', async (_case, shape) => {
    const table = new InMemoryDynamoTable();
    const earlier = shape(genuineClaim());
    table.forge(earlier);
    const result = await storeOver(table).claim('scale-consumers', INCIDENT, NOW);
    expect(result).toEqual({ claimed: true, owner: expect.any(String), takenOver: true, previousIntent: earlier.intent });
    expect(table.calls).toEqual(['PutItem', 'PutItem']);
    const held = result as Extract<ClaimResult, { claimed: true }>;
    expect(table.get(CLAIM_KEY)).toEqual({ ...CLAIM_KEY, status: 'IN_PROGRESS', owner: held.owner, leaseExpiresAtSeconds: NOW_SECONDS + 300, claimedAt: NOW.toISOString(), expiresAt: expect.any(Number) });
  });

  const withoutIntent = (): Record<string, unknown> => {
    const { intent: _intent, ...claim } = genuineClaim();
    return claim;
  };

  it.each<[string, () => Record<string, unknown>, (seen: Record<string, unknown>) => Record<string, unknown>]>([
    ["another delivery's takeover", genuineClaim, (seen) => ({ ...seen, owner: 'another-delivery', leaseExpiresAtSeconds: NOW_SECONDS + 300, claimedAt: NOW.toISOString(), intent: undefined })],
    ['an intent its holder wrote (past its lease)', genuineClaim, (seen) => ({ ...seen, intent: { ...(seen.intent as Record<string, unknown>), summary: 'a later plan' } })],
    ['an intent its holder wrote where there was none', withoutIntent, (seen) => ({ ...seen, intent: genuineClaim().intent })],
    ['its holder completing it', genuineClaim, (seen) => ({ ...seen, status: 'COMPLETED', outcome: 'applied', reason: 'applied' })],
  ])('a takeover refused because the record changed after it was read (%s) replaces nothing and reads as a duplicate', async (_case, earlier, change) => {
    const table = new InMemoryDynamoTable();
    table.forge(earlier());
    const changed = copy(change(earlier()));
    const result = await over(interleaved(table, () => table.forge(changed))).claim('scale-consumers', INCIDENT, NOW);
    expect(result).toMatchObject({ claimed: false, existing: { owner: changed.owner, status: changed.status } });
    expect(table.calls).toEqual(['PutItem', 'PutItem']);
    expect(table.get(CLAIM_KEY)).toEqual(changed);
  });

  it("a first claim whose answer was lost is this call's, and fresh: nothing was there to replace", async () => {
    const table = new InMemoryDynamoTable();
    const client = answerLostOn(table, 1);
    const result = await over(client).claim('scale-consumers', INCIDENT, NOW);
    expect(client.fired).toBe(1);
    expect(result).toEqual({ claimed: true, owner: expect.any(String), takenOver: false });
    expect(table.calls).toEqual(['PutItem', 'PutItem']);
  });

  it("a takeover whose answer was lost is this call's: the record it replaced was read before, its intent handed on", async () => {
    const table = new InMemoryDynamoTable();
    table.forge(genuineClaim());
    const client = answerLostOn(table, 2);
    const result = await over(client).claim('scale-consumers', INCIDENT, NOW);
    expect(client.fired).toBe(1);
    expect(result).toEqual({ claimed: true, owner: expect.any(String), takenOver: true, previousIntent: genuineClaim().intent });
    expect(table.calls).toEqual(['PutItem', 'PutItem', 'PutItem']);
    expect(table.get(CLAIM_KEY)).toMatchObject({ owner: (result as Extract<ClaimResult, { claimed: true }>).owner });
  });

  it('a takeover of a forged claim whose answer was lost still refuses the record it replaced (decision 118)', async () => {
    const table = new InMemoryDynamoTable();
    table.forge({ ...genuineClaim(), intent: { ...(genuineClaim().intent as Record<string, unknown>), direction: 'sideways' } });
    const client = answerLostOn(table, 2);
    const result = await over(client).claim('scale-consumers', INCIDENT, NOW);
    expect(client.fired).toBe(1);
    expect(result).toMatchObject({ claimed: true, takenOver: true });
    const held = result as Extract<ClaimResult, { claimed: true }>;
    // The store hands the intent on as a map; the alarm pipeline's parseChangeIntent refuses the direction (run-playbook).
    expect(held.previousIntent).toMatchObject({ direction: 'sideways' });
    expect(() => parseChangeIntent(CLAIM_KEY, held.previousIntent)).toThrow(StateRecordError);
  });

  it('a takeover of a claim the store refuses, whose answer was lost, holds the refusal', async () => {
    const table = new InMemoryDynamoTable();
    table.forge({ ...genuineClaim(), approved: 'yes' });
    const client = answerLostOn(table, 2);
    const result = await over(client).claim('scale-consumers', INCIDENT, NOW);
    expect(client.fired).toBe(1);
    const held = result as Extract<ClaimResult, { claimed: true }>;
    expect(held).toMatchObject({ claimed: true, takenOver: true });
    expect(held.refusedRecord?.issues).toEqual(['approved: not a field the automation writes']);
  });
});

describe('an audit entry read back (RESOURCE#<arn> / AUDIT#<at>#<incidentKey>)', () => {
  const genuine = { pk: `RESOURCE#${ARN}`, sk: `AUDIT#2026-12-05T22:00:00.000Z#${INCIDENT}`, resourceArn: ARN, at: '2026-12-05T22:00:00.000Z', incidentKey: INCIDENT, decision: { outcome: 'applied' }, expiresAt: NOW_SECONDS };

  it('reads back what appendAudit wrote', async () => {
    const table = new InMemoryDynamoTable();
    await storeOver(table).appendAudit({ resourceArn: ARN, at: genuine.at, incidentKey: INCIDENT, decision: { outcome: 'applied' } }, NOW);
    expect(await storeOver(table).history(ARN)).toEqual([{ resourceArn: ARN, at: genuine.at, incidentKey: INCIDENT, decision: { outcome: 'applied' } }]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a decision that is a string', { decision: 'applied' }, 'decision: Invalid input: expected record, received string'],
    ['a time that is not ISO 8601', { at: 'now' }, 'at: Invalid ISO datetime'],
    ['an incident key that is a number', { incidentKey: 5 }, 'incidentKey: Invalid input: expected string, received number'],
  ])('refuses %s, naming the key and field', async (_forgery, forged, issue) => {
    const table = new InMemoryDynamoTable();
    table.forge({ ...genuine, ...forged });
    const error = await refusal(storeOver(table).history(ARN));
    expect(error.key).toEqual({ pk: genuine.pk, sk: genuine.sk });
    expect(error.issues).toEqual([issue]);
  });
});
