// Pure: the ARN a decision record is keyed by, for a name `runbook history` is given (a queue, function or database).
import { functionNameFromArn } from '../shared/aws/arn';
import type { EnvironmentConfig } from '../shared/config/schema';

export interface ResourceCandidate {
  /** What the configuration calls it: queue, function, database (the DR replicas are databases too). */
  kind: 'queue' | 'function' | 'database';
  name: string;
  /** The ARN the playbooks record under (decision.resource.arn): shared/playbooks/*.ts resolveTarget. */
  arn: string;
}

export type ResolvedResource =
  | { kind: 'arn'; arn: string }
  | { kind: 'resolved'; candidate: ResourceCandidate }
  | { kind: 'ambiguous'; candidates: ResourceCandidate[] }
  | { kind: 'unknown'; known: ResourceCandidate[] };

export interface Where {
  partition: string;
  region: string;
  account: string;
}

/**
 * Every resource of the environment a decision can be recorded under, with its ARN in `where`: the queues
 * (scale-consumers, the DR standby watch), the functions (memory, the 504 diagnosis), the databases (scale-up, the
 * connection check) and the DR replicas (the standby watch's lag).
 */
export function recordedResources(env: Pick<EnvironmentConfig, 'resources' | 'disasterRecovery'>, where: Where): ResourceCandidate[] {
  const { partition, region, account } = where;
  const database = (name: string): ResourceCandidate => ({ kind: 'database', name, arn: `arn:${partition}:rds:${region}:${account}:db:${name}` });
  const dr = env.disasterRecovery;
  const all: ResourceCandidate[] = [
    ...env.resources.queues.map((name): ResourceCandidate => ({ kind: 'queue', name, arn: `arn:${partition}:sqs:${region}:${account}:${name}` })),
    ...env.resources.functions.map((entry): ResourceCandidate => {
      const name = functionNameFromArn(entry);
      return { kind: 'function', name, arn: `arn:${partition}:lambda:${region}:${account}:function:${name}` };
    }),
    ...env.resources.databases.map(database),
    ...(dr ? [database(dr.replicaIdentifier), database(dr.failbackReplicaIdentifier)] : []),
  ];
  // One entry per ARN (a replica named like a configured database is the same record key).
  return all.filter((c, i) => all.findIndex((o) => o.arn === c.arn) === i);
}

/** An ARN as is; a bare name by the environment's resources: exactly one match, else ambiguous or unknown. */
export function resolveResource(resource: string, known: readonly ResourceCandidate[]): ResolvedResource {
  if (resource.startsWith('arn:')) return { kind: 'arn', arn: resource };
  const matches = known.filter((c) => c.name === resource);
  if (matches.length === 1 && matches[0]) return { kind: 'resolved', candidate: matches[0] };
  if (matches.length > 1) return { kind: 'ambiguous', candidates: matches };
  return { kind: 'unknown', known: [...known] };
}
