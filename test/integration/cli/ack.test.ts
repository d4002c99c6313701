// `runbook ack` as an on-call engineer runs it: a real process against the emulator's state table. The acknowledger
// recorded is the principal of the credentials used, as STS names it, whatever --by says (decision 174).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import type { Incident } from '../../../shared/escalation/incident';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { runCli } from '../../support/run-cli';
import { onCallSession, type OnCallSession } from '../support/on-call-session';

describe('runbook ack', () => {
  let account: SandboxAccount;
  const incidentId = 'inc-0a1b2c3d4e5f';
  let alice: OnCallSession;
  let bob: OnCallSession;

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
    alice = await onCallSession(account, 'alice');
    bob = await onCallSession(account, 'bob');
  });

  const storedIncident = async (): Promise<Record<string, unknown> | undefined> =>
    (await account.dynamo.send(new GetCommand({ TableName: account.topology.stateTable.name, Key: { pk: `ESCALATION#${incidentId}`, sk: 'INCIDENT' }, ConsistentRead: true }))).Item;

  it('sees a distinct assumed-role ARN for each on-call session (what the acknowledgements below are told apart by)', () => {
    expect(alice.arn).toBe(`arn:aws:sts::${account.accountId}:assumed-role/OnCall/alice`);
    expect(bob.arn).toBe(`arn:aws:sts::${account.accountId}:assumed-role/OnCall/bob`);
  });

  it('lists the open incident with its tier and next escalation, as a table and as JSON', async () => {
    const table = await runCli(['incidents'], account.env);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${incidentId}\\s+OPEN\\s+DevOps Team \\(L1\\)\\s+Cloud Infrastructure Team \\(L2\\) at \\S+\\s+-\\s+production\\s`));
    // Where it read (review 10a finding 11): each region keeps its own table, so the answer names table, account and region.
    expect(table.stdout).toContain(`open incidents (state table ${account.topology.stateTable.name}, account ${account.accountId}, us-east-1)\n`);
    const json = await runCli(['incidents', '--json'], account.env);
    const parsed = JSON.parse(json.stdout) as { source: unknown; incidents: Incident[] };
    expect(parsed.source).toEqual({ table: account.topology.stateTable.name, account: account.accountId, region: 'us-east-1' });
    expect(parsed.incidents).toEqual([expect.objectContaining({ incidentId, status: 'OPEN', level: 1, nextLevel: 2, reopens: 0 })]);
    const none = await runCli(['incidents', '-e', 'staging'], account.env);
    expect(none.stdout).toBe(`no open incidents (state table ${account.topology.stateTable.name}, account ${account.accountId}, us-east-1, environment staging)\n`);
  });

  it('lists what it can read beside a forged index entry and names the entry under REFUSED, exit 0 (decision 300)', async () => {
    const forged = { pk: 'ESCALATION-OPEN', sk: '2026-11-25T14:00:00.000+0000#x' };
    await account.dynamo.send(new PutCommand({ TableName: account.topology.stateTable.name, Item: { ...forged, incidentId: 'inc-../../x' } }));
    try {
      const table = await runCli(['incidents'], account.env);
      expect(table.status).toBe(0);
      expect(table.stdout).toMatch(new RegExp(`${incidentId}\\s+OPEN\\s`));
      expect(table.stdout).toContain(
        'REFUSED: 1 record of the open incidents is not as the automation writes it (forged, corrupted, or a newer release\'s); not listed, and the escalation sweep does not climb its ladder:\n  ESCALATION-OPEN / 2026-11-25T14:00:00.000+0000#x: incidentId: must be an incident id (inc- and 12 hex digits)\n',
      );
      const json = await runCli(['incidents', '--json'], account.env);
      expect(json.status).toBe(0);
      const parsed = JSON.parse(json.stdout) as { incidents: Incident[]; refused: unknown };
      expect(parsed.incidents.map((i) => i.incidentId)).toEqual([incidentId]);
      expect(parsed.refused).toEqual([{ record: forged, issues: ['incidentId: must be an incident id (inc- and 12 hex digits)'] }]);
    } finally {
      await account.dynamo.send(new DeleteCommand({ TableName: account.topology.stateTable.name, Key: forged }));
    }
  });

  it('records the caller\'s principal (STS) as the acknowledger, and --by only as a self-declared note, and exits 0', async () => {
    // Bob's credentials, claiming to be alice: the record says bob did it.
    const { status, stdout } = await runCli(['ack', incidentId, '--by', 'alice@example.com'], bob.env);
    expect(status).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^${incidentId} acknowledged by ${bob.arn.replace(/[/.]/g, '\\$&')} \\(role OnCall verified; its session name "bob" is chosen by whoever assumed the role\\) \\(self-declared: "alice@example\\.com"\\): escalation stopped\\. L2 \\(due .* UTC\\) will not be notified\\.`),
    );
    expect(await storedIncident()).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: bob.arn, acknowledgedNote: 'alice@example.com', acknowledgedVia: 'runbook ack' });
  });

  it('shows the verified acknowledger and the note, labelled, in runbook incidents', async () => {
    const table = await runCli(['incidents'], account.env);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(`${incidentId}  ACKNOWLEDGED by ${bob.arn} (role OnCall verified; its session name "bob" is chosen by whoever assumed the role) (self-declared: "alice@example.com")`);
  });

  it('takes a replay by the same principal as done (exit 0), and never overwrites the acknowledgement', async () => {
    const { status, stdout } = await runCli(['ack', incidentId, '--json'], bob.env);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'already-acknowledged', incidentId, caller: bob.arn, incident: { acknowledgedBy: bob.arn } });
    expect(await storedIncident()).toMatchObject({ acknowledgedBy: bob.arn, acknowledgedNote: 'alice@example.com' });
  });

  it('refuses an acknowledgement by another principal with exit 2, naming who owns it; the first one stands', async () => {
    const before = await storedIncident();
    const { status, stdout, stderr } = await runCli(['ack', incidentId, '--by', 'bob'], alice.env);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`already acknowledged by ${bob.arn} (role OnCall verified; its session name "bob" is chosen by whoever assumed the role) (self-declared: "alice@example.com")`);
    expect(stderr).toContain(`not by you (${alice.arn}): your acknowledgement was not recorded`);
    expect(await storedIncident()).toEqual(before);
  });

  it('refuses a note that is not one line of plain text (exit 64), before asking anyone', async () => {
    const { status, stderr } = await runCli(['ack', incidentId, '--by', '<!channel> alice'], alice.env);
    expect(status).toBe(64);
    expect(stderr).toContain('--by is a display note');
  });

  it('acknowledges nothing when STS cannot say who the caller is (exit 1)', async () => {
    const { status, stderr } = await runCli(['ack', incidentId], { ...alice.env, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/cannot tell who you are \(STS GetCallerIdentity: .*\): nothing acknowledged/);
  });

  it('exits 2 for an incident that does not exist, and 64 for something that is not an incident id', async () => {
    const missing = await runCli(['ack', 'inc-ffffffffffff'], account.env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no incident inc-ffffffffffff');
    // Where it looked (review 11a, 12): a DR incident's id pasted in the primary region's shell is not "gone".
    expect(missing.stderr).toContain(`(state table ${account.topology.stateTable.name}, account ${account.accountId}, us-east-1); an incident of another region is in that region's table: --region`);
    const wrong = await runCli(['ack', 'INC-42'], account.env);
    expect(wrong.status).toBe(64);
    expect(wrong.stderr).toContain('is not an incident id');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a resolved incident: nothing to acknowledge, nothing recorded', async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient(account.clientConfig), { marshallOptions: { removeUndefinedValues: true } });
    await new EscalationStore(db, { tableName: account.topology.stateTable.name, retentionDays: 90, leaseSeconds: 300 }).resolve(incidentId, 'alarm OK', new Date());
    const before = await storedIncident();
    const { status, stderr } = await runCli(['ack', incidentId], alice.env);
    expect(status).toBe(2);
    expect(stderr).toContain(`${incidentId} is resolved (alarm OK, `);
    expect(stderr).toContain('nothing to acknowledge, nothing recorded');
    expect(await storedIncident()).toEqual(before);
  });
});
