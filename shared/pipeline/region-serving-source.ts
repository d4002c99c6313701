// A DR region's handler gets a reader of "this region serves now" per account; a primary region's gets none (nothing loaded).
import type { SdkClientConfig } from '../aws/client-config';
import { lazy } from '../aws/lazy-client';
import type { RuntimeConfig } from '../config/load-config';
import type { RegionServing } from '../guard/region-serving';

export interface RegionServingSource {
  read(account: string): Promise<RegionServing>;
}

/** The reader's module, loaded once per container (decision 279), and only in a DR region. */
const readerModule = lazy(() => import('../guard/region-serving-reader'));

/**
 * Only in a DR region: the reader and its RDS and Lambda clients load on first use (a chunk of their own), built with
 * `config` (the handler's credentials, or in cross-account mode the workload's remediation role's).
 */
export function regionServingSource(config: SdkClientConfig, runtime: Pick<RuntimeConfig, 'env' | 'region' | 'regionRole'>): RegionServingSource | undefined {
  if (runtime.regionRole !== 'dr') return undefined;
  const reader = lazy(async () => (await readerModule()).createRegionServingReader(config, runtime));
  return { read: async (account) => (await reader()).read(account) };
}
