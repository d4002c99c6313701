// Pure planning for Memory Pressure -> raise the function's MemorySize one step, within every cap it has.
import type { RuntimeConfig } from '../config/load-config';
import type { ManualRunbook, Plan } from '../pipeline/types';
import type { ResourceState } from '../state/incident-store';
import { metricBearsOut, notCorroborated, type AlarmMetricRead, type ConfiguredAlarm } from './alarm-corroboration';

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
}

/**
 * What the log lines behind the OOM alarm say. The metric filter counts every kind alike (alarm-specs.ts
 * OUT_OF_MEMORY_TERMS), so the alarm's metric alone cannot tell them apart: the lines can.
 */
export type OutOfMemoryLines =
  | {
      status: 'read';
      logGroupName: string;
      /** Lines where the function ran out of its MemorySize: Runtime.OutOfMemory, "signal: killed", Node's heap exhaustion. */
      runtimeKills: number;
      /** PHP's "Allowed memory size of N bytes exhausted": the script passed the memory_limit ini setting. */
      phpMemoryLimit: number;
      /** The distinct N of those lines (bytes), ascending. */
      phpLimitBytes: number[];
      /** More lines matched than were read (the read is bounded). */
      truncated: boolean;
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

/** Pure: the OOM lines by kind. Lines of neither kind are ignored (the emulator's FilterLogEvents ignores the pattern). */
export function classifyOutOfMemoryLines(lines: readonly string[]): { runtimeKills: number; phpMemoryLimit: number; phpLimitBytes: number[] } {
  let runtimeKills = 0;
  let phpMemoryLimit = 0;
  const limits = new Set<number>();
  for (const line of lines) {
    const php = PHP_MEMORY_LIMIT.exec(line);
    if (php) {
      phpMemoryLimit += 1;
      limits.add(Number(php[1]));
    } else if (RUNTIME_OUT_OF_MEMORY.test(line)) {
      runtimeKills += 1;
    }
  }
  return { runtimeKills, phpMemoryLimit, phpLimitBytes: [...limits].sort((a, b) => a - b) };
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
  const kills = `${lines.runtimeKills} line${lines.runtimeKills === 1 ? '' : 's'} of the function out of its MemorySize (Runtime.OutOfMemory, signal: killed, heap) in ${lines.logGroupName}`;
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

/**
 * Why the observation does not bear out the OOM alarm, or undefined when it does: a line of the function out of its
 * MemorySize (Runtime.OutOfMemory, signal: killed, heap), or else the alarm's own metric breaching in CloudWatch (a line
 * counted by the filter and not yet searchable: log delivery lags). SetAlarmState writes neither.
 */
function outOfMemoryNotCorroborated(observation: MemoryObservation, alarm: MemoryPlanInput['alarm']): { plan: Plan<MemoryChange> } | { findings: string[] } {
  const lines = observation.oomLines;
  if (lines?.status === 'read' && lines.runtimeKills > 0) return { findings: [] };
  const metric = observation.alarmMetric;
  const configured = alarm.configured;
  const bears = configured && metric?.status === 'read' ? metricBearsOut(metric.reading, configured) : undefined;
  if (bears?.borne) return { findings: [`the alarm's metric bears it out: ${bears.text}`] };
  const linesText =
    lines === undefined
      ? 'the OOM lines were not read'
      : lines.status === 'read'
        ? `no line of ${observation.functionName} out of its MemorySize in ${lines.logGroupName} around the state change (${lines.phpMemoryLimit} PHP memory_limit line${lines.phpMemoryLimit === 1 ? '' : 's'})`
        : `the OOM lines in ${lines.logGroupName} ${lines.reason}`;
  const metricText = !configured
    ? 'the alarm is not one this deployment defines, so its metric is unknown'
    : metric === undefined
      ? "the alarm's metric was not read"
      : metric.status === 'unread'
        ? `the alarm's metric could not be read (${metric.reason})`
        : (bears?.text ?? '');
  return { plan: notCorroborated(alarm.alarmName, `${linesText}, and ${metricText}`) };
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

  // Every reason not to raise is above (each a page); the lines or the metric must bear out the alarm before a change.
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
