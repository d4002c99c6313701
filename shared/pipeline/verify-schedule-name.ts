// The health check's schedule name, apart from verify-change-plan.ts so that the alarm handlers, which only schedule the
// check, do not construct verify-change's schemas at every cold start.
import { createHash } from 'node:crypto';

/** One schedule per change (playbook + incident): scheduling it again after a retry is a ConflictException, a no-op. */
export function verifyScheduleName(playbook: string, incidentKey: string): string {
  // Scheduler names: 1-64 characters of [0-9a-zA-Z-_.].
  return `verify-${createHash('sha256').update(`${playbook}\u0000${incidentKey}`).digest('hex').slice(0, 32)}`;
}
