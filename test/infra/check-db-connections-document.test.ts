// NotificationService-CheckDbConnections as infra deploys it, per API type (decision 120): its API parameter, the
// dimension its alarm must watch and the event's dimension are the High Latency alarm's (decision 117), rendered at synth:
// a REST API's ApiName, an HTTP API's ApiId with the configured id as its default. The alarm is read by its name, which
// is by the API's name for either type (review 12, R12-1's remainder). The document is registered where its
// function is: the app is built with its handlers (the bundles in dist/).
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from '../../infra/lib/app';
import { documentContentOf } from './support/document-content';
import { ROOT_DIR, type CfnResource, type CfnTemplate } from './support/synth';

const API = 'notification-service-api';
const API_ID = 'a1b2c3d4e5';
const STACK = 'NotificationRunbooks-production-us-east-1';
const DOCUMENT = 'NotificationService-CheckDbConnections';
const LATENCY_ALARM = `NotificationService API Gateway Latency p99 > 500 ms (${API})`;

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

interface DocumentContent {
  parameters: Record<string, { default?: unknown; allowedPattern?: unknown }>;
  mainSteps: Array<{ name: string; inputs: Record<string, unknown> }>;
}

/** The document's Content in the synthesized stack, with the configuration's dependencies.apis. */
function deployedDocument(apis: unknown[] | undefined): DocumentContent {
  const config = apis ? JSON.stringify({ dependencies: { apis } }) : undefined;
  const app = new App({ context: { environment: 'production', region: 'us-east-1', ...(config ? { config } : {}) } });
  buildRunbookApp(app, { rootDir: ROOT_DIR, nag: false });
  const template = app.synth().getStackByName(STACK).template as { Resources: Record<string, Resource> };
  const documents = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SSM::Document' && r.Properties.Name === DOCUMENT);
  expect(documents).toHaveLength(1);
  return documentContentOf<DocumentContent>(documents[0] as unknown as CfnResource, template as unknown as CfnTemplate, { partition: 'aws', region: 'us-east-1', account: '123456789012' });
}

/** Where the document names the API: its Api* parameters, the alarm both lookups read and what the check requires of it, the event's dimensions. */
function apiUse(doc: DocumentContent) {
  const inputs = (name: string) => doc.mainSteps.find((s) => s.name === name)?.inputs ?? {};
  const payload = inputs('checkDbConnections').InputPayload as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: unknown } } }> } } };
  const apiParameters = Object.fromEntries(Object.entries(doc.parameters).filter(([name]) => name.startsWith('Api')).map(([name, p]) => [name, [p.default, p.allowedPattern]]));
  return {
    apiParameters,
    checkAlarmExists: [inputs('checkAlarmExists').AlarmNames, inputs('checkAlarmExists').PropertySelector, inputs('checkAlarmExists').DesiredValues],
    readAlarm: inputs('readAlarm').AlarmNames,
    event: payload.detail.configuration.metrics[0]?.metricStat.metric.dimensions,
  };
}

describe(`${DOCUMENT} as deployed, per API type`, () => {
  it('an HTTP API with its id: the parameter is ApiId, its default that id, and the alarm read by name must watch that ApiId', () => {
    expect(apiUse(deployedDocument([{ name: API, type: 'http', id: API_ID, stageName: '$default', functionName: 'notification-service-consumer' }]))).toEqual({
      apiParameters: { ApiId: [API_ID, '^[a-z0-9]{10}$'] },
      checkAlarmExists: [[LATENCY_ALARM], '$.MetricAlarms[0].Dimensions[0].Value', ['{{ ApiId }}']],
      readAlarm: [LATENCY_ALARM],
      event: { ApiId: '{{ ApiId }}' },
    });
  });

  it('the default configuration (a REST API): ApiName as before, defaulting to the service\'s API', () => {
    expect(apiUse(deployedDocument(undefined))).toEqual({
      apiParameters: { ApiName: [API, '^[\\w .:/+=@-]{1,128}$'] },
      checkAlarmExists: [[LATENCY_ALARM], '$.MetricAlarms[0].Dimensions[0].Value', ['{{ ApiName }}']],
      readAlarm: [LATENCY_ALARM],
      event: { ApiName: '{{ ApiName }}' },
    });
  });
});
