// verify-change's store: the incident store plus the verify sweep's list (decision 293), read and unlisted only here, so
// that only verify-change's bundle (and role) carries DeleteItem; the alarm handlers only list a check (recordVerifyDue).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SdkClientConfig } from '../aws/client-config';
import type { RuntimeConfig } from '../config/load-config';
import type { VerifyDue } from '../pipeline/plan-verify-sweep';
import { IncidentStore, VERIFY_DUE_PK, verifyDueKey, type IncidentStoreOptions } from './incident-store';
import { parseVerifyDueItem } from './state-records';

export class VerifyChangeStore extends IncidentStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly settings: IncidentStoreOptions,
  ) {
    super(documents, settings);
  }

  /** verify-change answered the check (its claim completed, or the check refused): the sweep no longer lists it. */
  async releaseVerifyDue(playbook: string, incidentKey: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.settings.tableName, Key: verifyDueKey(playbook, incidentKey) }));
  }

  /** Every health check listed and not answered yet (consistent reads, every page); an entry not as written throws. */
  async verifyDue(): Promise<VerifyDue[]> {
    const listed: VerifyDue[] = [];
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
      for (const item of page.Items ?? []) listed.push(parseVerifyDueItem({ pk: String(item.pk), sk: String(item.sk) }, item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return listed;
  }
}

/** verify-change's store as its handler builds it (the recording services' store is this one: one DynamoDB client). */
export function createVerifyChangeStore(runtime: RuntimeConfig, sdkConfig: SdkClientConfig): VerifyChangeStore {
  return new VerifyChangeStore(DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig), { marshallOptions: { removeUndefinedValues: true } }), {
    tableName: runtime.config.stateTableName,
    leaseSeconds: runtime.config.claimLeaseSeconds,
    retentionDays: runtime.config.recordRetentionDays,
  });
}
