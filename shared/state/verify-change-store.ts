// verify-change's store: the incident store plus the verify sweep's list (decision 293), read and unlisted only here, so
// that only verify-change's bundle (and role) carries DeleteItem; the alarm handlers only list a check (recordVerifyDue).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SdkClientConfig } from '../aws/client-config';
import type { RuntimeConfig } from '../config/load-config';
import type { VerifyDue } from '../pipeline/plan-verify-sweep';
import { IncidentStore, VERIFY_DUE_PK, verifyDueKey, type IncidentStoreOptions } from './incident-store';
import { parseEach, parseVerifyDueItem, type RefusedEntry } from './state-records';

/** The verify sweep's list: the checks listed, and the entries refused (by key and fields, decision 299). */
export interface VerifyDueList {
  due: VerifyDue[];
  refused: RefusedEntry[];
}

export class VerifyChangeStore extends IncidentStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly settings: IncidentStoreOptions,
    recorder: DynamoDBDocumentClient = documents,
  ) {
    super(documents, settings, recorder);
  }

  /** verify-change answered the check (its claim completed, or the check refused): the sweep no longer lists it. */
  async releaseVerifyDue(playbook: string, incidentKey: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.settings.tableName, Key: verifyDueKey(playbook, incidentKey) }));
  }

  /**
   * Every health check listed and not answered yet (consistent reads, every page). Each entry is parsed on its own
   * (review 18c R18-13, decision 299, as 292 did for held resolutions): one not as the automation writes it is in
   * `refused` with its key and fields, and keeps none of the others from the sweep.
   */
  async verifyDue(): Promise<VerifyDueList> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.settings.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': VERIFY_DUE_PK },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const { parsed, refused } = parseEach(items, parseVerifyDueItem);
    return { due: parsed, refused };
  }
}

/** How a handler bounds a client's calls: `work` for most, `record` for the writes that end a claim (decision 346). */
export interface StoreBinding {
  work(client: DynamoDBDocumentClient): DynamoDBDocumentClient;
  record(client: DynamoDBDocumentClient): DynamoDBDocumentClient;
}

/**
 * verify-change's store as its handler builds it (the recording services' store is this one: one DynamoDB client),
 * its calls bound as `binding` says (unset: as they are).
 */
export function createVerifyChangeStore(runtime: RuntimeConfig, sdkConfig: SdkClientConfig, binding?: StoreBinding): VerifyChangeStore {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig), { marshallOptions: { removeUndefinedValues: true } });
  const settings = { tableName: runtime.config.stateTableName, leaseSeconds: runtime.config.claimLeaseSeconds, retentionDays: runtime.config.recordRetentionDays };
  return binding ? new VerifyChangeStore(binding.work(documents), settings, binding.record(documents)) : new VerifyChangeStore(documents, settings);
}
