// One running sandbox: moto + gap proxy, the provisioned topology, and the environment that points SDK clients at it.
import { randomInt } from 'node:crypto';
import { loadRuntimeConfig } from '../shared/config/load-config';
import type { EnvironmentName } from '../shared/config/schema';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, sandboxEnv } from './credentials';
import { startGapProxy, type GapProxy } from './gap-proxy';
import { startMotoServer, type MotoServer } from './moto-server';
import { provisionSandbox, type SandboxClientConfig } from './provision';
import type { Topology } from './topology';

export interface SandboxSession {
  /** What AWS_ENDPOINT_URL must say: the gap proxy in front of moto. */
  endpoint: string;
  env: Record<string, string>;
  clientConfig: SandboxClientConfig;
  topology: Topology;
  moto: MotoServer;
  proxy: GapProxy;
  stop(): Promise<void>;
}

export interface StartSandboxOptions {
  environment: EnvironmentName;
  accountId?: string;
  region?: string;
  port?: number;
  onLog?: (line: string) => void;
}

/**
 * Points this process's SDK at the emulator behind `endpoint` (AWS_ENDPOINT_URL and fake credentials in process.env, and
 * RUNBOOK_ACCOUNT_ID as infra sets it: the handlers act only on this account's alarms, shared/config/workload-account.ts)
 * and provisions the topology there.
 */
async function pointAtAndProvision(at: { endpoint: string; environment: EnvironmentName; accountId: string; region: string }): Promise<Pick<SandboxSession, 'env' | 'clientConfig' | 'topology'>> {
  const env: Record<string, string> = { ...sandboxEnv({ endpoint: at.endpoint, accountId: at.accountId, region: at.region }), RUNBOOK_ENVIRONMENT: at.environment, RUNBOOK_ACCOUNT_ID: at.accountId };
  Object.assign(process.env, env);
  const runtime = loadRuntimeConfig(process.env);
  const clientConfig: SandboxClientConfig = {
    endpoint: at.endpoint,
    region: at.region,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' },
  };
  const topology = await provisionSandbox({ clientConfig, config: runtime.config, environment: at.environment });
  return { env, clientConfig, topology };
}

/**
 * Starts moto on a free loopback port, puts the gap proxy in front of it, points this process's SDK at it
 * (AWS_ENDPOINT_URL and fake credentials in process.env, so built handler bundles use it with no special code path)
 * and provisions the Notification Service topology.
 */
export async function startSandbox(options: StartSandboxOptions): Promise<SandboxSession> {
  const moto = await startMotoServer({ ...(options.port ? { port: options.port } : {}), ...(options.onLog ? { onLog: options.onLog } : {}) });
  let proxy: GapProxy | undefined;
  try {
    proxy = await startGapProxy({ upstream: moto.endpoint });
    const { env, clientConfig, topology } = await pointAtAndProvision({
      endpoint: proxy.endpoint,
      environment: options.environment,
      accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
      region: options.region ?? DEFAULT_REGION,
    });
    const started = proxy;
    return {
      endpoint: proxy.endpoint,
      env,
      clientConfig,
      topology,
      moto,
      proxy,
      async stop() {
        await started.stop().catch(() => undefined);
        await moto.stop();
      },
    };
  } catch (error) {
    await proxy?.stop().catch(() => undefined);
    await moto.stop();
    throw error;
  }
}

/** What the demo plays on: a sandbox it started (startSandbox), or an emulator already running (attachSandbox). */
export type PlayableSandbox = Pick<SandboxSession, 'endpoint' | 'env' | 'clientConfig' | 'topology' | 'stop'> & {
  /** The account the topology was provisioned in. */
  accountId: string;
  /** True when the emulator was already running and stop() leaves it so. */
  attached: boolean;
};

/**
 * Provisions the topology on an emulator that is already running (the gap proxy's endpoint, as `runbook sandbox` or the
 * integration tests' global setup run it), in an account of its own (`accountId`, else a random 12-digit one), and points
 * this process's SDK at it. stop() leaves the emulator running: what the demo did there can be read afterwards.
 * provisionSandbox refuses any endpoint but a loopback one.
 */
export async function attachSandbox(options: { endpoint: string; environment: EnvironmentName; accountId?: string; region?: string }): Promise<PlayableSandbox> {
  const accountId = options.accountId ?? String(randomInt(200_000_000_000, 999_999_999_999));
  const { env, clientConfig, topology } = await pointAtAndProvision({ endpoint: options.endpoint, environment: options.environment, accountId, region: options.region ?? DEFAULT_REGION });
  return { endpoint: options.endpoint, env, clientConfig, topology, accountId, attached: true, stop: () => Promise.resolve() };
}
