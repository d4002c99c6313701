// Pure: the health check after an applied change — its schedule name, its input (parsed strictly) and what it decides.
// zod/mini, not classic zod: the handler bundles carry only the validators used here.
import { createHash } from 'node:crypto';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { VERIFY_HANDLER } from '../config/names';
import { InvalidInputError } from '../errors';
import type { HealthReading } from './types';

if (!z.config().localeError) z.config(en());

export { VERIFY_HANDLER, VERIFY_SCHEDULE_GROUP } from '../config/names';

const text = z.string();
const readingSchema = z.strictObject({ from: text, to: text, figures: z.record(z.string(), z.nullable(z.number())) });

/** What the schedule hands verify-change: enough to re-read, judge and revert without the alarm event. */
const verifyChangeInputSchema = z.strictObject({
  action: z.literal('verify-change'),
  playbook: text.check(z.minLength(1)),
  incidentKey: text.check(z.minLength(1)),
  /** When the change was verified in place (ISO 8601): the "after" window starts here. */
  changedAt: text.check(z.minLength(1)),
  summary: text,
  /** The playbook's target, as resolveTarget returned it. */
  target: z.looseObject({ resource: z.looseObject({ type: text, id: text, arn: text }) }),
  /** The change as applied: its `from` values are the recorded values a revert puts back. */
  change: z.record(z.string(), z.unknown()),
  before: readingSchema,
  alarm: z.strictObject({
    account: text,
    region: text,
    name: z.optional(text),
    arn: z.optional(text),
    state: z.optional(text),
    time: z.optional(text),
  }),
});
export type VerifyChangeInput = z.infer<typeof verifyChangeInputSchema>;

export function parseVerifyChangeInput(raw: unknown): VerifyChangeInput {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch (error) {
      throw new InvalidInputError(`verify-change input is not valid JSON: ${(error as Error).message}`, [], { cause: error });
    }
  }
  const parsed = verifyChangeInputSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidInputError(`not a verify-change input: ${details.join('; ')}`, details);
  }
  return parsed.data;
}

/** One schedule per change (playbook + incident): scheduling it again after a retry is a ConflictException, a no-op. */
export function verifyScheduleName(playbook: string, incidentKey: string): string {
  // Scheduler names: 1-64 characters of [0-9a-zA-Z-_.].
  return `verify-${createHash('sha256').update(`${playbook}\u0000${incidentKey}`).digest('hex').slice(0, 32)}`;
}

/** The claim verify-change takes on the incident (beside the playbook's own), so a schedule fired twice reverts once. */
export function verifyClaimName(playbook: string): string {
  return `${VERIFY_HANDLER}#${playbook}`;
}

export type HealthVerdict =
  | { kind: 'healthy' }
  /** Worse, but the resource no longer shows the change (restored on OK, or changed by someone): nothing to revert. */
  | { kind: 'moved-on'; worse: string }
  /** Worse, and the kill switch or dry run forbids the revert: a person decides. */
  | { kind: 'held'; worse: string; why: string }
  | { kind: 'revert'; worse: string };

export function decideHealthVerdict(input: { worse: string | undefined; stillApplied: boolean; held?: string }): HealthVerdict {
  if (input.worse === undefined) return { kind: 'healthy' };
  if (!input.stillApplied) return { kind: 'moved-on', worse: input.worse };
  if (input.held !== undefined) return { kind: 'held', worse: input.worse, why: input.held };
  return { kind: 'revert', worse: input.worse };
}

/** "errors 3, invocations 400" from a reading, for decisions and messages. */
export function describeReading(reading: HealthReading): string {
  const figures = Object.entries(reading.figures).map(([name, value]) => `${name} ${value === null ? 'n/a' : Number(value.toFixed(1))}`);
  return `${reading.from.slice(11, 16)}-${reading.to.slice(11, 16)} UTC: ${figures.join(', ') || 'no figures'}`;
}
