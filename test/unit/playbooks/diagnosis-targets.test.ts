// Which function or database a 504 or latency alarm is about: resolveTarget of inspect-security-groups and check-db-connections.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeConfig, type RuntimeConfig } from '../../../shared/config/load-config';
import { InvalidInputError } from '../../../shared/errors';
import { parseAlarmEvent, type AlarmStateChange } from '../../../shared/events/alarm-event';
import { connectionTimeoutPlaybook } from '../../../shared/playbooks/connection-timeout';
import { highLatencyPlaybook } from '../../../shared/playbooks/high-latency';

type RawEvent = { detail: { configuration: { metrics: Array<{ metricStat: { metric: { namespace: string; name: string; dimensions: Record<string, string> } } }> } } };

function fixture(name: string): RawEvent {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/events', name), 'utf8')) as RawEvent;
}

/** The 504 alarm with its metric rewritten: namespace, metric name and dimensions. */
function alarm(namespace: string, metricName: string, dimensions: Record<string, string>, file = 'alarm-state-change-api-gateway-5xx.json'): AlarmStateChange {
  const raw = fixture(file);
  const metric = raw.detail.configuration.metrics[0];
  if (metric) metric.metricStat.metric = { namespace, name: metricName, dimensions };
  return parseAlarmEvent(raw);
}

function runtime(overrides: unknown = {}): RuntimeConfig {
  return loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });
}

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer';
const DB_ARN = 'arn:aws:rds:us-east-1:123456789012:db:notification-service-db';

describe('inspect-security-groups resolveTarget', () => {
  it.each<[string, AlarmStateChange, RuntimeConfig]>([
    ['the REST API 5XXError alarm (ApiName and Stage)', parseAlarmEvent(fixture('alarm-state-change-api-gateway-5xx.json')), runtime()],
    ['an ApiName-only alarm', alarm('AWS/ApiGateway', '5XXError', { ApiName: 'notification-service-api' }), runtime()],
    [
      'an HTTP API alarm by ApiId',
      alarm('AWS/ApiGateway', '5xx', { ApiId: 'a1b2c3d4e5', Stage: '$default' }),
      runtime({ dependencies: { apis: [{ name: 'notification-service-http', id: 'a1b2c3d4e5', functionName: 'notification-service-consumer' }] } }),
    ],
    ['a Lambda alarm on the function itself', alarm('AWS/Lambda', 'Duration', { FunctionName: 'notification-service-consumer' }), runtime()],
  ])('finds the function behind %s', (_situation, event, config) => {
    expect(connectionTimeoutPlaybook.resolveTarget(event, config)).toMatchObject({
      functionName: 'notification-service-consumer',
      resource: { type: 'lambda-function', id: 'notification-service-consumer', arn: FUNCTION_ARN },
    });
  });

  it.each<[string, AlarmStateChange, RuntimeConfig, string]>([
    ['an API missing from dependencies.apis', alarm('AWS/ApiGateway', '5XXError', { ApiName: 'billing-api' }), runtime(), 'API billing-api is not in dependencies.apis'],
    [
      'an API served by a function the environment does not own',
      alarm('AWS/ApiGateway', '5XXError', { ApiName: 'notification-service-api' }),
      runtime({ dependencies: { apis: [{ name: 'notification-service-api', functionName: 'someone-elses-function' }] } }),
      'function someone-elses-function (behind API notification-service-api) is not one of the production functions',
    ],
    ['an EC2 CPU alarm', parseAlarmEvent(fixture('alarm-state-change-single-metric.json')), runtime(), 'acts on AWS/ApiGateway alarms'],
    ['a composite alarm', parseAlarmEvent(fixture('alarm-state-change-composite.json')), runtime(), 'composite alarm without a metric'],
    ['an API Gateway alarm without ApiName or ApiId', alarm('AWS/ApiGateway', '5XXError', {}), runtime(), 'with an ApiName or ApiId dimension'],
  ])('rejects %s', (_situation, event, config, message) => {
    expect(() => connectionTimeoutPlaybook.resolveTarget(event, config)).toThrow(InvalidInputError);
    expect(() => connectionTimeoutPlaybook.resolveTarget(event, config)).toThrow(message);
  });
});

describe('check-db-connections resolveTarget', () => {
  it('goes from the API latency alarm to the service database', () => {
    const event = parseAlarmEvent(fixture('alarm-state-change-api-gateway-latency-p99.json'));
    expect(highLatencyPlaybook.resolveTarget(event, runtime())).toEqual({
      resource: { type: 'rds-db-instance', id: 'notification-service-db', arn: DB_ARN },
      dbInstanceIdentifier: 'notification-service-db',
      via: 'notification-service-consumer behind API notification-service-api',
      incidentKey: event.incidentKey,
      functionName: 'notification-service-consumer',
    });
  });

  it('takes the database an RDS alarm names', () => {
    const event = alarm('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'notification-service-db' });
    expect(highLatencyPlaybook.resolveTarget(event, runtime())).toMatchObject({ dbInstanceIdentifier: 'notification-service-db', via: 'database alarm' });
  });

  it.each<[string, AlarmStateChange, RuntimeConfig, string]>([
    ['a database the environment does not own', alarm('AWS/RDS', 'ReadLatency', { DBInstanceIdentifier: 'billing-db' }), runtime(), 'database billing-db is not one of the production databases'],
    [
      'an environment that owns no database',
      parseAlarmEvent(fixture('alarm-state-change-api-gateway-latency-p99.json')),
      runtime({ environments: { production: { resources: { databases: [] } } } }),
      'owns no database to check',
    ],
    ['an SQS alarm', alarm('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'notification-service-queue' }), runtime(), 'acts on AWS/ApiGateway alarms'],
  ])('rejects %s', (_situation, event, config, message) => {
    expect(() => highLatencyPlaybook.resolveTarget(event, config)).toThrow(message);
  });
});
