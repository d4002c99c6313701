// What a region's failover / failback runbooks act on, from the configuration: pure data shared by infra and the tests.
import type { AutomationConfig, EnvironmentName } from './schema';

export interface DisasterRecoveryScope {
  /** The replica the region's document promotes: in the dr region the cross-region replica, in the primary the failback one. */
  promotableReplicas: string[];
  endpointParameterName: string;
  failoverRecordName?: string;
  hostedZoneId?: string;
  /** This region's role in the DR pair. */
  role: 'primary' | 'dr';
  /**
   * The other region of the pair and what the documents may act on there (its watched consumer functions' mappings,
   * its watched queues): FailbackToPrimary stops the DR consumers from the primary region (review 13, R13-2).
   */
  peer?: { region: string; functions: string[]; queues: string[] };
}

/**
 * The DR scope of `region` in `environment`, or undefined where the environment has no DR configuration or no dr region
 * (its documents are then granted none of these actions). A region without a role counts as primary.
 */
export function disasterRecoveryScope(config: AutomationConfig, environment: EnvironmentName, region: string): DisasterRecoveryScope | undefined {
  const env = config.environments[environment];
  const dr = env.disasterRecovery;
  if (!dr || !Object.values(env.regionRoles ?? {}).includes('dr')) return undefined;
  const role = env.regionRoles?.[region] ?? 'primary';
  const peerRole = role === 'dr' ? 'primary' : 'dr';
  const peerRegion = env.regions.find((r) => r !== region && (env.regionRoles?.[r] ?? 'primary') === peerRole);
  // The consumers and queues are the environment's watched ones: the same names in both regions of the pair.
  const peer = peerRegion ? { region: peerRegion, functions: [...env.resources.functions], queues: [...env.resources.queues] } : undefined;
  return {
    role,
    ...(peer ? { peer } : {}),
    promotableReplicas: [role === 'dr' ? dr.replicaIdentifier : dr.failbackReplicaIdentifier],
    endpointParameterName: dr.endpointParameterName,
    ...(dr.failoverRecordName ? { failoverRecordName: dr.failoverRecordName } : {}),
    ...(dr.hostedZoneId ? { hostedZoneId: dr.hostedZoneId } : {}),
  };
}
