// verify-change's revert follows the pipeline's exactly-once protocol on its own claim: intent recorded, revert applied,
// claim completed. A retry after a crash finishes the revert the dead attempt judged (it does not judge again and find
// the change gone); a duplicate delivery reverts nothing. Faults are injected into the row's apply, and each test
// asserts its fault fired.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { TransientError } from '../../../shared/errors';
import type { Decision, HealthReading, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { runVerifyChange, type VerifyChangeDeps } from '../../../shared/pipeline/verify-change';
import { cpuUtilizationPlaybook } from '../../../shared/playbooks/cpu-utilization';
import { verifyClaimName } from '../../../shared/pipeline/verify-change-plan';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { ManualClock } from '../../support/manual-clock';
import { reportedLocally } from '../../support/reported-locally';

const ACCOUNT = '123456789012';
const FN = 'notification-service-consumer';
const RESOURCE: ResourceRef = { type: 'lambda-function', id: FN, arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FN}` };
const INCIDENT = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:OOM#2026-03-05T10:00:00.000+0000`;
const PLAYBOOK = 'test-playbook';

interface Knob {
  value: number;
  /** Calls to apply, and those that changed the value. */
  applyCalls: number;
  changes: number;
  healthReads: number;
  /** The errors the health read answers after the change (default 50: worse than the 1 before). */
  errorsAfter?: number;
  /** Injected once: the revert reaches the resource and its answer is lost, or the attempt dies before it. */
  fault?: 'answer-lost' | 'dies-before-apply';
  faultsFired: number;
  /** RDS-like rows only (rdsLike below): a value taken, not yet run. */
  pending?: number;
}

type Change = { from: number; to: number };

const reading = (errors: number): HealthReading => ({ from: '2026-03-05T10:00:00.000Z', to: '2026-03-05T10:10:00.000Z', figures: { errors } });

const playbook: Playbook<Knob, { resource: ResourceRef }, { value: number }, Change> = {
  name: PLAYBOOK,
  row: 'test',
  actions: [],
  actsOn: ['ALARM'],
  resolveTarget: () => ({ resource: RESOURCE }),
  observe: async (ctx) => ({ value: ctx.clients.value }),
  plan: () => ({ kind: 'none', reason: 'not used' }),
  apply: async (ctx, _target, change) => {
    const knob = ctx.clients;
    knob.applyCalls += 1;
    const fault = knob.fault;
    knob.fault = undefined;
    if (fault === 'dies-before-apply') {
      knob.faultsFired += 1;
      throw new TransientError('the container died before the revert was sent');
    }
    knob.value = change.to;
    knob.changes += 1;
    if (fault === 'answer-lost') {
      knob.faultsFired += 1;
      throw new TransientError('connection reset: the revert reached AWS, its answer did not come back');
    }
  },
  verify: async (ctx) => ({ value: ctx.clients.value }),
  isApplied: (observation, change) => observation.value === change.to,
  settingNow: (observation, change) => ({ reads: `knob ${observation.value} (the change: ${change.from} -> ${change.to})`, atBefore: observation.value === change.from }),
  health: {
    signal: 'errors',
    read: async (ctx) => {
      ctx.clients.healthReads += 1;
      return reading(ctx.clients.errorsAfter ?? 50);
    },
    worse: (before, after) => ((after.figures.errors ?? 0) > (before.figures.errors ?? 0) ? `errors ${before.figures.errors} -> ${after.figures.errors}` : undefined),
    revertOf: (change) => ({ from: change.to, to: change.from }),
  },
};

/** The alarm pipeline's record of an applied change (2 -> 3), as run-playbook.ts leaves it on its claim. */
async function recordedChange(store: InMemoryIncidentStore, clock: ManualClock): Promise<void> {
  const claimed = await store.claim(PLAYBOOK, INCIDENT, clock.now());
  if (!claimed.claimed) throw new Error('could not claim');
  await store.recordIntent(PLAYBOOK, INCIDENT, claimed.owner, {
    direction: 'scale-up',
    summary: 'raise 2 -> 3',
    change: { from: 2, to: 3 },
    before: { value: 2 },
    after: { value: 3 },
    blastRadius: 'the knob',
    target: { resource: RESOURCE },
    alarm: { account: ACCOUNT, region: 'us-east-1', name: 'OOM', arn: INCIDENT.split('#')[0], state: 'ALARM', time: '2026-03-05T10:00:00.000+0000' },
    healthCheck: { changedAt: '2026-03-05T10:00:00.000Z', before: reading(1) },
  });
  await store.complete(PLAYBOOK, INCIDENT, claimed.owner, 'applied', 'raise 2 -> 3');
}

async function setup(fault?: Knob['fault']) {
  const knob: Knob = { value: 3, applyCalls: 0, changes: 0, healthReads: 0, faultsFired: 0, ...(fault ? { fault } : {}) };
  const store = new InMemoryIncidentStore(120);
  const clock = new ManualClock(Date.parse('2026-03-05T10:11:00Z'));
  await recordedChange(store, clock);
  const published: Decision[] = [];
  const deps: VerifyChangeDeps = {
    playbooks: { [PLAYBOOK]: playbook as unknown as VerifyChangeDeps['playbooks'][string] },
    clientsIn: () => ({ [PLAYBOOK]: knob }),
    services: {
      store,
      reporter: { log: () => undefined, count: () => undefined, publish: async (decision: Decision) => void published.push(decision) },
      killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) },
    },
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
    clock,
    logger: new Logger({ logLevel: 'SILENT' }),
  };
  const input = { action: 'verify-change', playbook: PLAYBOOK, incidentKey: INCIDENT };
  const verifyClaim = () => store.claims.get(`${INCIDENT}#${verifyClaimName(PLAYBOOK)}`);
  return { knob, store, deps, input, published, verifyClaim };
}

