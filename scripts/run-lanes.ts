// Runs shell commands side by side, one lane each, and prints each lane's output whole when it ends: `npm test` uses it
// after the build for two lanes (bench --check -> integration; typecheck -> runbook lint -> ESLint -> unit and infra), so
// the CPU-bound stages fill the core the integration tests leave idle while they wait (decisions 127, 137).
import { spawn } from 'node:child_process';

export interface LaneOutcome {
  command: string;
  /** The lane's exit code; 1 when a signal ended it (named in `signal`). */
  exitCode: number;
  signal?: NodeJS.Signals;
  seconds: number;
}

export interface RunLanesOptions {
  /** Where the lanes' output and the summary go (the runner's own stdout in the CLI). */
  write: (text: string) => void;
  now?: () => number;
  /** Each lane's working directory; the runner's own by default. */
  cwd?: string;
}

/**
 * Starts every command at once (through /bin/sh, as npm runs scripts), keeps each one's stdout and stderr together in the
 * order they arrived, and writes a lane's output as one block when that lane ends, so two lanes never interleave.
 * Resolves to every lane's outcome in the order given; the caller decides the exit code (see `exitCodeOf`).
 */
export function runLanes(commands: readonly string[], options: RunLanesOptions): Promise<LaneOutcome[]> {
  const now = options.now ?? Date.now;
  return Promise.all(
    commands.map(
      (command) =>
        new Promise<LaneOutcome>((resolve) => {
          const startedMs = now();
          const chunks: Buffer[] = [];
          const child = spawn(command, { shell: '/bin/sh', cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
          child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
          child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
          const finish = (outcome: Omit<LaneOutcome, 'command' | 'seconds'>, extra = ''): void => {
            const seconds = (now() - startedMs) / 1000;
            const how = outcome.signal ? `ended by ${outcome.signal}` : `exit ${outcome.exitCode}`;
            options.write(`\n── lane: ${command} (${how}, ${seconds.toFixed(1)} s)\n${Buffer.concat(chunks).toString('utf8')}${extra}`);
            resolve({ command, ...outcome, seconds });
          };
          // 'close' comes after both streams ended, so the block is whole; 'error' is a lane that could not start.
          child.on('error', (error) => finish({ exitCode: 1 }, `could not start: ${error.message}\n`));
          child.on('close', (code, signal) => finish(signal ? { exitCode: 1, signal } : { exitCode: code ?? 1 }));
        }),
    ),
  );
}

/** 0 when every lane exited 0; otherwise the first failed lane's code (in the order given). */
export function exitCodeOf(outcomes: readonly LaneOutcome[]): number {
  return outcomes.find((o) => o.exitCode !== 0)?.exitCode ?? 0;
}

/** One line per failed lane, naming it, or nothing when all passed. */
export function failureSummary(outcomes: readonly LaneOutcome[]): string {
  const failed = outcomes.filter((o) => o.exitCode !== 0);
  return failed.map((o) => `run-lanes: FAILED (${o.signal ? `ended by ${o.signal}` : `exit ${o.exitCode}`}): ${o.command}\n`).join('');
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write('usage: tsx scripts/run-lanes.ts "<command>" ["<command>" ...]: runs the commands side by side\n');
    return 2;
  }
  const outcomes = await runLanes(argv, { write: (text) => process.stdout.write(text) });
  process.stdout.write(failureSummary(outcomes));
  return exitCodeOf(outcomes);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`run-lanes: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
