// The gap proxy's outage: after a chosen call reaches the upstream its answer is lost and every later call is cut, until the outage ends.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';

const signed = (service: string): string =>
  `AWS4-HMAC-SHA256 Credential=AKIA111122223333MOTO/20261125/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;

/** One JSON-protocol call through the proxy: its status, or the socket error that cut it. */
function call(endpoint: string, target: string): Promise<number | string> {
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    const req = request(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', agent: false, headers: { authorization: signed('dynamodb'), 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end('{}');
  });
}

describe('gap proxy outage', () => {
  let upstream: Server;
  let proxy: GapProxy;
  const reached: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      reached.push(String(req.headers['x-amz-target']));
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startGapProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  });

  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('lets the matching call reach the emulator, loses its answer, cuts every call after it, and recovers when it ends', async () => {
    proxy.startOutage({ after: { service: 'dynamodb', operation: 'PutItem' } });
    expect(await call(proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe(200);
    expect(await call(proxy.endpoint, 'DynamoDB_20120810.PutItem')).toBe('ECONNRESET');
    expect(await call(proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe('ECONNRESET');
    expect(reached).toEqual(['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.PutItem']);
    proxy.endOutage();
    expect(await call(proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe(200);
  });

  it('cuts every call at once when no call is named', async () => {
    reached.length = 0;
    proxy.startOutage();
    expect(await call(proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe('ECONNRESET');
    expect(reached).toEqual([]);
    proxy.endOutage();
  });
});
