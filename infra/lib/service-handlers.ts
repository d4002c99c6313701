// Handlers that are not playbooks (escalation, timers): where each declares the IAM actions it calls.
import { ESCALATION_ACTIONS, ESCALATION_WORKLOAD_ROLE_ACTIONS } from '../../shared/config/service-handler-actions';
import type { ConditionKind } from './iam/action-scopes';
import { VERIFY_CHANGE_ACTIONS, VERIFY_CHANGE_OWN_ACTIONS, VERIFY_CHANGE_WORKLOAD_ROLE_ACTIONS } from '../../shared/playbooks/changing-rows';

export interface ServiceHandlerDeclaration {
  actions: readonly string[];
  declaredIn: string;
  /**
   * Cross-account mode: the handler acts on a workload's resources through the remediation role that workload offers it
   * (shared/aws/account-clients.ts). `ownActions` stay in the operations account; `workloadRoleActions` are the role's.
   */
  crossAccount?: { ownActions: readonly string[]; workloadRoleActions: readonly string[]; declaredIn: string };
  /**
   * In a DR region it reads whether that region serves (shared/guard/region-serving-reader.ts): granted there only, its
   * own role's in one account, the remediation role's in cross-account mode (REGION_SERVING_ACTIONS, as a changing row's).
   */
  readsRegionServing?: boolean;
  /** Actions this handler is granted under a narrower condition than action-scopes.ts gives every handler. */
  narrowed?: Readonly<Record<string, ConditionKind>>;
}

const ESCALATION_DECLARATION: ServiceHandlerDeclaration = {
  actions: ESCALATION_ACTIONS,
  declaredIn: 'shared/config/service-handler-actions.ts ESCALATION_ACTIONS',
  // The alarm is re-read where it lives; everything else (table, topics, schedules, Support) is the operations account's.
  crossAccount: {
    ownActions: ESCALATION_ACTIONS,
    workloadRoleActions: ESCALATION_WORKLOAD_ROLE_ACTIONS,
    declaredIn: 'shared/config/service-handler-actions.ts ESCALATION_WORKLOAD_ROLE_ACTIONS',
  },
};

/**
 * handler name -> the actions its code declares, and where. A non-playbook handler exports its `actions` beside its code
 * (the playbook convention, without the pipeline); infra grants exactly those, scoped by infra/lib/iam/action-scopes.ts.
 */
export const SERVICE_HANDLER_ACTIONS: Readonly<Record<string, ServiceHandlerDeclaration>> = {
  escalate: ESCALATION_DECLARATION,
  // A standby-watch incident's timer reads the serving signal before it climbs (review 12, R12-7).
  'escalation-timer': { ...ESCALATION_DECLARATION, readsRegionServing: true },
  'verify-change': {
    actions: VERIFY_CHANGE_ACTIONS,
    // Its state-table writes are held to the partitions its code writes (dynamodb:LeadingKeys; IAM has no sort-key
    // condition): DeleteItem to the verify sweep's list (VERIFY-DUE, review 18c R18-16), PutItem to an incident's or a
    // resource's partition (its claim, its audit entry), UpdateItem to an incident's (its claim) (review 19 R19-3). So it
    // cannot DeleteItem outside VERIFY-DUE, nor write a held resolution, an escalation record, a list entry or a kill
    // switch notice; it can still overwrite, or expire through TTL, any claim, audit entry or resource STATE (decision 307).
    narrowed: { 'dynamodb:DeleteItem': 'verify-due-partition', 'dynamodb:PutItem': 'incident-or-resource-partition', 'dynamodb:UpdateItem': 'incident-partition' },
    declaredIn: 'shared/playbooks/changing-rows.ts VERIFY_CHANGE_ACTIONS',
    crossAccount: {
      ownActions: VERIFY_CHANGE_OWN_ACTIONS,
      workloadRoleActions: VERIFY_CHANGE_WORKLOAD_ROLE_ACTIONS,
      declaredIn: 'shared/playbooks/changing-rows.ts VERIFY_CHANGE_WORKLOAD_ROLE_ACTIONS',
    },
  },
};
