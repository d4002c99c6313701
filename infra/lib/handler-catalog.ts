// The Lambda handlers the app deploys: every handlers/<name>.ts, the IAM actions its code declares, and its bundle in dist/.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { playbooks } from '../../shared/playbooks/registry';
import { PIPELINE_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import { SERVICE_HANDLER_ACTIONS, type ServiceHandlerDeclaration } from './service-handlers';
import type { ConditionKind } from './iam/action-scopes';

export interface HandlerSpec {
  name: string;
  /** playbook: an alarm handler on the shared pipeline (which adds its own actions); service: declares its whole list. */
  kind: 'playbook' | 'service';
  /** The troubleshooting row a playbook handles. */
  row?: string;
  /** The IAM actions its code declares (shared/playbooks/<row>.ts `actions`, or the service handler's declaration). */
  actions: readonly string[];
  /**
   * A playbook that declares a health signal (`health`): the pipeline schedules verify-change after its changes, so it
   * alone among the playbooks may create schedules (in the health checks' group) and pass their scheduler role.
   */
  schedulesHealthCheck?: boolean;
  /**
   * A playbook of a row that changes something and waits, in a DR region, for that region to serve (declares
   * `regionServing`, decision 123), or a service handler that reads that signal (escalation-timer, review 12 R12-7): in a
   * DR region its role is granted the reads of that signal (REGION_SERVING_ACTIONS).
   */
  readsRegionServing?: boolean;
  /** A service handler's actions granted under a narrower condition (ServiceHandlerDeclaration.narrowed). */
  narrowed?: Readonly<Record<string, ConditionKind>>;
  declaredIn: string;
  /** A service handler that, in cross-account mode, acts on a workload's resources through a remediation role. */
  crossAccount?: ServiceHandlerDeclaration['crossAccount'];
  /** dist/handlers/<name>/function.zip, built by `npm run build`. */
  bundleZip: string;
}

export class HandlerCatalogError extends Error {
  override readonly name = 'HandlerCatalogError';
}

export interface HandlerCatalogOptions {
  rootDir: string;
  /** Declarations of the handlers that are not playbooks (defaults to SERVICE_HANDLER_ACTIONS). */
  serviceHandlers?: Readonly<Record<string, ServiceHandlerDeclaration>>;
}

interface PlaybookDeclaration {
  name: string;
  row: string;
  actions: readonly string[];
  health?: unknown;
  regionServing?: unknown;
}

/** Every handler in handlers/, each with its declaration and bundle; fails naming what is missing. */
export function handlerCatalog(options: HandlerCatalogOptions): HandlerSpec[] {
  const serviceHandlers = options.serviceHandlers ?? SERVICE_HANDLER_ACTIONS;
  const names = readdirSync(join(options.rootDir, 'handlers'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
  const registered = Object.values(playbooks as Record<string, PlaybookDeclaration>);
  for (const playbook of registered) {
    if (!names.includes(playbook.name)) {
      throw new HandlerCatalogError(`playbook ${playbook.name} is in shared/playbooks/registry.ts but handlers/${playbook.name}.ts does not exist`);
    }
  }
  return names.map((name): HandlerSpec => {
    const bundleZip = join(options.rootDir, 'dist', 'handlers', name, 'function.zip');
    if (!existsSync(bundleZip)) {
      throw new HandlerCatalogError(`${bundleZip} is missing: run \`npm run build\` before synthesizing (the app deploys the built bundles)`);
    }
    const playbook = registered.find((p) => p.name === name);
    if (playbook) {
      return {
        name,
        kind: 'playbook',
        row: playbook.row,
        actions: playbook.actions,
        schedulesHealthCheck: playbook.health !== undefined,
        ...(playbook.regionServing !== undefined ? { readsRegionServing: true } : {}),
        declaredIn: `shared/playbooks/${playbook.row}.ts actions`,
        bundleZip,
      };
    }
    const service = serviceHandlers[name];
    if (service) {
      return {
        name,
        kind: 'service',
        actions: service.actions,
        declaredIn: service.declaredIn,
        ...(service.crossAccount ? { crossAccount: service.crossAccount } : {}),
        ...(service.readsRegionServing ? { readsRegionServing: true } : {}),
        ...(service.narrowed ? { narrowed: service.narrowed } : {}),
        bundleZip,
      };
    }
    throw new HandlerCatalogError(
      `handlers/${name}.ts is neither a playbook in shared/playbooks/registry.ts nor declared in infra/lib/service-handlers.ts: ` +
        'declare the IAM actions it calls (an `actions` export beside its code) so infra can grant exactly those',
    );
  });
}

/**
 * Cross-account mode: the actions a handler's remediation role grants in the workload account (a playbook: its own and
 * the pipeline's alarm re-read; a service handler: its declaration), or undefined for a handler that acts only at home.
 */
export function workloadRoleActionsOf(handler: Pick<HandlerSpec, 'kind' | 'actions' | 'crossAccount'>): string[] | undefined {
  if (handler.kind === 'playbook') return [...new Set([...handler.actions, ...PIPELINE_ACTIONS.alarms])];
  return handler.crossAccount ? [...handler.crossAccount.workloadRoleActions] : undefined;
}
