// Lambda entry point: High Latency alarm -> name the database cause: connections, CPU, replica lag (shared/playbooks/high-latency.ts).
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { highLatencyPlaybook } from '../shared/playbooks/high-latency';

export const handler = createAlarmHandler({ playbook: highLatencyPlaybook });
