// Per-event processing cost of one handler: its event recorded once against the emulator, then replayed from memory in a fresh process.
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchAccount } from './bench-sandbox';
import { root } from './bundles';
import { median, percentile } from './cold-start';
import { sequentialRoundTrips, type Span } from './round-trips';

/** The decision path with every AWS answer after a fixed latency: how many calls, how many of them one after another. */
export interface RoundTripResult {
  latencyMs: number;
  decisions: number;
  /** Calls of one decision (the last one; each decision of the run is the same path). */
  callsPerDecision: number;
  calls: string[];
  /** The critical path in calls: the least over the decisions (a stall can only lengthen it). */
  sequentialRoundTrips: number;
  /** Wall time per decision, median, and the same divided by the latency (round trips as the issue defines them). */
  wallMedianMs: number;
  wallOverLatency: number;
  outcomes: Record<string, number>;
}

/** Our pipeline's run-queue wait per event, and our pipeline's time less it (with GC, and without GC as well). */
export interface WaitFigures {
  medianUs: number;
  p99Us: number;
  eventsWithWait: number;
  ownLessWaitMedianUs: number;
  ownLessWaitP99Us: number;
  /**
   * Less the wait and GC too: a lower bound (review 19 R19-4). A wait that fell inside a GC pause is in both and is taken
   * out twice; which part did is not read, so the true figure lies between this and ownLessWaitNoGcUpperP99Us.
   */
  ownLessWaitNoGcP99Us: number;
  /** The upper bound: each event less the larger of its wait and its GC (as if the one lay wholly inside the other). */
  ownLessWaitNoGcUpperP99Us: number;
}

/** The warm-up decisions' own time: the first (the process's second decision), the first ten's median, all of them. */
export interface FirstEvents {
  warmupEvents: number;
  firstOwnUs: number;
  firstTenOwnMedianUs: number;
  warmupOwnMedianUs: number;
  warmupOwnP99Us: number;
  /** The same less each decision's run-queue wait, where it was read. */
  lessWait?: { firstUs: number; firstTenMedianUs: number; warmupMedianUs: number; warmupP99Us: number };
}

const lessWait = (own: readonly number[], waits: readonly number[]): number[] => own.map((cost, i) => Math.max(0, cost - (waits[i] ?? 0)));

/**
 * Our pipeline's time per event less the time its thread waited for a CPU (each event's own wait; clamped at 0). A GC
 * pause can itself be waited through, and how much of an event's wait fell inside its pauses is not read: "without GC"
 * is therefore a range, the wait and the pause both taken out (a lower bound, clamped at 0) up to the larger of the two
 * taken out (an upper bound: one wholly inside the other). A percentile of per-event bounds bounds the percentile.
 * Undefined when the wait was not read for every event.
 */
export function waitFigures(own: readonly number[], waits: readonly number[] | undefined, gc: readonly number[]): WaitFigures | undefined {
  if (!waits || waits.length !== own.length || own.length === 0) return undefined;
  const less = lessWait(own, waits);
  return {
    medianUs: median(waits),
    p99Us: percentile(waits, 99),
    eventsWithWait: waits.filter((us) => us > 0).length,
    ownLessWaitMedianUs: median(less),
    ownLessWaitP99Us: percentile(less, 99),
    ownLessWaitNoGcP99Us: percentile(less.map((cost, i) => Math.max(0, cost - (gc[i] ?? 0))), 99),
    ownLessWaitNoGcUpperP99Us: percentile(own.map((cost, i) => Math.max(0, cost - Math.max(waits[i] ?? 0, gc[i] ?? 0))), 99),
  };
}

export function firstEventFigures(warmupOwn: readonly number[], warmupWaits: readonly number[] | undefined): FirstEvents {
  const less = warmupWaits && warmupWaits.length === warmupOwn.length && warmupOwn.length > 0 ? lessWait(warmupOwn, warmupWaits) : undefined;
  return {
    warmupEvents: warmupOwn.length,
    firstOwnUs: warmupOwn[0] ?? 0,
    firstTenOwnMedianUs: median(warmupOwn.slice(0, 10)),
    warmupOwnMedianUs: median(warmupOwn),
    warmupOwnP99Us: percentile(warmupOwn, 99),
    ...(less ? { lessWait: { firstUs: less[0] ?? 0, firstTenMedianUs: median(less.slice(0, 10)), warmupMedianUs: median(less), warmupP99Us: percentile(less, 99) } } : {}),
  };
}

