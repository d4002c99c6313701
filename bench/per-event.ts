// Per-event processing cost of one handler: its event recorded once against the emulator, then replayed from memory in a fresh process.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { BenchAccount } from './bench-sandbox';
import { root } from './bundles';
import { median, percentile } from './cold-start';

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
  callsPerEvent: number;
  recordedOutcome: string;
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
  recordedCalls?: string[];
  callsPerEvent?: number;
  costsUs?: number[];
  awsUs?: number[];
  sdkUs?: number[];
  outcomes?: Record<string, number>;
  errors?: number;
  firstError?: string;
  misses?: number;
}

/**
 * The event each handler is measured with: its own alarm's ALARM state change, made once and before any measurement
 * (so no handler's transition makes another's event stale); escalate takes the queue alarm's; the others get none here.
 */
export async function alarmEventsFor(handlers: readonly string[], account: BenchAccount): Promise<Map<string, unknown>> {
  const events = new Map<string, unknown>();
  for (const handler of handlers) {
    const alarmName = account.topology.alarmNamesByHandler[handler]?.[0];
    if (alarmName) events.set(handler, await account.transition(alarmName, 'ALARM'));
  }
  const anyAlarm = events.get('scale-consumers') ?? [...events.values()][0];
  if (handlers.includes('escalate') && anyAlarm) events.set('escalate', anyAlarm);
  return events;
}

/** `event`: what the handler gets, recorded once against the emulator and then replayed as new incidents. */
export async function measurePerEvent(
  handler: string,
  variantFile: string,
  account: BenchAccount,
  events: number,
  event: unknown,
): Promise<PerEventResult | { skipped: string }> {
  if (event === undefined) return { skipped: 'no alarm event drives it and no timer was pending' };
  const child = fork(join(root, 'bench', 'per-event-worker.mjs'), [], {
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each worker there (with BENCH_NO_MINIFY=1 for readable names).
    execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...account.env, POWERTOOLS_SERVICE_NAME: 'bench' },
    // The handler's structured logs and metrics go where Lambda would send them: out of the process, unread.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = await new Promise<WorkerReply>((resolve, reject) => {
    child.once('message', (message) => resolve(message as WorkerReply));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`per-event worker for ${handler} exited with ${code}: ${stderr}`)));
    child.send({ handler, bundle: variantFile, event, events, warmup: Math.min(500, Math.ceil(events / 10)) });
  });
  // The worker exits by itself once it has answered (a CPU profile, when asked for, is written then).
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  if (!reply.ok) throw new Error(`per-event worker for ${handler} failed: ${reply.error ?? '?'}\n${stderr}`);
  const costs = reply.costsUs ?? [];
  const sdk = reply.sdkUs ?? [];
  const own = costs.map((cost, i) => cost - (sdk[i] ?? 0));
  return {
    events: costs.length,
    medianUs: median(costs),
    p99Us: percentile(costs, 99),
    awsMedianUs: median(reply.awsUs ?? []),
    sdkMedianUs: median(sdk),
    sdkP99Us: percentile(sdk, 99),
    ownMedianUs: median(own),
    ownP99Us: percentile(own, 99),
    callsPerEvent: reply.callsPerEvent ?? 0,
    recordedOutcome: reply.recordedOutcome ?? '?',
    recordedCalls: reply.recordedCalls ?? [],
    outcomes: reply.outcomes ?? {},
    errors: reply.errors ?? 0,
    misses: reply.misses ?? 0,
    ...(reply.firstError ? { firstError: reply.firstError } : {}),
  };
}
