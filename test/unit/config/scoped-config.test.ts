// A handler validates at start its own environment's section and everything that is not an environment's (decision 108):
// for any document whose other environments are valid, the same result and the same error, issue for issue and in the
// same order, as the whole document's validation, which stays the oracle here (parseAutomationConfig, unchanged).
import { createAlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { queueBackupPlaybook } from '../../../shared/playbooks/queue-backup';
import { defaultConfig } from '../../../shared/config/defaults';
import { loadRuntimeConfig, mergeConfig, parseAutomationConfig, parseAutomationConfigFor } from '../../../shared/config/load-config';
import { ENVIRONMENTS, type EnvironmentName } from '../../../shared/config/schema';
import { ConfigurationError } from '../../../shared/errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Every leaf and every object of `value`, with its path. */
function* nodes(value: Json, path: Path = []): Generator<[Path, Json]> {
  yield [path, value];
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* nodes(item, [...path, i]);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* nodes(item, [...path, key]);
}

function setAt(document: Json, path: Path, value: Json | undefined): Json {
  const copy = clone(document);
  let at = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

/** A value of the wrong kind for `value`: what a mistyped override would put there. */
function wrongKind(value: Json): Json {
  if (typeof value === 'number') return 'ten';
  if (typeof value === 'string') return 42;
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { not: 'a list' };
  return ['not', 'an object'];
}

function outcome(parse: () => unknown): { ok: true; data: unknown } | { ok: false; message: string; issues: string[] } {
  try {
    return { ok: true, data: parse() };
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return { ok: false, message: error.message, issues: [...error.issues] };
  }
}

/** What a handler in `environment` may read of a whole-document result. */
function ownPart(config: Record<string, unknown>, environment: EnvironmentName): Record<string, unknown> {
  return { ...config, environments: { [environment]: (config.environments as Record<string, unknown>)[environment] } };
}

const seed = clone(mergeConfig(defaultConfig, {})) as Json;

/**
 * Documents broken only in `environment`'s section or outside every environment's: each leaf and object given a value
 * of the wrong kind, each object key removed, an unknown key added to each object, and pairs of those across sections
 * (so the order of issues from several sections is compared too).
 */
function brokenDocuments(environment: EnvironmentName): Array<{ name: string; document: Json; sections: string[] }> {
  const out: Array<{ name: string; document: Json; sections: string[] }> = [];
  const scoped = [...nodes(seed)].filter(([path]) => path.length > 0 && (path[0] !== 'environments' || (path.length > 1 && path[1] === environment)));
  for (const [path, value] of scoped) {
    const section = path[0] === 'environments' ? `environments.${environment}` : String(path[0]);
    const name = path.join('.');
    out.push({ name: `${name}: wrong kind`, document: setAt(seed, path, wrongKind(value)), sections: [section] });
    if (typeof path[path.length - 1] === 'string') out.push({ name: `${name}: removed`, document: setAt(seed, path, undefined), sections: [section] });
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push({ name: `${name}: unknown key`, document: setAt(seed, [...path, 'surplusKey'], true), sections: [section] });
    }
  }
  // Pairs across sections: one before `environments` in the schema's order, the environment's, one after, the root's.
  const killSwitch = wrongKind('x');
  const pairs: Array<[string, Path, Json | undefined][]> = [
    [['killSwitchParameterName', ['killSwitchParameterName'], killSwitch], ['environment regions', ['environments', environment, 'regions'], 'us-east-1']],
    [['environment guardrails', ['environments', environment, 'guardrails', 'cooldownSeconds'], -1], ['troubleshooting', ['troubleshooting', 0, 'id'], 'Not Kebab']],
    [['service', ['service'], ''], ['environment multiAz', ['environments', environment, 'multiAz'], 'no'], ['dependencies', ['dependencies', 'apis'], 'none'], ['root surplus', ['surplus'], 1]],
    [['environment surplus', ['environments', environment, 'surplus'], 1], ['environments surplus', ['environments', 'prod'], {}]],
    [['environment removed', ['environments', environment], undefined], ['checkDbConnections', ['checkDbConnections', 'cpuPercent'], 0]],
  ];
  for (const pair of pairs) {
    let document = seed;
    for (const [, path, value] of pair) document = setAt(document, path, value);
    out.push({ name: pair.map(([label]) => label).join(' + '), document, sections: pair.map(([label]) => label) });
  }
  // The document and the environments record themselves of the wrong kind.
  out.push({ name: 'document not an object', document: ['config'], sections: ['(root)'] });
  out.push({ name: 'environments not an object', document: setAt(seed, ['environments'], 'production'), sections: ['environments'] });
  out.push({ name: 'environments a list', document: setAt(seed, ['environments'], [seed]), sections: ['environments'] });
  return out;
}

describe('parseAutomationConfigFor: the environment it runs in, and everything that is not an environment\'s', () => {
  it.each(ENVIRONMENTS.map((environment) => [environment]))('%s: every broken document fails with the whole validation\'s exact message and issues', (environment) => {
    const documents = brokenDocuments(environment);
    let failed = 0;
    let multiSection = 0;
    for (const { name, document, sections } of documents) {
      const whole = outcome(() => parseAutomationConfig(document));
      const scoped = outcome(() => parseAutomationConfigFor(document, environment));
      expect({ name, ...scoped }).toEqual({ name, ...(whole.ok ? { ok: true, data: ownPart(whole.data as Record<string, unknown>, environment) } : whole) });
      if (!whole.ok) {
        failed += 1;
        if (whole.issues.length > 1 && sections.length > 1) multiSection += 1;
      }
    }
    // The spread: hundreds of single-field breaks and every cross-section pair failing with several issues.
    // Exact (the documents are built deterministically from the defaults): [documents, failing], per environment.
    // Decision 123 added watchIn ['primary', 'dr'] to the three changing rows: 12 documents more, 9 of them failing, each environment.
    // Decision 185 added Queue Backup's lowWater { thresholdPercent, evaluationMinutes }: 7 documents more, 6 of them failing
    // (lowWater removed is valid: the restore then comes at the first OK).
    // Decision 204 added escalation.flapping { regroupWithinMinutes, settleMinutes }: 7 documents more, 6 of them failing
    // (flapping removed is valid: the project defaults then apply).
    const expected: Record<EnvironmentName, [number, number]> = { production: [506, 469], staging: [467, 436], development: [457, 427] };
    expect([documents.length, failed]).toEqual(expected[environment]);
    expect(multiSection).toBe(5);
  });

  it.each(ENVIRONMENTS.map((environment) => [environment]))('%s: a valid document gives the same configuration, its own environment only', (environment) => {
    const overrides = { killSwitchCacheSeconds: 10, environments: { [environment]: { guardrails: { cooldownSeconds: 60, maxChangesPerHour: 2 } } } };
    const document = mergeConfig(defaultConfig, overrides);
    const whole = parseAutomationConfig(document) as unknown as Record<string, unknown>;
    const scoped = parseAutomationConfigFor(document, environment) as unknown as Record<string, unknown>;
    expect(scoped).toEqual(ownPart(whole, environment));
    expect(Object.keys(scoped.environments as object)).toEqual([environment]);
    expect((scoped.environments as Record<string, { guardrails: unknown }>)[environment]?.guardrails).toEqual({ cooldownSeconds: 60, maxChangesPerHour: 2 });
  });

  it('leaves out the other environments, whose sections it does not validate: reading one throws', () => {
    const document = setAt(seed, ['environments', 'staging', 'guardrails', 'cooldownSeconds'], -1);
    expect(outcome(() => parseAutomationConfig(document))).toMatchObject({ ok: false, issues: ['environments.staging.guardrails.cooldownSeconds: Too small: expected number to be >=0'] });
    const config = parseAutomationConfigFor(document, 'production');
    expect(config.environments.production.guardrails.cooldownSeconds).toBe(300);
    expect(() => config.environments.staging).toThrow(new ConfigurationError('environments.staging is not validated by a handler running in production: it is not this container\'s to read', []));
    expect(() => config.environments.development.regions).toThrow(ConfigurationError);
    expect(JSON.parse(JSON.stringify(config.environments))).toEqual({ production: config.environments.production });
  });
});

describe('loadRuntimeConfig: the handlers validate the environment they run in; everything else validates the whole document', () => {
  const base = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' };
  const stagingBroken = JSON.stringify({ environments: { staging: { scaleConsumers: { maxConcurrency: 5000 } } } });

  it('a broken section of another environment fails the whole validation (CLI, synth, tests) and not a handler', () => {
    expect(outcome(() => loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: stagingBroken }))).toMatchObject({
      ok: false,
      issues: ['environments.staging.scaleConsumers.maxConcurrency: Too big: expected number to be <=1000'],
    });
    expect(loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: stagingBroken }, { environments: 'running' }).env.scaleConsumers.maxConcurrency).toBe(400);
    const handler = createAlarmHandler({ playbook: queueBackupPlaybook, env: { ...base, RUNBOOK_CONFIG_JSON: stagingBroken } });
    expect(handler.runtime.environment).toBe('production');
  });

  it('a broken section of its own environment fails a handler at start with the same error as before', () => {
    const productionBroken = JSON.stringify({ environments: { production: { scaleConsumers: { maxConcurrency: 5000 } } } });
    const whole = outcome(() => loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: productionBroken }));
    expect(whole).toMatchObject({ ok: false, issues: ['environments.production.scaleConsumers.maxConcurrency: Too big: expected number to be <=1000'] });
    expect(outcome(() => loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: productionBroken }, { environments: 'running' }))).toEqual(whole);
    expect(outcome(() => createAlarmHandler({ playbook: queueBackupPlaybook, env: { ...base, RUNBOOK_CONFIG_JSON: productionBroken } }))).toEqual(whole);
  });

  it('an unknown RUNBOOK_ENVIRONMENT names no section: the whole document is validated first, as before', () => {
    const env = { ...base, RUNBOOK_ENVIRONMENT: 'prod', RUNBOOK_CONFIG_JSON: stagingBroken };
    const whole = outcome(() => loadRuntimeConfig(env));
    expect(whole).toMatchObject({ ok: false, issues: ['environments.staging.scaleConsumers.maxConcurrency: Too big: expected number to be <=1000'] });
    expect(outcome(() => loadRuntimeConfig(env, { environments: 'running' }))).toEqual(whole);
    const valid = { ...base, RUNBOOK_ENVIRONMENT: 'prod' };
    expect(outcome(() => loadRuntimeConfig(valid, { environments: 'running' }))).toEqual(outcome(() => loadRuntimeConfig(valid)));
    expect(outcome(() => loadRuntimeConfig(valid))).toMatchObject({ ok: false, issues: ['RUNBOOK_ENVIRONMENT'] });
  });
});
