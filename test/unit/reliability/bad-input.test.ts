// Fuzzing all ten Lambda entry points (every file of handlers/, read from the directory: one added there without a fuzz
// group here fails this file), each exactly as Lambda loads it in its region, with the SDK clients it really builds:
// 2,000 hostile inputs each by default (fast-check; FUZZ_RUNS=10000 for a longer run). The clients point at a recording stub endpoint on 127.0.0.1 (the gap
// proxy with no upstream: it records every call and answers each one with AccessDenied, so nothing reaches a network).
// Asserted: no crash; a rejected input is logged with its reason and makes no AWS call at all; the spread of rejected
// vs accepted inputs; every call counted.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isIncidentId } from '../../../shared/escalation/incident';
import { DECISION_DETAIL_TYPE, DECISION_SOURCE } from '../../../shared/report/decision-reporter';
import { sandboxEnv } from '../../../sandbox/credentials';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';
import { fixtureEvents, hostileEvents, queueAlarmEvent, type JsonObject } from '../../support/alarm-event-arbitraries';
import { loadHandler } from '../../support/load-handler';
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';

/**
 * Inputs per entry point. 2,000 keeps this file near a minute on a 2-core CI machine while each entry point still sees
 * hundreds of accepted and rejected inputs (the spread is asserted below); FUZZ_RUNS raises it for a soak run.
 */
const EVENTS = fuzzRuns(process.env.FUZZ_RUNS, 2_000);

function fuzzRuns(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 100) throw new Error(`FUZZ_RUNS must be a whole number of at least 100, got ${JSON.stringify(raw)}`);
  return runs;
}

type Entry = (event: unknown) => Promise<unknown>;

interface FuzzedHandler {
  name: string;
  /** The region its Lambda runs in (AWS_REGION when it is loaded). */
  region: string;
  /** Real inputs of the kinds this handler takes: the generator mutates these. */
  bases(): JsonObject[];
  /** The reason when the handler rejected the input, else undefined. */
  rejection(result: unknown): string | undefined;
  /** The log line's message for a rejection. */
  rejectedMessage: string;
  /** The least share of generated inputs rejected, and accepted: the generator must exercise both paths. */
  minRejected: number;
  minAccepted: number;
}

const decisionRejection = (result: unknown): string | undefined => {
  const decision = result as { outcome?: string; reason?: string };
  return decision.outcome === 'rejected' ? (decision.reason ?? '') : undefined;
};
const escalationRejection = (result: unknown): string | undefined => {
  const outcome = result as { action?: string; reason?: string };
  return outcome.action === 'rejected' ? (outcome.reason ?? '') : undefined;
};

const alarmBases = (): JsonObject[] => [...fixtureEvents(), queueAlarmEvent('notification-service-queue')];

const productionConfig = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: '' }).config;

/** The region whose alarms route to `handler` (decision 184): the six changing rows' in us-east-1, watch-standby's in the DR region. */
function alarmRegionOf(handler: string): string | undefined {
  return productionConfig.environments.production.regions.find((region) => alarmSpecs(productionConfig, 'production', region).some((spec) => spec.handler === handler));
}

/**
 * An alarm handler takes only the alarms routed to it (decision 184): its bases are every alarm base relabelled as its
 * own alarm (name, and ARN in its own region), so the generator mutates events it would act on, plus AWS's single-metric
 * example as published, an alarm nobody routed to it.
 */
function ownAlarmBases(handler: string, region: string): JsonObject[] {
  const own = alarmSpecs(productionConfig, 'production', region).find((spec) => spec.handler === handler)?.name;
  if (!own) throw new Error(`no alarm of ${handler} in ${region}`);
  const relabelled = alarmBases().map((base) => {
    const event = structuredClone(base) as JsonObject & { detail: { alarmName: string }; resources: string[]; region: string };
    event.resources = event.resources.map((arn) => arn.replace(/^(arn:aws:cloudwatch:)[^:]+(:\d{12}:alarm:).*$/, `$1${region}$2${own}`));
    event.region = region;
    event.detail.alarmName = own;
    return event as JsonObject;
  });
  return [...relabelled, ...fixtureEvents().filter((event) => (event.detail as { alarmName?: string }).alarmName === 'ServerCpuTooHigh').slice(0, 1)];
}

