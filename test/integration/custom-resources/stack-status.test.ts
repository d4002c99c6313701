// The document-version cleanup reading its own stack's status through the real SDK: the CloudFormation client as the
// function builds it (client-config.ts, AWS_ENDPOINT_URL at the sandbox), moto's stack and its answer for an unknown one,
// the gap proxy's throttles and refusal; and what the cleanup then answers CloudFormation (decisions 262, 276).
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHash } from 'node:crypto';
import { DEPLOYED_CONTENTS_ENV, STACK_ID_ENV, DOCUMENT_HASHES_ENV, DOCUMENT_NAMES_ENV, PHYSICAL_RESOURCE_ID, pruneSupersededVersions } from '../../../custom-resources/prune-document-versions';
import { sandboxEnv } from '../../../sandbox/credentials';
import { clearProxyFaults, getProxyCallCount, getProxyCalls, getProxyFaults, setProxyFaults } from '../../../sandbox/proxy-control';
import type { FaultRule } from '../../../sandbox/gap-proxy';
import { clientConfig } from '../../../shared/aws/client-config';
import { stackStatusReader } from '../../../shared/aws/stack-status';
import { faultsFired } from '../../support/fault-evidence';
import { uniqueAccountId } from '../support/sandbox-account';

jest.setTimeout(120_000);

const control = (): string => {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
};

