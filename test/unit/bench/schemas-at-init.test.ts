// What each handler loads at init among the modules that build zod schemas at load (decision 106): a handler constructs
// the schemas of the input it parses, never another handler's; and which parts of the escalation service each escalation
// handler reads at init (decision 333): its common path's, none of the parts only a rarer path runs; and which alarm
// handlers carry the pipeline's change step (decision 352): those whose playbook can plan a change, at init, and no other,
// with the DR standby deferral in none at init. Resolved with esbuild (our modules only) as the build does.
import { build, type Metafile } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHANGING_PLAYBOOKS } from '../../../shared/playbooks/changing-rows';

const root = join(__dirname, '..', '..', '..');
const ALARM_EVENT = 'shared/events/alarm-event.ts';
const VERIFY_CHANGE_PLAN = 'shared/pipeline/verify-change-plan.ts';
const CONFIG_SCHEMA = 'shared/config/schema.ts';
const ESCALATE_INPUT = 'shared/escalation/escalate-input.ts';
const TIMER_INPUT = 'shared/escalation/timer-input.ts';

/**
 * Our modules in the handler's output at init (the entry and the chunks it imports statically, as esbuild.config.mjs
 * counts) and in the whole output (the chunks loaded on demand too).
 */
async function modulesOf(handler: string): Promise<{ atInit: Set<string>; anywhere: Set<string> }> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: join('handlers', `${handler}.ts`) },
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    outdir: join(root, 'dist', 'schemas-at-init-test'),
    write: false,
    metafile: true,
    packages: 'external',
    logLevel: 'silent',
  });
  const outputs: Metafile['outputs'] = result.metafile.outputs;
  const entry = Object.keys(outputs).find((file) => outputs[file]?.entryPoint === `handlers/${handler}.ts`);
  if (!entry) throw new Error(`no output for handlers/${handler}.ts`);
  const atInit = new Set<string>();
  const visit = (file: string): void => {
    if (atInit.has(file)) return;
    atInit.add(file);
    for (const imported of outputs[file]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  return {
    atInit: new Set([...atInit].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {}))),
    anywhere: new Set(Object.values(outputs).flatMap((output) => Object.keys(output.inputs))),
  };
}

