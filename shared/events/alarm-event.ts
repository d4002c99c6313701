// Strict parser for EventBridge "CloudWatch Alarm State Change" events into the AlarmStateChange the pipeline acts on.
// zod/mini, not classic zod: it tree-shakes, so the handler bundle carries only the validators used here.
import * as z from 'zod/mini';
import { englishErrors } from '../config/zod-english';
import { isAwsRegion, partitionOf } from '../aws/arn';
import { foreignAccountProblem, type WorkloadAccount } from '../config/workload-account';
import { InvalidInputError } from '../errors';
import { isoDateTimeText, stateChangeInstant } from './state-change-key';
import { RUNBOOK_EXECUTION_PATTERN } from './run-key';

// zod/mini registers no locale: English, worded as zod's en locale (shared/config/zod-english.ts), for the issues without a message of our own.
if (!z.config().localeError) z.config({ localeError: englishErrors });

export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
export type AlarmKind = 'metric' | 'metric-math' | 'anomaly-detection' | 'composite';

export interface AlarmMetricSeries {
  /** The metric's id in the alarm ("m1", "e1"); synthesised as "m1" for a single-metric alarm that has none. */
  id: string;
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
  stat?: string;
  period?: number;
  unit?: string;
  /** Metric math, anomaly-detection band or Metrics Insights query. */
  expression?: string;
  label?: string;
  returnData: boolean;
  /** The account whose metric this series reads (MetricDataQuery AccountId), when the event names one. */
  accountId?: string;
}

export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  /** `reasonData` parsed from its JSON string; the raw string when it is not valid JSON. */
  reasonData?: unknown;
  /** The instant of the state change in one form (UTC, ms, `+0000`: shared/events/state-change-key.ts), however the event wrote it. */
  timestamp: string;
  actionsSuppressedBy?: string;
  actionsSuppressedReason?: string;
  /**
   * CloudWatch's evaluation state of the alarm at this state (PARTIAL_DATA, EVALUATION_ERROR, ...: User Guide, "Alarm
   * evaluation state"; the "How partial data is handled" example event carries `state.evaluationState`), as sent: kept
   * for the record, not an enum, so a value CloudWatch adds later is still an event.
   */
  evaluationState?: string;
}

export interface AlarmStateChange {
  eventId: string;
  account: string;
  region: string;
  time: string;
  source: string;
  detailType: 'CloudWatch Alarm State Change';
  alarmArn: string;
  alarmName: string;
  kind: AlarmKind;
  state: AlarmState;
  previousState?: AlarmState;
  metrics: AlarmMetricSeries[];
  alarmRule?: string;
  threshold?: number;
  comparisonOperator?: string;
  evaluationPeriods?: number;
  treatMissingData?: string;
  thresholdMetricId?: string;
  description?: string;
  /** Muted by an alarm mute rule (muteDetail) or actions suppressed (composite actionsSuppressedBy): recorded, never acted on. */
  muted: boolean;
  mutedReason?: string;
  /**
   * A stable key for this state change: `${alarmArn}#${state.timestamp}`, the timestamp in its one form, so the same
   * state change has one key whether EventBridge delivered it or an SSM document built it from DescribeAlarms.
   */
  incidentKey: string;
  /**
   * The EventBridge replay that re-sent this event from an archive (the envelope's `replay-name`; EventBridge User Guide,
   * "Archiving and replaying events"): absent on a live delivery. A replay is taken as a delivery of the same state
   * change (same incident key) only while the records that tell a handled one exist (shared/events/replay-age.ts).
   */
  replayName?: string;
  /**
   * The SSM Automation execution that built this event (`detail.runbookExecution`, written only by the project's
   * documents): a person's explicit request, decided on the alarm's current state even where the automation already
   * decided this state change (shared/events/run-key.ts, decision 379). Never set by CloudWatch.
   */
  runbookExecution?: string;
}

const SOURCE = 'aws.cloudwatch';
const DETAIL_TYPE = 'CloudWatch Alarm State Change';
const STATE_VALUES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;