export interface PerEventResult {
  events: number;
  medianUs: number;
  p99Us: number;
  /** Time inside the in-memory transport (AWS answering), median per event: excluded from the cost. */
  awsMedianUs: number;
  /** Of the cost, the AWS SDK's client-side work (middleware, serialisation, signing, parsing), per event. */
  sdkMedianUs: number;
  sdkP99Us: number;
  /** The cost without the SDK's share: our pipeline alone (parse, claim, plan, guard, record, report logic, logging). */
  ownMedianUs: number;
  ownP99Us: number;
  /** Garbage collection, apart: pause time that fell inside an event (median, p99), and our pipeline's p99 without it. */
  gcMedianUs: number;
  gcP99Us: number;
  eventsWithGc: number;
  ownNoGcP99Us: number;
  /**
   * The machine's share of our pipeline's time: the main thread runnable but not running (another process, or another
   * thread, held the CPU; the kernel's run-queue delay, Linux only). Our pipeline less it is the time our code ran.
   */
  wait?: WaitFigures;
  /**
   * The figures above are warm: they start after `warmupEvents` replayed decisions (each a new incident), which follow
   * one decision recorded against the emulator in the same process. These are those warm-up decisions' own figures:
   * the first replayed one (the process's second decision), the median of the first ten, and all of them.
   */
  firstEvents: FirstEvents;
  callsPerEvent: number;
  roundTrips?: RoundTripResult;
  recordedOutcome: string;
  recordedReason?: string;
  recordedCalls: string[];
  outcomes: Record<string, number>;
  errors: number;
  misses: number;
  firstError?: string;
}

interface WorkerReply {
  ok: boolean;
  error?: string;
  recordedOutcome?: string;
  recordedReason?: string;
  recordedCalls?: string[];
  callsPerEvent?: number;
  costsUs?: number[];
  awsUs?: number[];
  sdkUs?: number[];
  outcomes?: Record<string, number>;
  errors?: number;
  firstError?: string;
  misses?: number;
  gcUs?: number[];
  waitUs?: number[];
  warmupOwnUs?: number[];
  warmupWaitUs?: number[];
  latency?: Array<{ wallMs: number; outcome: string; calls: string[]; spans: Span[] }>;
}

export interface PerEventOptions {
  /** Each AWS answer after this long in the round-trip run (0: no such run). */
  latencyMs: number;
  latencyEvents: number;
  /** One more sequential call per decision (the planted regression bench --check must catch). */
  plantSequentialCall?: boolean;
  /** Set in the handler's environment over the account's (watch-standby runs in the DR region). */
  env?: Record<string, string>;
}

