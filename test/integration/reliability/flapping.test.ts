// A flapping alarm (ALARM/OK over and over) on an injected clock: every row makes EXACTLY the number of changes its
// cooldown, hourly budget and cap allow. The expected figures come from `expectedChanges` below, a model of the
// documented rules run on the test's own clock readings and the configured values, not from the pipeline's code.
import { loadRuntimeConfig, type RuntimeConfig } from '../../../shared/config/load-config';
import type { Decision } from '../../../shared/pipeline/types';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { ManualClock } from '../../support/manual-clock';
import { declareCell, recordCell } from './support/guarantee-table';
import {
  alarmOf,
  callsOf,
  concurrencySteps,
  ladderSteps,
  memorySteps,
  putConsumerMetrics,
  raiseLambdaMemoryCase,
  scaleConsumersCase,
  scaleUpDatabaseCase,
  scheduledHealthChecks,
  verifyChangeCase,
  type PlaybookCase,
} from './support/playbook-cases';

// Each test provisions a whole topology in the emulator; on 2 shared cores that alone can take most of a minute.
jest.setTimeout(180_000);

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

// --- the model -----------------------------------------------------------------------------------------------------

interface Delivered {
  atSeconds: number;
  state: 'ALARM' | 'OK';
}

interface Expected {
  scaleUps: number;
  restores: number;
  /** Index into the row's steps where the resource ends (0 = where it started). */
  level: number;
}

/**
 * The rules as the README and configuration state them: a scale-up needs `cooldown` seconds since the last scale-up
 * and fewer than `budget` changes (either direction) in the last hour, and a step left below the cap; a restore (rows
 * that act on OK) needs something to restore, `cooldown` seconds since the last restore, and fewer than `budget` changes
 * in the last hour too (restores count against the budget: decision 62).
 */
function expectedChanges(events: readonly Delivered[], rules: { cooldown: number; budget: number; steps: number; actsOnOk: boolean }): Expected {
  let level = 0;
  let lastUp: number | undefined;
  let lastRestore: number | undefined;
  const changeTimes: number[] = [];
  const result = { scaleUps: 0, restores: 0 };
  for (const { atSeconds, state } of events) {
    if (state === 'ALARM') {
      if (lastUp !== undefined && atSeconds - lastUp < rules.cooldown) continue;
      if (changeTimes.filter((t) => t > atSeconds - 3600).length >= rules.budget) continue;
      if (level + 1 >= rules.steps) continue;
      level += 1;
      lastUp = atSeconds;
      changeTimes.push(atSeconds);
      result.scaleUps += 1;
    } else if (rules.actsOnOk) {
      if (level === 0) continue;
      if (lastRestore !== undefined && atSeconds - lastRestore < rules.cooldown) continue;
      if (changeTimes.filter((t) => t > atSeconds - 3600).length >= rules.budget) continue;
      level = 0;
      lastRestore = atSeconds;
      changeTimes.push(atSeconds);
      result.restores += 1;
    }
  }
  return { ...result, level };
}

// --- the scenarios -------------------------------------------------------------------------------------------------

interface FlapScenario {
  title: string;
  flips: number;
  secondsBetweenFlips: number;
  /** OK events that never arrive (EventBridge delivery lost, or the rule disabled): restores never happen. */
  okLost?: boolean;
  /** RUNBOOK_CONFIG_JSON for the account, e.g. a low cap that the flaps must reach and hold. */
  configJson?: Record<string, unknown>;
}

interface FlapRow {
  playbook: PlaybookCase;
  actsOnOk: boolean;
  steps(account: SandboxAccount, runtime: RuntimeConfig): Array<number | string>;
  scenarios: FlapScenario[];
}

