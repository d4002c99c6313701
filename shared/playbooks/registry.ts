// Every playbook by handler name: a new troubleshooting row is a new module plus one line here.
//
// Names: a handler is named for what it does (handlers/<handler>.ts, deployed as notification-runbooks-<handler>); its
// playbook module is named for the troubleshooting row it answers (shared/playbooks/<row>.ts, with <row>-plan.ts and,
// for rows that change something, <row>-health.ts). Which handler runs which row:
//
//   handler                   row                 playbook module
//   scale-consumers           queue-backup        shared/playbooks/queue-backup.ts
//   raise-lambda-memory       memory-pressure     shared/playbooks/memory-pressure.ts
//   inspect-security-groups   connection-timeout  shared/playbooks/connection-timeout.ts
//   check-db-connections      high-latency        shared/playbooks/high-latency.ts
//   scale-up-database         cpu-utilization     shared/playbooks/cpu-utilization.ts
//   alert-error-rate          error-rate          shared/playbooks/error-rate.ts
//   watch-standby             dr-standby          shared/playbooks/dr-standby.ts   (DR region only: row watchIn)
//
// The handlers that run no row: SERVICE_HANDLERS below. test/unit/playbooks/registry.test.ts holds this table to the code.
import { cpuUtilizationPlaybook } from './cpu-utilization';
import { standbyPlaybook } from './dr-standby';
import { connectionTimeoutPlaybook } from './connection-timeout';
import { errorRatePlaybook } from './error-rate';
import { highLatencyPlaybook } from './high-latency';
import { memoryPressurePlaybook } from './memory-pressure';
import { queueBackupPlaybook } from './queue-backup';

export const playbooks = {
  [queueBackupPlaybook.name]: queueBackupPlaybook,
  [memoryPressurePlaybook.name]: memoryPressurePlaybook,
  [cpuUtilizationPlaybook.name]: cpuUtilizationPlaybook,
  [errorRatePlaybook.name]: errorRatePlaybook,
  [connectionTimeoutPlaybook.name]: connectionTimeoutPlaybook,
  [highLatencyPlaybook.name]: highLatencyPlaybook,
  [standbyPlaybook.name]: standbyPlaybook,
} as const;

export type PlaybookName = keyof typeof playbooks;

/** handler -> row -> playbook module, from the playbooks themselves (a playbook module is named after its row). */
export const PLAYBOOK_HANDLERS: ReadonlyArray<{ handler: string; row: string; playbookModule: string }> = Object.values(playbooks).map((p) => ({
  handler: p.name,
  row: p.row,
  playbookModule: `shared/playbooks/${p.row}.ts`,
}));

/** The handlers that run no troubleshooting row, and the module that wires each. */
export const SERVICE_HANDLERS: ReadonlyArray<{ handler: string; runs: string; module: string }> = [
  { handler: 'escalate', runs: 'decisions and OK state changes -> incidents up the escalation path', module: 'shared/escalation/create-escalate-handler.ts' },
  { handler: 'escalation-timer', runs: "an escalation tier's timeout (EventBridge Scheduler)", module: 'shared/escalation/create-escalation-timer-handler.ts' },
  { handler: 'verify-change', runs: 'the health check one window after a change, reverting it if worse', module: 'shared/pipeline/create-verify-change-handler.ts' },
];
