// The pipeline under the failures the reliability suite provokes: a retry that finds its incident held by a dead attempt, a permanent failure mid-apply.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CurrentAlarmState } from '../../../shared/aws/alarm-state-reader';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError, TransientError } from '../../../shared/errors';
import { changeStep } from '../../../shared/pipeline/change-step';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { ManualClock } from '../../support/manual-clock';
import { SERVER_CPU } from '../../support/fixture-alarms';

const RESOURCE = 'arn:aws:test:::counter/c';
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as object;

interface Counter {
  value: number;
  applyCalls: number;
  failApply?: Error;
}

const playbook: Playbook<Counter, { resource: ResourceRef }, { value: number }, { to: number }> = {
  name: 'test-playbook',
  row: 'test',
  actions: [],
  actsOn: ['ALARM'],
  resolveTarget: () => ({ resource: { type: 'counter', id: 'c', arn: RESOURCE } }),
  observe: async (ctx) => ({ value: ctx.clients.value }),
  plan: ({ observation }) => ({
    kind: 'change',
    direction: 'scale-up',
    change: { to: observation.value + 1 },
    summary: `raise ${observation.value} -> ${observation.value + 1}`,
    before: { value: observation.value },
    after: { value: observation.value + 1 },
    blastRadius: 'counter',
    baseline: { value: observation.value },
  }),
  apply: async (ctx, _target, change) => {
    ctx.clients.applyCalls += 1;
    if (ctx.clients.failApply) {
      await ctx.remember?.({ ceiling: change.to - 1 });
      throw ctx.clients.failApply;
    }
    ctx.clients.value = change.to;
  },
  verify: async (ctx) => ({ value: ctx.clients.value }),
  isApplied: (observation, change) => observation.value === change.to,
};

/** The same counter, put back to its recorded baseline when the alarm returns to OK (a restore clears the baseline). */
const restoring: typeof playbook = {
  ...playbook,
  actsOn: ['ALARM', 'OK'],
  plan: (input) => {
    if (input.event.state.value !== 'OK') return playbook.plan(input);
    const baseline = input.resourceState?.baseline as { value: number } | undefined;
    if (!baseline) return { kind: 'none', reason: 'nothing to restore: no baseline recorded' };
    return {
      kind: 'change',
      direction: 'restore',
      change: { to: baseline.value },
      summary: `restore ${input.observation.value} -> ${baseline.value}`,
      before: { value: input.observation.value },
      after: { value: baseline.value },
      blastRadius: 'counter',
      clearsBaseline: true,
    };
  },
};

const OK_AT = '2019-10-02T17:10:00.000+0000';
const okEvent = (() => {
  const event = structuredClone(fixture) as { detail: { previousState: Record<string, unknown>; state: Record<string, unknown> } };
  event.detail.previousState = { ...event.detail.state };
  event.detail.state = { ...event.detail.state, value: 'OK', reason: 'Threshold Crossed: back under', timestamp: OK_AT };
  return event;
})();

function setup() {
  const counter: Counter = { value: 1, applyCalls: 0 };
  const store = new InMemoryIncidentStore(120);
  const clock = new ManualClock(Date.parse('2019-10-02T17:05:00Z'));
  const services: PipelineServices = {
    store,
    reporter: { log: () => undefined, count: () => undefined, publish: async () => undefined },
    killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    alarms: { current: async () => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: SERVER_CPU }) },
  };
  const deps = {
    playbook,
    clients: counter,
    services,
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
    clock,
    logger: new Logger({ logLevel: 'SILENT' }),
    changes: changeStep,
    // The test playbook is no row of the configuration: the fixture's alarm is the one it watches (decision 172).
    watchedAlarms: new Set(['ServerCpuTooHigh']),
  };
  return { counter, store, clock, deps };
}

