// The game-day scenarios, in the order `runbook demo` plays them. A new scenario is a file in scenarios/ and a line here.
// The seed table's order, but CPU Utilization before High Latency: both write the database's AWS/RDS CPUUtilization for
// the same few minutes (one sandbox, one CloudWatch), and scale-up-database now reads it (decision 217: 5 of 5 minutes
// over 70%), while check-db-connections only reports it; played after, the leak's 31-41% averaged into its minutes.
import type { DemoScenario } from './context';
import { connectionTimeoutScenario } from './scenarios/connection-timeout';
import { cpuUtilizationScenario } from './scenarios/cpu-utilization';
import { drStandbyScenario } from './scenarios/dr-standby';
import { errorRateScenario } from './scenarios/error-rate';
import { escalationScenario } from './scenarios/escalation';
import { highLatencyScenario } from './scenarios/high-latency';
import { memoryPressureScenario } from './scenarios/memory-pressure';
import { queueBackupScenario } from './scenarios/queue-backup';

export const scenarios: DemoScenario[] = [queueBackupScenario, memoryPressureScenario, connectionTimeoutScenario, cpuUtilizationScenario, highLatencyScenario, errorRateScenario, escalationScenario, drStandbyScenario];
