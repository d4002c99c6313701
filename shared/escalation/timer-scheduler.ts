// Durable escalation timers: EventBridge Scheduler one-time schedules (at(...)) that invoke the escalation-timer Lambda.
import { DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { classifyAwsError } from '../aws/classify-error';
import type { EscalationDeployment } from './deployment';
import { createOneTimeSchedule, ESCALATION_TIMER_RETRY } from './one-time-schedule';
import type { TimerInput } from './plan-timer';

// In a module of their own so the alarm handlers can load them (and Scheduler) only after a change.
export { atExpression, createOneTimeSchedule, type OneTimeSchedule } from './one-time-schedule';

/** The schedule's name: one per incident and step, so scheduling the same step twice is a no-op (ConflictException). */
export function timerScheduleName(input: TimerInput): string {
  // Scheduler names: 1-64 characters of [0-9a-zA-Z-_.].
  const step =
    input.action === 'check' ? 'check' : input.action === 'settle' ? `settle-c${input.cycle}` : input.action === 'notice' ? `notice-c${input.cycle}-r${input.round}` : `l${input.level}`;
  return `escalation-${input.incidentId}-${step}`;
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ResourceNotFoundException';
}

export class TimerScheduler {
  constructor(
    private readonly scheduler: Pick<SchedulerClient, 'send'>,
    private readonly deployment: () => Promise<Pick<EscalationDeployment, 'timerFunctionArn' | 'schedulerRoleArn' | 'scheduleGroup'>>,
  ) {}

  /** Creates the one-time schedule unless it exists; Scheduler deletes it after it ran (ActionAfterCompletion DELETE). */
  async schedule(input: TimerInput, at: Date): Promise<{ name: string; created: boolean }> {
    const target = await this.deployment();
    return createOneTimeSchedule(this.scheduler, {
      name: timerScheduleName(input),
      groupName: target.scheduleGroup,
      at,
      description:
        input.action === 'check'
          ? `Is the alarm of ${input.incidentId} still firing?`
          : input.action === 'settle'
            ? `Tell the resolution of ${input.incidentId} (cycle ${input.cycle}) if it stayed OK`
            : input.action === 'notice'
              ? `Close the notice ${input.incidentId} if its alarm no longer exists (check ${input.round})`
              : `Escalate ${input.incidentId} to L${input.level} unless acknowledged`,
      functionArn: target.timerFunctionArn,
      schedulerRoleArn: target.schedulerRoleArn,
      input,
      retryPolicy: ESCALATION_TIMER_RETRY,
    });
  }

  /** Deletes a pending timer that is no longer needed; one already gone is fine. */
  async cancel(input: TimerInput): Promise<void> {
    const target = await this.deployment();
    try {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: timerScheduleName(input), GroupName: target.scheduleGroup }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw classifyAwsError(error, 'Scheduler DeleteSchedule');
    }
  }
}
