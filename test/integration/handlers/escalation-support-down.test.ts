// AWS Support unreachable while the DR region escalates (review 11a finding 5): the Support API has one endpoint, in
// us-east-1, so in a us-east-1 outage the us-west-2 escalation's L3 case fails on every attempt. Through the real
// escalate and escalation-timer entry points in production us-west-2, the gap proxy failing every `support` call with
// 503: the L4 timer exists after the first failed L3 attempt and is created once across Lambda's retries, and when it
// fires the Service Owner is paged once, told that AWS Support could not be reached. The L3 attempts run the built
// bundle (`runbook invoke`, a process each, as Lambda's retries are new invocations): loaded from source under jest,
// the Support module's dynamic import() resolves outside jest.isolateModules' registry, so its TransientError is another
// class than the handler's and is taken for a permanent failure, which the bundle (one module graph) never does.
import { DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { createSandboxClock } from '../../../sandbox/scheduler-driver';
import { loadHandler } from '../../support/load-handler';
import { runCli } from '../../support/run-cli';
import { handlerScheduleDriver } from '../support/handler-schedules';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

const MINUTE_MS = 60_000;
const CONTROL = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

describe('AWS Support unreachable from the DR region (production, us-west-2)', () => {
  let account: SandboxAccount;
  let inbox: EscalationInbox;
  let scheduler: SchedulerClient;
  let incidentId = '';
  const clock = createSandboxClock();

  const scheduleNames = async (): Promise<string[]> => {
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: account.topology.escalationScheduleGroup.name }));
    return (listed.Schedules ?? []).map((s) => s.Name ?? '').sort();
  };
  const incidentItem = async (): Promise<Record<string, unknown> | undefined> =>
    (
      await account.dynamo.send(
        new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }),
      )
    ).Item;

  beforeAll(async () => {
    account = await provisionAccount('production', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    expect(account.clientConfig.region).toBe('us-west-2');
    inbox = await createEscalationInbox(account.clientConfig, account.topology);
    scheduler = new SchedulerClient(account.clientConfig);
  });

  afterAll(async () => {
    if (account) await clearProxyFaults(CONTROL(), { accountId: account.accountId });
  });

  it('climbs to L2 in us-west-2 as usual', async () => {
    const escalate = loadHandler<EscalationHandler>('escalate');
    const opened = await escalate(await account.transition(queueAlarmName(account.topology), 'ALARM', 'Threshold Crossed: 5 out of the last 5 datapoints were greater than the threshold (1000.0)'));
    expect(opened).toMatchObject({ action: 'opened', delivered: [{ level: 1 }] });
    incidentId = opened.incidentId ?? '';
    const driver = handlerScheduleDriver(account, 'escalation-timer', loadHandler<EscalationHandler>('escalation-timer'));
    clock.advance(16 * MINUTE_MS);
    expect((await driver.runDue(clock)).map((f) => f.result)).toEqual([expect.objectContaining({ action: 'escalated', delivered: [expect.objectContaining({ level: 2 })] })]);
    expect(await scheduleNames()).toEqual([`escalation-${incidentId}-l3`]);
    await inbox.read();
  });

  it('sets the L4 timer at the first failed CreateCase, once across Lambda\'s retries, and records L3 as not notified', async () => {
    const scope = { accountId: account.accountId };
    await setProxyFaults(CONTROL(), [{ service: 'support', times: 1000, status: 503, code: 'ServiceUnavailable', message: 'us-east-1 impaired (test fault)' }], scope);
    const l3 = await scheduler.send(new GetScheduleCommand({ Name: `escalation-${incidentId}-l3`, GroupName: account.topology.escalationScheduleGroup.name }));
    const file = join(mkdtempSync(join(tmpdir(), 'support-down-')), 'l3.json');
    writeFileSync(file, l3.Target?.Input ?? '{}');
    const since = await getProxyCallCount(CONTROL());
    // The first invocation and Lambda's two retries (escalation-timer: MaximumRetryAttempts 2), each a fresh container.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const run = await runCli(['invoke', 'escalation-timer', '--event', file], account.env);
      // The first attempt opens the case with no look (decision 334: its claim wrote the send's nonce, no case can bear
      // it); each retry, a takeover carrying the nonce, looks for an earlier attempt's case first (review 19 R19-10),
      // and the look fails as CreateCase would.
      expect(run.stderr).toContain(`escalation-timer failed (TransientError): Support ${attempt === 0 ? 'CreateCase' : 'DescribeCases'} failed: ServiceUnavailable`);
      expect(run.status).toBe(1);
      expect(await scheduleNames()).toEqual([`escalation-${incidentId}-l3`, `escalation-${incidentId}-l4`]);
    }
    // The fault fired exactly as often as Support was called: one call per invocation, made once (the Support client's
    // SDK retries only throttling: a 503 may follow a change Support made, decision 329): the first attempt's CreateCase
    // (no look: decision 334), then each retry's look, and no CreateCase on a retry without a look: three invocations,
    // 3 calls (12 CreateCase before decision 329: 4 SDK attempts each; 3 DescribeCases from 329 to 334).
    // Exact on purpose (review 12, R12-11): a second case per invocation, or a retry loop of our own against an impaired
    // Support API, shows here.
    const [fault] = await getProxyFaults(CONTROL(), scope);
    const calls = (await getProxyCalls(CONTROL(), since)).filter((c) => c.accountId === account.accountId);
    expect(calls.filter((c) => c.service === 'support').map((c) => c.operation)).toEqual(['CreateCase', 'DescribeCases', 'DescribeCases']);
    expect(fault?.remaining).toBe(1000 - 3);
    const creates = calls.filter((c) => c.service === 'scheduler' && c.operation === 'CreateSchedule');
    expect(creates.length).toBe(3);
    const l4 = await scheduler.send(new GetScheduleCommand({ Name: `escalation-${incidentId}-l4`, GroupName: account.topology.escalationScheduleGroup.name }));
    expect(JSON.parse(l4.Target?.Input ?? '{}')).toMatchObject({ action: 'escalate', incidentId, level: 4 });
    // L3 was not notified (level 2), and what comes next is the L4 timer that exists, not L3 (review 12, R12-14).
    const item = await incidentItem();
    expect(item).toMatchObject({ status: 'OPEN', level: 2, nextLevel: 4 });
    // The schedule's at() is the due time rounded up to the second (one-time-schedule.ts atExpression).
    const scheduledAt = Date.parse(`${String(l4.ScheduleExpression).replace(/^at\((.*)\)$/, '$1')}Z`);
    const due = Date.parse(String(item?.nextEscalationAt));
    expect(scheduledAt - due).toBeGreaterThanOrEqual(0);
    expect(scheduledAt - due).toBeLessThan(1000);
    // The people who own the case (the L3 topic's subscribers) were paged by the first attempt, and only by it (decision 190).
    expect((await inbox.read()).map((m) => `${m.level}:${m.kind}:${m.channel}`)).toEqual(['3:escalated:email']);
    // Scheduler handed the L3 event to Lambda and deleted its schedule (ActionAfterCompletion DELETE); Lambda gave up.
    await scheduler.send(new DeleteScheduleCommand({ Name: `escalation-${incidentId}-l3`, GroupName: account.topology.escalationScheduleGroup.name }));
  });

  it('pages the Service Owner at L4\'s time, once, saying AWS Support could not be reached, with us-east-1 still down', async () => {
    const driver = handlerScheduleDriver(account, 'escalation-timer', loadHandler<EscalationHandler>('escalation-timer'));
    clock.advance(30 * MINUTE_MS);
    expect(await driver.runDue(clock)).toEqual([]);
    clock.advance(32 * MINUTE_MS);
    const fired = await driver.runDue(clock);
    expect(fired.map((f) => f.result)).toEqual([expect.objectContaining({ action: 'escalated', delivered: [expect.objectContaining({ level: 4, tier: 'Service Owner' })] })]);
    const received = await inbox.read();
    expect(received.map((m) => `${m.level}:${m.kind}:${m.channel}`).sort()).toEqual(['4:escalated:email']);
    expect(received[0]?.message).toContain(
      'Escalated to you because Cloud Infrastructure Team (L2) did not acknowledge, AWS Support (Enterprise) could not be reached (its delivery did not complete) and the alarm is still in ALARM.',
    );
    expect(await incidentItem()).toMatchObject({ status: 'OPEN', level: 4 });
    // The end of the path, and a second delivery of the L4 timer pages nobody.
    expect(await scheduleNames()).toEqual([]);
    const again = await loadHandler<EscalationHandler>('escalation-timer')({ action: 'escalate', incidentId, level: 4 });
    expect(again).toMatchObject({ action: 'stopped', delivered: [] });
    expect(await inbox.read()).toEqual([]);
  });

  it('tells the resolution to every tier that was paged, the L3 topic\'s people included, with AWS Support still unreachable', async () => {
    const escalate = loadHandler<EscalationHandler>('escalate');
    const since = await getProxyCallCount(CONTROL());
    const resolved = await escalate(await account.transition(queueAlarmName(account.topology), 'OK', 'Threshold Crossed: 1 out of the last 1 datapoints [12.0] was not greater than the threshold (1000.0)'));
    expect(resolved).toMatchObject({ action: 'resolved', incidentIds: [incidentId] });
    expect(resolved.delivered.map((d) => `${d.level}:${d.via}`).sort()).toEqual(['1:chat+email', '2:chat+email', '3:email', '4:email']);
    // L3's page went out on email only (the case never opened): its resolution goes there, and no Support call is made.
    expect((await inbox.read()).map((m) => `${m.level}:${m.kind}:${m.channel}`).sort()).toEqual([
      '1:resolved:chat',
      '1:resolved:email',
      '2:resolved:chat',
      '2:resolved:email',
      '3:resolved:email',
      '4:resolved:email',
    ]);
    const calls = (await getProxyCalls(CONTROL(), since)).filter((c) => c.accountId === account.accountId);
    expect(calls.filter((c) => c.service === 'support')).toEqual([]);
    expect(await incidentItem()).toMatchObject({ status: 'RESOLVED' });
  });
});
