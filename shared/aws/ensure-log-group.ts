// Creates a log group unless it is there: the deploy-time step before a metric filter is put on it (review 22a, R22a-5).
// CloudWatch Logs refuses PutMetricFilter on a group that does not exist (ResourceNotFoundException), and Lambda creates
// /aws/lambda/<fn> only at the function's first log line: a DR standby consumer that never ran has none.
import { CreateLogGroupCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

/** CloudWatch Logs' logGroupName (CreateLogGroup, PutMetricFilter API reference): 1-512 of `[\.\-_/#A-Za-z0-9]`. */
export const LOG_GROUP_NAME_PATTERN = /^[.\-_/#A-Za-z0-9]{1,512}$/;

export type EnsuredLogGroup = 'created' | 'existed';

/**
 * CreateLogGroup, with ResourceAlreadyExistsException taken as done: the group is never changed (no retention, no key, no
 * tag) and never deleted here; whoever owns it (the service's stack, Lambda) keeps it as it made it.
 */
export async function ensureLogGroup(logs: Pick<CloudWatchLogsClient, 'send'>, logGroupName: string, abortSignal?: AbortSignal): Promise<EnsuredLogGroup> {
  if (!LOG_GROUP_NAME_PATTERN.test(logGroupName)) throw new Error(`"${logGroupName}" is not a CloudWatch Logs log group name (1-512 of A-Z a-z 0-9 . - _ / #)`);
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName }), abortSignal ? { abortSignal } : {});
    return 'created';
  } catch (error) {
    if ((error as { name?: string } | undefined)?.name === 'ResourceAlreadyExistsException') return 'existed';
    throw error;
  }
}
