// The event each handler is measured with: a realistic path through it, made once against the emulator before its
// per-event run. Alarm handlers: their own alarm's ALARM state change. escalate: an alarm state change that opens an
// incident. escalation-timer: the next tier's timer that escalate's recorded run left in Scheduler. verify-change, twice:
// on a healthy check (the one scale-consumers' recorded change left in Scheduler, the consumer healthy: its Lambda metrics
// put in the emulator first, missing data is never "healthy", decision 61) and on a revert (the check raise-lambda-memory's
// recorded change left, the same function now failing: verify-change records its intent, reverts the memory and completes,
// decision 85). watch-standby: in the DR region (its standby provisioned beside the primary, sandbox/provision-dr.ts), the
// replica's lag alarm with the replica 420 s behind.
import { randomBytes } from 'node:crypto';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { loadRuntimeConfig } from '../shared/config/load-config';
import { TIMER_HANDLER } from '../shared/escalation/deployment';
import { VERIFY_HANDLER } from '../shared/config/names';
import { buildAlarmStateChangeEvent } from '../sandbox/alarm-evaluator';
import { provisionDrAutomation, provisionDrStandby } from '../sandbox/provision-dr';
import { createSchedulerDriver } from '../sandbox/scheduler-driver';
import type { BenchAccount } from './bench-sandbox';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';

export const WATCH_STANDBY_HANDLER = 'watch-standby';
export const VERIFY_REVERT_SUBJECT = `${VERIFY_HANDLER} (revert)`;

/** What the bench measures per event: a handler on one path (a handler may be measured on several). */
export interface BenchSubject {
  /** The figures' name: the handler's, or "<handler> (<path>)" for a second path. */
  name: string;
  handler: string;
}

/** Subjects whose event another handler's recorded run leaves behind, which one, and the schedule (prefix, playbook). */
export const PATH_SOURCES: Readonly<Record<string, { after: string; schedulePrefix: string; playbook?: string }>> = {
  [TIMER_HANDLER]: { after: 'escalate', schedulePrefix: 'escalation-' },
  [VERIFY_HANDLER]: { after: 'scale-consumers', schedulePrefix: 'verify-', playbook: 'scale-consumers' },
  [VERIFY_REVERT_SUBJECT]: { after: 'raise-lambda-memory', schedulePrefix: 'verify-', playbook: 'raise-lambda-memory' },
};

/** The subjects of the given handlers: each handler once, verify-change a second time on a revert. */
export function benchSubjects(handlers: readonly string[]): BenchSubject[] {
  return handlers.flatMap((handler) => [
    { name: handler, handler },
    ...(handler === VERIFY_HANDLER ? [{ name: VERIFY_REVERT_SUBJECT, handler }] : []),
  ]);
}

/** Subjects in the order their events exist: one whose event another leaves behind comes after that one (healthy check before the revert). */
export function measuringOrder(subjects: readonly BenchSubject[]): BenchSubject[] {
  return [...subjects.filter((s) => !PATH_SOURCES[s.name]), ...subjects.filter((s) => PATH_SOURCES[s.name])];
}

/**
 * What each path must decide (the README's Benchmarks table, column "path"): `--check` fails on any other outcome, so a
 * path that stops doing its work (an event rejected, a healthy check that no longer judges) cannot pass on lower counts.
 * `reasonIncludes`: text the recorded reason must contain (the verdict, or the region the decision was made in).
 */
export interface ExpectedOutcome {
  outcome: string;
  reasonIncludes?: string[];
}

/** The expected outcome of every subject; watch-standby's names the DR region of `environment` (from the configuration). */
export function expectedOutcomes(drRegion: string, environment = 'production'): Readonly<Record<string, ExpectedOutcome>> {
  return {
    'alert-error-rate': { outcome: 'escalate' },
    'check-db-connections': { outcome: 'escalate' },
    escalate: { outcome: 'opened' },
    [TIMER_HANDLER]: { outcome: 'escalated', reasonIncludes: ['(L2) notified'] },
    'inspect-security-groups': { outcome: 'escalate' },
    'raise-lambda-memory': { outcome: 'applied' },
    'scale-consumers': { outcome: 'applied' },
    'scale-up-database': { outcome: 'escalate' },
    [VERIFY_HANDLER]: { outcome: 'skipped', reasonIncludes: ['verified healthy'] },
    [VERIFY_REVERT_SUBJECT]: { outcome: 'escalate', reasonIncludes: ['made things worse', 'reverted to the recorded value'] },
    [WATCH_STANDBY_HANDLER]: { outcome: 'escalate', reasonIncludes: [`DR standby of ${environment} in ${drRegion}:`] },
  };
}

