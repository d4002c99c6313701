// A flapping alarm (ALARM/OK over and over) on an injected clock: every row makes EXACTLY the number of changes its
// cooldown, hourly budget and cap allow, and holds every other event back for the reason the pipeline records (in the
// decision and in the audit trail in the emulator's state table), with the figures in it: seconds since the last change,
// changes in the last hour, the cap. The expected figures come from `expectedChanges` below, a model of the documented
// rules run on the test's own clock readings and the configured values, not from the pipeline's code.
import { loadRuntimeConfig, type RuntimeConfig } from '../../../shared/config/load-config';
import type { Decision } from '../../../shared/pipeline/types';
import { getProxyCallCount } from '../../../sandbox/proxy-control';
import { clearedByCloudWatch, provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { ManualClock } from '../../support/manual-clock';
import { auditEntries } from './support/emulator-records';
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

interface Flip {
  /** The test's clock when the event was delivered, in whole seconds (the pipeline reads the same clock). */
  atSeconds: number;
  state: 'ALARM' | 'OK';
  /** False for an OK that never arrives (EventBridge delivery lost, or the rule disabled). */
  delivered: boolean;
}

type Direction = 'scale-up' | 'restore';

/** What one delivered event should come to, and the figures its recorded reason must state. */
type Verdict =
  | { kind: 'applied'; direction: Direction }
  | { kind: 'cooldown'; direction: Direction; waitedSeconds: number }
  | { kind: 'hourly-budget'; direction: Direction; changesInHour: number }
  | { kind: 'cap-reached' }
  | { kind: 'nothing-to-restore' }
  /** An OK on a row that acts on ALARM only: logged and counted, not written to the audit trail. */
  | { kind: 'not-acted-on' };

interface Expected {
  scaleUps: number;
  restores: number;
  /** Index into the row's steps where the resource ends (0 = where it started). */
  level: number;
  /** One per delivered event, in order. */
  verdicts: Verdict[];
  /** Index into the row's steps after each flip, delivered or not. */
  levels: number[];
}

/**
 * The rules as the README and configuration state them, in the order the pipeline applies them (plan, then guard):
 * a scale-up with no step left below the cap is `cap-reached`; otherwise it needs `cooldown` seconds since the last
 * scale-up, then fewer than `budget` changes (either direction) in the last hour. A restore (rows that act on OK) needs
 * something to restore, `cooldown` seconds since the last restore, and fewer than `budget` changes in the last hour too
 * (restores count against the budget: decision 62). A row that does not act on OK ignores it.
 */
function expectedChanges(flips: readonly Flip[], rules: { cooldown: number; budget: number; steps: number; actsOnOk: boolean }): Expected {
  let level = 0;
  let lastUp: number | undefined;
  let lastRestore: number | undefined;
  const changeTimes: number[] = [];
  const verdicts: Verdict[] = [];
  const levels: number[] = [];
  const inLastHour = (now: number): number => changeTimes.filter((t) => t > now - 3600).length;
  const decide = (now: number, direction: Direction, last: number | undefined): Verdict => {
    if (last !== undefined && now - last < rules.cooldown) return { kind: 'cooldown', direction, waitedSeconds: now - last };
    if (inLastHour(now) >= rules.budget) return { kind: 'hourly-budget', direction, changesInHour: inLastHour(now) };
    changeTimes.push(now);
    return { kind: 'applied', direction };
  };
  for (const { atSeconds, state, delivered } of flips) {
    if (delivered) {
      let verdict: Verdict;
      if (state === 'ALARM') {
        verdict = level + 1 >= rules.steps ? { kind: 'cap-reached' } : decide(atSeconds, 'scale-up', lastUp);
        if (verdict.kind === 'applied') {
          level += 1;
          lastUp = atSeconds;
        }
      } else if (!rules.actsOnOk) {
        verdict = { kind: 'not-acted-on' };
      } else {
        verdict = level === 0 ? { kind: 'nothing-to-restore' } : decide(atSeconds, 'restore', lastRestore);
        if (verdict.kind === 'applied') {
          level = 0;
          lastRestore = atSeconds;
        }
      }
      verdicts.push(verdict);
    }
    levels.push(level);
  }
  const applied = verdicts.filter((v) => v.kind === 'applied');
  return {
    scaleUps: applied.filter((v) => v.direction === 'scale-up').length,
    restores: applied.filter((v) => v.direction === 'restore').length,
    level,
    verdicts,
    levels,
  };
}

/** The label a verdict or a decision is compared by, and the part of the reason that must state the model's figures. */
interface Reading {
  verdict: string;
  says?: string;
}

function expectedReading(v: Verdict, rules: { cooldown: number; budget: number }, capReason: string): Reading {
  switch (v.kind) {
    case 'applied':
      return { verdict: `applied ${v.direction}` };
    case 'cooldown':
      return { verdict: 'held: cooldown', says: `cooldown: last ${v.direction} of this resource was ${v.waitedSeconds}s ago, cooldown is ${rules.cooldown}s` };
    case 'hourly-budget':
      return {
        verdict: 'held: hourly-budget',
        says: `hourly budget: ${v.changesInHour} changes to this resource in the last hour, limit is ${rules.budget}; this ${v.direction} is not made`,
      };
    case 'cap-reached':
      return { verdict: 'held: cap-reached', says: capReason };
    case 'nothing-to-restore':
      return { verdict: 'skipped: nothing to restore', says: 'nothing to restore: the automation has not scaled' };
    case 'not-acted-on':
      return { verdict: 'skipped: does not act on OK', says: 'does not act on state OK' };
  }
}

/** What a decision (returned, or read back from the audit trail) says, in the terms of `expectedReading`. */
function readingOf(d: Decision, expected: Reading): Reading {
  const verdict =
    d.outcome === 'applied'
      ? `applied ${d.alarmState === 'OK' ? 'restore' : 'scale-up'}`
      : d.outcome === 'escalate' && d.escalation?.cause === 'guardrail' && d.escalation.guardrail
        ? `held: ${d.escalation.guardrail}`
        : d.outcome === 'escalate' && d.escalation?.cause === 'cap-reached'
          ? 'held: cap-reached'
          : d.outcome === 'skipped' && d.reason.includes('nothing to restore')
            ? 'skipped: nothing to restore'
            : d.outcome === 'skipped' && d.reason.includes('does not act on state OK')
              ? 'skipped: does not act on OK'
              : `${d.outcome} (${d.escalation?.cause ?? '-'}): ${d.reason}`;
  // The expected figures where the reason states them; the whole reason where it does not (so a failure shows it).
  if (expected.says === undefined) return { verdict };
  // An applied change's reason is its plan's summary, whole; a held-back one's carries the guard's words within it.
  const states = verdict.startsWith('applied') ? d.reason === expected.says : d.reason.includes(expected.says);
  return { verdict, says: states ? expected.says : d.reason };
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
  /** The guards this scenario must show holding changes back (so a scenario cannot quietly stop testing one). */
  holds: ReadonlyArray<'cooldown' | 'hourly-budget' | 'cap-reached'>;
}

interface FlapRow {
  playbook: PlaybookCase;
  actsOnOk: boolean;
  steps(account: SandboxAccount, runtime: RuntimeConfig): Array<number | string>;
  /** What the row's planner says at the top of its steps (`top`), as the README states its cap. */
  capReason(account: SandboxAccount, top: number | string): string;
  /**
   * What an applied step from `from` to `to` must say beyond its figures: raise-lambda-memory names a step cut short by
   * the cap ("held at the environment cap"). Computed from the configuration's step rule, not by the planner.
   */
  appliedSays?(account: SandboxAccount, from: number | string, to: number | string, runtime: RuntimeConfig): string | undefined;
  scenarios: FlapScenario[];
}

const flapRows: FlapRow[] = [
  {
    playbook: scaleConsumersCase,
    actsOnOk: true,
    steps: (account, runtime) => concurrencySteps(account.topology.consumer.maximumConcurrency, runtime),
    capReason: (account, top) => `consumers of ${account.topology.queue.name} are at the environment cap (MaximumConcurrency ${top})`,
    scenarios: [
      { title: '20 flips 10 s apart (about 3 minutes)', flips: 20, secondsBetweenFlips: 10, holds: ['cooldown'] },
      // Two scale-ups and two restores fill the budget: the restores count against it (decision 62).
      { title: '20 flips 40 s apart (about 13 minutes, several cooldown windows)', flips: 20, secondsBetweenFlips: 40, holds: ['cooldown', 'hourly-budget'] },
      {
        title: '20 flips 100 s apart, every OK lost, cap 150 (scale-ups pile up against the cap)',
        flips: 20,
        secondsBetweenFlips: 100,
        okLost: true,
        configJson: { environments: { production: { scaleConsumers: { maxConcurrency: 150 } } } },
        holds: ['cooldown', 'cap-reached'],
      },
    ],
  },
  {
    playbook: raiseLambdaMemoryCase,
    actsOnOk: false,
    steps: (account, runtime) => memorySteps(account.topology.consumer.memoryMb, runtime),
    capReason: (account, top) => `memory of ${account.topology.consumer.functionName} is ${top} MB, at the environment cap (${top} MB)`,
    appliedSays: (account, from, to, runtime) => {
      const { stepFactor, roundUpToMb } = runtime.env.raiseLambdaMemory;
      const fullStep = Math.ceil((Number(from) * stepFactor) / roundUpToMb) * roundUpToMb;
      return (
        `raise memory of ${account.topology.consumer.functionName} after out-of-memory errors: memory ${from} -> ${to} MB: update your IaC ` +
        `(changed outside infrastructure code)${Number(to) < fullStep ? ` (held at the environment cap, ${to} MB)` : ''}`
      );
    },
    scenarios: [
      { title: '20 flips 100 s apart (memory is never lowered on OK)', flips: 20, secondsBetweenFlips: 100, holds: ['cooldown', 'hourly-budget'] },
      {
        title: '20 flips 100 s apart, cap 1024 MB (the step to 1152 MB held at 1024 MB, then the cap holds)',
        flips: 20,
        secondsBetweenFlips: 100,
        configJson: { environments: { production: { raiseLambdaMemory: { maxMemoryMb: 1024 } } } },
        holds: ['cooldown', 'cap-reached'],
      },
    ],
  },
  {
    playbook: scaleUpDatabaseCase,
    actsOnOk: false,
    steps: (account, runtime) => ladderSteps(account.topology.database.instanceClass, runtime),
    capReason: (account, top) => `${account.topology.database.identifier} is at the top of the staging ladder (${top})`,
    scenarios: [
      {
        title: '20 flips 100 s apart on a six-rung staging ladder (cooldown and budget bite before the top)',
        flips: 20,
        secondsBetweenFlips: 100,
        configJson: {
          environments: { staging: { scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r6g.8xlarge', 'db.r6g.12xlarge'] } } },
        },
        holds: ['cooldown', 'hourly-budget'],
      },
      {
        title: '20 flips 100 s apart on a three-rung staging ladder (the top reached, then the cap holds)',
        flips: 20,
        secondsBetweenFlips: 100,
        configJson: { environments: { staging: { scaleUpDatabase: { ladder: ['db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge'] } } } },
        holds: ['cooldown', 'cap-reached'],
      },
    ],
  },
];

const VERIFY_SCENARIO: FlapScenario = {
  title: '20 flips 100 s apart, every OK lost, then every scheduled health check delivered with health worse',
  flips: 20,
  secondsBetweenFlips: 100,
  okLost: true,
  holds: ['cooldown', 'hourly-budget'],
};

for (const row of flapRows) declareCell(row.playbook.row, 'flapping', row.scenarios.map((s) => s.title));
declareCell('verify-change', 'flapping', [VERIFY_SCENARIO.title]);

// --- running a flap --------------------------------------------------------------------------------------------------

async function flap(row: FlapRow, scenario: FlapScenario) {
  const config = scenario.configJson ? JSON.stringify(scenario.configJson) : '';
  const account = await provisionAccount(row.playbook.environment, { RUNBOOK_CONFIG_JSON: config });
  const runtime = loadRuntimeConfig(process.env);
  const clock = new ManualClock();
  const handler = row.playbook.create({ clock });
  const alarmName = alarmOf(account, row.playbook.handler);
  const since = await getProxyCallCount(control());
  const flips: Flip[] = [];
  const decisions: Decision[] = [];
  const knobs: Array<number | string> = [];
  for (let flip = 0; flip < scenario.flips; flip += 1) {
    const state = flip % 2 === 0 ? 'ALARM' : 'OK';
    // scale-consumers' OK as CloudWatch makes it, a minute of its own on the empty queue (decision 263: a bare
    // SetAlarmState OK in the minute CloudWatch holds the 1500 restores nothing); the other rows' OK as before.
    const ok = (): Promise<unknown> => (row.playbook.handler === 'scale-consumers' ? clearedByCloudWatch(account, alarmName) : account.transition(alarmName, 'OK'));
    const event = state === 'ALARM' ? await row.playbook.arrange(account) : await ok();
    const delivered = !(state === 'OK' && scenario.okLost);
    // Whole seconds of the injected clock, as the pipeline reads it for cooldown and budget.
    flips.push({ atSeconds: Math.floor(clock.now().getTime() / 1000), state, delivered });
    if (delivered) decisions.push(await handler(event));
    knobs.push(await row.playbook.knob.read(account));
    clock.advanceSeconds(scenario.secondsBetweenFlips);
  }
  const changeCalls = await callsOf(control(), account.accountId, since, row.playbook.changeCalls);
  const applied = decisions.filter((d) => d.outcome === 'applied').map((d) => ({ state: d.alarmState }));
  return { account, runtime, clock, flips, applied, decisions, knobs, since, changeCalls };
}

/** How many events each verdict got. */
function tally(readings: readonly Reading[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { verdict } of readings) counts[verdict] = (counts[verdict] ?? 0) + 1;
  return counts;
}

describe.each(flapRows.map((r) => [r.playbook.row, r] as const))('%s under a flapping alarm', (_row, row) => {
  // provisionAccount puts the scenario's overrides into process.env: none may leak into the next scenario.
  afterEach(() => {
    delete process.env.RUNBOOK_CONFIG_JSON;
  });

  it.each(row.scenarios.map((s) => [s.title, s] as const))('makes exactly the changes cooldown, budget and cap allow, each held back for its recorded reason: %s', async (_title, scenario) => {
    const { account, runtime, flips, applied, decisions, knobs, changeCalls } = await flap(row, scenario);
    const { cooldownSeconds, maxChangesPerHour } = runtime.env.guardrails;
    const rules = { cooldown: cooldownSeconds, budget: maxChangesPerHour };
    const steps = row.steps(account, runtime);
    const expected = expectedChanges(flips, { ...rules, steps: steps.length, actsOnOk: row.actsOnOk });
    const capReason = row.capReason(account, steps.at(-1) ?? '');
    // The model's verdict for each delivered event, with the figures its reason must state; an applied step says what
    // the row's step rule says of it (from -> to, and where the cap cut it short).
    let level = 0;
    const wanted: Reading[] = expected.verdicts.map((v) => {
      const reading = expectedReading(v, rules, capReason);
      if (v.kind !== 'applied') return reading;
      const [from, to] = v.direction === 'scale-up' ? [steps[level], steps[level + 1]] : [steps[level], steps[0]];
      level = v.direction === 'scale-up' ? level + 1 : 0;
      const says = v.direction === 'scale-up' && from !== undefined && to !== undefined ? row.appliedSays?.(account, from, to, runtime) : undefined;
      return says === undefined ? reading : { ...reading, says };
    });
    const got = decisions.map((d, i) => readingOf(d, wanted[i] ?? { verdict: '(none expected)' }));
    const scaleUps = applied.filter((a) => a.state === 'ALARM').length;
    const restores = applied.filter((a) => a.state === 'OK').length;
    const figures =
      `${scenario.flips} flips ${scenario.secondsBetweenFlips} s apart${scenario.okLost ? ' (OK lost)' : ''}: ${scaleUps} scale-up, ${restores} restore ` +
      `(expected ${expected.scaleUps} + ${expected.restores}), ${changeCalls} change calls; verdicts ${JSON.stringify(tally(got))}; ` +
      `${row.playbook.knob.name} ${knobs.join(' ')} (cooldown ${cooldownSeconds} s, budget ${maxChangesPerHour}/h, steps ${steps.join(' ')})`;
    console.log(`flapping: ${row.playbook.row}: ${figures}`);

    // Not vacuous: every scenario makes at least one change, and shows each guard it is there for holding one back.
    expect(expected.scaleUps).toBeGreaterThan(0);
    expect(scenario.holds.filter((guard) => (tally(wanted)[`held: ${guard}`] ?? 0) === 0)).toEqual([]);
    // Each delivered event, in order: applied or held back, and why, with the model's figures in the reason.
    expect(got).toEqual(wanted);
    expect({ scaleUps, restores }).toEqual({ scaleUps: expected.scaleUps, restores: expected.restores });
    // The recorded reasons: the audit trail the pipeline wrote on the resource in the emulator's state table holds the
    // same verdicts in the same order (an OK a row does not act on is only logged and counted).
    const resourceArn = decisions[0]?.resource?.arn ?? '';
    const recorded = (await auditEntries(account, resourceArn)).map((e) => e.decision);
    const wantedRecorded = wanted.filter((w) => w.verdict !== 'skipped: does not act on OK');
    expect(recorded.map((d, i) => readingOf(d, wantedRecorded[i] ?? { verdict: '(none expected)' }))).toEqual(wantedRecorded);
    // In the emulator: one change call per change (scale-consumers may raise reserved concurrency too: none here), and
    // the resource after every flip where the model puts it: never past the cap.
    expect(changeCalls).toBe(expected.scaleUps + expected.restores);
    expect(knobs).toEqual(expected.levels.map((l) => steps[l]));
    expect(await row.playbook.knob.read(account)).toBe(steps[expected.level]);
    recordCell(
      row.playbook.row,
      'flapping',
      scenario.title,
      `${scenario.flips} flips/${scenario.secondsBetweenFlips} s${scenario.okLost ? ', OK lost' : ''}: exactly ${scaleUps} up + ${restores} restore, ` +
        `held ${Object.entries(tally(got)).filter(([k]) => k.startsWith('held: ')).map(([k, n]) => `${n} ${k.slice(6)}`).join(', ')}; ends at ${String(steps[expected.level])}`,
    );
  });
});

describe('verify-change under a flapping alarm', () => {
  it(`reverts exactly the one change still in place: ${VERIFY_SCENARIO.title}`, async () => {
    const row = flapRows[0] as FlapRow;
    const { account, runtime, clock, flips, applied, since } = await flap(row, VERIFY_SCENARIO);
    const { cooldownSeconds, maxChangesPerHour } = runtime.env.guardrails;
    const steps = row.steps(account, runtime);
    const expected = expectedChanges(flips, { cooldown: cooldownSeconds, budget: maxChangesPerHour, steps: steps.length, actsOnOk: true });
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
