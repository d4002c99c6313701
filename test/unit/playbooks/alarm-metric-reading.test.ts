// The window an alarm's own metric is read over (decisions 217, 249), and the queryDate of CloudWatch's StateReasonData.
import { alarmMetricWindow, EVALUATED_AT_REACH_MS, queryDateOf } from '../../../shared/playbooks/alarm-metric-reading';

const lowWater = { evaluationPeriods: 5, periodSeconds: 60 };
const iso = (window: { from: Date; to: Date }) => ({ from: window.from.toISOString(), to: window.to.toISOString() });

describe('alarmMetricWindow', () => {
  const changedAt = '2026-12-06T12:05:12.345+0000';
  const now = new Date('2026-12-06T12:05:13.000Z');

  it('reads the evaluation periods and 3 of slack before the state change, to the minute after now (decision 217)', () => {
    expect(iso(alarmMetricWindow(lowWater, changedAt, now))).toEqual({ from: '2026-12-06T11:57:00.000Z', to: '2026-12-06T12:06:00.000Z' });
  });

  it.each<[string, Date, string]>([
    ['a queryDate later than now widens the end to its next period (the sandbox\'s minutes ahead)', new Date('2026-12-06T12:20:30.000Z'), '2026-12-06T12:21:00.000Z'],
    ['an earlier queryDate (AWS: CloudWatch queried before it changed the state) never narrows it', new Date('2026-12-06T12:04:40.985Z'), '2026-12-06T12:06:00.000Z'],
    ['a queryDate more than a day after the state change widens it by a day only', new Date('2030-01-01T00:00:00.000Z'), new Date(Math.ceil((Date.parse('2026-12-06T12:05:12.345Z') + EVALUATED_AT_REACH_MS + 1) / 60_000) * 60_000).toISOString()],
    ['an invalid date changes nothing', new Date(Number.NaN), '2026-12-06T12:06:00.000Z'],
  ])('%s', (_case, evaluatedAt, to) => {
    expect(iso(alarmMetricWindow(lowWater, changedAt, now, evaluatedAt))).toEqual({ from: '2026-12-06T11:57:00.000Z', to });
  });
});

describe('queryDateOf', () => {
  it.each<[string, unknown, string | undefined]>([
    ['CloudWatch\'s form ("+0000")', { version: '1.0', queryDate: '2019-10-02T17:04:40.985+0000', statistic: 'Maximum' }, '2019-10-02T17:04:40.985Z'],
    ['no queryDate', { version: '1.0' }, undefined],
    ['a queryDate that is not text', { queryDate: 1570036000000 }, undefined],
    ['a queryDate that is not a date', { queryDate: 'yesterday-ish' }, undefined],
    ['reasonData that was not JSON (kept as its string)', 'not json', undefined],
    ['no reasonData', undefined, undefined],
  ])('%s', (_case, reasonData, expected) => {
    expect(queryDateOf(reasonData)?.toISOString()).toBe(expected);
  });
});
