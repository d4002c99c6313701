// The error-rate alert's enrichment: the function's error lines from CloudWatch Logs. A module of its own, loaded on
// demand with the Logs client, so the alert-error-rate handler does not read the Logs SDK at every cold start.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { SdkClientConfig } from '../aws/client-config';
import { logReadFailure, readLogLines } from '../aws/filter-log-lines';
import { groupErrorMessages, type ErrorRateObservation } from './error-rate-plan';

export function logsClient(config: SdkClientConfig): CloudWatchLogsClient {
  return new CloudWatchLogsClient(config);
}

/**
 * Pages read at most: FilterLogEvents may answer empty pages with a nextToken while it searches a large log group; the
 * read stops there and says the lines were not all read (truncated). A project default.
 */
const MAX_PAGES = 10;
// CloudWatch Logs filter syntax: "?term" alternatives, terms case-sensitive. Narrows the read on AWS; the lines are
// classified again by errorMessageOf, which is the authority (moto ignores the pattern).
const ERROR_FILTER_PATTERN = '?ERROR ?Error ?error ?Exception ?exception ?FATAL ?Fatal ?"Task timed out" ?Traceback';

/** The error lines of the window (at most maxEvents), grouped by message; a missing or unreadable group is said so. */
export async function readErrorLines(
  logs: CloudWatchLogsClient,
  maxEvents: number,
  logGroupName: string,
  window: { start: Date; end: Date },
): Promise<ErrorRateObservation['logs']> {
  try {
    const read = await readLogLines(logs, { logGroupName, window, filterPattern: ERROR_FILTER_PATTERN, maxLines: maxEvents, maxPages: MAX_PAGES });
    const grouped = groupErrorMessages(read.lines);
    return { status: 'read', eventsRead: read.lines.length, errorLines: grouped.errorLines, truncated: read.more, messages: grouped.messages };
  } catch (error) {
    const failure = logReadFailure(error);
    if (failure.kind === 'missing') return { status: 'missing', reason: 'does not exist (the function has not logged yet, or logs elsewhere)' };
    return { status: 'unavailable', reason: `could not be read (${failure.detail})` };
  }
}
