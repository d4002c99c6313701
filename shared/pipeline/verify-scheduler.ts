// The health check after a change as a durable timer: one EventBridge Scheduler one-time schedule invoking verify-change.
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { lazy, resolveLazy, type Lazy } from '../aws/lazy-client';
import { OWN_ACCOUNT_ENV, VERIFY_CHANGE_ARN_ENV, VERIFY_HANDLER, VERIFY_SCHEDULE_GROUP, VERIFY_SCHEDULE_GROUP_ENV } from '../config/names';
import { escalationDeployment, FUNCTION_NAME_PREFIX, partitionOfRegion } from '../escalation/deployment';
import type { VerifyChangeInput } from './verify-change-plan';
import { verifyScheduleName } from './verify-schedule-name';

/** Infra sets these; without them the names follow the project's conventions in the handler's own account. */
export { VERIFY_CHANGE_ARN_ENV, VERIFY_SCHEDULE_GROUP_ENV } from '../config/names';

/**
 * The schedule's module (and the Scheduler client's), loaded once per container on the first change: a chunk of its own,
 * which a cold start does not read; an import() of a module already loaded still goes through the module loader at every
 * call (about 28 us each, measured; decision 279).
 */
export const oneTimeScheduleModule = lazy(() => import('../escalation/one-time-schedule'));

/** `account`: the alarm's, where the function runs when RUNBOOK_ACCOUNT_ID is unset; `about`: the schedule's description. */
export interface HealthCheckScheduler {
  schedule(input: VerifyChangeInput, at: Date, context: { account: string; about: string }): Promise<{ name: string; created: boolean }>;
}

export class VerifyScheduler implements HealthCheckScheduler {
  constructor(
    /** Given lazily by the handlers: Scheduler and its commands load on the first change, not at init. */
    private readonly scheduler: SchedulerClient | Lazy<SchedulerClient>,
    private readonly env: Record<string, string | undefined>,
    private readonly region: string,
  ) {}

  async schedule(input: VerifyChangeInput, at: Date, context: { account: string; about: string }): Promise<{ name: string; created: boolean }> {
    // The function and the scheduler role live where this handler runs: its own account (infra), else the alarm's.
    const account = this.env[OWN_ACCOUNT_ENV] || context.account;
    const where = escalationDeployment(this.env, { region: this.region, account });
    const [{ createOneTimeSchedule, VERIFY_CHECK_RETRY }, scheduler] = await Promise.all([oneTimeScheduleModule(), resolveLazy(this.scheduler)]);
    return createOneTimeSchedule(scheduler, {
      name: verifyScheduleName(input.playbook, input.incidentKey),
      groupName: this.env[VERIFY_SCHEDULE_GROUP_ENV] || VERIFY_SCHEDULE_GROUP,
      at,
      description: `Health check of ${context.about}: revert and escalate if it made things worse`.slice(0, 512),
      functionArn:
        this.env[VERIFY_CHANGE_ARN_ENV] || `arn:${partitionOfRegion(this.region)}:lambda:${this.region}:${account}:function:${FUNCTION_NAME_PREFIX}${VERIFY_HANDLER}`,
      schedulerRoleArn: where.schedulerRoleArn,
      // Only the key of the record: verify-change reads the change, its target and its revert from the state table.
      input: { action: input.action, playbook: input.playbook, incidentKey: input.incidentKey },
      retryPolicy: VERIFY_CHECK_RETRY,
    });
  }
}
