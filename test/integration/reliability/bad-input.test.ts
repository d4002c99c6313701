// Hostile events through the real handler against the emulator: rejected ones make no AWS call at all, none changes a resource.
import fc from 'fast-check';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionAccount } from '../support/sandbox-account';
import { fixtureEvents, hostileEvents, type JsonObject } from '../../support/alarm-event-arbitraries';
import { alarmOf, entryPoint, isMutating, scaleConsumersCase } from './support/playbook-cases';

// Provisioning and 200 handler runs against the emulator: most of a minute on a loaded machine.
jest.setTimeout(180_000);

const EVENTS = 200;
/** The pipeline's own writes (incident claims, audit trail, decision events): expected for valid events, never a resource change. */
const PIPELINE_SERVICES = new Set(['dynamodb', 'events']);

// One playbook (scale-consumers) against the emulator; every handler is fuzzed in-process in test/unit/reliability/bad-input.test.ts.
describe.each([[scaleConsumersCase.row, scaleConsumersCase] as const])('%s under hostile input, against the emulator', (_name, playbook) => {
  it(`makes no AWS call for any rejected event and changes no resource, over ${EVENTS} generated events`, async () => {
    const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
    const account = await provisionAccount(playbook.environment);
    const handler = entryPoint(playbook);
    const alarmName = alarmOf(account, playbook.handler);
    // Real events of this account as bases; the alarm ends OK, so a still-valid ALARM variant is stale and skipped.
    const alarm = await account.transition(alarmName, 'ALARM');
    const ok = await account.transition(alarmName, 'OK');
    const knobBefore = await playbook.knob.read(account);
    const tally = { rejected: 0, rejectedByAlarmDefinition: 0, accepted: 0, resourceMutations: 0 };

    await fc.assert(
      fc.asyncProperty(
        // Mostly mutated inputs; one in five this account's real events unchanged, so the accepted path runs in earnest too.
        fc.oneof(
          { weight: 4, arbitrary: hostileEvents([alarm as JsonObject, ok as JsonObject, ...fixtureEvents()]) },
          { weight: 1, arbitrary: fc.constantFrom(alarm as JsonObject, ok as JsonObject).map((input) => ({ input: structuredClone(input), how: 'a real event, unchanged' })) },
        ),
        async ({ input, how }) => {
        const since = await getProxyCallCount(control);
        const decision = await handler(input);
        const calls = (await getProxyCalls(control, since)).filter((c) => c.accountId === account.accountId);
        const resourceMutations = calls.filter((c) => isMutating(c.operation) && !PIPELINE_SERVICES.has(c.service));
        tally.resourceMutations += resourceMutations.length;
        expect({ how, resourceMutations }).toEqual({ how, resourceMutations: [] });
        if (decision.outcome === 'rejected') {
          tally.rejected += 1;
          // Decision 194: an event that parses but names another metric than its alarm's is refused after the one read
          // that can tell, the alarm's definition (DescribeAlarms, exactly once); every other rejection makes no AWS call.
          const byAlarmDefinition = decision.reason.includes('(CloudWatch DescribeAlarms)') || decision.reason.startsWith('CloudWatch DescribeAlarms answered no metric');
          if (byAlarmDefinition) tally.rejectedByAlarmDefinition += 1;
          expect({ how, reason: decision.reason.length > 0, calls: calls.map((c) => `${c.service}:${c.operation}`) }).toEqual({
            how,
            reason: true,
            calls: byAlarmDefinition ? ['monitoring:DescribeAlarms'] : [],
          });
        } else {
          tally.accepted += 1;
          // An event let in is checked against AWS before anything is done (the alarm read again): its calls are in the
          // window the mark opened, so a mark past the handler's calls (none seen, every check above vacuous) fails here.
          expect({ how, readTheAlarm: calls.some((c) => c.service === 'monitoring' && c.operation.startsWith('DescribeAlarms')) }).toEqual({ how, readTheAlarm: true });
        }
        },
      ),
      { numRuns: EVENTS, endOnFailure: true },
    );

    console.log(
      `bad input (emulator): ${EVENTS} generated events -> ${tally.rejected} rejected (${tally.rejected - tally.rejectedByAlarmDefinition} with 0 AWS calls, ${tally.rejectedByAlarmDefinition} after the one DescribeAlarms), ${tally.accepted} accepted, ` +
        `${tally.resourceMutations} mutating calls on resources; ${playbook.knob.name} ${knobBefore} -> ${await playbook.knob.read(account)}`,
    );
    expect(await playbook.knob.read(account)).toBe(knobBefore);
    // The spread: both the rejection path and the accepted path ran.
    expect(tally.rejected).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.rejected + tally.accepted).toBe(EVENTS);
  });
});
