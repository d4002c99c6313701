// The databases that exist in the region a handler runs in: what the diagnose-only playbooks read there. Pure.
import { databasesInRole } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';

/**
 * The environment's databases as they are named in this region. In a primary region: the configured ones
 * (`resources.databases`). In the DR region those identifiers name the primary's instances, which live in the primary
 * region; what is there is the cross-region replica FailoverToDR promotes (`disasterRecovery.replicaIdentifier`, the same
 * identifier once promoted). A DR region without `disasterRecovery` names no database.
 */
export function regionDatabases(runtime: Pick<RuntimeConfig, 'regionRole' | 'env'>): string[] {
  // One rule with the alarms and the grants (shared/config/alarm-specs.ts databasesInRole).
  return databasesInRole(runtime.env, runtime.regionRole);
}

/** "the production databases" / "the production databases in us-west-2 (the DR region: ...)", for refusals. */
export function regionDatabasesLabel(runtime: Pick<RuntimeConfig, 'regionRole' | 'environment' | 'region'>): string {
  return runtime.regionRole === 'dr'
    ? `the ${runtime.environment} databases in ${runtime.region} (the DR region: its cross-region replica, environments.${runtime.environment}.disasterRecovery.replicaIdentifier)`
    : `the ${runtime.environment} databases`;
}
