// Memory Pressure's evidence: the out-of-memory lines behind the alarm, read from the function's log group and sorted by
// kind, so a PHP memory_limit error is not answered with more MemorySize (review 10a, finding 4).
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { logReadFailure, readLogLines } from '../aws/filter-log-lines';
import { OUT_OF_MEMORY_TERMS } from '../config/alarm-specs';
import { classifyOutOfMemoryEvents, LAMBDA_KILL_ERROR_TYPES, type OutOfMemoryLines } from './memory-pressure-plan';

/**
 * How far before the alarm's state change the lines are read: the OOM alarm is 1 of 1 periods of 60 s, and CloudWatch
 * evaluates a minute or more behind the datapoint. A project default; the lines after the state change are read too.
 */
export const OOM_LINES_LOOKBACK_MINUTES = 10;
/** Enough lines to tell the kinds apart; FilterLogEvents returns at most 10,000 per page (CloudWatch Logs API reference). */
export const OOM_LINES_MAX = 200;
/** FilterLogEvents may answer empty pages with a nextToken while it searches: bounded so a read cannot loop. */
const MAX_PAGES = 5;

/**
 * What the read asks FilterLogEvents for: the metric filter's terms (the lines it counted) and Lambda's REPORT of an
 * invocation that ended in a kill's Error Type other than Runtime.OutOfMemory (already a term): a custom runtime's kill is
 * a `Runtime.ExitError` REPORT, whose text holds none of the filter's terms (decision 267). A term pattern, matched in
 * the text of plain and JSON-format events alike.
 */
export const OUT_OF_MEMORY_READ_PATTERN = [...new Set<string>([...OUT_OF_MEMORY_TERMS, ...LAMBDA_KILL_ERROR_TYPES])].map((term) => `?"${term}"`).join(' ');

/** The window of lines for an alarm that changed state at `alarmTime` (undefined: the clock's now). */
export function outOfMemoryWindow(alarmTime: string | undefined, now: Date): { start: Date; end: Date } {
  const at = alarmTime !== undefined && Number.isFinite(Date.parse(alarmTime)) ? new Date(Date.parse(alarmTime)) : now;
  const end = new Date(Math.max(at.getTime(), now.getTime()));
  return { start: new Date(at.getTime() - OOM_LINES_LOOKBACK_MINUTES * 60_000), end };
}

/**
 * The newest OOM lines of the window, by kind, with Lambda's out-of-memory REPORT lines among them, counting only the
 * streams named as Lambda names `functionName`'s (decision 253); a missing or refused log group is said so (transient
 * errors are thrown: retried). `truncated`: older lines matched too and were not read.
 */
export async function readOutOfMemoryLines(logs: CloudWatchLogsClient, functionName: string, logGroupName: string, window: { start: Date; end: Date }): Promise<OutOfMemoryLines> {
  try {
    // The metric filter's own terms (the same lines it counted, classified again: the emulator ignores the pattern) and
    // Lambda's error REPORTs. Newest first: the lines nearest the state change are read, and what a bounded read leaves
    // out is the oldest (review 10b F7; startFromHead false needs a startTime on or after 2024-01-01, which the window
    // always is).
    const read = await readLogLines(logs, { logGroupName, window, filterPattern: OUT_OF_MEMORY_READ_PATTERN, maxLines: OOM_LINES_MAX, maxPages: MAX_PAGES, newestFirst: true });
    const events = read.lines.map((message, i) => ({ message, stream: read.streams[i] ?? '', at: read.timestamps[i] ?? Number.NaN }));
    return { status: 'read', logGroupName, ...classifyOutOfMemoryEvents(events, functionName, logGroupName), truncated: read.more };
  } catch (error) {
    const failure = logReadFailure(error);
    if (failure.kind === 'missing') return { status: 'missing', logGroupName, reason: 'could not be read: the log group does not exist' };
    return { status: 'unavailable', logGroupName, reason: `could not be read (${failure.detail})` };
  }
}
