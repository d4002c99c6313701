// Lambda entry point: Queue Backup alarm -> scale the queue's consumers (shared/playbooks/queue-backup.ts).
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { queueBackupPlaybook } from '../shared/playbooks/queue-backup';

export const handler = createAlarmHandler({
  playbook: queueBackupPlaybook,
  createClients: (config, shared) => ({ sqs: new SQSClient(config), lambda: new LambdaClient(config), cloudWatch: shared.cloudWatch }),
});
