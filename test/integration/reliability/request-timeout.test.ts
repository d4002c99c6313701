// A read whose answer never comes fails at the SDK's request timeout (decision 337): the gap proxy holds every attempt of
// one read the handler makes under its claim (a hold rule: it never answers until the test lets it go), the SDK times
// each attempt out and retries it, the pipeline takes the TimeoutError as transient, logs it, releases the claim and
// throws; nothing was changed, and Lambda's retry makes the change exactly once. The timeout comes through the real
// configuration path: `sdkTimeouts.requestTimeoutMs` in RUNBOOK_CONFIG_JSON, read by the handler's entry point.
import { DeleteCommand, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults, type ActiveFault } from '../../../sandbox/proxy-control';
import type { AwsOperation } from '../../../sandbox/gap-proxy';
import { putForgedClaim } from '../support/forged-claim';
import { provisionAccount, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions, resourceState } from './support/emulator-records';
import { deliverAsynchronously, type DeliveryResult } from './support/lambda-delivery';
import { alarmOf, concurrencySteps, entryPoint, isMutating, ladderSteps, memorySteps, playbookCases, scaleConsumersCase, scheduledHealthChecks, verifyChangeCase, type PlaybookCase } from './support/playbook-cases';
import type { RuntimeConfig } from '../../../shared/config/load-config';

// Provisioning a topology, four timed-out attempts and a retry, on a loaded machine.
jest.setTimeout(240_000);

const control = (): string => {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
};

/** Short enough for a test, long enough that the emulator's ordinary answers on a loaded machine come within it. */
const REQUEST_TIMEOUT_MS = 3000;
/** The project's SDK attempts per call (shared/aws/client-config.ts): each one is held, and each times out. */
const SDK_ATTEMPTS = 4;
/**
 * A guard, not a timing assertion: should the timeout not fire, the rules are removed at this point, letting the held
 * call go (503, then the SDK's retry passes), so the case fails on its outcome instead of hanging.
 */
const GUARD_MS = 90_000;

/**
 * The start every case shares: the row's account provisioned with the short request timeout in its configuration, the
 * row's alarm arranged, the decisions published so far drained.
 */
async function arrangeWithTimeout(playbook: PlaybookCase, configJson: Record<string, unknown> = {}) {
  const account = await provisionAccount(playbook.environment, {
    RUNBOOK_CONFIG_JSON: JSON.stringify({ ...playbook.configJson, ...configJson, sdkTimeouts: { requestTimeoutMs: REQUEST_TIMEOUT_MS } }),
  });
  const runtime = loadRuntimeConfig(process.env);
  const event = await playbook.arrange(account);
  await publishedDecisions(account);
  return { account, runtime, event, scope: { accountId: account.accountId } };
}

/** The row's change calls among `calls`, in the account `accountId`. */
function changeCallsOf(playbook: PlaybookCase, calls: readonly AwsOperation[], accountId: string): AwsOperation[] {
  return calls.filter((c) => c.accountId === accountId && playbook.changeCalls.some((api) => api.service === c.service && api.operation === c.operation));
}

/** Where the proxy's call log stands now: pass it to `getProxyCalls` to read only the calls made since. */
async function callMark(): Promise<number> {
  return await getProxyCallCount(control());
}

/** How many times each fault fired. */
function firedCounts(faults: readonly ActiveFault[]): number[] {
  return faults.map((f) => f.times - f.remaining);
}

/** A PutItem applied by the emulator whose answer is kept far past the request timeout (then dropped): the SDK retries it. */
const LOST_PUT_ITEM_ANSWER = { service: 'dynamodb', operation: 'PutItem', times: 1, answerLost: true as const, latencyMs: 20 * REQUEST_TIMEOUT_MS };
/**
 * A takeover's answer lost: the account's first PutItem (the claim that creates only, refused by the record there, which
 * it answers) passes through a 1 ms rule that counts it; the second, the takeover conditioned on that record, is applied
 * and its answer lost past the timeout (review 21c R21c-3: a claim takes over in a second PutItem).
 */
