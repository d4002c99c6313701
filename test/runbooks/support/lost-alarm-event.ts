// Decision 21's lost event on an alarm whose EvaluationState moved since (decision 154), as CloudWatch answers it:
// StateUpdatedTimestamp = the later update, StateTransitionedTimestamp = the state change. moto answers neither the
// transition nor an EvaluationState; the gap proxy adds them (sandbox/alarm-transitions.ts) to DescribeAlarmsForMetric
// (the documents' read) and DescribeAlarms (the Lambdas' reader), for one account, until cleared.
import type { RehearsalResult } from '../../../sandbox/rehearsal/engine';
import { clearAlarmTransitions, setAlarmTransitions } from '../../../sandbox/proxy-control';
import { isoDateTimeText } from '../../../shared/events/state-change-key';
import { provisionAccount, type SandboxAccount } from '../../integration/support/sandbox-account';
import { decisionOf, stepOutputs } from './rehearse-cli';

export interface LostStateChange {
  transitionedAt: Date;
  updatedAt: Date;
}

/**
 * A fresh production account for the calling describe, its proxy transitions cleared after it (hooks registered where
 * it is called). `account` is readable from the tests on, once beforeAll has provisioned it.
 */
export function lostEventAccount(): { readonly account: SandboxAccount; readonly control: string } {
  const control = process.env.SANDBOX_PROXY_CONTROL ?? '';
  let provisioned: SandboxAccount | undefined;
  beforeAll(async () => {
    provisioned = await provisionAccount('production');
  });
  afterAll(async () => {
    if (provisioned) await clearAlarmTransitions(control, { accountId: provisioned.accountId });
  });
  return {
    get account(): SandboxAccount {
      if (!provisioned) throw new Error('the account is provisioned in beforeAll: read it from a test or a later hook');
      return provisioned;
    },
    control,
  };
}

/**
 * Moves the alarm to `value` (its event is never delivered), then, 1.5 s later (past the pipeline's 1 s slack), sets the
 * same value again: moto moves its StateUpdatedTimestamp as a PARTIAL_DATA update moves CloudWatch's. The proxy then
 * answers the first instant as StateTransitionedTimestamp, with EvaluationState PARTIAL_DATA.
 */
export async function loseStateChangeThenUpdate(account: SandboxAccount, alarmName: string, value: 'ALARM' | 'OK', control: string): Promise<LostStateChange> {
  // The proxy does not follow SetAlarmState: a transition an earlier case set would be answered for this one's change.
  await clearAlarmTransitions(control, { accountId: account.accountId });
  const lost = (await account.transition(alarmName, value)) as { detail: { state: { timestamp: string } } };
  const transitionedAt = new Date(Date.parse(lost.detail.state.timestamp));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const update = (await account.transition(alarmName, value, 'Threshold Crossed: PARTIAL_DATA')) as { detail: { state: { timestamp: string } } };
  const updatedAt = new Date(Date.parse(update.detail.state.timestamp));
  if (updatedAt.getTime() - transitionedAt.getTime() <= 1000) throw new Error(`the update (${updatedAt.toISOString()}) is not past the 1 s slack of ${transitionedAt.toISOString()}`);
  await setAlarmTransitions(control, [{ alarmName, stateTransitionedTimestamp: transitionedAt.toISOString(), evaluationState: 'PARTIAL_DATA' }], { accountId: account.accountId });
  return { transitionedAt, updatedAt };
}

/**
 * The run read both instants, took the transition through the branch (decision 171), and the Lambda's decision is keyed
 * by the state change's instant in EventBridge's form (decision 150), not the update's. Returns that decision.
 */
export function stampedWithTransition(result: RehearsalResult, invokeStep: string, lost: LostStateChange): Record<string, unknown> {
  const read = stepOutputs(result, 'readAlarm');
  // Read as the Lambda's parser reads them, whatever form the rehearsal wrote them in (--datetimes; decision 171).
  expect(Date.parse(isoDateTimeText(String(read.StateUpdatedTimestamp)))).toBe(lost.updatedAt.getTime());
  expect(Date.parse(isoDateTimeText(String(read.StateTransitionedTimestamp)))).toBe(lost.transitionedAt.getTime());
  const ran = result.steps.map((s) => `${s.step}:${s.status}`);
  expect(ran).toEqual(expect.arrayContaining(['chooseStateChangeTime:Success', 'stampWithTransitionTime:Success', `${invokeStep}:Success`]));
  expect(ran).not.toContain('stampWithUpdateTime:Success');
  const decision = decisionOf(result, invokeStep);
  expect(decision.incidentKey).toBe(`${String(read.AlarmArn)}#${lost.transitionedAt.toISOString().replace(/Z$/, '+0000')}`);
  return decision;
}