/** `event`: what the handler gets, recorded once against the emulator and then replayed as new incidents. */
export async function measurePerEvent(
  handler: string,
  variantFile: string,
  account: BenchAccount,
  events: number,
  event: unknown,
  options: PerEventOptions = { latencyMs: 0, latencyEvents: 0 },
): Promise<PerEventResult | { skipped: string }> {
  if (event === undefined) return { skipped: 'no alarm event drives it and no timer was pending' };
  // Measurement aids, none of them on by default. BENCH_TRACE=<dir>: each event's figures in order, one CSV per worker.
  // BENCH_NODE_FLAGS='--trace-deopt ...': V8 flags for the worker, whose stdout (the flags' output and the handler's log
  // lines) then goes to <BENCH_TRACE or the working directory>/<handler>-<pid>.stdout instead of nowhere. BENCH_ALLOC_PROF=<dir>:
  // a sampling heap profile of the measured events, collected objects included (BENCH_ALLOC_PROF_INTERVAL bytes, 4096).
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const traceDir = process.env.BENCH_TRACE;
  const stdoutFile = nodeFlags.length > 0 ? openSync(join(traceDir ?? root, `${handler.replace(/\W+/g, '-')}-${Date.now()}.stdout`), 'w') : undefined;
  const child = fork(join(root, 'bench', 'per-event-worker.mjs'), [], {
    // BENCH_COVERAGE=<dir>: V8's precise (block) coverage of the worker written there (NODE_V8_COVERAGE), which
    // bench/coverage-by-module.ts reads per module of an unminified variant (BENCH_NO_MINIFY=1): what a path never runs.
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each worker there (with BENCH_NO_MINIFY=1 for readable names);
    // BENCH_CPU_PROF_INTERVAL=<us> samples more often than V8's 1000 us (a per-event cost is a few hundred us).
    execArgv: [
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, ...(process.env.BENCH_CPU_PROF_INTERVAL ? [`--cpu-prof-interval=${Number(process.env.BENCH_CPU_PROF_INTERVAL)}`] : [])]
        : []),
      ...nodeFlags,
    ],
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...account.env, ...options.env, POWERTOOLS_SERVICE_NAME: 'bench', ...(traceDir ? { BENCH_TRACE: traceDir } : {}), ...(process.env.BENCH_HEAP_SNAPSHOTS ? { BENCH_HEAP_SNAPSHOTS: '1' } : {}), ...(process.env.BENCH_COVERAGE ? { NODE_V8_COVERAGE: process.env.BENCH_COVERAGE } : {}), ...(process.env.BENCH_ALLOC_PROF ? { BENCH_ALLOC_PROF: process.env.BENCH_ALLOC_PROF, BENCH_ALLOC_PROF_INTERVAL: process.env.BENCH_ALLOC_PROF_INTERVAL ?? '4096' } : {}) },
    // The handler's structured logs and metrics go where Lambda would send them: out of the process, unread.
    stdio: ['ignore', stdoutFile ?? 'ignore', 'pipe', 'ipc'],
  });
  if (stdoutFile !== undefined) closeSync(stdoutFile);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = await new Promise<WorkerReply>((resolve, reject) => {
    child.once('message', (message) => resolve(message as WorkerReply));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`per-event worker for ${handler} exited with ${code}: ${stderr}`)));
    child.send({
      handler,
      bundle: variantFile,
      event,
      events,
      warmup: Math.min(500, Math.ceil(events / 10)),
      latencyMs: options.latencyMs,
      latencyEvents: options.latencyEvents,
      plantSequentialCall: options.plantSequentialCall ?? false,
    });
  });
  // The worker exits by itself once it has answered (a CPU profile, when asked for, is written then).
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  if (!reply.ok) throw new Error(`per-event worker for ${handler} failed: ${reply.error ?? '?'}\n${stderr}`);
  const costs = reply.costsUs ?? [];
  const sdk = reply.sdkUs ?? [];
  const own = costs.map((cost, i) => cost - (sdk[i] ?? 0));
  const gc = reply.gcUs ?? [];
  const ownNoGc = own.map((cost, i) => Math.max(0, cost - (gc[i] ?? 0)));
  const wait = waitFigures(own, reply.waitUs, gc);
  const firstEvents = firstEventFigures(reply.warmupOwnUs ?? [], reply.warmupWaitUs);
  const latency = reply.latency ?? [];
  const last = latency[latency.length - 1];
  const roundTrips: RoundTripResult | undefined =
    last && options.latencyMs > 0
      ? {
          latencyMs: options.latencyMs,
          decisions: latency.length,
          callsPerDecision: last.calls.length,
          calls: last.calls,
          sequentialRoundTrips: Math.min(...latency.map((l) => sequentialRoundTrips(l.spans))),
          wallMedianMs: median(latency.map((l) => l.wallMs)),
          wallOverLatency: median(latency.map((l) => l.wallMs)) / options.latencyMs,
          outcomes: latency.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.outcome]: (acc[l.outcome] ?? 0) + 1 }), {}),
        }
      : undefined;
  return {
    events: costs.length,
    medianUs: median(costs),
    p99Us: percentile(costs, 99),
    awsMedianUs: median(reply.awsUs ?? []),
    sdkMedianUs: median(sdk),
    sdkP99Us: percentile(sdk, 99),
    ownMedianUs: median(own),
    ownP99Us: percentile(own, 99),
    gcMedianUs: median(gc),
    gcP99Us: percentile(gc, 99),
    eventsWithGc: gc.filter((us) => us > 0).length,
    ownNoGcP99Us: percentile(ownNoGc, 99),
    ...(wait ? { wait } : {}),
    firstEvents,
    callsPerEvent: reply.callsPerEvent ?? 0,
    ...(roundTrips ? { roundTrips } : {}),
    recordedOutcome: reply.recordedOutcome ?? '?',
    ...(reply.recordedReason ? { recordedReason: reply.recordedReason } : {}),
    recordedCalls: reply.recordedCalls ?? [],
    outcomes: reply.outcomes ?? {},
    errors: reply.errors ?? 0,
    misses: reply.misses ?? 0,
    ...(reply.firstError ? { firstError: reply.firstError } : {}),
  };
}
