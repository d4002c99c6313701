// The shapes of the records the automation writes to its state table, parsed on the way back in: anyone who can write the
// table (a compromised role, a hand edit, an older version's bug) gets a refusal naming the item and field (decision 118).
// zod/mini, not classic zod: the handler bundles carry only the validators used here.
import * as z from 'zod/mini';
import { englishErrors } from '../config/zod-english';
import { PermanentError } from '../errors';
import { verifyScheduleName } from '../pipeline/verify-schedule-name';

if (!z.config().localeError) z.config({ localeError: englishErrors });

/** The table's key of a record, as a person finds it in the console: `pk / sk`. */
export interface StateKey {
  pk: string;
  sk: string;
}

/** Where a claim lives: INCIDENT#<incidentKey> / CLAIM#<name> (the incident store's key, named for refusals). */
export function claimKeyOf(name: string, incidentKey: string): StateKey {
  return { pk: `INCIDENT#${incidentKey}`, sk: `CLAIM#${name}` };
}

/** Where an audit entry lives: RESOURCE#<resourceArn> / AUDIT#<at>#<incidentKey> (the resource's partition, beside its STATE). */
export function auditKeyOf(resourceArn: string, at: string, incidentKey: string): StateKey {
  return { pk: `RESOURCE#${resourceArn}`, sk: `AUDIT#${at}#${incidentKey}` };
}

/**
 * A record read back from the state table that is not what the automation writes. Permanent: a retry would read the
 * same record. The pipeline escalates it (cause `failure`, nothing applied); a claim it cannot read is thrown, retried,
 * and ends in the handler's failure queue (decision 118).
 */
export class StateRecordError extends PermanentError {
  constructor(
    readonly key: StateKey,
    readonly issues: readonly string[],
  ) {
    super(`state table record ${key.pk} / ${key.sk} is not one the automation writes, refused: ${issues.join('; ')}`);
  }
}

/** A list entry read back and refused, by key and fields (decision 292's per-entry parse). */
export interface RefusedEntry {
  key: StateKey;
  issues: readonly string[];
}

/**
 * Parses each item of a list read from the state table on its own (decisions 292 and 299): one that is not as the
 * automation writes it (forged, corrupted, or a newer release's read by a rolled-back one) is answered in `refused` with
 * its key and fields, and keeps none of the others from the reader. Anything but a StateRecordError is thrown.
 */
export function parseEach<T>(items: Iterable<Record<string, unknown>>, parse: (key: StateKey, item: Record<string, unknown>) => T): { parsed: T[]; refused: RefusedEntry[] } {
  const parsed: T[] = [];
  const refused: RefusedEntry[] = [];
  for (const item of items) {
    try {
      parsed.push(parse({ pk: String(item.pk), sk: String(item.sk) }, item));
    } catch (error) {
      if (!(error instanceof StateRecordError)) throw error;
      refused.push({ key: error.key, issues: error.issues });
    }
  }
  return { parsed, refused };
}

/** 9999-12-31T23:59:59Z: any epoch-seconds field beyond it is not a time this automation wrote. */
export const MAX_EPOCH_SECONDS = 253402300799;
/** nextResourceState keeps the last hour's change times plus one; the hourly budget's schema caps it far below this. */
export const MAX_CHANGE_TIMES = 1000;
/** DynamoDB keys are at most 2048 bytes (partition key); an incident key is part of one. */
export const MAX_KEY_CHARS = 2048;
/** Summaries, reasons and outcomes: a sentence or a list of findings; bounded only by DynamoDB's 400 KB item. */
export const MAX_TEXT_CHARS = 400 * 1024;

/*
 * Built once, on the first read (not at init: a handler that never reads the table builds none), and shared by every
 * read after it. zod/mini's `.check()` returns a new schema, so the bases are shared rather than rebuilt per field.
 */