const LOST_TAKEOVER_ANSWER = [{ service: 'dynamodb', operation: 'PutItem', times: 1, latencyMs: 1 }, LOST_PUT_ITEM_ANSWER];
/** Publishing a decision fails at every SDK attempt: the delivery fails transiently and gives its claim back. */
const PUBLISH_FAILS = { service: 'events', operation: 'PutEvents', times: SDK_ATTEMPTS, status: 503, code: 'ServiceUnavailable' };

/**
 * Sets `rules` in the account `scope`, runs `deliver`, reads the faults as they stand after it (`fired`), and removes
 * whatever rules are left, whether the delivery returned or threw.
 */
async function deliverWithFaults(
  scope: { accountId: string },
  rules: Parameters<typeof setProxyFaults>[1],
  deliver: () => Promise<DeliveryResult>,
): Promise<{ result: DeliveryResult; fired: ActiveFault[] }> {
  await setProxyFaults(control(), rules, scope);
  try {
    const result = await deliver();
    return { result, fired: await getProxyFaults(control(), scope) };
  } finally {
    await clearProxyFaults(control(), scope);
  }
}

/**
 * Delivery 1 under PUBLISH_FAILS (its change made, its decision not published: transient, claim given back). Before
 * Lambda's retry: what delivery 1 left is read (its publish faults, its change calls since `since`), its rules removed,
 * `betweenDeliveries` run; then delivery 2's takeover PutItem (the account's second in the delivery) is applied and its
 * answer lost past the timeout, so the SDK retries the same PutItem, which its own item refuses.
 */
async function takeoverLosesClaimAnswer(
  playbook: PlaybookCase,
  account: SandboxAccount,
  scope: { accountId: string },
  delivery: { handler: ReturnType<typeof entryPoint>; event: unknown; since: number },
  betweenDeliveries: () => Promise<unknown>,
) {
  let publishFaults: ActiveFault[] = [];
  let firstDeliveryChanges = -1;
  const { result, fired: lostFaults } = await deliverWithFaults(scope, [PUBLISH_FAILS], () =>
    deliverAsynchronously(delivery.handler, delivery.event, {
      beforeRetry: async (attempt) => {
        if (attempt !== 2) return;
        publishFaults = await getProxyFaults(control(), scope);
        firstDeliveryChanges = changeCallsOf(playbook, await getProxyCalls(control(), delivery.since), account.accountId).length;
        await clearProxyFaults(control(), scope);
        await betweenDeliveries();
        await setProxyFaults(control(), LOST_TAKEOVER_ANSWER, scope);
      },
    }),
  );
  return { result, publishFaults, firstDeliveryChanges, lostFaults };
}

/** What the deliveries since `since` left: the row's change calls, the knob, the decisions published (drained). */
async function outcomeSince(playbook: PlaybookCase, account: SandboxAccount, since: number) {
  const changes = changeCallsOf(playbook, await getProxyCalls(control(), since), account.accountId).length;
  const after = await playbook.knob.read(account);
  const published = await publishedDecisions(account);
  return { changes, after, published };
}

/** The delivery's end in a log line: its outcome, on which delivery, why, and the errors thrown before it. */
function deliverySummary(result: DeliveryResult): string {
  return `${result.decision?.outcome ?? 'not completed'} on delivery ${result.attempts} (${result.decision?.reason ?? ''}); errors ${result.errors.map((e) => e.name).join() || 'none'}`;
}

/**
 * Per row, a read the handler makes once, after its claim (the claim's PutItem comes first: asserted from the call log).
 * Not verify-change's GetMetricData: its figures are read several at once, so their attempts share the rule's holds and
 * the SDK's later attempts pass (seen: 5 held, the check completed on delivery 1).
 */
