// The memory playbook's apply against a mocked Lambda: RevisionId on every update, bounded waits and retries, the learned ceiling.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError, TransientError } from '../../../shared/errors';
import { memoryPressurePlaybook, type MemoryPressureClients } from '../../../shared/playbooks/memory-pressure';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const fn = 'notification-service-consumer';
const lambdaMock = mockClient(LambdaClient);
const target = { functionName: fn, resource: { type: 'lambda-function', id: fn, arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}` } };
const change = { functionName: fn, fromMb: 512, toMb: 768 };

function sdkError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' as const });
}

function context(remembered: Array<Record<string, unknown>> = []): PlaybookContext<MemoryPressureClients> & { clock: ManualClock } {
  return {
    clients: { lambda: new LambdaClient({ region: 'us-east-1' }), logs: new CloudWatchLogsClient({ region: 'us-east-1' }) },
    clock: new ManualClock(Date.parse('2024-03-05T10:00:00Z')),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
    remember: async (facts) => {
      remembered.push(facts);
    },
  };
}

const updates = (): Array<Record<string, unknown>> => lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).map((c) => ({ ...c.args[0].input }));

beforeEach(() => lambdaMock.reset());

describe('raise-lambda-memory apply', () => {
  it('updates with the RevisionId it has just read, so a concurrent deploy makes the update fail instead of being overwritten', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' });
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({ MemorySize: 768 });
    await memoryPressurePlaybook.apply(context(), target, change);
    expect(updates()).toEqual([{ FunctionName: fn, MemorySize: 768, RevisionId: 'rev-1' }]);
  });

  it('after a RevisionId conflict re-reads and leaves alone a memory size the deploy changed', async () => {
    lambdaMock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' })
      .resolves({ MemorySize: 1024, RevisionId: 'rev-2', LastUpdateStatus: 'Successful' });
    lambdaMock.on(UpdateFunctionConfigurationCommand).rejects(sdkError('PreconditionFailedException', 'The Revision Id provided does not match', 412));
    await expect(memoryPressurePlaybook.apply(context(), target, change)).rejects.toThrow(/changed from 512 to 1024 MB.*not overriding/);
    expect(updates()).toHaveLength(1);
  });

  it('after a RevisionId conflict from an unrelated change retries with the new RevisionId', async () => {
    lambdaMock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' })
      .resolves({ MemorySize: 512, RevisionId: 'rev-2', LastUpdateStatus: 'Successful' });
    lambdaMock
      .on(UpdateFunctionConfigurationCommand)
      .rejectsOnce(sdkError('PreconditionFailedException', 'The Revision Id provided does not match', 412))
      .resolves({ MemorySize: 768 });
    await memoryPressurePlaybook.apply(context(), target, change);
    expect(updates().map((u) => u.RevisionId)).toEqual(['rev-1', 'rev-2']);
  });

  it('waits, on the injected clock, for an update in progress to finish before retrying', async () => {
    lambdaMock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' })
      .resolvesOnce({ MemorySize: 512, RevisionId: 'rev-2', LastUpdateStatus: 'InProgress' })
      .resolvesOnce({ MemorySize: 512, RevisionId: 'rev-2', LastUpdateStatus: 'InProgress' })
      .resolves({ MemorySize: 512, RevisionId: 'rev-3', LastUpdateStatus: 'Successful' });
    lambdaMock
      .on(UpdateFunctionConfigurationCommand)
      .rejectsOnce(sdkError('ResourceConflictException', 'An update is in progress for resource', 409))
      .resolves({ MemorySize: 768 });
    await memoryPressurePlaybook.apply(context(), target, change);
    expect(updates().map((u) => u.RevisionId)).toEqual(['rev-1', 'rev-3']);
    // Polled through both InProgress reads before the second update.
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(4);
  });

  it('gives up after a bounded number of conflicts with a retryable error', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' });
    lambdaMock.on(UpdateFunctionConfigurationCommand).rejects(sdkError('ResourceConflictException', 'An update is in progress', 409));
    await expect(memoryPressurePlaybook.apply(context(), target, change)).rejects.toBeInstanceOf(TransientError);
    expect(updates()).toHaveLength(4);
  });

  it('gives up waiting for an update that never finishes, with a retryable error', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'InProgress' });
    await expect(memoryPressurePlaybook.apply(context(), target, change)).rejects.toThrow(/still has an update in progress/);
    expect(updates()).toHaveLength(0);
  });

  it('records the account ceiling AWS states when it refuses the size, and escalates', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 2048, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' });
    lambdaMock
      .on(UpdateFunctionConfigurationCommand)
      .rejects(sdkError('InvalidParameterValueException', "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 3008", 400));
    const remembered: Array<Record<string, unknown>> = [];
    const error = await memoryPressurePlaybook.apply(context(remembered), target, { functionName: fn, fromMb: 2048, toMb: 3072 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain("this account's ceiling is 3008 MB");
    expect(remembered).toEqual([expect.objectContaining({ memoryCeilingMb: 3008 })]);
  });

  const observed = (overrides: Record<string, unknown> = {}) => ({ functionName: fn, memoryMb: 512, lastUpdateStatus: 'Successful', revisionId: 'rev-0', invokedVia: [], ...overrides });

  it('starts from the observation just read: the update is conditioned on its RevisionId, with no read of its own', async () => {
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({ MemorySize: 768 });
    await memoryPressurePlaybook.apply(context(), target, change, observed());
    expect(updates()).toEqual([{ FunctionName: fn, MemorySize: 768, RevisionId: 'rev-0' }]);
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(0);
  });

  it.each([
    ['an update in progress', { lastUpdateStatus: 'InProgress' }],
    ['no RevisionId', { revisionId: undefined }],
    ['another function', { functionName: 'another-function' }],
  ])('reads the configuration itself when the observation shows %s', async (_case, overrides) => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 512, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' });
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({ MemorySize: 768 });
    await memoryPressurePlaybook.apply(context(), target, change, observed(overrides));
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(1);
    expect(updates()).toEqual([{ FunctionName: fn, MemorySize: 768, RevisionId: 'rev-1' }]);
  });

  it('a deploy since the observation fails the update on its RevisionId; the re-read leaves alone the memory size it set', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 1024, RevisionId: 'rev-1', LastUpdateStatus: 'Successful' });
    lambdaMock.on(UpdateFunctionConfigurationCommand).rejects(sdkError('PreconditionFailedException', 'The Revision Id provided does not match', 412));
    await expect(memoryPressurePlaybook.apply(context(), target, change, observed())).rejects.toThrow(/changed from 512 to 1024 MB.*not overriding/);
    expect(updates()).toEqual([{ FunctionName: fn, MemorySize: 768, RevisionId: 'rev-0' }]);
    expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(1);
  });

  it('treats a function already at the target size as done (a retry after a crash)', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ MemorySize: 768, RevisionId: 'rev-2', LastUpdateStatus: 'Successful' });
    await memoryPressurePlaybook.apply(context(), target, change);
    expect(updates()).toHaveLength(0);
  });
});
