// Region roles: the DR region (us-west-2 in production, from the document) never has its standby changed by a playbook.
import { loadRuntimeConfig, regionRoleOf } from '../../../shared/config/load-config';
import { ConfigurationError } from '../../../shared/errors';
import { evaluateGuardrails, type GuardInput } from '../../../shared/guard/evaluate-guardrails';

const runtimeIn = (environment: string, region: string, overrides: unknown = {}) =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: region, RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) });

const base = { resourceState: undefined, nowSeconds: 1_800_000_000, killSwitch: { engaged: false, reason: 'off' }, incidentKey: 'a#1' };

describe('region roles in the default configuration', () => {
  it.each([
    ['production', 'us-east-1', 'primary'],
    ['production', 'us-west-2', 'dr'],
    ['staging', 'us-east-1', 'primary'],
    ['development', 'us-east-1', 'primary'],
  ])('%s in %s is %s', (environment, region, role) => {
    expect(runtimeIn(environment, region).regionRole).toBe(role);
  });
});

describe('evaluateGuardrails in the DR region', () => {
  const dr = runtimeIn('production', 'us-west-2');
  const primary = runtimeIn('production', 'us-east-1');

  it.each<[string, Partial<GuardInput>]>([
    ['a scale-up of an automatic row (queue-backup)', { direction: 'scale-up', row: 'queue-backup' }],
    ['a scale-up of an approval row (cpu-utilization)', { direction: 'scale-up', row: 'cpu-utilization' }],
    ['a restore', { direction: 'restore', row: 'memory-pressure' }],
    ['a scale-up with the kill switch on', { direction: 'scale-up', row: 'queue-backup', killSwitch: { engaged: true, reason: 'kill switch on' } }],
  ])('blocks %s with the DR cause, never applying', (_case, fields) => {
    const verdict = evaluateGuardrails({ ...base, direction: 'scale-up', runtime: dr, ...fields });
    expect(verdict).toMatchObject({ action: 'block', guardrail: 'dr-region' });
    expect('reason' in verdict && verdict.reason).toContain('us-west-2 is the DR region of production');
  });

  it('names scaling for a scale-up and a plain change for a restore', () => {
    expect(evaluateGuardrails({ ...base, direction: 'scale-up', row: 'queue-backup', runtime: dr })).toMatchObject({
      reason: expect.stringContaining('does not scale or resize them (report-only)'),
    });
    expect(evaluateGuardrails({ ...base, direction: 'restore', row: 'queue-backup', runtime: dr })).toMatchObject({
      reason: expect.stringContaining('does not change them (report-only)'),
    });
  });

  it('leaves the primary region as it was: the same automatic row applies there', () => {
    expect(evaluateGuardrails({ ...base, direction: 'scale-up', row: 'queue-backup', runtime: primary })).toEqual({ action: 'apply' });
  });

  it('blocks even a DR region whose configuration says automatic for every row', () => {
    const automatic = runtimeIn('production', 'us-west-2', { environments: { production: { mutationMode: 'automatic', mutationModeByRow: {} } } });
    expect(automatic.mutationMode).toBe('automatic');
    expect(evaluateGuardrails({ ...base, direction: 'scale-up', row: 'memory-pressure', runtime: automatic })).toMatchObject({ guardrail: 'dr-region' });
  });
});

describe('regionRoleOf refuses a configuration that would leave a region without a clear role', () => {
  const regions = ['us-east-1', 'us-west-2'];
  it('treats every region as primary when no roles are configured', () => {
    expect(regionRoleOf('staging', { regions }, 'us-west-2')).toBe('primary');
  });
  it.each<[string, Record<string, 'primary' | 'dr'>, string, string]>([
    ['a region with no role', { 'us-east-1': 'primary' }, 'us-west-2', 'region us-west-2 has no role'],
    ['a role for a region the environment does not run in', { 'us-east-1': 'primary', 'us-west-2': 'dr', 'eu-west-1': 'dr' }, 'us-east-1', 'eu-west-1 not in regions'],
    ['two primaries', { 'us-east-1': 'primary', 'us-west-2': 'primary' }, 'us-east-1', 'exactly one region must be primary, found 2'],
    ['no primary', { 'us-east-1': 'dr', 'us-west-2': 'dr' }, 'us-east-1', 'exactly one region must be primary, found 0'],
  ])('%s', (_case, regionRoles, region, message) => {
    expect(() => regionRoleOf('production', { regions, regionRoles }, region)).toThrow(ConfigurationError);
    expect(() => regionRoleOf('production', { regions, regionRoles }, region)).toThrow(message);
  });
  it('reaches the loader: a DR-only production configuration fails at start', () => {
    expect(() => runtimeIn('production', 'us-west-2', { environments: { production: { regionRoles: { 'us-east-1': 'dr' } } } })).toThrow(
      'environments.production.regionRoles',
    );
  });
});
