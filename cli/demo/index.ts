// `runbook demo` (npm start): the game-day demo on the local sandbox, one scenario per troubleshooting row.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBundleBuilt } from '../../sandbox/invoke-bundle';
import { MotoNotInstalledError } from '../../sandbox/moto-server';
import { attachSandbox, startSandbox, type PlayableSandbox } from '../../sandbox/session';
import { sandboxTopology } from '../../sandbox/topology';
import { projectConfig } from '../../shared/runbooks/rendered-runbook';
import { EXIT } from '../exit-codes';
import { rowDefinitionLine } from '../list';
import { sandboxExportLines } from '../sandbox-exports';
import { writeGameDayReport } from '../report/index';
import { createDemoContext, type DemoContext, type DemoOptions } from './context';
import { createTimelineRecorder } from './timeline-recorder';
import { scenarios } from './scenarios';

export type { DemoOptions } from './context';

/**
 * What reaches the account an attached demo played in (review 23a R23a-15): its random account is reached only with
 * moto's key for it (AKIA<account>MOTO), so the same `export` block `runbook sandbox` prints, for that account.
 */
export function readBackLines(env: Readonly<Record<string, string | undefined>>): string[] {
  return [
    `To read what the demo did there (runbook history, runbook incidents, the aws CLI), in a shell:`,
    ...sandboxExportLines(env).map((line) => `  ${line}`),
  ];
}

export async function demoCommand(options: DemoOptions): Promise<number> {
  const named = options.only.length ? scenarios.filter((s) => options.only.includes(s.name)) : scenarios;
  if (named.length === 0) {
    console.error(`runbook demo: no scenario named ${options.only.join(', ')}; there are: ${scenarios.map((s) => s.name).join(', ')}`);
    return EXIT.usage;
  }
  if (options.account !== undefined && options.endpoint === undefined) {
    console.error('runbook demo: --account is for --endpoint (an emulator already running); the demo\'s own emulator uses its default account');
    return EXIT.usage;
  }
  // The DR scenario needs a DR region: staging and development configure none.
  const config = projectConfig(process.env);
  const notPlayed = named.flatMap((s) => {
    const reason = s.notPlayable?.(config, options.environment);
    return reason ? [`${s.name}: ${reason}`] : [];
  });
  const selected = named.filter((s) => !s.notPlayable?.(config, options.environment));
  if (selected.length === 0) {
    console.error(`runbook demo: nothing to play in ${options.environment}: ${notPlayed.join('; ')}`);
    return EXIT.usage;
  }
  // The Queue Backup scenario needs a backlog its alarm fires on: at or under the threshold it could only fail, slowly.
  const depthAlarm = sandboxTopology(config, options.environment).alarms.find((a) => a.rowId === 'queue-backup' && !a.restoreSignal);
  if (selected.some((s) => s.name === 'queue-backup') && depthAlarm && options.messages <= depthAlarm.threshold) {
    console.error(
      `runbook demo: --messages ${options.messages} is at or under the queue alarm's threshold (${depthAlarm.threshold}, "${depthAlarm.name}"): the Queue Backup scenario needs a backlog the alarm fires on; give more than ${depthAlarm.threshold}, or leave queue-backup out with --only`,
    );
    return EXIT.usage;
  }
  if (!isBundleBuilt('scale-consumers')) {
    console.error('runbook demo: the handler bundles are not built: run npm run build (npm start does it for you)');
    return EXIT.unavailable;
  }
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, 'demo-handler-logs.jsonl');
  writeFileSync(logFile, '');

  console.log(`Game day: Notification Service, ${options.environment}, on the local AWS sandbox`);
  for (const line of notPlayed) console.log(`  not played: ${line}`);
  let session: PlayableSandbox;
  try {
    if (options.endpoint !== undefined) {
      console.log(`Provisioning the seed topology on the emulator already running at ${options.endpoint}...`);
      session = await attachSandbox({ endpoint: options.endpoint, environment: options.environment, ...(options.account !== undefined ? { accountId: options.account } : {}) });
      console.log(`  in account ${session.accountId}; the emulator is left running`);
    } else {
      console.log('Starting moto_server on 127.0.0.1 and provisioning the seed topology...');
      const started = await startSandbox({ environment: options.environment });
      session = { ...started, accountId: started.topology.accountId, attached: false };
    }
  } catch (error) {
    if (error instanceof MotoNotInstalledError) {
      console.error(`runbook demo: ${error.message}`);
      return EXIT.unavailable;
    }
    throw error;
  }
  const stopOnSignal = (): void => {
    console.log('\nInterrupted: stopping the sandbox...');
    void session.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const timeline = createTimelineRecorder(options.environment);
  const results: Array<{ title: string; ok: boolean; summary: string[] }> = [];
  let ctx: DemoContext | undefined;
  try {
    ctx = await createDemoContext(session, options, logFile, timeline);
    ctx.line(`  AWS_ENDPOINT_URL=${session.endpoint}   (handler logs: ${logFile})`);
    ctx.line(`  every scenario's decisions go to the escalation path (escalate), as deployed; an SQS queue subscribed to each tier's SNS topic shows what each tier receives`);
    for (const scenario of selected) {
      ctx.line();
      ctx.line(`Scenario: ${scenario.title}`);
      // The row's alarm, labelled as `runbook list` labels it: which figures are the service document's, which the project's (R23a-12).
      const definition = rowDefinitionLine(config, scenario.name);
      if (definition) ctx.line(`  alarm (as runbook list):${definition.replace(/^ {2}[^:]+:/, '')}`);
      timeline.begin(scenario.name, scenario.title);
      const result = await scenario.run(ctx);
      timeline.end(result);
      results.push({ title: scenario.title, ...result });
    }
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await session.stop();
  }
  if (!ctx) return EXIT.failure;
  ctx.line();
  ctx.line('Summary');
  for (const r of results) {
    ctx.line(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.title}`);
    for (const s of r.summary) ctx.line(`        ${s}`);
  }
  ctx.line(session.attached ? `Done; the emulator at ${session.endpoint} keeps running (account ${session.accountId}).` : 'Sandbox stopped; no emulator left running.');
  if (session.attached) for (const line of readBackLines(session.env)) ctx.line(line);
  const report = writeGameDayReport(timeline.timeline(), options.logDir);
  ctx.line(`Game-day report: ${report.htmlPath}`);
  ctx.line(`  (timeline: ${report.timelinePath}; render it again with: runbook report ${report.timelinePath})`);
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
}
