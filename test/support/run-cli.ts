// Runs the `runbook` command as a person would: a real process, with the given environment.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const bin = join(root, 'bin/runbook.mjs');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the emulator's proxy may live in this very process (jest --runInBand). */
export function runCli(args: readonly string[], env: Record<string, string | undefined>, timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
