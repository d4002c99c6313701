// Decisions 306, 312: escalation-timer and escalate give every AWS call up with ESCALATION_CALL_RESERVE_MS of the
// invocation left and let the writes that record a delivery or give its claim back run until ESCALATION_RECORD_RESERVE_MS
// left (named TIMER_* until decision 325). Those reserves were set for a 60 s timeout: 52 s for the work, 6 s to record
// what went out, 2 s to answer. Both functions are read from the synthesized production stack, not from the sizing
// table, so a timeout changed anywhere is caught here.
import { ESCALATION_CALL_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS } from '../../shared/escalation/timer-deadline';
import { resourcesOfType, synthesizeApp } from './support/synth';

describe('the escalation functions\' timeout and the deadline reserves (decisions 306, 312)', () => {
  let timeouts: Record<string, unknown>;

  beforeAll(() => {
    const synthesized = synthesizeApp({ environment: 'production', account: '123456789012' }, { cfnValidation: false });
    const names = [...synthesized.json.keys()];
    const template = synthesized.json.get(names.find((name) => name.includes('us-east-1')) ?? '');
    synthesized.dispose();
    if (!template) throw new Error(`no us-east-1 stack among ${names.join(', ')}`);
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    timeouts = Object.fromEntries(
      ['escalate', 'escalation-timer'].map((handler) => [handler, functions.find(([, f]) => f.Properties?.FunctionName === `notification-runbooks-${handler}`)?.[1].Properties?.Timeout]),
    );
  });

  it.each(['escalate', 'escalation-timer'])('%s has the 60 s the reserves were set for: 52 s of work, then 6 s to record what went out, 2 s to answer', (handler) => {
    expect(timeouts[handler]).toBe(60);
    const timeoutMs = Number(timeouts[handler]) * 1000;
    expect([timeoutMs - ESCALATION_CALL_RESERVE_MS, ESCALATION_CALL_RESERVE_MS - ESCALATION_RECORD_RESERVE_MS, ESCALATION_RECORD_RESERVE_MS]).toEqual([52_000, 6_000, 2_000]);
  });
});
