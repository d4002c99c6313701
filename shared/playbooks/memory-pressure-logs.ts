// Memory Pressure's evidence: the out-of-memory lines behind the alarm, read from the function's log group and sorted by
// kind, so a PHP memory_limit error is not answered with more MemorySize (review 10a, finding 4).
import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { errorName, isTransientAwsError } from '../aws/classify-error';
import { OUT_OF_MEMORY_FILTER_PATTERN } from '../config/alarm-specs';
import { safeField } from '../report/safe-text';
import { classifyOutOfMemoryLines, type OutOfMemoryLines } from './memory-pressure-plan';

/**
 * How far before the alarm's state change the lines are read: the OOM alarm is 1 of 1 periods of 60 s, and CloudWatch
 * evaluates a minute or more behind the datapoint. A project default; the lines after the state change are read too.
 */
export const OOM_LINES_LOOKBACK_MINUTES = 10;
/** Enough lines to tell the kinds apart; FilterLogEvents returns at most 10,000 per page (CloudWatch Logs API reference). */
export const OOM_LINES_MAX = 200;
/** FilterLogEvents may answer empty pages with a nextToken while it searches: bounded so a read cannot loop. */
const MAX_PAGES = 5;

/** The window of lines for an alarm that changed state at `alarmTime` (undefined: the clock's now). */
export function outOfMemoryWindow(alarmTime: string | undefined, now: Date): { start: Date; end: Date } {
  const at = alarmTime !== undefined && Number.isFinite(Date.parse(alarmTime)) ? new Date(Date.parse(alarmTime)) : now;
  const end = new Date(Math.max(at.getTime(), now.getTime()));
  return { start: new Date(at.getTime() - OOM_LINES_LOOKBACK_MINUTES * 60_000), end };
}

/**
 * The newest OOM lines of the window, by kind; a missing or refused log group is said so (transient errors are thrown:
 * retried). `truncated`: older lines matched too and were not read.
 */
export async function readOutOfMemoryLines(logs: CloudWatchLogsClient, logGroupName: string, window: { start: Date; end: Date }): Promise<OutOfMemoryLines> {
  const lines: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: window.start.getTime(),
          endTime: window.end.getTime(),
          // The metric filter's own pattern: the same lines it counted (classified again below, the emulator ignores it).
          filterPattern: OUT_OF_MEMORY_FILTER_PATTERN,
          limit: OOM_LINES_MAX - lines.length,
          // Newest first: the lines nearest the state change are read, and what a bounded read leaves out is the oldest
          // (review 10b F7). The first request sets the direction, the token keeps it (CloudWatch Logs API reference,
          // FilterLogEvents startFromHead; false needs a startTime on or after 2024-01-01, which the window always is).
          ...(nextToken ? { nextToken } : { startFromHead: false }),
        }),
      );
      pages += 1;
      for (const event of page.events ?? []) if (event.message !== undefined) lines.push(event.message);
      nextToken = page.nextToken;
    } while (nextToken && lines.length < OOM_LINES_MAX && pages < MAX_PAGES);
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') return { status: 'missing', logGroupName, reason: 'could not be read: the log group does not exist' };
    return { status: 'unavailable', logGroupName, reason: `could not be read (${name}: ${safeField((error as { message?: string }).message ?? '', 200)})` };
  }
  return { status: 'read', logGroupName, ...classifyOutOfMemoryLines(lines.slice(0, OOM_LINES_MAX)), truncated: nextToken !== undefined };
}
