// The actions each handler's code declares, as infra grants them: a playbook's own plus the pipeline's, a service handler's list.
// In cross-account mode (infra/lib/runbook-stack.ts), a handler that acts on the workload does so through its remediation
// role there: its execution role keeps the pipeline's (or its own) actions plus AssumeRole, the role gets the rest.
import { workloadRoleActionsOf } from '../../infra/lib/handler-catalog';
import { SERVICE_HANDLER_ACTIONS } from '../../infra/lib/service-handlers';
import { CROSS_ACCOUNT_ACTIONS, PIPELINE_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import { playbooks } from '../../shared/playbooks/registry';
import type { HandlerDeclaration } from './expectations';

export type AccountMode = 'single-account' | 'cross-account';

/** A playbook that declares `health` also schedules the health check (infra: pipelineActionsOf). */
export function handlerDeclarations(mode: AccountMode = 'single-account'): HandlerDeclaration[] {
  const cross = mode === 'cross-account';
  const fromPlaybooks = Object.values(playbooks).map((p): HandlerDeclaration => {
    const schedulesHealthCheck = 'health' in p && p.health !== undefined;
    const pipeline = Object.entries(PIPELINE_ACTIONS).flatMap(([resource, actions]) => (resource === 'verifySchedule' && !schedulesHealthCheck ? [] : [...actions]));
    const own = cross ? [...pipeline, ...CROSS_ACCOUNT_ACTIONS] : [...p.actions, ...pipeline];
    return {
      name: p.name,
      kind: 'playbook',
      row: p.row,
      actions: [...new Set(own)],
      schedulesHealthCheck,
      ...('regionServing' in p && p.regionServing !== undefined ? { readsRegionServing: true } : {}),
      ...(cross ? { workloadRoleActions: workloadRoleActionsOf({ kind: 'playbook', actions: p.actions }) ?? [] } : {}),
    };
  });
  const services = Object.entries(SERVICE_HANDLER_ACTIONS).map(([name, declaration]): HandlerDeclaration => {
    const remote = cross ? declaration.crossAccount : undefined;
    return {
      name,
      kind: 'service',
      actions: remote ? [...new Set([...remote.ownActions, ...CROSS_ACCOUNT_ACTIONS])] : [...declaration.actions],
      schedulesHealthCheck: false,
      ...(remote ? { workloadRoleActions: [...remote.workloadRoleActions] } : {}),
    };
  });
  return [...fromPlaybooks, ...services];
}
