// Every playbook by handler name: a new troubleshooting row is a new module plus one line here.
import { queueBackupPlaybook } from './queue-backup';

export const playbooks = {
  [queueBackupPlaybook.name]: queueBackupPlaybook,
} as const;

export type PlaybookName = keyof typeof playbooks;
