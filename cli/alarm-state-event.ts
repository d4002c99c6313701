// The alarm state change event CloudWatch would send for an alarm's current state, built from DescribeAlarms: what
// `runbook plan --alarm` previews and `runbook invoke --alarm` hands a handler (review 23a R23a-3: the event file the
// README's example named was AWS's EC2 sample, refused by every environment; an alarm's name is what on call has).
import { readFileSync } from 'node:fs';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';
import { clientConfig } from '../shared/aws/client-config';
import { alarmSpecs } from '../shared/config/alarm-specs';
import type { RuntimeConfig } from '../shared/config/load-config';
import { InvalidInputError } from '../shared/errors';
import { buildAlarmStateChangeEvent } from '../sandbox/alarm-evaluator';

/** The event CloudWatch would send for the alarm's current state; an unknown name lists the environment's alarms. */
export async function eventForAlarm(alarmName: string, runtime: Pick<RuntimeConfig, 'region' | 'config' | 'environment'>, verb: string): Promise<unknown> {
  const { region } = runtime;
  const cloudWatch = new CloudWatchClient(clientConfig({ region }));
  const described = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm'] }));
  const alarm = described.MetricAlarms?.[0];
  if (!alarm) {
    const names = alarmSpecs(runtime.config, runtime.environment, region).map((a) => a.name);
    throw new InvalidInputError(`no metric alarm named "${alarmName}" in ${region}; ${runtime.environment}'s alarms there (runbook list shows them too):`, names);
  }
  const identity = await new STSClient(clientConfig({ region })).send(new GetCallerIdentityCommand({}));
  // The state change's own time: StateUpdatedTimestamp also moves with an EvaluationState-only update (decision 154).
  const timestamp = stateChangedAt(alarm) ?? new Date();
  return buildAlarmStateChangeEvent({
    alarm,
    account: identity.Account ?? alarm.AlarmArn?.split(':')[4] ?? '',
    region,
    previous: { value: 'OK', reason: `unknown (reconstructed by runbook ${verb})`, timestamp },
    current: { value: alarm.StateValue ?? 'INSUFFICIENT_DATA', reason: alarm.StateReason ?? '', reasonData: alarm.StateReasonData ?? '{}', timestamp },
  });
}

/**
 * An event file (`-`: standard input) as `plan --event` and `invoke --event` take it: JSON when it parses, else the text
 * itself, which the handler's parser then rejects with the reason, exactly as Lambda would see it. A file that cannot be
 * read is `{ unreadable }`: a path mistake is usage, not an AWS failure.
 */
export function readEventFile(path: string): { event: unknown } | { unreadable: string } {
  let raw: string;
  try {
    raw = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    return { unreadable: `cannot read event file ${path}: ${(error as Error).message}` };
  }
  try {
    return { event: JSON.parse(raw) as unknown };
  } catch {
    return { event: raw };
  }
}
