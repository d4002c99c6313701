// Jest globalSetup for the integration project: one moto_server and one gap proxy shared by every test file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxEnv } from '../../sandbox/credentials';
import { startGapProxy, type GapProxy } from '../../sandbox/gap-proxy';
import { startMotoServer, type MotoServer } from '../../sandbox/moto-server';
import { RESULTS_DIR_ENV } from './reliability/support/guarantee-table';
import { staleBuilds } from '../../infra/lib/stale-build';

export interface IntegrationSandbox {
  moto: MotoServer;
  proxy: GapProxy;
}

// globalSetup and globalTeardown run in the same process: the handles travel on globalThis.
const holder = globalThis as { __notificationServiceSandbox?: IntegrationSandbox };

export function takeIntegrationSandbox(): IntegrationSandbox | undefined {
  const sandbox = holder.__notificationServiceSandbox;
  delete holder.__notificationServiceSandbox;
  return sandbox;
}

/**
 * The global setup for the project rooted at `root` (the repository; a throwaway tree in test/infra/stale-build.test.ts,
 * which sees it refuse a stale build before anything is started).
 */
export function integrationGlobalSetup(root: string): () => Promise<void> {
  return async () => {
    // The CLI, demo and bench tests run the built bundles: a build older than the code would test code that is gone.
    const stale = staleBuilds(root);
    if (stale.length > 0) throw new Error(`the build is older than the code: run npm run build first (${stale.join('; ')})`);
    await startIntegrationSandbox();
  };
}

export default integrationGlobalSetup(join(__dirname, '..', '..'));

async function startIntegrationSandbox(): Promise<void> {
  // SANDBOX_DEBUG=1 shows moto's request log; otherwise moto_server's output only appears in start failures.
  const onLog = process.env.SANDBOX_DEBUG ? (line: string): void => console.log(`[moto] ${line}`) : undefined;
  // A MotoNotInstalledError propagates as is: its message says how to install moto.
  const moto = await startMotoServer(onLog ? { onLog } : {});
  let proxy: GapProxy;
  try {
    proxy = await startGapProxy({ upstream: moto.endpoint });
  } catch (error) {
    await moto.stop();
    throw error;
  }
  holder.__notificationServiceSandbox = { moto, proxy };

  // Set before Jest forks its workers, so every test file's SDK clients inherit them.
  Object.assign(process.env, sandboxEnv({ endpoint: proxy.endpoint }));
  process.env.MOTO_ENDPOINT = moto.endpoint;
  process.env.SANDBOX_PROXY_CONTROL = proxy.endpoint;
  // Where the reliability tests (each in its own worker) record their playbook x guarantee cells for the teardown.
  process.env[RESULTS_DIR_ENV] = mkdtempSync(join(tmpdir(), 'reliability-cells-'));
}
