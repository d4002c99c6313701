// Queue Backup's hysteresis on the emulator (decisions 185, 205): scale-consumers through its real entry point, the queue's
// alarms evaluated by the sandbox's CloudWatch stand-in on the real queue depth, assertions on the emulator's state. The
// low-water alarm has normal polarity since decision 205 (review 12 R12-10): ALARM on 1 of 5 minutes at or above 100, OK
// once 5 minutes were all under 100; its OK is the restore signal, and a quiet service shows it OK. Since decision 249
// (review 14 R14-6) the restore reads that OK's own datapoints: each evaluation is a CloudWatch minute of its own
// (minutePerEvaluation), as it is in AWS, so five evaluations are five minutes of AWS/SQS datapoints.
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { createAlarmEvaluator, type AlarmEvaluator, type AlarmTransition } from '../../../sandbox/alarm-evaluator';
import { DeleteScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { createEscalationInbox } from '../../../sandbox/escalation-inbox';
import { loadHandler } from '../../support/load-handler';
import { provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

const LOW_WATER = 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }))).ReservedConcurrentExecutions;
}

/** The baseline the automation recorded on the queue's resource state, as the state table holds it (undefined: none). */
async function recordedBaseline(account: SandboxAccount, resourceArn: string): Promise<unknown> {
  const item = await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `RESOURCE#${resourceArn}`, sk: 'STATE' } }));
  return (item.Item as { baseline?: unknown } | undefined)?.baseline;
}

/** `count` messages on the queue, 10 per SendMessageBatch. */
async function enqueue(account: SandboxAccount, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 10) {
    await account.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: account.topology.queue.url,
        Entries: Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ notification: sent + i }) })),
      }),
    );
  }
}

async function setKillSwitch(account: SandboxAccount, value: string): Promise<void> {
  const ssm = new SSMClient(account.clientConfig);
  await ssm.send(new PutParameterCommand({ Name: account.topology.killSwitch.name, Value: value, Type: 'String', Overwrite: true }));
  ssm.destroy();
}

/** The names of the account's alarms in that state, as the console's count and an "every ALARM" rule read them. */
async function alarmsInState(account: SandboxAccount, state: 'OK' | 'ALARM'): Promise<string[]> {
  const cloudWatch = new CloudWatchClient(account.clientConfig);
  try {
    return ((await cloudWatch.send(new DescribeAlarmsCommand({ StateValue: state }))).MetricAlarms ?? []).map((a) => a.AlarmName ?? '').sort();
  } finally {
    cloudWatch.destroy();
  }
}

/** The "Runbook Decision" event of `decision` as the project's bus delivered it (the decision route's queue), the others removed. */
async function decisionsOf(account: SandboxAccount, decision: Decision): Promise<Record<string, unknown>> {
  const found: Array<Record<string, unknown> & { detail: Decision }> = [];
  for (;;) {
    const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!received.Messages?.length) break;
    for (const m of received.Messages) {
      await account.sqs.send(new DeleteMessageCommand({ QueueUrl: account.topology.decisionRoute.url, ReceiptHandle: m.ReceiptHandle }));
      const event = JSON.parse(m.Body ?? '{}') as Record<string, unknown> & { detail: Decision };
      if (event.detail.incidentKey === decision.incidentKey && event.detail.decidedAt === decision.decidedAt) found.push(event);
    }
  }
  expect(found).toHaveLength(1);
  return found[0] ?? {};
}

/** The escalation's one-time schedules (its timers) in the account: a next tier would be one. */
async function escalationSchedules(account: SandboxAccount): Promise<string[]> {
  const scheduler = new SchedulerClient(account.clientConfig);
  try {
    return ((await scheduler.send(new ListSchedulesCommand({ GroupName: account.topology.escalationScheduleGroup.name }))).Schedules ?? []).map((s) => s.Name ?? '');
  } finally {
    scheduler.destroy();
  }
}

const moved = (transitions: readonly AlarmTransition[]): Array<[string, string, string]> => transitions.map((t) => [t.alarmName, t.from, t.to]);

