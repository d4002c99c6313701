// `runbook ack` as an on-call engineer runs it: a real process against the emulator's state table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import type { Incident } from '../../../shared/escalation/incident';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { runCli } from '../../support/run-cli';

describe('runbook ack', () => {
  let account: SandboxAccount;
  const incidentId = 'inc-0a1b2c3d4e5f';

  beforeAll(async () => {
    account = await provisionAccount('production');
    const alarmName = queueAlarmName(account.topology);
    const alarmArn = `arn:aws:cloudwatch:us-east-1:${account.accountId}:alarm:${alarmName}`;
    const now = new Date();
    const incident: Incident = {
      incidentId,
      incidentKey: `${alarmArn}#2026-11-25T14:00:03.120+0000`,
      alarmArn,
      alarmName,
      alarmTime: '2026-11-25T14:00:03.120+0000',
      account: account.accountId,
      region: 'us-east-1',
      environment: 'production',
      status: 'OPEN',
      cause: 'cap-reached',
      reason: 'consumers at the cap',
      updates: [],
      createdAt: now.toISOString(),
      level: 1,
      nextLevel: 2,
      nextEscalationAt: new Date(now.getTime() + 15 * 60_000).toISOString(),
    };
    const db = DynamoDBDocumentClient.from(new DynamoDBClient(account.clientConfig), { marshallOptions: { removeUndefinedValues: true } });
    await new EscalationStore(db, { tableName: account.topology.stateTable.name, retentionDays: 90, leaseSeconds: 300 }).create(incident, now);
  });

  it('lists the open incident with its tier and next escalation, as a table and as JSON', async () => {
    const table = await runCli(['incidents'], account.env);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${incidentId}\\s+OPEN\\s+DevOps Team \\(L1\\)\\s+Cloud Infrastructure Team \\(L2\\) at `));
    // Where it read (review 10a finding 11): each region keeps its own table, so the answer names table, account and region.
    expect(table.stdout).toContain(`open incidents (state table ${account.topology.stateTable.name}, account ${account.accountId}, us-east-1)\n`);
    const json = await runCli(['incidents', '--json'], account.env);
    const parsed = JSON.parse(json.stdout) as { source: unknown; incidents: Incident[] };
    expect(parsed.source).toEqual({ table: account.topology.stateTable.name, account: account.accountId, region: 'us-east-1' });
    expect(parsed.incidents).toEqual([expect.objectContaining({ incidentId, status: 'OPEN', level: 1, nextLevel: 2 })]);
    const none = await runCli(['incidents', '-e', 'staging'], account.env);
    expect(none.stdout).toBe(`no open incidents (state table ${account.topology.stateTable.name}, account ${account.accountId}, us-east-1, environment staging)\n`);
  });

  it('acknowledges an open incident, says what it stopped, and exits 0', async () => {
    const { status, stdout } = await runCli(['ack', incidentId, '--by', 'alice@example.com'], account.env);
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${incidentId} acknowledged by alice@example.com: escalation stopped\\. L2 \\(due .* UTC\\) will not be notified\\.`));
    const item = await account.dynamo.send(
      new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' } }),
    );
    expect(item.Item).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'alice@example.com', acknowledgedVia: 'runbook ack' });
  });

  it('says who already owns it when acknowledged twice, still exiting 0, with --json for scripts', async () => {
    const { status, stdout } = await runCli(['ack', incidentId, '--by', 'bob', '--json'], account.env);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'already-acknowledged', incidentId, incident: { acknowledgedBy: 'alice@example.com' } });
  });

  it('exits 2 for an incident that does not exist, and 64 for something that is not an incident id', async () => {
    const missing = await runCli(['ack', 'inc-ffffffffffff'], account.env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no incident inc-ffffffffffff');
    const wrong = await runCli(['ack', 'INC-42'], account.env);
    expect(wrong.status).toBe(64);
    expect(wrong.stderr).toContain('is not an incident id');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });
});
