// Incident claims, per-resource change history and the audit trail, in one DynamoDB table (pk/sk, TTL on expiresAt).
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callAws } from '../aws/classify-error';
import { TransientError } from '../errors';
import { verifyScheduleName } from '../pipeline/verify-schedule-name';
import { auditKeyOf, claimKeyOf, parseAuditItem, parseClaimItem, parseResourceStateItem, StateRecordError, type StateKey, type StoredClaim } from './state-records';
import { epochSeconds, expiresAtSeconds } from './record-expiry';

export type ClaimStatus = 'IN_PROGRESS' | 'COMPLETED';

export interface ClaimRecord {
  status: ClaimStatus;
  owner: string;
  leaseExpiresAtSeconds: number;
  /** When the holder claimed it (ISO 8601): tells a concurrent duplicate from a retry of an attempt that never finished. */
  claimedAt?: string;
  /** The change this claim decided to make, written before apply so a retry after a crash can tell it was already made. */
  intent?: unknown;
  outcome?: string;
  reason?: string;
  /** The next step the decision named (a runbook and its parameters), recorded on completion; read back, it is checked. */
  runbook?: unknown;
}

export type ClaimResult =
  | {
      claimed: true;
      owner: string;
      takenOver: boolean;
      previousIntent?: unknown;
      /**
       * The record this claim replaced is not one the automation writes: the claim is held (its takeover replaced the
       * record, read and judged before), and the holder escalates this instead of acting, so nothing is planned from, or
       * finished after, it.
       */
      refusedRecord?: StateRecordError;
    }
  | { claimed: false; existing: ClaimRecord | undefined };

/** What the automation remembers about one resource: its baseline and recent changes. */
export interface ResourceState {
  /** Incremented on every write; writes are conditional on it (optimistic concurrency). */
  version: number;
  baseline?: Record<string, unknown>;
  lastScaleUpAtSeconds?: number;
  lastRestoreAtSeconds?: number;
  /** Epoch seconds of changes in the last hour (for the hourly budget). */
  changeTimesSeconds: number[];
  /** The incident that made the last change: its own retry is not held back by cooldown or budget. */
  lastIncidentKey?: string;
  /** Facts a playbook learned about the resource from AWS (e.g. memoryCeilingMb), kept across changes. */
  learned?: Record<string, unknown>;
  /**
   * The state lastIncidentKey's reservation replaced (without its version): what that incident planned from. A retry
   * of the incident plans from it again, not from its own reservation (a restore's reservation clears the baseline it
   * restores to: planned from it, the retry found "nothing to restore" and the change was lost; decision 110).
   */
  reservedFrom?: Omit<ResourceState, 'version' | 'reservedFrom'>;
}

export interface AuditEntry {
  resourceArn: string;
  at: string;
  incidentKey: string;
  decision: Record<string, unknown>;
}

export interface IncidentStoreOptions {
  tableName: string;
  leaseSeconds: number;
  retentionDays: number;
}

/** The verify sweep's list (decision 293): VERIFY-DUE / <the check's schedule name>, one small partition. */
export const VERIFY_DUE_PK = 'VERIFY-DUE';

/** A listed check's key: by its schedule's name (a hash of playbook and incident; an incident key may be longer than a sort key). */
export function verifyDueKey(playbook: string, incidentKey: string): StateKey {
  return { pk: VERIFY_DUE_PK, sk: verifyScheduleName(playbook, incidentKey) };
}

function isConditionalFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
  );
}

/**
 * The resource state item's field holding the token of the write that made it (reserveChange's PutItem, remember's
 * UpdateItem): a write whose answer was lost recognises itself in the refusal of the SDK's retry (decision 348).
 */
const WRITE_TOKEN = 'writeToken';

/** The write token of the item a conditional write was refused by (ALL_OLD), or undefined. */
function writeTokenOfRefusal(error: unknown): string | undefined {
  return (error as { Item?: Record<string, { S?: string } | undefined> }).Item?.[WRITE_TOKEN]?.S;
}

/**
 * The claim a conditional PutItem was refused by (ConditionalCheckFailedException.Item with ALL_OLD), in DynamoDB's
 * attribute-value form: only its scalar fields are read, which is all a duplicate needs.
 */
type RawAttribute = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, RawAttribute>; L?: RawAttribute[] };

/** A recorded next step from its raw attribute (a map of documentName and lists of strings); its checks come later. */
function runbookOfAttribute(value: RawAttribute | undefined): unknown {
  const documentName = value?.M?.documentName?.S;
  const parameters = value?.M?.parameters?.M;
  if (documentName === undefined || parameters === undefined) return undefined;
  return { documentName, parameters: Object.fromEntries(Object.entries(parameters).map(([name, list]) => [name, (list.L ?? []).map((v) => v.S)])) };
}

