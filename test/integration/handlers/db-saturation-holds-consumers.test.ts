// The cross-playbook constraint end to end: check-db-connections reads the database saturated, so scale-consumers
// does not scale up (more consumers, more connections) and says why; once the reading lifts, it scales again.
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { dbReading, latencyAlarm, publishRdsMetrics } from '../support/rds-figures';
import { provisionAccount, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { loadHandler } from '../../support/load-handler';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

async function queueAlarm(account: SandboxAccount, scaleConsumers: AlarmHandler): ReturnType<AlarmHandler> {
  await account.transition(queueAlarmName(account.topology), 'OK');
  await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
  return scaleConsumers(await account.transition(queueAlarmName(account.topology), 'ALARM'));
}

describe('scale-consumers while the database is saturated', () => {
  let account: SandboxAccount;
  let checkDb: AlarmHandler;
  let scaleConsumers: AlarmHandler;

  beforeAll(async () => {
    account = await provisionAccount('production');
    checkDb = loadHandler('check-db-connections');
    scaleConsumers = loadHandler('scale-consumers');
  });

  it('does not scale up after check-db-connections read 3000 of ≈3505 connections, and reports why', async () => {
    await publishRdsMetrics(account, { connections: 3000 });
    const diagnosis = await checkDb(await account.transition(latencyAlarm(account), 'ALARM'));
    expect(diagnosis).toMatchObject({ outcome: 'escalate', reason: expect.stringContaining('connection saturation') });

    const decision = await queueAlarm(account, scaleConsumers);
    expect(decision).toMatchObject({
      outcome: 'escalate',
      playbook: 'scale-consumers',
      escalation: { cause: 'cross-playbook' },
      reason: expect.stringContaining(
        'not scaling consumers of notification-service-queue: database notification-service-db is saturated (3000 connections of max_connections ≈3505 (85.6%), at or above 80%',
      ),
    });
    expect(decision.reason).toContain('more consumers would open more connections');
    expect(decision.findings).toEqual([expect.stringMatching(/^scale-consumers holds back until \d{4}-\d{2}-\d{2}T.*, or until check-db-connections reads notification-service-db below 80%$/)]);
    expect(await maximumConcurrency(account)).toBe(50);
  });

  it('scales as usual once the saturation reading has run out', async () => {
    // The hold ends at saturatedUntil; moving it into the past stands in for the 15 minutes passing.
    const arn = `arn:aws:rds:${account.clientConfig.region}:${account.accountId}:db:notification-service-db`;
    await account.dynamo.send(
      new UpdateCommand({
        TableName: account.topology.stateTable.name,
        Key: { pk: `RESOURCE#${arn}`, sk: 'STATE' },
        UpdateExpression: 'SET learned.dbConnections.saturatedUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    expect(await dbReading(account)).toMatchObject({ saturated: true });
    const decision = await queueAlarm(account, scaleConsumers);
    expect(decision).toMatchObject({ outcome: 'applied', playbook: 'scale-consumers' });
    expect(await maximumConcurrency(account)).toBe(100);
  });
});

describe('scale-consumers after a healthy reading', () => {
  it('scales when check-db-connections last read the database below 80%', async () => {
    const account = await provisionAccount('production');
    await publishRdsMetrics(account, { connections: 900 });
    await loadHandler('check-db-connections')(await account.transition(latencyAlarm(account), 'ALARM'));
    expect(await dbReading(account)).toMatchObject({ saturated: false, connections: 900 });
    const decision = await queueAlarm(account, loadHandler('scale-consumers'));
    expect(decision).toMatchObject({ outcome: 'applied' });
    expect(await maximumConcurrency(account)).toBe(100);
  });
});
