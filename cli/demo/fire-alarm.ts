// Demo helper: plays CloudWatch for one alarm (SetAlarmState, then the state-change event on the default bus) and waits for its handler.
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Decision } from '../../shared/pipeline/types';
import { buildAlarmStateChangeEvent } from '../../sandbox/alarm-evaluator';
import type { SandboxClientConfig } from '../../sandbox/provision';
import type { DemoContext } from './context';
import { stateChangedAt } from '../../shared/aws/alarm-state-reader';

export interface FiredAlarm {
  alarmName: string;
  from: string;
  to: 'ALARM' | 'OK';
}

/** How many times the event router is polled for the handler's decision; EventBridge -> SQS is immediate in the emulator. */
const MAX_POLLS = 20;
const POLL_INTERVAL_MS = 100;

async function describe(cloudWatch: CloudWatchClient, alarmName: string): Promise<MetricAlarm> {
  const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm'] }))).MetricAlarms?.[0];
  if (!alarm) throw new Error(`the sandbox has no alarm "${alarmName}"`);
  return alarm;
}

/** Another region of the sandbox's account than the primary topology's (the DR region's standby alarms). */
export interface AlarmRegion {
  region: string;
  clientConfig: SandboxClientConfig;
}

/**
 * The alarm changes state as CloudWatch would change it (moto never evaluates alarms) and its "CloudWatch Alarm State
 * Change" event goes on the default bus (of `inRegion`'s region when given), so it reaches the handler through the real
 * EventBridge rule and queue.
 */
export async function fireAlarm(
  ctx: DemoContext,
  alarmName: string,
  to: 'ALARM' | 'OK',
  reason: string,
  reasonData: Record<string, unknown>,
  inRegion?: AlarmRegion,
): Promise<FiredAlarm> {
  const { topology } = ctx.session;
  const clientConfig = inRegion?.clientConfig ?? ctx.session.clientConfig;
  const cloudWatch = new CloudWatchClient(clientConfig);
  const eventBridge = new EventBridgeClient(clientConfig);
  try {
    const before = await describe(cloudWatch, alarmName);
    const reasonDataJson = JSON.stringify(reasonData);
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: to, StateReason: reason, StateReasonData: reasonDataJson }));
    const after = await describe(cloudWatch, alarmName);
    // As CloudWatch stamps its event: the instant the value changed, StateTransitionedTimestamp where answered.
    const updatedAt = stateChangedAt(after) ?? new Date();
    const event = buildAlarmStateChangeEvent({
      alarm: after,
      account: topology.accountId,
      region: inRegion?.region ?? topology.region,
      previous: {
        value: before.StateValue ?? 'INSUFFICIENT_DATA',
        reason: before.StateReason ?? '',
        ...(before.StateReasonData !== undefined ? { reasonData: before.StateReasonData } : {}),
        timestamp: stateChangedAt(before) ?? updatedAt,
      },
      current: { value: to, reason, reasonData: reasonDataJson, timestamp: updatedAt },
    }) as { source: string; 'detail-type': string; resources: string[]; detail: unknown };
    const put = await eventBridge.send(
      new PutEventsCommand({
        Entries: [{ Source: event.source, DetailType: event['detail-type'], Resources: event.resources, Detail: JSON.stringify(event.detail), Time: updatedAt }],
      }),
    );
    if ((put.FailedEntryCount ?? 0) > 0) throw new Error(`EventBridge refused the state change of "${alarmName}": ${put.Entries?.[0]?.ErrorMessage ?? '?'}`);
    const from = before.StateValue ?? 'INSUFFICIENT_DATA';
    ctx.timeline.alarm(alarmName, from, to);
    return { alarmName, from, to };
  } finally {
    cloudWatch.destroy();
    eventBridge.destroy();
  }
}

/** Polls the event router until `handler` has decided (printing every routed outcome); undefined if it never did. */
export async function awaitDecision(ctx: DemoContext, handler: string): Promise<{ decision?: Decision; failures: number }> {
  let failures = 0;
  for (let poll = 0; poll < MAX_POLLS; poll += 1) {
    const results = await ctx.router.pollOnce();
    failures += results.filter((r) => r.error).length;
    const decision = ctx.report(results).find((d) => d.playbook === handler);
    if (decision) return { decision, failures };
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return { failures };
}

/** The alarm a handler's rule routes, by handler name. */
export function alarmOf(ctx: DemoContext, handler: string): string {
  const name = ctx.session.topology.alarmNamesByHandler[handler]?.[0];
  if (!name) throw new Error(`the sandbox routes no alarm to ${handler}`);
  return name;
}

/** Prints a decision's findings and manual runbook under its line. */
export function printDetails(ctx: DemoContext, decision: Decision | undefined): void {
  for (const finding of decision?.findings ?? []) ctx.line(`        - ${finding}`);
  const runbook = decision?.runbook;
  if (runbook) {
    const parameters = Object.entries(runbook.parameters).map(([name, values]) => `${name}=${values.join(',')}`).join(' ');
    ctx.line(`        runbook: ${runbook.documentName} ${parameters}`);
  }
}
