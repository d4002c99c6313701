// A Scheduler driver for one handler's schedule group in a sandbox account: due schedules run that handler, and a
// schedule that targets any other function fails the test (the group is that handler's alone).
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { handlerOfFunctionArn } from '../../../shared/escalation/deployment';
import { createSchedulerDriver, type SchedulerDriver } from '../../../sandbox/scheduler-driver';
import type { SandboxAccount } from './sandbox-account';

export type ScheduledHandler = 'verify-change' | 'escalation-timer';

export function handlerScheduleDriver(account: SandboxAccount, handler: ScheduledHandler, run: (input: unknown) => Promise<unknown>): SchedulerDriver {
  const group = handler === 'verify-change' ? account.topology.verifyScheduleGroup : account.topology.escalationScheduleGroup;
  return createSchedulerDriver({
    scheduler: new SchedulerClient(account.clientConfig),
    groupName: group.name,
    invoke: (arn, input) => {
      if (handlerOfFunctionArn(arn) !== handler) throw new Error(`unexpected schedule target ${arn}`);
      return run(input);
    },
  });
}
