// CloudFormation custom resource: after the runbook documents are created or updated (UpdateMethod NewVersion adds a
// version and makes it the default), deletes every other version of each, so no earlier version stays startable
// (review 13 R13-15, decision 240). The documents are the deployment's own (DOCUMENT_NAMES), never the event's.
import { Logger } from '@aws-lambda-powertools/logger';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deleteSupersededVersions } from '../shared/runbooks/document-versions';

/** The CloudFormation custom resource request fields this handler reads (CloudFormation User Guide, "Custom resources"). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
}

/** One id for the life of the resource: an Update never replaces it (so no Delete of an "old" one follows). */
export const PHYSICAL_RESOURCE_ID = 'superseded-runbook-document-versions';
export const DOCUMENT_NAMES_ENV = 'DOCUMENT_NAMES';
/**
 * `<name>=<content hash>` per document, comma-separated: the deployed content's hash, computed at synth (review 15, R15-7).
 * A document without one (a stack synthesized without its account: its content holds tokens) is cleaned only when its
 * default is its latest version.
 */
export const DOCUMENT_HASHES_ENV = 'DOCUMENT_HASHES';

/**
 * The response goes to the pre-signed S3 URL CloudFormation gives, in its response bucket
 * `cloudformation-custom-resource-response-<region without dashes>` (CloudFormation User Guide, "VPC endpoints": the
 * bucket names) of the function's own region, virtual-hosted (`<bucket>.s3.amazonaws.com`, `.s3-<region>.`,
 * `.s3.<region>.`) or path-style (`s3[.-]<region>.amazonaws.com/<bucket>/`). Anything else is not CloudFormation's (this
 * function can be invoked by whoever may invoke it: another S3 bucket or an API of the same domain would collect the
 * answer; review 15, R15-8), and nothing is sent there.
 */
export function isCloudFormationResponseUrl(url: string, region: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.port !== '' || parsed.username !== '' || parsed.password !== '' || !/^[a-z]{2}(-[a-z]+)+-[0-9]$/.test(region)) return false;
  const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
  const domain = `amazonaws\\.com${region.startsWith('cn-') ? '\\.cn' : ''}`;
  const s3 = `s3(?:[.-]${region})?`;
  if (new RegExp(`^${bucket}\\.${s3}\\.${domain}$`).test(parsed.hostname)) return true;
  return new RegExp(`^${s3}\\.${domain}$`).test(parsed.hostname) && parsed.pathname.startsWith(`/${bucket}/`);
}

function documentHashes(): Map<string, string> {
  const raw = process.env[DOCUMENT_HASHES_ENV] ?? '';
  const hashes = new Map<string, string>();
  for (const pair of raw.split(',').filter((p) => p !== '')) {
    const match = /^([a-zA-Z0-9_.-]{3,128})=([0-9a-f]{64})$/.exec(pair);
    if (!match?.[1] || !match[2]) throw new Error(`${DOCUMENT_HASHES_ENV} must be <name>=<sha-256 hex> pairs, comma-separated; got "${pair}"`);
    hashes.set(match[1], match[2]);
  }
  return hashes;
}

function documentNames(): string[] {
  const raw = process.env[DOCUMENT_NAMES_ENV] ?? '';
  const names = raw.split(',').filter((n) => n !== '');
  if (names.length === 0 || names.some((n) => !/^[a-zA-Z0-9_.-]{3,128}$/.test(n))) throw new Error(`${DOCUMENT_NAMES_ENV} must name the stack's documents, comma-separated; got "${raw}"`);
  return names;
}

export interface PruneDeps {
  ssm: Pick<SSMClient, 'send'>;
  /** PUTs the response document to CloudFormation's URL; answers the HTTP status. */
  put: (url: string, body: string) => Promise<number>;
  logger: Pick<Logger, 'info' | 'error'>;
}

const putToCloudFormation = async (url: string, text: string): Promise<number> => (await fetch(url, { method: 'PUT', body: text, headers: { 'content-type': '' } })).status;

/** Lambda's entry point: the real SSM client and CloudFormation's response URL. */
const logger = new Logger({ serviceName: 'notification-runbooks', persistentKeys: { handler: 'prune-document-versions' } });
export const handler = (event: CustomResourceEvent): Promise<void> => pruneSupersededVersions(event, { ssm: new SSMClient({}), put: putToCloudFormation, logger });

export async function pruneSupersededVersions(event: CustomResourceEvent, deps: PruneDeps): Promise<void> {
  if (!isCloudFormationResponseUrl(event.ResponseURL, process.env.AWS_REGION ?? '')) {
    deps.logger.error('refused: ResponseURL is not a CloudFormation pre-signed S3 URL, nothing deleted', { requestType: event.RequestType });
    throw new Error('ResponseURL is not a CloudFormation pre-signed S3 URL');
  }
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to delete on Delete: the documents go with the stack';
  const deleted: string[] = [];
  if (event.RequestType !== 'Delete') {
    try {
      const hashes = documentHashes();
      for (const name of documentNames()) {
        const found = await deleteSupersededVersions(deps.ssm, name, hashes.get(name));
        deleted.push(...found.superseded.map((v) => `${name}:${v}`));
        deps.logger.info('superseded versions deleted', { document: name, defaultVersion: found.defaultVersion, deleted: found.superseded });
      }
      reason = deleted.length > 0 ? `deleted ${deleted.length} superseded version(s): ${deleted.join(', ')}` : 'every document has its default version only';
    } catch (error) {
      // The deployment fails, naming what could not be deleted: an earlier version left startable is not a success.
      status = 'FAILED';
      reason = `superseded document versions not deleted (${deleted.length} deleted before the failure): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      deps.logger.error('superseded versions not deleted', { reason });
    }
  }
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 3000),
    PhysicalResourceId: PHYSICAL_RESOURCE_ID,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { Deleted: String(deleted.length) },
  });
  const code = await deps.put(event.ResponseURL, body);
  if (code < 200 || code > 299) throw new Error(`CloudFormation's response URL answered ${code}`);
}