const REVERTED = /made things worse \(errors 1 -> 50\); reverted to the recorded value: value 2/;

describe('verify-change reverts under the exactly-once protocol', () => {
  it('records its intent on its own claim before the revert is applied, and completes the claim after', async () => {
    const { knob, deps, input, verifyClaim } = await setup();
    let intentAtApply: unknown;
    const apply = playbook.apply;
    const recorded = { ...playbook, apply: async (...args: Parameters<typeof apply>) => ((intentAtApply = verifyClaim()?.intent), apply(...args)) };
    const decision = await runVerifyChange({ ...deps, playbooks: { [PLAYBOOK]: recorded as unknown as VerifyChangeDeps['playbooks'][string] } }, input);

    expect(intentAtApply).toEqual({ kind: 'revert', worse: 'errors 1 -> 50', after: reading(50) });
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' }, reason: expect.stringMatching(REVERTED) });
    expect(knob).toMatchObject({ value: 2, changes: 1 });
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
  });

  it('the revert reached AWS and its answer was lost: the retry records that revert and publishes the escalation, applying nothing again', async () => {
    const { knob, deps, input, published, verifyClaim } = await setup('answer-lost');

    await expect(runVerifyChange(deps, input)).rejects.toThrow(TransientError);
    // The fault fired: the revert is in place, nothing recorded or published, the claim given back with its intent.
    expect(knob).toMatchObject({ faultsFired: 1, value: 2, changes: 1, applyCalls: 1, healthReads: 1 });
    expect(published).toEqual([]);
    expect(verifyClaim()).toMatchObject({ status: 'IN_PROGRESS', intent: { kind: 'revert' } });

    const retried = await runVerifyChange(deps, input);

    expect(retried).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' }, reason: expect.stringMatching(REVERTED) });
    expect(retried.reason).toContain('applied by an earlier attempt, recorded on retry');
    // Exactly one revert; the retry neither applied nor judged again.
    expect(knob).toMatchObject({ value: 2, changes: 1, applyCalls: 1, healthReads: 1 });
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
  });

  it('the attempt died between its intent and the revert: the retry makes the revert once', async () => {
    const { knob, deps, input, published, verifyClaim } = await setup('dies-before-apply');

    await expect(runVerifyChange(deps, input)).rejects.toThrow(TransientError);
    expect(knob).toMatchObject({ faultsFired: 1, value: 3, changes: 0 });
    expect(verifyClaim()).toMatchObject({ status: 'IN_PROGRESS', intent: { kind: 'revert', worse: 'errors 1 -> 50' } });

    const retried = await runVerifyChange(deps, input);

    expect(retried).toMatchObject({ outcome: 'escalate', reason: expect.stringMatching(REVERTED) });
    expect(retried.reason).not.toContain('earlier attempt');
    expect(knob).toMatchObject({ value: 2, changes: 1, applyCalls: 2, healthReads: 1 });
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });

  it('a duplicate delivery, at once or after the revert completed, reverts nothing', async () => {
    const { knob, deps, input, published } = await setup();
    const together = await Promise.all([runVerifyChange(deps, input), runVerifyChange(deps, input)]);
    expect(together.map((d) => d.outcome).sort()).toEqual(['escalate', 'skipped']);
    const late = await runVerifyChange(deps, input);
    expect(late).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('already done (escalate)') });
    expect(knob).toMatchObject({ value: 2, changes: 1, applyCalls: 1 });
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });

  it.each([
    ['while the first check is running', 'running'],
    ['after the first check completed', 'done (escalate)'],
  ])('a duplicate %s is logged with its reason and counted: one "decision: skipped" line, DecisionsSkipped 1, nothing published', async (_when, state) => {
    const { knob, deps, input, published, store } = await setup();
    if (state === 'running') {
      const held = await store.claim(verifyClaimName(PLAYBOOK), INCIDENT, deps.clock.now());
      expect(held.claimed).toBe(true);
    } else {
      expect(await runVerifyChange(deps, input)).toMatchObject({ outcome: 'escalate' });
    }
    let decision: Decision | undefined;
    const reported = await reportedLocally(async (reporter) => {
      decision = await runVerifyChange({ ...deps, services: { ...deps.services, reporter } }, input);
    });
    const reason = `duplicate delivery: the health check of this change is already ${state}`;
    expect(decision).toMatchObject({ outcome: 'skipped', reason });
    expect(reported.decisionLines).toHaveLength(1);
    expect(reported.decisionLines[0]).toMatchObject({ level: 'INFO', message: 'decision: skipped', decision: { outcome: 'skipped', reason, playbook: PLAYBOOK } });
    expect(reported.metrics).toEqual({ DecisionsSkipped: 1 });
    expect(reported.published).toEqual([]);
    // Only the first check's revert and escalation (none while it is still running).
    expect([knob.changes, published.length]).toEqual(state === 'running' ? [0, 0] : [1, 1]);
  });

  it('a recorded revert intent that is not one (tampered) is not acted on: the retry judges afresh', async () => {
    const { knob, deps, input, store, verifyClaim } = await setup();
    const claimed = await store.claim(verifyClaimName(PLAYBOOK), INCIDENT, deps.clock.now());
    if (!claimed.claimed) throw new Error('could not claim');
    await store.recordIntent(verifyClaimName(PLAYBOOK), INCIDENT, claimed.owner, { kind: 'revert', worse: 'forged', after: reading(99), revert: { to: 0 } });
    await store.release(verifyClaimName(PLAYBOOK), INCIDENT, claimed.owner);

    const decision = await runVerifyChange(deps, input);

    expect(decision).toMatchObject({ outcome: 'escalate', reason: expect.stringMatching(REVERTED) });
    expect(knob).toMatchObject({ value: 2, changes: 1, healthReads: 1 });
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED' });
  });
});

