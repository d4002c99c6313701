// Sorts an AWS SDK error into the pipeline's error classes: retry (transient) or record and escalate (permanent).
import { isClockSkewError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';
import { ConfigurationError, GuardrailError, InvalidInputError, PermanentError, TransientError } from '../errors';

/**
 * What the project retries beyond the SDK's own classification (@smithy/core retry service-error-classification:
 * THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES, NODEJS_TIMEOUT_ERROR_CODES, NODEJS_NETWORK_ERROR_CODES, 500-504, 429),
 * which is asked first (review 21a R21-5): a name the SDK retries is still worth Lambda's retry once the SDK's attempts
 * have run out. The SDK's names stay listed here too, so an error from another realm, whose name survives only in the
 * SDK's wrapper message, is judged by the same list.
 */
const TRANSIENT_NAMES = new Set([
  // The SDK's throttling codes (THROTTLING_ERROR_CODES).
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
  // KMS throttling a call made with an SSE-KMS key, as SNS names it (Publish: KMSThrottlingException) and SQS does
  // (SendMessage: KmsThrottled): in neither of the SDK's lists, and as passing as KMS's own ThrottlingException.
  'KMSThrottlingException',
  'KmsThrottled',
  'ResourceConflictException',
  // Lambda: "The operation conflicts with the resource's availability. For example, you tried to update an event source
  // mapping in the CREATING state" (API reference, UpdateEventSourceMapping errors; HTTP 400): it clears, like a conflict.
  'ResourceInUseException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServiceError',
  'ServiceException',
  // The SDK's transient codes (TRANSIENT_ERROR_CODES) and Node's network codes (NODEJS_TIMEOUT_ERROR_CODES,
  // NODEJS_NETWORK_ERROR_CODES: an unreachable host or network, a DNS answer not found or not yet given).
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // A call given up at its invocation's deadline (shared/aws/call-deadline.ts): its answer is lost as a network error's
  // is, and it is retried as one (review 18b R18-10).
  'CallDeadlineExceeded',
]);

/**
 * Names the project holds permanent whatever else the error carries (review 21b R21b-5): the SDK's classification calls
 * any error transient whose `$metadata.clockSkewCorrected` is set or whose `cause` chain holds a transient one, and a
 * refused input, a failed condition or a missing resource is not cured by a retry.
 */
const PERMANENT_NAMES = new Set(['ValidationException', 'ValidationError', 'ConditionalCheckFailedException', 'InvalidDBInstanceStateFault', 'InvalidDBInstanceState']);
/** `ResourceNotFoundException`, `ParameterNotFound`, `DBInstanceNotFoundFault`, `InvalidParameterValue`, ... (case-sensitive: Node's ENOTFOUND is not one). */
const PERMANENT_NAME_PATTERNS = [/NotFound/, /^InvalidParameter/];

function isPermanentName(name: string | undefined): boolean {
  return name !== undefined && (PERMANENT_NAMES.has(name) || PERMANENT_NAME_PATTERNS.some((pattern) => pattern.test(name)));
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
  $fault?: 'client' | 'server';
}

export function errorName(error: unknown): string {
  const e = error as SdkErrorShape;
  return e?.name ?? e?.code ?? 'Error';
}

/** True for errors worth retrying: throttling, conflicts, 5xx, network failures. */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof PermanentError) return false;
  // The project's own verdicts (bad input, a guardrail, its configuration) stay what they say, whatever their cause.
  if (error instanceof InvalidInputError || error instanceof GuardrailError || error instanceof ConfigurationError) return false;
  const e = error as SdkErrorShape;
  if (!e || typeof e !== 'object') return false;
  // A denial is permanent even where the SDK would retry it: AccessDeniedException is one of its clock-skew codes,
  // retried once it corrected the skew; a denial that outlived that correction is the policy's, not the clock's.
  if (isAccessDenied(error)) return false;
  // Asked before the SDK, which retries any error on the attempt that corrected a clock skew and any with a transient cause.
  if (isPermanentName(e.name) || isPermanentName(e.code)) return false;
  const sdk = error as SdkError;
  if (isThrottlingError(sdk) || isTransientError(skewOnlyIfSkewError(sdk))) return true;
  if (TRANSIENT_NAMES.has(e.name ?? '') || TRANSIENT_NAMES.has(e.code ?? '')) return true;
  // The SDK's retry middleware replaces an error from another JavaScript realm (node:vm, Jest's sandbox) with
  // "AWS SDK error wrapper for TimeoutError: socket hang up": the original name survives only in the message.
  const wrapped = /^AWS SDK error wrapper for (\w+)/.exec(e.message ?? '')?.[1];
  if (wrapped && TRANSIENT_NAMES.has(wrapped)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return e.$fault === 'server';
}