describe('scale-consumers with a low watermark: the baseline comes back when the backlog has drained, not at the first OK', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  let evaluator: AlarmEvaluator;
  let depthAlarm: string;
  let resourceArn: string;

  /** One minute of the sandbox's CloudWatch: each state change delivered to the handler as its rule would. */
  async function minute(): Promise<{ transitions: AlarmTransition[]; decisions: Decision[] }> {
    const transitions = await evaluator.evaluateOnce();
    const decisions: Decision[] = [];
    for (const t of transitions) decisions.push(await handler(t.event));
    return { transitions, decisions };
  }

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('scale-consumers');
    evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology, minutePerEvaluation: true });
    depthAlarm = queueAlarmName(account.topology);
  });

  it('a healthy idle service: every alarm of the queue OK, none in ALARM, and nothing restored', async () => {
    // Six idle minutes on an empty queue, longer than the low-water alarm's 5-minute window: both alarms leave
    // INSUFFICIENT_DATA for OK and stay there (decision 185's "under 100 on 5 of 5" went to ALARM at the fifth).
    const first = await minute();
    expect(moved(first.transitions)).toEqual([
      [depthAlarm, 'INSUFFICIENT_DATA', 'OK'],
      [LOW_WATER, 'INSUFFICIENT_DATA', 'OK'],
    ]);
    expect(first.decisions.map((d) => [d.alarmName, d.outcome, d.reason])).toEqual([
      [depthAlarm, 'skipped', 'nothing to restore: the automation has not scaled the consumers of notification-service-queue'],
      [LOW_WATER, 'skipped', 'nothing to restore: the queue notification-service-queue has drained and the automation has not scaled its consumers'],
    ]);
    for (let m = 1; m <= 5; m++) expect((await minute()).transitions).toEqual([]);
    // What the console's "In alarm" count and an "every ALARM -> pager" rule read: no alarm of the account in ALARM.
    expect(await alarmsInState(account, 'ALARM')).toEqual([]);
    expect(await alarmsInState(account, 'OK')).toEqual(expect.arrayContaining([depthAlarm, LOW_WATER]));
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('scales up on the depth alarm, waits at its first OK with 150 still queued, and restores only at the low-water alarm\'s OK, once', async () => {
    // The depth alarm's ALARM is set directly: filling moto's queue past 1000 costs O(depth) per send (test/integration/sandbox/provision.test.ts).
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const fired = await handler(await account.transition(depthAlarm, 'ALARM'));
    expect(fired).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('MaximumConcurrency 50 -> 100') });
    resourceArn = fired.resource?.arn ?? '';
    const baseline = { mappings: { [account.topology.consumer.mappingUuid]: 50 }, reservedConcurrency: { [account.topology.consumer.functionName]: 100 } };
    expect(await recordedBaseline(account, resourceArn)).toEqual(baseline);

    // The first minute under 1000: the depth alarm goes OK with 150 queued (above the watermark); the low-water alarm goes
    // to ALARM (150 >= 100 on 1 of 5 minutes), which restores nothing.
    await enqueue(account, 150);
    const firstOk = await minute();
    expect(moved(firstOk.transitions)).toEqual([
      [depthAlarm, 'ALARM', 'OK'],
      [LOW_WATER, 'OK', 'ALARM'],
    ]);
    expect(firstOk.decisions.map((d) => [d.alarmName, d.outcome, d.reason])).toEqual([
      [
        depthAlarm,
        'skipped',
        `restore waits for the low-water alarm "${LOW_WATER}" to go OK (the queue under 100 messages for 5 min): the queue still holds 150 messages at this OK, at or above the low watermark of 100; nothing changed, the recorded baseline is kept`,
      ],
      [LOW_WATER, 'skipped', `"${LOW_WATER}" is the queue's low-water alarm: its ALARM (the queue at or above the watermark in its last minutes) restores nothing; scale-consumers acts on its OK only`],
    ]);
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, resourceArn)).toEqual(baseline);

    // The queue drains: four minutes under 100 are not five (150 is still among the last five), nothing moves and the consumers stay scaled up.
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    for (let m = 1; m <= 4; m++) {
      expect(moved((await minute()).transitions)).toEqual([]);
      expect(await maximumConcurrency(account)).toBe(100);
    }

    // The fifth: the low-water alarm goes OK, the restore signal. Delivered ten times at once, as a retried rule may: one restore.
    const drained = await evaluator.evaluateOnce();
    expect(moved(drained)).toEqual([[LOW_WATER, 'ALARM', 'OK']]);
    const event = drained[0]?.event ?? {};
    const decisions = await Promise.all(Array.from({ length: 10 }, () => handler(event)));
    expect(decisions.filter((d) => d.outcome === 'applied').map((d) => d.reason)).toEqual([
      `restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50`,
    ]);
    expect(decisions.filter((d) => d.outcome === 'skipped' && d.reason.startsWith('duplicate delivery'))).toHaveLength(9);
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await reservedConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, resourceArn)).toBeUndefined();
    // Drained and restored: nothing of the queue is in ALARM.
    expect(await alarmsInState(account, 'ALARM')).toEqual([]);
  });

  it('does nothing at the next drain, with no scale-up to undo', async () => {
    await enqueue(account, 150);
    expect(moved((await minute()).transitions)).toEqual([[LOW_WATER, 'OK', 'ALARM']]);
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    for (let m = 1; m <= 4; m++) expect((await minute()).transitions).toEqual([]);
    const { transitions, decisions } = await minute();
    expect(moved(transitions)).toEqual([[LOW_WATER, 'ALARM', 'OK']]);
    expect(decisions).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'nothing to restore: the queue notification-service-queue has drained and the automation has not scaled its consumers' }),
    ]);
    expect(await maximumConcurrency(account)).toBe(50);
  });
});

