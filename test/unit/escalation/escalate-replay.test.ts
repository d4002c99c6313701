// escalate and an alarm event EventBridge replayed from an archive (decisions 274, 286): a replay of a state change older
// than every claim is sure to be kept (15 days) is refused before anything is read, so nobody is paged again for it; a younger one is handled
// as any delivery of its state change (the incident record recognises it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { createEscalateHandler } from '../../../shared/escalation/create-escalate-handler';
import type { EscalationServices } from '../../../shared/escalation/escalation-service';

const ENV = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_ACCOUNT_ID: '123456789012', RUNBOOK_CONFIG_JSON: '{}' };
const NOW = new Date('2026-12-06T05:00:00Z');

/** The replayed sample (test/unit/events/aws-samples/), as the production queue alarm, its state change `daysAgo` before NOW. */
function replayOfQueueAlarm(daysAgo: number): Record<string, unknown> {
  const { event } = JSON.parse(readFileSync(join(__dirname, '../events/aws-samples/adapted-replayed-from-archive.json'), 'utf8')) as {
    event: { resources: string[]; detail: { alarmName: string; state: { timestamp: string } } };
  };
  const runtime = loadRuntimeConfig(ENV);
  const name = alarmSpecs(runtime.config, 'production', 'us-east-1').find((spec) => spec.handler === 'scale-consumers')?.name;
  if (!name) throw new Error('no queue alarm');
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`];
  event.detail.alarmName = name;
  event.detail.state.timestamp = new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString().replace('Z', '+0000');
  return event as unknown as Record<string, unknown>;
}

/** Services that record each call and refuse it: what the handler reaches, not what it decides after. */
function recordingServices(calls: string[]): Partial<EscalationServices> {
  const refusing = (service: string) =>
    new Proxy({}, { get: (_t, method) => async () => { calls.push(`${service}.${String(method)}`); throw new Error(`${service}.${String(method)} called`); } });
  return { store: refusing('store'), notifier: refusing('notifier'), timers: refusing('timers'), alarms: refusing('alarms') } as unknown as Partial<EscalationServices>;
}

function handlerRecording(calls: string[]) {
  return createEscalateHandler({ env: ENV, clock: { now: () => NOW, sleep: async () => undefined }, services: recordingServices(calls), killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } });
}

describe('escalate on an alarm event replayed from an EventBridge archive', () => {
  // 16 days: past the 15 every claim is kept; 45 days: within the 90 configured now, but a claim taken while
  // recordRetentionDays was 30 is gone (review 18, R18-6).
  it.each([16, 45])('refuses a replay of a state change %i days old, past the 15 days every claim is kept, reading nothing and paging nobody', async (daysAgo) => {
    const calls: string[] = [];
    const result = await handlerRecording(calls)(replayOfQueueAlarm(daysAgo));
    expect(result).toMatchObject({
      action: 'rejected',
      reason: expect.stringMatching(new RegExp(`^replayed event \\(EventBridge replay "replay_archive"\\) of alarm ".+"'s state change of .+, ${daysAgo} days ago: older than the 15 days`)),
      delivered: [],
    });
    expect(calls).toEqual([]);
  });

  it.each([15, 5])('takes a replay of a state change %i days old as a delivery of it: the incident is read', async (daysAgo) => {
    const calls: string[] = [];
    // The refusing store makes the handler log its failure and throw: only how far the event got is asserted.
    const quiet = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation(() => true));
    try {
      await handlerRecording(calls)(replayOfQueueAlarm(daysAgo)).catch(() => undefined);
    } finally {
      for (const spy of quiet) spy.mockRestore();
    }
    expect(calls).toContain('store.get');
  });
});
