// Whether the DR region serves now (FailoverToDR has run there), judged from what that region itself says. Pure.
import type { RuntimeConfig } from '../config/load-config';

/**
 * What a DR region's handler read there, at run time, to know whether the region serves (shared/guard/region-serving-reader.ts):
 * the cross-region replica (RDS DescribeDBInstances) and the event source mappings of the configured consumers on the
 * configured queues of this region (Lambda ListEventSourceMappings). A read that failed is kept as failed, never guessed.
 */
export interface RegionServingReading {
  /** disasterRecovery.replicaIdentifier; undefined: the environment configures no DR. */
  replicaIdentifier: string | undefined;
  /** resources.queues: each must be consumed here (a mapping of a configured consumer, Enabled). */
  queues: ReadonlyArray<string>;
  replica:
    | { read: 'found'; status?: string; replicationSource?: string; cluster?: string }
    | { read: 'missing' }
    | { read: 'failed'; error: string }
    | { read: 'not-read' };
  mappings: { read: 'ok'; list: ReadonlyArray<{ uuid: string; functionName: string; queueName: string; state: string }> } | { read: 'failed'; error: string } | { read: 'not-read' };
}

/**
 * The DBInstanceStatus values of a promoted replica that serves (AWS, "Viewing Amazon RDS DB instance status"): `available`
 * (what FailoverToDR's waitPromoted waits for), and the states a live database passes through while it keeps taking
 * connections: `backing-up` (the daily automated backup: refusing it would pause the DR region every day),
 * `modifying` (a change a person or this automation's own scale-up-database asked for: refusing it would block
 * scale-consumers exactly while the database is being scaled for load), `storage-optimization` (AWS: "fully
 * operational"), and the three `configuring-*` (monitoring, IAM auth, log exports toggled on a running instance).
 * Everything else is not serving, deliberately: `rebooting` (how a promotion ends, before waitPromoted sees
 * `available`; a reboot takes no connections), `maintenance` and `upgrading` (downtime), `stopping`/`stopped`/`starting`,
 * `deleting`/`delete-precheck` (the promoted instance retired after a failback), `creating` (e.g. a restore under the
 * replica's name), `failed`, `storage-full`, `incompatible-*`, `inaccessible-encryption-credentials*`,
 * `insufficient-capacity`, `restore-error`, and any status AWS adds later: an allow-list fails closed (decision 123).
 */
export const SERVING_DB_STATUSES: ReadonlySet<string> = new Set([
  'available',
  'backing-up',
  'modifying',
  'storage-optimization',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
]);

export interface RegionServing {
  serving: boolean;
  /** Why, with what was read: goes into the decision (blocked or applied). */
  reason: string;
  /**
   * Set when "not serving" comes from a read that failed or was not made (or no reader): the region's state is not known,
   * so nothing is deferred on it (shared/guard/standby-deferral.ts); the guard still blocks.
   */
  unread?: true;
}

/**
 * Fails closed: the DR region serves only when both of what FailoverToDR leaves there are read and agree:
 * - the replica is promoted: it exists here, has no replication source, is no Aurora cluster member (whose replication
 *   is per cluster, not read here) and its status is one of SERVING_DB_STATUSES (FailoverToDR promoteReplica / waitPromoted);
 * - the DR consumers consume: every configured queue here has at least one mapping of a configured consumer, and every
 *   one of those mappings is `Enabled` (enableConsumers; `Enabling`, `Updating`, `Disabling`, ... say nothing certain, so they
 *   count as not serving). A configured function with no mapping on the queues is no consumer and is not asked about.
 * Anything else (a read failed, the replica missing or still replicating, no mapping, a mapping not Enabled, the two
 * disagreeing) is "not serving" with the reason. Route 53 is not asked: its control plane is served from us-east-1,
 * the region a failover leaves (decision 123).
 */
export function judgeRegionServing(reading: RegionServingReading): RegionServing {
  const replicaId = reading.replicaIdentifier;
  if (replicaId === undefined) {
    return { serving: false, reason: 'no disasterRecovery.replicaIdentifier is configured, so nothing says this region serves' };
  }
  const problems: string[] = [];
  let promoted = false;
  const { replica } = reading;
  if (replica.read === 'failed') problems.push(`the replica ${replicaId} could not be read (${replica.error})`);
  else if (replica.read === 'not-read') problems.push(`the replica ${replicaId} was not read`);
  else if (replica.read === 'missing') problems.push(`the replica ${replicaId} does not exist here`);
  else if (replica.replicationSource !== undefined && replica.replicationSource !== '') {
    problems.push(`the replica ${replicaId} still replicates ${replica.replicationSource} (not promoted)`);
  } else if (replica.cluster !== undefined && replica.cluster !== '') {
    problems.push(`the replica ${replicaId} is a member of the Aurora cluster ${replica.cluster}, whose replication is per cluster and not read here`);
  } else if (replica.status === undefined || !SERVING_DB_STATUSES.has(replica.status)) {
    problems.push(`the replica ${replicaId} has no replication source but is ${replica.status ?? 'of no status'}, not one of the statuses a serving database has (${[...SERVING_DB_STATUSES].join(', ')})`);
  } else promoted = true;

  const { mappings } = reading;
  let enabled: string[] = [];
  if (mappings.read === 'failed') problems.push(`the DR consumers' event source mappings could not be read (${mappings.error})`);
  else if (mappings.read === 'not-read') problems.push("the DR consumers' event source mappings were not read");
  else if (mappings.list.length === 0) problems.push("no event source mapping of the configured consumers reads the configured queues here");
  else {
    const unconsumed = reading.queues.filter((q) => !mappings.list.some((m) => m.queueName === q));
    if (unconsumed.length > 0) problems.push(`no event source mapping of the configured consumers reads the queue ${unconsumed.join(', ')} here`);
    const notEnabled = mappings.list.filter((m) => m.state !== 'Enabled');
    if (notEnabled.length > 0) {
      problems.push(`the DR consumers' mapping ${notEnabled.map((m) => `${m.uuid} (${m.functionName} on ${m.queueName}) is ${m.state}`).join(', ')}`);
    } else if (unconsumed.length === 0) enabled = mappings.list.map((m) => `${m.uuid} (${m.functionName} on ${m.queueName})`);
  }
  const unread = replica.read === 'failed' || replica.read === 'not-read' || mappings.read === 'failed' || mappings.read === 'not-read';
  if (problems.length > 0) {
    const half = promoted ? `; the replica ${replicaId} is promoted, but that alone is not a failover` : enabled.length > 0 ? '; the mapping is Enabled, but that alone is not a failover' : '';
    return { serving: false, reason: `not serving: ${problems.join('; ')}${half}`, ...(unread ? { unread: true as const } : {}) };
  }
  return {
    serving: true,
    reason: `serving since a failover: the replica ${replicaId} is promoted (no replication source) and the DR consumers' mapping ${enabled.join(', ')} is Enabled`,
  };
}

/** The configured pieces the reading needs, from the runtime (pure). */
export function regionServingScope(runtime: Pick<RuntimeConfig, 'env'>): { replicaIdentifier: string | undefined; queues: string[]; consumers: string[] } {
  return {
    replicaIdentifier: runtime.env.disasterRecovery?.replicaIdentifier,
    queues: [...runtime.env.resources.queues],
    consumers: [...runtime.env.resources.functions],
  };
}
