// The English messages zod/mini's validation errors carry, as zod's own `en` locale words them, for the checks this
// project's schemas use. zod/mini registers no locale; the `en` locale module (about 2.7 KB minified, most of it the
// names of string formats we never check: UUID, cuid, JWT, IBAN...) was in every handler's bytes at init. This map words
// each issue as `en` does (test/unit/config/zod-english.test.ts compares the two issue by issue); a format it does not name
// reads by its own name ("Invalid ipv4" rather than "Invalid IPv4 address").
import type * as z from 'zod/mini';

type ErrorMap = NonNullable<ReturnType<typeof z.config>['localeError']>;
type RawIssue = Parameters<ErrorMap>[0];

const SIZED: Readonly<Record<string, string>> = { string: 'characters', file: 'bytes', array: 'items', set: 'items', map: 'entries' };
/** The string formats the schemas check (shared/config/schema.ts, shared/events, shared/escalation), as `en` names them. */
const FORMATS: Readonly<Record<string, string>> = { regex: 'input', email: 'email address', datetime: 'ISO datetime', date: 'ISO date', url: 'URL' };

function typeOf(input: unknown): string {
  if (typeof input === 'number') return Number.isNaN(input) ? 'NaN' : Number.isFinite(input) ? 'number' : String(input);
  if (typeof input !== 'object') return typeof input;
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  // An instance of a class reads as the class (Date, Map), as zod says it.
  const constructorName = Object.getPrototypeOf(input) !== Object.prototype ? (input as { constructor?: { name?: string } }).constructor?.name : undefined;
  return constructorName || 'object';
}

const shown = (value: unknown): string => (typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? `"${value}"` : String(value));

export const englishErrors: ErrorMap = (issue: RawIssue): string => {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected === 'nan' ? 'NaN' : issue.expected}, received ${typeOf(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `Invalid input: expected ${shown(issue.values[0])}` : `Invalid option: expected one of ${issue.values.map(shown).join('|')}`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const adj = issue.exact ? 'exactly ' : issue.inclusive ? (big ? '<=' : '>=') : big ? '<' : '>';
      const limit = String(big ? issue.maximum : issue.minimum);
      const unit = SIZED[issue.origin];
      const what = big ? (issue.origin ?? 'value') : issue.origin;
      return `${big ? 'Too big' : 'Too small'}: expected ${what} ${unit ? `to have ${adj}${limit} ${unit}` : `to be ${adj}${limit}`}`;
    }
    case 'invalid_format': {
      const format = issue as RawIssue & { format: string; prefix?: string; suffix?: string; includes?: string; pattern?: RegExp };
      if (format.format === 'starts_with') return `Invalid string: must start with "${format.prefix}"`;
      if (format.format === 'ends_with') return `Invalid string: must end with "${format.suffix}"`;
      if (format.format === 'includes') return `Invalid string: must include "${format.includes}"`;
      if (format.format === 'regex') return `Invalid string: must match pattern ${String(format.pattern)}`;
      return `Invalid ${FORMATS[format.format] ?? format.format}`;
    }
    case 'not_multiple_of':
      return `Invalid number: must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map(shown).join(', ')}`;
    case 'invalid_key':
      return `Invalid key in ${issue.origin}`;
    case 'invalid_union':
      return 'Invalid input';
    case 'invalid_element':
      return `Invalid value in ${issue.origin}`;
    default:
      return 'Invalid input';
  }
};
