// Incidents, their per-tier sends and an alarm index, in the state table (pk/sk, TTL on expiresAt), with conditional writes.
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../errors';
import { settledAll } from '../settled';
import { parseEach, StateRecordError, type RefusedEntry, type StateKey } from '../state/state-records';
import { parseHeldItem, parseIncidentItem, parseIndexItem, parseLatestItem, parseSendItem } from './escalation-records';
import type { CauseChange } from './plan-regroup';
import type { HeldResolution } from './plan-sweep';
import { newCaseNonce, type DecisionSummary, type Incident, type IncidentStatus, type SendKind, type SentNotification } from './incident';
import { epochSeconds, expiresAtSeconds } from '../state/record-expiry';

/*
 * Items (one table with the pipeline's claims and audit, see shared/state/incident-store.ts):
 *   ESCALATION#<incidentId> / INCIDENT                the incident: status, cause, tier level, next escalation
 *   ESCALATION#<incidentId> / SEND#<kind>#L<level>    one message to one tier: claimed, then SENT (or FAILED)
 *     (...#C<cycle> for a resolution or re-open message after the incident re-opened: each cycle its own send)
 *   ESCALATION-ALARM#<alarmArn> / <alarmTime>#<id>    every incident of an alarm, for the OK that resolves them
 *   ESCALATION-LATEST#<alarmArn> / INCIDENT           the alarm's latest incident, for a re-fire to re-open (decision 204)
 *   ESCALATION-HELD / <incidentId>#C<cycle>           a held resolution whose settle timer has not answered yet, and
 *                                                     when it is due: the escalation sweep's list (decision 281)
 *   ESCALATION-HELD-ASIDE / <incidentId>#C<cycle>     one the sweep set aside: its incident's records stayed refused
 *                                                     (decision 292); written for people, never read by the automation
 * Writes that decide who notifies whom are conditional, so duplicates and concurrent deliveries notify a tier once.
 */

/** The sweep's held list (decision 281), each entry parsed on its own (decision 292): those refused, by key and fields. */
export interface HeldList {
  held: HeldResolution[];
  refused: RefusedEntry[];
}

/**
 * The unresolved incidents, each index entry and its incident parsed on their own (decision 300): an entry, or the
 * incident record it names, that is not as the store writes it is in `refused` (the record refused: the entry's or the
 * incident's key) and keeps none of the others from the sweep or from `runbook incidents`.
 */
export interface UnresolvedList {
  incidents: Incident[];
  refused: RefusedEntry[];
}

export interface EscalationStoreOptions {
  tableName: string;
  retentionDays: number;
  /** How long a claimed send is held before a retry may take it over (the holder may have died). */
  leaseSeconds: number;
}

/**
 * A won claim carries what an earlier, interrupted holder already delivered (channel -> message or case id), so the
 * retry sends only the rest.
 */
export type SendClaim =
  | {
      claimed: true;
      owner: string;
      delivered: Record<string, string>;
      /**
       * The send's support case nonce (review 20b R20-23): the previous holder's on a takeover, a new one on a new send
       * (or one claimed before nonces existed). Written with the claim, before any CreateCase; only a case whose subject
       * marker carries it is this send's.
       */
      caseNonce: string;
      /**
       * This claim wrote `caseNonce` (a new send, or one written before nonces existed), not a takeover carrying it over:
       * no case can bear it yet, so the look for an earlier attempt's case is skipped (decision 334).
       */
      caseNonceNew: boolean;
    }
  | { claimed: false; reason: 'incident-status' | 'already-claimed' };

/**
 * Project defaults (review 13 R13-16), not AWS's: what one incident keeps of later decisions. DynamoDB's item limit is
 * 400 KB (names and values, "Service, account, and table quotas in Amazon DynamoDB"); the list stays at half of it and far
 * below the read schema's 1000 entries (escalation-records.ts MAX_UPDATES), whatever the decisions' size.
 */
export const UPDATES_KEPT = 50;
export const UPDATES_BUDGET_BYTES = 200_000;

function isConditionalFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** DynamoDB refusing an update because the item would pass 400 KB. */
function isItemTooLarge(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === 'ValidationException' && /item size/i.test(e.message ?? '');
}

function cancellationCodes(error: unknown): string[] | undefined {
  const e = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> } | undefined;
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * Every item read back is parsed as the store writes it (escalation-records.ts, decision 118): a forged or corrupted one
 * throws StateRecordError naming its key and field, and nobody is notified on its word.
 */
function toIncident(item: Record<string, unknown>): Incident {
  return parseIncidentItem({ pk: String(item.pk), sk: String(item.sk) }, item);
}

const keyOf = (item: Record<string, unknown>): { pk: string; sk: string } => ({ pk: String(item.pk), sk: String(item.sk) });

/** The partition listing every unresolved incident. */
const OPEN_INCIDENTS_PK = 'ESCALATION-OPEN';
/** The partition listing every held resolution whose settle timer has not run to an answer (decision 281). */
const HELD_RESOLUTIONS_PK = 'ESCALATION-HELD';
/** Held resolutions the sweep set aside, their incident's records refused run after run (decision 292). */
const HELD_ASIDE_PK = 'ESCALATION-HELD-ASIDE';

export class EscalationStore {
  /** The writes that record what a delivery sent, or give its claim back (recordDelivered, completeSend, releaseSend). */
  private readonly recorder: Pick<DynamoDBDocumentClient, 'send'>;

