// CloudFormation custom resource: after the runbook documents are created or updated (UpdateMethod NewVersion adds a
// version and makes it the default), deletes every other version of each, so no earlier version stays startable
// (review 13 R13-15, decision 240). The documents are the deployment's own (DOCUMENT_NAMES), never the event's.
import { Logger } from '@aws-lambda-powertools/logger';
import { SSMClient } from '@aws-sdk/client-ssm';
import { isTransientAwsError } from '../shared/aws/classify-error';
import { type CleanupProgress, deleteSupersededVersions, documentVersions, newCleanupProgress } from '../shared/runbooks/document-versions';
import { clientConfig } from '../shared/aws/client-config';
import { withCallDeadline } from '../shared/aws/call-deadline';
import { stackStatusReader } from '../shared/aws/stack-status';
import { isCloudFormationResponseUrl, type CustomResourceEvent } from '../shared/aws/cloudformation-response';

export type { CustomResourceEvent } from '../shared/aws/cloudformation-response';
export { isCloudFormationResponseUrl } from '../shared/aws/cloudformation-response';

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
 * The custom resource's `DeployedContents` property as synthesized with this function (the same string): CloudFormation
 * updates the function before the custom resource (its ServiceToken names the function), so a forward Update's
 * ResourceProperties.DeployedContents is this; an Update carrying another is not a deploy of this function's content
 * (a rollback's, with the previous template's properties, while the function still has the failed update's), and deletes
 * nothing (decision 262).
 */
export const DEPLOYED_CONTENTS_ENV = 'DEPLOYED_CONTENTS';
/** The stack's own id (`AWS::StackId`): its status is read when a failure is to be answered (decision 262). */
export const STACK_ID_ENV = 'STACK_ID';

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

function deployedContents(): string {
  const raw = process.env[DEPLOYED_CONTENTS_ENV] ?? '';
  if (!/^[0-9a-f]{64}$/.test(raw)) throw new Error(`${DEPLOYED_CONTENTS_ENV} must be the custom resource's DeployedContents (sha-256 hex); got "${raw}"`);
  return raw;
}

/** The function's own stack (AWS::StackId), whose status decides whether a failure is answered FAILED (review 17, R17-5). */
function ownStackId(): string {
  const raw = process.env[STACK_ID_ENV] ?? '';
  const region = process.env.AWS_REGION ?? '';
  if (!new RegExp(`^arn:aws(-[a-z]+)*:cloudformation:${region.replace(/-/g, '\\-')}:[0-9]{12}:stack/[A-Za-z][A-Za-z0-9-]{0,127}/[0-9a-f-]{36}$`).test(raw)) {
    throw new Error(`${STACK_ID_ENV} must be this stack's id (arn:aws:cloudformation:${region}:<account>:stack/<name>/<uuid>); got "${raw}"`);
  }
  return raw;
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
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Waits between retries (Lambda: a timer; tests: recorded, no waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** Lambda's remaining time (context.getRemainingTimeInMillis): no SSM call starts with SSM_RESERVE_MS left, no status read with RESPONSE_RESERVE_MS. */
  remainingMs?: () => number;
  /**
   * The stack's status (DescribeStacks), read only when a Create/Update has a failure to answer: during
   * UPDATE_ROLLBACK_IN_PROGRESS the Update is the rollback's, and a FAILED answer would stop the stack in
   * UPDATE_ROLLBACK_FAILED. Absent or failing: not known, and not answered FAILED either (decision 262).
   */
  stackStatus?: (abortSignal?: AbortSignal) => Promise<string>;
}

/**
 * The waits before the 2nd..6th attempt of one SSM call that failed transiently (throttling, 5xx, a network error,
 * SSM's TooManyUpdates), on top of the SDK's own 3 attempts: 31 s at most, well inside the 5-minute timeout.
 */
export const RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000, 16000];
/** Time kept for answering CloudFormation: a function that times out never answers, and CloudFormation waits for it. */
export const RESPONSE_RESERVE_MS = 30_000;

/**
 * Transient for this cleanup: the project's transient AWS errors (a call given up at its deadline, CallDeadlineExceeded,
 * among them), and SSM's "concurrent updates" (TooManyUpdates).
 */
function isRetryable(error: unknown): boolean {
  return isTransientAwsError(error) || (error as { name?: string } | undefined)?.name === 'TooManyUpdates';
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** The longest one attempt of a call may take (the SDK's own attempts inside it included), whatever time is left. */
export const CALL_DEADLINE_MS = 20_000;
/**
 * Time the SSM calls leave for the stack's status read (one attempt at its full deadline), on top of the answer's reserve:
 * the read comes after every SSM call and decides FAILED on a forward deploy, so SSM calls that hang must not use its time
 * (review 18, R18-1: they did, and a forward deploy whose SSM hung was answered SUCCESS "not read").
 */
export const STATUS_READ_RESERVE_MS = CALL_DEADLINE_MS;
/** Time kept when an SSM call starts or retries: the status read's slot and the answer's reserve. */
export const SSM_RESERVE_MS = RESPONSE_RESERVE_MS + STATUS_READ_RESERVE_MS;

/**
 * One attempt of a call, given at most min(CALL_DEADLINE_MS, the time left less `reserveMs`) (shared/aws/call-deadline.ts):
 * a call that hangs (a stalled regional endpoint, during the very event that makes a deploy roll back) cannot eat the
 * time kept for the answer (review 17, R17-2), nor, for an SSM call, the status read's (R18-1). A call that outlived its
 * deadline is answered as any other failure of the call, so CloudFormation still gets its answer.
 */
function withDeadline<T>(label: string, call: (signal: AbortSignal) => Promise<T>, deps: PruneDeps, reserveMs: number): Promise<T> {
  return withCallDeadline(label, (signal) => call(signal ?? new AbortController().signal), {
    ...(deps.remainingMs ? { remainingMs: deps.remainingMs } : {}),
    reserveMs,
    capMs: CALL_DEADLINE_MS,
    keptFor: reserveMs > RESPONSE_RESERVE_MS ? "for the stack's status read and the answer" : 'for the answer',
  });
}

/**
 * One call with bounded retries of transient failures (review 15, R15-9), each attempt under its deadline (R17-2); no
 * attempt or retry starts with `reserveMs` or less left.
 */
async function withRetries<T>(label: string, call: (signal: AbortSignal) => Promise<T>, deps: PruneDeps, reserveMs: number): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await withDeadline(label, call, deps, reserveMs);
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      const remaining = deps.remainingMs?.() ?? Number.POSITIVE_INFINITY;
      if (!isRetryable(error) || delay === undefined || remaining - delay < reserveMs) throw error;
      deps.logger.warn('AWS call failed transiently; retrying', { call: label, attempt: attempt + 1, delayMs: delay, error: describeError(error) });
      await sleep(delay);
    }
  }
}

