// Child process of the per-event benchmark: one handler's in-memory-transport bundle, one event recorded against the
// emulator, then thousands of distinct incidents answered from memory; per event: wall time minus time inside the transport.
import { Buffer } from 'node:buffer';
import { openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize, writeHeapSnapshot } from 'node:v8';

/** The same state change at a later instant: a new incident (alarm ARN + state timestamp) that the pipeline handles in full. */
function nthIncident(event, n) {
  const copy = deserialize(serialize(event));
  const detail = copy.detail ?? {};
  const base = Date.parse(detail.state?.timestamp ?? copy.time ?? new Date().toISOString());
  const at = new Date(base + n + 1);
  if (detail.state) detail.state.timestamp = at.toISOString().replace('Z', '+0000');
  // Only an EventBridge envelope has an id; a Scheduler timer's input is replayed as it is (its schema is strict).
  if (typeof copy.id === 'string') copy.id = `${String(n).padStart(8, '0')}-bench-0000-0000-000000000000`;
  return copy;
}

/**
 * The calling thread's time waiting on a CPU's run queue so far, in ns (the kernel's schedstat run_delay, brought up to
 * date each time the thread is switched in, so exact when read by the running thread); undefined where /proc has none.
 */
function runqueueReader() {
  try {
    const fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    const buffer = Buffer.alloc(96);
    const read = () => {
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      return BigInt(buffer.toString('latin1', 0, length).split(' ')[1]);
    };
    read();
    return read;
  } catch {
    return undefined;
  }
}