describe('the pipeline recovering from failures', () => {
  it.each([
    ['skips a concurrent duplicate as a duplicate while the first delivery is still working', 5, 'skipped'],
    ['throws for a late retry whose incident is still held, so Lambda keeps retrying until the lease frees it', 60, 'throws'],
  ] as const)('%s', async (_name, secondsLater, expected) => {
    const { deps, store, clock } = setup();
    // A first attempt claimed the incident and died without releasing it.
    await store.claim(playbook.name, 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh#2019-10-02T17:04:40.989+0000', clock.now());
    clock.advanceSeconds(secondsLater);
    const run = runPlaybook(deps, fixture);
    if (expected === 'throws') await expect(run).rejects.toBeInstanceOf(TransientError);
    else await expect(run).resolves.toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate') });
  });

  it('takes the incident over once the dead attempt\'s lease has expired, and makes the change once', async () => {
    const { deps, store, clock, counter } = setup();
    await store.claim(playbook.name, 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh#2019-10-02T17:04:40.989+0000', clock.now());
    clock.advanceSeconds(180);
    expect(await runPlaybook(deps, fixture)).toMatchObject({ outcome: 'applied' });
    expect(counter.value).toBe(2);
  });

  it('gives the reservation back after a permanent failure, keeping what apply learned, so the next incident is not held by a cooldown', async () => {
    const { deps, store, counter } = setup();
    counter.failApply = new PermanentError('AccessDeniedException (missing permission: test:Raise)');
    expect(await runPlaybook(deps, fixture)).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
    const state = store.resources.get(RESOURCE);
    expect(state).toMatchObject({ changeTimesSeconds: [], learned: { ceiling: 1 } });
    expect(state?.baseline).toBeUndefined();
    expect(state?.lastScaleUpAtSeconds).toBeUndefined();
  });

  it('keeps the reservation after a transient failure: the retry finishes the same change', async () => {
    const { deps, store, counter } = setup();
    counter.failApply = new TransientError('Rate exceeded');
    await expect(runPlaybook(deps, fixture)).rejects.toBeInstanceOf(TransientError);
    expect(store.resources.get(RESOURCE)).toMatchObject({ baseline: { value: 1 } });
    counter.failApply = undefined;
    expect(await runPlaybook(deps, fixture)).toMatchObject({ outcome: 'applied' });
    expect(counter.value).toBe(2);
  });

  it('a restore whose first attempt reserved it and then failed transiently is made by the retry (its reservation cleared the baseline)', async () => {
    const { deps, store, counter, clock } = setup();
    const alarm: CurrentAlarmState = { value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: SERVER_CPU };
    const restoreDeps = { ...deps, playbook: restoring, services: { ...deps.services, alarms: { current: async () => alarm } } };
    expect(await runPlaybook(restoreDeps, fixture)).toMatchObject({ outcome: 'applied' });
    expect({ value: counter.value, baseline: store.resources.get(RESOURCE)?.baseline }).toEqual({ value: 2, baseline: { value: 1 } });

    // The alarm clears; the restore's apply is throttled past the SDK's retries: the delivery throws, Lambda retries it.
    clock.advanceSeconds(320);
    Object.assign(alarm, { value: 'OK', updatedAt: new Date('2019-10-02T17:10:00.000Z') });
    counter.failApply = new TransientError('Rate exceeded');
    await expect(runPlaybook(restoreDeps, okEvent)).rejects.toBeInstanceOf(TransientError);
    // The fault fired after the reservation: the state table already holds the restore, its baseline cleared.
    expect(counter.applyCalls).toBe(2);
    expect(store.resources.get(RESOURCE)).toMatchObject({ lastIncidentKey: expect.stringContaining('#2019-10-02T17:10:00.000+0000'), reservedFrom: { baseline: { value: 1 } } });
    expect(store.resources.get(RESOURCE)?.baseline).toBeUndefined();

    counter.failApply = undefined;
    clock.advanceSeconds(60);
    const retried = await runPlaybook(restoreDeps, okEvent);
    expect({ outcome: retried.outcome, reason: retried.reason }).toEqual({ outcome: 'applied', reason: 'restore 2 -> 1' });
    // Exactly one more apply (the restore), the counter back at its baseline, the baseline cleared once.
    expect({ value: counter.value, applyCalls: counter.applyCalls }).toEqual({ value: 1, applyCalls: 3 });
    expect(store.resources.get(RESOURCE)?.baseline).toBeUndefined();
    // A later duplicate of the restore is a duplicate: no fourth apply.
    expect(await runPlaybook(restoreDeps, okEvent)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate') });
    expect(counter.applyCalls).toBe(3);
  });

  it("a retry whose apply then fails permanently gives back the state the incident planned from (decision 110), not the first attempt's reservation", async () => {
    const { deps, store, counter, clock } = setup();
    const alarm: CurrentAlarmState = { value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: SERVER_CPU };
    const restoreDeps = { ...deps, playbook: restoring, services: { ...deps.services, alarms: { current: async () => alarm } } };
    expect(await runPlaybook(restoreDeps, fixture)).toMatchObject({ outcome: 'applied' });
    // What the scale-up left: the state the restore's reservation replaces.
    // (A reservation keeps what it replaced without that state's own reservedFrom: nextResourceState.)
    const { version: _version, reservedFrom: _older, ...afterScaleUp } = store.resources.get(RESOURCE) ?? { version: 0 };
    expect(afterScaleUp).toEqual({
      baseline: { value: 1 },
      changeTimesSeconds: [Date.parse('2019-10-02T17:05:00Z') / 1000],
      lastScaleUpAtSeconds: Date.parse('2019-10-02T17:05:00Z') / 1000,
      lastRestoreAtSeconds: undefined,
      lastIncidentKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh#2019-10-02T17:04:40.989+0000',
    });

    // The alarm clears; the restore's first attempt reserves, then is throttled: the delivery throws, Lambda retries.
    clock.advanceSeconds(320);
    Object.assign(alarm, { value: 'OK', updatedAt: new Date('2019-10-02T17:10:00.000Z') });
    counter.failApply = new TransientError('Rate exceeded');
    await expect(runPlaybook(restoreDeps, okEvent)).rejects.toBeInstanceOf(TransientError);
    const reserved = store.resources.get(RESOURCE);
    // The fault fired after the reservation: the state table holds the restore (baseline cleared, a second change).
    expect(counter.applyCalls).toBe(2);
    expect(reserved).toMatchObject({ lastIncidentKey: expect.stringContaining('#2019-10-02T17:10:00.000+0000'), reservedFrom: { baseline: { value: 1 } } });
    expect(reserved?.baseline).toBeUndefined();
    expect(reserved?.changeTimesSeconds).toHaveLength(2);

    // The retry's apply fails permanently: the reservation goes back to what it replaced (the scale-up's state), keeping
    // only what apply learned; not to the first attempt's reservation, which the retry read.
    counter.failApply = new PermanentError('AccessDeniedException (missing permission: test:Raise)');
    clock.advanceSeconds(60);
    expect(await runPlaybook(restoreDeps, okEvent)).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
    expect(counter.applyCalls).toBe(3);
    const { version: _after, ...givenBack } = store.resources.get(RESOURCE) ?? { version: 0 };
    expect(givenBack).toEqual({ ...afterScaleUp, learned: { ceiling: 0 } });
  });

  it('a kill switch that cannot be read holds every copy of a delivery without a change or a final record; the retry after it answers changes once (decision 173)', async () => {
    const { deps, store, counter, clock } = setup();
    let unread = true;
    deps.services.killSwitch = {
      read: async () => (unread ? { engaged: true, unread: true, reason: 'kill switch /t could not be read (ThrottlingException)' } : { engaged: false, reason: 'off' }),
    };
    // Ten copies at once while SSM throttles: one holds the claim and throws (claim given back), the rest are duplicates.
    const first = await Promise.allSettled(Array.from({ length: 10 }, () => runPlaybook(deps, fixture)));
    const thrown = first.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(thrown).toHaveLength(1);
    expect(thrown[0]?.reason).toBeInstanceOf(TransientError);
    expect(first.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ outcome: string }>).value.outcome)).toEqual(Array(9).fill('skipped'));
    expect({ applyCalls: counter.applyCalls, reserved: store.resources.get(RESOURCE) }).toEqual({ applyCalls: 0, reserved: undefined });
    expect([...store.claims.values()].map((c) => c.status)).toEqual(['IN_PROGRESS']);

    // Lambda's retry a minute later, ten copies again, once the switch answers "off": exactly one change.
    unread = false;
    clock.advanceSeconds(60);
    const retried = await Promise.allSettled(Array.from({ length: 10 }, () => runPlaybook(deps, fixture)));
    expect(retried.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'applied')).toHaveLength(1);
    expect({ value: counter.value, applyCalls: counter.applyCalls }).toEqual({ value: 2, applyCalls: 1 });
    expect([...store.claims.values()].map((c) => c.status)).toEqual(['COMPLETED']);
  });
});
