// Pure planning for Memory Pressure -> raise the function's MemorySize one step, within every cap it has.
import { OUT_OF_MEMORY_TERMS } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import { TransientError } from '../errors';
import type { ManualRunbook, Plan } from '../pipeline/types';
import type { ResourceState } from '../state/incident-store';
import { breaches, metricBearsOut, notCorroborated, type AlarmMetricRead, type ConfiguredAlarm } from './alarm-corroboration';

/** Lambda's memory range, 128..10240 MB (Lambda quotas, "Function memory allocation"). */
export const AWS_MIN_MEMORY_MB = 128;
export const AWS_MAX_MEMORY_MB = 10240;

/** How the function is invoked other than as $LATEST: an alias or version pinned by a caller. */
export interface PublishedInvocation {
  /** Alias name or version number. */
  qualifier: string;
  /** The version the alias points at (the qualifier itself for a version). */
  version: string;
  /** Where it was seen: "event source mapping <uuid>", "alarm dimension Resource". */
  source: string;
}

export interface MemoryObservation {
  functionName: string;
  memoryMb: number;
  /** GetFunctionConfiguration LastUpdateStatus: Successful | Failed | InProgress. */
  lastUpdateStatus?: string;
  /** GetFunctionConfiguration RevisionId: an update made from this observation is conditioned on it. */
  revisionId?: string;
  invokedVia: PublishedInvocation[];
  /**
   * The out-of-memory lines behind the alarm, by kind (memory-pressure-logs.ts). Absent: not read (a caller that does
   * not need them, e.g. a health check's revert).
   */
  oomLines?: OutOfMemoryLines;
  /**
   * The alarm's own metric (the filter's count) as CloudWatch holds it over the alarm's window (alarm-metric-reading.ts),
   * read with the lines: it bears out an alarm whose lines are not searchable yet (decision 217). Absent: not read.
   */
  alarmMetric?: AlarmMetricRead;
  /**
   * AWS/Lambda Errors (Sum) of the function over the alarm's window, read in the same GetMetricData request as the
   * alarm's metric (decision 253): AWS publishes it, a log line cannot write it, and an out-of-memory kill is a function
   * error. Absent: not read.
   */
  functionErrors?: FunctionErrorsRead;
}

/**
 * The function's errors as CloudWatch holds them over the alarm's window, or why they could not be read. `points`: one
 * Sum per period CloudWatch holds (a period with no datapoint is absent, not 0: Lambda has not published it, or nothing
 * ran); `readAt`: when they were read (decision 267: the kill's own minute may not be published yet).
 */
export type FunctionErrorsRead =
  | { status: 'read'; from: string; to: string; sum: number; points?: Array<{ at: string; value: number }>; readAt?: string }
  | { status: 'unread'; reason: string };

/**
 * The Error Types of Lambda's REPORT that an invocation killed at its memory is written with (decision 267):
 * Runtime.OutOfMemory (the managed runtimes: Node.js, Python, Ruby, ...), Runtime.ExitError (a runtime process that
 * exited, the kernel's OOM kill "signal: killed" among the causes: an OS-only runtime such as the service's PHP consumer
 * on provided.al2/al2023), Extension.Crash (an extension the kill took with the function). Only Max Memory Used at the
 * MemorySize tells a kill at memory from any other crash of the last two.
 */
export const LAMBDA_KILL_ERROR_TYPES = ['Runtime.OutOfMemory', 'Runtime.ExitError', 'Extension.Crash'] as const;
export type LambdaKillErrorType = (typeof LAMBDA_KILL_ERROR_TYPES)[number];

/**
 * Lambda's REPORT of an invocation that ended in error with one of LAMBDA_KILL_ERROR_TYPES: the function's MemorySize
 * then, the most it used, the Error Type, and (when read from the log) the line's timestamp.
 */
export interface LambdaErrorReport {
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  errorType: LambdaKillErrorType;
  /** The log event's timestamp (ISO 8601), when the read gave one. */
  at?: string;
}

/**
 * What the log lines behind the OOM alarm say. The metric filter counts every kind alike (alarm-specs.ts
 * OUT_OF_MEMORY_TERMS), so the alarm's metric alone cannot tell them apart: the lines can.
 */
