// The credentials a remediation role gives must be that role's, in the account asked for: the AssumeRole answer's
// AssumedRoleUser.Arn is checked on the SDK's own STS client. The STS endpoint is played by a request handler that
// answers as STS does (AWS Query XML), so the real client, deserializer and middleware run; nothing is mocked above it.
import { AccountClients, assumedIdentityProblem, assumedRoleCredentials, remediationSession } from '../../../shared/aws/account-clients';
import { clientConfig, type SdkClientConfig } from '../../../shared/aws/client-config';
import { PermanentError, TransientError } from '../../../shared/errors';
import { endpoint, type Endpoint } from '../../support/loopback-endpoint';

const WORKLOAD = '222222222222';
const ROLE = 'notification-runbooks-remediate-scale-consumers';
const ROLE_ARN = `arn:aws:iam::${WORKLOAD}:role/${ROLE}`;
const session = remediationSession('scale-consumers', { region: 'us-west-2', incidentKey: `arn:aws:cloudwatch:us-west-2:${WORKLOAD}:alarm:QueueDepth#2026-01-01T00:00:00.000+0000` });

/** STS as it answers AssumeRole (AWS Query protocol), with the assumed role's ARN it reports; the requests it got. */
function fakeSts(assumedRoleArn: string | undefined): { config: SdkClientConfig; requests: string[] } {
  const requests: string[] = [];
  const user = assumedRoleArn === undefined ? '' : `<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:${session.RoleSessionName}</AssumedRoleId><Arn>${assumedRoleArn}</Arn></AssumedRoleUser>`;
  const body =
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>' +
    `<Credentials><AccessKeyId>ASIAWORKLOAD</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials>` +
    `${user}</AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>`;
  const requestHandler = {
    handle: async (request: { body?: unknown }) => {
      requests.push(String(request.body));
      return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from(body) } };
    },
  };
  const config = { ...clientConfig({ region: 'us-west-2', maxAttempts: 1 }), credentials: async () => ({ accessKeyId: 'AKIAOWN', secretAccessKey: 'own' }), requestHandler };
  // The project's config types requestHandler as its timeouts; the SDK takes a handler object there too.
  return { config: config as unknown as SdkClientConfig, requests };
}

describe('assumed role credentials are checked against the account and role asked for', () => {
  it('accepts the credentials of the role asked for, in its account', async () => {
    const sts = fakeSts(`arn:aws:sts::${WORKLOAD}:assumed-role/${ROLE}/${session.RoleSessionName}`);
    await expect(assumedRoleCredentials(sts.config, ROLE_ARN, session)()).resolves.toMatchObject({ accessKeyId: 'ASIAWORKLOAD' });
    expect(sts.requests).toHaveLength(1);
    expect(sts.requests[0]).toContain('Action=AssumeRole');
  });

  it.each([
    ['another account', `arn:aws:sts::333333333333:assumed-role/${ROLE}/${session.RoleSessionName}`, /returned credentials for arn:aws:sts::333333333333:assumed-role\/.* not role notification-runbooks-remediate-scale-consumers in account 222222222222: refused/],
    ['another role in the account', `arn:aws:sts::${WORKLOAD}:assumed-role/Admin/${session.RoleSessionName}`, /returned credentials for arn:aws:sts::222222222222:assumed-role\/Admin\/.* refused/],
    ['no assumed role at all', undefined, /answered without AssumedRoleUser\.Arn: the credentials' account cannot be checked, refused/],
  ])('refuses credentials for %s, as a permanent error', async (_situation, assumedArn, reason) => {
    const sts = fakeSts(assumedArn);
    const fetched = assumedRoleCredentials(sts.config, ROLE_ARN, session)();
    await expect(fetched).rejects.toThrow(PermanentError);
    await expect(fetched).rejects.toThrow(reason);
    // STS was asked (the answer is what is refused).
    expect(sts.requests).toHaveLength(1);
  });

  it('AccountClients.forAccount gives clients whose credentials for another account are refused before anything is signed with them', async () => {
    const sts = fakeSts(`arn:aws:sts::333333333333:assumed-role/${ROLE}/${session.RoleSessionName}`);
    const accounts = new AccountClients<{ credentials?: SdkClientConfig['credentials'] }>({
      config: sts.config,
      settings: { ownAccountId: '111111111111', remediationRoleName: ROLE },
      handler: 'scale-consumers',
      build: (config) => ({ ...(config.credentials ? { credentials: config.credentials } : {}) }),
    });
    const { credentials } = accounts.forAccount(WORKLOAD, undefined, `arn:aws:cloudwatch:us-west-2:${WORKLOAD}:alarm:QueueDepth#2026-01-01T00:00:00.000+0000`);
    if (!credentials) throw new Error('no assumed-role credentials for the workload account');
    await expect(credentials()).rejects.toThrow(/not role notification-runbooks-remediate-scale-consumers in account 222222222222/);
  });

  it.each([
    ['the role in its account', `arn:aws:sts::${WORKLOAD}:assumed-role/${ROLE}/s`, undefined],
    ['the role in its account, in another partition', `arn:aws-us-gov:sts::${WORKLOAD}:assumed-role/${ROLE}/s`, /refused/],
    ['an account id one digit off', `arn:aws:sts::22222222222:assumed-role/${ROLE}/s`, /refused/],
    ['an IAM user, not an assumed role', `arn:aws:iam::${WORKLOAD}:user/${ROLE}`, /refused/],
    ['a role whose name only starts like the one asked for', `arn:aws:sts::${WORKLOAD}:assumed-role/${ROLE}-x/s`, /refused/],
  ])('assumedIdentityProblem: %s', (_situation, arn, expected) => {
    const problem = assumedIdentityProblem(ROLE_ARN, { AssumedRoleUser: { Arn: arn } });
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

// The STS client fromTemporaryCredentials builds gets the project's client settings (clientConfig: stsConfig): its
// AssumeRole is bounded like every other call (decision 337, README "A call whose answer never comes is bounded"). Here
// the real SDK HTTP handler runs against a loopback STS that accepts and never answers.
describe('an AssumeRole whose answer never comes is bounded', () => {
  let sts: Endpoint | undefined;
  afterEach(async () => {
    await sts?.close();
    sts = undefined;
  });

  it('fails each of maxAttempts attempts at the request timeout: a TimeoutError, taken as transient, after exactly 2 attempts reached STS', async () => {
    sts = await endpoint(() => undefined);
    const config = {
      ...clientConfig({ region: 'us-west-2', maxAttempts: 2, requestTimeoutMs: 300 }),
      endpoint: sts.url,
      credentials: async () => ({ accessKeyId: 'AKIAOWN', secretAccessKey: 'own' }),
    };
    const error: unknown = await assumedRoleCredentials(config, ROLE_ARN, session)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain(`STS AssumeRole ${ROLE_ARN}`);
    expect((error as { cause?: unknown }).cause).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: { attempts: 2 } });
    expect(sts.requests).toBe(2);
  });
});
