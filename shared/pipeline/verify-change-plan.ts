// Pure: the health check after an applied change — its schedule name (verify-schedule-name.ts), its input (parsed strictly) and what it decides.
// zod/mini, not classic zod: the handler bundles carry only the validators used here.
import * as z from 'zod/mini';
import { englishErrors } from '../config/zod-english';
import { SWEEP_INPUT } from '../config/automation-health';
import { VERIFY_HANDLER } from '../config/names';
import { foreignAccountProblem, type WorkloadAccount } from '../config/workload-account';
import { InvalidInputError } from '../errors';
import type { HealthReading } from './types';

if (!z.config().localeError) z.config({ localeError: englishErrors });

export { VERIFY_HANDLER, VERIFY_SCHEDULE_GROUP } from '../config/names';

const text = z.string();
const readingSchema = z.strictObject({ from: text, to: text, figures: z.record(z.string(), z.nullable(z.number())) });

const ACCOUNT_ID = /^\d{12}$/;

/**
 * What the schedule hands verify-change: which record to judge, nothing more. The change, its target and its revert
 * come from the state table (the intent the alarm pipeline recorded), never from the schedule's input, which anyone who
 * can write a schedule in the group controls. Any other field is refused.
 */
const verifyChangeInputSchema = z.strictObject({
  action: z.literal('verify-change'),
  /** The playbook whose claim on the incident holds the recorded change. */
  playbook: text.check(z.minLength(1), z.maxLength(64), z.regex(/^[a-z][a-z0-9-]*$/, 'must be a playbook name')),
  incidentKey: text.check(z.minLength(1), z.maxLength(2048)),
});
export type VerifyChangeInput = z.infer<typeof verifyChangeInputSchema>;

/**
 * What the alarm pipeline records on its claim before the health check is scheduled (run-playbook.ts): the intent (the
 * change and its target) plus the health check's starting point. Read back from the table, so parsed like any input.
 */
const recordedChangeSchema = z.looseObject({
  direction: z.literal('scale-up'),
  summary: text,
  /** The change as applied: its `from` values are what a revert puts back (checked against the configuration). */
  change: z.record(z.string(), z.unknown()),
  /** The playbook's target, as resolveTarget returned it for the alarm. */
  target: z.looseObject({ resource: z.strictObject({ type: text, id: text, arn: text }) }),
  alarm: z.strictObject({
    account: text.check(z.regex(ACCOUNT_ID, 'must be a 12-digit account id')),
    region: text,
    name: z.optional(text),
    arn: z.optional(text),
    state: z.optional(text),
    time: z.optional(text),
  }),
  healthCheck: z.strictObject({
    /** When the change was verified in place (ISO 8601): the "after" window starts here. */
    changedAt: text.check(z.minLength(1)),
    before: readingSchema,
  }),
});
export type RecordedChange = z.infer<typeof recordedChangeSchema>;

/** One health check to run: the schedule's key plus the change as recorded. */
export type HealthCheckJob = Pick<VerifyChangeInput, 'playbook' | 'incidentKey'> &
  Pick<RecordedChange, 'summary' | 'change' | 'target' | 'alarm'> & { changedAt: string; before: HealthReading };

function issuesOf(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

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
    const details = issuesOf(parsed.error);
    throw new InvalidInputError(`not a verify-change input (it carries only action, playbook and incidentKey): ${details.join('; ')}`, details);
  }
  return parsed.data;
}

/** What verify-change takes: one health check, or the verify sweep of every overdue one (decision 293). */
export type VerifyHandlerInput = { kind: 'check'; input: VerifyChangeInput } | { kind: 'sweep' };

/**
 * The sweep's rule sends the constant Input {"action":"sweep"} (SWEEP_INPUT), nothing beside it; anything else is a
 * health check's input, parsed strictly as before.
 */
