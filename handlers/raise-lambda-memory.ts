// Lambda entry point: Memory Pressure (OOM) alarm -> raise the function's memory one step (shared/playbooks/memory-pressure.ts).
import { changeStep } from '../shared/pipeline/change-step';
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { memoryPressurePlaybook } from '../shared/playbooks/memory-pressure';

export const handler = createAlarmHandler({ playbook: memoryPressurePlaybook, changes: changeStep });
