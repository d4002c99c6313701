// The per-event bench's replay (bench/replay-match.ts): each replayed request gets the recorded answer to the same request,
// whatever order the emulator answered concurrent requests in when they were recorded.
import { chooseRecorded, requestFingerprint, requestShape } from '../../../bench/replay-match';

const getMetricData = (queries: string, from: number, to: number): string =>
  requestFingerprint({ method: 'POST', path: '/', body: new TextEncoder().encode(`{"MetricDataQueries":[${queries}],"StartTime":${from},"EndTime":${to}}`) });
const ERRORS = '{"Id":"errors0","MetricStat":{"Metric":{"Namespace":"AWS/Lambda","MetricName":"Errors"},"Period":60,"Stat":"Sum"}}';
const ALARM = '{"Id":"alarm","MetricStat":{"Metric":{"Namespace":"AWS/SQS","MetricName":"ApproximateNumberOfMessagesVisible"},"Period":60,"Stat":"Maximum"}}';

describe('the per-event bench answers a replayed request with the recorded answer to that request', () => {
  // scale-consumers' two concurrent GetMetricData calls, recorded in the order the emulator answered them: the alarm's
  // first, though the error rates were asked first (the order that made the replay escalate in 14 calls, 5 round trips).
  const recorded = [getMetricData(ALARM, 1796585100, 1796585400), getMetricData(ERRORS, 1796585100, 1796585400)];

  it('gives the error-rate query the error rates and the alarm query the alarm, in either order of asking', () => {
    expect(chooseRecorded(recorded, new Set(), getMetricData(ERRORS, 1796585100, 1796585400))).toBe(1);
    expect(chooseRecorded(recorded, new Set([1]), getMetricData(ALARM, 1796585100, 1796585400))).toBe(0);
    expect(chooseRecorded(recorded, new Set(), getMetricData(ALARM, 1796585100, 1796585400))).toBe(0);
    expect(chooseRecorded(recorded, new Set([0]), getMetricData(ERRORS, 1796585100, 1796585400))).toBe(1);
  });

  it('matches the same request made at another minute (its window) by its shape', () => {
    expect(requestShape(getMetricData(ERRORS, 1796585160, 1796585460))).toBe(requestShape(recorded[1] ?? ''));
    expect(chooseRecorded(recorded, new Set(), getMetricData(ERRORS, 1796585160, 1796585460))).toBe(1);
    expect(chooseRecorded(recorded, new Set([1]), getMetricData(ALARM, 1796585160, 1796585460))).toBe(0);
  });

  it('gives equal requests their answers in the order they were sent, and a poll beyond them the last answer', () => {
    const poll = requestFingerprint({ method: 'GET', path: '/2015-03-31/event-source-mappings/abc' });
    const polls = [poll, poll, poll];
    expect(chooseRecorded(polls, new Set(), poll)).toBe(0);
    expect(chooseRecorded(polls, new Set([0]), poll)).toBe(1);
    expect(chooseRecorded(polls, new Set([0, 1, 2]), poll)).toBe(2);
  });

  it('gives a request never recorded in any form the first unused answer, then the last; nothing when nothing was recorded', () => {
    const other = requestFingerprint({ method: 'POST', path: '/', body: '{"TableName":"x"}' });
    expect(chooseRecorded(recorded, new Set([0]), other)).toBe(1);
    expect(chooseRecorded(recorded, new Set([0, 1]), other)).toBe(1);
    expect(chooseRecorded([], new Set(), other)).toBeUndefined();
  });

  it('prefers the answer to the same request to an earlier one of the same shape', () => {
    const earlier = getMetricData(ERRORS, 1796585100, 1796585400);
    const later = getMetricData(ERRORS, 1796585160, 1796585460);
    expect(chooseRecorded([earlier, later], new Set(), later)).toBe(1);
    expect(chooseRecorded([earlier, later], new Set([1]), later)).toBe(0);
  });

  it('chooses the same with the recorded shapes given as without (the transport computes them once, decision 332)', () => {
    const poll = requestFingerprint({ method: 'GET', path: '/2015-03-31/event-source-mappings/abc' });
    const lists = [recorded, [poll, poll, poll], [...recorded, poll]];
    const asked = [getMetricData(ERRORS, 1796585160, 1796585460), getMetricData(ALARM, 1796585100, 1796585400), poll, requestFingerprint({ method: 'POST', path: '/', body: '{}' })];
    for (const list of lists) {
      for (const fingerprint of asked) {
        for (const used of [new Set<number>(), new Set([0]), new Set([1]), new Set([0, 1, 2])]) {
          expect(chooseRecorded(list, used, fingerprint, list.map(requestShape))).toBe(chooseRecorded(list, used, fingerprint));
        }
      }
    }
  });

  it('tells requests apart by path and query, not only by body', () => {
    expect(requestFingerprint({ method: 'GET', path: '/a', query: { b: '1', a: ['x', 'y'] } })).toBe(requestFingerprint({ method: 'GET', path: '/a', query: { a: ['x', 'y'], b: '1' } }));
    expect(requestFingerprint({ method: 'GET', path: '/a' })).not.toBe(requestFingerprint({ method: 'GET', path: '/b' }));
  });
});
