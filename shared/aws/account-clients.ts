// SDK clients for the account an alarm belongs to: the handler's own credentials, or a remediation role assumed there (STS).
import type { AwsCredentialIdentityProvider, Pluggable } from '@aws-sdk/types';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { OWN_ACCOUNT_ENV, remediationSourceIdentity, REMEDIATION_ROLE_ENV, SESSION_TAG_KEYS } from '../config/names';
import { ConfigurationError, PermanentError } from '../errors';
import { incidentIdFor } from '../escalation/incident';
import { stateChangeKey } from '../events/state-change-key';
import { partitionOf } from './arn';
import { classifyAwsError } from './classify-error';
import type { SdkClientConfig } from './client-config';
import { lazy } from './lazy-client';

/** The STS credential provider, loaded the first time a role is assumed (never in a handler acting in its own account). */
const temporaryCredentials = lazy(() => import('./temporary-credentials'));

export { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV } from '../config/names';

export interface CrossAccountSettings {
  ownAccountId?: string;
  /** Undefined: cross-account mode is off and every alarm is handled with the handler's own credentials. */
  remediationRoleName?: string;
}

const ACCOUNT_ID = /^\d{12}$/;
// IAM role names: 1-64 characters of [\w+=,.@-] (IAM CreateRole RoleName).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
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
export function roleSessionName(handler: string, incidentId?: string): string {
  if (!incidentId) return remediationSourceIdentity(handler);
  return `${handler}.${incidentId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** Session tag keys the remediation roles' trust policies admit (infra/lib/remediation-roles-stack.ts). */
export { SESSION_TAG_KEYS } from '../config/names';

/** What an assumed-role session says about who acts and why: in CloudTrail, in the role's `aws:PrincipalTag`s. */
export interface RemediationSession {
  RoleSessionName: string;
  /** Kept through role chaining and shown in CloudTrail as sourceIdentity: the handler's function name. */
  SourceIdentity: string;
  Tags: Array<{ Key: string; Value: string }>;
}

/**
 * The session a handler opens in a workload account for one incident: its name carries handler and incident id
 * (`scale-consumers.inc-3f2a9c1b7d44`), its source identity the handler's function name, its tags both and the region the
 * handler runs in. One role serves every region of the handler; the trust admits each region's execution role only with
 * its own region as `runbook-region`, and the role's permissions act only in the tagged region (decision 147).
 * Without an incident (a caller that has none) the session names the handler only.
 */
export function remediationSession(handler: string, where: { region: string; incidentKey?: string | undefined }): RemediationSession {
  const incidentId = where.incidentKey ? incidentIdFor(where.incidentKey) : undefined;
  return {
    RoleSessionName: roleSessionName(handler, incidentId),
    SourceIdentity: remediationSourceIdentity(handler),
    Tags: [
      { Key: SESSION_TAG_KEYS.playbook, Value: handler },
      ...(incidentId ? [{ Key: SESSION_TAG_KEYS.incident, Value: incidentId }] : []),
      { Key: SESSION_TAG_KEYS.region, Value: where.region },
    ],
  };
}

/**
 * A raw event as the alarm parser reads it: an object, or its JSON text (an SQS body, a test invoke). The account and
 * incident key must be read from the same event the parser validates, or JSON text would pick the handler's own
 * credentials while the parser accepts the workload's account (attacker review, decision 90).
 */
function rawEventObject(raw: unknown): object | undefined {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return undefined; // The parser rejects it, naming the reason.
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/**
 * The incident key of a raw alarm event (alarm ARN + state timestamp in its one form, as shared/events/alarm-event.ts builds it), read
 * before parsing so the session can name it; undefined when the event does not look like one (the parser rejects it).
 */
export function incidentKeyOfRawEvent(input: unknown): string | undefined {
  const raw = rawEventObject(input);
  if (raw === undefined) return undefined;
  const event = raw as { resources?: unknown; region?: unknown; account?: unknown; detail?: { alarmName?: unknown; state?: { timestamp?: unknown } } };
  const timestamp = event.detail?.state?.timestamp;
  if (typeof timestamp !== 'string') return undefined;
  const first = Array.isArray(event.resources) ? (event.resources[0] as unknown) : undefined;
  if (typeof first === 'string') return stateChangeKey(first, timestamp);
  const { region, account } = event;
  const alarmName = event.detail?.alarmName;
  if (typeof region !== 'string' || typeof account !== 'string' || typeof alarmName !== 'string') return undefined;
  return stateChangeKey(`arn:${partitionOf(region)}:cloudwatch:${region}:${account}:alarm:${alarmName}`, timestamp);
}

/** The account of a raw event, read before parsing so the right clients can be chosen; the parser still validates it. */
export function accountOfRawEvent(input: unknown): string | undefined {
  const raw = rawEventObject(input);
  if (raw === undefined) return undefined;
  const account = (raw as { account?: unknown }).account;
  return typeof account === 'string' && ACCOUNT_ID.test(account) ? account : undefined;
}

/** arn:aws:lambda:us-east-1:123456789012:function:name -> 123456789012 */
export { accountOfArn } from './arn';

// arn:aws:sts::222222222222:assumed-role/notification-runbooks-remediate-scale-consumers/scale-consumers.inc-3f2a9c1b7d44
const ASSUMED_ROLE_ARN = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/**
 * Why an AssumeRole answer is not the session asked for, or undefined when it is: the assumed role's ARN
 * (AssumedRoleUser.Arn) must name the partition, account and role of `roleArn`. Credentials for any other account are refused
 * before a client in that account signs anything with them, so a mis-routed role (a wrong account id, a trust or
 * endpoint mistake) fails loudly instead of acting elsewhere.
 */
export function assumedIdentityProblem(roleArn: string, output: unknown): string | undefined {
  const asked = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  const arn = (output as { AssumedRoleUser?: { Arn?: unknown } } | undefined)?.AssumedRoleUser?.Arn;
  if (typeof arn !== 'string') return `STS AssumeRole ${roleArn} answered without AssumedRoleUser.Arn: the credentials' account cannot be checked, refused`;
  const got = ASSUMED_ROLE_ARN.exec(arn);
  // Partition, account and role name must all be the ones asked for (STS drops a role's path from the session ARN).
  if (!asked || !got || got[1] !== asked[1] || got[2] !== asked[2] || got[3] !== asked[3]) {
    return `STS AssumeRole ${roleArn} returned credentials for ${arn}, not role ${asked?.[3] ?? '?'} in account ${asked?.[2] ?? '?'}: refused (partition ${asked?.[1] ?? '?'}, account and role must be the ones asked for), nothing is called with them`;
  }
  return undefined;
}

