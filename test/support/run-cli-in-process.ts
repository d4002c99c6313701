// Runs the `runbook` command's own main() inside the test's process: the same argument parsing, command and exit code as
// bin/runbook.mjs gives a process, without a node start and a 7 MB bundle's load per run (about half of a preflight run's
// CPU; decision 296). The environment is the given one for the run's length and put back after; what the command prints
// is captured. A test that needs the process itself (the bin, the built bundle, the exit) uses runCli.
import { join } from 'node:path';
import { format } from 'node:util';
import type { CliRun } from './run-cli';

const root = join(__dirname, '../..');

/** One run at a time: the environment and the console are the process's own. */
let queue: Promise<unknown> = Promise.resolve();

/** Makes process.env exactly `next` (in place: the SDK and the CLI read the object they were given). */
function replaceEnv(next: Record<string, string | undefined>): void {
  for (const key of Object.keys(process.env)) if (!(key in next) || next[key] === undefined) delete process.env[key];
  for (const [key, value] of Object.entries(next)) if (value !== undefined) process.env[key] = value;
}

type Method = 'log' | 'info' | 'warn' | 'error' | 'debug';
const STDOUT: readonly Method[] = ['log', 'info', 'debug'];
const STDERR: readonly Method[] = ['warn', 'error'];

async function runOnce(args: readonly string[], env: Record<string, string | undefined>, timeoutMs: number): Promise<CliRun> {
  const saved = { ...process.env };
  // What bin/runbook.mjs sets before it loads the CLI, and the child's environment as runCli builds it.
  replaceEnv({ RUNBOOK_DIST: join(root, 'dist'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...saved, ...env });
  let stdout = '';
  let stderr = '';
  const originals = new Map<Method, (...data: unknown[]) => void>();
  for (const method of [...STDOUT, ...STDERR]) {
    originals.set(method, console[method]);
    console[method] = (...data: unknown[]): void => {
      const line = `${format(...data)}\n`;
      if (STDOUT.includes(method)) stdout += line;
      else stderr += line;
    };
  }
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((text) => (stdout += text));
  process.stderr.write = capture((text) => (stderr += text));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`runbook ${args.join(' ')} (in process) did not finish in ${timeoutMs} ms`)), timeoutMs);
    });
    // Loaded on the first run (once per test file): a file that imports this module but runs every command as a process
    // does not pay for the CLI's modules.
    const { main } = await import('../../cli/runbook');
    const status = await Promise.race([main(['node', 'runbook', ...args]), timedOut]);
    return { status, stdout, stderr };
  } finally {
    clearTimeout(timer);
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    for (const [method, original] of originals) console[method] = original;
    replaceEnv(saved);
  }
}

/** `runbook <args>` in this process with `env` over the test's environment; resolves as runCli does (status, stdout, stderr). */
export function runCliInProcess(args: readonly string[], env: Record<string, string | undefined>, timeoutMs = 90_000): Promise<CliRun> {
  const run = queue.then(() => runOnce(args, env, timeoutMs));
  queue = run.catch(() => undefined);
  return run;
}
