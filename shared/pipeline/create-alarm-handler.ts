// Wires a playbook into the pipeline once per container and returns the Lambda handler for its alarm events.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AlarmStateReader } from '../aws/alarm-state-reader';
import { clientConfig, type SdkClientConfig } from '../aws/client-config';
import { systemClock, type Clock } from '../clock';
import { loadRuntimeConfig, type RuntimeConfig } from '../config/load-config';
import { KillSwitch } from '../guard/kill-switch';
import { DecisionReporter } from '../report/decision-reporter';
import { IncidentStore } from '../state/incident-store';
import { runPlaybook, type PipelineServices } from './run-playbook';
import type { Decision, Playbook, ResourceRef } from './types';

export const SERVICE_NAME = 'notification-runbooks';
export const METRICS_NAMESPACE = 'NotificationService/Runbooks';

export interface SharedClients {
  cloudWatch: CloudWatchClient;
}

export interface AlarmHandlerOptions<Clients, Target extends { resource: ResourceRef }, Observation, Change> {
  playbook: Playbook<Clients, Target, Observation, Change>;
  /** Builds the playbook's own SDK clients (only those it uses, so the bundle carries no others). */
  createClients(config: SdkClientConfig, shared: SharedClients): Clients;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Replace the pipeline services (tests). */
  services?: Partial<PipelineServices>;
}

export type AlarmHandler = (event: unknown, context?: Partial<Context>) => Promise<Decision>;

export function createAlarmHandler<Clients, Target extends { resource: ResourceRef }, Observation, Change>(
  options: AlarmHandlerOptions<Clients, Target, Observation, Change>,
): AlarmHandler & { runtime: RuntimeConfig } {
  const runtime = loadRuntimeConfig(options.env ?? process.env);
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
  const sdkConfig = clientConfig({ region: runtime.region });
  const cloudWatch = new CloudWatchClient(sdkConfig);
  const clients = options.createClients(sdkConfig, { cloudWatch });
  const services: PipelineServices = {
    store:
      options.services?.store ??
      new IncidentStore(DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig), { marshallOptions: { removeUndefinedValues: true } }), {
        tableName: runtime.config.stateTableName,
        leaseSeconds: runtime.config.claimLeaseSeconds,
        retentionDays: runtime.config.recordRetentionDays,
      }),
    reporter: options.services?.reporter ?? new DecisionReporter(new EventBridgeClient(sdkConfig), runtime.config.eventBusName, logger, metrics),
    killSwitch:
      options.services?.killSwitch ??
      new KillSwitch(new SSMClient(sdkConfig), runtime.config.killSwitchParameterName, runtime.config.killSwitchCacheSeconds),
    alarms: options.services?.alarms ?? new AlarmStateReader(cloudWatch),
  };

  const handler = async (event: unknown, context?: Partial<Context>): Promise<Decision> => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    try {
      return await runPlaybook({ playbook: options.playbook, clients, services, runtime, clock, logger }, event);
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
  return Object.assign(handler, { runtime });
}
