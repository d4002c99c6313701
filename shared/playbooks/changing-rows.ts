// The rows that change something, which verify-change watches and reverts, and the AWS actions verify-change therefore
// calls: a declaration infra derives verify-change's IAM from. Imported one by one so a bundle carries only their clients.
import { PIPELINE_ACTIONS } from '../pipeline/pipeline-actions';
import { cpuUtilizationPlaybook } from './cpu-utilization';
import { memoryPressurePlaybook } from './memory-pressure';
import { queueBackupPlaybook } from './queue-backup';

export const CHANGING_PLAYBOOKS = [queueBackupPlaybook, memoryPressurePlaybook, cpuUtilizationPlaybook] as const;

/**
 * The verify sweep (decision 293): verify-change takes an answered check off the sweep's list (shared/state/
 * verify-change-store.ts releaseVerifyDue; the list's Query is the state table's, above). Only verify-change: the alarm
 * handlers list a check with PutItem, which they already hold.
 */
export const VERIFY_SWEEP_ACTIONS = ['dynamodb:DeleteItem'] as const;

/**
 * Every AWS action verify-change calls: the changing rows' own (it observes, applies and verifies their revert through
 * their code) and the state table, bus and kill switch. Infra grants exactly these.
 */
export const VERIFY_CHANGE_ACTIONS: readonly string[] = [
  ...new Set([
    ...CHANGING_PLAYBOOKS.flatMap((p) => p.actions),
    ...PIPELINE_ACTIONS.stateTable,
    ...PIPELINE_ACTIONS.eventBus,
    ...PIPELINE_ACTIONS.killSwitch,
    ...VERIFY_SWEEP_ACTIONS,
  ]),
].sort();

/** What verify-change calls on the automation's own resources (state table, bus, kill switch), wherever the change was. */
export const VERIFY_CHANGE_OWN_ACTIONS: readonly string[] = [
  ...new Set([...PIPELINE_ACTIONS.stateTable, ...PIPELINE_ACTIONS.eventBus, ...PIPELINE_ACTIONS.killSwitch, ...VERIFY_SWEEP_ACTIONS]),
].sort();

/**
 * Cross-account mode: what verify-change calls on a workload's resources, through the remediation role that workload
 * offers it (the changing rows' own actions: it reads their health signal, observes, reverts and verifies there).
 */
export const VERIFY_CHANGE_WORKLOAD_ROLE_ACTIONS: readonly string[] = [...new Set(CHANGING_PLAYBOOKS.flatMap((p) => p.actions))].sort();
