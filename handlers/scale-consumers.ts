// Lambda entry point: Queue Backup alarm -> scale the queue's consumers (shared/playbooks/queue-backup.ts).
import { changeStep } from '../shared/pipeline/change-step';
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { queueBackupPlaybook } from '../shared/playbooks/queue-backup';

export const handler = createAlarmHandler({ playbook: queueBackupPlaybook, changes: changeStep });
