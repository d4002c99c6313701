// SDK clients for the account an alarm belongs to: the handler's own credentials, or a remediation role assumed there (STS).
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV } from '../config/names';
import { ConfigurationError, PermanentError } from '../errors';
import { partitionOf } from './arn';
import { callAws } from './classify-error';
import type { SdkClientConfig } from './client-config';

export { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV } from '../config/names';

export interface CrossAccountSettings {
  ownAccountId?: string;
  /** Undefined: cross-account mode is off and every alarm is handled with the handler's own credentials. */
  remediationRoleName?: string;
}

const ACCOUNT_ID = /^\d{12}$/;
// IAM role names: 1-64 characters of [\w+=,.@-] (IAM CreateRole RoleName).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// Temporary credentials are refreshed this long before they expire, so no request is signed with dying keys.
const REFRESH_MARGIN_MS = 5 * 60_000;
// STS AssumeRole DurationSeconds: 900..43200, capped by the role's MaxSessionDuration (default 3600).
const SESSION_SECONDS = 3600;

/** Reads REMEDIATION_ROLE_NAME and RUNBOOK_ACCOUNT_ID; a malformed value fails at start, naming the variable. */
export function crossAccountSettings(env: Record<string, string | undefined>): CrossAccountSettings {
  const roleName = env[REMEDIATION_ROLE_ENV] || undefined;
  const ownAccountId = env[OWN_ACCOUNT_ENV] || undefined;
  if (roleName !== undefined && !ROLE_NAME.test(roleName)) {
    throw new ConfigurationError(`Invalid runbook configuration: ${REMEDIATION_ROLE_ENV} must be an IAM role name, got "${roleName}"`, [REMEDIATION_ROLE_ENV]);
  }
  if (ownAccountId !== undefined && !ACCOUNT_ID.test(ownAccountId)) {
    throw new ConfigurationError(`Invalid runbook configuration: ${OWN_ACCOUNT_ENV} must be a 12-digit account id, got "${ownAccountId}"`, [OWN_ACCOUNT_ENV]);
  }
  return { ...(ownAccountId ? { ownAccountId } : {}), ...(roleName ? { remediationRoleName: roleName } : {}) };
}

export function remediationRoleArn(account: string, roleName: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}

/** An STS role session name (2-64 characters of [\w+=,.@-]) naming the handler, so CloudTrail shows who acted. */
export function roleSessionName(handler: string): string {
  return `notification-runbooks-${handler}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** The account of a raw event, read before parsing so the right clients can be chosen; the parser still validates it. */
export function accountOfRawEvent(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const account = (raw as { account?: unknown }).account;
  return typeof account === 'string' && ACCOUNT_ID.test(account) ? account : undefined;
}

/** arn:aws:lambda:us-east-1:123456789012:function:name -> 123456789012 */
export { accountOfArn } from './arn';

/**
 * Credentials of a role assumed with STS, fetched on first use (so an event rejected before any AWS call costs no
 * AssumeRole either), shared by every client of the account and refreshed before they expire.
 */
export function assumedRoleCredentials(
  sts: Pick<STSClient, 'send'>,
  roleArn: string,
  sessionName: string,
  nowMs: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fetchCredentials = async (): Promise<AwsCredentialIdentity> => {
    const { Credentials: credentials } = await callAws(`STS AssumeRole ${roleArn}`, () =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: SESSION_SECONDS })),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
      throw new PermanentError(`STS AssumeRole ${roleArn} returned no credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
      ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
    };
  };
  return async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - nowMs() > REFRESH_MARGIN_MS)) return cached;
    pending ??= fetchCredentials().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached;
  };
}

export interface AccountClientsOptions<T> {
  /** Builds one account's set of clients from an SDK configuration (credentials included when assumed). */
  build(config: SdkClientConfig): T;
  config: SdkClientConfig;
  settings: CrossAccountSettings;
  sessionName: string;
  /** The STS client that assumes the roles, with the handler's own credentials; built on first need. */
  createSts(config: SdkClientConfig): Pick<STSClient, 'send'>;
}

/** One set of clients per account, built once per container: the own account's eagerly, the others on first use. */
export class AccountClients<T> {
  private readonly own: T;
  private readonly assumed = new Map<string, T>();
  private sts: Pick<STSClient, 'send'> | undefined;

  constructor(private readonly options: AccountClientsOptions<T>) {
    this.own = options.build(options.config);
  }

  ownClients(): T {
    return this.own;
  }

  /**
   * The clients that act in `account`: the handler's own unless cross-account mode is configured and the account is
   * another one (`ownAccountHint`, e.g. from the invoked function's ARN, stands in when RUNBOOK_ACCOUNT_ID is unset).
   */
  forAccount(account: string | undefined, ownAccountHint?: string): T {
    const { settings } = this.options;
    const ownAccount = settings.ownAccountId ?? ownAccountHint;
    if (!settings.remediationRoleName || !account || account === ownAccount) return this.own;
    let clients = this.assumed.get(account);
    if (!clients) {
      this.sts ??= this.options.createSts(this.options.config);
      const roleArn = remediationRoleArn(account, settings.remediationRoleName, this.options.config.region ?? '');
      const credentials = assumedRoleCredentials(this.sts, roleArn, this.options.sessionName);
      clients = this.options.build({ ...this.options.config, credentials });
      this.assumed.set(account, clients);
    }
    return clients;
  }
}