describe('scale-consumers at the low-water alarm\'s OK under the kill switch', () => {
  it('plans the restore but changes nothing and keeps the baseline; with the switch off, the next drain restores', async () => {
    const account = await provisionAccount('production');
    const evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology, minutePerEvaluation: true });
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const scaled = await loadHandler('scale-consumers')(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(scaled).toMatchObject({ outcome: 'applied' });
    await account.transition(queueAlarmName(account.topology), 'OK');

    const drain = async (handler: AlarmHandler): Promise<Decision[]> => {
      const decisions: Decision[] = [];
      for (let m = 1; m <= 5; m++) for (const t of await evaluator.evaluateOnce()) if (t.alarmName === LOW_WATER && t.to === 'OK') decisions.push(await handler(t.event));
      return decisions;
    };
    await setKillSwitch(account, 'stop');
    // The backlog's tail (150 queued: the low-water alarm in ALARM), then the drain: its fifth minute under 100 is the OK.
    await enqueue(account, 150);
    await evaluator.evaluateOnce();
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    const held = await drain(loadHandler('scale-consumers'));
    expect(held).toEqual([expect.objectContaining({ outcome: 'dry-run', reason: expect.stringMatching(/^restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50 — /) })]);
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, scaled.resource?.arn ?? '')).toBeDefined();

    await setKillSwitch(account, 'off');
    await enqueue(account, 150);
    await evaluator.evaluateOnce();
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    const restored = await drain(loadHandler('scale-consumers'));
    expect(restored).toEqual([expect.objectContaining({ outcome: 'applied', reason: 'restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50' })]);
    expect(await maximumConcurrency(account)).toBe(50);
  });
});