/**
 * The error as the SDK's `isTransientError` should judge it: `$metadata.clockSkewCorrected` says the SDK corrected its
 * clock on this attempt, which cures a refusal for skew (RequestTimeTooSkewed, SignatureDoesNotMatch: its clock-skew codes)
 * and nothing else; on any other error the flag is hidden (the error itself is not changed).
 */
function skewOnlyIfSkewError(error: SdkError): SdkError {
  if (!error.$metadata?.clockSkewCorrected || isClockSkewError(error)) return error;
  return Object.create(error, { $metadata: { value: { ...error.$metadata, clockSkewCorrected: false } } }) as SdkError;
}

/** Error codes AWS services answer when the caller's policy lacks a permission (403). */
const ACCESS_DENIED_NAMES = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'AuthorizationError', 'UnauthorizedException']);

/** IAM service prefix of the service named in a callAws label ("Lambda UpdateEventSourceMapping"). */
const IAM_PREFIXES: Readonly<Record<string, string>> = {
  'CloudWatch Logs': 'logs',
  CloudWatch: 'cloudwatch',
  DynamoDB: 'dynamodb',
  EC2: 'ec2',
  ElastiCache: 'elasticache',
  EventBridge: 'events',
  IAM: 'iam',
  Lambda: 'lambda',
  RDS: 'rds',
  Scheduler: 'scheduler',
  SNS: 'sns',
  SQS: 'sqs',
  SSM: 'ssm',
  STS: 'sts',
  Support: 'support',
};

/** The action an AWS denial names: "User: ... is not authorized to perform: sts:TagSession on resource: ...". */
const NAMED_ACTION = /is not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9*]+)/;

/** What a role's trust policy judges when it is assumed: the caller, the session's tags and its source identity. */
const TRUST_ACTIONS: ReadonlySet<string> = new Set(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);

export function isAccessDenied(error: unknown): boolean {
  const e = error as SdkErrorShape;
  return ACCESS_DENIED_NAMES.has(e?.name ?? '') || ACCESS_DENIED_NAMES.has(e?.code ?? '');
}

/** "Lambda UpdateEventSourceMapping" -> "lambda:UpdateEventSourceMapping"; undefined when the label names no known service. */
export function iamActionOf(operation: string): string | undefined {
  const service = Object.keys(IAM_PREFIXES).find((name) => operation.startsWith(`${name} `));
  const api = service === undefined ? undefined : /^[A-Z][A-Za-z0-9]+/.exec(operation.slice(service.length + 1))?.[0];
  return service === undefined || api === undefined ? undefined : `${IAM_PREFIXES[service]}:${api}`;
}

/** Wraps an SDK error in TransientError or PermanentError, naming the operation, keeping the cause. */
export function classifyAwsError(error: unknown, operation: string): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const said = (error as SdkErrorShape)?.message ?? String(error);
  let message = `${operation} failed: ${errorName(error)}: ${said}`;
  // Some services' denials do not say which action was refused (SQS: "Access to the resource ... is denied"): name it.
  // Where AWS's denial names it ("is not authorized to perform: sts:TagSession on resource: ..."), that one: it need
  // not be the call's own (an AssumeRole with session tags is refused sts:TagSession by the role's trust, decision 147).
  const action = isAccessDenied(error) ? (NAMED_ACTION.exec(said)?.[1] ?? iamActionOf(operation)) : undefined;
  // Assuming a remediation role (shared/aws/account-clients.ts), a refused sts:AssumeRole / TagSession / SetSourceIdentity
  // is the role's trust judging the caller and the session's tags (its region, decision 147): nothing is missing, and
  // granting the action would widen the trust that binds the session (review 10b F8).
  if (action && operation.startsWith('STS AssumeRole ') && TRUST_ACTIONS.has(action)) {
    message += ` (the remediation role's trust refused this session (its caller or tags); run \`runbook preflight\`)`;
  } else if (action) message += ` (missing permission: ${action})`;
  return isTransientAwsError(error) ? new TransientError(message, { cause: error }) : new PermanentError(message, { cause: error });
}

/** Calls an AWS API and converts its failure into the pipeline's error classes. */
export async function callAws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error, operation);
  }
}
