// The pipeline and verify-change in a DR region (decision 123): a change is applied only when the region's own serving
// signal says it serves; not serving, unreadable or missing -> escalated as dr-region, nothing applied. A primary region
// never reads the signal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { RegionServing } from '../../../shared/guard/region-serving';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Decision, HealthReading, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { runVerifyChange, type VerifyChangeDeps } from '../../../shared/pipeline/verify-change';
import { verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { ManualClock } from '../../support/manual-clock';

const ACCOUNT = '123456789012';
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as {
  region: string;
  account: string;
  detail: { state: { value: string; timestamp: string } };
};

const SERVING: RegionServing = { serving: true, reason: 'serving since a failover: the replica r is promoted (no replication source) and the DR consumers\' mapping u-1 is Enabled' };
const NOT_SERVING: RegionServing = { serving: false, reason: 'not serving: the replica r still replicates p (not promoted)' };

type Knob = { value: number; applyCalls: number };
type Change = { from: number; to: number };

function knobPlaybook(): Playbook<Knob, { resource: ResourceRef }, { value: number }, Change> {
  return {
    name: 'test-playbook',
    row: 'test',
    actions: [],
    actsOn: ['ALARM'],
    resolveTarget: () => ({ resource: { type: 'knob', id: 'k', arn: 'arn:aws:test:us-west-2::knob/k' } }),
    observe: async (ctx) => ({ value: ctx.clients.value }),
    plan: ({ observation }) => ({
      kind: 'change',
      direction: 'scale-up',
      change: { from: observation.value, to: observation.value + 1 },
      summary: `raise ${observation.value} -> ${observation.value + 1}`,
      before: { value: observation.value },
      after: { value: observation.value + 1 },
      blastRadius: 'the knob',
    }),
    apply: async (ctx, _t, change) => {
      ctx.clients.applyCalls += 1;
      ctx.clients.value = change.to;
    },
    verify: async (ctx) => ({ value: ctx.clients.value }),
    isApplied: (observation, change) => observation.value === change.to,
  };
}

function setup(region: string, serving: PipelineServices['regionServing'] | 'none') {
  const knob: Knob = { value: 1, applyCalls: 0 };
  const reads: string[] = [];
  // The fixture's alarm, as that region's (its ARNs name the region too).
  const event = JSON.parse(JSON.stringify(fixture).replaceAll('us-east-1', region)) as typeof fixture;
  const services: PipelineServices = {
    store: new InMemoryIncidentStore(),
    reporter: { log: () => undefined, count: () => undefined, publish: async () => undefined },
    killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    alarms: { current: async () => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z') }) },
    ...(serving === 'none'
      ? {}
      : {
          regionServing: {
            read: async (account: string) => {
              reads.push(account);
              if (!serving) throw new Error('unused');
              return serving.read(account);
            },
          },
        }),
  };
  const deps = {
    playbook: knobPlaybook(),
    clients: knob,
    services,
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region }),
    clock: new ManualClock(Date.parse('2019-10-02T17:05:00Z')),
    logger: new Logger({ logLevel: 'SILENT' }),
  };
  return { knob, reads, deps, event };
}

describe('runPlaybook in the DR region', () => {
  it('applies the change while the region serves, and says what said so', async () => {
    const { deps, knob, reads, event } = setup('us-west-2', { read: async () => SERVING });
    const decision = await runPlaybook(deps, event);
    expect(decision).toMatchObject({ outcome: 'applied', region: 'us-west-2', findings: [`us-west-2 (DR region) ${SERVING.reason}`] });
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
    // Read once, in the alarm's account.
    expect(reads).toEqual([fixture.account]);
  });

  it.each<[string, PipelineServices['regionServing'] | 'none', string]>([
    ['not serving', { read: async () => NOT_SERVING }, 'us-west-2 is the DR region of production and not serving: the replica r still replicates p (not promoted)'],
    ['a reader that throws (unreadable)', { read: async () => Promise.reject(Object.assign(new Error('boom'), { name: 'ThrottlingException' })) }, 'not serving: whether this region serves could not be read (ThrottlingException)'],
    ['no reader at all', 'none', 'not serving: this handler has no reader of whether its region serves'],
  ])('escalates as dr-region and applies nothing when %s', async (_case, serving, reason) => {
    const { deps, knob, event } = setup('us-west-2', serving);
    const decision: Decision = await runPlaybook(deps, event);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'dr-region' } });
    expect(decision.reason).toContain(reason);
    expect(decision.findings).toBeUndefined();
    expect(knob).toEqual({ value: 1, applyCalls: 0 });
  });
});

