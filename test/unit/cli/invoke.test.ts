// `runbook invoke`: an unknown handler is usage; a change under an environment's policy happens only in that environment's
// account (finding 2 of review 10a); a dry run needs no check.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLER_NAMES, invokeCommand } from '../../../cli/invoke';
import type { TargetAccountCheck } from '../../../cli/target-account';

describe('runbook invoke', () => {
  let errors: jest.SpyInstance;
  const saved = { ...process.env };
  let event: string;
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const dir = mkdtempSync(join(tmpdir(), 'invoke-'));
    event = join(dir, 'event.json');
    writeFileSync(event, '{}');
    // An empty dist: reaching the bundle shows as "not built" (69), so a test sees whether the check let the run through.
    process.env.RUNBOOK_DIST = mkdtempSync(join(tmpdir(), 'dist-'));
    delete process.env.DRY_RUN;
    process.env.RUNBOOK_ENVIRONMENT = 'production';
  });
  afterEach(() => {
    errors.mockRestore();
    process.env = { ...saved };
  });
  const said = (): string => errors.mock.calls.map((c) => String(c[0])).join('\n');
  const answer = (check: TargetAccountCheck) => jest.fn(() => Promise.resolve(check));

  it('lists the handlers for a name that is not one, with the usage code, before reading anything', async () => {
    const checkAccount = answer({ kind: 'verified', account: '1', text: '' });
    await expect(invokeCommand('scale-consumer', { event, environment: 'staging', checkAccount })).resolves.toBe(64);
    expect(said()).toMatch(/no handler named "scale-consumer"; the handlers are: .*scale-consumers/);
    expect(HANDLER_NAMES).toEqual(expect.arrayContaining(['scale-consumers', 'scale-up-database', 'escalate', 'escalation-timer', 'verify-change']));
    expect(checkAccount).not.toHaveBeenCalled();
  });

  it('says an event file it cannot read is usage (64), not an AWS failure', async () => {
    await expect(invokeCommand('scale-consumers', { event: '/nonexistent/event.json', environment: 'production' })).resolves.toBe(64);
    expect(said()).toMatch(/cannot read event file \/nonexistent\/event.json/);
  });

  it('refuses, exit 2 and nothing invoked, when the credentials are another account than the environment\'s', async () => {
    const checkAccount = answer({ kind: 'mismatch', text: 'your credentials are for account 111111111111, but staging is account 222222222222' });
    await expect(invokeCommand('scale-up-database', { event, environment: 'staging', checkAccount, unverifiedAccount: true })).resolves.toBe(2);
    expect(checkAccount).toHaveBeenCalledWith('staging', 'production');
    expect(said()).toMatch(/refused, nothing invoked or changed: your credentials are for account 111111111111, but staging is account 222222222222/);
    expect(said()).not.toMatch(/no built bundle/);
  });

  it('stops with the AWS failure code when STS does not answer, never offering --unverified-account, even given it (review 23a R23a-9)', async () => {
    const unanswered: TargetAccountCheck = { kind: 'unanswered', text: 'STS GetCallerIdentity did not answer (TimeoutError: connect ECONNREFUSED 127.0.0.1:1 at http://127.0.0.1:1), so no account can be verified as staging\'s' };
    for (const unverifiedAccount of [false, true]) {
      errors.mockClear();
      await expect(invokeCommand('scale-up-database', { event, environment: 'staging', checkAccount: answer(unanswered), unverifiedAccount })).resolves.toBe(1);
      expect(said()).toContain('runbook invoke: nothing invoked or changed: STS GetCallerIdentity did not answer (TimeoutError: connect ECONNREFUSED 127.0.0.1:1 at http://127.0.0.1:1)');
      expect(said()).toContain('Retry when STS answers: check AWS_ENDPOINT_URL, the network, and your credentials');
      expect(said()).not.toMatch(/--unverified-account|RUNBOOK_ACCOUNT_ID|no built bundle/);
    }
  });

  it('refuses an account nothing ties to the environment unless --unverified-account, and says so when it goes on', async () => {
    const unverified: TargetAccountCheck = { kind: 'unverified', text: 'nothing states which account staging is in' };
    await expect(invokeCommand('scale-up-database', { event, environment: 'staging', checkAccount: answer(unverified) })).resolves.toBe(2);
    expect(said()).toMatch(/refused, nothing invoked or changed: nothing states which account staging is in/);
    expect(said()).toMatch(/--unverified-account applies anyway/);
    expect(said()).not.toMatch(/no built bundle/);

    errors.mockClear();
    await expect(invokeCommand('scale-up-database', { event, environment: 'staging', checkAccount: answer(unverified), unverifiedAccount: true })).resolves.toBe(69);
    expect(said()).toMatch(/WARNING: applying under staging's policy UNVERIFIED \(--unverified-account\): nothing states which account staging is in/);
  });

  it('goes on in a verified account, saying which', async () => {
    await expect(invokeCommand('scale-consumers', { event, environment: 'production', checkAccount: answer({ kind: 'verified', account: '1', text: "account 111111111111 is production's" }) })).resolves.toBe(69);
    expect(said()).toMatch(/applying under production's policy: account 111111111111 is production's/);
  });

  it("hands the handler STS's account as its own in cross-account mode (RUNBOOK_ACCOUNT_ID), replacing nothing in one account (review 10b F1)", async () => {
    process.env.RUNBOOK_ACCOUNT_ID = '222222222222';
    const verified: TargetAccountCheck = { kind: 'verified', account: '222222222222', text: 'reached through its remediation role', ownAccount: '333333333333' };
    await expect(invokeCommand('scale-consumers', { event, environment: 'staging', checkAccount: answer(verified) })).resolves.toBe(69);
    expect(process.env.RUNBOOK_ACCOUNT_ID).toBe('333333333333');

    process.env.RUNBOOK_ACCOUNT_ID = '111111111111';
    await expect(invokeCommand('scale-consumers', { event, environment: 'production', checkAccount: answer({ kind: 'verified', account: '111111111111', text: '' }) })).resolves.toBe(69);
    expect(process.env.RUNBOOK_ACCOUNT_ID).toBe('111111111111');
  });

  it.each([
    ['--dry-run', { dryRun: true }, {}],
    ['DRY_RUN=true', {}, { DRY_RUN: 'true' }],
  ])('needs no account check for a dry run (%s)', async (_name, flags, env) => {
    Object.assign(process.env, env);
    const checkAccount = answer({ kind: 'mismatch', text: 'x' });
    await expect(invokeCommand('scale-consumers', { event, environment: 'staging', checkAccount, ...flags })).resolves.toBe(69);
    expect(checkAccount).not.toHaveBeenCalled();
  });
});