const flapRows: FlapRow[] = [
  {
    playbook: scaleConsumersCase,
    actsOnOk: true,
    steps: (account, runtime) => concurrencySteps(account.topology.consumer.maximumConcurrency, runtime),
    scenarios: [
      { title: '20 flips 10 s apart (about 3 minutes)', flips: 20, secondsBetweenFlips: 10 },
      { title: '20 flips 40 s apart (about 13 minutes, several cooldown windows)', flips: 20, secondsBetweenFlips: 40 },
      {
        title: '20 flips 100 s apart, every OK lost, cap 150 (scale-ups pile up against cap and budget)',
        flips: 20,
        secondsBetweenFlips: 100,
        okLost: true,
        configJson: { environments: { production: { scaleConsumers: { maxConcurrency: 150 } } } },
      },
    ],
  },
  {
    playbook: raiseLambdaMemoryCase,
    actsOnOk: false,
    steps: (account, runtime) => memorySteps(account.topology.consumer.memoryMb, runtime),
    scenarios: [{ title: '20 flips 100 s apart (memory is never lowered on OK)', flips: 20, secondsBetweenFlips: 100 }],
  },
  {
    playbook: scaleUpDatabaseCase,
    actsOnOk: false,
    steps: (account, runtime) => ladderSteps(account.topology.database.instanceClass, runtime),
    scenarios: [
      {
        title: '20 flips 100 s apart on a five-rung staging ladder (cooldown and budget bite before the top)',
        flips: 20,
        secondsBetweenFlips: 100,
        configJson: { environments: { staging: { scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r6g.8xlarge'] } } } },
      },
    ],
  },
];

const VERIFY_SCENARIO: FlapScenario = { title: '20 flips 100 s apart, every OK lost, then every scheduled health check delivered with health worse', flips: 20, secondsBetweenFlips: 100, okLost: true };

for (const row of flapRows) declareCell(row.playbook.row, 'flapping', row.scenarios.map((s) => s.title));
declareCell('verify-change', 'flapping', [VERIFY_SCENARIO.title]);

// --- running a flap --------------------------------------------------------------------------------------------------

async function flap(row: FlapRow, scenario: FlapScenario) {
  const config = scenario.configJson ? JSON.stringify(scenario.configJson) : '';
  const account = await provisionAccount(row.playbook.environment, { RUNBOOK_CONFIG_JSON: config });
  const runtime = loadRuntimeConfig(process.env);
  const clock = new ManualClock();
  const startSeconds = clock.now().getTime() / 1000;
  const handler = row.playbook.create({ clock });
  const alarmName = alarmOf(account, row.playbook.handler);
  const since = (await getProxyCalls(control())).length;
  const delivered: Delivered[] = [];
  const applied: Array<{ state: Delivered['state'] }> = [];
  const decisions: Decision[] = [];
  const knobs: Array<number | string> = [];
  for (let flip = 0; flip < scenario.flips; flip += 1) {
    const state = flip % 2 === 0 ? 'ALARM' : 'OK';
    const event = state === 'ALARM' ? await row.playbook.arrange(account) : await account.transition(alarmName, 'OK');
    if (!(state === 'OK' && scenario.okLost)) {
      delivered.push({ atSeconds: clock.now().getTime() / 1000 - startSeconds, state });
      const decision = await handler(event);
      decisions.push(decision);
      if (decision.outcome === 'applied') applied.push({ state });
    }
    knobs.push(await row.playbook.knob.read(account));
    clock.advanceSeconds(scenario.secondsBetweenFlips);
  }
  const changeCalls = await callsOf(control(), account.accountId, since, row.playbook.changeCalls);
  return { account, runtime, clock, delivered, applied, decisions, knobs, since, changeCalls };
}

function held(decisions: Decision[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const d of decisions) {
    if (d.outcome === 'applied') continue;
    const key = d.escalation?.cause ?? d.outcome;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}

describe.each(flapRows.map((r) => [r.playbook.row, r] as const))('%s under a flapping alarm', (_row, row) => {
  // provisionAccount puts the scenario's overrides into process.env: none may leak into the next scenario.
  afterEach(() => {
    delete process.env.RUNBOOK_CONFIG_JSON;
  });

  it.each(row.scenarios.map((s) => [s.title, s] as const))('makes exactly the changes cooldown, budget and cap allow: %s', async (_title, scenario) => {
    const { account, runtime, delivered, applied, decisions, knobs, changeCalls } = await flap(row, scenario);
    const { cooldownSeconds, maxChangesPerHour } = runtime.env.guardrails;
    const steps = row.steps(account, runtime);
    const expected = expectedChanges(delivered, { cooldown: cooldownSeconds, budget: maxChangesPerHour, steps: steps.length, actsOnOk: row.actsOnOk });
    const scaleUps = applied.filter((a) => a.state === 'ALARM').length;
    const restores = applied.filter((a) => a.state === 'OK').length;
    const figures =
      `${scenario.flips} flips ${scenario.secondsBetweenFlips} s apart${scenario.okLost ? ' (OK lost)' : ''}: ${scaleUps} scale-up, ${restores} restore ` +
      `(expected ${expected.scaleUps} + ${expected.restores}), ${changeCalls} change calls; held back ${JSON.stringify(held(decisions))}; ` +
      `${row.playbook.knob.name} ${knobs.join(' ')} (cooldown ${cooldownSeconds} s, budget ${maxChangesPerHour}/h, steps ${steps.join(' ')})`;
    console.log(`flapping: ${row.playbook.row}: ${figures}`);

    // Not vacuous: every scenario makes at least one change, and holds at least one back.
    expect(expected.scaleUps).toBeGreaterThan(0);
    expect(delivered.length).toBeGreaterThan(expected.scaleUps + expected.restores);
    expect({ scaleUps, restores }).toEqual({ scaleUps: expected.scaleUps, restores: expected.restores });
    // In the emulator: one change call per change (scale-consumers may raise reserved concurrency too: none here).
    expect(changeCalls).toBe(expected.scaleUps + expected.restores);
    expect(await row.playbook.knob.read(account)).toBe(steps[expected.level]);
    // Every event was decided and nothing threw.
    expect(decisions.every((d) => ['applied', 'skipped', 'escalate'].includes(d.outcome))).toBe(true);
    recordCell(row.playbook.row, 'flapping', scenario.title, `${scenario.flips} flips/${scenario.secondsBetweenFlips} s${scenario.okLost ? ', OK lost' : ''}: exactly ${scaleUps} up + ${restores} restore`);
  });
});

describe('verify-change under a flapping alarm', () => {
  it(`reverts exactly the one change still in place: ${VERIFY_SCENARIO.title}`, async () => {
    const row = flapRows[0] as FlapRow;
    const { account, runtime, clock, delivered, applied, since } = await flap(row, VERIFY_SCENARIO);
    const { cooldownSeconds, maxChangesPerHour } = runtime.env.guardrails;
    const steps = row.steps(account, runtime);
    const expected = expectedChanges(delivered, { cooldown: cooldownSeconds, budget: maxChangesPerHour, steps: steps.length, actsOnOk: true });
    // Throttles appear after the last scale-up, inside every health check's window; the checks come due.
    clock.advanceSeconds(runtime.env.verifyChange.verifyWindowMinutes * 60);
    await putConsumerMetrics(account, { Invocations: 300, Errors: 100, Throttles: 40 }, new Date(clock.now().getTime() - 60_000));
    const checks = await scheduledHealthChecks(account);
    const handler = verifyChangeCase.create({ clock });
    const verdicts: Decision[] = [];
    for (const input of checks) verdicts.push(await handler(input));
    const reverts = verdicts.filter((d) => verifyChangeCase.made(d)).length;
    const movedOn = verdicts.filter((d) => d.outcome === 'skipped' && d.reason.includes('no longer in place')).length;
    const changeCalls = await callsOf(control(), account.accountId, since, verifyChangeCase.changeCalls);
    const scaleUps = applied.filter((a) => a.state === 'ALARM').length;
    const figures = `${scaleUps} scale-ups (expected ${expected.scaleUps}), ${checks.length} health checks: ${reverts} revert, ${movedOn} moved on; ${changeCalls} change calls`;
    console.log(`flapping: verify-change: ${figures}`);

    expect(scaleUps).toBe(expected.scaleUps);
    expect(expected.scaleUps).toBeGreaterThan(1);
    // One health check per scale-up; only the last scale-up is still in place when the checks run.
    expect(checks).toHaveLength(expected.scaleUps);
    expect(reverts).toBe(1);
    expect(movedOn).toBe(expected.scaleUps - 1);
    expect(changeCalls).toBe(expected.scaleUps + 1);
    // The revert puts back the last scale-up's starting value: one step below where the flaps left it.
    expect(await verifyChangeCase.knob.read(account)).toBe(steps[expected.level - 1]);
    recordCell('verify-change', 'flapping', VERIFY_SCENARIO.title, `${scaleUps} scale-ups then ${checks.length} checks: exactly ${reverts} revert, ${movedOn} left alone`);
  });
});
