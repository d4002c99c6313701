// AccessDenied on each call that mutates the resource: the delivery escalates naming the missing permission, is not
// retried, and leaves no half-made change (the resource as it was, no change spent in the automation's memory).
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { clearProxyFaults, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import { faultsFired } from '../../support/fault-evidence';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { publishedDecisions } from './support/emulator-records';
import { declareCell, recordCell } from './support/guarantee-table';
import { deliverAsynchronously } from './support/lambda-delivery';
import { entryPoint, playbookCases, type ApiRef, type Rule } from './support/playbook-cases';

// Each test provisions a whole topology in the emulator; on 2 shared cores that alone can take most of a minute.
jest.setTimeout(180_000);

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';

/** A denial as the service writes it: Lambda and most JSON services name the action and the role; RDS's query API too. */
function accessDenied(api: ApiRef, account: SandboxAccount, handler: string): Rule {
  const role = `arn:aws:sts::${account.accountId}:assumed-role/notification-runbooks-${handler}/notification-runbooks-${handler}`;
  const message = `User: ${role} is not authorized to perform: ${api.iamAction} on resource because no identity-based policy allows the ${api.iamAction} action`;
  if (api.service === 'rds') return { service: api.service, operation: api.operation, times: 100, status: 403, code: 'AccessDenied', message };
  return { service: api.service, operation: api.operation, times: 100, status: 403, code: 'AccessDeniedException', message };
}

/** What the automation remembers of each resource it changed: baseline and change times (the cooldown and budget spent). */
async function changesRemembered(account: SandboxAccount): Promise<Record<string, unknown>> {
  const result = await account.dynamo.send(new ScanCommand({ TableName: account.topology.stateTable.name, ConsistentRead: true }));
  // A state item with no baseline and no change time (the reservation given back) remembers no change.
  const states = (result.Items ?? []).filter((item) => item.sk === 'STATE' && (item.baseline !== undefined || (item.changeTimesSeconds ?? []).length > 0));
  return Object.fromEntries(states.map((s) => [String(s.pk), { baseline: s.baseline as unknown, changeTimesSeconds: (s.changeTimesSeconds ?? []) as unknown }]));
}

const part = (api: ApiRef): string => `${api.iamAction} denied`;

for (const playbook of playbookCases) declareCell(playbook.row, 'access-denied', playbook.mutatingCalls.map((m) => part(m.api)));

const rows = playbookCases.flatMap((playbook) => playbook.mutatingCalls.map((call) => [`${playbook.row}: ${call.api.iamAction}`, playbook, call] as const));

describe('each mutating call denied', () => {
  it.each(rows)('escalates naming the missing permission and leaves no half-made change: %s', async (_title, playbook, call) => {
    const account = await provisionAccount(playbook.environment, { RUNBOOK_CONFIG_JSON: playbook.configJson ? JSON.stringify(playbook.configJson) : '' });
    await call.prepare?.(account);
    const event = await playbook.arrange(account);
    await publishedDecisions(account);
    const handler = entryPoint(playbook);
    const before = await playbook.snapshot(account);
    const remembered = await changesRemembered(account);
    const rule = accessDenied(call.api, account, playbook.handler);
    await setProxyFaults(control(), [rule], { accountId: account.accountId });
    let result;
    let reported;
    try {
      result = await deliverAsynchronously(handler, event);
      reported = await getProxyFaults(control(), { accountId: account.accountId });
    } finally {
      await clearProxyFaults(control(), { accountId: account.accountId });
    }
    const [fired] = faultsFired([rule], reported);
    const decision = result.decision;
    const after = await playbook.snapshot(account);
    console.log(`access denied: ${playbook.row}: ${call.api.iamAction} (fired ${fired?.fired}x) -> ${decision?.outcome}: ${decision?.reason}; errors: ${result.errors.map((e) => `${e.name}: ${e.message}`).join(' | ')}`);

    // A permanent failure is decided once (no retry) and escalated with what is missing.
    expect(result.attempts).toBe(1);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
    expect(decision?.reason).toContain(`missing permission: ${call.api.iamAction}`);
    expect((await publishedDecisions(account)).map((d) => d.outcome)).toEqual(['escalate']);
    // No half-made change: the resource as it was (an earlier step that went through was undone), and no change spent
    // in the automation's memory (baseline and change times as before: the next delivery is not held by a cooldown).
    expect(after).toEqual(before);
    expect(await changesRemembered(account)).toEqual(remembered);
    recordCell(playbook.row, 'access-denied', part(call.api), `${call.api.iamAction} denied ${fired?.fired}x: escalated naming it, 1 delivery, resource and memory unchanged`);
  });
});
