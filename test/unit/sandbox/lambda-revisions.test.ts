// The gap proxy keeps a Lambda function's RevisionId as Lambda does: the same for every reader until an update renews it,
// and an update conditioned on any other one refused with PreconditionFailedException (412). Driven with the real SDK
// client through the proxy, in front of a stand-in upstream that, like moto, keeps no revision and ignores the one sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { accessKeyIdForAccount } from '../../../sandbox/credentials';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';
import { functionNameOfPath, LambdaRevisions, STALE_REVISION_MESSAGE, withRevision } from '../../../sandbox/lambda-revisions';

const ACCOUNT = '111122223333';
const FN = 'notification-service-consumer';

describe('LambdaRevisions', () => {
  it.each([
    ['a name', `/2015-03-31/functions/${FN}/configuration`, FN],
    ['a full ARN, URL-encoded', `/2015-03-31/functions/${encodeURIComponent(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FN}`)}/configuration`, FN],
    ['a partial ARN', `/2015-03-31/functions/${encodeURIComponent(`${ACCOUNT}:function:${FN}`)}`, FN],
    ['no function (the event source mappings)', '/2015-03-31/event-source-mappings/abc', undefined],
  ])('reads the function a path names: %s', (_case, path, expected) => {
    expect(functionNameOfPath(path)).toBe(expected);
  });

  it('keeps one revision per function until an update renews it; a qualified read or an unknown account has none kept', () => {
    const revisions = new LambdaRevisions();
    const read = revisions.functionOf({ operation: 'GetFunctionConfiguration', accountId: ACCOUNT, region: 'us-east-1', pathname: `/2015-03-31/functions/${FN}/configuration` });
    const other = revisions.functionOf({ operation: 'GetFunction', accountId: ACCOUNT, region: 'us-east-1', pathname: '/2015-03-31/functions/other' });
    if (!read || !other) throw new Error('expected both reads to name a function');
    const first = revisions.revisionOf(read.key);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(revisions.revisionOf(read.key)).toBe(first);
    expect(revisions.revisionOf(other.key)).not.toBe(first);
    expect(revisions.staleRevision(read.key, first)).toBeUndefined();
    expect(revisions.staleRevision(read.key, undefined)).toBeUndefined();
    revisions.renew(read.key);
    expect(revisions.revisionOf(read.key)).not.toBe(first);
    expect(revisions.staleRevision(read.key, first)).toBe(STALE_REVISION_MESSAGE);
    expect(revisions.functionOf({ operation: 'GetFunctionConfiguration', accountId: ACCOUNT, pathname: `/2015-03-31/functions/${FN}/configuration`, qualifier: '3' })).toBeUndefined();
    expect(revisions.functionOf({ operation: 'GetFunctionConfiguration', pathname: `/2015-03-31/functions/${FN}/configuration` })).toBeUndefined();
  });

  it('puts the revision where Lambda does: on the configuration, in GetFunction under Configuration', () => {
    expect(JSON.parse(withRevision('GetFunctionConfiguration', Buffer.from('{"MemorySize":512}'), 'r1').toString())).toEqual({ MemorySize: 512, RevisionId: 'r1' });
    expect(JSON.parse(withRevision('GetFunction', Buffer.from('{"Configuration":{"MemorySize":512},"Code":{}}'), 'r1').toString())).toEqual({
      Configuration: { MemorySize: 512, RevisionId: 'r1' },
      Code: {},
    });
  });
});

describe('the gap proxy answers RevisionId as Lambda does', () => {
  let upstream: Server;
  let proxy: GapProxy;
  let lambda: LambdaClient;
  /** What the stand-in upstream received: the updates that reached it. */
  const updates: Array<Record<string, unknown>> = [];
  let memorySize = 512;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const configuration = (): Record<string, unknown> => ({ FunctionName: FN, MemorySize: memorySize, LastUpdateStatus: 'Successful' });
        const path = (req.url ?? '').split('?')[0];
        if (req.method === 'PUT' && path === `/2015-03-31/functions/${FN}/configuration`) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
          updates.push(body);
          if (typeof body.MemorySize === 'number') memorySize = body.MemorySize;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(configuration()));
        } else if (req.method === 'GET' && path === `/2015-03-31/functions/${FN}/configuration`) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(configuration()));
        } else if (req.method === 'GET' && path === `/2015-03-31/functions/${FN}`) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Configuration: configuration(), Code: {} }));
        } else {
          res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }).end('{"message":"not found"}');
        }
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startGapProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: accessKeyIdForAccount(ACCOUNT), secretAccessKey: 'sandbox' },
    });
  });

  afterAll(async () => {
    lambda.destroy();
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('gives every reader the same RevisionId, renews it on an update, and refuses an update on the old one without reaching the emulator', async () => {
    const read = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }));
    const viaGetFunction = await lambda.send(new GetFunctionCommand({ FunctionName: FN }));
    expect(read.RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(viaGetFunction.Configuration?.RevisionId).toBe(read.RevisionId);

    const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, MemorySize: 768, RevisionId: read.RevisionId }));
    expect(updated.RevisionId).not.toBe(read.RevisionId);
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }))).RevisionId).toBe(updated.RevisionId);

    const stale = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, MemorySize: 1024, RevisionId: read.RevisionId })).catch((error: unknown) => error);
    expect(stale).toMatchObject({ name: 'PreconditionFailedException', $metadata: { httpStatusCode: 412 } });
    // Only the conditioned update on the latest revision reached the emulator; the stale one changed nothing.
    expect(updates.map((u) => u.MemorySize)).toEqual([768]);
    expect(memorySize).toBe(768);

    // An update without a RevisionId is not conditioned, as in Lambda, and still renews the revision.
    const unconditioned = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, MemorySize: 512 }));
    expect(unconditioned.RevisionId).not.toBe(updated.RevisionId);
    expect(updates.map((u) => u.MemorySize)).toEqual([768, 512]);
  });
});
