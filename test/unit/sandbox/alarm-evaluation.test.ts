// The sandbox's CloudWatch stand-in judges its alarms as the CloudWatch User Guide documents ("Configuring how CloudWatch
// alarms treat missing data"), with the rule the playbooks judge CloudWatch's data by (evaluateAlarmRange, decision 256),
// not by counting M of the last N (decision 263).
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { evaluate, evaluationRangeSize, type Sample } from '../../../sandbox/alarm-evaluator';

const QUERY = new Date('2026-12-06T12:05:30Z');

function alarm(overrides: Partial<MetricAlarm>): MetricAlarm {
  return {
    AlarmName: 'cpu',
    Namespace: 'AWS/RDS',
    MetricName: 'CPUUtilization',
    Statistic: 'Average',
    Period: 60,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    Threshold: 70,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing',
    StateValue: 'OK',
    ...overrides,
  };
}

/** One entry per minute ending at 12:05, oldest first; undefined: no datapoint that minute. */
function range(values: ReadonlyArray<number | undefined>): Array<Sample | undefined> {
  const end = Date.parse('2026-12-06T12:05:00Z');
  return values.map((value, i) => (value === undefined ? undefined : { value, at: new Date(end - (values.length - 1 - i) * 60_000) }));
}

const NONE = [undefined, undefined, undefined, undefined, undefined, undefined, undefined];

describe('the sandbox evaluator judges the evaluation range as CloudWatch documents it', () => {
  it('reads the evaluation range as N + 2 periods (the guide\'s 5 for an alarm of 3)', () => {
    expect(evaluationRangeSize({ EvaluationPeriods: 3 })).toBe(5);
    expect(evaluationRangeSize({ EvaluationPeriods: 1 })).toBe(3);
  });

  it('goes to ALARM on 82, 85, 88, -, 90 for a 5-of-5 alarm with missing data treated as missing (premature-transition rule), where counting said OK', () => {
    const judged = evaluate(alarm({}), range([undefined, undefined, 82, 85, 88, undefined, 90]), QUERY);
    expect(judged?.state).toBe('ALARM');
    expect(judged?.reason).toMatch(/^Threshold Crossed: 4 out of the last 4 datapoints \[82\.0 .*, 90\.0 \(06\/12\/26 12:05:00\)\] were greater than the threshold \(70\.0\) \(minimum 5 datapoints for OK -> ALARM transition\)\.$/);
    expect(JSON.parse(judged?.reasonData ?? '{}')).toMatchObject({ recentDatapoints: [82, 85, 88, 90], startDate: '2026-12-06T12:01:00.000+0000' });
  });

  it.each<[string, Partial<MetricAlarm>, Array<number | undefined>, string | undefined]>([
    ['a real minute under the threshold keeps the premature rule off', {}, [undefined, 40, 82, 85, undefined, 90, 91], 'OK'],
    ['the breaching run only four minutes old waits', {}, [undefined, undefined, undefined, 85, 88, undefined, 90], 'OK'],
    ['five real datapoints: the five most recent are judged, the older 40 is not', {}, [40, 71, 72, 73, 74, 75, undefined], 'ALARM'],
    ['a 1-of-1 alarm judges the newest real datapoint of its range, a period behind', { EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 1000 }, [1500, 300, undefined], 'OK'],
    ['no datapoint, missing: INSUFFICIENT_DATA', {}, NONE, 'INSUFFICIENT_DATA'],
    ['no datapoint, notBreaching: OK', { TreatMissingData: 'notBreaching' }, NONE, 'OK'],
    ['no datapoint, breaching: ALARM', { TreatMissingData: 'breaching' }, NONE, 'ALARM'],
    ['no datapoint, ignore: the state kept', { TreatMissingData: 'ignore' }, NONE, undefined],
    ['3 of 5, breaching: two real minutes, one over, and three missing filled as breaching', { DatapointsToAlarm: 3, TreatMissingData: 'breaching' }, [undefined, undefined, undefined, undefined, undefined, 90, 10], 'ALARM'],
    ['3 of 5, notBreaching: the same minutes are OK', { DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' }, [undefined, undefined, undefined, undefined, undefined, 90, 10], 'OK'],
  ])('%s', (_case, overrides, values, expected) => {
    expect(evaluate(alarm(overrides), range(values), QUERY)?.state).toBe(expected);
  });

  it('says what it judged: missing data filled as breaching, and an all-missing range', () => {
    expect(evaluate(alarm({ DatapointsToAlarm: 3, TreatMissingData: 'breaching' }), range([undefined, undefined, undefined, undefined, undefined, 90, 10]), QUERY)?.reason).toBe(
      'Threshold Crossed: 1 out of the last 2 datapoints [90.0 (06/12/26 12:04:00)] was greater than the threshold (70.0) and 3 missing datapoints were treated as [Breaching] (minimum 3 datapoints for OK -> ALARM transition).',
    );
    expect(evaluate(alarm({ EvaluationPeriods: 1, DatapointsToAlarm: 1 }), range([undefined, undefined, undefined]), QUERY)?.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
  });
});
