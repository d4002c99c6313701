// Values in a rehearsal as Automation handles them: {{ }} substitution, JSONPath selection into typed outputs, durations.
import { JSONPath } from 'jsonpath-plus';
import { asBoolean } from '../../shared/runbooks/document';
import { referencesInString } from '../../shared/runbooks/references';

export class RehearsalStepError extends Error {
  override readonly name = 'RehearsalStepError';
}

/** A reference to a step output the step did not produce: its Selector matched nothing (Automation leaves it out). */
export class NoOutputError extends RehearsalStepError {}

/** Looks up what a {{ reference }} names; throws RehearsalStepError when it is not available. */
export type Lookup = (expression: string) => unknown;

/** How a value reads inside a longer string: text as is, anything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Substitutes references the way Automation does: a value that is exactly one reference becomes the referenced
 * value with its type (an Integer parameter stays a number, a StringList a list); references inside longer strings
 * are replaced by their text. Map keys are substituted too.
 */
export function resolveValue(value: unknown, lookup: Lookup): unknown {
  if (typeof value === 'string') {
    const refs = referencesInString(value);
    if (refs.length === 0) return value;
    if (refs.length === 1 && refs[0]?.whole) return lookup(refs[0].expression);
    return value.replace(/\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}/g, (_, expression: string) => asText(lookup(expression)));
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, lookup));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [asText(resolveValue(key, lookup)), resolveValue(item, lookup)]));
  }
  return value;
}

/**
 * How a timestamp of an AWS answer reaches a document as text. Automation reads the answer through boto3, whose
 * timestamps are Python datetimes, and its form as text is not documented (decision 171): `json` as JSON writes a Date
 * (`2026-12-06T07:17:31.070Z`, the default), or Python's own two, `isoformat` (`2026-12-06T07:17:31.070000+00:00`) and
 * `str` (`2026-12-06 07:17:31.070000+00:00`; both drop a zero fraction, as Python does).
 */
export const DATETIME_FORMS = ['json', 'isoformat', 'str'] as const;
export type DatetimeForm = (typeof DATETIME_FORMS)[number];

function pythonDatetime(at: Date, separator: 'T' | ' '): string {
  const iso = at.toISOString();
  const ms = at.getUTCMilliseconds();
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${ms === 0 ? '' : `.${String(ms * 1000).padStart(6, '0')}`}+00:00`;
}

/** AWS responses as Automation sees them: plain JSON, timestamps as text in `datetimes`' form, blobs as text, no SDK metadata. */
export function normalizeResponse(response: unknown, datetimes: DatetimeForm = 'json'): unknown {
  // The replacer sees a Date after its toJSON: the holder still has the Date itself.
  const text = JSON.stringify(response, function (this: Record<string, unknown>, key: string, value: unknown) {
    if (key === '$metadata') return undefined;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    const original = this[key];
    if (original instanceof Date && datetimes !== 'json') return pythonDatetime(original, datetimes === 'str' ? ' ' : 'T');
    return value;
  });
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** All matches of a JSONPath selector ($.DBInstances[0].DBInstanceStatus). */
export function select(json: unknown, selector: string): unknown[] {
  if (json === undefined || json === null) return [];
  return JSONPath({ path: selector, json: json as object, wrap: true }) as unknown[];
}

/** A selector's result converted to an output Type; undefined when nothing matched. Throws when it cannot convert. */
export function typedOutput(json: unknown, selector: string, type: string, name: string): unknown {
  const matches = select(json, selector);
  if (matches.length === 0 || matches[0] === null || matches[0] === undefined) return undefined;
  const first = matches[0];
  const fail = (expected: string): never => {
    throw new RehearsalStepError(`output ${name}: ${selector} selected ${asText(first).slice(0, 120)}, which is not ${expected}`);
  };
  switch (type) {
    case 'String':
      return asText(first);
    case 'Integer': {
      const n = typeof first === 'number' ? first : typeof first === 'string' && /^-?\d+$/.test(first.trim()) ? Number(first) : undefined;
      return n === undefined || !Number.isInteger(n) ? fail('an integer') : n;
    }
    case 'Boolean': {
      const b = asBoolean(first);
      return b === undefined ? fail('a boolean') : b;
    }
    case 'StringList': {
      const list = matches.length === 1 && Array.isArray(first) ? first : matches;
      return list.map(asText);
    }
    case 'StringMap':
      return typeof first === 'object' && !Array.isArray(first) ? first : fail('a map');
    case 'MapList': {
      const list = matches.length === 1 && Array.isArray(first) ? first : matches;
      return list.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item)) ? list : fail('a list of maps');
    }
    default:
      return fail(`a known output type (${type})`);
  }
}

/** ISO 8601 duration (PT5M, P1DT2H) in milliseconds. */
export function durationMs(duration: string): number {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) throw new RehearsalStepError(`Duration ${JSON.stringify(duration)} is not an ISO 8601 duration such as PT5M`);
  const [, years, months, weeks, days, hours, minutes, seconds] = match.map((m) => (m === undefined ? 0 : Number(m)));
  // Years and months as Automation has no calendar here: 365 and 30 days; documents use seconds to days in practice.
  const totalSeconds =
    (years ?? 0) * 365 * 86400 + (months ?? 0) * 30 * 86400 + (weeks ?? 0) * 7 * 86400 + (days ?? 0) * 86400 + (hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0);
  return Math.round(totalSeconds * 1000);
}

/** global:DATE_TIME's format, yyyy-MM-dd_HH.mm.ss (Automation system variables), in UTC. */
export function automationDateTime(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}_${iso.slice(11, 19).replace(/:/g, '.')}`;
}

/** Does an actual value match one of DesiredValues? Automation compares text; booleans read True/False in its examples. */
export function matchesDesired(actual: unknown, desired: readonly unknown[]): boolean {
  const actualText = asText(actual);
  return desired.some((d) => {
    const text = asText(d);
    if (typeof actual === 'boolean') return text.toLowerCase() === String(actual);
    return text === actualText;
  });
}
