// Decisions 343 and 358 on the emulator: scale-up-database's ModifyDBInstance has an attempt with no answer, the SDK's
// retry is refused by RDS as the instance is `modifying` (InvalidDBInstanceState, 400), and the instance is read back.
// RDS shows a class change applied at once as pending for the minutes it takes: DBInstanceClass the class it runs,
// PendingModifiedValues.DBInstanceClass the one asked for. moto makes the change at once and shows nothing pending, so
// the gap proxy's rdsPending rule plays that part (sandbox/rds-pending-class.ts). The class pending is the one planned:
// the earlier attempt's change, recorded applied. Another class pending (a person's change, begun while our first
// attempt was lost on its way): not ours, never recorded as ours (decision 358).
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, releaseProxyHolds, setProxyFaults, type ActiveFault } from '../../../sandbox/proxy-control';
import type { AwsOperation, FaultRule } from '../../../sandbox/gap-proxy';
import { ManualClock } from '../../support/manual-clock';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions, resourceState } from './support/emulator-records';
import { deliverAsynchronously } from './support/lambda-delivery';
import { ladderSteps, playbookCases, scheduledHealthChecks } from './support/playbook-cases';

// Provisioning a topology and an attempt timed out, on a loaded machine.
jest.setTimeout(240_000);

const control = (): string => {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
};

/**
 * The SDK's request timeout for these accounts (sdkTimeouts in RUNBOOK_CONFIG_JSON, as request-timeout.test.ts sets it):
 * the first attempt's answer is kept past it. Long enough that, in the person's case, the test's few calls between the
 * retry's arrival at the proxy and its release come well within the retry's own timeout.
 */
const REQUEST_TIMEOUT_MS = 5000;
/** A class off the staging ladder (db.r6g.large -> db.r6g.xlarge), as a person would set by hand. */
const PERSONS_CLASS = 'db.m6g.large';

const database = playbookCases.find((c) => c.row === 'scale-up-database');
if (!database) throw new Error('no scale-up-database playbook case');

async function arrange() {
  const playbook = database as NonNullable<typeof database>;
  const account = await provisionAccount(playbook.environment, {
    RUNBOOK_CONFIG_JSON: JSON.stringify({ ...playbook.configJson, sdkTimeouts: { requestTimeoutMs: REQUEST_TIMEOUT_MS } }),
  });
  const runtime = loadRuntimeConfig(process.env);
  const event = await playbook.arrange(account);
  await publishedDecisions(account);
  // The real pipeline and SDK, on a clock verify's polls advance (it watches a change still pending for 4 x 15 s).
  const clock = new ManualClock();
  const handler = playbook.create({ clock });
  const id = account.topology.database.identifier;
  const fromClass = account.topology.database.instanceClass;
  const toClass = ladderSteps(fromClass, runtime)[1] ?? '';
  return { playbook, account, event, clock, handler, id, fromClass, toClass, scope: { accountId: account.accountId } };
}

/** Where the proxy's call log stands now. */
async function callMark(): Promise<number> {
  return await getProxyCallCount(control());
}

/** The account's ModifyDBInstance calls among `calls`, by the class each asked for. */
function modifyCalls(calls: readonly AwsOperation[], accountId: string, toClass: string): AwsOperation[] {
  return calls.filter((c) => c.accountId === accountId && c.service === 'rds' && c.operation === 'ModifyDBInstance' && c.parameters?.DBInstanceClass === toClass);
}

/** The instance as moto holds it, read past the proxy's rules (they are removed by then). */
async function emulatorInstance(account: SandboxAccount, id: string): Promise<{ instanceClass?: string; status?: string; pending?: string }> {
  const rds = new RDSClient(account.clientConfig);
  try {
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    return { instanceClass: instance?.DBInstanceClass, status: instance?.DBInstanceStatus, pending: instance?.PendingModifiedValues?.DBInstanceClass };
  } finally {
    rds.destroy();
  }
}

/**
 * Sets `rules` in the account `scope`, runs `deliver`, then reads the faults as they stand and the account's calls since
 * `since` while the rules are still in force, and removes the rules, whether the delivery returned or threw.
 */
