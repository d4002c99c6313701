// The demo's time from alarm to applied change, per troubleshooting row, read from the decisions its handlers logged.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchDist, root } from './bundles';

const run = promisify(execFile);

export interface DemoRow {
  playbook: string;
  alarmToChangeMs: number[];
}

/** Applied decisions with alarmToChangeMs in a handler log (one Powertools JSON line per log entry). */
export function demoRowsFromLog(file: string): DemoRow[] {
  const rows = new Map<string, number[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { decision?: { playbook?: string; outcome?: string; alarmToChangeMs?: number } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const decision = entry.decision;
    if (decision?.outcome !== 'applied' || typeof decision.alarmToChangeMs !== 'number' || !decision.playbook) continue;
    rows.set(decision.playbook, [...(rows.get(decision.playbook) ?? []), decision.alarmToChangeMs]);
  }
  return [...rows.entries()].map(([playbook, alarmToChangeMs]) => ({ playbook, alarmToChangeMs }));
}

/** Runs the whole game-day demo (`runbook demo`, what npm start plays) with its handler logs in the bench's own folder. */
export async function runDemo(): Promise<{ rows: DemoRow[]; seconds: number; passed: boolean; output: string }> {
  const logDir = join(benchDist, 'demo');
  mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  let output: string;
  let passed = true;
  try {
    const result = await run(process.execPath, [join(root, 'bin', 'runbook.mjs'), 'demo', '--log-dir', logDir], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    output = result.stdout;
  } catch (error) {
    // A failed scenario exits non-zero: its figures still count, the report says it failed.
    passed = false;
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  const log = join(logDir, 'demo-handler-logs.jsonl');
  return { rows: existsSync(log) ? demoRowsFromLog(log) : [], seconds: (Date.now() - started) / 1000, passed, output };
}
