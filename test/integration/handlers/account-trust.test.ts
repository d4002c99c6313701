// The workload account: an alarm event from another account, and a state-table record naming another account, are
// refused through the real entry points against the emulator, with no call into AWS but the state-table read.
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { VerifyChangeHandler } from '../../../shared/pipeline/create-verify-change-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { loadHandler } from '../../support/load-handler';
import { callMark, callsSince } from '../support/proxy-calls';
import { provisionAccount, putLambdaMetrics, putQueueDepth, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

const OTHER = '999999999999';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  return (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
}

/** The same text with every occurrence of the account id replaced: a record or event that names another account throughout. */
function inAccount<T>(value: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(value).split(from).join(to)) as T;
}

describe('the workload account (production, one account: RUNBOOK_ACCOUNT_ID as infra sets it)', () => {
  let account: SandboxAccount;
  let scale: AlarmHandler;
  let verify: VerifyChangeHandler;
  let applied: Decision;

  beforeAll(async () => {
    account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: '' });
    scale = loadHandler('scale-consumers');
    verify = loadHandler<VerifyChangeHandler>('verify-change');
  }, 120_000);

  it('rejects an alarm event from another account with no AWS call at all, then acts on the same event from its own', async () => {
    await putLambdaMetrics(account, { Invocations: 500, Errors: 2, Throttles: 0 });
    await putQueueDepth(account); // the condition the alarm watches, made real (decision 217)
    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    // The same alarm state change, as another account's: its account and the alarm ARN in resources agree with each other.
    const forged = inAccount(event, account.accountId, OTHER);
    expect((forged as { account: string }).account).toBe(OTHER);
    const since = await callMark();

    const rejected = await scale(forged);

    expect(rejected).toMatchObject({ outcome: 'rejected', playbook: 'scale-consumers', findings: [`account: ${OTHER}`] });
    expect(rejected.reason).toBe(
      `alarm event for "${queueAlarmName(account.topology)}" names account ${OTHER}, not this deployment's workload account ${account.accountId} (RUNBOOK_ACCOUNT_ID): refused, nothing read or changed there`,
    );
    expect(await callsSince(since, [account.accountId, OTHER])).toEqual([]);
    expect(await maximumConcurrency(account)).toBe(50);

    // The check is what refused it: the genuine event, otherwise the same, scales the consumers.
    applied = await scale(event);
    expect(applied).toMatchObject({ outcome: 'applied', account: account.accountId });
    expect(await maximumConcurrency(account)).toBe(100);
  });

  it('refuses a health check whose recorded change names another account: only the state-table read, nothing changed', async () => {
    expect(applied).toMatchObject({ outcome: 'applied' });
    const key = { pk: `INCIDENT#${applied.incidentKey}`, sk: 'CLAIM#scale-consumers' };
    const table = account.topology.stateTable.name;
    const claim = (await account.dynamo.send(new GetCommand({ TableName: table, Key: key }))).Item ?? {};
    expect(claim).toMatchObject({ status: 'COMPLETED', outcome: 'applied', intent: { alarm: { account: account.accountId }, healthCheck: expect.any(Object) } });
    // Tampered as someone with write access to the table would: the alarm and the target, consistently, in another account.
    await account.dynamo.send(new PutCommand({ TableName: table, Item: { ...claim, intent: inAccount(claim.intent as object, account.accountId, OTHER) } }));
    // The consumer got worse after the change: without the account check verify-change judges it on the record's word
    // (reads the metrics and the consumers with its own clients; seen when the check is removed: a `skipped` verdict).
    await putLambdaMetrics(account, { Invocations: 300, Errors: 100, Throttles: 40 });
    const since = await callMark();

    const verdict = await verify({ action: 'verify-change', playbook: 'scale-consumers', incidentKey: applied.incidentKey });

    expect(verdict).toMatchObject({ outcome: 'rejected', playbook: 'verify-change', findings: [`alarm.account: ${OTHER}`] });
    expect(verdict.reason).toBe(
      `verify-change: the recorded change by scale-consumers on incident ${applied.incidentKey} names account ${OTHER}, not this deployment's workload account ${account.accountId} (RUNBOOK_ACCOUNT_ID): refused, nothing read or changed there`,
    );
    expect(await callsSince(since, [account.accountId, OTHER])).toEqual(['dynamodb:GetItem']);
    expect(await maximumConcurrency(account)).toBe(100);
  });
});
