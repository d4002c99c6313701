// Review 18b R18-10: the sweep's reserve did not bound a timer. One SDK call may take about 50 s (4 attempts of 2 s connect
// + 10 s request, and the backoff), and a timer cut off by escalation-timer's 60 s timeout after its SNS publish and
// before the publish was recorded left its send claimed with nothing delivered on record: after the claim's lease, the
// retry or the next sweep paged the tier again. Now every call is bound by the invocation's time left
// (shared/aws/call-deadline.ts, shared/escalation/timer-deadline.ts): a call of a timer's work is aborted with 8 s left,
// the writes that record a delivery or give its claim back run until 2 s left.
//
// The real escalation-timer handler, its real store, notifier, scheduler and alarm reader, over SDK clients whose `send`
// answers from memory or hangs until its AbortSignal aborts, on jest's fake clock (test/support/escalation-deadline-world.ts,
// shared with escalate's cases: escalate-deadline.test.ts).
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { createEscalationTimerHandler } from '../../../shared/escalation/create-escalation-timer-handler';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import { SWEEP_INPUT } from '../../../shared/escalation/timer-input';
import { ESCALATION_CALL_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS } from '../../../shared/escalation/timer-deadline';
import { answerAfter, CALL_CUT_MS, expectPublishesCut, hang, handlerOptions, invoke as invokeHandler, publishesAnsweredJustInTime, publishesHang, TIMEOUT_MS, twoMinutesOn, world, useDeadlineClock, type Item, type World } from '../../support/escalation-deadline-world';
import { ACCOUNT, ALARM_NAME, capReachedIncident } from './fixtures';

/** One invocation of escalation-timer with Lambda's 60 s (test/support/escalation-deadline-world.ts). */
const invoke = (w: World, event: unknown, warm?: EscalationHandler): ReturnType<typeof invokeHandler> => invokeHandler(w, createEscalationTimerHandler, event, warm);

/** L1 was paged at 14:00:05; L2 was due 15 min later, 17 min ago. */
const L2_DUE = '2026-11-25T14:15:05.000Z';
const L2 = 'Cloud Infrastructure Team (L2)';

/** Incidents whose L1 was paged and whose L2 timer Scheduler dropped, written as the store writes them. */
async function l1Paged(w: World, incidentIds: readonly string[]): Promise<void> {
  const store = new EscalationStore(w.table.client as never, { tableName: 'state', retentionDays: 90, leaseSeconds: 120 });
  for (const [i, incidentId] of incidentIds.entries()) {
    await store.create(capReachedIncident({ incidentId, incidentKey: `key-${i}`, level: 1, nextLevel: 2, nextEscalationAt: L2_DUE, ladderDueAt: L2_DUE }), new Date('2026-11-25T14:00:05.000Z'));
  }
}

const sendOf = (w: World, incidentId: string): Item | undefined => w.table.get({ pk: `ESCALATION#${incidentId}`, sk: 'SEND#notify#L2' });

