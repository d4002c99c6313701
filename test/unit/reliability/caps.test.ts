// Property tests on the pure planners: for any configuration the schema accepts and any state AWS can report, no planned change passes AWS's limits or the environment's caps.
import fc from 'fast-check';
import type { Plan } from '../../../shared/pipeline/types';
import { planDatabaseScaleUp, type DatabasePlanInput } from '../../../shared/playbooks/cpu-utilization-plan';
import {
  AWS_MAX_MEMORY_MB,
  AWS_MIN_MEMORY_MB,
  MEMORY_CEILING_FACT,
  planMemoryRaise,
  type MemoryPlanInput,
} from '../../../shared/playbooks/memory-pressure-plan';
import {
  AWS_MAX_MAXIMUM_CONCURRENCY,
  AWS_MIN_MAXIMUM_CONCURRENCY,
  planConsumerScaling as planScalingFor,
  type ConsumerScalingChange,
  type QueueBackupObservation,
  type QueueBackupPlanInput,
} from '../../../shared/playbooks/queue-backup-plan';
import { metricRead, rowAlarm } from '../../support/corroborating-readings';

/** Production's OOM and CPU alarms: the inputs carry readings that bear them out (decision 217). */
const OOM_ALARM = rowAlarm('memory-pressure');
const CPU_ALARM = rowAlarm('cpu-utilization');
/** The queue's depth alarm as production's configuration defines it (> 1000): the plans here read depths above it unless a case says otherwise. */
const DEPTH_ALARM = { alarmName: rowAlarm('queue-backup').alarmName, configured: rowAlarm('queue-backup') };
const planConsumerScaling = (input: Omit<QueueBackupPlanInput, 'alarm'> & Partial<Pick<QueueBackupPlanInput, 'alarm'>>) => planScalingFor({ alarm: DEPTH_ALARM, ...input });

const RUNS = 5000;

/**
 * Not vacuous: a property that only checks change plans proves nothing unless the generator makes enough of them.
 * Asserts each kind's share of the runs is at least `minShare` and returns the tally as printable text.
 */
function expectSpread(tally: Record<string, number>, minShare: Record<string, number>): string {
  const total = Object.values(tally).reduce((a, b) => a + b, 0);
  expect(total).toBe(RUNS);
  for (const [kind, share] of Object.entries(minShare)) {
    const count = tally[kind] ?? 0;
    if (count < Math.ceil(RUNS * share)) throw new Error(`generator spread: ${count} "${kind}" plans of ${RUNS}, fewer than the ${share * 100}% the property needs`);
  }
  return Object.entries(tally)
    .map(([kind, n]) => `${kind} ${n} (${((100 * n) / total).toFixed(1)}%)`)
    .join(', ');
}


/** A planned change's common promises: it says what it does, from what, to what, and how far it reaches. */
function expectDescribed(plan: Plan<unknown>): void {
  if (plan.kind !== 'change') return;
  expect(plan.summary.length).toBeGreaterThan(0);
  expect(plan.blastRadius.length).toBeGreaterThan(0);
  expect(plan.before).toBeDefined();
  expect(plan.after).toBeDefined();
}

// --- Queue Backup -> scale consumers ---------------------------------------------------------------------------

const functionNames = ['consumer', 'consumer-b', 'consumer-c'];

/** Any scaleConsumers policy shared/config/schema.ts accepts. */
const consumerPolicy = fc.record({
  stepConcurrency: fc.integer({ min: 1, max: 998 }),
  maxConcurrency: fc.integer({ min: 2, max: 1000 }),
  consumerErrorRatePercent: fc.double({ min: 0, max: 100, noNaN: true }),
  errorRateWindowMinutes: fc.integer({ min: 1, max: 60 }),
  minUnreservedConcurrency: fc.integer({ min: 100, max: 3000 }),
});

/** The depth alarm's metric as CloudWatch holds it at a genuine OK: the newest minute under the threshold. */
const DRAINED = metricRead([1500, 400]);

