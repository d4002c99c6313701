// Runs a built handler bundle in this process as Lambda would: import dist/handlers/<name>/index.mjs once, call handler(event, context).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type BundleHandler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

export class BundleNotBuiltError extends Error {
  constructor(readonly handlerName: string, path: string) {
    super(`no built bundle for handler "${handlerName}" at ${path}: run npm run build`);
    this.name = 'BundleNotBuiltError';
  }
}

/** Where bundles live: RUNBOOK_DIST or ./dist relative to the working directory. */
export function distDir(): string {
  return resolve(process.env.RUNBOOK_DIST ?? join(process.cwd(), 'dist'));
}

export function bundlePath(handlerName: string): string {
  return join(distDir(), 'handlers', handlerName, 'index.mjs');
}

export function isBundleBuilt(handlerName: string): boolean {
  return existsSync(bundlePath(handlerName));
}

const loaded = new Map<string, Promise<BundleHandler>>();

/**
 * Imports the bundle once per process and region: module scope runs once, like a Lambda container's cold start. A
 * handler reads its region (AWS_REGION) at module scope; `region` gives it a container of its own there (the DR
 * region's watch-standby and escalate, beside the primary's): the entry is imported again under another URL with
 * AWS_REGION set to that region while it loads. Without `region` the process's own region.
 */
export function loadBundle(handlerName: string, region?: string): Promise<BundleHandler> {
  if (!/^[a-z][a-z0-9-]*$/.test(handlerName)) return Promise.reject(new Error(`invalid handler name "${handlerName}"`));
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) return Promise.reject(new Error(`invalid region "${region}"`));
  const path = bundlePath(handlerName);
  if (!existsSync(path)) return Promise.reject(new BundleNotBuiltError(handlerName, path));
  const key = region === undefined ? handlerName : `${handlerName}@${region}`;
  let promise = loaded.get(key);
  if (!promise) {
    // A real dynamic import (the CLI is an ES module): ts/jest must not rewrite it into require().
    const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<{ handler?: BundleHandler }>;
    const href = pathToFileURL(path).href;
    promise = (region === undefined ? importModule(href) : inRegion(region, () => importModule(`${href}?region=${region}`))).then((mod) => {
      if (typeof mod.handler !== 'function') throw new Error(`${path} does not export a handler function`);
      return mod.handler;
    });
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return promise;
}

/** Runs `load` with AWS_REGION and AWS_DEFAULT_REGION set to `region`, and puts them back after. */
async function inRegion<T>(region: string, load: () => Promise<T>): Promise<T> {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  Object.assign(process.env, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  try {
    return await load();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** A Lambda context object as the Node.js runtime passes it. */
export function lambdaContext(handlerName: string, timeoutMs = 60_000, region = process.env.AWS_REGION ?? 'us-east-1'): Record<string, unknown> {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `notification-runbooks-${handlerName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:notification-runbooks-${handlerName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/notification-runbooks-${handlerName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

let captureDepth = 0;
let captureSink: ((chunk: string) => void) | undefined;
let restoreStreams: (() => void) | undefined;

function installCapture(): () => void {
  const originals = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captureSink?.(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      rest.find((r): r is () => void => typeof r === 'function')?.();
      return true;
    }) as typeof stream.write;
    return { stream, write };
  });
  return () => {
    for (const { stream, write } of originals) stream.write = write as typeof stream.write;
  };
}

/**
 * Invokes a bundle, sending what it writes to stdout and stderr (its structured logs: Powertools writes warnings and
 * errors to stderr) to `logSink` instead, so a caller's own output stays readable. Concurrent invocations share one
 * capture, installed by the first and removed by the last. `region`: the bundle's container there (loadBundle).
 */
export async function invokeBundle(handlerName: string, event: unknown, logSink?: (chunk: string) => void, region?: string): Promise<unknown> {
  const handler = await loadBundle(handlerName, region);
  const context = (): Record<string, unknown> => lambdaContext(handlerName, undefined, region);
  if (!logSink) return handler(event, context());
  captureSink = logSink;
  if (captureDepth === 0) restoreStreams = installCapture();
  captureDepth += 1;
  try {
    return await handler(event, context());
  } finally {
    captureDepth -= 1;
    if (captureDepth === 0) {
      restoreStreams?.();
      restoreStreams = undefined;
      captureSink = undefined;
    }
  }
}
