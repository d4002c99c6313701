// One-time EventBridge Scheduler schedules (at(...)) invoking a Lambda function: the escalation's timers and the health
// check after a change. A module of its own: the alarm handlers import it (and the Scheduler client) with a dynamic
// import() only after a change, so esbuild keeps it, and only it, in a chunk a cold start does not read.
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { classifyAwsError } from '../aws/classify-error';
import type { SdkClientConfig } from '../aws/client-config';
import type { TimerRetryPolicy } from '../config/automation-health';

export { ESCALATION_TIMER_RETRY, VERIFY_CHECK_RETRY, type TimerRetryPolicy } from '../config/automation-health';

export function schedulerClient(config: SdkClientConfig): SchedulerClient {
  return new SchedulerClient(config);
}

/** at(yyyy-mm-ddThh:mm:ss) in UTC, rounded up to the whole second (Scheduler's one-time expression has no fraction). */
export function atExpression(at: Date): string {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

/**
 * The schedule's Input: `input` as JSON with every `<` written `\u003c`. Scheduler replaces its context keywords
 * (`<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`,
 * `<aws.scheduler.attempt-number>`, and any `<aws.scheduler.…>` it adds later) anywhere in the Input text ("Adding
 * context attributes", EventBridge Scheduler User Guide), so an alarm name holding one would reach the target altered.
 * `<` only ever occurs inside a JSON string, where `\u003c` is the same character: the target parses the same value.
 */
export function schedulerInputText(input: unknown): string {
  return JSON.stringify(input).replaceAll('<', '\\u003c');
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
  retryPolicy: TimerRetryPolicy;
}

/** Creates the schedule unless one of that name exists (ConflictException: created by an earlier attempt, a no-op). */
export async function createOneTimeSchedule(scheduler: Pick<SchedulerClient, 'send'>, schedule: OneTimeSchedule): Promise<{ name: string; created: boolean }> {
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
          Input: schedulerInputText(schedule.input),
          RetryPolicy: { ...schedule.retryPolicy },
        },
      }),
    );
    return { name: schedule.name, created: true };
  } catch (error) {
    if (error instanceof ConflictException || (error as { name?: string }).name === 'ConflictException') return { name: schedule.name, created: false };
    throw classifyAwsError(error, 'Scheduler CreateSchedule');
  }
}
