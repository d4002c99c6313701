// Demo scenario, High Latency (p99 > 500 ms) -> check DB connections: the database runs out of connections, the handler
// names it with the figures, and scale-consumers then declines to add consumers (more consumers, more connections).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { effectiveMaxConnections } from '../../../shared/rds/effective-max-connections';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'check-db-connections';
const P99_MS = [620, 840, 1250];
/** Connections as a share of max_connections, minute by minute: a connection leak filling the pool. */
const CONNECTION_SHARE = [0.62, 0.74, 0.81, 0.86];
const CPU_PERCENT = [31, 35, 38, 41];

export const highLatencyScenario: DemoScenario = {
  name: 'high-latency',
  title: 'High Latency (p99 > 500 ms) -> check DB connections',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const db = topology.database;
    const cloudWatch = new CloudWatchClient(clientConfig);
    const lambda = new LambdaClient(clientConfig);
    const escalationFailuresBefore = ctx.escalation.failures();
    const maximumConcurrency = async (): Promise<number | undefined> =>
      (await lambda.send(new GetEventSourceMappingCommand({ UUID: topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;
    try {
      const max = effectiveMaxConnections({ engine: 'postgres', instanceClass: db.instanceClass }).value ?? 1000;
      const connections = CONNECTION_SHARE.map((share) => Math.round(share * max));
      // What RDS publishes every minute, the last four minutes.
      const now = Date.now();
      const on = [{ Name: 'DBInstanceIdentifier', Value: db.identifier }];
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/RDS',
          MetricData: connections.flatMap((value, i) => {
            const Timestamp = new Date(now - (connections.length - 1 - i) * 60_000);
            return [
              { MetricName: 'DatabaseConnections', Dimensions: on, Value: value, Unit: 'Count' as const, Timestamp },
              { MetricName: 'CPUUtilization', Dimensions: on, Value: CPU_PERCENT[i] ?? 40, Unit: 'Percent' as const, Timestamp },
              { MetricName: 'FreeableMemory', Dimensions: on, Value: (6 - i) * 1024 ** 3, Unit: 'Bytes' as const, Timestamp },
              { MetricName: 'ReadLatency', Dimensions: on, Value: 0.002 + i * 0.003, Unit: 'Seconds' as const, Timestamp },
              { MetricName: 'WriteLatency', Dimensions: on, Value: 0.003 + i * 0.004, Unit: 'Seconds' as const, Timestamp },
            ];
          }),
        }),
      );
      ctx.line(`  ${db.identifier} (${db.instanceClass}): DatabaseConnections ${connections.join(' -> ')} over four minutes, CPU ${CPU_PERCENT.join('% -> ')}%`);
      ctx.timeline.chart({ label: 'DatabaseConnections', unit: 'connections' }, { label: 'max_connections', unit: 'connections', sharesMetricAxis: true });
      connections.forEach((value, i) => ctx.timeline.sample({ metric: value, resource: max }, now - (connections.length - 1 - i) * 60_000));

      const alarmName = alarmOf(ctx, HANDLER);
      const fired = await fireAlarm(ctx, alarmName, 'ALARM', `Threshold Crossed: 3 out of the last 5 datapoints [${P99_MS.join('.0, ')}.0] were greater than the threshold (500.0) (minimum 3 datapoints for OK -> ALARM transition).`, {
        version: '1.0',
        statistic: 'p99',
        period: 60,
        recentDatapoints: P99_MS,
        threshold: 500.0,
      });
      ctx.line(`  alarm "${alarmName}": ${fired.from} -> ${fired.to} (p99 ${P99_MS.join(', ')} ms)`);
      const check = await awaitDecision(ctx, HANDLER);
      printDetails(ctx, check.decision);
      // Each escalation goes to the path as deployed: its own incident, the first tier paged.
      const checkPage = check.decision?.outcome === 'escalate' ? await ctx.page() : undefined;

      // The backlog alarm fires while the database is saturated: more consumers would only open more connections.
      const before = await maximumConcurrency();
      const queueAlarm = alarmOf(ctx, 'scale-consumers');
      const queueFired = await fireAlarm(ctx, queueAlarm, 'ALARM', 'Threshold Crossed: 1 out of the last 1 datapoints [1500.0] was greater than the threshold (1000.0) (minimum 1 datapoint for OK -> ALARM transition).', {
        version: '1.0',
        statistic: 'Maximum',
        period: 60,
        recentDatapoints: [1500.0],
        threshold: 1000.0,
      });
      ctx.line(`  alarm "${queueAlarm}": ${queueFired.from} -> ${queueFired.to} (1500 messages waiting)`);
      const scale = await awaitDecision(ctx, 'scale-consumers');
      printDetails(ctx, scale.decision);
      const scalePage = scale.decision?.outcome === 'escalate' ? await ctx.page() : undefined;
      const after = await maximumConcurrency();
      const cleared = await fireAlarm(ctx, queueAlarm, 'OK', 'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was not greater than the threshold (1000.0) (minimum 1 datapoint for ALARM -> OK transition).', {
        version: '1.0',
        statistic: 'Maximum',
        period: 60,
        recentDatapoints: [0.0],
        threshold: 1000.0,
      });
      ctx.line(`  alarm "${queueAlarm}": ${cleared.from} -> ${cleared.to}`);
      const restore = await awaitDecision(ctx, 'scale-consumers');
      const latencyCleared = await fireAlarm(ctx, alarmName, 'OK', 'Threshold Crossed: 5 out of the last 5 datapoints [210.0, 190.0, 180.0, 175.0, 170.0] were not greater than the threshold (500.0) (minimum 5 datapoints for ALARM -> OK transition).', {
        version: '1.0',
        statistic: 'p99',
        period: 60,
        recentDatapoints: [210.0, 190.0, 180.0, 175.0, 170.0],
        threshold: 500.0,
      });
      ctx.line(`  alarm "${alarmName}": ${latencyCleared.from} -> ${latencyCleared.to}`);
      const checkOk = await awaitDecision(ctx, HANDLER);
      const opened = [checkPage?.incidentId, scalePage?.incidentId].filter((id): id is string => id !== undefined);
      const settled = await ctx.settle(opened);
      // The first tier's page of the diagnosis names the cause as the decision does.
      const told = checkPage?.firstTier.some((m) => m.message.includes('connection saturation')) ?? false;
      const paged = checkPage?.paged === true && scalePage?.paged === true && opened.length === 2 && opened[0] !== opened[1];

      const diagnosed = check.decision?.outcome === 'escalate' && check.decision.escalation?.cause === 'diagnosis' && check.decision.reason.includes('connection saturation');
      const heldBack = scale.decision?.outcome === 'escalate' && scale.decision.escalation?.cause === 'cross-playbook' && after === before;
      const escalationFailures = checkOk.failures + ctx.escalation.failures() - escalationFailuresBefore;
      const ok = diagnosed && heldBack && paged && told && settled.settled && check.failures + scale.failures + restore.failures + escalationFailures === 0;
      return {
        ok,
        summary: [
          `database diagnosis            ${check.decision?.reason.replace(/^likely cause: /, '') ?? 'none'}`,
          `consumers MaximumConcurrency  ${before ?? '?'} -> ${after ?? '?'} (${scale.decision ? `${scale.decision.outcome}${scale.decision.escalation ? `: ${scale.decision.escalation.cause}` : ''}` : 'no decision'})`,
          `paged                         ${checkPage?.incidentId ?? '(none)'} (the diagnosis${told ? ', naming connection saturation' : ', NOT naming connection saturation'}) and ${scalePage?.incidentId ?? '(none)'} (scale-consumers held back): ${ctx.firstTier.name} ${paged ? 'told of each' : 'NOT told of each'}`,
          `settled                       ${settled.text}`,
          ok
            ? 'the database was named as the cause with its figures, and scale-consumers held back instead of adding connections'
            : 'the scenario did not complete as expected (see above)',
        ],
      };
    } finally {
      cloudWatch.destroy();
      lambda.destroy();
    }
  },
};
