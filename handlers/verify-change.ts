// Lambda entry point: the health check a Scheduler timer runs one window after a change (shared/pipeline/verify-change.ts).
import { createVerifyChangeHandler } from '../shared/pipeline/create-verify-change-handler';

export const handler = createVerifyChangeHandler();
