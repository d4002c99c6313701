// Lambda entry point: RDS CPUUtilization alarm -> next instance class on the environment's ladder (shared/playbooks/cpu-utilization.ts).
import { changeStep } from '../shared/pipeline/change-step';
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { cpuUtilizationPlaybook } from '../shared/playbooks/cpu-utilization';

export const handler = createAlarmHandler({ playbook: cpuUtilizationPlaybook, changes: changeStep });
