// shared/config/zod-english.ts words every issue as zod's own `en` locale does (the oracle here), for the checks the
// project's schemas use and a few more; only string formats it does not name read differently, by the format's name.
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { englishErrors } from '../../../shared/config/zod-english';

const zodEnglish = en().localeError;

/** Every issue a parse of `input` raises, with its message from zod's `en` locale and from ours. */
function messages(schema: z.ZodMiniType, input: unknown): Array<{ code: string; en: string; ours: string }> {
  const result = z.safeParse(schema, input, { reportInput: true });
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to fail`);
  // The raw issues, re-worded by each map: both see exactly what zod hands a locale.
  return result.error.issues.map((issue) => {
    const raw = { ...issue, input: (issue as { input?: unknown }).input } as unknown as Parameters<typeof englishErrors>[0];
    const wordsOf = (map: typeof englishErrors): string => {
      const said = map(raw);
      return typeof said === 'string' ? said : (said?.message ?? '');
    };
    return { code: issue.code, en: wordsOf(zodEnglish as typeof englishErrors), ours: wordsOf(englishErrors) };
  });
}

describe('englishErrors (zod/mini without its en locale module)', () => {
  const cases: Array<[string, z.ZodMiniType, unknown]> = [
    ['a number where a string is expected', z.string(), 42],
    ['null where an object is expected', z.strictObject({ a: z.string() }), null],
    ['an array where an object is expected', z.looseObject({}), []],
    ['a Date where a string is expected', z.string(), new Date(0)],
    ['NaN where a number is expected', z.number(), Number.NaN],
    ['a fraction where an integer is expected', z.int(), 1.5],
    ['a value outside an enum', z.enum(['production', 'staging']), 'prod'],
    ['a wrong literal', z.literal('ALARM'), 'OK'],
    ['a number too big', z.number().check(z.maximum(1000)), 1001],
    ['a number too small, exclusive', z.number().check(z.gt(0)), 0],
    ['a string too long', z.string().check(z.maxLength(3)), 'abcd'],
    ['an array too short', z.array(z.string()).check(z.minLength(1)), []],
    ['a regex without a message', z.string().check(z.regex(/^\d{12}$/)), 'x'],
    ['an email', z.email(), 'not-an-email'],
    ['an ISO datetime', z.iso.datetime(), 'yesterday'],
    ['unknown keys in a strict object', z.strictObject({ a: z.optional(z.string()) }), { b: 1, c: 2 }],
    ['one unknown key', z.strictObject({}), { b: 1 }],
    ['a union none of whose options match', z.union([z.string(), z.number()]), true],
    ['a record key that fails its schema', z.record(z.string().check(z.maxLength(1)), z.number()), { bb: 1 }],
    ['a number that is no multiple', z.number().check(z.multipleOf(5)), 7],
  ];

  it.each(cases)('words %s as zod\'s en locale does', (_case, schema, input) => {
    const said = messages(schema, input);
    expect(said.length).toBeGreaterThan(0);
    for (const { en: theirs, ours } of said) expect(ours).toBe(theirs);
  });

  it('covers every issue code the cases were meant to raise', () => {
    const codes = new Set(cases.flatMap(([, schema, input]) => messages(schema, input).map((m) => m.code)));
    expect([...codes].sort()).toEqual(
      ['invalid_format', 'invalid_key', 'invalid_type', 'invalid_union', 'invalid_value', 'not_multiple_of', 'too_big', 'too_small', 'unrecognized_keys'].sort(),
    );
  });

  it('names a format it does not know by the format itself (the one place it differs from en)', () => {
    const [said] = messages(z.ipv4(), '999.1.1.1');
    expect(said).toEqual({ code: 'invalid_format', en: 'Invalid IPv4 address', ours: 'Invalid ipv4' });
  });
});