const HELD_READ: Record<PlaybookCase['row'], Pick<AwsOperation, 'service' | 'operation'>> = {
  'scale-consumers': { service: 'sqs', operation: 'GetQueueAttributes' },
  'raise-lambda-memory': { service: 'lambda', operation: 'GetFunctionConfiguration' },
  'scale-up-database': { service: 'rds', operation: 'DescribeDBInstances' },
  'verify-change': { service: 'lambda', operation: 'ListEventSourceMappings' },
};

describe.each(playbookCases.map((c) => [c.row, c] as const))('%s when a read never answers', (_row, playbook) => {
  it('fails the read at the request timeout, logs a transient failure, changes nothing, releases the claim; the retry changes once', async () => {
    const { account, runtime, event, scope } = await arrangeWithTimeout(playbook);
    expect(runtime.config.sdkTimeouts).toEqual({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
    // The entry point Lambda runs, loaded as a new container would, logging its errors to the console (read here).
    const logged: Array<Record<string, unknown>> = [];
    Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_DEV: 'true' });
    const errorLog = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(JSON.parse(String(args[0])) as Record<string, unknown>));
    const handler = entryPoint(playbook);
    Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
    delete process.env.POWERTOOLS_DEV;
    const before = await playbook.knob.read(account);
    const read = HELD_READ[playbook.row];
    // One more than the SDK's attempts, so a fifth attempt would be held too and show in the count.
    // Let go, a held call is failed (503) and never reaches the emulator.
    const rule = { ...read, times: SDK_ATTEMPTS + 1, hold: true as const, status: 503, code: 'ServiceUnavailable' };
    const since = await callMark();
    await setProxyFaults(control(), [rule], scope);
    const guard = setTimeout(() => void clearProxyFaults(control(), scope), GUARD_MS);
    let heldAtFailure: ActiveFault[] = [];
    let firstDeliveryCalls: AwsOperation[] = [];
    let result;
    try {
      result = await deliverAsynchronously(handler, event, {
        // Before Lambda's retry: what the first delivery left, then the held attempts let go and the rule removed.
        beforeRetry: async (attempt) => {
          if (attempt !== 2) return;
          heldAtFailure = await getProxyFaults(control(), scope);
          firstDeliveryCalls = (await getProxyCalls(control(), since)).filter((c) => c.accountId === account.accountId);
          await clearProxyFaults(control(), scope);
        },
      });
    } finally {
      clearTimeout(guard);
      errorLog.mockRestore();
      await clearProxyFaults(control(), scope);
    }
    const isHeldRead = (c: AwsOperation): boolean => c.service === read.service && c.operation === read.operation;
    const changeCalls = changeCallsOf(playbook, await getProxyCalls(control(), since), account.accountId);
    const after = await playbook.knob.read(account);
    const published = await publishedDecisions(account);
    const transient = logged.find((line) => line.message === 'transient failure: the event will be retried');
    console.log(
      `request-timeout: ${playbook.row}: ${read.service}:${read.operation} held ${JSON.stringify(heldAtFailure.map((f) => ({ held: f.held, remaining: f.remaining })))}; ` +
        `delivery 1 threw ${result.errors[0]?.name ?? 'nothing'} (${result.errors[0]?.message ?? ''}); ${result.decision?.outcome ?? 'not completed'} on delivery ${result.attempts}; ` +
        `${changeCalls.length} change call(s) (${playbook.knob.name} ${before} -> ${after})`,
    );

    // The first delivery failed on the timed-out read, as transient (Lambda retries it), naming the timeout.
    expect(result.errors.map((e) => e.name)).toEqual(['TransientError']);
    expect(result.errors[0]?.message).toMatch(new RegExp(`TimeoutError: .*exceeded the configured ${REQUEST_TIMEOUT_MS} ms requestTimeout`));
    // The hold fired exactly once per SDK attempt: each attempt was held, timed out and retried; the fifth never came.
    expect(heldAtFailure.map((f) => ({ held: f.held, remaining: f.remaining }))).toEqual([{ held: SDK_ATTEMPTS, remaining: 1 }]);
    // The read was made under the claim: the claim's conditional PutItem came before it.
    const claimAt = firstDeliveryCalls.findIndex((c) => c.service === 'dynamodb' && c.operation === 'PutItem');
    expect(claimAt).toBeGreaterThanOrEqual(0);
    expect(claimAt).toBeLessThan(firstDeliveryCalls.findIndex(isHeldRead));
    // Nothing changed: no call of the first delivery touched the service's resources (its only writes: the state table's).
    expect(firstDeliveryCalls.filter((c) => isMutating(c.operation) && c.service !== 'dynamodb').map((c) => `${c.service}:${c.operation}`)).toEqual([]);
    // Logged with its error, once.
    expect(transient).toMatchObject({ level: 'ERROR', error: { name: 'TransientError', message: expect.stringContaining('TimeoutError') } });
    // Nothing lost: the claim was given back, so Lambda's retry (at once here, well inside the lease) took it and made
    // the change exactly once, recorded and published once.
    expect(result.attempts).toBe(2);
    expect({ made: playbook.made(result.decision), changes: changeCalls.length, after }).toEqual({ made: true, changes: 1, after: playbook.knob.afterOneChange(account, runtime) });
    expect(await auditEntries(account, result.decision?.resource?.arn ?? '')).toHaveLength(playbook.auditEntries);
    expect(published.map((d) => d.outcome)).toEqual([playbook.publishedOutcome]);
  });
});

