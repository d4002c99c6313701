// The one call deadline (shared/aws/call-deadline.ts): the document-version cleanup's (decisions 283, 285; its cases in
// test/unit/runbooks/document-versions.test.ts) and escalation-timer's (decision 306; test/unit/escalation/timer-deadline.test.ts).
// Here: what a handler arms for its invocation, and how a call given up is classified.
import { LambdaClient, ListAliasesCommand, paginateListAliases } from '@aws-sdk/client-lambda';
import { CallDeadlineError, deadlineBoundClient, InvocationDeadline, withCallDeadline } from '../../../shared/aws/call-deadline';
import { classifyAwsError, isTransientAwsError } from '../../../shared/aws/classify-error';
import { TransientError } from '../../../shared/errors';

describe('InvocationDeadline: the time left of the invocations under way in a container', () => {
  it('none armed: no deadline; armed: its time left; two at once (a test through one handler): the least; disarmed: gone', () => {
    const deadline = new InvocationDeadline();
    expect(deadline.remainingMs()).toBeUndefined();
    const first = deadline.arm(() => 30_000);
    expect(deadline.remainingMs()).toBe(30_000);
    const second = deadline.arm(() => 12_000);
    expect(deadline.remainingMs()).toBe(12_000);
    second();
    expect(deadline.remainingMs()).toBe(30_000);
    first();
    expect(deadline.remainingMs()).toBeUndefined();
  });
});

describe('a call given up at its deadline', () => {
  it('is not started with no time beyond the reserve, and is transient: retried as a call whose answer was lost', async () => {
    const calls: Array<AbortSignal | undefined> = [];
    const refused = await withCallDeadline('SNS call', async (signal) => calls.push(signal), { remainingMs: () => 8000, reserveMs: 8000, keptFor: 'for the answer' }).catch((error: unknown) => error);
    expect(calls).toEqual([]);
    expect(refused).toBeInstanceOf(CallDeadlineError);
    expect(refused).toMatchObject({ name: 'CallDeadlineExceeded', message: 'SNS call not started: 8 s left, 8 s kept for the answer' });
    expect(isTransientAwsError(refused)).toBe(true);
    expect(classifyAwsError(refused, 'SNS Publish (email)')).toBeInstanceOf(TransientError);
  });

  it('with no bound at all (no time left known, no cap) the call is made as it is, without a signal', async () => {
    const calls: Array<AbortSignal | undefined> = [];
    await withCallDeadline('SNS call', async (signal) => calls.push(signal), { reserveMs: 8000, keptFor: 'for the answer' });
    expect(calls).toEqual([undefined]);
  });
});

// Decision 346: verify-change binds the clients a row builds itself (createClients), so the view must still be the
// client for everything but `send`: the SDK's paginators refuse anything not `instanceof` their client.
describe('deadlineBoundClient: a client bound where it was not built', () => {
  const lambdaAt = (): LambdaClient => new LambdaClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
  const terms = { reserveMs: 8000, keptFor: 'to give the claim back', label: 'Lambda call' };

  it('is still an instance of its class with its config, and an SDK paginator takes it; bound twice it is bound once', async () => {
    const deadline = new InvocationDeadline();
    const client = lambdaAt();
    const bound = deadlineBoundClient(client, deadline, terms);
    expect(bound).toBeInstanceOf(LambdaClient);
    expect(bound.config).toBe(client.config);
    expect(deadlineBoundClient(bound, deadline, terms)).toBe(bound);
    // Armed with no time beyond the reserve: the paginator's first page is refused before anything is sent.
    const disarm = deadline.arm(() => 8000);
    const paging = paginateListAliases({ client: bound }, { FunctionName: 'notification-service-consumer' });
    await expect(paging.next()).rejects.toMatchObject({ name: 'CallDeadlineExceeded', message: 'Lambda call not started: 8 s left, 8 s kept to give the claim back' });
    disarm();
  });

  it('not armed, a send goes to the client as it was called (no signal added); armed, with its deadline\'s signal', async () => {
    const deadline = new InvocationDeadline();
    const client = lambdaAt();
    const seen: Array<unknown> = [];
    client.send = (async (_command: unknown, options?: unknown) => void seen.push(options)) as unknown as LambdaClient['send'];
    const bound = deadlineBoundClient(client, deadline, terms);
    await bound.send(new ListAliasesCommand({ FunctionName: 'f' }));
    const disarm = deadline.arm(() => 60_000);
    await bound.send(new ListAliasesCommand({ FunctionName: 'f' }));
    disarm();
    expect(seen).toEqual([undefined, { abortSignal: expect.any(AbortSignal) }]);
  });
});
