// Which function or database a 504 or latency alarm is about: resolveTarget of inspect-security-groups and check-db-connections.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeConfig, type RuntimeConfig } from '../../../shared/config/load-config';
import { InvalidInputError } from '../../../shared/errors';
import { parseAlarmEvent, type AlarmStateChange } from '../../../shared/events/alarm-event';
import { connectionTimeoutPlaybook } from '../../../shared/playbooks/connection-timeout';
import { highLatencyPlaybook } from '../../../shared/playbooks/high-latency';
import { regionDatabases } from '../../../shared/playbooks/region-databases';

type RawEvent = { detail: { configuration: { metrics: Array<{ metricStat: { metric: { namespace: string; name: string; dimensions: Record<string, string> } } }> } } };

function fixture(name: string): RawEvent {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/events', name), 'utf8')) as RawEvent;
}

/** The 504 alarm's event with its metric rewritten: namespace, metric name and dimensions. */
function alarmRaw(namespace: string, metricName: string, dimensions: Record<string, string>, file = 'alarm-state-change-api-gateway-5xx.json'): RawEvent {
  const raw = fixture(file);
  const metric = raw.detail.configuration.metrics[0];
  if (metric) metric.metricStat.metric = { namespace, name: metricName, dimensions };
  return raw;
}

function alarm(namespace: string, metricName: string, dimensions: Record<string, string>): AlarmStateChange {
  return parseAlarmEvent(alarmRaw(namespace, metricName, dimensions));
}

function runtime(overrides: unknown = {}, region = 'us-east-1'): RuntimeConfig {
  return loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });
}

