// Finding 2 of review 10a: `runbook invoke -e staging` with production's credentials resized production's database. The
// account the credentials reach must be the one stated for the environment before the CLI changes anything.
import { checkTargetAccount, statedTargetAccount, type TargetAccountInput } from '../../../cli/target-account';

const PROD = '111111111111';
const STAGING = '222222222222';

describe('checkTargetAccount', () => {
  it.each<[string, TargetAccountInput, string, RegExp]>([
    [
      'production credentials under -e staging, staging configured',
      { environment: 'staging', configured: STAGING, crossAccount: false, callerAccount: PROD },
      'mismatch',
      /credentials are for account 111111111111, but staging is account 222222222222 \(environments\.staging\.accountId\)/,
    ],
    ['staging credentials under -e staging, configured', { environment: 'staging', configured: STAGING, crossAccount: false, callerAccount: STAGING }, 'verified', /account 222222222222 is staging's \(environments\.staging\.accountId\)/],
    [
      "the sandbox's production pair, but -e staging (the review's run)",
      { environment: 'staging', stated: { environment: 'production', account: PROD, variable: 'RUNBOOK_ACCOUNT_ID' }, crossAccount: false, callerAccount: PROD },
      'unverified',
      /nothing states which account staging is in .*RUNBOOK_ENVIRONMENT=production with RUNBOOK_ACCOUNT_ID speaks for production only.*111111111111 cannot be verified as staging's/,
    ],
    [
      "the sandbox's production pair under -e production",
      { environment: 'production', stated: { environment: 'production', account: PROD, variable: 'RUNBOOK_ACCOUNT_ID' }, crossAccount: false, callerAccount: PROD },
      'verified',
      /account 111111111111 is production's \(RUNBOOK_ENVIRONMENT=production with RUNBOOK_ACCOUNT_ID\)/,
    ],
    [
      'a leftover pair for staging while the profile is production',
      { environment: 'staging', stated: { environment: 'staging', account: STAGING, variable: 'RUNBOOK_ACCOUNT_ID' }, crossAccount: false, callerAccount: PROD },
      'mismatch',
      /credentials are for account 111111111111, but staging is account 222222222222/,
    ],
    [
      'the configuration wins over the shell pair',
      { environment: 'production', configured: PROD, stated: { environment: 'production', account: STAGING, variable: 'RUNBOOK_ACCOUNT_ID' }, crossAccount: false, callerAccount: PROD },
      'verified',
      /environments\.production\.accountId/,
    ],
    ['nothing stated at all', { environment: 'production', crossAccount: false, callerAccount: PROD }, 'unverified', /no environments\.production\.accountId in the configuration\), so account 111111111111 cannot be verified/],
    ['STS did not answer', { environment: 'production', configured: PROD, crossAccount: false, callerError: 'CredentialsProviderError: no creds' }, 'unverified', /STS GetCallerIdentity did not answer \(CredentialsProviderError/],
    [
      'cross-account: the handlers act through the stated workload account\'s role',
      { environment: 'production', configured: PROD, crossAccount: true, callerAccount: '333333333333' },
      'verified',
      /production is account 111111111111 .* reached through its remediation role/,
    ],
  ])('%s', (_name, input, kind, text) => {
    const check = checkTargetAccount(input);
    expect(check.kind).toBe(kind);
    expect(check.text).toMatch(text);
  });
});

describe('statedTargetAccount', () => {
  it('reads the environment\'s configured accountId and the shell\'s pair, RUNBOOK_WORKLOAD_ACCOUNT_ID in cross-account mode', () => {
    const config = JSON.stringify({ environments: { staging: { accountId: STAGING } } });
    expect(statedTargetAccount('staging', 'production', { RUNBOOK_CONFIG_JSON: config, RUNBOOK_ACCOUNT_ID: PROD })).toEqual({
      environment: 'staging',
      crossAccount: false,
      configured: STAGING,
      stated: { environment: 'production', account: PROD, variable: 'RUNBOOK_ACCOUNT_ID' },
    });
    expect(statedTargetAccount('production', 'production', { REMEDIATION_ROLE_NAME: 'r', RUNBOOK_ACCOUNT_ID: '333333333333', RUNBOOK_WORKLOAD_ACCOUNT_ID: PROD })).toEqual({
      environment: 'production',
      crossAccount: true,
      stated: { environment: 'production', account: PROD, variable: 'RUNBOOK_WORKLOAD_ACCOUNT_ID' },
    });
    expect(statedTargetAccount('production', undefined, { RUNBOOK_ACCOUNT_ID: PROD })).toEqual({ environment: 'production', crossAccount: false });
  });

  it('refuses a configuration that is not JSON, naming it', () => {
    expect(() => statedTargetAccount('production', undefined, { RUNBOOK_CONFIG_JSON: '{' })).toThrow(/RUNBOOK_CONFIG_JSON is not valid JSON/);
  });
});
