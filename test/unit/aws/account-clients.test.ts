// Cross-account clients: own credentials for the handler's own account, a remediation role assumed per incident for another.
// fromTemporaryCredentials signs AssumeRole with the SDK's own STS client (@aws-sdk/nested-clients), mocked here.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccountClients,
  accountOfArn,
  accountOfRawEvent,
  assumedRoleCredentials,
  crossAccountSettings,
  incidentKeyOfRawEvent,
  remediationRoleArn,
  remediationSession,
  roleSessionName,
  type CrossAccountSettings,
} from '../../../shared/aws/account-clients';
import { clientConfig, type SdkClientConfig } from '../../../shared/aws/client-config';
import { incidentIdFor } from '../../../shared/escalation/incident';
import { ConfigurationError, PermanentError } from '../../../shared/errors';

const OWN = '111111111111';
const WORKLOAD = '222222222222';
const expiration = (msFromNow: number, now: number): Date => new Date(now + msFromNow);

// The handler's own credentials, as Lambda's environment gives them: they sign the AssumeRole.
const OWN_CREDENTIALS = { accessKeyId: 'AKIAOWN', secretAccessKey: 'own-secret' };
const config = (): SdkClientConfig => ({ ...clientConfig({ region: 'us-west-2' }), credentials: async () => OWN_CREDENTIALS });
const ALARM_ARN = `arn:aws:cloudwatch:us-west-2:${WORKLOAD}:alarm:NotificationService Queue Depth > 1000 (notification-service-queue)`;
const INCIDENT_KEY = `${ALARM_ARN}#2026-01-01T00:00:00.000+0000`;

function accounts(settings: CrossAccountSettings) {
  const built: SdkClientConfig[] = [];
  const clients = new AccountClients<{ config: SdkClientConfig }>({
    config: config(),
    settings,
    handler: 'scale-consumers',
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
    // JSON text, which the alarm parser accepts: the account is the one the parser will validate, not "none" (which
    // would pick the handler's own credentials for a workload account's alarm).
    expect(accountOfRawEvent(JSON.stringify({ account: WORKLOAD }))).toBe(WORKLOAD);
    expect(accountOfRawEvent(JSON.stringify([{ account: WORKLOAD }]))).toBeUndefined();
    expect(accountOfArn(`arn:aws:lambda:us-east-1:${OWN}:function:notification-runbooks-scale-consumers`)).toBe(OWN);
    expect(accountOfArn(undefined)).toBeUndefined();
  });

  it('names the STS session after the handler and the incident, within STS limits', () => {
    expect(roleSessionName('inspect-security-groups')).toBe('notification-runbooks-inspect-security-groups');
    expect(roleSessionName('inspect-security-groups', 'inc-3f2a9c1b7d44')).toBe('inspect-security-groups.inc-3f2a9c1b7d44');
    expect(roleSessionName('x'.repeat(80))).toHaveLength(64);
  });

  it('tags the session with the playbook, the incident id escalation shows and the region the handler runs in, and sets the handler as source identity', () => {
    const id = incidentIdFor(INCIDENT_KEY);
    expect(id).toMatch(/^inc-[0-9a-f]{12}$/);
    expect(remediationSession('scale-consumers', { region: 'us-west-2', incidentKey: INCIDENT_KEY })).toEqual({
      RoleSessionName: `scale-consumers.${id}`,
      SourceIdentity: 'notification-runbooks-scale-consumers',
      Tags: [
        { Key: 'runbook-playbook', Value: 'scale-consumers' },
        { Key: 'runbook-incident', Value: id },
        { Key: 'runbook-region', Value: 'us-west-2' },
      ],
    });
    expect(remediationSession('scale-consumers', { region: 'us-east-1' }).Tags).toEqual([
      { Key: 'runbook-playbook', Value: 'scale-consumers' },
      { Key: 'runbook-region', Value: 'us-east-1' },
    ]);
  });

  it.each([
    ['an alarm event with its alarm ARN', { resources: [ALARM_ARN], detail: { state: { timestamp: '2026-01-01T00:00:00.000+0000' } } }, INCIDENT_KEY],
    [
      'an alarm event without resources (the ARN built as the parser builds it)',
      { region: 'us-west-2', account: WORKLOAD, detail: { alarmName: 'NotificationService Queue Depth > 1000 (notification-service-queue)', state: { timestamp: '2026-01-01T00:00:00.000+0000' } } },
      INCIDENT_KEY,
    ],
    ['an alarm event built by an SSM document (its timestamp written "Z", the same instant)', { resources: [ALARM_ARN], detail: { state: { timestamp: '2026-01-01T00:00:00.000Z' } } }, INCIDENT_KEY],
    ['an event with no state timestamp', { resources: [ALARM_ARN], detail: {} }, undefined],
    ['not an object', 'not json', undefined],
    ['its JSON text, as the parser accepts it', JSON.stringify({ resources: [ALARM_ARN], detail: { state: { timestamp: '2026-01-01T00:00:00.000+0000' } } }), INCIDENT_KEY],
  ])('reads the incident key of %s before parsing', (_name, raw, expected) => {
    expect(incidentKeyOfRawEvent(raw)).toBe(expected);
  });
});

