// CloudFormation custom resource (Custom::WatchedLogGroup): before a metric filter is put on a watched log group, makes
// sure the group exists (review 22a, R22a-5). PutMetricFilter on a missing group fails the whole region's stack, and
// Lambda creates /aws/lambda/<fn> only at the function's first log line: the DR standby consumer usually has none.
// Creates, never changes or deletes: the group is the service's (its stack or Lambda's), the filter only reads it.
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig } from '../shared/aws/client-config';
import { withCallDeadline } from '../shared/aws/call-deadline';
import { isCloudFormationResponseUrl, type CustomResourceEvent } from '../shared/aws/cloudformation-response';
import { ensureLogGroup, LOG_GROUP_NAME_PATTERN } from '../shared/aws/ensure-log-group';

/** The stack's watched log groups, comma-separated (infra WatchedAlarms): the only groups this function creates. */
export const LOG_GROUP_NAMES_ENV = 'LOG_GROUP_NAMES';
/** The custom resource's property naming its group. */
export const LOG_GROUP_NAME_PROPERTY = 'LogGroupName';
/** The longest one CreateLogGroup (the SDK's attempts included) may take; the function's timeout is 60 s. */
export const CALL_DEADLINE_MS = 20_000;

export interface EnsureDeps {
  logs: Pick<CloudWatchLogsClient, 'send'>;
  /** PUTs the response document to CloudFormation's URL; answers the HTTP status. */
  put: (url: string, body: string) => Promise<number>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** LOG_GROUP_NAMES and AWS_REGION (Lambda: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function watchedLogGroups(env: Readonly<Record<string, string | undefined>>): Set<string> {
  const raw = env[LOG_GROUP_NAMES_ENV] ?? '';
  const names = raw.split(',').filter((n) => n !== '');
  if (names.length === 0 || names.some((n) => !LOG_GROUP_NAME_PATTERN.test(n))) throw new Error(`${LOG_GROUP_NAMES_ENV} must name the stack's watched log groups, comma-separated; got "${raw}"`);
  return new Set(names);
}

interface Answer {
  status: 'SUCCESS' | 'FAILED';
  reason: string;
  ensured?: 'created' | 'existed';
}

async function ensure(event: CustomResourceEvent, deps: EnsureDeps): Promise<Answer> {
  const name = event.ResourceProperties?.[LOG_GROUP_NAME_PROPERTY];
  const env = deps.env ?? process.env;
  let answer: Answer;
  try {
    if (typeof name !== 'string' || !watchedLogGroups(env).has(name)) {
      throw new Error(`${LOG_GROUP_NAME_PROPERTY} ${JSON.stringify(name)} is not one of this stack's watched log groups (${env[LOG_GROUP_NAMES_ENV] ?? ''})`);
    }
    const ensured = await withCallDeadline(`CloudWatch Logs CreateLogGroup ${name}`, (signal) => ensureLogGroup(deps.logs, name, signal), { reserveMs: 0, capMs: CALL_DEADLINE_MS, keptFor: 'for the answer' });
    deps.logger.info(ensured === 'created' ? 'log group created for its metric filter' : 'log group already there', { logGroupName: name, requestType: event.RequestType });
    answer = { status: 'SUCCESS', reason: ensured === 'created' ? `${name} created` : `${name} already exists`, ensured };
  } catch (error) {
    answer = { status: 'FAILED', reason: `log group ${String(name)} not ensured: ${describeError(error)}` };
  }
  if (answer.status === 'FAILED' && event.RequestType === 'Update') {
    // An Update may be a rollback's (the previous template's properties), and a FAILED answer to it stops the stack in
    // UPDATE_ROLLBACK_FAILED (decision 262). On a forward update the metric filter after it fails on its own if the
    // group is missing, naming it; nothing is lost by answering SUCCESS here.
    deps.logger.warn('log group not ensured on an Update: not failed (the metric filter after it fails if the group is missing)', { reason: answer.reason });
    return { status: 'SUCCESS', reason: `${answer.reason}; not failed on an Update (possibly a rollback's)` };
  }
  if (answer.status === 'FAILED') deps.logger.error('log group not ensured', { reason: answer.reason });
  return answer;
}

export async function ensureWatchedLogGroup(event: CustomResourceEvent, deps: EnsureDeps): Promise<void> {
  if (!isCloudFormationResponseUrl(event.ResponseURL, (deps.env ?? process.env).AWS_REGION ?? '')) {
    deps.logger.error('refused: ResponseURL is not a CloudFormation pre-signed S3 URL, nothing created', { requestType: event.RequestType });
    throw new Error('ResponseURL is not a CloudFormation pre-signed S3 URL');
  }
  const name = event.ResourceProperties?.[LOG_GROUP_NAME_PROPERTY];
  // Delete (the stack's, or the old resource's after a replacement) deletes nothing: the group is the service's.
  const answer: Answer =
    event.RequestType === 'Delete' ? { status: 'SUCCESS', reason: 'nothing deleted: the log group is the service\'s, kept with its logs' } : await ensure(event, deps);
  const body = JSON.stringify({
    Status: answer.status,
    Reason: answer.reason.slice(0, 3000),
    // The group's name: a changed name is a replacement, whose Delete of the old one deletes nothing.
    PhysicalResourceId:
      event.RequestType !== 'Create' && event.PhysicalResourceId
        ? event.RequestType === 'Delete' || typeof name !== 'string' || !LOG_GROUP_NAME_PATTERN.test(name) ? event.PhysicalResourceId : name
        : typeof name === 'string' && LOG_GROUP_NAME_PATTERN.test(name) ? name : event.LogicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { Ensured: answer.ensured ?? 'no' },
  });
  const code = await deps.put(event.ResponseURL, body);
  if (code < 200 || code > 299) throw new Error(`CloudFormation's response URL answered ${code}`);
}

const putToCloudFormation = async (url: string, text: string): Promise<number> =>
  (await fetch(url, { method: 'PUT', body: text, headers: { 'content-type': '' }, signal: AbortSignal.timeout(CALL_DEADLINE_MS) })).status;

/** Lambda's entry point: the real CloudWatch Logs client and CloudFormation's response URL. */
const logger = new Logger({ serviceName: 'notification-runbooks', persistentKeys: { handler: 'ensure-log-groups' } });
const logsClient = new CloudWatchLogsClient(clientConfig({ maxAttempts: 3 }));
export const handler = (event: CustomResourceEvent): Promise<void> => ensureWatchedLogGroup(event, { logs: logsClient, put: putToCloudFormation, logger });
