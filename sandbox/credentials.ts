// Fake credentials and SDK environment that point every AWS SDK v3 client at the local sandbox, one account per access key.

/*
 * How moto 5.2.1 picks the account of a request (moto/core/responses.py, get_current_account),
 * confirmed against moto_server with STS GetCallerIdentity and SQS ListQueues:
 *   1. the MOTO_ACCOUNT_ID environment variable of the moto process (server-wide);
 *   2. an `x-moto-account-id` request header;
 *   3. an access key moto itself issued (IAM CreateAccessKey, STS AssumeRole into
 *      arn:aws:iam::ACCOUNT:role/x gives keys that resolve to ACCOUNT);
 *   4. otherwise the default account 123456789012.
 * An arbitrary access key, even a 12-digit one, is NOT read as an account id: every unknown key
 * lands in 123456789012. The SDK cannot send a custom header from environment settings alone, so
 * the sandbox encodes the account in the access key id (`AKIA` + 12 digits + `MOTO`, 20 characters
 * like a real key) and the gap proxy turns it into `x-moto-account-id`. Talking to moto directly
 * (MOTO_ENDPOINT) with such a key therefore always lands in the default account.
 */

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
const SANDBOX_SECRET_ACCESS_KEY = 'sandbox-secret-access-key';
const SANDBOX_KEY_PATTERN = /^AKIA(\d{12})MOTO$/;

/** The sandbox access key id that stands for `accountId` behind the gap proxy. */
export function accessKeyIdForAccount(accountId: string): string {
  if (!/^\d{12}$/.test(accountId)) {
    throw new Error(`accountId must be 12 digits, got "${accountId}"`);
  }
  return `AKIA${accountId}MOTO`;
}

/** The account a sandbox access key id stands for, or undefined for any other key. */
export function accountIdFromAccessKeyId(accessKeyId: string): string | undefined {
  return SANDBOX_KEY_PATTERN.exec(accessKeyId)?.[1];
}

export interface SandboxEnvOptions {
  endpoint: string;
  accountId?: string;
  region?: string;
  /** The environment being overridden; defaults to process.env. Only used to blank service-specific endpoints. */
  inherited?: Record<string, string | undefined>;
}

/**
 * Environment variables for a process whose SDK clients must reach the sandbox and nothing else.
 * Empty strings deliberately neutralise inherited settings the SDK would otherwise prefer: the SDK
 * treats an empty value as unset.
 */
export function sandboxEnv(opts: SandboxEnvOptions): Record<string, string> {
  const region = opts.region ?? DEFAULT_REGION;
  const env: Record<string, string> = {};
  // AWS_ENDPOINT_URL_<SERVICE> beats AWS_ENDPOINT_URL in the SDK's endpoint resolution: blank any inherited one.
  for (const name of Object.keys(opts.inherited ?? process.env)) {
    if (name.startsWith('AWS_ENDPOINT_URL_')) env[name] = '';
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: opts.endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: accessKeyIdForAccount(opts.accountId ?? DEFAULT_ACCOUNT_ID),
    AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
    // A real session token would be sent alongside the fake key.
    AWS_SESSION_TOKEN: '',
    AWS_CREDENTIAL_EXPIRATION: '',
    // With AWS_PROFILE set the SDK's default chain skips the env keys (and may call SSO/STS for real).
    AWS_PROFILE: '',
    // No instance-metadata lookups for credentials or region.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