/** What Lambda can report: MaximumConcurrency 2..1000 or unset (possibly above the environment's cap, set by hand). */
const consumerObservation: fc.Arbitrary<QueueBackupObservation> = fc
  .record({
    // Mostly above the depth alarm's 1000 (fast-check favours small numbers): a depth at or under it, or not read, bears
    // out no alarm (decision 217), and a property about caps needs scale-ups to check.
    queueDepth: fc.option(fc.oneof({ arbitrary: fc.integer({ min: 1001, max: 10_000_000 }), weight: 29 }, { arbitrary: fc.nat({ max: 1000 }), weight: 1 }), { nil: undefined, freq: 50 }),
    mappings: fc.uniqueArray(
      fc.record({
        uuid: fc.uuid(),
        functionName: fc.constantFrom(...functionNames),
        state: fc.constantFrom('Enabled', 'Enabled', 'Updating', 'Enabling', 'Disabled', 'Disabling', 'Creating'),
        maximumConcurrency: fc.option(fc.integer({ min: AWS_MIN_MAXIMUM_CONCURRENCY, max: AWS_MAX_MAXIMUM_CONCURRENCY }), { nil: undefined, freq: 20 }),
      }),
      { maxLength: 4, selector: (m) => m.uuid },
    ),
    reserved: fc.array(fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }), { minLength: functionNames.length, maxLength: functionNames.length }),
    // Mostly healthy consumers, so most runs get as far as planning a change.
    errors: fc.array(fc.option(fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 1000 }) }), { nil: undefined }), {
      minLength: 3,
      maxLength: 3,
    }),
    invocations: fc.array(fc.option(fc.nat({ max: 100_000 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
    // Lambda: the account limit is 1000 by default and can be raised; AWS itself keeps 100 unreserved.
    account: fc.option(
      fc.integer({ min: 1000, max: 20_000 }).chain((limit) =>
        fc.integer({ min: 100, max: limit }).map((unreserved) => ({ concurrentExecutions: limit, unreservedConcurrentExecutions: unreserved })),
      ),
      { nil: undefined },
    ),
  })
  .map(({ queueDepth, mappings, reserved, errors, invocations, account }) => ({
    queueName: 'notification-service-queue',
    ...(queueDepth !== undefined ? { queueDepth } : {}),
    mappings: mappings.map(({ maximumConcurrency, ...m }) => ({ ...m, ...(maximumConcurrency !== undefined ? { maximumConcurrency } : {}) })),
    functions: Object.fromEntries(
      functionNames.map((name, i) => [
        name,
        {
          ...(reserved[i] !== undefined ? { reservedConcurrency: reserved[i] } : {}),
          ...(errors[i] !== undefined ? { errors: errors[i] } : {}),
          ...(invocations[i] !== undefined ? { invocations: invocations[i] } : {}),
        },
      ]),
    ),
    ...(account ? { account } : {}),
  }));

/** A recorded baseline: what the mappings and reservations were before the automation first changed them. */
function consumerInput(): fc.Arbitrary<QueueBackupPlanInput> {
  return fc
    .record({
      state: fc.constantFrom('ALARM' as const, 'OK' as const),
      observation: consumerObservation,
      policy: consumerPolicy,
      baselineValues: fc.array(fc.integer({ min: AWS_MIN_MAXIMUM_CONCURRENCY, max: AWS_MAX_MAXIMUM_CONCURRENCY }), { minLength: 4, maxLength: 4 }),
      baselineReserved: fc.array(fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }), { minLength: 3, maxLength: 3 }),
      hasBaseline: fc.boolean(),
    })
    .map(({ state, observation, policy, baselineValues, baselineReserved, hasBaseline }) => ({
      state,
      alarm: DEPTH_ALARM,
      // An OK CloudWatch bears out (the backlog's minute, then one under the threshold): decision 263 restores on no other.
      observation: state === 'OK' ? { ...observation, alarmMetric: DRAINED } : observation,
      policy,
      resourceState: hasBaseline
        ? {
            version: 1,
            changeTimesSeconds: [],
            baseline: {
              mappings: Object.fromEntries(observation.mappings.map((m, i) => [m.uuid, baselineValues[i] ?? AWS_MIN_MAXIMUM_CONCURRENCY])),
              reservedConcurrency: Object.fromEntries(functionNames.map((name, i) => [name, baselineReserved[i] ?? null])),
            },
          }
        : undefined,
    }));
}

