// The API alarms infra deploys, per API type (dependencies.apis[].type): a REST API's Latency by ApiName, an HTTP API's by
// ApiId (HTTP APIs publish no ApiName metric), the 504 count from the access log by the name it carries for both; an HTTP
// API without its id is refused at synth, naming the field.
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from '../../infra/lib/app';
import { ConfigurationError } from '../../shared/errors';
import { ROOT_DIR } from './support/synth';

const API = 'notification-service-api';
const FN = 'notification-service-consumer';
const STACK = 'NotificationRunbooks-production-us-east-1';
const LATENCY = `NotificationService API Gateway Latency p99 > 500 ms (${API})`;
const TIMEOUTS = `NotificationService API 504 Errors > 0 (${API})`;

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

function synth(apis: unknown[]): Resource[] {
  const app = new App({ context: { environment: 'production', region: 'us-east-1', config: JSON.stringify({ dependencies: { apis } }) } });
  buildRunbookApp(app, { rootDir: ROOT_DIR, nag: false, handlers: [] });
  const template = app.synth().getStackByName(STACK).template as { Resources: Record<string, Resource> };
  return Object.values(template.Resources);
}

const alarm = (resources: Resource[], name: string) => resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === name).map((r) => r.Properties);
const metricOf = (properties: Record<string, unknown> | undefined) => ({
  Namespace: properties?.Namespace,
  MetricName: properties?.MetricName,
  Dimensions: properties?.Dimensions,
  Statistic: properties?.Statistic,
  ExtendedStatistic: properties?.ExtendedStatistic,
  Period: properties?.Period,
});

describe('the API alarms infra synthesizes, per API type', () => {
  it('an HTTP API with its id: Latency p99 in AWS/ApiGateway by exactly ApiId, the 504 count by ApiName from its access log', () => {
    const resources = synth([{ name: API, type: 'http', id: 'a1b2c3d4e5', stageName: '$default', functionName: FN }]);
    const [latency] = alarm(resources, LATENCY);
    expect(alarm(resources, LATENCY)).toHaveLength(1);
    expect(metricOf(latency)).toEqual({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiId', Value: 'a1b2c3d4e5' }],
      Statistic: undefined,
      ExtendedStatistic: 'p99',
      Period: 60,
    });
    expect(metricOf(alarm(resources, TIMEOUTS)[0])).toEqual({
      Namespace: 'NotificationService',
      MetricName: 'Api504Errors',
      Dimensions: [{ Name: 'ApiName', Value: API }],
      Statistic: 'Sum',
      ExtendedStatistic: undefined,
      Period: 60,
    });
    const filters = resources.filter((r) => r.Type === 'AWS::Logs::MetricFilter' && r.Properties.LogGroupName === `/aws/apigateway/${API}/access`).map((r) => r.Properties);
    expect(filters).toEqual([
      {
        FilterName: `${API}-504`,
        LogGroupName: `/aws/apigateway/${API}/access`,
        FilterPattern: '{ $.status = 504 }',
        MetricTransformations: [{ MetricNamespace: 'NotificationService', MetricName: 'Api504Errors', MetricValue: '1', Dimensions: [{ Key: 'ApiName', Value: '$.apiName' }] }],
      },
    ]);
  });

  it('a REST API (the default type): Latency p99 by exactly ApiName', () => {
    const resources = synth([{ name: API, functionName: FN }]);
    expect(metricOf(alarm(resources, LATENCY)[0])).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Dimensions: [{ Name: 'ApiName', Value: API }], ExtendedStatistic: 'p99' });
  });

  it('an HTTP API without its id is refused at synth, naming the field (CloudFormation cannot look the id up by name)', () => {
    let thrown: unknown;
    try {
      synth([{ name: API, type: 'http', functionName: FN }]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).issues).toEqual(['dependencies.apis.0.id']);
    expect((thrown as Error).message).toContain('dependencies.apis.0.id: HTTP API notification-service-api (type http) is watched by API Gateway\'s Latency, which HTTP APIs publish by ApiId only');
  });
});