export function parseVerifyHandlerInput(raw: unknown): VerifyHandlerInput {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      value = raw;
    }
  }
  if (typeof value === 'object' && value !== null && (value as { action?: unknown }).action === SWEEP_INPUT.action) {
    if (Object.keys(value).length !== 1) throw new InvalidInputError('invalid verify sweep input: {"action":"sweep"} takes no other field');
    return { kind: 'sweep' };
  }
  return { kind: 'check', input: parseVerifyChangeInput(raw) };
}

/**
 * The health check the state table holds for this input: the playbook's claim on the incident must be completed as
 * `applied`, with an intent that recorded the change, its target and the reading before it. Anything else is refused.
 */
/** The environment's own resources by kind (the configuration's `resources`): a recorded target must be one of them. */
export interface OwnedResources {
  queues: readonly string[];
  functions: readonly string[];
  databases: readonly string[];
}

// The changing rows' targets (resolveTarget in shared/playbooks/*): which resources they name, in which service's ARNs.
const TARGET_KINDS: Readonly<Record<string, { kind: keyof OwnedResources; service: string }>> = {
  'sqs-queue-consumers': { kind: 'queues', service: 'sqs' },
  'lambda-function': { kind: 'functions', service: 'lambda' },
  'rds-db-instance': { kind: 'databases', service: 'rds' },
};
// The fields of a target that name the resource the row's code acts on: each must be the resource's own.
const NAME_FIELDS = ['queueName', 'functionName', 'dbInstanceIdentifier'] as const;

/**
 * Why a target read back from the state table is not one the automation may act on: a resource of a kind no changing row
 * acts on, one the environment does not own, or an ARN or name that points elsewhere than the recorded alarm's account
 * and region. Empty: the target is the environment's own.
 */
export function recordedTargetProblems(target: RecordedChange['target'], alarm: Pick<RecordedChange['alarm'], 'account' | 'region'>, owned: OwnedResources): string[] {
  const { type, id, arn } = target.resource;
  const expected = TARGET_KINDS[type];
  if (!expected) return [`resource type ${type} is not one a changing row acts on (${Object.keys(TARGET_KINDS).join(', ')})`];
  const problems: string[] = [];
  if (!owned[expected.kind].includes(id)) problems.push(`${id} is not one of this environment's ${expected.kind} (${owned[expected.kind].join(', ') || 'none'})`);
  const [prefix, , service, region, account, ...rest] = arn.split(':');
  if (prefix !== 'arn' || service !== expected.service || region !== alarm.region || account !== alarm.account || rest.at(-1) !== id) {
    problems.push(`ARN ${arn} is not ${expected.service} resource ${id} in account ${alarm.account}, ${alarm.region}`);
  }
  const fields = target as Record<string, unknown>;
  for (const field of NAME_FIELDS) if (field in fields && fields[field] !== id) problems.push(`${field} ${JSON.stringify(fields[field])} is not ${id}`);
  if ('queueArn' in fields && fields.queueArn !== arn) problems.push(`queueArn ${JSON.stringify(fields.queueArn)} is not ${arn}`);
  if ('account' in fields && fields.account !== alarm.account) problems.push(`account ${JSON.stringify(fields.account)} is not the alarm's ${alarm.account}`);
  return problems;
}

/**
 * Why a change read back from the state table does not act on its recorded target: the resource names the row's apply
 * and health read use (`functionName`, `dbInstanceIdentifier` on the change itself, not the target) must be the
 * target's. Without this a tampered change with the target's values would revert, and read, another resource.
 */
export function recordedChangeProblems(change: Record<string, unknown>, target: RecordedChange['target']): string[] {
  const { id } = target.resource;
  return NAME_FIELDS.filter((field) => field in change && change[field] !== id).map((field) => `change.${field} ${JSON.stringify(change[field])} is not the target ${id}`);
}

