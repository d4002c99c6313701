// Pure judgement of the DR region's standby (row dr-standby, handler watch-standby): what was observed, always escalated.
import { judgeRegionServing, type RegionServingReading } from '../guard/region-serving';
import type { Plan } from '../pipeline/types';

/** Which of the standby's alarms fired. */
export type StandbyTrigger = 'replica-lag' | 'queue-depth' | 'queue-age';

/** Maximum and latest of one metric over the window; undefined figures when it had no datapoints. */
export interface MetricFigures {
  latest?: number;
  max?: number;
  datapoints: number;
}

export interface StandbyObservation {
  environment: string;
  region: string;
  windowMinutes: number;
  replica:
    | {
        status: 'found';
        identifier: string;
        instanceStatus: string;
        /** ReadReplicaSourceDBInstanceIdentifier: undefined once the replica was promoted (it is then no replica). */
        source?: string;
        /** StatusInfos' "read replication" entry, when RDS reports one. */
        replication?: ReplicationStatus;
        lagSeconds: MetricFigures;
      }
    | { status: 'missing'; identifier: string; reason: string };
  queues: Array<{
    name: string;
    /** GetQueueAttributes ApproximateNumberOfMessages now; undefined when the queue does not exist. */
    visibleNow?: number;
    missing?: string;
    depth: MetricFigures;
    oldestAgeSeconds: MetricFigures;
    /** The DR consumers' event source mappings on it (Disabled until a failover enables them). */
    mappings: Array<{ uuid: string; functionName: string; state: string }>;
  }>;
}

/**
 * A read replica's replication status (RDS DBInstanceStatusInfo): Status replicating, replication degraded, replication
 * stop point set / reached, error, stopped or terminated; Normal false in an error state; Message the error's details.
 */
export interface ReplicationStatus {
  status: string;
  normal?: boolean;
  message?: string;
}

export interface StandbyThresholds {
  /** The row's detection threshold (ReplicaLag above it pages). */
  replicaLagSeconds: number;
  queueMessages: number;
  oldestMessageAgeSeconds: number;
}

export interface StandbyPlanInput {
  observation: StandbyObservation;
  thresholds: StandbyThresholds;
  trigger: StandbyTrigger;
  /** The human step named in the decision (the row's runbook: NotificationService-FailoverToDR). */
  runbookName?: string;
  /** The configured consumer functions (resources.functions): whose mappings say the region serves (decision 123). */
  consumers: readonly string[];
}

/** Nothing to plan: the standby watch never changes anything. */
export type NoStandbyChange = never;

const seconds = (value: number): string => `${Math.round(value)} s`;
const figures = (f: MetricFigures, unit: (v: number) => string): string =>
  f.datapoints === 0 ? 'no datapoints' : `latest ${unit(f.latest ?? 0)}, highest ${unit(f.max ?? 0)} (${f.datapoints} datapoint(s))`;

/** The observation as the serving signal reads it (shared/guard/region-serving.ts): the same rule as the guard's. */
export function servingReadingOf(o: StandbyObservation, consumers: readonly string[]): RegionServingReading {
  return {
    replicaIdentifier: o.replica.identifier,
    queues: o.queues.map((q) => q.name),
    replica: o.replica.status === 'found' ? { read: 'found', status: o.replica.instanceStatus, ...(o.replica.source ? { replicationSource: o.replica.source } : {}) } : { read: 'missing' },
    mappings: {
      read: 'ok',
      list: o.queues.flatMap((q) => q.mappings.filter((m) => consumers.includes(m.functionName)).map((m) => ({ uuid: m.uuid, functionName: m.functionName, queueName: q.name, state: m.state }))),
    },
  };
}

/**
 * Once the region serves since a failover (promoted replica, configured consumers' mappings Enabled: decision 123's
 * signal), the standby watch no longer applies: the lag alarm stays in ALARM (a promoted instance publishes no
 * ReplicaLag; missing data breaching), and the queue alarms watch a queue that is now the service's. One notice
 * (cause region-serving, which does not climb: decision 189), never the failover again.
 */
function regionServes(o: StandbyObservation, trigger: StandbyTrigger, serving: string, findings: string[]): Plan<NoStandbyChange> {
  const why =
    trigger === 'replica-lag'
      ? 'the lag alarm fired because a promoted database publishes no ReplicaLag, which that alarm counts as breaching: it stays in ALARM until the stack is redeployed'
      : `the ${trigger} alarm watches the queue this region now consumes: Queue Backup's own alarm and playbook are the ones that apply to it once the stack is redeployed`;
  findings.push('nothing was changed: the standby watch never changes anything');
  return {
    kind: 'escalate',
    cause: 'region-serving',
    reason: `${o.region} serves ${o.environment} since a failover: the standby watch no longer applies; switch regionRoles (${o.region} primary) and redeploy. ${serving.replace(/^serving since a failover: /, 'Read: ')}; ${why}`,
    findings,
  };
}

/**
 * Always escalates (cause diagnosis): the standby serves no traffic, so nothing about it is a reason to scale or resize
 * it, and whether to fail over is a person's decision. The reason leads with what fired and names the human step.
 */
