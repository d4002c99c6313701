// Starts and stops a moto_server child process bound to 127.0.0.1, and never leaves one behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { writeMotoSpeedups } from './moto-speedups';

export class MotoNotInstalledError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('moto_server not found on PATH; install it with: pip install "moto[server]"', options);
    this.name = 'MotoNotInstalledError';
  }
}

export interface MotoServer {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface StartMotoServerOptions {
  port?: number;
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const DEFAULT_START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 3_000;
const LOG_TAIL_LINES = 40;
const PORT_ATTEMPTS = 3;
/** Lambda's default concurrent executions quota per account and region (Lambda quotas page). */
export const LAMBDA_CONCURRENT_EXECUTIONS_QUOTA = 1000;

/**
 * The emulator's own environment: no AWS_* settings of ours. An empty AWS_PROFILE (which sandboxEnv sets to blank the
 * SDK's profile) makes botocore inside moto look up a profile named "" and answer 500 ProfileNotFound.
 */
export function motoChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('AWS_')));
}

/** A port nobody listens on right now: listen on 127.0.0.1:0, read the port, close. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a loopback listener'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

// Children still running, killed synchronously if this process exits or is signalled first.
const liveChildren = new Set<ChildProcess>();
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
}

function onParentSignal(signal: NodeJS.Signals): void {
  killLiveChildren();
  unwatchParent();
  // Like signal-exit: if nobody else handles the signal, re-raise it so the default action (exit) still happens.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchParent(): void {
  if (liveChildren.size !== 1) return;
  process.on('exit', killLiveChildren);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onParentSignal);
}

function unwatchParent(): void {
  if (liveChildren.size !== 0) return;
  process.removeListener('exit', killLiveChildren);
  for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, onParentSignal);
}

function track(child: ChildProcess): void {
  liveChildren.add(child);
  watchParent();
  child.once('exit', () => {
    liveChildren.delete(child);
    unwatchParent();
  });
}

/** Resolves true once something answers HTTP on the port, false if it does not within the request timeout. */
function answersHttp(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: HOST, port, path, method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class PortInUseError extends Error {}

async function startOnPort(port: number, opts: StartMotoServerOptions): Promise<MotoServer> {
  const tail: string[] = [];
  // Proof that the server answering is our child and not another process already on the port:
  // werkzeug logs the bind ("Running on http://...") and each request line, including our probe's nonce.
  const probePath = `/moto-api/?sandbox-probe=${process.pid}-${Date.now()}`;
  let bound = false;
  const log = (line: string): void => {
    if (line.includes('Running on http') || line.includes(probePath)) bound = true;
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    opts.onLog?.(line);
  };

  // SANDBOX_MOTO_SPEEDUPS=off starts moto as installed, without the caches of sandbox/moto-speedups.ts (to compare).
  const speedups = process.env.SANDBOX_MOTO_SPEEDUPS === 'off' ? undefined : writeMotoSpeedups(process.env.PYTHONPATH);
  const child = spawn('moto_server', ['-H', HOST, '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...motoChildEnv(process.env),
      ...(speedups ? { PYTHONPATH: speedups.pythonPath } : {}),
      PYTHONUNBUFFERED: '1',
      // Without it moto accepts any PutFunctionConcurrency; with it, moto refuses to leave fewer than 100 unreserved, like AWS.
      MOTO_LAMBDA_CONCURRENCY_QUOTA: process.env.MOTO_LAMBDA_CONCURRENCY_QUOTA ?? String(LAMBDA_CONCURRENT_EXECUTIONS_QUOTA),
      // moto otherwise loads its ~1200 default AMIs, each with a snapshot, into every new account's EC2 backend: 0.12 s of
      // moto's 0.70 s CPU per provisioned account (decision 137). Nothing here reads an AMI; a test that needs one sets it.
      MOTO_EC2_LOAD_DEFAULT_AMIS: process.env.MOTO_EC2_LOAD_DEFAULT_AMIS ?? 'false',
    },
  });

  // Always drain both pipes: a full pipe would block moto's logging and hang every request.
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) log(line.trimEnd());
    });
    stream?.on('end', () => {
      if (pending) log(pending);
    });
  }

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: NodeJS.ErrnoException | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    // 'close' rather than 'exit': it comes after the pipes are drained, so the log tail is complete.
    child.once('close', (code, signal) => {
      exited = { code, signal };
      if (speedups) rmSync(speedups.dir, { recursive: true, force: true });
      resolve();
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      if (child.pid === undefined) {
        if (speedups) rmSync(speedups.dir, { recursive: true, force: true });
        resolve();
      }
    });
  });
  if (child.pid !== undefined) track(child);

  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exitedPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (;;) {
    if (spawnError?.code === 'ENOENT') throw new MotoNotInstalledError({ cause: spawnError });
    if (spawnError) throw new Error(`could not start moto_server: ${spawnError.message}`, { cause: spawnError });
    if (exited) {
      const output = tail.join('\n');
      // 127: a shell shim (pyenv, asdf) found no moto_server behind it.
      if (exited.code === 127) throw new MotoNotInstalledError();
      if (/address already in use/i.test(output)) throw new PortInUseError(`port ${port} is already in use`);
      throw new Error(
        `moto_server exited before answering (code ${exited.code ?? 'none'}, signal ${exited.signal ?? 'none'}):\n${output}`,
      );
    }
    const answered = await answersHttp(port, probePath);
    if (answered && bound) {
      // Python read the sitecustomize when the emulator started: the directory is not needed any more.
      if (speedups) rmSync(speedups.dir, { recursive: true, force: true });
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${HOST}:${port} within ${opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms:\n${tail.join('\n')}`);
    }
    await delay(POLL_INTERVAL_MS);
  }

  return { endpoint: `http://${HOST}:${port}`, port, pid: child.pid ?? -1, stop };
}

/** Spawns `moto_server -H 127.0.0.1 -p PORT` (no shell) and resolves once it answers HTTP. */
export async function startMotoServer(opts: StartMotoServerOptions = {}): Promise<MotoServer> {
  if (opts.port !== undefined) return startOnPort(opts.port, opts);
  // A free port can be taken between findFreePort and moto's bind: try a fresh one a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await findFreePort(), opts);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
