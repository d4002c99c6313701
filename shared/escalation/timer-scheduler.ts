// Durable escalation timers: EventBridge Scheduler one-time schedules (at(...)) that invoke the escalation-timer Lambda.
import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { classifyAwsError } from '../aws/classify-error';
import type { EscalationDeployment } from './deployment';
import type { TimerInput } from './plan-timer';

/** The schedule's name: one per incident and step, so scheduling the same step twice is a no-op (ConflictException). */
export function timerScheduleName(input: TimerInput): string {
  // Scheduler names: 1-64 characters of [0-9a-zA-Z-_.].
  return `escalation-${input.incidentId}-${input.action === 'check' ? 'check' : `l${input.level}`}`;
}

/** at(yyyy-mm-ddThh:mm:ss) in UTC, rounded up to the whole second (Scheduler's one-time expression has no fraction). */
export function atExpression(at: Date): string {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

/** One one-time schedule that invokes a Lambda function with `input`, deleted by Scheduler after it ran. */
export interface OneTimeSchedule {
  name: string;
  groupName: string;
  at: Date;
  description: string;
  functionArn: string;
  schedulerRoleArn: string;
  input: unknown;
}

/** Creates the schedule unless one of that name exists (ConflictException: created by an earlier attempt, a no-op). */
export async function createOneTimeSchedule(scheduler: SchedulerClient, schedule: OneTimeSchedule): Promise<{ name: string; created: boolean }> {
  try {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: schedule.name,
        GroupName: schedule.groupName,
        ScheduleExpression: atExpression(schedule.at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: schedule.description,
        Target: {
          Arn: schedule.functionArn,
          RoleArn: schedule.schedulerRoleArn,
          Input: JSON.stringify(schedule.input),
          // Scheduler's own defaults, stated: a timer that cannot reach the Lambda keeps trying for a day.
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        },
      }),
    );
    return { name: schedule.name, created: true };
  } catch (error) {
    if (error instanceof ConflictException || (error as { name?: string }).name === 'ConflictException') return { name: schedule.name, created: false };
    throw classifyAwsError(error, 'Scheduler CreateSchedule');
  }
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ResourceNotFoundException';
}

export class TimerScheduler {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly deployment: () => Promise<Pick<EscalationDeployment, 'timerFunctionArn' | 'schedulerRoleArn' | 'scheduleGroup'>>,
  ) {}

  /** Creates the one-time schedule unless it exists; Scheduler deletes it after it ran (ActionAfterCompletion DELETE). */
  async schedule(input: TimerInput, at: Date): Promise<{ name: string; created: boolean }> {
    const target = await this.deployment();
    return createOneTimeSchedule(this.scheduler, {
      name: timerScheduleName(input),
      groupName: target.scheduleGroup,
      at,
      description: input.action === 'check' ? `Is the alarm of ${input.incidentId} still firing?` : `Escalate ${input.incidentId} to L${input.level} unless acknowledged`,
      functionArn: target.timerFunctionArn,
      schedulerRoleArn: target.schedulerRoleArn,
      input,
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
