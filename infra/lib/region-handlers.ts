// Which handlers a region deploys, by its role: CDK-free, so `runbook preflight` (cli/preflight) expects exactly what the
// region's runbook stack deploys (infra/lib/runbook-stack.ts re-exports it for the stacks and their tests).
import { changingRowsUnguardedInDr, rowsWatchedIn } from '../../shared/config/alarm-specs';
import { VERIFY_HANDLER } from '../../shared/config/names';
import type { AutomationConfig, RegionRole } from '../../shared/config/schema';
import { CHANGING_PLAYBOOKS } from '../../shared/playbooks/changing-rows';

/** What the choice needs of a handler (infra's HandlerSpec, preflight's HandlerDeclaration). */
export interface RegionalHandler {
  name: string;
  kind: 'playbook' | 'service';
  /** The troubleshooting row a playbook handles. */
  row?: string;
  schedulesHealthCheck?: boolean;
}

/**
 * The handlers a region of this role deploys: the playbooks of the rows watched there (`watchIn`), verify-change only
 * where a deployed playbook schedules health checks, and the other service handlers (escalation) everywhere. A row
 * that changes something watched in a dr region must wait for that region to serve (its playbook declares
 * `regionServing`, decision 123); one that does not is refused: the standby is never scaled or resized before a failover.
 */
export function handlersForRegion<H extends RegionalHandler>(config: AutomationConfig, role: RegionRole, handlers: readonly H[]): H[] {
  const refused =
    role === 'dr'
      ? changingRowsUnguardedInDr(
          config,
          new Set(CHANGING_PLAYBOOKS.map((p) => p.row)),
          new Set(CHANGING_PLAYBOOKS.filter((p) => p.regionServing !== undefined).map((p) => p.row)),
        )
      : undefined;
  if (refused) throw new Error(refused);
  const watched = rowsWatchedIn(config, role);
  const rows = new Set(watched.map((row) => row.id));
  const playbooks = handlers.filter((h) => h.kind === 'playbook' && h.row !== undefined && rows.has(h.row));
  const healthChecked = playbooks.some((h) => h.schedulesHealthCheck === true);
  return handlers.filter((h) => (h.kind === 'playbook' ? playbooks.includes(h) : h.name !== VERIFY_HANDLER || healthChecked));
}
