// When a state-table record expires: one definition for both stores (incident-store.ts, escalation-store.ts). DynamoDB
// TTL reads the item's `expiresAt` as a Number of seconds since the epoch (DynamoDB Developer Guide, "Time to Live").
const SECONDS_A_DAY = 86_400;

/** Whole seconds since the epoch (a fraction of a second dropped), as the records' times are kept. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The TTL of a record written at `now` and kept `retentionDays` (recordRetentionDays), in epoch seconds. */
export function expiresAtSeconds(now: Date, retentionDays: number): number {
  return epochSeconds(now) + retentionDays * SECONDS_A_DAY;
}
