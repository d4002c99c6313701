// Common SDK v3 client settings: region, retry mode, timeouts. The endpoint comes from the SDK's own AWS_ENDPOINT_URL.
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';

export interface ClientConfigOptions {
  region?: string;
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface SdkClientConfig {
  region?: string;
  /** Unset: the SDK's default chain (the Lambda role). Set for a role assumed in another account (account-clients.ts). */
  credentials?: AwsCredentialIdentityProvider;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

/**
 * Settings every client shares. Adaptive retry backs off on throttling across calls of one container;
 * timeouts keep a hung endpoint from eating the Lambda's whole budget.
 */
export function clientConfig(options: ClientConfigOptions = {}): SdkClientConfig {
  return {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'adaptive',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 2000,
      requestTimeout: options.requestTimeoutMs ?? 10000,
    },
  };
}

/**
 * `config` with the SDK's `cacheMiddleware`: the client resolves a command class's middleware stack at its first send and
 * keeps the handler, instead of resolving it again at every send (the stack's copy, sort and closures: about 25 KB
 * allocated per call, decision 332). A send with handler options (an abortSignal: `deadlineBound`) still resolves anew.
 * The cached handler shares one handler context across every send of its class, concurrent ones included, and the
 * SDK's middleware writes per-request values into it (the resolved endpoint, the selected auth scheme and identity):
 * safe only for a client whose endpoint and auth parameters come from its configuration alone, never from a command's
 * input (no `contextParams` / `operationContextParams` endpoint instruction: DynamoDB's TableName and EventBridge's
 * EndpointId have one), whose middleware is never changed after its first send, and with one credential provider.
 * `CACHED_STACK_CLIENTS` names the clients checked so (test/unit/aws/cached-middleware.test.ts: every command's endpoint
 * instructions, and what its auth scheme middleware reads, sent through the client's stack); the document client
 * refuses the option outright.
 */
export function withCachedMiddleware<C extends object>(config: C): C & { cacheMiddleware: true } {
  return { ...config, cacheMiddleware: true };
}

/** The SDK clients built with `withCachedMiddleware`, each checked for a configuration-only endpoint (see there). */
export const CACHED_STACK_CLIENTS = ['EC2Client', 'RDSClient', 'ElastiCacheClient', 'LambdaClient', 'CloudWatchClient', 'SSMClient', 'APIGatewayClient', 'ApiGatewayV2Client'] as const;