describe('the health check reads the resource with its signal, and the kill switch with the revert intent', () => {
  it('reads the resource while the health signal is read, and asks the kill switch only once the change is known to be in place', async () => {
    const { deps, input, knob, verifyClaim } = await setup();
    const started: string[] = [];
    let answer: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const slowObserve = {
      ...playbook,
      observe: async (ctx: { clients: Knob }) => {
        started.push('observe');
        await held;
        return { value: ctx.clients.value };
      },
      health: {
        ...playbook.health,
        read: async (...args: Parameters<NonNullable<typeof playbook.health>['read']>) => {
          started.push('health read');
          return playbook.health?.read(...args) ?? reading(0);
        },
      },
    };
    const killSwitch = {
      read: async () => {
        started.push('kill switch');
        return { engaged: false, reason: 'off' };
      },
    };
    const running = runVerifyChange(
      { ...deps, services: { ...deps.services, killSwitch }, playbooks: { [PLAYBOOK]: slowObserve as unknown as VerifyChangeDeps['playbooks'][string] } },
      input,
    );
    for (let i = 0; i < 20 && started.length < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
    // Both reads are out while the observation has not answered; the kill switch and the intent wait for it.
    expect([...started].sort()).toEqual(['health read', 'observe']);
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(started).not.toContain('kill switch');
    expect(verifyClaim()?.intent).toBeUndefined();
    answer();
    expect(await running).toMatchObject({ outcome: 'escalate', reason: expect.stringMatching(REVERTED) });
    expect(started).toContain('kill switch');
    expect(knob).toMatchObject({ value: 2, changes: 1 });
  });

  it('an unreadable kill switch stops the revert (thrown, retried) but not the judgement of a change no longer in place', async () => {
    const unreadable = { read: async () => Promise.reject(new TransientError('SSM GetParameter throttled')) };
    const inPlace = await setup();
    await expect(runVerifyChange({ ...inPlace.deps, services: { ...inPlace.deps.services, killSwitch: unreadable } }, inPlace.input)).rejects.toThrow('SSM GetParameter throttled');
    expect(inPlace.knob).toMatchObject({ value: 3, applyCalls: 0 });

    const movedOn = await setup();
    movedOn.knob.value = 2;
    const decision = await runVerifyChange({ ...movedOn.deps, services: { ...movedOn.deps.services, killSwitch: unreadable } }, movedOn.input);
    expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('change no longer in place') });
    expect(movedOn.knob).toMatchObject({ value: 2, applyCalls: 0 });
  });
});

