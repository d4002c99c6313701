// Stands in for @smithy/node-http-handler in the per-event benchmark's bundles: records AWS's answers once, then answers from memory.
// Everything else in the bundle is the handler as built (SDK middleware, serialisation, signing, parsing, our pipeline);
// only the wire is replaced, so "AWS answered instantly" is literal and the time spent in here is counted as AWS time.
import { NodeHttpHandler as RealNodeHttpHandler } from '@smithy/node-http-handler';
import { HttpResponse } from '@smithy/core/protocols';
import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { setTimeout } from 'node:timers';
import { chooseRecorded, requestFingerprint, requestShape } from './replay-match';

export * from '@smithy/node-http-handler';

/**
 * The benchmark's control object, put on globalThis before the bundle is imported:
 * { mode: 'record' | 'replay', recordings: Map<key, Array<{ request, response }>> (in the order the requests were sent),
 *   position: Map<key, Set<number>> (replay: the answers given in this decision), awsNs: bigint, calls: string[], misses: number,
 *   latencyMs: number (replay: each answer after this long), spans: Array<[startMs, endMs]> (replay: each call's interval),
 *   plantSequentialCall: boolean (one more round trip per event, before its first call: a planted regression),
 *   virtualMs: number (replay: the worker's Date.now() offset, advanced by latencyMs per answer) }
 */
const control = () => globalThis.__benchInMemoryTransport;

function header(request, name) {
  for (const [key, value] of Object.entries(request.headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** service + operation, from the SigV4 scope and the wire protocol (JSON target, RPCv2 CBOR path, query Action, REST method and path). */
export function describeRequest(request) {
  const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(header(request, 'authorization') ?? '')?.[1] ?? request.hostname ?? '?';
  const target = header(request, 'x-amz-target');
  if (target) return { service, operation: target.slice(target.lastIndexOf('.') + 1), exact: `${service} ${target}` };
  const cbor = /\/operation\/([^/?]+)$/.exec(request.path ?? '');
  if (cbor) return { service, operation: cbor[1], exact: `${service} ${request.path}` };
  const action = typeof request.body === 'string' ? /(?:^|&)Action=([^&]+)/.exec(request.body)?.[1] : undefined;
  if (action) return { service, operation: action, exact: `${service} ${action}` };
  // REST: the path names resources; a name that changes per event (a schedule per incident) falls back to the
  // first segment and the depth (POST /schedules/<name>).
  const segments = (request.path ?? '/').split('/').filter(Boolean);
  return {
    service,
    operation: `${request.method} /${segments.join('/')}`,
    exact: `${service} ${request.method} /${segments.join('/')}`,
    coarse: `${service} ${request.method} /${segments[0] ?? ''} #${segments.length}`,
  };
}

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * A recorded list's request fingerprints and their shapes, computed once per list (the recording is complete before the
 * replay) rather than for every recorded request at every replayed call: bench-only garbage the replay's scavenges would
 * otherwise charge partly to the handler (decision 332).
 */
const recordedIndex = new WeakMap();
function recordedRequests(list) {
  let index = recordedIndex.get(list);
  if (!index || index.fingerprints.length !== list.length) {
    const fingerprints = list.map((e) => e.request);
    index = { fingerprints, shapes: fingerprints.map(requestShape) };
    recordedIndex.set(list, index);
  }
  return index;
}

function respond(recorded) {
  return new HttpResponse({ statusCode: recorded.statusCode, headers: { ...recorded.headers }, body: Readable.from([recorded.body]) });
}

export class NodeHttpHandler {
  metadata = { handlerProtocol: 'http/1.1' };

  static create(instanceOrOptions) {
    if (typeof instanceOrOptions?.handle === 'function') return instanceOrOptions;
    return new NodeHttpHandler(instanceOrOptions);
  }

  constructor(options) {
    this.real = new RealNodeHttpHandler(options);
  }

  async handle(request, options) {
    const bench = control();
    if (!bench || bench.mode !== 'replay') {
      // Each answer is kept with the request it answered, in the order the requests were sent (not the order the
      // emulator answered concurrent ones): a replayed request is given the answer to the same request (replay-match.ts).
      const what = bench ? describeRequest(request) : undefined;
      const entry = { request: requestFingerprint(request), response: undefined };
      const lists = what ? [what.exact, what.coarse].filter(Boolean).map((key) => {
        const list = bench.recordings.get(key) ?? [];
        list.push(entry);
        bench.recordings.set(key, list);
        return list;
      }) : [];
      try {
        const { response } = await this.real.handle(request, options);
        entry.response = { statusCode: response.statusCode, headers: { ...response.headers }, body: await collect(response.body) };
      } catch (error) {
        // No answer, nothing to replay: the SDK's retry sends the request again.
        for (const list of lists) list.splice(list.indexOf(entry), 1);
        throw error;
      }
      if (what) bench.recorded.push(`${what.service}:${what.operation}`);
      return { response: respond(entry.response) };
    }
    const started = process.hrtime.bigint();
    // A fault the bench can plant (bench --check's own test): one more round trip before the event's first call.
    if (bench.plantSequentialCall && bench.calls.length === 0) {
      bench.calls.push('planted:ExtraSequentialCall');
      if (bench.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, bench.latencyMs));
      bench.virtualMs = (bench.virtualMs ?? 0) + bench.latencyMs;
      bench.spans?.push([Number(started) / 1e6, Number(process.hrtime.bigint()) / 1e6]);
    }
    const callStarted = process.hrtime.bigint();
    const what = describeRequest(request);
    const key = bench.recordings.has(what.exact) ? what.exact : what.coarse;
    const list = key ? bench.recordings.get(key) : undefined;
    bench.calls.push(`${what.service}:${what.operation}`);
    let response;
    const used = key ? (bench.position.get(key) ?? new Set()) : new Set();
    const recorded = list ? recordedRequests(list) : undefined;
    const chosen = recorded ? chooseRecorded(recorded.fingerprints, used, requestFingerprint(request), recorded.shapes) : undefined;
    if (list && chosen !== undefined) {
      used.add(chosen);
      bench.position.set(key, used);
      response = respond(list[chosen].response);
    } else {
      bench.misses += 1;
      response = new HttpResponse({
        statusCode: 400,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException' },
        body: Readable.from([Buffer.from('{"message":"not recorded by the benchmark"}')]),
      });
    }
    // A fixed latency, as a regional API answers: the per-event bench's sequential round trips are wall time / latency.
    if (bench.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, bench.latencyMs));
    // The worker's Date.now() in replay: each answer advances it by the modelled latency, not by the machine's speed.
    bench.virtualMs = (bench.virtualMs ?? 0) + bench.latencyMs;
    bench.spans?.push([Number(callStarted) / 1e6, Number(process.hrtime.bigint()) / 1e6]);
    bench.awsNs += process.hrtime.bigint() - started;
    return { response };
  }

  updateHttpClientConfig(key, value) {
    this.real.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs() {
    return this.real.httpHandlerConfigs();
  }

  destroy() {
    this.real.destroy();
  }
}
