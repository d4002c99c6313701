// A change whose health reading "before" CloudWatch cannot give whole: the real runPlaybook and the real readWindowMetrics,
// CloudWatch stubbed with the answers its reference documents (decision 132, after review). The reading runs alongside
// the apply (one round trip fewer), so the change is made; what must hold is that nobody is told it is watched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { TransientError } from '../../../shared/errors';
import { planVerifySweep } from '../../../shared/pipeline/plan-verify-sweep';
import { changeStep } from '../../../shared/pipeline/change-step';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { readWindowMetrics } from '../../../shared/playbooks/metric-window';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { knobPlaybook, type Knob, type KnobChange } from '../../support/knob-playbook';
import { ManualClock } from '../../support/manual-clock';
import { SERVER_CPU } from '../../support/fixture-alarms';

const fixture: unknown = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8'));
const cloudWatch = mockClient(CloudWatchClient);

/** Every query answered with the same status; Complete carries one point, the others none (as CloudWatch gives them). */
function answerEveryQuery(status: 'Complete' | 'Forbidden' | 'PartialData' | 'InternalError'): void {
  cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map(
      (q): MetricDataResult =>
        status === 'Complete'
          ? { Id: q.Id, Timestamps: [new Date('2019-10-02T17:00:00Z')], Values: [2], StatusCode: 'Complete' }
          : {
              Id: q.Id,
              Timestamps: [],
              Values: [],
              StatusCode: status,
              ...(status === 'Forbidden' ? { Messages: [{ Code: 'Forbidden', Value: 'Authentication too complex to retrieve cross region data' }] } : {}),
            },
    ),
  }));
}

