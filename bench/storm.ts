// The event storm: 10,000 alarm events, 95% duplicates, alarms flapping, through the real scale-consumers bundle against the emulator.
import { fork } from 'node:child_process';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { provisionBenchAccount, type BenchSandbox } from './bench-sandbox';
import { root } from './bundles';
import type { DeliveryRecord } from './storm-worker';

export const STORM_HANDLER = 'scale-consumers';

export interface StormLane {
  queueName: string;
  alarmName: string;
  mappingUuid: string;
}

export interface StormPlan {
  lanes: number;
  /** Alarm state changes per lane, alternating ALARM/OK: the unique incidents. */
  flapsPerLane: number;
  /** Deliveries of each state change (the first and its duplicates). */
  copiesPerIncident: number;
}

export interface StormResult {
  events: number;
  uniqueIncidents: number;
  duplicates: number;
  seconds: number;
  eventsPerSecond: number;
  /** Changes the pipeline reported (applied decisions). */
  appliedDecisions: number;
  /** Changes the emulator received (UpdateEventSourceMapping calls that reached it). */
  changesInEmulator: number;
  outcomes: Record<string, number>;
  redeliveries: number;
  peakRssMb: number;
  rssAfterImportMb: number;
  finalMaximumConcurrency: number[];
  /** Every delivery's decision (or its errors), per lane, flap and copy. */
  deliveries: DeliveryRecord[];
  lanes: StormLane[];
  accountId: string;
}

interface WorkerReply {
  ok: boolean;
  error?: string;
  events?: number;
  seconds?: number;
  outcomes?: Record<string, number>;
  redeliveries?: number;
  peakRssKb?: number;
  rssAfterImportKb?: number;
  deliveries?: DeliveryRecord[];
}

/**
 * One account whose guardrails let every incident act (cooldown 0, the most changes per hour the schema allows) and
 * whose consumer function is fed by `lanes` queues, each with its own mapping and queue-depth alarm: one resource per
 * lane, so each flap is an incident entitled to exactly one change.
 */
async function prepareStormAccount(sandbox: BenchSandbox, lanes: number) {
  const queueNames = Array.from({ length: lanes }, (_, i) => (i === 0 ? 'notification-service-queue' : `notification-service-queue-storm-${i}`));
  const overrides = { environments: { production: { guardrails: { cooldownSeconds: 0, maxChangesPerHour: 100 }, resources: { queues: queueNames } } } };
  const account = await provisionBenchAccount(sandbox, 'production', { RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });
  const cloudWatch = new CloudWatchClient(account.clientConfig);
  const lambda = new LambdaClient(account.clientConfig);
  const sqs = new SQSClient(account.clientConfig);
  const mainAlarmName = account.topology.alarmNamesByHandler[STORM_HANDLER]?.[0] ?? '';
  const mainAlarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [mainAlarmName] }))).MetricAlarms?.[0];
  if (!mainAlarm) throw new Error(`storm: no alarm ${mainAlarmName}`);
  const result: StormLane[] = [{ queueName: queueNames[0] ?? '', alarmName: mainAlarmName, mappingUuid: account.topology.consumer.mappingUuid }];
  for (const queueName of queueNames.slice(1)) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    // No message is ever sent to these queues, so moto never tries to run the consumer for the enabled mapping.
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: account.topology.consumer.functionName,
        EventSourceArn: arn,
        BatchSize: account.topology.consumer.batchSize,
        ScalingConfig: { MaximumConcurrency: account.topology.consumer.maximumConcurrency },
        Enabled: true,
      }),
    );
    // The configuration lists every lane's queue, so each has its own configured depth alarm: an alarm the handler does
    // not watch is refused before anything is read (decision 184), and would make no change to count.
    const alarmName = mainAlarmName.replace(`(${queueNames[0] ?? ''})`, `(${queueName})`);
    if (alarmName === mainAlarmName) throw new Error(`storm: the depth alarm's name "${mainAlarmName}" does not name its queue`);
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: mainAlarm.Namespace,
        MetricName: mainAlarm.MetricName,
        Dimensions: [{ Name: 'QueueName', Value: queueName }],
        Statistic: mainAlarm.Statistic,
        Period: mainAlarm.Period,
        EvaluationPeriods: mainAlarm.EvaluationPeriods,
        Threshold: mainAlarm.Threshold,
        ComparisonOperator: mainAlarm.ComparisonOperator,
      }),
    );
    result.push({ queueName, alarmName, mappingUuid: mapping.UUID ?? '' });
  }
  return { account, lanes: result, lambda };
}

