// The one bounded FilterLogEvents read (error-rate's enrichment, Memory Pressure's OOM kinds): lines and pages bounded,
// the direction set by the first request only, and a failure read as the callers say it.
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { logReadFailure, readLogLines } from '../../../shared/aws/filter-log-lines';

const logsMock = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'us-east-1' });
const window = { start: new Date('2026-12-06T07:00:00Z'), end: new Date('2026-12-06T07:10:00Z') };
const request = { logGroupName: '/aws/lambda/notification-service-consumer', window, filterPattern: '?ERROR', maxLines: 5, maxPages: 3 };
const inputs = (): FilterLogEventsCommandInput[] => logsMock.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);

beforeEach(() => logsMock.reset());

describe('readLogLines', () => {
  it('follows the tokens until a page names none: every line, nothing more to read', async () => {
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ message: 'a', logStreamName: 's1', timestamp: 1796540400000 }, { message: 'b', logStreamName: 's2', timestamp: 1796540401000 }], nextToken: 't1' })
      .resolvesOnce({ events: [{ message: 'c' }] });
    // Each line's stream and timestamp, same index ('' / NaN when the answer names none): memory-pressure judges the
    // stream (decision 253) and dates the kill it reads (the AWS/Lambda Errors of its minute).
    await expect(readLogLines(client, request)).resolves.toEqual({ lines: ['a', 'b', 'c'], streams: ['s1', 's2', ''], timestamps: [1796540400000, 1796540401000, Number.NaN], more: false });
    expect(inputs().map((input) => [input.nextToken, input.limit])).toEqual([
      [undefined, 5],
      ['t1', 3],
    ]);
    expect(inputs()[0]).toMatchObject({ startTime: window.start.getTime(), endTime: window.end.getTime(), filterPattern: '?ERROR' });
  });

  it('stops at maxPages of empty pages that still name a token (a search of a large group): 3 calls, more to read', async () => {
    let calls = 0;
    logsMock.on(FilterLogEventsCommand).callsFake(async () => {
      calls += 1;
      return { events: [], nextToken: `t${calls}` };
    });
    await expect(readLogLines(client, request)).resolves.toEqual({ lines: [], streams: [], timestamps: [], more: true });
    expect(calls).toBe(3);
  });

  it('stops at maxLines, with more to read when the page named a token', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: ['1', '2', '3', '4', '5', '6'].map((message) => ({ message })), nextToken: 't' });
    await expect(readLogLines(client, request)).resolves.toEqual({ lines: ['1', '2', '3', '4', '5'], streams: ['', '', '', '', ''], timestamps: Array<number>(5).fill(Number.NaN), more: true });
    expect(inputs()).toHaveLength(1);
  });

  it('asks for the newest lines first on the first request only (the token keeps the direction)', async () => {
    logsMock.on(FilterLogEventsCommand).resolvesOnce({ events: [{ message: 'x' }], nextToken: 't1' }).resolvesOnce({ events: [] });
    await readLogLines(client, { ...request, newestFirst: true });
    expect(inputs().map((input) => input.startFromHead)).toEqual([false, undefined]);
    logsMock.reset();
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    await readLogLines(client, request);
    expect(inputs()[0]?.startFromHead).toBeUndefined();
  });
});

describe('logReadFailure', () => {
  it('throws a transient error again, reads a missing group as missing, and bounds anything else to one masked line', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(() => logReadFailure(throttled)).toThrow(throttled);
    expect(logReadFailure(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }))).toEqual({ kind: 'missing' });
    const denied = logReadFailure(Object.assign(new Error(`not authorized ${'x'.repeat(400)}`), { name: 'AccessDeniedException' }));
    expect(denied.kind).toBe('unavailable');
    if (denied.kind !== 'unavailable') throw new Error('unreachable');
    expect(denied.detail.startsWith('AccessDeniedException: not authorized')).toBe(true);
    expect(denied.detail.length).toBeLessThan(260);
  });
});
