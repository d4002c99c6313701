// The harness of the escalation handlers' deadline tests (review 18b R18-10, decisions 306, 312): the real handler, its
// real store, notifier, scheduler and alarm reader, over SDK clients whose `send` answers from memory (the state table:
// test/support/in-memory-dynamodb.ts) or hangs until its AbortSignal aborts, as the SDK's does. Lambda's clock is jest's
// fake one, and runs down as Lambda's does: a 52 s wait takes no real time, and an invocation that has not answered by
// its 60 s is what Lambda's timeout would kill.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { EscalationClients, EscalationHandler, EscalationHandlerOptions } from '../../shared/escalation/create-escalation-handlers';
import { ESCALATION_CALL_RESERVE_MS } from '../../shared/escalation/timer-deadline';
import { ACCOUNT, ALARM_NAME } from '../unit/escalation/fixtures';
import { InMemoryDynamoTable } from './in-memory-dynamodb';

export const ENV = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_ACCOUNT_ID: ACCOUNT };
/** Both escalation functions' timeout (infra DEFAULT_SIZING; test/infra/escalation-deadline-fit.test.ts). */
export const TIMEOUT_MS = 60_000;
export const START = Date.parse('2026-11-25T14:32:05.000Z');
/** Where either handler's calls are given up: its 60 s less ESCALATION_CALL_RESERVE_MS, 52 s in. */
export const CALL_CUT_MS = TIMEOUT_MS - ESCALATION_CALL_RESERVE_MS;

export type Item = Record<string, unknown>;

/** An error as the SDK rejects an aborted call with. */
const aborted = (): Error => Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });

/** A call that never answers; rejects, as the SDK's does, once its AbortSignal aborts (recording when). */
export function hang(signal: AbortSignal | undefined, abortedAt: number[]): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal?.addEventListener('abort', () => {
      abortedAt.push(Date.now() - START);
      reject(aborted());
    });
  });
}

/** A call answered `afterMs` from now, unless its AbortSignal aborts first. */
export function answerAfter<T>(afterMs: number, value: T, signal: AbortSignal | undefined, abortedAt: number[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), afterMs);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      abortedAt.push(Date.now() - START);
      reject(aborted());
    });
  });
}

