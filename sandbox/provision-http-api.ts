// The service's API as an HTTP API (API Gateway v2), as its owner would deploy it beside the sandbox, and the alarms that
// watch it: the sandbox's own topology keeps its REST API (decision 111); this is what a test provisions to watch an HTTP
// API. moto picks the id, so the configuration learns it here, as a deployment sets dependencies.apis[].id.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ApiGatewayV2Client, CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { alarmSpecs, apiAccessLogFormat, type AlarmSpec } from '../shared/config/alarm-specs';
import type { AutomationConfig, EnvironmentName } from '../shared/config/schema';
import { provisionAlarms, type SandboxClientConfig } from './provision';
import type { Topology } from './topology';

export interface ProvisionedHttpApi {
  id: string;
  name: string;
  stageName: '$default';
  routeKey: string;
  integrationId: string;
  accessLogGroupName: string;
  accessLogGroupArn: string;
  /** The configuration with this API as the HTTP API it is, by its id (what the handlers must be given). */
  config: AutomationConfig;
  /** The alarms whose definition an HTTP API changes (High Latency: Latency by ApiId), put again under their names. */
  alarms: Topology['alarms'];
}

/** `config` with `apiName` configured as an HTTP API of that id (its entry replaced, its function and stage kept). */
export function withHttpApi(config: AutomationConfig, apiName: string, apiId: string, functionName: string): AutomationConfig {
  const others = config.dependencies.apis.filter((api) => api.name !== apiName);
  const own = config.dependencies.apis.find((api) => api.name === apiName);
  const entry = { ...(own ?? { functionName }), name: apiName, type: 'http' as const, id: apiId, stageName: '$default' };
  return { ...config, dependencies: { ...config.dependencies, apis: [...others, entry] } };
}

/**
 * The alarms that watch the API differently once it is an HTTP API of that id (shared/config/alarm-specs.ts: its
 * Latency by ApiId), from the same definition infra deploys; the rest are the topology's as they were.
 */
export function httpApiAlarmSpecs(config: AutomationConfig, environment: EnvironmentName, topologyAlarms: readonly AlarmSpec[]): AlarmSpec[] {
  const before = new Map(topologyAlarms.map((alarm) => [alarm.name, JSON.stringify(alarm.metric)]));
  return alarmSpecs(config, environment).filter((spec) => before.has(spec.name) && before.get(spec.name) !== JSON.stringify(spec.metric));
}

/**
 * Creates the HTTP API in front of the consumer (POST /notifications -> AWS_PROXY to the function, payload 2.0, no
 * timeout set: HTTP APIs' 30 s), its $default stage logging to the access log group the 504 metric filter reads (the
 * topology's, in an HTTP API's format), then puts again the alarms whose metric the HTTP API changes.
 */
export async function provisionHttpApi(opts: { clientConfig: SandboxClientConfig; topology: Topology; config: AutomationConfig }): Promise<ProvisionedHttpApi> {
  const { topology } = opts;
  const name = topology.api.name;
  const routeKey = `POST /${topology.spec.api.pathPart}`;
  const v2 = new ApiGatewayV2Client(opts.clientConfig);
  const cloudWatch = new CloudWatchClient(opts.clientConfig);
  try {
    const api = await v2.send(new CreateApiCommand({ Name: name, ProtocolType: 'HTTP', Description: 'Notification Service HTTP API (sandbox)' }));
    const id = api.ApiId;
    if (!id) throw new Error(`CreateApi ${name}: no ApiId in the answer`);
    const integration = await v2.send(
      new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'AWS_PROXY', IntegrationUri: topology.consumer.functionArn, PayloadFormatVersion: '2.0' }),
    );
    const integrationId = integration.IntegrationId;
    if (!integrationId) throw new Error(`CreateIntegration on ${name}: no IntegrationId in the answer`);
    await v2.send(new CreateRouteCommand({ ApiId: id, RouteKey: routeKey, Target: `integrations/${integrationId}` }));
    await v2.send(
      new CreateStageCommand({
        ApiId: id,
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: topology.api.accessLogGroupArn, Format: apiAccessLogFormat(name, 'http') },
      }),
    );
    const config = withHttpApi(opts.config, name, id, topology.consumer.functionName);
    const alarms = await provisionAlarms(cloudWatch, httpApiAlarmSpecs(config, topology.environment, topology.alarms));
    return { id, name, stageName: '$default', routeKey, integrationId, accessLogGroupName: topology.api.accessLogGroupName, accessLogGroupArn: topology.api.accessLogGroupArn, config, alarms };
  } finally {
    v2.destroy();
    cloudWatch.destroy();
  }
}
