// At-least-once delivery: 100 concurrent deliveries of one alarm event make exactly one change, checked in the emulator.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { provisionAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions } from './support/emulator-records';
import { loadHandler, playbookCases } from './support/playbook-cases';

const DELIVERIES = 100;

describe.each(playbookCases.map((c) => [c.handler, c] as const))('%s under duplicate delivery', (_name, playbook) => {
  it(`changes the resource once when the same ALARM event is delivered ${DELIVERIES} times at once`, async () => {
    const account = await provisionAccount(playbook.environment);
    const runtime = loadRuntimeConfig(process.env);
    const handler = loadHandler(playbook.handler);
    const before = await playbook.knob.read(account);
    const event = await account.transition(playbook.alarmName(account), 'ALARM');

    const decisions = await Promise.all(Array.from({ length: DELIVERIES }, () => handler(event)));

    const applied = decisions.filter((d) => d.outcome === 'applied');
    const duplicates = decisions.filter((d) => d.outcome === 'skipped' && d.reason.startsWith('duplicate delivery'));
    const after = await playbook.knob.read(account);
    const changes = after === before ? 0 : Math.round((after - before) / playbook.knob.step(runtime));
    console.log(`duplicates: ${DELIVERIES} deliveries -> ${changes} change (${playbook.knob.name} ${before} -> ${after}), ${duplicates.length} skipped as duplicates`);

    expect(applied).toHaveLength(1);
    expect(duplicates).toHaveLength(DELIVERIES - 1);
    expect(after).toBe(before + playbook.knob.step(runtime));
    const resourceArn = applied[0]?.resource?.arn ?? '';
    expect(await auditEntries(account, resourceArn)).toHaveLength(1);
    // Duplicates are logged and counted, never published: one decision event for one incident.
    expect((await publishedDecisions(account)).map((d) => d.outcome)).toEqual(['applied']);
  });
});
