// Review 20a R20-4: the README's "each message to a tier is a conditional claim in the state table, checked against the
// incident's status in the same transaction" on the emulator. The L2 timer reads the incident OPEN; the gap proxy holds
// its claim's TransactWriteItems (a hold rule: no race on time) while the incident is acknowledged (runbook ack) or
// resolved (the alarm's OK); then lets it go. Only the transaction's ConditionCheck (moto evaluates it) can stop the
// page now: L2 is not notified, no send is recorded, and the handler logs why.
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ackCommand } from '../../../cli/ack';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { InboxMessage } from '../../../sandbox/escalation-inbox';
import { clearProxyFaults, getProxyFaults, releaseProxyHolds, setProxyFaults } from '../../../sandbox/proxy-control';
import { provisionAccount, putQueueDepth } from '../support/sandbox-account';
import { consumersAtCap, escalationHarness, NO_REGROUPING_ENV, type EscalationHarness } from '../support/escalation-harness';
import { callMark, callsSince } from '../support/proxy-calls';
import { loadHandler } from '../../support/load-handler';

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

interface Harness extends EscalationHarness {
  /** The escalation timer's log lines (Powertools development mode writes them to the console), parsed. */
  timerLog: Array<Record<string, unknown>>;
}

async function harness(): Promise<Harness> {
  // Each case opens a fresh incident seconds after the last one resolved: grouping is off (decision 204), as in
  // escalation.test.ts's acknowledgement cases.
  const account = await provisionAccount('production', NO_REGROUPING_ENV);
  const timerLog: Array<Record<string, unknown>> = [];
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_DEV: 'true' });
  jest.spyOn(console, 'info').mockImplementation((...args: unknown[]) => void timerLog.push(JSON.parse(String(args[0])) as Record<string, unknown>));
  const timer = loadHandler<EscalationHandler>('escalation-timer');
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  delete process.env.POWERTOOLS_DEV;
  // The consumers at the production cap (400): scale-consumers escalates instead of scaling.
  await consumersAtCap(account);
  return { ...(await escalationHarness(account, { inboxPrefix: 'claim-race-inbox', timer })), timerLog };
}

/** The queue alarm fires; scale-consumers escalates; escalate opens the incident and pages L1. Returns the incident's id. */
async function openedAtL1(h: Harness): Promise<string> {
  await putQueueDepth(h.account);
  await h.scaleConsumers(await h.account.transition(h.alarmName, 'ALARM', 'Threshold Crossed: 1 out of the last 1 datapoints [1500.0 (07/12/26 14:00:00)] was greater than the threshold (1000.0)'));
  const url = h.account.topology.decisionRoute.url;
  const received = await h.account.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  for (const m of received.Messages ?? []) await h.account.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  const [decision] = received.Messages ?? [];
  if (!decision) throw new Error('scale-consumers published no decision');
  const opened = await h.escalate(JSON.parse(decision.Body ?? '{}'));
  expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
  expect(channelsOf(await h.inbox.read())).toEqual(['L1 opened:chat', 'L1 opened:email']);
  return opened.incidentId ?? '';
}

function channelsOf(messages: readonly InboxMessage[]): string[] {
  return messages.map((m) => `L${m.level} ${m.kind}:${m.channel}`).sort();
}

async function item(h: Harness, incidentId: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const key = { pk: `ESCALATION#${incidentId}`, sk };
  return (await h.account.dynamo.send(new GetCommand({ TableName: h.account.topology.stateTable.name, Key: key, ConsistentRead: true }))).Item;
}

/**
 * The L2 timer (as its schedule delivers it; the timer does not judge the time, Scheduler does) run with its claim's transaction held at the proxy; `meanwhile` runs once the
 * proxy holds it, i.e. after the timer read the incident OPEN; then the transaction is let go. Returns the timer's result
 * and the calls it and `meanwhile` made.
 */