const handlers = readdirSync(join(root, 'handlers'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();
const ESCALATION = ['escalate', 'escalation-timer'];
const alarmHandlers = handlers.filter((name) => !ESCALATION.includes(name) && name !== 'verify-change');

let loaded: Map<string, Set<string>>;
let bundled: Map<string, Set<string>>;
beforeAll(async () => {
  const built = await Promise.all(handlers.map(async (name) => [name, await modulesOf(name)] as const));
  loaded = new Map(built.map(([name, modules]) => [name, modules.atInit]));
  bundled = new Map(built.map(([name, modules]) => [name, modules.anywhere]));
});

describe('schemas built at init', () => {
  it('covers every handler: the seven alarm handlers, the two escalation handlers and verify-change', () => {
    expect(alarmHandlers).toHaveLength(7);
    expect(handlers).toHaveLength(10);
  });

  it('every handler builds the configuration schema at init: it parses the configuration there', () => {
    for (const name of handlers) expect([name, loaded.get(name)?.has(CONFIG_SCHEMA)]).toEqual([name, true]);
  });

  it("the alarm handlers build the alarm event's schemas and not verify-change's, which they only schedule", () => {
    for (const name of alarmHandlers) {
      expect([name, loaded.get(name)?.has(ALARM_EVENT), loaded.get(name)?.has(VERIFY_CHANGE_PLAN)]).toEqual([name, true, false]);
    }
  });

  it("verify-change builds its input's schemas and not the alarm event's: it parses no alarm event", () => {
    expect(loaded.get('verify-change')?.has(VERIFY_CHANGE_PLAN)).toBe(true);
    expect(loaded.get('verify-change')?.has(ALARM_EVENT)).toBe(false);
  });

  it("escalate builds the alarm event's schemas, one of the inputs it parses; escalation-timer, which parses none, does not", () => {
    expect(loaded.get('escalate')?.has(ALARM_EVENT)).toBe(true);
    expect(loaded.get('escalation-timer')?.has(ALARM_EVENT)).toBe(false);
  });

  it("each escalation handler builds its own input's schemas and not the other's", () => {
    expect(['escalate', loaded.get('escalate')?.has(ESCALATE_INPUT), loaded.get('escalate')?.has(TIMER_INPUT)]).toEqual(['escalate', true, false]);
    expect(['escalation-timer', loaded.get('escalation-timer')?.has(TIMER_INPUT), loaded.get('escalation-timer')?.has(ESCALATE_INPUT)]).toEqual(['escalation-timer', true, false]);
  });
});

describe("the escalation service's parts at init (decision 333)", () => {
  const part = (name: string): string => `shared/escalation/${name}.ts`;
  // Loaded on first use in both handlers: the sweep (escalation-timer's scheduled run, no page waits on it), the
  // region-serving notice (a DR region's standby watch), a re-fire re-opening or joining its incident, a kill switch change.
  const RARE = ['escalation-rare-paths', 'escalation-sweep', 'escalation-notice', 'escalation-reopen', 'kill-switch-announce', 'render-kill-switch-change', 'kill-switch-notice-log'];

  it.each([
    // A late timer says how late (plan-sweep's lateness): the timer's common path; escalate never runs a timer.
    ['escalate', ['escalation-intake', 'escalation-service', 'plan-intake', 'trust-decision'], ['escalation-timer-run', 'plan-timer', 'plan-sweep', ...RARE]],
    ['escalation-timer', ['escalation-timer-run', 'escalation-service', 'plan-timer', 'plan-sweep'], ['escalation-intake', 'plan-intake', 'trust-decision', ...RARE]],
  ])('%s reads its common path\'s part at init and no part only another path runs', (handler, atInit, notAtInit) => {
    const modules = loaded.get(handler);
    expect([handler, atInit.filter((name) => !modules?.has(part(name)))]).toEqual([handler, []]);
    expect([handler, notAtInit.filter((name) => modules?.has(part(name)))]).toEqual([handler, []]);
  });

  it.each(['escalate', 'escalation-timer'])('%s still bundles the rarer paths left out of its init, for the event that loads them', (handler) => {
    const parts = ['escalation-rare-paths', 'escalation-sweep', 'escalation-notice', 'escalation-reopen', 'kill-switch-announce'];
    expect([handler, parts.filter((name) => !bundled.get(handler)?.has(part(name)))]).toEqual([handler, []]);
  });

  it('escalation-timer does not bundle the intake at all: no timer runs it', () => {
    expect(bundled.get('escalation-timer')?.has(part('escalation-intake'))).toBe(false);
  });
});

describe("the pipeline's change step and the DR standby deferral at init (decision 352)", () => {
  // The change step (the guardrails, intent, reservation, apply, read-back and the health check's scheduler) runs only
  // after a planned change: the three changing rows' handlers read it at init with the rest of their decision path; the
  // four whose playbook only diagnoses (its plan is never a change) do not bundle it at all.
  const CHANGE_STEP = ['shared/pipeline/change-step.ts', 'shared/guard/evaluate-guardrails.ts', 'shared/pipeline/verify-scheduler.ts'];
  const changing = CHANGING_PLAYBOOKS.map((playbook) => playbook.name).sort();

  it('the changing rows are three alarm handlers; four alarm handlers only diagnose', () => {
    expect(changing).toEqual(['raise-lambda-memory', 'scale-consumers', 'scale-up-database']);
    expect(alarmHandlers.filter((name) => !changing.includes(name))).toEqual(['alert-error-rate', 'check-db-connections', 'inspect-security-groups', 'watch-standby']);
  });

  it.each(alarmHandlers)('%s reads the change step at init exactly when its playbook can plan a change', (handler) => {
    const expected = changing.includes(handler);
    expect([handler, CHANGE_STEP.map((module) => loaded.get(handler)?.has(module))]).toEqual([handler, CHANGE_STEP.map(() => expected)]);
    expect([handler, CHANGE_STEP.map((module) => bundled.get(handler)?.has(module))]).toEqual([handler, CHANGE_STEP.map(() => expected)]);
  });

  it.each(alarmHandlers)('%s loads the DR standby deferral only on first use, and reads at init only the check of whether one is possible', (handler) => {
    expect([handler, loaded.get(handler)?.has('shared/guard/standby-deferral.ts'), bundled.get(handler)?.has('shared/guard/standby-deferral.ts')]).toEqual([handler, false, true]);
    expect([handler, loaded.get(handler)?.has('shared/guard/standby-deferral-when.ts')]).toEqual([handler, true]);
  });
});
