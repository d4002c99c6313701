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