export function healthCheckOfRecord(
  input: VerifyChangeInput,
  claim: { status?: unknown; outcome?: unknown; intent?: unknown } | undefined,
  runtimeRegion: string,
  owned: OwnedResources,
  workload?: WorkloadAccount,
): HealthCheckJob {
  const about = `${input.playbook} on incident ${input.incidentKey}`;
  if (!claim) throw new InvalidInputError(`verify-change refused: the state table records no change by ${about}`);
  if (claim.status !== 'COMPLETED' || claim.outcome !== 'applied') {
    throw new InvalidInputError(`verify-change refused: the change by ${about} is not recorded as applied (${String(claim.status)}, ${String(claim.outcome ?? 'no outcome')})`);
  }
  const parsed = recordedChangeSchema.safeParse(claim.intent);
  if (!parsed.success) {
    const details = issuesOf(parsed.error);
    throw new InvalidInputError(`verify-change refused: the recorded change by ${about} is not a watched change: ${details.join('; ')}`, details);
  }
  const recorded = parsed.data;
  if (recorded.alarm.region !== runtimeRegion) {
    throw new InvalidInputError(`verify-change refused: the change by ${about} was made in ${recorded.alarm.region}, this handler runs in ${runtimeRegion}`);
  }
  // The recorded alarm's account is where the signal would be read and the revert made: only the workload's.
  const foreign = foreignAccountProblem(`verify-change: the recorded change by ${about}`, recorded.alarm.account, workload);
  if (foreign) throw new InvalidInputError(foreign, [`alarm.account: ${recorded.alarm.account}`]);
  // The target is read back from the table too: only the environment's own resources, where the alarm is.
  const problems = [...recordedTargetProblems(recorded.target, recorded.alarm, owned), ...recordedChangeProblems(recorded.change, recorded.target)];
  if (problems.length > 0) {
    throw new InvalidInputError(`verify-change refused: the recorded target of ${about} is not this environment's own: ${problems.join('; ')}`, problems);
  }
  return {
    playbook: input.playbook,
    incidentKey: input.incidentKey,
    summary: recorded.summary,
    change: recorded.change,
    target: recorded.target,
    alarm: recorded.alarm,
    changedAt: recorded.healthCheck.changedAt,
    before: recorded.healthCheck.before,
  };
}

/**
 * What verify-change records on its own claim before it reverts (intent -> revert -> complete, as the alarm pipeline
 * does for a change): the judgement it acts on, so a retry after a crash finishes that revert instead of judging again
 * and finding the change gone. It holds no value to apply: the revert is always recomputed from the recorded change.
 */
const revertIntentSchema = z.strictObject({
  kind: z.literal('revert'),
  /** Why the change made things worse, as judged. */
  worse: text.check(z.minLength(1), z.maxLength(4000)),
  /** The health reading after the change the judgement was made on. */
  after: readingSchema,
});
export type RevertIntent = z.infer<typeof revertIntentSchema>;

