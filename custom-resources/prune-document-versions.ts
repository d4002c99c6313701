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
 * The response goes to the pre-signed S3 URL CloudFormation gives; anything else is not CloudFormation's (this function
 * can be invoked by whoever may invoke it), and nothing is sent there.
 */
export function isCloudFormationResponseUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && /\.amazonaws\.com(\.cn)?$/.test(parsed.hostname);
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
  if (!isCloudFormationResponseUrl(event.ResponseURL)) {
    deps.logger.error('refused: ResponseURL is not a CloudFormation pre-signed S3 URL, nothing deleted', { requestType: event.RequestType });
    throw new Error('ResponseURL is not a CloudFormation pre-signed S3 URL');
  }
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to delete on Delete: the documents go with the stack';
  const deleted: string[] = [];
  if (event.RequestType !== 'Delete') {
    try {
      for (const name of documentNames()) {
        const found = await deleteSupersededVersions(deps.ssm, name);
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
