// `runbook demo` (npm start): the game-day demo on the local sandbox, one scenario per troubleshooting row.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBundleBuilt } from '../../sandbox/invoke-bundle';
import { MotoNotInstalledError } from '../../sandbox/moto-server';
import { startSandbox, type SandboxSession } from '../../sandbox/session';
import { EXIT } from '../exit-codes';
import { writeGameDayReport } from '../report/index';
import { createDemoContext, type DemoOptions } from './context';
import { createTimelineRecorder } from './timeline-recorder';
import { scenarios } from './scenarios';

export type { DemoOptions } from './context';

export async function demoCommand(options: DemoOptions): Promise<number> {
  if (!isBundleBuilt('scale-consumers')) {
    console.error('runbook demo: the handler bundles are not built: run npm run build (npm start does it for you)');
    return EXIT.unavailable;
  }
  const selected = options.only.length ? scenarios.filter((s) => options.only.includes(s.name)) : scenarios;
  if (selected.length === 0) {
    console.error(`runbook demo: no scenario named ${options.only.join(', ')}; there are: ${scenarios.map((s) => s.name).join(', ')}`);
    return EXIT.usage;
  }
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, 'demo-handler-logs.jsonl');
  writeFileSync(logFile, '');

  console.log(`Game day: Notification Service, ${options.environment}, on the local AWS sandbox`);
  console.log('Starting moto_server on 127.0.0.1 and provisioning the seed topology...');
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
    console.log('\nInterrupted: stopping the sandbox...');
    void session.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const timeline = createTimelineRecorder(options.environment);
  const ctx = createDemoContext(session, options, logFile, timeline);
  ctx.line(`  AWS_ENDPOINT_URL=${session.endpoint}   (handler logs: ${logFile})`);
  const results: Array<{ title: string; ok: boolean; summary: string[] }> = [];
  try {
    for (const scenario of selected) {
      ctx.line();
      ctx.line(`Scenario: ${scenario.title}`);
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
  ctx.line();
  ctx.line('Summary');
  for (const r of results) {
    ctx.line(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.title}`);
    for (const s of r.summary) ctx.line(`        ${s}`);
  }
  ctx.line('Sandbox stopped; no emulator left running.');
  const report = writeGameDayReport(timeline.timeline(), options.logDir);
  ctx.line(`Game-day report: ${report.htmlPath}`);
  ctx.line(`  (timeline: ${report.timelinePath}; render it again with: runbook report ${report.timelinePath})`);
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
}