describe('a change that is applied but not in effect is not reverted from', () => {
  it("holds the revert and escalates naming why, when the playbook says the change is not what the resource runs", async () => {
    const { knob, deps, input } = await setup();
    const pending = { ...playbook, notInEffect: () => 'the knob runs 4, not 3 (still pending)' };
    const decision = await runVerifyChange({ ...deps, playbooks: { [PLAYBOOK]: pending as unknown as VerifyChangeDeps['playbooks'][string] } }, input);

    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(decision.reason).toContain('not reverted: the recorded value is refused: the knob runs 4, not 3 (still pending)');
    expect(knob).toMatchObject({ value: 3, applyCalls: 0, changes: 0 });
  });
});

describe('scale-up-database: a class change in effect', () => {
  const change = { dbInstanceIdentifier: 'notification-service-db', fromClass: 'db.r6g.xlarge', toClass: 'db.r6g.2xlarge' };
  const observed = (instanceClass: string, pendingInstanceClass?: string) =>
    ({ dbInstanceIdentifier: 'notification-service-db', instanceClass, status: 'available', ...(pendingInstanceClass ? { pendingInstanceClass } : {}) }) as Parameters<
      NonNullable<typeof cpuUtilizationPlaybook.notInEffect>
    >[0];

  it.each<[string, ReturnType<typeof observed>, RegExp | undefined]>([
    ['running the class the change moved to', observed('db.r6g.2xlarge'), undefined],
    // Reviewer: running 4xlarge with 2xlarge pending for the maintenance window; a forged {xlarge -> 2xlarge} passed
    // isApplied and the step bound, and the revert took the running instance two rungs down at once.
    ['running another class with the change only pending', observed('db.r6g.4xlarge', 'db.r6g.2xlarge'), /runs db\.r6g\.4xlarge, not db\.r6g\.2xlarge \(still pending\)/],
    ['running the class with another change pending', observed('db.r6g.2xlarge', 'db.r6g.4xlarge'), /another class change pending \(db\.r6g\.4xlarge\)/],
  ])('%s', (_situation, observation, expected) => {
    // isApplied accepts all three (a pending class counts for the pipeline's own retry), hence notInEffect.
    expect(cpuUtilizationPlaybook.isApplied(observation, change)).toBe(true);
    expect(cpuUtilizationPlaybook.notInEffect?.(observation, change)).toEqual(expected === undefined ? undefined : expect.stringMatching(expected));
  });
});

