// Pure enrichment for Error Rate > 1% -> alert: the rate from raw counts, error log lines grouped by message, the escalation.
import type { Plan } from '../pipeline/types';

export interface ErrorMessageCount {
  message: string;
  count: number;
}

export interface ErrorRateObservation {
  functionName: string;
  windowMinutes: number;
  /** Sums over the window; undefined when the metric had no datapoints. */
  errors?: number;
  invocations?: number;
  logGroupName: string;
  /** read: messages below; missing: no such log group; unavailable: could not be read (reason). */
  logs: { status: 'read'; eventsRead: number; errorLines: number; truncated: boolean; messages: ErrorMessageCount[] } | { status: 'missing' | 'unavailable'; reason: string };
}

export interface ErrorRatePlanInput {
  observation: ErrorRateObservation;
  thresholdPercent: number;
  topMessages: number;
}

/** Nothing to plan: the alert never changes anything. */
export type NoChange = never;

export function errorRatePercent(errors: number | undefined, invocations: number | undefined): number | undefined {
  if (invocations === undefined || invocations <= 0) return undefined;
  return ((errors ?? 0) / invocations) * 100;
}

const MAX_MESSAGE_CHARS = 200;
/** Lambda platform lines: request boundaries and reports, never errors by themselves. */
const PLATFORM_LINE = /^(START|END|REPORT|INIT_START|INIT_REPORT|RESTORE_START|RESTORE_REPORT|EXTENSION|TELEMETRY|LOGS)\b/;
const ERROR_LEVELS = new Set(['ERROR', 'FATAL', 'CRITICAL', 'EMERG', 'ALERT']);
const ERROR_WORDS = /\b(error|exception|fatal|failed|failure|timed out|traceback|panic|uncaught|unhandled)\b/i;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\b/g;
const LONG_NUMBER = /\b\d+\.\d+\b|\b\d{4,}\b/g;

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** errorType / errorMessage of Lambda's runtime error records, Powertools' error object, or a plain message field. */
function fromRecord(record: Record<string, unknown>): { level?: string; text?: string } {
  const level = textOf(record.level ?? record.log_level ?? record.severity)?.toUpperCase();
  const error = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : undefined;
  const type = textOf(record.errorType) ?? textOf(error?.name);
  const message = textOf(record.errorMessage) ?? textOf(error?.message) ?? textOf(record.message) ?? textOf(record.msg);
  const text = [type, message].filter(Boolean).join(': ') || undefined;
  return { ...(level ? { level } : {}), ...(text ? { text } : {}) };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    const value = JSON.parse(text.slice(start)) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function normalise(text: string): string {
  const cleaned = text.replace(ISO_TIME, '').replace(UUID, '<id>').replace(LONG_NUMBER, '#').replace(/\s+/g, ' ').trim();
  return cleaned.length > MAX_MESSAGE_CHARS ? `${cleaned.slice(0, MAX_MESSAGE_CHARS - 1)}…` : cleaned;
}

/**
 * The error a log line reports, normalised so that occurrences of one error group together (ids, timestamps and long
 * numbers masked); undefined for a line that reports no error. Understands Lambda's JSON log format and Powertools
 * records, the Node.js runtime's tab-separated text lines, Python's "[ERROR]" lines and PHP's "Fatal error" lines.
 */
export function errorMessageOf(line: string): string | undefined {
  const raw = line.trim();
  if (raw === '' || PLATFORM_LINE.test(raw)) return undefined;
  if (raw.startsWith('{')) {
    const record = parseJsonObject(raw);
    if (record) {
      if (typeof record.type === 'string' && record.type.startsWith('platform.')) return undefined;
      const { level, text } = fromRecord(record);
      const isError = level !== undefined ? ERROR_LEVELS.has(level) : record.errorType !== undefined || ERROR_WORDS.test(text ?? '');
      return isError && text ? normalise(text) : undefined;
    }
  }
  // Node.js text format: "<timestamp>\t<request id>\t<LEVEL>\t<message>", the message often "Invoke Error \t{json}".
  const fields = raw.split('\t');
  if (fields.length >= 4 && /^[A-Z]+$/.test(fields[2] ?? '')) {
    const level = fields[2] ?? '';
    if (!ERROR_LEVELS.has(level)) return undefined;
    const rest = fields.slice(3).join('\t');
    const record = parseJsonObject(rest);
    const text = (record && fromRecord(record).text) ?? rest;
    return normalise(text);
  }
  // Python: "[ERROR]\t<timestamp>\t<request id>\t<message>" or "[ERROR] Type: message".
  const python = /^\[(\w+)\]\s*(.*)$/s.exec(raw);
  if (python) {
    if (!ERROR_LEVELS.has((python[1] ?? '').toUpperCase())) return undefined;
    const parts = (python[2] ?? '').split('\t').filter((p) => p.trim() !== '');
    // The message is the last field; a traceback may follow it on the next lines.
    return normalise((parts[parts.length - 1] ?? '').split('\n')[0] ?? '');
  }
  return ERROR_WORDS.test(raw) ? normalise(raw.replace(/^PHP\s+/, '')) : undefined;
}

/** Counts error lines by normalised message, most frequent first (ties by message, for a stable report). */
export function groupErrorMessages(lines: readonly string[]): { errorLines: number; messages: ErrorMessageCount[] } {
  const counts = new Map<string, number>();
  let errorLines = 0;
  for (const line of lines) {
    const message = errorMessageOf(line);
    if (message === undefined) continue;
    errorLines += 1;
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  const messages = [...counts.entries()]
    .map(([message, count]) => ({ message, count }))
    .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message));
  return { errorLines, messages };
}