/** The SSM client with bounded retries of transient failures, leaving the status read's slot and the answer's reserve. */
function retryingSsm(deps: PruneDeps): Pick<SSMClient, 'send'> {
  const send = (command: Parameters<SSMClient['send']>[0]): Promise<unknown> =>
    withRetries(command.constructor.name, (abortSignal) => deps.ssm.send(command, { abortSignal }), deps, SSM_RESERVE_MS);
  return { send: send as SSMClient['send'] };
}

// Bounded too (R17-2): a PUT that fails throws, and Lambda's retries of CloudFormation's asynchronous invocation answer again.
const putToCloudFormation = async (url: string, text: string): Promise<number> =>
  (await fetch(url, { method: 'PUT', body: text, headers: { 'content-type': '' }, signal: AbortSignal.timeout(CALL_DEADLINE_MS) })).status;

/** Lambda's entry point: the real SSM client and CloudFormation's response URL. */
const logger = new Logger({ serviceName: 'notification-runbooks', persistentKeys: { handler: 'prune-document-versions' } });
// One CloudFormation client per container. Imported statically: this bundle is built without splitting, where a dynamic
// import() only defers evaluation and keeps esbuild from tree-shaking the client (68 KB more; decision 276).
const ownStackStatus = stackStatusReader(process.env[STACK_ID_ENV] ?? '', process.env.AWS_REGION);
const ssmClient = new SSMClient(clientConfig({ maxAttempts: 3 }));
export const handler = (event: CustomResourceEvent, context?: { getRemainingTimeInMillis?: () => number }): Promise<void> =>
  pruneSupersededVersions(event, {
    // The project's client settings (2 s to connect, 10 s per request) with the SDK's default 3 attempts, which
    // RETRY_DELAYS_MS counts on; each call's deadline is withDeadline's.
    ssm: ssmClient,
    put: putToCloudFormation,
    logger,
    stackStatus: ownStackStatus,
    ...(context?.getRemainingTimeInMillis ? { remainingMs: () => context.getRemainingTimeInMillis?.() ?? 0 } : {}),
  });

