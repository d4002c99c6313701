// Reads check-db-connections' reading of the environment's databases, for playbooks that would open more connections.
import type { PlaybookContext } from '../pipeline/types';
import { activeSaturation, rdsInstanceArn, type DbConnectionsReading } from './db-connections-reading';
import { regionDatabases } from './region-databases';

/**
 * The first database of the environment whose connections check-db-connections last read as saturated, while that
 * reading holds (its saturatedUntil is ahead of the clock). Undefined when none is, or nothing was recorded.
 */
export async function saturatedDatabase(ctx: Pick<PlaybookContext<unknown>, 'recall' | 'clock' | 'runtime'>, account: string): Promise<DbConnectionsReading | undefined> {
  if (!ctx.recall) return undefined;
  const nowMs = ctx.clock.now().getTime();
  for (const database of regionDatabases(ctx.runtime)) {
    const reading = activeSaturation(await ctx.recall(rdsInstanceArn(ctx.runtime.region, account, database)), nowMs);
    if (reading) return reading;
  }
  return undefined;
}
