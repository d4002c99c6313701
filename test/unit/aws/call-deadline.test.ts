// The one call deadline (shared/aws/call-deadline.ts): the document-version cleanup's (decisions 283, 285; its cases in
// test/unit/runbooks/document-versions.test.ts) and escalation-timer's (decision 306; test/unit/escalation/timer-deadline.test.ts).
// Here: what a handler arms for its invocation, and how a call given up is classified.
import { CallDeadlineError, InvocationDeadline, withCallDeadline } from '../../../shared/aws/call-deadline';
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
