// The pipeline and verify-change in a DR region (decision 123): a change is applied only when the region's own serving
// signal says it serves; not serving, unreadable or missing -> escalated as dr-region, nothing applied. A primary region
// never reads the signal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { RegionServing } from '../../../shared/guard/region-serving';
import { changeStep } from '../../../shared/pipeline/change-step';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Decision, HealthReading, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { runVerifyChange, type VerifyChangeDeps } from '../../../shared/pipeline/verify-change';
import { verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { knobPlaybook, type Knob, type KnobChange } from '../../support/knob-playbook';
import { ManualClock } from '../../support/manual-clock';
import { FIXTURE_DEFINITIONS } from '../../support/fixture-alarms';

const ACCOUNT = '123456789012';
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as {
  region: string;
  account: string;
  detail: { state: { value: string; timestamp: string } };
};

const SERVING: RegionServing = { serving: true, reason: 'serving since a failover: the replica r is promoted (no replication source) and the DR consumers\' mapping u-1 is Enabled' };
const NOT_SERVING: RegionServing = { serving: false, reason: 'not serving: the replica r still replicates p (not promoted)' };


function setup(region: string, serving: PipelineServices['regionServing'] | 'none') {
  const knob: Knob = { value: 1, applyCalls: 0 };
  const reads: string[] = [];
  // The fixture's alarm, as that region's (its ARNs name the region too).
  const event = JSON.parse(JSON.stringify(fixture).replaceAll('us-east-1', region)) as typeof fixture;
  const services: PipelineServices = {
    store: new InMemoryIncidentStore(),
    reporter: { log: () => undefined, count: () => undefined, publish: async () => undefined },
    killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    alarms: { current: async (alarmName: string) => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: FIXTURE_DEFINITIONS[alarmName] }) },
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
    playbook: knobPlaybook('us-west-2'),
    clients: knob,
    services,
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region }),
    clock: new ManualClock(Date.parse('2019-10-02T17:05:00Z')),
    logger: new Logger({ logLevel: 'SILENT' }),
    changes: changeStep,
    // The knob is no row of the configuration: it watches the fixture's alarm and, in the DR region, Queue Backup's (decision 184).
    watchedAlarms: new Set(['ServerCpuTooHigh', 'NotificationService Queue Depth > 1000 (notification-service-queue)']),
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

// The replicated queue's backlog before a failover (decision 158): Queue Backup's alarm in the DR region watches the same
// metric as the standby watch's depth alarm, which reports it; the changing row's decision defers to it instead of
// escalating on its own (one backlog, one incident). The knob stands in for scale-consumers; the event is the DR
// region's queue-depth alarm.
describe('runPlaybook in the DR region, on the metric the standby watch also watches', () => {
  const QUEUE_ALARM = 'NotificationService Queue Depth > 1000 (notification-service-queue)';
  const STANDBY_DEPTH = 'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)';
  function queueDepthEvent(region: string) {
    const { event, ...rest } = setup(region, { read: async () => NOT_SERVING });
    const raw = JSON.parse(JSON.stringify(event).replaceAll('ServerCpuTooHigh', QUEUE_ALARM)) as typeof event & {
      detail: { configuration: { metrics: Array<{ metricStat: { metric: Record<string, unknown>; period: number } }> } };
    };
    const [series] = raw.detail.configuration.metrics;
    if (series) {
      series.metricStat.metric = { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'notification-service-queue' } };
      series.metricStat.period = 60;
    }
    return { ...rest, event: raw };
  }

  it('defers to the standby watch while the region does not serve: skipped, naming its alarm and what was planned, recorded and published, nothing applied', async () => {
    const { deps, knob, event } = queueDepthEvent('us-west-2');
    const published: Decision[] = [];
    deps.services.reporter = { log: () => undefined, count: () => undefined, publish: async (d: Decision) => void published.push(d) };
    const decision = await runPlaybook(deps, event);
    expect(decision).toMatchObject({
      outcome: 'skipped',
      deferredTo: { playbook: 'watch-standby', alarmName: STANDBY_DEPTH },
      findings: ['planned, not applied: raise 1 -> 2'],
      before: { value: 1 },
      after: { value: 2 },
    });
    expect(decision.escalation).toBeUndefined();
    expect(decision.reason.startsWith(`deferred to watch-standby: us-west-2 is the DR region of production and ${NOT_SERVING.reason}; the standby watch's alarm "${STANDBY_DEPTH}"`)).toBe(true);
    expect(knob).toEqual({ value: 1, applyCalls: 0 });
    // Nothing lost: on the bus (the escalation records it on the standby watch's incident) and on the resource's audit trail.
    expect(published).toEqual([decision]);
    expect((deps.services.store as InMemoryIncidentStore).audit.map((a) => a.decision)).toEqual([decision]);
  });

  it.each<[string, RegionServing | 'throws', object]>([
    ['the region serves (after a failover): applied as decision 123 intends', SERVING, { outcome: 'applied' }],
    ['whether it serves could not be read: escalated dr-region, naming the failure', 'throws', { outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'dr-region' } }],
  ])('does not defer when %s', async (_case, serving, expected) => {
    const { deps, event } = queueDepthEvent('us-west-2');
    deps.services.regionServing = { read: async () => (serving === 'throws' ? Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })) : serving) };
    const decision = await runPlaybook(deps, event);
    expect(decision).toMatchObject(expected);
    expect(decision.deferredTo).toBeUndefined();
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