async function underRules<T>(scope: { accountId: string }, rules: FaultRule[], since: number, deliver: () => Promise<T>): Promise<{ result: T; fired: ActiveFault[]; whileInForce: AwsOperation[] }> {
  await setProxyFaults(control(), rules, scope);
  try {
    const result = await deliver();
    const fired = await getProxyFaults(control(), scope);
    const whileInForce = (await getProxyCalls(control(), since)).filter((c) => c.accountId === scope.accountId);
    return { result, fired, whileInForce };
  } finally {
    await clearProxyFaults(control(), scope);
  }
}

const firedOf = (faults: readonly ActiveFault[]) =>
  faults.map((f) => ({ fired: f.times - f.remaining, ...(f.refused === undefined ? {} : { refused: f.refused }), ...(f.pendingShown === undefined ? {} : { pendingShown: f.pendingShown }) }));

describe('scale-up-database when its ModifyDBInstance is applied, its answer lost, and RDS shows the class pending', () => {
  it("reads the planned class pending after the retry's refusal and records the change applied: one ModifyDBInstance reached the emulator, reservation kept, health check scheduled", async () => {
    const { playbook, account, event, clock, handler, id, fromClass, toClass, scope } = await arrange();
    const since = await callMark();
    // The account's first ModifyDBInstance reaches the emulator (the class changes there), its answer kept past the
    // request timeout (then dropped); the instance is then `modifying` with the class pending, and the SDK's retry is refused.
    const rule: FaultRule = { service: 'rds', operation: 'ModifyDBInstance', times: 1, answerLost: true, latencyMs: 2 * REQUEST_TIMEOUT_MS, rdsModifying: true, rdsPending: true };
    const { result, fired, whileInForce } = await underRules(scope, [rule], since, () => deliverAsynchronously(handler, event, { clock }));
    const ours = modifyCalls(whileInForce, account.accountId, toClass);
    const firstModify = whileInForce.findIndex((c) => c.operation === 'ModifyDBInstance');
    const readsAfter = whileInForce.slice(firstModify + 1).filter((c) => c.service === 'rds' && c.operation === 'DescribeDBInstances').length;
    const arn = result.decision?.resource?.arn ?? '';
    const checks = await scheduledHealthChecks(account);
    const published = await publishedDecisions(account);
    const emulator = await emulatorInstance(account, id);
    console.log(
      `rds-pending-class: ours pending: fired ${JSON.stringify(firedOf(fired))}; ${ours.length} ModifyDBInstance to ${toClass} (${readsAfter} reads after the first); ` +
        `${result.decision?.outcome ?? 'not completed'} on delivery ${result.attempts} (${result.decision?.reason ?? ''}); after ${JSON.stringify(result.decision?.after)}; ` +
        `errors ${result.errors.map((e) => `${e.name}: ${e.message}`).join() || 'none'}; emulator ${JSON.stringify(emulator)}; health checks ${checks.length}`,
    );

    // The fault fired: the first attempt applied with its answer lost, the retry refused once; every read of the instance
    // after the change (apply's read-back, verify's polls) showed the class pending.
    expect(firedOf(fired)).toEqual([{ fired: 1, refused: 1, pendingShown: readsAfter }]);
    expect(readsAfter).toBeGreaterThanOrEqual(1);
    // Two calls of ours (the applied attempt and its refused retry): exactly one reached the emulator, one class step.
    expect(ours).toHaveLength(2);
    expect(ours.length - (fired[0]?.refused ?? 0)).toBe(1);
    expect(emulator).toEqual({ instanceClass: toClass, status: 'available', pending: undefined });
    // Recorded applied on delivery 1 from the pending class: the instance ran the old class, the planned one pending.
    expect({ outcome: result.decision?.outcome, attempts: result.attempts, errors: result.errors.length }).toEqual({ outcome: 'applied', attempts: 1, errors: 0 });
    expect(result.decision?.before).toMatchObject({ instanceClass: fromClass });
    expect(result.decision?.after).toMatchObject({ instanceClass: fromClass, status: 'modifying', pendingInstanceClass: toClass });
    expect(result.decision?.healthCheck).toMatchObject({ schedule: expect.any(String) });
    expect(checks).toHaveLength(1);
    expect(await resourceState(account, arn)).toMatchObject({ lastIncidentKey: result.decision?.incidentKey, changeTimesSeconds: [expect.any(Number)] });
    expect(await auditEntries(account, arn)).toHaveLength(playbook.auditEntries);
    expect(published.map((d) => d.outcome)).toEqual(['applied']);
  });

  it("reads another class pending (a person's change begun while its first attempt was lost) and does not record it as its own: escalated, nothing of it reached the emulator", async () => {
    const { account, event, clock, handler, id, fromClass, toClass, scope } = await arrange();
    const since = await callMark();
    const rules: FaultRule[] = [
      // Our first attempt is lost on its way: never reaching the emulator, answered (503) only long after the SDK gave up on it.
      { service: 'rds', operation: 'ModifyDBInstance', times: 1, latencyMs: 2 * REQUEST_TIMEOUT_MS, status: 503, code: 'ServiceUnavailable' },
      // The SDK's retry is held at the proxy until the person's change is under way.
      { service: 'rds', operation: 'ModifyDBInstance', times: 1, hold: true },
      // The person's ModifyDBInstance: made at the emulator, the instance `modifying` with the person's class pending.
      { service: 'rds', operation: 'ModifyDBInstance', times: 1, rdsModifying: true, rdsPending: true },
    ];
    const { result, fired, whileInForce } = await underRules(scope, rules, since, async () => {
      const delivering = deliverAsynchronously(handler, event, { clock });
      let held = 0;
      for (let polls = 0; polls < 3_000 && held === 0; polls += 1) {
        held = (await getProxyFaults(control(), scope))[1]?.held ?? 0;
        if (held === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(held).toBe(1);
      const person = new RDSClient(account.clientConfig);
      try {
        await person.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: PERSONS_CLASS, ApplyImmediately: true }));
      } finally {
        person.destroy();
      }
      expect(await releaseProxyHolds(control(), scope)).toBe(1);
      return delivering;
    });
    const ours = modifyCalls(whileInForce, account.accountId, toClass);
    const persons = modifyCalls(whileInForce, account.accountId, PERSONS_CLASS);
    const checks = await scheduledHealthChecks(account);
    const published = await publishedDecisions(account);
    const emulator = await emulatorInstance(account, id);
    const arn = result.decision?.resource?.arn ?? '';
    console.log(
      `rds-pending-class: person's class pending: fired ${JSON.stringify(firedOf(fired))}; ${ours.length} ModifyDBInstance to ${toClass}, ${persons.length} to ${PERSONS_CLASS}; ` +
        `${result.decision?.outcome ?? 'not completed'} on delivery ${result.attempts} (${result.decision?.reason ?? ''}); emulator ${JSON.stringify(emulator)}; health checks ${checks.length}`,
    );

    // The faults fired: our first attempt lost, our retry held then refused (the instance was modifying by then), the
    // person's change shown pending to apply's read-back. Two attempts of ours, one refusal; should the test's three
    // calls between the hold and the release outlast the retry's own 5 s timeout on a loaded machine, the SDK's next
    // attempt is refused too: every attempt after the lost one is refused, none reaches the emulator.
    expect(firedOf(fired)).toEqual([{ fired: 1 }, { fired: 1 }, { fired: 1, refused: ours.length - 1, pendingShown: 1 }]);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    // The person's one call reached the emulator; ours: the lost attempt never did, the others were refused.
    expect(persons).toHaveLength(1);
    expect(emulator).toEqual({ instanceClass: PERSONS_CLASS, status: 'available', pending: undefined });
    // Not taken as ours: escalated on delivery 1 as remediation failed, saying what the instance reads; nothing scheduled.
    expect(result.decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
    expect(result.attempts).toBe(1);
    expect(result.decision?.reason).toContain(
      `the instance reads ${fromClass} (modifying) with ${PERSONS_CLASS} pending, so no attempt of this change was taken: another modification is under way`,
    );
    expect(checks).toHaveLength(0);
    expect((await resourceState(account, arn))?.changeTimesSeconds ?? []).toEqual([]);
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });
});
