// The sandbox's Scheduler (moto stores schedules and fires none): what a Lambda target receives, keywords replaced as
// EventBridge Scheduler replaces them ("Adding context attributes"), an attempt number per attempt.
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { createSchedulerDriver } from '../../../sandbox/scheduler-driver';

const ARN = 'arn:aws:scheduler:us-east-1:123456789012:schedule/notification-runbooks/escalation-inc-1-l2';

describe('createSchedulerDriver', () => {
  const scheduler = mockClient(SchedulerClient);
  beforeEach(() => {
    scheduler.reset();
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'escalation-inc-1-l2', GroupName: 'notification-runbooks' }] });
    scheduler.on(GetScheduleCommand).resolves({
      Arn: ARN,
      ScheduleExpression: 'at(2026-12-05T12:15:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:notification-runbooks-escalation-timer',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        Input: '{"attempt":"<aws.scheduler.attempt-number>","execution":"<aws.scheduler.execution-id>","arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>","name":"a \\u003caws.scheduler.execution-id>"}',
      },
    });
    scheduler.on(DeleteScheduleCommand).resolves({});
  });

  it('numbers each attempt, gives each its own execution id, and leaves an escaped keyword as the text it is', async () => {
    const received: Array<Record<string, string>> = [];
    let failures = 2;
    const driver = createSchedulerDriver({
      // A real client (the paginator checks its class); mockClient answers its sends.
      scheduler: new SchedulerClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } }),
      invoke: async (_arn, input) => {
        received.push(input as Record<string, string>);
        if (failures-- > 0) throw new Error('throttled');
        return { ok: true };
      },
    });
    const clock = { now: () => new Date('2026-12-05T12:16:00Z'), sleep: async () => undefined };
    const runs = [await driver.runDue(clock), await driver.runDue(clock), await driver.runDue(clock), await driver.runDue(clock)];
    // Failed twice (kept for Scheduler's retry), then delivered, then never again (deleted after completion).
    expect(runs.map((fired) => fired.map((f) => (f.error ? 'error' : 'ok')))).toEqual([['error'], ['error'], ['ok'], []]);
    expect(received.map((r) => r.attempt)).toEqual(['1', '2', '3']);
    expect(new Set(received.map((r) => r.execution)).size).toBe(3);
    for (const r of received) {
      expect(r.execution).toMatch(/^[0-9a-f]{16}$/);
      expect(r).toMatchObject({ arn: ARN, at: '2026-12-05T12:15:00Z', name: 'a <aws.scheduler.execution-id>' });
    }
    expect(scheduler.commandCalls(DeleteScheduleCommand)).toHaveLength(1);
  });
});
