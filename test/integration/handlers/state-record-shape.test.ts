// Records read back from the state table are parsed before anything is planned from them (decision 118): scale-consumers
// through its real entry point against the emulator, with a record forged in the emulator's table as anyone who can
// write it would (a compromised role, a hand edit, an older version's bug). The handler refuses, logs why, escalates, and
// the consumers and the forged record stay as they were.
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { loadHandler } from '../../support/load-handler';
import { putForgedClaim } from '../support/forged-claim';
import { callsDuring, writes } from '../support/proxy-calls';
import { provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

/** A refusal's writes: the claim (PutItem), its completion (UpdateItem), the audit entry (PutItem), the escalation event. No reservation, no change, no schedule. */
const REFUSED_AND_ESCALATED = ['dynamodb:PutItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'events:PutEvents'];

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }))).ReservedConcurrentExecutions;
}

async function item(account: SandboxAccount, key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: key, ConsistentRead: true }))).Item;
}

interface Harness {
  account: SandboxAccount;
  handler: AlarmHandler;
  /** The handler's error lines (Powertools development mode writes them to the console, where the test reads them). */
  errors: string[];
  stateKey: { pk: string; sk: string };
}

/** Production; scale-consumers scaled the queue's consumers up (MaximumConcurrency 50 -> 100), its reservation in the table. */
async function scaledUp(): Promise<Harness> {
  const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
  const errors: string[] = [];
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_DEV: 'true' });
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
  const handler = loadHandler('scale-consumers');
  await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
  const decision = await handler(await account.transition(queueAlarmName(account.topology), 'ALARM'));
  expect(decision).toMatchObject({ outcome: 'applied' });
  expect(await maximumConcurrency(account)).toBe(100);
  const stateKey = { pk: `RESOURCE#${decision.resource?.arn}`, sk: 'STATE' };
  // The genuine reservation: the state it replaced (none before the first change) kept beside it (decision 110).
  expect((await item(account, stateKey))?.reservedFrom).toEqual({ changeTimesSeconds: [] });
  return { account, handler, errors, stateKey };
}

afterEach(() => {
  jest.restoreAllMocks();
  delete process.env.POWERTOOLS_DEV;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

describe('scale-consumers refuses a state table record that is not one the automation writes (production)', () => {
  it('refuses a forged reservedFrom (a baseline that is not a map, change times that are not numbers, a version inside): escalates naming the key and fields, changes nothing', async () => {
    const h = await scaledUp();
    const forged = { baseline: 'restore to 1000', changeTimesSeconds: ['now'], version: 7 };
    await h.account.dynamo.send(
      new UpdateCommand({
        TableName: h.account.topology.stateTable.name,
        Key: h.stateKey,
        UpdateExpression: 'SET reservedFrom = :forged',
        ExpressionAttributeValues: { ':forged': forged },
      }),
    );
    // The fault is in the table before the event: read back as the handler will read it.
    const before = await item(h.account, h.stateKey);
    expect(before?.reservedFrom).toEqual(forged);
    const ok = await h.account.transition(queueAlarmName(h.account.topology), 'OK');

    const { result: decision, calls } = await callsDuring([h.account.accountId], () => h.handler(ok));

    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
    expect(decision.reason).toContain(`state table record ${h.stateKey.pk} / STATE is not one the automation writes, refused`);
    expect(decision.reason).toContain('reservedFrom.baseline: Invalid input: expected record, received string');
    expect(decision.reason).toContain('reservedFrom.changeTimesSeconds[0]: Invalid input: expected number, received string');
    expect(decision.reason).toContain('reservedFrom.version: not a field the automation writes');
    // Logged: the decision's error line carries the refusal.
    expect(h.errors.filter((line) => line.includes(`${h.stateKey.pk} / STATE is not one the automation writes`))).toHaveLength(1);
    expect(writes(calls).sort()).toEqual(REFUSED_AND_ESCALATED);
    // Read back from the emulator: the record as forged (no reservation), the consumers still scaled up.
    expect(await item(h.account, h.stateKey)).toEqual(before);
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect(await reservedConcurrency(h.account)).toBe(100);
    // The refusal is recorded on the incident's claim: a later copy of the event is a duplicate, not a second try.
    const claim = await item(h.account, { pk: `INCIDENT#${decision.incidentKey}`, sk: 'CLAIM#scale-consumers' });
    expect(claim).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
  });

  it('refuses a forged claim it takes over (an intent to "restore" MaximumConcurrency to 2 with an unknown direction): escalates instead of finishing it, changes nothing', async () => {
    const h = await scaledUp();
    const ok = await h.account.transition(queueAlarmName(h.account.topology), 'OK');
    const incidentKey = `${(ok.resources as string[])[0]}#${(ok.detail as { state: { timestamp: string } }).state.timestamp}`;
    const claimKey = { pk: `INCIDENT#${incidentKey}`, sk: 'CLAIM#scale-consumers' };
    // A claim of the OK's incident whose holder "died" (lease expired), with an intent no version of the pipeline writes.
    await putForgedClaim(h.account, claimKey);
    expect((await item(h.account, claimKey))?.intent).toMatchObject({ direction: 'sideways' });
    const stateBefore = await item(h.account, h.stateKey);

    const { result: decision, calls } = await callsDuring([h.account.accountId], () => h.handler(ok));

    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' }, incidentKey });
    expect(decision.reason).toContain(`state table record ${claimKey.pk} / ${claimKey.sk} is not one the automation writes, refused`);
    expect(decision.reason).toContain('intent.direction: Invalid option: expected one of "scale-up"|"restore"');
    expect(decision.reason).toContain('intent.target.resource.type: Invalid input: expected string, received undefined');
    expect(h.errors.filter((line) => line.includes(`${claimKey.pk} / ${claimKey.sk} is not one the automation writes`))).toHaveLength(1);
    // A takeover: the claim's first PutItem (refused by the forged claim, which it answers) and the takeover (decision 365).
    expect(writes(calls).sort()).toEqual(['dynamodb:PutItem', ...REFUSED_AND_ESCALATED]);
    expect(await item(h.account, h.stateKey)).toEqual(stateBefore);
    expect(await maximumConcurrency(h.account)).toBe(100);
    expect(await reservedConcurrency(h.account)).toBe(100);
    // The claim is this delivery's now, completed as the escalation: the forged intent is gone with it.
    const claim = await item(h.account, claimKey);
    expect(claim).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
    expect(claim?.owner).not.toBe('forged-owner');
    expect(claim?.intent).toBeUndefined();
  });
});
