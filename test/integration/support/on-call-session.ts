// An on-call engineer's own AWS session in a sandbox account: a role of the account assumed under their session name,
// so the principal STS names (assumed-role/OnCall/<name>) differs per engineer (decision 174's tests tell them apart).
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { SandboxAccount } from './sandbox-account';

export interface OnCallSession {
  /** The account's environment with this session's credentials in place of the sandbox key's. */
  env: Record<string, string>;
  /** What STS says of these credentials, asked apart from the code under test. */
  arn: string;
}

const ON_CALL_ROLE = 'OnCall';

/** A session of `roleName` (default OnCall; created in the account if missing) named `sessionName`. */
export async function onCallSession(account: SandboxAccount, sessionName: string, roleName: string = ON_CALL_ROLE): Promise<OnCallSession> {
  const iam = new IAMClient(account.clientConfig);
  const exists = await iam.send(new GetRoleCommand({ RoleName: roleName })).then(
    () => true,
    (error: Error) => {
      if (error.name === 'NoSuchEntityException' || error.name === 'NoSuchEntity') return false;
      throw error;
    },
  );
  if (!exists) {
    // The gap proxy judges AssumeRole against this trust (sandbox/preflight-gaps.ts): the account's own principals.
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account.accountId}:root` }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  }
  const assumed = await new STSClient(account.clientConfig).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account.accountId}:role/${roleName}`, RoleSessionName: sessionName }),
  );
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole gave no credentials');
  const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const arn = (await new STSClient({ ...account.clientConfig, credentials }).send(new GetCallerIdentityCommand({}))).Arn ?? '';
  return { env: { ...account.env, AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken }, arn };
}
