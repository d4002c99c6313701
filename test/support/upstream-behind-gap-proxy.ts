// A stand-in upstream behind the real gap proxy (sandbox/gap-proxy.ts), for unit tests that put the proxy's faults
// between a caller and "AWS" without the emulator: an HTTP server answering every request 200 with one JSON body, the
// proxy in front of it. Registered for the describe block it is called in: started before its cases, stopped after them;
// the requests that reached the upstream are listed afresh for each case.
import { createServer, type RequestOptions, type Server } from 'node:http';
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

/** One JSON-protocol call's request, as a unit test sends it to the gap proxy by hand. */
export interface JsonProtocolCall {
  /** The service of the SigV4-shaped Authorization's credential scope (the proxy reads the service from it). */
  service: string;
  /** X-Amz-Target, e.g. DynamoDB_20120810.GetItem. */
  target: string;
  /** application/x-amz-json-1.0 unless told. */
  contentType?: string;
  /** The credential's access key id (the proxy maps it to the account); the sandbox's example key unless told. */
  accessKeyId?: string;
  /** More headers (the account header, for one). */
  headers?: Record<string, string>;
}

/** node:http request options for one POST of `call` to the proxy at `endpoint`: no agent (a fresh connection each). */
export function jsonProtocolPost(endpoint: string, call: JsonProtocolCall): RequestOptions {
  const url = new URL(endpoint);
  const credential = `${call.accessKeyId ?? 'AKIAIOSFODNN7EXAMPLE'}/20261207/us-east-1/${call.service}/aws4_request`;
  return {
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: '/',
    agent: false,
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=00`,
      'x-amz-target': call.target,
      'content-type': call.contentType ?? 'application/x-amz-json-1.0',
      ...call.headers,
    },
  };
}
