// Review 18b R18-10: the sweep's reserve did not bound a timer. One SDK call may take about 50 s (4 attempts of 2 s connect
// + 10 s request, and the backoff), and a timer cut off by escalation-timer's 60 s timeout after its SNS publish and
// before the publish was recorded left its send claimed with nothing delivered on record: after the claim's lease, the
// retry or the next sweep paged the tier again. Now every call is bound by the invocation's time left
// (shared/aws/call-deadline.ts, shared/escalation/timer-deadline.ts): a call of a timer's work is aborted with 8 s left,
// the writes that record a delivery or give its claim back run until 2 s left.
//
// The real escalation-timer handler, its real store, notifier, scheduler and alarm reader, over SDK clients whose `send`
// answers from memory (the state table: test/support/in-memory-dynamodb.ts) or hangs until its AbortSignal aborts, as
// the SDK's does. Lambda's clock is jest's fake one, and runs down as Lambda's does: a 52 s wait takes no real time, and
// an invocation that has not answered by its 60 s is what Lambda's timeout would kill.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createEscalationTimerHandler } from '../../../shared/escalation/create-escalation-timer-handler';
import type { EscalationClients } from '../../../shared/escalation/create-escalation-handlers';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import { SWEEP_INPUT } from '../../../shared/escalation/timer-input';
import { TIMER_CALL_RESERVE_MS, TIMER_RECORD_RESERVE_MS } from '../../../shared/escalation/timer-deadline';
import { InMemoryDynamoTable } from '../../support/in-memory-dynamodb';
import { ACCOUNT, ALARM_NAME, capReachedIncident } from './fixtures';

const ENV = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_ACCOUNT_ID: ACCOUNT };
const TIMEOUT_MS = 60_000; // escalation-timer's timeout (infra DEFAULT_SIZING)
const START = Date.parse('2026-11-25T14:32:05.000Z');
/** L1 was paged at 14:00:05; L2 was due 15 min later, 17 min ago. */
const L2_DUE = '2026-11-25T14:15:05.000Z';
const L2 = 'Cloud Infrastructure Team (L2)';

type Item = Record<string, unknown>;

/** An error as the SDK rejects an aborted call with. */
const aborted = (): Error => Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });

/** A call that never answers; rejects, as the SDK's does, once its AbortSignal aborts (recording when). */
function hang(signal: AbortSignal | undefined, abortedAt: number[]): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal?.addEventListener('abort', () => {
      abortedAt.push(Date.now() - START);
      reject(aborted());
    });
  });
}

/** A call answered `afterMs` from now, unless its AbortSignal aborts first. */
function answerAfter<T>(afterMs: number, value: T, signal: AbortSignal | undefined, abortedAt: number[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), afterMs);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      abortedAt.push(Date.now() - START);
      reject(aborted());
    });
  });
}

interface World {
  table: InMemoryDynamoTable;
  clients: EscalationClients;
  /** Every call made, in order: `<service> <operation>` and, for a publish, its channel; with when, in ms since START. */
  calls: Array<{ call: string; atMs: number }>;
  /** Every publish SNS answered (a page that went out), by incident, tier and channel. */
  pages: Array<{ incidentId: string; tier: string; channel: string }>;
  /** When each aborted call was aborted, in ms since START. */
  abortedAt: number[];
  /** How SNS answers a publish: at once, never, or after some time. */
  sns: (channel: string, signal: AbortSignal | undefined) => Promise<{ MessageId: string }> | 'answer';
  /** How the state table answers a write that records a delivery (recordDelivered, completeSend): at once unless set. */
  recordWrite?: (signal: AbortSignal | undefined) => Promise<unknown>;
}

/** `text` split on `separator` outside parentheses. */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')') depth -= 1;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(from, i));
      from = i + separator.length;
    }
  }
  return [...parts, text.slice(from)];
}

/**
 * The condition expressions EscalationStore writes with, evaluated on the item as stored (the shared in-memory table does
 * not evaluate them; a claim must be refused here as DynamoDB refuses it): OR and AND, parentheses, attribute_exists,
 * attribute_not_exists, `=`, `<` and IN. Anything else throws, naming it.
 */