function buildSchemas() {
  const string = z.string();
  const number = z.number();
  const epochSeconds = number.check(z.int(), z.minimum(0), z.maximum(MAX_EPOCH_SECONDS));
  const keyText = string.check(z.minLength(1), z.maxLength(MAX_KEY_CHARS));
  const text = string.check(z.maxLength(MAX_TEXT_CHARS));
  const plainObject = z.record(string, z.unknown());
  const optional = { epochSeconds: z.optional(epochSeconds), text: z.optional(text), object: z.optional(plainObject) };

  /** What a reservation writes about a resource (nextResourceState), without its version and key. */
  const resourceFields = {
    /** Per playbook (consumers, memory, class): re-checked against the configuration before it is restored (decision 62). */
    baseline: optional.object,
    lastScaleUpAtSeconds: optional.epochSeconds,
    lastRestoreAtSeconds: optional.epochSeconds,
    changeTimesSeconds: z.array(epochSeconds).check(z.maxLength(MAX_CHANGE_TIMES)),
    lastIncidentKey: z.optional(keyText),
    learned: optional.object,
  };
  /** The state a reservation replaced: exactly what nextResourceState puts there (no version, no older reservedFrom). */
  const reservedFrom = z.strictObject(resourceFields);
  const resourceState = z.strictObject({
    pk: keyText,
    sk: z.literal('STATE'),
    // remember() creates the item without a version (and with no change times) before its first fact.
    version: z.optional(number.check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER))),
    ...resourceFields,
    changeTimesSeconds: z.optional(resourceFields.changeTimesSeconds),
    reservedFrom: z.optional(reservedFrom),
    // The token of the write that made the item (reserveChange, remember): its own lost answer is recognised (decision 348).
    writeToken: z.optional(keyText),
  });

  /**
   * The change an alarm handler recorded on its claim before applying it (run-playbook.ts's Intent): a retry that takes
   * the claim over finishes it. The change itself is the playbook's (its isApplied and verify read it against what AWS
   * reports); its revert is checked again by verify-change-plan.ts before anything is put back.
   */
  const changeIntent = z.looseObject({
    change: plainObject,
    direction: z.enum(['scale-up', 'restore']),
    summary: text,
    before: optional.object,
    after: optional.object,
    blastRadius: optional.text,
    target: z.looseObject({ resource: z.strictObject({ type: keyText, id: keyText, arn: keyText }) }),
    alarm: optional.object,
  });
  const claim = z.strictObject({
    pk: keyText,
    sk: keyText,
    status: z.enum(['IN_PROGRESS', 'COMPLETED']),
    owner: keyText,
    leaseExpiresAtSeconds: epochSeconds,
    claimedAt: z.optional(z.iso.datetime({ offset: true })),
    expiresAt: optional.epochSeconds,
    // The claim's holder's own record (runUnderClaim is generic over it): a map here; its owner parses the rest, the
    // alarm pipeline with parseChangeIntent, verify-change with revertIntentOf and healthCheckOfRecord.
    intent: optional.object,
    outcome: optional.text,
    reason: optional.text,
    // The next step a completed claim named: checked where it is used (isProjectRunbook), against the project's runbooks.
    runbook: z.optional(z.unknown()),
  });

  const audit = z.strictObject({
    pk: keyText,
    sk: keyText,
    resourceArn: keyText,
    at: z.iso.datetime({ offset: true }),
    incidentKey: keyText,
    decision: plainObject,
    expiresAt: optional.epochSeconds,
  });
  /** VERIFY-DUE / <schedule name>: a health check listed for the verify sweep until verify-change answers it (decision 293). */
  const verifyDue = z.strictObject({
    pk: z.literal('VERIFY-DUE'),
    sk: keyText,
    playbook: string.check(z.minLength(1), z.maxLength(64), z.regex(/^[a-z][a-z0-9-]*$/, 'must be a playbook name')),
    incidentKey: keyText,
    dueAt: z.iso.datetime({ offset: true }),
    expiresAt: optional.epochSeconds,
  });
  return { resourceState, claim, changeIntent, audit, verifyDue };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;
const schemas = (): Schemas => (built ??= buildSchemas());

export type StoredResourceState = z.infer<Schemas['resourceState']>;
export type StoredClaim = z.infer<Schemas['claim']>;
export type StoredAudit = z.infer<Schemas['audit']>;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '') || '(record)';
}

/** Each issue as `field: what is wrong`, the field's path dotted from the item's top (`reservedFrom.changeTimesSeconds[0]`). */
function issuesOf(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: readonly string[] }> },
  under: readonly PropertyKey[],
): string[] {
  return error.issues.map((issue) => {
    const path = [...under, ...issue.path];
    return issue.code === 'unrecognized_keys' && issue.keys
      ? `${formatPath([...path, ...issue.keys.slice(0, 1)])}: not a field the automation writes${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).join(', ')})` : ''}`
      : `${formatPath(path)}: ${issue.message}`;
  });
}

/** Parses one record read back from the table with `schema`; a failure throws StateRecordError naming the key and fields. */
export function parseStateRecord<T>(schema: z.ZodMiniType<T>, key: StateKey, item: unknown, under: readonly PropertyKey[] = []): T {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new StateRecordError(key, issuesOf(parsed.error, under));
  return parsed.data;
}

/** A resource's state item (RESOURCE#<arn> / STATE) as the automation writes it; anything else throws StateRecordError. */
export function parseResourceStateItem(key: StateKey, item: unknown): StoredResourceState {
  return parseStateRecord(schemas().resourceState, key, item);
}

/** A claim item (INCIDENT#<key> / CLAIM#<name>) as the automation writes it; anything else throws StateRecordError. */
export function parseClaimItem(key: StateKey, item: unknown): StoredClaim {
  return parseStateRecord(schemas().claim, key, item);
}

/**
 * The intent an alarm handler's claim held when a retry took it over, as run-playbook.ts records it; anything else throws
 * StateRecordError naming the claim's key and `intent.<field>`, and the retry escalates instead of finishing it.
 */
export function parseChangeIntent(key: StateKey, intent: unknown): void {
  parseStateRecord(schemas().changeIntent, key, intent, ['intent']);
}

/** An audit entry (RESOURCE#<arn> / AUDIT#<at>#<incidentKey>); anything else throws StateRecordError. */
export function parseAuditItem(key: StateKey, item: unknown): StoredAudit {
  return parseStateRecord(schemas().audit, key, item);
}

/**
 * A health check's entry on the verify sweep's list (VERIFY-DUE); anything else, or a key that is not its own check's
 * schedule name, throws StateRecordError.
 */
export function parseVerifyDueItem(key: StateKey, item: unknown): { playbook: string; incidentKey: string; dueAt: string } {
  const { playbook, incidentKey, dueAt } = parseStateRecord(schemas().verifyDue, key, item);
  const own = verifyScheduleName(playbook, incidentKey);
  if (key.sk !== own) throw new StateRecordError(key, [`sk: must be ${own}, the schedule name of its own playbook and incident`]);
  return { playbook, incidentKey, dueAt };
}