export interface World {
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
 * attribute_not_exists, `=`, `<`, `<=` and IN. Anything else throws, naming it.
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
    const compared = /^(#\w+) (=|<=|<) (:\w+)$/.exec(trimmed);
    if (compared) {
      const [a, b] = [item?.[name(compared[1] ?? '')], value(compared[3] ?? '')];
      if (compared[2] === '=') return a === b;
      // DynamoDB orders two numbers, or two strings by their bytes (the same order for the ASCII keys here); else false.
      const ordered = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
      return ordered && (compared[2] === '<' ? a < b : a <= b);
    }
    const among = /^(#\w+) IN \((.*)\)$/.exec(trimmed);
    if (among) return (among[2] ?? '').split(', ').some((token) => item?.[name(among[1] ?? '')] === value(token));
    throw new Error(`the test table does not evaluate the condition ${trimmed}`);
  };
  return evaluate(condition);
}

/**
 * UpdateItem's `SET #a = :b, #c.#d = :e, #f = if_not_exists(#f, :g) + :h` and `REMOVE #i, #j` (ADD ignored), on the item
 * as stored; the item written, for ReturnValues ALL_NEW.
 */
function applySet(table: InMemoryDynamoTable, input: UpdateCommand['input']): Item {
  const key = input.Key as { pk: string; sk: string };
  const item = table.get(key);
  if (!holds(item, input.ConditionExpression, input)) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  const next: Item = { ...(item ?? key) };
  const expression = input.UpdateExpression ?? '';
  const set = /^SET (.*?)(?: REMOVE | ADD |$)/.exec(expression)?.[1] ?? '';
  const attribute = (token: string): string => input.ExpressionAttributeNames?.[token] ?? token;
  for (const assignment of splitTop(set, ', ')) {
    const [path = '', token = ''] = assignment.split(' = ');
    const names = path.split('.').map(attribute);
    const counted = /^if_not_exists\((#\w+), (:\w+)\) \+ (:\w+)$/.exec(token);
    const value = counted
      ? Number(next[attribute(counted[1] ?? '')] ?? input.ExpressionAttributeValues?.[counted[2] ?? '']) + Number(input.ExpressionAttributeValues?.[counted[3] ?? ''])
      : input.ExpressionAttributeValues?.[token];
    if (names.length === 2) next[names[0] ?? ''] = { ...((next[names[0] ?? ''] as Item | undefined) ?? {}), [names[1] ?? '']: value };
    else next[names[0] ?? ''] = value;
  }
  const remove = / REMOVE (.*?)(?: ADD |$)/.exec(expression)?.[1];
  for (const token of remove ? remove.split(', ') : []) delete next[attribute(token)];
  table.forge(next);
  return next;
}

export function world(): World {
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
          // EscalationStore's completeSend sets `:status`; KillSwitchNoticeLog's complete, `:sent`.
          const what = sets.startsWith('SET #lease = :zero')
            ? 'release'
            : sets.startsWith('SET #delivered.')
              ? 'record delivered'
              : sets.startsWith('SET #status = :status') || sets.startsWith('SET #status = :sent')
                ? 'complete'
                : 'update';
          called(`DynamoDB UpdateItem (${what})`);
          const write = (): Promise<unknown> => {
            const written = applySet(table, command.input);
            return Promise.resolve(command.input.ReturnValues === 'ALL_NEW' ? { Attributes: written } : {});
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
        if (command instanceof PutCommand && command.input.ConditionExpression !== undefined) {
          // A conditional put (the kill switch notice's claim), evaluated as DynamoDB does.
          const item = command.input.Item ?? {};
          if (!holds(table.get({ pk: String(item.pk), sk: String(item.sk) }), command.input.ConditionExpression, command.input)) {
            called('DynamoDB PutItem');
            return Promise.reject(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
          }
        }
        called(
          `DynamoDB ${command instanceof GetCommand ? 'GetItem' : command instanceof QueryCommand ? 'Query' : command instanceof TransactWriteCommand ? 'TransactWriteItems' : command instanceof PutCommand ? 'PutItem' : (command as object).constructor.name}`,
        );
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

/** The handler's options: the world's clients, the kill switch handed in (off). */
export function handlerOptions(w: World): EscalationHandlerOptions {
  return { env: ENV, clients: w.clients, killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } };
}

/** What an invocation answered (its result or error) and when, in ms since it was invoked. */
export interface Invoked {
  result?: unknown;
  error?: Error;
  answeredAtMs: number;
}

/** SNS never answers a publish: each is aborted when its AbortSignal aborts (recorded in abortedAt). */
export function publishesHang(w: World): void {
  w.sns = (_channel, signal) => hang(signal, w.abortedAt);
}

/** SNS answers each publish 1 ms before the calls' deadline (51.999 s in, 8.001 s left); the state table takes 1 s a record. */
export function publishesAnsweredJustInTime(w: World): void {
  w.sns = (_channel, signal) => answerAfter(CALL_CUT_MS - 1, { MessageId: 'late' }, signal, w.abortedAt);
  w.recordWrite = (signal) => answerAfter(1000, {}, signal, w.abortedAt);
}

/**
 * An invocation whose two publishes were under way at the calls' deadline: both aborted at exactly 52 s, the invocation
 * answered there with the chat publish's TransientError (thrown, so Lambda retries), nobody paged.
 */
export function expectPublishesCut(w: World, cut: Invoked): void {
  expect(cut.error?.name).toBe('TransientError');
  expect(cut.error?.message).toBe('SNS Publish (chat) failed: CallDeadlineExceeded: SNS call did not answer within 52.0 s');
  expect(w.abortedAt).toEqual([CALL_CUT_MS, CALL_CUT_MS]);
  expect(cut.answeredAtMs).toBe(CALL_CUT_MS);
  expect(w.pages).toEqual([]);
}

/** Two minutes on (the invocation before long over; Lambda's retry, or a warm container's next event), SNS answering at once; the calls listed afresh. */
export function twoMinutesOn(w: World): void {
  jest.setSystemTime(START + 2 * TIMEOUT_MS);
  w.sns = () => 'answer';
  w.calls = [];
}

/**
 * One invocation of the handler with Lambda's 60 s, on the clock that runs down: each step runs the promises waiting,
 * then the clock to the next timer (a call's deadline, an answer's delay) and no further. An invocation that has not
 * answered at its timeout is one Lambda kills: the case fails there.
 */
export async function invoke(
  w: World,
  create: (options: EscalationHandlerOptions) => EscalationHandler,
  event: unknown,
  /** A handler already built: a warm container's second invocation (review 19 R19-9). */
  warm?: EscalationHandler,
): Promise<Invoked> {
  const handler = warm ?? create(handlerOptions(w));
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


/**
 * Registers, for the describe block it is called in, the clock every deadline case runs on (jest's fake timers from
 * START; ticks and microtasks real, so the SDK's promises settle) and silences Powertools' log lines, which these cases
 * do not read; both put back after each case.
 */
export function useDeadlineClock(): void {
  let writes: jest.SpyInstance[] = [];
  beforeEach(() => {
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    writes = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation(() => true));
  });
  afterEach(() => {
    for (const spy of writes) spy.mockRestore();
    jest.useRealTimers();
  });
}
