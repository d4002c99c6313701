// Lambda entry point: the DR region's standby alarms (replica lag, replicated queue) -> observe and escalate, never change (shared/playbooks/dr-standby.ts).
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { standbyPlaybook } from '../shared/playbooks/dr-standby';

export const handler = createAlarmHandler({ playbook: standbyPlaybook });
