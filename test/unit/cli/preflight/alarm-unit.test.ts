// The one comparison of an alarm's Unit with the unit its metric is published with (decisions 319, 325): the sweep metric
// alarms' check and the Scheduler lanes' both call it.
import { unitProblem, type PublishedUnit } from '../../../../cli/preflight/alarm-unit';

const dropped: PublishedUnit = { metricName: 'InvocationDroppedCount', writer: 'Scheduler', unit: 'Count' };

describe('unitProblem (pure)', () => {
  it.each([
    ['unset: the alarm sees the datapoints whatever their unit (as infra deploys it)', undefined, undefined],
    ['the unit the metric is published with', 'Count', undefined],
    ['another unit: named, with what it does', 'Seconds', "its InvocationDroppedCount's unit is Seconds, not Count, the unit Scheduler writes InvocationDroppedCount with: no datapoint"],
    ['a unit differing only in case is another unit (CloudWatch units are exact names)', 'count', "its InvocationDroppedCount's unit is count, not Count, the unit Scheduler writes InvocationDroppedCount with: no datapoint"],
  ] as Array<[string, string | undefined, string | undefined]>)('%s', (_case, unit, problem) => {
    expect(unitProblem("its InvocationDroppedCount's unit", unit, dropped, 'no datapoint')).toBe(problem);
  });
});
