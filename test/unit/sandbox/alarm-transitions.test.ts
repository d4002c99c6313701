// The alarm fields moto never answers, added by the gap proxy to the alarms a test names (decision 166).
import { alarmTransitionsSchema, describeAlarmsJsonWithTransitions, withTransition } from '../../../sandbox/alarm-transitions';

// The User Guide's partial-data example: in ALARM since 11:26:05.401, on PARTIAL_DATA since 11:41:05.118.
const transitions = alarmTransitionsSchema.parse([{ alarmName: 'queue-depth', stateTransitionedTimestamp: '2026-12-06T11:26:05.401Z', evaluationState: 'PARTIAL_DATA' }]);

describe('alarm transitions the gap proxy answers for moto', () => {
  it('adds StateTransitionedTimestamp and EvaluationState to the named alarm of an SDK answer, and to no other', () => {
    const updated = new Date('2026-12-06T11:41:05.118Z');
    expect(withTransition({ AlarmName: 'queue-depth', StateValue: 'ALARM', StateUpdatedTimestamp: updated }, transitions)).toEqual({
      AlarmName: 'queue-depth',
      StateValue: 'ALARM',
      StateUpdatedTimestamp: updated,
      StateTransitionedTimestamp: new Date('2026-12-06T11:26:05.401Z'),
      EvaluationState: 'PARTIAL_DATA',
    });
    const other = { AlarmName: 'errors', StateUpdatedTimestamp: updated };
    expect(withTransition(other, transitions)).toBe(other);
  });

  it("rewrites moto's DescribeAlarms JSON answer with epoch seconds, keeping every other field", () => {
    const moto = JSON.stringify({ MetricAlarms: [{ AlarmName: 'queue-depth', StateUpdatedTimestamp: 1796816465.118 }, { AlarmName: 'errors' }], CompositeAlarms: [] });
    expect(JSON.parse(describeAlarmsJsonWithTransitions(moto, transitions) ?? 'null')).toEqual({
      MetricAlarms: [
        { AlarmName: 'queue-depth', StateUpdatedTimestamp: 1796816465.118, StateTransitionedTimestamp: Date.parse('2026-12-06T11:26:05.401Z') / 1000, EvaluationState: 'PARTIAL_DATA' },
        { AlarmName: 'errors' },
      ],
      CompositeAlarms: [],
    });
    expect(describeAlarmsJsonWithTransitions('<xml/>', transitions)).toBeUndefined();
  });

  it('refuses a transition time that is not ISO 8601 and an EvaluationState CloudWatch does not have', () => {
    expect(alarmTransitionsSchema.safeParse([{ alarmName: 'a', stateTransitionedTimestamp: '2026-12-06 11:26:05' }]).success).toBe(false);
    expect(alarmTransitionsSchema.safeParse([{ alarmName: 'a', stateTransitionedTimestamp: '2026-12-06T11:26:05Z', evaluationState: 'OK' }]).success).toBe(false);
  });
});
