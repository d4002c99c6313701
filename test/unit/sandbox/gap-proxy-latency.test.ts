// The gap proxy's latency faults (a fault rule's latencyMs): a slow answer, passed through or failed after it; told, not
// waited, to a caller on a rehearsal clock that does not sleep, whose clock passes it (sandbox/rehearsal/script-runner.ts),
// a latency at or past the client's read timeout ending as botocore's ReadTimeoutError. Review 17, R17-3.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';
import { getProxyFaults } from '../../../sandbox/proxy-control';
import { runPythonScript } from '../../../sandbox/rehearsal/script-runner';
import { jsonProtocolPost } from '../../support/upstream-behind-gap-proxy';
import type { Clock } from '../../../shared/clock';
import { LATENCY_HEADER, TRICKLE_HEADER } from '../../../sandbox/virtual-latency';

const BASE = Date.parse('2026-12-07T08:00:00Z');

/**
 * Three ListTables through the proxy with the DR scripts' bounded config: 10 s read timeout, 2 attempts, standard mode.
 * botocore's backoff before a retry is random and slept with time.sleep: the script records each one it slept, so the
 * figures on its clock (nothing but sleeps and the latencies the proxy names: the host's own time is not on it) are exact.
 */
const THREE_CALLS = `import time

import boto3
from botocore.config import Config


def handler(events, context):
    backoffs = []
    on_clock = time.sleep
    def recorded(seconds):
        backoffs.append(seconds)
        on_clock(seconds)
    time.sleep = recorded
    client = boto3.client('dynamodb', endpoint_url=events['endpoint'], region_name='us-east-1', aws_access_key_id='AKIAIOSFODNN7EXAMPLE',
                          aws_secret_access_key='sandbox', config=Config(connect_timeout=5, read_timeout=10, retries={'total_max_attempts': 2, 'mode': 'standard'}))
    began = time.time()
    client.list_tables()
    slow = time.time() - began
    client.list_tables()
    retried = time.time() - began - slow
    try:
        client.list_tables()
        gave_up = None
    except Exception as error:
        gave_up = type(error).__name__
    return {'slow': slow, 'retried': retried, 'gaveUp': gave_up, 'backoffs': backoffs}
`;

interface ThreeCalls {
  slow: number;
  retried: number;
  gaveUp: string | null;
  /** botocore's backoffs before its retries, in s, in the order slept. */
  backoffs: number[];
}

/** One JSON-protocol call from Node (a caller on the host's clock): its status, the latency and trickle headers, its body and in how many pieces it came. */
function call(endpoint: string): Promise<{ status: number; latency: string | undefined; trickle?: string | undefined; body?: string; pieces?: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      jsonProtocolPost(endpoint, { service: 'dynamodb', target: 'DynamoDB_20120810.ListTables' }),
      (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (piece: Buffer) => pieces.push(piece));
        res.once('end', () => {
          const answered = { status: res.statusCode ?? 0, latency: res.headers[LATENCY_HEADER] as string | undefined };
          const trickle = res.headers[TRICKLE_HEADER] as string | undefined;
          resolve(pieces.length > 1 || trickle ? { ...answered, trickle, body: Buffer.concat(pieces).toString('utf8'), pieces: pieces.length } : answered);
        });
      },
    );
    req.once('error', reject);
    req.end('{}');
  });
}