/**
 * The scale-up a queue backup should get, computed here from the documented rule rather than with the planner: each
 * active mapping one step up, held at the lower of the environment cap and Lambda's 1000 (never under 2); where a
 * function reserves concurrency and its mappings would need more, the reservation is raised by what the account can
 * spare above its minimum of unreserved executions (functions in the order their mappings are listed, each raise taken
 * from the pool), and the mappings share what remains in their listed order. Mappings that would not go up are left out.
 */
function expectedScaleUp(input: QueueBackupPlanInput): {
  mappings: Map<string, number>;
  reserved: Map<string, { from: number; to: number }>;
  heldAtCap: number;
  heldByReserved: number;
} {
  const { observation, policy } = input;
  const active = observation.mappings.filter((m) => ['Enabled', 'Updating', 'Enabling'].includes(m.state));
  const cap = Math.min(policy.maxConcurrency, 1000);
  const to = new Map<string, number>();
  let heldAtCap = 0;
  for (const m of active) {
    const from = m.maximumConcurrency ?? 0;
    if (from + policy.stepConcurrency > cap && from < cap) heldAtCap += 1;
    to.set(m.uuid, Math.max(2, Math.min(from + policy.stepConcurrency, cap)));
  }
  const reserved = new Map<string, { from: number; to: number }>();
  let pool = observation.account?.unreservedConcurrentExecutions;
  let heldByReserved = 0;
  for (const name of [...new Set(active.map((m) => m.functionName))]) {
    const reservation = observation.functions[name]?.reservedConcurrency;
    if (reservation === undefined) continue;
    const own = active.filter((m) => m.functionName === name);
    const wanted = own.reduce((sum, m) => sum + (to.get(m.uuid) ?? 0), 0);
    if (wanted <= reservation) continue;
    const spare = pool === undefined ? 0 : Math.max(0, pool - policy.minUnreservedConcurrency);
    const granted = Math.min(wanted - reservation, spare);
    if (granted > 0) reserved.set(name, { from: reservation, to: reservation + granted });
    if (pool !== undefined) pool -= granted;
    if (granted === wanted - reservation) continue;
    // The mappings together get no more than the (raised) reservation, and none goes down.
    let left = reservation + granted - own.reduce((sum, m) => sum + (m.maximumConcurrency ?? 0), 0);
    for (const m of own) {
      const from = m.maximumConcurrency ?? 0;
      const step = Math.max(0, Math.min((to.get(m.uuid) ?? from) - from, left));
      if (from + step < (to.get(m.uuid) ?? 0)) heldByReserved += 1;
      to.set(m.uuid, from + step);
      left -= step;
    }
  }
  for (const m of active) if ((to.get(m.uuid) ?? 0) <= (m.maximumConcurrency ?? 0)) to.delete(m.uuid);
  return { mappings: to, reserved, heldAtCap, heldByReserved };
}