/** The claim as the rest of the pipeline sees it: the item's own fields, without its key and TTL. */
function claimRecordOf(stored: StoredClaim): ClaimRecord {
  const { pk: _pk, sk: _sk, expiresAt: _expiresAt, ...record } = stored;
  return record;
}

/**
 * The record a conditional write was refused by (its ALL_OLD), as the document client would read it: strings, numbers,
 * booleans, nulls, maps and lists; anything else is carried as it came, so the schema names it. Not parsed here: the
 * claim judges it (decision 118) before it is believed or replaced.
 */
function recordOfRefusal(error: unknown): Record<string, unknown> | undefined {
  const item = (error as { Item?: Record<string, RawAttribute> }).Item;
  if (!item) return undefined;
  const plain = (value: RawAttribute): unknown => {
    if (value.S !== undefined) return value.S;
    if (value.N !== undefined) return Number(value.N);
    if (value.BOOL !== undefined) return value.BOOL;
    if (value.NULL) return null;
    if (value.M !== undefined) return Object.fromEntries(Object.entries(value.M).map(([name, inner]) => [name, plain(inner)]));
    if (value.L !== undefined) return value.L.map(plain);
    return value;
  };
  const { runbook, ...rest } = item;
  return { ...Object.fromEntries(Object.entries(rest).map(([name, value]) => [name, plain(value)])), ...(runbook ? { runbook: runbookOfAttribute(runbook) } : {}) };
}

/** What the first claim's condition refuses and a takeover may replace: a claim in progress whose lease has run out. */
function isExpiredInProgress(record: Record<string, unknown>, nowSeconds: number): boolean {
  return record.status === 'IN_PROGRESS' && typeof record.leaseExpiresAtSeconds === 'number' && record.leaseExpiresAtSeconds < nowSeconds;
}