interface Answer {
  status: 'SUCCESS' | 'FAILED';
  reason: string;
  deleted: string[];
  /** Superseded versions still there (still startable by number), `<name>:<version>`; a document not read: `<name>:?`. */
  left: string[];
}

const listed = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

/**
 * An Update whose DeployedContents is not this function's: nothing is deleted (the documents' own rollback may still
 * need their earlier versions, and which order CloudFormation rolls them back in is its own); what is left is read and
 * said. Never FAILED: a failure answered to a rollback stops the stack in UPDATE_ROLLBACK_FAILED.
 */
async function reportOnly(event: CustomResourceEvent, ssm: Pick<SSMClient, 'send'>, names: readonly string[], deployed: string, target: unknown, deps: PruneDeps): Promise<Answer> {
  const left: string[] = [];
  const unread: string[] = [];
  for (const name of names) {
    try {
      left.push(...(await documentVersions(ssm, name)).superseded.map((v) => `${name}:${v}`));
    } catch (error) {
      left.push(`${name}:?`);
      unread.push(`${name} (${describeError(error)})`);
    }
  }
  const reason =
    `nothing deleted: this ${event.RequestType}'s DeployedContents (${typeof target === 'string' ? target.slice(0, 12) : 'none'}) is not the content this function was deployed with (${deployed.slice(0, 12)}): ` +
    `CloudFormation is rolling the update back (its Update then carries the previous template's properties), or the caller is not CloudFormation. ` +
    `Left startable by number: ${listed(left)}${unread.length > 0 ? `; not read: ${unread.join('; ')}` : ''}. runbook preflight FAILs on them until a deploy that changes a runbook document deletes them`;
  deps.logger.warn('superseded versions left: not this function\'s deployed content', { requestType: event.RequestType, target, deployed, left, unread });
  return { status: 'SUCCESS', reason, deleted: [], left };
}

