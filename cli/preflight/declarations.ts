// The actions each handler's code declares, as infra grants them: a playbook's own plus the pipeline's, a service handler's list.
import { SERVICE_HANDLER_ACTIONS } from '../../infra/lib/service-handlers';
import { PIPELINE_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import { playbooks } from '../../shared/playbooks/registry';
import type { HandlerDeclaration } from './expectations';

/** Single-account mode; a playbook that declares `health` also schedules the health check (infra: pipelineActionsOf). */
export function handlerDeclarations(): HandlerDeclaration[] {
  const fromPlaybooks = Object.values(playbooks).map((p): HandlerDeclaration => {
    const schedulesHealthCheck = 'health' in p && p.health !== undefined;
    const pipeline = Object.entries(PIPELINE_ACTIONS).flatMap(([resource, actions]) => (resource === 'verifySchedule' && !schedulesHealthCheck ? [] : [...actions]));
    return { name: p.name, kind: 'playbook', actions: [...new Set([...p.actions, ...pipeline])], schedulesHealthCheck };
  });
  const services = Object.entries(SERVICE_HANDLER_ACTIONS).map(
    ([name, declaration]): HandlerDeclaration => ({ name, kind: 'service', actions: [...declaration.actions], schedulesHealthCheck: false }),
  );
  return [...fromPlaybooks, ...services];
}