describe("the cleanup's stack status, read with the SDK's CloudFormation client on the emulator", () => {
  const accountId = uniqueAccountId();
  const scope = { accountId };
  const deployed = createHash('sha256').update('this template').digest('hex');
  const saved = { ...process.env };
  let cfn: CloudFormationClient;
  let ssm: SSMClient;
  let stackId = '';

  beforeAll(async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run through jest --selectProjects integration');
    // This process as the function runs: the SDK's own environment (here the sandbox account behind the gap proxy), and
    // a document it cannot read, so every Update below has a failure to answer and reads the stack's status.
    Object.assign(process.env, sandboxEnv({ endpoint, accountId }), {
      [DOCUMENT_NAMES_ENV]: 'NotificationService-NotDeployed',
      [DOCUMENT_HASHES_ENV]: '',
      [DEPLOYED_CONTENTS_ENV]: deployed,
    });
    cfn = new CloudFormationClient(clientConfig());
    ssm = new SSMClient(clientConfig());
    const created = await cfn.send(new CreateStackCommand({ StackName: 'cleanup-own-stack', TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) }));
    stackId = created.StackId ?? '';
    expect(stackId).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:${accountId}:stack/cleanup-own-stack/`));
    // The function's own stack, as infra sets it (AWS::StackId): validated before any call (decision 283).
    process.env[STACK_ID_ENV] = stackId;
  });
  afterEach(() => clearProxyFaults(control(), scope));
  afterAll(async () => {
    await cfn.send(new DeleteStackCommand({ StackName: 'cleanup-own-stack' }));
    cfn.destroy();
    ssm.destroy();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  /** The Update CloudFormation sends on a forward deploy, answered with `stackStatus`; the body it would PUT. */
  const answerFor = async (stackStatus: () => Promise<string>, remainingMs?: () => number): Promise<{ answer: Record<string, unknown>; sleeps: number[] }> => {
    const bodies: string[] = [];
    const sleeps: number[] = [];
    await pruneSupersededVersions(
      {
        RequestType: 'Update',
        ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation?X-Amz-Signature=0',
        StackId: stackId,
        RequestId: `request-${Date.now()}`,
        LogicalResourceId: 'SupersededVersionsCleanup',
        PhysicalResourceId: PHYSICAL_RESOURCE_ID,
        ResourceProperties: { Documents: ['NotificationService-NotDeployed'], DeployedContents: deployed },
      },
      {
        ssm,
        put: (_url, body) => {
          bodies.push(body);
          return Promise.resolve(200);
        },
        logger: new Logger({ logLevel: 'SILENT' }),
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        ...(remainingMs === undefined ? {} : { remainingMs }),
        stackStatus,
      },
    );
    expect(bodies).toHaveLength(1);
    return { answer: JSON.parse(bodies[0] ?? '{}') as Record<string, unknown>, sleeps };
  };
  const describeStacksCalls = async (since: number): Promise<number> =>
    (await getProxyCalls(control(), since)).filter((c) => c.accountId === accountId && c.service === 'cloudformation' && c.operation === 'DescribeStacks').length;
  const throttle = (times: number): FaultRule => ({ service: 'cloudformation', operation: 'DescribeStacks', accountId, times, status: 400, code: 'Throttling', message: 'Rate exceeded' });

  it('reads the status of the stack moto holds (CREATE_COMPLETE): a forward failure is answered FAILED, naming it', async () => {
    const since = await getProxyCallCount(control());
    const { answer, sleeps } = await answerFor(stackStatusReader(stackId, 'us-east-1'));
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/NotificationService-NotDeployed: InvalidDocument: .*\(the stack is CREATE_COMPLETE\)$/) as string });
    expect(sleeps).toEqual([]);
    // Read from the sandbox through AWS_ENDPOINT_URL (the proxy in front of moto), in this account, once.
    expect(await describeStacksCalls(since)).toBe(1);
  });

  it("a stack CloudFormation does not know: moto's ValidationError, not retried, and the failure is not answered FAILED", async () => {
    const unknown = `arn:aws:cloudformation:us-east-1:${accountId}:stack/never-created/2b1f7c30-0000-11f1-8000-0affd0e2b1c5`;
    const since = await getProxyCallCount(control());
    const { answer, sleeps } = await answerFor(stackStatusReader(unknown, 'us-east-1'));
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '1' } });
    expect(answer.Reason).toContain(`Not failed: the stack's status is not read (ValidationError: Stack with id ${unknown} does not exist)`);
    expect(sleeps).toEqual([]);
    expect(await describeStacksCalls(since)).toBe(1);
  });

  it('DescribeStacks refused (AccessDenied, 403): not retried, and the failure is not answered FAILED', async () => {
    const refusal: FaultRule = {
      service: 'cloudformation',
      operation: 'DescribeStacks',
      accountId,
      times: 1,
      status: 403,
      code: 'AccessDenied',
      message: `User: arn:aws:sts::${accountId}:assumed-role/cleanup/fn is not authorized to perform: cloudformation:DescribeStacks`,
    };
    await setProxyFaults(control(), [refusal], scope);
    const { answer, sleeps } = await answerFor(stackStatusReader(stackId, 'us-east-1'));
    expect(faultsFired([refusal], await getProxyFaults(control(), scope))).toEqual([{ rule: refusal, fired: 1 }]);
    expect(answer).toMatchObject({ Status: 'SUCCESS' });
    expect(answer.Reason).toContain(`Not failed: the stack's status is not read (AccessDenied: ${refusal.message ?? ''})`);
    expect(sleeps).toEqual([]);
  });

  it("throttled twice: absorbed by the SDK's own retries (client-config.ts), the status read, FAILED naming it", async () => {
    const rule = throttle(2);
    await setProxyFaults(control(), [rule], scope);
    const { answer, sleeps } = await answerFor(stackStatusReader(stackId, 'us-east-1'));
    expect(faultsFired([rule], await getProxyFaults(control(), scope))).toEqual([{ rule, fired: 2 }]);
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/\(the stack is CREATE_COMPLETE\)$/) as string });
    expect(sleeps).toEqual([]);
  });

  it("throttled on all 4 of the SDK's attempts, no time left for another try: the throttle named, not answered FAILED", async () => {
    const rule = throttle(4);
    await setProxyFaults(control(), [rule], scope);
    const reader = stackStatusReader(stackId, 'us-east-1');
    // 70 s of Lambda's time left until the read starts (the SSM calls keep 50 s: review 18, R18-1; the read's deadline:
    // 20 s, room for the SDK's 4 attempts), 30.5 s once it has: a retry after 1 s would leave less than the 30 s kept for
    // answering (decision 283).
    let started = false;
    const read = (): Promise<string> => {
      started = true;
      return reader();
    };
    const { answer, sleeps } = await answerFor(read, () => (started ? 30_500 : 70_000));
    expect(faultsFired([rule], await getProxyFaults(control(), scope))).toEqual([{ rule, fired: 4 }]);
    expect(answer).toMatchObject({ Status: 'SUCCESS' });
    expect(answer.Reason).toContain("Not failed: the stack's status is not read (Throttling: Rate exceeded)");
    expect(sleeps).toEqual([]);
    // Exactly 4 attempts: the fault is spent, and the next read answers.
    expect(await reader()).toBe('CREATE_COMPLETE');
  });
});