async function cleanUp(event: CustomResourceEvent, deps: PruneDeps): Promise<Answer> {
  let names: string[];
  let hashes: Map<string, string>;
  let deployed: string;
  try {
    hashes = documentHashes();
    names = documentNames();
    deployed = deployedContents();
    ownStackId();
  } catch (error) {
    return { status: 'FAILED', reason: `superseded document versions not deleted: ${describeError(error)}`, deleted: [], left: [] };
  }
  const ssm = retryingSsm(deps);
  const target = event.ResourceProperties?.DeployedContents;
  if (target !== deployed) return reportOnly(event, ssm, names, deployed, target, deps);

  const deleted: string[] = [];
  const alreadyGone: string[] = [];
  const left: string[] = [];
  const failures: string[] = [];
  const unhashed: string[] = [];
  for (const name of names) {
    const progress: CleanupProgress = newCleanupProgress();
    const reviewedHash = hashes.get(name);
    if (reviewedHash === undefined) {
      // The deployed content is not known (synthesized without the account): which version is the reviewed one cannot be
      // told, so nothing is deleted (review 16, R16-8); what is left is said, and the deploy goes on.
      try {
        const { superseded } = await documentVersions(ssm, name);
        if (superseded.length > 0) unhashed.push(name);
        left.push(...superseded.map((v) => `${name}:${v}`));
      } catch (error) {
        // Not read: a failure like any other document's (the deploy is told, unless CloudFormation is rolling back).
        failures.push(`${name}: ${describeError(error)}`);
        left.push(`${name}:?`);
      }
      continue;
    }
    try {
      const found = await deleteSupersededVersions(ssm, name, reviewedHash, progress);
      deps.logger.info('superseded versions deleted', { document: name, defaultVersion: found.defaultVersion, deleted: progress.deleted, alreadyGone: progress.alreadyGone });
    } catch (error) {
      failures.push(`${name}: ${describeError(error)}`);
      const done = new Set([...progress.deleted, ...progress.alreadyGone]);
      left.push(...(progress.found ? progress.found.superseded.filter((v) => !done.has(v)).map((v) => `${name}:${v}`) : [`${name}:?`]));
    }
    deleted.push(...progress.deleted.map((v) => `${name}:${v}`));
    alreadyGone.push(...progress.alreadyGone.map((v) => `${name}:${v}`));
  }
  const gone = alreadyGone.length > 0 ? `; already deleted: ${alreadyGone.join(', ')}` : '';
  const notKnown =
    unhashed.length > 0
      ? `; not deleted, the deployed content not known at synth (the stack was synthesized without its account: deploy with -c account=<id>): ${unhashed.join(', ')}, left startable by number: ${listed(left)}; runbook preflight FAILs on them`
      : '';
  if (failures.length === 0) {
    if (unhashed.length > 0) deps.logger.warn('superseded versions left: deployed content not known', { unhashed, left });
    const outcome = deleted.length > 0 ? `deleted ${deleted.length} superseded version(s): ${deleted.join(', ')}` : unhashed.length > 0 ? 'nothing deleted' : 'every document has its default version only';
    return { status: 'SUCCESS', reason: `${outcome}${gone}${notKnown}`, deleted, left };
  }
  const what = `superseded document versions not deleted (${deleted.length} deleted: ${listed(deleted)}${gone}); left startable by number: ${listed(left)}; ${failures.join('; ')}`;
  // A forward deployment fails, naming what could not be deleted: an earlier version left startable is not a success.
  // The rollback's Update (the function already rolled back, so its DeployedContents is this function's) is not failed:
  // that would stop the stack in UPDATE_ROLLBACK_FAILED; nor is an Update whose stack cannot be read (decision 262).
  let stack: string;
  try {
    stack = deps.stackStatus ? await withRetries('CloudFormation DescribeStacks', deps.stackStatus, deps, RESPONSE_RESERVE_MS) : 'not read (no reader)';
  } catch (error) {
    stack = `not read (${describeError(error)})`;
  }
  if (/^[A-Z_]+$/.test(stack) && !stack.endsWith('ROLLBACK_IN_PROGRESS')) {
    const reason = `${what} (the stack is ${stack})`;
    deps.logger.error('superseded versions not deleted', { reason, left, stack });
    return { status: 'FAILED', reason, deleted, left };
  }
  const reason = `${what}. Not failed: the stack's status is ${stack}, and a FAILED answer to CloudFormation's rollback stops the stack in UPDATE_ROLLBACK_FAILED; runbook preflight FAILs on the versions left`;
  deps.logger.warn('superseded versions left: not failing a possible rollback', { reason, left, stack });
  return { status: 'SUCCESS', reason, deleted, left };
}

export async function pruneSupersededVersions(event: CustomResourceEvent, deps: PruneDeps): Promise<void> {
  if (!isCloudFormationResponseUrl(event.ResponseURL, process.env.AWS_REGION ?? '')) {
    deps.logger.error('refused: ResponseURL is not a CloudFormation pre-signed S3 URL, nothing deleted', { requestType: event.RequestType });
    throw new Error('ResponseURL is not a CloudFormation pre-signed S3 URL');
  }
  const answer: Answer =
    event.RequestType === 'Delete' ? { status: 'SUCCESS', reason: 'nothing to delete on Delete: the documents go with the stack', deleted: [], left: [] } : await cleanUp(event, deps);
  const body = JSON.stringify({
    Status: answer.status,
    Reason: answer.reason.slice(0, 3000),
    PhysicalResourceId: PHYSICAL_RESOURCE_ID,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { Deleted: String(answer.deleted.length), Left: String(answer.left.length) },
  });
  const code = await deps.put(event.ResponseURL, body);
  if (code < 200 || code > 299) throw new Error(`CloudFormation's response URL answered ${code}`);
}
