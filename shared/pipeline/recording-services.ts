// The services every handler that decides needs: the state table, the decision reporter and the kill switch, built once per container.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { withCachedMiddleware, type SdkClientConfig } from '../aws/client-config';
import type { RuntimeConfig } from '../config/load-config';
import { KillSwitch } from '../guard/kill-switch';
import { DecisionReporter } from '../report/decision-reporter';
import { IncidentStore } from '../state/incident-store';
import type { PipelineServices } from './run-playbook';

export type RecordingServices = Pick<PipelineServices, 'store' | 'reporter' | 'killSwitch'>;

/** The state table's store, as every handler that decides builds it. */
export function createIncidentStore(runtime: RuntimeConfig, sdkConfig: SdkClientConfig): IncidentStore {
  return new IncidentStore(DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig), { marshallOptions: { removeUndefinedValues: true } }), {
    tableName: runtime.config.stateTableName,
    leaseSeconds: runtime.config.claimLeaseSeconds,
    retentionDays: runtime.config.recordRetentionDays,
  });
}

/** A client's calls bound by a handler's deadline (verify-change's sweep, decision 346); unset: as they are. */
export type BindClient = <C extends { send: object }>(client: C, label: string) => C;

/** Builds what `overrides` (tests) does not provide; the reporter's and the kill switch's calls bound by `bind`. */
export function createRecordingServices(
  runtime: RuntimeConfig,
  sdkConfig: SdkClientConfig,
  logger: Logger,
  metrics: Metrics,
  overrides: Partial<RecordingServices> = {},
  bind: BindClient = (client) => client,
): RecordingServices {
  return {
    store: overrides.store ?? createIncidentStore(runtime, sdkConfig),
    reporter: overrides.reporter ?? new DecisionReporter(bind(new EventBridgeClient(sdkConfig), 'EventBridge'), runtime.config.eventBusName, logger, metrics),
    killSwitch:
      overrides.killSwitch ??
      new KillSwitch(bind(new SSMClient(withCachedMiddleware(sdkConfig)), 'SSM'), runtime.config.killSwitchParameterName, runtime.config.killSwitchCacheSeconds),
  };
}
