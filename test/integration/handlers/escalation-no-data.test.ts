// An alarm that loses its data mid-incident (INSUFFICIENT_DATA: the queue deleted, the metric gone) keeps the escalation
// climbing, the next tier told the alarm has no data; only the alarm clearing (OK) ends it. And `runbook incidents`
// never shows an OPEN incident whose next tier is past due as if all were well. Real entry points against the emulator:
// escalate and escalation-timer, the Scheduler driver playing the clock, the CLI as a real process (review 10a finding 7).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import type { Incident } from '../../../shared/escalation/incident';
import { createSandboxClock, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import { openIncident, type OpenIncident } from '../../runbooks/support/open-incident';
import { loadHandler } from '../../support/load-handler';
import { runCli } from '../../support/run-cli';
import { handlerScheduleDriver } from '../support/handler-schedules';
import { queueAlarmName } from '../support/sandbox-account';

const MINUTE_MS = 60_000;

describe('an alarm with no data (INSUFFICIENT_DATA) during an incident', () => {
  let incident: OpenIncident;
  let driver: SchedulerDriver;
  const clock = createSandboxClock();

  beforeAll(async () => {
    // Opened the way production opens it: the queue alarm fires with the consumers at the cap, L1 paged.
    incident = await openIncident();
    driver = handlerScheduleDriver(incident.account, 'escalation-timer', loadHandler<EscalationHandler>('escalation-timer'));
  });

  it('notifies L2 at L1\'s timeout, telling it the alarm has no data, and sets the L3 timer', async () => {
    await incident.account.transition(queueAlarmName(incident.account.topology), 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.');

    clock.advance(16 * MINUTE_MS);
    const fired = await driver.runDue(clock);

    expect(fired.map((f) => f.result)).toEqual([expect.objectContaining({ action: 'escalated', delivered: [expect.objectContaining({ level: 2 })] })]);
    const received = await incident.inbox.read();
    expect(received.map((m) => `${m.level}:${m.kind}:${m.channel}`).sort()).toEqual(['2:escalated:chat', '2:escalated:email']);
    expect(received.find((m) => m.channel === 'email')?.message).toMatch(
      /Escalated to you because DevOps Team \(L1\) did not acknowledge within 15 min and alarm "NotificationService Queue Depth > 1000 \(notification-service-queue\)" has no data \(INSUFFICIENT_DATA since [^)]+\): whether it still fires cannot be told\./,
    );
    expect(await incident.item()).toMatchObject({ status: 'OPEN', level: 2, nextLevel: 3 });

    const listed = await runCli(['incidents'], incident.account.env);
    expect(listed.stdout).toMatch(new RegExp(`${incident.incidentId}\\s+OPEN\\s+Cloud Infrastructure Team \\(L2\\)\\s+AWS Support \\(Enterprise\\) at \\S+\\s`));
    expect(listed.stdout).not.toContain('OVERDUE');
  });

  it('ends only when the alarm clears: the OK resolves it, each notified tier told once', async () => {
    const escalate = loadHandler<EscalationHandler>('escalate');
    const ok = await incident.account.transition(queueAlarmName(incident.account.topology), 'OK', 'Threshold Crossed: no datapoints were breaching');

    expect(await escalate(ok)).toMatchObject({ action: 'resolved' });
    const received = await incident.inbox.read();
    expect(received.map((m) => `${m.level}:${m.kind}:${m.channel}`).sort()).toEqual(['1:resolved:chat', '1:resolved:email', '2:resolved:chat', '2:resolved:email']);
    expect(await incident.item()).toMatchObject({ status: 'RESOLVED' });
    clock.advance(60 * MINUTE_MS);
    expect(await driver.runDue(clock)).toEqual([]);
  });

  it('lists an OPEN incident whose next tier is past due as OVERDUE, saying what to do, and flags it in --json', async () => {
    // The state a stopped or failed timer leaves: OPEN, L1 notified, L2 due 20 minutes ago, nobody climbing it. Written
    // as the store writes an incident, from the one this file opened (now resolved), under another id.
    const { account } = incident;
    const db = DynamoDBDocumentClient.from(new DynamoDBClient(account.clientConfig), { marshallOptions: { removeUndefinedValues: true } });
    const store = new EscalationStore(db, { tableName: account.topology.stateTable.name, retentionDays: 90, leaseSeconds: 300 });
    const resolved = await store.get(incident.incidentId);
    if (!resolved) throw new Error(`incident ${incident.incidentId} is not in the state table`);
    const now = new Date();
    const { resolvedAt: _resolvedAt, resolution: _resolution, ...kept } = resolved;
    const stuck: Incident = { ...kept, incidentId: 'inc-0d0e0a0d0b0e', status: 'OPEN', level: 1, nextLevel: 2, nextEscalationAt: new Date(now.getTime() - 20 * MINUTE_MS).toISOString() };
    await store.create(stuck, now);

    const table = await runCli(['incidents'], account.env);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${stuck.incidentId}\\s+OPEN\\s+DevOps Team \\(L1\\)\\s+Cloud Infrastructure Team \\(L2\\) at ${stuck.nextEscalationAt ?? ''} \\(OVERDUE\\)`));
    expect(table.stdout).toContain('OVERDUE: that tier was not notified at its time; the escalation timer stopped or failed');
    expect(table.stdout).toContain('NotificationService-EscalateToNextTier');
    const json = await runCli(['incidents', '--json'], account.env);
    expect((JSON.parse(json.stdout) as { incidents: Array<Record<string, unknown>> }).incidents).toEqual([
      expect.objectContaining({ incidentId: stuck.incidentId, status: 'OPEN', nextEscalationOverdue: true }),
    ]);
  });
});
