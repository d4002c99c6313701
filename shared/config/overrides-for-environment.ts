// The configuration overrides one environment's handlers are given: every field but `environments` as is, of `environments` only that environment's section.
import type { EnvironmentName } from './schema';

const ENVIRONMENTS_KEY = 'environments';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `overrides` (the JSON the `config` context gives, parsed) narrowed to what a handler running in `environment` reads: a
 * handler validates and keeps only its own environment's section (loadRuntimeConfig with environments: 'running',
 * decision 108; reading another environment throws), so another environment's section is bytes of Lambda's 4 KB of
 * variables for nothing (decision 371). The other sections are dropped; `environments` itself when nothing of it is left.
 * Everything else (service, table, bus, rows, escalation path, dependencies, sdkTimeouts, an unknown key) stays, in
 * its place, so a handler loading the result gets the same RuntimeConfig as with the whole overrides
 * (test/infra/handler-config-parity.test.ts). A document this cannot narrow (not an object, `environments` not an
 * object) is returned as given: validation, not narrowing, refuses it (infra parses the whole document first).
 */
export function overridesForEnvironment(overrides: unknown, environment: EnvironmentName): unknown {
  if (!isPlainObject(overrides) || !isPlainObject(overrides[ENVIRONMENTS_KEY])) return overrides;
  const sections = overrides[ENVIRONMENTS_KEY];
  const narrowed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (key !== ENVIRONMENTS_KEY) narrowed[key] = value;
    else if (Object.prototype.hasOwnProperty.call(sections, environment)) narrowed[key] = { [environment]: sections[environment] };
  }
  return narrowed;
}
