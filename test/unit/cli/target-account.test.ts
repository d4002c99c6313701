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
    // Review 23a R23a-9: STS silent is its own refusal, never one --unverified-account answers; said before what is stated.
    ['STS did not answer', { environment: 'production', configured: PROD, crossAccount: false, callerError: 'CredentialsProviderError: no creds' }, 'unanswered', /^STS GetCallerIdentity did not answer \(CredentialsProviderError: no creds\), so no account can be verified as production's$/],
    [
      'STS did not answer, nothing stated either',
      { environment: 'production', crossAccount: false, callerError: 'TimeoutError: connect ECONNREFUSED 127.0.0.1:1 at http://127.0.0.1:1' },
      'unanswered',
      /did not answer \(TimeoutError: connect ECONNREFUSED 127\.0\.0\.1:1 at http:\/\/127\.0\.0\.1:1\)/,
    ],
    // Review 10b F1: cross-account mode was "verified" without STS. A leftover staging shell (REMEDIATION_ROLE_NAME,
    // RUNBOOK_WORKLOAD_ACCOUNT_ID and RUNBOOK_ACCOUNT_ID all staging's) with production's credentials: the handler takes
    // staging's events for its own account and changes production with production's credentials. Refused.
    [
      'cross-account, a leftover RUNBOOK_ACCOUNT_ID that is not where the credentials are (the review\'s run)',
      { environment: 'staging', configured: STAGING, crossAccount: true, ownAccount: STAGING, callerAccount: PROD },
      'mismatch',
      /your credentials are for account 111111111111, but RUNBOOK_ACCOUNT_ID=222222222222 says the runbooks run in account 222222222222: .*no remediation role assumed; unset RUNBOOK_ACCOUNT_ID \(or set it to 111111111111/,
    ],
    [
      'cross-account, RUNBOOK_ACCOUNT_ID another operations account, nothing stated for the environment',
      { environment: 'staging', crossAccount: true, ownAccount: '333333333333', callerAccount: PROD },
      'mismatch',
      /credentials are for account 111111111111, but RUNBOOK_ACCOUNT_ID=333333333333/,
    ],
    [
      "cross-account with the workload account's own credentials",
      { environment: 'staging', configured: STAGING, crossAccount: true, callerAccount: STAGING },
      'mismatch',
      /credentials are for account 222222222222, staging's workload account itself \(environments\.staging\.accountId\), but cross-account mode \(REMEDIATION_ROLE_NAME is set\) acts from the operations account.*unset REMEDIATION_ROLE_NAME/,
    ],
    [
      'cross-account, STS silent: not verified (it was, without asking)',
      { environment: 'production', configured: PROD, crossAccount: true, callerError: 'CredentialsProviderError: no creds' },
      'unanswered',
      /STS GetCallerIdentity did not answer/,
    ],
    [
      'cross-account from another account, RUNBOOK_ACCOUNT_ID unset: the role is assumed in the workload account',
      { environment: 'production', configured: PROD, crossAccount: true, callerAccount: '333333333333' },
      'verified',
      /production is account 111111111111 \(environments\.production\.accountId\), reached through its remediation role from your account 333333333333 \(STS\)/,
    ],
    [
      'cross-account from the operations account RUNBOOK_ACCOUNT_ID names',
      { environment: 'staging', stated: { environment: 'staging', account: STAGING, variable: 'RUNBOOK_WORKLOAD_ACCOUNT_ID' }, crossAccount: true, ownAccount: '333333333333', callerAccount: '333333333333' },
      'verified',
      /staging is account 222222222222 \(RUNBOOK_ENVIRONMENT=staging with RUNBOOK_WORKLOAD_ACCOUNT_ID\), reached through its remediation role from your account 333333333333/,
    ],
  ])('%s', (_name, input, kind, text) => {
    const check = checkTargetAccount(input);
    expect(check.kind).toBe(kind);
    expect(check.text).toMatch(text);
  });

  it("names STS's account as the run's own in cross-account mode (the CLI hands it to the handler), never in one account", () => {
    expect(checkTargetAccount({ environment: 'production', configured: PROD, crossAccount: true, callerAccount: '333333333333' })).toMatchObject({ kind: 'verified', ownAccount: '333333333333' });
    expect(checkTargetAccount({ environment: 'staging', crossAccount: true, callerAccount: '333333333333' })).toMatchObject({ kind: 'unverified', ownAccount: '333333333333' });
    expect(checkTargetAccount({ environment: 'production', configured: PROD, crossAccount: false, callerAccount: PROD })).not.toHaveProperty('ownAccount');
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
      ownAccount: '333333333333',
      stated: { environment: 'production', account: PROD, variable: 'RUNBOOK_WORKLOAD_ACCOUNT_ID' },
    });
    expect(statedTargetAccount('production', undefined, { RUNBOOK_ACCOUNT_ID: PROD })).toEqual({ environment: 'production', crossAccount: false });
  });

  it('refuses a RUNBOOK_ACCOUNT_ID that is no account id in cross-account mode, as the handler would', () => {
    expect(() => statedTargetAccount('production', 'production', { REMEDIATION_ROLE_NAME: 'r', RUNBOOK_ACCOUNT_ID: 'prod' })).toThrow(/RUNBOOK_ACCOUNT_ID must be a 12-digit account id, got "prod"/);
  });

  it('refuses a configuration that is not JSON, naming it', () => {
    expect(() => statedTargetAccount('production', undefined, { RUNBOOK_CONFIG_JSON: '{' })).toThrow(/RUNBOOK_CONFIG_JSON is not valid JSON/);
  });
});