/** The DR region of `environment` in the configuration the bench account runs with (watch-standby's expected region). */
export function drRegionOf(account: Pick<BenchAccount, 'env'>, environment: 'production' = 'production'): string {
  const { config } = loadRuntimeConfig(account.env);
  const region = Object.entries(config.environments[environment].regionRoles ?? {}).find(([, role]) => role === 'dr')?.[0];
  if (!region) throw new Error(`${environment} has no DR region in the configuration`);
  return region;
}

export interface BenchPath {
  event: unknown;
  /** Environment the handler runs with beside the account's (the DR region for watch-standby). */
  env?: Record<string, string>;
}

export interface BenchPaths {
  pathFor(subject: string): Promise<BenchPath>;
}

/**
 * The alarm events are made up front (so no handler's transition makes another's event stale); a scheduled event is
 * read when its subject's turn comes: the newest pending schedule of its kind (escalate's next tier, not its check; the
 * health check of the playbook named).
 */
export async function benchPaths(subjects: readonly BenchSubject[], account: BenchAccount): Promise<BenchPaths> {
  const handlers = new Set(subjects.map((s) => s.handler));
  const alarms = new Map<string, BenchPath>();
  for (const handler of handlers) {
    if (handler === WATCH_STANDBY_HANDLER) continue;
    const alarmName = account.topology.alarmNamesByHandler[handler]?.[0];
    if (!alarmName) continue;
    await realCondition(account, handler);
    alarms.set(handler, { event: await account.transition(alarmName, 'ALARM') });
  }
  const queueAlarm = account.topology.alarmNamesByHandler['scale-consumers']?.[0];
  if (handlers.has('escalate') && !alarms.has('scale-consumers')) await realCondition(account, 'scale-consumers');
  if (handlers.has('escalate')) alarms.set('escalate', alarms.get('scale-consumers') ?? { event: queueAlarm ? await account.transition(queueAlarm, 'ALARM') : undefined });
  if (handlers.has(WATCH_STANDBY_HANDLER)) alarms.set(WATCH_STANDBY_HANDLER, await laggingReplica(account));
  const driver = createSchedulerDriver({ scheduler: new SchedulerClient(account.clientConfig), invoke: async () => undefined });
  return {
    async pathFor(subject) {
      const source = PATH_SOURCES[subject];
      if (!source) return alarms.get(subject) ?? { event: undefined };
      if (subject === VERIFY_HANDLER) await consumerFigures(account, { Invocations: 500, Errors: 0, Throttles: 0 });
      // The same function after its memory was raised: 300 errors in 1000 invocations (30%), where 0 were before.
      if (subject === VERIFY_REVERT_SUBJECT) await consumerFigures(account, { Invocations: 500, Errors: 300, Throttles: 0 });
      const pending = (await driver.pending()).filter((s) => s.name.startsWith(source.schedulePrefix));
      // The escalation's next-tier timers (…-l2), not its alarm checks (…-check); the health check of the playbook named.
      const chosen = pending.filter((s) =>
        subject === TIMER_HANDLER ? /-l\d+$/.test(s.name) : !source.playbook || (s.input as { playbook?: unknown } | undefined)?.playbook === source.playbook,
      );
      return { event: chosen.sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime())[0]?.input };
    },
  };
}

/**
 * What the alarm of a changing row watches, as AWS would publish it, before its state change (decision 217: each playbook
 * reads it before a change): the queue's depth as SQS publishes it (filling moto's queue past 1000 costs O(depth) per
 * send), an out-of-memory line in the consumer's log group with the filter's count, five minutes of CPU over 70%.
 */
