// withCachedSigner (decision 350): a client keeps the first SigV4 signer its default factory builds instead of building one
// per request. Real SDK clients with the project's settings, their requests answered by a fake endpoint at a fixed
// instant: the cached client's requests carry exactly the default client's signatures, request by request, one signer
// built for all of them (concurrent ones included); a rotated identity is still used; a failed build is not kept.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { AwsCredentialIdentityProvider, FinalizeRequestMiddleware, MiddlewareStack, RequestSigner } from '@aws-sdk/types';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { withCachedSigner, type SigningClient } from '../../../shared/aws/cached-signer';
import { clientConfig, withCachedMiddleware } from '../../../shared/aws/client-config';
import { connectionTimeoutPlaybook } from '../../../shared/playbooks/connection-timeout';

const region = 'us-east-1';
const xml = (body: string) => ({ type: 'text/xml', body });
// Minimal well-formed answers of each protocol (EC2 query, AWS query, REST JSON): the request is the subject here.
const ANSWERS = {
  ec2: xml('<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><subnetSet/></DescribeSubnetsResponse>'),
  rds: xml(
    '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBInstancesResponse>',
  ),
  elastiCache: xml(
    '<DescribeReplicationGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeReplicationGroupsResult><ReplicationGroups/></DescribeReplicationGroupsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>',
  ),
  lambda: { type: 'application/json', body: '{"FunctionName":"f"}' },
};
type Kind = keyof typeof ANSWERS;

interface Built {
  send(n: number): Promise<unknown>;
  client: SigningClient;
}

/** A client of `kind` on the fake endpoint, each request's signing headers pushed to `signed`. */
function build(kind: Kind, signed: string[], credentials: AwsCredentialIdentityProvider): Built {
  const handle = async (request: HttpRequest): Promise<{ response: HttpResponse }> => {
    signed.push(['authorization', 'x-amz-date', 'x-amz-security-token'].map((h) => `${h}: ${String(request.headers[h])}`).join('\n'));
    const { type, body } = ANSWERS[kind];
    return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': type }, body: Readable.from([Buffer.from(body)]) }) };
  };
  const config = { ...withCachedMiddleware(clientConfig({ region })), credentials, requestHandler: { handle } };
  switch (kind) {
    case 'ec2': {
      const client = new EC2Client(config);
      fixInvocationId(client.middlewareStack);
      return { client, send: (n) => client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [`subnet-${n}`] }] })) };
    }
    case 'rds': {
      const client = new RDSClient(config);
      fixInvocationId(client.middlewareStack);
      return { client, send: (n) => client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `db-${n}` })) };
    }
    case 'elastiCache': {
      const client = new ElastiCacheClient(config);
      fixInvocationId(client.middlewareStack);
      return { client, send: (n) => client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: `cache-${n}` })) };
    }
    case 'lambda': {
      const client = new LambdaClient(config);
      fixInvocationId(client.middlewareStack);
      return { client, send: (n) => client.send(new GetFunctionConfigurationCommand({ FunctionName: `fn-${n}` })) };
    }
  }
}

/**
 * The SDK's invocation id is a random UUID per request, and signed: made the request's own digest just before signing
 * (the same request from either client, the same id), so two clients' signatures can be compared.
 */
function fixInvocationId<I extends object, O extends object>(stack: MiddlewareStack<I, O>): void {
  const middleware: FinalizeRequestMiddleware<I, O> = (next) => async (args) => {
    const request = args.request as HttpRequest;
    const body = typeof request.body === 'string' ? request.body : '';
    request.headers['amz-sdk-invocation-id'] = createHash('sha256').update(`${request.path}?${JSON.stringify(request.query)}\n${body}`).digest('hex');
    return next(args);
  };
  stack.addRelativeTo(middleware, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'testFixedInvocationId' });
}

const staticCredentials: AwsCredentialIdentityProvider = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });

