// Handlers that are not playbooks (escalation, timers): where each declares the IAM actions it calls.
import { ESCALATION_ACTIONS } from '../../shared/config/service-handler-actions';
import { VERIFY_CHANGE_ACTIONS } from '../../shared/playbooks/changing-rows';

const ESCALATION_DECLARATION = { actions: ESCALATION_ACTIONS, declaredIn: 'shared/config/service-handler-actions.ts ESCALATION_ACTIONS' };

/**
 * handler name -> the actions its code declares, and where. A non-playbook handler exports its `actions` beside its code
 * (the playbook convention, without the pipeline); infra grants exactly those, scoped by infra/lib/iam/action-scopes.ts.
 */
export const SERVICE_HANDLER_ACTIONS: Readonly<Record<string, { actions: readonly string[]; declaredIn: string }>> = {
  escalate: ESCALATION_DECLARATION,
  'escalation-timer': ESCALATION_DECLARATION,
  'verify-change': { actions: VERIFY_CHANGE_ACTIONS, declaredIn: 'shared/playbooks/changing-rows.ts VERIFY_CHANGE_ACTIONS' },
};
