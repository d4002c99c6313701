// The game-day scenarios, in the order `runbook demo` plays them. A new scenario is a file in scenarios/ and a line here.
import type { DemoScenario } from './context';
import { queueBackupScenario } from './scenarios/queue-backup';

export const scenarios: DemoScenario[] = [queueBackupScenario];