describe('the revert path writes its intent with the kill switch\'s read, once the observation shows the change in place', () => {
  /** Wraps the store's recordIntent for verify-change's claim: counts the writes, and fails the first `failures` of them. */
  function interceptIntent(store: InMemoryIncidentStore, failures = 0) {
    const seen = { writes: 0, faultsFired: 0 };
    const original = store.recordIntent.bind(store);
    store.recordIntent = async (claimName, incidentKey, owner, intent) => {
      if (claimName !== verifyClaimName(PLAYBOOK)) return original(claimName, incidentKey, owner, intent);
      seen.writes += 1;
      if (seen.faultsFired < failures) {
        seen.faultsFired += 1;
        throw new TransientError('DynamoDB UpdateItem throttled (revert intent)');
      }
      return original(claimName, incidentKey, owner, intent);
    };
    return seen;
  }

  it('no intent is on the claim while the observation has not answered; once it shows the change in place, the intent comes before the revert', async () => {
    const { deps, input, knob, verifyClaim } = await setup();
    let observing = false;
    let answer: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const slowObserve = {
      ...playbook,
      observe: async (ctx: { clients: Knob }) => {
        observing = true;
        await held;
        return { value: ctx.clients.value };
      },
    };
    const running = runVerifyChange({ ...deps, playbooks: { [PLAYBOOK]: slowObserve as unknown as VerifyChangeDeps['playbooks'][string] } }, input);
    for (let i = 0; i < 40 && !(observing && knob.healthReads > 0); i += 1) await new Promise((resolve) => setImmediate(resolve));

    expect(observing).toBe(true);
    expect(knob.healthReads).toBe(1);
    expect(verifyClaim()?.intent).toBeUndefined();
    expect(knob.applyCalls).toBe(0);
    answer();
    expect(await running).toMatchObject({ outcome: 'escalate', reason: expect.stringMatching(REVERTED) });
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED', intent: { kind: 'revert', worse: 'errors 1 -> 50', after: reading(50) } });
    expect(knob).toMatchObject({ value: 2, changes: 1, applyCalls: 1 });
  });

  it('an intent that could not be written stops the revert (thrown, retried); the retry judges again and reverts once', async () => {
    const { deps, input, knob, store, published, verifyClaim } = await setup();
    const intent = interceptIntent(store, 1);

    await expect(runVerifyChange(deps, input)).rejects.toThrow('DynamoDB UpdateItem throttled (revert intent)');
    expect(intent).toEqual({ writes: 1, faultsFired: 1 });
    expect(knob).toMatchObject({ value: 3, applyCalls: 0, changes: 0 });
    expect(verifyClaim()).toMatchObject({ status: 'IN_PROGRESS' });
    expect(verifyClaim()?.intent).toBeUndefined();

    const retried = await runVerifyChange(deps, input);
    expect(retried).toMatchObject({ outcome: 'escalate', reason: expect.stringMatching(REVERTED) });
    // No intent was recorded, so the retry judged afresh (a second health read) and reverted once.
    expect(knob).toMatchObject({ value: 2, changes: 1, applyCalls: 1, healthReads: 2 });
    expect(intent.writes).toBe(2);
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });

  it('an observation that fails stops the check before any intent or revert (thrown, retried): nothing is said of a change not seen', async () => {
    const { deps, input, knob, store, verifyClaim } = await setup();
    const intent = interceptIntent(store);
    const failingObserve = { ...playbook, observe: async () => Promise.reject(new TransientError('Lambda GetFunctionConfiguration throttled')) };

    await expect(
      runVerifyChange({ ...deps, playbooks: { [PLAYBOOK]: failingObserve as unknown as VerifyChangeDeps['playbooks'][string] } }, input),
    ).rejects.toThrow('Lambda GetFunctionConfiguration throttled');
    expect(intent.writes).toBe(0);
    expect(knob).toMatchObject({ applyCalls: 0, changes: 0 });
    expect(verifyClaim()).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('a change no longer in place writes no intent and reverts nothing', async () => {
    const { deps, input, knob, store, verifyClaim } = await setup();
    knob.value = 2;
    const intent = interceptIntent(store, 1);

    const decision = await runVerifyChange(deps, input);

    expect(intent).toEqual({ writes: 0, faultsFired: 0 });
    expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('change no longer in place') });
    expect(knob).toMatchObject({ value: 2, applyCalls: 0 });
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED', outcome: 'skipped' });
  });

  it.each([
    ['under dry run', { DRY_RUN: 'true' }, undefined, 'not reverted: DRY_RUN is set'],
    ['for a recorded value the configuration refuses', {}, 'value 2 is below the floor', 'not reverted: the recorded value is refused: value 2 is below the floor'],
  ])('writes no intent where no revert can follow: %s', async (_case, env, refusal, expected) => {
    const { deps, input, knob, store } = await setup();
    const intent = interceptIntent(store);
    const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', ...env });
    const refusing = { ...playbook, health: { ...playbook.health, ...(refusal ? { refuseRevert: () => refusal } : {}) } };

    const decision = await runVerifyChange({ ...deps, runtime, playbooks: { [PLAYBOOK]: refusing as unknown as VerifyChangeDeps['playbooks'][string] } }, input);

    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(decision.reason).toContain(expected);
    expect(intent.writes).toBe(0);
    expect(knob).toMatchObject({ value: 3, applyCalls: 0 });
  });
});

