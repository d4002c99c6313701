// Configuration: the seed defaults validate, and a bad configuration fails at start naming the field.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { ConfigurationError } from '../../../shared/errors';

const base = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' };

describe('loadRuntimeConfig', () => {
  it('loads the seed defaults for each environment with its mutation mode', () => {
    expect(loadRuntimeConfig({ ...base }).mutationMode).toBe('automatic');
    expect(loadRuntimeConfig({ ...base, RUNBOOK_ENVIRONMENT: 'staging' }).mutationMode).toBe('automatic');
    expect(loadRuntimeConfig({ ...base, RUNBOOK_ENVIRONMENT: 'development' }).mutationMode).toBe('report-only');
    expect(loadRuntimeConfig({ ...base }).env.dbInstanceClass).toBe('db.r6g.xlarge');
  });

  it('runs production in the us-west-2 DR region but not staging', () => {
    expect(loadRuntimeConfig({ ...base, AWS_REGION: 'us-west-2' }).region).toBe('us-west-2');
    expect(() => loadRuntimeConfig({ ...base, RUNBOOK_ENVIRONMENT: 'staging', AWS_REGION: 'us-west-2' })).toThrow(/environments\.staging\.regions/);
  });

  it.each([
    ['a MaximumConcurrency cap above AWS 1000', { environments: { production: { scaleConsumers: { maxConcurrency: 5000 } } } }, 'environments.production.scaleConsumers.maxConcurrency'],
    ['an unknown field', { environments: { staging: { autoScalling: true } } }, 'environments.staging'],
    ['a bad kill switch name', { killSwitchParameterName: 'kill switch' }, 'killSwitchParameterName'],
    ['a negative cooldown', { environments: { development: { guardrails: { cooldownSeconds: -1 } } } }, 'environments.development.guardrails.cooldownSeconds'],
    // Decision 286: a replay up to 15 days old is acted on because its claim is sure to be kept that long.
    ['records kept 14 days, under the 15 a replay is trusted', { recordRetentionDays: 14 }, 'recordRetentionDays'],
  ])('fails at start on %s, naming the field', (_name, overrides, field) => {
    let error: unknown;
    try {
      loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(field);
  });

  it('rejects an unknown environment name and an invalid DRY_RUN', () => {
    expect(() => loadRuntimeConfig({ ...base, RUNBOOK_ENVIRONMENT: 'prod' })).toThrow(/RUNBOOK_ENVIRONMENT/);
    expect(() => loadRuntimeConfig({ ...base, DRY_RUN: 'maybe' })).toThrow(/DRY_RUN/);
    expect(loadRuntimeConfig({ ...base, DRY_RUN: 'true' }).dryRun).toBe(true);
  });

  it('takes the table and bus names infra sets', () => {
    const runtime = loadRuntimeConfig({ ...base, STATE_TABLE_NAME: 'state-tbl', EVENT_BUS_NAME: 'bus' });
    expect(runtime.config.stateTableName).toBe('state-tbl');
    expect(runtime.config.eventBusName).toBe('bus');
  });
});

/** The message a configuration is refused with (ConfigurationError), or 'accepted'. */
function refusedWith(overrides: unknown): string {
  try {
    loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  return 'accepted';
}

// The shared leaf schemas (decision 106 builds each once and shares it between fields): each bound, per field that uses
// it, accepted at the edge and refused just past it, naming the field.
describe('bounds of the shared leaf schemas, per field', () => {
  const prod = (fields: Record<string, unknown>) => ({ environments: { production: fields } });

  it.each<[string, unknown, unknown, string]>([
    ['the account id (12 digits)', prod({ accountId: '123456789012' }), prod({ accountId: '1234567890' }), 'environments.production.accountId'],
    ['the account id (digits only)', prod({ accountId: '123456789012' }), prod({ accountId: '12345678901a' }), 'environments.production.accountId'],
    ['consumerErrorRatePercent (0-100)', prod({ scaleConsumers: { consumerErrorRatePercent: 100 } }), prod({ scaleConsumers: { consumerErrorRatePercent: 101 } }), 'environments.production.scaleConsumers.consumerErrorRatePercent'],
    ['consumerErrorRatePercent (not negative)', prod({ scaleConsumers: { consumerErrorRatePercent: 0 } }), prod({ scaleConsumers: { consumerErrorRatePercent: -1 } }), 'environments.production.scaleConsumers.consumerErrorRatePercent'],
    ['errorRateRisePercentPoints (0-100)', prod({ verifyChange: { errorRateRisePercentPoints: 100 } }), prod({ verifyChange: { errorRateRisePercentPoints: 101 } }), 'environments.production.verifyChange.errorRateRisePercentPoints'],
    ['cpuImprovementPercentPoints (0-100)', prod({ verifyChange: { cpuImprovementPercentPoints: 100 } }), prod({ verifyChange: { cpuImprovementPercentPoints: 101 } }), 'environments.production.verifyChange.cpuImprovementPercentPoints'],
    ['saturationPercent (1-100)', { checkDbConnections: { saturationPercent: 100 } }, { checkDbConnections: { saturationPercent: 101 } }, 'checkDbConnections.saturationPercent'],
    ['saturationPercent (at least 1)', { checkDbConnections: { saturationPercent: 1 } }, { checkDbConnections: { saturationPercent: 0 } }, 'checkDbConnections.saturationPercent'],
    ['cpuPercent (1-100)', { checkDbConnections: { cpuPercent: 100 } }, { checkDbConnections: { cpuPercent: 101 } }, 'checkDbConnections.cpuPercent'],
    ['cacheHitRatePercent (1-100)', { checkDbConnections: { cacheHitRatePercent: 100 } }, { checkDbConnections: { cacheHitRatePercent: 101 } }, 'checkDbConnections.cacheHitRatePercent'],
  ])('%s: accepted at the edge, refused past it naming the field', (_bound, edge, past, field) => {
    expect(refusedWith(edge)).toBe('accepted');
    expect(refusedWith(past)).toContain(field);
  });
});

describe('environments.<env>.preflightPrincipals (the workload preflight role\'s trust)', () => {
  const load = (principals: string[]) => () =>
    loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { preflightPrincipals: principals } } }) });

  it('takes a role or user of the operations account, by name or ARN', () => {
    expect(load(['role/ops/Preflight', 'user/alice', 'arn:aws:iam::111111111111:role/NotificationServicePreflight'])().config.environments.production.preflightPrincipals).toEqual([
      'role/ops/Preflight',
      'user/alice',
      'arn:aws:iam::111111111111:role/NotificationServicePreflight',
    ]);
  });

  it.each(['role/*', 'arn:aws:iam::111111111111:role/*', 'role/a?c'])('refuses the wildcard %s, naming the field', (principal) => {
    expect(load([principal])).toThrow(ConfigurationError);
    expect(load([principal])).toThrow(/environments\.production\.preflightPrincipals/);
  });
});

