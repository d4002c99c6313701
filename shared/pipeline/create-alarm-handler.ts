// Wires a playbook into the pipeline once per container and returns the Lambda handler for its alarm events.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AccountClients, accountOfArn, accountOfRawEvent, crossAccountSettings, incidentKeyOfRawEvent } from '../aws/account-clients';
import { AlarmStateReader } from '../aws/alarm-state-reader';
import { clientConfig, withCachedMiddleware, type SdkClientConfig } from '../aws/client-config';
import { systemClock, type Clock } from '../clock';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/load-config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../config/names';
import { runPlaybook, type PipelineDeps, type PipelineServices } from './run-playbook';
import type { ChangeStep } from './change-step';
import type { Decision, Playbook, ResourceRef } from './types';
import { createRecordingServices } from './recording-services';
import type { RegionServingSource } from './region-serving-source';


export interface SharedClients {
  cloudWatch: CloudWatchClient;
}

export interface AlarmHandlerOptions<Clients, Target extends { resource: ResourceRef }, Observation, Change> {
  playbook: Playbook<Clients, Target, Observation, Change>;
  /** Builds the playbook's own SDK clients; defaults to the playbook's createClients. */
  createClients?(config: SdkClientConfig, shared: SharedClients): Clients;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Replace the pipeline services (tests). */
  services?: Partial<PipelineServices>;
  /**
   * The change step (shared/pipeline/change-step.ts), given by the handler of a row that changes something, so that it is
   * read at init like the rest of its decision path; a playbook that never plans a change leaves it out (decision 352).
   */
  changes?: ChangeStep;
}

export type AlarmHandler = (event: unknown, context?: Partial<Context>) => Promise<Decision>;

/** Everything one playbook's pipeline is made of, built once per container (or per CLI run). */
export interface BuiltPipeline<Clients, Target extends { resource: ResourceRef }, Observation, Change> extends PipelineDeps<Clients, Target, Observation, Change> {
  metrics: Metrics;
  /** The playbook's clients and alarm reader per account: its own, or a remediation role's in the alarm's account. */
  accounts: AccountClients<{ clients: Clients; alarms: AlarmStateReader; serving?: RegionServingSource }>;
}

export function buildPipeline<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  options: AlarmHandlerOptions<Clients, Target, Observation, Change>,
): BuiltPipeline<Clients, Target, Observation, Change> {
  const env = options.env ?? process.env;
  // Its own environment and everything that is not an environment's: the whole document was validated at synth (decision 108).
  const runtime = loadRuntimeConfig(env, { environments: 'running' });
  const clock = options.clock ?? systemClock;
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    persistentKeys: { playbook: options.playbook.name, environment: runtime.environment },
  });
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { environment: runtime.environment, playbook: options.playbook.name },
  });
  const sdkConfig = clientConfig({ region: runtime.region, ...runtime.config.sdkTimeouts });
  const createClients = options.createClients ?? options.playbook.createClients;
  if (!createClients) throw new Error(`playbook ${options.playbook.name} declares no createClients and none was given`);
  const accounts = new AccountClients({
    config: sdkConfig,
    settings: crossAccountSettings(env),
    handler: options.playbook.name,
    build: (config) => {
      const cloudWatch = new CloudWatchClient(withCachedMiddleware(config));
      // A changing row in a DR region reads whether it serves where the alarm's resources are (decision 123); a primary
      // region, or a row that changes nothing, does not.
      const serving = options.playbook.regionServing?.(config, runtime);
      return { clients: createClients(config, { cloudWatch }), alarms: new AlarmStateReader(cloudWatch), ...(serving ? { serving } : {}) };
    },
  });
  const { clients } = accounts.ownClients();
  const ownServing = options.services?.regionServing ?? accounts.ownClients().serving;
  const services: PipelineServices = {
    ...createRecordingServices(runtime, sdkConfig, logger, metrics, options.services),
    alarms: options.services?.alarms ?? accounts.ownClients().alarms,
    ...(ownServing ? { regionServing: ownServing } : {}),
    // The health check is scheduled where the automation runs (like its claims and audit), for rows that change something:
    // by the change step, which builds its scheduler (Scheduler's client loads after a change, a chunk of its own).
    ...(options.services?.verifier
      ? { verifier: options.services.verifier }
      : options.playbook.health && options.changes
        ? { verifier: options.changes.healthCheckScheduler(sdkConfig, env, runtime.region) }
        : {}),
  };
  return { playbook: options.playbook, clients, services, runtime, clock, logger, metrics, accounts, ...(options.changes ? { changes: options.changes } : {}) };
}

export function createAlarmHandler<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  options: AlarmHandlerOptions<Clients, Target, Observation, Change>,
): AlarmHandler & { runtime: RuntimeConfig } {
  const pipeline = buildPipeline(options);
  const { logger, metrics } = pipeline;
  const handler = async (event: unknown, context?: Partial<Context>): Promise<Decision> => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    try {
      // Cross-account mode: act in the alarm's account through its remediation role (assumed on first use only), in a
      // session named and tagged after the incident.
      const inAccount = pipeline.accounts.forAccount(accountOfRawEvent(event), accountOfArn(context?.invokedFunctionArn), incidentKeyOfRawEvent(event));
      const inAccountServing = options.services?.regionServing ?? inAccount.serving;
      const services = {
        ...pipeline.services,
        ...(options.services?.alarms ? {} : { alarms: inAccount.alarms }),
        ...(inAccountServing ? { regionServing: inAccountServing } : {}),
      };
      return await runPlaybook({ ...pipeline, clients: inAccount.clients, services }, event);
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
  return Object.assign(handler, { runtime: pipeline.runtime });
}
