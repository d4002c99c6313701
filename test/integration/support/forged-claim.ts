// Decision 118's forged claim, shared by the tests that take it over (handlers/state-record-shape, reliability/request-timeout):
// a claim of an incident whose holder "died" (lease expired), with an intent no version of the pipeline writes (to
// "restore" MaximumConcurrency to 2, in a direction that does not exist).
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SandboxAccount } from './sandbox-account';

export interface ClaimKey {
  pk: string;
  sk: string;
}

/** Writes the forged claim under `claimKey` in the account's state table. */
export async function putForgedClaim(account: SandboxAccount, claimKey: ClaimKey): Promise<void> {
  await account.dynamo.send(
    new PutCommand({
      TableName: account.topology.stateTable.name,
      Item: {
        ...claimKey,
        status: 'IN_PROGRESS',
        owner: 'forged-owner',
        leaseExpiresAtSeconds: 1,
        claimedAt: new Date().toISOString(),
        intent: { direction: 'sideways', summary: 'restore', change: { mappings: [{ uuid: account.topology.consumer.mappingUuid, from: 100, to: 2 }] }, target: { resource: {} } },
      },
    }),
  );
}
