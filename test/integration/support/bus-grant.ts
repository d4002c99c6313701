// Integration-test support: the operations bus's policy as the preflight tests plant faults in it and put it back.
import { DescribeEventBusCommand, PutPermissionCommand, RemovePermissionCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { forwardedAlarmsSid, forwardedAlarmsStatement } from '../../../infra/lib/iam/bus-policy';

/**
 * The planted fault: the workload's ForwardedAlarms grant replaced by infra's statement for `otherAccount`. Asserts the
 * emulator holds it (the other account's root named, the workload's not) before the caller runs preflight.
 */
export async function grantForwardedAlarmsToAnother(events: EventBridgeClient, opts: { busName: string; busArn: string; workloadAccount: string; otherAccount: string }): Promise<void> {
  await events.send(new RemovePermissionCommand({ EventBusName: opts.busName, StatementId: forwardedAlarmsSid(opts.workloadAccount) }));
  await events.send(
    new PutPermissionCommand({ EventBusName: opts.busName, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [forwardedAlarmsStatement('aws', opts.otherAccount, opts.busArn)] }) }),
  );
  const held = (await events.send(new DescribeEventBusCommand({ Name: opts.busName }))).Policy ?? '';
  expect(held).toContain(`arn:aws:iam::${opts.otherAccount}:root`);
  expect(held).not.toContain(`arn:aws:iam::${opts.workloadAccount}:root`);
}

/** Puts the deployed policy back whole. */
export async function restoreBusPolicy(events: EventBridgeClient, busName: string, policy: unknown): Promise<void> {
  await events.send(new RemovePermissionCommand({ EventBusName: busName, RemoveAllPermissions: true }));
  await events.send(new PutPermissionCommand({ EventBusName: busName, Policy: JSON.stringify(policy) }));
}
