// What a region's failover / failback runbooks act on, from the configuration: pure data shared by infra and the tests.
import type { AutomationConfig, EnvironmentName } from './schema';

export interface DisasterRecoveryScope {
  /** The replica the region's document promotes: in the dr region the cross-region replica, in the primary the failback one. */
  promotableReplicas: string[];
  endpointParameterName: string;
  failoverRecordName?: string;
  hostedZoneId?: string;
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
  return {
    promotableReplicas: [role === 'dr' ? dr.replicaIdentifier : dr.failbackReplicaIdentifier],
    endpointParameterName: dr.endpointParameterName,
    ...(dr.failoverRecordName ? { failoverRecordName: dr.failoverRecordName } : {}),
    ...(dr.hostedZoneId ? { hostedZoneId: dr.hostedZoneId } : {}),
  };
}