export class IncidentStore {
  /**
   * `recorder`: the client of the writes that end a claim (complete, release), where a handler gives them a later
   * deadline than its other calls (verify-change's sweep, decision 346); unset, `db`.
   */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: IncidentStoreOptions,
    private readonly recorder: DynamoDBDocumentClient = db,
  ) {}

  private claimKey(playbook: string, incidentKey: string): StateKey {
    return claimKeyOf(playbook, incidentKey);
  }

  /**
   * Claims an incident with a conditional write: exactly one of any number of concurrent deliveries wins.
   * A claim whose holder died (lease expired while IN_PROGRESS) can be taken over by a retry.
   *
   * Two steps, the second only for a takeover (review 21c R21c-3): the claim is a PutItem on `attribute_not_exists(pk)`,
   * so it replaces nothing; its refusal answers the record that is there (ALL_OLD), which is judged before anything is
   * done to it: a live or completed claim is a duplicate's, a forged one is refused (decision 118), and only an expired
   * IN_PROGRESS one is taken over, by a second PutItem conditioned on exactly the record seen (`takeOver`). So no write
   * of the claim ever replaces a record it did not read, and an answer lost on either write loses nothing.
   */
  async claim(playbook: string, incidentKey: string, now: Date): Promise<ClaimResult> {
    const key = this.claimKey(playbook, incidentKey);
    const owner = randomUUID();
    const nowSeconds = epochSeconds(now);
    const item = {
      ...key,
      status: 'IN_PROGRESS',
      owner,
      leaseExpiresAtSeconds: nowSeconds + this.options.leaseSeconds,
      claimedAt: now.toISOString(),
      expiresAt: expiresAtSeconds(now, this.options.retentionDays),
    };
    let seen: Record<string, unknown> | undefined;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
          // A duplicate learns who holds the incident from the refusal itself: one call instead of a PutItem and a GetItem.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, owner, takenOver: false };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      seen = await this.refusingRecord(error, key);
    }
    // Refused by its own write: an earlier attempt of this very PutItem was applied and its answer lost (the request
    // timed out, the connection reset), and the SDK's retry found it (the owner is this call's random id). The claim is
    // this call's, and a fresh one: the write it retried creates only (decision 337; 338's unknown intent cannot arise).
    if (seen?.owner === owner) return { claimed: true, owner, takenOver: false };
    if (seen && isExpiredInProgress(seen, nowSeconds)) return this.takeOver(key, item, seen, nowSeconds);
    return { claimed: false, existing: seen ? claimRecordOf(parseClaimItem(key, seen)) : undefined };
  }

  /**
   * Takes over the expired claim `seen` (read from the refusal, not yet judged): a PutItem that is applied only while the
   * item is still that record in everything its writers change (owner, status, intent; the lease still expired), so a
   * newer holder (another delivery's takeover), a completion or an intent written meanwhile refuses it, and the record
   * it replaces is the one judged here. Refused by its own write (answer lost, the SDK's retry), it is taken as made.
   */
  private async takeOver(key: StateKey, item: Record<string, unknown> & { owner: string }, seen: Record<string, unknown>, nowSeconds: number): Promise<ClaimResult> {
    const { owner } = item;
    const sameOwner = seen.owner === undefined ? 'attribute_not_exists(#owner)' : '#owner = :seenOwner';
    const sameIntent = seen.intent === undefined ? 'attribute_not_exists(#intent)' : '#intent = :seenIntent';
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: `${sameOwner} AND #status = :inProgress AND leaseExpiresAtSeconds < :now AND ${sameIntent}`,
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status', '#intent': 'intent' },
          ExpressionAttributeValues: {
            ':inProgress': 'IN_PROGRESS',
            ':now': nowSeconds,
            ...(seen.owner === undefined ? {} : { ':seenOwner': seen.owner }),
            ...(seen.intent === undefined ? {} : { ':seenIntent': seen.intent }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const current = await this.refusingRecord(error, key);
      // Someone else's record since (a newer takeover, a completion): read as a duplicate's, never replaced.
      if (current?.owner !== owner) return { claimed: false, existing: current ? claimRecordOf(parseClaimItem(key, current)) : undefined };
      // This takeover's own write, applied with its answer lost: it replaced `seen`, judged below as if answered.
    }
    // A takeover finishes what the previous holder recorded: its record is parsed before its intent is believed.
    try {
      return { claimed: true, owner, takenOver: true, previousIntent: parseClaimItem(key, seen).intent };
    } catch (error) {
      if (!(error instanceof StateRecordError)) throw error;
      return { claimed: true, owner, takenOver: true, refusedRecord: error };
    }
  }

  /**
   * The record a conditional write of the claim was refused by, as the document client reads items (unparsed: the caller
   * judges it). From the refusal's ALL_OLD; if DynamoDB did not send it, a consistent read.
   */
  private async refusingRecord(error: unknown, key: StateKey): Promise<Record<string, unknown> | undefined> {
    const refused = recordOfRefusal(error);
    if (refused) return refused;
    const read = await callAws('DynamoDB GetItem', () => this.db.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true })));
    return read.Item;
  }

  /** The claim as recorded (consistent read), intent included: what verify-change judges, never its schedule's input. */
  async getClaim(playbook: string, incidentKey: string): Promise<ClaimRecord | undefined> {
    const key = this.claimKey(playbook, incidentKey);
    const result = await callAws('DynamoDB GetItem', () => this.db.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true })));
    return result.Item ? claimRecordOf(parseClaimItem(key, result.Item)) : undefined;
  }

  /** Writes the planned change onto the claim before it is applied. */
  async recordIntent(playbook: string, incidentKey: string, owner: string, intent: unknown): Promise<void> {
    await this.ownedUpdate(this.db, playbook, incidentKey, owner, 'SET intent = :intent', { ':intent': intent });
  }

  async complete(playbook: string, incidentKey: string, owner: string, outcome: string, reason: string, runbook?: unknown): Promise<void> {
    await this.ownedUpdate(this.recorder, playbook, incidentKey, owner, `SET #status = :completed, outcome = :outcome, reason = :reason${runbook === undefined ? '' : ', runbook = :runbook'}`, {
      ':completed': 'COMPLETED',
      ':outcome': outcome,
      ':reason': reason,
      ...(runbook === undefined ? {} : { ':runbook': runbook }),
    });
  }

  /**
   * Gives the claim back after a transient failure so the retry can take it at once. The lease is expired rather than
   * the item deleted, so the retry still sees the intent this invocation may already have applied.
   */
  async release(playbook: string, incidentKey: string, owner: string): Promise<void> {
    try {
      await this.recorder.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.claimKey(playbook, incidentKey),
          UpdateExpression: 'SET leaseExpiresAtSeconds = :zero',
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':inProgress': 'IN_PROGRESS', ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  private async ownedUpdate(
    client: DynamoDBDocumentClient,
    playbook: string,
    incidentKey: string,
    owner: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.claimKey(playbook, incidentKey),
          UpdateExpression: update,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner', ...(update.includes('#status') ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: { ':owner': owner, ...values },
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error)) {
        throw new TransientError(`claim on ${incidentKey} was taken over by another invocation`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Lists a health check for the verify sweep (decision 293), written with the intent it judges and its schedule: a
   * schedule Scheduler drops is found here. The same check listed again (a retry) writes the same entry.
   */
  async recordVerifyDue(playbook: string, incidentKey: string, dueAt: Date, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...verifyDueKey(playbook, incidentKey), playbook, incidentKey, dueAt: dueAt.toISOString(), expiresAt: expiresAtSeconds(now, this.options.retentionDays) },
      }),
    );
  }

  private resourceKey(resourceArn: string): { pk: string; sk: string } {
    return { pk: `RESOURCE#${resourceArn}`, sk: 'STATE' };
  }

  async getResourceState(resourceArn: string): Promise<ResourceState | undefined> {
    const key = this.resourceKey(resourceArn);
    const result = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }));
    if (!result.Item) return undefined;
    // Every field, reservedFrom's included, is the shape a reservation writes, or nothing is planned from it (decision 118).
    const item = parseResourceStateItem(key, result.Item);
    return {
      version: item.version ?? 0,
      baseline: item.baseline,
      lastScaleUpAtSeconds: item.lastScaleUpAtSeconds,
      lastRestoreAtSeconds: item.lastRestoreAtSeconds,
      changeTimesSeconds: item.changeTimesSeconds ?? [],
      lastIncidentKey: item.lastIncidentKey,
      ...(item.learned ? { learned: item.learned } : {}),
      ...(item.reservedFrom ? { reservedFrom: item.reservedFrom } : {}),
    };
  }

  /**
   * Merges learned facts into the resource's state and bumps its version, so a concurrent reservation made from an
   * older read fails (and retries) instead of writing the facts away.
   */
  async remember(resourceArn: string, facts: Record<string, unknown>): Promise<void> {
    const key = this.resourceKey(resourceArn);
    const writeToken = randomUUID();
    // A map attribute must exist before its keys can be set, and one expression cannot do both.
    await this.db.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: key,
        UpdateExpression: 'SET learned = if_not_exists(learned, :empty), changeTimesSeconds = if_not_exists(changeTimesSeconds, :none)',
        ExpressionAttributeValues: { ':empty': {}, ':none': [] },
      }),
    );
    const entries = Object.entries(facts);
    if (entries.length === 0) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression: `SET ${entries.map((_, i) => `learned.#k${i} = :v${i}`).join(', ')}, #writeToken = :writeToken ADD version :one`,
          // The version is bumped once per call: a repeat of this very write (its answer lost, the SDK's retry) finds its
          // own token and is refused, instead of bumping the version again (review 20d R20-63, decision 348).
          ConditionExpression: 'attribute_not_exists(#writeToken) OR #writeToken <> :writeToken',
          ExpressionAttributeNames: { '#writeToken': WRITE_TOKEN, ...Object.fromEntries(entries.map(([name], i) => [`#k${i}`, name])) },
          ExpressionAttributeValues: { ':one': 1, ':writeToken': writeToken, ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])) },
        }),
      );
    } catch (error) {
      // Only this call's own applied write carries its token: the facts are there, the version bumped once.
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /**
   * Writes the resource's next state if nobody else changed it since `expectedVersion` was read.
   * Done before apply: the reservation is what makes cooldown and budget hold under concurrent incidents.
   */
  async reserveChange(resourceArn: string, expectedVersion: number | undefined, next: Omit<ResourceState, 'version'>): Promise<void> {
    const version = (expectedVersion ?? 0) + 1;
    const writeToken = randomUUID();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...this.resourceKey(resourceArn), ...next, version, [WRITE_TOKEN]: writeToken },
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === undefined ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
          // A refusal says whose write is there: one call instead of a PutItem and a GetItem.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          // Resource state carries baselines: it never expires.
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error)) {
        // Refused by this very write: an earlier attempt of it was applied and its answer lost (timed out, cut), and the
        // SDK's retry met the version it wrote. The reservation is made; it is nobody else's (review 20d R20-63, decision 348).
        if (writeTokenOfRefusal(error) === writeToken) return;
        throw new TransientError(`resource ${resourceArn} was changed by another incident at the same time`, { cause: error });
      }
      throw error;
    }
  }

  async appendAudit(entry: AuditEntry, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...auditKeyOf(entry.resourceArn, entry.at, entry.incidentKey),
          ...entry,
          expiresAt: expiresAtSeconds(now, this.options.retentionDays),
        },
      }),
    );
  }

  /** Most recent first. */
  async history(resourceArn: string, limit = 50): Promise<AuditEntry[]> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': `RESOURCE#${resourceArn}`, ':audit': 'AUDIT#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => {
      const { resourceArn: arn, at, incidentKey, decision } = parseAuditItem({ pk: String(item.pk), sk: String(item.sk) }, item);
      return { resourceArn: arn, at, incidentKey, decision };
    });
  }
}
