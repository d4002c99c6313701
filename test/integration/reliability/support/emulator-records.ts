// What the pipeline left in the emulator: audit entries in the state table and decision events on the project's bus.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Decision } from '../../../../shared/pipeline/types';
import type { SandboxAccount } from '../../support/sandbox-account';

export async function auditEntries(account: SandboxAccount, resourceArn: string): Promise<Array<{ decision: Decision }>> {
  const result = await account.dynamo.send(
    new QueryCommand({
      TableName: account.topology.stateTable.name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': `RESOURCE#${resourceArn}`, ':audit': 'AUDIT#' },
    }),
  );
  return (result.Items ?? []) as Array<{ decision: Decision }>;
}

/** The automation's memory of the resource (baseline, last changes), or undefined when it has none. */
export async function resourceState(account: SandboxAccount, resourceArn: string): Promise<Record<string, unknown> | undefined> {
  const result = await account.dynamo.send(
    new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `RESOURCE#${resourceArn}`, sk: 'STATE' }, ConsistentRead: true }),
  );
  return result.Item;
}

/** Drains the decision events the bus delivered to the sandbox's collecting queue. */
export async function publishedDecisions(account: SandboxAccount): Promise<Decision[]> {
  const decisions: Decision[] = [];
  for (;;) {
    const received = await account.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return decisions;
    for (const message of messages) decisions.push((JSON.parse(message.Body ?? '{}') as { detail: Decision }).detail);
  }
}