export type OutOfMemoryLines =
  | {
      status: 'read';
      logGroupName: string;
      /**
       * Lines where the function ran out of its MemorySize: Runtime.OutOfMemory, "signal: killed", Node's heap exhaustion.
       * This and the PHP counts are of the lines in streams named as Lambda names the function's (classifyOutOfMemoryEvents).
       */
      runtimeKills: number;
      /** PHP's "Allowed memory size of N bytes exhausted": the script passed the memory_limit ini setting. */
      phpMemoryLimit: number;
      /** The distinct N of those lines (bytes), ascending. */
      phpLimitBytes: number[];
      /** More lines matched than were read (the read is bounded). */
      truncated: boolean;
      /**
       * Lambda's REPORT lines of an invocation ended in error with a kill's Error Type (LAMBDA_KILL_ERROR_TYPES; text or
       * JSON log format) among the lines read, each in a stream named as Lambda names this function's (isLambdaLogStream),
       * at whatever memory: whether one is at the MemorySize is judged against the function's now.
       */
      lambdaReports: LambdaErrorReport[];
      /**
       * Lines the OOM metric filter counts (OUT_OF_MEMORY_TERMS) read in streams Lambda does not name so: stream names
       * are the writer's choice (CreateLogStream), so these are not the function's by their stream and are in none of the
       * counts above.
       */
      outsideLambdaStreams: number;
    }
  | { status: 'missing' | 'unavailable'; logGroupName: string; reason: string };

/**
 * PHP's fatal error at memory_limit (Zend: "Allowed memory size of %zu bytes exhausted (tried to allocate %zu bytes)"),
 * as PHP writes it: at the start of the line, after the engine's prefix: "PHP Fatal error:  " (error_log, the CLI's and
 * Bref's stderr), "Fatal error: " (display_errors), optionally behind a "[date] " stamp and PHP-FPM's
 * "NOTICE: PHP message: " (Bref's FPM layer). A line that merely contains the text (an echoed request body, a logged
 * exception message) is not PHP's error (review 10b F7).
 */
const PHP_MEMORY_LIMIT = /^\s*(?:\[[^\]]{1,40}\] )?(?:NOTICE: PHP message: )?(?:PHP )?Fatal error:\s+Allowed memory size of (\d+) bytes exhausted/;
/** The function ran out of the memory Lambda gave it (MemorySize): the runtime's error type, the kernel's kill, Node's heap. */
const RUNTIME_OUT_OF_MEMORY = /Runtime\.OutOfMemory|signal: killed|JavaScript heap out of memory/;

/**
 * Pure: the OOM lines by kind. A line of the function out of its MemorySize: the runtime's or the kernel's words (above),
 * or Lambda's REPORT of an invocation that ended in error at the Memory Size it reports (a custom runtime's
 * Runtime.ExitError REPORT says no more than that: decision 267). Lines of neither kind are ignored (the emulator's
 * FilterLogEvents ignores the pattern).
 */
export function classifyOutOfMemoryLines(lines: readonly string[]): { runtimeKills: number; phpMemoryLimit: number; phpLimitBytes: number[] } {
  let runtimeKills = 0;
  let phpMemoryLimit = 0;
  const limits = new Set<number>();
  for (const line of lines) {
    const php = PHP_MEMORY_LIMIT.exec(line);
    if (php) {
      phpMemoryLimit += 1;
      limits.add(Number(php[1]));
    } else if (RUNTIME_OUT_OF_MEMORY.test(line) || reachesOwnMemorySize(lambdaErrorReport(line))) {
      runtimeKills += 1;
    }
  }
  return { runtimeKills, phpMemoryLimit, phpLimitBytes: [...limits].sort((a, b) => a - b) };
}

/**
 * How Lambda names the streams it writes a function's logs to (Lambda Developer Guide, "Configuring CloudWatch log
 * groups", and the Operator Guide's "How CloudWatch structures logs"): `YYYY/MM/DD/[<version>]<execution environment id>`
 * in the function's own group, `YYYY/MM/DD/<function name>[<version>]<id>` in a custom group (LoggingConfig.LogGroup,
 * which several functions may share). The id is 32 lowercase hex digits in Lambda's streams (e.g.
 * `2023/07/26/[$LATEST]f7108dfca11d48d8ba7321a9b4fe4b02`); the version is $LATEST or a published version's number.
 * The shape proves nothing about the writer: CreateLogStream takes any name (decision 253).
 */