/** A Runbook Decision as the project's bus carries it (shared/report/decision-reporter.ts). */
function decisionEvent(): JsonObject {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    source: DECISION_SOURCE,
    'detail-type': DECISION_DETAIL_TYPE,
    account: '123456789012',
    region: 'us-east-1',
    time: '2026-12-05T05:00:00Z',
    resources: [],
    detail: {
      playbook: 'scale-consumers',
      outcome: 'escalate',
      reason: 'cap reached: MaximumConcurrency 400',
      environment: 'production',
      region: 'us-east-1',
      account: '123456789012',
      incidentKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:notification-service-queue-depth|ALARM|2026-12-05T05:00:00.000+0000',
      alarmName: 'notification-service-queue-depth',
      alarmState: 'ALARM',
      resource: { type: 'sqs-queue', id: 'notification-service-queue', arn: 'arn:aws:sqs:us-east-1:123456789012:notification-service-queue' },
      escalation: { cause: 'cap-reached' },
      dryRun: false,
      decidedAt: '2026-12-05T05:00:01.000Z',
    },
  };
}

/** The timer inputs EventBridge Scheduler delivers to escalation-timer (shared/escalation/escalation-events.ts). */
function timerInputs(): JsonObject[] {
  const incidentId = 'inc-0123456789ab';
  if (!isIncidentId(incidentId)) throw new Error(`test fixture: ${incidentId} is not an incident id`);
  return [
    { action: 'check', incidentId },
    { action: 'escalate', incidentId, level: 2 },
    { action: 'escalate', incidentId, level: '3' },
    // As the escalation writes them: naming the incident's alarm (escalation-service.ts afterNotified).
    { action: 'escalate', incidentId, level: 2, alarm: { name: 'NotificationService Queue Depth > 1000 (notification-service-queue)', account: '123456789012' } },
  ];
}

/**
 * A health-check schedule's input as runPlaybook writes it (shared/pipeline/verify-scheduler.ts): only the key of the
 * recorded change; the change itself is read from the state table (here the stub denies that read).
 */
function verifyInputs(): JsonObject[] {
  const alarmArn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:notification-service-queue-depth';
  return [{ action: 'verify-change', playbook: 'scale-consumers', incidentKey: `${alarmArn}|ALARM|2026-12-05T05:00:00.000+0000` }];
}

const alarmHandler = (name: string, region: string): FuzzedHandler => ({
  name,
  region,
  bases: () => ownAlarmBases(name, region),
  rejection: decisionRejection,
  rejectedMessage: 'event rejected',
  minRejected: 0.3,
  minAccepted: 0.02,
});

/** The entry points that are not an alarm handler, each on a stream of its own inputs. */
const OTHER_HANDLERS: Record<string, FuzzedHandler> = {
  escalate: { name: 'escalate', region: 'us-east-1', bases: () => [...alarmBases(), decisionEvent()], rejection: escalationRejection, rejectedMessage: 'event rejected', minRejected: 0.3, minAccepted: 0.02 },
  'escalation-timer': { name: 'escalation-timer', region: 'us-east-1', bases: timerInputs, rejection: escalationRejection, rejectedMessage: 'event rejected', minRejected: 0.3, minAccepted: 0.02 },
  'verify-change': { name: 'verify-change', region: 'us-east-1', bases: verifyInputs, rejection: decisionRejection, rejectedMessage: 'verify-change input rejected', minRejected: 0.3, minAccepted: 0.02 },
};