describe('gap proxy latency faults', () => {
  let upstream: Server;
  let proxy: GapProxy;
  let reached = 0;
  /** The emulator's own answer time (the host's load), in ms. */
  let emulatorMs = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      reached += 1;
      req.resume();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"TableNames":[]}'), emulatorMs);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startGapProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  });

  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("passes on a script's clock without waiting: a slow answer is its latency, one past the read timeout is that timeout and botocore's retry, two are a ReadTimeoutError; each attempt reached the emulator", async () => {
    reached = 0;
    proxy.setFaults([
      { service: 'dynamodb', times: 1, latencyMs: 7_000 },
      { service: 'dynamodb', times: 1, latencyMs: 12_000 },
      { service: 'dynamodb', times: 1, latencyMs: 1 },
      { service: 'dynamodb', times: 2, latencyMs: 12_000 },
    ]);
    let advanced = 0;
    const clock: Clock = { now: () => new Date(BASE + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
    const value = (await runPythonScript({ script: THREE_CALLS, handler: 'handler', payload: { endpoint: proxy.endpoint }, region: 'us-east-1', timeoutSeconds: 600, clock })) as ThreeCalls;
    // Two retries, each after standard mode's backoff (random, under 1 s).
    expect(value.backoffs).toHaveLength(2);
    const [first = -1, second = -1] = value.backoffs;
    for (const backoff of [first, second]) {
      expect(backoff).toBeGreaterThanOrEqual(0);
      expect(backoff).toBeLessThan(1);
    }
    // 7 s exactly; then 10 s (the read timeout, not the 12 s stall) + the first backoff + the 1 ms retry.
    expect(value.slow).toBe(7);
    // (To a microsecond: the script reads it as a difference of two times near 1.8e9 s, whose float step is 0.24 us.)
    expect(value.retried).toBeCloseTo(10 + first + 0.001, 6);
    expect(value.gaveUp).toBe('ReadTimeoutError');
    expect((await getProxyFaults(proxy.endpoint)).map((f) => f.remaining)).toEqual([0, 0, 0, 0]);
    expect(reached).toBe(5);
    // The rehearsal's clock moved on by all of it and nothing else: 7 + 10 + 0.001 + 10 + 10 s and the two backoffs.
    expect(advanced).toBeCloseTo(37_001 + (first + second) * 1000, 6);
  });

  it("leaves the emulator's own answer time off the script's clock: a call without a latency fault takes none of it", async () => {
    emulatorMs = 600;
    proxy.setFaults([{ service: 'dynamodb', times: 1, latencyMs: 7_000 }]);
    let advanced = 0;
    const clock: Clock = { now: () => new Date(BASE + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
    try {
      const value = (await runPythonScript({ script: THREE_CALLS, handler: 'handler', payload: { endpoint: proxy.endpoint }, region: 'us-east-1', timeoutSeconds: 600, clock })) as ThreeCalls;
      // The first call is its 7 s of latency exactly, not 7.6; the next two (no fault left) none of the emulator's 0.6 s
      // each, nor any of the host's time building, signing and parsing them: 0 s.
      expect(value).toEqual({ slow: 7, retried: 0, gaveUp: null, backoffs: [] });
      expect(advanced).toBe(7_000);
    } finally {
      emulatorMs = 0;
    }
  });

  it('holds a caller on the host clock itself and answers it as the emulator did, without the header', async () => {
    reached = 0;
    proxy.setFaults([{ service: 'dynamodb', times: 1, latencyMs: 50 }]);
    expect(await call(proxy.endpoint)).toEqual({ status: 200, latency: undefined });
    expect((await getProxyFaults(proxy.endpoint)).map((f) => f.remaining)).toEqual([0]);
    expect(reached).toBe(1);
  });

  it('fails a call after its latency when the rule also names a status and code', async () => {
    reached = 0;
    proxy.setFaults([{ service: 'dynamodb', times: 1, latencyMs: 50, status: 503, code: 'ServiceUnavailable' }]);
    expect(await call(proxy.endpoint)).toEqual({ status: 503, latency: undefined });
    expect(reached).toBe(0);
  });

  it("dribbles a trickled answer to a caller on the host clock in pieces, whole and as the emulator gave it (review 18, R18-7)", async () => {
    reached = 0;
    proxy.setFaults([{ service: 'dynamodb', times: 1, trickleMs: 400 }]);
    // 17 bytes over 400 ms: two pieces (TRICKLE_PIECE_MS 200), the second ending the answer.
    expect(await call(proxy.endpoint)).toEqual({ status: 200, latency: undefined, trickle: undefined, body: '{"TableNames":[]}', pieces: 2 });
    expect((await getProxyFaults(proxy.endpoint)).map((f) => f.remaining)).toEqual([0]);
    expect(reached).toBe(1);
  });

  it("passes a trickle on a script's clock whole and without a ReadTimeoutError, however far past the read timeout (review 18, R18-7)", async () => {
    reached = 0;
    // Each trickled answer is 60 s, six times the script's 10 s read timeout: botocore's read_timeout is per socket read.
    proxy.setFaults([{ service: 'dynamodb', times: 3, trickleMs: 60_000 }]);
    let advanced = 0;
    const clock: Clock = { now: () => new Date(BASE + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
    const value = (await runPythonScript({ script: THREE_CALLS, handler: 'handler', payload: { endpoint: proxy.endpoint }, region: 'us-east-1', timeoutSeconds: 600, clock })) as ThreeCalls;
    expect(value).toEqual({ slow: 60, retried: 60, gaveUp: null, backoffs: [] });
    expect((await getProxyFaults(proxy.endpoint)).map((f) => f.remaining)).toEqual([0]);
    expect(reached).toBe(3);
    expect(advanced).toBe(180_000);
  });

  it('refuses a rule that neither fails, delays, trickles, holds, loses its answer nor leaves an instance modifying, and a status without a code', () => {
    expect(() => proxy.setFaults([{ service: 'dynamodb', times: 1 }])).toThrow(
      /fails its calls \(status, code\), delays them \(latencyMs\), trickles their answers \(trickleMs\), holds them until released \(hold\), loses their answers \(answerLost\), leaves the instance modifying \(rdsModifying\), or several/,
    );
    expect(() => proxy.setFaults([{ service: 'dynamodb', times: 1, status: 503 }])).toThrow(/status and code together, or neither/);
  });
});
