// Pure planning for Queue Backup -> scale consumers: raise the SQS event source mapping's MaximumConcurrency within every cap.
import type { RuntimeConfig } from '../config/load-config';
import type { AlarmStateValue } from '../events/alarm-event';
import type { ResourceState } from '../state/incident-store';
import type { Plan } from '../pipeline/types';
import { breaches, comparisonText, metricBearsOut, metricBearsOutOk, notCorroborated, type AlarmMetricRead, type ConfiguredAlarm } from './alarm-corroboration';
import { describeConnections, type DbConnectionsReading } from './db-connections-reading';

/** Lambda's documented range for SQS event source mapping ScalingConfig.MaximumConcurrency. */
export const AWS_MIN_MAXIMUM_CONCURRENCY = 2;
export const AWS_MAX_MAXIMUM_CONCURRENCY = 1000;

export interface ConsumerMapping {
  uuid: string;
  functionName: string;
  state: string;
  maximumConcurrency?: number;
}

export interface ConsumerFunction {
  reservedConcurrency?: number;
  errors?: number;
  invocations?: number;
}

export interface QueueBackupObservation {
  queueName: string;
  queueDepth?: number;
  mappings: ConsumerMapping[];
  functions: Record<string, ConsumerFunction>;
  /** Undefined when the account settings could not be read. */
  account?: { concurrentExecutions: number; unreservedConcurrentExecutions: number };
  /** A database the consumers use whose connections check-db-connections read as saturated, while that reading holds. */
  dbSaturation?: DbConnectionsReading;
  /**
   * The alarm's own metric as CloudWatch holds it over the alarm's window: the depth alarm's at its ALARM (decision 217)
   * and at its OK (263), the low-water alarm's at its OK (decision 249); absent: not read.
   */
  alarmMetric?: AlarmMetricRead;
}

export interface ConsumerScalingChange {
  mappings: Array<{ uuid: string; functionName: string; from: number; to: number }>;
  reservedConcurrency: Array<{ functionName: string; from: number | null; to: number | null }>;
}

export interface ConsumerBaseline {
  mappings: Record<string, number>;
  reservedConcurrency: Record<string, number | null>;
  [key: string]: unknown;
}

/**
 * The row's low watermark (decision 185): the baseline comes back only once the queue is under `messages`; the low-water
 * alarm `alarmName` going OK (under it for `evaluationMinutes`, decision 205) is the restore signal.
 */
export interface QueueLowWater {
  messages: number;
  evaluationMinutes: number;
  alarmName: string;
}

export interface QueueBackupPlanInput {
  state: AlarmStateValue;
  observation: QueueBackupObservation;
  policy: RuntimeConfig['env']['scaleConsumers'];
  resourceState: ResourceState | undefined;
  /**
   * Which alarm changed state: the queue-depth alarm (default: ALARM scales up, OK restores once the queue is under the
   * watermark) or the queue's low-water alarm (its OK restores; its ALARM does nothing: decision 205).
   */
  signal?: 'depth' | 'low-water';
  /** The queue's low watermark and its alarm; unset (no `lowWater` configured): the baseline is restored at the first OK. */
  lowWater?: QueueLowWater;
  /**
   * The alarm that changed state, as the configuration defines it (`configured`; undefined: not one this deployment
   * defines, so nothing is scaled or restored on its word): a scale-up is made only when the depth now or CloudWatch bears
   * the depth alarm out (decision 217), a restore at either alarm's OK only when CloudWatch bears that OK out (249, 263).
   */
  alarm: { alarmName: string; configured?: ConfiguredAlarm };
}

export function errorRatePercent(fn: ConsumerFunction | undefined): number | undefined {
  if (!fn || fn.invocations === undefined || fn.invocations <= 0) return undefined;
  return ((fn.errors ?? 0) / fn.invocations) * 100;
}

const isActive = (m: ConsumerMapping): boolean => m.state === 'Enabled' || m.state === 'Updating' || m.state === 'Enabling';

function snapshot(observation: QueueBackupObservation, functionNames: string[]): Record<string, unknown> {
  return {
    queueDepth: observation.queueDepth ?? null,
    maximumConcurrency: Object.fromEntries(observation.mappings.map((m) => [m.uuid, m.maximumConcurrency ?? null])),
    reservedConcurrency: Object.fromEntries(functionNames.map((f) => [f, observation.functions[f]?.reservedConcurrency ?? null])),
  };
}

