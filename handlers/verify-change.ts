// Lambda entry point: the health check a Scheduler timer runs one window after a change, and the verify sweep of the
// checks Scheduler could not deliver (shared/pipeline/verify-change.ts).
import { createVerifyChangeHandler } from '../shared/pipeline/create-verify-change-handler';

export const handler = createVerifyChangeHandler();
