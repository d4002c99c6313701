// NotificationService-CheckDbConnections rehearsed against the emulator: the document runs the real
// check-db-connections bundle, which records its diagnosis and publishes it on the project's bus.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { provisionAccount, type SandboxAccount } from '../integration/support/sandbox-account';
import { alarmOf, decisionOf, expectSucceeded, rehearseDocument } from './support/rehearse-cli';

const DOCUMENT = 'NotificationService-CheckDbConnections';

async function publishedDecisions(account: SandboxAccount): Promise<Array<Record<string, unknown>>> {
  const received = await account.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (received.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { detail: Record<string, unknown> }).detail);
}

describe(DOCUMENT, () => {
  let account: SandboxAccount;

  beforeAll(async () => {
    account = await provisionAccount('production');
  });

  it('runs the database diagnosis for the latency alarm and publishes it as a decision', async () => {
    await account.transition(alarmOf(account.topology, 'check-db-connections'), 'ALARM');

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { DBInstanceIdentifier: account.topology.database.identifier }, account.env);

    expectSucceeded({ status, result, stderr });
    const diagnosis = decisionOf(result, 'checkDbConnections');
    expect(diagnosis).toMatchObject({ playbook: 'check-db-connections', outcome: 'escalate', findings: expect.any(Array) });
    expect(result.outputs['describeDatabase.DBInstanceClass']).toBe(account.topology.database.instanceClass);
    expect(result.outputs['describeDatabase.ParameterGroupName']).toBe(account.topology.database.parameterGroupName);
    expect(await publishedDecisions(account)).toEqual([expect.objectContaining({ playbook: 'check-db-connections', incidentKey: diagnosis.incidentKey })]);
  });
});
