// Demo scenario, Error Rate > 1% -> alert: the consumer starts failing, the alert is enriched with the rate and the top error messages, and escalated.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'alert-error-rate';
const ERRORS = 42;
const INVOCATIONS = 1000;

export const errorRateScenario: DemoScenario = {
  name: 'error-rate',
  title: 'Error Rate (> 1%) -> alert: enrich and escalate',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const fn = topology.consumer.functionName;
    const cloudWatch = new CloudWatchClient(clientConfig);
    const logs = new CloudWatchLogsClient(clientConfig);
    try {
      const dimensions = [{ Name: 'FunctionName', Value: fn }];
      // What Lambda publishes for the consumer, and what its runtime logs while the mail provider times out.
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Lambda',
          MetricData: [
            { MetricName: 'Errors', Dimensions: dimensions, Value: ERRORS, Unit: 'Count' },
            { MetricName: 'Invocations', Dimensions: dimensions, Value: INVOCATIONS, Unit: 'Count' },
          ],
        }),
      );
      const logStreamName = `2024/03/05/[$LATEST]${(Date.now() + 1).toString(16)}`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: topology.consumer.logGroupName, logStreamName }));
      const now = Date.now();
      const lines = [
        ...Array.from({ length: 5 }, () => 'PHP Fatal error:  Uncaught Symfony\\Component\\Mailer\\Exception\\TransportException: Connection to "smtp.provider.example:587" timed out'),
        ...Array.from({ length: 2 }, () => '{"level":"ERROR","message":"recipient missing","service":"notification-service"}'),
        '{"level":"INFO","message":"batch of 10 sent","service":"notification-service"}',
      ];
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: topology.consumer.logGroupName,
          logStreamName,
          logEvents: lines.map((message, i) => ({ timestamp: now - (lines.length - i) * 1000, message })),
        }),
      );
      ctx.line(`  consumer ${fn}: ${ERRORS} errors in ${INVOCATIONS} invocations; the mail provider times out`);

      ctx.timeline.chart({ label: 'error rate', unit: '% of invocations' });
      ctx.timeline.sample({ metric: (ERRORS / INVOCATIONS) * 100 });
      const alarmName = alarmOf(ctx, HANDLER);
      const fired = await fireAlarm(ctx, alarmName, 'ALARM', 'Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition).', {
        version: '1.0',
        period: 60,
        recentDatapoints: [0.1, 0.0, 2.2, 5.1, 4.2],
        threshold: 1.0,
      });
      ctx.line(`  alarm "${alarmName}": ${fired.from} -> ${fired.to}`);
      const { decision, failures } = await awaitDecision(ctx, HANDLER);
      printDetails(ctx, decision);

      const ok = decision?.outcome === 'escalate' && decision.escalation?.cause === 'diagnosis' && (decision.findings?.length ?? 0) > 1 && failures === 0;
      const summary = [
        `decision                      ${decision ? `${decision.outcome}${decision.escalation ? ` (${decision.escalation.cause})` : ''}` : 'none'}`,
        `enriched with                 ${decision?.findings?.[0] ?? 'nothing'}`,
        ok ? 'nothing was changed: the alert went to the escalation path with the figures and the top error messages' : 'the scenario did not complete as expected (see above)',
      ];
      return { ok, summary };
    } finally {
      cloudWatch.destroy();
      logs.destroy();
    }
  },
};
