// Module init counted in instructions, not timed: valgrind's callgrind runs the bench's probe (bench/init-count-probe.mjs)
// and counts the instructions executed between its two markers, i.e. the bundle's import (load, compile, evaluation, the
// collections it causes, on every thread). A count does not depend on what else runs on the machine, so the handler's
// and its floor's figures can be compared run to run where the wall-clock medians swing by 0.2-0.3 (decision 245).
// It is not machine-independent: another Node (V8) or another CPU (glibc picks its string routines by CPU) counts
// differently, so it is reported in the full bench and never compared with a committed baseline by --check.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './bundles';
import { LAMBDA_LIKE_ENV, median } from './cold-start';

const run = promisify(execFile);

/** The native functions os.uptime() and os.loadavg() enter: callgrind zeroes at the first and dumps at the second. */
export const ZERO_MARKER = 'node::os::GetUptime*';
export const DUMP_MARKER = 'node::os::GetLoadAvg*';

/**
 * The instructions a callgrind output file counts: its `summary:` line (the total of the one event collected, Ir).
 * Throws on a file that is not a callgrind dump of Ir, or was not triggered by the dump marker (the import's end).
 */
export function instructionsOfDump(text: string): number {
  const events = /^events:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (events !== 'Ir') throw new Error(`not a callgrind dump of instructions (events: ${events ?? 'none'})`);
  const trigger = /^desc:\s*Trigger:\s*(.+)$/m.exec(text)?.[1] ?? '';
  if (!trigger.startsWith('--dump-before=node::os::GetLoadAvg')) throw new Error(`the dump was not written at the import's end (trigger: ${trigger || 'none'})`);
  const summary = /^summary:\s*(\d+)\s*$/m.exec(text)?.[1];
  if (!summary) throw new Error('the callgrind dump has no summary line');
  return Number(summary);
}

/** Whether valgrind can run here; the reason when not (the figure is then reported as not measured). */
export async function valgrindMissing(): Promise<string | undefined> {
  try {
    await run('valgrind', ['--version'], { timeout: 10_000 });
    return undefined;
  } catch (error) {
    return `valgrind is not available (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

/** One fresh process under callgrind: the instructions of the bundle's import between the markers. */
export async function countInitInstructions(file: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-init-count-'));
  try {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...LAMBDA_LIKE_ENV };
    await run(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
        `--zero-before=${ZERO_MARKER}`,
        `--dump-before=${DUMP_MARKER}`,
        process.execPath,
        join(root, 'bench', 'init-count-probe.mjs'),
        file,
      ],
      { env, cwd: root, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
    // The dump at the marker is numbered part 1 (callgrind.out.1); the rest of the process is written at exit, unnumbered.
    const part = readdirSync(dir).find((name) => name === 'callgrind.out.1');
    if (!part) throw new Error(`callgrind wrote no dump at ${DUMP_MARKER} for ${file}: this Node has no symbol for the marker, or the import failed`);
    return instructionsOfDump(readFileSync(join(dir, part), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface InitInstructions {
  /** The median of the runs, and every run (their spread is the figure's own noise: 0.1-0.2% here, decision 245). */
  handler: number;
  floor: number;
  ratio: number;
  handlerRuns: number[];
  floorRuns: number[];
}

/** Counts a bundle `runs` times (fresh processes) and gives the median and the runs. */
export async function countRuns(file: string, runs: number): Promise<{ median: number; runs: number[] }> {
  const counts: number[] = [];
  for (let i = 0; i < runs; i += 1) counts.push(await countInitInstructions(file));
  return { median: median(counts), runs: counts };
}
