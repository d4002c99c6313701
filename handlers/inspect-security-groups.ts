// Lambda entry point: Connection Timeout (504) alarm -> prove or disprove each security-group path (shared/playbooks/connection-timeout.ts).
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { connectionTimeoutPlaybook } from '../shared/playbooks/connection-timeout';

export const handler = createAlarmHandler({ playbook: connectionTimeoutPlaybook });
