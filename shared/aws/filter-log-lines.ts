// One bounded read of the log lines a filter pattern matches (CloudWatch Logs FilterLogEvents), for the playbooks that
// read the lines behind an alarm: the error-rate alert's enrichment and Memory Pressure's OOM kinds. Imports only the
// command, so a caller that loads the Logs client on demand still does.
import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { errorName, isTransientAwsError } from './classify-error';
import { safeField } from '../report/safe-text';

/** FilterLogEvents returns at most 10,000 events per page (CloudWatch Logs API reference, limit). */
export const MAX_LOG_EVENTS_PER_PAGE = 10_000;

export interface LogLinesRequest {
  logGroupName: string;
  window: { start: Date; end: Date };
  filterPattern: string;
  /** Lines read at most. */
  maxLines: number;
  /**
   * Pages read at most: FilterLogEvents may answer empty pages with a nextToken while it searches a large group, so a
   * read that followed every token could run until the function's timeout.
   */
  maxPages: number;
  /** Newest lines first (the first request sets the direction, its token keeps it; startFromHead false). */
  newestFirst?: boolean;
}

/** The lines read (at most maxLines), and whether more matched than were read (`more`: a next page was left unread). */
export interface LogLines {
  lines: string[];
  /** The log stream of each line (same index; '' when the answer named none). */
  streams: string[];
  /** The event's timestamp of each line (same index; epoch ms, NaN when the answer gave none). */
  timestamps: number[];
  more: boolean;
}

/** Reads the lines; AWS errors are thrown as the SDK threw them (see logReadFailure). */
export async function readLogLines(logs: Pick<CloudWatchLogsClient, 'send'>, request: LogLinesRequest): Promise<LogLines> {
  const lines: string[] = [];
  const streams: string[] = [];
  const timestamps: number[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: request.logGroupName,
        startTime: request.window.start.getTime(),
        endTime: request.window.end.getTime(),
        filterPattern: request.filterPattern,
        limit: Math.min(MAX_LOG_EVENTS_PER_PAGE, request.maxLines - lines.length),
        ...(nextToken ? { nextToken } : request.newestFirst ? { startFromHead: false } : {}),
      }),
    );
    pages += 1;
    for (const event of page.events ?? []) {
      if (event.message === undefined) continue;
      lines.push(event.message);
      streams.push(event.logStreamName ?? '');
      timestamps.push(event.timestamp ?? Number.NaN);
    }
    nextToken = page.nextToken;
  } while (nextToken && lines.length < request.maxLines && pages < request.maxPages);
  return {
    lines: lines.slice(0, request.maxLines),
    streams: streams.slice(0, request.maxLines),
    timestamps: timestamps.slice(0, request.maxLines),
    more: nextToken !== undefined,
  };
}

/**
 * What a failed read means: a transient error is thrown again (retried by the caller's Lambda); a missing log group is
 * `missing`; anything else `unavailable`, with the error's name and its message in one bounded, masked line (the SDK's
 * message can name principals and be long, and it reaches a headline).
 */
export function logReadFailure(error: unknown): { kind: 'missing' } | { kind: 'unavailable'; detail: string } {
  if (isTransientAwsError(error)) throw error;
  const name = errorName(error);
  if (name === 'ResourceNotFoundException') return { kind: 'missing' };
  return { kind: 'unavailable', detail: `${name}: ${safeField((error as { message?: string }).message ?? '', 200)}` };
}
