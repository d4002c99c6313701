// The shapes of the escalation items the escalation store writes to the state table, parsed on the way back in (decision 118).
// zod/mini, not classic zod: the handler bundles carry only the validators used here.
import * as z from 'zod/mini';
import { MAX_EPOCH_SECONDS, MAX_KEY_CHARS, MAX_TEXT_CHARS, parseStateRecord, StateRecordError, type StateKey } from '../state/state-records';
import { CASE_NONCE, type Incident, type SentNotification } from './incident';

/** An incident's tier level: the escalation path has four tiers (seed); a configured path stays far below this bound. */
const MAX_TIER_LEVEL = 100;
/** Later decisions kept on one incident: one per decision key; far more than an incident sees. */
const MAX_UPDATES = 1000;
/** Superseded causes kept on one incident: plan-regroup.ts keeps 4; far more than it writes. */
const MAX_EARLIER_CAUSES = 100;
/** Re-opens of one incident: a flapping alarm re-fires at most once a minute, for at most the item's retention. */
const MAX_CYCLES = 1_000_000;

/* Built once, on the first read (not at init), and shared by every read after it (as shared/state/state-records.ts). */
function buildSchemas() {
  const string = z.string();
  const number = z.number();
  const keyText = string.check(z.minLength(1), z.maxLength(MAX_KEY_CHARS));
  const text = string.check(z.maxLength(MAX_TEXT_CHARS));
  const optionalText = z.optional(text);
  const epochSeconds = number.check(z.int(), z.minimum(0), z.maximum(MAX_EPOCH_SECONDS));
  const level = number.check(z.int(), z.minimum(0), z.maximum(MAX_TIER_LEVEL));
  const isoTime = z.iso.datetime({ offset: true });
  const incidentId = string.check(z.regex(/^inc-[0-9a-f]{12}$/, 'must be an incident id (inc- and 12 hex digits)'));
  const plainObject = z.record(string, z.unknown());

  /** What an incident keeps of a decision (summarizeDecision in escalation-service.ts). */
  const decisionSummary = z.strictObject({
    key: keyText,
    playbook: keyText,
    outcome: keyText,
    reason: text,
    decidedAt: text,
    dryRun: z.boolean(),
    cause: optionalText,
    guardrail: optionalText,
    error: z.optional(z.strictObject({ name: text, message: text })),
    resource: z.optional(z.strictObject({ type: keyText, id: keyText, arn: keyText })),
    before: z.optional(plainObject),
    after: z.optional(plainObject),
    blastRadius: optionalText,
    findings: z.optional(z.array(text)),
    // The next step: rendered only if it is one of the project's runbooks (the renderers check it against the configuration).
    runbook: z.optional(z.strictObject({ documentName: keyText, parameters: z.record(string, z.array(text)) })),
  });

  const incident = z.strictObject({
    pk: keyText,
    sk: z.literal('INCIDENT'),
    incidentId,
    incidentKey: keyText,
    alarmArn: keyText,
    alarmName: keyText,
    alarmTime: keyText,
    alarmState: optionalText,
    alarmReason: optionalText,
    account: string.check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
    region: keyText,
    environment: keyText,
    status: z.enum(['WATCHING', 'OPEN', 'ACKNOWLEDGED', 'RESOLVED']),
    cause: keyText,
    reason: text,
    decision: z.optional(decisionSummary),
    updates: z.optional(z.array(decisionSummary).check(z.maxLength(MAX_UPDATES))),
    updateKeys: z.optional(z.set(keyText)),
    /** Past the bound on `updates` (review 13 R13-16): the latest decision not in the list, and how many were left out. */
    lastUpdate: z.optional(decisionSummary),
    updatesOmitted: z.optional(number.check(z.int(), z.minimum(1))),
    updatesBytes: z.optional(number.check(z.int(), z.minimum(0))),
    createdAt: text,
    openedAt: optionalText,
    level: z.optional(level),
    nextLevel: z.optional(level),
    nextEscalationAt: z.optional(isoTime),
    acknowledgedBy: optionalText,
    acknowledgedNote: optionalText,
    // The SSM document writes {{ global:DATE_TIME }} (not ISO 8601): shown as written, never computed with.
    acknowledgedAt: optionalText,
    acknowledgedVia: optionalText,
    resolvedAt: optionalText,
    resolution: optionalText,
    reopens: z.optional(number.check(z.int(), z.minimum(1), z.maximum(MAX_CYCLES))),
    firstAlarmTime: optionalText,
    reopenedAt: optionalText,
    ladderDueAt: z.optional(isoTime),
    /** The state changes grouped into this incident (decision 204): a redelivery of one re-opens nothing twice. */
    groupedKeys: z.optional(z.set(keyText)),
    /** A standby-watch incident turned into a region-serving notice at a tier's time (review 12, R12-7). */
    servingNotice: z.optional(z.strictObject({ insteadOfLevel: level, previousCause: keyText, at: isoTime })),
    /** A region-serving notice turned back into the standby incident at a check (review 14 R14-14). */
    servingEnded: z.optional(z.strictObject({ at: isoTime, fromLevel: level, cycle: number.check(z.int(), z.minimum(0), z.maximum(MAX_CYCLES)), round: number.check(z.int(), z.minimum(1)) })),
    /** Causes a later escalation superseded (review 14 R14-15), bounded by plan-regroup.ts EARLIER_CAUSES_KEPT. */
    earlierCauses: z.optional(
      z.array(z.strictObject({ cause: keyText, reason: text, since: keyText, until: keyText, decision: z.optional(decisionSummary) })).check(z.maxLength(MAX_EARLIER_CAUSES)),
    ),
    /** The latest change of cause: its number (the `cause` sends' cycle), its state change, whether it re-opened (decision 272). */
    causeChange: z.optional(z.strictObject({ count: number.check(z.int(), z.minimum(1), z.maximum(MAX_CYCLES)), at: keyText, reopened: z.optional(z.boolean()) })),
    /** A notice's next hourly re-check, as scheduled (decision 281): the sweep does it when Scheduler dropped it. */
    noticeCheck: z.optional(
      z.strictObject({ cycle: number.check(z.int(), z.minimum(0), z.maximum(MAX_CYCLES)), round: number.check(z.int(), z.minimum(1), z.maximum(MAX_CYCLES)), at: isoTime }),
    ),
    expiresAt: z.optional(epochSeconds),
  });

  const send = z.strictObject({
    pk: keyText,
    sk: keyText,
    kind: z.enum(['notify', 'resolve', 'reopen', 'notice', 'resume', 'cause']),
    level,
    cycle: z.optional(number.check(z.int(), z.minimum(1), z.maximum(MAX_CYCLES))),
    tierName: keyText,
    status: z.enum(['IN_PROGRESS', 'SENT', 'FAILED']),
    owner: keyText,
    leaseExpiresAtSeconds: epochSeconds,
    /** Channel -> message or case id, delivered under the claim: a takeover sends only the rest. */
    delivered: z.optional(z.record(keyText, keyText)),
    channels: z.array(keyText),
    messageIds: z.array(keyText),
    sentAt: z.optional(isoTime),
    caseId: optionalText,
    error: optionalText,
    /**
     * The send's own token for its support case's subject (review 20b R20-23): written with the first claim, carried over
     * by a takeover; only a case bearing it is this send's. Absent on a send claimed before it existed.
     */
    caseNonce: z.optional(string.check(z.regex(CASE_NONCE, 'must be 16 lowercase hex characters'))),
    expiresAt: z.optional(epochSeconds),
  });

  /** ESCALATION-ALARM#<alarmArn> / <alarmTime>#<id> and ESCALATION-OPEN / <alarmTime>#<id>: which incident, nothing else. */
  const indexEntry = z.strictObject({ pk: keyText, sk: keyText, incidentId, expiresAt: z.optional(epochSeconds) });
  /** ESCALATION-LATEST#<alarmArn> / INCIDENT: the alarm's latest incident and its state change (decision 204). */
  const latestEntry = z.strictObject({ pk: keyText, sk: z.literal('INCIDENT'), incidentId, alarmTime: keyText, expiresAt: z.optional(epochSeconds) });
  /** ESCALATION-HELD / <id>#C<cycle>: a held resolution whose settle timer has not run to an answer yet (decision 281). */
  const heldEntry = z.strictObject({
    pk: z.literal('ESCALATION-HELD'),
    sk: keyText,
    incidentId,
    cycle: number.check(z.int(), z.minimum(1), z.maximum(MAX_CYCLES)),
    dueAt: isoTime,
    /** How many sweep runs found a record of its incident refused (decision 292): set aside at HELD_REFUSED_RUNS_BEFORE_ASIDE. */
    refusals: z.optional(number.check(z.int(), z.minimum(1), z.maximum(MAX_CYCLES))),
    /** The token of the sweep run's count that made `refusals`: a repeat of that write is not counted again (decision 348). */
    refusalToken: z.optional(keyText),
    expiresAt: z.optional(epochSeconds),
  });
  return { incident, send, indexEntry, latestEntry, heldEntry };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;
const schemas = (): Schemas => (built ??= buildSchemas());

const EXCLUDED = new Set(['pk', 'sk', 'updateKeys', 'updatesBytes', 'groupedKeys', 'expiresAt']);

/** The incident item (ESCALATION#<id> / INCIDENT), as the store hands it on; anything else throws StateRecordError. */
export function parseIncidentItem(key: StateKey, item: unknown): Incident {
  const parsed = parseStateRecord(schemas().incident, key, item);
  const incident = Object.fromEntries(Object.entries(parsed).filter(([name]) => !EXCLUDED.has(name))) as Omit<Incident, 'updates' | 'level'> &
    Partial<Pick<Incident, 'updates' | 'level'>>;
  return { ...incident, updates: incident.updates ?? [], level: incident.level ?? 0 };
}

/** One send item (ESCALATION#<id> / SEND#<kind>#L<level>); anything else throws StateRecordError. */
export function parseSendItem(key: StateKey, item: unknown): SentNotification & { owner: string; delivered: Record<string, string> | undefined; caseNonce?: string } {
  const { pk: _pk, sk: _sk, expiresAt: _expiresAt, leaseExpiresAtSeconds: _lease, ...send } = parseStateRecord(schemas().send, key, item);
  return { ...send, delivered: send.delivered };
}

/** The alarm's latest incident (ESCALATION-LATEST#<alarmArn>); anything else throws StateRecordError. */
export function parseLatestItem(key: StateKey, item: unknown): { incidentId: string; alarmTime: string } {
  const { incidentId, alarmTime } = parseStateRecord(schemas().latestEntry, key, item);
  return { incidentId, alarmTime };
}

/** An index entry naming an incident; anything else throws StateRecordError. */
export function parseIndexItem(key: StateKey, item: unknown): { incidentId: string } {
  return { incidentId: parseStateRecord(schemas().indexEntry, key, item).incidentId };
}

/** A held resolution's entry (ESCALATION-HELD); anything else, or a key that is not its own, throws StateRecordError. */
export function parseHeldItem(key: StateKey, item: unknown): { incidentId: string; cycle: number; dueAt: string } {
  const { incidentId, cycle, dueAt } = parseStateRecord(schemas().heldEntry, key, item);
  if (key.sk !== `${incidentId}#C${cycle}`) throw new StateRecordError(key, [`sk: must be ${incidentId}#C${cycle}, the entry's own incident and cycle`]);
  return { incidentId, cycle, dueAt };
}