describe('verify-change and the serving signal (DR region; the primary unchanged)', () => {
  const REPLICA = 'notification-service-db-replica';
  const resourceIn = (region: string): ResourceRef => ({ type: 'lambda-function', id: 'notification-service-consumer', arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:notification-service-consumer` });
  const incidentIn = (region: string) => `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:OOM#2026-03-05T10:00:00.000+0000`;
  const reading = (errors: number): HealthReading => ({ from: '2026-03-05T10:00:00.000Z', to: '2026-03-05T10:10:00.000Z', figures: { errors } });
  const playbook: Playbook<Knob, { resource: ResourceRef }, { value: number }, KnobChange> = {
    ...knobPlaybook('us-west-2'),
    resolveTarget: () => ({ resource: resourceIn('us-west-2') }),
    health: {
      signal: 'errors',
      read: async () => reading(50),
      worse: (before, after) => ((after.figures.errors ?? 0) > (before.figures.errors ?? 0) ? `errors ${before.figures.errors} -> ${after.figures.errors}` : undefined),
      revertOf: (change) => ({ from: change.to, to: change.from }),
    },
  };

  interface Situation {
    /** Where verify-change runs (and the change was made). */
    region?: string;
    /** The recorded target (default: the consumer function in that region). */
    target?: { resource: ResourceRef } & Record<string, unknown>;
    /** An earlier attempt judged worse, wrote its revert intent and died before completing: this run takes its claim over. */
    takeover?: boolean;
  }

  async function judged(serving: RegionServing | 'throws', situation: Situation = {}) {
    const region = situation.region ?? 'us-west-2';
    const incident = incidentIn(region);
    const target = situation.target ?? { resource: resourceIn(region) };
    const knob: Knob = { value: 3, applyCalls: 0 };
    const store = new InMemoryIncidentStore(120);
    const clock = new ManualClock(Date.parse('2026-03-05T10:11:00Z'));
    const claimed = await store.claim('test-playbook', incident, clock.now());
    if (!claimed.claimed) throw new Error('could not claim');
    await store.recordIntent('test-playbook', incident, claimed.owner, {
      direction: 'scale-up',
      summary: 'raise 2 -> 3',
      change: { from: 2, to: 3 },
      before: { value: 2 },
      after: { value: 3 },
      blastRadius: 'the knob',
      target,
      alarm: { account: ACCOUNT, region, name: 'OOM', arn: incident.split('#')[0], state: 'ALARM', time: '2026-03-05T10:00:00.000+0000' },
      healthCheck: { changedAt: '2026-03-05T10:00:00.000Z', before: reading(1) },
    });
    await store.complete('test-playbook', incident, claimed.owner, 'applied', 'raise 2 -> 3');
    if (situation.takeover) {
      // The earlier attempt's state: its revert intent on the health-check claim, the claim given back (lease over).
      const earlier = await store.claim(verifyClaimName('test-playbook'), incident, clock.now());
      if (!earlier.claimed) throw new Error('could not claim the health check');
      await store.recordIntent(verifyClaimName('test-playbook'), incident, earlier.owner, { kind: 'revert', worse: 'errors 1 -> 60 (judged by the earlier attempt)', after: reading(60) });
      await store.release(verifyClaimName('test-playbook'), incident, earlier.owner);
    }
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
      runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region }),
      clock,
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    const decision = await runVerifyChange(deps, { action: 'verify-change', playbook: 'test-playbook', incidentKey: incident });
    return { decision, knob, asked, claim: store.claims.get(`${incident}#${verifyClaimName('test-playbook')}`) };
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

  // The revert intent is written ahead (with the observation) even where the region may not serve; an attempt that
  // dies before completing leaves it on the claim. The retry that takes it over finishes that judgement, but the hold
  // is decided again from a fresh read: a recorded intent is no licence to revert in a region that does not serve.
  it('holds the revert on a retry that takes over an earlier attempt\'s revert intent, the region not serving', async () => {
    const { decision, knob, asked, claim } = await judged(NOT_SERVING, { takeover: true });
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    // The earlier attempt's judgement was taken over (not judged again)...
    expect(decision.reason).toContain('made things worse (errors 1 -> 60 (judged by the earlier attempt))');
    // ...and the hold decided afresh.
    expect(decision.reason).toContain('not reverted: us-west-2 is the DR region of production and not serving: the replica r still replicates p');
    expect(knob).toEqual({ value: 3, applyCalls: 0 });
    expect(asked).toEqual([ACCOUNT]);
    expect(claim).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
  });

  it('makes the revert on that takeover retry while the region serves (the intent finished, not judged again)', async () => {
    const { decision, knob, asked } = await judged(SERVING, { takeover: true });
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' }, reason: expect.stringContaining('reverted to the recorded value: value 2') });
    expect(decision.reason).toContain('(judged by the earlier attempt)');
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
    expect(asked).toEqual([ACCOUNT]);
  });

  // A recorded target is judged against the databases owned where verify-change runs: in the DR region the promoted
  // replica, never the primary's database (decision 123).
  const database = (region: string, id: string) => ({ resource: { type: 'rds-db-instance', id, arn: `arn:aws:rds:${region}:${ACCOUNT}:db:${id}` }, dbInstanceIdentifier: id });
  it('refuses, in the DR region, a recorded change whose target is the primary\'s database: nothing read or changed', async () => {
    const { decision, knob, asked } = await judged(SERVING, { target: database('us-west-2', 'notification-service-db') });
    expect(decision).toMatchObject({ outcome: 'rejected', region: 'us-west-2' });
    expect(decision.reason).toContain(`notification-service-db is not one of this environment's databases (${REPLICA})`);
    expect(knob).toEqual({ value: 3, applyCalls: 0 });
    expect(asked).toEqual([]);
  });

  it('accepts, in the DR region, a recorded change whose target is the promoted replica, and judges it', async () => {
    const { decision, knob } = await judged(SERVING, { target: database('us-west-2', REPLICA) });
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' }, resource: { id: REPLICA } });
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
  });

  it('refuses, in the primary region, a recorded change whose target is the replica (the primary\'s list is unchanged)', async () => {
    const { decision } = await judged(SERVING, { region: 'us-east-1', target: database('us-east-1', REPLICA) });
    expect(decision).toMatchObject({ outcome: 'rejected', region: 'us-east-1' });
    expect(decision.reason).toContain(`${REPLICA} is not one of this environment's databases (notification-service-db)`);
  });

  // A primary verify-change never reads the signal: a reader handed in anyway is not asked, and the revert is made as
  // before (its calls unchanged; bench --check counts them too).
  it.each<[string, RegionServing | 'throws']>([
    ['not serving', NOT_SERVING],
    ['unreadable', 'throws'],
  ])('in the primary region, never reads the serving signal and reverts as before (a reader that would say %s)', async (_case, serving) => {
    const { decision, knob, asked } = await judged(serving, { region: 'us-east-1' });
    expect(decision).toMatchObject({ outcome: 'escalate', region: 'us-east-1', escalation: { cause: 'made-worse' }, reason: expect.stringContaining('reverted to the recorded value: value 2') });
    expect(knob).toEqual({ value: 2, applyCalls: 1 });
    expect(asked).toEqual([]);
  });
});
