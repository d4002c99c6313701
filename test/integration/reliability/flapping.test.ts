// A flapping alarm (ALARM/OK over and over) is absorbed by cooldown, hourly budget and caps; time is an injected clock.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { Decision } from '../../../shared/pipeline/types';
import { provisionAccount } from '../support/sandbox-account';
import { ManualClock } from '../../support/manual-clock';
import { playbookCases, type PlaybookCase } from './support/playbook-cases';

interface FlapScenario {
  title: string;
  flips: number;
  secondsBetweenFlips: number;
  /** OK events that never arrive (EventBridge delivery lost, or the rule disabled): restores never happen. */
  okLost?: boolean;
  /** RUNBOOK_CONFIG_JSON for the account, e.g. a low cap that the flaps must reach and hold. */
  configJson?: Record<string, unknown>;
  expect?: { scaleUps: number; restores: number };
}

const scenarios: FlapScenario[] = [
  { title: '20 flips 10 s apart (about 3 minutes)', flips: 20, secondsBetweenFlips: 10, expect: { scaleUps: 1, restores: 1 } },
  { title: '20 flips 40 s apart (about 13 minutes, several cooldown windows)', flips: 20, secondsBetweenFlips: 40 },
  {
    title: '20 flips 100 s apart with every OK lost and a low cap (scale-ups pile up against cap and budget)',
    flips: 20,
    secondsBetweenFlips: 100,
    okLost: true,
    configJson: { environments: { production: { scaleConsumers: { maxConcurrency: 150 } } } },
  },
];

interface Applied {
  atSeconds: number;
  direction: 'scale-up' | 'restore';
}

async function flap(playbook: PlaybookCase, scenario: FlapScenario) {
  const extraEnv: Record<string, string> = scenario.configJson ? { RUNBOOK_CONFIG_JSON: JSON.stringify(scenario.configJson) } : {};
  const account = await provisionAccount(playbook.environment, extraEnv);
  const runtime = loadRuntimeConfig(process.env);
  const clock = new ManualClock();
  const startSeconds = clock.now().getTime() / 1000;
  const handler = playbook.create({ clock });
  const alarmName = playbook.alarmName(account);
  const applied: Applied[] = [];
  const knobs: number[] = [];
  const decisions: Decision[] = [];
  for (let flip = 0; flip < scenario.flips; flip += 1) {
    const state = flip % 2 === 0 ? 'ALARM' : 'OK';
    const event = await account.transition(alarmName, state);
    if (!(state === 'OK' && scenario.okLost)) {
      const decision = await handler(event);
      decisions.push(decision);
      if (decision.outcome === 'applied') {
        applied.push({ atSeconds: clock.now().getTime() / 1000 - startSeconds, direction: state === 'ALARM' ? 'scale-up' : 'restore' });
      }
    }
    knobs.push(await playbook.knob.read(account));
    clock.advanceSeconds(scenario.secondsBetweenFlips);
  }
  return { account, runtime, applied, knobs, decisions };
}

/** The most changes of one direction inside any window of `windowSeconds` starting at a change. */
function mostInAnyWindow(applied: Applied[], direction: Applied['direction'], windowSeconds: number): number {
  const times = applied.filter((a) => a.direction === direction).map((a) => a.atSeconds);
  return Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + windowSeconds).length));
}

describe.each(playbookCases.map((c) => [c.handler, c] as const))('%s under a flapping alarm', (_name, playbook) => {
  // provisionAccount puts the scenario's overrides into process.env: none may leak into the next scenario.
  afterEach(() => {
    delete process.env.RUNBOOK_CONFIG_JSON;
  });

  it.each(scenarios.map((s) => [s.title, s] as const))(
    'makes at most one scale-up and one restore per cooldown window and never passes the cap: %s',
    async (_title, scenario) => {
      const { account, runtime, applied, knobs, decisions } = await flap(playbook, scenario);
      const { cooldownSeconds, maxChangesPerHour } = runtime.env.guardrails;
      const cap = playbook.knob.cap(runtime);
      const baseline = playbook.knob.baseline(account);
      const scaleUps = applied.filter((a) => a.direction === 'scale-up').length;
      const restores = applied.filter((a) => a.direction === 'restore').length;
      const blocked = decisions.filter((d) => d.escalation?.cause === 'guardrail' || d.escalation?.cause === 'cap-reached').length;
      console.log(
        `flapping: ${scenario.flips} ALARM/OK flips ${scenario.secondsBetweenFlips} s apart${scenario.okLost ? ' (OK lost)' : ''} -> ` +
          `${scaleUps} scale-up, ${restores} restore, ${blocked} held back by cooldown/budget/cap; ` +
          `${playbook.knob.name} peak ${Math.max(...knobs)} (cap ${cap}, cooldown ${cooldownSeconds} s)`,
      );

      expect(mostInAnyWindow(applied, 'scale-up', cooldownSeconds)).toBeLessThanOrEqual(1);
      expect(mostInAnyWindow(applied, 'restore', cooldownSeconds)).toBeLessThanOrEqual(1);
      expect(mostInAnyWindow(applied, 'scale-up', 3600)).toBeLessThanOrEqual(maxChangesPerHour);
      for (const knob of knobs) {
        expect(knob).toBeLessThanOrEqual(cap);
        expect(knob).toBeGreaterThanOrEqual(baseline);
      }
      expect(await playbook.knob.read(account)).toBe(knobs.at(-1));
      if (scenario.expect) expect({ scaleUps, restores }).toEqual(scenario.expect);
      // Every event was decided and nothing threw: each flap ends in a recorded decision.
      expect(decisions.every((d) => ['applied', 'skipped', 'escalate'].includes(d.outcome))).toBe(true);
    },
  );
});
