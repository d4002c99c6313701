// Wires verify-change once per container: the rows that change something, their clients, the store, bus and kill switch.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { clientConfig } from '../aws/client-config';
import { systemClock, type Clock } from '../clock';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/load-config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../config/names';
import { CHANGING_PLAYBOOKS } from '../playbooks/changing-rows';
import type { Decision } from './types';
import { runVerifyChange, type VerifiablePlaybook, type VerifyChangeServices } from './verify-change';
import { VERIFY_HANDLER } from './verify-change-plan';
import { createRecordingServices } from './recording-services';

export interface VerifyChangeHandlerOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Replace services (tests). */
  services?: Partial<VerifyChangeServices>;
}

export type VerifyChangeHandler = ((event: unknown, context?: Partial<Context>) => Promise<Decision>) & { runtime: RuntimeConfig };

export function createVerifyChangeHandler(options: VerifyChangeHandlerOptions = {}): VerifyChangeHandler {
  const env = options.env ?? process.env;
  const runtime = loadRuntimeConfig(env);
  const clock = options.clock ?? systemClock;
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { handler: VERIFY_HANDLER, environment: runtime.environment } });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { environment: runtime.environment, playbook: VERIFY_HANDLER } });
  const sdkConfig = clientConfig({ region: runtime.region });
  const cloudWatch = new CloudWatchClient(sdkConfig);
  const playbooks: Record<string, VerifiablePlaybook> = {};
  for (const playbook of CHANGING_PLAYBOOKS) {
    const create = playbook.createClients as ((config: typeof sdkConfig, shared: { cloudWatch: CloudWatchClient }) => unknown) | undefined;
    if (!create) throw new Error(`playbook ${playbook.name} declares no createClients`);
    playbooks[playbook.name] = { playbook: playbook as unknown as VerifiablePlaybook['playbook'], clients: create(sdkConfig, { cloudWatch }) };
  }
  // Test doubles replace the real services; building the unused real ones does no I/O.
  const services: VerifyChangeServices = { ...createRecordingServices(runtime, sdkConfig, logger, metrics), ...options.services };
  const handler = async (event: unknown, context?: Partial<Context>): Promise<Decision> => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    try {
      return await runVerifyChange({ playbooks, services, runtime, clock, logger }, event);
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
  return Object.assign(handler, { runtime });
}