/** The same alarm as CloudWatch in the DR region (us-west-2) would send it: the event's region and the alarm's ARN. */
function inDr(event: RawEvent): AlarmStateChange {
  const raw = JSON.parse(JSON.stringify(event).replaceAll('us-east-1', 'us-west-2')) as RawEvent & { region: string };
  expect(raw.region).toBe('us-west-2');
  return parseAlarmEvent(raw);
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

describe('an alarm carrying both ApiName and ApiId (review finding, decision 117)', () => {
  // Two configured APIs, each served by a function the environment owns: a REST one by name, an HTTP one by id.
  const twoApis = () =>
    runtime({
      dependencies: {
        apis: [
          { name: 'notification-service-api', type: 'rest', functionName: 'notification-service-consumer' },
          { name: 'other-api', type: 'http', id: 'a1b2c3d4e5', functionName: 'other-fn' },
        ],
      },
      environments: { production: { resources: { functions: ['notification-service-consumer', 'other-fn'] } } },
    });

  it('the configuration owns both functions, and each API alone resolves to its own (so the refusals below are the pairing)', () => {
    const config = twoApis();
    expect(config.env.resources.functions).toEqual(['notification-service-consumer', 'other-fn']);
    expect(connectionTimeoutPlaybook.resolveTarget(alarm('AWS/ApiGateway', '5XXError', { ApiName: 'notification-service-api' }), config)).toMatchObject({
      functionName: 'notification-service-consumer',
    });
    expect(connectionTimeoutPlaybook.resolveTarget(alarm('AWS/ApiGateway', '5xx', { ApiId: 'a1b2c3d4e5' }), config)).toMatchObject({ functionName: 'other-fn' });
    expect(connectionTimeoutPlaybook.resolveTarget(alarm('AWS/ApiGateway', '5xx', { ApiName: 'other-api', ApiId: 'a1b2c3d4e5' }), config)).toMatchObject({
      functionName: 'other-fn',
    });
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'ApiName of one API and ApiId of another',
      { ApiName: 'notification-service-api', ApiId: 'a1b2c3d4e5' },
      'names ApiName notification-service-api (dependencies.apis entry notification-service-api) and ApiId a1b2c3d4e5 (dependencies.apis entry other-api): both must name the same configured API',
    ],
    [
      'a configured ApiName and an ApiId nothing is configured with',
      { ApiName: 'other-api', ApiId: 'zzzzzzzzzz' },
      'names ApiName other-api (dependencies.apis entry other-api) and ApiId zzzzzzzzzz (no dependencies.apis entry): both must name the same configured API',
    ],
    [
      'an ApiName nothing is configured with and a configured ApiId',
      { ApiName: 'billing-api', ApiId: 'a1b2c3d4e5' },
      'names ApiName billing-api (no dependencies.apis entry) and ApiId a1b2c3d4e5 (dependencies.apis entry other-api): both must name the same configured API',
    ],
  ])('refuses %s, naming both', (_situation, dimensions, message) => {
    const event = alarm('AWS/ApiGateway', '5xx', dimensions);
    expect(() => connectionTimeoutPlaybook.resolveTarget(event, twoApis())).toThrow(InvalidInputError);
    expect(() => connectionTimeoutPlaybook.resolveTarget(event, twoApis())).toThrow(message);
    expect(() => highLatencyPlaybook.resolveTarget(event, twoApis())).toThrow(message);
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

// The DR region (production us-west-2, the seed's DR region; its regionRoles and disasterRecovery are the project's
// defaults): the configured database identifiers name the primary's instance in us-east-1, which does not exist there;
// the database in us-west-2 is the cross-region replica (decision 101).
describe('check-db-connections resolveTarget in the DR region', () => {
  const REPLICA = 'notification-service-db-replica';
  const REPLICA_ARN = `arn:aws:rds:us-west-2:123456789012:db:${REPLICA}`;

  it('goes from the API latency alarm to the cross-region replica, not the primary database', () => {
    const event = inDr(fixture('alarm-state-change-api-gateway-latency-p99.json'));
    const dr = runtime({}, 'us-west-2');
    expect(dr.regionRole).toBe('dr');
    expect(dr.env.disasterRecovery?.replicaIdentifier).toBe(REPLICA);
    expect(highLatencyPlaybook.resolveTarget(event, dr)).toMatchObject({
      resource: { type: 'rds-db-instance', id: REPLICA, arn: REPLICA_ARN },
      dbInstanceIdentifier: REPLICA,
      functionName: 'notification-service-consumer',
    });
  });

  it('takes the replica an RDS alarm in the DR region names, and refuses the primary there', () => {
    const dr = runtime({}, 'us-west-2');
    const replicaAlarm = inDr(alarmRaw('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: REPLICA }));
    expect(highLatencyPlaybook.resolveTarget(replicaAlarm, dr)).toMatchObject({ dbInstanceIdentifier: REPLICA, resource: { arn: REPLICA_ARN }, via: 'database alarm' });
    const primaryAlarm = inDr(alarmRaw('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'notification-service-db' }));
    expect(() => highLatencyPlaybook.resolveTarget(primaryAlarm, dr)).toThrow(InvalidInputError);
    expect(() => highLatencyPlaybook.resolveTarget(primaryAlarm, dr)).toThrow(
      `database notification-service-db is not one of the production databases in us-west-2 (the DR region: its cross-region replica, environments.production.disasterRecovery.replicaIdentifier) this automation owns (${REPLICA})`,
    );
  });

  it('refuses, naming the setting, where the DR region has no replica configured', () => {
    const event = inDr(fixture('alarm-state-change-api-gateway-latency-p99.json'));
    const dr = runtime({}, 'us-west-2');
    // Overrides merge onto the defaults (which configure DR), so the setting is taken out of the loaded configuration.
    const { disasterRecovery: _configured, ...withoutDr } = dr.env;
    const bare: RuntimeConfig = { ...dr, env: withoutDr };
    expect(bare.env.disasterRecovery).toBeUndefined();
    expect(regionDatabases(bare)).toEqual([]);
    expect(() => highLatencyPlaybook.resolveTarget(event, bare)).toThrow('none configured, so the production environment owns no database to check here');
  });
});

describe('regionDatabases', () => {
  it('is the configured databases in the primary region and the replica in the DR region', () => {
    expect(regionDatabases(runtime())).toEqual(['notification-service-db']);
    expect(regionDatabases(runtime({}, 'us-west-2'))).toEqual(['notification-service-db-replica']);
    expect(regionDatabases(runtime({ environments: { production: { resources: { databases: ['a-db', 'b-db'] } } } }))).toEqual(['a-db', 'b-db']);
  });
});