describe('names infra builds AWS names from (review 22a, R22a-6)', () => {
  const functions = (names: string[]) => ({ environments: { production: { resources: { functions: names } } } });
  const tier = (topicName: string) => ({
    escalationPath: [{ level: 1, name: 'on-call', topicName, timeoutMinutes: 15 }],
  });

  it.each([['notification-service-consumer'], ['a'], ['A_b-9'], ['x'.repeat(64)]])('takes the function name %s', (name) => {
    expect(refusedWith(functions([name]))).toBe('accepted');
  });

  it.each([
    ['its ARN', 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer'],
    ['a qualified name (alias)', 'notification-service-consumer:live'],
    ['65 characters', 'x'.repeat(65)],
    ['a space', 'notification service'],
    ['nothing', ''],
  ])('refuses a function given by %s, saying it is the name, not the ARN or alias', (_what, name) => {
    const message = refusedWith(functions([name]));
    expect(message).toContain('environments.production.resources.functions');
    expect(message).toContain("must be the function's name (1-64 letters, digits, - and _), not its ARN or a qualified name:alias");
  });

  it.each([['notification-escalation-l1'], ['Tier_2'], ['t'.repeat(256)]])('takes the topic name %s', (topicName) => {
    expect(refusedWith(tier(topicName))).toBe('accepted');
  });

  it.each([['notification.escalation l1'], ['with.dot'], ['colon:x'], ['t'.repeat(257)], ['']])('refuses the topic name %j, naming the field and the rule', (topicName) => {
    const message = refusedWith(tier(topicName));
    expect(message).toContain('escalationPath');
    expect(message).toContain('must be an SNS topic name: 1-256 letters, digits, - and _ (no spaces, dots or colons)');
  });
});

describe('environments.<env>.resources.functionLogGroups (a watched function\'s own log group, LoggingConfig.LogGroup)', () => {
  const groups = (functionLogGroups: Record<string, string>, functions = ['notification-service-consumer']) => ({ environments: { production: { resources: { functions, functionLogGroups } } } });

  it.each([
    ['a path of the service\'s own', '/notification-service/production/consumer'],
    ['every character CreateLogGroup takes', 'A-z_0.9/#x'],
    ['Lambda\'s default, named', '/aws/lambda/notification-service-consumer'],
    ['512 characters', `/${'g'.repeat(511)}`],
    ['a name without a slash', 'consumer-logs'],
  ])('takes %s', (_what, group) => {
    expect(refusedWith(groups({ 'notification-service-consumer': group }))).toBe('accepted');
    const config = loadRuntimeConfig({ ...base, RUNBOOK_CONFIG_JSON: JSON.stringify(groups({ 'notification-service-consumer': group })) }).config;
    expect(config.environments.production.resources.functionLogGroups).toEqual({ 'notification-service-consumer': group });
  });

  it.each([
    ['its ARN', 'arn:aws:logs:us-east-1:123456789012:log-group:/custom/consumer', 'must be a log group name: 1-512 letters, digits, _ - / . and # (not an ARN)'],
    ['its ARN with ":*"', 'arn:aws:logs:us-east-1:123456789012:log-group:/custom/consumer:*', 'must be a log group name'],
    ['513 characters', `/${'g'.repeat(512)}`, 'must be a log group name'],
    ['a space', '/custom/consumer logs', 'must be a log group name'],
    ['nothing', '', 'must be a log group name'],
    ['a name starting with aws/', 'aws/consumer', 'must not start with "aws/" (CloudWatch Logs refuses it)'],
  ])('refuses a group given by %s, naming the field and the rule', (_what, group, rule) => {
    const message = refusedWith(groups({ 'notification-service-consumer': group }));
    expect(message).toContain('environments.production.resources.functionLogGroups');
    expect(message).toContain(rule);
  });

  it('refuses a group for a function the environment does not watch, naming the field', () => {
    const message = refusedWith(groups({ 'notification-service-other': '/custom/other' }));
    expect(message).toContain('environments.production.resources.functionLogGroups');
    expect(message).toContain('names a function that is not in resources.functions');
  });

  it("refuses a watched function given by its ARN, saying the key is the function's name", () => {
    const message = refusedWith(groups({ 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer': '/custom/consumer' }));
    expect(message).toContain('environments.production.resources.functionLogGroups');
    expect(message).toContain('names a function that is not in resources.functions (by its name, not its ARN)');
  });

  it('is absent unless set: the default configuration carries none', () => {
    const config = loadRuntimeConfig(base).config;
    for (const env of Object.values(config.environments)) expect(Object.keys(env.resources)).not.toContain('functionLogGroups');
  });
});
