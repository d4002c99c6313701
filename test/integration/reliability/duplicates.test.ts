// At-least-once delivery: 100 concurrent deliveries of one event make exactly one change, counted in the emulator: the
// change calls the gap proxy forwarded, and the resource's state.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions } from './support/emulator-records';
import { declareCell, recordCell } from './support/guarantee-table';
import { deliverAsynchronously } from './support/lambda-delivery';
import { callsOf, entryPoint, playbookCases } from './support/playbook-cases';

const DELIVERIES = 100;
// Each test provisions a whole topology in the emulator; on 2 shared cores that alone can take most of a minute.
jest.setTimeout(180_000);

const control = (): string => process.env.SANDBOX_PROXY_CONTROL ?? '';
const PART = `${DELIVERIES} concurrent deliveries`;

for (const playbook of playbookCases) declareCell(playbook.row, 'duplicates', [PART]);

describe.each(playbookCases.map((c) => [c.row, c] as const))('%s under duplicate delivery', (_row, playbook) => {
  it(`changes the resource once when the same event is delivered ${DELIVERIES} times at once`, async () => {
    const account = await provisionAccount(playbook.environment, { RUNBOOK_CONFIG_JSON: playbook.configJson ? JSON.stringify(playbook.configJson) : '' });
    const runtime = loadRuntimeConfig(process.env);
    const event = await playbook.arrange(account);
    await publishedDecisions(account);
    const handler = entryPoint(playbook);
    const before = await playbook.knob.read(account);
    const since = (await getProxyCalls(control())).length;

    // Each delivery as Lambda makes it: a delivery that fails transiently (a loaded machine's connect timeout) is retried.
    const deliveries = await Promise.all(Array.from({ length: DELIVERIES }, () => deliverAsynchronously(handler, event)));
    const decisions = deliveries.map((d) => d.decision).filter((d) => d !== undefined);
    expect(decisions).toHaveLength(DELIVERIES);

    const made = decisions.filter((d) => playbook.made(d));
    const duplicates = decisions.filter((d) => d.outcome === 'skipped' && d.reason.startsWith('duplicate delivery'));
    const changes = await callsOf(control(), account.accountId, since, playbook.changeCalls);
    const after = await playbook.knob.read(account);
    const figures = `${DELIVERIES} deliveries -> ${changes} change call (${playbook.knob.name} ${before} -> ${after}), ${duplicates.length} skipped as duplicates`;
    console.log(`duplicates: ${playbook.row}: ${figures}`);

    expect(made).toHaveLength(1);
    expect(duplicates).toHaveLength(DELIVERIES - 1);
    expect(changes).toBe(1);
    expect(after).toBe(playbook.knob.afterOneChange(account, runtime));
    expect(await auditEntries(account, made[0]?.resource?.arn ?? '')).toHaveLength(playbook.auditEntries);
    // Duplicates are logged and counted, never published: one decision event for one incident.
    expect((await publishedDecisions(account)).map((d) => d.outcome)).toEqual([playbook.publishedOutcome]);
    recordCell(playbook.row, 'duplicates', PART, `${DELIVERIES} deliveries: ${changes} change, ${duplicates.length} duplicates skipped`);
  });
});
