// The gap proxy's call log as the handler tests read it: every AWS call the handlers make reaches moto through the
// proxy, which records service, operation and account (sandbox/gap-proxy.ts). The log is shared by every test file,
// so a test marks it before the act and keeps only the calls in the accounts it owns or that a forged input names.
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

/** Where the log ends now: the calls from here on are the act's. */
export async function callMark(): Promise<number> {
  return await getProxyCallCount(control());
}

/** `service:Operation` of every call made since `since` in one of `accountIds`, in the order the proxy received them. */
export async function callsSince(since: number, accountIds: readonly string[]): Promise<string[]> {
  const calls = await getProxyCalls(control(), since);
  return calls.filter((c) => c.accountId !== undefined && accountIds.includes(c.accountId)).map((c) => `${c.service}:${c.operation}`);
}

/**
 * Runs `act` and returns the calls it made in `accountIds`. Read right after `act` settles, before the caller goes on,
 * so a Scheduler driver's own calls around the handler (listing, deleting the schedule) are not counted as the handler's.
 */
export async function callsDuring<T>(accountIds: readonly string[], act: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const since = await callMark();
  const result = await act();
  return { result, calls: await callsSince(since, accountIds) };
}

/**
 * Reads of the state table. The call log names no table, but DynamoDB is the state table here: every store the
 * handlers build (incident store, escalation store, decision records) is given `config.stateTableName`.
 */
const STATE_TABLE_READS = new Set(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem']);

/** The calls that are not state-table reads: after a refused record or input, there must be none. */
export function beyondStateTableReads(calls: readonly string[]): string[] {
  return calls.filter((c) => !STATE_TABLE_READS.has(c));
}

/** Calls that write anything anywhere (by operation name, as the reliability suite's isMutating judges them). */
export function writes(calls: readonly string[]): string[] {
  return calls.filter((c) => !/:(Get|List|Describe|Query|Scan|BatchGet|Receive|Filter|Lookup|Search|Head|Select)/.test(c));
}
