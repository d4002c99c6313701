// At-least-once delivery: 100 concurrent deliveries of one event make exactly one change, counted in the emulator: the
// change calls the gap proxy forwarded, and the resource's state. And what the 99 duplicates cost (review 20a R20-6):
// every call of the storm, by the proxy's log, is one lone delivery's (measured in an account of its own) plus each
// duplicate's own calls (the row's `duplicateCalls`, by what it found), exactly; a later duplicate's calls are listed.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions } from './support/emulator-records';
import { declareCell, recordCell } from './support/guarantee-table';
import { deliverAsynchronously } from './support/lambda-delivery';
import { callsOf, entryPoint, playbookCases, type PlaybookCase } from './support/playbook-cases';
import type { Decision } from '../../../shared/pipeline/types';

const DELIVERIES = 100;
// Each test provisions a whole topology in the emulator; on 2 shared cores that alone can take most of a minute.
jest.setTimeout(180_000);

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';
const PART = `${DELIVERIES} concurrent deliveries`;

for (const playbook of playbookCases) declareCell(playbook.row, 'duplicates', [PART]);

/** How many times each `service:Operation` occurs. */
function tally(calls: readonly string[]): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const call of [...calls].sort()) counted[call] = (counted[call] ?? 0) + 1;
  return counted;
}

/** The account's calls (`service:Operation`) the proxy logged from `since` on. */
async function accountCalls(accountId: string, since: number): Promise<string[]> {
  return (await getProxyCalls(control(), since)).filter((c) => c.accountId === accountId).map((c) => `${c.service}:${c.operation}`);
}

/** What a duplicate found: the claim still held by the delivery making the change, or completed. */
function foundClaim(decision: Decision): 'running' | 'done' {
  return /already (being handled|running)/.test(decision.reason) ? 'running' : 'done';
}

/** The calls the row's one delivery makes alone, in an account of its own (a fresh container, as the storm's). */
async function loneDelivery(playbook: PlaybookCase): Promise<string[]> {
  const account = await provisionAccount(playbook.environment, { RUNBOOK_CONFIG_JSON: playbook.configJson ? JSON.stringify(playbook.configJson) : '' });
  const event = await playbook.arrange(account);
  await publishedDecisions(account);
  const handler = entryPoint(playbook);
  const since = await getProxyCallCount(control());
  const delivered = await deliverAsynchronously(handler, event);
  expect(playbook.made(delivered.decision)).toBe(true);
  return accountCalls(account.accountId, since);
}

describe.each(playbookCases.map((c) => [c.row, c] as const))('%s under duplicate delivery', (_row, playbook) => {
  it(`changes the resource once when the same event is delivered ${DELIVERIES} times at once`, async () => {
    const lone = await loneDelivery(playbook);
    const account = await provisionAccount(playbook.environment, { RUNBOOK_CONFIG_JSON: playbook.configJson ? JSON.stringify(playbook.configJson) : '' });
    const runtime = loadRuntimeConfig(process.env);
    const event = await playbook.arrange(account);
    await publishedDecisions(account);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    const since = await getProxyCallCount(control());

    // Each delivery as Lambda makes it: a delivery that fails transiently (a loaded machine's connect timeout) is retried.
    const deliveries = await Promise.all(Array.from({ length: DELIVERIES }, () => deliverAsynchronously(handler, event)));
    const storm = await accountCalls(account.accountId, since);
    const decisions = deliveries.map((d) => d.decision).filter((d) => d !== undefined);
    expect(decisions).toHaveLength(DELIVERIES);

    const made = decisions.filter((d) => playbook.made(d));
    const duplicates = decisions.filter((d) => d.outcome === 'skipped' && d.reason.startsWith('duplicate delivery'));
    const changes = await callsOf(control(), account.accountId, since, playbook.changeCalls);
    const after = await playbook.knob.read(account);
    const figures = `${DELIVERIES} deliveries -> ${changes} change call (${playbook.knob.name} ${before} -> ${after}), ${duplicates.length} skipped as duplicates`;
    console.log(`duplicates: ${playbook.row}: ${figures}`);

    expect(made).toHaveLength(1);
    expect(duplicates).toHaveLength(DELIVERIES - 1);
    expect(changes).toBe(1);
    expect(after).toBe(playbook.knob.afterOneChange(account, runtime));
    expect(await auditEntries(account, made[0]?.resource?.arn ?? '')).toHaveLength(playbook.auditEntries);
    // Duplicates are logged and counted, never published: one decision event for one incident.
    expect((await publishedDecisions(account)).map((d) => d.outcome)).toEqual([playbook.publishedOutcome]);

    // The storm's calls, exactly: the lone delivery's, and each duplicate's own. A duplicate re-reads the alarm (or the
    // recorded change) and makes the claim's conditional write, refused; it changes and publishes nothing. A delivery
    // Lambda had to retry (a loaded machine's connect timeouts) made its failed attempt's calls too, which no log tells
    // apart: then every expected call is there and only the retried deliveries' kinds of call are more (said in the log).
    const expected = tally([...lone, ...duplicates.flatMap((d) => playbook.duplicateCalls[foundClaim(d)])]);
    const retried = deliveries.filter((d) => d.attempts > 1).length;
    if (retried === 0) {
      expect(tally(storm)).toEqual(expected);
    } else {
      const surplus = Object.entries(tally(storm)).map(([call, n]) => [call, n - (expected[call] ?? 0)] as const);
      expect(surplus.filter(([call, n]) => n < 0 || (n > 0 && expected[call] === undefined))).toEqual([]);
    }
    console.log(`duplicates: ${playbook.row}: the storm's calls ${retried === 0 ? 'exactly' : `at least (${retried} deliveries retried)`} one lone delivery's (${lone.length}) + the duplicates' (${duplicates.length}): ${JSON.stringify(tally(storm))}`);
    // One more duplicate, late (the claim completed): its calls listed.
    const lateSince = await getProxyCallCount(control());
    const late = await deliverAsynchronously(handler, event);
    expect(late.decision).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^duplicate delivery: .*already (handled|done)/) });
    expect((await accountCalls(account.accountId, lateSince)).sort()).toEqual(playbook.duplicateCalls.done);
    expect(await playbook.knob.read(account)).toBe(after);
    expect(await publishedDecisions(account)).toEqual([]);
    recordCell(playbook.row, 'duplicates', PART, `${DELIVERIES} deliveries: ${changes} change, ${duplicates.length} duplicates skipped`);
  });
});