const percent = (value: number): string => `${value.toFixed(2)}%`;

/** Always escalates: the error rate is for people to judge; the findings are what they need to start. */
export function planErrorRateAlert({ observation, thresholdPercent, topMessages }: ErrorRatePlanInput): Plan<NoChange> {
  const fn = observation.functionName;
  const window = `${observation.windowMinutes} min`;
  const rate = errorRatePercent(observation.errors, observation.invocations);
  const findings: string[] = [];
  let headline: string;
  if (rate === undefined) {
    headline = `no invocations of ${fn} recorded in the last ${window}: the rate cannot be recomputed`;
    findings.push(`errors ${observation.errors ?? 'no data'} / invocations ${observation.invocations ?? 'no data'} over the last ${window}`);
  } else {
    headline = `error rate of ${fn} is ${percent(rate)} (${observation.errors ?? 0} errors / ${observation.invocations ?? 0} invocations over the last ${window}, threshold ${thresholdPercent}%)`;
    findings.push(`errors ${observation.errors ?? 0} / invocations ${observation.invocations ?? 0} = ${percent(rate)} over the last ${window} (threshold ${thresholdPercent}%)`);
    if (rate <= thresholdPercent) findings.push(`the rate is back at or under ${thresholdPercent}% over the whole window: the burst may be over`);
  }

  const logs = observation.logs;
  let top = '';
  if (logs.status === 'read') {
    const shown = logs.messages.slice(0, topMessages);
    findings.push(
      `${logs.errorLines} error line(s) among ${logs.eventsRead} log event(s) read from ${observation.logGroupName}` +
        (logs.truncated ? ' (read limit reached: counts cover the first events only)' : ''),
    );
    for (const m of shown) findings.push(`${m.count}x ${m.message}`);
    const first = shown[0];
    if (first) top = `; most frequent: "${first.message}" (${first.count}x)`;
    else findings.push('no error message found in the log lines of the window');
  } else {
    findings.push(`log group ${observation.logGroupName}: ${logs.reason}`);
    // The alert goes out on the metric reading; the message says what it lacks, so nobody takes "no messages" for "no errors".
    if (logs.status === 'unavailable') top = `; the log excerpt from ${observation.logGroupName} ${logs.reason}`;
  }
  return { kind: 'escalate', cause: 'diagnosis', reason: `${headline}${top}`, findings };
}
