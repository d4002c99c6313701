// Cross-account clients: own credentials for the handler's own account, a remediation role assumed (once) for another.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccountClients,
  accountOfArn,
  accountOfRawEvent,
  assumedRoleCredentials,
  crossAccountSettings,
  remediationRoleArn,
  roleSessionName,
  type CrossAccountSettings,
} from '../../../shared/aws/account-clients';
import { clientConfig, type SdkClientConfig } from '../../../shared/aws/client-config';
import { ConfigurationError, PermanentError } from '../../../shared/errors';

const OWN = '111111111111';
const WORKLOAD = '222222222222';
const expiration = (msFromNow: number, now: number): Date => new Date(now + msFromNow);

function accounts(settings: CrossAccountSettings, sts: STSClient = new STSClient({ region: 'us-east-1' })) {
  const built: SdkClientConfig[] = [];
  const clients = new AccountClients({
    config: clientConfig({ region: 'us-west-2' }),
    settings,
    sessionName: roleSessionName('scale-consumers'),
    createSts: () => sts,
    build: (config) => {
      built.push(config);
      return { config };
    },
  });
  return { clients, built };
}

describe('crossAccountSettings', () => {
  it.each([
    ['nothing set: cross-account mode off', {}, {}],
    ['infra in cross-account mode', { REMEDIATION_ROLE_NAME: 'notification-runbooks-remediate-scale-consumers', RUNBOOK_ACCOUNT_ID: OWN }, { remediationRoleName: 'notification-runbooks-remediate-scale-consumers', ownAccountId: OWN }],
    ['empty values as unset (the SDK convention)', { REMEDIATION_ROLE_NAME: '', RUNBOOK_ACCOUNT_ID: '' }, {}],
  ])('reads %s', (_name, env, expected) => {
    expect(crossAccountSettings(env)).toEqual(expected);
  });

  it.each([
    ['a role ARN where a name belongs', { REMEDIATION_ROLE_NAME: 'arn:aws:iam::222222222222:role/x' }, 'REMEDIATION_ROLE_NAME'],
    ['an account id of 11 digits', { RUNBOOK_ACCOUNT_ID: '12345678901' }, 'RUNBOOK_ACCOUNT_ID'],
  ])('fails at start on %s, naming the variable', (_name, env, variable) => {
    expect(() => crossAccountSettings(env)).toThrow(ConfigurationError);
    expect(() => crossAccountSettings(env)).toThrow(variable);
  });
});

describe('naming', () => {
  it.each([
    ['us-east-1', `arn:aws:iam::${WORKLOAD}:role/r`],
    ['cn-north-1', `arn:aws-cn:iam::${WORKLOAD}:role/r`],
    ['us-gov-west-1', `arn:aws-us-gov:iam::${WORKLOAD}:role/r`],
  ])('builds the remediation role ARN in the partition of %s', (region, arn) => {
    expect(remediationRoleArn(WORKLOAD, 'r', region)).toBe(arn);
  });

  it('reads the account of an event and of a function ARN, and nothing else', () => {
    expect(accountOfRawEvent({ account: WORKLOAD })).toBe(WORKLOAD);
    expect(accountOfRawEvent({ account: 'not-an-account' })).toBeUndefined();
    expect(accountOfRawEvent('not json')).toBeUndefined();
    expect(accountOfArn(`arn:aws:lambda:us-east-1:${OWN}:function:notification-runbooks-scale-consumers`)).toBe(OWN);
    expect(accountOfArn(undefined)).toBeUndefined();
  });

  it('names the STS session after the handler, within STS limits', () => {
    expect(roleSessionName('inspect-security-groups')).toBe('notification-runbooks-inspect-security-groups');
    expect(roleSessionName('x'.repeat(80))).toHaveLength(64);
  });
});

describe('AccountClients', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAWORKLOAD', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3_600_000) },
    });
  });

  it('uses the handler\'s own clients when cross-account mode is off, whatever account the alarm is in', () => {
    const { clients } = accounts({});
    expect(clients.forAccount(WORKLOAD, OWN)).toBe(clients.ownClients());
    expect(sts.calls()).toHaveLength(0);
  });

  it('uses the own clients for an alarm in the handler\'s own account, or an event that names none', () => {
    const { clients } = accounts({ remediationRoleName: 'remediate', ownAccountId: OWN });
    expect(clients.forAccount(OWN)).toBe(clients.ownClients());
    expect(clients.forAccount(undefined)).toBe(clients.ownClients());
  });

  it('builds clients for another account once, with credentials of its remediation role, assumed on first use only', async () => {
    const { clients, built } = accounts({ remediationRoleName: 'notification-runbooks-remediate-scale-consumers' });
    const workload = clients.forAccount(WORKLOAD, OWN);
    expect(clients.forAccount(WORKLOAD, OWN)).toBe(workload);
    expect(built).toHaveLength(2);
    expect(sts.calls()).toHaveLength(0);

    const credentials = workload.config.credentials;
    expect(credentials).toBeDefined();
    await expect(credentials!()).resolves.toMatchObject({ accessKeyId: 'ASIAWORKLOAD', sessionToken: 'token' });
    await credentials!();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-scale-consumers`,
      RoleSessionName: 'notification-runbooks-scale-consumers',
      DurationSeconds: 3600,
    });
  });
});

describe('assumedRoleCredentials', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => sts.reset());

  it('assumes the role again only when the credentials are within five minutes of expiring', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    sts.on(AssumeRoleCommand).callsFake(() => ({
      Credentials: { AccessKeyId: `ASIA${sts.calls().length}`, SecretAccessKey: 's', SessionToken: 't', Expiration: expiration(3_600_000, now) },
    }));
    const provider = assumedRoleCredentials(new STSClient({ region: 'us-east-1' }), 'arn:aws:iam::222222222222:role/r', 's', () => now);
    expect((await provider()).accessKeyId).toBe('ASIA1');
    now += 50 * 60_000;
    expect((await provider()).accessKeyId).toBe('ASIA1');
    now += 6 * 60_000;
    expect((await provider()).accessKeyId).toBe('ASIA2');
  });

  it('asks STS once when many requests need credentials at the same moment', async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) } });
    const provider = assumedRoleCredentials(new STSClient({ region: 'us-east-1' }), 'arn:aws:iam::222222222222:role/r', 's');
    await Promise.all(Array.from({ length: 10 }, () => provider()));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('turns a refused AssumeRole into a permanent error naming the role, and tries again on the next request', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const provider = assumedRoleCredentials(new STSClient({ region: 'us-east-1' }), 'arn:aws:iam::222222222222:role/r', 's');
    const refused = provider();
    await expect(refused).rejects.toThrow(PermanentError);
    await expect(refused).rejects.toThrow(/arn:aws:iam::222222222222:role\/r/);
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) } });
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'A' });
  });
});