// Limits from the CloudWatch API reference (PutMetricAlarm, Dimension, MetricAlarm) and quotas (30 dimensions per metric).
const MAX_ALARM_NAME_CHARS = 255;
const MAX_DESCRIPTION_CHARS = 1024;
const MAX_DIMENSIONS = 30;
const MAX_DIMENSION_NAME_CHARS = 255;
const MAX_DIMENSION_VALUE_CHARS = 1024;
// Our own bounds, above every field CloudWatch allows: the largest is a state's reasonData, StateReasonData of up to 4000
// characters (CloudWatch API model, SetAlarmState; written by anyone who tests an alarm with set-alarm-state), up to
// 16,000 bytes of UTF-8 at 4 bytes a character. 10 KiB refused a legal one of 3,414 CJK characters (decision 287).
// Anything beyond is not an alarm event.
const MAX_STRING_BYTES = 16 * 1024;
const MAX_DEPTH = 32;
const MAX_FIELD_NAME_CHARS = 255;

/** Error for a schema field: "required" when missing, the given expectation otherwise. */
const expecting = (expectation: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'required' : expectation;

const isoDateTime = z.iso.datetime({ offset: true });
// CloudWatch writes offsets without a colon ("2019-10-02T17:04:40.989+0000"); that is still ISO 8601 (basic offset).
// An offset is required; RFC 3339's space for the "T" is read as the "T" (an SSM document's datetime, decision 171).
const isIsoTimestamp = (value: string): boolean => isoDateTime.safeParse(isoDateTimeText(value)).success;

const timestamp = z
  .string({ error: expecting('expected an ISO 8601 timestamp string') })
  .check(z.refine<string>(isIsoTimestamp, { error: 'expected an ISO 8601 timestamp' }));

// Each factory below builds its schema once per argument and hands the same one to every field that asks for it: the
// event schema is constructed at every cold start, and a schema per field would be the same checks, the same messages,
// built again (decision 106).
function sharedBy<K, T>(build: (key: K) => T): (key: K) => T {
  const built = new Map<K, T>();
  return (key) => {
    if (!built.has(key)) built.set(key, build(key));
    return built.get(key) as T;
  };
}
const textExpecting = sharedBy((expectation: string) => z.string({ error: expecting(expectation) }));
const text = (expectation = 'expected a string') => textExpecting(expectation);
const nonEmptyText = text().check(z.minLength(1, { error: 'must not be empty' }));
const nonEmptyUpTo = sharedBy((max: number) => nonEmptyText.check(z.maxLength(max, { error: `must be at most ${max} characters` })));
const nonEmpty = (max?: number) => (max === undefined ? nonEmptyText : nonEmptyUpTo(max));
const secondsSchema = z.number({ error: expecting('expected a number of seconds') }).check(z.int(), z.positive());
const seconds = () => secondsSchema;

const dimensionsSchema = z
  .record(
    z.string().check(
      z.minLength(1),
      z.maxLength(MAX_DIMENSION_NAME_CHARS, { error: `dimension names are at most ${MAX_DIMENSION_NAME_CHARS} characters` }),
    ),
    z
      .string({ error: expecting('expected a string dimension value') })
      .check(z.maxLength(MAX_DIMENSION_VALUE_CHARS, { error: `dimension values are at most ${MAX_DIMENSION_VALUE_CHARS} characters` })),
    { error: expecting('expected an object of dimension name to value') },
  )
  .check(
    z.refine<Record<string, string>>((dimensions) => Object.keys(dimensions).length <= MAX_DIMENSIONS, {
      error: `at most ${MAX_DIMENSIONS} dimensions per metric`,
    }),
  );

const accountIdSchema = text().check(z.regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' }));

const metricSchema = z.looseObject(
  {
    id: z.optional(nonEmpty(255)),
    metricStat: z.optional(
      z.looseObject(
        {
          metric: z.looseObject(
            {
              namespace: nonEmpty(255),
              name: nonEmpty(255),
              dimensions: z.optional(dimensionsSchema),
            },
            { error: expecting('expected an object') },
          ),
          period: z.optional(seconds()),
          stat: z.optional(nonEmpty()),
          unit: z.optional(text()),
        },
        { error: expecting('expected an object') },
      ),
    ),
    expression: z.optional(nonEmpty()),
    label: z.optional(text()),
    returnData: z.optional(z.boolean({ error: expecting('expected a boolean') })),
    period: z.optional(seconds()),
    accountId: z.optional(accountIdSchema),
  },
  { error: expecting('expected an object') },
);

const configurationSchema = z.looseObject(
  {
    description: z.optional(
      text().check(z.maxLength(MAX_DESCRIPTION_CHARS, { error: `must be at most ${MAX_DESCRIPTION_CHARS} characters` })),
    ),
    metrics: z.optional(z.array(metricSchema, { error: expecting('expected an array') })),
    alarmRule: z.optional(nonEmpty()),
    threshold: z.optional(z.number({ error: expecting('expected a number') })),
    comparisonOperator: z.optional(nonEmpty()),
    evaluationPeriods: z.optional(z.number({ error: expecting('expected a number') }).check(z.int(), z.positive())),
    treatMissingData: z.optional(nonEmpty()),
    thresholdMetricId: z.optional(nonEmpty(255)),
  },
  { error: expecting('expected an object') },
);

const stateSchema = z.looseObject(
  {
    value: z.enum(STATE_VALUES, { error: expecting(`expected ${STATE_VALUES.join(' | ')}`) }),
    reason: text(),
    reasonData: z.optional(text('expected a JSON string')),
    timestamp,
    actionsSuppressedBy: z.optional(nonEmpty()),
    actionsSuppressedReason: z.optional(text()),
    evaluationState: z.optional(nonEmpty(255)),
  },
  { error: expecting('expected an object') },
);

// Alarm mute rules (2025): documented in the "Alarm events and EventBridge" examples as detail.muteDetail.
const muteDetailSchema = z.looseObject(
  {
    mutedByArn: z.optional(nonEmpty()),
    muteWindowStart: z.optional(timestamp),
    muteWindowEnd: z.optional(timestamp),
  },
  { error: expecting('expected an object') },
);

const eventSchema = z.looseObject({
  id: nonEmpty(),
  'detail-type': z.literal(DETAIL_TYPE),
  source: z.literal(SOURCE),
  account: accountIdSchema,
  time: timestamp,
  region: text().check(z.refine<string>(isAwsRegion, { error: 'expected an AWS region such as us-east-1' })),
  resources: z.optional(z.array(text(), { error: expecting('expected an array of ARNs') })),
  // EventBridge API reference, Replay: ReplayName is 1-64 characters.
  'replay-name': z.optional(nonEmpty(64)),
  detail: z.looseObject(
    {
      alarmName: nonEmpty(MAX_ALARM_NAME_CHARS),
      state: stateSchema,
      previousState: z.optional(stateSchema),
      configuration: configurationSchema,
      muteDetail: z.optional(muteDetailSchema),
      runbookExecution: z.optional(
        text().check(z.regex(RUNBOOK_EXECUTION_PATTERN, { error: 'expected an SSM Automation execution id (letters, digits and "-", at most 64)' })),
      ),
    },
    { error: expecting('expected an object') },
  ),
});

type RawEvent = z.infer<typeof eventSchema>;
type RawMetric = z.infer<typeof metricSchema>;
type RawState = z.infer<typeof stateSchema>;
type Path = readonly PropertyKey[];

const ALARM_ARN = /^arn:(aws[a-z-]*):cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/s;

function formatPath(path: Path): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function reject(issues: readonly string[], cause?: unknown): never {
  const [first = 'invalid alarm event'] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new InvalidInputError(`${first}${more}`, issues, cause === undefined ? undefined : { cause });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return typeof value;
}

/**
 * Every string (and key) bounded in size and the nesting bounded in depth, unknown fields included. `path` is one array
 * walked in place (pushed and popped), written out only for an issue: every event passes here, nearly always clean.
 */
function oversizedValues(value: unknown, path: PropertyKey[] = [], issues: string[] = []): string[] {
  if (path.length > MAX_DEPTH) {
    issues.push(`${formatPath(path)}: nested deeper than ${MAX_DEPTH} levels`);
  } else if (typeof value === 'string') {
    // UTF-8 is at most 3 bytes per UTF-16 code unit, so only long strings need measuring.
    if (value.length * 3 > MAX_STRING_BYTES && new TextEncoder().encode(value).length > MAX_STRING_BYTES) {
      issues.push(`${formatPath(path)}: string exceeds ${MAX_STRING_BYTES} bytes`);
    }
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      path.push(i);
      oversizedValues(value[i], path, issues);
      path.pop();
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      if (key.length > MAX_FIELD_NAME_CHARS) {
        issues.push(`${formatPath(path)}: field name exceeds ${MAX_FIELD_NAME_CHARS} characters`);
        continue;
      }
      path.push(key);
      oversizedValues((value as Record<string, unknown>)[key], path, issues);
      path.pop();
    }
  }
  return issues;
}

function alarmArnOf(event: RawEvent, issues: string[]): string {
  const { alarmName } = event.detail;
  const arn = event.resources?.[0];
  if (arn === undefined) return `arn:${partitionOf(event.region)}:cloudwatch:${event.region}:${event.account}:alarm:${alarmName}`;
  const match = ALARM_ARN.exec(arn);
  if (!match) {
    issues.push(`resources[0]: expected a CloudWatch alarm ARN (arn:aws:cloudwatch:<region>:<account>:alarm:<name>), got ${describeValue(arn)}`);
  } else if (match[2] !== event.region || match[3] !== event.account || match[4] !== alarmName) {
    issues.push(`resources[0]: alarm ARN ${describeValue(arn)} does not match the event's region, account and detail.alarmName`);
  } else if (match[1] !== partitionOf(event.region)) {
    // The SDK's partition table: a region belongs to one partition, and CloudWatch's ARNs name it.
    issues.push(`resources[0]: alarm ARN ${describeValue(arn)} names partition ${match[1]}, but region ${event.region} is in ${partitionOf(event.region)}`);
  }
  return arn;
}

const isAnomalyBand = (metric: RawMetric): boolean =>
  metric.expression?.trim().toUpperCase().startsWith('ANOMALY_DETECTION_BAND') ?? false;

function kindOf(configuration: RawEvent['detail']['configuration'], issues: string[]): AlarmKind {
  const at = 'detail.configuration';
  const metrics = configuration.metrics ?? [];
  if (configuration.alarmRule !== undefined) {
    if (metrics.length > 0) issues.push(`${at}: a composite alarm (alarmRule) cannot also have metrics`);
    return 'composite';
  }
  if (metrics.length === 0) {
    issues.push(`${at}: expected metrics (metric alarm) or alarmRule (composite alarm)`);
    return 'metric';
  }
  metrics.forEach((metric, i) => {
    // PutMetricAlarm: each MetricDataQuery has either MetricStat or Expression, never both.
    if ((metric.metricStat === undefined) === (metric.expression === undefined)) {
      issues.push(`${at}.metrics[${i}]: expected exactly one of metricStat or expression`);
    }
  });
  const kind: AlarmKind =
    configuration.thresholdMetricId !== undefined || metrics.some(isAnomalyBand)
      ? 'anomaly-detection'
      : metrics.some((metric) => metric.expression !== undefined)
        ? 'metric-math'
        : 'metric';
  if (kind === 'metric' && metrics.length !== 1) {
    issues.push(`${at}.metrics: a single-metric alarm has exactly one metric, got ${metrics.length}`);
  }
  if (kind !== 'metric') {
    metrics.forEach((metric, i) => {
      if (metric.id === undefined) issues.push(`${at}.metrics[${i}].id: required when an alarm has several metrics`);
    });
  }
  return kind;
}

function toSeries(metric: RawMetric): AlarmMetricSeries {
  const stat = metric.metricStat;
  const series: AlarmMetricSeries = {
    id: metric.id ?? 'm1',
    // A copy with own properties only, so a dimension can never reach the prototype.
    dimensions: Object.fromEntries(Object.entries(stat?.metric.dimensions ?? {})),
    returnData: metric.returnData ?? true, // PutMetricAlarm: ReturnData defaults to true when omitted.
  };
  if (stat) {
    series.namespace = stat.metric.namespace;
    series.metricName = stat.metric.name;
    if (stat.stat !== undefined) series.stat = stat.stat;
    if (stat.unit !== undefined) series.unit = stat.unit;
  }
  const period = stat?.period ?? metric.period;
  if (period !== undefined) series.period = period;
  if (metric.expression !== undefined) series.expression = metric.expression;
  if (metric.label !== undefined) series.label = metric.label;
  if (metric.accountId !== undefined) series.accountId = metric.accountId;
  return series;
}

function parseReasonData(raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw) as unknown;
  } catch {
    return raw; // Kept as text: the state change is still valid and the reason is still worth recording.
  }
  // SetAlarmState's 4000 characters can nest 2000 levels deep, past what JSON.stringify and any recursive reader of the
  // parsed value survive: past the event's own depth bound it is kept as the text it came as (decision 287).
  return nestedDeeperThan(parsed, MAX_DEPTH) ? raw : parsed;
}

