// Every playbook by handler name: a new troubleshooting row is a new module plus one line here.
import { cpuUtilizationPlaybook } from './cpu-utilization';
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
} as const;

export type PlaybookName = keyof typeof playbooks;