const credentialsOf = (clients: { config: SdkClientConfig }) => {
  const provider = clients.config.credentials;
  if (!provider) throw new Error('no credentials were configured');
  return provider;
};

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
    expect(clients.forAccount(WORKLOAD, OWN, INCIDENT_KEY)).toBe(clients.ownClients());
    expect(sts.calls()).toHaveLength(0);
  });

  it('uses the own clients for an alarm in the handler\'s own account, or an event that names none', () => {
    const { clients } = accounts({ remediationRoleName: 'remediate', ownAccountId: OWN });
    expect(clients.forAccount(OWN, undefined, INCIDENT_KEY)).toBe(clients.ownClients());
    expect(clients.forAccount(undefined)).toBe(clients.ownClients());
  });

  it('assumes the remediation role on first use only, once for all of an incident\'s clients, in a session named and tagged after it', async () => {
    const { clients, built } = accounts({ remediationRoleName: 'notification-runbooks-remediate-scale-consumers' });
    const workload = clients.forAccount(WORKLOAD, OWN, INCIDENT_KEY);
    expect(clients.forAccount(WORKLOAD, OWN, INCIDENT_KEY)).toBe(workload);
    expect(built).toHaveLength(2);
    expect(sts.calls()).toHaveLength(0);

    const provider = credentialsOf(workload);
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAWORKLOAD', sessionToken: 'token' });
    await Promise.all([provider(), provider(), provider()]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    const id = incidentIdFor(INCIDENT_KEY);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-scale-consumers`,
      RoleSessionName: `scale-consumers.${id}`,
      SourceIdentity: 'notification-runbooks-scale-consumers',
      // The region its own clients are configured for (AWS_REGION in Lambda): the trust admits that region's tag only.
      Tags: [
        { Key: 'runbook-playbook', Value: 'scale-consumers' },
        { Key: 'runbook-incident', Value: id },
        { Key: 'runbook-region', Value: 'us-west-2' },
      ],
      DurationSeconds: 3600,
    });
  });

  it('refuses to open a session in another account without the handler\'s region to tag it with, and calls nothing', () => {
    const clients = new AccountClients<{ config: SdkClientConfig }>({
      config: { ...clientConfig(), credentials: async () => OWN_CREDENTIALS },
      settings: { remediationRoleName: 'remediate', ownAccountId: OWN },
      handler: 'scale-consumers',
      build: (config) => ({ config }),
    });
    expect(() => clients.forAccount(WORKLOAD, OWN, INCIDENT_KEY)).toThrow(ConfigurationError);
    expect(() => clients.forAccount(WORKLOAD, OWN, INCIDENT_KEY)).toThrow(/AWS_REGION/);
    expect(clients.forAccount(OWN, OWN, INCIDENT_KEY)).toBe(clients.ownClients());
    expect(sts.calls()).toHaveLength(0);
  });

  it('opens a new session for the next incident in the same account', async () => {
    const { clients } = accounts({ remediationRoleName: 'remediate' });
    const first = clients.forAccount(WORKLOAD, OWN, INCIDENT_KEY);
    const next = clients.forAccount(WORKLOAD, OWN, `${ALARM_ARN}#2026-01-01T00:10:00.000+0000`);
    expect(next).not.toBe(first);
    await credentialsOf(first)();
    await credentialsOf(next)();
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleSessionName)).toEqual([
      `scale-consumers.${incidentIdFor(INCIDENT_KEY)}`,
      `scale-consumers.${incidentIdFor(`${ALARM_ARN}#2026-01-01T00:10:00.000+0000`)}`,
    ]);
  });
});

describe('assumedRoleCredentials', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => sts.reset());
  const session = remediationSession('scale-consumers', { region: 'us-west-2', incidentKey: INCIDENT_KEY });

  it('assumes the role again only when the credentials are within five minutes of expiring', async () => {
    // The SDK's memoization reads Date.now(): the clock is injected there.
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      sts.on(AssumeRoleCommand).callsFake(() => ({
        Credentials: { AccessKeyId: `ASIA${sts.calls().length}`, SecretAccessKey: 's', SessionToken: 't', Expiration: expiration(3_600_000, now) },
      }));
      const provider = assumedRoleCredentials(config(), 'arn:aws:iam::222222222222:role/r', session);
      expect((await provider()).accessKeyId).toBe('ASIA1');
      now += 50 * 60_000;
      expect((await provider()).accessKeyId).toBe('ASIA1');
      now += 6 * 60_000;
      expect((await provider()).accessKeyId).toBe('ASIA2');
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('turns a refused AssumeRole into a permanent error naming the role and session, and tries again on the next request', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const provider = assumedRoleCredentials(config(), 'arn:aws:iam::222222222222:role/r', session);
    const refused = provider();
    await expect(refused).rejects.toThrow(PermanentError);
    await expect(refused).rejects.toThrow(/arn:aws:iam::222222222222:role\/r \(session scale-consumers\.inc-[0-9a-f]{12}\)/);
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) } });
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'A' });
  });
});