/** Every Lambda entry point: each file of handlers/, as esbuild bundles them (infra/ builds one function per file). */
const ENTRY_POINTS = readdirSync(join(__dirname, '../../../handlers'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

/** Each entry point's fuzz: an alarm handler (one the configuration routes alarms to, in some region) or one of OTHER_HANDLERS. */
function fuzzedHandlerOf(name: string): FuzzedHandler | undefined {
  const region = alarmRegionOf(name);
  return region ? alarmHandler(name, region) : OTHER_HANDLERS[name];
}

const HANDLERS: FuzzedHandler[] = ENTRY_POINTS.flatMap((name) => fuzzedHandlerOf(name) ?? []);

/** Operations that change something, by name (the stub records SigV4 service + API). */
const isMutating = (operation: string): boolean => !/^(Get|List|Describe|Query|Scan|BatchGet|Receive|Filter|Lookup|Search|Head|Select)/.test(operation);

interface LogLine {
  level?: string;
  message?: string;
  reason?: string;
}

let stub: GapProxy;
const savedEnv = { ...process.env };
const written: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originals = consoleMethods.map((method) => console[method]);
const restoreConsole = (): void => consoleMethods.forEach((method, i) => (console[method] = originals[i] ?? console.log));
const figures: string[] = [];

beforeAll(async () => {
  // No upstream is ever contacted: the catch-all fault below answers every AWS call.
  stub = await startGapProxy({ upstream: 'http://127.0.0.1:9' });
  stub.setFaults([{ times: Number.MAX_SAFE_INTEGER, status: 403, code: 'AccessDeniedException', message: 'fuzz stub endpoint: no AWS here' }]);
  Object.assign(process.env, sandboxEnv({ endpoint: stub.endpoint }), {
    RUNBOOK_ENVIRONMENT: 'production',
    RUNBOOK_CONFIG_JSON: '',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // Development mode sends the Powertools logger's JSON through the global console, where it is captured to check each
    // rejection's log line and kept off the test output; metrics stay unpublished.
    POWERTOOLS_DEV: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Plain replacements, not jest spies: a spy would keep every argument of thousands of runs alive.
  for (const method of consoleMethods) console[method] = (...args: unknown[]) => void written.push(...args.map(String));
});

afterAll(async () => {
  restoreConsole();
  console.log(`bad input (all ${HANDLERS.length} entry points of handlers/, real clients, stub endpoint):\n${figures.join('\n')}`);
  process.env = savedEnv;
  await stub?.stop();
});

/**
 * The inputs each entry point takes: each alarm handler a stream of generated events around its own alarm (decision
 * 184), escalate one of alarm state changes and Runbook Decisions; the timer and verify-change inputs are streams of
 * their own. Every entry point sees EVENTS inputs.
 */
const GROUPS: Array<{ title: string; region: string; handlers: FuzzedHandler[]; bases(): JsonObject[] }> = HANDLERS.map((h) => ({ title: h.name, region: h.region, handlers: [h], bases: h.bases }));

/** Runs `body` with AWS_REGION (and AWS_DEFAULT_REGION) set to `region`, as that region's Lambda has them. */
async function inRegion<T>(region: string, body: () => Promise<T>): Promise<T> {
  const before = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  Object.assign(process.env, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

interface Tally {
  rejected: number;
  accepted: number;
  thrown: number;
  calls: number;
  mutatingCalls: number;
  callsForRejected: number;
  thrownNames: Record<string, number>;
}

async function runOne(fuzzed: FuzzedHandler, handler: Entry, tally: Tally, input: unknown, how: string): Promise<void> {
  const callsBefore = stub.calls.length;
  written.length = 0;
  let result: unknown;
  let threw: unknown;
  try {
    result = await handler(input);
  } catch (error) {
    threw = error;
  }
  const calls = stub.calls.slice(callsBefore);
  tally.calls += calls.length;
  tally.mutatingCalls += calls.filter((c) => isMutating(c.operation)).length;
  if (threw !== undefined) {
    // Accepted input that met the stub's AccessDenied may end in the pipeline's own classified errors (Lambda retries a
    // TransientError) or in the AWS error itself (the escalation handlers let Lambda retry those). Anything else (a
    // TypeError, a RangeError...), or any throw before an AWS call, is a crash.
    const name = (threw as Error).name ?? typeof threw;
    tally.thrownNames[name] = (tally.thrownNames[name] ?? 0) + 1;
    const fromAws = (threw as { $metadata?: unknown }).$metadata !== undefined;
    if (calls.length === 0 || !(fromAws || ['TransientError', 'PermanentError'].includes(name))) {
      tally.thrown += 1;
      throw new Error(`${fuzzed.name} crashed on ${how}: ${(threw as Error).stack ?? String(threw)}`, { cause: threw });
    }
    tally.accepted += 1;
    return;
  }
  const reason = fuzzed.rejection(result);
  if (reason === undefined) {
    tally.accepted += 1;
    return;
  }
  tally.rejected += 1;
  tally.callsForRejected += calls.length;
  expect(reason.trim()).not.toBe('');
  // No AWS call of any kind (DescribeAlarms included): rejection happens before anything leaves the process.
  expect({ handler: fuzzed.name, how, calls }).toEqual({ handler: fuzzed.name, how, calls: [] });
  const lines = written.filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as LogLine);
  expect(lines).toContainEqual(expect.objectContaining({ level: 'WARN', message: fuzzed.rejectedMessage, reason }));
}

describe('every Lambda entry point under hostile input', () => {
  it('fuzzes every file of handlers/ (ten entry points), each with the inputs it takes', () => {
    expect({ entryPoints: ENTRY_POINTS.length, fuzzed: HANDLERS.map((h) => h.name) }).toEqual({ entryPoints: 10, fuzzed: ENTRY_POINTS });
    // watch-standby runs in the DR region only: its alarms are the standby's, in us-west-2.
    expect(HANDLERS.map((h) => [h.name, h.region]).filter(([, region]) => region !== 'us-east-1')).toEqual([['watch-standby', 'us-west-2']]);
  });

  it.each(GROUPS.map((g) => [g.title, g] as const))(
    `%s: ${EVENTS} generated inputs each -> no crash, each rejection logged with its reason and no AWS call`,
    // Each function is loaded and run in its own region, as Lambda runs it (its configuration and clients read AWS_REGION).
    async (_title, group) => inRegion(group.region, async () => {
      const entries = group.handlers.map((fuzzed) => ({ fuzzed, handler: loadHandler<Entry>(fuzzed.name), tally: { rejected: 0, accepted: 0, thrown: 0, calls: 0, mutatingCalls: 0, callsForRejected: 0, thrownNames: {} } as Tally }));

      await fc.assert(
        // Mostly mutated inputs; one in five a real input unchanged, so the accepted path is exercised in earnest too.
        fc.asyncProperty(
          fc.oneof(
            { weight: 4, arbitrary: hostileEvents(group.bases()) },
            { weight: 1, arbitrary: fc.constantFrom(...group.bases()).map((input) => ({ input: structuredClone(input), how: 'a real input, unchanged' })) },
          ),
          async ({ input, how }) => {
            for (const { fuzzed, handler, tally } of entries) await runOne(fuzzed, handler, tally, input, how);
          },
        ),
        { numRuns: EVENTS, endOnFailure: true },
      );

      // No input reached the prototype of every object.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      for (const { fuzzed, tally } of entries) {
        figures.push(
          `  ${fuzzed.name}: ${EVENTS} inputs -> ${tally.rejected} rejected (0 AWS calls each), ${tally.accepted} accepted; ` +
            `${tally.thrown} crashes; ${tally.calls} AWS calls in all (${tally.mutatingCalls} mutating, all for accepted inputs, all denied by the stub); ` +
            `errors thrown for accepted inputs (classified, or the stub's AccessDenied): ${JSON.stringify(tally.thrownNames)}`,
        );
      }
      for (const { fuzzed, tally } of entries) {
        expect({ handler: fuzzed.name, crashes: tally.thrown, callsForRejected: tally.callsForRejected, total: tally.rejected + tally.accepted }).toEqual({
          handler: fuzzed.name,
          crashes: 0,
          callsForRejected: 0,
          total: EVENTS,
        });
        // The spread: both paths exercised in earnest.
        expect({ handler: fuzzed.name, enoughRejected: tally.rejected >= Math.ceil(EVENTS * fuzzed.minRejected), enoughAccepted: tally.accepted >= Math.ceil(EVENTS * fuzzed.minAccepted) }).toEqual({
          handler: fuzzed.name,
          enoughRejected: true,
          enoughAccepted: true,
        });
      }
    }),
    900_000,
  );
});