describe.each(playbookCases.map((c) => [c.row, c] as const))('%s when its claim is written but the answer comes too late', (_row, playbook) => {
  it("takes the claim its own timed-out attempt wrote (the SDK's retry is refused by it) and makes the change once", async () => {
    const { account, runtime, event, scope } = await arrangeWithTimeout(playbook);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    // The claim's PutItem (the account's first in the delivery) reaches the emulator and is applied; its answer is kept
    // far past the request timeout (then dropped), so the SDK times the attempt out and retries the same PutItem.
    const since = await callMark();
    const { result, fired } = await deliverWithFaults(scope, [LOST_PUT_ITEM_ANSWER], () => deliverAsynchronously(handler, event));
    const { changes, after, published } = await outcomeSince(playbook, account, since);
    console.log(
      `request-timeout: ${playbook.row}: claim answer lost past the timeout (fired ${firedCounts(fired).join()}) -> ${deliverySummary(result)}; ` +
        `${changes} change call(s) (${playbook.knob.name} ${before} -> ${after}); published ${published.map((d) => d.outcome).join() || 'nothing'}`,
    );

    // The fault fired once: the first claim attempt was applied and its answer lost.
    expect(firedCounts(fired)).toEqual([1]);
    // Not a duplicate of itself: the change made exactly once, in the first delivery, recorded and published once.
    expect({ made: playbook.made(result.decision), attempts: result.attempts, changes, after }).toEqual({
      made: true,
      attempts: 1,
      changes: 1,
      after: playbook.knob.afterOneChange(account, runtime),
    });
    expect(await auditEntries(account, result.decision?.resource?.arn ?? '')).toHaveLength(playbook.auditEntries);
    expect(published.map((d) => d.outcome)).toEqual([playbook.publishedOutcome]);
  });
});

