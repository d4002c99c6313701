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
  /**
   * NodeHttpHandler's options (a plain object: each client builds its own handler from them, NodeHttpHandler.create).
   * `throwOnRequestTimeout: true` is what makes `requestTimeout` fail the attempt: without it @smithy/node-http-handler
   * (4.x) only logs a warning when the time passes and the call waits on (decision 337). Typed `true` so a client
   * built from this type cannot lose it (test/unit/aws/request-timeout.test.ts scans every construction).
   */
  requestHandler: { connectionTimeout: number; requestTimeout: number; socketTimeout: number; throwOnRequestTimeout: true };
}

/** The project's defaults (decision 337): a connection within 2 s; an answer's headers within 10 s, then no 10 s of silence. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 2000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Settings every client shares. Adaptive retry backs off on throttling across calls of one container; the timeouts
 * keep a hung endpoint from eating the Lambda's whole budget: an attempt whose connection is not made within
 * `connectionTimeoutMs`, whose answer has not begun within `requestTimeoutMs` (the handler's timer, started with the
 * request), or whose socket then stays silent that long (the answer's body stalled), fails with a TimeoutError. The SDK
 * retries it (a transient error, up to `maxAttempts`); past them it reaches the pipeline as transient
 * (classify-error.ts). An answer that keeps trickling bytes is bounded by none of them: only a deadline (call-deadline.ts).
 */
export function clientConfig(options: ClientConfigOptions = {}): SdkClientConfig {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'adaptive',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout,
      // The socket's inactivity once the answer has begun (requestTimeout's timer stops at the answer's headers). Unset,
      // it is the SDK's (none, or 300-900 s with AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026).
      socketTimeout: requestTimeout,
      throwOnRequestTimeout: true,
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
