// Demo scenario, Error Rate > 1% -> alert: the consumer starts failing, the alert is enriched with the rate and the top
// error messages and goes to the escalation path (the seed's action for the row is Alert): the first tier is paged with
// them, and nothing is changed (read before and after).
import { CloudWatchClient, PutMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readMetricData } from '../../../shared/aws/metric-data';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'alert-error-rate';
const ERRORS = 42;
const INVOCATIONS = 1000;
const TOP_MESSAGE = 'Uncaught Symfony\\Component\\Mailer\\Exception\\TransportException: Connection to "smtp.provider.example:587" timed out';

/** The playbook's window (shared/playbooks/error-rate.ts): whole minutes ending at the next boundary. */
function windowOf(now: Date, minutes: number): { from: Date; to: Date } {
  const to = new Date(Math.ceil((now.getTime() + 1) / 60_000) * 60_000);
  return { from: new Date(to.getTime() - minutes * 60_000), to };
}

/** "42 / 1000 = 4.20%", as the playbook prints the rate. */
export function rateText(errors: number, invocations: number): string {
  return `errors ${errors} / invocations ${invocations} = ${((errors / invocations) * 100).toFixed(2)}%`;
}

export const errorRateScenario: DemoScenario = {
  name: 'error-rate',
  title: 'Error Rate (> 1%) -> alert: enrich and escalate',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const fn = topology.consumer.functionName;
    const cloudWatch = new CloudWatchClient(clientConfig);
    const logs = new CloudWatchLogsClient(clientConfig);
    const lambda = new LambdaClient(clientConfig);
    const escalationFailuresBefore = ctx.escalation.failures();
    /** What an alert must not change: the consumer's memory, timeout, reserved concurrency and MaximumConcurrency. */
    const consumerState = async (): Promise<string> => {
      const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
      const reserved = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: fn }));
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: topology.consumer.mappingUuid }));
      return `MemorySize ${configuration.MemorySize ?? '?'} MB, Timeout ${configuration.Timeout ?? '?'} s, reserved concurrency ${reserved.ReservedConcurrentExecutions ?? 'none'}, MaximumConcurrency ${mapping.ScalingConfig?.MaximumConcurrency ?? '?'}`;
    };
    try {
      const before = await consumerState();
      const dimensions = [{ Name: 'FunctionName', Value: fn }];
      // One consumer, one CloudWatch: the invocations earlier scenarios made (the queue drain) are in the playbook's
      // window too. The consumer's last 15 minutes are played as 1000 invocations, 42 failed, those included: the
      // figures the playbook reads are the ones narrated (review 23a R23a-6).
      const windowMinutes = loadRuntimeConfig(process.env).env.alertErrorRate.windowMinutes;
      const queries: MetricDataQuery[] = (['Errors', 'Invocations'] as const).map((metric) => ({
        Id: metric.toLowerCase(),
        MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: dimensions }, Period: 60, Stat: 'Sum' },
      }));
      const earlier = await readMetricData(cloudWatch, queries, windowOf(new Date(), windowMinutes));
      const sum = (id: string): number => (earlier.get(id)?.values ?? []).reduce((a, b) => a + b, 0);
      const [earlierErrors, earlierInvocations] = [sum('errors'), sum('invocations')];
      if (earlierErrors > ERRORS || earlierInvocations > INVOCATIONS) {
        return { ok: false, summary: [`the consumer's window already holds ${earlierErrors} errors / ${earlierInvocations} invocations, more than the ${ERRORS} / ${INVOCATIONS} this scenario plays`] };
      }
      // What Lambda publishes for the consumer, and what its runtime logs while the mail provider times out.
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Lambda',
          MetricData: [
            { MetricName: 'Errors', Dimensions: dimensions, Value: ERRORS - earlierErrors, Unit: 'Count' },
            { MetricName: 'Invocations', Dimensions: dimensions, Value: INVOCATIONS - earlierInvocations, Unit: 'Count' },
          ],
        }),
      );
      const logStreamName = `2024/03/05/[$LATEST]${(Date.now() + 1).toString(16)}`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: topology.consumer.logGroupName, logStreamName }));
      const now = Date.now();
      const lines = [
        ...Array.from({ length: 5 }, () => `PHP Fatal error:  ${TOP_MESSAGE}`),
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
      const narrated = rateText(ERRORS, INVOCATIONS);
      ctx.line(
        `  consumer ${fn}, last ${windowMinutes} min (project default window): ${ERRORS} errors in ${INVOCATIONS} invocations (${narrated.replace(/^.*= /, '')})` +
          `${earlierInvocations > 0 ? `, ${earlierInvocations} of them the earlier scenarios' (one consumer, one CloudWatch)` : ''}; the mail provider times out`,
      );
      ctx.line(`  consumer before: ${before}`);

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
      // The alert goes to the escalation path as deployed: the first tier is paged with the rate and the top messages.
      const page = decision?.outcome === 'escalate' ? await ctx.page() : undefined;
      const cleared = await fireAlarm(ctx, alarmName, 'OK', 'Threshold Crossed: 5 out of the last 5 datapoints were not greater than the threshold (1.0) (minimum 5 datapoints for ALARM -> OK transition).', {
        version: '1.0',
        period: 60,
        recentDatapoints: [0.4, 0.2, 0.1, 0.0, 0.0],
        threshold: 1.0,
      });
      ctx.line(`  alarm "${alarmName}": ${cleared.from} -> ${cleared.to}`);
      const afterOk = await awaitDecision(ctx, HANDLER);
      const settled = await ctx.settle(page?.incidentId ? [page.incidentId] : []);
      const after = await consumerState();
      ctx.line(`  consumer after:  ${after}`);

      // The decision reads the narrated figures, and the first tier's message carries them and the top message.
      const figuresAsNarrated = decision?.findings?.some((f) => f.startsWith(narrated)) ?? false;
      const told = page?.firstTier.some((m) => m.message.includes(narrated) && m.message.includes(TOP_MESSAGE)) ?? false;
      const unchanged = after === before;
      const ok =
        decision?.outcome === 'escalate' &&
        decision.escalation?.cause === 'diagnosis' &&
        figuresAsNarrated &&
        page?.paged === true &&
        told &&
        settled.settled &&
        unchanged &&
        failures + afterOk.failures + ctx.escalation.failures() - escalationFailuresBefore === 0;
      const summary = [
        `decision                      ${decision ? `${decision.outcome}${decision.escalation ? ` (${decision.escalation.cause})` : ''}` : 'none'}`,
        `enriched with                 ${decision?.findings?.[0] ?? 'nothing'}${figuresAsNarrated ? ' (as narrated)' : ` (narrated: ${narrated})`}`,
        `paged                         ${page?.incidentId ? `${page.incidentId}: ${ctx.firstTier.name} ${page.paged ? `told on ${ctx.firstTier.channels.join(' + ')}` : 'NOT told on every channel'}${told ? ', with the rate and the top error message' : ', WITHOUT the rate and the top error message'}` : 'no incident opened'}`,
        `settled                       ${settled.text}`,
        `consumer                      ${unchanged ? `unchanged (${after})` : `CHANGED: ${before} -> ${after}`}`,
        ok
          ? `nothing was changed: the alert paged ${ctx.firstTier.name} with the figures and the top error messages (the seed's action for the row: Alert)`
          : 'the scenario did not complete as expected (see above)',
      ];
      return { ok, summary };
    } finally {
      cloudWatch.destroy();
      logs.destroy();
      lambda.destroy();
    }
  },
};