/** A revert intent read back from the claim (a takeover's previousIntent), or undefined when there is none or it is not one. */
export function revertIntentOf(value: unknown): RevertIntent | undefined {
  if (value === undefined) return undefined;
  const parsed = revertIntentSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export { verifyScheduleName } from './verify-schedule-name';

/** The claim verify-change takes on the incident (beside the playbook's own), so a schedule fired twice reverts once. */
export function verifyClaimName(playbook: string): string {
  return `${VERIFY_HANDLER}#${playbook}`;
}

export type HealthVerdict =
  /** The resource no longer shows the change (restored on OK, changed by a later change or by a person): nothing is judged. */
  | { kind: 'not-in-place' }
  | { kind: 'healthy' }
  /** The window after the change has no datapoints: nothing can be judged, and missing data is never "healthy". */
  | { kind: 'unreadable'; figures: string[] }
  /** Worse, and the kill switch or dry run forbids the revert: a person decides. */
  | { kind: 'held'; worse: string; why: string }
  | { kind: 'revert'; worse: string };

/**
 * The figures of a reading that had no datapoints, when none had any: a signal read in the wrong account or region, a
 * metric never published, a resource with no traffic. Some figures missing is normal (no throttles published).
 */
export function unreadableFigures(reading: HealthReading): string[] {
  const names = Object.keys(reading.figures).sort();
  if (names.length === 0) return ['(no figure read)'];
  return names.every((name) => reading.figures[name] === null) ? names : [];
}

/**
 * The change's place first: a change the resource no longer shows is not judged at all (its window says nothing about a
 * change that does not stand, healthy or not), then missing data, then the judgement.
 */
export function decideHealthVerdict(input: { worse: string | undefined; stillApplied: boolean; held?: string; unreadable?: string[] }): HealthVerdict {
  if (!input.stillApplied) return { kind: 'not-in-place' };
  if (input.unreadable && input.unreadable.length > 0) return { kind: 'unreadable', figures: input.unreadable };
  if (input.worse === undefined) return { kind: 'healthy' };
  if (input.held !== undefined) return { kind: 'held', worse: input.worse, why: input.held };
  return { kind: 'revert', worse: input.worse };
}

/** "errors 3, invocations 400" from a reading, for decisions and messages. */
export function describeReading(reading: HealthReading): string {
  const figures = Object.entries(reading.figures).map(([name, value]) => `${name} ${value === null ? 'n/a' : Number(value.toFixed(1))}`);
  return `${reading.from.slice(11, 16)}-${reading.to.slice(11, 16)} UTC: ${figures.join(', ') || 'no figures'}`;
}

/** A change the automation recorded on the resource after the checked one (an audit entry of another incident). */
export interface ChangeSince {
  playbook: string;
  decidedAt: string;
  incidentKey: string;
  reason: string;
}

const SINCE_REASON_MAX = 200;

/**
 * The newest change the automation recorded on the checked resource after the checked change was made: an applied
 * decision (not a dry run) or a health check's revert, of another incident. `entries` are the resource's audit entries
 * (any order). Undefined: the automation recorded none, so someone or something else changed it.
 */
export function changeRecordedSince(
  entries: ReadonlyArray<{ incidentKey: string; decision: Record<string, unknown> }>,
  checked: { incidentKey: string; changedAt: string },
): ChangeSince | undefined {
  const after = Date.parse(checked.changedAt);
  const found = entries.flatMap((entry): ChangeSince[] => {
    const { playbook, outcome, decidedAt, reason, dryRun } = entry.decision;
    if (entry.incidentKey === checked.incidentKey || typeof playbook !== 'string' || typeof decidedAt !== 'string') return [];
    const at = Date.parse(decidedAt);
    if (Number.isNaN(at) || !(at > after)) return [];
    const revert = entry.decision.after as { reverted?: unknown } | undefined;
    const changed = (outcome === 'applied' && dryRun !== true) || (outcome === 'escalate' && revert?.reverted !== undefined);
    if (!changed) return [];
    const said = typeof reason === 'string' ? reason : '';
    return [{ playbook, decidedAt, incidentKey: entry.incidentKey, reason: said.length > SINCE_REASON_MAX ? `${said.slice(0, SINCE_REASON_MAX)}...` : said }];
  });
  return found.sort((a, b) => Date.parse(b.decidedAt) - Date.parse(a.decidedAt))[0];
}

/**
 * Why a health check judged nothing: the change is no longer in place. What the setting reads now, and who changed it
 * as far as the automation's own record says: its change since, none recorded (a person, a deploy, another tool), or
 * the record could not be read.
 */
export function notInPlaceReason(about: string, setting: { reads: string; atBefore: boolean }, since: ChangeSince | undefined | { unread: string }): string {
  const how = setting.atBefore ? 'restored' : 'changed since';
  let by: string;
  if (since === undefined) by = `${how}, not by this automation: it recorded no change of it since (by hand, a deploy or another tool)`;
  else if ('unread' in since) by = `${how}; by whom is not known: the automation's record of the resource could not be read (${since.unread})`;
  else by = `${how} by ${since.playbook} at ${since.decidedAt.slice(11, 19)} UTC (${since.reason || 'no reason recorded'}; incident ${since.incidentKey})`;
  return `${about}: change no longer in place (${by}); now ${setting.reads}: nothing to verify, nothing reverted`;
}

