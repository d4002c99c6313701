// Lambda entry point: Lambda error-rate alarm -> enrich with counts and top error messages, then escalate (shared/playbooks/error-rate.ts).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { errorRatePlaybook } from '../shared/playbooks/error-rate';

export const handler = createAlarmHandler({
  playbook: errorRatePlaybook,
  createClients: (config, shared) => ({ cloudWatch: shared.cloudWatch, lambda: new LambdaClient(config), logs: new CloudWatchLogsClient(config) }),
});