/** Checks a consumer-scaling plan; for a scale-up, returns how many mappings the cap and reserved concurrency held back. */
function checkConsumerScaling(input: QueueBackupPlanInput, plan: Plan<ConsumerScalingChange>): { heldAtCap: number; heldByReserved: number } {
  const none = { heldAtCap: 0, heldByReserved: 0 };
  expectDescribed(plan);
  if (plan.kind !== 'change') return none;
  const { observation, policy } = input;
  const mappingOf = (uuid: string) => observation.mappings.find((m) => m.uuid === uuid);
  for (const m of plan.change.mappings) {
    // Lambda ScalingConfig.MaximumConcurrency: 2..1000, always.
    expect(m.to).toBeGreaterThanOrEqual(AWS_MIN_MAXIMUM_CONCURRENCY);
    expect(m.to).toBeLessThanOrEqual(AWS_MAX_MAXIMUM_CONCURRENCY);
    expect(m.from).toBe(mappingOf(m.uuid)?.maximumConcurrency ?? 0);
  }
  if (plan.direction === 'restore') {
    // Back to the recorded baseline, and nothing else.
    const baseline = input.resourceState?.baseline as { mappings: Record<string, number>; reservedConcurrency: Record<string, number | null> };
    for (const m of plan.change.mappings) expect(m.to).toBe(baseline.mappings[m.uuid]);
    for (const r of plan.change.reservedConcurrency) expect(r.to).toBe(baseline.reservedConcurrency[r.functionName]);
    return none;
  }
  // Exactly the expected figure for every mapping and reservation (the bounds below are the reasons for it).
  const expected = expectedScaleUp(input);
  expect(new Map(plan.change.mappings.map((m) => [m.uuid, m.to]))).toEqual(expected.mappings);
  expect(new Map(plan.change.reservedConcurrency.map((r) => [r.functionName, { from: r.from, to: r.to }]))).toEqual(expected.reserved);
  for (const m of plan.change.mappings) {
    // Up by at most one step, never past the environment's cap.
    expect(m.to).toBeGreaterThan(m.from);
    expect(m.to - m.from).toBeLessThanOrEqual(policy.stepConcurrency);
    expect(m.to).toBeLessThanOrEqual(policy.maxConcurrency);
    expect(['Enabled', 'Updating', 'Enabling']).toContain(mappingOf(m.uuid)?.state);
  }
  // Reserved concurrency only goes up, only when the account's settings were read, and never leaves the account
  // under its minimum of unreserved executions (AWS keeps 100; the policy may ask for more).
  const raised = plan.change.reservedConcurrency.reduce((sum, r) => sum + ((r.to ?? 0) - (r.from ?? 0)), 0);
  for (const r of plan.change.reservedConcurrency) {
    expect(r.from).not.toBeNull();
    expect(r.to ?? 0).toBeGreaterThan(r.from ?? 0);
  }
  if (raised > 0) {
    expect(observation.account).toBeDefined();
    expect((observation.account?.unreservedConcurrentExecutions ?? 0) - raised).toBeGreaterThanOrEqual(policy.minUnreservedConcurrency);
  }
  // Where a function reserves concurrency, its mappings are never given more than it reserves (their increase would only throttle).
  for (const name of functionNames) {
    const reserved = plan.change.reservedConcurrency.find((r) => r.functionName === name)?.to ?? observation.functions[name]?.reservedConcurrency;
    if (reserved === undefined || reserved === null) continue;
    const mine = observation.mappings.filter((m) => m.functionName === name && plan.change.mappings.some((c) => c.uuid === m.uuid));
    const now = mine.reduce((sum, m) => sum + (m.maximumConcurrency ?? 0), 0);
    const planned = mine.reduce((sum, m) => sum + (plan.change.mappings.find((c) => c.uuid === m.uuid)?.to ?? 0), 0);
    expect(planned).toBeLessThanOrEqual(Math.max(reserved, now));
  }
  return { heldAtCap: expected.heldAtCap, heldByReserved: expected.heldByReserved };
}

// --- Memory Pressure -> raise Lambda memory ----------------------------------------------------------------------

/** Any raiseLambdaMemory policy the schema accepts, any MemorySize Lambda reports, any ceiling AWS revealed before. */
const memoryInput: fc.Arbitrary<MemoryPlanInput> = fc
  .record({
    policy: fc.record({
      stepFactor: fc.double({ min: 1.05, max: 4, noNaN: true }),
      roundUpToMb: fc.integer({ min: 1, max: 1024 }),
      maxMemoryMb: fc.integer({ min: AWS_MIN_MEMORY_MB, max: AWS_MAX_MEMORY_MB }),
    }),
    memoryMb: fc.integer({ min: AWS_MIN_MEMORY_MB, max: AWS_MAX_MEMORY_MB }),
    lastUpdateStatus: fc.constantFrom('Successful', 'Failed', 'InProgress', undefined),
    published: fc.boolean(),
    ceiling: fc.option(fc.integer({ min: AWS_MIN_MEMORY_MB, max: AWS_MAX_MEMORY_MB }), { nil: undefined }),
  })
  .map(({ policy, memoryMb, lastUpdateStatus, published, ceiling }) => ({
    policy,
    observation: {
      functionName: 'notification-service-consumer',
      memoryMb,
      ...(lastUpdateStatus ? { lastUpdateStatus } : {}),
      invokedVia: published ? [{ qualifier: 'live', version: '7', source: 'event source mapping esm-1' }] : [],
      // The filter's count and AWS's count of the function's errors bear out the alarm (decisions 217, 253): the
      // property is about caps.
      alarmMetric: metricRead([1]),
      functionErrors: { status: 'read' as const, from: '2026-12-06T11:56:00.000Z', to: '2026-12-06T12:06:00.000Z', sum: 1 },
    },
    resourceState: ceiling === undefined ? undefined : { version: 1, changeTimesSeconds: [], learned: { [MEMORY_CEILING_FACT]: ceiling } },
    runbookName: 'NotificationService-RaiseLambdaMemory',
    alarm: { alarmName: OOM_ALARM.alarmName, configured: OOM_ALARM },
  }));