export function planStandbyWatch({ observation, thresholds, trigger, runbookName, consumers }: StandbyPlanInput): Plan<NoStandbyChange> {
  const o = observation;
  const serving = judgeRegionServing(servingReadingOf(o, consumers));
  const window = `${o.windowMinutes} min`;
  const findings: string[] = [];
  const problems: Array<{ about: StandbyTrigger | 'replica'; text: string }> = [];

  const r = o.replica;
  if (r.status === 'missing') {
    findings.push(`replica ${r.identifier}: ${r.reason}`);
    problems.push({ about: 'replica', text: `the cross-region replica ${r.identifier} is missing (${r.reason})` });
  } else {
    const lag = r.lagSeconds;
    findings.push(
      `replica ${r.identifier} (${r.instanceStatus}${r.source ? `, replica of ${r.source}` : ', no replication source'}): ReplicaLag over the last ${window} ${figures(lag, seconds)}; pages above ${thresholds.replicaLagSeconds} s`,
    );
    const replication = r.replication;
    if (replication) {
      findings.push(`replica ${r.identifier}: read replication ${replication.status}${replication.normal === false ? ' (not normal)' : ''}${replication.message ? `: ${replication.message}` : ''}`);
    }
    if (!r.source) {
      problems.push({ about: 'replica', text: `${r.identifier} is no longer a read replica (promoted: a failover was run, or started by hand), yet ${o.region} is still configured as the DR region` });
    } else if (r.instanceStatus !== 'available') {
      problems.push({ about: 'replica', text: `the replica ${r.identifier} is ${r.instanceStatus}, not available` });
    }
    if (r.source && replication && (replication.normal === false || replication.status !== 'replicating')) {
      // Whatever ReplicaLag last said, RDS says the replica is not replicating now: its lag figures are no comfort.
      problems.push({
        about: 'replica-lag',
        text: `the replica ${r.identifier}'s read replication is ${replication.status}${replication.message ? ` (${replication.message})` : ''}: it is not replicating normally`,
      });
    } else if (lag.datapoints === 0) {
      problems.push({ about: 'replica-lag', text: `${r.identifier} reported no ReplicaLag in the last ${window}: it is not known to be replicating` });
    } else if ((lag.latest ?? 0) < 0) {
      problems.push({ about: 'replica-lag', text: `${r.identifier} reports ReplicaLag ${lag.latest ?? 0}: replication is not active` });
    } else if ((lag.latest ?? 0) > thresholds.replicaLagSeconds) {
      problems.push({
        about: 'replica-lag',
        text: `the replica ${r.identifier} is ${seconds(lag.latest ?? 0)} behind its source (pages above ${thresholds.replicaLagSeconds} s): a failover now would lose about that much of the latest writes`,
      });
    } else if ((lag.max ?? 0) > thresholds.replicaLagSeconds) {
      findings.push(`ReplicaLag is back at ${seconds(lag.latest ?? 0)}, under ${thresholds.replicaLagSeconds} s, after a peak of ${seconds(lag.max ?? 0)}: the lag may be catching up`);
    }
  }

  for (const q of o.queues) {
    if (q.missing !== undefined) {
      findings.push(`replicated queue ${q.name}: ${q.missing}`);
      problems.push({ about: 'queue-depth', text: `the replicated queue ${q.name} is missing (${q.missing})` });
      continue;
    }
    findings.push(
      `replicated queue ${q.name}: ${q.visibleNow ?? 'unknown'} message(s) visible now; depth over the last ${window} ${figures(q.depth, String)} (pages above ${thresholds.queueMessages}); ` +
        `age of the oldest message ${figures(q.oldestAgeSeconds, seconds)} (pages above ${thresholds.oldestMessageAgeSeconds} s)`,
    );
    const depthNow = q.visibleNow ?? q.depth.latest;
    if (depthNow !== undefined && depthNow > thresholds.queueMessages) {
      problems.push({ about: 'queue-depth', text: `the replicated queue ${q.name} holds ${depthNow} messages (pages above ${thresholds.queueMessages}): a failover would start with that backlog` });
    }
    const age = q.oldestAgeSeconds.latest;
    if (age !== undefined && age > thresholds.oldestMessageAgeSeconds) {
      problems.push({ about: 'queue-age', text: `the oldest message of the replicated queue ${q.name} is ${seconds(age)} old (pages above ${thresholds.oldestMessageAgeSeconds} s)` });
    }
    if (q.mappings.length === 0) findings.push(`no event source mapping on ${q.name}: no DR consumer would take its messages after a failover`);
    for (const m of q.mappings) {
      const enabled = m.state !== 'Disabled' && m.state !== 'Disabling';
      findings.push(`DR consumer ${m.functionName} (mapping ${m.uuid}): ${m.state}${enabled ? '' : ' - as expected on the standby, until a failover enables it'}`);
      if (enabled) problems.push({ about: 'replica', text: `the DR consumer ${m.functionName}'s mapping on ${q.name} is ${m.state}: it takes messages, as only after a failover` });
    }
  }

  if (serving.serving) return regionServes(o, trigger, serving.reason, findings);
  // What fired leads; the rest follows in the order found.
  const ordered = [...problems.filter((p) => p.about === trigger), ...problems.filter((p) => p.about !== trigger)];
  const headline =
    ordered.length > 0
      ? ordered.map((p) => p.text).join('; ')
      : `the ${trigger} alarm fired, but the standby reads within its thresholds now (the figures below): it may be recovering`;
  const human = runbookName
    ? `a person decides: if the primary region is lost, ${runbookName} (behind approval) promotes the replica and moves traffic here`
    : 'a person decides whether to fail over';
  findings.push(`nothing was changed: in the DR region the automation watches the standby and never scales or resizes it`);
  return {
    kind: 'escalate',
    cause: 'diagnosis',
    reason: `DR standby of ${o.environment} in ${o.region}: ${headline}. Nothing was changed; ${human}`,
    findings,
  };
}