function setup() {
  const knob: Knob = { value: 1, applyCalls: 0 };
  const scheduled: string[] = [];
  const cw = new CloudWatchClient({ region: 'us-east-1' });
  const playbook: Playbook<Knob, { resource: ResourceRef }, { value: number }, KnobChange> = {
    ...knobPlaybook('us-east-1'),
    health: {
      signal: 'errors',
      read: async (_ctx, _target, _change, window) =>
        readWindowMetrics(cw, [{ figure: 'errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'notification-service-consumer' }, stat: 'Sum' }], window),
      worse: () => undefined,
      revertOf: (change) => ({ from: change.to, to: change.from }),
    },
  };
  const services: PipelineServices = {
    store: new InMemoryIncidentStore(),
    reporter: { log: () => undefined, count: () => undefined, publish: async () => undefined },
    killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    alarms: { current: async () => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: SERVER_CPU }) },
    verifier: {
      schedule: async (input) => {
        scheduled.push(input.incidentKey);
        return { name: 'verify-change-test', created: true };
      },
    },
  };
  const deps = {
    playbook,
    clients: knob,
    services,
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
    clock: new ManualClock(Date.parse('2019-10-02T17:05:00Z')),
    logger: new Logger({ logLevel: 'SILENT' }),
    changes: changeStep,
    // The test playbook is no row of the configuration: the fixture's alarm is the one it watches (decision 184).
    watchedAlarms: new Set(['ServerCpuTooHigh']),
  };
  return { knob, scheduled, deps };
}

beforeEach(() => cloudWatch.reset());

describe('a change whose health reading before it is not complete', () => {
  it('schedules the health check with the reading when CloudWatch answers Complete (the path the cases below leave)', async () => {
    answerEveryQuery('Complete');
    const { knob, scheduled, deps } = setup();
    const decision = await runPlaybook(deps, fixture);
    expect(decision.outcome).toBe('applied');
    expect(knob.applyCalls).toBe(1);
    expect(scheduled).toHaveLength(1);
    expect(decision.healthCheck?.before.figures).toEqual({ errors: 2 });
  });

  it.each<['Forbidden' | 'PartialData', RegExp]>([
    ['Forbidden', /incomplete reading, not decided on: m0: Forbidden \(Forbidden: Authentication too complex to retrieve cross region data\)/],
    ['PartialData', /incomplete reading, not decided on: m0: PartialData/],
  ])('is applied once and escalated as unwatched when the reading is %s: no verify-change is scheduled', async (status, reading) => {
    answerEveryQuery(status);
    const { knob, scheduled, deps } = setup();
    const decision = await runPlaybook(deps, fixture);
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
    expect(decision.outcome).toBe('escalate');
    expect(decision.reason).toMatch(/^raise 1 -> 2 — applied, but its health check could not be scheduled: CloudWatch GetMetricData gave an incomplete reading/);
    expect(decision.reason).toMatch(reading);
    expect(decision.escalation?.cause).toBe('failure');
    expect(decision.escalation?.error?.message).toMatch(reading);
    expect(decision.healthCheck).toBeUndefined();
    expect(scheduled).toEqual([]);
  });

  it('is applied once and thrown for a retry when the reading is InternalError: nothing is scheduled on it', async () => {
    answerEveryQuery('InternalError');
    const { knob, scheduled, deps } = setup();
    const run = runPlaybook(deps, fixture);
    await expect(run).rejects.toBeInstanceOf(TransientError);
    await expect(run).rejects.toThrow(/answered InternalError .*m0: InternalError/);
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
    expect(scheduled).toEqual([]);
  });
});

// Review 19 R19-11, decision 314: the intent (its health check's changedAt) and the verify sweep's entry (dueAt) are
// written at once; a retry that rewrote both from its own clock reading left a moment where the sweep, reading the entry
// and then the record, found one attempt's time beside the other's and refused (and counted) a genuine check.
describe('a retry finishing a change whose health check an earlier attempt recorded', () => {
  /** Scheduler refusing the health check's schedule (ThrottlingException: thrown for a retry) until `allow()`; every instant asked for, listed. */
  function schedulerRefusingUntilAllowed(deps: ReturnType<typeof setup>['deps']): { scheduledAt: string[]; allow: () => void } {
    let refusing = true;
    const scheduledAt: string[] = [];
    deps.services.verifier = {
      schedule: async (_input, at) => {
        scheduledAt.push(at.toISOString());
        if (refusing) throw new TransientError('Scheduler CreateSchedule failed: ThrottlingException');
        return { name: 'verify-change-test', created: true };
      },
    };
    return { scheduledAt, allow: () => void (refusing = false) };
  }

  it('keeps that attempt\'s time and reading: at every write of the retry the sweep finds the entry confirmed by the record', async () => {
    answerEveryQuery('Complete');
    const { knob, deps } = setup();
    const store = deps.services.store as InMemoryIncidentStore;
    const windowMinutes = deps.runtime.env.verifyChange.verifyWindowMinutes;
    // What the verify sweep would plan, read between any two writes.
    const sweepSees = (): string[] => {
      const listed = [...store.verifyList.values()].map((entry) => ({ entry, record: store.claims.get(`${entry.incidentKey}#${entry.playbook}`) }));
      return planVerifySweep(listed, new Date(deps.clock.now().getTime()), windowMinutes).unconfirmed.map((u) => u.issue);
    };
    const seen: string[][] = [];
    const recordIntent = store.recordIntent.bind(store);
    const recordVerifyDue = store.recordVerifyDue.bind(store);
    // Read just before and just after each write (the writes run at once: one lands between the other's two reads).
    store.recordIntent = async (...args) => {
      seen.push(sweepSees());
      await recordIntent(...args);
      seen.push(sweepSees());
    };
    store.recordVerifyDue = async (...args) => {
      seen.push(sweepSees());
      await recordVerifyDue(...args);
      seen.push(sweepSees());
    };
    // The first attempt: applied, intent and entry written, its schedule refused for a moment (thrown for a retry).
    const scheduler = schedulerRefusingUntilAllowed(deps);
    await expect(runPlaybook(deps, fixture)).rejects.toBeInstanceOf(TransientError);
    const [entry] = [...store.verifyList.values()];
    const changedAt = '2019-10-02T17:05:00.000Z';
    const dueAt = new Date(Date.parse(changedAt) + windowMinutes * 60_000).toISOString();
    expect(entry?.dueAt).toBe(dueAt);

    // Lambda's retry, 2 minutes on: the change is found applied, the check scheduled again from the recorded time.
    deps.clock.advanceSeconds(120);
    scheduler.allow();
    seen.length = 0;
    const retried = await runPlaybook(deps, fixture);
    expect(retried).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('earlier attempt'), healthCheck: { dueAt, before: { figures: { errors: 2 } } } });
    expect(knob.applyCalls).toBe(1);
    expect(seen).toHaveLength(4);
    expect(seen.flat()).toEqual([]);
    expect([...store.verifyList.values()].map((e) => e.dueAt)).toEqual([dueAt]);
    expect(store.claims.get(`${entry?.incidentKey}#${entry?.playbook}`)).toMatchObject({ intent: { healthCheck: { changedAt } } });
    expect(scheduler.scheduledAt).toEqual([dueAt, dueAt]);
  });

  it('a retry past the recorded due time keeps it, and schedules the check a minute on', async () => {
    answerEveryQuery('Complete');
    const { deps } = setup();
    const store = deps.services.store as InMemoryIncidentStore;
    const windowMinutes = deps.runtime.env.verifyChange.verifyWindowMinutes;
    const scheduler = schedulerRefusingUntilAllowed(deps);
    await expect(runPlaybook(deps, fixture)).rejects.toBeInstanceOf(TransientError);
    deps.clock.advanceSeconds((windowMinutes + 5) * 60);
    scheduler.allow();
    await runPlaybook(deps, fixture);
    const dueAt = new Date(Date.parse('2019-10-02T17:05:00.000Z') + windowMinutes * 60_000).toISOString();
    expect([...store.verifyList.values()].map((e) => e.dueAt)).toEqual([dueAt]);
    expect(scheduler.scheduledAt).toEqual([dueAt, new Date(deps.clock.now().getTime() + 60_000).toISOString()]);
  });
});
