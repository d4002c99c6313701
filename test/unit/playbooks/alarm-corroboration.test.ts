// CloudWatch's evaluation of an alarm with missing data, as the corroboration of a changing playbook judges it (review 14
// R14-2): the CloudWatch User Guide's own tables, then CloudWatch's metric against the project's alarms.
import type { TreatMissingData } from '../../../shared/config/alarm-specs';
import { EVALUATION_RANGE_EXTRA_PERIODS, evaluateAlarmRange, metricBearsOut, metricBearsOutOk, type CloudWatchVerdict } from '../../../shared/playbooks/alarm-corroboration';
import { metricRead, restoreSignalAlarm, rowAlarm } from '../../support/corroborating-readings';

/** "0 - X - X": 0 not breaching, X breaching, - missing; oldest first, as the guide writes them. */
const range = (text: string): Array<boolean | undefined> => text.split(' ').map((c) => (c === '-' ? undefined : c === 'X'));
const TREATMENTS: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

// CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data" (alarms-and-missing-data), section "How
// alarm state is evaluated when data is missing": both tables as published (evaluation range 5; columns MISSING, IGNORE,
// BREACHING, NOT BREACHING; "Retain current state" is RETAIN). Rows 5 are the premature-transition rule.
describe("evaluateAlarmRange reproduces the CloudWatch User Guide's missing-data tables", () => {
  it.each<[string, CloudWatchVerdict[]]>([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'RETAIN', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - X - -', ['ALARM', 'RETAIN', 'ALARM', 'OK']],
  ])('3 of 3, %s: %j', (points, expected) => {
    expect(TREATMENTS.map((t) => evaluateAlarmRange(range(points), 3, 3, t).verdict)).toEqual(expected);
  });

  it.each<[string, CloudWatchVerdict[]]>([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - X -', ['ALARM', 'RETAIN', 'ALARM', 'OK']],
  ])('2 of 3, %s: %j', (points, expected) => {
    expect(TREATMENTS.map((t) => evaluateAlarmRange(range(points), 3, 2, t).verdict)).toEqual(expected);
  });

  it('the premature rule needs the oldest breaching datapoint M periods old ("- - - - X" and "- - - X -" wait for 3 of 3)', () => {
    expect(evaluateAlarmRange(range('- - - - X'), 3, 3, 'missing')).toEqual({ verdict: 'OK', premature: false });
    expect(evaluateAlarmRange(range('- - - X -'), 3, 3, 'missing')).toEqual({ verdict: 'OK', premature: false });
    expect(evaluateAlarmRange(range('- - X - -'), 3, 3, 'missing')).toEqual({ verdict: 'ALARM', premature: true });
  });
});