describe('escalation-timer\'s calls under the invocation\'s deadline (review 18b R18-10)', () => {
  const timer = { action: 'escalate', incidentId: 'inc-aaaaaaaaaaa0', level: 2, alarm: { name: ALARM_NAME, account: ACCOUNT } };
  useDeadlineClock();

  it('a publish that never answers: aborted at exactly 8 s left, the claim given back, the invocation answers (thrown, so Lambda retries) inside its time; the retry pages L2 once', async () => {
    const w = world();
    await l1Paged(w, [timer.incidentId]);
    publishesHang(w);

    const cut = await invoke(w, timer);
    expectPublishesCut(w, cut);
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
      { call: 'DynamoDB UpdateItem (release)', atMs: CALL_CUT_MS },
    ]);
    // Given back: still IN_PROGRESS, its lease ended, nothing recorded delivered. The retry takes it at once.
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });

    // Lambda's retry, 2 min on, SNS answering: L2 paged once, by email and chat, and recorded SENT.
    twoMinutesOn(w);
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
    publishesAnsweredJustInTime(w);

    const done = await invoke(w, timer);
    expect(w.abortedAt).toEqual([]);
    expect(w.pages).toHaveLength(2);
    expect(w.calls.slice(8)).toEqual([
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: CALL_CUT_MS - 1 },
      { call: 'DynamoDB UpdateItem (record delivered)', atMs: CALL_CUT_MS - 1 },
      { call: 'DynamoDB UpdateItem (complete)', atMs: CALL_CUT_MS - 1 },
    ]);
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'SENT', delivered: { chat: 'm-1', email: 'm-2' } });
    // The incident's level is a write of the timer's work: with 7 s left it is not started, and the invocation throws.
    expect(done.answeredAtMs).toBe(CALL_CUT_MS + 999);
    expect(done.error?.message).toBe(`DynamoDB call not started: 7 s left, ${ESCALATION_CALL_RESERVE_MS / 1000} s kept to record or give back what was sent, and to answer`);

    // Lambda's retry finds the page SENT: nobody is paged again; the level and L3's timer are made (afterNotified).
    twoMinutesOn(w);
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
    expect(w.abortedAt).toEqual([TIMEOUT_MS - ESCALATION_RECORD_RESERVE_MS, TIMEOUT_MS - ESCALATION_RECORD_RESERVE_MS, TIMEOUT_MS - ESCALATION_RECORD_RESERVE_MS]);
    expect(cut.answeredAtMs).toBe(TIMEOUT_MS - ESCALATION_RECORD_RESERVE_MS);
    expect(cut.error?.message).toContain('CallDeadlineExceeded');
    expect(sendOf(w, timer.incidentId)).toMatchObject({ status: 'IN_PROGRESS', delivered: {} });
  });

  it('the sweep with every publish hanging: its 4 timers started are aborted at 8 s left and their claims given back, the rest left; the sweep throws, and its retry pages each L2 once', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `inc-aaaaaaaaaaa${i}`);
    const w = world();
    await l1Paged(w, ids);
    publishesHang(w);

    const cut = await invoke(w, SWEEP_INPUT);
    expect(cut.answeredAtMs).toBe(CALL_CUT_MS);
    // 4 timers at once (SWEEP_CONCURRENCY), both channels each: 8 publishes started at 0 s, all aborted at 52 s.
    expect(w.calls.filter((c) => c.call.startsWith('SNS Publish'))).toHaveLength(8);
    expect(w.calls.filter((c) => c.call.startsWith('SNS Publish')).every((c) => c.atMs === 0)).toBe(true);
    expect(w.abortedAt).toEqual(Array<number>(8).fill(CALL_CUT_MS));
    expect(w.calls.filter((c) => c.call === 'DynamoDB UpdateItem (release)')).toEqual(Array.from({ length: 4 }, () => ({ call: 'DynamoDB UpdateItem (release)', atMs: CALL_CUT_MS })));
    expect(cut.error?.message).toMatch(/^escalation sweep: 4 failed of 6 overdue timers and 2 lists \(/);
    expect(cut.error?.message).toContain('CallDeadlineExceeded: SNS call did not answer within 52.0 s');
    expect(cut.error?.message).toContain('; 2 left for the next sweep (5 min on): the function had 8 s left, within the 20 s kept for the timers started to finish');
    expect(w.pages).toEqual([]);
    for (const id of ids.slice(0, 4)) expect(sendOf(w, id)).toMatchObject({ status: 'IN_PROGRESS', leaseExpiresAtSeconds: 0, delivered: {} });
    for (const id of ids.slice(4)) expect(sendOf(w, id)).toBeUndefined();

    // The sweep's retry, SNS answering: every L2 paged once, by email and chat.
    twoMinutesOn(w);
    const retried = await invoke(w, SWEEP_INPUT);
    expect(retried.result).toMatchObject({ action: 'escalated' });
    expect(w.pages).toHaveLength(12);
    expect(new Set(w.pages.map((p) => `${p.incidentId} ${p.channel}`)).size).toBe(12);
    for (const id of ids) expect(sendOf(w, id)).toMatchObject({ status: 'SENT' });
  });

  // Review 19 R19-9: the deadline is per container (clients built once); each case above built a handler per invocation,
  // so an invocation whose deadline stayed armed after it answered was never seen by the next. Lambda reuses a warm
  // container: the first invocation's time left, still armed, would refuse every call of the next one.
  it('a warm container: the second invocation through the same handler is bound by its own time left, not the first\'s', async () => {
    const ids = ['inc-aaaaaaaaaaa0', 'inc-aaaaaaaaaaa1'];
    const w = world();
    await l1Paged(w, ids);
    const handler = createEscalationTimerHandler(handlerOptions(w));

    const first = await invoke(w, { ...timer, incidentId: ids[0] }, handler);
    expect(first.result).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 2, tier: L2 }] });
    // Two minutes on, the first invocation's 60 s long over (its time left would be -60 s).
    twoMinutesOn(w);
    const second = await invoke(w, { ...timer, incidentId: ids[1] }, handler);
    expect(second.error).toBeUndefined();
    expect(second.result).toMatchObject({ action: 'escalated', delivered: [{ kind: 'notify', level: 2, tier: L2 }] });
    expect(w.abortedAt).toEqual([]);
    expect(w.pages.map((p) => `${p.incidentId} ${p.channel}`)).toEqual([`${ids[0]} chat`, `${ids[0]} email`, `${ids[1]} chat`, `${ids[1]} email`]);
    for (const id of ids) expect(sendOf(w, id)).toMatchObject({ status: 'SENT' });
  });

  it('without a Lambda context (a direct call) nothing is bound: a publish answered after 70 s is waited for', async () => {
    const w = world();
    await l1Paged(w, [timer.incidentId]);
    w.sns = (_channel, signal) => {
      expect(signal).toBeUndefined();
      return answerAfter(70_000, { MessageId: 'slow' }, signal, w.abortedAt);
    };
    const handler = createEscalationTimerHandler(handlerOptions(w));
    const answered = handler(timer);
    await jest.advanceTimersByTimeAsync(70_000);
    await expect(answered).resolves.toMatchObject({ action: 'escalated' });
    expect(w.pages).toHaveLength(2);
  });
});