export async function runStorm(sandbox: BenchSandbox, plan: StormPlan): Promise<StormResult> {
  const { account, lanes } = await prepareStormAccount(sandbox, plan.lanes);
  const callsBefore = sandbox.proxy.calls.length;
  const child = fork(join(root, 'bench', 'storm-worker.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...account.env },
    // STORM_LOG=<file>: the handler's own log lines (decisions, the errors it retried on) appended there, to diagnose a run.
    stdio: ['ignore', process.env.STORM_LOG ? 'pipe' : 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  if (process.env.STORM_LOG) {
    const { createWriteStream } = await import('node:fs');
    const log = createWriteStream(process.env.STORM_LOG, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = await new Promise<WorkerReply>((resolve, reject) => {
    child.once('message', (message) => resolve(message as WorkerReply));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`storm worker exited with ${code}: ${stderr}`)));
    child.send({
      bundle: join(root, 'dist', 'handlers', STORM_HANDLER, 'index.mjs'),
      lanes,
      flapsPerLane: plan.flapsPerLane,
      copiesPerIncident: plan.copiesPerIncident,
      account: account.accountId,
      region: account.clientConfig.region,
    });
  });
  await exited;
  if (!reply.ok) throw new Error(`storm worker failed: ${reply.error ?? '?'}\n${stderr}`);

  const changesInEmulator = sandbox.proxy.calls
    .slice(callsBefore)
    .filter((c) => c.accountId === account.accountId && c.service === 'lambda' && c.operation === 'UpdateEventSourceMapping').length;
  const lambda = new LambdaClient(account.clientConfig);
  const { GetEventSourceMappingCommand } = await import('@aws-sdk/client-lambda');
  const finalMaximumConcurrency: number[] = [];
  for (const lane of lanes) {
    finalMaximumConcurrency.push((await lambda.send(new GetEventSourceMappingCommand({ UUID: lane.mappingUuid }))).ScalingConfig?.MaximumConcurrency ?? 0);
  }
  const events = reply.events ?? 0;
  const uniqueIncidents = plan.lanes * plan.flapsPerLane;
  const seconds = reply.seconds ?? 0;
  return {
    events,
    uniqueIncidents,
    duplicates: events - uniqueIncidents,
    seconds,
    eventsPerSecond: seconds > 0 ? events / seconds : 0,
    appliedDecisions: reply.outcomes?.applied ?? 0,
    changesInEmulator,
    outcomes: reply.outcomes ?? {},
    redeliveries: reply.redeliveries ?? 0,
    peakRssMb: (reply.peakRssKb ?? 0) / 1024,
    rssAfterImportMb: (reply.rssAfterImportKb ?? 0) / 1024,
    finalMaximumConcurrency,
    deliveries: reply.deliveries ?? [],
    lanes,
    accountId: account.accountId,
  };
}

/** One incident of the storm (a lane's flap) and what every delivery of it decided. */
export interface StormIncident {
  lane: number;
  flap: number;
  state: 'ALARM' | 'OK';
  queueName: string;
  /** Deliveries that ended applied: exactly one is the product's promise (one change per incident). */
  applied: number;
  deliveries: DeliveryRecord[];
}

/** Groups the deliveries by the incident their copy carries (a late duplicate counts for the flap it repeats). */
export function stormIncidents(deliveries: readonly DeliveryRecord[], lanes: readonly Pick<StormLane, 'queueName'>[], flapsPerLane: number): StormIncident[] {
  const incidents: StormIncident[] = [];
  lanes.forEach((lane, laneIndex) => {
    for (let flap = 0; flap < flapsPerLane; flap += 1) {
      const own = deliveries.filter((d) => d.lane === laneIndex && d.ofFlap === flap).sort((a, b) => a.flap - b.flap || a.copy - b.copy);
      incidents.push({ lane: laneIndex, flap, state: flap % 2 === 0 ? 'ALARM' : 'OK', queueName: lane.queueName, applied: own.filter((d) => d.outcome === 'applied').length, deliveries: own });
    }
  });
  return incidents;
}

/** One line per incident that did not end in exactly one applied decision, with what each of its deliveries recorded. */
export function stormIncidentProblems(incidents: readonly StormIncident[]): string[] {
  return incidents.filter((incident) => incident.applied !== 1).map(describeIncident);
}

export function describeIncident(incident: StormIncident): string {
  const copies = incident.deliveries.map(
    (d) =>
      `copy ${d.copy}${d.flap !== incident.flap ? ' (late, with the next flap)' : ''}: ${d.outcome}${d.reason ? `: ${d.reason}` : ''}` +
      (d.errors.length ? ` [after ${d.errors.length} failed attempt${d.errors.length === 1 ? '' : 's'}: ${d.errors.join(' | ')}]` : ''),
  );
  return (
    `lane ${incident.lane} (${incident.queueName}) flap ${incident.flap} (${incident.state}): ${incident.applied} applied decision${incident.applied === 1 ? '' : 's'} ` +
    `of ${incident.deliveries.length} deliveries; ${copies.join('; ') || 'no delivery recorded'}`
  );
}