export function isLambdaLogStream(streamName: string, functionName: string, logGroupName: string): boolean {
  const name = functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named = logGroupName === `/aws/lambda/${functionName}` ? `(?:${name})?` : name;
  return new RegExp(`^\\d{4}/\\d{2}/\\d{2}/${named}\\[(?:\\$LATEST|\\d+)\\][0-9a-f]{32}$`).test(streamName);
}

/**
 * Lambda's REPORT line (plain-text log format): `REPORT RequestId: <id>\tDuration: .. ms\tBilled Duration: .. ms\tMemory
 * Size: N MB\tMax Memory Used: M MB[\tInit Duration: .. ms]\tStatus: error\tError Type: <type>` (tabs; the status fields
 * are written for an invocation that did not succeed: Lambda Developer Guide, "Understanding the Lambda execution
 * environment lifecycle", "Failures during the invoke phase", the new-format example for a runtime crash).
 */
const TEXT_ERROR_REPORT = /^REPORT RequestId: \S+\s.*?\bMemory Size: (\d+) MB\s+Max Memory Used: (\d+) MB\b.*?\bStatus: error\s+Error Type: (Runtime\.OutOfMemory|Runtime\.ExitError|Extension\.Crash)(?![\w.])/;

const isKillErrorType = (value: unknown): value is LambdaKillErrorType => (LAMBDA_KILL_ERROR_TYPES as readonly unknown[]).includes(value);

/**
 * Pure: the Memory Size, Max Memory Used and Error Type of Lambda's REPORT of an invocation that ended in error with one
 * of LAMBDA_KILL_ERROR_TYPES, or undefined for any other line (a success, a timeout, another error type, a REPORT
 * without Status: the format before the change the guide describes, still written in the China and GovCloud regions).
 * Both log formats: the plain-text REPORT line, and with LoggingConfig LogFormat JSON the `platform.report` event
 * (Telemetry API schema: record.status "error", record.errorType, record.metrics.memorySizeMB and maxMemoryUsedMB).
 */