// --- CPU Utilization -> scale up the database ---------------------------------------------------------------------

const rdsClasses = ['db.t3.medium', 'db.t4g.large', 'db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r7g.8xlarge', 'db.m6i.large'];

const databaseInput: fc.Arbitrary<DatabasePlanInput> = fc
  .uniqueArray(fc.constantFrom(...rdsClasses), { minLength: 1, maxLength: 6 })
  .chain((ladder) =>
    fc.record({
      ladder: fc.constant(ladder),
      // Mostly a class on the ladder (the case that can climb), sometimes one set by hand off it.
      instanceClass: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ladder) }, { weight: 1, arbitrary: fc.constantFrom(...rdsClasses) }),
    status: fc.constantFrom('available', 'available', 'modifying', 'backing-up', 'rebooting', 'storage-full'),
    // Mostly no class change pending, sometimes one (RDS PendingModifiedValues).
    pending: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...rdsClasses) }),
    multiAz: fc.boolean(),
    // Five minutes over the alarm's 70% in CloudWatch (decision 217): the property is about the ladder.
    cpu: fc.array(fc.double({ min: 70.5, max: 100, noNaN: true }), { minLength: 5, maxLength: 5 }),
    }),
  )
  .map(({ ladder, instanceClass, status, pending, multiAz, cpu }) => ({
    policy: { ladder },
    environment: 'production',
    observation: {
      dbInstanceIdentifier: 'notification-service-db',
      instanceClass,
      status,
      multiAz,
      readReplicas: [],
      ...(pending ? { pendingInstanceClass: pending } : {}),
    },
    alarm: { alarmName: CPU_ALARM.alarmName, configured: CPU_ALARM },
    cpuMetric: metricRead(cpu),
    runbookName: 'NotificationService-ScaleUpDatabase',
  }));

