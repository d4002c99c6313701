// Sorts an AWS SDK error into the pipeline's error classes: retry (transient) or record and escalate (permanent).
import { PermanentError, TransientError } from '../errors';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottledException',
  'ResourceConflictException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServiceError',
  'ServiceException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
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
  const e = error as SdkErrorShape;
  if (!e || typeof e !== 'object') return false;
  if (TRANSIENT_NAMES.has(e.name ?? '') || TRANSIENT_NAMES.has(e.code ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return e.$fault === 'server';
}

/** Wraps an SDK error in TransientError or PermanentError, naming the operation, keeping the cause. */
export function classifyAwsError(error: unknown, operation: string): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const message = `${operation} failed: ${errorName(error)}: ${(error as SdkErrorShape)?.message ?? String(error)}`;
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