/** The sampling heap profiler through the inspector, every 4 KB allocated by default (BENCH_ALLOC_PROF_INTERVAL bytes). */
async function allocationProfiler() {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('HeapProfiler.enable');
  return {
    start: () =>
      post('HeapProfiler.startSampling', {
        samplingInterval: Number(process.env.BENCH_ALLOC_PROF_INTERVAL ?? 4096),
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      }),
    stop: async (file) => {
      const { profile } = await post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function lambdaContext(handler) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `notification-runbooks-${handler}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:${process.env.BENCH_ACCOUNT_ID ?? '123456789012'}:function:notification-runbooks-${handler}`,
    memoryLimitInMB: '256',
    awsRequestId: 'bench-request',
    logGroupName: `/aws/lambda/notification-runbooks-${handler}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 60_000,
  };
}

process.once('message', async (job) => {
  try {
    const transport = {
      mode: 'record',
      recordings: new Map(),
      position: new Map(),
      awsNs: 0n,
      sendNs: 0n,
      sendsInFlight: 0,
      sendStarted: 0n,
      readRunqueueNs: undefined,
      sendRunqueueNs: 0n,
      sendRunqueueStarted: 0n,
      calls: [],
      recorded: [],
      misses: 0,
      latencyMs: 0,
      spans: undefined,
      plantSequentialCall: false,
    };
    globalThis.__benchInMemoryTransport = transport;
    const { handler } = await import(pathToFileURL(job.bundle).href);
    const context = lambdaContext(job.handler);

    // Against the emulator, through the real transport: the answers to replay.
    const recordedDecision = await handler(job.event, context);
    transport.mode = 'replay';
    // The handler's Date.now() is the bench's from here on (decision 115): frozen at the start of the replay and advanced
    // by each answer's fixed latency, so a wall-clock cache (the kill switch's killSwitchCacheSeconds) expires after the
    // same answered calls on any machine at any load, never because the machine was slow. A read whose cache is shorter
    // than the modelled time still shows as a call; `new Date()` and timers keep the real clock.
    const replayStartedMs = Date.now();
    transport.virtualMs = 0;
    Date.now = () => replayStartedMs + transport.virtualMs;

    // Garbage collection is reported apart: each pause is attributed to the event it fell in.
    const gcPauses = [];
    const gcKinds = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
        gcKinds.push(entry.detail?.kind);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const intervals = [];

    const costsUs = [];
    const awsUs = [];
    const sdkUs = [];
    const outcomes = {};
    let callsPerEvent = 0;
    let errors = 0;
    let firstError;
    /** One decision: its outcome, or 'threw' (counted, the first error kept). */
    const invoke = async (event) => {
      try {
        const decision = await handler(event, context);
        return decision?.outcome ?? decision?.action ?? 'returned';
      } catch (error) {
        errors += 1;
        firstError ??= String(error?.stack ?? error);
        return 'threw';
      }
    };
    // The main thread's time runnable but not running, per event and inside the SDK's sends (sdk-send-timer.mjs): another
    // process (or thread) held the CPU. Reported beside our pipeline's time, never silently taken out of it.
    const readRunqueueNs = runqueueReader();
    transport.readRunqueueNs = readRunqueueNs;
    const waitUs = [];
    const warmupOwnUs = [];
    const warmupWaitUs = [];
    // BENCH_TRACE=<dir>: every event's figures in order, the warm-up's too, with the main thread's context switches
    // (voluntary: it blocked, e.g. an idle event loop waiting for a timer; involuntary: it was preempted).
    const trace = process.env.BENCH_TRACE ? [] : undefined;
    const heapAfterGc = [];
    const switches = () => {
      const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
      return [/voluntary_ctxt_switches:\s+(\d+)/, /nonvoluntary_ctxt_switches:\s+(\d+)/].map((re) => Number(re.exec(status)?.[1] ?? NaN));
    };
    // BENCH_ALLOC_PROF=<dir>: V8's sampling heap profiler over the measured events, collected objects included (what a
    // decision allocates, not what it keeps), written there as a .heapprofile (Chrome DevTools reads it).
    const allocProfile = process.env.BENCH_ALLOC_PROF ? await allocationProfiler() : undefined;
    for (let n = 0; n < job.warmup + job.events; n += 1) {
      if (allocProfile && n === job.warmup) await allocProfile.start();
      const event = nthIncident(job.event, n);
      transport.position = new Map();
      transport.awsNs = 0n;
      transport.sendNs = 0n;
      transport.sendRunqueueNs = 0n;
      transport.calls = [];
      const switchesBefore = trace ? switches() : undefined;
      const waitBefore = readRunqueueNs?.();
      const started = process.hrtime.bigint();
      const startedMs = performance.now();
      const outcome = await invoke(event);
      const totalNs = process.hrtime.bigint() - started;
      const eventWaitNs = readRunqueueNs ? readRunqueueNs() - waitBefore : undefined;
      const ownWaitUs = eventWaitNs === undefined ? undefined : Number(eventWaitNs - transport.sendRunqueueNs) / 1000;
      const ownUs = Number(totalNs - transport.sendNs) / 1000;
      if (trace) {
        const after = switches();
        trace.push([
          n < job.warmup ? 'warmup' : 'measured',
          startedMs,
          Number(totalNs) / 1000,
          Number(transport.sendNs - transport.awsNs) / 1000,
          Number(transport.awsNs) / 1000,
          ownUs,
          eventWaitNs === undefined ? '' : Number(eventWaitNs) / 1000,
          ownWaitUs ?? '',
          after[0] - switchesBefore[0],
          after[1] - switchesBefore[1],
        ]);
      }
      // With BENCH_NODE_FLAGS=--expose-gc, the heap left after a full collection every 100 decisions (outside the
      // timed window): a per-container store that grows with the decisions handled shows here.
      if (trace && typeof globalThis.gc === 'function' && n % 100 === 99) {
        globalThis.gc();
        heapAfterGc.push([n + 1, process.memoryUsage().heapUsed]);
        // BENCH_HEAP_SNAPSHOTS=1 as well: a snapshot after the warm-up and one at the end, to tell what grew.
        if (process.env.BENCH_HEAP_SNAPSHOTS && (n + 1 === job.warmup || n + 1 === job.warmup + job.events)) {
          writeHeapSnapshot(join(process.env.BENCH_TRACE, `${job.handler.replace(/\W+/g, '-')}-${process.pid}-${n + 1}.heapsnapshot`));
        }
      }
      if (n < job.warmup) {
        warmupOwnUs.push(ownUs);
        if (ownWaitUs !== undefined) warmupWaitUs.push(ownWaitUs);
        continue;
      }
      if (ownWaitUs !== undefined) waitUs.push(ownWaitUs);
      intervals.push([startedMs, performance.now()]);
      costsUs.push(Number(totalNs - transport.awsNs) / 1000);
      awsUs.push(Number(transport.awsNs) / 1000);
      // The SDK's client-side work: time inside client.send that was not the transport's.
      sdkUs.push(Number(transport.sendNs - transport.awsNs) / 1000);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      callsPerEvent = transport.calls.length;
    }
    if (allocProfile) await allocProfile.stop(join(process.env.BENCH_ALLOC_PROF, `${job.handler.replace(/\W+/g, '-')}-${process.pid}.heapprofile`));
    // Let the observer deliver what it has, then attribute each pause to the event it fell in.
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const entry of gcObserver.takeRecords?.() ?? []) {
      gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
      gcKinds.push(entry.detail?.kind);
    }
    gcObserver.disconnect();
    const gcUs = intervals.map(([from, to]) => gcPauses.reduce((sum, [start, end]) => sum + Math.max(0, Math.min(to, end) - Math.max(from, start)), 0) * 1000);
    if (allocProfile) {
      // Beside the profile, what bench/alloc-by-owner.ts divides by and counts: the measured events, the collections that
      // began between the first measured event's start and the last one's end (the bench's own work between events
      // included), and each recorded answer's size (what the SDK parses at every replayed call).
      const [windowFrom, windowTo] = [intervals[0]?.[0] ?? 0, intervals.at(-1)?.[1] ?? 0];
      const inWindow = gcKinds.filter((_, i) => gcPauses[i][0] >= windowFrom && gcPauses[i][0] <= windowTo);
      const answers = new Map();
      for (const [key, list] of transport.recordings) for (const entry of list) if (!answers.has(entry)) answers.set(entry, key);
      writeFileSync(
        join(process.env.BENCH_ALLOC_PROF, `${job.handler.replace(/\W+/g, '-')}-${process.pid}.json`),
        JSON.stringify({
          handler: job.handler,
          events: job.events,
          scavenges: inWindow.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length,
          markCompacts: inWindow.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MAJOR).length,
          otherCollections: inWindow.filter((kind) => kind !== constants.NODE_PERFORMANCE_GC_MINOR && kind !== constants.NODE_PERFORMANCE_GC_MAJOR).length,
          eventsWithGc: gcUs.filter((us) => us > 0).length,
          recordedAnswers: [...answers].map(([entry, key]) => [key, entry.response?.body?.length ?? 0]),
        }),
      );
    }

    // Round trips: the same handler, each AWS answer after a fixed latency; every event a new incident.
    const latency = [];
    if (job.latencyMs > 0 && job.latencyEvents > 0) {
      transport.latencyMs = job.latencyMs;
      transport.plantSequentialCall = Boolean(job.plantSequentialCall);
      for (let n = 0; n < job.latencyEvents; n += 1) {
        const event = nthIncident(job.event, job.warmup + job.events + n);
        transport.position = new Map();
        transport.calls = [];
        transport.spans = [];
        const startedMs = performance.now();
        const outcome = await invoke(event);
        latency.push({ wallMs: performance.now() - startedMs, outcome, calls: transport.calls, spans: transport.spans });
      }
      transport.latencyMs = 0;
      transport.spans = undefined;
    }

    if (trace) {
      const gcOf = (i) => (i < job.warmup ? '' : Math.round(gcUs[i - job.warmup] * 10) / 10);
      const rows = trace.map((row, i) => [i, ...row.map((v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)), gcOf(i)].join(','));
      writeFileSync(
        join(process.env.BENCH_TRACE, `${job.handler.replace(/\W+/g, '-')}-${process.pid}.csv`),
        `n,phase,startMs,wallUs,sdkUs,awsUs,ownUs,eventRunqueueUs,ownRunqueueUs,voluntarySwitches,involuntarySwitches,gcUs\n${rows.join('\n')}\n`,
      );
      if (heapAfterGc.length > 0) {
        writeFileSync(join(process.env.BENCH_TRACE, `${job.handler.replace(/\W+/g, '-')}-${process.pid}.heap.csv`), `decisions,heapUsedBytes\n${heapAfterGc.map((row) => row.join(',')).join('\n')}\n`);
      }
    }
    process.send({
      ok: true,
      gcUs,
      latency,
      recordedOutcome: recordedDecision?.outcome ?? recordedDecision?.action ?? 'returned',
      recordedReason: recordedDecision?.reason,
      recordedCalls: transport.recorded,
      callsPerEvent,
      costsUs,
      awsUs,
      sdkUs,
      ...(readRunqueueNs ? { waitUs } : {}),
      warmupOwnUs,
      ...(readRunqueueNs ? { warmupWaitUs } : {}),
      outcomes,
      errors,
      firstError,
      misses: transport.misses,
    }, () => process.exit(0));
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) }, () => process.exit(1));
  }
});
