// The game-day scenarios, in the order `runbook demo` plays them. A new scenario is a file in scenarios/ and a line here.
import type { DemoScenario } from './context';
import { connectionTimeoutScenario } from './scenarios/connection-timeout';
import { cpuUtilizationScenario } from './scenarios/cpu-utilization';
import { drStandbyScenario } from './scenarios/dr-standby';
import { errorRateScenario } from './scenarios/error-rate';
import { escalationScenario } from './scenarios/escalation';
import { highLatencyScenario } from './scenarios/high-latency';
import { memoryPressureScenario } from './scenarios/memory-pressure';
import { queueBackupScenario } from './scenarios/queue-backup';

export const scenarios: DemoScenario[] = [queueBackupScenario, memoryPressureScenario, connectionTimeoutScenario, highLatencyScenario, cpuUtilizationScenario, errorRateScenario, escalationScenario, drStandbyScenario];