/** An STS client plugin that refuses an AssumeRole answer for another account or role (assumedIdentityProblem). */
function assumedIdentityCheck(roleArn: string): Pluggable<object, object> {
  return {
    applyToStack: (stack) => {
      stack.add(
        (next) => async (args) => {
          const result = await next(args);
          const problem = assumedIdentityProblem(roleArn, result.output);
          if (problem) throw new PermanentError(problem);
          return result;
        },
        // Added again on every refresh (fromTemporaryCredentials applies its plugins per call): replace, never stack up.
        { step: 'initialize', name: 'assumedIdentityCheck', override: true },
      );
    },
  };
}

/**
 * Credentials of a role assumed with STS (the SDK's fromTemporaryCredentials, its module loaded then), fetched on first use (so an event rejected
 * before any AWS call costs no AssumeRole either), shared by every client of the session (the SDK's own memoization,
 * refreshed five minutes before expiry) and classified like any AWS failure: a refusal is permanent and names the role.
 */
export function assumedRoleCredentials(config: SdkClientConfig, roleArn: string, session: RemediationSession): AwsCredentialIdentityProvider {
  const { credentials, ...stsConfig } = config;
  let provider: AwsCredentialIdentityProvider | undefined;
  const classified: AwsCredentialIdentityProvider = async (properties) => {
    try {
      provider ??= (await temporaryCredentials()).fromTemporaryCredentials({
        params: { RoleArn: roleArn, DurationSeconds: SESSION_SECONDS, ...session },
        // The handler's own credentials (the environment's in Lambda) sign the AssumeRole, with the project's client settings.
        ...(credentials ? { masterCredentials: credentials } : {}),
        clientConfig: stsConfig,
        // fromTemporaryCredentials keeps only the Credentials of the answer: the identity is checked on the STS client.
        clientPlugins: [assumedIdentityCheck(roleArn)],
      });
      return await provider(properties);
    } catch (error) {
      throw classifyAwsError(error, `STS AssumeRole ${roleArn} (session ${session.RoleSessionName})`);
    }
  };
  // Never undefined for a provider given; the type allows it for an unset one.
  return memoizeIdentityProvider(classified, isIdentityExpired, doesIdentityRequireRefresh) as AwsCredentialIdentityProvider;
}

export interface AccountClientsOptions<T> {
  /** Builds one account's set of clients from an SDK configuration (credentials included when assumed). */
  build(config: SdkClientConfig): T;
  config: SdkClientConfig;
  settings: CrossAccountSettings;
  /** The handler whose remediation role is assumed: it names the session. */
  handler: string;
}

/**
 * One set of clients per account: the own account's built once per container, another account's per incident, since
 * the session names the incident. Lambda runs one event at a time per container, so one session per account is kept.
 */
export class AccountClients<T> {
  private readonly own: T;
  private readonly assumed = new Map<string, { sessionName: string; clients: T }>();

  constructor(private readonly options: AccountClientsOptions<T>) {
    this.own = options.build(options.config);
  }

  ownClients(): T {
    return this.own;
  }

  /**
   * The clients that act in `account`: the handler's own unless cross-account mode is configured and the account is
   * another one (`ownAccountHint`, e.g. from the invoked function's ARN, stands in when RUNBOOK_ACCOUNT_ID is unset).
   * `incidentKey` names the session (and tags it), so what the role did in the workload account is the incident's.
   */
  forAccount(account: string | undefined, ownAccountHint?: string, incidentKey?: string): T {
    const { settings } = this.options;
    const ownAccount = settings.ownAccountId ?? ownAccountHint;
    if (!settings.remediationRoleName || !account || account === ownAccount) return this.own;
    const { region } = this.options.config;
    // The session is tagged with the region the handler runs in, and the role acts only there: no region, no session.
    if (!region) throw new ConfigurationError(`Cross-account mode needs the handler's region (AWS_REGION) to tag its session in ${account}: the remediation role admits a session only with its region`, ['AWS_REGION']);
    const session = remediationSession(this.options.handler, { region, incidentKey });
    const known = this.assumed.get(account);
    if (known?.sessionName === session.RoleSessionName) return known.clients;
    const roleArn = remediationRoleArn(account, settings.remediationRoleName, region);
    const clients = this.options.build({ ...this.options.config, credentials: assumedRoleCredentials(this.options.config, roleArn, session) });
    this.assumed.set(account, { sessionName: session.RoleSessionName, clients });
    return clients;
  }
}
