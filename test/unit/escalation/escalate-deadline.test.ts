// Decision 312 (amends 306): escalate's calls under the invocation's deadline, as escalation-timer's. Its clients were
// bound since 306 but nothing armed them, so escalate's first page and the kill switch's notice kept the window review
// 18b R18-10 found: a timeout between SNS's answer and the record left the send claimed with nothing delivered on
// record, and after the claim's lease the retry paged the tier again. Now escalate's handler arms the deadline from its
// Lambda context: every call is aborted with ESCALATION_CALL_RESERVE_MS left, and the writes that record a delivery or
// give its claim back (the incident's send and the kill switch notice log's) run until ESCALATION_RECORD_RESERVE_MS left.
//
// The real escalate handler, its real store, notifier, notice log, scheduler and alarm reader, over SDK clients whose
// `send` answers from memory or hangs until its AbortSignal aborts, on jest's fake clock running down as Lambda's does
// (test/support/escalation-deadline-world.ts, shared with escalation-timer's cases).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { createEscalateHandler } from '../../../shared/escalation/create-escalate-handler';
import { incidentIdFor } from '../../../shared/escalation/incident';
import { noticeLogKey } from '../../../shared/escalation/kill-switch-notice-log';
import { ESCALATION_CALL_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS } from '../../../shared/escalation/timer-deadline';
import { answerAfter, CALL_CUT_MS, expectPublishesCut, hang, handlerOptions, invoke as invokeHandler, publishesAnsweredJustInTime, publishesHang, TIMEOUT_MS, twoMinutesOn, world, useDeadlineClock, type Item, type World } from '../../support/escalation-deadline-world';
import { ALARM_ARN, ALARM_NAME, ALARM_TIME } from './fixtures';

/** One invocation of escalate with Lambda's 60 s (its timeout: infra DEFAULT_SIZING). */
const invoke = (w: World, event: unknown, warm?: EscalationHandler): ReturnType<typeof invokeHandler> => invokeHandler(w, createEscalateHandler, event, warm);

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '../../fixtures/events', name), 'utf8')) as Record<string, unknown>;

/** CloudWatch's documented ALARM state change, as the production queue alarm's (the state change DescribeAlarms answers). */
function queueAlarmFires(): Record<string, unknown> {
  const event = fixture('alarm-state-change-single-metric.json') as { resources: string[]; detail: { alarmName: string; state: { timestamp: string } } };
  event.resources = [ALARM_ARN];
  event.detail.alarmName = ALARM_NAME;
  event.detail.state.timestamp = ALARM_TIME;
  return event as unknown as Record<string, unknown>;
}

/** SSM's documented "Parameter Store Change" of the kill switch. */
const switchChanged = (): Record<string, unknown> => fixture('parameter-store-change-update.json');

const incidentId = incidentIdFor(`${ALARM_ARN}#${ALARM_TIME}`);
const L1 = 'DevOps Team (L1)';
const l1Send = (w: World): Item | undefined => w.table.get({ pk: `ESCALATION#${incidentId}`, sk: 'SEND#notify#L1' });
const notice = (w: World): Item | undefined => w.table.get(noticeLogKey('/notification-runbooks/kill-switch'));

/** Everything escalate calls before the L1 publishes of a new incident, all answered at once. */
const BEFORE_FIRST_PAGE = [
  'DynamoDB Query', // the incident's sends (read ahead)
  'CloudWatch DescribeAlarms', // the alarm, re-read where it lives
  'DynamoDB GetItem', // the alarm's latest incident (read ahead)
  'DynamoDB GetItem', // the incident
  'DynamoDB PutItem', // the alarm's index, the open list, the alarm's latest incident
  'DynamoDB PutItem',
  'DynamoDB PutItem',
  'DynamoDB PutItem', // the incident
  'DynamoDB TransactWriteItems', // L1's send claimed
  'STS GetCallerIdentity', // the account the topics and the timer function are in
  `Scheduler CreateSchedule (escalation-${incidentId}-l2)`, // L2's timer, made with the delivery
  'SNS Publish (chat)',
  'SNS Publish (email)',
].map((call) => ({ call, atMs: 0 }));