export function planConsumerScaling(input: QueueBackupPlanInput): Plan<ConsumerScalingChange> {
  if (input.signal === 'low-water') return planLowWaterRestore(input);
  return input.state === 'OK' ? planRestoreAtOk(input) : planScaleUp(input);
}

const describeBaseline = (baseline: unknown): string => JSON.stringify(baseline).slice(0, 300);

/**
 * The queue-depth alarm's OK: its first minute under the threshold, the backlog still ~1000 deep. The baseline comes back
 * now only when the queue is already under the low watermark (a burst drained within the minute) and CloudWatch bears the
 * OK out: the alarm's own metric not over its threshold in its newest period (decision 263, as 249 for the low-water OK:
 * SetAlarmState puts the alarm in OK without its metric, and the visible depth of a queue being drained dips under the
 * watermark at most moments). Otherwise the restore waits for the low-water alarm, nothing changed, the baseline kept.
 * Without a watermark configured: at once when CloudWatch bears the OK out.
 */
function planRestoreAtOk(input: QueueBackupPlanInput): Plan<ConsumerScalingChange> {
  const { observation, resourceState, lowWater, alarm } = input;
  const queue = observation.queueName;
  if (resourceState?.baseline === undefined) {
    return { kind: 'none', reason: `nothing to restore: the automation has not scaled the consumers of ${queue}` };
  }
  const waitsFor = lowWater
    ? `the low-water alarm "${lowWater.alarmName}" to go OK (the queue under ${lowWater.messages} messages for ${lowWater.evaluationMinutes} min)`
    : `the depth alarm's next OK`;
  const depth = observation.queueDepth;
  if (lowWater && (depth === undefined || depth >= lowWater.messages)) {
    return {
      kind: 'none',
      reason:
        `restore waits for ${waitsFor}: ` +
        (depth === undefined
          ? `the queue's depth could not be read at this OK, so it is not known to have drained`
          : `the queue still holds ${depth} messages at this OK, at or above the low watermark of ${lowWater.messages}`) +
        `; nothing changed, the recorded baseline is kept`,
      findings: [`recorded baseline: ${describeBaseline(resourceState.baseline)}`],
    };
  }
  const unborne = okNotBorneOut(observation, alarm, 'the backlog is still over the alarm\'s threshold in CloudWatch');
  if (unborne !== undefined) {
    return {
      kind: 'none',
      reason: `restore waits for ${waitsFor}: the depth alarm "${alarm.alarmName}" went OK, but ${unborne}; nothing changed, the recorded baseline is kept`,
      findings: [`recorded baseline: ${describeBaseline(resourceState.baseline)}`],
    };
  }
  return planRestore(input);
}

/**
 * The low-water alarm: its OK (the queue under the watermark for N minutes, decision 205) restores the recorded baseline,
 * once (the restore clears it); with no scale-up recorded there is nothing to undo. The depth read now must agree (a new
 * burst since the alarm went OK: its next OK restores), and so must CloudWatch: the alarm's own metric under the watermark
 * in each of its evaluation periods (decision 249), since SetAlarmState can put the alarm in OK without its metric. Its
 * ALARM (the queue at or above the watermark) restores nothing.
 */
function planLowWaterRestore(input: QueueBackupPlanInput): Plan<ConsumerScalingChange> {
  const { observation, resourceState, lowWater, state, alarm } = input;
  const queue = observation.queueName;
  if (state !== 'OK') {
    return { kind: 'none', reason: `the low-water alarm of ${queue} is ${state}: only its OK (the queue drained) restores the consumers` };
  }
  if (resourceState?.baseline === undefined) {
    return { kind: 'none', reason: `nothing to restore: the queue ${queue} has drained and the automation has not scaled its consumers` };
  }
  const depth = observation.queueDepth;
  if (lowWater && depth !== undefined && depth >= lowWater.messages) {
    return {
      kind: 'none',
      reason:
        `restore waits: the low-water alarm went OK, but the queue holds ${depth} messages again, at or above the low watermark of ${lowWater.messages}; ` +
        `nothing changed, the recorded baseline is kept for the low-water alarm's next OK`,
      findings: [`recorded baseline: ${describeBaseline(resourceState.baseline)}`],
    };
  }
  const unborne = okNotBorneOut(observation, alarm, 'the queue has not been under the watermark for the alarm\'s window');
  if (unborne !== undefined) {
    return {
      kind: 'none',
      reason:
        `restore waits: the low-water alarm "${alarm.alarmName}" went OK, but ${unborne}; ` +
        `nothing changed, the recorded baseline is kept for the low-water alarm's next OK`,
      findings: [`recorded baseline: ${describeBaseline(resourceState.baseline)}`],
    };
  }
  return planRestore(input);
}

