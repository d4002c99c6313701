// The stack's own status, read from CloudFormation (DescribeStacks) by the document-version cleanup when it has a failure
// to answer: during UPDATE_ROLLBACK_IN_PROGRESS an Update is the rollback's, and a FAILED answer to it stops the stack in
// UPDATE_ROLLBACK_FAILED (review 15, R15-9; decision 262). Read with the SDK's CloudFormation client (decision 276).
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { clientConfig } from './client-config';

/**
 * The stack's StackStatus (DescribeStacks with its id): e.g. UPDATE_IN_PROGRESS, UPDATE_ROLLBACK_IN_PROGRESS. What
 * CloudFormation refuses is thrown as the SDK gives it (its code the error's name: ValidationError for a stack it does
 * not know, AccessDenied, Throttling), so the caller tells transient from permanent (shared/aws/classify-error.ts).
 */
export async function readStackStatus(stackId: string, cloudFormation: Pick<CloudFormationClient, 'send'>, abortSignal?: AbortSignal): Promise<string> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }), abortSignal ? { abortSignal } : {});
  const status: string | undefined = Stacks?.[0]?.StackStatus;
  if (status === undefined || !/^[A-Z_]+$/.test(status)) throw new Error(`DescribeStacks of ${stackId} answered no StackStatus`);
  return status;
}

/**
 * The function's reader of its own stack's status: one client, with the settings every client of the project has
 * (client-config.ts); the endpoint is the SDK's own (AWS_ENDPOINT_URL in the sandbox).
 */
export function stackStatusReader(stackId: string, region: string | undefined): (abortSignal?: AbortSignal) => Promise<string> {
  const cloudFormation = new CloudFormationClient(clientConfig(region ? { region } : {}));
  return (abortSignal) => readStackStatus(stackId, cloudFormation, abortSignal);
}
