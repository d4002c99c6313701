// A gap of moto's CloudWatch the gap proxy fills on request: the alarm fields moto 5.2.1 never answers.
// moto's Alarm keeps `state_updated_timestamp` only (set at creation and by each update_state); it has no
// `state_transitioned_timestamp` and no `evaluation_state`, so DescribeAlarms / DescribeAlarmsForMetric answer
// StateUpdatedTimestamp alone. CloudWatch answers StateTransitionedTimestamp ("the date and time that the alarm's
// StateValue most recently changed") and, after an EvaluationState-only update, an EvaluationState with a
// StateUpdatedTimestamp later than the transition (API Reference, MetricAlarm; decision 154). A test names the alarm and
// the transition time; the proxy adds them to that account's answers until it is told otherwise. Pure.
import { z } from 'zod';

export const alarmTransitionSchema = z.object({
  alarmName: z.string().min(1),
  /** ISO 8601: the time the alarm's StateValue last changed, as CloudWatch would answer it. */
  stateTransitionedTimestamp: z.iso.datetime({ offset: true }),
  /** MetricAlarm.EvaluationState's values (API Reference). */
  evaluationState: z.enum(['PARTIAL_DATA', 'EVALUATION_ERROR', 'EVALUATION_FAILURE']).optional(),
});
export const alarmTransitionsSchema = z.array(alarmTransitionSchema);
export type AlarmTransition = z.infer<typeof alarmTransitionSchema>;

/** An alarm of an SDK-parsed answer with the fields a transition adds (timestamps as Dates). */
export function withTransition<A extends { AlarmName?: string }>(alarm: A, transitions: readonly AlarmTransition[]): A {
  const transition = transitions.find((t) => t.alarmName === alarm.AlarmName);
  if (!transition) return alarm;
  return {
    ...alarm,
    StateTransitionedTimestamp: new Date(transition.stateTransitionedTimestamp),
    ...(transition.evaluationState ? { EvaluationState: transition.evaluationState } : {}),
  };
}

const describeAlarmsJsonSchema = z.looseObject({ MetricAlarms: z.array(z.looseObject({ AlarmName: z.string().optional() })).optional() });

/**
 * moto's DescribeAlarms answer in AWS JSON 1.0 with the transitions added to its metric alarms (timestamps as epoch
 * seconds, JSON 1.0's default form); undefined when the text is not such an answer, which then goes back unchanged.
 */
export function describeAlarmsJsonWithTransitions(text: string, transitions: readonly AlarmTransition[]): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = describeAlarmsJsonSchema.safeParse(json);
  if (!parsed.success || !parsed.data.MetricAlarms) return undefined;
  const MetricAlarms = parsed.data.MetricAlarms.map((alarm) => {
    const transition = transitions.find((t) => t.alarmName === alarm.AlarmName);
    if (!transition) return alarm;
    return {
      ...alarm,
      StateTransitionedTimestamp: Date.parse(transition.stateTransitionedTimestamp) / 1000,
      ...(transition.evaluationState ? { EvaluationState: transition.evaluationState } : {}),
    };
  });
  return JSON.stringify({ ...parsed.data, MetricAlarms });
}