export function lambdaErrorReport(line: string): LambdaErrorReport | undefined {
  const text = TEXT_ERROR_REPORT.exec(line);
  const textType = text?.[3];
  if (text && isKillErrorType(textType)) return { memorySizeMb: Number(text[1]), maxMemoryUsedMb: Number(text[2]), errorType: textType };
  if (!line.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const event = parsed as { type?: unknown; record?: { status?: unknown; errorType?: unknown; metrics?: { memorySizeMB?: unknown; maxMemoryUsedMB?: unknown } } };
  const record = event.record;
  const size = record?.metrics?.memorySizeMB;
  const used = record?.metrics?.maxMemoryUsedMB;
  const errorType = record?.errorType;
  if (event.type !== 'platform.report' || record?.status !== 'error' || !isKillErrorType(errorType)) return undefined;
  if (typeof size !== 'number' || typeof used !== 'number' || !Number.isFinite(size) || !Number.isFinite(used)) return undefined;
  return { memorySizeMb: size, maxMemoryUsedMb: used, errorType };
}

/** One line read, with the stream it was read from (FilterLogEvents' logStreamName) and its timestamp (epoch ms). */
export interface ReadLogLine {
  message: string;
  stream: string;
  at?: number;
}

/** The line holds a term the OOM metric filter counts (alarm-specs.ts OUT_OF_MEMORY_TERMS). */
const filterCounts = (line: string): boolean => OUT_OF_MEMORY_TERMS.some((term) => line.includes(term));

/**
 * Pure: the lines read in streams named as Lambda names the function's, by kind (classifyOutOfMemoryLines) and Lambda's
 * error REPORT lines among them (with their timestamps); of any other stream only the lines the filter counts, as a
 * number (not the function's by their stream: anyone with logs:PutLogEvents on the group names a stream as they like,
 * decision 253; a REPORT of another function of a shared group is not what the filter counted either).
 */
export function classifyOutOfMemoryEvents(
  events: readonly ReadLogLine[],
  functionName: string,
  logGroupName: string,
): { runtimeKills: number; phpMemoryLimit: number; phpLimitBytes: number[]; lambdaReports: LambdaErrorReport[]; outsideLambdaStreams: number } {
  const own = events.filter((event) => isLambdaLogStream(event.stream, functionName, logGroupName));
  const lambdaReports = own.flatMap((event) => {
    const report = lambdaErrorReport(event.message);
    if (!report) return [];
    return [event.at !== undefined && Number.isFinite(event.at) ? { ...report, at: new Date(event.at).toISOString() } : report];
  });
  const outsideLambdaStreams = events.filter((event) => !own.includes(event) && filterCounts(event.message)).length;
  return { ...classifyOutOfMemoryLines(own.map((e) => e.message)), lambdaReports, outsideLambdaStreams };
}

/**
 * How close to the function's MemorySize a REPORT's Max Memory Used must be to say it ran out of it: within 2% below
 * (project default). Lambda samples the usage: a genuine Runtime.OutOfMemory REPORT has read 1023 MB of 1024.
 */
export const OOM_REPORT_REACH = 0.98;

/** Pure: the REPORT was written at this MemorySize and its usage reached it. */
export function reportAtMemorySize(report: Pick<LambdaErrorReport, 'memorySizeMb' | 'maxMemoryUsedMb'>, memoryMb: number): boolean {
  return report.memorySizeMb === memoryMb && report.maxMemoryUsedMb >= Math.floor(memoryMb * OOM_REPORT_REACH);
}

/** Pure: an error REPORT whose usage reached the Memory Size it reports (the function's MemorySize then). */
function reachesOwnMemorySize(report: LambdaErrorReport | undefined): boolean {
  return report !== undefined && reportAtMemorySize(report, report.memorySizeMb);
}

const MIB = 1024 * 1024;

/** 536870912 -> "536870912 bytes (512 MiB)": PHP states the limit in bytes, Lambda's MemorySize is in MB (MiB). */
function bytesText(bytes: number): string {
  const mib = bytes / MIB;
  return `${bytes} bytes (${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB)`;
}

/**
 * Why raising MemorySize would not help: every OOM line of the window is PHP's memory_limit. Undefined when a line shows
 * the function itself out of memory, nothing was read (then the alarm's metric is the evidence, as before), or more
 * lines matched than were read: a partial sample proves no "would not help", so the raise goes ahead, its findings
 * saying the kind was not confirmed (review 10b F7).
 */
function memoryLimitDiagnosis(observation: MemoryObservation): Plan<MemoryChange> | undefined {
  const lines = observation.oomLines;
  if (lines?.status !== 'read' || lines.phpMemoryLimit === 0 || lines.runtimeKills > 0 || lines.truncated) return undefined;
  const fn = observation.functionName;
  const limits = lines.phpLimitBytes.map(bytesText).join(', ');
  const highestMib = Math.max(...lines.phpLimitBytes) / MIB;
  const room =
    highestMib < observation.memoryMb
      ? `memory_limit is below MemorySize ${observation.memoryMb} MB: it can rise toward it with no Lambda change`
      : `memory_limit is at or above MemorySize ${observation.memoryMb} MB: a higher limit needs MemorySize raised with it, or Lambda kills the process first`;
  return {
    kind: 'escalate',
    cause: 'diagnosis',
    reason:
      `${fn} hits PHP's memory_limit (${lines.phpMemoryLimit} line${lines.phpMemoryLimit === 1 ? '' : 's'} "Allowed memory size of ${lines.phpLimitBytes.join(' / ')} bytes exhausted" in ${lines.logGroupName}), ` +
      `not its Lambda memory: MemorySize is ${observation.memoryMb} MB and raising it would not change the limit, so memory was not raised. ` +
      'The fix is the PHP ini setting memory_limit (php.ini, or an .ini file in a PHP_INI_SCAN_DIR directory of the runtime layer), or what the script allocates',
    findings: [
      `memory_limit: ${limits} (from the PHP fatal error)`,
      `MemorySize: ${observation.memoryMb} MB (Lambda; does not govern memory_limit)`,
      room,
    ],
  };
}

/** What the raise notes about the lines: the kind not confirmed, or PHP memory_limit errors beside the kills. */
function linesFindings(lines: OutOfMemoryLines | undefined): string[] {
  if (lines === undefined) return [];
  if (lines.status !== 'read') return [`the OOM lines in ${lines.logGroupName} ${lines.reason}: kind not confirmed, acting on the metric's count`];
  const php = `${lines.phpMemoryLimit} PHP memory_limit error${lines.phpMemoryLimit === 1 ? '' : 's'} (${lines.phpLimitBytes.join(' / ')} bytes)`;
  if (lines.runtimeKills === 0 && lines.phpMemoryLimit > 0) {
    // Only reached when truncated (memoryLimitDiagnosis answers the complete sample).
    return [
      `${php} among the newest OOM lines of ${lines.logGroupName}, no line of the function out of its MemorySize; more lines matched than were read: ` +
        "kind not confirmed, acting on the metric's count",
      'if the older lines are PHP memory_limit errors too, MemorySize does not govern them: raise memory_limit in the PHP ini settings',
    ];
  }
  if (lines.runtimeKills === 0) return [`no OOM line found in ${lines.logGroupName}: kind not confirmed, acting on the metric's count`];
  const kills = `${lines.runtimeKills} line${lines.runtimeKills === 1 ? '' : 's'} of the function out of its MemorySize (Runtime.OutOfMemory, signal: killed, heap, Lambda's error REPORT at it) in ${lines.logGroupName}`;
  if (lines.phpMemoryLimit === 0) return [kills];
  return [
    kills,
    `also ${php}, which MemorySize does not govern: ` +
      'raise memory_limit in the PHP ini settings as well',
  ];
}

export interface MemoryChange {
  functionName: string;
  fromMb: number;
  toMb: number;
}

export type MemoryPolicy = RuntimeConfig['env']['raiseLambdaMemory'];

export interface MemoryPlanInput {
  observation: MemoryObservation;
  policy: MemoryPolicy;
  resourceState: ResourceState | undefined;
  /** The SSM document that raises memory behind approval (the row's runbook). */
  runbookName?: string;
  /**
   * The OOM alarm that changed state, as the configuration defines it (`configured`; undefined: not one this deployment
   * defines): a raise is made only when the lines or its metric bear it out (decision 217).
   */
  alarm: { alarmName: string; configured?: ConfiguredAlarm };
}

/** "AWS/Lambda Errors (Sum) of fn in CloudWatch from .. to ..: 3", or why they were not read. */
function errorsText(functionName: string, errors: FunctionErrorsRead | undefined): string {
  if (errors === undefined) return `AWS/Lambda Errors of ${functionName} were not read`;
  if (errors.status === 'unread') return `AWS/Lambda Errors of ${functionName} could not be read (${errors.reason})`;
  return `AWS/Lambda Errors (Sum) of ${functionName} in CloudWatch from ${errors.from} to ${errors.to}: ${errors.sum}`;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * How long after the kill's period has closed AWS/Lambda Errors of that period is waited for before "AWS counts none" is
 * judged (decision 267): Lambda "sends metric data to CloudWatch in 1-minute intervals" (Lambda Developer Guide, "Using
 * CloudWatch metrics with Lambda"), so the kill's own period may be missing from the read the alarm's state change
 * triggers. A project default: the third attempt of an event (Lambda's asynchronous retries wait one minute, then two:
 * Developer Guide, "Asynchronous invocation") always comes after it, so the wait never ends the event in the
 * on-failure destination by itself.
 */
export const ERRORS_ARRIVAL_GRACE_SECONDS = 120;

/**
 * When the kill the evidence rests on happened (epoch ms), or undefined when the reading does not say: the newest
 * REPORT at the MemorySize with a timestamp, else (the metric standing in) the newest period of the alarm's metric that
 * breaches, at or before the state change.
 */
function killTime(atSize: readonly LambdaErrorReport[], standsIn: boolean, metric: AlarmMetricRead | undefined, configured: ConfiguredAlarm | undefined): number | undefined {
  const reported = atSize.map((r) => (r.at !== undefined ? Date.parse(r.at) : Number.NaN)).filter(Number.isFinite);
  if (reported.length > 0) return Math.max(...reported);
  if (!standsIn || metric?.status !== 'read' || !configured) return undefined;
  const changedAt = Date.parse(metric.reading.stateChangeAt);
  const breaching = metric.reading.points.filter((p) => breaches(p.value, configured) && !(Date.parse(p.at) > changedAt)).map((p) => Date.parse(p.at));
  const counted = breaching.filter(Number.isFinite);
  return counted.length > 0 ? Math.max(...counted) : undefined;
}

/**
 * AWS counts no error of the function in the window read: is that because the kill's own period is not published yet
 * (`wait`: retried), or AWS's answer (`none`, with what was read)? Without the points, the read's time or the kill's
 * time the answer is judged as read (decision 253's rule).
 */
function errorsAbsence(
  errors: Extract<FunctionErrorsRead, { status: 'read' }>,
  killedAt: number | undefined,
  periodSeconds: number,
): { kind: 'wait'; text: string } | { kind: 'none'; text: string } {
  const period = periodSeconds * 1000;
  const readAt = errors.readAt !== undefined ? Date.parse(errors.readAt) : Number.NaN;
  if (killedAt === undefined || errors.points === undefined || !Number.isFinite(readAt)) return { kind: 'none', text: 'AWS counts none' };
  const periodStart = Math.floor(killedAt / period) * period;
  const from = new Date(periodStart).toISOString();
  if (errors.points.some((p) => Date.parse(p.at) >= periodStart)) {
    return { kind: 'none', text: `AWS counts none, its datapoints reaching the kill's period (from ${from})` };
  }
  const deadline = periodStart + period + ERRORS_ARRIVAL_GRACE_SECONDS * 1000;
  const missing = `no datapoint for the kill's period (from ${from}) in CloudWatch when read at ${new Date(readAt).toISOString()}`;
  if (readAt < deadline) return { kind: 'wait', text: `${missing}: Lambda sends its metrics at 1-minute intervals; judged on Lambda's retry, by ${new Date(deadline).toISOString()} at the latest` };
  return { kind: 'none', text: `AWS counts none: ${missing}, ${ERRORS_ARRIVAL_GRACE_SECONDS} s after that period closed` };
}

/** "(Error Type Runtime.ExitError)", "(Error Type Runtime.OutOfMemory / Runtime.ExitError)". */
const errorTypesText = (reports: readonly LambdaErrorReport[]): string => `(Error Type ${[...new Set(reports.map((r) => r.errorType))].join(' / ')})`;

/**
 * Why the observation does not bear out the OOM alarm, or the findings that do (decision 253, amending 217; decision
 * 265). Both of:
 * - Lambda's own record of the kill: a REPORT line with Status error and a kill's Error Type (Runtime.OutOfMemory,
 *   Runtime.ExitError, Extension.Crash), in a stream named as Lambda names the function's, written at the function's
 *   MemorySize now and with Max Memory Used reaching it; or, when no line of a function out of its memory and no such
 *   REPORT at any memory was read at all (a line the filter counted and FilterLogEvents cannot find yet: log delivery
 *   lags), the alarm's own metric breaching in CloudWatch;
 * - AWS/Lambda Errors of the function > 0 over the alarm's window: a kill is a function error, and AWS/ metrics are
 *   published by AWS, not by a log line. When it counts none and the kill's own period is not published yet, the event
 *   is retried (TransientError) instead of refused, until ERRORS_ARRIVAL_GRACE_SECONDS after that period.
 * Neither is proof against a determined caller (decisions 253, 267 say what is left); SetAlarmState writes neither.
 */
function outOfMemoryNotCorroborated(observation: MemoryObservation, alarm: MemoryPlanInput['alarm']): { plan: Plan<MemoryChange> } | { findings: string[] } {
  const fn = observation.functionName;
  const lines = observation.oomLines;
  const errors = observation.functionErrors;
  const erred = errors?.status === 'read' && errors.sum > 0;
  const metric = observation.alarmMetric;
  const configured = alarm.configured;
  const bears = configured && metric?.status === 'read' ? metricBearsOut(metric.reading, configured) : undefined;

  const atSize = lines?.status === 'read' ? lines.lambdaReports.filter((r) => reportAtMemorySize(r, observation.memoryMb)) : [];
  // The metric stands in for a line only when no line of a function out of its memory was read (it is not searchable
  // yet): a kill line that is not Lambda's REPORT at this MemorySize, any line the filter counts in a stream Lambda did
  // not name, or Lambda's REPORT of a failed invocation below the MemorySize (a crash, not memory) is what was read, and
  // it does not bear the alarm out.
  const linesSilent =
    lines === undefined || lines.status !== 'read' || (lines.runtimeKills === 0 && lines.outsideLambdaStreams === 0 && lines.lambdaReports.length === 0);
  const standsIn = atSize.length === 0 && linesSilent && bears?.borne === true;
  const evidence =
    atSize.length > 0
      ? `${count(atSize.length, "REPORT line")} of Lambda's ${errorTypesText(atSize)} at ${fn}'s MemorySize ${observation.memoryMb} MB, ` +
        `Max Memory Used ${[...new Set(atSize.map((r) => r.maxMemoryUsedMb))].join(' / ')} MB, in streams Lambda names (${lines?.logGroupName ?? ''})`
      : standsIn
        ? `the alarm's metric bears it out: ${bears.text}`
        : undefined;
  if (evidence !== undefined && erred) return { findings: [evidence, `${errorsText(fn, errors)} (> 0, published by AWS)`] };

  const linesText =
    lines === undefined
      ? 'the OOM lines were not read'
      : lines.status !== 'read'
        ? `the OOM lines in ${lines.logGroupName} ${lines.reason}`
        : `no REPORT line of Lambda's failed invocation (${LAMBDA_KILL_ERROR_TYPES.join(', ')}) at ${fn}'s MemorySize ${observation.memoryMb} MB in ${lines.logGroupName} around the state change (` +
          [
            `${count(lines.lambdaReports.length, 'Lambda error REPORT')}` +
              (lines.lambdaReports.length > 0
                ? ` at ${lines.lambdaReports.map((r) => `Memory Size ${r.memorySizeMb} MB, Max Memory Used ${r.maxMemoryUsedMb} MB (${r.errorType})`).slice(0, 3).join('; ')}`
                : ''),
            `${count(lines.runtimeKills, 'kill line')} and ${count(lines.phpMemoryLimit, 'PHP memory_limit line')} in streams Lambda names`,
            `${count(lines.outsideLambdaStreams, 'line')} in streams Lambda does not name so (anyone with logs:PutLogEvents on the group can write those)`,
          ].join('; ') +
          ')';
  const notTaken =
    lines?.status === 'read' && lines.runtimeKills === 0 && lines.outsideLambdaStreams === 0
      ? ", not taken for a line: Lambda's REPORT of the failed invocation was read, below this MemorySize (a crash, not memory)"
      : ", not taken for a line: the lines it counts were read and none is Lambda's REPORT at this MemorySize";
  const metricText = !configured
    ? 'the alarm is not one this deployment defines, so its metric is unknown'
    : metric === undefined
      ? "the alarm's metric was not read"
      : metric.status === 'unread'
        ? `the alarm's metric could not be read (${metric.reason})`
        : `${bears?.text ?? ''}${bears?.borne && !linesSilent ? notTaken : ''}`;
  if (evidence === undefined) return { plan: notCorroborated(alarm.alarmName, `${linesText}; ${metricText}; ${errorsText(fn, errors)}`) };

  // Lambda's record of the kill, and AWS counts no error (or could not be read): is the kill's own period published yet?
  const absence =
    errors?.status === 'read'
      ? errorsAbsence(errors, killTime(atSize, standsIn, metric, configured), configured?.metric?.periodSeconds ?? 60)
      : { kind: 'none' as const, text: 'AWS counts none' };
  if (absence.kind === 'wait') {
    throw new TransientError(`${evidence}, and ${errorsText(fn, errors)}: ${absence.text} (decision 267)`);
  }
  return { plan: notCorroborated(alarm.alarmName, `${evidence}, but ${errorsText(fn, errors)}: an out-of-memory kill is a function error, and ${absence.text}`) };
}

/** The key under which the account's memory ceiling is remembered on the function's resource state. */
export const MEMORY_CEILING_FACT = 'memoryCeilingMb';

/** One step: current x stepFactor (the schema keeps it above 1), rounded up to a multiple of roundUpToMb. */
export function nextMemoryStepMb(currentMb: number, policy: Pick<MemoryPolicy, 'stepFactor' | 'roundUpToMb'>): number {
  return Math.ceil((currentMb * policy.stepFactor) / policy.roundUpToMb) * policy.roundUpToMb;
}

/**
 * The ceiling AWS revealed by refusing `refusedMb`: the limit its message states ("'MemorySize' value failed to satisfy
 * constraint: Member must have value less than or equal to 3008"), else the last whole unit below the refused value.
 */
export function memoryCeilingFromRefusal(refusedMb: number, message: string, roundUpToMb: number): number {
  const stated = /less than or equal to (\d+)/i.exec(message)?.[1];
  const ceiling = stated !== undefined ? Number(stated) : Math.floor((refusedMb - 1) / roundUpToMb) * roundUpToMb;
  return Math.max(AWS_MIN_MEMORY_MB, Math.min(ceiling, AWS_MAX_MEMORY_MB));
}

export function learnedCeilingMb(state: ResourceState | undefined): number | undefined {
  const value = state?.learned?.[MEMORY_CEILING_FACT];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function effectiveCap(policy: MemoryPolicy, learned: number | undefined): { capMb: number; what: string } {
  const caps = [
    { capMb: AWS_MAX_MEMORY_MB, what: 'AWS maximum' },
    { capMb: policy.maxMemoryMb, what: 'environment cap' },
    ...(learned !== undefined ? [{ capMb: learned, what: 'account ceiling AWS enforced earlier' }] : []),
  ];
  return caps.reduce((lowest, cap) => (cap.capMb < lowest.capMb ? cap : lowest));
}

export function planMemoryRaise({ observation, policy, resourceState, runbookName, alarm }: MemoryPlanInput): Plan<MemoryChange> {
  const fn = observation.functionName;
  const current = observation.memoryMb;
  // PHP's memory_limit is an ini setting, not MemorySize: a raise cannot help, so none is planned (review 10a, finding 4).
  const diagnosis = memoryLimitDiagnosis(observation);
  if (diagnosis) return diagnosis;
  const { capMb, what } = effectiveCap(policy, learnedCeilingMb(resourceState));
  if (current >= capMb) {
    return {
      kind: 'escalate',
      cause: 'cap-reached',
      reason:
        `memory of ${fn} is ${current} MB, at the ${what} (${capMb} MB): cannot raise it further automatically; ` +
        'find what exhausts memory (a leak, a larger payload) or raise the cap',
    };
  }
  const toMb = Math.max(AWS_MIN_MEMORY_MB, Math.min(nextMemoryStepMb(current, policy), capMb));
  const drift = `memory ${current} -> ${toMb} MB: update your IaC`;
  const runbook: ManualRunbook | undefined = runbookName
    ? { documentName: runbookName, parameters: { FunctionName: [fn], MemorySize: [String(toMb)] } }
    : undefined;

  // A published version is immutable: raising $LATEST would report success while the traffic keeps the old memory.
  if (observation.invokedVia.length > 0) {
    const via = observation.invokedVia.map((v) => `${v.qualifier === v.version ? `version ${v.version}` : `alias ${v.qualifier} (version ${v.version})`} via ${v.source}`);
    return {
      kind: 'escalate',
      cause: 'publish-required',
      reason:
        `${fn} is invoked through a published version (${via.join('; ')}): ${drift}, publish a new version and move the alias to it; ` +
        'changing $LATEST alone would not reach the traffic',
      findings: via,
      ...(runbook ? { runbook } : {}),
    };
  }

  // Every reason not to raise is above (each a page); Lambda's REPORT (or the metric) and AWS's Errors must bear out the
  // alarm before a change (decision 253).
  const corroboration = outOfMemoryNotCorroborated(observation, alarm);
  if ('plan' in corroboration) return corroboration.plan;
  const findings = [...linesFindings(observation.oomLines), ...corroboration.findings];
  const capped = toMb < nextMemoryStepMb(current, policy) ? ` (held at the ${what}, ${capMb} MB)` : '';
  return {
    kind: 'change',
    direction: 'scale-up',
    change: { functionName: fn, fromMb: current, toMb },
    summary: `raise memory of ${fn} after out-of-memory errors: ${drift} (changed outside infrastructure code)${capped}`,
    before: { memoryMb: current },
    after: { memoryMb: toMb },
    blastRadius:
      `function ${fn} only: new execution environments start with ${toMb} MB (cold starts while the old ones are replaced); ` +
      `cost per invocation-second x${(toMb / current).toFixed(2)}`,
    baseline: { memoryMb: current },
    ...(runbook ? { runbook } : {}),
    ...(findings.length > 0 ? { findings } : {}),
  };
}
