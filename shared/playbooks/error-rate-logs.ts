// The error-rate alert's enrichment: the function's error lines from CloudWatch Logs. A module of its own, loaded on
// demand with the Logs client, so the alert-error-rate handler does not read the Logs SDK at every cold start.
import { CloudWatchLogsClient, FilterLogEventsCommand, type CloudWatchLogsClientConfig } from '@aws-sdk/client-cloudwatch-logs';
import { errorName, isTransientAwsError } from '../aws/classify-error';
import { safeField } from '../report/safe-text';
import { groupErrorMessages, type ErrorRateObservation } from './error-rate-plan';

export function logsClient(config: CloudWatchLogsClientConfig): CloudWatchLogsClient {
  return new CloudWatchLogsClient(config);
}

/** FilterLogEvents returns at most 10,000 events per page (CloudWatch Logs API reference, limit). */
const MAX_EVENTS_PER_PAGE = 10_000;
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
  const lines: string[] = [];
  let nextToken: string | undefined;
  let truncated = false;
  try {
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: window.start.getTime(),
          endTime: window.end.getTime(),
          filterPattern: ERROR_FILTER_PATTERN,
          limit: Math.min(MAX_EVENTS_PER_PAGE, maxEvents - lines.length),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const event of page.events ?? []) if (event.message !== undefined) lines.push(event.message);
      nextToken = page.nextToken;
      if (nextToken && lines.length >= maxEvents) truncated = true;
    } while (nextToken && !truncated);
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') return { status: 'missing', reason: 'does not exist (the function has not logged yet, or logs elsewhere)' };
    // The SDK's message can name principals and be long: one line, bounded, masked (it reaches the alert's headline).
    return { status: 'unavailable', reason: `could not be read (${name}: ${safeField((error as { message?: string }).message ?? '', 200)})` };
  }
  const grouped = groupErrorMessages(lines.slice(0, maxEvents));
  return { status: 'read', eventsRead: Math.min(lines.length, maxEvents), errorLines: grouped.errorLines, truncated, messages: grouped.messages };
}
