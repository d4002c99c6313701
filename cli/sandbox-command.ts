// `runbook sandbox`: starts the emulator, provisions the topology, prints AWS_ENDPOINT_URL, routes alarm events to the handler bundles and
// decisions to the escalation path, and fires due escalation timers, until stopped.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../shared/clock';
import type { EnvironmentName } from '../shared/config/schema';
import { handlerOfFunctionArn } from '../shared/escalation/deployment';
import type { EscalationResult } from '../shared/escalation/escalation-service';
import type { Decision } from '../shared/pipeline/types';
import { createAlarmEvaluator } from '../sandbox/alarm-evaluator';
import { createEventRouter, type RouteResult } from '../sandbox/event-router';
import { invokeBundle, isBundleBuilt } from '../sandbox/invoke-bundle';
import { MotoNotInstalledError } from '../sandbox/moto-server';
import { createErrorOnceLog, runSandboxTick } from '../sandbox/sandbox-tick';
import { createSchedulerDriver } from '../sandbox/scheduler-driver';
import { startSandbox } from '../sandbox/session';
import { describeResult } from './demo/scenarios/escalation';
import { EXIT } from './exit-codes';
import { sandboxExportLines } from './sandbox-exports';

export interface SandboxOptions {
  environment: EnvironmentName;
  port?: number;
  intervalMs: number;
  logDir: string;
}

export async function sandboxCommand(options: SandboxOptions): Promise<number> {
  let session;
  try {
    session = await startSandbox({ environment: options.environment, ...(options.port ? { port: options.port } : {}) });
  } catch (error) {
    if (error instanceof MotoNotInstalledError) {
      console.error(`runbook sandbox: ${error.message}`);
      return EXIT.unavailable;
    }
    throw error;
  }
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, 'sandbox-handler-logs.jsonl');
  const { topology } = session;
  // RUNBOOK_ACCOUNT_ID with RUNBOOK_ENVIRONMENT: the pair that lets `invoke` and `rehearse` verify the account is the environment's.
  // Printed as `export` lines and written to <log dir>/env, so that pasting them or `source .sandbox/env` reaches the CLI.
  const exports = sandboxExportLines(session.env);
  const envFile = join(options.logDir, 'env');
  writeFileSync(envFile, `${exports.join('\n')}\n`, { mode: 0o600 });
  for (const line of exports) console.log(line);
  console.log(`# the same lines are in ${envFile}: source it in another shell`);
  console.log(`# account ${topology.accountId}, ${topology.region}, environment ${topology.environment}`);
  console.log(`# queue ${topology.queue.url}`);
  console.log(`# alarms: ${topology.alarms.map((a) => a.name).join(' | ')}`);
  console.log(`# handler logs: ${logFile}. Ctrl-C stops the sandbox.`);

  // One resource's failure (a deleted queue, an AWS error for one alarm) is reported once and the rest of the tick goes on.
  const errors = createErrorOnceLog((line) => console.error(line));
  const evaluator = createAlarmEvaluator({ clientConfig: session.clientConfig, topology, errors });
  const sqs = new SQSClient(session.clientConfig);
  const log = (chunk: string): void => appendFileSync(logFile, chunk);
  const router = createEventRouter({
    sqs,
    routes: Object.fromEntries(Object.entries(topology.alarmRoutes).map(([handler, route]) => [handler, route.url])),
    isAvailable: isBundleBuilt,
    invoke: (handler, event) => invokeBundle(handler, event, log),
  });
  // The escalation path, as in AWS: decisions on the project's bus and alarms returning to OK go to `escalate`
  // (one message at a time: a bundle redirects this process's stdout while it runs, as the demo notes).
  const escalations = [topology.decisionRoute.url, topology.alarmClearedRoute.url].map((url) =>
    createEventRouter({ sqs, routes: { escalate: url }, isAvailable: isBundleBuilt, invoke: (handler, event) => invokeBundle(handler, event, log), batchSize: 1 }),
  );
  // moto stores Scheduler's one-time schedules but never fires them: the driver fires the escalation timers when due.
  const scheduler = new SchedulerClient(session.clientConfig);
  const timers = createSchedulerDriver({
    scheduler,
    groupName: topology.escalationScheduleGroup.name,
    invoke: (arn, input) => invokeBundle(handlerOfFunctionArn(arn) ?? 'unknown-target', input, log),
  });
  const escalationLine = (r: RouteResult): string =>
    r.error ? `escalate: FAILED ${r.error.name}: ${r.error.message} (will retry)` : `escalate: ${describeResult(r.result as EscalationResult)}`;

  let running = true;
  const stop = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      running = false;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  while (running) {
    await runSandboxTick(
      [
        {
          name: 'alarm evaluation',
          run: async () => {
            for (const t of await evaluator.evaluateOnce()) {
              console.log(`${new Date().toISOString()} alarm "${t.alarmName}": ${t.from} -> ${t.to} (${t.value === null ? 'no data' : t.value})`);
            }
          },
        },
        {
          name: 'alarm routing',
          run: async () => {
            for (const r of await router.pollOnce()) {
              if (r.error) console.log(`${new Date().toISOString()} ${r.handler}: FAILED ${r.error.name}: ${r.error.message} (will retry)`);
              else {
                const d = r.result as Decision;
                console.log(`${new Date().toISOString()} ${d.playbook}: ${d.outcome} — ${d.reason}`);
              }
            }
          },
        },
        ...escalations.map((escalation, i) => ({
          name: i === 0 ? 'decision routing' : 'alarm-cleared routing',
          run: async () => {
            for (const r of await escalation.pollOnce()) console.log(`${new Date().toISOString()} ${escalationLine(r)}`);
          },
        })),
        {
          name: 'escalation timers',
          run: async () => {
            for (const f of await timers.runDue(systemClock)) {
              const what = f.error ? `FAILED ${f.error.message} (retried next round)` : describeResult(f.result as EscalationResult);
              console.log(`${new Date().toISOString()} timer ${f.name}: ${what}`);
            }
          },
        },
      ],
      errors,
    );
    await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, options.intervalMs))]);
  }
  sqs.destroy();
  scheduler.destroy();
  await session.stop();
  console.log('sandbox stopped');
  return EXIT.ok;
}
