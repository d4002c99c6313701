// Module init time (import plus client construction) of a bundle, median over fresh Node processes, next to its floor.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './bundles';

const run = promisify(execFile);

/** What a Lambda environment gives the module at init: region, credentials in the environment, the handler's settings. */
export const LAMBDA_LIKE_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIA000000000000MOTO',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  RUNBOOK_ENVIRONMENT: 'production',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

async function probe(file: string): Promise<number> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...LAMBDA_LIKE_ENV };
  const { stdout } = await run(process.execPath, [join(root, 'bench', 'init-probe.mjs'), file], { env, cwd: root, timeout: 30_000 });
  const line = stdout.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { initMs: number }).initMs;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export interface InitTimes {
  handlerMs: number[];
  floorMs: number[];
}

/** Alternates handler and floor, one fresh process each, so machine noise falls on both alike. */
export async function measureInit(handlerFile: string, floorFile: string, runs: number): Promise<InitTimes> {
  const times: InitTimes = { handlerMs: [], floorMs: [] };
  // One unmeasured pair first: the OS file cache, not the bundle, would otherwise pay for the first read.
  await probe(handlerFile);
  await probe(floorFile);
  for (let i = 0; i < runs; i += 1) {
    times.handlerMs.push(await probe(handlerFile));
    times.floorMs.push(await probe(floorFile));
  }
  return times;
}
