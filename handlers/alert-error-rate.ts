// Lambda entry point: Lambda error-rate alarm -> enrich with counts and top error messages, then escalate (shared/playbooks/error-rate.ts).
import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';
import { errorRatePlaybook } from '../shared/playbooks/error-rate';

export const handler = createAlarmHandler({ playbook: errorRatePlaybook });
