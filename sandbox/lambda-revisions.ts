// A gap of moto's Lambda filled for the gap proxy: a function's RevisionId, new after every update, and the
// PreconditionFailedException Lambda answers an update conditioned on a RevisionId that is no longer the latest.
import { createHash } from 'node:crypto';

/** Lambda's answer to a stale RevisionId (HTTP 412), as the Lambda API reference words it. */
export const STALE_REVISION_MESSAGE = 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';

/** The operations on a function's unqualified ($LATEST) configuration that carry a RevisionId, and those that renew it. */
const READS = new Set(['GetFunctionConfiguration', 'GetFunction']);
const UPDATES = new Set(['UpdateFunctionConfiguration', 'UpdateFunctionCode']);

/** The function a Lambda REST path names (a name, a partial or a full ARN, URL-encoded), or undefined. */
export function functionNameOfPath(pathname: string): string | undefined {
  const named = /^\/2015-03-31\/functions\/([^/]+)/.exec(pathname)?.[1];
  if (!named) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(named);
  } catch {
    return undefined;
  }
  const parts = decoded.split(':');
  const at = parts.indexOf('function');
  return at >= 0 ? parts[at + 1] : decoded;
}

export interface LambdaRevisionRequest {
  operation: string;
  accountId?: string;
  region?: string;
  pathname: string;
  /** The request's Qualifier (GetFunction, GetFunctionConfiguration): a version or alias has revisions of its own, not kept here. */
  qualifier?: string | null;
}

/**
 * One revision per function (account, region, name), renewed by every update that reaches moto through the proxy, as
 * Lambda renews it on every update of the function. Derived from a count of updates, so it is the same for every reader
 * until the next update.
 */
export class LambdaRevisions {
  private readonly updates = new Map<string, number>();

  /** The function this request reads or updates, when it is one whose revision is kept; undefined for any other. */
  functionOf(request: LambdaRevisionRequest): { key: string; kind: 'read' | 'update' | 'delete' } | undefined {
    const kind = READS.has(request.operation) ? 'read' : UPDATES.has(request.operation) ? 'update' : request.operation === 'DeleteFunction' ? 'delete' : undefined;
    const name = functionNameOfPath(request.pathname);
    if (!kind || !name || !request.accountId) return undefined;
    if (request.qualifier && request.qualifier !== '$LATEST') return undefined;
    return { key: `${request.accountId}:${request.region ?? ''}:${name}`, kind };
  }

  revisionOf(key: string): string {
    const hex = createHash('sha256').update(`${key}\u0000${this.updates.get(key) ?? 0}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  /** An update (or a delete, so a function created again under the name has a new revision) reached moto. */
  renew(key: string): void {
    this.updates.set(key, (this.updates.get(key) ?? 0) + 1);
  }

  /** Why an update conditioned on `revisionId` must be refused (412), or undefined when it names the latest revision or none. */
  staleRevision(key: string, revisionId: unknown): string | undefined {
    if (revisionId === undefined || revisionId === null || revisionId === '') return undefined;
    return revisionId === this.revisionOf(key) ? undefined : STALE_REVISION_MESSAGE;
  }
}

/**
 * A JSON answer of moto's about one function with `fields` put where Lambda puts a function's configuration (GetFunction:
 * in Configuration; the configuration calls: at the top). An answer that is not a JSON object is given back as it came.
 * The gap proxy's fillers of what moto leaves out (RevisionId here, LoggingConfig in lambda-logging-config.ts) share it.
 */
export function withFunctionConfiguration(operation: string, body: Buffer, fields: Record<string, unknown>): Buffer {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (typeof json !== 'object' || json === null) return body;
  const record = json as Record<string, unknown>;
  if (operation === 'GetFunction') {
    const configuration = record.Configuration;
    if (typeof configuration !== 'object' || configuration === null) return body;
    return Buffer.from(JSON.stringify({ ...record, Configuration: { ...(configuration as Record<string, unknown>), ...fields } }));
  }
  return Buffer.from(JSON.stringify({ ...record, ...fields }));
}

/** A JSON answer of moto's with the function's RevisionId put where Lambda puts it (GetFunction: in Configuration). */
export function withRevision(operation: string, body: Buffer, revisionId: string): Buffer {
  return withFunctionConfiguration(operation, body, { RevisionId: revisionId });
}