/**
 * Why CloudWatch does not bear out an OK that restores, or undefined when it does: the low-water alarm's (decision 249) or
 * the depth alarm's (decision 263). Its own metric, as the configuration defines the alarm, not breaching in any of its
 * evaluation periods ending at the newest datapoint, each present (metricBearsOutOk). An OK CloudWatch's data contradicts
 * was set by hand (SetAlarmState) or evaluated on data since superseded; one whose data is missing or unreadable is not
 * known to have drained. Either way the restore waits: a wrong restore halves the drain of a real backlog (and spends the
 * hourly budget a real scale-up needs); a late one costs idle consumers until the next drain. `undrained`: what a
 * breaching datapoint means for this alarm.
 */
function okNotBorneOut(observation: QueueBackupObservation, alarm: QueueBackupPlanInput['alarm'], undrained: string): string | undefined {
  const configured = alarm.configured;
  if (!configured) return `it is not an alarm this deployment's configuration defines, so its threshold and window are unknown`;
  const metric = observation.alarmMetric;
  if (metric === undefined) return "its metric was not read, so the queue is not known to have drained";
  if (metric.status === 'unread') return `its metric could not be read (${metric.reason}), so the queue is not known to have drained`;
  const ok = metricBearsOutOk(metric.reading, configured);
  if (ok.borne) return undefined;
  return ok.breaching.length > 0 ? `${ok.text}: ${undrained}` : `${ok.text}: the queue is not known to have drained`;
}

/**
 * Why neither the depth read now nor CloudWatch bears out the depth alarm, or undefined when one does (decision 217): the
 * queue holds more than the threshold now, by the alarm's own comparison, or SQS's own ApproximateNumberOfMessagesVisible
 * breached it (M of N) in the alarm's window. SetAlarmState writes neither. A backlog the consumers drained between the
 * datapoint and the read is still borne out by CloudWatch and scaled, as the alarm says (the low-water alarm restores).
 */
function depthNotCorroborated({ observation, alarm }: QueueBackupPlanInput): { plan: Plan<ConsumerScalingChange> } | { findings: string[] } {
  const queue = observation.queueName;
  const configured = alarm.configured;
  if (!configured) {
    return { plan: notCorroborated(alarm.alarmName, `it is not a depth alarm this deployment's configuration defines for ${queue}, so its threshold is unknown`) };
  }
  const depth = observation.queueDepth;
  const bar = comparisonText(configured);
  if (depth !== undefined && Number.isFinite(depth) && breaches(depth, configured)) return { findings: [] };
  const metric = observation.alarmMetric;
  const bears = metric?.status === 'read' ? metricBearsOut(metric.reading, configured) : undefined;
  const depthText =
    depth === undefined || !Number.isFinite(depth)
      ? `the depth of ${queue} could not be read (SQS answered no ApproximateNumberOfMessages)`
      : `queue depth ${depth} is not ${bar} (the alarm's threshold, from the configuration)`;
  if (bears?.borne) return { findings: [`${depthText} now, but CloudWatch bears out the alarm: ${bears.text}`] };
  const metricText = metric === undefined ? "the alarm's metric was not read" : metric.status === 'unread' ? `the alarm's metric could not be read (${metric.reason})` : (bears?.text ?? '');
  return { plan: notCorroborated(alarm.alarmName, `${depthText}, and ${metricText}`) };
}

