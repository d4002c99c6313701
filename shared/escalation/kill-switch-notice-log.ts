// Which state of the kill switch L1 was last told of (review 12 R12-3, review 13 R13-9): one item in the state table, so a
// change is told once per version of the switch, whoever hands escalate its event and however often.
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { TransientError } from '../errors';
import { MAX_EPOCH_SECONDS, MAX_KEY_CHARS, parseStateRecord, type StateKey } from '../state/state-records';

/*
 * KILL-SWITCH-NOTICE#<parameter name> / TOLD: the switch's state last told (`told`, from killSwitchToldKey), the send's
 * status (IN_PROGRESS under a lease, then SENT), who holds it, and what went out under it (channel -> message id). No TTL:
 * the item is the memory that makes a repeated event silent.
 */
export function noticeLogKey(parameterName: string): StateKey {
  return { pk: `KILL-SWITCH-NOTICE#${parameterName}`, sk: 'TOLD' };
}

const recordSchema = z.strictObject({
  pk: z.string(),
  sk: z.string(),
  told: z.string().check(z.minLength(1), z.maxLength(MAX_KEY_CHARS)),
  status: z.enum(['IN_PROGRESS', 'SENT']),
  owner: z.string().check(z.minLength(1), z.maxLength(64)),
  leaseExpiresAtSeconds: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_EPOCH_SECONDS)),
  delivered: z.record(z.string().check(z.maxLength(16)), z.string().check(z.maxLength(256))),
  claimedAt: z.iso.datetime({ offset: true }),
  sentAt: z.optional(z.iso.datetime({ offset: true })),
});
type NoticeRecord = z.infer<typeof recordSchema>;

export type NoticeClaim =
  | { claimed: true; owner: string; delivered: Record<string, string> }
  /** already-told: this state was told (sentAt); in-progress: another delivery holds it under a live lease. */
  | { claimed: false; reason: 'already-told' | 'in-progress'; sentAt?: string };

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export class KillSwitchNoticeLog {
  private readonly key: StateKey;

  /** The writes that record what the notice sent, or give its claim back (recordDelivered, complete, release). */
  private readonly recorder: Pick<DynamoDBDocumentClient, 'send'>;

  /**
   * `recorder`: the same table through a client those three writes use (escalate's may run later into the invocation
   * than its other calls: timer-deadline.ts); the claim's read and write go through `db`. Default: `db`.
   */
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly options: { tableName: string; parameterName: string; leaseSeconds: number },
    recorder?: Pick<DynamoDBDocumentClient, 'send'>,
  ) {
    this.key = noticeLogKey(options.parameterName);
    this.recorder = recorder ?? db;
  }

  /**
   * Claims the notice of `told`, or says why not. A state other than the one last told replaces it (the newer change is
   * what L1 needs); the same state is told once: SENT -> already told; held under a live lease -> in progress; held past
   * its lease (its holder died) -> taken over, carrying what it delivered. Every write is conditional on the item as read,
   * so of two concurrent deliveries one claims and the other is told to retry (TransientError), then finds it told.
   */
  async claim(told: string, now: Date): Promise<NoticeClaim> {
    const answer = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true }));
    // Read back before it is believed (decision 118): a forged item is refused naming its key and field.
    const record: NoticeRecord | undefined = answer.Item ? parseStateRecord(recordSchema, this.key, answer.Item) : undefined;
    if (record && record.told === told) {
      if (record.status === 'SENT') return { claimed: false, reason: 'already-told', ...(record.sentAt ? { sentAt: record.sentAt } : {}) };
      if (record.leaseExpiresAtSeconds >= epochSeconds(now)) return { claimed: false, reason: 'in-progress' };
    }
    const owner = randomUUID();
    const delivered = record && record.told === told ? record.delivered : {};
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...this.key, told, status: 'IN_PROGRESS', owner, leaseExpiresAtSeconds: epochSeconds(now) + this.options.leaseSeconds, delivered, claimedAt: now.toISOString() },
          ...(record
            ? { ConditionExpression: '#owner = :owner AND #told = :told AND #status = :status', ExpressionAttributeNames: { '#owner': 'owner', '#told': 'told', '#status': 'status' }, ExpressionAttributeValues: { ':owner': record.owner, ':told': record.told, ':status': record.status } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      throw new TransientError(`the kill switch notice of ${told} was claimed concurrently; the retry finds it told or takes it over`, { cause: error });
    }
    return { claimed: true, owner, delivered: { ...delivered } };
  }

  /** One channel went out under the claim: a retry after another channel failed does not send it again. */
  async recordDelivered(owner: string, channel: string, messageId: string): Promise<void> {
    await this.recorder.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.key,
        UpdateExpression: 'SET #delivered.#channel = :id',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#delivered': 'delivered', '#channel': channel, '#owner': 'owner' },
        ExpressionAttributeValues: { ':id': messageId, ':owner': owner },
      }),
    );
  }

  /** Every channel went out: the state is told. */
  async complete(owner: string, now: Date): Promise<void> {
    await this.recorder.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.key,
        UpdateExpression: 'SET #status = :sent, #sentAt = :now',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#status': 'status', '#sentAt': 'sentAt', '#owner': 'owner' },
        ExpressionAttributeValues: { ':sent': 'SENT', ':now': now.toISOString(), ':owner': owner },
      }),
    );
  }

  /** Gives the claim back after a failed send, so Lambda's retry of the event takes it over at once. */
  async release(owner: string): Promise<void> {
    try {
      await this.recorder.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'SET #lease = :zero',
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          ExpressionAttributeNames: { '#lease': 'leaseExpiresAtSeconds', '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':owner': owner, ':inProgress': 'IN_PROGRESS' },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}