// Review 12 R12-4 (decision 205): a restore the hourly budget holds on the low-water alarm pages L1 once, as a notice, and
// never climbs (it used to go L1 -> L2 -> AWS Support -> Service Owner "because the alarm is still in ALARM").
describe('a restore the hourly budget holds at the low-water alarm\'s OK, through the real escalate handler', () => {
  let account: SandboxAccount;
  let inbox: Awaited<ReturnType<typeof createEscalationInbox>>;
  let noticeId = '';
  it('is one notice to L1 (chat and email), with no next tier scheduled; the signal\'s own OK resolves nothing', async () => {
    account = await provisionAccount('production');
    inbox = await createEscalationInbox(account.clientConfig, account.topology, 'low-water-held-inbox');
    const evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology, minutePerEvaluation: true });
    const handler = loadHandler('scale-consumers');
    const escalate = loadHandler<EscalationHandler>('escalate');
    await putQueueDepth(account); // the backlog the depth alarm watches, made real (decision 217: a bare ALARM changes nothing)
    const scaled = await handler(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(scaled).toMatchObject({ outcome: 'applied' });
    const stateKey = { pk: `RESOURCE#${scaled.resource?.arn ?? ''}`, sk: 'STATE' };
    await account.transition(queueAlarmName(account.topology), 'OK');

    // Four changes to the queue's consumers in the last hour, the scale-up among them (production's budget is 4): a queue
    // that burst and drained a few times this hour. Written as state-table-trust.test.ts does; the baseline is genuine.
    const nowSeconds = Math.floor(Date.now() / 1000);
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: stateKey,
        UpdateExpression: 'SET changeTimesSeconds = :times',
        ExpressionAttributeValues: { ':times': [nowSeconds - 3000, nowSeconds - 2000, nowSeconds - 1000, nowSeconds - 5] },
      }),
    );
    // The backlog's tail (150 queued: the low-water alarm in ALARM), then the drain: its fifth minute under 100 is the OK.
    await enqueue(account, 150);
    await evaluator.evaluateOnce();
    await account.sqs.send(new PurgeQueueCommand({ QueueUrl: account.topology.queue.url }));
    const oks: AlarmTransition[] = [];
    for (let m = 1; m <= 5; m++) oks.push(...(await evaluator.evaluateOnce()).filter((t) => t.alarmName === LOW_WATER));
    expect(moved(oks)).toEqual([[LOW_WATER, 'ALARM', 'OK']]);
    const held = await handler(oks[0]?.event ?? {});
    expect(held).toMatchObject({ outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'hourly-budget' } });
    expect(held.reason).toContain('hourly budget: 4 changes to this resource in the last hour, limit is 4; this restore is not made');
    expect(await maximumConcurrency(account)).toBe(100);

    // The decision as the bus delivered it, to the real escalate handler: opened, L1 notified once on both channels.
    const published = await decisionsOf(account, held);
    const opened = await escalate(published);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ kind: 'notify', level: 1, tier: 'DevOps Team (L1)', via: 'chat+email' }] });
    const pages = await inbox.read();
    expect(pages.map((m) => `L${m.level} ${m.kind}:${m.channel}`).sort()).toEqual(['L1 opened:chat', 'L1 opened:email']);
    const email = pages.find((m) => m.channel === 'email');
    expect(email?.subject).toContain(LOW_WATER.slice(0, 40));
    expect(email?.message).toContain('restore-held');
    expect(email?.message).toContain('a notice: no further tier is paged for it');
    expect(email?.message).toContain('NEXT STEP: Not urgent: the queue drained but the consumers stay scaled up');
    // The row's document is never offered: it would run the same automation into the same guardrail.
    expect(email?.message).not.toContain('NotificationService-ScaleConsumers');
    // No next tier: nothing would page L2, AWS Support or the Service Owner. Only the notice's re-read of its alarm in an
    // hour, which closes it if the alarm is deleted (review 12 R12-13) and pages nobody.
    noticeId = opened.incidentId ?? '';
    const noticeCheck = `escalation-${opened.incidentId ?? ''}-notice-c0-r1`;
    expect(await escalationSchedules(account)).toEqual([noticeCheck]);
    const incident = await account.dynamo.send(
      new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `ESCALATION#${opened.incidentId ?? ''}`, sk: 'INCIDENT' }, ConsistentRead: true }),
    );
    expect(incident.Item).toMatchObject({ status: 'OPEN', cause: 'restore-held', level: 1 });
    expect(incident.Item?.nextLevel).toBeUndefined();

    // Delivered again (a retried rule): nobody paged again.
    expect(await escalate(published)).toMatchObject({ action: 'opened', delivered: [] });
    // The signal's OK as escalate-recoveries delivers it: resolves nothing (the consumers are still scaled up).
    expect(await escalate(oks[0]?.event ?? {})).toMatchObject({ action: 'ignored', reason: expect.stringContaining('is a restore signal: its OK resolves nothing') });
    expect(await inbox.read()).toEqual([]);
    expect(await escalationSchedules(account)).toEqual([noticeCheck]);
  });

  // Decision 281 (amends 264): the notice's hourly re-check that Scheduler drops was lost (nothing re-read the alarm, the
  // notice stayed listed after its alarm was deleted). Its due time is recorded with its schedule; the sweep does it.
  it('its hourly re-checks Scheduler drops are done by the sweep, once each, saying how late; the late deliveries do nothing twice, and the alarm deleted closes it with one message to L1', async () => {
    const timer = loadHandler<EscalationHandler>('escalation-timer');
    const table = account.topology.stateTable.name;
    const key = { pk: `ESCALATION#${noticeId}`, sk: 'INCIDENT' };
    const item = async (): Promise<Record<string, unknown> | undefined> => (await account.dynamo.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    const scheduler = new SchedulerClient(account.clientConfig);
    const group = account.topology.escalationScheduleGroup.name;
    // Recorded with the notice's schedule: check 1 of cycle 0, due in an hour.
    expect((await item())?.noticeCheck).toMatchObject({ cycle: 0, round: 1 });
    // Scheduler dropped check 1: the schedule is gone. The handlers run on the real clock, so the hour having passed (and
    // 12 min more) is written on the item.
    const overdue = async (round: number, minutes: number): Promise<string> => {
      await scheduler.send(new DeleteScheduleCommand({ Name: `escalation-${noticeId}-notice-c0-r${round}`, GroupName: group }));
      const dueAt = new Date(Date.now() - minutes * 60_000 - 30_000).toISOString();
      await account.dynamo.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET noticeCheck.#at = :due', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':due': dueAt } }));
      return dueAt;
    };
    const firstDue = await overdue(1, 12);
    expect(await escalationSchedules(account)).toEqual([]);

    // The sweep: the low-water alarm still exists (OK), so the notice stands; check 2 recorded and scheduled, nobody told.
    const swept = await timer({ action: 'sweep' });
    expect(swept).toMatchObject({ action: 'stopped', incidentIds: [noticeId], delivered: [] });
    expect(swept.reason).toContain(`${noticeId} notice check 1 (cycle 0) (12 min late): stopped`);
    expect(await escalationSchedules(account)).toEqual([`escalation-${noticeId}-notice-c0-r2`]);
    const second = (await item())?.noticeCheck as { round: number; at: string } | undefined;
    expect(second).toMatchObject({ cycle: 0, round: 2 });
    // Scheduler delivers check 1 after all: done already, nothing read into a new round, nothing scheduled again.
    expect(await timer({ action: 'notice', incidentId: noticeId, cycle: 0, round: 1 })).toMatchObject({
      action: 'stopped',
      reason: `the notice's check 1 (cycle 0) was already done: check 2 is next, at ${second?.at ?? ''}`,
    });
    expect((await item())?.noticeCheck).toEqual(second);
    expect(await timer({ action: 'sweep' })).toMatchObject({ action: 'ignored', delivered: [] });
    expect(firstDue < (second?.at ?? '')).toBe(true);

    // Check 2 dropped too, and the alarm deleted (as the redeploy decision 189 asks for deletes a notice's alarm): the sweep
    // and Scheduler's late delivery of check 2 at once close the notice, L1 told once on each channel, saying how late.
    const secondDue = await overdue(2, 9);
    await account.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [LOW_WATER] }));
    const [bySweep, byTimer] = await Promise.all([timer({ action: 'sweep' }), timer({ action: 'notice', incidentId: noticeId, cycle: 0, round: 2 })]);
    expect([bySweep.action, byTimer.action]).toContain('resolved');
    const told = await inbox.read();
    expect(told.map((m) => `L${m.level} ${m.kind}:${m.channel}`).sort()).toEqual(['L1 resolved:chat', 'L1 resolved:email']);
    const email = told.find((m) => m.channel === 'email')?.message ?? '';
    expect(email).toContain(`alarm "${LOW_WATER}" no longer exists`);
    expect(email).toMatch(new RegExp(`checked 9 min late: due at ${secondDue.replace(/[.]/g, '\\.')}, its EventBridge Scheduler timer (had not run|ran only now)`));
    expect(await item()).toMatchObject({ status: 'RESOLVED' });
    expect(await timer({ action: 'sweep' })).toMatchObject({ action: 'ignored', delivered: [] });
    expect(await timer({ action: 'notice', incidentId: noticeId, cycle: 0, round: 2 })).toMatchObject({ action: 'stopped', delivered: [] });
    expect(await inbox.read()).toEqual([]);
    scheduler.destroy();
  });
});