/** Whether objects or arrays nest more than `levels` deep in `value`; recurses at most `levels` deep itself. */
function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (nestedDeeperThan(item, levels - 1)) return true;
  return false;
}

function toState(raw: RawState): AlarmState {
  const state: AlarmState = { value: raw.value, reason: raw.reason, timestamp: stateChangeInstant(raw.timestamp) };
  if (raw.reasonData !== undefined) state.reasonData = parseReasonData(raw.reasonData);
  if (raw.actionsSuppressedBy !== undefined) state.actionsSuppressedBy = raw.actionsSuppressedBy;
  if (raw.actionsSuppressedReason !== undefined) state.actionsSuppressedReason = raw.actionsSuppressedReason;
  if (raw.evaluationState !== undefined) state.evaluationState = raw.evaluationState;
  return state;
}

function mutedReasonOf(event: RawEvent): string | undefined {
  const reasons: string[] = [];
  const mute = event.detail.muteDetail;
  if (mute) {
    const window =
      mute.muteWindowStart !== undefined && mute.muteWindowEnd !== undefined
        ? ` (window ${mute.muteWindowStart} to ${mute.muteWindowEnd})`
        : '';
    reasons.push(`muted by alarm mute rule ${mute.mutedByArn ?? '(rule not named)'}${window}`);
  }
  const { actionsSuppressedBy, actionsSuppressedReason } = event.detail.state;
  if (actionsSuppressedBy !== undefined) {
    reasons.push(`actions suppressed by ${actionsSuppressedBy}${actionsSuppressedReason ? `: ${actionsSuppressedReason}` : ''}`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

function toObject(input: unknown): Record<string, unknown> {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (error) {
      reject([`event is not valid JSON: ${error instanceof Error ? error.message : String(error)}`], error);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    reject([`event must be a JSON object, got ${describeValue(value)}`]);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses an EventBridge "CloudWatch Alarm State Change" event (an object, or its JSON text such as an SQS body).
 * Unknown fields are accepted and dropped; anything else out of shape throws InvalidInputError naming the reason,
 * with one `path: problem` line per issue in `details`.
 */
export function parseAlarmEvent(input: unknown): AlarmStateChange {
  const candidate = toObject(input);

  // Source and detail-type first: another event on the bus is "not ours", whatever else is wrong with it.
  if (candidate.source !== SOURCE) {
    throw new InvalidInputError(`source must be ${SOURCE}`, [`source: got ${describeValue(candidate.source)}`]);
  }
  const detailType = candidate['detail-type'];
  if (detailType === undefined && 'alarmData' in candidate) {
    // CloudWatch's payload when an alarm action invokes a function directly ("Invoke a Lambda function from an alarm").
    throw new InvalidInputError(
      `a CloudWatch alarm action payload (alarmData), not an EventBridge "${DETAIL_TYPE}" event: the runbooks take alarms through EventBridge rules, not as alarm actions`,
      ['detail-type: missing; alarmData: present (alarm action payload)'],
    );
  }
  if (detailType !== DETAIL_TYPE) {
    throw new InvalidInputError(
      typeof detailType === 'string'
        ? `unsupported detail-type ${describeValue(detailType)}: only "${DETAIL_TYPE}" is handled`
        : `detail-type: required, only "${DETAIL_TYPE}" is handled`,
      [`detail-type: got ${describeValue(detailType)}`],
    );
  }

  const oversized = oversizedValues(candidate);
  if (oversized.length > 0) reject(oversized);

  const parsed = eventSchema.safeParse(candidate);
  if (!parsed.success) {
    reject(parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`), parsed.error);
  }
  const event = parsed.data;
  const { detail } = event;
  const { configuration } = detail;

  const issues: string[] = [];
  const alarmArn = alarmArnOf(event, issues);
  const kind = kindOf(configuration, issues);
  if (issues.length > 0) reject(issues);

  const mutedReason = mutedReasonOf(event);
  const state = toState(detail.state);
  const result: AlarmStateChange = {
    eventId: event.id,
    account: event.account,
    region: event.region,
    time: event.time,
    source: event.source,
    detailType: event['detail-type'],
    alarmArn,
    alarmName: detail.alarmName,
    kind,
    state,
    metrics: kind === 'composite' ? [] : (configuration.metrics ?? []).map(toSeries),
    muted: mutedReason !== undefined,
    incidentKey: `${alarmArn}#${state.timestamp}`,
  };
  if (detail.previousState) result.previousState = toState(detail.previousState);
  if (configuration.alarmRule !== undefined) result.alarmRule = configuration.alarmRule;
  if (configuration.threshold !== undefined) result.threshold = configuration.threshold;
  if (configuration.comparisonOperator !== undefined) result.comparisonOperator = configuration.comparisonOperator;
  if (configuration.evaluationPeriods !== undefined) result.evaluationPeriods = configuration.evaluationPeriods;
  if (configuration.treatMissingData !== undefined) result.treatMissingData = configuration.treatMissingData;
  if (configuration.thresholdMetricId !== undefined) result.thresholdMetricId = configuration.thresholdMetricId;
  if (configuration.description !== undefined) result.description = configuration.description;
  if (mutedReason !== undefined) result.mutedReason = mutedReason;
  if (event['replay-name'] !== undefined) result.replayName = event['replay-name'];
  if (detail.runbookExecution !== undefined) result.runbookExecution = detail.runbookExecution;
  return result;
}

/**
 * An alarm event is a claim about an account: one from any account but this deployment's workload account (the
 * configuration's accountId; shared/config/workload-account.ts) is refused as input, before any AWS call. The parser
 * has already made the alarm ARN's account the event's own.
 */
export function refuseForeignAccount(
  event: Pick<AlarmStateChange, 'account' | 'alarmName'> & { metrics?: readonly Pick<AlarmMetricSeries, 'id' | 'accountId'>[] },
  workload: WorkloadAccount | undefined,
): void {
  const problem = foreignAccountProblem(`alarm event for "${event.alarmName}"`, event.account, workload);
  if (problem) throw new InvalidInputError(problem, [`account: ${event.account}`]);
  // A playbook acts on the resource its alarm's dimensions name, in the alarm's account: an alarm that reads another
  // account's metric (MetricDataQuery AccountId, cross-account observability) names a resource that is not there.
  const foreign = (event.metrics ?? []).filter((series) => series.accountId !== undefined && series.accountId !== event.account);
  if (foreign.length > 0) {
    throw new InvalidInputError(
      `alarm "${event.alarmName}" of account ${event.account} reads another account's metrics (${foreign.map((s) => `${s.id}: ${s.accountId ?? ''}`).join(', ')}): a playbook acts only on resources in the alarm's own account`,
      foreign.map((series) => `metrics.${series.id}.accountId: ${series.accountId ?? ''}`),
    );
  }
}

/** Re-exported: the playbooks import it from its own module, which builds no schema (decision 106). */
export { primaryMetric } from './primary-metric';
