// Fuzzing the real handler pipeline with 10,000 hostile events (fast-check): no crash, no AWS call for a rejected event, every rejection logged with its reason.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createAlarmHandler, type AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Decision, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { playbooks } from '../../../shared/playbooks/registry';
import { fixtureEvents, hostileEvents, queueAlarmEvent } from '../../support/alarm-event-arbitraries';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';

const EVENTS = 10_000;
type AnyPlaybook = Playbook<unknown, { resource: ResourceRef }, unknown, unknown>;
type SdkStub = AwsStub<object, { $metadata: object }, object>;

interface Harness {
  name: string;
  handler: AlarmHandler;
  store: InMemoryIncidentStore;
  /** Everything that reached a (stubbed) AWS API or pipeline service, in order. */
  calls: string[];
}

function isSdkClient(value: unknown): value is CloudWatchClient {
  return typeof value === 'object' && value !== null && 'send' in value && 'middlewareStack' in value;
}

/** The handler exactly as Lambda builds it, except that every AWS answer comes from stubs that record the call. */
function harness(playbook: AnyPlaybook): Harness {
  const calls: string[] = [];
  const store = new InMemoryIncidentStore();
  const services: PipelineServices = {
    store,
    reporter: { log: () => undefined, count: () => undefined, publish: async (d) => void calls.push(`publish ${d.outcome}`) },
    killSwitch: { read: async () => (calls.push('kill switch'), { engaged: false, reason: 'kill switch off' }) },
    alarms: { current: async (name) => (calls.push(`DescribeAlarms ${name}`), { value: 'ALARM', updatedAt: new Date(0) }) },
  };
  const stubs: SdkStub[] = [];
  const handler = createAlarmHandler({
    playbook,
    env: { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' },
    services,
    createClients: (config) => {
      // A playbook whose handler builds its clients itself gets stand-ins: any client name, every send recorded.
      if (!playbook.createClients) {
        return new Proxy({}, { get: (_target, name) => ({ send: async () => (calls.push(`sdk ${String(name)}`), {}) }) });
      }
      const cloudWatch = new CloudWatchClient(config);
      const clients = playbook.createClients(config, { cloudWatch });
      for (const client of [cloudWatch, ...Object.values((clients ?? {}) as object)]) {
        if (!isSdkClient(client)) continue;
        const stub = mockClient(client as unknown as Parameters<typeof mockClient>[0]) as unknown as SdkStub;
        stub.onAnyCommand().callsFake((input: object) => {
          calls.push(`sdk ${Object.keys(input).join(',')}`);
          return {};
        });
        stubs.push(stub);
      }
      return clients;
    },
  });
  // Count store writes and reads too: a rejected event must not touch the state table either.
  for (const method of ['claim', 'recordIntent', 'complete', 'release', 'getResourceState', 'reserveChange', 'appendAudit'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => (calls.push(`store ${method}`), original(...args));
  }
  return { name: playbook.name, handler, store, calls };
}

interface LogLine {
  level?: string;
  message?: string;
  reason?: string;
}

describe('every handler under hostile input', () => {
  const written: string[] = [];
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = consoleMethods.map((method) => console[method]);
  const restoreConsole = (): void => consoleMethods.forEach((method, i) => (console[method] = originals[i] ?? console.log));
  beforeAll(() => {
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    // Development mode sends the Powertools logger's JSON through the global console (pretty-printed), where it is
    // captured to check each rejection's log line and kept off the test output; metrics stay unpublished.
    process.env.POWERTOOLS_DEV = 'true';
    // Plain replacements, not jest spies: a spy would keep every argument of 10,000 runs alive.
    for (const method of consoleMethods) console[method] = (...args: unknown[]) => void written.push(...args.map(String));
  });
  afterAll(restoreConsole);

  it(
    `never throws, rejects each malformed event with a logged reason and no AWS call, over ${EVENTS} generated events`,
    async () => {
      const harnesses = (Object.values(playbooks) as unknown as AnyPlaybook[]).map(harness);
      const bases = [...fixtureEvents(), queueAlarmEvent('notification-service-queue')];
      const tally = { events: 0, rejected: 0, accepted: 0, thrown: 0 };
      const outcomes: Record<string, number> = {};

      await fc.assert(
        fc.asyncProperty(hostileEvents(bases), async ({ input, how }) => {
          tally.events += 1;
          for (const h of harnesses) {
            const callsBefore = h.calls.length;
            written.length = 0;
            let decision: Decision;
            try {
              decision = await h.handler(input);
            } catch (error) {
              tally.thrown += 1;
              throw new Error(`${h.name} threw on ${how}: ${(error as Error).stack ?? String(error)}`, { cause: error });
            }
            outcomes[decision.outcome] = (outcomes[decision.outcome] ?? 0) + 1;
            if (decision.outcome !== 'rejected') {
              tally.accepted += 1;
              continue;
            }
            tally.rejected += 1;
            expect(decision.reason.trim()).not.toBe('');
            // No AWS call, no store access, nothing published: rejection happens before anything leaves the process.
            expect(h.calls.slice(callsBefore)).toEqual([]);
            const lines = written.filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as LogLine);
            expect(lines).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'event rejected', reason: decision.reason }));
          }
        }),
        { numRuns: EVENTS, endOnFailure: true },
      );

      // No input reached the prototype of every object.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const mutating = harnesses.flatMap((h) => h.calls.filter((c) => c.startsWith('store reserveChange')));
      restoreConsole();
      console.log(
        `bad input: ${tally.events} generated events x ${harnesses.length} handlers -> ${tally.rejected} rejected (each logged with its reason, ` +
          `0 AWS calls), ${tally.accepted} accepted as valid (${JSON.stringify(outcomes)}), ${tally.thrown} unhandled exceptions, ` +
          `${mutating.length} change reservations`,
      );
      expect(tally.thrown).toBe(0);
    },
    300_000,
  );
});
