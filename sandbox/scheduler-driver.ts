// Plays EventBridge Scheduler for the sandbox, which moto stores but never fires: given a clock, runs the due one-time schedules.
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  type GetScheduleCommandOutput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock';

export interface FiredSchedule {
  name: string;
  groupName: string;
  dueAt: Date;
  targetArn: string;
  input: unknown;
  result?: unknown;
  error?: Error;
}

export interface SchedulerDriverOptions {
  scheduler: SchedulerClient;
  /** Only this schedule group; every group when undefined. */
  groupName?: string;
  /** Invokes the schedule's target as Scheduler would (for a Lambda target: the function with Input as its event). */
  invoke(targetArn: string, input: unknown): Promise<unknown>;
}

export interface SchedulerDriver {
  /** Fires every enabled one-time schedule due at clock.now(), oldest first; returns what ran. */
  runDue(clock: Clock): Promise<FiredSchedule[]>;
  /** The enabled one-time schedules and when they are due, soonest first. */
  pending(): Promise<Array<{ name: string; groupName: string; dueAt: Date; input: unknown }>>;
}

/** at(yyyy-mm-ddThh:mm:ss) in the schedule's time zone; only UTC is understood here (what the escalation creates). */
export function parseAtExpression(expression: string | undefined, timezone: string | undefined): Date | undefined {
  const match = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(expression ?? '');
  if (!match) return undefined;
  if (timezone && timezone !== 'UTC' && timezone !== 'Etc/UTC') {
    throw new Error(`schedule expression ${expression} is in time zone ${timezone}: the sandbox driver only understands UTC`);
  }
  const at = new Date(`${match[1]}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** What Scheduler puts in place of its context keywords when it invokes a target (moto fires nothing, so nothing does). */
export interface SchedulerContext {
  scheduleArn: string;
  scheduledTime: Date;
  executionId: string;
  attemptNumber: number;
}

/**
 * The Input as Scheduler delivers it: each context keyword replaced wherever it occurs in the text ("Adding context
 * attributes", EventBridge Scheduler User Guide), then parsed as JSON when it is JSON.
 */
export function deliveredInput(input: string | undefined, context: SchedulerContext): unknown {
  if (input === undefined) return {};
  const values: Record<string, string> = {
    'schedule-arn': context.scheduleArn,
    'scheduled-time': context.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'execution-id': context.executionId,
    'attempt-number': String(context.attemptNumber),
  };
  return parseInput(input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (keyword, name: string) => values[name] ?? keyword));
}

function parseInput(input: string | undefined): unknown {
  if (input === undefined) return {};
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

export function createSchedulerDriver(options: SchedulerDriverOptions): SchedulerDriver {
  const { scheduler } = options;
  // A one-time schedule kept after completion (ActionAfterCompletion NONE) still never fires twice.
  const completed = new Set<string>();
  // Scheduler's attempt number per schedule: a failed invocation is attempted again on a later run.
  const attempts = new Map<string, number>();

  async function oneTimeSchedules(): Promise<Array<{ name: string; groupName: string; dueAt: Date; schedule: GetScheduleCommandOutput }>> {
    const found: Array<{ name: string; groupName: string; dueAt: Date; schedule: GetScheduleCommandOutput }> = [];
    for await (const page of paginateListSchedules({ client: scheduler }, { ...(options.groupName ? { GroupName: options.groupName } : {}), State: 'ENABLED' })) {
      for (const summary of page.Schedules ?? []) {
        if (!summary.Name) continue;
        const groupName = summary.GroupName ?? 'default';
        const schedule = await scheduler.send(new GetScheduleCommand({ Name: summary.Name, GroupName: groupName }));
        const dueAt = parseAtExpression(schedule.ScheduleExpression, schedule.ScheduleExpressionTimezone);
        if (!dueAt || completed.has(`${groupName}/${summary.Name}@${schedule.ScheduleExpression}`)) continue;
        found.push({ name: summary.Name, groupName, dueAt, schedule });
      }
    }
    return found.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  return {
    async pending() {
      return (await oneTimeSchedules()).map(({ name, groupName, dueAt, schedule }) => ({ name, groupName, dueAt, input: parseInput(schedule.Target?.Input) }));
    },

    async runDue(clock) {
      const now = clock.now().getTime();
      const fired: FiredSchedule[] = [];
      for (const { name, groupName, dueAt, schedule } of await oneTimeSchedules()) {
        if (dueAt.getTime() > now) continue;
        const targetArn = schedule.Target?.Arn ?? '';
        const attempt = (attempts.get(`${groupName}/${name}`) ?? 0) + 1;
        attempts.set(`${groupName}/${name}`, attempt);
        const input = deliveredInput(schedule.Target?.Input, {
          scheduleArn: schedule.Arn ?? `arn:aws:scheduler:::schedule/${groupName}/${name}`,
          scheduledTime: dueAt,
          executionId: randomBytes(8).toString('hex'),
          attemptNumber: attempt,
        });
        try {
          const result = await options.invoke(targetArn, input);
          completed.add(`${groupName}/${name}@${schedule.ScheduleExpression}`);
          if (schedule.ActionAfterCompletion === 'DELETE') {
            await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName })).catch((error: unknown) => {
              if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
            });
          }
          fired.push({ name, groupName, dueAt, targetArn, input, result });
        } catch (error) {
          // Left in place: Scheduler retries a failed invocation within its RetryPolicy; the next run tries again.
          fired.push({ name, groupName, dueAt, targetArn, input, error: error as Error });
        }
      }
      return fired;
    },
  };
}

/** A clock the sandbox can move forward, so timers minutes or hours away can be driven now (no test or demo sleeps). */
export interface SandboxClock extends Clock {
  advance(ms: number): void;
  /** How far ahead of the wall clock this clock runs. */
  offsetMs(): number;
}

export function createSandboxClock(): SandboxClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    advance(ms) {
      offset += ms;
    },
    offsetMs: () => offset,
  };
}