// Review 14 R14-2: the corroboration counted M breaching datapoints, so production's CPU alarm (> 70, 5 of 5, missing data
// `missing`), which CloudWatch puts in ALARM on 82, 85, 88, -, 90 with nothing earlier, was judged not borne out.
describe('metricBearsOut judges the alarm as CloudWatch evaluates it', () => {
  const cpu = rowAlarm('cpu-utilization');
  const reading = (values: Array<number | undefined>) => {
    const read = metricRead(values);
    if (read.status !== 'read') throw new Error('a reading');
    return read.reading;
  };

  it("the review's case: 82, 85, 88, -, 90 over the last five minutes, nothing earlier, is borne out, saying the metric had a gap", () => {
    expect(cpu).toMatchObject({ evaluationPeriods: 5, datapointsToAlarm: 5, treatMissingData: 'missing' });
    const bears = metricBearsOut(reading([82, 85, 88, undefined, 90]), cpu);
    expect(bears.borne).toBe(true);
    expect(bears.text).toContain('82, 85, 88, 90 (4 > 70, 5 needed)');
    expect(bears.text).toContain("CloudWatch's metric had a gap (3 of the 7 periods up to 2026-12-06T12:05:00.000Z missing), and with missing data treated as missing CloudWatch goes to ALARM on it");
  });

  it.each<[string, Array<number | undefined>]>([
    // A real minute under the threshold: CloudWatch judges the 5 most recent real datapoints, one of them 40.
    ['four of five minutes over, one real minute under', [88, 91, 85, 40, 90]],
    // The oldest breaching datapoint only 4 periods old: CloudWatch waits (the next minute may be under).
    ['a gap, the breaching run only four minutes old', [undefined, 85, 88, undefined, 90]],
    // An earlier real minute under the threshold in the range keeps the premature rule off.
    ['a gap after a real minute under the threshold', [40, 82, 85, 88, undefined, 90]],
    ['no datapoints (SetAlarmState)', []],
  ])('not borne out: %s', (_situation, values) => {
    expect(metricBearsOut(reading(values), cpu).borne).toBe(false);
  });

  it('a count after the state change (12:05:30) is not what CloudWatch evaluated: it bears out nothing', () => {
    const oom = rowAlarm('memory-pressure');
    expect(oom).toMatchObject({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching' });
    const read = reading([]);
    expect(metricBearsOut({ ...read, points: [{ at: '2026-12-06T12:06:00.000Z', value: 2 }] }, oom).borne).toBe(false);
    expect(metricBearsOut({ ...read, points: [{ at: '2026-12-06T12:05:00.000Z', value: 2 }] }, oom).borne).toBe(true);
  });

  it('the depth alarm (1 of 1, missing): a breach CloudWatch evaluated a period or more behind the state change bears it out', () => {
    const depth = rowAlarm('queue-backup');
    expect(depth).toMatchObject({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'missing' });
    expect(metricBearsOut(reading([1500, 300, undefined]), depth).borne).toBe(true);
    expect(metricBearsOut(reading([300, 200]), depth).borne).toBe(false);
  });
});

// Decisions 249, 263: an OK that restores is judged at the newest datapoint CloudWatch holds, by CloudWatch's evaluation on
// the restore's terms (one breaching period refuses, a missing one counts as breaching).
describe('metricBearsOutOk judges an OK that restores as CloudWatch evaluates it', () => {
  const reading = (values: Array<number | undefined>) => {
    const read = metricRead(values);
    if (read.status !== 'read') throw new Error('a reading');
    return read.reading;
  };

  it.each<[string, Array<number | undefined>, boolean]>([
    ['the backlog in the newest minute (an OK set by hand after the scale-up)', [1500], false],
    ['the backlog, then its first minute under 1000', [1500, 400], true],
    ['a minute under 1000, then the backlog', [400, 1500], false],
    ['exactly 1000 in the newest minute (not > 1000)', [1500, 1000], true],
    ['one message over the threshold in the newest minute', [1001], false],
    ['a gap before the newest minute', [1500, undefined, 30], true],
    ['a gap after the backlog, the newest minute under', [1500, undefined, undefined, 30], true],
    ['no datapoint (CloudWatch: INSUFFICIENT_DATA)', [], false],
  ])('the depth alarm (1 of 1, missing): %s is CloudWatch\'s own verdict at its newest datapoint', (_situation, values, borne) => {
    const depth = rowAlarm('queue-backup');
    expect(depth).toMatchObject({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'missing' });
    expect(metricBearsOutOk(reading(values), depth).borne).toBe(borne);
    // CloudWatch's evaluation range (N + 2 periods) ending at the newest datapoint's minute, as the guide documents it.
    const newest = values.length - 1 - [...values].reverse().findIndex((v) => v !== undefined);
    const size = depth.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
    const range = Array.from({ length: size }, (_unused, i) => values[newest - (size - 1) + i]).map((v) => (v === undefined ? undefined : v > depth.threshold));
    const cloudWatch = values.length === 0 ? 'INSUFFICIENT_DATA' : evaluateAlarmRange(range, depth.evaluationPeriods, depth.datapointsToAlarm, depth.treatMissingData).verdict;
    expect(cloudWatch === 'OK').toBe(borne);
  });

  it('the low-water alarm (1 of 5): stricter than CloudWatch, which is OK on four minutes under 100 with one missing', () => {
    const lowWater = restoreSignalAlarm();
    expect(lowWater).toMatchObject({ evaluationPeriods: 5, datapointsToAlarm: 1, treatMissingData: 'missing' });
    expect(evaluateAlarmRange(range('- - 0 0 0 0'), 5, 1, 'missing').verdict).toBe('OK');
    expect(metricBearsOutOk(reading([0, 0, 0, 0]), lowWater)).toMatchObject({ borne: false, missing: ['2026-12-06T12:01:00.000Z'] });
    expect(metricBearsOutOk(reading([0, 0, 0, 0, 0]), lowWater)).toMatchObject({ borne: true, missing: [], breaching: [] });
    expect(metricBearsOutOk(reading([0, 0, 150, 0, 0]), lowWater)).toMatchObject({ borne: false, breaching: [{ at: '2026-12-06T12:03:00.000Z', value: 150 }] });
  });
});