/** The client's factory, counted: how many signers it built. */
function countBuilds(client: SigningClient): { builds: () => number } {
  let builds = 0;
  const factory = client.config.signer;
  client.config.signer = (authScheme) => {
    builds += 1;
    return factory(authScheme);
  };
  return { builds: () => builds };
}

beforeEach(() => {
  // Only the clock is fixed (the signing date): the SDK's timers and ticks run as they do.
  jest.useFakeTimers({
    now: new Date('2026-12-07T12:00:00Z'),
    doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
  });
});
afterEach(() => jest.useRealTimers());

describe('withCachedSigner: one signer per client, the same signatures as one per request', () => {
  it.each<Kind>(['ec2', 'rds', 'elastiCache', 'lambda'])('%s: six requests (three one by one, three at once) signed exactly as the default client signs them, by one signer', async (kind) => {
    const [byDefault, byCached] = [[] as string[], [] as string[]];
    const plain = build(kind, byDefault, staticCredentials);
    const plainBuilds = countBuilds(plain.client);
    const cached = build(kind, byCached, staticCredentials);
    const cachedBuilds = countBuilds(cached.client);
    withCachedSigner(cached.client);
    for (const { send } of [plain, cached]) {
      for (const n of [1, 2, 3]) await send(n);
      await Promise.all([4, 5, 6].map((n) => send(n)));
    }
    expect(byCached).toHaveLength(6);
    expect(byCached).toEqual(byDefault);
    expect(byCached[0]).toMatch(/^authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261207\/us-east-1\/[a-z0-9]+\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}\n/);
    expect(new Set(byCached).size).toBe(6);
    expect(plainBuilds.builds()).toBe(6);
    expect(cachedBuilds.builds()).toBe(1);
  });

  it('signs with the identity of the moment: a rotated key is used by the kept signer, as by the default', async () => {
    /** A provider whose identities expire within the SDK's refresh window, so every request asks it again. */
    const rotating = (): AwsCredentialIdentityProvider => {
      let issued = 0;
      return async () => {
        issued += 1;
        return { accessKeyId: `AKIDROTATED${issued}`, secretAccessKey: `secret-${issued}`, expiration: new Date(Date.now() + 60_000) };
      };
    };
    const keysOf = (signed: string[]) => signed.map((s) => /Credential=(\w+)\//.exec(s)?.[1]);
    const [byDefault, byCached] = [[] as string[], [] as string[]];
    const plain = build('ec2', byDefault, rotating());
    const cached = build('ec2', byCached, rotating());
    withCachedSigner(cached.client);
    for (const { send } of [plain, cached]) {
      await send(1);
      await send(2);
    }
    expect(new Set(keysOf(byCached)).size).toBe(2);
    expect(keysOf(byCached)).toEqual(keysOf(byDefault));
    expect(byCached).toEqual(byDefault);
  });

  it('keeps no failed build: the request after a failed one builds again, and that signer is kept', async () => {
    const signer = { sign: async (request: unknown) => request } as unknown as RequestSigner;
    let calls = 0;
    const client: SigningClient = {
      config: {
        signer: async () => {
          calls += 1;
          if (calls === 1) throw new Error('region not resolved');
          return signer;
        },
      },
    };
    withCachedSigner(client);
    await expect(client.config.signer()).rejects.toThrow('region not resolved');
    await expect(client.config.signer()).resolves.toBe(signer);
    await expect(client.config.signer()).resolves.toBe(signer);
    expect(calls).toBe(2);
  });

  it("inspect-security-groups' own clients keep their signer; a client built without it builds one per request", async () => {
    const config = clientConfig({ region });
    const clients = connectionTimeoutPlaybook.createClients?.(config, { cloudWatch: new CloudWatchClient(config) });
    if (!clients) throw new Error('inspect-security-groups builds its own clients');
    for (const client of [clients.lambda, clients.ec2, clients.rds, clients.elastiCache]) {
      expect(await client.config.signer()).toBe(await client.config.signer());
    }
    const plain = new EC2Client(clientConfig({ region }));
    expect(await plain.config.signer()).not.toBe(await plain.config.signer());
  });
});
