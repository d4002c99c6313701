// The gap proxy's outage: after a chosen call reaches the upstream its answer is lost and every later call is cut, until the outage ends.
import { request } from 'node:http';
import { useUpstreamBehindGapProxy } from '../../support/upstream-behind-gap-proxy';

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
  const behind = useUpstreamBehindGapProxy();

  it('lets the matching call reach the emulator, loses its answer, cuts every call after it, and recovers when it ends', async () => {
    behind.proxy.startOutage({ after: { service: 'dynamodb', operation: 'PutItem' } });
    expect(await call(behind.proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe(200);
    expect(await call(behind.proxy.endpoint, 'DynamoDB_20120810.PutItem')).toBe('ECONNRESET');
    expect(await call(behind.proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe('ECONNRESET');
    expect(behind.reached).toEqual(['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.PutItem']);
    behind.proxy.endOutage();
    expect(await call(behind.proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe(200);
  });

  it('cuts every call at once when no call is named', async () => {
    behind.proxy.startOutage();
    expect(await call(behind.proxy.endpoint, 'DynamoDB_20120810.GetItem')).toBe('ECONNRESET');
    expect(behind.reached).toEqual([]);
    behind.proxy.endOutage();
  });
});