describe('a change no longer in place is not judged: the check says what it found instead (decision 175)', () => {
  const OK_INCIDENT = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:OOM#2026-03-05T10:03:00.000+0000`;
  const LATER_INCIDENT = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:OOM#2026-03-05T10:06:00.000+0000`;
  type Entry = { incidentKey: string; at: string; decision: Record<string, unknown> };
  const entry = (incidentKey: string, decidedAt: string, outcome: string, reason: string, extra: Record<string, unknown> = {}): Entry => ({
    incidentKey,
    at: decidedAt,
    decision: { playbook: PLAYBOOK, outcome, reason, decidedAt, ...extra },
  });

  it.each<[string, { value: number; errorsAfter: number; entries: Entry[]; history?: 'fails' }, RegExp]>([
    [
      'restored by the automation at the alarm\'s OK, the signal healthy: not "verified healthy"',
      { value: 2, errorsAfter: 1, entries: [entry(OK_INCIDENT, '2026-03-05T10:03:10.000Z', 'applied', 'restore 3 -> 2')] },
      /: change no longer in place \(restored by test-playbook at 10:03:10 UTC \(restore 3 -> 2; incident .*10:03:00\.000\+0000\)\); now knob 2 \(the change: 2 -> 3\): nothing to verify, nothing reverted$/,
    ],
    [
      'restored by the automation, the signal worse: nothing reverted',
      { value: 2, errorsAfter: 50, entries: [entry(OK_INCIDENT, '2026-03-05T10:03:10.000Z', 'applied', 'restore 3 -> 2')] },
      /change no longer in place \(restored by test-playbook at 10:03:10 UTC/,
    ],
    [
      'changed since by a later change of the automation (the newest one named)',
      {
        value: 4,
        errorsAfter: 1,
        entries: [entry(OK_INCIDENT, '2026-03-05T10:03:10.000Z', 'applied', 'restore 3 -> 2'), entry(LATER_INCIDENT, '2026-03-05T10:06:10.000Z', 'applied', 'raise 2 -> 4')],
      },
      /change no longer in place \(changed since by test-playbook at 10:06:10 UTC \(raise 2 -> 4; incident .*10:06:00\.000\+0000\)\); now knob 4 \(the change: 2 -> 3\)/,
    ],
    [
      'changed by hand: the trail holds only the change itself, a dry run since and a change before it',
      {
        value: 7,
        errorsAfter: 1,
        entries: [
          entry(INCIDENT, '2026-03-05T10:00:05.000Z', 'applied', 'raise 2 -> 3'),
          entry(LATER_INCIDENT, '2026-03-05T10:06:10.000Z', 'dry-run', 'raise 3 -> 4 (preview)', { dryRun: true }),
          entry(`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:OOM#2026-03-05T09:40:00.000+0000`, '2026-03-05T09:40:10.000Z', 'applied', 'raise 1 -> 2'),
        ],
      },
      /change no longer in place \(changed since, not by this automation: it recorded no change of it since \(by hand, a deploy or another tool\)\); now knob 7 \(the change: 2 -> 3\)/,
    ],
    ['restored by hand (a deploy put the old value back)', { value: 2, errorsAfter: 1, entries: [] }, /change no longer in place \(restored, not by this automation: it recorded no change/],
    [
      "the automation's record of the resource cannot be read: the verdict stands, who is said unknown",
      { value: 2, errorsAfter: 1, entries: [], history: 'fails' },
      /change no longer in place \(restored; by whom is not known: the automation's record of the resource could not be read \(ProvisionedThroughputExceededException\)\)/,
    ],
  ])('%s', async (_situation, { value, errorsAfter, entries, history }, expected) => {
    const { deps, input, knob, store, published, verifyClaim } = await setup();
    knob.value = value;
    knob.errorsAfter = errorsAfter;
    for (const e of entries) store.audit.push({ resourceArn: RESOURCE.arn, ...e });
    if (history === 'fails') {
      store.history = async () => Promise.reject(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
    }
    const killSwitchReads: string[] = [];
    const killSwitch = { read: async () => (killSwitchReads.push('read'), { engaged: false, reason: 'off' }) };

    const decision = await runVerifyChange({ ...deps, services: { ...deps.services, killSwitch } }, input);

    expect(decision).toMatchObject({ outcome: 'skipped', playbook: PLAYBOOK, incidentKey: INCIDENT, reason: expect.stringMatching(expected) });
    expect(decision.reason).not.toContain('verified healthy');
    expect(decision.findings).toEqual([expect.stringMatching(/^before: /), `now: knob ${value} (the change: 2 -> 3)`]);
    // Nothing judged into a mutation: no revert (not even of someone else's value), no intent, no kill switch asked.
    expect(knob).toMatchObject({ value, applyCalls: 0, changes: 0 });
    expect(killSwitchReads).toEqual([]);
    // Recorded: the incident's claim, the resource's audit trail and the decision event all say what was found.
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED', outcome: 'skipped', reason: decision.reason });
    expect(verifyClaim()?.intent).toBeUndefined();
    expect(store.audit.filter((a) => a.incidentKey === INCIDENT && a.decision.reason === decision.reason)).toHaveLength(1);
    expect(published).toEqual([decision]);
  });

  it('a change still in place and healthy is said so, with the words "still in place"', async () => {
    const { deps, input, knob } = await setup();
    knob.errorsAfter = 1;
    const decision = await runVerifyChange(deps, input);
    expect(decision).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/: change still in place, verified healthy, nothing worse after 10 min$/) });
    expect(knob).toMatchObject({ value: 3, applyCalls: 0 });
  });
});

// Review 21b R21b-4: RDS takes a class change (the revert too) as PendingModifiedValues and keeps running the old class for
// minutes. A revert taken and its answer lost (cut at the sweep's deadline, decision 346) leaves the instance running the
// change's class with the revert's pending. The retry must record that revert, not page "made things worse; not
// reverted" while it runs; a pending class that is NOT the revert's (someone else's) is not taken for it.
describe('an RDS-like row: a revert taken as pending', () => {
  type Observed = { value: number; pending?: number };
  const rdsLike: typeof playbook = {
    ...playbook,
    observe: async (ctx) => ({ value: ctx.clients.value, ...(ctx.clients.pending !== undefined ? { pending: ctx.clients.pending } : {}) }),
    apply: async (ctx, target, change) => {
      const knob = ctx.clients;
      const running = knob.value;
      await playbook.apply(ctx, target, change).finally(() => {
        // What the base row "applied" is only taken: pending, the old value still running.
        if (knob.value !== running) [knob.pending, knob.value] = [knob.value, running];
      });
    },
    verify: async (ctx) => ({ value: ctx.clients.value, ...(ctx.clients.pending !== undefined ? { pending: ctx.clients.pending } : {}) }),
    // As cpu-utilization.ts's isApplied and notInEffect.
    isApplied: (observation: Observed, change) => observation.value === change.to || observation.pending === change.to,
    notInEffect: (observation: Observed, change) =>
      observation.value !== change.to ? `runs ${observation.value}, not ${change.to} (still pending)` : observation.pending !== undefined ? `another class change pending (${observation.pending}): a person decides` : undefined,
  };
  const withRdsLike = (deps: VerifyChangeDeps): VerifyChangeDeps => ({ ...deps, playbooks: { [PLAYBOOK]: rdsLike as unknown as VerifyChangeDeps['playbooks'][string] } });

  it('the revert taken (pending) and its answer lost: the retry records the revert, pending, applying nothing again', async () => {
    const { knob, deps, input, published, verifyClaim } = await setup('answer-lost');
    await expect(runVerifyChange(withRdsLike(deps), input)).rejects.toThrow(TransientError);
    // The fault fired: the revert is taken (2 pending), the change (3) still running, the claim given back with its intent.
    expect(knob).toMatchObject({ faultsFired: 1, value: 3, pending: 2, changes: 1, applyCalls: 1, healthReads: 1 });
    expect(verifyClaim()).toMatchObject({ status: 'IN_PROGRESS', intent: { kind: 'revert' } });

    const retried = await runVerifyChange(withRdsLike(deps), input);

    expect(retried).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(retried.reason).toContain('made things worse (errors 1 -> 50); reverted to the recorded value: value 3, pending 2 (taken by an earlier attempt and still pending, recorded on retry)');
    expect(retried.reason).not.toMatch(/not reverted/);
    expect(knob).toMatchObject({ value: 3, pending: 2, changes: 1, applyCalls: 1, healthReads: 1 });
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
    expect(verifyClaim()).toMatchObject({ status: 'COMPLETED', outcome: 'escalate' });
  });

  it("an earlier attempt died before its revert and someone else's change to ANOTHER value is pending: not taken for the revert; held, a person decides", async () => {
    const { knob, deps, input, published } = await setup('dies-before-apply');
    await expect(runVerifyChange(withRdsLike(deps), input)).rejects.toThrow(TransientError);
    expect(knob).toMatchObject({ faultsFired: 1, value: 3, changes: 0 });
    knob.pending = 7;

    const retried = await runVerifyChange(withRdsLike(deps), input);

    expect(retried).toMatchObject({ outcome: 'escalate', escalation: { cause: 'made-worse' } });
    expect(retried.reason).toContain('not reverted: the recorded value is refused: another class change pending (7): a person decides');
    expect(retried.reason).not.toContain('earlier attempt');
    expect(knob).toMatchObject({ value: 3, pending: 7, changes: 0, applyCalls: 1 });
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });

  it('a first health check finding the change running with another value pending is judged as before (held), not taken for a revert', async () => {
    const { knob, deps, input } = await setup();
    knob.pending = 2;
    const decision = await runVerifyChange(withRdsLike(deps), input);
    // No earlier attempt, no intent: a pending 2 here is nobody's revert of ours.
    expect(decision.reason).toContain('not reverted: the recorded value is refused: another class change pending (2): a person decides');
    expect(knob).toMatchObject({ applyCalls: 0, changes: 0 });
  });
});