  /**
   * `recorder`: the same table through a client those three writes use (escalation-timer's may run later into the
   * invocation's time than its other calls, review 18b R18-10: create-escalation-handlers.ts); unset, `db`.
   */
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly options: EscalationStoreOptions,
    recorder?: Pick<DynamoDBDocumentClient, 'send'>,
  ) {
    this.recorder = recorder ?? db;
  }

  private key(incidentId: string): { pk: string; sk: string } {
    return { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' };
  }

  private sendKey(incidentId: string, kind: SendKind, level: number, cycle?: number): { pk: string; sk: string } {
    return { pk: `ESCALATION#${incidentId}`, sk: `SEND#${kind}#L${level}${cycle ? `#C${cycle}` : ''}` };
  }

  private latestKey(alarmArn: string): { pk: string; sk: string } {
    return { pk: `ESCALATION-LATEST#${alarmArn}`, sk: 'INCIDENT' };
  }

  /** The alarm's latest incident (by its state change), where a later ALARM of it looks for one to re-open. */
  async latestOfAlarm(alarmArn: string): Promise<{ incidentId: string; alarmTime: string } | undefined> {
    const key = this.latestKey(alarmArn);
    const result = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }));
    return result.Item ? parseLatestItem(key, result.Item) : undefined;
  }

  /** Points the alarm at this incident unless it already points at one of a later state change. */
  private async pointLatest(incident: Pick<Incident, 'alarmArn' | 'incidentId' | 'alarmTime'>, expiresAt: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...this.latestKey(incident.alarmArn), incidentId: incident.incidentId, alarmTime: incident.alarmTime, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR #alarmTime <= :alarmTime',
          ExpressionAttributeNames: { '#alarmTime': 'alarmTime' },
          ExpressionAttributeValues: { ':alarmTime': incident.alarmTime },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /**
   * A later ALARM state change of the same alarm grouped into this incident (decision 204), conditional on the incident
   * being as it was read (status and state change), so of concurrent deliveries one moves it and the others re-read.
   * That condition is the whole guard: planRegroup groups only a state change later than the one read (an equal one is
   * 'already', an earlier one 'stale'), so `alarmTime` only moves forward and a redelivery finds it moved. No set of the
   * grouped keys is kept (review 14 R14-4: one ~142-byte key per re-fire filled the item after ~1100 re-fires, then its
   * OK and ALARM both threw); an item written before keeps one, and this write and `resolve` remove it.
   * `reopen`: RESOLVED -> OPEN, one more cycle, the acknowledgement of the last cycle cleared and the ladder's next tier set
   * (`next`); otherwise the incident (OPEN or ACKNOWLEDGED) only moves on to the new state change. The alarm's indexes name
   * the new state change before the incident does (as in create), and the old entries go after it.
   * `cause`: the later escalation's cause superseding the recorded one, in the same write (plan-regroup.ts supersedeCause);
   * its `next` starts the ladder of a notice joined by a cause with one (a re-open sets the ladder through `reopen`).
   * Returns false when the incident changed since it was read.
   */
  async groupInto(
    read: Incident,
    change: { incidentKey: string; alarmTime: string; alarmState?: string; alarmReason?: string },
    reopen: { next?: { level: number; at: Date } } | undefined,
    now: Date,
    cause?: CauseChange & { next?: { level: number; at: Date } },
  ): Promise<boolean> {
    const expiresAt = expiresAtSeconds(now, this.options.retentionDays);
    const moved = { ...read, alarmTime: change.alarmTime };
    // As create's: every index write settles before the first failure is thrown.
    await settledAll(
      this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { pk: `ESCALATION-ALARM#${read.alarmArn}`, sk: `${change.alarmTime}#${read.incidentId}`, incidentId: read.incidentId, expiresAt },
        }),
      ),
      this.db.send(new PutCommand({ TableName: this.options.tableName, Item: { pk: OPEN_INCIDENTS_PK, sk: `${change.alarmTime}#${read.incidentId}`, incidentId: read.incidentId, expiresAt } })),
      this.pointLatest(moved, expiresAt),
    );
    const sets = ['#alarmTime = :alarmTime', '#firstAlarmTime = if_not_exists(#firstAlarmTime, :readAlarmTime)', '#expiresAt = :expiresAt'];
    const names: Record<string, string> = { '#status': 'status', '#alarmTime': 'alarmTime', '#firstAlarmTime': 'firstAlarmTime', '#groupedKeys': 'groupedKeys', '#expiresAt': 'expiresAt' };
    const values: Record<string, unknown> = {
      ':readStatus': read.status,
      ':alarmTime': change.alarmTime,
      ':readAlarmTime': read.alarmTime,
      ':expiresAt': expiresAt,
    };
    const removes: string[] = ['#groupedKeys'];
    for (const [field, value] of [['alarmState', change.alarmState], ['alarmReason', change.alarmReason]] as const) {
      if (value === undefined) continue;
      sets.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = value;
    }
    const adds: string[] = [];
    if (cause) {
      // A later escalation's cause supersedes the recorded one (review 14 R14-15): cause, reason and decision move on,
      // the superseded ones kept in earlierCauses (bounded by the pure rule), the new decision's key recorded so the
      // re-fire's append finds it. A notice superseded is no longer one: 215's marker goes, so its timer judges again.
      // The change itself, numbered (decision 272): the tiers already paged are told of it once each, by that number.
      sets.push('#cause = :cause', '#reason = :reason', '#earlierCauses = :earlierCauses', '#causeChange = :causeChange');
      Object.assign(names, { '#cause': 'cause', '#reason': 'reason', '#earlierCauses': 'earlierCauses', '#decision': 'decision', '#causeChange': 'causeChange' });
      Object.assign(values, {
        ':cause': cause.cause,
        ':reason': cause.reason,
        ':earlierCauses': cause.earlierCauses,
        ':causeChange': { count: cause.count, at: change.alarmTime, ...(reopen ? { reopened: true } : {}) },
      });
      if (cause.decision) {
        sets.push('#decision = :decision');
        adds.push('#updateKeys :decisionKeys');
        names['#updateKeys'] = 'updateKeys';
        Object.assign(values, { ':decision': cause.decision, ':decisionKeys': new Set([cause.decision.key]) });
      } else {
        removes.push('#decision');
      }
      if (read.servingNotice) {
        removes.push('#servingNotice');
        names['#servingNotice'] = 'servingNotice';
      }
      if (!reopen && cause.next) {
        sets.push('#nextLevel = :nextLevel', '#nextAt = :nextAt', '#ladderDueAt = :nextAt');
        Object.assign(names, { '#nextLevel': 'nextLevel', '#nextAt': 'nextEscalationAt', '#ladderDueAt': 'ladderDueAt' });
        Object.assign(values, { ':nextLevel': cause.next.level, ':nextAt': cause.next.at.toISOString() });
      }
    }
    if (reopen) {
      sets.push('#status = :open', '#reopens = if_not_exists(#reopens, :zero) + :one', '#reopenedAt = :now');
      Object.assign(names, { '#reopens': 'reopens', '#reopenedAt': 'reopenedAt' });
      Object.assign(values, { ':open': 'OPEN', ':zero': 0, ':one': 1, ':now': now.toISOString() });
      for (const field of ['resolvedAt', 'resolution', 'acknowledgedBy', 'acknowledgedNote', 'acknowledgedAt', 'acknowledgedVia']) {
        removes.push(`#${field}`);
        names[`#${field}`] = field;
      }
      names['#nextLevel'] = 'nextLevel';
      names['#nextAt'] = 'nextEscalationAt';
      if (reopen.next) {
        sets.push('#nextLevel = :nextLevel', '#nextAt = :nextAt', '#ladderDueAt = :nextAt');
        names['#ladderDueAt'] = 'ladderDueAt';
        Object.assign(values, { ':nextLevel': reopen.next.level, ':nextAt': reopen.next.at.toISOString() });
      } else {
        removes.push('#nextLevel', '#nextAt');
      }
    }
    try {
      await this.updateShedding(
        read.incidentId,
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(read.incidentId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
          ConditionExpression: '#status = :readStatus AND #alarmTime = :readAlarmTime',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
    // The old state change's index entries: a late OK of it must not find this incident (its resolve is conditional on
    // the state change too, so one left behind by a failure here resolves nothing).
    await settledAll(
      this.db.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: `ESCALATION-ALARM#${read.alarmArn}`, sk: `${read.alarmTime}#${read.incidentId}` } })),
      this.db.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: OPEN_INCIDENTS_PK, sk: `${read.alarmTime}#${read.incidentId}` } })),
    );
    return true;
  }

  /**
   * An update of the incident item; one refused because the item would pass DynamoDB's 400 KB is tried once more after
   * the item sheds `groupedKeys` (review 14 R14-4: the set an item written before grew by one key per re-fire, and once it
   * filled the item, the alarm's OK and ALARM both threw). The retry is the same conditional write.
   */
  private async updateShedding(incidentId: string, command: UpdateCommand): Promise<UpdateCommandOutput> {
    try {
      return await this.db.send(command);
    } catch (error) {
      if (!isItemTooLarge(error)) throw error;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: this.key(incidentId),
            UpdateExpression: 'REMOVE #groupedKeys',
            ConditionExpression: 'attribute_exists(#groupedKeys)',
            ExpressionAttributeNames: { '#groupedKeys': 'groupedKeys' },
          }),
        );
      } catch (shed) {
        if (isConditionalFailure(shed)) throw error;
        throw shed;
      }
      return this.db.send(command);
    }
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(incidentId), ConsistentRead: true }));
    return result.Item ? toIncident(result.Item) : undefined;
  }

  /** Creates the incident unless it exists; either way returns what is stored now. */
  async create(incident: Incident, now: Date): Promise<{ created: boolean; incident: Incident }> {
    const expiresAt = expiresAtSeconds(now, this.options.retentionDays);
    // The indexes first: an index entry without its incident is skipped by readers; the reverse would hide an incident
    // from its OK. The entries are independent of each other and written at once; all of them settle before a failure is
    // thrown (settledAll), so no write is still in flight when the invocation ends (review 20b).
    await settledAll(
      this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { pk: `ESCALATION-ALARM#${incident.alarmArn}`, sk: `${incident.alarmTime}#${incident.incidentId}`, incidentId: incident.incidentId, expiresAt },
        }),
      ),
      // Every unresolved incident, across alarms, for `runbook incidents` (one small partition: incidents are few).
      this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { pk: OPEN_INCIDENTS_PK, sk: `${incident.alarmTime}#${incident.incidentId}`, incidentId: incident.incidentId, expiresAt },
        }),
      ),
      // The alarm's latest incident, where its next ALARM looks for one to re-open (decision 204).
      this.pointLatest(incident, expiresAt),
    );
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...this.key(incident.incidentId),
            ...incident,
            ...(incident.decision ? { updateKeys: new Set([incident.decision.key]) } : {}),
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, incident };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const stored = await this.get(incident.incidentId);
      if (!stored) throw new Error(`incident ${incident.incidentId} exists and cannot be read`, { cause: error });
      return { created: false, incident: stored };
    }
  }

  /** WATCHING -> OPEN: the watch's decision stays (what the automation did); `decision`, when given, becomes the incident's. */
  async promote(
    incidentId: string,
    fields: { cause: string; reason: string; alarmReason?: string; decision?: DecisionSummary; previous?: DecisionSummary },
    now: Date,
  ): Promise<boolean> {
    const sets = ['#status = :open', '#cause = :cause', '#reason = :reason', '#openedAt = :now'];
    const names: Record<string, string> = { '#status': 'status', '#cause': 'cause', '#reason': 'reason', '#openedAt': 'openedAt' };
    const values: Record<string, unknown> = { ':open': 'OPEN', ':watching': 'WATCHING', ':cause': fields.cause, ':reason': fields.reason, ':now': now.toISOString() };
    if (fields.alarmReason) {
      sets.push('#alarmReason = :alarmReason');
      names['#alarmReason'] = 'alarmReason';
      values[':alarmReason'] = fields.alarmReason;
    }
    let add = '';
    if (fields.decision) {
      sets.push('#decision = :decision');
      names['#decision'] = 'decision';
      values[':decision'] = fields.decision;
      add = ' ADD #updateKeys :keys';
      names['#updateKeys'] = 'updateKeys';
      values[':keys'] = new Set([fields.decision.key]);
      if (fields.previous) {
        sets.push('#updates = list_append(if_not_exists(#updates, :empty), :previous)');
        names['#updates'] = 'updates';
        values[':empty'] = [];
        values[':previous'] = [fields.previous];
      }
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          UpdateExpression: `SET ${sets.join(', ')}${add}`,
          ConditionExpression: '#status = :watching',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Records a later decision once (by its key) on an incident that is not resolved. Bounded (review 13 R13-16: a flapping
   * incident appended every re-fire's decision, ~4.9 KB for a 504 diagnosis, and reached DynamoDB's 400 KB item limit after
   * ~80): the list takes at most UPDATES_KEPT entries and UPDATES_BUDGET_BYTES; past either, only the latest decision is
   * kept (`lastUpdate`, overwritten) and `updatesOmitted` counts the rest. An item the append cannot grow (one written
   * before the bound) takes the same bounded write.
   */
  async appendUpdate(incidentId: string, update: DecisionSummary): Promise<boolean> {
    const bytes = Buffer.byteLength(JSON.stringify(update), 'utf8');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          UpdateExpression: 'SET #updates = list_append(if_not_exists(#updates, :empty), :update) ADD #updateKeys :keys, #updatesBytes :bytes',
          ConditionExpression:
            'attribute_exists(pk) AND #status <> :resolved AND NOT contains(#updateKeys, :key) AND (attribute_not_exists(#updates) OR size(#updates) < :kept) AND (attribute_not_exists(#updatesBytes) OR #updatesBytes <= :room)',
          ExpressionAttributeNames: { '#updates': 'updates', '#updateKeys': 'updateKeys', '#status': 'status', '#updatesBytes': 'updatesBytes' },
          ExpressionAttributeValues: {
            ':empty': [],
            ':update': [update],
            ':keys': new Set([update.key]),
            ':key': update.key,
            ':resolved': 'RESOLVED',
            ':bytes': bytes,
            ':kept': UPDATES_KEPT,
            ':room': UPDATES_BUDGET_BYTES - bytes,
          },
        }),
      );
      return true;
    } catch (error) {
      // Full (or already recorded, or resolved: the bounded write's own condition tells those apart), or an item too large
      // to grow (ValidationException: "Item size to update has exceeded the maximum allowed size").
      if (!isConditionalFailure(error) && (error as { name?: string } | undefined)?.name !== 'ValidationException') throw error;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          UpdateExpression: 'SET #lastUpdate = :update ADD #updatesOmitted :one',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :resolved AND NOT contains(#updateKeys, :key) AND (attribute_not_exists(#lastUpdate) OR #lastUpdate.#key <> :key)',
          ExpressionAttributeNames: { '#lastUpdate': 'lastUpdate', '#updatesOmitted': 'updatesOmitted', '#updateKeys': 'updateKeys', '#status': 'status', '#key': 'key' },
          ExpressionAttributeValues: { ':update': update, ':one': 1, ':key': update.key, ':resolved': 'RESOLVED' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Claims the right to send one message to one tier, atomically with a check of the incident's status: an incident
   * acknowledged or resolved a moment earlier is never escalated, and of concurrent claimers exactly one wins.
   * A claim left IN_PROGRESS past its lease (the sender died) can be taken over.
   *
   * `seenAbsent`: the caller's own consistent read of the incident's sends (listSends) found no such send. The claim is
   * then a plain create, conditional on the send still not existing, with no read of its own; should one exist by now,
   * the claim falls back to reading it and taking it over only on the terms above. A takeover is never decided on an
   * earlier read.
   */
  async claimSend(
    incidentId: string,
    kind: SendKind,
    level: number,
    tierName: string,
    statuses: readonly IncidentStatus[],
    now: Date,
    options: { seenAbsent?: boolean; cycle?: number } = {},
  ): Promise<SendClaim> {
    const { cycle } = options;
    if (options.seenAbsent) {
      const created = await this.writeClaim(incidentId, kind, level, tierName, statuses, now, 'absent', cycle);
      if (created.claimed || created.reason === 'incident-status') return created;
    }
    const key = this.sendKey(incidentId, kind, level, cycle);
    const existing = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }));
    // What a takeover carries over (who held it, what it delivered) is read back: parsed before it is believed.
    const send = existing.Item ? parseSendItem(key, existing.Item) : undefined;
    const previous = send ? { owner: send.owner, delivered: send.delivered, ...(send.caseNonce ? { caseNonce: send.caseNonce } : {}) } : undefined;
    return this.writeClaim(incidentId, kind, level, tierName, statuses, now, previous ?? 'absent-or-expired', cycle);
  }

  /**
   * The claim's transaction: the incident's status checked, the send written IN_PROGRESS under a new owner.
   * 'absent': only if no such send exists; 'absent-or-expired': or one IN_PROGRESS past its lease; a previous holder:
   * only if it still holds it, past its lease, and what it delivered is carried over.
   */
  private async writeClaim(
    incidentId: string,
    kind: SendKind,
    level: number,
    tierName: string,
    statuses: readonly IncidentStatus[],
    now: Date,
    over: 'absent' | 'absent-or-expired' | { owner: string; delivered: Record<string, string> | undefined; caseNonce?: string },
    cycle?: number,
  ): Promise<SendClaim> {
    const owner = randomUUID();
    const previous = typeof over === 'object' ? over : undefined;
    // The case nonce stays the send's for good: a takeover's retry must find the case its predecessor may have opened.
    const caseNonce = previous?.caseNonce ?? newCaseNonce();
    const statusValues = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.options.tableName,
                Key: this.key(incidentId),
                ConditionExpression: `#status IN (${Object.keys(statusValues).join(', ')})`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: statusValues,
              },
            },
            {
              Put: {
                TableName: this.options.tableName,
                // A takeover keeps what the previous holder delivered ("delivered" is only ever added to).
                Item: {
                  ...this.sendKey(incidentId, kind, level, cycle),
                  delivered: previous?.delivered ?? {},
                  caseNonce,
                  kind,
                  level,
                  ...(cycle ? { cycle } : {}),
                  tierName,
                  status: 'IN_PROGRESS',
                  owner,
                  leaseExpiresAtSeconds: epochSeconds(now) + this.options.leaseSeconds,
                  channels: [],
                  messageIds: [],
                  expiresAt: expiresAtSeconds(now, this.options.retentionDays),
                },
                // The previous holder's progress must still be what was read, or another taker got there first.
                ...(over === 'absent'
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : {
                      ConditionExpression: previous
                        ? '#status = :inProgress AND #lease < :now AND #owner = :previousOwner'
                        : 'attribute_not_exists(pk) OR (#status = :inProgress AND #lease < :now)',
                      ExpressionAttributeNames: { '#status': 'status', '#lease': 'leaseExpiresAtSeconds', ...(previous ? { '#owner': 'owner' } : {}) },
                      ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS', ':now': epochSeconds(now), ...(previous ? { ':previousOwner': previous.owner } : {}) },
                    }),
              },
            },
          ],
        }),
      );
      return { claimed: true, owner, delivered: { ...(previous?.delivered ?? {}) }, caseNonce, caseNonceNew: previous?.caseNonce === undefined };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (codes[0] === 'ConditionalCheckFailed') return { claimed: false, reason: 'incident-status' };
      if (codes[1] === 'ConditionalCheckFailed') return { claimed: false, reason: 'already-claimed' };
      // TransactionConflict: another claim on the same items is in flight; the retry will see who won.
      throw new TransientError(`send claim on ${incidentId} L${level} conflicted with a concurrent one (${codes.join(', ')})`, { cause: error });
    }
  }

  async completeSend(
    incidentId: string,
    kind: SendKind,
    level: number,
    owner: string,
    result: { status: 'SENT' | 'FAILED'; channels: string[]; messageIds: string[]; caseId?: string; error?: string },
    now: Date,
    cycle?: number,
  ): Promise<void> {
    await this.recorder.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.sendKey(incidentId, kind, level, cycle),
        UpdateExpression: `SET #status = :status, #sentAt = :now, #channels = :channels, #messageIds = :messageIds${result.caseId ? ', #caseId = :caseId' : ''}${result.error ? ', #error = :error' : ''}`,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#sentAt': 'sentAt',
          '#channels': 'channels',
          '#messageIds': 'messageIds',
          '#owner': 'owner',
          ...(result.caseId ? { '#caseId': 'caseId' } : {}),
          ...(result.error ? { '#error': 'error' } : {}),
        },
        ExpressionAttributeValues: {
          ':status': result.status,
          ':now': now.toISOString(),
          ':channels': result.channels,
          ':messageIds': result.messageIds,
          ':owner': owner,
          ...(result.caseId ? { ':caseId': result.caseId } : {}),
          ...(result.error ? { ':error': result.error } : {}),
        },
      }),
    );
  }

  /** Records one channel delivered under a claim, before the next is tried: a retry never sends it again. */
  async recordDelivered(incidentId: string, kind: SendKind, level: number, owner: string, channel: string, id: string, cycle?: number): Promise<void> {
    await this.recorder.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.sendKey(incidentId, kind, level, cycle),
        UpdateExpression: 'SET #delivered.#channel = :id',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#delivered': 'delivered', '#channel': channel, '#owner': 'owner' },
        ExpressionAttributeValues: { ':id': id, ':owner': owner },
      }),
    );
  }

  /** Gives a claim back after a transient failure, so the retry can take it at once. */
  async releaseSend(incidentId: string, kind: SendKind, level: number, owner: string, cycle?: number): Promise<void> {
    try {
      await this.recorder.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.sendKey(incidentId, kind, level, cycle),
          UpdateExpression: 'SET #lease = :zero',
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          ExpressionAttributeNames: { '#lease': 'leaseExpiresAtSeconds', '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':owner': owner, ':inProgress': 'IN_PROGRESS' },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /** Every send of the incident, every page of the Query (DynamoDB ends a page at 1 MB: a long-lived incident's sends can fill more). */
  async listSends(incidentId: string): Promise<SentNotification[]> {
    const items = await this.queryAll('pk = :pk AND begins_with(sk, :send)', { ':pk': `ESCALATION#${incidentId}`, ':send': 'SEND#' });
    return items.map((item): SentNotification => {
      // Neither the holder nor the case nonce leaves the store: the nonce is what tells our case from a planted one.
      const { owner: _owner, caseNonce: _caseNonce, delivered, ...send } = parseSendItem(keyOf(item), item);
      // What went out under a send that did not complete is kept: those people were paged (a resolution goes to them).
      return send.status !== 'SENT' && delivered && Object.keys(delivered).length > 0 ? { ...send, delivered } : send;
    });
  }

  /**
   * A tier's delivery did not complete but the next tier's timer was created with it (decision 186): the incident's next
   * escalation becomes that tier, so `runbook incidents` names the timer that exists, not the tier that could not be
   * reached. Only while the incident still expects `failedLevel` next and is OPEN below it; the level is not raised (that
   * tier was not notified).
   */
  async recordNextDue(incidentId: string, failedLevel: number, next: { level: number; at: Date }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          UpdateExpression: 'SET #nextLevel = :nextLevel, #nextAt = :nextAt',
          ConditionExpression: '#status = :open AND #nextLevel = :failed AND #level < :failed',
          ExpressionAttributeNames: { '#status': 'status', '#level': 'level', '#nextLevel': 'nextLevel', '#nextAt': 'nextEscalationAt' },
          ExpressionAttributeValues: { ':open': 'OPEN', ':failed': failedLevel, ':nextLevel': next.level, ':nextAt': next.at.toISOString() },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /**
   * OPEN standby-watch incident -> the region-serving notice (review 12, R12-7): its cause and reason replaced, no next
   * escalation, and which tier's timer found the region serving. Only while it is still OPEN at the level and with the
   * cause as read (acknowledged, climbed or resolved since: nothing). Returns whether this call made the change.
   */
  async becomeNotice(was: Pick<Incident, 'incidentId' | 'cause' | 'level'>, notice: { cause: string; reason: string; insteadOfLevel: number }, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(was.incidentId),
          UpdateExpression: 'SET #cause = :cause, #reason = :reason, #servingNotice = :servingNotice REMOVE #nextLevel, #nextAt',
          ConditionExpression: '#status = :open AND #cause = :was AND #level = :level AND attribute_not_exists(#servingNotice)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#cause': 'cause',
            '#reason': 'reason',
            '#level': 'level',
            '#servingNotice': 'servingNotice',
            '#nextLevel': 'nextLevel',
            '#nextAt': 'nextEscalationAt',
          },
          ExpressionAttributeValues: {
            ':open': 'OPEN',
            ':was': was.cause,
            ':level': was.level,
            ':cause': notice.cause,
            ':reason': notice.reason,
            ':servingNotice': { insteadOfLevel: notice.insteadOfLevel, previousCause: was.cause, at: now.toISOString() },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /**
   * A region-serving notice -> the standby incident again (review 14 R14-14): cause and reason replaced, OPEN (an
   * acknowledgement of the notice is cleared: it was of "this region serves", which no longer holds; the reason names
   * who acknowledged), `servingNotice` removed (so a later failover can make it the notice again) and `servingEnded`
   * set. Only while it is still the notice as read (status, cause, level, state change). Returns whether this call made it.
   */
  async endNotice(
    was: Pick<Incident, 'incidentId' | 'status' | 'cause' | 'level' | 'alarmTime'>,
    change: { cause: string; reason: string; fromLevel: number; cycle: number; round: number },
    now: Date,
  ): Promise<boolean> {
    const acknowledgement = ['acknowledgedBy', 'acknowledgedNote', 'acknowledgedAt', 'acknowledgedVia'];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(was.incidentId),
          // The notice's re-check ends with it (decision 281): a later notice of the same cycle starts again at round 1.
          UpdateExpression: `SET #status = :open, #cause = :cause, #reason = :reason, #servingEnded = :servingEnded REMOVE #servingNotice, #nextLevel, #nextAt, #noticeCheck, ${acknowledgement.map((f) => `#${f}`).join(', ')}`,
          ConditionExpression: '#status = :readStatus AND #cause = :readCause AND #level = :readLevel AND #alarmTime = :readAlarmTime',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#cause': 'cause',
            '#reason': 'reason',
            '#level': 'level',
            '#alarmTime': 'alarmTime',
            '#servingNotice': 'servingNotice',
            '#servingEnded': 'servingEnded',
            '#nextLevel': 'nextLevel',
            '#nextAt': 'nextEscalationAt',
            '#noticeCheck': 'noticeCheck',
            ...Object.fromEntries(acknowledgement.map((f) => [`#${f}`, f])),
          },
          ExpressionAttributeValues: {
            ':open': 'OPEN',
            ':cause': change.cause,
            ':reason': change.reason,
            ':servingEnded': { at: now.toISOString(), fromLevel: change.fromLevel, cycle: change.cycle, round: change.round },
            ':readStatus': was.status,
            ':readCause': was.cause,
            ':readLevel': was.level,
            ':readAlarmTime': was.alarmTime,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /**
   * A notice's next re-check as scheduled (decision 281): recorded only while the incident is unresolved and only forward
   * (a later cycle, or a later round of the same one), so of a check done twice (the sweep and Scheduler's late delivery)
   * the second records nothing, and an earlier round never overwrites a later one.
   */
  async recordNoticeDue(incidentId: string, check: { cycle: number; round: number; at: Date }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          UpdateExpression: 'SET #noticeCheck = :check',
          ConditionExpression:
            '#status IN (:open, :acknowledged) AND (attribute_not_exists(#noticeCheck) OR #noticeCheck.#cycle < :cycle OR (#noticeCheck.#cycle = :cycle AND #noticeCheck.#round < :round))',
          ExpressionAttributeNames: { '#status': 'status', '#noticeCheck': 'noticeCheck', '#cycle': 'cycle', '#round': 'round' },
          ExpressionAttributeValues: {
            ':open': 'OPEN',
            ':acknowledged': 'ACKNOWLEDGED',
            ':cycle': check.cycle,
            ':round': check.round,
            ':check': { cycle: check.cycle, round: check.round, at: check.at.toISOString() },
          },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  private heldKey(incidentId: string, cycle: number): { pk: string; sk: string } {
    return { pk: HELD_RESOLUTIONS_PK, sk: `${incidentId}#C${cycle}` };
  }

  /**
   * A held resolution listed for the sweep (decision 281), written before its settle timer is scheduled: a timer
   * Scheduler drops is found here. The same cycle held again (a duplicate OK, a retry) writes the same entry.
   */
  async holdResolution(incidentId: string, cycle: number, dueAt: Date, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...this.heldKey(incidentId, cycle), incidentId, cycle, dueAt: dueAt.toISOString(), expiresAt: expiresAtSeconds(now, this.options.retentionDays) },
      }),
    );
  }

  /** The held resolution's settle timer ran to an answer (told, or not to be told): the sweep no longer lists it. */
  async releaseHeld(incidentId: string, cycle: number): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.options.tableName, Key: this.heldKey(incidentId, cycle) }));
  }

  /**
   * A sweep run of the held resolution found one of its incident's records refused (decision 292): counted on the entry.
   * The count after it, or undefined when the entry is gone (released or set aside meanwhile).
   */
  async countHeldRefusal(incidentId: string, cycle: number): Promise<number | undefined> {
    // This count's own token: a repeat of the write (its answer lost, the SDK's retry) finds it and is refused, so one
    // sweep run counts once (review 20d R20-63, decision 348); the refusal's item (ALL_OLD) then says the count it made.
    const token = randomUUID();
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.heldKey(incidentId, cycle),
          UpdateExpression: 'SET #token = :token ADD #refusals :one',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#token) OR #token <> :token)',
          ExpressionAttributeNames: { '#refusals': 'refusals', '#token': 'refusalToken' },
          ExpressionAttributeValues: { ':one': 1, ':token': token },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const refusals = out.Attributes?.refusals;
      return typeof refusals === 'number' ? refusals : undefined;
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      // The entry is gone (released or set aside meanwhile), or this very count was applied and its answer lost.
      const item = (error as { Item?: { refusalToken?: { S?: string }; refusals?: { N?: string } } }).Item;
      const counted = item?.refusalToken?.S === token ? Number(item.refusals?.N) : Number.NaN;
      return Number.isInteger(counted) ? counted : undefined;
    }
  }

  /**
   * Sets a held resolution aside (decision 292): what it was and the record refused are written to ESCALATION-HELD-ASIDE
   * (kept as long as the records, for a person to tell it), then it leaves the sweep's list. Put first: a failure between
   * the two leaves it listed, and the next run sets it aside again (the same item).
   */
  async setHeldAside(held: HeldResolution, refused: { key: StateKey; issues: readonly string[] }, runs: number, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: HELD_ASIDE_PK,
          sk: `${held.incidentId}#C${held.cycle}`,
          incidentId: held.incidentId,
          cycle: held.cycle,
          dueAt: held.dueAt,
          refusedRecord: `${refused.key.pk} / ${refused.key.sk}`,
          issues: [...refused.issues],
          refusedRuns: runs,
          setAsideAt: now.toISOString(),
          expiresAt: expiresAtSeconds(now, this.options.retentionDays),
        },
      }),
    );
    await this.releaseHeld(held.incidentId, held.cycle);
  }

  /**
   * Every held resolution whose settle timer has not answered yet (one small partition: held resolutions are few). Each
   * entry is parsed on its own (review 18 R18-3, decision 292): one that is not as the store writes it (forged,
   * corrupted, or a newer release's) is in `refused` with its key and fields, and keeps none of the others from the sweep.
   */
  async heldResolutions(): Promise<HeldList> {
    const { parsed, refused } = parseEach(await this.queryAll('pk = :pk', { ':pk': HELD_RESOLUTIONS_PK }), parseHeldItem);
    return { held: parsed, refused };
  }

  /** Raises the incident's tier level (never lowers it) and sets or clears the next escalation. */
  async recordTierNotified(incidentId: string, level: number, next: { level: number; at: Date } | undefined): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          // ladderDueAt: the same due time, kept through a resolution (a re-open resumes the ladder's clock, R13-1).
          UpdateExpression: next
            ? 'SET #level = :level, #nextLevel = :nextLevel, #nextAt = :nextAt, #ladderDueAt = :nextAt'
            : 'SET #level = :level REMOVE #nextLevel, #nextAt, #ladderDueAt',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#level) OR #level < :level)',
          ExpressionAttributeNames: { '#level': 'level', '#nextLevel': 'nextLevel', '#nextAt': 'nextEscalationAt', '#ladderDueAt': 'ladderDueAt' },
          ExpressionAttributeValues: { ':level': level, ...(next ? { ':nextLevel': next.level, ':nextAt': next.at.toISOString() } : {}) },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /**
   * OPEN -> ACKNOWLEDGED, only while OPEN: an acknowledgement never overwrites an earlier one. The same attributes the SSM
   * document NotificationService-AcknowledgeIncident writes (`by` the verified principal, `note` self-declared, decision
   * 171). Returns the incident as it is now, and whether this call acknowledged it.
   */
  async acknowledge(
    incidentId: string,
    ack: { by: string; note?: string; via: string },
    now: Date,
  ): Promise<{ acknowledged: boolean; incident: Incident | undefined }> {
    const note: { names: Record<string, string>; values: Record<string, string>; set: string } = ack.note
      ? { names: { '#note': 'acknowledgedNote' }, values: { ':note': ack.note }, set: ', #note = :note' }
      : { names: {}, values: {}, set: '' };
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          UpdateExpression: `SET #status = :acknowledged, #by = :by, #at = :at, #via = :via${note.set}`,
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status', '#by': 'acknowledgedBy', '#at': 'acknowledgedAt', '#via': 'acknowledgedVia', ...note.names },
          ExpressionAttributeValues: { ':acknowledged': 'ACKNOWLEDGED', ':open': 'OPEN', ':by': ack.by, ':at': now.toISOString(), ':via': ack.via, ...note.values },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { acknowledged: true, incident: result.Attributes ? toIncident(result.Attributes) : undefined };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      return { acknowledged: false, incident: await this.get(incidentId) };
    }
  }

  /**
   * Any unresolved status -> RESOLVED, once. `alarmTime`: only while the incident is still about that state change (a
   * re-fire grouped into it since moved it on, decision 204: an OK of the older state change resolves nothing). Returns
   * the incident as it is now, and whether this call resolved it.
   */
  async resolve(incidentId: string, reason: string, now: Date, alarmTime?: string): Promise<{ resolved: boolean; incident: Incident | undefined }> {
    try {
      const result = await this.updateShedding(
        incidentId,
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(incidentId),
          // groupedKeys: only on an item written before review 14 R14-4 (a set that grew by one per re-fire): dropped.
          UpdateExpression: 'SET #status = :resolved, #at = :at, #resolution = :reason REMOVE #nextLevel, #nextAt, #groupedKeys',
          ConditionExpression: `#status IN (:watching, :open, :acknowledged)${alarmTime !== undefined ? ' AND #alarmTime = :alarmTime' : ''}`,
          ExpressionAttributeNames: {
            '#status': 'status',
            '#at': 'resolvedAt',
            '#resolution': 'resolution',
            '#nextLevel': 'nextLevel',
            '#nextAt': 'nextEscalationAt',
            '#groupedKeys': 'groupedKeys',
            ...(alarmTime !== undefined ? { '#alarmTime': 'alarmTime' } : {}),
          },
          ExpressionAttributeValues: {
            ':resolved': 'RESOLVED',
            ':watching': 'WATCHING',
            ':open': 'OPEN',
            ':acknowledged': 'ACKNOWLEDGED',
            ':at': now.toISOString(),
            ':reason': reason,
            ...(alarmTime !== undefined ? { ':alarmTime': alarmTime } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { resolved: true, incident: result.Attributes ? toIncident(result.Attributes) : undefined };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      return { resolved: false, incident: await this.get(incidentId) };
    }
  }

  /** Takes a resolved incident out of its alarm's index, so later OKs of the alarm do not look at it again. */
  async forgetAlarmIncident(incident: Pick<Incident, 'alarmArn' | 'alarmTime' | 'incidentId'>): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.options.tableName,
        Key: { pk: `ESCALATION-ALARM#${incident.alarmArn}`, sk: `${incident.alarmTime}#${incident.incidentId}` },
      }),
    );
    await this.db.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: { pk: OPEN_INCIDENTS_PK, sk: `${incident.alarmTime}#${incident.incidentId}` } }),
    );
  }

  /**
   * Every incident not yet resolved, oldest alarm first. Each index entry, and the incident record it names, is parsed on
   * its own (decision 300, as 292 did for the held list): one that is not as the store writes it (forged, corrupted, a
   * newer release's) is in `refused` with its key and fields, and the others are listed. Any other failure (a throttled
   * Query or GetItem) still rejects the whole list: a retry may read it.
   */
  async listUnresolved(): Promise<UnresolvedList> {
    const list: UnresolvedList = { incidents: [], refused: [] };
    const refusedKeys = new Set<string>();
    for (const item of await this.queryAll('pk = :pk', { ':pk': OPEN_INCIDENTS_PK })) {
      let incident: Incident | undefined;
      try {
        incident = await this.get(parseIndexItem(keyOf(item), item).incidentId);
      } catch (error) {
        if (!(error instanceof StateRecordError)) throw error;
        // A re-opened incident has an entry per state change: its refused record is named once.
        const named = `${error.key.pk}\u0000${error.key.sk}`;
        if (!refusedKeys.has(named)) list.refused.push({ key: error.key, issues: error.issues });
        refusedKeys.add(named);
        continue;
      }
      // An index entry whose incident is resolved (or gone) is skipped: resolve and forget are two writes.
      // A re-opened incident is listed once, whichever of its state changes' entries is found first.
      const found = incident;
      if (found && found.status !== 'RESOLVED' && !list.incidents.some((i) => i.incidentId === found.incidentId)) list.incidents.push(found);
    }
    return list;
  }

  /** Every unresolved incident of an alarm (oldest first), for the OK state change that resolves them. */
  async incidentsOfAlarm(alarmArn: string): Promise<Array<{ incidentId: string; alarmTime: string }>> {
    return (await this.queryAll('pk = :pk', { ':pk': `ESCALATION-ALARM#${alarmArn}` })).map((item) => {
      const { incidentId } = parseIndexItem(keyOf(item), item);
      const sk = String(item.sk);
      return { incidentId, alarmTime: sk.slice(0, sk.lastIndexOf('#')) };
    });
  }

  /** Every item a consistent Query selects, through all its pages (DynamoDB ends a page at 1 MB). */
  private async queryAll(keyCondition: string, values: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.options.tableName, KeyConditionExpression: keyCondition, ExpressionAttributeValues: values, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
