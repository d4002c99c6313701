// A stand-in upstream behind the real gap proxy (sandbox/gap-proxy.ts), for unit tests that put the proxy's faults
// between a caller and "AWS" without the emulator: an HTTP server answering every request 200 with one JSON body, the
// proxy in front of it. Registered for the describe block it is called in: started before its cases, stopped after them;
// the requests that reached the upstream are listed afresh for each case.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGapProxy, type GapProxy } from '../../sandbox/gap-proxy';

export interface UpstreamBehindGapProxy {
  /** The gap proxy in front of the upstream (started in beforeAll). */
  readonly proxy: GapProxy;
  /** The X-Amz-Target of every request that reached the upstream in this case, in order. */
  readonly reached: string[];
}

export function useUpstreamBehindGapProxy(body = '{}'): UpstreamBehindGapProxy {
  const reached: string[] = [];
  const upstream: Server = createServer((req, res) => {
    reached.push(String(req.headers['x-amz-target']));
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
  });
  let proxy: GapProxy | undefined;

  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startGapProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  });
  beforeEach(() => {
    reached.length = 0;
  });
  afterAll(async () => {
    await proxy?.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  return {
    get proxy(): GapProxy {
      if (!proxy) throw new Error('the gap proxy is started in beforeAll: read it in a case');
      return proxy;
    },
    reached,
  };
}
