// Child process of the per-event benchmark: one handler's in-memory-transport bundle, one event recorded against the
// emulator, then thousands of distinct incidents answered from memory; per event: wall time minus time inside the transport.
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';

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
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
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
    for (let n = 0; n < job.warmup + job.events; n += 1) {
      const event = nthIncident(job.event, n);
      transport.position = new Map();
      transport.awsNs = 0n;
      transport.sendNs = 0n;
      transport.calls = [];
      const started = process.hrtime.bigint();
      const startedMs = performance.now();
      const outcome = await invoke(event);
      const totalNs = process.hrtime.bigint() - started;
      if (n < job.warmup) continue;
      intervals.push([startedMs, performance.now()]);
      costsUs.push(Number(totalNs - transport.awsNs) / 1000);
      awsUs.push(Number(transport.awsNs) / 1000);
      // The SDK's client-side work: time inside client.send that was not the transport's.
      sdkUs.push(Number(transport.sendNs - transport.awsNs) / 1000);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      callsPerEvent = transport.calls.length;
    }
    // Let the observer deliver what it has, then attribute each pause to the event it fell in.
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const entry of gcObserver.takeRecords?.() ?? []) gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
    gcObserver.disconnect();
    const gcUs = intervals.map(([from, to]) => gcPauses.reduce((sum, [start, end]) => sum + Math.max(0, Math.min(to, end) - Math.max(from, start)), 0) * 1000);

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
      outcomes,
      errors,
      firstError,
      misses: transport.misses,
    }, () => process.exit(0));
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) }, () => process.exit(1));
  }
});