// Review 14 R14-6 (decision 249): SetAlarmState ALARM then OK on the low-water alarm, a second after a genuine scale-up,
// restored the consumers on one instantaneous depth read under 100 while CloudWatch held the backlog's 1500 in the current
// minute. The OK is a claim: its own metric must bear it out, as the depth alarm's ALARM must (decision 217).
describe('a low-water OK set by hand right after a genuine scale-up (SetAlarmState, review 14 R14-6)', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  it('restores nothing: the restore waits naming the 1500 CloudWatch holds, the baseline kept for a genuine OK', async () => {
    account = await provisionAccount('production');
    handler = loadHandler('scale-consumers');
    await putQueueDepth(account); // the backlog as SQS publishes it: 1500 in this minute
    const up = await handler(await account.transition(queueAlarmName(account.topology), 'ALARM'));
    expect(up).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('MaximumConcurrency 50 -> 100') });
    const baseline = await recordedBaseline(account, up.resource?.arn ?? '');
    expect(baseline).toEqual({ mappings: { [account.topology.consumer.mappingUuid]: 50 }, reservedConcurrency: { [account.topology.consumer.functionName]: 100 } });

    // Whoever may call SetAlarmState: the low-water alarm to ALARM (ignored) and to OK, the queue's visible depth 0 now.
    expect(await handler(await account.transition(LOW_WATER, 'ALARM'))).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('restores nothing') });
    const down = await handler(await account.transition(LOW_WATER, 'OK', 'Threshold Crossed: set by hand'));
    expect(down.outcome).toBe('skipped');
    expect(down.reason).toMatch(
      new RegExp(
        `^restore waits: the low-water alarm "${LOW_WATER.replace(/[()]/g, '\\$&')}" went OK, but AWS/SQS ApproximateNumberOfMessagesVisible \\(Maximum\\) in CloudWatch shows 1500 at \\S+ \\(>= 100, the alarm's threshold\\) in its 5 periods from .*: the queue has not been under the watermark for the alarm's window; nothing changed, the recorded baseline is kept for the low-water alarm's next OK$`,
      ),
    );
    expect(await maximumConcurrency(account)).toBe(100);
    expect(await recordedBaseline(account, up.resource?.arn ?? '')).toEqual(baseline);
  });

  // R14-6's twin (decision 263): the depth alarm's own OK, set by hand on the same scaled-up consumers, restored on the
  // visible depth (0, under the watermark) alone. CloudWatch's newest minute is the backlog's 1500: the restore waits.
  // Then CloudWatch's own OK (the sandbox's evaluator, a minute of its own: the queue empty) restores, once.
  it('a depth OK set by hand restores nothing either; the depth alarm\'s OK CloudWatch evaluates on an empty queue restores', async () => {
    const depthAlarm = queueAlarmName(account.topology);
    const forged = await handler(await account.transition(depthAlarm, 'OK', 'Threshold Crossed: set by hand'));
    expect(forged.outcome).toBe('skipped');
    expect(forged.reason).toMatch(
      new RegExp(
        `^restore waits for the low-water alarm "${LOW_WATER.replace(/[()]/g, '\\$&')}" to go OK \\(the queue under 100 messages for 5 min\\): the depth alarm ".*" went OK, but AWS/SQS ApproximateNumberOfMessagesVisible \\(Maximum\\) in CloudWatch shows 1500 at \\S+ \\(> 1000, the alarm's threshold\\) in its 1 period from .*: the backlog is still over the alarm's threshold in CloudWatch; nothing changed, the recorded baseline is kept$`,
      ),
    );
    expect(await maximumConcurrency(account)).toBe(100);
    const baseline = { mappings: { [account.topology.consumer.mappingUuid]: 50 }, reservedConcurrency: { [account.topology.consumer.functionName]: 100 } };
    expect(await recordedBaseline(account, forged.resource?.arn ?? '')).toEqual(baseline);

    // As CloudWatch had it before the forged OK (its next evaluation of the 1500 would put it back; moto never evaluates):
    // in ALARM, not delivered (a re-fire is the scale-up's cooldown's case, not this one).
    await account.transition(depthAlarm, 'ALARM');
    const evaluator = createAlarmEvaluator({ clientConfig: account.clientConfig, topology: account.topology, minutePerEvaluation: true });
    const drained = (await evaluator.evaluateOnce()).filter((t) => t.alarmName === depthAlarm);
    expect(moved(drained)).toEqual([[depthAlarm, 'ALARM', 'OK']]);
    const decisions = await Promise.all([0, 1].map(() => handler(drained[0]?.event ?? {})));
    expect(decisions.filter((d) => d.outcome === 'applied').map((d) => d.reason)).toEqual(['restore consumers of notification-service-queue to baseline: MaximumConcurrency 100 -> 50']);
    expect(await maximumConcurrency(account)).toBe(50);
    expect(await recordedBaseline(account, forged.resource?.arn ?? '')).toBeUndefined();
  });
});
