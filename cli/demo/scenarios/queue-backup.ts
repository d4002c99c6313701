// Demo scenario, Queue Backup (Messages > 1000) -> scale consumers: 1500 notifications arrive, the alarm fires, the consumers scale up, drain the queue, and go back once it has drained (the low-water alarm).
import { appendFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { handlerOfFunctionArn } from '../../../shared/escalation/deployment';
import type { Decision } from '../../../shared/pipeline/types';
import { createAlarmEvaluator } from '../../../sandbox/alarm-evaluator';
import { invokeBundle } from '../../../sandbox/invoke-bundle';
import { createSandboxClock, createSchedulerDriver } from '../../../sandbox/scheduler-driver';
import { createSimulatedConsumer } from '../../../sandbox/simulated-consumer';
import { describeDecision, seconds, type DemoScenario } from '../context';

/**
 * The summary's concurrency line, from what the decisions did (review 23a R23a-19): "(scaled)" only when a scale-up was
 * applied, "(restored)" only when a restore was.
 */
export function concurrencyLine(before: number, peak: number, after: number, scaled: boolean, restored: boolean): string {
  return `consumers MaximumConcurrency  ${before} -> ${scaled ? `${peak} (scaled)` : `${peak} (not scaled)`} -> ${after} (${restored ? 'restored' : 'no restore'})`;
}

/** The low-water alarm's line, from its recorded transitions: what it did, and whether its OK came after the drain. */
export function lowWaterLine(name: string, transitions: ReadonlyArray<{ from: string; to: string; at: string }>, okAfterDrain: boolean): string {
  const seen = transitions.length ? transitions.map((t) => `${t.from} -> ${t.to} at ${t.at}`).join(', ') : 'no state change';
  const verdict = okAfterDrain ? 'went OK after the drain' : transitions.some((t) => t.to === 'OK') ? 'went OK, but not after a drain of the fired alarm' : 'did not go OK';
  return `low-water alarm               ${verdict}: ${seen} ("${name}")`;
}

export const queueBackupScenario: DemoScenario = {
  name: 'queue-backup',
  title: 'Queue Backup (Messages > 1000) -> scale consumers',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const { options, line } = ctx;
    const sqs = new SQSClient(clientConfig);
    const lambda = new LambdaClient(clientConfig);
    const cloudWatch = new CloudWatchClient(clientConfig);
    line(
      `  queue ${topology.queue.name} -> consumer ${topology.consumer.functionName} ` +
        `(MaximumConcurrency ${topology.consumer.maximumConcurrency}, reserved concurrency ${topology.consumer.reservedConcurrency})`,
    );
    // Each tick is a CloudWatch minute (decision 249: the restore reads the low-water alarm's per-minute datapoints).
    const evaluator = createAlarmEvaluator({ clientConfig, topology, minutePerEvaluation: true });
    // The queue's depth alarm has a low-water alarm beside it, the restore signal (decision 185).
    const lowWaterAlarm = topology.alarms.find((a) => a.rowId === 'queue-backup' && a.restoreSignal);
    const consumer = createSimulatedConsumer({
      sqs,
      lambda,
      cloudWatch,
      queueUrl: topology.queue.url,
      mappingUuid: topology.consumer.mappingUuid,
      functionName: topology.consumer.functionName,
      messagesPerConsumerPerTick: 0.8,
    });
    const readState = async (): Promise<{ depth: number; maximumConcurrency: number; reserved: number | undefined }> => {
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: topology.queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: topology.consumer.mappingUuid }));
      const reserved = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: topology.consumer.functionName }));
      return {
        depth: Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0),
        maximumConcurrency: mapping.ScalingConfig?.MaximumConcurrency ?? 0,
        reserved: reserved.ReservedConcurrentExecutions,
      };
    };

    for (let sent = 0; sent < options.messages; sent += 10) {
      const count = Math.min(10, options.messages - sent);
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: topology.queue.url,
          Entries: Array.from({ length: count }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ notification: sent + i, channel: 'email' }) })),
        }),
      );
    }
    const before = await readState();
    line(`  ${options.messages} notifications arrive: queue depth ${before.depth}`);
    ctx.timeline.chart({ label: 'queue depth', unit: 'messages' }, { label: 'consumers MaximumConcurrency', unit: 'concurrent invocations' });
    ctx.timeline.sample({ metric: before.depth, resource: before.maximumConcurrency });

    const at = (): string => `t+${seconds(Date.now() - ctx.startedAt)}`;
    const decisions: Decision[] = [];
    let peak = before.maximumConcurrency;
    let alarmState = 'INSUFFICIENT_DATA';
    let fired = false;
    let cleared = false;
    let clearedAtDepth: number | null = null;
    let drainedSignal = false;
    const lowWaterTransitions: Array<{ from: string; to: string; at: string }> = [];
    let failures = 0;
    let lastProgressAt = 0;
    for (let tick = 0; tick < options.maxTicks; tick += 1) {
      const drained = await consumer.tick();
      for (const t of await evaluator.evaluateOnce()) {
        ctx.timeline.alarm(t.alarmName, t.from, t.to);
        line(`  ${at()}  alarm "${t.alarmName}": ${t.from} -> ${t.to} (queue depth ${t.value})`);
        if (t.alarmName === lowWaterAlarm?.name) {
          lowWaterTransitions.push({ from: t.from, to: t.to, at: at() });
          // Its OK (under the watermark for N minutes) is the restore signal (decision 205).
          if (t.to === 'OK' && cleared) drainedSignal = true;
          continue;
        }
        alarmState = t.to;
        if (t.to === 'ALARM') fired = true;
        if (t.to === 'OK' && fired && !cleared) {
          cleared = true;
          clearedAtDepth = t.value;
        }
      }
      const results = await ctx.router.pollOnce();
      failures += results.filter((r) => r.error).length;
      decisions.push(...ctx.report(results));
      const state = await readState();
      ctx.timeline.sample({ metric: state.depth, resource: state.maximumConcurrency });
      peak = Math.max(peak, state.maximumConcurrency);
      if (Date.now() - lastProgressAt >= 3000) {
        lastProgressAt = Date.now();
        line(
          `  ${at()}  depth ${String(state.depth).padStart(5)} | consumers MaximumConcurrency ${String(state.maximumConcurrency).padStart(3)} | drained ${String(drained.processed).padStart(3)}/period | alarm ${alarmState}`,
        );
      }
      if (cleared && state.depth === 0 && state.maximumConcurrency === before.maximumConcurrency) break;
      await new Promise((resolve) => setTimeout(resolve, options.tickMs));
    }

    const after = await readState();
    // Every decision goes to the escalation path as deployed (the scale-up's watch, decision 28); what the alarm's OK
    // resolves is resolved, and no escalation timer is left for the next scenario.
    const escalationFailuresBefore = ctx.escalation.failures();
    if (decisions.length > 0) await ctx.escalation.routeDecisions();
    const settled = await ctx.settle([]);
    failures += ctx.escalation.failures() - escalationFailuresBefore;
    const applied = decisions.filter((d) => d.outcome === 'applied');
    const scaleUp = applied.find((d) => d.alarmState === 'ALARM' && d.alarmName !== lowWaterAlarm?.name);
    // The restore: at the low-water alarm's OK (decision 205), or at the depth alarm's OK where the queue was already under the watermark.
    const restore = applied.find((d) => d.alarmState === 'OK');
    // Hysteresis held: nothing restored at the depth alarm's first OK with the backlog at or above the low watermark.
    const restoredEarly = restore !== undefined && lowWaterAlarm !== undefined && restore.alarmName !== lowWaterAlarm.name && (clearedAtDepth ?? 0) >= lowWaterAlarm.threshold;
    const summary = [
      `queue depth                   ${before.depth} -> ${after.depth}`,
      concurrencyLine(before.maximumConcurrency, peak, after.maximumConcurrency, scaleUp !== undefined, restore !== undefined),
      `reserved concurrency          ${before.reserved ?? 'none'} -> ${after.reserved ?? 'none'}`,
      `alarm                         fired ${fired ? 'yes' : 'no'}, cleared ${cleared ? `yes (queue depth ${clearedAtDepth ?? '?'})` : 'no'}, now ${alarmState}`,
      ...(lowWaterAlarm
        ? [
            `restore                       ${
              restore
                ? `${restore.alarmName === lowWaterAlarm.name ? `when the low-water alarm went OK (under ${lowWaterAlarm.threshold} for ${lowWaterAlarm.evaluationPeriods} min)` : 'at the first OK'}, at ${restore.decidedAt.slice(11, 19)} UTC`
                : 'not made'
            }${restoredEarly ? ': too early, the backlog had not drained' : ''}`,
            lowWaterLine(lowWaterAlarm.name, lowWaterTransitions, drainedSignal),
          ]
        : []),
      `decisions                     ${decisions.map((d) => d.outcome).join(', ') || 'none'}`,
      `escalation path               ${settled.text}`,
      ...(scaleUp ? [`alarm -> change               ${scaleUp.alarmToChangeMs ?? '?'} ms`, `blast radius                  ${scaleUp.blastRadius ?? '?'}`] : []),
    ];
    // The health check's verdict is narrated in the summary: it must be the one verify-change gave (decision 165).
    let checkAsNarrated = scaleUp?.healthCheck === undefined;
    if (scaleUp?.healthCheck) {
      const check = scaleUp.healthCheck;
      summary.push(`health check                  scheduled for ${check.dueAt.slice(11, 19)} UTC (${check.windowMinutes} min after the change): ${check.signal}`);
      // Scheduler's part, played by the sandbox: the clock jumps past the window and the due health check runs now.
      const clock = createSandboxClock();
      clock.advance((check.windowMinutes + 1) * 60_000);
      const driver = createSchedulerDriver({
        scheduler: new SchedulerClient(clientConfig),
        groupName: topology.verifyScheduleGroup.name,
        invoke: (arn, input) => invokeBundle(handlerOfFunctionArn(arn) ?? 'unknown-target', input, (chunk) => appendFileSync(ctx.logFile, chunk)),
      });
      for (const fired of await driver.runDue(clock)) {
        if (fired.error) {
          failures += 1;
          line(`  ${at()}  verify-change: FAILED (${fired.error.message})`);
          continue;
        }
        const verdict = fired.result as Decision;
        line(`  ${at()}  sandbox clock +${check.windowMinutes + 1} min: ${describeDecision(verdict)}`);
        // A scale-up the restore already undid (the queue drained inside the window) no longer stands: verify-change reads
        // that before judging and says so, naming the restore (decision 175); the summary repeats what it answered.
        const restoredFirst = restore !== undefined && Date.parse(restore.decidedAt) < Date.parse(verdict.decidedAt);
        checkAsNarrated = restoredFirst
          ? verdict.outcome === 'skipped' && verdict.reason.includes('change no longer in place (restored by scale-consumers')
          : verdict.outcome === 'skipped' && verdict.reason.includes('change still in place, verified healthy');
        summary.push(
          restoredFirst
            ? `health check result           ${checkAsNarrated ? `change no longer in place: restored by scale-consumers at ${restore.decidedAt.slice(11, 19)} UTC, before the check; verify-change judged nothing, reverted nothing` : `${verdict.outcome}: ${verdict.reason}`}`
            : `health check result           ${checkAsNarrated ? 'change still in place, verified healthy' : `${verdict.outcome}: ${verdict.reason}`}`,
        );
      }
    }
    if (options.environment === 'development') {
      const planned = decisions.some((d) => d.outcome === 'dry-run');
      summary.push(planned ? 'development is report-only: the plan was reported, nothing was changed' : 'no plan was reported');
      return { ok: planned && peak === before.maximumConcurrency && settled.settled && failures === 0, summary };
    }
    const ok = Boolean(scaleUp) && Boolean(restore) && settled.settled && !restoredEarly && after.depth === 0 && after.maximumConcurrency === before.maximumConcurrency && checkAsNarrated && failures === 0;
    summary.push(ok ? 'the backlog was absorbed automatically and the consumers are back at their baseline' : 'the scenario did not complete as expected (see above)');
    return { ok, summary };
  },
};
