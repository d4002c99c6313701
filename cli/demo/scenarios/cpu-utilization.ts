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
    const escalationFailuresBefore = ctx.escalation.failures();
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
      // Every decision goes to the escalation path as deployed: production's escalation pages the first tier with the
      // document to run; staging's change and development's plan are watches (decision 28), nobody paged.
      const page = decision?.outcome === 'escalate' ? await ctx.page() : undefined;
      if (!page) await ctx.escalation.routeDecisions();
      const after = await instanceClass();
      if (after) ctx.timeline.sample({ resource: instanceClassMemoryGiB(after) });
      const cleared = await fireAlarm(ctx, alarmName, 'OK', 'Threshold Crossed: 5 out of the last 5 datapoints were not greater than the threshold (70.0) (minimum 5 datapoints for ALARM -> OK transition).', {
        version: '1.0',
        statistic: 'Average',
        period: 60,
        recentDatapoints: [41.0, 38.2, 35.9, 33.0, 31.4],
        threshold: 70.0,
      });
      ctx.line(`  alarm "${alarmName}": ${cleared.from} -> ${cleared.to}`);
      const afterOk = await awaitDecision(ctx, HANDLER);
      const settled = await ctx.settle(page?.incidentId ? [page.incidentId] : []);
      const escalationFailures = afterOk.failures + ctx.escalation.failures() - escalationFailuresBefore;

      const summary = [
        `database instance class       ${before} -> ${after}`,
        `decision                      ${decision ? `${decision.outcome}${decision.escalation ? ` (${decision.escalation.cause})` : ''}` : 'none'}`,
        ...(page ? [`paged                         ${page.incidentId ? `${page.incidentId}: ${ctx.firstTier.name} ${page.paged ? `told on ${ctx.firstTier.channels.join(' + ')}` : 'NOT told on every channel'}` : 'no incident opened'}`] : []),
        `settled                       ${settled.text}`,
      ];
      let ok: boolean;
      switch (ctx.options.environment) {
        case 'production': {
          const document = decision?.runbook?.documentName;
          const told = document !== undefined && (page?.firstTier.some((m) => m.message.includes(document)) ?? false);
          ok = decision?.outcome === 'escalate' && decision.escalation?.cause === 'approval-required' && document !== undefined && after === before && page?.paged === true && told;
          summary.push(
            ok
              ? `a class change is downtime: production escalates with ${document} to run behind approval (the first tier's page names it). ` +
                  "The document says scale up (production's Auto Scaling: Yes); approval for a class change is a project default (mutationModeByRow, decision 11)"
              : 'the scenario did not complete as expected (see above)',
          );
          break;
        }
        case 'development':
          ok = decision?.outcome === 'dry-run' && after === before;
          summary.push(ok ? 'development is report-only: the next class was planned and reported' : 'the scenario did not complete as expected (see above)');
          break;
        default:
          ok = decision?.outcome === 'applied' && after !== before;
          summary.push(ok ? 'staging scaled up automatically, one class up its ladder' : 'the scenario did not complete as expected (see above)');
      }
      return { ok: ok && settled.settled && failures + escalationFailures === 0, summary };
    } finally {
      rds.destroy();
      cloudWatch.destroy();
    }
  },
};