function planScaleUp(input: QueueBackupPlanInput): Plan<ConsumerScalingChange> {
  const { observation, policy } = input;
  const queue = observation.queueName;
  const mappings = observation.mappings.filter(isActive);
  if (mappings.length === 0) {
    return { kind: 'escalate', cause: 'not-applicable', reason: `queue ${queue} has no enabled event source mapping: no consumer to scale` };
  }
  const functionNames = [...new Set(mappings.map((m) => m.functionName))];
  for (const name of functionNames) {
    const rate = errorRatePercent(observation.functions[name]);
    if (rate !== undefined && rate > policy.consumerErrorRatePercent) {
      const fn = observation.functions[name];
      return {
        kind: 'escalate',
        cause: 'consumer-failing',
        reason:
          `consumer ${name} is failing (error rate ${rate.toFixed(1)}% > ${policy.consumerErrorRatePercent}% over ${policy.errorRateWindowMinutes} min): ` +
          `not scaling, more consumers of poison messages only burn money`,
        findings: [`${name}: ${fn?.errors ?? 0} errors / ${fn?.invocations ?? 0} invocations`],
      };
    }
  }
  if (observation.dbSaturation) {
    const db = observation.dbSaturation;
    return {
      kind: 'escalate',
      cause: 'cross-playbook',
      reason:
        `not scaling consumers of ${queue}: database ${db.database} is saturated (${describeConnections(db)}, at or above ${db.thresholdPercent}%, ` +
        `read by check-db-connections at ${db.observedAt}); more consumers would open more connections`,
      findings: [`scale-consumers holds back until ${db.saturatedUntil ?? '?'}, or until check-db-connections reads ${db.database} below ${db.thresholdPercent}%`],
    };
  }
  const unset = mappings.filter((m) => m.maximumConcurrency === undefined);
  if (unset.length > 0) {
    return {
      kind: 'escalate',
      cause: 'cap-reached',
      reason: `event source mapping ${unset.map((m) => m.uuid).join(', ')} has no MaximumConcurrency: its consumers already scale to the function's limit; raise reserved or account concurrency by hand`,
    };
  }

  const cap = Math.min(policy.maxConcurrency, AWS_MAX_MAXIMUM_CONCURRENCY);
  const targets = new Map<string, number>();
  for (const m of mappings) targets.set(m.uuid, Math.max(AWS_MIN_MAXIMUM_CONCURRENCY, Math.min((m.maximumConcurrency ?? 0) + policy.stepConcurrency, cap)));

  // Reserved concurrency binds when a function's mappings together may run more consumers than it reserves.
  const reservedChanges: ConsumerScalingChange['reservedConcurrency'] = [];
  let unreserved = observation.account?.unreservedConcurrentExecutions;
  const notes: string[] = [];
  for (const name of functionNames) {
    const reserved = observation.functions[name]?.reservedConcurrency;
    if (reserved === undefined) continue;
    const own = mappings.filter((m) => m.functionName === name);
    const needed = own.reduce((sum, m) => sum + (targets.get(m.uuid) ?? 0), 0);
    if (needed <= reserved) continue;
    const available = unreserved === undefined ? 0 : Math.max(0, unreserved - policy.minUnreservedConcurrency);
    const raise = Math.min(needed - reserved, available);
    if (raise < needed - reserved) {
      // Give the mappings only what the reserved concurrency (plus what the account can spare) allows, never less than now.
      let room = reserved + raise - own.reduce((sum, m) => sum + (m.maximumConcurrency ?? 0), 0);
      for (const m of own) {
        const current = m.maximumConcurrency ?? 0;
        const granted = Math.max(0, Math.min((targets.get(m.uuid) ?? current) - current, room));
        targets.set(m.uuid, current + granted);
        room -= granted;
      }
      notes.push(
        unreserved === undefined
          ? `account concurrency could not be read: reserved concurrency of ${name} (${reserved}) is not raised`
          : `raising reserved concurrency of ${name} beyond ${reserved + raise} would leave the account under ${policy.minUnreservedConcurrency} unreserved executions`,
      );
    }
    if (raise > 0) {
      reservedChanges.push({ functionName: name, from: reserved, to: reserved + raise });
      if (unreserved !== undefined) unreserved -= raise;
    }
  }

  const mappingChanges = mappings
    .map((m) => ({ uuid: m.uuid, functionName: m.functionName, from: m.maximumConcurrency ?? 0, to: targets.get(m.uuid) ?? 0 }))
    .filter((c) => c.to > c.from);
  if (mappingChanges.length === 0) {
    const atCap = mappings.every((m) => (m.maximumConcurrency ?? 0) >= cap);
    return {
      kind: 'escalate',
      cause: 'cap-reached',
      reason: atCap
        ? `consumers of ${queue} are at the ${policy.maxConcurrency === cap ? 'environment' : 'AWS'} cap (MaximumConcurrency ${cap}): cannot scale further automatically`
        : `consumers of ${queue} cannot scale: ${notes.join('; ')}`,
      ...(notes.length ? { findings: notes } : {}),
    };
  }

  // Every reason not to scale is above (each a page); the depth now, or CloudWatch, must bear out the alarm first.
  const corroboration = depthNotCorroborated(input);
  if ('plan' in corroboration) return corroboration.plan;

  const before = snapshot(observation, functionNames);
  const change: ConsumerScalingChange = { mappings: mappingChanges, reservedConcurrency: reservedChanges };
  const after = {
    queueDepth: observation.queueDepth ?? null,
    maximumConcurrency: Object.fromEntries(observation.mappings.map((m) => [m.uuid, targets.get(m.uuid) ?? m.maximumConcurrency ?? null])),
    reservedConcurrency: Object.fromEntries(
      functionNames.map((f) => [f, reservedChanges.find((r) => r.functionName === f)?.to ?? observation.functions[f]?.reservedConcurrency ?? null]),
    ),
  };
  const delta = mappingChanges.reduce((sum, c) => sum + c.to - c.from, 0);
  const blast = [
    `${mappingChanges.map((c) => `mapping ${c.uuid} (${queue} -> ${c.functionName}) ${c.from} -> ${c.to}`).join('; ')}: up to ${delta} more concurrent consumer invocations`,
    ...reservedChanges.map(
      (r) => `reserved concurrency of ${r.functionName} ${r.from ?? 'unreserved'} -> ${r.to}, taken from the account's unreserved pool (${observation.account?.unreservedConcurrentExecutions ?? '?'} -> ${unreserved ?? '?'})`,
    ),
  ].join('; ');
  return {
    kind: 'change',
    direction: 'scale-up',
    change,
    summary:
      `scale consumers of ${queue}: MaximumConcurrency ${mappingChanges.map((c) => `${c.from} -> ${c.to}`).join(', ')}` +
      (observation.queueDepth !== undefined ? ` (queue depth ${observation.queueDepth})` : '') +
      (notes.length ? `; ${notes.join('; ')}` : ''),
    before,
    after,
    blastRadius: blast,
    baseline: {
      mappings: Object.fromEntries(mappings.map((m) => [m.uuid, m.maximumConcurrency ?? 0])),
      reservedConcurrency: Object.fromEntries(functionNames.map((f) => [f, observation.functions[f]?.reservedConcurrency ?? null])),
    } satisfies ConsumerBaseline,
    ...(corroboration.findings.length ? { findings: corroboration.findings } : {}),
  };
}