async function realCondition(account: BenchAccount, handler: string): Promise<void> {
  const cloudWatch = new CloudWatchClient(account.clientConfig);
  const now = Date.now();
  try {
    if (handler === 'scale-consumers') {
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/SQS',
          MetricData: [{ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: account.topology.queue.name }], Value: 1500, Unit: 'Count', Timestamp: new Date(now) }],
        }),
      );
    } else if (handler === 'raise-lambda-memory') {
      const logs = new CloudWatchLogsClient(account.clientConfig);
      const { logGroupName, namespace, metricName } = account.topology.oomMetricFilter;
      // Named as Lambda names the function's streams (YYYY/MM/DD/[$LATEST]<32 hex>): the playbook counts no other (decision 253).
      const logStreamName = `${new Date(now).toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
      try {
        await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
        await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: [{ timestamp: now - 1000, message: OUT_OF_MEMORY_LINE }] }));
      } finally {
        logs.destroy();
      }
      await cloudWatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: metricName, Value: 1, Unit: 'Count', Timestamp: new Date(now) }] }));
      // The kill as AWS counts it: one AWS/Lambda Error of the consumer (the raise requires it, decision 253).
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Lambda',
          MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }], Value: 1, Unit: 'Count', Timestamp: new Date(now) }],
        }),
      );
    } else if (handler === 'scale-up-database') {
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/RDS',
          MetricData: [74.5, 79.3, 84.7, 86.1, 88.4].map((Value, i) => ({
            MetricName: 'CPUUtilization',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: account.topology.database.identifier }],
            Value,
            Unit: 'Percent' as const,
            Timestamp: new Date(now - (4 - i) * 60_000),
          })),
        }),
      );
    }
  } finally {
    cloudWatch.destroy();
  }
}

/** What Lambda writes when a function runs out of its MemorySize. */
const OUT_OF_MEMORY_LINE =
  'REPORT RequestId: 3f2c9a1e-7b4d-4c2a-9e1f-0a5b6c7d8e9f\tDuration: 1200.00 ms\tBilled Duration: 1201 ms\tMemory Size: 512 MB\tMax Memory Used: 512 MB\tStatus: error\tError Type: Runtime.OutOfMemory\t\n';

/** The consumer's AWS/Lambda figures this minute (both changing playbooks act on it: scale-consumers, raise-lambda-memory). */
async function consumerFigures(account: BenchAccount, figures: { Invocations: number; Errors: number; Throttles: number }): Promise<void> {
  const dimensions = [{ Name: 'FunctionName', Value: account.topology.consumer.functionName }];
  const now = new Date();
  await new CloudWatchClient(account.clientConfig).send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: Object.entries(figures).map(([MetricName, Value]) => ({ MetricName, Dimensions: dimensions, Timestamp: now, Value, Unit: 'Count' as const })),
    }),
  );
}

/**
 * The DR region's standby beside the bench account's primary (sandbox/provision-dr.ts, as the watch-standby integration
 * test provisions it), the replica 380-420 s behind (AWS/RDS ReplicaLag), and the event of its lag alarm going to ALARM.
 */
async function laggingReplica(account: BenchAccount): Promise<BenchPath> {
  const { config } = loadRuntimeConfig(account.env);
  const standby = await provisionDrStandby({ clientConfig: account.clientConfig, config, environment: 'production', primary: account.topology });
  const dr = await provisionDrAutomation({ clientConfig: account.clientConfig, config, environment: 'production', standby });
  const at = { ...account.clientConfig, region: standby.drRegion };
  const alarmName = dr.alarms.find((a) => a.name.includes('Replica Lag'))?.name;
  if (!alarmName) throw new Error(`the DR region has no replica lag alarm: ${dr.alarms.map((a) => a.name).join(', ')}`);
  const cloudWatch = new CloudWatchClient(at);
  try {
    const now = Date.now();
    await cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [380, 400, 420].map((Value, i) => ({
          MetricName: 'ReplicaLag',
          Value,
          Unit: 'Seconds' as const,
          Timestamp: new Date(now - (2 - i) * 60_000),
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.replica.identifier }],
        })),
      }),
    );
    const before = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0] as MetricAlarm;
    const reason = `Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (${String(before.Threshold)})`;
    const reasonData = JSON.stringify({ version: '1.0', queryDate: new Date().toISOString(), statistic: 'Maximum', period: 60, recentDatapoints: [380, 400, 420], threshold: before.Threshold });
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: reason, StateReasonData: reasonData }));
    const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0] as MetricAlarm;
    const event = buildAlarmStateChangeEvent({
      alarm,
      account: account.accountId,
      region: standby.drRegion,
      previous: { value: before.StateValue ?? 'INSUFFICIENT_DATA', reason: before.StateReason ?? '', timestamp: stateChangedAt(before) ?? new Date() },
      current: { value: 'ALARM', reason, reasonData, timestamp: stateChangedAt(alarm) ?? new Date() },
    });
    // The handler runs as the DR region's function does.
    return { event, env: { AWS_REGION: standby.drRegion, AWS_DEFAULT_REGION: standby.drRegion } };
  } finally {
    cloudWatch.destroy();
  }
}
