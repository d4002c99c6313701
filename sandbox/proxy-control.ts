// Client for the gap proxy's /__sandbox/ control channel, for test workers in other processes than the proxy.
import type { AwsOperation, FaultRule } from './gap-proxy';

async function call(endpoint: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = new URL(`/__sandbox/${path}`, endpoint);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    throw new Error(`the sandbox control channel is loopback only, got ${url.origin}`);
  }
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sandbox control ${method} ${path} failed: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** Replaces the proxy's fault rules; each fails its first `times` matching calls, then passes through. */
export async function setProxyFaults(endpoint: string, rules: FaultRule[]): Promise<void> {
  await call(endpoint, 'POST', 'faults', rules);
}

/** Removes every fault rule. */
export async function clearProxyFaults(endpoint: string): Promise<void> {
  await call(endpoint, 'DELETE', 'faults');
}

/**
 * The AWS calls recorded since `sinceIndex` (an earlier `.length` of the full list). The list is shared by every
 * test file using the proxy: filter on `accountId` rather than clearing it.
 */
export async function getProxyCalls(endpoint: string, sinceIndex = 0): Promise<AwsOperation[]> {
  const result = (await call(endpoint, 'GET', `calls?since=${sinceIndex}`)) as { calls: AwsOperation[] };
  return result.calls;
}

/** Empties the recorded calls (of every account: avoid while other test files run). */
export async function clearProxyCalls(endpoint: string): Promise<void> {
  await call(endpoint, 'DELETE', 'calls');
}