describe('runPlaybook in the primary region', () => {
  it('never reads the serving signal, and applies as before', async () => {
    const { deps, knob, reads, event } = setup('us-east-1', { read: async () => NOT_SERVING });
    const decision = await runPlaybook(deps, event);
    expect(decision).toMatchObject({ outcome: 'applied' });
    expect(decision.findings).toBeUndefined();
    expect(knob.applyCalls).toBe(1);
    expect(reads).toEqual([]);
  });
});

describe('verify-change in the DR region', () => {
  const RESOURCE: ResourceRef = { type: 'lambda-function', id: 'notification-service-consumer', arn: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:notification-service-consumer` };
  const INCIDENT = `arn:aws:cloudwatch:us-west-2:${ACCOUNT}:alarm:OOM#2026-03-05T10:00:00.000+0000`;
  const reading = (errors: number): HealthReading => ({ from: '2026-03-05T10:00:00.000Z', to: '2026-03-05T10:10:00.000Z', figures: { errors } });
  const playbook: Playbook<Knob, { resource: ResourceRef }, { value: number }, Change> = {
    ...knobPlaybook(),
    resolveTarget: () => ({ resource: RESOURCE }),
    health: {
      signal: 'errors',
      read: async () => reading(50),
      worse: (before, after) => ((after.figures.errors ?? 0) > (before.figures.errors ?? 0) ? `errors ${before.figures.errors} -> ${after.figures.errors}` : undefined),
      revertOf: (change) => ({ from: change.to, to: change.from }),
    },
  };

  async function judged(serving: RegionServing | 'throws') {
    const knob: Knob = { value: 3, applyCalls: 0 };
    const store = new InMemoryIncidentStore(120);
    const clock = new ManualClock(Date.parse('2026-03-05T10:11:00Z'));
    const claimed = await store.claim('test-playbook', INCIDENT, clock.now());
    if (!claimed.claimed) throw new Error('could not claim');
    await store.recordIntent('test-playbook', INCIDENT, claimed.owner, {
      direction: 'scale-up',
      summary: 'raise 2 -> 3',
      change: { from: 2, to: 3 },
      before: { value: 2 },
      after: { value: 3 },
      blastRadius: 'the knob',
      target: { resource: RESOURCE },
      alarm: { account: ACCOUNT, region: 'us-west-2', name: 'OOM', arn: INCIDENT.split('#')[0], state: 'ALARM', time: '2026-03-05T10:00:00.000+0000' },
      healthCheck: { changedAt: '2026-03-05T10:00:00.000Z', before: reading(1) },
    });
    await store.complete('test-playbook', INCIDENT, claimed.owner, 'applied', 'raise 2 -> 3');
    const asked: string[] = [];
    const deps: VerifyChangeDeps = {
      playbooks: { 'test-playbook': playbook as unknown as VerifyChangeDeps['playbooks'][string] },
      clientsIn: () => ({ 'test-playbook': knob }),
      servingIn: (account) => ({
        read: async () => {
          asked.push(account);
          if (serving === 'throws') throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
          return serving;
        },
      }),
      services: {
        store,
        reporter: { log: () => undefined, count: () => undefined, publish: async () => undefined },
        killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
      },
      runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-west-2' }),
      clock,
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    const decision = await runVerifyChange(deps, { action: 'verify-change', playbook: 'test-playbook', incidentKey: INCIDENT });
    return { decision, knob, asked, claim: store.claims.get(`${INCIDENT}#${verifyClaimName('test-playbook')}`) };
  }

  it('reverts a change that made things worse while the region serves', async () => {
    const { decision, knob, asked } = await judged(SERVING);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' }, reason: expect.stringContaining('reverted to the recorded value: value 2') });
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
    expect(asked).toEqual([ACCOUNT]);
  });

  it.each<[string, RegionServing | 'throws', string]>([
    ['no longer serves', NOT_SERVING, 'not reverted: us-west-2 is the DR region of production and not serving: the replica r still replicates p'],
    ['cannot read whether it serves', 'throws', 'not reverted: us-west-2 is the DR region of production and not serving: whether this region serves could not be read (AccessDenied)'],
  ])('holds the revert and escalates when the region %s', async (_case, serving, reason) => {
    const { decision, knob, claim } = await judged(serving);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(decision.reason).toContain(reason);
    expect(knob).toEqual({ value: 3, applyCalls: 0 });
    expect(claim).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
  });
});
