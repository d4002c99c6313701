// Rehearsal tests of the escalation documents: an open incident, the way production gets one. The queue alarm fires
// with the consumers at their cap, scale-consumers escalates, and the escalate handler opens the incident and
// notifies L1 (both handlers loaded fresh from source in this process, as the escalation's own tests do).
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EscalationHandler } from '../../../shared/escalation/create-escalation-handlers';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../../integration/support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

export interface OpenIncident {
  account: SandboxAccount;
  inbox: EscalationInbox;
  incidentId: string;
  /** The incident's item in the state table, read consistently. */
  item(): Promise<Record<string, unknown> | undefined>;
}

export async function openIncident(): Promise<OpenIncident> {
  const account = await provisionAccount('production');
  const inbox = await createEscalationInbox(account.clientConfig, account.topology);
  // At the production cap (400), scale-consumers cannot act: it escalates (cause cap-reached).
  await account.lambda.send(new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 400 } }));
  const scaleConsumers = loadHandler<AlarmHandler>('scale-consumers');
  const escalate = loadHandler<EscalationHandler>('escalate');
  await scaleConsumers(await account.transition(queueAlarmName(account.topology), 'ALARM'));

  const queueUrl = account.topology.decisionRoute.url;
  const received = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  const [message] = received.Messages ?? [];
  if (!message) throw new Error('scale-consumers published no decision');
  await account.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  const opened = await escalate(JSON.parse(message.Body ?? '{}'));
  if (opened.action !== 'opened' || !opened.incidentId) throw new Error(`the escalate handler did not open an incident: ${JSON.stringify(opened)}`);
  await inbox.read(); // L1's "opened" messages: the tests look at what comes after.

  const incidentId = opened.incidentId;
  return {
    account,
    inbox,
    incidentId,
    async item() {
      const result = await account.dynamo.send(
        new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }),
      );
      return result.Item;
    },
  };
}
