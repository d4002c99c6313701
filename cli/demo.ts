// `runbook demo` (npm start): the game-day demo on the local sandbox — a queue backs up, the alarm fires, the automation scales the consumers, and puts them back.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EnvironmentName } from '../shared/config/schema';
import type { Decision } from '../shared/pipeline/types';
import { createAlarmEvaluator } from '../sandbox/alarm-evaluator';
import { createEventRouter } from '../sandbox/event-router';
import { invokeBundle, isBundleBuilt } from '../sandbox/invoke-bundle';
import { MotoNotInstalledError } from '../sandbox/moto-server';
import { startSandbox, type SandboxSession } from '../sandbox/session';
import { createSimulatedConsumer } from '../sandbox/simulated-consumer';
import { EXIT } from './exit-codes';

export interface DemoOptions {
  environment: EnvironmentName;
  messages: number;
  tickMs: number;
  maxTicks: number;
  logDir: string;
}

const line = (text = ''): void => console.log(text);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function describeDecision(d: Decision): string {
  const detail = d.outcome === 'escalate' && d.escalation ? ` [escalate: ${d.escalation.cause}${d.escalation.guardrail ? `/${d.escalation.guardrail}` : ''}]` : '';
  return `${d.playbook}: ${d.outcome.toUpperCase()}${detail} — ${d.reason}`;
}

export async function demoCommand(options: DemoOptions): Promise<number> {
  if (!isBundleBuilt('scale-consumers')) {
    console.error('runbook demo: the handler bundles are not built: run npm run build (npm start does it for you)');
    return EXIT.unavailable;
  }
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, 'demo-handler-logs.jsonl');
  writeFileSync(logFile, '');

  line(`Game day: Notification Service, ${options.environment}, on the local AWS sandbox`);
  line('Starting moto_server on 127.0.0.1 and provisioning the seed topology...');
  let session: SandboxSession;
  try {
    session = await startSandbox({ environment: options.environment });
  } catch (error) {
    if (error instanceof MotoNotInstalledError) {
      console.error(`runbook demo: ${error.message}`);
      return EXIT.unavailable;
    }
    throw error;
  }
  const stopOnSignal = (): void => {
    void session.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    return await runQueueBackupScenario(session, options, logFile);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await session.stop();
    line('Sandbox stopped; no emulator left running.');
  }
}

async function runQueueBackupScenario(session: SandboxSession, options: DemoOptions, logFile: string): Promise<number> {
  const { topology, clientConfig } = session;
  const sqs = new SQSClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  const cloudWatch = new CloudWatchClient(clientConfig);
  line(`  AWS_ENDPOINT_URL=${session.endpoint}   (handler logs: ${logFile})`);
  line(
    `  queue ${topology.queue.name} -> consumer ${topology.consumer.functionName} ` +
      `(MaximumConcurrency ${topology.consumer.maximumConcurrency}, reserved concurrency ${topology.consumer.reservedConcurrency})`,
  );

  const evaluator = createAlarmEvaluator({ clientConfig, topology });
  const routes = Object.fromEntries(Object.entries(topology.alarmRoutes).map(([handler, route]) => [handler, route.url]));
  const decisions: Decision[] = [];
  const router = createEventRouter({
    sqs,
    routes,
    isAvailable: isBundleBuilt,
    invoke: (handler, event) => invokeBundle(handler, event, (chunk) => appendFileSync(logFile, chunk)),
  });
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

  line();
  line(`Scenario: Queue Backup (Messages > 1000) -> scale consumers`);
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

  const started = Date.now();
  let alarmAt: number | undefined;
  let peak = before.maximumConcurrency;
  let alarmState = 'INSUFFICIENT_DATA';
  let cleared = false;
  let failures = 0;
  let lastProgressAt = 0;
  for (let tick = 0; tick < options.maxTicks; tick += 1) {
    const processed = await consumer.tick();
    for (const t of await evaluator.evaluateOnce()) {
      alarmState = t.to;
      if (t.to === 'ALARM') alarmAt = Date.now();
      if (t.to === 'OK' && alarmAt !== undefined) cleared = true;
      line(`  t+${seconds(Date.now() - started)}  alarm "${t.alarmName}": ${t.from} -> ${t.to} (queue depth ${t.value})`);
    }
    for (const routed of await router.pollOnce()) {
      if (routed.error) {
        failures += 1;
        line(`  t+${seconds(Date.now() - started)}  ${routed.handler}: FAILED (${routed.error.name}: ${routed.error.message}) — the event stays queued and is retried`);
        continue;
      }
      const decision = routed.result as Decision;
      decisions.push(decision);
      line(`  t+${seconds(Date.now() - started)}  ${describeDecision(decision)}`);
    }
    const state = await readState();
    peak = Math.max(peak, state.maximumConcurrency);
    if (Date.now() - lastProgressAt >= 3000) {
      lastProgressAt = Date.now();
      line(
        `  t+${seconds(Date.now() - started)}  depth ${String(state.depth).padStart(5)} | consumers MaximumConcurrency ${String(state.maximumConcurrency).padStart(3)} | drained ${String(processed.processed).padStart(3)}/tick | alarm ${alarmState}`,
      );
    }
    if (cleared && state.depth === 0 && state.maximumConcurrency === before.maximumConcurrency && alarmState === 'OK') break;
    await new Promise((resolve) => setTimeout(resolve, options.tickMs));
  }

  const after = await readState();
  const applied = decisions.filter((d) => d.outcome === 'applied');
  const scaleUp = applied.find((d) => d.alarmState === 'ALARM');
  const restore = applied.find((d) => d.alarmState === 'OK');
  line();
  line('Summary');
  line(`  queue depth                     ${before.depth} -> ${after.depth}`);
  line(`  consumers MaximumConcurrency    ${before.maximumConcurrency} -> ${peak} (scaled) -> ${after.maximumConcurrency} (restored)`);
  line(`  reserved concurrency            ${before.reserved ?? 'none'} -> ${after.reserved ?? 'none'}`);
  line(`  alarm                           fired ${alarmAt !== undefined ? 'yes' : 'no'}, cleared ${cleared ? 'yes' : 'no'}, now ${alarmState}`);
  line(`  decisions                       ${decisions.length} (${decisions.map((d) => d.outcome).join(', ') || 'none'})`);
  if (scaleUp) line(`  alarm -> change                 ${scaleUp.alarmToChangeMs ?? '?'} ms (${scaleUp.reason})`);
  if (scaleUp?.blastRadius) line(`  blast radius                    ${scaleUp.blastRadius}`);
  if (restore) line(`  restore                         ${restore.reason}`);

  const success = Boolean(scaleUp) && Boolean(restore) && after.depth === 0 && after.maximumConcurrency === before.maximumConcurrency && failures === 0;
  const expectMutation = options.environment !== 'development';
  if (!expectMutation) {
    const planned = decisions.some((d) => d.outcome === 'dry-run');
    line(planned ? 'Result: development is report-only — the plan was made and reported, nothing was changed.' : 'Result: no plan was reported.');
    return planned && after.maximumConcurrency === before.maximumConcurrency ? EXIT.ok : EXIT.failure;
  }
  line(success ? 'Result: the backlog was absorbed automatically and the consumers are back at their baseline.' : 'Result: the scenario did not complete as expected (see above).');
  return success ? EXIT.ok : EXIT.failure;
}