// Review 20d R20-60 (decisions 338, 340), and review 21c R21c-3: attempt A applies its change, then fails transiently
// (publishing its decision) and gives its claim back; retry B's takeover PutItem replaces A's claim, intent included, and
// B's answer is lost, so the SDK's retry is refused by B's own item. Planning afresh would add a second step to the one A
// made (scale-consumers + stepConcurrency, raise-lambda-memory one more memory step, scale-up-database one more rung;
// the guardrails let this incident's own reservation through). Since R21c-3 B read A's claim before its takeover (the
// refusal of its first PutItem, which creates only) and the takeover is conditioned on it: B knows A's intent, finds the
// change made and records it (applied by an earlier attempt), as a takeover whose answer came back does.
// Each row is given room for a second step, so that only A's intent holds it back (planted: the intent not handed on ->
// 2 changes): without it, raise-lambda-memory's corroboration (a REPORT line at the current MemorySize) and staging's
// two-rung ladder would hold it back on their own. The room is a real situation: the function ran out of memory again at
// its new size before the retry; a staging ladder of three rungs.
interface SecondStepRoom {
  configJson?: Record<string, unknown>;
  beforeSecondDelivery?(account: SandboxAccount): Promise<unknown>;
  /** The knob after two steps from the arranged state, from the configuration: what knowing A's intent prevents. */
  afterTwoChanges(account: SandboxAccount, runtime: RuntimeConfig): number | string;
}
const SECOND_STEP_ROOM: Record<Exclude<PlaybookCase['row'], 'verify-change'>, SecondStepRoom> = {
  'scale-consumers': { afterTwoChanges: (account, runtime) => concurrencySteps(account.topology.consumer.maximumConcurrency, runtime)[2] ?? NaN },
  'raise-lambda-memory': {
    beforeSecondDelivery: (account) => writeOutOfMemoryLines(account),
    afterTwoChanges: (account, runtime) => memorySteps(account.topology.consumer.memoryMb, runtime)[2] ?? NaN,
  },
  'scale-up-database': {
    configJson: { environments: { staging: { scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge'] } } } },
    afterTwoChanges: (account, runtime) => ladderSteps(account.topology.database.instanceClass, runtime)[2] ?? '(top of the ladder)',
  },
};
const alarmRows = playbookCases.flatMap((c) => (c.row === 'verify-change' ? [] : [[c.row, c, SECOND_STEP_ROOM[c.row]] as const]));
describe.each(alarmRows)('%s when a takeover of an applied attempt loses its claim answer', (_row, playbook, room) => {
  it("does not apply a second step: one change call, the knob one step up, recorded as the earlier attempt's change and published", async () => {
    const { account, runtime, event, scope } = await arrangeWithTimeout(playbook, room.configJson);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    const since = await callMark();
    // Delivery 1: the change is applied, then publishing its decision fails at every SDK attempt: transient, claim released.
    // Delivery 2: its takeover PutItem is applied, its answer lost past the timeout.
    const { result, publishFaults, firstDeliveryChanges, lostFaults } = await takeoverLosesClaimAnswer(playbook, account, scope, { handler, event, since }, async () =>
      room.beforeSecondDelivery?.(account),
    );
    const { changes, after, published } = await outcomeSince(playbook, account, since);
    console.log(
      `request-timeout: ${playbook.row}: takeover's claim answer lost after an applied attempt (publish fired ${firedCounts(publishFaults).join()}, ` +
        `lost fired ${firedCounts(lostFaults).join()}) -> ${deliverySummary(result)}; ${changes} change call(s) (${playbook.knob.name} ${before} -> ${after}; ` +
        `one step ${playbook.knob.afterOneChange(account, runtime)}, two ${room.afterTwoChanges(account, runtime)})`,
    );

    // Both faults fired: delivery 1's publish failed at each SDK attempt; delivery 2's first PutItem passed (counted) and
    // its takeover's answer was lost once.
    expect(firedCounts(publishFaults)).toEqual([SDK_ATTEMPTS]);
    expect(firedCounts(lostFaults)).toEqual([1, 1]);
    // Exactly one change, by delivery 1: the knob one step up from where it was arranged, not two.
    expect({ firstDeliveryChanges, changes, after }).toEqual({ firstDeliveryChanges: 1, changes: 1, after: playbook.knob.afterOneChange(account, runtime) });
    // There was room for a second step (so A's intent, not a cap, held it back).
    expect(new Set([before, after, room.afterTwoChanges(account, runtime)]).size).toBe(3);
    // Delivery 2 changed nothing and recorded A's change from A's intent: published once (delivery 1 published nothing).
    expect(result.errors.map((e) => e.name)).toEqual(['TransientError']);
    expect(result.attempts).toBe(2);
    expect(playbook.made(result.decision)).toBe(true);
    expect(result.decision?.reason).toMatch(/ \(applied by an earlier attempt, recorded on retry\)$/);
    expect(published.map((d) => ({ outcome: d.outcome, reason: d.reason }))).toEqual([{ outcome: playbook.publishedOutcome, reason: result.decision?.reason }]);
  });
});

// Review 20d R20-61 (decision 343): scale-up-database's ModifyDBInstance is applied, its answer is lost past the request
// timeout, and the SDK's retry of the same call meets RDS's refusal of a modification while the instance is `modifying`
// (InvalidDBInstanceState, 400: played by the gap proxy's rdsModifying rule, moto models no such state). Taken as the
// failure it says, the decision read "remediation failed", the reservation was given back and nobody watched the change
// AWS goes on making. apply reads the instance again and finds the class planned: the change is recorded applied.
const database = playbookCases.find((c) => c.row === 'scale-up-database');
if (!database) throw new Error('no scale-up-database playbook case');
describe('scale-up-database when its ModifyDBInstance is applied but the answer comes too late', () => {
  it("takes the refusal of the SDK's retry (the instance modifying) as its own change: recorded applied, reservation kept, health check scheduled", async () => {
    const playbook = database;
    const { account, runtime, event, scope } = await arrangeWithTimeout(playbook);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    const since = await callMark();
    // The account's first ModifyDBInstance reaches the emulator (the class changes) and leaves the instance modifying;
    // its answer is kept far past the request timeout (then dropped), so the SDK times the attempt out and sends it again.
    const rule = { service: 'rds', operation: 'ModifyDBInstance', times: 1, answerLost: true as const, latencyMs: 20 * REQUEST_TIMEOUT_MS, rdsModifying: true as const };
    const { result, fired } = await deliverWithFaults(scope, [rule], () => deliverAsynchronously(handler, event));
    const { changes: modifyCalls, after, published } = await outcomeSince(playbook, account, since);
    const arn = result.decision?.resource?.arn ?? '';
    const state = await resourceState(account, arn);
    const checks = await scheduledHealthChecks(account);
    console.log(
      `request-timeout: ${playbook.row}: ModifyDBInstance answer lost past the timeout (fired ${firedCounts(fired).join()}, retries refused ${fired.map((f) => f.refused).join()}) -> ` +
        `${deliverySummary(result)}; ${modifyCalls} ModifyDBInstance call(s) (${playbook.knob.name} ${before} -> ${after}); health checks ${checks.length}; published ${published.map((d) => d.outcome).join() || 'nothing'}`,
    );

    // The fault fired: the first attempt was applied and its answer lost; the SDK's retry was refused, once.
    expect(fired.map((f) => ({ fired: f.times - f.remaining, refused: f.refused }))).toEqual([{ fired: 1, refused: 1 }]);
    // One change, made by the first attempt: two calls (the applied one and its refused retry), one class step.
    expect({ modifyCalls, after }).toEqual({ modifyCalls: 2, after: playbook.knob.afterOneChange(account, runtime) });
    // Recorded applied on the first delivery, with its health check scheduled and its reservation kept.
    expect({ outcome: result.decision?.outcome, attempts: result.attempts, errors: result.errors.length }).toEqual({ outcome: 'applied', attempts: 1, errors: 0 });
    expect(result.decision?.healthCheck).toMatchObject({ schedule: expect.any(String) });
    expect(checks).toHaveLength(1);
    expect(result.decision?.incidentKey).toEqual(expect.any(String));
    expect(state).toMatchObject({ lastIncidentKey: result.decision?.incidentKey, changeTimesSeconds: [expect.any(Number)] });
    expect(await auditEntries(account, arn)).toHaveLength(playbook.auditEntries);
    expect(published.map((d) => d.outcome)).toEqual(['applied']);
  });
});

// Decision 345, and review 21c R21c-3: verify-change's own claim. Attempt A judges the scale-up worse, reverts it, writes
// its audit entry, then cannot publish (PutEvents 503 at each SDK attempt): transient, claim released with A's revert
// intent on it. Retry B's takeover PutItem replaces that claim, its answer lost. Before R21c-3 B did not know A reverted
// and read the trail for it (345); now B read A's claim from its first PutItem's refusal before taking it over, so it
// knows A's revert intent whether A's audit entry is there or not (A died between its revert and its record, arranged by
// deleting it): A's revert recorded and published (made-worse), nothing reverted or re-applied: one change call.
describe.each([
  ['its revert recorded in the audit trail', 'recorded'],
  ['its revert not recorded (the attempt died before its record)', 'unrecorded'],
] as const)('verify-change when a takeover of an attempt that reverted loses its claim answer: %s', (_title, trail) => {
  it("reverts nothing again (one change call) and publishes one escalation recording the earlier attempt's revert", async () => {
    const playbook = verifyChangeCase;
    const { account, runtime, event, scope } = await arrangeWithTimeout(playbook);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    const since = await callMark();
    let deletedEntries = 0;
    const { result, publishFaults, firstDeliveryChanges, lostFaults } = await takeoverLosesClaimAnswer(playbook, account, scope, { handler, event, since }, async () => {
      if (trail !== 'unrecorded') return;
      // A's record of its revert: the health check's audit entry (an escalation carrying after.reverted).
      const table = account.topology.stateTable.name;
      const items = (await account.dynamo.send(new ScanCommand({ TableName: table }))).Items ?? [];
      const reverts = items.filter((item) => String(item.sk).startsWith('AUDIT#') && (item.decision as { after?: { reverted?: unknown } } | undefined)?.after?.reverted !== undefined);
      for (const item of reverts) await account.dynamo.send(new DeleteCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
      deletedEntries = reverts.length;
    });
    const { changes, after, published } = await outcomeSince(playbook, account, since);
    console.log(
      `request-timeout: verify-change (${trail}): takeover's claim answer lost after a revert (publish fired ${firedCounts(publishFaults).join()}, ` +
        `lost fired ${firedCounts(lostFaults).join()}, audit entries deleted ${deletedEntries}) -> ${result.decision?.outcome ?? 'not completed'} ` +
        `(${result.decision?.escalation?.cause ?? ''}) on delivery ${result.attempts} (${result.decision?.reason ?? ''}); ${changes} change call(s) (${playbook.knob.name} ${before} -> ${after})`,
    );

    expect(firedCounts(publishFaults)).toEqual([SDK_ATTEMPTS]);
    expect(firedCounts(lostFaults)).toEqual([1, 1]);
    expect(deletedEntries).toBe(trail === 'unrecorded' ? 1 : 0);
    // One revert, by delivery 1: back to the value before the scale-up; delivery 2 changed nothing.
    expect({ firstDeliveryChanges, changes, after }).toEqual({ firstDeliveryChanges: 1, changes: 1, after: playbook.knob.afterOneChange(account, runtime) });
    expect(result.errors.map((e) => e.name)).toEqual(['TransientError']);
    expect(result.attempts).toBe(2);
    // From A's revert intent, the trail not needed: the same decision either way.
    expect(playbook.made(result.decision)).toBe(true);
    expect(result.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(result.decision?.reason).toContain(' (applied by an earlier attempt, recorded on retry)');
    expect(published.map((d) => ({ outcome: d.outcome, reason: d.reason }))).toEqual([{ outcome: 'escalate', reason: result.decision?.reason }]);
  });
});

// Decision 354's case, and review 21c R21c-3: decision 118's forged claim (the OK incident's, its holder "dead", an intent
// to "restore" MaximumConcurrency to 2 in a direction no version writes) taken over by a PutItem whose answer is lost.
// Under 354 the forged item went with that answer (the takeover's ALL_OLD): not refused, not reported. Now the claim's
// first PutItem (creates only) is refused by the forged item and answers it; the takeover, conditioned on that item,
// replaces it with its answer lost: the forged record was read before, and is refused and escalated as when the answer
// comes back (state-record-shape.test.ts through the handler), acting on nothing it says.
describe('scale-consumers when a takeover of a forged claim loses its answer', () => {
  it('acts on nothing the forged claim says, and refuses and escalates it: the record it replaced was read first', async () => {
    const playbook = scaleConsumersCase;
    const { account, event, scope } = await arrangeWithTimeout(playbook);
    const handler = entryPoint(playbook);
    const applied = await handler(event);
    expect(applied).toMatchObject({ outcome: 'applied' });
    await publishedDecisions(account);
    const scaled = await playbook.knob.read(account);
    const ok = (await account.transition(alarmOf(account, 'scale-consumers'), 'OK')) as { resources: string[]; detail: { state: { timestamp: string } } };
    const incidentKey = `${ok.resources[0]}#${ok.detail.state.timestamp}`;
    const claimKey = { pk: `INCIDENT#${incidentKey}`, sk: 'CLAIM#scale-consumers' };
    await putForgedClaim(account, claimKey);
    const since = await callMark();
    const { result, fired: lostFaults } = await deliverWithFaults(scope, LOST_TAKEOVER_ANSWER, () => deliverAsynchronously(handler, ok));
    const calls = (await getProxyCalls(control(), since)).filter((c) => c.accountId === account.accountId);
    const changes = changeCallsOf(playbook, calls, account.accountId).length + calls.filter((c) => c.service === 'lambda' && c.operation === 'PutFunctionConcurrency').length;
    const after = await playbook.knob.read(account);
    const claim = (await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: claimKey, ConsistentRead: true }))).Item;
    const published = await publishedDecisions(account);
    console.log(
      `request-timeout: forged claim taken over, answer lost (fired ${firedCounts(lostFaults).join()}) -> ${deliverySummary(result)}; ${changes} change call(s) (${playbook.knob.name} ${scaled} -> ${after}); ` +
        `claim ${JSON.stringify({ status: claim?.status, owner: claim?.owner === 'forged-owner' ? 'forged' : 'ours', intent: claim?.intent })}; published ${published.map((d) => d.outcome).join() || 'nothing'}`,
    );

    // The faults fired: the first PutItem passed (refused by the forged item, which it answered); the takeover was
    // applied (the forged item replaced) and its answer lost.
    expect(firedCounts(lostFaults)).toEqual([1, 1]);
    // Nothing the forged claim says was done: no change call, MaximumConcurrency still 100 (the forged intent: 2).
    expect({ changes, after }).toEqual({ changes: 0, after: scaled });
    expect(scaled).toBe(100);
    // Refused and escalated once, naming the record and the field (decision 118), as when the takeover's answer comes back.
    expect(result.errors).toEqual([]);
    expect(result.attempts).toBe(1);
    expect(result.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
    expect(result.decision?.reason).toContain(`state table record ${claimKey.pk} / ${claimKey.sk} is not one the automation writes, refused: intent.direction`);
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
    // The claim is this delivery's, completed with the escalation; the forged item is gone, its intent with it.
    expect(claim).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
    expect(claim?.owner).not.toBe('forged-owner');
    expect(claim?.intent).toBeUndefined();
  });
});