function isBaseline(value: unknown): value is ConsumerBaseline {
  const v = value as ConsumerBaseline | undefined;
  return typeof v === 'object' && v !== null && typeof v.mappings === 'object' && v.mappings !== null && typeof v.reservedConcurrency === 'object' && v.reservedConcurrency !== null;
}

/**
 * Why values read back from the state table (a recorded baseline, a health check's revert) must not be applied: each
 * MaximumConcurrency a whole number within the environment's floor and cap and AWS's 2..1000, each reserved concurrency
 * unreserved (null) or a whole number at or above the floor, and only for the consumers observed on the queue. Empty: apply.
 */
export function restoredValueProblems(
  values: { mappings: Record<string, unknown>; reservedConcurrency: Record<string, unknown> },
  policy: QueueBackupPlanInput['policy'],
  consumers: ReadonlySet<string>,
): string[] {
  const floor = Math.max(AWS_MIN_MAXIMUM_CONCURRENCY, policy.minMaximumConcurrency ?? AWS_MIN_MAXIMUM_CONCURRENCY);
  const cap = Math.min(policy.maxConcurrency, AWS_MAX_MAXIMUM_CONCURRENCY);
  // Reserved concurrency 0 stops the function: without a configured floor, at least 1.
  const reservedFloor = policy.minReservedConcurrency ?? 1;
  const problems: string[] = [];
  for (const [uuid, value] of Object.entries(values.mappings)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < floor || value > cap) {
      problems.push(`MaximumConcurrency ${JSON.stringify(value)} for mapping ${uuid} is outside ${floor}..${cap} (the environment's floor and cap)`);
    }
  }
  for (const [name, value] of Object.entries(values.reservedConcurrency)) {
    if (!consumers.has(name)) problems.push(`function ${name} is not a consumer of this queue`);
    else if (value !== null && (typeof value !== 'number' || !Number.isInteger(value) || value < reservedFloor)) {
      problems.push(`reserved concurrency ${JSON.stringify(value)} for ${name} is below the environment's floor of ${reservedFloor}`);
    }
  }
  return problems;
}

