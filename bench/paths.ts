// The event each handler is measured with: a realistic path through it, made once against the emulator before its
// per-event run. Alarm handlers: their own alarm's ALARM state change. escalate: an alarm state change that opens an
// incident. escalation-timer: the next tier's timer that escalate's recorded run left in Scheduler. verify-change: the
// health check scale-consumers' recorded change left in Scheduler, on a healthy consumer (its Lambda metrics put in the
// emulator first: missing data is never "healthy", decision 61).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { TIMER_HANDLER } from '../shared/escalation/deployment';
import { VERIFY_HANDLER } from '../shared/config/names';
import { createSchedulerDriver } from '../sandbox/scheduler-driver';
import type { BenchAccount } from './bench-sandbox';

/** Handlers whose event another handler's recorded run leaves behind, and which one: measured after it. */
export const PATH_SOURCES: Readonly<Record<string, { after: string; schedulePrefix: string }>> = {
  [TIMER_HANDLER]: { after: 'escalate', schedulePrefix: 'escalation-' },
  [VERIFY_HANDLER]: { after: 'scale-consumers', schedulePrefix: 'verify-' },
};

/** Handlers in the order their events exist: a handler whose event another leaves behind comes after that one. */
export function measuringOrder(handlers: readonly string[]): string[] {
  const first = handlers.filter((h) => !PATH_SOURCES[h]);
  return [...first, ...handlers.filter((h) => PATH_SOURCES[h])];
}

export interface BenchPaths {
  eventFor(handler: string): Promise<unknown>;
}

/**
 * The alarm events are made up front (so no handler's transition makes another's event stale); a scheduled event is
 * read when its handler's turn comes: the newest pending schedule of its kind (escalate's next tier, not its check).
 */
export async function benchPaths(handlers: readonly string[], account: BenchAccount): Promise<BenchPaths> {
  const alarms = new Map<string, unknown>();
  for (const handler of handlers) {
    const alarmName = account.topology.alarmNamesByHandler[handler]?.[0];
    if (alarmName) alarms.set(handler, await account.transition(alarmName, 'ALARM'));
  }
  const queueAlarm = account.topology.alarmNamesByHandler['scale-consumers']?.[0];
  if (handlers.includes('escalate')) alarms.set('escalate', alarms.get('scale-consumers') ?? (queueAlarm ? await account.transition(queueAlarm, 'ALARM') : undefined));
  const driver = createSchedulerDriver({ scheduler: new SchedulerClient(account.clientConfig), invoke: async () => undefined });
  return {
    async eventFor(handler) {
      const source = PATH_SOURCES[handler];
      if (!source) return alarms.get(handler);
      if (handler === VERIFY_HANDLER) await healthyConsumer(account);
      const pending = (await driver.pending()).filter((s) => s.name.startsWith(source.schedulePrefix));
      // The escalation's next-tier timers (…-l2), not its alarm checks (…-check).
      const chosen = handler === TIMER_HANDLER ? pending.filter((s) => /-l\d+$/.test(s.name)) : pending;
      return chosen.sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime())[0]?.input;
    },
  };
}

/** The consumer after the change: invoked, no errors, no throttles (AWS/Lambda, this minute). */
async function healthyConsumer(account: BenchAccount): Promise<void> {
  const dimensions = [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }];
  const now = new Date();
  await new CloudWatchClient(account.clientConfig).send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: [
        { MetricName: 'Invocations', Dimensions: dimensions, Timestamp: now, Value: 500, Unit: 'Count' },
        { MetricName: 'Errors', Dimensions: dimensions, Timestamp: now, Value: 0, Unit: 'Count' },
        { MetricName: 'Throttles', Dimensions: dimensions, Timestamp: now, Value: 0, Unit: 'Count' },
      ],
    }),
  );
}
