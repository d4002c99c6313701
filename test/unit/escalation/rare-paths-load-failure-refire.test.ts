// The rarer paths' module (escalation-rare-paths.ts, loaded by import(): decision 333) failing to load on a re-fire's
// re-open (review 20c R20-44): escalate has already moved the incident (groupInto) when it loads the module for
// afterRegroup. The invocation throws and logs one ERROR line; Lambda's retry of the same event, in the same container,
// loads the module again, finds the re-open done ('already') and still sends the re-open message to the tier paged
// before. The sweep's case: rare-paths-load-failure-sweep.test.ts.
//
// The real escalate handler, its real store, notifier and scheduler over the in-memory state table
// (test/support/escalation-deadline-world.ts); the module's import made to fail once by jest's module mock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { EscalationClients } from '../../../shared/escalation/create-escalation-handlers';
import { createEscalateHandler } from '../../../shared/escalation/create-escalate-handler';
import { incidentIdFor } from '../../../shared/escalation/incident';
import { handlerOptions, twoMinutesOn, useDeadlineClock, world, type World } from '../../support/escalation-deadline-world';
import { expectLoadFailedOnce, invokeLogged, loadRarePathsOrFail, rarePathsLoads } from '../../support/rare-paths-load-failure';
import { ALARM_ARN, ALARM_NAME, ALARM_TIME } from './fixtures';

jest.mock('../../../shared/escalation/escalation-rare-paths', () =>
  jest.requireActual<{ loadRarePathsOrFail: typeof loadRarePathsOrFail }>('../../support/rare-paths-load-failure').loadRarePathsOrFail(),
);

/** The queue alarm's state changes: it fired, cleared 20 min later, and fired again 10 min after that (within 30: re-opens). */
const OK_TIME = '2026-11-25T14:20:00.000+0000';
const REFIRE_TIME = '2026-11-25T14:30:00.000+0000';

/** CloudWatch's documented state change event, as the production queue alarm's. */
function stateChange(value: 'ALARM' | 'OK', timestamp: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as {
    resources: string[];
    detail: { alarmName: string; state: { value: string; timestamp: string; reason: string } };
  };
  event.resources = [ALARM_ARN];
  event.detail.alarmName = ALARM_NAME;
  event.detail.state.value = value;
  event.detail.state.timestamp = timestamp;
  if (value === 'OK') event.detail.state.reason = 'Threshold Crossed: 1 out of the last 1 datapoints [212.0 (25/11/26 14:19:00)] was not greater than the threshold (1000.0)';
  return event as unknown as Record<string, unknown>;
}

/**
 * DescribeAlarms answering the alarm as `now` says (what escalate re-reads before anyone is paged); the client is built
 * once per container, so it reads `now` at each call.
 */
function alarmReads(w: World): { now: { value: 'ALARM' | 'OK'; since: string } } {
  const alarm: { now: { value: 'ALARM' | 'OK'; since: string } } = { now: { value: 'ALARM', since: ALARM_TIME } };
  w.clients.cloudWatch = (() => ({
    send: ((command: unknown) => {
      if (!(command instanceof DescribeAlarmsCommand)) throw new Error('only DescribeAlarms is expected of CloudWatch');
      w.calls.push({ call: 'CloudWatch DescribeAlarms', atMs: 0 });
      const { value, since } = alarm.now;
      return Promise.resolve({ MetricAlarms: [{ AlarmName: ALARM_NAME, StateValue: value, StateReason: 'Threshold Crossed', StateTransitionedTimestamp: new Date(since.replace('+0000', 'Z')) }] });
    }) as EscalationClients['sns']['send'],
  })) as EscalationClients['cloudWatch'];
  return alarm;
}

const incidentId = incidentIdFor(`${ALARM_ARN}#${ALARM_TIME}`);

describe("escalate's re-fire when the rarer paths' chunk fails to load", () => {
  useDeadlineClock();

  it('the re-open written, the load fails: thrown, one ERROR line naming the chunk; the retry in the same container loads it and tells L1 the incident re-opened', async () => {
    const w = world();
    const alarm = alarmReads(w);
    const handler = createEscalateHandler(handlerOptions(w));
    // The incident opened (L1 paged), then resolved (L1 told): loads nothing of the rarer paths.
    const opened = await invokeLogged(w, createEscalateHandler, stateChange('ALARM', ALARM_TIME), handler);
    expect(opened.outcome.result).toMatchObject({ action: 'opened', incidentId });
    alarm.now = { value: 'OK', since: OK_TIME };
    const resolved = await invokeLogged(w, createEscalateHandler, stateChange('OK', OK_TIME), handler);
    expect(resolved.outcome.result).toMatchObject({ action: 'resolved', incidentIds: [incidentId] });
    expect(w.pages.map((p) => `${p.tier} ${p.channel}`)).toEqual(['L1 chat', 'L1 email', 'L1 chat', 'L1 email']);
    const loadsBefore = rarePathsLoads.attempted;

    // The alarm fires again 10 min after it cleared: the incident re-opens, and the module fails to load.
    twoMinutesOn(w);
    alarm.now = { value: 'ALARM', since: REFIRE_TIME };
    rarePathsLoads.toFail = 1;
    const failed = await invokeLogged(w, createEscalateHandler, stateChange('ALARM', REFIRE_TIME), handler);
    // The fault fired: the module's load was attempted and failed; thrown, one ERROR line naming the chunk.
    expectLoadFailedOnce(failed, loadsBefore);
    // The move was written before the load: the incident is open again, on the re-fire's state change; nobody told yet.
    expect(w.table.get({ pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' })).toMatchObject({ status: 'OPEN', alarmTime: REFIRE_TIME, reopens: 1 });
    expect(w.pages).toHaveLength(4);

    // Lambda's retry of the same event, same container: the module loads; the re-open found done, L1 told it re-opened.
    twoMinutesOn(w);
    const retried = await invokeLogged(w, createEscalateHandler, stateChange('ALARM', REFIRE_TIME), handler);
    expect(rarePathsLoads.attempted - loadsBefore).toBe(2);
    expect(retried.outcome.error).toBeUndefined();
    expect(retried.outcome.result).toMatchObject({ action: 'reopened', incidentId, delivered: [expect.objectContaining({ kind: 'reopen', level: 1 })] });
    expect(retried.lines.filter((line) => line.level === 'ERROR')).toEqual([]);
    expect(w.pages.map((p) => `${p.tier} ${p.channel}`)).toEqual(['L1 chat', 'L1 email', 'L1 chat', 'L1 email', 'L1 chat', 'L1 email']);
    // Re-opened once: the retry found the move made and did not make it again.
    expect(w.table.get({ pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' })).toMatchObject({ status: 'OPEN', reopens: 1 });
  });
});
