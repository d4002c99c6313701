// The escalation path per environment: tiers, channels, timeouts and the support-case tier, resolved from configuration.
import { defaultConfig } from '../../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../../shared/config/load-config';
import { ConfigurationError } from '../../../shared/errors';
import { resolveEscalationPolicy, supportSeverityOf, tierAfter } from '../../../shared/escalation/policy';
import { policy } from './fixtures';

describe('resolveEscalationPolicy', () => {
  it.each([
    ['production', [1, 2, 3, 4], [15, 30, 60, 120], 'urgent'],
    ['staging', [1, 2, 3], [30, 60, 120], 'normal'],
    ['development', [1, 2], [60, 240], undefined],
  ] as const)('goes up the %s path through tiers %j with timeouts %j (support case %s)', (environment, levels, timeouts, severity) => {
    const resolved = policy(environment);
    expect(resolved.tiers.map((t) => t.level)).toEqual(levels);
    expect(resolved.tiers.map((t) => t.timeoutMinutes)).toEqual(timeouts);
    expect(resolved.tiers.find((t) => t.level === 3)?.supportCase?.severityCode).toBe(severity);
  });

  it('reaches the production teams by chat and email, and AWS Support through a case rather than its topic', () => {
    const [l1, l2, l3, l4] = policy('production').tiers;
    expect(l1).toMatchObject({ name: 'DevOps Team (L1)', topicName: 'notification-escalation-l1-devops', channels: ['chat', 'email'] });
    expect(l2?.channels).toEqual(['chat', 'email']);
    expect(l3).toMatchObject({ name: 'AWS Support (Enterprise)', supportCase: { severityCode: 'urgent' } });
    expect(l4).toMatchObject({ name: 'Service Owner', channels: ['email'] });
    expect(l4?.supportCase).toBeUndefined();
  });

  it('opens an error-rate incident\'s production case as "high" (impaired), every other row\'s as "urgent" (down)', () => {
    const l3 = policy('production').tiers.find((t) => t.level === 3);
    const supportCase = l3?.supportCase;
    if (!supportCase) throw new Error('production L3 opens no case');
    // The row's handler, read from the raw configuration: the case is judged by the playbook that escalated.
    const errorRateHandler = defaultConfig.troubleshooting.find((row) => row.id === 'error-rate')?.handler;
    expect(errorRateHandler).toBe('alert-error-rate');
    expect(supportCase.severityByPlaybook).toEqual({ 'alert-error-rate': 'high' });
    expect(supportSeverityOf(supportCase, 'alert-error-rate')).toBe('high');
    for (const row of defaultConfig.troubleshooting.filter((r) => r.id !== 'error-rate')) {
      expect([row.handler, supportSeverityOf(supportCase, row.handler)]).toEqual([row.handler, 'urgent']);
    }
    expect(supportSeverityOf(supportCase, undefined)).toBe('urgent');
  });

  it('takes a per-row severity from the configuration, and refuses one the Support API does not have', () => {
    const production = defaultConfig.environments.production.escalation;
    const config = parseAutomationConfig(
      mergeConfig(defaultConfig, { environments: { production: { escalation: { ...production, supportCase: { enabled: true, severityCode: 'urgent', severityByRow: { 'queue-backup': 'normal' } } } } } }),
    );
    const supportCase = resolveEscalationPolicy(config, 'production').tiers.find((t) => t.level === 3)?.supportCase;
    // An override merges into the defaults: error-rate keeps its "high".
    expect(supportCase?.severityByPlaybook).toEqual({ 'scale-consumers': 'normal', 'alert-error-rate': 'high' });
    expect(() =>
      parseAutomationConfig(
        mergeConfig(defaultConfig, { environments: { production: { escalation: { ...production, supportCase: { enabled: true, severityCode: 'urgent', severityByRow: { 'error-rate': 'sev2' } } } } } }),
      ),
    ).toThrow(ConfigurationError);
  });

  it('notifies the support tier topic when support cases are disabled', () => {
    const config = parseAutomationConfig(
      mergeConfig(defaultConfig, { environments: { staging: { escalation: { ...defaultConfig.environments.staging.escalation, supportCase: { enabled: false, severityCode: 'normal' } } } } }),
    );
    const l3 = resolveEscalationPolicy(config, 'staging').tiers.find((t) => t.level === 3);
    expect(l3?.supportCase).toBeUndefined();
    expect(l3?.topicName).toBe('notification-escalation-l3-aws-support');
  });

  it('without an escalation block goes through every tier of the path by email, with the path timeouts', () => {
    const config = parseAutomationConfig(defaultConfig);
    const { escalation: _dropped, ...staging } = config.environments.staging;
    const resolved = resolveEscalationPolicy({ ...config, environments: { ...config.environments, staging } }, 'staging');
    expect(resolved.tiers.map((t) => [t.level, t.channels, t.timeoutMinutes])).toEqual([
      [1, ['email'], 15],
      [2, ['email'], 30],
      [3, ['email'], 60],
      [4, ['email'], 120],
    ]);
  });

  it.each([
    ['a level the path does not have', [{ level: 7, channels: ['email'] }], 'environments.production.escalation.tiers[0].level'],
    ['the same level twice', [{ level: 1, channels: ['email'] }, { level: 1, channels: ['chat'] }], 'environments.production.escalation.tiers[1].level'],
  ])('fails at start on %s, naming the field', (_case, tiers, field) => {
    const config = parseAutomationConfig(
      mergeConfig(defaultConfig, { environments: { production: { escalation: { ...defaultConfig.environments.production.escalation, tiers } } } }),
    );
    expect(() => resolveEscalationPolicy(config, 'production')).toThrow(ConfigurationError);
    expect(() => resolveEscalationPolicy(config, 'production')).toThrow(field);
  });

  it.each([
    ['an unknown channel', { tiers: [{ level: 1, channels: ['pager'] }] }, 'environments.production.escalation.tiers.0.channels.0'],
    ['a severity the Support API does not have', { supportCase: { enabled: true, severityCode: 'sev1' } }, 'environments.production.escalation.supportCase.severityCode'],
    ['more than 10 CC addresses on the case', { supportCase: { enabled: true, severityCode: 'urgent', ccEmailAddresses: Array.from({ length: 11 }, (_, i) => `oncall${i}@example.com`) } }, 'ccEmailAddresses'],
  ])('rejects %s in the configuration', (_case, escalation, field) => {
    const merged = mergeConfig(defaultConfig, { environments: { production: { escalation: { ...defaultConfig.environments.production.escalation, ...escalation } } } });
    expect(() => parseAutomationConfig(merged)).toThrow(field);
  });
});

describe('tierAfter', () => {
  it.each([
    [0, 1],
    [1, 2],
    [3, 4],
    [4, undefined],
  ])('after level %s in production comes level %s', (level, next) => {
    expect(tierAfter(policy('production'), level)?.level).toBe(next);
  });

  it('ends the development path at L2', () => {
    expect(tierAfter(policy('development'), 2)).toBeUndefined();
  });
});