function planRestore({ observation, resourceState, policy }: QueueBackupPlanInput): Plan<ConsumerScalingChange> {
  const queue = observation.queueName;
  const baseline = resourceState?.baseline;
  if (baseline === undefined) {
    return { kind: 'none', reason: `nothing to restore: the automation has not scaled the consumers of ${queue}` };
  }
  // The baseline comes back from the state table: checked like any input before anything is put back.
  const consumers = new Set([...observation.mappings.map((m) => m.functionName), ...Object.keys(observation.functions)]);
  const problems = isBaseline(baseline) ? restoredValueProblems(baseline, policy, consumers) : ['it is not a consumer baseline (mappings and reservedConcurrency)'];
  if (!isBaseline(baseline) || problems.length > 0) {
    return {
      kind: 'escalate',
      cause: 'guardrail',
      reason: `restore of the consumers of ${queue} refused: the recorded baseline fails the environment's limits (${problems.join('; ')}); nothing restored, a person decides`,
      findings: [`recorded baseline: ${JSON.stringify(baseline).slice(0, 500)}`, ...problems],
    };
  }
  const mappingChanges = observation.mappings
    .filter((m) => baseline.mappings[m.uuid] !== undefined && m.maximumConcurrency !== baseline.mappings[m.uuid])
    .map((m) => ({ uuid: m.uuid, functionName: m.functionName, from: m.maximumConcurrency ?? 0, to: baseline.mappings[m.uuid] ?? 0 }));
  const reservedChanges = Object.entries(baseline.reservedConcurrency)
    .filter(([name, value]) => (observation.functions[name]?.reservedConcurrency ?? null) !== value)
    .map(([name, value]) => ({ functionName: name, from: observation.functions[name]?.reservedConcurrency ?? null, to: value }));
  if (mappingChanges.length === 0 && reservedChanges.length === 0) {
    return { kind: 'none', reason: `consumers of ${queue} are already at their baseline` };
  }
  const functionNames = Object.keys(baseline.reservedConcurrency);
  return {
    kind: 'change',
    direction: 'restore',
    change: { mappings: mappingChanges, reservedConcurrency: reservedChanges },
    summary: `restore consumers of ${queue} to baseline: MaximumConcurrency ${mappingChanges.map((c) => `${c.from} -> ${c.to}`).join(', ') || 'unchanged'}`,
    before: snapshot(observation, functionNames),
    after: {
      queueDepth: observation.queueDepth ?? null,
      maximumConcurrency: { ...Object.fromEntries(observation.mappings.map((m) => [m.uuid, m.maximumConcurrency ?? null])), ...baseline.mappings },
      reservedConcurrency: baseline.reservedConcurrency,
    },
    blastRadius: `${mappingChanges.map((c) => `mapping ${c.uuid} ${c.from} -> ${c.to}`).join('; ')}${reservedChanges.length ? `; reserved concurrency ${reservedChanges.map((r) => `${r.functionName} ${r.from} -> ${r.to ?? 'unreserved'}`).join(', ')}` : ''}: back to the recorded baseline`,
    clearsBaseline: true,
  };
}
