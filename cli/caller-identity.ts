// Who the CLI's credentials are, as STS says (GetCallerIdentity): the account and the principal ARN.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../shared/aws/client-config';

export type CallerIdentity = { account: string; arn: string } | { error: string };

/** STS GetCallerIdentity with the credentials the run uses; what went wrong, in one line, when it does not answer both. */
export async function readCallerIdentity(region: string | undefined): Promise<CallerIdentity> {
  const sts = new STSClient(clientConfig({ ...(region ? { region } : {}), maxAttempts: 2 }));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account || !identity.Arn) return { error: `STS GetCallerIdentity answered without ${identity.Account ? 'Arn' : 'Account'}` };
    return { account: identity.Account, arn: identity.Arn };
  } catch (error) {
    return { error: `STS GetCallerIdentity: ${(error as Error).name}: ${(error as Error).message}` };
  } finally {
    sts.destroy();
  }
}