describe('escalate\'s calls under the invocation\'s deadline (decision 312; review 18b R18-10)', () => {
  useDeadlineClock();

  it('a first page that never answers: both publishes aborted at exactly 8 s left, L1\'s claim given back, nobody paged; the retry pages L1 once', async () => {
    const w = world();
    publishesHang(w);

    const cut = await invoke(w, queueAlarmFires());
    expectPublishesCut(w, cut);
    // The release runs in the 6 s kept for it; the incident's "next tier" note is work, not started with 8 s left (logged).
    expect(w.calls).toEqual([...BEFORE_FIRST_PAGE, { call: 'DynamoDB UpdateItem (release)', atMs: CALL_CUT_MS }]);
    expect(l1Send(w)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });

    // Lambda's retry of the event, 2 min on, SNS answering: the claim taken over at once (not after its lease), L1 paged once.
    twoMinutesOn(w);
    const retried = await invoke(w, queueAlarmFires());
    expect(retried.error).toBeUndefined();
    expect(retried.result).toMatchObject({ action: 'opened', incidentId, delivered: [{ kind: 'notify', level: 1, tier: L1, via: 'chat+email' }] });
    expect(w.pages).toEqual([
      { incidentId, tier: 'L1', channel: 'chat' },
      { incidentId, tier: 'L1', channel: 'email' },
    ]);
    expect(l1Send(w)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });
  });

  // Review 19 R19-9: a warm container's next invocation, through the same handler, is bound by its own time left.
  it('a warm container: the second invocation through the same handler is bound by its own time left, not the first\'s', async () => {
    const w = world();
    const handler = createEscalateHandler(handlerOptions(w));
    const first = await invoke(w, queueAlarmFires(), handler);
    expect(first.result).toMatchObject({ action: 'opened', incidentId });
    // Two minutes on, the first invocation's 60 s long over (its time left would be -60 s); the same alarm again.
    twoMinutesOn(w);
    const second = await invoke(w, queueAlarmFires(), handler);
    expect(second.error).toBeUndefined();
    expect(w.calls.length).toBeGreaterThan(0);
    expect(w.abortedAt).toEqual([]);
    expect(w.pages).toHaveLength(2);
  });

  it('a first page answered just before the calls\' deadline is recorded in the time kept after it: SENT, and the retry pages nobody again', async () => {
    const w = world();
    publishesAnsweredJustInTime(w);

    const done = await invoke(w, queueAlarmFires());
    expect(w.abortedAt).toEqual([]);
    expect(w.pages).toHaveLength(2);
    expect(w.calls.slice(BEFORE_FIRST_PAGE.length)).toEqual([
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: CALL_CUT_MS - 1 },
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: CALL_CUT_MS - 1 },
      { call: 'DynamoDB UpdateItem (complete)', atMs: CALL_CUT_MS - 1 },
    ]);
    expect(l1Send(w)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });
    // The incident's level is work: with 7 s left it is not started, and the invocation throws (Lambda retries).
    expect(done.answeredAtMs).toBe(CALL_CUT_MS + 999);
    expect(done.error?.message).toBe(`DynamoDB call not started: 7 s left, ${ESCALATION_CALL_RESERVE_MS / 1000} s kept to record or give back what was sent, and to answer`);

    // The retry finds L1's page SENT: nobody paged again; the level is written (and L2's timer, the same step, again).
    twoMinutesOn(w);
    const retried = await invoke(w, queueAlarmFires());
    expect(retried.result).toMatchObject({ action: 'opened', incidentId, delivered: [] });
    expect(w.pages).toHaveLength(2);
    expect(w.calls.map((c) => c.call)).toContain('DynamoDB UpdateItem (update)');
    expect(w.calls.map((c) => c.call)).not.toContain('SNS Publish (chat)');
  });

  it('the kill switch\'s notice that never answers: both publishes aborted at exactly 8 s left, the notice\'s claim given back, nobody told; the retry tells L1 once', async () => {
    const w = world();
    publishesHang(w);

    const cut = await invoke(w, switchChanged());
    expectPublishesCut(w, cut);
    expect(w.calls).toEqual([
      { call: 'STS GetCallerIdentity', atMs: 0 }, // the switch's account, checked against the event's
      { call: 'DynamoDB GetItem', atMs: 0 }, // the notice log
      { call: 'DynamoDB PutItem', atMs: 0 }, // the notice claimed
      { call: 'SNS Publish (chat)', atMs: 0 },
      { call: 'SNS Publish (email)', atMs: 0 },
      { call: 'DynamoDB UpdateItem (release)', atMs: CALL_CUT_MS },
    ]);
    expect(notice(w)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });

    twoMinutesOn(w);
    const retried = await invoke(w, switchChanged());
    expect(retried.result).toMatchObject({ action: 'announced', delivered: [{ kind: 'notify', level: 1, tier: L1, via: 'chat+email' }] });
    expect(w.pages.map((p) => `${p.tier} ${p.channel}`)).toEqual(['L1 chat', 'L1 email']);
    expect(notice(w)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });
  });

  it('the kill switch\'s notice answered just before the calls\' deadline is recorded and completed in the time kept after it; the retry finds it told', async () => {
    const w = world();
    publishesAnsweredJustInTime(w);

    const done = await invoke(w, switchChanged());
    expect(w.abortedAt).toEqual([]);
    expect(w.calls.slice(5)).toEqual([
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: CALL_CUT_MS - 1 },
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: CALL_CUT_MS - 1 },
      // Once both channels are on record (1 s each, at once), 7 s left: the completion is a record, so it runs.
      { call: 'DynamoDB UpdateItem (complete)', atMs: CALL_CUT_MS + 999 },
    ]);
    expect(done.result).toMatchObject({ action: 'announced', delivered: [{ kind: 'notify', level: 1, tier: L1, via: 'chat+email' }] });
    expect(done.answeredAtMs).toBe(CALL_CUT_MS + 1999);
    expect(notice(w)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });

    twoMinutesOn(w);
    const retried = await invoke(w, switchChanged());
    expect(retried.result).toMatchObject({ action: 'ignored', delivered: [] });
    expect(w.pages).toHaveLength(2);
  });

  it('the state table hanging on the record of a first page that went out: those writes are given up with 2 s left, and the invocation answers before its timeout', async () => {
    const w = world();
    w.recordWrite = (signal) => hang(signal, w.abortedAt);

    const cut = await invoke(w, queueAlarmFires());
    expect(w.pages).toHaveLength(2);
    expect(w.abortedAt).toEqual(Array<number>(3).fill(TIMEOUT_MS - ESCALATION_RECORD_RESERVE_MS));
    expect(cut.answeredAtMs).toBe(TIMEOUT_MS - ESCALATION_RECORD_RESERVE_MS);
    expect(cut.error?.message).toContain('CallDeadlineExceeded');
    expect(l1Send(w)).toMatchObject({ status: 'IN_PROGRESS', delivered: {} });
  });

  it('without a Lambda context (a direct call) nothing is bound: a first page answered after 70 s is waited for', async () => {
    const w = world();
    w.sns = (_channel, signal) => {
      expect(signal).toBeUndefined();
      return answerAfter(70_000, { MessageId: 'slow' }, signal, w.abortedAt);
    };
    const answered = createEscalateHandler(handlerOptions(w))(queueAlarmFires());
    await jest.advanceTimersByTimeAsync(70_000);
    await expect(answered).resolves.toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1, tier: L1 }] });
    expect(w.pages).toHaveLength(2);
  });
});
