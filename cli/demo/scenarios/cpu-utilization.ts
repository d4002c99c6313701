// Demo scenario, CPU Utilization > 70% -> scale up the database: automatic in staging, behind approval in production, reported in development.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { instanceClassMemoryGiB } from '../../../shared/rds/instance-class-memory';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'scale-up-database';
const CPU_PERCENT = [74.5, 79.3, 84.7, 86.1, 88.4];

export const cpuUtilizationScenario: DemoScenario = {
  name: 'cpu-utilization',
  title: 'CPU Utilization (> 70%) -> scale up the database',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const id = topology.database.identifier;
    const rds = new RDSClient(clientConfig);
    const cloudWatch = new CloudWatchClient(clientConfig);
    try {
      const instanceClass = async (): Promise<string | undefined> =>
        (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.DBInstanceClass;
      const before = await instanceClass();
      ctx.line(`  database ${id}: ${before}`);
      ctx.timeline.chart({ label: 'CPUUtilization', unit: '%' }, { label: 'instance class memory', unit: 'GiB' });
      // What RDS publishes every minute while the notification backlog hammers the database: the last five minutes.
      const now = Date.now();
      const minuteOf = (i: number): number => now - (CPU_PERCENT.length - 1 - i) * 60_000;
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/RDS',
          MetricData: CPU_PERCENT.map((value, i) => ({
            MetricName: 'CPUUtilization',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: id }],
            Value: value,
            Unit: 'Percent',
            Timestamp: new Date(minuteOf(i)),
          })),
        }),
      );
      CPU_PERCENT.forEach((value, i) => ctx.timeline.sample({ metric: value, ...(i === 0 && before ? { resource: instanceClassMemoryGiB(before) } : {}) }, minuteOf(i)));
      ctx.line(`  CPUUtilization over five minutes: ${CPU_PERCENT.join('%, ')}%`);

      const alarmName = alarmOf(ctx, HANDLER);
      const fired = await fireAlarm(ctx, alarmName, 'ALARM', 'Threshold Crossed: 5 out of the last 5 datapoints were greater than the threshold (70.0) (minimum 5 datapoints for OK -> ALARM transition).', {
        version: '1.0',
        statistic: 'Average',
        period: 60,
        recentDatapoints: CPU_PERCENT,
        threshold: 70.0,
      });
      ctx.line(`  alarm "${alarmName}": ${fired.from} -> ${fired.to}`);
      const { decision, failures } = await awaitDecision(ctx, HANDLER);
      printDetails(ctx, decision);
      const after = await instanceClass();
      if (after) ctx.timeline.sample({ resource: instanceClassMemoryGiB(after) });

      const summary = [
        `database instance class       ${before} -> ${after}`,
        `decision                      ${decision ? `${decision.outcome}${decision.escalation ? ` (${decision.escalation.cause})` : ''}` : 'none'}`,
      ];
      let ok: boolean;
      switch (ctx.options.environment) {
        case 'production':
          ok = decision?.outcome === 'escalate' && decision.escalation?.cause === 'approval-required' && decision.runbook !== undefined && after === before;
          summary.push(ok ? `a class change is downtime: production escalates with ${decision?.runbook?.documentName} to run behind approval` : 'the scenario did not complete as expected (see above)');
          break;
        case 'development':
          ok = decision?.outcome === 'dry-run' && after === before;
          summary.push(ok ? 'development is report-only: the next class was planned and reported' : 'the scenario did not complete as expected (see above)');
          break;
        default:
          ok = decision?.outcome === 'applied' && after !== before;
          summary.push(ok ? 'staging scaled up automatically, one class up its ladder' : 'the scenario did not complete as expected (see above)');
      }
      return { ok: ok && failures === 0, summary };
    } finally {
      rds.destroy();
      cloudWatch.destroy();
    }
  },
};