async function timerWithClaimHeld(h: Harness, incidentId: string, meanwhile: () => Promise<void>): Promise<{ result: unknown; calls: string[] }> {
  const scope = { accountId: h.account.accountId };
  const since = await callMark();
  await setProxyFaults(control(), [{ service: 'dynamodb', operation: 'TransactWriteItems', times: 1, hold: true }], scope);
  try {
    // Settled either way, so a failure in between (the hold let go by the `finally`) leaves no rejection unhandled.
    const firing = h.timer({ action: 'escalate', incidentId, level: 2, alarm: { name: h.alarmName, account: h.account.accountId } }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    let held = 0;
    for (let polls = 0; polls < 3_000 && held === 0; polls += 1) {
      held = (await getProxyFaults(control(), scope))[0]?.held ?? 0;
      if (held === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The hold fired, once, on the timer's first transaction (the claim: nothing before it in the timer writes one).
    expect(held).toBe(1);
    expect(await item(h, incidentId, 'INCIDENT')).toMatchObject({ status: 'OPEN', level: 1 });
    await meanwhile();
    expect(await releaseProxyHolds(control(), scope)).toBe(1);
    const settled = await firing;
    if ('error' in settled) throw settled.error;
    const { result } = settled;
    expect((await getProxyFaults(control(), scope)).map((f) => [f.remaining, f.held])).toEqual([[0, 0]]);
    return { result, calls: await callsSince(since, [h.account.accountId]) };
  } finally {
    await clearProxyFaults(control(), scope);
  }
}

describe('a tier claimed after its incident was acknowledged or resolved is not notified (review 20a R20-4)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness();
  });

  afterAll(() => {
    jest.restoreAllMocks();
  });

  it('an acknowledgement between the timer\'s read and its claim: the claim\'s status check refuses it, L2 is not paged', async () => {
    const incidentId = await openedAtL1(h);
    h.timerLog.length = 0;
    const { result, calls } = await timerWithClaimHeld(h, incidentId, async () => {
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        expect(await ackCommand(incidentId, { by: 'alice@example.com' })).toBe(0);
      } finally {
        log.mockRestore();
      }
      expect(await item(h, incidentId, 'INCIDENT')).toMatchObject({ status: 'ACKNOWLEDGED' });
    });

    expect(result).toEqual({ action: 'stopped', incidentId, reason: 'Cloud Infrastructure Team (L2) was already notified or the incident changed', delivered: [] });
    expect(await h.inbox.read()).toEqual([]);
    expect(await item(h, incidentId, 'SEND#notify#L2')).toBeUndefined();
    expect(await item(h, incidentId, 'INCIDENT')).toMatchObject({ status: 'ACKNOWLEDGED', level: 1 });
    // The claim's transaction was made once and nothing was published or scheduled after it.
    expect(calls.filter((c) => c === 'dynamodb:TransactWriteItems')).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('sns:') || c.startsWith('support:') || c === 'scheduler:CreateSchedule')).toEqual([]);
    expect(h.timerLog).toContainEqual(
      expect.objectContaining({ message: 'tier not notified: the incident is no longer OPEN (checked in the claim\'s transaction)', incidentId, tier: 'Cloud Infrastructure Team (L2)', tierLevel: 2, readAs: 'OPEN' }),
    );
    expect(h.timerLog).toContainEqual(expect.objectContaining({ message: 'escalation: stopped', result }));

    // Tidy: the OK resolves it (L1 told), so the next case opens its own incident.
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    expect(channelsOf(await h.inbox.read())).toEqual(['L1 resolved:chat', 'L1 resolved:email']);
  });

  it('a resolution between the timer\'s read and its claim: L1 is told it resolved, L2 is never paged', async () => {
    const incidentId = await openedAtL1(h);
    h.timerLog.length = 0;
    const { result } = await timerWithClaimHeld(h, incidentId, async () => {
      expect(await h.escalate(await h.account.transition(h.alarmName, 'OK'))).toMatchObject({ action: 'resolved', delivered: [{ level: 1 }] });
      expect(await item(h, incidentId, 'INCIDENT')).toMatchObject({ status: 'RESOLVED' });
    });

    expect(result).toMatchObject({ action: 'stopped', incidentId, delivered: [] });
    expect(channelsOf(await h.inbox.read())).toEqual(['L1 resolved:chat', 'L1 resolved:email']);
    expect(await item(h, incidentId, 'SEND#notify#L2')).toBeUndefined();
    expect(h.timerLog).toContainEqual(expect.objectContaining({ message: 'tier not notified: the incident is no longer OPEN (checked in the claim\'s transaction)', incidentId, tierLevel: 2 }));
  });
});
