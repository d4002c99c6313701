// `runbook sandbox`: starts the emulator, provisions the topology, prints AWS_ENDPOINT_URL and routes alarm events to the handler bundles until stopped.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EnvironmentName } from '../shared/config/schema';
import type { Decision } from '../shared/pipeline/types';
import { createAlarmEvaluator } from '../sandbox/alarm-evaluator';
import { createEventRouter } from '../sandbox/event-router';
import { invokeBundle, isBundleBuilt } from '../sandbox/invoke-bundle';
import { MotoNotInstalledError } from '../sandbox/moto-server';
import { startSandbox } from '../sandbox/session';
import { EXIT } from './exit-codes';

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
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'RUNBOOK_ENVIRONMENT']) {
    console.log(`${name}=${session.env[name] ?? ''}`);
  }
  console.log(`# account ${topology.accountId}, ${topology.region}, environment ${topology.environment}`);
  console.log(`# queue ${topology.queue.url}`);
  console.log(`# alarms: ${topology.alarms.map((a) => a.name).join(' | ')}`);
  console.log(`# handler logs: ${logFile}. Ctrl-C stops the sandbox.`);

  const evaluator = createAlarmEvaluator({ clientConfig: session.clientConfig, topology });
  const router = createEventRouter({
    sqs: new SQSClient(session.clientConfig),
    routes: Object.fromEntries(Object.entries(topology.alarmRoutes).map(([handler, route]) => [handler, route.url])),
    isAvailable: isBundleBuilt,
    invoke: (handler, event) => invokeBundle(handler, event, (chunk) => appendFileSync(logFile, chunk)),
  });

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
    try {
      for (const t of await evaluator.evaluateOnce()) console.log(`${new Date().toISOString()} alarm "${t.alarmName}": ${t.from} -> ${t.to} (${t.value})`);
      for (const r of await router.pollOnce()) {
        if (r.error) console.log(`${new Date().toISOString()} ${r.handler}: FAILED ${r.error.name}: ${r.error.message} (will retry)`);
        else {
          const d = r.result as Decision;
          console.log(`${new Date().toISOString()} ${d.playbook}: ${d.outcome} — ${d.reason}`);
        }
      }
    } catch (error) {
      console.error(`sandbox loop: ${(error as Error).message}`);
    }
    await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, options.intervalMs))]);
  }
  await session.stop();
  console.log('sandbox stopped');
  return EXIT.ok;
}