describe('planner caps under random configurations and observations', () => {
  it(`planMemoryRaise never plans MemorySize outside 128..10240 MB, past the environment cap or a learned ceiling, nor more than one step (${RUNS} runs)`, () => {
    const tally: Record<string, number> = {};
    const figures = { changes: 0, heldAtCap: 0 };
    fc.assert(
      fc.property(memoryInput, (input) => {
        const plan = planMemoryRaise(input);
        tally[plan.kind] = (tally[plan.kind] ?? 0) + 1;
        expectDescribed(plan);
        if (plan.kind !== 'change') return;
        figures.changes += 1;
        const { fromMb, toMb } = plan.change;
        // Computed here from the documented rule, not with the planner's helpers: x stepFactor, rounded up to a
        // multiple of roundUpToMb, held at the lowest of Lambda's 10240 MB, the environment cap and a learned ceiling.
        const ceiling = input.resourceState?.learned?.[MEMORY_CEILING_FACT] as number | undefined;
        const cap = Math.min(AWS_MAX_MEMORY_MB, input.policy.maxMemoryMb, ceiling ?? Infinity);
        const oneStep = Math.ceil((fromMb * input.policy.stepFactor) / input.policy.roundUpToMb) * input.policy.roundUpToMb;
        const expected = Math.max(AWS_MIN_MEMORY_MB, Math.min(oneStep, cap));
        if (expected < oneStep) figures.heldAtCap += 1;
        expect(fromMb).toBe(input.observation.memoryMb);
        expect(toMb).toBe(expected);
        // Lambda: MemorySize 128..10240 MB.
        expect(toMb).toBeGreaterThanOrEqual(AWS_MIN_MEMORY_MB);
        expect(toMb).toBeLessThanOrEqual(AWS_MAX_MEMORY_MB);
        expect(toMb).toBeLessThanOrEqual(input.policy.maxMemoryMb);
        if (ceiling !== undefined) expect(toMb).toBeLessThanOrEqual(ceiling);
        expect(toMb).toBeGreaterThan(fromMb);
        // A published version or alias would not see $LATEST's memory: never changed automatically.
        expect(input.observation.invokedVia).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    const spread = expectSpread(tally, { change: 0.15, escalate: 0.15 });
    expect(figures.changes).toBe(tally.change);
    expect(figures.heldAtCap).toBeGreaterThan(0);
    console.log(`caps: planMemoryRaise, ${RUNS} random policies x observations -> ${spread}; ${figures.changes} raises each exactly one step or held at the cap (${figures.heldAtCap} held), none past a limit`);
  });

  it(`planDatabaseScaleUp only ever climbs one rung of the environment's ladder, from an available instance (${RUNS} runs)`, () => {
    const tally: Record<string, number> = {};
    const figures = { changes: 0, topRung: 0 };
    fc.assert(
      fc.property(databaseInput, (input) => {
        const plan = planDatabaseScaleUp(input);
        tally[plan.kind] = (tally[plan.kind] ?? 0) + 1;
        expectDescribed(plan);
        const { ladder } = input.policy;
        const at = ladder.indexOf(input.observation.instanceClass);
        // At the top of the ladder or off it, nothing is planned.
        if (at === ladder.length - 1 || at < 0) {
          if (at >= 0) figures.topRung += 1;
          expect(plan.kind).not.toBe('change');
        }
        if (plan.kind !== 'change') return;
        figures.changes += 1;
        expect(plan.change.fromClass).toBe(input.observation.instanceClass);
        expect(plan.change.toClass).toBe(ladder[at + 1]);
        expect(input.observation.status).toBe('available');
        expect([undefined, input.observation.instanceClass]).toContain(input.observation.pendingInstanceClass);
      }),
      { numRuns: RUNS },
    );
    const spread = expectSpread(tally, { change: 0.1, escalate: 0.1 });
    expect(figures.topRung).toBeGreaterThan(0);
    console.log(`caps: planDatabaseScaleUp, ${RUNS} random ladders x instances -> ${spread}; ${figures.changes} changes each one rung up, ${figures.topRung} at the top rung held`);
  });

  it(`planConsumerScaling never plans MaximumConcurrency outside 2..1000, past the environment cap or one step, nor starves the account (${RUNS} runs)`, () => {
    const tally: Record<string, number> = {};
    const figures = { mappingsChanged: 0, heldAtCap: 0, heldByReserved: 0 };
    fc.assert(
      fc.property(consumerInput(), (input) => {
        const plan = planConsumerScaling(input);
        const key = plan.kind === 'change' ? plan.direction : plan.kind;
        tally[key] = (tally[key] ?? 0) + 1;
        if (plan.kind === 'change') figures.mappingsChanged += plan.change.mappings.length;
        const held = checkConsumerScaling(input, plan);
        figures.heldAtCap += held.heldAtCap;
        figures.heldByReserved += held.heldByReserved;
      }),
      { numRuns: RUNS },
    );
    const spread = expectSpread(tally, { 'scale-up': 0.1, restore: 0.05 });
    // Not vacuous: the generator reaches both limits, the cap and a function's reserved concurrency.
    expect(figures.heldAtCap).toBeGreaterThan(0);
    expect(figures.heldByReserved).toBeGreaterThan(0);
    console.log(
      `caps: planConsumerScaling, ${RUNS} random policies x observations -> ${spread}; ${figures.mappingsChanged} mapping changes each exactly as computed ` +
        `(${figures.heldAtCap} held at the cap, ${figures.heldByReserved} held by reserved concurrency), none past a limit`,
    );
  });
});
