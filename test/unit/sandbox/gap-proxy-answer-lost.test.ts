// The gap proxy's answerLost fault (review 19 R19-10): the call reaches the emulator and its change is made, then its
// answer is replaced by the rule's failure, or the connection cut; a plain failure rule never reaches the emulator.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';

const signed = `AWS4-HMAC-SHA256 Credential=AKIA111122223333MOTO/20261125/us-east-1/support/aws4_request, SignedHeaders=host, Signature=00`;

/** One Support call through the proxy: its status, or the socket error that cut it. */
function call(endpoint: string, operation: string): Promise<number | string> {
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: { authorization: signed, 'x-amz-target': `AWSSupport_20130415.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end('{"subject":"[inc-3f2a9c1b7d44 L3] x"}');
  });
}

describe('gap proxy answerLost', () => {
  let upstream: Server;
  let proxy: GapProxy;
  const reached: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      reached.push(String(req.headers['x-amz-target']));
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"caseId":"case-1"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startGapProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  });

  beforeEach(() => {
    reached.length = 0;
  });

  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('makes the change, then answers the rule\'s failure in place of the emulator\'s answer, as often as the rule says', async () => {
    proxy.setFaults([{ service: 'support', operation: 'CreateCase', times: 1, answerLost: true, status: 503, code: 'ServiceUnavailable' }]);
    expect(await call(proxy.endpoint, 'CreateCase')).toBe(503);
    expect(await call(proxy.endpoint, 'CreateCase')).toBe(200);
    expect(reached).toEqual(['AWSSupport_20130415.CreateCase', 'AWSSupport_20130415.CreateCase']);
  });

  it('makes the change and cuts the connection when the rule gives no status', async () => {
    proxy.setFaults([{ service: 'support', operation: 'CreateCase', times: 1, answerLost: true }]);
    expect(await call(proxy.endpoint, 'CreateCase')).toBe('ECONNRESET');
    expect(reached).toEqual(['AWSSupport_20130415.CreateCase']);
  });

  it('a failure rule without answerLost never reaches the emulator', async () => {
    proxy.setFaults([{ service: 'support', operation: 'CreateCase', times: 1, status: 503, code: 'ServiceUnavailable' }]);
    expect(await call(proxy.endpoint, 'CreateCase')).toBe(503);
    expect(reached).toEqual([]);
  });
});