function holds(item: Item | undefined, condition: string | undefined, input: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> }): boolean {
  if (condition === undefined) return true;
  const name = (token: string): string => input.ExpressionAttributeNames?.[token] ?? token;
  const value = (token: string): unknown => input.ExpressionAttributeValues?.[token];
  const evaluate = (text: string): boolean => {
    const trimmed = text.trim();
    const ors = splitTop(trimmed, ' OR ');
    if (ors.length > 1) return ors.some(evaluate);
    const ands = splitTop(trimmed, ' AND ');
    if (ands.length > 1) return ands.every(evaluate);
    if (trimmed.startsWith('(') && trimmed.endsWith(')')) return evaluate(trimmed.slice(1, -1));
    const exists = /^attribute_(not_)?exists\((#?\w+)\)$/.exec(trimmed);
    if (exists) return (item?.[name(exists[2] ?? '')] === undefined) === (exists[1] !== undefined);
    const compared = /^(#\w+) (=|<) (:\w+)$/.exec(trimmed);
    if (compared) {
      const [a, b] = [item?.[name(compared[1] ?? '')], value(compared[3] ?? '')];
      return compared[2] === '=' ? a === b : typeof a === 'number' && typeof b === 'number' && a < b;
    }
    const among = /^(#\w+) IN \((.*)\)$/.exec(trimmed);
    if (among) return (among[2] ?? '').split(', ').some((token) => item?.[name(among[1] ?? '')] === value(token));
    throw new Error(`the test table does not evaluate the condition ${trimmed}`);
  };
  return evaluate(condition);
}

/** UpdateItem's `SET #a = :b, #c.#d = :e` (REMOVE ignored), on the item as stored. */
function applySet(table: InMemoryDynamoTable, input: UpdateCommand['input']): void {
  const key = input.Key as { pk: string; sk: string };
  const item = table.get(key);
  if (!holds(item, input.ConditionExpression, input)) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  const next: Item = { ...(item ?? key) };
  const set = /^SET (.*?)(?: REMOVE .*)?$/.exec(input.UpdateExpression ?? '')?.[1] ?? '';
  for (const assignment of set.split(', ')) {
    const [path = '', token = ''] = assignment.split(' = ');
    const names = path.split('.').map((part) => input.ExpressionAttributeNames?.[part] ?? part);
    const value = input.ExpressionAttributeValues?.[token];
    if (names.length === 2) next[names[0] ?? ''] = { ...((next[names[0] ?? ''] as Item | undefined) ?? {}), [names[1] ?? '']: value };
    else next[names[0] ?? ''] = value;
  }
  table.forge(next);
}

function world(): World {
  const table = new InMemoryDynamoTable();
  const w: World = {
    table,
    calls: [],
    pages: [],
    abortedAt: [],
    sns: () => 'answer',
    clients: undefined as unknown as EscalationClients,
  };
  const called = (call: string): void => void w.calls.push({ call, atMs: Date.now() - START });
  let messages = 0;
  w.clients = {
    dynamodb: {
      send: ((command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (command instanceof UpdateCommand) {
          const sets = command.input.UpdateExpression ?? '';
          const what = sets.startsWith('SET #lease = :zero') ? 'release' : sets.startsWith('SET #delivered.') ? 'record delivered' : sets.startsWith('SET #status = :status') ? 'complete' : 'update';
          called(`DynamoDB UpdateItem (${what})`);
          const write = (): Promise<unknown> => {
            applySet(table, command.input);
            return Promise.resolve({});
          };
          if ((what === 'record delivered' || what === 'complete') && w.recordWrite) return w.recordWrite(options?.abortSignal).then(write);
          return write();
        }
        if (command instanceof TransactWriteCommand) {
          // The claim's conditions, as DynamoDB evaluates them: a transaction refused names which write's condition failed.
          const reasons = (command.input.TransactItems ?? []).map((write) => {
            const part = write.ConditionCheck ?? write.Put;
            const key = (write.ConditionCheck?.Key ?? { pk: write.Put?.Item?.pk, sk: write.Put?.Item?.sk }) as { pk: string; sk: string };
            return part && !holds(table.get(key), part.ConditionExpression, part) ? 'ConditionalCheckFailed' : 'None';
          });
          if (reasons.includes('ConditionalCheckFailed')) {
            called('DynamoDB TransactWriteItems');
            return Promise.reject(Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: reasons.map((Code) => ({ Code })) }));
          }
        }
        called(`DynamoDB ${command instanceof GetCommand ? 'GetItem' : command instanceof QueryCommand ? 'Query' : command instanceof TransactWriteCommand ? 'TransactWriteItems' : (command as object).constructor.name}`);
        return table.client.send(command);
      }) as EscalationClients['dynamodb']['send'],
    },
    sns: {
      send: ((command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (!(command instanceof PublishCommand)) throw new Error('only Publish is expected of SNS');
        const attributes = command.input.MessageAttributes ?? {};
        const channel = attributes.channel?.StringValue ?? '?';
        called(`SNS Publish (${channel})`);
        const page = { incidentId: attributes.incidentId?.StringValue ?? '?', tier: attributes.tier?.StringValue ?? '?', channel };
        const answer = w.sns(channel, options?.abortSignal);
        const sent = (): { MessageId: string } => {
          w.pages.push(page);
          messages += 1;
          return { MessageId: `m-${messages}` };
        };
        return answer === 'answer' ? Promise.resolve(sent()) : answer.then(sent);
      }) as EscalationClients['sns']['send'],
    },
    scheduler: {
      send: ((command: unknown) => {
        if (!(command instanceof CreateScheduleCommand)) throw new Error('only CreateSchedule is expected of Scheduler');
        called(`Scheduler CreateSchedule (${command.input.Name ?? ''})`);
        return Promise.resolve({});
      }) as EscalationClients['scheduler']['send'],
    },
    sts: {
      send: ((command: unknown) => {
        if (!(command instanceof GetCallerIdentityCommand)) throw new Error('only GetCallerIdentity is expected of STS');
        called('STS GetCallerIdentity');
        return Promise.resolve({ Account: ACCOUNT });
      }) as EscalationClients['sts']['send'],
    },
    ssm: { send: (() => Promise.reject(new Error('the kill switch is handed in: no SSM call expected'))) as EscalationClients['ssm']['send'] },
    cloudWatch: () => ({
      send: ((command: unknown) => {
        if (!(command instanceof DescribeAlarmsCommand)) throw new Error('only DescribeAlarms is expected of CloudWatch');
        called('CloudWatch DescribeAlarms');
        return Promise.resolve({ MetricAlarms: [{ AlarmName: ALARM_NAME, StateValue: 'ALARM', StateReason: 'Threshold Crossed', StateTransitionedTimestamp: new Date('2026-11-25T14:00:03.120Z') }] });
      }) as EscalationClients['sns']['send'],
    }),
  };
  return w;
}

/** Incidents whose L1 was paged and whose L2 timer Scheduler dropped, written as the store writes them. */
async function l1Paged(w: World, incidentIds: readonly string[]): Promise<void> {
  const store = new EscalationStore(w.table.client as never, { tableName: 'state', retentionDays: 90, leaseSeconds: 120 });
  for (const [i, incidentId] of incidentIds.entries()) {
    await store.create(capReachedIncident({ incidentId, incidentKey: `key-${i}`, level: 1, nextLevel: 2, nextEscalationAt: L2_DUE, ladderDueAt: L2_DUE }), new Date('2026-11-25T14:00:05.000Z'));
  }
}

const sendOf = (w: World, incidentId: string): Item | undefined => w.table.get({ pk: `ESCALATION#${incidentId}`, sk: 'SEND#notify#L2' });

/**
 * One invocation of the handler with Lambda's 60 s, on the clock that runs down: each step runs the promises waiting,
 * then the clock to the next timer (a call's deadline, an answer's delay) and no further. An invocation that has not
 * answered at its timeout is one Lambda kills: the case fails there.
 */
async function invoke(w: World, event: unknown): Promise<{ result?: unknown; error?: Error; answeredAtMs: number }> {
  const handler = createEscalationTimerHandler({ env: ENV, clients: w.clients, killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } });
  const invokedAt = Date.now();
  const context: Partial<Context> = { getRemainingTimeInMillis: () => invokedAt + TIMEOUT_MS - Date.now() };
  let outcome: { result?: unknown; error?: Error } | undefined;
  void handler(event, context).then(
    (result) => void (outcome = { result }),
    (error: unknown) => void (outcome = { error: error as Error }),
  );
  for (await jest.advanceTimersByTimeAsync(0); !outcome && Date.now() - invokedAt < TIMEOUT_MS && jest.getTimerCount() > 0; ) await jest.advanceTimersToNextTimerAsync();
  if (!outcome) throw new Error(`the invocation had not answered at ${Date.now() - invokedAt} ms: Lambda's timeout kills it there`);
  return { ...outcome, answeredAtMs: Date.now() - invokedAt };
}

describe('escalation-timer\'s calls under the invocation\'s deadline (review 18b R18-10)', () => {
  const timer = { action: 'escalate', incidentId: 'inc-aaaaaaaaaaa0', level: 2, alarm: { name: ALARM_NAME, account: ACCOUNT } };
  let writes: jest.SpyInstance[] = [];

  beforeEach(() => {
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    // Powertools' log lines are not what these cases read.
    writes = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation(() => true));
  });
  afterEach(() => {
    for (const spy of writes) spy.mockRestore();
    jest.useRealTimers();
  });

  it('a publish that never answers: aborted at exactly 8 s left, the claim given back, the invocation answers (thrown, so Lambda retries) inside its time; the retry pages L2 once', async () => {
    const w = world();
    await l1Paged(w, [timer.incidentId]);
    w.sns = (_channel, signal) => hang(signal, w.abortedAt);

    const cut = await invoke(w, timer);
    expect(cut.error?.name).toBe('TransientError');
    expect(cut.error?.message).toBe('SNS Publish (chat) failed: CallDeadlineExceeded: SNS call did not answer within 52.0 s');
    expect(w.calls).toEqual([
      { call: 'DynamoDB Query', atMs: 0 },
      { call: 'CloudWatch DescribeAlarms', atMs: 0 },
      { call: 'DynamoDB GetItem', atMs: 0 },
      { call: 'DynamoDB TransactWriteItems', atMs: 0 },
      { call: 'STS GetCallerIdentity', atMs: 0 },
      { call: `Scheduler CreateSchedule (escalation-${timer.incidentId}-l3)`, atMs: 0 },
      { call: 'SNS Publish (chat)', atMs: 0 },
      { call: 'SNS Publish (email)', atMs: 0 },
      // Both publishes aborted at 60 - 8 = 52 s; the release runs in the 6 s kept for it.
      { call: 'DynamoDB UpdateItem (release)', atMs: TIMEOUT_MS - TIMER_CALL_RESERVE_MS },
    ]);
    expect(w.abortedAt).toEqual([TIMEOUT_MS - TIMER_CALL_RESERVE_MS, TIMEOUT_MS - TIMER_CALL_RESERVE_MS]);
    expect(cut.answeredAtMs).toBe(TIMEOUT_MS - TIMER_CALL_RESERVE_MS);
    expect(w.pages).toEqual([]);
    // Given back: still IN_PROGRESS, its lease ended, nothing recorded delivered. The retry takes it at once.
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });

    // Lambda's retry, a minute on, SNS answering: L2 paged once, by email and chat, and recorded SENT.
    jest.setSystemTime(START + 2 * TIMEOUT_MS);
    w.sns = () => 'answer';
    w.calls = [];
    const retried = await invoke(w, timer);
    expect(retried.result).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 2, tier: L2 }] });
    expect(w.pages).toEqual([
      { incidentId: timer.incidentId, tier: 'L2', channel: 'chat' },
      { incidentId: timer.incidentId, tier: 'L2', channel: 'email' },
    ]);
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });
  });

  it('a publish answered just before the calls\' deadline is recorded in the time kept after it: SENT, and the retry pages nobody again', async () => {
    const w = world();
    await l1Paged(w, [timer.incidentId]);
    // Answered 1 ms before the deadline (51.999 s in, 8.001 s left); the state table takes 1 s for each record.
    w.sns = (_channel, signal) => answerAfter(TIMEOUT_MS - TIMER_CALL_RESERVE_MS - 1, { MessageId: 'late' }, signal, w.abortedAt);
    w.recordWrite = (signal) => answerAfter(1000, {}, signal, w.abortedAt);

    const done = await invoke(w, timer);
    expect(w.abortedAt).toEqual([]);
    expect(w.pages).toHaveLength(2);
    expect(w.calls.slice(8)).toEqual([
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: TIMEOUT_MS - TIMER_CALL_RESERVE_MS - 1 },
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: TIMEOUT_MS - TIMER_CALL_RESERVE_MS - 1 },
      { call: 'DynamoDB UpdateItem (complete)', atMs: TIMEOUT_MS - TIMER_CALL_RESERVE_MS - 1 },
    ]);
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });
    // The incident's level is a write of the timer's work: with 7 s left it is not started, and the invocation throws.
    expect(done.answeredAtMs).toBe(TIMEOUT_MS - TIMER_CALL_RESERVE_MS + 999);
    expect(done.error?.message).toBe(`DynamoDB call not started: 7 s left, ${TIMER_CALL_RESERVE_MS / 1000} s kept to record or give back what was sent, and to answer`);

    // Lambda's retry finds the page SENT: nobody is paged again; the level and L3's timer are made (afterNotified).
    jest.setSystemTime(START + 2 * TIMEOUT_MS);
    w.calls = [];
    const retried = await invoke(w, timer);
    expect(retried.result).toMatchObject({ action: 'stopped', delivered: [] });
    expect(w.pages).toHaveLength(2);
    expect(w.calls.map((c) => c.call)).toContain('DynamoDB UpdateItem (update)');
  });

  it('the state table hanging on the record of a page that went out: that write is given up with 2 s left, and the invocation still answers before its timeout', async () => {
    const w = world();
    await l1Paged(w, [timer.incidentId]);
    w.recordWrite = (signal) => hang(signal, w.abortedAt);

    const cut = await invoke(w, timer);
    expect(w.pages).toHaveLength(2);
    // The records and the completion, aborted at 60 - 2 = 58 s; then the claim's release is not started (2 s left).
    expect(w.abortedAt).toEqual([TIMEOUT_MS - TIMER_RECORD_RESERVE_MS, TIMEOUT_MS - TIMER_RECORD_RESERVE_MS, TIMEOUT_MS - TIMER_RECORD_RESERVE_MS]);
    expect(cut.answeredAtMs).toBe(TIMEOUT_MS - TIMER_RECORD_RESERVE_MS);
    expect(cut.error?.message).toContain('CallDeadlineExceeded');
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'IN_PROGRESS', delivered: {} });
  });

  it('the sweep with every publish hanging: its 4 timers started are aborted at 8 s left and their claims given back, the rest left; the sweep throws, and its retry pages each L2 once', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `inc-aaaaaaaaaaa${i}`);
    const w = world();
    await l1Paged(w, ids);
    w.sns = (_channel, signal) => hang(signal, w.abortedAt);

    const cut = await invoke(w, SWEEP_INPUT);
    expect(cut.answeredAtMs).toBe(TIMEOUT_MS - TIMER_CALL_RESERVE_MS);
    // 4 timers at once (SWEEP_CONCURRENCY), both channels each: 8 publishes started at 0 s, all aborted at 52 s.
    expect(w.calls.filter((c) => c.call.startsWith('SNS Publish'))).toHaveLength(8);
    expect(w.calls.filter((c) => c.call.startsWith('SNS Publish')).every((c) => c.atMs === 0)).toBe(true);
    expect(w.abortedAt).toEqual(Array<number>(8).fill(TIMEOUT_MS - TIMER_CALL_RESERVE_MS));
    expect(w.calls.filter((c) => c.call === 'DynamoDB UpdateItem (release)')).toEqual(Array.from({ length: 4 }, () => ({ call: 'DynamoDB UpdateItem (release)', atMs: TIMEOUT_MS - TIMER_CALL_RESERVE_MS })));
    expect(cut.error?.message).toMatch(/^escalation sweep: 4 failed of 6 overdue timers and 2 lists \(/);
    expect(cut.error?.message).toContain('CallDeadlineExceeded: SNS call did not answer within 52.0 s');
    expect(cut.error?.message).toContain('; 2 left for the next sweep (5 min on): the function had 8 s left, within the 20 s kept for the timers started to finish');
    expect(w.pages).toEqual([]);
    for (const id of ids.slice(0, 4)) expect(sendOf(w, id)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });
    for (const id of ids.slice(4)) expect(sendOf(w, id)).toBeUndefined();

    // The sweep's retry, SNS answering: every L2 paged once, by email and chat.
    jest.setSystemTime(START + 2 * TIMEOUT_MS);
    w.sns = () => 'answer';
    const retried = await invoke(w, SWEEP_INPUT);
    expect(retried.result).toMatchObject({ action: 'escalated' });
    expect(w.pages).toHaveLength(12);
    expect(new Set(w.pages.map((p) => `${p.incidentId} ${p.channel}`)).size).toBe(12);
    for (const id of ids) expect(sendOf(w, id)).toMatchObject({ status: 'SENT' });
  });

  it('without a Lambda context (a direct call) nothing is bound: a publish answered after 70 s is waited for', async () => {
    const w = world();
    await l1Paged(w, [timer.incidentId]);
    w.sns = (_channel, signal) => {
      expect(signal).toBeUndefined();
      return answerAfter(70_000, { MessageId: 'slow' }, signal, w.abortedAt);
    };
    const handler = createEscalationTimerHandler({ env: ENV, clients: w.clients, killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } });
    const answered = handler(timer);
    await jest.advanceTimersByTimeAsync(70_000);
    await expect(answered).resolves.toMatchObject({ action: 'escalated' });
    expect(w.pages).toHaveLength(2);
  });
});
