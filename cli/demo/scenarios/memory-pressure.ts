// Demo scenario, Memory Pressure (OOM errors): the PHP consumer passes its memory_limit, the OOM alarm fires, and the
// automation diagnoses the ini limit instead of raising Lambda memory (which would not change it).
import { randomBytes } from 'node:crypto';
import { PutMetricDataCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'raise-lambda-memory';

export const memoryPressureScenario: DemoScenario = {
  name: 'memory-pressure',
  title: 'Memory Pressure (OOM errors) -> raise Lambda memory',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const fn = topology.consumer.functionName;
    const lambda = new LambdaClient(clientConfig);
    const logs = new CloudWatchLogsClient(clientConfig);
    const cloudWatch = new CloudWatchClient(clientConfig);
    const escalationFailuresBefore = ctx.escalation.failures();
    try {
      const memory = async (): Promise<number | undefined> => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).MemorySize;
      const before = await memory();
      ctx.timeline.chart({ label: 'OOM errors', unit: 'per minute' }, { label: 'consumer memory', unit: 'MB' });
      ctx.timeline.sample({ metric: 0, resource: before });
      ctx.line(`  consumer ${fn}: ${before} MB; metric filter ${topology.oomMetricFilter.name} counts OOM lines in ${topology.oomMetricFilter.logGroupName}`);

      // What a PHP 8.2 consumer prints when it exceeds memory_limit, three invocations in a row.
      // A stream named as Lambda names the function's (YYYY/MM/DD/[$LATEST]<32 hex>): the playbook counts no other (decision 253).
      const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: topology.consumer.logGroupName, logStreamName }));
      const now = Date.now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: topology.consumer.logGroupName,
          logStreamName,
          logEvents: [3, 2, 1].map((ago) => ({
            timestamp: now - ago * 1000,
            message: 'PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 4194304 bytes) in /var/task/src/Renderer.php on line 57',
          })),
        }),
      );
      // moto stores metric filters but does not run them: publish the count the filter would.
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: topology.oomMetricFilter.namespace,
          MetricData: [{ MetricName: topology.oomMetricFilter.metricName, Value: 3, Unit: 'Count' }],
        }),
      );
      ctx.line('  3 invocations die with "Allowed memory size of 536870912 bytes exhausted"');
      ctx.timeline.sample({ metric: 3 });

      const alarmName = alarmOf(ctx, HANDLER);
      const fired = await fireAlarm(ctx, alarmName, 'ALARM', 'Threshold Crossed: 1 out of the last 1 datapoints [3.0] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).', {
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [3.0],
        threshold: 1.0,
      });
      ctx.line(`  alarm "${alarmName}": ${fired.from} -> ${fired.to}`);
      const { decision, failures } = await awaitDecision(ctx, HANDLER);
      printDetails(ctx, decision);
      // The escalation goes to the path as deployed: an incident opened, the first tier paged with the diagnosis.
      const page = decision?.outcome === 'escalate' ? await ctx.page() : undefined;
      const after = await memory();
      ctx.timeline.sample({ resource: after });
      // The alarm clears (the ini limit fixed by hand): the incident resolves, and nothing is left for the next scenario.
      const cleared = await fireAlarm(ctx, alarmName, 'OK', 'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).', {
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [0.0],
        threshold: 1.0,
      });
      ctx.line(`  alarm "${alarmName}": ${cleared.from} -> ${cleared.to}`);
      const afterOk = await awaitDecision(ctx, HANDLER);
      const settled = await ctx.settle(page?.incidentId ? [page.incidentId] : []);
      const told = page?.firstTier.some((m) => /memory_limit/.test(m.message) && m.message.includes(`MemorySize is ${before} MB`)) ?? false;

      const summary = [
        `consumer memory               ${before} -> ${after} MB`,
        `decision                      ${decision ? `${decision.outcome}${decision.escalation ? ` (${decision.escalation.cause})` : ''}` : 'none'}`,
        `paged                         ${page?.incidentId ? `${page.incidentId}: ${ctx.firstTier.name} ${page.paged ? `told on ${ctx.firstTier.channels.join(' + ')}` : 'NOT told on every channel'}${told ? ', with the memory_limit diagnosis' : ', without the memory_limit diagnosis'}` : 'no incident opened'}`,
        `settled                       ${settled.text}`,
      ];
      // PHP's memory_limit is an ini setting MemorySize does not govern: the right answer is a diagnosis, memory unchanged
      // (review 10a, finding 4), in every environment (an escalation changes nothing); the page carries it (R23a-1).
      const ok =
        decision?.outcome === 'escalate' &&
        decision.escalation?.cause === 'diagnosis' &&
        /memory_limit/.test(decision.reason) &&
        after === before &&
        page?.paged === true &&
        told &&
        settled.settled &&
        failures + afterOk.failures + ctx.escalation.failures() - escalationFailuresBefore === 0;
      summary.push(
        ok
          ? `memory not raised: the lines are PHP's memory_limit (an ini setting), not MemorySize (${before} MB); this departs from the document's "Increase Lambda memory" on purpose (decision 155)`
          : 'the scenario did not complete as expected (see above)',
      );
      return { ok, summary };
    } finally {
      lambda.destroy();
      logs.destroy();
      cloudWatch.destroy();
    }
  },
};
