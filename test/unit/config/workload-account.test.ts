// Which account a deployment acts on, from the configuration and the variables infra sets, and the refusal of any other.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { foreignAccountProblem, workloadAccountOf } from '../../../shared/config/workload-account';
import { ConfigurationError } from '../../../shared/errors';

const WORKLOAD = '111111111111';
const OPERATIONS = '999999999999';

describe('workloadAccountOf', () => {
  it.each([
    ['the configuration\'s accountId, whatever the variables say', WORKLOAD, { RUNBOOK_ACCOUNT_ID: OPERATIONS, REMEDIATION_ROLE_NAME: 'r', RUNBOOK_WORKLOAD_ACCOUNT_ID: '222222222222' }, { kind: 'known', account: WORKLOAD, source: 'environments.production.accountId' }],
    ['cross-account mode: the workload account infra names', undefined, { RUNBOOK_ACCOUNT_ID: OPERATIONS, REMEDIATION_ROLE_NAME: 'r', RUNBOOK_WORKLOAD_ACCOUNT_ID: WORKLOAD }, { kind: 'known', account: WORKLOAD, source: 'RUNBOOK_WORKLOAD_ACCOUNT_ID' }],
    ['one account: the account the handler runs in', undefined, { RUNBOOK_ACCOUNT_ID: WORKLOAD }, { kind: 'known', account: WORKLOAD, source: 'RUNBOOK_ACCOUNT_ID' }],
    ['nothing set (a run outside Lambda)', undefined, {}, { kind: 'unchecked' }],
  ])('takes %s', (_name, configured, env, expected) => {
    expect(workloadAccountOf('production', configured, env)).toEqual(expected);
  });

  it('never takes the operations account for the workload in cross-account mode: with no workload named, everything is refused', () => {
    const workload = workloadAccountOf('production', undefined, { RUNBOOK_ACCOUNT_ID: OPERATIONS, REMEDIATION_ROLE_NAME: 'r' });
    expect(workload).toEqual({
      kind: 'missing',
      why: 'cross-account mode (REMEDIATION_ROLE_NAME is set) names no workload account: set environments.production.accountId or RUNBOOK_WORKLOAD_ACCOUNT_ID',
    });
    expect(foreignAccountProblem('alarm event for "x"', OPERATIONS, workload)).toBe(
      'alarm event for "x" refused: cross-account mode (REMEDIATION_ROLE_NAME is set) names no workload account: set environments.production.accountId or RUNBOOK_WORKLOAD_ACCOUNT_ID',
    );
  });

  it('fails at start on a malformed RUNBOOK_WORKLOAD_ACCOUNT_ID, naming it', () => {
    expect(() => workloadAccountOf('production', undefined, { RUNBOOK_WORKLOAD_ACCOUNT_ID: '1234' })).toThrow(ConfigurationError);
    expect(() => workloadAccountOf('production', undefined, { RUNBOOK_WORKLOAD_ACCOUNT_ID: '1234' })).toThrow(/RUNBOOK_WORKLOAD_ACCOUNT_ID must be a 12-digit account id, got "1234"/);
  });

  it('is what loadRuntimeConfig gives every handler', () => {
    const runtime = loadRuntimeConfig({
      RUNBOOK_ENVIRONMENT: 'staging',
      AWS_REGION: 'us-east-1',
      RUNBOOK_ACCOUNT_ID: OPERATIONS,
      RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { staging: { accountId: WORKLOAD } } }),
    });
    expect(runtime.workloadAccount).toEqual({ kind: 'known', account: WORKLOAD, source: 'environments.staging.accountId' });
  });
});

describe('foreignAccountProblem', () => {
  const known = { kind: 'known', account: WORKLOAD, source: 'RUNBOOK_ACCOUNT_ID' } as const;

  it('accepts the workload account and refuses any other, naming both and where the expected one comes from', () => {
    expect(foreignAccountProblem('alarm event for "x"', WORKLOAD, known)).toBeUndefined();
    expect(foreignAccountProblem('alarm event for "x"', OPERATIONS, known)).toBe(
      `alarm event for "x" names account ${OPERATIONS}, not this deployment's workload account ${WORKLOAD} (RUNBOOK_ACCOUNT_ID): refused, nothing read or changed there`,
    );
    expect(foreignAccountProblem('record', undefined, known)).toContain('names account (none)');
  });

  it('checks nothing when nothing is known to compare with', () => {
    expect(foreignAccountProblem('alarm event for "x"', OPERATIONS, { kind: 'unchecked' })).toBeUndefined();
    expect(foreignAccountProblem('alarm event for "x"', OPERATIONS, undefined)).toBeUndefined();
  });
});
